/* sentinel_cmds: the SENTINEL command (every subcommand) and PUBLISH in sentinel mode,
 * with Redis Sentinel's replies and error texts (Redis 7's sentinelCommand).
 *
 * The command table (node/command_table.c) lists SENTINEL's subcommands with their
 * arities, so unknown subcommands and wrong arities are answered before cmd_sentinel
 * runs. Instance maps follow Redis's addReplySentinelRedisInstance field by field (a
 * map in RESP3, a flat array in RESP2, every value a bulk string), built from the
 * registry as monitor.c and peers.c keep it:
 *   - a master map is the master's settings plus the instance that stands for it (its
 *     shard's Raft leader, else the seed's instance): flags are that instance's with
 *     "master" as the role word;
 *   - replicas are the other members (spares excluded: they are not replicating);
 *   - sentinels are the other members of the sentinels' group (peers.c).
 * Times are "milliseconds ago" as Redis reports them. Settings changed by SENTINEL
 * MONITOR / REMOVE / SET / CONFIG SET are this sentinel's own, as in Redis, and are
 * written to its config file right away (sentinel_flush_config), as FLUSHCONFIG does. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "command.h"
#include "commands.h"
#include "exec.h"
#include "mem.h"
#include "raft_node.h"
#include "resp_writer.h"
#include "sentinel.h"
#include "sentinel_internal.h"
#include "server.h"
#include "strutil.h"

int g_sentinel_simfailure_flags;

/* ---- flags ----------------------------------------------------------------------------- */

size_t sentinel_flags_format(char *buf, size_t size, unsigned flags, enum sentinel_kind kind)
{
    /* Redis's order: s_down, o_down, role, disconnected, master_down, ... */
    const char *words[12];
    int n = 0;
    if (flags & SRI_S_DOWN)
        words[n++] = "s_down";
    if (flags & SRI_O_DOWN)
        words[n++] = "o_down";
    words[n++] = kind == SENTINEL_KIND_MASTER ? "master" : kind == SENTINEL_KIND_SLAVE ? "slave" : "sentinel";
    if (flags & SRI_DISCONNECTED)
        words[n++] = "disconnected";
    if (flags & SRI_MASTER_DOWN)
        words[n++] = "master_down";
    if (flags & SRI_FAILOVER_IN_PROGRESS)
        words[n++] = "failover_in_progress";
    if (flags & SRI_PROMOTED)
        words[n++] = "promoted";
    if (flags & SRI_FORCE_FAILOVER)
        words[n++] = "force_failover";
    size_t len = 0;
    if (size == 0)
        return 0;
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        int w = snprintf(buf + len, size - len, "%s%s", i ? "," : "", words[i]);
        if (w < 0 || (size_t)w >= size - len) {
            len = size - 1;
            break;
        }
        len += (size_t)w;
    }
    return len;
}

/* ---- instance maps --------------------------------------------------------------------- */

typedef struct map_writer {
    resp_writer *w;
    size_t handle;
    int fields;
} map_writer;

static void map_begin(map_writer *mw, resp_writer *w)
{
    mw->w = w;
    mw->handle = resp_write_deferred_len(w);
    mw->fields = 0;
}

static void map_str(map_writer *mw, const char *key, const char *val)
{
    resp_write_bulk_cstr(mw->w, key);
    resp_write_bulk_cstr(mw->w, val);
    mw->fields++;
}

static void map_ll(map_writer *mw, const char *key, long long val)
{
    resp_write_bulk_cstr(mw->w, key);
    resp_write_bulk_ll(mw->w, val);
    mw->fields++;
}

static void map_end(map_writer *mw)
{
    resp_set_deferred_map_len(mw->w, mw->handle, mw->fields);
}

/* "ms ago" of a timestamp, 0 for "never" */
static long long ago(int64_t now, int64_t when)
{
    return when ? (long long)(now - when) : 0;
}

/* Redis measures "last OK ping" from the link's creation while none came. */
static long long since_or_created(int64_t now, int64_t when, const sentinel_instance *ri)
{
    if (when)
        return (long long)(now - when);
    if (ri && ri->link_created_ms)
        return (long long)(now - ri->link_created_ms);
    return (long long)(now - g_sentinel_start_ms); /* never linked: since start-up */
}

/* The common head: name .. down-after-milliseconds. */
static void map_instance_head(map_writer *mw, const char *name, const char *host, int port, const char *runid,
                              unsigned flags, enum sentinel_kind kind, const sentinel_instance *ri,
                              const sentinel_master *m, int64_t now)
{
    char fl[256];
    sentinel_flags_format(fl, sizeof fl, flags, kind);
    map_str(mw, "name", name);
    map_str(mw, "ip", host);
    map_ll(mw, "port", port);
    map_str(mw, "runid", runid);
    map_str(mw, "flags", fl);
    map_ll(mw, "link-pending-commands", ri ? ri->pending_commands : 0);
    map_ll(mw, "link-refcount", 1);
    if (kind == SENTINEL_KIND_MASTER && (flags & SRI_FAILOVER_IN_PROGRESS)) {
        static const char *const states[] = {"none", "wait_start", "select_slave", "send_slaveof_noone",
                                             "wait_promotion", "reconf_slaves", "update_config"};
        int st = m->failover_state;
        /* ours: none, select-slave, send-transfer, wait-promotion, reconf-slaves */
        const char *name_of = st == SENTINEL_FAILOVER_SELECT_SLAVE     ? states[2]
                              : st == SENTINEL_FAILOVER_SEND_TRANSFER  ? states[3]
                              : st == SENTINEL_FAILOVER_WAIT_PROMOTION ? states[4]
                              : st == SENTINEL_FAILOVER_RECONF_SLAVES  ? states[5]
                                                                       : states[1];
        map_str(mw, "failover-state", name_of);
    }
    map_ll(mw, "last-ping-sent", ri ? ago(now, ri->last_ping_sent_ms) : 0);
    map_ll(mw, "last-ok-ping-reply", ri ? since_or_created(now, ri->last_ok_ping_reply_ms, ri) : 0);
    map_ll(mw, "last-ping-reply", ri ? since_or_created(now, ri->last_ping_reply_ms, ri) : 0);
    if (flags & SRI_S_DOWN)
        map_ll(mw, "s-down-time", ri ? ago(now, ri->s_down_since_ms) : 0);
    if (flags & SRI_O_DOWN)
        map_ll(mw, "o-down-time", ri ? ago(now, ri->o_down_since_ms) : 0);
    map_ll(mw, "down-after-milliseconds", m->down_after_ms);
    if (kind != SENTINEL_KIND_SENTINEL) {
        map_ll(mw, "info-refresh", ri ? ago(now, ri->info_refresh_ms) : 0);
        int reported = ri && ri->role_reported ? ri->role_reported : (kind == SENTINEL_KIND_MASTER ? SRI_MASTER : SRI_SLAVE);
        map_str(mw, "role-reported", reported == SRI_MASTER ? "master" : "slave");
        map_ll(mw, "role-reported-time", ri ? since_or_created(now, ri->role_reported_ms, ri) : 0);
    }
}

static unsigned master_flags(const sentinel_master *m, const sentinel_instance *ri)
{
    unsigned flags = ri ? ri->flags : SRI_DISCONNECTED;
    flags &= ~(unsigned)(SRI_MASTER | SRI_SLAVE);
    if (m->failover_state != SENTINEL_FAILOVER_NONE)
        flags |= SRI_FAILOVER_IN_PROGRESS;
    return flags | SRI_MASTER;
}

static void reply_master(resp_writer *w, const sentinel_master *m, int64_t now)
{
    const sentinel_instance *ri = sentinel_master_instance(m);
    const char *host;
    int port;
    sentinel_master_report_addr(m, &host, &port);
    map_writer mw;
    map_begin(&mw, w);
    map_instance_head(&mw, m->name, host, port, ri ? ri->run_id : "", master_flags(m, ri), SENTINEL_KIND_MASTER, ri,
                      m, now);
    map_ll(&mw, "config-epoch", (long long)m->config_epoch);
    map_ll(&mw, "num-slaves", sentinel_replica_count(m));
    map_ll(&mw, "num-other-sentinels", sentinel_peer_count());
    map_ll(&mw, "quorum", m->quorum);
    map_ll(&mw, "failover-timeout", m->failover_timeout_ms);
    map_ll(&mw, "parallel-syncs", m->parallel_syncs);
    map_end(&mw);
}

static void reply_replica(resp_writer *w, const sentinel_master *m, const sentinel_instance *ri, int64_t now)
{
    char name[SENTINEL_HOST_MAX + 16];
    snprintf(name, sizeof name, "%s:%d", ri->host, ri->port);
    unsigned flags = (ri->flags & ~(unsigned)(SRI_MASTER | SRI_SLAVE | SRI_FAILOVER_IN_PROGRESS)) | SRI_SLAVE;
    map_writer mw;
    map_begin(&mw, w);
    map_instance_head(&mw, name, ri->host, ri->port, ri->run_id, flags, SENTINEL_KIND_SLAVE, ri, m, now);
    long long link_down = 0;
    if (!ri->master_link_up && ri->master_link_down_since_ms)
        link_down = (long long)(now - ri->master_link_down_since_ms);
    map_ll(&mw, "master-link-down-time", link_down);
    map_str(&mw, "master-link-status", ri->master_link_up ? "ok" : "err");
    map_str(&mw, "master-host", ri->master_host[0] ? ri->master_host : "?");
    map_ll(&mw, "master-port", ri->master_port);
    map_ll(&mw, "slave-priority", 100);
    map_ll(&mw, "slave-repl-offset", (long long)ri->applied_index);
    map_ll(&mw, "replica-announced", 1);
    map_end(&mw);
}

static void reply_sentinel_peer(resp_writer *w, const sentinel_master *m, const sentinel_peer *p, int64_t now)
{
    unsigned flags = p->flags & (SRI_S_DOWN | SRI_O_DOWN | SRI_DISCONNECTED);
    char fl[128];
    sentinel_flags_format(fl, sizeof fl, flags, SENTINEL_KIND_SENTINEL);
    map_writer mw;
    map_begin(&mw, w);
    map_str(&mw, "name", p->run_id);
    map_str(&mw, "ip", p->host);
    map_ll(&mw, "port", p->port);
    map_str(&mw, "runid", p->run_id);
    map_str(&mw, "flags", fl);
    map_ll(&mw, "link-pending-commands", 0);
    map_ll(&mw, "link-refcount", 1);
    map_ll(&mw, "last-ping-sent", ago(now, p->last_ping_sent_ms));
    map_ll(&mw, "last-ok-ping-reply", ago(now, p->last_ok_ping_reply_ms));
    map_ll(&mw, "last-ping-reply", ago(now, p->last_ping_reply_ms));
    if (flags & SRI_S_DOWN) {
        /* peers.c keeps no "since": down since the last good reply + down-after */
        long long t = p->last_ok_ping_reply_ms ? (long long)(now - p->last_ok_ping_reply_ms) - m->down_after_ms : 0;
        map_ll(&mw, "s-down-time", t > 0 ? t : 0);
    }
    map_ll(&mw, "down-after-milliseconds", m->down_after_ms);
    map_ll(&mw, "last-hello-message", ago(now, p->last_hello_ms));
    map_str(&mw, "voted-leader", p->voted_leader[0] ? p->voted_leader : "?");
    map_ll(&mw, "voted-leader-epoch", (long long)p->voted_leader_epoch);
    map_end(&mw);
}

/* ---- helpers --------------------------------------------------------------------------- */

static sentinel_master *master_or_reply(exec_ctx *c, int i)
{
    sentinel_master *m = sentinel_master_by_name(c->argv[i].ptr, c->argv[i].len);
    if (!m)
        resp_write_error(c->w, "ERR No such master with that name");
    return m;
}

static char *arg_cstr(exec_ctx *c, int i)
{
    return rd_strndup(c->argv[i].ptr, c->argv[i].len);
}

/* "master <name> <ip> <port>": the %@ form of a master, from its settings. */
static void master_event(const char *type, const sentinel_master *m, const char *extra_fmt, const char *a,
                         const char *b)
{
    const char *host;
    int port;
    sentinel_master_report_addr(m, &host, &port);
    char extra[512] = "";
    if (extra_fmt)
        snprintf(extra, sizeof extra, extra_fmt, a ? a : "", b ? b : "");
    sentinel_event(type, "master %s %s %d%s", m->name, host, port, extra);
}

/* The runid of the sentinel group's Raft leader (the acting sentinel), or NULL. */
static const char *acting_sentinel_id(void)
{
    if (raft_node_is_leader())
        return sentinel_myid();
    uint64_t lid = raft_node_leader_id();
    if (!lid)
        return NULL;
    for (int i = 0; i < sentinel_peer_count(); i++) {
        const sentinel_peer *p = sentinel_peer_at(i);
        if (p && p->raft_id == lid && p->run_id[0])
            return p->run_id;
    }
    return NULL;
}

/* ---- subcommands ----------------------------------------------------------------------- */

static void sub_masters(exec_ctx *c, int64_t now)
{
    resp_write_array_len(c->w, sentinel_master_count());
    for (int i = 0; i < sentinel_master_count(); i++)
        reply_master(c->w, sentinel_master_at(i), now);
}

static void sub_master(exec_ctx *c, int64_t now)
{
    sentinel_master *m = master_or_reply(c, 2);
    if (m)
        reply_master(c->w, m, now);
}

static void sub_replicas(exec_ctx *c, int64_t now)
{
    sentinel_master *m = master_or_reply(c, 2);
    if (!m)
        return;
    resp_write_array_len(c->w, sentinel_replica_count(m));
    for (int i = 0; i < m->node_count; i++)
        if (sentinel_is_replica(m, m->nodes[i]))
            reply_replica(c->w, m, m->nodes[i], now);
}

static void sub_sentinels(exec_ctx *c, int64_t now)
{
    sentinel_master *m = master_or_reply(c, 2);
    if (!m)
        return;
    int n = 0;
    for (int i = 0; i < sentinel_peer_count(); i++)
        if (sentinel_peer_at(i))
            n++;
    resp_write_array_len(c->w, n);
    for (int i = 0; i < sentinel_peer_count(); i++) {
        const sentinel_peer *p = sentinel_peer_at(i);
        if (p)
            reply_sentinel_peer(c->w, m, p, now);
    }
}

static void sub_get_master_addr(exec_ctx *c)
{
    sentinel_master *m = sentinel_master_by_name(c->argv[2].ptr, c->argv[2].len);
    if (!m) {
        resp_write_null_array(c->w);
        return;
    }
    const char *host;
    int port;
    if (m->failover_state >= SENTINEL_FAILOVER_RECONF_SLAVES && m->promoted) {
        /* as Redis: late in a failover the promoted replica is already the answer */
        host = m->promoted->host;
        port = m->promoted->port;
    } else {
        sentinel_master_report_addr(m, &host, &port);
    }
    resp_write_array_len(c->w, 2);
    resp_write_bulk_cstr(c->w, host);
    resp_write_bulk_ll(c->w, port);
}

static void sub_ckquorum(exec_ctx *c)
{
    sentinel_master *m = master_or_reply(c, 2);
    if (!m)
        return;
    int voters = sentinel_peer_count() + 1;
    int usable = sentinel_peers_usable(m->down_after_ms) + 1;
    int noquorum = usable < (int)m->quorum, noauth = usable < voters / 2 + 1;
    if (!noquorum && !noauth) {
        char ok[128];
        snprintf(ok, sizeof ok, "OK %d usable Sentinels. Quorum and failover authorization can be reached", usable);
        resp_write_simple_cstr(c->w, ok);
        return;
    }
    char e[256];
    int n = snprintf(e, sizeof e, "NOQUORUM %d usable Sentinels. ", usable);
    if (noquorum)
        n += snprintf(e + n, sizeof e - (size_t)n,
                      "Not enough available Sentinels to reach the specified quorum for this master");
    if (noauth)
        snprintf(e + n, sizeof e - (size_t)n, "%sNot enough available Sentinels to reach the majority and authorize a failover",
                 noquorum ? ". " : "");
    resp_write_error(c->w, e);
}

static void sub_failover(exec_ctx *c)
{
    sentinel_master *m = master_or_reply(c, 2);
    if (!m)
        return;
    if (m->failover_state != SENTINEL_FAILOVER_NONE) {
        resp_write_error(c->w, "INPROG Failover already in progress");
        return;
    }
    const char *err = NULL;
    if (sentinel_failover_start(m, &err) != 0) {
        resp_write_error(c->w, err ? err : "NOGOODSLAVE No suitable replica to promote");
        return;
    }
    resp_write_ok(c->w);
}

static void sub_reset(exec_ctx *c)
{
    long long count = 0;
    for (int i = 0; i < sentinel_master_count(); i++) {
        sentinel_master *m = sentinel_master_at(i);
        if (!rd_glob_match(c->argv[2].ptr, c->argv[2].len, m->name, strlen(m->name), 0))
            continue;
        /* As Redis's sentinelResetMaster: the replicas are forgotten and rediscovered
         * (monitor.c finds them again in the leader's Raft member list within an INFO
         * period, with +slave events); the instance that leads (else the seed) and a
         * failover's target stay, and the down states are concluded again from fresh
         * replies. */
        sentinel_instance *keep = m->leader ? m->leader : sentinel_instance_find(m, m->seed_host, m->seed_port);
        for (int j = m->node_count - 1; j >= 0; j--)
            if (m->nodes[j] != keep && m->nodes[j] != m->promoted)
                sentinel_instance_remove(m->nodes[j]);
        for (int j = 0; j < m->node_count; j++) {
            sentinel_instance *ri = m->nodes[j];
            ri->flags &= ~(unsigned)(SRI_S_DOWN | SRI_O_DOWN | SRI_MASTER_DOWN);
            ri->s_down_since_ms = 0;
            ri->o_down_since_ms = 0;
        }
        m->down_votes = 0;
        m->down_votes_ms = 0;
        master_event("+reset-master", m, NULL, NULL, NULL);
        count++;
    }
    resp_write_int(c->w, count);
}

static void sub_is_master_down(exec_ctx *c)
{
    long long port, epoch;
    if (!rd_str2ll(c->argv[3].ptr, c->argv[3].len, &port) || !rd_str2ll(c->argv[4].ptr, c->argv[4].len, &epoch)) {
        reply_not_integer(c);
        return;
    }
    char *host = arg_cstr(c, 2);
    sentinel_instance *ri = port >= 0 && port <= 65535 ? sentinel_instance_lookup_addr(host, (int)port) : NULL;
    rd_free(host);
    int is_master = ri && ((ri->flags & SRI_MASTER) || (ri->master && ri->master->leader == ri));
    int down = is_master && (ri->flags & SRI_S_DOWN);
    const char *leader = NULL;
    long long leader_epoch = 0;
    if (is_master && !rd_strcaseeq(c->argv[5].ptr, c->argv[5].len, "*")) {
        /* A vote request: in redraft the acting sentinel is the sentinels' Raft
         * leader, so that is the vote, in the group's current term. */
        leader = acting_sentinel_id();
        leader_epoch = (long long)raft_node_term();
    }
    resp_write_array_len(c->w, 3);
    resp_write_int(c->w, down);
    resp_write_bulk_cstr(c->w, leader ? leader : "*");
    resp_write_int(c->w, leader_epoch);
}

static void sub_monitor(exec_ctx *c)
{
    long long quorum, port;
    if (!rd_str2ll(c->argv[5].ptr, c->argv[5].len, &quorum)) {
        resp_write_error(c->w, "ERR Invalid quorum");
        return;
    }
    if (!rd_str2ll(c->argv[4].ptr, c->argv[4].len, &port)) {
        resp_write_error(c->w, "ERR Invalid port");
        return;
    }
    if (quorum <= 0) {
        resp_write_error(c->w, "ERR Quorum must be 1 or greater.");
        return;
    }
    char *name = arg_cstr(c, 2), *host = arg_cstr(c, 3);
    if (c->argv[3].len > SENTINEL_HOST_MAX || !sentinel_valid_host(host)) {
        resp_write_error(c->w, "ERR Invalid IP address or hostname specified");
    } else if (sentinel_master_by_name(c->argv[2].ptr, c->argv[2].len)) {
        resp_write_error(c->w, "ERR Duplicate master name.");
    } else if (port < 0 || port > 65535) {
        resp_write_error(c->w, "ERR Invalid port number.");
    } else if (c->argv[2].len == 0 || c->argv[2].len > SENTINEL_NAME_MAX || strlen(name) != c->argv[2].len) {
        resp_write_error(c->w, "ERR Invalid master name.");
    } else {
        sentinel_master *m = sentinel_master_add(name, host, (int)port, (unsigned)quorum);
        if (!m) {
            resp_write_error(c->w, "ERR Duplicate master name.");
        } else {
            sentinel_event("+monitor", "master %s %s %d quorum %u", m->name, m->seed_host, m->seed_port, m->quorum);
            sentinel_flush_config();
            resp_write_ok(c->w);
        }
    }
    rd_free(name);
    rd_free(host);
}

static void sub_remove(exec_ctx *c)
{
    sentinel_master *m = master_or_reply(c, 2);
    if (!m)
        return;
    master_event("-monitor", m, NULL, NULL, NULL);
    sentinel_master_remove(m);
    sentinel_flush_config();
    resp_write_ok(c->w);
}

static void sub_set(exec_ctx *c)
{
    sentinel_master *m = master_or_reply(c, 2);
    if (!m)
        return;
    int changes = 0;
    for (int j = 3; j < c->argc; j++) {
        int more = c->argc - 1 - j;
        const rd_arg *opt = &c->argv[j];
        char optname[64];
        snprintf(optname, sizeof optname, "%.*s", (int)(opt->len < 63 ? opt->len : 63), opt->ptr);
        long long ll;
        int bad = 0, redacted = 0;
        if (more > 0 && (rd_strcaseeq(opt->ptr, opt->len, "down-after-milliseconds") ||
                         rd_strcaseeq(opt->ptr, opt->len, "failover-timeout") ||
                         rd_strcaseeq(opt->ptr, opt->len, "parallel-syncs") ||
                         rd_strcaseeq(opt->ptr, opt->len, "quorum"))) {
            const rd_arg *v = &c->argv[j + 1];
            if (!rd_str2ll(v->ptr, v->len, &ll) || ll <= 0) {
                bad = 1;
            } else if (rd_strcaseeq(opt->ptr, opt->len, "down-after-milliseconds")) {
                m->down_after_ms = ll;
            } else if (rd_strcaseeq(opt->ptr, opt->len, "failover-timeout")) {
                m->failover_timeout_ms = ll;
            } else if (rd_strcaseeq(opt->ptr, opt->len, "parallel-syncs")) {
                m->parallel_syncs = ll > 1000000 ? 1000000 : (int)ll;
            } else {
                m->quorum = ll > 1000000 ? 1000000u : (unsigned)ll;
            }
            if (bad) {
                if (changes)
                    sentinel_flush_config(); /* as Redis: the options before it stay set */
                resp_write_errorf(c->w, "ERR Invalid argument '%.*s' for SENTINEL SET '%s'", (int)v->len, v->ptr,
                                  optname);
                return;
            }
        } else if (more > 0 && rd_strcaseeq(opt->ptr, opt->len, "auth-pass")) {
            const rd_arg *v = &c->argv[j + 1];
            rd_free(m->auth_pass);
            m->auth_pass = v->len ? rd_strndup(v->ptr, v->len) : NULL;
            redacted = 1;
        } else if (more > 0 && (rd_strcaseeq(opt->ptr, opt->len, "notification-script") ||
                                rd_strcaseeq(opt->ptr, opt->len, "client-reconfig-script"))) {
            if (changes)
                sentinel_flush_config();
            resp_write_error(c->w, g_sentinel_opts.deny_scripts_reconfig
                                       ? "ERR Reconfiguration of scripts path is denied for security reasons. "
                                         "Check the deny-scripts-reconfig configuration directive in your "
                                         "Sentinel configuration"
                                       : "ERR Scripts are not supported by redraft-sentinel");
            return;
        } else {
            if (changes)
                sentinel_flush_config();
            resp_write_errorf(c->w, "ERR Unknown option or number of arguments for SENTINEL SET '%s'", optname);
            return;
        }
        char value[128];
        snprintf(value, sizeof value, "%.*s", (int)(c->argv[j + 1].len < 127 ? c->argv[j + 1].len : 127),
                 c->argv[j + 1].ptr);
        master_event("+set", m, " %s %s", optname, redacted ? "******" : value);
        changes++;
        j++;
    }
    if (changes)
        sentinel_flush_config();
    resp_write_ok(c->w);
}

static void write_info_text(exec_ctx *c, const sentinel_instance *ri)
{
    if (ri->info_text)
        resp_write_verbatim(c->w, "txt", ri->info_text, ri->info_len);
    else
        resp_write_null(c->w);
}

static void sub_info_cache(exec_ctx *c)
{
    /* Redis replies [name, [[ms-since-refresh, INFO text], ...]] per master asked for,
     * the master first; the text is the last INFO reply (null before the first). */
    int n = 0;
    for (int i = 0; i < sentinel_master_count(); i++) {
        const sentinel_master *m = sentinel_master_at(i);
        for (int j = 2; j < c->argc; j++)
            if (strlen(m->name) == c->argv[j].len && memcmp(m->name, c->argv[j].ptr, c->argv[j].len) == 0) {
                n++;
                break;
            }
    }
    int64_t now = sentinel_now_ms();
    resp_write_array_len(c->w, 2LL * n);
    for (int i = 0; i < sentinel_master_count(); i++) {
        const sentinel_master *m = sentinel_master_at(i);
        int asked = 0;
        for (int j = 2; j < c->argc && !asked; j++)
            asked = strlen(m->name) == c->argv[j].len && memcmp(m->name, c->argv[j].ptr, c->argv[j].len) == 0;
        if (!asked)
            continue;
        resp_write_bulk_cstr(c->w, m->name);
        const sentinel_instance *mi = sentinel_master_instance(m);
        int count = (mi ? 1 : 0) + sentinel_replica_count(m);
        resp_write_array_len(c->w, count);
        if (mi) {
            resp_write_array_len(c->w, 2);
            resp_write_int(c->w, ago(now, mi->info_refresh_ms));
            write_info_text(c, mi);
        }
        for (int k = 0; k < m->node_count; k++) {
            if (!sentinel_is_replica(m, m->nodes[k]))
                continue;
            resp_write_array_len(c->w, 2);
            resp_write_int(c->w, ago(now, m->nodes[k]->info_refresh_ms));
            write_info_text(c, m->nodes[k]);
        }
    }
}

static void sub_simulate_failure(exec_ctx *c)
{
    g_sentinel_simfailure_flags = 0;
    for (int j = 2; j < c->argc; j++) {
        if (arg_is(c, j, "crash-after-election")) {
            g_sentinel_simfailure_flags |= SENTINEL_SIMFAILURE_CRASH_AFTER_ELECTION;
            server_log(LL_WARNING, "Failure simulation: this Sentinel will crash after being successfully elected as "
                                   "failover leader");
        } else if (arg_is(c, j, "crash-after-promotion")) {
            g_sentinel_simfailure_flags |= SENTINEL_SIMFAILURE_CRASH_AFTER_PROMOTION;
            server_log(LL_WARNING, "Failure simulation: this Sentinel will crash after promoting the selected replica "
                                   "to master");
        } else if (arg_is(c, j, "help")) {
            resp_write_array_len(c->w, 2);
            resp_write_bulk_cstr(c->w, "crash-after-election");
            resp_write_bulk_cstr(c->w, "crash-after-promotion");
            return;
        } else {
            resp_write_error(c->w, "ERR Unknown failure simulation specified");
            return;
        }
    }
    resp_write_ok(c->w);
}

/* ---- SENTINEL CONFIG ------------------------------------------------------------------- */

static const char *const config_names[] = {"resolve-hostnames", "announce-hostnames", "announce-ip",
                                           "announce-port",     "sentinel-user",      "sentinel-pass",
                                           "loglevel",          NULL};

static const char *const loglevels[] = {"debug", "verbose", "notice", "warning", "nothing", NULL};

static void config_value(int idx, char *buf, size_t size)
{
    switch (idx) {
    case 0: snprintf(buf, size, "%s", g_sentinel_opts.resolve_hostnames ? "yes" : "no"); break;
    case 1: snprintf(buf, size, "%s", g_sentinel_opts.announce_hostnames ? "yes" : "no"); break;
    case 2: snprintf(buf, size, "%s", g_sentinel_opts.announce_ip ? g_sentinel_opts.announce_ip : ""); break;
    case 3: snprintf(buf, size, "%d", g_sentinel_opts.announce_port); break;
    case 4: snprintf(buf, size, "%s", g_sentinel_opts.sentinel_user ? g_sentinel_opts.sentinel_user : ""); break;
    case 5: snprintf(buf, size, "%s", g_sentinel_opts.sentinel_pass ? g_sentinel_opts.sentinel_pass : ""); break;
    default: {
        int l = g_server.cfg.loglevel;
        snprintf(buf, size, "%s", l >= LL_DEBUG && l <= LL_NOTHING ? loglevels[l] : "notice");
    }
    }
}

static void config_get(exec_ctx *c)
{
    int matched[8] = {0};
    int n = 0;
    for (int j = 3; j < c->argc; j++)
        for (int i = 0; config_names[i]; i++)
            if (!matched[i] && rd_glob_match(c->argv[j].ptr, c->argv[j].len, config_names[i], strlen(config_names[i]), 1)) {
                matched[i] = 1;
                n++;
            }
    resp_write_map_len(c->w, n);
    for (int i = 0; config_names[i]; i++) {
        if (!matched[i])
            continue;
        char v[512];
        config_value(i, v, sizeof v);
        resp_write_bulk_cstr(c->w, config_names[i]);
        resp_write_bulk_cstr(c->w, v);
    }
}

static int config_index(const rd_arg *a)
{
    for (int i = 0; config_names[i]; i++)
        if (rd_strcaseeq(a->ptr, a->len, config_names[i]))
            return i;
    return -1;
}

static int yesno(const rd_arg *a)
{
    return rd_strcaseeq(a->ptr, a->len, "yes") ? 1 : rd_strcaseeq(a->ptr, a->len, "no") ? 0 : -1;
}

static int loglevel_of(const rd_arg *a)
{
    for (int i = 0; loglevels[i]; i++)
        if (rd_strcaseeq(a->ptr, a->len, loglevels[i]))
            return i;
    return -1;
}

/* Validates every pair first, then applies them all (Redis 7.2's SENTINEL CONFIG SET). */
static void config_set(exec_ctx *c)
{
    int seen[8] = {0};
    for (int j = 3; j < c->argc; j += 2) {
        const rd_arg *opt = &c->argv[j];
        int idx = config_index(opt);
        if (idx >= 0 && seen[idx]) {
            resp_write_errorf(c->w, "ERR Duplicate argument '%.*s' to SENTINEL CONFIG SET", (int)opt->len, opt->ptr);
            return;
        }
        if (idx < 0 || j + 1 >= c->argc) {
            resp_write_errorf(c->w, "ERR Invalid argument '%.*s' to SENTINEL CONFIG SET", (int)opt->len, opt->ptr);
            return;
        }
        seen[idx] = 1;
        const rd_arg *v = &c->argv[j + 1];
        long long ll;
        int bad = 0;
        if (idx == 0 || idx == 1)
            bad = yesno(v) < 0;
        else if (idx == 3)
            bad = !rd_str2ll(v->ptr, v->len, &ll) || ll < 0 || ll > 65535;
        else if (idx == 6)
            bad = loglevel_of(v) < 0;
        if (bad) {
            resp_write_errorf(c->w, "ERR Invalid value '%.*s' to SENTINEL CONFIG SET '%s'", (int)v->len, v->ptr,
                              config_names[idx]);
            return;
        }
    }
    for (int j = 3; j + 1 < c->argc; j += 2) {
        int idx = config_index(&c->argv[j]);
        const rd_arg *v = &c->argv[j + 1];
        long long ll = 0;
        switch (idx) {
        case 0: g_sentinel_opts.resolve_hostnames = yesno(v); break;
        case 1: g_sentinel_opts.announce_hostnames = yesno(v); break;
        case 2:
            rd_free(g_sentinel_opts.announce_ip);
            g_sentinel_opts.announce_ip = rd_strndup(v->ptr, v->len);
            break;
        case 3:
            rd_str2ll(v->ptr, v->len, &ll);
            g_sentinel_opts.announce_port = (int)ll;
            break;
        case 4:
            rd_free(g_sentinel_opts.sentinel_user);
            g_sentinel_opts.sentinel_user = rd_strndup(v->ptr, v->len);
            break;
        case 5:
            rd_free(g_sentinel_opts.sentinel_pass);
            g_sentinel_opts.sentinel_pass = rd_strndup(v->ptr, v->len);
            break;
        default: g_server.cfg.loglevel = loglevel_of(v); break;
        }
    }
    sentinel_flush_config();
    resp_write_ok(c->w);
}

static void sub_config(exec_ctx *c)
{
    if (arg_is(c, 2, "get") && c->argc >= 4)
        config_get(c);
    else if (arg_is(c, 2, "set") && c->argc >= 5 && (c->argc - 3) % 2 == 0)
        config_set(c);
    else
        resp_write_error(c->w, "ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.");
}

/* Redis 7.2's sentinelFlushConfigAndReply: the rewrite's failure is in the log. */
static void sub_flushconfig(exec_ctx *c)
{
    if (sentinel_flush_config() != 0)
        resp_write_error(c->w, "ERR Failed to save config file. Check server logs.");
    else
        resp_write_ok(c->w);
}

/* ---- SENTINEL DEBUG -------------------------------------------------------------------- */

static void sub_debug(exec_ctx *c)
{
    if (c->argc == 2) {
        struct {
            const char *name;
            long long value;
        } params[] = {
            {"INFO-PERIOD", g_sentinel_cfg.info_period_ms},
            {"PING-PERIOD", g_sentinel_cfg.ping_period_ms},
            {"ASK-PERIOD", g_sentinel_cfg.ping_period_ms},
            {"PUBLISH-PERIOD", 2000},
            {"DEFAULT-DOWN-AFTER", 5000},
            {"DEFAULT-FAILOVER-TIMEOUT", 180000},
            {"TILT-TRIGGER", 2000},
            {"TILT-PERIOD", 30000},
            {"SLAVE-RECONF-TIMEOUT", 10000},
            {"MIN-LINK-RECONNECT-PERIOD", 15000},
            {"ELECTION-TIMEOUT", g_server.cfg.raft_election_timeout},
            {"SCRIPT-MAX-RUNTIME", 60000},
            {"SCRIPT-RETRY-DELAY", 30000},
        };
        size_t n = sizeof params / sizeof params[0];
        resp_write_map_len(c->w, (long long)n);
        for (size_t i = 0; i < n; i++) {
            resp_write_bulk_cstr(c->w, params[i].name);
            resp_write_bulk_ll(c->w, params[i].value);
        }
        return;
    }
    /* Only the periods this sentinel actually runs on can be changed. */
    for (int j = 2; j < c->argc; j += 2) {
        const rd_arg *opt = &c->argv[j];
        int known = rd_strcaseeq(opt->ptr, opt->len, "info-period") || rd_strcaseeq(opt->ptr, opt->len, "ping-period");
        if (!known || j + 1 >= c->argc) {
            resp_write_errorf(c->w, "ERR Unknown option or number of arguments for SENTINEL DEBUG '%.*s'",
                              (int)opt->len, opt->ptr);
            return;
        }
        long long ll;
        const rd_arg *v = &c->argv[j + 1];
        if (!rd_str2ll(v->ptr, v->len, &ll) || ll <= 0) {
            resp_write_errorf(c->w, "ERR Invalid argument '%.*s' for SENTINEL DEBUG '%.*s'", (int)v->len, v->ptr,
                              (int)opt->len, opt->ptr);
            return;
        }
    }
    for (int j = 2; j + 1 < c->argc; j += 2) {
        long long ll;
        rd_str2ll(c->argv[j + 1].ptr, c->argv[j + 1].len, &ll);
        if (arg_is(c, j, "info-period"))
            g_sentinel_cfg.info_period_ms = ll;
        else
            g_sentinel_cfg.ping_period_ms = ll;
    }
    resp_write_ok(c->w);
}

static void sub_help(exec_ctx *c)
{
    static const char *const lines[] = {
        "CKQUORUM <master-name>",
        "    Check if the current Sentinel configuration is able to reach the quorum",
        "    needed to failover a master and the majority needed to authorize the",
        "    failover.",
        "CONFIG SET <param> <value>",
        "    Set a global Sentinel configuration parameter.",
        "CONFIG GET <param>",
        "    Get global Sentinel configuration parameter.",
        "DEBUG [<param> <value> ...]",
        "    Show a list of configurable time parameters and their values (milliseconds).",
        "    Or update current configurable parameters values (one or more).",
        "GET-MASTER-ADDR-BY-NAME <master-name>",
        "    Return the ip and port number of the master with that name.",
        "FAILOVER <master-name>",
        "    Manually failover a master node without asking for agreement from other",
        "    Sentinels",
        "FLUSHCONFIG",
        "    Force Sentinel to rewrite its configuration on disk, including the current",
        "    Sentinel state.",
        "INFO-CACHE <master-name>",
        "    Return last cached INFO output from masters and all its replicas.",
        "IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> <runid>",
        "    Check if the master specified by ip:port is down from current Sentinel's",
        "    point of view.",
        "MASTER <master-name>",
        "    Show the state and info of the specified master.",
        "MASTERS",
        "    Show a list of monitored masters and their state.",
        "MONITOR <name> <ip> <port> <quorum>",
        "    Start monitoring a new master with the specified name, ip, port and quorum.",
        "MYID",
        "    Return the ID of the Sentinel instance.",
        "PENDING-SCRIPTS",
        "    Get pending scripts information.",
        "REMOVE <master-name>",
        "    Remove master from Sentinel's monitor list.",
        "REPLICAS <master-name>",
        "    Show a list of replicas for this master and their state.",
        "RESET <pattern>",
        "    Reset masters for specific master name matching this pattern.",
        "SENTINELS <master-name>",
        "    Show a list of Sentinel instances for this master and their state.",
        "SET <master-name> <option> <value> [<option> <value> ...]",
        "    Set configuration parameters for certain masters.",
        "SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]",
        "    Simulate a Sentinel crash.",
        NULL,
    };
    reply_help(c, lines);
}

/* ---- the command ----------------------------------------------------------------------- */

void cmd_sentinel(exec_ctx *c)
{
    int64_t now = sentinel_now_ms();
    const command *sub = c->cmd;
    const char *name = sub && sub->parent ? sub->name : "";
    if (!strcmp(name, "masters"))
        sub_masters(c, now);
    else if (!strcmp(name, "master"))
        sub_master(c, now);
    else if (!strcmp(name, "replicas") || !strcmp(name, "slaves"))
        sub_replicas(c, now);
    else if (!strcmp(name, "sentinels"))
        sub_sentinels(c, now);
    else if (!strcmp(name, "get-master-addr-by-name"))
        sub_get_master_addr(c);
    else if (!strcmp(name, "ckquorum"))
        sub_ckquorum(c);
    else if (!strcmp(name, "failover"))
        sub_failover(c);
    else if (!strcmp(name, "reset"))
        sub_reset(c);
    else if (!strcmp(name, "is-master-down-by-addr"))
        sub_is_master_down(c);
    else if (!strcmp(name, "myid"))
        resp_write_bulk_cstr(c->w, sentinel_myid());
    else if (!strcmp(name, "config"))
        sub_config(c);
    else if (!strcmp(name, "info-cache"))
        sub_info_cache(c);
    else if (!strcmp(name, "simulate-failure"))
        sub_simulate_failure(c);
    else if (!strcmp(name, "monitor"))
        sub_monitor(c);
    else if (!strcmp(name, "remove"))
        sub_remove(c);
    else if (!strcmp(name, "set"))
        sub_set(c);
    else if (!strcmp(name, "flushconfig"))
        sub_flushconfig(c);
    else if (!strcmp(name, "pending-scripts"))
        resp_write_array_len(c->w, 0);
    else if (!strcmp(name, "debug"))
        sub_debug(c);
    else if (!strcmp(name, "help"))
        sub_help(c);
    else
        reply_unknown_subcommand(c);
}

/* PUBLISH on a sentinel: only Sentinel hello messages are accepted (Redis Sentinel's
 * sentinelPublishCommand); redraft's sentinels learn each other from their Raft group,
 * so the hello itself is acknowledged and otherwise ignored. */
static void sentinel_cmd_publish(exec_ctx *c)
{
    if (!rd_strcaseeq(c->argv[1].ptr, c->argv[1].len, "__sentinel__:hello")) {
        resp_write_error(c->w, "ERR Only HELLO messages are accepted by Sentinel instances.");
        return;
    }
    resp_write_int(c->w, 1);
}

void sentinel_cmds_install(void)
{
    command *cmd;
    if ((cmd = command_lookup_name("role", 4)) != NULL)
        cmd->proc = sentinel_cmd_role;
    if ((cmd = command_lookup_name("info", 4)) != NULL)
        cmd->proc = sentinel_cmd_info;
    if ((cmd = command_lookup_name("publish", 7)) != NULL)
        cmd->proc = sentinel_cmd_publish;
}
