/* members: the replicated member table (raft id -> node id, client host:port, bus port).
 *
 * Owns the table and its two log commands (member-set, member-del) and its snapshot
 * form. Everything here runs inside the FSM's apply (or snapshot restore) on every
 * member, so it must be deterministic: the table is a dense array kept in the order
 * records were first set (a delete closes the gap, keeping the others' order), which
 * makes every iteration (RAFT MEMBERS, CLUSTER NODES, ROLE) identical on all replicas.
 * A shard has a handful of members, so lookups are linear scans.
 *
 * Input is never trusted: a malformed command is refused (-1, table unchanged) and a
 * malformed snapshot blob is refused as a whole, never half-applied.
 *
 * Snapshot form (all integers little endian):
 *   u32 version (1), u32 count, then per member:
 *   u64 raft_id, 40 bytes node id, u16 host length, host bytes, u32 port, u32 bus_port */
#include "members.h"

#include <string.h>

#include "mem.h"
#include "strutil.h"

#define MEMBERS_FORMAT_VERSION 1u
#define MEMBERS_MAX 4096 /* far above any sane shard; bounds what a blob may ask for */

static member *table;   /* owned, rd_malloc'd; `count` valid entries */
static int count;
static int cap;

/* ---- lookup -------------------------------------------------------------------------- */

static int index_of(uint64_t raft_id)
{
    for (int i = 0; i < count; i++)
        if (table[i].raft_id == raft_id)
            return i;
    return -1;
}

const member *members_find(uint64_t raft_id)
{
    int i = index_of(raft_id);
    return i >= 0 ? &table[i] : NULL;
}

const member *members_find_node_id(const char *node_id)
{
    if (!node_id)
        return NULL;
    for (int i = 0; i < count; i++)
        if (strcmp(table[i].node_id, node_id) == 0)
            return &table[i];
    return NULL;
}

int members_count(void)
{
    return count;
}

const member *members_at(int i)
{
    return (i >= 0 && i < count) ? &table[i] : NULL;
}

void members_clear(void)
{
    rd_free(table);
    table = NULL;
    count = cap = 0;
}

/* ---- validation ---------------------------------------------------------------------- */

static int valid_node_id(const char *p, size_t len)
{
    if (len != 40)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char ch = p[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
            return 0;
    }
    return 1;
}

/* A host as it will be printed in -MOVED, CLUSTER NODES, INFO: no spaces, no control
 * characters, no separators that would break those formats. */
static int valid_host(const char *p, size_t len)
{
    if (len == 0 || len > MEMBER_HOST_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch <= ' ' || ch >= 0x7f || ch == ',' || ch == '@' || ch == '"')
            return 0;
    }
    return 1;
}

static int valid_port(long long v)
{
    return v >= 1 && v <= 65535;
}

static int parse_u64(const rd_arg *a, uint64_t *out)
{
    unsigned long long v;
    if (!rd_str2ull(a->ptr, a->len, &v) || v == 0)
        return 0;
    *out = v;
    return 1;
}

static int parse_port(const rd_arg *a, int *out)
{
    long long v;
    if (!rd_str2ll(a->ptr, a->len, &v) || !valid_port(v))
        return 0;
    *out = (int)v;
    return 1;
}

/* ---- applying log commands ----------------------------------------------------------- */

static void put(const member *m)
{
    int i = index_of(m->raft_id);
    if (i >= 0) {
        table[i] = *m; /* an update keeps its place in the order */
        return;
    }
    if (count == cap) {
        cap = cap ? cap * 2 : 4;
        table = rd_realloc(table, (size_t)cap * sizeof *table);
    }
    table[count++] = *m;
}

static void del_at(int i)
{
    memmove(&table[i], &table[i + 1], (size_t)(count - i - 1) * sizeof *table);
    count--;
}

int members_apply(int argc, const rd_arg *argv)
{
    if (argc < 1 || !argv)
        return -1;
    if (rd_strcaseeq(argv[0].ptr, argv[0].len, "member-set")) {
        if (argc != 6)
            return -1;
        member m;
        memset(&m, 0, sizeof m);
        if (!parse_u64(&argv[1], &m.raft_id) || !valid_node_id(argv[2].ptr, argv[2].len) ||
            !valid_host(argv[3].ptr, argv[3].len) || !parse_port(&argv[4], &m.port) ||
            !parse_port(&argv[5], &m.bus_port))
            return -1;
        if (index_of(m.raft_id) < 0 && count >= MEMBERS_MAX)
            return -1;
        memcpy(m.node_id, argv[2].ptr, 40);
        m.node_id[40] = '\0';
        memcpy(m.host, argv[3].ptr, argv[3].len);
        m.host[argv[3].len] = '\0';
        put(&m);
        return 0;
    }
    if (rd_strcaseeq(argv[0].ptr, argv[0].len, "member-del")) {
        uint64_t id;
        if (argc != 2 || !parse_u64(&argv[1], &id))
            return -1;
        int i = index_of(id);
        if (i >= 0)
            del_at(i);
        return 0; /* deleting an unknown member is a no-op, not an error */
    }
    return -1;
}

/* ---- snapshot form ------------------------------------------------------------------- */

static void put_u16(bytebuf *b, uint16_t v)
{
    unsigned char p[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
    bytebuf_append(b, p, 2);
}

static void put_u32(bytebuf *b, uint32_t v)
{
    unsigned char p[4];
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
    bytebuf_append(b, p, 4);
}

static void put_u64(bytebuf *b, uint64_t v)
{
    unsigned char p[8];
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
    bytebuf_append(b, p, 8);
}

void members_save(bytebuf *out)
{
    put_u32(out, MEMBERS_FORMAT_VERSION);
    put_u32(out, (uint32_t)count);
    for (int i = 0; i < count; i++) {
        const member *m = &table[i];
        size_t hlen = strlen(m->host);
        put_u64(out, m->raft_id);
        bytebuf_append(out, m->node_id, 40);
        put_u16(out, (uint16_t)hlen);
        bytebuf_append(out, m->host, hlen);
        put_u32(out, (uint32_t)m->port);
        put_u32(out, (uint32_t)m->bus_port);
    }
}

typedef struct reader {
    const unsigned char *p;
    size_t left;
} reader;

static int get_bytes(reader *r, void *dst, size_t n)
{
    if (r->left < n)
        return 0;
    memcpy(dst, r->p, n);
    r->p += n;
    r->left -= n;
    return 1;
}

static int get_uint(reader *r, int bytes, uint64_t *out)
{
    unsigned char p[8];
    if (!get_bytes(r, p, (size_t)bytes))
        return 0;
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    *out = v;
    return 1;
}

int members_load(const char *p, size_t len)
{
    if (!p && len > 0)
        return -1;
    reader r = {(const unsigned char *)p, len};
    uint64_t version, n;
    if (!get_uint(&r, 4, &version) || version != MEMBERS_FORMAT_VERSION ||
        !get_uint(&r, 4, &n) || n > MEMBERS_MAX)
        return -1;
    /* Each record is at least 8 + 40 + 2 + 1 + 4 + 4 bytes: refuse counts the blob
     * cannot hold before allocating for them. */
    if (n > r.left / 59)
        return -1;
    member *fresh = n ? rd_malloc((size_t)n * sizeof *fresh) : NULL;
    for (uint64_t i = 0; i < n; i++) {
        member *m = &fresh[i];
        memset(m, 0, sizeof *m);
        uint64_t hlen, port, bus;
        if (!get_uint(&r, 8, &m->raft_id) || m->raft_id == 0 || !get_bytes(&r, m->node_id, 40) ||
            !valid_node_id(m->node_id, 40) || !get_uint(&r, 2, &hlen) || hlen > MEMBER_HOST_MAX ||
            !get_bytes(&r, m->host, (size_t)hlen) || !valid_host(m->host, (size_t)hlen) ||
            !get_uint(&r, 4, &port) || !valid_port((long long)port) || !get_uint(&r, 4, &bus) ||
            !valid_port((long long)bus))
            goto bad;
        m->node_id[40] = '\0';
        m->host[hlen] = '\0';
        m->port = (int)port;
        m->bus_port = (int)bus;
        for (uint64_t j = 0; j < i; j++)
            if (fresh[j].raft_id == m->raft_id)
                goto bad; /* duplicate ids would make lookups ambiguous */
    }
    if (r.left != 0)
        goto bad;
    rd_free(table);
    table = fresh;
    count = cap = (int)n;
    return 0;
bad:
    rd_free(fresh);
    return -1;
}
