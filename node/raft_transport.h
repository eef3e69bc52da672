/* Raft transport for nodes: a `struct raft_uv_transport` (the interface raft_uv uses
 * to accept and open peer connections) that wraps libraft's own TCP transport
 * (raft_uv_tcp) and sets TCP_NODELAY on every stream before raft sees it.
 *
 * Why: raft_uv_tcp never disables Nagle, and pipelined AppendEntries then stall
 * ~40 ms per round (Nagle + delayed ACK; shared/notes/raft.md, "Nagle"). Every stream,
 * accepted or connected, passes through one function (rtransport_stream_ready in the
 * .c file); the cluster-secret authentication handshake (DESIGN.md "Security") is
 * meant to run at that same point later. It is not implemented here.
 *
 * It also coalesces raft's reads on inbound streams: raft_uv asks libuv for exactly
 * the next part of a message (a 16-byte preamble, then the header, then the payload),
 * so every message cost three or four read() calls, each expensive on a virtual
 * machine. The wrapper reads up to 64 KiB at a time and feeds raft's own callbacks the
 * sizes they ask for (one copy; see read_shim in the .c file).
 *
 * Ownership: the caller owns the `rtransport` struct (embed it next to its raft_io)
 * and must keep it at a fixed address from rtransport_init until rtransport_fini.
 * raft_uv owns `base.data` (it stores its own pointer there); the wrapper keeps its
 * own state in the struct and points `inner.data` back at itself.
 *
 * Lifecycle (one loop, all calls on the loop thread):
 *   rtransport_init(&t, loop);                     // inner raft_uv_tcp, version 1
 *   rtransport_set_bind_address(&t, "0.0.0.0:p");  // optional, before raft_init
 *   raft_uv_init(&io, loop, dir, rtransport_base(&t));
 *   raft_init(&r, &io, &fsm, id, "host:p");       // raft_uv calls base.init
 *   raft_start(&r);                               // raft_uv calls base.listen
 *   ...
 *   raft_close(&r, cb);   // raft_uv calls base.close; the wrapper forwards it to
 *                         // raft_uv_tcp, which cancels pending connects (their
 *                         // callbacks fire, with RAFT_CANCELED) and stops
 *                         // accepting, then fires raft_uv's close callback.
 *   in cb: raft_uv_close(&io); rtransport_fini(&t);  // frees raft_uv_tcp's memory
 * If raft_uv_init or raft_init fails, nothing is listening or connecting yet:
 * raft_uv_close (if raft_uv_init succeeded) and rtransport_fini release everything.
 * Never call rtransport_fini while raft_uv may still use the transport.
 */
#ifndef REDRAFT_RAFT_TRANSPORT_H
#define REDRAFT_RAFT_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>

#include <raft.h>
#include <raft/uv.h>
#include <uv.h>

#if !defined(RAFT_VERSION_NUMBER) || RAFT_VERSION_NUMBER < 2201
#error "redraft needs libraft >= 0.22.1 (Debian bookworm-backports libraft-dev)"
#endif

/* Counters, for INFO and tests. Streams are counted once each when they reach
 * rtransport_stream_ready (raft's own handshake preamble already exchanged). */
typedef struct rtransport_stats {
    uint64_t accepted;        /* inbound streams handed to raft */
    uint64_t connected;       /* outbound streams handed to raft */
    uint64_t connect_failed;  /* outbound attempts that failed or were cancelled */
    uint64_t nodelay_set;     /* uv_tcp_nodelay(stream, 1) succeeded */
    uint64_t nodelay_failed;  /* it failed (stream handed over anyway, see .c) */
    uint64_t reads_coalesced; /* inbound streams whose reads go through the shim */
} rtransport_stats;

typedef struct rtransport {
    /* What raft_uv sees; first member so &t->base == (void *)t. Its `data` belongs
     * to raft_uv, its method pointers to this file. */
    struct raft_uv_transport base;
    /* libraft's TCP transport that does the real work. inner.data == this. */
    struct raft_uv_transport inner;
    uv_loop_t *loop;                      /* for the future handshake's timers/streams */
    raft_uv_accept_cb accept_cb;          /* raft_uv's, from base.listen */
    raft_uv_transport_close_cb close_cb;  /* raft_uv's, from base.close */
    unsigned pending_connects;            /* wrapper connect requests not yet finished */
    bool bind_set;                        /* rtransport_set_bind_address succeeded */
    bool inner_ready;                     /* raft_uv_tcp_init succeeded, not yet fini'd */
    bool closing;                         /* base.close called */
    bool closed;                          /* inner close callback fired */
    rtransport_stats stats;
} rtransport;

/* Initialise the wrapper and its inner raft_uv_tcp transport on `loop`.
 * Returns 0 or a RAFT_* code (message in t->base.errmsg). On failure nothing is
 * left to release. */
int rtransport_init(rtransport *t, uv_loop_t *loop);

/* Bind the listening socket to `address` ("a.b.c.d:port", same port as the raft
 * address) instead of the raft address. Before raft_init, at most once (a second
 * call returns RAFT_INVALID). 0 or a RAFT_* code. */
int rtransport_set_bind_address(rtransport *t, const char *address);

/* The interface to pass to raft_uv_init. */
static inline struct raft_uv_transport *rtransport_base(rtransport *t)
{
    return &t->base;
}

/* Release raft_uv_tcp's memory. Call once raft_uv no longer uses the transport:
 * after the raft_close callback (or when raft_start never ran). Idempotent. Called
 * between base.close and its callback it does nothing (freeing then would be a
 * use-after-free inside raft_uv_tcp). */
void rtransport_fini(rtransport *t);

#endif
