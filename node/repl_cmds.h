/* repl_cmds: the replication face of a Raft shard in Redis's terms -- ROLE, WAIT,
 * READONLY/READWRITE, INFO's Replication and Raft sections, HELLO's role.
 *
 * The leader is a Redis master, the followers its replicas; offsets are Raft indexes
 * (applied index for this node, match index for a follower as the leader sees it); see
 * topology_view.h for how the shard is read. The formatters take a topology view so unit
 * tests can render hand-built shards. */
#ifndef REDRAFT_REPL_CMDS_H
#define REDRAFT_REPL_CMDS_H

#include "bytebuf.h"
#include "resp_writer.h"

struct server;
struct topology_view;

/* HELLO's "role": "master" on the leader (or with Raft not running), else "replica". */
const char *repl_role_name(void);

/* INFO sections (including their "# Name" header line). */
void repl_info_replication(struct server *s, bytebuf *o);
void repl_info_raft(struct server *s, bytebuf *o);

/* Node-local facts INFO replication needs beyond the view. */
typedef struct repl_info_state {
    const char *replid;         /* 40 hex: the (last known) leader's node id */
    long long offset;           /* this node's applied index */
    long long backlog_first;    /* first index still in the log */
    long long backlog_histlen;  /* entries from there to the applied index */
    long long last_io_seconds;  /* follower: seconds since the leader's last contact; -1 unknown */
} repl_info_state;

/* Pure renderings of a view (myself = the view's myself node). */
void repl_write_role(resp_writer *w, const struct topology_view *v, long long offset);
void repl_format_info_replication(bytebuf *o, const struct topology_view *v, const repl_info_state *st);

#endif
