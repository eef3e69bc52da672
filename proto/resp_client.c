/* resp_client: asynchronous RESP connection on a caller's libuv loop (see resp_client.h).
 *
 * Owns: the copies of the connection options, the resolver result, the TCP handle,
 * the connect-timeout timer, the output buffers (`out`: encoded commands not yet
 * handed to libuv; `wbuf`: the bytes of the one write in flight), the FIFO of pending
 * reply callbacks and the reply reader (which owns the read buffer).
 *
 * Lifetime: every libuv object the client uses is tracked by a flag; memory is
 * released only from a libuv callback (the timer handle lives until
 * resp_client_close, so there always is one), never inside a call the user made, so
 * closing from inside any callback is safe. A failure moves the client to ST_DEAD
 * exactly once (fail_conn); from then on no command is accepted and every pending
 * callback has been given its error. */
#include "resp_client.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bytebuf.h"
#include "mem.h"
#include "resp_writer.h"
#include "strutil.h"

enum { ST_RESOLVING, ST_CONNECTING, ST_HANDSHAKE, ST_CONNECTED, ST_DEAD };
enum { PK_USER, PK_AUTH, PK_HELLO, PK_SETNAME };

typedef struct pending {
    resp_client_reply_cb cb;
    void *privdata;
    int kind;
} pending;

struct resp_client {
    uv_loop_t *loop;
    /* option copies (owned) */
    char *host;
    int port;
    uint64_t timeout_ms;
    resp_client_connect_cb on_connect;
    resp_client_disconnect_cb on_disconnect;
    resp_client_push_cb on_push;
    void *data;

    int state;
    int closing;          /* resp_client_close was called */
    int connect_cb_due;   /* on_connect not fired yet */
    int hs_left;          /* handshake replies still expected */
    int proto;
    int subscribed;       /* a subscribe-family command was sent */
    const char *deferred_err; /* failure found inside a user call, reported by the
                                 zero-delay timer (see fail_later) */

    uv_getaddrinfo_t gai;
    int gai_active;
    struct addrinfo *ai_list; /* owned (uv_freeaddrinfo) */
    struct addrinfo *ai_next;
    int last_connect_err;

    uv_tcp_t tcp;
    int tcp_open;         /* initialised and its close callback not yet run */
    int retry_pending;    /* tcp is closing to try the next address */
    uv_connect_t conn;
    int connect_active;
    uv_timer_t timer;
    int timer_open;
    uv_write_t wreq;
    int write_active;

    bytebuf out;          /* owned: queued requests */
    bytebuf wbuf;         /* owned: bytes of the write in flight */
    pending *q;           /* owned ring of pending callbacks */
    size_t qhead, qlen, qcap;
    resp_reply_reader *rd; /* owned */
    char errbuf[256];
};

static const char *ERR_CLOSED = "connection closed";

/* ---- pending queue ---------------------------------------------------------------- */

static void q_push(resp_client *c, resp_client_reply_cb cb, void *privdata, int kind)
{
    if (c->qlen == c->qcap) {
        size_t ncap = c->qcap ? c->qcap * 2 : 16;
        pending *nq = rd_malloc(ncap * sizeof(*nq));
        for (size_t i = 0; i < c->qlen; i++)
            nq[i] = c->q[(c->qhead + i) % c->qcap];
        rd_free(c->q);
        c->q = nq;
        c->qcap = ncap;
        c->qhead = 0;
    }
    c->q[(c->qhead + c->qlen) % c->qcap] = (pending){cb, privdata, kind};
    c->qlen++;
}

static int q_pop(resp_client *c, pending *out)
{
    if (c->qlen == 0)
        return 0;
    *out = c->q[c->qhead];
    c->qhead = (c->qhead + 1) % c->qcap;
    c->qlen--;
    return 1;
}

/* Gives every pending callback the error, exactly once each (popped before the call,
 * so a callback that closes the client or re-enters cannot see it again). */
static void fail_pending(resp_client *c, const char *err)
{
    pending p;
    while (q_pop(c, &p))
        if (p.kind == PK_USER && p.cb)
            p.cb(c, NULL, err, p.privdata);
}

/* ---- teardown --------------------------------------------------------------------- */

static void maybe_free(resp_client *c)
{
    if (!c->closing || c->timer_open || c->tcp_open || c->gai_active || c->connect_active ||
        c->write_active)
        return;
    if (c->ai_list)
        uv_freeaddrinfo(c->ai_list);
    resp_reply_reader_free(c->rd);
    bytebuf_free(&c->out);
    bytebuf_free(&c->wbuf);
    rd_free(c->q);
    rd_free(c->host);
    rd_free(c);
}

static void on_tcp_closed(uv_handle_t *h);

/* Stops all I/O (no callbacks to the user). */
static void stop_io(resp_client *c)
{
    if (c->timer_open)
        uv_timer_stop(&c->timer);
    if (c->gai_active)
        uv_cancel((uv_req_t *)&c->gai); /* its callback still runs (UV_ECANCELED) */
    if (c->tcp_open && !uv_is_closing((uv_handle_t *)&c->tcp))
        uv_close((uv_handle_t *)&c->tcp, on_tcp_closed);
}

/* The connection failed (not a user close): fail everything once, then tell the user. */
static void fail_conn(resp_client *c, const char *err)
{
    if (c->state == ST_DEAD || c->closing)
        return;
    int was_connected = c->state == ST_CONNECTED;
    c->state = ST_DEAD;
    if (err != c->errbuf)
        snprintf(c->errbuf, sizeof(c->errbuf), "%s", err);
    stop_io(c);
    fail_pending(c, c->errbuf);
    if (c->closing)
        return; /* a pending callback closed the client; it reported on_connect */
    if (c->connect_cb_due) {
        c->connect_cb_due = 0;
        if (c->on_connect)
            c->on_connect(c, c->errbuf, c->data);
    } else if (was_connected && c->on_disconnect) {
        c->on_disconnect(c, c->errbuf, c->data);
    }
}

static void fail_uv(resp_client *c, const char *what, int status)
{
    snprintf(c->errbuf, sizeof(c->errbuf), "%s: %s", what, uv_strerror(status));
    fail_conn(c, c->errbuf);
}

static void on_timer_closed(uv_handle_t *h)
{
    resp_client *c = h->data;
    c->timer_open = 0;
    maybe_free(c);
}

void resp_client_close(resp_client *c)
{
    if (!c || c->closing)
        return;
    c->closing = 1;
    c->state = ST_DEAD;
    stop_io(c);
    fail_pending(c, ERR_CLOSED);
    if (c->connect_cb_due) {
        c->connect_cb_due = 0;
        if (c->on_connect)
            c->on_connect(c, ERR_CLOSED, c->data);
    }
    /* The timer is open until here, so the memory is always released from its close
     * callback (or a later one), never inside this call. */
    uv_close((uv_handle_t *)&c->timer, on_timer_closed);
}

/* ---- writing ---------------------------------------------------------------------- */

static void flush(resp_client *c);

static void on_written(uv_write_t *req, int status)
{
    resp_client *c = req->data;
    c->write_active = 0;
    bytebuf_clear(&c->wbuf);
    if (c->wbuf.cap > 1024 * 1024)
        bytebuf_free(&c->wbuf);
    if (c->closing) {
        maybe_free(c);
        return;
    }
    if (c->state == ST_DEAD)
        return;
    if (status < 0) {
        fail_uv(c, "write", status);
        return;
    }
    flush(c);
}

static void on_timer(uv_timer_t *t);

/* A failure found inside a call the user made (resp_client_command): reported from
 * the loop on the next iteration, so no callback ever runs inside that call. */
static void fail_later(resp_client *c, const char *what, int status)
{
    if (c->deferred_err)
        return;
    if (status)
        snprintf(c->errbuf, sizeof(c->errbuf), "%s: %s", what, uv_strerror(status));
    else
        snprintf(c->errbuf, sizeof(c->errbuf), "%s", what);
    c->deferred_err = c->errbuf;
    uv_timer_start(&c->timer, on_timer, 0, 0);
}

/* Hands the queued bytes to libuv: one write in flight at a time, so commands issued
 * while a write is outstanding are coalesced into the next one (pipelining). */
static void flush(resp_client *c)
{
    if ((c->state != ST_HANDSHAKE && c->state != ST_CONNECTED) || c->closing ||
        c->write_active || c->out.len == 0 || c->deferred_err)
        return;
    if (c->out.len > 0x7fffffffu) { /* uv_buf_t holds an unsigned int length */
        fail_later(c, "write: requests too large for one write", 0);
        return;
    }
    bytebuf tmp = c->wbuf; /* empty */
    c->wbuf = c->out;
    c->out = tmp;
    uv_buf_t b = uv_buf_init(c->wbuf.data, (unsigned)c->wbuf.len);
    c->wreq.data = c;
    int rc = uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &b, 1, on_written);
    if (rc < 0) {
        bytebuf_clear(&c->wbuf);
        fail_later(c, "write", rc);
        return;
    }
    c->write_active = 1;
}

/* A request is an array of bulk strings: the reply writer already encodes both. */
static void encode_command(bytebuf *b, int argc, const rd_arg *argv)
{
    resp_writer w;
    resp_writer_init(&w, b, 2);
    resp_write_array_len(&w, argc);
    for (int i = 0; i < argc; i++)
        resp_write_bulk(&w, argv[i].ptr, argv[i].len);
}

static int is_subscribe_family(const rd_arg *name)
{
    static const char *const names[] = {"subscribe",   "psubscribe",   "ssubscribe",
                                        "unsubscribe", "punsubscribe", "sunsubscribe"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (rd_strcaseeq(name->ptr, name->len, names[i]))
            return 1;
    return 0;
}

int resp_client_command_argv(resp_client *c, int argc, const rd_arg *argv,
                             resp_client_reply_cb cb, void *privdata)
{
    if (!c || c->closing || c->state == ST_DEAD || argc < 1 || !argv)
        return -1;
    if (is_subscribe_family(&argv[0])) {
        if (cb)
            return -1;
        c->subscribed = 1;
    } else {
        q_push(c, cb, privdata, PK_USER);
    }
    encode_command(&c->out, argc, argv);
    flush(c);
    return 0;
}

int resp_client_command(resp_client *c, resp_client_reply_cb cb, void *privdata, ...)
{
    rd_arg small[16];
    rd_arg *argv = small;
    int argc = 0, cap = 16;
    va_list ap;
    va_start(ap, privdata);
    for (const char *s; (s = va_arg(ap, const char *)) != NULL;) {
        if (argc == cap) {
            rd_arg *n = rd_malloc((size_t)cap * 2 * sizeof(*n));
            memcpy(n, argv, (size_t)argc * sizeof(*n));
            if (argv != small)
                rd_free(argv);
            argv = n;
            cap *= 2;
        }
        argv[argc].ptr = s;
        argv[argc].len = strlen(s);
        argc++;
    }
    va_end(ap);
    int rc = resp_client_command_argv(c, argc, argv, cb, privdata);
    if (argv != small)
        rd_free(argv);
    return rc;
}

/* ---- reading ---------------------------------------------------------------------- */

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    resp_client *c = h->data;
    (void)suggested;
    size_t avail;
    char *p = resp_reply_reader_space(c->rd, 65536, &avail);
    if (avail > 1u << 30)
        avail = 1u << 30;
    *buf = uv_buf_init(p, (unsigned)avail);
}

static int is_pubsub_message(const resp_reply *r)
{
    static const char *const kinds[] = {"message",     "pmessage",     "smessage",
                                        "subscribe",   "psubscribe",   "ssubscribe",
                                        "unsubscribe", "punsubscribe", "sunsubscribe"};
    if (r->type != RESP_REPLY_ARRAY || r->elements < 3 || r->element[0]->type != RESP_REPLY_BULK)
        return 0;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (rd_strcaseeq(r->element[0]->str, r->element[0]->len, kinds[i]))
            return 1;
    return 0;
}

static void handshake_done(resp_client *c)
{
    c->state = ST_CONNECTED;
    if (c->timer_open && !c->deferred_err) /* a deferred failure still has to fire */
        uv_timer_stop(&c->timer);
    if (c->connect_cb_due) {
        c->connect_cb_due = 0;
        if (c->on_connect)
            c->on_connect(c, NULL, c->data);
    }
}

/* Routes one complete reply; takes ownership of r. */
static void dispatch(resp_client *c, resp_reply *r)
{
    if (r->type == RESP_REPLY_PUSH || (c->subscribed && c->proto == 2 && is_pubsub_message(r))) {
        if (c->on_push)
            c->on_push(c, r, c->data);
        else
            resp_reply_free(r);
        return;
    }
    pending p;
    if (!q_pop(c, &p)) {
        resp_reply_free(r);
        fail_conn(c, "protocol error: reply without a pending command");
        return;
    }
    if (p.kind == PK_USER) {
        if (p.cb)
            p.cb(c, r, NULL, p.privdata);
        else
            resp_reply_free(r);
        return;
    }
    /* handshake reply */
    if (resp_reply_is_error(r)) {
        const char *what = p.kind == PK_AUTH ? "AUTH" : p.kind == PK_HELLO ? "HELLO" : "CLIENT SETNAME";
        snprintf(c->errbuf, sizeof(c->errbuf), "%s failed: %.*s", what,
                 (int)(r->len > 200 ? 200 : r->len), r->str ? r->str : "");
        resp_reply_free(r);
        fail_conn(c, c->errbuf);
        return;
    }
    if (p.kind == PK_HELLO)
        c->proto = 3;
    resp_reply_free(r);
    if (--c->hs_left == 0)
        handshake_done(c);
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    resp_client *c = s->data;
    (void)buf;
    if (c->closing || c->state == ST_DEAD)
        return;
    if (nread < 0) {
        if (nread == UV_EOF)
            fail_conn(c, "connection closed by server");
        else
            fail_uv(c, "read", (int)nread);
        return;
    }
    if (nread == 0)
        return;
    resp_reply_reader_commit(c->rd, (size_t)nread);
    while (!c->closing && c->state != ST_DEAD) {
        resp_reply *r;
        const char *err;
        int rc = resp_reply_reader_next(c->rd, &r, &err);
        if (rc == RESP_REPLY_INCOMPLETE)
            break;
        if (rc == RESP_REPLY_ERR) {
            snprintf(c->errbuf, sizeof(c->errbuf), "%s", err);
            fail_conn(c, c->errbuf);
            break;
        }
        dispatch(c, r);
    }
}

/* ---- connecting ------------------------------------------------------------------- */

static void try_next_addr(resp_client *c);

static void on_tcp_closed(uv_handle_t *h)
{
    resp_client *c = h->data;
    c->tcp_open = 0;
    if (c->retry_pending) {
        c->retry_pending = 0;
        if (!c->closing && c->state == ST_CONNECTING)
            try_next_addr(c);
    }
    maybe_free(c);
}

static void on_connected(uv_connect_t *req, int status)
{
    resp_client *c = req->data;
    c->connect_active = 0;
    if (c->closing) {
        maybe_free(c);
        return;
    }
    if (c->state != ST_CONNECTING)
        return;
    if (status < 0) {
        c->last_connect_err = status;
        c->ai_next = c->ai_next->ai_next;
        c->retry_pending = 1;
        uv_close((uv_handle_t *)&c->tcp, on_tcp_closed);
        return;
    }
    uv_freeaddrinfo(c->ai_list);
    c->ai_list = c->ai_next = NULL;
    uv_tcp_nodelay(&c->tcp, 1);
    int rc = uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb);
    if (rc < 0) {
        fail_uv(c, "read", rc);
        return;
    }
    c->state = ST_HANDSHAKE;
    flush(c);
    if (c->state == ST_HANDSHAKE && c->hs_left == 0 && !c->deferred_err)
        handshake_done(c);
}

static void try_next_addr(resp_client *c)
{
    while (c->ai_next) {
        int rc = uv_tcp_init(c->loop, &c->tcp);
        if (rc < 0) {
            fail_uv(c, "connect", rc);
            return;
        }
        c->tcp.data = c;
        c->tcp_open = 1;
        c->conn.data = c;
        rc = uv_tcp_connect(&c->conn, &c->tcp, c->ai_next->ai_addr, on_connected);
        if (rc == 0) {
            c->connect_active = 1;
            return;
        }
        /* Synchronous failure (e.g. unsupported family): close, try the next one. */
        c->last_connect_err = rc;
        c->ai_next = c->ai_next->ai_next;
        c->retry_pending = 1;
        uv_close((uv_handle_t *)&c->tcp, on_tcp_closed);
        return;
    }
    fail_uv(c, "connect", c->last_connect_err ? c->last_connect_err : UV_EADDRNOTAVAIL);
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    resp_client *c = req->data;
    c->gai_active = 0;
    if (c->closing || c->state != ST_RESOLVING) {
        if (res)
            uv_freeaddrinfo(res);
        maybe_free(c);
        return;
    }
    if (status < 0) {
        if (res)
            uv_freeaddrinfo(res);
        fail_uv(c, "resolve", status);
        return;
    }
    c->ai_list = c->ai_next = res;
    c->state = ST_CONNECTING;
    try_next_addr(c);
}

static void on_timer(uv_timer_t *t)
{
    resp_client *c = t->data;
    if (c->deferred_err)
        fail_conn(c, c->deferred_err);
    else if (c->state != ST_CONNECTED)
        fail_conn(c, "connect timeout");
}

void resp_client_options_init(resp_client_options *o)
{
    memset(o, 0, sizeof(*o));
    o->connect_timeout_ms = 5000;
}

static void queue_handshake(resp_client *c, const resp_client_options *o)
{
    if (o->password) {
        rd_arg a[3] = {{"AUTH", 4}, {NULL, 0}, {NULL, 0}};
        int n = 1;
        if (o->user)
            a[n++] = (rd_arg){o->user, strlen(o->user)};
        a[n++] = (rd_arg){o->password, strlen(o->password)};
        encode_command(&c->out, n, a);
        q_push(c, NULL, NULL, PK_AUTH);
        c->hs_left++;
    }
    if (o->proto == 3) {
        rd_arg a[4] = {{"HELLO", 5}, {"3", 1}, {"SETNAME", 7}, {NULL, 0}};
        int n = 2;
        if (o->client_name) {
            a[3] = (rd_arg){o->client_name, strlen(o->client_name)};
            n = 4;
        }
        encode_command(&c->out, n, a);
        q_push(c, NULL, NULL, PK_HELLO);
        c->hs_left++;
    } else if (o->client_name) {
        rd_arg a[3] = {{"CLIENT", 6}, {"SETNAME", 7}, {o->client_name, strlen(o->client_name)}};
        encode_command(&c->out, 3, a);
        q_push(c, NULL, NULL, PK_SETNAME);
        c->hs_left++;
    }
}

resp_client *resp_client_connect(uv_loop_t *loop, const resp_client_options *o)
{
    resp_client *c = rd_calloc(1, sizeof(*c));
    c->loop = loop;
    c->host = rd_strndup(o->host ? o->host : "127.0.0.1", strlen(o->host ? o->host : "127.0.0.1"));
    c->port = o->port;
    c->timeout_ms = o->connect_timeout_ms;
    c->on_connect = o->on_connect;
    c->on_disconnect = o->on_disconnect;
    c->on_push = o->on_push;
    c->data = o->data;
    c->state = ST_RESOLVING;
    c->connect_cb_due = 1;
    c->proto = 2;
    bytebuf_init(&c->out);
    bytebuf_init(&c->wbuf);
    c->rd = resp_reply_reader_new(o->limits);
    queue_handshake(c, o);

    uv_timer_init(loop, &c->timer); /* cannot fail for a valid loop */
    c->timer.data = c;
    c->timer_open = 1;

    if (o->port < 1 || o->port > 65535) {
        fail_later(c, "connect: invalid port", 0);
        return c;
    }
    char portstr[16];
    snprintf(portstr, sizeof(portstr), "%d", o->port);
    struct addrinfo hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    c->gai.data = c;
    int rc = uv_getaddrinfo(loop, &c->gai, on_resolved, c->host, portstr, &hints);
    if (rc < 0) {
        fail_later(c, "resolve", rc);
        return c;
    }
    c->gai_active = 1;
    if (c->timeout_ms > 0)
        uv_timer_start(&c->timer, on_timer, c->timeout_ms, 0);
    return c;
}

int resp_client_is_connected(const resp_client *c)
{
    return c && !c->closing && c->state == ST_CONNECTED;
}

int resp_client_proto(const resp_client *c)
{
    return c->proto;
}

size_t resp_client_pending(const resp_client *c)
{
    return c->qlen;
}
