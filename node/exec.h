/* exec_ctx: everything a command implementation may see while it runs.
 *
 * Command execution is the body of the Raft FSM's apply (shared/DESIGN.md, "The log
 * entry and determinism"), so a command gets its clock (`now_ms`, the entry's time) and
 * its randomness (`rng`, seeded from the entry's seed) from here and nowhere else: no
 * wall clock, no rand(), no timers. Replies go to `w`, which discards them when the
 * command is applied for a client that is not connected to this process.
 *
 * `client` is set only for commands of a connection on this process; data commands must
 * work with client == NULL (replicas apply without clients). */
#ifndef REDRAFT_EXEC_H
#define REDRAFT_EXEC_H

#include <stdint.h>

#include "prng.h"
#include "resp_parser.h"
#include "resp_writer.h"

struct server;
struct client;
struct db;
struct command;

#define EXEC_MAY_MUTATE 0x01 /* running as a write (inside apply): may change the keyspace */

typedef struct exec_ctx {
    struct server *srv;
    struct client *client;      /* NULL when not a local connection */
    struct db *db;
    int64_t now_ms;             /* the only clock: entry time */
    prng *rng;                  /* the only randomness */
    resp_writer *w;
    int argc;
    rd_arg *argv;
    const struct command *cmd;
    int flags;
    long long dirty;            /* keyspace changes made (stats, WATCH later) */
} exec_ctx;

/* Shared error replies, Redis's exact texts. */
void reply_syntax_error(exec_ctx *c);          /* ERR syntax error */
void reply_wrong_type(exec_ctx *c);            /* WRONGTYPE Operation against a key ... */
void reply_not_integer(exec_ctx *c);           /* ERR value is not an integer or out of range */
void reply_not_float(exec_ctx *c);             /* ERR value is not a valid float */
void reply_wrong_arity(exec_ctx *c);           /* ERR wrong number of arguments for '<name>' command */
void reply_unknown_subcommand(exec_ctx *c);    /* ERR unknown subcommand '<x>'. Try <CMD> HELP. */
/* Redis's addReplySubcommandSyntaxError: a known subcommand given the wrong arguments. */
void reply_subcommand_syntax_error(exec_ctx *c);
/* Redis's addReplyHelp: "<CMD> <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
 * the NULL-terminated lines, then "HELP" / "    Prints this help.". */
void reply_help(exec_ctx *c, const char *const *lines);

/* Argument helpers: return 1 on success; on failure they reply the Redis error and
 * return 0. */
int arg_ll(exec_ctx *c, int i, long long *out);                  /* not an integer ... */
int arg_ll_range(exec_ctx *c, int i, long long min, long long max, const char *msg, long long *out);
int arg_double(exec_ctx *c, int i, double *out);                 /* not a valid float */
int arg_is(const exec_ctx *c, int i, const char *lower);         /* case-insensitive equality */

#endif
