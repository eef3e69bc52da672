/* Unit tests for node/slot_index.c: randomized inserts, deletes, overwrites, kv
 * reallocations, flushes and compactions (small tables and tables with more keys than
 * slots) on a kvtable, checked against a reference model after every burst -- per-slot
 * counts and key lists (insertion order) must match exactly, hash-tagged keys included;
 * the keyspace paths (set/overwrite/expire/delete/expired deletion/flush); a snapshot
 * reload gives identical lists; limits and early stop of slot_index_keys. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytebuf.h"
#include "exec.h"
#include "keyslot.h"
#include "keyspace.h"
#include "kv.h"
#include "kvtable.h"
#include "mem.h"
#include "prng.h"
#include "server.h"
#include "slot_index.h"
#include "snapshot.h"
#include "test_support.h"

/* ---- reference model: every key ever inserted, in insertion order ---------------- */

typedef struct rec {
    char key[40];
    size_t klen;
    unsigned slot;
    int alive;
} rec;

typedef struct model {
    rec *recs;
    size_t n, cap;
    uint64_t next_seq;
} model;

static void model_init(model *m)
{
    memset(m, 0, sizeof(*m));
    m->next_seq = 1;
}

static void model_add(model *m, const char *key, size_t klen)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 1024;
        m->recs = realloc(m->recs, m->cap * sizeof(rec));
    }
    rec *r = &m->recs[m->n++];
    memcpy(r->key, key, klen);
    r->klen = klen;
    r->slot = keyslot(key, klen);
    r->alive = 1;
}

static rec *model_find(model *m, const char *key, size_t klen)
{
    for (size_t i = m->n; i-- > 0;)
        if (m->recs[i].alive && m->recs[i].klen == klen && memcmp(m->recs[i].key, key, klen) == 0)
            return &m->recs[i];
    return NULL;
}

/* ---- what the index says --------------------------------------------------------- */

typedef struct keylist {
    char (*keys)[40];
    size_t *lens;
    size_t n, cap, stop_after; /* stop_after: callback returns 0 after that many (0 = never) */
} keylist;

static int collect(const char *key, size_t len, void *arg)
{
    keylist *l = arg;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->keys = realloc(l->keys, l->cap * sizeof(*l->keys));
        l->lens = realloc(l->lens, l->cap * sizeof(size_t));
    }
    cr_assert_leq(len, sizeof(l->keys[0]));
    memcpy(l->keys[l->n], key, len);
    l->lens[l->n++] = len;
    return !(l->stop_after && l->n >= l->stop_after);
}

static void keylist_free(keylist *l)
{
    free(l->keys);
    free(l->lens);
    memset(l, 0, sizeof(*l));
}

/* Every slot: count and exact key list equal the model's live keys in insertion order. */
static void check_all(model *m)
{
    cr_assert_eq(slot_index_verify(), 0, "index inconsistent with the table");
    size_t *counts = calloc(CLUSTER_SLOTS, sizeof(size_t));
    for (size_t i = 0; i < m->n; i++)
        if (m->recs[i].alive)
            counts[m->recs[i].slot]++;
    size_t *cursor = calloc(CLUSTER_SLOTS, sizeof(size_t));
    keylist *lists = calloc(CLUSTER_SLOTS, sizeof(keylist));
    for (unsigned s = 0; s < CLUSTER_SLOTS; s++) {
        cr_assert_eq(slot_index_count(s), counts[s], "slot %u count %llu, want %zu", s,
                     (unsigned long long)slot_index_count(s), counts[s]);
        if (counts[s])
            slot_index_keys(s, UINT64_MAX, collect, &lists[s]);
        cr_assert_eq(lists[s].n, counts[s]);
    }
    for (size_t i = 0; i < m->n; i++) {
        const rec *r = &m->recs[i];
        if (!r->alive)
            continue;
        keylist *l = &lists[r->slot];
        size_t k = cursor[r->slot]++;
        cr_assert(l->lens[k] == r->klen && memcmp(l->keys[k], r->key, r->klen) == 0,
                  "slot %u position %zu: got '%.*s', want '%s'", r->slot, k, (int)l->lens[k],
                  l->keys[k], r->key);
    }
    for (unsigned s = 0; s < CLUSTER_SLOTS; s++)
        keylist_free(&lists[s]);
    free(lists);
    free(cursor);
    free(counts);
}

/* A pool of keys where many share a slot: plain keys, hash-tagged groups, an empty tag
 * (whole key hashed), tags that close late or never. */
static size_t make_key(prng *r, size_t pool, char *buf)
{
    unsigned i = (unsigned)prng_below(r, pool);
    switch (i % 6) {
    case 0: return (size_t)sprintf(buf, "key:%u", i);
    case 1: return (size_t)sprintf(buf, "{user%u}:%u", i % 7, i);
    case 2: return (size_t)sprintf(buf, "{}x%u", i);
    case 3: return (size_t)sprintf(buf, "a{tag%u}b{c}%u", i % 5, i);
    case 4: return (size_t)sprintf(buf, "{user%u}.profile%u", i % 7, i);
    default: return (size_t)sprintf(buf, "open{brace%u", i);
    }
}

static kv *new_kv(model *m, const char *key, size_t klen, int64_t expire)
{
    kv *v = kv_new_string(key, klen, "value", 5, expire);
    kv_set_seq(v, m->next_seq++);
    return v;
}

/* One random operation on t mirrored in m. Weights: p_insert of 100 inserts a new key
 * (or overwrites an existing one), the rest delete, overwrite or reallocate. */
static void random_op(kvtable *t, model *m, prng *r, size_t pool, unsigned p_insert)
{
    char key[40];
    size_t klen = make_key(r, pool, key);
    size_t pos;
    kv *old = kvtable_find(t, key, klen, &pos);
    unsigned dice = (unsigned)prng_below(r, 100);
    if (!old) {
        if (dice < p_insert) {
            kvtable_insert(t, new_kv(m, key, klen, -1));
            model_add(m, key, klen);
        }
        return;
    }
    if (dice < p_insert / 2) { /* overwrite: same position and seq (keyspace_set) */
        kv *nv = kv_new_string(key, klen, "another value", 13, -1);
        kv_set_seq(nv, kv_seq(old));
        kvtable_replace_at(t, pos, nv);
        kv_free(old);
    } else if (dice < p_insert) { /* reallocation (TTL added/removed) */
        kv *nv = kv_set_expire(old, kv_expire(old) >= 0 ? -1 : 1700000000000LL);
        if (nv != old)
            cr_assert_eq(kvtable_replace(t, old, nv), 1);
    } else {
        kv *v = kvtable_remove(t, key, klen);
        cr_assert_not_null(v);
        kv_free(v);
        model_find(m, key, klen)->alive = 0;
    }
}

Test(slot_index, disabled_by_default)
{
    cr_assert_eq(slot_index_enabled(), 0);
    cr_assert_eq(slot_index_count(0), 0);
    cr_assert_eq(slot_index_overhead(), 0);
    kvtable t;
    kvtable_init(&t);
    cr_assert_null(t.obs);
    kvtable_free(&t, 1);
}

Test(slot_index, randomized_against_model)
{
    kvtable t;
    kvtable_init(&t);
    slot_index_attach(&t);
    cr_assert_eq(slot_index_enabled(), 1);
    model m;
    model_init(&m);
    prng r;
    prng_seed(&r, 42);
    for (int round = 0; round < 60; round++) {
        /* alternate growth and shrink phases so compactions happen at many sizes */
        unsigned p_insert = (round % 3 == 2) ? 15 : 70;
        size_t pool = round % 4 == 0 ? 40 : 600;
        for (int i = 0; i < 400; i++)
            random_op(&t, &m, &r, pool, p_insert);
        check_all(&m);
        if (round % 17 == 16) { /* FLUSHDB */
            kvtable_clear(&t);
            for (size_t i = 0; i < m.n; i++)
                m.recs[i].alive = 0;
            check_all(&m);
            cr_assert_eq(t.obs != NULL, 1, "flush must keep the index attached");
        }
    }
    slot_index_detach();
    cr_assert_null(t.obs);
    kvtable_free(&t, 1);
    free(m.recs);
}

/* More keys than slots: compaction remaps heads/tails through new_pos; then shrink below
 * CLUSTER_SLOTS keys so the other branch runs on the same table. */
Test(slot_index, large_table_compactions)
{
    kvtable t;
    kvtable_init(&t);
    slot_index_attach(&t);
    model m;
    model_init(&m);
    prng r;
    prng_seed(&r, 7);
    char key[40];
    for (unsigned i = 0; i < 40000; i++) {
        size_t klen = i % 3 ? (size_t)sprintf(key, "big:%u", i)
                            : (size_t)sprintf(key, "{grp%u}:%u", i % 50, i);
        kvtable_insert(&t, new_kv(&m, key, klen, -1));
        model_add(&m, key, klen);
    }
    check_all(&m);
    for (int phase = 0; phase < 3; phase++) {
        size_t target = phase == 0 ? 17000 : phase == 1 ? 3000 : 100;
        size_t live = t.count;
        while (live > target) {
            size_t i = (size_t)prng_below(&r, m.n);
            if (!m.recs[i].alive)
                continue;
            kv *v = kvtable_remove(&t, m.recs[i].key, m.recs[i].klen);
            cr_assert_not_null(v);
            kv_free(v);
            m.recs[i].alive = 0;
            live--;
        }
        check_all(&m);
        /* reinsert some: they go to the tail of their slots */
        for (unsigned i = 0; i < 500; i++) {
            size_t klen = (size_t)sprintf(key, "{grp%u}:again%d:%u", i % 50, phase, i);
            kvtable_insert(&t, new_kv(&m, key, klen, -1));
            model_add(&m, key, klen);
        }
        check_all(&m);
    }
    slot_index_detach();
    kvtable_free(&t, 1);
    free(m.recs);
}

/* Attaching to a table that already has keys and holes indexes them in position order. */
Test(slot_index, attach_existing_table)
{
    kvtable t;
    kvtable_init(&t);
    model m;
    model_init(&m);
    prng r;
    prng_seed(&r, 3);
    for (int i = 0; i < 3000; i++)
        random_op(&t, &m, &r, 600, 60);
    slot_index_attach(&t);
    check_all(&m);
    for (int i = 0; i < 3000; i++)
        random_op(&t, &m, &r, 600, 40);
    check_all(&m);
    slot_index_detach();
    kvtable_free(&t, 1);
    free(m.recs);
}

Test(slot_index, keys_limit_and_early_stop)
{
    kvtable t;
    kvtable_init(&t);
    slot_index_attach(&t);
    model m;
    model_init(&m);
    char key[40];
    for (int i = 0; i < 10; i++) {
        size_t klen = (size_t)sprintf(key, "{same}%d", i);
        kvtable_insert(&t, new_kv(&m, key, klen, -1));
    }
    unsigned s = keyslot("same", 4);
    cr_assert_eq(slot_index_count(s), 10);
    keylist l = {0};
    slot_index_keys(s, 3, collect, &l);
    cr_assert_eq(l.n, 3);
    cr_assert(l.lens[2] == 7 && memcmp(l.keys[2], "{same}2", 7) == 0);
    keylist_free(&l);
    l.stop_after = 4;
    slot_index_keys(s, 100, collect, &l);
    cr_assert_eq(l.n, 4);
    keylist_free(&l);
    slot_index_keys(s, 0, collect, &l);
    cr_assert_eq(l.n, 0);
    slot_index_keys(CLUSTER_SLOTS, 10, collect, &l); /* out of range: nothing */
    cr_assert_eq(l.n, 0);
    cr_assert_eq(slot_index_count(CLUSTER_SLOTS), 0);
    cr_assert_gt(slot_index_overhead(), 0);
    slot_index_detach();
    cr_assert_eq(slot_index_enabled(), 0);
    kvtable_free(&t, 1);

    /* freeing an indexed table (shutdown) detaches and frees the index */
    kvtable_init(&t);
    slot_index_attach(&t);
    kvtable_insert(&t, new_kv(&m, "x", 1, -1));
    kvtable_free(&t, 1);
    cr_assert_eq(slot_index_enabled(), 0);
    cr_assert_null(t.obs);
}

/* ---- through the keyspace and the snapshot, on g_server ------------------------------ */

#define NOW 1700000000000LL

static exec_ctx ctx(int64_t now)
{
    exec_ctx c;
    memset(&c, 0, sizeof(c));
    c.srv = &g_server;
    c.db = &g_server.dbs[0];
    c.now_ms = now;
    c.flags = EXEC_MAY_MUTATE;
    return c;
}

static void setup(void)
{
    test_server_init();
    g_server.cfg.cluster_enabled = 1;
    slot_index_init(&g_server);
}

static void teardown(void)
{
    slot_index_detach();
    test_server_free();
}

static kv *str(const char *key, int64_t expire)
{
    return kv_new_string(key, strlen(key), "v", 1, expire);
}

/* The keys of a slot joined with ',' (for compact assertions). */
static void slot_keys(unsigned s, char *out, size_t cap)
{
    keylist l = {0};
    slot_index_keys(s, UINT64_MAX, collect, &l);
    size_t o = 0;
    out[0] = 0;
    for (size_t i = 0; i < l.n; i++)
        o += (size_t)snprintf(out + o, cap - o, "%s%.*s", i ? "," : "", (int)l.lens[i], l.keys[i]);
    keylist_free(&l);
}

Test(slot_index, keyspace_paths, .init = setup, .fini = teardown)
{
    cr_assert_eq(slot_index_enabled(), 1);
    exec_ctx c = ctx(NOW);
    unsigned s = keyslot("t", 1);
    char buf[256];
    keyspace_add(&c, str("{t}a", -1));
    keyspace_add(&c, str("{t}b", -1));
    keyspace_add(&c, str("{t}c", NOW + 1000));
    keyspace_add(&c, str("other", -1));
    slot_keys(s, buf, sizeof(buf));
    cr_assert_str_eq(buf, "{t}a,{t}b,{t}c");
    /* overwrite keeps the position; so does a TTL change that reallocates */
    keyspace_set(&c, str("{t}a", -1), 0);
    kv *v = keyspace_lookup_write(&c, "{t}b", 4);
    keyspace_set_expire(&c, v, NOW + 5000);
    slot_keys(s, buf, sizeof(buf));
    cr_assert_str_eq(buf, "{t}a,{t}b,{t}c");
    /* delete + re-add goes to the tail (RENAME-like) */
    cr_assert_eq(keyspace_delete(&c, "{t}a", 4), 1);
    keyspace_add(&c, str("{t}a", -1));
    slot_keys(s, buf, sizeof(buf));
    cr_assert_str_eq(buf, "{t}b,{t}c,{t}a");
    /* a logically expired key still counts (as in Redis) until a write deletes it */
    exec_ctx later = ctx(NOW + 2000);
    cr_assert_eq(slot_index_count(s), 3);
    cr_assert_null(keyspace_lookup_write(&later, "{t}c", 4));
    cr_assert_eq(slot_index_count(s), 2);
    /* an expired key overwritten by a write is a new key: appended */
    keyspace_add(&c, str("{t}d", NOW + 1000));
    keyspace_set(&later, str("{t}d", -1), 0);
    slot_keys(s, buf, sizeof(buf));
    cr_assert_str_eq(buf, "{t}b,{t}a,{t}d");
    cr_assert_eq(slot_index_verify(), 0);
    /* FLUSHDB keeps the index attached and empty */
    db_empty(&g_server.dbs[0]);
    cr_assert_eq(slot_index_count(s), 0);
    cr_assert_eq(slot_index_count(keyslot("other", 5)), 0);
    keyspace_add(&c, str("{t}z", -1));
    cr_assert_eq(slot_index_count(s), 1);
    /* other databases are not indexed */
    exec_ctx c1 = ctx(NOW);
    c1.db = &g_server.dbs[1];
    keyspace_add(&c1, str("{t}db1", -1));
    cr_assert_eq(slot_index_count(s), 1);
    cr_assert_eq(slot_index_verify(), 0);
}

Test(slot_index, snapshot_reload_same_order, .init = setup, .fini = teardown)
{
    exec_ctx c = ctx(NOW);
    prng r;
    prng_seed(&r, 99);
    char key[40];
    for (int i = 0; i < 6000; i++) {
        size_t klen = make_key(&r, 900, key);
        if (keyspace_peek(&c, key, klen) && prng_below(&r, 3) == 0)
            keyspace_delete(&c, key, klen);
        else
            keyspace_set(&c, kv_new_string(key, klen, "v", 1, -1), 0);
    }
    cr_assert_eq(slot_index_verify(), 0);
    /* the lists before, per slot */
    keylist *before = calloc(CLUSTER_SLOTS, sizeof(keylist));
    for (unsigned s = 0; s < CLUSTER_SLOTS; s++)
        slot_index_keys(s, UINT64_MAX, collect, &before[s]);

    bytebuf snap;
    bytebuf_init(&snap);
    snapshot_serialize(&g_server, &snap);
    cr_assert_eq(snapshot_load(&g_server, (const char *)snap.data, snap.len), 0);
    cr_assert_eq(slot_index_enabled(), 1);
    cr_assert_eq(slot_index_verify(), 0);
    for (unsigned s = 0; s < CLUSTER_SLOTS; s++) {
        keylist after = {0};
        slot_index_keys(s, UINT64_MAX, collect, &after);
        cr_assert_eq(after.n, before[s].n, "slot %u", s);
        cr_assert_eq(slot_index_count(s), before[s].n);
        for (size_t i = 0; i < after.n; i++)
            cr_assert(after.lens[i] == before[s].lens[i] &&
                          memcmp(after.keys[i], before[s].keys[i], after.lens[i]) == 0,
                      "slot %u key %zu differs after reload", s, i);
        keylist_free(&after);
        keylist_free(&before[s]);
    }
    free(before);
    /* and the reloaded index keeps working */
    for (int i = 0; i < 2000; i++) {
        size_t klen = make_key(&r, 900, key);
        if (keyspace_peek(&c, key, klen))
            keyspace_delete(&c, key, klen);
        else
            keyspace_add(&c, kv_new_string(key, klen, "v", 1, -1));
    }
    cr_assert_eq(slot_index_verify(), 0);
    bytebuf_free(&snap);
}
