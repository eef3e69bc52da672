/* Unit tests for node/slots.c without Raft or a pushed topology (this node's shard then
 * owns every slot and serves as the leader): CROSSSLOT across slots and not for hash
 * tags or a repeated key, numkeys keys (ZUNION, LMPOP), commands without keys, nothing at all
 * outside cluster mode, the migration table (MIGRATING: serve / TRYAGAIN / no target;
 * IMPORTING with ASKING: serve / TRYAGAIN), its input checks, and ASKING lasting one
 * command. The topology paths (-MOVED, unassigned slots) are covered by
 * tests/integration/test_cluster_slots.py. */
#include <criterion/criterion.h>
#include <string.h>

#include "client.h"
#include "commands.h"
#include "keyslot.h"
#include "slots.h"
#include "test_cmd_runner.h"

#define CROSSSLOT "CROSSSLOT Keys in request don't hash to the same slot"
#define TRYAGAIN "TRYAGAIN Multiple keys request during rehashing of slot"
#define PEER "abcdefabcdefabcdefabcdefabcdefabcdefabcd"

static client cl;

static void init(void)
{
    cmd_runner_setup(1);
    g_server.cfg.cluster_enabled = 1;
    memset(&cl, 0, sizeof cl);
    cl.srv = &g_server;
    slots_clear_migrations();
}

static void fini(void)
{
    slots_clear_migrations();
    g_server.cfg.cluster_enabled = 0;
    cmd_runner_teardown();
}

/* slots_check for a NULL-terminated command line; NULL when it may run here. */
static const char *check(const char *first, ...)
{
    rd_arg argv[RUN_MAX_ARGS];
    va_list ap;
    va_start(ap, first);
    int argc = run_collect(argv, first, ap);
    va_end(ap);
    int unknown_sub = 0;
    command *cmd = command_lookup(argv, argc, &unknown_sub);
    cr_assert_not_null(cmd);
    return slots_check(&g_server, &cl, cmd, argc, argv);
}

#define ALLOWED(...) cr_assert_null(check(__VA_ARGS__, NULL), "%s", check(__VA_ARGS__, NULL))
#define REFUSED(want, ...)                                       \
    do {                                                         \
        const char *got_ = check(__VA_ARGS__, NULL);             \
        cr_assert_not_null(got_, "expected %s", want);           \
        cr_assert_str_eq(got_, want);                            \
    } while (0)

TestSuite(slots, .init = init, .fini = fini);

Test(slots, crossslot_and_hash_tags)
{
    cr_assert_neq(keyslot("a", 1), keyslot("b", 1));
    ALLOWED("GET", "a");
    REFUSED(CROSSSLOT, "MSET", "a", "1", "b", "2");
    REFUSED(CROSSSLOT, "MGET", "a", "b");
    REFUSED(CROSSSLOT, "DEL", "a", "a", "b");
    ALLOWED("MSET", "{t}a", "1", "{t}b", "2");
    ALLOWED("MGET", "{user1000}.following", "user1000");
    ALLOWED("DEL", "a", "a");                 /* the same key twice */
    ALLOWED("RENAME", "{x}1", "{x}2");
    REFUSED(CROSSSLOT, "RENAME", "a", "b");
    /* keys counted by an argument */
    REFUSED(CROSSSLOT, "ZUNION", "2", "a", "b");
    ALLOWED("ZUNION", "2", "{a}1", "{a}2");
    ALLOWED("LMPOP", "1", "a", "LEFT");          /* LEFT is not a key */
    REFUSED(CROSSSLOT, "LMPOP", "2", "a", "b", "LEFT");
    REFUSED(CROSSSLOT, "ZUNIONSTORE", "{d}", "2", "{d}1", "b");
    /* no keys: runs anywhere */
    ALLOWED("PING");
    ALLOWED("DBSIZE");
    ALLOWED("CLUSTER", "INFO");
}

Test(slots, nothing_outside_cluster_mode)
{
    g_server.cfg.cluster_enabled = 0;
    ALLOWED("MSET", "a", "1", "b", "2");
    slots_set_migration(keyslot("a", 1), SLOT_MIGRATING, PEER);
    ALLOWED("GET", "a");
}

Test(slots, migration_table_input)
{
    const char *peer = NULL;
    cr_assert_eq(slots_migration(5, &peer), SLOT_STABLE);
    cr_assert_eq(slots_set_migration(CLUSTER_SLOTS, SLOT_MIGRATING, PEER), -1);
    cr_assert_eq(slots_set_migration(5, 7, PEER), -1);
    cr_assert_eq(slots_set_migration(5, SLOT_MIGRATING, "short"), -1);
    cr_assert_eq(slots_set_migration(5, SLOT_MIGRATING, "ABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCD"), -1);
    cr_assert_eq(slots_set_migration(5, SLOT_MIGRATING, NULL), -1);
    cr_assert_eq(slots_migration(5, &peer), SLOT_STABLE);
    cr_assert_eq(slots_set_migration(5, SLOT_MIGRATING, PEER), 0);
    cr_assert_eq(slots_set_migration(6, SLOT_IMPORTING, PEER), 0);
    cr_assert_eq(slots_migration(5, &peer), SLOT_MIGRATING);
    cr_assert_str_eq(peer, PEER);
    cr_assert_eq(slots_migration(6, NULL), SLOT_IMPORTING);
    cr_assert_eq(slots_set_migration(5, SLOT_STABLE, NULL), 0);
    cr_assert_eq(slots_migration(5, NULL), SLOT_STABLE);
    slots_clear_migrations();
    cr_assert_eq(slots_migration(6, NULL), SLOT_STABLE);
}

Test(slots, migrating_slot)
{
    unsigned slot = keyslot("m", 1);
    cr_assert_eq(slots_set_migration(slot, SLOT_MIGRATING, PEER), 0);
    cr_assert_str_eq(W("SET", "{m}here", "v", NULL), "+OK\r\n");
    ALLOWED("GET", "{m}here");                             /* every key present: served */
    REFUSED(TRYAGAIN, "MGET", "{m}here", "{m}gone");        /* some moved already */
    /* none present: -ASK to the target shard, which no topology names here */
    REFUSED("CLUSTERDOWN The cluster is down", "GET", "{m}gone");
    ALLOWED("GET", "{other}gone");                          /* another slot: unaffected */
    /* sharded pub/sub channels never count as missing */
    if (command_lookup_name("spublish", 8))
        ALLOWED("SPUBLISH", "{m}gone", "msg");
}

Test(slots, importing_slot_needs_asking)
{
    unsigned slot = keyslot("i", 1);
    cr_assert_eq(slots_set_migration(slot, SLOT_IMPORTING, PEER), 0);
    cr_assert_str_eq(W("SET", "{i}here", "v", NULL), "+OK\r\n");
    cl.flags |= CLIENT_ASKING;
    ALLOWED("GET", "{i}new");
    ALLOWED("MGET", "{i}here", "{i}here");
    REFUSED(TRYAGAIN, "MGET", "{i}here", "{i}new"); /* several keys, one missing */
}

Test(slots, asking_lasts_one_command)
{
    rd_arg a = {"asking", 6}, g = {"get", 3};
    int unknown_sub = 0;
    command *asking = command_lookup(&a, 1, &unknown_sub);
    command *get = command_lookup(&g, 1, &unknown_sub);
    cr_assert(asking && asking->proc == cmd_asking && get);
    cl.flags |= CLIENT_ASKING;
    slots_command_done(&cl, asking); /* ASKING itself keeps it for the next command */
    cr_assert(cl.flags & CLIENT_ASKING);
    slots_command_done(&cl, get);
    cr_assert_not(cl.flags & CLIENT_ASKING);
    cl.flags |= CLIENT_ASKING;
    slots_command_done(&cl, NULL); /* an unknown command consumes it too, as Redis */
    cr_assert_not(cl.flags & CLIENT_ASKING);
}
