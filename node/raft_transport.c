/* Raft transport for nodes: forwards raft_uv's transport calls to libraft's TCP
 * transport (raft_uv_tcp) and sets TCP_NODELAY on every accepted and connected
 * stream before raft_uv gets it (raft_uv_tcp never does; see raft_transport.h).
 *
 * Ownership:
 * - rtransport (caller's memory) holds both interfaces: `base`, which raft_uv calls
 *   and whose `data` raft_uv owns, and `inner`, the raft_uv_tcp transport, whose
 *   `impl` raft_uv_tcp allocates (freed by rtransport_fini) and whose `data` points
 *   back at the rtransport.
 * - Each outbound attempt gets an rtransport_connect (malloc'd here) embedding the
 *   raft_uv_connect request handed to raft_uv_tcp; it points at raft_uv's own
 *   request and is freed when raft_uv_tcp's callback fires, which it always does
 *   exactly once (success, failure, or RAFT_CANCELED on close), before its close
 *   callback.
 * - Streams: raft_uv_tcp allocates them; ownership passes to raft_uv in its
 *   accept/connect callback. The wrapper only borrows them for the duration of
 *   rtransport_stream_ready.
 *
 * Close sequence: raft_uv calls base.close → rtransport_close marks closing and
 * calls inner.close → raft_uv_tcp stops listening, cancels pending connects (each
 * completes through rtransport_inner_connect_cb, then is freed), then calls
 * rtransport_inner_close_cb → raft_uv's close callback. Afterwards the owner calls
 * raft_uv_close and rtransport_fini.
 */
#include "raft_transport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One outbound connection attempt in flight through the inner transport. */
typedef struct rtransport_connect {
    struct raft_uv_connect inner_req; /* given to raft_uv_tcp; .data = this */
    struct raft_uv_connect *outer;    /* raft_uv's request (its memory) */
    rtransport *t;
    raft_id id;
} rtransport_connect;

static rtransport *from_base(struct raft_uv_transport *base)
{
    /* base is the first member of rtransport. */
    return (rtransport *)(void *)base;
}

static rtransport *from_inner(struct raft_uv_transport *inner)
{
    return inner->data;
}

/* Close callback for a stream nobody else will own (allocated by raft_uv_tcp with
 * the raft allocator). */
static void free_stream_cb(uv_handle_t *handle)
{
    raft_free(handle);
}

static void copy_inner_errmsg(rtransport *t)
{
    /* raft_uv reads errors from base.errmsg; raft_uv_tcp writes them to inner's. */
    snprintf(t->base.errmsg, sizeof t->base.errmsg, "%s", t->inner.errmsg);
}

/* Disable Nagle on a stream from raft_uv_tcp. A failure is counted, not fatal: the
 * link still works (slower), and raft would only retry the same socket setup. */
static void set_nodelay(rtransport *t, struct uv_stream_s *stream)
{
    int rv = UV_EINVAL;
    if (stream != NULL && stream->type == UV_TCP)
        rv = uv_tcp_nodelay((uv_tcp_t *)stream, 1);
    if (rv == 0)
        t->stats.nodelay_set++;
    else
        t->stats.nodelay_failed++;
}

/* The single point every new stream passes through, after raft's own preamble
 * (protocol version, server id, address) and before raft_uv sees the stream.
 *
 * >>> AUTH HOOK GOES HERE (cluster secret, libsodium; DESIGN.md "Security"). <<<
 * An authentication handshake would start here instead of returning 0 at once, and
 * hand the stream to raft_uv (the `deliver` steps in the two callers) from its
 * completion callback. What that needs, beyond this function:
 * - pending handshakes kept in a list on rtransport; rtransport_close aborts them
 *   (uv_close the stream, finish outbound ones with RAFT_CANCELED) and
 *   rtransport_inner_close_cb defers raft_uv's close callback until the list is
 *   empty (today nothing is pending there: raft_uv_tcp finishes every connect
 *   before its own close callback, so pending_connects is 0 by then);
 * - inbound: copy `address` (borrowed from raft_uv_tcp only during its callback);
 * - outbound: keep the rtransport_connect alive until the handshake ends;
 * - a failed handshake: uv_close the stream; outbound completes with
 *   RAFT_NOCONNECTION (raft_uv retries after its connect retry delay).
 * raft_uv reads and writes the uv_stream_t directly, so an authentication exchange
 * fits here; encrypting the traffic itself would need a relay stream instead.
 *
 * Returns 0 when the stream may be handed to raft_uv now. */
static int rtransport_stream_ready(rtransport *t, struct uv_stream_s *stream)
{
    set_nodelay(t, stream);
    return 0;
}

/* ---- read shim ------------------------------------------------------------------- *
 *
 * raft_uv reads an inbound stream with uv_read_start(stream, alloc, read) where alloc
 * returns exactly the rest of the part it waits for (preamble, header, payload) and
 * read advances through it; its read callback ignores the buffer argument and keeps
 * its own window. After raft_uv has started reading a new stream, the wrapper restarts
 * it with its own pair: libuv reads into one 64 KiB buffer, and the shim hands raft
 * the bytes through raft's own alloc/read pair, as many parts (and messages) as the
 * read returned. Errors and EOF go to raft's read callback unchanged.
 *
 * One loop thread and synchronous callbacks: the buffer is only used between libuv's
 * alloc and read callbacks of one stream, so one buffer serves every stream. raft_uv
 * uses the same two static functions for every inbound stream; they are recorded from
 * the first stream, and a stream started with a different pair is left alone. */

#define READ_SHIM_BUF (64 * 1024)

static struct {
    uv_alloc_cb raft_alloc;
    uv_read_cb raft_read;
    char buf[READ_SHIM_BUF];
} read_shim;

static void read_shim_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    (void)handle;
    (void)suggested;
    *buf = uv_buf_init(read_shim.buf, sizeof read_shim.buf);
}

static void read_shim_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    (void)buf;
    if (nread == 0)
        return; /* EAGAIN: nothing read, and raft was never asked for a buffer */
    if (nread < 0) {
        uv_buf_t none = uv_buf_init(NULL, 0); /* raft's read callback ignores it */
        read_shim.raft_read(stream, nread, &none);
        return;
    }
    const char *src = read_shim.buf;
    size_t left = (size_t)nread;
    /* raft closes the stream (and must not be called again) on a bad message, or when
     * the whole raft instance closes from inside its receive callback. */
    while (left > 0 && !uv_is_closing((uv_handle_t *)stream)) {
        uv_buf_t part = uv_buf_init(NULL, 0);
        read_shim.raft_alloc((uv_handle_t *)stream, left, &part);
        if (part.base == NULL || part.len == 0) {
            /* raft could not allocate the part: the failure it expects from libuv */
            read_shim.raft_read(stream, UV_ENOBUFS, &part);
            return;
        }
        size_t n = left < part.len ? left : part.len;
        memcpy(part.base, src, n);
        read_shim.raft_read(stream, (ssize_t)n, &part);
        src += n;
        left -= n;
    }
}

/* Called right after raft_uv took an inbound stream (and started reading it). */
static void read_shim_attach(rtransport *t, struct uv_stream_s *stream)
{
    if (uv_is_closing((uv_handle_t *)stream) || !uv_is_readable(stream) ||
        stream->alloc_cb == NULL || stream->read_cb == NULL)
        return;
    if (read_shim.raft_alloc == NULL) {
        read_shim.raft_alloc = stream->alloc_cb;
        read_shim.raft_read = stream->read_cb;
    }
    if (stream->alloc_cb != read_shim.raft_alloc || stream->read_cb != read_shim.raft_read)
        return;
    uv_read_stop(stream);
    if (uv_read_start(stream, read_shim_alloc, read_shim_read) != 0) {
        /* Cannot happen on a readable, open stream; give raft its own reads back. */
        uv_read_start(stream, read_shim.raft_alloc, read_shim.raft_read);
        return;
    }
    t->stats.reads_coalesced++;
}

static void rtransport_inner_accept_cb(struct raft_uv_transport *inner, raft_id id,
                                       const char *address, struct uv_stream_s *stream)
{
    rtransport *t = from_inner(inner);
    if (t->closing || t->accept_cb == NULL) {
        /* raft_uv_tcp does not call us after close; be safe anyway: nobody would
         * own the stream, so close it here. */
        uv_close((uv_handle_t *)stream, free_stream_cb);
        return;
    }
    if (rtransport_stream_ready(t, stream) != 0) {
        uv_close((uv_handle_t *)stream, free_stream_cb);
        return;
    }
    t->stats.accepted++;
    t->accept_cb(&t->base, id, address, stream); /* deliver: raft_uv owns it now */
    read_shim_attach(t, stream);
}

static void rtransport_inner_connect_cb(struct raft_uv_connect *inner_req,
                                        struct uv_stream_s *stream, int status)
{
    rtransport_connect *c = inner_req->data;
    rtransport *t = c->t;
    struct raft_uv_connect *outer = c->outer;

    free(c);
    t->pending_connects--;

    if (status == 0 && rtransport_stream_ready(t, stream) != 0) {
        /* Rejected by the hook: nobody else will own the stream. */
        uv_close((uv_handle_t *)stream, free_stream_cb);
        status = RAFT_NOCONNECTION;
    }
    if (status == 0) {
        t->stats.connected++;
    } else {
        t->stats.connect_failed++;
        stream = NULL;
    }
    /* deliver: on success raft_uv owns the stream now. */
    outer->cb(outer, stream, status);
}

static int rtransport_init_cb(struct raft_uv_transport *base, raft_id id,
                              const char *address)
{
    rtransport *t = from_base(base);
    int rv = t->inner.init(&t->inner, id, address);
    if (rv != 0)
        copy_inner_errmsg(t);
    return rv;
}

static int rtransport_listen_cb(struct raft_uv_transport *base, raft_uv_accept_cb cb)
{
    rtransport *t = from_base(base);
    int rv;

    t->accept_cb = cb;
    rv = t->inner.listen(&t->inner, rtransport_inner_accept_cb);
    if (rv != 0) {
        t->accept_cb = NULL;
        copy_inner_errmsg(t);
    }
    return rv;
}

static int rtransport_connect_cb(struct raft_uv_transport *base,
                                 struct raft_uv_connect *req, raft_id id,
                                 const char *address, raft_uv_connect_cb cb)
{
    rtransport *t = from_base(base);
    rtransport_connect *c;
    int rv;

    if (t->closing) {
        snprintf(base->errmsg, sizeof base->errmsg, "transport is closing");
        return RAFT_CANCELED;
    }
    c = calloc(1, sizeof *c);
    if (c == NULL) {
        snprintf(base->errmsg, sizeof base->errmsg, "out of memory");
        return RAFT_NOMEM;
    }
    c->inner_req.data = c;
    c->outer = req;
    c->t = t;
    c->id = id;
    req->cb = cb; /* as raft_uv_tcp does for its own requests */

    t->pending_connects++; /* before the call, in case a callback ever runs inside it */
    rv = t->inner.connect(&t->inner, &c->inner_req, id, address,
                          rtransport_inner_connect_cb);
    if (rv != 0) {
        /* Synchronous failure: no callback will fire; raft_uv retries later. */
        t->pending_connects--;
        copy_inner_errmsg(t);
        free(c);
        return rv;
    }
    return 0;
}

static void rtransport_inner_close_cb(struct raft_uv_transport *inner)
{
    rtransport *t = from_inner(inner);
    raft_uv_transport_close_cb cb = t->close_cb;

    /* raft_uv_tcp finishes every connect request before this callback. */
    t->closed = true;
    t->close_cb = NULL;
    t->accept_cb = NULL;
    if (cb != NULL)
        cb(&t->base);
}

static void rtransport_close_cb(struct raft_uv_transport *base,
                                raft_uv_transport_close_cb cb)
{
    rtransport *t = from_base(base);

    if (t->closing)
        return; /* raft_uv closes once; a second request has nothing to add */
    t->closing = true;
    t->close_cb = cb;
    t->inner.close(&t->inner, rtransport_inner_close_cb);
}

int rtransport_init(rtransport *t, uv_loop_t *loop)
{
    int rv;

    memset(t, 0, sizeof *t);
    t->loop = loop;

    /* raft_uv_tcp_init keeps `data` and rejects version 0 (RAFT_INVALID). */
    t->inner.version = 1;
    t->inner.data = t;
    rv = raft_uv_tcp_init(&t->inner, loop);
    if (rv != 0) {
        if (t->inner.errmsg[0] != '\0')
            copy_inner_errmsg(t);
        else
            snprintf(t->base.errmsg, sizeof t->base.errmsg, "raft_uv_tcp_init: %s",
                     raft_strerror(rv));
        return rv;
    }
    t->inner.data = t; /* documented to survive; set again so it can't be lost */
    t->inner_ready = true;

    /* raft_uv_init rejects a transport whose version is not set. */
    t->base.version = 1;
    t->base.data = NULL; /* raft_uv's field */
    t->base.impl = t;
    t->base.init = rtransport_init_cb;
    t->base.listen = rtransport_listen_cb;
    t->base.connect = rtransport_connect_cb;
    t->base.close = rtransport_close_cb;
    return 0;
}

int rtransport_set_bind_address(rtransport *t, const char *address)
{
    int rv;

    if (!t->inner_ready) {
        snprintf(t->base.errmsg, sizeof t->base.errmsg, "transport not initialised");
        return RAFT_INVALID;
    }
    if (t->bind_set) {
        /* raft_uv_tcp would overwrite (and leak) the previous copy. */
        snprintf(t->base.errmsg, sizeof t->base.errmsg, "bind address already set");
        return RAFT_INVALID;
    }
    rv = raft_uv_tcp_set_bind_address(&t->inner, address);
    if (rv == 0)
        t->bind_set = true;
    else
        snprintf(t->base.errmsg, sizeof t->base.errmsg, "bad bind address '%s': %s",
                 address, raft_strerror(rv));
    return rv;
}

void rtransport_fini(rtransport *t)
{
    if (!t->inner_ready)
        return;
    if (t->closing && !t->closed)
        return; /* misuse: raft_uv_tcp still closing; leak rather than use-after-free */
    raft_uv_tcp_close(&t->inner);
    t->inner_ready = false;
}
