/* slowlog and latency monitor: the records behind SLOWLOG and LATENCY.
 *
 * dispatch.c reports every executed command's duration here; entries are owned copies
 * (arguments trimmed as Redis trims them: at most 32 arguments, 128 bytes each).
 *
 * The slowlog lives in struct server as a ring: the entry with id k sits at index
 * k % slowlog_cap, and the live entries are the ids [slowlog_next_id - slowlog_len,
 * slowlog_next_id). The ring grows geometrically up to slowlog-max-len.
 *
 * The latency monitor keeps, per event name, the last LATENCY_HISTORY_LEN samples at
 * one-second granularity (two spikes in the same second keep the larger), as Redis's
 * latency.c does. */
#ifndef REDRAFT_SLOWLOG_H
#define REDRAFT_SLOWLOG_H

#include <stdint.h>

#include "client.h"
#include "resp_parser.h"
#include "server.h"

#define SLOWLOG_ENTRY_MAX_ARGC 32
#define SLOWLOG_ENTRY_MAX_STRING 128
#define LATENCY_HISTORY_LEN 160
#define LATENCY_EVENT_NAME_MAX 64

typedef struct latency_sample {
    int64_t time_s;      /* unix seconds; 0 = unused slot */
    uint32_t latency_ms;
} latency_sample;

/* One event class ("command", "fast-command", "expire-cycle", ...). */
struct latency_event {
    char name[LATENCY_EVENT_NAME_MAX];
    latency_sample samples[LATENCY_HISTORY_LEN]; /* ring, oldest at `next` */
    int next;                                    /* slot the next sample goes to */
    uint32_t max_ms;                             /* worst ever (until LATENCY RESET) */
};

/* Records the command if duration_us >= slowlog-log-slower-than (and that is >= 0);
 * secret arguments are stored as "(redacted)". The caller leaves out commands flagged
 * CMD_SKIP_SLOWLOG (dispatch.c does). */
void slowlog_record(server *s, const client *c, int argc, const rd_arg *argv, long long duration_us);
/* Frees every entry (SLOWLOG RESET, shutdown); ids keep growing. */
void slowlog_free_all(server *s);
/* The i-th newest entry (0 = newest), or NULL when i >= slowlog_len. */
const slowlog_entry *slowlog_newest(const server *s, size_t i);

/* Latency monitor: records an event ("command", "fast-command", "expire-cycle", ...)
 * when duration_ms >= latency-monitor-threshold (> 0). */
void latency_record(server *s, const char *event, long long duration_ms);
void latency_free_all(server *s);
/* The event with this name, or NULL. */
struct latency_event *latency_find(server *s, const char *name, size_t len);
/* Forgets one event; returns 1 if it existed. */
int latency_reset_event(server *s, const char *name, size_t len);

/* Secret arguments (AUTH passwords, HELLO ... AUTH user pass, MIGRATE AUTH/AUTH2,
 * CONFIG SET requirepass/masterauth values, ACL SETUSER rules): SLOWLOG and MONITOR
 * show "(redacted)" in their place, as Redis does. command_has_secrets() is a cheap
 * pre-check on argv[0]; command_arg_is_secret() answers for argument i. */
#define REDACTED_ARG "(redacted)"
int command_has_secrets(int argc, const rd_arg *argv);
int command_arg_is_secret(int argc, const rd_arg *argv, int i);

#endif
