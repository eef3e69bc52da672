/* raft_node: this process's membership in its shard's Raft group (see raft_node.h).
 *
 * Owns, as one static instance (a process is in exactly one group):
 * - identity: `node.id` in the data dir (the process's cwd, main.c chdir'd there) holds
 *   the 40-hex node id and the Raft id; written once (tmp + fsync + rename + fsync of
 *   the dir) and never changed, because Raft's on-disk state is only valid under the
 *   id it was written with;
 * - the raft instance, its raft_uv I/O under `raft/` and the NODELAY transport on the
 *   bus port; the FSM is replicate.c's apply plus snapshot.c's snapshot callbacks;
 * - forming a shard: raft-bootstrap (founders, first start only), raft-join (ask a
 *   member over RESP, retry with backoff), or neither (a single-voter shard of itself);
 * - the per-iteration poll (a uv_prepare handle): Raft 0.22 has no state callback, so
 *   leadership gained/lost is detected here and handed to replicate_role_changed, and
 *   this node's member record is announced (members.h) when missing or stale;
 * - membership changes and leadership transfer, one at a time (`op`), and the RESP
 *   calls to peers (`rpc`): announce, join, and forwarding an admin request from a
 *   follower to the leader.
 *
 * Callbacks of raft_node_add/assign/remove/transfer always fire exactly once and never
 * from inside the call that started the operation (errors found at once are deferred
 * through a zero-timeout timer), so a command can block its client first and unblock
 * it in the callback without caring which path was taken. The return value says
 * whether the operation started (0) or failed at once (-1, callback still due).
 *
 * A follower that receives RAFT ADD/ASSIGN/REMOVE/TRANSFER forwards it to the leader's
 * client port (looked up in the member table) with CLIENT SETNAME
 * RAFT_FORWARD_CLIENT_NAME; a node that is not the leader refuses such a forwarded
 * request instead of forwarding it again (raft_cmds.c), so two nodes that disagree
 * about the leader cannot bounce a request between them.
 *
 * Removal: Raft never tells a removed follower (the leader stops replicating to it
 * before the entry that removes it), so after RAFT REMOVE the leader sends it
 * `RAFT REMOVED <raft-id> <node-id>` (cmd_raft_removed, at the end of this file); the
 * node then reports UNAVAILABLE (and so stops serving) and keeps a `removed` marker
 * file so that a restart does not bring it back. */
#include "raft_node.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <raft/uv.h>

#include "commands.h"
#include "fsutil.h"
#include "members.h"
#include "mem.h"
#include "raft_transport.h"
#include "replicate.h"
#include "resp_client.h"
#include "server.h"
#include "snapshot.h"
#include "strutil.h"

#define NODE_ID_FILE "node.id"
#define RAFT_SUBDIR "raft"
/* CLIENT SETNAME of connections that carry a forwarded admin request (raft_cmds.c
 * checks the same string). */
#define RAFT_FORWARD_CLIENT_NAME "redraft-raft-forward"

#define ANNOUNCE_RETRY_MS 1000      /* re-announce when the record is still not applied */
#define JOIN_BACKOFF_MIN_MS 100
#define JOIN_BACKOFF_MAX_MS 5000
#define JOIN_TIMEOUT_MS 120000      /* one RAFT ADD ... VOTER, catch-up included */
#define FORWARD_TIMEOUT_MS 120000
#define RPC_CONNECT_TIMEOUT_MS 2000
#define CATCHUP_TIMEOUT_MS 60000    /* standby -> voter: wait for the log to arrive */
#define TRANSFER_WAIT_MS 3000       /* drain + target caught up, per RAFT TRANSFER */
#define STOP_TRANSFER_WAIT_MS 1000  /* the same when stopping */
#define OP_TICK_MS 2
#define CONNECT_RETRY_DELAY_MS 200
#define CLOSE_INSTALL_WAIT_MS 2000  /* stop: wait for a snapshot install to finish */
#define REMOVE_SELF_ATTEMPTS 25     /* x 200 ms */
#define REMOVED_FILE "removed"      /* marker: this member was removed from its shard */  /* raft_uv's reconnect delay to a peer (default 1 s) */

/* ---- RESP calls to peers ------------------------------------------------------------- */

typedef void rpc_cb(void *arg, const resp_reply *reply, const char *err);

typedef struct rpc {
    resp_client *rc;
    uv_timer_t timer;          /* bounds the whole call */
    rpc_cb *cb;
    void *arg;
    int finished;
    struct rpc *prev, *next;   /* rpcs list */
} rpc;

/* A callback owed to a caller of raft_node_add & co, fired from the loop. */
typedef struct deferred {
    raft_node_done_cb *cb;
    void *arg;
    int status;
    char *msg;                 /* owned */
    struct deferred *next;
} deferred;

enum op_kind { OP_NONE = 0, OP_CHANGE, OP_REMOVE, OP_TRANSFER };
enum op_phase {
    PH_IDLE = 0,
    PH_RAFT_CALL,       /* a raft_add/assign/remove is in flight */
    PH_CATCHUP,         /* standby: waiting for its match index */
    PH_DRAIN,           /* transfer: waiting for writes to drain and the target */
    PH_TRANSFERRING,    /* raft_transfer in flight */
};

typedef struct op_state {
    int kind;
    int phase;
    uint64_t target;
    int want_role;                 /* OP_CHANGE: the final role */
    char address[MEMBER_HOST_MAX + 8];
    raft_node_done_cb *cb;
    void *arg;
    uint64_t deadline;             /* uv_now ms */
    uint64_t goal;                 /* PH_CATCHUP: match index to reach */
    int attempts;                  /* transfer attempts made */
    int held;                      /* replicate_hold(1) in effect */
    struct raft_change change;
} op_state;

/* raft_transfer's request lives apart from op_state: the operation is reported done as
 * soon as leadership is seen gone (before raft fires the callback, which comes later),
 * and a new operation must not reuse memory raft still holds. */
static struct raft_transfer transfer_req;
static int transfer_req_busy;

static struct {
    server *s;
    int io_ready;                  /* raft_uv_init succeeded */
    int transport_ready;
    int raft_ready;                /* raft_init succeeded */
    int running;                   /* raft_start succeeded, not closing */
    int closing;
    int handles_open;              /* our uv handles not yet closed */
    int stop_requested;
    void (*stop_done)(server *s);

    struct raft raft;
    struct raft_io io;
    rtransport tr;
    struct raft_fsm fsm;
    uv_prepare_t poll;
    uv_timer_t op_timer;
    uv_timer_t join_timer;
    uv_timer_t defer_timer;
    uv_timer_t remove_timer;       /* RAFT REMOVE <self>: asking the new leader */
    int remove_self_attempts;
    int removed;                   /* told by the leader (RAFT REMOVED) or marker file */
    uint64_t close_deadline;       /* uv_now ms: stop waiting for an install to end */

    uint64_t id;
    char node_id[41];
    char host[MEMBER_HOST_MAX + 1];   /* announced host (client and bus) */
    int bus_port;
    char address[MEMBER_HOST_MAX + 8];/* host:bus_port, the raft address */
    char bind_address[MEMBER_HOST_MAX + 8];

    int was_leader;                /* as last told to replicate_role_changed */
    int ever_member;
    uint64_t last_leader_logged;
    int last_state_logged;

    uint64_t announce_next;        /* uv_now ms */
    rpc *announce_rpc;

    char join_host[MEMBER_HOST_MAX + 1];
    int join_port;
    int joining;
    uint64_t join_backoff;
    rpc *join_rpc;
    int join_failures;

    op_state op;
    rpc *rpcs;
    deferred *defer_head, *defer_tail;
} N;

static uint64_t now_ms(void)
{
    return N.s && N.s->loop ? (uint64_t)uv_now(N.s->loop) : 0;
}

/* This node's Raft role, or -1 when it is not in the configuration -- including when
 * the leader told it that it was removed: a removed follower never learns it from
 * Raft (the leader stops replicating to it before the entry that removes it). */
static int my_role(void)
{
    return N.removed ? -1 : raft_role(&N.raft);
}

static void free_rpc_timer(uv_handle_t *h)
{
    rd_free(h->data);
}

static void rpc_finish(rpc *r, const resp_reply *reply, const char *err)
{
    if (r->finished)
        return;
    r->finished = 1;
    if (r->prev)
        r->prev->next = r->next;
    else
        N.rpcs = r->next;
    if (r->next)
        r->next->prev = r->prev;
    r->cb(r->arg, reply, err);
    /* Closing may fire this rpc's pending reply callback again with "connection
     * closed": `finished` makes that a no-op. The struct lives until the timer's close
     * callback, after everything else. */
    resp_client_close(r->rc);
    uv_timer_stop(&r->timer);
    uv_close((uv_handle_t *)&r->timer, free_rpc_timer);
}

static void rpc_reply_cb(resp_client *c, resp_reply *reply, const char *err, void *privdata)
{
    (void)c;
    rpc_finish(privdata, reply, err);
    resp_reply_free(reply);
}

static void rpc_timeout_cb(uv_timer_t *t)
{
    rpc_finish(t->data, NULL, "timed out");
}

/* Connects to host:port (AUTH masterauth if set), sends argv, reports the reply (or
 * err) once through cb -- never from inside this call. NULL if the command could not
 * even be queued (then cb is never called). */
static rpc *rpc_start(const char *host, int port, const char *client_name, int argc,
                      const rd_arg *argv, uint64_t timeout_ms, rpc_cb *cb, void *arg)
{
    resp_client_options o;
    resp_client_options_init(&o);
    o.host = host;
    o.port = port;
    o.connect_timeout_ms = RPC_CONNECT_TIMEOUT_MS;
    const char *pass = N.s->cfg.masterauth;
    o.password = (pass && pass[0]) ? pass : NULL;
    o.client_name = client_name;
    rpc *r = rd_calloc(1, sizeof *r);
    r->cb = cb;
    r->arg = arg;
    r->rc = resp_client_connect(N.s->loop, &o);
    if (resp_client_command_argv(r->rc, argc, argv, rpc_reply_cb, r) != 0) {
        resp_client_close(r->rc);
        rd_free(r);
        return NULL;
    }
    uv_timer_init(N.s->loop, &r->timer);
    r->timer.data = r;
    uv_timer_start(&r->timer, rpc_timeout_cb, timeout_ms, 0);
    r->next = N.rpcs;
    if (N.rpcs)
        N.rpcs->prev = r;
    N.rpcs = r;
    return r;
}

static void rpc_cancel_all(void)
{
    while (N.rpcs)
        rpc_finish(N.rpcs, NULL, "node shutting down");
}

/* "host:port" -> parts. The host may not contain spaces; port 1..65535. */
static int split_host_port(const char *s, size_t len, char *host, size_t hostcap, int *port)
{
    const char *colon = NULL;
    for (size_t i = 0; i < len; i++)
        if (s[i] == ':')
            colon = s + i;
    if (!colon || colon == s)
        return -1;
    size_t hlen = (size_t)(colon - s);
    long long p;
    if (hlen >= hostcap || !rd_str2ll(colon + 1, len - hlen - 1, &p) || p < 1 || p > 65535)
        return -1;
    for (size_t i = 0; i < hlen; i++)
        if ((unsigned char)s[i] <= ' ' || s[i] == ',' || s[i] == '@')
            return -1;
    memcpy(host, s, hlen);
    host[hlen] = '\0';
    *port = (int)p;
    return 0;
}

/* ---- deferred callbacks -------------------------------------------------------------- */

static void run_deferred(void)
{
    while (N.defer_head) {
        deferred *d = N.defer_head;
        N.defer_head = d->next;
        if (!N.defer_head)
            N.defer_tail = NULL;
        d->cb(d->arg, d->status, d->msg);
        rd_free(d->msg);
        rd_free(d);
    }
}

static void defer_timer_cb(uv_timer_t *t)
{
    (void)t;
    run_deferred();
}

static void defer_done(raft_node_done_cb *cb, void *arg, int status, const char *msg)
{
    if (!cb)
        return;
    deferred *d = rd_calloc(1, sizeof *d);
    d->cb = cb;
    d->arg = arg;
    d->status = status;
    d->msg = msg ? rd_strndup(msg, strlen(msg)) : NULL;
    if (N.defer_tail)
        N.defer_tail->next = d;
    else
        N.defer_head = d;
    N.defer_tail = d;
    if (N.handles_open && !uv_is_closing((uv_handle_t *)&N.defer_timer))
        uv_timer_start(&N.defer_timer, defer_timer_cb, 0, 0);
}

/* ---- identity ------------------------------------------------------------------------ */

static int write_identity(void)
{
    char buf[256];
    int n = snprintf(buf, sizeof buf,
                     "# redraft node identity: written once, never edit (Raft state depends on it)\n"
                     "node-id %s\nraft-id %llu\n",
                     N.node_id, (unsigned long long)N.id);
    return fs_write_file_atomic(NODE_ID_FILE, buf, (size_t)n, 0644);
}

static int valid_hex40(const char *p)
{
    for (int i = 0; i < 40; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
            return 0;
    return p[40] == '\0';
}

/* 0 = loaded, 1 = no file, -1 = unreadable or malformed (logged). */
static int read_identity(char *node_id, uint64_t *raft_id)
{
    FILE *fp = fopen(NODE_ID_FILE, "r");
    if (!fp) {
        if (errno == ENOENT)
            return 1;
        server_log(LL_WARNING, "Can't read %s: %s", NODE_ID_FILE, strerror(errno));
        return -1;
    }
    char line[512];
    int have_node = 0, have_raft = 0, bad = 0;
    while (fgets(line, sizeof line, fp)) {
        size_t len = strcspn(line, "\r\n");
        line[len] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (strncmp(line, "node-id ", 8) == 0 && valid_hex40(line + 8)) {
            memcpy(node_id, line + 8, 41);
            have_node = 1;
        } else if (strncmp(line, "raft-id ", 8) == 0) {
            unsigned long long v;
            if (!rd_str2ull(line + 8, strlen(line + 8), &v) || v == 0)
                bad = 1;
            *raft_id = v;
            have_raft = 1;
        } else {
            bad = 1;
        }
    }
    fclose(fp);
    if (bad || !have_node || !have_raft) {
        server_log(LL_WARNING, "%s in '%s' is malformed: refusing to start (restore it, or wipe the "
                               "whole data dir to start as a new member)",
                   NODE_ID_FILE, N.s->cfg.dir ? N.s->cfg.dir : ".");
        return -1;
    }
    return 0;
}

static uint64_t random_raft_id(void)
{
    uint64_t v = 0;
    while (v == 0) {
        randombytes_buf(&v, sizeof v);
        v &= 0x7fffffffffffffffULL; /* 63 bits: prints the same signed or unsigned */
    }
    return v;
}

static int raft_dir_has_state(void)
{
    struct stat st;
    return stat(RAFT_SUBDIR "/metadata1", &st) == 0 || stat(RAFT_SUBDIR "/metadata2", &st) == 0;
}

static int load_identity(void)
{
    uint64_t cfg_id = N.s->cfg.raft_id;
    uint64_t id = 0;
    char nid[41] = {0};
    int rc = read_identity(nid, &id);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        if (cfg_id != 0 && cfg_id != id) {
            server_log(LL_WARNING, "raft-id %llu conflicts with the Raft id %llu persisted in %s: "
                                   "refusing to start (this data dir belongs to member %llu)",
                       (unsigned long long)cfg_id, (unsigned long long)id, NODE_ID_FILE,
                       (unsigned long long)id);
            return -1;
        }
        N.id = id;
        memcpy(N.node_id, nid, sizeof N.node_id);
        return 0;
    }
    /* No identity yet. Raft state without one means the file was lost: a new random id
     * over an old log would be a different member with another one's votes. */
    if (cfg_id == 0 && raft_dir_has_state()) {
        server_log(LL_WARNING, "%s is missing but %s/ holds Raft state: refusing to start "
                               "(set raft-id to the member's id, or wipe the data dir)",
                   NODE_ID_FILE, RAFT_SUBDIR);
        return -1;
    }
    unsigned char bin[20];
    randombytes_buf(bin, sizeof bin);
    sodium_bin2hex(N.node_id, sizeof N.node_id, bin, sizeof bin);
    N.id = cfg_id ? cfg_id : random_raft_id();
    if (write_identity() != 0) {
        server_log(LL_WARNING, "Can't write %s: %s", NODE_ID_FILE, strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- addresses ----------------------------------------------------------------------- */

static int is_wildcard(const char *b)
{
    return strcmp(b, "*") == 0 || strcmp(b, "::*") == 0 || strcmp(b, "0.0.0.0") == 0 ||
           strcmp(b, "::") == 0;
}

/* The first bind address usable as an IPv4/host name in "host:port" (raft_uv_tcp is
 * IPv4 only, and an IPv6 literal would make the address ambiguous), or NULL. */
static const char *first_specific_bind(int *any_wildcard)
{
    const server_config *cfg = &N.s->cfg;
    const char *found = NULL;
    *any_wildcard = cfg->bind_count == 0; /* default "* -::*" */
    for (int i = 0; i < cfg->bind_count; i++) {
        const char *b = cfg->bind[i];
        if (b[0] == '-')
            b++;
        if (is_wildcard(b)) {
            *any_wildcard = 1;
            continue;
        }
        if (!found && !strchr(b, ':') && b[0])
            found = b;
    }
    return found;
}

static int setup_addresses(void)
{
    const server_config *cfg = &N.s->cfg;
    int bus = cfg->cluster_port ? cfg->cluster_port : cfg->port + 10000;
    if (bus < 1 || bus > 65535) {
        server_log(LL_WARNING, "The Raft bus port (port + 10000 = %d) is out of range: set "
                               "cluster-port",
                   bus);
        return -1;
    }
    N.bus_port = bus;
    int any_wildcard = 0;
    const char *bind = first_specific_bind(&any_wildcard);
    const char *host = (cfg->cluster_announce_ip && cfg->cluster_announce_ip[0])
                           ? cfg->cluster_announce_ip
                           : (bind ? bind : "127.0.0.1");
    if (strlen(host) > MEMBER_HOST_MAX || strchr(host, ' ')) {
        server_log(LL_WARNING, "Invalid announce host '%s'", host);
        return -1;
    }
    snprintf(N.host, sizeof N.host, "%s", host);
    snprintf(N.address, sizeof N.address, "%s:%d", N.host, bus);
    snprintf(N.bind_address, sizeof N.bind_address, "%s:%d",
             (any_wildcard || !bind) ? "0.0.0.0" : bind, bus);
    return 0;
}

/* ---- forming a shard ----------------------------------------------------------------- */

/* "id@host:port,id@host:port,..." -> conf. Returns 0 or -1 (logged). *mine is set to
 * the index of this node's entry or -1. */
static int parse_bootstrap(const char *spec, struct raft_configuration *conf, int *mine)
{
    *mine = -1;
    const char *p = spec;
    int n = 0;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        const char *end = p;
        while (*end && *end != ',' && *end != ' ')
            end++;
        const char *at = memchr(p, '@', (size_t)(end - p));
        unsigned long long id;
        char host[MEMBER_HOST_MAX + 1];
        int port;
        if (!at || !rd_str2ull(p, (size_t)(at - p), &id) || id == 0 ||
            split_host_port(at + 1, (size_t)(end - at - 1), host, sizeof host, &port) != 0) {
            server_log(LL_WARNING, "raft-bootstrap: bad member '%.*s' (want id@host:busport)",
                       (int)(end - p), p);
            return -1;
        }
        char addr[MEMBER_HOST_MAX + 8];
        snprintf(addr, sizeof addr, "%s:%d", host, port);
        int rv = raft_configuration_add(conf, id, addr, RAFT_VOTER);
        if (rv != 0) {
            server_log(LL_WARNING, "raft-bootstrap: member '%.*s': %s", (int)(end - p), p,
                       raft_strerror(rv));
            return -1;
        }
        if (id == N.id) {
            *mine = n;
            if (port != N.bus_port) {
                server_log(LL_WARNING, "raft-bootstrap lists this node (%llu) with bus port %d but "
                                       "it listens on %d (cluster-port / port + 10000)",
                           id, port, N.bus_port);
                return -1;
            }
            if (strcmp(host, N.host) != 0)
                server_log(LL_WARNING, "raft-bootstrap lists this node as %s, it announces %s",
                           addr, N.address);
        }
        n++;
        p = end;
    }
    if (n == 0) {
        server_log(LL_WARNING, "raft-bootstrap: no members");
        return -1;
    }
    return 0;
}

static int bootstrap(void)
{
    const server_config *cfg = &N.s->cfg;
    int has_boot = cfg->raft_bootstrap && cfg->raft_bootstrap[0];
    int has_join = cfg->raft_join && cfg->raft_join[0];
    if (has_boot && has_join) {
        server_log(LL_WARNING, "raft-bootstrap and raft-join are mutually exclusive");
        return -1;
    }
    if (has_join) {
        if (split_host_port(cfg->raft_join, strlen(cfg->raft_join), N.join_host,
                            sizeof N.join_host, &N.join_port) != 0) {
            server_log(LL_WARNING, "raft-join: bad address '%s' (want host:port of a member's "
                                   "client port)",
                       cfg->raft_join);
            return -1;
        }
        return 0; /* a joining node never bootstraps */
    }
    if (cfg->raft_spare) {
        /* A spare waits, with an empty configuration, for a shard's leader (a sentinel's
         * repair) to RAFT ADD it; bootstrapping a shard of itself would make it useless. */
        if (has_boot) {
            server_log(LL_WARNING, "raft-spare and raft-bootstrap are mutually exclusive");
            return -1;
        }
        server_log(LL_NOTICE, "Raft: spare node (raft-spare yes): waiting to be added with RAFT ADD");
        return 0;
    }
    struct raft_configuration conf;
    raft_configuration_init(&conf);
    int mine = -1;
    if (has_boot) {
        if (parse_bootstrap(cfg->raft_bootstrap, &conf, &mine) != 0) {
            raft_configuration_close(&conf);
            return -1;
        }
        if (mine < 0) {
            server_log(LL_WARNING, "raft-bootstrap does not list this node's raft id %llu: not "
                                   "bootstrapping (waiting to be added with RAFT ADD)",
                       (unsigned long long)N.id);
            raft_configuration_close(&conf);
            return 0;
        }
    } else {
        int rv = raft_configuration_add(&conf, N.id, N.address, RAFT_VOTER);
        if (rv != 0) {
            server_log(LL_WARNING, "Raft configuration: %s", raft_strerror(rv));
            raft_configuration_close(&conf);
            return -1;
        }
    }
    int rv = raft_bootstrap(&N.raft, &conf);
    raft_configuration_close(&conf);
    if (rv == RAFT_CANTBOOTSTRAP)
        return 0; /* already initialised: a restart */
    if (rv != 0) {
        server_log(LL_WARNING, "Raft bootstrap failed: %s", raft_errmsg(&N.raft));
        return -1;
    }
    server_log(LL_NOTICE, "Raft: bootstrapped a new shard (%s)",
               has_boot ? cfg->raft_bootstrap : "single voter");
    return 0;
}

static const struct raft_server *config_find(uint64_t id)
{
    const struct raft_configuration *c = &N.raft.configuration;
    for (unsigned i = 0; i < c->n; i++)
        if (c->servers[i].id == id)
            return &c->servers[i];
    return NULL;
}

static const char *role_arg(int role)
{
    return role == RAFT_VOTER ? "VOTER" : role == RAFT_STANDBY ? "STANDBY" : "SPARE";
}

static void join_schedule(void);

static void join_reply(void *arg, const resp_reply *reply, const char *err)
{
    (void)arg;
    N.join_rpc = NULL;
    if (!N.joining)
        return;
    if (!err && reply && !resp_reply_is_error(reply)) {
        server_log(LL_NOTICE, "Raft: joined the shard through %s:%d as raft id %llu", N.join_host,
                   N.join_port, (unsigned long long)N.id);
        N.joining = 0;
        uv_timer_stop(&N.join_timer);
        return;
    }
    N.join_failures++;
    /* The first failures are expected (peer still starting, no leader yet): say it
     * once, then only every tenth time. */
    if (N.join_failures == 1 || N.join_failures % 10 == 0)
        server_log(LL_WARNING, "Raft: join through %s:%d failed (%s), retrying", N.join_host,
                   N.join_port, err ? err : (reply && reply->str ? reply->str : "?"));
    join_schedule();
}

static void join_attempt(uv_timer_t *t)
{
    (void)t;
    if (!N.joining || N.join_rpc || !N.running)
        return;
    if (config_find(N.id)) {
        N.joining = 0; /* already in the configuration (e.g. restarted after joining) */
        return;
    }
    char idbuf[24];
    snprintf(idbuf, sizeof idbuf, "%llu", (unsigned long long)N.id);
    rd_arg argv[5] = {{"RAFT", 4}, {"ADD", 3}, {idbuf, strlen(idbuf)}, {N.address, strlen(N.address)},
                      {"VOTER", 5}};
    N.join_rpc = rpc_start(N.join_host, N.join_port, NULL, 5, argv, JOIN_TIMEOUT_MS, join_reply, NULL);
    if (!N.join_rpc)
        join_schedule();
}

static void join_schedule(void)
{
    if (!N.joining || N.closing)
        return;
    uint64_t d = N.join_backoff;
    N.join_backoff = N.join_backoff * 2 > JOIN_BACKOFF_MAX_MS ? JOIN_BACKOFF_MAX_MS : N.join_backoff * 2;
    uv_timer_start(&N.join_timer, join_attempt, d, 0);
}

/* ---- the per-iteration poll ---------------------------------------------------------- */

static void announce_reply(void *arg, const resp_reply *reply, const char *err)
{
    (void)arg;
    N.announce_rpc = NULL;
    if (err || !reply || resp_reply_is_error(reply))
        server_log(LL_VERBOSE, "Raft: announce to the leader failed: %s",
                   err ? err : (reply && reply->str ? reply->str : "?"));
}

static int my_record_current(void)
{
    const member *m = members_find(N.id);
    return m && strcmp(m->node_id, N.node_id) == 0 && strcmp(m->host, N.host) == 0 &&
           m->port == N.s->cfg.port && m->bus_port == N.bus_port;
}

/* Makes sure the member table holds this node's current record: the leader proposes
 * it, a follower asks the leader (whose own record it must already know). */
static void announce_tick(int is_leader, uint64_t leader_id)
{
    if (N.closing || N.s->cfg.port <= 0 || my_record_current())
        return;
    uint64_t now = now_ms();
    if (now < N.announce_next || N.announce_rpc)
        return;
    char id[24], port[16], bus[16];
    snprintf(id, sizeof id, "%llu", (unsigned long long)N.id);
    snprintf(port, sizeof port, "%d", N.s->cfg.port);
    snprintf(bus, sizeof bus, "%d", N.bus_port);
    if (is_leader) {
        rd_arg argv[6] = {{"member-set", 10}, {id, strlen(id)}, {N.node_id, 40},
                          {N.host, strlen(N.host)}, {port, strlen(port)}, {bus, strlen(bus)}};
        if (replicate_propose_internal(N.s, REPL_CMD_INTERNAL, 0, 6, argv) == 0)
            N.announce_next = now + ANNOUNCE_RETRY_MS;
        return;
    }
    const member *lm = leader_id ? members_find(leader_id) : NULL;
    if (!lm)
        return; /* the leader proposes its own record first; wait for it */
    rd_arg argv[7] = {{"RAFT", 4}, {"ANNOUNCE", 8}, {id, strlen(id)}, {N.node_id, 40},
                      {N.host, strlen(N.host)}, {port, strlen(port)}, {bus, strlen(bus)}};
    N.announce_next = now + ANNOUNCE_RETRY_MS;
    N.announce_rpc = rpc_start(lm->host, lm->port, RAFT_FORWARD_CLIENT_NAME, 7, argv,
                               ANNOUNCE_RETRY_MS * 5, announce_reply, NULL);
}

static void op_finish(int status, const char *msg);

static void poll_state(void)
{
    if (!N.running)
        return;
    struct raft *r = &N.raft;
    int role = my_role();
    if (role >= 0)
        N.ever_member = 1;
    int st = raft_state(r);
    int is_leader = st == RAFT_LEADER && role >= 0;
    raft_id lid = 0;
    const char *laddr = NULL;
    raft_leader(r, &lid, &laddr);
    if (role < 0)
        lid = 0;

    if (is_leader != N.was_leader) {
        int was = N.was_leader;
        /* A transfer we started succeeded: report it before replicate disconnects the
         * clients of a demoted leader, so the requester still gets its reply (raft's
         * own transfer callback fires later). */
        if (!is_leader && N.op.kind == OP_TRANSFER && N.op.phase == PH_TRANSFERRING) {
            op_finish(0, NULL);
            if (!N.running)
                return; /* it was the transfer before stopping: begin_close ran */
        }
        N.was_leader = is_leader;
        if (is_leader) {
            server_log(LL_NOTICE, "Raft: this node is now the leader (term %llu)",
                       (unsigned long long)raft_current_term(r));
            N.announce_next = 0; /* propose our own record at once */
        } else {
            server_log(LL_NOTICE, "Raft: this node is no longer the leader (term %llu)",
                       (unsigned long long)raft_current_term(r));
        }
        replicate_role_changed(N.s, was, is_leader);
    }
    if (lid != N.last_leader_logged) {
        if (lid && lid != N.id)
            server_log(LL_NOTICE, "Raft: leader is %llu at %s", (unsigned long long)lid,
                       laddr ? laddr : "?");
        else if (!lid)
            server_log(LL_VERBOSE, "Raft: no leader known");
        N.last_leader_logged = lid;
        N.announce_next = 0;
    }
    int ns = raft_node_state();
    if (ns != N.last_state_logged) {
        if (ns == RAFT_NODE_UNAVAILABLE && N.ever_member)
            server_log(LL_WARNING, "Raft: this node is not in the shard's configuration (removed): "
                                   "it no longer serves");
        N.last_state_logged = ns;
    }
    if (role >= 0)
        announce_tick(is_leader, lid);
}

static void poll_cb(uv_prepare_t *p)
{
    (void)p;
    poll_state();
}

/* ---- membership operations ----------------------------------------------------------- */

static void op_tick(uv_timer_t *t);

static void op_finish(int status, const char *msg)
{
    op_state *o = &N.op;
    raft_node_done_cb *cb = o->cb;
    void *arg = o->arg;
    if (o->held) {
        replicate_hold(0);
        o->held = 0;
    }
    if (N.handles_open)
        uv_timer_stop(&N.op_timer);
    o->kind = OP_NONE;
    o->phase = PH_IDLE;
    o->cb = NULL;
    if (cb)
        cb(arg, status, msg);
}

static void op_finish_raft_error(const char *what, int rv)
{
    char msg[256];
    if (rv == RAFT_LEADERSHIPLOST)
        snprintf(msg, sizeof msg, "ERR leadership lost during %s: outcome unknown, check RAFT MEMBERS",
                 what);
    else if (rv == RAFT_CANTCHANGE)
        snprintf(msg, sizeof msg, "ERR a configuration change is already in progress, try again");
    else if (rv == RAFT_NOTLEADER)
        snprintf(msg, sizeof msg, "ERR this node is no longer the leader");
    else
        snprintf(msg, sizeof msg, "ERR %s failed: %s", what, raft_strerror(rv));
    op_finish(-1, msg);
}

static int leader_now(void)
{
    return N.running && raft_state(&N.raft) == RAFT_LEADER && my_role() >= 0;
}

static void op_advance(void);

static void removed_note_reply(void *arg, const resp_reply *reply, const char *err)
{
    (void)arg;
    if (err || !reply || resp_reply_is_error(reply))
        server_log(LL_WARNING, "Raft: telling the removed node failed (%s): it may keep serving "
                               "stale reads until stopped",
                   err ? err : (reply && reply->str ? reply->str : "?"));
}

static void change_cb(struct raft_change *req, int status)
{
    (void)req;
    if (N.op.kind == OP_NONE)
        return;
    if (status != 0) {
        op_finish_raft_error(N.op.kind == OP_REMOVE ? "the removal" : "the membership change", status);
        return;
    }
    if (N.op.kind == OP_REMOVE) {
        char id[24];
        snprintf(id, sizeof id, "%llu", (unsigned long long)N.op.target);
        const member *m = members_find(N.op.target);
        if (m) {
            /* Tell the removed node, which Raft never will, so that it stops serving. */
            rd_arg note[4] = {{"RAFT", 4}, {"REMOVED", 7}, {id, strlen(id)}, {m->node_id, 40}};
            rpc_start(m->host, m->port, RAFT_FORWARD_CLIENT_NAME, 4, note, RPC_CONNECT_TIMEOUT_MS * 2,
                      removed_note_reply, NULL);
        }
        rd_arg argv[2] = {{"member-del", 10}, {id, strlen(id)}};
        if (leader_now())
            replicate_propose_internal(N.s, REPL_CMD_INTERNAL, 0, 2, argv);
        op_finish(0, NULL);
        return;
    }
    N.op.phase = PH_IDLE;
    op_advance();
}

/* OP_CHANGE: one step from the target's current role towards want_role. */
static void op_advance(void)
{
    op_state *o = &N.op;
    if (!leader_now()) {
        op_finish(-1, "ERR this node is no longer the leader");
        return;
    }
    const struct raft_server *srv = config_find(o->target);
    if (!srv && !o->address[0]) {
        op_finish(-1, "ERR no such member in the configuration"); /* removed meanwhile */
        return;
    }
    if (!srv) {
        /* Not yet in the configuration: add it (as a spare). */
        o->phase = PH_RAFT_CALL;
        int rv = raft_add(&N.raft, &o->change, o->target, o->address, change_cb);
        if (rv != 0) {
            o->phase = PH_IDLE;
            op_finish_raft_error("adding the node", rv);
        }
        return;
    }
    int cur = srv->role;
    if (cur == o->want_role) {
        op_finish(0, NULL);
        return;
    }
    int next = o->want_role;
    if (o->want_role == RAFT_VOTER) {
        if (cur == RAFT_SPARE) {
            next = RAFT_STANDBY; /* it starts receiving the log */
        } else if (o->phase != PH_CATCHUP) {
            /* A standby: promote only once it holds what exists now, so the voter set
             * never waits on a member that is still far behind. */
            o->phase = PH_CATCHUP;
            o->goal = raft_last_index(&N.raft);
            o->deadline = now_ms() + CATCHUP_TIMEOUT_MS;
            uv_timer_start(&N.op_timer, op_tick, OP_TICK_MS * 10, OP_TICK_MS * 10);
            return;
        }
    }
    o->phase = PH_RAFT_CALL;
    int rv = raft_assign(&N.raft, &o->change, o->target, next, change_cb);
    if (rv != 0) {
        o->phase = PH_IDLE;
        op_finish_raft_error("the role change", rv);
    }
}

static void transfer_cb(struct raft_transfer *req);

/* Transfer: called on every tick while draining. */
static void transfer_try(void)
{
    op_state *o = &N.op;
    struct raft *r = &N.raft;
    if (!leader_now()) {
        raft_id lid = 0;
        const char *addr;
        raft_leader(r, &lid, &addr);
        /* Someone else leads now: the goal (leadership gone from here) is met, e.g. a
         * concurrent election; report it as done only if it is the target. */
        if (lid == o->target)
            op_finish(0, NULL);
        else
            op_finish(-1, "ERR leadership changed during the transfer");
        return;
    }
    raft_index last = raft_last_index(r);
    raft_index match = 0;
    if (raft_match_index(r, o->target, &match) != 0)
        match = 0;
    /* Nothing proposed is left unapplied (the held batch is not proposed, not counted). */
    int ready = !transfer_req_busy && replicate_inflight() == 0 && r->last_stored == last &&
                match == last;
    if (!ready) {
        if (now_ms() >= o->deadline) {
            char msg[200];
            snprintf(msg, sizeof msg,
                     "ERR timeout waiting for node %llu to catch up before the transfer "
                     "(match index %llu of %llu, %d entries in flight)",
                     (unsigned long long)o->target, (unsigned long long)match,
                     (unsigned long long)last, replicate_inflight());
            op_finish(-1, msg);
        }
        return;
    }
    /* The timer keeps ticking: it bounds the transfer itself too (op_tick). */
    o->phase = PH_TRANSFERRING;
    o->deadline = now_ms() + (uint64_t)N.s->cfg.raft_election_timeout * 3;
    o->attempts++;
    transfer_req_busy = 1;
    int rv = raft_transfer(r, &transfer_req, o->target, transfer_cb);
    if (rv != 0) {
        transfer_req_busy = 0;
        o->phase = PH_IDLE;
        op_finish_raft_error("the leadership transfer", rv);
    }
}

static void transfer_cb(struct raft_transfer *req)
{
    (void)req;
    transfer_req_busy = 0;
    op_state *o = &N.op;
    if (o->kind != OP_TRANSFER || o->phase != PH_TRANSFERRING)
        return; /* already reported (leadership seen gone), or cancelled */
    /* raft_transfer_cb carries no status: did leadership move? */
    if (raft_state(&N.raft) != RAFT_LEADER) {
        op_finish(0, NULL);
        return;
    }
    if (o->attempts < 2 && !N.closing && !N.stop_requested) {
        o->phase = PH_DRAIN;
        o->deadline = now_ms() + TRANSFER_WAIT_MS;
        return;
    }
    char msg[128];
    snprintf(msg, sizeof msg, "ERR leadership transfer to node %llu did not happen",
             (unsigned long long)o->target);
    op_finish(-1, msg);
}

static void op_tick(uv_timer_t *t)
{
    (void)t;
    op_state *o = &N.op;
    if (o->phase == PH_DRAIN) {
        transfer_try();
    } else if (o->phase == PH_TRANSFERRING) {
        /* raft gives up after about an election timeout and calls transfer_cb; this is
         * only a backstop (its callback may come late or, on close, never matter). */
        if (now_ms() >= o->deadline)
            op_finish(-1, "ERR the leadership transfer timed out");
    } else if (o->phase == PH_CATCHUP) {
        raft_index match = 0;
        if (!leader_now()) {
            op_finish(-1, "ERR this node is no longer the leader");
        } else if (raft_match_index(&N.raft, o->target, &match) == 0 && match >= o->goal) {
            uv_timer_stop(&N.op_timer);
            op_advance(); /* phase is still PH_CATCHUP: goes on to the promotion */
        } else if (now_ms() >= o->deadline) {
            char msg[160];
            snprintf(msg, sizeof msg, "ERR timeout waiting for node %llu to catch up (match index "
                                      "%llu of %llu); it stays a standby",
                     (unsigned long long)o->target, (unsigned long long)match,
                     (unsigned long long)o->goal);
            op_finish(-1, msg);
        }
    }
}

/* Common checks before an operation. Returns 1 = go ahead on this leader, 0 = the
 * caller forwards to the leader, -1 = failed (callback deferred). */
static int op_precheck(raft_node_done_cb *cb, void *arg)
{
    if (!N.running || N.closing) {
        defer_done(cb, arg, -1, "ERR Raft is not running on this node");
        return -1;
    }
    if (my_role() < 0) {
        defer_done(cb, arg, -1, "ERR this node is not a member of a shard");
        return -1;
    }
    if (!leader_now())
        return 0;
    if (N.op.kind != OP_NONE) {
        defer_done(cb, arg, -1, "ERR a membership change or leadership transfer is already in progress");
        return -1;
    }
    return 1;
}

typedef struct forward_req {
    raft_node_done_cb *cb;
    void *arg;
} forward_req;

static void forward_reply(void *arg, const resp_reply *reply, const char *err)
{
    forward_req *f = arg;
    if (err || !reply) {
        char msg[256];
        snprintf(msg, sizeof msg, "ERR forwarding to the leader failed: %s", err ? err : "no reply");
        f->cb(f->arg, -1, msg);
    } else if (resp_reply_is_error(reply)) {
        f->cb(f->arg, -1, reply->str ? reply->str : "ERR");
    } else {
        f->cb(f->arg, 0, NULL);
    }
    rd_free(f);
}

/* Sends the request to the leader's client port and relays the outcome. */
static int forward_to_leader(int argc, const rd_arg *argv, raft_node_done_cb *cb, void *arg)
{
    raft_id lid = 0;
    const char *addr;
    raft_leader(&N.raft, &lid, &addr);
    const member *lm = (lid && lid != N.id) ? members_find(lid) : NULL;
    if (!lm) {
        defer_done(cb, arg, -1, lid ? "TRYAGAIN the leader's address is not known yet, try again later"
                                    : "TRYAGAIN no Raft leader is known, try again later");
        return -1;
    }
    forward_req *f = rd_calloc(1, sizeof *f);
    f->cb = cb;
    f->arg = arg;
    if (!rpc_start(lm->host, lm->port, RAFT_FORWARD_CLIENT_NAME, argc, argv, FORWARD_TIMEOUT_MS,
                   forward_reply, f)) {
        rd_free(f);
        defer_done(cb, arg, -1, "ERR can't forward the request to the leader");
        return -1;
    }
    return 0;
}

static int valid_role(int role)
{
    return role == RAFT_VOTER || role == RAFT_STANDBY || role == RAFT_SPARE;
}

static int start_change(uint64_t raft_id, const char *raft_address, int role, raft_node_done_cb *cb,
                        void *arg)
{
    op_state *o = &N.op;
    memset(o, 0, sizeof *o);
    o->kind = OP_CHANGE;
    o->target = raft_id;
    o->want_role = role;
    snprintf(o->address, sizeof o->address, "%s", raft_address ? raft_address : "");
    o->cb = cb;
    o->arg = arg;
    op_advance();
    return 0;
}

int raft_node_add(uint64_t raft_id, const char *raft_address, int role, raft_node_done_cb *cb, void *arg)
{
    char host[MEMBER_HOST_MAX + 1];
    int port;
    if (raft_id == 0 || !raft_address ||
        split_host_port(raft_address, strlen(raft_address), host, sizeof host, &port) != 0) {
        defer_done(cb, arg, -1, "ERR invalid raft id or address (want <raft-id> <host:busport>)");
        return -1;
    }
    if (!valid_role(role)) {
        defer_done(cb, arg, -1, "ERR invalid role");
        return -1;
    }
    int pc = op_precheck(cb, arg);
    if (pc < 0)
        return -1;
    if (pc == 0) {
        char id[24];
        snprintf(id, sizeof id, "%llu", (unsigned long long)raft_id);
        const char *r = role_arg(role);
        rd_arg argv[5] = {{"RAFT", 4}, {"ADD", 3}, {id, strlen(id)},
                          {raft_address, strlen(raft_address)}, {r, strlen(r)}};
        return forward_to_leader(5, argv, cb, arg);
    }
    const struct raft_server *srv = config_find(raft_id);
    if (srv && strcmp(srv->address, raft_address) != 0) {
        char msg[MEMBER_HOST_MAX + 128];
        snprintf(msg, sizeof msg, "ERR node %llu is already a member with address %s",
                 (unsigned long long)raft_id, srv->address);
        defer_done(cb, arg, -1, msg);
        return -1;
    }
    /* Present with the same address: adding again is a role change (or nothing), so a
     * joining node may safely retry RAFT ADD after any failure. */
    return start_change(raft_id, raft_address, role, cb, arg);
}

int raft_node_assign(uint64_t raft_id, int role, raft_node_done_cb *cb, void *arg)
{
    if (!valid_role(role)) {
        defer_done(cb, arg, -1, "ERR invalid role");
        return -1;
    }
    int pc = op_precheck(cb, arg);
    if (pc < 0)
        return -1;
    if (pc == 0) {
        char id[24];
        snprintf(id, sizeof id, "%llu", (unsigned long long)raft_id);
        const char *r = role_arg(role);
        rd_arg argv[5] = {{"RAFT", 4}, {"ASSIGN", 6}, {id, strlen(id)}, {r, strlen(r)}};
        return forward_to_leader(4, argv, cb, arg);
    }
    if (!config_find(raft_id)) {
        defer_done(cb, arg, -1, "ERR no such member in the configuration");
        return -1;
    }
    if (raft_id == N.id && role != RAFT_VOTER) {
        defer_done(cb, arg, -1, "ERR can't demote the leader: transfer leadership first (RAFT TRANSFER)");
        return -1;
    }
    return start_change(raft_id, NULL, role, cb, arg);
}

/* The most caught-up voter other than this node, or 0. */
static uint64_t best_voter(raft_index *match_out)
{
    const struct raft_configuration *c = &N.raft.configuration;
    uint64_t best = 0;
    raft_index best_match = 0;
    for (unsigned i = 0; i < c->n; i++) {
        const struct raft_server *srv = &c->servers[i];
        raft_index m = 0;
        if (srv->id == N.id || srv->role != RAFT_VOTER)
            continue;
        if (raft_match_index(&N.raft, srv->id, &m) != 0)
            continue;
        if (!best || m > best_match) {
            best = srv->id;
            best_match = m;
        }
    }
    if (match_out)
        *match_out = best_match;
    return best;
}

static int start_transfer(uint64_t target, uint64_t wait_ms, raft_node_done_cb *cb, void *arg)
{
    op_state *o = &N.op;
    memset(o, 0, sizeof *o);
    o->kind = OP_TRANSFER;
    o->target = target;
    o->cb = cb;
    o->arg = arg;
    o->phase = PH_DRAIN;
    o->deadline = now_ms() + wait_ms;
    replicate_hold(1);
    o->held = 1;
    uv_timer_start(&N.op_timer, op_tick, 0, OP_TICK_MS);
    return 0;
}

int raft_node_transfer(uint64_t raft_id, raft_node_done_cb *cb, void *arg)
{
    int pc = op_precheck(cb, arg);
    if (pc < 0)
        return -1;
    if (pc == 0) {
        /* On a follower: ask the leader (CLUSTER FAILOVER sent to a replica). */
        char id[24];
        snprintf(id, sizeof id, "%llu", (unsigned long long)raft_id);
        rd_arg argv[3] = {{"RAFT", 4}, {"TRANSFER", 8}, {id, strlen(id)}};
        return forward_to_leader(raft_id ? 3 : 2, argv, cb, arg);
    }
    if (raft_id == N.id) {
        defer_done(cb, arg, 0, NULL); /* already the leader */
        return 0;
    }
    if (raft_id == 0) {
        raft_id = best_voter(NULL);
        if (!raft_id) {
            defer_done(cb, arg, -1, "ERR no other voter to transfer leadership to");
            return -1;
        }
    } else {
        const struct raft_server *srv = config_find(raft_id);
        if (!srv || srv->role != RAFT_VOTER) {
            defer_done(cb, arg, -1, "ERR the transfer target is not a voter of this shard");
            return -1;
        }
    }
    return start_transfer(raft_id, TRANSFER_WAIT_MS, cb, arg);
}

typedef struct remove_self {
    raft_node_done_cb *cb;
    void *arg;
    uint64_t id;
} remove_self;

static void remove_self_forwarded(void *arg, int status, const char *msg);

static void remove_self_send(uv_timer_t *t)
{
    (void)t;
    if (N.closing)
        return;
    char id[24];
    snprintf(id, sizeof id, "%llu", (unsigned long long)N.id);
    rd_arg argv[3] = {{"RAFT", 4}, {"REMOVE", 6}, {id, strlen(id)}};
    N.remove_self_attempts++;
    forward_to_leader(3, argv, remove_self_forwarded, NULL);
}

static void remove_self_forwarded(void *arg, int status, const char *msg)
{
    (void)arg;
    if (status == 0) {
        server_log(LL_NOTICE, "Raft: the new leader removed this node from the shard");
        return;
    }
    /* Right after the transfer the new leader may not be known here yet. */
    if (N.remove_self_attempts < REMOVE_SELF_ATTEMPTS && !N.closing && N.handles_open) {
        uv_timer_start(&N.remove_timer, remove_self_send, 200, 0);
        return;
    }
    server_log(LL_WARNING, "Raft: asking the new leader to remove this node failed: %s",
               msg ? msg : "?");
}

/* RAFT REMOVE <self> on the leader: leadership moved; now ask the new leader. */
static void remove_self_transferred(void *arg, int status, const char *msg)
{
    remove_self *rs = arg;
    if (status != 0) {
        rs->cb(rs->arg, status, msg);
        rd_free(rs);
        return;
    }
    /* This node is a follower now and its clients are about to be disconnected (a
     * demoted leader's are): reply now; the new leader removes this node. */
    rs->cb(rs->arg, 0, NULL);
    rd_free(rs);
    N.remove_self_attempts = 0;
    uv_timer_start(&N.remove_timer, remove_self_send, 0, 0);
}

int raft_node_remove(uint64_t raft_id, raft_node_done_cb *cb, void *arg)
{
    int pc = op_precheck(cb, arg);
    if (pc < 0)
        return -1;
    if (pc == 0) {
        char id[24];
        snprintf(id, sizeof id, "%llu", (unsigned long long)raft_id);
        rd_arg argv[3] = {{"RAFT", 4}, {"REMOVE", 6}, {id, strlen(id)}};
        return forward_to_leader(3, argv, cb, arg);
    }
    const struct raft_server *srv = config_find(raft_id);
    if (!srv) {
        if (members_find(raft_id)) {
            /* Only a stale record left: drop it. */
            char id[24];
            snprintf(id, sizeof id, "%llu", (unsigned long long)raft_id);
            rd_arg argv[2] = {{"member-del", 10}, {id, strlen(id)}};
            replicate_propose_internal(N.s, REPL_CMD_INTERNAL, 0, 2, argv);
            defer_done(cb, arg, 0, NULL);
            return 0;
        }
        defer_done(cb, arg, -1, "ERR no such member in the configuration");
        return -1;
    }
    if (raft_id == N.id) {
        /* A leader removing itself leaves the shard leaderless for an election:
         * hand leadership over first, then the new leader removes this node. */
        raft_index m;
        uint64_t to = best_voter(&m);
        if (!to) {
            defer_done(cb, arg, -1, "ERR can't remove the only voter");
            return -1;
        }
        remove_self *rs = rd_calloc(1, sizeof *rs);
        rs->cb = cb;
        rs->arg = arg;
        rs->id = raft_id;
        return start_transfer(to, TRANSFER_WAIT_MS, remove_self_transferred, rs);
    }
    op_state *o = &N.op;
    memset(o, 0, sizeof *o);
    o->kind = OP_REMOVE;
    o->target = raft_id;
    o->cb = cb;
    o->arg = arg;
    o->phase = PH_RAFT_CALL;
    int rv = raft_remove(&N.raft, &o->change, raft_id, change_cb);
    if (rv != 0) {
        o->phase = PH_IDLE;
        o->cb = NULL;
        o->kind = OP_NONE;
        char msg[160];
        if (rv == RAFT_CANTCHANGE)
            snprintf(msg, sizeof msg, "ERR a configuration change is already in progress, try again");
        else
            snprintf(msg, sizeof msg, "ERR the removal failed: %s", raft_strerror(rv));
        defer_done(cb, arg, -1, msg);
        return -1;
    }
    return 0;
}

/* ---- start --------------------------------------------------------------------------- */

/* Releases what a failed start set up before raft_init succeeded (or after raft was
 * closed): nothing listens or connects yet. */
static void close_partial(void)
{
    if (N.io_ready) {
        raft_uv_close(&N.io);
        N.io_ready = 0;
    }
    if (N.transport_ready) {
        rtransport_fini(&N.tr);
        N.transport_ready = 0;
    }
}

static int partial_closed;
static void partial_close_cb(struct raft *r)
{
    (void)r;
    partial_closed = 1;
}

/* After raft_init succeeded but start failed: close raft and pump the loop until it
 * is done, so the process can exit cleanly. */
static void abort_started(void)
{
    partial_closed = 0;
    raft_close(&N.raft, partial_close_cb);
    for (int i = 0; i < 100000 && !partial_closed; i++)
        uv_run(N.s->loop, UV_RUN_NOWAIT);
    N.raft_ready = 0;
    if (partial_closed)
        close_partial();
}

int raft_node_start(server *s)
{
    if (N.s) {
        server_log(LL_WARNING, "raft_node_start called twice");
        return -1;
    }
    memset(&N, 0, sizeof N);
    N.s = s;
    N.last_state_logged = -1;
    if (setup_addresses() != 0)
        return -1;
    if (mkdir(RAFT_SUBDIR, 0755) != 0 && errno != EEXIST) {
        server_log(LL_WARNING, "Can't create the Raft directory '%s': %s", RAFT_SUBDIR, strerror(errno));
        return -1;
    }
    if (load_identity() != 0)
        return -1;
    struct stat rst;
    if (stat(REMOVED_FILE, &rst) == 0) {
        N.removed = 1;
        server_log(LL_WARNING, "Raft: this node was removed from its shard (file '%s'): it does not "
                               "serve; wipe the data dir to add it again as a new member",
                   REMOVED_FILE);
    }

    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) {
        server_log(LL_WARNING, "getcwd: %s", strerror(errno));
        return -1;
    }
    char raftdir[PATH_MAX + 8];
    snprintf(raftdir, sizeof raftdir, "%s/%s", cwd, RAFT_SUBDIR);

    int rv = rtransport_init(&N.tr, s->loop);
    if (rv != 0) {
        server_log(LL_WARNING, "Raft transport: %s", N.tr.base.errmsg);
        return -1;
    }
    N.transport_ready = 1;
    rv = rtransport_set_bind_address(&N.tr, N.bind_address);
    if (rv != 0) {
        server_log(LL_WARNING, "Raft transport bind address %s: %s", N.bind_address, raft_strerror(rv));
        close_partial();
        return -1;
    }
    rv = raft_uv_init(&N.io, s->loop, raftdir, rtransport_base(&N.tr));
    if (rv != 0) {
        server_log(LL_WARNING, "Raft storage in %s: %s", raftdir, N.io.errmsg);
        close_partial();
        return -1;
    }
    N.io_ready = 1;
    unsigned long long seg = s->cfg.raft_segment_size;
    if (seg > 0) {
        if (seg < 64 * 1024)
            seg = 64 * 1024;
        raft_uv_set_segment_size(&N.io, (size_t)seg);
    }
    raft_uv_set_connect_retry_delay(&N.io, CONNECT_RETRY_DELAY_MS);

    memset(&N.fsm, 0, sizeof N.fsm);
    snapshot_fill_fsm(&N.fsm);
    N.fsm.apply = replicate_fsm_apply;
    N.fsm.data = s;
    rv = raft_init(&N.raft, snapshot_wrap_io(&N.io), &N.fsm, N.id, N.address);
    if (rv != 0) {
        server_log(LL_WARNING, "Raft init: %s", raft_errmsg(&N.raft));
        close_partial();
        return -1;
    }
    N.raft_ready = 1;

    /* Tuning (shared/notes/raft.md): pre-vote avoids the second election round, the
     * in-flight limit and a large snapshot threshold keep pipelining going. */
    struct raft *r = &N.raft;
    unsigned et = (unsigned)s->cfg.raft_election_timeout;
    unsigned ht = (unsigned)s->cfg.raft_heartbeat_timeout;
    if (ht >= et) {
        server_log(LL_WARNING, "raft-heartbeat-timeout %u >= raft-election-timeout %u: using %u",
                   ht, et, et / 10 ? et / 10 : 1);
        ht = et / 10 ? et / 10 : 1;
    }
    raft_set_election_timeout(r, et);
    raft_set_heartbeat_timeout(r, ht);
    raft_set_pre_vote(r, true);
    raft_set_max_inflight_entries(r, (unsigned)s->cfg.raft_max_inflight);
    long long th = s->cfg.raft_snapshot_threshold, tr = s->cfg.raft_snapshot_trailing;
    raft_set_snapshot_threshold(r, th > (long long)UINT_MAX ? UINT_MAX : (unsigned)th);
    raft_set_snapshot_trailing(r, tr > (long long)UINT_MAX ? UINT_MAX : (unsigned)tr);
    /* raft_uv refuses writes when a majority reports less than 4 MiB of ready segment
     * space: with small (test) segments that is every write. */
    if (seg > 0 && seg < 8ULL * 1024 * 1024)
        raft_set_capacity_threshold(r, 0);
    {
        unsigned seed;
        randombytes_buf(&seed, sizeof seed);
        raft_seed(r, seed);
    }

    if (bootstrap() != 0) {
        abort_started();
        return -1;
    }
    rv = raft_start(r);
    if (rv != 0) {
        server_log(LL_WARNING, "Raft start: %s", raft_errmsg(r));
        abort_started();
        return -1;
    }
    N.running = 1;

    uv_prepare_init(s->loop, &N.poll);
    uv_prepare_start(&N.poll, poll_cb);
    uv_timer_init(s->loop, &N.op_timer);
    uv_timer_init(s->loop, &N.join_timer);
    uv_timer_init(s->loop, &N.defer_timer);
    uv_timer_init(s->loop, &N.remove_timer);
    N.handles_open = 5;

    server_log(LL_NOTICE, "Raft: node id %s, raft id %llu, address %s (listening on %s), data in %s",
               N.node_id, (unsigned long long)N.id, N.address, N.bind_address, raftdir);
    if (N.join_host[0] && !config_find(N.id)) {
        N.joining = 1;
        N.join_backoff = JOIN_BACKOFF_MIN_MS;
        server_log(LL_NOTICE, "Raft: joining the shard through %s:%d", N.join_host, N.join_port);
        uv_timer_start(&N.join_timer, join_attempt, 0, 0);
    }
    poll_state(); /* a single-voter shard is leader at once */
    return 0;
}

/* ---- stop ---------------------------------------------------------------------------- */

static void handle_closed(uv_handle_t *h)
{
    (void)h;
    if (--N.handles_open > 0)
        return;
    run_deferred();
    void (*done)(server *) = N.stop_done;
    N.stop_done = NULL;
    if (done)
        done(N.s);
}

static void on_raft_closed(struct raft *r)
{
    (void)r;
    raft_uv_close(&N.io);
    N.io_ready = 0;
    rtransport_fini(&N.tr);
    N.transport_ready = 0;
    N.raft_ready = 0;
    members_clear();
    run_deferred();
    uv_close((uv_handle_t *)&N.poll, handle_closed);
    uv_close((uv_handle_t *)&N.op_timer, handle_closed);
    uv_close((uv_handle_t *)&N.join_timer, handle_closed);
    uv_close((uv_handle_t *)&N.defer_timer, handle_closed);
    uv_close((uv_handle_t *)&N.remove_timer, handle_closed);
}

/* raft_close while an InstallSnapshot is being received leaks the message and its
 * configuration inside libraft 0.22.1 (LeakSanitizer, a node stopped right after
 * joining): let a pending install finish first, bounded. */
static int install_in_progress(void)
{
    return N.raft.legacy.snapshot_install || N.raft.legacy.snapshot_pending != NULL;
}

static void close_when_quiet(uv_timer_t *t)
{
    (void)t;
    if (install_in_progress() && now_ms() < N.close_deadline) {
        uv_timer_start(&N.op_timer, close_when_quiet, 5, 0);
        return;
    }
    snapshot_shutdown();
    /* Pending applies and a pending membership change get their callbacks (with
     * LEADERSHIPLOST) from inside raft_close. */
    raft_close(&N.raft, on_raft_closed);
}

static void begin_close(void)
{
    if (N.closing)
        return;
    N.closing = 1;
    N.joining = 0;
    if (N.op.kind != OP_NONE && N.op.phase != PH_RAFT_CALL)
        op_finish(-1, "ERR node shutting down");
    rpc_cancel_all();
    if (N.was_leader) {
        N.was_leader = 0;
        replicate_role_changed(N.s, 1, 0);
    }
    N.running = 0;
    N.close_deadline = now_ms() + CLOSE_INSTALL_WAIT_MS;
    close_when_quiet(NULL);
}

static void stop_after_transfer(void *arg, int status, const char *msg)
{
    (void)arg;
    if (status != 0)
        server_log(LL_WARNING, "Raft: leadership transfer before shutdown failed: %s", msg ? msg : "?");
    else
        server_log(LL_NOTICE, "Raft: leadership transferred before shutdown");
    begin_close();
}

void raft_node_stop(server *s, void (*done)(server *s))
{
    if (N.stop_requested) {
        if (!N.stop_done)
            N.stop_done = done;
        return;
    }
    N.stop_requested = 1;
    if (!N.running) {
        if (done)
            done(s);
        return;
    }
    N.stop_done = done;
    N.joining = 0;
    if (N.handles_open)
        uv_timer_stop(&N.join_timer);
    if (leader_now() && N.op.kind == OP_NONE) {
        raft_index m = 0;
        uint64_t to = best_voter(&m);
        if (to && m >= raft_commit_index(&N.raft)) {
            server_log(LL_NOTICE, "Raft: transferring leadership to %llu before shutdown",
                       (unsigned long long)to);
            start_transfer(to, STOP_TRANSFER_WAIT_MS, stop_after_transfer, NULL);
            return;
        }
    }
    begin_close();
}

/* ---- getters ------------------------------------------------------------------------- */

struct raft *raft_node_raft(void)
{
    return N.raft_ready ? &N.raft : NULL;
}

int raft_node_state(void)
{
    if (!N.running || my_role() < 0)
        return RAFT_NODE_UNAVAILABLE;
    switch (raft_state(&N.raft)) {
    case RAFT_FOLLOWER:
        return RAFT_NODE_FOLLOWER;
    case RAFT_CANDIDATE:
        return RAFT_NODE_CANDIDATE;
    case RAFT_LEADER:
        return RAFT_NODE_LEADER;
    default:
        return RAFT_NODE_UNAVAILABLE;
    }
}

/* As last announced to replicate_role_changed, so the data path never sees "leader"
 * before it was told. */
int raft_node_is_leader(void)
{
    return N.running && N.was_leader;
}

uint64_t raft_node_id(void)
{
    return N.id;
}

const char *raft_node_node_id(void)
{
    return N.node_id;
}

uint64_t raft_node_leader_id(void)
{
    if (!N.running || my_role() < 0)
        return 0;
    raft_id lid = 0;
    const char *addr;
    raft_leader(&N.raft, &lid, &addr);
    return lid;
}

const struct member *raft_node_leader_member(void)
{
    uint64_t lid = raft_node_leader_id();
    return lid ? members_find(lid) : NULL;
}

uint64_t raft_node_term(void)
{
    return N.raft_ready ? raft_current_term(&N.raft) : 0;
}

uint64_t raft_node_commit_index(void)
{
    return N.raft_ready ? raft_commit_index(&N.raft) : 0;
}

uint64_t raft_node_applied_index(void)
{
    return N.raft_ready ? raft_last_applied(&N.raft) : 0;
}

uint64_t raft_node_snapshot_index(void)
{
    if (!N.raft_ready)
        return 0;
    uint64_t a = N.raft.trail.snapshot.index, b = N.raft.legacy.snapshot_index;
    return a > b ? a : b;
}

uint64_t raft_node_match_index(uint64_t raft_id)
{
    if (!N.running)
        return 0;
    if (raft_id == N.id)
        return N.raft.last_stored;
    raft_index m = 0;
    if (raft_state(&N.raft) != RAFT_LEADER || raft_match_index(&N.raft, raft_id, &m) != 0)
        return 0;
    return m;
}

int raft_node_config_count(void)
{
    return N.raft_ready ? (int)N.raft.configuration.n : 0;
}

int raft_node_config_at(int i, uint64_t *raft_id, int *role, const char **raft_address)
{
    if (!N.raft_ready || i < 0 || (unsigned)i >= N.raft.configuration.n)
        return -1;
    const struct raft_server *srv = &N.raft.configuration.servers[i];
    if (raft_id)
        *raft_id = srv->id;
    if (role)
        *role = srv->role;
    if (raft_address)
        *raft_address = srv->address;
    return 0;
}

/* ---- RAFT REMOVED -------------------------------------------------------------------- */

/* RAFT REMOVED <raft-id> <node-id>: sent by the leader to a node it just removed from
 * the configuration. Lives here (not in raft_cmds.c) because it changes this file's
 * state. The node stops serving (state UNAVAILABLE) and remembers it across restarts
 * with a marker file, because its own log still lists it as a member. */
void cmd_raft_removed(exec_ctx *c)
{
    unsigned long long id;
    if (!rd_str2ull(c->argv[2].ptr, c->argv[2].len, &id) || id == 0) {
        resp_write_error(c->w, "ERR invalid raft id");
        return;
    }
    if (!N.running || id != N.id || c->argv[3].len != 40 || memcmp(c->argv[3].ptr, N.node_id, 40) != 0) {
        resp_write_error(c->w, "ERR not this node");
        return;
    }
    if (N.removed) {
        resp_write_ok(c->w);
        return;
    }
    if (config_find(N.id) && raft_state(&N.raft) == RAFT_LEADER) {
        resp_write_error(c->w, "ERR this node leads its shard");
        return;
    }
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%llu\n", id);
    if (fs_write_file_atomic(REMOVED_FILE, buf, (size_t)n, 0644) != 0)
        server_log(LL_WARNING, "Can't write '%s': %s (the removal is not remembered across a restart)",
                   REMOVED_FILE, strerror(errno));
    N.removed = 1;
    server_log(LL_WARNING, "Raft: the leader removed this node from the shard: it no longer serves");
    resp_write_ok(c->w);
}
