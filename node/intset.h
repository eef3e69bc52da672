/* intset: the "intset" encoding of sets whose members are all integers.
 *
 * A sorted array of distinct int64 values stored at the narrowest width that holds all
 * of them (2, 4 or 8 bytes, upgraded on insert, never downgraded -- Redis's rule), in one
 * allocation. Sorted order is what SMEMBERS/SSCAN return for this encoding, as in Redis.
 *
 * Layout (little-endian): byte 0 INTSET_MAGIC (tells the set type's free/copy/memory
 * callbacks which encoding a pointer holds), byte 1 the width, bytes 2..3 zero, bytes
 * 4..7 the count, then count values. Mutations may reallocate and return the new
 * pointer. */
#ifndef REDRAFT_INTSET_H
#define REDRAFT_INTSET_H

#include <stddef.h>
#include <stdint.h>

#define INTSET_MAGIC 0xB2
#define INTSET_HDR 8

typedef unsigned char intset;

intset *intset_new(void);
void intset_free(intset *is);
intset *intset_dup(const intset *is);
uint32_t intset_len(const intset *is);
size_t intset_blob_len(const intset *is);
/* Value at pos (pos < len). */
int64_t intset_get(const intset *is, uint32_t pos);
int intset_find(const intset *is, int64_t v);
/* *added = 1 if v was not there. */
intset *intset_add(intset *is, int64_t v, int *added);
/* *removed = 1 if v was there. */
intset *intset_remove(intset *is, int64_t v, int *removed);
/* Removes the value at pos (pos < len). */
intset *intset_remove_at(intset *is, uint32_t pos);
int64_t intset_min(const intset *is);
int64_t intset_max(const intset *is);
/* Checks serialized bytes (width, count, size, strictly ascending values) and returns
 * a copy, or NULL if malformed. */
intset *intset_load(const char *p, size_t len);

#endif
