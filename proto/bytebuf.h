/* bytebuf: a growable byte buffer with explicit ownership.
 *
 * The one buffer type of redraft: query buffers, output buffers, log entries and
 * strings under construction all use it. The struct owns `data` (allocated with
 * rd_malloc); `len` bytes are valid; `cap` is the allocation size. An empty buffer may
 * have data == NULL. */
#ifndef REDRAFT_BYTEBUF_H
#define REDRAFT_BYTEBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct bytebuf {
    char *data;
    size_t len;
    size_t cap;
} bytebuf;

void bytebuf_init(bytebuf *b);
void bytebuf_free(bytebuf *b);              /* releases memory; b is empty afterwards */
void bytebuf_clear(bytebuf *b);             /* len = 0, keeps the allocation */
void bytebuf_reserve(bytebuf *b, size_t extra); /* ensures cap >= len + extra */
void bytebuf_append(bytebuf *b, const void *p, size_t n);
void bytebuf_append_char(bytebuf *b, char c);
void bytebuf_append_str(bytebuf *b, const char *s);
void bytebuf_append_ll(bytebuf *b, long long v);
void bytebuf_appendf(bytebuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void bytebuf_vappendf(bytebuf *b, const char *fmt, va_list ap);
/* Appends p[0..n) double-quoted and escaped the way Redis's sdscatrepr does (\\ \" \n
 * \r \t \a \b, other non-printables as \xHH): MONITOR lines, log lines, config files
 * (our config parser reads it back byte for byte). */
void bytebuf_append_repr(bytebuf *b, const char *p, size_t n);
/* Drops the first n bytes (n <= len). */
void bytebuf_consume(bytebuf *b, size_t n);
/* Inserts n bytes at offset off (off <= len), moving the tail. */
void bytebuf_insert(bytebuf *b, size_t off, const void *p, size_t n);
/* Gives the allocation back to the allocator if more than half of it is unused. */
void bytebuf_shrink(bytebuf *b);
/* Takes ownership of the data: returns it and leaves b empty. */
char *bytebuf_detach(bytebuf *b, size_t *len);

#endif
