/* info: the text of INFO, and the statistics that only INFO reads.
 *
 * info_generate() renders Redis 7's INFO sections (server, clients, memory,
 * persistence, stats, replication, cpu, modules, commandstats, errorstats,
 * latencystats, cluster, keyspace) from the server state, in Redis's order and
 * format: `# Section\r\n`, `key:value\r\n` lines, a blank line between sections.
 *
 * Two statistics are owned here because nothing else needs them: per-error-code
 * counts (errorstats, fed by the dispatcher through info_count_error) and per-command
 * latency histograms (latencystats, fed through info_command_latency). The memory
 * figures are shared with MEMORY STATS / MEMORY DOCTOR (server_cmds.c). */
#ifndef REDRAFT_INFO_H
#define REDRAFT_INFO_H

#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"
#include "resp_parser.h"
#include "server.h"

struct command;

/* Call once the server is set up (before serving): remembers the memory used at
 * start-up (used_memory_startup) and draws the replication id. Optional: without it
 * used_memory_startup is 0 and the replication id is drawn on first use. */
void info_init(server *s);
/* Appends the INFO text for the section arguments of INFO (nargs == 0: "default").
 * Arguments are case-insensitive: default, all, everything, or section names;
 * unknown names add nothing. */
void info_generate(server *s, int nargs, const rd_arg *args, bytebuf *out);

/* Counts one error reply in errorstats. msg is the error's text with or without the
 * leading '-': "ERR syntax error", "WRONGTYPE Operation ...", or just the code
 * "NOAUTH". The code is the first word (Redis: within 32 bytes, else "ERR").
 * Does not touch stats.total_error_replies (the dispatcher counts that). */
void info_count_error(const char *msg);
/* The same from an encoded error reply as the dispatcher finds it in an output buffer:
 * reply[0..len) starts with "-CODE text\r\n" or a RESP3 bulk error "!<n>\r\nCODE text". */
void info_count_error_reply(const char *reply, size_t len);
/* Records one executed command's duration (microseconds) for latencystats
 * (latency_percentiles_usec_<cmd>:p50=..,p99=..,p99.9=..). cmd may be a subcommand. */
void info_command_latency(const struct command *cmd, long long usec);
/* CONFIG RESETSTAT: clears errorstats and latencystats. */
void info_reset_stats(void);
/* Frees what info owns (shutdown). */
void info_free_all(void);

/* Memory figures, as INFO memory and MEMORY STATS report them. */
typedef struct info_memory {
    size_t used;                /* rd_used_memory() */
    size_t peak;                /* highest used seen (also updates server.peak_used_memory) */
    size_t startup;             /* used when info_init ran */
    size_t rss;                 /* resident set size of the process */
    size_t clients_normal;      /* client structs and their buffers */
    size_t db_overhead[SERVER_DBNUM_MAX]; /* each database's table arrays */
    size_t monitor_overhead;    /* slowlog and latency records */
    size_t overhead_total;      /* startup + clients + databases + monitor */
    size_t dataset;             /* used - overhead_total */
    size_t keys;                /* keys in every database */
    size_t allocator_allocated, allocator_active, allocator_resident; /* jemalloc, or 0 */
    size_t total_system;        /* physical memory of the machine */
} info_memory;
void info_memory_collect(server *s, info_memory *m);
/* "919.01K"-style rendering of a byte count (Redis's bytesToHuman). */
void info_bytes_to_human(char *buf, size_t size, unsigned long long n);
/* Unix time of the last save (LASTSAVE, rdb_last_save_time): the start time until
 * snapshots exist. */
int64_t info_last_save_time(const server *s);
/* "jemalloc-5.3.0" or "libc". */
const char *info_allocator_name(void);

#endif
