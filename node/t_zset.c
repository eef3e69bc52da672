/* t_zset.c: the sorted set type -- its two encodings behind one set of helpers, every
 * sorted set command (ZADD ... ZSCAN), and its kv_type_ops (value layout in t_zset.h).
 *
 * Replies and errors are Redis 7.2's (t_zset.c there), byte for byte: scores are
 * rendered by rd_d2str (7.2's shortest round-trip d2string), RESP3 gets doubles and
 * nested [member, score] pairs where Redis 7 sends them. Every handler runs inside the
 * Raft FSM's apply (shared/DESIGN.md, "The log entry and determinism"):
 *   - read commands only use keyspace_lookup_read and never change anything;
 *   - random choices (ZRANDMEMBER) use c->rng over a layout that is identical on every
 *     replica (listpack order, or the zsl's insertion-ordered table);
 *   - every change goes through zset_changed() (keyspace_modified), and a set that
 *     becomes empty is deleted.
 *
 * Encodings follow Redis's conversion points: a new set is a listpack unless the first
 * command's size hint or first member is over zset-max-listpack-entries/-value; a
 * listpack becomes a skiplist when an insert would pass either limit; sets are never
 * converted back, except that results built by the STORE commands get the small
 * encoding when they fit.
 *
 * Reads work on a "view" (zview): for a listpack the entries are decoded once into
 * arrays indexed by rank (a listpack is small, so O(n) is the cost Redis pays too);
 * for a skiplist the view is the zsl itself. Ranges are turned into 0-based rank
 * bounds, then walked with a zitr in either direction. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytebuf.h"
#include "commands.h"
#include "dict.h"
#include "exec.h"
#include "intset.h"
#include "keyspace.h"
#include "kv.h"
#include "listpack.h"
#include "mem.h"
#include "packlist.h"
#include "resp_writer.h"
#include "server.h"
#include "skiplist.h"
#include "strutil.h"
#include "t_zset.h"
#include "types.h"

#define ZSET_DEFAULT_MAX_ENTRIES 128 /* Redis's defaults, when there is no server (tests) */
#define ZSET_DEFAULT_MAX_VALUE 64
#define SCORE_TEXT_MAX 64            /* a stored score's text (d2string output is <= 24) */
#define RANGE_ARG_SMALL 128          /* range bounds shorter than this parse on the stack */
#define LISTPACK_SAFE_MAX ((size_t)1 << 30) /* Redis's lpSafeToAdd bound */
#define ZSCAN_DEFAULT_COUNT 10
#define LONG_MAX_LL 9223372036854775807LL
#define LPZ_PAIRWISE_MAX 32          /* load-time duplicate check: pairwise up to this */

/* ---- configuration ------------------------------------------------------------------ */

static size_t cfg_max_entries(const exec_ctx *c)
{
    long long v = c && c->srv ? c->srv->cfg.zset_max_listpack_entries : ZSET_DEFAULT_MAX_ENTRIES;
    return v < 0 ? 0 : (size_t)v;
}

static size_t cfg_max_value(const exec_ctx *c)
{
    long long v = c && c->srv ? c->srv->cfg.zset_max_listpack_value : ZSET_DEFAULT_MAX_VALUE;
    return v < 0 ? 0 : (size_t)v;
}

/* ---- the listpack encoding ---------------------------------------------------------- */

static inline int ptr_is_zsl(const void *ptr)
{
    uint32_t w;
    memcpy(&w, ptr, sizeof(w));
    return w == 0;
}

/* Score of a listpack score entry. Scores are written by rd_d2str (or validated on
 * load), so strtod of the text gives back the exact double. */
static double lpz_score(const unsigned char *p)
{
    uint32_t slen;
    long long lval;
    const unsigned char *s = lp_get_value(p, &slen, &lval);
    if (!s)
        return (double)lval;
    char buf[SCORE_TEXT_MAX];
    size_t n = slen < sizeof(buf) - 1 ? slen : sizeof(buf) - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return strtod(buf, NULL);
}

static inline const char *lpz_member(const unsigned char *p, char *ibuf, size_t *len)
{
    const char *out;
    *len = lp_get_string(p, ibuf, &out);
    return out;
}

static inline size_t lpz_length(const unsigned char *lp)
{
    return lp_length(lp) / 2;
}

/* The member entry of m, or NULL; *score gets its score. */
static unsigned char *lpz_find(unsigned char *lp, const char *m, size_t len, double *score)
{
    unsigned char *p = lp_first(lp);
    while (p) {
        unsigned char *sp = lp_next(lp, p);
        if (!sp)
            return NULL;
        if (lp_compare(p, m, len)) {
            if (score)
                *score = lpz_score(sp);
            return p;
        }
        p = lp_next(lp, sp);
    }
    return NULL;
}

/* Inserts (m, score) at its sorted place (m must not be present; it must not point
 * into lp). Returns the new listpack. */
static unsigned char *lpz_insert(unsigned char *lp, const char *m, size_t len, double score)
{
    char sbuf[SCORE_TEXT_MAX], ibuf[LP_INTBUF_SIZE];
    size_t slen = rd_d2str(sbuf, sizeof(sbuf), score);
    unsigned char *p = lp_first(lp);
    while (p) {
        unsigned char *sp = lp_next(lp, p);
        double s = lpz_score(sp);
        if (s > score)
            break;
        if (s == score) {
            size_t ml;
            const char *mm = lpz_member(p, ibuf, &ml);
            if (zsl_memcmp(mm, ml, m, len) > 0)
                break;
        }
        p = lp_next(lp, sp);
    }
    unsigned char *np;
    if (!p)
        p = lp + lp_bytes(lp) - 1; /* the terminator: append */
    lp = lp_insert(lp, m, len, p, LP_BEFORE, &np);
    return lp_insert(lp, sbuf, slen, np, LP_AFTER, NULL);
}

/* Appends (m, score) at the end (caller guarantees the order). */
static unsigned char *lpz_append(unsigned char *lp, const char *m, size_t len, double score)
{
    char sbuf[SCORE_TEXT_MAX];
    size_t slen = rd_d2str(sbuf, sizeof(sbuf), score);
    lp = lp_append(lp, m, len);
    return lp_append(lp, sbuf, slen);
}

/* Deletes the pair whose member entry is p. */
static unsigned char *lpz_delete(unsigned char *lp, unsigned char *p)
{
    unsigned char *next;
    lp = lp_delete(lp, p, &next);
    if (next)
        lp = lp_delete(lp, next, NULL);
    return lp;
}

/* ---- the value, either encoding -------------------------------------------------------- */

size_t zset_value_length(const void *ptr)
{
    return ptr_is_zsl(ptr) ? ((const zsl *)ptr)->length : lpz_length(ptr);
}

int zset_value_score(const void *ptr, const char *m, size_t len, double *score)
{
    if (ptr_is_zsl(ptr)) {
        const zsl_node *n = zsl_find(ptr, m, len);
        if (n && score)
            *score = n->score;
        return n != NULL;
    }
    return lpz_find((unsigned char *)ptr, m, len, score) != NULL;
}

int zset_value_foreach(const void *ptr, zset_visit_fn *fn, void *ctx)
{
    if (ptr_is_zsl(ptr)) {
        for (const zsl_node *n = zsl_first(ptr); n; n = n->level[0].forward) {
            int r = fn(ctx, zsl_member(n), n->mlen, n->score);
            if (r)
                return r;
        }
        return 0;
    }
    unsigned char *lp = (unsigned char *)ptr;
    char ibuf[LP_INTBUF_SIZE];
    for (unsigned char *p = lp_first(lp); p;) {
        unsigned char *sp = lp_next(lp, p);
        size_t len;
        const char *m = lpz_member(p, ibuf, &len);
        int r = fn(ctx, m, len, lpz_score(sp));
        if (r)
            return r;
        p = lp_next(lp, sp);
    }
    return 0;
}

/* A fresh empty value for a set that will get about size_hint members, the first of
 * val_len_hint bytes (Redis zsetTypeCreate). */
static void *zset_create(const exec_ctx *c, size_t size_hint, size_t val_len_hint, int *enc)
{
    if (size_hint <= cfg_max_entries(c) && val_len_hint <= cfg_max_value(c)) {
        *enc = ENC_LISTPACK;
        return lp_new();
    }
    *enc = ENC_SKIPLIST;
    return zsl_new();
}

/* Listpack -> skiplist, in place in the kv (the kv itself does not move). */
static void zset_convert_to_zsl(kv *v)
{
    unsigned char *lp = kv_ptr(v);
    zsl *z = zsl_new();
    char ibuf[LP_INTBUF_SIZE];
    for (unsigned char *p = lp_first(lp); p;) {
        unsigned char *sp = lp_next(lp, p);
        size_t len;
        const char *m = lpz_member(p, ibuf, &len);
        zsl_insert(z, lpz_score(sp), m, len);
        p = lp_next(lp, sp);
    }
    lp_free(lp);
    kv_set_ptr(v, z);
    kv_set_encoding(v, ENC_SKIPLIST);
}

/* Redis zsetTypeMaybeConvert (7.2: size hint only). */
static void zset_maybe_convert(const exec_ctx *c, kv *v, size_t size_hint)
{
    if (!ptr_is_zsl(kv_ptr(v)) && size_hint > cfg_max_entries(c))
        zset_convert_to_zsl(v);
}

static void zset_free_value(void *ptr)
{
    if (!ptr)
        return;
    if (ptr_is_zsl(ptr))
        zsl_free(ptr);
    else
        lp_free(ptr);
}

enum {
    ZADD_IN_INCR = 1 << 0, ZADD_IN_NX = 1 << 1, ZADD_IN_XX = 1 << 2,
    ZADD_IN_GT = 1 << 3, ZADD_IN_LT = 1 << 4,
};
enum { ZADD_OUT_NOP = 1 << 0, ZADD_OUT_NAN = 1 << 1, ZADD_OUT_ADDED = 1 << 2, ZADD_OUT_UPDATED = 1 << 3 };

/* Redis zsetAdd: adds or updates member m of the set in kv v under the ZADD flags.
 * Returns 0 (with ZADD_OUT_NAN) when the score is or would become NaN; else 1 with
 * *out telling what happened and *newscore the resulting score (when not a no-op). */
static int zset_add(const exec_ctx *c, kv *v, double score, const char *m, size_t len, int in,
                    int *out, double *newscore)
{
    int incr = (in & ZADD_IN_INCR) != 0, nx = (in & ZADD_IN_NX) != 0, xx = (in & ZADD_IN_XX) != 0;
    int gt = (in & ZADD_IN_GT) != 0, lt = (in & ZADD_IN_LT) != 0;
    *out = 0;
    if (isnan(score)) {
        *out = ZADD_OUT_NAN;
        return 0;
    }
    void *ptr = kv_ptr(v);
    if (!ptr_is_zsl(ptr)) {
        unsigned char *lp = ptr;
        double cur;
        unsigned char *p = lpz_find(lp, m, len, &cur);
        if (p) {
            if (nx) {
                *out |= ZADD_OUT_NOP;
                return 1;
            }
            if (incr) {
                score += cur;
                if (isnan(score)) {
                    *out |= ZADD_OUT_NAN;
                    return 0;
                }
            }
            if ((lt && score >= cur) || (gt && score <= cur)) {
                *out |= ZADD_OUT_NOP;
                return 1;
            }
            if (newscore)
                *newscore = score;
            if (score != cur) {
                lp = lpz_delete(lp, p);
                lp = lpz_insert(lp, m, len, score);
                kv_set_ptr(v, lp);
                *out |= ZADD_OUT_UPDATED;
            }
            return 1;
        }
        if (xx) {
            *out |= ZADD_OUT_NOP;
            return 1;
        }
        if (lpz_length(lp) + 1 > cfg_max_entries(c) || len > cfg_max_value(c) ||
            lp_bytes(lp) + len + SCORE_TEXT_MAX > LISTPACK_SAFE_MAX) {
            zset_convert_to_zsl(v); /* and add below */
        } else {
            kv_set_ptr(v, lpz_insert(lp, m, len, score));
            if (newscore)
                *newscore = score;
            *out |= ZADD_OUT_ADDED;
            return 1;
        }
    }
    zsl *z = kv_ptr(v);
    zsl_node *n = zsl_find(z, m, len);
    if (n) {
        if (nx) {
            *out |= ZADD_OUT_NOP;
            return 1;
        }
        double cur = n->score;
        if (incr) {
            score += cur;
            if (isnan(score)) {
                *out |= ZADD_OUT_NAN;
                return 0;
            }
        }
        if ((lt && score >= cur) || (gt && score <= cur)) {
            *out |= ZADD_OUT_NOP;
            return 1;
        }
        if (newscore)
            *newscore = score;
        if (score != cur) {
            zsl_update_score(z, n, score);
            *out |= ZADD_OUT_UPDATED;
        }
        return 1;
    }
    if (xx) {
        *out |= ZADD_OUT_NOP;
        return 1;
    }
    zsl_insert(z, score, m, len);
    if (newscore)
        *newscore = score;
    *out |= ZADD_OUT_ADDED;
    return 1;
}

/* Removes member m from the set in kv v; returns 1 if it was there. */
static int zset_del(kv *v, const char *m, size_t len)
{
    void *ptr = kv_ptr(v);
    if (ptr_is_zsl(ptr)) {
        zsl_node *n = zsl_find(ptr, m, len);
        if (!n)
            return 0;
        zsl_delete_node(ptr, n);
        return 1;
    }
    unsigned char *p = lpz_find(ptr, m, len, NULL);
    if (!p)
        return 0;
    kv_set_ptr(v, lpz_delete(ptr, p));
    return 1;
}

/* Removes 0-based ranks [lo, hi] of the set in kv v. */
static void zset_del_ranks(kv *v, size_t lo, size_t hi)
{
    void *ptr = kv_ptr(v);
    if (ptr_is_zsl(ptr))
        zsl_delete_range_by_rank(ptr, lo + 1, hi + 1);
    else
        kv_set_ptr(v, lp_delete_range(ptr, (long)(2 * lo), 2 * (hi - lo + 1)));
}

/* 0-based rank of m (reverse: from the highest score), or -1; *score if found. */
static long long zset_rank(const void *ptr, const char *m, size_t len, int rev, double *score)
{
    size_t length = zset_value_length(ptr);
    if (ptr_is_zsl(ptr)) {
        const zsl_node *n = zsl_find(ptr, m, len);
        if (!n)
            return -1;
        size_t r = zsl_rank(ptr, n);
        if (score)
            *score = n->score;
        return rev ? (long long)(length - r) : (long long)(r - 1);
    }
    unsigned char *lp = (unsigned char *)ptr;
    size_t r = 0;
    for (unsigned char *p = lp_first(lp); p; r++) {
        unsigned char *sp = lp_next(lp, p);
        if (lp_compare(p, m, len)) {
            if (score)
                *score = lpz_score(sp);
            return rev ? (long long)(length - 1 - r) : (long long)r;
        }
        p = lp_next(lp, sp);
    }
    return -1;
}

/* ---- read views and rank iteration ------------------------------------------------------ */

typedef struct zview {
    zsl *z;                /* skiplist encoding, else NULL */
    unsigned char *lp;     /* listpack encoding */
    size_t len;
    unsigned char **ents;  /* listpack: member entry of each rank */
    double *scores;        /* listpack: score of each rank */
} zview;

static void zv_open_ptr(zview *v, void *ptr)
{
    memset(v, 0, sizeof(*v));
    if (ptr_is_zsl(ptr)) {
        v->z = ptr;
        v->len = v->z->length;
        return;
    }
    v->lp = ptr;
    v->len = lpz_length(v->lp);
    if (!v->len)
        return;
    v->ents = rd_malloc(v->len * sizeof(*v->ents));
    v->scores = rd_malloc(v->len * sizeof(*v->scores));
    size_t i = 0;
    for (unsigned char *p = lp_first(v->lp); p && i < v->len; i++) {
        unsigned char *sp = lp_next(v->lp, p);
        v->ents[i] = p;
        v->scores[i] = lpz_score(sp);
        p = lp_next(v->lp, sp);
    }
}

static void zv_open(zview *v, const kv *o)
{
    zv_open_ptr(v, kv_ptr(o));
}

static void zv_close(zview *v)
{
    rd_free(v->ents);
    rd_free(v->scores);
    memset(v, 0, sizeof(*v));
}

/* Member of listpack rank r (ibuf renders integer entries). */
static inline const char *zv_lp_member(const zview *v, size_t r, char *ibuf, size_t *len)
{
    return lpz_member(v->ents[r], ibuf, len);
}

typedef struct zitr {
    const zview *v;
    size_t rank;     /* 0-based */
    zsl_node *node;  /* skiplist: the node at rank */
    int rev;
    char ibuf[LP_INTBUF_SIZE];
} zitr;

static void zi_init(zitr *it, const zview *v, size_t rank, int rev)
{
    it->v = v;
    it->rank = rank;
    it->rev = rev;
    it->node = v->z ? zsl_by_rank(v->z, rank + 1) : NULL;
}

/* The current element; the member pointer is valid until the next zi_next. */
static const char *zi_get(zitr *it, size_t *len, double *score)
{
    if (it->v->z) {
        *len = it->node->mlen;
        *score = it->node->score;
        return zsl_member(it->node);
    }
    *score = it->v->scores[it->rank];
    return zv_lp_member(it->v, it->rank, it->ibuf, len);
}

static void zi_next(zitr *it)
{
    if (it->v->z)
        it->node = it->rev ? it->node->backward : it->node->level[0].forward;
    it->rank = it->rev ? it->rank - 1 : it->rank + 1;
}

/* 0-based rank bounds [*lo, *hi] of the elements in a score range; 0 if none. */
static int zv_score_bounds(const zview *v, const zrangespec *r, size_t *lo, size_t *hi)
{
    if (v->len == 0 || zsl_range_empty(r))
        return 0;
    if (v->z) {
        zsl_node *a = zsl_first_in_range(v->z, r), *b;
        if (!a || !(b = zsl_last_in_range(v->z, r)))
            return 0;
        *lo = zsl_rank(v->z, a) - 1;
        *hi = zsl_rank(v->z, b) - 1;
        return *lo <= *hi;
    }
    /* Scores ascend, so both predicates are monotonic: binary search. */
    size_t a = 0, b = v->len;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (zsl_value_gte_min(v->scores[mid], r))
            b = mid;
        else
            a = mid + 1;
    }
    size_t first = a;
    a = first, b = v->len;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (zsl_value_lte_max(v->scores[mid], r))
            a = mid + 1;
        else
            b = mid;
    }
    if (a <= first)
        return 0;
    *lo = first;
    *hi = a - 1;
    return 1;
}

/* Lex bounds. Members are only ordered by bytes when all scores are equal (otherwise
 * Redis's result is unspecified); the listpack walk follows Redis's zzl*InLexRange:
 * forward from the first member >= min while <= max (rev: backward from the last
 * member <= max while >= min). */
static int zv_lex_bounds(const zview *v, const zlexrangespec *r, int rev, size_t *lo, size_t *hi)
{
    if (v->len == 0 || zsl_lex_range_empty(r))
        return 0;
    if (v->z) {
        zsl_node *a = zsl_first_in_lex_range(v->z, r), *b;
        if (!a || !(b = zsl_last_in_lex_range(v->z, r)))
            return 0;
        *lo = zsl_rank(v->z, a) - 1;
        *hi = zsl_rank(v->z, b) - 1;
        return *lo <= *hi;
    }
    char ibuf[LP_INTBUF_SIZE];
    size_t len;
    const char *m;
    if (!rev) {
        size_t i = 0;
        for (; i < v->len; i++) {
            m = zv_lp_member(v, i, ibuf, &len);
            if (zsl_lex_gte_min(m, len, r))
                break;
        }
        if (i == v->len)
            return 0;
        size_t j = i;
        for (; j < v->len; j++) {
            m = zv_lp_member(v, j, ibuf, &len);
            if (!zsl_lex_lte_max(m, len, r))
                break;
        }
        if (j == i)
            return 0;
        *lo = i;
        *hi = j - 1;
        return 1;
    }
    size_t i = v->len;
    for (; i > 0; i--) {
        m = zv_lp_member(v, i - 1, ibuf, &len);
        if (zsl_lex_lte_max(m, len, r))
            break;
    }
    if (i == 0)
        return 0;
    size_t j = i;
    for (; j > 0; j--) {
        m = zv_lp_member(v, j - 1, ibuf, &len);
        if (!zsl_lex_gte_min(m, len, r))
            break;
    }
    if (j == i)
        return 0;
    *lo = j;
    *hi = i - 1;
    return 1;
}

/* A new value holding ranks [lo, lo + n) of view v, in the encoding Redis would give a
 * set of that content built by a STORE command. */
static void *zset_build_from_view(const exec_ctx *c, const zview *v, size_t lo, size_t n, int *enc)
{
    int small = n <= cfg_max_entries(c);
    zitr it;
    if (small) {
        zi_init(&it, v, lo, 0);
        for (size_t i = 0; i < n && small; i++, zi_next(&it)) {
            size_t len;
            double s;
            zi_get(&it, &len, &s);
            if (len > cfg_max_value(c))
                small = 0;
        }
    }
    zi_init(&it, v, lo, 0);
    if (small) {
        unsigned char *lp = lp_new();
        for (size_t i = 0; i < n; i++, zi_next(&it)) {
            size_t len;
            double s;
            const char *m = zi_get(&it, &len, &s);
            lp = lpz_append(lp, m, len, s);
        }
        *enc = ENC_LISTPACK;
        return lp;
    }
    zsl *z = zsl_new();
    for (size_t i = 0; i < n; i++, zi_next(&it)) {
        size_t len;
        double s;
        const char *m = zi_get(&it, &len, &s);
        zsl_insert(z, s, m, len);
    }
    *enc = ENC_SKIPLIST;
    return z;
}

/* ---- small command helpers ----------------------------------------------------------------- */

static void zset_changed(exec_ctx *c, const rd_arg *key, long long changes)
{
    keyspace_modified(c, key->ptr, key->len);
    /* Redis counts every added/updated/removed member in server.dirty. */
    if (changes > 1)
        c->dirty += changes - 1;
}

/* Looks up argv[i] for reading: 1 with *out (NULL if missing), or 0 after replying
 * WRONGTYPE. */
static int zlookup_read(exec_ctx *c, int i, kv **out)
{
    kv *v = keyspace_lookup_read(c, c->argv[i].ptr, c->argv[i].len);
    if (v && kv_type(v) != OBJ_ZSET) {
        reply_wrong_type(c);
        return 0;
    }
    *out = v;
    return 1;
}

static int zlookup_write(exec_ctx *c, int i, kv **out)
{
    kv *v = keyspace_lookup_write(c, c->argv[i].ptr, c->argv[i].len);
    if (v && kv_type(v) != OBJ_ZSET) {
        reply_wrong_type(c);
        return 0;
    }
    *out = v;
    return 1;
}

/* Adds a new zset key argv[i] holding ptr. */
static kv *zset_add_key(exec_ctx *c, int i, void *ptr, int enc)
{
    kv *v = kv_new_ptr(c->argv[i].ptr, c->argv[i].len, OBJ_ZSET, enc, ptr, -1);
    keyspace_add(c, v);
    return v;
}

/* Deletes key argv[i] if its set became empty. */
static void zset_delete_if_empty(exec_ctx *c, int i, kv *v)
{
    if (zset_value_length(kv_ptr(v)) == 0)
        keyspace_delete(c, c->argv[i].ptr, c->argv[i].len);
}

/* The command's full name (for error texts). */
static const char *cmd_fullname(const exec_ctx *c, char *buf, size_t size)
{
    if (c->cmd && c->cmd->fullname[0])
        return c->cmd->fullname;
    size_t n = c->argv[0].len < size - 1 ? c->argv[0].len : size - 1;
    for (size_t i = 0; i < n; i++) {
        char ch = c->argv[0].ptr[i];
        buf[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
    }
    buf[n] = '\0';
    return buf;
}

/* Redis's getLongFromObjectOrReply for argv[i] (long is 64-bit here). */
static int arg_long(exec_ctx *c, int i, long long *out)
{
    return arg_ll(c, i, out);
}

/* Redis getPositiveLongFromObjectOrReply: >= 0, else msg (default Redis text). */
static int arg_positive(exec_ctx *c, int i, const char *msg, long long *out)
{
    return arg_ll_range(c, i, 0, LONG_MAX_LL, msg ? msg : "ERR value is out of range, must be positive", out);
}

/* Writes one reply element: member, and with scores its score (RESP3: as a pair). */
static void reply_elem(exec_ctx *c, const char *m, size_t len, double score, int withscores)
{
    if (withscores && c->w->proto > 2)
        resp_write_array_len(c->w, 2);
    resp_write_bulk(c->w, m, len);
    if (withscores)
        resp_write_double(c->w, score);
}

/* The array header of n elements (RESP2 WITHSCORES: flat, 2n entries). */
static void reply_elems_header(exec_ctx *c, size_t n, int withscores)
{
    resp_write_array_len(c->w, (long long)(withscores && c->w->proto == 2 ? 2 * n : n));
}

/* ---- range argument parsing ------------------------------------------------------------- */

/* One bound of a score range, Redis zslParseRange: an optional '(' then strtod over
 * the rest, which must be consumed up to the first NUL (sds semantics: like Redis,
 * "" parses as 0 and leading spaces are accepted); NaN is refused. */
static int parse_score_bound(const rd_arg *a, double *v, int *ex)
{
    char small[RANGE_ARG_SMALL];
    char *s = a->len < sizeof(small) ? small : rd_malloc(a->len + 1);
    memcpy(s, a->ptr, a->len);
    s[a->len] = '\0';
    char *start = s;
    *ex = 0;
    if (a->len && s[0] == '(') {
        *ex = 1;
        start++;
    }
    char *end;
    *v = strtod(start, &end);
    int ok = end[0] == '\0' && !isnan(*v);
    if (s != small)
        rd_free(s);
    return ok;
}

static int parse_score_range(const rd_arg *min, const rd_arg *max, zrangespec *r)
{
    return parse_score_bound(min, &r->min, &r->minex) && parse_score_bound(max, &r->max, &r->maxex);
}

/* One bound of a lex range, Redis zslParseLexRangeItem: "+", "-", "(x" or "[x". */
static int parse_lex_item(const rd_arg *a, const char **p, size_t *len, int *kind, int *ex)
{
    *p = NULL;
    *len = 0;
    *kind = 0;
    *ex = 0;
    if (a->len == 0)
        return 0;
    /* Redis looks at c[1] of a NUL-terminated sds: "+" followed by a NUL byte is "+". */
    int alone = a->len == 1 || a->ptr[1] == '\0';
    switch (a->ptr[0]) {
    case '+':
        if (!alone)
            return 0;
        *kind = 1;
        return 1;
    case '-':
        if (!alone)
            return 0;
        *kind = -1;
        return 1;
    case '(':
        *ex = 1;
        /* fall through */
    case '[':
        *p = a->ptr + 1;
        *len = a->len - 1;
        return 1;
    default:
        return 0;
    }
}

static int parse_lex_range(const rd_arg *min, const rd_arg *max, zlexrangespec *r)
{
    return parse_lex_item(min, &r->min, &r->minlen, &r->minkind, &r->minex) &&
           parse_lex_item(max, &r->max, &r->maxlen, &r->maxkind, &r->maxex);
}

static void reply_not_float_range(exec_ctx *c)
{
    resp_write_error(c->w, "ERR min or max is not a float");
}

static void reply_not_lex_range(exec_ctx *c)
{
    resp_write_error(c->w, "ERR min or max not valid string range item");
}

/* ---- ZADD / ZINCRBY ---------------------------------------------------------------------- */

static void zadd_generic(exec_ctx *c, int flags)
{
    static const char nanerr[] = "ERR resulting score is not a number (NaN)";
    int j = 2, ch = 0;
    /* Options come first; the first non-option starts the score/member pairs. */
    for (; j < c->argc; j++) {
        if (arg_is(c, j, "nx"))
            flags |= ZADD_IN_NX;
        else if (arg_is(c, j, "xx"))
            flags |= ZADD_IN_XX;
        else if (arg_is(c, j, "ch"))
            ch = 1;
        else if (arg_is(c, j, "incr"))
            flags |= ZADD_IN_INCR;
        else if (arg_is(c, j, "gt"))
            flags |= ZADD_IN_GT;
        else if (arg_is(c, j, "lt"))
            flags |= ZADD_IN_LT;
        else
            break;
    }
    int scoreidx = j;
    int incr = (flags & ZADD_IN_INCR) != 0, nx = (flags & ZADD_IN_NX) != 0;
    int xx = (flags & ZADD_IN_XX) != 0, gt = (flags & ZADD_IN_GT) != 0, lt = (flags & ZADD_IN_LT) != 0;
    int elements = c->argc - scoreidx;
    if (elements % 2 || !elements) {
        reply_syntax_error(c);
        return;
    }
    elements /= 2;
    if (nx && xx) {
        resp_write_error(c->w, "ERR XX and NX options at the same time are not compatible");
        return;
    }
    if ((gt && nx) || (lt && nx) || (gt && lt)) {
        resp_write_error(c->w, "ERR GT, LT, and/or NX options at the same time are not compatible");
        return;
    }
    if (incr && elements > 1) {
        resp_write_error(c->w, "ERR INCR option supports a single increment-element pair");
        return;
    }
    /* All scores are parsed before anything changes: the command is all or nothing. */
    double *scores = rd_malloc((size_t)elements * sizeof(double));
    for (int i = 0; i < elements; i++) {
        if (!arg_double(c, scoreidx + 2 * i, &scores[i])) {
            rd_free(scores);
            return;
        }
    }
    kv *v;
    if (!zlookup_write(c, 1, &v)) {
        rd_free(scores);
        return;
    }
    long long added = 0, updated = 0, processed = 0;
    double score = 0;
    int created = 0;
    if (!v) {
        if (xx)
            goto reply;
        int enc;
        void *ptr = zset_create(c, (size_t)elements, c->argv[scoreidx + 1].len, &enc);
        v = zset_add_key(c, 1, ptr, enc);
        created = 1;
    } else {
        zset_maybe_convert(c, v, (size_t)elements);
    }
    for (int i = 0; i < elements; i++) {
        const rd_arg *m = &c->argv[scoreidx + 1 + 2 * i];
        int out;
        double newscore = 0;
        if (!zset_add(c, v, scores[i], m->ptr, m->len, flags, &out, &newscore)) {
            /* Only INCR can get here (a single pair): nothing was changed, but a key
             * created for it must not stay behind empty. */
            if (created)
                zset_delete_if_empty(c, 1, v);
            resp_write_error(c->w, nanerr);
            rd_free(scores);
            return;
        }
        if (out & ZADD_OUT_ADDED)
            added++;
        if (out & ZADD_OUT_UPDATED)
            updated++;
        if (!(out & ZADD_OUT_NOP))
            processed++;
        score = newscore;
    }
    /* A key created here always gets its first pair (only XX skips new members, and
     * XX never creates the key); still, never leave an empty set behind. */
    if (created && zset_value_length(kv_ptr(v)) == 0)
        keyspace_delete(c, c->argv[1].ptr, c->argv[1].len);
    if (added + updated)
        zset_changed(c, &c->argv[1], added + updated);
reply:
    rd_free(scores);
    if (incr) {
        if (processed)
            resp_write_double(c->w, score);
        else
            resp_write_null(c->w);
    } else {
        resp_write_int(c->w, ch ? added + updated : added);
    }
}

void cmd_zadd(exec_ctx *c)
{
    zadd_generic(c, 0);
}

void cmd_zincrby(exec_ctx *c)
{
    zadd_generic(c, ZADD_IN_INCR);
}

/* ---- ZREM / ZCARD / ZSCORE / ZMSCORE / ZRANK ---------------------------------------------- */

void cmd_zrem(exec_ctx *c)
{
    kv *v;
    if (!zlookup_write(c, 1, &v))
        return;
    if (!v) {
        resp_write_int(c->w, 0);
        return;
    }
    long long deleted = 0;
    for (int j = 2; j < c->argc; j++) {
        deleted += zset_del(v, c->argv[j].ptr, c->argv[j].len);
        if (zset_value_length(kv_ptr(v)) == 0)
            break;
    }
    if (deleted) {
        zset_delete_if_empty(c, 1, v);
        zset_changed(c, &c->argv[1], deleted);
    }
    resp_write_int(c->w, deleted);
}

void cmd_zcard(exec_ctx *c)
{
    kv *v;
    if (!zlookup_read(c, 1, &v))
        return;
    resp_write_int(c->w, v ? (long long)zset_value_length(kv_ptr(v)) : 0);
}

void cmd_zscore(exec_ctx *c)
{
    kv *v;
    if (!zlookup_read(c, 1, &v))
        return;
    double score;
    if (!v || !zset_value_score(kv_ptr(v), c->argv[2].ptr, c->argv[2].len, &score))
        resp_write_null(c->w);
    else
        resp_write_double(c->w, score);
}

void cmd_zmscore(exec_ctx *c)
{
    kv *v;
    if (!zlookup_read(c, 1, &v))
        return;
    resp_write_array_len(c->w, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        double score;
        if (!v || !zset_value_score(kv_ptr(v), c->argv[j].ptr, c->argv[j].len, &score))
            resp_write_null(c->w);
        else
            resp_write_double(c->w, score);
    }
}

static void zrank_generic(exec_ctx *c, int rev)
{
    int withscore = 0;
    if (c->argc > 4) {
        reply_wrong_arity(c);
        return;
    }
    if (c->argc > 3) {
        if (!arg_is(c, 3, "withscore")) {
            reply_syntax_error(c);
            return;
        }
        withscore = 1;
    }
    kv *v;
    if (!zlookup_read(c, 1, &v))
        return;
    double score = 0;
    long long rank = v ? zset_rank(kv_ptr(v), c->argv[2].ptr, c->argv[2].len, rev, &score) : -1;
    if (rank < 0) {
        if (withscore)
            resp_write_null_array(c->w);
        else
            resp_write_null(c->w);
        return;
    }
    if (withscore)
        resp_write_array_len(c->w, 2);
    resp_write_int(c->w, rank);
    if (withscore)
        resp_write_double(c->w, score);
}

void cmd_zrank(exec_ctx *c)
{
    zrank_generic(c, 0);
}

void cmd_zrevrank(exec_ctx *c)
{
    zrank_generic(c, 1);
}

/* ---- ZCOUNT / ZLEXCOUNT ---------------------------------------------------------------- */

void cmd_zcount(exec_ctx *c)
{
    zrangespec r;
    if (!parse_score_range(&c->argv[2], &c->argv[3], &r)) {
        reply_not_float_range(c);
        return;
    }
    kv *v;
    if (!zlookup_read(c, 1, &v))
        return;
    long long count = 0;
    if (v) {
        zview zv;
        size_t lo, hi;
        zv_open(&zv, v);
        if (zv_score_bounds(&zv, &r, &lo, &hi))
            count = (long long)(hi - lo + 1);
        zv_close(&zv);
    }
    resp_write_int(c->w, count);
}

void cmd_zlexcount(exec_ctx *c)
{
    zlexrangespec r;
    if (!parse_lex_range(&c->argv[2], &c->argv[3], &r)) {
        reply_not_lex_range(c);
        return;
    }
    kv *v;
    if (!zlookup_read(c, 1, &v))
        return;
    long long count = 0;
    if (v) {
        zview zv;
        size_t lo, hi;
        zv_open(&zv, v);
        if (zv_lex_bounds(&zv, &r, 0, &lo, &hi))
            count = (long long)(hi - lo + 1);
        zv_close(&zv);
    }
    resp_write_int(c->w, count);
}

/* ---- ZRANGE family --------------------------------------------------------------------------- */

enum zrange_type { ZRANGE_AUTO, ZRANGE_RANK, ZRANGE_SCORE, ZRANGE_LEX };
enum zrange_dir { ZRANGE_DIR_AUTO, ZRANGE_DIR_FWD, ZRANGE_DIR_REV };

/* Stores ranks [lo, lo + n) of view zv into argv[dst_i], or deletes it when n == 0;
 * replies the count. zv is closed here, before the destination (which may be the
 * source) is replaced. */
static void zrange_store(exec_ctx *c, int dst_i, zview *zv, size_t lo, size_t n)
{
    const rd_arg *dst = &c->argv[dst_i];
    if (n == 0) {
        zv_close(zv);
        if (keyspace_delete(c, dst->ptr, dst->len))
            keyspace_modified(c, dst->ptr, dst->len);
        resp_write_int(c->w, 0);
        return;
    }
    int enc;
    void *ptr = zset_build_from_view(c, zv, lo, n, &enc);
    zv_close(zv);
    kv *nv = kv_new_ptr(dst->ptr, dst->len, OBJ_ZSET, enc, ptr, -1);
    keyspace_set(c, nv, 0);
    keyspace_modified(c, dst->ptr, dst->len);
    resp_write_int(c->w, (long long)n);
}

/* Redis zrangeGenericCommand: src key at argv[key_i], range at key_i+1 and key_i+2,
 * options after; dst_i > 0 for ZRANGESTORE. The legacy commands preset the type and
 * direction, which then cannot be given as options. */
static void zrange_generic(exec_ctx *c, int dst_i, int key_i, enum zrange_type type, enum zrange_dir dir)
{
    int minidx = key_i + 1, maxidx = key_i + 2;
    int withscores = 0;
    long long offset = 0, limit = -1;
    for (int j = key_i + 3; j < c->argc; j++) {
        int leftargs = c->argc - j - 1;
        if (!dst_i && arg_is(c, j, "withscores")) {
            withscores = 1;
        } else if (arg_is(c, j, "limit") && leftargs >= 2) {
            if (!arg_long(c, j + 1, &offset) || !arg_long(c, j + 2, &limit))
                return;
            j += 2;
        } else if (dir == ZRANGE_DIR_AUTO && arg_is(c, j, "rev")) {
            dir = ZRANGE_DIR_REV;
        } else if (type == ZRANGE_AUTO && arg_is(c, j, "bylex")) {
            type = ZRANGE_LEX;
        } else if (type == ZRANGE_AUTO && arg_is(c, j, "byscore")) {
            type = ZRANGE_SCORE;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    if (dir == ZRANGE_DIR_AUTO)
        dir = ZRANGE_DIR_FWD;
    if (type == ZRANGE_AUTO)
        type = ZRANGE_RANK;
    /* Redis tests "LIMIT given" as limit != -1: "LIMIT 0 -1" passes with a rank range. */
    if (limit != -1 && type == ZRANGE_RANK) {
        resp_write_error(c->w, "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
        return;
    }
    if (withscores && type == ZRANGE_LEX) {
        resp_write_error(c->w, "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
        return;
    }
    int rev = dir == ZRANGE_DIR_REV;
    if (rev && type != ZRANGE_RANK) { /* the range is given as max, min */
        int t = minidx;
        minidx = maxidx;
        maxidx = t;
    }
    long long start = 0, end = 0;
    zrangespec sr;
    zlexrangespec lr;
    switch (type) {
    case ZRANGE_SCORE:
        if (!parse_score_range(&c->argv[minidx], &c->argv[maxidx], &sr)) {
            reply_not_float_range(c);
            return;
        }
        break;
    case ZRANGE_LEX:
        if (!parse_lex_range(&c->argv[minidx], &c->argv[maxidx], &lr)) {
            reply_not_lex_range(c);
            return;
        }
        break;
    default:
        if (!arg_long(c, minidx, &start) || !arg_long(c, maxidx, &end))
            return;
        break;
    }

    kv *v;
    if (!zlookup_read(c, key_i, &v))
        return;
    zview zv;
    memset(&zv, 0, sizeof(zv));
    if (v)
        zv_open(&zv, v);
    long long llen = (long long)zv.len;
    /* The selected elements: `count` of them from rank `first`, walking down if rev. */
    size_t first = 0, count = 0;
    if (type == ZRANGE_RANK) {
        if (start < 0)
            start += llen;
        if (end < 0)
            end += llen;
        if (start < 0)
            start = 0;
        if (!(start > end || start >= llen)) {
            if (end >= llen)
                end = llen - 1;
            count = (size_t)(end - start + 1);
            first = rev ? (size_t)(llen - 1 - start) : (size_t)start;
        }
    } else {
        size_t lo, hi;
        int found = type == ZRANGE_SCORE ? zv_score_bounds(&zv, &sr, &lo, &hi)
                                         : zv_lex_bounds(&zv, &lr, rev, &lo, &hi);
        /* A negative offset selects nothing; a negative limit means "all the rest". */
        if (found && offset >= 0 && (unsigned long long)offset <= hi - lo) {
            size_t avail = hi - lo + 1 - (size_t)offset;
            count = limit < 0 || (unsigned long long)limit > avail ? avail : (size_t)limit;
            first = rev ? hi - (size_t)offset : lo + (size_t)offset;
        }
    }
    if (dst_i) {
        size_t lo = rev && count ? first - (count - 1) : first;
        zrange_store(c, dst_i, &zv, lo, count);
        return;
    }
    reply_elems_header(c, count, withscores);
    if (count) {
        zitr it;
        zi_init(&it, &zv, first, rev);
        for (size_t i = 0; i < count; i++, zi_next(&it)) {
            size_t len;
            double score;
            const char *m = zi_get(&it, &len, &score);
            reply_elem(c, m, len, score, withscores);
        }
    }
    zv_close(&zv);
}

void cmd_zrange(exec_ctx *c)
{
    zrange_generic(c, 0, 1, ZRANGE_AUTO, ZRANGE_DIR_AUTO);
}

void cmd_zrangestore(exec_ctx *c)
{
    zrange_generic(c, 1, 2, ZRANGE_AUTO, ZRANGE_DIR_AUTO);
}

void cmd_zrevrange(exec_ctx *c)
{
    zrange_generic(c, 0, 1, ZRANGE_RANK, ZRANGE_DIR_REV);
}

void cmd_zrangebyscore(exec_ctx *c)
{
    zrange_generic(c, 0, 1, ZRANGE_SCORE, ZRANGE_DIR_FWD);
}

void cmd_zrevrangebyscore(exec_ctx *c)
{
    zrange_generic(c, 0, 1, ZRANGE_SCORE, ZRANGE_DIR_REV);
}

void cmd_zrangebylex(exec_ctx *c)
{
    zrange_generic(c, 0, 1, ZRANGE_LEX, ZRANGE_DIR_FWD);
}

void cmd_zrevrangebylex(exec_ctx *c)
{
    zrange_generic(c, 0, 1, ZRANGE_LEX, ZRANGE_DIR_REV);
}

/* ---- ZREMRANGEBY* ---------------------------------------------------------------------------- */

static void zremrange_generic(exec_ctx *c, enum zrange_type type)
{
    long long start = 0, end = 0;
    zrangespec sr;
    zlexrangespec lr;
    if (type == ZRANGE_RANK) {
        if (!arg_long(c, 2, &start) || !arg_long(c, 3, &end))
            return;
    } else if (type == ZRANGE_SCORE) {
        if (!parse_score_range(&c->argv[2], &c->argv[3], &sr)) {
            reply_not_float_range(c);
            return;
        }
    } else if (!parse_lex_range(&c->argv[2], &c->argv[3], &lr)) {
        reply_not_lex_range(c);
        return;
    }
    kv *v;
    if (!zlookup_write(c, 1, &v))
        return;
    if (!v) {
        resp_write_int(c->w, 0);
        return;
    }
    size_t lo = 0, hi = 0;
    int found;
    if (type == ZRANGE_RANK) {
        long long llen = (long long)zset_value_length(kv_ptr(v));
        if (start < 0)
            start += llen;
        if (end < 0)
            end += llen;
        if (start < 0)
            start = 0;
        found = !(start > end || start >= llen);
        if (found) {
            if (end >= llen)
                end = llen - 1;
            lo = (size_t)start;
            hi = (size_t)end;
        }
    } else {
        zview zv;
        zv_open(&zv, v);
        found = type == ZRANGE_SCORE ? zv_score_bounds(&zv, &sr, &lo, &hi)
                                     : zv_lex_bounds(&zv, &lr, 0, &lo, &hi);
        zv_close(&zv);
    }
    if (!found) {
        resp_write_int(c->w, 0);
        return;
    }
    long long deleted = (long long)(hi - lo + 1);
    zset_del_ranks(v, lo, hi);
    zset_delete_if_empty(c, 1, v);
    zset_changed(c, &c->argv[1], deleted);
    resp_write_int(c->w, deleted);
}

void cmd_zremrangebyrank(exec_ctx *c)
{
    zremrange_generic(c, ZRANGE_RANK);
}

void cmd_zremrangebyscore(exec_ctx *c)
{
    zremrange_generic(c, ZRANGE_SCORE);
}

void cmd_zremrangebylex(exec_ctx *c)
{
    zremrange_generic(c, ZRANGE_LEX);
}

/* ---- ZPOPMIN / ZPOPMAX / ZMPOP ----------------------------------------------------------------- */

/* Redis genericZpopCommand over the keys argv[first_key .. first_key+nkeys): pops up to
 * count members (-1: one, plain reply) from the first non-empty key. */
static void zpop_generic(exec_ctx *c, int first_key, int nkeys, int max, int emitkey, long long count,
                         int nested, int nil_when_empty)
{
    kv *v = NULL;
    int key_i = 0;
    for (int i = 0; i < nkeys; i++) {
        key_i = first_key + i;
        if (!zlookup_write(c, key_i, &v))
            return;
        if (v)
            break;
    }
    if (!v) {
        if (nil_when_empty)
            resp_write_null_array(c->w);
        else
            resp_write_array_len(c->w, 0);
        return;
    }
    if (count == 0) {
        resp_write_array_len(c->w, 0);
        return;
    }
    if (count == -1)
        count = 1;
    size_t llen = zset_value_length(kv_ptr(v));
    size_t n = (unsigned long long)count > llen ? llen : (size_t)count;
    if (!nested && !emitkey) {
        resp_write_array_len(c->w, (long long)n * 2);
    } else if (nested && !emitkey) {
        resp_write_array_len(c->w, (long long)n);
    } else if (!nested && emitkey) {
        resp_write_array_len(c->w, (long long)n * 2 + 1);
        resp_write_bulk(c->w, c->argv[key_i].ptr, c->argv[key_i].len);
    } else {
        resp_write_array_len(c->w, 2);
        resp_write_bulk(c->w, c->argv[key_i].ptr, c->argv[key_i].len);
        resp_write_array_len(c->w, (long long)n);
    }
    zview zv;
    zv_open(&zv, v);
    zitr it;
    zi_init(&it, &zv, max ? llen - 1 : 0, max);
    for (size_t i = 0; i < n; i++, zi_next(&it)) {
        size_t len;
        double score;
        const char *m = zi_get(&it, &len, &score);
        if (nested)
            resp_write_array_len(c->w, 2);
        resp_write_bulk(c->w, m, len);
        resp_write_double(c->w, score);
    }
    zv_close(&zv);
    if (max)
        zset_del_ranks(v, llen - n, llen - 1);
    else
        zset_del_ranks(v, 0, n - 1);
    zset_delete_if_empty(c, key_i, v);
    zset_changed(c, &c->argv[key_i], (long long)n);
}

static void zpopminmax(exec_ctx *c, int max)
{
    if (c->argc > 3) {
        reply_syntax_error(c);
        return;
    }
    long long count = -1;
    if (c->argc == 3 && !arg_positive(c, 2, NULL, &count))
        return;
    /* RESP3 with COUNT: nested pairs; otherwise (and always in RESP2) flat. */
    int nested = c->w->proto > 2 && count != -1;
    zpop_generic(c, 1, 1, max, 0, count, nested, 0);
}

void cmd_zpopmin(exec_ctx *c)
{
    zpopminmax(c, 0);
}

void cmd_zpopmax(exec_ctx *c)
{
    zpopminmax(c, 1);
}

/* ZMPOP numkeys key [key ...] MIN|MAX [COUNT count] */
void cmd_zmpop(exec_ctx *c)
{
    long long numkeys, count = -1;
    if (!arg_ll_range(c, 1, 1, LONG_MAX_LL, "ERR numkeys should be greater than 0", &numkeys))
        return;
    if (numkeys >= c->argc - 2) { /* where_idx = numkeys + 2 must be < argc */
        reply_syntax_error(c);
        return;
    }
    int where_i = (int)numkeys + 2, max;
    if (arg_is(c, where_i, "min")) {
        max = 0;
    } else if (arg_is(c, where_i, "max")) {
        max = 1;
    } else {
        reply_syntax_error(c);
        return;
    }
    for (int j = where_i + 1; j < c->argc; j++) {
        int moreargs = c->argc - 1 - j;
        if (count == -1 && arg_is(c, j, "count") && moreargs) {
            j++;
            if (!arg_ll_range(c, j, 1, LONG_MAX_LL, "ERR count should be greater than 0", &count))
                return;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    if (count == -1)
        count = 1;
    zpop_generic(c, 2, (int)numkeys, max, 1, count, 1, 1);
}

/* ---- ZRANDMEMBER ------------------------------------------------------------------------------- */

/* Replies the element of 0-based slot/rank choice (listpack: rank; skiplist: node). */
static void reply_lp_rank(exec_ctx *c, const zview *zv, size_t r, int withscores)
{
    char ibuf[LP_INTBUF_SIZE];
    size_t len;
    const char *m = zv_lp_member(zv, r, ibuf, &len);
    reply_elem(c, m, len, zv->scores[r], withscores);
}

static void zrandmember_with_count(exec_ctx *c, long long l, int withscores)
{
    kv *v;
    if (!zlookup_read(c, 1, &v))
        return;
    if (!v) {
        resp_write_array_len(c->w, 0);
        return;
    }
    int uniq = 1;
    unsigned long long count;
    if (l >= 0) {
        count = (unsigned long long)l;
    } else {
        count = (unsigned long long)-l;
        uniq = 0;
    }
    if (count == 0) {
        resp_write_array_len(c->w, 0);
        return;
    }
    zview zv;
    zv_open(&zv, v);
    size_t size = zv.len;

    /* Case 1: repeats allowed (or a single pick): independent draws. */
    if (!uniq || count == 1) {
        reply_elems_header(c, (size_t)count, withscores);
        for (unsigned long long i = 0; i < count; i++) {
            if (zv.z) {
                zsl_node *n = zsl_random(zv.z, c->rng);
                reply_elem(c, zsl_member(n), n->mlen, n->score, withscores);
            } else {
                reply_lp_rank(c, &zv, (size_t)prng_below(c->rng, size), withscores);
            }
        }
        zv_close(&zv);
        return;
    }
    /* Case 2: asking for the whole set or more: all of it, in order. */
    if (count >= size) {
        reply_elems_header(c, size, withscores);
        zitr it;
        zi_init(&it, &zv, 0, 0);
        for (size_t i = 0; i < size; i++, zi_next(&it)) {
            size_t len;
            double score;
            const char *m = zi_get(&it, &len, &score);
            reply_elem(c, m, len, score, withscores);
        }
        zv_close(&zv);
        return;
    }
    size_t want = (size_t)count;
    reply_elems_header(c, want, withscores);
    if (!zv.z) {
        /* Case 3 (listpack): selection sampling, each rank kept with probability
         * needed/left: distinct ranks, replied in set order as Redis's listpack path. */
        size_t needed = want;
        for (size_t r = 0; r < size && needed; r++) {
            if (prng_below(c->rng, size - r) < needed) {
                reply_lp_rank(c, &zv, r, withscores);
                needed--;
            }
        }
        zv_close(&zv);
        return;
    }
    /* Case 4 (skiplist): distinct random table slots, marked in a bitmap. The table is
     * at least a third live, and want < size, so the expected draws stay O(want). */
    const zsl *z = zv.z;
    unsigned char *seen = rd_calloc((z->used + 7) / 8, 1);
    for (size_t got = 0; got < want;) {
        size_t pos = (size_t)prng_below(c->rng, z->used);
        zsl_node *n = zsl_slot(z, pos);
        if (!n || (seen[pos / 8] & (1u << (pos % 8))))
            continue;
        seen[pos / 8] |= (unsigned char)(1u << (pos % 8));
        reply_elem(c, zsl_member(n), n->mlen, n->score, withscores);
        got++;
    }
    rd_free(seen);
    zv_close(&zv);
}

void cmd_zrandmember(exec_ctx *c)
{
    if (c->argc >= 3) {
        long long l;
        if (!arg_ll_range(c, 2, -LONG_MAX_LL, LONG_MAX_LL, NULL, &l))
            return;
        int withscores = 0;
        if (c->argc > 4 || (c->argc == 4 && !arg_is(c, 3, "withscores"))) {
            reply_syntax_error(c);
            return;
        } else if (c->argc == 4) {
            withscores = 1;
            if (l < -LONG_MAX_LL / 2 || l > LONG_MAX_LL / 2) {
                resp_write_error(c->w, "ERR value is out of range");
                return;
            }
        }
        zrandmember_with_count(c, l, withscores);
        return;
    }
    kv *v;
    if (!zlookup_read(c, 1, &v))
        return;
    if (!v) {
        resp_write_null(c->w);
        return;
    }
    void *ptr = kv_ptr(v);
    if (ptr_is_zsl(ptr)) {
        zsl_node *n = zsl_random(ptr, c->rng);
        resp_write_bulk(c->w, zsl_member(n), n->mlen);
        return;
    }
    unsigned char *lp = ptr;
    unsigned char *p = lp_seek(lp, (long)(2 * prng_below(c->rng, lpz_length(lp))));
    char ibuf[LP_INTBUF_SIZE];
    size_t len;
    const char *m = lpz_member(p, ibuf, &len);
    resp_write_bulk(c->w, m, len);
}

/* ---- ZUNION / ZINTER / ZDIFF [STORE], ZINTERCARD ------------------------------------------------ */

enum zsetop { SET_OP_UNION, SET_OP_INTER, SET_OP_DIFF };
enum zaggr { AGGR_SUM, AGGR_MIN, AGGR_MAX };

/* One input: a sorted set, a plain set (every member scores 1), or missing (empty). */
typedef struct zsrc {
    const kv *v;
    int type;
    double weight;
    size_t card;
} zsrc;

/* Plain sets are read through their encodings' public headers: the set type's value is
 * an intset, a packlist or a dict, told apart by the first byte (their *_MAGIC). */
static size_t set_card(const void *ptr)
{
    const unsigned char *p = ptr;
    switch (p[0]) {
    case INTSET_MAGIC: return intset_len(ptr);
    case PACKLIST_MAGIC: return pl_count(ptr);
    case DICT_MAGIC: return dict_size(ptr);
    default: return 0;
    }
}

static int set_contains(const void *ptr, const char *m, size_t len)
{
    const unsigned char *p = ptr;
    switch (p[0]) {
    case INTSET_MAGIC: {
        long long ll;
        return rd_str2ll(m, len, &ll) && intset_find(ptr, ll);
    }
    case PACKLIST_MAGIC: return pl_find(ptr, m, len, 1) != 0;
    case DICT_MAGIC: return dict_find(ptr, m, len, NULL) != NULL;
    default: return 0;
    }
}

static int set_foreach(const void *ptr, zset_visit_fn *fn, void *ctx)
{
    const unsigned char *p = ptr;
    int r = 0;
    switch (p[0]) {
    case INTSET_MAGIC: {
        uint32_t n = intset_len(ptr);
        for (uint32_t i = 0; i < n && !r; i++) {
            char buf[32];
            size_t len = rd_ll2str(buf, (long long)intset_get(ptr, i));
            r = fn(ctx, buf, len, 1.0);
        }
        break;
    }
    case PACKLIST_MAGIC:
        for (size_t off = pl_first(ptr); off && !r; off = pl_next(ptr, off)) {
            size_t len;
            const char *m = pl_get(ptr, off, &len);
            r = fn(ctx, m, len, 1.0);
        }
        break;
    case DICT_MAGIC: {
        const dict *d = ptr;
        for (size_t pos = 0; pos < d->used && !r; pos++) {
            const dict_entry *e = dict_at(d, pos);
            if (e)
                r = fn(ctx, dict_key(e), e->klen, 1.0);
        }
        break;
    }
    default:
        break;
    }
    return r;
}

static int src_find(const zsrc *s, const char *m, size_t len, double *score)
{
    if (!s->v)
        return 0;
    if (s->type == OBJ_ZSET)
        return zset_value_score(kv_ptr(s->v), m, len, score);
    if (!set_contains(kv_ptr(s->v), m, len))
        return 0;
    *score = 1.0;
    return 1;
}

static int src_foreach(const zsrc *s, zset_visit_fn *fn, void *ctx)
{
    if (!s->v)
        return 0;
    if (s->type == OBJ_ZSET)
        return zset_value_foreach(kv_ptr(s->v), fn, ctx);
    return set_foreach(kv_ptr(s->v), fn, ctx);
}

static inline void aggregate(double *target, double val, int aggr)
{
    if (aggr == AGGR_SUM) {
        *target = *target + val;
        /* +inf + -inf: Redis's convention is 0. */
        if (isnan(*target))
            *target = 0.0;
    } else if (aggr == AGGR_MIN) {
        *target = val < *target ? val : *target;
    } else {
        *target = val > *target ? val : *target;
    }
}

typedef struct setop_state {
    zsrc *src;
    int setnum;
    int aggr;
    zsl *acc;              /* the result, kept sorted as it is built */
    size_t maxelelen, totelelen;
    int cardinality_only;
    unsigned long long cardinality, limit;
    int cur;               /* index of the source being walked */
} setop_state;

static void acc_insert(setop_state *st, const char *m, size_t len, double score)
{
    zsl_insert(st->acc, score, m, len);
    if (len > st->maxelelen)
        st->maxelelen = len;
    st->totelelen += len;
}

static int union_visit(void *ctx, const char *m, size_t len, double score)
{
    setop_state *st = ctx;
    double s = st->src[st->cur].weight * score;
    if (isnan(s))
        s = 0;
    zsl_node *n = zsl_find(st->acc, m, len);
    if (!n) {
        acc_insert(st, m, len, s);
    } else {
        double t = n->score;
        aggregate(&t, s, st->aggr);
        if (t != n->score || signbit(t) != signbit(n->score))
            zsl_update_score(st->acc, n, t);
    }
    return 0;
}

static int inter_visit(void *ctx, const char *m, size_t len, double score)
{
    setop_state *st = ctx;
    double s = st->src[0].weight * score;
    if (isnan(s))
        s = 0;
    int j;
    for (j = 1; j < st->setnum; j++) {
        double value;
        if (st->src[j].v == st->src[0].v) {
            value = score * st->src[j].weight;
        } else if (src_find(&st->src[j], m, len, &value)) {
            value *= st->src[j].weight;
        } else {
            break;
        }
        aggregate(&s, value, st->aggr);
    }
    if (j < st->setnum)
        return 0;
    if (st->cardinality_only) {
        st->cardinality++;
        return st->limit && st->cardinality >= st->limit; /* stop at the limit */
    }
    acc_insert(st, m, len, s);
    return 0;
}

static int diff_visit(void *ctx, const char *m, size_t len, double score)
{
    setop_state *st = ctx;
    for (int j = 1; j < st->setnum; j++) {
        double ignored;
        if (st->src[j].v == st->src[0].v || src_find(&st->src[j], m, len, &ignored))
            return 0;
    }
    acc_insert(st, m, len, score);
    return 0;
}

/* Redis zunionInterDiffGenericCommand. dst_i: argv index of the destination (0: reply
 * the result); numkeys_i: argv index of numkeys. */
static void setop_generic(exec_ctx *c, int dst_i, int numkeys_i, enum zsetop op, int cardinality_only)
{
    long long setnum;
    if (!arg_long(c, numkeys_i, &setnum))
        return;
    if (setnum < 1) {
        char name[64];
        resp_write_errorf(c->w, "ERR at least 1 input key is needed for '%s' command",
                          cmd_fullname(c, name, sizeof(name)));
        return;
    }
    if (setnum > c->argc - (numkeys_i + 1)) {
        reply_syntax_error(c);
        return;
    }
    zsrc *src = rd_calloc((size_t)setnum, sizeof(zsrc));
    int j = numkeys_i + 1;
    for (long long i = 0; i < setnum; i++, j++) {
        kv *v = keyspace_lookup_read(c, c->argv[j].ptr, c->argv[j].len);
        if (v && kv_type(v) != OBJ_ZSET && kv_type(v) != OBJ_SET) {
            rd_free(src);
            reply_wrong_type(c);
            return;
        }
        src[i].v = v;
        src[i].type = v ? kv_type(v) : OBJ_ZSET;
        src[i].weight = 1.0;
        src[i].card = !v ? 0 : (src[i].type == OBJ_ZSET ? zset_value_length(kv_ptr(v)) : set_card(kv_ptr(v)));
    }
    int aggr = AGGR_SUM, withscores = 0;
    long long limit = 0;
    int remaining = c->argc - j;
    while (remaining) {
        if (op != SET_OP_DIFF && !cardinality_only && remaining >= setnum + 1 && arg_is(c, j, "weights")) {
            j++;
            remaining--;
            for (long long i = 0; i < setnum; i++, j++, remaining--) {
                if (!rd_str2d(c->argv[j].ptr, c->argv[j].len, &src[i].weight)) {
                    rd_free(src);
                    resp_write_error(c->w, "ERR weight value is not a float");
                    return;
                }
            }
        } else if (op != SET_OP_DIFF && !cardinality_only && remaining >= 2 && arg_is(c, j, "aggregate")) {
            j++;
            remaining--;
            if (arg_is(c, j, "sum")) {
                aggr = AGGR_SUM;
            } else if (arg_is(c, j, "min")) {
                aggr = AGGR_MIN;
            } else if (arg_is(c, j, "max")) {
                aggr = AGGR_MAX;
            } else {
                rd_free(src);
                reply_syntax_error(c);
                return;
            }
            j++;
            remaining--;
        } else if (remaining >= 1 && !dst_i && !cardinality_only && arg_is(c, j, "withscores")) {
            j++;
            remaining--;
            withscores = 1;
        } else if (cardinality_only && remaining >= 2 && arg_is(c, j, "limit")) {
            j++;
            remaining--;
            if (!arg_positive(c, j, "ERR LIMIT can't be negative", &limit)) {
                rd_free(src);
                return;
            }
            j++;
            remaining--;
        } else {
            rd_free(src);
            reply_syntax_error(c);
            return;
        }
    }
    /* Smallest inputs first (a stable sort: the order sums are accumulated in is
     * Redis's, so float results match); DIFF keeps its first input first. */
    if (op != SET_OP_DIFF) {
        for (long long a = 1; a < setnum; a++) {
            zsrc t = src[a];
            long long b = a - 1;
            while (b >= 0 && src[b].card > t.card) {
                src[b + 1] = src[b];
                b--;
            }
            src[b + 1] = t;
        }
    }
    setop_state st;
    memset(&st, 0, sizeof(st));
    st.src = src;
    st.setnum = (int)setnum;
    st.aggr = aggr;
    st.acc = zsl_new();
    st.cardinality_only = cardinality_only;
    st.limit = (unsigned long long)limit;
    if (op == SET_OP_INTER) {
        if (src[0].card > 0)
            src_foreach(&src[0], inter_visit, &st);
    } else if (op == SET_OP_UNION) {
        for (int i = 0; i < st.setnum; i++) {
            if (!src[i].card)
                continue;
            st.cur = i;
            src_foreach(&src[i], union_visit, &st);
        }
    } else {
        if (src[0].card > 0)
            src_foreach(&src[0], diff_visit, &st);
    }
    rd_free(src);

    if (cardinality_only) {
        zsl_free(st.acc);
        resp_write_int(c->w, (long long)st.cardinality);
        return;
    }
    zsl *acc = st.acc;
    if (dst_i) {
        const rd_arg *dst = &c->argv[dst_i];
        size_t n = acc->length;
        if (n == 0) {
            zsl_free(acc);
            if (keyspace_delete(c, dst->ptr, dst->len))
                keyspace_modified(c, dst->ptr, dst->len);
            resp_write_int(c->w, 0);
            return;
        }
        void *ptr = acc;
        int enc = ENC_SKIPLIST;
        /* Redis zsetConvertToListpackIfNeeded. */
        if (n <= cfg_max_entries(c) && st.maxelelen <= cfg_max_value(c) &&
            st.totelelen < LISTPACK_SAFE_MAX) {
            unsigned char *lp = lp_new();
            for (const zsl_node *x = zsl_first(acc); x; x = x->level[0].forward)
                lp = lpz_append(lp, zsl_member(x), x->mlen, x->score);
            zsl_free(acc);
            ptr = lp;
            enc = ENC_LISTPACK;
        }
        kv *nv = kv_new_ptr(dst->ptr, dst->len, OBJ_ZSET, enc, ptr, -1);
        keyspace_set(c, nv, 0);
        keyspace_modified(c, dst->ptr, dst->len);
        resp_write_int(c->w, (long long)n);
        return;
    }
    reply_elems_header(c, acc->length, withscores);
    for (const zsl_node *x = zsl_first(acc); x; x = x->level[0].forward)
        reply_elem(c, zsl_member(x), x->mlen, x->score, withscores);
    zsl_free(acc);
}

void cmd_zunion(exec_ctx *c)
{
    setop_generic(c, 0, 1, SET_OP_UNION, 0);
}

void cmd_zinter(exec_ctx *c)
{
    setop_generic(c, 0, 1, SET_OP_INTER, 0);
}

void cmd_zdiff(exec_ctx *c)
{
    setop_generic(c, 0, 1, SET_OP_DIFF, 0);
}

void cmd_zunionstore(exec_ctx *c)
{
    setop_generic(c, 1, 2, SET_OP_UNION, 0);
}

void cmd_zinterstore(exec_ctx *c)
{
    setop_generic(c, 1, 2, SET_OP_INTER, 0);
}

void cmd_zdiffstore(exec_ctx *c)
{
    setop_generic(c, 1, 2, SET_OP_DIFF, 0);
}

void cmd_zintercard(exec_ctx *c)
{
    setop_generic(c, 0, 1, SET_OP_INTER, 1);
}

/* ---- ZSCAN ------------------------------------------------------------------------------------- */

/* Redis 7.2 parses the cursor with strtoul (see keys_cmds.c's SCAN). */
static int parse_cursor(exec_ctx *c, const rd_arg *a, unsigned long long *cursor)
{
    char small[64];
    char *s = a->len < sizeof(small) ? small : rd_malloc(a->len + 1);
    memcpy(s, a->ptr, a->len);
    s[a->len] = '\0';
    int ok = 0;
    if (a->len == 0 || !strchr(" \t\n\v\f\r", s[0])) {
        char *end;
        errno = 0;
        *cursor = strtoull(s, &end, 10);
        ok = *end == '\0' && errno != ERANGE;
    }
    if (s != small)
        rd_free(s);
    if (!ok)
        resp_write_error(c->w, "ERR invalid cursor");
    return ok;
}

/* ZSCAN key cursor [MATCH pattern] [COUNT count]. A listpack is returned whole with
 * cursor 0 (as Redis). A skiplist is walked along its member table from the slot whose
 * sequence number is the cursor; the next cursor is the next slot's sequence number.
 * Scores are rendered as Redis 7.2 renders each encoding: listpack entries hold
 * d2string text; the hashtable path uses ld2string's "%.17Lg". */
void cmd_zscan(exec_ctx *c)
{
    unsigned long long cursor;
    if (!parse_cursor(c, &c->argv[2], &cursor))
        return;
    kv *v;
    if (!zlookup_read(c, 1, &v))
        return;
    if (!v) {
        resp_write_array_len(c->w, 2);
        resp_write_bulk(c->w, "0", 1);
        resp_write_array_len(c->w, 0);
        return;
    }
    long long count = ZSCAN_DEFAULT_COUNT;
    const rd_arg *pat = NULL;
    for (int i = 3; i < c->argc; i += 2) {
        int has_value = i + 1 < c->argc;
        if (arg_is(c, i, "count") && has_value) {
            if (!arg_long(c, i + 1, &count))
                return;
            if (count < 1) {
                reply_syntax_error(c);
                return;
            }
        } else if (arg_is(c, i, "match") && has_value) {
            pat = &c->argv[i + 1];
            if (pat->len == 1 && pat->ptr[0] == '*')
                pat = NULL;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    void *ptr = kv_ptr(v);
    bytebuf items;
    bytebuf_init(&items);
    resp_writer iw;
    resp_writer_init(&iw, &items, c->w->proto);
    long long n = 0;
    unsigned long long next = 0;
    char sbuf[128];
    if (!ptr_is_zsl(ptr)) {
        unsigned char *lp = ptr;
        char ibuf[LP_INTBUF_SIZE];
        for (unsigned char *p = lp_first(lp); p;) {
            unsigned char *sp = lp_next(lp, p);
            size_t len;
            const char *m = lpz_member(p, ibuf, &len);
            if (!pat || rd_glob_match(pat->ptr, pat->len, m, len, 0)) {
                size_t slen = rd_d2str(sbuf, sizeof(sbuf), lpz_score(sp));
                resp_write_bulk(&iw, m, len);
                resp_write_bulk(&iw, sbuf, slen);
                n += 2;
            }
            p = lp_next(lp, sp);
        }
    } else {
        const zsl *z = ptr;
        size_t pos = zsl_seek_seq(z, cursor);
        long long found = 0, steps = 0, max_steps = count > LONG_MAX_LL / 10 ? LONG_MAX_LL : count * 10;
        for (; pos < z->used && found < count && steps < max_steps; pos++, steps++) {
            const zsl_node *x = zsl_slot(z, pos);
            if (!x)
                continue;
            found++;
            if (pat && !rd_glob_match(pat->ptr, pat->len, zsl_member(x), x->mlen, 0))
                continue;
            int slen;
            if (isinf(x->score))
                slen = snprintf(sbuf, sizeof(sbuf), "%s", x->score > 0 ? "inf" : "-inf");
            else
                slen = snprintf(sbuf, sizeof(sbuf), "%.17Lg", (long double)x->score);
            resp_write_bulk(&iw, zsl_member(x), x->mlen);
            resp_write_bulk(&iw, sbuf, (size_t)slen);
            n += 2;
        }
        if (pos < z->used)
            next = zsl_slot_seq(z, pos);
    }
    resp_write_array_len(c->w, 2);
    char cbuf[24];
    int clen = snprintf(cbuf, sizeof(cbuf), "%llu", next);
    resp_write_bulk(c->w, cbuf, (size_t)clen);
    resp_write_array_len(c->w, n);
    resp_write_raw(c->w, items.data, items.len);
    bytebuf_free(&items);
}

/* ---- kv_type_ops ------------------------------------------------------------------------------ */

static size_t zset_memory_usage(const void *ptr)
{
    if (ptr_is_zsl(ptr))
        return zsl_memory_usage(ptr);
    return rd_alloc_size(ptr);
}

static void *zset_copy(const void *ptr)
{
    if (ptr_is_zsl(ptr))
        return zsl_dup(ptr);
    return lp_dup(ptr);
}

/* Listpack: its bytes as they are. Skiplist: zsl_save's form. */
static void zset_save(const void *ptr, int encoding, bytebuf *out)
{
    (void)encoding;
    if (ptr_is_zsl(ptr))
        zsl_save(ptr, out);
    else
        bytebuf_append(out, ptr, lp_bytes(ptr));
}

/* Checks a loaded listpack: pairs of (member, score text that parses as a non-NaN
 * double), in (score, member) order with distinct members. */
static int lpz_valid(unsigned char *lp)
{
    unsigned long n = lp_length(lp);
    if (n % 2)
        return 0;
    double prev = 0;
    const char *pm = NULL;
    size_t plen = 0;
    char ibuf[LP_INTBUF_SIZE], pbuf[LP_INTBUF_SIZE];
    int first = 1;
    for (unsigned char *p = lp_first(lp); p;) {
        unsigned char *sp = lp_next(lp, p);
        if (!sp)
            return 0;
        uint32_t slen;
        long long lval;
        const unsigned char *s = lp_get_value(sp, &slen, &lval);
        double score;
        if (s) {
            char buf[SCORE_TEXT_MAX];
            if (slen == 0 || slen >= sizeof(buf))
                return 0;
            memcpy(buf, s, slen);
            buf[slen] = '\0';
            char *end;
            score = strtod(buf, &end);
            if (*end != '\0' || isnan(score))
                return 0;
        } else {
            score = (double)lval;
        }
        size_t len;
        const char *m = lpz_member(p, ibuf, &len);
        if (!first) {
            if (score < prev || (score == prev && zsl_memcmp(pm, plen, m, len) >= 0))
                return 0;
        }
        /* Keep the previous member readable: integer members live in ibuf. */
        if (m == ibuf) {
            memcpy(pbuf, ibuf, len);
            pm = pbuf;
        } else {
            pm = m;
        }
        plen = len;
        prev = score;
        first = 0;
        p = lp_next(lp, sp);
    }
    /* Members must be distinct across scores too: pairwise for small sets, through a
     * scratch member table for bigger ones (a listpack may be large when
     * zset-max-listpack-entries is raised). */
    if (n / 2 <= LPZ_PAIRWISE_MAX) {
        for (unsigned char *a = lp_first(lp); a; a = lp_next(lp, lp_next(lp, a))) {
            size_t alen;
            const char *am = lpz_member(a, ibuf, &alen);
            for (unsigned char *b = lp_next(lp, lp_next(lp, a)); b; b = lp_next(lp, lp_next(lp, b)))
                if (lp_compare(b, am, alen))
                    return 0;
        }
        return 1;
    }
    zsl *seen = zsl_new();
    int ok = 1;
    for (unsigned char *a = lp_first(lp); a && ok; a = lp_next(lp, lp_next(lp, a))) {
        size_t alen;
        const char *am = lpz_member(a, ibuf, &alen);
        if (zsl_find(seen, am, alen))
            ok = 0;
        else
            zsl_insert(seen, 0, am, alen);
    }
    zsl_free(seen);
    return ok;
}

static void *zset_load(const char *p, size_t len, int encoding)
{
    if (encoding == ENC_SKIPLIST)
        return zsl_load(p, len);
    if (encoding != ENC_LISTPACK || len < LP_EMPTY_BYTES || len > UINT32_MAX ||
        !lp_validate((const unsigned char *)p, len))
        return NULL;
    unsigned char *lp = rd_malloc(len);
    memcpy(lp, p, len);
    if (lp_bytes(lp) != len || !lpz_valid(lp)) {
        lp_free(lp);
        return NULL;
    }
    return lp;
}

int zset_value_check(const void *ptr, int encoding)
{
    if (ptr_is_zsl(ptr)) {
        const zsl *z = ptr;
        if (encoding != ENC_SKIPLIST)
            return 0;
        size_t n = 0, live = 0, bytes = 0;
        const zsl_node *prev = NULL;
        for (const zsl_node *x = zsl_first(z); x; x = x->level[0].forward, n++) {
            bytes += rd_alloc_size(x);
            if (x->backward != prev)
                return 0;
            if (prev && (prev->score > x->score ||
                         (prev->score == x->score &&
                          zsl_memcmp(zsl_member(prev), prev->mlen, zsl_member(x), x->mlen) >= 0)))
                return 0;
            if (zsl_find(z, zsl_member(x), x->mlen) != x || zsl_rank(z, x) != n + 1 ||
                zsl_by_rank(z, n + 1) != x)
                return 0;
            prev = x;
        }
        if (n != z->length || z->tail != prev || bytes != z->node_bytes)
            return 0;
        uint64_t last = 0;
        for (size_t pos = 0; pos < z->used; pos++) {
            uint64_t s = zsl_slot_seq(z, pos);
            if (s <= last || s >= z->next_seq)
                return 0;
            last = s;
            if (zsl_slot(z, pos))
                live++;
        }
        return live == z->length && z->used - live == z->holes;
    }
    return encoding == ENC_LISTPACK && lpz_valid((unsigned char *)ptr);
}

static const kv_type_ops zset_ops = {
    .free = zset_free_value,
    .memory_usage = zset_memory_usage,
    .copy = zset_copy,
    .save = zset_save,
    .load = zset_load,
};

void zset_register_type(void)
{
    kv_register_type(OBJ_ZSET, &zset_ops);
}
