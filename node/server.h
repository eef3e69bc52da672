/* server: the process-wide state of a redraft-node.
 *
 * One instance (`g_server`) owned by main (server.c): configuration, the libuv loop,
 * the listening sockets, the client list, the databases and the statistics. Everything
 * runs on the loop thread. */
#ifndef REDRAFT_SERVER_H
#define REDRAFT_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "bytebuf.h"
#include "client.h"
#include "keyspace.h"
#include "prng.h"

#define REDRAFT_VERSION "0.1.0"
#define REDIS_COMPAT_VERSION "7.2.4"  /* what INFO/HELLO report as redis_version */
#define SERVER_DBNUM_MAX 16
#define SERVER_MAX_BINDS 16

enum maxmemory_policy {
    MAXMEMORY_NOEVICTION = 0,
    MAXMEMORY_ALLKEYS_LRU, MAXMEMORY_ALLKEYS_LFU, MAXMEMORY_ALLKEYS_RANDOM,
    MAXMEMORY_VOLATILE_LRU, MAXMEMORY_VOLATILE_LFU, MAXMEMORY_VOLATILE_RANDOM,
    MAXMEMORY_VOLATILE_TTL,
};

enum client_class { CLIENT_CLASS_NORMAL = 0, CLIENT_CLASS_REPLICA = 1, CLIENT_CLASS_PUBSUB = 2, CLIENT_CLASS_COUNT = 3 };

typedef struct obuf_limit {
    unsigned long long hard, soft; /* bytes, 0 = none */
    long long soft_seconds;
} obuf_limit;

typedef struct server_config {
    /* network */
    int port;
    char *bind[SERVER_MAX_BINDS];
    int bind_count;
    int protected_mode;
    int tcp_backlog;
    int tcp_keepalive;
    long long timeout;             /* idle client timeout, seconds; 0 = never */
    long long maxclients;
    int databases;
    /* protocol limits */
    long long proto_max_bulk_len;
    long long client_query_buffer_limit;
    obuf_limit obuf_limits[CLIENT_CLASS_COUNT];
    /* memory */
    unsigned long long maxmemory;
    int maxmemory_policy;
    int maxmemory_samples;
    int maxmemory_eviction_tenacity;
    int lfu_log_factor;
    int lfu_decay_time;
    /* expiry */
    int hz;
    int active_expire_effort;
    /* auth: only a hash of requirepass is kept (libsodium crypto_pwhash_str) */
    char *requirepass_hash;        /* NULL = no password */
    /* fast check (auth.c): keyed BLAKE2b of the password under a per-process random key;
     * unset when the password was given only as a hash and not yet verified once */
    unsigned char requirepass_digest[32];
    int requirepass_digest_set;
    /* slowlog / latency */
    long long slowlog_log_slower_than; /* microseconds, <0 disables */
    long long slowlog_max_len;
    long long latency_monitor_threshold;
    /* files */
    char *dir;
    char *config_file;             /* absolute path, NULL if started without one */
    char *logfile;
    char *pidfile;
    int loglevel;
    int daemonize;
    /* accepted for compatibility (redis-benchmark reads it); durability is Raft's */
    int appendonly;
    /* value encodings (Redis's thresholds for the compact encodings) */
    long long hash_max_listpack_entries;
    long long hash_max_listpack_value;
    int list_max_listpack_size;
    int list_compress_depth;
    long long set_max_intset_entries;
    long long set_max_listpack_entries;
    long long set_max_listpack_value;
    long long zset_max_listpack_entries;
    long long zset_max_listpack_value;
    long long hll_sparse_max_bytes;
    /* cluster and Raft (raft_node.h) */
    int cluster_enabled;
    int cluster_port;              /* Raft bus port; 0 = port + 10000 */
    char *cluster_announce_ip;     /* address other processes use for us; "" = first bind / 127.0.0.1 */
    unsigned long long raft_id;    /* 0 = the persisted one, or a new random id */
    char *raft_bootstrap;          /* "id@host:busport,..." founders; "" = none */
    char *raft_join;               /* "host:port" of a member's client port; "" = none */
    int raft_spare;                /* start with an empty Raft config, wait for RAFT ADD */
    char *masterauth;              /* password for this node's RESP calls to its peers */
    int raft_election_timeout;     /* ms */
    int raft_heartbeat_timeout;    /* ms */
    long long raft_snapshot_threshold;
    long long raft_snapshot_trailing;
    unsigned long long raft_log_max_memory; /* bytes of log kept in memory (0 = no cap) */
    int raft_max_inflight;
    unsigned long long raft_segment_size;
    int raft_read_lease;           /* reads skip the fence while a lease holds (replicate.c) */
} server_config;

typedef struct slowlog_entry {
    long long id;
    int64_t time_s;
    long long duration_us;
    int argc;          /* as stored (max 32, Redis trims) */
    bytebuf *argv;     /* owned copies */
    char peer[64];
    char name[64];
} slowlog_entry;

typedef struct server_stats {
    long long total_connections_received;
    long long total_commands_processed;
    long long rejected_connections;
    long long expired_keys;
    long long evicted_keys;
    long long keyspace_hits;
    long long keyspace_misses;
    long long total_net_input_bytes;
    long long total_net_output_bytes;
    long long total_error_replies;
    long long client_obuf_limit_disconnections;
    long long client_qbuf_limit_disconnections;
    long long dirty;               /* changes since start */
    /* ops/sec sampling */
    long long ops_sample_last_count;
    int64_t ops_sample_last_ms;
    long long ops_samples[16];
    int ops_sample_idx;
} server_stats;

typedef struct server {
    server_config cfg;
    uv_loop_t *loop;
    uv_tcp_t listeners[SERVER_MAX_BINDS];
    int listener_count;
    uv_timer_t cron;                /* hz timer: expiry proposals, timeouts, stats */
    uv_signal_t sigterm, sigint;
    uv_prepare_t before_poll;       /* flush clients' output once per loop iteration */

    client *clients;                /* doubly linked list */
    size_t client_count;
    uint64_t next_client_id;
    client *current_client;

    db dbs[SERVER_DBNUM_MAX];
    prng rng;                       /* seeds handed to command execution (entry seeds) */
    int64_t last_entry_ms;          /* time of the last applied entry (replicated state:
                                       only the FSM's apply and snapshot load set it) */
    int64_t proposed_entry_ms;      /* time given to the last proposal/read (node-local) */
    int64_t batch_clock_us;         /* end of the previous command of this read batch, or 0 */
    int64_t wall_offset_ms;         /* wall clock - uv_now(loop), see server_loop_wall_ms */

    char run_id[41];                /* 40 hex chars */
    /* redraft-sentinel (sentinel/main.c): only CMD_SENTINEL commands are accepted from
     * clients, INFO/ROLE/HELLO answer as Redis Sentinel; the FSM still applies ordinary
     * commands (the sentinels' replicated state is ordinary keys). */
    int sentinel_mode;
    int64_t start_ms;
    int shutdown_asap;
    int exit_code;

    server_stats stats;
    /* slowlog: ring of owned entries, id k at index k % slowlog_cap (slowlog.h) */
    slowlog_entry *slowlog;
    size_t slowlog_len, slowlog_cap;
    long long slowlog_next_id;
    /* latency monitor: latest events */
    struct latency_event *latency_events;
    size_t latency_event_count;

    client *monitors;               /* not a separate list: clients with CLIENT_MONITOR */
    size_t monitor_count;
    size_t peak_used_memory;
} server;

extern server g_server;

/* Wall clock in ms (only for things outside command execution: stats, client ages). */
int64_t server_wall_ms(void);
/* Monotonic time in ms / µs (durations: slowlog, time budgets). */
int64_t server_mono_ms(void);
int64_t server_mono_us(void);
/* Wall clock as of this loop iteration (no system call); refreshed by
 * server_refresh_clock, which the cron calls. */
int64_t server_loop_wall_ms(const server *s);
void server_refresh_clock(server *s);
/* Time for the next batch of command execution: wall clock, never below the previous. */
int64_t server_next_entry_ms(server *s);
void server_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define LL_DEBUG 0
#define LL_VERBOSE 1
#define LL_NOTICE 2
#define LL_WARNING 3
#define LL_NOTHING 4   /* loglevel "nothing" (Redis 7.2): log nothing */
/* Begin an orderly shutdown (SHUTDOWN, SIGTERM): stop accepting, close clients, exit. */
void server_shutdown(server *s, int exit_code);
/* Process lifecycle (main.c): server_start opens the listeners and the loop's handles
 * (returns -1 after logging when a listener cannot be opened); once uv_run returns,
 * server_free releases the databases, logs and loop. */
int server_start(server *s);
void server_free(server *s);

#endif
