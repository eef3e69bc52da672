/* dispatch: from a parsed request to an executed (or replicated) command, its reply and
 * its statistics.
 *
 * dispatch_command() makes Redis's processCommand checks in Redis's order (unknown
 * command or subcommand, arity, authentication, cluster redirection (slots.h), -OOM,
 * the RESP2 pub/sub context, a MONITOR connection touching keys), applies CLIENT REPLY
 * OFF/SKIP, and accounts for the call (commandstats, error counters, slowlog, latency
 * monitor, MONITOR feed).
 * Before running anything it asks replicate_route() where the command goes: a write on
 * the leader is queued for the next log entry (its reply comes from dispatch_apply()
 * when the entry commits), a read may first wait for a fence, a follower refuses writes.
 * run_proc() is the single place a command's implementation runs, always with an
 * explicit time and PRNG: the entry's when applied from the log, the current ones for
 * commands answered at once. dispatch_propose_deletes() is how expiry and eviction
 * remove keys: through the log (leader only), or at once when there is no Raft
 * instance (unit tests).
 *
 * The hot path allocates nothing: commands are found through the command table's hash
 * index, replies are written straight into the client's output buffer, and the
 * per-command PRNG lives on the stack. */
#include "dispatch.h"

#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "evict.h"
#include "info.h"
#include "keyspace.h"
#include "mem.h"
#include "monitor.h"
#include "raft_node.h"
#include "replicate.h"
#include "slowlog.h"
#include "slots.h"
#include "server.h"
#include "strutil.h"

#define ERR_ARGS_MAX 128    /* Redis quotes at most this much of the arguments */
#define DISCARD_KEEP_CAP (64 * 1024)

static bytebuf discarded;   /* replies of CLIENT REPLY OFF/SKIP commands, dropped after */

/* ---- helpers ------------------------------------------------------------------------- */

/* Length of an argument as Redis's "%s" would print it (up to the first NUL). */
static size_t c_strlen(const rd_arg *a)
{
    const char *nul = memchr(a->ptr, '\0', a->len);
    return nul ? (size_t)(nul - a->ptr) : a->len;
}

/* "ERR unknown command '<name>', with args beginning with: '<a1>' '<a2>' " -- the name
 * cut at 128 bytes, the quoted arguments at 128 bytes in total, as Redis 7 builds it. */
static void reply_unknown_command(resp_writer *w, int argc, const rd_arg *argv)
{
    bytebuf msg;
    bytebuf_init(&msg);
    size_t nlen = c_strlen(&argv[0]);
    bytebuf_append_str(&msg, "ERR unknown command '");
    bytebuf_append(&msg, argv[0].ptr, nlen < ERR_ARGS_MAX ? nlen : ERR_ARGS_MAX);
    bytebuf_append_str(&msg, "', with args beginning with: ");
    size_t args_start = msg.len;
    for (int i = 1; i < argc && msg.len - args_start < ERR_ARGS_MAX; i++) {
        size_t room = ERR_ARGS_MAX - (msg.len - args_start);
        size_t alen = c_strlen(&argv[i]);
        bytebuf_append_char(&msg, '\'');
        bytebuf_append(&msg, argv[i].ptr, alen < room ? alen : room);
        bytebuf_append_str(&msg, "' ");
    }
    bytebuf_append_char(&msg, '\0');
    resp_write_error(w, msg.data);
    bytebuf_free(&msg);
}

/* Commands a client of a sentinel may run (Redis Sentinel's command set). */
static int sentinel_accepts(const command *cmd)
{
    const command *top = cmd->parent ? cmd->parent : cmd;
    return (top->flags & (CMD_SENTINEL | CMD_ONLY_SENTINEL)) != 0;
}

/* Commands a RESP2 connection in subscribed mode may run. */
static int allowed_in_pubsub_context(const command *cmd)
{
    static const char *const allowed[] = {"ping", "subscribe", "ssubscribe", "unsubscribe",
                                          "sunsubscribe", "psubscribe", "punsubscribe",
                                          "quit", "reset", NULL};
    const command *top = cmd->parent ? cmd->parent : cmd;
    for (int i = 0; allowed[i]; i++)
        if (strcmp(top->name, allowed[i]) == 0)
            return 1;
    return 0;
}

static int reply_is_error(const bytebuf *b, size_t mark)
{
    return b->len > mark && (b->data[mark] == '-' || b->data[mark] == '!');
}

/* ---- running a command --------------------------------------------------------------- */

/* The single place a command runs: ctx carries the clock and the randomness. */
static void run_proc(server *s, client *c, command *cmd, int argc, rd_arg *argv, int dbid,
                     resp_writer *w, int64_t now_ms, prng *rng)
{
    exec_ctx ctx;
    ctx.srv = s;
    ctx.client = c;
    ctx.db = &s->dbs[dbid];
    ctx.now_ms = now_ms;
    ctx.rng = rng;
    ctx.w = w;
    ctx.argc = argc;
    ctx.argv = argv;
    ctx.cmd = cmd;
    ctx.flags = (cmd->flags & CMD_WRITE) ? EXEC_MAY_MUTATE : 0;
    ctx.dirty = 0;
    cmd->proc(&ctx);
    if (ctx.dirty > 0)
        s->stats.dirty += ctx.dirty;
}

void dispatch_execute(server *s, client *c, command *cmd, int argc, rd_arg *argv, int dbid,
                      resp_writer *w)
{
    prng rng;
    prng_seed(&rng, prng_next(&s->rng));
    run_proc(s, c, cmd, argc, argv, dbid, w, server_next_entry_ms(s), &rng);
}

/* Statistics of one finished call of c (commandstats, slowlog, latency). */
static void account_call(server *s, client *c, command *cmd, int argc, rd_arg *argv,
                         long long duration, const bytebuf *out, size_t mark)
{
    cmd->stats.calls++;
    cmd->stats.usec += duration;
    info_command_latency(cmd, duration);
    if (reply_is_error(out, mark))
        cmd->stats.failed_calls++;
    s->stats.total_commands_processed++;
    c->commands_processed++;

    if (!(cmd->flags & CMD_SKIP_SLOWLOG) && s->cfg.slowlog_log_slower_than >= 0 &&
        duration >= s->cfg.slowlog_log_slower_than)
        slowlog_record(s, c, argc, argv, duration);
    if (s->cfg.latency_monitor_threshold > 0 && duration / 1000 >= s->cfg.latency_monitor_threshold)
        latency_record(s, (cmd->flags & CMD_FAST) ? "fast-command" : "command", duration / 1000);
}

void dispatch_apply(server *s, client *c, command *cmd, int argc, rd_arg *argv, int dbid,
                    resp_writer *w, int64_t now_ms, prng *rng)
{
    if (!c) {
        cmd->stats.calls++; /* replicas count applied commands too, as Redis's do */
        run_proc(s, NULL, cmd, argc, argv, dbid, w, now_ms, rng);
        return;
    }
    bytebuf *out = w->out;
    size_t mark = out ? out->len : 0;
    client *outer = s->current_client;
    s->current_client = c;
    c->flags |= CLIENT_IN_COMMAND;
    long long start = server_mono_us();
    run_proc(s, c, cmd, argc, argv, dbid, w, now_ms, rng);
    long long duration = server_mono_us() - start;
    c->flags &= ~CLIENT_IN_COMMAND;
    s->current_client = outer;
    if (out) {
        account_call(s, c, cmd, argc, argv, duration, out, mark);
        if (reply_is_error(out, mark)) {
            s->stats.total_error_replies++;
            info_count_error_reply(out->data + mark, out->len - mark);
        }
    } else {
        bytebuf none;
        bytebuf_init(&none);
        account_call(s, c, cmd, argc, argv, duration, &none, 0);
    }
}

/* Runs an accepted command for c and accounts for it. Returns DISPATCH_DEFERRED when
 * the command must run again later (replicate.h). */
static int call(server *s, client *c, command *cmd, int argc, rd_arg *argv, resp_writer *w)
{
    int route = replicate_route(c, cmd, argc, argv, w);
    if (route == REPL_ROUTE_DEFERRED)
        return DISPATCH_DEFERRED;
    if (route != REPL_ROUTE_RUN) {
        /* Queued (accounted when applied) or refused here. */
        if (route == REPL_ROUTE_REPLIED)
            cmd->stats.rejected_calls++;
        else if (s->monitor_count > 0 && !(cmd->flags & (CMD_SKIP_MONITOR | CMD_ADMIN)))
            monitor_feed(s, c, c->db_index, argc, argv);
        return DISPATCH_DONE;
    }

    size_t mark = w->out->len;
    size_t argv_mem = 0;
    for (int i = 0; i < argc; i++)
        argv_mem += argv[i].len;
    c->argv_mem = argv_mem;
    client *outer = s->current_client;
    s->current_client = c;
    c->flags |= CLIENT_IN_COMMAND;

    /* Within a batch of pipelined requests the previous command's end is this one's
     * start (one clock read per command instead of two; it adds this command's parse
     * time, which is tiny next to slowlog thresholds). */
    long long start = s->batch_clock_us ? s->batch_clock_us : server_mono_us();
    dispatch_execute(s, c, cmd, argc, argv, c->db_index, w);
    long long end = server_mono_us();
    long long duration = end - start;
    if (s->batch_clock_us)
        s->batch_clock_us = end;

    c->flags &= ~CLIENT_IN_COMMAND;
    s->current_client = outer;
    c->argv_mem = 0;

    account_call(s, c, cmd, argc, argv, duration, w->out, mark);
    if (s->monitor_count > 0 && !(cmd->flags & (CMD_SKIP_MONITOR | CMD_ADMIN)))
        monitor_feed(s, c, c->db_index, argc, argv);
    return DISPATCH_DONE;
}

/* Refuses a known command before running it. */
static void reject(command *cmd, resp_writer *w, const char *msg)
{
    cmd->stats.rejected_calls++;
    resp_write_error(w, msg);
}

/* Why c may not run cmd, as Redis's processCommand checks in its order; NULL if it may.
 * No side effects except the eviction that the -OOM check performs. */
static const char *precheck(server *s, client *c, command *cmd, int unknown_sub, int argc, const rd_arg *argv,
                            char *buf, size_t bufsize)
{
    if (!cmd || unknown_sub)
        return "";  /* replied by the caller, which knows the exact text */
    if (!command_arity_ok(cmd, argc) || !cmd->proc) {
        /* (A container without a bare form, e.g. CONFIG alone, lands here too.) */
        snprintf(buf, bufsize, "ERR wrong number of arguments for '%s' command", cmd->fullname);
        return buf;
    }
    if (!(cmd->flags & CMD_NO_AUTH) && auth_client_needs_auth(&s->cfg, c))
        return "NOAUTH Authentication required.";
    /* Cluster redirection (-MOVED, -CROSSSLOT, ...) comes next in Redis's order. */
    const char *slot_refusal = s->sentinel_mode ? NULL : slots_check(s, c, cmd, argc, argv);
    if (slot_refusal)
        return slot_refusal;
    if ((cmd->flags & CMD_DENYOOM) && s->cfg.maxmemory > 0 &&
        evict_if_needed(s, server_loop_wall_ms(s)) != 0)
        return "OOM command not allowed when used memory > 'maxmemory'.";
    if ((c->flags & CLIENT_PUBSUB) && c->resp == 2 && !allowed_in_pubsub_context(cmd)) {
        snprintf(buf, bufsize,
                 "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
                 "RESET are allowed in this context",
                 cmd->fullname);
        return buf;
    }
    if ((c->flags & CLIENT_MONITOR) && (cmd->flags & (CMD_READONLY | CMD_WRITE | CMD_MAY_REPLICATE)))
        return "ERR Replica can't interact with the keyspace";
    return NULL;
}

int dispatch_command(client *c, int argc, rd_arg *argv)
{
    if (argc <= 0)
        return DISPATCH_DONE;
    server *s = c->srv;

    int unknown_sub = 0;
    command *cmd = command_lookup(argv, argc, &unknown_sub);
    if (cmd && s->sentinel_mode && !sentinel_accepts(cmd)) {
        cmd = NULL; /* a sentinel knows only its own commands (the FSM still runs the rest) */
        unknown_sub = 0;
    }
    char errbuf[256];
    const char *refusal = precheck(s, c, cmd, unknown_sub, argc, argv, errbuf, sizeof errbuf);

    /* Replies never overtake: while c has writes waiting for their commit, anything
     * that would be answered now (an error, a non-write) waits for them. */
    if (c->pending_writes > 0 && (refusal || !(cmd->flags & CMD_WRITE))) {
        replicate_defer(c);
        return DISPATCH_DEFERRED;
    }
    c->last_cmd = unknown_sub ? NULL : cmd;

    /* CLIENT REPLY OFF / SKIP: run as usual, keep the reply aside, drop it after. */
    uint32_t quiet_flags = CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP;
    int quiet = (c->flags & quiet_flags) != 0;
    resp_writer quiet_writer, *w = &c->w;
    if (quiet) {
        bytebuf_clear(&discarded);
        resp_writer_init(&quiet_writer, &discarded, c->resp);
        w = &quiet_writer;
    }
    bytebuf *out = w->out;
    size_t mark = out->len;

    if (!cmd) {
        reply_unknown_command(w, argc, argv);
    } else if (unknown_sub) {
        exec_ctx ctx;
        memset(&ctx, 0, sizeof ctx);
        ctx.srv = s;
        ctx.client = c;
        ctx.db = &s->dbs[c->db_index];
        ctx.w = w;
        ctx.argc = argc;
        ctx.argv = argv;
        ctx.cmd = cmd;
        reply_unknown_subcommand(&ctx);
    } else if (refusal) {
        reject(cmd, w, refusal);
    } else if (call(s, c, cmd, argc, argv, w) == DISPATCH_DEFERRED) {
        if (quiet)
            bytebuf_clear(&discarded);
        return DISPATCH_DEFERRED;
    }
    if (reply_is_error(out, mark)) {
        s->stats.total_error_replies++;
        info_count_error_reply(out->data + mark, out->len - mark);
    }

    if (quiet) {
        /* CLIENT REPLY ON ran: its own reply (and only what followed the switch) goes out. */
        if (!(c->flags & quiet_flags) && !(c->flags & CLIENT_CLOSING))
            resp_write_raw(&c->w, discarded.data + mark, discarded.len - mark);
        bytebuf_clear(&discarded);
        if (discarded.cap > DISCARD_KEEP_CAP)
            bytebuf_free(&discarded);
    } else if (c->flags & (CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP_NEXT)) {
        /* CLIENT REPLY OFF / SKIP has no reply of its own. */
        c->out.len = mark;
    }
    slots_command_done(c, unknown_sub ? NULL : cmd); /* ASKING lasts one command */
    /* The skip of this command is over; CLIENT REPLY SKIP arms it for the next one. */
    c->flags &= ~CLIENT_REPLY_SKIP;
    if (c->flags & CLIENT_REPLY_SKIP_NEXT) {
        c->flags &= ~CLIENT_REPLY_SKIP_NEXT;
        c->flags |= CLIENT_REPLY_SKIP;
    }
    if (!(c->flags & CLIENT_CLOSING))
        client_check_output_limits(c, c->last_interaction_ms);
    return DISPATCH_DONE;
}

/* ---- deletions proposed by the server ------------------------------------------------ */

void dispatch_propose_deletes(server *s, int dbid, const rd_arg *keys, int n, int reason)
{
    if (n <= 0 || dbid < 0 || dbid >= SERVER_DBNUM_MAX)
        return;
    uint32_t flags = reason == PROPOSE_EXPIRED ? REPL_CMD_EXPIRE : REPL_CMD_EVICT;
    /* The entry carries "del key..." with the reason in its flags. */
    rd_arg inline_argv[65];
    rd_arg *argv = n + 1 <= 65 ? inline_argv : rd_malloc(sizeof(rd_arg) * (size_t)(n + 1));
    argv[0].ptr = "del";
    argv[0].len = 3;
    memcpy(argv + 1, keys, sizeof(rd_arg) * (size_t)n);
    if (raft_node_raft()) {
        /* Only the leader proposes; followers never delete on their own. */
        replicate_propose_internal(s, flags, dbid, n + 1, argv);
    } else {
        prng rng;
        prng_seed(&rng, prng_next(&s->rng));
        replicate_apply_deletes(s, dbid, server_next_entry_ms(s), &rng, flags, n + 1, argv);
    }
    if (argv != inline_argv)
        rd_free(argv);
}
