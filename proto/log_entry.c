/* log_entry: builder and validating zero-copy decoder of redraft's Raft log entries.
 * The format and the ownership rules are documented in log_entry.h; this file is the
 * only place that knows the byte layout. All integer loads/stores go through the
 * byte-wise little-endian helpers below (no alignment or host byte-order assumption),
 * and every length check is written as "need <= remaining" so that it cannot overflow. */
#include "log_entry.h"

#include <string.h>

#include "mem.h"

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

static void append_u16(bytebuf *b, uint16_t v)
{
    char tmp[2];
    put_u16(tmp, v);
    bytebuf_append(b, tmp, sizeof tmp);
}

static void append_u32(bytebuf *b, uint32_t v)
{
    char tmp[4];
    put_u32(tmp, v);
    bytebuf_append(b, tmp, sizeof tmp);
}

static void append_u64(bytebuf *b, uint64_t v)
{
    char tmp[8];
    put_u64(tmp, v);
    bytebuf_append(b, tmp, sizeof tmp);
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
    default: return "unknown error";
    }
}

size_t log_entry_padded_len(size_t n)
{
    if (n > SIZE_MAX - (LOG_ENTRY_ALIGN - 1))
        return 0;
    return (n + LOG_ENTRY_ALIGN - 1) & ~(size_t)(LOG_ENTRY_ALIGN - 1);
}

/* Size of the payload prefix before the items. */
static size_t items_prefix_len(uint8_t type)
{
    switch (type) {
    case LOG_ENTRY_COMMANDS: return 4;  /* u32 count */
    case LOG_ENTRY_DELETE: return 8;    /* u16 db, u8 reason, u8 reserved, u32 count */
    default: return 0;
    }
}

/* Offset of the u32 count inside the entry. */
static size_t count_off(uint8_t type)
{
    return type == LOG_ENTRY_DELETE ? LOG_ENTRY_HEADER_LEN + 4 : LOG_ENTRY_HEADER_LEN;
}

static int valid_reason(unsigned r)
{
    return r == LOG_ENTRY_DEL_EXPIRED || r == LOG_ENTRY_DEL_EVICTED;
}

/* ---- builder --------------------------------------------------------------------- */

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

/* Writes the header placeholder and the payload prefix the first time. */
static void builder_start(log_entry_builder *b)
{
    if (b->body_len)
        return;
    bytebuf_clear(&b->buf);
    char hdr[LOG_ENTRY_HEADER_LEN + 8];
    memset(hdr, 0, sizeof hdr);
    size_t n = LOG_ENTRY_HEADER_LEN + items_prefix_len(b->type);
    if (b->type == LOG_ENTRY_DELETE) {
        put_u16(hdr + LOG_ENTRY_HEADER_LEN, b->db);
        hdr[LOG_ENTRY_HEADER_LEN + 2] = (char)b->reason;
    }
    bytebuf_append(&b->buf, hdr, n);
    b->body_len = n;
}

int log_entry_builder_add_command(log_entry_builder *b, uint64_t client_id, uint64_t seq,
                                  uint16_t db, uint32_t flags, int argc, const rd_arg *argv)
{
    if (b->type != LOG_ENTRY_COMMANDS || b->finished || argc < 1 || !argv)
        return LOG_ENTRY_EINVAL;
    if (b->count == UINT32_MAX) /* (an int argc always fits the u32 field) */
        return LOG_ENTRY_ETOOBIG;
    /* Validate and size everything before touching the buffer: nothing is appended on
     * error. */
    size_t need = LOG_ENTRY_CMD_FIXED_LEN;
    for (int i = 0; i < argc; i++) {
        if (argv[i].len > LOG_ENTRY_MAX_LEN32 || (argv[i].len && !argv[i].ptr))
            return argv[i].len > LOG_ENTRY_MAX_LEN32 ? LOG_ENTRY_ETOOBIG : LOG_ENTRY_EINVAL;
        if (argv[i].len > SIZE_MAX - 4 - need)
            return LOG_ENTRY_ETOOBIG;
        need += 4 + argv[i].len;
    }
    builder_start(b);
    if (need > SIZE_MAX - b->buf.len)
        return LOG_ENTRY_ETOOBIG;
    bytebuf_reserve(&b->buf, need);
    append_u64(&b->buf, client_id);
    append_u64(&b->buf, seq);
    append_u16(&b->buf, db);
    append_u16(&b->buf, 0);
    append_u32(&b->buf, flags);
    append_u32(&b->buf, (uint32_t)argc);
    for (int i = 0; i < argc; i++) {
        append_u32(&b->buf, (uint32_t)argv[i].len);
        bytebuf_append(&b->buf, argv[i].ptr, argv[i].len);
    }
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
    if (len > SIZE_MAX - 4 - b->buf.len)
        return LOG_ENTRY_ETOOBIG;
    bytebuf_reserve(&b->buf, 4 + len);
    append_u32(&b->buf, (uint32_t)len);
    bytebuf_append(&b->buf, key, len);
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
    size_t body = b->body_len ? b->body_len : LOG_ENTRY_HEADER_LEN + items_prefix_len(b->type);
    return log_entry_padded_len(body);
}

static void write_header(char *p, uint8_t type, uint64_t length, int64_t time_ms,
                         uint64_t seed)
{
    put_u16(p, LOG_ENTRY_MAGIC);
    p[2] = (char)LOG_ENTRY_VERSION;
    p[3] = (char)type;
    put_u32(p + 4, 0);
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
    write_header(b->buf.data, b->type, (uint64_t)b->body_len, time_ms, seed);
    if (b->type != LOG_ENTRY_BARRIER)
        put_u32(b->buf.data + count_off(b->type), b->count);
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
    write_header(hdr, LOG_ENTRY_BARRIER, LOG_ENTRY_HEADER_LEN, time_ms, seed);
    bytebuf_append(out, hdr, sizeof hdr); /* 32 bytes: already a multiple of 8 */
}

/* ---- decoder --------------------------------------------------------------------- */

/* Walks `count` length-prefixed byte strings starting at *off, none past end. */
static int check_strings(const char *p, size_t *off, size_t end, uint64_t count)
{
    /* Each string needs at least its 4-byte length: reject absurd counts before looping. */
    if (count > (end - *off) / 4)
        return LOG_ENTRY_ECOUNT;
    size_t o = *off;
    for (uint64_t i = 0; i < count; i++) {
        if (end - o < 4)
            return LOG_ENTRY_ECOUNT;
        uint32_t n = get_u32(p + o);
        o += 4;
        if ((uint64_t)n > (uint64_t)(end - o))
            return LOG_ENTRY_ECOUNT;
        o += n;
    }
    *off = o;
    return LOG_ENTRY_OK;
}

static int decode_commands(log_entry *e, const char *p, size_t end)
{
    size_t off = LOG_ENTRY_HEADER_LEN;
    if (end - off < 4)
        return LOG_ENTRY_ECOUNT;
    uint32_t count = get_u32(p + off);
    off += 4;
    if (count > (end - off) / LOG_ENTRY_CMD_FIXED_LEN)
        return LOG_ENTRY_ECOUNT;
    e->items_off = off;
    uint32_t max_argc = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (end - off < LOG_ENTRY_CMD_FIXED_LEN)
            return LOG_ENTRY_ECOUNT;
        if (get_u16(p + off + 18) != 0)
            return LOG_ENTRY_ERESERVED;
        uint32_t argc = get_u32(p + off + 24);
        off += LOG_ENTRY_CMD_FIXED_LEN;
        if (argc == 0 || argc > INT32_MAX) /* argc reaches the FSM as an int */
            return LOG_ENTRY_ECOUNT;
        int rc = check_strings(p, &off, end, argc);
        if (rc != LOG_ENTRY_OK)
            return rc;
        if (argc > max_argc)
            max_argc = argc;
    }
    if (off != end)
        return LOG_ENTRY_ETRAILING;
    e->count = count;
    e->max_argc = max_argc;
    return LOG_ENTRY_OK;
}

static int decode_delete(log_entry *e, const char *p, size_t end)
{
    size_t off = LOG_ENTRY_HEADER_LEN;
    if (end - off < 8)
        return LOG_ENTRY_ECOUNT;
    uint16_t db = get_u16(p + off);
    uint8_t reason = (uint8_t)p[off + 2];
    if (p[off + 3] != 0)
        return LOG_ENTRY_ERESERVED;
    if (!valid_reason(reason))
        return LOG_ENTRY_EREASON;
    uint32_t count = get_u32(p + off + 4);
    off += 8;
    e->items_off = off;
    int rc = check_strings(p, &off, end, count);
    if (rc != LOG_ENTRY_OK)
        return rc;
    if (off != end)
        return LOG_ENTRY_ETRAILING;
    e->db = db;
    e->reason = reason;
    e->count = count;
    return LOG_ENTRY_OK;
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
    if (version != LOG_ENTRY_VERSION)
        return LOG_ENTRY_EVERSION;
    uint8_t type = (uint8_t)p[3];
    if (type != LOG_ENTRY_COMMANDS && type != LOG_ENTRY_BARRIER && type != LOG_ENTRY_DELETE)
        return LOG_ENTRY_ETYPE;
    if (get_u32(p + 4) != 0)
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
        rc = decode_commands(&tmp, p, len);
    else if (type == LOG_ENTRY_DELETE)
        rc = decode_delete(&tmp, p, len);
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

/* The checks below repeat decode's so that a misused iterator (an entry that was not
 * validated, or was modified) fails instead of reading out of bounds. */
int log_entry_iter_next(log_entry_iter *it, log_entry_cmd *cmd)
{
    const log_entry *e = it->e;
    if (e->type != LOG_ENTRY_COMMANDS)
        return LOG_ENTRY_EINVAL;
    if (it->left == 0)
        return 0;
    const char *p = e->base;
    size_t end = e->len, off = it->off;
    if (off > end || end - off < LOG_ENTRY_CMD_FIXED_LEN)
        return LOG_ENTRY_ECOUNT;
    uint64_t client_id = get_u64(p + off);
    uint64_t seq = get_u64(p + off + 8);
    uint16_t db = get_u16(p + off + 16);
    uint32_t flags = get_u32(p + off + 20);
    uint32_t argc = get_u32(p + off + 24);
    off += LOG_ENTRY_CMD_FIXED_LEN;
    if (argc == 0 || argc > e->max_argc || argc > INT32_MAX)
        return LOG_ENTRY_ECOUNT;
    rd_arg *argv = it->heap_argv ? it->heap_argv : it->inline_argv;
    if (!it->heap_argv && argc > LOG_ENTRY_ITER_INLINE_ARGV)
        return LOG_ENTRY_ECOUNT;
    for (uint32_t i = 0; i < argc; i++) {
        if (end - off < 4)
            return LOG_ENTRY_ECOUNT;
        uint32_t n = get_u32(p + off);
        off += 4;
        if ((uint64_t)n > (uint64_t)(end - off))
            return LOG_ENTRY_ECOUNT;
        argv[i].ptr = p + off;
        argv[i].len = n;
        off += n;
    }
    it->off = off;
    it->left--;
    cmd->client_id = client_id;
    cmd->seq = seq;
    cmd->db = db;
    cmd->flags = flags;
    cmd->argc = (int)argc;
    cmd->argv = argv;
    return 1;
}

int log_entry_iter_next_key(log_entry_iter *it, rd_arg *key)
{
    const log_entry *e = it->e;
    if (e->type != LOG_ENTRY_DELETE)
        return LOG_ENTRY_EINVAL;
    if (it->left == 0)
        return 0;
    size_t end = e->len, off = it->off;
    if (off > end || end - off < 4)
        return LOG_ENTRY_ECOUNT;
    uint32_t n = get_u32(e->base + off);
    off += 4;
    if ((uint64_t)n > (uint64_t)(end - off))
        return LOG_ENTRY_ECOUNT;
    key->ptr = e->base + off;
    key->len = n;
    it->off = off + n;
    it->left--;
    return 1;
}
