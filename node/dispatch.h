/* dispatch: from a parsed request to an executed command and its reply.
 *
 * dispatch_command() does the checks Redis does before running a command (unknown
 * command, arity, authentication, pub/sub context, -OOM) and then hands it to
 * dispatch_execute(), the single place where commands run. Writes are executed through
 * it with an entry time and seed; the Raft issue turns that place into "append to the
 * log, execute on apply". Keyspace deletions that do not come from a client (active
 * expiry, eviction) are proposed through dispatch_propose_deletes(), never executed
 * directly by a timer. */
#ifndef REDRAFT_DISPATCH_H
#define REDRAFT_DISPATCH_H

#include "client.h"
#include "command.h"
#include "resp_parser.h"
#include "server.h"

/* Runs one request of client c (argv points into c's query buffer). */
void dispatch_command(client *c, int argc, rd_arg *argv);
/* Executes cmd for c (which may be NULL) against database dbid, replies into w. */
void dispatch_execute(server *s, client *c, command *cmd, int argc, rd_arg *argv, int dbid,
                      resp_writer *w);

enum propose_reason { PROPOSE_EXPIRED = 0, PROPOSE_EVICTED = 1 };
/* Deletes keys on behalf of the server (expired or evicted). Counts stats by reason. */
void dispatch_propose_deletes(server *s, int dbid, const rd_arg *keys, int n, int reason);

#endif
