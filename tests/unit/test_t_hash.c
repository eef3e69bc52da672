/* Unit tests for node/t_hash.c, calling the command handlers directly with an
 * exec_ctx:
 *   - thousands of random HSET/HSETNX/HDEL/HINCRBY/HINCRBYFLOAT/HMSET commands checked
 *     against a reference model, including the field order of both encodings;
 *   - the encoding thresholds (entries and value length, the pre-conversion of HSET
 *     with many pairs) and that conversion never goes back;
 *   - save/load round trips through the registered kv_type_ops: identical contents and
 *     layout, and HRANDFIELD/HSCAN replies identical to the original's afterwards;
 *   - reads never mark the keyspace dirty; a hash left empty is deleted;
 *   - error texts (overflow, non-integer, NaN/Infinity, arity, WRONGTYPE). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "dict.h"
#include "mem.h"
#include "t_hash.h"
#include "test_cmd_runner.h"

static void setup(void)
{
    cmd_runner_setup(1);
    run_arity = RUN_ARITY_REPLY; /* the arity error replies are tested */
}

TestSuite(hash, .init = setup, .fini = cmd_runner_teardown);

/* ---- reference model ---------------------------------------------------------------- */

#define FIELDS 200

typedef struct mfield {
    char name[80];
    size_t nlen;
    char val[100];
    size_t vlen;
    long order; /* insertion order of the live field, -1 absent */
} mfield;

static mfield model[FIELDS];
static long model_clock;

static void model_reset(void)
{
    memset(model, 0, sizeof model);
    for (int i = 0; i < FIELDS; i++)
        model[i].order = -1;
    model_clock = 0;
}

static void field_name(int i, char *buf, size_t *len)
{
    /* some long names to cross hash-max-listpack-value */
    if (i % 37 == 36)
        *len = (size_t)snprintf(buf, 80, "long-field-name-%d-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", i);
    else
        *len = (size_t)snprintf(buf, 80, "f%d", i);
}

/* The hash must hold exactly the model's fields, in the model's order. */
static void check_model(const char *key)
{
    long live = 0;
    for (int i = 0; i < FIELDS; i++)
        live += model[i].order >= 0;
    kv *v = peek(0, key);
    if (live == 0) {
        cr_assert_null(v, "empty hash not deleted");
        return;
    }
    cr_assert_not_null(v);
    cr_assert_eq((long)hash_length(v), live);
    /* order: collect model fields sorted by order */
    int idx[FIELDS];
    int n = 0;
    for (int i = 0; i < FIELDS; i++)
        if (model[i].order >= 0)
            idx[n++] = i;
    for (int a = 1; a < n; a++)
        for (int b = a; b > 0 && model[idx[b - 1]].order > model[idx[b]].order; b--) {
            int t = idx[b];
            idx[b] = idx[b - 1];
            idx[b - 1] = t;
        }
    hash_iter it;
    hash_iter_init(&it, v);
    const char *f, *val;
    size_t fl, vl;
    for (int k = 0; k < n; k++) {
        cr_assert(hash_iter_next(&it, &f, &fl, &val, &vl));
        const mfield *m = &model[idx[k]];
        cr_assert_eq(fl, m->nlen);
        cr_assert(memcmp(f, m->name, fl) == 0, "field order differs at %d", k);
        cr_assert_eq(vl, m->vlen);
        cr_assert(memcmp(val, m->val, vl) == 0);
    }
    cr_assert(!hash_iter_next(&it, &f, &fl, &val, &vl));
}

static void model_set(int i, const char *val, size_t vl)
{
    if (model[i].order < 0) {
        field_name(i, model[i].name, &model[i].nlen);
        model[i].order = model_clock++;
    }
    memcpy(model[i].val, val, vl);
    model[i].vlen = vl;
}

Test(hash, random_commands_match_model)
{
    prng r;
    prng_seed(&r, 2024);
    model_reset();
    int saw_hashtable = 0;
    for (int step = 0; step < 6000; step++) {
        int space = step < 3000 ? 40 : FIELDS; /* small first, then big enough to convert */
        int fi = (int)prng_below(&r, (uint64_t)space);
        char name[80], val[100], buf[100];
        size_t nl, vl;
        field_name(fi, name, &nl);
        unsigned op = (unsigned)prng_below(&r, 10);
        if (op < 4) {
            vl = (size_t)snprintf(val, sizeof val, "%d", (int)prng_below(&r, 1000));
            if (prng_below(&r, 8) == 0)
                vl = (size_t)snprintf(val, sizeof val, "v%llu-%s", (unsigned long long)prng_next(&r),
                                      "0123456789012345678901234567890123456789012345678901234567");
            const char *args[] = {"HSET", "h", name, val};
            size_t lens[] = {4, 1, nl, vl};
            int existed = model[fi].order >= 0;
            run_args(0, EXEC_MAY_MUTATE, 4, args, lens);
            cr_assert_str_eq(reply, existed ? ":0\r\n" : ":1\r\n");
            model_set(fi, val, vl);
        } else if (op < 6) {
            const char *args[] = {"HDEL", "h", name};
            size_t lens[] = {4, 1, nl};
            int existed = model[fi].order >= 0;
            run_args(0, EXEC_MAY_MUTATE, 3, args, lens);
            cr_assert_str_eq(reply, existed ? ":1\r\n" : ":0\r\n");
            model[fi].order = -1;
        } else if (op < 8) {
            long long inc = (long long)prng_below(&r, 200) - 100;
            size_t il = (size_t)snprintf(buf, sizeof buf, "%lld", inc);
            const char *args[] = {"HINCRBY", "h", name, buf};
            size_t lens[] = {7, 1, nl, il};
            run_args(0, EXEC_MAY_MUTATE, 4, args, lens);
            long long cur = 0;
            int is_int = 1;
            if (model[fi].order >= 0) {
                char tmp[101];
                memcpy(tmp, model[fi].val, model[fi].vlen);
                tmp[model[fi].vlen] = 0;
                char *end;
                cur = strtoll(tmp, &end, 10);
                is_int = model[fi].vlen > 0 && *end == 0 && model[fi].vlen < 20;
            }
            if (!is_int) {
                cr_assert_str_eq(reply, "-ERR hash value is not an integer\r\n");
            } else {
                char exp[40];
                snprintf(exp, sizeof exp, ":%lld\r\n", cur + inc);
                cr_assert_str_eq(reply, exp);
                vl = (size_t)snprintf(val, sizeof val, "%lld", cur + inc);
                model_set(fi, val, vl);
            }
        } else if (op < 9) {
            vl = (size_t)snprintf(val, sizeof val, "nx%d", step);
            const char *args[] = {"HSETNX", "h", name, val};
            size_t lens[] = {6, 1, nl, vl};
            int existed = model[fi].order >= 0;
            run_args(0, EXEC_MAY_MUTATE, 4, args, lens);
            cr_assert_str_eq(reply, existed ? ":0\r\n" : ":1\r\n");
            if (!existed)
                model_set(fi, val, vl);
        } else {
            /* HGET must agree */
            const char *args[] = {"HGET", "h", name};
            size_t lens[] = {4, 1, nl};
            run_args(0, 0, 3, args, lens);
            cr_assert_eq(last_dirty, 0);
            if (model[fi].order < 0) {
                cr_assert_str_eq(reply, "$-1\r\n");
            } else {
                char exp[160];
                int n = snprintf(exp, sizeof exp, "$%zu\r\n%.*s\r\n", model[fi].vlen, (int)model[fi].vlen, model[fi].val);
                cr_assert_eq(reply_len, (size_t)n);
                cr_assert(memcmp(reply, exp, (size_t)n) == 0);
            }
        }
        if (peek(0, "h") && strcmp(encoding("h"), "hashtable") == 0)
            saw_hashtable = 1;
        if (step % 50 == 0)
            check_model("h");
    }
    check_model("h");
    cr_assert(saw_hashtable);
}

Test(hash, encoding_thresholds)
{
    char f[32], v[128];
    for (int i = 0; i < 128; i++) {
        snprintf(f, sizeof f, "f%d", i);
        W("HSET", "h", f, "v", NULL);
    }
    cr_assert_str_eq(encoding("h"), "listpack");
    W("HSET", "h", "f0", "changed", NULL);
    cr_assert_str_eq(encoding("h"), "listpack");
    W("HSET", "h", "f128", "v", NULL);
    cr_assert_str_eq(encoding("h"), "hashtable");
    W("HDEL", "h", "f128", "f127", NULL);
    cr_assert_str_eq(encoding("h"), "hashtable"); /* never back */

    memset(v, 'x', 64);
    v[64] = 0;
    W("HSET", "h2", "a", v, NULL);
    cr_assert_str_eq(encoding("h2"), "listpack");
    v[64] = 'x';
    v[65] = 0;
    W("HSET", "h2", "b", v, NULL);
    cr_assert_str_eq(encoding("h2"), "hashtable");
    /* a long field converts too, via HINCRBY and HSETNX */
    W("HINCRBY", "h3", "0123456789012345678901234567890123456789012345678901234567890123456789", "1", NULL);
    cr_assert_str_eq(encoding("h3"), "hashtable");
    W("HSETNX", "h4", "0123456789012345678901234567890123456789012345678901234567890123456789", "1", NULL);
    cr_assert_str_eq(encoding("h4"), "hashtable");
    /* HSET with more than 128 pairs converts up front, duplicates included */
    const char *args[2 + 2 * 129];
    args[0] = "HSET";
    args[1] = "h5";
    for (int i = 0; i < 129; i++) {
        args[2 + 2 * i] = "same";
        args[3 + 2 * i] = "v";
    }
    run_args(0, EXEC_MAY_MUTATE, 2 + 2 * 129, args, NULL);
    cr_assert_str_eq(reply, ":1\r\n");
    cr_assert_str_eq(encoding("h5"), "hashtable");
    /* thresholds follow the configuration */
    g_server.cfg.hash_max_listpack_entries = 2;
    W("HSET", "h6", "a", "1", "b", "2", NULL);
    cr_assert_str_eq(encoding("h6"), "listpack");
    W("HSET", "h6", "c", "3", NULL);
    cr_assert_str_eq(encoding("h6"), "hashtable");
    g_server.cfg.hash_max_listpack_entries = 128;
}

Test(hash, replies_and_errors)
{
    cr_assert_str_eq(W("HSET", "h", "a", "1", "b", NULL), "-ERR wrong number of arguments for 'hset' command\r\n");
    cr_assert_str_eq(W("HMSET", "h", "a", "1", "b", NULL), "-ERR wrong number of arguments for 'hmset' command\r\n");
    cr_assert_null(peek(0, "h"));
    cr_assert_str_eq(W("HMSET", "h", "a", "1", "b", "2", NULL), "+OK\r\n");
    cr_assert_str_eq(R("HMGET", "h", "a", "zz", "b", NULL), "*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n");
    cr_assert_str_eq(R("HMGET", "nokey", "a", NULL), "*1\r\n$-1\r\n");
    cr_assert_str_eq(R("HLEN", "h", NULL), ":2\r\n");
    cr_assert_str_eq(R("HSTRLEN", "h", "a", NULL), ":1\r\n");
    cr_assert_str_eq(R("HSTRLEN", "h", "zz", NULL), ":0\r\n");
    cr_assert_str_eq(R("HEXISTS", "h", "a", NULL), ":1\r\n");
    cr_assert_str_eq(R("HEXISTS", "h", "zz", NULL), ":0\r\n");
    cr_assert_str_eq(R("HKEYS", "h", NULL), "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    cr_assert_str_eq(R("HVALS", "h", NULL), "*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    cr_assert_str_eq(R("HGETALL", "nokey", NULL), "*0\r\n");

    W("HSET", "n", "big", "9223372036854775807", "small", "-9223372036854775808", "s", "abc", "sp", " 1", NULL);
    cr_assert_str_eq(W("HINCRBY", "n", "big", "1", NULL), "-ERR increment or decrement would overflow\r\n");
    cr_assert_str_eq(W("HINCRBY", "n", "small", "-1", NULL), "-ERR increment or decrement would overflow\r\n");
    cr_assert_str_eq(W("HINCRBY", "n", "big", "-1", NULL), ":9223372036854775806\r\n");
    cr_assert_str_eq(W("HINCRBY", "n", "s", "1", NULL), "-ERR hash value is not an integer\r\n");
    cr_assert_str_eq(W("HINCRBY", "n", "sp", "1", NULL), "-ERR hash value is not an integer\r\n");
    cr_assert_str_eq(W("HINCRBY", "n", "x", "1.5", NULL), "-ERR value is not an integer or out of range\r\n");
    cr_assert_str_eq(W("HINCRBY", "new", "x", "-5", NULL), ":-5\r\n");

    cr_assert_str_eq(W("HINCRBYFLOAT", "n", "f", "10.5", NULL), "$4\r\n10.5\r\n");
    cr_assert_str_eq(W("HINCRBYFLOAT", "n", "f", "0.1", NULL), "$4\r\n10.6\r\n");
    cr_assert_str_eq(W("HINCRBYFLOAT", "n", "f", "5.0e3", NULL), "$22\r\n5010.60000000000000009\r\n");
    cr_assert_str_eq(W("HINCRBYFLOAT", "n", "s", "1", NULL), "-ERR hash value is not a float\r\n");
    cr_assert_str_eq(W("HINCRBYFLOAT", "n", "f", "abc", NULL), "-ERR value is not a valid float\r\n");
    cr_assert_str_eq(W("HINCRBYFLOAT", "n", "f", "nan", NULL), "-ERR value is not a valid float\r\n");
    cr_assert_str_eq(W("HINCRBYFLOAT", "n", "f", "inf", NULL), "-ERR value is NaN or Infinity\r\n");
    W("HSET", "n", "inf", "inf", NULL);
    cr_assert_str_eq(W("HINCRBYFLOAT", "n", "inf", "1", NULL), "-ERR increment would produce NaN or Infinity\r\n");
    cr_assert_null(peek(0, "nf"));
    cr_assert_str_eq(W("HINCRBYFLOAT", "nf", "x", "inf", NULL), "-ERR value is NaN or Infinity\r\n");
    cr_assert_null(peek(0, "nf"), "a failed increment must not create the key");

    W("SET", "str", "x", NULL);
    const char *wt = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
    cr_assert_str_eq(W("HSET", "str", "a", "1", NULL), wt);
    cr_assert_str_eq(R("HGET", "str", "a", NULL), wt);
    cr_assert_str_eq(R("HGETALL", "str", NULL), wt);
    cr_assert_str_eq(R("HRANDFIELD", "str", NULL), wt);
    cr_assert_str_eq(R("HRANDFIELD", "str", "3", NULL), wt);
    cr_assert_str_eq(R("HSCAN", "str", "0", NULL), wt);
    cr_assert_str_eq(W("HDEL", "str", "a", NULL), wt);
    cr_assert_str_eq(W("HINCRBY", "str", "a", "1", NULL), wt);

    /* HDEL deletes the emptied hash */
    cr_assert_str_eq(W("HDEL", "h", "a", "b", "c", NULL), ":2\r\n");
    cr_assert_null(peek(0, "h"));
    cr_assert_str_eq(W("HDEL", "h", "a", NULL), ":0\r\n");
    cr_assert_eq(last_dirty, 0);
}

Test(hash, hrandfield_shapes)
{
    cr_assert_str_eq(R("HRANDFIELD", "nokey", NULL), "$-1\r\n");
    cr_assert_str_eq(R("HRANDFIELD", "nokey", "5", NULL), "*0\r\n");
    W("HSET", "h", "a", "1", "b", "2", "c", "3", NULL);
    cr_assert_str_eq(R("HRANDFIELD", "h", "0", NULL), "*0\r\n");
    cr_assert_str_eq(R("HRANDFIELD", "h", "10", NULL), "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
    cr_assert_str_eq(R("HRANDFIELD", "h", "10", "WITHVALUES", NULL),
                     "*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n");
    writer.proto = 3;
    cr_assert_str_eq(R("HRANDFIELD", "h", "10", "WITHVALUES", NULL),
                     "*3\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n");
    R("HRANDFIELD", "h", "-5", "WITHVALUES", NULL);
    cr_assert_eq(strncmp(reply, "*5\r\n*2\r\n", 8), 0);
    writer.proto = 2;
    R("HRANDFIELD", "h", "-5", "WITHVALUES", NULL);
    cr_assert_eq(strncmp(reply, "*10\r\n", 5), 0);
    R("HRANDFIELD", "h", "2", NULL);
    cr_assert_eq(strncmp(reply, "*2\r\n", 4), 0);
    cr_assert_str_eq(R("HRANDFIELD", "h", "-9223372036854775808", NULL),
                     "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n");
    cr_assert_str_eq(R("HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES", NULL), "-ERR value is out of range\r\n");
    cr_assert_str_eq(R("HRANDFIELD", "h", "1", "WITHVALUE", NULL), "-ERR syntax error\r\n");
    cr_assert_str_eq(R("HRANDFIELD", "h", "1", "WITHVALUES", "x", NULL), "-ERR syntax error\r\n");
    cr_assert_str_eq(R("HRANDFIELD", "h", "x", NULL), "-ERR value is not an integer or out of range\r\n");
    cr_assert_str_eq(R("HRANDFIELD", "h", "-100000000000", NULL), "-ERR value is out of range\r\n");
    cr_assert_eq(last_dirty, 0);
}

/* Parses a RESP2 array of bulks from reply (HRANDFIELD/HKEYS) into counts per field. */
static int count_bulks(const char *r, char names[][64], int max)
{
    int n = 0;
    const char *p = strchr(r, '\n') + 1;
    while (*p == '$' && n < max) {
        int len = atoi(p + 1);
        p = strchr(p, '\n') + 1;
        memcpy(names[n], p, (size_t)len);
        names[n][len] = 0;
        n++;
        p += len + 2;
    }
    return n;
}

Test(hash, hrandfield_distinct_and_repeats)
{
    char f[32];
    for (int big = 0; big < 2; big++) {
        const char *key = big ? "big" : "small";
        int n = big ? 1000 : 50;
        for (int i = 0; i < n; i++) {
            snprintf(f, sizeof f, "f%d", i);
            W("HSET", key, f, "v", NULL);
        }
        for (int i = 0; i < n; i += 3) {
            snprintf(f, sizeof f, "f%d", i);
            W("HDEL", key, f, NULL);
        }
        static char names[2000][64];
        const char *counts[] = {"1", "5", "20", "30", "400", "666", "667"};
        for (size_t ci = 0; ci < sizeof counts / sizeof *counts; ci++) {
            R("HRANDFIELD", key, counts[ci], NULL);
            int got = count_bulks(reply, names, 2000);
            int live = n - (n + 2) / 3;
            int want = atoi(counts[ci]) < live ? atoi(counts[ci]) : live;
            cr_assert_eq(got, want, "%s count %s: %d", key, counts[ci], got);
            for (int a = 0; a < got; a++) {
                int idx = atoi(names[a] + 1);
                cr_assert(idx % 3 != 0, "deleted field returned");
                for (int b = 0; b < a; b++)
                    cr_assert_str_neq(names[a], names[b]);
            }
        }
        R("HRANDFIELD", key, "-3000", NULL);
        cr_assert_eq(count_bulks(reply, names, 3000 > 2000 ? 2000 : 3000), 2000);
    }
}

/* ---- snapshots and determinism ------------------------------------------------------ */

static void assert_same_reply(int argc, const char **args)
{
    assert_same_reply_db01(0, argc, args, 1);
}

static void check_reload(const char *key)
{
    kv *orig = peek(0, key);
    kv *copy = reload_into_db(OBJ_HASH, 1, key, 0);
    cr_assert_eq(kv_encoding(orig), kv_encoding(copy));
    cr_assert_eq(hash_length(orig), hash_length(copy));
    if (kv_encoding(orig) == ENC_HASHTABLE) {
        const dict *a = kv_ptr(orig), *b = kv_ptr(copy);
        cr_assert_eq(a->used, b->used);
        cr_assert_eq(a->next_seq, b->next_seq);
    }
    const char *cmds[][4] = {
        {"HRANDFIELD", key, NULL, NULL},
        {"HRANDFIELD", key, "7", NULL},
        {"HRANDFIELD", key, "-20", "WITHVALUES"},
        {"HRANDFIELD", key, "400", NULL},
        {"HGETALL", key, NULL, NULL},
        {"HSCAN", key, "0", NULL},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
        int argc = 0;
        while (argc < 4 && cmds[i][argc])
            argc++;
        for (int rep = 0; rep < 5; rep++)
            assert_same_reply(argc, cmds[i]);
    }
    /* also the same COPY result */
    void *dup = kv_type_get_ops(OBJ_HASH)->copy(kv_ptr(orig));
    kv_type_get_ops(OBJ_HASH)->free(dup);
}

Test(hash, save_load_round_trip)
{
    char f[32], v[32];
    for (int i = 0; i < 20; i++) {
        snprintf(f, sizeof f, "f%d", i);
        snprintf(v, sizeof v, "v%d", i * 7);
        W("HSET", "small", f, v, NULL);
    }
    W("HDEL", "small", "f3", "f9", NULL);
    check_reload("small");
    for (int i = 0; i < 3000; i++) {
        snprintf(f, sizeof f, "f%d", i);
        snprintf(v, sizeof v, "v%d", i * 7);
        W("HSET", "big", f, v, NULL);
    }
    for (int i = 0; i < 3000; i += 2) {
        snprintf(f, sizeof f, "f%d", (i * 7) % 3000);
        W("HDEL", "big", f, NULL);
    }
    check_reload("big");
    /* a malformed listpack hash (odd count) is rejected */
    const kv_type_ops *ops = kv_type_get_ops(OBJ_HASH);
    bytebuf b;
    bytebuf_init(&b);
    ops->save(kv_ptr(peek(0, "small")), ENC_LISTPACK, &b);
    cr_assert_null(ops->load(b.data, b.len, ENC_HASHTABLE));
    cr_assert_null(ops->load(b.data, b.len, 99));
    bytebuf_free(&b);
}

Test(hash, hscan_covers_everything)
{
    char f[32];
    for (int i = 0; i < 500; i++) {
        snprintf(f, sizeof f, "f%d", i);
        W("HSET", "h", f, "v", NULL);
    }
    static char names[1000][64];
    int seen[500] = {0};
    char cursor[32] = "0";
    int calls = 0;
    do {
        R("HSCAN", "h", cursor, "COUNT", "13", NULL);
        /* *2 $n cursor *m ... */
        const char *p = scan_cursor(cursor);
        int n = count_bulks(p, names, 1000);
        cr_assert_eq(n % 2, 0);
        for (int i = 0; i < n; i += 2)
            seen[atoi(names[i] + 1)]++;
        cr_assert_lt(++calls, 1000);
    } while (strcmp(cursor, "0") != 0);
    for (int i = 0; i < 500; i++)
        cr_assert_eq(seen[i], 1);
    cr_assert_str_eq(R("HSCAN", "h", "0", "COUNT", "0", NULL), "-ERR syntax error\r\n");
    cr_assert_str_eq(R("HSCAN", "h", "0", "NOVALUES", NULL), "-ERR syntax error\r\n");
    cr_assert_str_eq(R("HSCAN", "h", "x", NULL), "-ERR invalid cursor\r\n");
    cr_assert_str_eq(R("HSCAN", "nokey", "0", "COUNT", "0", NULL), "*2\r\n$1\r\n0\r\n*0\r\n");
    W("HSET", "s", "one", "1", "two", "2", "three", "3", NULL);
    cr_assert_str_eq(R("HSCAN", "s", "0", "MATCH", "t*", NULL),
                     "*2\r\n$1\r\n0\r\n*4\r\n$3\r\ntwo\r\n$1\r\n2\r\n$5\r\nthree\r\n$1\r\n3\r\n");
    writer.proto = 3; /* HSCAN stays flat in RESP3 */
    cr_assert_str_eq(R("HSCAN", "s", "0", "MATCH", "t*", NULL),
                     "*2\r\n$1\r\n0\r\n*4\r\n$3\r\ntwo\r\n$1\r\n2\r\n$5\r\nthree\r\n$1\r\n3\r\n");
    R("HSCAN", "h", "0", NULL);
    cr_assert_eq(strstr(reply, "*2\r\n$") == reply, 1);
    cr_assert_null(strstr(reply + 4, "*2\r\n"), "nested pairs in HSCAN");
    writer.proto = 2;
}

Test(hash, replay_is_deterministic)
{
    /* the same commands with the same seeds give the same layout and picks in db0/db1 */
    prng r;
    char f[32];
    for (int db = 0; db < 2; db++) {
        prng_seed(&r, 55);
        for (int i = 0; i < 2000; i++) {
            snprintf(f, sizeof f, "f%d", (int)prng_below(&r, 400));
            const char *args[] = {prng_below(&r, 3) ? "HSET" : "HDEL", "h", f, "v"};
            run_args(db, EXEC_MAY_MUTATE, args[0][1] == 'S' ? 4 : 3, args, NULL);
        }
    }
    const char *cmd[] = {"HRANDFIELD", "h", "-50"};
    for (int i = 0; i < 10; i++)
        assert_same_reply(3, cmd);
    const char *cmd2[] = {"HRANDFIELD", "h", "50"};
    for (int i = 0; i < 10; i++)
        assert_same_reply(3, cmd2);
}
