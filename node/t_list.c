/* t_list.c: the list type -- its encodings (listpack / quicklist, with Redis 7.2's
 * conversion rules), the helpers in t_list.h, the kv_type_ops of OBJ_LIST (free,
 * memory usage, copy, snapshot save/load) and the commands LPUSH RPUSH LPUSHX RPUSHX
 * LPOP RPOP LLEN LRANGE LINDEX LSET LINSERT LREM LTRIM LPOS LMOVE RPOPLPUSH LMPOP.
 *
 * Replies, error texts and the order of checks are Redis 7.2's (t_list.c): e.g. LSET
 * looks the key up before it parses the index, LRANGE parses before the lookup, LINSERT
 * and LSET may convert the encoding even when nothing is inserted/replaced, exactly as
 * Redis does, so OBJECT ENCODING answers the same.
 *
 * Every handler runs inside the Raft FSM's apply: no clock, no randomness is needed;
 * reads (LLEN LRANGE LINDEX LPOS) only use keyspace_lookup_read; every change calls
 * keyspace_modified once per changed key, and an emptied list is deleted.
 *
 * The value pointer of a list kv is either a listpack or a quicklist; a quicklist's first
 * 4 bytes are 0 while a listpack's (its total size) are >= 7, which is how the type
 * ops, which are not given the encoding, tell them apart. */
#include "t_list.h"

#include <limits.h>
#include <string.h>

#include "bytebuf.h"
#include "commands.h"
#include "keyspace.h"
#include "listpack.h"
#include "mem.h"
#include "quicklist.h"
#include "resp_writer.h"
#include "server.h"
#include "strutil.h"
#include "types.h"

#define DEFAULT_FILL (-2) /* Redis's list-max-listpack-size default */

/* ---- encodings ---------------------------------------------------------------------- */

static int ptr_is_quicklist(const void *ptr)
{
    uint32_t first;
    memcpy(&first, ptr, sizeof(first));
    return first == 0;
}

static int is_ql(const kv *v)
{
    return kv_encoding(v) == ENC_QUICKLIST;
}

static int list_fill(const exec_ctx *c)
{
    return c && c->srv ? c->srv->cfg.list_max_listpack_size : DEFAULT_FILL;
}

static void convert_to_quicklist(exec_ctx *c, kv *v)
{
    unsigned char *lp = kv_ptr(v);
    quicklist *ql = ql_new(list_fill(c));
    if (lp_length(lp))
        ql_append_listpack(ql, lp);
    else
        lp_free(lp);
    kv_set_ptr(v, ql);
    kv_set_encoding(v, ENC_QUICKLIST);
}

/* Redis's listTypeTryConvertListpack: the sizes of the arguments about to be added are
 * counted without their encoding overhead, as Redis counts them. */
static void convert_for_add(exec_ctx *c, kv *v, size_t add_bytes, size_t add_count)
{
    if (is_ql(v))
        return;
    unsigned char *lp = kv_ptr(v);
    if (ql_node_exceeds_limit(list_fill(c), lp_bytes(lp) + add_bytes, lp_length(lp) + add_count))
        convert_to_quicklist(c, v);
}

void list_convert_for_push(exec_ctx *c, kv *v, const rd_arg *vals, int n)
{
    size_t add = 0;
    for (int i = 0; i < n; i++)
        add += vals[i].len;
    convert_for_add(c, v, add, (size_t)n);
}

/* Redis's listTypeTryConvertQuicklist for a shrinking list: only a quicklist of one
 * node, and only once it is at most half of the limit (so a list hovering around the
 * limit does not convert back and forth). */
static void convert_if_shrunk(exec_ctx *c, kv *v)
{
    if (!is_ql(v))
        return;
    quicklist *ql = kv_ptr(v);
    if (ql->len != 1)
        return;
    size_t sz_limit;
    uint32_t count_limit;
    ql_node_limit(list_fill(c), &sz_limit, &count_limit);
    sz_limit /= 2;
    count_limit /= 2;
    if (ql->head->sz > sz_limit || ql->count > count_limit)
        return;
    kv_set_ptr(v, ql_detach_single(ql));
    kv_set_encoding(v, ENC_LISTPACK);
}

/* ---- values ------------------------------------------------------------------------- */

static void value_from_lp(const unsigned char *p, list_value *out)
{
    out->s = lp_get_value(p, &out->slen, &out->lval);
}

void list_reply_value(exec_ctx *c, const list_value *val)
{
    if (val->s)
        resp_write_bulk(c->w, (const char *)val->s, val->slen);
    else
        resp_write_bulk_ll(c->w, val->lval);
}

/* A search needle: equality with an element is string equality, where an integer
 * element equals exactly its canonical decimal text. */
typedef struct needle {
    const char *s;
    size_t len;
    int is_int;
    long long ival;
} needle;

static void needle_init(needle *n, const rd_arg *a)
{
    n->s = a->ptr;
    n->len = a->len;
    n->is_int = rd_str2ll(a->ptr, a->len, &n->ival);
}

static int needle_match(const needle *n, const list_value *v)
{
    if (v->s)
        return v->slen == n->len && memcmp(v->s, n->s, n->len) == 0;
    return n->is_int && n->ival == v->lval;
}

static int needle_match_lp(const needle *n, const unsigned char *p)
{
    list_value v;
    value_from_lp(p, &v);
    return needle_match(n, &v);
}

void list_elem_free(list_elem *e)
{
    rd_free(e->heap);
    e->heap = NULL;
}

static void elem_set(list_elem *e, const list_value *v)
{
    e->heap = NULL;
    if (!v->s) {
        e->len = rd_ll2str(e->buf, v->lval);
        e->ptr = e->buf;
        return;
    }
    char *dst = e->buf;
    if (v->slen > sizeof(e->buf))
        dst = e->heap = rd_malloc(v->slen);
    if (v->slen)
        memcpy(dst, v->s, v->slen);
    e->ptr = dst;
    e->len = v->slen;
}

/* ---- iteration ---------------------------------------------------------------------- */

void list_iter_init(const kv *v, list_iter *it, long index, int forward)
{
    it->enc = kv_encoding(v);
    it->forward = forward;
    it->lp = NULL;
    it->p = NULL;
    if (it->enc == ENC_QUICKLIST) {
        if (!ql_iter_at(kv_ptr(v), &it->qi, index, forward))
            it->qi.node = NULL;
    } else {
        it->lp = kv_ptr(v);
        it->p = lp_seek(it->lp, index);
    }
}

int list_iter_next(list_iter *it, list_value *out)
{
    if (it->enc == ENC_QUICKLIST) {
        ql_entry e;
        if (!ql_next(&it->qi, &e))
            return 0;
        value_from_lp(e.zi, out);
        return 1;
    }
    if (!it->p)
        return 0;
    value_from_lp(it->p, out);
    it->p = it->forward ? lp_next(it->lp, it->p) : lp_prev(it->lp, it->p);
    return 1;
}

/* ---- basic operations --------------------------------------------------------------- */

kv *list_create(exec_ctx *c, const char *key, size_t klen)
{
    kv *v = kv_new_ptr(key, klen, OBJ_LIST, ENC_LISTPACK, lp_new(), -1);
    keyspace_add(c, v);
    return v;
}

unsigned long list_length(const kv *v)
{
    if (is_ql(v))
        return ((const quicklist *)kv_ptr(v))->count;
    return lp_length(kv_ptr(v));
}

void list_push(kv *v, const char *s, size_t len, enum list_where where)
{
    if (is_ql(v)) {
        ql_push(kv_ptr(v), s, len, where == LIST_HEAD ? QL_HEAD : QL_TAIL);
        return;
    }
    unsigned char *lp = kv_ptr(v);
    lp = where == LIST_HEAD ? lp_prepend(lp, s, len) : lp_append(lp, s, len);
    kv_set_ptr(v, lp);
}

/* Deletes count elements from start (negative: from the tail), clipped. */
static void del_range(kv *v, long start, unsigned long count)
{
    if (!count)
        return;
    if (is_ql(v))
        ql_del_range(kv_ptr(v), start, count);
    else
        kv_set_ptr(v, lp_delete_range(kv_ptr(v), start, count));
}

int list_pop(kv *v, enum list_where where, list_elem *out)
{
    list_value val;
    if (is_ql(v)) {
        quicklist *ql = kv_ptr(v);
        qlnode *n = where == LIST_HEAD ? ql->head : ql->tail;
        if (!n)
            return 0;
        value_from_lp(where == LIST_HEAD ? lp_first(n->lp) : lp_last(n->lp), &val);
    } else {
        unsigned char *lp = kv_ptr(v);
        unsigned char *p = where == LIST_HEAD ? lp_first(lp) : lp_last(lp);
        if (!p)
            return 0;
        value_from_lp(p, &val);
    }
    elem_set(out, &val);
    del_range(v, where == LIST_HEAD ? 0 : -1, 1);
    return 1;
}

/* Redis's addListRangeReply: [start, end] with negative indexes, clipped; reverse
 * replies from end to start. */
static void reply_range(exec_ctx *c, const kv *v, long long start, long long end, int reverse)
{
    long long llen = (long long)list_length(v);
    if (start < 0)
        start = llen + start;
    if (end < 0)
        end = llen + end;
    if (start < 0)
        start = 0;
    if (start > end || start >= llen) {
        resp_write_array_len(c->w, 0);
        return;
    }
    if (end >= llen)
        end = llen - 1;
    long long rangelen = end - start + 1;
    resp_write_array_len(c->w, rangelen);
    list_iter it;
    list_value val;
    list_iter_init(v, &it, (long)(reverse ? end : start), !reverse);
    while (rangelen-- > 0 && list_iter_next(&it, &val))
        list_reply_value(c, &val);
}

long list_pop_range_reply(exec_ctx *c, kv *v, enum list_where where, long count)
{
    long llen = (long)list_length(v);
    long rangelen = count > llen ? llen : count;
    if (where == LIST_HEAD) {
        reply_range(c, v, 0, rangelen - 1, 0);
        del_range(v, 0, (unsigned long)rangelen);
    } else {
        reply_range(c, v, -rangelen, -1, 1);
        del_range(v, -rangelen, (unsigned long)rangelen);
    }
    return rangelen;
}

int list_removed(exec_ctx *c, const char *key, size_t klen, kv *v)
{
    int deleted = 0;
    if (list_length(v) == 0) {
        keyspace_delete(c, key, klen);
        deleted = 1;
    } else {
        convert_if_shrunk(c, v);
    }
    keyspace_modified(c, key, klen);
    return deleted;
}

/* ---- command helpers ---------------------------------------------------------------- */

/* argv[i] as a write lookup: NULL (with *wrong = 0) if missing; NULL with *wrong = 1
 * (after replying WRONGTYPE) if it is not a list. */
static kv *lookup_list_write(exec_ctx *c, int i, int *wrong)
{
    *wrong = 0;
    kv *v = keyspace_lookup_write(c, c->argv[i].ptr, c->argv[i].len);
    if (v && kv_type(v) != OBJ_LIST) {
        reply_wrong_type(c);
        *wrong = 1;
        return NULL;
    }
    return v;
}

static kv *lookup_list_read(exec_ctx *c, int i, int *wrong)
{
    *wrong = 0;
    kv *v = keyspace_lookup_read(c, c->argv[i].ptr, c->argv[i].len);
    if (v && kv_type(v) != OBJ_LIST) {
        reply_wrong_type(c);
        *wrong = 1;
        return NULL;
    }
    return v;
}

/* LEFT / RIGHT -> where; replies a syntax error otherwise. */
static int parse_where(exec_ctx *c, int i, enum list_where *where)
{
    if (arg_is(c, i, "left"))
        *where = LIST_HEAD;
    else if (arg_is(c, i, "right"))
        *where = LIST_TAIL;
    else {
        reply_syntax_error(c);
        return 0;
    }
    return 1;
}

/* ---- LPUSH RPUSH LPUSHX RPUSHX ------------------------------------------------------ */

static void push_generic(exec_ctx *c, enum list_where where, int xx)
{
    int wrong;
    kv *v = lookup_list_write(c, 1, &wrong);
    if (wrong)
        return;
    if (!v) {
        if (xx) {
            resp_write_int(c->w, 0);
            return;
        }
        v = list_create(c, c->argv[1].ptr, c->argv[1].len);
    }
    list_convert_for_push(c, v, c->argv + 2, c->argc - 2);
    for (int j = 2; j < c->argc; j++)
        list_push(v, c->argv[j].ptr, c->argv[j].len, where);
    resp_write_int(c->w, (long long)list_length(v));
    keyspace_modified(c, c->argv[1].ptr, c->argv[1].len);
}

void cmd_lpush(exec_ctx *c) { push_generic(c, LIST_HEAD, 0); }
void cmd_rpush(exec_ctx *c) { push_generic(c, LIST_TAIL, 0); }
void cmd_lpushx(exec_ctx *c) { push_generic(c, LIST_HEAD, 1); }
void cmd_rpushx(exec_ctx *c) { push_generic(c, LIST_TAIL, 1); }

/* ---- LINSERT ------------------------------------------------------------------------ */

void cmd_linsert(exec_ctx *c)
{
    int after;
    if (arg_is(c, 2, "after"))
        after = 1;
    else if (arg_is(c, 2, "before"))
        after = 0;
    else {
        reply_syntax_error(c);
        return;
    }
    int wrong;
    kv *v = lookup_list_write(c, 1, &wrong);
    if (wrong)
        return;
    if (!v) {
        resp_write_int(c->w, 0);
        return;
    }
    /* Redis converts before looking for the pivot, even if it is then not found. */
    list_convert_for_push(c, v, c->argv + 4, 1);

    needle pivot;
    needle_init(&pivot, &c->argv[3]);
    const rd_arg *val = &c->argv[4];
    int inserted = 0;
    if (is_ql(v)) {
        ql_iter it;
        ql_entry e;
        list_value lv;
        ql_iter_init(kv_ptr(v), &it, 1);
        while (ql_next(&it, &e)) {
            value_from_lp(e.zi, &lv);
            if (needle_match(&pivot, &lv)) {
                ql_insert(&it, &e, val->ptr, val->len, after);
                inserted = 1;
                break;
            }
        }
    } else {
        unsigned char *lp = kv_ptr(v);
        for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, p)) {
            if (needle_match_lp(&pivot, p)) {
                kv_set_ptr(v, lp_insert(lp, val->ptr, val->len, p, after ? LP_AFTER : LP_BEFORE, NULL));
                inserted = 1;
                break;
            }
        }
    }
    if (!inserted) {
        resp_write_int(c->w, -1);
        return;
    }
    keyspace_modified(c, c->argv[1].ptr, c->argv[1].len);
    resp_write_int(c->w, (long long)list_length(v));
}

/* ---- LLEN LINDEX LRANGE ------------------------------------------------------------- */

void cmd_llen(exec_ctx *c)
{
    int wrong;
    kv *v = lookup_list_read(c, 1, &wrong);
    if (wrong)
        return;
    resp_write_int(c->w, v ? (long long)list_length(v) : 0);
}

void cmd_lindex(exec_ctx *c)
{
    int wrong;
    kv *v = lookup_list_read(c, 1, &wrong);
    if (wrong)
        return;
    if (!v) {
        resp_write_null(c->w);
        return;
    }
    long long index;
    if (!arg_ll(c, 2, &index))
        return;
    list_iter it;
    list_value val;
    list_iter_init(v, &it, (long)index, 1);
    if (list_iter_next(&it, &val))
        list_reply_value(c, &val);
    else
        resp_write_null(c->w);
}

void cmd_lrange(exec_ctx *c)
{
    long long start, end;
    if (!arg_ll(c, 2, &start) || !arg_ll(c, 3, &end))
        return;
    int wrong;
    kv *v = lookup_list_read(c, 1, &wrong);
    if (wrong)
        return;
    if (!v) {
        resp_write_array_len(c->w, 0);
        return;
    }
    reply_range(c, v, start, end, 0);
}

/* ---- LSET --------------------------------------------------------------------------- */

void cmd_lset(exec_ctx *c)
{
    int wrong;
    kv *v = lookup_list_write(c, 1, &wrong);
    if (wrong)
        return;
    if (!v) {
        resp_write_error(c->w, "ERR no such key");
        return;
    }
    long long index;
    if (!arg_ll(c, 2, &index))
        return;
    const rd_arg *val = &c->argv[3];
    list_convert_for_push(c, v, val, 1);
    int replaced = 0;
    if (is_ql(v)) {
        ql_iter it;
        ql_entry e;
        if (ql_iter_at(kv_ptr(v), &it, (long)index, 1) && ql_next(&it, &e)) {
            ql_replace_entry(&it, &e, val->ptr, val->len);
            replaced = 1;
        }
    } else {
        unsigned char *lp = kv_ptr(v);
        unsigned char *p = lp_seek(lp, (long)index);
        if (p) {
            kv_set_ptr(v, lp_replace(lp, &p, val->ptr, val->len));
            replaced = 1;
        }
    }
    if (!replaced) {
        resp_write_error(c->w, "ERR index out of range");
        return;
    }
    resp_write_ok(c->w);
    keyspace_modified(c, c->argv[1].ptr, c->argv[1].len);
    /* A big element may have been replaced by a small one. */
    convert_if_shrunk(c, v);
}

/* ---- LPOP RPOP LMPOP ---------------------------------------------------------------- */

static void pop_generic(exec_ctx *c, enum list_where where)
{
    int hascount = c->argc == 3;
    long long count = 0;
    if (c->argc > 3) {
        reply_wrong_arity(c);
        return;
    }
    if (hascount && !arg_ll_range(c, 2, 0, LLONG_MAX, "ERR value is out of range, must be positive", &count))
        return;
    int wrong;
    kv *v = lookup_list_write(c, 1, &wrong);
    if (wrong)
        return;
    if (!v) {
        if (hascount)
            resp_write_null_array(c->w);
        else
            resp_write_null(c->w);
        return;
    }
    if (hascount && count == 0) {
        resp_write_array_len(c->w, 0);
        return;
    }
    if (!hascount) {
        list_elem e;
        if (!list_pop(v, where, &e)) { /* cannot happen: empty lists are deleted */
            resp_write_null(c->w);
            return;
        }
        resp_write_bulk(c->w, e.ptr, e.len);
        list_elem_free(&e);
    } else {
        list_pop_range_reply(c, v, where, count > LONG_MAX ? LONG_MAX : (long)count);
    }
    list_removed(c, c->argv[1].ptr, c->argv[1].len, v);
}

void cmd_lpop(exec_ctx *c) { pop_generic(c, LIST_HEAD); }
void cmd_rpop(exec_ctx *c) { pop_generic(c, LIST_TAIL); }

/* LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count] */
void cmd_lmpop(exec_ctx *c)
{
    long long numkeys;
    if (!arg_ll_range(c, 1, 1, LLONG_MAX, "ERR numkeys should be greater than 0", &numkeys))
        return;
    if (numkeys > c->argc - 3) { /* the where argument would be past the end */
        reply_syntax_error(c);
        return;
    }
    int where_i = (int)numkeys + 2;
    enum list_where where;
    if (!parse_where(c, where_i, &where))
        return;
    long long count = -1;
    for (int j = where_i + 1; j < c->argc; j++) {
        int moreargs = c->argc - 1 - j;
        if (count == -1 && arg_is(c, j, "count") && moreargs) {
            j++;
            if (!arg_ll_range(c, j, 1, LLONG_MAX, "ERR count should be greater than 0", &count))
                return;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    if (count == -1)
        count = 1;
    for (int k = 2; k < where_i; k++) {
        int wrong;
        kv *v = lookup_list_write(c, k, &wrong);
        if (wrong)
            return;
        if (!v || list_length(v) == 0)
            continue;
        resp_write_array_len(c->w, 2);
        resp_write_bulk(c->w, c->argv[k].ptr, c->argv[k].len);
        list_pop_range_reply(c, v, where, count > LONG_MAX ? LONG_MAX : (long)count);
        list_removed(c, c->argv[k].ptr, c->argv[k].len, v);
        return;
    }
    resp_write_null_array(c->w);
}

/* ---- LTRIM LREM --------------------------------------------------------------------- */

void cmd_ltrim(exec_ctx *c)
{
    long long start, end;
    if (!arg_ll(c, 2, &start) || !arg_ll(c, 3, &end))
        return;
    int wrong;
    kv *v = lookup_list_write(c, 1, &wrong);
    if (wrong)
        return;
    if (!v) {
        resp_write_ok(c->w);
        return;
    }
    long long llen = (long long)list_length(v), ltrim, rtrim;
    if (start < 0)
        start = llen + start;
    if (end < 0)
        end = llen + end;
    if (start < 0)
        start = 0;
    if (start > end || start >= llen) {
        ltrim = llen;
        rtrim = 0;
    } else {
        if (end >= llen)
            end = llen - 1;
        ltrim = start;
        rtrim = llen - end - 1;
    }
    del_range(v, 0, (unsigned long)ltrim);
    del_range(v, -(long)rtrim, (unsigned long)rtrim);
    list_removed(c, c->argv[1].ptr, c->argv[1].len, v);
    resp_write_ok(c->w);
}

void cmd_lrem(exec_ctx *c)
{
    long long toremove;
    if (!arg_ll(c, 2, &toremove))
        return;
    int wrong;
    kv *v = lookup_list_write(c, 1, &wrong);
    if (wrong)
        return;
    if (!v) {
        resp_write_int(c->w, 0);
        return;
    }
    int forward = toremove >= 0;
    unsigned long long limit = toremove < 0 ? 0ULL - (unsigned long long)toremove : (unsigned long long)toremove;
    needle nd;
    needle_init(&nd, &c->argv[3]);
    unsigned long long removed = 0;

    if (is_ql(v)) {
        ql_iter it;
        ql_entry e;
        list_value lv;
        ql_iter_init(kv_ptr(v), &it, forward);
        while (ql_next(&it, &e)) {
            value_from_lp(e.zi, &lv);
            if (needle_match(&nd, &lv)) {
                ql_del_entry(&it, &e);
                removed++;
                if (limit && removed == limit)
                    break;
            }
        }
    } else {
        unsigned char *lp = kv_ptr(v);
        unsigned char *p = forward ? lp_first(lp) : lp_last(lp);
        while (p) {
            if (needle_match_lp(&nd, p)) {
                unsigned char *next;
                lp = lp_delete(lp, p, &next);
                removed++;
                if (limit && removed == limit)
                    break;
                /* Backwards, the element before the deleted one precedes `next`. */
                p = forward ? next : next ? lp_prev(lp, next) : lp_last(lp);
            } else {
                p = forward ? lp_next(lp, p) : lp_prev(lp, p);
            }
        }
        kv_set_ptr(v, lp);
    }
    if (removed)
        list_removed(c, c->argv[1].ptr, c->argv[1].len, v);
    resp_write_int(c->w, (long long)removed);
}

/* ---- LPOS --------------------------------------------------------------------------- */

/* LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] */
void cmd_lpos(exec_ctx *c)
{
    long long rank = 1, count = -1, maxlen = 0; /* count -1: option not given */
    for (int j = 3; j < c->argc; j++) {
        int moreargs = c->argc - 1 - j;
        if (arg_is(c, j, "rank") && moreargs) {
            j++;
            if (!arg_ll_range(c, j, -LLONG_MAX, LLONG_MAX, NULL, &rank))
                return;
            if (rank == 0) {
                resp_write_error(c->w, "ERR RANK can't be zero: use 1 to start from the first match, "
                                       "2 from the second ... or use negative to start from the end of the list");
                return;
            }
        } else if (arg_is(c, j, "count") && moreargs) {
            j++;
            if (!arg_ll_range(c, j, 0, LLONG_MAX, "ERR COUNT can't be negative", &count))
                return;
        } else if (arg_is(c, j, "maxlen") && moreargs) {
            j++;
            if (!arg_ll_range(c, j, 0, LLONG_MAX, "ERR MAXLEN can't be negative", &maxlen))
                return;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    int forward = 1;
    if (rank < 0) {
        rank = -rank;
        forward = 0;
    }
    int wrong;
    kv *v = lookup_list_read(c, 1, &wrong);
    if (wrong)
        return;
    if (!v) {
        if (count != -1)
            resp_write_array_len(c->w, 0);
        else
            resp_write_null(c->w);
        return;
    }
    needle nd;
    needle_init(&nd, &c->argv[2]);
    size_t handle = 0;
    if (count != -1)
        handle = resp_write_deferred_len(c->w);

    long long llen = (long long)list_length(v);
    long long index = 0, matches = 0, matchindex = -1, arraylen = 0;
    list_iter it;
    list_value val;
    list_iter_init(v, &it, forward ? 0 : -1, forward);
    while ((maxlen == 0 || index < maxlen) && list_iter_next(&it, &val)) {
        if (needle_match(&nd, &val)) {
            matches++;
            matchindex = forward ? index : llen - index - 1;
            if (matches >= rank) {
                if (count != -1) {
                    arraylen++;
                    resp_write_int(c->w, matchindex);
                    if (count && matches - rank + 1 >= count)
                        break;
                } else {
                    break;
                }
            }
        }
        index++;
        matchindex = -1; /* remembers whether the loop ended without a match */
    }
    if (count != -1)
        resp_set_deferred_array_len(c->w, handle, arraylen);
    else if (matchindex != -1)
        resp_write_int(c->w, matchindex);
    else
        resp_write_null(c->w);
}

/* ---- LMOVE RPOPLPUSH ---------------------------------------------------------------- */

static void lmove_generic(exec_ctx *c, enum list_where from, enum list_where to)
{
    int wrong;
    kv *src = lookup_list_write(c, 1, &wrong);
    if (wrong)
        return;
    if (!src || list_length(src) == 0) {
        resp_write_null(c->w);
        return;
    }
    kv *dst = lookup_list_write(c, 2, &wrong);
    if (wrong)
        return;
    list_elem e;
    int src_ql = is_ql(src);
    list_pop(src, from, &e);
    if (!dst)
        dst = list_create(c, c->argv[2].ptr, c->argv[2].len);
    /* Redis holds an integer popped from a quicklist as an integer object, which its
     * size check before the push does not count. */
    long long dummy;
    size_t add = src_ql && rd_str2ll(e.ptr, e.len, &dummy) ? 0 : e.len;
    convert_for_add(c, dst, add, 1);
    list_push(dst, e.ptr, e.len, to);
    keyspace_modified(c, c->argv[2].ptr, c->argv[2].len);
    resp_write_bulk(c->w, e.ptr, e.len);
    list_elem_free(&e);
    list_removed(c, c->argv[1].ptr, c->argv[1].len, src);
}

void cmd_lmove(exec_ctx *c)
{
    enum list_where from, to;
    if (!parse_where(c, 3, &from) || !parse_where(c, 4, &to))
        return;
    lmove_generic(c, from, to);
}

void cmd_rpoplpush(exec_ctx *c)
{
    lmove_generic(c, LIST_TAIL, LIST_HEAD);
}

/* ---- type ops: free, memory, copy, snapshot ----------------------------------------- */

static void list_free(void *ptr)
{
    if (!ptr)
        return;
    if (ptr_is_quicklist(ptr))
        ql_free(ptr);
    else
        lp_free(ptr);
}

static size_t list_memory_usage(const void *ptr)
{
    if (!ptr)
        return 0;
    return ptr_is_quicklist(ptr) ? ql_alloc_size(ptr) : rd_alloc_size(ptr);
}

static void *list_copy(const void *ptr)
{
    return ptr_is_quicklist(ptr) ? (void *)ql_dup(ptr) : (void *)lp_dup(ptr);
}

/* Snapshot format (little endian):
 *   u8 version (1), u8 kind ('l' listpack | 'q' quicklist)
 *   'l': u32 bytes, the listpack
 *   'q': i32 fill, u32 nodes, then per node: u32 bytes, its listpack
 * The listpacks are stored as they are, so a reload has the same node layout (and so
 * converts back and forth at the same points). */
#define LIST_SAVE_VERSION 1

static void put_u32(bytebuf *out, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    bytebuf_append(out, b, 4);
}

static void list_save(const void *ptr, int encoding, bytebuf *out)
{
    (void)encoding; /* the pointer says which it is */
    bytebuf_append_char(out, LIST_SAVE_VERSION);
    if (ptr_is_quicklist(ptr)) {
        const quicklist *ql = ptr;
        bytebuf_append_char(out, 'q');
        put_u32(out, (uint32_t)ql->fill);
        put_u32(out, (uint32_t)ql->len);
        for (const qlnode *n = ql->head; n; n = n->next) {
            put_u32(out, n->sz);
            bytebuf_append(out, n->lp, n->sz);
        }
    } else {
        size_t n = lp_bytes(ptr);
        bytebuf_append_char(out, 'l');
        put_u32(out, (uint32_t)n);
        bytebuf_append(out, ptr, n);
    }
}

typedef struct reader {
    const unsigned char *p;
    size_t len, pos;
} reader;

static int get_u8(reader *r, unsigned char *v)
{
    if (r->len - r->pos < 1)
        return 0;
    *v = r->p[r->pos++];
    return 1;
}

static int get_u32(reader *r, uint32_t *v)
{
    if (r->len - r->pos < 4)
        return 0;
    const unsigned char *b = r->p + r->pos;
    *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    r->pos += 4;
    return 1;
}

/* A validated, non-empty listpack copied out of the reader, or NULL. */
static unsigned char *get_listpack(reader *r)
{
    uint32_t n;
    if (!get_u32(r, &n) || r->len - r->pos < n)
        return NULL;
    const unsigned char *src = r->p + r->pos;
    if (!lp_validate(src, n) || lp_length(src) == 0)
        return NULL;
    unsigned char *lp = rd_malloc(n);
    memcpy(lp, src, n);
    r->pos += n;
    return lp;
}

static void *list_load(const char *p, size_t len, int encoding)
{
    reader r = {(const unsigned char *)p, len, 0};
    unsigned char version, kind;
    if (!p || !get_u8(&r, &version) || version != LIST_SAVE_VERSION || !get_u8(&r, &kind))
        return NULL;
    if (kind == 'l') {
        if (encoding != ENC_LISTPACK)
            return NULL;
        unsigned char *lp = get_listpack(&r);
        if (lp && r.pos != r.len) {
            lp_free(lp);
            return NULL;
        }
        return lp;
    }
    if (kind != 'q' || encoding != ENC_QUICKLIST)
        return NULL;
    uint32_t fill_u, nodes;
    if (!get_u32(&r, &fill_u) || !get_u32(&r, &nodes) || nodes == 0)
        return NULL;
    int32_t fill = (int32_t)fill_u;
    if (fill < -5 || fill > 32767)
        return NULL;
    quicklist *ql = ql_new(fill);
    for (uint32_t i = 0; i < nodes; i++) {
        unsigned char *lp = get_listpack(&r);
        if (!lp) {
            ql_free(ql);
            return NULL;
        }
        ql_append_listpack(ql, lp);
    }
    if (r.pos != r.len) {
        ql_free(ql);
        return NULL;
    }
    return ql;
}

static const kv_type_ops list_ops = {
    .free = list_free,
    .memory_usage = list_memory_usage,
    .copy = list_copy,
    .save = list_save,
    .load = list_load,
};

void list_register_type(void)
{
    kv_register_type(OBJ_LIST, &list_ops);
}
