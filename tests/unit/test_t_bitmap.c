/* Unit tests for node/t_bitmap.c, calling the handlers directly with an exec_ctx: what
 * a client cannot observe from outside --
 *   - read commands (GETBIT BITCOUNT BITPOS BITFIELD_RO, BITFIELD with only GETs) never
 *     change the keyspace, even for a logically expired key;
 *   - the dirty count of each write (SETBIT/BITFIELD count a grown string even when no
 *     bit changes, as Redis does);
 *   - offsets are bounded by the configured proto-max-bulk-len;
 *   - a follower's apply (a writer that discards replies) reaches the same bytes;
 *   - WRONGTYPE against a collection key. */
#include <criterion/criterion.h>
#include <stdio.h>

#include "mem.h"
#include "test_cmd_runner.h"

static void put_list(const char *key)
{
    put_kv(kv_new_ptr(key, strlen(key), OBJ_LIST, ENC_QUICKLIST, NULL, -1));
}

static void put_string(const char *key, const char *val, size_t vlen, int64_t expire)
{
    put_kv(kv_new_string(key, strlen(key), val, vlen, expire));
}

#define EQ(actual, expect) cr_assert_str_eq((actual), (expect))

TestSuite(bitmap, .init = cmd_runner_init, .fini = cmd_runner_teardown);

Test(bitmap, setbit_grows_and_reports_old_bit)
{
    size_t len;
    EQ(W("SETBIT", "b", "9", "1", NULL), ":0\r\n");
    cr_assert_eq(last_dirty, 1);
    const char *s = value_of(0, "b", &len);
    cr_assert_eq(len, 2);
    cr_assert(s[0] == 0 && s[1] == 0x40);
    EQ(W("SETBIT", "b", "9", "1", NULL), ":1\r\n");
    cr_assert_eq(last_dirty, 0); /* no change */
    EQ(W("SETBIT", "b", "9", "0", NULL), ":1\r\n");
    cr_assert_eq(last_dirty, 1);
    EQ(W("SETBIT", "b", "40", "0", NULL), ":0\r\n");
    cr_assert_eq(last_dirty, 1); /* grown: the value changed even though the bit did not */
    value_of(0, "b", &len);
    cr_assert_eq(len, 6);
    cr_assert_eq(kv_encoding(peek(0, "b")), ENC_RAW);
}

Test(bitmap, reads_never_mutate)
{
    put_string("old", "\xff\xff", 2, NOW - 1); /* logically expired */
    put_string("live", "\x0f", 1, -1);
    EQ(R("GETBIT", "old", "0", NULL), ":0\r\n");
    EQ(R("BITCOUNT", "old", NULL), ":0\r\n");
    EQ(R("BITPOS", "old", "1", NULL), ":-1\r\n");
    EQ(R("BITFIELD_RO", "old", "GET", "u8", "0", NULL), "*1\r\n:0\r\n");
    EQ(R("BITFIELD", "live", "GET", "u4", "4", NULL), "*1\r\n:15\r\n");
    EQ(R("BITCOUNT", "live", NULL), ":4\r\n");
    cr_assert_eq(last_dirty, 0);
    cr_assert_not_null(peek(0, "old"), "a read deleted an expired key");
    cr_assert_eq(db_size(&g_server.dbs[0]), 2);
    /* a write deletes it and starts from an empty string without the old TTL */
    EQ(W("SETBIT", "old", "0", "1", NULL), ":0\r\n");
    cr_assert_eq(kv_expire(peek(0, "old")), -1);
    size_t len;
    value_of(0, "old", &len);
    cr_assert_eq(len, 1);
}

Test(bitmap, dirty_counts)
{
    struct { const char *args[12]; long long dirty; } cases[] = {
        {{"SETBIT", "a", "0", "1"}, 1},
        {{"SETBIT", "a", "0", "1"}, 0},
        {{"SETBIT", "a", "x", "1"}, 0},
        {{"BITFIELD", "a", "GET", "u8", "0"}, 0},
        {{"BITFIELD", "a", "SET", "u8", "0", "128"}, 0}, /* same value */
        {{"BITFIELD", "a", "SET", "u8", "0", "1", "INCRBY", "u8", "0", "1"}, 1}, /* once per key */
        {{"BITFIELD", "a", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "255"}, 0},
        {{"BITFIELD", "n", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "256"}, 1}, /* created */
        {{"BITOP", "OR", "d", "a"}, 1},
        {{"BITOP", "OR", "d", "m1", "m2"}, 1}, /* deletes d */
        {{"BITOP", "OR", "d", "m1", "m2"}, 0},
        {{"BITCOUNT", "a"}, 0},
        {{"BITPOS", "a", "1"}, 0},
        {{"GETBIT", "a", "0"}, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rd_arg argv[12];
        int argc = 0;
        while (argc < 12 && cases[i].args[argc]) {
            argv[argc].ptr = cases[i].args[argc];
            argv[argc].len = strlen(cases[i].args[argc]);
            argc++;
        }
        run_argv(0, NOW, EXEC_MAY_MUTATE, &writer, argv, argc);
        cr_assert_eq(last_dirty, cases[i].dirty, "case %zu (%s %s): dirty %lld, expected %lld", i,
                     cases[i].args[0], cases[i].args[2], last_dirty, cases[i].dirty);
    }
}

Test(bitmap, offsets_bounded_by_proto_max_bulk_len)
{
    g_server.cfg.proto_max_bulk_len = 1024 * 1024;
    EQ(W("SETBIT", "b", "8388607", "1", NULL), ":0\r\n");
    EQ(W("SETBIT", "b", "8388608", "1", NULL), "-ERR bit offset is not an integer or out of range\r\n");
    EQ(R("GETBIT", "b", "8388608", NULL), "-ERR bit offset is not an integer or out of range\r\n");
    EQ(W("BITFIELD", "b", "GET", "u8", "#1048576", NULL), "-ERR bit offset is not an integer or out of range\r\n");
    EQ(W("BITFIELD", "b", "GET", "u8", "#1048575", NULL), "*1\r\n:1\r\n");
    /* #N overflowing the multiplication */
    EQ(W("BITFIELD", "b", "GET", "i64", "#9223372036854775807", NULL),
       "-ERR bit offset is not an integer or out of range\r\n");
}

Test(bitmap, wrongtype)
{
    put_list("l");
    EQ(W("SETBIT", "l", "0", "1", NULL), WRONGTYPE_REPLY);
    EQ(R("GETBIT", "l", "0", NULL), WRONGTYPE_REPLY);
    EQ(R("BITCOUNT", "l", NULL), WRONGTYPE_REPLY);
    EQ(R("BITPOS", "l", "0", NULL), WRONGTYPE_REPLY);
    EQ(W("BITFIELD", "l", "SET", "u8", "0", "1", NULL), WRONGTYPE_REPLY);
    EQ(R("BITFIELD_RO", "l", "GET", "u8", "0", NULL), WRONGTYPE_REPLY);
    EQ(W("BITOP", "AND", "d", "l", NULL), WRONGTYPE_REPLY);
    cr_assert_null(peek(0, "d"));
    cr_assert_eq(kv_type(peek(0, "l")), OBJ_LIST);
}

Test(bitmap, follower_apply_reaches_same_bytes)
{
    resp_writer discard;
    resp_writer_init(&discard, NULL, 2);
    const char *script[][10] = {
        {"SETBIT", "k", "100", "1"},
        {"BITFIELD", "k", "SET", "i16", "#3", "-1234", "INCRBY", "u5", "7"},
        {"BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "-300"},
        {"BITOP", "NOT", "k2", "k"},
        {"BITOP", "XOR", "k3", "k", "k2"},
    };
    for (int dbid = 0; dbid < 2; dbid++) {
        for (size_t i = 0; i < sizeof(script) / sizeof(script[0]); i++) {
            rd_arg argv[10];
            int argc = 0;
            while (argc < 10 && script[i][argc]) {
                argv[argc].ptr = script[i][argc];
                argv[argc].len = strlen(script[i][argc]);
                argc++;
            }
            /* the second INCRBY lacks its value on purpose: a syntax error on both */
            run_argv(dbid, NOW, EXEC_MAY_MUTATE, dbid ? &discard : &writer, argv, argc);
        }
    }
    const char *keys[] = {"k", "k2", "k3"};
    for (int i = 0; i < 3; i++) {
        size_t l0, l1;
        const char *a = value_of(0, keys[i], &l0);
        const char *b = value_of(1, keys[i], &l1);
        cr_assert(l0 == l1 && memcmp(a, b, l0) == 0, "key %s differs", keys[i]);
    }
    size_t len;
    const char *k3 = value_of(0, "k3", &len);
    for (size_t i = 0; i < len; i++)
        cr_assert_eq((unsigned char)k3[i], 0xff);
}

Test(bitmap, bitfield_signed_unsigned_edges)
{
    EQ(W("BITFIELD", "f", "SET", "i64", "0", "-9223372036854775808", "GET", "i64", "0", "GET", "u63", "0", NULL),
       "*3\r\n:0\r\n:-9223372036854775808\r\n:4611686018427387904\r\n");
    EQ(W("BITFIELD", "f", "INCRBY", "i64", "0", "-1", NULL), "*1\r\n:9223372036854775807\r\n");
    EQ(W("BITFIELD", "f", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "1", NULL), "*1\r\n:9223372036854775807\r\n");
    EQ(W("BITFIELD", "f", "OVERFLOW", "WRAP", "SET", "i4", "0", "9", "GET", "i4", "0", NULL), "*2\r\n:7\r\n:-7\r\n");
    EQ(W("BITFIELD", "f", "OVERFLOW", "SAT", "SET", "u4", "0", "-3", "GET", "u4", "0", NULL), "*2\r\n:9\r\n:15\r\n");
    EQ(W("BITFIELD", "f", "OVERFLOW", "SAT", "SET", "i4", "0", "-30", "GET", "i4", "0", NULL), "*2\r\n:-1\r\n:-8\r\n");
    EQ(W("BITFIELD", "f", "OVERFLOW", "FAIL", "SET", "u1", "0", "2", "GET", "u1", "0", NULL), "*2\r\n$-1\r\n:1\r\n");
}

Test(bitmap, bitcount_bitpos_on_int_encoding)
{
    EQ(W("SET", "n", "255", NULL), "+OK\r\n"); /* "255" = 0x32 0x35 0x35 */
    EQ(R("BITCOUNT", "n", NULL), ":11\r\n");
    EQ(R("BITPOS", "n", "1", NULL), ":2\r\n");
    EQ(R("BITPOS", "n", "0", "1", NULL), ":8\r\n");
    EQ(R("GETBIT", "n", "2", NULL), ":1\r\n");
    cr_assert_eq(kv_encoding(peek(0, "n")), ENC_INT); /* reads leave it alone */
}
