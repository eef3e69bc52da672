/* t_set.c: the set type -- its three encodings, its kv_type_ops (free, memory, copy,
 * snapshot save/load) and the set commands SADD SREM SCARD SISMEMBER SMISMEMBER
 * SMEMBERS SPOP SRANDMEMBER SMOVE SINTER SINTERSTORE SINTERCARD SUNION SUNIONSTORE SDIFF
 * SDIFFSTORE SSCAN.
 *
 * Encodings (Redis 7.2's rules, OBJECT ENCODING names):
 *   "intset"     every member is an integer and there are at most set-max-intset-entries;
 *   "listpack"   a packlist of members: at most set-max-listpack-entries members of at
 *                most set-max-listpack-value bytes;
 *   "hashtable"  a dict without values, insertion-ordered.
 * A new set starts as the smallest encoding that can hold its first member given the
 * number of members the command adds (Redis's size hint, duplicates included);
 * conversions only go up. The value pointer's first byte (INTSET_MAGIC, PACKLIST_MAGIC,
 * DICT_MAGIC) tells the encodings apart in the kv_type_ops callbacks.
 *
 * Determinism (shared/DESIGN.md): SPOP, SRANDMEMBER draw from c->rng over a layout that
 * is a pure function of the applied commands; save/load reproduce it exactly. Multi-key
 * operations visit sets in a fixed order (stable sort by size for SINTER). */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "bytebuf.h"
#include "commands.h"
#include "dict.h"
#include "exec.h"
#include "intset.h"
#include "keyspace.h"
#include "kv.h"
#include "mem.h"
#include "packlist.h"
#include "resp_writer.h"
#include "server.h"
#include "strutil.h"
#include "t_hash.h"
#include "t_set.h"
#include "types.h"

#define DEFAULT_INTSET_ENTRIES 512
#define DEFAULT_LP_ENTRIES 128
#define DEFAULT_LP_VALUE 64
#define INTSET_ENTRIES_CAP (1u << 30) /* Redis's intsetMaxEntries bound */
/* See t_hash.c: bound on a negative-count SRANDMEMBER reply built in memory. */
#define RANDOM_REPLY_MAX (1LL << 24)

typedef struct set_limits {
    size_t intset_entries;
    size_t lp_entries;
    size_t lp_value;
} set_limits;

static size_t clamp_cfg(long long v) { return v < 0 ? 0 : (size_t)v; }

static set_limits limits_of(const exec_ctx *c)
{
    set_limits l = {DEFAULT_INTSET_ENTRIES, DEFAULT_LP_ENTRIES, DEFAULT_LP_VALUE};
    if (c && c->srv) {
        l.intset_entries = clamp_cfg(c->srv->cfg.set_max_intset_entries);
        l.lp_entries = clamp_cfg(c->srv->cfg.set_max_listpack_entries);
        l.lp_value = clamp_cfg(c->srv->cfg.set_max_listpack_value);
    }
    if (l.intset_entries > INTSET_ENTRIES_CAP)
        l.intset_entries = INTSET_ENTRIES_CAP;
    return l;
}

/* A set value apart from its kv: the operations below work on these so results of
 * SINTER/SUNION/SDIFF can be built before they are stored (or just replied). */
typedef struct setobj {
    void *ptr;
    int enc;
} setobj;

static setobj so_of(const kv *v)
{
    setobj s = {kv_ptr(v), kv_encoding(v)};
    return s;
}

static void so_store(kv *v, const setobj *s)
{
    kv_set_ptr(v, s->ptr);
    kv_set_encoding(v, s->enc);
}

static size_t so_len(const setobj *s)
{
    switch (s->enc) {
    case ENC_INTSET: return intset_len(s->ptr);
    case ENC_LISTPACK: return pl_count(s->ptr);
    default: return dict_size(s->ptr);
    }
}

static int so_contains(const setobj *s, const char *m, size_t len)
{
    long long ll;
    switch (s->enc) {
    case ENC_INTSET: return rd_str2ll(m, len, &ll) && intset_find(s->ptr, ll);
    case ENC_LISTPACK: return pl_find(s->ptr, m, len, 1) != 0;
    default: return dict_find(s->ptr, m, len, NULL) != NULL;
    }
}

static void so_free(setobj *s)
{
    switch (s->enc) {
    case ENC_INTSET: intset_free(s->ptr); break;
    case ENC_LISTPACK: pl_free(s->ptr); break;
    default: dict_free(s->ptr); break;
    }
    s->ptr = NULL;
}

/* ---- iteration ---------------------------------------------------------------------- */

static void si_init(set_iter *it, const setobj *s)
{
    it->ptr = s->ptr;
    it->enc = s->enc;
    it->at = s->enc == ENC_LISTPACK ? pl_first(s->ptr) : 0;
}

int set_iter_next(set_iter *it, const char **m, size_t *len)
{
    switch (it->enc) {
    case ENC_INTSET:
        if (it->at >= intset_len(it->ptr))
            return 0;
        *len = rd_ll2str(it->buf, intset_get(it->ptr, (uint32_t)it->at++));
        *m = it->buf;
        return 1;
    case ENC_LISTPACK:
        if (!it->at)
            return 0;
        *m = pl_get(it->ptr, it->at, len);
        it->at = pl_next(it->ptr, it->at);
        return 1;
    default: {
        const dict *d = it->ptr;
        while (it->at < d->used) {
            const dict_entry *e = dict_at(d, it->at++);
            if (e) {
                *m = dict_key(e);
                *len = e->klen;
                return 1;
            }
        }
        return 0;
    }
    }
}

void set_iter_init(set_iter *it, const kv *v)
{
    setobj s = so_of(v);
    si_init(it, &s);
}

size_t set_size(const kv *v)
{
    setobj s = so_of(v);
    return so_len(&s);
}

int set_is_member(const kv *v, const char *m, size_t len)
{
    setobj s = so_of(v);
    return so_contains(&s, m, len);
}

/* ---- conversions and mutation ------------------------------------------------------- */

static void so_to_dict(setobj *s)
{
    if (s->enc == ENC_HASHTABLE)
        return;
    dict *d = dict_new(0);
    set_iter it;
    si_init(&it, s);
    const char *m;
    size_t len;
    while (set_iter_next(&it, &m, &len))
        dict_add(d, m, len, NULL, 0);
    so_free(s);
    s->ptr = d;
    s->enc = ENC_HASHTABLE;
}

static void intset_to_packlist(setobj *s)
{
    packlist *pl = pl_new();
    set_iter it;
    si_init(&it, s);
    const char *m;
    size_t len;
    while (set_iter_next(&it, &m, &len))
        pl = pl_append(pl, m, len);
    so_free(s);
    s->ptr = pl;
    s->enc = ENC_LISTPACK;
}

static size_t digits_of(long long v)
{
    char buf[32];
    return rd_ll2str(buf, v);
}

/* Adds m (which may not point into s). Returns 1 if it was not a member. Follows Redis
 * 7.2's setTypeAddAux: an intset takes integers until it exceeds its limit
 * (-> hashtable); a non-integer moves it to a packlist if the packlist limits allow,
 * else to a hashtable; a packlist moves to a hashtable when full or for a long member. */
static int so_add(const set_limits *l, setobj *s, const char *m, size_t len)
{
    long long ll;
    if (s->enc == ENC_INTSET) {
        if (rd_str2ll(m, len, &ll)) {
            int added;
            s->ptr = intset_add(s->ptr, ll, &added);
            if (added && intset_len(s->ptr) > l->intset_entries)
                so_to_dict(s);
            return added;
        }
        size_t n = intset_len(s->ptr);
        size_t maxlen = 0;
        if (n) {
            size_t a = digits_of(intset_min(s->ptr)), b = digits_of(intset_max(s->ptr));
            maxlen = a > b ? a : b;
        }
        if (n < l->lp_entries && len <= l->lp_value && maxlen <= l->lp_value &&
            pl_safe_to_add(NULL, n * (maxlen + 1) + len))
            intset_to_packlist(s);
        else
            so_to_dict(s);
        /* fall through: m is not a member of the converted set */
    }
    if (s->enc == ENC_LISTPACK) {
        if (pl_find(s->ptr, m, len, 1))
            return 0;
        if (pl_count(s->ptr) < l->lp_entries && len <= l->lp_value && pl_safe_to_add(s->ptr, len)) {
            s->ptr = pl_append(s->ptr, m, len);
            return 1;
        }
        so_to_dict(s);
    }
    return dict_set(s->ptr, m, len, NULL, 0);
}

static int so_remove(setobj *s, const char *m, size_t len)
{
    long long ll;
    int removed = 0;
    switch (s->enc) {
    case ENC_INTSET:
        if (rd_str2ll(m, len, &ll))
            s->ptr = intset_remove(s->ptr, ll, &removed);
        return removed;
    case ENC_LISTPACK: {
        size_t off = pl_find(s->ptr, m, len, 1);
        if (!off)
            return 0;
        s->ptr = pl_delete(s->ptr, off, 1);
        return 1;
    }
    default:
        return dict_delete(s->ptr, m, len);
    }
}

/* Redis's setTypeCreate: the encoding a new set starts with, from its first member and
 * the number of members about to be added. */
static setobj so_create(const set_limits *l, const char *first, size_t len, size_t hint)
{
    setobj s;
    long long ll;
    if (rd_str2ll(first, len, &ll) && hint <= l->intset_entries) {
        s.ptr = intset_new();
        s.enc = ENC_INTSET;
    } else if (hint <= l->lp_entries) {
        s.ptr = pl_new();
        s.enc = ENC_LISTPACK;
    } else {
        s.ptr = dict_new(0);
        s.enc = ENC_HASHTABLE;
    }
    return s;
}

/* Redis's setTypeMaybeConvert: an existing small set about to receive more members than
 * its encoding allows goes to a hashtable first. */
static void so_maybe_convert(const set_limits *l, setobj *s, size_t hint)
{
    if ((s->enc == ENC_LISTPACK && hint > l->lp_entries) || (s->enc == ENC_INTSET && hint > l->intset_entries))
        so_to_dict(s);
}

/* A packlist whose members are all integers becomes an intset if small enough (Redis's
 * maybeConvertToIntset, applied to SINTERSTORE results). */
static void so_maybe_to_intset(const set_limits *l, setobj *s)
{
    if (s->enc != ENC_LISTPACK || pl_count(s->ptr) > l->intset_entries)
        return;
    intset *is = intset_new();
    for (size_t off = pl_first(s->ptr); off; off = pl_next(s->ptr, off)) {
        size_t len;
        long long ll;
        const char *m = pl_get(s->ptr, off, &len);
        int added;
        if (!rd_str2ll(m, len, &ll)) {
            intset_free(is);
            return;
        }
        is = intset_add(is, ll, &added);
    }
    so_free(s);
    s->ptr = is;
    s->enc = ENC_INTSET;
}

/* ---- lookups ------------------------------------------------------------------------ */

/* The set at argv[i]: NULL if absent. *ok = 0 once WRONGTYPE has been replied. */
static kv *lookup_set(exec_ctx *c, int i, int write, int *ok)
{
    const rd_arg *key = &c->argv[i];
    kv *v = write ? keyspace_lookup_write(c, key->ptr, key->len) : keyspace_lookup_read(c, key->ptr, key->len);
    *ok = 1;
    if (v && kv_type(v) != OBJ_SET) {
        reply_wrong_type(c);
        *ok = 0;
        return NULL;
    }
    return v;
}

static void set_changed(exec_ctx *c, int i)
{
    keyspace_modified(c, c->argv[i].ptr, c->argv[i].len);
}

static void reply_members(exec_ctx *c, const setobj *s)
{
    resp_write_set_len(c->w, (long long)so_len(s));
    set_iter it;
    si_init(&it, s);
    const char *m;
    size_t len;
    while (set_iter_next(&it, &m, &len))
        resp_write_bulk(c->w, m, len);
}

/* ---- single-key commands ------------------------------------------------------------ */

void cmd_sadd(exec_ctx *c)
{
    int ok;
    kv *v = lookup_set(c, 1, 1, &ok);
    if (!ok)
        return;
    set_limits l = limits_of(c);
    size_t hint = (size_t)c->argc - 2;
    setobj s;
    if (v) {
        s = so_of(v);
        so_maybe_convert(&l, &s, hint);
    } else {
        s = so_create(&l, c->argv[2].ptr, c->argv[2].len, hint);
    }
    long long added = 0;
    for (int i = 2; i < c->argc; i++)
        added += so_add(&l, &s, c->argv[i].ptr, c->argv[i].len);
    if (v) {
        so_store(v, &s);
    } else {
        v = kv_new_ptr(c->argv[1].ptr, c->argv[1].len, OBJ_SET, s.enc, s.ptr, -1);
        keyspace_add(c, v);
    }
    if (added)
        set_changed(c, 1);
    resp_write_int(c->w, added);
}

void cmd_srem(exec_ctx *c)
{
    int ok;
    kv *v = lookup_set(c, 1, 1, &ok);
    if (!ok)
        return;
    long long deleted = 0;
    if (v) {
        setobj s = so_of(v);
        int emptied = 0;
        for (int i = 2; i < c->argc && !emptied; i++) {
            if (so_remove(&s, c->argv[i].ptr, c->argv[i].len)) {
                deleted++;
                emptied = so_len(&s) == 0;
            }
        }
        so_store(v, &s);
        if (emptied)
            keyspace_delete(c, c->argv[1].ptr, c->argv[1].len);
        if (deleted)
            set_changed(c, 1);
    }
    resp_write_int(c->w, deleted);
}

void cmd_scard(exec_ctx *c)
{
    int ok;
    kv *v = lookup_set(c, 1, 0, &ok);
    if (ok)
        resp_write_int(c->w, v ? (long long)set_size(v) : 0);
}

void cmd_sismember(exec_ctx *c)
{
    int ok;
    kv *v = lookup_set(c, 1, 0, &ok);
    if (ok)
        resp_write_int(c->w, v && set_is_member(v, c->argv[2].ptr, c->argv[2].len));
}

void cmd_smismember(exec_ctx *c)
{
    int ok;
    kv *v = lookup_set(c, 1, 0, &ok);
    if (!ok)
        return;
    resp_write_array_len(c->w, c->argc - 2);
    for (int i = 2; i < c->argc; i++)
        resp_write_int(c->w, v && set_is_member(v, c->argv[i].ptr, c->argv[i].len));
}

void cmd_smembers(exec_ctx *c)
{
    int ok;
    kv *v = lookup_set(c, 1, 0, &ok);
    if (!ok)
        return;
    if (!v) {
        resp_write_set_len(c->w, 0);
        return;
    }
    setobj s = so_of(v);
    reply_members(c, &s);
}

/* ---- random members ----------------------------------------------------------------- */

/* Where a small-encoded set's members are: packlist offsets (intsets need none). */
static size_t *member_offsets(const setobj *s, size_t n)
{
    if (s->enc != ENC_LISTPACK)
        return NULL;
    size_t *offs = rd_malloc((n ? n : 1) * sizeof(size_t));
    size_t off = pl_first(s->ptr);
    for (size_t i = 0; i < n; i++, off = pl_next(s->ptr, off))
        offs[i] = off;
    return offs;
}

/* Replies member number idx of a small set (idx: intset index or packlist rank), or
 * the dict entry at position idx. */
static void reply_member_at(exec_ctx *c, const setobj *s, const size_t *offs, size_t idx)
{
    char buf[32];
    size_t len;
    const char *m;
    switch (s->enc) {
    case ENC_INTSET:
        len = rd_ll2str(buf, intset_get(s->ptr, (uint32_t)idx));
        m = buf;
        break;
    case ENC_LISTPACK:
        m = pl_get(s->ptr, offs[idx], &len);
        break;
    default: {
        const dict_entry *e = dict_at(s->ptr, idx);
        m = dict_key(e);
        len = e->klen;
        break;
    }
    }
    resp_write_bulk(c->w, m, len);
}

/* A random member's index (small encodings) or dict position. */
static size_t random_index(exec_ctx *c, const setobj *s)
{
    if (s->enc == ENC_HASHTABLE) {
        size_t pos;
        dict_random(s->ptr, c->rng, &pos);
        return pos;
    }
    return (size_t)prng_below(c->rng, so_len(s));
}

/* k distinct indices/positions as random_index would give, in the order drawn. */
static void random_distinct(exec_ctx *c, const setobj *s, size_t k, size_t *out)
{
    if (s->enc == ENC_HASHTABLE)
        dict_random_distinct(s->ptr, c->rng, k, out);
    else
        sample_distinct(c->rng, so_len(s), k, out);
}

/* Removes the members at the given indices of a small set, keeping the others' order. */
static void remove_indices(setobj *s, const size_t *offs, const size_t *idx, size_t k)
{
    size_t n = so_len(s);
    unsigned char *gone = rd_calloc(n ? n : 1, 1);
    for (size_t i = 0; i < k; i++)
        gone[idx[i]] = 1;
    if (s->enc == ENC_INTSET) {
        intset *is = intset_new();
        for (size_t i = 0; i < n; i++) {
            int added;
            if (!gone[i])
                is = intset_add(is, intset_get(s->ptr, (uint32_t)i), &added);
        }
        so_free(s);
        s->ptr = is;
    } else {
        packlist *pl = pl_new();
        for (size_t i = 0; i < n; i++) {
            size_t len;
            if (gone[i])
                continue;
            const char *m = pl_get(s->ptr, offs[i], &len);
            pl = pl_append(pl, m, len);
        }
        so_free(s);
        s->ptr = pl;
    }
    rd_free(gone);
}

static void spop_with_count(exec_ctx *c)
{
    long long count;
    if (!arg_ll_range(c, 2, 0, LLONG_MAX, "value is out of range, must be positive", &count))
        return;
    int ok;
    kv *v = lookup_set(c, 1, 1, &ok);
    if (!ok)
        return;
    if (!v || count == 0) {
        resp_write_set_len(c->w, 0);
        return;
    }
    setobj s = so_of(v);
    size_t size = so_len(&s);
    if ((unsigned long long)count >= size) {
        reply_members(c, &s);
        keyspace_delete(c, c->argv[1].ptr, c->argv[1].len);
        set_changed(c, 1);
        return;
    }
    size_t k = (size_t)count;
    resp_write_set_len(c->w, (long long)k);
    if (s.enc == ENC_HASHTABLE) {
        /* one at a time: each pick sees the layout the previous removal left */
        for (size_t i = 0; i < k; i++) {
            size_t pos;
            const dict_entry *e = dict_random(s.ptr, c->rng, &pos);
            resp_write_bulk(c->w, dict_key(e), e->klen);
            dict_delete(s.ptr, dict_key(e), e->klen);
        }
    } else {
        size_t *offs = member_offsets(&s, size);
        size_t *idx = rd_malloc(k * sizeof(size_t));
        sample_distinct(c->rng, size, k, idx);
        for (size_t i = 0; i < k; i++)
            reply_member_at(c, &s, offs, idx[i]);
        remove_indices(&s, offs, idx, k);
        so_store(v, &s);
        rd_free(idx);
        rd_free(offs);
    }
    set_changed(c, 1);
}

void cmd_spop(exec_ctx *c)
{
    if (c->argc == 3) {
        spop_with_count(c);
        return;
    }
    if (c->argc > 3) {
        reply_syntax_error(c);
        return;
    }
    int ok;
    kv *v = lookup_set(c, 1, 1, &ok);
    if (!ok)
        return;
    if (!v) {
        resp_write_null(c->w);
        return;
    }
    setobj s = so_of(v);
    size_t idx = random_index(c, &s);
    if (s.enc == ENC_HASHTABLE) {
        const dict_entry *e = dict_at(s.ptr, idx);
        resp_write_bulk(c->w, dict_key(e), e->klen);
        dict_delete(s.ptr, dict_key(e), e->klen);
    } else if (s.enc == ENC_INTSET) {
        reply_member_at(c, &s, NULL, idx);
        s.ptr = intset_remove_at(s.ptr, (uint32_t)idx);
    } else {
        size_t off = pl_seek(s.ptr, (uint32_t)idx);
        size_t len;
        const char *m = pl_get(s.ptr, off, &len);
        resp_write_bulk(c->w, m, len);
        s.ptr = pl_delete(s.ptr, off, 1);
    }
    so_store(v, &s);
    if (so_len(&s) == 0)
        keyspace_delete(c, c->argv[1].ptr, c->argv[1].len);
    set_changed(c, 1);
}

static void srandmember_with_count(exec_ctx *c)
{
    long long l;
    if (!arg_ll_range(c, 2, -LLONG_MAX, LLONG_MAX, NULL, &l))
        return;
    int ok;
    kv *v = lookup_set(c, 1, 0, &ok);
    if (!ok)
        return;
    if (!v || l == 0) {
        resp_write_array_len(c->w, 0);
        return;
    }
    setobj s = so_of(v);
    size_t size = so_len(&s);
    unsigned long long count = l > 0 ? (unsigned long long)l : (unsigned long long)-l;
    size_t *offs = NULL;

    if (l < 0 || count == 1) {
        /* Repeats allowed: count independent picks, in the order drawn. */
        if (count > (unsigned long long)RANDOM_REPLY_MAX) {
            resp_write_error(c->w, "ERR value is out of range");
            return;
        }
        offs = member_offsets(&s, size);
        resp_write_array_len(c->w, (long long)count);
        for (unsigned long long i = 0; i < count; i++)
            reply_member_at(c, &s, offs, random_index(c, &s));
    } else if (count >= size) {
        resp_write_array_len(c->w, (long long)size);
        set_iter it;
        si_init(&it, &s);
        const char *m;
        size_t len;
        while (set_iter_next(&it, &m, &len))
            resp_write_bulk(c->w, m, len);
    } else {
        size_t k = (size_t)count;
        size_t *idx = rd_malloc(k * sizeof(size_t));
        offs = member_offsets(&s, size);
        random_distinct(c, &s, k, idx);
        resp_write_array_len(c->w, (long long)k);
        for (size_t i = 0; i < k; i++)
            reply_member_at(c, &s, offs, idx[i]);
        rd_free(idx);
    }
    rd_free(offs);
}

void cmd_srandmember(exec_ctx *c)
{
    if (c->argc == 3) {
        srandmember_with_count(c);
        return;
    }
    if (c->argc > 3) {
        reply_syntax_error(c);
        return;
    }
    int ok;
    kv *v = lookup_set(c, 1, 0, &ok);
    if (!ok)
        return;
    if (!v) {
        resp_write_null(c->w);
        return;
    }
    setobj s = so_of(v);
    size_t *offs = member_offsets(&s, so_len(&s));
    reply_member_at(c, &s, offs, random_index(c, &s));
    rd_free(offs);
}

void cmd_smove(exec_ctx *c)
{
    kv *src = keyspace_lookup_write(c, c->argv[1].ptr, c->argv[1].len);
    kv *dst = keyspace_lookup_write(c, c->argv[2].ptr, c->argv[2].len);
    const rd_arg *ele = &c->argv[3];
    if (!src) {
        resp_write_int(c->w, 0);
        return;
    }
    if (kv_type(src) != OBJ_SET || (dst && kv_type(dst) != OBJ_SET)) {
        reply_wrong_type(c);
        return;
    }
    if (src == dst) {
        resp_write_int(c->w, set_is_member(src, ele->ptr, ele->len));
        return;
    }
    setobj s = so_of(src);
    int removed = so_remove(&s, ele->ptr, ele->len);
    so_store(src, &s);
    if (!removed) {
        resp_write_int(c->w, 0);
        return;
    }
    if (so_len(&s) == 0)
        keyspace_delete(c, c->argv[1].ptr, c->argv[1].len);
    set_limits l = limits_of(c);
    setobj d;
    if (dst) {
        d = so_of(dst);
        so_add(&l, &d, ele->ptr, ele->len);
        so_store(dst, &d);
    } else {
        d = so_create(&l, ele->ptr, ele->len, 1);
        so_add(&l, &d, ele->ptr, ele->len);
        keyspace_add(c, kv_new_ptr(c->argv[2].ptr, c->argv[2].len, OBJ_SET, d.enc, d.ptr, -1));
    }
    set_changed(c, 1);
    set_changed(c, 2);
    resp_write_int(c->w, 1);
}

/* ---- multi-key operations ----------------------------------------------------------- */

enum set_op { OP_INTER, OP_UNION, OP_DIFF };

/* Looks up argv[first .. first+n): sets[i].ptr is NULL for a missing key. Returns 0 after
 * replying WRONGTYPE (every key is checked, missing ones included, as Redis does). */
static int gather_sets(exec_ctx *c, int first, int n, int write, setobj *sets)
{
    for (int i = 0; i < n; i++) {
        int ok;
        kv *v = lookup_set(c, first + i, write, &ok);
        if (!ok)
            return 0;
        sets[i].ptr = v ? kv_ptr(v) : NULL;
        sets[i].enc = v ? kv_encoding(v) : -1;
    }
    return 1;
}

/* The intersection (into *out when out != NULL) and its cardinality, stopping once it
 * reaches limit (0: no limit). Visits the smallest set's members in its order, the
 * others by ascending size (a stable order: equal sizes keep argument order). */
static size_t set_inter(const set_limits *l, setobj *sets, int n, size_t limit, setobj *out)
{
    for (int i = 0; i < n; i++)
        if (!sets[i].ptr)
            return 0;
    for (int i = 1; i < n; i++) { /* insertion sort by size: stable */
        setobj t = sets[i];
        int j = i;
        while (j > 0 && so_len(&sets[j - 1]) > so_len(&t)) {
            sets[j] = sets[j - 1];
            j--;
        }
        sets[j] = t;
    }
    if (out) {
        if (sets[0].enc == ENC_INTSET) {
            out->ptr = intset_new();
            out->enc = ENC_INTSET;
        } else {
            out->ptr = pl_new();
            out->enc = ENC_LISTPACK;
        }
    }
    size_t card = 0;
    set_iter it;
    si_init(&it, &sets[0]);
    const char *m;
    size_t len;
    while (set_iter_next(&it, &m, &len)) {
        int j;
        for (j = 1; j < n; j++) {
            if (sets[j].ptr == sets[0].ptr)
                continue;
            if (!so_contains(&sets[j], m, len))
                break;
        }
        if (j < n)
            continue;
        card++;
        if (out)
            so_add(l, out, m, len);
        if (limit && card >= limit)
            break;
    }
    if (out)
        so_maybe_to_intset(l, out);
    return card;
}

static setobj set_union_diff(const set_limits *l, const setobj *sets, int n, enum set_op op)
{
    setobj out = {intset_new(), ENC_INTSET};
    set_iter it;
    const char *m;
    size_t len;
    if (op == OP_UNION) {
        for (int i = 0; i < n; i++) {
            if (!sets[i].ptr)
                continue;
            si_init(&it, &sets[i]);
            while (set_iter_next(&it, &m, &len))
                so_add(l, &out, m, len);
        }
        return out;
    }
    if (!sets[0].ptr)
        return out;
    si_init(&it, &sets[0]);
    while (set_iter_next(&it, &m, &len)) {
        int j;
        for (j = 1; j < n; j++)
            if (sets[j].ptr && so_contains(&sets[j], m, len))
                break;
        if (j == n)
            so_add(l, &out, m, len);
    }
    return out;
}

/* SINTER/SUNION/SDIFF (dst_i == 0) and their STORE forms (dst_i == 1, sources after). */
static void setop_generic(exec_ctx *c, enum set_op op, int store)
{
    int first = store ? 2 : 1;
    int n = c->argc - first;
    setobj *sets = rd_malloc((size_t)n * sizeof(setobj));
    if (!gather_sets(c, first, n, store, sets)) {
        rd_free(sets);
        return;
    }
    set_limits l = limits_of(c);
    setobj out = {NULL, ENC_INTSET};
    if (op == OP_INTER) {
        set_inter(&l, sets, n, 0, &out);
        if (!out.ptr) { /* a missing key: empty result */
            out.ptr = intset_new();
            out.enc = ENC_INTSET;
        }
    } else {
        out = set_union_diff(&l, sets, n, op);
    }
    rd_free(sets);

    if (!store) {
        reply_members(c, &out);
        so_free(&out);
        return;
    }
    const rd_arg *dst = &c->argv[1];
    size_t size = so_len(&out);
    if (size == 0) {
        so_free(&out);
        if (keyspace_delete(c, dst->ptr, dst->len))
            set_changed(c, 1);
    } else {
        /* overwrites whatever dst held (any type), dropping its TTL, as SET would */
        keyspace_set(c, kv_new_ptr(dst->ptr, dst->len, OBJ_SET, out.enc, out.ptr, -1), 0);
        set_changed(c, 1);
    }
    resp_write_int(c->w, (long long)size);
}

void cmd_sinter(exec_ctx *c) { setop_generic(c, OP_INTER, 0); }
void cmd_sinterstore(exec_ctx *c) { setop_generic(c, OP_INTER, 1); }
void cmd_sunion(exec_ctx *c) { setop_generic(c, OP_UNION, 0); }
void cmd_sunionstore(exec_ctx *c) { setop_generic(c, OP_UNION, 1); }
void cmd_sdiff(exec_ctx *c) { setop_generic(c, OP_DIFF, 0); }
void cmd_sdiffstore(exec_ctx *c) { setop_generic(c, OP_DIFF, 1); }

void cmd_sintercard(exec_ctx *c)
{
    long long numkeys, limit = 0;
    if (!arg_ll_range(c, 1, 1, LLONG_MAX, "numkeys should be greater than 0", &numkeys))
        return;
    if (numkeys > c->argc - 2) {
        resp_write_error(c->w, "ERR Number of keys can't be greater than number of args");
        return;
    }
    for (int j = 2 + (int)numkeys; j < c->argc; j++) {
        if (arg_is(c, j, "limit") && j + 1 < c->argc) {
            j++;
            if (!arg_ll_range(c, j, 0, LLONG_MAX, "ERR LIMIT can't be negative", &limit))
                return;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    setobj *sets = rd_malloc((size_t)numkeys * sizeof(setobj));
    if (gather_sets(c, 2, (int)numkeys, 0, sets)) {
        set_limits l = limits_of(c);
        resp_write_int(c->w, (long long)set_inter(&l, sets, (int)numkeys, (size_t)limit, NULL));
    }
    rd_free(sets);
}

void cmd_sscan(exec_ctx *c)
{
    unsigned long long cursor;
    if (!coll_scan_cursor(c, 2, &cursor))
        return;
    int ok;
    kv *v = lookup_set(c, 1, 0, &ok);
    if (!ok)
        return;
    if (!v) {
        coll_scan_reply_header(c, 0, 0);
        return;
    }
    coll_scan_opts o;
    if (!coll_scan_opts_parse(c, 3, &o))
        return;
    setobj s = so_of(v);
    if (s.enc == ENC_HASHTABLE) {
        coll_scan_dict(c, s.ptr, cursor, &o);
        return;
    }
    /* Small encodings answer everything at once with cursor 0, as Redis does. Two
     * passes (count, then write) because intset members are rendered on the fly. */
    set_iter it;
    const char *m;
    size_t len;
    long long n = 0;
    si_init(&it, &s);
    while (set_iter_next(&it, &m, &len))
        n += coll_scan_match(&o, m, len);
    coll_scan_reply_header(c, 0, n);
    si_init(&it, &s);
    while (set_iter_next(&it, &m, &len))
        if (coll_scan_match(&o, m, len))
            resp_write_bulk(c->w, m, len);
}

/* ---- kv_type_ops -------------------------------------------------------------------- */

static int ptr_magic(const void *p) { return *(const unsigned char *)p; }

static void set_free(void *p)
{
    switch (ptr_magic(p)) {
    case INTSET_MAGIC: intset_free(p); break;
    case PACKLIST_MAGIC: pl_free(p); break;
    default: dict_free(p); break;
    }
}

static size_t set_memory(const void *p)
{
    return ptr_magic(p) == DICT_MAGIC ? dict_memory(p) : rd_alloc_size(p);
}

static void *set_copy(const void *p)
{
    switch (ptr_magic(p)) {
    case INTSET_MAGIC: return intset_dup(p);
    case PACKLIST_MAGIC: return pl_dup(p);
    default: return dict_dup(p);
    }
}

static void set_save(const void *p, int encoding, bytebuf *out)
{
    (void)encoding; /* the pointer says which encoding it is */
    switch (ptr_magic(p)) {
    case INTSET_MAGIC: bytebuf_append(out, p, intset_blob_len(p)); break;
    case PACKLIST_MAGIC: bytebuf_append(out, p, pl_bytes(p)); break;
    default: dict_save(p, out); break;
    }
}

/* A set packlist must be non-empty with distinct members. */
static int valid_set_packlist(const packlist *pl)
{
    if (pl_count(pl) == 0)
        return 0;
    dict *seen = dict_new(0);
    int ok = 1;
    for (size_t off = pl_first(pl); off && ok; off = pl_next(pl, off)) {
        size_t len;
        const char *m = pl_get(pl, off, &len);
        if (dict_find(seen, m, len, NULL))
            ok = 0;
        else
            dict_add(seen, m, len, NULL, 0);
    }
    dict_free(seen);
    return ok;
}

static void *set_load(const char *p, size_t len, int encoding)
{
    switch (encoding) {
    case ENC_INTSET: {
        intset *is = intset_load(p, len);
        if (is && intset_len(is) == 0) {
            intset_free(is);
            is = NULL;
        }
        return is;
    }
    case ENC_LISTPACK: {
        packlist *pl = pl_load(p, len);
        if (pl && !valid_set_packlist(pl)) {
            pl_free(pl);
            pl = NULL;
        }
        return pl;
    }
    case ENC_HASHTABLE: {
        dict *d = dict_load(p, len, 0);
        if (d && dict_size(d) == 0) {
            dict_free(d);
            d = NULL;
        }
        return d;
    }
    default:
        return NULL;
    }
}

static const kv_type_ops set_ops = {
    .free = set_free,
    .memory_usage = set_memory,
    .copy = set_copy,
    .save = set_save,
    .load = set_load,
};

void set_register_type(void)
{
    kv_register_type(OBJ_SET, &set_ops);
}
