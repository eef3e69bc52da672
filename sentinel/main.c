/* main: the redraft-sentinel process -- start-up and exit.
 *
 * The node's start-up (node/main.c) in sentinel mode, as redis-sentinel is redis-server
 * --sentinel: randomness, g_server.sentinel_mode, the configuration (`redraft-sentinel
 * [config-file] [--directive value ...]`, default port 26379, `sentinel ...` lines
 * handled by config.c), the data directory (the sentinel group's Raft log and identity
 * live there), the command table (built for sentinel mode) and the sentinel versions of
 * ROLE/INFO/PUBLISH, the listeners, the sentinels' own Raft group (raft-bootstrap lists
 * the sentinels), then every sentinel module (sentinel_start). No cluster slot routing
 * and no storage peer links: a sentinel is not a storage node. SHUTDOWN / SIGTERM stop
 * the modules (server_shutdown calls sentinel_stop), Raft, and the loop.
 * The steps both mains share are node/process.c's. sentinel_start/stop and the sentinel's id and clock are in lifecycle.c, so unit
 * tests linking the sentinel's objects have them. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "command.h"
#include "config.h"
#include "info.h"
#include "mem.h"
#include "process.h"
#include "raft_node.h"
#include "replicate.h"
#include "sentinel.h"
#include "sentinel_internal.h"
#include "server.h"
#include "types.h"


static void usage(void)
{
    fprintf(stderr,
            "Usage: ./redraft-sentinel [/path/to/sentinel.conf] [options]\n"
            "       ./redraft-sentinel -v or --version\n"
            "       ./redraft-sentinel -h or --help\n\n"
            "Examples:\n"
            "       ./redraft-sentinel /etc/redraft/sentinel.conf\n"
            "       ./redraft-sentinel --port 26380 --sentinel monitor mymaster 127.0.0.1 7000 2\n");
}

/* The instances' links are closed first: server_free runs the loop once more for
 * every close callback before it closes the loop. */
static void cleanup(server *s)
{
    sentinel_registry_free_all();
    server_free(s);
    sentinel_config_free();
}

int main(int argc, char **argv)
{
    server *s = &g_server;
    signal(SIGPIPE, SIG_IGN);

    if (process_version_or_help(argc, argv, "redraft-sentinel", usage))
        return 0;
    if (process_init_randomness(s) != 0) {
        fprintf(stderr, "redraft-sentinel: libsodium initialisation failed\n");
        return 1;
    }

    g_sentinel_start_ms = sentinel_now_ms();
    s->sentinel_mode = 1; /* before the configuration: `sentinel` lines need it */
    config_defaults(&s->cfg);
    s->cfg.port = SENTINEL_DEFAULT_PORT;
    sentinel_config_defaults();
    char *err = NULL;
    if (config_from_args(&s->cfg, argc, argv, &err) != 0) {
        fprintf(stderr, "\n*** FATAL CONFIG FILE ERROR (Redis %s) ***\n%s\n", REDIS_COMPAT_VERSION,
                err ? err : "invalid configuration");
        rd_free(err);
        config_free(&s->cfg);
        sentinel_registry_free_all();
        sentinel_config_free();
        return 1;
    }
    if (s->cfg.cluster_enabled) {
        /* A sentinel is never a cluster node: its keyspace is the sentinels' state. */
        fprintf(stderr, "redraft-sentinel: cluster-enabled is ignored in sentinel mode\n");
        s->cfg.cluster_enabled = 0;
    }
    if (s->cfg.daemonize && process_daemonize() != 0) {
        fprintf(stderr, "redraft-sentinel: fork failed: %s\n", strerror(errno));
        config_free(&s->cfg);
        sentinel_registry_free_all();
        sentinel_config_free();
        return 1;
    }
    process_init_databases(s);

    process_log_banner(s, "redraft-sentinel", LL_WARNING);

    if (process_enter_dir(s->cfg.dir) != 0) {
        cleanup(s);
        return 1;
    }
    command_table_init(); /* sentinel mode: COMMAND lists the sentinel's commands */
    types_register_all();
    sentinel_cmds_install();
    if (server_start(s) != 0) {
        cleanup(s);
        return 1;
    }
    server_log(LL_NOTICE, "Running mode=sentinel, port=%d.", s->cfg.port);
    info_init(s);
    replicate_init(s);
    if (raft_node_start(s) != 0) {
        cleanup(s);
        return 1;
    }
    process_write_pidfile(&s->cfg);
    server_log(LL_WARNING, "Sentinel ID is %s", sentinel_myid());
    for (int i = 0; i < sentinel_master_count(); i++) {
        const sentinel_master *m = sentinel_master_at(i);
        sentinel_event("+monitor", "master %s %s %d quorum %u", m->name, m->seed_host, m->seed_port, m->quorum);
    }
    sentinel_start(s);

    uv_run(s->loop, UV_RUN_DEFAULT);

    int code = s->exit_code;
    sentinel_stop(); /* already done by server_shutdown; harmless */
    cleanup(s);
    uv_library_shutdown();
    return code;
}
