/* server: the process-wide state (g_server), the listening sockets, the event loop's
 * own handles and the orderly shutdown.
 *
 * Owns: binding and accepting (bind list with Redis's "* -::*" default, tcp-backlog,
 * maxclients, protected-mode), the cron timer at `hz` (idle-client timeout, soft
 * output-buffer limits, the slow active-expiry cycle, eviction while over maxmemory,
 * ops/sec samples, peak memory), the prepare handle that runs once per loop iteration
 * before the loop blocks (the write of every client with pending output -- so pipelined
 * replies leave in one write -- and the fast expiry cycle), SIGTERM/SIGINT, the clocks
 * and the Redis-format log. Clients themselves are client.c's. */
#include "server.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "config.h"
#include "evict.h"
#include "expire.h"
#include "info.h"
#include "mem.h"
#include "peer_links.h"
#include "raft_node.h"
#include "replicate.h"
#include "slowlog.h"

server g_server;

static uv_loop_t loop_storage;
static int loop_ready;

static const char maxclients_error[] = "-ERR max number of clients reached\r\n";
static const char protected_mode_error[] =
    "-DENIED Redis is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from "
    "the loopback interface. If you want to connect from external computers to Redis you may "
    "adopt one of the following solutions: 1) Just disable protected mode sending the command "
    "'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from "
    "the same host the server is running, however MAKE SURE Redis is not publicly accessible "
    "from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) "
    "Alternatively you can just disable the protected mode by editing the Redis configuration "
    "file, and setting the protected mode option to 'no', and then restarting the server. 3) "
    "If you started the server manually just for testing, restart it with the "
    "'--protected-mode no' option. 4) Set up an authentication password for the default user. "
    "NOTE: You only need to do one of the above things in order for the server to start "
    "accepting connections from the outside.\r\n";

static int bound_to_all_interfaces; /* some listener is a wildcard address */

/* ---- clocks and log ------------------------------------------------------------------ */

int64_t server_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t server_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t server_mono_ms(void)
{
    return server_mono_us() / 1000;
}

/* libuv caches a monotonic ms clock per loop iteration (updated right after the poll
 * returns); wall = that + an offset re-read by the cron. So the many per-command clock
 * reads cost nothing, and all the commands of one read batch share one time, as the
 * commands of one Raft entry will. */
void server_refresh_clock(server *s)
{
    if (s->loop)
        uv_update_time(s->loop);
    s->wall_offset_ms = server_wall_ms() - (s->loop ? (int64_t)uv_now(s->loop) : 0);
}

int64_t server_loop_wall_ms(const server *s)
{
    return s->wall_offset_ms + (s->loop ? (int64_t)uv_now(s->loop) : server_mono_ms());
}

int64_t server_next_entry_ms(server *s)
{
    int64_t now = server_loop_wall_ms(s);
    if (now < s->last_entry_ms)
        now = s->last_entry_ms;
    if (now < s->proposed_entry_ms)
        now = s->proposed_entry_ms;
    s->proposed_entry_ms = now;
    return now;
}

/* `pid:M 28 Nov 2026 08:14:00.123 * message`, Redis's serverLogRaw format; the marks
 * . - * # are debug, verbose, notice, warning. */
void server_log(int level, const char *fmt, ...)
{
    if (level < g_server.cfg.loglevel || level < LL_DEBUG || level > LL_WARNING)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    time_t secs = tv.tv_sec;
    localtime_r(&secs, &tm);
    char when[64];
    size_t n = strftime(when, sizeof when, "%d %b %Y %H:%M:%S.", &tm);
    snprintf(when + n, sizeof when - n, "%03d", (int)(tv.tv_usec / 1000));

    const char *logfile = g_server.cfg.logfile;
    FILE *fp = (logfile && logfile[0]) ? fopen(logfile, "a") : stdout;
    if (!fp)
        return;
    fprintf(fp, "%d:%c %s %c %s\n", (int)getpid(), g_server.sentinel_mode ? 'X' : 'M', when, ".-*#"[level], msg);
    fflush(fp);
    if (fp != stdout)
        fclose(fp);
}

/* ---- accepting ----------------------------------------------------------------------- */

static void free_handle(uv_handle_t *h)
{
    rd_free(h);
}

/* maxclients: Redis writes the error best-effort and closes, without a client. */
static void reject_connection(server *s, uv_stream_t *listener)
{
    uv_tcp_t *tcp = rd_malloc(sizeof *tcp);
    uv_tcp_init(s->loop, tcp);
    if (uv_accept(listener, (uv_stream_t *)tcp) == 0) {
        uv_buf_t b = uv_buf_init((char *)maxclients_error, sizeof maxclients_error - 1);
        int n = uv_try_write((uv_stream_t *)tcp, &b, 1);
        if (n > 0)
            s->stats.total_net_output_bytes += n;
        s->stats.rejected_connections++;
    }
    uv_close((uv_handle_t *)tcp, free_handle);
}

static int peer_is_loopback(client *c)
{
    struct sockaddr_storage ss;
    int len = sizeof ss;
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) != 0)
        return 0;
    if (ss.ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
        return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
    }
    if (ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
        if (IN6_IS_ADDR_LOOPBACK(&a->sin6_addr))
            return 1;
        return IN6_IS_ADDR_V4MAPPED(&a->sin6_addr) && a->sin6_addr.s6_addr[12] == 127;
    }
    return 0;
}

static void on_connection(uv_stream_t *listener, int status)
{
    server *s = listener->data;
    if (status < 0) {
        server_log(LL_WARNING, "Accepting client connection: %s", uv_strerror(status));
        return;
    }
    if (s->shutdown_asap)
        return;
    if ((long long)s->client_count >= s->cfg.maxclients) {
        reject_connection(s, listener);
        return;
    }
    client *c = client_create(s);
    int r = uv_accept(listener, (uv_stream_t *)&c->tcp);
    if (r != 0) {
        server_log(LL_WARNING, "Accepting client connection: %s", uv_strerror(r));
        client_close(c);
        return;
    }
    if (client_start(c) != 0) {
        client_close(c);
        return;
    }
    server_log(LL_VERBOSE, "Accepted %s", c->addr);
    /* protected-mode: no password, listening on every interface, remote peer. */
    if (s->cfg.protected_mode && !auth_password_required(&s->cfg) && bound_to_all_interfaces &&
        !peer_is_loopback(c)) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        resp_write_raw(&c->w, protected_mode_error, sizeof protected_mode_error - 1);
        c->flags |= CLIENT_CLOSE_AFTER_REPLY;
        s->stats.rejected_connections++;
        client_flush(c);
    }
}

/* One bind entry: "*" (IPv4 any), "::*" (IPv6 any), an address or a host name; a
 * leading '-' makes it optional (skipped when the address does not exist here). */
static int open_listener(server *s, const char *spec)
{
    int optional = spec[0] == '-';
    if (optional)
        spec++;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    int wildcard = 0;
    if (strcmp(spec, "*") == 0 || strcmp(spec, "0.0.0.0") == 0) {
        uv_ip4_addr("0.0.0.0", s->cfg.port, (struct sockaddr_in *)&ss);
        wildcard = 1;
    } else if (strcmp(spec, "::*") == 0 || strcmp(spec, "::") == 0) {
        uv_ip6_addr("::", s->cfg.port, (struct sockaddr_in6 *)&ss);
        wildcard = 1;
    } else if (uv_ip4_addr(spec, s->cfg.port, (struct sockaddr_in *)&ss) != 0 &&
               uv_ip6_addr(spec, s->cfg.port, (struct sockaddr_in6 *)&ss) != 0) {
        uv_getaddrinfo_t req;
        struct addrinfo hints;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_PASSIVE;
        int r = uv_getaddrinfo(s->loop, &req, NULL, spec, NULL, &hints);
        if (r != 0 || !req.addrinfo) {
            server_log(LL_WARNING, "Could not create server TCP listening socket %s:%d: %s", spec,
                       s->cfg.port, uv_strerror(r));
            return optional ? 0 : -1;
        }
        memcpy(&ss, req.addrinfo->ai_addr, req.addrinfo->ai_addrlen);
        if (ss.ss_family == AF_INET)
            ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)s->cfg.port);
        else
            ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)s->cfg.port);
        uv_freeaddrinfo(req.addrinfo);
    }
    if (s->listener_count >= SERVER_MAX_BINDS) {
        server_log(LL_WARNING, "Too many bind addresses specified.");
        return -1;
    }
    uv_tcp_t *tcp = &s->listeners[s->listener_count++];
    uv_tcp_init(s->loop, tcp);
    tcp->data = s;
    unsigned flags = ss.ss_family == AF_INET6 ? UV_TCP_IPV6ONLY : 0;
    int r = uv_tcp_bind(tcp, (const struct sockaddr *)&ss, flags);
    if (r == 0)
        r = uv_listen((uv_stream_t *)tcp, s->cfg.tcp_backlog > 0 ? s->cfg.tcp_backlog : 511, on_connection);
    if (r != 0) {
        uv_close((uv_handle_t *)tcp, NULL);
        int unavailable = r == UV_EADDRNOTAVAIL || r == UV_EAFNOSUPPORT || r == UV_EPROTONOSUPPORT ||
                          r == UV_ENOPROTOOPT || r == UV_ESOCKTNOSUPPORT;
        if (optional && unavailable)
            return 0;
        server_log(LL_WARNING, "Warning: Could not create server TCP listening socket %s:%d: %s",
                   spec, s->cfg.port, uv_strerror(r));
        return -1;
    }
    if (wildcard)
        bound_to_all_interfaces = 1;
    return 1;
}

static int open_listeners(server *s)
{
    static char *const defaults[] = {"*", "-::*"};
    char *const *binds = s->cfg.bind_count > 0 ? s->cfg.bind : defaults;
    int n = s->cfg.bind_count > 0 ? s->cfg.bind_count : 2;
    int opened = 0;
    for (int i = 0; i < n; i++) {
        int r = open_listener(s, binds[i]);
        if (r < 0)
            return -1;
        opened += r;
    }
    if (opened == 0) {
        server_log(LL_WARNING, "Configured to not listen anywhere, exiting.");
        return -1;
    }
    return 0;
}

/* ---- cron ---------------------------------------------------------------------------- */

static uint64_t cron_period_ms(const server *s)
{
    int hz = s->cfg.hz;
    if (hz < 1)
        hz = 1;
    if (hz > 500)
        hz = 500;
    return (uint64_t)(1000 / hz);
}

static void clients_cron(server *s, int64_t now_ms)
{
    long long timeout_ms = s->cfg.timeout > 0 ? s->cfg.timeout * 1000 : 0;
    client *next;
    for (client *c = s->clients; c; c = next) {
        next = c->next;
        /* Redis: no idle timeout for replicas, monitors, pub/sub and blocked clients (nor
         * for peers' links, as for Redis's cluster bus). */
        if (timeout_ms && !(c->flags & (CLIENT_PUBSUB | CLIENT_MONITOR)) &&
            now_ms - c->last_interaction_ms > timeout_ms && !peer_links_is_incoming(c)) {
            server_log(LL_VERBOSE, "Closing idle client");
            client_close(c);
            continue;
        }
        client_check_output_limits(c, now_ms);
    }
}

/* instantaneous_ops_per_sec: one sample of the command rate every 100 ms. */
static void sample_ops(server *s)
{
    int64_t now = server_mono_ms();
    server_stats *st = &s->stats;
    if (now - st->ops_sample_last_ms < 100)
        return;
    if (st->ops_sample_last_ms > 0) {
        int64_t elapsed = now - st->ops_sample_last_ms;
        long long ops = st->total_commands_processed - st->ops_sample_last_count;
        st->ops_samples[st->ops_sample_idx] = elapsed > 0 ? ops * 1000 / elapsed : 0;
        st->ops_sample_idx = (st->ops_sample_idx + 1) % 16;
    }
    st->ops_sample_last_ms = now;
    st->ops_sample_last_count = st->total_commands_processed;
}

static void on_cron(uv_timer_t *t)
{
    server *s = t->data;
    if (s->shutdown_asap)
        return;
    uint64_t period = cron_period_ms(s);
    if (uv_timer_get_repeat(t) != period)
        uv_timer_set_repeat(t, period); /* CONFIG SET hz */
    server_refresh_clock(s);
    int64_t now = server_loop_wall_ms(s);
    clients_cron(s, now);
    expire_active_cycle(s, now, 1);
    if (s->cfg.maxmemory > 0 && rd_used_memory() > s->cfg.maxmemory)
        evict_if_needed(s, now);
    sample_ops(s);
    size_t used = rd_used_memory();
    if (used > s->peak_used_memory)
        s->peak_used_memory = used;
}

/* Once per loop iteration, before it blocks: resume the clients whose wait ended (their
 * queued requests run now), propose this iteration's Raft entry (group commit), send
 * every client's pending replies in one write each, and give the fast expiry cycle its
 * chance. */
static void on_before_poll(uv_prepare_t *p)
{
    server *s = p->data;
    client_run_unblocked(s);
    replicate_flush(s);
    client_flush_pending(s);
    if (!s->shutdown_asap)
        expire_active_cycle(s, server_wall_ms(), 0);
}

static void on_signal(uv_signal_t *h, int signum)
{
    server *s = h->data;
    if (s->shutdown_asap)
        return;
    server_log(LL_WARNING, "Received %s scheduling shutdown...", signum == SIGINT ? "SIGINT" : "SIGTERM");
    server_log(LL_WARNING, "User requested shutdown...");
    server_shutdown(s, 0);
}

/* ---- lifecycle ----------------------------------------------------------------------- */

int server_start(server *s)
{
    if (!loop_ready) {
        int r = uv_loop_init(&loop_storage);
        if (r != 0) {
            server_log(LL_WARNING, "Cannot create the event loop: %s", uv_strerror(r));
            return -1;
        }
        loop_ready = 1;
    }
    s->loop = &loop_storage;
    server_refresh_clock(s);
    if (s->next_client_id == 0)
        s->next_client_id = 1;
    if (open_listeners(s) != 0) {
        server_log(LL_WARNING, "Failed listening on port %d (tcp), aborting.", s->cfg.port);
        return -1;
    }
    uv_timer_init(s->loop, &s->cron);
    s->cron.data = s;
    uint64_t period = cron_period_ms(s);
    uv_timer_start(&s->cron, on_cron, period, period);
    uv_prepare_init(s->loop, &s->before_poll);
    s->before_poll.data = s;
    uv_prepare_start(&s->before_poll, on_before_poll);
    uv_signal_init(s->loop, &s->sigterm);
    s->sigterm.data = s;
    uv_signal_start(&s->sigterm, on_signal, SIGTERM);
    uv_signal_init(s->loop, &s->sigint);
    s->sigint.data = s;
    uv_signal_start(&s->sigint, on_signal, SIGINT);
    return 0;
}

static void close_if_open(uv_handle_t *h)
{
    if (h->loop && !uv_is_closing(h))
        uv_close(h, NULL);
}

/* Linked only into redraft-sentinel (sentinel/main.c). */
extern void sentinel_stop(void) __attribute__((weak));

void server_shutdown(server *s, int exit_code)
{
    if (s->shutdown_asap)
        return;
    s->shutdown_asap = 1;
    s->exit_code = exit_code;
    for (int i = 0; i < s->listener_count; i++)
        close_if_open((uv_handle_t *)&s->listeners[i]);
    close_if_open((uv_handle_t *)&s->cron);
    close_if_open((uv_handle_t *)&s->before_poll);
    close_if_open((uv_handle_t *)&s->sigterm);
    close_if_open((uv_handle_t *)&s->sigint);
    /* Best effort: what the clients were already owed goes out, then they close. */
    while (s->clients) {
        client *c = s->clients;
        if (c->out.len > 0 && !(c->flags & (CLIENT_WRITING | CLIENT_CLOSE_ASAP))) {
            uv_buf_t b = uv_buf_init(c->out.data, (unsigned int)c->out.len);
            uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
        }
        client_close(c);
    }
    peer_links_stop();
    if (s->sentinel_mode && sentinel_stop)
        sentinel_stop(); /* the sentinel's timers and links (sentinel/main.c) */
    /* Raft hands leadership over (bounded) and closes; the loop ends once its
     * handles are gone. */
    raft_node_stop(s, NULL);
    if (s->cfg.pidfile && s->cfg.pidfile[0])
        unlink(s->cfg.pidfile);
    server_log(LL_WARNING, "%s is now ready to exit, bye bye...", "redraft");
}

static void close_any(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

void server_free(server *s)
{
    if (loop_ready) {
        /* Anything still open (a failed start) is closed, and every close callback
         * (clients free themselves there) runs before the loop goes away. */
        uv_walk(&loop_storage, close_any, NULL);
        uv_run(&loop_storage, UV_RUN_DEFAULT);
        if (uv_loop_close(&loop_storage) != 0)
            server_log(LL_WARNING, "Event loop closed with handles still open");
        loop_ready = 0;
    }
    s->loop = NULL;
    for (int i = 0; i < SERVER_DBNUM_MAX; i++)
        db_free(&s->dbs[i]);
    slowlog_free_all(s);
    latency_free_all(s);
    info_free_all();
    config_free(&s->cfg);
}
