/* Shared set-up for unit tests that run commands against g_server without a network:
 * the configuration is Redis's defaults (config_defaults, the one source of them) and
 * every database starts empty. */
#ifndef REDRAFT_TEST_SUPPORT_H
#define REDRAFT_TEST_SUPPORT_H

#include <string.h>

#include "config.h"
#include "keyspace.h"
#include "server.h"
#include "types.h"

static inline void test_server_init(void)
{
    server *s = &g_server;
    memset(&s->stats, 0, sizeof(s->stats));
    config_defaults(&s->cfg);
    types_register_all();
    for (int i = 0; i < SERVER_DBNUM_MAX; i++)
        db_init(&s->dbs[i], i);
}

static inline void test_server_free(void)
{
    for (int i = 0; i < SERVER_DBNUM_MAX; i++)
        db_free(&g_server.dbs[i]);
    config_free(&g_server.cfg);
}

#endif
