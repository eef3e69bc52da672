/* monitor: this sentinel's view of every monitored shard (see sentinel.h).
 *
 * Owns one resp_client per storage node (sentinel_instance.link), the per-instance
 * private state below (mon_inst, hung on sentinel_instance.mon) and one
 * timer. Every TICK_MS, for each master and each of its instances:
 *   - link: connect (AUTH with the master's auth-pass, CLIENT SETNAME
 *     sentinel-<myid:8>-cmd), reconnect after a failure with a backoff of 100 ms
 *     doubling to 1 s, as node/peer_links.c does;
 *   - PING every ping period, one outstanding at a time, bookkeeping as Redis's
 *     sentinelSendPing / sentinelPingReplyCallback (+PONG, -LOADING, -MASTERDOWN count
 *     as available);
 *   - INFO server replication cluster raft every info period, or every FAST_INFO_MS
 *     while the shard's published leader looks unreachable, so a new Raft leader is
 *     published within a few hundred ms of its election;
 *   - subjective down as Redis's sentinelCheckSubjectivelyDown.
 * INFO replies feed the instance's fields, discover the shard's other members from the
 * raft_memberN lines (any node may add members; only the current leader's list, which
 * is the newest configuration, removes them) and recompute the leader view: the
 * published master is the reachable instance that says raft_state:leader with the
 * highest term, never one whose term is below another member's.
 *
 * Lifetime: ri->link is always closed by us (or by registry.c through
 * sentinel_monitor_forget) after ri->link was set to NULL, and resp_client_close fires
 * every pending callback before it returns, so a callback whose client is not its
 * instance's current link (ri->link != c) ignores everything. mon_inst entries are freed
 * only after their link is closed. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "mem.h"
#include "resp_client.h"
#include "sentinel.h"
#include "server.h"
#include "strutil.h"

#define TICK_MS 50
#define FAST_INFO_MS 100
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 1000
#define CONNECT_TIMEOUT_MS 1000

/* monitor.c's private state for one instance. */
typedef struct mon_inst {
    sentinel_instance *ri;     /* not owned */
    resp_client *rc;           /* the link we made (== ri->link while it is ours) */
    int link_up;               /* ri->link finished its handshake and is not lost */
    int64_t retry_at;          /* when ri->link is NULL: next connect attempt */
    int64_t backoff_ms;
    int64_t failure_logged;    /* one log line per outage */
    int ping_inflight;         /* a PING on the current link awaits its reply */
    int64_t last_ping_time;    /* last PING sent (any), for the period */
    int info_inflight;
    int64_t info_sent_ms;
    char raft_state[16];       /* from INFO raft: leader / follower / candidate / ... */
    int have_info;
    int announced;             /* +slave published */
} mon_inst;

static struct {
    server *s;
    int started;
    uv_timer_t timer;
    char client_name[32];
} M;

/* ---- private state ---------------------------------------------------------------------- */

/* ri's private state, NULL until the first tick that sees ri. */
static mon_inst *mon_find(const sentinel_instance *ri)
{
    return ri->mon;
}

static mon_inst *mon_get(sentinel_instance *ri, int64_t now)
{
    mon_inst *mi = mon_find(ri);
    if (mi)
        return mi;
    mi = rd_calloc(1, sizeof *mi);
    mi->ri = ri;
    mi->rc = ri->link; /* NULL for a new instance */
    mi->backoff_ms = BACKOFF_MIN_MS;
    ri->mon = mi;
    /* As Redis's createInstanceLink / createSentinelRedisInstance: a new instance counts
     * as pinged and available now, so one that never answers is sdown after down-after. */
    if (!ri->last_ping_sent_ms)
        ri->last_ping_sent_ms = now;
    if (!ri->last_avail_ms)
        ri->last_avail_ms = now;
    if (!ri->role_reported_ms)
        ri->role_reported_ms = now;
    if (!ri->link)
        ri->flags |= SRI_DISCONNECTED;
    return mi;
}

/* ---- the link --------------------------------------------------------------------------- */

static const char *auth_of(const sentinel_master *m)
{
    if (m && m->auth_pass && m->auth_pass[0])
        return m->auth_pass;
    if (g_sentinel_cfg.auth_pass && g_sentinel_cfg.auth_pass[0])
        return g_sentinel_cfg.auth_pass;
    return NULL;
}

/* Closes ri's link (its pending callbacks run inside and are ignored). */
static void link_drop(mon_inst *mi)
{
    sentinel_instance *ri = mi->ri;
    resp_client *c = ri->link;
    ri->link = NULL;
    mi->rc = NULL;
    ri->flags |= SRI_DISCONNECTED;
    ri->pending_commands = 0;
    mi->link_up = 0;
    mi->ping_inflight = 0;
    mi->info_inflight = 0;
    if (c)
        resp_client_close(c);
}

static void schedule_retry(mon_inst *mi, int64_t now)
{
    mi->retry_at = now + mi->backoff_ms;
    mi->backoff_ms = mi->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : mi->backoff_ms * 2;
}

static void send_ping(mon_inst *mi, int64_t now);
static void send_info(mon_inst *mi, int64_t now);

static void on_connect(resp_client *c, const char *err, void *data)
{
    mon_inst *mi = data;
    sentinel_instance *ri = mi->ri;
    if (ri->link != c)
        return; /* a superseded client being closed */
    int64_t now = sentinel_now_ms();
    if (err) {
        if (!mi->failure_logged) {
            mi->failure_logged = 1;
            server_log(LL_VERBOSE, "Sentinel: link to %s:%d failed: %s (retrying)", ri->host, ri->port, err);
        }
        link_drop(mi);
        schedule_retry(mi, now);
        return;
    }
    mi->link_up = 1;
    mi->failure_logged = 0;
    mi->backoff_ms = BACKOFF_MIN_MS;
    ri->flags &= ~SRI_DISCONNECTED;
    server_log(LL_VERBOSE, "Sentinel: link to %s:%d is up", ri->host, ri->port);
    /* As Redis: a PING at once on (re)connection, and fresh INFO. */
    send_ping(mi, now);
    send_info(mi, now);
}

static void on_disconnect(resp_client *c, const char *err, void *data)
{
    mon_inst *mi = data;
    sentinel_instance *ri = mi->ri;
    if (ri->link != c)
        return;
    server_log(LL_VERBOSE, "Sentinel: link to %s:%d lost: %s", ri->host, ri->port, err ? err : "?");
    link_drop(mi);
    mi->backoff_ms = BACKOFF_MIN_MS;
    schedule_retry(mi, sentinel_now_ms());
}

static void link_connect(mon_inst *mi, int64_t now)
{
    sentinel_instance *ri = mi->ri;
    if (!M.client_name[0]) {
        const char *id = sentinel_myid();
        if (id && id[0])
            snprintf(M.client_name, sizeof M.client_name, "sentinel-%.8s-cmd", id);
    }
    resp_client_options o;
    resp_client_options_init(&o);
    o.host = ri->host;
    o.port = ri->port;
    o.connect_timeout_ms = CONNECT_TIMEOUT_MS;
    o.password = auth_of(ri->master);
    o.client_name = M.client_name[0] ? M.client_name : NULL;
    o.on_connect = on_connect;
    o.on_disconnect = on_disconnect;
    o.data = mi;
    mi->link_up = 0;
    mi->ping_inflight = 0;
    mi->info_inflight = 0;
    ri->link_created_ms = now;
    ri->flags |= SRI_DISCONNECTED;
    ri->link = resp_client_connect(M.s->loop, &o);
    mi->rc = ri->link;
}

/* ---- PING ------------------------------------------------------------------------------- */

static int reply_starts(const resp_reply *r, const char *prefix)
{
    size_t n = strlen(prefix);
    return r->str && r->len >= n && strncmp(r->str, prefix, n) == 0;
}

/* A reply on the instance's current link: else (no reply because the link was lost or
 * closed, or an old link's) it is freed and ignored; as Redis, the outstanding request
 * then stays counted. */
static int reply_is_current(const mon_inst *mi, resp_client *c, resp_reply *reply)
{
    if (mi->ri->link == c && reply)
        return 1;
    resp_reply_free(reply);
    return 0;
}

static void ping_cb(resp_client *c, resp_reply *reply, const char *err, void *privdata)
{
    (void)err;
    mon_inst *mi = privdata;
    sentinel_instance *ri = mi->ri;
    if (!reply_is_current(mi, c, reply))
        return;
    int64_t now = sentinel_now_ms();
    mi->ping_inflight = 0;
    ri->pending_commands = (int)resp_client_pending(c);
    if ((reply->type == RESP_REPLY_STRING && reply_starts(reply, "PONG")) ||
        (resp_reply_is_error(reply) && (reply_starts(reply, "LOADING") || reply_starts(reply, "MASTERDOWN")))) {
        ri->last_avail_ms = now;
        ri->last_ok_ping_reply_ms = now;
        ri->last_ping_sent_ms = 0;
    }
    ri->last_ping_reply_ms = now;
    resp_reply_free(reply);
}

static void send_ping(mon_inst *mi, int64_t now)
{
    sentinel_instance *ri = mi->ri;
    if (!ri->link || !mi->link_up || mi->ping_inflight)
        return;
    if (resp_client_command(ri->link, ping_cb, mi, "PING", NULL) != 0)
        return;
    mi->ping_inflight = 1;
    mi->last_ping_time = now;
    if (!ri->last_ping_sent_ms)
        ri->last_ping_sent_ms = now;
    ri->pending_commands = (int)resp_client_pending(ri->link);
}

/* ---- INFO ------------------------------------------------------------------------------- */

typedef struct info_member {
    uint64_t id;
    char role[16];
    char host[SENTINEL_HOST_MAX + 1];
    int port;
    int bus_port;
    char node_id[41];
} info_member;

/* What one INFO reply said (-1 / "" = not present). */
typedef struct info_snap {
    char run_id[41];
    int role;                      /* SRI_MASTER / SRI_SLAVE / 0 */
    char master_host[SENTINEL_HOST_MAX + 1];
    int master_port;
    int master_link_up;            /* -1 unknown */
    long long link_down_secs;      /* -1 unknown */
    long long slave_offset, master_offset;
    int cluster_enabled;           /* -1 unknown */
    char node_id[41];
    uint64_t raft_id;
    char raft_state[16];
    int have_term;
    uint64_t raft_term;
    int have_applied;
    uint64_t applied;
    int members_listed;            /* raft_members line seen */
    info_member *members;          /* owned */
    int member_count, member_cap;
} info_snap;

static void copy_field(char *dst, size_t cap, const char *v, size_t vlen)
{
    size_t n = vlen < cap - 1 ? vlen : cap - 1;
    memcpy(dst, v, n);
    dst[n] = '\0';
}

static long long parse_ll(const char *v, size_t len, long long dflt)
{
    long long x;
    return rd_str2ll(v, len, &x) ? x : dflt;
}

static uint64_t parse_u64(const char *v, size_t len)
{
    unsigned long long x;
    return rd_str2ull(v, len, &x) ? (uint64_t)x : 0;
}

/* raft_memberN:id=..,role=..,addr=host:busport,node_id=..,host=..,port=..,match=.. */
static void parse_member(info_snap *sn, const char *v, size_t len)
{
    info_member e;
    memset(&e, 0, sizeof e);
    const char *p = v, *end = v + len;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *fe = comma ? comma : end;
        const char *eq = memchr(p, '=', (size_t)(fe - p));
        if (eq) {
            size_t klen = (size_t)(eq - p);
            const char *fv = eq + 1;
            size_t flen = (size_t)(fe - fv);
            if (klen == 2 && memcmp(p, "id", 2) == 0)
                e.id = parse_u64(fv, flen);
            else if (klen == 4 && memcmp(p, "role", 4) == 0)
                copy_field(e.role, sizeof e.role, fv, flen);
            else if (klen == 4 && memcmp(p, "addr", 4) == 0) {
                const char *colon = NULL;
                for (const char *q = fv; q < fe; q++)
                    if (*q == ':')
                        colon = q;
                if (colon)
                    e.bus_port = (int)parse_ll(colon + 1, (size_t)(fe - colon - 1), 0);
            } else if (klen == 7 && memcmp(p, "node_id", 7) == 0)
                copy_field(e.node_id, sizeof e.node_id, fv, flen);
            else if (klen == 4 && memcmp(p, "host", 4) == 0)
                copy_field(e.host, sizeof e.host, fv, flen);
            else if (klen == 4 && memcmp(p, "port", 4) == 0)
                e.port = (int)parse_ll(fv, flen, 0);
        }
        p = comma ? comma + 1 : end;
    }
    if (e.id == 0)
        return;
    if (sn->member_count == sn->member_cap) {
        sn->member_cap = sn->member_cap ? sn->member_cap * 2 : 8;
        sn->members = rd_realloc(sn->members, (size_t)sn->member_cap * sizeof *sn->members);
    }
    sn->members[sn->member_count++] = e;
}

static void parse_info(const char *s, size_t len, info_snap *sn)
{
    memset(sn, 0, sizeof *sn);
    sn->master_link_up = -1;
    sn->link_down_secs = -1;
    sn->slave_offset = sn->master_offset = -1;
    sn->cluster_enabled = -1;
    const char *p = s, *end = s + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *lend = le;
        if (lend > p && lend[-1] == '\r')
            lend--;
        const char *colon = memchr(p, ':', (size_t)(lend - p));
        if (colon && *p != '#') {
            size_t klen = (size_t)(colon - p);
            const char *v = colon + 1;
            size_t vlen = (size_t)(lend - v);
#define KEY(lit) (klen == sizeof(lit) - 1 && memcmp(p, lit, klen) == 0)
            if (KEY("run_id"))
                copy_field(sn->run_id, sizeof sn->run_id, v, vlen);
            else if (KEY("role"))
                sn->role = rd_strcaseeq(v, vlen, "master") ? SRI_MASTER
                           : rd_strcaseeq(v, vlen, "slave") ? SRI_SLAVE : 0;
            else if (KEY("master_host"))
                copy_field(sn->master_host, sizeof sn->master_host, v, vlen);
            else if (KEY("master_port"))
                sn->master_port = (int)parse_ll(v, vlen, 0);
            else if (KEY("master_link_status"))
                sn->master_link_up = rd_strcaseeq(v, vlen, "up");
            else if (KEY("master_link_down_since_seconds"))
                sn->link_down_secs = parse_ll(v, vlen, -1);
            else if (KEY("slave_repl_offset"))
                sn->slave_offset = parse_ll(v, vlen, -1);
            else if (KEY("master_repl_offset"))
                sn->master_offset = parse_ll(v, vlen, -1);
            else if (KEY("cluster_enabled"))
                sn->cluster_enabled = (int)parse_ll(v, vlen, 0) ? 1 : 0;
            else if (KEY("raft_node_id"))
                copy_field(sn->node_id, sizeof sn->node_id, v, vlen);
            else if (KEY("raft_id"))
                sn->raft_id = parse_u64(v, vlen);
            else if (KEY("raft_state"))
                copy_field(sn->raft_state, sizeof sn->raft_state, v, vlen);
            else if (KEY("raft_term")) {
                sn->raft_term = parse_u64(v, vlen);
                sn->have_term = 1;
            } else if (KEY("raft_applied_index")) {
                sn->applied = parse_u64(v, vlen);
                sn->have_applied = 1;
            } else if (KEY("raft_members"))
                sn->members_listed = 1;
            else if (klen > 11 && memcmp(p, "raft_member", 11) == 0 && p[11] >= '0' && p[11] <= '9')
                parse_member(sn, v, vlen);
#undef KEY
        }
        p = nl ? nl + 1 : end;
    }
}

/* Does ri claim to lead its shard (from its last INFO)? */
static int claims_leadership(const mon_inst *mi)
{
    if (!mi->have_info)
        return 0;
    if (mi->raft_state[0])
        return strcmp(mi->raft_state, "leader") == 0;
    return mi->ri->role_reported == SRI_MASTER;
}

static uint64_t max_known_term(const sentinel_master *m)
{
    uint64_t t = 0;
    for (int i = 0; i < m->node_count; i++)
        if (m->nodes[i]->raft_term > t)
            t = m->nodes[i]->raft_term;
    return t;
}

/* The instance of m a member line names: by Raft id, then node id, then address. */
static sentinel_instance *match_member(sentinel_master *m, const info_member *e)
{
    for (int i = 0; i < m->node_count; i++)
        if (e->id && m->nodes[i]->raft_id == e->id)
            return m->nodes[i];
    if (e->node_id[0])
        for (int i = 0; i < m->node_count; i++)
            if (strcmp(m->nodes[i]->node_id, e->node_id) == 0)
                return m->nodes[i];
    if (e->host[0] && e->port > 0)
        return sentinel_instance_find(m, e->host, e->port);
    return NULL;
}

static void forget_instance(sentinel_instance *ri);

/* Adds the members a node lists; when `authoritative` (the shard's leader at the
 * highest term said it), also refreshes their identity and drops the instances its
 * configuration no longer holds. `from` is the instance that answered. */
static void discover_members(sentinel_master *m, sentinel_instance *from, const info_snap *sn, int authoritative)
{
    for (int k = 0; k < sn->member_count; k++) {
        const info_member *e = &sn->members[k];
        sentinel_instance *ri = match_member(m, e);
        if (!ri) {
            if (!e->host[0] || e->port <= 0)
                continue; /* its address record is not replicated yet */
            ri = sentinel_instance_get(m, e->host, e->port);
            if (!ri)
                continue;
            server_log(LL_NOTICE, "Sentinel: %s: discovered member %s:%d (raft id %" PRIu64 ")", m->name, e->host,
                       e->port, e->id);
            ri->raft_id = e->id;
            snprintf(ri->node_id, sizeof ri->node_id, "%s", e->node_id);
            snprintf(ri->raft_role, sizeof ri->raft_role, "%s", e->role);
            ri->bus_port = e->bus_port;
            mon_get(ri, sentinel_now_ms());
            continue;
        }
        if (authoritative) {
            ri->raft_id = e->id;
            if (e->node_id[0])
                snprintf(ri->node_id, sizeof ri->node_id, "%s", e->node_id);
            snprintf(ri->raft_role, sizeof ri->raft_role, "%s", e->role);
            if (e->bus_port)
                ri->bus_port = e->bus_port;
        }
    }
    if (!authoritative || !sn->members_listed || sn->member_count == 0)
        return;
    /* Instances the leader's configuration does not hold any more. */
    for (int i = 0; i < m->node_count;) {
        sentinel_instance *ri = m->nodes[i];
        int held = 0;
        for (int k = 0; k < sn->member_count && !held; k++)
            held = match_member(m, &sn->members[k]) == ri;
        if (held || ri == from || ri == m->leader || ri == m->promoted) {
            i++;
            continue;
        }
        server_log(LL_NOTICE, "Sentinel: %s: %s:%d is no longer a member of the shard, forgetting it", m->name,
                   ri->host, ri->port);
        forget_instance(ri);
        sentinel_instance_remove(ri); /* compacts m->nodes: look at index i again */
    }
}

static void leader_update(sentinel_master *m, int64_t now);

static void info_cb(resp_client *c, resp_reply *reply, const char *err, void *privdata)
{
    (void)err;
    mon_inst *mi = privdata;
    sentinel_instance *ri = mi->ri;
    if (!reply_is_current(mi, c, reply))
        return;
    mi->info_inflight = 0;
    ri->pending_commands = (int)resp_client_pending(c);
    if (resp_reply_is_error(reply) || !reply->str ||
        (reply->type != RESP_REPLY_BULK && reply->type != RESP_REPLY_VERBATIM && reply->type != RESP_REPLY_STRING)) {
        resp_reply_free(reply);
        return;
    }
    int64_t now = sentinel_now_ms();
    info_snap sn;
    parse_info(reply->str, reply->len, &sn);
    rd_free(ri->info_text); /* kept for SENTINEL INFO-CACHE */
    ri->info_text = rd_strndup(reply->str, reply->len);
    ri->info_len = reply->len;
    resp_reply_free(reply);

    sentinel_master *m = ri->master;
    ri->info_refresh_ms = now;
    mi->have_info = 1;
    if (sn.run_id[0]) {
        if (ri->run_id[0] && strcmp(ri->run_id, sn.run_id) != 0) {
            server_log(LL_NOTICE, "Sentinel: %s:%d restarted (run id changed)", ri->host, ri->port);
            sentinel_event_instance("+reboot", ri, NULL);
        }
        snprintf(ri->run_id, sizeof ri->run_id, "%s", sn.run_id);
    }
    if (sn.role && sn.role != ri->role_reported) {
        ri->role_reported = sn.role;
        ri->role_reported_ms = now;
    }
    if (sn.role == SRI_SLAVE) {
        snprintf(ri->master_host, sizeof ri->master_host, "%s", sn.master_host);
        ri->master_port = sn.master_port;
        ri->master_link_up = sn.master_link_up == 1;
        if (ri->master_link_up)
            ri->master_link_down_since_ms = 0;
        else if (sn.link_down_secs >= 0)
            ri->master_link_down_since_ms = now - sn.link_down_secs * 1000;
        else if (!ri->master_link_down_since_ms)
            ri->master_link_down_since_ms = now;
    } else if (sn.role == SRI_MASTER) {
        ri->master_host[0] = '\0';
        ri->master_port = 0;
        ri->master_link_up = 0;
        ri->master_link_down_since_ms = 0;
    }
    if (sn.have_applied)
        ri->applied_index = sn.applied;
    else if (sn.slave_offset >= 0 && sn.role == SRI_SLAVE)
        ri->applied_index = (uint64_t)sn.slave_offset;
    else if (sn.master_offset >= 0)
        ri->applied_index = (uint64_t)sn.master_offset;
    if (sn.cluster_enabled >= 0 && m)
        m->cluster_enabled = sn.cluster_enabled;
    if (sn.node_id[0])
        snprintf(ri->node_id, sizeof ri->node_id, "%s", sn.node_id);
    if (sn.raft_id)
        ri->raft_id = sn.raft_id;
    if (sn.have_term)
        ri->raft_term = sn.raft_term;
    snprintf(mi->raft_state, sizeof mi->raft_state, "%s", sn.raft_state);

    if (m) {
        int authoritative = claims_leadership(mi) && ri->raft_term >= max_known_term(m);
        discover_members(m, ri, &sn, authoritative);
        leader_update(m, now);
    }
    rd_free(sn.members);
}

static void send_info(mon_inst *mi, int64_t now)
{
    sentinel_instance *ri = mi->ri;
    if (!ri->link || !mi->link_up || mi->info_inflight)
        return;
    if (resp_client_command(ri->link, info_cb, mi, "INFO", "server", "replication", "cluster", "raft", NULL) != 0)
        return;
    mi->info_inflight = 1;
    mi->info_sent_ms = now;
    ri->pending_commands = (int)resp_client_pending(ri->link);
}

/* ---- leader view ------------------------------------------------------------------------ */

/* Sets SRI_MASTER on the published leader and SRI_SLAVE on every other member, and
 * announces members not announced yet (+slave, as Redis does for a new replica). */
static void refresh_roles(sentinel_master *m, int64_t now)
{
    if (!m->leader)
        return;
    for (int i = 0; i < m->node_count; i++) {
        sentinel_instance *ri = m->nodes[i];
        mon_inst *mi = mon_get(ri, now);
        if (ri == m->leader) {
            ri->flags = (ri->flags & ~(unsigned)SRI_SLAVE) | SRI_MASTER;
            mi->announced = 1;
        } else {
            ri->flags = (ri->flags & ~(unsigned)SRI_MASTER) | SRI_SLAVE;
            if (!mi->announced) {
                mi->announced = 1;
                sentinel_event_instance("+slave", ri, NULL);
            }
        }
    }
}

static void leader_update(sentinel_master *m, int64_t now)
{
    uint64_t maxterm = max_known_term(m);
    sentinel_instance *best = NULL;
    for (int i = 0; i < m->node_count; i++) {
        sentinel_instance *ri = m->nodes[i];
        mon_inst *mi = mon_find(ri);
        if (!mi || (ri->flags & SRI_S_DOWN) || !claims_leadership(mi) || ri->raft_term < maxterm)
            continue;
        if (!best || ri->raft_term > best->raft_term || (ri->raft_term == best->raft_term && ri == m->leader))
            best = ri;
    }
    if (best && best != m->leader) {
        sentinel_instance *old = m->leader;
        m->leader = best;
        m->config_epoch = best->raft_term;
        m->leader_since_ms = now;
        if (old) {
            server_log(LL_WARNING, "Sentinel: %s: leader changed from %s:%d to %s:%d (term %" PRIu64 ")", m->name,
                       old->host, old->port, best->host, best->port, best->raft_term);
            /* The old leader is now a member like the others: odown belongs to leaders. */
            sentinel_failover_leader_changed(m);
            sentinel_event("+switch-master", "%s %s %d %s %d", m->name, old->host, old->port, best->host,
                           best->port);
        } else {
            server_log(LL_NOTICE, "Sentinel: %s: leader is %s:%d (term %" PRIu64 ")", m->name, best->host,
                       best->port, best->raft_term);
        }
    } else if (best && best->raft_term > m->config_epoch) {
        m->config_epoch = best->raft_term; /* re-elected in a later term */
    }
    refresh_roles(m, now);
}

/* Is the published leader of m possibly gone (so a new one must be found fast)? */
static int leader_unsure(const sentinel_master *m, int64_t now)
{
    const sentinel_instance *l = m->leader;
    if (!l || !l->link || (l->flags & (SRI_S_DOWN | SRI_DISCONNECTED)))
        return 1;
    const mon_inst *mi = mon_find(l);
    if (!mi || !mi->link_up || !claims_leadership(mi) || l->role_reported == SRI_SLAVE)
        return 1;
    if (l->last_ping_sent_ms && now - l->last_ping_sent_ms > g_sentinel_cfg.ping_period_ms)
        return 1;
    return m->failover_state != SENTINEL_FAILOVER_NONE;
}

/* ---- subjective down -------------------------------------------------------------------- */

static void check_sdown(sentinel_master *m, mon_inst *mi, int64_t now)
{
    sentinel_instance *ri = mi->ri;
    int64_t elapsed = 0;
    if (ri->last_ping_sent_ms)
        elapsed = now - ri->last_ping_sent_ms;
    else if (!mi->link_up)
        elapsed = now - ri->last_avail_ms;

    /* A link with a ping delayed for half of down-after and no reply at all in that time
     * is likely stuck (a paused peer, a lost connection we were not told about): drop it
     * and connect again, as Redis does. */
    if (ri->link && mi->link_up && now - ri->link_created_ms > m->down_after_ms && ri->last_ping_sent_ms &&
        now - ri->last_ping_sent_ms > m->down_after_ms / 2 && now - ri->last_ping_reply_ms > m->down_after_ms / 2) {
        server_log(LL_VERBOSE, "Sentinel: link to %s:%d unresponsive, reconnecting", ri->host, ri->port);
        link_drop(mi);
        mi->retry_at = now;
    }

    long long info_period = g_sentinel_cfg.info_period_ms > 0 ? g_sentinel_cfg.info_period_ms : 250;
    int down = elapsed > m->down_after_ms ||
               ((ri->flags & SRI_MASTER) && ri->role_reported == SRI_SLAVE &&
                now - ri->role_reported_ms > m->down_after_ms + 2 * info_period);
    if (down) {
        if (!(ri->flags & SRI_S_DOWN)) {
            ri->flags |= SRI_S_DOWN;
            ri->s_down_since_ms = now;
            sentinel_event_instance("+sdown", ri, NULL);
        }
    } else if (ri->flags & SRI_S_DOWN) {
        ri->flags &= ~(unsigned)SRI_S_DOWN;
        ri->s_down_since_ms = 0;
        sentinel_event_instance("-sdown", ri, NULL);
    }
}

/* ---- the timer -------------------------------------------------------------------------- */

static void instance_step(sentinel_master *m, mon_inst *mi, int fast, int64_t now)
{
    sentinel_instance *ri = mi->ri;
    if (!ri->link && now >= mi->retry_at)
        link_connect(mi, now);
    long long ping_period = g_sentinel_cfg.ping_period_ms > 0 ? g_sentinel_cfg.ping_period_ms : 250;
    long long info_period = g_sentinel_cfg.info_period_ms > 0 ? g_sentinel_cfg.info_period_ms : 250;
    if (fast && info_period > FAST_INFO_MS)
        info_period = FAST_INFO_MS;
    if (mi->link_up) {
        if (!mi->ping_inflight && now - mi->last_ping_time >= ping_period)
            send_ping(mi, now);
        if (!mi->info_inflight && now - mi->info_sent_ms >= info_period)
            send_info(mi, now);
        ri->pending_commands = ri->link ? (int)resp_client_pending(ri->link) : 0;
    }
    check_sdown(m, mi, now);
}

static void tick_cb(uv_timer_t *t)
{
    (void)t;
    if (!M.started)
        return;
    int64_t now = sentinel_now_ms();
    for (int k = 0; k < sentinel_master_count(); k++) {
        sentinel_master *m = sentinel_master_at(k);
        if (!m)
            continue;
        if (m->node_count == 0 && m->seed_host[0] && m->seed_port > 0)
            sentinel_instance_get(m, m->seed_host, m->seed_port);
        int fast = leader_unsure(m, now);
        for (int i = 0; i < m->node_count; i++) {
            instance_step(m, mon_get(m->nodes[i], now), fast, now);
        }
        leader_update(m, now);
    }
}

/* ---- public API ------------------------------------------------------------------------- */

static void forget_instance(sentinel_instance *ri)
{
    mon_inst *mi = mon_find(ri);
    if (mi) {
        link_drop(mi);
        ri->mon = NULL;
        rd_free(mi);
    } else if (ri->link) {
        resp_client *c = ri->link;
        ri->link = NULL;
        resp_client_close(c);
    }
    sentinel_master *m = ri->master;
    if (m && m->leader == ri)
        m->leader = NULL;
    if (m && m->promoted == ri)
        m->promoted = NULL;
}

void sentinel_monitor_forget(sentinel_instance *ri)
{
    if (ri)
        forget_instance(ri);
}

void sentinel_monitor_start(server *s)
{
    if (M.started)
        return;
    M.s = s;
    uv_update_time(s->loop);
    uv_timer_init(s->loop, &M.timer);
    M.started = 1;
    uv_timer_start(&M.timer, tick_cb, 0, TICK_MS);
}

void sentinel_monitor_stop(void)
{
    if (!M.started)
        return;
    M.started = 0;
    uv_timer_stop(&M.timer);
    uv_close((uv_handle_t *)&M.timer, NULL);
    for (int k = 0; k < sentinel_master_count(); k++) {
        sentinel_master *m = sentinel_master_at(k);
        for (int i = 0; m && i < m->node_count; i++) {
            sentinel_instance *ri = m->nodes[i];
            if (ri->mon) {
                link_drop(ri->mon);
                rd_free(ri->mon);
                ri->mon = NULL;
            }
        }
    }
}

int sentinel_master_addr(const sentinel_master *m, const char **host, int *port)
{
    if (m && m->leader) {
        *host = m->leader->host;
        *port = m->leader->port;
        return 1;
    }
    *host = "";
    *port = 0;
    return 0;
}
