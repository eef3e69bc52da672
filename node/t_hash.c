/* t_hash.c: the hash type -- its two encodings, its kv_type_ops (free, memory, copy,
 * snapshot save/load) and the hash commands HSET HSETNX HGET HMGET HMSET HDEL HLEN
 * HSTRLEN HEXISTS HKEYS HVALS HGETALL HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN.
 *
 * Encodings (Redis 7.2's rules, OBJECT ENCODING names):
 *   "listpack"   a packlist (packlist.h) of field, value, field, value ... while the hash
 *                has at most hash-max-listpack-entries fields and every field and value
 *                is at most hash-max-listpack-value bytes;
 *   "hashtable"  a dict with values (dict.h), insertion-ordered.
 * Conversion only goes up, as in Redis. The value pointer's first byte tells the two
 * apart (PACKLIST_MAGIC / DICT_MAGIC), because kv_type_ops callbacks get no encoding.
 *
 * Determinism (shared/DESIGN.md): every random choice draws from c->rng over a layout
 * that is a pure function of the applied commands (packlist order, dict dense array),
 * and save/load reproduce that layout exactly. Read commands use keyspace_lookup_read
 * and change nothing; writes call keyspace_modified; a hash left empty is deleted. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytebuf.h"
#include "commands.h"
#include "dict.h"
#include "exec.h"
#include "keyspace.h"
#include "kv.h"
#include "mem.h"
#include "packlist.h"
#include "resp_writer.h"
#include "server.h"
#include "strutil.h"
#include "t_hash.h"
#include "types.h"

#define DEFAULT_MAX_ENTRIES 128
#define DEFAULT_MAX_VALUE 64
/* Room for rd_ld2str of any finite long double (Redis's MAX_LONG_DOUBLE_CHARS). */
#define LONG_DOUBLE_STR_MAX (5 * 1024)
/* Upper bound on the elements of one HRANDFIELD/SRANDMEMBER reply with a negative count.
 * Redis has none and would build the reply until the client is dropped; here the reply
 * is built in memory first, so an absurd count (-9223372036854775807) would exhaust it.
 * Larger counts get "ERR value is out of range". */
#define RANDOM_REPLY_MAX (1LL << 24)
#define SCAN_DEFAULT_COUNT 10

typedef struct hash_limits {
    size_t entries;
    size_t value;
} hash_limits;

static hash_limits limits_of(const exec_ctx *c)
{
    hash_limits l = {DEFAULT_MAX_ENTRIES, DEFAULT_MAX_VALUE};
    if (c && c->srv) {
        long long e = c->srv->cfg.hash_max_listpack_entries;
        long long v = c->srv->cfg.hash_max_listpack_value;
        l.entries = e < 0 ? 0 : (size_t)e;
        l.value = v < 0 ? 0 : (size_t)v;
    }
    return l;
}

static int is_lp(const kv *v) { return kv_encoding(v) == ENC_LISTPACK; }
static packlist *hpl(const kv *v) { return kv_ptr(v); }
static dict *hdict(const kv *v) { return kv_ptr(v); }

/* ---- value access ------------------------------------------------------------------- */

size_t hash_length(const kv *v)
{
    return is_lp(v) ? pl_count(hpl(v)) / 2 : dict_size(hdict(v));
}

int hash_get(const kv *v, const char *field, size_t flen, const char **val, size_t *vlen)
{
    if (is_lp(v)) {
        const packlist *pl = hpl(v);
        size_t off = pl_find(pl, field, flen, 2);
        if (!off)
            return 0;
        *val = pl_get(pl, pl_next(pl, off), vlen);
        return 1;
    }
    const dict_entry *e = dict_find(hdict(v), field, flen, NULL);
    if (!e)
        return 0;
    *val = dict_val(e);
    *vlen = e->vlen;
    return 1;
}

void hash_iter_init(hash_iter *it, const kv *v)
{
    it->v = v;
    it->at = is_lp(v) ? pl_first(hpl(v)) : 0;
}

int hash_iter_next(hash_iter *it, const char **f, size_t *flen, const char **val, size_t *vlen)
{
    if (is_lp(it->v)) {
        const packlist *pl = hpl(it->v);
        if (!it->at)
            return 0;
        *f = pl_get(pl, it->at, flen);
        size_t voff = pl_next(pl, it->at);
        *val = pl_get(pl, voff, vlen);
        it->at = pl_next(pl, voff);
        return 1;
    }
    const dict *d = hdict(it->v);
    while (it->at < d->used) {
        const dict_entry *e = dict_at(d, it->at++);
        if (e) {
            *f = dict_key(e);
            *flen = e->klen;
            *val = dict_val(e);
            *vlen = e->vlen;
            return 1;
        }
    }
    return 0;
}

/* ---- mutation ----------------------------------------------------------------------- */

static void convert_to_dict(kv *v)
{
    packlist *pl = hpl(v);
    dict *d = dict_new(1);
    for (size_t off = pl_first(pl); off;) {
        size_t fl, vl;
        const char *f = pl_get(pl, off, &fl);
        off = pl_next(pl, off);
        const char *val = pl_get(pl, off, &vl);
        off = pl_next(pl, off);
        dict_add(d, f, fl, val, vl);
    }
    pl_free(pl);
    kv_set_ptr(v, d);
    kv_set_encoding(v, ENC_HASHTABLE);
}

/* Redis's hashTypeTryConversion over argv[first..last] (field/value pairs): more pairs
 * than the entry limit (duplicates included), an argument longer than the value limit,
 * or a packlist that would grow past its safe size converts before anything is set. */
static void try_conversion(const hash_limits *l, kv *v, const exec_ctx *c, int first, int last)
{
    if (!is_lp(v))
        return;
    if ((size_t)(last - first + 1) / 2 > l->entries) {
        convert_to_dict(v);
        return;
    }
    size_t sum = 0;
    for (int i = first; i <= last; i++) {
        if (c->argv[i].len > l->value) {
            convert_to_dict(v);
            return;
        }
        sum += c->argv[i].len;
    }
    if (!pl_safe_to_add(hpl(v), sum))
        convert_to_dict(v);
}

/* Sets field to val (neither may point into the hash). Returns 1 if the field is new. */
static int hash_set(const hash_limits *l, kv *v, const char *f, size_t fl, const char *val, size_t vl)
{
    if (is_lp(v) && (fl > l->value || vl > l->value || !pl_safe_to_add(hpl(v), fl + vl)))
        convert_to_dict(v);
    if (!is_lp(v))
        return dict_set(hdict(v), f, fl, val, vl);
    packlist *pl = hpl(v);
    size_t off = pl_find(pl, f, fl, 2);
    if (off) {
        kv_set_ptr(v, pl_replace(pl, pl_next(pl, off), val, vl));
        return 0;
    }
    pl = pl_append(pl, f, fl);
    pl = pl_append(pl, val, vl);
    kv_set_ptr(v, pl);
    if (pl_count(pl) / 2 > l->entries)
        convert_to_dict(v);
    return 1;
}

static int hash_del(kv *v, const char *f, size_t fl)
{
    if (!is_lp(v))
        return dict_delete(hdict(v), f, fl);
    packlist *pl = hpl(v);
    size_t off = pl_find(pl, f, fl, 2);
    if (!off)
        return 0;
    kv_set_ptr(v, pl_delete(pl, off, 2));
    return 1;
}

/* ---- lookups ------------------------------------------------------------------------ */

/* The hash at argv[1]: NULL if absent. *ok = 0 once WRONGTYPE has been replied. */
static kv *lookup_hash(exec_ctx *c, int write, int *ok)
{
    const rd_arg *key = &c->argv[1];
    kv *v = write ? keyspace_lookup_write(c, key->ptr, key->len) : keyspace_lookup_read(c, key->ptr, key->len);
    *ok = 1;
    if (v && kv_type(v) != OBJ_HASH) {
        reply_wrong_type(c);
        *ok = 0;
        return NULL;
    }
    return v;
}

static kv *hash_create(exec_ctx *c)
{
    kv *v = kv_new_ptr(c->argv[1].ptr, c->argv[1].len, OBJ_HASH, ENC_LISTPACK, pl_new(), -1);
    keyspace_add(c, v);
    return v;
}

static void hash_changed(exec_ctx *c)
{
    keyspace_modified(c, c->argv[1].ptr, c->argv[1].len);
}

/* ---- commands ----------------------------------------------------------------------- */

static void hset_generic(exec_ctx *c, int is_hmset)
{
    if (c->argc % 2 == 1) {
        reply_wrong_arity(c);
        return;
    }
    int ok;
    kv *v = lookup_hash(c, 1, &ok);
    if (!ok)
        return;
    if (!v)
        v = hash_create(c);
    hash_limits l = limits_of(c);
    try_conversion(&l, v, c, 2, c->argc - 1);
    long long created = 0;
    for (int i = 2; i < c->argc; i += 2)
        created += hash_set(&l, v, c->argv[i].ptr, c->argv[i].len, c->argv[i + 1].ptr, c->argv[i + 1].len);
    hash_changed(c);
    if (is_hmset)
        resp_write_ok(c->w);
    else
        resp_write_int(c->w, created);
}

void cmd_hset(exec_ctx *c) { hset_generic(c, 0); }
void cmd_hmset(exec_ctx *c) { hset_generic(c, 1); }

void cmd_hsetnx(exec_ctx *c)
{
    int ok;
    kv *v = lookup_hash(c, 1, &ok);
    if (!ok)
        return;
    const char *cur;
    size_t curlen;
    if (v && hash_get(v, c->argv[2].ptr, c->argv[2].len, &cur, &curlen)) {
        resp_write_int(c->w, 0);
        return;
    }
    if (!v)
        v = hash_create(c);
    hash_limits l = limits_of(c);
    try_conversion(&l, v, c, 2, 3);
    hash_set(&l, v, c->argv[2].ptr, c->argv[2].len, c->argv[3].ptr, c->argv[3].len);
    hash_changed(c);
    resp_write_int(c->w, 1);
}

void cmd_hget(exec_ctx *c)
{
    int ok;
    kv *v = lookup_hash(c, 0, &ok);
    if (!ok)
        return;
    const char *val;
    size_t vl;
    if (v && hash_get(v, c->argv[2].ptr, c->argv[2].len, &val, &vl))
        resp_write_bulk(c->w, val, vl);
    else
        resp_write_null(c->w);
}

void cmd_hmget(exec_ctx *c)
{
    int ok;
    kv *v = lookup_hash(c, 0, &ok);
    if (!ok)
        return;
    resp_write_array_len(c->w, c->argc - 2);
    for (int i = 2; i < c->argc; i++) {
        const char *val;
        size_t vl;
        if (v && hash_get(v, c->argv[i].ptr, c->argv[i].len, &val, &vl))
            resp_write_bulk(c->w, val, vl);
        else
            resp_write_null(c->w);
    }
}

void cmd_hdel(exec_ctx *c)
{
    int ok;
    kv *v = lookup_hash(c, 1, &ok);
    if (!ok)
        return;
    long long deleted = 0;
    if (v) {
        for (int i = 2; i < c->argc; i++) {
            if (!hash_del(v, c->argv[i].ptr, c->argv[i].len))
                continue;
            deleted++;
            if (hash_length(v) == 0) {
                keyspace_delete(c, c->argv[1].ptr, c->argv[1].len);
                break;
            }
        }
        if (deleted)
            hash_changed(c);
    }
    resp_write_int(c->w, deleted);
}

void cmd_hlen(exec_ctx *c)
{
    int ok;
    kv *v = lookup_hash(c, 0, &ok);
    if (ok)
        resp_write_int(c->w, v ? (long long)hash_length(v) : 0);
}

void cmd_hstrlen(exec_ctx *c)
{
    int ok;
    kv *v = lookup_hash(c, 0, &ok);
    if (!ok)
        return;
    const char *val;
    size_t vl = 0;
    if (!v || !hash_get(v, c->argv[2].ptr, c->argv[2].len, &val, &vl))
        vl = 0;
    resp_write_int(c->w, (long long)vl);
}

void cmd_hexists(exec_ctx *c)
{
    int ok;
    kv *v = lookup_hash(c, 0, &ok);
    if (!ok)
        return;
    const char *val;
    size_t vl;
    resp_write_int(c->w, v && hash_get(v, c->argv[2].ptr, c->argv[2].len, &val, &vl));
}

enum { WANT_KEYS = 1, WANT_VALS = 2 };

static void getall_generic(exec_ctx *c, int want)
{
    int ok;
    kv *v = lookup_hash(c, 0, &ok);
    if (!ok)
        return;
    long long n = v ? (long long)hash_length(v) : 0;
    if (want == (WANT_KEYS | WANT_VALS))
        resp_write_map_len(c->w, n);
    else
        resp_write_array_len(c->w, n);
    if (!v)
        return;
    hash_iter it;
    hash_iter_init(&it, v);
    const char *f, *val;
    size_t fl, vl;
    while (hash_iter_next(&it, &f, &fl, &val, &vl)) {
        if (want & WANT_KEYS)
            resp_write_bulk(c->w, f, fl);
        if (want & WANT_VALS)
            resp_write_bulk(c->w, val, vl);
    }
}

void cmd_hkeys(exec_ctx *c) { getall_generic(c, WANT_KEYS); }
void cmd_hvals(exec_ctx *c) { getall_generic(c, WANT_VALS); }
void cmd_hgetall(exec_ctx *c) { getall_generic(c, WANT_KEYS | WANT_VALS); }

void cmd_hincrby(exec_ctx *c)
{
    long long incr, value = 0;
    if (!arg_ll(c, 3, &incr))
        return;
    int ok;
    kv *v = lookup_hash(c, 1, &ok);
    if (!ok)
        return;
    const char *cur;
    size_t curlen;
    if (v && hash_get(v, c->argv[2].ptr, c->argv[2].len, &cur, &curlen) && !rd_str2ll(cur, curlen, &value)) {
        resp_write_error(c->w, "ERR hash value is not an integer");
        return;
    }
    if ((incr < 0 && value < 0 && incr < LLONG_MIN - value) ||
        (incr > 0 && value > 0 && incr > LLONG_MAX - value)) {
        resp_write_error(c->w, "ERR increment or decrement would overflow");
        return;
    }
    value += incr;
    char buf[32];
    size_t n = rd_ll2str(buf, value);
    if (!v)
        v = hash_create(c);
    hash_limits l = limits_of(c);
    hash_set(&l, v, c->argv[2].ptr, c->argv[2].len, buf, n);
    hash_changed(c);
    resp_write_int(c->w, value);
}

void cmd_hincrbyfloat(exec_ctx *c)
{
    long double incr, value = 0;
    if (!rd_str2ld(c->argv[3].ptr, c->argv[3].len, &incr)) {
        reply_not_float(c);
        return;
    }
    if (isnan(incr) || isinf(incr)) {
        resp_write_error(c->w, "ERR value is NaN or Infinity");
        return;
    }
    int ok;
    kv *v = lookup_hash(c, 1, &ok);
    if (!ok)
        return;
    const char *cur;
    size_t curlen;
    if (v && hash_get(v, c->argv[2].ptr, c->argv[2].len, &cur, &curlen) && !rd_str2ld(cur, curlen, &value)) {
        resp_write_error(c->w, "ERR hash value is not a float");
        return;
    }
    value += incr;
    if (isnan(value) || isinf(value)) {
        resp_write_error(c->w, "ERR increment would produce NaN or Infinity");
        return;
    }
    char buf[LONG_DOUBLE_STR_MAX];
    size_t n = rd_ld2str(buf, sizeof buf, value);
    if (!v)
        v = hash_create(c);
    hash_limits l = limits_of(c);
    hash_set(&l, v, c->argv[2].ptr, c->argv[2].len, buf, n);
    hash_changed(c);
    resp_write_bulk(c->w, buf, n);
}

/* ---- HRANDFIELD --------------------------------------------------------------------- */

/* One picked field (and value): RESP3 nests each pair in a 2-element array. */
static void reply_pick(exec_ctx *c, const char *f, size_t fl, const char *val, size_t vl, int withvalues)
{
    if (withvalues && c->w->proto > 2)
        resp_write_array_len(c->w, 2);
    resp_write_bulk(c->w, f, fl);
    if (withvalues)
        resp_write_bulk(c->w, val, vl);
}

/* Offsets of the fields of a hash packlist (n = number of fields). */
static size_t *field_offsets(const packlist *pl, size_t n)
{
    size_t *offs = rd_malloc((n ? n : 1) * sizeof(size_t));
    size_t off = pl_first(pl);
    for (size_t i = 0; i < n; i++) {
        offs[i] = off;
        off = pl_next(pl, pl_next(pl, off));
    }
    return offs;
}

static void reply_lp_pair(exec_ctx *c, const packlist *pl, size_t off, int withvalues)
{
    size_t fl, vl;
    const char *f = pl_get(pl, off, &fl);
    const char *val = pl_get(pl, pl_next(pl, off), &vl);
    reply_pick(c, f, fl, val, vl, withvalues);
}

static void reply_dict_pair(exec_ctx *c, const dict_entry *e, int withvalues)
{
    reply_pick(c, dict_key(e), e->klen, dict_val(e), e->vlen, withvalues);
}

static void hrandfield_count(exec_ctx *c, long long l, int withvalues)
{
    int ok;
    kv *v = lookup_hash(c, 0, &ok);
    if (!ok)
        return;
    if (!v || l == 0) {
        resp_write_array_len(c->w, 0);
        return;
    }
    size_t size = hash_length(v);
    int uniq = l > 0;
    unsigned long long count = l > 0 ? (unsigned long long)l : (unsigned long long)-l;
    int resp2_pairs = withvalues && c->w->proto == 2;

    if (!uniq || count == 1) {
        /* Repeats allowed: count independent picks, in the order drawn. */
        if (count > (unsigned long long)RANDOM_REPLY_MAX / (withvalues ? 2 : 1)) {
            resp_write_error(c->w, "ERR value is out of range");
            return;
        }
        resp_write_array_len(c->w, (long long)(resp2_pairs ? count * 2 : count));
        if (is_lp(v)) {
            const packlist *pl = hpl(v);
            size_t *offs = field_offsets(pl, size);
            for (unsigned long long i = 0; i < count; i++)
                reply_lp_pair(c, pl, offs[prng_below(c->rng, size)], withvalues);
            rd_free(offs);
        } else {
            for (unsigned long long i = 0; i < count; i++)
                reply_dict_pair(c, dict_random(hdict(v), c->rng, NULL), withvalues);
        }
        return;
    }

    if (count >= size) {
        /* The whole hash, in its order. */
        resp_write_array_len(c->w, (long long)(resp2_pairs ? size * 2 : size));
        hash_iter it;
        hash_iter_init(&it, v);
        const char *f, *val;
        size_t fl, vl;
        while (hash_iter_next(&it, &f, &fl, &val, &vl))
            reply_pick(c, f, fl, val, vl, withvalues);
        return;
    }

    /* count distinct fields, count < size. */
    size_t k = (size_t)count;
    size_t *picks = rd_malloc(k * sizeof(size_t));
    resp_write_array_len(c->w, (long long)(resp2_pairs ? k * 2 : k));
    if (is_lp(v)) {
        const packlist *pl = hpl(v);
        size_t *offs = field_offsets(pl, size);
        sample_distinct(c->rng, size, k, picks);
        for (size_t i = 0; i < k; i++)
            reply_lp_pair(c, pl, offs[picks[i]], withvalues);
        rd_free(offs);
    } else {
        const dict *d = hdict(v);
        dict_random_distinct(d, c->rng, k, picks);
        for (size_t i = 0; i < k; i++)
            reply_dict_pair(c, dict_at(d, picks[i]), withvalues);
    }
    rd_free(picks);
}

void cmd_hrandfield(exec_ctx *c)
{
    if (c->argc >= 3) {
        long long l;
        int withvalues = 0;
        if (!arg_ll_range(c, 2, -LLONG_MAX, LLONG_MAX, NULL, &l))
            return;
        if (c->argc > 4 || (c->argc == 4 && !arg_is(c, 3, "withvalues"))) {
            reply_syntax_error(c);
            return;
        }
        if (c->argc == 4) {
            withvalues = 1;
            if (l < -LLONG_MAX / 2 || l > LLONG_MAX / 2) {
                resp_write_error(c->w, "ERR value is out of range");
                return;
            }
        }
        hrandfield_count(c, l, withvalues);
        return;
    }
    int ok;
    kv *v = lookup_hash(c, 0, &ok);
    if (!ok)
        return;
    if (!v) {
        resp_write_null(c->w);
        return;
    }
    if (is_lp(v)) {
        const packlist *pl = hpl(v);
        size_t off = pl_seek(pl, (uint32_t)(2 * prng_below(c->rng, hash_length(v))));
        size_t fl;
        const char *f = pl_get(pl, off, &fl);
        resp_write_bulk(c->w, f, fl);
    } else {
        const dict_entry *e = dict_random(hdict(v), c->rng, NULL);
        resp_write_bulk(c->w, dict_key(e), e->klen);
    }
}

/* ---- HSCAN / SSCAN shared parts ------------------------------------------------------ */

int coll_scan_cursor(exec_ctx *c, int i, unsigned long long *cursor)
{
    /* Redis 7.2 parses the cursor with strtoul: no leading space, the whole argument
     * must be consumed, no overflow ("-1" wraps, as there). */
    const rd_arg *a = &c->argv[i];
    char small[64];
    char *s = a->len < sizeof small ? small : rd_malloc(a->len + 1);
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

int coll_scan_opts_parse(exec_ctx *c, int first, coll_scan_opts *o)
{
    o->pat = NULL;
    o->patlen = 0;
    o->count = SCAN_DEFAULT_COUNT;
    for (int i = first; i < c->argc; i += 2) {
        int has_value = i + 1 < c->argc;
        if (arg_is(c, i, "count") && has_value) {
            if (!arg_ll(c, i + 1, &o->count))
                return 0;
            if (o->count < 1) {
                reply_syntax_error(c);
                return 0;
            }
        } else if (arg_is(c, i, "match") && has_value) {
            o->pat = c->argv[i + 1].ptr;
            o->patlen = c->argv[i + 1].len;
            if (o->patlen == 1 && o->pat[0] == '*')
                o->pat = NULL; /* matches everything */
        } else {
            reply_syntax_error(c);
            return 0;
        }
    }
    return 1;
}

int coll_scan_match(const coll_scan_opts *o, const char *s, size_t len)
{
    return !o->pat || rd_glob_match(o->pat, o->patlen, s, len, 0);
}

void coll_scan_reply_header(exec_ctx *c, unsigned long long cursor, long long n)
{
    char buf[24];
    int len = snprintf(buf, sizeof buf, "%llu", cursor);
    resp_write_array_len(c->w, 2);
    resp_write_bulk(c->w, buf, (size_t)len);
    resp_write_array_len(c->w, n);
}

/* Collects the entries one dict_scan call returns that pass MATCH. */
typedef struct scan_collect {
    const coll_scan_opts *o;
    const dict_entry **found;
    size_t n, cap;
} scan_collect;

static void scan_collect_fn(void *ctx, const dict_entry *e)
{
    scan_collect *sc = ctx;
    if (!coll_scan_match(sc->o, dict_key(e), e->klen))
        return;
    if (sc->n == sc->cap) {
        sc->cap = sc->cap ? sc->cap * 2 : 16;
        sc->found = rd_realloc(sc->found, sc->cap * sizeof(*sc->found));
    }
    sc->found[sc->n++] = e;
}

void coll_scan_dict(exec_ctx *c, const dict *d, unsigned long long cursor, const coll_scan_opts *o)
{
    scan_collect sc = {o, NULL, 0, 0};
    unsigned long long next = dict_scan(d, cursor, (unsigned long long)o->count, scan_collect_fn, &sc);
    coll_scan_reply_header(c, next, (long long)(sc.n * (d->has_values ? 2 : 1)));
    for (size_t i = 0; i < sc.n; i++) {
        resp_write_bulk(c->w, dict_key(sc.found[i]), sc.found[i]->klen);
        if (d->has_values)
            resp_write_bulk(c->w, dict_val(sc.found[i]), sc.found[i]->vlen);
    }
    rd_free(sc.found);
}

void cmd_hscan(exec_ctx *c)
{
    unsigned long long cursor;
    if (!coll_scan_cursor(c, 2, &cursor))
        return;
    int ok;
    kv *v = lookup_hash(c, 0, &ok);
    if (!ok)
        return;
    if (!v) {
        coll_scan_reply_header(c, 0, 0);
        return;
    }
    coll_scan_opts o;
    if (!coll_scan_opts_parse(c, 3, &o))
        return;
    if (!is_lp(v)) {
        coll_scan_dict(c, hdict(v), cursor, &o);
        return;
    }
    /* The small encoding answers everything at once with cursor 0, as Redis does. */
    const packlist *pl = hpl(v);
    size_t n = hash_length(v);
    size_t *offs = field_offsets(pl, n);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        size_t fl;
        const char *f = pl_get(pl, offs[i], &fl);
        if (coll_scan_match(&o, f, fl))
            offs[m++] = offs[i];
    }
    coll_scan_reply_header(c, 0, (long long)m * 2);
    for (size_t i = 0; i < m; i++) { /* flat field, value (no RESP3 pair nesting) */
        size_t fl, vl;
        const char *f = pl_get(pl, offs[i], &fl);
        const char *val = pl_get(pl, pl_next(pl, offs[i]), &vl);
        resp_write_bulk(c->w, f, fl);
        resp_write_bulk(c->w, val, vl);
    }
    rd_free(offs);
}

/* ---- kv_type_ops -------------------------------------------------------------------- */

static int ptr_magic(const void *p) { return *(const unsigned char *)p; }

static void hash_free(void *p)
{
    if (ptr_magic(p) == PACKLIST_MAGIC)
        pl_free(p);
    else
        dict_free(p);
}

static size_t hash_memory(const void *p)
{
    return ptr_magic(p) == PACKLIST_MAGIC ? rd_alloc_size(p) : dict_memory(p);
}

static void *hash_copy(const void *p)
{
    return ptr_magic(p) == PACKLIST_MAGIC ? (void *)pl_dup(p) : (void *)dict_dup(p);
}

static void hash_save(const void *p, int encoding, bytebuf *out)
{
    (void)encoding; /* the pointer says which encoding it is */
    if (ptr_magic(p) == PACKLIST_MAGIC)
        bytebuf_append(out, p, pl_bytes(p));
    else
        dict_save(p, out);
}

/* A hash packlist must hold a positive even number of entries with distinct fields. */
static int valid_hash_packlist(const packlist *pl)
{
    uint32_t n = pl_count(pl);
    if (n == 0 || n % 2 != 0)
        return 0;
    dict *seen = dict_new(0);
    int ok = 1;
    for (size_t off = pl_first(pl); off && ok; off = pl_next(pl, pl_next(pl, off))) {
        size_t fl;
        const char *f = pl_get(pl, off, &fl);
        if (dict_find(seen, f, fl, NULL))
            ok = 0;
        else
            dict_add(seen, f, fl, NULL, 0);
    }
    dict_free(seen);
    return ok;
}

static void *hash_load(const char *p, size_t len, int encoding)
{
    if (encoding == ENC_LISTPACK) {
        packlist *pl = pl_load(p, len);
        if (pl && !valid_hash_packlist(pl)) {
            pl_free(pl);
            pl = NULL;
        }
        return pl;
    }
    if (encoding == ENC_HASHTABLE) {
        dict *d = dict_load(p, len, 1);
        if (d && dict_size(d) == 0) {
            dict_free(d);
            d = NULL;
        }
        return d;
    }
    return NULL;
}

static const kv_type_ops hash_ops = {
    .free = hash_free,
    .memory_usage = hash_memory,
    .copy = hash_copy,
    .save = hash_save,
    .load = hash_load,
};

void hash_register_type(void)
{
    kv_register_type(OBJ_HASH, &hash_ops);
}
