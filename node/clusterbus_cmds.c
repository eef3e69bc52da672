/* clusterbus_cmds: the receiving side of the internal CLUSTERBUS command that storage
 * nodes send each other over their peer links (peer_links.h).
 *
 *   CLUSTERBUS LEADER <shard-id> <node-id> <term>   -> topology_store_note_leader()
 *   CLUSTERBUS PUBLISH <channel> <message>          -> local channel/pattern subscribers
 *   CLUSTERBUS SPUBLISH <channel> <message>         -> local shard-channel subscribers
 *
 * An admin command (so it needs the password like any other), never a write: it runs at
 * once on any node, outside the Raft log, and is hidden from MONITOR and the slowlog.
 * Messages are delivered here only, never forwarded again, so a fan-out is one hop. A
 * well-formed announcement about a shard or node this node's topology does not know
 * (yet) is accepted and ignored: topologies reach nodes at slightly different times. */
#include <string.h>

#include "commands.h"
#include "exec.h"
#include "peer_links.h"
#include "pubsub.h"
#include "strutil.h"
#include "topology.h"
#include "topology_store.h"

static int is_hex_id(const rd_arg *a)
{
    if (a->len != TOPOLOGY_ID_LEN)
        return 0;
    for (size_t i = 0; i < a->len; i++) {
        char ch = a->ptr[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
            return 0;
    }
    return 1;
}

void cmd_clusterbus_leader(exec_ctx *c)
{
    peer_links_note_incoming(c->client);
    unsigned long long term;
    if (!is_hex_id(&c->argv[2])) {
        resp_write_error(c->w, "ERR Invalid shard id");
        return;
    }
    if (!is_hex_id(&c->argv[3])) {
        resp_write_error(c->w, "ERR Invalid node id");
        return;
    }
    if (!rd_str2ull(c->argv[4].ptr, c->argv[4].len, &term)) {
        resp_write_error(c->w, "ERR Invalid term");
        return;
    }
    char shard_id[TOPOLOGY_ID_LEN + 1], node_id[TOPOLOGY_ID_LEN + 1];
    memcpy(shard_id, c->argv[2].ptr, TOPOLOGY_ID_LEN);
    shard_id[TOPOLOGY_ID_LEN] = '\0';
    memcpy(node_id, c->argv[3].ptr, TOPOLOGY_ID_LEN);
    node_id[TOPOLOGY_ID_LEN] = '\0';

    const topology *t = topology_store_get();
    int shard = t ? topology_find_shard(t, shard_id) : -1, node_shard = -1;
    /* Only a member of that shard (in our topology) can lead it. */
    if (shard >= 0 && topology_find_node(t, node_id, &node_shard) && node_shard == shard)
        topology_store_note_leader(shard, node_id, (uint64_t)term);
    resp_write_ok(c->w);
}

static void deliver(exec_ctx *c, int sharded)
{
    peer_links_note_incoming(c->client);
    pubsub_deliver(c->argv[2].ptr, c->argv[2].len, c->argv[3].ptr, c->argv[3].len, sharded);
    resp_write_ok(c->w);
}

void cmd_clusterbus_publish(exec_ctx *c)
{
    deliver(c, 0);
}

void cmd_clusterbus_spublish(exec_ctx *c)
{
    deliver(c, 1);
}

void cmd_clusterbus_help(exec_ctx *c)
{
    static const char *const lines[] = {
        "LEADER <shard-id> <node-id> <term>",
        "    Announces that <node-id> leads <shard-id> in Raft term <term>.",
        "PUBLISH <channel> <message>",
        "    Delivers a PUBLISH made on a peer to this node's subscribers.",
        "SPUBLISH <shard-channel> <message>",
        "    Delivers an SPUBLISH made on a peer of this shard to this node's subscribers.",
        NULL,
    };
    reply_help(c, lines);
}
