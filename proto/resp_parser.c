/* resp_parser: incremental request parser (multibulk and inline), redis-server style.
 *
 * Owns the reading of client requests out of a query buffer the caller owns (see
 * resp_parser.h). It mirrors Redis 7's processMultibulkBuffer / processInlineBuffer,
 * including their quirks, so clients see the same errors at the same moments:
 *  - a header line ("*N", "$N") ends at the first '\r' and needs one more byte after
 *    it, which is skipped unchecked; the two bytes after a bulk are skipped unchecked;
 *  - a NUL before a line's terminator hides the terminator (Redis searches with
 *    strchr), so such a line only ends in a "too big ..." error;
 *  - "*0", "*-1" (any count <= 0) and blank inline lines are empty requests;
 *  - "too big" errors fire only while no terminator has arrived and more than
 *    max_inline_len bytes are pending.
 * All state is kept as offsets, so the caller may realloc the buffer between calls,
 * and progress is never re-scanned: a huge bulk costs O(1) per call until complete. */
#include "resp_parser.h"

#include <limits.h>
#include <string.h>

#include "mem.h"
#include "strutil.h"

#define DEFAULT_MAX_BULK_LEN (512LL * 1024 * 1024)
#define DEFAULT_MAX_MULTIBULK_LEN ((long long)INT_MAX)
#define INLINE_MAX_SIZE ((size_t)64 * 1024)
#define UNAUTH_MAX_MULTIBULK_LEN 10
#define UNAUTH_MAX_BULK_LEN 16384
/* Redis PROTO_MBULK_BIG_ARG: bulks this large are worth sizing the read buffer for. */
#define BIG_ARG_LEN (32 * 1024)

enum { KIND_NONE = 0, KIND_MULTIBULK = 1, KIND_INLINE = 2 };

void resp_limits_default(resp_limits *l)
{
    l->max_bulk_len = DEFAULT_MAX_BULK_LEN;
    l->max_multibulk_len = DEFAULT_MAX_MULTIBULK_LEN;
    l->max_inline_len = INLINE_MAX_SIZE;
    l->unauthenticated = 0;
}

void resp_limits_unauthenticated(resp_limits *l)
{
    l->max_bulk_len = UNAUTH_MAX_BULK_LEN;
    l->max_multibulk_len = UNAUTH_MAX_MULTIBULK_LEN;
    l->max_inline_len = INLINE_MAX_SIZE;
    l->unauthenticated = 1;
}

static void reset_request(resp_parser *p)
{
    p->kind = KIND_NONE;
    p->multibulk_left = -1;
    p->bulk_len = -1;
    p->scan = 0;
    p->line_scan = 0;
    p->wanted = 0;
    p->argc = 0;
}

void resp_parser_init(resp_parser *p)
{
    memset(p, 0, sizeof *p);
    bytebuf_init(&p->scratch);
    reset_request(p);
}

void resp_parser_free(resp_parser *p)
{
    rd_free(p->argv);
    rd_free(p->arg_off);
    rd_free(p->arg_len);
    bytebuf_free(&p->scratch);
    memset(p, 0, sizeof *p);
    reset_request(p);
}

void resp_parser_shift(resp_parser *p, size_t n)
{
    if (p->kind == KIND_NONE)
        return;
    p->scan -= n;
    p->line_scan -= n;
    if (p->kind == KIND_MULTIBULK)
        for (int i = 0; i < p->argc; i++)
            p->arg_off[i] -= n;
}

size_t resp_parser_bytes_wanted(const resp_parser *p)
{
    return p->wanted;
}

/* Makes room for at least `need` collected arguments. */
static void ensure_arg_cap(resp_parser *p, long long need)
{
    if (need <= p->arg_cap)
        return;
    long long cap = p->arg_cap ? p->arg_cap : 8;
    while (cap < need)
        cap *= 2;
    if (cap > INT_MAX)
        cap = INT_MAX;
    p->arg_off = rd_realloc(p->arg_off, (size_t)cap * sizeof *p->arg_off);
    p->arg_len = rd_realloc(p->arg_len, (size_t)cap * sizeof *p->arg_len);
    p->argv = rd_realloc(p->argv, (size_t)cap * sizeof *p->argv);
    p->arg_cap = (int)cap;
}

/* Line search with strchr semantics: looks for `term` in buf[p->line_scan .. len),
 * stopping at a NUL. Returns 1 and sets *at when found; returns 0 otherwise, leaving
 * p->line_scan where the next call resumes (at the NUL, if one blocks the line). */
static int find_terminator(resp_parser *p, const char *buf, size_t len, char term, size_t *at)
{
    size_t from = p->line_scan;
    if (from >= len)
        return 0;
    const char *hit = memchr(buf + from, term, len - from);
    size_t stop = hit ? (size_t)(hit - buf) : len;
    const char *nul = memchr(buf + from, '\0', stop - from);
    if (nul) {
        p->line_scan = (size_t)(nul - buf);
        return 0;
    }
    if (!hit) {
        p->line_scan = len;
        return 0;
    }
    p->line_scan = stop;
    *at = stop;
    return 1;
}

static int fail(resp_parser *p, const char **err, const char *msg)
{
    reset_request(p);
    *err = msg;
    return RESP_PARSE_ERROR;
}

/* ---- multibulk ------------------------------------------------------------------ */

static int parse_multibulk(resp_parser *p, const char *buf, size_t len, size_t *pos,
                           const resp_limits *lim, const char **err)
{
    size_t cr;
    long long ll;

    if (p->multibulk_left < 0) { /* the "*N" line */
        size_t start = *pos;
        if (!find_terminator(p, buf, len, '\r', &cr)) {
            if (len - start > lim->max_inline_len)
                return fail(p, err, "ERR Protocol error: too big mbulk count string");
            return RESP_PARSE_INCOMPLETE;
        }
        if (cr + 1 >= len)
            return RESP_PARSE_INCOMPLETE;
        int ok = rd_str2ll(buf + start + 1, cr - (start + 1), &ll);
        if (!ok || ll > DEFAULT_MAX_MULTIBULK_LEN)
            return fail(p, err, "ERR Protocol error: invalid multibulk length");
        if (ll > lim->max_multibulk_len)
            return fail(p, err, lim->unauthenticated
                                    ? "ERR Protocol error: unauthenticated multibulk length"
                                    : "ERR Protocol error: invalid multibulk length");
        if (ll <= 0) {
            *pos = cr + 2;
            reset_request(p);
            return RESP_PARSE_EMPTY;
        }
        p->multibulk_left = ll;
        p->bulk_len = -1;
        p->argc = 0;
        p->scan = cr + 2;
        p->line_scan = p->scan;
    }

    while (p->multibulk_left > 0) {
        if (p->bulk_len < 0) { /* the "$N" line */
            if (!find_terminator(p, buf, len, '\r', &cr)) {
                if (len - p->scan > lim->max_inline_len)
                    return fail(p, err, "ERR Protocol error: too big bulk count string");
                return RESP_PARSE_INCOMPLETE;
            }
            if (cr + 1 >= len)
                return RESP_PARSE_INCOMPLETE;
            if (buf[p->scan] != '$') {
                char got = buf[p->scan];
                bytebuf_clear(&p->scratch);
                bytebuf_appendf(&p->scratch, "ERR Protocol error: expected '$', got '%c'", got);
                bytebuf_append_char(&p->scratch, '\0');
                return fail(p, err, p->scratch.data);
            }
            int ok = rd_str2ll(buf + p->scan + 1, cr - (p->scan + 1), &ll);
            if (!ok || ll < 0)
                return fail(p, err, "ERR Protocol error: invalid bulk length");
            if (ll > lim->max_bulk_len) {
                int unauth = lim->unauthenticated && ll <= DEFAULT_MAX_BULK_LEN;
                return fail(p, err, unauth ? "ERR Protocol error: unauthenticated bulk length"
                                           : "ERR Protocol error: invalid bulk length");
            }
            p->bulk_len = ll;
            p->scan = cr + 2;
        }
        /* The bulk and its two trailing bytes. */
        size_t need = (size_t)p->bulk_len + 2;
        if (len - p->scan < need) {
            p->wanted = p->bulk_len >= BIG_ARG_LEN ? need - (len - p->scan) : 0;
            return RESP_PARSE_INCOMPLETE;
        }
        ensure_arg_cap(p, (long long)p->argc + 1);
        p->arg_off[p->argc] = p->scan;
        p->arg_len[p->argc] = (size_t)p->bulk_len;
        p->argc++;
        p->scan += need;
        p->line_scan = p->scan;
        p->bulk_len = -1;
        p->multibulk_left--;
        p->wanted = 0;
    }

    for (int i = 0; i < p->argc; i++) {
        p->argv[i].ptr = buf + p->arg_off[i];
        p->argv[i].len = p->arg_len[i];
    }
    int argc = p->argc;
    *pos = p->scan;
    reset_request(p);
    p->argc = argc;
    return RESP_PARSE_OK;
}

/* ---- inline ------------------------------------------------------------------------- */

/* isspace() in the C locale: what sdssplitargs skips between arguments. */
static int is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* What ends an unquoted argument in sdssplitargs (note: not \v or \f). */
static int ends_token(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Splits a line without quotes in place: arguments point into the line itself. */
static int split_unquoted(resp_parser *p, const char *line, size_t len)
{
    size_t i = 0;
    int argc = 0;
    for (;;) {
        while (i < len && is_blank((unsigned char)line[i]))
            i++;
        if (i >= len)
            break;
        size_t start = i;
        while (i < len && !ends_token((unsigned char)line[i]))
            i++;
        ensure_arg_cap(p, (long long)argc + 1);
        p->argv[argc].ptr = line + start;
        p->argv[argc].len = i - start;
        argc++;
        if (i < len)
            i++; /* the separator */
    }
    return argc;
}

static int parse_inline(resp_parser *p, const char *buf, size_t len, size_t *pos,
                        const resp_limits *lim, const char **err)
{
    size_t start = *pos, nl;
    if (!find_terminator(p, buf, len, '\n', &nl)) {
        if (len - start > lim->max_inline_len)
            return fail(p, err, "ERR Protocol error: too big inline request");
        return RESP_PARSE_INCOMPLETE;
    }
    size_t line_end = nl;
    if (line_end > start && buf[line_end - 1] == '\r')
        line_end--;
    const char *line = buf + start;
    size_t line_len = line_end - start;

    int argc;
    if (!memchr(line, '"', line_len) && !memchr(line, '\'', line_len)) {
        argc = split_unquoted(p, line, line_len);
    } else {
        rd_arg *args = resp_split_args(line, line_len, &p->scratch, &argc);
        if (argc < 0)
            return fail(p, err, "ERR Protocol error: unbalanced quotes in request");
        ensure_arg_cap(p, argc);
        if (argc > 0)
            memcpy(p->argv, args, (size_t)argc * sizeof *args);
        rd_free(args);
    }
    *pos = nl + 1;
    reset_request(p);
    if (argc == 0)
        return RESP_PARSE_EMPTY;
    p->argc = argc;
    return RESP_PARSE_OK;
}

int resp_parse_request(resp_parser *p, const char *buf, size_t len, size_t *pos,
                       const resp_limits *lim, const char **err)
{
    resp_limits defaults;
    const char *unused_err;
    if (!lim) {
        resp_limits_default(&defaults);
        lim = &defaults;
    }
    if (!err)
        err = &unused_err;

    if (p->kind == KIND_NONE) {
        p->argc = 0;
        if (*pos >= len)
            return RESP_PARSE_INCOMPLETE;
        p->kind = buf[*pos] == '*' ? KIND_MULTIBULK : KIND_INLINE;
        p->multibulk_left = -1;
        p->bulk_len = -1;
        p->scan = *pos;
        p->line_scan = *pos;
        p->wanted = 0;
    }
    if (p->kind == KIND_MULTIBULK)
        return parse_multibulk(p, buf, len, pos, lim, err);
    return parse_inline(p, buf, len, pos, lim, err);
}

/* ---- sdssplitargs ---------------------------------------------------------------------- */

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

rd_arg *resp_split_args(const char *line, size_t len, bytebuf *out, int *argc)
{
    /* Redis splits a C string: a NUL byte ends the line. */
    const char *nul = memchr(line, '\0', len);
    if (nul)
        len = (size_t)(nul - line);
#define AT(i) ((i) < len ? (unsigned char)line[i] : 0)

    bytebuf_clear(out);
    size_t *bounds = NULL; /* start/end offsets in out, two per argument */
    size_t nargs = 0, cap = 0;
    size_t i = 0;

    for (;;) {
        while (i < len && is_blank((unsigned char)line[i]))
            i++;
        if (i >= len)
            break;
        int in_dq = 0, in_sq = 0, done = 0;
        size_t arg_start = out->len;
        while (!done) {
            int c = AT(i);
            if (in_dq) {
                if (c == '\\' && AT(i + 1) == 'x' && hex_value(AT(i + 2)) >= 0 &&
                    hex_value(AT(i + 3)) >= 0) {
                    bytebuf_append_char(out, (char)(hex_value(AT(i + 2)) * 16 + hex_value(AT(i + 3))));
                    i += 3;
                } else if (c == '\\' && AT(i + 1)) {
                    i++;
                    char e;
                    switch (AT(i)) {
                    case 'n': e = '\n'; break;
                    case 'r': e = '\r'; break;
                    case 't': e = '\t'; break;
                    case 'b': e = '\b'; break;
                    case 'a': e = '\a'; break;
                    default: e = (char)AT(i); break;
                    }
                    bytebuf_append_char(out, e);
                } else if (c == '"') {
                    /* a closing quote must be followed by a space or the end */
                    if (AT(i + 1) && !is_blank(AT(i + 1)))
                        goto unbalanced;
                    done = 1;
                } else if (c == 0) {
                    goto unbalanced;
                } else {
                    bytebuf_append_char(out, (char)c);
                }
            } else if (in_sq) {
                if (c == '\\' && AT(i + 1) == '\'') {
                    i++;
                    bytebuf_append_char(out, '\'');
                } else if (c == '\'') {
                    if (AT(i + 1) && !is_blank(AT(i + 1)))
                        goto unbalanced;
                    done = 1;
                } else if (c == 0) {
                    goto unbalanced;
                } else {
                    bytebuf_append_char(out, (char)c);
                }
            } else {
                switch (c) {
                case ' ':
                case '\n':
                case '\r':
                case '\t':
                case 0:
                    done = 1;
                    break;
                case '"':
                    in_dq = 1;
                    break;
                case '\'':
                    in_sq = 1;
                    break;
                default:
                    bytebuf_append_char(out, (char)c);
                    break;
                }
            }
            if (i < len)
                i++;
        }
        if (nargs == cap) {
            cap = cap ? cap * 2 : 8;
            bounds = rd_realloc(bounds, cap * 2 * sizeof *bounds);
        }
        bounds[2 * nargs] = arg_start;
        bounds[2 * nargs + 1] = out->len;
        nargs++;
    }
#undef AT

    if (nargs == 0) {
        rd_free(bounds);
        *argc = 0;
        return NULL;
    }
    rd_arg *argv = rd_malloc(nargs * sizeof *argv);
    const char *base = out->data ? out->data : "";
    for (size_t k = 0; k < nargs; k++) {
        argv[k].ptr = base + bounds[2 * k];
        argv[k].len = bounds[2 * k + 1] - bounds[2 * k];
    }
    rd_free(bounds);
    *argc = (int)nargs;
    return argv;

unbalanced:
    rd_free(bounds);
    bytebuf_clear(out);
    *argc = -1;
    return NULL;
}
