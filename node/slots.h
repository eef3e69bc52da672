/* slots: the cluster-mode slot router -- where a keyed command must run.
 *
 * Redis's getNodeByQuery(), made in dispatch's checks at Redis's place (after the
 * authentication check, before -OOM). Only with cluster-enabled yes; commands without
 * keys run anywhere. For a command with keys (command_get_keys):
 *   - keys in different slots: -CROSSSLOT Keys in request don't hash to the same slot
 *   - the slot owned by no shard: -CLUSTERDOWN Hash slot not served
 *   - owned by another shard: -MOVED <slot> <host>:<port> of that shard's leader
 *     (topology_store_leader()); -CLUSTERDOWN The cluster is down if none is known
 *   - owned by this node's shard: the leader serves; a follower answers -MOVED to its
 *     leader (-CLUSTERDOWN The cluster is down while there is none) except for reads on
 *     a READONLY connection and sharded pub/sub (served here, as a Redis replica does).
 * Ownership comes from the pushed topology (topology_store.h); with none pushed this
 * node's shard owns every slot. The state is judged per slot, as Redis does with
 * cluster-require-full-coverage no: an unassigned slot or a shard without a leader
 * does not stop the other slots (CLUSTER INFO still says cluster_state:fail).
 *
 * Migration hook: a per-slot table of MIGRATING (this shard is moving the slot to a peer
 * shard) and IMPORTING (receiving it) states, empty until slot migration fills it. With
 * an entry, Redis's rules apply: on a migrating slot, all keys present -> served, none
 * -> -ASK <slot> <target leader>, some -> -TRYAGAIN; on an importing slot a command after
 * ASKING is served (multi-key with missing keys -> -TRYAGAIN), without it -> -MOVED to the
 * owner. ASKING (CLIENT_ASKING) lasts for the next command only; dispatch clears it after
 * every command but ASKING itself.
 *
 * Not here yet: MULTI/EXEC. Redis checks each queued command alone (an error flags the
 * transaction) and EXEC checks the keys of all queued commands together, and keeps
 * ASKING for the whole transaction. */
#ifndef REDRAFT_SLOTS_H
#define REDRAFT_SLOTS_H

#include <stddef.h>

#include "resp_parser.h"

struct server;
struct client;
struct command;

/* Why c may not run cmd here, as error text without the leading '-' (valid until the
 * next call), or NULL when it may. Never called for unknown commands or bad arity. */
const char *slots_check(struct server *s, struct client *c, const struct command *cmd, int argc,
                        const rd_arg *argv);

/* The topology changed (topology_store_set calls this after accepting one): slots this
 * node's shard no longer serves drop their shard-channel subscribers
 * (pubsub_slot_lost). Also detected lazily by slots_check through the epoch. */
void slots_topology_changed(void);

/* After a command finished (not when it is deferred to run again): ASKING lasts for
 * the next command only (cmd NULL: an unknown command). */
void slots_command_done(struct client *c, const struct command *cmd);

/* Does this node's shard own slot (topology, or every slot with none pushed)? */
int slots_owned_here(unsigned slot);

/* ---- migration states (empty today; filled by slot migration) ---- */
enum slot_migration { SLOT_STABLE = 0, SLOT_MIGRATING = 1, SLOT_IMPORTING = 2 };
/* Sets the state of slot: peer_shard_id is the 40-hex id of the shard the slot moves to
 * (MIGRATING) or from (IMPORTING); ignored for SLOT_STABLE. Returns 0, -1 on bad input. */
int slots_set_migration(unsigned slot, int state, const char *peer_shard_id);
/* The state of slot; when not stable and peer is non-NULL, *peer gets the peer shard id. */
int slots_migration(unsigned slot, const char **peer);
void slots_clear_migrations(void);

#endif
