/* dict: insertion-ordered string table for hash and set values (contract in dict.h).
 *
 * Two arrays, as in kvtable.c:
 *   entries[0..used)  dict_entry pointers in seq order; a removed entry leaves a hole
 *                     ((seq << 1) | 1) so cursors (seqs) keep their meaning.
 *   index[size]       linear probing; a slot is 0 (empty), DICT_TOMB (removed) or
 *                     (tag << 32) | (pos + 1), tag = high 32 bits of the key's hash.
 * The home slot comes from the tag alone, so the index is rebuilt and remapped after a
 * compaction from the slots, without rehashing keys. The index layout depends on the
 * per-process hash seed and is never observable; only the dense array is.
 *
 * Determinism: the dense array changes only through dict_add / dict_set / dict_delete
 * (and dict_load, which reproduces a saved one), with fixed rules: append at the end,
 * drop trailing holes, compact in order when holes exceed half of `used` (>= 32). */
#include "dict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytebuf.h"
#include "hash.h"
#include "mem.h"

_Static_assert(sizeof(uintptr_t) == 8, "dict holes need 64-bit entries");

#define DICT_TOMB UINT64_C(0xFFFFFFFF00000000)
#define INDEX_MIN_SIZE 8
#define INDEX_SHRINK_MIN 64
#define ENTRIES_MIN_CAP 4
#define COMPACT_MIN_USED 32
#define RANDOM_TRIES 64
#define MAX_POSITIONS UINT64_C(0xFFFFFFFE)
#define SCAN_EMPTY_VISITS 10 /* positions visited per requested entry, at most */

#define IS_HOLE(e) (((e) & 1) != 0)
#define HOLE(seq) ((((uintptr_t)(seq)) << 1) | 1)
#define SLOT_TAG(s) ((uint32_t)((s) >> 32))
#define SLOT_POS(s) ((size_t)(uint32_t)(s) - 1)
#define SLOT_LIVE(s) ((uint32_t)(s) != 0)
#define MAKE_SLOT(tag, pos) (((uint64_t)(tag) << 32) | ((uint64_t)(pos) + 1))

static void dict_panic(const char *what)
{
    fprintf(stderr, "redraft: dict: %s\n", what);
    fflush(stderr);
    abort();
}

static inline uint32_t key_tag(const char *key, size_t len)
{
    return (uint32_t)(rd_hash(key, len) >> 32);
}

static dict_entry *entry_new(uint64_t seq, const char *k, size_t klen, const char *v, size_t vlen)
{
    if (klen > UINT32_MAX || vlen > UINT32_MAX)
        dict_panic("entry too large");
    dict_entry *e = rd_malloc(sizeof(dict_entry) + klen + vlen);
    e->seq = seq;
    e->klen = (uint32_t)klen;
    e->vlen = (uint32_t)vlen;
    if (klen)
        memcpy(e->data, k, klen);
    if (vlen)
        memcpy(e->data + klen, v, vlen);
    return e;
}

dict *dict_new(int has_values)
{
    dict *d = rd_calloc(1, sizeof(dict));
    d->magic = DICT_MAGIC;
    d->has_values = has_values ? 1 : 0;
    d->next_seq = 1;
    return d;
}

void dict_free(dict *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->used; i++)
        if (!IS_HOLE(d->entries[i]))
            rd_free((void *)d->entries[i]);
    rd_free(d->entries);
    rd_free(d->index);
    rd_free(d);
}

static size_t index_size_for(size_t live, size_t floor)
{
    size_t size = floor > INDEX_MIN_SIZE ? floor : INDEX_MIN_SIZE;
    while (live * 2 > size)
        size *= 2;
    return size;
}

static inline void index_place(uint64_t *index, size_t mask, uint64_t slot)
{
    size_t i = SLOT_TAG(slot) & mask;
    while (index[i])
        i = (i + 1) & mask;
    index[i] = slot;
}

static void index_rebuild(dict *d, size_t new_size)
{
    uint64_t *index = rd_calloc(new_size, sizeof(uint64_t));
    size_t mask = new_size - 1;
    for (size_t i = 0; i < d->index_size; i++)
        if (SLOT_LIVE(d->index[i]))
            index_place(index, mask, d->index[i]);
    rd_free(d->index);
    d->index = index;
    d->index_size = new_size;
    d->index_tombs = 0;
}

/* Index slot of key (and its position), or SIZE_MAX. */
static size_t index_find(const dict *d, const char *key, size_t len, size_t *pos)
{
    if (d->count == 0)
        return SIZE_MAX;
    uint32_t tag = key_tag(key, len);
    size_t mask = d->index_size - 1;
    for (size_t i = tag & mask;; i = (i + 1) & mask) {
        uint64_t s = d->index[i];
        if (s == 0)
            return SIZE_MAX;
        if (SLOT_TAG(s) == tag && SLOT_LIVE(s)) {
            size_t p = SLOT_POS(s);
            const dict_entry *e = (const dict_entry *)d->entries[p];
            if (e->klen == len && memcmp(e->data, key, len) == 0) {
                *pos = p;
                return i;
            }
        }
    }
}

dict_entry *dict_find(const dict *d, const char *key, size_t klen, size_t *pos)
{
    size_t p;
    if (index_find(d, key, klen, &p) == SIZE_MAX)
        return NULL;
    if (pos)
        *pos = p;
    return (dict_entry *)d->entries[p];
}

static void entries_reserve_one(dict *d)
{
    if (d->used < d->cap)
        return;
    if ((uint64_t)d->cap >= MAX_POSITIONS)
        dict_panic("too many positions");
    size_t cap = d->cap ? d->cap * 2 : ENTRIES_MIN_CAP;
    if ((uint64_t)cap > MAX_POSITIONS)
        cap = (size_t)MAX_POSITIONS;
    d->entries = rd_realloc(d->entries, cap * sizeof(uintptr_t));
    d->cap = cap;
}

/* Appends e at the end of the dense array and indexes it under tag. */
static size_t append_entry(dict *d, dict_entry *e, uint32_t tag)
{
    entries_reserve_one(d);
    /* live + tombstones stay at or under 3/4 of the index: an empty slot ends probes */
    if ((d->count + d->index_tombs + 1) * 4 > d->index_size * 3)
        index_rebuild(d, index_size_for(d->count + 1, d->index_size));
    size_t pos = d->used++;
    d->entries[pos] = (uintptr_t)e;
    d->count++;
    d->entry_bytes += rd_alloc_size(e);
    size_t mask = d->index_size - 1;
    size_t i = tag & mask;
    while (SLOT_LIVE(d->index[i]))
        i = (i + 1) & mask;
    if (d->index[i] == DICT_TOMB)
        d->index_tombs--;
    d->index[i] = MAKE_SLOT(tag, pos);
    return pos;
}

size_t dict_add(dict *d, const char *key, size_t klen, const char *val, size_t vlen)
{
    dict_entry *e = entry_new(d->next_seq++, key, klen, d->has_values ? val : NULL,
                              d->has_values ? vlen : 0);
    return append_entry(d, e, key_tag(key, klen));
}

int dict_set(dict *d, const char *key, size_t klen, const char *val, size_t vlen)
{
    size_t pos;
    dict_entry *old = dict_find(d, key, klen, &pos);
    if (!old) {
        dict_add(d, key, klen, val, vlen);
        return 1;
    }
    if (!d->has_values)
        return 0;
    /* A new allocation (val may point into old's value), same seq and position. */
    dict_entry *e = entry_new(old->seq, key, klen, val, vlen);
    d->entry_bytes = d->entry_bytes - rd_alloc_size(old) + rd_alloc_size(e);
    d->entries[pos] = (uintptr_t)e;
    rd_free(old);
    return 0;
}

/* Removes the holes, preserving order; remaps positions in the index slots. */
static void compact(dict *d)
{
    uint32_t *new_pos = rd_malloc(d->used * sizeof(uint32_t));
    size_t w = 0;
    for (size_t r = 0; r < d->used; r++) {
        uintptr_t e = d->entries[r];
        if (IS_HOLE(e))
            continue;
        new_pos[r] = (uint32_t)w;
        d->entries[w++] = e;
    }
    d->used = w;
    for (size_t i = 0; i < d->index_size; i++) {
        uint64_t s = d->index[i];
        if (SLOT_LIVE(s))
            d->index[i] = MAKE_SLOT(SLOT_TAG(s), new_pos[SLOT_POS(s)]);
    }
    rd_free(new_pos);
    if (d->cap > ENTRIES_MIN_CAP && d->cap > d->used * 4) {
        size_t cap = d->used * 2 > ENTRIES_MIN_CAP ? d->used * 2 : ENTRIES_MIN_CAP;
        d->entries = rd_realloc(d->entries, cap * sizeof(uintptr_t));
        d->cap = cap;
    }
}

int dict_delete(dict *d, const char *key, size_t klen)
{
    size_t pos;
    size_t i = index_find(d, key, klen, &pos);
    if (i == SIZE_MAX)
        return 0;
    dict_entry *e = (dict_entry *)d->entries[pos];

    /* A slot followed by an empty one ends no probe chain: it becomes empty, and so do
     * the tombstones right before it. */
    size_t mask = d->index_size - 1;
    if (d->index[(i + 1) & mask] == 0) {
        d->index[i] = 0;
        for (size_t j = (i - 1) & mask; d->index[j] == DICT_TOMB; j = (j - 1) & mask) {
            d->index[j] = 0;
            d->index_tombs--;
        }
    } else {
        d->index[i] = DICT_TOMB;
        d->index_tombs++;
    }
    d->entries[pos] = HOLE(e->seq);
    d->count--;
    d->entry_bytes -= rd_alloc_size(e);
    rd_free(e);

    while (d->used > 0 && IS_HOLE(d->entries[d->used - 1]))
        d->used--;
    if (d->used >= COMPACT_MIN_USED && (d->used - d->count) * 2 > d->used)
        compact(d);
    if (d->index_size > INDEX_SHRINK_MIN && d->count * 8 < d->index_size)
        index_rebuild(d, index_size_for(d->count, 0));
    return 1;
}

dict_entry *dict_at(const dict *d, size_t pos)
{
    if (pos >= d->used || IS_HOLE(d->entries[pos]))
        return NULL;
    return (dict_entry *)d->entries[pos];
}

static uint64_t seq_at(const dict *d, size_t pos)
{
    uintptr_t e = d->entries[pos];
    return IS_HOLE(e) ? (uint64_t)(e >> 1) : ((const dict_entry *)e)->seq;
}

/* First position whose seq >= seq (d->used if none). */
static size_t seek_seq(const dict *d, uint64_t seq)
{
    size_t lo = 0, hi = d->used;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (seq_at(d, mid) < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

dict_entry *dict_random(const dict *d, prng *r, size_t *pos)
{
    if (d->count == 0)
        return NULL;
    /* When holes are at most half the array a random position is live with probability
     * >= 1/2 (uniform over live entries); otherwise, and if every try misses, take the
     * k-th live entry (also uniform). Both are functions of the layout and r only. */
    if ((d->used - d->count) * 2 <= d->used) {
        for (int tries = 0; tries < RANDOM_TRIES; tries++) {
            size_t p = (size_t)prng_below(r, d->used);
            if (!IS_HOLE(d->entries[p])) {
                if (pos)
                    *pos = p;
                return (dict_entry *)d->entries[p];
            }
        }
    }
    size_t k = (size_t)prng_below(r, d->count);
    for (size_t p = 0; p < d->used; p++) {
        if (IS_HOLE(d->entries[p]))
            continue;
        if (k-- == 0) {
            if (pos)
                *pos = p;
            return (dict_entry *)d->entries[p];
        }
    }
    dict_panic("count does not match the live entries");
    return NULL;
}

size_t dict_memory(const dict *d)
{
    return rd_alloc_size(d) + rd_alloc_size(d->entries) + rd_alloc_size(d->index) + d->entry_bytes;
}

dict *dict_dup(const dict *d)
{
    dict *c = rd_calloc(1, sizeof(dict));
    *c = *d;
    c->entries = NULL;
    c->index = NULL;
    c->cap = 0;
    if (d->cap) {
        c->entries = rd_malloc(d->cap * sizeof(uintptr_t));
        c->cap = d->cap;
    }
    for (size_t i = 0; i < d->used; i++) {
        uintptr_t e = d->entries[i];
        if (IS_HOLE(e)) {
            c->entries[i] = e;
        } else {
            const dict_entry *src = (const dict_entry *)e;
            size_t n = sizeof(dict_entry) + src->klen + src->vlen;
            dict_entry *dst = rd_malloc(n);
            memcpy(dst, src, n);
            c->entries[i] = (uintptr_t)dst;
        }
    }
    if (d->index_size) {
        /* Positions are identical, so the index copies as is. */
        c->index = rd_malloc(d->index_size * sizeof(uint64_t));
        memcpy(c->index, d->index, d->index_size * sizeof(uint64_t));
    }
    return c;
}

/* ---- cursors -------------------------------------------------------------------------
 *
 * A cursor is (seq << SCAN_BOUND_BITS) | (exp << SCAN_GAP_BITS) | gap: seq is the seq of
 * the next position to visit (entries keep their seq for life and the dense array stays
 * in seq order, so resuming at the first position with seq >= it neither skips nor
 * repeats an entry still present). exp/gap carry the iteration's end bound B = idx <<
 * exp, where idx = (seq >> exp) + gap: B is next_seq when the iteration started, rounded
 * up on a lattice of step 2^exp chosen so the gap fits. Entries added after the start
 * are beyond B (except for a few in the rounding), so the iteration always ends. This is
 * the scheme of the keyspace SCAN (keys_cmds.c), with the dict's own seqs. */
#define SCAN_BOUND_BITS 12
#define SCAN_GAP_BITS 6
#define SCAN_GAP_MAX ((UINT64_C(1) << SCAN_GAP_BITS) - 1)

typedef struct scan_bound {
    unsigned exp;
    uint64_t idx;
} scan_bound;

static scan_bound bound_start(uint64_t first_seq, uint64_t end_seq)
{
    scan_bound b = {0, end_seq};
    for (unsigned e = 0; e < 64; e++) {
        uint64_t idx = (end_seq >> e) + ((end_seq & ((UINT64_C(1) << e) - 1)) != 0);
        if (idx - (first_seq >> e) <= SCAN_GAP_MAX) {
            b.exp = e;
            b.idx = idx;
            break;
        }
    }
    return b;
}

static uint64_t bound_value(scan_bound b)
{
    if (b.idx > (UINT64_MAX >> b.exp))
        return UINT64_MAX;
    return b.idx << b.exp;
}

unsigned long long dict_scan(const dict *d, unsigned long long cursor, unsigned long long count,
                             dict_scan_fn *fn, void *ctx)
{
    uint64_t seq;
    scan_bound b;
    if (cursor == 0) {
        if (d->used == 0)
            return 0;
        seq = 0;
        b = bound_start(seq_at(d, 0), d->next_seq);
    } else {
        seq = cursor >> SCAN_BOUND_BITS;
        uint64_t gap = cursor & SCAN_GAP_MAX;
        b.exp = (unsigned)(cursor >> SCAN_GAP_BITS) & ((1u << (SCAN_BOUND_BITS - SCAN_GAP_BITS)) - 1);
        b.idx = (seq >> b.exp) + gap;
        if (gap == 0) /* a hand-made cursor: no bound */
            b.idx = UINT64_MAX, b.exp = 0;
    }
    uint64_t bound = bound_value(b);
    if (count == 0)
        count = 1;
    unsigned long long max_visits = count > UINT64_MAX / SCAN_EMPTY_VISITS ? UINT64_MAX : count * SCAN_EMPTY_VISITS;

    size_t pos = seek_seq(d, seq);
    unsigned long long emitted = 0, visited = 0;
    while (pos < d->used && seq_at(d, pos) < bound && emitted < count && visited < max_visits) {
        uintptr_t e = d->entries[pos];
        if (!IS_HOLE(e)) {
            fn(ctx, (const dict_entry *)e);
            emitted++;
        }
        visited++;
        pos++;
    }
    if (pos >= d->used || seq_at(d, pos) >= bound)
        return 0;
    uint64_t next = seq_at(d, pos);
    unsigned long long low = 0;
    if (b.idx != UINT64_MAX || b.exp != 0) {
        uint64_t gap = b.idx - (next >> b.exp);
        if (gap >= 1 && gap <= SCAN_GAP_MAX)
            low = ((unsigned long long)b.exp << SCAN_GAP_BITS) | gap;
    }
    return ((unsigned long long)next << SCAN_BOUND_BITS) | low;
}

/* ---- snapshots ------------------------------------------------------------------------ */

#define TAG_HOLE 0
#define TAG_ENTRY 1

static void put_u64(struct bytebuf *out, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    bytebuf_append(out, b, 8);
}

static void put_u32(struct bytebuf *out, uint32_t v)
{
    unsigned char b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    bytebuf_append(out, b, 4);
}

void dict_save(const dict *d, struct bytebuf *out)
{
    put_u64(out, d->next_seq);
    put_u64(out, d->used);
    for (size_t i = 0; i < d->used; i++) {
        uintptr_t e = d->entries[i];
        if (IS_HOLE(e)) {
            bytebuf_append_char(out, TAG_HOLE);
            put_u64(out, (uint64_t)(e >> 1));
            continue;
        }
        const dict_entry *de = (const dict_entry *)e;
        bytebuf_append_char(out, TAG_ENTRY);
        put_u64(out, de->seq);
        put_u32(out, de->klen);
        bytebuf_append(out, de->data, de->klen);
        if (d->has_values) {
            put_u32(out, de->vlen);
            bytebuf_append(out, dict_val(de), de->vlen);
        }
    }
}

typedef struct reader {
    const unsigned char *p, *end;
    int bad;
} reader;

static uint64_t rd_u(reader *r, int n)
{
    if (r->bad || (size_t)(r->end - r->p) < (size_t)n) {
        r->bad = 1;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)r->p[i] << (8 * i);
    r->p += n;
    return v;
}

static const char *rd_bytes(reader *r, uint64_t n)
{
    if (r->bad || (uint64_t)(r->end - r->p) < n) {
        r->bad = 1;
        return NULL;
    }
    const char *s = (const char *)r->p;
    r->p += n;
    return s;
}

dict *dict_load(const char *p, size_t len, int has_values)
{
    reader r = {(const unsigned char *)p, (const unsigned char *)p + len, 0};
    uint64_t next_seq = rd_u(&r, 8);
    uint64_t used = rd_u(&r, 8);
    /* every position takes at least 9 bytes: reject absurd counts before allocating */
    if (r.bad || next_seq == 0 || used > (uint64_t)(r.end - r.p) / 9 || used > MAX_POSITIONS)
        return NULL;
    dict *d = dict_new(has_values);
    d->next_seq = next_seq;
    uint64_t last_seq = 0;
    for (uint64_t i = 0; i < used; i++) {
        uint64_t tag = rd_u(&r, 1);
        uint64_t seq = rd_u(&r, 8);
        if (r.bad || seq <= last_seq || seq >= next_seq || seq > (UINTPTR_MAX >> 1))
            goto bad;
        last_seq = seq;
        if (tag == TAG_HOLE) {
            if (i + 1 == used) /* trailing holes are always dropped */
                goto bad;
            entries_reserve_one(d);
            d->entries[d->used++] = HOLE(seq);
            continue;
        }
        if (tag != TAG_ENTRY)
            goto bad;
        uint64_t klen = rd_u(&r, 4);
        const char *k = rd_bytes(&r, klen);
        uint64_t vlen = 0;
        const char *v = NULL;
        if (has_values) {
            vlen = rd_u(&r, 4);
            v = rd_bytes(&r, vlen);
        }
        size_t dummy;
        if (r.bad || dict_find(d, k, klen, &dummy))
            goto bad;
        append_entry(d, entry_new(seq, k, klen, v, vlen), key_tag(k, klen));
    }
    if (r.p != r.end)
        goto bad;
    return d;
bad:
    dict_free(d);
    return NULL;
}

/* ---- distinct random picks ------------------------------------------------------------ */

/* A set of size_t values (open addressing), for rejection sampling. */
typedef struct pick_set {
    size_t *slots; /* value + 1; 0 = empty */
    size_t mask;
} pick_set;

static void pick_set_init(pick_set *s, size_t k)
{
    size_t size = 16;
    while (size < k * 2)
        size *= 2;
    s->slots = rd_calloc(size, sizeof(size_t));
    s->mask = size - 1;
}

/* Inserts v; returns 0 if it was already there. */
static int pick_set_add(pick_set *s, size_t v)
{
    size_t i = (size_t)((v * UINT64_C(0x9E3779B97F4A7C15)) >> 20) & s->mask;
    while (s->slots[i]) {
        if (s->slots[i] == v + 1)
            return 0;
        i = (i + 1) & s->mask;
    }
    s->slots[i] = v + 1;
    return 1;
}

void sample_distinct(prng *r, size_t n, size_t k, size_t *out)
{
    if (k == 0)
        return;
    if (k * 3 > n) {
        /* a large share of the values: partial Fisher-Yates over all of them */
        size_t *all = rd_malloc(n * sizeof(size_t));
        for (size_t i = 0; i < n; i++)
            all[i] = i;
        for (size_t i = 0; i < k; i++) {
            size_t j = i + (size_t)prng_below(r, n - i);
            size_t t = all[i];
            all[i] = all[j];
            all[j] = t;
            out[i] = all[i];
        }
        rd_free(all);
        return;
    }
    /* a small share: draw and reject repeats (expected < 1.5 draws per pick) */
    pick_set s;
    pick_set_init(&s, k);
    for (size_t got = 0; got < k;) {
        size_t v = (size_t)prng_below(r, n);
        if (pick_set_add(&s, v))
            out[got++] = v;
    }
    rd_free(s.slots);
}

void dict_random_distinct(const dict *d, prng *r, size_t k, size_t *out)
{
    if (k == 0)
        return;
    if (k * 3 > d->count || (d->used - d->count) * 2 > d->used) {
        /* ranks among the live entries, mapped to positions */
        size_t *live = rd_malloc(d->count * sizeof(size_t));
        size_t n = 0;
        for (size_t p = 0; p < d->used; p++)
            if (!IS_HOLE(d->entries[p]))
                live[n++] = p;
        sample_distinct(r, n, k, out);
        for (size_t i = 0; i < k; i++)
            out[i] = live[out[i]];
        rd_free(live);
        return;
    }
    pick_set s;
    pick_set_init(&s, k);
    for (size_t got = 0; got < k;) {
        size_t pos;
        dict_random(d, r, &pos);
        if (pick_set_add(&s, pos))
            out[got++] = pos;
    }
    rd_free(s.slots);
}
