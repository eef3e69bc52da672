/* client: one RESP connection, its buffers and its per-connection state.
 *
 * Owns the libuv TCP handle, the query buffer the parser reads from, and the output
 * buffers: `out` collects replies; `sending` is the buffer a uv_write is in flight
 * for (libuv needs it stable until the write callback). Closing is asynchronous:
 * client_close() marks and closes the handle; the struct is freed in the close callback. */
#ifndef REDRAFT_CLIENT_H
#define REDRAFT_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "bytebuf.h"
#include "resp_parser.h"
#include "resp_writer.h"

struct server;
struct command;

enum client_flags {
    CLIENT_CLOSE_AFTER_REPLY = 1u << 0, /* QUIT, protocol errors */
    CLIENT_CLOSE_ASAP = 1u << 1,        /* output limit, CLIENT KILL: drop pending output */
    CLIENT_AUTHENTICATED = 1u << 2,
    CLIENT_MONITOR = 1u << 3,
    CLIENT_NO_EVICT = 1u << 4,
    CLIENT_REPLY_OFF = 1u << 5,
    CLIENT_REPLY_SKIP_NEXT = 1u << 6,   /* CLIENT REPLY SKIP: for the next command */
    CLIENT_REPLY_SKIP = 1u << 7,        /* skipping replies of the current command */
    CLIENT_PUBSUB = 1u << 8,
    CLIENT_CLOSING = 1u << 9,           /* uv_close called */
    CLIENT_READ_PAUSED = 1u << 10,
    CLIENT_WRITING = 1u << 11,          /* a uv_write is in flight */
    CLIENT_IN_COMMAND = 1u << 12,
    CLIENT_UNIX_SOCKET = 1u << 13,
    CLIENT_NO_TOUCH = 1u << 14,
    CLIENT_PENDING_WRITE = 1u << 15,    /* queued for the once-per-iteration flush */
    CLIENT_READONLY = 1u << 16,         /* READONLY: cluster-mode replica serves stale reads */
    CLIENT_ASKING = 1u << 17,           /* ASKING: next command may touch an importing slot */
    CLIENT_BLOCKED = 1u << 18,          /* parked (client_block): its reply comes later */
};

typedef struct client {
    uint64_t id;
    struct server *srv;
    uv_tcp_t tcp;
    uv_write_t write_req;
    uint32_t flags;
    int resp;                  /* 2 or 3 */
    int db_index;
    char addr[64];             /* "ip:port" of the peer */
    char laddr[64];            /* "ip:port" of our side */
    char *name;                /* CLIENT SETNAME, NULL if none */
    char *lib_name;            /* CLIENT SETINFO */
    char *lib_ver;
    char *user;                /* "default" */

    bytebuf query;             /* bytes read, parsed from query_pos */
    size_t query_pos;
    resp_parser parser;
    bytebuf out;               /* replies not yet handed to libuv */
    bytebuf sending;           /* the buffer of the in-flight uv_write */
    resp_writer w;             /* writes into out with resp */
    int64_t obuf_soft_since_ms; /* when the soft output limit was first exceeded, or 0 */

    int64_t ctime_ms;          /* connected at (wall clock, for CLIENT LIST age) */
    int64_t last_interaction_ms;
    const struct command *last_cmd;
    long long commands_processed;
    uint64_t net_input_bytes, net_output_bytes;

    struct client *prev, *next; /* server's list of clients */
    struct client *pending_prev, *pending_next; /* clients with output to flush (client.c) */
    size_t argv_mem;           /* bytes of the arguments being run (CLIENT LIST argv-mem) */

    /* replicate.c: writes proposed but not yet applied, the last proposed entry holding
     * one of this client's writes (WAIT), and the fence this client waits for. */
    uint32_t pending_writes;
    uint64_t last_write_index;
    void *fence;
    int fenced;                /* every buffered request arrived before a fence applied */
    struct client *unblocked_next; /* list of clients to resume (client.c) */
} client;

/* Called by the server on accept: initialises and starts reading. */
client *client_create(struct server *srv);
int client_start(client *c);
/* Asynchronous close; safe to call more than once and from inside command execution. */
void client_close(client *c);
/* Sends what is in c->out (called after a batch of commands and by the event loop).
 * Callable for any client (pub/sub, MONITOR): it checks the output buffer limits and
 * queues c for the write that happens once per loop iteration. */
void client_flush(client *c);
/* The once-per-iteration write of every queued client (server.c's prepare handle). */
void client_flush_pending(struct server *srv);
/* Output buffer limits of c's class (client-output-buffer-limit): closes c (counted in
 * stats) when over the hard limit, or over the soft one for too long. Returns 1 if c
 * was closed. */
int client_check_output_limits(client *c, int64_t now_ms);
/* Bytes of pending output (out + sending). */
size_t client_output_len(const client *c);
/* CLIENT LIST / CLIENT INFO line for this client (no trailing newline). */
void client_describe(const client *c, bytebuf *out, int64_t now_ms);
/* Run the commands buffered in c->query (after a read, or when unpaused). */
void client_process_input(client *c);

/* Parks c after the command now running: none of its later requests run (they stay in
 * its query buffer, reading is paused) until client_unblock. Used for replies that come
 * later: a write waiting for its commit, a read waiting for its fence, an admin command
 * waiting for Raft (RAFT ADD ..., CLUSTER FAILOVER), WAIT. */
void client_block(client *c);
/* Resumes a blocked client: its queued requests run on this loop iteration's
 * client_run_unblocked (never re-entrantly from inside another command or the FSM). */
void client_unblock(client *c);
/* Runs every client unblocked since the last call (server.c, once per iteration). */
void client_run_unblocked(struct server *srv);
/* The connected client with this id, or NULL (asynchronous replies look their client up
 * by id: the client may have gone). */
client *client_find_by_id(struct server *srv, uint64_t id);

#endif
