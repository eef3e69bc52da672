/* config_cmds.c: the CONFIG command family (GET, SET, RESETSTAT, REWRITE, HELP).
 *
 * Thin wrappers over config.c, which owns the directive table; this file owns the
 * command-level behaviour: reply shapes, redacting secrets from the request, and which
 * statistics RESETSTAT clears (Redis's resetServerStats + command stats; not the slowlog,
 * latency samples, the dirty counter or peak memory). */
#include <string.h>

#include "auth.h"
#include "client.h"
#include "command.h"
#include "commands.h"
#include "config.h"
#include "info.h"
#include "mem.h"
#include "server.h"

void cmd_config_get(exec_ctx *c)
{
    config_get_reply(&c->srv->cfg, c->argc - 2, c->argv + 2, c->w);
}

void cmd_config_set(exec_ctx *c)
{
    if (c->argc & 1) { /* CONFIG SET name value [name value ...] */
        reply_syntax_error(c);
        return;
    }
    int npairs = (c->argc - 2) / 2;
    bytebuf err;
    bytebuf_init(&err);
    int rc = config_set_pairs(&c->srv->cfg, npairs, c->argv + 2, &err);
    /* As Redis: secrets leave the request whether or not the SET succeeded. */
    for (int i = 0; i < npairs; i++)
        if (config_is_sensitive(c->argv[2 + 2 * i].ptr, c->argv[2 + 2 * i].len))
            auth_redact_arg(c->client, c->argv, 3 + 2 * i);
    if (rc == 0) {
        resp_write_ok(c->w);
    } else {
        bytebuf_append_char(&err, '\0');
        resp_write_error(c->w, err.data);
    }
    bytebuf_free(&err);
}

static void reset_command_stats(command *tab)
{
    for (command *cmd = tab; cmd && cmd->name; cmd++) {
        memset(&cmd->stats, 0, sizeof cmd->stats);
        if (cmd->subcommands)
            reset_command_stats(cmd->subcommands);
    }
}

void cmd_config_resetstat(exec_ctx *c)
{
    server_stats *st = &c->srv->stats;
    long long dirty = st->dirty; /* a persistence counter in Redis, not a statistic */
    memset(st, 0, sizeof *st);
    st->dirty = dirty;
    /* server.c's sample_ops() measures on the monotonic clock: a wall-clock value here
     * would stop the instantaneous_ops_per_sec samples for good. */
    st->ops_sample_last_ms = server_mono_ms();
    for (int i = 0; i < command_table_count(); i++) {
        command *cmd = command_table_at(i);
        memset(&cmd->stats, 0, sizeof cmd->stats);
        if (cmd->subcommands)
            reset_command_stats(cmd->subcommands);
    }
    info_reset_stats();
    resp_write_ok(c->w);
}

void cmd_config_rewrite(exec_ctx *c)
{
    char *err = NULL;
    if (config_rewrite(&c->srv->cfg, &err) != 0) {
        server_log(LL_WARNING, "CONFIG REWRITE failed: %s", err);
        resp_write_errorf(c->w, "ERR %s", err);
        rd_free(err);
        return;
    }
    server_log(LL_NOTICE, "CONFIG REWRITE executed with success.");
    resp_write_ok(c->w);
}

void cmd_config_help(exec_ctx *c)
{
    static const char *const lines[] = {
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        NULL,
    };
    reply_help(c, lines);
}
