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
/* t_list.c */
command_proc cmd_lpush;
command_proc cmd_rpush;
command_proc cmd_lpushx;
command_proc cmd_rpushx;
command_proc cmd_lpop;
command_proc cmd_rpop;
command_proc cmd_llen;
command_proc cmd_lrange;
command_proc cmd_lindex;
command_proc cmd_lset;
command_proc cmd_linsert;
command_proc cmd_lrem;
command_proc cmd_ltrim;
command_proc cmd_lpos;
command_proc cmd_lmove;
command_proc cmd_rpoplpush;
command_proc cmd_lmpop;
/* @decl:lists@ */

/* hashes (t_hash.c) */
command_proc cmd_hset;
command_proc cmd_hsetnx;
command_proc cmd_hget;
command_proc cmd_hmget;
command_proc cmd_hmset;
command_proc cmd_hdel;
command_proc cmd_hlen;
command_proc cmd_hstrlen;
command_proc cmd_hexists;
command_proc cmd_hkeys;
command_proc cmd_hvals;
command_proc cmd_hgetall;
command_proc cmd_hincrby;
command_proc cmd_hincrbyfloat;
command_proc cmd_hrandfield;
command_proc cmd_hscan;
/* @decl:hashes@ */

/* sets (t_set.c) */
command_proc cmd_sadd;
command_proc cmd_srem;
command_proc cmd_scard;
command_proc cmd_sismember;
command_proc cmd_smismember;
command_proc cmd_smembers;
command_proc cmd_spop;
command_proc cmd_srandmember;
command_proc cmd_smove;
command_proc cmd_sinter;
command_proc cmd_sinterstore;
command_proc cmd_sintercard;
command_proc cmd_sunion;
command_proc cmd_sunionstore;
command_proc cmd_sdiff;
command_proc cmd_sdiffstore;
command_proc cmd_sscan;
/* @decl:sets@ */

/* sorted sets (t_zset.c) */
command_proc cmd_zadd;
command_proc cmd_zincrby;
command_proc cmd_zrem;
command_proc cmd_zcard;
command_proc cmd_zcount;
command_proc cmd_zlexcount;
command_proc cmd_zscore;
command_proc cmd_zmscore;
command_proc cmd_zrank;
command_proc cmd_zrevrank;
command_proc cmd_zrange;
command_proc cmd_zrangestore;
command_proc cmd_zrevrange;
command_proc cmd_zrangebyscore;
command_proc cmd_zrevrangebyscore;
command_proc cmd_zrangebylex;
command_proc cmd_zrevrangebylex;
command_proc cmd_zremrangebyrank;
command_proc cmd_zremrangebyscore;
command_proc cmd_zremrangebylex;
command_proc cmd_zpopmin;
command_proc cmd_zpopmax;
command_proc cmd_zmpop;
command_proc cmd_zrandmember;
command_proc cmd_zunion;
command_proc cmd_zinter;
command_proc cmd_zdiff;
command_proc cmd_zunionstore;
command_proc cmd_zinterstore;
command_proc cmd_zdiffstore;
command_proc cmd_zintercard;
command_proc cmd_zscan;
/* @decl:sorted-sets@ */

/* bitmaps (t_bitmap.c) */
command_proc cmd_setbit;
command_proc cmd_getbit;
command_proc cmd_bitcount;
command_proc cmd_bitpos;
command_proc cmd_bitop;
command_proc cmd_bitfield;
command_proc cmd_bitfield_ro;
/* @decl:bitmaps@ */

/* hyperloglog (t_hll.c) */
command_proc cmd_pfadd;
command_proc cmd_pfcount;
command_proc cmd_pfmerge;
command_proc cmd_pfdebug;
/* @decl:hyperloglog@ */

/* sort (sort.c) */
command_proc cmd_sort;
command_proc cmd_sort_ro;
/* @decl:sort@ */

/* replication and raft (repl_cmds.c, raft_cmds.c) */
command_proc cmd_raft_add;
command_proc cmd_raft_assign;
command_proc cmd_raft_remove;
command_proc cmd_raft_transfer;
command_proc cmd_raft_announce;
command_proc cmd_raft_members;
command_proc cmd_raft_help;
command_proc cmd_raft_removed; /* raft_node.c */
command_proc cmd_role;
command_proc cmd_wait;
command_proc cmd_readonly;
command_proc cmd_readwrite;
/* @decl:replication-and-raft@ */

/* cluster (cluster_cmds.c) */
command_proc cmd_cluster_info;
command_proc cmd_cluster_slots;
command_proc cmd_cluster_shards;
command_proc cmd_cluster_nodes;
command_proc cmd_cluster_replicas;
command_proc cmd_cluster_myid;
command_proc cmd_cluster_myshardid;
command_proc cmd_cluster_keyslot;
command_proc cmd_cluster_countkeysinslot;
command_proc cmd_cluster_getkeysinslot;
command_proc cmd_cluster_links;
command_proc cmd_cluster_failover;
command_proc cmd_cluster_help;
command_proc cmd_asking;
command_proc cmd_clusterbus_leader; /* clusterbus_cmds.c */
command_proc cmd_clusterbus_publish;
command_proc cmd_clusterbus_spublish;
command_proc cmd_clusterbus_help;
/* cluster topology store (topology_cmds.c) */
command_proc cmd_cluster_settopology;
command_proc cmd_cluster_gettopology;
/* @decl:cluster@ */

/* pubsub (pubsub.c) */
command_proc cmd_subscribe;
command_proc cmd_unsubscribe;
command_proc cmd_psubscribe;
command_proc cmd_punsubscribe;
command_proc cmd_ssubscribe;
command_proc cmd_sunsubscribe;
command_proc cmd_publish;
command_proc cmd_spublish;
command_proc cmd_pubsub_channels;
command_proc cmd_pubsub_numsub;
command_proc cmd_pubsub_numpat;
command_proc cmd_pubsub_shardchannels;
command_proc cmd_pubsub_shardnumsub;
command_proc cmd_pubsub_help;
/* @decl:pubsub@ */

#endif
