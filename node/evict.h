/* evict: maxmemory enforcement and the per-key access tracking it relies on.
 *
 * evict_if_needed() runs on the leader before DENYOOM commands (and from the cron while
 * memory is over the limit). It never deletes: it chooses victims with the configured
 * policy (Redis's sampling and eviction pool) and proposes their deletion through
 * dispatch_propose_deletes(..., PROPOSE_EVICTED), so every replica deletes the same keys
 * at the same point of the log.
 *
 * The kv `lru` field holds Redis's 24-bit LRU clock (seconds), or with an LFU policy
 * 16 bits of minutes (last decrement time) and an 8-bit logarithmic counter. */
#ifndef REDRAFT_EVICT_H
#define REDRAFT_EVICT_H

#include <stdint.h>

#include "kv.h"

struct server;

#define EVICT_LRU_CLOCK_MAX ((1u << 24) - 1)
#define EVICT_LFU_INIT_VAL 5

/* 0: memory is under maxmemory (or no limit), or enough was proposed for eviction, or
 * eviction ran out of its time budget after making progress (the cron continues it).
 * -1: over the limit and nothing (more) can be evicted, or the policy is noeviction:
 * the caller refuses DENYOOM commands with -OOM. */
int evict_if_needed(struct server *s, int64_t now_ms);

/* Leader bookkeeping of proposed victims: the FSM reports each evicted key it applied;
 * a leadership change forgets the rest (their entries' fate is unknown). */
void evict_proposal_applied(int dbid, const char *key, size_t len);
void evict_forget_proposals(void);

/* CONFIG names ("allkeys-lru" ...); from_name is case-insensitive, -1 if unknown. */
const char *evict_policy_name(int policy);
int evict_policy_from_name(const char *name);
int evict_policy_is_lfu(int policy);

/* Access tracking (used by keyspace.c on every lookup). */
uint32_t evict_lru_initial(const struct server *s, int64_t now_ms);   /* a new key */
uint32_t evict_lru_touched(const struct server *s, uint32_t lru, int64_t now_ms);
/* LFU counter after decay (OBJECT FREQ), without changing the key. */
unsigned evict_lfu_counter(const struct server *s, uint32_t lru, int64_t now_ms);
/* Milliseconds since the last access according to an LRU-clock lru value. */
uint64_t evict_idle_ms(uint32_t lru, int64_t now_ms);

#endif
