/* commands.h: declarations of every command implementation in the command table.
 *
 * Grouped by the file that owns them. command_table.c is the index; this header only
 * lets it see the functions. */
#ifndef REDRAFT_COMMANDS_H
#define REDRAFT_COMMANDS_H

#include "command.h"


/* config_cmds.c */
command_proc cmd_config_get;
command_proc cmd_config_set;
command_proc cmd_config_resetstat;
command_proc cmd_config_rewrite;
command_proc cmd_config_help;

/* conn_cmds.c */
command_proc cmd_client_id;
command_proc cmd_client_setname;
command_proc cmd_client_getname;
command_proc cmd_client_list;
command_proc cmd_client_info;
command_proc cmd_client_kill;
command_proc cmd_client_no_evict;
command_proc cmd_client_no_touch;
command_proc cmd_client_reply;
command_proc cmd_client_setinfo;
command_proc cmd_client_help;
command_proc cmd_ping;
command_proc cmd_echo;
command_proc cmd_hello;
command_proc cmd_quit;
command_proc cmd_reset;
command_proc cmd_select;
command_proc cmd_auth;

/* keys_cmds.c */
command_proc cmd_memory_usage;
command_proc cmd_object_encoding;
command_proc cmd_object_freq;
command_proc cmd_object_idletime;
command_proc cmd_object_refcount;
command_proc cmd_object_help;
command_proc cmd_dbsize;
command_proc cmd_flushdb;
command_proc cmd_flushall;
command_proc cmd_del;
command_proc cmd_unlink;
command_proc cmd_exists;
command_proc cmd_type;
command_proc cmd_expire;
command_proc cmd_pexpire;
command_proc cmd_expireat;
command_proc cmd_pexpireat;
command_proc cmd_ttl;
command_proc cmd_pttl;
command_proc cmd_expiretime;
command_proc cmd_pexpiretime;
command_proc cmd_persist;
command_proc cmd_keys;
command_proc cmd_scan;
command_proc cmd_rename;
command_proc cmd_renamenx;
command_proc cmd_randomkey;
command_proc cmd_copy;
command_proc cmd_touch;

/* server_cmds.c */
command_proc cmd_command; /* bare COMMAND: the container's own proc */
command_proc cmd_command_count;
command_proc cmd_command_info;
command_proc cmd_command_docs;
command_proc cmd_command_list;
command_proc cmd_command_getkeys;
command_proc cmd_command_getkeysandflags;
command_proc cmd_command_help;
command_proc cmd_slowlog_get;
command_proc cmd_slowlog_len;
command_proc cmd_slowlog_reset;
command_proc cmd_slowlog_help;
command_proc cmd_latency_latest;
command_proc cmd_latency_history;
command_proc cmd_latency_reset;
command_proc cmd_latency_doctor;
command_proc cmd_latency_help;
command_proc cmd_memory_stats;
command_proc cmd_memory_doctor;
command_proc cmd_memory_malloc_stats;
command_proc cmd_memory_purge;
command_proc cmd_memory_help;
command_proc cmd_info;
command_proc cmd_time;
command_proc cmd_monitor;
command_proc cmd_shutdown;
command_proc cmd_lastsave;

/* t_string.c */
command_proc cmd_get;
command_proc cmd_set;
command_proc cmd_setex;
command_proc cmd_psetex;
command_proc cmd_setnx;
command_proc cmd_getset;
command_proc cmd_getdel;
command_proc cmd_getex;
command_proc cmd_mget;
command_proc cmd_mset;
command_proc cmd_msetnx;
command_proc cmd_append;
command_proc cmd_strlen;
command_proc cmd_getrange;
command_proc cmd_setrange;
command_proc cmd_incr;
command_proc cmd_decr;
command_proc cmd_incrby;
command_proc cmd_decrby;
command_proc cmd_incrbyfloat;
command_proc cmd_lcs;

/* lists (t_list.c) */
/* @decl:lists@ */

/* hashes (t_hash.c) */
/* @decl:hashes@ */

/* sets (t_set.c) */
/* @decl:sets@ */

/* sorted sets (t_zset.c) */
/* @decl:sorted-sets@ */

/* bitmaps (t_bitmap.c) */
/* @decl:bitmaps@ */

/* hyperloglog (t_hll.c) */
/* @decl:hyperloglog@ */

/* sort (sort.c) */
/* @decl:sort@ */

/* replication and raft (repl_cmds.c, raft_cmds.c) */
/* @decl:replication-and-raft@ */

/* cluster (cluster_cmds.c) */
/* @decl:cluster@ */

#endif
