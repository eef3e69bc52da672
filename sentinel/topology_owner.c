/* topology_owner: creating the cluster topology, pushing it to the nodes, epoch bumps.
 *
 * Cluster mode only (masters whose nodes report cluster_enabled:1). Runs from the control
 * timer on every sentinel; everything but the epoch watcher is the acting sentinel's job.
 *
 * Creation, once every configured cluster master's shard is discovered (monitor knows the
 * leader and every member's node id, Raft id, host, port and bus port) and the state holds
 * no topology: ask every node for CLUSTER GETTOPOLOGY; if some node already holds a
 * topology whose shards are all among the discovered ones (same node-id sets), adopt the
 * highest-epoch such topology (a restarted sentinel group, or a cluster pushed by
 * scripts/local-cluster; the shards it lacks join afterwards, see growth); if the nodes
 * hold topologies none of which fits, create nothing (a new split would move slots away
 * from their data) and say so; otherwise build one like redis-cli --cluster create: shards in
 * master-name order (natural order, so shard-10 follows shard-9), 16384 slots split
 * evenly and contiguously, a shard's id the SHA-1 of its sorted node ids joined by ","
 * (as scripts/local-cluster does; fixed at creation, never recomputed), its leader
 * listed first (the master hint). The new epoch is above every epoch a node holds, since
 * nodes refuse older ones. The topology and the name -> shard id mapping are committed
 * to the replicated state (state.c); the pusher then does the rest.
 *
 * Pushing (acting sentinel, a round every PUSH_PERIOD_MS, the next round only once the
 * previous one is over): CLUSTER GETTOPOLOGY on every node of the committed topology;
 * nil or an older epoch -> CLUSTER SETTOPOLOGY with the committed text (so a restarted
 * or wiped node gets the current one). A node holding a newer epoch, or the same epoch
 * with another text, cannot take ours: the same topology is committed again above it.
 *
 * Membership changes (repair, sentinel_topology_replace_member): same slots and shard
 * ids, the member swapped, epoch + 1.
 *
 * Growth: once the topology exists, a cluster master discovered later (SENTINEL MONITOR
 * at runtime, a `sentinel monitor` line added before a restart) whose members are in no
 * shard of it is added, one master at a time: the same discovery check as creation (the
 * leader's INFO raft member list must match monitor's view; the nodes are asked for
 * CLUSTER GETTOPOLOGY too, so the epoch clears whatever they hold), then every existing
 * shard unchanged plus the new shard (id by the creation rule, leader first) owning no
 * slots -- moving slots to it is slot migration's job -- at epoch + 1, with its name ->
 * shard id mapping. A master whose members are split over shards, or only partly in
 * one, is left alone (logged): only an operator can tell what it should be.
 *
 * A master removed with SENTINEL REMOVE keeps its shard in the topology (its slots must
 * not vanish); the pusher logs once that the shard has no master any more.
 *
 * Standalone masters get no topology, but their shard id (the same SHA-1 rule) is
 * recorded once discovered.
 *
 * The epoch watcher (every sentinel): when the state's epoch grows, publish
 * `+new-epoch <epoch>`; a sentinel that is not the acting one also publishes
 * `+config-update-from sentinel <acting-id> <ip> <port> @ <master> <ip> <port>` for every
 * master whose shard's members changed, as a Redis Sentinel does when it takes a newer
 * configuration from another one. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytebuf.h"
#include "members.h"
#include "mem.h"
#include "raft_node.h"
#include "resp_reply.h"
#include "sentinel.h"
#include "server.h"
#include "topology.h"

#define PUSH_PERIOD_MS 1000
#define QUERY_TIMEOUT_MS 2000
#define PUSH_TIMEOUT_MS 5000
#define CREATE_QUERY_WAIT_MS 5000
#define COMMIT_WAIT_MS 5000
#define WAIT_LOG_PERIOD_MS 10000
#define SHARD_ID_PROPOSE_PERIOD_MS 1000
#define GROW_SCAN_PERIOD_MS 500

enum { PH_IDLE = 0, PH_QUERYING, PH_COMMITTING };

static struct {
    /* creation */
    int phase;
    int64_t phase_deadline;
    uint64_t gen;               /* invalidates replies of an abandoned query / round */
    int replies_due;
    topology **held;            /* topologies the nodes hold (owned) */
    int held_count, held_cap;
    uint64_t max_epoch_seen;
    int incomplete;             /* a leader's member list does not match monitor's view */
    int64_t last_wait_log;
    /* pushing */
    int64_t next_round;
    int round_pending;
    uint64_t round_gen;
    uint64_t bump_above;        /* a node holds this epoch (or a conflicting one): re-commit above */
    /* standalone shard ids */
    int64_t last_shard_propose;
    int acting;                 /* this sentinel was the acting one at the last tick */
    /* growth: the master being added ("" = creation), the epoch its commit must reach */
    char grow_name[SENTINEL_NAME_MAX + 1];
    uint64_t commit_epoch;
    int64_t last_grow_log;
    int64_t next_grow_scan;
    /* shard ids already logged as having no master (SENTINEL REMOVE), 40 bytes each */
    bytebuf orphans_logged;
    /* the watcher */
    uint64_t seen_epoch;
    topology *seen;             /* the last topology seen applied (owned), or NULL */
} T;

/* ---- SHA-1 (FIPS 180-1), for shard ids ------------------------------------------ */

typedef struct sha1_ctx {
    uint32_t h[5];
    uint64_t len;
    unsigned char buf[64];
    size_t n;
} sha1_ctx;

static uint32_t rol(uint32_t x, int s)
{
    return (x << s) | (x >> (32 - s));
}

static void sha1_block(sha1_ctx *c, const unsigned char *p)
{
    uint32_t w[80];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
               (uint32_t)p[4 * i + 3];
    for (int i = 16; i < 80; i++)
        w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = c->h[0], b = c->h[1], cc = c->h[2], d = c->h[3], e = c->h[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) {
            f = (b & cc) | (~b & d);
            k = 0x5A827999;
        } else if (i < 40) {
            f = b ^ cc ^ d;
            k = 0x6ED9EBA1;
        } else if (i < 60) {
            f = (b & cc) | (b & d) | (cc & d);
            k = 0x8F1BBCDC;
        } else {
            f = b ^ cc ^ d;
            k = 0xCA62C1D6;
        }
        uint32_t t = rol(a, 5) + f + e + k + w[i];
        e = d;
        d = cc;
        cc = rol(b, 30);
        b = a;
        a = t;
    }
    c->h[0] += a;
    c->h[1] += b;
    c->h[2] += cc;
    c->h[3] += d;
    c->h[4] += e;
}

static void sha1_init(sha1_ctx *c)
{
    static const uint32_t iv[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    memcpy(c->h, iv, sizeof iv);
    c->len = 0;
    c->n = 0;
}

static void sha1_update(sha1_ctx *c, const void *data, size_t len)
{
    const unsigned char *p = data;
    c->len += len;
    while (len > 0) {
        size_t take = 64 - c->n < len ? 64 - c->n : len;
        memcpy(c->buf + c->n, p, take);
        c->n += take;
        p += take;
        len -= take;
        if (c->n == 64) {
            sha1_block(c, c->buf);
            c->n = 0;
        }
    }
}

static void sha1_hex(sha1_ctx *c, char out[41])
{
    uint64_t bits = c->len * 8;
    unsigned char pad = 0x80;
    sha1_update(c, &pad, 1);
    unsigned char zero = 0;
    while (c->n != 56)
        sha1_update(c, &zero, 1);
    unsigned char lenb[8];
    for (int i = 0; i < 8; i++)
        lenb[i] = (unsigned char)(bits >> (56 - 8 * i));
    sha1_update(c, lenb, 8);
    for (int i = 0; i < 5; i++)
        snprintf(out + 8 * i, 9, "%08x", c->h[i]);
}

static int cmp_str_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* SHA-1 of the sorted node ids joined by ',' (scripts/local-cluster's shard_id). */
static void shard_id_of(const char **ids, int n, char out[41])
{
    const char **sorted = rd_malloc(sizeof *sorted * (size_t)(n ? n : 1));
    memcpy(sorted, ids, sizeof *sorted * (size_t)n);
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_str_ptr);
    sha1_ctx c;
    sha1_init(&c);
    for (int i = 0; i < n; i++) {
        if (i)
            sha1_update(&c, ",", 1);
        sha1_update(&c, sorted[i], strlen(sorted[i]));
    }
    sha1_hex(&c, out);
    rd_free(sorted);
}

/* ---- what monitor discovered ------------------------------------------------------ */

/* A member that serves the shard's data (voters and standbys; a Raft spare holds no log). */
static int is_member(const sentinel_instance *ri)
{
    return strcmp(ri->raft_role, "spare") != 0;
}

/* 1 when the master's mode is known: its leader answered INFO. */
static int mode_known(const sentinel_master *m)
{
    return m->leader && m->leader->info_refresh_ms > 0;
}

/* 1 when every member of m is fully identified. */
static int discovered(const sentinel_master *m)
{
    if (!mode_known(m) || m->node_count == 0)
        return 0;
    int members = 0;
    for (int i = 0; i < m->node_count; i++) {
        const sentinel_instance *ri = m->nodes[i];
        if (!is_member(ri))
            continue;
        if (!ri->node_id[0] || ri->raft_id == 0 || ri->bus_port <= 0 || ri->port <= 0 || !ri->host[0])
            return 0;
        members++;
    }
    return members > 0;
}

/* Natural order of master names: digit runs compare as numbers. */
static int natural_cmp(const char *a, const char *b)
{
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            while (*a == '0')
                a++;
            while (*b == '0')
                b++;
            size_t la = 0, lb = 0;
            while (isdigit((unsigned char)a[la]))
                la++;
            while (isdigit((unsigned char)b[lb]))
                lb++;
            if (la != lb)
                return la < lb ? -1 : 1;
            int c = strncmp(a, b, la);
            if (c)
                return c;
            a += la;
            b += lb;
        } else {
            if (*a != *b)
                return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
            a++;
            b++;
        }
    }
    return *a ? 1 : *b ? -1 : 0;
}

static int cmp_master_ptr(const void *a, const void *b)
{
    return natural_cmp((*(sentinel_master *const *)a)->name, (*(sentinel_master *const *)b)->name);
}

/* The cluster-mode masters in natural name order (caller frees). *all_known = 0 when
 * some master's mode is not known yet. */
static sentinel_master **cluster_masters(int *count, int *all_known)
{
    int n = sentinel_master_count();
    sentinel_master **out = rd_malloc(sizeof *out * (size_t)(n ? n : 1));
    int k = 0;
    *all_known = 1;
    for (int i = 0; i < n; i++) {
        sentinel_master *m = sentinel_master_at(i);
        if (!mode_known(m)) {
            *all_known = 0;
            continue;
        }
        if (m->cluster_enabled)
            out[k++] = m;
    }
    qsort(out, (size_t)k, sizeof *out, cmp_master_ptr);
    *count = k;
    return out;
}

/* The member node ids of m (pointers into the instances; caller frees the array). */
static const char **member_ids(const sentinel_master *m, int *n)
{
    const char **ids = rd_malloc(sizeof *ids * (size_t)(m->node_count ? m->node_count : 1));
    int k = 0;
    for (int i = 0; i < m->node_count; i++)
        if (is_member(m->nodes[i]))
            ids[k++] = m->nodes[i]->node_id;
    *n = k;
    return ids;
}

static void master_shard_id(const sentinel_master *m, char out[41])
{
    int n;
    const char **ids = member_ids(m, &n);
    shard_id_of(ids, n, out);
    rd_free(ids);
}

/* ---- building ------------------------------------------------------------------- */

/* redis-cli --cluster create's split: 16384/n slots per shard, rounding spread out. */
static void split_slots(int n, int i, int *first, int *last)
{
    double per = (double)CLUSTER_SLOTS / n;
    int f = 0;
    double cursor = 0.0;
    for (int k = 0; k <= i; k++) {
        long l = (long)(cursor + per - 1 + 0.5);
        if (l > CLUSTER_SLOTS - 1 || k == n - 1)
            l = CLUSTER_SLOTS - 1;
        if (l < f)
            l = f;
        if (k == i) {
            *first = f;
            *last = (int)l;
            return;
        }
        f = (int)l + 1;
        cursor += per;
    }
}

static int cmp_instance_raft(const void *a, const void *b)
{
    const sentinel_instance *x = *(sentinel_instance *const *)a, *y = *(sentinel_instance *const *)b;
    return x->raft_id < y->raft_id ? -1 : x->raft_id > y->raft_id;
}

/* Adds m's members to sh: the leader first, then the others by Raft id. 0 or -1. */
static int add_members(topology_shard *sh, const sentinel_master *m)
{
    sentinel_instance **v = rd_malloc(sizeof *v * (size_t)(m->node_count ? m->node_count : 1));
    int k = 0;
    for (int i = 0; i < m->node_count; i++)
        if (is_member(m->nodes[i]) && m->nodes[i] != m->leader)
            v[k++] = m->nodes[i];
    qsort(v, (size_t)k, sizeof *v, cmp_instance_raft);
    int rc = 0;
    const sentinel_instance *l = m->leader;
    if (l && is_member(l) && !topology_shard_add_node(sh, l->node_id, l->raft_id, l->host, l->port, l->bus_port))
        rc = -1;
    for (int i = 0; i < k && rc == 0; i++)
        if (!topology_shard_add_node(sh, v[i]->node_id, v[i]->raft_id, v[i]->host, v[i]->port, v[i]->bus_port))
            rc = -1;
    rd_free(v);
    return rc;
}

/* A new topology of the given masters (heap, caller frees). NULL on failure (logged). */
static topology *build_new(sentinel_master **ms, int n, uint64_t epoch)
{
    topology *t = rd_malloc(sizeof *t);
    topology_init(t);
    t->epoch = epoch;
    for (int i = 0; i < n; i++) {
        char id[41];
        master_shard_id(ms[i], id);
        topology_shard *sh = topology_add_shard(t, id);
        int first = 0, last = CLUSTER_SLOTS - 1;
        split_slots(n, i, &first, &last);
        if (!sh || topology_shard_add_range(sh, first, last) != 0 || add_members(sh, ms[i]) != 0) {
            server_log(LL_WARNING, "Sentinel: cannot build the topology (shard of %s)", ms[i]->name);
            topology_free(t);
            rd_free(t);
            return NULL;
        }
    }
    char err[256];
    if (topology_finish(t, err, sizeof err) != 0) {
        server_log(LL_WARNING, "Sentinel: the new topology is invalid: %s", err);
        topology_free(t);
        rd_free(t);
        return NULL;
    }
    return t;
}

/* 1 if sh's node ids are exactly m's member ids. */
static int shard_matches(const topology_shard *sh, const sentinel_master *m)
{
    int n;
    const char **ids = member_ids(m, &n);
    int ok = n == sh->node_count;
    for (int i = 0; i < n && ok; i++) {
        int found = 0;
        for (int j = 0; j < sh->node_count && !found; j++)
            found = strcmp(ids[i], sh->nodes[j].id) == 0;
        ok = found;
    }
    rd_free(ids);
    return ok;
}

/* 1 if t's shards are exactly the masters' shards (each master matching one shard). */
static int topology_matches(const topology *t, sentinel_master **ms, int n)
{
    /* Every shard of t is one of the discovered shards (t may lack some: growth adds
     * them afterwards, without touching the slots t assigns). */
    if (t->shard_count == 0 || t->shard_count > n)
        return 0;
    for (int j = 0; j < t->shard_count; j++) {
        int found = 0;
        for (int i = 0; i < n && !found; i++)
            found = shard_matches(&t->shards[j], ms[i]);
        if (!found)
            return 0;
    }
    return 1;
}

/* The master whose members are shard sh of the state's mapping, else by node ids. */
static sentinel_master *master_of_shard(const topology_shard *sh)
{
    for (int i = 0; i < sentinel_master_count(); i++) {
        sentinel_master *m = sentinel_master_at(i);
        char id[41];
        if (sentinel_state_shard_id(m->name, id) && strcmp(id, sh->id) == 0)
            return m;
    }
    for (int i = 0; i < sentinel_master_count(); i++) {
        sentinel_master *m = sentinel_master_at(i);
        for (int j = 0; j < m->node_count; j++)
            for (int k = 0; k < sh->node_count; k++)
                if (m->nodes[j]->node_id[0] && strcmp(m->nodes[j]->node_id, sh->nodes[k].id) == 0)
                    return m;
    }
    return NULL;
}

/* Commits t and the name -> shard id mapping of the cluster masters. */
static int commit(const topology *t, sentinel_master **ms, int n)
{
    if (sentinel_state_commit_topology(t) != 0)
        return -1;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < t->shard_count; j++) {
            if (shard_matches(&t->shards[j], ms[i])) {
                char cur[41];
                if (!sentinel_state_shard_id(ms[i]->name, cur) || strcmp(cur, t->shards[j].id) != 0)
                    sentinel_state_set_shard(ms[i]->name, t->shards[j].id);
                break;
            }
        }
    }
    return 0;
}

/* ---- creation --------------------------------------------------------------------- */

static void held_clear(void)
{
    for (int i = 0; i < T.held_count; i++) {
        topology_free(T.held[i]);
        rd_free(T.held[i]);
    }
    rd_free(T.held);
    T.held = NULL;
    T.held_cap = 0;
    T.held_count = 0;
    T.max_epoch_seen = 0;
}

static uint64_t text_epoch(const char *p, size_t len)
{
    /* "redraft-topology 1\nepoch <n>\n..." -- just the epoch line */
    const char *end = p + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (l > 6 && memcmp(p, "epoch ", 6) == 0) {
            char buf[32];
            size_t k = l - 6 < sizeof buf - 1 ? l - 6 : sizeof buf - 1;
            memcpy(buf, p + 6, k);
            buf[k] = '\0';
            return strtoull(buf, NULL, 10);
        }
        p = nl ? nl + 1 : end;
    }
    return 0;
}

typedef struct query_arg {
    uint64_t gen;
    int leader_info;                   /* INFO raft of a leader, not GETTOPOLOGY */
    char name[SENTINEL_NAME_MAX + 1];  /* its master */
} query_arg;

/* The leader's INFO raft: every member line must name a node id and an address, and the
 * members (Raft spares aside) must be exactly the instances monitor knows -- a member
 * that has not announced itself yet would otherwise be left out of the topology. */
static int leader_view_complete(const char *text, size_t len, const sentinel_master *m)
{
    int lines = 0, ok = 1;
    const char *p = text, *end = text + len;
    while (p < end && ok) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (l > 11 && memcmp(p, "raft_member", 11) == 0 && p[11] >= '0' && p[11] <= '9') {
            char line[1024];
            size_t k = l < sizeof line - 1 ? l : sizeof line - 1;
            memcpy(line, p, k);
            line[k] = '\0';
            const char *nid = strstr(line, ",node_id=");
            const char *port = strstr(line, ",port=");
            if (!strstr(line, ",role=spare,")) {
                if (!nid || strlen(nid + 9) < 40 || nid[9] == ',' || !port || port[6] == '0') {
                    ok = 0;
                    break;
                }
                char id[41];
                memcpy(id, nid + 9, 40);
                id[40] = '\0';
                int found = 0;
                for (int i = 0; i < m->node_count && !found; i++)
                    found = is_member(m->nodes[i]) && strcmp(m->nodes[i]->node_id, id) == 0;
                ok = found;
                lines++;
            }
        }
        p = nl ? nl + 1 : end;
    }
    int members = 0;
    for (int i = 0; i < m->node_count; i++)
        members += is_member(m->nodes[i]);
    return ok && lines > 0 && lines == members;
}

static void decide(int64_t now);

static void query_reply(void *arg, const resp_reply *reply, const char *err)
{
    query_arg *qa = arg;
    uint64_t gen = qa->gen;
    int leader_info = qa->leader_info;
    sentinel_master *m = leader_info ? sentinel_master_by_name(qa->name, strlen(qa->name)) : NULL;
    rd_free(qa);
    if (gen != T.gen || T.phase != PH_QUERYING)
        return;
    if (leader_info) {
        if (err || !reply || !reply->str || resp_reply_is_error(reply) || !m ||
            !leader_view_complete(reply->str, reply->len, m))
            T.incomplete = 1;
    } else if (!err && reply && reply->type == RESP_REPLY_BULK && reply->str) {
        topology *t = rd_malloc(sizeof *t);
        char e[256];
        if (topology_decode(t, reply->str, reply->len, e, sizeof e) == 0) {
            if (T.held_count == T.held_cap) {
                T.held_cap = T.held_cap ? T.held_cap * 2 : 8;
                T.held = rd_realloc(T.held, sizeof *T.held * (size_t)T.held_cap);
            }
            T.held[T.held_count++] = t;
            if (t->epoch > T.max_epoch_seen)
                T.max_epoch_seen = t->epoch;
        } else {
            rd_free(t);
            uint64_t ep = text_epoch(reply->str, reply->len);
            if (ep > T.max_epoch_seen)
                T.max_epoch_seen = ep;
        }
    }
    if (--T.replies_due == 0)
        decide(sentinel_now_ms());
}

static void start_query(sentinel_master **ms, int n, int64_t now)
{
    held_clear();
    T.gen++;
    T.phase = PH_QUERYING;
    T.phase_deadline = now + CREATE_QUERY_WAIT_MS;
    T.replies_due = 1; /* held until every call is queued, so no reply decides early */
    T.incomplete = 0;
    static const char *const argv[2] = {"CLUSTER", "GETTOPOLOGY"};
    static const char *const info[2] = {"INFO", "raft"};
    for (int i = 0; i < n; i++) {
        query_arg *la = rd_calloc(1, sizeof *la);
        la->gen = T.gen;
        la->leader_info = 1;
        snprintf(la->name, sizeof la->name, "%s", ms[i]->name);
        if (sentinel_ctl_call(ms[i]->leader->host, ms[i]->leader->port, sentinel_master_password(ms[i]),
                              QUERY_TIMEOUT_MS, query_reply, la, 2, info) == 0)
            T.replies_due++;
        else
            rd_free(la);
        for (int j = 0; j < ms[i]->node_count; j++) {
            const sentinel_instance *ri = ms[i]->nodes[j];
            if (!is_member(ri))
                continue;
            query_arg *qa = rd_calloc(1, sizeof *qa);
            qa->gen = T.gen;
            if (sentinel_ctl_call(ri->host, ri->port, sentinel_master_password(ms[i]), QUERY_TIMEOUT_MS,
                                  query_reply, qa, 2, argv) == 0)
                T.replies_due++;
            else
                rd_free(qa);
        }
    }
    if (--T.replies_due == 0)
        decide(now);
}

static void decide_growth(int64_t now);

static void decide(int64_t now)
{
    if (T.grow_name[0]) {
        decide_growth(now);
        return;
    }
    int n, all_known;
    sentinel_master **ms = cluster_masters(&n, &all_known);
    T.phase = PH_IDLE;
    if (T.incomplete)
        server_log(LL_VERBOSE, "Sentinel: a shard's member list is not complete yet: topology creation postponed");
    if (T.incomplete || !raft_node_is_leader() || sentinel_state_has_topology() || n == 0 || !all_known) {
        rd_free(ms);
        held_clear();
        return;
    }
    for (int i = 0; i < n; i++) {
        if (!discovered(ms[i])) {
            rd_free(ms);
            held_clear();
            return; /* changed meanwhile: the next tick starts over */
        }
    }
    uint64_t state_epoch = sentinel_state_epoch();
    topology *best = NULL;
    for (int i = 0; i < T.held_count; i++)
        if (topology_matches(T.held[i], ms, n) && (!best || T.held[i]->epoch > best->epoch))
            best = T.held[i];
    topology *t = NULL;
    if (best) {
        t = rd_malloc(sizeof *t);
        if (topology_copy(t, best) != 0) {
            rd_free(t);
            t = NULL;
        } else {
            if (t->epoch <= state_epoch)
                t->epoch = state_epoch + 1;
            server_log(LL_NOTICE, "Sentinel: adopting the cluster topology the nodes hold (epoch %llu, %d shards)",
                       (unsigned long long)t->epoch, t->shard_count);
        }
    } else if (T.held_count > 0) {
        /* The nodes hold a topology that does not fit the monitored shards: building a
         * new one would re-split the slots under data that lives by the old one. An
         * operator must fix the monitored masters (or push a topology) first. */
        server_log(LL_WARNING, "Sentinel: the nodes hold a cluster topology (epoch %llu) that does not match the "
                               "monitored shards: not creating one",
                   (unsigned long long)T.max_epoch_seen);
    } else {
        uint64_t base = T.max_epoch_seen > state_epoch ? T.max_epoch_seen : state_epoch;
        t = build_new(ms, n, base + 1);
        if (t)
            server_log(LL_NOTICE, "Sentinel: created the cluster topology: epoch %llu, %d shards",
                       (unsigned long long)t->epoch, t->shard_count);
    }
    if (t && commit(t, ms, n) == 0) {
        T.phase = PH_COMMITTING;
        T.phase_deadline = now + COMMIT_WAIT_MS;
        T.commit_epoch = t->epoch;
        T.next_round = 0;
    }
    if (t) {
        topology_free(t);
        rd_free(t);
    }
    rd_free(ms);
    held_clear();
}

/* ---- growth ------------------------------------------------------------------------ */

/* How m's members sit in t: 0 none of them is in a shard, 1 they are exactly shard *si,
 * -1 anything else (split over shards, only some of them, or the shard has others too). */
static int placement(const topology *t, const sentinel_master *m, int *si)
{
    int in = 0, out = 0, shard = -1, split = 0;
    for (int i = 0; i < m->node_count; i++) {
        const sentinel_instance *ri = m->nodes[i];
        if (!is_member(ri))
            continue;
        int s = -1;
        if (topology_find_node(t, ri->node_id, &s)) {
            in++;
            if (shard >= 0 && s != shard)
                split = 1;
            shard = s;
        } else {
            out++;
        }
    }
    if (in == 0)
        return 0;
    if (split || out > 0 || !shard_matches(&t->shards[shard], m))
        return -1;
    *si = shard;
    return 1;
}

/* The committed topology exists: look for one discovered cluster master with no shard in
 * it and start the creation query (INFO raft of its leader, GETTOPOLOGY of its members)
 * for it alone; decide_growth() takes it from there. */
static void growth_tick(int64_t now)
{
    if (now < T.next_grow_scan)
        return;
    T.next_grow_scan = now + GROW_SCAN_PERIOD_MS;
    topology *cur = rd_malloc(sizeof *cur);
    if (sentinel_state_topology(cur) != 0) {
        rd_free(cur);
        return;
    }
    int n, all_known;
    sentinel_master **ms = cluster_masters(&n, &all_known);
    int log_now = now - T.last_grow_log > WAIT_LOG_PERIOD_MS;
    for (int i = 0; i < n; i++) {
        sentinel_master *m = ms[i];
        if (!discovered(m))
            continue;
        int si = -1;
        int p = placement(cur, m, &si);
        if (p == 1) {
            /* its shard is there (e.g. a removed master monitored again): record the name */
            char id[41];
            if (!sentinel_state_shard_id(m->name, id) && now - T.last_shard_propose >= SHARD_ID_PROPOSE_PERIOD_MS &&
                sentinel_state_set_shard(m->name, cur->shards[si].id) == 0) {
                T.last_shard_propose = now;
                server_log(LL_NOTICE, "Sentinel: master %s is shard %s of the topology", m->name, cur->shards[si].id);
            }
            continue;
        }
        if (p < 0) {
            /* a repair in progress looks like this for a while; anything else needs an operator */
            if (log_now) {
                T.last_grow_log = now;
                server_log(LL_VERBOSE, "Sentinel: the members of %s do not match one shard of the topology: "
                                       "not adding it", m->name);
            }
            continue;
        }
        snprintf(T.grow_name, sizeof T.grow_name, "%s", m->name);
        server_log(LL_VERBOSE, "Sentinel: master %s has no shard in the topology: checking its members", m->name);
        start_query(&ms[i], 1, now);
        break; /* one at a time */
    }
    rd_free(ms);
    topology_free(cur);
    rd_free(cur);
}

/* The growth query is over: commit the topology with T.grow_name's shard added, slotless. */
static void decide_growth(int64_t now)
{
    char name[SENTINEL_NAME_MAX + 1];
    snprintf(name, sizeof name, "%s", T.grow_name);
    T.grow_name[0] = '\0';
    T.phase = PH_IDLE;
    uint64_t max_seen = T.max_epoch_seen;
    held_clear();
    sentinel_master *m = sentinel_master_by_name(name, strlen(name));
    if (T.incomplete) {
        server_log(LL_VERBOSE, "Sentinel: the member list of %s is not complete yet: adding its shard postponed", name);
        return;
    }
    if (!raft_node_is_leader() || !m || !mode_known(m) || !m->cluster_enabled || !discovered(m))
        return; /* changed meanwhile: the next tick starts over */
    topology *t = rd_malloc(sizeof *t);
    if (sentinel_state_topology(t) != 0) {
        rd_free(t);
        return;
    }
    int si;
    if (placement(t, m, &si) != 0) {
        topology_free(t);
        rd_free(t);
        return;
    }
    uint64_t e = t->epoch, se = sentinel_state_epoch();
    if (se > e)
        e = se;
    if (max_seen > e)
        e = max_seen; /* its nodes refuse anything not above what they hold */
    t->epoch = e + 1;
    char id[41];
    master_shard_id(m, id);
    char err[256] = "out of limits";
    topology_shard *sh = topology_add_shard(t, id);
    int ok = sh && add_members(sh, m) == 0 && topology_finish(t, err, sizeof err) == 0;
    if (!ok) {
        server_log(LL_WARNING, "Sentinel: cannot add the shard of %s to the topology: %s", name, err);
    } else if (sentinel_state_commit_topology(t) == 0) {
        sentinel_state_set_shard(name, id); /* same loop iteration: same log entry */
        T.phase = PH_COMMITTING;
        T.phase_deadline = now + COMMIT_WAIT_MS;
        T.commit_epoch = t->epoch;
        T.next_round = 0;
        server_log(LL_NOTICE, "Sentinel: topology epoch %llu: shard of %s added (id %s, %d members, no slots)",
                   (unsigned long long)t->epoch, name, id, sh->node_count);
    }
    topology_free(t);
    rd_free(t);
}

static void creation_tick(int64_t now)
{
    if (T.phase == PH_QUERYING) {
        if (now > T.phase_deadline) {
            T.gen++; /* late replies are ignored */
            T.phase = PH_IDLE;
            held_clear();
        }
        return;
    }
    if (T.phase == PH_COMMITTING) {
        if ((sentinel_state_has_topology() && sentinel_state_epoch() >= T.commit_epoch) || now > T.phase_deadline)
            T.phase = PH_IDLE;
        return;
    }
    if (sentinel_state_has_topology()) {
        growth_tick(now);
        return;
    }
    T.grow_name[0] = '\0';
    int n, all_known;
    sentinel_master **ms = cluster_masters(&n, &all_known);
    int ready = n > 0 && all_known;
    for (int i = 0; i < n && ready; i++)
        ready = discovered(ms[i]);
    if (!ready) {
        if (n > 0 && now - T.last_wait_log > WAIT_LOG_PERIOD_MS) {
            T.last_wait_log = now;
            server_log(LL_VERBOSE, "Sentinel: waiting for every shard to be discovered before creating the topology");
        }
    } else {
        start_query(ms, n, now);
    }
    rd_free(ms);
}

/* Standalone masters: record their shard id once (acting sentinel). */
static void standalone_ids_tick(int64_t now)
{
    if (now - T.last_shard_propose < SHARD_ID_PROPOSE_PERIOD_MS)
        return;
    for (int i = 0; i < sentinel_master_count(); i++) {
        sentinel_master *m = sentinel_master_at(i);
        char id[41];
        if (!mode_known(m) || m->cluster_enabled || !discovered(m) || sentinel_state_shard_id(m->name, id))
            continue;
        master_shard_id(m, id);
        if (sentinel_state_set_shard(m->name, id) == 0) {
            T.last_shard_propose = now;
            server_log(LL_NOTICE, "Sentinel: standalone shard %s has id %s", m->name, id);
        }
        return; /* one per period */
    }
}

/* ---- pushing ---------------------------------------------------------------------- */

typedef struct push_arg {
    uint64_t gen;
    char host[SENTINEL_HOST_MAX + 1];
    int port;
    char *password;     /* owned */
    uint64_t epoch;     /* the committed epoch when the round started */
} push_arg;

static void push_arg_free(push_arg *pa)
{
    rd_free(pa->password);
    rd_free(pa);
}

static void set_reply(void *arg, const resp_reply *reply, const char *err)
{
    push_arg *pa = arg;
    if (pa->gen == T.round_gen) {
        T.round_pending--;
        if (err || !reply || resp_reply_is_error(reply)) {
            const char *why = err ? err : reply && reply->str ? reply->str : "?";
            server_log(LL_WARNING, "Sentinel: CLUSTER SETTOPOLOGY (epoch %llu) on %s:%d failed: %s",
                       (unsigned long long)pa->epoch, pa->host, pa->port, why);
            /* "stale topology: epoch X is not newer than Y": the node holds Y */
            const char *p = reply && reply->str ? strstr(reply->str, "not newer than ") : NULL;
            if (p) {
                uint64_t y = strtoull(p + 15, NULL, 10);
                if (y >= T.bump_above)
                    T.bump_above = y;
            }
        } else {
            server_log(LL_VERBOSE, "Sentinel: pushed topology epoch %llu to %s:%d", (unsigned long long)pa->epoch,
                       pa->host, pa->port);
        }
    }
    push_arg_free(pa);
}

static void get_reply(void *arg, const resp_reply *reply, const char *err)
{
    push_arg *pa = arg;
    if (pa->gen != T.round_gen) {
        push_arg_free(pa);
        return;
    }
    T.round_pending--;
    if (err || !reply || resp_reply_is_error(reply) || !raft_node_is_leader()) {
        push_arg_free(pa);
        return; /* unreachable now: the next round tries again */
    }
    uint64_t held = 0;
    int has = reply->type == RESP_REPLY_BULK && reply->str;
    if (has)
        held = text_epoch(reply->str, reply->len);
    if (sentinel_state_epoch() != pa->epoch) {
        push_arg_free(pa);
        return; /* the state moved on: the next round pushes the new one */
    }
    bytebuf text;
    bytebuf_init(&text);
    topology *t = rd_malloc(sizeof *t);
    if (sentinel_state_topology(t) == 0)
        topology_encode(t, &text);
    topology_free(t);
    rd_free(t);
    if (text.len == 0) {
        bytebuf_free(&text);
        push_arg_free(pa);
        return;
    }
    if (has && held > pa->epoch) {
        server_log(LL_WARNING, "Sentinel: %s:%d holds topology epoch %llu, newer than ours (%llu): re-committing above it",
                   pa->host, pa->port, (unsigned long long)held, (unsigned long long)pa->epoch);
        if (held > T.bump_above)
            T.bump_above = held;
    } else if (has && held == pa->epoch) {
        if (reply->len != text.len || memcmp(reply->str, text.data, text.len) != 0) {
            server_log(LL_WARNING, "Sentinel: %s:%d holds another topology at epoch %llu: re-committing above it",
                       pa->host, pa->port, (unsigned long long)held);
            if (held > T.bump_above)
                T.bump_above = held;
        }
    } else {
        /* nil or older: push ours */
        bytebuf_append_char(&text, '\0');
        const char *argv[3] = {"CLUSTER", "SETTOPOLOGY", text.data};
        if (sentinel_ctl_call(pa->host, pa->port, pa->password, PUSH_TIMEOUT_MS, set_reply, pa, 3, argv) == 0) {
            T.round_pending++;
            char was[40];
            if (has)
                snprintf(was, sizeof was, "epoch %llu", (unsigned long long)held);
            else
                snprintf(was, sizeof was, "none");
            server_log(LL_NOTICE, "Sentinel: pushing topology epoch %llu to %s:%d (it holds %s)",
                       (unsigned long long)pa->epoch, pa->host, pa->port, was);
            pa = NULL; /* set_reply owns it */
        }
    }
    bytebuf_free(&text);
    if (pa)
        push_arg_free(pa);
}

/* The committed topology again, above bump_above (a node holds a newer or conflicting one). */
static void recommit_above(void)
{
    topology *t = rd_malloc(sizeof *t);
    if (sentinel_state_topology(t) == 0) {
        uint64_t e = T.bump_above > t->epoch ? T.bump_above : t->epoch;
        t->epoch = e + 1;
        if (sentinel_state_commit_topology(t) == 0)
            server_log(LL_NOTICE, "Sentinel: topology re-committed at epoch %llu", (unsigned long long)t->epoch);
    }
    topology_free(t);
    rd_free(t);
    T.bump_above = 0;
}

/* A shard whose master was removed (SENTINEL REMOVE) stays in the topology, slots and
 * all: say so once per shard id. */
static void note_orphan(const topology_shard *sh)
{
    for (size_t off = 0; off + TOPOLOGY_ID_LEN <= T.orphans_logged.len; off += TOPOLOGY_ID_LEN)
        if (memcmp(T.orphans_logged.data + off, sh->id, TOPOLOGY_ID_LEN) == 0)
            return;
    bytebuf_append(&T.orphans_logged, sh->id, TOPOLOGY_ID_LEN);
    server_log(LL_NOTICE, "Sentinel: shard %s has no monitored master (removed?): it stays in the topology "
                          "with its %d slot range(s)", sh->id, sh->range_count);
}

static void push_tick(int64_t now)
{
    if (T.round_pending > 0 || now < T.next_round)
        return;
    T.next_round = now + PUSH_PERIOD_MS;
    uint64_t epoch = sentinel_state_epoch();
    if (T.bump_above && T.bump_above >= epoch) {
        recommit_above();
        return;
    }
    T.bump_above = 0;
    topology *t = rd_malloc(sizeof *t);
    if (sentinel_state_topology(t) != 0) {
        rd_free(t);
        return;
    }
    T.round_gen++;
    static const char *const argv[2] = {"CLUSTER", "GETTOPOLOGY"};
    for (int i = 0; i < t->shard_count; i++) {
        const topology_shard *sh = &t->shards[i];
        const sentinel_master *owner = master_of_shard(sh);
        if (!owner)
            note_orphan(sh);
        const char *pw = sentinel_master_password(owner);
        for (int j = 0; j < sh->node_count; j++) {
            push_arg *pa = rd_calloc(1, sizeof *pa);
            pa->gen = T.round_gen;
            snprintf(pa->host, sizeof pa->host, "%s", sh->nodes[j].host);
            pa->port = sh->nodes[j].port;
            pa->password = pw ? rd_strndup(pw, strlen(pw)) : NULL;
            pa->epoch = t->epoch;
            if (sentinel_ctl_call(pa->host, pa->port, pw, QUERY_TIMEOUT_MS, get_reply, pa, 2, argv) == 0)
                T.round_pending++;
            else
                push_arg_free(pa);
        }
    }
    topology_free(t);
    rd_free(t);
}

/* ---- membership changes ------------------------------------------------------------ */

int sentinel_topology_replace_member(const char *name, const char *old_node_id, const char *new_node_id,
                                     uint64_t raft_id, const char *host, int port, int bus_port)
{
    if (!raft_node_is_leader())
        return -1;
    topology *cur = rd_malloc(sizeof *cur);
    if (sentinel_state_topology(cur) != 0) {
        rd_free(cur);
        return -1;
    }
    char sid[41];
    int si = -1;
    if (sentinel_state_shard_id(name, sid))
        si = topology_find_shard(cur, sid);
    if (si < 0)
        topology_find_node(cur, old_node_id, &si);
    if (si < 0) {
        server_log(LL_WARNING, "Sentinel: master %s has no shard in the topology", name);
        topology_free(cur);
        rd_free(cur);
        return -1;
    }
    const topology_shard *osh = &cur->shards[si];
    int has_old = 0, has_new = 0;
    for (int j = 0; j < osh->node_count; j++) {
        has_old |= strcmp(osh->nodes[j].id, old_node_id) == 0;
        has_new |= strcmp(osh->nodes[j].id, new_node_id) == 0;
    }
    if (!has_old && has_new) {
        topology_free(cur);
        rd_free(cur);
        return 0; /* already done */
    }
    topology *t = rd_malloc(sizeof *t);
    topology_init(t);
    uint64_t se = sentinel_state_epoch();
    t->epoch = (cur->epoch > se ? cur->epoch : se) + 1;
    int ok = 1;
    for (int i = 0; i < cur->shard_count && ok; i++) {
        const topology_shard *s = &cur->shards[i];
        topology_shard *sh = topology_add_shard(t, s->id);
        ok = sh != NULL;
        for (int r = 0; ok && r < s->range_count; r++)
            ok = topology_shard_add_range(sh, s->ranges[r].start, s->ranges[r].end) == 0;
        for (int j = 0; ok && j < s->node_count; j++) {
            const topology_node *nd = &s->nodes[j];
            if (i == si && strcmp(nd->id, old_node_id) == 0)
                continue;
            ok = topology_shard_add_node(sh, nd->id, nd->raft_id, nd->host, nd->port, nd->bus_port) != NULL;
        }
        if (ok && i == si && !has_new)
            ok = topology_shard_add_node(sh, new_node_id, raft_id, host, port, bus_port) != NULL;
    }
    char err[256] = "out of limits";
    int rc = -1;
    if (ok && topology_finish(t, err, sizeof err) == 0) {
        rc = sentinel_state_commit_topology(t);
        if (rc == 0) {
            server_log(LL_NOTICE, "Sentinel: topology epoch %llu: %s replaced by %s in the shard of %s",
                       (unsigned long long)t->epoch, old_node_id, new_node_id, name);
            T.next_round = 0;
        }
    } else {
        server_log(LL_WARNING, "Sentinel: cannot build the repaired topology: %s", err);
    }
    topology_free(t);
    rd_free(t);
    topology_free(cur);
    rd_free(cur);
    return rc;
}

/* ---- the epoch watcher ------------------------------------------------------------- */

static void watch_tick(void)
{
    uint64_t e = sentinel_state_epoch();
    if (e <= T.seen_epoch)
        return;
    T.seen_epoch = e;
    sentinel_event("+new-epoch", "%llu", (unsigned long long)e);
    topology *t = rd_malloc(sizeof *t);
    if (sentinel_state_topology(t) != 0) {
        rd_free(t);
        return;
    }
    const member *acting = raft_node_is_leader() ? NULL : raft_node_leader_member();
    for (int i = 0; acting && T.seen && i < t->shard_count; i++) {
        const topology_shard *sh = &t->shards[i];
        int old = topology_find_shard(T.seen, sh->id);
        int changed = old < 0 || T.seen->shards[old].node_count != sh->node_count;
        for (int j = 0; !changed && j < sh->node_count; j++)
            changed = strcmp(T.seen->shards[old].nodes[j].id, sh->nodes[j].id) != 0;
        sentinel_master *m = changed ? master_of_shard(sh) : NULL;
        if (!m)
            continue;
        const char *mh = NULL;
        int mp = 0;
        sentinel_master_addr(m, &mh, &mp);
        sentinel_event("+config-update-from", "sentinel %s %s %d @ %s %s %d", acting->node_id, acting->host,
                       acting->port, m->name, mh && mh[0] ? mh : m->seed_host, mh && mh[0] ? mp : m->seed_port);
    }
    if (T.seen) {
        topology_free(T.seen);
        rd_free(T.seen);
    }
    T.seen = t;
}

void sentinel_topology_tick(int64_t now)
{
    watch_tick();
    int acting = raft_node_is_leader();
    if (acting != T.acting) {
        /* operators (and tests) find the acting sentinel by this line */
        server_log(LL_NOTICE, acting ? "Sentinel: acting sentinel now (state epoch %llu)"
                                     : "Sentinel: no longer the acting sentinel (state epoch %llu)",
                   (unsigned long long)sentinel_state_epoch());
        T.acting = acting;
    }
    if (!acting) {
        if (T.phase != PH_IDLE) {
            T.gen++;
            T.phase = PH_IDLE;
            held_clear();
        }
        T.bump_above = 0;
        return;
    }
    standalone_ids_tick(now);
    creation_tick(now);
    if (sentinel_state_has_topology())
        push_tick(now);
}
