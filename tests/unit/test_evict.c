/* Unit tests for node/evict.c (every maxmemory policy picks the right victims; limits,
 * noeviction and time budget) and node/expire.c (the active expiry cycle reclaims
 * expired keys and only those, across databases and sparse layouts).
 *
 * Both only propose deletions; dispatch_propose_deletes applies them here, so these
 * tests check the keyspace after the proposals. maxmemory is set relative to the
 * current rd_used_memory() to force a precise amount of eviction. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "evict.h"
#include "expire.h"
#include "keyspace.h"
#include "kv.h"
#include "mem.h"
#include "server.h"
#include "test_support.h"

#define NOW 1700000000000LL       /* entry time used for additions */
#define FAR 4000000000000LL         /* a deadline that stays in the future (2096) */
#define PAST 1000LL               /* a deadline long gone, whatever the apply time */

static prng test_rng;

static void setup(void)
{
    test_server_init();
    g_server.last_entry_ms = NOW;
    /* No eviction time limit: the default (tenacity 10, ~500us) made these tests depend
     * on the machine's load (a loaded ASan run stopped early, above maxmemory). The
     * time-budget test sets its own. */
    g_server.cfg.maxmemory_eviction_tenacity = 100;
    prng_seed(&test_rng, 1);
    expire_cycle_reset();
}

static void teardown(void)
{
    test_server_free();
}

TestSuite(evict, .init = setup, .fini = teardown);
TestSuite(expire, .init = setup, .fini = teardown);

static exec_ctx ctx_db(int dbid)
{
    exec_ctx c;
    memset(&c, 0, sizeof(c));
    c.srv = &g_server;
    c.db = &g_server.dbs[dbid];
    c.now_ms = NOW;
    c.rng = &test_rng;
    c.flags = EXEC_MAY_MUTATE;
    return c;
}

static kv *add_key(int dbid, const char *key, int64_t expire)
{
    exec_ctx c = ctx_db(dbid);
    kv *v = kv_new_string(key, strlen(key), "some-16B-value!!", 16, expire);
    keyspace_add(&c, v);
    return v;
}

static int exists(int dbid, const char *key)
{
    return kvtable_find(&g_server.dbs[dbid].table, key, strlen(key), NULL) != NULL;
}

/* Sets maxmemory so that just over `bytes` must be freed. */
static void over_limit_by(size_t bytes)
{
    cr_assert_gt(rd_used_memory(), bytes);
    g_server.cfg.maxmemory = rd_used_memory() - bytes;
}

static size_t total_keys(void)
{
    size_t n = 0;
    for (int i = 0; i < SERVER_DBNUM_MAX; i++)
        n += db_size(&g_server.dbs[i]);
    return n;
}

/* ---- policy names --------------------------------------------------------------- */

Test(evict, policy_names_round_trip)
{
    const char *names[] = {"noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random",
                           "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"};
    for (int i = 0; i < 8; i++) {
        int p = evict_policy_from_name(names[i]);
        cr_assert_geq(p, 0);
        cr_assert_str_eq(evict_policy_name(p), names[i]);
    }
    cr_assert_eq(evict_policy_from_name("ALLKEYS-LRU"), MAXMEMORY_ALLKEYS_LRU);
    cr_assert_eq(evict_policy_from_name("volatile-ttl"), MAXMEMORY_VOLATILE_TTL);
    cr_assert_eq(evict_policy_from_name("lru"), -1);
    cr_assert_eq(evict_policy_from_name(""), -1);
    cr_assert(evict_policy_is_lfu(MAXMEMORY_VOLATILE_LFU));
    cr_assert_not(evict_policy_is_lfu(MAXMEMORY_ALLKEYS_LRU));
}

/* ---- limits ----------------------------------------------------------------------- */

Test(evict, no_limit_or_under_limit_is_ok)
{
    add_key(0, "a", -1);
    g_server.cfg.maxmemory_policy = MAXMEMORY_NOEVICTION;
    g_server.cfg.maxmemory = 0;
    cr_assert_eq(evict_if_needed(&g_server, NOW), 0);
    g_server.cfg.maxmemory = rd_used_memory() + 1000;
    cr_assert_eq(evict_if_needed(&g_server, NOW), 0);
    g_server.cfg.maxmemory_policy = MAXMEMORY_ALLKEYS_RANDOM;
    cr_assert_eq(evict_if_needed(&g_server, NOW), 0);
    cr_assert(exists(0, "a"));
}

Test(evict, noeviction_refuses)
{
    add_key(0, "a", -1);
    add_key(0, "b", FAR);
    over_limit_by(1);
    cr_assert_eq(evict_if_needed(&g_server, NOW), -1);
    cr_assert_eq(total_keys(), 2);
}

/* ---- volatile-ttl ----------------------------------------------------------------- */

Test(evict, volatile_ttl_picks_soonest_deadlines_first)
{
    char key[32];
    for (int i = 0; i < 200; i++) {
        snprintf(key, sizeof(key), "plain:%d", i);
        add_key(0, key, -1);
    }
    /* Deadlines inserted in a scrambled order. */
    int order[10] = {7, 2, 9, 0, 5, 3, 8, 1, 6, 4};
    for (int i = 0; i < 10; i++) {
        snprintf(key, sizeof(key), "ttl:%d", order[i]);
        add_key(0, key, FAR + order[i] * 1000);
    }
    g_server.cfg.maxmemory_policy = MAXMEMORY_VOLATILE_TTL;
    g_server.cfg.maxmemory_samples = 64;
    for (int expect = 0; expect < 4; expect++) {
        over_limit_by(1);
        cr_assert_eq(evict_if_needed(&g_server, NOW), 0);
        snprintf(key, sizeof(key), "ttl:%d", expect);
        cr_assert_not(exists(0, key), "eviction %d should remove %s", expect, key);
        cr_assert_eq(total_keys(), 210 - (size_t)expect - 1);
    }
    cr_assert_eq(g_server.stats.evicted_keys, 4);
    cr_assert_eq(g_server.dbs[0].expires, 6);
}

Test(evict, volatile_ttl_across_databases)
{
    add_key(0, "db0-late", FAR + 5000);
    add_key(5, "db5-soon", FAR + 10);
    add_key(5, "db5-plain", -1);
    add_key(9, "db9-mid", FAR + 2000);
    g_server.cfg.maxmemory_policy = MAXMEMORY_VOLATILE_TTL;
    over_limit_by(1);
    cr_assert_eq(evict_if_needed(&g_server, NOW), 0);
    cr_assert_not(exists(5, "db5-soon"));
    cr_assert(exists(0, "db0-late"));
    cr_assert(exists(9, "db9-mid"));
    over_limit_by(1);
    cr_assert_eq(evict_if_needed(&g_server, NOW), 0);
    cr_assert_not(exists(9, "db9-mid"));
    cr_assert(exists(5, "db5-plain"));
}

/* ---- volatile-* ignore keys without TTL -------------------------------------------- */

static void volatile_policy_only_takes_ttl_keys(int policy)
{
    char key[32];
    for (int i = 0; i < 3000; i++) {
        snprintf(key, sizeof(key), "plain:%d", i);
        add_key(0, key, -1);
    }
    for (int i = 0; i < 20; i++) {
        snprintf(key, sizeof(key), "vol:%d", i);
        add_key(0, key, FAR + i);
    }
    g_server.cfg.maxmemory_policy = policy;
    /* More than the volatile keys hold: all 20 go, then nothing is evictable. */
    over_limit_by(20 * 64 + 4096);
    int rc = 0;
    for (int i = 0; i < 100 && rc == 0; i++)
        rc = evict_if_needed(&g_server, NOW);
    cr_assert_eq(rc, -1, "over the limit with nothing volatile left");
    cr_assert_eq(g_server.dbs[0].expires, 0);
    cr_assert_eq(db_size(&g_server.dbs[0]), 3000, "keys without TTL are never evicted");
    for (int i = 0; i < 3000; i++) {
        snprintf(key, sizeof(key), "plain:%d", i);
        cr_assert(exists(0, key));
    }
}

Test(evict, volatile_lru_ignores_persistent_keys) { volatile_policy_only_takes_ttl_keys(MAXMEMORY_VOLATILE_LRU); }
Test(evict, volatile_lfu_ignores_persistent_keys) { volatile_policy_only_takes_ttl_keys(MAXMEMORY_VOLATILE_LFU); }
Test(evict, volatile_random_ignores_persistent_keys) { volatile_policy_only_takes_ttl_keys(MAXMEMORY_VOLATILE_RANDOM); }
Test(evict, volatile_ttl_ignores_persistent_keys) { volatile_policy_only_takes_ttl_keys(MAXMEMORY_VOLATILE_TTL); }

Test(evict, volatile_with_sparse_ttls_still_finds_them)
{
    char key[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof(key), "plain:%d", i);
        add_key(0, key, -1);
        if (i == 12345)
            add_key(0, "the-only-volatile", FAR);
    }
    g_server.cfg.maxmemory_policy = MAXMEMORY_VOLATILE_LRU;
    over_limit_by(1);
    cr_assert_eq(evict_if_needed(&g_server, NOW), 0);
    cr_assert_not(exists(0, "the-only-volatile"));
    cr_assert_eq(db_size(&g_server.dbs[0]), 20000);
}

/* ---- LRU / LFU choose the idle / rare keys ----------------------------------------- */

Test(evict, allkeys_lru_evicts_idle_keys)
{
    g_server.cfg.maxmemory_policy = MAXMEMORY_ALLKEYS_LRU;
    g_server.cfg.maxmemory_samples = 64;
    char key[32];
    for (int i = 0; i < 20; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        kv *v = add_key(0, key, -1);
        /* k3, k8, k13, k18 were last used 1000 s ago (k18 longest), the rest now. */
        if (i % 5 == 3)
            v->lru = keyspace_lru_clock(NOW - 1000000 - i * 1000);
        else
            v->lru = keyspace_lru_clock(NOW);
    }
    const char *expect[] = {"k18", "k13", "k8", "k3"};
    for (int i = 0; i < 4; i++) {
        over_limit_by(1);
        cr_assert_eq(evict_if_needed(&g_server, NOW), 0);
        cr_assert_not(exists(0, expect[i]), "eviction %d should remove %s", i, expect[i]);
    }
    cr_assert_eq(db_size(&g_server.dbs[0]), 16);
}

Test(evict, allkeys_lfu_evicts_rare_keys)
{
    g_server.cfg.maxmemory_policy = MAXMEMORY_ALLKEYS_LFU;
    g_server.cfg.maxmemory_samples = 64;
    uint32_t minutes = (uint32_t)((NOW / 60000) & 65535);
    char key[32];
    for (int i = 0; i < 20; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        kv *v = add_key(0, key, -1);
        unsigned counter = (i % 5 == 1) ? (unsigned)(i / 5) : 100; /* k1 k6 k11 k16 rare */
        v->lru = (minutes << 8) | counter;
    }
    const char *expect[] = {"k1", "k6", "k11", "k16"};
    for (int i = 0; i < 4; i++) {
        over_limit_by(1);
        cr_assert_eq(evict_if_needed(&g_server, NOW), 0);
        cr_assert_not(exists(0, expect[i]), "eviction %d should remove %s", i, expect[i]);
    }
    cr_assert_eq(db_size(&g_server.dbs[0]), 16);
}

Test(evict, allkeys_random_frees_enough_and_stops)
{
    g_server.cfg.maxmemory_policy = MAXMEMORY_ALLKEYS_RANDOM;
    char key[32];
    /* Same-size keys (allocation sizes are exact under ASan), spread over 3 dbs. */
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "r%04d", i);
        add_key(i % 3, key, -1);
    }
    size_t per_key = kv_memory_usage(kvtable_find(&g_server.dbs[0].table, "r0000", 5, NULL));
    over_limit_by(per_key * 10);
    cr_assert_eq(evict_if_needed(&g_server, NOW), 0);
    cr_assert_leq(rd_used_memory(), g_server.cfg.maxmemory);
    size_t left = total_keys();
    cr_assert(left >= 1000 - 11 && left <= 1000 - 10, "evicted %zu keys", 1000 - left);
    cr_assert_eq(g_server.stats.evicted_keys, (long long)(1000 - left));
    for (int d = 0; d < 3; d++)
        cr_assert_lt(db_size(&g_server.dbs[d]), 334, "victims come from every db (round robin)");
}

Test(evict, allkeys_random_keeps_expires_exact)
{
    g_server.cfg.maxmemory_policy = MAXMEMORY_ALLKEYS_RANDOM;
    char key[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "r%d", i);
        add_key(i % 3, key, i % 2 ? FAR : -1);
    }
    over_limit_by(5000);
    cr_assert_eq(evict_if_needed(&g_server, NOW), 0);
    cr_assert_leq(rd_used_memory(), g_server.cfg.maxmemory);
    for (int d = 0; d < 3; d++) {
        size_t ttl = 0;
        for (size_t p = 0; p < g_server.dbs[d].table.used; p++) {
            const kv *v = kvtable_at(&g_server.dbs[d].table, p);
            if (v && kv_expire(v) >= 0)
                ttl++;
        }
        cr_assert_eq(g_server.dbs[d].expires, ttl);
    }
}

Test(evict, everything_evictable_then_fail)
{
    g_server.cfg.maxmemory_policy = MAXMEMORY_ALLKEYS_LRU;
    char key[32];
    for (int i = 0; i < 50; i++) {
        snprintf(key, sizeof(key), "e%d", i);
        add_key(0, key, -1);
    }
    g_server.cfg.maxmemory = 1; /* impossible */
    int rc = 0;
    for (int i = 0; i < 20 && rc == 0; i++)
        rc = evict_if_needed(&g_server, NOW);
    cr_assert_eq(rc, -1);
    cr_assert_eq(total_keys(), 0);
    cr_assert_eq(g_server.stats.evicted_keys, 50);
}

Test(evict, time_budget_returns_after_progress)
{
    g_server.cfg.maxmemory_policy = MAXMEMORY_ALLKEYS_RANDOM;
    g_server.cfg.maxmemory_eviction_tenacity = 0; /* no time at all: stop at the first check */
    char key[32];
    for (int i = 0; i < 500; i++) {
        snprintf(key, sizeof(key), "t%d", i);
        add_key(0, key, -1);
    }
    g_server.cfg.maxmemory = 1;
    cr_assert_eq(evict_if_needed(&g_server, NOW), 0, "progress made: the caller may go on");
    size_t left = total_keys();
    cr_assert_eq(left, 500 - 16, "one batch of 16 before the time check");
}

/* ---- active expiry ---------------------------------------------------------------- */

static void run_cycles(int max_cycles, int64_t now)
{
    for (int i = 0; i < max_cycles; i++) {
        int pending = 0;
        for (int d = 0; d < SERVER_DBNUM_MAX; d++) {
            const db *db = &g_server.dbs[d];
            for (size_t p = 0; p < db->table.used && !pending; p++) {
                const kv *v = kvtable_at(&db->table, p);
                if (v && kv_expire(v) >= 0 && kv_expire(v) <= now)
                    pending = 1;
            }
        }
        if (!pending)
            return;
        expire_active_cycle(&g_server, now, 1);
    }
}

Test(expire, reclaims_expired_keys_only)
{
    char key[32];
    for (int i = 0; i < 3000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        int64_t ttl = i % 3 == 0 ? PAST : (i % 3 == 1 ? -1 : FAR);
        add_key(0, key, ttl);
    }
    cr_assert_eq(g_server.dbs[0].expires, 2000);
    run_cycles(1000, NOW);
    cr_assert_eq(db_size(&g_server.dbs[0]), 2000);
    cr_assert_eq(g_server.dbs[0].expires, 1000);
    cr_assert_eq(g_server.stats.expired_keys, 1000);
    for (int i = 0; i < 3000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        cr_assert_eq(exists(0, key), i % 3 != 0, "%s", key);
    }
    cr_assert_gt(expire_avg_ttl(0), 0);
}

Test(expire, sparse_expired_keys_in_a_big_table)
{
    char key[32];
    for (int i = 0; i < 30000; i++) {
        snprintf(key, sizeof(key), "p%d", i);
        add_key(0, key, (i % 600 == 17) ? PAST : -1);
    }
    cr_assert_eq(g_server.dbs[0].expires, 50);
    run_cycles(5000, NOW);
    cr_assert_eq(g_server.dbs[0].expires, 0);
    cr_assert_eq(db_size(&g_server.dbs[0]), 30000 - 50);
}

Test(expire, every_database)
{
    char key[32];
    for (int d = 0; d < SERVER_DBNUM_MAX; d += 5) {
        for (int i = 0; i < 100; i++) {
            snprintf(key, sizeof(key), "d%d:%d", d, i);
            add_key(d, key, i < 60 ? PAST : FAR);
        }
    }
    run_cycles(1000, NOW);
    for (int d = 0; d < SERVER_DBNUM_MAX; d += 5) {
        cr_assert_eq(db_size(&g_server.dbs[d]), 40, "db %d", d);
        cr_assert_eq(g_server.dbs[d].expires, 40);
    }
}

Test(expire, deadline_equal_to_now_is_expired)
{
    add_key(0, "edge", NOW);
    add_key(0, "later", NOW + 1);
    expire_active_cycle(&g_server, NOW, 1);
    cr_assert_not(exists(0, "edge"));
    cr_assert(exists(0, "later"));
}

Test(expire, fast_cycle_idle_when_nothing_is_stale)
{
    char key[32];
    for (int i = 0; i < 100; i++) {
        snprintf(key, sizeof(key), "f%d", i);
        add_key(0, key, PAST);
    }
    expire_active_cycle(&g_server, NOW, 0); /* fresh estimates: the fast cycle skips */
    cr_assert_eq(db_size(&g_server.dbs[0]), 100);
    expire_active_cycle(&g_server, NOW, 1);
    cr_assert_eq(db_size(&g_server.dbs[0]), 0);
    expire_cycle_stats st;
    expire_cycle_stats_get(&st);
    cr_assert_gt(st.stale_perc, 0.0);
    cr_assert_geq(st.cycle_time_used_us, 0);
}
