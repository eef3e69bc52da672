/* bytebuf: see bytebuf.h. Growth doubles up to 1 MiB, then grows by 1 MiB steps plus
 * the request, like Redis's sds greedy preallocation. */
#include "bytebuf.h"

#include <stdio.h>
#include <string.h>

#include "mem.h"
#include "strutil.h"

void bytebuf_init(bytebuf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void bytebuf_free(bytebuf *b)
{
    rd_free(b->data);
    bytebuf_init(b);
}

void bytebuf_clear(bytebuf *b)
{
    b->len = 0;
}

void bytebuf_reserve(bytebuf *b, size_t extra)
{
    if (b->cap - b->len >= extra)
        return;
    size_t need = b->len + extra;
    size_t cap = need < 1024 * 1024 ? need * 2 : need + 1024 * 1024;
    if (cap < 64)
        cap = 64;
    b->data = rd_realloc(b->data, cap);
    b->cap = rd_alloc_size(b->data);
}

void bytebuf_append(bytebuf *b, const void *p, size_t n)
{
    if (n == 0)
        return;
    bytebuf_reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void bytebuf_append_char(bytebuf *b, char c)
{
    bytebuf_reserve(b, 1);
    b->data[b->len++] = c;
}

void bytebuf_append_str(bytebuf *b, const char *s)
{
    bytebuf_append(b, s, strlen(s));
}

void bytebuf_append_ll(bytebuf *b, long long v)
{
    bytebuf_reserve(b, 21);
    b->len += rd_ll2str(b->data + b->len, v);
}

void bytebuf_vappendf(bytebuf *b, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, cp);
    va_end(cp);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        bytebuf_append(b, small, (size_t)n);
        return;
    }
    bytebuf_reserve(b, (size_t)n + 1);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void bytebuf_appendf(bytebuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bytebuf_vappendf(b, fmt, ap);
    va_end(ap);
}

void bytebuf_append_repr(bytebuf *b, const char *p, size_t n)
{
    bytebuf_append_char(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        switch (ch) {
        case '\\': bytebuf_append_str(b, "\\\\"); break;
        case '"': bytebuf_append_str(b, "\\\""); break;
        case '\n': bytebuf_append_str(b, "\\n"); break;
        case '\r': bytebuf_append_str(b, "\\r"); break;
        case '\t': bytebuf_append_str(b, "\\t"); break;
        case '\a': bytebuf_append_str(b, "\\a"); break;
        case '\b': bytebuf_append_str(b, "\\b"); break;
        default:
            if (ch >= 32 && ch < 127)
                bytebuf_append_char(b, (char)ch);
            else
                bytebuf_appendf(b, "\\x%02x", ch);
        }
    }
    bytebuf_append_char(b, '"');
}

void bytebuf_consume(bytebuf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

void bytebuf_insert(bytebuf *b, size_t off, const void *p, size_t n)
{
    if (n == 0)
        return;
    bytebuf_reserve(b, n);
    memmove(b->data + off + n, b->data + off, b->len - off);
    memcpy(b->data + off, p, n);
    b->len += n;
}

void bytebuf_shrink(bytebuf *b)
{
    if (b->len == 0) {
        bytebuf_free(b);
        return;
    }
    if (b->cap > 4096 && b->len < b->cap / 2) {
        b->data = rd_realloc(b->data, b->len);
        b->cap = rd_alloc_size(b->data);
    }
}

char *bytebuf_detach(bytebuf *b, size_t *len)
{
    char *p = b->data;
    if (len)
        *len = b->len;
    bytebuf_init(b);
    return p;
}
