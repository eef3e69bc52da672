/* Unit tests for proto/topology.c (the cluster map, its text encoding and strict
 * decoder) and node/topology_store.c (epoch rules, persistence, leader knowledge). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bytebuf.h"
#include "mem.h"
#include "topology.h"
#include "topology_store.h"

/* 40-hex ids: "aaaa...a1" style, distinct per (c, n). */
static const char *hid(char c, int n)
{
    static char bufs[16][41];
    static int next;
    char *b = bufs[next++ % 16];
    memset(b, c, 40);
    b[38] = "0123456789abcdef"[(n >> 4) & 15];
    b[39] = "0123456789abcdef"[n & 15];
    b[40] = '\0';
    return b;
}

static char *encode(const topology *t)
{
    bytebuf b;
    bytebuf_init(&b);
    topology_encode(t, &b);
    bytebuf_append_char(&b, '\0');
    return bytebuf_detach(&b, NULL);
}

/* Decodes s; on failure returns -1 and leaves the reason in err. */
static int dec(topology *t, const char *s, char *err)
{
    return topology_decode(t, s, strlen(s), err, 256);
}

/* Decoding must fail and the reason must contain `want`. */
static void expect_error(const char *text, const char *want)
{
    topology t;
    char err[256] = "";
    int rc = dec(&t, text, err);
    cr_assert_eq(rc, -1, "decoded although it should fail: %s", text);
    cr_assert_not_null(strstr(err, want), "reason '%s' lacks '%s'", err, want);
    cr_assert_null(strchr(err, '\n'), "reason is not one line: %s", err);
    cr_assert_null(strchr(err, '\r'));
    /* left empty */
    cr_assert_eq(t.shard_count, 0);
    cr_assert_null(t.shards);
    cr_assert_eq(t.epoch, 0);
}

/* A two-shard text with the given extra lines after it. */
static char *two_shards(const char *tail)
{
    char *s = rd_malloc(4096);
    snprintf(s, 4096,
             "redraft-topology 1\n"
             "epoch 7\n"
             "shard %s 0-8191\n"
             "node %s 1 10.0.0.1 7000 17000\n"
             "node %s 2 10.0.0.2 7001 17001\n"
             "shard %s 8192-16383\n"
             "node %s 1 host-b.example 7002 17002\n"
             "%s",
             hid('a', 1), hid('b', 1), hid('b', 2), hid('a', 2), hid('b', 3), tail);
    return s;
}

static void build_sample(topology *t)
{
    topology_init(t);
    t->epoch = 42;
    topology_shard *sh = topology_add_shard(t, hid('1', 1));
    cr_assert_not_null(sh);
    cr_assert_not_null(topology_shard_add_node(sh, hid('c', 1), 11, "127.0.0.1", 7000, 17000));
    cr_assert_not_null(topology_shard_add_node(sh, hid('c', 2), 12, "127.0.0.1", 7001, 17001));
    cr_assert_eq(topology_shard_add_range(sh, 100, 199), 0);
    cr_assert_eq(topology_shard_add_range(sh, 0, 99), 0);  /* adjacent: merged */
    cr_assert_eq(topology_shard_add_range(sh, 500, 500), 0);
    sh = topology_add_shard(t, hid('2', 1));
    cr_assert_not_null(sh);
    cr_assert_not_null(topology_shard_add_node(sh, hid('d', 1), 1, "::1", 7002, 17002));
    cr_assert_eq(topology_shard_add_range(sh, 200, 499), 0);
    cr_assert_eq(topology_shard_add_range(sh, 501, 16383), 0);
    char err[256];
    cr_assert_eq(topology_finish(t, err, sizeof err), 0, "%s", err);
}

Test(topology, empty_init_and_free)
{
    topology t;
    topology_init(&t);
    cr_assert_eq(t.epoch, 0);
    cr_assert_eq(t.shard_count, 0);
    for (unsigned s = 0; s < CLUSTER_SLOTS; s++)
        cr_assert_eq(topology_slot_shard(&t, s), TOPOLOGY_NO_SHARD);
    cr_assert_eq(topology_covers_all_slots(&t), 0);
    cr_assert_eq(topology_slot_shard(&t, CLUSTER_SLOTS), TOPOLOGY_NO_SHARD);
    topology_free(&t);
    topology_free(&t); /* idempotent */
}

Test(topology, build_encode_canonical)
{
    topology t;
    build_sample(&t);
    char *s = encode(&t);
    char want[2048];
    snprintf(want, sizeof want,
             "redraft-topology 1\nepoch 42\n"
             "shard %s 0-199,500\n"
             "node %s 11 127.0.0.1 7000 17000\n"
             "node %s 12 127.0.0.1 7001 17001\n"
             "shard %s 200-499,501-16383\n"
             "node %s 1 ::1 7002 17002\n",
             hid('1', 1), hid('c', 1), hid('c', 2), hid('2', 1), hid('d', 1));
    cr_assert_str_eq(s, want);
    cr_assert_eq(t.shards[0].range_count, 2);
    cr_assert(topology_covers_all_slots(&t));
    rd_free(s);
    topology_free(&t);
}

Test(topology, round_trip)
{
    topology t, u;
    build_sample(&t);
    char *s = encode(&t);
    char err[256];
    cr_assert_eq(dec(&u, s, err), 0, "%s", err);
    char *s2 = encode(&u);
    cr_assert_str_eq(s, s2);
    cr_assert_eq(u.epoch, 42);
    cr_assert_eq(u.shard_count, 2);
    cr_assert_eq(u.shards[0].node_count, 2);
    cr_assert_str_eq(u.shards[0].nodes[1].id, hid('c', 2));
    cr_assert_eq(u.shards[0].nodes[1].raft_id, 12);
    cr_assert_str_eq(u.shards[1].nodes[0].host, "::1");
    cr_assert_eq(u.shards[1].nodes[0].port, 7002);
    cr_assert_eq(u.shards[1].nodes[0].bus_port, 17002);
    cr_assert_eq(memcmp(t.slot_owner, u.slot_owner, sizeof t.slot_owner), 0);
    rd_free(s);
    rd_free(s2);
    topology_free(&t);
    topology_free(&u);
}

Test(topology, decode_normalizes_ranges)
{
    char text[1024];
    snprintf(text, sizeof text,
             "redraft-topology 1\nepoch 1\nshard %s 10-20,5,0-4,21-30,6-9,16383,100\n"
             "node %s 3 h 1 2",  /* no final newline: accepted */
             hid('e', 1), hid('f', 1));
    topology t;
    char err[256];
    cr_assert_eq(dec(&t, text, err), 0, "%s", err);
    char *s = encode(&t);
    char want[1024];
    snprintf(want, sizeof want,
             "redraft-topology 1\nepoch 1\nshard %s 0-30,100,16383\nnode %s 3 h 1 2\n",
             hid('e', 1), hid('f', 1));
    cr_assert_str_eq(s, want);
    cr_assert_eq(topology_slot_shard(&t, 0), 0);
    cr_assert_eq(topology_slot_shard(&t, 30), 0);
    cr_assert_eq(topology_slot_shard(&t, 31), TOPOLOGY_NO_SHARD);
    cr_assert_eq(topology_slot_shard(&t, 100), 0);
    cr_assert_eq(topology_slot_shard(&t, 16383), 0);
    cr_assert_not(topology_covers_all_slots(&t));
    rd_free(s);
    topology_free(&t);
}

Test(topology, no_ranges_and_no_shards)
{
    char text[512];
    snprintf(text, sizeof text, "redraft-topology 1\nepoch 0\nshard %s -\nnode %s 1 h 1 1\n",
             hid('e', 1), hid('f', 1));
    topology t;
    char err[256];
    cr_assert_eq(dec(&t, text, err), 0, "%s", err);
    cr_assert_eq(t.shards[0].range_count, 0);
    char *s = encode(&t);
    cr_assert_str_eq(s, text);
    rd_free(s);
    topology_free(&t);

    cr_assert_eq(dec(&t, "redraft-topology 1\nepoch 18446744073709551615\n", err), 0, "%s", err);
    cr_assert_eq(t.epoch, UINT64_MAX);
    cr_assert_eq(t.shard_count, 0);
    topology_free(&t);
}

Test(topology, lookups)
{
    topology t;
    char err[256];
    char *s = two_shards("");
    cr_assert_eq(dec(&t, s, err), 0, "%s", err);
    cr_assert(topology_covers_all_slots(&t));
    cr_assert_eq(topology_slot_shard(&t, 0), 0);
    cr_assert_eq(topology_slot_shard(&t, 8191), 0);
    cr_assert_eq(topology_slot_shard(&t, 8192), 1);
    cr_assert_eq(topology_slot_shard(&t, 16383), 1);
    cr_assert_eq(topology_find_shard(&t, hid('a', 1)), 0);
    cr_assert_eq(topology_find_shard(&t, hid('a', 2)), 1);
    cr_assert_eq(topology_find_shard(&t, hid('a', 3)), -1);
    cr_assert_eq(topology_find_shard(&t, NULL), -1);
    int sh = 99;
    const topology_node *n = topology_find_node(&t, hid('b', 2), &sh);
    cr_assert_not_null(n);
    cr_assert_eq(sh, 0);
    cr_assert_eq(n->raft_id, 2);
    cr_assert_str_eq(n->host, "10.0.0.2");
    n = topology_find_node(&t, hid('b', 3), &sh);
    cr_assert_not_null(n);
    cr_assert_eq(sh, 1);
    cr_assert_not_null(topology_find_node(&t, hid('b', 3), NULL));
    cr_assert_null(topology_find_node(&t, hid('b', 4), &sh));
    cr_assert_eq(sh, -1);
    rd_free(s);
    topology_free(&t);
}

Test(topology, copy_is_deep)
{
    topology t, c;
    build_sample(&t);
    cr_assert_eq(topology_copy(&c, &t), 0);
    char *a = encode(&t);
    topology_free(&t); /* the copy must not share anything */
    char *b = encode(&c);
    cr_assert_str_eq(a, b);
    cr_assert_eq(topology_slot_shard(&c, 500), 0);
    /* the copy can grow */
    topology_shard *sh = topology_add_shard(&c, hid('3', 1));
    cr_assert_not_null(sh);
    cr_assert_not_null(topology_shard_add_node(sh, hid('9', 9), 1, "x", 1, 1));
    cr_assert_not_null(topology_shard_add_node(&c.shards[0], hid('9', 8), 13, "x", 1, 1));
    char err[256];
    cr_assert_eq(topology_finish(&c, err, sizeof err), 0, "%s", err);
    rd_free(a);
    rd_free(b);
    topology_free(&c);

    topology e, ec;
    topology_init(&e);
    cr_assert_eq(topology_copy(&ec, &e), 0);
    cr_assert_eq(ec.shard_count, 0);
    topology_free(&ec);
}

Test(topology, builder_limits)
{
    topology t;
    topology_init(&t);
    cr_assert_null(topology_add_shard(&t, "abc"));
    for (int i = 0; i < TOPOLOGY_MAX_SHARDS; i++) {
        char id[41];
        snprintf(id, sizeof id, "%040x", i);
        topology_shard *sh = topology_add_shard(&t, id);
        cr_assert_not_null(sh);
        char nid[41];
        snprintf(nid, sizeof nid, "f%039x", i);
        cr_assert_not_null(topology_shard_add_node(sh, nid, 1, "h", 1, 1));
    }
    cr_assert_null(topology_add_shard(&t, hid('a', 1)));
    topology_shard *sh = &t.shards[0];
    for (int i = 1; i < TOPOLOGY_MAX_NODES_PER_SHARD; i++)
        cr_assert_not_null(topology_shard_add_node(sh, hid('e', i), (uint64_t)i + 1, "h", 1, 1));
    cr_assert_null(topology_shard_add_node(sh, hid('e', 200), 999, "h", 1, 1));
    char longhost[300];
    memset(longhost, 'h', sizeof longhost - 1);
    longhost[sizeof longhost - 1] = '\0';
    cr_assert_null(topology_shard_add_node(&t.shards[1], hid('e', 201), 2, longhost, 1, 1));
    char err[256];
    cr_assert_eq(topology_finish(&t, err, sizeof err), 0, "%s", err);
    /* a maximal topology round-trips */
    char *s = encode(&t);
    topology u;
    cr_assert_eq(dec(&u, s, err), 0, "%s", err);
    cr_assert_eq(u.shard_count, TOPOLOGY_MAX_SHARDS);
    cr_assert_eq(u.shards[0].node_count, TOPOLOGY_MAX_NODES_PER_SHARD);
    rd_free(s);
    topology_free(&u);
    topology_free(&t);
}

Test(topology, finish_rejects_what_decode_rejects)
{
    char err[256];
    topology t;
    topology_init(&t);
    topology_shard *sh = topology_add_shard(&t, hid('1', 1));
    topology_shard_add_node(sh, hid('c', 1), 1, "h", 1, 1);
    topology_shard_add_range(sh, 0, 10);
    sh = topology_add_shard(&t, hid('2', 1));
    topology_shard_add_node(sh, hid('c', 2), 1, "h", 1, 1);
    topology_shard_add_range(sh, 10, 20);
    cr_assert_eq(topology_finish(&t, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "slot 10 is assigned twice"), "%s", err);
    t.shards[1].ranges[0].start = 11;
    cr_assert_eq(topology_finish(&t, err, sizeof err), 0, "%s", err);
    t.shards[1].nodes[0].port = 0;
    cr_assert_eq(topology_finish(&t, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "bad port"), "%s", err);
    t.shards[1].nodes[0].port = 1;
    memcpy(t.shards[1].nodes[0].id, hid('c', 1), 41);
    cr_assert_eq(topology_finish(&t, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "duplicate node id"), "%s", err);
    memcpy(t.shards[1].nodes[0].id, hid('c', 2), 41);
    memcpy(t.shards[1].id, hid('1', 1), 41);
    cr_assert_eq(topology_finish(&t, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "duplicate shard id"), "%s", err);
    memcpy(t.shards[1].id, "ABCDEF0123456789ABCDEF0123456789ABCDEF01", 41);
    cr_assert_eq(topology_finish(&t, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "bad shard id"), "%s", err);
    memcpy(t.shards[1].id, hid('2', 1), 41);
    strcpy(t.shards[1].nodes[0].host, "a b");
    cr_assert_eq(topology_finish(&t, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "bad host"), "%s", err);
    strcpy(t.shards[1].nodes[0].host, "h");
    topology_add_shard(&t, hid('3', 1)); /* no nodes */
    cr_assert_eq(topology_finish(&t, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "has no nodes"), "%s", err);
    topology_free(&t);
}

Test(topology, error_version_and_header)
{
    expect_error("", "empty input");
    expect_error("redraft-topology 2\nepoch 1\n", "unsupported topology version '2'");
    expect_error("redraft-topology 01\nepoch 1\n", "unsupported topology version");
    expect_error("redraft-topology\nepoch 1\n", "line 1: expected 'redraft-topology <version>'");
    expect_error("redis-topology 1\nepoch 1\n", "line 1: expected");
    expect_error("epoch 1\nredraft-topology 1\n", "line 1: expected");
    expect_error("redraft-topology 1\nshard x -\n", "line 2: expected 'epoch <number>'");
}

Test(topology, error_truncated)
{
    expect_error("redraft-topology 1\n", "truncated input: no epoch record");
    expect_error("redraft-topology 1", "truncated input");
    expect_error("redraft-topology", "line 1: expected");
    expect_error("redraft-topology 1\nepo", "line 2: expected 'epoch");
    expect_error("redraft-topology 1\nepoch ", "line 2");
    char *s = two_shards("");
    /* cut inside the first node's id, and right after a shard line */
    const char *cut = strstr(s, "node ") + 10;
    char *p = rd_strndup(s, (size_t)(cut - s));
    expect_error(p, "line 4: expected 'node");
    rd_free(p);
    cut = strstr(s, "shard ") + 6 + 40 + 1 + 7; /* just after "0-8191\n" */
    p = rd_strndup(s, (size_t)(cut - s));
    expect_error(p, "has no nodes");
    rd_free(p);
    cut = strstr(s, " 17000");
    p = rd_strndup(s, (size_t)(cut - s));
    expect_error(p, "line 4: expected 'node <id> <raft id> <host> <port> <bus port>'");
    rd_free(p);
    rd_free(s);
}

Test(topology, error_trailing_garbage)
{
    char *s = two_shards("garbage\n");
    expect_error(s, "line 8: unknown record 'garbage'");
    rd_free(s);
    s = two_shards("\n");
    expect_error(s, "line 8: empty line");
    rd_free(s);
    s = two_shards("\r\n");
    expect_error(s, "unknown record '?'");
    rd_free(s);
    s = two_shards("epoch 9\n");
    expect_error(s, "unknown record 'epoch'");
    rd_free(s);
    char text[512];
    snprintf(text, sizeof text, "redraft-topology 1\nepoch 1 2\n");
    expect_error(text, "line 2: expected 'epoch <number>'");
    snprintf(text, sizeof text, "redraft-topology 1\nepoch 1\nshard %s - extra\nnode %s 1 h 1 1\n",
             hid('a', 1), hid('b', 1));
    expect_error(text, "line 3: expected 'shard <id> <ranges>'");
    snprintf(text, sizeof text, "redraft-topology 1\nepoch 1\nshard %s -\nnode %s 1 h 1 1 1\n",
             hid('a', 1), hid('b', 1));
    expect_error(text, "line 4: expected 'node");
    snprintf(text, sizeof text, "redraft-topology 1\nepoch 1\nshard %s -\nnode %s 1 h 1 1\x01\n",
             hid('a', 1), hid('b', 1));
    expect_error(text, "line 4: bad bus port '1?'");
    snprintf(text, sizeof text, "redraft-topology 1\nepoch 1\nshard %s  -\n", hid('a', 1));
    expect_error(text, "line 3: fields must be separated by one space");
    snprintf(text, sizeof text, "redraft-topology 1\nepoch 1 \n");
    expect_error(text, "line 2: fields must be separated by one space");
    /* a NUL byte inside */
    char nul[] = "redraft-topology 1\nepoch 1\0\n";
    topology t;
    char err[256];
    cr_assert_eq(topology_decode(&t, nul, sizeof nul - 1, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "bad epoch '1?'"), "%s", err);
}

Test(topology, error_bad_numbers)
{
    expect_error("redraft-topology 1\nepoch -1\n", "line 2: bad epoch '-1'");
    expect_error("redraft-topology 1\nepoch +1\n", "bad epoch '+1'");
    expect_error("redraft-topology 1\nepoch 01\n", "bad epoch '01'");
    expect_error("redraft-topology 1\nepoch 18446744073709551616\n", "bad epoch");
    expect_error("redraft-topology 1\nepoch 1x\n", "bad epoch '1x'");
    expect_error("redraft-topology 1\nepoch 0x10\n", "bad epoch");
    char text[512];
    struct {
        const char *fields, *want;
    } cases[] = {
        {"0 h 1 1", "bad raft id '0'"},
        {"-3 h 1 1", "bad raft id '-3'"},
        {"18446744073709551616 h 1 1", "bad raft id"},
        {"1 h 0 1", "bad port '0'"},
        {"1 h 65536 1", "bad port '65536'"},
        {"1 h 07000 1", "bad port '07000'"},
        {"1 h 1 0", "bad bus port '0'"},
        {"1 h 1 99999999999999999999999", "bad bus port '99999999999999999999999'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(text, sizeof text, "redraft-topology 1\nepoch 1\nshard %s -\nnode %s %s\n",
                 hid('a', 1), hid('b', 1), cases[i].fields);
        expect_error(text, cases[i].want);
    }
    const char *ranges[] = {"16384", "0-16384", "5-4", "-", "1-", "-1", "1--2", "1,,2", ",1", "1,",
                            "a", "1-2-3", "01", "00-5", "+1", ""};
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        if (strcmp(ranges[i], "-") == 0)
            continue; /* "-" alone is "no ranges" */
        snprintf(text, sizeof text, "redraft-topology 1\nepoch 1\nshard %s %s\nnode %s 1 h 1 1\n",
                 hid('a', 1), ranges[i], hid('b', 1));
        expect_error(text, ranges[i][0] ? "bad slot range" : "fields must be separated");
    }
}

Test(topology, error_bad_ids_and_hosts)
{
    char text[1024];
    snprintf(text, sizeof text, "redraft-topology 1\nepoch 1\nshard %.39s -\n", hid('a', 1));
    expect_error(text, "line 3: bad shard id");
    snprintf(text, sizeof text, "redraft-topology 1\nepoch 1\nshard %sa -\n", hid('a', 1));
    expect_error(text, "bad shard id");
    snprintf(text, sizeof text, "redraft-topology 1\nepoch 1\nshard %s -\n",
             "ABCDEF0123456789ABCDEF0123456789ABCDEF01");
    expect_error(text, "bad shard id 'ABCDEF0123456789ABCDEF0123456789...'");
    snprintf(text, sizeof text, "redraft-topology 1\nepoch 1\nshard %s -\nnode %s 1 h 1 1\n",
             hid('a', 1), hid('g', 1));
    expect_error(text, "line 4: bad node id");
    snprintf(text, sizeof text, "redraft-topology 1\nepoch 1\nnode %s 1 h 1 1\n", hid('b', 1));
    expect_error(text, "line 3: node record before any shard record");
    snprintf(text, sizeof text, "redraft-topology 1\nepoch 1\nshard %s -\nnode %s 1 h\xc3\xa9 1 1\n",
             hid('a', 1), hid('b', 1));
    expect_error(text, "line 4: bad host 'h?" "?'");
    snprintf(text, sizeof text, "redraft-topology 1\nepoch 1\nshard %s -\nnode %s 1 h\th 1 1\n",
             hid('a', 1), hid('b', 1));
    expect_error(text, "bad host");
    char host[300];
    memset(host, 'x', 256);
    host[256] = '\0';
    snprintf(text, sizeof text, "redraft-topology 1\nepoch 1\nshard %s -\nnode %s 1 %s 1 1\n",
             hid('a', 1), hid('b', 1), host);
    expect_error(text, "bad host");
    host[255] = '\0'; /* 255 is the limit */
    snprintf(text, sizeof text, "redraft-topology 1\nepoch 1\nshard %s -\nnode %s 1 %s 1 1\n",
             hid('a', 1), hid('b', 1), host);
    topology t;
    char err[256];
    cr_assert_eq(dec(&t, text, err), 0, "%s", err);
    cr_assert_eq(strlen(t.shards[0].nodes[0].host), 255);
    topology_free(&t);
}

Test(topology, error_overlap)
{
    char text[1024];
    /* across shards */
    snprintf(text, sizeof text,
             "redraft-topology 1\nepoch 1\nshard %s 0-100\nnode %s 1 h 1 1\nshard %s 100-200\n"
             "node %s 1 h 1 1\n",
             hid('a', 1), hid('b', 1), hid('a', 2), hid('b', 2));
    expect_error(text, "line 5: slot 100 is assigned twice (shard ");
    /* within a shard */
    snprintf(text, sizeof text, "redraft-topology 1\nepoch 1\nshard %s 0-100,50\nnode %s 1 h 1 1\n",
             hid('a', 1), hid('b', 1));
    expect_error(text, "line 3: slot 50 is assigned twice");
    snprintf(text, sizeof text, "redraft-topology 1\nepoch 1\nshard %s 7,7\nnode %s 1 h 1 1\n",
             hid('a', 1), hid('b', 1));
    expect_error(text, "slot 7 is assigned twice");
}

Test(topology, error_duplicates)
{
    char text[1024];
    snprintf(text, sizeof text,
             "redraft-topology 1\nepoch 1\nshard %s -\nnode %s 1 h 1 1\nshard %s -\nnode %s 1 h 1 1\n",
             hid('a', 1), hid('b', 1), hid('a', 1), hid('b', 2));
    expect_error(text, "duplicate shard id");
    snprintf(text, sizeof text,
             "redraft-topology 1\nepoch 1\nshard %s -\nnode %s 1 h 1 1\nshard %s -\nnode %s 1 h 1 1\n",
             hid('a', 1), hid('b', 1), hid('a', 2), hid('b', 1));
    expect_error(text, "duplicate node id");
    snprintf(text, sizeof text,
             "redraft-topology 1\nepoch 1\nshard %s -\nnode %s 1 h 1 1\nnode %s 2 h 1 1\n",
             hid('a', 1), hid('b', 1), hid('b', 1));
    expect_error(text, "duplicate node id");
    snprintf(text, sizeof text,
             "redraft-topology 1\nepoch 1\nshard %s -\nnode %s 4 h 1 1\nnode %s 4 h 2 2\n",
             hid('a', 1), hid('b', 1), hid('b', 2));
    expect_error(text, "duplicate raft id 4");
    /* the same raft id in two shards is fine (ids are per Raft group) */
    snprintf(text, sizeof text,
             "redraft-topology 1\nepoch 1\nshard %s -\nnode %s 1 h 1 1\nshard %s -\nnode %s 1 h 1 1\n",
             hid('a', 1), hid('b', 1), hid('a', 2), hid('b', 2));
    topology t;
    char err[256];
    cr_assert_eq(dec(&t, text, err), 0, "%s", err);
    topology_free(&t);
    /* a shard with no node, in the middle and at the end */
    snprintf(text, sizeof text, "redraft-topology 1\nepoch 1\nshard %s -\nshard %s -\nnode %s 1 h 1 1\n",
             hid('a', 1), hid('a', 2), hid('b', 1));
    expect_error(text, "line 3: shard");
    snprintf(text, sizeof text, "redraft-topology 1\nepoch 1\nshard %s -\n", hid('a', 1));
    expect_error(text, "has no nodes");
}

Test(topology, error_too_many)
{
    bytebuf b;
    bytebuf_init(&b);
    bytebuf_append_str(&b, "redraft-topology 1\nepoch 1\n");
    for (int i = 0; i <= TOPOLOGY_MAX_SHARDS; i++)
        bytebuf_appendf(&b, "shard %040x -\nnode f%039x 1 h 1 1\n", i, i);
    bytebuf_append_char(&b, '\0');
    expect_error(b.data, "too many shards (at most 1024)");
    bytebuf_clear(&b);
    bytebuf_appendf(&b, "redraft-topology 1\nepoch 1\nshard %s -\n", hid('a', 1));
    for (int i = 0; i <= TOPOLOGY_MAX_NODES_PER_SHARD; i++)
        bytebuf_appendf(&b, "node f%039x %d h 1 1\n", i, i + 1);
    bytebuf_append_char(&b, '\0');
    expect_error(b.data, "line 68: too many nodes in shard");
    bytebuf_free(&b);
}

/* ---- topology_store (state is per test: Criterion forks each one) ---------------------- */

static char tmpdir[64];

static void in_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_topology.XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    cr_assert_eq(chdir(tmpdir), 0);
}

static void cleanup_tmpdir(void)
{
    unlink("topology");
    unlink("topology.tmp");
    cr_assert_eq(chdir("/"), 0);
    rmdir(tmpdir);
}

static char *with_epoch(const char *text, const char *epoch)
{
    char *s = rd_malloc(strlen(text) + 32);
    const char *nl = strstr(text, "epoch ");
    const char *end = strchr(nl, '\n');
    sprintf(s, "%.*sepoch %s%s", (int)(nl - text), text, epoch, end);
    return s;
}

static char *read_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    char *buf = rd_calloc(1, 1 << 16);
    size_t n = fread(buf, 1, (1 << 16) - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

Test(topology_store, set_get_persist_reload, .init = in_tmpdir, .fini = cleanup_tmpdir)
{
    char err[256];
    cr_assert_null(topology_store_get());
    size_t len = 1;
    cr_assert_null(topology_store_text(&len));
    topology_store_load(NULL); /* no file: nothing */
    cr_assert_null(topology_store_get());

    /* non-canonical input is stored canonically */
    char text[512];
    snprintf(text, sizeof text, "redraft-topology 1\nepoch 5\nshard %s 5-9,0-4\nnode %s 1 h 1 2",
             hid('a', 1), hid('b', 1));
    cr_assert_eq(topology_store_set(NULL, text, strlen(text), err, sizeof err), 0, "%s", err);
    const topology *t = topology_store_get();
    cr_assert_not_null(t);
    cr_assert_eq(t->epoch, 5);
    const char *enc = topology_store_text(&len);
    char want[512];
    snprintf(want, sizeof want, "redraft-topology 1\nepoch 5\nshard %s 0-9\nnode %s 1 h 1 2\n",
             hid('a', 1), hid('b', 1));
    cr_assert_eq(len, strlen(want));
    cr_assert_eq(memcmp(enc, want, len), 0);
    char *file = read_file("topology");
    cr_assert_not_null(file);
    cr_assert_str_eq(file, want);
    rd_free(file);
    cr_assert_eq(access("topology.tmp", F_OK), -1);

    /* identical again (even written differently): accepted */
    cr_assert_eq(topology_store_set(NULL, text, strlen(text), err, sizeof err), 0, "%s", err);
    cr_assert_eq(topology_store_set(NULL, want, strlen(want), err, sizeof err), 0, "%s", err);
    /* older epoch: refused */
    char *old = with_epoch(want, "4");
    cr_assert_eq(topology_store_set(NULL, old, strlen(old), err, sizeof err), -1);
    cr_assert_str_eq(err, "ERR stale topology: epoch 4 is not newer than 5");
    rd_free(old);
    /* same epoch, different content: refused */
    char diff[512];
    snprintf(diff, sizeof diff, "redraft-topology 1\nepoch 5\nshard %s 0-10\nnode %s 1 h 1 2\n",
             hid('a', 1), hid('b', 1));
    cr_assert_eq(topology_store_set(NULL, diff, strlen(diff), err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "ERR stale topology: epoch 5 is not newer than 5"), "%s", err);
    /* garbage: refused with the reason */
    cr_assert_eq(topology_store_set(NULL, "hello", 5, err, sizeof err), -1);
    cr_assert_str_eq(err, "ERR invalid topology: line 1: expected 'redraft-topology <version>'");
    cr_assert_eq(topology_store_get()->epoch, 5);
    /* newer: replaces */
    char *newer = with_epoch(diff, "6");
    cr_assert_eq(topology_store_set(NULL, newer, strlen(newer), err, sizeof err), 0, "%s", err);
    cr_assert_eq(topology_store_get()->epoch, 6);
    file = read_file("topology");
    cr_assert_str_eq(file, newer);
    rd_free(file);
    rd_free(newer);
}

Test(topology_store, load_existing_and_corrupt, .init = in_tmpdir, .fini = cleanup_tmpdir)
{
    FILE *fp = fopen("topology", "w");
    fputs("redraft-topology 1\nepoch 3\nbogus\n", fp);
    fclose(fp);
    topology_store_load(NULL);
    cr_assert_null(topology_store_get()); /* corrupt: ignored */

    char text[512];
    snprintf(text, sizeof text, "redraft-topology 1\nepoch 3\nshard %s 0-16383\nnode %s 1 h 1 2\n",
             hid('a', 1), hid('b', 1));
    fp = fopen("topology", "w");
    fputs(text, fp);
    fclose(fp);
    topology_store_load(NULL);
    const topology *t = topology_store_get();
    cr_assert_not_null(t);
    cr_assert_eq(t->epoch, 3);
    cr_assert(topology_covers_all_slots(t));
    size_t len;
    const char *enc = topology_store_text(&len);
    cr_assert_eq(len, strlen(text));
    cr_assert_eq(memcmp(enc, text, len), 0);
    char err[256];
    cr_assert_eq(topology_store_set(NULL, text, strlen(text), err, sizeof err), 0, "%s", err);
}

Test(topology_store, leaders, .init = in_tmpdir, .fini = cleanup_tmpdir)
{
    char err[256];
    cr_assert_eq(topology_store_note_leader(0, hid('b', 1), 1), 0); /* no topology */
    cr_assert_null(topology_store_leader(0));
    char *s = two_shards("");
    cr_assert_eq(topology_store_set(NULL, s, strlen(s), err, sizeof err), 0, "%s", err);
    /* this process has no node id (Raft not started): every shard is another shard */
    cr_assert_eq(topology_store_my_shard(), -1);
    cr_assert_str_eq(topology_store_leader(0)->id, hid('b', 1)); /* first node until heard */
    cr_assert_str_eq(topology_store_leader(1)->id, hid('b', 3));
    cr_assert_null(topology_store_leader(2));
    cr_assert_null(topology_store_leader(-1));

    cr_assert_eq(topology_store_note_leader(0, hid('b', 2), 5), 1);
    cr_assert_str_eq(topology_store_leader(0)->id, hid('b', 2));
    cr_assert_eq(topology_store_note_leader(0, hid('b', 2), 5), 0); /* nothing new */
    cr_assert_eq(topology_store_note_leader(0, hid('b', 1), 4), 0); /* older term */
    cr_assert_str_eq(topology_store_leader(0)->id, hid('b', 2));
    cr_assert_eq(topology_store_note_leader(0, hid('b', 3), 9), 0); /* not in that shard */
    cr_assert_eq(topology_store_note_leader(0, hid('e', 3), 9), 0); /* unknown node */
    cr_assert_eq(topology_store_note_leader(7, hid('b', 1), 9), 0); /* no such shard */
    cr_assert_eq(topology_store_note_leader(0, NULL, 9), 0);
    cr_assert_eq(topology_store_note_leader(0, hid('b', 1), 6), 1);
    cr_assert_str_eq(topology_store_leader(0)->id, hid('b', 1));
    cr_assert_eq(topology_store_note_leader(0, hid('b', 2), 6), 1); /* same term: accepted */
    cr_assert_str_eq(topology_store_leader(0)->id, hid('b', 2));

    /* a newer topology with the same node sets (slots moved): leader knowledge kept */
    char *moved = rd_malloc(4096);
    snprintf(moved, 4096,
             "redraft-topology 1\nepoch 8\n"
             "shard %s 8192-16383\nnode %s 1 host-b.example 7002 17002\n"
             "shard %s 0-8191\nnode %s 2 10.0.0.2 7001 17001\nnode %s 1 10.0.0.1 7000 17000\n",
             hid('a', 2), hid('b', 3), hid('a', 1), hid('b', 2), hid('b', 1));
    cr_assert_eq(topology_store_set(NULL, moved, strlen(moved), err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(topology_store_leader(1)->id, hid('b', 2)); /* shard a1 is index 1 now */
    cr_assert_eq(topology_store_note_leader(1, hid('b', 1), 5), 0); /* term 6 still known */

    /* a node set change forgets it */
    snprintf(moved, 4096,
             "redraft-topology 1\nepoch 9\n"
             "shard %s 0-8191\nnode %s 1 10.0.0.1 7000 17000\nnode %s 2 10.0.0.2 7001 17001\n"
             "node %s 3 10.0.0.3 7003 17003\n",
             hid('a', 1), hid('b', 1), hid('b', 2), hid('b', 4));
    cr_assert_eq(topology_store_set(NULL, moved, strlen(moved), err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(topology_store_leader(0)->id, hid('b', 1));
    cr_assert_eq(topology_store_note_leader(0, hid('b', 4), 1), 1);
    cr_assert_str_eq(topology_store_leader(0)->id, hid('b', 4));
    rd_free(moved);
    rd_free(s);
}
