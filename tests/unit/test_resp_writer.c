/* Unit tests for proto/resp_writer.c: every reply type, byte-exact, in RESP2 and
 * RESP3 (protocol-reference.md 1.1), plus deferred lengths and the discard writer. */
#include <criterion/criterion.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#include "bytebuf.h"
#include "resp_writer.h"

static bytebuf out;
static resp_writer w2, w3;

static void setup(void)
{
    bytebuf_init(&out);
}

static void teardown(void)
{
    bytebuf_free(&out);
}

TestSuite(writer, .init = setup, .fini = teardown);

/* Runs `body` with a fresh RESP2 and a fresh RESP3 writer and compares the bytes. */
#define EXPECT2(expected, body)                                                             \
    do {                                                                                    \
        bytebuf_clear(&out);                                                                \
        resp_writer_init(&w2, &out, 2);                                                     \
        resp_writer *w = &w2;                                                               \
        body;                                                                               \
        check_bytes(expected, sizeof(expected) - 1, #body, 2);                              \
    } while (0)
#define EXPECT3(expected, body)                                                             \
    do {                                                                                    \
        bytebuf_clear(&out);                                                                \
        resp_writer_init(&w3, &out, 3);                                                     \
        resp_writer *w = &w3;                                                               \
        body;                                                                               \
        check_bytes(expected, sizeof(expected) - 1, #body, 3);                              \
    } while (0)
#define EXPECT_BOTH(e2, e3, body)                                                           \
    do {                                                                                    \
        EXPECT2(e2, body);                                                                  \
        EXPECT3(e3, body);                                                                  \
    } while (0)

static void check_bytes(const char *expected, size_t len, const char *what, int proto)
{
    cr_assert(out.len == len && memcmp(out.data, expected, len) == 0,
              "RESP%d %s: got %zu bytes '%.*s', expected '%s'", proto, what, out.len,
              (int)out.len, out.data ? out.data : "", expected);
}

Test(writer, simple_and_ok)
{
    EXPECT_BOTH("+OK\r\n", "+OK\r\n", resp_write_ok(w));
    EXPECT_BOTH("+PONG\r\n", "+PONG\r\n", resp_write_simple_cstr(w, "PONG"));
    EXPECT_BOTH("+QUEUED\r\n", "+QUEUED\r\n", resp_write_simple(w, "QUEUEDxx", 6));
    EXPECT_BOTH("+\r\n", "+\r\n", resp_write_simple(w, "", 0));
    EXPECT_BOTH("+a  c\r\n", "+a  c\r\n", resp_write_simple_cstr(w, "a\r\nc"));
}

Test(writer, errors)
{
    EXPECT_BOTH("-ERR syntax error\r\n", "-ERR syntax error\r\n", resp_write_error(w, "ERR syntax error"));
    EXPECT_BOTH("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                resp_write_error(w, "WRONGTYPE Operation against a key holding the wrong kind of value"));
    EXPECT_BOTH("-ERR bad  thing here\r\n", "-ERR bad  thing here\r\n",
                resp_write_error(w, "ERR bad\r\nthing\rhere"));
    EXPECT_BOTH("-MOVED 3999 127.0.0.1:6381\r\n", "-MOVED 3999 127.0.0.1:6381\r\n",
                resp_write_error(w, "-MOVED 3999 127.0.0.1:6381"));
    EXPECT_BOTH("-ERR unknown command 'foo', with args beginning with: 'a' \r\n",
                "-ERR unknown command 'foo', with args beginning with: 'a' \r\n",
                resp_write_errorf(w, "ERR unknown command '%s', with args beginning with: '%s' ", "foo", "a"));
    EXPECT_BOTH("-ERR x y\r\n", "-ERR x y\r\n", resp_write_errorf(w, "ERR %s", "x\ny"));
}

Test(writer, errorf_long_message)
{
    char big[1000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    bytebuf_clear(&out);
    resp_writer_init(&w2, &out, 2);
    resp_write_errorf(&w2, "ERR %s!", big);
    cr_assert_eq(out.len, 1 + 4 + 999 + 1 + 2);
    cr_assert(memcmp(out.data, "-ERR xxx", 8) == 0);
    cr_assert(memcmp(out.data + out.len - 3, "!\r\n", 3) == 0);
}

Test(writer, bulk_strings)
{
    EXPECT_BOTH("$5\r\nhello\r\n", "$5\r\nhello\r\n", resp_write_bulk(w, "hello", 5));
    EXPECT_BOTH("$0\r\n\r\n", "$0\r\n\r\n", resp_write_bulk(w, "", 0));
    EXPECT_BOTH("$0\r\n\r\n", "$0\r\n\r\n", resp_write_bulk(w, NULL, 0));
    EXPECT_BOTH("$4\r\na\r\nb\r\n", "$4\r\na\r\nb\r\n", resp_write_bulk(w, "a\r\nb", 4));
    EXPECT_BOTH("$3\r\na\0b\r\n", "$3\r\na\0b\r\n", resp_write_bulk(w, "a\0b", 3));
    EXPECT_BOTH("$3\r\nfoo\r\n", "$3\r\nfoo\r\n", resp_write_bulk_cstr(w, "foo"));
    EXPECT_BOTH("$2\r\n42\r\n", "$2\r\n42\r\n", resp_write_bulk_ll(w, 42));
    EXPECT_BOTH("$20\r\n-9223372036854775808\r\n", "$20\r\n-9223372036854775808\r\n",
                resp_write_bulk_ll(w, LLONG_MIN));
}

Test(writer, big_bulk)
{
    size_t n = 100000;
    char *s = malloc(n);
    memset(s, 'v', n);
    bytebuf_clear(&out);
    resp_writer_init(&w3, &out, 3);
    resp_write_bulk(&w3, s, n);
    cr_assert_eq(out.len, 9 + n + 2);
    cr_assert(memcmp(out.data, "$100000\r\nvv", 11) == 0);
    free(s);
}

Test(writer, nulls)
{
    EXPECT_BOTH("$-1\r\n", "_\r\n", resp_write_null(w));
    EXPECT_BOTH("*-1\r\n", "_\r\n", resp_write_null_array(w));
}

Test(writer, integers)
{
    EXPECT_BOTH(":0\r\n", ":0\r\n", resp_write_int(w, 0));
    EXPECT_BOTH(":1000\r\n", ":1000\r\n", resp_write_int(w, 1000));
    EXPECT_BOTH(":-1\r\n", ":-1\r\n", resp_write_int(w, -1));
    EXPECT_BOTH(":9223372036854775807\r\n", ":9223372036854775807\r\n", resp_write_int(w, LLONG_MAX));
    EXPECT_BOTH(":-9223372036854775808\r\n", ":-9223372036854775808\r\n", resp_write_int(w, LLONG_MIN));
}

Test(writer, doubles)
{
    EXPECT_BOTH("$3\r\n1.5\r\n", ",1.5\r\n", resp_write_double(w, 1.5));
    EXPECT_BOTH("$3\r\n0.1\r\n", ",0.1\r\n", resp_write_double(w, 0.1));
    EXPECT_BOTH("$2\r\n10\r\n", ",10\r\n", resp_write_double(w, 10.0));
    EXPECT_BOTH("$4\r\n1.23\r\n", ",1.23\r\n", resp_write_double(w, 1.23));
    EXPECT_BOTH("$3\r\ninf\r\n", ",inf\r\n", resp_write_double(w, INFINITY));
    EXPECT_BOTH("$4\r\n-inf\r\n", ",-inf\r\n", resp_write_double(w, -INFINITY));
    EXPECT_BOTH("$3\r\nnan\r\n", ",nan\r\n", resp_write_double(w, NAN));
    EXPECT_BOTH("$6\r\n1e+100\r\n", ",1e+100\r\n", resp_write_double(w, 1e100));
    EXPECT_BOTH("$2\r\n-0\r\n", ",-0\r\n", resp_write_double(w, -0.0));
    EXPECT_BOTH("$18\r\n0.6666666666666666\r\n", ",0.6666666666666666\r\n", resp_write_double(w, 2.0 / 3));
}

Test(writer, booleans)
{
    EXPECT_BOTH(":1\r\n", "#t\r\n", resp_write_bool(w, 1));
    EXPECT_BOTH(":0\r\n", "#f\r\n", resp_write_bool(w, 0));
    EXPECT_BOTH(":1\r\n", "#t\r\n", resp_write_bool(w, 7));
}

Test(writer, bignum)
{
    EXPECT_BOTH("$43\r\n3492890328409238509324850943850943825024385\r\n",
                "(3492890328409238509324850943850943825024385\r\n",
                resp_write_bignum(w, "3492890328409238509324850943850943825024385", 43));
    EXPECT_BOTH("$2\r\n-1\r\n", "(-1\r\n", resp_write_bignum(w, "-1", 2));
}

Test(writer, verbatim)
{
    EXPECT_BOTH("$11\r\nSome string\r\n", "=15\r\ntxt:Some string\r\n",
                resp_write_verbatim(w, "txt", "Some string", 11));
    EXPECT_BOTH("$0\r\n\r\n", "=4\r\nmkd:\r\n", resp_write_verbatim(w, "mkd", "", 0));
    EXPECT_BOTH("$6\r\na\r\nb\r\n\r\n", "=10\r\ntxt:a\r\nb\r\n\r\n", resp_write_verbatim(w, "txt", "a\r\nb\r\n", 6));
}

Test(writer, aggregates)
{
    EXPECT_BOTH("*2\r\n", "*2\r\n", resp_write_array_len(w, 2));
    EXPECT_BOTH("*0\r\n", "*0\r\n", resp_write_array_len(w, 0));
    EXPECT_BOTH("*4\r\n", "%2\r\n", resp_write_map_len(w, 2));
    EXPECT_BOTH("*0\r\n", "%0\r\n", resp_write_map_len(w, 0));
    EXPECT_BOTH("*2\r\n", "~2\r\n", resp_write_set_len(w, 2));
    EXPECT_BOTH("*3\r\n", ">3\r\n", resp_write_push_len(w, 3));
}

Test(writer, full_map_reply)
{
    EXPECT_BOTH("*4\r\n+first\r\n:1\r\n+second\r\n:2\r\n", "%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n", {
        resp_write_map_len(w, 2);
        resp_write_simple_cstr(w, "first");
        resp_write_int(w, 1);
        resp_write_simple_cstr(w, "second");
        resp_write_int(w, 2);
    });
    EXPECT_BOTH("*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n",
                ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n", {
                    resp_write_push_len(w, 3);
                    resp_write_bulk_cstr(w, "message");
                    resp_write_bulk_cstr(w, "ch");
                    resp_write_bulk_cstr(w, "hi");
                });
}

Test(writer, attributes)
{
    bytebuf_clear(&out);
    resp_writer_init(&w2, &out, 2);
    cr_assert_eq(resp_write_attr_len(&w2, 1), 0);
    cr_assert_eq(out.len, 0);
    EXPECT3("|1\r\n+ttl\r\n:3600\r\n", {
        cr_assert_eq(resp_write_attr_len(w, 1), 1);
        resp_write_simple_cstr(w, "ttl");
        resp_write_int(w, 3600);
    });
}

Test(writer, bulk_error)
{
    EXPECT_BOTH("-SYNTAX invalid syntax\r\n", "!21\r\nSYNTAX invalid syntax\r\n",
                resp_write_bulk_error(w, "SYNTAX invalid syntax", 21));
    EXPECT_BOTH("-ERR a  b\r\n", "!8\r\nERR a\r\nb\r\n", resp_write_bulk_error(w, "ERR a\r\nb", 8));
}

Test(writer, raw)
{
    EXPECT_BOTH("+cached\r\n", "+cached\r\n", resp_write_raw(w, "+cached\r\n", 9));
    EXPECT_BOTH("", "", resp_write_raw(w, "", 0));
}

Test(writer, deferred_lengths)
{
    EXPECT_BOTH("*3\r\n:1\r\n:2\r\n:3\r\n", "*3\r\n:1\r\n:2\r\n:3\r\n", {
        size_t h = resp_write_deferred_len(w);
        resp_write_int(w, 1);
        resp_write_int(w, 2);
        resp_write_int(w, 3);
        resp_set_deferred_array_len(w, h, 3);
    });
    EXPECT_BOTH("+x\r\n*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:2\r\n",
                "+x\r\n%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:2\r\n", {
                    resp_write_simple_cstr(w, "x");
                    size_t h = resp_write_deferred_len(w);
                    resp_write_bulk_cstr(w, "a");
                    resp_write_int(w, 1);
                    resp_write_bulk_cstr(w, "b");
                    resp_write_int(w, 2);
                    resp_set_deferred_map_len(w, h, 2);
                });
    EXPECT_BOTH("*0\r\n", "~0\r\n", {
        size_t h = resp_write_deferred_len(w);
        resp_set_deferred_set_len(w, h, 0);
    });
    /* nested: outer deferred, inner deferred */
    EXPECT_BOTH("*2\r\n*1\r\n:7\r\n:8\r\n", "*2\r\n*1\r\n:7\r\n:8\r\n", {
        size_t outer = resp_write_deferred_len(w);
        size_t inner = resp_write_deferred_len(w);
        resp_write_int(w, 7);
        resp_set_deferred_array_len(w, inner, 1);
        resp_write_int(w, 8);
        resp_set_deferred_array_len(w, outer, 2);
    });
}

Test(writer, deferred_many_elements)
{
    bytebuf_clear(&out);
    resp_writer_init(&w2, &out, 2);
    size_t h = resp_write_deferred_len(&w2);
    for (int i = 0; i < 20000; i++)
        resp_write_int(&w2, i);
    resp_set_deferred_array_len(&w2, h, 20000);
    cr_assert(memcmp(out.data, "*20000\r\n:0\r\n:1\r\n", 16) == 0);
    cr_assert(memcmp(out.data + out.len - 8, ":19999\r\n", 8) == 0);
}

Test(writer, discard_writer_writes_nothing)
{
    resp_writer d;
    resp_writer_init(&d, NULL, 3);
    resp_write_ok(&d);
    resp_write_simple_cstr(&d, "x");
    resp_write_simple(&d, "x", 1);
    resp_write_error(&d, "ERR x");
    resp_write_errorf(&d, "ERR %d", 1);
    resp_write_bulk(&d, "x", 1);
    resp_write_bulk_cstr(&d, "x");
    resp_write_bulk_ll(&d, 1);
    resp_write_null(&d);
    resp_write_null_array(&d);
    resp_write_int(&d, 1);
    resp_write_double(&d, 1.5);
    resp_write_bool(&d, 1);
    resp_write_bignum(&d, "1", 1);
    resp_write_verbatim(&d, "txt", "x", 1);
    resp_write_array_len(&d, 1);
    resp_write_map_len(&d, 1);
    resp_write_set_len(&d, 1);
    resp_write_push_len(&d, 1);
    cr_assert_eq(resp_write_attr_len(&d, 1), 1);
    resp_write_bulk_error(&d, "ERR x", 5);
    resp_write_raw(&d, "x", 1);
    size_t h = resp_write_deferred_len(&d);
    cr_assert_eq(h, 0);
    resp_set_deferred_array_len(&d, h, 1);
    resp_set_deferred_map_len(&d, h, 1);
    resp_set_deferred_set_len(&d, h, 1);
    resp_writer_init(&d, NULL, 2);
    cr_assert_eq(resp_write_attr_len(&d, 1), 0);
    resp_write_double(&d, 1.5);
    resp_write_null(&d);
}

Test(writer, appends_to_existing_content)
{
    bytebuf_append_str(&out, "prefix");
    resp_writer_init(&w3, &out, 3);
    resp_write_int(&w3, 5);
    cr_assert_eq(out.len, 10);
    cr_assert(memcmp(out.data, "prefix:5\r\n", 10) == 0);
}
