/* RESP reply writer: every RESP3 type, with Redis's RESP2 fallback for each.
 *
 * A writer appends encoded replies to a bytebuf it does not own. `proto` (2 or 3) is
 * the connection's protocol as negotiated by HELLO; the same calls produce RESP2 or
 * RESP3 bytes, exactly as redis-server renders them (see shared/notes/
 * protocol-reference.md 1.1): maps become flat arrays, null becomes $-1 (or *-1 for the
 * null-array form), doubles/big numbers/verbatim become bulk strings, booleans become
 * integers, pushes become arrays. Attributes have no RESP2 form: resp_write_attr_len
 * returns 0 there and the caller must skip the attribute's contents.
 *
 * Aggregates whose length is not known up front use a deferred length: reserve a
 * position, write the elements, then fill the header in (it is inserted, moving the
 * elements; use it for replies that are rare or small relative to their cost). */
#ifndef REDRAFT_RESP_WRITER_H
#define REDRAFT_RESP_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"

typedef struct resp_writer {
    bytebuf *out; /* not owned; NULL = discard everything (followers applying) */
    int proto;    /* 2 or 3 */
} resp_writer;

void resp_writer_init(resp_writer *w, bytebuf *out, int proto);

void resp_write_simple(resp_writer *w, const char *s, size_t len);   /* +s */
void resp_write_simple_cstr(resp_writer *w, const char *s);
void resp_write_ok(resp_writer *w);                                  /* +OK */
/* Error: msg starts with the code ("ERR syntax error", "WRONGTYPE ..."). A leading '-'
 * is added; CR/LF inside msg are replaced by spaces so the reply stays one line. */
void resp_write_error(resp_writer *w, const char *msg);
void resp_write_errorf(resp_writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void resp_write_bulk(resp_writer *w, const char *s, size_t len);     /* $len s */
void resp_write_bulk_cstr(resp_writer *w, const char *s);
void resp_write_bulk_ll(resp_writer *w, long long v);               /* integer as bulk */
void resp_write_null(resp_writer *w);        /* R3 _ ; R2 $-1 */
void resp_write_null_array(resp_writer *w);  /* R3 _ ; R2 *-1 */
void resp_write_int(resp_writer *w, long long v);                   /* :v */
void resp_write_double(resp_writer *w, double v);  /* R3 ,v ; R2 bulk; shortest round-trip form */
void resp_write_bool(resp_writer *w, int v);       /* R3 #t/#f ; R2 :1/:0 */
void resp_write_bignum(resp_writer *w, const char *digits, size_t len); /* R3 ( ; R2 bulk */
/* Verbatim string: fmt is the 3-letter format ("txt"); R2 renders a bulk of s only. */
void resp_write_verbatim(resp_writer *w, const char *fmt, const char *s, size_t len);
void resp_write_array_len(resp_writer *w, long long n);
void resp_write_map_len(resp_writer *w, long long pairs);   /* R2: array of 2*pairs */
void resp_write_set_len(resp_writer *w, long long n);       /* R2: array */
void resp_write_push_len(resp_writer *w, long long n);      /* R2: array */
int resp_write_attr_len(resp_writer *w, long long pairs);   /* R2: writes nothing, returns 0 */
/* Bulk error (R3 "!len\r\nmsg"; R2 simple error). */
void resp_write_bulk_error(resp_writer *w, const char *msg, size_t len);
/* Raw bytes already RESP-encoded (e.g. a cached reply). */
void resp_write_raw(resp_writer *w, const char *p, size_t len);

/* Deferred aggregate length. Returns a handle (an offset into out). */
size_t resp_write_deferred_len(resp_writer *w);
void resp_set_deferred_array_len(resp_writer *w, size_t handle, long long n);
void resp_set_deferred_map_len(resp_writer *w, size_t handle, long long pairs);
void resp_set_deferred_set_len(resp_writer *w, size_t handle, long long n);

#endif
