/* peer_links: this node's connections to the other storage nodes (see peer_links.h).
 *
 * Owns: the list of outgoing links (one peer_link per peer node id, each with at most
 * one resp_client), three timers (deferred re-sync of the link set, reconnect retries,
 * the 500 ms leader announcement) and the ids of the clients that sent CLUSTERBUS.
 *
 * The wanted set of peers is the current topology's nodes plus the other records of
 * this shard's member table, minus this node; it is recomputed (sync_links) on the
 * next loop iteration after any change, never inside the caller (topology_store_set,
 * the FSM's apply), so a burst of changes costs one pass and no resp_client callback
 * ever runs re-entrantly inside those callers.
 *
 * Memory bound per link: every message gets a reply (+OK), so the bytes of messages
 * sent and not yet answered are what the link holds (in our buffers, the kernel's or
 * the peer's). They are counted per message in a FIFO (replies come in order) and a
 * new message is dropped when the link already holds LINK_MAX_QUEUED bytes (one
 * message larger than that may still go out on an idle link, so big PUBLISH payloads
 * are not silently unroutable).
 *
 * Lifetime: a resp_client is always closed (exactly once) before its link is freed,
 * and resp_client_close fires every pending callback before it returns, so callbacks
 * never see a freed link. A callback ignores a client that is no longer its link's
 * current one (l->rc != c), which covers the callbacks fired by that close itself. */
#include "peer_links.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "client.h"
#include "mem.h"
#include "members.h"
#include "raft_node.h"
#include "resp_client.h"
#include "server.h"
#include "topology.h"
#include "topology_store.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 1000
#define CONNECT_TIMEOUT_MS 2000
#define ANNOUNCE_INTERVAL_MS 500
#define LINK_MAX_QUEUED ((size_t)8 << 20)
/* A peer whose link has been down (or never up) this long is reported failed in
 * CLUSTER NODES/SLOTS/SHARDS, as Redis flags a node it cannot reach: longer than a
 * reconnect attempt (backoff + connect), far shorter than Redis's 15 s node timeout. */
#define PEER_FAIL_AFTER_MS 2000
/* Outgoing links name themselves "redraft-peer-<node id>" (CLIENT SETNAME in the
 * handshake), so the receiving node can show who is on the other end in CLUSTER LINKS
 * and CLIENT LIST. */
#define PEER_NAME_PREFIX "redraft-peer-"
#define PEER_NAME_PREFIX_LEN (sizeof(PEER_NAME_PREFIX) - 1)

typedef struct peer_link {
    char node_id[TOPOLOGY_ID_LEN + 1];
    char host[TOPOLOGY_HOST_MAX + 1];
    int port;
    int same_shard;           /* a member of this node's shard: gets SPUBLISH too */
    resp_client *rc;          /* NULL while waiting for the next attempt */
    int up;                   /* rc finished its handshake and is not lost */
    uint64_t down_since;      /* uv_now() since when it is not up (0 while up) */
    int64_t create_ms;        /* wall clock of the current attempt (CLUSTER LINKS) */
    uint64_t backoff_ms;      /* delay before the next attempt after a failure */
    uint64_t retry_at;        /* uv_now() of the next attempt (rc == NULL) */
    size_t queued;            /* bytes of messages sent and not yet answered */
    size_t *sizes;            /* owned FIFO ring: size of each unanswered message */
    size_t sz_head, sz_len, sz_cap;
    unsigned long long dropped;
    int refusal_logged;       /* one warning per connection for refused messages */
    int failure_logged;       /* one warning per outage for failed attempts */
    struct peer_link *next;
} peer_link;

static struct {
    server *s;
    int started;
    peer_link *links;             /* owned list */
    uv_timer_t sync_timer, retry_timer, announce_timer;
    char client_name[PEER_NAME_PREFIX_LEN + TOPOLOGY_ID_LEN + 1];
    uint64_t *incoming;           /* owned: ids of clients that sent CLUSTERBUS */
    size_t in_len, in_cap;
    unsigned long long dropped_total;
    uint64_t drop_logged_at;      /* uv_now() of the last drop warning */
} P;

static void retry_cb(uv_timer_t *t);

/* ---- message accounting ----------------------------------------------------------------- */

static size_t digits(size_t v)
{
    size_t n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

/* Bytes of argv encoded as a RESP request (what resp_client queues). */
static size_t encoded_len(int argc, const rd_arg *argv)
{
    size_t n = 1 + digits((size_t)argc) + 2;
    for (int i = 0; i < argc; i++)
        n += 1 + digits(argv[i].len) + 2 + argv[i].len + 2;
    return n;
}

static void sizes_push(peer_link *l, size_t v)
{
    if (l->sz_len == l->sz_cap) {
        size_t ncap = l->sz_cap ? l->sz_cap * 2 : 16;
        size_t *n = rd_malloc(ncap * sizeof *n);
        for (size_t i = 0; i < l->sz_len; i++)
            n[i] = l->sizes[(l->sz_head + i) % l->sz_cap];
        rd_free(l->sizes);
        l->sizes = n;
        l->sz_cap = ncap;
        l->sz_head = 0;
    }
    l->sizes[(l->sz_head + l->sz_len) % l->sz_cap] = v;
    l->sz_len++;
}

static size_t sizes_pop(peer_link *l)
{
    if (l->sz_len == 0)
        return 0;
    size_t v = l->sizes[l->sz_head];
    l->sz_head = (l->sz_head + 1) % l->sz_cap;
    l->sz_len--;
    if (l->sz_len == 0 && l->sz_cap > 1024) {
        /* A burst is over: give its ring back. */
        rd_free(l->sizes);
        l->sizes = NULL;
        l->sz_head = l->sz_cap = 0;
    }
    return v;
}

static void note_drop(peer_link *l, const char *why)
{
    l->dropped++;
    P.dropped_total++;
    /* At most one warning per 10 s: a dead peer under a PUBLISH storm must not flood
     * the log. Drops while a link is down are expected and not logged. */
    if (!why)
        return;
    uint64_t now = uv_now(P.s->loop);
    if (P.drop_logged_at == 0 || now - P.drop_logged_at >= 10000) {
        P.drop_logged_at = now;
        server_log(LL_WARNING, "Peer link to %.40s: dropping messages (%s), %llu dropped so far",
                   l->node_id, why, P.dropped_total);
    }
}

/* The peer answered a message (or the connection ended before it did). */
static void reply_cb(resp_client *c, resp_reply *reply, const char *err, void *privdata)
{
    (void)c;
    (void)err;
    peer_link *l = privdata;
    size_t n = sizes_pop(l);
    l->queued = l->queued >= n ? l->queued - n : 0;
    if (reply && resp_reply_is_error(reply) && !l->refusal_logged) {
        l->refusal_logged = 1;
        server_log(LL_WARNING, "Peer %.40s at %s:%d refused CLUSTERBUS: %.200s", l->node_id,
                   l->host, l->port, reply->str ? reply->str : "error");
    }
    resp_reply_free(reply);
}

/* Sends one message on l, or drops it (not connected, or over the memory bound). */
static void link_send(peer_link *l, int argc, const rd_arg *argv)
{
    if (!l->up || !l->rc) {
        note_drop(l, NULL);
        return;
    }
    size_t n = encoded_len(argc, argv);
    if (l->queued > 0 && l->queued + n > LINK_MAX_QUEUED) {
        note_drop(l, "send buffer full");
        return;
    }
    if (resp_client_command_argv(l->rc, argc, argv, reply_cb, l) != 0) {
        note_drop(l, NULL);
        return;
    }
    sizes_push(l, n);
    l->queued += n;
}

/* ---- leader announcements --------------------------------------------------------------- */

/* CLUSTERBUS LEADER <my shard id> <my node id> <term> in argv (5 entries; term text in
 * termbuf). 0 when there is nothing to announce: not leading, or no topology holds us. */
static int leader_message(rd_arg *argv, char *termbuf, size_t termlen)
{
    if (!raft_node_is_leader())
        return 0;
    const topology *t = topology_store_get();
    int my = topology_store_my_shard();
    const char *me = raft_node_node_id();
    if (!t || my < 0 || my >= t->shard_count || !me || !me[0])
        return 0;
    snprintf(termbuf, termlen, "%" PRIu64, raft_node_term());
    argv[0] = (rd_arg){"CLUSTERBUS", 10};
    argv[1] = (rd_arg){"LEADER", 6};
    argv[2] = (rd_arg){t->shards[my].id, strlen(t->shards[my].id)};
    argv[3] = (rd_arg){me, strlen(me)};
    argv[4] = (rd_arg){termbuf, strlen(termbuf)};
    return 1;
}

static void announce_to(peer_link *l)
{
    rd_arg argv[5];
    char term[24];
    if (leader_message(argv, term, sizeof term))
        link_send(l, 5, argv);
}

static void announce_all(void)
{
    rd_arg argv[5];
    char term[24];
    if (!P.started || !leader_message(argv, term, sizeof term))
        return;
    for (peer_link *l = P.links; l; l = l->next)
        if (l->up)
            link_send(l, 5, argv);
}

/* ---- incoming links --------------------------------------------------------------------- */

/* Forgets the ids of clients that are gone. Client ids are never reused, so a stale id
 * can never be mistaken for a new connection; pruning only bounds the array. */
static void prune_incoming(void)
{
    size_t j = 0;
    for (size_t i = 0; i < P.in_len; i++)
        if (client_find_by_id(P.s, P.incoming[i]))
            P.incoming[j++] = P.incoming[i];
    P.in_len = j;
}

/* ---- connecting ------------------------------------------------------------------------- */

static void arm_retry_timer(void)
{
    if (!P.started)
        return;
    uint64_t now = uv_now(P.s->loop), first = UINT64_MAX;
    for (peer_link *l = P.links; l; l = l->next)
        if (!l->rc && l->retry_at < first)
            first = l->retry_at;
    if (first == UINT64_MAX) {
        uv_timer_stop(&P.retry_timer);
        return;
    }
    uv_timer_start(&P.retry_timer, retry_cb, first > now ? first - now : 0, 0);
}

/* l's connection is gone (or never came up): try again after the backoff. */
static void schedule_retry(peer_link *l)
{
    l->retry_at = uv_now(P.s->loop) + l->backoff_ms;
    l->backoff_ms = l->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : l->backoff_ms * 2;
    arm_retry_timer();
}

static void on_link_connect(resp_client *c, const char *err, void *data)
{
    peer_link *l = data;
    if (l->rc != c)
        return; /* a superseded client being closed */
    if (err) {
        if (!l->failure_logged) {
            l->failure_logged = 1;
            server_log(LL_NOTICE, "Peer link to %.40s at %s:%d failed: %s (retrying)", l->node_id,
                       l->host, l->port, err);
        }
        l->rc = NULL;
        resp_client_close(c);
        schedule_retry(l);
        return;
    }
    l->up = 1;
    l->down_since = 0;
    l->backoff_ms = BACKOFF_MIN_MS;
    l->refusal_logged = 0;
    l->failure_logged = 0;
    server_log(LL_VERBOSE, "Peer link to %.40s at %s:%d is up", l->node_id, l->host, l->port);
    announce_to(l);
}

static void on_link_disconnect(resp_client *c, const char *err, void *data)
{
    peer_link *l = data;
    if (l->rc != c)
        return;
    server_log(LL_NOTICE, "Peer link to %.40s at %s:%d lost: %s", l->node_id, l->host, l->port,
               err ? err : "?");
    l->up = 0;
    l->down_since = uv_now(P.s->loop);
    l->rc = NULL;
    resp_client_close(c);
    l->backoff_ms = BACKOFF_MIN_MS;
    schedule_retry(l);
}

static void link_connect(peer_link *l)
{
    resp_client_options o;
    resp_client_options_init(&o);
    o.host = l->host;
    o.port = l->port;
    o.connect_timeout_ms = CONNECT_TIMEOUT_MS;
    const char *pass = P.s->cfg.masterauth;
    o.password = (pass && pass[0]) ? pass : NULL;
    o.client_name = P.client_name[0] ? P.client_name : NULL;
    o.on_connect = on_link_connect;
    o.on_disconnect = on_link_disconnect;
    o.data = l;
    l->up = 0;
    l->create_ms = server_wall_ms();
    l->rc = resp_client_connect(P.s->loop, &o);
}

/* Closes l's connection, if any (its pending callbacks run inside, l stays valid). */
static void link_disconnect(peer_link *l)
{
    resp_client *rc = l->rc;
    l->rc = NULL;
    l->up = 0;
    if (rc)
        resp_client_close(rc);
}

static void link_free(peer_link *l)
{
    link_disconnect(l);
    rd_free(l->sizes);
    rd_free(l);
}

static void retry_cb(uv_timer_t *t)
{
    (void)t;
    uint64_t now = uv_now(P.s->loop);
    for (peer_link *l = P.links; l; l = l->next)
        if (!l->rc && l->retry_at <= now)
            link_connect(l);
    arm_retry_timer();
}

/* ---- the set of peers ------------------------------------------------------------------- */

typedef struct wanted_peer {
    const char *id;
    const char *host;
    int port;
    int same_shard;
    int has_link;  /* an existing link matched it */
} wanted_peer;

static wanted_peer *wanted_find(wanted_peer *w, int n, const char *id)
{
    for (int i = 0; i < n; i++)
        if (strcmp(w[i].id, id) == 0)
            return &w[i];
    return NULL;
}

/* Opens and closes links to match the topology and the member table. */
static void sync_links(void)
{
    const char *me = raft_node_node_id();
    if (!P.started || !me)
        return;
    if (!P.client_name[0] && me[0])
        snprintf(P.client_name, sizeof P.client_name, "%s%s", PEER_NAME_PREFIX, me);

    const topology *t = topology_store_get();
    int my = topology_store_my_shard();
    int cap = members_count();
    if (t)
        for (int i = 0; i < t->shard_count; i++)
            cap += t->shards[i].node_count;
    wanted_peer *w = cap ? rd_malloc((size_t)cap * sizeof *w) : NULL;
    int n = 0;
    if (t)
        for (int i = 0; i < t->shard_count; i++)
            for (int j = 0; j < t->shards[i].node_count; j++) {
                const topology_node *tn = &t->shards[i].nodes[j];
                if (strcmp(tn->id, me) == 0 || wanted_find(w, n, tn->id))
                    continue;
                w[n++] = (wanted_peer){tn->id, tn->host, tn->port, i == my, 0};
            }
    /* This shard's members, even without a topology. Their own announcement (the
     * member table) is the freshest address we have for them. */
    for (int i = 0; i < members_count(); i++) {
        const member *m = members_at(i);
        if (strcmp(m->node_id, me) == 0)
            continue;
        wanted_peer *e = wanted_find(w, n, m->node_id);
        if (!e)
            e = &w[n++];
        *e = (wanted_peer){m->node_id, m->host, m->port, 1, 0};
    }

    /* Drop links to nodes no longer wanted; re-point moved ones. */
    for (peer_link **pp = &P.links; *pp;) {
        peer_link *l = *pp;
        wanted_peer *e = wanted_find(w, n, l->node_id);
        if (!e) {
            *pp = l->next;
            server_log(LL_VERBOSE, "Peer link to %.40s closed (no longer a peer)", l->node_id);
            link_free(l);
            continue;
        }
        l->same_shard = e->same_shard;
        if (strcmp(l->host, e->host) != 0 || l->port != e->port) {
            link_disconnect(l);
            snprintf(l->host, sizeof l->host, "%s", e->host);
            l->port = e->port;
            l->backoff_ms = BACKOFF_MIN_MS;
            link_connect(l);
        }
        e->has_link = 1;
        pp = &l->next;
    }
    for (int i = 0; i < n; i++) {
        if (w[i].has_link)
            continue;
        peer_link *l = rd_calloc(1, sizeof *l);
        snprintf(l->node_id, sizeof l->node_id, "%s", w[i].id);
        snprintf(l->host, sizeof l->host, "%s", w[i].host);
        l->port = w[i].port;
        l->same_shard = w[i].same_shard;
        l->backoff_ms = BACKOFF_MIN_MS;
        l->down_since = uv_now(P.s->loop);
        l->next = P.links;
        P.links = l;
        link_connect(l);
    }
    rd_free(w);
    arm_retry_timer();
    announce_all();
}

static void sync_cb(uv_timer_t *t)
{
    (void)t;
    sync_links();
}

static void announce_cb(uv_timer_t *t)
{
    (void)t;
    announce_all();
    prune_incoming();
}

/* ---- public API ------------------------------------------------------------------------- */

void peer_links_start(server *s)
{
    if (P.started)
        return;
    P.s = s;
    /* Raft's start may have blocked for a while before the loop first ran: without this
     * the first connect timeouts would count from a stale loop time and fire at once. */
    uv_update_time(s->loop);
    uv_timer_init(s->loop, &P.sync_timer);
    uv_timer_init(s->loop, &P.retry_timer);
    uv_timer_init(s->loop, &P.announce_timer);
    P.started = 1;
    sync_links();
    if (raft_node_is_leader())
        uv_timer_start(&P.announce_timer, announce_cb, ANNOUNCE_INTERVAL_MS, ANNOUNCE_INTERVAL_MS);
}

void peer_links_stop(void)
{
    if (!P.started)
        return;
    P.started = 0;
    while (P.links) {
        peer_link *l = P.links;
        P.links = l->next;
        link_free(l);
    }
    uv_close((uv_handle_t *)&P.sync_timer, NULL);
    uv_close((uv_handle_t *)&P.retry_timer, NULL);
    uv_close((uv_handle_t *)&P.announce_timer, NULL);
    rd_free(P.incoming);
    P.incoming = NULL;
    P.in_len = P.in_cap = 0;
}

void peer_links_topology_changed(void)
{
    if (P.started)
        uv_timer_start(&P.sync_timer, sync_cb, 0, 0);
}

void peer_links_role_changed(int is_leader)
{
    if (!P.started)
        return;
    if (is_leader) {
        announce_all();
        uv_timer_start(&P.announce_timer, announce_cb, ANNOUNCE_INTERVAL_MS, ANNOUNCE_INTERVAL_MS);
    } else {
        uv_timer_stop(&P.announce_timer);
    }
}

void peer_links_publish(const char *channel, size_t channel_len, const char *msg,
                        size_t msg_len, int sharded)
{
    if (!P.started)
        return;
    rd_arg argv[4] = {{"CLUSTERBUS", 10},
                      {sharded ? "SPUBLISH" : "PUBLISH", sharded ? 8u : 7u},
                      {channel, channel_len},
                      {msg, msg_len}};
    for (peer_link *l = P.links; l; l = l->next)
        if (!sharded || l->same_shard)
            link_send(l, 4, argv);
}

void peer_links_note_incoming(client *c)
{
    if (!P.started || !c || peer_links_is_incoming(c))
        return;
    prune_incoming();
    if (P.in_len == P.in_cap) {
        P.in_cap = P.in_cap ? P.in_cap * 2 : 8;
        P.incoming = rd_realloc(P.incoming, P.in_cap * sizeof *P.incoming);
    }
    P.incoming[P.in_len++] = c->id;
}

int peer_links_is_incoming(const client *c)
{
    for (size_t i = 0; c && i < P.in_len; i++)
        if (P.incoming[i] == c->id)
            return 1;
    return 0;
}

static void write_link(resp_writer *w, const char *dir, const char *node, size_t node_len,
                       int64_t ctime, const char *events, size_t alloc, size_t used)
{
    resp_write_map_len(w, 6);
    resp_write_bulk_cstr(w, "direction");
    resp_write_bulk_cstr(w, dir);
    resp_write_bulk_cstr(w, "node");
    resp_write_bulk(w, node, node_len);
    resp_write_bulk_cstr(w, "create-time");
    resp_write_int(w, ctime);
    resp_write_bulk_cstr(w, "events");
    resp_write_bulk_cstr(w, events);
    resp_write_bulk_cstr(w, "send-buffer-allocated");
    resp_write_int(w, (long long)alloc);
    resp_write_bulk_cstr(w, "send-buffer-used");
    resp_write_int(w, (long long)used);
}

/* Outgoing links are listed while a connection exists or is being made (as Redis lists
 * a link from the moment its TCP connect starts); incoming ones while the client lives. */
void peer_links_write_links(resp_writer *w)
{
    if (!P.started) {
        resp_write_array_len(w, 0);
        return;
    }
    prune_incoming();
    long long n = (long long)P.in_len;
    for (peer_link *l = P.links; l; l = l->next)
        if (l->rc)
            n++;
    resp_write_array_len(w, n);
    for (peer_link *l = P.links; l; l = l->next)
        if (l->rc)
            write_link(w, "to", l->node_id, strlen(l->node_id), l->create_ms,
                       l->queued ? "rw" : "r", l->queued, l->queued);
    for (size_t i = 0; i < P.in_len; i++) {
        const client *c = client_find_by_id(P.s, P.incoming[i]);
        const char *node = "";
        size_t node_len = 0;
        if (c->name && strncmp(c->name, PEER_NAME_PREFIX, PEER_NAME_PREFIX_LEN) == 0) {
            node = c->name + PEER_NAME_PREFIX_LEN;
            node_len = strlen(node);
        }
        size_t used = client_output_len(c);
        write_link(w, "from", node, node_len, c->ctime_ms, used ? "rw" : "r",
                   c->out.cap + c->sending.cap, used);
    }
}

int peer_links_node_unreachable(const char *node_id)
{
    if (!P.started)
        return 0;
    for (peer_link *l = P.links; l; l = l->next)
        if (strcmp(l->node_id, node_id) == 0)
            return !l->up && l->down_since > 0 && uv_now(P.s->loop) - l->down_since >= PEER_FAIL_AFTER_MS;
    return 0;
}
