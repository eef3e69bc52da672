/* config: redis.conf-style directives, from a file, from `--directive value` flags and
 * from CONFIG GET/SET/REWRITE.
 *
 * One table lists every directive with its type, limits, default and whether CONFIG
 * SET may change it at run time; everything else (parsing, CONFIG GET glob matching,
 * rewrite) works from that table. */
#ifndef REDRAFT_CONFIG_H
#define REDRAFT_CONFIG_H

#include "resp_writer.h"
#include "server.h"

void config_defaults(server_config *cfg);
void config_free(server_config *cfg);
/* argv as given to main: optional config file path first, then `--name value...`
 * pairs (a flag may take several words, as in Redis). On error returns -1 and sets
 * *err (rd_malloc'd message for the caller to print and free). */
int config_from_args(server_config *cfg, int argc, char **argv, char **err);
int config_load_file(server_config *cfg, const char *path, char **err);
/* Applies one directive line's words (name + values), as from a file. */
int config_apply(server_config *cfg, int argc, const rd_arg *argv, int at_runtime, char **err);
/* CONFIG GET: writes a map of every directive matching any of the patterns. */
void config_get_reply(const server_config *cfg, int npatterns, const rd_arg *patterns, resp_writer *w);
/* CONFIG REWRITE into cfg->config_file. */
int config_rewrite(const server_config *cfg, char **err);

#endif
