/* slot_index: keys of database 0 per hash slot, in cluster mode only (contract in
 * slot_index.h).
 *
 * Design: one doubly linked list per slot, threaded through the kvtable's dense
 * positions. links[pos] = {prev, next} (uint32 positions, NO_POS = none) is an array
 * parallel to db 0's entries[] and sized like it (grown to t->cap, shrunk after
 * compaction), so the cost is 8 bytes per dense position -- the same slack factor as
 * entries[] itself -- plus a fixed 16384 x 12-byte {head, tail, count} table (192 KiB).
 * Nothing is allocated, and kvtable pays a single `if (t->obs)`, unless cluster-enabled.
 *   - COUNTKEYSINSLOT reads count: O(1). GETKEYSINSLOT walks head->next: O(count).
 *   - insert: kvtable always appends, so the new position is the largest live one and
 *     goes to the tail. Each list is therefore sorted by position, i.e. by key seq:
 *     insertion order. That order depends only on the applied operations, and a
 *     snapshot reload reproduces the dense layout (holes included) by reinserting in
 *     position order, so every replica -- reloaded or not -- lists keys identically.
 *   - remove: O(1) unlink (the slot comes from the key, still valid when reported).
 *   - overwrite / kv reallocation (kvtable_replace, _replace_at): same key, same
 *     position, so nothing changes and they are not even reported.
 *   - compaction: positions move but keep their order; links are remapped in one pass
 *     through kvtable's new_pos[] (in place: an entry only moves down), heads/tails
 *     too -- through new_pos for a big table, or by hashing only the list ends when the
 *     table has fewer keys than slots (so small churning tables don't pay 16384 per
 *     compaction).
 *   - flush and snapshot load: kvtable_clear() reports `cleared` (reset), and the reload
 *     inserts are reported one by one.
 * Why position links rather than per-slot arrays of keys/seqs: O(1) delete without
 * searching, no per-slot growth slack, and kv pointers (which realloc) are never stored.
 * Logically expired keys still in the table are counted, as in Redis (slot_to_keys is
 * only updated on real deletion). */
#include "slot_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyslot.h"
#include "keyspace.h"
#include "kvtable.h"
#include "mem.h"
#include "server.h"

#define NO_POS UINT32_MAX

typedef struct si_link {
    uint32_t prev, next;
} si_link;

typedef struct slot_list {
    uint32_t head, tail, count;
} slot_list;

static struct {
    kvtable *t;        /* the indexed table (db 0), NULL when disabled */
    slot_list *slots;  /* CLUSTER_SLOTS lists */
    si_link *links;       /* parallel to t->entries[0..links_cap) */
    size_t links_cap;
} si;

static const kvtable_observer observer;

static void si_panic(const char *what)
{
    fprintf(stderr, "redraft: slot_index: %s\n", what);
    fflush(stderr);
    abort();
}

static inline unsigned slot_of(const kv *v)
{
    return keyslot(kv_key(v), kv_keylen(v));
}

static void reset_slots(void)
{
    for (unsigned i = 0; i < CLUSTER_SLOTS; i++)
        si.slots[i] = (slot_list){NO_POS, NO_POS, 0};
}

static void on_inserted(kvtable *t, size_t pos, const kv *v)
{
    if (pos >= si.links_cap) {
        size_t cap = t->cap > pos ? t->cap : pos + 1;
        si.links = rd_realloc(si.links, cap * sizeof(si_link));
        si.links_cap = cap;
    }
    slot_list *sl = &si.slots[slot_of(v)];
    uint32_t p = (uint32_t)pos;
    si.links[p] = (si_link){sl->tail, NO_POS};
    if (sl->tail != NO_POS)
        si.links[sl->tail].next = p;
    else
        sl->head = p;
    sl->tail = p;
    sl->count++;
}

static void on_removed(kvtable *t, size_t pos, const kv *v)
{
    (void)t;
    slot_list *sl = &si.slots[slot_of(v)];
    si_link l = si.links[pos];
    if (l.prev != NO_POS)
        si.links[l.prev].next = l.next;
    else
        sl->head = l.next;
    if (l.next != NO_POS)
        si.links[l.next].prev = l.prev;
    else
        sl->tail = l.prev;
    sl->count--;
}

static inline uint32_t remap(const uint32_t *new_pos, uint32_t p)
{
    return p == NO_POS ? NO_POS : new_pos[p];
}

static void on_compacted(kvtable *t, const uint32_t *new_pos, size_t old_used)
{
    /* Live entries only move down (new_pos[r] <= r) and in order, so reading links[r]
     * before writing links[new_pos[r]] never clobbers an unread link. */
    for (size_t r = 0; r < old_used; r++) {
        uint32_t w = new_pos[r];
        if (w == KVTABLE_NO_POS)
            continue;
        si_link l = si.links[r];
        si.links[w] = (si_link){remap(new_pos, l.prev), remap(new_pos, l.next)};
    }
    if (t->count < CLUSTER_SLOTS) {
        /* Few keys: find the list ends among them instead of visiting every slot. */
        for (size_t p = 0; p < t->used; p++) {
            si_link l = si.links[p];
            if (l.prev != NO_POS && l.next != NO_POS)
                continue;
            slot_list *sl = &si.slots[slot_of(kvtable_at(t, p))];
            if (l.prev == NO_POS)
                sl->head = (uint32_t)p;
            if (l.next == NO_POS)
                sl->tail = (uint32_t)p;
        }
    } else {
        for (unsigned i = 0; i < CLUSTER_SLOTS; i++) {
            slot_list *sl = &si.slots[i];
            if (sl->count) {
                sl->head = new_pos[sl->head];
                sl->tail = new_pos[sl->tail];
            }
        }
    }
    if (si.links_cap > t->cap) { /* entries[] shrank: follow it */
        si.links = rd_realloc(si.links, t->cap * sizeof(si_link));
        si.links_cap = t->cap;
    }
}

static void on_cleared(kvtable *t)
{
    if (t->obs != &observer) { /* kvtable_free: the table is gone, so is the index */
        slot_index_detach();
        return;
    }
    reset_slots();
    rd_free(si.links);
    si.links = NULL;
    si.links_cap = 0;
}

static const kvtable_observer observer = {
    .inserted = on_inserted,
    .removed = on_removed,
    .compacted = on_compacted,
    .cleared = on_cleared,
};

void slot_index_attach(kvtable *t)
{
    slot_index_detach();
    si.t = t;
    si.slots = rd_malloc(CLUSTER_SLOTS * sizeof(slot_list));
    reset_slots();
    /* Index what is already there, in position order (= the order later inserts keep). */
    for (size_t pos = 0; pos < t->used; pos++) {
        const kv *v = kvtable_at(t, pos);
        if (v)
            on_inserted(t, pos, v);
    }
    t->obs = &observer;
}

void slot_index_detach(void)
{
    if (si.t && si.t->obs == &observer)
        si.t->obs = NULL;
    rd_free(si.slots);
    rd_free(si.links);
    memset(&si, 0, sizeof(si));
}

void slot_index_init(struct server *s)
{
    if (s->cfg.cluster_enabled)
        slot_index_attach(&s->dbs[0].table);
}

int slot_index_enabled(void)
{
    return si.t != NULL;
}

uint64_t slot_index_count(unsigned slot)
{
    if (!si.t || slot >= CLUSTER_SLOTS)
        return 0;
    return si.slots[slot].count;
}

void slot_index_keys(unsigned slot, uint64_t max, slot_index_key_fn *fn, void *arg)
{
    if (!si.t || slot >= CLUSTER_SLOTS)
        return;
    uint64_t n = 0;
    for (uint32_t p = si.slots[slot].head; p != NO_POS && n < max; p = si.links[p].next, n++) {
        const kv *v = kvtable_at(si.t, p);
        if (!v)
            si_panic("list points at a hole");
        if (!fn(kv_key(v), kv_keylen(v), arg))
            return;
    }
}

size_t slot_index_overhead(void)
{
    return si.t ? rd_alloc_size(si.slots) + rd_alloc_size(si.links) : 0;
}

int slot_index_verify(void)
{
    if (!si.t)
        return 0;
    const kvtable *t = si.t;
    uint64_t total = 0;
    for (unsigned s = 0; s < CLUSTER_SLOTS; s++) {
        const slot_list *sl = &si.slots[s];
        uint32_t prev = NO_POS, n = 0;
        for (uint32_t p = sl->head; p != NO_POS; p = si.links[p].next) {
            const kv *v = kvtable_at(t, p);
            if (!v || slot_of(v) != s || si.links[p].prev != prev)
                return -1;
            if (prev != NO_POS && p <= prev) /* sorted by position */
                return -1;
            if (++n > t->count)
                return -1; /* a cycle */
            prev = p;
        }
        if (sl->tail != prev || sl->count != n)
            return -1;
        total += n;
    }
    return total == t->count ? 0 : -1;
}
