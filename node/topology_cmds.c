/* topology_cmds.c: CLUSTER SETTOPOLOGY / GETTOPOLOGY, the admin interface to the
 * topology store (topology_store.h) through which sentinels push the cluster map.
 *
 * Like every CLUSTER subcommand they answer only with `cluster-enabled yes`. They are
 * connection commands (local, never logged: each node persists its own copy) and admin
 * commands (hidden from MONITOR, behind AUTH/ACL like any other). */
#include "client.h"
#include "command.h"
#include "commands.h"
#include "server.h"
#include "topology_store.h"

static int cluster_enabled(exec_ctx *c)
{
    if (c->srv && c->srv->cfg.cluster_enabled)
        return 1;
    resp_write_error(c->w, "ERR This instance has cluster support disabled");
    return 0;
}

/* CLUSTER SETTOPOLOGY <encoded topology> -> +OK or the store's error. */
void cmd_cluster_settopology(exec_ctx *c)
{
    if (!cluster_enabled(c))
        return;
    char err[512];
    if (topology_store_set(c->srv, c->argv[2].ptr, c->argv[2].len, err, sizeof err) != 0)
        resp_write_error(c->w, err);
    else
        resp_write_ok(c->w);
}

/* CLUSTER GETTOPOLOGY -> the canonical encoding as a bulk string, or nil. */
void cmd_cluster_gettopology(exec_ctx *c)
{
    if (!cluster_enabled(c))
        return;
    size_t len;
    const char *text = topology_store_text(&len);
    if (text)
        resp_write_bulk(c->w, text, len);
    else
        resp_write_null(c->w);
}
