/* Unit test for node/raft_transport.c: three real raft servers (raft_uv on three
 * temporary dirs, the NODELAY wrapper transport on three loopback ports) in one
 * process and one uv loop. They bootstrap the same configuration, elect a leader,
 * replicate 200 padded entries that every FSM must apply once each and in order,
 * and shut down cleanly (uv_loop_close returns 0). A second run starts only two of
 * the three voters, so connects fail through the wrapper; a third case checks
 * init/bind errors and cleanup after a failed raft_init. TCP_NODELAY is checked twice:
 * by the wrapper's counters and by getsockopt on every connected TCP handle of the
 * loop. Elections and timings are logged as information only. */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "raft_transport.h"

/* Under ASan, Criterion's worker reports leaks on stderr but still passes the test:
 * ask LeakSanitizer directly at the end of the test instead. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define LEAKS_FOUND() __lsan_do_recoverable_leak_check()
#else
#define LEAKS_FOUND() 0
#endif

#define N_NODES 3
#define N_ENTRIES 200
#define ENTRY_MAGIC 0x52445246u /* "RDRF" */
#define LEADER_TIMEOUT_MS 30000
#define TOTAL_TIMEOUT_MS 120000
#define PUMP_MS 5

struct node;

/* One raft_apply in flight. Lives until its callback (which frees it). The leader's
 * FSM writes the result here, found through the submitting node's table by seq. */
typedef struct apply_req {
    struct raft_apply req; /* req.data = this */
    struct node *node;     /* where it was submitted */
    uint32_t seq;
    uint32_t result_seq;   /* written by apply on the submitting node */
    int result_set;
} apply_req;

typedef struct node {
    unsigned idx;
    raft_id id;
    char dir[64];
    char address[32];
    rtransport tr;
    struct raft_io io;
    struct raft_fsm fsm;
    struct raft raft;
    int tr_ready, io_ready, raft_ready, closed;

    /* FSM state. */
    uint32_t applied;     /* highest seq applied; entries arrive as 1..N_ENTRIES */
    uint32_t duplicates;  /* resubmitted seqs already applied (after a failover) */
    uint32_t order_errors;
    uint32_t format_errors;

    apply_req *pending[N_ENTRIES + 1]; /* leader-side result table, by seq */
} node;

typedef enum { PHASE_WAIT_LEADER, PHASE_REPLICATE, PHASE_CLOSING } phase;

typedef struct cluster {
    uv_loop_t loop;
    uv_timer_t pump;
    uv_timer_t watchdog;
    node nodes[N_NODES];
    phase phase;
    unsigned n_up; /* nodes 0..n_up-1 run; the others are configured, never started */
    int timed_out;
    int setup_failed;
    char setup_error[512];

    uint64_t t_start, t_leader, t_replicated;
    raft_id first_leader;
    unsigned leader_changes;
    raft_id last_leader;

    int acked[N_ENTRIES + 1];
    unsigned n_acked;
    unsigned inflight;
    unsigned apply_failures;    /* callbacks with status != 0 (info: failovers) */
    unsigned submit_failures;   /* raft_apply returned != 0 (info) */
    unsigned result_mismatches; /* callback result not its own request */
    unsigned closes_pending;

    /* TCP_NODELAY check by getsockopt. */
    unsigned streams_seen, streams_nodelay;
} cluster;

/* ---- FSM ---------------------------------------------------------------------- */

/* Entry layout: u32 magic, u32 seq, u32 text length, text "entry-<seq>", zero
 * padding to a multiple of 8 (raft 0.22.1 rejects and corrupts otherwise). */
static size_t encode_entry(uint32_t seq, struct raft_buffer *buf)
{
    char text[32];
    int tl = snprintf(text, sizeof text, "entry-%u", seq);
    size_t raw = 12 + (size_t)tl;
    size_t len = (raw + 7) & ~(size_t)7;
    uint32_t hdr[3] = {ENTRY_MAGIC, seq, (uint32_t)tl};

    buf->base = raft_malloc(len);
    if (buf->base == NULL)
        return 0;
    memset(buf->base, 0, len);
    memcpy(buf->base, hdr, sizeof hdr);
    memcpy((char *)buf->base + 12, text, (size_t)tl);
    buf->len = len;
    return len;
}

static int decode_entry(const struct raft_buffer *buf, uint32_t *seq)
{
    uint32_t hdr[3];
    char text[32];
    int tl;

    if (buf->len < 16 || buf->len % 8 != 0)
        return -1;
    memcpy(hdr, buf->base, sizeof hdr);
    if (hdr[0] != ENTRY_MAGIC || hdr[2] > buf->len - 12)
        return -1;
    tl = snprintf(text, sizeof text, "entry-%u", hdr[1]);
    if ((uint32_t)tl != hdr[2] || memcmp((char *)buf->base + 12, text, (size_t)tl) != 0)
        return -1;
    *seq = hdr[1];
    return 0;
}

static int fsm_apply(struct raft_fsm *fsm, const struct raft_buffer *buf, void **result)
{
    node *n = fsm->data;
    uint32_t seq;

    *result = NULL;
    /* Command errors are recorded, never returned: a non-zero return wedges raft. */
    if (decode_entry(buf, &seq) != 0) {
        n->format_errors++;
        return 0;
    }
    if (seq <= n->applied) {
        n->duplicates++;
    } else if (seq == n->applied + 1 && seq <= N_ENTRIES) {
        n->applied = seq;
    } else {
        n->order_errors++;
        return 0;
    }
    if (seq <= N_ENTRIES && n->pending[seq] != NULL) {
        apply_req *r = n->pending[seq];
        r->result_seq = seq;
        r->result_set = 1;
        *result = r;
    }
    return 0;
}

static int fsm_snapshot(struct raft_fsm *fsm, struct raft_buffer *bufs[], unsigned *n_bufs)
{
    node *n = fsm->data;
    struct raft_buffer *b = raft_malloc(sizeof *b);
    if (b == NULL)
        return RAFT_NOMEM;
    b->len = 8;
    b->base = raft_malloc(8);
    if (b->base == NULL) {
        raft_free(b);
        return RAFT_NOMEM;
    }
    memset(b->base, 0, 8);
    memcpy(b->base, &n->applied, sizeof n->applied);
    *bufs = b;
    *n_bufs = 1;
    return 0;
}

static int fsm_restore(struct raft_fsm *fsm, struct raft_buffer *buf)
{
    node *n = fsm->data;
    if (buf->len != 8)
        return RAFT_MALFORMED;
    memcpy(&n->applied, buf->base, sizeof n->applied);
    raft_free(buf->base);
    return 0;
}

/* ---- helpers ------------------------------------------------------------------ */

static uint64_t now_ms(cluster *c)
{
    uv_update_time(&c->loop);
    return uv_now(&c->loop);
}

/* Three distinct free loopback ports: bind all three to port 0 at once, read them,
 * close. Another process could take one in between; unlikely on loopback. */
static int free_ports(unsigned short ports[N_NODES])
{
    int fds[N_NODES];
    int rc = 0;
    for (int i = 0; i < N_NODES; i++)
        fds[i] = -1;
    for (int i = 0; i < N_NODES && rc == 0; i++) {
        struct sockaddr_in sa = {0};
        socklen_t sl = sizeof sa;
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&sa, sizeof sa) != 0 ||
            getsockname(fds[i], (struct sockaddr *)&sa, &sl) != 0)
            rc = -1;
        else
            ports[i] = ntohs(sa.sin_port);
    }
    for (int i = 0; i < N_NODES; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    return rc;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_rf(const char *dir)
{
    if (dir[0] != '\0')
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static raft_id current_leader(cluster *c, node **leader)
{
    *leader = NULL;
    for (int i = 0; i < N_NODES; i++) {
        node *n = &c->nodes[i];
        if (n->raft_ready && !n->closed && raft_state(&n->raft) == RAFT_LEADER) {
            *leader = n;
            return n->id;
        }
    }
    return 0;
}

/* ---- TCP_NODELAY check on the loop's connected TCP handles ---------------------- */

static void check_nodelay_cb(uv_handle_t *h, void *arg)
{
    cluster *c = arg;
    uv_os_fd_t fd;
    struct sockaddr_storage peer;
    socklen_t pl = sizeof peer;
    int on = 0;
    socklen_t ol = sizeof on;

    if (h->type != UV_TCP || uv_is_closing(h) || uv_fileno(h, &fd) != 0)
        return;
    if (getpeername(fd, (struct sockaddr *)&peer, &pl) != 0)
        return; /* a listener, or not connected yet */
    c->streams_seen++;
    if (getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &ol) == 0 && on)
        c->streams_nodelay++;
}

/* ---- apply requests ----------------------------------------------------------- */

static void apply_cb(struct raft_apply *req, int status, void *result)
{
    apply_req *r = req->data;
    cluster *c = r->node->raft.data;

    c->inflight--;
    r->node->pending[r->seq] = NULL;
    if (status == 0) {
        if (result != r || !r->result_set || r->result_seq != r->seq)
            c->result_mismatches++;
        if (!c->acked[r->seq]) {
            c->acked[r->seq] = 1;
            c->n_acked++;
        }
    } else {
        /* LEADERSHIPLOST is an unknown outcome: resubmitted later, the FSM
         * ignores a seq it already applied. */
        c->apply_failures++;
        cr_log_info("apply seq %u on node %llu: status %d (%s)", r->seq,
                    (unsigned long long)r->node->id, status, raft_strerror(status));
    }
    free(r);
}

/* Submit every not yet acknowledged seq, in order, to the leader. Only when nothing
 * is in flight, so a seq is never pending twice. */
static void submit_rest(cluster *c, node *leader)
{
    for (uint32_t seq = 1; seq <= N_ENTRIES; seq++) {
        struct raft_buffer buf;
        apply_req *r;
        int rv;

        if (c->acked[seq])
            continue;
        r = calloc(1, sizeof *r);
        if (r == NULL || encode_entry(seq, &buf) == 0) {
            free(r);
            c->submit_failures++;
            return;
        }
        r->req.data = r;
        r->node = leader;
        r->seq = seq;
        leader->pending[seq] = r;
        rv = raft_apply(&leader->raft, &r->req, &buf, 1, apply_cb);
        if (rv != 0) {
            /* Not accepted: we still own the buffer, no callback will fire. */
            leader->pending[seq] = NULL;
            raft_free(buf.base);
            free(r);
            c->submit_failures++;
            cr_log_info("raft_apply seq %u: %d (%s)", seq, rv, raft_strerror(rv));
            return;
        }
        c->inflight++;
    }
}

/* ---- shutdown ----------------------------------------------------------------- */

static void node_raft_closed(struct raft *r)
{
    cluster *c = r->data;
    node *n = NULL;
    for (int i = 0; i < N_NODES; i++)
        if (&c->nodes[i].raft == r)
            n = &c->nodes[i];
    /* raft_uv has closed the transport by now (its close callback came first). */
    raft_uv_close(&n->io);
    n->io_ready = 0;
    rtransport_fini(&n->tr);
    n->tr_ready = 0;
    n->closed = 1;
    c->closes_pending--;
}

static void begin_close(cluster *c)
{
    if (c->phase == PHASE_CLOSING)
        return;
    c->phase = PHASE_CLOSING;
    uv_close((uv_handle_t *)&c->pump, NULL);
    uv_close((uv_handle_t *)&c->watchdog, NULL);
    for (int i = 0; i < N_NODES; i++) {
        node *n = &c->nodes[i];
        if (n->raft_ready) {
            c->closes_pending++;
            raft_close(&n->raft, node_raft_closed);
        }
    }
}

/* ---- driver ------------------------------------------------------------------- */

static void pump_cb(uv_timer_t *t)
{
    cluster *c = t->data;
    node *leader;
    raft_id lid = current_leader(c, &leader);

    if (lid != 0 && lid != c->last_leader) {
        if (c->last_leader != 0)
            c->leader_changes++;
        c->last_leader = lid;
    }

    if (c->phase == PHASE_WAIT_LEADER) {
        if (lid == 0) {
            if (now_ms(c) - c->t_start > LEADER_TIMEOUT_MS) {
                c->timed_out = 1;
                cr_log_error("no leader after %d ms", LEADER_TIMEOUT_MS);
                begin_close(c);
            }
            return;
        }
        c->t_leader = now_ms(c);
        c->first_leader = lid;
        c->phase = PHASE_REPLICATE;
    }

    if (c->phase == PHASE_REPLICATE) {
        int all = 1;
        for (unsigned i = 0; i < c->n_up; i++)
            if (c->nodes[i].applied < N_ENTRIES)
                all = 0;
        if (all && c->n_acked == N_ENTRIES && c->inflight == 0) {
            c->t_replicated = now_ms(c);
            uv_walk(&c->loop, check_nodelay_cb, c);
            begin_close(c);
            return;
        }
        if (c->inflight == 0 && c->n_acked < N_ENTRIES && leader != NULL)
            submit_rest(c, leader);
    }
}

static void watchdog_cb(uv_timer_t *t)
{
    cluster *c = t->data;
    c->timed_out = 1;
    cr_log_error("timed out in phase %d (acked %u, applied %u/%u/%u)", (int)c->phase,
                 c->n_acked, c->nodes[0].applied, c->nodes[1].applied,
                 c->nodes[2].applied);
    begin_close(c);
}

static int setup_node(cluster *c, node *n, const struct raft_configuration *conf)
{
    int rv;

    rv = rtransport_init(&n->tr, &c->loop);
    if (rv != 0) {
        snprintf(c->setup_error, sizeof c->setup_error, "rtransport_init: %s",
                 n->tr.base.errmsg);
        return rv;
    }
    n->tr_ready = 1;
    rv = rtransport_set_bind_address(&n->tr, n->address);
    if (rv != 0) {
        snprintf(c->setup_error, sizeof c->setup_error, "bind: %s", n->tr.base.errmsg);
        return rv;
    }
    rv = raft_uv_init(&n->io, &c->loop, n->dir, rtransport_base(&n->tr));
    if (rv != 0) {
        snprintf(c->setup_error, sizeof c->setup_error, "raft_uv_init: %d %s", rv,
                 n->io.errmsg);
        return rv;
    }
    n->io_ready = 1;

    n->fsm.version = 1;
    n->fsm.data = n;
    n->fsm.apply = fsm_apply;
    n->fsm.snapshot = fsm_snapshot;
    n->fsm.restore = fsm_restore;
    rv = raft_init(&n->raft, &n->io, &n->fsm, n->id, n->address);
    if (rv != 0) {
        snprintf(c->setup_error, sizeof c->setup_error, "raft_init: %d %s", rv,
                 raft_errmsg(&n->raft));
        return rv;
    }
    n->raft_ready = 1;
    n->raft.data = c;

    rv = raft_bootstrap(&n->raft, conf);
    if (rv != 0) {
        snprintf(c->setup_error, sizeof c->setup_error, "raft_bootstrap: %d %s", rv,
                 raft_errmsg(&n->raft));
        return rv;
    }
    raft_set_election_timeout(&n->raft, 300);
    raft_set_heartbeat_timeout(&n->raft, 30);
    raft_set_pre_vote(&n->raft, true);
    rv = raft_start(&n->raft);
    if (rv != 0) {
        snprintf(c->setup_error, sizeof c->setup_error, "raft_start: %d %s", rv,
                 raft_errmsg(&n->raft));
        return rv;
    }
    return 0;
}

/* Run the cluster with the first n_up of N_NODES voters started. */
static void run_cluster(unsigned n_up)
{
    cluster *c = calloc(1, sizeof *c);
    struct raft_configuration conf;
    unsigned short ports[N_NODES];
    int rv;

    cr_assert_not_null(c);
    c->n_up = n_up;
    signal(SIGPIPE, SIG_IGN); /* a peer closing mid-write must not kill us */
    cr_assert_eq(uv_loop_init(&c->loop), 0);
    cr_assert_eq(free_ports(ports), 0, "no free loopback ports");

    raft_configuration_init(&conf);
    for (int i = 0; i < N_NODES; i++) {
        node *n = &c->nodes[i];
        n->idx = (unsigned)i;
        n->id = (raft_id)(i + 1);
        snprintf(n->address, sizeof n->address, "127.0.0.1:%u", ports[i]);
        snprintf(n->dir, sizeof n->dir, "/tmp/redraft-rt-XXXXXX");
        if (mkdtemp(n->dir) == NULL) {
            n->dir[0] = '\0';
            c->setup_failed = 1;
            snprintf(c->setup_error, sizeof c->setup_error, "mkdtemp: %s",
                     strerror(errno));
            break;
        }
        rv = raft_configuration_add(&conf, n->id, n->address, RAFT_VOTER);
        if (rv != 0) {
            c->setup_failed = 1;
            snprintf(c->setup_error, sizeof c->setup_error, "configuration_add: %d", rv);
            break;
        }
    }

    c->t_start = now_ms(c);
    for (unsigned i = 0; i < n_up && !c->setup_failed; i++)
        if (setup_node(c, &c->nodes[i], &conf) != 0)
            c->setup_failed = 1;
    raft_configuration_close(&conf);

    uv_timer_init(&c->loop, &c->pump);
    uv_timer_init(&c->loop, &c->watchdog);
    c->pump.data = c;
    c->watchdog.data = c;
    if (c->setup_failed) {
        cr_log_error("setup failed: %s", c->setup_error);
        begin_close(c);
    } else {
        uv_timer_start(&c->pump, pump_cb, PUMP_MS, PUMP_MS);
        uv_timer_start(&c->watchdog, watchdog_cb, TOTAL_TIMEOUT_MS, 0);
    }

    uv_run(&c->loop, UV_RUN_DEFAULT);

    /* Nodes whose raft_init failed were never given to raft_close. */
    for (int i = 0; i < N_NODES; i++) {
        node *n = &c->nodes[i];
        if (n->io_ready) {
            raft_uv_close(&n->io);
            n->io_ready = 0;
        }
        if (n->tr_ready) {
            rtransport_fini(&n->tr);
            n->tr_ready = 0;
        }
    }
    rv = uv_loop_close(&c->loop);
    for (int i = 0; i < N_NODES; i++)
        rm_rf(c->nodes[i].dir);

    uint64_t conn = 0, acc = 0, nd = 0, ndf = 0, cf = 0, coalesced = 0;
    for (int i = 0; i < N_NODES; i++) {
        rtransport_stats *s = &c->nodes[i].tr.stats;
        conn += s->connected;
        acc += s->accepted;
        nd += s->nodelay_set;
        ndf += s->nodelay_failed;
        cf += s->connect_failed;
        coalesced += s->reads_coalesced;
    }
    cr_log_info("%u of %d nodes up: leader %llu after %llu ms; 200 entries on all "
                "running nodes %llu ms later; leader changes %u; apply failures %u; "
                "submit failures %u",
                n_up, N_NODES, (unsigned long long)c->first_leader,
                (unsigned long long)(c->t_leader - c->t_start),
                (unsigned long long)(c->t_replicated - c->t_leader), c->leader_changes,
                c->apply_failures, c->submit_failures);
    cr_log_info("streams: %llu connected, %llu accepted, %llu connect failures; "
                "nodelay set %llu, failed %llu; getsockopt: %u/%u connected handles",
                (unsigned long long)conn, (unsigned long long)acc,
                (unsigned long long)cf, (unsigned long long)nd,
                (unsigned long long)ndf, c->streams_nodelay, c->streams_seen);

    cr_expect(!c->setup_failed, "setup: %s", c->setup_error);
    cr_expect(!c->timed_out, "timed out");
    cr_expect_eq(rv, 0, "uv_loop_close: %s", rv ? uv_err_name(rv) : "ok");
    cr_expect_eq(c->n_acked, N_ENTRIES);
    cr_expect_eq(c->result_mismatches, 0u);
    for (unsigned i = 0; i < n_up; i++) {
        node *n = &c->nodes[i];
        cr_expect_eq(n->applied, N_ENTRIES, "node %u applied %u", n->idx, n->applied);
        cr_expect_eq(n->order_errors, 0u, "node %u order errors", n->idx);
        cr_expect_eq(n->format_errors, 0u, "node %u format errors", n->idx);
        cr_expect(n->closed, "node %u not closed", n->idx);
    }
    cr_expect_gt(conn, 0);
    cr_expect_gt(acc, 0);
    cr_expect_eq(ndf, 0);
    cr_expect_eq(nd, conn + acc, "every handed-over stream got NODELAY");
    /* The entries above arrived through the read shim, byte for byte (applied, in
     * order, no format error). */
    cr_expect_eq(coalesced, acc, "every accepted stream reads through the shim");
    cr_expect_gt(c->streams_seen, 0u);
    cr_expect_eq(c->streams_nodelay, c->streams_seen, "getsockopt TCP_NODELAY");
    if (n_up < N_NODES)
        cr_expect_gt(cf, 0, "connects to the stopped node failed through the wrapper");
    free(c);
    cr_expect_eq(LEAKS_FOUND(), 0, "LeakSanitizer found leaks (see stderr)");
}

Test(raft_transport, three_nodes_replicate_with_nodelay, .timeout = 240)
{
    run_cluster(N_NODES);
}

/* A configured voter that never starts: connects to it fail (refused on loopback)
 * and go through the wrapper's failure path; the other two still commit. */
Test(raft_transport, two_of_three_up_connect_failures, .timeout = 240)
{
    run_cluster(N_NODES - 1);
}

/* Error paths that need no network: version and data pointers after init, a
 * malformed bind address, a second bind address, fini twice. */
Test(raft_transport, init_and_bind_errors)
{
    uv_loop_t loop;
    rtransport t;

    cr_assert_eq(uv_loop_init(&loop), 0);
    cr_assert_eq(rtransport_init(&t, &loop), 0);
    cr_expect_eq(t.base.version, 1);
    cr_expect_eq(t.inner.version, 1, "raft_uv_tcp_init kept version");
    cr_expect_eq(t.inner.data, &t);
    cr_expect_eq((void *)rtransport_base(&t), (void *)&t);
    /* raft_uv_tcp only rejects a host part that does not fit NI_MAXHOST (1025);
     * anything else fails later, at listen. */
    char longhost[1200];
    memset(longhost, 'a', sizeof longhost - 7);
    memcpy(longhost + sizeof longhost - 7, ":12345", 7);
    cr_expect_eq(rtransport_set_bind_address(&t, longhost), RAFT_INVALID);
    cr_expect_eq(rtransport_set_bind_address(&t, "127.0.0.1:9999"), 0);
    cr_expect_eq(rtransport_set_bind_address(&t, "127.0.0.1:9998"), RAFT_INVALID);
    rtransport_fini(&t);
    rtransport_fini(&t);
    cr_expect_eq(uv_loop_close(&loop), 0);
    memset(&t, 0, sizeof t); /* so a pointer left in t can't hide a leak */
    cr_expect_eq(LEAKS_FOUND(), 0, "LeakSanitizer found leaks (see stderr)");
}

/* raft_init on a missing data dir fails (RAFT_NOTFOUND in 0.22.1) before anything
 * listens: raft_uv_close plus rtransport_fini release everything, without running
 * the loop. */
Test(raft_transport, cleanup_after_failed_raft_init)
{
    uv_loop_t loop;
    rtransport t;
    struct raft_io io;
    struct raft_fsm fsm = {0};
    struct raft r;
    int rv;

    fsm.version = 1;
    fsm.apply = fsm_apply;
    fsm.snapshot = fsm_snapshot;
    fsm.restore = fsm_restore;
    cr_assert_eq(uv_loop_init(&loop), 0);
    cr_assert_eq(rtransport_init(&t, &loop), 0);
    rv = raft_uv_init(&io, &loop, "/nonexistent/redraft-rt-missing", rtransport_base(&t));
    cr_assert_eq(rv, 0, "raft_uv_init: %d %s", rv, io.errmsg);
    rv = raft_init(&r, &io, &fsm, 1, "127.0.0.1:1");
    cr_expect_neq(rv, 0);
    cr_log_info("raft_init on a missing dir: %d (%s) %s", rv, raft_strerror(rv),
                raft_errmsg(&r));
    raft_uv_close(&io);
    rtransport_fini(&t);
    cr_expect_eq(uv_loop_close(&loop), 0);
    memset(&t, 0, sizeof t);
    memset(&io, 0, sizeof io);
    cr_expect_eq(LEAKS_FOUND(), 0, "LeakSanitizer found leaks (see stderr)");
}
