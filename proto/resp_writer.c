/* resp_writer: encodes replies in RESP2 or RESP3 exactly as redis-server 7.2 does.
 *
 * Owns the byte-level form of every reply type and its RESP2 fallback (resp_writer.h,
 * protocol-reference.md 1.1). The writer appends to a bytebuf it does not own; a NULL
 * buffer discards everything, so followers can run command code without producing
 * replies. Error and status lines are kept single-line by turning CR/LF into spaces. */
#include "resp_writer.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "strutil.h"

void resp_writer_init(resp_writer *w, bytebuf *out, int proto)
{
    w->out = out;
    w->proto = proto;
}

static void put(resp_writer *w, const void *p, size_t n)
{
    if (w->out)
        bytebuf_append(w->out, p, n);
}

/* Formats "<type><n>\r\n" into buf (>= 24 bytes); returns its length. */
static size_t format_header(char *buf, char type, long long n)
{
    buf[0] = type;
    size_t len = 1 + rd_ll2str(buf + 1, n);
    buf[len++] = '\r';
    buf[len++] = '\n';
    return len;
}

static void put_header(resp_writer *w, char type, long long n)
{
    if (!w->out)
        return;
    char buf[32];
    put(w, buf, format_header(buf, type, n));
}

/* A one-line reply: type byte, s with CR/LF replaced by spaces, CRLF. */
static void put_line(resp_writer *w, char type, const char *s, size_t len)
{
    bytebuf *b = w->out;
    if (!b)
        return;
    bytebuf_reserve(b, len + 3);
    b->data[b->len++] = type;
    char *dst = b->data + b->len;
    for (size_t i = 0; i < len; i++)
        dst[i] = (s[i] == '\r' || s[i] == '\n') ? ' ' : s[i];
    b->len += len;
    b->data[b->len++] = '\r';
    b->data[b->len++] = '\n';
}

/* "$len\r\n<s>\r\n" (or another length-prefixed type). */
static void put_blob(resp_writer *w, char type, const char *s, size_t len)
{
    bytebuf *b = w->out;
    if (!b)
        return;
    char hdr[32];
    size_t hlen = format_header(hdr, type, (long long)len);
    bytebuf_reserve(b, hlen + len + 2);
    memcpy(b->data + b->len, hdr, hlen);
    b->len += hlen;
    if (len)
        memcpy(b->data + b->len, s, len);
    b->len += len;
    b->data[b->len++] = '\r';
    b->data[b->len++] = '\n';
}

void resp_write_simple(resp_writer *w, const char *s, size_t len)
{
    put_line(w, '+', s, len);
}

void resp_write_simple_cstr(resp_writer *w, const char *s)
{
    put_line(w, '+', s, strlen(s));
}

void resp_write_ok(resp_writer *w)
{
    put(w, "+OK\r\n", 5);
}

/* msg carries its own code ("ERR ...", "WRONGTYPE ..."); a caller-supplied leading '-'
 * is not doubled. */
static void put_error(resp_writer *w, const char *msg, size_t len)
{
    if (len && msg[0] == '-') {
        msg++;
        len--;
    }
    put_line(w, '-', msg, len);
}

void resp_write_error(resp_writer *w, const char *msg)
{
    put_error(w, msg, strlen(msg));
}

void resp_write_errorf(resp_writer *w, const char *fmt, ...)
{
    if (!w->out)
        return;
    bytebuf msg;
    bytebuf_init(&msg);
    va_list ap;
    va_start(ap, fmt);
    bytebuf_vappendf(&msg, fmt, ap);
    va_end(ap);
    put_error(w, msg.data ? msg.data : "", msg.len);
    bytebuf_free(&msg);
}

void resp_write_bulk(resp_writer *w, const char *s, size_t len)
{
    put_blob(w, '$', s, len);
}

void resp_write_bulk_cstr(resp_writer *w, const char *s)
{
    put_blob(w, '$', s, strlen(s));
}

void resp_write_bulk_ll(resp_writer *w, long long v)
{
    char digits[24];
    size_t n = rd_ll2str(digits, v);
    put_blob(w, '$', digits, n);
}

void resp_write_null(resp_writer *w)
{
    if (w->proto >= 3)
        put(w, "_\r\n", 3);
    else
        put(w, "$-1\r\n", 5);
}

void resp_write_null_array(resp_writer *w)
{
    if (w->proto >= 3)
        put(w, "_\r\n", 3);
    else
        put(w, "*-1\r\n", 5);
}

void resp_write_int(resp_writer *w, long long v)
{
    put_header(w, ':', v);
}

void resp_write_double(resp_writer *w, double v)
{
    if (!w->out)
        return;
    char repr[48];
    size_t n = rd_d2str(repr, sizeof repr, v);
    if (w->proto >= 3)
        put_line(w, ',', repr, n);
    else
        put_blob(w, '$', repr, n);
}

void resp_write_bool(resp_writer *w, int v)
{
    if (w->proto >= 3)
        put(w, v ? "#t\r\n" : "#f\r\n", 4);
    else
        put(w, v ? ":1\r\n" : ":0\r\n", 4);
}

void resp_write_bignum(resp_writer *w, const char *digits, size_t len)
{
    if (w->proto >= 3)
        put_line(w, '(', digits, len);
    else
        put_blob(w, '$', digits, len);
}

void resp_write_verbatim(resp_writer *w, const char *fmt, const char *s, size_t len)
{
    bytebuf *b = w->out;
    if (!b)
        return;
    if (w->proto < 3) {
        put_blob(w, '$', s, len);
        return;
    }
    /* "=<len+4>\r\nfmt:<s>\r\n"; the format is exactly three bytes. */
    char prefix[4] = {' ', ' ', ' ', ':'};
    for (size_t i = 0; i < 3 && fmt[i]; i++)
        prefix[i] = fmt[i];
    char hdr[32];
    size_t hlen = format_header(hdr, '=', (long long)(len + 4));
    bytebuf_reserve(b, hlen + 4 + len + 2);
    memcpy(b->data + b->len, hdr, hlen);
    b->len += hlen;
    memcpy(b->data + b->len, prefix, 4);
    b->len += 4;
    if (len)
        memcpy(b->data + b->len, s, len);
    b->len += len;
    b->data[b->len++] = '\r';
    b->data[b->len++] = '\n';
}

void resp_write_array_len(resp_writer *w, long long n)
{
    put_header(w, '*', n);
}

void resp_write_map_len(resp_writer *w, long long pairs)
{
    if (w->proto >= 3)
        put_header(w, '%', pairs);
    else
        put_header(w, '*', pairs * 2);
}

void resp_write_set_len(resp_writer *w, long long n)
{
    put_header(w, w->proto >= 3 ? '~' : '*', n);
}

void resp_write_push_len(resp_writer *w, long long n)
{
    put_header(w, w->proto >= 3 ? '>' : '*', n);
}

int resp_write_attr_len(resp_writer *w, long long pairs)
{
    if (w->proto < 3)
        return 0;
    put_header(w, '|', pairs);
    return 1;
}

void resp_write_bulk_error(resp_writer *w, const char *msg, size_t len)
{
    if (w->proto >= 3)
        put_blob(w, '!', msg, len);
    else
        put_error(w, msg, len);
}

void resp_write_raw(resp_writer *w, const char *p, size_t len)
{
    put(w, p, len);
}

size_t resp_write_deferred_len(resp_writer *w)
{
    return w->out ? w->out->len : 0;
}

static void set_deferred(resp_writer *w, size_t handle, char type, long long n)
{
    if (!w->out)
        return;
    char hdr[32];
    size_t hlen = format_header(hdr, type, n);
    bytebuf_insert(w->out, handle, hdr, hlen);
}

void resp_set_deferred_array_len(resp_writer *w, size_t handle, long long n)
{
    set_deferred(w, handle, '*', n);
}

void resp_set_deferred_map_len(resp_writer *w, size_t handle, long long pairs)
{
    if (w->proto >= 3)
        set_deferred(w, handle, '%', pairs);
    else
        set_deferred(w, handle, '*', pairs * 2);
}

void resp_set_deferred_set_len(resp_writer *w, size_t handle, long long n)
{
    set_deferred(w, handle, w->proto >= 3 ? '~' : '*', n);
}
