/* keyspace: the databases and the one place keys are looked up, added and removed.
 *
 * Every access goes through here so expiry is honoured in one place: a key whose TTL
 * deadline is not after c->now_ms does not exist. Reads (no EXEC_MAY_MUTATE) only hide
 * it; writes delete it (deterministic: the same entry time on every replica). The
 * active expiry cycle (expire.c) does not delete: it proposes deletions.
 *
 * Keys are stored as kv (kv.h) in a kvtable per database. */
#ifndef REDRAFT_KEYSPACE_H
#define REDRAFT_KEYSPACE_H

#include <stddef.h>
#include <stdint.h>

#include "exec.h"
#include "kv.h"
#include "kvtable.h"

typedef struct db {
    int id;
    kvtable table;
    size_t expires;     /* live keys that have a TTL */
    uint64_t next_seq;  /* seq of the next inserted key (starts at 1) */
} db;

void db_init(db *d, int id);
void db_free(db *d);        /* frees every key */
void db_empty(db *d);       /* FLUSHDB: frees every key; next_seq keeps growing */
static inline size_t db_size(const db *d) { return d->table.count; }

/* Lookups (key bytes need not be NUL-terminated). Both return NULL for a missing or
 * logically expired key. lookup_read updates LRU/LFU and keyspace hits/misses. */
kv *keyspace_lookup_read(exec_ctx *c, const char *key, size_t len);
kv *keyspace_lookup_write(exec_ctx *c, const char *key, size_t len);
/* Lookup without stats or LRU side effects (TYPE-like internals, EXISTS counts). */
kv *keyspace_peek(exec_ctx *c, const char *key, size_t len);
int keyspace_is_expired(const exec_ctx *c, const kv *v);

/* Adds a new key (must not exist): assigns its seq, counts its TTL. */
void keyspace_add(exec_ctx *c, kv *v);
/* Stores v under its key: overwrite keeps the existing key's position/seq and, unless
 * keep_ttl, drops the old TTL in favour of v's. Frees the old value. Returns v. */
kv *keyspace_set(exec_ctx *c, kv *v, int keep_ttl);
/* old was reallocated/replaced in place by nv (same key): updates the table. */
void keyspace_replaced(exec_ctx *c, kv *old, kv *nv);
/* Deletes the key if present (logically expired keys count as absent). Returns 1 if a
 * live key was deleted. */
int keyspace_delete(exec_ctx *c, const char *key, size_t len);
/* Sets (when_ms >= 0) or removes (when_ms < 0) a key's TTL. Returns the (maybe moved) kv. */
kv *keyspace_set_expire(exec_ctx *c, kv *v, int64_t when_ms);
/* Records that a key changed (dirty counter; WATCH and keyspace events hook here). */
void keyspace_modified(exec_ctx *c, const char *key, size_t len);

/* The 24-bit LRU clock (seconds) Redis keeps per key, from a caller-given time. */
uint32_t keyspace_lru_clock(int64_t now_ms);

#endif
