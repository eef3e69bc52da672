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
#define END {NULL, NULL, 0, 0, NULL, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, "", NULL, {0, 0, 0, 0}}
#define C(name, proc, arity, flags, acl, fk, lk, ks, group, since, summary, cplx) \
    {name, proc, arity, flags, acl, fk, lk, ks, group, since, summary, cplx, NULL, "", NULL, {0, 0, 0, 0}}
#define CS(name, arity, flags, acl, group, since, summary, subs) \
    {name, NULL, arity, flags, acl, 0, 0, 0, group, since, summary, "Depends on subcommand.", subs, "", NULL, {0, 0, 0, 0}}

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

/* @subtables@ (container commands' subcommand tables go above this line) */

static command command_table[] = {
    /* connection */
    C("ping", cmd_ping, -1, F | S | CX, "@fast @connection", 0, 0, 0, "connection", "1.0.0", "Returns the server's liveliness response.", "O(1)"),
    C("echo", cmd_echo, 2, F | L | S | CX, "@fast @connection", 0, 0, 0, "connection", "1.0.0", "Returns the given string.", "O(1)"),
    C("hello", cmd_hello, -1, NS | L | S | F | NA | CX, "@fast @connection", 0, 0, 0, "connection", "6.0.0", "Handshakes with the Redis server.", "O(1)"),
    C("quit", cmd_quit, -1, NS | L | S | F | NA | CX, "@fast @connection", 0, 0, 0, "connection", "1.0.0", "Closes the connection.", "O(1)"),
    C("reset", cmd_reset, 1, NS | L | S | F | NA | CX, "@fast @connection", 0, 0, 0, "connection", "6.2.0", "Resets the connection.", "O(1)"),
    C("select", cmd_select, 2, L | S | F | CX, "@fast @connection", 0, 0, 0, "connection", "1.0.0", "Changes the selected database.", "O(1)"),
    C("auth", cmd_auth, -2, NS | L | S | F | NA | CX, "@fast @connection", 0, 0, 0, "connection", "1.0.0", "Authenticates the connection.", "O(N) where N is the number of passwords defined for the user"),
    CS("client", -2, S | CX, "@slow", "connection", "2.4.0", "A container for client connection commands.", client_subcommands),
    /* server */
    C("info", cmd_info, -1, L | S | CX, "@slow @dangerous", 0, 0, 0, "server", "1.0.0", "Returns information and statistics about the server.", "O(1)"),
    C("dbsize", cmd_dbsize, 1, R | F, "@keyspace @read @fast", 0, 0, 0, "server", "1.0.0", "Returns the number of keys in the database.", "O(1)"),
    C("flushdb", cmd_flushdb, -1, W, "@keyspace @write @slow @dangerous", 0, 0, 0, "server", "1.0.0", "Removes all keys from the current database.", "O(N) where N is the number of keys in the selected database"),
    C("flushall", cmd_flushall, -1, W, "@keyspace @write @slow @dangerous", 0, 0, 0, "server", "1.0.0", "Removes all keys from all databases.", "O(N) where N is the total number of keys in all databases"),
    C("time", cmd_time, 1, L | S | F | RND | CX, "@fast", 0, 0, 0, "server", "2.6.0", "Returns the server time.", "O(1)"),
    {"command", cmd_command, -1, L | S | CX, "@slow @connection", 0, 0, 0, "server", "2.8.13", "Returns detailed information about all commands.", "O(N) where N is the total number of Redis commands", command_subcommands, "", NULL, {0, 0, 0, 0}},
    CS("config", -2, CX, "@slow", "server", "2.0.0", "A container for server configuration commands.", config_subcommands),
    CS("slowlog", -2, CX, "@slow", "server", "2.2.12", "A container for slow log commands.", slowlog_subcommands),
    CS("latency", -2, CX, "@slow", "server", "2.8.13", "A container for latency diagnostics commands.", latency_subcommands),
    C("monitor", cmd_monitor, 1, A | NS | L | S | CX, "@admin @slow @dangerous", 0, 0, 0, "server", "1.0.0", "Listens for all requests received by the server in real-time.", "O(1)"),
    CS("memory", -2, CX, "@slow", "server", "4.0.0", "A container for memory diagnostics commands.", memory_subcommands),
    C("shutdown", cmd_shutdown, -1, A | NS | L | S | CX, "@admin @slow @dangerous", 0, 0, 0, "server", "1.0.0", "Synchronously saves the database(s) to disk and shuts down the Redis server.", "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)"),
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
    /* @table:lists@ */
    /* hashes (t_hash.c) */
    /* @table:hashes@ */
    /* sets (t_set.c) */
    /* @table:sets@ */
    /* sorted sets (t_zset.c) */
    /* @table:sorted-sets@ */
    /* bitmaps (t_bitmap.c) */
    /* @table:bitmaps@ */
    /* hyperloglog (t_hll.c) */
    /* @table:hyperloglog@ */
    /* sort (sort.c) */
    /* @table:sort@ */
    /* replication and raft (repl_cmds.c, raft_cmds.c) */
    /* @table:replication-and-raft@ */
    /* cluster (cluster_cmds.c) */
    /* @table:cluster@ */
    END,
};

static int table_count;

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

void command_table_init(void)
{
    init_entries(command_table, NULL);
    table_count = 0;
    while (command_table[table_count].name)
        table_count++;
    _Static_assert(sizeof command_table / sizeof command_table[0] * 2 < NAME_INDEX_SIZE,
                   "NAME_INDEX_SIZE too small for the command table");
    memset(name_index, 0, sizeof name_index);
    for (int i = 0; i < table_count; i++) {
        command *c = &command_table[i];
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
    return (i >= 0 && i < table_count) ? &command_table[i] : NULL;
}

int command_table_count(void)
{
    return table_count;
}

int command_arity_ok(const command *cmd, int argc)
{
    return cmd->arity >= 0 ? argc == cmd->arity : argc >= -cmd->arity;
}

int command_get_keys(const command *cmd, const rd_arg *argv, int argc, int *keys, int max)
{
    (void)argv;
    if (cmd->first_key <= 0)
        return 0;
    int last = cmd->last_key < 0 ? argc + cmd->last_key : cmd->last_key;
    int n = 0;
    for (int i = cmd->first_key; i <= last && i < argc && n < max; i += cmd->key_step)
        keys[n++] = i;
    return n;
}
