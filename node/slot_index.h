/* slot_index: which keys of database 0 live in each hash slot, kept only in cluster
 * mode (cluster-enabled yes; zero cost otherwise).
 *
 * COUNTKEYSINSLOT is O(1) and GETKEYSINSLOT O(count) (or O(log N + count)), so
 * sentinels and migration can walk a slot without scanning the keyspace. The index is
 * maintained by keyspace.c on every insert/remove/replace of a kv in db 0, rebuilt on
 * snapshot load, and deterministic (GETKEYSINSLOT order is the same on every replica).
 * It adds at most 8 bytes per key. */
#ifndef REDRAFT_SLOT_INDEX_H
#define REDRAFT_SLOT_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"

struct server;

/* Enables the index for db 0 when cluster mode is on (called once at start). */
void slot_index_init(struct server *s);
int slot_index_enabled(void);

/* Keys in slot (0 when disabled). */
uint64_t slot_index_count(unsigned slot);

/* Calls fn for up to `max` keys of slot, in index order; fn returns 0 to stop. */
typedef int slot_index_key_fn(const char *key, size_t len, void *arg);
void slot_index_keys(unsigned slot, uint64_t max, slot_index_key_fn *fn, void *arg);

/* Lower level (slot_index_init uses them; unit tests drive a bare kvtable with them).
 * attach indexes t's current keys and observes it from then on (replacing any previous
 * attachment); detach frees the index. */
struct kvtable;
void slot_index_attach(struct kvtable *t);
void slot_index_detach(void);
/* Bytes used by the index (0 when disabled). */
size_t slot_index_overhead(void);
/* Full O(N) consistency check against the table: 0 if sound (tests only). */
int slot_index_verify(void);

#endif
