/* expire: the active expiry cycle (expire.h).
 *
 * Adapted from Redis's activeExpireCycle: each step of a database samples up to
 * keys-per-loop keys with a TTL, proposes the expired ones, and the database is stepped
 * again while the expired share of the sample is above the acceptable-stale percentage;
 * databases are visited round robin and the whole call stops at its time limit.
 *
 * Differences from Redis, because keys with a TTL live in the main table here (there is
 * no separate expires dict): a step walks the dense array from the database's cursor,
 * checking at most 20 positions per wanted sample (Redis's bucket bound), and the cursor
 * is a key seq (kvtable_seek_seq), so it survives compaction and the deletions the
 * proposals cause. Expired keys are proposed, never deleted here; their bytes are copied
 * out first because a proposal may be applied (and the kv freed) synchronously. */
#include "expire.h"

#include <limits.h>
#include <string.h>

#include "bytebuf.h"
#include "dispatch.h"
#include "keyspace.h"
#include "kvtable.h"
#include "server.h"

#define KEYS_PER_LOOP 20            /* ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP */
#define FAST_DURATION_US 1000       /* ACTIVE_EXPIRE_CYCLE_FAST_DURATION */
#define SLOW_TIME_PERC 25           /* ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC */
#define ACCEPTABLE_STALE 10         /* ACTIVE_EXPIRE_CYCLE_ACCEPTABLE_STALE */
#define DBS_PER_CALL 16             /* CRON_DBS_PER_CALL */
#define POSITIONS_PER_SAMPLE 20     /* walk bound per wanted sample ... */
#define SPARSE_FACTOR_MAX 16        /* ... times keys/TTL-keys, up to this */
#define TIME_CHECK_EVERY 1024       /* positions walked between clock reads */
#define MAX_KEYS_PER_LOOP (KEYS_PER_LOOP + KEYS_PER_LOOP / 4 * 9)

static struct {
    uint64_t cursor[SERVER_DBNUM_MAX]; /* seq to resume from; 0 = from the start */
    long long avg_ttl[SERVER_DBNUM_MAX];
    unsigned current_db;
    int timelimit_exit;                /* the previous cycle ran out of time */
    int64_t last_fast_cycle_us;
    double stale_perc;
    long long time_cap_reached_count;
    long long cycle_time_used_us;
} st;

void expire_cycle_reset(void)
{
    memset(&st, 0, sizeof(st));
}

void expire_cycle_stats_get(expire_cycle_stats *out)
{
    out->stale_perc = st.stale_perc;
    out->time_cap_reached_count = st.time_cap_reached_count;
    out->cycle_time_used_us = st.cycle_time_used_us;
}

long long expire_avg_ttl(int dbid)
{
    if (dbid < 0 || dbid >= SERVER_DBNUM_MAX)
        return 0;
    return st.avg_ttl[dbid];
}

typedef struct step_result {
    unsigned long sampled, expired;
    double ttl_sum; /* TTLs may be near LLONG_MAX (PXAT): a long long sum overflows */
    unsigned long ttl_samples;
} step_result;

/* One step over database dbid: samples up to `want` keys with a TTL from the cursor and
 * proposes the expired ones. Stops walking at deadline_us (monotonic). */
static void expire_step(server *s, int dbid, int64_t now_ms, unsigned long want,
                        int64_t deadline_us, step_result *r)
{
    db *d = &s->dbs[dbid];
    kvtable *t = &d->table;
    size_t lens[MAX_KEYS_PER_LOOP];
    bytebuf keys;
    bytebuf_init(&keys);
    int nkeys = 0;

    memset(r, 0, sizeof(*r));
    size_t pos = kvtable_seek_seq(t, st.cursor[dbid]);
    /* Walk further when few keys have a TTL, so a step still finds some. */
    size_t sparse = d->expires ? (t->count + d->expires - 1) / d->expires : 1;
    if (sparse > SPARSE_FACTOR_MAX)
        sparse = SPARSE_FACTOR_MAX;
    size_t max_checked = want * POSITIONS_PER_SAMPLE * sparse;
    if (max_checked > t->used)
        max_checked = t->used; /* at most one pass */
    for (size_t checked = 0; checked < max_checked && r->sampled < want; checked++) {
        if (pos >= t->used)
            pos = 0;
        if ((checked + 1) % TIME_CHECK_EVERY == 0 && server_mono_us() > deadline_us)
            break;
        const kv *v = kvtable_at(t, pos++);
        if (!v)
            continue;
        int64_t deadline = kv_expire(v);
        if (deadline < 0)
            continue;
        r->sampled++;
        if (deadline <= now_ms) {
            bytebuf_append(&keys, kv_key(v), kv_keylen(v));
            lens[nkeys++] = kv_keylen(v);
            r->expired++;
        } else {
            r->ttl_sum += (double)(deadline - now_ms);
            r->ttl_samples++;
        }
    }
    /* Resume at whatever occupies pos next time; seqs stay valid across the deletions. */
    st.cursor[dbid] = pos < t->used ? kvtable_seq_at(t, pos) : 0;

    if (nkeys > 0) {
        rd_arg args[MAX_KEYS_PER_LOOP];
        size_t off = 0;
        for (int i = 0; i < nkeys; i++) {
            args[i].ptr = keys.data + off;
            args[i].len = lens[i];
            off += lens[i];
        }
        dispatch_propose_deletes(s, dbid, args, nkeys, PROPOSE_EXPIRED);
    }
    bytebuf_free(&keys);
}

void expire_active_cycle(server *s, int64_t now_ms, int slow)
{
    int effort = s->cfg.active_expire_effort - 1; /* 0..9 */
    if (effort < 0)
        effort = 0;
    if (effort > 9)
        effort = 9;
    unsigned long keys_per_loop = KEYS_PER_LOOP + KEYS_PER_LOOP / 4 * (unsigned long)effort;
    int64_t fast_duration = FAST_DURATION_US + FAST_DURATION_US / 4 * effort;
    int slow_time_perc = SLOW_TIME_PERC + 2 * effort;
    unsigned long acceptable_stale = ACCEPTABLE_STALE - (unsigned long)effort;

    int64_t start = server_mono_us();
    if (!slow) {
        /* Only when the last cycle ran out of time or many keys look stale, and not
         * more often than every two fast durations. */
        if (!st.timelimit_exit && st.stale_perc * 100 < (double)acceptable_stale)
            return;
        if (start < st.last_fast_cycle_us + fast_duration * 2)
            return;
        st.last_fast_cycle_us = start;
    }

    int dbnum = s->cfg.databases;
    if (dbnum < 1)
        dbnum = 1;
    if (dbnum > SERVER_DBNUM_MAX)
        dbnum = SERVER_DBNUM_MAX;
    int dbs_per_call = DBS_PER_CALL;
    if (dbs_per_call > dbnum || st.timelimit_exit)
        dbs_per_call = dbnum;

    int hz = s->cfg.hz > 0 ? s->cfg.hz : 10;
    int64_t timelimit = (int64_t)slow_time_perc * 1000000 / hz / 100;
    if (timelimit <= 0)
        timelimit = 1;
    if (!slow)
        timelimit = fast_duration;
    st.timelimit_exit = 0;

    unsigned long total_sampled = 0, total_expired = 0;
    for (int j = 0; j < dbs_per_call && !st.timelimit_exit; j++) {
        int dbid = (int)(st.current_db % (unsigned)dbnum);
        st.current_db++;
        db *d = &s->dbs[dbid];
        for (;;) {
            if (d->expires == 0) {
                st.avg_ttl[dbid] = 0;
                break;
            }
            unsigned long want = d->expires < keys_per_loop ? d->expires : keys_per_loop;
            step_result r;
            expire_step(s, dbid, now_ms, want, start + timelimit, &r);
            total_sampled += r.sampled;
            total_expired += r.expired;
            if (r.ttl_samples) {
                double mean = r.ttl_sum / (double)r.ttl_samples;
                long long avg = mean >= 9.2e18 ? LLONG_MAX : (long long)mean;
                if (st.avg_ttl[dbid] == 0)
                    st.avg_ttl[dbid] = avg;
                st.avg_ttl[dbid] = (st.avg_ttl[dbid] / 50) * 49 + avg / 50;
            }
            if (server_mono_us() - start > timelimit) {
                st.timelimit_exit = 1;
                st.time_cap_reached_count++;
                break;
            }
            /* Again only while the sample was mostly stale. A step that found no key
             * with a TTL walked its whole bound: TTLs are sparse here, come back on the
             * next cycle rather than burn the budget (Redis has an expires dict). */
            if (r.sampled == 0 || r.expired * 100 / r.sampled <= acceptable_stale)
                break;
        }
    }

    st.cycle_time_used_us += server_mono_us() - start;
    double current = total_sampled ? (double)total_expired / (double)total_sampled : 0;
    st.stale_perc = current * 0.05 + st.stale_perc * 0.95;
}
