/* sentinel_internal: what the core sentinel files (config.c, registry.c, events.c,
 * sentinel_cmds.c, sentinel_info.c, main.c) share beyond sentinel.h: Redis Sentinel's
 * global options (SENTINEL CONFIG GET/SET), the failure simulation flags, and the pure
 * formatters the unit tests call. Other modules may read g_sentinel_opts. */
#ifndef REDRAFT_SENTINEL_INTERNAL_H
#define REDRAFT_SENTINEL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "resp_parser.h" /* rd_arg */
#include "sentinel.h"

/* Redis Sentinel's global options (SENTINEL CONFIG GET/SET, or `sentinel <option>
 * <value>` lines), with Redis's defaults. Owned by config.c. */
typedef struct sentinel_options {
    int resolve_hostnames;      /* yes/no: hostnames accepted where IPs are expected */
    int announce_hostnames;     /* yes/no */
    char *announce_ip;          /* owned, "" = none */
    int announce_port;          /* 0 = this sentinel's port */
    char *sentinel_user;        /* owned, "" = none: credentials for other sentinels */
    char *sentinel_pass;        /* owned, "" = none */
    int deny_scripts_reconfig;  /* yes (default) */
} sentinel_options;

extern sentinel_options g_sentinel_opts;

/* SENTINEL SIMULATE-FAILURE flags (INFO sentinel_simulate_failure_flags). */
#define SENTINEL_SIMFAILURE_CRASH_AFTER_ELECTION (1 << 0)
#define SENTINEL_SIMFAILURE_CRASH_AFTER_PROMOTION (1 << 1)
extern int g_sentinel_simfailure_flags;

/* sentinel_now_ms() when the process started (main.c). */
extern int64_t g_sentinel_start_ms;

/* ---- config.c -------------------------------------------------------------------- */
void sentinel_config_defaults(void);
void sentinel_config_free(void);
/* A `sentinel ...` line (node/config.h): argv = the words after "sentinel". */
int config_sentinel_directive(int argc, const rd_arg *argv, char **err);
/* Rewrites the config file the sentinel was started with (CONFIG REWRITE, its
 * `sentinel` lines from the current state), as Redis's sentinelFlushConfig after every
 * change of masters or options. 0, or -1 (logged; without a config file, once). */
int sentinel_flush_config(void);
/* Is host usable as an instance address (an IP literal, or any resolvable name with
 * resolve-hostnames yes)? */
int sentinel_valid_host(const char *host);

/* ---- events.c -------------------------------------------------------------------- */
/* The "%@" part of an instance event into buf (NUL-terminated, cut to size); returns
 * its length. */
size_t sentinel_event_format_instance(char *buf, size_t size, const sentinel_instance *ri);

/* ---- sentinel_cmds.c ------------------------------------------------------------- */
enum sentinel_kind { SENTINEL_KIND_MASTER, SENTINEL_KIND_SLAVE, SENTINEL_KIND_SENTINEL };
/* The `flags` field of an instance map in Redis's order ("s_down,master,disconnected"):
 * the kind's role word replaces SRI_MASTER/SRI_SLAVE of flags. Returns the length. */
size_t sentinel_flags_format(char *buf, size_t size, unsigned flags, enum sentinel_kind kind);
/* Installs the sentinel versions of ROLE, INFO and PUBLISH (command table procs). */
void sentinel_cmds_install(void);

/* ---- sentinel_info.c ------------------------------------------------------------- */
struct exec_ctx;
void sentinel_cmd_info(struct exec_ctx *c);
void sentinel_cmd_role(struct exec_ctx *c);
/* The master's status word in INFO: "ok", "sdown" or "odown". */
const char *sentinel_master_status(const sentinel_master *m);
/* Instances of m listed as replicas (SENTINEL REPLICAS, num-slaves, INFO slaves=). */
int sentinel_is_replica(const sentinel_master *m, const sentinel_instance *ri);
int sentinel_replica_count(const sentinel_master *m);
/* The instance standing for the master in replies (the leader, else the seed's), or
 * NULL, and the address to report. */
const sentinel_instance *sentinel_master_instance(const sentinel_master *m);
void sentinel_master_report_addr(const sentinel_master *m, const char **host, int *port);

#endif
