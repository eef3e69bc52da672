/* quicklist: a doubly linked list of listpack nodes -- the "quicklist" encoding of big
 * lists, with Redis 7.2's node-filling rules.
 *
 * Each node holds a listpack (listpack.h) of up to list-max-listpack-size worth of
 * elements (`fill`: negative = a byte limit of 4/8/16/32/64 KiB for -1..-5, positive =
 * an entry count, with an 8 KiB safety limit), so elements stay packed in contiguous
 * buffers and a push or pop at either end is O(1). The rules for when a push opens a new
 * node, when an insert splits a node and when neighbours merge are Redis's: the node
 * layout decides when a shrinking list converts back to a listpack (only a quicklist of
 * one node can), so it must evolve as Redis's does.
 *
 * LZF compression of inner nodes (list-compress-depth) is not implemented: every node is
 * a plain listpack.
 *
 * Ownership: the quicklist owns its nodes and their listpacks. The first field is always
 * 0 so a value pointer can tell a quicklist from a bare listpack (whose first 4 bytes,
 * its total size, are at least 7) -- t_list.c relies on that. */
#ifndef REDRAFT_QUICKLIST_H
#define REDRAFT_QUICKLIST_H

#include <stddef.h>
#include <stdint.h>

enum ql_where { QL_HEAD = 0, QL_TAIL = 1 };

typedef struct qlnode {
    struct qlnode *prev, *next;
    unsigned char *lp;
    uint32_t sz;    /* lp_bytes(lp) */
    uint32_t count; /* entries in lp */
} qlnode;

typedef struct quicklist {
    uint32_t zero;          /* always 0 (see above) */
    int32_t fill;           /* list-max-listpack-size at creation, clamped like Redis */
    qlnode *head, *tail;
    unsigned long count;    /* elements */
    unsigned long len;      /* nodes */
} quicklist;

/* An iterator; `offset` is the position inside the current node (negative: from its
 * end), as Redis keeps it, because insert decisions depend on it. */
typedef struct ql_iter {
    quicklist *ql;
    qlnode *node;
    unsigned char *zi;  /* current entry, NULL: seek `offset` on the next step */
    long offset;
    int forward;
} ql_iter;

typedef struct ql_entry {
    qlnode *node;
    unsigned char *zi;
    long offset;
} ql_entry;

/* The per-node limits for a fill value: a byte limit (SIZE_MAX if none) and an entry
 * limit (UINT32_MAX if none). */
void ql_node_limit(int fill, size_t *sz, uint32_t *count);
/* Would a listpack of new_sz bytes / new_count entries exceed one node's limit? */
int ql_node_exceeds_limit(int fill, size_t new_sz, unsigned long new_count);

quicklist *ql_new(int fill);
void ql_free(quicklist *ql);
quicklist *ql_dup(const quicklist *ql);
/* Memory used by the structure (allocation sizes of the header, nodes, listpacks). */
size_t ql_alloc_size(const quicklist *ql);

void ql_push(quicklist *ql, const char *s, size_t len, enum ql_where where);
/* Appends a node holding lp (taken over; must be non-empty). */
void ql_append_listpack(quicklist *ql, unsigned char *lp);
/* For a quicklist of exactly one node: frees the quicklist and returns that node's
 * listpack (now owned by the caller). */
unsigned char *ql_detach_single(quicklist *ql);
/* Iterators. ql_iter_at positions at element index (negative from the tail) and moves
 * forward or backward from there; returns 0 (and an exhausted iterator) if index is out
 * of range. */
void ql_iter_init(quicklist *ql, ql_iter *it, int forward);
int ql_iter_at(quicklist *ql, ql_iter *it, long index, int forward);
int ql_next(ql_iter *it, ql_entry *e);
/* Deletes e (returned by ql_next); the iterator continues with the following element. */
void ql_del_entry(ql_iter *it, ql_entry *e);
/* Inserts s before/after e. The iterator must not be used afterwards. */
void ql_insert(ql_iter *it, ql_entry *e, const char *s, size_t len, int after);
/* Replaces e's value. The iterator must not be used afterwards. */
void ql_replace_entry(ql_iter *it, ql_entry *e, const char *s, size_t len);
/* Deletes count elements from start (negative from the tail), clipped to the list.
 * Returns 1 if anything was deleted. */
int ql_del_range(quicklist *ql, long start, unsigned long count);

#endif
