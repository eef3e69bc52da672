/* MONITOR: streams every command the server runs to the clients that asked for it. */
#ifndef REDRAFT_MONITOR_H
#define REDRAFT_MONITOR_H

#include "client.h"
#include "resp_parser.h"
#include "server.h"

/* Sends `+<unix time.micros> [<db> <addr>] "arg" "arg"...` to every monitor (not to c
 * itself), as Redis formats it. No-op when there are no monitors. */
void monitor_feed(server *s, const client *c, int dbid, int argc, const rd_arg *argv);

#endif
