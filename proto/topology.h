/* topology: the cluster map -- shards, their members, the hash slots each shard owns and
 * the config epoch -- and its versioned text encoding.
 *
 * Shared by node (which receives, persists and serves it) and sentinel (which owns and
 * pushes it). A topology is a plain value: every array is owned by it, topology_free()
 * releases everything, topology_copy() deep-copies.
 *
 * Encoding (version 1): UTF-8-free ASCII text, one record per line, '\n' separated, so
 * scripts and operators can write and read it:
 *
 *     redraft-topology 1
 *     epoch <u64>
 *     shard <40-hex shard id> <ranges>
 *     node <40-hex node id> <raft id u64> <host> <port> <bus port>
 *     node ...
 *     shard ...
 *
 * <ranges> is a comma-separated list of "a-b" or "a" (inclusive, 0..16383), or "-" for
 * none. A node line belongs to the shard line above it; the first node of a shard is
 * the master hint (used until a live leader is known). Hosts are 1..255 printable
 * non-space bytes. Decoding is strict: unknown versions, unknown records, overlapping
 * slot ranges, duplicate shard or node ids, bad numbers or more than TOPOLOGY_MAX_*
 * items are errors with a one-line reason; a topology need not cover every slot. Also
 * refused: numbers with a sign or leading zero, raft id 0 or repeated within a shard,
 * ports outside 1..65535, a shard with no node, empty lines, fields not separated by
 * exactly one space. The last line's '\n' may be missing (`"$(cat file)"` drops it). The
 * encoding of a decoded topology is canonical (ranges merged and sorted), so two
 * topologies are equal iff their encodings are equal. */
#ifndef REDRAFT_TOPOLOGY_H
#define REDRAFT_TOPOLOGY_H

#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"
#include "keyslot.h"

#define TOPOLOGY_VERSION 1
#define TOPOLOGY_ID_LEN 40
#define TOPOLOGY_HOST_MAX 255
#define TOPOLOGY_MAX_SHARDS 1024
#define TOPOLOGY_MAX_NODES_PER_SHARD 64
#define TOPOLOGY_NO_SHARD (-1)

typedef struct topology_node {
    char id[TOPOLOGY_ID_LEN + 1];      /* 40 lower-case hex + NUL */
    uint64_t raft_id;
    char host[TOPOLOGY_HOST_MAX + 1];
    int port;
    int bus_port;
} topology_node;

typedef struct topology_range {
    int start, end;                    /* inclusive */
} topology_range;

typedef struct topology_shard {
    char id[TOPOLOGY_ID_LEN + 1];
    topology_range *ranges;            /* owned; sorted, merged */
    int range_count;
    topology_node *nodes;              /* owned; nodes[0] is the master hint */
    int node_count;
    int range_cap, node_cap;           /* allocated lengths of ranges/nodes */
} topology_shard;

typedef struct topology {
    uint64_t epoch;
    topology_shard *shards;            /* owned */
    int shard_count;
    int shard_cap;                     /* allocated length of shards */
    int16_t slot_owner[CLUSTER_SLOTS]; /* shard index per slot, TOPOLOGY_NO_SHARD if none */
} topology;

void topology_init(topology *t);       /* empty, epoch 0, no slot owned */
void topology_free(topology *t);       /* back to the empty state */
int topology_copy(topology *dst, const topology *src); /* dst uninitialised; 0 ok, -1 OOM */

/* Building by hand (tests, sentinel): return the new element or NULL past the limits
 * (or for an id that is not 40 bytes / a host longer than TOPOLOGY_HOST_MAX);
 * add_range returns 0, or -1 past CLUSTER_SLOTS ranges in the shard. Adding a shard
 * (node) may move the shards (nodes) array: earlier pointers are then stale, so re-fetch
 * them as &t->shards[i]. After adding call topology_finish(): it runs every check the
 * decoder runs (ids, hosts, ports, duplicates, a shard without nodes, overlaps), sorts
 * and merges ranges and fills slot_owner; -1 with the reason in err, so whatever it
 * accepts encodes to text that decodes back to the same topology. */
topology_shard *topology_add_shard(topology *t, const char *id);
topology_node *topology_shard_add_node(topology_shard *sh, const char *id, uint64_t raft_id,
                                       const char *host, int port, int bus_port);
int topology_shard_add_range(topology_shard *sh, int start, int end);
int topology_finish(topology *t, char *err, size_t errlen);

/* Text encoding (see above). encode appends to out. decode fills t (uninitialised on
 * entry; on failure t is left empty and err holds the reason). */
void topology_encode(const topology *t, bytebuf *out);
int topology_decode(topology *t, const char *text, size_t len, char *err, size_t errlen);

/* Lookups. */
int topology_slot_shard(const topology *t, unsigned slot); /* shard index or NO_SHARD */
int topology_find_shard(const topology *t, const char *shard_id); /* index or -1 */
/* The node with this id; *shard_index gets its shard (may be NULL). */
const topology_node *topology_find_node(const topology *t, const char *node_id, int *shard_index);
int topology_covers_all_slots(const topology *t);

#endif
