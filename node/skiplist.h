/* skiplist: the "skiplist" encoding of a sorted set -- a skip list ordered by
 * (score, member) with rank spans, plus an insertion-ordered member -> node table.
 *
 * The skip list answers ranks and score/lex ranges in O(log n); the table answers
 * "what is the score of member m" in O(1) and gives the deterministic layout that
 * ZRANDMEMBER and ZSCAN walk (shared/DESIGN.md, "The log entry and determinism"):
 * a dense array of node pointers in insertion order, where a removed member leaves a
 * hole carrying its sequence number, compacted (order preserved) once holes are half
 * the array. Compaction depends only on the sequence of operations, never on
 * allocation sizes, so every replica -- and a replica that reloaded a snapshot --
 * has the same layout. ZSCAN cursors are sequence numbers, valid across compaction.
 *
 * Node levels come from a per-set generator (splitmix64 of a counter), never rand():
 * the shape of the list is then a pure function of the operations too. The shape is
 * not observable anyway; only performance depends on it.
 *
 * Ownership: a zsl owns its nodes; a node owns its member bytes (stored inline after
 * its level array). Node pointers stay valid until that member is removed (score
 * updates relink the same node). */
#ifndef REDRAFT_SKIPLIST_H
#define REDRAFT_SKIPLIST_H

#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"
#include "prng.h"

#define ZSL_MAXLEVEL 32

typedef struct zsl_node {
    double score;
    struct zsl_node *backward;
    uint64_t seq;     /* insertion sequence number (table position key, ZSCAN cursor) */
    uint32_t mlen;
    uint32_t nlevel;
    struct zsl_level {
        struct zsl_node *forward;
        size_t span;  /* ranks skipped by this link */
    } level[];
    /* member bytes follow level[nlevel] */
} zsl_node;

typedef struct zsl {
    uint32_t zero;    /* always 0: tells a zsl from a listpack, whose first word is its size */
    int level;
    size_t length;
    zsl_node *header, *tail;
    /* the insertion-ordered member table */
    uintptr_t *slots; /* zsl_node* (low bit 0) or a hole: (seq << 1) | 1 */
    size_t used, cap, holes;
    uint32_t *index;  /* 0 empty, ZSL_TOMB removed, else slot position + 1 */
    size_t index_size, index_fill; /* fill = live + tombstones */
    uint64_t next_seq;
    uint64_t level_state;
    size_t node_bytes;  /* allocation sizes of the live nodes (O(1) MEMORY USAGE) */
} zsl;

/* A score interval; *ex means the bound is excluded. */
typedef struct zrangespec {
    double min, max;
    int minex, maxex;
} zrangespec;

/* A lexicographic interval. kind: 0 a real bound, -1 "-" (below everything), +1 "+"
 * (above everything). The bound bytes are not owned. */
typedef struct zlexrangespec {
    const char *min, *max;
    size_t minlen, maxlen;
    int minkind, maxkind;
    int minex, maxex;
} zlexrangespec;

static inline const char *zsl_member(const zsl_node *n)
{
    return (const char *)&n->level[n->nlevel];
}

zsl *zsl_new(void);
void zsl_free(zsl *z);
/* Deep copy with the same table layout (holes, sequence numbers, generator state). */
zsl *zsl_dup(const zsl *z);
size_t zsl_memory_usage(const zsl *z);

zsl_node *zsl_find(const zsl *z, const char *m, size_t len);
/* Adds a member that is not present. Returns its node. */
zsl_node *zsl_insert(zsl *z, double score, const char *m, size_t len);
/* Changes a node's score, keeping the node (and its table slot). Returns the node. */
zsl_node *zsl_update_score(zsl *z, zsl_node *n, double score);
/* Removes and frees the node. */
void zsl_delete_node(zsl *z, zsl_node *n);
/* Removes ranks [start, end] (1-based, inclusive, start <= end <= length). Returns
 * the number removed. */
size_t zsl_delete_range_by_rank(zsl *z, size_t start, size_t end);

/* 1-based rank of a node. */
size_t zsl_rank(const zsl *z, const zsl_node *n);
/* The node of 1-based rank, or NULL. */
zsl_node *zsl_by_rank(const zsl *z, size_t rank);
static inline zsl_node *zsl_first(const zsl *z) { return z->header->level[0].forward; }

/* Range tests shared with the listpack encoding. */
int zsl_value_gte_min(double v, const zrangespec *r);
int zsl_value_lte_max(double v, const zrangespec *r);
int zsl_lex_gte_min(const char *m, size_t len, const zlexrangespec *r);
int zsl_lex_lte_max(const char *m, size_t len, const zlexrangespec *r);
int zsl_range_empty(const zrangespec *r);
int zsl_lex_range_empty(const zlexrangespec *r);
/* Member order (Redis's sdscmp): memcmp, then the shorter first. */
int zsl_memcmp(const char *a, size_t alen, const char *b, size_t blen);

/* First / last node inside the range, or NULL. */
zsl_node *zsl_first_in_range(const zsl *z, const zrangespec *r);
zsl_node *zsl_last_in_range(const zsl *z, const zrangespec *r);
zsl_node *zsl_first_in_lex_range(const zsl *z, const zlexrangespec *r);
zsl_node *zsl_last_in_lex_range(const zsl *z, const zlexrangespec *r);

/* The member table. */
/* The live node at slot pos, or NULL for a hole / out of range. */
zsl_node *zsl_slot(const zsl *z, size_t pos);
uint64_t zsl_slot_seq(const zsl *z, size_t pos);
/* First slot whose seq >= seq (z->used if none). */
size_t zsl_seek_seq(const zsl *z, uint64_t seq);
/* A live node chosen with r (deterministic for a given layout); NULL if empty. */
zsl_node *zsl_random(const zsl *z, prng *r);

/* Snapshot form: the table in slot order (holes included), the sequence counter and
 * the level generator. load returns NULL on malformed input. */
void zsl_save(const zsl *z, bytebuf *out);
zsl *zsl_load(const char *p, size_t len);

#endif
