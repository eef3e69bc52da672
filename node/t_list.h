/* t_list.h: the list type's helpers for other files (blocking pops, SORT, scripting ...).
 *
 * A list value is the kv's pointer: a bare listpack (ENC_LISTPACK, small lists) or a
 * quicklist (ENC_QUICKLIST), converting between them at Redis 7.2's thresholds
 * (list-max-listpack-size; back to a listpack once a single-node quicklist shrinks to
 * half the limit). The helpers keep the kv's pointer and encoding up to date; the kv
 * itself never moves.
 *
 * Typical write, as the commands do it:
 *     kv *v = keyspace_lookup_write(...);        // type-checked by the caller
 *     if (!v) v = list_create(c, key, klen);
 *     list_convert_for_push(c, v, vals, n);       // before adding elements
 *     list_push(v, s, len, LIST_TAIL) ...
 *     keyspace_modified(c, key, klen);
 * and after removing elements: list_removed(c, key, klen, v) (deletes an emptied key or
 * converts back; v is dead if it returns 1). */
#ifndef REDRAFT_T_LIST_H
#define REDRAFT_T_LIST_H

#include <stddef.h>
#include <stdint.h>

#include "exec.h"
#include "kv.h"
#include "quicklist.h"

enum list_where { LIST_HEAD = 0, LIST_TAIL = 1 };

/* One element as stored: string bytes (s != NULL, slen) or an integer (s == NULL, lval). */
typedef struct list_value {
    const unsigned char *s;
    uint32_t slen;
    long long lval;
} list_value;

/* An element copied out of a list (a pop): ptr/len, inline when small. */
#define LIST_ELEM_INLINE 64
typedef struct list_elem {
    const char *ptr;
    size_t len;
    char *heap;                   /* owned, or NULL */
    char buf[LIST_ELEM_INLINE];
} list_elem;
void list_elem_free(list_elem *e);

/* Iteration from an index (negative: from the tail) towards the tail (forward) or the
 * head. Values point into the list: valid until the list is changed. */
typedef struct list_iter {
    int enc;
    int forward;
    unsigned char *lp;      /* listpack encoding */
    unsigned char *p;       /* next entry to return */
    ql_iter qi;             /* quicklist encoding */
} list_iter;
void list_iter_init(const kv *v, list_iter *it, long index, int forward);
int list_iter_next(list_iter *it, list_value *out);

/* Creates an empty list under key (which must not exist) and adds it to the keyspace. */
kv *list_create(exec_ctx *c, const char *key, size_t klen);
unsigned long list_length(const kv *v);
/* Converts a listpack to a quicklist if adding vals[0..n) would exceed the limit (call
 * before adding elements). */
void list_convert_for_push(exec_ctx *c, kv *v, const rd_arg *vals, int n);
/* Adds one element (no conversion check: see list_convert_for_push). */
void list_push(kv *v, const char *s, size_t len, enum list_where where);
/* Removes the element at one end into *out (free with list_elem_free). Returns 0 if the
 * list is empty. Does not delete the key: call list_removed afterwards. */
int list_pop(kv *v, enum list_where where, list_elem *out);
/* Replies up to count elements from one end as an array (in pop order) and removes
 * them (LPOP/RPOP with count, LMPOP). Returns the number removed. */
long list_pop_range_reply(exec_ctx *c, kv *v, enum list_where where, long count);
/* After elements were removed: deletes the key if the list is empty (returns 1: v is
 * freed), else converts a small quicklist back to a listpack; records the change. */
int list_removed(exec_ctx *c, const char *key, size_t klen, kv *v);
/* Writes a value as a bulk reply. */
void list_reply_value(exec_ctx *c, const list_value *val);

#endif
