/* log_entry: builder and validating zero-copy decoder of redraft's Raft log entries.
 * The format and the ownership rules are documented in log_entry.h; this file is the
 * only place that knows the byte layout. All integer loads/stores go through the
 * byte-wise little-endian helpers below (no alignment or host byte-order assumption),
 * and every length check is written as "need <= remaining" so that it cannot overflow. */
#include "log_entry.h"

#include <string.h>

#include "mem.h"
#include "varint.h"

/* ---- little-endian helpers ------------------------------------------------------- */

static void put_u16(char *p, uint16_t v)
{
    p[0] = (char)(v & 0xff);
    p[1] = (char)(v >> 8);
}

static void put_u32(char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (char)((v >> (8 * i)) & 0xff);
}

static void put_u64(char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (char)((v >> (8 * i)) & 0xff);
}

static uint16_t get_u16(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return (uint16_t)(u[0] | (u[1] << 8));
}

static uint32_t get_u32(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return (uint32_t)u[0] | ((uint32_t)u[1] << 8) | ((uint32_t)u[2] << 16) |
           ((uint32_t)u[3] << 24);
}

static uint64_t get_u64(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | u[i];
    return v;
}

/* Two's complement conversion without implementation-defined casts. */
static uint64_t i64_to_u64(int64_t v)
{
    return v >= 0 ? (uint64_t)v : (uint64_t)(-(v + 1)) ^ UINT64_MAX;
}

static int64_t u64_to_i64(uint64_t v)
{
    if (v <= (uint64_t)INT64_MAX)
        return (int64_t)v;
    return -(int64_t)(v ^ UINT64_MAX) - 1;
}

/* ---- common ---------------------------------------------------------------------- */

const char *log_entry_strerror(int err)
{
    switch (err) {
    case LOG_ENTRY_OK: return "ok";
    case LOG_ENTRY_ETRUNCATED: return "log entry truncated";
    case LOG_ENTRY_EMAGIC: return "log entry has a bad magic number";
    case LOG_ENTRY_EVERSION: return "log entry has an unknown format version";
    case LOG_ENTRY_ETYPE: return "log entry has an unknown or reserved type";
    case LOG_ENTRY_ELENGTH: return "log entry length does not match its buffer";
    case LOG_ENTRY_EPADDING: return "log entry padding is not zero";
    case LOG_ENTRY_ERESERVED: return "log entry reserved field is not zero";
    case LOG_ENTRY_ECOUNT: return "log entry count or length runs past its end";
    case LOG_ENTRY_ETRAILING: return "log entry has trailing bytes";
    case LOG_ENTRY_EREASON: return "log entry has an unknown delete reason";
    case LOG_ENTRY_EINVAL: return "invalid log entry builder call";
    case LOG_ENTRY_ETOOBIG: return "value too big for the log entry format";
    case LOG_ENTRY_EVARINT: return "log entry has a malformed or out-of-range varint";
    default: return "unknown error";
    }
}

size_t log_entry_padded_len(size_t n)
{
    if (n > SIZE_MAX - (LOG_ENTRY_ALIGN - 1))
        return 0;
    return (n + LOG_ENTRY_ALIGN - 1) & ~(size_t)(LOG_ENTRY_ALIGN - 1);
}

static int valid_reason(unsigned r)
{
    return r == LOG_ENTRY_DEL_EXPIRED || r == LOG_ENTRY_DEL_EVICTED;
}

/* ---- varints (format 2) ---------------------------------------------------------- */

/* Reads the varint at *off, never past end, into *out; only the shortest form of a
 * value is accepted, so every value has exactly one byte form. ECOUNT: cut by end;
 * EVARINT: over-long, or more than 64 bits. */
static int get_varint(const char *p, size_t *off, size_t end, uint64_t *out)
{
    if (*off < end && !((unsigned char)p[*off] & 0x80)) {
        *out = (unsigned char)p[(*off)++]; /* one byte: most fields, always canonical */
        return LOG_ENTRY_OK;
    }
    size_t avail = end - *off;
    size_t n = varint_get(p + *off, avail, out);
    if (n == 0) {
        /* No final byte before end (and room for one more): truncated. */
        for (size_t i = 0; i < avail && i < VARINT_MAX_LEN; i++)
            if (!((unsigned char)p[*off + i] & 0x80))
                return LOG_ENTRY_EVARINT;
        return avail < VARINT_MAX_LEN ? LOG_ENTRY_ECOUNT : LOG_ENTRY_EVARINT;
    }
    if (n != varint_len(*out))
        return LOG_ENTRY_EVARINT;
    *off += n;
    return LOG_ENTRY_OK;
}

/* ---- builder (always writes LOG_ENTRY_VERSION) ------------------------------------ */

static void builder_zero(log_entry_builder *b)
{
    bytebuf_init(&b->buf);
    b->type = 0;
    b->reason = 0;
    b->db = 0;
    b->count = 0;
    b->body_len = 0;
    b->finished = 0;
}

int log_entry_builder_init(log_entry_builder *b, log_entry_type type)
{
    builder_zero(b);
    if (type != LOG_ENTRY_COMMANDS && type != LOG_ENTRY_BARRIER)
        return LOG_ENTRY_EINVAL;
    b->type = (uint8_t)type;
    return LOG_ENTRY_OK;
}

int log_entry_builder_init_delete(log_entry_builder *b, uint16_t db,
                                  log_entry_delete_reason reason)
{
    builder_zero(b);
    if (!valid_reason((unsigned)reason))
        return LOG_ENTRY_EREASON;
    b->type = LOG_ENTRY_DELETE;
    b->db = db;
    b->reason = (uint8_t)reason;
    return LOG_ENTRY_OK;
}

void log_entry_builder_reset(log_entry_builder *b)
{
    bytebuf_clear(&b->buf);
    b->count = 0;
    b->body_len = 0;
    b->finished = 0;
}

void log_entry_builder_free(log_entry_builder *b)
{
    bytebuf_free(&b->buf);
    b->count = 0;
    b->body_len = 0;
    b->finished = 0;
}

/* Bytes before the first item: the header, plus db and reason for DELETE. */
static size_t items_prefix_len(const log_entry_builder *b)
{
    size_t n = LOG_ENTRY_HEADER_LEN;
    if (b->type == LOG_ENTRY_DELETE)
        n += varint_len(b->db) + 1;
    return n;
}

/* Writes the header placeholder and the payload prefix the first time. */
static void builder_start(log_entry_builder *b)
{
    if (b->body_len)
        return;
    bytebuf_clear(&b->buf);
    char hdr[LOG_ENTRY_HEADER_LEN + VARINT_MAX_LEN + 1];
    memset(hdr, 0, sizeof hdr);
    size_t n = LOG_ENTRY_HEADER_LEN;
    if (b->type == LOG_ENTRY_DELETE) {
        n += varint_put(hdr + n, b->db);
        hdr[n++] = (char)b->reason;
    }
    bytebuf_append(&b->buf, hdr, n);
    b->body_len = n;
}

/* Appends one length-prefixed string at w; returns the new end. */
static char *put_string(char *w, const char *p, size_t len)
{
    w += varint_put(w, len);
    if (len)
        memcpy(w, p, len);
    return w + len;
}

int log_entry_builder_add_command(log_entry_builder *b, uint64_t client_id, uint64_t seq,
                                  uint16_t db, uint32_t flags, int argc, const rd_arg *argv)
{
    if (b->type != LOG_ENTRY_COMMANDS || b->finished || argc < 1 || !argv)
        return LOG_ENTRY_EINVAL;
    if (b->count == UINT32_MAX) /* (an int argc always fits the u32 field) */
        return LOG_ENTRY_ETOOBIG;
    /* Validate and bound the size before touching the buffer: nothing is appended on
     * error, and one reservation covers the whole command. */
    size_t need = 5 * VARINT_MAX_LEN;
    for (int i = 0; i < argc; i++) {
        if (argv[i].len > LOG_ENTRY_MAX_LEN32 || (argv[i].len && !argv[i].ptr))
            return argv[i].len > LOG_ENTRY_MAX_LEN32 ? LOG_ENTRY_ETOOBIG : LOG_ENTRY_EINVAL;
        if (argv[i].len > SIZE_MAX - VARINT_MAX_LEN - need)
            return LOG_ENTRY_ETOOBIG;
        need += VARINT_MAX_LEN + argv[i].len;
    }
    builder_start(b);
    if (need > SIZE_MAX - b->buf.len)
        return LOG_ENTRY_ETOOBIG;
    bytebuf_reserve(&b->buf, need);
    char *w = b->buf.data + b->buf.len;
    w += varint_put(w, client_id);
    w += varint_put(w, seq);
    w += varint_put(w, db);
    w += varint_put(w, flags);
    w += varint_put(w, (uint64_t)argc);
    for (int i = 0; i < argc; i++)
        w = put_string(w, argv[i].ptr, argv[i].len);
    b->buf.len = (size_t)(w - b->buf.data);
    b->count++;
    b->body_len = b->buf.len;
    return LOG_ENTRY_OK;
}

int log_entry_builder_add_key(log_entry_builder *b, const char *key, size_t len)
{
    if (b->type != LOG_ENTRY_DELETE || b->finished || (len && !key))
        return LOG_ENTRY_EINVAL;
    if (b->count == UINT32_MAX || len > LOG_ENTRY_MAX_LEN32)
        return LOG_ENTRY_ETOOBIG;
    builder_start(b);
    if (len > SIZE_MAX - VARINT_MAX_LEN - b->buf.len)
        return LOG_ENTRY_ETOOBIG;
    bytebuf_reserve(&b->buf, VARINT_MAX_LEN + len);
    char *w = put_string(b->buf.data + b->buf.len, key, len);
    b->buf.len = (size_t)(w - b->buf.data);
    b->count++;
    b->body_len = b->buf.len;
    return LOG_ENTRY_OK;
}

uint32_t log_entry_builder_count(const log_entry_builder *b)
{
    return b->count;
}

size_t log_entry_builder_size(const log_entry_builder *b)
{
    return log_entry_padded_len(b->body_len ? b->body_len : items_prefix_len(b));
}

static void write_header(char *p, uint8_t type, uint32_t count, uint64_t length,
                         int64_t time_ms, uint64_t seed)
{
    put_u16(p, LOG_ENTRY_MAGIC);
    p[2] = (char)LOG_ENTRY_VERSION;
    p[3] = (char)type;
    put_u32(p + 4, count);
    put_u64(p + 8, length);
    put_u64(p + 16, i64_to_u64(time_ms));
    put_u64(p + 24, seed);
}

int log_entry_builder_finish(log_entry_builder *b, int64_t time_ms, uint64_t seed,
                             const char **data, size_t *len)
{
    if (b->type != LOG_ENTRY_COMMANDS && b->type != LOG_ENTRY_BARRIER &&
        b->type != LOG_ENTRY_DELETE)
        return LOG_ENTRY_EINVAL;
    builder_start(b);
    size_t padded = log_entry_padded_len(b->body_len);
    if (padded == 0)
        return LOG_ENTRY_ETOOBIG;
    b->buf.len = b->body_len; /* drop the padding of an earlier finish */
    write_header(b->buf.data, b->type, b->count, (uint64_t)b->body_len, time_ms, seed);
    static const char zeros[LOG_ENTRY_ALIGN];
    bytebuf_append(&b->buf, zeros, padded - b->body_len);
    b->finished = 1;
    *data = b->buf.data;
    *len = b->buf.len;
    return LOG_ENTRY_OK;
}

void log_entry_encode_barrier(bytebuf *out, int64_t time_ms, uint64_t seed)
{
    char hdr[LOG_ENTRY_HEADER_LEN];
    write_header(hdr, LOG_ENTRY_BARRIER, 0, LOG_ENTRY_HEADER_LEN, time_ms, seed);
    bytebuf_append(out, hdr, sizeof hdr); /* 32 bytes: already a multiple of 8 */
}

/* ---- reading items (both versions) ------------------------------------------------ *
 * The decoder validates with these, and the iterator reads with the same ones (and so
 * still fails cleanly on an entry that was never validated). */

/* The fixed part of a version 1 command: u64 client_id, u64 seq, u16 db, u16 reserved,
 * u32 flags, u32 argc. */
#define V1_CMD_FIXED_LEN 28u

/* Fewest bytes one command / one string can take: bounds absurd counts up front. */
static size_t min_cmd_len(uint8_t version)
{
    return version == 1 ? V1_CMD_FIXED_LEN : 6;
}

static size_t min_string_len(uint8_t version)
{
    return version == 1 ? 4 : 1;
}

/* One length prefix at *off. */
static int read_len(uint8_t version, const char *p, size_t *off, size_t end, uint32_t *n)
{
    if (version == 1) {
        if (end - *off < 4)
            return LOG_ENTRY_ECOUNT;
        *n = get_u32(p + *off);
        *off += 4;
        return LOG_ENTRY_OK;
    }
    uint64_t v;
    int rc = get_varint(p, off, end, &v);
    if (rc != LOG_ENTRY_OK)
        return rc;
    if (v > LOG_ENTRY_MAX_LEN32)
        return LOG_ENTRY_EVARINT;
    *n = (uint32_t)v;
    return LOG_ENTRY_OK;
}

/* One length-prefixed string at *off, lying entirely before end. */
static int read_string(uint8_t version, const char *p, size_t *off, size_t end, rd_arg *out)
{
    uint32_t n;
    int rc = read_len(version, p, off, end, &n);
    if (rc != LOG_ENTRY_OK)
        return rc;
    if ((uint64_t)n > (uint64_t)(end - *off))
        return LOG_ENTRY_ECOUNT;
    if (out) {
        out->ptr = p + *off;
        out->len = n;
    }
    *off += n;
    return LOG_ENTRY_OK;
}

/* The part of a command before its arguments. argc is checked to be 1..INT32_MAX (it
 * reaches the FSM as an int). */
static int read_cmd_head(uint8_t version, const char *p, size_t *off, size_t end,
                         log_entry_cmd *cmd)
{
    uint64_t argc;
    if (version == 1) {
        if (end - *off < V1_CMD_FIXED_LEN)
            return LOG_ENTRY_ECOUNT;
        const char *h = p + *off;
        if (get_u16(h + 18) != 0)
            return LOG_ENTRY_ERESERVED;
        cmd->client_id = get_u64(h);
        cmd->seq = get_u64(h + 8);
        cmd->db = get_u16(h + 16);
        cmd->flags = get_u32(h + 20);
        argc = get_u32(h + 24);
        *off += V1_CMD_FIXED_LEN;
    } else {
        uint64_t db, flags;
        int rc;
        if ((rc = get_varint(p, off, end, &cmd->client_id)) != LOG_ENTRY_OK ||
            (rc = get_varint(p, off, end, &cmd->seq)) != LOG_ENTRY_OK ||
            (rc = get_varint(p, off, end, &db)) != LOG_ENTRY_OK ||
            (rc = get_varint(p, off, end, &flags)) != LOG_ENTRY_OK ||
            (rc = get_varint(p, off, end, &argc)) != LOG_ENTRY_OK)
            return rc;
        if (db > UINT16_MAX || flags > UINT32_MAX)
            return LOG_ENTRY_EVARINT;
        cmd->db = (uint16_t)db;
        cmd->flags = (uint32_t)flags;
    }
    if (argc == 0 || argc > INT32_MAX)
        return LOG_ENTRY_ECOUNT;
    cmd->argc = (int)argc;
    return LOG_ENTRY_OK;
}

/* ---- decoder --------------------------------------------------------------------- */

static int decode_commands(log_entry *e, uint8_t version, const char *p, size_t end,
                           uint64_t count)
{
    size_t off = LOG_ENTRY_HEADER_LEN;
    if (version == 1) {
        if (end - off < 4)
            return LOG_ENTRY_ECOUNT;
        count = get_u32(p + off);
        off += 4;
    }
    if (count > (end - off) / min_cmd_len(version))
        return LOG_ENTRY_ECOUNT;
    e->items_off = off;
    uint32_t max_argc = 0;
    for (uint64_t i = 0; i < count; i++) {
        log_entry_cmd cmd;
        int rc = read_cmd_head(version, p, &off, end, &cmd);
        if (rc != LOG_ENTRY_OK)
            return rc;
        if ((uint64_t)cmd.argc > (end - off) / min_string_len(version))
            return LOG_ENTRY_ECOUNT;
        for (int a = 0; a < cmd.argc; a++)
            if ((rc = read_string(version, p, &off, end, NULL)) != LOG_ENTRY_OK)
                return rc;
        if ((uint32_t)cmd.argc > max_argc)
            max_argc = (uint32_t)cmd.argc;
    }
    if (off != end)
        return LOG_ENTRY_ETRAILING;
    e->count = (uint32_t)count;
    e->max_argc = max_argc;
    return LOG_ENTRY_OK;
}

static int decode_delete(log_entry *e, uint8_t version, const char *p, size_t end,
                         uint64_t count)
{
    size_t off = LOG_ENTRY_HEADER_LEN;
    uint64_t db;
    uint8_t reason;
    if (version == 1) {
        if (end - off < 8)
            return LOG_ENTRY_ECOUNT;
        db = get_u16(p + off);
        reason = (uint8_t)p[off + 2];
        if (p[off + 3] != 0)
            return LOG_ENTRY_ERESERVED;
        count = get_u32(p + off + 4);
        off += 8;
    } else {
        int rc = get_varint(p, &off, end, &db);
        if (rc != LOG_ENTRY_OK)
            return rc;
        if (db > UINT16_MAX)
            return LOG_ENTRY_EVARINT;
        if (off >= end)
            return LOG_ENTRY_ECOUNT;
        reason = (uint8_t)p[off++];
    }
    if (!valid_reason(reason))
        return LOG_ENTRY_EREASON;
    if (count > (end - off) / min_string_len(version))
        return LOG_ENTRY_ECOUNT;
    e->items_off = off;
    for (uint64_t i = 0; i < count; i++) {
        int rc = read_string(version, p, &off, end, NULL);
        if (rc != LOG_ENTRY_OK)
            return rc;
    }
    if (off != end)
        return LOG_ENTRY_ETRAILING;
    e->db = (uint16_t)db;
    e->reason = reason;
    e->count = (uint32_t)count;
    return LOG_ENTRY_OK;
}

unsigned log_entry_peek_version(const void *buf, size_t buflen)
{
    const char *p = buf;
    if (!p || buflen < LOG_ENTRY_HEADER_LEN || get_u16(p) != LOG_ENTRY_MAGIC)
        return 0;
    return (unsigned char)p[2];
}

int log_entry_decode(log_entry *e, const void *buf, size_t buflen)
{
    memset(e, 0, sizeof *e);
    const char *p = buf;
    if (!p || buflen < LOG_ENTRY_HEADER_LEN)
        return LOG_ENTRY_ETRUNCATED;
    if (get_u16(p) != LOG_ENTRY_MAGIC)
        return LOG_ENTRY_EMAGIC;
    uint8_t version = (uint8_t)p[2];
    if (version != LOG_ENTRY_VERSION_1 && version != LOG_ENTRY_VERSION)
        return LOG_ENTRY_EVERSION;
    uint8_t type = (uint8_t)p[3];
    if (type != LOG_ENTRY_COMMANDS && type != LOG_ENTRY_BARRIER && type != LOG_ENTRY_DELETE)
        return LOG_ENTRY_ETYPE;
    /* Version 1: reserved, always 0. Version 2: the item count (0 for a BARRIER). */
    uint32_t hdr_count = get_u32(p + 4);
    if (hdr_count != 0 && (version == LOG_ENTRY_VERSION_1 || type == LOG_ENTRY_BARRIER))
        return LOG_ENTRY_ERESERVED;
    uint64_t length = get_u64(p + 8);
    if (length < LOG_ENTRY_HEADER_LEN)
        return LOG_ENTRY_ELENGTH;
    if (length > (uint64_t)buflen)
        return LOG_ENTRY_ETRUNCATED;
    size_t len = (size_t)length;
    if (log_entry_padded_len(len) != buflen)
        return LOG_ENTRY_ELENGTH;
    for (size_t i = len; i < buflen; i++)
        if (p[i] != 0)
            return LOG_ENTRY_EPADDING;

    int rc = LOG_ENTRY_OK;
    log_entry tmp;
    memset(&tmp, 0, sizeof tmp);
    if (type == LOG_ENTRY_COMMANDS)
        rc = decode_commands(&tmp, version, p, len, hdr_count);
    else if (type == LOG_ENTRY_DELETE)
        rc = decode_delete(&tmp, version, p, len, hdr_count);
    else if (len != LOG_ENTRY_HEADER_LEN)
        rc = LOG_ENTRY_ETRAILING; /* BARRIER has no payload */
    if (rc != LOG_ENTRY_OK)
        return rc;

    *e = tmp;
    e->base = p;
    e->len = len;
    e->version = version;
    e->type = type;
    e->time_ms = u64_to_i64(get_u64(p + 16));
    e->seed = get_u64(p + 24);
    if (type == LOG_ENTRY_BARRIER)
        e->items_off = len;
    return LOG_ENTRY_OK;
}

/* ---- iterator -------------------------------------------------------------------- */

void log_entry_iter_init(log_entry_iter *it, const log_entry *e)
{
    it->e = e;
    it->off = e->items_off;
    it->left = e->count;
    it->heap_argv = NULL;
    if (e->type != LOG_ENTRY_COMMANDS || e->max_argc <= LOG_ENTRY_ITER_INLINE_ARGV)
        return;
#if SIZE_MAX < UINT64_MAX
    /* 32-bit host: a huge argc could overflow the size; then no array, and next()
     * refuses that command with ECOUNT instead of overrunning the inline one. */
    if (e->max_argc > SIZE_MAX / sizeof(rd_arg))
        return;
#endif
    it->heap_argv = rd_malloc((size_t)e->max_argc * sizeof(rd_arg));
}

void log_entry_iter_free(log_entry_iter *it)
{
    rd_free(it->heap_argv);
    it->heap_argv = NULL;
    it->left = 0;
}

/* The readers repeat decode's checks, so a misused iterator (an entry that was not
 * validated, or was modified) fails instead of reading out of bounds. */
int log_entry_iter_next(log_entry_iter *it, log_entry_cmd *cmd)
{
    const log_entry *e = it->e;
    if (e->type != LOG_ENTRY_COMMANDS)
        return LOG_ENTRY_EINVAL;
    if (it->left == 0)
        return 0;
    size_t end = e->len, off = it->off;
    if (off > end)
        return LOG_ENTRY_ECOUNT;
    log_entry_cmd c;
    int rc = read_cmd_head(e->version, e->base, &off, end, &c);
    if (rc != LOG_ENTRY_OK)
        return rc;
    if ((uint32_t)c.argc > e->max_argc)
        return LOG_ENTRY_ECOUNT;
    rd_arg *argv = it->heap_argv ? it->heap_argv : it->inline_argv;
    if (!it->heap_argv && c.argc > LOG_ENTRY_ITER_INLINE_ARGV)
        return LOG_ENTRY_ECOUNT;
    for (int i = 0; i < c.argc; i++)
        if ((rc = read_string(e->version, e->base, &off, end, &argv[i])) != LOG_ENTRY_OK)
            return rc;
    it->off = off;
    it->left--;
    c.argv = argv;
    *cmd = c;
    return 1;
}

int log_entry_iter_next_key(log_entry_iter *it, rd_arg *key)
{
    const log_entry *e = it->e;
    if (e->type != LOG_ENTRY_DELETE)
        return LOG_ENTRY_EINVAL;
    if (it->left == 0)
        return 0;
    size_t off = it->off;
    if (off > e->len)
        return LOG_ENTRY_ECOUNT;
    int rc = read_string(e->version, e->base, &off, e->len, key);
    if (rc != LOG_ENTRY_OK)
        return rc;
    it->off = off;
    it->left--;
    return 1;
}
