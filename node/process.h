/* process: the start-up steps redraft-node and redraft-sentinel share (their main.c
 * files differ only in what they start after the listeners). */
#ifndef REDRAFT_PROCESS_H
#define REDRAFT_PROCESS_H

#include <stdint.h>

struct server;
struct server_config;

/* `-v`/`--version` and `-h`/`--help` as first argument: prints the version line (of
 * program `prog`) or calls usage, and returns 1 (the process then exits 0); else 0. */
int process_version_or_help(int argc, char **argv, const char *prog, void (*usage)(void));
/* libsodium, the hash-table key, the run id and the command-execution seed source.
 * Returns 0, or -1 when libsodium cannot start (the process must exit). */
int process_init_randomness(struct server *s);
uint64_t process_random_u64(void);
/* `daemonize yes`: fork, the parent exits, the child leaves the terminal. 0 or -1. */
int process_daemonize(void);
/* Creates `dir` (mkdir -p) and makes it the working directory, as Redis's `dir`.
 * 0, or -1 after logging why. An empty dir is a no-op. */
int process_enter_dir(const char *dir);
/* The databases (the `databases` range clamped) and the clocks a fresh process starts
 * with. */
void process_init_databases(struct server *s);
/* The start-up lines Redis logs (banner, version of program `prog`, where the config
 * came from), at `level`. */
void process_log_banner(const struct server *s, const char *prog, int level);
/* `pidfile`, if set; a failure is logged, not fatal (as Redis). */
void process_write_pidfile(const struct server_config *cfg);

#endif
