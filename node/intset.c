/* intset: sorted integer array with adaptive width (contract and layout in intset.h).
 *
 * Values are read and written byte by byte in little-endian order so the snapshot form
 * (the raw blob) means the same on any host. */
#include "intset.h"

#include <string.h>

#include "mem.h"

#define OFF_WIDTH 1
#define OFF_LEN 4

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static unsigned width_of(const intset *is)
{
    return is[OFF_WIDTH];
}

static unsigned width_for(int64_t v)
{
    if (v >= INT16_MIN && v <= INT16_MAX)
        return 2;
    if (v >= INT32_MIN && v <= INT32_MAX)
        return 4;
    return 8;
}

static int64_t get_at(const intset *is, unsigned width, uint32_t pos)
{
    const unsigned char *p = is + INTSET_HDR + (size_t)pos * width;
    uint64_t u = 0;
    for (unsigned i = 0; i < width; i++)
        u |= (uint64_t)p[i] << (8 * i);
    /* sign-extend from width bytes */
    unsigned shift = 64 - 8 * width;
    return (int64_t)(u << shift) >> shift;
}

static void set_at(intset *is, unsigned width, uint32_t pos, int64_t v)
{
    unsigned char *p = is + INTSET_HDR + (size_t)pos * width;
    uint64_t u = (uint64_t)v;
    for (unsigned i = 0; i < width; i++)
        p[i] = (unsigned char)(u >> (8 * i));
}

intset *intset_new(void)
{
    intset *is = rd_malloc(INTSET_HDR);
    memset(is, 0, INTSET_HDR);
    is[0] = INTSET_MAGIC;
    is[OFF_WIDTH] = 2;
    return is;
}

void intset_free(intset *is)
{
    rd_free(is);
}

uint32_t intset_len(const intset *is)
{
    return get_u32(is + OFF_LEN);
}

size_t intset_blob_len(const intset *is)
{
    return INTSET_HDR + (size_t)intset_len(is) * width_of(is);
}

intset *intset_dup(const intset *is)
{
    size_t n = intset_blob_len(is);
    intset *copy = rd_malloc(n);
    memcpy(copy, is, n);
    return copy;
}

int64_t intset_get(const intset *is, uint32_t pos)
{
    return get_at(is, width_of(is), pos);
}

/* Binary search: 1 and *pos if found, else 0 and *pos = insertion point. */
static int search(const intset *is, int64_t v, uint32_t *pos)
{
    uint32_t lo = 0, hi = intset_len(is);
    unsigned w = width_of(is);
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int64_t cur = get_at(is, w, mid);
        if (cur == v) {
            *pos = mid;
            return 1;
        }
        if (cur < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    *pos = lo;
    return 0;
}

int intset_find(const intset *is, int64_t v)
{
    uint32_t pos;
    if (width_for(v) > width_of(is))
        return 0;
    return search(is, v, &pos);
}

/* Rewrites the values at a larger width (back to front, so it works in place). */
static intset *upgrade(intset *is, unsigned width)
{
    uint32_t n = intset_len(is);
    unsigned old = width_of(is);
    is = rd_realloc(is, INTSET_HDR + (size_t)n * width);
    for (uint32_t i = n; i-- > 0;)
        set_at(is, width, i, get_at(is, old, i));
    is[OFF_WIDTH] = (unsigned char)width;
    return is;
}

intset *intset_add(intset *is, int64_t v, int *added)
{
    *added = 0;
    unsigned need = width_for(v);
    if (need > width_of(is))
        is = upgrade(is, need); /* v is beyond every member: it goes first or last */
    uint32_t pos;
    if (search(is, v, &pos))
        return is;
    uint32_t n = intset_len(is);
    unsigned w = width_of(is);
    is = rd_realloc(is, INTSET_HDR + ((size_t)n + 1) * w);
    unsigned char *base = is + INTSET_HDR;
    memmove(base + ((size_t)pos + 1) * w, base + (size_t)pos * w, ((size_t)n - pos) * w);
    set_at(is, w, pos, v);
    put_u32(is + OFF_LEN, n + 1);
    *added = 1;
    return is;
}

intset *intset_remove_at(intset *is, uint32_t pos)
{
    uint32_t n = intset_len(is);
    unsigned w = width_of(is);
    unsigned char *base = is + INTSET_HDR;
    memmove(base + (size_t)pos * w, base + ((size_t)pos + 1) * w, ((size_t)n - pos - 1) * w);
    put_u32(is + OFF_LEN, n - 1);
    return rd_realloc(is, INTSET_HDR + ((size_t)n - 1) * w);
}

intset *intset_remove(intset *is, int64_t v, int *removed)
{
    uint32_t pos;
    *removed = 0;
    if (width_for(v) > width_of(is) || !search(is, v, &pos))
        return is;
    *removed = 1;
    return intset_remove_at(is, pos);
}

int64_t intset_min(const intset *is)
{
    return intset_get(is, 0);
}

int64_t intset_max(const intset *is)
{
    return intset_get(is, intset_len(is) - 1);
}

intset *intset_load(const char *p, size_t len)
{
    const unsigned char *u = (const unsigned char *)p;
    if (len < INTSET_HDR || u[0] != INTSET_MAGIC || u[2] || u[3])
        return NULL;
    unsigned w = u[OFF_WIDTH];
    if (w != 2 && w != 4 && w != 8)
        return NULL;
    uint32_t n = get_u32(u + OFF_LEN);
    if ((len - INTSET_HDR) % w != 0 || (len - INTSET_HDR) / w != n)
        return NULL;
    for (uint32_t i = 1; i < n; i++)
        if (get_at(u, w, i - 1) >= get_at(u, w, i))
            return NULL;
    intset *is = rd_malloc(len);
    memcpy(is, p, len);
    return is;
}
