/* log_entry: the byte format of one Raft log entry, its builder and its decoder.
 *
 * This module owns the encoding only: no raft.h, no keyspace. The leader builds one
 * entry per event-loop iteration (group commit: many clients' commands in one entry),
 * copies the finished bytes into raft_malloc memory and hands them to raft_apply with
 * n = 1; every member's FSM decodes the same bytes and applies them deterministically
 * (the entry's time is "now", its seed seeds the PRNG). See shared/DESIGN.md, "The log
 * entry and determinism", and shared/notes/raft.md, "Entries, buffers and ownership".
 *
 * Wire format, version 2 (written). Header integers are fixed-width little-endian, read
 * and written byte by byte (any alignment, any host byte order); payload integers are
 * unsigned LEB128 varints (7 bits per byte, low group first), shortest form only. A SET
 * from redis-benchmark takes 32 bytes instead of version 1's 62: every entry byte is
 * copied, checksummed, written and sent by raft on every member, so its size is
 * per-write CPU (measured: raft_apply's copy and CRC were ~15% of a leader's CPU).
 *
 *   header, 32 bytes
 *     off  0  u16  magic        LOG_ENTRY_MAGIC ("RD" in memory order)
 *     off  2  u8   version      LOG_ENTRY_VERSION (2)
 *     off  3  u8   type         log_entry_type
 *     off  4  u32  count        COMMANDS: commands; DELETE: keys; BARRIER: 0
 *     off  8  u64  length       bytes of header + payload, WITHOUT the padding
 *     off 16  i64  time_ms      leader time in ms: the entry's "now"
 *     off 24  u64  seed         seeds the apply-time PRNG
 *   payload (v = varint)
 *     COMMANDS  count times:
 *                 v client_id   node-local client id (diagnostics; replies are routed
 *                               by the leader's own round, not by this field)
 *                 v seq         per-client request sequence (diagnostics)
 *                 v db          database index (<= 65535)
 *                 v flags       REPL_CMD_* bits (<= UINT32_MAX)
 *                 v argc        1 .. INT32_MAX
 *                 argc times: v len (<= UINT32_MAX), len bytes
 *     BARRIER   empty (a new leader's no-op, or a linearizable-read round)
 *     DELETE    v db, u8 reason (log_entry_delete_reason), then count times: v len, bytes
 *   padding     zero bytes up to the next multiple of 8 (raft 0.22 rejects entries
 *               whose length is not a multiple of 8 and then crashes): the buffer handed
 *               to raft is exactly round_up(length, 8) bytes.
 *
 * Version 1 (read only: logs written before version 2 must still apply) differs in the
 * header's off 4 (u32 reserved, 0) and in a fixed-width payload:
 *     COMMANDS  u32 count, then count times: u64 client_id, u64 seq, u16 db,
 *               u16 reserved 0, u32 flags, u32 argc, then argc times: u32 len, bytes
 *     DELETE    u16 db, u8 reason, u8 reserved 0, u32 count, then count times: u32 len,
 *               bytes
 * A member of an older build cannot read version 2: upgrade all members of a shard
 * before letting a new leader write (no mixed-version shards).
 *
 * The decoder accepts only this canonical form: right magic and a known version, a known
 * type, recorded length <= buffer, buffer length == round_up(length, 8), zero padding,
 * zero reserved fields, shortest varints within their field's range, counts consistent
 * with the remaining bytes, argc >= 1, no byte left over after the last item. Hence
 * decoding a version 2 entry and re-encoding it gives back the same bytes, and a corrupt
 * entry is refused as a whole before anything is applied.
 * There is no checksum: raft's segments carry their own CRC.
 *
 * Types MEMBERSHIP, TOPOLOGY and SLOT are reserved numbers for later issues; until
 * this module learns their payloads the decoder refuses them (LOG_ENTRY_ETYPE).
 *
 * Ownership: the builder owns its bytebuf; the bytes returned by finish stay valid
 * until the next reset/free of that builder. A decoded log_entry and every rd_arg
 * yielded by its iterator point into the caller's buffer (zero copy): that buffer must
 * outlive them. The iterator owns at most one argv array, sized once from the entry's
 * largest argc, freed by log_entry_iter_free; it never allocates per command. */
#ifndef REDRAFT_LOG_ENTRY_H
#define REDRAFT_LOG_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"
#include "resp_parser.h" /* rd_arg */

#define LOG_ENTRY_MAGIC 0x4452u /* bytes 'R','D' */
#define LOG_ENTRY_VERSION 2u   /* what the builder writes */
#define LOG_ENTRY_VERSION_1 1u /* still decoded */
#define LOG_ENTRY_HEADER_LEN 32u
#define LOG_ENTRY_ALIGN 8u
/* Largest argument / key / count the format can carry (u32 fields). */
#define LOG_ENTRY_MAX_LEN32 UINT32_MAX

typedef enum log_entry_type {
    LOG_ENTRY_COMMANDS = 1,
    LOG_ENTRY_BARRIER = 2,
    LOG_ENTRY_DELETE = 3,
    LOG_ENTRY_MEMBERSHIP = 4, /* reserved */
    LOG_ENTRY_TOPOLOGY = 5,   /* reserved */
    LOG_ENTRY_SLOT = 6,       /* reserved */
} log_entry_type;

typedef enum log_entry_delete_reason {
    LOG_ENTRY_DEL_EXPIRED = 1, /* active expiry: the key's deadline is <= time_ms */
    LOG_ENTRY_DEL_EVICTED = 2, /* maxmemory eviction */
} log_entry_delete_reason;

/* Per-command flags (none defined yet; the decoder accepts any value so that later
 * flags need no format version bump, and the FSM decides what it understands). */
#define LOG_ENTRY_CMD_NONE 0u

/* Error codes: 0 is success, every error is negative. */
enum {
    LOG_ENTRY_OK = 0,
    LOG_ENTRY_ETRUNCATED = -1, /* buffer shorter than a header, or than the recorded length */
    LOG_ENTRY_EMAGIC = -2,     /* not a redraft entry */
    LOG_ENTRY_EVERSION = -3,   /* unknown format version */
    LOG_ENTRY_ETYPE = -4,      /* unknown or reserved entry type */
    LOG_ENTRY_ELENGTH = -5,    /* recorded length < header, or buffer not exactly padded */
    LOG_ENTRY_EPADDING = -6,   /* non-zero padding byte */
    LOG_ENTRY_ERESERVED = -7,  /* non-zero reserved field */
    LOG_ENTRY_ECOUNT = -8,     /* count/argc/len runs past the recorded length, or argc 0 */
    LOG_ENTRY_ETRAILING = -9,  /* bytes left over after the last item */
    LOG_ENTRY_EREASON = -10,   /* unknown DELETE reason */
    LOG_ENTRY_EINVAL = -11,    /* builder misuse (wrong type, argc < 1, NULL argv) */
    LOG_ENTRY_ETOOBIG = -12,   /* builder: a length or count does not fit the format */
    LOG_ENTRY_EVARINT = -13,   /* a varint is over-long, past 64 bits, or too big for its field */
};

/* A short constant text for an error code ("ok" for 0, "unknown error" otherwise). */
const char *log_entry_strerror(int err);

/* Rounds n up to a multiple of LOG_ENTRY_ALIGN; returns 0 on overflow (n > SIZE_MAX-7). */
size_t log_entry_padded_len(size_t n);

/* ---- builder ---------------------------------------------------------------------- */

typedef struct log_entry_builder {
    bytebuf buf;       /* owned: header placeholder + payload (+ padding after finish) */
    uint8_t type;      /* log_entry_type being built */
    uint8_t reason;    /* DELETE */
    uint16_t db;       /* DELETE */
    uint32_t count;    /* commands or keys appended so far */
    size_t body_len;   /* header + payload written so far (0: nothing allocated yet) */
    int finished;      /* finish was called: appending again is an error until reset */
} log_entry_builder;

/* Starts an entry of the given type (COMMANDS or BARRIER; DELETE uses
 * log_entry_builder_init_delete). Allocates nothing until the first append. Returns
 * LOG_ENTRY_EINVAL (builder left empty but valid to free) for any other type. */
int log_entry_builder_init(log_entry_builder *b, log_entry_type type);
/* Starts a DELETE entry for database db with the given reason. An unknown reason
 * gives LOG_ENTRY_EREASON (builder left empty but valid to free). */
int log_entry_builder_init_delete(log_entry_builder *b, uint16_t db,
                                  log_entry_delete_reason reason);
/* Starts a new entry of the same kind (DELETE: same db/reason unless re-init),
 * keeping the allocation: call after the finished bytes were copied to raft. */
void log_entry_builder_reset(log_entry_builder *b);
void log_entry_builder_free(log_entry_builder *b);

/* COMMANDS: appends one command. argv[0..argc) are copied. On error nothing was
 * appended. Errors: EINVAL (not a COMMANDS builder, finished, argc < 1, argv NULL, an
 * arg with ptr NULL and len > 0), ETOOBIG (an arg longer than UINT32_MAX bytes, or a
 * UINT32_MAX-th command). */
int log_entry_builder_add_command(log_entry_builder *b, uint64_t client_id, uint64_t seq,
                                  uint16_t db, uint32_t flags, int argc, const rd_arg *argv);
/* DELETE: appends one key (copied). On error nothing was appended. Errors: EINVAL
 * (not a DELETE builder, finished, key NULL with len > 0), ETOOBIG (len > UINT32_MAX,
 * or a UINT32_MAX-th key). */
int log_entry_builder_add_key(log_entry_builder *b, const char *key, size_t len);
/* Number of commands/keys appended since init/reset. */
uint32_t log_entry_builder_count(const log_entry_builder *b);
/* Bytes the entry would take if finished now (padded). */
size_t log_entry_builder_size(const log_entry_builder *b);

/* Writes the header (time_ms, seed, length) and the zero padding. *data / *len
 * receive the padded entry (len a multiple of 8), owned by the builder and valid until
 * reset/free; copy it into raft_malloc memory for raft_apply. Finish may be called
 * again (e.g. with another time) and rewrites the header; appending after finish is
 * EINVAL until reset. */
int log_entry_builder_finish(log_entry_builder *b, int64_t time_ms, uint64_t seed,
                             const char **data, size_t *len);

/* Appends a complete padded BARRIER entry to out (no builder needed). */
void log_entry_encode_barrier(bytebuf *out, int64_t time_ms, uint64_t seed);

/* ---- decoder ---------------------------------------------------------------------- */

typedef struct log_entry {
    const char *base;     /* the caller's buffer */
    size_t len;           /* recorded length (without padding) */
    uint8_t version;      /* LOG_ENTRY_VERSION_1 or LOG_ENTRY_VERSION */
    uint8_t type;         /* log_entry_type */
    int64_t time_ms;
    uint64_t seed;
    uint32_t count;       /* COMMANDS: commands; DELETE: keys; BARRIER: 0 */
    uint32_t max_argc;    /* COMMANDS: largest argc in the entry */
    uint16_t db;          /* DELETE only */
    uint8_t reason;       /* DELETE only */
    size_t items_off;     /* offset of the first command / key */
} log_entry;

/* The format version byte of the entry in buf, or 0 when buf is not a redraft entry
 * (too short, wrong magic). Lets the FSM tell an entry from a newer build (decode says
 * LOG_ENTRY_EVERSION) from an older or broken one. */
unsigned log_entry_peek_version(const void *buf, size_t buflen);

/* Validates buf[0..buflen) completely (see the format above) and fills *e. Returns
 * LOG_ENTRY_OK or a negative error; on error *e is zeroed. Never reads outside
 * buf[0..buflen) and never allocates. */
int log_entry_decode(log_entry *e, const void *buf, size_t buflen);

typedef struct log_entry_cmd {
    uint64_t client_id;
    uint64_t seq;
    uint16_t db;
    uint32_t flags;
    int argc;
    const rd_arg *argv;   /* argc entries pointing into the entry; owned by the iterator,
                             valid until its next call to next/free */
} log_entry_cmd;

#define LOG_ENTRY_ITER_INLINE_ARGV 16

typedef struct log_entry_iter {
    const log_entry *e;
    size_t off;           /* next item */
    uint32_t left;        /* items not yet yielded */
    rd_arg *heap_argv;    /* owned; NULL when the inline array is big enough */
    rd_arg inline_argv[LOG_ENTRY_ITER_INLINE_ARGV];
} log_entry_iter;

/* e must come from a successful log_entry_decode and outlive the iterator. Allocates
 * (once) only when the entry has a command with more than 16 args. */
void log_entry_iter_init(log_entry_iter *it, const log_entry *e);
/* COMMANDS: yields the next command. Returns 1 (cmd filled), 0 at the end, or a
 * negative error (wrong type, or an entry that was not validated by decode). */
int log_entry_iter_next(log_entry_iter *it, log_entry_cmd *cmd);
/* DELETE: yields the next key. Same return convention. */
int log_entry_iter_next_key(log_entry_iter *it, rd_arg *key);
void log_entry_iter_free(log_entry_iter *it);

#endif
