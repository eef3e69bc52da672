/* kvtable: the insertion-ordered hash table behind every database (contract in kvtable.h).
 *
 * Two arrays:
 *   entries[0..used)  kv pointers in seq order; a removed key leaves a hole that keeps
 *                     its seq ((seq << 1) | 1), so SCAN cursors (seqs) stay meaningful.
 *   index[size]       open addressing with linear probing; a slot is 0 (empty),
 *                     KVTABLE_TOMB (removed) or (tag << 32) | (pos + 1), where tag is the
 *                     high 32 bits of the key's hash.
 *
 * The home slot of a key is derived from its tag, not from other hash bits, so the index
 * can be rebuilt (growth, shrink, tombstone purge) and remapped (compaction) from the
 * slots alone, without touching a single kv or hashing any key again. A lookup hashes
 * once, probes comparing tags and dereferences a kv only on a tag match; it never
 * allocates or changes the table.
 *
 * Determinism: the dense array is a pure function of the sequence of inserts and removes
 * (trailing holes are dropped at once, the rest compacted in order when they exceed half
 * of `used`), so position-based choices (kvtable_random) are the same on every replica.
 * The index layout depends on the per-process hash key and is never observable. */
#include "kvtable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "mem.h"

_Static_assert(sizeof(uintptr_t) == 8, "kvtable holes need 64-bit entries");

#define INDEX_MIN_SIZE 8         /* smallest index */
#define INDEX_SHRINK_MIN 64      /* never shrink an index this small */
#define ENTRIES_MIN_CAP 8
#define COMPACT_MIN_USED 32      /* below this, holes are left alone */
#define RANDOM_TRIES 64          /* random positions tried before the exact walk */
#define MAX_POSITIONS UINT64_C(0xFFFFFFFE) /* pos + 1 must fit the slot's low 32 bits */

#define IS_HOLE(e) (((e) & 1) != 0)
#define HOLE(seq) ((((uintptr_t)(seq)) << 1) | 1)
#define SLOT_TAG(s) ((uint32_t)((s) >> 32))
#define SLOT_POS(s) ((size_t)(uint32_t)(s) - 1)
#define SLOT_LIVE(s) ((uint32_t)(s) != 0) /* not empty and not a tombstone */
#define MAKE_SLOT(tag, pos) (((uint64_t)(tag) << 32) | ((uint64_t)(pos) + 1))

static void table_panic(const char *what)
{
    fprintf(stderr, "redraft: kvtable: %s\n", what);
    fflush(stderr);
    abort();
}

/* The key bytes of a kv: same layout rule as kv_key() (kv.c), inlined because it is on
 * the lookup path. */
static inline const char *entry_key(const kv *v)
{
    return (const char *)v->data + ((kv_flags(v) & KV_HAS_EXPIRE) ? sizeof(int64_t) : 0);
}

static inline uint32_t key_tag(const char *key, size_t len)
{
    return (uint32_t)(rd_hash(key, len) >> 32);
}

void kvtable_init(kvtable *t)
{
    memset(t, 0, sizeof(*t));
}

void kvtable_free(kvtable *t, int free_entries)
{
    const kvtable_observer *obs = t->obs;
    if (free_entries) {
        for (size_t i = 0; i < t->used; i++) {
            uintptr_t e = t->entries[i];
            if (!IS_HOLE(e))
                kv_free((kv *)e);
        }
    }
    rd_free(t->entries);
    rd_free(t->index);
    kvtable_init(t);
    if (obs)
        obs->cleared(t);
}

void kvtable_clear(kvtable *t)
{
    const kvtable_observer *obs = t->obs;
    t->obs = NULL;
    kvtable_free(t, 1);
    t->obs = obs;
    if (obs)
        obs->cleared(t);
}

/* Smallest power-of-two index (>= INDEX_MIN_SIZE, >= floor) keeping live keys at or
 * under half load, so the next rebuild is at least a quarter of the index away. */
static size_t index_size_for(size_t live, size_t floor)
{
    size_t size = floor > INDEX_MIN_SIZE ? floor : INDEX_MIN_SIZE;
    while (live * 2 > size)
        size *= 2;
    return size;
}

/* Places a slot value in an index that has room and no tombstones to reuse. */
static inline void index_place(uint64_t *index, size_t mask, uint64_t slot)
{
    size_t i = SLOT_TAG(slot) & mask;
    while (index[i])
        i = (i + 1) & mask;
    index[i] = slot;
}

static void index_rebuild(kvtable *t, size_t new_size)
{
    uint64_t *index = rd_calloc(new_size, sizeof(uint64_t));
    size_t mask = new_size - 1;
    for (size_t i = 0; i < t->index_size; i++) {
        uint64_t s = t->index[i];
        if (SLOT_LIVE(s))
            index_place(index, mask, s);
    }
    rd_free(t->index);
    t->index = index;
    t->index_size = new_size;
    t->index_tombs = 0;
}

/* Index slot holding key (and its position), or SIZE_MAX. */
static size_t index_find(const kvtable *t, const char *key, size_t len, size_t *pos)
{
    if (t->count == 0)
        return SIZE_MAX;
    uint32_t tag = key_tag(key, len);
    size_t mask = t->index_size - 1;
    size_t i = tag & mask;
    for (;;) {
        uint64_t s = t->index[i];
        if (s == 0)
            return SIZE_MAX;
        if (SLOT_TAG(s) == tag && SLOT_LIVE(s)) {
            size_t p = SLOT_POS(s);
            const kv *v = (const kv *)t->entries[p];
            if (v->keylen == len && memcmp(entry_key(v), key, len) == 0) {
                *pos = p;
                return i;
            }
        }
        i = (i + 1) & mask;
    }
}

kv *kvtable_find(const kvtable *t, const char *key, size_t len, size_t *pos)
{
    size_t p;
    if (index_find(t, key, len, &p) == SIZE_MAX)
        return NULL;
    if (pos)
        *pos = p;
    return (kv *)t->entries[p];
}

static void entries_reserve_one(kvtable *t)
{
    if (t->used < t->cap)
        return;
    if ((uint64_t)t->cap >= MAX_POSITIONS)
        table_panic("too many positions");
    size_t cap = t->cap ? t->cap * 2 : ENTRIES_MIN_CAP;
    if ((uint64_t)cap > MAX_POSITIONS)
        cap = (size_t)MAX_POSITIONS;
    t->entries = rd_realloc(t->entries, cap * sizeof(uintptr_t));
    t->cap = cap;
}

size_t kvtable_insert(kvtable *t, kv *v)
{
    entries_reserve_one(t);
    /* Keep live + tombstones at or under 3/4 of the index: an empty slot always ends a
     * probe. */
    if ((t->count + t->index_tombs + 1) * 4 > t->index_size * 3)
        index_rebuild(t, index_size_for(t->count + 1, t->index_size));

    size_t pos = t->used++;
    t->entries[pos] = (uintptr_t)v;
    t->count++;

    uint32_t tag = key_tag(entry_key(v), v->keylen);
    size_t mask = t->index_size - 1;
    size_t i = tag & mask;
    while (SLOT_LIVE(t->index[i]))
        i = (i + 1) & mask;
    if (t->index[i] == KVTABLE_TOMB)
        t->index_tombs--;
    t->index[i] = MAKE_SLOT(tag, pos);
    if (t->obs)
        t->obs->inserted(t, pos, v);
    return pos;
}

/* Removes the holes from entries[], preserving order, and rewrites the positions in the
 * index slots (their home slots depend only on the tag, so they stay where they are). */
static void compact(kvtable *t)
{
    uint32_t *new_pos = rd_malloc(t->used * sizeof(uint32_t));
    size_t w = 0;
    for (size_t r = 0; r < t->used; r++) {
        uintptr_t e = t->entries[r];
        if (IS_HOLE(e)) {
            new_pos[r] = KVTABLE_NO_POS;
            continue;
        }
        new_pos[r] = (uint32_t)w;
        t->entries[w++] = e;
    }
    size_t old_used = t->used;
    t->used = w;
    for (size_t i = 0; i < t->index_size; i++) {
        uint64_t s = t->index[i];
        if (SLOT_LIVE(s))
            t->index[i] = MAKE_SLOT(SLOT_TAG(s), new_pos[SLOT_POS(s)]);
    }

    /* Give back most of an array that is now mostly unused. */
    if (t->cap > ENTRIES_MIN_CAP && t->cap > t->used * 4) {
        size_t cap = t->used * 2 > ENTRIES_MIN_CAP ? t->used * 2 : ENTRIES_MIN_CAP;
        t->entries = rd_realloc(t->entries, cap * sizeof(uintptr_t));
        t->cap = cap;
    }
    if (t->obs)
        t->obs->compacted(t, new_pos, old_used);
    rd_free(new_pos);
}

kv *kvtable_remove(kvtable *t, const char *key, size_t len)
{
    size_t pos;
    size_t i = index_find(t, key, len, &pos);
    if (i == SIZE_MAX)
        return NULL;
    kv *v = (kv *)t->entries[pos];

    /* A slot followed by an empty one ends no probe chain: it can become empty, and so
     * can the tombstones right before it. */
    size_t mask = t->index_size - 1;
    if (t->index[(i + 1) & mask] == 0) {
        t->index[i] = 0;
        for (size_t j = (i - 1) & mask; t->index[j] == KVTABLE_TOMB; j = (j - 1) & mask) {
            t->index[j] = 0;
            t->index_tombs--;
        }
    } else {
        t->index[i] = KVTABLE_TOMB;
        t->index_tombs++;
    }
    t->entries[pos] = HOLE(kv_seq(v));
    t->count--;
    if (t->obs)
        t->obs->removed(t, pos, v);

    while (t->used > 0 && IS_HOLE(t->entries[t->used - 1]))
        t->used--;
    if (t->used >= COMPACT_MIN_USED && (t->used - t->count) * 2 > t->used)
        compact(t);
    if (t->index_size > INDEX_SHRINK_MIN && t->count * 8 < t->index_size)
        index_rebuild(t, index_size_for(t->count, 0));
    return v;
}

kv *kvtable_at(const kvtable *t, size_t pos)
{
    if (pos >= t->used)
        return NULL;
    uintptr_t e = t->entries[pos];
    return IS_HOLE(e) ? NULL : (kv *)e;
}

void kvtable_replace_at(kvtable *t, size_t pos, kv *v)
{
    if (pos >= t->used || IS_HOLE(t->entries[pos]))
        table_panic("replace_at on a hole or out of range");
    t->entries[pos] = (uintptr_t)v;
}

int kvtable_replace(kvtable *t, const kv *old, kv *nv)
{
    if (t->count == 0)
        return 0;
    uint32_t tag = key_tag(entry_key(nv), nv->keylen);
    size_t mask = t->index_size - 1;
    size_t i = tag & mask;
    for (;;) {
        uint64_t s = t->index[i];
        if (s == 0)
            return 0;
        if (SLOT_TAG(s) == tag && SLOT_LIVE(s) && t->entries[SLOT_POS(s)] == (uintptr_t)old) {
            t->entries[SLOT_POS(s)] = (uintptr_t)nv;
            return 1;
        }
        i = (i + 1) & mask;
    }
}

uint64_t kvtable_seq_at(const kvtable *t, size_t pos)
{
    uintptr_t e = t->entries[pos];
    return IS_HOLE(e) ? (uint64_t)(e >> 1) : kv_seq((const kv *)e);
}

size_t kvtable_seek_seq(const kvtable *t, uint64_t seq)
{
    size_t lo = 0, hi = t->used;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (kvtable_seq_at(t, mid) < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

kv *kvtable_random(const kvtable *t, prng *r, size_t *pos)
{
    if (t->count == 0)
        return NULL;
    /* Holes are at most half of a large table (compaction), so a random position is
     * live with probability >= 1/2: exactly uniform over live entries. Small tables may
     * be mostly holes; they, and the ~2^-64 case of every try missing, pick the k-th
     * live entry instead (also uniform). */
    if ((t->used - t->count) * 2 <= t->used) {
        for (int tries = 0; tries < RANDOM_TRIES; tries++) {
            size_t p = (size_t)prng_below(r, t->used);
            uintptr_t e = t->entries[p];
            if (!IS_HOLE(e)) {
                if (pos)
                    *pos = p;
                return (kv *)e;
            }
        }
    }
    size_t k = (size_t)prng_below(r, t->count);
    for (size_t p = 0; p < t->used; p++) {
        uintptr_t e = t->entries[p];
        if (IS_HOLE(e))
            continue;
        if (k-- == 0) {
            if (pos)
                *pos = p;
            return (kv *)e;
        }
    }
    table_panic("count does not match the live entries");
    return NULL;
}

void kvtable_append_hole(kvtable *t, uint64_t seq)
{
    entries_reserve_one(t);
    t->entries[t->used++] = HOLE(seq);
}

size_t kvtable_overhead(const kvtable *t)
{
    return rd_alloc_size(t->entries) + rd_alloc_size(t->index);
}
