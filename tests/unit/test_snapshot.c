/* Unit tests for node/snapshot.c: the snapshot format and the fork-based taking.
 *   - round trip: databases with every string encoding, TTLs, LRU values, holes left by
 *     deletes, empty databases whose next_seq moved, collections of every registered
 *     type (built through their commands), last_entry_ms: serialize, load into an empty
 *     server, the dense layout / seqs / values / TTLs are identical, and serializing the
 *     loaded state gives the same bytes;
 *   - loading refuses garbage, every truncation, bit flips, and (with a valid checksum)
 *     structural corruption, never crashes, and leaves the state empty when it refuses;
 *   - the raft glue: fsm->snapshot forks, the wrapped snapshot_put is held until the
 *     child is done and then receives exactly the state at the time of the snapshot
 *     call, although the live state changed meanwhile; closing the io with a put held
 *     cancels it; restore takes ownership of the buffer;
 *   - timings (printed, not asserted): loop-thread time of a snapshot versus in-line
 *     serialization. REDRAFT_SNAPSHOT_BENCH=1 runs the big sizes (1M strings, 100k
 *     hashes). */
#include <criterion/criterion.h>
#include <raft.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <uv.h>

#include "mem.h"
#include "members.h"
#include "snapshot.h"
#include "test_cmd_runner.h"

static void setup(void)
{
    cmd_runner_setup(7);
    run_arity = RUN_ARITY_UNCHECKED; /* build_state runs "rpush biglist" without elements */
    g_server.last_entry_ms = 0;
}

TestSuite(snapshot, .init = setup, .fini = cmd_runner_teardown);

/* Runs a command as a write inside apply on db dbid; returns 0 if the command does not
 * exist in this build (collection types are added by other changes). */
static int cmdv(int dbid, const char *first, ...)
{
    rd_arg argv[RUN_MAX_ARGS];
    va_list ap;
    va_start(ap, first);
    int argc = run_collect(argv, first, ap);
    va_end(ap);
    int unknown_sub = 0;
    if (!command_lookup(argv, argc, &unknown_sub))
        return 0;
    run_argv(dbid, NOW, EXEC_MAY_MUTATE, &writer, argv, argc);
    return 1;
}

static exec_ctx ctx_for(int dbid)
{
    return run_ctx(dbid, NOW, EXEC_MAY_MUTATE, &writer);
}

static void add_str(int dbid, const char *key, const char *val, int64_t exp)
{
    exec_ctx c = ctx_for(dbid);
    kv *v = kv_new_string(key, strlen(key), val, strlen(val), exp);
    keyspace_set(&c, v, 0);
}

static void del_key(int dbid, const char *key)
{
    exec_ctx c = ctx_for(dbid);
    keyspace_delete(&c, key, strlen(key));
}

/* Which collection types this build has (their ops registered and their command). */
static int have_type(int type, const char *cmd)
{
    return kv_type_get_ops(type) && command_lookup_name(cmd, strlen(cmd));
}

/* A state exercising everything the format knows. */
static void build_state(void)
{
    char k[64], v[256];
    /* db 0: strings of every encoding, TTLs, holes in the middle (not trailing) */
    for (int i = 0; i < 200; i++) {
        snprintf(k, sizeof(k), "key:%d", i);
        switch (i % 4) {
        case 0: snprintf(v, sizeof(v), "%d", i * 1000 - 77); break;     /* int */
        case 1: snprintf(v, sizeof(v), "short value %d", i); break;     /* embstr */
        case 2:
            memset(v, 'a' + i % 26, 100);
            v[100] = '\0';
            break;                                                      /* raw */
        default: snprintf(v, sizeof(v), "%s", ""); break;               /* empty */
        }
        add_str(0, k, v, i % 3 == 0 ? NOW + 1000 * i : -1);
    }
    for (int i = 10; i < 150; i += 3) {
        snprintf(k, sizeof(k), "key:%d", i);
        del_key(0, k);
    }
    /* a RAW string whose text is an integer, and binary bytes */
    {
        exec_ctx c = ctx_for(0);
        kv *x = kv_new_string("rawint", 6, "", 0, -1);
        x = kv_string_write_at(x, 0, "12345", 5);
        keyspace_set(&c, x, 0);
        kv *y = kv_new_string("bin", 3, "a\0b\r\n\xff", 6, NOW + 5);
        keyspace_set(&c, y, 0);
        y = kvtable_find(&c.db->table, "bin", 3, NULL);
        y->lru = 0xABCDEF;
        kv *z = kv_new_string_ll("negint", 6, -9223372036854775807LL - 1, -1);
        keyspace_set(&c, z, 0);
    }
    /* an expired-but-stored key is state too */
    add_str(0, "expired", "x", NOW - 10);

    /* db 2: all deleted -> empty table, next_seq moved on */
    for (int i = 0; i < 5; i++) {
        snprintf(k, sizeof(k), "gone:%d", i);
        add_str(2, k, "v", -1);
    }
    for (int i = 0; i < 5; i++) {
        snprintf(k, sizeof(k), "gone:%d", i);
        del_key(2, k);
    }
    /* db 5: collections of every registered type, with holes between them */
    add_str(5, "s1", "one", -1);
    if (have_type(OBJ_LIST, "rpush")) {
        cmdv(5, "rpush", "list", "a", "b", "c", "1", "2", NULL);
        cmdv(5, "rpush", "biglist", NULL);
        for (int i = 0; i < 300; i++) {
            snprintf(v, sizeof(v), "element-%d", i);
            cmdv(5, "rpush", "biglist", v, NULL);
        }
    }
    if (have_type(OBJ_HASH, "hset")) {
        cmdv(5, "hset", "hash", "f1", "v1", "f2", "2", NULL);
        for (int i = 0; i < 300; i++) {
            snprintf(k, sizeof(k), "field-%d", i);
            snprintf(v, sizeof(v), "value-%d", i);
            cmdv(5, "hset", "bighash", k, v, NULL);
        }
        for (int i = 0; i < 300; i += 7) {
            snprintf(k, sizeof(k), "field-%d", i);
            cmdv(5, "hdel", "bighash", k, NULL);
        }
    }
    if (have_type(OBJ_SET, "sadd")) {
        cmdv(5, "sadd", "intset", "1", "2", "3", NULL);
        cmdv(5, "sadd", "set", "a", "b", "c", NULL);
        for (int i = 0; i < 300; i++) {
            snprintf(v, sizeof(v), "m%d", i);
            cmdv(5, "sadd", "bigset", v, NULL);
        }
    }
    if (have_type(OBJ_ZSET, "zadd")) {
        cmdv(5, "zadd", "zset", "1", "a", "2.5", "b", "-inf", "c", NULL);
        for (int i = 0; i < 300; i++) {
            snprintf(k, sizeof(k), "%d", i * 3);
            snprintf(v, sizeof(v), "z%d", i);
            cmdv(5, "zadd", "bigzset", k, v, NULL);
        }
    }
    add_str(5, "s2", "two", -1);
    del_key(5, "s1");
    g_server.last_entry_ms = NOW + 12345;

    /* the member table */
    members_clear();
    const char *nid1 = "0123456789abcdef0123456789abcdef01234567";
    const char *nid2 = "fedcba9876543210fedcba9876543210fedcba98";
    rd_arg m1[6] = {{"member-set", 10}, {"7", 1}, {nid1, 40}, {"10.0.0.1", 8}, {"6379", 4}, {"16379", 5}};
    rd_arg m2[6] = {{"member-set", 10}, {"3", 1}, {nid2, 40}, {"host.example", 12}, {"7000", 4}, {"17000", 5}};
    cr_assert_eq(members_apply(6, m1), 0);
    cr_assert_eq(members_apply(6, m2), 0);
}

static void assert_members(void)
{
    cr_assert_eq(members_count(), 2);
    cr_assert_eq(members_at(0)->raft_id, 7);
    cr_assert_eq(members_at(1)->raft_id, 3);
    cr_assert_str_eq(members_at(1)->host, "host.example");
    cr_assert_eq(members_at(1)->bus_port, 17000);
}

static server *new_empty_server(void)
{
    server *s = rd_calloc(1, sizeof(*s));
    for (int i = 0; i < SERVER_DBNUM_MAX; i++)
        db_init(&s->dbs[i], i);
    return s;
}

static void free_server(server *s)
{
    for (int i = 0; i < SERVER_DBNUM_MAX; i++)
        db_free(&s->dbs[i]);
    rd_free(s);
}

/* Same dense layout, seqs, keys, types, encodings, TTLs, LRU and string values. */
static void assert_same_state(server *a, server *b)
{
    cr_assert_eq(a->last_entry_ms, b->last_entry_ms);
    for (int i = 0; i < SERVER_DBNUM_MAX; i++) {
        db *x = &a->dbs[i], *y = &b->dbs[i];
        cr_assert_eq(x->next_seq, y->next_seq, "db %d next_seq", i);
        cr_assert_eq(x->table.used, y->table.used, "db %d used", i);
        cr_assert_eq(x->table.count, y->table.count, "db %d count", i);
        cr_assert_eq(x->expires, y->expires, "db %d expires", i);
        for (size_t p = 0; p < x->table.used; p++) {
            cr_assert_eq(kvtable_seq_at(&x->table, p), kvtable_seq_at(&y->table, p));
            kv *u = kvtable_at(&x->table, p), *v = kvtable_at(&y->table, p);
            cr_assert_eq(!u, !v, "db %d pos %zu: hole vs entry", i, p);
            if (!u)
                continue;
            cr_assert_eq(kv_keylen(u), kv_keylen(v));
            cr_assert(memcmp(kv_key(u), kv_key(v), kv_keylen(u)) == 0);
            cr_assert_eq(kv_type(u), kv_type(v));
            cr_assert_eq(kv_encoding(u), kv_encoding(v), "key %.*s", (int)kv_keylen(u), kv_key(u));
            cr_assert_eq(kv_expire(u), kv_expire(v));
            cr_assert_eq(u->lru, v->lru);
            cr_assert_eq(kvtable_find(&y->table, kv_key(u), kv_keylen(u), NULL), v);
            if (kv_type(u) == OBJ_STRING) {
                char b1[32], b2[32];
                const char *s1, *s2;
                size_t n1 = kv_string(u, b1, &s1), n2 = kv_string(v, b2, &s2);
                cr_assert_eq(n1, n2);
                cr_assert(memcmp(s1, s2, n1) == 0);
            } else {
                const kv_type_ops *ops = kv_type_get_ops(kv_type(u));
                bytebuf p1, p2;
                bytebuf_init(&p1);
                bytebuf_init(&p2);
                ops->save(kv_ptr(u), kv_encoding(u), &p1);
                ops->save(kv_ptr(v), kv_encoding(v), &p2);
                cr_assert_eq(p1.len, p2.len);
                cr_assert(p1.len == 0 || memcmp(p1.data, p2.data, p1.len) == 0);
                bytebuf_free(&p1);
                bytebuf_free(&p2);
            }
        }
    }
}

static int state_is_empty(server *s)
{
    for (int i = 0; i < SERVER_DBNUM_MAX; i++)
        if (s->dbs[i].table.used || s->dbs[i].table.count || s->dbs[i].next_seq != 1 ||
            s->dbs[i].expires)
            return 0;
    return s->last_entry_ms == 0 && members_count() == 0;
}

Test(snapshot, round_trip)
{
    build_state();
    /* the layout really has holes and a moved next_seq to reproduce */
    cr_assert_gt(g_server.dbs[0].table.used, g_server.dbs[0].table.count);
    cr_assert_eq(g_server.dbs[2].table.used, 0);
    cr_assert_gt(g_server.dbs[2].next_seq, 1);

    bytebuf a;
    bytebuf_init(&a);
    snapshot_serialize(&g_server, &a);
    server *s2 = new_empty_server();
    members_clear(); /* the table is process-wide: the load must bring it back */
    cr_assert_eq(snapshot_load(s2, a.data, a.len), 0);
    assert_same_state(&g_server, s2);
    assert_members();

    bytebuf b;
    bytebuf_init(&b);
    snapshot_serialize(s2, &b);
    cr_assert_eq(a.len, b.len);
    cr_assert(memcmp(a.data, b.data, a.len) == 0, "re-serialization differs");

    /* the loaded state behaves the same: random picks and further deletes */
    prng r1, r2;
    prng_seed(&r1, 99);
    prng_seed(&r2, 99);
    for (int i = 0; i < 50; i++) {
        size_t p1 = 0, p2 = 0;
        kvtable_random(&g_server.dbs[0].table, &r1, &p1);
        kvtable_random(&s2->dbs[0].table, &r2, &p2);
        cr_assert_eq(p1, p2);
    }
    /* loading over a non-empty state replaces it */
    cr_assert_eq(snapshot_load(s2, a.data, a.len), 0);
    assert_same_state(&g_server, s2);

    bytebuf_free(&a);
    bytebuf_free(&b);
    free_server(s2);
}

Test(snapshot, empty_state_round_trip)
{
    bytebuf a;
    bytebuf_init(&a);
    snapshot_serialize(&g_server, &a);
    /* loading the empty snapshot over a full state empties it */
    build_state();
    bytebuf full;
    bytebuf_init(&full);
    snapshot_serialize(&g_server, &full);
    server *s2 = new_empty_server();
    cr_assert_eq(snapshot_load(s2, full.data, full.len), 0);
    cr_assert(!state_is_empty(s2));
    cr_assert_eq(snapshot_load(s2, a.data, a.len), 0);
    cr_assert(state_is_empty(s2));
    bytebuf_free(&a);
    bytebuf_free(&full);
    free_server(s2);
}

Test(snapshot, garbage_refused)
{
    build_state();
    bytebuf a;
    bytebuf_init(&a);
    snapshot_serialize(&g_server, &a);
    server *s2 = new_empty_server();

    /* plain garbage and empty input */
    cr_assert_eq(snapshot_load(s2, NULL, 0), -1);
    cr_assert_eq(snapshot_load(s2, "", 0), -1);
    char junk[4096];
    prng r;
    prng_seed(&r, 3);
    for (int round = 0; round < 200; round++) {
        size_t n = (size_t)prng_below(&r, sizeof(junk));
        for (size_t i = 0; i < n; i++)
            junk[i] = (char)prng_next(&r);
        cr_assert_eq(snapshot_load(s2, junk, n), -1);
        cr_assert(state_is_empty(s2));
    }
    /* every truncation (exact-size copies so a sanitizer build sees overreads) */
    for (size_t n = 0; n < a.len; n += (n < 512 || a.len - n < 512) ? 1 : 37) {
        char *cut = rd_malloc(n ? n : 1);
        memcpy(cut, a.data, n);
        cr_assert_eq(snapshot_load(s2, cut, n), -1, "truncation to %zu accepted", n);
        cr_assert(state_is_empty(s2));
        rd_free(cut);
    }
    /* single bit flips are caught */
    char *copy = rd_malloc(a.len);
    for (int round = 0; round < 300; round++) {
        memcpy(copy, a.data, a.len);
        size_t at = (size_t)prng_below(&r, a.len);
        copy[at] ^= (char)(1 << prng_below(&r, 8));
        cr_assert_eq(snapshot_load(s2, copy, a.len), -1);
        cr_assert(state_is_empty(s2));
    }
    /* corruption behind a valid checksum: refused or loaded, never a crash, and a
     * refusal leaves the state empty */
    int refused = 0;
    for (int round = 0; round < 2000; round++) {
        memcpy(copy, a.data, a.len);
        int flips = 1 + (int)prng_below(&r, 4);
        for (int f = 0; f < flips; f++)
            copy[prng_below(&r, a.len - 8)] = (char)prng_next(&r);
        uint64_t sum = snapshot_checksum(copy, a.len - 8);
        for (int i = 0; i < 8; i++)
            copy[a.len - 8 + i] = (char)(sum >> (8 * i));
        if (snapshot_load(s2, copy, a.len) != 0) {
            refused++;
            cr_assert(state_is_empty(s2));
        }
    }
    cr_assert_gt(refused, 0);
    /* trailing bytes after the end section are refused */
    char *longer = rd_malloc(a.len + 1);
    memcpy(longer, a.data, a.len - 8);
    longer[a.len - 8] = 'E';
    uint64_t sum = snapshot_checksum(longer, a.len - 7);
    for (int i = 0; i < 8; i++)
        longer[a.len - 7 + i] = (char)(sum >> (8 * i));
    cr_assert_eq(snapshot_load(s2, longer, a.len + 1), -1);
    rd_free(longer);

    rd_free(copy);
    bytebuf_free(&a);
    free_server(s2);
}

/* ---- raft glue with a test double for raft_uv's raft_io --------------------------- */

static bytebuf put_bytes;
static int put_calls, put_cb_status = -999, close_calls;
static struct raft_fsm fsm;
static struct raft_snapshot snap;

static int fake_put(struct raft_io *io, unsigned trailing, struct raft_io_snapshot_put *req,
                    const struct raft_snapshot *s, raft_io_snapshot_put_cb cb)
{
    (void)io;
    (void)trailing;
    put_calls++;
    for (unsigned i = 0; i < s->n_bufs; i++)
        bytebuf_append(&put_bytes, s->bufs[i].base, s->bufs[i].len);
    cb(req, 0); /* synchronously: snapshot.c must cope */
    return 0;
}

static void fake_close(struct raft_io *io, raft_io_close_cb cb)
{
    (void)io;
    (void)cb;
    close_calls++;
}

/* What raft's takeSnapshotCb does with our buffers. */
static void put_done(struct raft_io_snapshot_put *req, int status)
{
    (void)req;
    put_cb_status = status;
    fsm.snapshot_finalize(&fsm, &snap.bufs, &snap.n_bufs);
}

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct raft_io fake_io;

static void glue_setup(void)
{
    setup();
    g_server.loop = uv_default_loop();
    memset(&fake_io, 0, sizeof(fake_io));
    fake_io.snapshot_put = fake_put;
    fake_io.close = fake_close;
    memset(&fsm, 0, sizeof(fsm));
    snapshot_fill_fsm(&fsm);
    bytebuf_init(&put_bytes);
    put_calls = close_calls = 0;
    put_cb_status = -999;
}

static void glue_teardown(void)
{
    snapshot_shutdown();
    uv_run(uv_default_loop(), UV_RUN_NOWAIT);
    bytebuf_free(&put_bytes);
    cmd_runner_teardown();
}

/* Runs the loop until the held put completed (or a 30 s guard). */
static void run_until_put(void)
{
    int64_t deadline = mono_us() + 30 * 1000000LL;
    while (put_cb_status == -999 && mono_us() < deadline)
        uv_run(g_server.loop, UV_RUN_ONCE);
}

/* Takes a snapshot through the raft interface; returns the loop-thread time of the
 * snapshot call itself (µs). */
static int64_t take_snapshot(struct raft_io *io)
{
    memset(&snap, 0, sizeof(snap));
    snap.index = 100;
    int64_t t0 = mono_us();
    cr_assert_eq(fsm.snapshot(&fsm, &snap.bufs, &snap.n_bufs), 0);
    int64_t t = mono_us() - t0;
    static struct raft_io_snapshot_put req;
    cr_assert_eq(io->snapshot_put(io, 10, &req, &snap, put_done), 0);
    return t;
}

TestSuite(snapshot_glue, .init = glue_setup, .fini = glue_teardown);

Test(snapshot_glue, fork_put_sees_state_at_snapshot_time)
{
    struct raft_io *io = snapshot_wrap_io(&fake_io);
    cr_assert_eq(io, &fake_io, "wrapped in place");
    cr_assert_eq(fsm.version, 2);
    build_state();
    bytebuf expect;
    bytebuf_init(&expect);
    snapshot_serialize(&g_server, &expect);

    take_snapshot(io);
    cr_assert_eq(put_calls, 0, "the put must wait for the child");
    cr_assert(snapshot_get_stats()->in_progress);
    /* the live state moves on while the child serializes */
    add_str(0, "after-snapshot", "1", -1);
    del_key(0, "key:1");
    g_server.last_entry_ms++;

    run_until_put();
    cr_assert_eq(put_cb_status, 0);
    cr_assert_eq(put_calls, 1);
    cr_assert_eq(put_bytes.len, expect.len);
    cr_assert(memcmp(put_bytes.data, expect.data, expect.len) == 0);
    cr_assert_null(snap.bufs, "finalize released the buffers");
    const snapshot_stats *st = snapshot_get_stats();
    cr_assert_eq(st->taken, 1);
    cr_assert_eq(st->last_bytes, (long long)expect.len);
    cr_assert_eq(st->in_progress, 0);

    /* a second snapshot works too, and sees the new state */
    bytebuf_clear(&expect);
    snapshot_serialize(&g_server, &expect);
    bytebuf_clear(&put_bytes);
    put_cb_status = -999;
    take_snapshot(io);
    run_until_put();
    cr_assert_eq(put_cb_status, 0);
    cr_assert_eq(put_bytes.len, expect.len);
    cr_assert(memcmp(put_bytes.data, expect.data, expect.len) == 0);
    cr_assert_eq(snapshot_get_stats()->taken, 2);

    /* restore (as raft_start / InstallSnapshot call it) reproduces the state and takes
     * the buffer */
    server *orig = new_empty_server();
    cr_assert_eq(snapshot_load(orig, expect.data, expect.len), 0);
    struct raft_buffer rb = {raft_malloc(expect.len), expect.len};
    memcpy(rb.base, expect.data, expect.len);
    add_str(7, "junk", "x", -1);
    cr_assert_eq(fsm.restore(&fsm, &rb), 0);
    assert_same_state(orig, &g_server);
    free_server(orig);
    bytebuf_free(&expect);
}

static void install_done(struct raft_io_snapshot_put *req, int status)
{
    (void)req;
    put_cb_status = status;
}

Test(snapshot_glue, install_puts_pass_through)
{
    struct raft_io *io = snapshot_wrap_io(&fake_io);
    static struct raft_io_snapshot_put req;
    struct raft_buffer b = {(void *)"abcdefgh", 8};
    struct raft_snapshot s;
    memset(&s, 0, sizeof(s));
    s.bufs = &b;
    s.n_bufs = 1;
    cr_assert_eq(io->snapshot_put(io, 0, &req, &s, install_done), 0);
    cr_assert_eq(put_calls, 1);
    cr_assert_eq(put_cb_status, 0);
    cr_assert_eq(put_bytes.len, 8);
    cr_assert(memcmp(put_bytes.data, "abcdefgh", 8) == 0);
}

Test(snapshot_glue, close_cancels_a_held_put)
{
    struct raft_io *io = snapshot_wrap_io(&fake_io);
    build_state();
    take_snapshot(io);
    cr_assert_eq(put_calls, 0);
    io->close(io, NULL);
    cr_assert_eq(put_cb_status, RAFT_CANCELED);
    cr_assert_eq(close_calls, 1);
    cr_assert_eq(put_calls, 0);
    cr_assert_null(snap.bufs);
    cr_assert_eq(snapshot_get_stats()->in_progress, 0);
}

Test(snapshot_glue, unwrapped_io_serializes_inline)
{
    /* raft_node forgot snapshot_wrap_io: still correct (blocking) */
    build_state();
    bytebuf expect;
    bytebuf_init(&expect);
    snapshot_serialize(&g_server, &expect);
    memset(&snap, 0, sizeof(snap));
    cr_assert_eq(fsm.snapshot(&fsm, &snap.bufs, &snap.n_bufs), 0);
    add_str(0, "after", "1", -1);
    cr_assert_eq(snap.n_bufs, 1);
    cr_assert_eq(snap.bufs[0].len, expect.len);
    cr_assert(memcmp(snap.bufs[0].base, expect.data, expect.len) == 0);
    fsm.snapshot_finalize(&fsm, &snap.bufs, &snap.n_bufs);
    cr_assert_null(snap.bufs);
    bytebuf_free(&expect);
}

Test(snapshot_glue, malformed_restore_refused)
{
    build_state();
    struct raft_buffer rb = {raft_malloc(64), 64};
    memset(rb.base, 'x', 64);
    cr_assert_neq(fsm.restore(&fsm, &rb), 0);
    raft_free(rb.base); /* not taken on failure */
    cr_assert(state_is_empty(&g_server));
}

/* ---- timings ---------------------------------------------------------------------- */

static void fill_strings(int n)
{
    exec_ctx c = ctx_for(0);
    char k[32], v[32];
    for (int i = 0; i < n; i++) {
        int kl = snprintf(k, sizeof(k), "key:%08d", i);
        int vl = snprintf(v, sizeof(v), "value-%d", i);
        keyspace_add(&c, kv_new_string(k, (size_t)kl, v, (size_t)vl, i % 10 ? -1 : NOW + i));
    }
}

static int fill_hashes(int n)
{
    if (!have_type(OBJ_HASH, "hset"))
        return 0;
    char k[32], f[8][16], v[8][16];
    for (int j = 0; j < 8; j++) {
        snprintf(f[j], sizeof(f[j]), "field%d", j);
        snprintf(v[j], sizeof(v[j]), "value%d", j);
    }
    for (int i = 0; i < n; i++) {
        snprintf(k, sizeof(k), "hash:%08d", i);
        cmdv(1, "hset", k, f[0], v[0], f[1], v[1], f[2], v[2], f[3], v[3], f[4], v[4],
             f[5], v[5], f[6], v[6], f[7], v[7], NULL);
    }
    return 1;
}

static void measure(const char *what)
{
    struct raft_io *io = snapshot_wrap_io(&fake_io);
    bytebuf b;
    bytebuf_init(&b);
    int64_t t0 = mono_us();
    snapshot_serialize(&g_server, &b);
    int64_t inline_us = mono_us() - t0;

    put_cb_status = -999;
    bytebuf_clear(&put_bytes);
    int64_t t1 = mono_us();
    int64_t fork_us = take_snapshot(io);
    run_until_put();
    int64_t total_us = mono_us() - t1;
    cr_assert_eq(put_cb_status, 0);
    cr_assert_eq(put_bytes.len, b.len);
    const snapshot_stats *st = snapshot_get_stats();

    server *s2 = new_empty_server();
    int64_t t2 = mono_us();
    cr_assert_eq(snapshot_load(s2, b.data, b.len), 0);
    int64_t load_us = mono_us() - t2;
    free_server(s2);

    fprintf(stderr,
            "snapshot timing [%s]: %zu bytes; in-line serialize %.1f ms; fork path: "
            "fork() %.2f ms, snapshot call %.2f ms, loop-thread total %.2f ms, "
            "request->written %.1f ms "
            "(includes the test double copying the bytes); load %.1f ms\n",
            what, b.len, inline_us / 1000.0, st->last_fork_us / 1000.0, fork_us / 1000.0,
            st->last_loop_block_us / 1000.0, total_us / 1000.0, load_us / 1000.0);
    bytebuf_free(&b);
}

Test(snapshot_glue, timing, .timeout = 600)
{
    int big = getenv("REDRAFT_SNAPSHOT_BENCH") != NULL;
    int nstr = big ? 1000000 : 100000;
    fill_strings(nstr);
    char what[64];
    snprintf(what, sizeof(what), "%d string keys", nstr);
    measure(what);
    int nhash = big ? 100000 : 10000;
    if (fill_hashes(nhash)) {
        snprintf(what, sizeof(what), "%d strings + %d hashes of 8 fields", nstr, nhash);
        measure(what);
    } else {
        fprintf(stderr, "snapshot timing: hashes not available in this build\n");
    }
}
