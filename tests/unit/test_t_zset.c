/* Unit tests for node/t_zset.c, calling the command handlers directly with an
 * exec_ctx:
 *   - thousands of random ZADD (all flags) / ZINCRBY / ZREM / ZPOP / ZREMRANGEBY*
 *     compared with a reference model (sorted array), checking full ranges, ranks,
 *     scores and counts after every step, with small and default listpack limits so
 *     both encodings and the conversion between them are exercised;
 *   - the snapshot form: load(save(x)) replies identically, keeps the encoding, the
 *     ZSCAN order and the ZRANDMEMBER picks; malformed bytes are refused;
 *   - replaying the same commands gives the same random picks (determinism);
 *   - read commands never change the keyspace (a logically expired key stays). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>

#include "mem.h"
#include "strutil.h"
#include "t_zset.h"
#include "test_cmd_runner.h"

TestSuite(zset, .init = cmd_runner_init, .fini = cmd_runner_teardown);

/* ---- reference model --------------------------------------------------------------- */

#define MODEL_MAX 256
typedef struct mel {
    char m[24];
    double score;
} mel;
static mel model[MODEL_MAX];
static size_t model_n;

static int mel_before(const mel *a, double score, const char *m)
{
    if (a->score != score)
        return a->score < score;
    return strcmp(a->m, m) < 0; /* NUL-free members: same order as Redis's */
}

static long model_find(const char *m)
{
    for (size_t i = 0; i < model_n; i++)
        if (strcmp(model[i].m, m) == 0)
            return (long)i;
    return -1;
}

static void model_del(size_t i)
{
    memmove(&model[i], &model[i + 1], (model_n - i - 1) * sizeof(mel));
    model_n--;
}

static void model_add(const char *m, double score)
{
    size_t i = 0;
    while (i < model_n && mel_before(&model[i], score, m))
        i++;
    memmove(&model[i + 1], &model[i], (model_n - i) * sizeof(mel));
    snprintf(model[i].m, sizeof(model[i].m), "%s", m);
    model[i].score = score;
    model_n++;
}

static void bulk(bytebuf *b, const char *s)
{
    bytebuf_appendf(b, "$%zu\r\n%s\r\n", strlen(s), s);
}

static void bulk_score(bytebuf *b, double d)
{
    char buf[64];
    rd_d2str(buf, sizeof(buf), d);
    bulk(b, buf);
}

/* Expected RESP2 reply of ZRANGE key 0 -1 WITHSCORES. */
static void expect_full_range(void)
{
    bytebuf e;
    bytebuf_init(&e);
    bytebuf_appendf(&e, "*%zu\r\n", model_n * 2);
    for (size_t i = 0; i < model_n; i++) {
        bulk(&e, model[i].m);
        bulk_score(&e, model[i].score);
    }
    bytebuf_append_char(&e, '\0');
    const char *r = R("ZRANGE", "z", "0", "-1", "WITHSCORES", NULL);
    cr_assert_str_eq(r, e.data);
    bytebuf_free(&e);
    char n[32];
    snprintf(n, sizeof(n), ":%zu\r\n", model_n);
    cr_assert_str_eq(R("ZCARD", "z", NULL), n);
    kv *v = peek(0, "z");
    cr_assert_eq(v == NULL, model_n == 0, "empty sets must be deleted");
    if (v)
        cr_assert(zset_value_check(kv_ptr(v), kv_encoding(v)));
}

static double pick_score(prng *r)
{
    static const double s[] = {0, 1, -1, 2.5, 3, -0.5, 1e20, 0.1, 7};
    return s[prng_below(r, sizeof(s) / sizeof(s[0]))];
}

static void random_model_run(long long max_entries, uint64_t seed, int steps)
{
    g_server.cfg.zset_max_listpack_entries = max_entries;
    prng r;
    prng_seed(&r, seed);
    model_n = 0;
    char m[24], sc[64], sc2[64];
    int saw_skiplist = 0, saw_listpack = 0;
    for (int step = 0; step < steps; step++) {
        snprintf(m, sizeof(m), "m%u", (unsigned)prng_below(&r, 40));
        double s = pick_score(&r);
        rd_d2str(sc, sizeof(sc), s);
        long i = model_find(m);
        unsigned op = (unsigned)prng_below(&r, 12);
        if (op < 4) {
            /* ZADD with a random flag among none, NX, XX, GT, LT. */
            static const char *flags[] = {NULL, "NX", "XX", "GT", "LT"};
            const char *f = flags[prng_below(&r, 5)];
            const char *res = f ? W("ZADD", "z", f, "CH", sc, m, NULL) : W("ZADD", "z", "CH", sc, m, NULL);
            int changed = 0;
            if (i < 0) {
                if (!f || strcmp(f, "XX") != 0) {
                    model_add(m, s);
                    changed = 1;
                }
            } else {
                double cur = model[i].score;
                int skip = (f && strcmp(f, "NX") == 0) || (f && strcmp(f, "GT") == 0 && s <= cur) ||
                           (f && strcmp(f, "LT") == 0 && s >= cur);
                if (!skip && s != cur) {
                    model_del((size_t)i);
                    model_add(m, s);
                    changed = 1;
                }
            }
            cr_assert_str_eq(res, changed ? ":1\r\n" : ":0\r\n");
        } else if (op == 4) {
            const char *res = W("ZINCRBY", "z", sc, m, NULL);
            double ns = i < 0 ? s : model[i].score + s;
            if (i >= 0)
                model_del((size_t)i);
            model_add(m, ns);
            rd_d2str(sc2, sizeof(sc2), ns);
            char e[96];
            snprintf(e, sizeof(e), "$%zu\r\n%s\r\n", strlen(sc2), sc2);
            cr_assert_str_eq(res, e);
        } else if (op == 5) {
            const char *res = W("ZREM", "z", m, NULL);
            cr_assert_str_eq(res, i >= 0 ? ":1\r\n" : ":0\r\n");
            if (i >= 0)
                model_del((size_t)i);
        } else if (op == 6) {
            char cnt[8];
            unsigned n = (unsigned)prng_below(&r, 3) + 1;
            snprintf(cnt, sizeof(cnt), "%u", n);
            int max = (int)prng_below(&r, 2);
            W(max ? "ZPOPMAX" : "ZPOPMIN", "z", cnt, NULL);
            for (unsigned k = 0; k < n && model_n; k++)
                model_del(max ? model_n - 1 : 0);
        } else if (op == 7) {
            /* ZREMRANGEBYSCORE (s 3] */
            const char *res = W("ZREMRANGEBYSCORE", "z", "(0", "3", NULL);
            long long cnt = 0;
            for (size_t k = 0; k < model_n;) {
                if (model[k].score > 0 && model[k].score <= 3) {
                    model_del(k);
                    cnt++;
                } else {
                    k++;
                }
            }
            char e[32];
            snprintf(e, sizeof(e), ":%lld\r\n", cnt);
            cr_assert_str_eq(res, e);
        } else if (op == 8) {
            /* ZSCORE / ZRANK / ZREVRANK */
            const char *res = R("ZRANK", "z", m, NULL);
            if (i < 0) {
                cr_assert_str_eq(res, "$-1\r\n");
            } else {
                char e[32];
                snprintf(e, sizeof(e), ":%ld\r\n", i);
                cr_assert_str_eq(res, e);
                snprintf(e, sizeof(e), ":%ld\r\n", (long)model_n - 1 - i);
                cr_assert_str_eq(R("ZREVRANK", "z", m, NULL), e);
                rd_d2str(sc2, sizeof(sc2), model[i].score);
                char e2[96];
                snprintf(e2, sizeof(e2), "$%zu\r\n%s\r\n", strlen(sc2), sc2);
                cr_assert_str_eq(R("ZSCORE", "z", m, NULL), e2);
            }
        } else if (op == 9) {
            /* ZCOUNT [s, +inf) */
            long long cnt = 0;
            for (size_t k = 0; k < model_n; k++)
                cnt += model[k].score >= s;
            char e[32];
            snprintf(e, sizeof(e), ":%lld\r\n", cnt);
            cr_assert_str_eq(R("ZCOUNT", "z", sc, "+inf", NULL), e);
        } else if (op == 10 && model_n) {
            /* ZREMRANGEBYRANK of one rank */
            size_t rk = (size_t)prng_below(&r, model_n);
            char a[16];
            snprintf(a, sizeof(a), "%zu", rk);
            cr_assert_str_eq(W("ZREMRANGEBYRANK", "z", a, a, NULL), ":1\r\n");
            model_del(rk);
        } else {
            /* ZRANGE BYSCORE REV LIMIT 1 3 against the model */
            bytebuf e;
            bytebuf_init(&e);
            size_t sel[3], n = 0, skipped = 0;
            for (size_t k = model_n; k > 0 && n < 3; k--) {
                if (model[k - 1].score <= s) {
                    if (skipped < 1)
                        skipped++;
                    else
                        sel[n++] = k - 1;
                }
            }
            bytebuf_appendf(&e, "*%zu\r\n", n);
            for (size_t k = 0; k < n; k++)
                bulk(&e, model[sel[k]].m);
            bytebuf_append_char(&e, '\0');
            cr_assert_str_eq(R("ZRANGE", "z", sc, "-inf", "BYSCORE", "REV", "LIMIT", "1", "3", NULL), e.data);
            bytebuf_free(&e);
        }
        expect_full_range();
        kv *v = peek(0, "z");
        if (v) {
            saw_skiplist |= kv_encoding(v) == ENC_SKIPLIST;
            saw_listpack |= kv_encoding(v) == ENC_LISTPACK;
        }
    }
    if (max_entries > 0)
        cr_assert(saw_listpack);
    if (max_entries < 40)
        cr_assert(saw_skiplist);
}

Test(zset, random_against_model_small_listpack)
{
    random_model_run(6, 11, 4000);
}

Test(zset, random_against_model_default_limits)
{
    random_model_run(128, 12, 3000);
}

Test(zset, random_against_model_skiplist_only)
{
    g_server.cfg.zset_max_listpack_entries = 0;
    random_model_run(0, 13, 2000);
}

/* ---- save / load ------------------------------------------------------------------- */

static void roundtrip_key(const char *key)
{
    kv *v = peek(0, key);
    cr_assert_not_null(v);
    const kv_type_ops *ops = kv_type_get_ops(OBJ_ZSET);
    bytebuf b;
    bytebuf_init(&b);
    ops->save(kv_ptr(v), kv_encoding(v), &b);
    void *p = ops->load(b.data, b.len, kv_encoding(v));
    cr_assert_not_null(p);
    cr_assert(zset_value_check(p, kv_encoding(v)));
    /* Second save is byte-identical. */
    bytebuf b2;
    bytebuf_init(&b2);
    ops->save(p, kv_encoding(v), &b2);
    cr_assert_eq(b.len, b2.len);
    cr_assert(memcmp(b.data, b2.data, b.len) == 0);
    /* Put the copy under another key in db 1 and compare behaviour. */
    kv *nv = kv_new_ptr(key, strlen(key), OBJ_ZSET, kv_encoding(v), p, -1);
    kvtable_insert(&g_server.dbs[1].table, nv);

    const char *cmds[][6] = {
        {"ZRANGE", key, "0", "-1", "WITHSCORES", NULL},
        {"ZSCAN", key, "0", "COUNT", "5", NULL},
        {"ZRANDMEMBER", key, "-20", "WITHSCORES", NULL, NULL},
        {"ZRANDMEMBER", key, "7", NULL, NULL, NULL},
        {"OBJECT", "ENCODING", key, NULL, NULL, NULL},
    };
    for (size_t k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++) {
        int argc = 0;
        while (argc < 6 && cmds[k][argc])
            argc++;
        prng_seed(&test_rng, 5 + k);
        char a[1 << 16];
        snprintf(a, sizeof(a), "%s", run_args(0, 0, argc, cmds[k], NULL));
        prng_seed(&test_rng, 5 + k);
        const char *bb = run_args(1, 0, argc, cmds[k], NULL);
        cr_assert_str_eq(a, bb, "%s differs after load", cmds[k][0]);
    }
    /* Corrupted / truncated bytes never crash and truncations are refused. */
    for (size_t n = 0; n < b.len; n++)
        cr_assert_null(ops->load(b.data, n, kv_encoding(v)), "truncated at %zu accepted", n);
    for (size_t i = 0; i < b.len; i++) {
        char saved = b.data[i];
        b.data[i] = (char)(b.data[i] + 1);
        void *x = ops->load(b.data, b.len, kv_encoding(v));
        if (x) {
            cr_assert(zset_value_check(x, kv_encoding(v)));
            ops->free(x);
        }
        b.data[i] = saved;
    }
    bytebuf_free(&b);
    bytebuf_free(&b2);
}

Test(zset, save_load_listpack)
{
    W("ZADD", "small", "1", "a", "2.5", "b", "-inf", "c", "inf", "d", "-0", "e", "1e20", "f", "0.1", "12345", NULL);
    cr_assert_str_eq(R("OBJECT", "ENCODING", "small", NULL), "$8\r\nlistpack\r\n");
    roundtrip_key("small");
}

Test(zset, save_load_skiplist_with_holes)
{
    char m[16], s[16];
    for (int i = 0; i < 300; i++) {
        snprintf(m, sizeof(m), "mem%d", i);
        snprintf(s, sizeof(s), "%d", i % 7);
        W("ZADD", "big", s, m, NULL);
    }
    for (int i = 0; i < 300; i += 4) {
        snprintf(m, sizeof(m), "mem%d", i);
        W("ZREM", "big", m, NULL);
    }
    cr_assert_str_eq(R("OBJECT", "ENCODING", "big", NULL), "$8\r\nskiplist\r\n");
    roundtrip_key("big");
}

Test(zset, copy_is_deep_and_identical)
{
    W("ZADD", "src", "1", "a", "2", "b", NULL);
    const kv_type_ops *ops = kv_type_get_ops(OBJ_ZSET);
    kv *v = peek(0, "src");
    void *p = ops->copy(kv_ptr(v));
    cr_assert_neq(p, kv_ptr(v));
    cr_assert_eq(zset_value_length(p), 2);
    cr_assert_gt(ops->memory_usage(p), 0);
    ops->free(p);
}

/* ---- determinism, read-only, encodings, edge cases -------------------------------------- */

Test(zset, replay_gives_same_random_picks)
{
    char m[16];
    for (int db = 2; db <= 3; db++) {
        const char *add[] = {"ZADD", "r", "1", m};
        for (int i = 0; i < 200; i++) {
            snprintf(m, sizeof(m), "x%d", i);
            run_args(db, EXEC_MAY_MUTATE, 4, add, NULL);
        }
        const char *rem[] = {"ZREMRANGEBYRANK", "r", "10", "80"};
        run_args(db, EXEC_MAY_MUTATE, 4, rem, NULL);
    }
    const char *rnd[] = {"ZRANDMEMBER", "r", "-30"};
    prng_seed(&test_rng, 77);
    char a[1 << 14];
    snprintf(a, sizeof(a), "%s", run_args(2, 0, 3, rnd, NULL));
    prng_seed(&test_rng, 77);
    cr_assert_str_eq(a, run_args(3, 0, 3, rnd, NULL));
    const char *rnd2[] = {"ZRANDMEMBER", "r", "50"};
    prng_seed(&test_rng, 78);
    snprintf(a, sizeof(a), "%s", run_args(2, 0, 3, rnd2, NULL));
    prng_seed(&test_rng, 78);
    cr_assert_str_eq(a, run_args(3, 0, 3, rnd2, NULL));
}

Test(zset, reads_do_not_mutate_expired_key)
{
    W("ZADD", "e", "1", "a", NULL);
    kv *old = peek(0, "e");
    kv *v = kv_set_expire(old, NOW); /* deadline == now: logically gone */
    kvtable_replace(&g_server.dbs[0].table, old, v);
    g_server.dbs[0].expires++;
    cr_assert_str_eq(R("ZCARD", "e", NULL), ":0\r\n");
    cr_assert_str_eq(R("ZRANGE", "e", "0", "-1", NULL), "*0\r\n");
    cr_assert_str_eq(R("ZSCORE", "e", "a", NULL), "$-1\r\n");
    cr_assert_not_null(peek(0, "e"), "a read must not delete");
}

Test(zset, encoding_conversion_points)
{
    g_server.cfg.zset_max_listpack_entries = 3;
    g_server.cfg.zset_max_listpack_value = 5;
    W("ZADD", "a", "1", "x", "2", "y", "3", "z", NULL);
    cr_assert_str_eq(R("OBJECT", "ENCODING", "a", NULL), "$8\r\nlistpack\r\n");
    W("ZADD", "a", "4", "w", NULL);
    cr_assert_str_eq(R("OBJECT", "ENCODING", "a", NULL), "$8\r\nskiplist\r\n");
    W("ZADD", "b", "1", "longmember", NULL);
    cr_assert_str_eq(R("OBJECT", "ENCODING", "b", NULL), "$8\r\nskiplist\r\n");
    W("ZADD", "c", "1", "x", NULL);
    W("ZADD", "c", "2", "toolong", NULL);
    cr_assert_str_eq(R("OBJECT", "ENCODING", "c", NULL), "$8\r\nskiplist\r\n");
    /* Size hint: 4 pairs > 3 entries converts even if they collapse to one member. */
    W("ZADD", "d", "1", "q", "1", "q", "1", "q", "1", "q", NULL);
    cr_assert_str_eq(R("OBJECT", "ENCODING", "d", NULL), "$8\r\nskiplist\r\n");
    /* Store results get the small encoding when they fit. */
    W("ZRANGESTORE", "e", "a", "0", "1", NULL);
    cr_assert_str_eq(R("OBJECT", "ENCODING", "e", NULL), "$8\r\nlistpack\r\n");
    W("ZUNIONSTORE", "f", "2", "a", "d", NULL);
    cr_assert_str_eq(R("OBJECT", "ENCODING", "f", NULL), "$8\r\nskiplist\r\n");
    W("ZINTERSTORE", "g", "2", "a", "d", NULL);
    cr_assert_str_eq(R("ZCARD", "g", NULL), ":0\r\n");
    cr_assert_null(peek(0, "g"));
    W("ZDIFFSTORE", "h", "2", "a", "e", NULL);
    cr_assert_str_eq(R("OBJECT", "ENCODING", "h", NULL), "$8\r\nlistpack\r\n");
    cr_assert_str_eq(R("ZRANGE", "h", "0", "-1", NULL), "*2\r\n$1\r\nz\r\n$1\r\nw\r\n");
}

Test(zset, nan_and_errors)
{
    cr_assert_str_eq(W("ZADD", "n", "INCR", "inf", "a", NULL), "$3\r\ninf\r\n");
    cr_assert_str_eq(W("ZADD", "n", "INCR", "-inf", "a", NULL),
                     "-ERR resulting score is not a number (NaN)\r\n");
    cr_assert_str_eq(W("ZINCRBY", "n", "-inf", "a", NULL), "-ERR resulting score is not a number (NaN)\r\n");
    cr_assert_str_eq(W("ZADD", "n", "nan", "a", NULL), "-ERR value is not a valid float\r\n");
    cr_assert_str_eq(R("ZSCORE", "n", "a", NULL), "$3\r\ninf\r\n");
    cr_assert_str_eq(R("ZCOUNT", "n", "nan", "1", NULL), "-ERR min or max is not a float\r\n");
    cr_assert_str_eq(R("ZRANGEBYLEX", "n", "a", "+", NULL), "-ERR min or max not valid string range item\r\n");
    cr_assert_str_eq(W("ZADD", "n", "NX", "XX", "1", "a", NULL),
                     "-ERR XX and NX options at the same time are not compatible\r\n");
    cr_assert_str_eq(W("ZADD", "n", "GT", "LT", "1", "a", NULL),
                     "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n");
    cr_assert_str_eq(W("ZADD", "n", "INCR", "1", "a", "2", "b", NULL),
                     "-ERR INCR option supports a single increment-element pair\r\n");
    cr_assert_str_eq(W("ZADD", "n", "1", "a", "2", NULL), "-ERR syntax error\r\n");
    W("SET", "str", "x", NULL);
    cr_assert_str_eq(R("ZCARD", "str", NULL), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    cr_assert_str_eq(R("ZUNION", "1", "str", NULL), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    cr_assert_str_eq(R("ZUNION", "0", "n", NULL), "-ERR at least 1 input key is needed for 'zunion' command\r\n");
    /* A failed INCR on a new key leaves no key behind. */
    cr_assert_str_eq(W("ZADD", "none", "XX", "INCR", "1", "a", NULL), "$-1\r\n");
    cr_assert_null(peek(0, "none"));
}

Test(zset, resp3_shapes)
{
    resp_writer_init(&writer, &out, 3);
    W("ZADD", "z3", "1", "a", "2.5", "b", NULL);
    cr_assert_str_eq(R("ZSCORE", "z3", "b", NULL), ",2.5\r\n");
    cr_assert_str_eq(R("ZRANGE", "z3", "0", "0", "WITHSCORES", NULL), "*1\r\n*2\r\n$1\r\na\r\n,1\r\n");
    cr_assert_str_eq(R("ZRANK", "z3", "b", "WITHSCORE", NULL), "*2\r\n:1\r\n,2.5\r\n");
    cr_assert_str_eq(R("ZRANK", "z3", "x", "WITHSCORE", NULL), "_\r\n");
    cr_assert_str_eq(R("ZMSCORE", "z3", "a", "x", NULL), "*2\r\n,1\r\n_\r\n");
    cr_assert_str_eq(W("ZPOPMIN", "z3", NULL), "*2\r\n$1\r\na\r\n,1\r\n");
    cr_assert_str_eq(W("ZPOPMAX", "z3", "5", NULL), "*1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n");
    cr_assert_null(peek(0, "z3"));
    cr_assert_str_eq(W("ZMPOP", "1", "z3", "MIN", NULL), "_\r\n");
    resp_writer_init(&writer, &out, 2);
}

Test(zset, save_load_big_listpack)
{
    g_server.cfg.zset_max_listpack_entries = 500;
    char m[16], s[16];
    for (int i = 0; i < 100; i++) {
        snprintf(m, sizeof(m), "%d", i * 7); /* integer members: stored as listpack ints */
        snprintf(s, sizeof(s), "%d.25", i % 9);
        W("ZADD", "lp", s, m, NULL);
    }
    cr_assert_str_eq(R("OBJECT", "ENCODING", "lp", NULL), "$8\r\nlistpack\r\n");
    roundtrip_key("lp");
}
