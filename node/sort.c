/* sort.c: SORT and SORT_RO over lists, sets and sorted sets.
 *
 *   SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]
 *        [STORE destination]
 *
 * Replies and edge cases are Redis 7.2's (sort.c): BY with a pattern without '*'
 * (e.g. "nosort") keeps the value's native order (lists and sorted sets honour DESC and
 * LIMIT on it); numeric sorts parse with strtod and fail with "One or more scores can't
 * be converted into double"; missing BY keys score 0 (numeric) or sort first (ALPHA);
 * GET # is the element itself, GET pattern->field reads a hash field, a missing GET key
 * is null (or "" when storing); STORE replaces the destination with a list (deleting it
 * for an empty result) and replies the stored length.
 *
 * Determinism (the command runs inside the Raft FSM apply, shared/DESIGN.md):
 *   - comparisons are binary (memcmp), never strcoll: Redis uses the locale's
 *     collation for ALPHA without STORE, which would make replicas with different
 *     locales disagree; under the C locale both are the same byte order;
 *   - the sort is stable (ties keep the value's iteration order, which is itself
 *     deterministic: insertion order for sets), so equal keys come out the same on
 *     every replica;
 *   - a set sorted with BY nosort keeps its (deterministic) native order also when
 *     storing; Redis forces an ALPHA sort there only because its set order is not
 *     deterministic -- it does the same here for STORE to keep Redis's result.
 *
 * Every element and every GET value is copied out before anything is written, so STORE
 * may name the sorted key or a key the patterns read. Values are read through the
 * types' public headers (t_list.h, t_set.h, t_zset.h, t_hash.h). */
/* qsort_r: _GNU_SOURCE comes from the build flags */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "exec.h"
#include "keyslot.h"
#include "keyspace.h"
#include "kv.h"
#include "mem.h"
#include "resp_writer.h"
#include "server.h"
#include "strutil.h"
#include "t_hash.h"
#include "t_list.h"
#include "t_set.h"
#include "t_zset.h"

/* An owned byte string. */
typedef struct sort_str {
    char *p;
    size_t len;
} sort_str;

/* One element of the value being sorted. */
typedef struct sort_item {
    sort_str ele;    /* the element itself */
    double score;    /* numeric sort key */
    sort_str cmp;    /* ALPHA sort key read through BY (p NULL: missing) */
    size_t idx;      /* position in the value's order: the stable tie-break */
} sort_item;

typedef struct sort_cfg {
    int desc, alpha, bypattern;
} sort_cfg;

static sort_str str_dup(const char *p, size_t len)
{
    sort_str s;
    s.p = rd_malloc(len + 1);
    if (len)
        memcpy(s.p, p, len);
    s.p[len] = '\0'; /* strtod needs a terminated copy */
    s.len = len;
    return s;
}

static sort_str str_ll(long long v)
{
    char buf[32];
    size_t n = rd_ll2str(buf, v);
    return str_dup(buf, n);
}

/* Binary comparison, as Redis's compareStringObjects. */
static int str_cmp(const sort_str *a, const sort_str *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int r = n ? memcmp(a->p, b->p, n) : 0;
    if (r)
        return r;
    return a->len < b->len ? -1 : a->len > b->len ? 1 : 0;
}

/* Redis's sortCompare, made total by the position tie-break (a stable sort). */
static int sort_compare(const void *x, const void *y, void *arg)
{
    const sort_item *a = x, *b = y;
    const sort_cfg *cfg = arg;
    int cmp;
    if (!cfg->alpha) {
        if (a->score > b->score)
            cmp = 1;
        else if (a->score < b->score)
            cmp = -1;
        else
            cmp = str_cmp(&a->ele, &b->ele);
    } else if (cfg->bypattern) {
        if (!a->cmp.p || !b->cmp.p)
            cmp = a->cmp.p == b->cmp.p ? 0 : (!a->cmp.p ? -1 : 1);
        else
            cmp = str_cmp(&a->cmp, &b->cmp);
    } else {
        cmp = str_cmp(&a->ele, &b->ele);
    }
    if (cfg->desc)
        cmp = -cmp;
    if (cmp)
        return cmp;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Redis's lookupKeyByPattern: "#" is the element itself; otherwise the first '*' is
 * replaced by the element and the key's string value is read, or with "key*->field"
 * the hash field. Returns 1 and the value's bytes (valid until the keyspace changes)
 * or 0 when there is no such string/hash/field. A pattern without '*' reads nothing. */
static int pattern_lookup(exec_ctx *c, const rd_arg *pat, const sort_str *ele, char *intbuf,
                          const char **out, size_t *outlen)
{
    if (pat->len == 1 && pat->ptr[0] == '#') {
        *out = ele->p;
        *outlen = ele->len;
        return 1;
    }
    const char *spat = pat->ptr, *end = pat->ptr + pat->len;
    const char *star = memchr(spat, '*', pat->len);
    if (!star)
        return 0;
    /* A hash dereference: the first "->" after the '*' that is followed by a field. */
    const char *arrow = NULL;
    for (const char *q = star + 1; q + 2 < end; q++) {
        if (q[0] == '-' && q[1] == '>') {
            arrow = q;
            break;
        }
    }
    size_t prefixlen = (size_t)(star - spat);
    size_t postfixlen = (size_t)((arrow ? arrow : end) - (star + 1));
    size_t klen = prefixlen + ele->len + postfixlen;
    char stackbuf[256];
    char *key = klen <= sizeof(stackbuf) ? stackbuf : rd_malloc(klen);
    memcpy(key, spat, prefixlen);
    if (ele->len)
        memcpy(key + prefixlen, ele->p, ele->len);
    memcpy(key + prefixlen + ele->len, star + 1, postfixlen);
    const kv *v = keyspace_lookup_read(c, key, klen);
    if (key != stackbuf)
        rd_free(key);
    if (!v)
        return 0;
    if (arrow) {
        if (kv_type(v) != OBJ_HASH)
            return 0;
        return hash_get(v, arrow + 2, (size_t)(end - arrow - 2), out, outlen);
    }
    if (kv_type(v) != OBJ_STRING)
        return 0;
    *outlen = kv_string(v, intbuf, out);
    return 1;
}

/* Redis's patternHashSlot: -1 when the keys a pattern forms may fall in any slot. */
static int pattern_slot(const char *p, size_t len)
{
    long s = -1; /* index of the first '{' */
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '*' || p[i] == '?' || p[i] == '[' || p[i] == '\\')
            return -1;
        if (s == -1 && p[i] == '{')
            s = (long)i;
        else if (s >= 0 && p[i] == '}' && (long)i == s + 1)
            s = -2; /* "{}": the whole key is hashed */
        else if (s >= 0 && p[i] == '}')
            return (int)(crc16_xmodem(p + s + 1, i - (size_t)s - 1) & 0x3FFF);
    }
    return (int)(crc16_xmodem(p, len) & 0x3FFF);
}

/* ---- loading the value ------------------------------------------------------------- */

typedef struct sort_vec {
    sort_item *items;
    size_t n, cap;
} sort_vec;

static void vec_push(sort_vec *v, sort_str s)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 16;
        v->items = rd_realloc(v->items, v->cap * sizeof(*v->items));
    }
    sort_item *it = &v->items[v->n];
    memset(it, 0, sizeof(*it));
    it->ele = s;
    it->idx = v->n;
    v->n++;
}

static void vec_free(sort_vec *v)
{
    for (size_t i = 0; i < v->n; i++) {
        rd_free(v->items[i].ele.p);
        rd_free(v->items[i].cmp.p);
    }
    rd_free(v->items);
}

static sort_str list_value_str(const list_value *lv)
{
    return lv->s ? str_dup((const char *)lv->s, lv->slen) : str_ll(lv->lval);
}

/* Collects the sorted set's members with ranks in [lo, hi) (ascending order). */
typedef struct zrange_ctx {
    sort_vec *vec;
    size_t rank, lo, hi;
} zrange_ctx;

static int zrange_visit(void *arg, const char *m, size_t len, double score)
{
    (void)score;
    zrange_ctx *z = arg;
    if (z->rank >= z->hi)
        return 1;
    if (z->rank >= z->lo)
        vec_push(z->vec, str_dup(m, len));
    z->rank++;
    return z->rank >= z->hi;
}

/* Number of elements of a list, set or sorted set value. */
static size_t value_length(const kv *v)
{
    switch (kv_type(v)) {
    case OBJ_LIST: return list_length(v);
    case OBJ_SET: return set_size(v);
    case OBJ_ZSET: return zset_value_length(kv_ptr(v));
    default: return 0;
    }
}

/* Loads the elements to sort. With `range` (a list or sorted set in native order) only
 * positions [start, end) of the ordered value are loaded, in DESC order when desc. */
static void load_value(const kv *v, sort_vec *vec, int range, int desc, size_t start, size_t end)
{
    size_t len = value_length(v);
    if (kv_type(v) == OBJ_LIST) {
        if (range && end <= start)
            return;
        list_iter it;
        list_value lv;
        size_t want = range ? end - start : len;
        long from = range ? (long)(desc ? len - start - 1 : start) : 0;
        list_iter_init(v, &it, from, !(range && desc));
        while (vec->n < want && list_iter_next(&it, &lv))
            vec_push(vec, list_value_str(&lv));
    } else if (kv_type(v) == OBJ_SET) {
        set_iter it;
        const char *m;
        size_t mlen;
        set_iter_init(&it, v);
        while (set_iter_next(&it, &m, &mlen))
            vec_push(vec, str_dup(m, mlen));
    } else {
        zrange_ctx z = {vec, 0, 0, len};
        if (range) {
            z.lo = desc ? len - end : start;
            z.hi = desc ? len - start : end;
        }
        if (z.hi > z.lo)
            zset_value_foreach(kv_ptr(v), zrange_visit, &z);
        if (range && desc) { /* ranks were collected ascending */
            for (size_t i = 0, j = vec->n ? vec->n - 1 : 0; i < j; i++, j--) {
                sort_str t = vec->items[i].ele;
                vec->items[i].ele = vec->items[j].ele;
                vec->items[j].ele = t;
            }
        }
    }
}

/* ---- the command --------------------------------------------------------------------- */

static void sort_generic(exec_ctx *c, int readonly)
{
    int desc = 0, alpha = 0, dontsort = 0;
    long long limit_start = 0, limit_count = -1;
    const rd_arg *sortby = NULL, *storekey = NULL;
    int ngets = 0;
    const rd_arg **gets = rd_malloc(sizeof(*gets) * (size_t)c->argc);
    int cluster = c->srv && c->srv->cfg.cluster_enabled;
    sort_vec vec = {0};
    sort_str *outvals = NULL;
    size_t nout = 0;

    for (int j = 2; j < c->argc; j++) {
        int leftargs = c->argc - j - 1;
        if (arg_is(c, j, "asc")) {
            desc = 0;
        } else if (arg_is(c, j, "desc")) {
            desc = 1;
        } else if (arg_is(c, j, "alpha")) {
            alpha = 1;
        } else if (arg_is(c, j, "limit") && leftargs >= 2) {
            if (!arg_ll(c, j + 1, &limit_start) || !arg_ll(c, j + 2, &limit_count))
                goto done;
            j += 2;
        } else if (!readonly && arg_is(c, j, "store") && leftargs >= 1) {
            storekey = &c->argv[++j];
        } else if (arg_is(c, j, "by") && leftargs >= 1) {
            sortby = &c->argv[j + 1];
            /* No '*': nothing to sort by, keep the native order. */
            if (!memchr(sortby->ptr, '*', sortby->len)) {
                dontsort = 1;
            } else if (cluster && pattern_slot(sortby->ptr, sortby->len) == -1) {
                resp_write_error(c->w, "ERR BY option of SORT denied in Cluster mode when keys "
                                       "formed by the pattern may be in different slots.");
                goto done;
            }
            j++;
        } else if (arg_is(c, j, "get") && leftargs >= 1) {
            if (cluster && pattern_slot(c->argv[j + 1].ptr, c->argv[j + 1].len) == -1) {
                resp_write_error(c->w, "ERR GET option of SORT denied in Cluster mode when keys "
                                       "formed by the pattern may be in different slots.");
                goto done;
            }
            gets[ngets++] = &c->argv[++j];
        } else {
            reply_syntax_error(c);
            goto done;
        }
    }

    const kv *v = keyspace_lookup_read(c, c->argv[1].ptr, c->argv[1].len);
    if (v && kv_type(v) != OBJ_SET && kv_type(v) != OBJ_LIST && kv_type(v) != OBJ_ZSET) {
        reply_wrong_type(c);
        goto done;
    }
    /* Storing a set in native order: Redis sorts it (ALPHA) to get a reproducible
     * result; do the same for the same output. */
    if (v && dontsort && kv_type(v) == OBJ_SET && storekey) {
        dontsort = 0;
        alpha = 1;
        sortby = NULL;
    }

    size_t vlen = v ? value_length(v) : 0;
    long long start = limit_start < 0 ? 0 : limit_start;
    if (start > (long long)vlen)
        start = (long long)vlen;
    long long count = limit_count < -1 ? -1 : limit_count;
    if (count > (long long)vlen)
        count = (long long)vlen;
    long long end = count < 0 ? (long long)vlen : start + count;
    if (end > (long long)vlen)
        end = (long long)vlen;

    /* Lists and sorted sets in native order: load just the LIMIT range. */
    int range = v && dontsort && (kv_type(v) == OBJ_LIST || kv_type(v) == OBJ_ZSET);
    if (v)
        load_value(v, &vec, range, desc, (size_t)start, (size_t)end);
    if (range) {
        end -= start;
        start = 0;
    }

    int conversion_error = 0;
    if (!dontsort) {
        for (size_t j = 0; j < vec.n; j++) {
            sort_item *it = &vec.items[j];
            const char *byval = it->ele.p;
            size_t bylen = it->ele.len;
            char intbuf[32];
            if (sortby && !pattern_lookup(c, sortby, &it->ele, intbuf, &byval, &bylen))
                continue; /* missing: score 0, or first for ALPHA */
            if (alpha) {
                if (sortby)
                    it->cmp = str_dup(byval, bylen);
            } else {
                /* strtod over the whole (NUL-terminated) string, as Redis parses it. */
                sort_str tmp = sortby ? str_dup(byval, bylen) : it->ele;
                char *eptr;
                errno = 0;
                it->score = strtod(tmp.p, &eptr);
                if (eptr[0] != '\0' || errno == ERANGE || isnan(it->score))
                    conversion_error = 1;
                if (sortby)
                    rd_free(tmp.p);
            }
        }
        sort_cfg cfg = {desc, alpha, sortby != NULL};
        if (vec.n > 1)
            qsort_r(vec.items, vec.n, sizeof(*vec.items), sort_compare, &cfg);
    }

    if (conversion_error) {
        resp_write_error(c->w, "ERR One or more scores can't be converted into double");
        goto done;
    }

    long long outputlen = ngets ? (long long)ngets * (end - start) : end - start;
    if (!storekey) {
        resp_write_array_len(c->w, outputlen);
        for (long long j = start; j < end; j++) {
            const sort_item *it = &vec.items[j];
            if (!ngets)
                resp_write_bulk(c->w, it->ele.p, it->ele.len);
            for (int g = 0; g < ngets; g++) {
                char intbuf[32];
                const char *val;
                size_t vallen;
                if (pattern_lookup(c, gets[g], &it->ele, intbuf, &val, &vallen))
                    resp_write_bulk(c->w, val, vallen);
                else
                    resp_write_null(c->w);
            }
        }
        goto done;
    }

    /* STORE: every value is copied out first (the patterns may read the destination). */
    outvals = rd_malloc(sizeof(*outvals) * (size_t)(outputlen ? outputlen : 1));
    for (long long j = start; j < end; j++) {
        const sort_item *it = &vec.items[j];
        if (!ngets)
            outvals[nout++] = str_dup(it->ele.p, it->ele.len);
        for (int g = 0; g < ngets; g++) {
            char intbuf[32];
            const char *val = "";
            size_t vallen = 0;
            if (!pattern_lookup(c, gets[g], &it->ele, intbuf, &val, &vallen)) {
                val = "";
                vallen = 0;
            }
            outvals[nout++] = str_dup(val, vallen);
        }
    }
    if (nout) {
        /* A new list replaces the destination (any type, TTL dropped). */
        keyspace_delete(c, storekey->ptr, storekey->len);
        kv *dst = list_create(c, storekey->ptr, storekey->len);
        rd_arg *args = rd_malloc(sizeof(*args) * nout);
        for (size_t i = 0; i < nout; i++) {
            args[i].ptr = outvals[i].p;
            args[i].len = outvals[i].len;
        }
        list_convert_for_push(c, dst, args, (int)nout);
        for (size_t i = 0; i < nout; i++)
            list_push(dst, outvals[i].p, outvals[i].len, LIST_TAIL);
        rd_free(args);
        keyspace_modified(c, storekey->ptr, storekey->len);
    } else if (keyspace_delete(c, storekey->ptr, storekey->len)) {
        keyspace_modified(c, storekey->ptr, storekey->len);
    }
    resp_write_int(c->w, outputlen);

done:
    for (size_t i = 0; i < nout; i++)
        rd_free(outvals[i].p);
    rd_free(outvals);
    vec_free(&vec);
    rd_free(gets);
}

/* SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]
 *      [STORE destination] */
void cmd_sort(exec_ctx *c)
{
    sort_generic(c, 0);
}

/* SORT_RO: SORT without STORE. */
void cmd_sort_ro(exec_ctx *c)
{
    sort_generic(c, 1);
}
