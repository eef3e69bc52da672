/* client: one RESP connection -- reading and parsing requests, buffering and writing
 * replies, the per-connection limits, and closing.
 *
 * Reading: a client with no partial request reads into one process-wide 64 KiB buffer
 * (libuv reads one stream at a time on the loop thread, so one buffer serves them all)
 * and its requests are parsed and dispatched straight from there; only the bytes of an
 * incomplete request are copied into the client's own c->query, which then receives
 * the following reads until it drains (it is freed as soon as it is empty). Idle clients
 * therefore hold no query memory, and a pipeline costs one copy of a partial request
 * per read. A large bulk sizes the private buffer from resp_parser_bytes_wanted, growing
 * geometrically with what has arrived (never with what a header merely claims).
 *
 * Writing: replies accumulate in c->out (through c->w). client_flush() only queues the
 * client; once per loop iteration (server.c's prepare handle) client_flush_pending()
 * writes each queued client with one uv_try_write; whatever the kernel does not take is
 * handed to uv_write by swapping c->out and c->sending (no copy), and replies produced
 * meanwhile accumulate in c->out again. Both buffers are reused, so the steady state
 * does no allocation per command.
 *
 * Closing is asynchronous (uv_close): the client leaves the server's lists at once and
 * its memory is freed in the close callback, so a client closed while one of its
 * commands runs stays valid until that command returns. */
#include "client.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "auth.h"
#include "command.h"
#include "dispatch.h"
#include "info.h"
#include "mem.h"
#include "pubsub.h"
#include "server.h"

#define SHARED_READ_LEN (64 * 1024)      /* the process-wide read buffer */
#define MIN_READ_LEN (16 * 1024)         /* free space offered to a private-buffer read */
#define BIG_BULK_STEP_MIN (64 * 1024)    /* smallest growth step while a big bulk arrives */
#define UNAUTH_QUERY_LIMIT (1024 * 1024) /* Redis: query buffer of an unauthenticated client */
#define OUT_KEEP_CAP (16 * 1024)         /* drained output buffers above this are freed */
#define WRITE_CHUNK ((size_t)1 << 30)    /* uv_buf_t lengths are 32-bit: hand over <= 1 GiB pieces */
#define WRITE_MAX_CHUNKS 16
#define QBUF_REPR_LEN 64                 /* bytes of the query shown when it overflows */

static char shared_read[SHARED_READ_LEN];
static client *pending_head;  /* clients queued for the once-per-iteration write */
static client *processing;    /* client whose requests are being run (no re-entry) */
static client *unblocked_head; /* clients to resume (client_run_unblocked) */

/* Clients by id, for replies that arrive later (Raft apply, admin callbacks): open
 * addressing with linear probing and backward-shift deletion; ids are never reused. */
static client **by_id;
static size_t by_id_size, by_id_count; /* size: power of two or 0 */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf);
static void on_write(uv_write_t *req, int status);
static void on_close(uv_handle_t *h);

/* ---- lists --------------------------------------------------------------------------- */

static void pending_add(client *c)
{
    if (c->flags & CLIENT_PENDING_WRITE)
        return;
    c->flags |= CLIENT_PENDING_WRITE;
    c->pending_prev = NULL;
    c->pending_next = pending_head;
    if (pending_head)
        pending_head->pending_prev = c;
    pending_head = c;
}

static void pending_remove(client *c)
{
    if (!(c->flags & CLIENT_PENDING_WRITE))
        return;
    c->flags &= ~CLIENT_PENDING_WRITE;
    if (c->pending_prev)
        c->pending_prev->pending_next = c->pending_next;
    else
        pending_head = c->pending_next;
    if (c->pending_next)
        c->pending_next->pending_prev = c->pending_prev;
    c->pending_prev = c->pending_next = NULL;
}

/* ---- lookup by id -------------------------------------------------------------------- */

static size_t id_slot(uint64_t id)
{
    id ^= id >> 33;
    id *= UINT64_C(0xff51afd7ed558ccd);
    id ^= id >> 33;
    return (size_t)id & (by_id_size - 1);
}

static void by_id_insert(client *c)
{
    if ((by_id_count + 1) * 2 > by_id_size) {
        size_t old_size = by_id_size;
        client **old = by_id;
        by_id_size = old_size ? old_size * 2 : 64;
        by_id = rd_calloc(by_id_size, sizeof *by_id);
        by_id_count = 0;
        for (size_t i = 0; i < old_size; i++)
            if (old[i])
                by_id_insert(old[i]);
        rd_free(old);
    }
    size_t i = id_slot(c->id);
    while (by_id[i])
        i = (i + 1) & (by_id_size - 1);
    by_id[i] = c;
    by_id_count++;
}

static void by_id_remove(client *c)
{
    if (!by_id_size)
        return;
    size_t i = id_slot(c->id);
    while (by_id[i] && by_id[i] != c)
        i = (i + 1) & (by_id_size - 1);
    if (!by_id[i])
        return;
    by_id[i] = NULL;
    by_id_count--;
    /* Backward shift: re-place the rest of the probe run. */
    for (size_t j = (i + 1) & (by_id_size - 1); by_id[j]; j = (j + 1) & (by_id_size - 1)) {
        client *m = by_id[j];
        by_id[j] = NULL;
        by_id_count--;
        by_id_insert(m);
    }
    if (by_id_count == 0) {
        rd_free(by_id);
        by_id = NULL;
        by_id_size = 0;
    }
}

client *client_find_by_id(struct server *srv, uint64_t id)
{
    (void)srv;
    if (!by_id_size)
        return NULL;
    for (size_t i = id_slot(id); by_id[i]; i = (i + 1) & (by_id_size - 1))
        if (by_id[i]->id == id)
            return by_id[i];
    return NULL;
}

/* ---- creation and closing ------------------------------------------------------------ */

client *client_create(struct server *srv)
{
    client *c = rd_calloc(1, sizeof *c);
    c->id = srv->next_client_id++;
    c->srv = srv;
    uv_tcp_init(srv->loop, &c->tcp);
    c->tcp.data = c;
    c->write_req.data = c;
    c->resp = 2;
    c->db_index = 0;
    bytebuf_init(&c->query);
    bytebuf_init(&c->out);
    bytebuf_init(&c->sending);
    resp_parser_init(&c->parser);
    resp_writer_init(&c->w, &c->out, 2);
    /* As Redis: a connection made while no password is required is authenticated. */
    auth_client_reset(&srv->cfg, c);
    c->ctime_ms = c->last_interaction_ms = server_wall_ms();
    snprintf(c->addr, sizeof c->addr, "?:0");
    snprintf(c->laddr, sizeof c->laddr, "?:0");

    c->prev = NULL;
    c->next = srv->clients;
    if (srv->clients)
        srv->clients->prev = c;
    srv->clients = c;
    srv->client_count++;
    srv->stats.total_connections_received++;
    by_id_insert(c);
    return c;
}

/* "ip:port", or "[ip6]:port" as Redis's anetFormatAddr writes it. */
static void format_addr(const struct sockaddr_storage *ss, char *out, size_t size)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        uv_ip4_name(a, ip, sizeof ip);
        port = ntohs(a->sin_port);
        snprintf(out, size, "%s:%d", ip, port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        uv_ip6_name(a, ip, sizeof ip);
        port = ntohs(a->sin6_port);
        snprintf(out, size, "[%s]:%d", ip, port);
    } else {
        snprintf(out, size, "?:0");
    }
}

int client_start(client *c)
{
    struct sockaddr_storage ss;
    int len = sizeof ss;
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0)
        format_addr(&ss, c->addr, sizeof c->addr);
    len = sizeof ss;
    if (uv_tcp_getsockname(&c->tcp, (struct sockaddr *)&ss, &len) == 0)
        format_addr(&ss, c->laddr, sizeof c->laddr);

    uv_tcp_nodelay(&c->tcp, 1);
    long long ka = c->srv->cfg.tcp_keepalive;
    uv_os_fd_t fd;
    if (ka > 0 && uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0) {
        /* Redis's anetKeepAlive: probes after `ka` idle seconds, every ka/3, 3 of them. */
        int yes = 1, idle = (int)ka, intvl = (int)(ka / 3), cnt = 3;
        if (intvl == 0)
            intvl = 1;
        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &yes, sizeof yes);
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
    }
    int r = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    if (r != 0) {
        server_log(LL_VERBOSE, "Error starting to read from client %s: %s", c->addr, uv_strerror(r));
        return -1;
    }
    return 0;
}

void client_close(client *c)
{
    if (c->flags & CLIENT_CLOSING)
        return;
    server *s = c->srv;
    c->flags |= CLIENT_CLOSING;
    pending_remove(c);
    by_id_remove(c);
    if (c->flags & CLIENT_BLOCKED) {
        c->flags &= ~CLIENT_BLOCKED;
        for (client **pp = &unblocked_head; *pp; pp = &(*pp)->unblocked_next)
            if (*pp == c) {
                *pp = c->unblocked_next;
                break;
            }
    }
    if (c->prev)
        c->prev->next = c->next;
    else if (s->clients == c)
        s->clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    s->client_count--;
    if ((c->flags & CLIENT_MONITOR) && s->monitor_count > 0)
        s->monitor_count--;
    pubsub_client_unsubscribe_all(c); /* no message reaches a closing client */
    /* A pending uv_write is cancelled (its callback runs with UV_ECANCELED) before
     * on_close, which frees everything. */
    uv_close((uv_handle_t *)&c->tcp, on_close);
}

static void on_close(uv_handle_t *h)
{
    client *c = h->data;
    bytebuf_free(&c->query);
    bytebuf_free(&c->out);
    bytebuf_free(&c->sending);
    resp_parser_free(&c->parser);
    rd_free(c->name);
    rd_free(c->lib_name);
    rd_free(c->lib_ver);
    rd_free(c->user);
    rd_free(c);
}

/* ---- output -------------------------------------------------------------------------- */

size_t client_output_len(const client *c)
{
    size_t n = c->out.len;
    if (c->flags & CLIENT_WRITING)
        n += uv_stream_get_write_queue_size((const uv_stream_t *)&c->tcp);
    return n;
}

static void release_if_big(bytebuf *b)
{
    if (b->len == 0 && b->cap > OUT_KEEP_CAP)
        bytebuf_free(b);
}

static void count_output(client *c, size_t n)
{
    c->net_output_bytes += n;
    c->srv->stats.total_net_output_bytes += (long long)n;
}

/* Writes what c->out holds: synchronously as far as the socket takes it, the rest
 * through uv_write. Closes a CLOSE_AFTER_REPLY client once everything is out. */
static void write_out(client *c)
{
    if (c->flags & (CLIENT_CLOSING | CLIENT_WRITING))
        return;
    if (c->out.len == 0) {
        if (c->flags & CLIENT_CLOSE_AFTER_REPLY)
            client_close(c);
        return;
    }
    size_t first = c->out.len < WRITE_CHUNK ? c->out.len : WRITE_CHUNK;
    uv_buf_t b = uv_buf_init(c->out.data, (unsigned int)first);
    int n = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
    if (n < 0 && n != UV_EAGAIN) {
        server_log(LL_VERBOSE, "Error writing to client: %s", uv_strerror(n));
        client_close(c);
        return;
    }
    size_t written = n > 0 ? (size_t)n : 0;
    if (written > 0) {
        count_output(c, written);
        c->last_interaction_ms = server_wall_ms();
    }
    if (written == c->out.len) {
        c->out.len = 0;
        release_if_big(&c->out);
        if (c->flags & CLIENT_CLOSE_AFTER_REPLY)
            client_close(c);
        return;
    }
    /* The socket is full: the rest goes through uv_write from c->sending, which must
     * stay untouched until on_write; new replies go to the (empty) other buffer. */
    size_t rest = c->out.len - written;
    if (rest > WRITE_CHUNK * WRITE_MAX_CHUNKS) {
        server_log(LL_WARNING, "Closing client %s: %zu bytes of replies in one loop iteration", c->addr, rest);
        client_close(c);
        return;
    }
    bytebuf tmp = c->sending;
    c->sending = c->out;
    c->out = tmp;
    c->out.len = 0;
    uv_buf_t bufs[WRITE_MAX_CHUNKS];
    unsigned nbufs = 0;
    for (size_t off = written; off < c->sending.len; off += WRITE_CHUNK) {
        size_t len = c->sending.len - off < WRITE_CHUNK ? c->sending.len - off : WRITE_CHUNK;
        bufs[nbufs++] = uv_buf_init(c->sending.data + off, (unsigned int)len);
    }
    int r = uv_write(&c->write_req, (uv_stream_t *)&c->tcp, bufs, nbufs, on_write);
    if (r != 0) {
        server_log(LL_VERBOSE, "Error writing to client: %s", uv_strerror(r));
        c->sending.len = 0;
        client_close(c);
        return;
    }
    c->flags |= CLIENT_WRITING;
    count_output(c, rest);
}

static void on_write(uv_write_t *req, int status)
{
    client *c = req->data;
    c->flags &= ~CLIENT_WRITING;
    c->sending.len = 0;
    if (c->flags & CLIENT_CLOSING)
        return;
    if (status < 0) {
        server_log(LL_VERBOSE, "Error writing to client: %s", uv_strerror(status));
        client_close(c);
        return;
    }
    release_if_big(&c->sending);
    c->last_interaction_ms = server_wall_ms();
    /* Keep the socket busy: what accumulated while this write was in flight goes now. */
    write_out(c);
}

void client_flush(client *c)
{
    if (c->flags & CLIENT_CLOSING)
        return;
    if (client_check_output_limits(c, 0))
        return;
    if (c->out.len > 0 || (c->flags & CLIENT_CLOSE_AFTER_REPLY))
        pending_add(c);
}

void client_flush_pending(struct server *srv)
{
    (void)srv;
    while (pending_head) {
        client *c = pending_head;
        pending_remove(c);
        write_out(c);
    }
}

static int client_class(const client *c)
{
    /* Redis's getClientType: monitors count as normal clients here (no replicas). */
    return (c->flags & CLIENT_PUBSUB) ? CLIENT_CLASS_PUBSUB : CLIENT_CLASS_NORMAL;
}

int client_check_output_limits(client *c, int64_t now_ms)
{
    if (c->flags & (CLIENT_CLOSING | CLIENT_CLOSE_ASAP))
        return (c->flags & CLIENT_CLOSING) != 0;
    const obuf_limit *lim = &c->srv->cfg.obuf_limits[client_class(c)];
    if (lim->hard == 0 && lim->soft == 0)
        return 0;
    unsigned long long used = client_output_len(c);
    int hard = lim->hard && used >= lim->hard;
    int soft = lim->soft && used >= lim->soft;
    if (soft) {
        if (now_ms <= 0)
            now_ms = server_wall_ms();
        if (c->obuf_soft_since_ms == 0) {
            c->obuf_soft_since_ms = now_ms;
            soft = 0;
        } else if ((now_ms - c->obuf_soft_since_ms) / 1000 <= lim->soft_seconds) {
            soft = 0;
        }
    } else {
        c->obuf_soft_since_ms = 0;
    }
    if (!hard && !soft)
        return 0;
    bytebuf info;
    bytebuf_init(&info);
    client_describe(c, &info, now_ms > 0 ? now_ms : server_wall_ms());
    bytebuf_append_char(&info, '\0');
    server_log(LL_WARNING, "Client %s scheduled to be closed ASAP for overcoming of output buffer limits.",
               info.data);
    bytebuf_free(&info);
    c->srv->stats.client_obuf_limit_disconnections++;
    c->flags |= CLIENT_CLOSE_ASAP;
    client_close(c);
    return 1;
}

/* ---- input --------------------------------------------------------------------------- */

static int requires_auth(const client *c)
{
    return auth_client_needs_auth(&c->srv->cfg, c);
}

/* Stops reading and drops what is buffered: nothing more will be run for c. */
static void stop_input(client *c)
{
    if (!(c->flags & CLIENT_CLOSING))
        uv_read_stop((uv_stream_t *)&c->tcp);
    bytebuf_free(&c->query);
    c->query_pos = 0;
}

/* client-query-buffer-limit (and 1 MiB before authentication): closes c, as Redis does,
 * without a reply. Returns 1 if c was closed. */
static int query_over_limit(client *c)
{
    server *s = c->srv;
    size_t pending = c->query.len - c->query_pos;
    long long limit = s->cfg.client_query_buffer_limit;
    int over = (limit > 0 && pending > (unsigned long long)limit) ||
               (pending > UNAUTH_QUERY_LIMIT && requires_auth(c));
    if (!over)
        return 0;
    bytebuf msg;
    bytebuf_init(&msg);
    client_describe(c, &msg, server_wall_ms());
    bytebuf_append_str(&msg, " (qbuf initial bytes: ");
    bytebuf_append_repr(&msg, c->query.data + c->query_pos, pending < QBUF_REPR_LEN ? pending : QBUF_REPR_LEN);
    bytebuf_append_char(&msg, ')');
    bytebuf_append_char(&msg, '\0');
    server_log(LL_WARNING, "Closing client that reached max query buffer length: %s", msg.data);
    bytebuf_free(&msg);
    s->stats.client_qbuf_limit_disconnections++;
    stop_input(c);
    client_close(c);
    return 1;
}

static void protocol_error(client *c, const char *err, const char *buf, size_t len, size_t pos)
{
    server *s = c->srv;
    if (s->cfg.loglevel <= LL_VERBOSE) {
        const char *what = err;
        static const char prefix[] = "ERR Protocol error: ";
        if (strncmp(what, prefix, sizeof prefix - 1) == 0)
            what += sizeof prefix - 1;
        bytebuf msg;
        bytebuf_init(&msg);
        client_describe(c, &msg, server_wall_ms());
        bytebuf_append_str(&msg, ". Query buffer during protocol error: ");
        size_t n = len - pos;
        bytebuf_append_repr(&msg, buf + pos, n < 128 ? n : 128);
        bytebuf_append_char(&msg, '\0');
        server_log(LL_VERBOSE, "Protocol error (%s) from client: %s", what, msg.data);
        bytebuf_free(&msg);
    }
    /* The reply goes out even under CLIENT REPLY OFF: the connection is closing. */
    resp_write_error(&c->w, err);
    s->stats.total_error_replies++;
    info_count_error(err);
    c->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

/* Parses and runs requests from buf[*pos .. len) until input runs out or c must stop
 * (closed, close-after-reply, paused, shutdown). */
static void run_requests(client *c, const char *buf, size_t len, size_t *pos)
{
    server *s = c->srv;
    resp_limits normal, unauth;
    resp_limits_default(&normal);
    if (s->cfg.proto_max_bulk_len > 0)
        normal.max_bulk_len = s->cfg.proto_max_bulk_len;
    resp_limits_unauthenticated(&unauth);
    s->batch_clock_us = server_mono_us(); /* see dispatch.c call() */

    while (!(c->flags & (CLIENT_CLOSING | CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP |
                         CLIENT_READ_PAUSED | CLIENT_BLOCKED)) &&
           !s->shutdown_asap) {
        const char *err = NULL;
        size_t start = *pos;
        int r = resp_parse_request(&c->parser, buf, len, pos,
                                   requires_auth(c) ? &unauth : &normal, &err);
        if (r == RESP_PARSE_INCOMPLETE)
            break;
        if (r == RESP_PARSE_EMPTY)
            continue;
        if (r == RESP_PARSE_ERROR) {
            protocol_error(c, err ? err : "ERR Protocol error", buf, len, start);
            *pos = len;
            stop_input(c);
            break;
        }
        if (dispatch_command(c, c->parser.argc, c->parser.argv) == DISPATCH_DEFERRED) {
            *pos = start; /* parsed again when c resumes */
            break;
        }
    }
    s->batch_clock_us = 0;
}

/* Runs what c->query holds and keeps only the unconsumed tail, at offset 0. */
static void run_private(client *c)
{
    run_requests(c, c->query.data, c->query.len, &c->query_pos);
    if (c->flags & CLIENT_CLOSING)
        return;
    if (c->query_pos >= c->query.len) {
        /* Everything consumed: the next read goes to the shared buffer. */
        resp_parser_shift(&c->parser, c->query_pos);
        bytebuf_free(&c->query);
        c->query_pos = 0;
    } else if (c->query_pos > 0) {
        bytebuf_consume(&c->query, c->query_pos);
        resp_parser_shift(&c->parser, c->query_pos);
        c->query_pos = 0;
    }
}

void client_process_input(client *c)
{
    if (c == processing || (c->flags & CLIENT_CLOSING) || c->query.len == 0)
        return;
    client *outer = processing;
    processing = c;
    run_private(c);
    processing = outer;
    if (!(c->flags & CLIENT_CLOSING) && !query_over_limit(c))
        client_flush(c);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    client *c = h->data;
    if (c->query.len == 0 && c != processing) {
        *buf = uv_buf_init(shared_read, SHARED_READ_LEN);
        return;
    }
    size_t want = MIN_READ_LEN;
    size_t big = resp_parser_bytes_wanted(&c->parser);
    if (big > want) {
        /* Grow with what has arrived, not with what the header claims. */
        size_t step = c->query.len > BIG_BULK_STEP_MIN ? c->query.len : BIG_BULK_STEP_MIN;
        want = big < step ? big : step;
        if (want < MIN_READ_LEN)
            want = MIN_READ_LEN;
    }
    if (c->query.cap - c->query.len < want)
        bytebuf_reserve(&c->query, want);
    size_t room = c->query.cap - c->query.len;
    if (room > UINT32_MAX)
        room = UINT32_MAX;
    *buf = uv_buf_init(c->query.data + c->query.len, (unsigned int)room);
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    client *c = st->data;
    server *s = c->srv;
    if (nread == 0 || (c->flags & CLIENT_CLOSING))
        return;
    if (nread < 0) {
        if (nread == UV_EOF)
            server_log(LL_VERBOSE, "Client closed connection %s", c->addr);
        else
            server_log(LL_VERBOSE, "Reading from client: %s", uv_strerror((int)nread));
        /* A half-closed client still gets the replies to what it sent. */
        if (nread == UV_EOF && (c->out.len > 0 || (c->flags & CLIENT_WRITING))) {
            stop_input(c);
            c->flags |= CLIENT_CLOSE_AFTER_REPLY;
            client_flush(c);
        } else {
            client_close(c);
        }
        return;
    }
    c->net_input_bytes += (uint64_t)nread;
    s->stats.total_net_input_bytes += nread;
    /* New requests arrived after any fence this client waited for (replicate.c). */
    c->fenced = 0;
    /* The commands of this read share one time, and it must not lag the real clock:
     * the cron-refreshed offset plus libuv's (coarse, truncated) uv_now can be 1-2 ms
     * behind, so a PXAT/EXAT a client computed just before could read back as a TTL
     * longer than it asked for. Two vDSO clock reads per read batch. */
    server_refresh_clock(s);
    c->last_interaction_ms = server_loop_wall_ms(s);

    client *outer = processing;
    processing = c;
    if (buf->base == shared_read) {
        size_t pos = 0, len = (size_t)nread;
        run_requests(c, shared_read, len, &pos);
        if (!(c->flags & (CLIENT_CLOSING | CLIENT_CLOSE_AFTER_REPLY)) && pos < len) {
            /* An incomplete (or not yet runnable) tail becomes c's private buffer. */
            bytebuf_append(&c->query, shared_read + pos, len - pos);
            resp_parser_shift(&c->parser, pos);
            c->query_pos = 0;
        }
    } else {
        c->query.len += (size_t)nread;
        if (!query_over_limit(c))
            run_private(c);
    }
    processing = outer;
    if (c->flags & CLIENT_CLOSING)
        return;
    if (query_over_limit(c))
        return;
    client_flush(c);
}

/* ---- blocking ------------------------------------------------------------------------ */

void client_block(client *c)
{
    if (c->flags & (CLIENT_BLOCKED | CLIENT_CLOSING))
        return;
    c->flags |= CLIENT_BLOCKED;
    /* No reading while blocked: a fence must come after every request it covers. */
    uv_read_stop((uv_stream_t *)&c->tcp);
}

void client_unblock(client *c)
{
    if (!(c->flags & CLIENT_BLOCKED) || (c->flags & CLIENT_CLOSING))
        return;
    for (client *o = unblocked_head; o; o = o->unblocked_next)
        if (o == c)
            return;
    c->unblocked_next = unblocked_head;
    unblocked_head = c;
}

void client_run_unblocked(struct server *srv)
{
    (void)srv;
    while (unblocked_head) {
        client *c = unblocked_head;
        unblocked_head = c->unblocked_next;
        c->unblocked_next = NULL;
        c->flags &= ~CLIENT_BLOCKED;
        if (c->flags & (CLIENT_CLOSING | CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP))
            continue;
        if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0) {
            client_close(c);
            continue;
        }
        client_process_input(c);
        client_flush(c);
    }
}

/* ---- CLIENT LIST --------------------------------------------------------------------- */

void client_describe(const client *c, bytebuf *out, int64_t now_ms)
{
    char flags[20], *p = flags;
    if (c->flags & CLIENT_MONITOR)
        *p++ = 'O';
    if (c->flags & CLIENT_PUBSUB)
        *p++ = 'P';
    if (c->flags & CLIENT_CLOSE_AFTER_REPLY)
        *p++ = 'c';
    if (c->flags & CLIENT_CLOSE_ASAP)
        *p++ = 'A';
    if (c->flags & CLIENT_UNIX_SOCKET)
        *p++ = 'U';
    if (c->flags & CLIENT_NO_EVICT)
        *p++ = 'e';
    if (c->flags & CLIENT_NO_TOUCH)
        *p++ = 'T';
    if (p == flags)
        *p++ = 'N';
    *p = '\0';

    char events[3], *e = events;
    if (!(c->flags & (CLIENT_CLOSING | CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP)))
        *e++ = 'r';
    if (c->flags & CLIENT_WRITING)
        *e++ = 'w';
    *e = '\0';

    uv_os_fd_t fd = -1;
    if (c->flags & CLIENT_CLOSING || uv_fileno((const uv_handle_t *)&c->tcp, &fd) != 0)
        fd = -1;

    size_t omem = client_output_len(c);
    size_t tot = sizeof *c + c->query.cap + c->out.cap + c->sending.cap + c->parser.scratch.cap +
                 (size_t)c->parser.arg_cap * (2 * sizeof(size_t) + sizeof(rd_arg)) + c->argv_mem;
    long long age = (now_ms - c->ctime_ms) / 1000;
    long long idle = (now_ms - c->last_interaction_ms) / 1000;
    if (age < 0)
        age = 0;
    if (idle < 0)
        idle = 0;

    bytebuf_appendf(out, "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld flags=%s db=%d",
                    (unsigned long long)c->id, c->addr, c->laddr, (int)fd, c->name ? c->name : "",
                    age, idle, flags, c->db_index);
    /* multi: no MULTI. */
    bytebuf_appendf(out, " sub=%d psub=%d ssub=%d multi=-1 qbuf=%zu qbuf-free=%zu argv-mem=%zu multi-mem=0",
                    pubsub_client_channels(c), pubsub_client_patterns(c), pubsub_client_shard_channels(c),
                    c->query.len, c->query.cap - c->query.len, c->argv_mem);
    bytebuf_appendf(out, " rbs=%zu rbp=%zu obl=%zu oll=%d omem=%zu tot-mem=%zu events=%s cmd=%s",
                    c->out.cap, c->out.cap, c->out.len, (c->flags & CLIENT_WRITING) ? 1 : 0, omem,
                    tot, events, c->last_cmd ? c->last_cmd->fullname : "NULL");
    bytebuf_appendf(out, " user=%s redir=-1 resp=%d lib-name=%s lib-ver=%s", c->user ? c->user : "default",
                    c->resp, c->lib_name ? c->lib_name : "", c->lib_ver ? c->lib_ver : "");
}
