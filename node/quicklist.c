/* quicklist.c: the quicklist encoding (see quicklist.h) -- node limits, push, insert
 * with split and merge, delete, iteration. The decisions follow Redis 7.2's quicklist.c
 * (without compression and without "plain" nodes, which Redis only uses for elements
 * of 1 GiB and more, above our 512 MiB element limit). */
#include "quicklist.h"

#include <limits.h>
#include <string.h>

#include "listpack.h"
#include "mem.h"

/* Byte limits of fill -1..-5. */
static const size_t optimization_level[] = {4096, 8192, 16384, 32768, 65536};
/* Largest node when the limit is an entry count. */
#define SIZE_SAFETY_LIMIT 8192
/* Redis's over-estimate of one entry's overhead when deciding whether it fits. */
#define SIZE_ESTIMATE_OVERHEAD 8
/* Redis clamps a quicklist's own fill to its 16-bit field. */
#define FILL_MAX 32767
/* Largest node an in-place replace may produce (see ql_replace_entry); overridable so
 * a test build can exercise the other path with small values. */
#ifndef QL_REPLACE_IN_PLACE_MAX
#define QL_REPLACE_IN_PLACE_MAX (1u << 30)
#endif

void ql_node_limit(int fill, size_t *sz, uint32_t *count)
{
    *sz = SIZE_MAX;
    *count = UINT32_MAX;
    if (fill >= 0) {
        *count = fill == 0 ? 1 : (uint32_t)fill; /* a node holds at least one entry */
    } else {
        size_t offset = (size_t)(-(long long)fill) - 1;
        size_t max_level = sizeof(optimization_level) / sizeof(*optimization_level);
        if (offset >= max_level)
            offset = max_level - 1;
        *sz = optimization_level[offset];
    }
}

int ql_node_exceeds_limit(int fill, size_t new_sz, unsigned long new_count)
{
    size_t sz_limit;
    uint32_t count_limit;
    ql_node_limit(fill, &sz_limit, &count_limit);
    if (sz_limit != SIZE_MAX)
        return new_sz > sz_limit;
    if (new_sz > SIZE_SAFETY_LIMIT)
        return 1;
    return new_count > count_limit;
}

static int node_allow_insert(const qlnode *node, int fill, size_t sz)
{
    if (!node)
        return 0;
    size_t new_sz = node->sz + sz + SIZE_ESTIMATE_OVERHEAD;
    return !ql_node_exceeds_limit(fill, new_sz, (unsigned long)node->count + 1);
}

static int node_allow_merge(const qlnode *a, const qlnode *b, int fill)
{
    if (!a || !b)
        return 0;
    /* The merged listpack loses one header and terminator. */
    size_t merge_sz = (size_t)a->sz + b->sz - LP_EMPTY_BYTES;
    return !ql_node_exceeds_limit(fill, merge_sz, (unsigned long)a->count + b->count);
}

/* ---- nodes -------------------------------------------------------------------------- */

static qlnode *node_new(unsigned char *lp)
{
    qlnode *n = rd_malloc(sizeof(*n));
    n->prev = n->next = NULL;
    n->lp = lp;
    n->sz = (uint32_t)lp_bytes(lp);
    n->count = (uint32_t)lp_length(lp);
    return n;
}

static void node_update(qlnode *n)
{
    n->sz = (uint32_t)lp_bytes(n->lp);
}

/* Links new_node after (or before) old_node; old_node NULL only for an empty list. */
static void insert_node(quicklist *ql, qlnode *old_node, qlnode *new_node, int after)
{
    if (after) {
        new_node->prev = old_node;
        if (old_node) {
            new_node->next = old_node->next;
            if (old_node->next)
                old_node->next->prev = new_node;
            old_node->next = new_node;
        }
        if (ql->tail == old_node)
            ql->tail = new_node;
    } else {
        new_node->next = old_node;
        if (old_node) {
            new_node->prev = old_node->prev;
            if (old_node->prev)
                old_node->prev->next = new_node;
            old_node->prev = new_node;
        }
        if (ql->head == old_node)
            ql->head = new_node;
    }
    if (ql->len == 0)
        ql->head = ql->tail = new_node;
    ql->len++;
}

static void del_node(quicklist *ql, qlnode *n)
{
    if (n->next)
        n->next->prev = n->prev;
    if (n->prev)
        n->prev->next = n->next;
    if (n == ql->tail)
        ql->tail = n->prev;
    if (n == ql->head)
        ql->head = n->next;
    ql->len--;
    ql->count -= n->count;
    lp_free(n->lp);
    rd_free(n);
}

/* Deletes the entry at p of node n; returns 1 if that emptied (and freed) the node. */
static int del_index(quicklist *ql, qlnode *n, unsigned char **p)
{
    if (n->count == 1) {
        del_node(ql, n);
        return 1;
    }
    n->lp = lp_delete(n->lp, *p, p);
    n->count--;
    node_update(n);
    ql->count--;
    return 0;
}

/* ---- the list ----------------------------------------------------------------------- */

quicklist *ql_new(int fill)
{
    quicklist *ql = rd_malloc(sizeof(*ql));
    ql->zero = 0;
    if (fill > FILL_MAX)
        fill = FILL_MAX;
    else if (fill < -5)
        fill = -5;
    ql->fill = fill;
    ql->head = ql->tail = NULL;
    ql->count = ql->len = 0;
    return ql;
}

void ql_free(quicklist *ql)
{
    if (!ql)
        return;
    qlnode *n = ql->head;
    while (n) {
        qlnode *next = n->next;
        lp_free(n->lp);
        rd_free(n);
        n = next;
    }
    rd_free(ql);
}

quicklist *ql_dup(const quicklist *ql)
{
    quicklist *d = ql_new(ql->fill);
    for (const qlnode *n = ql->head; n; n = n->next) {
        qlnode *c = node_new(lp_dup(n->lp));
        insert_node(d, d->tail, c, 1);
        d->count += c->count;
    }
    return d;
}

size_t ql_alloc_size(const quicklist *ql)
{
    size_t total = rd_alloc_size(ql);
    for (const qlnode *n = ql->head; n; n = n->next)
        total += rd_alloc_size(n) + rd_alloc_size(n->lp);
    return total;
}

void ql_push(quicklist *ql, const char *s, size_t len, enum ql_where where)
{
    qlnode *orig = where == QL_HEAD ? ql->head : ql->tail;
    if (node_allow_insert(orig, ql->fill, len)) {
        orig->lp = where == QL_HEAD ? lp_prepend(orig->lp, s, len) : lp_append(orig->lp, s, len);
        orig->count++;
        node_update(orig);
    } else {
        qlnode *n = node_new(lp_append(lp_new(), s, len));
        insert_node(ql, orig, n, where == QL_TAIL);
    }
    ql->count++;
}

void ql_append_listpack(quicklist *ql, unsigned char *lp)
{
    qlnode *n = node_new(lp);
    insert_node(ql, ql->tail, n, 1);
    ql->count += n->count;
}

unsigned char *ql_detach_single(quicklist *ql)
{
    unsigned char *lp = ql->head->lp;
    ql->head->lp = NULL;
    ql_free(ql); /* lp_free(NULL) is a no-op */
    return lp;
}

/* ---- iteration ---------------------------------------------------------------------- */

void ql_iter_init(quicklist *ql, ql_iter *it, int forward)
{
    it->ql = ql;
    it->node = forward ? ql->head : ql->tail;
    it->zi = NULL;
    it->offset = forward ? 0 : -1;
    it->forward = forward;
}

int ql_iter_at(quicklist *ql, ql_iter *it, long index, int forward)
{
    it->ql = ql;
    it->zi = NULL;
    it->forward = forward;
    it->node = NULL;
    it->offset = 0;
    int from_head = index >= 0;
    unsigned long idx = from_head ? (unsigned long)index : (unsigned long)(-(index + 1));
    if (idx >= ql->count)
        return 0;
    /* Walk from the nearer end. */
    int seek_forward = from_head;
    unsigned long seek_index = idx;
    if (idx > (ql->count - 1) / 2) {
        seek_forward = !from_head;
        seek_index = ql->count - 1 - idx;
    }
    unsigned long accum = 0;
    qlnode *n = seek_forward ? ql->head : ql->tail;
    while (n) {
        if (accum + n->count > seek_index)
            break;
        accum += n->count;
        n = seek_forward ? n->next : n->prev;
    }
    if (!n)
        return 0;
    if (seek_forward != from_head)
        accum = ql->count - n->count - accum;
    it->node = n;
    it->offset = from_head ? (long)(idx - accum) : -(long)(idx - accum) - 1;
    return 1;
}

int ql_next(ql_iter *it, ql_entry *e)
{
    for (;;) {
        if (!it->node)
            return 0;
        if (!it->zi) {
            it->zi = lp_seek(it->node->lp, it->offset);
        } else if (it->forward) {
            it->zi = lp_next(it->node->lp, it->zi);
            it->offset++;
        } else {
            it->zi = lp_prev(it->node->lp, it->zi);
            it->offset--;
        }
        if (it->zi) {
            e->node = it->node;
            e->zi = it->zi;
            e->offset = it->offset;
            return 1;
        }
        /* This node is done: continue in the next one. */
        if (it->forward) {
            it->node = it->node->next;
            it->offset = 0;
        } else {
            it->node = it->node->prev;
            it->offset = -1;
        }
    }
}

void ql_del_entry(ql_iter *it, ql_entry *e)
{
    qlnode *prev = e->node->prev, *next = e->node->next;
    int deleted_node = del_index(it->ql, e->node, &e->zi);
    it->zi = NULL;
    /* Otherwise the offset stays: the next element in either direction now sits at it
     * (or, past the node's end, ql_next moves on). */
    if (deleted_node) {
        it->node = it->forward ? next : prev;
        it->offset = it->forward ? 0 : -1;
    }
}

/* Splits node at offset: with after, node keeps [0..offset] and the new node gets the
 * rest; without, node keeps [offset..] and the new node gets [0..offset). The new node
 * is returned unlinked. */
static qlnode *split_node(qlnode *node, long offset, int after)
{
    unsigned char *copy = lp_dup(node->lp);
    if (offset < 0)
        offset = (long)node->count + offset;
    long orig_start = after ? offset + 1 : 0;
    unsigned long orig_extent = after ? ULONG_MAX : (unsigned long)offset;
    long new_start = after ? 0 : offset;
    unsigned long new_extent = after ? (unsigned long)offset + 1 : ULONG_MAX;

    node->lp = lp_delete_range(node->lp, orig_start, orig_extent);
    node->count = (uint32_t)lp_length(node->lp);
    node_update(node);
    copy = lp_delete_range(copy, new_start, new_extent);
    return node_new(copy);
}

/* Merges b (right of a) into a; returns a. */
static qlnode *merge_pair(quicklist *ql, qlnode *a, qlnode *b)
{
    unsigned char *blp = b->lp;
    b->lp = lp_new();  /* del_node frees it; b's count moves to a */
    uint32_t bcount = b->count;
    a->lp = lp_concat(a->lp, blp);
    a->count += bcount;
    node_update(a);
    ql->count += bcount; /* del_node subtracts b's count again */
    del_node(ql, b);
    return a;
}

/* Redis's _quicklistMergeNodes: tries (prev_prev, prev), (next, next_next),
 * (prev, center), (center, next). */
static void merge_nodes(quicklist *ql, qlnode *center)
{
    int fill = ql->fill;
    qlnode *prev = center->prev, *prev_prev = prev ? prev->prev : NULL;
    qlnode *next = center->next, *next_next = next ? next->next : NULL;

    if (node_allow_merge(prev, prev_prev, fill))
        merge_pair(ql, prev_prev, prev);
    if (node_allow_merge(next, next_next, fill))
        merge_pair(ql, next, next_next);
    qlnode *target;
    if (node_allow_merge(center, center->prev, fill))
        target = merge_pair(ql, center->prev, center);
    else
        target = center;
    if (node_allow_merge(target, target->next, fill))
        merge_pair(ql, target, target->next);
}

void ql_insert(ql_iter *it, ql_entry *e, const char *s, size_t len, int after)
{
    quicklist *ql = it->ql;
    int fill = ql->fill;
    qlnode *node = e->node;
    int full = !node_allow_insert(node, fill, len);
    int at_tail = 0, at_head = 0, avail_next = 0, avail_prev = 0;

    if (after && (e->offset == (long)node->count - 1 || e->offset == -1)) {
        at_tail = 1;
        avail_next = node_allow_insert(node->next, fill, len);
    }
    if (!after && (e->offset == 0 || e->offset == -(long)node->count)) {
        at_head = 1;
        avail_prev = node_allow_insert(node->prev, fill, len);
    }

    if (!full) {
        node->lp = lp_insert(node->lp, s, len, e->zi, after ? LP_AFTER : LP_BEFORE, NULL);
        node->count++;
        node_update(node);
    } else if (at_tail && avail_next) {
        qlnode *n = node->next;
        n->lp = lp_prepend(n->lp, s, len);
        n->count++;
        node_update(n);
    } else if (at_head && avail_prev) {
        qlnode *n = node->prev;
        n->lp = lp_append(n->lp, s, len);
        n->count++;
        node_update(n);
    } else if (at_tail || at_head) {
        qlnode *n = node_new(lp_append(lp_new(), s, len));
        insert_node(ql, node, n, after);
    } else {
        qlnode *n = split_node(node, e->offset, after);
        n->lp = after ? lp_prepend(n->lp, s, len) : lp_append(n->lp, s, len);
        n->count++;
        node_update(n);
        insert_node(ql, node, n, after);
        merge_nodes(ql, node);
    }
    ql->count++;
    it->node = NULL; /* the iterator is spent */
    it->zi = NULL;
}

void ql_replace_entry(ql_iter *it, ql_entry *e, const char *s, size_t len)
{
    quicklist *ql = it->ql;
    qlnode *node = e->node;
    it->node = NULL;
    it->zi = NULL;
    if ((uint64_t)node->sz + len <= QL_REPLACE_IN_PLACE_MAX) {
        /* Redis 7.2 replaces in place whatever the size (the node may outgrow its
         * limit until it is split or emptied). */
        node->lp = lp_replace(node->lp, &e->zi, s, len);
        node_update(node);
        return;
    }
    /* A node must stay far below the listpack's 4 GiB size field: put the new value in
     * a node of its own, after the entry (splitting the node there), and delete the
     * entry. */
    long off = e->offset < 0 ? (long)node->count + e->offset : e->offset;
    qlnode *right = NULL;
    if (off != (long)node->count - 1)
        right = split_node(node, off, 1);
    qlnode *n = node_new(lp_append(lp_new(), s, len));
    insert_node(ql, node, n, 1);
    if (right)
        insert_node(ql, n, right, 1);
    ql->count++;
    unsigned char *p = lp_last(node->lp);
    del_index(ql, node, &p);
}

int ql_del_range(quicklist *ql, long start, unsigned long count)
{
    if (count == 0)
        return 0;
    unsigned long extent = count;
    if (start >= 0 && extent > ql->count - (unsigned long)start)
        extent = (unsigned long)start < ql->count ? ql->count - (unsigned long)start : 0;
    else if (start < 0 && extent > (unsigned long)(-(start + 1)) + 1)
        extent = (unsigned long)(-(start + 1)) + 1;
    ql_iter it;
    if (!extent || !ql_iter_at(ql, &it, start, 1))
        return 0;
    qlnode *node = it.node;
    long offset = it.offset;
    while (extent && node) {
        qlnode *next = node->next;
        unsigned long del;
        int entire = 0;
        if (offset == 0 && extent >= node->count) {
            entire = 1;
            del = node->count;
        } else if (offset >= 0 && extent + (unsigned long)offset >= node->count) {
            del = node->count - (unsigned long)offset;
        } else if (offset < 0) {
            del = (unsigned long)-offset;
            if (del > extent)
                del = extent;
        } else {
            del = extent;
        }
        if (entire) {
            del_node(ql, node);
        } else {
            node->lp = lp_delete_range(node->lp, offset, del);
            node->count -= (uint32_t)del;
            node_update(node);
            ql->count -= del;
            if (node->count == 0)
                del_node(ql, node);
        }
        extent -= del;
        node = next;
        offset = 0;
    }
    return 1;
}
