/* Unit tests for node/dict.c: randomized operations against a reference model
 * (insertion order, values, seqs, counts, memory accounting), cursor scans (complete,
 * no duplicates, terminating while the dict changes), save/load round trips (identical
 * layout, identical random picks), rejection of malformed snapshots, and the
 * determinism of the random pickers. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytebuf.h"
#include "dict.h"
#include "hash.h"
#include "mem.h"
#include "prng.h"

/* ---- reference model: every key ever added, in insertion order -------------------- */

typedef struct rec {
    char key[32];
    size_t klen;
    char val[80];
    size_t vlen;
    uint64_t seq;
    int alive;
} rec;

typedef struct model {
    rec *recs;
    size_t n, cap, live;
    uint64_t next_seq;
} model;

static rec *model_find(model *m, const char *k, size_t kl)
{
    for (size_t i = m->n; i-- > 0;)
        if (m->recs[i].alive && m->recs[i].klen == kl && memcmp(m->recs[i].key, k, kl) == 0)
            return &m->recs[i];
    return NULL;
}

static void model_set(model *m, const char *k, size_t kl, const char *v, size_t vl)
{
    rec *r = model_find(m, k, kl);
    if (!r) {
        if (m->n == m->cap) {
            m->cap = m->cap ? m->cap * 2 : 64;
            m->recs = realloc(m->recs, m->cap * sizeof(rec));
        }
        r = &m->recs[m->n++];
        memcpy(r->key, k, kl);
        r->klen = kl;
        r->seq = m->next_seq++;
        r->alive = 1;
        m->live++;
    }
    memcpy(r->val, v, vl);
    r->vlen = vl;
}

static int model_del(model *m, const char *k, size_t kl)
{
    rec *r = model_find(m, k, kl);
    if (!r)
        return 0;
    r->alive = 0;
    m->live--;
    return 1;
}

/* The dict's live entries must be the model's, in the same order, with the same seqs. */
static void check_against(const dict *d, const model *m)
{
    cr_assert_eq(dict_size(d), m->live);
    size_t pos = 0, bytes = 0;
    for (size_t i = 0; i < m->n; i++) {
        const rec *r = &m->recs[i];
        if (!r->alive)
            continue;
        const dict_entry *e = NULL;
        while (pos < d->used && !(e = dict_at(d, pos)))
            pos++;
        cr_assert_not_null(e, "dict ended early");
        cr_assert_eq(e->seq, r->seq);
        cr_assert_eq(e->klen, r->klen);
        cr_assert(memcmp(dict_key(e), r->key, r->klen) == 0);
        cr_assert_eq(e->vlen, r->vlen);
        cr_assert(memcmp(dict_val(e), r->val, r->vlen) == 0);
        bytes += rd_alloc_size(e);
        pos++;
    }
    while (pos < d->used)
        cr_assert_null(dict_at(d, pos++), "extra live entry");
    cr_assert_eq(d->entry_bytes, bytes);
    if (d->used)
        cr_assert_not_null(dict_at(d, d->used - 1), "trailing hole kept");
}

static void make_key(prng *r, char *k, size_t *kl, unsigned space)
{
    *kl = (size_t)snprintf(k, 32, "key:%u", (unsigned)prng_below(r, space));
}

static void make_val(prng *r, char *v, size_t *vl)
{
    size_t n = (size_t)prng_below(r, 70);
    for (size_t i = 0; i < n; i++)
        v[i] = (char)('a' + prng_below(r, 26));
    *vl = n;
}

/* Runs `ops` random operations on d and m. */
static void random_ops(dict *d, model *m, prng *r, int ops, unsigned space, int del_weight)
{
    char k[32], v[80];
    size_t kl, vl;
    for (int i = 0; i < ops; i++) {
        make_key(r, k, &kl, space);
        if ((int)prng_below(r, 10) < del_weight) {
            cr_assert_eq(dict_delete(d, k, kl), model_del(m, k, kl));
        } else {
            make_val(r, v, &vl);
            int existed = model_find(m, k, kl) != NULL;
            cr_assert_eq(dict_set(d, k, kl, v, vl), !existed);
            model_set(m, k, kl, v, vl);
        }
        const dict_entry *e = dict_find(d, k, kl, NULL);
        const rec *mr = model_find(m, k, kl);
        cr_assert_eq(e != NULL, mr != NULL);
    }
}

TestSuite(dict);

Test(dict, random_ops_match_model)
{
    rd_hash_set_seed(12345);
    for (int round = 0; round < 4; round++) {
        dict *d = dict_new(1);
        model m = {0};
        m.next_seq = 1;
        prng r;
        prng_seed(&r, 100 + (uint64_t)round);
        unsigned space = round == 0 ? 20 : round == 1 ? 300 : 3000;
        for (int phase = 0; phase < 10; phase++) {
            /* alternate growing and shrinking phases so compaction and index shrink run */
            random_ops(d, &m, &r, 1000, space, phase % 2 ? 8 : 2);
            check_against(d, &m);
        }
        /* delete everything */
        for (size_t i = 0; i < m.n; i++)
            if (m.recs[i].alive) {
                cr_assert(dict_delete(d, m.recs[i].key, m.recs[i].klen));
                m.recs[i].alive = 0;
                m.live--;
            }
        check_against(d, &m);
        cr_assert_eq(d->used, 0);
        dict_free(d);
        free(m.recs);
    }
}

Test(dict, set_keeps_position_and_seq)
{
    dict *d = dict_new(1);
    dict_set(d, "a", 1, "1", 1);
    dict_set(d, "b", 1, "2", 1);
    dict_set(d, "c", 1, "3", 1);
    cr_assert_eq(dict_set(d, "b", 1, "two-longer-value", 16), 0);
    const dict_entry *e = dict_at(d, 1);
    cr_assert_eq(e->seq, 2);
    cr_assert(memcmp(dict_val(e), "two-longer-value", 16) == 0);
    /* value pointing into the old entry */
    cr_assert_eq(dict_set(d, "b", 1, dict_val(e) + 4, 6), 0);
    e = dict_at(d, 1);
    cr_assert(memcmp(dict_val(e), "longer", 6) == 0);
    /* delete + re-add goes to the end with a new seq */
    dict_delete(d, "a", 1);
    dict_set(d, "a", 1, "x", 1);
    e = dict_at(d, d->used - 1);
    cr_assert_eq(e->seq, 4);
    dict_free(d);
}

Test(dict, sets_store_no_values)
{
    dict *d = dict_new(0);
    cr_assert_eq(dict_set(d, "m", 1, "ignored", 7), 1);
    cr_assert_eq(dict_set(d, "m", 1, "ignored", 7), 0);
    cr_assert_eq(dict_find(d, "m", 1, NULL)->vlen, 0);
    dict_free(d);
}

/* ---- scans -------------------------------------------------------------------------- */

typedef struct seen {
    int *counts;
    unsigned space;
} seen;

static void count_fn(void *ctx, const dict_entry *e)
{
    seen *s = ctx;
    unsigned k;
    cr_assert_eq(sscanf(dict_key(e), "key:%u", &k), 1);
    cr_assert_lt(k, s->space);
    s->counts[k]++;
}

Test(dict, scan_is_complete_without_changes)
{
    dict *d = dict_new(0);
    unsigned space = 5000;
    char k[32];
    for (unsigned i = 0; i < space; i++)
        dict_add(d, k, (size_t)snprintf(k, sizeof k, "key:%u", i), NULL, 0);
    for (unsigned i = 0; i < space; i += 3) {
        size_t kl = (size_t)snprintf(k, sizeof k, "key:%u", i);
        dict_delete(d, k, kl);
    }
    seen s = {calloc(space, sizeof(int)), space};
    unsigned long long cur = 0;
    int calls = 0;
    do {
        cur = dict_scan(d, cur, 7, count_fn, &s);
        calls++;
        cr_assert_lt(calls, 100000);
    } while (cur);
    for (unsigned i = 0; i < space; i++)
        cr_assert_eq(s.counts[i], i % 3 ? 1 : 0, "key %u seen %d times", i, s.counts[i]);
    free(s.counts);
    dict_free(d);
}

Test(dict, scan_survives_growth_and_compaction_and_ends)
{
    prng r;
    prng_seed(&r, 7);
    dict *d = dict_new(0);
    unsigned space = 20000;
    char k[32];
    /* 0..999 present for the whole scan; others come and go */
    for (unsigned i = 0; i < 1000; i++)
        dict_add(d, k, (size_t)snprintf(k, sizeof k, "key:%u", i), NULL, 0);
    seen s = {calloc(space, sizeof(int)), space};
    unsigned long long cur = 0;
    unsigned next_new = 1000;
    int calls = 0;
    do {
        cur = dict_scan(d, cur, 10, count_fn, &s);
        calls++;
        cr_assert_lt(calls, 100000, "scan does not end");
        /* add more per call than COUNT, and delete some transient ones */
        for (int j = 0; j < 30 && next_new < space; j++, next_new++)
            dict_add(d, k, (size_t)snprintf(k, sizeof k, "key:%u", next_new), NULL, 0);
        for (int j = 0; j < 25; j++) {
            unsigned victim = 1000 + (unsigned)prng_below(&r, next_new - 1000);
            dict_delete(d, k, (size_t)snprintf(k, sizeof k, "key:%u", victim));
        }
    } while (cur);
    for (unsigned i = 0; i < 1000; i++)
        cr_assert_eq(s.counts[i], 1, "stable key %u seen %d times", i, s.counts[i]);
    for (unsigned i = 0; i < space; i++)
        cr_assert_leq(s.counts[i], 1);
    free(s.counts);
    dict_free(d);
}

Test(dict, scan_of_empty_and_stale_cursor)
{
    dict *d = dict_new(0);
    seen s = {calloc(10, sizeof(int)), 10};
    cr_assert_eq(dict_scan(d, 0, 10, count_fn, &s), 0);
    cr_assert_eq(dict_scan(d, 123456789, 10, count_fn, &s), 0);
    dict_add(d, "key:1", 5, NULL, 0);
    /* any cursor is accepted: a hand-made one past the end just ends */
    cr_assert_eq(dict_scan(d, ~0ULL, 10, count_fn, &s), 0);
    free(s.counts);
    dict_free(d);
}

/* ---- snapshots and determinism ------------------------------------------------------- */

static model model_copy(const model *m)
{
    model c = *m;
    c.recs = malloc((m->cap ? m->cap : 1) * sizeof(rec));
    memcpy(c.recs, m->recs, m->n * sizeof(rec));
    return c;
}

static void assert_same_layout(const dict *a, const dict *b)
{
    cr_assert_eq(a->used, b->used);
    cr_assert_eq(a->count, b->count);
    cr_assert_eq(a->next_seq, b->next_seq);
    cr_assert_eq(a->entry_bytes, b->entry_bytes);
    for (size_t i = 0; i < a->used; i++) {
        cr_assert_eq(a->entries[i] & 1, b->entries[i] & 1, "hole mismatch at %zu", i);
        if (a->entries[i] & 1) {
            cr_assert_eq(a->entries[i], b->entries[i]);
            continue;
        }
        const dict_entry *x = dict_at(a, i), *y = dict_at(b, i);
        cr_assert_eq(x->seq, y->seq);
        cr_assert_eq(x->klen, y->klen);
        cr_assert_eq(x->vlen, y->vlen);
        cr_assert(memcmp(x->data, y->data, x->klen + x->vlen) == 0);
    }
}

static void assert_same_picks(const dict *a, const dict *b)
{
    prng ra, rb;
    prng_seed(&ra, 99);
    prng_seed(&rb, 99);
    for (int i = 0; i < 200; i++) {
        size_t pa, pb;
        dict_random(a, &ra, &pa);
        dict_random(b, &rb, &pb);
        cr_assert_eq(pa, pb);
    }
    size_t k = a->count / 2 + 1;
    size_t *xa = malloc(k * sizeof(size_t)), *xb = malloc(k * sizeof(size_t));
    dict_random_distinct(a, &ra, k, xa);
    dict_random_distinct(b, &rb, k, xb);
    cr_assert(memcmp(xa, xb, k * sizeof(size_t)) == 0);
    free(xa);
    free(xb);
}

Test(dict, save_load_round_trip_keeps_layout)
{
    for (int has_values = 0; has_values < 2; has_values++) {
        prng r;
        prng_seed(&r, 5 + (uint64_t)has_values);
        dict *d = dict_new(has_values);
        model m = {0};
        m.next_seq = 1;
        random_ops(d, &m, &r, 3000, 500, 4);
        cr_assert_gt(d->used, d->count, "want holes in the layout");
        bytebuf b;
        bytebuf_init(&b);
        dict_save(d, &b);
        /* the loaded index is built afresh (no tombstones, other sizes): only the
         * dense layout must match */
        dict *l = dict_load(b.data, b.len, has_values);
        cr_assert_not_null(l);
        assert_same_layout(d, l);
        assert_same_picks(d, l);
        /* both keep behaving identically */
        prng r1, r2;
        prng_seed(&r1, 8);
        prng_seed(&r2, 8);
        model m2 = model_copy(&m), m3 = model_copy(&m);
        random_ops(d, &m2, &r1, 500, 500, 5);
        random_ops(l, &m3, &r2, 500, 500, 5);
        assert_same_layout(d, l);
        /* the copy too */
        dict *c = dict_dup(d);
        assert_same_layout(d, c);
        assert_same_picks(d, c);
        dict_free(c);
        dict_free(l);
        dict_free(d);
        bytebuf_free(&b);
        free(m.recs);
        free(m2.recs);
        free(m3.recs);
    }
}

Test(dict, load_rejects_malformed)
{
    dict *d = dict_new(1);
    char k[32];
    for (int i = 0; i < 50; i++)
        dict_add(d, k, (size_t)snprintf(k, sizeof k, "f%d", i), "v", 1);
    for (int i = 0; i < 50; i += 4)
        dict_delete(d, k, (size_t)snprintf(k, sizeof k, "f%d", i));
    bytebuf b;
    bytebuf_init(&b);
    dict_save(d, &b);
    /* every truncation fails cleanly */
    for (size_t n = 0; n < b.len; n++) {
        char *copy = malloc(n ? n : 1);
        memcpy(copy, b.data, n);
        cr_assert_null(dict_load(copy, n, 1), "truncated at %zu accepted", n);
        free(copy);
    }
    /* trailing garbage */
    bytebuf_append(&b, "x", 1);
    cr_assert_null(dict_load(b.data, b.len, 1));
    b.len--;
    /* wrong kind (values vs none) */
    cr_assert_null(dict_load(b.data, b.len, 0));
    /* random byte flips never crash (accepted or not) */
    prng r;
    prng_seed(&r, 3);
    for (int i = 0; i < 2000; i++) {
        char *copy = malloc(b.len);
        memcpy(copy, b.data, b.len);
        size_t at = (size_t)prng_below(&r, b.len);
        copy[at] = (char)prng_next(&r);
        dict *x = dict_load(copy, b.len, 1);
        dict_free(x);
        free(copy);
    }
    /* duplicate key: craft two entries with the same key */
    dict *two = dict_new(0);
    dict_add(two, "aa", 2, NULL, 0);
    dict_add(two, "ab", 2, NULL, 0);
    bytebuf t;
    bytebuf_init(&t);
    dict_save(two, &t);
    t.data[t.len - 1] = 'a'; /* second key "ab" -> "aa" */
    cr_assert_null(dict_load(t.data, t.len, 0));
    bytebuf_free(&t);
    dict_free(two);
    bytebuf_free(&b);
    dict_free(d);
}

Test(dict, random_picks_are_uniformish_and_deterministic)
{
    dict *d = dict_new(0);
    char k[32];
    for (int i = 0; i < 100; i++)
        dict_add(d, k, (size_t)snprintf(k, sizeof k, "key:%d", i), NULL, 0);
    for (int i = 0; i < 100; i += 2) /* holes */
        dict_delete(d, k, (size_t)snprintf(k, sizeof k, "key:%d", i));
    int hits[100] = {0};
    prng r;
    prng_seed(&r, 1);
    for (int i = 0; i < 50000; i++) {
        const dict_entry *e = dict_random(d, &r, NULL);
        int n;
        sscanf(dict_key(e), "key:%d", &n);
        cr_assert(n % 2 == 1);
        hits[n]++;
    }
    for (int i = 1; i < 100; i += 2)
        cr_assert(hits[i] > 700 && hits[i] < 1300, "key %d hit %d times", i, hits[i]);
    /* distinct picks are distinct and live, for small and large shares */
    size_t out[50];
    for (size_t kk = 1; kk <= 50; kk += 7) {
        dict_random_distinct(d, &r, kk, out);
        for (size_t i = 0; i < kk; i++) {
            cr_assert_not_null(dict_at(d, out[i]));
            for (size_t j = 0; j < i; j++)
                cr_assert_neq(out[i], out[j]);
        }
    }
    dict_free(d);
}

Test(dict, sample_distinct_values)
{
    prng r;
    prng_seed(&r, 2);
    size_t out[1000];
    for (size_t n = 1; n < 1000; n = n * 3 + 1) {
        for (size_t k = 0; k <= n && k <= 1000; k += (n / 5) + 1) {
            sample_distinct(&r, n, k, out);
            char *seen = calloc(n, 1);
            for (size_t i = 0; i < k; i++) {
                cr_assert_lt(out[i], n);
                cr_assert_eq(seen[out[i]], 0);
                seen[out[i]] = 1;
            }
            free(seen);
        }
    }
}
