/* evict: maxmemory policies, victim selection and LRU/LFU access tracking (evict.h).
 *
 * Victim selection follows Redis (evict.c): the LRU, LFU and volatile-ttl policies
 * sample maxmemory-samples keys from every database into a pool of the EVICT_POOL_SIZE
 * best candidates seen so far (kept across calls) and evict the best one still present;
 * the random policies pick a random key, visiting the databases round robin. volatile-*
 * policies only consider keys with a TTL. Scores: idle milliseconds (LRU), 255 minus the
 * decayed counter (LFU), the inverted deadline (TTL): higher means evict first.
 *
 * Victims are not deleted here: they are proposed in small per-database batches through
 * dispatch_propose_deletes(PROPOSE_EVICTED). The amount freed is estimated from the
 * victims' sizes, so the loop also terminates when the deletions are applied later (the
 * Raft path); when they are applied at once, the real used memory ends it earlier.
 * The loop is bounded by maxmemory-eviction-tenacity's time limit, as in Redis.
 *
 * This runs on the leader only, outside command execution, so it uses its own PRNG and
 * the monotonic clock: no replica ever repeats these choices, they see the proposals. */
#include "evict.h"

#include <math.h>
#include <string.h>
#include <strings.h>

#include "bytebuf.h"
#include "dict.h"
#include "dispatch.h"
#include "keyspace.h"
#include "kvtable.h"
#include "mem.h"
#include "prng.h"
#include "raft_node.h"
#include "replicate.h"
#include "server.h"

#define EVICT_POOL_SIZE 16
#define EVICT_BATCH_MAX 16            /* keys per proposal */
#define EVICT_SAMPLES_MAX 64
#define EVICT_POPULATE_ROUNDS 8       /* pool refills without a usable candidate */
#define EVICT_PICK_RETRIES 8          /* random policies: draws that hit a batched key */
#define LFU_MINUTES_MASK 65535u

static const char *const policy_names[] = {
    [MAXMEMORY_NOEVICTION] = "noeviction",
    [MAXMEMORY_ALLKEYS_LRU] = "allkeys-lru",
    [MAXMEMORY_ALLKEYS_LFU] = "allkeys-lfu",
    [MAXMEMORY_ALLKEYS_RANDOM] = "allkeys-random",
    [MAXMEMORY_VOLATILE_LRU] = "volatile-lru",
    [MAXMEMORY_VOLATILE_LFU] = "volatile-lfu",
    [MAXMEMORY_VOLATILE_RANDOM] = "volatile-random",
    [MAXMEMORY_VOLATILE_TTL] = "volatile-ttl",
};
#define POLICY_COUNT ((int)(sizeof(policy_names) / sizeof(policy_names[0])))

/* One candidate of the eviction pool; key is a reusable buffer (its allocation moves
 * with the entry, and entries past `pool_len` keep theirs for reuse). */
typedef struct pool_entry {
    uint64_t score;
    int dbid;
    bytebuf key;
} pool_entry;

static pool_entry pool[EVICT_POOL_SIZE]; /* [0, pool_len): ascending score, best last */
static int pool_len;
static int pool_policy = -1;             /* scores are only comparable within a policy */

static prng evict_rng;                   /* sampling; leader-local */
static prng lfu_rng;                     /* LFU log increments; node-local */
static int rngs_seeded;

static unsigned next_random_db;          /* random policies: round-robin start */

/* Victims proposed through the log and not yet deleted (leader only): never proposed
 * twice, and their size counts as already freed. Key: db byte + key bytes; value: the
 * estimated bytes the deletion frees. */
static dict *proposed;
static size_t proposed_bytes;
static size_t volatile_scan_pos[SERVER_DBNUM_MAX]; /* sparse-TTL fallback cursors */

static void seed_rngs(void)
{
    if (rngs_seeded)
        return;
    prng_seed(&evict_rng, UINT64_C(0x6576696374696f6e)); /* "eviction" */
    prng_seed(&lfu_rng, UINT64_C(0x6c66752d636f756e));   /* "lfu-coun" */
    rngs_seeded = 1;
}

/* ---- policies ----------------------------------------------------------------------- */

const char *evict_policy_name(int policy)
{
    if (policy < 0 || policy >= POLICY_COUNT)
        return "unknown";
    return policy_names[policy];
}

int evict_policy_from_name(const char *name)
{
    for (int i = 0; i < POLICY_COUNT; i++)
        if (strcasecmp(name, policy_names[i]) == 0)
            return i;
    return -1;
}

int evict_policy_is_lfu(int policy)
{
    return policy == MAXMEMORY_ALLKEYS_LFU || policy == MAXMEMORY_VOLATILE_LFU;
}

static int policy_is_lru(int policy)
{
    return policy == MAXMEMORY_ALLKEYS_LRU || policy == MAXMEMORY_VOLATILE_LRU;
}

static int policy_is_allkeys(int policy)
{
    return policy == MAXMEMORY_ALLKEYS_LRU || policy == MAXMEMORY_ALLKEYS_LFU ||
           policy == MAXMEMORY_ALLKEYS_RANDOM;
}

static int policy_uses_pool(int policy)
{
    return policy_is_lru(policy) || evict_policy_is_lfu(policy) || policy == MAXMEMORY_VOLATILE_TTL;
}

/* ---- LRU / LFU ---------------------------------------------------------------------- */

static unsigned lfu_minutes(int64_t now_ms)
{
    return (unsigned)((now_ms / 60000) & LFU_MINUTES_MASK);
}

static unsigned lfu_elapsed_minutes(unsigned ldt, int64_t now_ms)
{
    unsigned now = lfu_minutes(now_ms);
    return now >= ldt ? now - ldt : LFU_MINUTES_MASK - ldt + now;
}

unsigned evict_lfu_counter(const server *s, uint32_t lru, int64_t now_ms)
{
    unsigned ldt = (lru >> 8) & LFU_MINUTES_MASK;
    unsigned counter = lru & 255;
    int decay = s->cfg.lfu_decay_time;
    unsigned periods = decay > 0 ? lfu_elapsed_minutes(ldt, now_ms) / (unsigned)decay : 0;
    if (periods)
        counter = periods > counter ? 0 : counter - periods;
    return counter;
}

static unsigned lfu_log_incr(const server *s, unsigned counter)
{
    if (counter >= 255)
        return 255;
    seed_rngs();
    double r = prng_double(&lfu_rng);
    double base = (double)counter - EVICT_LFU_INIT_VAL;
    if (base < 0)
        base = 0;
    double p = 1.0 / (base * s->cfg.lfu_log_factor + 1);
    return r < p ? counter + 1 : counter;
}

uint32_t evict_lru_initial(const server *s, int64_t now_ms)
{
    if (evict_policy_is_lfu(s->cfg.maxmemory_policy))
        return (lfu_minutes(now_ms) << 8) | EVICT_LFU_INIT_VAL;
    return keyspace_lru_clock(now_ms);
}

uint32_t evict_lru_touched(const server *s, uint32_t lru, int64_t now_ms)
{
    if (evict_policy_is_lfu(s->cfg.maxmemory_policy)) {
        unsigned counter = lfu_log_incr(s, evict_lfu_counter(s, lru, now_ms));
        return (lfu_minutes(now_ms) << 8) | counter;
    }
    return keyspace_lru_clock(now_ms);
}

uint64_t evict_idle_ms(uint32_t lru, int64_t now_ms)
{
    uint64_t clock = keyspace_lru_clock(now_ms);
    uint64_t then = lru & EVICT_LRU_CLOCK_MAX;
    uint64_t ticks = clock >= then ? clock - then : clock + (EVICT_LRU_CLOCK_MAX - then);
    return ticks * 1000;
}

/* ---- the eviction pool -------------------------------------------------------------- */

static void pool_clear(void)
{
    pool_len = 0;
}

static int pool_contains(int dbid, const char *key, size_t len)
{
    for (int i = 0; i < pool_len; i++)
        if (pool[i].dbid == dbid && pool[i].key.len == len && memcmp(pool[i].key.data, key, len) == 0)
            return 1;
    return 0;
}

/* Offers a sampled key; kept if the pool has room or it beats the worst candidate. */
static void pool_offer(uint64_t score, int dbid, const kv *v)
{
    const char *key = kv_key(v);
    size_t len = kv_keylen(v);
    if (pool_len == EVICT_POOL_SIZE && score <= pool[0].score)
        return;
    if (pool_contains(dbid, key, len))
        return;

    int k = 0; /* first entry with a score >= ours */
    while (k < pool_len && pool[k].score < score)
        k++;
    bytebuf spare;
    if (pool_len < EVICT_POOL_SIZE) {
        /* Shift [k, len) right; the entry past the end lends its buffer. */
        spare = pool[pool_len].key;
        memmove(pool + k + 1, pool + k, sizeof(pool[0]) * (size_t)(pool_len - k));
        pool_len++;
    } else {
        /* Full: drop the worst (index 0) and shift [1, k) left. */
        spare = pool[0].key;
        k--;
        memmove(pool, pool + 1, sizeof(pool[0]) * (size_t)k);
    }
    pool[k].key = spare;
    bytebuf_clear(&pool[k].key);
    bytebuf_append(&pool[k].key, key, len);
    pool[k].score = score;
    pool[k].dbid = dbid;
}

static uint64_t victim_score(const server *s, int policy, const kv *v, int64_t now_ms)
{
    if (policy_is_lru(policy))
        return evict_idle_ms(v->lru, now_ms);
    if (evict_policy_is_lfu(policy))
        return 255 - evict_lfu_counter(s, v->lru, now_ms);
    return UINT64_MAX - (uint64_t)kv_expire(v); /* volatile-ttl: sooner is better */
}

/* ---- sampling ----------------------------------------------------------------------- */

static int has_ttl(const kv *v)
{
    return (kv_flags(v) & KV_HAS_EXPIRE) != 0;
}

/* Up to `want` keys with a TTL from d. Random draws first; when TTLs are too sparse for
 * those to hit, a walk that resumes where the previous one stopped (so repeated calls
 * cost the table once, not once per call). */
static int sample_volatile(db *d, const kv **out, int want)
{
    kvtable *t = &d->table;
    int got = 0;
    if (d->expires == 0 || t->count == 0)
        return 0;
    for (int tries = 0; tries < want * 3 && got < want; tries++) {
        const kv *v = kvtable_random(t, &evict_rng, NULL);
        if (has_ttl(v))
            out[got++] = v;
    }
    if (got > 0)
        return got;
    size_t *cursor = &volatile_scan_pos[d->id];
    for (size_t walked = 0; walked < t->used && got < want; walked++) {
        if (*cursor >= t->used)
            *cursor = 0;
        const kv *v = kvtable_at(t, (*cursor)++);
        if (v && has_ttl(v))
            out[got++] = v;
    }
    return got;
}

static int db_count(server *s)
{
    int n = s->cfg.databases;
    if (n < 1)
        n = 1;
    return n > SERVER_DBNUM_MAX ? SERVER_DBNUM_MAX : n;
}

static int sample_count(server *s)
{
    int n = s->cfg.maxmemory_samples;
    if (n < 1)
        n = 1;
    return n > EVICT_SAMPLES_MAX ? EVICT_SAMPLES_MAX : n;
}

/* ---- the batch of victims ----------------------------------------------------------- */

typedef struct victim_batch {
    int dbid;                 /* -1 when empty */
    int n;
    bytebuf keys;             /* key bytes back to back */
    size_t len[EVICT_BATCH_MAX];
    size_t usage[EVICT_BATCH_MAX]; /* estimated bytes each deletion frees */
} victim_batch;

/* The proposed set's key for (dbid, key): the db number as one byte, then the key.
 * Written into buf when it fits, else into a rd_malloc'd block the caller frees (returned
 * pointer != buf). */
static char *proposed_key(int dbid, const char *key, size_t len, char *buf, size_t bufsize)
{
    char *k = len + 1 <= bufsize ? buf : rd_malloc(len + 1);
    k[0] = (char)dbid;
    memcpy(k + 1, key, len);
    return k;
}

static int is_proposed(int dbid, const char *key, size_t len)
{
    if (!proposed || dict_size(proposed) == 0)
        return 0;
    char buf[256];
    char *k = proposed_key(dbid, key, len, buf, sizeof buf);
    int found = dict_find(proposed, k, len + 1, NULL) != NULL;
    if (k != buf)
        rd_free(k);
    return found;
}

static void remember_proposed(int dbid, const char *key, size_t len, size_t usage)
{
    if (!proposed)
        proposed = dict_new(1);
    char buf[256];
    char *k = proposed_key(dbid, key, len, buf, sizeof buf);
    uint64_t u = usage;
    if (dict_set(proposed, k, len + 1, (const char *)&u, sizeof u))
        proposed_bytes += usage;
    if (k != buf)
        rd_free(k);
}

void evict_proposal_applied(int dbid, const char *key, size_t len)
{
    if (!proposed || dict_size(proposed) == 0)
        return;
    char buf[256];
    char *k = proposed_key(dbid, key, len, buf, sizeof buf);
    dict_entry *e = dict_find(proposed, k, len + 1, NULL);
    if (e) {
        uint64_t u;
        memcpy(&u, dict_val(e), sizeof u);
        proposed_bytes -= u < proposed_bytes ? u : proposed_bytes;
        dict_delete(proposed, k, len + 1);
    }
    if (k != buf)
        rd_free(k);
    if (dict_size(proposed) == 0)
        proposed_bytes = 0;
}

void evict_forget_proposals(void)
{
    dict_free(proposed);
    proposed = NULL;
    proposed_bytes = 0;
}

static int batch_contains(const victim_batch *b, int dbid, const char *key, size_t len)
{
    if (is_proposed(dbid, key, len))
        return 1;
    if (b->dbid != dbid)
        return 0;
    size_t off = 0;
    for (int i = 0; i < b->n; i++) {
        if (b->len[i] == len && memcmp(b->keys.data + off, key, len) == 0)
            return 1;
        off += b->len[i];
    }
    return 0;
}

static void batch_flush(server *s, victim_batch *b)
{
    if (b->n == 0)
        return;
    rd_arg args[EVICT_BATCH_MAX];
    size_t off = 0;
    int logged = raft_node_raft() != NULL; /* deleted later, when the entry applies */
    for (int i = 0; i < b->n; i++) {
        args[i].ptr = b->keys.data + off;
        args[i].len = b->len[i];
        off += b->len[i];
        if (logged)
            remember_proposed(b->dbid, args[i].ptr, args[i].len, b->usage[i]);
    }
    int dbid = b->dbid, n = b->n;
    b->n = 0;
    b->dbid = -1;
    /* The keys stay in b->keys until it is cleared below: the proposal may delete them
     * synchronously, and these copies do not point into the kvs it frees. */
    dispatch_propose_deletes(s, dbid, args, n, PROPOSE_EVICTED);
    bytebuf_clear(&b->keys);
}

/* ---- choosing a victim -------------------------------------------------------------- */

/* The next victim for a pool policy, or NULL. Skips keys already in the batch. */
static const kv *pick_from_pool(server *s, int policy, int64_t now_ms, const victim_batch *b,
                                int *dbid_out)
{
    int allkeys = policy_is_allkeys(policy);
    int samples = sample_count(s);
    const kv *sampled[EVICT_SAMPLES_MAX];

    for (int round = 0; round < EVICT_POPULATE_ROUNDS; round++) {
        size_t candidates = 0;
        for (int i = 0; i < db_count(s); i++) {
            db *d = &s->dbs[i];
            size_t keys = allkeys ? db_size(d) : d->expires;
            if (keys == 0)
                continue;
            candidates += keys;
            int n;
            if (allkeys) {
                n = 0;
                for (int j = 0; j < samples; j++)
                    sampled[n++] = kvtable_random(&d->table, &evict_rng, NULL);
            } else {
                n = sample_volatile(d, sampled, samples);
            }
            for (int j = 0; j < n; j++)
                pool_offer(victim_score(s, policy, sampled[j], now_ms), i, sampled[j]);
        }
        if (candidates == 0)
            return NULL;

        /* Best first; entries whose key is gone (or lost its TTL) are ghosts. */
        while (pool_len > 0) {
            pool_entry *e = &pool[--pool_len];
            db *d = &s->dbs[e->dbid];
            const kv *v = kvtable_find(&d->table, e->key.data, e->key.len, NULL);
            if (!v || (!allkeys && !has_ttl(v)) || batch_contains(b, e->dbid, e->key.data, e->key.len))
                continue;
            *dbid_out = e->dbid;
            return v;
        }
    }
    return NULL;
}

static const kv *pick_random(server *s, int policy, const victim_batch *b, int *dbid_out)
{
    int allkeys = policy == MAXMEMORY_ALLKEYS_RANDOM;
    int dbs = db_count(s);
    for (int i = 0; i < dbs; i++) {
        int j = (int)(++next_random_db % (unsigned)dbs);
        db *d = &s->dbs[j];
        if ((allkeys ? db_size(d) : d->expires) == 0)
            continue;
        for (int tries = 0; tries < EVICT_PICK_RETRIES; tries++) {
            const kv *v;
            if (allkeys) {
                v = kvtable_random(&d->table, &evict_rng, NULL);
            } else if (sample_volatile(d, &v, 1) == 0) {
                break;
            }
            if (!batch_contains(b, j, kv_key(v), kv_keylen(v))) {
                *dbid_out = j;
                return v;
            }
        }
    }
    return NULL;
}

static const kv *pick_victim(server *s, int policy, int64_t now_ms, const victim_batch *b,
                             int *dbid_out)
{
    if (policy_uses_pool(policy))
        return pick_from_pool(s, policy, now_ms, b, dbid_out);
    return pick_random(s, policy, b, dbid_out);
}

/* ---- the eviction loop -------------------------------------------------------------- */

/* maxmemory-eviction-tenacity (0..100) to microseconds, Redis's curve: linear to 500us
 * at 10, then +15% per step, unlimited at 100. */
static uint64_t eviction_time_limit_us(int tenacity)
{
    if (tenacity < 0)
        tenacity = 0;
    if (tenacity <= 10)
        return 50u * (uint64_t)tenacity;
    if (tenacity < 100)
        return (uint64_t)(500.0 * pow(1.15, tenacity - 10.0));
    return UINT64_MAX;
}

/* Memory as it will be once the log catches up: writes queued or in flight will add
 * roughly their argument bytes, proposed evictions will free their victims. */
static size_t effective_used(void)
{
    size_t used = rd_used_memory() + replicate_pending_bytes();
    return used > proposed_bytes ? used - proposed_bytes : 0;
}

static int under_limit(const server *s)
{
    return effective_used() <= s->cfg.maxmemory;
}

int evict_if_needed(server *s, int64_t now_ms)
{
    if (s->cfg.maxmemory == 0 || under_limit(s))
        return 0;
    int policy = s->cfg.maxmemory_policy;
    if (policy == MAXMEMORY_NOEVICTION || policy < 0 || policy >= POLICY_COUNT)
        return -1;

    seed_rngs();
    if (pool_policy != policy) {
        pool_clear();
        pool_policy = policy;
    }

    size_t to_free = effective_used() - s->cfg.maxmemory;
    size_t freed = 0; /* estimated: sizes of the proposed victims */
    long long keys_freed = 0;
    uint64_t limit_us = eviction_time_limit_us(s->cfg.maxmemory_eviction_tenacity);
    int64_t start_us = server_mono_us();
    int result = -1;

    victim_batch batch;
    batch.dbid = -1;
    batch.n = 0;
    bytebuf_init(&batch.keys);

    while (freed < to_free) {
        int dbid = -1;
        const kv *v = pick_victim(s, policy, now_ms, &batch, &dbid);
        if (!v && batch.n > 0) {
            /* Maybe only batched keys were left to find: apply those first. */
            batch_flush(s, &batch);
            if (under_limit(s)) {
                result = 0;
                goto done;
            }
            v = pick_victim(s, policy, now_ms, &batch, &dbid);
        }
        if (!v)
            break; /* nothing (more) to evict */

        if (batch.n == EVICT_BATCH_MAX || (batch.n > 0 && batch.dbid != dbid)) {
            /* Copy what we need from v first: the flush may delete it. */
            size_t klen = kv_keylen(v);
            size_t usage = kv_memory_usage(v);
            bytebuf key;
            bytebuf_init(&key);
            bytebuf_append(&key, kv_key(v), klen);
            batch_flush(s, &batch);
            if (under_limit(s)) {
                bytebuf_free(&key);
                result = 0;
                goto done;
            }
            /* Still in the db after the flush? (The flush deleted other keys only.) */
            if (!kvtable_find(&s->dbs[dbid].table, key.data, klen, NULL)) {
                bytebuf_free(&key);
                continue;
            }
            batch.dbid = dbid;
            bytebuf_append(&batch.keys, key.data, klen);
            batch.usage[batch.n] = usage;
            batch.len[batch.n++] = klen;
            freed += usage;
            bytebuf_free(&key);
        } else {
            batch.dbid = dbid;
            bytebuf_append(&batch.keys, kv_key(v), kv_keylen(v));
            batch.usage[batch.n] = kv_memory_usage(v);
            freed += batch.usage[batch.n];
            batch.len[batch.n++] = kv_keylen(v);
        }
        keys_freed++;

        if (keys_freed % 16 == 0 && (uint64_t)(server_mono_us() - start_us) >= limit_us) {
            /* Out of time after making progress: report success, as Redis does while
             * its eviction time proc continues; our cron calls again. */
            batch_flush(s, &batch);
            result = 0;
            goto done;
        }
    }
    batch_flush(s, &batch);
    result = (under_limit(s) || freed >= to_free) ? 0 : -1;

done:
    bytebuf_free(&batch.keys);
    return result;
}
