/* resp_client: an asynchronous RESP client connection on a caller's libuv loop.
 *
 * Used between redraft processes (sentinel health checks and topology pushes, nodes
 * forwarding admin commands) and by C tests/scripts. One resp_client is one TCP
 * connection: resolve (uv_getaddrinfo, every address tried in order), connect with a
 * timeout covering resolve + connect + handshake, TCP_NODELAY, then an optional
 * handshake (AUTH and/or HELLO 3 [SETNAME]) pipelined before any user command.
 * Commands may be sent at once, even before the connection is up; they are
 * pipelined and their callbacks fire in request order. No reconnection policy: a
 * lost connection stays lost, callers decide what to do.
 *
 * Ownership and lifetime
 * - The caller owns the resp_client from resp_client_connect until it calls
 *   resp_client_close, exactly once, whatever happened to the connection. close is
 *   safe anywhere, including inside any callback of this client; memory is released
 *   later, from the loop, once libuv is done with the handles.
 * - A reply callback owns the reply it is given and frees it with resp_reply_free.
 * - err strings passed to callbacks are valid only during the callback.
 *
 * Callback guarantees
 * - connect_cb fires exactly once: err == NULL once the handshake succeeded, else the
 *   reason (resolve/connect failure, timeout, handshake error reply, close before
 *   connecting).
 * - Each accepted command's callback fires exactly once: with a reply (which may be
 *   an error reply: check resp_reply_is_error) and err == NULL, or with reply == NULL
 *   and err set when the connection failed or was closed before its reply came.
 * - disconnect_cb (optional) fires once when an established connection is lost
 *   (EOF, I/O error, protocol error) — not for resp_client_close.
 * - push_cb (optional) receives RESP3 push messages (">"), and, in RESP2, pub/sub
 *   messages while subscribed. (P|S)SUBSCRIBE and (P|S)UNSUBSCRIBE expect no reply of
 *   their own: their confirmations arrive through push_cb, so they must be sent with
 *   cb == NULL. Without a push_cb pushes are dropped.
 *
 * The process must ignore SIGPIPE (libuv writes with write(2)): a peer that dies
 * mid-write would otherwise kill it instead of failing the connection. */
#ifndef REDRAFT_RESP_CLIENT_H
#define REDRAFT_RESP_CLIENT_H

#include <stdint.h>
#include <uv.h>

#include "resp_parser.h" /* rd_arg */
#include "resp_reply.h"

typedef struct resp_client resp_client;

typedef void (*resp_client_connect_cb)(resp_client *c, const char *err, void *data);
typedef void (*resp_client_reply_cb)(resp_client *c, resp_reply *reply, const char *err,
                                     void *privdata);
typedef void (*resp_client_push_cb)(resp_client *c, resp_reply *push, void *data);
typedef void (*resp_client_disconnect_cb)(resp_client *c, const char *err, void *data);

typedef struct resp_client_options {
    const char *host;            /* name or address; copied */
    int port;
    uint64_t connect_timeout_ms; /* 0 = no timeout */
    const char *user;            /* AUTH user (NULL: "AUTH pass" / "default") */
    const char *password;        /* NULL: no AUTH */
    int proto;                   /* 3: HELLO 3 on connect; 0 or 2: stay in RESP2 */
    const char *client_name;     /* sent as HELLO SETNAME or CLIENT SETNAME; NULL: none */
    const resp_reply_limits *limits; /* NULL: defaults */
    resp_client_connect_cb on_connect;
    resp_client_disconnect_cb on_disconnect;
    resp_client_push_cb on_push;
    void *data;                  /* passed to the three callbacks above */
} resp_client_options;

void resp_client_options_init(resp_client_options *o); /* zeroes; timeout 5000 ms */

/* Starts connecting. Never returns NULL; failures (even a bad port) are reported
 * through on_connect from the loop, never from inside this call. */
resp_client *resp_client_connect(uv_loop_t *loop, const resp_client_options *o);

/* Queues a command. argv is copied (encoded) at once. Returns 0 when accepted (cb
 * will fire exactly once, cb may be NULL to discard the reply), -1 when the client is
 * closed or its connection already failed, or argc < 1, or a subscribe-family command
 * is given a callback (cb is then never called). */
int resp_client_command_argv(resp_client *c, int argc, const rd_arg *argv,
                             resp_client_reply_cb cb, void *privdata);
/* Same with C strings, NULL-terminated: resp_client_command(c, cb, p, "SET", "k", "v", NULL). */
int resp_client_command(resp_client *c, resp_client_reply_cb cb, void *privdata, ...)
    __attribute__((sentinel));

/* Closes the connection; every pending callback (and on_connect if still due) gets
 * err "connection closed" before this returns. Call exactly once. */
void resp_client_close(resp_client *c);

int resp_client_is_connected(const resp_client *c); /* handshake done, not failed */
int resp_client_proto(const resp_client *c);        /* 2 or 3 (after HELLO 3) */
size_t resp_client_pending(const resp_client *c);   /* commands awaiting replies */

#endif
