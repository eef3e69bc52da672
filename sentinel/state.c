/* state: the sentinels' replicated state, the control timer and the control connections.
 *
 * The replicated state is ordinary string keys in db 0 of the sentinels' keyspace. Only
 * the acting sentinel (the leader of the sentinels' Raft group) writes them, by proposing
 * plain SET commands through the log (replicate_propose_internal with flags 0), so every
 * sentinel applies the same writes in the same order and snapshots/restarts/catch-up are
 * the node's machinery. Every sentinel reads them locally (keyspace_peek). Key layout:
 *
 *   sentinel:epoch              decimal u64: the current config epoch, equal to the
 *                               committed topology's epoch (absent = 0)
 *   sentinel:topology           the cluster topology's canonical text (proto/topology.h):
 *                               cluster-mode shards only (absent until created/adopted)
 *   sentinel:shard:<name>       the 40-hex shard id of master <name> (cluster and
 *                               standalone shards alike; fixed once recorded)
 *   sentinel:spare:<host:port>  "<master name> <raft id>": the master a configured spare
 *                               was given to by a repair and the Raft id of the member it
 *                               replaces (kept once done: the spare is used); absent =
 *                               the spare is available
 *
 * Writes that belong together (topology + epoch) are proposed in the same loop
 * iteration, so they travel in the same log entry and apply atomically.
 *
 * Control connections (sentinel_ctl_call): one resp_client per storage node address,
 * separate from monitor.c's links so that long commands (CLUSTER FAILOVER, RAFT ADD) never
 * delay its PINGs. Every request carries a deadline; the control timer drops a
 * connection whose oldest request is overdue, which fails every request on it. A dropped
 * or failed connection is replaced by a new one at the next call.
 *
 * The control timer (every CONTROL_TICK_MS, every sentinel) runs those deadlines, then
 * failover's, topology_owner's and repair's ticks (the last two do their acting-only
 * work themselves). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "bytebuf.h"
#include "exec.h"
#include "keyspace.h"
#include "kv.h"
#include "mem.h"
#include "raft_node.h"
#include "replicate.h"
#include "resp_client.h"
#include "sentinel.h"
#include "server.h"
#include "topology.h"

#define CONTROL_TICK_MS 100
#define KEY_EPOCH "sentinel:epoch"
#define KEY_TOPOLOGY "sentinel:topology"
#define KEY_SHARD_PREFIX "sentinel:shard:"
#define KEY_SPARE_PREFIX "sentinel:spare:"
#define CTL_CONNECT_TIMEOUT_MS 2000
#define CTL_CLIENT_NAME "redraft-sentinel-control"

/* ---- reads ----------------------------------------------------------------------- */

static struct server *S_srv;

/* The string value of key in db 0 (not NUL-terminated), or NULL. Valid until the next
 * apply. intbuf holds integer-encoded values. */
static const char *state_get(const char *key, size_t *len, char intbuf[32])
{
    if (!S_srv)
        return NULL;
    exec_ctx c;
    memset(&c, 0, sizeof c);
    c.srv = S_srv;
    c.db = &S_srv->dbs[0];
    c.now_ms = S_srv->last_entry_ms;
    kv *v = keyspace_peek(&c, key, strlen(key));
    if (!v || kv_type(v) != OBJ_STRING)
        return NULL;
    const char *out = NULL;
    *len = kv_string(v, intbuf, &out);
    return out;
}

uint64_t sentinel_state_epoch(void)
{
    char ib[32], buf[32];
    size_t len;
    const char *p = state_get(KEY_EPOCH, &len, ib);
    if (!p || len == 0 || len >= sizeof buf)
        return 0;
    memcpy(buf, p, len);
    buf[len] = '\0';
    return strtoull(buf, NULL, 10);
}

int sentinel_state_has_topology(void)
{
    char ib[32];
    size_t len;
    return state_get(KEY_TOPOLOGY, &len, ib) != NULL;
}

int sentinel_state_topology(topology *t)
{
    char ib[32];
    size_t len;
    const char *p = state_get(KEY_TOPOLOGY, &len, ib);
    if (!p) {
        topology_init(t);
        return -1;
    }
    char err[256];
    if (topology_decode(t, p, len, err, sizeof err) != 0) {
        server_log(LL_WARNING, "Sentinel state: the stored topology does not decode: %s", err);
        return -1; /* decode left t empty */
    }
    return 0;
}

int sentinel_state_shard_id(const char *name, char id[41])
{
    char key[sizeof KEY_SHARD_PREFIX + SENTINEL_NAME_MAX + 1], ib[32];
    snprintf(key, sizeof key, "%s%s", KEY_SHARD_PREFIX, name);
    size_t len;
    const char *p = state_get(key, &len, ib);
    if (!p || len != 40)
        return 0;
    memcpy(id, p, 40);
    id[40] = '\0';
    return 1;
}

int sentinel_state_spare_owner(const char *hostport, char *name, size_t cap, uint64_t *replaced)
{
    char key[sizeof KEY_SPARE_PREFIX + SENTINEL_HOST_MAX + 16], ib[32];
    snprintf(key, sizeof key, "%s%s", KEY_SPARE_PREFIX, hostport);
    size_t len;
    const char *p = state_get(key, &len, ib);
    if (!p)
        return 0;
    const char *sp = memrchr(p, ' ', len);
    size_t nlen = sp ? (size_t)(sp - p) : len;
    if (cap > 0)
        snprintf(name, cap, "%.*s", (int)nlen, p);
    if (replaced) {
        char num[24] = "";
        if (sp && len - nlen - 1 < sizeof num) {
            memcpy(num, sp + 1, len - nlen - 1);
            num[len - nlen - 1] = '\0';
        }
        *replaced = strtoull(num, NULL, 10);
    }
    return 1;
}

/* ---- writes ---------------------------------------------------------------------- */

static int propose_set(const char *key, const char *val, size_t vlen)
{
    if (!S_srv || !raft_node_is_leader())
        return -1;
    rd_arg argv[3] = {{"SET", 3}, {key, strlen(key)}, {val, vlen}};
    return replicate_propose_internal(S_srv, 0, 0, 3, argv);
}

/* The last topology this sentinel proposed, until it applies. Every change is computed
 * from the applied state, so a second change proposed before the first applied would
 * overwrite it (a repair's member swap lost to a growth, or the reverse): one at a time.
 * A proposal of an earlier term, or one not applied within PENDING_VOID_MS (its entry
 * was lost), no longer counts. */
#define PENDING_VOID_MS 5000
static struct {
    uint64_t epoch, term;
    int64_t since_ms;
} pending_topology;

int sentinel_state_commit_topology(const topology *t)
{
    if (!S_srv || !raft_node_is_leader())
        return -1;
    if (pending_topology.epoch && pending_topology.term == raft_node_term() &&
        sentinel_state_epoch() < pending_topology.epoch &&
        sentinel_now_ms() - pending_topology.since_ms < PENDING_VOID_MS)
        return -1; /* the caller retries once the previous change applied */
    bytebuf b;
    bytebuf_init(&b);
    topology_encode(t, &b);
    char ep[32];
    int n = snprintf(ep, sizeof ep, "%llu", (unsigned long long)t->epoch);
    /* same iteration -> same entry: the two keys change together */
    int rc = propose_set(KEY_TOPOLOGY, b.data ? b.data : "", b.len);
    if (rc == 0)
        rc = propose_set(KEY_EPOCH, ep, (size_t)n);
    bytebuf_free(&b);
    if (rc == 0) {
        pending_topology.epoch = t->epoch;
        pending_topology.term = raft_node_term();
        pending_topology.since_ms = sentinel_now_ms();
    }
    return rc;
}

int sentinel_state_set_shard(const char *name, const char *shard_id)
{
    char key[sizeof KEY_SHARD_PREFIX + SENTINEL_NAME_MAX + 1];
    snprintf(key, sizeof key, "%s%s", KEY_SHARD_PREFIX, name);
    return propose_set(key, shard_id, strlen(shard_id));
}

int sentinel_state_set_spare(const char *hostport, const char *master_name, uint64_t replaced)
{
    char key[sizeof KEY_SPARE_PREFIX + SENTINEL_HOST_MAX + 16], val[SENTINEL_NAME_MAX + 32];
    snprintf(key, sizeof key, "%s%s", KEY_SPARE_PREFIX, hostport);
    int n = snprintf(val, sizeof val, "%s %llu", master_name, (unsigned long long)replaced);
    return propose_set(key, val, (size_t)n);
}

/* ---- small helpers shared by the control modules ---------------------------------- */

const char *sentinel_master_password(const sentinel_master *m)
{
    if (m && m->auth_pass && m->auth_pass[0])
        return m->auth_pass;
    if (g_sentinel_cfg.auth_pass && g_sentinel_cfg.auth_pass[0])
        return g_sentinel_cfg.auth_pass;
    return NULL;
}

int sentinel_instance_valid(const sentinel_master *m, const sentinel_instance *ri)
{
    if (!m || !ri)
        return 0;
    for (int i = 0; i < m->node_count; i++)
        if (m->nodes[i] == ri)
            return 1;
    return 0;
}

/* ---- control connections --------------------------------------------------------- */

typedef struct ctl_conn ctl_conn;

typedef struct ctl_req {
    ctl_conn *conn;
    sentinel_ctl_cb *cb;
    void *arg;
    int64_t deadline;
    struct ctl_req *next;      /* the connection's FIFO (replies come in order) */
} ctl_req;

struct ctl_conn {
    char host[SENTINEL_HOST_MAX + 1];
    int port;
    char *password;            /* owned, NULL = none */
    resp_client *rc;           /* NULL when dropped */
    int failed;                /* the connection is lost: replace at the next call */
    int timed_out;             /* being dropped for an overdue request */
    ctl_req *head, *tail;
    ctl_conn *next;
};

static struct {
    int running;
    uv_timer_t timer;
    int timer_init;
    ctl_conn *conns;
} C;

/* Both callbacks may come from a client ctl_drop already detached (its close fires
 * on_connect): only the current client's news counts. */
static void ctl_on_disconnect(resp_client *rc, const char *err, void *data)
{
    (void)err;
    ctl_conn *cc = data;
    if (rc == cc->rc)
        cc->failed = 1; /* pending callbacks still fire (with err) from the client */
}

static void ctl_on_connect(resp_client *rc, const char *err, void *data)
{
    ctl_conn *cc = data;
    if (err && rc == cc->rc) {
        cc->failed = 1;
        server_log(LL_VERBOSE, "Sentinel control: cannot connect to %s:%d: %s", cc->host, cc->port, err);
    }
}

static void ctl_drop(ctl_conn *cc)
{
    resp_client *rc = cc->rc;
    cc->rc = NULL; /* callbacks fired by close may start new calls: they get a new client */
    cc->failed = 0;
    if (rc)
        resp_client_close(rc);
    cc->timed_out = 0;
}

static void ctl_open(ctl_conn *cc)
{
    resp_client_options o;
    resp_client_options_init(&o);
    o.host = cc->host;
    o.port = cc->port;
    o.connect_timeout_ms = CTL_CONNECT_TIMEOUT_MS;
    o.password = cc->password;
    o.client_name = CTL_CLIENT_NAME;
    o.on_connect = ctl_on_connect;
    o.on_disconnect = ctl_on_disconnect;
    o.data = cc;
    cc->failed = 0;
    cc->rc = resp_client_connect(S_srv->loop, &o);
}

static void ctl_reply(resp_client *rc, resp_reply *reply, const char *err, void *privdata)
{
    (void)rc;
    ctl_req *r = privdata;
    ctl_conn *cc = r->conn;
    /* unlink: replies come in request order, so r is the head */
    ctl_req **pp = &cc->head;
    ctl_req *prev = NULL;
    while (*pp && *pp != r) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    if (*pp) {
        *pp = r->next;
        if (cc->tail == r)
            cc->tail = prev;
    }
    if (!reply && err && cc->timed_out)
        err = "timeout";
    r->cb(r->arg, reply, reply ? NULL : (err ? err : "no reply"));
    resp_reply_free(reply);
    rd_free(r);
}

static int same_password(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

int sentinel_ctl_call(const char *host, int port, const char *password, long long timeout_ms,
                      sentinel_ctl_cb *cb, void *arg, int argc, const char *const *argv)
{
    if (!C.running || !S_srv || argc < 1 || argc > 16)
        return -1;
    ctl_conn *cc = C.conns;
    while (cc && !(cc->port == port && strcmp(cc->host, host) == 0))
        cc = cc->next;
    if (!cc) {
        cc = rd_calloc(1, sizeof *cc);
        snprintf(cc->host, sizeof cc->host, "%s", host);
        cc->port = port;
        cc->next = C.conns;
        C.conns = cc;
    }
    if (!same_password(cc->password, password)) {
        /* the new password first: calls made from the callbacks the drop fires use it */
        rd_free(cc->password);
        cc->password = password ? rd_strndup(password, strlen(password)) : NULL;
        ctl_drop(cc);
    }
    if (cc->rc && cc->failed)
        ctl_drop(cc);
    if (!cc->rc)
        ctl_open(cc);
    rd_arg args[16];
    for (int i = 0; i < argc; i++) {
        args[i].ptr = argv[i];
        args[i].len = strlen(argv[i]);
    }
    ctl_req *r = rd_calloc(1, sizeof *r);
    r->conn = cc;
    r->cb = cb;
    r->arg = arg;
    r->deadline = sentinel_now_ms() + (timeout_ms > 0 ? timeout_ms : 5000);
    if (resp_client_command_argv(cc->rc, argc, args, ctl_reply, r) != 0) {
        /* the connection failed under us: one fresh attempt (callbacks fired by the
         * drop may already have opened the new one) */
        ctl_drop(cc);
        if (!cc->rc)
            ctl_open(cc);
        if (resp_client_command_argv(cc->rc, argc, args, ctl_reply, r) != 0) {
            rd_free(r);
            return -1;
        }
    }
    if (cc->tail)
        cc->tail->next = r;
    else
        cc->head = r;
    cc->tail = r;
    return 0;
}

static void ctl_check_deadlines(int64_t now)
{
    for (ctl_conn *cc = C.conns; cc; cc = cc->next) {
        if (cc->rc && cc->head && now > cc->head->deadline) {
            server_log(LL_VERBOSE, "Sentinel control: %s:%d did not answer in time, dropping the connection",
                       cc->host, cc->port);
            cc->timed_out = 1;
            ctl_drop(cc);
        }
    }
}

static void ctl_close_all(void)
{
    ctl_conn *cc = C.conns;
    while (cc) {
        ctl_conn *next = cc->next;
        ctl_drop(cc); /* fails every pending request */
        rd_free(cc->password);
        rd_free(cc);
        cc = next;
    }
    C.conns = NULL;
}

/* ---- the control timer ------------------------------------------------------------ */

static void control_tick(uv_timer_t *t)
{
    (void)t;
    if (!C.running)
        return;
    int64_t now = sentinel_now_ms();
    ctl_check_deadlines(now);
    sentinel_failover_tick(now);
    sentinel_topology_tick(now);
    sentinel_repair_tick(now);
}

void sentinel_control_start(struct server *s)
{
    if (C.running)
        return;
    S_srv = s;
    C.running = 1;
    if (!C.timer_init) {
        uv_timer_init(s->loop, &C.timer);
        C.timer_init = 1;
    }
    uv_timer_start(&C.timer, control_tick, CONTROL_TICK_MS, CONTROL_TICK_MS);
}

static void timer_closed(uv_handle_t *h)
{
    (void)h;
}

void sentinel_control_stop(void)
{
    if (!C.running)
        return;
    sentinel_repair_stop();
    C.running = 0;   /* calls made from the callbacks below now fail at once */
    ctl_close_all(); /* every pending request fails with err */
    if (C.timer_init) {
        uv_timer_stop(&C.timer);
        uv_close((uv_handle_t *)&C.timer, timer_closed);
        C.timer_init = 0;
    }
}
