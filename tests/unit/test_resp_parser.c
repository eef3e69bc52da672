/* Unit tests for proto/resp_parser.c: requests split at every byte, pipelines, inline
 * splitting (sdssplitargs rules), every protocol error and limit, buffer shifting, and
 * linear cost of big bulks arriving in small chunks. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bytebuf.h"
#include "mem.h"
#include "resp_parser.h"

/* ---- harness ---------------------------------------------------------------------- */

/* Appends a readable transcript line for one parse outcome to log. */
static void log_request(bytebuf *log, const resp_parser *p, const bytebuf *q)
{
    bytebuf_appendf(log, "[%d]", p->argc);
    for (int i = 0; i < p->argc; i++) {
        const char *a = p->argv[i].ptr;
        int in_query = q->data && a >= q->data && a + p->argv[i].len <= q->data + q->len;
        int in_scratch = p->scratch.data && a >= p->scratch.data &&
                         a + p->argv[i].len <= p->scratch.data + p->scratch.len;
        cr_assert(in_query || in_scratch || p->argv[i].len == 0,
                  "argv[%d] points outside the query and scratch buffers", i);
        bytebuf_appendf(log, " %zu:", p->argv[i].len);
        bytebuf_append(log, a, p->argv[i].len);
    }
    bytebuf_append_char(log, '\n');
}

enum { SHIFT_NEVER = 0, SHIFT_ALWAYS = 1 };

/* Feeds input in chunks ending at the given cut offsets (the last chunk ends at len),
 * parsing everything available after each chunk; writes a transcript into log.
 * With SHIFT_ALWAYS the consumed prefix is dropped from the query buffer (and the
 * parser shifted) whenever the parser is out of data, as a server would. Returns the
 * number of bytes left unconsumed. */
static size_t feed(const char *input, size_t len, const size_t *cuts, size_t ncuts,
                   const resp_limits *lim, int shift_mode, bytebuf *log)
{
    resp_parser p;
    resp_parser_init(&p);
    bytebuf q;
    bytebuf_init(&q);
    size_t pos = 0, fed = 0;
    int failed = 0;
    for (size_t c = 0; c <= ncuts && !failed; c++) {
        size_t end = c < ncuts ? cuts[c] : len;
        if (end < fed)
            continue;
        bytebuf_append(&q, input + fed, end - fed);
        fed = end;
        for (;;) {
            const char *err = NULL;
            size_t before = pos;
            int rc = resp_parse_request(&p, q.data, q.len, &pos, lim, &err);
            if (rc == RESP_PARSE_OK) {
                cr_assert_gt(pos, before);
                log_request(log, &p, &q);
            } else if (rc == RESP_PARSE_EMPTY) {
                cr_assert_gt(pos, before);
                bytebuf_append_str(log, "EMPTY\n");
            } else if (rc == RESP_PARSE_ERROR) {
                cr_assert_not_null(err);
                bytebuf_appendf(log, "ERROR %s\n", err);
                failed = 1;
                break;
            } else {
                cr_assert_eq(pos, before, "INCOMPLETE moved *pos");
                if (shift_mode == SHIFT_ALWAYS && pos > 0) {
                    bytebuf_consume(&q, pos);
                    resp_parser_shift(&p, pos);
                    pos = 0;
                }
                break;
            }
        }
    }
    size_t left = q.len - pos;
    if (failed)
        left = 0;
    bytebuf_free(&q);
    resp_parser_free(&p);
    return left;
}

static char *transcript(const char *input, size_t len, const resp_limits *lim, size_t *left)
{
    bytebuf log;
    bytebuf_init(&log);
    size_t l = feed(input, len, NULL, 0, lim, SHIFT_NEVER, &log);
    if (left)
        *left = l;
    bytebuf_append_char(&log, '\0');
    return log.data;
}

/* The one-shot transcript must equal the transcript for every single split point,
 * every pair of split points (for short inputs), and byte-at-a-time feeding, with
 * and without buffer shifting. */
static void check_all_splits(const char *input, size_t len, const resp_limits *lim, const char *expected)
{
    char *whole = transcript(input, len, lim, NULL);
    if (expected)
        cr_assert_str_eq(whole, expected, "input '%.*s'", (int)len, input);
    for (int mode = SHIFT_NEVER; mode <= SHIFT_ALWAYS; mode++) {
        for (size_t k = 0; k <= len; k++) {
            bytebuf log;
            bytebuf_init(&log);
            size_t cuts[1] = {k};
            feed(input, len, cuts, 1, lim, mode, &log);
            bytebuf_append_char(&log, '\0');
            cr_assert_str_eq(log.data, whole, "split at %zu (mode %d) of '%.*s'", k, mode, (int)len, input);
            bytebuf_free(&log);
        }
        if (len <= 120) {
            for (size_t a = 0; a <= len; a++)
                for (size_t b = a; b <= len; b++) {
                    bytebuf log;
                    bytebuf_init(&log);
                    size_t cuts[2] = {a, b};
                    feed(input, len, cuts, 2, lim, mode, &log);
                    bytebuf_append_char(&log, '\0');
                    cr_assert_str_eq(log.data, whole, "splits at %zu,%zu (mode %d)", a, b, mode);
                    bytebuf_free(&log);
                }
        }
        size_t *cuts = rd_malloc((len + 1) * sizeof *cuts);
        for (size_t i = 0; i <= len; i++)
            cuts[i] = i;
        bytebuf log;
        bytebuf_init(&log);
        feed(input, len, cuts, len + 1, lim, mode, &log);
        bytebuf_append_char(&log, '\0');
        cr_assert_str_eq(log.data, whole, "byte at a time (mode %d)", mode);
        bytebuf_free(&log);
        rd_free(cuts);
    }
    rd_free(whole);
}

#define CHECK(input, expected) check_all_splits(input, sizeof(input) - 1, NULL, expected)
#define CHECK_LIM(input, lim, expected) check_all_splits(input, sizeof(input) - 1, lim, expected)

/* ---- well-formed requests ---------------------------------------------------------------- */

Test(parser, multibulk_basic)
{
    CHECK("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n", "[2] 3:GET 3:key\n");
    CHECK("*1\r\n$4\r\nPING\r\n", "[1] 4:PING\n");
    CHECK("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n", "[3] 3:SET 1:k 0:\n");
}

Test(parser, multibulk_binary_args)
{
    CHECK("*2\r\n$4\r\na\r\nb\r\n$3\r\n\0\0\0\r\n", "[2] 4:a\r\nb 3:\0\0\0\n");
    CHECK("*1\r\n$10\r\n$3\r\n*1\r\n\r\n\r\n", "[1] 10:$3\r\n*1\r\n\r\n\n");
}

Test(parser, empty_requests)
{
    CHECK("*0\r\n", "EMPTY\n");
    CHECK("*-1\r\n", "EMPTY\n");
    CHECK("*-5\r\n", "EMPTY\n"); /* Redis: any count <= 0 */
    CHECK("\r\n", "EMPTY\n");
    CHECK("\n", "EMPTY\n");
    CHECK("   \t \r\n", "EMPTY\n");
    CHECK("\r\r\n", "EMPTY\n");
    CHECK("*0\r\n*1\r\n$1\r\nx\r\n\n", "EMPTY\n[1] 1:x\nEMPTY\n");
}

Test(parser, redis_does_not_check_bulk_terminators)
{
    /* processMultibulkBuffer skips the two bytes after a bulk and after a header's
     * '\r' without looking at them */
    CHECK("*1\r\n$3\r\nfooXY", "[1] 3:foo\n");
    CHECK("*1\rX$3\rYfoo\r\n", "[1] 3:foo\n");
}

Test(parser, inline_basic)
{
    CHECK("PING\r\n", "[1] 4:PING\n");
    CHECK("PING\n", "[1] 4:PING\n");
    CHECK("set a b\r\n", "[3] 3:set 1:a 1:b\n");
    CHECK("  set   a\tb  \r\n", "[3] 3:set 1:a 1:b\n");
    CHECK("a\vb \fc\n", "[2] 3:a\vb 1:c\n"); /* \v \f are blanks only between args */
    CHECK("a\rb\r\n", "[2] 1:a 1:b\n");
    CHECK("get *\n", "[2] 3:get 1:*\n");
    CHECK("x$y\\n\n", "[1] 5:x$y\\n\n");
}

Test(parser, inline_quotes)
{
    CHECK("set \"a b\" 'c d'\r\n", "[3] 3:set 3:a b 3:c d\n");
    CHECK("set k \"\\x41\\x4a\\n\\t\\r\\b\\a\\\"\\\\\\q\"\r\n", "[3] 3:set 1:k 10:AJ\n\t\r\b\a\"\\q\n");
    CHECK("set k 'a\\'b\\n'\n", "[3] 3:set 1:k 5:a'b\\n\n");
    CHECK("set k \"\"\n", "[3] 3:set 1:k 0:\n");
    CHECK("'' \"\"\n", "[2] 0: 0:\n");
    CHECK("foo\"bar baz\" x\n", "[2] 10:foobar baz 1:x\n");
    CHECK("echo \"\\xZZ\"\n", "[2] 4:echo 3:xZZ\n");
    CHECK("echo \"\\x4\"\n", "[2] 4:echo 2:x4\n");
    CHECK("echo \"a\"\tb\n", "[3] 4:echo 1:a 1:b\n");
}

Test(parser, pipelines_mixed)
{
    CHECK("*1\r\n$4\r\nPING\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\necho \"x y\"\n\r\n*0\r\n",
          "[1] 4:PING\n[1] 4:PING\n[2] 4:ECHO 2:hi\n[2] 4:echo 3:x y\nEMPTY\nEMPTY\n");
}

Test(parser, argv_points_into_query_buffer)
{
    const char *in = "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\nset a b\r\nset \"q\" b\r\n";
    size_t len = strlen(in), pos = 0;
    resp_parser p;
    resp_parser_init(&p);
    const char *err;
    cr_assert_eq(resp_parse_request(&p, in, len, &pos, NULL, &err), RESP_PARSE_OK);
    cr_assert_eq(p.argv[0].ptr, in + 8);
    cr_assert_eq(p.argv[1].ptr, in + 17);
    cr_assert_eq(resp_parse_request(&p, in, len, &pos, NULL, &err), RESP_PARSE_OK);
    cr_assert_eq(p.argc, 3);
    cr_assert_eq(p.argv[1].ptr, in + 26); /* unquoted inline: zero-copy too */
    cr_assert_eq(resp_parse_request(&p, in, len, &pos, NULL, &err), RESP_PARSE_OK);
    cr_assert(p.argv[1].ptr >= p.scratch.data && p.argv[1].ptr < p.scratch.data + p.scratch.len);
    cr_assert_eq(pos, len);
    cr_assert_eq(resp_parse_request(&p, in, len, &pos, NULL, &err), RESP_PARSE_INCOMPLETE);
    resp_parser_free(&p);
}

/* ---- errors ---------------------------------------------------------------------------- */

Test(parser, multibulk_length_errors)
{
    CHECK("*abc\r\n", "ERROR ERR Protocol error: invalid multibulk length\n");
    CHECK("*\r\n", "ERROR ERR Protocol error: invalid multibulk length\n");
    CHECK("*+1\r\n", "ERROR ERR Protocol error: invalid multibulk length\n");
    CHECK("* 1\r\n", "ERROR ERR Protocol error: invalid multibulk length\n");
    CHECK("*01\r\n", "ERROR ERR Protocol error: invalid multibulk length\n");
    CHECK("*-0\r\n", "ERROR ERR Protocol error: invalid multibulk length\n");
    CHECK("*2147483648\r\n", "ERROR ERR Protocol error: invalid multibulk length\n");
    CHECK("*99999999999999999999\r\n", "ERROR ERR Protocol error: invalid multibulk length\n");
    CHECK("*1\n\r\n", "ERROR ERR Protocol error: invalid multibulk length\n");
    CHECK("PING\r\n*x\r\n", "[1] 4:PING\nERROR ERR Protocol error: invalid multibulk length\n");
}

Test(parser, bulk_length_errors)
{
    CHECK("*1\r\n$-1\r\n", "ERROR ERR Protocol error: invalid bulk length\n");
    CHECK("*1\r\n$abc\r\n", "ERROR ERR Protocol error: invalid bulk length\n");
    CHECK("*1\r\n$\r\n", "ERROR ERR Protocol error: invalid bulk length\n");
    CHECK("*1\r\n$03\r\nfoo\r\n", "ERROR ERR Protocol error: invalid bulk length\n");
    CHECK("*1\r\n$536870913\r\n", "ERROR ERR Protocol error: invalid bulk length\n");
    CHECK("*2\r\n$1\r\na\r\n$-3\r\n", "ERROR ERR Protocol error: invalid bulk length\n");
}

Test(parser, max_bulk_len_is_accepted)
{
    /* the header of a 512 MiB bulk is fine; the data simply has not arrived */
    const char *in = "*1\r\n$536870912\r\nabc";
    size_t pos = 0;
    resp_parser p;
    resp_parser_init(&p);
    const char *err = NULL;
    cr_assert_eq(resp_parse_request(&p, in, strlen(in), &pos, NULL, &err), RESP_PARSE_INCOMPLETE);
    cr_assert_eq(resp_parser_bytes_wanted(&p), 536870912 + 2 - 3);
    resp_parser_free(&p);
}

Test(parser, expected_dollar)
{
    CHECK("*1\r\n:3\r\n", "ERROR ERR Protocol error: expected '$', got ':'\n");
    CHECK("*2\r\n$1\r\na\r\nfoo\r\n", "ERROR ERR Protocol error: expected '$', got 'f'\n");
    CHECK("*1\r\n\r\n", "ERROR ERR Protocol error: expected '$', got '\r'\n");
    CHECK("*1\r\n*1\r\n", "ERROR ERR Protocol error: expected '$', got '*'\n");
}

Test(parser, unbalanced_quotes)
{
    const char *e = "ERROR ERR Protocol error: unbalanced quotes in request\n";
    CHECK("set \"a\n", e);
    CHECK("set \"a\r\n", e);
    CHECK("\"foo\"bar\n", e);
    CHECK("'a'b\n", e);
    CHECK("'abc\n", e);
    CHECK("\"abc\\\"\n", e);
    CHECK("PING\nset \"x\n", "[1] 4:PING\nERROR ERR Protocol error: unbalanced quotes in request\n");
}

/* prefix, then fill bytes without a terminator; the limit counts from offset `from`
 * (the start of the request, or of the current element). */
static void check_too_big(const char *prefix, size_t from, char fill, const char *log_before,
                          const char *expected_err)
{
    size_t n = from + 64 * 1024 + 1;
    char *in = rd_malloc(n);
    memcpy(in, prefix, strlen(prefix));
    memset(in + strlen(prefix), fill, n - strlen(prefix));
    /* exactly the limit: still waiting */
    size_t left;
    char *t = transcript(in, n - 1, NULL, &left);
    cr_assert_str_eq(t, log_before, "at the limit: %s", t);
    rd_free(t);
    t = transcript(in, n, NULL, NULL);
    char exp[200];
    snprintf(exp, sizeof exp, "%sERROR %s\n", log_before, expected_err);
    cr_assert_str_eq(t, exp);
    rd_free(t);
    /* arriving in chunks */
    bytebuf log;
    bytebuf_init(&log);
    size_t cuts[4] = {1, 1000, 40000, n - 1};
    feed(in, n, cuts, 4, NULL, SHIFT_ALWAYS, &log);
    bytebuf_append_char(&log, '\0');
    cr_assert_str_eq(log.data, exp);
    bytebuf_free(&log);
    rd_free(in);
}

Test(parser, too_big_lines)
{
    check_too_big("", 0, 'a', "", "ERR Protocol error: too big inline request");
    check_too_big("*", 0, '1', "", "ERR Protocol error: too big mbulk count string");
    check_too_big("*1\r\n", 4, '1', "", "ERR Protocol error: too big bulk count string");
    /* after a complete request, the limit counts from the next request's start */
    check_too_big("*1\r\n$3\r\nfoo\r\n", 13, 'x', "[1] 3:foo\n",
                  "ERR Protocol error: too big inline request");
    check_too_big("PING\n*", 5, '2', "[1] 4:PING\n", "ERR Protocol error: too big mbulk count string");
}

Test(parser, too_big_counts_from_element_start)
{
    /* the limit applies to what is pending after the current element's start */
    size_t n = 70000;
    char *in = rd_malloc(n + 64);
    int hl = snprintf(in, 64, "*2\r\n$3\r\nfoo\r\n$");
    memset(in + hl, '9', n);
    char *t = transcript(in, (size_t)hl + 64 * 1024 - 1, NULL, NULL);
    cr_assert_str_eq(t, "");
    rd_free(t);
    t = transcript(in, (size_t)hl + 64 * 1024, NULL, NULL);
    cr_assert_str_eq(t, "ERROR ERR Protocol error: too big bulk count string\n");
    rd_free(t);
    rd_free(in);
}

Test(parser, long_inline_line_with_newline_is_accepted)
{
    /* Redis only refuses while no newline has arrived */
    size_t n = 100000;
    char *in = rd_malloc(n + 8);
    memcpy(in, "echo ", 5);
    memset(in + 5, 'z', n - 5);
    in[n] = '\n';
    char *t = transcript(in, n + 1, NULL, NULL);
    cr_assert(strncmp(t, "[2] 4:echo 99995:zzz", 20) == 0);
    rd_free(t);
    rd_free(in);
}

Test(parser, nul_hides_line_terminators)
{
    /* Redis looks for '\r'/'\n' with strchr: a NUL before it means "no line yet" */
    size_t left;
    char *t = transcript("*1\0\r\n$1\r\nx\r\n", 12, NULL, &left);
    cr_assert_str_eq(t, "");
    cr_assert_eq(left, 12);
    rd_free(t);
    t = transcript("PI\0NG\r\n", 7, NULL, &left);
    cr_assert_str_eq(t, "");
    rd_free(t);
    t = transcript("*1\r\n$1\0\r\nx\r\n", 12, NULL, &left);
    cr_assert_str_eq(t, "");
    rd_free(t);
    /* NUL inside a bulk is data */
    t = transcript("*1\r\n$1\r\n\0\r\n", 11, NULL, &left);
    cr_assert_eq(memcmp(t, "[1] 1:\0\n", 8), 0);
    rd_free(t);
    /* ... and eventually the line is too big */
    size_t n = 64 * 1024 + 10;
    char *in = rd_malloc(n);
    memset(in, 'a', n);
    in[3] = '\0';
    in[100] = '\n';
    t = transcript(in, n, NULL, NULL);
    cr_assert_str_eq(t, "ERROR ERR Protocol error: too big inline request\n");
    rd_free(t);
    rd_free(in);
}

/* ---- limits ----------------------------------------------------------------------------- */

Test(parser, limits_defaults)
{
    resp_limits l;
    resp_limits_default(&l);
    cr_assert_eq(l.max_bulk_len, 512LL * 1024 * 1024);
    cr_assert_eq(l.max_multibulk_len, INT_MAX);
    cr_assert_eq(l.max_inline_len, 64 * 1024);
    cr_assert_eq(l.unauthenticated, 0);
    resp_limits_unauthenticated(&l);
    cr_assert_eq(l.max_bulk_len, 16384);
    cr_assert_eq(l.max_multibulk_len, 10);
    cr_assert_eq(l.unauthenticated, 1);
}

Test(parser, unauthenticated_limits)
{
    resp_limits l;
    resp_limits_unauthenticated(&l);
    CHECK_LIM("*11\r\n", &l, "ERROR ERR Protocol error: unauthenticated multibulk length\n");
    CHECK_LIM("*2147483648\r\n", &l, "ERROR ERR Protocol error: invalid multibulk length\n");
    CHECK_LIM("*1\r\n$16385\r\n", &l, "ERROR ERR Protocol error: unauthenticated bulk length\n");
    CHECK_LIM("*1\r\n$536870913\r\n", &l, "ERROR ERR Protocol error: invalid bulk length\n");
    CHECK_LIM("*1\r\n$-1\r\n", &l, "ERROR ERR Protocol error: invalid bulk length\n");
    CHECK_LIM("*10\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n"
              "$1\r\na\r\n$1\r\na\r\n",
              &l, "[10] 1:a 1:a 1:a 1:a 1:a 1:a 1:a 1:a 1:a 1:a\n");
    /* a 16384-byte bulk is allowed */
    size_t n = 16384;
    char *in = rd_malloc(n + 32);
    int hl = snprintf(in, 32, "*1\r\n$16384\r\n");
    memset(in + hl, 'b', n);
    memcpy(in + hl + n, "\r\n", 2);
    char *t = transcript(in, (size_t)hl + n + 2, &l, NULL);
    cr_assert(strncmp(t, "[1] 16384:bbbb", 14) == 0);
    rd_free(t);
    rd_free(in);
    /* inline requests have no argument-count limit (Redis checks only multibulk) */
    CHECK_LIM("a b c d e f g h i j k l\n", &l, "[12] 1:a 1:b 1:c 1:d 1:e 1:f 1:g 1:h 1:i 1:j 1:k 1:l\n");
}

Test(parser, custom_limits)
{
    resp_limits l;
    resp_limits_default(&l);
    l.max_bulk_len = 3;
    l.max_multibulk_len = 2;
    CHECK_LIM("*1\r\n$3\r\nabc\r\n", &l, "[1] 3:abc\n");
    CHECK_LIM("*1\r\n$4\r\nabcd\r\n", &l, "ERROR ERR Protocol error: invalid bulk length\n");
    CHECK_LIM("*3\r\n", &l, "ERROR ERR Protocol error: invalid multibulk length\n");
    l.max_inline_len = 10;
    CHECK_LIM("0123456789", &l, "");
    CHECK_LIM("0123456789a", &l, "ERROR ERR Protocol error: too big inline request\n");
    CHECK_LIM("*1\r\n$1\r\nx\r\n", &l, "[1] 1:x\n");
}

/* ---- volume, shifting, big bulks ---------------------------------------------------------- */

Test(parser, ten_thousand_pipelined_commands)
{
    bytebuf in;
    bytebuf_init(&in);
    enum { N = 10000 };
    for (int i = 0; i < N; i++) {
        if (i % 5 == 4) {
            bytebuf_appendf(&in, "set key:%d \"v %d\"\r\n", i, i);
        } else {
            char key[32], val[32];
            int kl = snprintf(key, sizeof key, "key:%d", i);
            int vl = snprintf(val, sizeof val, "value-%d", i * 7);
            bytebuf_appendf(&in, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", kl, key, vl, val);
        }
    }
    for (int pass = 0; pass < 3; pass++) {
        resp_parser p;
        resp_parser_init(&p);
        bytebuf q;
        bytebuf_init(&q);
        size_t pos = 0, fed = 0;
        int count = 0;
        /* pass 0: all at once; 1: 1000-byte chunks with shifting; 2: 7-byte chunks */
        size_t chunk = pass == 0 ? in.len : pass == 1 ? 1000 : 7;
        while (fed < in.len) {
            size_t n = in.len - fed < chunk ? in.len - fed : chunk;
            bytebuf_append(&q, in.data + fed, n);
            fed += n;
            const char *err;
            int rc;
            while ((rc = resp_parse_request(&p, q.data, q.len, &pos, NULL, &err)) == RESP_PARSE_OK) {
                char key[32], val[32];
                int kl = snprintf(key, sizeof key, "key:%d", count);
                int vl = count % 5 == 4 ? snprintf(val, sizeof val, "v %d", count)
                                        : snprintf(val, sizeof val, "value-%d", count * 7);
                cr_assert_eq(p.argc, 3);
                cr_assert_eq(p.argv[0].len, 3);
                cr_assert(p.argv[1].len == (size_t)kl && memcmp(p.argv[1].ptr, key, kl) == 0);
                cr_assert(p.argv[2].len == (size_t)vl && memcmp(p.argv[2].ptr, val, vl) == 0,
                          "request %d", count);
                count++;
            }
            cr_assert_eq(rc, RESP_PARSE_INCOMPLETE);
            if (pass == 1) {
                bytebuf_consume(&q, pos);
                resp_parser_shift(&p, pos);
                pos = 0;
            }
        }
        cr_assert_eq(count, N);
        cr_assert_eq(pos, q.len);
        bytebuf_free(&q);
        resp_parser_free(&p);
    }
    bytebuf_free(&in);
}

Test(parser, shift_mid_request)
{
    const char *first = "*1\r\n$4\r\nPING\r\n";
    const char *second_a = "*3\r\n$3\r\nSET\r\n$1\r\nk";
    const char *second_b = "\r\n$5\r\nhello\r\n";
    bytebuf q;
    bytebuf_init(&q);
    bytebuf_append_str(&q, first);
    bytebuf_append_str(&q, second_a);
    resp_parser p;
    resp_parser_init(&p);
    size_t pos = 0;
    const char *err;
    cr_assert_eq(resp_parse_request(&p, q.data, q.len, &pos, NULL, &err), RESP_PARSE_OK);
    cr_assert_eq(pos, strlen(first));
    cr_assert_eq(resp_parse_request(&p, q.data, q.len, &pos, NULL, &err), RESP_PARSE_INCOMPLETE);
    cr_assert_eq(pos, strlen(first));
    /* drop the consumed request, then let the buffer move (realloc) */
    bytebuf_consume(&q, pos);
    resp_parser_shift(&p, pos);
    pos = 0;
    bytebuf_shrink(&q);
    bytebuf_reserve(&q, 1 << 20);
    bytebuf_append_str(&q, second_b);
    cr_assert_eq(resp_parse_request(&p, q.data, q.len, &pos, NULL, &err), RESP_PARSE_OK);
    cr_assert_eq(p.argc, 3);
    cr_assert(p.argv[0].len == 3 && memcmp(p.argv[0].ptr, "SET", 3) == 0);
    cr_assert(p.argv[1].len == 1 && memcmp(p.argv[1].ptr, "k", 1) == 0);
    cr_assert(p.argv[2].len == 5 && memcmp(p.argv[2].ptr, "hello", 5) == 0);
    cr_assert_eq(p.argv[0].ptr, q.data + 8);
    cr_assert_eq(pos, q.len);
    bytebuf_free(&q);
    resp_parser_free(&p);
}

Test(parser, shift_mid_inline_line)
{
    bytebuf q;
    bytebuf_init(&q);
    bytebuf_append_str(&q, "PING\r\nECHO hel");
    resp_parser p;
    resp_parser_init(&p);
    size_t pos = 0;
    const char *err;
    cr_assert_eq(resp_parse_request(&p, q.data, q.len, &pos, NULL, &err), RESP_PARSE_OK);
    cr_assert_eq(resp_parse_request(&p, q.data, q.len, &pos, NULL, &err), RESP_PARSE_INCOMPLETE);
    bytebuf_consume(&q, pos);
    resp_parser_shift(&p, pos);
    pos = 0;
    bytebuf_append_str(&q, "lo\r\n");
    cr_assert_eq(resp_parse_request(&p, q.data, q.len, &pos, NULL, &err), RESP_PARSE_OK);
    cr_assert_eq(p.argc, 2);
    cr_assert(p.argv[1].len == 5 && memcmp(p.argv[1].ptr, "hello", 5) == 0);
    bytebuf_free(&q);
    resp_parser_free(&p);
}

Test(parser, huge_bulk_in_small_chunks_is_linear)
{
    /* 64 MiB in 16 KiB reads: must not rescan what it has already seen */
    size_t n = 64u * 1024 * 1024, chunk = 16 * 1024;
    bytebuf q;
    bytebuf_init(&q);
    bytebuf_appendf(&q, "*2\r\n$3\r\nSET\r\n$%zu\r\n", n);
    size_t header = q.len;
    resp_parser p;
    resp_parser_init(&p);
    size_t pos = 0;
    const char *err;
    cr_assert_eq(resp_parse_request(&p, q.data, q.len, &pos, NULL, &err), RESP_PARSE_INCOMPLETE);
    cr_assert_eq(resp_parser_bytes_wanted(&p), n + 2);
    bytebuf_reserve(&q, resp_parser_bytes_wanted(&p));
    char *block = rd_malloc(chunk);
    memset(block, 'q', chunk);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t sent = 0;
    int calls = 0;
    while (sent < n) {
        bytebuf_append(&q, block, chunk);
        sent += chunk;
        cr_assert_eq(resp_parse_request(&p, q.data, q.len, &pos, NULL, &err), RESP_PARSE_INCOMPLETE);
        cr_assert_eq(resp_parser_bytes_wanted(&p), n + 2 - sent);
        calls++;
    }
    bytebuf_append(&q, "\r\n", 2);
    cr_assert_eq(resp_parse_request(&p, q.data, q.len, &pos, NULL, &err), RESP_PARSE_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    cr_assert_lt(secs, 2.0, "took %.2fs for %d calls", secs, calls);
    cr_assert_eq(resp_parser_bytes_wanted(&p), 0);
    cr_assert_eq(p.argv[1].len, n);
    cr_assert_eq(p.argv[1].ptr, q.data + header);
    cr_assert_eq(pos, q.len);
    rd_free(block);
    bytebuf_free(&q);
    resp_parser_free(&p);
}

Test(parser, bytes_wanted_only_for_big_bulks)
{
    const char *in = "*1\r\n$100\r\nabc";
    resp_parser p;
    resp_parser_init(&p);
    size_t pos = 0;
    const char *err;
    cr_assert_eq(resp_parse_request(&p, in, strlen(in), &pos, NULL, &err), RESP_PARSE_INCOMPLETE);
    cr_assert_eq(resp_parser_bytes_wanted(&p), 0);
    resp_parser_free(&p);
}

Test(parser, slow_header_is_linear)
{
    /* a 60 KB "$" header line arriving one byte at a time */
    size_t n = 60000;
    char *in = rd_malloc(n + 8);
    memcpy(in, "*1\r\n$", 5);
    memset(in + 5, '1', n);
    resp_parser p;
    resp_parser_init(&p);
    size_t pos = 0;
    const char *err;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 1; i <= n + 5; i++)
        cr_assert_eq(resp_parse_request(&p, in, i, &pos, NULL, &err), RESP_PARSE_INCOMPLETE);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    cr_assert_lt(secs, 0.5);
    resp_parser_free(&p);
    rd_free(in);
}

Test(parser, huge_count_does_not_preallocate)
{
    const char *in = "*2147483647\r\n$1\r\na\r\n";
    resp_parser p;
    resp_parser_init(&p);
    size_t pos = 0;
    const char *err;
    size_t before = rd_used_memory();
    cr_assert_eq(resp_parse_request(&p, in, strlen(in), &pos, NULL, &err), RESP_PARSE_INCOMPLETE);
    cr_assert_lt(rd_used_memory() - before, 4096);
    resp_parser_free(&p);
}

Test(parser, reusable_after_free_and_error)
{
    resp_parser p;
    resp_parser_init(&p);
    size_t pos = 0;
    const char *err = NULL;
    cr_assert_eq(resp_parse_request(&p, "*x\r\n", 4, &pos, NULL, &err), RESP_PARSE_ERROR);
    cr_assert_str_eq(err, "ERR Protocol error: invalid multibulk length");
    resp_parser_free(&p);
    resp_parser_init(&p);
    pos = 0;
    cr_assert_eq(resp_parse_request(&p, "PING\n", 5, &pos, NULL, &err), RESP_PARSE_OK);
    cr_assert_eq(resp_parse_request(&p, "PING\n", 5, &pos, NULL, &err), RESP_PARSE_INCOMPLETE);
    cr_assert_eq(resp_parse_request(&p, "", 0, &(size_t){0}, NULL, &err), RESP_PARSE_INCOMPLETE);
    resp_parser_free(&p);
    resp_parser_free(&p); /* idempotent */
}

/* ---- resp_split_args ---------------------------------------------------------------------- */

static char *split(const char *line, size_t len)
{
    bytebuf out, log;
    bytebuf_init(&out);
    bytebuf_init(&log);
    int argc = 12345;
    rd_arg *argv = resp_split_args(line, len, &out, &argc);
    if (!argv) {
        cr_assert(argc == 0 || argc == -1);
        bytebuf_appendf(&log, "%s", argc ? "UNBALANCED" : "BLANK");
    } else {
        cr_assert_gt(argc, 0);
        bytebuf_appendf(&log, "%d", argc);
        for (int i = 0; i < argc; i++) {
            bytebuf_appendf(&log, "|%zu:", argv[i].len);
            bytebuf_append(&log, argv[i].ptr, argv[i].len);
        }
        rd_free(argv);
    }
    bytebuf_append_char(&log, '\0');
    bytebuf_free(&out);
    return log.data;
}

#define SPLIT(line, expected)                                                  \
    do {                                                                       \
        char *got_ = split(line, sizeof(line) - 1);                            \
        cr_assert_str_eq(got_, expected, "split of '%s'", line);              \
        rd_free(got_);                                                         \
    } while (0)

Test(split_args, sdssplitargs_rules)
{
    SPLIT("", "BLANK");
    SPLIT("   \t\r\n ", "BLANK");
    SPLIT("a", "1|1:a");
    SPLIT("set key value", "3|3:set|3:key|5:value");
    SPLIT("  lead  trail  ", "2|4:lead|5:trail");
    SPLIT("a \"b c\" 'd e'", "3|1:a|3:b c|3:d e");
    SPLIT("\"\\x41\\x4A\\x4a\"", "1|3:AJJ");
    SPLIT("\"\\xZZ\"", "1|3:xZZ");
    SPLIT("\"\\n\\r\\t\\b\\a\\\\\\\"\\z\"", "1|8:\n\r\t\b\a\\\"z");
    SPLIT("'\\n'", "1|2:\\n");
    SPLIT("'it\\'s'", "1|4:it's");
    SPLIT("'a\\\\b'", "1|4:a\\\\b");
    SPLIT("foo\"bar\"", "1|6:foobar");
    SPLIT("foo'bar' baz", "2|6:foobar|3:baz");
    SPLIT("\"\"", "1|0:");
    SPLIT("\"\" ''", "2|0:|0:");
    SPLIT("\"a\"\tb", "2|1:a|1:b");
    SPLIT("\"a\"\vb", "2|1:a|1:b"); /* isspace after a closing quote */
    SPLIT("a\vb", "1|3:a\vb");      /* but \v does not end an unquoted arg */
    SPLIT("\va", "1|1:a");
    SPLIT("\"foo\"bar", "UNBALANCED");
    SPLIT("'foo'bar", "UNBALANCED");
    SPLIT("\"foo", "UNBALANCED");
    SPLIT("'foo", "UNBALANCED");
    SPLIT("\"foo\\\"", "UNBALANCED");
    SPLIT("\"a\\", "UNBALANCED");
    SPLIT("\"\\x4\"", "1|2:x4");
    SPLIT("\"\\x\"", "1|1:x");
}

Test(split_args, nul_ends_the_line)
{
    char *got = split("a b\0c d", 7);
    cr_assert_str_eq(got, "2|1:a|1:b");
    rd_free(got);
    got = split("\"a\0\"", 4);
    cr_assert_str_eq(got, "UNBALANCED");
    rd_free(got);
}

Test(split_args, out_is_cleared_and_reused)
{
    bytebuf out;
    bytebuf_init(&out);
    bytebuf_append_str(&out, "stale content");
    int argc;
    rd_arg *argv = resp_split_args("x 'y'", 5, &out, &argc);
    cr_assert_eq(argc, 2);
    cr_assert_eq(out.len, 2);
    cr_assert(argv[0].ptr == out.data && argv[1].ptr == out.data + 1);
    rd_free(argv);
    /* many args force the output buffer to move while splitting */
    bytebuf line;
    bytebuf_init(&line);
    for (int i = 0; i < 3000; i++)
        bytebuf_appendf(&line, "\"arg%d\" ", i);
    argv = resp_split_args(line.data, line.len, &out, &argc);
    cr_assert_eq(argc, 3000);
    for (int i = 0; i < 3000; i++) {
        char want[16];
        int n = snprintf(want, sizeof want, "arg%d", i);
        cr_assert(argv[i].len == (size_t)n && memcmp(argv[i].ptr, want, (size_t)n) == 0);
    }
    rd_free(argv);
    bytebuf_free(&line);
    bytebuf_free(&out);
}
