/* peer_links: this node's connections to the other storage nodes of the cluster.
 *
 * One outgoing resp_client (proto/resp_client.h) per other node in the topology
 * (topology_store.h) plus the other members of this node's own Raft shard (members.h),
 * authenticated with masteruser/masterauth when set, reconnected with a bounded backoff
 * (100 ms doubling to 1 s) while the node stays in the topology, closed when it leaves.
 * Nothing waits on a link: messages for a peer that is not connected are dropped
 * (pub/sub is at-most-once, leader announcements repeat).
 *
 * They carry, as the internal admin command CLUSTERBUS:
 *   CLUSTERBUS LEADER <shard-id> <node-id> <term>   this node leads <shard-id>: sent to
 *       every peer when it becomes leader, when the topology changes, when a link comes
 *       up, and every 500 ms while it leads; receivers call topology_store_note_leader().
 *   CLUSTERBUS PUBLISH <channel> <message>          PUBLISH fan-out to every peer.
 *   CLUSTERBUS SPUBLISH <channel> <message>         SPUBLISH fan-out to the other members
 *       of this node's shard.
 * Receivers deliver PUBLISH/SPUBLISH to their local subscribers only (never forward
 * again). CLUSTERBUS replies +OK (callbacks ignore it) and is hidden from MONITOR.
 *
 * Incoming CLUSTERBUS connections are ordinary clients; CLUSTER LINKS reports the
 * outgoing links ("to") and the incoming CLUSTERBUS connections ("from"). */
#ifndef REDRAFT_PEER_LINKS_H
#define REDRAFT_PEER_LINKS_H

#include <stddef.h>

#include "resp_writer.h"

struct server;
struct client;

void peer_links_start(struct server *s);     /* after the loop and Raft are up */
void peer_links_stop(void);                  /* closes every link (shutdown) */

/* The topology or this shard's membership changed: open/close links to match. */
void peer_links_topology_changed(void);
/* This node gained or lost its shard's leadership (announces at once when gained). */
void peer_links_role_changed(int is_leader);

/* Fan-out of a message published on this node (the caller already delivered it
 * locally). sharded = 0: every peer; 1: the other members of this node's shard. */
void peer_links_publish(const char *channel, size_t channel_len, const char *msg,
                        size_t msg_len, int sharded);

/* 1 when this node has a link to node_id and it has been down (or never up) for a
 * while (PEER_FAIL_AFTER_MS): the views flag that node failed. 0 otherwise, including
 * nodes it has no link to. */
int peer_links_node_unreachable(const char *node_id);

/* Marks c as a peer's incoming link (it sent CLUSTERBUS), for CLUSTER LINKS. */
void peer_links_note_incoming(struct client *c);
/* Is c a peer's incoming link? (A demoted leader keeps those connections open.) */
int peer_links_is_incoming(const struct client *c);

/* CLUSTER LINKS reply: Redis 7's array of maps (direction, node, create-time, events,
 * send-buffer-allocated, send-buffer-used), RESP2/RESP3 as w is. */
void peer_links_write_links(resp_writer *w);

#endif
