/* server_cmds.c: the server introspection commands.
 *
 * INFO, TIME, LASTSAVE, COMMAND (COUNT, INFO, DOCS, LIST, GETKEYS, GETKEYSANDFLAGS,
 * HELP), SLOWLOG, LATENCY, MEMORY (STATS, DOCTOR, MALLOC-STATS, PURGE, HELP), MONITOR
 * and SHUTDOWN. They read the server state (the command table, the slowlog and
 * latency records of slowlog.c, the memory figures of info.c) and never the keyspace
 * through the log: all are CMD_CONNECTION commands answered by the node that receives
 * them. Reply shapes follow Redis 7 exactly (RESP2 and RESP3), because clients and
 * redis-cli parse them. */
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include "command.h"
#include "commands.h"
#include "info.h"
#include "keyspace.h"
#include "mem.h"
#include "server.h"
#include "slowlog.h"
#include "strutil.h"

#ifdef HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

/* ---- shared helpers --------------------------------------------------------------- */

/* A command by its full name: "get", "client|kill" (case-insensitive), or NULL. */
static const command *lookup_fullname(const char *name, size_t len)
{
    const char *bar = memchr(name, '|', len);
    if (!bar)
        return command_lookup_name(name, len);
    const command *parent = command_lookup_name(name, (size_t)(bar - name));
    if (!parent || !parent->subcommands)
        return NULL;
    const char *sub = bar + 1;
    size_t sublen = len - (size_t)(sub - name);
    for (const command *s = parent->subcommands; s->name; s++)
        if (rd_strcaseeq(sub, sublen, s->name))
            return s;
    return NULL;
}

static int subcommand_count(const command *cmd)
{
    int n = 0;
    if (cmd->subcommands)
        while (cmd->subcommands[n].name)
            n++;
    return n;
}

/* ---- COMMAND ---------------------------------------------------------------------- */

static const struct {
    uint32_t flag;
    const char *name;
} command_flag_names[] = {
    /* Redis's order (server.c addReplyFlagsForCommand); CMD_CONNECTION, CMD_RANDOM and
     * CMD_SORT_FOR_SCRIPT are not Redis 7 flags (the last two are tips). */
    {CMD_WRITE, "write"}, {CMD_READONLY, "readonly"}, {CMD_DENYOOM, "denyoom"},
    {CMD_ADMIN, "admin"}, {CMD_PUBSUB, "pubsub"}, {CMD_NOSCRIPT, "noscript"},
    {CMD_BLOCKING, "blocking"}, {CMD_LOADING, "loading"}, {CMD_STALE, "stale"},
    {CMD_SKIP_MONITOR, "skip_monitor"}, {CMD_SKIP_SLOWLOG, "skip_slowlog"}, {CMD_FAST, "fast"},
    {CMD_NO_AUTH, "no_auth"}, {CMD_MAY_REPLICATE, "may_replicate"},
    {CMD_NO_MANDATORY_KEYS, "no_mandatory_keys"}, {CMD_NO_MULTI, "no_multi"},
    {CMD_ALLOW_BUSY, "allow_busy"},
};

static void reply_command_flags(resp_writer *w, uint32_t flags)
{
    const size_t n = sizeof command_flag_names / sizeof command_flag_names[0];
    long long count = 0;
    for (size_t i = 0; i < n; i++)
        if (flags & command_flag_names[i].flag)
            count++;
    resp_write_set_len(w, count);
    for (size_t i = 0; i < n; i++)
        if (flags & command_flag_names[i].flag)
            resp_write_simple_cstr(w, command_flag_names[i].name);
}

/* Calls fn for each "@category" word of the command's ACL categories. */
static int for_each_category(const command *cmd, void (*fn)(void *ctx, const char *p, size_t len), void *ctx)
{
    int n = 0;
    const char *p = cmd->acl_categories ? cmd->acl_categories : "";
    while (*p) {
        while (*p == ' ')
            p++;
        const char *start = p;
        while (*p && *p != ' ')
            p++;
        if (p > start) {
            if (fn)
                fn(ctx, start, (size_t)(p - start));
            n++;
        }
    }
    return n;
}

static void write_category(void *ctx, const char *p, size_t len)
{
    resp_write_simple((resp_writer *)ctx, p, len);
}

/* Key-spec flags derived from the command's flags: our table has the legacy key range
 * only, so every key of a command gets the same access description. */
static int key_flags(const command *cmd, const char **out)
{
    if (cmd->flags & CMD_PUBSUB) { /* SPUBLISH/SSUBSCRIBE's shard channels: slots only */
        out[0] = "not_key";
        return 1;
    }
    if (cmd->flags & CMD_WRITE) {
        out[0] = "RW", out[1] = "update";
        return 2;
    }
    if (cmd->flags & CMD_READONLY) {
        out[0] = "RO", out[1] = "access";
        return 2;
    }
    out[0] = "RO";
    return 1;
}

static void reply_key_flags(resp_writer *w, const command *cmd)
{
    const char *names[2];
    int n = key_flags(cmd, names);
    resp_write_set_len(w, n);
    for (int i = 0; i < n; i++)
        resp_write_simple_cstr(w, names[i]);
}

static void reply_key_specs(resp_writer *w, const command *cmd)
{
    if (cmd->first_key <= 0) {
        resp_write_set_len(w, 0);
        return;
    }
    resp_write_set_len(w, 1);
    resp_write_map_len(w, 3);
    resp_write_bulk_cstr(w, "flags");
    reply_key_flags(w, cmd);
    resp_write_bulk_cstr(w, "begin_search");
    resp_write_map_len(w, 2);
    resp_write_bulk_cstr(w, "type");
    resp_write_bulk_cstr(w, "index");
    resp_write_bulk_cstr(w, "spec");
    resp_write_map_len(w, 1);
    resp_write_bulk_cstr(w, "index");
    resp_write_int(w, cmd->first_key);
    resp_write_bulk_cstr(w, "find_keys");
    resp_write_map_len(w, 2);
    resp_write_bulk_cstr(w, "type");
    resp_write_bulk_cstr(w, "range");
    resp_write_bulk_cstr(w, "spec");
    resp_write_map_len(w, 3);
    resp_write_bulk_cstr(w, "lastkey"); /* relative to the first key; negative = from the end */
    resp_write_int(w, cmd->last_key < 0 ? cmd->last_key : cmd->last_key - cmd->first_key);
    resp_write_bulk_cstr(w, "keystep");
    resp_write_int(w, cmd->key_step);
    resp_write_bulk_cstr(w, "limit");
    resp_write_int(w, 0);
}

static void reply_tips(resp_writer *w, const command *cmd)
{
    int n = !!(cmd->flags & CMD_RANDOM) + !!(cmd->flags & CMD_SORT_FOR_SCRIPT);
    resp_write_set_len(w, n);
    if (cmd->flags & CMD_RANDOM)
        resp_write_bulk_cstr(w, "nondeterministic_output");
    if (cmd->flags & CMD_SORT_FOR_SCRIPT)
        resp_write_bulk_cstr(w, "nondeterministic_output_order");
}

/* One command's COMMAND INFO entry: Redis 7's 10 elements. */
static void reply_command_info(resp_writer *w, const command *cmd)
{
    if (!cmd) {
        resp_write_null(w);
        return;
    }
    resp_write_array_len(w, 10);
    resp_write_bulk_cstr(w, cmd->fullname);
    resp_write_int(w, cmd->arity);
    reply_command_flags(w, cmd->flags);
    resp_write_int(w, cmd->first_key);
    resp_write_int(w, cmd->last_key);
    resp_write_int(w, cmd->key_step);
    resp_write_set_len(w, for_each_category(cmd, NULL, NULL));
    for_each_category(cmd, write_category, w);
    reply_tips(w, cmd);
    reply_key_specs(w, cmd);
    int subs = subcommand_count(cmd);
    if (subs == 0) {
        resp_write_set_len(w, 0);
    } else {
        resp_write_array_len(w, subs);
        for (int i = 0; i < subs; i++)
            reply_command_info(w, &cmd->subcommands[i]);
    }
}

/* One command's COMMAND DOCS value (a map; the name is written by the caller). */
static void reply_command_docs(resp_writer *w, const command *cmd)
{
    int subs = subcommand_count(cmd);
    resp_write_map_len(w, 3 + (cmd->complexity != NULL) + (subs > 0));
    resp_write_bulk_cstr(w, "summary");
    resp_write_bulk_cstr(w, cmd->summary ? cmd->summary : "");
    resp_write_bulk_cstr(w, "since");
    resp_write_bulk_cstr(w, cmd->since ? cmd->since : "");
    resp_write_bulk_cstr(w, "group");
    resp_write_bulk_cstr(w, cmd->group ? cmd->group : "");
    if (cmd->complexity) {
        resp_write_bulk_cstr(w, "complexity");
        resp_write_bulk_cstr(w, cmd->complexity);
    }
    if (subs > 0) {
        resp_write_bulk_cstr(w, "subcommands");
        resp_write_map_len(w, subs);
        for (int i = 0; i < subs; i++) {
            resp_write_bulk_cstr(w, cmd->subcommands[i].fullname);
            reply_command_docs(w, &cmd->subcommands[i]);
        }
    }
}

static void reply_all_command_info(exec_ctx *c)
{
    int n = command_table_count();
    resp_write_array_len(c->w, n);
    for (int i = 0; i < n; i++)
        reply_command_info(c->w, command_table_at(i));
}

/* COMMAND with no subcommand: every command's info. */
void cmd_command(exec_ctx *c)
{
    if (c->argc > 1) { /* the dispatcher routes subcommands; this is a safety net */
        reply_unknown_subcommand(c);
        return;
    }
    reply_all_command_info(c);
}

void cmd_command_count(exec_ctx *c)
{
    resp_write_int(c->w, command_table_count());
}

void cmd_command_info(exec_ctx *c)
{
    if (c->argc == 2) {
        reply_all_command_info(c);
        return;
    }
    resp_write_array_len(c->w, c->argc - 2);
    for (int i = 2; i < c->argc; i++)
        reply_command_info(c->w, lookup_fullname(c->argv[i].ptr, c->argv[i].len));
}

void cmd_command_docs(exec_ctx *c)
{
    if (c->argc == 2) {
        int n = command_table_count();
        resp_write_map_len(c->w, n);
        for (int i = 0; i < n; i++) {
            const command *cmd = command_table_at(i);
            resp_write_bulk_cstr(c->w, cmd->fullname);
            reply_command_docs(c->w, cmd);
        }
        return;
    }
    long long found = 0;
    for (int i = 2; i < c->argc; i++)
        if (lookup_fullname(c->argv[i].ptr, c->argv[i].len))
            found++;
    resp_write_map_len(c->w, found);
    for (int i = 2; i < c->argc; i++) {
        const command *cmd = lookup_fullname(c->argv[i].ptr, c->argv[i].len);
        if (!cmd)
            continue; /* unknown names are left out, as in Redis */
        resp_write_bulk_cstr(c->w, cmd->fullname);
        reply_command_docs(c->w, cmd);
    }
}

enum list_filter { FILTER_NONE, FILTER_MODULE, FILTER_ACLCAT, FILTER_PATTERN };

struct category_match {
    const rd_arg *want;
    int found;
};

static void match_category(void *ctx, const char *p, size_t len)
{
    struct category_match *m = ctx;
    /* the filter names the category without its '@', as ACL CAT prints it */
    if (len > 1 && p[0] == '@' && len - 1 == m->want->len && strncasecmp(p + 1, m->want->ptr, len - 1) == 0)
        m->found = 1;
}

static int list_filter_keeps(const command *cmd, int filter, const rd_arg *arg)
{
    switch (filter) {
    case FILTER_NONE:
        return 1;
    case FILTER_MODULE:
        return 0; /* redraft has no modules */
    case FILTER_ACLCAT: {
        struct category_match m = {arg, 0};
        for_each_category(cmd, match_category, &m);
        return m.found;
    }
    case FILTER_PATTERN:
        return rd_glob_match(arg->ptr, arg->len, cmd->fullname, strlen(cmd->fullname), 1);
    }
    return 0;
}

static long long list_commands(resp_writer *w, const command *cmd, int filter, const rd_arg *arg)
{
    long long n = 0;
    if (list_filter_keeps(cmd, filter, arg)) {
        resp_write_bulk_cstr(w, cmd->fullname);
        n++;
    }
    if (cmd->subcommands)
        for (const command *sub = cmd->subcommands; sub->name; sub++)
            n += list_commands(w, sub, filter, arg);
    return n;
}

void cmd_command_list(exec_ctx *c)
{
    int filter = FILTER_NONE;
    const rd_arg *arg = NULL;
    for (int i = 2; i < c->argc; i++) {
        int more = c->argc - 1 - i;
        if (arg_is(c, i, "filterby") && more == 2) {
            if (arg_is(c, i + 1, "module"))
                filter = FILTER_MODULE;
            else if (arg_is(c, i + 1, "aclcat"))
                filter = FILTER_ACLCAT;
            else if (arg_is(c, i + 1, "pattern"))
                filter = FILTER_PATTERN;
            else {
                reply_syntax_error(c);
                return;
            }
            arg = &c->argv[i + 2];
            i += 2;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    size_t handle = resp_write_deferred_len(c->w);
    long long n = 0;
    for (int i = 0; i < command_table_count(); i++)
        n += list_commands(c->w, command_table_at(i), filter, arg);
    resp_set_deferred_array_len(c->w, handle, n);
}

static void getkeys(exec_ctx *c, int with_flags)
{
    const rd_arg *argv = c->argv + 2;
    int argc = c->argc - 2;
    int unknown_sub = 0;
    const command *cmd = command_lookup(argv, argc, &unknown_sub);
    if (!cmd || unknown_sub) {
        resp_write_error(c->w, "ERR Invalid command specified");
        return;
    }
    /* Redis leaves not_key specs (shard channels) out of GETKEYS. */
    if ((cmd->first_key <= 0 && cmd->numkeys_at <= 0) || (cmd->flags & CMD_PUBSUB)) {
        resp_write_error(c->w, "ERR The command has no key arguments");
        return;
    }
    if (!command_arity_ok(cmd, argc)) {
        resp_write_error(c->w, "ERR Invalid number of arguments specified for command");
        return;
    }
    int *keys = rd_malloc((size_t)argc * sizeof *keys);
    int n = command_get_keys(cmd, argv, argc, keys, argc);
    if (n == 0) {
        if (cmd->flags & CMD_NO_MANDATORY_KEYS)
            resp_write_array_len(c->w, 0);
        else
            resp_write_error(c->w, "ERR Invalid arguments specified for command");
        rd_free(keys);
        return;
    }
    resp_write_array_len(c->w, n);
    for (int i = 0; i < n; i++) {
        if (with_flags)
            resp_write_array_len(c->w, 2);
        resp_write_bulk(c->w, argv[keys[i]].ptr, argv[keys[i]].len);
        if (with_flags)
            reply_key_flags(c->w, cmd);
    }
    rd_free(keys);
}

void cmd_command_getkeys(exec_ctx *c)
{
    getkeys(c, 0);
}

void cmd_command_getkeysandflags(exec_ctx *c)
{
    getkeys(c, 1);
}

void cmd_command_help(exec_ctx *c)
{
    static const char *const lines[] = {
        "(no subcommand)",
        "    Return details about all commands.",
        "COUNT",
        "    Return the total number of commands in this server.",
        "LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]",
        "    Return a list of all commands in this server, optionally filtered.",
        "INFO [<command-name> ...]",
        "    Return details about multiple commands.",
        "    If no command names are given, details for all commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys and the access flags from a full command.",
        NULL,
    };
    reply_help(c, lines);
}

/* ---- SLOWLOG ---------------------------------------------------------------------- */

void cmd_slowlog_get(exec_ctx *c)
{
    server *s = c->srv;
    if (c->argc > 3) {
        reply_subcommand_syntax_error(c);
        return;
    }
    long long count = 10;
    if (c->argc == 3 && (!rd_str2ll(c->argv[2].ptr, c->argv[2].len, &count) || count < -1)) {
        resp_write_error(c->w, "ERR count should be greater than or equal to -1");
        return;
    }
    size_t n = s->slowlog_len;
    if (count >= 0 && (unsigned long long)count < n)
        n = (size_t)count;
    resp_write_array_len(c->w, (long long)n);
    for (size_t i = 0; i < n; i++) {
        const slowlog_entry *e = slowlog_newest(s, i);
        resp_write_array_len(c->w, 6);
        resp_write_int(c->w, e->id);
        resp_write_int(c->w, e->time_s);
        resp_write_int(c->w, e->duration_us);
        resp_write_array_len(c->w, e->argc);
        for (int j = 0; j < e->argc; j++)
            resp_write_bulk(c->w, e->argv[j].data ? e->argv[j].data : "", e->argv[j].len);
        resp_write_bulk_cstr(c->w, e->peer);
        resp_write_bulk_cstr(c->w, e->name);
    }
}

void cmd_slowlog_len(exec_ctx *c)
{
    resp_write_int(c->w, (long long)c->srv->slowlog_len);
}

void cmd_slowlog_reset(exec_ctx *c)
{
    slowlog_free_all(c->srv);
    resp_write_ok(c->w);
}

void cmd_slowlog_help(exec_ctx *c)
{
    static const char *const lines[] = {
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.",
        NULL,
    };
    reply_help(c, lines);
}

/* ---- LATENCY ---------------------------------------------------------------------- */

static const latency_sample *latest_sample(const struct latency_event *ev)
{
    return &ev->samples[(ev->next + LATENCY_HISTORY_LEN - 1) % LATENCY_HISTORY_LEN];
}

void cmd_latency_latest(exec_ctx *c)
{
    server *s = c->srv;
    resp_write_array_len(c->w, (long long)s->latency_event_count);
    for (size_t i = 0; i < s->latency_event_count; i++) {
        const struct latency_event *ev = &s->latency_events[i];
        const latency_sample *last = latest_sample(ev);
        resp_write_array_len(c->w, 4);
        resp_write_bulk_cstr(c->w, ev->name);
        resp_write_int(c->w, last->time_s);
        resp_write_int(c->w, last->latency_ms);
        resp_write_int(c->w, ev->max_ms);
    }
}

void cmd_latency_history(exec_ctx *c)
{
    const struct latency_event *ev = latency_find(c->srv, c->argv[2].ptr, c->argv[2].len);
    if (!ev) {
        resp_write_array_len(c->w, 0);
        return;
    }
    long long n = 0;
    for (int i = 0; i < LATENCY_HISTORY_LEN; i++)
        if (ev->samples[i].time_s)
            n++;
    resp_write_array_len(c->w, n);
    for (int k = 0; k < LATENCY_HISTORY_LEN; k++) { /* oldest first */
        const latency_sample *smp = &ev->samples[(ev->next + k) % LATENCY_HISTORY_LEN];
        if (!smp->time_s)
            continue;
        resp_write_array_len(c->w, 2);
        resp_write_int(c->w, smp->time_s);
        resp_write_int(c->w, smp->latency_ms);
    }
}

void cmd_latency_reset(exec_ctx *c)
{
    server *s = c->srv;
    long long reset = 0;
    if (c->argc == 2) {
        reset = (long long)s->latency_event_count;
        latency_free_all(s);
    } else {
        for (int i = 2; i < c->argc; i++)
            reset += latency_reset_event(s, c->argv[i].ptr, c->argv[i].len);
    }
    resp_write_int(c->w, reset);
}

/* Statistics of one event's samples, for LATENCY DOCTOR. */
typedef struct latency_summary {
    int samples;
    double avg_ms, mean_dev_ms, period_s;
} latency_summary;

static latency_summary summarize(const struct latency_event *ev)
{
    latency_summary r = {0, 0, 0, 0};
    int64_t first = 0, last = 0;
    double sum = 0;
    for (int i = 0; i < LATENCY_HISTORY_LEN; i++) {
        const latency_sample *smp = &ev->samples[i];
        if (!smp->time_s)
            continue;
        r.samples++;
        sum += smp->latency_ms;
        if (!first || smp->time_s < first)
            first = smp->time_s;
        if (smp->time_s > last)
            last = smp->time_s;
    }
    if (r.samples == 0)
        return r;
    r.avg_ms = sum / r.samples;
    for (int i = 0; i < LATENCY_HISTORY_LEN; i++) {
        const latency_sample *smp = &ev->samples[i];
        if (smp->time_s) {
            double d = smp->latency_ms - r.avg_ms;
            r.mean_dev_ms += d < 0 ? -d : d;
        }
    }
    r.mean_dev_ms /= r.samples;
    r.period_s = (double)(last - first) / r.samples;
    return r;
}

static void latency_report(server *s, bytebuf *out)
{
    long long threshold = s->cfg.latency_monitor_threshold;
    if (threshold <= 0 && s->latency_event_count == 0) {
        bytebuf_append_str(out,
                           "Latency monitoring is disabled in this instance (latency-monitor-threshold is 0).\n"
                           "Enable it with \"CONFIG SET latency-monitor-threshold <milliseconds>\": events that "
                           "take at least that long are then recorded and analysed here.\n");
        return;
    }
    if (s->latency_event_count == 0) {
        bytebuf_appendf(out,
                        "No latency spike of %lld ms or more was observed since the latency monitor was "
                        "enabled or last reset. Nothing to worry about.\n",
                        threshold);
        return;
    }
    bytebuf_append_str(out, "Latency spikes were observed in this instance.\n\n");
    int has_command = 0, has_fast = 0, has_expire = 0;
    for (size_t i = 0; i < s->latency_event_count; i++) {
        const struct latency_event *ev = &s->latency_events[i];
        latency_summary r = summarize(ev);
        bytebuf_appendf(out,
                        "%zu. %s: %d latency spike%s (average %.0fms, mean deviation %.0fms, period %.2f sec). "
                        "Worst all time event %ums.\n",
                        i + 1, ev->name, r.samples, r.samples == 1 ? "" : "s", r.avg_ms, r.mean_dev_ms,
                        r.period_s, ev->max_ms);
        has_command |= strcmp(ev->name, "command") == 0;
        has_fast |= strcmp(ev->name, "fast-command") == 0;
        has_expire |= strncmp(ev->name, "expire", 6) == 0;
    }
    bytebuf_append_str(out, "\nSuggestions:\n\n");
    long long slow_us = s->cfg.slowlog_log_slower_than;
    if (has_command || has_fast) {
        if (slow_us < 0 || slow_us > threshold * 1000)
            bytebuf_appendf(out,
                            "- The slow log does not record every command the latency monitor flags. "
                            "Use 'CONFIG SET slowlog-log-slower-than %lld' to see them in SLOWLOG GET.\n",
                            threshold * 1000);
        bytebuf_append_str(out,
                           "- Check SLOWLOG GET for the commands that took long. O(N) commands on large "
                           "values (KEYS, SMEMBERS, LRANGE 0 -1, HGETALL, ...) are the usual cause: prefer "
                           "SCAN-style iteration and smaller values.\n");
    }
    if (has_fast)
        bytebuf_append_str(out,
                           "- O(1) or O(log N) commands were slow: the process was probably not scheduled "
                           "in time. Check the CPU load of the machine and that the process is not swapping.\n");
    if (has_expire)
        bytebuf_append_str(out,
                           "- Many keys expiring at the same moment make expiry cycles slow. Spread the TTLs "
                           "of keys created together by adding a random offset.\n");
    if (!has_command && !has_fast && !has_expire)
        bytebuf_append_str(out, "- No specific advice for these events: compare their times with the "
                                "server's log and the machine's load.\n");
}

void cmd_latency_doctor(exec_ctx *c)
{
    bytebuf report;
    bytebuf_init(&report);
    latency_report(c->srv, &report);
    resp_write_verbatim(c->w, "txt", report.data, report.len);
    bytebuf_free(&report);
}

void cmd_latency_help(exec_ctx *c)
{
    static const char *const lines[] = {
        "DOCTOR",
        "    Return a human readable latency analysis report.",
        "HISTORY <event>",
        "    Return time-latency samples for the <event> class.",
        "LATEST",
        "    Return the latest latency samples for all events.",
        "RESET [<event> ...]",
        "    Reset latency data of one or more <event> classes.",
        "    (default: reset all data for all event classes)",
        NULL,
    };
    reply_help(c, lines);
}

/* ---- MEMORY ----------------------------------------------------------------------- */

static void map_ll(resp_writer *w, const char *key, long long v)
{
    resp_write_bulk_cstr(w, key);
    resp_write_int(w, v);
}

static void map_double(resp_writer *w, const char *key, double v)
{
    resp_write_bulk_cstr(w, key);
    resp_write_double(w, v);
}

static double ratio(size_t a, size_t b)
{
    return b ? (double)a / (double)b : 0.0;
}

void cmd_memory_stats(exec_ctx *c)
{
    server *s = c->srv;
    resp_writer *w = c->w;
    info_memory m;
    info_memory_collect(s, &m);
    int dbs = s->cfg.databases > 0 && s->cfg.databases <= SERVER_DBNUM_MAX ? s->cfg.databases : SERVER_DBNUM_MAX;
    int used_dbs = 0;
    for (int i = 0; i < dbs; i++)
        if (db_size(&s->dbs[i]))
            used_dbs++;
    size_t net = m.used > m.startup ? m.used - m.startup : 0;

    resp_write_map_len(w, 27 + used_dbs);
    map_ll(w, "peak.allocated", (long long)m.peak);
    map_ll(w, "total.allocated", (long long)m.used);
    map_ll(w, "startup.allocated", (long long)m.startup);
    map_ll(w, "replication.backlog", 0);
    map_ll(w, "clients.slaves", 0);
    map_ll(w, "clients.normal", (long long)m.clients_normal);
    map_ll(w, "cluster.links", 0);
    map_ll(w, "aof.buffer", 0);
    map_ll(w, "lua.caches", 0);
    map_ll(w, "functions.caches", 0);
    for (int i = 0; i < dbs; i++) {
        if (!db_size(&s->dbs[i]))
            continue;
        char name[32];
        snprintf(name, sizeof name, "db.%d", i);
        resp_write_bulk_cstr(w, name);
        resp_write_map_len(w, 2);
        map_ll(w, "overhead.hashtable.main", (long long)m.db_overhead[i]);
        map_ll(w, "overhead.hashtable.expires", 0); /* TTLs live inside the keys */
    }
    map_ll(w, "overhead.total", (long long)m.overhead_total);
    map_ll(w, "keys.count", (long long)m.keys);
    map_ll(w, "keys.bytes-per-key", m.keys ? (long long)(net / m.keys) : 0);
    map_ll(w, "dataset.bytes", (long long)m.dataset);
    map_double(w, "dataset.percentage", ratio(m.dataset, net) * 100);
    map_double(w, "peak.percentage", ratio(m.used, m.peak) * 100);
    map_ll(w, "allocator.allocated", (long long)m.allocator_allocated);
    map_ll(w, "allocator.active", (long long)m.allocator_active);
    map_ll(w, "allocator.resident", (long long)m.allocator_resident);
    map_double(w, "allocator-fragmentation.ratio", ratio(m.allocator_active, m.allocator_allocated));
    map_ll(w, "allocator-fragmentation.bytes", (long long)m.allocator_active - (long long)m.allocator_allocated);
    map_double(w, "allocator-rss.ratio", ratio(m.allocator_resident, m.allocator_active));
    map_ll(w, "allocator-rss.bytes", (long long)m.allocator_resident - (long long)m.allocator_active);
    map_double(w, "rss-overhead.ratio", ratio(m.rss, m.allocator_resident));
    map_ll(w, "rss-overhead.bytes", m.allocator_resident ? (long long)m.rss - (long long)m.allocator_resident : 0);
    map_double(w, "fragmentation", ratio(m.rss, m.used));
    map_ll(w, "fragmentation.bytes", (long long)m.rss - (long long)m.used);
}

#define MEMORY_DOCTOR_MIN_USED (5u * 1024 * 1024)

static void memory_report(server *s, bytebuf *out)
{
    info_memory m;
    info_memory_collect(s, &m);
    if (m.used < MEMORY_DOCTOR_MIN_USED) {
        bytebuf_append_str(out,
                           "This instance is empty or uses very little memory (under 5MB): there is "
                           "nothing meaningful to analyse yet. Ask again once it holds some data.\n");
        return;
    }
    int issues = 0;
    bytebuf_append_str(out, "Memory report:\n\n");
    if (m.peak > m.used + m.used / 2) {
        issues++;
        char peak_h[32], used_h[32];
        info_bytes_to_human(peak_h, sizeof peak_h, m.peak);
        info_bytes_to_human(used_h, sizeof used_h, m.used);
        bytebuf_appendf(out,
                        "- Peak memory: the peak (%s) is more than 150%% of the memory used now (%s). "
                        "The allocator may be holding on to pages freed since, which makes the RSS "
                        "look larger than the data: MEMORY PURGE asks it to give them back.\n\n",
                        peak_h, used_h);
    }
    double frag = ratio(m.allocator_active, m.allocator_allocated);
    if (m.allocator_allocated && frag > 1.1) {
        issues++;
        bytebuf_appendf(out,
                        "- Allocator fragmentation: %.2f (active pages over allocated bytes). Keys of "
                        "very different sizes created and deleted over time cause this; it shrinks as "
                        "the data set is rewritten.\n\n",
                        frag);
    }
    double rss = ratio(m.rss, m.allocator_resident);
    if (m.allocator_resident && rss > 1.1 && m.rss - m.allocator_resident > 10u * 1024 * 1024) {
        issues++;
        bytebuf_appendf(out,
                        "- RSS overhead: the process is %.2f times the allocator's resident memory. Other "
                        "memory than the data (libraries, the Raft log's buffers, thread stacks) "
                        "accounts for the difference.\n\n",
                        rss);
    }
    if (s->client_count && m.clients_normal / s->client_count > 200u * 1024) {
        issues++;
        bytebuf_append_str(out,
                           "- Client buffers: connections average more than 200KB of buffers. Look for "
                           "clients reading replies slowly or sending huge pipelines (CLIENT LIST "
                           "qbuf/omem).\n\n");
    }
    if (issues == 0)
        bytebuf_append_str(out, "No memory issue found in this instance.\n");
}

void cmd_memory_doctor(exec_ctx *c)
{
    bytebuf report;
    bytebuf_init(&report);
    memory_report(c->srv, &report);
    resp_write_verbatim(c->w, "txt", report.data, report.len);
    bytebuf_free(&report);
}

#ifdef HAVE_JEMALLOC
static void append_malloc_stats(void *opaque, const char *text)
{
    bytebuf_append_str((bytebuf *)opaque, text);
}
#endif

void cmd_memory_malloc_stats(exec_ctx *c)
{
#ifdef HAVE_JEMALLOC
    bytebuf text;
    bytebuf_init(&text);
    uint64_t epoch = 1;
    size_t sz = sizeof epoch;
    mallctl("epoch", &epoch, &sz, &epoch, sz);
    malloc_stats_print(append_malloc_stats, &text, NULL);
    resp_write_verbatim(c->w, "txt", text.data ? text.data : "", text.len);
    bytebuf_free(&text);
#else
    static const char msg[] = "Stats not supported for the current allocator";
    resp_write_verbatim(c->w, "txt", msg, sizeof msg - 1);
#endif
}

#define STR2(x) #x
#define STR(x) STR2(x)

void cmd_memory_purge(exec_ctx *c)
{
#ifdef HAVE_JEMALLOC
    if (mallctl("arena." STR(MALLCTL_ARENAS_ALL) ".purge", NULL, NULL, NULL, 0) != 0) {
        resp_write_error(c->w, "ERR Error purging dirty pages");
        return;
    }
#else
    malloc_trim(0);
#endif
    resp_write_ok(c->w);
}

void cmd_memory_help(exec_ctx *c)
{
    static const char *const lines[] = {
        "DOCTOR",
        "    Return memory problems reports.",
        "MALLOC-STATS",
        "    Return internal statistics report from the memory allocator.",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "STATS",
        "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
        NULL,
    };
    reply_help(c, lines);
}

/* ---- INFO, TIME, LASTSAVE --------------------------------------------------------- */

void cmd_info(exec_ctx *c)
{
    bytebuf text;
    bytebuf_init(&text);
    info_generate(c->srv, c->argc - 1, c->argv + 1, &text);
    resp_write_verbatim(c->w, "txt", text.data ? text.data : "", text.len);
    bytebuf_free(&text);
}

void cmd_time(exec_ctx *c)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    resp_write_array_len(c->w, 2);
    resp_write_bulk_ll(c->w, (long long)tv.tv_sec);
    resp_write_bulk_ll(c->w, (long long)tv.tv_usec);
}

void cmd_lastsave(exec_ctx *c)
{
    resp_write_int(c->w, info_last_save_time(c->srv));
}

/* ---- MONITOR, SHUTDOWN ------------------------------------------------------------ */

void cmd_monitor(exec_ctx *c)
{
    client *cl = c->client;
    if (!cl) {
        resp_write_error(c->w, "ERR MONITOR needs a client connection");
        return;
    }
    if (cl->flags & CLIENT_MONITOR)
        return; /* already monitoring: Redis ignores it without a reply */
    cl->flags |= CLIENT_MONITOR;
    c->srv->monitor_count++;
    resp_write_ok(c->w);
}

void cmd_shutdown(exec_ctx *c)
{
    int nosave = 0, save = 0, now = 0, force = 0, abort_it = 0;
    for (int i = 1; i < c->argc; i++) {
        if (arg_is(c, i, "nosave"))
            nosave = 1;
        else if (arg_is(c, i, "save"))
            save = 1;
        else if (arg_is(c, i, "now"))
            now = 1;
        else if (arg_is(c, i, "force"))
            force = 1;
        else if (arg_is(c, i, "abort"))
            abort_it = 1;
        else {
            reply_syntax_error(c);
            return;
        }
    }
    if ((abort_it && (nosave || save || now || force)) || (nosave && save)) {
        reply_syntax_error(c);
        return;
    }
    if (abort_it) {
        /* redraft's shutdown does not wait (no replicas to catch up, nothing to save:
         * the Raft log is already durable), so there is never one to abort. */
        resp_write_error(c->w, "ERR No shutdown in progress.");
        return;
    }
    /* No reply: the connection closes with the server, as with Redis (server_shutdown
     * logs "User requested shutdown..."). */
    server_shutdown(c->srv, 0);
}
