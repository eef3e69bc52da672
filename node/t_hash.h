/* t_hash: the hash value type (encodings "listpack" and "hashtable") and its commands.
 *
 * The value pointer held by a hash kv is a packlist (ENC_LISTPACK: field, value, field,
 * value ...) or a dict with values (ENC_HASHTABLE). Other modules (SORT ... BY/GET
 * hash->field, tests) read hashes through these functions only. */
#ifndef REDRAFT_T_HASH_H
#define REDRAFT_T_HASH_H

#include <stddef.h>

#include "exec.h"
#include "kv.h"

struct dict;

/* Number of fields of a hash kv. */
size_t hash_length(const kv *v);
/* 1 and the value's bytes (pointing into the hash; valid until it changes) if the
 * field exists, else 0. */
int hash_get(const kv *v, const char *field, size_t flen, const char **val, size_t *vlen);

/* Iteration in the hash's order (packlist order, or the dict's insertion order). The
 * hash must not change while iterating. */
typedef struct hash_iter {
    const kv *v;
    size_t at; /* packlist offset, or dict position */
} hash_iter;
void hash_iter_init(hash_iter *it, const kv *v);
int hash_iter_next(hash_iter *it, const char **f, size_t *flen, const char **val, size_t *vlen);

/* HSCAN / SSCAN shared parts (t_set.c uses them too). */
typedef struct coll_scan_opts {
    const char *pat; /* NULL: no MATCH (or MATCH *) */
    size_t patlen;
    long long count;
} coll_scan_opts;
/* Parses argv[i] as a cursor (Redis's strtoul rules); replies "ERR invalid cursor" and
 * returns 0 on failure. */
int coll_scan_cursor(exec_ctx *c, int i, unsigned long long *cursor);
/* Parses [MATCH pattern] [COUNT count] from argv[first]; replies the error, returns 0. */
int coll_scan_opts_parse(exec_ctx *c, int first, coll_scan_opts *o);
int coll_scan_match(const coll_scan_opts *o, const char *s, size_t len);
/* Writes [cursor, <array of n>] headers; the caller writes the n elements. */
void coll_scan_reply_header(exec_ctx *c, unsigned long long cursor, long long n);
/* One HSCAN/SSCAN step over a dict: the whole reply (pairs when it has values). */
void coll_scan_dict(exec_ctx *c, const struct dict *d, unsigned long long cursor, const coll_scan_opts *o);

#endif
