/* peers: links to the other sentinels and objective down (see sentinel.h).
 *
 * The other sentinels are the members of this sentinel's own Raft group (members.h:
 * raft id, node id = their Sentinel runid, client host:port), minus this process. Owns
 * one peer_ent per other sentinel (the public sentinel_peer plus link bookkeeping and
 * the answers it gave about each master), an array indexing them for
 * sentinel_peer_at, and one timer. Every TICK_MS:
 *   - the peer set is re-read from the member table (only members still in the Raft
 *     configuration), links opened/closed to match, reconnected with a 100 ms..1 s
 *     backoff like node/peer_links.c, authenticated the same way (masterauth);
 *   - each peer is PINGed every ping period (one outstanding), SRI_S_DOWN after the
 *     shortest down-after of the masters, SRI_DISCONNECTED without a link;
 *   - objective down as Redis's sentinelAskMasterStateToOtherSentinels /
 *     sentinelCheckObjectivelyDown: while this sentinel sees a master's published
 *     leader sdown it asks every connected peer `SENTINEL IS-MASTER-DOWN-BY-ADDR <ip>
 *     <port> <epoch> *` at most once per ASK_PERIOD_MS (at once after +sdown); answers
 *     older than 5 periods are forgotten; itself plus the peers that said down=1 about
 *     that same address reaching the quorum is odown (+odown, and -odown when it stops
 *     holding). odown belongs to the published leader only: an instance that is no
 *     longer the leader loses it.
 *
 * Lifetime: a peer's link is set NULL before it is closed and the entry is freed only
 * after (resp_client_close fires pending callbacks synchronously), so a callback whose
 * client is not its entry's link ignores everything. IS-MASTER-DOWN-BY-ADDR requests
 * carry an owned ask_req freed by their callback, which fires exactly once. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "members.h"
#include "mem.h"
#include "raft_node.h"
#include "resp_client.h"
#include "sentinel.h"
#include "sentinel_internal.h"
#include "server.h"

#define TICK_MS 50
#define ASK_PERIOD_MS 1000
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 1000
#define CONNECT_TIMEOUT_MS 1000
#define DEFAULT_DOWN_AFTER_MS 5000

/* What a peer answered about one master's leader. */
typedef struct peer_vote {
    char master[SENTINEL_NAME_MAX + 1];
    char host[SENTINEL_HOST_MAX + 1];  /* the leader address asked about */
    int port;
    int down;                          /* it said down=1 */
    int64_t reply_ms;                  /* its last answer, 0 = none */
    int64_t asked_ms;
    int inflight;
} peer_vote;

typedef struct peer_ent {
    sentinel_peer p;          /* public part (sentinel_peer_at returns &p) */
    int link_up;
    int ping_inflight;
    int64_t last_ping_time;
    int64_t link_created_ms;
    int64_t retry_at, backoff_ms;
    int failure_logged;
    int announced;            /* +sentinel published */
    int seen;                 /* still a member (sync) */
    peer_vote *votes;         /* owned */
    int vote_count, vote_cap;
} peer_ent;

/* One IS-MASTER-DOWN-BY-ADDR in flight (owned by its callback). */
typedef struct ask_req {
    peer_ent *pe;
    char master[SENTINEL_NAME_MAX + 1];
    char host[SENTINEL_HOST_MAX + 1];
    int port;
} ask_req;

static struct {
    server *s;
    int started;
    uv_timer_t timer;
    peer_ent **peers;         /* owned entries */
    int count, cap;
    char client_name[32];
} P;

/* ---- helpers ---------------------------------------------------------------------------- */

static long long shortest_down_after(void)
{
    long long best = 0;
    for (int i = 0; i < sentinel_master_count(); i++) {
        const sentinel_master *m = sentinel_master_at(i);
        if (m && m->down_after_ms > 0 && (best == 0 || m->down_after_ms < best))
            best = m->down_after_ms;
    }
    return best ? best : DEFAULT_DOWN_AFTER_MS;
}

static long long ping_period(void)
{
    return g_sentinel_cfg.ping_period_ms > 0 ? g_sentinel_cfg.ping_period_ms : 250;
}

/* The published leader's address for event payloads (the seed when none is known). */
static void master_addr_or_seed(const sentinel_master *m, const char **host, int *port)
{
    if (!sentinel_master_addr(m, host, port) || !*host || !(*host)[0]) {
        *host = m->seed_host;
        *port = m->seed_port;
    }
}

/* "<type> sentinel <runid> <ip> <port> @ <master> <mip> <mport>" for every master, as
 * Redis (a sentinel is listed under each master it monitors). */
static void peer_event(const char *type, const peer_ent *pe)
{
    for (int i = 0; i < sentinel_master_count(); i++) {
        const sentinel_master *m = sentinel_master_at(i);
        const char *mh;
        int mp;
        master_addr_or_seed(m, &mh, &mp);
        sentinel_event(type, "sentinel %s %s %d @ %s %s %d", pe->p.run_id, pe->p.host, pe->p.port, m->name, mh,
                       mp);
    }
}

static peer_vote *vote_get(peer_ent *pe, const char *master)
{
    for (int i = 0; i < pe->vote_count; i++)
        if (strcmp(pe->votes[i].master, master) == 0)
            return &pe->votes[i];
    if (pe->vote_count == pe->vote_cap) {
        pe->vote_cap = pe->vote_cap ? pe->vote_cap * 2 : 4;
        pe->votes = rd_realloc(pe->votes, (size_t)pe->vote_cap * sizeof *pe->votes);
    }
    peer_vote *v = &pe->votes[pe->vote_count++];
    memset(v, 0, sizeof *v);
    snprintf(v->master, sizeof v->master, "%s", master);
    return v;
}

/* ---- links ------------------------------------------------------------------------------ */

static void link_drop(peer_ent *pe)
{
    resp_client *c = pe->p.link;
    pe->p.link = NULL;
    pe->p.flags |= SRI_DISCONNECTED;
    pe->link_up = 0;
    pe->ping_inflight = 0;
    for (int i = 0; i < pe->vote_count; i++)
        pe->votes[i].inflight = 0;
    if (c)
        resp_client_close(c);
}

static void schedule_retry(peer_ent *pe, int64_t now)
{
    pe->retry_at = now + pe->backoff_ms;
    pe->backoff_ms = pe->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : pe->backoff_ms * 2;
}

static void send_ping(peer_ent *pe, int64_t now);

static void on_connect(resp_client *c, const char *err, void *data)
{
    peer_ent *pe = data;
    if (pe->p.link != c)
        return;
    int64_t now = sentinel_now_ms();
    if (err) {
        if (!pe->failure_logged) {
            pe->failure_logged = 1;
            server_log(LL_VERBOSE, "Sentinel: link to sentinel %s:%d failed: %s (retrying)", pe->p.host, pe->p.port,
                       err);
        }
        link_drop(pe);
        schedule_retry(pe, now);
        return;
    }
    pe->link_up = 1;
    pe->failure_logged = 0;
    pe->backoff_ms = BACKOFF_MIN_MS;
    pe->p.flags &= ~(unsigned)SRI_DISCONNECTED;
    send_ping(pe, now);
}

static void on_disconnect(resp_client *c, const char *err, void *data)
{
    peer_ent *pe = data;
    if (pe->p.link != c)
        return;
    server_log(LL_VERBOSE, "Sentinel: link to sentinel %s:%d lost: %s", pe->p.host, pe->p.port, err ? err : "?");
    link_drop(pe);
    pe->backoff_ms = BACKOFF_MIN_MS;
    schedule_retry(pe, sentinel_now_ms());
}

static void link_connect(peer_ent *pe, int64_t now)
{
    if (!P.client_name[0]) {
        const char *id = sentinel_myid();
        if (id && id[0])
            snprintf(P.client_name, sizeof P.client_name, "sentinel-%.8s-cmd", id);
    }
    resp_client_options o;
    resp_client_options_init(&o);
    o.host = pe->p.host;
    o.port = pe->p.port;
    o.connect_timeout_ms = CONNECT_TIMEOUT_MS;
    /* Redis's `sentinel sentinel-user/sentinel-pass` when set; else, as
     * node/peer_links.c, masterauth (the password for this process's calls to its
     * peers). */
    const char *pass = g_sentinel_opts.sentinel_pass;
    const char *user = g_sentinel_opts.sentinel_user;
    if (!pass || !pass[0]) {
        pass = P.s->cfg.masterauth;
        user = NULL;
    }
    o.password = (pass && pass[0]) ? pass : NULL;
    o.user = (o.password && user && user[0]) ? user : NULL;
    o.client_name = P.client_name[0] ? P.client_name : NULL;
    o.on_connect = on_connect;
    o.on_disconnect = on_disconnect;
    o.data = pe;
    pe->link_up = 0;
    pe->ping_inflight = 0;
    pe->p.flags |= SRI_DISCONNECTED;
    pe->link_created_ms = now;
    pe->p.link = resp_client_connect(P.s->loop, &o);
}

/* ---- PING ------------------------------------------------------------------------------- */

static void ping_cb(resp_client *c, resp_reply *reply, const char *err, void *privdata)
{
    (void)err;
    peer_ent *pe = privdata;
    if (pe->p.link != c || !reply) {
        resp_reply_free(reply);
        return;
    }
    int64_t now = sentinel_now_ms();
    pe->ping_inflight = 0;
    pe->p.last_ping_reply_ms = now;
    pe->p.last_hello_ms = now;
    int ok = (reply->type == RESP_REPLY_STRING && reply->str && strncmp(reply->str, "PONG", 4) == 0) ||
             (resp_reply_is_error(reply) && reply->str &&
              (strncmp(reply->str, "LOADING", 7) == 0 || strncmp(reply->str, "MASTERDOWN", 10) == 0));
    if (ok) {
        pe->p.last_ok_ping_reply_ms = now;
        pe->p.last_ping_sent_ms = 0;
    }
    resp_reply_free(reply);
}

static void send_ping(peer_ent *pe, int64_t now)
{
    if (!pe->p.link || !pe->link_up || pe->ping_inflight)
        return;
    if (resp_client_command(pe->p.link, ping_cb, pe, "PING", NULL) != 0)
        return;
    pe->ping_inflight = 1;
    pe->last_ping_time = now;
    if (!pe->p.last_ping_sent_ms)
        pe->p.last_ping_sent_ms = now;
}

static void check_peer_down(peer_ent *pe, int64_t now)
{
    long long down_after = shortest_down_after();
    /* A stuck link (a paused sentinel): drop it and connect again. */
    if (pe->p.link && pe->link_up && now - pe->link_created_ms > down_after && pe->p.last_ping_sent_ms &&
        now - pe->p.last_ping_sent_ms > down_after / 2 && now - pe->p.last_ping_reply_ms > down_after / 2) {
        link_drop(pe);
        pe->retry_at = now;
    }
    int64_t elapsed = 0;
    if (pe->p.last_ping_sent_ms)
        elapsed = now - pe->p.last_ping_sent_ms;
    else if (!pe->link_up)
        elapsed = now - pe->p.last_ok_ping_reply_ms;
    if (elapsed > down_after) {
        if (!(pe->p.flags & SRI_S_DOWN)) {
            pe->p.flags |= SRI_S_DOWN;
            peer_event("+sdown", pe);
        }
    } else if (pe->p.flags & SRI_S_DOWN) {
        pe->p.flags &= ~(unsigned)SRI_S_DOWN;
        peer_event("-sdown", pe);
    }
}

/* ---- the set of peers ------------------------------------------------------------------- */

static int in_raft_config(uint64_t id)
{
    int n = raft_node_config_count();
    if (n <= 0)
        return 1; /* configuration not loaded yet: trust the member table */
    for (int i = 0; i < n; i++) {
        uint64_t cid = 0;
        if (raft_node_config_at(i, &cid, NULL, NULL) == 0 && cid == id)
            return 1;
    }
    return 0;
}

static peer_ent *peer_by_raft_id(uint64_t id)
{
    for (int i = 0; i < P.count; i++)
        if (P.peers[i]->p.raft_id == id)
            return P.peers[i];
    return NULL;
}

static void peer_free(peer_ent *pe)
{
    link_drop(pe);
    rd_free(pe->votes);
    rd_free(pe);
}

static void sync_peers(int64_t now)
{
    uint64_t me = raft_node_id();
    for (int i = 0; i < P.count; i++)
        P.peers[i]->seen = 0;
    for (int i = 0; i < members_count(); i++) {
        const member *mb = members_at(i);
        if (!mb || mb->raft_id == me || !mb->host[0] || mb->port <= 0 || !in_raft_config(mb->raft_id))
            continue;
        peer_ent *pe = peer_by_raft_id(mb->raft_id);
        if (!pe) {
            pe = rd_calloc(1, sizeof *pe);
            pe->p.raft_id = mb->raft_id;
            snprintf(pe->p.host, sizeof pe->p.host, "%s", mb->host);
            pe->p.port = mb->port;
            pe->p.flags = SRI_DISCONNECTED;
            pe->p.last_ping_sent_ms = now; /* as a new Redis instance: pinged now */
            pe->p.last_ok_ping_reply_ms = 0;
            pe->backoff_ms = BACKOFF_MIN_MS;
            if (P.count == P.cap) {
                P.cap = P.cap ? P.cap * 2 : 8;
                P.peers = rd_realloc(P.peers, (size_t)P.cap * sizeof *P.peers);
            }
            P.peers[P.count++] = pe;
            server_log(LL_VERBOSE, "Sentinel: peer sentinel %s at %s:%d", mb->node_id, mb->host, mb->port);
        } else if (strcmp(pe->p.host, mb->host) != 0 || pe->p.port != mb->port) {
            link_drop(pe);
            snprintf(pe->p.host, sizeof pe->p.host, "%s", mb->host);
            pe->p.port = mb->port;
            pe->backoff_ms = BACKOFF_MIN_MS;
            pe->retry_at = now;
        }
        snprintf(pe->p.run_id, sizeof pe->p.run_id, "%s", mb->node_id);
        if (!pe->announced && pe->p.run_id[0]) {
            pe->announced = 1;
            peer_event("+sentinel", pe);
        }
        pe->seen = 1;
    }
    for (int i = 0; i < P.count;) {
        peer_ent *pe = P.peers[i];
        if (pe->seen) {
            i++;
            continue;
        }
        server_log(LL_NOTICE, "Sentinel: %s:%d is no longer a sentinel of this group", pe->p.host, pe->p.port);
        /* Unlisted first: the callbacks fired by the close below no longer find it. */
        memmove(P.peers + i, P.peers + i + 1, (size_t)(P.count - i - 1) * sizeof *P.peers);
        P.count--;
        peer_free(pe);
    }
}

/* ---- objective down --------------------------------------------------------------------- */

static void ask_cb(resp_client *c, resp_reply *reply, const char *err, void *privdata)
{
    (void)err;
    ask_req *rq = privdata;
    peer_ent *pe = rq->pe;
    if (pe->p.link == c) {
        peer_vote *v = vote_get(pe, rq->master);
        v->inflight = 0;
        /* *3 :<down> $<leader runid> :<leader epoch>; only answers about the address
         * still being asked about count. */
        if (reply && reply->type == RESP_REPLY_ARRAY && reply->elements == 3 &&
            reply->element[0]->type == RESP_REPLY_INTEGER && strcmp(v->host, rq->host) == 0 && v->port == rq->port) {
            int64_t now = sentinel_now_ms();
            v->down = reply->element[0]->integer == 1;
            v->reply_ms = now;
            pe->p.last_hello_ms = now;
        }
    }
    resp_reply_free(reply);
    rd_free(rq);
}

static void ask_peer(peer_ent *pe, sentinel_master *m, const sentinel_instance *l, int64_t now)
{
    peer_vote *v = vote_get(pe, m->name);
    if (v->port != l->port || strcmp(v->host, l->host) != 0) {
        /* A new address to ask about: earlier answers were about another leader. */
        snprintf(v->host, sizeof v->host, "%s", l->host);
        v->port = l->port;
        v->down = 0;
        v->reply_ms = 0;
        v->asked_ms = 0;
    }
    /* Redis asks once per ASK_PERIOD_MS; a peer that said "not down" (yet: its own
     * down-after may end a little later than ours) is asked again after a ping period,
     * so odown does not wait a whole period for it. */
    int64_t period = v->reply_ms && !v->down ? ping_period() : ASK_PERIOD_MS;
    if (!pe->p.link || !pe->link_up || v->inflight || (v->asked_ms && now - v->asked_ms < period))
        return;
    char port[16], epoch[24];
    snprintf(port, sizeof port, "%d", l->port);
    snprintf(epoch, sizeof epoch, "%" PRIu64, m->config_epoch);
    ask_req *rq = rd_calloc(1, sizeof *rq);
    rq->pe = pe;
    snprintf(rq->master, sizeof rq->master, "%s", m->name);
    snprintf(rq->host, sizeof rq->host, "%s", l->host);
    rq->port = l->port;
    if (resp_client_command(pe->p.link, ask_cb, rq, "SENTINEL", "IS-MASTER-DOWN-BY-ADDR", l->host, port, epoch, "*",
                            NULL) != 0) {
        rd_free(rq);
        return;
    }
    v->inflight = 1;
    v->asked_ms = now;
}

static void check_odown(sentinel_master *m, int64_t now)
{
    sentinel_instance *l = m->leader;
    /* odown is about the published leader: an instance that lost that role loses it. */
    for (int i = 0; i < m->node_count; i++) {
        sentinel_instance *ri = m->nodes[i];
        if (ri != l && (ri->flags & SRI_O_DOWN)) {
            ri->flags &= ~(unsigned)SRI_O_DOWN;
            ri->o_down_since_ms = 0;
            sentinel_event_instance("-odown", ri, NULL);
        }
    }
    int votes = 0, odown = 0;
    if (l && (l->flags & SRI_S_DOWN)) {
        for (int i = 0; i < P.count; i++) {
            peer_ent *pe = P.peers[i];
            ask_peer(pe, m, l, now);
            peer_vote *v = vote_get(pe, m->name);
            if (v->reply_ms && now - v->reply_ms > 5 * ASK_PERIOD_MS)
                v->down = 0; /* too old to count */
            if (v->down && v->port == l->port && strcmp(v->host, l->host) == 0)
                votes++;
        }
        odown = (unsigned)(votes + 1) >= m->quorum;
    }
    m->down_votes = votes;
    m->down_votes_ms = now;
    if (!l)
        return;
    if (odown && !(l->flags & SRI_O_DOWN)) {
        l->flags |= SRI_O_DOWN;
        l->o_down_since_ms = now;
        sentinel_event_instance("+odown", l, " #quorum %d/%u", votes + 1, m->quorum);
    } else if (!odown && (l->flags & SRI_O_DOWN)) {
        l->flags &= ~(unsigned)SRI_O_DOWN;
        l->o_down_since_ms = 0;
        sentinel_event_instance("-odown", l, NULL);
    }
}

/* ---- the timer -------------------------------------------------------------------------- */

static void tick_cb(uv_timer_t *t)
{
    (void)t;
    if (!P.started)
        return;
    int64_t now = sentinel_now_ms();
    sync_peers(now);
    for (int i = 0; i < P.count; i++) {
        peer_ent *pe = P.peers[i];
        if (!pe->p.link && now >= pe->retry_at)
            link_connect(pe, now);
        if (pe->link_up && !pe->ping_inflight && now - pe->last_ping_time >= ping_period())
            send_ping(pe, now);
        check_peer_down(pe, now);
    }
    for (int k = 0; k < sentinel_master_count(); k++) {
        sentinel_master *m = sentinel_master_at(k);
        if (m)
            check_odown(m, now);
    }
}

/* ---- public API ------------------------------------------------------------------------- */

void sentinel_peers_start(server *s)
{
    if (P.started)
        return;
    P.s = s;
    uv_update_time(s->loop);
    uv_timer_init(s->loop, &P.timer);
    P.started = 1;
    uv_timer_start(&P.timer, tick_cb, 0, TICK_MS);
}

void sentinel_peers_stop(void)
{
    if (!P.started)
        return;
    P.started = 0;
    uv_timer_stop(&P.timer);
    uv_close((uv_handle_t *)&P.timer, NULL);
    while (P.count > 0) {
        peer_ent *pe = P.peers[--P.count];
        peer_free(pe);
    }
    rd_free(P.peers);
    P.peers = NULL;
    P.cap = 0;
}

int sentinel_peer_count(void)
{
    return P.count;
}

sentinel_peer *sentinel_peer_at(int i)
{
    return i >= 0 && i < P.count ? &P.peers[i]->p : NULL;
}

int sentinel_peers_usable(long long down_after_ms)
{
    int64_t now = sentinel_now_ms();
    int n = 0;
    for (int i = 0; i < P.count; i++) {
        const sentinel_peer *p = &P.peers[i]->p;
        if (p->last_ok_ping_reply_ms && now - p->last_ok_ping_reply_ms <= down_after_ms)
            n++;
    }
    return n;
}
