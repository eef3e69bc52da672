/* slowlog and latency monitor: the records behind SLOWLOG and LATENCY.
 *
 * dispatch.c reports every executed command's duration here; entries are owned copies
 * (arguments trimmed as Redis trims them: at most 32 arguments, 128 bytes each). */
#ifndef REDRAFT_SLOWLOG_H
#define REDRAFT_SLOWLOG_H

#include "client.h"
#include "resp_parser.h"
#include "server.h"

/* Records the command if duration_us >= slowlog-log-slower-than (and that is >= 0). */
void slowlog_record(server *s, const client *c, int argc, const rd_arg *argv, long long duration_us);
void slowlog_free_all(server *s);
/* Latency monitor: records an event ("command", "fast-command", "expire-cycle", ...)
 * when duration_ms >= latency-monitor-threshold (> 0). */
void latency_record(server *s, const char *event, long long duration_ms);
void latency_free_all(server *s);

#endif
