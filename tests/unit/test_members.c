/* Unit tests for node/members.c: member-set / member-del through members_apply
 * (insertion order kept, updates in place, deletes close the gap), rejection of
 * malformed commands without touching the table, the snapshot round trip, and
 * members_load on garbage (truncations, bit flips, random bytes, hostile counts):
 * never a crash, and a refused blob leaves the table as it was. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "bytebuf.h"
#include "members.h"
#include "prng.h"

#define NID1 "0123456789abcdef0123456789abcdef01234567"
#define NID2 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define NID3 "ffffffffffffffffffffffffffffffffffffffff"

static int apply_strs(int argc, const char **strs)
{
    rd_arg argv[16];
    for (int i = 0; i < argc; i++)
        argv[i] = (rd_arg){strs[i], strlen(strs[i])};
    return members_apply(argc, argv);
}

static int set_member(const char *id, const char *nid, const char *host, const char *port,
                      const char *bus)
{
    const char *a[] = {"member-set", id, nid, host, port, bus};
    return apply_strs(6, a);
}

static int del_member(const char *id)
{
    const char *a[] = {"member-del", id};
    return apply_strs(2, a);
}

static void setup(void)
{
    members_clear();
}

static void teardown(void)
{
    members_clear();
}

TestSuite(members, .init = setup, .fini = teardown);

Test(members, set_find_and_order)
{
    cr_assert_eq(members_count(), 0);
    cr_assert_null(members_find(1));
    cr_assert_eq(set_member("3", NID1, "127.0.0.1", "7000", "17000"), 0);
    cr_assert_eq(set_member("1", NID2, "10.0.0.2", "7001", "17001"), 0);
    cr_assert_eq(set_member("2", NID3, "node-2.svc", "7002", "17002"), 0);
    cr_assert_eq(members_count(), 3);
    /* insertion order, not id order */
    cr_assert_eq(members_at(0)->raft_id, 3);
    cr_assert_eq(members_at(1)->raft_id, 1);
    cr_assert_eq(members_at(2)->raft_id, 2);
    cr_assert_null(members_at(3));
    cr_assert_null(members_at(-1));
    const member *m = members_find(1);
    cr_assert_not_null(m);
    cr_assert_str_eq(m->node_id, NID2);
    cr_assert_str_eq(m->host, "10.0.0.2");
    cr_assert_eq(m->port, 7001);
    cr_assert_eq(m->bus_port, 17001);
    cr_assert_eq(members_find_node_id(NID3)->raft_id, 2);
    cr_assert_null(members_find_node_id(NID1 "x"));
    cr_assert_null(members_find_node_id(NULL));

    /* an update keeps the position */
    cr_assert_eq(set_member("1", NID2, "10.0.0.9", "7101", "17101"), 0);
    cr_assert_eq(members_count(), 3);
    cr_assert_eq(members_at(1)->raft_id, 1);
    cr_assert_str_eq(members_at(1)->host, "10.0.0.9");
    cr_assert_eq(members_at(1)->port, 7101);

    /* a delete closes the gap and keeps the others' order */
    cr_assert_eq(del_member("3"), 0);
    cr_assert_eq(members_count(), 2);
    cr_assert_eq(members_at(0)->raft_id, 1);
    cr_assert_eq(members_at(1)->raft_id, 2);
    cr_assert_eq(del_member("12345"), 0); /* unknown: no-op */
    cr_assert_eq(members_count(), 2);
    /* a re-added member goes to the end */
    cr_assert_eq(set_member("3", NID1, "127.0.0.1", "7000", "17000"), 0);
    cr_assert_eq(members_at(2)->raft_id, 3);
}

Test(members, command_name_case_insensitive)
{
    const char *a[] = {"MEMBER-SET", "5", NID1, "h", "1", "2"};
    cr_assert_eq(apply_strs(6, a), 0);
    const char *d[] = {"Member-Del", "5"};
    cr_assert_eq(apply_strs(2, d), 0);
    cr_assert_eq(members_count(), 0);
}

Test(members, malformed_commands_rejected)
{
    cr_assert_eq(set_member("7", NID1, "127.0.0.1", "7000", "17000"), 0);
    const char *bad[][6] = {
        {"member-set", "0", NID1, "h", "1", "2"},              /* id 0 */
        {"member-set", "-1", NID1, "h", "1", "2"},             /* negative */
        {"member-set", "x", NID1, "h", "1", "2"},              /* not a number */
        {"member-set", "01", NID1, "h", "1", "2"},             /* not canonical */
        {"member-set", "18446744073709551616", NID1, "h", "1", "2"}, /* overflow */
        {"member-set", "8", "0123", "h", "1", "2"},            /* short node id */
        {"member-set", "8", "0123456789ABCDEF0123456789abcdef01234567", "h", "1", "2"}, /* upper */
        {"member-set", "8", "0123456789abcdef0123456789abcdef0123456g", "h", "1", "2"},
        {"member-set", "8", NID1, "", "1", "2"},                /* empty host */
        {"member-set", "8", NID1, "a b", "1", "2"},             /* space */
        {"member-set", "8", NID1, "a\nb", "1", "2"},            /* control */
        {"member-set", "8", NID1, "h", "0", "2"},               /* port 0 */
        {"member-set", "8", NID1, "h", "65536", "2"},           /* port too big */
        {"member-set", "8", NID1, "h", "1", "-5"},              /* bad bus port */
        {"member-set", "8", NID1, "h", "1", ""},                /* empty */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(apply_strs(6, bad[i]), -1, "case %zu accepted", i);
    /* arity */
    const char *a4[] = {"member-set", "8", NID1, "h"};
    cr_assert_eq(apply_strs(4, a4), -1);
    const char *d1[] = {"member-del"};
    cr_assert_eq(apply_strs(1, d1), -1);
    const char *d3[] = {"member-del", "1", "2"};
    cr_assert_eq(apply_strs(3, d3), -1);
    const char *d0[] = {"member-del", "0"};
    cr_assert_eq(apply_strs(2, d0), -1);
    const char *u[] = {"member-frob", "1"};
    cr_assert_eq(apply_strs(2, u), -1);
    cr_assert_eq(members_apply(0, NULL), -1);
    /* a host at the limit passes, one byte more does not */
    char host[MEMBER_HOST_MAX + 2];
    memset(host, 'h', sizeof host);
    host[MEMBER_HOST_MAX] = '\0';
    cr_assert_eq(set_member("9", NID2, host, "1", "2"), 0);
    cr_assert_eq(strlen(members_find(9)->host), MEMBER_HOST_MAX);
    host[MEMBER_HOST_MAX] = 'h';
    host[MEMBER_HOST_MAX + 1] = '\0';
    cr_assert_eq(set_member("10", NID2, host, "1", "2"), -1);
    /* nothing else changed */
    cr_assert_eq(members_count(), 2);
    cr_assert_str_eq(members_find(7)->host, "127.0.0.1");
}

Test(members, save_load_round_trip)
{
    cr_assert_eq(set_member("100", NID1, "127.0.0.1", "7000", "17000"), 0);
    cr_assert_eq(set_member("18446744073709551615", NID2, "redraft-0.redraft.default.svc", "6379", "16379"), 0);
    cr_assert_eq(set_member("5", NID3, "::1", "1", "65535"), 0);
    bytebuf b;
    bytebuf_init(&b);
    members_save(&b);
    members_clear();
    cr_assert_eq(members_count(), 0);
    cr_assert_eq(members_load(b.data, b.len), 0);
    cr_assert_eq(members_count(), 3);
    cr_assert_eq(members_at(0)->raft_id, 100);
    cr_assert_eq(members_at(1)->raft_id, UINT64_MAX);
    cr_assert_str_eq(members_at(1)->host, "redraft-0.redraft.default.svc");
    cr_assert_str_eq(members_at(1)->node_id, NID2);
    cr_assert_eq(members_at(2)->bus_port, 65535);
    /* saving again gives the same bytes */
    bytebuf b2;
    bytebuf_init(&b2);
    members_save(&b2);
    cr_assert_eq(b.len, b2.len);
    cr_assert_eq(memcmp(b.data, b2.data, b.len), 0);
    /* the loaded table keeps working (it must be growable) */
    cr_assert_eq(set_member("6", NID1, "h", "1", "2"), 0);
    cr_assert_eq(members_count(), 4);
    bytebuf_free(&b);
    bytebuf_free(&b2);

    /* an empty table round-trips too */
    members_clear();
    bytebuf_init(&b);
    members_save(&b);
    cr_assert_eq(b.len, 8);
    cr_assert_eq(set_member("6", NID1, "h", "1", "2"), 0);
    cr_assert_eq(members_load(b.data, b.len), 0);
    cr_assert_eq(members_count(), 0);
    bytebuf_free(&b);
}

static void fill_three(void)
{
    members_clear();
    set_member("1", NID1, "127.0.0.1", "7000", "17000");
    set_member("2", NID2, "127.0.0.1", "7001", "17001");
    set_member("3", NID3, "127.0.0.1", "7002", "17002");
}

static void assert_three_unchanged(void)
{
    cr_assert_eq(members_count(), 3);
    cr_assert_eq(members_at(0)->raft_id, 1);
    cr_assert_eq(members_at(2)->port, 7002);
}

Test(members, load_garbage_leaves_table)
{
    fill_three();
    bytebuf good;
    bytebuf_init(&good);
    members_save(&good);

    /* every truncation of a valid blob is refused */
    for (size_t n = 0; n < good.len; n++) {
        cr_assert_eq(members_load(good.data, n), -1, "truncated to %zu accepted", n);
        assert_three_unchanged();
    }
    /* trailing bytes are refused */
    bytebuf longer;
    bytebuf_init(&longer);
    bytebuf_append(&longer, good.data, good.len);
    bytebuf_append_char(&longer, 0);
    cr_assert_eq(members_load(longer.data, longer.len), -1);
    assert_three_unchanged();
    bytebuf_free(&longer);

    /* NULL with a length */
    cr_assert_eq(members_load(NULL, 10), -1);
    assert_three_unchanged();

    /* hostile count with no data behind it */
    unsigned char hostile[8] = {1, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f};
    cr_assert_eq(members_load((const char *)hostile, sizeof hostile), -1);
    unsigned char wrongver[8] = {2, 0, 0, 0, 0, 0, 0, 0};
    cr_assert_eq(members_load((const char *)wrongver, sizeof wrongver), -1);
    assert_three_unchanged();

    /* duplicate ids */
    members_clear();
    set_member("4", NID1, "h", "1", "2");
    bytebuf one;
    bytebuf_init(&one);
    members_save(&one);
    bytebuf dup;
    bytebuf_init(&dup);
    bytebuf_append(&dup, one.data, one.len);
    bytebuf_append(&dup, one.data + 8, one.len - 8);
    dup.data[4] = 2; /* count = 2 */
    cr_assert_eq(members_load(dup.data, dup.len), -1);
    cr_assert_eq(members_count(), 1);
    bytebuf_free(&one);
    bytebuf_free(&dup);

    /* single-bit flips and random bytes: any outcome but a crash; a refused blob
     * changes nothing, an accepted one is a consistent table */
    fill_three();
    prng rng;
    prng_seed(&rng, 42);
    bytebuf m;
    bytebuf_init(&m);
    for (int round = 0; round < 4000; round++) {
        bytebuf_clear(&m);
        if (round % 2 == 0) {
            bytebuf_append(&m, good.data, good.len);
            size_t bit = prng_next(&rng) % (good.len * 8);
            m.data[bit / 8] ^= (char)(1u << (bit % 8));
        } else {
            size_t n = prng_next(&rng) % 200;
            for (size_t i = 0; i < n; i++)
                bytebuf_append_char(&m, (char)prng_next(&rng));
            if (n >= 4 && round % 4 == 1) {
                m.data[0] = 1; /* a valid version makes the parser go deeper */
                m.data[1] = m.data[2] = m.data[3] = 0;
            }
        }
        int before = members_count();
        int rc = members_load(m.data, m.len);
        if (rc != 0) {
            cr_assert_eq(members_count(), before);
        } else {
            for (int i = 0; i < members_count(); i++) {
                const member *x = members_at(i);
                cr_assert_neq(x->raft_id, 0);
                cr_assert_eq(strlen(x->node_id), 40);
                cr_assert(x->port >= 1 && x->port <= 65535);
                cr_assert(x->bus_port >= 1 && x->bus_port <= 65535);
                cr_assert(strlen(x->host) >= 1);
            }
            fill_three();
        }
    }
    bytebuf_free(&m);
    bytebuf_free(&good);
}
