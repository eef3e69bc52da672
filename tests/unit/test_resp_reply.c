/* Unit tests for proto/resp_reply.c: every RESP2/RESP3 reply type, every split point
 * of the input (and byte-at-a-time feeding, through both input APIs), pipelined
 * replies, attributes, and hostile inputs (lengths, counts, depth, long lines, bad
 * syntax) that must fail cleanly without large allocations. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bytebuf.h"
#include "mem.h"
#include "resp_reply.h"

/* ---- harness ---------------------------------------------------------------------- */

/* Renders a reply tree in a compact canonical text form. Recursion is fine here: the
 * tests build trees of bounded depth. */
static void dump(bytebuf *b, const resp_reply *r)
{
    if (r->attr) {
        bytebuf_append_char(b, '@');
        dump(b, r->attr);
    }
    const char *open = NULL, *close = NULL;
    switch (r->type) {
    case RESP_REPLY_STRING: bytebuf_appendf(b, "str(%s)", r->str); return;
    case RESP_REPLY_ERROR: bytebuf_appendf(b, "err(%s)", r->str); return;
    case RESP_REPLY_INTEGER: bytebuf_appendf(b, "int(%lld)", r->integer); return;
    case RESP_REPLY_BULK:
        bytebuf_append_str(b, "bulk(");
        bytebuf_append(b, r->str, r->len);
        bytebuf_append_char(b, ')');
        cr_assert_eq(r->str[r->len], '\0');
        return;
    case RESP_REPLY_NULL: bytebuf_append_str(b, "null"); return;
    case RESP_REPLY_DOUBLE: bytebuf_appendf(b, "dbl(%s=%.17g)", r->str, r->dval); return;
    case RESP_REPLY_BOOL: bytebuf_appendf(b, "bool(%lld)", r->integer); return;
    case RESP_REPLY_BIGNUM: bytebuf_appendf(b, "big(%s)", r->str); return;
    case RESP_REPLY_VERBATIM: bytebuf_appendf(b, "verb(%s:%s)", r->vformat, r->str); return;
    case RESP_REPLY_BULK_ERROR: bytebuf_appendf(b, "bulkerr(%s)", r->str); return;
    case RESP_REPLY_ARRAY: open = "["; close = "]"; break;
    case RESP_REPLY_MAP: open = "{"; close = "}"; break;
    case RESP_REPLY_SET: open = "~("; close = ")"; break;
    case RESP_REPLY_PUSH: open = ">["; close = "]"; break;
    }
    cr_assert(open, "unknown type %d", r->type);
    bytebuf_append_str(b, open);
    for (size_t i = 0; i < r->elements; i++) {
        if (i)
            bytebuf_append_char(b, r->type == RESP_REPLY_MAP && (i % 2) ? ':' : ',');
        dump(b, r->element[i]);
    }
    bytebuf_append_str(b, close);
}

/* Drains every complete reply, appending "dump\n" per reply, "ERROR:msg\n" on error.
 * Returns the last status. */
static int drain(resp_reply_reader *rd, bytebuf *log)
{
    for (;;) {
        resp_reply *r;
        const char *err = NULL;
        int rc = resp_reply_reader_next(rd, &r, &err);
        if (rc == RESP_REPLY_OK) {
            dump(log, r);
            bytebuf_append_char(log, '\n');
            resp_reply_free(r);
            continue;
        }
        if (rc == RESP_REPLY_ERR) {
            cr_assert(err);
            bytebuf_appendf(log, "ERROR:%s\n", err);
        }
        return rc;
    }
}

/* Feeds input in two chunks split at `cut` (or byte by byte if cut == (size_t)-1,
 * using the zero-copy API when zc); returns the transcript (caller frees). */
static char *run(const char *in, size_t len, size_t cut, int zc, const resp_reply_limits *lim)
{
    resp_reply_reader *rd = resp_reply_reader_new(lim);
    bytebuf log;
    bytebuf_init(&log);
    int rc = RESP_REPLY_INCOMPLETE;
    size_t off = 0;
    while (off < len && rc != RESP_REPLY_ERR) {
        size_t n = cut == (size_t)-1 ? 1 : (off < cut ? cut - off : len - off);
        if (n == 0)
            n = len - off;
        if (zc) {
            size_t avail;
            char *p = resp_reply_reader_space(rd, n, &avail);
            cr_assert_geq(avail, n);
            memcpy(p, in + off, n);
            resp_reply_reader_commit(rd, n);
        } else {
            resp_reply_reader_feed(rd, in + off, n);
        }
        off += n;
        rc = drain(rd, &log);
    }
    if (rc == RESP_REPLY_INCOMPLETE && !resp_reply_reader_idle(rd))
        bytebuf_append_str(&log, "INCOMPLETE\n");
    resp_reply_reader_free(rd);
    bytebuf_append_char(&log, '\0');
    return bytebuf_detach(&log, NULL);
}

/* Checks the transcript for the whole input, every split point and byte-at-a-time. */
static void check_lim(const char *in, const char *expect, const resp_reply_limits *lim)
{
    size_t len = strlen(in);
    char *whole = run(in, len, len, 0, lim);
    cr_assert_str_eq(whole, expect, "input %.*s", (int)len, in);
    rd_free(whole);
    for (size_t cut = 0; cut <= len; cut++) {
        char *t = run(in, len, cut, (int)(cut & 1), lim);
        cr_assert_str_eq(t, expect, "split at %zu", cut);
        rd_free(t);
    }
    for (int zc = 0; zc < 2; zc++) {
        char *t = run(in, len, (size_t)-1, zc, lim);
        cr_assert_str_eq(t, expect, "byte by byte (zc=%d)", zc);
        rd_free(t);
    }
}

static void check(const char *in, const char *expect)
{
    check_lim(in, expect, NULL);
}

/* ---- every type ------------------------------------------------------------------- */

Test(resp_reply, scalars)
{
    check("+OK\r\n", "str(OK)\n");
    check("+\r\n", "str()\n");
    check("-ERR unknown command 'x'\r\n", "err(ERR unknown command 'x')\n");
    check(":0\r\n:-42\r\n:9223372036854775807\r\n:-9223372036854775808\r\n",
          "int(0)\nint(-42)\nint(9223372036854775807)\nint(-9223372036854775808)\n");
    check("$5\r\nhello\r\n$0\r\n\r\n", "bulk(hello)\nbulk()\n");
    check("$-1\r\n*-1\r\n_\r\n", "null\nnull\nnull\n");
    check("#t\r\n#f\r\n", "bool(1)\nbool(0)\n");
    check(",1.5\r\n,10\r\n,-0.25\r\n,1e3\r\n", "dbl(1.5=1.5)\ndbl(10=10)\ndbl(-0.25=-0.25)\ndbl(1e3=1000)\n");
    check("(3492890328409238509324850943850943825024385\r\n(-12\r\n",
          "big(3492890328409238509324850943850943825024385)\nbig(-12)\n");
    check("=15\r\ntxt:Some string\r\n=4\r\nmkd:\r\n", "verb(txt:Some string)\nverb(mkd:)\n");
    check("!21\r\nSYNTAX invalid syntax\r\n", "bulkerr(SYNTAX invalid syntax)\n");
}

Test(resp_reply, doubles_special)
{
    resp_reply_reader *rd = resp_reply_reader_new(NULL);
    resp_reply_reader_feed(rd, ",inf\r\n,-inf\r\n,nan\r\n", 20);
    resp_reply *r;
    cr_assert_eq(resp_reply_reader_next(rd, &r, NULL), RESP_REPLY_OK);
    cr_assert(isinf(r->dval) && r->dval > 0);
    resp_reply_free(r);
    cr_assert_eq(resp_reply_reader_next(rd, &r, NULL), RESP_REPLY_OK);
    cr_assert(isinf(r->dval) && r->dval < 0);
    resp_reply_free(r);
    cr_assert_eq(resp_reply_reader_next(rd, &r, NULL), RESP_REPLY_OK);
    cr_assert(isnan(r->dval));
    cr_assert_eq(r->type, RESP_REPLY_DOUBLE);
    resp_reply_free(r);
    cr_assert_eq(resp_reply_reader_next(rd, &r, NULL), RESP_REPLY_INCOMPLETE);
    cr_assert_null(r);
    resp_reply_reader_free(rd);
}

Test(resp_reply, binary_bulk)
{
    static const char in[] = "$6\r\na\r\n\0b\n\r\n";
    resp_reply_reader *rd = resp_reply_reader_new(NULL);
    resp_reply_reader_feed(rd, in, sizeof(in) - 1);
    resp_reply *r;
    cr_assert_eq(resp_reply_reader_next(rd, &r, NULL), RESP_REPLY_OK);
    cr_assert_eq(r->type, RESP_REPLY_BULK);
    cr_assert_eq(r->len, 6);
    cr_assert_eq(memcmp(r->str, "a\r\n\0b\n", 6), 0);
    resp_reply_free(r);
    resp_reply_reader_free(rd);
}

Test(resp_reply, aggregates)
{
    check("*2\r\n$1\r\na\r\n:1\r\n", "[bulk(a),int(1)]\n");
    check("*0\r\n%0\r\n~0\r\n", "[]\n{}\n~()\n");
    check("%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n", "{str(first):int(1),str(second):int(2)}\n");
    check("~2\r\n$1\r\na\r\n$1\r\nb\r\n", "~(bulk(a),bulk(b))\n");
    check(">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n", ">[bulk(message),bulk(ch),bulk(hi)]\n");
    check("*3\r\n*2\r\n:1\r\n*1\r\n_\r\n*0\r\n%1\r\n+k\r\n~1\r\n#t\r\n",
          "[[int(1),[null]],[],{str(k):~(bool(1))}]\n");
    check("*2\r\n$-1\r\n*-1\r\n", "[null,null]\n");
    /* errors inside aggregates are values, not parse errors */
    check("*2\r\n-ERR a\r\n!1\r\nb\r\n", "[err(ERR a),bulkerr(b)]\n");
}

Test(resp_reply, hello3_map)
{
    check("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n"
          "$2\r\nid\r\n:5\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
          "$7\r\nmodules\r\n*0\r\n",
          "{bulk(server):bulk(redis),bulk(version):bulk(7.0.15),bulk(proto):int(3),bulk(id):int(5),"
          "bulk(mode):bulk(standalone),bulk(role):bulk(master),bulk(modules):[]}\n");
}

Test(resp_reply, attributes)
{
    check("|1\r\n+ttl\r\n:3600\r\n+OK\r\n", "@{str(ttl):int(3600)}str(OK)\n");
    /* attribute in front of an aggregate element and of an aggregate */
    check("*2\r\n:1\r\n|1\r\n+a\r\n+b\r\n:2\r\n", "[int(1),@{str(a):str(b)}int(2)]\n");
    check("|1\r\n+x\r\n:0\r\n*1\r\n:1\r\n", "@{str(x):int(0)}[int(1)]\n");
    /* an attribute inside an attribute */
    check("|1\r\n+k\r\n|1\r\n+a\r\n:1\r\n:2\r\n+v\r\n", "@{str(k):@{str(a):int(1)}int(2)}str(v)\n");
    /* an empty attribute applies to nothing */
    check("|0\r\n:7\r\n", "int(7)\n");
}

Test(resp_reply, pipelined_and_partial)
{
    check("+OK\r\n:1\r\n$3\r\nabc\r\n*1\r\n+x\r\n", "str(OK)\nint(1)\nbulk(abc)\n[str(x)]\n");
    check("*2\r\n:1\r\n", "INCOMPLETE\n");
    check("$5\r\nhel", "INCOMPLETE\n");
    check("+OK\r", "INCOMPLETE\n");
}

/* ---- hostile input ---------------------------------------------------------------- */

Test(resp_reply, syntax_errors)
{
    check("?\r\n", "ERROR:Protocol error: unknown reply type byte\n");
    check(":abc\r\n", "ERROR:Protocol error: bad integer\n");
    check(":\r\n", "ERROR:Protocol error: bad integer\n");
    check(":99999999999999999999\r\n", "ERROR:Protocol error: bad integer\n");
    check(":1 \r\n", "ERROR:Protocol error: bad integer\n");
    check("$-2\r\n", "ERROR:Protocol error: bad bulk length\n");
    check("$x\r\n", "ERROR:Protocol error: bad bulk length\n");
    check("=-1\r\n", "ERROR:Protocol error: bad bulk length\n");
    check("!-1\r\n", "ERROR:Protocol error: bad bulk length\n");
    check("*-2\r\n", "ERROR:Protocol error: bad aggregate length\n");
    check("%-1\r\n", "ERROR:Protocol error: bad aggregate length\n");
    check(">-1\r\n", "ERROR:Protocol error: bad aggregate length\n");
    check("$3\r\nabcXY", "ERROR:Protocol error: bulk not terminated by CRLF\n");
    check("+OK\rX\n", "ERROR:Protocol error: CR not followed by LF\n");
    check("#x\r\n", "ERROR:Protocol error: bad boolean\n");
    check("#\r\n", "ERROR:Protocol error: bad boolean\n");
    check("_x\r\n", "ERROR:Protocol error: bad null\n");
    check(",abc\r\n", "ERROR:Protocol error: bad double\n");
    check(",\r\n", "ERROR:Protocol error: bad double\n");
    check("(12a\r\n", "ERROR:Protocol error: bad big number\n");
    check("(\r\n", "ERROR:Protocol error: bad big number\n");
    check("=3\r\ntxt\r\n", "ERROR:Protocol error: bad verbatim string\n");
    check("=4\r\ntxtx\r\n", "ERROR:Protocol error: bad verbatim string\n");
    check("$?\r\n;4\r\nHell\r\n;0\r\n", "ERROR:Protocol error: streamed strings are not supported\n");
    check("*?\r\n:1\r\n.\r\n", "ERROR:Protocol error: streamed aggregates are not supported\n");
    /* errors after good replies: the good ones come out first */
    check("+OK\r\n*2\r\n:1\r\n:x\r\n", "str(OK)\nERROR:Protocol error: bad integer\n");
}

Test(resp_reply, error_is_sticky_and_frees_partial)
{
    resp_reply_reader *rd = resp_reply_reader_new(NULL);
    const char *in = "*3\r\n*2\r\n$3\r\nabc\r\n:1\r\n:oops\r\n";
    resp_reply_reader_feed(rd, in, strlen(in));
    resp_reply *r;
    const char *err = NULL;
    cr_assert_eq(resp_reply_reader_next(rd, &r, &err), RESP_REPLY_ERR);
    cr_assert_str_eq(err, "Protocol error: bad integer");
    resp_reply_reader_feed(rd, "+OK\r\n", 5);
    err = NULL;
    cr_assert_eq(resp_reply_reader_next(rd, &r, &err), RESP_REPLY_ERR);
    cr_assert_null(r);
    cr_assert_str_eq(err, "Protocol error: bad integer");
    resp_reply_reader_free(rd);
}

Test(resp_reply, depth_limit)
{
    /* 100000 nested arrays: fails at the limit, no recursion, nothing leaks. */
    bytebuf in;
    bytebuf_init(&in);
    for (int i = 0; i < 100000; i++)
        bytebuf_append(&in, "*1\r\n", 4);
    char *t = run(in.data, in.len, in.len, 0, NULL);
    cr_assert_str_eq(t, "ERROR:Protocol error: reply nested too deeply\n");
    rd_free(t);
    bytebuf_free(&in);

    /* exactly max_depth levels are fine */
    resp_reply_limits lim;
    resp_reply_limits_default(&lim);
    lim.max_depth = 3;
    check_lim("*1\r\n*1\r\n*1\r\n:1\r\n", "[[[int(1)]]]\n", &lim);
    check_lim("*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", "ERROR:Protocol error: reply nested too deeply\n", &lim);
    /* attributes count towards depth */
    check_lim("*1\r\n*1\r\n|1\r\n:1\r\n:2\r\n:3\r\n", "[[@{int(1):int(2)}int(3)]]\n", &lim);
    check_lim("*1\r\n*1\r\n|1\r\n*1\r\n:1\r\n:2\r\n:3\r\n", "ERROR:Protocol error: reply nested too deeply\n",
              &lim);
}

Test(resp_reply, deep_tree_free)
{
    /* A legal deep tree (depth 64, the default limit) frees without recursion. */
    bytebuf in;
    bytebuf_init(&in);
    for (int i = 0; i < 64; i++)
        bytebuf_append(&in, "*2\r\n:1\r\n", 8);
    bytebuf_append(&in, ":2\r\n", 4);
    resp_reply_reader *rd = resp_reply_reader_new(NULL);
    resp_reply_reader_feed(rd, in.data, in.len);
    resp_reply *r;
    cr_assert_eq(resp_reply_reader_next(rd, &r, NULL), RESP_REPLY_OK);
    const resp_reply *x = r;
    int depth = 0;
    while (x->type == RESP_REPLY_ARRAY) {
        cr_assert_eq(x->elements, 2);
        x = x->element[1];
        depth++;
    }
    cr_assert_eq(depth, 64);
    cr_assert_eq(x->integer, 2);
    resp_reply_free(r);
    resp_reply_reader_free(rd);
    bytebuf_free(&in);
}

Test(resp_reply, huge_counts_allocate_nothing)
{
    size_t before = rd_used_memory();
    resp_reply_reader *rd = resp_reply_reader_new(NULL);
    /* A declared count within the limit allocates as elements arrive, not up front. */
    const char *in = "*16000000\r\n:1\r\n:2\r\n";
    resp_reply_reader_feed(rd, in, strlen(in));
    resp_reply *r;
    cr_assert_eq(resp_reply_reader_next(rd, &r, NULL), RESP_REPLY_INCOMPLETE);
    cr_assert_lt(rd_used_memory() - before, 256 * 1024);
    resp_reply_reader_free(rd);

    /* A bulk length header alone does not allocate the length. */
    rd = resp_reply_reader_new(NULL);
    in = "$536870912\r\nabc";
    resp_reply_reader_feed(rd, in, strlen(in));
    cr_assert_eq(resp_reply_reader_next(rd, &r, NULL), RESP_REPLY_INCOMPLETE);
    cr_assert_lt(rd_used_memory() - before, 256 * 1024);
    resp_reply_reader_free(rd);

    check("*2147483647\r\n", "ERROR:Protocol error: too many elements in reply\n");
    check("%9000000\r\n", "ERROR:Protocol error: too many elements in reply\n");
    check("*9223372036854775807\r\n", "ERROR:Protocol error: too many elements in reply\n");
    check("$536870913\r\n", "ERROR:Protocol error: bulk length over the limit\n");
    check("$9223372036854775807\r\n", "ERROR:Protocol error: bulk length over the limit\n");
    check("=99999999999999\r\n", "ERROR:Protocol error: bulk length over the limit\n");
}

Test(resp_reply, total_element_limit)
{
    resp_reply_limits lim;
    resp_reply_limits_default(&lim);
    lim.max_elements = 5;
    /* 1 array + 4 ints = 5 nodes: fine; one more is over. */
    check_lim("*4\r\n:1\r\n:2\r\n:3\r\n:4\r\n", "[int(1),int(2),int(3),int(4)]\n", &lim);
    check_lim("*5\r\n:1\r\n:2\r\n:3\r\n:4\r\n:5\r\n",
              "ERROR:Protocol error: too many elements in reply\n", &lim);
    /* nested aggregates share the budget */
    check_lim("*2\r\n*2\r\n:1\r\n:2\r\n*2\r\n:3\r\n:4\r\n",
              "ERROR:Protocol error: too many elements in reply\n", &lim);
    /* the budget is per reply */
    check_lim("*3\r\n:1\r\n:2\r\n:3\r\n*3\r\n:1\r\n:2\r\n:3\r\n",
              "[int(1),int(2),int(3)]\n[int(1),int(2),int(3)]\n", &lim);
    /* a bulk over a lowered limit */
    lim.max_elements = 100;
    lim.max_bulk_len = 3;
    check_lim("$3\r\nabc\r\n$4\r\nabcd\r\n", "bulk(abc)\nERROR:Protocol error: bulk length over the limit\n",
              &lim);
}

Test(resp_reply, long_lines)
{
    resp_reply_limits lim;
    resp_reply_limits_default(&lim);
    lim.max_line_len = 8;
    check_lim("+12345678\r\n", "str(12345678)\n", &lim);
    check_lim("+123456789\r\n", "ERROR:Protocol error: line too long\n", &lim);
    check_lim("+123456789", "ERROR:Protocol error: line too long\n", &lim);

    /* default: 64 KiB of a line with no CRLF fails once it is over the limit */
    bytebuf in;
    bytebuf_init(&in);
    bytebuf_append_char(&in, '+');
    for (int i = 0; i < 70000; i++)
        bytebuf_append_char(&in, 'x');
    char *t = run(in.data, in.len, in.len, 0, NULL);
    cr_assert_str_eq(t, "ERROR:Protocol error: line too long\n");
    rd_free(t);
    bytebuf_free(&in);
}

Test(resp_reply, big_bulk_slowly_is_linear)
{
    /* 8 MiB bulk arriving in 512-byte reads: must not rescan or recopy per read. */
    size_t n = 8u << 20;
    bytebuf in;
    bytebuf_init(&in);
    bytebuf_appendf(&in, "$%zu\r\n", n);
    size_t hdr = in.len;
    bytebuf_reserve(&in, n + 2);
    memset(in.data + hdr, 'z', n);
    in.len += n;
    bytebuf_append(&in, "\r\n+OK\r\n", 7);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    resp_reply_reader *rd = resp_reply_reader_new(NULL);
    int got = 0;
    for (size_t off = 0; off < in.len; off += 512) {
        size_t k = in.len - off < 512 ? in.len - off : 512;
        size_t avail;
        char *p = resp_reply_reader_space(rd, 512, &avail);
        memcpy(p, in.data + off, k);
        resp_reply_reader_commit(rd, k);
        resp_reply *r;
        while (resp_reply_reader_next(rd, &r, NULL) == RESP_REPLY_OK) {
            if (got == 0) {
                cr_assert_eq(r->type, RESP_REPLY_BULK);
                cr_assert_eq(r->len, n);
            } else {
                cr_assert_eq(r->type, RESP_REPLY_STRING);
            }
            got++;
            resp_reply_free(r);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    cr_assert_eq(got, 2);
    cr_assert_lt(secs, 5.0, "took %.2fs", secs);
    resp_reply_reader_free(rd);
    bytebuf_free(&in);
}

Test(resp_reply, random_garbage_never_crashes)
{
    /* Mutations of valid replies and pure noise: any outcome but a crash/leak is OK. */
    static const char *seeds[] = {
        "*3\r\n$3\r\nabc\r\n%1\r\n+k\r\n,1.5\r\n|1\r\n+a\r\n#t\r\n(123\r\n",
        ">2\r\n=5\r\ntxt:a\r\n!3\r\nERR\r\n",
        "~2\r\n_\r\n:-1\r\n",
    };
    unsigned s = 12345;
    for (int iter = 0; iter < 20000; iter++) {
        char buf[128];
        const char *seed = seeds[iter % 3];
        size_t len = strlen(seed);
        memcpy(buf, seed, len);
        int muts = 1 + iter % 4;
        for (int m = 0; m < muts; m++) {
            s = s * 1103515245u + 12345u;
            size_t at = (s >> 8) % len;
            s = s * 1103515245u + 12345u;
            buf[at] = iter & 1 ? (char)((s >> 16) & 0xff) : "*$:+-_%~>|#,(!=\r\n0123456789?"[(s >> 16) % 28];
        }
        resp_reply_reader *rd = resp_reply_reader_new(NULL);
        resp_reply_reader_feed(rd, buf, len);
        resp_reply *r;
        while (resp_reply_reader_next(rd, &r, NULL) == RESP_REPLY_OK)
            resp_reply_free(r);
        resp_reply_reader_free(rd);
    }
}
