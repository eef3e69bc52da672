/* The command table: the one index of every command redraft-node answers.
 *
 * Each row: name, implementation, arity, flags, ACL categories, legacy key spec
 * (first, last, step), and the COMMAND DOCS fields (group, since, summary,
 * complexity). Implementations live with their type (t_string.c, keys_cmds.c,
 * conn_cmds.c, server_cmds.c, config.c); commands.h declares them. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "command.h"
#include "commands.h"
#include "server.h"
#include "strutil.h"

#define W CMD_WRITE
#define R CMD_READONLY
#define F CMD_FAST
#define D CMD_DENYOOM
#define A CMD_ADMIN
#define NS CMD_NOSCRIPT
#define L CMD_LOADING
#define S CMD_STALE
#define NA CMD_NO_AUTH
#define CX CMD_CONNECTION
#define RND CMD_RANDOM
#define SN CMD_SENTINEL
#define END {NULL, NULL, 0, 0, NULL, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, "", NULL, {0, 0, 0, 0}, 0}
#define C(name, proc, arity, flags, acl, fk, lk, ks, group, since, summary, cplx) \
    {name, proc, arity, flags, acl, fk, lk, ks, group, since, summary, cplx, NULL, "", NULL, {0, 0, 0, 0}, 0}
#define CS(name, arity, flags, acl, group, since, summary, subs) \
    {name, NULL, arity, flags, acl, 0, 0, 0, group, since, summary, "Depends on subcommand.", subs, "", NULL, {0, 0, 0, 0}, 0}

static command client_subcommands[] = {
    C("id", cmd_client_id, 2, NS | L | S | CX, "@slow @connection", 0, 0, 0, "connection", "5.0.0", "Returns the unique client ID of the connection.", "O(1)"),
    C("setname", cmd_client_setname, 3, NS | L | S | CX, "@slow @connection", 0, 0, 0, "connection", "2.6.9", "Sets the connection name.", "O(1)"),
    C("getname", cmd_client_getname, 2, NS | L | S | CX, "@slow @connection", 0, 0, 0, "connection", "2.6.9", "Returns the name of the connection.", "O(1)"),
    C("list", cmd_client_list, -2, A | NS | L | S | CX, "@admin @slow @dangerous @connection", 0, 0, 0, "connection", "2.4.0", "Lists open connections.", "O(N) where N is the number of client connections"),
    C("info", cmd_client_info, 2, NS | L | S | CX, "@slow @connection", 0, 0, 0, "connection", "6.2.0", "Returns information about the connection.", "O(1)"),
    C("kill", cmd_client_kill, -3, A | NS | L | S | CX, "@admin @slow @dangerous @connection", 0, 0, 0, "connection", "2.4.0", "Terminates open connections.", "O(N) where N is the number of client connections"),
    C("no-evict", cmd_client_no_evict, 3, A | NS | L | S | CX, "@admin @slow @dangerous @connection", 0, 0, 0, "connection", "7.0.0", "Sets the client eviction mode of the connection.", "O(1)"),
    C("no-touch", cmd_client_no_touch, 3, NS | L | S | CX, "@slow @connection", 0, 0, 0, "connection", "7.2.0", "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.", "O(1)"),
    C("reply", cmd_client_reply, 3, NS | L | S | CX, "@slow @connection", 0, 0, 0, "connection", "3.2.0", "Instructs the server whether to reply to commands.", "O(1)"),
    C("setinfo", cmd_client_setinfo, 4, NS | L | S | CX, "@slow @connection", 0, 0, 0, "connection", "7.2.0", "Sets information specific to the client or connection.", "O(1)"),
    C("help", cmd_client_help, 2, L | S | CX, "@slow @connection", 0, 0, 0, "connection", "5.0.0", "Returns helpful text about the different subcommands.", "O(1)"),
    END,
};

static command config_subcommands[] = {
    C("get", cmd_config_get, -3, A | NS | L | S | CX, "@admin @slow @dangerous", 0, 0, 0, "server", "2.0.0", "Returns the effective values of configuration parameters.", "O(N) when N is the number of configuration parameters provided"),
    C("set", cmd_config_set, -4, A | NS | L | S | CX, "@admin @slow @dangerous", 0, 0, 0, "server", "2.0.0", "Sets configuration parameters in-flight.", "O(N) when N is the number of configuration parameters provided"),
    C("resetstat", cmd_config_resetstat, 2, A | NS | L | S | CX, "@admin @slow @dangerous", 0, 0, 0, "server", "2.0.0", "Resets the server's statistics.", "O(1)"),
    C("rewrite", cmd_config_rewrite, 2, A | NS | L | S | CX, "@admin @slow @dangerous", 0, 0, 0, "server", "2.8.0", "Persists the effective configuration to file.", "O(1)"),
    C("help", cmd_config_help, 2, L | S | CX, "@slow", 0, 0, 0, "server", "5.0.0", "Returns helpful text about the different subcommands.", "O(1)"),
    END,
};

static command command_subcommands[] = {
    C("count", cmd_command_count, 2, L | S | CX, "@slow @connection", 0, 0, 0, "server", "2.8.13", "Returns a count of commands.", "O(1)"),
    C("info", cmd_command_info, -2, L | S | CX, "@slow @connection", 0, 0, 0, "server", "2.8.13", "Returns information about one, multiple or all commands.", "O(N) where N is the number of commands to look up"),
    C("docs", cmd_command_docs, -2, L | S | CX, "@slow @connection", 0, 0, 0, "server", "7.0.0", "Returns documentary information about one, multiple or all commands.", "O(N) where N is the number of commands to look up"),
    C("list", cmd_command_list, -2, L | S | CX, "@slow @connection", 0, 0, 0, "server", "7.0.0", "Returns a list of command names.", "O(N) where N is the total number of Redis commands"),
    C("getkeys", cmd_command_getkeys, -3, L | S | CX, "@slow @connection", 0, 0, 0, "server", "2.8.13", "Extracts the key names from an arbitrary command.", "O(N) where N is the number of arguments to the command"),
    C("getkeysandflags", cmd_command_getkeysandflags, -3, L | S | CX, "@slow @connection", 0, 0, 0, "server", "7.0.0", "Extracts the key names and access flags for an arbitrary command.", "O(N) where N is the number of arguments to the command"),
    C("help", cmd_command_help, 2, L | S | CX, "@slow @connection", 0, 0, 0, "server", "5.0.0", "Returns helpful text about the different subcommands.", "O(1)"),
    END,
};

static command slowlog_subcommands[] = {
    C("get", cmd_slowlog_get, -2, A | L | S | CX, "@admin @slow @dangerous", 0, 0, 0, "server", "2.2.12", "Returns the slow log's entries.", "O(N) where N is the number of entries returned"),
    C("len", cmd_slowlog_len, 2, A | L | S | CX, "@admin @slow @dangerous", 0, 0, 0, "server", "2.2.12", "Returns the number of entries in the slow log.", "O(1)"),
    C("reset", cmd_slowlog_reset, 2, A | L | S | CX, "@admin @slow @dangerous", 0, 0, 0, "server", "2.2.12", "Clears all entries from the slow log.", "O(N) where N is the number of entries in the slowlog"),
    C("help", cmd_slowlog_help, 2, L | S | CX, "@slow", 0, 0, 0, "server", "6.2.0", "Show helpful text about the different subcommands", "O(1)"),
    END,
};

static command latency_subcommands[] = {
    C("latest", cmd_latency_latest, 2, A | NS | L | S | CX, "@admin @slow @dangerous", 0, 0, 0, "server", "2.8.13", "Returns the latest latency samples for all events.", "O(1)"),
    C("history", cmd_latency_history, 3, A | NS | L | S | CX, "@admin @slow @dangerous", 0, 0, 0, "server", "2.8.13", "Returns timestamp-latency samples for an event.", "O(1)"),
    C("reset", cmd_latency_reset, -2, A | NS | L | S | CX, "@admin @slow @dangerous", 0, 0, 0, "server", "2.8.13", "Resets the latency data for one or more events.", "O(1)"),
    C("doctor", cmd_latency_doctor, 2, A | NS | L | S | CX, "@admin @slow @dangerous", 0, 0, 0, "server", "2.8.13", "Returns a human-readable latency analysis report.", "O(1)"),
    C("help", cmd_latency_help, 2, L | S | CX, "@slow", 0, 0, 0, "server", "2.8.13", "Returns helpful text about the different subcommands.", "O(1)"),
    END,
};

static command memory_subcommands[] = {
    C("usage", cmd_memory_usage, -3, R, "@read @slow", 2, 2, 1, "server", "4.0.0", "Estimates the memory usage of a key.", "O(N) where N is the number of samples."),
    C("stats", cmd_memory_stats, 2, CX, "@slow", 0, 0, 0, "server", "4.0.0", "Returns details about memory usage.", "O(1)"),
    C("doctor", cmd_memory_doctor, 2, CX, "@slow", 0, 0, 0, "server", "4.0.0", "Outputs a memory problems report.", "O(1)"),
    C("malloc-stats", cmd_memory_malloc_stats, 2, CX, "@slow", 0, 0, 0, "server", "4.0.0", "Returns the allocator statistics.", "Depends on how much memory is allocated, could be slow"),
    C("purge", cmd_memory_purge, 2, CX, "@slow", 0, 0, 0, "server", "4.0.0", "Asks the allocator to release memory.", "Depends on how much memory is allocated, could be slow"),
    C("help", cmd_memory_help, 2, L | S | CX, "@slow", 0, 0, 0, "server", "4.0.0", "Outputs helpful text about the different subcommands.", "O(1)"),
    END,
};

static command object_subcommands[] = {
    C("encoding", cmd_object_encoding, 3, R | RND, "@keyspace @read @slow", 2, 2, 1, "generic", "2.2.3", "Returns the internal encoding of a Redis object.", "O(1)"),
    C("freq", cmd_object_freq, 3, R | RND, "@keyspace @read @slow", 2, 2, 1, "generic", "4.0.0", "Returns the logarithmic access frequency counter of a Redis object.", "O(1)"),
    C("idletime", cmd_object_idletime, 3, R | RND, "@keyspace @read @slow", 2, 2, 1, "generic", "2.2.3", "Returns the time since the last access to a Redis object.", "O(1)"),
    C("refcount", cmd_object_refcount, 3, R | RND, "@keyspace @read @slow", 2, 2, 1, "generic", "2.2.3", "Returns the reference count of a value of a key.", "O(1)"),
    C("help", cmd_object_help, 2, L | S | CX, "@keyspace @slow", 0, 0, 0, "generic", "6.2.0", "Returns helpful text about the different subcommands.", "O(1)"),
    END,
};

static command raft_subcommands[] = {
    C("add", cmd_raft_add, -4, A | NS | S | CX | CMD_NO_MULTI, "@admin @slow @dangerous", 0, 0, 0, "server", "0.1.0", "Adds a node to the shard's Raft group (spare, standby or voter).", "O(1)"),
    C("assign", cmd_raft_assign, 4, A | NS | S | CX | CMD_NO_MULTI, "@admin @slow @dangerous", 0, 0, 0, "server", "0.1.0", "Changes the Raft role of a member.", "O(1)"),
    C("remove", cmd_raft_remove, 3, A | NS | S | CX | CMD_NO_MULTI, "@admin @slow @dangerous", 0, 0, 0, "server", "0.1.0", "Removes a member from the shard's Raft group.", "O(1)"),
    C("transfer", cmd_raft_transfer, -2, A | NS | S | CX | CMD_NO_MULTI, "@admin @slow @dangerous", 0, 0, 0, "server", "0.1.0", "Transfers Raft leadership to a caught-up voter.", "O(1)"),
    C("announce", cmd_raft_announce, 7, A | NS | S | CX, "@admin @slow @dangerous", 0, 0, 0, "server", "0.1.0", "Records a member's node id and client address in the member table.", "O(1)"),
    C("removed", cmd_raft_removed, 4, A | NS | S | CX, "@admin @slow @dangerous", 0, 0, 0, "server", "0.1.0", "Tells a node that the leader removed it from the shard.", "O(1)"),
    C("members", cmd_raft_members, 2, A | L | S | CX, "@admin @slow", 0, 0, 0, "server", "0.1.0", "Lists the shard's members, their roles and replication progress.", "O(N) where N is the number of members"),
    C("help", cmd_raft_help, 2, L | S | CX, "@slow", 0, 0, 0, "server", "0.1.0", "Returns helpful text about the different subcommands.", "O(1)"),
    END,
};

static command cluster_subcommands[] = {
    C("info", cmd_cluster_info, 2, S | RND | CX, "@slow", 0, 0, 0, "cluster", "3.0.0", "Returns information about the state of a node.", "O(1)"),
    C("slots", cmd_cluster_slots, 2, S | RND | CX, "@slow", 0, 0, 0, "cluster", "3.0.0", "Returns the mapping of cluster slots to nodes.", "O(N) where N is the total number of Cluster nodes"),
    C("shards", cmd_cluster_shards, 2, S | RND | CX, "@slow", 0, 0, 0, "cluster", "7.0.0", "Returns the mapping of cluster slots to shards.", "O(N) where N is the total number of cluster nodes"),
    C("nodes", cmd_cluster_nodes, 2, S | RND | CX, "@slow", 0, 0, 0, "cluster", "3.0.0", "Returns the cluster configuration for a node.", "O(N) where N is the total number of Cluster nodes"),
    C("replicas", cmd_cluster_replicas, 3, A | S | RND | CX, "@admin @slow @dangerous", 0, 0, 0, "cluster", "5.0.0", "Lists the replica nodes of a master node.", "O(N) where N is the number of replicas."),
    C("slaves", cmd_cluster_replicas, 3, A | S | RND | CX, "@admin @slow @dangerous", 0, 0, 0, "cluster", "3.0.0", "Lists the replica nodes of a master node.", "O(N) where N is the number of replicas."),
    C("myid", cmd_cluster_myid, 2, S | CX, "@slow", 0, 0, 0, "cluster", "3.0.0", "Returns the ID of a node.", "O(1)"),
    C("myshardid", cmd_cluster_myshardid, 2, S | RND | CX, "@slow", 0, 0, 0, "cluster", "7.2.0", "Returns the shard ID of a node.", "O(1)"),
    C("keyslot", cmd_cluster_keyslot, 3, S | CX, "@slow", 0, 0, 0, "cluster", "3.0.0", "Returns the hash slot for a key.", "O(N) where N is the number of bytes in the key"),
    C("countkeysinslot", cmd_cluster_countkeysinslot, 3, S | CX, "@slow", 0, 0, 0, "cluster", "3.0.0", "Returns the number of keys in a hash slot.", "O(1)"),
    C("getkeysinslot", cmd_cluster_getkeysinslot, 4, S | RND | CX, "@slow", 0, 0, 0, "cluster", "3.0.0", "Returns the key names in a hash slot.", "O(N) where N is the number of requested keys"),
    C("links", cmd_cluster_links, 2, S | RND | CX, "@slow", 0, 0, 0, "cluster", "7.0.0", "Returns a list of all TCP links to and from peer nodes.", "O(N) where N is the total number of Cluster nodes"),
    C("failover", cmd_cluster_failover, -2, A | S | CX, "@admin @slow @dangerous", 0, 0, 0, "cluster", "3.0.0", "Forces a replica to perform a manual failover of its master.", "O(1)"),
    C("help", cmd_cluster_help, 2, L | S | CX, "@slow", 0, 0, 0, "cluster", "5.0.0", "Returns helpful text about the different subcommands.", "O(1)"),
    C("settopology", cmd_cluster_settopology, 3, A | NS | S | CX, "@admin @slow @dangerous", 0, 0, 0, "cluster", "7.0.0", "Installs a newer cluster topology pushed by the sentinels (redraft).", "O(N) where N is the size of the topology"),
    C("gettopology", cmd_cluster_gettopology, 2, A | NS | S | CX, "@admin @slow @dangerous", 0, 0, 0, "cluster", "7.0.0", "Returns the cluster topology this node holds (redraft).", "O(N) where N is the size of the topology"),
    END,
};

/* Internal node-to-node messages (clusterbus_cmds.c, peer_links.h): admin, outside the
 * Raft log (neither write nor readonly), hidden from MONITOR and the slowlog. */
#define BUS (A | NS | L | S | CX | CMD_SKIP_MONITOR | CMD_SKIP_SLOWLOG)
static command clusterbus_subcommands[] = {
    C("leader", cmd_clusterbus_leader, 5, BUS | F, "@admin @fast @dangerous", 0, 0, 0, "cluster", "0.1.0", "Announces a shard's Raft leader to a peer node (redraft internal).", "O(1)"),
    C("publish", cmd_clusterbus_publish, 4, BUS, "@admin @slow @dangerous", 0, 0, 0, "cluster", "0.1.0", "Delivers a message published on a peer node to local subscribers (redraft internal).", "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client)."),
    C("spublish", cmd_clusterbus_spublish, 4, BUS, "@admin @slow @dangerous", 0, 0, 0, "cluster", "0.1.0", "Delivers a shard message published on a peer node to local subscribers (redraft internal).", "O(N) where N is the number of clients subscribed to the receiving shard channel."),
    C("help", cmd_clusterbus_help, 2, L | S | CX, "@slow", 0, 0, 0, "cluster", "0.1.0", "Returns helpful text about the different subcommands.", "O(1)"),
    END,
};

static command pubsub_subcommands[] = {
    C("channels", cmd_pubsub_channels, -2, CMD_PUBSUB | L | S | CX, "@pubsub @slow", 0, 0, 0, "pubsub", "2.8.0", "Returns the active channels.", "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)"),
    C("numsub", cmd_pubsub_numsub, -2, CMD_PUBSUB | L | S | CX, "@pubsub @slow", 0, 0, 0, "pubsub", "2.8.0", "Returns a count of subscribers to channels.", "O(N) for the NUMSUB subcommand, where N is the number of requested channels"),
    C("numpat", cmd_pubsub_numpat, 2, CMD_PUBSUB | L | S | CX, "@pubsub @slow", 0, 0, 0, "pubsub", "2.8.0", "Returns a count of unique pattern subscriptions.", "O(1)"),
    C("shardchannels", cmd_pubsub_shardchannels, -2, CMD_PUBSUB | L | S | CX, "@pubsub @slow", 0, 0, 0, "pubsub", "7.0.0", "Returns the active shard channels.", "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels)."),
    C("shardnumsub", cmd_pubsub_shardnumsub, -2, CMD_PUBSUB | L | S | CX, "@pubsub @slow", 0, 0, 0, "pubsub", "7.0.0", "Returns the count of subscribers of shard channels.", "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels"),
    C("help", cmd_pubsub_help, 2, L | S | CX, "@slow", 0, 0, 0, "pubsub", "6.2.0", "Returns helpful text about the different subcommands.", "O(1)"),
    END,
};

/* @subtables@ (container commands' subcommand tables go above this line) */

/* SENTINEL: only in sentinel mode (redraft-sentinel). Its implementation is in
 * sentinel/sentinel_cmds.c, linked only into that binary: a weak reference here. */
extern void cmd_sentinel(exec_ctx *c) __attribute__((weak));
#define SNT(name, arity, summary) \
    C(name, cmd_sentinel, arity, A | L | S | CX | CMD_ONLY_SENTINEL, "@admin @slow @dangerous", 0, 0, 0, "sentinel", "2.8.4", summary, "O(N)")

static command sentinel_subcommands[] = {
    SNT("ckquorum", 3, "Checks for a Redis Sentinel quorum."),
    SNT("config", -3, "Configures Redis Sentinel."),
    SNT("debug", -2, "Lists or updates the current configurable parameters of Redis Sentinel."),
    SNT("failover", 3, "Forces a Redis Sentinel failover."),
    SNT("flushconfig", 2, "Rewrites the Redis Sentinel configuration file."),
    SNT("get-master-addr-by-name", 3, "Returns the port and address of a master Redis instance."),
    SNT("help", 2, "Returns helpful text about the different subcommands."),
    SNT("info-cache", -3, "Returns the cached `INFO` replies from the deployment's instances."),
    SNT("is-master-down-by-addr", 6, "Determines whether a master Redis instance is down."),
    SNT("master", 3, "Returns the state of a master Redis instance."),
    SNT("masters", 2, "Returns a list of monitored Redis masters."),
    SNT("monitor", 6, "Starts monitoring."),
    SNT("myid", 2, "Returns the Redis Sentinel instance ID."),
    SNT("pending-scripts", 2, "Returns information about pending scripts for Redis Sentinel."),
    SNT("remove", 3, "Stops monitoring."),
    SNT("replicas", 3, "Returns a list of the monitored Redis replicas."),
    SNT("reset", 3, "Resets Redis masters by name matching a pattern."),
    SNT("sentinels", 3, "Returns a list of Sentinel instances."),
    SNT("set", -5, "Changes the configuration of a monitored Redis master."),
    SNT("simulate-failure", -3, "Simulates failover scenarios."),
    SNT("slaves", 3, "Returns a list of the monitored replicas."),
    END,
};

static command command_table[] = {
    /* connection */
    C("ping", cmd_ping, -1, F | S | CX | SN, "@fast @connection", 0, 0, 0, "connection", "1.0.0", "Returns the server's liveliness response.", "O(1)"),
    C("echo", cmd_echo, 2, F | L | S | CX, "@fast @connection", 0, 0, 0, "connection", "1.0.0", "Returns the given string.", "O(1)"),
    C("hello", cmd_hello, -1, NS | L | S | F | NA | CX | SN, "@fast @connection", 0, 0, 0, "connection", "6.0.0", "Handshakes with the Redis server.", "O(1)"),
    C("quit", cmd_quit, -1, NS | L | S | F | NA | CX, "@fast @connection", 0, 0, 0, "connection", "1.0.0", "Closes the connection.", "O(1)"),
    C("reset", cmd_reset, 1, NS | L | S | F | NA | CX, "@fast @connection", 0, 0, 0, "connection", "6.2.0", "Resets the connection.", "O(1)"),
    C("select", cmd_select, 2, L | S | F | CX, "@fast @connection", 0, 0, 0, "connection", "1.0.0", "Changes the selected database.", "O(1)"),
    C("auth", cmd_auth, -2, NS | L | S | F | NA | CX | SN, "@fast @connection", 0, 0, 0, "connection", "1.0.0", "Authenticates the connection.", "O(N) where N is the number of passwords defined for the user"),
    CS("client", -2, S | CX | SN, "@slow", "connection", "2.4.0", "A container for client connection commands.", client_subcommands),
    /* server */
    C("info", cmd_info, -1, L | S | CX | SN, "@slow @dangerous", 0, 0, 0, "server", "1.0.0", "Returns information and statistics about the server.", "O(1)"),
    C("dbsize", cmd_dbsize, 1, R | F, "@keyspace @read @fast", 0, 0, 0, "server", "1.0.0", "Returns the number of keys in the database.", "O(1)"),
    C("flushdb", cmd_flushdb, -1, W, "@keyspace @write @slow @dangerous", 0, 0, 0, "server", "1.0.0", "Removes all keys from the current database.", "O(N) where N is the number of keys in the selected database"),
    C("flushall", cmd_flushall, -1, W, "@keyspace @write @slow @dangerous", 0, 0, 0, "server", "1.0.0", "Removes all keys from all databases.", "O(N) where N is the total number of keys in all databases"),
    C("time", cmd_time, 1, L | S | F | RND | CX, "@fast", 0, 0, 0, "server", "2.6.0", "Returns the server time.", "O(1)"),
    {"command", cmd_command, -1, L | S | CX | SN, "@slow @connection", 0, 0, 0, "server", "2.8.13", "Returns detailed information about all commands.", "O(N) where N is the total number of Redis commands", command_subcommands, "", NULL, {0, 0, 0, 0}, 0},
    CS("config", -2, CX, "@slow", "server", "2.0.0", "A container for server configuration commands.", config_subcommands),
    CS("slowlog", -2, CX, "@slow", "server", "2.2.12", "A container for slow log commands.", slowlog_subcommands),
    CS("latency", -2, CX, "@slow", "server", "2.8.13", "A container for latency diagnostics commands.", latency_subcommands),
    C("monitor", cmd_monitor, 1, A | NS | L | S | CX, "@admin @slow @dangerous", 0, 0, 0, "server", "1.0.0", "Listens for all requests received by the server in real-time.", "O(1)"),
    CS("memory", -2, CX, "@slow", "server", "4.0.0", "A container for memory diagnostics commands.", memory_subcommands),
    C("shutdown", cmd_shutdown, -1, A | NS | L | S | CX | SN, "@admin @slow @dangerous", 0, 0, 0, "server", "1.0.0", "Synchronously saves the database(s) to disk and shuts down the Redis server.", "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)"),
    C("lastsave", cmd_lastsave, 1, L | S | F | RND | CX, "@fast @dangerous", 0, 0, 0, "server", "1.0.0", "Returns the Unix timestamp of the last successful save to disk.", "O(1)"),
    /* generic keyspace */
    C("del", cmd_del, -2, W, "@keyspace @write @slow", 1, -1, 1, "generic", "1.0.0", "Deletes one or more keys.", "O(N) where N is the number of keys that will be removed."),
    C("unlink", cmd_unlink, -2, W | F, "@keyspace @write @fast", 1, -1, 1, "generic", "4.0.0", "Asynchronously deletes one or more keys.", "O(1) for each key removed regardless of its size."),
    C("exists", cmd_exists, -2, R | F, "@keyspace @read @fast", 1, -1, 1, "generic", "1.0.0", "Determines whether one or more keys exist.", "O(N) where N is the number of keys to check."),
    C("type", cmd_type, 2, R | F, "@keyspace @read @fast", 1, 1, 1, "generic", "1.0.0", "Determines the type of value stored at a key.", "O(1)"),
    C("expire", cmd_expire, -3, W | F, "@keyspace @write @fast", 1, 1, 1, "generic", "1.0.0", "Sets the expiration time of a key in seconds.", "O(1)"),
    C("pexpire", cmd_pexpire, -3, W | F, "@keyspace @write @fast", 1, 1, 1, "generic", "2.6.0", "Sets the expiration time of a key in milliseconds.", "O(1)"),
    C("expireat", cmd_expireat, -3, W | F, "@keyspace @write @fast", 1, 1, 1, "generic", "1.2.0", "Sets the expiration time of a key to a Unix timestamp.", "O(1)"),
    C("pexpireat", cmd_pexpireat, -3, W | F, "@keyspace @write @fast", 1, 1, 1, "generic", "2.6.0", "Sets the expiration time of a key to a Unix milliseconds timestamp.", "O(1)"),
    C("ttl", cmd_ttl, 2, R | F | RND, "@keyspace @read @fast", 1, 1, 1, "generic", "1.0.0", "Returns the expiration time in seconds of a key.", "O(1)"),
    C("pttl", cmd_pttl, 2, R | F | RND, "@keyspace @read @fast", 1, 1, 1, "generic", "2.6.0", "Returns the expiration time in milliseconds of a key.", "O(1)"),
    C("expiretime", cmd_expiretime, 2, R | F, "@keyspace @read @fast", 1, 1, 1, "generic", "7.0.0", "Returns the expiration time of a key as a Unix timestamp.", "O(1)"),
    C("pexpiretime", cmd_pexpiretime, 2, R | F, "@keyspace @read @fast", 1, 1, 1, "generic", "7.0.0", "Returns the expiration time of a key as a Unix milliseconds timestamp.", "O(1)"),
    C("persist", cmd_persist, 2, W | F, "@keyspace @write @fast", 1, 1, 1, "generic", "2.2.0", "Removes the expiration time of a key.", "O(1)"),
    C("keys", cmd_keys, 2, R, "@keyspace @read @slow @dangerous", 0, 0, 0, "generic", "1.0.0", "Returns all key names that match a pattern.", "O(N) with N being the number of keys in the database"),
    C("scan", cmd_scan, -2, R | RND, "@keyspace @read @slow", 0, 0, 0, "generic", "2.8.0", "Iterates over the key names in the database.", "O(1) for every call. O(N) for a complete iteration."),
    C("rename", cmd_rename, 3, W, "@keyspace @write @slow", 1, 2, 1, "generic", "1.0.0", "Renames a key and overwrites the destination.", "O(1)"),
    C("renamenx", cmd_renamenx, 3, W | F, "@keyspace @write @fast", 1, 2, 1, "generic", "1.0.0", "Renames a key only when the target key name doesn't exist.", "O(1)"),
    C("randomkey", cmd_randomkey, 1, R | RND, "@keyspace @read @slow", 0, 0, 0, "generic", "1.0.0", "Returns a random key name from the database.", "O(1)"),
    C("copy", cmd_copy, -3, W | D, "@keyspace @write @slow", 1, 2, 1, "generic", "6.2.0", "Copies the value of a key to a new key.", "O(N) worst case for collections, where N is the number of nested items. O(1) for string values."),
    C("touch", cmd_touch, -2, R | F, "@keyspace @read @fast", 1, -1, 1, "generic", "3.2.1", "Returns the number of existing keys out of those specified after updating the time they were last accessed.", "O(N) where N is the number of keys that will be touched."),
    CS("object", -2, 0, "@slow", "generic", "2.2.3", "A container for object introspection commands.", object_subcommands),
    /* strings */
    C("get", cmd_get, 2, R | F, "@read @string @fast", 1, 1, 1, "string", "1.0.0", "Returns the string value of a key.", "O(1)"),
    C("set", cmd_set, -3, W | D, "@write @string @slow", 1, 1, 1, "string", "1.0.0", "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.", "O(1)"),
    C("setex", cmd_setex, 4, W | D, "@write @string @slow", 1, 1, 1, "string", "2.0.0", "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.", "O(1)"),
    C("psetex", cmd_psetex, 4, W | D, "@write @string @slow", 1, 1, 1, "string", "2.6.0", "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.", "O(1)"),
    C("setnx", cmd_setnx, 3, W | D | F, "@write @string @fast", 1, 1, 1, "string", "1.0.0", "Set the string value of a key only when the key doesn't exist.", "O(1)"),
    C("getset", cmd_getset, 3, W | D | F, "@write @string @fast", 1, 1, 1, "string", "1.0.0", "Returns the previous string value of a key after setting it to a new value.", "O(1)"),
    C("getdel", cmd_getdel, 2, W | F, "@write @string @fast", 1, 1, 1, "string", "6.2.0", "Returns the string value of a key after deleting the key.", "O(1)"),
    C("getex", cmd_getex, -2, W | F, "@write @string @fast", 1, 1, 1, "string", "6.2.0", "Returns the string value of a key after setting its expiration time.", "O(1)"),
    C("mget", cmd_mget, -2, R | F, "@read @string @fast", 1, -1, 1, "string", "1.0.0", "Atomically returns the string values of one or more keys.", "O(N) where N is the number of keys to retrieve."),
    C("mset", cmd_mset, -3, W | D, "@write @string @slow", 1, -1, 2, "string", "1.0.1", "Atomically creates or modifies the string values of one or more keys.", "O(N) where N is the number of keys to set."),
    C("msetnx", cmd_msetnx, -3, W | D, "@write @string @slow", 1, -1, 2, "string", "1.0.1", "Atomically modifies the string values of one or more keys only when all keys don't exist.", "O(N) where N is the number of keys to set."),
    C("append", cmd_append, 3, W | D | F, "@write @string @fast", 1, 1, 1, "string", "2.0.0", "Appends a string to the value of a key. Creates the key if it doesn't exist.", "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation."),
    C("strlen", cmd_strlen, 2, R | F, "@read @string @fast", 1, 1, 1, "string", "2.2.0", "Returns the length of a string value.", "O(1)"),
    C("getrange", cmd_getrange, 4, R, "@read @string @slow", 1, 1, 1, "string", "2.4.0", "Returns a substring of the string stored at a key.", "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings."),
    C("substr", cmd_getrange, 4, R, "@read @string @slow", 1, 1, 1, "string", "1.0.0", "Returns a substring from a string value.", "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings."),
    C("setrange", cmd_setrange, 4, W | D, "@write @string @slow", 1, 1, 1, "string", "2.2.0", "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.", "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument."),
    C("incr", cmd_incr, 2, W | D | F, "@write @string @fast", 1, 1, 1, "string", "1.0.0", "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", "O(1)"),
    C("decr", cmd_decr, 2, W | D | F, "@write @string @fast", 1, 1, 1, "string", "1.0.0", "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", "O(1)"),
    C("incrby", cmd_incrby, 3, W | D | F, "@write @string @fast", 1, 1, 1, "string", "1.0.0", "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.", "O(1)"),
    C("decrby", cmd_decrby, 3, W | D | F, "@write @string @fast", 1, 1, 1, "string", "1.0.0", "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.", "O(1)"),
    C("incrbyfloat", cmd_incrbyfloat, 3, W | D | F, "@write @string @fast", 1, 1, 1, "string", "2.6.0", "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.", "O(1)"),
    C("lcs", cmd_lcs, -3, R, "@read @string @slow", 1, 2, 1, "string", "7.0.0", "Finds the longest common substring.", "O(N*M) where N and M are the lengths of s1 and s2, respectively"),
    /* lists (t_list.c) */
    C("lpush", cmd_lpush, -3, W | D | F, "@write @list @fast", 1, 1, 1, "list", "1.0.0", "Prepends one or more elements to a list. Creates the key if it doesn't exist.", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."),
    C("rpush", cmd_rpush, -3, W | D | F, "@write @list @fast", 1, 1, 1, "list", "1.0.0", "Appends one or more elements to a list. Creates the key if it doesn't exist.", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."),
    C("lpushx", cmd_lpushx, -3, W | D | F, "@write @list @fast", 1, 1, 1, "list", "2.2.0", "Prepends one or more elements to a list only when the list exists.", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."),
    C("rpushx", cmd_rpushx, -3, W | D | F, "@write @list @fast", 1, 1, 1, "list", "2.2.0", "Appends an element to a list only when the list exists.", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."),
    C("lpop", cmd_lpop, -2, W | F, "@write @list @fast", 1, 1, 1, "list", "1.0.0", "Returns the first elements in a list after removing it. Deletes the list if the last element was popped.", "O(N) where N is the number of elements returned"),
    C("rpop", cmd_rpop, -2, W | F, "@write @list @fast", 1, 1, 1, "list", "1.0.0", "Returns and removes the last elements of the list. Deletes the list if the last element was popped.", "O(N) where N is the number of elements returned"),
    C("llen", cmd_llen, 2, R | F, "@read @list @fast", 1, 1, 1, "list", "1.0.0", "Returns the length of a list.", "O(1)"),
    C("lrange", cmd_lrange, 4, R, "@read @list @slow", 1, 1, 1, "list", "1.0.0", "Returns a range of elements from a list.", "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range."),
    C("lindex", cmd_lindex, 3, R, "@read @list @slow", 1, 1, 1, "list", "1.0.0", "Returns an element from a list by its index.", "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1)."),
    C("lset", cmd_lset, 4, W | D, "@write @list @slow", 1, 1, 1, "list", "1.0.0", "Sets the value of an element in a list by its index.", "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1)."),
    C("linsert", cmd_linsert, 5, W | D, "@write @list @slow", 1, 1, 1, "list", "2.2.0", "Inserts an element before or after another element in a list.", "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N)."),
    C("lrem", cmd_lrem, 4, W, "@write @list @slow", 1, 1, 1, "list", "1.0.0", "Removes elements from a list. Deletes the list if the last element was removed.", "O(N+M) where N is the length of the list and M is the number of elements removed."),
    C("ltrim", cmd_ltrim, 4, W, "@write @list @slow", 1, 1, 1, "list", "1.0.0", "Removes elements from both ends a list. Deletes the list if all elements were trimmed.", "O(N) where N is the number of elements to be removed by the operation."),
    C("lpos", cmd_lpos, -3, R, "@read @list @slow", 1, 1, 1, "list", "6.0.6", "Returns the index of matching elements in a list.", "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time."),
    C("lmove", cmd_lmove, 5, W | D, "@write @list @slow", 1, 2, 1, "list", "6.2.0", "Returns an element after popping it from one list and pushing it to another. Deletes the list if the last element was moved.", "O(1)"),
    C("rpoplpush", cmd_rpoplpush, 3, W | D, "@write @list @slow", 1, 2, 1, "list", "1.2.0", "Returns the last element of a list after removing and pushing it to another list. Deletes the list if the last element was popped.", "O(1)"),
    /* LMPOP's keys follow numkeys (Redis: movablekeys); the legacy spec cannot say so. */
    C("lmpop", cmd_lmpop, -4, W, "@write @list @slow", 0, 0, 0, "list", "7.0.0", "Returns multiple elements from a list after removing them. Deletes the list if the last element was popped.", "O(N+M) where N is the number of provided keys and M is the number of elements returned."),
    /* @table:lists@ */
    /* hashes (t_hash.c) */
    C("hset", cmd_hset, -4, W | D | F, "@write @hash @fast", 1, 1, 1, "hash", "2.0.0", "Creates or modifies the value of a field in a hash.", "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs."),
    C("hsetnx", cmd_hsetnx, 4, W | D | F, "@write @hash @fast", 1, 1, 1, "hash", "2.0.0", "Sets the value of a field in a hash only when the field doesn't exist.", "O(1)"),
    C("hget", cmd_hget, 3, R | F, "@read @hash @fast", 1, 1, 1, "hash", "2.0.0", "Returns the value of a field in a hash.", "O(1)"),
    C("hmget", cmd_hmget, -3, R | F, "@read @hash @fast", 1, 1, 1, "hash", "2.0.0", "Returns the values of all fields in a hash.", "O(N) where N is the number of fields being requested."),
    C("hmset", cmd_hmset, -4, W | D | F, "@write @hash @fast", 1, 1, 1, "hash", "2.0.0", "Sets the values of multiple fields.", "O(N) where N is the number of fields being set."),
    C("hdel", cmd_hdel, -3, W | F, "@write @hash @fast", 1, 1, 1, "hash", "2.0.0", "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.", "O(N) where N is the number of fields to be removed."),
    C("hlen", cmd_hlen, 2, R | F, "@read @hash @fast", 1, 1, 1, "hash", "2.0.0", "Returns the number of fields in a hash.", "O(1)"),
    C("hstrlen", cmd_hstrlen, 3, R | F, "@read @hash @fast", 1, 1, 1, "hash", "3.2.0", "Returns the length of the value of a field.", "O(1)"),
    C("hexists", cmd_hexists, 3, R | F, "@read @hash @fast", 1, 1, 1, "hash", "2.0.0", "Determines whether a field exists in a hash.", "O(1)"),
    C("hkeys", cmd_hkeys, 2, R | CMD_SORT_FOR_SCRIPT, "@read @hash @slow", 1, 1, 1, "hash", "2.0.0", "Returns all fields in a hash.", "O(N) where N is the size of the hash."),
    C("hvals", cmd_hvals, 2, R | CMD_SORT_FOR_SCRIPT, "@read @hash @slow", 1, 1, 1, "hash", "2.0.0", "Returns all values in a hash.", "O(N) where N is the size of the hash."),
    C("hgetall", cmd_hgetall, 2, R | CMD_SORT_FOR_SCRIPT, "@read @hash @slow", 1, 1, 1, "hash", "2.0.0", "Returns all fields and values in a hash.", "O(N) where N is the size of the hash."),
    C("hincrby", cmd_hincrby, 4, W | D | F, "@write @hash @fast", 1, 1, 1, "hash", "2.0.0", "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.", "O(1)"),
    C("hincrbyfloat", cmd_hincrbyfloat, 4, W | D | F, "@write @hash @fast", 1, 1, 1, "hash", "2.6.0", "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.", "O(1)"),
    C("hrandfield", cmd_hrandfield, -2, R | RND, "@read @hash @slow", 1, 1, 1, "hash", "6.2.0", "Returns one or more random fields from a hash.", "O(N) where N is the number of fields returned"),
    C("hscan", cmd_hscan, -3, R | RND, "@read @hash @slow", 1, 1, 1, "hash", "2.8.0", "Iterates over fields and values of a hash.", "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection."),
    /* @table:hashes@ */
    /* sets (t_set.c) */
    C("sadd", cmd_sadd, -3, W | D | F, "@write @set @fast", 1, 1, 1, "set", "1.0.0", "Adds one or more members to a set. Creates the key if it doesn't exist.", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."),
    C("srem", cmd_srem, -3, W | F, "@write @set @fast", 1, 1, 1, "set", "1.0.0", "Removes one or more members from a set. Deletes the set if the last member was removed.", "O(N) where N is the number of members to be removed."),
    C("scard", cmd_scard, 2, R | F, "@read @set @fast", 1, 1, 1, "set", "1.0.0", "Returns the number of members in a set.", "O(1)"),
    C("sismember", cmd_sismember, 3, R | F, "@read @set @fast", 1, 1, 1, "set", "1.0.0", "Determines whether a member belongs to a set.", "O(1)"),
    C("smismember", cmd_smismember, -3, R | F, "@read @set @fast", 1, 1, 1, "set", "6.2.0", "Determines whether multiple members belong to a set.", "O(N) where N is the number of elements being checked for membership"),
    C("smembers", cmd_smembers, 2, R | CMD_SORT_FOR_SCRIPT, "@read @set @slow", 1, 1, 1, "set", "1.0.0", "Returns all members of a set.", "O(N) where N is the set cardinality."),
    C("spop", cmd_spop, -2, W | F | RND, "@write @set @fast", 1, 1, 1, "set", "1.0.0", "Returns one or more random members from a set after removing them. Deletes the set if the last member was popped.", "Without the count argument O(1), otherwise O(N) where N is the value of the passed count."),
    C("srandmember", cmd_srandmember, -2, R | RND, "@read @set @slow", 1, 1, 1, "set", "1.0.0", "Get one or multiple random members from a set", "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count."),
    C("smove", cmd_smove, 4, W | F, "@write @set @fast", 1, 2, 1, "set", "1.0.0", "Moves a member from one set to another.", "O(1)"),
    C("sinter", cmd_sinter, -2, R | CMD_SORT_FOR_SCRIPT, "@read @set @slow", 1, -1, 1, "set", "1.0.0", "Returns the intersect of multiple sets.", "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."),
    C("sinterstore", cmd_sinterstore, -3, W | D, "@write @set @slow", 1, -1, 1, "set", "1.0.0", "Stores the intersect of multiple sets in a key.", "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."),
    C("sintercard", cmd_sintercard, -3, R, "@read @set @slow", 0, 0, 0, "set", "7.0.0", "Returns the number of members of the intersect of multiple sets.", "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."),
    C("sunion", cmd_sunion, -2, R | CMD_SORT_FOR_SCRIPT, "@read @set @slow", 1, -1, 1, "set", "1.0.0", "Returns the union of multiple sets.", "O(N) where N is the total number of elements in all given sets."),
    C("sunionstore", cmd_sunionstore, -3, W | D, "@write @set @slow", 1, -1, 1, "set", "1.0.0", "Stores the union of multiple sets in a key.", "O(N) where N is the total number of elements in all given sets."),
    C("sdiff", cmd_sdiff, -2, R | CMD_SORT_FOR_SCRIPT, "@read @set @slow", 1, -1, 1, "set", "1.0.0", "Returns the difference of multiple sets.", "O(N) where N is the total number of elements in all given sets."),
    C("sdiffstore", cmd_sdiffstore, -3, W | D, "@write @set @slow", 1, -1, 1, "set", "1.0.0", "Stores the difference of multiple sets in a key.", "O(N) where N is the total number of elements in all given sets."),
    C("sscan", cmd_sscan, -3, R | RND, "@read @set @slow", 1, 1, 1, "set", "2.8.0", "Iterates over members of a set.", "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection."),
    /* @table:sets@ */
    /* sorted sets (t_zset.c) */
    C("zadd", cmd_zadd, -4, W | D | F, "@write @sortedset @fast", 1, 1, 1, "sorted_set", "1.2.0", "Adds one or more members to a sorted set, or updates their scores. Creates the key if it doesn't exist.", "O(log(N)) for each item added, where N is the number of elements in the sorted set."),
    C("zincrby", cmd_zincrby, 4, W | D | F, "@write @sortedset @fast", 1, 1, 1, "sorted_set", "1.2.0", "Increments the score of a member in a sorted set.", "O(log(N)) where N is the number of elements in the sorted set."),
    C("zrem", cmd_zrem, -3, W | F, "@write @sortedset @fast", 1, 1, 1, "sorted_set", "1.2.0", "Removes one or more members from a sorted set. Deletes the sorted set if all members were removed.", "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed."),
    C("zcard", cmd_zcard, 2, R | F, "@read @sortedset @fast", 1, 1, 1, "sorted_set", "1.2.0", "Returns the number of members in a sorted set.", "O(1)"),
    C("zcount", cmd_zcount, 4, R | F, "@read @sortedset @fast", 1, 1, 1, "sorted_set", "2.0.0", "Returns the count of members in a sorted set that have scores within a range.", "O(log(N)) with N being the number of elements in the sorted set."),
    C("zlexcount", cmd_zlexcount, 4, R | F, "@read @sortedset @fast", 1, 1, 1, "sorted_set", "2.8.9", "Returns the number of members in a sorted set within a lexicographical range.", "O(log(N)) with N being the number of elements in the sorted set."),
    C("zscore", cmd_zscore, 3, R | F, "@read @sortedset @fast", 1, 1, 1, "sorted_set", "1.2.0", "Returns the score of a member in a sorted set.", "O(1)"),
    C("zmscore", cmd_zmscore, -3, R | F, "@read @sortedset @fast", 1, 1, 1, "sorted_set", "6.2.0", "Returns the score of one or more members in a sorted set.", "O(N) where N is the number of members being requested."),
    C("zrank", cmd_zrank, -3, R | F, "@read @sortedset @fast", 1, 1, 1, "sorted_set", "2.0.0", "Returns the index of a member in a sorted set ordered by ascending scores.", "O(log(N))"),
    C("zrevrank", cmd_zrevrank, -3, R | F, "@read @sortedset @fast", 1, 1, 1, "sorted_set", "2.0.0", "Returns the index of a member in a sorted set ordered by descending scores.", "O(log(N))"),
    C("zrange", cmd_zrange, -4, R, "@read @sortedset @slow", 1, 1, 1, "sorted_set", "1.2.0", "Returns members in a sorted set within a range of indexes.", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned."),
    C("zrangestore", cmd_zrangestore, -5, W | D, "@write @sortedset @slow", 1, 2, 1, "sorted_set", "6.2.0", "Stores a range of members from sorted set in a key.", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key."),
    C("zrevrange", cmd_zrevrange, -4, R, "@read @sortedset @slow", 1, 1, 1, "sorted_set", "1.2.0", "Returns members in a sorted set within a range of indexes in reverse order.", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned."),
    C("zrangebyscore", cmd_zrangebyscore, -4, R, "@read @sortedset @slow", 1, 1, 1, "sorted_set", "1.0.5", "Returns members in a sorted set within a range of scores.", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))."),
    C("zrevrangebyscore", cmd_zrevrangebyscore, -4, R, "@read @sortedset @slow", 1, 1, 1, "sorted_set", "2.2.0", "Returns members in a sorted set within a range of scores in reverse order.", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))."),
    C("zrangebylex", cmd_zrangebylex, -4, R, "@read @sortedset @slow", 1, 1, 1, "sorted_set", "2.8.9", "Returns members in a sorted set within a lexicographical range.", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))."),
    C("zrevrangebylex", cmd_zrevrangebylex, -4, R, "@read @sortedset @slow", 1, 1, 1, "sorted_set", "2.8.9", "Returns members in a sorted set within a lexicographical range in reverse order.", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))."),
    C("zremrangebyrank", cmd_zremrangebyrank, 4, W, "@write @sortedset @slow", 1, 1, 1, "sorted_set", "2.0.0", "Removes members in a sorted set within a range of indexes. Deletes the sorted set if all members were removed.", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation."),
    C("zremrangebyscore", cmd_zremrangebyscore, 4, W, "@write @sortedset @slow", 1, 1, 1, "sorted_set", "1.2.0", "Removes members in a sorted set within a range of scores. Deletes the sorted set if all members were removed.", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation."),
    C("zremrangebylex", cmd_zremrangebylex, 4, W, "@write @sortedset @slow", 1, 1, 1, "sorted_set", "2.8.9", "Removes members in a sorted set within a lexicographical range. Deletes the sorted set if all members were removed.", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation."),
    C("zpopmin", cmd_zpopmin, -2, W | F, "@write @sortedset @fast", 1, 1, 1, "sorted_set", "5.0.0", "Returns the lowest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.", "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped."),
    C("zpopmax", cmd_zpopmax, -2, W | F, "@write @sortedset @fast", 1, 1, 1, "sorted_set", "5.0.0", "Returns the highest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.", "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped."),
    /* ZMPOP, ZUNION, ZINTER, ZDIFF, ZINTERCARD: keys follow numkeys (Redis: movablekeys);
     * the legacy spec cannot say so. The STORE forms' legacy spec is the destination. */
    C("zmpop", cmd_zmpop, -4, W, "@write @sortedset @slow", 0, 0, 0, "sorted_set", "7.0.0", "Returns the highest- or lowest-scoring members from one or more sorted sets after removing them. Deletes the sorted set if the last member was popped.", "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped."),
    C("zrandmember", cmd_zrandmember, -2, R | RND, "@read @sortedset @slow", 1, 1, 1, "sorted_set", "6.2.0", "Returns one or more random members from a sorted set.", "O(N) where N is the number of members returned"),
    C("zunion", cmd_zunion, -3, R, "@read @sortedset @slow", 0, 0, 0, "sorted_set", "6.2.0", "Returns the union of multiple sorted sets.", "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set."),
    C("zinter", cmd_zinter, -3, R, "@read @sortedset @slow", 0, 0, 0, "sorted_set", "6.2.0", "Returns the intersect of multiple sorted sets.", "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set."),
    C("zdiff", cmd_zdiff, -3, R, "@read @sortedset @slow", 0, 0, 0, "sorted_set", "6.2.0", "Returns the difference between multiple sorted sets.", "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set."),
    C("zunionstore", cmd_zunionstore, -4, W | D, "@write @sortedset @slow", 1, 1, 1, "sorted_set", "2.0.0", "Stores the union of multiple sorted sets in a key.", "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set."),
    C("zinterstore", cmd_zinterstore, -4, W | D, "@write @sortedset @slow", 1, 1, 1, "sorted_set", "2.0.0", "Stores the intersect of multiple sorted sets in a key.", "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set."),
    C("zdiffstore", cmd_zdiffstore, -4, W | D, "@write @sortedset @slow", 1, 1, 1, "sorted_set", "6.2.0", "Stores the difference of multiple sorted sets in a key.", "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set."),
    C("zintercard", cmd_zintercard, -3, R, "@read @sortedset @slow", 0, 0, 0, "sorted_set", "7.0.0", "Returns the number of members of the intersect of multiple sorted sets.", "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets."),
    C("zscan", cmd_zscan, -3, R | RND, "@read @sortedset @slow", 1, 1, 1, "sorted_set", "2.8.0", "Iterates over members and scores of a sorted set.", "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection."),
    /* @table:sorted-sets@ */
    /* bitmaps (t_bitmap.c) */
    C("setbit", cmd_setbit, 4, W | D, "@write @bitmap @slow", 1, 1, 1, "bitmap", "2.2.0", "Sets or clears the bit at offset of the string value. Creates the key if it doesn't exist.", "O(1)"),
    C("getbit", cmd_getbit, 3, R | F, "@read @bitmap @fast", 1, 1, 1, "bitmap", "2.2.0", "Returns a bit value by offset.", "O(1)"),
    C("bitcount", cmd_bitcount, -2, R, "@read @bitmap @slow", 1, 1, 1, "bitmap", "2.6.0", "Counts the number of set bits (population counting) in a string.", "O(N)"),
    C("bitpos", cmd_bitpos, -3, R, "@read @bitmap @slow", 1, 1, 1, "bitmap", "2.8.7", "Finds the first set (1) or clear (0) bit in a string.", "O(N)"),
    C("bitop", cmd_bitop, -4, W | D, "@write @bitmap @slow", 2, -1, 1, "bitmap", "2.6.0", "Performs bitwise operations on multiple strings, and stores the result.", "O(N)"),
    C("bitfield", cmd_bitfield, -2, W | D, "@write @bitmap @slow", 1, 1, 1, "bitmap", "3.2.0", "Performs arbitrary bitfield integer operations on strings.", "O(1) for each subcommand specified"),
    C("bitfield_ro", cmd_bitfield_ro, -2, R | F, "@read @bitmap @fast", 1, 1, 1, "bitmap", "6.0.0", "Performs arbitrary read-only bitfield integer operations on strings.", "O(1) for each subcommand specified"),
    /* @table:bitmaps@ */
    /* hyperloglog (t_hll.c) */
    C("pfadd", cmd_pfadd, -2, W | D | F, "@write @hyperloglog @fast", 1, 1, 1, "hyperloglog", "2.8.9", "Adds elements to a HyperLogLog key. Creates the key if it doesn't exist.", "O(1) to add every element."),
    C("pfcount", cmd_pfcount, -2, R, "@read @hyperloglog @slow", 1, -1, 1, "hyperloglog", "2.8.9", "Returns the approximated cardinality of the set(s) observed by the HyperLogLog key(s).", "O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys."),
    C("pfmerge", cmd_pfmerge, -2, W | D, "@write @hyperloglog @slow", 1, -1, 1, "hyperloglog", "2.8.9", "Merges one or more HyperLogLog values into a single key.", "O(N) to merge N HyperLogLogs, but with high constant times."),
    C("pfdebug", cmd_pfdebug, 3, W | D | A, "@write @hyperloglog @admin @slow @dangerous", 2, 2, 1, "hyperloglog", "2.8.9", "Internal commands for debugging HyperLogLog values.", "N/A"),
    /* @table:hyperloglog@ */
    /* sort (sort.c) */
    C("sort", cmd_sort, -2, W | D, "@write @set @sortedset @list @slow @dangerous", 1, 1, 1, "generic", "1.0.0", "Sorts the elements in a list, a set, or a sorted set, optionally storing the result.", "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N)."),
    C("sort_ro", cmd_sort_ro, -2, R, "@read @set @sortedset @list @slow @dangerous", 1, 1, 1, "generic", "7.0.0", "Returns the sorted elements of a list, a set, or a sorted set.", "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N)."),
    /* @table:sort@ */
    /* replication and raft (repl_cmds.c, raft_cmds.c) */
    /* RAFT is accepted by sentinels too: their own group's joins, announcements and
     * membership changes travel as RAFT commands between their client ports. */
    CS("raft", -2, A | S | CX | SN, "@admin @slow", "server", "0.1.0", "A container for Raft membership commands.", raft_subcommands),
    CS("sentinel", -2, A | L | S | CX | CMD_ONLY_SENTINEL, "@admin @slow @dangerous", "sentinel", "2.8.4", "A container for Redis Sentinel commands.", sentinel_subcommands),
    C("role", cmd_role, 1, NS | L | S | F | CX | SN, "@admin @fast @dangerous", 0, 0, 0, "server", "2.8.12", "Returns the replication role.", "O(1)"),
    C("wait", cmd_wait, 3, NS | CX, "@slow @connection", 0, 0, 0, "generic", "3.0.0", "Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed.", "O(1)"),
    C("readonly", cmd_readonly, 1, L | S | F | CX, "@fast @connection", 0, 0, 0, "cluster", "3.0.0", "Enables read-only queries for a connection to a Redis Cluster replica node.", "O(1)"),
    C("readwrite", cmd_readwrite, 1, L | S | F | CX, "@fast @connection", 0, 0, 0, "cluster", "3.0.0", "Enables read-write queries for a connection to a Reids Cluster replica node.", "O(1)"),
    /* @table:replication-and-raft@ */
    /* cluster (cluster_cmds.c) */
    CS("cluster", -2, S | CX, "@slow", "cluster", "3.0.0", "A container for Redis Cluster commands.", cluster_subcommands),
    C("asking", cmd_asking, 1, F | CX, "@fast @connection", 0, 0, 0, "cluster", "3.0.0", "Signals that a cluster client is following an -ASK redirect.", "O(1)"),
    CS("clusterbus", -2, BUS, "@admin @slow @dangerous", "cluster", "0.1.0", "A container for internal messages between redraft nodes.", clusterbus_subcommands),
    /* @table:cluster@ */
    /* pubsub (pubsub.c): node-local, never in the log. The shard-channel commands list
     * their channels as keys (Redis's not_key key specs) so cluster slot checks apply. */
    C("subscribe", cmd_subscribe, -2, CMD_PUBSUB | NS | L | S | CX | SN, "@pubsub @slow", 0, 0, 0, "pubsub", "2.0.0", "Listens for messages published to channels.", "O(N) where N is the number of channels to subscribe to."),
    C("unsubscribe", cmd_unsubscribe, -1, CMD_PUBSUB | NS | L | S | CX | SN, "@pubsub @slow", 0, 0, 0, "pubsub", "2.0.0", "Stops listening to messages posted to channels.", "O(N) where N is the number of clients already subscribed to a channel."),
    C("psubscribe", cmd_psubscribe, -2, CMD_PUBSUB | NS | L | S | CX | SN, "@pubsub @slow", 0, 0, 0, "pubsub", "2.0.0", "Listens for messages published to channels that match one or more patterns.", "O(N) where N is the number of patterns the client is already subscribed to."),
    C("punsubscribe", cmd_punsubscribe, -1, CMD_PUBSUB | NS | L | S | CX | SN, "@pubsub @slow", 0, 0, 0, "pubsub", "2.0.0", "Stops listening to messages published to channels that match one or more patterns.", "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client)."),
    C("publish", cmd_publish, 3, CMD_PUBSUB | L | S | F | CX | SN, "@pubsub @fast", 0, 0, 0, "pubsub", "2.0.0", "Posts a message to a channel.", "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client)."),
    C("ssubscribe", cmd_ssubscribe, -2, CMD_PUBSUB | NS | L | S | CX, "@pubsub @slow", 1, -1, 1, "pubsub", "7.0.0", "Listens for messages published to shard channels.", "O(N) where N is the number of shard channels to subscribe to."),
    C("sunsubscribe", cmd_sunsubscribe, -1, CMD_PUBSUB | NS | L | S | CX, "@pubsub @slow", 1, -1, 1, "pubsub", "7.0.0", "Stops listening to messages posted to shard channels.", "O(N) where N is the number of clients already subscribed to a shard channel."),
    C("spublish", cmd_spublish, 3, CMD_PUBSUB | L | S | F | CX, "@pubsub @fast", 1, 1, 1, "pubsub", "7.0.0", "Post a message to a shard channel", "O(N) where N is the number of clients subscribed to the receiving shard channel."),
    CS("pubsub", -2, 0, "@slow", "pubsub", "2.8.0", "A container for Pub/Sub commands.", pubsub_subcommands),
    /* @table:pubsub@ */
    END,
};

static int table_count;
/* The commands COMMAND and INFO list (command_table_at): all but the sentinel-only ones,
 * or in sentinel mode only the sentinel's. */
static command *visible[sizeof command_table / sizeof command_table[0]];
static int visible_count;

/* Open-addressing index of the top-level names (lower case), built once: lookup is on
 * every command's path. */
#define NAME_INDEX_SIZE 1024 /* power of two, well above twice the command count */
static command *name_index[NAME_INDEX_SIZE];

static uint32_t name_hash(const char *p, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a over the lower-cased name */
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch >= 'A' && ch <= 'Z')
            ch = (unsigned char)(ch + ('a' - 'A'));
        h = (h ^ ch) * 16777619u;
    }
    return h;
}

static void init_entries(command *tab, command *parent)
{
    for (command *c = tab; c->name; c++) {
        c->parent = parent;
        if (parent)
            snprintf(c->fullname, sizeof c->fullname, "%s|%s", parent->name, c->name);
        else
            snprintf(c->fullname, sizeof c->fullname, "%s", c->name);
        if (c->subcommands)
            init_entries(c->subcommands, c);
    }
}

/* Commands whose keys follow a numkeys argument, and where it is. */
static const struct {
    const char *name;
    int numkeys_at;
} numkeys_commands[] = {
    {"lmpop", 1}, {"zmpop", 1}, {"sintercard", 1}, {"zintercard", 1}, {"zunion", 1},
    {"zinter", 1}, {"zdiff", 1}, {"zunionstore", 2}, {"zinterstore", 2}, {"zdiffstore", 2},
    {"blmpop", 2}, {"bzmpop", 2}, {"eval", 2}, {"evalsha", 2}, {"eval_ro", 2},
    {"evalsha_ro", 2}, {"fcall", 2}, {"fcall_ro", 2},
};

void command_table_init(void)
{
    init_entries(command_table, NULL);
    for (size_t i = 0; i < sizeof numkeys_commands / sizeof numkeys_commands[0]; i++)
        for (command *c = command_table; c->name; c++)
            if (strcmp(c->name, numkeys_commands[i].name) == 0)
                c->numkeys_at = numkeys_commands[i].numkeys_at;
    table_count = 0;
    while (command_table[table_count].name)
        table_count++;
    _Static_assert(sizeof command_table / sizeof command_table[0] * 2 < NAME_INDEX_SIZE,
                   "NAME_INDEX_SIZE too small for the command table");
    memset(name_index, 0, sizeof name_index);
    visible_count = 0;
    for (int i = 0; i < table_count; i++) {
        command *c = &command_table[i];
        int sentinel_only = (c->flags & CMD_ONLY_SENTINEL) != 0;
        if (g_server.sentinel_mode ? (c->flags & (CMD_SENTINEL | CMD_ONLY_SENTINEL)) != 0 : !sentinel_only)
            visible[visible_count++] = c;
        /* A node does not know SENTINEL; a sentinel's FSM still finds every command. */
        if (sentinel_only && !g_server.sentinel_mode)
            continue;
        uint32_t slot = name_hash(c->name, strlen(c->name)) & (NAME_INDEX_SIZE - 1);
        while (name_index[slot])
            slot = (slot + 1) & (NAME_INDEX_SIZE - 1);
        name_index[slot] = c;
    }
}

static command *find_in(command *tab, const char *name, size_t len)
{
    for (command *c = tab; c->name; c++)
        if (rd_strcaseeq(name, len, c->name))
            return c;
    return NULL;
}

command *command_lookup_name(const char *name, size_t len)
{
    uint32_t slot = name_hash(name, len) & (NAME_INDEX_SIZE - 1);
    for (command *c; (c = name_index[slot]) != NULL; slot = (slot + 1) & (NAME_INDEX_SIZE - 1))
        if (rd_strcaseeq(name, len, c->name))
            return c;
    return NULL;
}

command *command_lookup(const rd_arg *argv, int argc, int *unknown_sub)
{
    *unknown_sub = 0;
    if (argc < 1)
        return NULL;
    command *c = command_lookup_name(argv[0].ptr, argv[0].len);
    if (!c || !c->subcommands || argc < 2)
        return c;
    command *sub = find_in(c->subcommands, argv[1].ptr, argv[1].len);
    if (!sub) {
        *unknown_sub = 1;
        return c;
    }
    return sub;
}

command *command_table_at(int i)
{
    return (i >= 0 && i < visible_count) ? visible[i] : NULL;
}

int command_table_count(void)
{
    return visible_count;
}

int command_access_of(const command *cmd)
{
    if (cmd->flags & CMD_WRITE)
        return COMMAND_WRITE;
    uint32_t top_flags = cmd->flags | (cmd->parent ? cmd->parent->flags : 0);
    return (top_flags & CMD_READONLY) ? COMMAND_READ : COMMAND_OTHER;
}

int command_arity_ok(const command *cmd, int argc)
{
    return cmd->arity >= 0 ? argc == cmd->arity : argc >= -cmd->arity;
}

int command_get_keys(const command *cmd, const rd_arg *argv, int argc, int *keys, int max)
{
    int n = 0;
    if (cmd->first_key > 0) {
        int last = cmd->last_key < 0 ? argc + cmd->last_key : cmd->last_key;
        for (int i = cmd->first_key; i <= last && i < argc && n < max; i += cmd->key_step)
            keys[n++] = i;
    }
    if (cmd->numkeys_at > 0 && cmd->numkeys_at < argc) {
        long long count;
        const rd_arg *a = &argv[cmd->numkeys_at];
        if (!rd_str2ll(a->ptr, a->len, &count) || count <= 0 || count > argc - cmd->numkeys_at - 1)
            return n;
        for (int i = cmd->numkeys_at + 1; i <= cmd->numkeys_at + count && n < max; i++)
            keys[n++] = i;
    }
    return n;
}
