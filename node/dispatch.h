/* dispatch: from a parsed request to an executed (or replicated) command and its reply.
 *
 * dispatch_command() does the checks Redis does before running a command (unknown
 * command, arity, authentication, pub/sub context, -OOM), then asks replicate.h where it
 * goes: run now, queued for the next Raft entry (reply when applied, through
 * dispatch_apply), refused (-READONLY/-MOVED), or deferred behind a fence. Keyspace
 * deletions that do not come from a client (active expiry, eviction) are proposed
 * through dispatch_propose_deletes(), never executed directly by a timer. */
#ifndef REDRAFT_DISPATCH_H
#define REDRAFT_DISPATCH_H

#include "client.h"
#include "command.h"
#include "resp_parser.h"
#include "server.h"

/* Runs one request of client c (argv points into c's query buffer). Returns
 * DISPATCH_DEFERRED when c now waits (replicate.h) and this same request must be parsed
 * and run again when it resumes; DISPATCH_DONE otherwise. */
enum { DISPATCH_DONE = 0, DISPATCH_DEFERRED = 1 };
int dispatch_command(client *c, int argc, rd_arg *argv);
/* Executes cmd now for c (which may be NULL) against database dbid, replies into w: the
 * current time and a fresh seed. */
void dispatch_execute(server *s, client *c, command *cmd, int argc, rd_arg *argv, int dbid,
                      resp_writer *w);
/* Executes a command from a committed entry with the entry's time and PRNG; c is the
 * local client that sent it (its statistics are kept) or NULL. */
void dispatch_apply(server *s, client *c, command *cmd, int argc, rd_arg *argv, int dbid,
                    resp_writer *w, int64_t now_ms, prng *rng);

enum propose_reason { PROPOSE_EXPIRED = 0, PROPOSE_EVICTED = 1 };
/* Deletes keys on behalf of the server (expired or evicted). Counts stats by reason. */
void dispatch_propose_deletes(server *s, int dbid, const rd_arg *keys, int n, int reason);

#endif
