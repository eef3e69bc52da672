/* repair: replacing a shard member that stays down by a spare node (acting sentinel only).
 *
 * Trigger: a member (voter or standby) that monitor has seen subjectively down for longer
 * than `sentinel repair-after-milliseconds` while its shard has a leader that is up, and
 * a configured spare (`sentinel spare host port`) that answers, is not a member of any
 * shard (INFO raft: raft_members:0; a node started with `raft-spare yes`) and is not
 * given to another master in the replicated state. One repair at a time per shard.
 *
 * The repair is a reconciliation loop rather than a fixed script, so a repair cut short
 * (timeout, a new acting sentinel) resumes where the shard stands:
 *   0. the leader's INFO raft must still list the dead member (else it was replaced
 *      already: nothing to do), and the spare must answer INFO raft (its Raft id, node id,
 *      an empty configuration) and CONFIG GET cluster-port (its bus port);
 *   1. the spare is recorded in the state as given to the master (before it is touched,
 *      so two shards never take the same spare; a later attempt resumes with it);
 *   2. INFO raft on the shard's leader (its member lines: id, role, match), then one step:
 *        spare absent             -> RAFT ADD <id> <host:busport> STANDBY
 *        spare a Raft spare       -> RAFT ASSIGN <id> STANDBY
 *        spare standby, lagging   -> wait (match index within CATCHUP_LAG of the commit index)
 *        spare standby, caught up -> RAFT ASSIGN <id> VOTER
 *        spare voter, dead there  -> RAFT REMOVE <dead id>
 *        spare voter, dead gone   -> done
 *      (RAFT commands go to the current leader; a follower would forward them anyway);
 *   3. cluster mode: a new topology, the dead member replaced by the spare, epoch + 1
 *      (topology_owner.c commits and pushes it).
 * Past the master's failover-timeout the attempt is abandoned (-repair-abort-timeout) and
 * may start again later.
 *
 * Events (redraft's own, not Redis Sentinel's; <dead> is the "%@" slave form):
 *   +repair-start <dead> spare <host>:<port>
 *   +repair-spare-added master <name> <ip> <port> spare <host>:<port> raft-id <id>
 *   +repair-spare-promoted master <name> <ip> <port> spare <host>:<port> raft-id <id>
 *   +repair-member-removed <dead>
 *   +repair-end master <name> <ip> <port> spare <host>:<port> replaced <dead-host>:<dead-port>
 *   -repair-abort-<reason> <dead> spare <host>:<port>   (spare-unreachable, spare-busy,
 *                                                        timeout)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "raft_node.h"
#include "resp_reply.h"
#include "sentinel.h"
#include "server.h"

#define CALL_TIMEOUT_MS 5000
#define CHANGE_TIMEOUT_MS 60000        /* RAFT ADD/ASSIGN/REMOVE: Raft's own catch-up waits */
#define STEP_PERIOD_MS 250
#define CATCHUP_LAG 64                 /* entries the standby may trail when promoted */
#define SPARE_RETRY_MS 5000            /* a spare that did not answer is skipped this long */
#define MIN_REPAIR_TIMEOUT_MS 60000

enum rp_phase { RP_PRECHECK = 0, RP_RESERVE, RP_INSPECT_SPARE, RP_INSPECT_LEADER, RP_FINALIZE };

typedef struct rp_rec {
    char name[SENTINEL_NAME_MAX + 1];
    uint64_t seq;
    int phase;
    int in_flight;
    int64_t start_ms, next_ms;
    /* the dead member */
    uint64_t dead_raft_id;
    char dead_node_id[41];
    char dead_host[SENTINEL_HOST_MAX + 1];
    int dead_port;
    /* the spare */
    char spare[SENTINEL_HOST_MAX + 16];          /* "host:port" as configured */
    char spare_host[SENTINEL_HOST_MAX + 1];
    int spare_port, spare_bus;
    uint64_t spare_raft_id;
    char spare_node_id[41];
    int resumed;                                  /* the state already gave the spare to this master */
    int spare_busy;                               /* it is in another Raft configuration */
    int added_reported, promoted_reported, removed_reported;
    struct rp_rec *next;
} rp_rec;

typedef struct skip_ent {
    char spare[SENTINEL_HOST_MAX + 16];
    int64_t until;
    struct skip_ent *next;
} skip_ent;

typedef struct done_ent {                         /* members already replaced */
    char name[SENTINEL_NAME_MAX + 1];
    uint64_t raft_id;
    struct done_ent *next;
} done_ent;

static struct {
    rp_rec *recs;
    skip_ent *skips;
    done_ent *done;
    uint64_t seq;
} R;

typedef struct rp_arg {
    char name[SENTINEL_NAME_MAX + 1];
    uint64_t seq;
    int what;
} rp_arg;

enum { W_PRECHECK = 1, W_SPARE_INFO, W_SPARE_PORT, W_LEADER_INFO, W_CHANGE };

/* ---- bookkeeping --------------------------------------------------------------------- */

static rp_rec *rec_find(const char *name)
{
    for (rp_rec *r = R.recs; r; r = r->next)
        if (strcmp(r->name, name) == 0)
            return r;
    return NULL;
}

static void rec_remove(rp_rec *r)
{
    for (rp_rec **pp = &R.recs; *pp; pp = &(*pp)->next) {
        if (*pp == r) {
            *pp = r->next;
            rd_free(r);
            return;
        }
    }
}

static int spare_skipped(const char *spare, int64_t now)
{
    for (skip_ent *s = R.skips; s; s = s->next)
        if (strcmp(s->spare, spare) == 0 && now < s->until)
            return 1;
    return 0;
}

static void spare_skip(const char *spare, int64_t now)
{
    skip_ent *s = R.skips;
    while (s && strcmp(s->spare, spare) != 0)
        s = s->next;
    if (!s) {
        s = rd_calloc(1, sizeof *s);
        snprintf(s->spare, sizeof s->spare, "%s", spare);
        s->next = R.skips;
        R.skips = s;
    }
    s->until = now + SPARE_RETRY_MS;
}

static int is_done(const char *name, uint64_t raft_id)
{
    for (done_ent *d = R.done; d; d = d->next)
        if (d->raft_id == raft_id && strcmp(d->name, name) == 0)
            return 1;
    return 0;
}

static void mark_done(const char *name, uint64_t raft_id)
{
    if (is_done(name, raft_id))
        return;
    done_ent *d = rd_calloc(1, sizeof *d);
    snprintf(d->name, sizeof d->name, "%s", name);
    d->raft_id = raft_id;
    d->next = R.done;
    R.done = d;
}

static int split_hostport(const char *s, char *host, size_t cap, int *port)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s || (size_t)(colon - s) >= cap)
        return -1;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    *port = atoi(colon + 1);
    return *port > 0 && *port <= 65535 ? 0 : -1;
}

/* ---- events ---------------------------------------------------------------------------- */

static void leader_addr(const sentinel_master *m, const char **h, int *p)
{
    *h = NULL;
    *p = 0;
    sentinel_master_addr(m, h, p);
    if (!*h || !(*h)[0]) {
        *h = m->seed_host;
        *p = m->seed_port;
    }
}

static void event_dead(const char *type, const sentinel_master *m, const rp_rec *r, int with_spare)
{
    const char *mh;
    int mp;
    leader_addr(m, &mh, &mp);
    if (with_spare)
        sentinel_event(type, "slave %s:%d %s %d @ %s %s %d spare %s", r->dead_host, r->dead_port, r->dead_host,
                       r->dead_port, m->name, mh, mp, r->spare);
    else
        sentinel_event(type, "slave %s:%d %s %d @ %s %s %d", r->dead_host, r->dead_port, r->dead_host, r->dead_port,
                       m->name, mh, mp);
}

static void event_master_spare(const char *type, const sentinel_master *m, const rp_rec *r)
{
    const char *mh;
    int mp;
    leader_addr(m, &mh, &mp);
    sentinel_event(type, "master %s %s %d spare %s raft-id %llu", m->name, mh, mp, r->spare,
                   (unsigned long long)r->spare_raft_id);
}

static void abort_repair(sentinel_master *m, rp_rec *r, const char *reason)
{
    char type[64];
    snprintf(type, sizeof type, "-repair-abort-%s", reason);
    event_dead(type, m, r, 1);
    server_log(LL_WARNING, "Sentinel: repair of %s abandoned (%s)", m->name, reason);
    rec_remove(r);
}

/* ---- INFO parsing -------------------------------------------------------------------- */

/* The value of "field:" in INFO text (NUL-terminated copy into out), 1 if found. */
static int info_field(const char *text, size_t len, const char *field, char *out, size_t cap)
{
    size_t fl = strlen(field);
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (l > 0 && p[l - 1] == '\r')
            l--;
        if (l > fl && memcmp(p, field, fl) == 0 && p[fl] == ':') {
            size_t vl = l - fl - 1 < cap - 1 ? l - fl - 1 : cap - 1;
            memcpy(out, p + fl + 1, vl);
            out[vl] = '\0';
            return 1;
        }
        p = nl ? nl + 1 : end;
    }
    return 0;
}

typedef struct member_view {
    int present;
    char role[16];
    uint64_t match;
} member_view;

/* "k=v,k=v" -> v of k (copied), 1 if found */
static int kv_get(const char *line, const char *k, char *out, size_t cap)
{
    size_t kl = strlen(k);
    const char *p = line;
    while (*p) {
        if (strncmp(p, k, kl) == 0 && p[kl] == '=') {
            const char *v = p + kl + 1;
            size_t n = strcspn(v, ",");
            if (n >= cap)
                n = cap - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return 1;
        }
        p = strchr(p, ',');
        if (!p)
            break;
        p++;
    }
    return 0;
}

/* The member line of raft id `id` in a leader's INFO raft. */
static void find_member(const char *text, size_t len, uint64_t id, member_view *mv)
{
    memset(mv, 0, sizeof *mv);
    char nbuf[16];
    int n = info_field(text, len, "raft_members", nbuf, sizeof nbuf) ? atoi(nbuf) : 0;
    for (int i = 0; i < n; i++) {
        char field[32], line[1024], v[64];
        snprintf(field, sizeof field, "raft_member%d", i);
        if (!info_field(text, len, field, line, sizeof line))
            continue;
        if (!kv_get(line, "id", v, sizeof v) || strtoull(v, NULL, 10) != id)
            continue;
        mv->present = 1;
        kv_get(line, "role", mv->role, sizeof mv->role);
        if (kv_get(line, "match", v, sizeof v))
            mv->match = strtoull(v, NULL, 10);
        return;
    }
}

static const char *reply_text(const resp_reply *reply, size_t *len)
{
    if (!reply || !reply->str || (reply->type != RESP_REPLY_BULK && reply->type != RESP_REPLY_VERBATIM))
        return NULL;
    *len = reply->len;
    return reply->str;
}

/* ---- steps --------------------------------------------------------------------------- */

static int call(sentinel_master *m, rp_rec *r, const char *host, int port, int what, long long timeout, int argc,
                const char *const *argv);

static void on_reply(void *arg, const resp_reply *reply, const char *err);

static void inspect_spare(sentinel_master *m, rp_rec *r)
{
    static const char *const info[2] = {"INFO", "raft"};
    static const char *const cport[3] = {"CONFIG", "GET", "cluster-port"};
    /* both on the same connection: the replies come in this order */
    if (call(m, r, r->spare_host, r->spare_port, W_SPARE_INFO, CALL_TIMEOUT_MS, 2, info) == 0)
        call(m, r, r->spare_host, r->spare_port, W_SPARE_PORT, CALL_TIMEOUT_MS, 3, cport);
}

static void inspect_leader(sentinel_master *m, rp_rec *r)
{
    const char *h = NULL;
    int p = 0;
    sentinel_master_addr(m, &h, &p);
    if (!h || !h[0] || !m->leader || (m->leader->flags & SRI_S_DOWN)) {
        r->next_ms = sentinel_now_ms() + STEP_PERIOD_MS; /* no leader now: wait */
        return;
    }
    static const char *const info[2] = {"INFO", "raft"};
    call(m, r, h, p, W_LEADER_INFO, CALL_TIMEOUT_MS, 2, info);
}

static void send_change(sentinel_master *m, rp_rec *r, int argc, const char *const *argv)
{
    const char *h = NULL;
    int p = 0;
    sentinel_master_addr(m, &h, &p);
    if (!h || !h[0]) {
        r->next_ms = sentinel_now_ms() + STEP_PERIOD_MS;
        return;
    }
    server_log(LL_NOTICE, "Sentinel: repair of %s: %s %s %s%s%s on %s:%d", m->name, argv[0], argv[1], argv[2],
               argc > 3 ? " " : "", argc > 3 ? argv[argc - 1] : "", h, p);
    call(m, r, h, p, W_CHANGE, CHANGE_TIMEOUT_MS, argc, argv);
}

/* The leader's INFO raft arrived: take one step towards "spare voter, dead gone". */
static void leader_step(sentinel_master *m, rp_rec *r, const char *text, size_t len)
{
    member_view dead, spare;
    find_member(text, len, r->dead_raft_id, &dead);
    find_member(text, len, r->spare_raft_id, &spare);
    char buf[32];
    uint64_t commit = info_field(text, len, "raft_commit_index", buf, sizeof buf) ? strtoull(buf, NULL, 10) : 0;
    char sid[24], did[24], addr[SENTINEL_HOST_MAX + 16];
    snprintf(sid, sizeof sid, "%llu", (unsigned long long)r->spare_raft_id);
    snprintf(did, sizeof did, "%llu", (unsigned long long)r->dead_raft_id);
    snprintf(addr, sizeof addr, "%s:%d", r->spare_host, r->spare_bus);
    r->next_ms = sentinel_now_ms() + STEP_PERIOD_MS;

    if (!spare.present && !dead.present) {
        server_log(LL_NOTICE, "Sentinel: repair of %s: raft id %s is no longer a member: nothing to do", m->name, did);
        mark_done(m->name, r->dead_raft_id);
        rec_remove(r);
        return;
    }
    if (spare.present && strcmp(spare.role, "voter") == 0) {
        if (!r->promoted_reported) {
            r->promoted_reported = r->added_reported = 1;
            event_master_spare("+repair-spare-promoted", m, r);
        }
        if (dead.present) {
            const char *argv[3] = {"RAFT", "REMOVE", did};
            send_change(m, r, 3, argv);
            return;
        }
        if (!r->removed_reported) {
            r->removed_reported = 1;
            event_dead("+repair-member-removed", m, r, 0);
        }
        r->phase = RP_FINALIZE;
        return;
    }
    if (!spare.present) {
        const char *argv[5] = {"RAFT", "ADD", sid, addr, "STANDBY"};
        send_change(m, r, 5, argv);
        return;
    }
    if (!r->added_reported) {
        r->added_reported = 1;
        event_master_spare("+repair-spare-added", m, r);
    }
    if (strcmp(spare.role, "standby") != 0) {
        const char *argv[4] = {"RAFT", "ASSIGN", sid, "STANDBY"};
        send_change(m, r, 4, argv);
        return;
    }
    if (spare.match + CATCHUP_LAG < commit)
        return; /* still catching up: look again */
    const char *argv[4] = {"RAFT", "ASSIGN", sid, "VOTER"};
    send_change(m, r, 4, argv);
}

static void on_reply(void *arg, const resp_reply *reply, const char *err)
{
    rp_arg *a = arg;
    rp_rec *r = rec_find(a->name);
    sentinel_master *m = sentinel_master_by_name(a->name, strlen(a->name));
    int what = a->what;
    int stale = !r || r->seq != a->seq || !m;
    rd_free(a);
    if (stale)
        return;
    int64_t now = sentinel_now_ms();
    if (what != W_SPARE_INFO) /* the spare's two calls count as one */
        r->in_flight = 0;
    const char *why = err ? err : (!reply ? "no reply" : resp_reply_is_error(reply) ? reply->str : NULL);
    size_t len = 0;
    const char *text = reply_text(reply, &len);
    switch (what) {
    case W_PRECHECK: {
        member_view dead;
        if (why || !text) {
            r->next_ms = now + STEP_PERIOD_MS;
            return;
        }
        find_member(text, len, r->dead_raft_id, &dead);
        if (!dead.present && !r->resumed) {
            /* already replaced (by an earlier acting sentinel) or removed by hand */
            server_log(LL_VERBOSE, "Sentinel: %s:%d is no longer a member of %s: nothing to repair", r->dead_host,
                       r->dead_port, m->name);
            mark_done(m->name, r->dead_raft_id);
            rec_remove(r);
            return;
        }
        event_dead("+repair-start", m, r, 1);
        r->phase = RP_INSPECT_SPARE;
        r->next_ms = now;
        return;
    }
    case W_SPARE_INFO: {
        char buf[64];
        if (why || !text || !info_field(text, len, "raft_id", buf, sizeof buf) ||
            (r->spare_raft_id = strtoull(buf, NULL, 10)) == 0 ||
            !info_field(text, len, "raft_node_id", r->spare_node_id, sizeof r->spare_node_id) ||
            strlen(r->spare_node_id) != 40) {
            server_log(LL_WARNING, "Sentinel: repair of %s: spare %s does not answer INFO raft (%s)", m->name, r->spare,
                       why ? why : "no raft identity");
            r->spare_raft_id = 0; /* W_SPARE_PORT then abandons */
            return;
        }
        int members = info_field(text, len, "raft_members", buf, sizeof buf) ? atoi(buf) : 0;
        if (members > 0 && !r->resumed) {
            /* a member of some shard already (not through an earlier repair of this
             * one): adding it here would put it in two groups */
            server_log(LL_WARNING, "Sentinel: repair of %s: spare %s is already in a Raft configuration", m->name,
                       r->spare);
            r->spare_raft_id = 0;
            r->spare_busy = 1;
        }
        return;
    }
    case W_SPARE_PORT: {
        if (r->spare_raft_id == 0) {
            spare_skip(r->spare, now);
            abort_repair(m, r, r->spare_busy ? "spare-busy" : "spare-unreachable");
            return;
        }
        int bus = 0;
        if (!why && reply && reply->type == RESP_REPLY_ARRAY && reply->elements == 2 && reply->element[1]->str)
            bus = atoi(reply->element[1]->str);
        if (bus <= 0)
            bus = r->spare_port + 10000; /* cluster-port 0: port + 10000 */
        r->spare_bus = bus;
        r->phase = RP_RESERVE;
        r->next_ms = now;
        return;
    }
    case W_LEADER_INFO:
        if (why || !text) {
            r->next_ms = now + STEP_PERIOD_MS;
            return;
        }
        leader_step(m, r, text, len);
        return;
    case W_CHANGE:
        if (why) {
            server_log(LL_WARNING, "Sentinel: repair of %s: %s", m->name, why);
            if (strstr(why, "removed")) {
                /* a spare that was removed from a shard before refuses to serve again */
                spare_skip(r->spare, now);
                abort_repair(m, r, "spare-busy");
                return;
            }
        }
        r->next_ms = now + (why ? 1000 : 0);
        return;
    }
}

static int call(sentinel_master *m, rp_rec *r, const char *host, int port, int what, long long timeout, int argc,
                const char *const *argv)
{
    rp_arg *a = rd_malloc(sizeof *a);
    snprintf(a->name, sizeof a->name, "%s", r->name);
    a->seq = r->seq;
    a->what = what;
    if (sentinel_ctl_call(host, port, sentinel_master_password(m), timeout, on_reply, a, argc, argv) != 0) {
        rd_free(a);
        r->next_ms = sentinel_now_ms() + STEP_PERIOD_MS;
        return -1;
    }
    r->in_flight = 1;
    return 0;
}

static void finalize(sentinel_master *m, rp_rec *r)
{
    if (m->cluster_enabled && sentinel_state_has_topology()) {
        if (sentinel_topology_replace_member(m->name, r->dead_node_id, r->spare_node_id, r->spare_raft_id,
                                             r->spare_host, r->spare_port, r->spare_bus) != 0) {
            r->next_ms = sentinel_now_ms() + 1000; /* retried */
            return;
        }
    }
    const char *mh;
    int mp;
    leader_addr(m, &mh, &mp);
    sentinel_event("+repair-end", "master %s %s %d spare %s replaced %s:%d", m->name, mh, mp, r->spare, r->dead_host,
                   r->dead_port);
    server_log(LL_WARNING, "Sentinel: repair of %s done: %s replaced %s:%d (raft id %llu)", m->name, r->spare,
               r->dead_host, r->dead_port, (unsigned long long)r->dead_raft_id);
    mark_done(m->name, r->dead_raft_id);
    rec_remove(r);
}

static void step(sentinel_master *m, rp_rec *r, int64_t now)
{
    long long limit = m->failover_timeout_ms > MIN_REPAIR_TIMEOUT_MS ? m->failover_timeout_ms : MIN_REPAIR_TIMEOUT_MS;
    if (now - r->start_ms > limit) {
        abort_repair(m, r, "timeout");
        return;
    }
    if (r->in_flight || now < r->next_ms)
        return;
    switch (r->phase) {
    case RP_PRECHECK: {
        const char *h = NULL;
        int p = 0;
        sentinel_master_addr(m, &h, &p);
        if (!h || !h[0]) {
            r->next_ms = now + STEP_PERIOD_MS;
            return;
        }
        static const char *const info[2] = {"INFO", "raft"};
        call(m, r, h, p, W_PRECHECK, CALL_TIMEOUT_MS, 2, info);
        return;
    }
    case RP_RESERVE: {
        char owner[SENTINEL_NAME_MAX + 1];
        uint64_t replaced = 0;
        if (sentinel_state_spare_owner(r->spare, owner, sizeof owner, &replaced)) {
            if (strcmp(owner, m->name) != 0 || replaced != r->dead_raft_id) {
                abort_repair(m, r, "spare-busy");
                return;
            }
            r->phase = RP_INSPECT_LEADER;
            inspect_leader(m, r);
            return;
        }
        sentinel_state_set_spare(r->spare, m->name, r->dead_raft_id); /* applied by a later tick */
        r->next_ms = now + STEP_PERIOD_MS;
        return;
    }
    case RP_INSPECT_SPARE:
        inspect_spare(m, r);
        return;
    case RP_INSPECT_LEADER:
        inspect_leader(m, r);
        return;
    case RP_FINALIZE:
        finalize(m, r);
        return;
    default:
        return;
    }
}

/* ---- starting ------------------------------------------------------------------------ */

static int spare_busy_elsewhere(const char *spare, const char *name)
{
    for (rp_rec *r = R.recs; r; r = r->next)
        if (strcmp(r->spare, spare) == 0 && strcmp(r->name, name) != 0)
            return 1;
    return 0;
}

/* A spare for replacing `dead` in m: the one the state already gives to that very
 * replacement (resume), else a free one. */
static const char *pick_spare(const sentinel_master *m, uint64_t dead, int64_t now)
{
    const char *free_one = NULL;
    for (int i = 0; i < g_sentinel_cfg.spare_count; i++) {
        const char *sp = g_sentinel_cfg.spares[i];
        char owner[SENTINEL_NAME_MAX + 1], host[SENTINEL_HOST_MAX + 1];
        int port;
        uint64_t replaced = 0;
        if (split_hostport(sp, host, sizeof host, &port) != 0 || spare_skipped(sp, now) ||
            spare_busy_elsewhere(sp, m->name))
            continue;
        if (sentinel_state_spare_owner(sp, owner, sizeof owner, &replaced)) {
            if (strcmp(owner, m->name) == 0 && replaced == dead)
                return sp;
            continue; /* used */
        }
        /* a node some master monitors is a member, not a spare */
        if (!free_one && !sentinel_instance_lookup_addr(host, port))
            free_one = sp;
    }
    return free_one;
}

static void maybe_start(sentinel_master *m, int64_t now)
{
    if (!m->leader || (m->leader->flags & SRI_S_DOWN) || m->failover_state != SENTINEL_FAILOVER_NONE)
        return;
    sentinel_instance *dead = NULL;
    for (int i = 0; i < m->node_count && !dead; i++) {
        sentinel_instance *ri = m->nodes[i];
        if (ri == m->leader || !(ri->flags & SRI_S_DOWN) || ri->s_down_since_ms <= 0 || ri->raft_id == 0)
            continue;
        if (strcmp(ri->raft_role, "spare") == 0 || is_done(m->name, ri->raft_id))
            continue;
        if (now - ri->s_down_since_ms > g_sentinel_cfg.repair_after_ms)
            dead = ri;
    }
    if (!dead)
        return;
    const char *sp = pick_spare(m, dead->raft_id, now);
    if (!sp)
        return; /* nothing to repair with (yet) */
    rp_rec *r = rd_calloc(1, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", m->name);
    r->seq = ++R.seq;
    r->phase = RP_PRECHECK;
    r->start_ms = now;
    r->dead_raft_id = dead->raft_id;
    snprintf(r->dead_node_id, sizeof r->dead_node_id, "%s", dead->node_id);
    snprintf(r->dead_host, sizeof r->dead_host, "%s", dead->host);
    r->dead_port = dead->port;
    snprintf(r->spare, sizeof r->spare, "%s", sp);
    split_hostport(sp, r->spare_host, sizeof r->spare_host, &r->spare_port);
    char owner[SENTINEL_NAME_MAX + 1];
    uint64_t replaced = 0;
    r->resumed = sentinel_state_spare_owner(sp, owner, sizeof owner, &replaced) && strcmp(owner, m->name) == 0 &&
                 replaced == dead->raft_id;
    r->next = R.recs;
    R.recs = r;
    server_log(LL_NOTICE, "Sentinel: %s:%d (raft id %llu) of %s is down for more than %lld ms: checking whether to "
                          "replace it by spare %s",
               dead->host, dead->port, (unsigned long long)dead->raft_id, m->name, g_sentinel_cfg.repair_after_ms, sp);
    step(m, r, now);
}

void sentinel_repair_tick(int64_t now_ms)
{
    if (!raft_node_is_leader() || g_sentinel_cfg.repair_after_ms <= 0) {
        /* no longer acting: the next acting sentinel resumes from the shard's state */
        while (R.recs)
            rec_remove(R.recs);
        return;
    }
    for (rp_rec *r = R.recs, *next; r; r = next) {
        next = r->next;
        if (!sentinel_master_by_name(r->name, strlen(r->name)))
            rec_remove(r);
    }
    for (int i = 0; i < sentinel_master_count(); i++) {
        sentinel_master *m = sentinel_master_at(i);
        rp_rec *r = rec_find(m->name);
        if (r)
            step(m, r, now_ms);
        else
            maybe_start(m, now_ms);
    }
}

void sentinel_repair_stop(void)
{
    while (R.recs)
        rec_remove(R.recs);
    while (R.skips) {
        skip_ent *s = R.skips;
        R.skips = s->next;
        rd_free(s);
    }
    while (R.done) {
        done_ent *d = R.done;
        R.done = d->next;
        rd_free(d);
    }
}
