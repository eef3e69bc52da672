/* snapshot: the FSM's snapshots -- the whole replicated state in one self-describing
 * byte format, taken without stalling the event loop, and restored on start-up or
 * InstallSnapshot.
 *
 * The replicated state is: every database (each kvtable's dense layout including holes
 * and their sequence numbers, and db->next_seq, so SCAN cursors and every layout-dependent
 * choice stay identical after a reload), each value through its kv_type_ops save/load
 * (strings by kv.c), the last entry time (server.last_entry_ms), and the member table
 * (members_save/members_load). Nothing node-local (stats, clients, config) is in it.
 *
 * raft_node.c builds the raft_fsm with replicate.c's apply and fills the snapshot fields
 * from here; if the non-blocking mechanism needs to see raft's I/O (e.g. to delay
 * snapshot_put until a background writer finished), snapshot_wrap_io returns the
 * raft_io to hand to raft_init instead of raft_uv's (or the same pointer). */
#ifndef REDRAFT_SNAPSHOT_H
#define REDRAFT_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"

struct raft_fsm;
struct raft_io;
struct server;

/* Sets fsm->version and the snapshot/restore (and finalize/async) callbacks. */
void snapshot_fill_fsm(struct raft_fsm *fsm);
struct raft_io *snapshot_wrap_io(struct raft_io *uv_io);
/* Stops a snapshot in progress: kills the child; a put still waiting for it is failed
 * by raft_close (through the wrapped io's close), and raft then finalizes, releasing
 * the buffers. Call it before or after raft_close; no new child is forked after it. */
void snapshot_shutdown(void);

/* The format itself (also used by tests and, later, DEBUG RELOAD-like tools):
 * serialize the current replicated state / replace it from bytes. load returns 0, or -1
 * on malformed input, in which case the state is left empty. */
void snapshot_serialize(struct server *s, bytebuf *out);
int snapshot_load(struct server *s, const char *p, size_t len);
/* The checksum the format's trailer carries over all preceding bytes (tests and the
 * fuzzer use it to build inputs that get past the integrity check). */
uint64_t snapshot_checksum(const char *p, size_t len);

/* For INFO raft: snapshots taken/restored by this process and the last one's size. */
typedef struct snapshot_stats {
    long long taken, restored, failed;
    long long last_bytes;
    long long last_duration_ms;   /* from request to written */
    long long last_loop_block_us; /* time the loop thread spent on it */
    long long last_fork_us;       /* of which fork() itself (0: serialized in-line) */
    int in_progress;
} snapshot_stats;
const snapshot_stats *snapshot_get_stats(void);

#endif
