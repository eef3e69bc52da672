/* listpack.c: the listpack format (see listpack.h) -- encoding, navigation, edits and
 * validation of untrusted bytes.
 *
 * Entry encodings (first byte), Redis's:
 *   0xxxxxxx                 7-bit unsigned integer
 *   10xxxxxx                 string, length < 64, bytes follow
 *   110xxxxx yyyyyyyy        13-bit signed integer
 *   1110xxxx yyyyyyyy        string, length < 4096
 *   11110000 <4 bytes len>   string, 32-bit length
 *   11110001/2/3/4           16/24/32/64-bit signed integer, little endian
 *   11111111                 end of listpack
 * After encoding+data comes backlen: the size of encoding+data in 1..5 bytes, 7 bits per
 * byte, written so it can be decoded reading backwards from the entry's last byte. */
#include "listpack.h"

#include <string.h>

#include "mem.h"
#include "strutil.h"

#define LP_EOF 0xFF
#define LP_COUNT_UNKNOWN 65535

#define ENC_7BIT_UINT_MASK 0x80
#define ENC_6BIT_STR 0x80
#define ENC_13BIT_INT 0xC0
#define ENC_12BIT_STR 0xE0
#define ENC_32BIT_STR 0xF0
#define ENC_16BIT_INT 0xF1
#define ENC_24BIT_INT 0xF2
#define ENC_32BIT_INT 0xF3
#define ENC_64BIT_INT 0xF4

#define MAX_ENC_HDR 9 /* largest encoding header: 64-bit int (1 + 8) */

/* ---- header ------------------------------------------------------------------------- */

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void set_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static uint32_t hdr_count(const unsigned char *lp)
{
    return (uint32_t)lp[4] | (uint32_t)lp[5] << 8;
}

static void set_hdr_count(unsigned char *lp, uint32_t n)
{
    lp[4] = (unsigned char)n;
    lp[5] = (unsigned char)(n >> 8);
}

size_t lp_bytes(const unsigned char *lp)
{
    return get_u32(lp);
}

unsigned char *lp_new(void)
{
    unsigned char *lp = rd_malloc(LP_EMPTY_BYTES);
    set_u32(lp, LP_EMPTY_BYTES);
    set_hdr_count(lp, 0);
    lp[LP_HDR_SIZE] = LP_EOF;
    return lp;
}

void lp_free(unsigned char *lp)
{
    rd_free(lp);
}

unsigned char *lp_dup(const unsigned char *lp)
{
    size_t n = lp_bytes(lp);
    unsigned char *d = rd_malloc(n);
    memcpy(d, lp, n);
    return d;
}

/* ---- backlen ------------------------------------------------------------------------ */

static size_t backlen_size(uint64_t l)
{
    if (l <= 127)
        return 1;
    if (l < 16383)
        return 2;
    if (l < 2097151)
        return 3;
    if (l < 268435455)
        return 4;
    return 5;
}

static size_t encode_backlen(unsigned char *buf, uint64_t l)
{
    size_t n = backlen_size(l);
    /* buf[0] holds the highest 7-bit group without the continuation bit; the following
     * bytes carry it, so reading backwards stops at buf[0]. */
    for (size_t i = 0; i < n; i++) {
        unsigned shift = (unsigned)(7 * (n - 1 - i));
        unsigned char b = (unsigned char)((l >> shift) & 127);
        if (i > 0)
            b |= 128;
        buf[i] = b;
    }
    return n;
}

/* Decodes the backlen whose last byte is at p, reading backwards but not before `lo`.
 * Returns UINT64_MAX if malformed. */
static uint64_t decode_backlen(const unsigned char *p, const unsigned char *lo)
{
    uint64_t val = 0;
    unsigned shift = 0;
    for (;;) {
        val |= (uint64_t)(p[0] & 127) << shift;
        if (!(p[0] & 128))
            break;
        shift += 7;
        if (shift > 28 || p == lo)
            return UINT64_MAX;
        p--;
    }
    return val;
}

/* ---- entry encoding ----------------------------------------------------------------- */

/* Size of encoding+data of the entry at p (no backlen). For the terminator, 1. */
static size_t enc_data_size(const unsigned char *p)
{
    unsigned char b = p[0];
    if ((b & ENC_7BIT_UINT_MASK) == 0)
        return 1;
    if ((b & 0xC0) == ENC_6BIT_STR)
        return 1 + (size_t)(b & 0x3F);
    if ((b & 0xE0) == ENC_13BIT_INT)
        return 2;
    if ((b & 0xF0) == ENC_12BIT_STR)
        return 2 + ((size_t)(b & 0x0F) << 8 | p[1]);
    switch (b) {
    case ENC_16BIT_INT: return 3;
    case ENC_24BIT_INT: return 4;
    case ENC_32BIT_INT: return 5;
    case ENC_64BIT_INT: return 9;
    case ENC_32BIT_STR: return 5 + (size_t)get_u32(p + 1);
    default: return 1; /* terminator (validated input never has other bytes here) */
    }
}

size_t lp_entry_bytes(const unsigned char *p)
{
    size_t l = enc_data_size(p);
    return l + backlen_size(l);
}

/* Encodes an integer into buf (<= 9 bytes); returns the size. */
static size_t encode_int(unsigned char *buf, long long v)
{
    if (v >= 0 && v <= 127) {
        buf[0] = (unsigned char)v;
        return 1;
    }
    if (v >= -4096 && v <= 4095) {
        uint64_t u = v < 0 ? (uint64_t)((1 << 13) + v) : (uint64_t)v;
        buf[0] = (unsigned char)((u >> 8) | ENC_13BIT_INT);
        buf[1] = (unsigned char)(u & 0xFF);
        return 2;
    }
    size_t nbytes;
    unsigned char enc;
    if (v >= -32768 && v <= 32767) {
        nbytes = 2;
        enc = ENC_16BIT_INT;
    } else if (v >= -8388608 && v <= 8388607) {
        nbytes = 3;
        enc = ENC_24BIT_INT;
    } else if (v >= -2147483648LL && v <= 2147483647LL) {
        nbytes = 4;
        enc = ENC_32BIT_INT;
    } else {
        nbytes = 8;
        enc = ENC_64BIT_INT;
    }
    uint64_t u = (uint64_t)v; /* two's complement, truncated to nbytes below */
    buf[0] = enc;
    for (size_t i = 0; i < nbytes; i++)
        buf[1 + i] = (unsigned char)(u >> (8 * i));
    return 1 + nbytes;
}

/* Encoding header of a string of len bytes; returns its size (1, 2 or 5). */
static size_t encode_str_hdr(unsigned char *buf, size_t len)
{
    if (len < 64) {
        buf[0] = (unsigned char)(ENC_6BIT_STR | len);
        return 1;
    }
    if (len < 4096) {
        buf[0] = (unsigned char)(ENC_12BIT_STR | (len >> 8));
        buf[1] = (unsigned char)(len & 0xFF);
        return 2;
    }
    buf[0] = ENC_32BIT_STR;
    set_u32(buf + 1, (uint32_t)len);
    return 5;
}

/* How s[0..len) is stored: hdr gets the encoding (and, for integers, the data);
 * data and datalen: the string bytes that follow (none for integers). Returns the size of
 * encoding+data. */
static size_t encode_value(const char *s, size_t len, unsigned char *hdr, size_t *hdrlen,
                           const char **data, size_t *datalen)
{
    long long v;
    if (rd_str2ll(s, len, &v)) {
        *hdrlen = encode_int(hdr, v);
        *data = NULL;
        *datalen = 0;
        return *hdrlen;
    }
    *hdrlen = encode_str_hdr(hdr, len);
    *data = s;
    *datalen = len;
    return *hdrlen + len;
}

size_t lp_encoded_bytes(const char *s, size_t len)
{
    unsigned char hdr[MAX_ENC_HDR];
    size_t hdrlen, datalen;
    const char *data;
    size_t l = encode_value(s, len, hdr, &hdrlen, &data, &datalen);
    return l + backlen_size(l);
}

static long long decode_int(const unsigned char *p)
{
    unsigned char b = p[0];
    if ((b & ENC_7BIT_UINT_MASK) == 0)
        return b & 0x7F;
    if ((b & 0xE0) == ENC_13BIT_INT) {
        uint64_t u = (uint64_t)(b & 0x1F) << 8 | p[1];
        return u >= (1 << 12) ? (long long)u - (1 << 13) : (long long)u;
    }
    size_t n = b == ENC_16BIT_INT ? 2 : b == ENC_24BIT_INT ? 3 : b == ENC_32BIT_INT ? 4 : 8;
    uint64_t u = 0;
    for (size_t i = 0; i < n; i++)
        u |= (uint64_t)p[1 + i] << (8 * i);
    if (n < 8 && (u >> (8 * n - 1)) & 1) /* sign-extend */
        u |= ~(uint64_t)0 << (8 * n);
    return (long long)u;
}

const unsigned char *lp_get_value(const unsigned char *p, uint32_t *slen, long long *lval)
{
    unsigned char b = p[0];
    if ((b & 0xC0) == ENC_6BIT_STR) {
        *slen = b & 0x3F;
        return p + 1;
    }
    if ((b & 0xF0) == ENC_12BIT_STR) {
        *slen = (uint32_t)(b & 0x0F) << 8 | p[1];
        return p + 2;
    }
    if (b == ENC_32BIT_STR) {
        *slen = get_u32(p + 1);
        return p + 5;
    }
    *lval = decode_int(p);
    return NULL;
}

size_t lp_get_string(const unsigned char *p, char *intbuf, const char **out)
{
    uint32_t slen;
    long long v;
    const unsigned char *s = lp_get_value(p, &slen, &v);
    if (s) {
        *out = (const char *)s;
        return slen;
    }
    *out = intbuf;
    return rd_ll2str(intbuf, v);
}

int lp_compare(const unsigned char *p, const char *s, size_t len)
{
    uint32_t slen;
    long long v;
    const unsigned char *es = lp_get_value(p, &slen, &v);
    if (es)
        return slen == len && memcmp(es, s, len) == 0;
    long long sv;
    return rd_str2ll(s, len, &sv) && sv == v;
}

/* ---- navigation --------------------------------------------------------------------- */

static unsigned char *skip(unsigned char *p)
{
    return p + lp_entry_bytes(p);
}

unsigned char *lp_first(unsigned char *lp)
{
    unsigned char *p = lp + LP_HDR_SIZE;
    return p[0] == LP_EOF ? NULL : p;
}

unsigned char *lp_next(unsigned char *lp, unsigned char *p)
{
    (void)lp;
    p = skip(p);
    return p[0] == LP_EOF ? NULL : p;
}

unsigned char *lp_prev(unsigned char *lp, unsigned char *p)
{
    if (p - lp == LP_HDR_SIZE)
        return NULL;
    p--; /* last byte of the previous entry's backlen */
    uint64_t prevlen = decode_backlen(p, lp + LP_HDR_SIZE);
    prevlen += backlen_size(prevlen);
    return p - prevlen + 1;
}

unsigned char *lp_last(unsigned char *lp)
{
    unsigned char *eof = lp + lp_bytes(lp) - 1;
    return lp_prev(lp, eof);
}

unsigned long lp_length(const unsigned char *lp)
{
    uint32_t n = hdr_count(lp);
    if (n != LP_COUNT_UNKNOWN)
        return n;
    unsigned long count = 0;
    for (unsigned char *p = lp_first((unsigned char *)lp); p; p = lp_next((unsigned char *)lp, p))
        count++;
    return count;
}

unsigned char *lp_seek(unsigned char *lp, long index)
{
    unsigned long n = lp_length(lp);
    int forward = 1;
    unsigned long i;
    if (index < 0) {
        if ((unsigned long)-(index + 1) >= n)
            return NULL;
        i = n - (unsigned long)-(index + 1) - 1;
    } else {
        if ((unsigned long)index >= n)
            return NULL;
        i = (unsigned long)index;
    }
    /* Walk from the nearer end. */
    if (i > n / 2) {
        forward = 0;
        i = n - 1 - i;
    }
    unsigned char *p;
    if (forward) {
        p = lp_first(lp);
        while (i-- > 0)
            p = lp_next(lp, p);
    } else {
        p = lp_last(lp);
        while (i-- > 0)
            p = lp_prev(lp, p);
    }
    return p;
}

/* ---- edits -------------------------------------------------------------------------- */

static void count_add(unsigned char *lp, int delta)
{
    uint32_t n = hdr_count(lp);
    if (n == LP_COUNT_UNKNOWN)
        return;
    long long nn = (long long)n + delta;
    if (nn >= LP_COUNT_UNKNOWN)
        nn = LP_COUNT_UNKNOWN;
    set_hdr_count(lp, (uint32_t)nn);
}

/* Replaces the `oldlen` bytes at offset `off` by an entry encoding s (or just removes
 * them when s == NULL) and fixes the total-bytes header; returns the new listpack (the
 * new entry, if any, starts at offset off). The caller fixes the count. */
static unsigned char *splice(unsigned char *lp, size_t off, size_t oldlen, const char *s, size_t len)
{
    unsigned char hdr[MAX_ENC_HDR], back[5];
    size_t hdrlen = 0, datalen = 0, backlen = 0, newlen = 0;
    const char *data = NULL;
    if (s) {
        size_t l = encode_value(s, len, hdr, &hdrlen, &data, &datalen);
        backlen = encode_backlen(back, l);
        newlen = l + backlen;
    }
    size_t old_bytes = lp_bytes(lp);
    size_t new_bytes = old_bytes - oldlen + newlen;
    if (newlen > oldlen)
        lp = rd_realloc(lp, new_bytes);
    /* Move the tail (everything after the replaced bytes, terminator included). */
    memmove(lp + off + newlen, lp + off + oldlen, old_bytes - off - oldlen);
    if (newlen < oldlen)
        lp = rd_realloc(lp, new_bytes);
    if (s) {
        unsigned char *dst = lp + off;
        memcpy(dst, hdr, hdrlen);
        dst += hdrlen;
        if (datalen)
            memcpy(dst, data, datalen);
        dst += datalen;
        memcpy(dst, back, backlen);
    }
    set_u32(lp, (uint32_t)new_bytes);
    return lp;
}

unsigned char *lp_insert(unsigned char *lp, const char *s, size_t len, unsigned char *p,
                         enum lp_where where, unsigned char **newp)
{
    if (where == LP_AFTER)
        p = skip(p);
    size_t off = (size_t)(p - lp);
    lp = splice(lp, off, 0, s, len);
    count_add(lp, 1);
    if (newp)
        *newp = lp + off;
    return lp;
}

unsigned char *lp_append(unsigned char *lp, const char *s, size_t len)
{
    return lp_insert(lp, s, len, lp + lp_bytes(lp) - 1, LP_BEFORE, NULL);
}

unsigned char *lp_prepend(unsigned char *lp, const char *s, size_t len)
{
    return lp_insert(lp, s, len, lp + LP_HDR_SIZE, LP_BEFORE, NULL);
}

unsigned char *lp_replace(unsigned char *lp, unsigned char **p, const char *s, size_t len)
{
    size_t off = (size_t)(*p - lp);
    lp = splice(lp, off, lp_entry_bytes(*p), s, len);
    *p = lp + off;
    return lp;
}

unsigned char *lp_delete(unsigned char *lp, unsigned char *p, unsigned char **newp)
{
    size_t off = (size_t)(p - lp);
    lp = splice(lp, off, lp_entry_bytes(p), NULL, 0);
    count_add(lp, -1);
    if (newp)
        *newp = lp[off] == LP_EOF ? NULL : lp + off;
    return lp;
}

unsigned char *lp_delete_range(unsigned char *lp, long index, unsigned long num)
{
    if (num == 0)
        return lp;
    unsigned long n = lp_length(lp);
    unsigned long start;
    if (index < 0) {
        unsigned long back = (unsigned long)-(index + 1) + 1;
        if (back > n)
            return lp;
        start = n - back;
    } else {
        start = (unsigned long)index;
    }
    if (start >= n)
        return lp;
    if (num > n - start)
        num = n - start;
    unsigned char *first = lp_seek(lp, (long)start);
    unsigned char *end = first;
    for (unsigned long i = 0; i < num; i++)
        end = skip(end);
    size_t off = (size_t)(first - lp), dlen = (size_t)(end - first);
    size_t old_bytes = lp_bytes(lp);
    memmove(lp + off, lp + off + dlen, old_bytes - off - dlen);
    lp = rd_realloc(lp, old_bytes - dlen);
    set_u32(lp, (uint32_t)(old_bytes - dlen));
    set_hdr_count(lp, n - num < LP_COUNT_UNKNOWN ? (uint32_t)(n - num) : LP_COUNT_UNKNOWN);
    return lp;
}

unsigned char *lp_concat(unsigned char *a, unsigned char *b)
{
    size_t abytes = lp_bytes(a), bbytes = lp_bytes(b);
    unsigned long total = lp_length(a) + lp_length(b);
    size_t add = bbytes - LP_EMPTY_BYTES;
    a = rd_realloc(a, abytes + add);
    /* Overwrite a's terminator with b's entries; b's terminator ends the result. */
    memcpy(a + abytes - 1, b + LP_HDR_SIZE, bbytes - LP_HDR_SIZE);
    set_u32(a, (uint32_t)(abytes + add));
    set_hdr_count(a, total < LP_COUNT_UNKNOWN ? (uint32_t)total : LP_COUNT_UNKNOWN);
    lp_free(b);
    return a;
}

/* ---- validation --------------------------------------------------------------------- */

/* Size of encoding+data of the entry at p, reading only p[0..avail); 0 if the encoding
 * is invalid or does not fit. */
static size_t safe_enc_data_size(const unsigned char *p, size_t avail)
{
    if (avail < 1)
        return 0;
    unsigned char b = p[0];
    size_t l;
    if ((b & ENC_7BIT_UINT_MASK) == 0)
        l = 1;
    else if ((b & 0xC0) == ENC_6BIT_STR)
        l = 1 + (size_t)(b & 0x3F);
    else if ((b & 0xE0) == ENC_13BIT_INT)
        l = 2;
    else if ((b & 0xF0) == ENC_12BIT_STR) {
        if (avail < 2)
            return 0;
        l = 2 + ((size_t)(b & 0x0F) << 8 | p[1]);
    } else if (b == ENC_16BIT_INT)
        l = 3;
    else if (b == ENC_24BIT_INT)
        l = 4;
    else if (b == ENC_32BIT_INT)
        l = 5;
    else if (b == ENC_64BIT_INT)
        l = 9;
    else if (b == ENC_32BIT_STR) {
        if (avail < 5)
            return 0;
        l = 5 + (size_t)get_u32(p + 1);
    } else
        return 0; /* unused encodings and the terminator */
    return l <= avail ? l : 0;
}

int lp_validate(const unsigned char *p, size_t size)
{
    if (!p || size < LP_EMPTY_BYTES || size > UINT32_MAX)
        return 0;
    if (get_u32(p) != size || p[size - 1] != LP_EOF)
        return 0;
    const unsigned char *q = p + LP_HDR_SIZE, *end = p + size - 1; /* end: terminator */
    unsigned long count = 0;
    while (q < end) {
        size_t avail = (size_t)(end - q);
        size_t l = safe_enc_data_size(q, avail);
        if (!l)
            return 0;
        size_t bl = backlen_size(l);
        if (bl > avail - l)
            return 0;
        /* The backlen must decode (backwards) to exactly l. */
        unsigned char expect[5];
        encode_backlen(expect, l);
        if (memcmp(q + l, expect, bl) != 0)
            return 0;
        q += l + bl;
        count++;
    }
    if (q != end)
        return 0;
    uint32_t hc = hdr_count(p);
    if (hc != LP_COUNT_UNKNOWN ? hc != count : count < LP_COUNT_UNKNOWN)
        return 0;
    return 1;
}
