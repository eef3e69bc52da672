/* Unit tests for node/kvtable.c: randomized operations checked against a simple
 * reference model (insertion order, counts, seq seeks, compaction, index health), and
 * the determinism of kvtable_random (same operations and seed -> same picks, whatever
 * the hash key; a reloaded layout with holes picks the same too). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "hash.h"
#include "kv.h"
#include "kvtable.h"
#include "mem.h"
#include "prng.h"

/* ---- reference model ------------------------------------------------------------ */

typedef struct model_rec {
    char key[24];
    size_t klen;
    uint64_t seq;
    int alive;
} model_rec;

typedef struct model {
    model_rec *recs; /* every key ever inserted, in insertion order */
    size_t n, cap;
    size_t live;
    uint64_t next_seq;
} model;

static void model_init(model *m)
{
    memset(m, 0, sizeof(*m));
    m->next_seq = 1;
}

static void model_free(model *m)
{
    free(m->recs);
}

static model_rec *model_add(model *m, const char *key, size_t klen)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->recs = realloc(m->recs, m->cap * sizeof(model_rec));
    }
    model_rec *r = &m->recs[m->n++];
    memcpy(r->key, key, klen);
    r->klen = klen;
    r->seq = m->next_seq++;
    r->alive = 1;
    m->live++;
    return r;
}

static model_rec *model_find(model *m, const char *key, size_t klen)
{
    for (size_t i = m->n; i-- > 0;)
        if (m->recs[i].alive && m->recs[i].klen == klen && memcmp(m->recs[i].key, key, klen) == 0)
            return &m->recs[i];
    return NULL;
}

/* Checks the table against the model: live entries in seq order, counts, holes only
 * carry increasing seqs, compaction and load invariants. */
static void check_table(const kvtable *t, const model *m)
{
    cr_assert_eq(t->count, m->live);
    size_t mi = 0, live = 0;
    uint64_t last_seq = 0;
    for (size_t pos = 0; pos < t->used; pos++) {
        uint64_t seq = kvtable_seq_at(t, pos);
        cr_assert_gt(seq, last_seq, "seqs must increase along the dense array");
        last_seq = seq;
        const kv *v = kvtable_at(t, pos);
        if (!v)
            continue;
        while (mi < m->n && !m->recs[mi].alive)
            mi++;
        cr_assert_lt(mi, m->n);
        const model_rec *r = &m->recs[mi++];
        cr_assert_eq(kv_seq(v), r->seq);
        cr_assert_eq(kv_keylen(v), r->klen);
        cr_assert(memcmp(kv_key(v), r->key, r->klen) == 0);
        live++;
    }
    cr_assert_eq(live, m->live);
    if (t->used > 0)
        cr_assert(kvtable_at(t, t->used - 1) != NULL, "no trailing holes");
    if (t->used >= 32)
        cr_assert_leq((t->used - t->count) * 2, t->used, "holes must be compacted");
    if (t->index_size)
        cr_assert_leq((t->count + t->index_tombs) * 4, t->index_size * 3, "index load");
}

static kv *make_kv(const char *key, size_t klen, uint64_t seq)
{
    kv *v = kv_new_string(key, klen, "v", 1, -1);
    kv_set_seq(v, seq);
    return v;
}

static void random_key(prng *r, char *buf, size_t *len, unsigned space)
{
    *len = (size_t)snprintf(buf, 24, "k%llu", (unsigned long long)prng_below(r, space));
}

/* Runs `ops` random operations; returns the table (and the model through m). */
static void run_ops(kvtable *t, model *m, uint64_t seed, int ops, unsigned key_space, int check_every)
{
    prng r;
    prng_seed(&r, seed);
    char key[24];
    size_t klen;
    for (int i = 0; i < ops; i++) {
        uint64_t op = prng_below(&r, 100);
        random_key(&r, key, &klen, key_space);
        model_rec *rec = model_find(m, key, klen);
        if (op < 45) { /* insert (or re-find) */
            if (!rec) {
                model_rec *nr = model_add(m, key, klen);
                size_t pos = kvtable_insert(t, make_kv(key, klen, nr->seq));
                cr_assert_eq(pos, t->used - 1, "inserts append");
            }
        } else if (op < 85) { /* remove */
            kv *v = kvtable_remove(t, key, klen);
            if (rec) {
                cr_assert_not_null(v);
                cr_assert_eq(kv_seq(v), rec->seq);
                rec->alive = 0;
                m->live--;
                kv_free(v);
            } else {
                cr_assert_null(v);
            }
        } else { /* find */
            size_t pos = 0;
            kv *v = kvtable_find(t, key, klen, &pos);
            if (rec) {
                cr_assert_not_null(v);
                cr_assert_eq(kv_seq(v), rec->seq);
                cr_assert_eq(kvtable_at(t, pos), v);
            } else {
                cr_assert_null(v);
            }
        }
        if (check_every && i % check_every == 0)
            check_table(t, m);
    }
    check_table(t, m);
}

/* ---- tests ---------------------------------------------------------------------- */

Test(kvtable, empty_table)
{
    kvtable t;
    kvtable_init(&t);
    prng r;
    prng_seed(&r, 1);
    cr_assert_null(kvtable_find(&t, "a", 1, NULL));
    cr_assert_null(kvtable_remove(&t, "a", 1));
    cr_assert_null(kvtable_random(&t, &r, NULL));
    cr_assert_null(kvtable_at(&t, 0));
    cr_assert_eq(kvtable_seek_seq(&t, 5), 0);
    kvtable_free(&t, 1);
}

Test(kvtable, randomized_against_model)
{
    for (uint64_t seed = 1; seed <= 6; seed++) {
        kvtable t;
        kvtable_init(&t);
        model m;
        model_init(&m);
        /* Small key spaces churn (holes, compaction, tombstones); large ones grow. */
        unsigned space = seed % 2 ? 64 : 5000;
        run_ops(&t, &m, seed, 20000, space, 97);
        kvtable_free(&t, 1);
        model_free(&m);
    }
}

Test(kvtable, grow_then_drain_shrinks)
{
    kvtable t;
    kvtable_init(&t);
    model m;
    model_init(&m);
    char key[24];
    for (int i = 0; i < 50000; i++) {
        size_t klen = (size_t)snprintf(key, sizeof(key), "key:%07d", i);
        model_rec *r = model_add(&m, key, klen);
        kvtable_insert(&t, make_kv(key, klen, r->seq));
    }
    check_table(&t, &m);
    size_t big_index = t.index_size;
    /* Remove in an interleaved order so holes appear in the middle. */
    for (int pass = 0; pass < 2; pass++) {
        for (int i = pass; i < 50000; i += 2) {
            size_t klen = (size_t)snprintf(key, sizeof(key), "key:%07d", i);
            kv *v = kvtable_remove(&t, key, klen);
            cr_assert_not_null(v);
            model_rec *r = model_find(&m, key, klen);
            r->alive = 0;
            m.live--;
            kv_free(v);
            if (i % 1001 == 0)
                check_table(&t, &m);
        }
        check_table(&t, &m);
    }
    cr_assert_eq(t.count, 0);
    cr_assert_eq(t.used, 0);
    cr_assert_lt(t.index_size, big_index, "index shrinks after draining");
    kvtable_free(&t, 1);
    model_free(&m);
}

Test(kvtable, seek_seq_matches_model)
{
    kvtable t;
    kvtable_init(&t);
    model m;
    model_init(&m);
    run_ops(&t, &m, 42, 8000, 300, 0);
    prng r;
    prng_seed(&r, 7);
    for (int i = 0; i < 3000; i++) {
        uint64_t seq = prng_below(&r, m.next_seq + 3);
        size_t pos = kvtable_seek_seq(&t, seq);
        cr_assert_leq(pos, t.used);
        if (pos > 0)
            cr_assert_lt(kvtable_seq_at(&t, pos - 1), seq);
        if (pos < t.used)
            cr_assert_geq(kvtable_seq_at(&t, pos), seq);
        /* SCAN property: the first live key at or after pos is the model's first live
         * key with seq >= the cursor. */
        const kv *first = NULL;
        for (size_t p = pos; p < t.used && !first; p++)
            first = kvtable_at(&t, p);
        const model_rec *expect = NULL;
        for (size_t j = 0; j < m.n && !expect; j++)
            if (m.recs[j].alive && m.recs[j].seq >= seq)
                expect = &m.recs[j];
        if (!expect) {
            cr_assert_null(first);
        } else {
            cr_assert_not_null(first);
            cr_assert_eq(kv_seq(first), expect->seq);
        }
    }
    kvtable_free(&t, 1);
    model_free(&m);
}

/* Picks n random entries' seqs. */
static void random_picks(const kvtable *t, uint64_t seed, uint64_t *out, int n)
{
    prng r;
    prng_seed(&r, seed);
    for (int i = 0; i < n; i++) {
        size_t pos = 0;
        const kv *v = kvtable_random(t, &r, &pos);
        cr_assert_not_null(v);
        cr_assert_eq(kvtable_at(t, pos), v);
        out[i] = kv_seq(v);
    }
}

Test(kvtable, random_is_deterministic_across_hash_keys)
{
    enum { PICKS = 500 };
    uint64_t a[PICKS], b[PICKS];
    uint64_t seeds[] = {3, 4, 11};
    for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
        kvtable t;
        model m;

        rd_hash_set_seed(1);
        kvtable_init(&t);
        model_init(&m);
        run_ops(&t, &m, seeds[s], 6000, 2000, 0);
        random_picks(&t, 99, a, PICKS);
        kvtable_free(&t, 1);
        model_free(&m);

        rd_hash_set_seed(0xdeadbeef);
        kvtable_init(&t);
        model_init(&m);
        run_ops(&t, &m, seeds[s], 6000, 2000, 0);
        random_picks(&t, 99, b, PICKS);
        kvtable_free(&t, 1);
        model_free(&m);

        cr_assert(memcmp(a, b, sizeof(a)) == 0, "same ops + seed must pick the same keys");
    }
    rd_hash_set_seed(1);
}

Test(kvtable, reloaded_layout_with_holes_picks_the_same)
{
    enum { PICKS = 300 };
    uint64_t a[PICKS], b[PICKS];
    kvtable t, copy;
    model m;
    kvtable_init(&t);
    model_init(&m);
    run_ops(&t, &m, 5, 3000, 400, 0);
    cr_assert_gt(t.used, t.count, "the layout under test has holes");

    /* What a snapshot loader does: replay positions in order, holes included. */
    kvtable_init(&copy);
    for (size_t pos = 0; pos < t.used; pos++) {
        const kv *v = kvtable_at(&t, pos);
        if (v)
            kvtable_insert(&copy, make_kv(kv_key(v), kv_keylen(v), kv_seq(v)));
        else
            kvtable_append_hole(&copy, kvtable_seq_at(&t, pos));
    }
    cr_assert_eq(copy.used, t.used);
    cr_assert_eq(copy.count, t.count);
    random_picks(&t, 1234, a, PICKS);
    random_picks(&copy, 1234, b, PICKS);
    cr_assert(memcmp(a, b, sizeof(a)) == 0);
    kvtable_free(&t, 1);
    kvtable_free(&copy, 1);
    model_free(&m);
}

Test(kvtable, random_is_uniform)
{
    enum { KEYS = 64, DRAWS = 64000 };
    kvtable t;
    kvtable_init(&t);
    char key[24];
    /* Leave holes in the middle (fewer than half, so no compaction). */
    for (int i = 0; i < KEYS + 20; i++) {
        size_t klen = (size_t)snprintf(key, sizeof(key), "u%d", i);
        kvtable_insert(&t, make_kv(key, klen, (uint64_t)i + 1));
    }
    for (int i = 1; i < 41; i += 2) {
        size_t klen = (size_t)snprintf(key, sizeof(key), "u%d", i);
        kv_free(kvtable_remove(&t, key, klen));
    }
    cr_assert_eq(t.count, KEYS);
    cr_assert_gt(t.used, t.count);
    static int hits[KEYS + 21];
    memset(hits, 0, sizeof(hits));
    prng r;
    prng_seed(&r, 77);
    for (int i = 0; i < DRAWS; i++)
        hits[kv_seq(kvtable_random(&t, &r, NULL))]++;
    int seen = 0;
    for (int i = 0; i < KEYS + 21; i++) {
        if (!hits[i])
            continue;
        seen++;
        /* expected 1000 per key; 6 sigma is ~190 */
        cr_assert(hits[i] > 800 && hits[i] < 1200, "key seq %d drawn %d times", i, hits[i]);
    }
    cr_assert_eq(seen, KEYS);
    kvtable_free(&t, 1);
}

Test(kvtable, mostly_holes_small_table_random_still_uniform)
{
    kvtable t;
    kvtable_init(&t);
    char key[24];
    for (int i = 0; i < 30; i++) {
        size_t klen = (size_t)snprintf(key, sizeof(key), "s%d", i);
        kvtable_insert(&t, make_kv(key, klen, (uint64_t)i + 1));
    }
    /* Keep only s5 and s29; below the compaction minimum, holes stay. */
    for (int i = 0; i < 29; i++) {
        if (i == 5)
            continue;
        size_t klen = (size_t)snprintf(key, sizeof(key), "s%d", i);
        kv_free(kvtable_remove(&t, key, klen));
    }
    cr_assert_eq(t.count, 2);
    cr_assert_eq(t.used, 30);
    prng r;
    prng_seed(&r, 3);
    int a = 0, b = 0;
    for (int i = 0; i < 10000; i++) {
        uint64_t seq = kv_seq(kvtable_random(&t, &r, NULL));
        if (seq == 6)
            a++;
        else if (seq == 30)
            b++;
    }
    cr_assert_eq(a + b, 10000);
    cr_assert(a > 4500 && b > 4500);
    kvtable_free(&t, 1);
}

Test(kvtable, replace_after_realloc)
{
    kvtable t;
    kvtable_init(&t);
    char key[24];
    for (int i = 0; i < 100; i++) {
        size_t klen = (size_t)snprintf(key, sizeof(key), "r%d", i);
        kvtable_insert(&t, make_kv(key, klen, (uint64_t)i + 1));
    }
    size_t pos;
    kv *v = kvtable_find(&t, "r42", 3, &pos);
    cr_assert_not_null(v);
    uintptr_t old = (uintptr_t)v;
    kv *nv = kv_set_expire(v, 123456); /* grows: may move */
    cr_assert_eq(kvtable_replace(&t, (const kv *)old, nv), 1);
    size_t pos2;
    cr_assert_eq(kvtable_find(&t, "r42", 3, &pos2), nv);
    cr_assert_eq(pos2, pos);
    cr_assert_eq(kv_expire(nv), 123456);
    /* Unknown pointer: not replaced. */
    kv *stranger = make_kv("r43", 3, 999);
    cr_assert_eq(kvtable_replace(&t, stranger, stranger), 0);
    kv_free(stranger);
    /* replace_at keeps the position. */
    kv *other = make_kv("r42", 3, kv_seq(nv));
    kvtable_replace_at(&t, pos, other);
    kv_free(nv);
    cr_assert_eq(kvtable_find(&t, "r42", 3, NULL), other);
    cr_assert_gt(kvtable_overhead(&t), 100 * sizeof(uintptr_t));
    kvtable_free(&t, 1);
}

Test(kvtable, binary_and_empty_keys)
{
    kvtable t;
    kvtable_init(&t);
    kvtable_insert(&t, make_kv("", 0, 1));
    kvtable_insert(&t, make_kv("a\0b", 3, 2));
    kvtable_insert(&t, make_kv("a\0c", 3, 3));
    cr_assert_eq(kv_seq(kvtable_find(&t, "", 0, NULL)), 1);
    cr_assert_eq(kv_seq(kvtable_find(&t, "a\0b", 3, NULL)), 2);
    cr_assert_eq(kv_seq(kvtable_find(&t, "a\0c", 3, NULL)), 3);
    cr_assert_null(kvtable_find(&t, "a", 1, NULL));
    kv_free(kvtable_remove(&t, "", 0));
    cr_assert_null(kvtable_find(&t, "", 0, NULL));
    cr_assert_eq(t.count, 2);
    kvtable_free(&t, 1);
}

Test(kvtable, frees_entries_on_request)
{
    size_t before = rd_used_memory();
    kvtable t;
    kvtable_init(&t);
    char key[24];
    for (int i = 0; i < 1000; i++) {
        size_t klen = (size_t)snprintf(key, sizeof(key), "f%d", i);
        kvtable_insert(&t, make_kv(key, klen, (uint64_t)i + 1));
    }
    cr_assert_gt(rd_used_memory(), before);
    kvtable_free(&t, 1);
    cr_assert_eq(rd_used_memory(), before);
}
