/* resp_reply: incremental RESP2/RESP3 reply parser (see resp_reply.h for the contract).
 *
 * Owns the reader's input buffer, the explicit stack of aggregates being filled and
 * the attribute waiting for its value. Parsing works one "item" at a time (a header
 * line plus, for $ = !, its payload); an item is consumed only once it is complete,
 * so input may be split at any byte. Partially filled aggregates stay on the stack
 * between calls; their bytes are already consumed. No recursion anywhere, so nesting
 * depth costs heap (bounded by max_depth), never C stack. */
#include "resp_reply.h"

#include <math.h>
#include <string.h>

#include "bytebuf.h"
#include "mem.h"
#include "strutil.h"

typedef struct frame {
    resp_reply *node;   /* owned by the frame until attached to its parent */
    size_t need;        /* entries expected in node->element */
    size_t cap;         /* allocated entries of node->element */
    int is_attr;        /* an attribute map: attaches to the next value, not the parent */
} frame;

struct resp_reply_reader {
    resp_reply_limits lim;
    bytebuf buf;              /* owned input; [pos, len) not yet consumed */
    size_t pos;
    size_t line_scan;         /* CR search resumes here (absolute offset), 0 = from pos */
    frame *stack;             /* owned */
    int depth;
    int stack_cap;
    resp_reply *pending_attr; /* owned: complete attribute awaiting its value */
    long long nodes;          /* nodes created for the reply in progress */
    const char *err;          /* sticky protocol error */
};

void resp_reply_limits_default(resp_reply_limits *l)
{
    l->max_depth = 64;
    l->max_bulk_len = 512LL * 1024 * 1024;
    l->max_elements = 1LL << 24;
    l->max_line_len = 64 * 1024;
}

void resp_reply_free(resp_reply *r)
{
    /* Iterative: a deep tree must not recurse. Children are pushed on an explicit
     * work list (reusing nothing from the reply itself). */
    if (!r)
        return;
    resp_reply **work = NULL;
    size_t n = 0, cap = 0;
    resp_reply *cur = r;
    for (;;) {
        if (cur) {
            size_t extra = cur->elements + (cur->attr ? 1 : 0);
            if (n + extra > cap) {
                size_t ncap = cap ? cap * 2 : 16;
                while (ncap < n + extra)
                    ncap *= 2;
                work = rd_realloc(work, ncap * sizeof(*work));
                cap = ncap;
            }
            for (size_t i = 0; i < cur->elements; i++)
                if (cur->element[i])
                    work[n++] = cur->element[i];
            if (cur->attr)
                work[n++] = cur->attr;
            rd_free(cur->element);
            rd_free(cur->str);
            rd_free(cur);
        }
        if (n == 0)
            break;
        cur = work[--n];
    }
    rd_free(work);
}

int resp_reply_is_error(const resp_reply *r)
{
    return r && (r->type == RESP_REPLY_ERROR || r->type == RESP_REPLY_BULK_ERROR);
}

resp_reply_reader *resp_reply_reader_new(const resp_reply_limits *lim)
{
    resp_reply_reader *rd = rd_calloc(1, sizeof(*rd));
    if (lim)
        rd->lim = *lim;
    else
        resp_reply_limits_default(&rd->lim);
    if (rd->lim.max_depth < 1)
        rd->lim.max_depth = 1;
    bytebuf_init(&rd->buf);
    return rd;
}

static void drop_partial(resp_reply_reader *rd)
{
    for (int i = 0; i < rd->depth; i++)
        resp_reply_free(rd->stack[i].node);
    rd->depth = 0;
    resp_reply_free(rd->pending_attr);
    rd->pending_attr = NULL;
    rd->nodes = 0;
}

void resp_reply_reader_free(resp_reply_reader *rd)
{
    if (!rd)
        return;
    drop_partial(rd);
    rd_free(rd->stack);
    bytebuf_free(&rd->buf);
    rd_free(rd);
}

/* Drops the consumed prefix when it is at least as large as what is left, so each
 * byte is moved O(1) times on average (a big bulk arriving slowly is never re-copied
 * on every read). */
static void compact(resp_reply_reader *rd)
{
    size_t left = rd->buf.len - rd->pos;
    if (rd->pos == 0 || rd->pos < left)
        return;
    bytebuf_consume(&rd->buf, rd->pos);
    if (rd->line_scan)
        rd->line_scan -= rd->pos;
    rd->pos = 0;
}

void resp_reply_reader_feed(resp_reply_reader *rd, const void *p, size_t n)
{
    if (n == 0 || rd->err) /* a dead reader keeps nothing */
        return;
    compact(rd);
    bytebuf_append(&rd->buf, p, n);
}

char *resp_reply_reader_space(resp_reply_reader *rd, size_t want, size_t *avail)
{
    compact(rd);
    if (want == 0)
        want = 1;
    bytebuf_reserve(&rd->buf, want);
    *avail = rd->buf.cap - rd->buf.len;
    return rd->buf.data + rd->buf.len;
}

void resp_reply_reader_commit(resp_reply_reader *rd, size_t n)
{
    /* n <= the *avail returned by resp_reply_reader_space */
    if (n > rd->buf.cap - rd->buf.len)
        n = rd->buf.cap - rd->buf.len;
    rd->buf.len += n;
}

int resp_reply_reader_idle(const resp_reply_reader *rd)
{
    return rd->buf.len == rd->pos && rd->depth == 0 && rd->pending_attr == NULL;
}

/* ---- item parsing ------------------------------------------------------------------ */

static int fail(resp_reply_reader *rd, const char *msg)
{
    rd->err = msg;
    drop_partial(rd);
    return RESP_REPLY_ERR;
}

/* Finds the CRLF ending the line that starts at rd->pos + 1. Returns 1 and sets *eol
 * (offset of the CR), 0 if incomplete, -1 on error (rd->err set). */
static int find_eol(resp_reply_reader *rd, size_t *eol)
{
    const char *d = rd->buf.data;
    size_t start = rd->pos + 1;
    size_t from = rd->line_scan > start ? rd->line_scan : start;
    size_t limit = start + rd->lim.max_line_len; /* CR must be at or before this */
    size_t end = rd->buf.len;
    for (size_t i = from; i < end; i++) {
        if (d[i] == '\r') {
            if (i + 1 >= end) {
                rd->line_scan = i;
                return 0;
            }
            if (d[i + 1] != '\n') {
                fail(rd, "Protocol error: CR not followed by LF");
                return -1;
            }
            *eol = i;
            return 1;
        }
        if (i >= limit) {
            fail(rd, "Protocol error: line too long");
            return -1;
        }
    }
    if (end > limit) {
        fail(rd, "Protocol error: line too long");
        return -1;
    }
    rd->line_scan = end;
    return 0;
}

static resp_reply *new_node(resp_reply_reader *rd, resp_reply_type t)
{
    resp_reply *r = rd_calloc(1, sizeof(*r));
    r->type = t;
    r->attr = rd->pending_attr; /* an attribute applies to the value that follows it */
    rd->pending_attr = NULL;
    rd->nodes++;
    return r;
}

static void set_str(resp_reply *r, const char *p, size_t n)
{
    r->str = rd_malloc(n + 1);
    if (n)
        memcpy(r->str, p, n);
    r->str[n] = '\0';
    r->len = n;
}

static int valid_bignum(const char *p, size_t n)
{
    size_t i = 0;
    if (n > 0 && (p[0] == '-' || p[0] == '+'))
        i = 1;
    if (i == n)
        return 0;
    for (; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return 0;
    return 1;
}

static int parse_double(const char *p, size_t n, double *out)
{
    if (rd_strcaseeq(p, n, "nan") || rd_strcaseeq(p, n, "-nan")) {
        *out = NAN;
        return 1;
    }
    return rd_str2d(p, n, out);
}

/* Parses one item at rd->pos. Returns 1 with *done = a complete scalar value or an
 * empty aggregate, 1 with *done = NULL when an aggregate frame was pushed, 0 when
 * incomplete, -1 on error. */
static int parse_item(resp_reply_reader *rd, resp_reply **done)
{
    *done = NULL;
    if (rd->pos >= rd->buf.len)
        return 0;
    size_t eol;
    int rc = find_eol(rd, &eol);
    if (rc <= 0)
        return rc;
    const char *d = rd->buf.data;
    char t = d[rd->pos];
    const char *line = d + rd->pos + 1;
    size_t llen = eol - (rd->pos + 1);
    size_t next = eol + 2; /* where the following item starts (lines only) */
    resp_reply *r = NULL;

    if (rd->nodes >= rd->lim.max_elements)
        return fail(rd, "Protocol error: too many elements in reply");

    switch (t) {
    case '+':
    case '-':
        r = new_node(rd, t == '+' ? RESP_REPLY_STRING : RESP_REPLY_ERROR);
        set_str(r, line, llen);
        break;
    case ':': {
        long long v;
        if (!rd_str2ll(line, llen, &v))
            return fail(rd, "Protocol error: bad integer");
        r = new_node(rd, RESP_REPLY_INTEGER);
        r->integer = v;
        break;
    }
    case '_':
        if (llen != 0)
            return fail(rd, "Protocol error: bad null");
        r = new_node(rd, RESP_REPLY_NULL);
        break;
    case '#':
        if (llen != 1 || (line[0] != 't' && line[0] != 'f'))
            return fail(rd, "Protocol error: bad boolean");
        r = new_node(rd, RESP_REPLY_BOOL);
        r->integer = line[0] == 't';
        break;
    case ',': {
        double v;
        if (!parse_double(line, llen, &v))
            return fail(rd, "Protocol error: bad double");
        r = new_node(rd, RESP_REPLY_DOUBLE);
        r->dval = v;
        set_str(r, line, llen);
        break;
    }
    case '(':
        if (!valid_bignum(line, llen))
            return fail(rd, "Protocol error: bad big number");
        r = new_node(rd, RESP_REPLY_BIGNUM);
        set_str(r, line, llen);
        break;
    case '$':
    case '=':
    case '!': {
        long long n;
        if (llen == 1 && line[0] == '?')
            return fail(rd, "Protocol error: streamed strings are not supported");
        if (!rd_str2ll(line, llen, &n) || n < -1 || (n == -1 && t != '$'))
            return fail(rd, "Protocol error: bad bulk length");
        if (n == -1) {
            r = new_node(rd, RESP_REPLY_NULL);
            break;
        }
        if (n > rd->lim.max_bulk_len)
            return fail(rd, "Protocol error: bulk length over the limit");
        size_t total = next + (size_t)n + 2;
        if (rd->buf.len < total) {
            /* Grow geometrically towards the payload size: linear total copying for
             * a big bulk, and a header alone does not make us allocate its length. */
            size_t missing = total - rd->buf.len;
            size_t step = rd->buf.len > 65536 ? rd->buf.len : 65536;
            bytebuf_reserve(&rd->buf, missing < step ? missing : step);
            rd->line_scan = eol; /* the header is known good; rescanning it is cheap */
            return 0;
        }
        if (d[total - 2] != '\r' || d[total - 1] != '\n')
            return fail(rd, "Protocol error: bulk not terminated by CRLF");
        const char *payload = d + next;
        if (t == '$') {
            r = new_node(rd, RESP_REPLY_BULK);
            set_str(r, payload, (size_t)n);
        } else if (t == '!') {
            r = new_node(rd, RESP_REPLY_BULK_ERROR);
            set_str(r, payload, (size_t)n);
        } else {
            if (n < 4 || payload[3] != ':')
                return fail(rd, "Protocol error: bad verbatim string");
            r = new_node(rd, RESP_REPLY_VERBATIM);
            memcpy(r->vformat, payload, 3);
            r->vformat[3] = '\0';
            set_str(r, payload + 4, (size_t)n - 4);
        }
        next = total;
        break;
    }
    case '*':
    case '%':
    case '~':
    case '>':
    case '|': {
        long long n;
        if (llen == 1 && line[0] == '?')
            return fail(rd, "Protocol error: streamed aggregates are not supported");
        if (!rd_str2ll(line, llen, &n) || n < -1 || (n == -1 && t != '*'))
            return fail(rd, "Protocol error: bad aggregate length");
        if (n == -1) {
            r = new_node(rd, RESP_REPLY_NULL);
            break;
        }
        long long entries = (t == '%' || t == '|') ? n * 2 : n;
        if (n > rd->lim.max_elements || entries > rd->lim.max_elements - rd->nodes)
            return fail(rd, "Protocol error: too many elements in reply");
        resp_reply_type rt = t == '*' ? RESP_REPLY_ARRAY
                           : t == '%' ? RESP_REPLY_MAP
                           : t == '~' ? RESP_REPLY_SET
                           : t == '>' ? RESP_REPLY_PUSH
                                      : RESP_REPLY_MAP;
        if (entries == 0 && t != '|') {
            r = new_node(rd, rt);
            break;
        }
        if (rd->depth >= rd->lim.max_depth)
            return fail(rd, "Protocol error: reply nested too deeply");
        r = new_node(rd, rt);
        if (rd->depth == rd->stack_cap) {
            rd->stack_cap = rd->stack_cap ? rd->stack_cap * 2 : 8;
            rd->stack = rd_realloc(rd->stack, (size_t)rd->stack_cap * sizeof(*rd->stack));
        }
        frame *f = &rd->stack[rd->depth++];
        f->node = r;
        f->need = (size_t)entries;
        f->cap = 0;
        f->is_attr = t == '|';
        rd->pos = next;
        rd->line_scan = 0;
        if (entries == 0) { /* empty attribute "|0": applies to nothing, drop it */
            rd->depth--;
            resp_reply_free(r);
        }
        return 1;
    }
    default:
        return fail(rd, "Protocol error: unknown reply type byte");
    }
    rd->pos = next;
    rd->line_scan = 0;
    *done = r;
    return 1;
}

static void frame_add(frame *f, resp_reply *child)
{
    resp_reply *n = f->node;
    if (n->elements == f->cap) {
        size_t ncap = f->cap ? f->cap * 2 : 4;
        if (ncap > f->need)
            ncap = f->need;
        n->element = rd_realloc(n->element, ncap * sizeof(*n->element));
        f->cap = ncap;
    }
    n->element[n->elements++] = child;
}

int resp_reply_reader_next(resp_reply_reader *rd, resp_reply **out, const char **err)
{
    *out = NULL;
    if (rd->err) {
        if (err)
            *err = rd->err;
        return RESP_REPLY_ERR;
    }
    for (;;) {
        resp_reply *v;
        int rc = parse_item(rd, &v);
        if (rc < 0) {
            if (err)
                *err = rd->err;
            return RESP_REPLY_ERR;
        }
        if (rc == 0)
            return RESP_REPLY_INCOMPLETE;
        /* Attach completed values upwards, closing every aggregate they complete. */
        while (v) {
            if (rd->depth == 0) {
                rd->nodes = 0;
                *out = v;
                return RESP_REPLY_OK;
            }
            frame *f = &rd->stack[rd->depth - 1];
            frame_add(f, v);
            if (f->node->elements < f->need)
                break;
            resp_reply *agg = f->node;
            int is_attr = f->is_attr;
            rd->depth--;
            if (is_attr) {
                /* Two attributes in a row: the later one wins (keep it simple,
                 * nothing in Redis sends that). */
                resp_reply_free(rd->pending_attr);
                rd->pending_attr = agg;
                v = NULL;
            } else {
                v = agg;
            }
        }
    }
}
