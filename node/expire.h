/* expire: the active expiry cycle.
 *
 * Keys with a TTL disappear logically at their deadline (keyspace.c hides them); this
 * cycle reclaims the memory of keys nobody touches. It runs on the leader from the
 * server cron (slow cycle, hz times a second) and from the event loop (fast cycle), walks
 * each database incrementally from a persistent cursor, and PROPOSES the deletion of the
 * expired keys it finds through dispatch_propose_deletes(PROPOSE_EXPIRED): it never
 * deletes itself, so every replica drops the same keys at the same point of the log.
 * Work per call is bounded as in Redis (active-expire-effort, 25% of a cron tick for the
 * slow cycle, 1 ms for the fast one). */
#ifndef REDRAFT_EXPIRE_H
#define REDRAFT_EXPIRE_H

#include <stdint.h>

struct server;

/* slow != 0: the cron's cycle; slow == 0: the fast cycle (call it every loop iteration;
 * it only runs when the previous cycle ran out of time or many keys look stale). */
void expire_active_cycle(struct server *s, int64_t now_ms, int slow);

/* INFO: estimated share of logically expired keys among keys with a TTL (0..1), times a
 * cycle hit its time limit, microseconds spent in cycles. */
typedef struct expire_cycle_stats {
    double stale_perc;
    long long time_cap_reached_count;
    long long cycle_time_used_us;
} expire_cycle_stats;
void expire_cycle_stats_get(expire_cycle_stats *out);
/* INFO keyspace avg_ttl (ms) of database dbid: running estimate from sampled keys. */
long long expire_avg_ttl(int dbid);
/* Forgets cursors and estimates (tests; CONFIG RESETSTAT may reset the counters). */
void expire_cycle_reset(void);

#endif
