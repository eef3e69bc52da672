/* Unit tests for node/topology_view.c's renderings (CLUSTER SLOTS, SHARDS, NODES, INFO,
 * REPLICAS lines) and repl_cmds.c's ROLE / INFO replication, on hand-built views: exact
 * bytes in RESP2 and RESP3 (checked against redis-server 7.0 captures, see
 * shared/notes/protocol-reference.md 2.3-2.6 and 3.2), failed masters, replicas left out
 * of CLUSTER SLOTS (offset 0, failed), several shards and ranges in slot order, the view
 * built without Raft (a lone master), and views of a pushed topology (other shards'
 * masters and replicas, unassigned slots, a node the topology does not list). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "bytebuf.h"
#include "keyslot.h"
#include "repl_cmds.h"
#include "resp_writer.h"
#include "server.h"
#include "topology_view.h"

#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define ID_C "cccccccccccccccccccccccccccccccccccccccc"
#define ID_D "dddddddddddddddddddddddddddddddddddddddd"
#define SHARD_ID "5555555555555555555555555555555555555555"

static bytebuf out;
static resp_writer w;

static void setup(void)
{
    bytebuf_init(&out);
}

static void teardown(void)
{
    bytebuf_free(&out);
}

static void writer(int proto)
{
    bytebuf_clear(&out);
    resp_writer_init(&w, &out, proto);
}

static void expect(const char *want)
{
    size_t n = strlen(want);
    cr_assert_eq(out.len, n, "length %zu != %zu:\n got: %.*s\nwant: %s", out.len, n, (int)out.len, out.data, want);
    cr_assert(memcmp(out.data, want, n) == 0, "\n got: %.*s\nwant: %s", (int)out.len, out.data, want);
}

static int contains(const char *needle)
{
    return memmem(out.data, out.len, needle, strlen(needle)) != NULL;
}

static topo_node *add(topo_shard *sh, const char *id, int port, long long off, unsigned flags)
{
    topo_node *n = topo_shard_add_node(sh);
    snprintf(n->id, sizeof n->id, "%s", id);
    snprintf(n->host, sizeof n->host, "127.0.0.1");
    n->port = port;
    n->bus_port = port + 10000;
    n->repl_offset = off;
    n->flags = flags;
    return n;
}

/* One shard owning every slot: A master (myself unless me != 0), B and C replicas. */
static void three_nodes(topology_view *v, int me, long long c_off)
{
    topology_view_init(v, 1);
    topo_shard *sh = &v->shards[0];
    snprintf(sh->id, sizeof sh->id, SHARD_ID);
    sh->config_epoch = 7;
    v->current_epoch = 7;
    topo_shard_add_range(sh, 0, CLUSTER_SLOTS - 1);
    add(sh, ID_A, 7000, 50, TOPO_NODE_MASTER | (me == 0 ? TOPO_NODE_MYSELF : 0));
    add(sh, ID_B, 7001, 48, me == 1 ? TOPO_NODE_MYSELF : 0);
    add(sh, ID_C, 7002, c_off, me == 2 ? TOPO_NODE_MYSELF : 0);
    v->my_shard = 0;
    v->my_node = me;
}

#define NODE2(id, port) "*4\r\n$9\r\n127.0.0.1\r\n:" port "\r\n$40\r\n" id "\r\n*0\r\n"
#define NODE3(id, port) "*4\r\n$9\r\n127.0.0.1\r\n:" port "\r\n$40\r\n" id "\r\n%0\r\n"

TestSuite(topology, .init = setup, .fini = teardown);

Test(topology, slots_resp2_and_resp3)
{
    topology_view v;
    three_nodes(&v, 0, 50);
    writer(2);
    topology_write_slots(&w, &v);
    expect("*1\r\n*5\r\n:0\r\n:16383\r\n" NODE2(ID_A, "7000") NODE2(ID_B, "7001") NODE2(ID_C, "7002"));
    writer(3);
    topology_write_slots(&w, &v);
    expect("*1\r\n*5\r\n:0\r\n:16383\r\n" NODE3(ID_A, "7000") NODE3(ID_B, "7001") NODE3(ID_C, "7002"));
    topology_view_free(&v);
}

Test(topology, slots_leave_out_empty_and_failed_replicas)
{
    topology_view v;
    three_nodes(&v, 1, 0); /* C has nothing yet */
    writer(2);
    topology_write_slots(&w, &v);
    expect("*1\r\n*4\r\n:0\r\n:16383\r\n" NODE2(ID_A, "7000") NODE2(ID_B, "7001"));
    v.shards[0].nodes[1].flags |= TOPO_NODE_FAIL;
    writer(2);
    topology_write_slots(&w, &v);
    expect("*1\r\n*3\r\n:0\r\n:16383\r\n" NODE2(ID_A, "7000"));
    topology_view_free(&v);
}

Test(topology, slots_without_master_is_empty)
{
    topology_view v;
    three_nodes(&v, 1, 5);
    v.shards[0].nodes[0].flags &= ~(unsigned)TOPO_NODE_MASTER;
    writer(2);
    topology_write_slots(&w, &v);
    expect("*0\r\n");
    cr_assert_not(topology_state_ok(&v));
    topology_view_free(&v);
}

Test(topology, slots_several_shards_in_slot_order)
{
    topology_view v;
    topology_view_init(&v, 2);
    /* shard 0 owns 100-200 and 0-9 (listed out of order), shard 1 owns 10-99 */
    topo_shard_add_range(&v.shards[0], 100, 200);
    topo_shard_add_range(&v.shards[0], 0, 9);
    add(&v.shards[0], ID_A, 7000, 1, TOPO_NODE_MASTER | TOPO_NODE_MYSELF);
    topo_shard_add_range(&v.shards[1], 10, 99);
    add(&v.shards[1], ID_B, 7001, 1, TOPO_NODE_MASTER);
    v.my_shard = 0;
    v.my_node = 0;
    writer(2);
    topology_write_slots(&w, &v);
    expect("*3\r\n"
           "*3\r\n:0\r\n:9\r\n" NODE2(ID_A, "7000")
           "*3\r\n:10\r\n:99\r\n" NODE2(ID_B, "7001")
           "*3\r\n:100\r\n:200\r\n" NODE2(ID_A, "7000"));
    cr_assert_not(topology_state_ok(&v)); /* most slots unassigned */
    bytebuf_clear(&out);
    topology_format_nodes(&out, &v, 1234);
    expect(ID_A " 127.0.0.1:7000@17000 myself,master - 0 0 0 connected 100-200 0-9\n"
           ID_B " 127.0.0.1:7001@17001 master - 0 1234 0 connected 10-99\n");
    topology_view_free(&v);
}

Test(topology, shards_resp2_and_resp3)
{
    topology_view v;
    three_nodes(&v, 0, 0);
    writer(3);
    topology_write_shards(&w, &v);
    expect("*1\r\n%2\r\n$5\r\nslots\r\n*2\r\n:0\r\n:16383\r\n$5\r\nnodes\r\n*3\r\n"
           "%7\r\n$2\r\nid\r\n$40\r\n" ID_A "\r\n$4\r\nport\r\n:7000\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n"
           "$8\r\nendpoint\r\n$9\r\n127.0.0.1\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
           "$18\r\nreplication-offset\r\n:50\r\n$6\r\nhealth\r\n$6\r\nonline\r\n"
           "%7\r\n$2\r\nid\r\n$40\r\n" ID_B "\r\n$4\r\nport\r\n:7001\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n"
           "$8\r\nendpoint\r\n$9\r\n127.0.0.1\r\n$4\r\nrole\r\n$7\r\nreplica\r\n"
           "$18\r\nreplication-offset\r\n:48\r\n$6\r\nhealth\r\n$6\r\nonline\r\n"
           "%7\r\n$2\r\nid\r\n$40\r\n" ID_C "\r\n$4\r\nport\r\n:7002\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n"
           "$8\r\nendpoint\r\n$9\r\n127.0.0.1\r\n$4\r\nrole\r\n$7\r\nreplica\r\n"
           "$18\r\nreplication-offset\r\n:0\r\n$6\r\nhealth\r\n$7\r\nloading\r\n");
    writer(2);
    topology_write_shards(&w, &v);
    cr_assert(out.len > 4 && memcmp(out.data, "*1\r\n*4\r\n$5\r\nslots\r\n", 19) == 0);
    cr_assert(contains("*3\r\n*14\r\n$2\r\nid\r\n"));
    topology_view_free(&v);
}

Test(topology, nodes_lines)
{
    topology_view v;
    three_nodes(&v, 1, 50);
    v.shards[0].nodes[2].flags |= TOPO_NODE_NOFAILOVER;
    bytebuf_clear(&out);
    topology_format_nodes(&out, &v, 1795863225247LL);
    expect(ID_A " 127.0.0.1:7000@17000 master - 0 1795863225247 7 connected 0-16383\n"
           ID_B " 127.0.0.1:7001@17001 myself,slave " ID_A " 0 0 7 connected\n"
           ID_C " 127.0.0.1:7002@17002 slave,nofailover " ID_A " 0 1795863225247 7 connected\n");
    bytebuf_clear(&out);
    topology_format_node_line(&out, &v, 0, 1, 5);
    expect(ID_B " 127.0.0.1:7001@17001 myself,slave " ID_A " 0 0 7 connected");
    topology_view_free(&v);
}

Test(topology, failed_master)
{
    topology_view v;
    three_nodes(&v, 1, 50);
    v.shards[0].nodes[0].flags |= TOPO_NODE_FAIL;
    bytebuf_clear(&out);
    topology_format_nodes(&out, &v, 99);
    cr_assert(contains(ID_A " 127.0.0.1:7000@17000 master,fail - 0 0 7 disconnected 0-16383\n"),
              "%.*s", (int)out.len, out.data);
    cr_assert_not(topology_state_ok(&v));
    bytebuf_clear(&out);
    topology_format_info(&out, &v);
    cr_assert(strstr(out.data, "cluster_state:fail\r\ncluster_slots_assigned:16384\r\ncluster_slots_ok:0\r\n"
                               "cluster_slots_pfail:0\r\ncluster_slots_fail:16384\r\n") == out.data);
    writer(3);
    topology_write_shards(&w, &v);
    cr_assert(contains("$6\r\nhealth\r\n$4\r\nfail\r\n"));
    topology_view_free(&v);
}

Test(topology, info_text)
{
    topology_view v;
    three_nodes(&v, 2, 50);
    bytebuf_clear(&out);
    topology_format_info(&out, &v);
    expect("cluster_state:ok\r\n"
           "cluster_slots_assigned:16384\r\n"
           "cluster_slots_ok:16384\r\n"
           "cluster_slots_pfail:0\r\n"
           "cluster_slots_fail:0\r\n"
           "cluster_known_nodes:3\r\n"
           "cluster_size:1\r\n"
           "cluster_current_epoch:7\r\n"
           "cluster_my_epoch:7\r\n"
           "cluster_stats_messages_sent:0\r\n"
           "cluster_stats_messages_received:0\r\n"
           "total_cluster_links_buffer_limit_exceeded:0\r\n");
    cr_assert(topology_state_ok(&v));
    topology_view_free(&v);
}

Test(topology, find_node_and_myself)
{
    topology_view v;
    three_nodes(&v, 2, 50);
    int shard = -1;
    const topo_node *n = topo_view_find_node(&v, ID_B, 40, &shard);
    cr_assert(n && n->port == 7001 && shard == 0);
    cr_assert_null(topo_view_find_node(&v, ID_B, 39, NULL));
    cr_assert_null(topo_view_find_node(&v, ID_D, 40, NULL));
    cr_assert_eq(topology_myself(&v)->port, 7002);
    cr_assert_eq(topology_shard_master(&v.shards[0])->port, 7000);
    topology_view_free(&v);
}

Test(topology, shard_id_is_deterministic_hex)
{
    char a[41], b[41], c[41];
    topology_shard_id(1, a);
    topology_shard_id(1, b);
    topology_shard_id(2, c);
    cr_assert_str_eq(a, b);
    cr_assert_str_neq(a, c);
    cr_assert_eq(strlen(a), 40);
    for (int i = 0; i < 40; i++)
        cr_assert(strchr("0123456789abcdef", a[i]));
}

Test(topology, build_without_raft_is_a_lone_master)
{
    snprintf(g_server.run_id, sizeof g_server.run_id, ID_D);
    g_server.cfg.port = 6380;
    topology_view v;
    topology_view_build(&v, &g_server);
    cr_assert_eq(v.shard_count, 1);
    cr_assert_eq(v.shards[0].node_count, 1);
    const topo_node *me = topology_myself(&v);
    cr_assert(me && (me->flags & TOPO_NODE_MASTER) && me->port == 6380);
    cr_assert_str_eq(me->id, ID_D);
    cr_assert(topology_state_ok(&v));
    topology_view_free(&v);
}

/* ---- ROLE and INFO replication ------------------------------------------------------------ */

Test(topology, role_master)
{
    topology_view v;
    three_nodes(&v, 0, 50);
    writer(2);
    repl_write_role(&w, &v, 50);
    expect("*3\r\n$6\r\nmaster\r\n:50\r\n*2\r\n"
           "*3\r\n$9\r\n127.0.0.1\r\n$4\r\n7001\r\n$2\r\n48\r\n"
           "*3\r\n$9\r\n127.0.0.1\r\n$4\r\n7002\r\n$2\r\n50\r\n");
    topology_view_free(&v);
}

Test(topology, role_slave)
{
    topology_view v;
    three_nodes(&v, 1, 50);
    writer(2);
    repl_write_role(&w, &v, 48);
    expect("*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:7000\r\n$9\r\nconnected\r\n:48\r\n");
    v.shards[0].nodes[0].flags |= TOPO_NODE_FAIL; /* leader lost: Redis's "connect", -1 */
    writer(2);
    repl_write_role(&w, &v, 48);
    expect("*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:7000\r\n$7\r\nconnect\r\n:-1\r\n");
    topology_view_free(&v);
}

Test(topology, info_replication_master)
{
    topology_view v;
    three_nodes(&v, 0, 50);
    repl_info_state st = {ID_A, 50, 1, 50, -1};
    bytebuf_clear(&out);
    repl_format_info_replication(&out, &v, &st);
    expect("# Replication\r\n"
           "role:master\r\n"
           "connected_slaves:2\r\n"
           "slave0:ip=127.0.0.1,port=7001,state=online,offset=48,lag=0\r\n"
           "slave1:ip=127.0.0.1,port=7002,state=online,offset=50,lag=0\r\n"
           "master_failover_state:no-failover\r\n"
           "master_replid:" ID_A "\r\n"
           "master_replid2:0000000000000000000000000000000000000000\r\n"
           "master_repl_offset:50\r\n"
           "second_repl_offset:-1\r\n"
           "repl_backlog_active:1\r\n"
           "repl_backlog_size:1048576\r\n"
           "repl_backlog_first_byte_offset:1\r\n"
           "repl_backlog_histlen:50\r\n");
    topology_view_free(&v);
}

Test(topology, info_replication_replica)
{
    topology_view v;
    three_nodes(&v, 1, 50);
    repl_info_state st = {ID_A, 48, 1, 48, 0};
    bytebuf_clear(&out);
    repl_format_info_replication(&out, &v, &st);
    expect("# Replication\r\n"
           "role:slave\r\n"
           "master_host:127.0.0.1\r\n"
           "master_port:7000\r\n"
           "master_link_status:up\r\n"
           "master_last_io_seconds_ago:0\r\n"
           "master_sync_in_progress:0\r\n"
           "slave_read_repl_offset:48\r\n"
           "slave_repl_offset:48\r\n"
           "slave_priority:100\r\n"
           "slave_read_only:1\r\n"
           "replica_announced:1\r\n"
           "connected_slaves:0\r\n"
           "master_failover_state:no-failover\r\n"
           "master_replid:" ID_A "\r\n"
           "master_replid2:0000000000000000000000000000000000000000\r\n"
           "master_repl_offset:48\r\n"
           "second_repl_offset:-1\r\n"
           "repl_backlog_active:1\r\n"
           "repl_backlog_size:1048576\r\n"
           "repl_backlog_first_byte_offset:1\r\n"
           "repl_backlog_histlen:48\r\n");
    /* link down: -1 last io, and the down-since line Sentinel parses */
    v.shards[0].nodes[0].flags |= TOPO_NODE_FAIL;
    st.last_io_seconds = 3;
    bytebuf_clear(&out);
    repl_format_info_replication(&out, &v, &st);
    cr_assert(contains("master_link_status:down\r\nmaster_last_io_seconds_ago:-1\r\n"));
    cr_assert(contains("slave_repl_offset:48\r\nmaster_link_down_since_seconds:3\r\nslave_priority:100\r\n"));
    topology_view_free(&v);
}

Test(topology, info_replication_no_master_known)
{
    topology_view v;
    three_nodes(&v, 1, 50);
    v.shards[0].nodes[0].flags &= ~(unsigned)TOPO_NODE_MASTER;
    repl_info_state st = {ID_B, 48, 1, 48, -1};
    bytebuf_clear(&out);
    repl_format_info_replication(&out, &v, &st);
    cr_assert(contains("role:slave\r\nmaster_host:\r\nmaster_port:0\r\nmaster_link_status:down\r\n"), "%.*s", (int)out.len, out.data);
    writer(2);
    repl_write_role(&w, &v, 48);
    expect("*5\r\n$5\r\nslave\r\n$0\r\n\r\n:0\r\n$7\r\nconnect\r\n:-1\r\n");
    topology_view_free(&v);
}

/* ---- views of a pushed topology (topology_view_from_topology) ----------------------------- */

#define ID_E "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
#define ID_X "ffffffffffffffffffffffffffffffffffffffff"
#define SHARD_1 "1111111111111111111111111111111111111111"
#define SHARD_2 "2222222222222222222222222222222222222222"
#define OWN_ID "9999999999999999999999999999999999999999"

/* A hand-built topology (epoch 9): shard 1 = A, B owning 0-8191; shard 2 = C, D, E owning
 * 8192-16000 (the last 383 slots unassigned, unless full). Arrays are static: the caller
 * never frees it. */
static topology_node tnodes1[2], tnodes2[3];
static topology_range tranges1[1], tranges2[1];
static topology_shard tshards[2];

static void tnode(topology_node *n, const char *id, uint64_t raft_id, int port)
{
    memset(n, 0, sizeof *n);
    snprintf(n->id, sizeof n->id, "%s", id);
    n->raft_id = raft_id;
    snprintf(n->host, sizeof n->host, "127.0.0.1");
    n->port = port;
    n->bus_port = port + 10000;
}

static void two_shards(topology *t, int full)
{
    memset(t, 0, sizeof *t);
    t->epoch = 9;
    tnode(&tnodes1[0], ID_A, 1, 7000);
    tnode(&tnodes1[1], ID_B, 2, 7001);
    tnode(&tnodes2[0], ID_C, 1, 7002);
    tnode(&tnodes2[1], ID_D, 2, 7003);
    tnode(&tnodes2[2], ID_E, 3, 7004);
    tranges1[0] = (topology_range){0, 8191};
    tranges2[0] = (topology_range){8192, full ? CLUSTER_SLOTS - 1 : 16000};
    memset(tshards, 0, sizeof tshards);
    snprintf(tshards[0].id, sizeof tshards[0].id, SHARD_1);
    tshards[0].ranges = tranges1;
    tshards[0].range_count = 1;
    tshards[0].nodes = tnodes1;
    tshards[0].node_count = 2;
    snprintf(tshards[1].id, sizeof tshards[1].id, SHARD_2);
    tshards[1].ranges = tranges2;
    tshards[1].range_count = 1;
    tshards[1].nodes = tnodes2;
    tshards[1].node_count = 3;
    t->shards = tshards;
    t->shard_count = 2;
    for (int s = 0; s < CLUSTER_SLOTS; s++)
        t->slot_owner[s] = s <= 8191 ? 0 : (s <= tranges2[0].end ? 1 : TOPOLOGY_NO_SHARD);
}

/* This node's Raft-built shard: `me` (myself) and optionally a master before it. */
static void own_shard(topo_shard *own, const char *me, int me_port, const char *master, int master_port)
{
    memset(own, 0, sizeof *own);
    snprintf(own->id, sizeof own->id, OWN_ID);
    if (master)
        add(own, master, master_port, 40, TOPO_NODE_MASTER);
    add(own, me, me_port, 30, TOPO_NODE_MYSELF | (master ? 0 : TOPO_NODE_MASTER));
}

Test(topology, from_topology_two_shards)
{
    topology t;
    two_shards(&t, 0);
    topo_shard own;
    own_shard(&own, ID_B, 7001, ID_A, 7000); /* this node is B, a replica of A */
    int masters[2] = {-1, 2};                /* shard 2's announced leader: E */
    topology_view v;
    topology_view_from_topology(&v, &t, masters, 0, &own);
    cr_assert_eq(own.node_count, 0);
    cr_assert_null(own.nodes);
    cr_assert_eq(v.shard_count, 2);
    cr_assert_eq(v.my_shard, 0);
    cr_assert_eq(v.my_node, 1);
    cr_assert_not(v.outside);
    cr_assert_str_eq(v.shards[0].id, SHARD_1);
    cr_assert_str_eq(v.shards[1].id, SHARD_2);
    /* SLOTS: the other shard's replicas are listed although their offsets are unknown */
    writer(2);
    topology_write_slots(&w, &v);
    expect("*2\r\n"
           "*4\r\n:0\r\n:8191\r\n" NODE2(ID_A, "7000") NODE2(ID_B, "7001")
           "*5\r\n:8192\r\n:16000\r\n" NODE2(ID_E, "7004") NODE2(ID_C, "7002") NODE2(ID_D, "7003"));
    bytebuf_clear(&out);
    topology_format_nodes(&out, &v, 55);
    expect(ID_A " 127.0.0.1:7000@17000 master - 0 55 9 connected 0-8191\n"
           ID_B " 127.0.0.1:7001@17001 myself,slave " ID_A " 0 0 9 connected\n"
           ID_E " 127.0.0.1:7004@17004 master - 0 55 9 connected 8192-16000\n"
           ID_C " 127.0.0.1:7002@17002 slave " ID_E " 0 55 9 connected\n"
           ID_D " 127.0.0.1:7003@17003 slave " ID_E " 0 55 9 connected\n");
    bytebuf_clear(&out);
    topology_format_info(&out, &v);
    cr_assert(strstr(out.data, "cluster_state:fail\r\ncluster_slots_assigned:16001\r\ncluster_slots_ok:16001\r\n"
                               "cluster_slots_pfail:0\r\ncluster_slots_fail:0\r\ncluster_known_nodes:5\r\n"
                               "cluster_size:2\r\ncluster_current_epoch:9\r\ncluster_my_epoch:9\r\n") == out.data,
              "%.*s", (int)out.len, out.data);
    /* SHARDS: another shard's replica is online with offset 0 */
    writer(3);
    topology_write_shards(&w, &v);
    cr_assert(contains("%7\r\n$2\r\nid\r\n$40\r\n" ID_C "\r\n$4\r\nport\r\n:7002\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n"
                       "$8\r\nendpoint\r\n$9\r\n127.0.0.1\r\n$4\r\nrole\r\n$7\r\nreplica\r\n"
                       "$18\r\nreplication-offset\r\n:0\r\n$6\r\nhealth\r\n$6\r\nonline\r\n"));
    cr_assert(contains("$5\r\nslots\r\n*2\r\n:8192\r\n:16000\r\n"));
    topology_view_free(&v);
}

Test(topology, from_topology_full_coverage_is_ok_and_master_hint)
{
    topology t;
    two_shards(&t, 1);
    topo_shard own;
    own_shard(&own, ID_A, 7000, NULL, 0); /* this node is A, the leader */
    int masters[2] = {-1, 0};             /* nothing announced: the first node */
    topology_view v;
    topology_view_from_topology(&v, &t, masters, 0, &own);
    cr_assert(topology_state_ok(&v));
    cr_assert_str_eq(topology_shard_master(&v.shards[1])->id, ID_C);
    bytebuf_clear(&out);
    topology_format_info(&out, &v);
    cr_assert(strstr(out.data, "cluster_state:ok\r\ncluster_slots_assigned:16384\r\ncluster_slots_ok:16384\r\n"));
    /* the own shard has no master known (an election): its slots fail */
    topology_view_free(&v);
    own_shard(&own, ID_A, 7000, NULL, 0);
    own.nodes[0].flags &= ~(unsigned)TOPO_NODE_MASTER;
    topology_view_from_topology(&v, &t, masters, 0, &own);
    cr_assert_not(topology_state_ok(&v));
    bytebuf_clear(&out);
    topology_format_info(&out, &v);
    cr_assert(strstr(out.data, "cluster_state:fail\r\ncluster_slots_assigned:16384\r\ncluster_slots_ok:8192\r\n"
                               "cluster_slots_pfail:0\r\ncluster_slots_fail:8192\r\n") == out.data);
    writer(2);
    topology_write_slots(&w, &v);
    const char *head = "*1\r\n*5\r\n:8192\r\n:16383\r\n"; /* only shard 2's range */
    cr_assert(out.len > strlen(head) && memcmp(out.data, head, strlen(head)) == 0);
    topology_view_free(&v);
}

Test(topology, from_topology_node_outside)
{
    topology t;
    two_shards(&t, 1);
    int masters[2] = {0, 0};
    /* A Raft group the topology does not know: an extra shard without slots */
    topo_shard own;
    own_shard(&own, ID_X, 7009, NULL, 0);
    topology_view v;
    topology_view_from_topology(&v, &t, masters, -1, &own);
    cr_assert_eq(v.shard_count, 3);
    cr_assert_eq(v.my_shard, 2);
    cr_assert_str_eq(v.shards[2].id, OWN_ID);
    cr_assert_eq(v.shards[2].range_count, 0);
    cr_assert_str_eq(topology_myself(&v)->id, ID_X);
    cr_assert(v.outside);
    cr_assert_not(topology_state_ok(&v)); /* full coverage, but this node is not in it */
    bytebuf_clear(&out);
    topology_format_nodes(&out, &v, 55);
    cr_assert(contains(ID_X " 127.0.0.1:7009@17009 myself,master - 0 0 9 connected\n"), "%.*s", (int)out.len,
              out.data);
    topology_view_free(&v);
    /* A node that joined shard 1's Raft group before the topology lists it: shown there */
    own_shard(&own, ID_X, 7009, ID_A, 7000);
    topology_view_from_topology(&v, &t, masters, -1, &own);
    cr_assert_eq(v.shard_count, 2);
    cr_assert_eq(v.my_shard, 0);
    cr_assert_eq(v.my_node, 1);
    cr_assert_eq(v.shards[0].node_count, 2);
    cr_assert(v.outside);
    cr_assert_not(topology_state_ok(&v));
    topology_view_free(&v);
}

Test(topology, from_topology_own_replicas_in_topology_order)
{
    topology t;
    two_shards(&t, 1);
    tnode(&tnodes2[0], ID_E, 3, 7004); /* shard 2 lists E, D, C */
    tnode(&tnodes2[2], ID_C, 1, 7002);
    topo_shard own; /* Raft order: C (master), X (not in the topology yet), D, E (myself) */
    memset(&own, 0, sizeof own);
    snprintf(own.id, sizeof own.id, OWN_ID);
    add(&own, ID_C, 7002, 9, TOPO_NODE_MASTER);
    add(&own, ID_X, 7009, 9, 0);
    add(&own, ID_D, 7003, 9, 0);
    add(&own, ID_E, 7004, 9, TOPO_NODE_MYSELF);
    int masters[2] = {0, -1};
    topology_view v;
    topology_view_from_topology(&v, &t, masters, 1, &own);
    const topo_shard *sh = &v.shards[1];
    cr_assert_eq(sh->node_count, 4);
    cr_assert_str_eq(sh->nodes[0].id, ID_C);
    cr_assert_str_eq(sh->nodes[1].id, ID_E);
    cr_assert_str_eq(sh->nodes[2].id, ID_D);
    cr_assert_str_eq(sh->nodes[3].id, ID_X);
    cr_assert_eq(v.my_node, 1);
    cr_assert_str_eq(topology_myself(&v)->id, ID_E);
    topology_view_free(&v);
}
