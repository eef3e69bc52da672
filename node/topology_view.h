/* topology_view: the cluster topology as this node sees it right now, and its Redis
 * renderings (CLUSTER SLOTS, SHARDS, NODES, INFO lines, REPLICAS).
 *
 * A view is a plain snapshot -- shards, each with its slot ranges and its nodes (the
 * master first) -- built on demand by topology_view_build() and freed after the reply.
 * Every CLUSTER command formats the same view, so they can never disagree, and the
 * formatters are pure functions of a view (unit tests build views by hand).
 *
 * Source today (issue 3): one shard, this node's Raft group, owning all 16384 slots; the
 * Raft leader is the master, the other voters and standbys are its replicas (standbys
 * flagged nofailover); spares are left out (they hold no data). Node ids and addresses
 * come from the replicated member table (members.h); a member without a record yet is
 * left out, except this node, which falls back to its own configuration. The hash-slot
 * issue replaces the source with the pushed topology; the view and the formatters stay.
 *
 * Offsets (replication-offset, ROLE, INFO) are Raft applied/match indexes: on the leader
 * a follower's offset is its match index; on a follower this node's offset is its applied
 * index, the leader's is the commit index this node knows (the leader's applied index is
 * at least that), and another follower's is unknown and shown as this node's own applied
 * index (an approximation: followers do not learn each other's progress).
 *
 * Shard id (MYSHARDID, SHARDS): 40 hex chars of BLAKE2b-160("redraft-shard:<id>") where
 * <id> is the lowest Raft id in the shard's configuration -- every member computes the
 * same value without coordination, and it only changes if that member is removed. */
#ifndef REDRAFT_TOPOLOGY_VIEW_H
#define REDRAFT_TOPOLOGY_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"
#include "resp_writer.h"

struct server;

#define TOPO_ID_LEN 40
#define TOPO_HOST_MAX 255

enum topo_node_flags {
    TOPO_NODE_MYSELF = 1u << 0,
    TOPO_NODE_MASTER = 1u << 1,
    TOPO_NODE_FAIL = 1u << 2,       /* known to be down (the last leader, while none is known) */
    TOPO_NODE_NOFAILOVER = 1u << 3, /* cannot become master (Raft standby) */
};

typedef struct topo_node {
    char id[TOPO_ID_LEN + 1];
    char host[TOPO_HOST_MAX + 1];
    int port;
    int bus_port;
    uint64_t raft_id;
    long long repl_offset;
    unsigned flags;
} topo_node;

typedef struct topo_range {
    int start, end; /* inclusive */
} topo_range;

typedef struct topo_shard {
    char id[TOPO_ID_LEN + 1];
    uint64_t config_epoch;
    topo_range *ranges;  /* owned */
    int range_count;
    topo_node *nodes;    /* owned; the master, if any, is nodes[0] */
    int node_count;
} topo_shard;

typedef struct topology_view {
    topo_shard *shards;  /* owned */
    int shard_count;
    int my_shard, my_node; /* where this node is; -1 if absent */
    uint64_t current_epoch;
} topology_view;

/* Builds the current view (see the header comment for the source). Never fails. */
void topology_view_build(topology_view *v, struct server *s);
void topology_view_free(topology_view *v);

/* Helpers for building views (the builder and tests). */
void topology_view_init(topology_view *v, int shard_count);
topo_node *topology_shard_add_node(topo_shard *sh);
void topology_shard_add_range(topo_shard *sh, int start, int end);

/* The master of a shard (nodes[0] flagged MASTER), or NULL. */
const topo_node *topology_shard_master(const topo_shard *sh);
const topo_node *topology_myself(const topology_view *v);
/* The node with this 40-hex id (case-sensitive, as Redis), or NULL; *shard gets its
 * shard index. */
const topo_node *topology_find_node(const topology_view *v, const char *id, size_t len, int *shard);
/* cluster_state:ok -- every slot is owned by a shard whose master is not failed. */
int topology_state_ok(const topology_view *v);
/* The shard id derivation described above, into out[41]. */
void topology_shard_id(uint64_t lowest_raft_id, char out[TOPO_ID_LEN + 1]);

/* Renderings, Redis 7.2's exact formats (shared/notes/protocol-reference.md 2.3-2.7). */
void topology_write_slots(resp_writer *w, const topology_view *v);
void topology_write_shards(resp_writer *w, const topology_view *v);
/* CLUSTER NODES text: one '\n'-terminated line per node. now_ms fills pong-recv. */
void topology_format_nodes(bytebuf *o, const topology_view *v, int64_t now_ms);
/* One CLUSTER NODES line without the newline (CLUSTER REPLICAS). */
void topology_format_node_line(bytebuf *o, const topology_view *v, int shard, int node, int64_t now_ms);
/* CLUSTER INFO text ("field:value\r\n" lines). */
void topology_format_info(bytebuf *o, const topology_view *v);

#endif
