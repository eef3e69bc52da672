/* topology_view: building the current topology from the pushed topology, Raft and the
 * member table, and the CLUSTER SLOTS / SHARDS / NODES / INFO renderings of a view
 * (topology_view.h). */
#include "topology_view.h"

#include <stdio.h>
#include <string.h>

#include <raft.h>
#include <sodium.h>

#include "keyslot.h"
#include "members.h"
#include "mem.h"
#include "peer_links.h"
#include "raft_node.h"
#include "server.h"
#include "topology_store.h"

/* ---- construction helpers ------------------------------------------------------------ */

void topology_view_init(topology_view *v, int shard_count)
{
    memset(v, 0, sizeof *v);
    v->my_shard = v->my_node = -1;
    if (shard_count > 0) {
        v->shards = rd_calloc((size_t)shard_count, sizeof *v->shards);
        v->shard_count = shard_count;
    }
}

void topology_view_free(topology_view *v)
{
    for (int i = 0; i < v->shard_count; i++) {
        rd_free(v->shards[i].ranges);
        rd_free(v->shards[i].nodes);
    }
    rd_free(v->shards);
    memset(v, 0, sizeof *v);
    v->my_shard = v->my_node = -1;
}

topo_node *topo_shard_add_node(topo_shard *sh)
{
    sh->nodes = rd_realloc(sh->nodes, (size_t)(sh->node_count + 1) * sizeof *sh->nodes);
    topo_node *n = &sh->nodes[sh->node_count++];
    memset(n, 0, sizeof *n);
    return n;
}

void topo_shard_add_range(topo_shard *sh, int start, int end)
{
    sh->ranges = rd_realloc(sh->ranges, (size_t)(sh->range_count + 1) * sizeof *sh->ranges);
    sh->ranges[sh->range_count].start = start;
    sh->ranges[sh->range_count].end = end;
    sh->range_count++;
}

const topo_node *topology_shard_master(const topo_shard *sh)
{
    return sh->node_count > 0 && (sh->nodes[0].flags & TOPO_NODE_MASTER) ? &sh->nodes[0] : NULL;
}

const topo_node *topology_myself(const topology_view *v)
{
    if (v->my_shard < 0 || v->my_shard >= v->shard_count)
        return NULL;
    const topo_shard *sh = &v->shards[v->my_shard];
    return v->my_node >= 0 && v->my_node < sh->node_count ? &sh->nodes[v->my_node] : NULL;
}

const topo_node *topo_view_find_node(const topology_view *v, const char *id, size_t len, int *shard)
{
    for (int s = 0; s < v->shard_count; s++)
        for (int i = 0; i < v->shards[s].node_count; i++) {
            const topo_node *n = &v->shards[s].nodes[i];
            if (strlen(n->id) == len && memcmp(n->id, id, len) == 0) {
                if (shard)
                    *shard = s;
                return n;
            }
        }
    return NULL;
}

static int serving(const topo_shard *sh)
{
    const topo_node *m = topology_shard_master(sh);
    return m && !(m->flags & TOPO_NODE_FAIL);
}

/* Slot counts: assigned (owned by a shard), ok (its master known and not failed), fail
 * (the others: a failed master, or none known). */
static void slot_counts(const topology_view *v, int *assigned, int *ok, int *fail)
{
    unsigned char seen[CLUSTER_SLOTS / 8];
    memset(seen, 0, sizeof seen);
    *assigned = *ok = *fail = 0;
    for (int s = 0; s < v->shard_count; s++) {
        const topo_shard *sh = &v->shards[s];
        int good = serving(sh);
        for (int r = 0; r < sh->range_count; r++) {
            int a = sh->ranges[r].start < 0 ? 0 : sh->ranges[r].start;
            int b = sh->ranges[r].end >= CLUSTER_SLOTS ? CLUSTER_SLOTS - 1 : sh->ranges[r].end;
            for (int slot = a; slot <= b; slot++) {
                if (seen[slot >> 3] & (1u << (slot & 7)))
                    continue; /* overlapping ranges count once */
                seen[slot >> 3] |= (unsigned char)(1u << (slot & 7));
                (*assigned)++;
                if (good)
                    (*ok)++;
                else
                    (*fail)++;
            }
        }
    }
}

int topology_state_ok(const topology_view *v)
{
    int assigned, ok, fail;
    slot_counts(v, &assigned, &ok, &fail);
    return ok == CLUSTER_SLOTS && !v->outside;
}

void topology_shard_id(uint64_t lowest_raft_id, char out[TOPO_ID_LEN + 1])
{
    char in[64];
    int n = snprintf(in, sizeof in, "redraft-shard:%llu", (unsigned long long)lowest_raft_id);
    unsigned char h[TOPO_ID_LEN / 2];
    crypto_generichash(h, sizeof h, (const unsigned char *)in, (unsigned long long)n, NULL, 0);
    for (size_t i = 0; i < sizeof h; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static void copy_str(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

/* ---- a pushed topology ------------------------------------------------------------------- */

/* Moves the node at index i of sh to the front (the master first, the others in order). */
static void to_front(topo_shard *sh, int i)
{
    if (i <= 0 || i >= sh->node_count)
        return;
    topo_node m = sh->nodes[i];
    memmove(&sh->nodes[1], &sh->nodes[0], (size_t)i * sizeof *sh->nodes);
    sh->nodes[0] = m;
}

/* The topology shard listing one of own's nodes by id, or -1. */
static int shard_listing(const topology *t, const topo_shard *own)
{
    for (int i = 0; i < t->shard_count; i++)
        for (int k = 0; k < t->shards[i].node_count; k++)
            for (int j = 0; j < own->node_count; j++)
                if (strcmp(t->shards[i].nodes[k].id, own->nodes[j].id) == 0)
                    return i;
    return -1;
}

/* Where node n stands in the topology shard ts: its index there, after them the nodes
 * the topology does not list (in their own order, given by `fallback`). */
static int topology_rank(const topology_shard *ts, const topo_node *n, int fallback)
{
    for (int k = 0; k < ts->node_count; k++)
        if (strcmp(ts->nodes[k].id, n->id) == 0)
            return k;
    return ts->node_count + fallback;
}

/* The replicas of this node's shard in the topology's order, so that every node of the
 * cluster lists them alike (the master stays first). */
static void order_like_topology(topo_shard *sh, const topology_shard *ts)
{
    int first = topology_shard_master(sh) ? 1 : 0;
    for (int i = first + 1; i < sh->node_count; i++) {
        topo_node x = sh->nodes[i];
        int rx = topology_rank(ts, &x, i);
        int j = i;
        while (j > first && topology_rank(ts, &sh->nodes[j - 1], j - 1) > rx) {
            sh->nodes[j] = sh->nodes[j - 1];
            j--;
        }
        sh->nodes[j] = x;
    }
}

static void take_nodes(topo_shard *dst, topo_shard *own)
{
    dst->nodes = own->nodes;
    dst->node_count = own->node_count;
    own->nodes = NULL;
    own->node_count = 0;
}

void topology_view_from_topology(topology_view *v, const topology *t, const int *masters, int my_shard,
                                 topo_shard *own)
{
    int mine = my_shard;
    if (mine < 0 && own)
        mine = shard_listing(t, own);
    int extra = own && mine < 0;
    topology_view_init(v, t->shard_count + extra);
    v->current_epoch = t->epoch;
    v->outside = my_shard < 0;
    for (int i = 0; i < t->shard_count; i++) {
        const topology_shard *ts = &t->shards[i];
        topo_shard *sh = &v->shards[i];
        copy_str(sh->id, sizeof sh->id, ts->id);
        sh->config_epoch = t->epoch;
        for (int r = 0; r < ts->range_count; r++)
            topo_shard_add_range(sh, ts->ranges[r].start, ts->ranges[r].end);
        if (i == mine && own) {
            take_nodes(sh, own);
            order_like_topology(sh, ts);
            continue;
        }
        for (int k = 0; k < ts->node_count; k++) {
            const topology_node *tn = &ts->nodes[k];
            topo_node *n = topo_shard_add_node(sh);
            copy_str(n->id, sizeof n->id, tn->id);
            copy_str(n->host, sizeof n->host, tn->host);
            n->port = tn->port;
            n->bus_port = tn->bus_port;
            n->raft_id = tn->raft_id;
            n->flags = TOPO_NODE_REMOTE | (masters && k == masters[i] ? TOPO_NODE_MASTER : 0);
        }
        if (masters && masters[i] >= 0)
            to_front(sh, masters[i]);
    }
    if (extra) {
        topo_shard *sh = &v->shards[t->shard_count];
        copy_str(sh->id, sizeof sh->id, own->id);
        sh->config_epoch = t->epoch;
        take_nodes(sh, own);
        mine = t->shard_count;
    }
    v->my_shard = mine;
    if (mine >= 0)
        for (int i = 0; i < v->shards[mine].node_count; i++)
            if (v->shards[mine].nodes[i].flags & TOPO_NODE_MYSELF)
                v->my_node = i;
}

/* ---- this node's Raft group ---------------------------------------------------------------- */

/* Node-local memory of the last leader seen, so that while an election runs the views
 * still name the shard's (failed) master, as Redis keeps listing a failed master. */
static uint64_t last_leader_id;

/* This node's own client address when the member table has no record of it yet: what
 * it announces (cluster-announce-ip), else its first specific bind address. */
static void own_address(const server *s, topo_node *n)
{
    const char *host = s->cfg.cluster_announce_ip;
    if (!host || !host[0]) {
        host = "127.0.0.1";
        if (s->cfg.bind_count > 0 && s->cfg.bind[0]) {
            const char *b = s->cfg.bind[0];
            if (b[0] == '-')
                b++; /* "-addr": optional bind */
            if (b[0] && strcmp(b, "*") != 0 && strcmp(b, "0.0.0.0") != 0 && strcmp(b, "::") != 0 &&
                strcmp(b, "::*") != 0)
                host = b;
        }
    }
    copy_str(n->host, sizeof n->host, host);
    n->port = s->cfg.port;
    n->bus_port = s->cfg.cluster_port > 0 ? s->cfg.cluster_port : s->cfg.port + 10000;
}

static void fill_from_member(topo_node *n, const member *m)
{
    copy_str(n->id, sizeof n->id, m->node_id);
    copy_str(n->host, sizeof n->host, m->host);
    n->port = m->port;
    n->bus_port = m->bus_port;
}

static void fill_myself(topo_node *n, const server *s)
{
    const member *m = raft_node_raft() ? members_find(raft_node_id()) : NULL;
    if (m && m->host[0] && m->port > 0)
        fill_from_member(n, m);
    else
        own_address(s, n);
    const char *nid = raft_node_node_id();
    if (nid && nid[0])
        copy_str(n->id, sizeof n->id, nid);
    else if (!n->id[0])
        copy_str(n->id, sizeof n->id, s->run_id); /* Raft not started (unit tests) */
    n->raft_id = raft_node_raft() ? raft_node_id() : 0;
    n->flags |= TOPO_NODE_MYSELF;
}

/* This node's Raft group as a shard without slots: its nodes (the master first), its
 * derived id and the Raft term as config epoch. */
static void build_raft_shard(topo_shard *sh, server *s)
{
    memset(sh, 0, sizeof *sh);
    if (!raft_node_raft()) {
        /* Raft not running (unit tests, start-up): a lone node that is its own master. */
        topo_node *me = topo_shard_add_node(sh);
        fill_myself(me, s);
        me->flags |= TOPO_NODE_MASTER;
        topology_shard_id(0, sh->id);
        return;
    }

    uint64_t me_id = raft_node_id();
    int leading = raft_node_is_leader();
    uint64_t leader = leading ? me_id : raft_node_leader_id();
    if (!leading && leader == me_id)
        leader = 0; /* elected, but the data path has not been told yet: not serving */
    if (leader)
        last_leader_id = leader;
    uint64_t master_id = leader ? leader : last_leader_id;
    long long applied = (long long)raft_node_applied_index();
    long long commit = (long long)raft_node_commit_index();

    uint64_t lowest = 0;
    int me_found = 0;
    int count = raft_node_config_count();
    for (int i = 0; i < count; i++) {
        uint64_t id = 0;
        int role = 0;
        const char *addr = NULL;
        if (raft_node_config_at(i, &id, &role, &addr) != 0 || id == 0)
            continue;
        if (!lowest || id < lowest)
            lowest = id;
        if (role == RAFT_SPARE && id != me_id)
            continue; /* holds no data: not a replica */
        topo_node n;
        memset(&n, 0, sizeof n);
        if (id == me_id) {
            fill_myself(&n, s);
            me_found = 1;
        } else {
            const member *m = members_find(id);
            if (!m || !m->host[0] || m->port <= 0 || !m->node_id[0])
                continue; /* not announced yet: no address to give clients */
            fill_from_member(&n, m);
        }
        n.raft_id = id;
        if (role != RAFT_VOTER)
            n.flags |= TOPO_NODE_NOFAILOVER;
        if (id == me_id)
            n.repl_offset = applied;
        else if (leading)
            n.repl_offset = (long long)raft_node_match_index(id);
        else if (id == leader)
            n.repl_offset = commit;
        else
            n.repl_offset = applied;
        if (id == master_id) {
            n.flags |= TOPO_NODE_MASTER;
            if (!leader)
                n.flags |= TOPO_NODE_FAIL;
        }
        *topo_shard_add_node(sh) = n;
    }
    if (!me_found) {
        /* Not (yet) in the configuration: joining, or removed. Still myself. */
        topo_node *n = topo_shard_add_node(sh);
        fill_myself(n, s);
        n->repl_offset = applied;
        n->flags |= TOPO_NODE_NOFAILOVER;
    }
    for (int i = 1; i < sh->node_count; i++)
        if (sh->nodes[i].flags & TOPO_NODE_MASTER) {
            to_front(sh, i);
            break;
        }
    sh->config_epoch = raft_node_term();
    topology_shard_id(lowest ? lowest : me_id, sh->id);
}

/* Index of shard `shard`'s believed master among its topology nodes, or -1. */
static int master_index(const topology *t, int shard)
{
    const topology_shard *ts = &t->shards[shard];
    const topology_node *l = topology_store_leader(shard);
    if (l)
        for (int k = 0; k < ts->node_count; k++)
            if (strcmp(ts->nodes[k].id, l->id) == 0)
                return k;
    return ts->node_count > 0 ? 0 : -1; /* the master hint */
}

/* Nodes this node cannot reach over its peer link are shown failed (Redis's "fail"
 * flag, left out of CLUSTER SLOTS as replicas). Not this shard's master while Raft knows
 * one: Raft's own traffic is the better witness for it. */
static void flag_unreachable(topology_view *v)
{
    for (int i = 0; i < v->shard_count; i++) {
        topo_shard *sh = &v->shards[i];
        for (int k = 0; k < sh->node_count; k++) {
            topo_node *n = &sh->nodes[k];
            if (n->flags & (TOPO_NODE_MYSELF | TOPO_NODE_FAIL))
                continue;
            if (i == v->my_shard && (n->flags & TOPO_NODE_MASTER) && raft_node_leader_id() != 0)
                continue;
            if (peer_links_node_unreachable(n->id))
                n->flags |= TOPO_NODE_FAIL;
        }
    }
}

void topology_view_build(topology_view *v, server *s)
{
    topo_shard own;
    build_raft_shard(&own, s);
    const topology *t = topology_store_get();
    if (!t) {
        /* No topology pushed: this Raft group is the whole cluster. */
        topology_view_init(v, 1);
        v->shards[0] = own;
        topo_shard_add_range(&v->shards[0], 0, CLUSTER_SLOTS - 1);
        v->my_shard = 0;
        for (int i = 0; i < v->shards[0].node_count; i++)
            if (v->shards[0].nodes[i].flags & TOPO_NODE_MYSELF)
                v->my_node = i;
        v->current_epoch = own.config_epoch;
        flag_unreachable(v);
        return;
    }
    int my = topology_store_my_shard();
    int *masters = rd_malloc((size_t)(t->shard_count > 0 ? t->shard_count : 1) * sizeof *masters);
    for (int i = 0; i < t->shard_count; i++)
        masters[i] = i == my ? -1 : master_index(t, i);
    topology_view_from_topology(v, t, masters, my, &own);
    rd_free(masters);
    rd_free(own.nodes); /* NULL once moved into the view */
    rd_free(own.ranges);
    flag_unreachable(v);
}

/* ---- CLUSTER SLOTS ----------------------------------------------------------------------- */

/* Redis leaves out replicas that are failing or have nothing yet (offset 0); another
 * shard's replicas (offset unknown here) are listed. */
static int slots_lists_replica(const topo_node *n)
{
    return !(n->flags & (TOPO_NODE_MASTER | TOPO_NODE_FAIL)) &&
           (n->repl_offset != 0 || (n->flags & TOPO_NODE_REMOTE));
}

static void write_slots_node(resp_writer *w, const topo_node *n)
{
    resp_write_array_len(w, 4);
    resp_write_bulk_cstr(w, n->host);
    resp_write_int(w, n->port);
    resp_write_bulk_cstr(w, n->id);
    resp_write_map_len(w, 0); /* no hostname announced: empty metadata */
}

typedef struct slot_entry {
    int start, end, shard;
} slot_entry;

void topology_write_slots(resp_writer *w, const topology_view *v)
{
    /* Ranges of shards that have a master, in slot order (Redis walks the slots). */
    int total = 0;
    for (int s = 0; s < v->shard_count; s++)
        if (topology_shard_master(&v->shards[s]))
            total += v->shards[s].range_count;
    slot_entry *e = total ? rd_malloc((size_t)total * sizeof *e) : NULL;
    int n = 0;
    for (int s = 0; s < v->shard_count; s++) {
        if (!topology_shard_master(&v->shards[s]))
            continue;
        for (int r = 0; r < v->shards[s].range_count; r++) {
            slot_entry x = {v->shards[s].ranges[r].start, v->shards[s].ranges[r].end, s};
            int j = n++;
            while (j > 0 && e[j - 1].start > x.start) { /* insertion sort: few ranges */
                e[j] = e[j - 1];
                j--;
            }
            e[j] = x;
        }
    }
    resp_write_array_len(w, n);
    for (int i = 0; i < n; i++) {
        const topo_shard *sh = &v->shards[e[i].shard];
        int replicas = 0;
        for (int k = 1; k < sh->node_count; k++)
            replicas += slots_lists_replica(&sh->nodes[k]);
        resp_write_array_len(w, 3 + replicas);
        resp_write_int(w, e[i].start);
        resp_write_int(w, e[i].end);
        write_slots_node(w, &sh->nodes[0]);
        for (int k = 1; k < sh->node_count; k++)
            if (slots_lists_replica(&sh->nodes[k]))
                write_slots_node(w, &sh->nodes[k]);
    }
    rd_free(e);
}

/* ---- CLUSTER SHARDS ---------------------------------------------------------------------- */

static const char *node_health(const topo_node *n)
{
    if (n->flags & TOPO_NODE_FAIL)
        return "fail";
    if (!(n->flags & (TOPO_NODE_MASTER | TOPO_NODE_REMOTE)) && n->repl_offset == 0)
        return "loading";
    return "online";
}

void topology_write_shards(resp_writer *w, const topology_view *v)
{
    resp_write_array_len(w, v->shard_count);
    for (int s = 0; s < v->shard_count; s++) {
        const topo_shard *sh = &v->shards[s];
        resp_write_map_len(w, 2);
        resp_write_bulk_cstr(w, "slots");
        resp_write_array_len(w, 2LL * sh->range_count);
        for (int r = 0; r < sh->range_count; r++) {
            resp_write_int(w, sh->ranges[r].start);
            resp_write_int(w, sh->ranges[r].end);
        }
        resp_write_bulk_cstr(w, "nodes");
        resp_write_array_len(w, sh->node_count);
        for (int i = 0; i < sh->node_count; i++) {
            const topo_node *n = &sh->nodes[i];
            resp_write_map_len(w, 7);
            resp_write_bulk_cstr(w, "id");
            resp_write_bulk_cstr(w, n->id);
            resp_write_bulk_cstr(w, "port");
            resp_write_int(w, n->port);
            resp_write_bulk_cstr(w, "ip");
            resp_write_bulk_cstr(w, n->host);
            resp_write_bulk_cstr(w, "endpoint");
            resp_write_bulk_cstr(w, n->host);
            resp_write_bulk_cstr(w, "role");
            resp_write_bulk_cstr(w, (n->flags & TOPO_NODE_MASTER) ? "master" : "replica");
            resp_write_bulk_cstr(w, "replication-offset");
            resp_write_int(w, n->repl_offset);
            resp_write_bulk_cstr(w, "health");
            resp_write_bulk_cstr(w, node_health(n));
        }
    }
}

/* ---- CLUSTER NODES ----------------------------------------------------------------------- */

void topology_format_node_line(bytebuf *o, const topology_view *v, int shard, int node, int64_t now_ms)
{
    const topo_shard *sh = &v->shards[shard];
    const topo_node *n = &sh->nodes[node];
    const topo_node *master = topology_shard_master(sh);
    int is_master = (n->flags & TOPO_NODE_MASTER) != 0;
    bytebuf_appendf(o, "%s %s:%d@%d ", n->id, n->host, n->port, n->bus_port);
    /* flags in Redis's order: myself, master, slave, fail?, fail, handshake, noaddr, nofailover */
    int first = 1;
#define FLAG(cond, name)                                    \
    do {                                                    \
        if (cond) {                                         \
            bytebuf_append_str(o, first ? name : "," name); \
            first = 0;                                      \
        }                                                   \
    } while (0)
    FLAG(n->flags & TOPO_NODE_MYSELF, "myself");
    FLAG(is_master, "master");
    FLAG(!is_master, "slave");
    FLAG(n->flags & TOPO_NODE_FAIL, "fail");
    FLAG(n->flags & TOPO_NODE_NOFAILOVER, "nofailover");
#undef FLAG
    int me = (n->flags & TOPO_NODE_MYSELF) != 0;
    int down = (n->flags & TOPO_NODE_FAIL) != 0;
    /* ping-sent, pong-recv: myself prints 0 0; a live peer "just answered" */
    bytebuf_appendf(o, " %s 0 %lld %llu %s", (!is_master && master && master != n) ? master->id : "-",
                    (me || down) ? 0LL : (long long)now_ms, (unsigned long long)sh->config_epoch,
                    down ? "disconnected" : "connected");
    if (is_master)
        for (int r = 0; r < sh->range_count; r++) {
            if (sh->ranges[r].start == sh->ranges[r].end)
                bytebuf_appendf(o, " %d", sh->ranges[r].start);
            else
                bytebuf_appendf(o, " %d-%d", sh->ranges[r].start, sh->ranges[r].end);
        }
}

void topology_format_nodes(bytebuf *o, const topology_view *v, int64_t now_ms)
{
    for (int s = 0; s < v->shard_count; s++)
        for (int i = 0; i < v->shards[s].node_count; i++) {
            topology_format_node_line(o, v, s, i, now_ms);
            bytebuf_append_char(o, '\n');
        }
}

/* ---- CLUSTER INFO ------------------------------------------------------------------------ */

void topology_format_info(bytebuf *o, const topology_view *v)
{
    int assigned, ok, fail;
    slot_counts(v, &assigned, &ok, &fail);
    int known = 0, size = 0;
    for (int s = 0; s < v->shard_count; s++) {
        known += v->shards[s].node_count;
        if (topology_shard_master(&v->shards[s]) && v->shards[s].range_count > 0)
            size++;
    }
    uint64_t my_epoch = v->my_shard >= 0 && v->my_shard < v->shard_count ? v->shards[v->my_shard].config_epoch : 0;
    bytebuf_appendf(o,
                    "cluster_state:%s\r\n"
                    "cluster_slots_assigned:%d\r\n"
                    "cluster_slots_ok:%d\r\n"
                    "cluster_slots_pfail:0\r\n"
                    "cluster_slots_fail:%d\r\n"
                    "cluster_known_nodes:%d\r\n"
                    "cluster_size:%d\r\n"
                    "cluster_current_epoch:%llu\r\n"
                    "cluster_my_epoch:%llu\r\n"
                    "cluster_stats_messages_sent:0\r\n"
                    "cluster_stats_messages_received:0\r\n"
                    "total_cluster_links_buffer_limit_exceeded:0\r\n",
                    ok == CLUSTER_SLOTS ? "ok" : "fail", assigned, ok, fail, known, size,
                    (unsigned long long)v->current_epoch, (unsigned long long)my_epoch);
}
