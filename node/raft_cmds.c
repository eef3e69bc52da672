/* raft_cmds: the RAFT admin command (membership drills and the member table).
 *
 *   RAFT ADD <raft-id> <host:busport> [SPARE|STANDBY|VOTER]   (default VOTER)
 *   RAFT ASSIGN <raft-id> SPARE|STANDBY|VOTER
 *   RAFT REMOVE <raft-id>
 *   RAFT TRANSFER [<raft-id>]
 *   RAFT ANNOUNCE <raft-id> <node-id> <host> <port> <bus-port>   (node to leader)
 *   RAFT REMOVED <raft-id> <node-id>      (leader to removed node; in raft_node.c)
 *   RAFT MEMBERS
 *   RAFT HELP
 *
 * ADD/ASSIGN/REMOVE/TRANSFER are asynchronous: the command blocks its client
 * (client_block) and the reply is written when raft_node's callback fires, to the
 * client looked up by id (it may have gone). On a follower raft_node forwards them to
 * the leader; a node that is not the leader refuses a request that was itself
 * forwarded (its connection is named RAFT_FORWARD_CLIENT_NAME) rather than forwarding
 * it again. Nothing here touches the keyspace: the command is flagged admin +
 * connection so that replicate runs it at once instead of logging it. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "commands.h"
#include "members.h"
#include "raft_node.h"
#include "replicate.h"
#include "server.h"
#include "strutil.h"

/* Same string as in raft_node.c: the CLIENT SETNAME of forwarding connections. */
#define RAFT_FORWARD_CLIENT_NAME "redraft-raft-forward"

static int parse_raft_id(exec_ctx *c, int i, uint64_t *out)
{
    unsigned long long v;
    if (!rd_str2ull(c->argv[i].ptr, c->argv[i].len, &v) || v == 0) {
        resp_write_error(c->w, "ERR invalid raft id");
        return 0;
    }
    *out = v;
    return 1;
}

static int parse_role(exec_ctx *c, int i, int *role)
{
    if (arg_is(c, i, "voter"))
        *role = RAFT_VOTER;
    else if (arg_is(c, i, "standby"))
        *role = RAFT_STANDBY;
    else if (arg_is(c, i, "spare"))
        *role = RAFT_SPARE;
    else {
        resp_write_error(c->w, "ERR invalid role (want SPARE, STANDBY or VOTER)");
        return 0;
    }
    return 1;
}

static const char *role_name(int role)
{
    switch (role) {
    case RAFT_VOTER:
        return "voter";
    case RAFT_STANDBY:
        return "standby";
    case RAFT_SPARE:
        return "spare";
    default:
        return "none";
    }
}

/* The reply of an asynchronous subcommand, to its client if it is still there. */
static void async_done(void *arg, int status, const char *msg)
{
    client *cl = client_find_by_id(&g_server, (uint64_t)(uintptr_t)arg);
    if (!cl)
        return;
    if (status == 0)
        resp_write_ok(&cl->w);
    else
        resp_write_error(&cl->w, msg && msg[0] ? msg : "ERR operation failed");
    client_unblock(cl);
    client_flush(cl);
}

/* Common preamble of the asynchronous subcommands: 1 = go on (client blocked, arg set). */
static int begin_async(exec_ctx *c, void **arg)
{
    client *cl = c->client;
    if (!cl) {
        resp_write_error(c->w, "ERR RAFT needs a client connection");
        return 0;
    }
    if (!raft_node_raft()) {
        resp_write_error(c->w, "ERR Raft is not running on this node");
        return 0;
    }
    if (cl->name && strcmp(cl->name, RAFT_FORWARD_CLIENT_NAME) == 0 && !raft_node_is_leader()) {
        resp_write_error(c->w, "TRYAGAIN this node is not the leader");
        return 0;
    }
    client_block(cl);
    *arg = (void *)(uintptr_t)cl->id;
    return 1;
}

void cmd_raft_add(exec_ctx *c)
{
    uint64_t id;
    int role = RAFT_VOTER;
    if (c->argc > 5) {
        reply_syntax_error(c);
        return;
    }
    if (!parse_raft_id(c, 2, &id))
        return;
    char addr[MEMBER_HOST_MAX + 8];
    const rd_arg *a = &c->argv[3];
    const char *colon = a->len ? memrchr(a->ptr, ':', a->len) : NULL;
    long long port;
    if (a->len >= sizeof addr || !colon || colon == a->ptr || memchr(a->ptr, '\0', a->len) ||
        !rd_str2ll(colon + 1, a->len - (size_t)(colon - a->ptr) - 1, &port) || port < 1 ||
        port > 65535) {
        resp_write_error(c->w, "ERR invalid address (want host:busport)");
        return;
    }
    memcpy(addr, a->ptr, a->len);
    addr[a->len] = '\0';
    if (c->argc == 5 && !parse_role(c, 4, &role))
        return;
    void *arg;
    if (begin_async(c, &arg))
        raft_node_add(id, addr, role, async_done, arg);
}

void cmd_raft_assign(exec_ctx *c)
{
    uint64_t id;
    int role;
    if (!parse_raft_id(c, 2, &id) || !parse_role(c, 3, &role))
        return;
    void *arg;
    if (begin_async(c, &arg))
        raft_node_assign(id, role, async_done, arg);
}

void cmd_raft_remove(exec_ctx *c)
{
    uint64_t id;
    if (!parse_raft_id(c, 2, &id))
        return;
    void *arg;
    if (begin_async(c, &arg))
        raft_node_remove(id, async_done, arg);
}

void cmd_raft_transfer(exec_ctx *c)
{
    uint64_t id = 0;
    if (c->argc > 3) {
        reply_syntax_error(c);
        return;
    }
    if (c->argc == 3 && !parse_raft_id(c, 2, &id))
        return;
    void *arg;
    if (begin_async(c, &arg))
        raft_node_transfer(id, async_done, arg);
}

static int lower_hex40(const rd_arg *a)
{
    if (a->len != 40)
        return 0;
    for (size_t i = 0; i < 40; i++) {
        char ch = a->ptr[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
            return 0;
    }
    return 1;
}

/* A member tells the leader its node id and client address; the leader logs it. */
void cmd_raft_announce(exec_ctx *c)
{
    uint64_t id;
    long long port, bus;
    if (!parse_raft_id(c, 2, &id))
        return;
    const rd_arg *host = &c->argv[4];
    int host_ok = host->len >= 1 && host->len <= MEMBER_HOST_MAX;
    for (size_t i = 0; host_ok && i < host->len; i++) {
        unsigned char ch = (unsigned char)host->ptr[i];
        if (ch <= ' ' || ch >= 0x7f || ch == ',' || ch == '@' || ch == '"')
            host_ok = 0;
    }
    if (!lower_hex40(&c->argv[3]) || !host_ok ||
        !rd_str2ll(c->argv[5].ptr, c->argv[5].len, &port) || port < 1 || port > 65535 ||
        !rd_str2ll(c->argv[6].ptr, c->argv[6].len, &bus) || bus < 1 || bus > 65535) {
        resp_write_error(c->w, "ERR invalid member record");
        return;
    }
    if (!raft_node_raft() || !raft_node_is_leader()) {
        resp_write_error(c->w, "TRYAGAIN this node is not the leader");
        return;
    }
    int in_config = 0;
    for (int i = 0, n = raft_node_config_count(); i < n; i++) {
        uint64_t rid;
        if (raft_node_config_at(i, &rid, NULL, NULL) == 0 && rid == id)
            in_config = 1;
    }
    if (!in_config) {
        /* A removed node must not bring its record back. */
        resp_write_errorf(c->w, "ERR raft id %llu is not a member of this shard", (unsigned long long)id);
        return;
    }
    const member *m = members_find(id);
    if (m && strlen(m->host) == host->len && memcmp(m->host, host->ptr, host->len) == 0 &&
        memcmp(m->node_id, c->argv[3].ptr, 40) == 0 && m->port == port && m->bus_port == bus) {
        resp_write_ok(c->w);
        return;
    }
    rd_arg argv[6] = {{"member-set", 10}, c->argv[2], c->argv[3], c->argv[4], c->argv[5], c->argv[6]};
    if (replicate_propose_internal(c->srv ? c->srv : &g_server, REPL_CMD_INTERNAL, 0, 6, argv) != 0) {
        resp_write_error(c->w, "TRYAGAIN this node is not the leader");
        return;
    }
    resp_write_ok(c->w);
}

/* One map per member: the Raft configuration first (its order), then records of the
 * member table that are not (or no longer) in it. */
static void write_member(exec_ctx *c, uint64_t id, int role, const char *raft_address, uint64_t leader)
{
    const member *m = members_find(id);
    resp_write_map_len(c->w, 9);
    resp_write_bulk_cstr(c->w, "raft-id");
    resp_write_int(c->w, (long long)id);
    resp_write_bulk_cstr(c->w, "node-id");
    if (m)
        resp_write_bulk_cstr(c->w, m->node_id);
    else
        resp_write_null(c->w);
    resp_write_bulk_cstr(c->w, "host");
    if (m)
        resp_write_bulk_cstr(c->w, m->host);
    else
        resp_write_null(c->w);
    resp_write_bulk_cstr(c->w, "port");
    resp_write_int(c->w, m ? m->port : 0);
    resp_write_bulk_cstr(c->w, "bus-port");
    resp_write_int(c->w, m ? m->bus_port : 0);
    resp_write_bulk_cstr(c->w, "raft-address");
    if (raft_address)
        resp_write_bulk_cstr(c->w, raft_address);
    else
        resp_write_null(c->w);
    resp_write_bulk_cstr(c->w, "role");
    resp_write_bulk_cstr(c->w, role_name(role));
    resp_write_bulk_cstr(c->w, "leader");
    resp_write_int(c->w, leader && id == leader);
    resp_write_bulk_cstr(c->w, "match-index");
    resp_write_int(c->w, (long long)raft_node_match_index(id));
}

void cmd_raft_members(exec_ctx *c)
{
    int n = raft_node_config_count();
    int extra = 0;
    for (int i = 0; i < members_count(); i++) {
        uint64_t mid = members_at(i)->raft_id;
        int found = 0;
        for (int j = 0; j < n && !found; j++) {
            uint64_t rid;
            found = raft_node_config_at(j, &rid, NULL, NULL) == 0 && rid == mid;
        }
        extra += !found;
    }
    uint64_t leader = raft_node_leader_id();
    resp_write_array_len(c->w, n + extra);
    for (int j = 0; j < n; j++) {
        uint64_t rid = 0;
        int role = -1;
        const char *addr = NULL;
        raft_node_config_at(j, &rid, &role, &addr);
        write_member(c, rid, role, addr, leader);
    }
    for (int i = 0; i < members_count(); i++) {
        uint64_t mid = members_at(i)->raft_id;
        int found = 0;
        for (int j = 0; j < n && !found; j++) {
            uint64_t rid;
            found = raft_node_config_at(j, &rid, NULL, NULL) == 0 && rid == mid;
        }
        if (!found)
            write_member(c, mid, -1, NULL, leader);
    }
}

void cmd_raft_help(exec_ctx *c)
{
    static const char *const lines[] = {
        "ADD <raft-id> <host:busport> [SPARE|STANDBY|VOTER]",
        "    Add a node to the shard (default VOTER: added as a spare, then a standby that",
        "    receives the log, promoted to voter once caught up). Sent to a follower, the",
        "    request is forwarded to the leader.",
        "ASSIGN <raft-id> SPARE|STANDBY|VOTER",
        "    Change the Raft role of a member.",
        "REMOVE <raft-id>",
        "    Remove a member from the shard (the leader hands leadership over first when",
        "    it removes itself).",
        "TRANSFER [<raft-id>]",
        "    Transfer leadership to a voter (default: the most caught-up one) once the",
        "    pending writes are committed and the target holds the whole log.",
        "ANNOUNCE <raft-id> <node-id> <host> <port> <bus-port>",
        "    Used by the members: record a member's node id and client address.",
        "REMOVED <raft-id> <node-id>",
        "    Used by the leader: tells a node it was removed from the shard (it stops serving).",
        "MEMBERS",
        "    Return the members: Raft id, node id, client host/port, bus port, Raft address,",
        "    role, whether it leads, and its match index (as seen by the leader).",
        NULL,
    };
    reply_help(c, lines);
}
