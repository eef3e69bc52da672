/* Unit tests for node/t_set.c, calling the command handlers directly with an exec_ctx:
 *   - thousands of random SADD/SREM/SPOP/SMOVE commands on several keys checked against
 *     a reference model (membership, cardinality, intsets sorted and integer-only);
 *   - SINTER/SUNION/SDIFF (and STORE, SINTERCARD LIMIT) against the model;
 *   - Redis 7.2's encoding transitions (intset -> listpack -> hashtable, size hints,
 *     long members, configuration), never going back;
 *   - save/load round trips through the registered kv_type_ops with identical SPOP /
 *     SRANDMEMBER / SSCAN replies afterwards, and replay determinism;
 *   - error texts and reply shapes (RESP2/RESP3). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "dict.h"
#include "mem.h"
#include "t_set.h"
#include "test_cmd_runner.h"

static void setup(void)
{
    cmd_runner_setup(1);
    run_arity = RUN_ARITY_REPLY; /* the arity error replies are tested */
}

TestSuite(set, .init = setup, .fini = cmd_runner_teardown);

/* ---- reference model: member i of a space is in set k when bits[k][i] ---------------- */

#define SPACE 700
#define NKEYS 3
static unsigned char bits[NKEYS][SPACE];
static const char *keys[NKEYS] = {"s0", "s1", "s2"};

static void member_name(int i, char *buf)
{
    /* mostly integers (some wide), some strings, a few long strings */
    if (i % 50 == 49)
        snprintf(buf, 100, "long-member-%d-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", i);
    else if (i % 7 == 3)
        snprintf(buf, 100, "m%d", i);
    else if (i % 11 == 5)
        snprintf(buf, 100, "%lld", 5000000000LL * i);
    else
        snprintf(buf, 100, "%d", i - 100);
}

static int member_index(const char *m, size_t len)
{
    static char names[SPACE][100];
    static size_t lens[SPACE];
    if (!lens[0])
        for (int i = 0; i < SPACE; i++) {
            member_name(i, names[i]);
            lens[i] = strlen(names[i]);
        }
    for (int i = 0; i < SPACE; i++)
        if (lens[i] == len && memcmp(names[i], m, len) == 0)
            return i;
    cr_assert_fail("unknown member %.*s", (int)len, m);
    return -1;
}

static size_t model_card(int k)
{
    size_t n = 0;
    for (int i = 0; i < SPACE; i++)
        n += bits[k][i];
    return n;
}

static void check_key(int k)
{
    kv *v = peek(0, keys[k]);
    size_t n = model_card(k);
    if (n == 0) {
        cr_assert_null(v, "empty set %s not deleted", keys[k]);
        return;
    }
    cr_assert_not_null(v);
    cr_assert_eq(set_size(v), n);
    unsigned char seen[SPACE] = {0};
    set_iter it;
    set_iter_init(&it, v);
    const char *m;
    size_t len;
    long long prev = 0;
    int first = 1;
    while (set_iter_next(&it, &m, &len)) {
        int i = member_index(m, len);
        cr_assert(bits[k][i], "member %.*s should not be in %s", (int)len, m, keys[k]);
        cr_assert(!seen[i]);
        seen[i] = 1;
        if (kv_encoding(v) == ENC_INTSET) {
            long long x = atoll(m);
            cr_assert(first || x > prev, "intset not ascending");
            prev = x;
            first = 0;
        }
    }
}

/* Parses a RESP2 array/set of bulks into member indices (returns count). */
static int parse_members(const char *r, int *idx, int max)
{
    cr_assert(r[0] == '*' || r[0] == '~', "not an array: %s", r);
    int n = atoi(r + 1);
    const char *p = strchr(r, '\n') + 1;
    for (int i = 0; i < n && i < max; i++) {
        cr_assert_eq(*p, '$');
        int len = atoi(p + 1);
        p = strchr(p, '\n') + 1;
        idx[i] = member_index(p, (size_t)len);
        p += len + 2;
    }
    return n;
}

Test(set, random_commands_match_model)
{
    prng r;
    prng_seed(&r, 77);
    memset(bits, 0, sizeof bits);
    char m[100], m2[100], cnt[32];
    int idx[SPACE];
    int saw[3] = {0, 0, 0};
    for (int step = 0; step < 8000; step++) {
        int k = (int)prng_below(&r, NKEYS);
        int space = step % 2000 < 1000 ? 60 : SPACE;
        int i = (int)prng_below(&r, (uint64_t)space);
        member_name(i, m);
        unsigned op = (unsigned)prng_below(&r, 20);
        if (op < 9) {
            int j = (int)prng_below(&r, (uint64_t)space);
            member_name(j, m2);
            W("SADD", keys[k], m, m2, NULL);
            int added = !bits[k][i] + (j != i && !bits[k][j]);
            char exp[16];
            snprintf(exp, sizeof exp, ":%d\r\n", added);
            cr_assert_str_eq(reply, exp);
            bits[k][i] = bits[k][j] = 1;
        } else if (op < 13) {
            W("SREM", keys[k], m, NULL);
            cr_assert_str_eq(reply, bits[k][i] ? ":1\r\n" : ":0\r\n");
            bits[k][i] = 0;
        } else if (op < 14) {
            W("SPOP", keys[k], NULL);
            if (model_card(k) == 0) {
                cr_assert_str_eq(reply, "$-1\r\n");
            } else {
                const char *p = strchr(reply, '\n') + 1;
                int x = member_index(p, (size_t)atoi(reply + 1));
                cr_assert(bits[k][x]);
                bits[k][x] = 0;
            }
        } else if (op < 15) {
            snprintf(cnt, sizeof cnt, "%d", (int)prng_below(&r, 8));
            W("SPOP", keys[k], cnt, NULL);
            int n = parse_members(reply, idx, SPACE);
            size_t card = model_card(k);
            cr_assert_eq((size_t)n, (size_t)atoi(cnt) < card ? (size_t)atoi(cnt) : card);
            for (int a = 0; a < n; a++) {
                cr_assert(bits[k][idx[a]], "popped a non-member");
                bits[k][idx[a]] = 0;
            }
        } else if (op < 17) {
            int k2 = (int)prng_below(&r, NKEYS);
            W("SMOVE", keys[k], keys[k2], m, NULL);
            int moved = bits[k][i];
            cr_assert_str_eq(reply, moved ? ":1\r\n" : ":0\r\n");
            if (moved && k != k2) {
                bits[k][i] = 0;
                bits[k2][i] = 1;
            }
        } else if (op < 18) {
            R("SISMEMBER", keys[k], m, NULL);
            cr_assert_str_eq(reply, bits[k][i] ? ":1\r\n" : ":0\r\n");
            cr_assert_eq(last_dirty, 0);
        } else {
            snprintf(cnt, sizeof cnt, "%d", (int)prng_below(&r, 20) - 10);
            R("SRANDMEMBER", keys[k], cnt, NULL);
            int n = parse_members(reply, idx, SPACE);
            int c = atoi(cnt);
            size_t card = model_card(k);
            if (c < 0)
                cr_assert_eq(n, card ? -c : 0);
            else
                cr_assert_eq((size_t)n, (size_t)c < card ? (size_t)c : card);
            for (int a = 0; a < n; a++) {
                cr_assert(bits[k][idx[a]]);
                for (int b = 0; c > 0 && b < a; b++)
                    cr_assert_neq(idx[a], idx[b]);
            }
            cr_assert_eq(last_dirty, 0);
        }
        for (int kk = 0; kk < NKEYS; kk++) {
            kv *v = peek(0, keys[kk]);
            if (v)
                saw[kv_encoding(v) == ENC_INTSET ? 0 : kv_encoding(v) == ENC_LISTPACK ? 1 : 2] = 1;
        }
        if (step % 40 == 0) {
            for (int kk = 0; kk < NKEYS; kk++)
                check_key(kk);
            /* multi-key operations */
            int got[SPACE];
            R("SINTER", "s0", "s1", "s2", NULL);
            int n = parse_members(reply, got, SPACE);
            int want = 0;
            for (int x = 0; x < SPACE; x++)
                want += bits[0][x] && bits[1][x] && bits[2][x];
            cr_assert_eq(n, want);
            for (int a = 0; a < n; a++)
                cr_assert(bits[0][got[a]] && bits[1][got[a]] && bits[2][got[a]]);
            char lim[16];
            snprintf(lim, sizeof lim, "%d", want / 2);
            R("SINTERCARD", "2", "s0", "s1", NULL);
            int want2 = 0;
            for (int x = 0; x < SPACE; x++)
                want2 += bits[0][x] && bits[1][x];
            cr_assert_eq(atoi(reply + 1), want2);
            R("SINTERCARD", "2", "s0", "s1", "LIMIT", lim, NULL);
            cr_assert_eq(atoi(reply + 1), want / 2 && want / 2 < want2 ? want / 2 : want2);
            R("SUNION", "s0", "s1", "nokey", "s2", NULL);
            n = parse_members(reply, got, SPACE);
            want = 0;
            for (int x = 0; x < SPACE; x++)
                want += bits[0][x] || bits[1][x] || bits[2][x];
            cr_assert_eq(n, want);
            R("SDIFF", "s0", "s1", "s2", NULL);
            n = parse_members(reply, got, SPACE);
            want = 0;
            for (int x = 0; x < SPACE; x++)
                want += bits[0][x] && !bits[1][x] && !bits[2][x];
            cr_assert_eq(n, want);
            for (int a = 0; a < n; a++)
                cr_assert(bits[0][got[a]] && !bits[1][got[a]] && !bits[2][got[a]]);
            /* STORE into a scratch key, compare with the non-store reply's size */
            W("SUNIONSTORE", "dst", "s0", "s2", NULL);
            want = 0;
            for (int x = 0; x < SPACE; x++)
                want += bits[0][x] || bits[2][x];
            cr_assert_eq(atoi(reply + 1), want);
            kv *d = peek(0, "dst");
            cr_assert_eq(d ? set_size(d) : 0, (size_t)want);
        }
    }
    cr_assert(saw[0] && saw[1] && saw[2], "not every encoding was exercised");
}

Test(set, encoding_transitions)
{
    /* intset while integers, listpack on a string, hashtable past 128 */
    W("SADD", "s", "1", "2", "3", NULL);
    cr_assert_str_eq(encoding("s"), "intset");
    W("SADD", "s", "a", NULL);
    cr_assert_str_eq(encoding("s"), "listpack");
    W("SREM", "s", "a", NULL);
    cr_assert_str_eq(encoding("s"), "listpack"); /* never back */
    char m[32];
    for (int i = 0; i < 124; i++) {
        snprintf(m, sizeof m, "x%d", i);
        W("SADD", "s", m, NULL);
    }
    cr_assert_str_eq(R("SCARD", "s", NULL), ":127\r\n");
    W("SADD", "s", "last", NULL);
    cr_assert_str_eq(encoding("s"), "listpack");
    W("SADD", "s", "over", NULL);
    cr_assert_str_eq(encoding("s"), "hashtable");

    /* intset up to 512, then hashtable */
    for (int i = 0; i < 512; i++) {
        snprintf(m, sizeof m, "%d", i * 3);
        W("SADD", "i", m, NULL);
    }
    cr_assert_str_eq(encoding("i"), "intset");
    W("SADD", "i", "100000", NULL);
    cr_assert_str_eq(encoding("i"), "hashtable");

    /* an intset with >= 128 members meeting a string goes straight to hashtable */
    for (int i = 0; i < 200; i++) {
        snprintf(m, sizeof m, "%d", i);
        W("SADD", "j", m, NULL);
    }
    cr_assert_str_eq(encoding("j"), "intset");
    W("SADD", "j", "str", NULL);
    cr_assert_str_eq(encoding("j"), "hashtable");

    /* a long member: hashtable */
    W("SADD", "l", "short", NULL);
    W("SADD", "l", "0123456789012345678901234567890123456789012345678901234567890123456789", NULL);
    cr_assert_str_eq(encoding("l"), "hashtable");

    /* size hints: a new set adding > 128 strings starts as hashtable even with dups */
    const char *args[2 + 130];
    args[0] = "SADD";
    args[1] = "h";
    for (int i = 0; i < 130; i++)
        args[2 + i] = "dup";
    run_args(0, EXEC_MAY_MUTATE, 132, args, NULL);
    cr_assert_str_eq(reply, ":1\r\n");
    cr_assert_str_eq(encoding("h"), "hashtable");
    /* ... while 130 integer args fit an intset */
    args[1] = "h2";
    for (int i = 0; i < 130; i++)
        args[2 + i] = "7";
    run_args(0, EXEC_MAY_MUTATE, 132, args, NULL);
    cr_assert_str_eq(encoding("h2"), "intset");
    /* an existing listpack receiving > 128 args converts first */
    W("SADD", "h3", "a", NULL);
    args[1] = "h3";
    for (int i = 0; i < 130; i++)
        args[2 + i] = "a";
    run_args(0, EXEC_MAY_MUTATE, 132, args, NULL);
    cr_assert_str_eq(encoding("h3"), "hashtable");

    /* configuration */
    g_server.cfg.set_max_intset_entries = 2;
    W("SADD", "c", "1", "2", NULL);
    cr_assert_str_eq(encoding("c"), "intset");
    W("SADD", "c", "3", NULL);
    cr_assert_str_eq(encoding("c"), "hashtable");
    g_server.cfg.set_max_intset_entries = 512;

    /* SINTERSTORE of integer listpacks gives an intset; SUNIONSTORE follows adds */
    W("SADD", "p", "a", "1", "2", "3", NULL);
    W("SADD", "q", "b", "2", "3", "4", NULL);
    cr_assert_str_eq(W("SINTERSTORE", "d", "p", "q", NULL), ":2\r\n");
    cr_assert_str_eq(encoding("d"), "intset");
    cr_assert_str_eq(W("SUNIONSTORE", "d", "p", "q", NULL), ":6\r\n");
    cr_assert_str_eq(encoding("d"), "listpack");
    cr_assert_str_eq(W("SDIFFSTORE", "d", "p", "q", NULL), ":2\r\n");
    cr_assert_str_eq(encoding("d"), "listpack");
}

Test(set, replies_and_errors)
{
    const char *wt = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
    W("SET", "str", "x", NULL);
    W("SADD", "s", "a", "b", "c", NULL);
    cr_assert_str_eq(W("SADD", "str", "a", NULL), wt);
    cr_assert_str_eq(R("SMEMBERS", "nokey", NULL), "*0\r\n");
    cr_assert_str_eq(R("SMISMEMBER", "s", "a", "z", "c", NULL), "*3\r\n:1\r\n:0\r\n:1\r\n");
    cr_assert_str_eq(R("SMISMEMBER", "nokey", "a", NULL), "*1\r\n:0\r\n");
    cr_assert_str_eq(R("SMISMEMBER", "str", "a", NULL), wt);
    cr_assert_str_eq(R("SCARD", "nokey", NULL), ":0\r\n");

    /* SMOVE */
    cr_assert_str_eq(W("SMOVE", "nokey", "str", "a", NULL), ":0\r\n"); /* Redis checks src first */
    cr_assert_str_eq(W("SMOVE", "s", "str", "a", NULL), wt);
    cr_assert_str_eq(W("SMOVE", "str", "s", "a", NULL), wt);
    cr_assert_str_eq(W("SMOVE", "s", "s", "a", NULL), ":1\r\n");
    cr_assert_str_eq(W("SMOVE", "s", "s", "zz", NULL), ":0\r\n");
    cr_assert_str_eq(W("SMOVE", "s", "t", "zz", NULL), ":0\r\n");
    cr_assert_null(peek(0, "t"));
    cr_assert_str_eq(W("SMOVE", "s", "t", "a", NULL), ":1\r\n");
    cr_assert_str_eq(encoding("t"), "listpack");
    W("SMOVE", "s", "t", "b", NULL);
    W("SMOVE", "s", "t", "c", NULL);
    cr_assert_null(peek(0, "s"), "emptied source deleted");
    cr_assert_str_eq(R("SCARD", "t", NULL), ":3\r\n");
    W("SADD", "n", "5", NULL);
    W("SMOVE", "n", "n2", "5", NULL);
    cr_assert_str_eq(encoding("n2"), "intset");

    /* SPOP / SRANDMEMBER arguments */
    cr_assert_str_eq(W("SPOP", "t", "-1", NULL), "-ERR value is out of range, must be positive\r\n");
    cr_assert_str_eq(W("SPOP", "t", "a", NULL), "-ERR value is out of range, must be positive\r\n");
    cr_assert_str_eq(W("SPOP", "t", "1", "2", NULL), "-ERR syntax error\r\n");
    cr_assert_str_eq(W("SPOP", "nokey", NULL), "$-1\r\n");
    cr_assert_str_eq(W("SPOP", "nokey", "3", NULL), "*0\r\n");
    cr_assert_str_eq(W("SPOP", "t", "0", NULL), "*0\r\n");
    cr_assert_str_eq(R("SRANDMEMBER", "t", "a", NULL), "-ERR value is not an integer or out of range\r\n");
    cr_assert_str_eq(R("SRANDMEMBER", "t", "-9223372036854775808", NULL),
                     "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n");
    cr_assert_str_eq(R("SRANDMEMBER", "t", "1", "2", NULL), "-ERR syntax error\r\n");
    cr_assert_str_eq(R("SRANDMEMBER", "nokey", NULL), "$-1\r\n");
    cr_assert_str_eq(R("SRANDMEMBER", "nokey", "-5", NULL), "*0\r\n");
    R("SRANDMEMBER", "t", "-5", NULL);
    cr_assert_eq(strncmp(reply, "*5\r\n", 4), 0);
    cr_assert_str_eq(R("SRANDMEMBER", "t", "10", NULL), "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
    cr_assert_str_eq(W("SPOP", "t", "10", NULL), "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
    cr_assert_null(peek(0, "t"));

    /* SINTERCARD */
    cr_assert_str_eq(R("SINTERCARD", "0", "a", NULL), "-ERR numkeys should be greater than 0\r\n");
    cr_assert_str_eq(R("SINTERCARD", "a", "a", NULL), "-ERR numkeys should be greater than 0\r\n");
    cr_assert_str_eq(R("SINTERCARD", "2", "a", NULL), "-ERR Number of keys can't be greater than number of args\r\n");
    cr_assert_str_eq(R("SINTERCARD", "1", "a", "LIMIT", "-1", NULL), "-ERR LIMIT can't be negative\r\n");
    cr_assert_str_eq(R("SINTERCARD", "1", "a", "LIMIT", "x", NULL), "-ERR LIMIT can't be negative\r\n");
    cr_assert_str_eq(R("SINTERCARD", "1", "a", "LIMIT", NULL), "-ERR syntax error\r\n");
    cr_assert_str_eq(R("SINTERCARD", "1", "a", "FOO", "1", NULL), "-ERR syntax error\r\n");
    cr_assert_str_eq(R("SINTERCARD", "1", "str", NULL), wt);
    cr_assert_str_eq(R("SINTERCARD", "2", "nokey", "str", NULL), wt);

    /* multi-key: WRONGTYPE anywhere, missing keys are empty sets */
    W("SADD", "a", "1", "2", "3", NULL);
    W("SADD", "b", "2", "3", "4", NULL);
    cr_assert_str_eq(R("SINTER", "a", "nokey", "str", NULL), wt);
    cr_assert_str_eq(R("SINTER", "a", "nokey", NULL), "*0\r\n");
    cr_assert_str_eq(R("SUNION", "a", "str", NULL), wt);
    cr_assert_str_eq(R("SDIFF", "nokey", "a", NULL), "*0\r\n");
    cr_assert_str_eq(R("SDIFF", "a", "a", NULL), "*0\r\n");
    cr_assert_str_eq(R("SDIFF", "a", "b", NULL), "*1\r\n$1\r\n1\r\n");
    cr_assert_str_eq(R("SINTER", "a", "b", NULL), "*2\r\n$1\r\n2\r\n$1\r\n3\r\n");
    /* STORE: empty result deletes dst; dst may be a source; any type is overwritten */
    cr_assert_str_eq(W("SINTERSTORE", "str", "a", "b", NULL), ":2\r\n");
    cr_assert_str_eq(R("TYPE", "str", NULL), "+set\r\n");
    cr_assert_str_eq(W("SINTERSTORE", "str", "a", "nokey", NULL), ":0\r\n");
    cr_assert_null(peek(0, "str"));
    cr_assert_eq(last_dirty, 1);
    cr_assert_str_eq(W("SINTERSTORE", "str", "a", "nokey", NULL), ":0\r\n");
    cr_assert_eq(last_dirty, 0);
    cr_assert_str_eq(W("SUNIONSTORE", "a", "a", "b", NULL), ":4\r\n");
    cr_assert_str_eq(R("SMEMBERS", "a", NULL), "*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n");
    cr_assert_str_eq(W("SDIFFSTORE", "a", "a", "b", NULL), ":1\r\n");
    cr_assert_str_eq(R("SMEMBERS", "a", NULL), "*1\r\n$1\r\n1\r\n");

    /* RESP3 shapes: sets for SMEMBERS/SINTER/SPOP count, arrays for SRANDMEMBER */
    writer.proto = 3;
    cr_assert_str_eq(R("SMEMBERS", "a", NULL), "~1\r\n$1\r\n1\r\n");
    cr_assert_str_eq(R("SMEMBERS", "nokey", NULL), "~0\r\n");
    cr_assert_str_eq(R("SINTER", "nokey", NULL), "~0\r\n");
    cr_assert_str_eq(R("SRANDMEMBER", "a", "5", NULL), "*1\r\n$1\r\n1\r\n");
    cr_assert_str_eq(W("SPOP", "nokey", "1", NULL), "~0\r\n");
    cr_assert_str_eq(W("SPOP", "nokey", NULL), "_\r\n");
    writer.proto = 2;

    /* SSCAN */
    cr_assert_str_eq(R("SSCAN", "b", "0", NULL), "*2\r\n$1\r\n0\r\n*3\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n");
    cr_assert_str_eq(R("SSCAN", "b", "0", "MATCH", "3", NULL), "*2\r\n$1\r\n0\r\n*1\r\n$1\r\n3\r\n");
    cr_assert_str_eq(R("SSCAN", "b", "x", NULL), "-ERR invalid cursor\r\n");
    cr_assert_str_eq(R("SSCAN", "b", "0", "COUNT", "0", NULL), "-ERR syntax error\r\n");
    cr_assert_str_eq(R("SSCAN", "nokey", "0", NULL), "*2\r\n$1\r\n0\r\n*0\r\n");
    cr_assert_str_eq(R("SSCAN", "n2", "0", "FOO", NULL), "-ERR syntax error\r\n");
}

/* ---- snapshots and determinism ------------------------------------------------------ */

static void assert_same(int mutate, int argc, const char **args)
{
    assert_same_reply_db01(mutate ? EXEC_MAY_MUTATE : 0, argc, args, 0);
}

static void check_reload(const char *key)
{
    reload_into_db(OBJ_SET, 1, key, 1);
    const char *cmds[][3] = {
        {"SRANDMEMBER", key, NULL}, {"SRANDMEMBER", key, "5"}, {"SRANDMEMBER", key, "-30"},
        {"SRANDMEMBER", key, "400"}, {"SMEMBERS", key, NULL}, {"SSCAN", key, "0"},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
        for (int rep = 0; rep < 3; rep++)
            assert_same(0, cmds[i][2] ? 3 : 2, cmds[i]);
    /* and both keep evolving identically under writes */
    const char *pop1[] = {"SPOP", key};
    const char *popn[] = {"SPOP", key, "3"};
    for (int rep = 0; rep < 5; rep++) {
        assert_same(1, 2, pop1);
        assert_same(1, 3, popn);
    }
    const char *members[] = {"SMEMBERS", key};
    assert_same(0, 2, members);
}

Test(set, save_load_round_trip_every_encoding)
{
    char m[32];
    for (int i = 0; i < 40; i++) {
        snprintf(m, sizeof m, "%d", i * 1000);
        W("SADD", "ints", m, NULL);
    }
    check_reload("ints");
    for (int i = 0; i < 40; i++) {
        snprintf(m, sizeof m, "m%d", i);
        W("SADD", "lp", m, NULL);
    }
    W("SREM", "lp", "m5", "m17", NULL);
    check_reload("lp");
    for (int i = 0; i < 3000; i++) {
        snprintf(m, sizeof m, "m%d", i);
        W("SADD", "ht", m, NULL);
    }
    for (int i = 0; i < 3000; i += 3) {
        snprintf(m, sizeof m, "m%d", (i * 7) % 3000);
        W("SREM", "ht", m, NULL);
    }
    check_reload("ht");
    /* a listpack with a duplicate member is rejected */
    W("SADD", "dup", "aa", "ab", NULL);
    bytebuf b;
    bytebuf_init(&b);
    const kv_type_ops *ops = kv_type_get_ops(OBJ_SET);
    ops->save(kv_ptr(peek(0, "dup")), ENC_LISTPACK, &b);
    b.data[b.len - 1] = 'a';
    cr_assert_null(ops->load(b.data, b.len, ENC_LISTPACK));
    bytebuf_free(&b);
}

Test(set, sscan_hashtable_complete)
{
    char m[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(m, sizeof m, "m%d", i);
        W("SADD", "h", m, NULL);
    }
    int seen[1000] = {0};
    char cursor[32] = "0";
    int calls = 0;
    do {
        R("SSCAN", "h", cursor, "COUNT", "17", "MATCH", "m*", NULL);
        const char *p = scan_cursor(cursor);
        int n = atoi(p + 1);
        p = strchr(p, '\n') + 1;
        for (int i = 0; i < n; i++) {
            int len = atoi(p + 1);
            p = strchr(p, '\n') + 1;
            seen[atoi(p + 1)]++;
            p += len + 2;
        }
        /* remove some while scanning: the rest must still come exactly once */
        if (calls % 5 == 0) {
            snprintf(m, sizeof m, "m%d", 999 - calls);
            W("SREM", "h", m, NULL);
            seen[999 - calls] = -100;
        }
        cr_assert_lt(++calls, 1000);
    } while (strcmp(cursor, "0") != 0);
    for (int i = 0; i < 1000; i++)
        cr_assert(seen[i] == 1 || seen[i] <= -99, "member %d seen %d", i, seen[i]);
}
