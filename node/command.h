/* command: the command table's entry type and lookup.
 *
 * command_table.c is the one index of every command: name, arity, flags, key
 * positions, documentation and the function that implements it (which lives with its
 * type: t_string.c, keys_cmds.c, ...). Container commands (CLIENT, CONFIG, OBJECT ...)
 * have a subcommand table; Redis 7 names those "client|kill". */
#ifndef REDRAFT_COMMAND_H
#define REDRAFT_COMMAND_H

#include <stdint.h>

#include "exec.h"

typedef void command_proc(exec_ctx *c);

enum command_flags {
    CMD_WRITE = 1u << 0,        /* changes the keyspace: goes through the log */
    CMD_READONLY = 1u << 1,
    CMD_DENYOOM = 1u << 2,      /* refused with -OOM over maxmemory */
    CMD_ADMIN = 1u << 3,
    CMD_PUBSUB = 1u << 4,
    CMD_NOSCRIPT = 1u << 5,
    CMD_BLOCKING = 1u << 6,
    CMD_LOADING = 1u << 7,      /* allowed while loading */
    CMD_STALE = 1u << 8,        /* allowed on a replica with a down link */
    CMD_SKIP_MONITOR = 1u << 9,
    CMD_SKIP_SLOWLOG = 1u << 10,
    CMD_FAST = 1u << 11,
    CMD_NO_AUTH = 1u << 12,     /* allowed before authentication */
    CMD_MAY_REPLICATE = 1u << 13,
    CMD_NO_MULTI = 1u << 14,
    CMD_ALLOW_BUSY = 1u << 15,
    CMD_CONNECTION = 1u << 16,  /* acts on the connection/server, never on the log */
    CMD_RANDOM = 1u << 17,      /* reply is nondeterministic (COMMAND INFO nondeterministic_output) */
    CMD_SORT_FOR_SCRIPT = 1u << 18,
    CMD_NO_MANDATORY_KEYS = 1u << 19,
    CMD_SENTINEL = 1u << 20,      /* accepted from clients in sentinel mode too */
    CMD_ONLY_SENTINEL = 1u << 21, /* exists only in sentinel mode (SENTINEL) */
};

typedef struct command_stats {
    long long calls;
    long long usec;
    long long rejected_calls;
    long long failed_calls;
} command_stats;

typedef struct command {
    const char *name;           /* lower case; subcommands: just the subcommand */
    command_proc *proc;
    int arity;                  /* Redis convention: -N = at least N */
    uint32_t flags;
    const char *acl_categories; /* space separated, e.g. "@write @string @slow" */
    int first_key, last_key, key_step; /* Redis legacy key spec; last -1 = to the end */
    const char *group;          /* COMMAND DOCS group: "string", "generic", ... */
    const char *since;
    const char *summary;
    const char *complexity;
    struct command *subcommands; /* NULL-name terminated, or NULL */
    /* filled by command_table_init */
    char fullname[64];          /* "get", "client|kill" */
    struct command *parent;
    command_stats stats;
    /* Keys counted by an argument (Redis's "keynum" key specs: LMPOP, ZUNION, EVAL ...):
     * argv[numkeys_at] is the count and the keys follow it. 0 = none. Set by
     * command_table_init from the table's numkeys list. */
    int numkeys_at;
} command;

void command_table_init(void);
/* The top-level command for argv[0], or NULL. */
command *command_lookup_name(const char *name, size_t len);
/* The command to run for this argv: a subcommand when the top-level command has them
 * and argv[1] names one. Returns NULL if unknown; *unknown_sub is set when argv[0] is a
 * container and argv[1] is not one of its subcommands. */
command *command_lookup(const rd_arg *argv, int argc, int *unknown_sub);
/* Iteration over top-level commands (COMMAND, INFO commandstats): in sentinel mode
 * (g_server.sentinel_mode when command_table_init ran) only the sentinel's commands,
 * otherwise every command but the sentinel-only ones. */
command *command_table_at(int i); /* NULL past the end */
int command_table_count(void);
/* Key positions of argv for cmd (legacy first/last/step spec, plus the keys counted by a
 * numkeys argument); returns the count written to keys. A malformed numkeys gives only
 * the legacy keys (the command itself then replies its error). */
int command_get_keys(const command *cmd, const rd_arg *argv, int argc, int *keys, int max);
/* How the data path treats cmd: a write goes through the log; a read (CMD_READONLY on
 * the command or its container) needs a current leader; anything else (connection,
 * pub/sub, admin) runs where it arrives. */
enum command_access { COMMAND_OTHER = 0, COMMAND_READ = 1, COMMAND_WRITE = 2 };
int command_access_of(const command *cmd);
/* Does argc satisfy cmd->arity? */
int command_arity_ok(const command *cmd, int argc);

#endif
