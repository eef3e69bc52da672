/* t_zset: the sorted set type -- its value (two encodings), its commands and its
 * kv_type_ops (free, memory_usage, copy, save, load).
 *
 * A sorted set value (the kv's pointer) is one of:
 *   - ENC_LISTPACK: a listpack (listpack.h) of member, score, member, score ... in
 *     (score, member) order, scores written the way Redis 7.2 writes them (d2string);
 *     used while the set has at most zset-max-listpack-entries members of at most
 *     zset-max-listpack-value bytes. One allocation: small sets cost what Redis's do.
 *   - ENC_SKIPLIST: a zsl (skiplist.h): skip list + insertion-ordered member table.
 * The two are told apart by their first 32-bit word (a listpack's is its byte size,
 * never 0; a zsl's is always 0), because kv_type_ops callbacks get no encoding.
 *
 * The functions here are for other modules that read sorted sets (SORT, blocking pops,
 * tests); commands are declared in commands.h. */
#ifndef REDRAFT_T_ZSET_H
#define REDRAFT_T_ZSET_H

#include <stddef.h>

#include "kv.h"

/* Number of members of a sorted set value. */
size_t zset_value_length(const void *ptr);
/* 1 and *score if member m is in the set. */
int zset_value_score(const void *ptr, const char *m, size_t len, double *score);
/* Calls fn for every member in (score, member) order; stops early when fn returns
 * nonzero. Returns what the last call returned (0 if it ran to the end). */
typedef int zset_visit_fn(void *ctx, const char *m, size_t len, double score);
int zset_value_foreach(const void *ptr, zset_visit_fn *fn, void *ctx);
/* 1 if the value's internal invariants hold (order, counts, table): for tests. */
int zset_value_check(const void *ptr, int encoding);

#endif
