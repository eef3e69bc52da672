/* main: the redraft-node process -- start-up and exit.
 *
 * Order matters and follows redis-server: randomness first (hash-table key, run id and
 * the seed source for command execution, all from libsodium), then the configuration
 * (`redraft-node [config-file] [--directive value ...]`), daemonizing, the data
 * directory (created if missing, then the working directory, as Redis's `dir`), the
 * file-descriptor budget for maxclients, the command table and the databases, and
 * finally the listeners and the loop. Shutdown (SIGTERM, SIGINT, SHUTDOWN) makes
 * uv_run return; everything is then freed so sanitizers see a clean exit. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "command.h"
#include "config.h"
#include "info.h"
#include "mem.h"
#include "peer_links.h"
#include "process.h"
#include "raft_node.h"
#include "replicate.h"
#include "server.h"
#include "topology_store.h"
#include "types.h"

#define RESERVED_FDS 32 /* Redis's CONFIG_MIN_RESERVED_FDS: logs, listeners, files */

static void usage(void)
{
    fprintf(stderr,
            "Usage: ./redraft-node [/path/to/redraft.conf] [options]\n"
            "       ./redraft-node - (read config from stdin)\n"
            "       ./redraft-node -v or --version\n"
            "       ./redraft-node -h or --help\n\n"
            "Examples:\n"
            "       ./redraft-node (run the server with default config)\n"
            "       ./redraft-node /etc/redraft/7000.conf\n"
            "       ./redraft-node --port 7777\n"
            "       ./redraft-node /etc/myredraft.conf --loglevel verbose\n");
}

/* Raises the open-files limit to what maxclients needs, or lowers maxclients to what
 * the limit allows, as Redis's adjustOpenFilesLimit does. */
static void adjust_open_files_limit(server_config *cfg)
{
    rlim_t need = (rlim_t)cfg->maxclients + RESERVED_FDS;
    struct rlimit lim;
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0) {
        server_log(LL_WARNING, "Unable to obtain the current NOFILE limit (%s), assuming 1024 and "
                               "setting the max clients configuration accordingly.",
                   strerror(errno));
        cfg->maxclients = 1024 - RESERVED_FDS;
        return;
    }
    if (lim.rlim_cur >= need)
        return;
    struct rlimit want = lim;
    want.rlim_cur = need;
    if (lim.rlim_max != RLIM_INFINITY && want.rlim_cur > lim.rlim_max)
        want.rlim_cur = lim.rlim_max;
    if (want.rlim_cur > lim.rlim_cur && setrlimit(RLIMIT_NOFILE, &want) == 0)
        lim.rlim_cur = want.rlim_cur;
    if (lim.rlim_cur >= need)
        return;
    long long allowed = (long long)lim.rlim_cur - RESERVED_FDS;
    if (allowed < 1)
        allowed = 1;
    server_log(LL_WARNING, "You requested maxclients of %lld requiring at least %llu max file "
                           "descriptors.",
               cfg->maxclients, (unsigned long long)need);
    server_log(LL_WARNING, "Server can't set maximum open files to %llu because of OS error: %s.",
               (unsigned long long)need, strerror(errno));
    server_log(LL_WARNING, "Current maximum open files is %llu. maxclients has been reduced to %lld to "
                           "compensate for low ulimit. If you need higher maxclients increase "
                           "'ulimit -n'.",
               (unsigned long long)lim.rlim_cur, allowed);
    cfg->maxclients = allowed;
}

int main(int argc, char **argv)
{
    server *s = &g_server;
    signal(SIGPIPE, SIG_IGN);

    if (process_version_or_help(argc, argv, "redraft-node", usage))
        return 0;
    if (process_init_randomness(s) != 0) {
        fprintf(stderr, "redraft-node: libsodium initialisation failed\n");
        return 1;
    }

    config_defaults(&s->cfg);
    char *err = NULL;
    /* config.c reads argv as main got it: argv[0] is the program, a config file (or
     * "-" for stdin) may come first, then the --directive flags. */
    if (config_from_args(&s->cfg, argc, argv, &err) != 0) {
        fprintf(stderr, "\n*** FATAL CONFIG FILE ERROR (Redis %s) ***\n%s\n", REDIS_COMPAT_VERSION,
                err ? err : "invalid configuration");
        rd_free(err);
        config_free(&s->cfg);
        return 1;
    }
    if (s->cfg.daemonize && process_daemonize() != 0) {
        fprintf(stderr, "redraft-node: fork failed: %s\n", strerror(errno));
        config_free(&s->cfg);
        return 1;
    }
    process_init_databases(s);

    process_log_banner(s, "redraft", LL_NOTICE);

    if (process_enter_dir(s->cfg.dir) != 0) {
        server_free(s);
        return 1;
    }
    adjust_open_files_limit(&s->cfg);
    command_table_init();
    types_register_all();
    if (server_start(s) != 0) {
        server_free(s);
        return 1;
    }
    info_init(s);
    replicate_init(s);
    topology_store_load(s); /* dir/topology: the cwd is the data dir now */
    if (raft_node_start(s) != 0) {
        server_free(s);
        return 1;
    }
    peer_links_start(s);
    process_write_pidfile(&s->cfg);
    server_log(LL_NOTICE, "Server initialized");
    server_log(LL_NOTICE, "Ready to accept connections tcp");

    uv_run(s->loop, UV_RUN_DEFAULT);

    int code = s->exit_code;
    server_free(s);
    uv_library_shutdown();
    return code;
}
