/* sentinel: the model a redraft-sentinel keeps, shared by its modules.
 *
 * redraft-sentinel is the node's server core (server.c, client.c, dispatch.c, pubsub.c,
 * auth.c, raft_node.c, replicate.c ...) started in sentinel mode, as redis-sentinel is
 * redis-server in sentinel mode: the same RESP server, but only the commands flagged
 * for sentinels are accepted, INFO/ROLE/HELLO answer as Redis Sentinel does, and the
 * process's Raft group is the sentinels' own group (raft-bootstrap lists the sentinels).
 * Its leader is the acting sentinel. The replicated state (state.h) lives in the
 * sentinels' keyspace as ordinary keys written through the log, so snapshots, restarts
 * and catch-up are the node's machinery unchanged.
 *
 * What each sentinel keeps in memory (this header), and who owns what:
 *   - sentinel_master: one per monitored shard ("master name"): config.c creates them
 *     from `sentinel monitor` lines; monitor.c fills in the instances it discovers from
 *     the nodes' INFO raft member lists and tracks who leads.
 *   - sentinel_instance: one storage node as this sentinel sees it (monitor.c owns the
 *     link and every observed field; peers.c sets SRI_O_DOWN).
 *   - sentinel_peer: another sentinel (peers.c), from the sentinels' Raft member table.
 * All of it runs on the loop thread.
 *
 * Modules (sentinel/):
 *   main.c           process start: config, server_start, raft_node_start, sentinel_start
 *   lifecycle.c      sentinel_start/stop, sentinel_myid, sentinel_now_ms (main.c section)
 *   sentinel_internal.h  what the core files share (global options, formatters)
 *   config.c         the `sentinel ...` directives (sentinel_config), defaults
 *   sentinel_cmds.c  the SENTINEL command and its replies in Redis Sentinel's formats
 *   sentinel_info.c  INFO in sentinel mode (# Sentinel section), ROLE
 *   registry.c       the list of masters, lookups, instance creation/free
 *   monitor.c        links to storage nodes, PING/INFO polling, sdown, leader view,
 *                    +sdown -sdown +switch-master +reboot +slave events
 *   peers.c          links to the other sentinels, IS-MASTER-DOWN-BY-ADDR, odown
 *   events.c         sentinel_event(): publish an event on this sentinel's pub/sub
 *   state.c          the replicated state (topology, names, spares, epoch)
 *   topology_owner.c creating the cluster topology, pushing it to nodes, epoch bumps
 *   failover.c       SENTINEL FAILOVER: Raft leadership transfer + events
 *   repair.c         replacing a member that stays down by a spare
 */
#ifndef REDRAFT_SENTINEL_H
#define REDRAFT_SENTINEL_H

#include <stddef.h>
#include <stdint.h>

struct server;
struct resp_client;

#define SENTINEL_DEFAULT_PORT 26379
#define SENTINEL_NAME_MAX 128
#define SENTINEL_HOST_MAX 255

/* Instance flags, named as Redis Sentinel prints them in `flags` (sentinel_flags_format). */
enum sentinel_instance_flags {
    SRI_MASTER = 1u << 0,          /* the shard's current Raft leader (published master) */
    SRI_SLAVE = 1u << 1,           /* any other member */
    SRI_S_DOWN = 1u << 2,
    SRI_O_DOWN = 1u << 3,
    SRI_DISCONNECTED = 1u << 4,    /* no established link */
    SRI_MASTER_DOWN = 1u << 5,
    SRI_FAILOVER_IN_PROGRESS = 1u << 6,
    SRI_PROMOTED = 1u << 7,
    SRI_FORCE_FAILOVER = 1u << 8,
};

/* One storage node as this sentinel sees it. Observed fields are written only by
 * monitor.c (and SRI_O_DOWN by peers.c); everyone else reads them. */
typedef struct sentinel_instance {
    char host[SENTINEL_HOST_MAX + 1];
    int port;
    struct sentinel_master *master; /* the shard it belongs to (not owned) */
    unsigned flags;
    /* identity, from INFO (empty / 0 until the first reply) */
    char run_id[41];
    char node_id[41];
    uint64_t raft_id;
    int bus_port;
    char raft_role[16];           /* voter / standby / spare, from the leader's INFO raft */
    /* link (monitor.c): owned resp_client, NULL while disconnected */
    struct resp_client *link;
    int64_t link_created_ms;
    int64_t last_ping_sent_ms;    /* 0 = no ping outstanding */
    int64_t last_ok_ping_reply_ms;
    int64_t last_ping_reply_ms;   /* any reply, including errors such as -LOADING */
    int64_t last_avail_ms;        /* last time it answered a PING correctly (sdown base) */
    int64_t info_refresh_ms;      /* when the last INFO reply arrived */
    char *info_text;              /* that reply's text, owned (SENTINEL INFO-CACHE); NULL = none */
    size_t info_len;
    int64_t s_down_since_ms;      /* 0 = not sdown */
    int64_t o_down_since_ms;      /* 0 = not odown */
    /* from INFO replication / raft */
    int role_reported;            /* SRI_MASTER or SRI_SLAVE, 0 = unknown */
    int64_t role_reported_ms;
    uint64_t raft_term;
    uint64_t applied_index;       /* slave_repl_offset / master_repl_offset */
    char master_host[SENTINEL_HOST_MAX + 1]; /* replicas: the leader they follow */
    int master_port;
    int master_link_up;
    int64_t master_link_down_since_ms;
    int pending_commands;         /* replies awaited on the link */
    struct mon_inst *mon;         /* monitor.c's private state for it (owned there; freed by
                                     sentinel_monitor_forget, which registry.c calls first) */
} sentinel_instance;

/* One monitored shard. */
typedef struct sentinel_master {
    char name[SENTINEL_NAME_MAX + 1];
    /* the seed address from `sentinel monitor` (the shard is discovered from it) */
    char seed_host[SENTINEL_HOST_MAX + 1];
    int seed_port;
    unsigned quorum;
    long long down_after_ms;
    long long failover_timeout_ms;
    int parallel_syncs;
    char *auth_pass;              /* owned; NULL = none (`sentinel auth-pass`) */
    /* members (registry.c owns the array and the instances) */
    sentinel_instance **nodes;
    int node_count, node_cap;
    sentinel_instance *leader;    /* published master, NULL when unknown (monitor.c) */
    uint64_t config_epoch;        /* Raft term of the published leader (monitor.c) */
    int cluster_enabled;          /* the nodes' INFO cluster_enabled (monitor.c) */
    int64_t leader_since_ms;
    /* failover in progress (failover.c) */
    int failover_state;           /* enum sentinel_failover_state */
    int64_t failover_start_ms;
    uint64_t failover_epoch;
    sentinel_instance *promoted;
    /* odown quorum bookkeeping (peers.c): sentinels that said the leader is down */
    int down_votes;
    int64_t down_votes_ms;
} sentinel_master;

enum sentinel_failover_state {
    SENTINEL_FAILOVER_NONE = 0,
    SENTINEL_FAILOVER_SELECT_SLAVE,
    SENTINEL_FAILOVER_SEND_TRANSFER,  /* Redis: send-slaveof-noone */
    SENTINEL_FAILOVER_WAIT_PROMOTION,
    SENTINEL_FAILOVER_RECONF_SLAVES,
};

/* Another sentinel of the group (peers.c). */
typedef struct sentinel_peer {
    char host[SENTINEL_HOST_MAX + 1];
    int port;
    char run_id[41];              /* its node id, which is its Sentinel runid/myid */
    uint64_t raft_id;
    struct resp_client *link;     /* owned, NULL while disconnected */
    int64_t last_ping_sent_ms, last_ok_ping_reply_ms, last_ping_reply_ms;
    int64_t last_hello_ms;        /* last reply of any kind */
    unsigned flags;               /* SRI_S_DOWN / SRI_DISCONNECTED */
    char voted_leader[41];        /* "" = ? */
    uint64_t voted_leader_epoch;
} sentinel_peer;

/* Process-wide sentinel configuration (config.c parses; defaults there). */
typedef struct sentinel_config {
    long long repair_after_ms;    /* `sentinel repair-after-milliseconds`; 0 = never repair */
    long long ping_period_ms;     /* `sentinel ping-period-milliseconds` (redraft), 250 */
    long long info_period_ms;     /* `sentinel info-period-milliseconds` (redraft), 250 */
    char **spares;                /* "host:port", `sentinel spare <host> <port>` */
    int spare_count;
    char *auth_pass;              /* `sentinel auth-pass <pw>` default for all masters */
    char *default_name;           /* not a directive: "mymaster" */
} sentinel_config;

extern sentinel_config g_sentinel_cfg;
/* The password for m's nodes: its `sentinel auth-pass <name>`, else the global
 * `sentinel auth-pass <pw>`, else NULL (config.c). */
const char *sentinel_master_auth_pass(const sentinel_master *m);

/* ---- registry.c ------------------------------------------------------------------ */
int sentinel_master_count(void);
sentinel_master *sentinel_master_at(int i);
sentinel_master *sentinel_master_by_name(const char *name, size_t len);
/* Adds a master from `sentinel monitor` / SENTINEL MONITOR. NULL if the name exists. */
sentinel_master *sentinel_master_add(const char *name, const char *host, int port, unsigned quorum);
void sentinel_master_remove(sentinel_master *m);
/* The instance of m at host:port, created (disconnected, no flags) when missing. */
sentinel_instance *sentinel_instance_get(sentinel_master *m, const char *host, int port);
sentinel_instance *sentinel_instance_find(sentinel_master *m, const char *host, int port);
sentinel_instance *sentinel_instance_by_node_id(sentinel_master *m, const char *node_id);
/* Any master's instance at host:port (IS-MASTER-DOWN-BY-ADDR), or NULL. */
sentinel_instance *sentinel_instance_lookup_addr(const char *host, int port);
void sentinel_instance_remove(sentinel_instance *ri); /* closes its link, frees it */
void sentinel_registry_free_all(void);                /* exit: every master and instance */

/* ---- events.c -------------------------------------------------------------------- */
/* Publishes `payload` on channel `type` (e.g. "+sdown") to this sentinel's subscribers
 * and logs it, as Redis Sentinel's sentinelEvent does. */
void sentinel_event(const char *type, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The "%@" instance form: "master <name> <ip> <port>" or
 * "slave <ip>:<port> <ip> <port> @ <master-name> <master-ip> <master-port>". */
void sentinel_event_instance(const char *type, const sentinel_instance *ri, const char *extra_fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- monitor.c ------------------------------------------------------------------- */
void sentinel_monitor_start(struct server *s);  /* timers: ping/info/sdown */
void sentinel_monitor_stop(void);
/* The master's leader address now ("" / 0 when unknown). Returns 1 when known, else 0. */
int sentinel_master_addr(const sentinel_master *m, const char **host, int *port);
/* registry.c calls this first in sentinel_instance_remove (and for every instance in
 * sentinel_master_remove), before it frees ri: monitor.c closes ri->link (setting it
 * NULL), drops its private state for ri and clears m->leader / m->promoted if they are
 * ri. Safe to call for an instance monitor.c never saw. */
void sentinel_monitor_forget(sentinel_instance *ri);

/* ---- peers.c --------------------------------------------------------------------- */
void sentinel_peers_start(struct server *s);
void sentinel_peers_stop(void);
int sentinel_peer_count(void);                 /* other sentinels known */
sentinel_peer *sentinel_peer_at(int i);
/* Other sentinels that answered a PING within down-after (CKQUORUM's "usable"). */
int sentinel_peers_usable(long long down_after_ms);

/* ---- failover.c ------------------------------------------------------------------ */
/* Starts SENTINEL FAILOVER on m. Returns 0, or -1 with *err set to the Redis error
 * text ("INPROG Failover already in progress", "NOGOODSLAVE No suitable replica to
 * promote"). */
int sentinel_failover_start(sentinel_master *m, const char **err);
void sentinel_failover_tick(int64_t now_ms);
/* monitor.c, when m's published leader changes, before it publishes +switch-master: a
 * failover waiting for exactly this change ends first (Redis: +failover-end, then
 * +switch-master). */
void sentinel_failover_leader_changed(sentinel_master *m);

/* ---- state.c / topology_owner.c / repair.c ---------------------------------------- */
void sentinel_control_start(struct server *s); /* timers of the acting-sentinel work */
void sentinel_control_stop(void);

/* state.c: the replicated state (key layout at the top of state.c). Reads are local and
 * work on every sentinel; writes are proposed through the sentinels' log (applied on
 * every sentinel) and return -1 on a sentinel that is not the acting one. */
struct topology;
struct resp_reply;
uint64_t sentinel_state_epoch(void);
/* Decodes the committed cluster topology into t (uninitialised on entry): 0, or -1 when
 * there is none (t is then empty and needs no topology_free). */
int sentinel_state_topology(struct topology *t);
int sentinel_state_has_topology(void);
/* The shard id (40 hex) recorded for a master name: 1 and id filled, or 0. */
int sentinel_state_shard_id(const char *name, char id[41]);
/* The master a spare ("host:port") was given to and the Raft id of the member it
 * replaces: 1 and both filled (replaced may be NULL), or 0 (the spare is free). */
int sentinel_state_spare_owner(const char *hostport, char *name, size_t cap, uint64_t *replaced);
/* Proposes the topology and the epoch (t->epoch) in one log entry. */
int sentinel_state_commit_topology(const struct topology *t);
int sentinel_state_set_shard(const char *name, const char *shard_id);
int sentinel_state_set_spare(const char *hostport, const char *master_name, uint64_t replaced);

/* state.c: RESP calls from the control work (topology pushes, failover, repair) to
 * storage nodes, over pooled connections of their own (one per address, authenticated
 * with `password`; monitor's links are left alone). cb fires exactly once, never from
 * inside the call: with the reply (owned by the pool, valid during cb) or with err. Past
 * timeout_ms without the reply the connection is dropped (err "timeout"). Returns 0, or
 * -1 when the control work is stopped (cb will not fire). */
typedef void sentinel_ctl_cb(void *arg, const struct resp_reply *reply, const char *err);
int sentinel_ctl_call(const char *host, int port, const char *password, long long timeout_ms,
                      sentinel_ctl_cb *cb, void *arg, int argc, const char *const *argv);
/* The password for a master's nodes: its auth-pass, else the global one, else NULL. */
const char *sentinel_master_password(const sentinel_master *m);
/* 1 if ri is still one of m's instances (pointers kept across callbacks). */
int sentinel_instance_valid(const sentinel_master *m, const sentinel_instance *ri);

/* topology_owner.c (called from the control timer in state.c) */
void sentinel_topology_tick(int64_t now_ms);
/* Repair: a new topology (epoch + 1, same slots and shard ids) where old_node_id of the
 * shard of master `name` is replaced by the given node; committed, then pushed. 0, or -1
 * (no topology, unknown node, not acting). */
int sentinel_topology_replace_member(const char *name, const char *old_node_id, const char *new_node_id,
                                     uint64_t raft_id, const char *host, int port, int bus_port);
/* repair.c */
void sentinel_repair_tick(int64_t now_ms);
void sentinel_repair_stop(void);

/* ---- main.c ---------------------------------------------------------------------- */
/* Starts every sentinel module after server_start and raft_node_start. */
void sentinel_start(struct server *s);
void sentinel_stop(void);
/* This sentinel's id: its Raft node id (40 hex). */
const char *sentinel_myid(void);
int64_t sentinel_now_ms(void);

#endif
