/* process: start-up helpers shared by the node's and the sentinel's main.c. */
#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"
#include "mem.h"
#include "server.h"
#include "slot_index.h"

int process_version_or_help(int argc, char **argv, const char *prog, void (*usage)(void))
{
    if (argc >= 2 && (strcmp(argv[1], "-v") == 0 || strcmp(argv[1], "--version") == 0)) {
        printf("%s v=%s redis_version=%s\n", prog, REDRAFT_VERSION, REDIS_COMPAT_VERSION);
        return 1;
    }
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage();
        return 1;
    }
    return 0;
}

uint64_t process_random_u64(void)
{
    uint64_t v;
    randombytes_buf(&v, sizeof v);
    return v;
}

int process_init_randomness(server *s)
{
    if (sodium_init() < 0)
        return -1;
    rd_hash_set_seed(process_random_u64());
    unsigned char id[20];
    randombytes_buf(id, sizeof id);
    sodium_bin2hex(s->run_id, sizeof s->run_id, id, sizeof id);
    prng_seed(&s->rng, process_random_u64());
    return 0;
}

int process_daemonize(void)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid > 0)
        _exit(0); /* the parent */
    setsid();
    int fd = open("/dev/null", O_RDWR, 0);
    if (fd >= 0) {
        dup2(fd, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        if (fd > STDERR_FILENO)
            close(fd);
    }
    return 0;
}

/* mkdir -p */
static int make_dirs(const char *path)
{
    size_t len = strlen(path);
    char *buf = rd_strndup(path, len);
    int rc = 0;
    for (size_t i = 1; i <= len && rc == 0; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char saved = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            rc = -1;
        buf[i] = saved;
    }
    rd_free(buf);
    return rc;
}

int process_enter_dir(const char *dir)
{
    if (!dir || !dir[0])
        return 0;
    if (make_dirs(dir) != 0) {
        server_log(LL_WARNING, "Can't create the directory '%s': %s", dir, strerror(errno));
        return -1;
    }
    if (chdir(dir) != 0) {
        server_log(LL_WARNING, "Can't chdir to '%s': %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

void process_log_banner(const server *s, const char *prog, int level)
{
    server_log(level, "oO0OoO0OoO0Oo redraft is starting oO0OoO0OoO0Oo");
    server_log(level, "%s version=%s (redis %s), pid=%d, just started", prog, REDRAFT_VERSION,
               REDIS_COMPAT_VERSION, (int)getpid());
    if (s->cfg.config_file)
        server_log(level, "Configuration loaded from %s", s->cfg.config_file);
    else
        server_log(level, "No config file specified, using the default config.");
}

void process_init_databases(server *s)
{
    if (s->cfg.databases < 1 || s->cfg.databases > SERVER_DBNUM_MAX) {
        server_log(LL_WARNING, "databases %d is out of range, using %d", s->cfg.databases,
                   SERVER_DBNUM_MAX);
        s->cfg.databases = SERVER_DBNUM_MAX;
    }
    for (int i = 0; i < SERVER_DBNUM_MAX; i++)
        db_init(&s->dbs[i], i);
    slot_index_init(s); /* cluster mode: index db 0 by hash slot from here on */
    s->start_ms = server_wall_ms();
    s->last_entry_ms = 0;
    s->next_client_id = 1;
}

void process_write_pidfile(const server_config *cfg)
{
    if (!cfg->pidfile || !cfg->pidfile[0])
        return;
    FILE *fp = fopen(cfg->pidfile, "w");
    if (!fp) {
        server_log(LL_WARNING, "Failed to write PID file: %s", strerror(errno));
        return;
    }
    fprintf(fp, "%d\n", (int)getpid());
    fclose(fp);
}
