/* libFuzzer target for the topology text encoding (proto/topology.c).
 *
 * Each input is decoded from an exact-size copy (so ASan sees any read past the end).
 * A rejected input must leave the topology empty with a one-line printable reason. An
 * accepted one must re-encode to text that decodes again to the identical encoding
 * (canonical form), agree with its slot table, survive a deep copy, and be accepted by
 * topology_finish() unchanged. Inputs are also decoded with a valid header and epoch
 * prepended, so random bytes reach the shard/node record parsing. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytebuf.h"
#include "mem.h"
#include "topology.h"

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "invariant failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                 \
        }                                                                            \
    } while (0)

static topology T1, T2, T3; /* 32 KB slot tables each: not on the stack */

static void check_slots(const topology *t)
{
    int owned = 0;
    for (int i = 0; i < t->shard_count; i++) {
        const topology_shard *sh = &t->shards[i];
        CHECK(sh->node_count >= 1 && sh->node_count <= TOPOLOGY_MAX_NODES_PER_SHARD);
        for (int r = 0; r < sh->range_count; r++) {
            CHECK(sh->ranges[r].start <= sh->ranges[r].end);
            if (r)
                CHECK(sh->ranges[r].start > sh->ranges[r - 1].end + 1); /* sorted, merged */
            for (int s = sh->ranges[r].start; s <= sh->ranges[r].end; s++)
                CHECK(topology_slot_shard(t, (unsigned)s) == i);
            owned += sh->ranges[r].end - sh->ranges[r].start + 1;
        }
        for (int j = 0; j < sh->node_count; j++) {
            int where = -1;
            CHECK(topology_find_node(t, sh->nodes[j].id, &where) == &sh->nodes[j]);
            CHECK(where == i);
        }
        CHECK(topology_find_shard(t, sh->id) == i);
    }
    int counted = 0;
    for (unsigned s = 0; s < CLUSTER_SLOTS; s++)
        counted += topology_slot_shard(t, s) != TOPOLOGY_NO_SHARD;
    CHECK(counted == owned);
    CHECK(topology_covers_all_slots(t) == (owned == CLUSTER_SLOTS));
}

static void one(const uint8_t *data, size_t size)
{
    char *p = rd_malloc(size ? size : 1);
    if (size)
        memcpy(p, data, size);
    char err[256];
    memset(err, 'x', sizeof err);
    int rc = topology_decode(&T1, p, size, err, sizeof err);
    rd_free(p);
    if (rc != 0) {
        CHECK(rc == -1);
        CHECK(T1.shard_count == 0 && T1.shards == NULL && T1.epoch == 0);
        size_t n = strnlen(err, sizeof err);
        CHECK(n > 0 && n < sizeof err);
        for (size_t i = 0; i < n; i++)
            CHECK(err[i] >= ' ' && err[i] < 0x7f);
        return;
    }
    check_slots(&T1);
    bytebuf a, b, c;
    bytebuf_init(&a);
    bytebuf_init(&b);
    bytebuf_init(&c);
    topology_encode(&T1, &a);
    CHECK(topology_decode(&T2, a.data, a.len, err, sizeof err) == 0);
    topology_encode(&T2, &b);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    CHECK(memcmp(T1.slot_owner, T2.slot_owner, sizeof T1.slot_owner) == 0);
    CHECK(topology_copy(&T3, &T2) == 0);
    topology_free(&T2);
    CHECK(topology_finish(&T3, err, sizeof err) == 0);
    topology_encode(&T3, &c);
    CHECK(a.len == c.len && memcmp(a.data, c.data, a.len) == 0);
    topology_free(&T3);
    topology_free(&T1);
    bytebuf_free(&a);
    bytebuf_free(&b);
    bytebuf_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    one(data, size);
    static const char head[] = "redraft-topology 1\nepoch 1\n";
    size_t hl = sizeof head - 1;
    uint8_t *q = rd_malloc(hl + size);
    memcpy(q, head, hl);
    if (size)
        memcpy(q + hl, data, size);
    one(q, hl + size);
    rd_free(q);
    return 0;
}
