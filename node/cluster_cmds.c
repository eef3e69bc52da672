/* cluster_cmds.c: the CLUSTER command family -- INFO, SLOTS, SHARDS, NODES, MYID,
 * MYSHARDID, KEYSLOT, COUNTKEYSINSLOT, GETKEYSINSLOT, LINKS, REPLICAS/SLAVES, FAILOVER,
 * HELP -- and ASKING.
 *
 * Every topology answer formats one topology_view (topology_view.h), so SLOTS, SHARDS,
 * NODES and INFO always agree. All of them answer only with `cluster-enabled yes`, as
 * Redis ("ERR This instance has cluster support disabled" otherwise). They are connection
 * commands: local, never logged; COUNTKEYSINSLOT/GETKEYSINSLOT read this node's db 0 as it
 * is (stale on a follower, as a Redis replica's). CLUSTER FAILOVER on a follower asks Raft
 * for a leadership transfer to this node and answers once it is done. */
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "command.h"
#include "commands.h"
#include "keyslot.h"
#include "keyspace.h"
#include "mem.h"
#include "peer_links.h"
#include "raft_node.h"
#include "server.h"
#include "slot_index.h"
#include "strutil.h"
#include "topology_view.h"

static int cluster_enabled(exec_ctx *c)
{
    if (c->srv && c->srv->cfg.cluster_enabled)
        return 1;
    resp_write_error(c->w, "ERR This instance has cluster support disabled");
    return 0;
}

static server *srv_of(exec_ctx *c)
{
    return c->srv ? c->srv : &g_server;
}

/* Text replies (INFO, NODES) are verbatim strings in RESP3, bulk strings in RESP2. */
static void reply_text(exec_ctx *c, const bytebuf *b)
{
    resp_write_verbatim(c->w, "txt", b->data ? b->data : "", b->len);
}

void cmd_cluster_info(exec_ctx *c)
{
    if (!cluster_enabled(c))
        return;
    topology_view v;
    topology_view_build(&v, srv_of(c));
    bytebuf b;
    bytebuf_init(&b);
    topology_format_info(&b, &v);
    reply_text(c, &b);
    bytebuf_free(&b);
    topology_view_free(&v);
}

void cmd_cluster_slots(exec_ctx *c)
{
    if (!cluster_enabled(c))
        return;
    topology_view v;
    topology_view_build(&v, srv_of(c));
    topology_write_slots(c->w, &v);
    topology_view_free(&v);
}

void cmd_cluster_shards(exec_ctx *c)
{
    if (!cluster_enabled(c))
        return;
    topology_view v;
    topology_view_build(&v, srv_of(c));
    topology_write_shards(c->w, &v);
    topology_view_free(&v);
}

void cmd_cluster_nodes(exec_ctx *c)
{
    if (!cluster_enabled(c))
        return;
    topology_view v;
    topology_view_build(&v, srv_of(c));
    bytebuf b;
    bytebuf_init(&b);
    topology_format_nodes(&b, &v, server_wall_ms());
    reply_text(c, &b);
    bytebuf_free(&b);
    topology_view_free(&v);
}

void cmd_cluster_replicas(exec_ctx *c)
{
    if (!cluster_enabled(c))
        return;
    topology_view v;
    topology_view_build(&v, srv_of(c));
    int shard = -1;
    const topo_node *n = topo_view_find_node(&v, c->argv[2].ptr, c->argv[2].len, &shard);
    if (!n) {
        resp_write_errorf(c->w, "ERR Unknown node %.*s", (int)(c->argv[2].len > 128 ? 128 : c->argv[2].len),
                          c->argv[2].ptr);
    } else if (!(n->flags & TOPO_NODE_MASTER)) {
        resp_write_error(c->w, "ERR The specified node is not a master");
    } else {
        const topo_shard *sh = &v.shards[shard];
        resp_write_array_len(c->w, sh->node_count - 1);
        int64_t now = server_wall_ms();
        bytebuf b;
        bytebuf_init(&b);
        for (int i = 0; i < sh->node_count; i++) {
            if (&sh->nodes[i] == n)
                continue;
            bytebuf_clear(&b);
            topology_format_node_line(&b, &v, shard, i, now);
            resp_write_bulk(c->w, b.data ? b.data : "", b.len);
        }
        bytebuf_free(&b);
    }
    topology_view_free(&v);
}

void cmd_cluster_myid(exec_ctx *c)
{
    if (!cluster_enabled(c))
        return;
    topology_view v;
    topology_view_build(&v, srv_of(c));
    const topo_node *me = topology_myself(&v);
    resp_write_bulk_cstr(c->w, me ? me->id : "");
    topology_view_free(&v);
}

void cmd_cluster_myshardid(exec_ctx *c)
{
    if (!cluster_enabled(c))
        return;
    topology_view v;
    topology_view_build(&v, srv_of(c));
    resp_write_bulk_cstr(c->w, v.my_shard >= 0 ? v.shards[v.my_shard].id : "");
    topology_view_free(&v);
}

void cmd_cluster_keyslot(exec_ctx *c)
{
    if (!cluster_enabled(c))
        return;
    resp_write_int(c->w, keyslot(c->argv[2].ptr, c->argv[2].len));
}

/* Keys of db 0 in a slot, in the table's (insertion) order, by scanning: only used when
 * the slot index (slot_index.c) is not attached, i.e. a server that never ran
 * slot_index_init (unit tests). */
static long long keys_in_slot(exec_ctx *c, unsigned slot, long long max, int reply)
{
    const db *d = &srv_of(c)->dbs[0];
    const kvtable *t = &d->table;
    long long n = 0;
    for (size_t pos = 0; pos < t->used && (max < 0 || n < max); pos++) {
        const kv *v = kvtable_at(t, pos);
        if (!v || keyspace_is_expired(c, v))
            continue;
        if (keyslot(kv_key(v), kv_keylen(v)) != slot)
            continue;
        if (reply)
            resp_write_bulk(c->w, kv_key(v), kv_keylen(v));
        n++;
    }
    return n;
}

/* slot_index_keys callback: one key of GETKEYSINSLOT's reply. */
static int reply_slot_key(const char *key, size_t len, void *arg)
{
    resp_write_bulk(((exec_ctx *)arg)->w, key, len);
    return 1;
}

void cmd_cluster_countkeysinslot(exec_ctx *c)
{
    if (!cluster_enabled(c))
        return;
    long long slot;
    if (!arg_ll(c, 2, &slot))
        return;
    if (slot < 0 || slot >= CLUSTER_SLOTS) {
        resp_write_error(c->w, "ERR Invalid slot");
        return;
    }
    if (slot_index_enabled())
        resp_write_int(c->w, (long long)slot_index_count((unsigned)slot));
    else
        resp_write_int(c->w, keys_in_slot(c, (unsigned)slot, -1, 0));
}

void cmd_cluster_getkeysinslot(exec_ctx *c)
{
    if (!cluster_enabled(c))
        return;
    long long slot, max;
    if (!arg_ll(c, 2, &slot) || !arg_ll(c, 3, &max))
        return;
    if (slot < 0 || slot >= CLUSTER_SLOTS || max < 0) {
        resp_write_error(c->w, "ERR Invalid slot or number of keys");
        return;
    }
    if (slot_index_enabled()) {
        /* Like Redis: up to max keys in the slot's order (here: insertion order). */
        uint64_t n = slot_index_count((unsigned)slot);
        if (n > (uint64_t)max)
            n = (uint64_t)max;
        resp_write_array_len(c->w, (long long)n);
        slot_index_keys((unsigned)slot, n, reply_slot_key, c);
        return;
    }
    /* Count first so the array header is exact, then write. */
    long long n = keys_in_slot(c, (unsigned)slot, max, 0);
    resp_write_array_len(c->w, n);
    keys_in_slot(c, (unsigned)slot, n, 1);
}

void cmd_cluster_links(exec_ctx *c)
{
    if (!cluster_enabled(c))
        return;
    /* The peer links (peer_links.h), not Raft's transport, play the cluster bus here. */
    peer_links_write_links(c->w);
}

/* ASKING: the next command may touch a slot this shard is importing (slots.h). */
void cmd_asking(exec_ctx *c)
{
    if (!cluster_enabled(c))
        return;
    if (c->client)
        c->client->flags |= CLIENT_ASKING;
    resp_write_ok(c->w);
}

/* ---- FAILOVER ----------------------------------------------------------------------------- */

static void failover_done(void *arg, int status, const char *msg)
{
    uint64_t id = (uint64_t)(uintptr_t)arg;
    client *cl = client_find_by_id(&g_server, id);
    if (!cl)
        return; /* the client left; the transfer went on without it */
    if (status == 0)
        resp_write_ok(&cl->w);
    else
        resp_write_error(&cl->w, msg && msg[0] ? msg : "ERR Leadership transfer failed");
    client_unblock(cl);
    client_flush(cl);
}

void cmd_cluster_failover(exec_ctx *c)
{
    if (!cluster_enabled(c))
        return;
    int force = 0;
    if (c->argc == 3) {
        if (arg_is(c, 2, "force") || arg_is(c, 2, "takeover"))
            force = 1;
        else {
            reply_syntax_error(c);
            return;
        }
    } else if (c->argc > 3) {
        reply_syntax_error(c);
        return;
    }
    if (!raft_node_raft() || raft_node_is_leader()) {
        resp_write_error(c->w, "ERR You should send CLUSTER FAILOVER to a replica");
        return;
    }
    if (!raft_node_leader_id()) {
        /* No leader to hand over: Raft is electing one by itself. */
        resp_write_error(c->w, force ? "ERR No leader to take over from: the shard is electing one, retry shortly"
                                     : "ERR Master is down or failed, please use CLUSTER FAILOVER FORCE");
        return;
    }
    if (!c->client) {
        resp_write_error(c->w, "ERR CLUSTER FAILOVER needs a client connection");
        return;
    }
    /* raft_node forwards the request to the leader; its callback fires exactly once, and
     * never from inside this call (even when it fails at once), so block first. */
    client_block(c->client);
    raft_node_transfer(raft_node_id(), failover_done, (void *)(uintptr_t)c->client->id);
}

void cmd_cluster_help(exec_ctx *c)
{
    if (!cluster_enabled(c))
        return;
    static const char *const lines[] = {
        "COUNTKEYSINSLOT <slot>",
        "    Return the number of keys in <slot>.",
        "GETKEYSINSLOT <slot> <count>",
        "    Return key names stored by current node in a slot.",
        "FAILOVER [FORCE|TAKEOVER]",
        "    Promote current replica node to being a master.",
        "INFO",
        "    Return information about the cluster.",
        "KEYSLOT <key>",
        "    Return the hash slot for <key>.",
        "LINKS",
        "    Return information about all network links between this node and its peers.",
        "    Output format is an array where each array element is a map containing attributes of a link",
        "MYID",
        "    Return the node id.",
        "MYSHARDID",
        "    Return the node's shard id.",
        "NODES",
        "    Return cluster configuration seen by node. Output format:",
        "    <id> <ip:port@bus-port[,hostname]> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
        "REPLICAS <node-id>",
        "    Return <node-id> replicas.",
        "SLOTS",
        "    Return information about slots range mappings. Each range is made of:",
        "    start, end, master and replicas IP addresses, ports and ids",
        "SHARDS",
        "    Return information about slot range mappings and the nodes associated with them.",
        NULL,
    };
    reply_help(c, lines);
}
