/* Keyed 64-bit hash for in-memory hash table indexes.
 *
 * The index layout of our tables is never observable (iteration follows insertion
 * order), so the key is a per-process random value (hash-flooding resistance), set once
 * at start-up with rd_hash_set_seed. */
#ifndef REDRAFT_HASH_H
#define REDRAFT_HASH_H

#include <stddef.h>
#include <stdint.h>

void rd_hash_set_seed(uint64_t seed);
uint64_t rd_hash(const void *p, size_t len);

#endif
