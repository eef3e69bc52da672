/* Unit tests for node/t_string.c, calling the command handlers directly with an
 * exec_ctx: the things a client cannot see or control from outside --
 *   - relative TTLs become absolute from c->now_ms exactly, and a deadline equal to
 *     now_ms means the key is gone;
 *   - read commands never change the keyspace (a logically expired key stays stored);
 *   - the dirty count of each command (keyspace_modified once per changed key);
 *   - TTL kept or dropped exactly as Redis does, encodings as Redis names them;
 *   - WRONGTYPE paths against a collection-typed key;
 *   - a follower's apply (writer that discards replies) changes the same state;
 *   - replaying the same commands at the same times gives the same keyspace. */
#include <criterion/criterion.h>
#include <stdio.h>

#include "mem.h"
#include "test_cmd_runner.h"

TestSuite(strings, .init = cmd_runner_init, .fini = cmd_runner_teardown);

static int64_t expire_of(const char *key)
{
    kv *v = peek(0, key);
    cr_assert_not_null(v, "key %s missing", key);
    return kv_expire(v);
}

static void put_list(const char *key)
{
    put_kv(kv_new_ptr(key, strlen(key), OBJ_LIST, ENC_QUICKLIST, NULL, -1));
}

static void put_string(const char *key, const char *val, int64_t expire)
{
    put_kv(kv_new_string(key, strlen(key), val, strlen(val), expire));
}

#define EQ(actual, expect) cr_assert_str_eq((actual), (expect))
/* Binary-safe: the last reply equals the bytes of a string literal. */
#define EQ_BIN(actual, lit)                                                              \
    do {                                                                                 \
        const char *a_ = (actual);                                                       \
        cr_assert(reply_len == sizeof(lit) - 1 && memcmp(a_, lit, sizeof(lit) - 1) == 0, \
                  "reply '%s'", a_);                                                     \
    } while (0)

Test(strings, relative_ttls_count_from_entry_time)
{
    EQ(W("SET", "a", "v", "EX", "10", NULL), "+OK\r\n");
    cr_assert_eq(expire_of("a"), NOW + 10000);
    EQ(W("SET", "a", "v", "PX", "1500", NULL), "+OK\r\n");
    cr_assert_eq(expire_of("a"), NOW + 1500);
    EQ(W("SETEX", "b", "7", "v", NULL), "+OK\r\n");
    cr_assert_eq(expire_of("b"), NOW + 7000);
    EQ(W("PSETEX", "c", "77", "v", NULL), "+OK\r\n");
    cr_assert_eq(expire_of("c"), NOW + 77);
    EQ(W("SET", "d", "v", "EXAT", "1800000000", NULL), "+OK\r\n");
    cr_assert_eq(expire_of("d"), 1800000000000LL);
    EQ(W("SET", "d", "v", "PXAT", "1800000000123", NULL), "+OK\r\n");
    cr_assert_eq(expire_of("d"), 1800000000123LL);
    EQ(W("GETEX", "d", "EX", "5", NULL), "$1\r\nv\r\n");
    cr_assert_eq(expire_of("d"), NOW + 5000);
    EQ(W("GETEX", "d", "PX", "5", NULL), "$1\r\nv\r\n");
    cr_assert_eq(expire_of("d"), NOW + 5);
    EQ(W("GETEX", "d", "PXAT", "1900000000000", NULL), "$1\r\nv\r\n");
    cr_assert_eq(expire_of("d"), 1900000000000LL);
    /* the same command at another entry time gives another deadline */
    EQ(AT(0, NOW + 333, EXEC_MAY_MUTATE, "SET", "e", "v", "EX", "1", NULL), "+OK\r\n");
    cr_assert_eq(expire_of("e"), NOW + 333 + 1000);
}

Test(strings, deadline_equal_to_now_is_gone)
{
    EQ(W("SET", "k", "old", NULL), "+OK\r\n");
    EQ(W("SET", "k", "v", "PXAT", "1700000000000", NULL), "+OK\r\n");
    cr_assert_null(peek(0, "k"));
    cr_assert_eq(last_dirty, 1); /* the old value was deleted */
    EQ(W("SET", "k", "v", "PXAT", "1700000000000", NULL), "+OK\r\n");
    cr_assert_eq(last_dirty, 0); /* nothing was there, nothing changes */
    EQ(W("SET", "k", "v", "PXAT", "1700000000001", NULL), "+OK\r\n");
    cr_assert_eq(expire_of("k"), NOW + 1);
    EQ(W("GETEX", "k", "PXAT", "1700000000000", NULL), "$1\r\nv\r\n");
    cr_assert_null(peek(0, "k"));
    cr_assert_eq(g_server.dbs[0].expires, 0);
}

Test(strings, reads_never_mutate)
{
    put_string("old", "value", NOW - 1); /* logically expired */
    put_string("live", "abc", -1);
    EQ(R("GET", "old", NULL), "$-1\r\n");
    EQ(R("MGET", "old", "live", NULL), "*2\r\n$-1\r\n$3\r\nabc\r\n");
    EQ(R("STRLEN", "old", NULL), ":0\r\n");
    EQ(R("GETRANGE", "old", "0", "-1", NULL), "$0\r\n\r\n");
    EQ(R("SUBSTR", "old", "0", "-1", NULL), "$0\r\n\r\n");
    EQ(R("LCS", "old", "live", NULL), "$0\r\n\r\n");
    cr_assert_eq(last_dirty, 0);
    cr_assert_not_null(peek(0, "old"), "a read deleted an expired key");
    cr_assert_eq(db_size(&g_server.dbs[0]), 2);
    /* the next write that touches it deletes it */
    EQ(W("SETNX", "old", "new", NULL), ":1\r\n");
    EQ(R("GET", "old", NULL), "$3\r\nnew\r\n");
    cr_assert_eq(expire_of("old"), -1);
}

Test(strings, dirty_counts)
{
    struct { const char *args[8]; long long dirty; } cases[] = {
        {{"SET", "a", "1"}, 1},
        {{"SET", "a", "1", "NX"}, 0},
        {{"SET", "zz", "1", "XX"}, 0},
        {{"SET", "a", "2", "XX", "GET"}, 1},
        {{"SETNX", "a", "3"}, 0},
        {{"MSET", "a", "1", "b", "2", "c", "3"}, 3},
        {{"MSETNX", "a", "1", "n", "2"}, 0},
        {{"MSETNX", "n1", "1", "n2", "2"}, 2},
        {{"GETSET", "a", "9"}, 1},
        {{"GETDEL", "missing"}, 0},
        {{"GETDEL", "n1"}, 1},
        {{"GETEX", "a"}, 0},
        {{"GETEX", "a", "PERSIST"}, 0},
        {{"GETEX", "a", "EX", "10"}, 1},
        {{"GETEX", "a", "PERSIST"}, 1},
        {{"GETEX", "a", "EX", "0"}, 0},
        {{"APPEND", "a", "x"}, 1},
        {{"APPEND", "new", ""}, 1},
        {{"SETRANGE", "a", "0", ""}, 0},
        {{"SETRANGE", "nokey", "3", ""}, 0},
        {{"SETRANGE", "a", "0", "y"}, 1},
        {{"INCR", "cnt"}, 1},
        {{"INCRBY", "cnt", "x"}, 0},
        {{"INCRBYFLOAT", "cnt", "1.5"}, 1},
        {{"INCR", "cnt"}, 0}, /* not an integer any more */
        {{"SET", "a", "1", "EX", "0"}, 0},
        {{"GET", "a"}, 0},
        {{"LCS", "a", "b"}, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *const *a = cases[i].args;
        W(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
        cr_assert_eq(last_dirty, cases[i].dirty, "case %zu (%s %s): dirty %lld, want %lld", i, a[0],
                     a[1], last_dirty, cases[i].dirty);
    }
}

Test(strings, ttl_kept_or_dropped_like_redis)
{
    int64_t dl = NOW + 100000;
    W("SET", "k", "5", "PXAT", "1700000100000", NULL);
    cr_assert_eq(expire_of("k"), dl);
    EQ(W("INCR", "k", NULL), ":6\r\n");
    cr_assert_eq(expire_of("k"), dl);
    EQ(W("INCRBYFLOAT", "k", "0.5", NULL), "$3\r\n6.5\r\n");
    cr_assert_eq(expire_of("k"), dl);
    EQ(W("APPEND", "k", "x", NULL), ":4\r\n");
    cr_assert_eq(expire_of("k"), dl);
    EQ(W("SETRANGE", "k", "10", "y", NULL), ":11\r\n");
    cr_assert_eq(expire_of("k"), dl);
    EQ(W("SET", "k", "v", "KEEPTTL", NULL), "+OK\r\n");
    cr_assert_eq(expire_of("k"), dl);
    EQ(W("GETEX", "k", NULL), "$1\r\nv\r\n");
    cr_assert_eq(expire_of("k"), dl);
    EQ(W("SET", "k", "v2", NULL), "+OK\r\n");
    cr_assert_eq(expire_of("k"), -1);
    W("SET", "k", "v", "PXAT", "1700000100000", NULL);
    EQ(W("GETSET", "k", "w", NULL), "$1\r\nv\r\n");
    cr_assert_eq(expire_of("k"), -1);
    W("SET", "k", "v", "PXAT", "1700000100000", NULL);
    EQ(W("MSET", "k", "w", NULL), "+OK\r\n");
    cr_assert_eq(expire_of("k"), -1);
    cr_assert_eq(g_server.dbs[0].expires, 0);
}

Test(strings, overwrite_keeps_position)
{
    W("SET", "first", "1", NULL);
    W("SET", "second", "2", NULL);
    uint64_t seq = kv_seq(peek(0, "first"));
    W("SET", "first", "a much longer value than before, long enough to be raw", NULL);
    cr_assert_eq(kv_seq(peek(0, "first")), seq);
    W("APPEND", "first", "more", NULL);
    W("INCRBYFLOAT", "second", "1", NULL);
    W("MSET", "first", "x", NULL);
    cr_assert_eq(kv_seq(peek(0, "first")), seq);
}

Test(strings, encodings)
{
    W("SET", "n", "123", NULL);
    cr_assert_eq(kv_encoding(peek(0, "n")), ENC_INT);
    W("INCR", "n", NULL);
    cr_assert_eq(kv_encoding(peek(0, "n")), ENC_INT);
    W("APPEND", "n", "4", NULL);
    cr_assert_eq(kv_encoding(peek(0, "n")), ENC_RAW);
    EQ(W("INCR", "n", NULL), ":1245\r\n");
    cr_assert_eq(kv_encoding(peek(0, "n")), ENC_INT);
    W("SETRANGE", "r", "0", "12", NULL);
    cr_assert_eq(kv_encoding(peek(0, "r")), ENC_RAW);
    W("SET", "s", "1234", NULL);
    W("SETRANGE", "s", "0", "", NULL);
    cr_assert_eq(kv_encoding(peek(0, "s")), ENC_INT);
    W("APPEND", "fresh", "77", NULL);
    cr_assert_eq(kv_encoding(peek(0, "fresh")), ENC_INT); /* Redis: tryObjectEncoding */
    W("SET", "e", "hello", NULL);
    cr_assert_eq(kv_encoding(peek(0, "e")), ENC_EMBSTR);
}

Test(strings, wrong_type)
{
    put_list("l");
    const char *wrong[][6] = {
        {"GET", "l"},
        {"SET", "l", "v", "GET"},
        {"SET", "l", "v", "NX", "GET"},
        {"GETSET", "l", "v"},
        {"GETDEL", "l"},
        {"GETEX", "l"},
        {"GETEX", "l", "EX", "0"},
        {"APPEND", "l", "x"},
        {"STRLEN", "l"},
        {"GETRANGE", "l", "0", "1"},
        {"SETRANGE", "l", "0", "x"},
        {"SETRANGE", "l", "0", ""},
        {"INCR", "l"},
        {"DECR", "l"},
        {"INCRBY", "l", "2"},
        {"DECRBY", "l", "2"},
        {"INCRBYFLOAT", "l", "2"},
        {"INCRBYFLOAT", "l", "abc"},
    };
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        const char *const *a = wrong[i];
        EQ(W(a[0], a[1], a[2], a[3], a[4], a[5]), WRONGTYPE_REPLY);
        cr_assert_eq(last_dirty, 0);
        cr_assert_eq(kv_type(peek(0, "l")), OBJ_LIST, "%s changed the key", a[0]);
    }
    EQ(W("SETNX", "l", "v", NULL), ":0\r\n");
    EQ(W("SET", "l", "v", "NX", NULL), "$-1\r\n");
    EQ(W("MSETNX", "l", "v", "x", "y", NULL), ":0\r\n");
    cr_assert_null(peek(0, "x"));
    EQ(R("MGET", "l", NULL), "*1\r\n$-1\r\n");
    W("SET", "s", "abc", NULL);
    EQ(R("LCS", "s", "l", NULL), "-ERR The specified keys must contain string values\r\n");
    EQ(W("INCRBY", "l", "x", NULL), "-ERR value is not an integer or out of range\r\n");
    EQ(W("GETRANGE", "l", "x", "1", NULL), "-ERR value is not an integer or out of range\r\n");
    EQ(W("SETRANGE", "l", "-1", "x", NULL), "-ERR offset is out of range\r\n");
    EQ(W("GETEX", "l", "junk", NULL), "-ERR syntax error\r\n");
    /* overwriting commands replace the list */
    EQ(W("SET", "l", "v", "XX", NULL), "+OK\r\n");
    EQ(R("GET", "l", NULL), "$1\r\nv\r\n");
    put_list("l2");
    EQ(W("MSET", "l2", "v", NULL), "+OK\r\n");
    cr_assert_eq(kv_type(peek(0, "l2")), OBJ_STRING);
}

Test(strings, follower_apply_discards_replies)
{
    resp_writer discard;
    resp_writer_init(&discard, NULL, 2);
    const char *cmds[][8] = {
        {"SET", "a", "1", "EX", "10"},
        {"MSET", "b", "ohmytext", "c", "mynewtext"},
        {"INCR", "a"},
        {"APPEND", "b", "!"},
        {"GETDEL", "c"},
        {"LCS", "a", "b", "IDX", "WITHMATCHLEN"},
        {"GET", "a"},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        rd_arg argv[8];
        int argc = 0;
        while (argc < 8 && cmds[i][argc]) {
            argv[argc].ptr = cmds[i][argc];
            argv[argc].len = strlen(cmds[i][argc]);
            argc++;
        }
        int unknown = 0;
        command *cmd = command_lookup(argv, argc, &unknown);
        exec_ctx c;
        memset(&c, 0, sizeof(c));
        c.db = &g_server.dbs[1];
        c.now_ms = NOW;
        c.rng = &test_rng;
        c.w = &discard;
        c.argc = argc;
        c.argv = argv;
        c.cmd = cmd;
        c.flags = EXEC_MAY_MUTATE;
        cmd->proc(&c);
    }
    EQ(AT(1, NOW, 0, "MGET", "a", "b", "c", NULL), "*3\r\n$1\r\n2\r\n$9\r\nohmytext!\r\n$-1\r\n");
    cr_assert_eq(kv_expire(peek(1, "a")), NOW + 10000);
}

Test(strings, replay_is_deterministic)
{
    /* The same commands at the same entry times on two databases: same keys, values,
     * TTLs and positions. */
    for (int dbid = 2; dbid <= 3; dbid++) {
        int64_t t = NOW;
        AT(dbid, t, EXEC_MAY_MUTATE, "SET", "a", "1", "PX", "50", NULL);
        AT(dbid, t += 10, EXEC_MAY_MUTATE, "MSET", "b", "x", "c", "y", "d", "z", NULL);
        AT(dbid, t += 10, EXEC_MAY_MUTATE, "INCRBYFLOAT", "f", "0.1", NULL);
        AT(dbid, t += 10, EXEC_MAY_MUTATE, "INCRBYFLOAT", "f", "0.2", NULL);
        AT(dbid, t += 100, EXEC_MAY_MUTATE, "SETNX", "a", "again", NULL); /* a expired */
        AT(dbid, t += 10, EXEC_MAY_MUTATE, "GETDEL", "c", NULL);
        AT(dbid, t += 10, EXEC_MAY_MUTATE, "SETEX", "e", "100", "v", NULL);
        AT(dbid, t += 10, EXEC_MAY_MUTATE, "SETRANGE", "b", "5", "tail", NULL);
    }
    const kvtable *t2 = &g_server.dbs[2].table, *t3 = &g_server.dbs[3].table;
    cr_assert_eq(t2->count, t3->count);
    cr_assert_eq(t2->used, t3->used);
    for (size_t pos = 0; pos < t2->used; pos++) {
        kv *x = kvtable_at(t2, pos), *y = kvtable_at(t3, pos);
        cr_assert_eq(x == NULL, y == NULL);
        if (!x)
            continue;
        char ib1[32], ib2[32];
        const char *p1, *p2;
        size_t n1 = kv_string(x, ib1, &p1), n2 = kv_string(y, ib2, &p2);
        cr_assert_eq(kv_keylen(x), kv_keylen(y));
        cr_assert(memcmp(kv_key(x), kv_key(y), kv_keylen(x)) == 0);
        cr_assert(n1 == n2 && memcmp(p1, p2, n1) == 0);
        cr_assert_eq(kv_expire(x), kv_expire(y));
        cr_assert_eq(kv_seq(x), kv_seq(y));
    }
    EQ_BIN(AT(2, NOW + 200, 0, "MGET", "a", "b", "c", "f", NULL),
       "*4\r\n$5\r\nagain\r\n$9\r\nx\0\0\0\0tail\r\n$-1\r\n$3\r\n0.3\r\n");
}

Test(strings, lcs_resp3_and_limits)
{
    W("MSET", "key1", "ohmytext", "key2", "mynewtext", NULL);
    resp_writer w3;
    resp_writer_init(&w3, &out, 3);
    rd_arg argv[] = {{"LCS", 3}, {"key1", 4}, {"key2", 4}, {"IDX", 3}, {"WITHMATCHLEN", 12}};
    int unknown = 0;
    command *cmd = command_lookup(argv, 5, &unknown);
    exec_ctx c;
    memset(&c, 0, sizeof(c));
    c.srv = &g_server;
    c.db = &g_server.dbs[0];
    c.now_ms = NOW;
    c.w = &w3;
    c.argc = 5;
    c.argv = argv;
    c.cmd = cmd;
    cmd->proc(&c);
    bytebuf_append_char(&out, '\0');
    cr_assert_str_eq(out.data,
                     "%2\r\n$7\r\nmatches\r\n*2\r\n"
                     "*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n"
                     "*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n"
                     "$3\r\nlen\r\n:6\r\n");
    bytebuf_clear(&out);

    /* the transient table is capped at proto-max-bulk-len */
    g_server.cfg.proto_max_bulk_len = 1024 * 1024;
    char *big = rd_malloc(600);
    memset(big, 'a', 599);
    big[599] = '\0';
    W("MSET", "b1", big, "b2", big, NULL);
    EQ(R("LCS", "b1", "b2", "LEN", NULL),
       "-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len\r\n");
    big[300] = '\0';
    W("MSET", "b1", big, "b2", big, NULL);
    EQ(R("LCS", "b1", "b2", "LEN", NULL), ":300\r\n");
    rd_free(big);
}

Test(strings, errors_exact)
{
    EQ(W("SET", "k", "v", "EX", "0", NULL), "-ERR invalid expire time in 'set' command\r\n");
    EQ(W("SETEX", "k", "-1", "v", NULL), "-ERR invalid expire time in 'setex' command\r\n");
    EQ(W("PSETEX", "k", "0", "v", NULL), "-ERR invalid expire time in 'psetex' command\r\n");
    EQ(W("SET", "k", "v", "EX", "9223372036854776", NULL), "-ERR invalid expire time in 'set' command\r\n");
    EQ(W("SET", "k", "v", "EX", "9223372036854775", NULL), "-ERR invalid expire time in 'set' command\r\n");
    EQ(W("SET", "k", "v", "PX", "9223372036854775807", NULL), "-ERR invalid expire time in 'set' command\r\n");
    EQ(W("SET", "k", "v", "PXAT", "9223372036854775807", NULL), "+OK\r\n");
    EQ(W("SET", "k", "v", "NX", "XX", NULL), "-ERR syntax error\r\n");
    EQ(W("SET", "k", "v", "KEEPTTL", "PX", "1", NULL), "-ERR syntax error\r\n");
    EQ(W("GETEX", "k", "KEEPTTL", NULL), "-ERR syntax error\r\n");
    EQ(W("GETEX", "k", "EX", "0", NULL), "-ERR invalid expire time in 'getex' command\r\n");
    EQ(W("MSET", "a", "1", "b", NULL), "-ERR wrong number of arguments for 'mset' command\r\n");
    EQ(W("MSETNX", "a", "1", "b", NULL), "-ERR wrong number of arguments for 'msetnx' command\r\n");
    EQ(W("SETRANGE", "k", "536870908", "world", NULL),
       "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
    EQ(W("SETRANGE", "new", "536870911", "ab", NULL),
       "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
    cr_assert_null(peek(0, "new"));
    EQ(W("SET", "i", "9223372036854775807", NULL), "+OK\r\n");
    EQ(W("INCR", "i", NULL), "-ERR increment or decrement would overflow\r\n");
    EQ(W("DECRBY", "i", "-9223372036854775808", NULL), "-ERR decrement would overflow\r\n");
    EQ(W("INCRBYFLOAT", "i", "nan", NULL), "-ERR value is not a valid float\r\n");
    EQ(W("SET", "f", "1e4932", NULL), "+OK\r\n");
    EQ(W("INCRBYFLOAT", "f", "1.1e4932", NULL), "-ERR increment would produce NaN or Infinity\r\n");
    EQ(R("LCS", "a", "b", "LEN", "IDX", NULL),
       "-ERR If you want both the length and indexes, please just use IDX.\r\n");
}
