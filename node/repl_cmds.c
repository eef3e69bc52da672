/* repl_cmds.c: ROLE, WAIT, READONLY, READWRITE, and INFO's Replication and Raft sections
 * (repl_cmds.h).
 *
 * These never go through the log (connection commands): they describe this node's view
 * of its shard. WAIT parks the client (client_block) and is re-checked after every loop
 * iteration's I/O (a uv_check handle, so a match index that advanced in this iteration's
 * poll is seen before the replies are flushed) and at its deadline (a uv_timer); both
 * handles run only while some client waits and are unreferenced, so they never keep the
 * loop alive at shutdown. */
#include "repl_cmds.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <raft.h>

#include "client.h"
#include "command.h"
#include "commands.h"
#include "members.h"
#include "mem.h"
#include "raft_node.h"
#include "replicate.h"
#include "server.h"
#include "snapshot.h"
#include "strutil.h"
#include "topology_view.h"

#define REPL_BACKLOG_SIZE 1048576 /* what Redis reports by default; Raft's log is the backlog */

static int raft_running(void)
{
    return raft_node_raft() != NULL;
}

const char *repl_role_name(void)
{
    return !raft_running() || raft_node_is_leader() ? "master" : "replica";
}

/* Is myself the view's (live) master? */
static int view_i_am_master(const topology_view *v)
{
    const topo_node *me = topology_myself(v);
    return me && (me->flags & TOPO_NODE_MASTER) && !(me->flags & TOPO_NODE_FAIL);
}

static const topo_node *view_my_master(const topology_view *v)
{
    if (v->my_shard < 0 || v->my_shard >= v->shard_count)
        return NULL;
    return topology_shard_master(&v->shards[v->my_shard]);
}

/* Replicas the master lists: the other live nodes of its shard. */
static int listed_replica(const topo_node *n)
{
    return !(n->flags & (TOPO_NODE_MYSELF | TOPO_NODE_MASTER | TOPO_NODE_FAIL));
}

/* ---- ROLE ------------------------------------------------------------------------------ */

void repl_write_role(resp_writer *w, const topology_view *v, long long offset)
{
    if (view_i_am_master(v)) {
        const topo_shard *sh = &v->shards[v->my_shard];
        int n = 0;
        for (int i = 0; i < sh->node_count; i++)
            n += listed_replica(&sh->nodes[i]);
        resp_write_array_len(w, 3);
        resp_write_bulk_cstr(w, "master");
        resp_write_int(w, offset);
        resp_write_array_len(w, n);
        for (int i = 0; i < sh->node_count; i++) {
            const topo_node *r = &sh->nodes[i];
            if (!listed_replica(r))
                continue;
            resp_write_array_len(w, 3);
            resp_write_bulk_cstr(w, r->host);
            resp_write_bulk_ll(w, r->port);
            resp_write_bulk_ll(w, r->repl_offset);
        }
        return;
    }
    /* A follower: connected when a leader is known; otherwise Redis's "connect" state
     * with offset -1 (no master link), naming the last leader if there was one. */
    const topo_node *m = view_my_master(v);
    int up = m && !(m->flags & TOPO_NODE_FAIL);
    resp_write_array_len(w, 5);
    resp_write_bulk_cstr(w, "slave");
    resp_write_bulk_cstr(w, m ? m->host : "");
    resp_write_int(w, m ? m->port : 0);
    resp_write_bulk_cstr(w, up ? "connected" : "connect");
    resp_write_int(w, up ? offset : -1);
}

void cmd_role(exec_ctx *c)
{
    topology_view v;
    topology_view_build(&v, c->srv ? c->srv : &g_server);
    repl_write_role(c->w, &v, raft_running() ? (long long)raft_node_applied_index() : 0);
    topology_view_free(&v);
}

/* ---- READONLY / READWRITE ------------------------------------------------------------- */

static int cluster_mode(exec_ctx *c)
{
    if (c->srv && c->srv->cfg.cluster_enabled)
        return 1;
    resp_write_error(c->w, "ERR This instance has cluster support disabled");
    return 0;
}

void cmd_readonly(exec_ctx *c)
{
    if (!cluster_mode(c))
        return;
    if (c->client)
        c->client->flags |= CLIENT_READONLY;
    resp_write_ok(c->w);
}

void cmd_readwrite(exec_ctx *c)
{
    if (!cluster_mode(c))
        return;
    if (c->client)
        c->client->flags &= ~(uint32_t)CLIENT_READONLY;
    resp_write_ok(c->w);
}

/* ---- WAIT ------------------------------------------------------------------------------ */

typedef struct wait_entry {
    uint64_t client_id;
    uint64_t target;       /* log index the client's last write went into */
    long long numreplicas;
    int64_t deadline_ms;   /* monotonic; 0 = no timeout */
} wait_entry;

static wait_entry *waiters;
static size_t waiter_count, waiter_cap;
static uv_check_t wait_check;
static uv_timer_t wait_timer;
static uv_loop_t *wait_loop; /* the loop the handles were initialised on */

/* Followers (voters and standbys other than this node) whose match index reached target. */
static long long acked_replicas(uint64_t target)
{
    if (!raft_running() || !raft_node_is_leader())
        return 0;
    uint64_t me = raft_node_id();
    long long n = 0;
    int count = raft_node_config_count();
    for (int i = 0; i < count; i++) {
        uint64_t id = 0;
        int role = 0;
        const char *addr = NULL;
        if (raft_node_config_at(i, &id, &role, &addr) != 0 || id == me || role == RAFT_SPARE)
            continue;
        if (raft_node_match_index(id) >= target)
            n++;
    }
    return n;
}

static void wait_stop_handles(void)
{
    if (!wait_loop)
        return;
    if (!uv_is_closing((uv_handle_t *)&wait_check))
        uv_check_stop(&wait_check);
    if (!uv_is_closing((uv_handle_t *)&wait_timer))
        uv_timer_stop(&wait_timer);
}

static void wait_process(void);

static void on_wait_check(uv_check_t *h)
{
    (void)h;
    wait_process();
}

static void on_wait_timer(uv_timer_t *h)
{
    (void)h;
    wait_process();
}

/* Arms the check handle and the timer for the nearest deadline. */
static void wait_arm(void)
{
    server *s = &g_server;
    if (!s->loop)
        return;
    if (wait_loop != s->loop || uv_is_closing((uv_handle_t *)&wait_check) ||
        uv_is_closing((uv_handle_t *)&wait_timer)) {
        if (s->shutdown_asap)
            return;
        uv_check_init(s->loop, &wait_check);
        uv_timer_init(s->loop, &wait_timer);
        uv_unref((uv_handle_t *)&wait_check);
        uv_unref((uv_handle_t *)&wait_timer);
        wait_loop = s->loop;
    }
    if (waiter_count == 0) {
        wait_stop_handles();
        return;
    }
    if (!uv_is_active((uv_handle_t *)&wait_check))
        uv_check_start(&wait_check, on_wait_check);
    int64_t nearest = 0;
    for (size_t i = 0; i < waiter_count; i++)
        if (waiters[i].deadline_ms && (!nearest || waiters[i].deadline_ms < nearest))
            nearest = waiters[i].deadline_ms;
    if (nearest) {
        int64_t now = server_mono_ms();
        uv_timer_start(&wait_timer, on_wait_timer, nearest > now ? (uint64_t)(nearest - now) : 0, 0);
    } else {
        uv_timer_stop(&wait_timer);
    }
}

static void wait_reply(client *cl, long long n)
{
    resp_write_int(&cl->w, n);
    client_unblock(cl);
    client_flush(cl);
}

static void wait_process(void)
{
    server *s = &g_server;
    int64_t now = server_mono_ms();
    size_t kept = 0;
    for (size_t i = 0; i < waiter_count; i++) {
        wait_entry *e = &waiters[i];
        client *cl = client_find_by_id(s, e->client_id);
        if (!cl || (cl->flags & CLIENT_CLOSING))
            continue; /* gone: nothing to answer */
        long long n = acked_replicas(e->target);
        /* Losing leadership ends the wait too (the count cannot grow any more here). */
        if (n >= e->numreplicas || (e->deadline_ms && now >= e->deadline_ms) || !raft_node_is_leader() ||
            s->shutdown_asap) {
            wait_reply(cl, n);
            continue;
        }
        waiters[kept++] = *e;
    }
    waiter_count = kept;
    wait_arm();
}

void cmd_wait(exec_ctx *c)
{
    if (raft_running() && !raft_node_is_leader()) {
        resp_write_error(c->w, "ERR WAIT cannot be used with replica instances. Please also note that since "
                               "Redis 4.0 if a replica is configured to be writable (which is not the default) "
                               "writes to replicas are just local and are not propagated.");
        return;
    }
    long long numreplicas, timeout;
    if (!arg_ll(c, 1, &numreplicas))
        return;
    if (!rd_str2ll(c->argv[2].ptr, c->argv[2].len, &timeout)) {
        resp_write_error(c->w, "ERR timeout is not an integer or out of range");
        return;
    }
    if (timeout < 0) {
        resp_write_error(c->w, "ERR timeout is negative");
        return;
    }
    int64_t now = server_mono_ms();
    if (timeout > 0 && timeout > LLONG_MAX - now) {
        resp_write_error(c->w, "ERR timeout is out of range");
        return;
    }
    uint64_t target = c->client ? replicate_client_last_write(c->client) : 0;
    long long acked = acked_replicas(target);
    /* Satisfied already, or a context that cannot block (no connection: MULTI/scripts). */
    if (acked >= numreplicas || !c->client || !raft_running() || !c->srv || !c->srv->loop) {
        resp_write_int(c->w, acked);
        return;
    }
    if (waiter_count == waiter_cap) {
        waiter_cap = waiter_cap ? waiter_cap * 2 : 8;
        waiters = rd_realloc(waiters, waiter_cap * sizeof *waiters);
    }
    waiters[waiter_count++] = (wait_entry){c->client->id, target, numreplicas, timeout > 0 ? now + timeout : 0};
    client_block(c->client);
    wait_arm();
}

/* ---- INFO replication ------------------------------------------------------------------ */

void repl_format_info_replication(bytebuf *o, const topology_view *v, const repl_info_state *st)
{
    bytebuf_append_str(o, "# Replication\r\n");
    int master = view_i_am_master(v);
    int slaves = 0;
    if (master) {
        const topo_shard *sh = &v->shards[v->my_shard];
        for (int i = 0; i < sh->node_count; i++)
            slaves += listed_replica(&sh->nodes[i]);
        bytebuf_appendf(o, "role:master\r\nconnected_slaves:%d\r\n", slaves);
        int k = 0;
        for (int i = 0; i < sh->node_count; i++) {
            const topo_node *r = &sh->nodes[i];
            if (listed_replica(r))
                bytebuf_appendf(o, "slave%d:ip=%s,port=%d,state=online,offset=%lld,lag=0\r\n", k++, r->host,
                                r->port, r->repl_offset);
        }
    } else {
        const topo_node *m = view_my_master(v);
        int up = m && !(m->flags & TOPO_NODE_FAIL);
        bytebuf_appendf(o,
                        "role:slave\r\n"
                        "master_host:%s\r\n"
                        "master_port:%d\r\n"
                        "master_link_status:%s\r\n"
                        "master_last_io_seconds_ago:%lld\r\n"
                        "master_sync_in_progress:0\r\n"
                        "slave_read_repl_offset:%lld\r\n"
                        "slave_repl_offset:%lld\r\n",
                        m ? m->host : "", m ? m->port : 0, up ? "up" : "down",
                        up ? st->last_io_seconds : -1LL, st->offset, st->offset);
        if (!up)
            bytebuf_appendf(o, "master_link_down_since_seconds:%lld\r\n", st->last_io_seconds);
        bytebuf_append_str(o,
                           "slave_priority:100\r\n"
                           "slave_read_only:1\r\n"
                           "replica_announced:1\r\n"
                           "connected_slaves:0\r\n");
    }
    bytebuf_appendf(o,
                    "master_failover_state:no-failover\r\n"
                    "master_replid:%s\r\n"
                    "master_replid2:0000000000000000000000000000000000000000\r\n"
                    "master_repl_offset:%lld\r\n"
                    "second_repl_offset:-1\r\n"
                    "repl_backlog_active:1\r\n"
                    "repl_backlog_size:%d\r\n"
                    "repl_backlog_first_byte_offset:%lld\r\n"
                    "repl_backlog_histlen:%lld\r\n",
                    st->replid, st->offset, REPL_BACKLOG_SIZE, st->backlog_first, st->backlog_histlen);
}

/* Milliseconds since the leader last reached this follower (Raft restarts the election
 * timer on every AppendEntries from the current leader), or -1. */
static long long leader_contact_age_ms(void)
{
    struct raft *r = raft_node_raft();
    if (!r || !r->io || !r->io->time)
        return -1;
    raft_time now = r->io->time(r->io);
    return now >= r->election_timer_start ? (long long)(now - r->election_timer_start) : 0;
}

void repl_info_replication(server *s, bytebuf *o)
{
    topology_view v;
    topology_view_build(&v, s);
    repl_info_state st;
    memset(&st, 0, sizeof st);
    const topo_node *m = view_my_master(&v);
    const topo_node *me = topology_myself(&v);
    st.replid = m ? m->id : me ? me->id : s->run_id;
    if (raft_running()) {
        long long applied = (long long)raft_node_applied_index();
        long long snap = (long long)raft_node_snapshot_index();
        st.offset = applied;
        st.backlog_first = snap + 1;
        st.backlog_histlen = applied > snap ? applied - snap : 0;
        long long age = leader_contact_age_ms();
        st.last_io_seconds = age < 0 ? -1 : age / 1000;
    } else {
        st.backlog_first = 1;
        st.last_io_seconds = -1;
    }
    repl_format_info_replication(o, &v, &st);
    topology_view_free(&v);
}

/* ---- INFO raft ------------------------------------------------------------------------- */

static const char *state_name(int st)
{
    switch (st) {
    case RAFT_NODE_FOLLOWER: return "follower";
    case RAFT_NODE_CANDIDATE: return "candidate";
    case RAFT_NODE_LEADER: return "leader";
    default: return "unavailable";
    }
}

static const char *role_name(int role)
{
    switch (role) {
    case RAFT_VOTER: return "voter";
    case RAFT_STANDBY: return "standby";
    case RAFT_SPARE: return "spare";
    default: return "unknown";
    }
}

void repl_info_raft(server *s, bytebuf *o)
{
    (void)s;
    int running = raft_running();
    const char *nid = running ? raft_node_node_id() : NULL;
    bytebuf_appendf(o,
                    "# Raft\r\n"
                    "raft_node_id:%s\r\n"
                    "raft_id:%llu\r\n"
                    "raft_state:%s\r\n"
                    "raft_term:%llu\r\n"
                    "raft_leader_id:%llu\r\n"
                    "raft_commit_index:%llu\r\n"
                    "raft_applied_index:%llu\r\n"
                    "raft_last_index:%llu\r\n"
                    "raft_snapshot_index:%llu\r\n",
                    nid ? nid : "", running ? (unsigned long long)raft_node_id() : 0ULL,
                    state_name(running ? raft_node_state() : RAFT_NODE_UNAVAILABLE),
                    running ? (unsigned long long)raft_node_term() : 0ULL,
                    running ? (unsigned long long)raft_node_leader_id() : 0ULL,
                    running ? (unsigned long long)raft_node_commit_index() : 0ULL,
                    running ? (unsigned long long)raft_node_applied_index() : 0ULL,
                    running ? (unsigned long long)raft_last_index(raft_node_raft()) : 0ULL,
                    running ? (unsigned long long)raft_node_snapshot_index() : 0ULL);
    int count = running ? raft_node_config_count() : 0;
    bytebuf_appendf(o, "raft_members:%d\r\n", count);
    for (int i = 0; i < count; i++) {
        uint64_t id = 0;
        int role = 0;
        const char *addr = NULL;
        if (raft_node_config_at(i, &id, &role, &addr) != 0)
            continue;
        const member *m = members_find(id);
        bytebuf_appendf(o, "raft_member%d:id=%llu,role=%s,addr=%s,node_id=%s,host=%s,port=%d,match=%llu\r\n", i,
                        (unsigned long long)id, role_name(role), addr ? addr : "", m ? m->node_id : "",
                        m ? m->host : "", m ? m->port : 0, (unsigned long long)raft_node_match_index(id));
    }
    const snapshot_stats *ss = snapshot_get_stats();
    if (ss)
        bytebuf_appendf(o,
                        "raft_snapshots_taken:%lld\r\n"
                        "raft_snapshots_restored:%lld\r\n"
                        "raft_snapshots_failed:%lld\r\n"
                        "raft_snapshot_in_progress:%d\r\n"
                        "raft_snapshot_last_bytes:%lld\r\n"
                        "raft_snapshot_last_duration_ms:%lld\r\n"
                        "raft_snapshot_last_loop_block_us:%lld\r\n",
                        ss->taken, ss->restored, ss->failed, ss->in_progress, ss->last_bytes,
                        ss->last_duration_ms, ss->last_loop_block_us);
}
