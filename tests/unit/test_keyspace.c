/* Unit tests for node/keyspace.c (expiry semantics, the expires counter, overwrite and
 * KEEPTTL rules, LRU/LFU tracking, hit/miss stats) and node/exec_helpers.c (Redis's
 * exact error texts and argument parsing). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "bytebuf.h"
#include "command.h"
#include "evict.h"
#include "exec.h"
#include "keyspace.h"
#include "kv.h"
#include "mem.h"
#include "resp_writer.h"
#include "server.h"
#include "test_support.h"

#define NOW 1700000000000LL

static prng test_rng;
static bytebuf out;
static resp_writer writer;

static void setup(void)
{
    test_server_init();
    prng_seed(&test_rng, 1);
    bytebuf_init(&out);
    resp_writer_init(&writer, &out, 2);
}

static void teardown(void)
{
    test_server_free();
    bytebuf_free(&out);
}

static exec_ctx ctx(int64_t now, int flags)
{
    exec_ctx c;
    memset(&c, 0, sizeof(c));
    c.srv = &g_server;
    c.db = &g_server.dbs[0];
    c.now_ms = now;
    c.rng = &test_rng;
    c.w = &writer;
    c.flags = flags;
    return c;
}

static kv *str(const char *key, const char *val, int64_t expire)
{
    return kv_new_string(key, strlen(key), val, strlen(val), expire);
}

static kv *rd(exec_ctx *c, const char *key)
{
    return keyspace_lookup_read(c, key, strlen(key));
}

static kv *wr(exec_ctx *c, const char *key)
{
    return keyspace_lookup_write(c, key, strlen(key));
}

/* Recounts keys with a TTL by walking the table. */
static size_t count_ttls(const db *d)
{
    size_t n = 0;
    for (size_t pos = 0; pos < d->table.used; pos++) {
        const kv *v = kvtable_at(&d->table, pos);
        if (v && kv_expire(v) >= 0)
            n++;
    }
    return n;
}

static void assert_value(const kv *v, const char *expect)
{
    char intbuf[32];
    const char *p;
    size_t n = kv_string(v, intbuf, &p);
    cr_assert_eq(n, strlen(expect));
    cr_assert(memcmp(p, expect, n) == 0);
}

TestSuite(keyspace, .init = setup, .fini = teardown);

Test(keyspace, read_hides_expired_without_deleting)
{
    exec_ctx c = ctx(NOW, 0);
    keyspace_add(&c, str("k", "v", NOW + 100));
    cr_assert_eq(c.db->expires, 1);
    cr_assert_not_null(rd(&c, "k"));
    c.now_ms = NOW + 99;
    cr_assert_not_null(rd(&c, "k"));
    c.now_ms = NOW + 100; /* deadline not after now: gone */
    cr_assert_null(rd(&c, "k"));
    cr_assert_null(keyspace_peek(&c, "k", 1));
    cr_assert(keyspace_is_expired(&c, kvtable_find(&c.db->table, "k", 1, NULL)));
    cr_assert_eq(db_size(c.db), 1, "reads never delete");
    cr_assert_eq(c.db->expires, 1);
    cr_assert_eq(g_server.stats.expired_keys, 0);
    cr_assert_eq(g_server.stats.keyspace_hits, 2);
    cr_assert_eq(g_server.stats.keyspace_misses, 1);

    /* A write lookup without EXEC_MAY_MUTATE hides but does not delete either. */
    cr_assert_null(wr(&c, "k"));
    cr_assert_eq(db_size(c.db), 1);
    /* With it, the key is deleted and counted. */
    c.flags = EXEC_MAY_MUTATE;
    cr_assert_null(wr(&c, "k"));
    cr_assert_eq(db_size(c.db), 0);
    cr_assert_eq(c.db->expires, 0);
    cr_assert_eq(g_server.stats.expired_keys, 1);
}

Test(keyspace, peek_has_no_side_effects)
{
    exec_ctx c = ctx(NOW, EXEC_MAY_MUTATE);
    keyspace_add(&c, str("k", "v", -1));
    kv *v = keyspace_peek(&c, "k", 1);
    uint32_t lru = v->lru;
    c.now_ms = NOW + 50000;
    cr_assert_eq(keyspace_peek(&c, "k", 1), v);
    cr_assert_null(keyspace_peek(&c, "nope", 4));
    cr_assert_eq(v->lru, lru);
    cr_assert_eq(g_server.stats.keyspace_hits, 0);
    cr_assert_eq(g_server.stats.keyspace_misses, 0);
}

Test(keyspace, add_assigns_increasing_seqs)
{
    exec_ctx c = ctx(NOW, EXEC_MAY_MUTATE);
    uint64_t first = c.db->next_seq;
    keyspace_add(&c, str("a", "1", -1));
    keyspace_add(&c, str("b", "2", -1));
    cr_assert_eq(kv_seq(rd(&c, "a")), first);
    cr_assert_eq(kv_seq(rd(&c, "b")), first + 1);
    cr_assert_eq(c.db->next_seq, first + 2);
}

Test(keyspace, overwrite_keeps_position_and_seq)
{
    exec_ctx c = ctx(NOW, EXEC_MAY_MUTATE);
    keyspace_add(&c, str("a", "1", -1));
    keyspace_add(&c, str("b", "2", -1));
    keyspace_add(&c, str("c", "3", -1));
    uint64_t seq_b = kv_seq(rd(&c, "b"));
    kv *nb = keyspace_set(&c, str("b", "new value", -1), 0);
    cr_assert_eq(kvtable_at(&c.db->table, 1), nb);
    cr_assert_eq(kv_seq(nb), seq_b);
    assert_value(rd(&c, "b"), "new value");
    cr_assert_eq(db_size(c.db), 3);
    /* keyspace_set of a new key appends. */
    kv *d = keyspace_set(&c, str("d", "4", -1), 0);
    cr_assert_eq(kvtable_at(&c.db->table, 3), d);
    cr_assert_eq(db_size(c.db), 4);
}

Test(keyspace, overwrite_ttl_rules_and_keepttl)
{
    exec_ctx c = ctx(NOW, EXEC_MAY_MUTATE);
    keyspace_add(&c, str("k", "v", NOW + 5000));
    cr_assert_eq(c.db->expires, 1);

    /* KEEPTTL: the old deadline moves to the new value. */
    kv *v = keyspace_set(&c, str("k", "v2", -1), 1);
    cr_assert_eq(kv_expire(v), NOW + 5000);
    cr_assert_eq(c.db->expires, 1);

    /* Plain SET: the TTL is dropped. */
    v = keyspace_set(&c, str("k", "v3", -1), 0);
    cr_assert_eq(kv_expire(v), -1);
    cr_assert_eq(c.db->expires, 0);

    /* SET EX over a key without TTL. */
    v = keyspace_set(&c, str("k", "v4", NOW + 10), 0);
    cr_assert_eq(kv_expire(v), NOW + 10);
    cr_assert_eq(c.db->expires, 1);

    /* KEEPTTL over a key without TTL keeps "no TTL". */
    keyspace_set(&c, str("k", "v5", -1), 0);
    v = keyspace_set(&c, str("k", "v6", NOW + 99), 1);
    cr_assert_eq(kv_expire(v), -1);
    cr_assert_eq(c.db->expires, 0);
    cr_assert_eq(count_ttls(c.db), 0);
}

Test(keyspace, set_over_expired_key_is_a_new_key)
{
    exec_ctx c = ctx(NOW, EXEC_MAY_MUTATE);
    keyspace_add(&c, str("old", "x", NOW + 1));
    keyspace_add(&c, str("other", "y", -1));
    uint64_t old_seq = kv_seq(kvtable_find(&c.db->table, "old", 3, NULL));
    c.now_ms = NOW + 1;
    kv *v = keyspace_set(&c, str("old", "fresh", -1), 1);
    cr_assert_gt(kv_seq(v), old_seq, "appended with a new seq");
    cr_assert_eq(kv_expire(v), -1, "KEEPTTL of an expired key keeps nothing");
    cr_assert_eq(kvtable_at(&c.db->table, c.db->table.used - 1), v);
    cr_assert_eq(c.db->expires, 0);
    cr_assert_eq(g_server.stats.expired_keys, 1);
    cr_assert_eq(db_size(c.db), 2);
}

Test(keyspace, set_expire_updates_counter_and_table)
{
    exec_ctx c = ctx(NOW, EXEC_MAY_MUTATE);
    for (int i = 0; i < 50; i++) {
        char key[16];
        snprintf(key, sizeof(key), "key%d", i);
        keyspace_add(&c, str(key, "value", -1));
    }
    kv *v = wr(&c, "key17");
    kv *nv = keyspace_set_expire(&c, v, NOW + 1000);
    cr_assert_eq(c.db->expires, 1);
    cr_assert_eq(wr(&c, "key17"), nv);
    cr_assert_eq(kv_expire(nv), NOW + 1000);
    nv = keyspace_set_expire(&c, nv, NOW + 2000); /* change: no count change */
    cr_assert_eq(c.db->expires, 1);
    nv = keyspace_set_expire(&c, nv, -1);
    cr_assert_eq(c.db->expires, 0);
    cr_assert_eq(wr(&c, "key17"), nv);
    nv = keyspace_set_expire(&c, nv, -1); /* persist without TTL */
    cr_assert_eq(c.db->expires, 0);
    assert_value(nv, "value");
}

Test(keyspace, replaced_after_value_realloc)
{
    exec_ctx c = ctx(NOW, EXEC_MAY_MUTATE);
    keyspace_add(&c, str("a", "short", NOW + 10000));
    keyspace_add(&c, str("b", "x", -1));
    kv *v = wr(&c, "a");
    char big[4096];
    memset(big, 'q', sizeof(big));
    kv *nv = kv_string_set(v, big, sizeof(big), 1);
    keyspace_replaced(&c, v, nv);
    cr_assert_eq(wr(&c, "a"), nv);
    cr_assert_eq(kvtable_at(&c.db->table, 0), nv);
    cr_assert_eq(kv_expire(nv), NOW + 10000);
    cr_assert_eq(c.db->expires, 1);
    keyspace_replaced(&c, nv, nv); /* same pointer: nothing to do */
}

Test(keyspace, delete_semantics)
{
    exec_ctx c = ctx(NOW, EXEC_MAY_MUTATE);
    keyspace_add(&c, str("live", "1", NOW + 100));
    keyspace_add(&c, str("dead", "1", NOW - 1));
    keyspace_add(&c, str("plain", "1", -1));
    cr_assert_eq(c.db->expires, 2);
    cr_assert_eq(keyspace_delete(&c, "live", 4), 1);
    cr_assert_eq(keyspace_delete(&c, "dead", 4), 0, "an expired key counts as absent");
    cr_assert_eq(keyspace_delete(&c, "missing", 7), 0);
    cr_assert_eq(db_size(c.db), 1);
    cr_assert_eq(c.db->expires, 0);
    cr_assert_eq(g_server.stats.expired_keys, 1);
    cr_assert_eq(keyspace_delete(&c, "plain", 5), 1);
    cr_assert_eq(db_size(c.db), 0);
}

Test(keyspace, db_empty_resets_counts_but_not_seqs)
{
    exec_ctx c = ctx(NOW, EXEC_MAY_MUTATE);
    keyspace_add(&c, str("a", "1", NOW + 100));
    keyspace_add(&c, str("b", "1", -1));
    uint64_t next = c.db->next_seq;
    db_empty(c.db);
    cr_assert_eq(db_size(c.db), 0);
    cr_assert_eq(c.db->expires, 0);
    cr_assert_eq(c.db->next_seq, next);
    keyspace_add(&c, str("a", "1", -1));
    cr_assert_eq(kv_seq(rd(&c, "a")), next);
}

Test(keyspace, databases_are_separate)
{
    exec_ctx c0 = ctx(NOW, EXEC_MAY_MUTATE);
    exec_ctx c3 = ctx(NOW, EXEC_MAY_MUTATE);
    c3.db = &g_server.dbs[3];
    keyspace_add(&c0, str("k", "zero", -1));
    keyspace_add(&c3, str("k", "three", 5));
    assert_value(rd(&c0, "k"), "zero");
    cr_assert_null(rd(&c3, "k"), "expired in db 3 only");
    cr_assert_eq(g_server.dbs[3].expires, 1);
    cr_assert_eq(g_server.dbs[0].expires, 0);
}

Test(keyspace, lru_updates_on_access_but_not_for_no_touch)
{
    exec_ctx c = ctx(NOW, EXEC_MAY_MUTATE);
    keyspace_add(&c, str("k", "v", -1));
    kv *v = keyspace_peek(&c, "k", 1);
    cr_assert_eq(v->lru, keyspace_lru_clock(NOW));

    c.now_ms = NOW + 10000;
    rd(&c, "k");
    cr_assert_eq(v->lru, keyspace_lru_clock(NOW + 10000));
    cr_assert_eq(evict_idle_ms(v->lru, NOW + 25000), 15000);

    client cl;
    memset(&cl, 0, sizeof(cl));
    cl.flags = CLIENT_NO_TOUCH;
    c.client = &cl;
    c.now_ms = NOW + 20000;
    rd(&c, "k");
    wr(&c, "k");
    cr_assert_eq(v->lru, keyspace_lru_clock(NOW + 10000), "NO-TOUCH leaves the clock");

    command touch_cmd;
    memset(&touch_cmd, 0, sizeof(touch_cmd));
    strcpy(touch_cmd.fullname, "touch");
    c.cmd = &touch_cmd;
    rd(&c, "k");
    cr_assert_eq(v->lru, keyspace_lru_clock(NOW + 20000), "TOUCH touches even so");
}

Test(keyspace, lfu_counts_accesses_and_decays)
{
    g_server.cfg.maxmemory_policy = MAXMEMORY_ALLKEYS_LFU;
    exec_ctx c = ctx(NOW, EXEC_MAY_MUTATE);
    keyspace_add(&c, str("hot", "v", -1));
    keyspace_add(&c, str("cold", "v", -1));
    kv *hot = keyspace_peek(&c, "hot", 3);
    kv *cold = keyspace_peek(&c, "cold", 4);
    cr_assert_eq(evict_lfu_counter(&g_server, hot->lru, NOW), EVICT_LFU_INIT_VAL);
    for (int i = 0; i < 2000; i++)
        rd(&c, "hot");
    unsigned hot_count = evict_lfu_counter(&g_server, hot->lru, NOW);
    cr_assert_gt(hot_count, 10);
    cr_assert_lt(hot_count, 255);
    cr_assert_eq(evict_lfu_counter(&g_server, cold->lru, NOW), EVICT_LFU_INIT_VAL);

    /* Overwrites keep the frequency under LFU. */
    kv *nh = keyspace_set(&c, str("hot", "v2", -1), 0);
    cr_assert_eq(evict_lfu_counter(&g_server, nh->lru, NOW), hot_count);

    /* lfu-decay-time 1: one point per idle minute. */
    cr_assert_eq(evict_lfu_counter(&g_server, nh->lru, NOW + 3 * 60000), hot_count - 3);
    cr_assert_eq(evict_lfu_counter(&g_server, cold->lru, NOW + 10 * 60000), 0);
    g_server.cfg.lfu_decay_time = 0; /* never decays */
    cr_assert_eq(evict_lfu_counter(&g_server, cold->lru, NOW + 10 * 60000), EVICT_LFU_INIT_VAL);
}

Test(keyspace, randomized_expires_counter)
{
    exec_ctx c = ctx(NOW, EXEC_MAY_MUTATE);
    prng r;
    prng_seed(&r, 2024);
    char key[16], val[16];
    for (int i = 0; i < 20000; i++) {
        c.now_ms = NOW + i;
        snprintf(key, sizeof(key), "k%llu", (unsigned long long)prng_below(&r, 300));
        size_t klen = strlen(key);
        int64_t ttl = prng_below(&r, 3) == 0 ? -1 : c.now_ms + (int64_t)prng_below(&r, 400);
        snprintf(val, sizeof(val), "%llu", (unsigned long long)prng_below(&r, 100000));
        switch (prng_below(&r, 7)) {
        case 0:
            keyspace_set(&c, kv_new_string(key, klen, val, strlen(val), ttl), 0);
            break;
        case 1:
            keyspace_set(&c, kv_new_string(key, klen, val, strlen(val), -1), 1);
            break;
        case 2:
            if (!keyspace_lookup_write(&c, key, klen))
                keyspace_add(&c, kv_new_string(key, klen, val, strlen(val), ttl));
            break;
        case 3:
            keyspace_delete(&c, key, klen);
            break;
        case 4: {
            kv *v = keyspace_lookup_write(&c, key, klen);
            if (v)
                keyspace_set_expire(&c, v, ttl);
            break;
        }
        case 5: {
            kv *v = keyspace_lookup_write(&c, key, klen);
            if (v && kv_type(v) == OBJ_STRING) {
                kv *nv = kv_string_set(v, "a much longer value than before, to move it", 44, 1);
                keyspace_replaced(&c, v, nv);
            }
            break;
        }
        default:
            keyspace_lookup_read(&c, key, klen);
            break;
        }
        cr_assert_eq(c.db->expires, count_ttls(c.db), "op %d", i);
    }
}

Test(keyspace, modified_counts_dirty)
{
    exec_ctx c = ctx(NOW, EXEC_MAY_MUTATE);
    keyspace_modified(&c, "a", 1);
    keyspace_modified(&c, "b", 1);
    cr_assert_eq(c.dirty, 2);
}

/* ---- exec_helpers -------------------------------------------------------------- */

static rd_arg args[8];

static exec_ctx with_args(int argc, const char **argv)
{
    exec_ctx c = ctx(NOW, 0);
    for (int i = 0; i < argc; i++) {
        args[i].ptr = argv[i];
        args[i].len = strlen(argv[i]);
    }
    c.argc = argc;
    c.argv = args;
    return c;
}

static void assert_reply(const char *expect)
{
    cr_assert_eq(out.len, strlen(expect), "reply '%.*s', want '%s'", (int)out.len, out.data, expect);
    cr_assert(memcmp(out.data, expect, out.len) == 0, "reply '%.*s', want '%s'", (int)out.len, out.data, expect);
    bytebuf_clear(&out);
}

Test(keyspace, error_texts)
{
    const char *argv[] = {"config", "bogus"};
    exec_ctx c = with_args(2, argv);
    reply_syntax_error(&c);
    assert_reply("-ERR syntax error\r\n");
    reply_wrong_type(&c);
    assert_reply("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    reply_not_integer(&c);
    assert_reply("-ERR value is not an integer or out of range\r\n");
    reply_not_float(&c);
    assert_reply("-ERR value is not a valid float\r\n");
    reply_unknown_subcommand(&c);
    assert_reply("-ERR unknown subcommand 'bogus'. Try CONFIG HELP.\r\n");

    command cmd;
    memset(&cmd, 0, sizeof(cmd));
    strcpy(cmd.fullname, "config|get");
    c.cmd = &cmd;
    reply_wrong_arity(&c);
    assert_reply("-ERR wrong number of arguments for 'config|get' command\r\n");
    c.cmd = NULL;
    const char *argv2[] = {"GeT"};
    c = with_args(1, argv2);
    reply_wrong_arity(&c);
    assert_reply("-ERR wrong number of arguments for 'get' command\r\n");
}

Test(keyspace, unknown_subcommand_is_truncated)
{
    char longsub[300];
    memset(longsub, 'x', sizeof(longsub) - 1);
    longsub[sizeof(longsub) - 1] = '\0';
    const char *argv[] = {"object", longsub};
    exec_ctx c = with_args(2, argv);
    reply_unknown_subcommand(&c);
    char expect[400];
    snprintf(expect, sizeof(expect), "-ERR unknown subcommand '%.128s'. Try OBJECT HELP.\r\n", longsub);
    assert_reply(expect);
}

Test(keyspace, argument_helpers)
{
    const char *argv[] = {"cmd", "42", "-7", "x1", "3.5", "inf", "nan", "WithScores", "99999999999999999999"};
    exec_ctx c = with_args(8, argv);
    long long n;
    double d;
    cr_assert(arg_ll(&c, 1, &n));
    cr_assert_eq(n, 42);
    cr_assert_eq(out.len, 0);
    cr_assert_not(arg_ll(&c, 3, &n));
    assert_reply("-ERR value is not an integer or out of range\r\n");
    cr_assert_not(arg_ll(&c, 20, &n));
    assert_reply("-ERR value is not an integer or out of range\r\n");

    cr_assert(arg_ll_range(&c, 2, -10, 10, NULL, &n));
    cr_assert_eq(n, -7);
    cr_assert_not(arg_ll_range(&c, 1, 0, 10, NULL, &n));
    assert_reply("-ERR value is out of range, value must between 0 and 10\r\n");
    cr_assert_not(arg_ll_range(&c, 3, 0, 10, NULL, &n));
    assert_reply("-ERR value is not an integer or out of range\r\n");
    cr_assert_not(arg_ll_range(&c, 1, 0, 10, "ERR timeout is out of range", &n));
    assert_reply("-ERR timeout is out of range\r\n");
    cr_assert_not(arg_ll_range(&c, 3, 0, 10, "timeout is not an integer or out of range", &n));
    assert_reply("-ERR timeout is not an integer or out of range\r\n");

    cr_assert(arg_double(&c, 4, &d));
    cr_assert_float_eq(d, 3.5, 1e-12);
    cr_assert(arg_double(&c, 5, &d));
    cr_assert_not(arg_double(&c, 6, &d));
    assert_reply("-ERR value is not a valid float\r\n");
    cr_assert_not(arg_double(&c, 3, &d));
    assert_reply("-ERR value is not a valid float\r\n");

    cr_assert(arg_is(&c, 7, "withscores"));
    cr_assert_not(arg_is(&c, 7, "withscore"));
    cr_assert_not(arg_is(&c, 8, "withscores"), "past argc");
    cr_assert_eq(out.len, 0);
}
