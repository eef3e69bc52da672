/* skiplist: the skip list + insertion-ordered member table behind the "skiplist"
 * encoding of sorted sets (contract and determinism notes in skiplist.h).
 *
 * The skip list follows Redis's zskiplist (t_zset.c): a header node with
 * ZSL_MAXLEVEL levels, forward links with spans (so ranks are O(log n)), backward
 * links on level 0, ordering by score then member bytes. Differences: the member is
 * stored inline in the node, levels come from a per-set deterministic generator, and
 * nodes carry their table sequence number.
 *
 * The table: `slots` is the dense insertion-ordered array; `index` an open-addressing
 * hash of slot positions (linear probing, tombstones). The index layout depends on the
 * process's hash seed, but nothing observable iterates it. */
#include "skiplist.h"

#include <math.h>
#include <string.h>

#include "hash.h"
#include "mem.h"
#include "varint.h"

#define ZSL_TOMB UINT32_MAX
#define ZSL_SLOTS_MIN 8
#define ZSL_INDEX_MIN 16
#define ZSL_COMPACT_MIN_HOLES 8
#define ZSL_LEVEL_SEED UINT64_C(0x9E3779B97F4A7C15)
#define ZSL_SAVE_VERSION 1

/* ---- nodes ---------------------------------------------------------------------- */

static zsl_node *node_new(int nlevel, double score, const char *m, size_t len)
{
    zsl_node *n = rd_malloc(sizeof(zsl_node) + (size_t)nlevel * sizeof(struct zsl_level) + len);
    n->score = score;
    n->backward = NULL;
    n->seq = 0;
    n->mlen = (uint32_t)len;
    n->nlevel = (uint32_t)nlevel;
    for (int i = 0; i < nlevel; i++) {
        n->level[i].forward = NULL;
        n->level[i].span = 0;
    }
    if (len)
        memcpy((char *)&n->level[nlevel], m, len);
    return n;
}

/* splitmix64: a good 64-bit mix of a counter. */
static uint64_t splitmix64(uint64_t *state)
{
    uint64_t x = (*state += UINT64_C(0x9E3779B97F4A7C15));
    x = (x ^ (x >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94D049BB133111EB);
    return x ^ (x >> 31);
}

/* Redis's distribution: P(level > k) = 0.25^k, capped; two random bits per level. */
static int random_level(zsl *z)
{
    uint64_t r = splitmix64(&z->level_state);
    int level = 1;
    while ((r & 3) == 0 && level < ZSL_MAXLEVEL) {
        level++;
        r >>= 2;
    }
    return level;
}

int zsl_memcmp(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int cmp = n ? memcmp(a, b, n) : 0;
    if (cmp)
        return cmp;
    return alen < blen ? -1 : (alen > blen ? 1 : 0);
}

/* Does node n sort before (score, m)? */
static inline int node_before(const zsl_node *n, double score, const char *m, size_t len)
{
    return n->score < score ||
           (n->score == score && zsl_memcmp(zsl_member(n), n->mlen, m, len) < 0);
}

/* ---- the member table ------------------------------------------------------------- */

static inline int slot_is_hole(uintptr_t s) { return (s & 1) != 0; }

static inline uint64_t slot_seq(uintptr_t s)
{
    return slot_is_hole(s) ? (uint64_t)(s >> 1) : ((const zsl_node *)s)->seq;
}

static void index_put(zsl *z, size_t pos)
{
    const zsl_node *n = (const zsl_node *)z->slots[pos];
    size_t mask = z->index_size - 1;
    size_t i = (size_t)rd_hash(zsl_member(n), n->mlen) & mask;
    while (z->index[i] != 0 && z->index[i] != ZSL_TOMB)
        i = (i + 1) & mask;
    z->index[i] = (uint32_t)(pos + 1);
    z->index_fill++;
}

/* Rebuilds the index for the live entries, sized for the slot capacity. */
static void index_rebuild(zsl *z)
{
    size_t want = ZSL_INDEX_MIN;
    while (want < z->cap * 2)
        want *= 2;
    rd_free(z->index);
    z->index = rd_calloc(want, sizeof(uint32_t));
    z->index_size = want;
    z->index_fill = 0;
    for (size_t pos = 0; pos < z->used; pos++)
        if (!slot_is_hole(z->slots[pos]))
            index_put(z, pos);
}

/* Index slot of member m, or SIZE_MAX. */
static size_t index_lookup(const zsl *z, const char *m, size_t len)
{
    if (!z->index_size)
        return SIZE_MAX;
    size_t mask = z->index_size - 1;
    size_t i = (size_t)rd_hash(m, len) & mask;
    for (size_t probes = 0; probes < z->index_size; probes++, i = (i + 1) & mask) {
        uint32_t v = z->index[i];
        if (v == 0)
            return SIZE_MAX;
        if (v == ZSL_TOMB)
            continue;
        const zsl_node *n = (const zsl_node *)z->slots[v - 1];
        if (n->mlen == len && (len == 0 || memcmp(zsl_member(n), m, len) == 0))
            return i;
    }
    return SIZE_MAX;
}

/* Removes the holes, keeping order; only ever called from a mutation, with a trigger
 * that depends on counts alone (see tbl_remove). */
static void tbl_compact(zsl *z)
{
    size_t w = 0;
    for (size_t r = 0; r < z->used; r++)
        if (!slot_is_hole(z->slots[r]))
            z->slots[w++] = z->slots[r];
    z->used = w;
    z->holes = 0;
    index_rebuild(z);
}

static void tbl_append_slot(zsl *z, uintptr_t s)
{
    if (z->used == z->cap) {
        z->cap = z->cap ? z->cap * 2 : ZSL_SLOTS_MIN;
        z->slots = rd_realloc(z->slots, z->cap * sizeof(uintptr_t));
    }
    z->slots[z->used++] = s;
}

static void tbl_add(zsl *z, zsl_node *n)
{
    tbl_append_slot(z, (uintptr_t)n);
    /* Keep the index at most 3/4 full counting tombstones. */
    if ((z->index_fill + 1) * 4 > z->index_size * 3)
        index_rebuild(z); /* includes the new slot */
    else
        index_put(z, z->used - 1);
}

static void tbl_remove(zsl *z, const zsl_node *n)
{
    size_t i = index_lookup(z, zsl_member(n), n->mlen);
    if (i == SIZE_MAX)
        return;
    size_t pos = z->index[i] - 1;
    z->index[i] = ZSL_TOMB;
    z->slots[pos] = (uintptr_t)((n->seq << 1) | 1);
    z->holes++;
    if (z->holes >= ZSL_COMPACT_MIN_HOLES && z->holes * 2 > z->used)
        tbl_compact(z);
}

zsl_node *zsl_find(const zsl *z, const char *m, size_t len)
{
    size_t i = index_lookup(z, m, len);
    return i == SIZE_MAX ? NULL : (zsl_node *)z->slots[z->index[i] - 1];
}

zsl_node *zsl_slot(const zsl *z, size_t pos)
{
    if (pos >= z->used || slot_is_hole(z->slots[pos]))
        return NULL;
    return (zsl_node *)z->slots[pos];
}

uint64_t zsl_slot_seq(const zsl *z, size_t pos)
{
    return slot_seq(z->slots[pos]);
}

size_t zsl_seek_seq(const zsl *z, uint64_t seq)
{
    size_t lo = 0, hi = z->used;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (slot_seq(z->slots[mid]) < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

zsl_node *zsl_random(const zsl *z, prng *r)
{
    if (z->length == 0)
        return NULL;
    for (;;) { /* live slots are at least a third of the array: few retries */
        zsl_node *n = zsl_slot(z, (size_t)prng_below(r, z->used));
        if (n)
            return n;
    }
}

/* ---- the skip list -------------------------------------------------------------------- */

static zsl *zsl_alloc(void)
{
    zsl *z = rd_calloc(1, sizeof(zsl));
    z->level = 1;
    z->header = node_new(ZSL_MAXLEVEL, 0, NULL, 0);
    z->next_seq = 1;
    z->level_state = ZSL_LEVEL_SEED;
    return z;
}

zsl *zsl_new(void)
{
    return zsl_alloc();
}

void zsl_free(zsl *z)
{
    if (!z)
        return;
    zsl_node *n = z->header->level[0].forward;
    while (n) {
        zsl_node *next = n->level[0].forward;
        rd_free(n);
        n = next;
    }
    rd_free(z->header);
    rd_free(z->slots);
    rd_free(z->index);
    rd_free(z);
}

/* Links node n (level count already set, score/member filled) at its sorted place. */
static void link_node(zsl *z, zsl_node *n)
{
    zsl_node *update[ZSL_MAXLEVEL];
    size_t rank[ZSL_MAXLEVEL];
    const char *m = zsl_member(n);
    zsl_node *x = z->header;
    for (int i = z->level - 1; i >= 0; i--) {
        rank[i] = i == z->level - 1 ? 0 : rank[i + 1];
        while (x->level[i].forward && node_before(x->level[i].forward, n->score, m, n->mlen)) {
            rank[i] += x->level[i].span;
            x = x->level[i].forward;
        }
        update[i] = x;
    }
    int level = (int)n->nlevel;
    if (level > z->level) {
        for (int i = z->level; i < level; i++) {
            rank[i] = 0;
            update[i] = z->header;
            update[i]->level[i].span = z->length;
        }
        z->level = level;
    }
    for (int i = 0; i < level; i++) {
        n->level[i].forward = update[i]->level[i].forward;
        update[i]->level[i].forward = n;
        n->level[i].span = update[i]->level[i].span - (rank[0] - rank[i]);
        update[i]->level[i].span = (rank[0] - rank[i]) + 1;
    }
    for (int i = level; i < z->level; i++)
        update[i]->level[i].span++;
    n->backward = update[0] == z->header ? NULL : update[0];
    if (n->level[0].forward)
        n->level[0].forward->backward = n;
    else
        z->tail = n;
    z->length++;
}

/* The update[] vector for node n (the last node before it on every level). */
static void find_update(const zsl *z, const zsl_node *n, zsl_node **update)
{
    zsl_node *x = z->header;
    const char *m = zsl_member(n);
    for (int i = z->level - 1; i >= 0; i--) {
        while (x->level[i].forward && x->level[i].forward != n &&
               node_before(x->level[i].forward, n->score, m, n->mlen))
            x = x->level[i].forward;
        update[i] = x;
    }
}

static void unlink_node(zsl *z, zsl_node *n, zsl_node **update)
{
    for (int i = 0; i < z->level; i++) {
        if (update[i]->level[i].forward == n) {
            update[i]->level[i].span += n->level[i].span - 1;
            update[i]->level[i].forward = n->level[i].forward;
        } else {
            update[i]->level[i].span -= 1;
        }
    }
    if (n->level[0].forward)
        n->level[0].forward->backward = n->backward;
    else
        z->tail = n->backward;
    while (z->level > 1 && z->header->level[z->level - 1].forward == NULL)
        z->level--;
    z->length--;
}

zsl_node *zsl_insert(zsl *z, double score, const char *m, size_t len)
{
    zsl_node *n = node_new(random_level(z), score, m, len);
    z->node_bytes += rd_alloc_size(n);
    link_node(z, n);
    n->seq = z->next_seq++;
    tbl_add(z, n);
    return n;
}

zsl_node *zsl_update_score(zsl *z, zsl_node *n, double score)
{
    /* Still in order with the new score: just change it (Redis zslUpdateScore). */
    if ((n->backward == NULL || n->backward->score < score ||
         (n->backward->score == score &&
          zsl_memcmp(zsl_member(n->backward), n->backward->mlen, zsl_member(n), n->mlen) < 0)) &&
        (n->level[0].forward == NULL || n->level[0].forward->score > score ||
         (n->level[0].forward->score == score &&
          zsl_memcmp(zsl_member(n->level[0].forward), n->level[0].forward->mlen,
                     zsl_member(n), n->mlen) > 0))) {
        n->score = score;
        return n;
    }
    zsl_node *update[ZSL_MAXLEVEL];
    find_update(z, n, update);
    unlink_node(z, n, update);
    n->score = score;
    for (uint32_t i = 0; i < n->nlevel; i++) {
        n->level[i].forward = NULL;
        n->level[i].span = 0;
    }
    link_node(z, n);
    return n;
}

void zsl_delete_node(zsl *z, zsl_node *n)
{
    zsl_node *update[ZSL_MAXLEVEL];
    find_update(z, n, update);
    unlink_node(z, n, update);
    tbl_remove(z, n);
    z->node_bytes -= rd_alloc_size(n);
    rd_free(n);
}

size_t zsl_delete_range_by_rank(zsl *z, size_t start, size_t end)
{
    zsl_node *update[ZSL_MAXLEVEL];
    size_t traversed = 0, removed = 0;
    zsl_node *x = z->header;
    for (int i = z->level - 1; i >= 0; i--) {
        while (x->level[i].forward && traversed + x->level[i].span < start) {
            traversed += x->level[i].span;
            x = x->level[i].forward;
        }
        update[i] = x;
    }
    traversed++;
    x = x->level[0].forward;
    while (x && traversed <= end) {
        zsl_node *next = x->level[0].forward;
        unlink_node(z, x, update);
        tbl_remove(z, x);
        z->node_bytes -= rd_alloc_size(x);
        rd_free(x);
        removed++;
        traversed++;
        x = next;
    }
    return removed;
}

size_t zsl_rank(const zsl *z, const zsl_node *n)
{
    size_t rank = 0;
    const zsl_node *x = z->header;
    const char *m = zsl_member(n);
    for (int i = z->level - 1; i >= 0; i--) {
        while (x->level[i].forward &&
               (x->level[i].forward == n ||
                node_before(x->level[i].forward, n->score, m, n->mlen))) {
            rank += x->level[i].span;
            x = x->level[i].forward;
        }
        if (x == n)
            return rank;
    }
    return 0;
}

zsl_node *zsl_by_rank(const zsl *z, size_t rank)
{
    if (rank == 0 || rank > z->length)
        return NULL;
    size_t traversed = 0;
    zsl_node *x = z->header;
    for (int i = z->level - 1; i >= 0; i--) {
        while (x->level[i].forward && traversed + x->level[i].span <= rank) {
            traversed += x->level[i].span;
            x = x->level[i].forward;
        }
        if (traversed == rank)
            return x;
    }
    return NULL;
}

/* ---- ranges ------------------------------------------------------------------------- */

int zsl_value_gte_min(double v, const zrangespec *r)
{
    return r->minex ? v > r->min : v >= r->min;
}

int zsl_value_lte_max(double v, const zrangespec *r)
{
    return r->maxex ? v < r->max : v <= r->max;
}

int zsl_range_empty(const zrangespec *r)
{
    return r->min > r->max || (r->min == r->max && (r->minex || r->maxex));
}

/* Compares member bytes with a lex bound (kind -1 "-" is below everything). */
static int lex_cmp(const char *m, size_t len, const char *b, size_t blen, int kind)
{
    if (kind < 0)
        return 1;
    if (kind > 0)
        return -1;
    return zsl_memcmp(m, len, b, blen);
}

int zsl_lex_gte_min(const char *m, size_t len, const zlexrangespec *r)
{
    int c = lex_cmp(m, len, r->min, r->minlen, r->minkind);
    return r->minex ? c > 0 : c >= 0;
}

int zsl_lex_lte_max(const char *m, size_t len, const zlexrangespec *r)
{
    int c = lex_cmp(m, len, r->max, r->maxlen, r->maxkind);
    return r->maxex ? c < 0 : c <= 0;
}

int zsl_lex_range_empty(const zlexrangespec *r)
{
    /* Redis zslIsInLexRange's first test: min > max, or equal with an exclusion. */
    int c;
    if (r->minkind == r->maxkind && r->minkind != 0)
        c = 0;
    else if (r->minkind > 0 || r->maxkind < 0)
        c = 1;
    else if (r->minkind < 0 || r->maxkind > 0)
        c = -1;
    else
        c = zsl_memcmp(r->min, r->minlen, r->max, r->maxlen);
    return c > 0 || (c == 0 && (r->minex || r->maxex));
}

static int is_in_range(const zsl *z, const zrangespec *r)
{
    if (zsl_range_empty(r))
        return 0;
    zsl_node *x = z->tail;
    if (!x || !zsl_value_gte_min(x->score, r))
        return 0;
    x = z->header->level[0].forward;
    return x && zsl_value_lte_max(x->score, r);
}

zsl_node *zsl_first_in_range(const zsl *z, const zrangespec *r)
{
    if (!is_in_range(z, r))
        return NULL;
    zsl_node *x = z->header;
    for (int i = z->level - 1; i >= 0; i--)
        while (x->level[i].forward && !zsl_value_gte_min(x->level[i].forward->score, r))
            x = x->level[i].forward;
    x = x->level[0].forward;
    return x && zsl_value_lte_max(x->score, r) ? x : NULL;
}

zsl_node *zsl_last_in_range(const zsl *z, const zrangespec *r)
{
    if (!is_in_range(z, r))
        return NULL;
    zsl_node *x = z->header;
    for (int i = z->level - 1; i >= 0; i--)
        while (x->level[i].forward && zsl_value_lte_max(x->level[i].forward->score, r))
            x = x->level[i].forward;
    return x != z->header && zsl_value_gte_min(x->score, r) ? x : NULL;
}

static int is_in_lex_range(const zsl *z, const zlexrangespec *r)
{
    if (zsl_lex_range_empty(r))
        return 0;
    zsl_node *x = z->tail;
    if (!x || !zsl_lex_gte_min(zsl_member(x), x->mlen, r))
        return 0;
    x = z->header->level[0].forward;
    return x && zsl_lex_lte_max(zsl_member(x), x->mlen, r);
}

zsl_node *zsl_first_in_lex_range(const zsl *z, const zlexrangespec *r)
{
    if (!is_in_lex_range(z, r))
        return NULL;
    zsl_node *x = z->header;
    for (int i = z->level - 1; i >= 0; i--)
        while (x->level[i].forward &&
               !zsl_lex_gte_min(zsl_member(x->level[i].forward), x->level[i].forward->mlen, r))
            x = x->level[i].forward;
    x = x->level[0].forward;
    return x && zsl_lex_lte_max(zsl_member(x), x->mlen, r) ? x : NULL;
}

zsl_node *zsl_last_in_lex_range(const zsl *z, const zlexrangespec *r)
{
    if (!is_in_lex_range(z, r))
        return NULL;
    zsl_node *x = z->header;
    for (int i = z->level - 1; i >= 0; i--)
        while (x->level[i].forward &&
               zsl_lex_lte_max(zsl_member(x->level[i].forward), x->level[i].forward->mlen, r))
            x = x->level[i].forward;
    return x != z->header && zsl_lex_gte_min(zsl_member(x), x->mlen, r) ? x : NULL;
}

/* ---- copy, memory, snapshot ------------------------------------------------------------ */

/* Appends a node with a given seq (copy/load): links it and puts it in the next slot. */
static zsl_node *insert_with_seq(zsl *z, double score, const char *m, size_t len, uint64_t seq)
{
    zsl_node *n = node_new(random_level(z), score, m, len);
    z->node_bytes += rd_alloc_size(n);
    link_node(z, n);
    n->seq = seq;
    tbl_append_slot(z, (uintptr_t)n);
    return n;
}

zsl *zsl_dup(const zsl *z)
{
    zsl *d = zsl_alloc();
    for (size_t pos = 0; pos < z->used; pos++) {
        uintptr_t s = z->slots[pos];
        if (slot_is_hole(s)) {
            tbl_append_slot(d, s);
            d->holes++;
        } else {
            const zsl_node *n = (const zsl_node *)s;
            insert_with_seq(d, n->score, zsl_member(n), n->mlen, n->seq);
        }
    }
    index_rebuild(d);
    d->next_seq = z->next_seq;
    d->level_state = z->level_state;
    return d;
}

size_t zsl_memory_usage(const zsl *z)
{
    return rd_alloc_size(z) + rd_alloc_size(z->header) + rd_alloc_size(z->slots) +
           rd_alloc_size(z->index) + z->node_bytes;
}

static void put_varint(bytebuf *out, uint64_t v)
{
    unsigned char buf[VARINT_MAX_LEN];
    bytebuf_append(out, buf, varint_put(buf, v));
}

static int get_varint(const char *p, size_t len, size_t *off, uint64_t *v)
{
    size_t n = *off <= len ? varint_get(p + *off, len - *off, v) : 0;
    *off += n;
    return n != 0;
}

static void put_u64(bytebuf *out, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    bytebuf_append(out, b, 8);
}

static int get_u64(const char *p, size_t len, size_t *off, uint64_t *v)
{
    if (len - *off < 8)
        return 0;
    uint64_t r = 0;
    for (int i = 0; i < 8; i++)
        r |= (uint64_t)(unsigned char)p[*off + (size_t)i] << (8 * i);
    *off += 8;
    *v = r;
    return 1;
}

/* [u8 version][varint next_seq][u64 level_state][varint used]
 * then per slot: varint (seq << 1 | hole); live slots add varint mlen, member, u64 score bits. */
void zsl_save(const zsl *z, bytebuf *out)
{
    bytebuf_append_char(out, (char)ZSL_SAVE_VERSION);
    put_varint(out, z->next_seq);
    put_u64(out, z->level_state);
    put_varint(out, z->used);
    for (size_t pos = 0; pos < z->used; pos++) {
        uintptr_t s = z->slots[pos];
        if (slot_is_hole(s)) {
            put_varint(out, ((uint64_t)(s >> 1) << 1) | 1);
            continue;
        }
        const zsl_node *n = (const zsl_node *)s;
        uint64_t bits;
        memcpy(&bits, &n->score, sizeof(bits));
        put_varint(out, n->seq << 1);
        put_varint(out, n->mlen);
        bytebuf_append(out, zsl_member(n), n->mlen);
        put_u64(out, bits);
    }
}

zsl *zsl_load(const char *p, size_t len)
{
    size_t off = 0;
    uint64_t next_seq, state, used;
    if (len < 1 || p[0] != (char)ZSL_SAVE_VERSION)
        return NULL;
    off = 1;
    if (!get_varint(p, len, &off, &next_seq) || !get_u64(p, len, &off, &state) ||
        !get_varint(p, len, &off, &used) || used > len)
        return NULL;
    zsl *z = zsl_alloc();
    uint64_t last_seq = 0;
    for (uint64_t i = 0; i < used; i++) {
        uint64_t tag, seq;
        if (!get_varint(p, len, &off, &tag))
            goto bad;
        seq = tag >> 1;
        /* Sequence numbers grow strictly along the slots and stay below next_seq; the
         * encoding of a hole keeps only 63 bits of seq, as in memory. */
        if (seq == 0 || seq <= last_seq || seq >= next_seq || seq > (UINT64_MAX >> 1))
            goto bad;
        last_seq = seq;
        if (tag & 1) {
            tbl_append_slot(z, (uintptr_t)((seq << 1) | 1));
            z->holes++;
            continue;
        }
        uint64_t mlen, bits;
        if (!get_varint(p, len, &off, &mlen) || mlen > len - off || mlen > UINT32_MAX)
            goto bad;
        const char *m = p + off;
        off += (size_t)mlen;
        if (!get_u64(p, len, &off, &bits))
            goto bad;
        double score;
        memcpy(&score, &bits, sizeof(score));
        if (isnan(score))
            goto bad;
        /* Duplicates would break the table; the index is built as we go to catch them. */
        if (z->index_size == 0 || (z->index_fill + 1) * 4 > z->index_size * 3)
            index_rebuild(z);
        if (index_lookup(z, m, (size_t)mlen) != SIZE_MAX)
            goto bad;
        insert_with_seq(z, score, m, (size_t)mlen, seq);
        index_put(z, z->used - 1);
    }
    if (off != len)
        goto bad;
    index_rebuild(z);
    z->next_seq = next_seq;
    z->level_state = state;
    return z;
bad:
    zsl_free(z);
    return NULL;
}
