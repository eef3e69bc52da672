/* packlist: one-allocation sequence of byte strings (contract and layout in packlist.h).
 *
 * Entries are a varint length plus the bytes: a 10-byte field costs 11 bytes. Mutations
 * realloc to the exact new size (jemalloc's size classes absorb most of them in place),
 * so a packlist never carries slack: the small encoding is about memory, and it is
 * bounded by hash-max-listpack-entries / set-max-listpack-entries anyway. */
#include "packlist.h"

#include <string.h>

#include "mem.h"
#include "varint.h"

#define OFF_MAGIC 0
#define OFF_BYTES 4
#define OFF_COUNT 8

static uint32_t rd_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static void wr_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* Size of the whole entry at off (trusted: the packlist is well formed). */
static size_t entry_size(const packlist *pl, size_t off, size_t *payload_off, size_t *len)
{
    uint64_t l = 0;
    size_t h = varint_get(pl + off, pl_bytes(pl) - off, &l);
    if (payload_off)
        *payload_off = off + h;
    if (len)
        *len = (size_t)l;
    return h + (size_t)l;
}

packlist *pl_new(void)
{
    packlist *pl = rd_malloc(PACKLIST_HDR);
    memset(pl, 0, PACKLIST_HDR);
    pl[OFF_MAGIC] = PACKLIST_MAGIC;
    wr_u32(pl + OFF_BYTES, PACKLIST_HDR);
    return pl;
}

void pl_free(packlist *pl)
{
    rd_free(pl);
}

packlist *pl_dup(const packlist *pl)
{
    size_t n = pl_bytes(pl);
    packlist *copy = rd_malloc(n);
    memcpy(copy, pl, n);
    return copy;
}

size_t pl_bytes(const packlist *pl)
{
    return rd_u32(pl + OFF_BYTES);
}

uint32_t pl_count(const packlist *pl)
{
    return rd_u32(pl + OFF_COUNT);
}

int pl_safe_to_add(const packlist *pl, size_t add)
{
    size_t cur = pl ? pl_bytes(pl) : 0;
    return add < PACKLIST_SAFE_MAX && cur + add < PACKLIST_SAFE_MAX;
}

size_t pl_first(const packlist *pl)
{
    return pl_count(pl) ? PACKLIST_HDR : 0;
}

size_t pl_next(const packlist *pl, size_t off)
{
    size_t next = off + entry_size(pl, off, NULL, NULL);
    return next < pl_bytes(pl) ? next : 0;
}

const char *pl_get(const packlist *pl, size_t off, size_t *len)
{
    size_t payload;
    entry_size(pl, off, &payload, len);
    return (const char *)pl + payload;
}

size_t pl_seek(const packlist *pl, uint32_t idx)
{
    size_t off = pl_first(pl);
    while (off && idx--)
        off = pl_next(pl, off);
    return off;
}

size_t pl_find(const packlist *pl, const char *s, size_t len, unsigned stride)
{
    size_t end = pl_bytes(pl);
    size_t off = pl_first(pl);
    unsigned skip = 0;
    while (off && off < end) {
        size_t payload, l;
        size_t sz = entry_size(pl, off, &payload, &l);
        if (skip == 0) {
            if (l == len && memcmp(pl + payload, s, len) == 0)
                return off;
            skip = stride;
        }
        skip--;
        off += sz;
    }
    return 0;
}

packlist *pl_append(packlist *pl, const char *s, size_t len)
{
    size_t old = pl_bytes(pl);
    size_t add = varint_len(len) + len;
    pl = rd_realloc(pl, old + add);
    size_t h = varint_put(pl + old, len);
    if (len)
        memcpy(pl + old + h, s, len);
    wr_u32(pl + OFF_BYTES, (uint32_t)(old + add));
    wr_u32(pl + OFF_COUNT, pl_count(pl) + 1);
    return pl;
}

packlist *pl_replace(packlist *pl, size_t off, const char *s, size_t len)
{
    size_t total = pl_bytes(pl);
    size_t old_sz = entry_size(pl, off, NULL, NULL);
    size_t new_sz = varint_len(len) + len;
    size_t tail = total - off - old_sz;
    size_t new_total = total - old_sz + new_sz;
    if (new_sz > old_sz)
        pl = rd_realloc(pl, new_total);
    memmove(pl + off + new_sz, pl + off + old_sz, tail);
    size_t h = varint_put(pl + off, len);
    if (len)
        memcpy(pl + off + h, s, len);
    if (new_sz < old_sz)
        pl = rd_realloc(pl, new_total);
    wr_u32(pl + OFF_BYTES, (uint32_t)new_total);
    return pl;
}

packlist *pl_delete(packlist *pl, size_t off, unsigned n)
{
    size_t total = pl_bytes(pl);
    size_t end = off;
    for (unsigned i = 0; i < n; i++)
        end += entry_size(pl, end, NULL, NULL);
    memmove(pl + off, pl + end, total - end);
    size_t new_total = total - (end - off);
    pl = rd_realloc(pl, new_total);
    wr_u32(pl + OFF_BYTES, (uint32_t)new_total);
    wr_u32(pl + OFF_COUNT, pl_count(pl) - n);
    return pl;
}

packlist *pl_load(const char *p, size_t len)
{
    const unsigned char *u = (const unsigned char *)p;
    if (len < PACKLIST_HDR || len >= PACKLIST_SAFE_MAX || u[OFF_MAGIC] != PACKLIST_MAGIC ||
        u[1] || u[2] || u[3] || rd_u32(u + OFF_BYTES) != len)
        return NULL;
    uint32_t count = rd_u32(u + OFF_COUNT);
    const unsigned char *end = u + len;
    const unsigned char *q = u + PACKLIST_HDR;
    uint32_t seen = 0;
    while (q < end) {
        uint64_t l = 0;
        size_t h = varint_get(q, (size_t)(end - q), &l);
        if (h == 0 || h != varint_len(l) || l > (uint64_t)(end - q) - h)
            return NULL;
        q += h + (size_t)l;
        if (++seen > count)
            return NULL;
    }
    if (seen != count)
        return NULL;
    packlist *pl = rd_malloc(len);
    memcpy(pl, p, len);
    return pl;
}
