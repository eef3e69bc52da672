/* varint: unsigned LEB128, the one variable-length integer encoding of redraft (Raft
 * log entries, packlist lengths, skiplist snapshots): 7 bits per byte, low group
 * first, the high bit set on every byte but the last. Header-only so that the hot
 * packlist walk inlines it. Decoders that need one byte form per value (the log entry
 * format, snapshot validation) also check length == varint_len(value): that refuses
 * over-long encodings (a final zero group). */
#ifndef REDRAFT_VARINT_H
#define REDRAFT_VARINT_H

#include <stddef.h>
#include <stdint.h>

#define VARINT_MAX_LEN 10u /* a uint64 in 7-bit groups */

/* Bytes varint_put writes for v (1..10). */
static inline size_t varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

/* Writes v at dst (room for varint_len(v) bytes); returns the bytes written. */
static inline size_t varint_put(void *dst, uint64_t v)
{
    unsigned char *p = dst;
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

/* Decodes the varint at src, reading at most avail bytes. Returns its length, or 0
 * when it runs past avail (truncated) or past 64 bits (overflow). */
static inline size_t varint_get(const void *src, size_t avail, uint64_t *v)
{
    const unsigned char *p = src;
    uint64_t out = 0;
    for (size_t i = 0; i < VARINT_MAX_LEN && i < avail; i++) {
        if (i == VARINT_MAX_LEN - 1 && p[i] > 1)
            return 0; /* the 10th byte holds only bit 63 */
        out |= (uint64_t)(p[i] & 0x7F) << (7 * i);
        if (!(p[i] & 0x80)) {
            *v = out;
            return i + 1;
        }
    }
    return 0;
}

#endif
