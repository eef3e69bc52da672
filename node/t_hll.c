/* t_hll.c: HyperLogLog -- PFADD PFCOUNT PFMERGE (and PFDEBUG).
 *
 * The values are Redis's own HLL strings, byte for byte, so a GET/DUMP of an HLL key
 * matches redis-server's for the same PFADDs and HLLs can move between the two:
 *   16-byte header: "HYLL", encoding (0 dense, 1 sparse), 3 unused bytes, and the cached
 *   cardinality as 8 little-endian bytes whose top bit set means "stale";
 *   dense: 16384 registers of 6 bits, packed LSB first (12288 bytes);
 *   sparse: run-length opcodes ZERO 00xxxxxx (1-64 zero registers), XZERO 01xxxxxx
 *   yyyyyyyy (1-16384), VAL 1vvvvvxx (1-4 registers of value 1-32).
 * An element hashes with MurmurHash64A (seed 0xadc83b19); the low 14 bits choose the
 * register, the rest give the run length of zeros + 1 (Redis's hllPatLen). The sparse
 * update -- split the opcode covering the register, then merge equal neighbouring VAL
 * opcodes -- follows Redis's hllSparseSet step for step because the bytes it produces
 * are the observable format; past hll-sparse-max-bytes (or a register value above 32)
 * the value becomes dense. The estimator is Redis 7's (Ertl's improved estimator over
 * the register histogram), so PFCOUNT answers are Redis's too.
 *
 * PFCOUNT never writes: redis-server caches the computed cardinality in the string
 * (so it flags PFCOUNT "may-replicate"); here a read must not mutate (it is served
 * without going through the log), so the cache is used when valid but never stored.
 * The only visible difference: after a PFCOUNT, GET shows a stale cache where Redis
 * would show the cached value.
 *
 * Values are edited in a private copy (an hll_buf) and stored back with kv_string_set
 * only when something changed. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "commands.h"
#include "exec.h"
#include "keyspace.h"
#include "kv.h"
#include "mem.h"
#include "resp_writer.h"
#include "server.h"

#define HLL_P 14
#define HLL_Q (64 - HLL_P)
#define HLL_REGISTERS (1 << HLL_P)
#define HLL_P_MASK (HLL_REGISTERS - 1)
#define HLL_BITS 6
#define HLL_REGISTER_MAX ((1 << HLL_BITS) - 1)
#define HLL_HDR_SIZE 16
#define HLL_DENSE_SIZE (HLL_HDR_SIZE + (HLL_REGISTERS * HLL_BITS + 7) / 8)
#define HLL_DENSE 0
#define HLL_SPARSE 1
#define HLL_MAX_ENCODING 1
#define HLL_ALPHA_INF 0.721347520444481703680 /* constant for 0.5/ln(2) */
#define HLL_HASH_SEED 0xadc83b19ULL
#define HLL_DEFAULT_SPARSE_MAX 3000

/* Sparse opcodes. */
#define SP_ZERO_MAX_LEN 64
#define SP_XZERO_MAX_LEN 16384
#define SP_VAL_MAX_VALUE 32
#define SP_VAL_MAX_LEN 4
#define SP_IS_ZERO(p) (((*(p)) & 0xc0) == 0)
#define SP_IS_XZERO(p) (((*(p)) & 0xc0) == 0x40)
#define SP_IS_VAL(p) ((*(p)) & 0x80)
#define SP_ZERO_LEN(p) (((*(p)) & 0x3f) + 1)
#define SP_XZERO_LEN(p) (((((*(p)) & 0x3f) << 8) | (*((p) + 1))) + 1)
#define SP_VAL_VALUE(p) ((((*(p)) >> 2) & 0x1f) + 1)
#define SP_VAL_LEN(p) (((*(p)) & 0x3) + 1)

static const char ERR_NOT_HLL[] = "WRONGTYPE Key is not a valid HyperLogLog string value.";
static const char ERR_INVALID_HLL[] = "INVALIDOBJ Corrupted HLL object detected";

static inline void sp_zero_set(uint8_t *p, int len) { *p = (uint8_t)(len - 1); }
static inline void sp_xzero_set(uint8_t *p, int len)
{
    int l = len - 1;
    p[0] = (uint8_t)((l >> 8) | 0x40);
    p[1] = (uint8_t)(l & 0xff);
}
static inline void sp_val_set(uint8_t *p, int val, int len)
{
    *p = (uint8_t)((((val - 1) << 2) | (len - 1)) | 0x80);
}

/* ---- the value being edited --------------------------------------------------------- */

/* An HLL string under edit: owned bytes, len used, cap allocated. */
typedef struct hll_buf {
    uint8_t *p;
    size_t len, cap;
} hll_buf;

static void hb_reserve(hll_buf *b, size_t extra)
{
    if (b->len + extra <= b->cap)
        return;
    b->cap = (b->len + extra) * 2;
    b->p = rd_realloc(b->p, b->cap);
}

static void hb_free(hll_buf *b)
{
    rd_free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* A new, empty HLL: sparse, one XZERO covering every register, cached cardinality 0
 * (valid): Redis's createHLLObject. */
static void hb_init_empty(hll_buf *b)
{
    b->cap = 64;
    b->p = rd_calloc(1, b->cap);
    memcpy(b->p, "HYLL", 4);
    b->p[4] = HLL_SPARSE;
    b->len = HLL_HDR_SIZE;
    for (int left = HLL_REGISTERS; left > 0;) {
        int n = left > SP_XZERO_MAX_LEN ? SP_XZERO_MAX_LEN : left;
        sp_xzero_set(b->p + b->len, n);
        b->len += 2;
        left -= n;
    }
}

static void hb_init_copy(hll_buf *b, const char *s, size_t len)
{
    b->cap = len + 16;
    b->p = rd_malloc(b->cap);
    memcpy(b->p, s, len);
    b->len = len;
}

static inline int hb_encoding(const hll_buf *b) { return b->p[4]; }
static inline void hll_invalidate_cache(uint8_t *hdr) { hdr[15] |= 0x80; }

/* ---- dense registers -------------------------------------------------------------------- */

static inline unsigned dense_get(const uint8_t *regs, long i)
{
    size_t byte = (size_t)i * HLL_BITS / 8;
    unsigned fb = (unsigned)(i * HLL_BITS) & 7;
    unsigned v = regs[byte] >> fb;
    if (fb > 8 - HLL_BITS) /* spills into the next byte (never for the last register) */
        v |= (unsigned)regs[byte + 1] << (8 - fb);
    return v & HLL_REGISTER_MAX;
}

static inline void dense_put(uint8_t *regs, long i, unsigned val)
{
    size_t byte = (size_t)i * HLL_BITS / 8;
    unsigned fb = (unsigned)(i * HLL_BITS) & 7;
    regs[byte] = (uint8_t)((regs[byte] & ~(HLL_REGISTER_MAX << fb)) | (val << fb));
    if (fb > 8 - HLL_BITS) {
        unsigned fb8 = 8 - fb;
        regs[byte + 1] = (uint8_t)((regs[byte + 1] & ~(HLL_REGISTER_MAX >> fb8)) | (val >> fb8));
    }
}

/* Raises register i to count if lower; 1 if it changed. */
static int dense_set(uint8_t *regs, long i, unsigned count)
{
    if (count > dense_get(regs, i)) {
        dense_put(regs, i, count);
        return 1;
    }
    return 0;
}

/* ---- hashing ---------------------------------------------------------------------------- */

/* MurmurHash2, 64-bit version, reading the key as little-endian words whatever the
 * host's byte order (as Redis's endian-neutral variant does). */
static uint64_t murmur64a(const void *key, size_t len, uint64_t seed)
{
    const uint64_t m = 0xc6a4a7935bd1e995ULL;
    const int r = 47;
    uint64_t h = seed ^ ((uint64_t)len * m);
    const uint8_t *data = key;
    const uint8_t *end = data + (len - (len & 7));
    while (data != end) {
        uint64_t k = 0;
        for (int i = 7; i >= 0; i--)
            k = (k << 8) | data[i];
        k *= m;
        k ^= k >> r;
        k *= m;
        h ^= k;
        h *= m;
        data += 8;
    }
    switch (len & 7) {
    case 7: h ^= (uint64_t)data[6] << 48; /* fall through */
    case 6: h ^= (uint64_t)data[5] << 40; /* fall through */
    case 5: h ^= (uint64_t)data[4] << 32; /* fall through */
    case 4: h ^= (uint64_t)data[3] << 24; /* fall through */
    case 3: h ^= (uint64_t)data[2] << 16; /* fall through */
    case 2: h ^= (uint64_t)data[1] << 8;  /* fall through */
    case 1:
        h ^= (uint64_t)data[0];
        h *= m;
    }
    h ^= h >> r;
    h *= m;
    h ^= h >> r;
    return h;
}

/* The register an element falls in and its "pattern length": the number of trailing
 * zero bits of the remaining hash, plus one (a forced 1 at bit HLL_Q bounds it). */
static int hll_pat_len(const char *ele, size_t len, long *reg)
{
    uint64_t hash = murmur64a(ele, len, HLL_HASH_SEED);
    *reg = (long)(hash & HLL_P_MASK);
    hash >>= HLL_P;
    hash |= (uint64_t)1 << HLL_Q;
    return __builtin_ctzll(hash) + 1;
}

/* ---- sparse representation --------------------------------------------------------------- */

/* Rewrites a sparse HLL as dense (header and cached cardinality kept). Returns 0, or -1
 * if the opcodes do not cover exactly HLL_REGISTERS registers. */
static int sparse_to_dense(hll_buf *b)
{
    if (hb_encoding(b) == HLL_DENSE)
        return 0;
    uint8_t *dense = rd_calloc(1, HLL_DENSE_SIZE);
    memcpy(dense, b->p, HLL_HDR_SIZE);
    dense[4] = HLL_DENSE;
    uint8_t *regs = dense + HLL_HDR_SIZE;
    const uint8_t *p = b->p + HLL_HDR_SIZE, *end = b->p + b->len;
    long idx = 0;
    while (p < end) {
        if (SP_IS_ZERO(p)) {
            idx += SP_ZERO_LEN(p);
            p++;
        } else if (SP_IS_XZERO(p)) {
            if (p + 1 >= end)
                break;
            idx += SP_XZERO_LEN(p);
            p += 2;
        } else {
            int runlen = SP_VAL_LEN(p), regval = SP_VAL_VALUE(p);
            if (runlen + idx > HLL_REGISTERS)
                break;
            while (runlen--)
                dense_put(regs, idx++, (unsigned)regval);
            p++;
        }
    }
    if (idx != HLL_REGISTERS || p != end) {
        rd_free(dense);
        return -1;
    }
    rd_free(b->p);
    b->p = dense;
    b->len = b->cap = HLL_DENSE_SIZE;
    return 0;
}

/* Raises register `index` to `count` in a sparse HLL (Redis's hllSparseSet, same
 * output bytes). Returns 1 if changed, 0 if not, -1 if the value is corrupt. May turn
 * the value dense. */
static int sparse_set(hll_buf *b, long index, int count, long long sparse_max)
{
    if (count > SP_VAL_MAX_VALUE)
        goto promote;
    /* The worst case grows the value by 3 bytes (XZERO -> XZERO VAL XZERO). */
    hb_reserve(b, 3);

    /* Step 1: find the opcode covering the register. */
    uint8_t *sparse = b->p + HLL_HDR_SIZE, *p = sparse, *end = b->p + b->len;
    uint8_t *prev = NULL, *next;
    long first = 0, span = 0;
    while (p < end) {
        long oplen = 1;
        if (SP_IS_ZERO(p)) {
            span = SP_ZERO_LEN(p);
        } else if (SP_IS_VAL(p)) {
            span = SP_VAL_LEN(p);
        } else {
            if (p + 1 >= end)
                return -1;
            span = SP_XZERO_LEN(p);
            oplen = 2;
        }
        if (index <= first + span - 1)
            break;
        prev = p;
        p += oplen;
        first += span;
    }
    if (span == 0 || p >= end)
        return -1;

    next = SP_IS_XZERO(p) ? p + 2 : p + 1;
    if (next >= end)
        next = NULL;
    int is_zero = 0, is_xzero = 0, is_val = 0;
    long runlen;
    if (SP_IS_ZERO(p)) {
        is_zero = 1;
        runlen = SP_ZERO_LEN(p);
    } else if (SP_IS_XZERO(p)) {
        is_xzero = 1;
        runlen = SP_XZERO_LEN(p);
    } else {
        is_val = 1;
        runlen = SP_VAL_LEN(p);
    }

    /* Step 2: the easy cases are changed in place. */
    if (is_val) {
        int oldcount = SP_VAL_VALUE(p);
        if (oldcount >= count)
            return 0;
        if (runlen == 1) {
            sp_val_set(p, count, 1);
            goto updated;
        }
    }
    if (is_zero && runlen == 1) {
        sp_val_set(p, count, 1);
        goto updated;
    }

    /* Otherwise the opcode is split into up to three: [before] VAL(count) [after]. */
    uint8_t seq[5], *n = seq;
    long last = first + span - 1;
    if (is_zero || is_xzero) {
        if (index != first) {
            int len = (int)(index - first);
            if (len > SP_ZERO_MAX_LEN) {
                sp_xzero_set(n, len);
                n += 2;
            } else {
                sp_zero_set(n, len);
                n++;
            }
        }
        sp_val_set(n++, count, 1);
        if (index != last) {
            int len = (int)(last - index);
            if (len > SP_ZERO_MAX_LEN) {
                sp_xzero_set(n, len);
                n += 2;
            } else {
                sp_zero_set(n, len);
                n++;
            }
        }
    } else {
        int curval = SP_VAL_VALUE(p);
        if (index != first)
            sp_val_set(n++, curval, (int)(index - first));
        sp_val_set(n++, count, 1);
        if (index != last)
            sp_val_set(n++, curval, (int)(last - index));
    }

    /* Step 3: put the new sequence in place of the old opcode. */
    int seqlen = (int)(n - seq), oldlen = is_xzero ? 2 : 1, deltalen = seqlen - oldlen;
    if (deltalen > 0 && (long long)b->len + deltalen > sparse_max)
        goto promote;
    if (deltalen && next)
        memmove(next + deltalen, next, (size_t)(end - next));
    b->len = (size_t)((long long)b->len + deltalen);
    memcpy(p, seq, (size_t)seqlen);
    end += deltalen;

updated:
    /* Step 4: merge adjacent VAL opcodes of the same value, scanning up to 5 opcodes
     * from the one before the change. */
    p = prev ? prev : sparse;
    int scanlen = 5;
    while (p < end && scanlen--) {
        if (SP_IS_XZERO(p)) {
            p += 2;
            continue;
        } else if (SP_IS_ZERO(p)) {
            p++;
            continue;
        }
        if (p + 1 < end && SP_IS_VAL(p + 1)) {
            int v1 = SP_VAL_VALUE(p), v2 = SP_VAL_VALUE(p + 1);
            if (v1 == v2) {
                int len = SP_VAL_LEN(p) + SP_VAL_LEN(p + 1);
                if (len <= SP_VAL_MAX_LEN) {
                    sp_val_set(p + 1, v1, len);
                    memmove(p, p + 1, (size_t)(end - p - 1));
                    b->len--;
                    end--;
                    continue; /* try to merge the result with its right neighbour */
                }
            }
        }
        p++;
    }
    hll_invalidate_cache(b->p);
    return 1;

promote:
    if (sparse_to_dense(b) < 0)
        return -1;
    /* A register needed raising, so the dense set always changes something. */
    return dense_set(b->p + HLL_HDR_SIZE, index, (unsigned)count);
}

/* Adds one element; 1 if a register changed, 0 if not, -1 on a corrupt value. */
static int hll_add(hll_buf *b, const char *ele, size_t len, long long sparse_max)
{
    long index;
    int count = hll_pat_len(ele, len, &index);
    if (hb_encoding(b) == HLL_DENSE)
        return dense_set(b->p + HLL_HDR_SIZE, index, (unsigned)count);
    return sparse_set(b, index, count, sparse_max);
}

/* ---- counting ----------------------------------------------------------------------------- */

static double hll_sigma(double x)
{
    if (x == 1.)
        return INFINITY;
    double z_prime, y = 1, z = x;
    do {
        x *= x;
        z_prime = z;
        z += x * y;
        y += y;
    } while (z_prime != z);
    return z;
}

static double hll_tau(double x)
{
    if (x == 0. || x == 1.)
        return 0.;
    double z_prime, y = 1.0, z = 1 - x;
    do {
        x = sqrt(x);
        z_prime = z;
        y *= 0.5;
        z -= pow(1 - x, 2) * y;
    } while (z_prime != z);
    return z / 3;
}

/* Cardinality from the register histogram (Ertl, "New cardinality estimation algorithms
 * for HyperLogLog sketches", arXiv:1702.01284), as Redis 7 computes it. */
static uint64_t hll_estimate(const int *reghisto)
{
    double m = HLL_REGISTERS;
    double z = m * hll_tau((m - reghisto[HLL_Q + 1]) / m);
    for (int j = HLL_Q; j >= 1; --j) {
        z += reghisto[j];
        z *= 0.5;
    }
    z += m * hll_sigma(reghisto[0] / m);
    return (uint64_t)llroundl(HLL_ALPHA_INF * m * m / z);
}

/* Histogram of the registers of a stored HLL (header included). Returns -1 if a
 * sparse value does not cover exactly HLL_REGISTERS registers. */
static int hll_histogram(const uint8_t *s, size_t len, int *reghisto)
{
    const uint8_t *regs = s + HLL_HDR_SIZE;
    if (s[4] == HLL_DENSE) {
        for (long i = 0; i < HLL_REGISTERS; i++)
            reghisto[dense_get(regs, i)]++;
        return 0;
    }
    const uint8_t *p = regs, *end = s + len;
    long idx = 0;
    while (p < end) {
        if (SP_IS_ZERO(p)) {
            idx += SP_ZERO_LEN(p);
            reghisto[0] += SP_ZERO_LEN(p);
            p++;
        } else if (SP_IS_XZERO(p)) {
            if (p + 1 >= end)
                return -1;
            idx += SP_XZERO_LEN(p);
            reghisto[0] += SP_XZERO_LEN(p);
            p += 2;
        } else {
            idx += SP_VAL_LEN(p);
            reghisto[SP_VAL_VALUE(p)] += SP_VAL_LEN(p);
            p++;
        }
        if (idx > HLL_REGISTERS)
            return -1;
    }
    return idx == HLL_REGISTERS ? 0 : -1;
}

/* max[i] = MAX(max[i], register i of the stored HLL s). -1 on a corrupt sparse value. */
static int hll_merge(uint8_t *max, const uint8_t *s, size_t len)
{
    const uint8_t *regs = s + HLL_HDR_SIZE;
    if (s[4] == HLL_DENSE) {
        for (long i = 0; i < HLL_REGISTERS; i++) {
            unsigned v = dense_get(regs, i);
            if (v > max[i])
                max[i] = (uint8_t)v;
        }
        return 0;
    }
    const uint8_t *p = regs, *end = s + len;
    long i = 0;
    while (p < end) {
        if (SP_IS_ZERO(p)) {
            i += SP_ZERO_LEN(p);
            p++;
        } else if (SP_IS_XZERO(p)) {
            if (p + 1 >= end)
                return -1;
            i += SP_XZERO_LEN(p);
            p += 2;
        } else {
            long runlen = SP_VAL_LEN(p);
            int regval = SP_VAL_VALUE(p);
            if (runlen + i > HLL_REGISTERS)
                return -1;
            while (runlen--) {
                if (regval > max[i])
                    max[i] = (uint8_t)regval;
                i++;
            }
            p++;
        }
    }
    return i == HLL_REGISTERS ? 0 : -1;
}

/* ---- commands ----------------------------------------------------------------------------- */

static long long sparse_max_bytes(const exec_ctx *c)
{
    return c->srv ? c->srv->cfg.hll_sparse_max_bytes : HLL_DEFAULT_SPARSE_MAX;
}

/* Redis's isHLLObjectOrReply: a string (not int-encoded) with the HYLL header, a known
 * encoding and, if dense, the exact dense size. On success *s and *len are its bytes. */
static int hll_value_or_reply(exec_ctx *c, const kv *v, const char **s, size_t *len)
{
    if (kv_type(v) != OBJ_STRING) {
        reply_wrong_type(c);
        return 0;
    }
    char intbuf[32];
    if (kv_encoding(v) == ENC_INT)
        goto invalid;
    *len = kv_string(v, intbuf, s);
    if (*len < HLL_HDR_SIZE || memcmp(*s, "HYLL", 4) != 0)
        goto invalid;
    unsigned char enc = (unsigned char)(*s)[4];
    if (enc > HLL_MAX_ENCODING || (enc == HLL_DENSE && *len != HLL_DENSE_SIZE))
        goto invalid;
    return 1;
invalid:
    resp_write_error(c->w, ERR_NOT_HLL);
    return 0;
}

/* Stores b as key argv[i]'s value (v: its current kv, or NULL to add it), RAW encoded
 * as Redis keeps HLL strings, TTL kept. */
static void hll_store(exec_ctx *c, int i, kv *v, const hll_buf *b)
{
    const rd_arg *key = &c->argv[i];
    if (!v) {
        kv *nv = kv_new_string(key->ptr, key->len, "", 0, -1);
        nv = kv_string_set(nv, (const char *)b->p, b->len, 1);
        keyspace_add(c, nv);
    } else {
        kv *nv = kv_string_set(v, (const char *)b->p, b->len, 1);
        if (nv != v)
            keyspace_replaced(c, v, nv);
    }
    keyspace_modified(c, key->ptr, key->len);
}

/* PFADD key [element ...]: 1 if some register changed (or the key was created). */
void cmd_pfadd(exec_ctx *c)
{
    const rd_arg *key = &c->argv[1];
    kv *v = keyspace_lookup_write(c, key->ptr, key->len);
    hll_buf b;
    int updated = 0;
    if (!v) {
        hb_init_empty(&b);
        updated++;
    } else {
        const char *s;
        size_t len;
        if (!hll_value_or_reply(c, v, &s, &len))
            return;
        hb_init_copy(&b, s, len);
    }
    long long sparse_max = sparse_max_bytes(c);
    int corrupt = 0;
    for (int j = 2; j < c->argc && !corrupt; j++) {
        int r = hll_add(&b, c->argv[j].ptr, c->argv[j].len, sparse_max);
        if (r == 1)
            updated++;
        else if (r < 0)
            corrupt = 1;
    }
    if (updated) {
        hll_invalidate_cache(b.p);
        hll_store(c, 1, v, &b);
    } else if (kv_encoding(v) != ENC_RAW) {
        /* Redis unshares the value (making it RAW) even when nothing changes. */
        kv *nv = kv_string_write_at(v, 0, NULL, 0);
        if (nv != v)
            keyspace_replaced(c, v, nv);
    }
    if (corrupt)
        resp_write_error(c->w, ERR_INVALID_HLL);
    else
        resp_write_int(c->w, updated ? 1 : 0);
    hb_free(&b);
}

/* PFCOUNT key [key ...]: the estimated cardinality of the union. Never writes. */
void cmd_pfcount(exec_ctx *c)
{
    int reghisto[64];
    memset(reghisto, 0, sizeof(reghisto));
    if (c->argc > 2) {
        uint8_t *max = rd_calloc(1, HLL_REGISTERS);
        for (int j = 1; j < c->argc; j++) {
            const kv *v = keyspace_lookup_read(c, c->argv[j].ptr, c->argv[j].len);
            const char *s;
            size_t len;
            if (!v)
                continue; /* an empty HLL */
            if (!hll_value_or_reply(c, v, &s, &len)) {
                rd_free(max);
                return;
            }
            if (hll_merge(max, (const uint8_t *)s, len) < 0) {
                resp_write_error(c->w, ERR_INVALID_HLL);
                rd_free(max);
                return;
            }
        }
        for (long i = 0; i < HLL_REGISTERS; i++)
            reghisto[max[i]]++;
        rd_free(max);
        resp_write_int(c->w, (long long)hll_estimate(reghisto));
        return;
    }

    const kv *v = keyspace_lookup_read(c, c->argv[1].ptr, c->argv[1].len);
    const char *s;
    size_t len;
    if (!v) {
        resp_write_int(c->w, 0);
        return;
    }
    if (!hll_value_or_reply(c, v, &s, &len))
        return;
    const uint8_t *hdr = (const uint8_t *)s;
    if (!(hdr[15] & 0x80)) { /* a valid cached cardinality (written by redis-server) */
        uint64_t card = 0;
        for (int i = 7; i >= 0; i--)
            card = (card << 8) | hdr[8 + i];
        resp_write_int(c->w, (long long)card);
        return;
    }
    if (hll_histogram(hdr, len, reghisto) < 0) {
        resp_write_error(c->w, ERR_INVALID_HLL);
        return;
    }
    resp_write_int(c->w, (long long)hll_estimate(reghisto));
}

/* PFMERGE destkey [sourcekey ...]: destkey becomes the union of itself and the sources. */
void cmd_pfmerge(exec_ctx *c)
{
    uint8_t *max = rd_calloc(1, HLL_REGISTERS);
    int use_dense = 0;
    hll_buf b = {0};
    for (int j = 1; j < c->argc; j++) {
        const kv *v = keyspace_lookup_read(c, c->argv[j].ptr, c->argv[j].len);
        const char *s;
        size_t len;
        if (!v)
            continue;
        if (!hll_value_or_reply(c, v, &s, &len))
            goto done;
        /* One dense input makes the result dense right away, as Redis does. */
        if (s[4] == HLL_DENSE)
            use_dense = 1;
        if (hll_merge(max, (const uint8_t *)s, len) < 0) {
            resp_write_error(c->w, ERR_INVALID_HLL);
            goto done;
        }
    }

    const rd_arg *key = &c->argv[1];
    kv *v = keyspace_lookup_write(c, key->ptr, key->len);
    if (!v) {
        hb_init_empty(&b);
    } else {
        /* Already validated as a source above. */
        char intbuf[32];
        const char *s;
        size_t len = kv_string(v, intbuf, &s);
        hb_init_copy(&b, s, len);
    }
    if (use_dense && sparse_to_dense(&b) < 0) {
        resp_write_error(c->w, ERR_INVALID_HLL);
        goto done;
    }
    /* Register by register in index order: the sparse layout depends on the order. */
    long long sparse_max = sparse_max_bytes(c);
    for (long j = 0; j < HLL_REGISTERS; j++) {
        if (max[j] == 0)
            continue;
        if (hb_encoding(&b) == HLL_DENSE)
            dense_set(b.p + HLL_HDR_SIZE, j, max[j]);
        else
            sparse_set(&b, j, max[j], sparse_max);
    }
    hll_invalidate_cache(b.p);
    hll_store(c, 1, v, &b);
    resp_write_ok(c->w);
done:
    hb_free(&b);
    rd_free(max);
}

/* PFDEBUG <GETREG | DECODE | ENCODING | TODENSE> key: Redis's HLL debugging command.
 * GETREG and TODENSE turn a sparse value dense (stored), as in Redis; it is a write. */
void cmd_pfdebug(exec_ctx *c)
{
    const rd_arg *key = &c->argv[2];
    kv *v = keyspace_lookup_write(c, key->ptr, key->len);
    if (!v) {
        resp_write_error(c->w, "ERR The specified key does not exist");
        return;
    }
    const char *s;
    size_t len;
    if (!hll_value_or_reply(c, v, &s, &len))
        return;
    hll_buf b;
    hb_init_copy(&b, s, len);
    int getreg = arg_is(c, 1, "getreg"), todense = arg_is(c, 1, "todense");
    if (getreg || todense) {
        int conv = hb_encoding(&b) == HLL_SPARSE;
        if (conv) {
            if (sparse_to_dense(&b) < 0) {
                resp_write_error(c->w, ERR_INVALID_HLL);
                goto done;
            }
            hll_store(c, 2, v, &b);
        }
        if (todense) {
            resp_write_int(c->w, conv);
        } else {
            resp_write_array_len(c->w, HLL_REGISTERS);
            for (long j = 0; j < HLL_REGISTERS; j++)
                resp_write_int(c->w, dense_get(b.p + HLL_HDR_SIZE, j));
        }
    } else if (arg_is(c, 1, "decode")) {
        if (hb_encoding(&b) != HLL_SPARSE) {
            resp_write_error(c->w, "ERR HLL encoding is not sparse");
            goto done;
        }
        /* "z:<len>" ZERO, "Z:<len>" XZERO, "v:<value>,<len>" VAL, space separated. */
        size_t cap = (b.len - HLL_HDR_SIZE) * 12 + 1, n = 0;
        char *out = rd_malloc(cap);
        const uint8_t *p = b.p + HLL_HDR_SIZE, *end = b.p + b.len;
        while (p < end) {
            int w;
            if (SP_IS_ZERO(p)) {
                w = snprintf(out + n, cap - n, "z:%d ", SP_ZERO_LEN(p));
                p++;
            } else if (SP_IS_XZERO(p) && p + 1 < end) {
                w = snprintf(out + n, cap - n, "Z:%d ", SP_XZERO_LEN(p));
                p += 2;
            } else if (SP_IS_XZERO(p)) {
                break; /* truncated opcode */
            } else {
                w = snprintf(out + n, cap - n, "v:%d,%d ", SP_VAL_VALUE(p), SP_VAL_LEN(p));
                p++;
            }
            n += (size_t)w;
        }
        while (n > 0 && out[n - 1] == ' ')
            n--;
        resp_write_bulk(c->w, out, n);
        rd_free(out);
    } else if (arg_is(c, 1, "encoding")) {
        resp_write_simple_cstr(c->w, hb_encoding(&b) == HLL_DENSE ? "dense" : "sparse");
    } else {
        resp_write_errorf(c->w, "ERR Unknown PFDEBUG subcommand '%.*s'", (int)c->argv[1].len, c->argv[1].ptr);
    }
done:
    hb_free(&b);
}
