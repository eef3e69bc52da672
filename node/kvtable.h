/* kvtable: the insertion-ordered hash table behind every database.
 *
 * A dense array of entries in insertion (seq) order plus an open-addressing index of
 * positions. Deleting leaves a hole that remembers the deleted entry's seq; holes are
 * compacted away once they are half the array, preserving order. Growth and compaction
 * happen only inside mutations, so the dense layout -- and therefore RANDOMKEY, SCAN
 * order and every sampling choice -- is identical on every replica that applied the
 * same log. Iteration and SCAN walk the dense array; cursors are seq numbers. */
#ifndef REDRAFT_KVTABLE_H
#define REDRAFT_KVTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "kv.h"
#include "prng.h"

#define KVTABLE_TOMB UINT64_C(0xFFFFFFFF00000000) /* index slot of a removed key */
#define KVTABLE_NO_POS UINT32_MAX /* new_pos[] of a compacted-away hole */

struct kvtable;
/* Optional observer of positions (the cluster slot index, slot_index.c), told about every
 * live entry gaining or losing a position, every compaction and every clear, so it can
 * keep arrays parallel to entries[]. Entries replaced in place (same key, same position)
 * are not reported. Without one, a mutation pays one predictable branch. */
typedef struct kvtable_observer {
    void (*inserted)(struct kvtable *t, size_t pos, const kv *v);
    /* v is no longer in the table but still valid; called before any compaction. */
    void (*removed)(struct kvtable *t, size_t pos, const kv *v);
    /* Holes were squeezed out: old position r (< old_used) is now new_pos[r], or
     * KVTABLE_NO_POS if r was a hole. t->used and t->cap are already the new ones. */
    void (*compacted)(struct kvtable *t, const uint32_t *new_pos, size_t old_used);
    void (*cleared)(struct kvtable *t); /* the table is empty now */
} kvtable_observer;

typedef struct kvtable {
    uintptr_t *entries; /* kv* (low bit 0) or a hole: (seq << 1) | 1 */
    size_t used;        /* positions in use, holes included */
    size_t cap;
    size_t count;       /* live entries */
    uint64_t *index;    /* 0 empty, KVTABLE_TOMB deleted, else (hash hi32 << 32) | (pos + 1) */
    size_t index_size;  /* power of two, or 0 */
    size_t index_tombs;
    const kvtable_observer *obs; /* NULL, or see kvtable_observer */
} kvtable;

void kvtable_init(kvtable *t);
/* Frees the table; with free_entries, kv_free()s every live entry. An observer is told
 * `cleared` and detached. */
void kvtable_free(kvtable *t, int free_entries);
/* kv_free()s every entry and empties the table, keeping (and telling) its observer. */
void kvtable_clear(kvtable *t);
kv *kvtable_find(const kvtable *t, const char *key, size_t len, size_t *pos);
/* Appends v (its key must not be present); returns its position. */
size_t kvtable_insert(kvtable *t, kv *v);
/* Unlinks the key; returns its kv (the caller frees it) or NULL. May compact. */
kv *kvtable_remove(kvtable *t, const char *key, size_t len);
/* The live entry at pos, or NULL for a hole / out of range. */
kv *kvtable_at(const kvtable *t, size_t pos);
/* Replaces the entry at pos by v (same key; used when a kv was reallocated). */
void kvtable_replace_at(kvtable *t, size_t pos, kv *v);
/* First position whose entry (or hole) has seq >= seq; t->used if none. */
size_t kvtable_seek_seq(const kvtable *t, uint64_t seq);
/* A live entry chosen with r (deterministic for a given layout), NULL if empty. */
kv *kvtable_random(const kvtable *t, prng *r, size_t *pos);
/* Bytes used by the table's own arrays (not the kvs). */
size_t kvtable_overhead(const kvtable *t);
/* old (same key as nv, possibly already freed by a realloc: only compared, never read)
 * is replaced by nv at its position. Returns 1, or 0 if old is not in the table. */
int kvtable_replace(kvtable *t, const kv *old, kv *nv);
/* Seq of the entry or hole at pos (pos < t->used). */
uint64_t kvtable_seq_at(const kvtable *t, size_t pos);
/* Appends a hole carrying seq (snapshot reload: reproduces the dense layout exactly, so
 * layout-dependent choices stay identical to the replicas that never reloaded). */
void kvtable_append_hole(kvtable *t, uint64_t seq);

#endif
