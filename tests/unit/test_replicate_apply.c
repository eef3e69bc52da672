/* Unit tests for the FSM's apply (node/replicate.c, replicate_fsm_apply) across log
 * format versions: entries written by the version 1 builder still apply after the
 * upgrade to format 2, a malformed entry is skipped without touching the keyspace, and
 * an entry in a format newer than this build reads stops the node (exit status 1)
 * instead of being skipped, which would leave this member's data behind for good. */
#include <criterion/criterion.h>
#include <raft.h>
#include <string.h>

#include "command.h"
#include "keyspace.h"
#include "log_entry.h"
#include "replicate.h"
#include "server.h"
#include "test_support.h"

static void setup(void)
{
    test_server_init();
    command_table_init();
    replicate_init(&g_server);
}

static void teardown(void)
{
    replicate_free(&g_server);
    test_server_free();
}

static void apply(const void *bytes, size_t len)
{
    unsigned char copy[256];
    cr_assert_leq(len, sizeof copy);
    memcpy(copy, bytes, len);
    struct raft_buffer buf = {copy, len};
    void *result = (void *)1;
    cr_assert_eq(replicate_fsm_apply(NULL, &buf, &result), 0);
    cr_assert_null(result);
}

static int has_key(const char *key)
{
    exec_ctx c;
    memset(&c, 0, sizeof c);
    c.srv = &g_server;
    c.db = &g_server.dbs[0];
    c.now_ms = g_server.last_entry_ms;
    return keyspace_lookup_read(&c, key, strlen(key)) != NULL;
}

/* SET k1 v1 in db 0, as the version 1 builder wrote it (83 bytes, padded to 88). */
static const unsigned char v1_set[88] = {
    'R', 'D', 1, 1, 0, 0, 0, 0, 83, 0, 0, 0, 0, 0, 0, 0,
    0x00, 0xe8, 0x76, 0x48, 0x17, 0x00, 0x00, 0x00, 9, 0, 0, 0, 0, 0, 0, 0, /* time, seed */
    1, 0, 0, 0,                                   /* count */
    7, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, /* client id, seq */
    0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0,           /* db, reserved, flags, argc */
    3, 0, 0, 0, 'S', 'E', 'T', 2, 0, 0, 0, 'k', '1', 2, 0, 0, 0, 'v', '1',
    0, 0, 0, 0, 0,                                /* padding */
};

TestSuite(replicate_apply, .init = setup, .fini = teardown);

Test(replicate_apply, version1_entry_applies)
{
    cr_assert(!has_key("k1"));
    apply(v1_set, sizeof v1_set);
    cr_assert(has_key("k1"));
    cr_assert_eq(g_server.last_entry_ms, 100000000000LL);
}

Test(replicate_apply, version2_entry_applies)
{
    log_entry_builder b;
    log_entry_builder_init(&b, LOG_ENTRY_COMMANDS);
    rd_arg argv[3] = {{"SET", 3}, {"k2", 2}, {"v2", 2}};
    cr_assert_eq(log_entry_builder_add_command(&b, 7, 1, 0, 0, 3, argv), LOG_ENTRY_OK);
    const char *data;
    size_t len;
    cr_assert_eq(log_entry_builder_finish(&b, 100000000000LL, 9, &data, &len), LOG_ENTRY_OK);
    apply(data, len);
    log_entry_builder_free(&b);
    cr_assert(has_key("k2"));
}

Test(replicate_apply, malformed_entry_is_skipped)
{
    unsigned char bad[88];
    memcpy(bad, v1_set, sizeof bad);
    bad[36 + 28] = 9; /* "SET" claims 9 bytes: runs into the next argument */
    apply(bad, sizeof bad);
    cr_assert(!has_key("k1"));
}

Test(replicate_apply, newer_format_stops_the_node, .exit_code = 1)
{
    unsigned char future[32] = {'R', 'D', LOG_ENTRY_VERSION + 1, 2, 0, 0, 0, 0, 32};
    apply(future, sizeof future);
    cr_assert_fail("a newer log format must not be skipped");
}
