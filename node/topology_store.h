/* topology_store: the cluster topology this node holds, and what it knows of every
 * shard's current leader.
 *
 * The topology arrives through the authenticated admin command
 * `CLUSTER SETTOPOLOGY <encoded topology>` (proto/topology.h): a newer epoch replaces
 * the current one and is persisted (dir/topology, written to a temporary file, fsync'd,
 * renamed) before the reply; the same epoch with an identical encoding is accepted
 * again (idempotent pushes); anything else is refused. A restart reloads the file.
 * `CLUSTER GETTOPOLOGY` returns the current encoding (bulk) or nil.
 *
 * Leaders: this node's own shard's leader comes from Raft (raft_node.h); other shards'
 * leaders are learned from their nodes' announcements (peer_links.h), highest Raft
 * term wins. Until one is heard, a shard's master is its first node in the topology.
 *
 * With no topology pushed yet a cluster-mode node behaves as a one-shard cluster that
 * owns every slot (issue 3's behaviour), so a lone node still works. */
#ifndef REDRAFT_TOPOLOGY_STORE_H
#define REDRAFT_TOPOLOGY_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "topology.h"

struct server;

/* Loads dir/topology if present (called once at start, after the data dir is known).
 * A corrupt file is logged and ignored. */
void topology_store_load(struct server *s);

/* The current topology, or NULL when none was pushed. Valid until the next set. */
const topology *topology_store_get(void);

/* Accepts an encoded topology (see the header comment). Returns 0 when accepted (or
 * identical), -1 with a Redis-style error text in err ("ERR ..."). Persists before
 * returning 0 and tells peer_links and the slot router. */
int topology_store_set(struct server *s, const char *text, size_t len, char *err, size_t errlen);

/* The current topology's canonical encoding (*len bytes, not NUL-terminated), or NULL
 * when none was pushed. Valid until the next set. */
const char *topology_store_text(size_t *len);

/* This node's shard index in the current topology (by node id), or -1. */
int topology_store_my_shard(void);

/* Leader knowledge of shard `shard_index`: a node id (40 hex) announced at `term`.
 * Accepted when term >= the known term. Returns 1 if it changed what is known. */
int topology_store_note_leader(int shard_index, const char *node_id, uint64_t term);
/* The node believed to lead shard `shard_index` now: for this node's own shard, Raft's
 * leader (NULL while none is known); for another shard, the last announced leader, else
 * the shard's first node. */
const topology_node *topology_store_leader(int shard_index);

#endif
