/* raft_node: this process's membership in its shard's Raft group.
 *
 * Owns the canonical/raft instance and everything around its lifecycle: the node's
 * identity (40-hex node id and Raft id, persisted in `dir`), the libuv I/O backend
 * under `dir/raft`, the TCP transport on the bus port (cluster-port, default port +
 * 10000, NODELAY wrapper from raft_transport.h), the tuning from shared/notes/raft.md
 * (pre-vote, max in-flight entries, snapshot threshold/trailing, segment size,
 * election/heartbeat timeouts), forming a shard (raft-bootstrap on first start only,
 * raft-join to an existing shard, or -- with neither -- a single-node shard that
 * bootstraps itself), membership changes (add as spare/standby, promote, remove) and
 * leadership transfer done safely (writes drained, target caught up first).
 *
 * Raft 0.22 has no state-change callback: raft_node polls raft_state()/raft_leader()
 * once per loop iteration and tells the data path (replicate.h) when this node gains or
 * loses leadership.
 *
 * The data path itself -- batching writes into entries, the FSM's apply, read fences --
 * is replicate.c's; snapshots are snapshot.c's; the replicated member table (who has
 * which client address) is members.c's. All functions run on the loop thread. */
#ifndef REDRAFT_RAFT_NODE_H
#define REDRAFT_RAFT_NODE_H

#include <stdint.h>

#include <raft.h>

struct server;
struct member;

enum raft_node_state {
    RAFT_NODE_UNAVAILABLE = 0, /* not started, closing, or not (yet) in a configuration */
    RAFT_NODE_FOLLOWER = 1,
    RAFT_NODE_CANDIDATE = 2,
    RAFT_NODE_LEADER = 3,
};

/* Reads or creates the identity, sets up raft_uv + transport + raft_init, bootstraps or
 * prepares to join, applies the tuning, raft_start()s (which loads snapshot + log and
 * calls the FSM's restore/apply), and starts the per-iteration poll. Call once, after
 * server_start. Returns 0, or -1 after logging the reason (the process then exits 1). */
int raft_node_start(struct server *s);
/* Orderly stop for SHUTDOWN/SIGTERM: transfers leadership first if this node leads and a
 * caught-up voter exists (bounded wait), then raft_close; `done` runs once everything
 * raft owned is closed (the server then closes its own handles). Safe to call twice. */
void raft_node_stop(struct server *s, void (*done)(struct server *s));

/* The raft instance (NULL before start / after close). For read-only getters. */
struct raft *raft_node_raft(void);
int raft_node_state(void);                 /* enum raft_node_state */
int raft_node_is_leader(void);
uint64_t raft_node_id(void);               /* this node's Raft id */
const char *raft_node_node_id(void);       /* this node's 40-hex node id */
uint64_t raft_node_leader_id(void);        /* 0 when no leader is known */
/* The known leader's member record (client host/port), or NULL when no leader is known or
 * its address is not yet in the member table. */
const struct member *raft_node_leader_member(void);
uint64_t raft_node_term(void);
uint64_t raft_node_commit_index(void);
uint64_t raft_node_applied_index(void);    /* last entry applied to the FSM */
uint64_t raft_node_snapshot_index(void);   /* index of the last snapshot taken/installed */
/* Replication progress of a peer as seen by the leader: its match index, or 0. */
uint64_t raft_node_match_index(uint64_t raft_id);
/* Voters/standbys/spares of the current configuration (raft roles RAFT_VOTER ...). */
int raft_node_config_count(void);
int raft_node_config_at(int i, uint64_t *raft_id, int *role, const char **raft_address);

/* Membership and drills (leader only; they reply to the client when done, asynchronously,
 * through the callback). status 0 = done; otherwise msg is a Redis error text. */
typedef void raft_node_done_cb(void *arg, int status, const char *msg);
int raft_node_add(uint64_t raft_id, const char *raft_address, int role, raft_node_done_cb *cb, void *arg);
int raft_node_assign(uint64_t raft_id, int role, raft_node_done_cb *cb, void *arg);
int raft_node_remove(uint64_t raft_id, raft_node_done_cb *cb, void *arg);
/* Transfers leadership to raft_id (0 = the most caught-up voter) after draining writes. */
int raft_node_transfer(uint64_t raft_id, raft_node_done_cb *cb, void *arg);

#endif
