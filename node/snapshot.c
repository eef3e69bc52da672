/* snapshot: the FSM's snapshots (contract in snapshot.h) -- the byte format of the
 * replicated state, and taking snapshots without stalling the event loop.
 *
 * Format (all integers little-endian, fixed width):
 *   header   "RDRSNAP\0" magic, u32 format version (1), u32 reserved (0),
 *            i64 last_entry_ms
 *   sections, each a one-byte tag:
 *     'D'    one database: u32 id, u64 next_seq, u64 used (dense positions, holes
 *            included), u64 count (live keys), then `used` records in dense order:
 *              'h' u64 seq                                   a hole left by a delete
 *              'k' u64 seq, u8 type, u8 encoding, u8 flags (bit 0: has TTL),
 *                  u32 lru, [i64 expire_ms], u32 keylen, key bytes, value:
 *                    string ENC_INT     i64
 *                    string EMBSTR/RAW  u32 len + bytes
 *                    collection         u64 len + the type's save() bytes
 *            Every database is written, empty ones too: next_seq is state.
 *     'M'    the member table: u64 len + members_save() bytes
 *     'E'    end
 *   trailer  u64 checksum of every preceding byte (snap_hash below)
 * A reload reproduces each kvtable's dense layout exactly (holes via
 * kvtable_append_hole with their seqs), so SCAN cursors, RANDOMKEY and every sampling
 * choice are the same as on a replica that never reloaded.
 *
 * Taking a snapshot (libraft 0.22.1, src/legacy.c): raft calls fsm->snapshot on the loop
 * thread once last_applied == commit_index, then immediately io->snapshot_put(trailing >
 * 0); it keeps applying entries meanwhile, holds any InstallSnapshot until the put's
 * callback, truncates the log only then, and calls fsm->snapshot_finalize from that
 * callback. So whatever snapshot() hands out must describe the state at that instant
 * and stay untouched until finalize, while the live state moves on.
 *
 * We fork(): the child has a copy-on-write image of exactly that state, streams the
 * serialized bytes into a memfd and reports (bytes, checksum) on a pipe. snapshot()
 * returns a one-buffer array whose buffer is still empty; snapshot_wrap_io patches
 * raft_uv's raft_io *in place* (so impl, data, errmsg and the capacity field raft_uv
 * keeps updating stay the very same object) to intercept that put: it is held until
 * the child reported, then the buffer is pointed at an mmap of the memfd and the real
 * put goes ahead (its threadpool write reads the pages). To raft this is a slow disk.
 * The loop thread only pays for fork() (page tables), the mmap and the munmap.
 * If fork is impossible, or the io was never wrapped, snapshot() serializes
 * synchronously (correct, but blocking).
 *
 * Compiled with SNAPSHOT_FORMAT_ONLY (the fuzzer), only the format part is built. */
#include "snapshot.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv.h"
#include "kvtable.h"
#include "keyspace.h"
#include "mem.h"
#include "members.h"
#include "server.h"

#ifndef SNAPSHOT_FORMAT_ONLY
#include <errno.h>
#include <fcntl.h>
#include <raft.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "peer_links.h"
#endif

#define SNAP_MAGIC "RDRSNAP"  /* 7 chars + NUL = 8 bytes */
#define SNAP_MAGIC_LEN 8
#define SNAP_VERSION 1
#define SNAP_HEADER_LEN (SNAP_MAGIC_LEN + 4 + 4 + 8)
#define SNAP_TRAILER_LEN 8
#define SNAP_FLAG_EXPIRE 0x01
#define SNAP_HOLE_REC_LEN 9   /* smallest record: 'h' + u64 */
#define SNAP_FLUSH_BYTES (1u << 20)
#define SEQ_LIMIT (UINT64_C(1) << KV_SEQ_BITS)

/* ---- checksum: a streaming 64-bit multiply/rotate hash over 8-byte words ---------
 * Not cryptographic: it catches truncation and corruption of the snapshot file, at
 * several GB/s so it costs little next to the serialization itself. */
#define H_P1 UINT64_C(0x9E3779B185EBCA87)
#define H_P2 UINT64_C(0xC2B2AE3D27D4EB4F)

typedef struct snap_hash {
    uint64_t h;
    uint64_t total;
    unsigned char tail[8];
    size_t tail_len;
} snap_hash;

static inline uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static inline uint64_t load_le64(const unsigned char *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
}

static inline uint64_t hash_round(uint64_t h, uint64_t w)
{
    return rotl64(h ^ (w * H_P2), 31) * H_P1;
}

static void hash_init(snap_hash *s)
{
    memset(s, 0, sizeof(*s));
    s->h = H_P1 ^ UINT64_C(0x52445253); /* "RDRS" */
}

static void hash_update(snap_hash *s, const void *data, size_t n)
{
    const unsigned char *p = data;
    s->total += n;
    if (s->tail_len) {
        while (n && s->tail_len < 8) {
            s->tail[s->tail_len++] = *p++;
            n--;
        }
        if (s->tail_len < 8)
            return;
        s->h = hash_round(s->h, load_le64(s->tail));
        s->tail_len = 0;
    }
    uint64_t h = s->h;
    while (n >= 8) {
        h = hash_round(h, load_le64(p));
        p += 8;
        n -= 8;
    }
    s->h = h;
    memcpy(s->tail, p, n);
    s->tail_len = n;
}

static uint64_t hash_final(const snap_hash *s)
{
    uint64_t h = s->h;
    if (s->tail_len) {
        unsigned char w[8] = {0};
        memcpy(w, s->tail, s->tail_len);
        h = hash_round(h, load_le64(w));
    }
    h = hash_round(h, s->total);
    h ^= h >> 33;
    h *= H_P2;
    h ^= h >> 29;
    return h;
}

uint64_t snapshot_checksum(const char *p, size_t len)
{
    snap_hash s;
    hash_init(&s);
    hash_update(&s, p, len);
    return hash_final(&s);
}

/* ---- writer ------------------------------------------------------------------------
 * Appends to a bytebuf; with fd >= 0 (the fork child) the buffer is written out and
 * emptied every SNAP_FLUSH_BYTES between records, so the child never holds the whole
 * snapshot twice. Everything written is hashed for the trailer. */
typedef struct snap_writer {
    bytebuf *b;
    int fd;
    int failed;
    size_t hashed;  /* b->data[0..hashed) already hashed */
    uint64_t total; /* bytes handed to fd */
    snap_hash h;
} snap_writer;

static void put_u8(bytebuf *b, unsigned v)
{
    bytebuf_append_char(b, (char)(unsigned char)v);
}

static void put_u32(bytebuf *b, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    bytebuf_append(b, x, 4);
}

static void put_u64(bytebuf *b, uint64_t v)
{
    unsigned char x[8];
    for (int i = 0; i < 8; i++)
        x[i] = (unsigned char)(v >> (8 * i));
    bytebuf_append(b, x, 8);
}

static void patch_u64(bytebuf *b, size_t off, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        b->data[off + i] = (char)(unsigned char)(v >> (8 * i));
}

static void w_flush(snap_writer *w, int hash)
{
    if (hash && w->b->len > w->hashed)
        hash_update(&w->h, w->b->data + w->hashed, w->b->len - w->hashed);
    w->hashed = w->b->len;
#ifndef SNAPSHOT_FORMAT_ONLY
    if (w->fd < 0 || w->failed)
        return;
    size_t off = 0;
    while (off < w->b->len) {
        ssize_t n = write(w->fd, w->b->data + off, w->b->len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            w->failed = 1;
            return;
        }
        off += (size_t)n;
    }
    w->total += w->b->len;
    bytebuf_clear(w->b);
    w->hashed = 0;
#endif
}

static void write_entry(bytebuf *b, const kv *v)
{
    int type = kv_type(v), enc = kv_encoding(v);
    int64_t exp = kv_expire(v);
    put_u8(b, 'k');
    put_u64(b, kv_seq(v));
    put_u8(b, (unsigned)type);
    put_u8(b, (unsigned)enc);
    put_u8(b, exp >= 0 ? SNAP_FLAG_EXPIRE : 0);
    put_u32(b, v->lru);
    if (exp >= 0)
        put_u64(b, (uint64_t)exp);
    put_u32(b, (uint32_t)kv_keylen(v));
    bytebuf_append(b, kv_key(v), kv_keylen(v));
    if (type == OBJ_STRING) {
        if (enc == ENC_INT) {
            long long n = 0;
            kv_string_ll(v, &n);
            put_u64(b, (uint64_t)(int64_t)n);
        } else {
            char intbuf[32];
            const char *s;
            size_t n = kv_string(v, intbuf, &s);
            put_u32(b, (uint32_t)n);
            bytebuf_append(b, s, n);
        }
        return;
    }
    /* Collections: length-prefixed save() bytes. A type without save support would
     * make the snapshot unloadable; write an empty payload, which load() refuses, so
     * the problem shows up at once rather than as silently missing data. */
    const kv_type_ops *ops = kv_type_get_ops(type);
    size_t at = b->len;
    put_u64(b, 0);
    if (ops && ops->save && kv_ptr(v))
        ops->save(kv_ptr(v), enc, b);
    patch_u64(b, at, (uint64_t)(b->len - at - 8));
}

static void serialize_to(snap_writer *w, server *s)
{
    bytebuf *b = w->b;
    bytebuf_append(b, SNAP_MAGIC, SNAP_MAGIC_LEN); /* includes the NUL */
    put_u32(b, SNAP_VERSION);
    put_u32(b, 0);
    put_u64(b, (uint64_t)s->last_entry_ms);

    for (int i = 0; i < SERVER_DBNUM_MAX; i++) {
        const db *d = &s->dbs[i];
        const kvtable *t = &d->table;
        put_u8(b, 'D');
        put_u32(b, (uint32_t)i);
        put_u64(b, d->next_seq);
        put_u64(b, t->used);
        put_u64(b, t->count);
        for (size_t pos = 0; pos < t->used; pos++) {
            /* bytebuf grows by 1 MiB steps past 1 MiB: double it ourselves, or a large
             * in-memory snapshot costs quadratic copying */
            if (b->cap - b->len < 4096)
                bytebuf_reserve(b, b->len + 65536);
            const kv *v = kvtable_at(t, pos);
            if (v) {
                write_entry(b, v);
            } else {
                put_u8(b, 'h');
                put_u64(b, kvtable_seq_at(t, pos));
            }
            if (w->fd >= 0 && b->len >= SNAP_FLUSH_BYTES)
                w_flush(w, 1);
        }
    }

    put_u8(b, 'M');
    size_t at = b->len;
    put_u64(b, 0);
    members_save(b);
    patch_u64(b, at, (uint64_t)(b->len - at - 8));
    put_u8(b, 'E');
    w_flush(w, 1);
    put_u64(b, hash_final(&w->h));
    w_flush(w, 0);
}

void snapshot_serialize(server *s, bytebuf *out)
{
    snap_writer w = {.b = out, .fd = -1, .hashed = out->len};
    hash_init(&w.h);
    serialize_to(&w, s);
}

/* ---- reader ------------------------------------------------------------------------ */
typedef struct snap_reader {
    const unsigned char *p, *end;
    int err;
} snap_reader;

static inline int r_need(snap_reader *r, size_t n)
{
    if (r->err || (size_t)(r->end - r->p) < n) {
        r->err = 1;
        return 0;
    }
    return 1;
}

static unsigned get_u8(snap_reader *r)
{
    if (!r_need(r, 1))
        return 0;
    return *r->p++;
}

static uint32_t get_u32(snap_reader *r)
{
    if (!r_need(r, 4))
        return 0;
    uint32_t v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 |
                 (uint32_t)r->p[3] << 24;
    r->p += 4;
    return v;
}

static uint64_t get_u64(snap_reader *r)
{
    if (!r_need(r, 8))
        return 0;
    uint64_t v = load_le64(r->p);
    r->p += 8;
    return v;
}

/* n bytes in place, or NULL (and r->err) if the input is shorter. */
static const char *get_bytes(snap_reader *r, uint64_t n)
{
    if (r->err || (uint64_t)(r->end - r->p) < n) {
        r->err = 1;
        return NULL;
    }
    const char *p = (const char *)r->p;
    r->p += n;
    return p;
}

/* The replicated state, emptied: every database (next_seq back to 1), the member table
 * and the entry clock. */
static void state_clear(server *s)
{
    for (int i = 0; i < SERVER_DBNUM_MAX; i++) {
        db *d = &s->dbs[i];
        kvtable_clear(&d->table); /* keeps the slot index attached; reinserts rebuild it */
        d->expires = 0;
        d->next_seq = 1;
    }
    members_clear();
    s->last_entry_ms = 0;
}

/* Builds a string kv with exactly the stored encoding. kv_new_string picks the encoding
 * from the content; EMBSTR and RAW share one layout, so only the name may need fixing,
 * except for text that looks like an integer but was stored as text (APPEND etc.). */
static kv *load_string(snap_reader *r, const char *key, uint32_t klen, int enc, int64_t exp)
{
    if (enc == ENC_INT) {
        uint64_t n = get_u64(r);
        if (r->err)
            return NULL;
        return kv_new_string_ll(key, klen, (long long)(int64_t)n, exp);
    }
    if (enc != ENC_EMBSTR && enc != ENC_RAW)
        return NULL;
    uint32_t vlen = get_u32(r);
    const char *val = get_bytes(r, vlen);
    if (!val)
        return NULL;
    kv *v = kv_new_string(key, klen, val, vlen, exp);
    if (kv_encoding(v) == ENC_INT)
        v = kv_string_set(v, val, vlen, 1);
    kv_set_encoding(v, enc);
    return v;
}

static kv *load_entry(snap_reader *r, uint64_t seq)
{
    unsigned type = get_u8(r), enc = get_u8(r), flags = get_u8(r);
    uint32_t lru = get_u32(r);
    int64_t exp = -1;
    if (flags & ~(unsigned)SNAP_FLAG_EXPIRE)
        return NULL;
    if (flags & SNAP_FLAG_EXPIRE) {
        exp = (int64_t)get_u64(r);
        if (exp < 0)
            return NULL;
    }
    uint32_t klen = get_u32(r);
    const char *key = get_bytes(r, klen);
    if (!key || enc > 15 || type > 15)
        return NULL;

    kv *v;
    if (type == OBJ_STRING) {
        v = load_string(r, key, klen, (int)enc, exp);
    } else {
        const kv_type_ops *ops = kv_type_get_ops((int)type);
        uint64_t len = get_u64(r);
        const char *p = get_bytes(r, len);
        if (!p || !ops || !ops->load)
            return NULL;
        void *ptr = ops->load(p, (size_t)len, (int)enc);
        if (!ptr)
            return NULL;
        v = kv_new_ptr(key, klen, (int)type, (int)enc, ptr, exp);
    }
    if (!v)
        return NULL;
    kv_set_seq(v, seq);
    v->lru = lru;
    return v;
}

static int load_db(snap_reader *r, server *s, int *seen)
{
    uint32_t id = get_u32(r);
    uint64_t next_seq = get_u64(r), used = get_u64(r), count = get_u64(r);
    if (r->err || id >= SERVER_DBNUM_MAX || seen[id])
        return -1;
    seen[id] = 1;
    if (next_seq < 1 || next_seq > SEQ_LIMIT || count > used ||
        used > (uint64_t)(r->end - r->p) / SNAP_HOLE_REC_LEN)
        return -1;

    db *d = &s->dbs[id];
    d->next_seq = next_seq;
    uint64_t prev = 0, live = 0;
    for (uint64_t pos = 0; pos < used; pos++) {
        unsigned tag = get_u8(r);
        uint64_t seq = get_u64(r);
        /* seqs strictly increase along the dense array and stay below next_seq */
        if (r->err || seq <= prev || seq >= next_seq)
            return -1;
        prev = seq;
        if (tag == 'h') {
            if (pos + 1 == used) /* the table drops trailing holes at once */
                return -1;
            kvtable_append_hole(&d->table, seq);
            continue;
        }
        if (tag != 'k')
            return -1;
        kv *v = load_entry(r, seq);
        if (!v)
            return -1;
        if (kvtable_find(&d->table, kv_key(v), kv_keylen(v), NULL)) { /* duplicate key */
            kv_free(v);
            return -1;
        }
        kvtable_insert(&d->table, v);
        if (kv_expire(v) >= 0)
            d->expires++;
        live++;
    }
    return live == count ? 0 : -1;
}

static int load_sections(snap_reader *r, server *s)
{
    if (memcmp(r->p, SNAP_MAGIC, SNAP_MAGIC_LEN) != 0)
        return -1;
    r->p += SNAP_MAGIC_LEN;
    if (get_u32(r) != SNAP_VERSION || get_u32(r) != 0)
        return -1;
    s->last_entry_ms = (int64_t)get_u64(r);

    int seen[SERVER_DBNUM_MAX] = {0};
    int members_seen = 0;
    for (;;) {
        unsigned tag = get_u8(r);
        if (r->err)
            return -1;
        if (tag == 'E')
            return r->p == r->end ? 0 : -1;
        if (tag == 'D') {
            if (load_db(r, s, seen) != 0)
                return -1;
        } else if (tag == 'M') {
            uint64_t len = get_u64(r);
            const char *p = get_bytes(r, len);
            if (!p || members_seen++)
                return -1;
            if (members_load(p, (size_t)len) != 0)
                return -1;
        } else {
            return -1;
        }
    }
}

int snapshot_load(server *s, const char *p, size_t len)
{
    state_clear(s);
    if (!p || len < SNAP_HEADER_LEN + 1 + SNAP_TRAILER_LEN)
        return -1;
    size_t body = len - SNAP_TRAILER_LEN;
    if (snapshot_checksum(p, body) != load_le64((const unsigned char *)p + body))
        return -1;
    snap_reader r = {(const unsigned char *)p, (const unsigned char *)p + body, 0};
    if (load_sections(&r, s) != 0) {
        state_clear(s);
        return -1;
    }
    return 0;
}

#ifndef SNAPSHOT_FORMAT_ONLY
/* ---- taking snapshots ------------------------------------------------------------- */

static snapshot_stats stats;

/* How the buffers of the snapshot raft currently holds were produced. */
enum snap_mode { SNAP_NONE = 0, SNAP_SYNC, SNAP_FORK };

/* What the child reports on its pipe once the memfd is complete. */
typedef struct child_report {
    uint64_t magic;
    uint64_t bytes;
    uint64_t checksum;
} child_report;
#define REPORT_MAGIC UINT64_C(0x5244525350414E53) /* "RDRSPANS" */

static struct {
    int mode;                      /* enum snap_mode; SNAP_NONE when idle */
    struct raft_buffer *bufs;      /* the array handed to raft (ours: freed in finalize) */
    pid_t pid;                     /* running (or unreaped) child, 0 if none */
    int child_state;               /* 0 running, 1 reported, -1 failed */
    int memfd, rfd;                /* memfd with the bytes, pipe from the child */
    uv_poll_t *poll;               /* on rfd; heap, freed in its close callback */
    child_report report;
    size_t report_got;
    void *map;                     /* mmap of the memfd handed to raft */
    size_t map_len;
    /* the held snapshot_put, until the child reported */
    int put_held;
    struct raft_io *io;
    unsigned trailing;
    struct raft_io_snapshot_put *req;
    const struct raft_snapshot *snap;
    raft_io_snapshot_put_cb cb;
    int64_t started_us;            /* for last_duration_ms */
    int64_t block_us;              /* loop-thread time spent on this snapshot so far */
    int64_t fork_us;               /* of which fork() */
} cur = {.memfd = -1, .rfd = -1};

/* Children that were killed or finished, reaped without blocking by a timer. */
#define REAP_MAX 8
static pid_t reap_pids[REAP_MAX];
static int reap_count;
static uv_timer_t reap_timer;
static int reap_timer_init;
static int shutting_down; /* snapshot_shutdown or io close: no new handles */

static int (*real_put)(struct raft_io *, unsigned, struct raft_io_snapshot_put *,
                       const struct raft_snapshot *, raft_io_snapshot_put_cb);
static void (*real_close)(struct raft_io *, raft_io_close_cb);
static struct raft_io *wrapped_io;

const snapshot_stats *snapshot_get_stats(void)
{
    return &stats;
}

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uv_loop_t *snap_loop(void)
{
    return g_server.loop ? g_server.loop : uv_default_loop();
}

static void reap_tick(uv_timer_t *t)
{
    int w = 0;
    for (int i = 0; i < reap_count; i++) {
        int status;
        pid_t r = waitpid(reap_pids[i], &status, WNOHANG);
        if (r == 0 || (r < 0 && errno == EINTR))
            reap_pids[w++] = reap_pids[i];
    }
    reap_count = w;
    if (reap_count == 0)
        uv_timer_stop(t);
}

/* Hands a child to the reaper: its exit (tearing down a big copy-on-write address
 * space) may take a while, and waitpid must not block the loop for it. */
static void reap_later(pid_t pid)
{
    if (pid <= 0)
        return;
    if (shutting_down) { /* no more handles: the child was SIGKILLed, wait for it */
        waitpid(pid, NULL, 0);
        return;
    }
    if (reap_count == REAP_MAX || !reap_timer_init) {
        if (!reap_timer_init) {
            uv_timer_init(snap_loop(), &reap_timer);
            uv_unref((uv_handle_t *)&reap_timer);
            reap_timer_init = 1;
        }
        if (reap_count == REAP_MAX) { /* pathological: block for the oldest */
            waitpid(reap_pids[0], NULL, 0);
            memmove(reap_pids, reap_pids + 1, (REAP_MAX - 1) * sizeof(pid_t));
            reap_count--;
        }
    }
    reap_pids[reap_count++] = pid;
    if (!uv_is_active((uv_handle_t *)&reap_timer))
        uv_timer_start(&reap_timer, reap_tick, 10, 10);
}

static void poll_closed(uv_handle_t *h)
{
    rd_free(h);
}

/* Releases the child side (process, pipe, poll handle) but not the mapping. */
static void child_release(int kill_it)
{
    if (cur.poll) {
        uv_poll_stop(cur.poll);
        uv_close((uv_handle_t *)cur.poll, poll_closed);
        cur.poll = NULL;
    }
    if (cur.rfd >= 0) {
        close(cur.rfd);
        cur.rfd = -1;
    }
    if (cur.pid > 0) {
        if (kill_it)
            kill(cur.pid, SIGKILL);
        reap_later(cur.pid);
        cur.pid = 0;
    }
}

/* Unmapping and closing the memfd free every page of the snapshot (milliseconds for
 * tens of MB): done in the threadpool unless the loop is going away. */
typedef struct unmap_work {
    uv_work_t work;
    void *map;
    size_t len;
    int fd;
} unmap_work;

static void unmap_now(void *map, size_t len, int fd)
{
    if (map)
        munmap(map, len);
    if (fd >= 0)
        close(fd);
}

static void unmap_work_cb(uv_work_t *w)
{
    unmap_work *u = (unmap_work *)w;
    unmap_now(u->map, u->len, u->fd);
}

static void unmap_after_cb(uv_work_t *w, int status)
{
    (void)status;
    rd_free(w);
}

/* Everything of the current snapshot, after raft is done with its buffers. */
static void cur_release_mode(int async)
{
    child_release(1);
    if (cur.map || cur.memfd >= 0) {
        unmap_work *u = async ? rd_malloc(sizeof(*u)) : NULL;
        if (u) {
            u->map = cur.map;
            u->len = cur.map_len;
            u->fd = cur.memfd;
            if (uv_queue_work(snap_loop(), &u->work, unmap_work_cb, unmap_after_cb) != 0) {
                rd_free(u);
                unmap_now(cur.map, cur.map_len, cur.memfd);
            }
        } else {
            unmap_now(cur.map, cur.map_len, cur.memfd);
        }
        cur.map = NULL;
        cur.map_len = 0;
        cur.memfd = -1;
    }
    if (cur.bufs) {
        if (cur.mode == SNAP_SYNC && cur.bufs[0].base)
            rd_free(cur.bufs[0].base);
        raft_free(cur.bufs);
        cur.bufs = NULL;
    }
    cur.mode = SNAP_NONE;
    cur.child_state = 0;
    cur.put_held = 0;
    cur.report_got = 0;
    stats.in_progress = 0;
}

static void cur_release(void)
{
    cur_release_mode(!shutting_down);
}

/* ---- the child ---------------------------------------------------------------------- */

/* Closes every descriptor from 3 up except the two the child writes to, so that the
 * child does not keep listeners, client sockets or raft's files open. */
static void child_close_fds(int a, int b)
{
    int lo = a < b ? a : b, hi = a < b ? b : a;
    if (lo > 3)
        close_range(3, (unsigned)lo - 1, 0);
    if (hi > lo + 1)
        close_range((unsigned)lo + 1, (unsigned)hi - 1, 0);
    close_range((unsigned)hi + 1, ~0U, 0);
}

static void write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        c += w;
        n -= (size_t)w;
    }
}

static void __attribute__((noreturn)) child_main(pid_t parent, int memfd, int wfd)
{
    /* Die with the parent (kill -9 of a node must not leave a serializer behind), and
     * let SIGTERM/SIGINT kill the child instead of running the parent's libuv
     * handlers. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(2);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    child_close_fds(memfd, wfd);

    bytebuf b;
    bytebuf_init(&b);
    snap_writer w = {.b = &b, .fd = memfd};
    hash_init(&w.h);
    serialize_to(&w, &g_server);
    if (w.failed)
        _exit(1);
    /* the trailer (last 8 bytes written) is the checksum; report it with the size */
    child_report rep = {REPORT_MAGIC, w.total, hash_final(&w.h)};
    write_all(wfd, &rep, sizeof(rep));
    _exit(0);
}

/* ---- parent side ---------------------------------------------------------------- */

static void fail_held_put(int status)
{
    struct raft_io_snapshot_put *req = cur.req;
    raft_io_snapshot_put_cb cb = cur.cb;
    cur.put_held = 0;
    /* raft's callback calls finalize, which releases everything */
    cb(req, status);
}

/* The child reported: map its bytes and let the held put go ahead. */
static void child_finished(int ok)
{
    int64_t t0 = now_us();
    cur.child_state = ok ? 1 : -1;
    child_release(0);
    if (!ok) {
        stats.failed++;
        server_log(LL_WARNING, "snapshot: the serializing child failed");
        if (cur.put_held)
            fail_held_put(RAFT_IOERR);
        return;
    }
    size_t len = (size_t)cur.report.bytes;
    void *map = len ? mmap(NULL, len, PROT_READ, MAP_SHARED, cur.memfd, 0) : MAP_FAILED;
    if (map == MAP_FAILED) {
        stats.failed++;
        server_log(LL_WARNING, "snapshot: mmap of %zu bytes failed", len);
        cur.child_state = -1;
        if (cur.put_held)
            fail_held_put(RAFT_IOERR);
        return;
    }
    cur.map = map;
    cur.map_len = len;
    cur.bufs[0].base = map;
    cur.bufs[0].len = len;
    cur.block_us += now_us() - t0;
    if (!cur.put_held)
        return;
    cur.put_held = 0;
    /* Last thing, with locals: the put's callback runs finalize, which resets `cur`
     * (a synchronous test double calls it before returning). */
    struct raft_io_snapshot_put *req = cur.req;
    raft_io_snapshot_put_cb cb = cur.cb;
    int rv = real_put(cur.io, cur.trailing, req, cur.snap, cb);
    if (rv != 0) {
        server_log(LL_WARNING, "snapshot: storing the snapshot failed (%d)", rv);
        cb(req, rv);
    }
}

static void poll_cb(uv_poll_t *h, int status, int events)
{
    (void)h;
    (void)events;
    if (status < 0) {
        child_finished(0);
        return;
    }
    for (;;) {
        ssize_t n = read(cur.rfd, (char *)&cur.report + cur.report_got,
                         sizeof(cur.report) - cur.report_got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n > 0) {
            cur.report_got += (size_t)n;
            if (cur.report_got < sizeof(cur.report))
                continue;
            child_finished(cur.report.magic == REPORT_MAGIC && cur.report.bytes > 0);
            return;
        }
        child_finished(0); /* EOF before a complete report: the child died */
        return;
    }
}

/* Starts the child. Returns 0, or -1 (nothing left behind) if it cannot. */
static int fork_child(void)
{
    int memfd = memfd_create("redraft-snapshot", MFD_CLOEXEC);
    if (memfd < 0)
        return -1;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        close(memfd);
        return -1;
    }
    pid_t parent = getpid();
    int64_t t0 = now_us();
    pid_t pid = fork();
    cur.fork_us = now_us() - t0;
    if (pid < 0) {
        close(memfd);
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        child_main(parent, memfd, fds[1]);
    }
    close(fds[1]);
    fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
    uv_poll_t *poll = rd_malloc(sizeof(*poll));
    if (uv_poll_init(snap_loop(), poll, fds[0]) != 0) {
        rd_free(poll);
        kill(pid, SIGKILL);
        reap_later(pid);
        close(memfd);
        close(fds[0]);
        return -1;
    }
    uv_poll_start(poll, UV_READABLE | UV_DISCONNECT, poll_cb);
    cur.pid = pid;
    cur.memfd = memfd;
    cur.rfd = fds[0];
    cur.poll = poll;
    cur.child_state = 0;
    cur.report_got = 0;
    return 0;
}

static int fsm_snapshot(struct raft_fsm *fsm, struct raft_buffer *bufs[], unsigned *n_bufs)
{
    (void)fsm;
    int64_t t0 = now_us();
    if (cur.mode != SNAP_NONE) /* raft takes one at a time; be safe anyway */
        return RAFT_BUSY;
    struct raft_buffer *arr = raft_malloc(sizeof(*arr));
    if (!arr)
        return RAFT_NOMEM;
    arr[0].base = NULL;
    arr[0].len = 0;
    cur.bufs = arr;
    cur.started_us = t0;
    cur.block_us = 0;
    cur.fork_us = 0;
    stats.in_progress = 1;

    if (wrapped_io && !shutting_down && fork_child() == 0) {
        cur.mode = SNAP_FORK;
    } else {
        /* Fallback: serialize here (blocks the loop for the whole keyspace). */
        if (wrapped_io && !shutting_down)
            server_log(LL_WARNING, "snapshot: fork failed (%s), serializing in-line",
                       strerror(errno));
        bytebuf b;
        bytebuf_init(&b);
        snapshot_serialize(&g_server, &b);
        size_t len;
        arr[0].base = bytebuf_detach(&b, &len);
        arr[0].len = len;
        cur.mode = SNAP_SYNC;
    }
    *bufs = arr;
    *n_bufs = 1;
    cur.block_us += now_us() - t0;
    return 0;
}

static int fsm_snapshot_finalize(struct raft_fsm *fsm, struct raft_buffer *bufs[],
                                 unsigned *n_bufs)
{
    (void)fsm;
    int64_t t0 = now_us();
    if (*bufs && *bufs == cur.bufs) {
        int ok = cur.mode == SNAP_SYNC || cur.child_state == 1;
        size_t bytes = cur.bufs[0].len;
        cur_release();
        if (ok) {
            stats.taken++;
            stats.last_bytes = (long long)bytes;
            stats.last_duration_ms = (now_us() - cur.started_us) / 1000;
            stats.last_loop_block_us = cur.block_us + (now_us() - t0);
            stats.last_fork_us = cur.fork_us;
        }
    } else if (*bufs) { /* not ours: cannot happen, free as raft would */
        for (unsigned i = 0; i < *n_bufs; i++)
            raft_free((*bufs)[i].base);
        raft_free(*bufs);
    }
    *bufs = NULL;
    *n_bufs = 0;
    return 0;
}

static int fsm_restore(struct raft_fsm *fsm, struct raft_buffer *buf)
{
    (void)fsm;
    if (snapshot_load(&g_server, buf->base, buf->len) != 0) {
        stats.failed++;
        server_log(LL_WARNING, "snapshot: refusing a malformed snapshot (%zu bytes)",
                   buf->len);
        return RAFT_MALFORMED;
    }
    stats.restored++;
    peer_links_topology_changed(); /* the member table was replaced */
    raft_free(buf->base);
    return 0;
}

void snapshot_fill_fsm(struct raft_fsm *fsm)
{
    /* Version 2: snapshot + finalize (we free the buffers). v3's snapshot_async would
     * also run on the loop thread in 0.22.1, so it buys nothing. */
    fsm->version = 2;
    fsm->snapshot = fsm_snapshot;
    fsm->restore = fsm_restore;
    fsm->snapshot_finalize = fsm_snapshot_finalize;
    fsm->snapshot_async = NULL;
}

static int wrap_put(struct raft_io *io, unsigned trailing, struct raft_io_snapshot_put *req,
                    const struct raft_snapshot *snapshot, raft_io_snapshot_put_cb cb)
{
    /* Only the put of the snapshot our child is still writing is held; installs
     * (trailing == 0) and in-line snapshots pass straight through. */
    if (trailing == 0 || cur.mode != SNAP_FORK || snapshot->bufs != cur.bufs ||
        cur.child_state == 1)
        return real_put(io, trailing, req, snapshot, cb);
    if (cur.child_state < 0)
        return RAFT_IOERR;
    req->cb = cb;
    cur.put_held = 1;
    cur.io = io;
    cur.trailing = trailing;
    cur.req = req;
    cur.snap = snapshot;
    cur.cb = cb;
    return 0;
}

static void close_reaper(void)
{
    for (int i = 0; i < reap_count; i++)
        waitpid(reap_pids[i], NULL, 0); /* killed children: quick */
    reap_count = 0;
    if (reap_timer_init) {
        uv_timer_stop(&reap_timer);
        if (!uv_is_closing((uv_handle_t *)&reap_timer))
            uv_close((uv_handle_t *)&reap_timer, NULL);
        reap_timer_init = 0;
    }
}

static void wrap_close(struct raft_io *io, raft_io_close_cb cb)
{
    /* raft is shutting down: a held put is cancelled (raft's callback finalizes), the
     * child killed, our handles closed while the loop still runs. */
    shutting_down = 1;
    if (cur.put_held)
        fail_held_put(RAFT_CANCELED);
    if (cur.mode != SNAP_NONE)
        child_release(1);
    close_reaper();
    real_close(io, cb);
}

struct raft_io *snapshot_wrap_io(struct raft_io *uv_io)
{
    if (!uv_io || uv_io == wrapped_io)
        return uv_io;
    real_put = uv_io->snapshot_put;
    real_close = uv_io->close;
    uv_io->snapshot_put = wrap_put;
    uv_io->close = wrap_close;
    wrapped_io = uv_io;
    return uv_io;
}

void snapshot_shutdown(void)
{
    /* Runs before raft_close (raft_node does so). The child is killed, but a held put
     * is failed only by the io close inside raft_close: raft's callback cancels an
     * InstallSnapshot it holds back during a take only when it is already closing (a
     * failure seen earlier would leak that install's data). Buffers of a put raft_uv
     * is still writing stay until raft_uv completes or cancels it and raft finalizes. */
    shutting_down = 1;
    if (cur.mode != SNAP_NONE)
        child_release(1);
    close_reaper();
}
#endif /* SNAPSHOT_FORMAT_ONLY */
