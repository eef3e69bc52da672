/* failover: SENTINEL FAILOVER <name> -- a forced failover as a Raft leadership transfer.
 *
 * As Redis's forced failover it runs on whichever sentinel the client asked, without
 * asking the others. The most caught-up follower (a voter that is not down, whose link
 * and whose own link to the leader are up, with a fresh INFO; highest applied index, then
 * lowest node id) is chosen and asked to take over: CLUSTER FAILOVER in cluster mode,
 * RAFT TRANSFER <its raft id> in standalone mode (CLUSTER is refused there), both sent
 * to the chosen follower, which forwards the transfer to its leader. The leader drains
 * its pending writes and waits until the target holds the whole log before handing
 * over, so no acknowledged write is lost; its clients are then disconnected and
 * re-resolve.
 *
 * Events follow Redis's sequence: +new-epoch, +try-failover, +elected-leader,
 * +failover-state-select-slave, +selected-slave, +failover-state-send-slaveof-noone,
 * +failover-state-wait-promotion, then (transfer done) +promoted-slave and
 * +failover-state-reconf-slaves, and once monitor sees the new leader (m->leader ==
 * promoted; it calls sentinel_failover_leader_changed first) +failover-end naming the
 * old address, then monitor.c's +switch-master, Redis's order. The epoch is the shard's Raft term + 1: the term the target's
 * election after a transfer gives it, so the config-epoch monitor reports afterwards
 * matches. Past failover-timeout: -failover-abort-slave-timeout before the transfer is
 * done, +failover-end-for-timeout + +failover-end after it.
 *
 * A refused or failed transfer (target not caught up within the leader's wait, leader
 * changing meanwhile) is retried every RETRY_MS until the timeout. While it runs the
 * master instance carries SRI_FAILOVER_IN_PROGRESS and SRI_FORCE_FAILOVER, the target
 * SRI_PROMOTED. Per-master bookkeeping lives here, keyed by master name, so a master
 * removed meanwhile (SENTINEL REMOVE) leaves nothing dangling. */
#include <stdio.h>
#include <string.h>

#include "mem.h"
#include "resp_reply.h"
#include "sentinel.h"
#include "server.h"

#define TRANSFER_TIMEOUT_MS 10000
#define RETRY_MS 1000
#define INFO_FRESH_MIN_MS 2000

typedef struct fo_rec {
    char name[SENTINEL_NAME_MAX + 1];
    uint64_t seq;                      /* tells this failover's callbacks from older ones */
    char old_host[SENTINEL_HOST_MAX + 1];
    int old_port;
    char promoted_id[41];
    char promoted_host[SENTINEL_HOST_MAX + 1];
    int promoted_port;
    int in_flight;                     /* a transfer request awaits its reply */
    int64_t retry_at;
    int transfer_done;                 /* the node acknowledged the transfer */
    struct fo_rec *next;
} fo_rec;

static struct {
    fo_rec *recs;
    uint64_t seq;
    int64_t last_start;
} F;

typedef struct fo_arg {
    char name[SENTINEL_NAME_MAX + 1];
    uint64_t seq;
} fo_arg;

static fo_rec *rec_find(const char *name)
{
    for (fo_rec *r = F.recs; r; r = r->next)
        if (strcmp(r->name, name) == 0)
            return r;
    return NULL;
}

static void rec_remove(fo_rec *r)
{
    for (fo_rec **pp = &F.recs; *pp; pp = &(*pp)->next) {
        if (*pp == r) {
            *pp = r->next;
            rd_free(r);
            return;
        }
    }
}

/* "master <name> <ip> <port>" */
static void event_master(const char *type, const sentinel_master *m, const char *host, int port)
{
    sentinel_event(type, "master %s %s %d", m->name, host, port);
}

/* "slave <ip>:<port> <ip> <port> @ <master> <master-ip> <master-port>" */
static void event_slave(const char *type, const sentinel_master *m, const fo_rec *r)
{
    sentinel_event(type, "slave %s:%d %s %d @ %s %s %d", r->promoted_host, r->promoted_port, r->promoted_host,
                   r->promoted_port, m->name, r->old_host, r->old_port);
}

static void clear_flags(sentinel_master *m)
{
    for (int i = 0; i < m->node_count; i++)
        m->nodes[i]->flags &= ~(unsigned)(SRI_FAILOVER_IN_PROGRESS | SRI_FORCE_FAILOVER | SRI_PROMOTED);
}

static void finish(sentinel_master *m, fo_rec *r)
{
    clear_flags(m);
    m->failover_state = SENTINEL_FAILOVER_NONE;
    m->promoted = NULL;
    if (r)
        rec_remove(r);
}

/* The follower to promote, or NULL. */
static sentinel_instance *select_follower(const sentinel_master *m, int64_t now)
{
    long long fresh = g_sentinel_cfg.info_period_ms * 5;
    if (fresh < INFO_FRESH_MIN_MS)
        fresh = INFO_FRESH_MIN_MS;
    sentinel_instance *best = NULL;
    for (int i = 0; i < m->node_count; i++) {
        sentinel_instance *ri = m->nodes[i];
        if (ri == m->leader || ri->raft_id == 0 || !ri->link)
            continue;
        if (ri->raft_role[0] && strcmp(ri->raft_role, "voter") != 0)
            continue;
        if (ri->flags & (SRI_S_DOWN | SRI_O_DOWN | SRI_DISCONNECTED))
            continue;
        if (ri->role_reported != SRI_SLAVE || !ri->master_link_up)
            continue;
        if (ri->info_refresh_ms <= 0 || now - ri->info_refresh_ms > fresh)
            continue;
        if (!best || ri->applied_index > best->applied_index ||
            (ri->applied_index == best->applied_index && strcmp(ri->node_id, best->node_id) < 0))
            best = ri;
    }
    return best;
}

static void send_transfer(sentinel_master *m, fo_rec *r);

static void transfer_reply(void *arg, const resp_reply *reply, const char *err)
{
    fo_arg *a = arg;
    fo_rec *r = rec_find(a->name);
    sentinel_master *m = sentinel_master_by_name(a->name, strlen(a->name));
    if (!r || r->seq != a->seq || !m || m->failover_state == SENTINEL_FAILOVER_NONE) {
        rd_free(a);
        return;
    }
    rd_free(a);
    r->in_flight = 0;
    if (err || !reply || resp_reply_is_error(reply)) {
        const char *why = err ? err : reply && reply->str ? reply->str : "?";
        server_log(LL_WARNING, "Sentinel: failover of %s: leadership transfer to %s:%d failed (%s), retrying", m->name,
                   r->promoted_host, r->promoted_port, why);
        r->retry_at = sentinel_now_ms() + RETRY_MS;
        return;
    }
    if (!r->transfer_done) {
        r->transfer_done = 1;
        event_slave("+promoted-slave", m, r);
        event_master("+failover-state-reconf-slaves", m, r->old_host, r->old_port);
        m->failover_state = SENTINEL_FAILOVER_RECONF_SLAVES;
    }
}

static void send_transfer(sentinel_master *m, fo_rec *r)
{
    sentinel_instance *p = m->promoted;
    if (!sentinel_instance_valid(m, p)) {
        r->retry_at = sentinel_now_ms() + RETRY_MS;
        return;
    }
    fo_arg *a = rd_malloc(sizeof *a);
    snprintf(a->name, sizeof a->name, "%s", m->name);
    a->seq = r->seq;
    char id[24];
    snprintf(id, sizeof id, "%llu", (unsigned long long)p->raft_id);
    const char *cl[2] = {"CLUSTER", "FAILOVER"};
    const char *rt[3] = {"RAFT", "TRANSFER", id};
    int rc = m->cluster_enabled
                 ? sentinel_ctl_call(p->host, p->port, sentinel_master_password(m), TRANSFER_TIMEOUT_MS,
                                     transfer_reply, a, 2, cl)
                 : sentinel_ctl_call(p->host, p->port, sentinel_master_password(m), TRANSFER_TIMEOUT_MS,
                                     transfer_reply, a, 3, rt);
    if (rc != 0) {
        rd_free(a);
        r->retry_at = sentinel_now_ms() + RETRY_MS;
        return;
    }
    r->in_flight = 1;
}

int sentinel_failover_start(sentinel_master *m, const char **err)
{
    if (m->failover_state != SENTINEL_FAILOVER_NONE || rec_find(m->name)) {
        *err = "INPROG Failover already in progress";
        return -1;
    }
    int64_t now = sentinel_now_ms();
    sentinel_instance *old = m->leader;
    sentinel_instance *p = old ? select_follower(m, now) : NULL;
    if (!p) {
        *err = "NOGOODSLAVE No suitable replica to promote";
        return -1;
    }
    fo_rec *r = rd_calloc(1, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", m->name);
    r->seq = ++F.seq;
    snprintf(r->old_host, sizeof r->old_host, "%s", old->host);
    r->old_port = old->port;
    snprintf(r->promoted_id, sizeof r->promoted_id, "%s", p->node_id);
    snprintf(r->promoted_host, sizeof r->promoted_host, "%s", p->host);
    r->promoted_port = p->port;
    r->next = F.recs;
    F.recs = r;

    uint64_t term = m->config_epoch > old->raft_term ? m->config_epoch : old->raft_term;
    m->failover_epoch = term + 1;
    m->failover_start_ms = now > F.last_start ? now : F.last_start + 1;
    F.last_start = m->failover_start_ms;
    m->promoted = p;
    old->flags |= SRI_FAILOVER_IN_PROGRESS | SRI_FORCE_FAILOVER;
    p->flags |= SRI_PROMOTED;
    server_log(LL_WARNING, "Sentinel: forced failover of %s: %s:%d -> %s:%d (applied index %llu)", m->name,
               old->host, old->port, p->host, p->port, (unsigned long long)p->applied_index);

    sentinel_event("+new-epoch", "%llu", (unsigned long long)m->failover_epoch);
    m->failover_state = SENTINEL_FAILOVER_SELECT_SLAVE;
    event_master("+try-failover", m, r->old_host, r->old_port);
    event_master("+elected-leader", m, r->old_host, r->old_port);
    event_master("+failover-state-select-slave", m, r->old_host, r->old_port);
    event_slave("+selected-slave", m, r);
    m->failover_state = SENTINEL_FAILOVER_SEND_TRANSFER;
    event_slave("+failover-state-send-slaveof-noone", m, r);
    send_transfer(m, r);
    m->failover_state = SENTINEL_FAILOVER_WAIT_PROMOTION;
    event_slave("+failover-state-wait-promotion", m, r);
    return 0;
}

static void tick_one(sentinel_master *m, fo_rec *r, int64_t now)
{
    sentinel_instance *p = m->promoted;
    if (!sentinel_instance_valid(m, p)) {
        /* the target's instance went away (SENTINEL RESET): look it up again by id */
        p = r->promoted_id[0] ? sentinel_instance_by_node_id(m, r->promoted_id) : NULL;
        m->promoted = p;
    }
    if (p && m->leader == p) {
        if (!r->transfer_done) {
            r->transfer_done = 1;
            event_slave("+promoted-slave", m, r);
            event_master("+failover-state-reconf-slaves", m, r->old_host, r->old_port);
        }
        /* Redis's order: +failover-end (still naming the old address), then monitor.c's
         * +switch-master */
        event_master("+failover-end", m, r->old_host, r->old_port);
        server_log(LL_WARNING, "Sentinel: failover of %s done: %s:%d leads", m->name, p->host, p->port);
        finish(m, r);
        return;
    }
    if (now - m->failover_start_ms > m->failover_timeout_ms) {
        if (!r->transfer_done) {
            event_master("-failover-abort-slave-timeout", m, r->old_host, r->old_port);
        } else {
            event_master("+failover-end-for-timeout", m, r->old_host, r->old_port);
            const char *h = NULL;
            int port = 0;
            sentinel_master_addr(m, &h, &port);
            event_master("+failover-end", m, h && h[0] ? h : r->old_host, h && h[0] ? port : r->old_port);
        }
        server_log(LL_WARNING, "Sentinel: failover of %s timed out", m->name);
        finish(m, r);
        return;
    }
    if (!r->transfer_done && !r->in_flight && now >= r->retry_at) {
        if (!p) {
            event_master("-failover-abort-slave-timeout", m, r->old_host, r->old_port);
            finish(m, r);
            return;
        }
        send_transfer(m, r);
    }
    /* keep the master instance flagged while it runs, whichever instance leads now */
    if (m->leader && m->leader != p)
        m->leader->flags |= SRI_FAILOVER_IN_PROGRESS | SRI_FORCE_FAILOVER;
}

void sentinel_failover_tick(int64_t now_ms)
{
    /* records whose master is gone */
    for (fo_rec *r = F.recs, *next; r; r = next) {
        next = r->next;
        if (!sentinel_master_by_name(r->name, strlen(r->name)))
            rec_remove(r);
    }
    for (int i = 0; i < sentinel_master_count(); i++) {
        sentinel_master *m = sentinel_master_at(i);
        fo_rec *r = rec_find(m->name);
        if (m->failover_state == SENTINEL_FAILOVER_NONE) {
            if (r)
                rec_remove(r); /* reset meanwhile (SENTINEL RESET) */
            continue;
        }
        if (!r) {
            finish(m, NULL);
            continue;
        }
        tick_one(m, r, now_ms);
    }
}

void sentinel_failover_leader_changed(sentinel_master *m)
{
    fo_rec *r = m->failover_state != SENTINEL_FAILOVER_NONE ? rec_find(m->name) : NULL;
    if (r)
        tick_one(m, r, sentinel_now_ms());
}
