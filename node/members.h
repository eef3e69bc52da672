/* members: the replicated table of a shard's members and their addresses.
 *
 * Raft's configuration only knows Raft ids and bus addresses. Redirects (-MOVED), ROLE,
 * INFO replication and the CLUSTER commands need each member's 40-hex node id and its
 * client host:port, so every node announces itself: a node whose record is missing or
 * stale sends `RAFT ANNOUNCE <raft-id> <node-id> <host> <port> <bus-port>` to the leader,
 * which proposes it through the log as an internal command; every member applies it
 * here. The table is part of the snapshot. A member removed from the Raft configuration
 * keeps its record until a `member-del` entry removes it. */
#ifndef REDRAFT_MEMBERS_H
#define REDRAFT_MEMBERS_H

#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"
#include "resp_parser.h"

#define MEMBER_HOST_MAX 255

typedef struct member {
    uint64_t raft_id;
    char node_id[41];                /* 40 hex chars + NUL */
    char host[MEMBER_HOST_MAX + 1];  /* announced client host (cluster-announce-ip, bind) */
    int port;                        /* client port */
    int bus_port;                    /* Raft port */
} member;

const member *members_find(uint64_t raft_id);
const member *members_find_node_id(const char *node_id);
int members_count(void);
const member *members_at(int i);
void members_clear(void);

/* Internal log commands (argv[0] is the name), applied on every member by the FSM:
 *   member-set <raft-id> <node-id> <host> <port> <bus-port>
 *   member-del <raft-id>
 * Returns 0, or -1 for a malformed command (ignored: the FSM must never fail). */
int members_apply(int argc, const rd_arg *argv);

/* Snapshot form of the table. load returns 0, or -1 on malformed input (table unchanged). */
void members_save(bytebuf *out);
int members_load(const char *p, size_t len);

#endif
