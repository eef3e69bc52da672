/* libFuzzer target for the request parser (proto/resp_parser.c) and its helpers.
 *
 * The first two input bytes pick the limits and the split pattern; the rest is the
 * byte stream a client sends. It is parsed once in one piece and once delivered in
 * pseudo-random chunks with the consumed prefix dropped (as the server does), and the
 * two transcripts must agree, apart from a "too big" error that chunked delivery may
 * legitimately hit earlier (Redis behaves the same). Every call's invariants are
 * checked: *pos only moves forward and only on OK/EMPTY, arguments lie inside the
 * query buffer or the parser's scratch, errors carry a text. The same bytes also go
 * through resp_split_args, the glob matcher and the number parsers. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytebuf.h"
#include "mem.h"
#include "resp_parser.h"
#include "strutil.h"

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "invariant failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                 \
        }                                                                            \
    } while (0)

static void pick_limits(uint8_t sel, resp_limits *lim)
{
    switch (sel % 3) {
    case 0:
        resp_limits_default(lim);
        break;
    case 1:
        resp_limits_unauthenticated(lim);
        break;
    default: /* tiny limits reach every limit branch with short inputs */
        resp_limits_default(lim);
        lim->max_inline_len = 16;
        lim->max_bulk_len = 8;
        lim->max_multibulk_len = 4;
        break;
    }
}

static void record_request(bytebuf *log, const resp_parser *p, const bytebuf *q)
{
    CHECK(p->argc >= 1);
    bytebuf_appendf(log, "OK %d", p->argc);
    for (int i = 0; i < p->argc; i++) {
        const char *a = p->argv[i].ptr;
        size_t n = p->argv[i].len;
        int in_query = q->data && a >= q->data && n <= q->len && a <= q->data + q->len - n;
        int in_scratch = p->scratch.data && a >= p->scratch.data && n <= p->scratch.len &&
                         a <= p->scratch.data + p->scratch.len - n;
        CHECK(in_query || in_scratch || n == 0);
        bytebuf_appendf(log, " %zu:", n);
        bytebuf_append(log, a, n);
    }
    bytebuf_append_char(log, '\n');
}

/* Parses stream[0..len) delivered in chunks (chunk sizes drawn from `seed`, or one
 * piece when seed == 0); returns 1 when the run ended in a "too big" error. */
static int run(const uint8_t *stream, size_t len, const resp_limits *lim, uint32_t seed, int shift,
               bytebuf *log)
{
    resp_parser p;
    resp_parser_init(&p);
    bytebuf q;
    bytebuf_init(&q);
    size_t pos = 0, fed = 0;
    int too_big = 0, done = 0;
    uint32_t rng = seed * 2654435761u + 1;
    while (!done && fed < len) {
        size_t chunk = len - fed;
        if (seed) {
            rng = rng * 1103515245u + 12345u;
            size_t max = (rng >> 16) % 4 == 0 ? 64 : 7;
            chunk = 1 + (rng >> 8) % max;
            if (chunk > len - fed)
                chunk = len - fed;
        }
        bytebuf_append(&q, stream + fed, chunk);
        fed += chunk;
        for (;;) {
            const char *err = NULL;
            size_t before = pos;
            int rc = resp_parse_request(&p, q.data, q.len, &pos, lim, &err);
            CHECK(pos <= q.len);
            if (rc == RESP_PARSE_OK) {
                CHECK(pos > before);
                record_request(log, &p, &q);
            } else if (rc == RESP_PARSE_EMPTY) {
                CHECK(pos > before);
                bytebuf_append_str(log, "EMPTY\n");
            } else if (rc == RESP_PARSE_ERROR) {
                CHECK(err != NULL && strncmp(err, "ERR Protocol error: ", 20) == 0);
                too_big = strstr(err, "too big") != NULL;
                bytebuf_appendf(log, "ERROR %s\n", err);
                done = 1;
                break;
            } else {
                CHECK(rc == RESP_PARSE_INCOMPLETE);
                CHECK(pos == before);
                size_t wanted = resp_parser_bytes_wanted(&p);
                CHECK(wanted <= (size_t)lim->max_bulk_len + 2);
                if (shift && pos > 0) {
                    bytebuf_consume(&q, pos);
                    resp_parser_shift(&p, pos);
                    pos = 0;
                }
                break;
            }
        }
    }
    bytebuf_free(&q);
    resp_parser_free(&p);
    return too_big;
}

static void fuzz_split_args(const uint8_t *data, size_t size)
{
    bytebuf out;
    bytebuf_init(&out);
    int argc = 12345;
    rd_arg *argv = resp_split_args((const char *)data, size, &out, &argc);
    if (!argv) {
        CHECK(argc == 0 || argc == -1);
    } else {
        CHECK(argc > 0);
        size_t total = 0;
        for (int i = 0; i < argc; i++) {
            const char *base = out.data ? out.data : argv[i].ptr;
            CHECK(argv[i].len == 0 || (argv[i].ptr >= base && argv[i].ptr + argv[i].len <= base + out.len));
            total += argv[i].len;
        }
        CHECK(total == out.len);
        rd_free(argv);
    }
    bytebuf_free(&out);
}

static void fuzz_helpers(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    long long ll;
    if (rd_str2ll(s, size, &ll)) {
        char buf[32];
        size_t n = rd_ll2str(buf, ll);
        CHECK(n == size && memcmp(buf, s, n) == 0); /* canonical form only */
    }
    unsigned long long ull;
    if (rd_str2ull(s, size, &ull))
        CHECK(size > 0 && s[0] != '-');
    double d;
    if (rd_str2d(s, size, &d)) {
        CHECK(d == d);
        char buf[64];
        size_t n = rd_d2str(buf, sizeof buf, d);
        double back;
        CHECK(n > 0 && n < 32);
        CHECK(rd_str2d(buf, n, &back) && (back == d || (d == 0 && back == 0)));
    }
    long double ld;
    if (rd_str2ld(s, size, &ld)) {
        char buf[5200];
        (void)rd_ld2str(buf, sizeof buf, ld);
    }
    /* glob: first part is the pattern, the rest the subject */
    size_t cut = size ? data[0] % (size + 1) : 0;
    if (size > 1)
        (void)rd_glob_match(s + 1, cut > 0 ? cut - 1 : 0, s + cut, size - cut, size & 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    resp_limits lim;
    pick_limits(data[0], &lim);
    uint32_t seed = (uint32_t)data[1] + 1;
    const uint8_t *stream = data + 2;
    size_t len = size - 2;

    bytebuf whole, chunked;
    bytebuf_init(&whole);
    bytebuf_init(&chunked);
    int whole_too_big = run(stream, len, &lim, 0, 0, &whole);
    int chunked_too_big = run(stream, len, &lim, seed, data[0] & 0x80, &chunked);
    (void)whole_too_big;
    if (chunked_too_big) {
        /* chunked delivery may refuse a long line that one piece would have accepted
         * (no terminator had arrived yet): everything before the error must match */
        const char *last = chunked.len >= 2 ? memrchr(chunked.data, '\n', chunked.len - 1) : NULL;
        size_t prefix = last ? (size_t)(last - chunked.data) + 1 : 0;
        CHECK(prefix <= whole.len && (prefix == 0 || memcmp(chunked.data, whole.data, prefix) == 0));
    } else {
        CHECK(whole.len == chunked.len && (whole.len == 0 || memcmp(whole.data, chunked.data, whole.len) == 0));
    }
    bytebuf_free(&whole);
    bytebuf_free(&chunked);

    fuzz_split_args(stream, len);
    fuzz_helpers(stream, len);
    return 0;
}
