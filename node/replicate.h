/* replicate: the data path over Raft -- how a client's commands become log entries and
 * how committed entries become replies.
 *
 * Writes are not executed on arrival. On the leader, dispatch hands each write to
 * replicate_write(), which appends it to the current batch; once per loop iteration the
 * batch becomes one entry (group commit: leader time, seed, commands) passed to
 * raft_apply. When the entry commits, the FSM's apply (replicate_fsm_apply) runs every
 * command through dispatch_execute on every member, with the entry's time and seed; on
 * the leader that proposed it, each command's reply goes to its client, in order.
 *
 * Reads are linearizable: a read waits for a "fence" -- the next entry this leader
 * proposes (the iteration's batch, or an empty entry if there were no writes), which
 * proves leadership after the read arrived and orders it after the same connection's
 * earlier writes. A connection with pending writes or a pending fence is paused: its
 * later commands stay in its query buffer until the fence applies, so replies never
 * reorder. Followers serve stale reads (standalone) or redirect (cluster mode).
 *
 * Loss of leadership with entries in flight: their outcome is unknown, so the clients
 * waiting on them are disconnected (never answered with an error for a write that may
 * still commit); on demotion every normal client is disconnected, as a demoted Redis
 * master does, so clients re-resolve the leader.
 *
 * Internal commands (member table updates, expiry/eviction deletions) travel in the same
 * entries with a flag (LOG_ENTRY_CMD_* in log_entry.h). */
#ifndef REDRAFT_REPLICATE_H
#define REDRAFT_REPLICATE_H

#include <stdint.h>

#include "resp_parser.h"

struct server;
struct client;
struct command;
struct raft_fsm;
struct raft_buffer;
struct resp_writer;
struct prng;

/* Flags of an internal command in an entry (log_entry_cmd.flags). */
#define REPL_CMD_INTERNAL 0x01u  /* argv[0] names an internal command, not a client's */
#define REPL_CMD_EXPIRE   0x02u  /* DEL of keys the leader saw expired: re-checked at apply */
#define REPL_CMD_EVICT    0x04u  /* DEL of keys evicted for maxmemory */
#define REPL_CMD_NOREPLY  0x08u  /* CLIENT REPLY OFF/SKIP: run, discard the reply */

void replicate_init(struct server *s);
void replicate_free(struct server *s);

/* The FSM apply callback (raft_fsm.apply). Decodes, applies, routes replies; never fails
 * on a malformed entry (logs and skips it, so a bad entry cannot wedge the node). */
int replicate_fsm_apply(struct raft_fsm *fsm, const struct raft_buffer *buf, void **result);

/* Called by dispatch for a command that passed its checks, before running it:
 *   REPL_ROUTE_RUN      run it now (connection commands; a read already fenced; stale
 *                       reads on a follower);
 *   REPL_ROUTE_QUEUED   a write appended to this iteration's entry: reply at apply;
 *   REPL_ROUTE_REPLIED  answered here with an error (-READONLY, -CLUSTERDOWN; -MOVED
 *                       comes earlier, from the slot router);
 *   REPL_ROUTE_DEFERRED the client now waits (blocked) for the round being built; the
 *                       request must stay unconsumed in its query buffer and run again
 *                       when the client resumes. */
enum { REPL_ROUTE_RUN = 0, REPL_ROUTE_QUEUED = 1, REPL_ROUTE_REPLIED = 2, REPL_ROUTE_DEFERRED = 3 };
int replicate_route(struct client *c, struct command *cmd, int argc, rd_arg *argv,
                    struct resp_writer *w);
/* Blocks c on the round being built (dispatch's ordering rule: a reply that would
 * overtake a pending write's reply waits). */
void replicate_defer(struct client *c);
/* Applies proposed deletions (expired/evicted keys): from the FSM, or directly when
 * there is no Raft instance (unit tests). */
void replicate_apply_deletes(struct server *s, int dbid, int64_t now_ms, struct prng *rng,
                             uint32_t flags, int argc, const rd_arg *argv);

/* Leader only: appends an internal command to the current batch. Returns 0, or -1 when
 * this node is not the leader (nothing proposed). */
int replicate_propose_internal(struct server *s, uint32_t flags, int dbid, int argc,
                               const rd_arg *argv);

/* raft_node calls this when leadership is gained or lost (polled once per iteration). */
void replicate_role_changed(struct server *s, int was_leader, int is_leader);
/* Proposes the current batch (and fences) now; called once per loop iteration. */
void replicate_flush(struct server *s);
/* Transfer support: while held, nothing new is proposed (writes wait in the batch);
 * replicate_inflight() is the number of proposed entries not yet applied. */
void replicate_hold(int on);
int replicate_inflight(void);
/* Argument bytes of the writes queued or in flight: memory they are about to add (the
 * maxmemory check counts it, so a pipelined burst cannot overshoot by a whole round). */
size_t replicate_pending_bytes(void);
/* Index of the last entry that carried a write of this client (WAIT), 0 if none. */
uint64_t replicate_client_last_write(const struct client *c);

#endif
