/* topology_view: the cluster topology as this node sees it right now, and its Redis
 * renderings (CLUSTER SLOTS, SHARDS, NODES, INFO lines, REPLICAS).
 *
 * A view is a plain snapshot -- shards, each with its slot ranges and its nodes (the
 * master first) -- built on demand by topology_view_build() and freed after the reply.
 * Every CLUSTER command formats the same view, so they can never disagree, and the
 * formatters are pure functions of a view (unit tests build views by hand).
 *
 * This node's own shard always comes from its Raft group: the Raft leader is the master,
 * the other voters and standbys are its replicas (standbys flagged nofailover); spares
 * are left out (they hold no data). Node ids and addresses come from the replicated
 * member table (members.h); a member without a record yet is left out, except this
 * node, which falls back to its own configuration.
 *
 * With no topology pushed (topology_store.h) the view is that one shard owning all 16384
 * slots, its config epoch the Raft term. With a topology: its shards in its order, with
 * its shard ids and slot ranges; this node's shard with the Raft-built nodes above (the
 * replicas in the topology's order, unlisted ones last, so every node agrees); every
 * other shard with the topology's nodes, the master being the announced leader
 * (topology_store_leader), else the shard's first node, the others its replicas (their
 * replication offsets are unknown here: shown as 0 but listed and "online"). Every
 * shard's config epoch and the current epoch are the topology's epoch (a failover inside
 * a shard does not bump it). A node the topology does not list is still shown, in the
 * shard listing a member of its Raft group, else as an extra shard without slots, and
 * its cluster_state is fail.
 *
 * Offsets (replication-offset, ROLE, INFO) are Raft applied/match indexes: on the leader
 * a follower's offset is its match index; on a follower this node's offset is its applied
 * index, the leader's is the commit index this node knows (the leader's applied index is
 * at least that), and another follower's is unknown and shown as this node's own applied
 * index (an approximation: followers do not learn each other's progress).
 *
 * Shard id (MYSHARDID, SHARDS): the topology's; with no topology (or for a Raft group the
 * topology does not list), 40 hex chars of BLAKE2b-160("redraft-shard:<id>") where <id>
 * is the lowest Raft id in the shard's configuration -- every member computes the same
 * value without coordination, and it only changes if that member is removed. */
#ifndef REDRAFT_TOPOLOGY_VIEW_H
#define REDRAFT_TOPOLOGY_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"
#include "resp_writer.h"
#include "topology.h"

struct server;

#define TOPO_ID_LEN 40
#define TOPO_HOST_MAX 255

enum topo_node_flags {
    TOPO_NODE_MYSELF = 1u << 0,
    TOPO_NODE_MASTER = 1u << 1,
    TOPO_NODE_FAIL = 1u << 2,       /* down: the last leader while none is known, or a peer unreachable (peer_links) */
    TOPO_NODE_NOFAILOVER = 1u << 3, /* cannot become master (Raft standby) */
    TOPO_NODE_REMOTE = 1u << 4,     /* another shard's node, known from the topology only:
                                       offset unknown (0), still listed as a replica */
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
    int outside;           /* a topology is set and does not list this node */
} topology_view;

/* Builds the current view (see the header comment for the source). Never fails. */
void topology_view_build(topology_view *v, struct server *s);
void topology_view_free(topology_view *v);

/* The view of a pushed topology t (pure, so unit tests can call it). masters[i] is the
 * index of shard i's master among t->shards[i].nodes, -1 for none. own, if not NULL, is
 * this node's Raft-built shard (myself flagged): its nodes move into the view (own keeps
 * only its id and ranges, still the caller's to free) and replace those of shard
 * my_shard, or when that is -1, of the shard listing one of them by id, else they form
 * an extra shard without slots with own's id. */
void topology_view_from_topology(topology_view *v, const topology *t, const int *masters, int my_shard,
                                 topo_shard *own);

/* Helpers for building views (the builder and tests). */
void topology_view_init(topology_view *v, int shard_count);
topo_node *topo_shard_add_node(topo_shard *sh);
void topo_shard_add_range(topo_shard *sh, int start, int end);

/* The master of a shard (nodes[0] flagged MASTER), or NULL. */
const topo_node *topology_shard_master(const topo_shard *sh);
const topo_node *topology_myself(const topology_view *v);
/* The node with this 40-hex id (case-sensitive, as Redis), or NULL; *shard gets its
 * shard index. */
const topo_node *topo_view_find_node(const topology_view *v, const char *id, size_t len, int *shard);
/* cluster_state:ok -- every slot is owned by a shard whose master is not failed, and this
 * node is in the topology (or none is set). */
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
