/* Unit tests for the sentinel's pure parts: the `flags` text of instance maps (Redis's
 * word order), the "%@" instance form of events, the registry, and the `sentinel ...`
 * configuration lines with Redis's error texts. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "mem.h"
#include "sentinel.h"
#include "sentinel_internal.h"

static char *flags(unsigned f, enum sentinel_kind kind)
{
    static char buf[256];
    sentinel_flags_format(buf, sizeof buf, f, kind);
    return buf;
}

Test(sentinel_flags, role_word_only)
{
    cr_assert_str_eq(flags(0, SENTINEL_KIND_MASTER), "master");
    cr_assert_str_eq(flags(0, SENTINEL_KIND_SLAVE), "slave");
    cr_assert_str_eq(flags(0, SENTINEL_KIND_SENTINEL), "sentinel");
}

Test(sentinel_flags, redis_order)
{
    /* Redis: s_down, o_down, role, disconnected, master_down, failover_in_progress,
     * promoted, ..., force_failover */
    cr_assert_str_eq(flags(SRI_S_DOWN | SRI_DISCONNECTED, SENTINEL_KIND_MASTER), "s_down,master,disconnected");
    cr_assert_str_eq(flags(SRI_O_DOWN | SRI_S_DOWN, SENTINEL_KIND_MASTER), "s_down,o_down,master");
    cr_assert_str_eq(flags(SRI_FAILOVER_IN_PROGRESS | SRI_MASTER_DOWN | SRI_FORCE_FAILOVER | SRI_PROMOTED,
                           SENTINEL_KIND_MASTER),
                     "master,master_down,failover_in_progress,promoted,force_failover");
    cr_assert_str_eq(flags(SRI_S_DOWN | SRI_DISCONNECTED, SENTINEL_KIND_SENTINEL), "s_down,sentinel,disconnected");
}

Test(sentinel_flags, cut_to_buffer)
{
    char small[8];
    size_t n = sentinel_flags_format(small, sizeof small, SRI_S_DOWN | SRI_O_DOWN, SENTINEL_KIND_MASTER);
    cr_assert_eq(n, strlen(small));
    cr_assert_lt(n, sizeof small);
    cr_assert_eq(strncmp(small, "s_down,", n), 0);
}

static void reset_all(void)
{
    sentinel_registry_free_all();
    sentinel_config_defaults();
}

Test(sentinel_event_form, master_and_slave)
{
    reset_all();
    sentinel_master *m = sentinel_master_add("mymaster", "127.0.0.1", 7000, 2);
    cr_assert_not_null(m);
    sentinel_instance *leader = sentinel_instance_get(m, "127.0.0.1", 7001);
    sentinel_instance *follower = sentinel_instance_get(m, "127.0.0.1", 7002);
    leader->flags = SRI_MASTER;
    follower->flags = SRI_SLAVE;
    char buf[512];

    /* leader unknown: a replica names the master by the configured address */
    sentinel_event_format_instance(buf, sizeof buf, follower);
    cr_assert_str_eq(buf, "slave 127.0.0.1:7002 127.0.0.1 7002 @ mymaster 127.0.0.1 7000");

    m->leader = leader;
    sentinel_event_format_instance(buf, sizeof buf, follower);
    cr_assert_str_eq(buf, "slave 127.0.0.1:7002 127.0.0.1 7002 @ mymaster 127.0.0.1 7001");
    sentinel_event_format_instance(buf, sizeof buf, leader);
    cr_assert_str_eq(buf, "master mymaster 127.0.0.1 7001");

    char tiny[10];
    size_t n = sentinel_event_format_instance(tiny, sizeof tiny, leader);
    cr_assert_eq(n, strlen(tiny));
    cr_assert_str_eq(tiny, "master my");
    reset_all();
    sentinel_config_free();
}

Test(sentinel_registry, add_find_remove)
{
    reset_all();
    cr_assert_not_null(sentinel_master_add("a", "10.0.0.1", 1, 1));
    cr_assert_null(sentinel_master_add("a", "10.0.0.2", 2, 1), "duplicate name");
    sentinel_master *b = sentinel_master_add("b", "10.0.0.3", 3, 2);
    cr_assert_eq(sentinel_master_count(), 2);
    cr_assert_eq(sentinel_master_by_name("b", 1), b);
    cr_assert_null(sentinel_master_by_name("B", 1), "names are case-sensitive");
    cr_assert_eq(b->down_after_ms, 5000);
    cr_assert_eq(b->failover_timeout_ms, 180000);
    cr_assert_eq(b->parallel_syncs, 1);

    sentinel_instance *x = sentinel_instance_get(b, "10.0.0.9", 9);
    cr_assert_eq(sentinel_instance_get(b, "10.0.0.9", 9), x, "get returns the existing instance");
    cr_assert_eq(x->master, b);
    cr_assert_eq(sentinel_instance_lookup_addr("10.0.0.9", 9), x);
    cr_assert_null(sentinel_instance_lookup_addr("10.0.0.9", 10));
    strcpy(x->node_id, "abc");
    cr_assert_eq(sentinel_instance_by_node_id(b, "abc"), x);
    cr_assert_null(sentinel_instance_by_node_id(b, ""));
    b->leader = x;
    sentinel_instance_remove(x);
    cr_assert_null(b->leader, "removing the leader clears it");
    cr_assert_eq(b->node_count, 0);

    sentinel_master_remove(sentinel_master_at(0));
    cr_assert_eq(sentinel_master_count(), 1);
    cr_assert_str_eq(sentinel_master_at(0)->name, "b");
    reset_all();
    sentinel_config_free();
}

/* One `sentinel ...` line split on spaces; returns the error text or NULL. */
static char *line(const char *text)
{
    static char errbuf[256];
    rd_arg argv[16];
    int argc = 0;
    const char *p = text;
    while (*p && argc < 16) {
        const char *e = strchr(p, ' ');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        argv[argc].ptr = p;
        argv[argc].len = len;
        argc++;
        p += len;
        while (*p == ' ')
            p++;
    }
    char *err = NULL;
    if (config_sentinel_directive(argc, argv, &err) == 0)
        return NULL;
    snprintf(errbuf, sizeof errbuf, "%s", err);
    rd_free(err);
    return errbuf;
}

Test(sentinel_config, directives_and_errors)
{
    reset_all();
    cr_assert_null(line("monitor mymaster 127.0.0.1 7000 2"));
    cr_assert_str_eq(line("monitor mymaster 127.0.0.1 7001 2"), "Duplicate master name.");
    cr_assert_str_eq(line("monitor x 127.0.0.1 7000 0"), "Quorum must be 1 or greater.");
    cr_assert_str_eq(line("monitor x 127.0.0.1 70000 1"), "Invalid port number.");
    cr_assert_str_eq(line("monitor x no-such-host.invalid 7000 1"), "Can't resolve instance hostname.");
    cr_assert_str_eq(line("monitor x 127.0.0.1 7000"), "Unrecognized sentinel configuration statement.");
    cr_assert_null(line("down-after-milliseconds mymaster 1234"));
    cr_assert_null(line("failover-timeout mymaster 9999"));
    cr_assert_null(line("parallel-syncs mymaster 3"));
    cr_assert_null(line("auth-pass mymaster s3cret"));
    cr_assert_str_eq(line("down-after-milliseconds mymaster 0"), "negative or zero time parameter.");
    cr_assert_str_eq(line("down-after-milliseconds nope 100"), "No such master with specified name.");
    cr_assert_str_eq(line("frobnicate mymaster 1"), "Unrecognized sentinel configuration statement.");
    sentinel_master *m = sentinel_master_by_name("mymaster", 8);
    cr_assert_eq(m->down_after_ms, 1234);
    cr_assert_eq(m->failover_timeout_ms, 9999);
    cr_assert_eq(m->parallel_syncs, 3);
    cr_assert_str_eq(sentinel_master_auth_pass(m), "s3cret");

    cr_assert_null(line("auth-pass everyone"));
    cr_assert_null(line("monitor other 127.0.0.1 7100 1"));
    cr_assert_str_eq(sentinel_master_auth_pass(sentinel_master_by_name("other", 5)), "everyone");

    cr_assert_null(line("spare 127.0.0.1 7200"));
    cr_assert_null(line("spare 127.0.0.1 7200"));
    cr_assert_null(line("spare 127.0.0.1 7201"));
    cr_assert_eq(g_sentinel_cfg.spare_count, 2);
    cr_assert_str_eq(g_sentinel_cfg.spares[1], "127.0.0.1:7201");
    cr_assert_str_eq(line("spare 127.0.0.1 0"), "Invalid port number.");

    cr_assert_eq(g_sentinel_cfg.repair_after_ms, 60000);
    cr_assert_null(line("repair-after-milliseconds 0"));
    cr_assert_eq(g_sentinel_cfg.repair_after_ms, 0);
    cr_assert_null(line("ping-period-milliseconds 100"));
    cr_assert_null(line("info-period-milliseconds 200"));
    cr_assert_eq(g_sentinel_cfg.ping_period_ms, 100);
    cr_assert_eq(g_sentinel_cfg.info_period_ms, 200);
    cr_assert_str_eq(line("ping-period-milliseconds 0"), "negative or zero time parameter.");

    cr_assert_null(line("resolve-hostnames yes"));
    cr_assert_eq(g_sentinel_opts.resolve_hostnames, 1);
    cr_assert_null(line("monitor byname localhost 7300 1"), "hostnames accepted with resolve-hostnames yes");
    cr_assert_str_eq(line("announce-hostnames maybe"), "Please specify yes or no for the announce-hostnames option.");
    cr_assert_null(line("myid 0123456789012345678901234567890123456789"));
    cr_assert_null(line("known-replica mymaster 127.0.0.1 7001"));
    reset_all();
    sentinel_config_free();
}
