/* replicate: the data path over Raft (see replicate.h for the model).
 *
 * A "round" is one entry this leader proposes: the writes of one loop iteration (group
 * commit) plus the clients waiting for a fence. The round being built collects them;
 * replicate_flush() turns it into bytes (log_entry.h) and raft_apply()s it; proposed
 * rounds wait in a FIFO until their entry is applied. The FSM recognises its own rounds
 * by the entry seed (64 random bits chosen at proposal): only then do replies go to
 * local clients, looked up by id because a client may be gone by the time its entry
 * commits.
 *
 * Ownership: a proposed round (and the raft_apply request inside it) belongs to raft
 * until raft's apply callback, which frees it; the FSM apply only marks it applied.
 * Raft 0.22 fires that callback after the apply (deferred), or with an error status and
 * no apply when the entry's fate is unknown (leadership lost): then every client that
 * waits on it is disconnected, never told "failed".
 *
 * Clients: a write on the leader is queued (pending_writes++), its reply comes at apply.
 * Anything else that would reply at once while the client still has pending writes, and
 * any keyspace read not yet covered by a fence, is "deferred": dispatch leaves the
 * request in the query buffer and the client blocks (reading paused) on the round being
 * built. When that round applies the client is resumed with `fenced` set -- every byte
 * it has buffered arrived before the round was proposed, so reads from them are
 * linearizable -- and its requests run again. */
#include "replicate.h"

#include <raft.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "client.h"
#include "command.h"
#include "dispatch.h"
#include "evict.h"
#include "keyspace.h"
#include "log_entry.h"
#include "mem.h"
#include "members.h"
#include "peer_links.h"
#include "raft_node.h"
#include "server.h"

#define BATCH_KEEP_CAP (256 * 1024) /* builder capacity kept between entries */

typedef struct round_cmd {
    uint64_t client_id;
    uint32_t flags;
} round_cmd;

typedef struct round {
    struct raft_apply req;     /* first: raft hands it back in the callback */
    uint64_t seed;
    uint64_t index;
    round_cmd *cmds;           /* one per command in the entry, in order */
    uint32_t ncmds, cmds_cap;
    size_t bytes;              /* argument bytes of its commands (replicate_pending_bytes) */
    uint64_t *waiters;         /* client ids blocked on this round */
    uint32_t nwaiters, waiters_cap;
    int applied;
    uint64_t proposed_us;      /* monotonic time just before raft_apply (read lease) */
    uint64_t lease_gen;        /* R.lease_gen when proposed */
    struct round *next;        /* proposed FIFO */
} round;

static struct {
    server *srv;
    log_entry_builder batch;
    round *building;           /* NULL until something needs a round this iteration */
    round *fifo_head, *fifo_tail;
    int inflight;
    int held;
    size_t pending_bytes;      /* sum of bytes over the building and proposed rounds */
    /* Read lease (raft-read-lease yes): reads skip the fence until lease_until_us.
     * lease_gen voids rounds proposed before a revocation; no lease before
     * lease_blocked_until_us (after a leadership transfer attempt). */
    uint64_t lease_until_us, lease_gen, lease_blocked_until_us;
} R;

/* ---- rounds -------------------------------------------------------------------------- */

static round *round_new(void)
{
    round *r = rd_calloc(1, sizeof *r);
    r->req.data = r;
    return r;
}

static size_t args_bytes(int argc, const rd_arg *argv)
{
    size_t n = 0;
    for (int i = 0; i < argc; i++)
        n += argv[i].len;
    return n;
}

/* r no longer holds writes that will add to memory (applied, or given up). */
static void round_release_bytes(round *r)
{
    R.pending_bytes -= r->bytes < R.pending_bytes ? r->bytes : R.pending_bytes;
    r->bytes = 0;
}

static void round_free(round *r)
{
    round_release_bytes(r);
    rd_free(r->cmds);
    rd_free(r->waiters);
    rd_free(r);
}

static round *building_round(void)
{
    if (!R.building) {
        R.building = round_new();
        log_entry_builder_reset(&R.batch);
    }
    return R.building;
}

static void round_add_cmd(round *r, uint64_t client_id, uint32_t flags)
{
    if (r->ncmds == r->cmds_cap) {
        r->cmds_cap = r->cmds_cap ? r->cmds_cap * 2 : 16;
        r->cmds = rd_realloc(r->cmds, r->cmds_cap * sizeof *r->cmds);
    }
    r->cmds[r->ncmds].client_id = client_id;
    r->cmds[r->ncmds].flags = flags;
    r->ncmds++;
}

static void round_add_waiter(round *r, uint64_t client_id)
{
    if (r->nwaiters == r->waiters_cap) {
        r->waiters_cap = r->waiters_cap ? r->waiters_cap * 2 : 16;
        r->waiters = rd_realloc(r->waiters, r->waiters_cap * sizeof *r->waiters);
    }
    r->waiters[r->nwaiters++] = client_id;
}

/* The outcome of r is unknown or r was never proposed: nobody waiting on it may get an
 * answer that could turn out wrong. Replies owed before it still go out. */
static void round_disconnect_clients(server *s, round *r)
{
    for (uint32_t i = 0; i < r->ncmds + r->nwaiters; i++) {
        uint64_t id = i < r->ncmds ? r->cmds[i].client_id : r->waiters[i - r->ncmds];
        client *c = id ? client_find_by_id(s, id) : NULL;
        if (!c || (c->flags & CLIENT_CLOSING))
            continue;
        c->flags |= CLIENT_CLOSE_AFTER_REPLY;
        c->fence = NULL;
        client_flush(c);
    }
}

static void fifo_remove(round *r)
{
    round **pp = &R.fifo_head;
    round *prev = NULL;
    while (*pp && *pp != r) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    if (!*pp)
        return;
    *pp = r->next;
    if (R.fifo_tail == r)
        R.fifo_tail = prev;
    r->next = NULL;
}

static void on_apply_done(struct raft_apply *req, int status, void *result)
{
    (void)result;
    round *r = req->data;
    if (!r->applied) {
        /* Not applied here (yet): leadership lost or the entry refused. It may still
         * commit under the next leader, so its clients get no answer at all. */
        if (status != 0)
            server_log(LL_NOTICE, "Raft entry %llu not confirmed (%s): closing its %u client(s)",
                       (unsigned long long)r->index, raft_strerror(status), r->ncmds + r->nwaiters);
        round_disconnect_clients(R.srv, r);
        fifo_remove(r);
        R.inflight--;
    }
    round_free(r);
}

/* ---- proposing ----------------------------------------------------------------------- */

/* Rounds proposed and not yet applied before the next one waits. A new round per loop
 * iteration would send many tiny entries while the previous ones are still in flight,
 * and each entry costs a disk write and a message round on every member; waiting for
 * the in-flight round lets everything that arrives meanwhile share one entry (larger
 * group commits, same latency: that round could not commit before the earlier ones). */
#ifndef REPL_MAX_ROUNDS_IN_FLIGHT
#define REPL_MAX_ROUNDS_IN_FLIGHT 1
#endif

void replicate_flush(server *s)
{
    round *r = R.building;
    if (!r || R.held || R.inflight >= REPL_MAX_ROUNDS_IN_FLIGHT)
        return;
    R.building = NULL;
    struct raft *raft = raft_node_raft();
    if (!raft || !raft_node_is_leader()) {
        round_disconnect_clients(s, r);
        round_free(r);
        return;
    }
    if (log_entry_builder_count(&R.batch) == 0) {
        /* A pure fence: an empty COMMANDS entry (the builder needs a type set). */
        log_entry_builder_free(&R.batch);
        log_entry_builder_init(&R.batch, LOG_ENTRY_COMMANDS);
    }
    r->seed = prng_next(&s->rng);
    if (r->seed == 0)
        r->seed = 1;
    const char *data;
    size_t len;
    int rc = log_entry_builder_finish(&R.batch, server_next_entry_ms(s), r->seed, &data, &len);
    struct raft_buffer buf = {NULL, 0};
    if (rc == LOG_ENTRY_OK) {
        buf.base = raft_malloc(len);
        buf.len = len;
    }
    if (!buf.base) {
        server_log(LL_WARNING, "Cannot build a Raft entry (%s)", log_entry_strerror(rc));
        round_disconnect_clients(s, r);
        round_free(r);
        log_entry_builder_reset(&R.batch);
        return;
    }
    memcpy(buf.base, data, len);
    if (R.batch.buf.cap > BATCH_KEEP_CAP) {
        /* A burst (a big pipeline) grew it: give the memory back. */
        log_entry_builder_free(&R.batch);
        log_entry_builder_init(&R.batch, LOG_ENTRY_COMMANDS);
    } else {
        log_entry_builder_reset(&R.batch);
    }
    r->proposed_us = uv_hrtime() / 1000; /* before anything is sent: see lease_extend */
    r->lease_gen = R.lease_gen;
    rc = raft_apply(raft, &r->req, &buf, 1, on_apply_done);
    if (rc != 0) {
        /* Never appended: raft did not take the buffer. */
        raft_free(buf.base);
        server_log(LL_VERBOSE, "raft_apply: %s", raft_strerror(rc));
        round_disconnect_clients(s, r);
        round_free(r);
        return;
    }
    r->index = r->req.index;
    for (uint32_t i = 0; i < r->ncmds; i++) {
        client *c = r->cmds[i].client_id ? client_find_by_id(s, r->cmds[i].client_id) : NULL;
        if (c)
            c->last_write_index = r->index;
    }
    if (R.fifo_tail)
        R.fifo_tail->next = r;
    else
        R.fifo_head = r;
    R.fifo_tail = r;
    R.inflight++;
}

int replicate_propose_internal(server *s, uint32_t flags, int dbid, int argc, const rd_arg *argv)
{
    if (!raft_node_raft() || !raft_node_is_leader())
        return -1;
    round *r = building_round();
    (void)s;
    if (dbid < 0 || dbid >= SERVER_DBNUM_MAX ||
        log_entry_builder_add_command(&R.batch, 0, 0, (uint16_t)dbid, flags, argc, argv) != LOG_ENTRY_OK)
        return -1;
    round_add_cmd(r, 0, flags);
    return 0;
}

/* ---- read lease ---------------------------------------------------------------------- *
 *
 * With raft-read-lease yes the leader answers reads without a fence while it holds a
 * lease: for lease_ms after proposing an entry that then committed. Why that is safe
 * with libraft 0.22: the entry was sent after proposed_us, so every member of the
 * majority that stored it heard from this leader after that time, and a server that
 * knows a leader (a follower until its election timer fires, at least
 * raft-election-timeout after the last contact; the leader itself, always) rejects
 * vote and pre-vote requests. Any other leader needs one of those votes, so none can
 * exist before proposed_us + election timeout; lease_ms is 80% of it, leaving room for
 * clocks that run up to 20% apart. Single-server membership changes keep old and new
 * majorities overlapping. The one exception is a leadership transfer (TimeoutNow: the
 * target's requests carry disrupt_leader and are granted at once), so holding for a
 * transfer revokes the lease and none is taken again for two election timeouts after
 * it. Off by default: the default proves leadership with a round for every read
 * batch, which assumes nothing about clocks. */

static uint64_t lease_ms(const server *s)
{
    return (uint64_t)s->cfg.raft_election_timeout * 8 / 10;
}

static void lease_revoke(void)
{
    R.lease_until_us = 0;
    R.lease_gen++;
}

/* A round this leader proposed was applied: it committed. */
static void lease_extend(const server *s, const round *r)
{
    if (!s->cfg.raft_read_lease || r->lease_gen != R.lease_gen || R.held)
        return;
    if (r->proposed_us < R.lease_blocked_until_us)
        return;
    uint64_t until = r->proposed_us + lease_ms(s) * 1000;
    if (until > R.lease_until_us)
        R.lease_until_us = until;
}

static int lease_valid(const server *s)
{
    if (!s->cfg.raft_read_lease || R.held || R.lease_until_us == 0)
        return 0;
    return uv_hrtime() / 1000 < R.lease_until_us;
}

void replicate_hold(int on)
{
    if (on) {
        lease_revoke();
    } else if (R.held) {
        /* The transfer is over (done or failed): its target may still be collecting
         * disrupting votes for a while; take no lease from rounds proposed meanwhile. */
        R.lease_blocked_until_us = uv_hrtime() / 1000 + 2 * (uint64_t)R.srv->cfg.raft_election_timeout * 1000;
    }
    R.held = on;
}

int replicate_inflight(void)
{
    return R.inflight;
}

size_t replicate_pending_bytes(void)
{
    return R.pending_bytes;
}

uint64_t replicate_client_last_write(const client *c)
{
    return c->last_write_index;
}

/* ---- routing a client's command ------------------------------------------------------ */

/* Waits for the round being built: the client is resumed, fenced, once it applies. */
void replicate_defer(client *c)
{
    round *r = building_round();
    round_add_waiter(r, c->id);
    c->fence = r;
    client_block(c);
}

/* A shard whose configuration (committed or not) holds only this node: no other node
 * can ever lead without a configuration change first appearing in this node's log, so a
 * read needs no fence. Adding a member puts it in the configuration at once, which ends
 * the shortcut before the new member could vote. */
static int sole_member(void)
{
    uint64_t id;
    return raft_node_config_count() == 1 && raft_node_config_at(0, &id, NULL, NULL) == 0 &&
           id == raft_node_id();
}

int replicate_route(client *c, command *cmd, int argc, rd_arg *argv, resp_writer *w)
{
    int access = command_access_of(cmd);
    int is_write = access == COMMAND_WRITE, is_read = access == COMMAND_READ;

    if (!raft_node_raft())
        return REPL_ROUTE_RUN; /* no Raft instance (unit tests): run it here */

    if (raft_node_is_leader()) {
        if (is_write) {
            round *r = building_round();
            uint32_t flags = (c->flags & (CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP)) ? REPL_CMD_NOREPLY : 0;
            if (log_entry_builder_add_command(&R.batch, c->id, c->commands_processed, (uint16_t)c->db_index,
                                              flags, argc, argv) != LOG_ENTRY_OK) {
                resp_write_error(w, "ERR command too large for the replication log");
                return REPL_ROUTE_REPLIED;
            }
            round_add_cmd(r, c->id, flags);
            size_t n = args_bytes(argc, argv);
            r->bytes += n;
            R.pending_bytes += n;
            c->pending_writes++;
            return REPL_ROUTE_QUEUED;
        }
        if (c->pending_writes > 0 || (is_read && !c->fenced && !sole_member() && !lease_valid(c->srv))) {
            replicate_defer(c);
            return REPL_ROUTE_DEFERRED;
        }
        return REPL_ROUTE_RUN;
    }

    /* Not the leader. */
    if (raft_node_state() == RAFT_NODE_UNAVAILABLE && (is_write || is_read)) {
        resp_write_error(w, "CLUSTERDOWN The cluster is down");
        return REPL_ROUTE_REPLIED;
    }
    /* In cluster mode the slot router (slots.h, in dispatch's checks) already sent keyed
     * commands to the leader, except a READONLY connection's reads and sharded pub/sub.
     * A write without keys (FLUSHALL ...) gets -READONLY, as on a Redis replica. */
    if (is_write) {
        resp_write_error(w, "READONLY You can't write against a read only replica.");
        return REPL_ROUTE_REPLIED;
    }
    return REPL_ROUTE_RUN; /* stale reads, connection commands */
}

/* ---- leadership changes -------------------------------------------------------------- */

void replicate_role_changed(server *s, int was_leader, int is_leader)
{
    lease_revoke(); /* a new term needs its own committed round first */
    if (was_leader && !is_leader) {
        server_log(LL_NOTICE, s->sentinel_mode ? "Lost Raft leadership (sentinel group)"
                                               : "Lost Raft leadership: disconnecting clients");
        if (R.building) {
            round_disconnect_clients(s, R.building);
            round_free(R.building);
            R.building = NULL;
            log_entry_builder_reset(&R.batch);
        }
        /* As a demoted Redis master: clients re-resolve the leader. Pub/sub and MONITOR
         * connections carry no keyspace state and stay. A sentinel's clients talk to the
         * sentinel, not to its group's leader: they all stay. */
        for (client *c = s->clients; c && !s->sentinel_mode; c = c->next) {
            if ((c->flags & (CLIENT_PUBSUB | CLIENT_MONITOR | CLIENT_CLOSING)) || peer_links_is_incoming(c))
                continue;
            c->flags |= CLIENT_CLOSE_AFTER_REPLY;
            client_flush(c);
        }
        R.held = 0;
        evict_forget_proposals();
    } else if (!was_leader && is_leader) {
        server_log(LL_NOTICE, "Raft leadership gained (term %llu)", (unsigned long long)raft_node_term());
    }
    peer_links_role_changed(is_leader);
}

/* ---- how much log stays in memory ---------------------------------------------------- */

/* libraft keeps every entry since the last snapshot (plus `trailing` more) in memory and
 * counts them only by number, but a group-committed entry may hold one command or tens of
 * thousands. So the entry-count threshold and trailing are derived from the average
 * entry size to keep roughly raft-log-max-memory bytes in memory, never above the
 * configured counts. Node-local tuning: it changes when snapshots are taken, never what
 * is applied. */
#define LOG_BUDGET_RECHECK 64   /* entries applied between recomputations */
#define LOG_MIN_THRESHOLD 8

static void tune_log_budget(server *s, size_t entry_len)
{
    static double avg_len;
    static unsigned since_check;
    avg_len = avg_len == 0 ? (double)entry_len : avg_len * 0.95 + (double)entry_len * 0.05;
    if (++since_check < LOG_BUDGET_RECHECK)
        return;
    since_check = 0;
    struct raft *raft = raft_node_raft();
    unsigned long long budget = s->cfg.raft_log_max_memory;
    if (!raft || budget == 0 || avg_len < 1)
        return;
    /* threshold + trailing entries of avg_len bytes fit the budget; trailing = 1/4. */
    double entries = (double)budget / avg_len;
    long long th = (long long)(entries * 0.8), tr = (long long)(entries * 0.2);
    if (th > s->cfg.raft_snapshot_threshold)
        th = s->cfg.raft_snapshot_threshold;
    if (tr > s->cfg.raft_snapshot_trailing)
        tr = s->cfg.raft_snapshot_trailing;
    if (th < LOG_MIN_THRESHOLD)
        th = LOG_MIN_THRESHOLD;
    if (tr < LOG_MIN_THRESHOLD / 4)
        tr = LOG_MIN_THRESHOLD / 4;
    raft_set_snapshot_threshold(raft, (unsigned)th);
    raft_set_snapshot_trailing(raft, (unsigned)tr);
}

/* ---- the FSM's apply ----------------------------------------------------------------- */

/* Deletions the leader proposed: expired keys are deleted only if still logically
 * expired at this entry's time (they may have been rewritten since). */
static void apply_deletes(server *s, exec_ctx *ctx, uint32_t flags, int argc, const rd_arg *argv)
{
    for (int i = 1; i < argc; i++) {
        if (flags & REPL_CMD_EXPIRE) {
            kv *v = kvtable_find(&ctx->db->table, argv[i].ptr, argv[i].len, NULL);
            if (!v || !keyspace_is_expired(ctx, v))
                continue;
            keyspace_delete(ctx, argv[i].ptr, argv[i].len); /* counts expired_keys */
        } else {
            if (keyspace_delete(ctx, argv[i].ptr, argv[i].len))
                s->stats.evicted_keys++;
            evict_proposal_applied(ctx->db->id, argv[i].ptr, argv[i].len);
        }
    }
    if (ctx->dirty > 0)
        s->stats.dirty += ctx->dirty;
}

void replicate_apply_deletes(server *s, int dbid, int64_t now_ms, prng *rng, uint32_t flags, int argc,
                             const rd_arg *argv)
{
    resp_writer nowhere;
    resp_writer_init(&nowhere, NULL, 2);
    exec_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.srv = s;
    ctx.db = &s->dbs[dbid];
    ctx.now_ms = now_ms;
    ctx.rng = rng;
    ctx.w = &nowhere;
    ctx.cmd = command_lookup_name("del", 3);
    ctx.flags = EXEC_MAY_MUTATE;
    apply_deletes(s, &ctx, flags, argc, argv);
}

static void apply_internal(int argc, const rd_arg *argv)
{
    if (argc >= 1 && argv[0].len >= 7 && memcmp(argv[0].ptr, "member-", 7) == 0) {
        members_apply(argc, argv);
        peer_links_topology_changed(); /* links follow the members' addresses */
        return;
    }
    server_log(LL_WARNING, "Unknown internal command in the Raft log: ignored");
}

/* The round of ours this entry is, or NULL: normally the FIFO head. */
static round *match_round(uint64_t seed)
{
    for (round *r = R.fifo_head; r; r = r->next)
        if (r->seed == seed && !r->applied)
            return r;
    return NULL;
}

static void resume_waiters(server *s, round *r)
{
    for (uint32_t i = 0; i < r->nwaiters; i++) {
        client *c = client_find_by_id(s, r->waiters[i]);
        if (!c || c->fence != r)
            continue;
        c->fence = NULL;
        c->fenced = 1;
        client_unblock(c);
    }
}

int replicate_fsm_apply(struct raft_fsm *fsm, const struct raft_buffer *buf, void **result)
{
    (void)fsm;
    *result = NULL;
    server *s = R.srv;
    log_entry e;
    int rc = log_entry_decode(&e, buf->base, buf->len);
    unsigned version = rc == LOG_ENTRY_EVERSION ? log_entry_peek_version(buf->base, buf->len) : 0;
    if (version > LOG_ENTRY_VERSION) {
        /* Written by a newer build (a shard upgraded node by node). Skipping it would
         * leave this member's data behind the others' for good: stop instead. The entry
         * stays in the log and applies once this node runs the newer build. */
        server_log(LL_WARNING,
                   "Raft entry in log format %u, newer than this build reads (up to %u): "
                   "upgrade redraft on this node. Exiting.",
                   version, LOG_ENTRY_VERSION);
        _exit(1);
    }
    if (rc != LOG_ENTRY_OK) {
        server_log(LL_WARNING, "Malformed Raft entry skipped (%s)", log_entry_strerror(rc));
        return 0;
    }
    tune_log_budget(s, buf->len);
    /* "now" for the entry: never earlier than the previous entry, whoever led. */
    int64_t now = e.time_ms > s->last_entry_ms ? e.time_ms : s->last_entry_ms;
    s->last_entry_ms = now;
    round *mine = raft_node_is_leader() || R.fifo_head ? match_round(e.seed) : NULL;
    if (e.type != LOG_ENTRY_COMMANDS) {
        if (mine)
            goto done;
        return 0;
    }
    prng rng;
    prng_seed(&rng, e.seed);
    log_entry_iter it;
    log_entry_iter_init(&it, &e);
    log_entry_cmd cmd;
    uint32_t i = 0;
    resp_writer nowhere;
    resp_writer_init(&nowhere, NULL, 2);
    while (log_entry_iter_next(&it, &cmd) == 1) {
        uint32_t k = i++;
        if (cmd.db >= SERVER_DBNUM_MAX)
            continue;
        if (cmd.flags & REPL_CMD_INTERNAL) {
            apply_internal(cmd.argc, cmd.argv);
            continue;
        }
        if (cmd.flags & (REPL_CMD_EXPIRE | REPL_CMD_EVICT)) {
            replicate_apply_deletes(s, cmd.db, now, &rng, cmd.flags, cmd.argc, cmd.argv);
            continue;
        }
        int unknown_sub = 0;
        command *c = command_lookup(cmd.argv, cmd.argc, &unknown_sub);
        if (!c || unknown_sub || !c->proc) {
            server_log(LL_WARNING, "Unknown command in the Raft log: skipped");
            continue;
        }
        client *cl = NULL;
        if (mine && k < mine->ncmds && mine->cmds[k].client_id)
            cl = client_find_by_id(s, mine->cmds[k].client_id);
        if (cl && (cl->flags & CLIENT_CLOSING))
            cl = NULL;
        /* The argv lives in the entry buffer; nothing keeps it past this call. */
        resp_writer *w = &nowhere;
        if (cl && !(mine->cmds[k].flags & REPL_CMD_NOREPLY))
            w = &cl->w;
        dispatch_apply(s, cl, c, cmd.argc, (rd_arg *)cmd.argv, cmd.db, w, now, &rng);
        if (cl) {
            if (cl->pending_writes > 0)
                cl->pending_writes--;
            client_flush(cl);
        }
    }
    log_entry_iter_free(&it);
    if (!mine)
        return 0;
done:
    mine->applied = 1;
    if (raft_node_is_leader())
        lease_extend(s, mine);
    round_release_bytes(mine);
    fifo_remove(mine);
    R.inflight--;
    resume_waiters(s, mine);
    return 0;
}

/* ---- lifecycle ----------------------------------------------------------------------- */

void replicate_init(server *s)
{
    memset(&R, 0, sizeof R);
    R.srv = s;
    log_entry_builder_init(&R.batch, LOG_ENTRY_COMMANDS);
}

void replicate_free(server *s)
{
    (void)s;
    if (R.building) {
        round_free(R.building);
        R.building = NULL;
    }
    log_entry_builder_free(&R.batch);
}
