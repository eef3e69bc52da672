/* t_bitmap.c: the bitmap commands over string values -- SETBIT GETBIT BITCOUNT BITPOS
 * BITOP BITFIELD BITFIELD_RO.
 *
 * Bitmaps are plain strings (kv.h): bit 0 is the most significant bit of byte 0. Replies,
 * error texts and edge cases are Redis 7.2's (bitops.c), including its quirks:
 *   - BITCOUNT/BITPOS look the key up before parsing the range, so a missing key answers
 *     0 (BITPOS: 0 or -1) whatever the other arguments are, and WRONGTYPE wins over a
 *     bad range;
 *   - unsigned BITFIELD SET of a negative value saturates to the type's maximum under
 *     OVERFLOW SAT (the value is seen as a huge unsigned number);
 *   - a write (SETBIT, BITFIELD with SET/INCRBY) first grows the string with zero bytes
 *     to the highest bit it may touch and gives it the RAW encoding, as Redis's
 *     lookupStringForBitCommand + dbUnshareStringValue do, even when nothing changes
 *     (e.g. every BITFIELD op fails under OVERFLOW FAIL).
 *
 * Offsets are bounded by proto-max-bulk-len (c->srv->cfg; 512 MB when there is no
 * server) as in Redis. That setting must be the same on every replica of a shard, or a
 * large SETBIT could apply on one and fail on another.
 *
 * Strings are changed only through kv_string_write_at (byte windows read from the kv,
 * changed in a local buffer and written back), so kv.c stays the one owner of the
 * string layout. Read commands use keyspace_lookup_read only. */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "commands.h"
#include "exec.h"
#include "keyspace.h"
#include "kv.h"
#include "mem.h"
#include "resp_writer.h"
#include "server.h"
#include "strutil.h"

#define BIT_DEFAULT_MAX_BULK (512LL * 1024 * 1024)
#define INTBUF_SIZE 32

static const char ERR_BIT_OFFSET[] = "ERR bit offset is not an integer or out of range";
static const char ERR_BIT_VALUE[] = "ERR bit is not an integer or out of range";
static const char ERR_BITFIELD_TYPE[] =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";

/* ---- helpers ------------------------------------------------------------------------ */

/* The largest byte count a bit offset may address: proto-max-bulk-len, capped at what a
 * kv string can hold (< 4 GiB). */
static long long max_bulk_len(const exec_ctx *c)
{
    long long m = c->srv ? c->srv->cfg.proto_max_bulk_len : BIT_DEFAULT_MAX_BULK;
    if (m > (long long)UINT32_MAX - 16)
        m = (long long)UINT32_MAX - 16;
    return m;
}

/* Redis's getBitOffsetFromArgument: a bit offset, or with `hash` the "#N" form meaning N
 * fields of `bits` bits. Negative offsets and offsets whose byte is not below
 * proto-max-bulk-len are errors. */
static int arg_bit_offset(exec_ctx *c, int i, int hash, int bits, uint64_t *out)
{
    const rd_arg *a = &c->argv[i];
    int usehash = hash && bits > 0 && a->len > 0 && a->ptr[0] == '#';
    long long off;
    if (!rd_str2ll(a->ptr + usehash, a->len - (size_t)usehash, &off))
        goto err;
    if (usehash) {
        /* Redis multiplies without an overflow check; an overflowing product can only be
         * out of range anyway. */
        if (off > LLONG_MAX / bits || off < LLONG_MIN / bits)
            goto err;
        off *= bits;
    }
    if (off < 0 || (off >> 3) >= max_bulk_len(c))
        goto err;
    *out = (uint64_t)off;
    return 1;
err:
    resp_write_error(c->w, ERR_BIT_OFFSET);
    return 0;
}

/* Redis's getBitfieldTypeFromArgument: "i1".."i64" or "u1".."u63" (lower-case prefix). */
static int arg_bitfield_type(exec_ctx *c, int i, int *sign, int *bits)
{
    const rd_arg *a = &c->argv[i];
    long long n;
    if (a->len < 2 || (a->ptr[0] != 'i' && a->ptr[0] != 'u'))
        goto err;
    *sign = a->ptr[0] == 'i';
    if (!rd_str2ll(a->ptr + 1, a->len - 1, &n) || n < 1 || (*sign && n > 64) || (!*sign && n > 63))
        goto err;
    *bits = (int)n;
    return 1;
err:
    resp_write_error(c->w, ERR_BITFIELD_TYPE);
    return 0;
}

/* Looks up argv[1] for a bit write reaching bit `maxbit`: creates it (zero bytes) or
 * grows it to cover that bit, and leaves it RAW. *dirty is set when the key was created
 * or grown (the value changed even if no bit does). Replies WRONGTYPE and returns NULL
 * for a non-string. */
static kv *bit_lookup_write(exec_ctx *c, uint64_t maxbit, int *dirty)
{
    const rd_arg *key = &c->argv[1];
    size_t need = (size_t)(maxbit >> 3) + 1;
    kv *v = keyspace_lookup_write(c, key->ptr, key->len);
    *dirty = 0;
    if (!v) {
        v = kv_new_string(key->ptr, key->len, "", 0, -1);
        keyspace_add(c, v);
        *dirty = 1;
    } else if (kv_type(v) != OBJ_STRING) {
        reply_wrong_type(c);
        return NULL;
    } else if (kv_string_len(v) < need) {
        *dirty = 1;
    }
    /* Grows with zeros when need > length; otherwise only gives it the RAW layout. */
    kv *nv = kv_string_write_at(v, need > kv_string_len(v) ? need : 0, NULL, 0);
    if (nv != v)
        keyspace_replaced(c, v, nv);
    return nv;
}

/* Copies up to n bytes of v's string from byte `off` into buf, zero-padding past the end. */
static void read_window(const kv *v, uint64_t off, unsigned char *buf, size_t n)
{
    char intbuf[INTBUF_SIZE];
    const char *s;
    size_t len = kv_string(v, intbuf, &s);
    memset(buf, 0, n);
    for (size_t i = 0; i < n && off + i < len; i++)
        buf[i] = (unsigned char)s[off + i];
}

/* Writes n bytes at byte `off` of key argv[1]'s string, which already covers them. */
static kv *write_window(exec_ctx *c, kv *v, uint64_t off, const unsigned char *buf, size_t n)
{
    size_t len = kv_string_len(v);
    if (off + n > len)
        n = len - (size_t)off;
    kv *nv = kv_string_write_at(v, (size_t)off, (const char *)buf, n);
    if (nv != v)
        keyspace_replaced(c, v, nv);
    return nv;
}

/* Population count of n bytes. */
static long long popcount_bytes(const unsigned char *p, size_t n)
{
    long long count = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        count += __builtin_popcountll(w);
    }
    for (; i < n; i++)
        count += __builtin_popcount(p[i]);
    return count;
}

/* The string of a read-looked-up value (ENC_INT rendered into intbuf). */
static const unsigned char *string_bytes(const kv *v, char *intbuf, size_t *len)
{
    const char *s;
    *len = kv_string(v, intbuf, &s);
    return (const unsigned char *)s;
}

/* Parses the optional BYTE|BIT unit at argv[i]; replies syntax error on anything else. */
static int arg_unit(exec_ctx *c, int i, int *isbit)
{
    if (arg_is(c, i, "bit"))
        *isbit = 1;
    else if (arg_is(c, i, "byte"))
        *isbit = 0;
    else {
        reply_syntax_error(c);
        return 0;
    }
    return 1;
}

/* ---- SETBIT / GETBIT ------------------------------------------------------------------ */

/* SETBIT key offset value: the bit's previous value. */
void cmd_setbit(exec_ctx *c)
{
    uint64_t off;
    long long on;
    if (!arg_bit_offset(c, 2, 0, 0, &off))
        return;
    if (!rd_str2ll(c->argv[3].ptr, c->argv[3].len, &on) || (on & ~1LL)) {
        resp_write_error(c->w, ERR_BIT_VALUE);
        return;
    }
    int dirty;
    kv *v = bit_lookup_write(c, off, &dirty);
    if (!v)
        return;
    uint64_t byte = off >> 3;
    int bit = 7 - (int)(off & 7);
    unsigned char b;
    read_window(v, byte, &b, 1);
    int old = (b >> bit) & 1;
    if (dirty || old != on) {
        b = (unsigned char)((b & ~(1u << bit)) | ((unsigned)on << bit));
        write_window(c, v, byte, &b, 1);
        keyspace_modified(c, c->argv[1].ptr, c->argv[1].len);
    }
    resp_write_int(c->w, old);
}

/* GETBIT key offset */
void cmd_getbit(exec_ctx *c)
{
    uint64_t off;
    if (!arg_bit_offset(c, 2, 0, 0, &off))
        return;
    const kv *v = keyspace_lookup_read(c, c->argv[1].ptr, c->argv[1].len);
    if (!v) {
        resp_write_int(c->w, 0);
        return;
    }
    if (kv_type(v) != OBJ_STRING) {
        reply_wrong_type(c);
        return;
    }
    unsigned char b;
    read_window(v, off >> 3, &b, 1);
    resp_write_int(c->w, (b >> (7 - (off & 7))) & 1);
}

/* ---- BITCOUNT / BITPOS ---------------------------------------------------------------- */

/* Normalises [start, end] over a string of len bytes (bits when isbit) as Redis does:
 * negative indexes count from the end, then both are clamped. */
static void clamp_range(long long *start, long long *end, long long totlen)
{
    if (*start < 0)
        *start += totlen;
    if (*end < 0)
        *end += totlen;
    if (*start < 0)
        *start = 0;
    if (*end < 0)
        *end = 0;
    if (*end >= totlen)
        *end = totlen - 1;
}

/* BITCOUNT key [start end [BYTE | BIT]] */
void cmd_bitcount(exec_ctx *c)
{
    const kv *v = keyspace_lookup_read(c, c->argv[1].ptr, c->argv[1].len);
    if (!v) {
        resp_write_int(c->w, 0);
        return;
    }
    if (kv_type(v) != OBJ_STRING) {
        reply_wrong_type(c);
        return;
    }
    char intbuf[INTBUF_SIZE];
    size_t slen;
    const unsigned char *p = string_bytes(v, intbuf, &slen);
    long long start, end; /* bit positions from here on */
    if (c->argc == 4 || c->argc == 5) {
        int isbit = 0;
        if (!arg_ll(c, 2, &start) || !arg_ll(c, 3, &end))
            return;
        if (start < 0 && end < 0 && start > end) {
            resp_write_int(c->w, 0);
            return;
        }
        if (c->argc == 5 && !arg_unit(c, 4, &isbit))
            return;
        long long totlen = (long long)slen << (isbit ? 3 : 0);
        clamp_range(&start, &end, totlen);
        if (!isbit && start <= end) {
            start <<= 3;
            end = (end << 3) + 7;
        }
    } else if (c->argc == 2) {
        start = 0;
        end = ((long long)slen << 3) - 1;
    } else {
        reply_syntax_error(c);
        return;
    }
    if (start > end) {
        resp_write_int(c->w, 0);
        return;
    }
    long long sb = start >> 3, eb = end >> 3;
    long long count = popcount_bytes(p + sb, (size_t)(eb - sb + 1));
    /* Take out the bits of the edge bytes that are outside the bit range. */
    unsigned char first_out = (unsigned char)(0xFF00u >> (start & 7));  /* bits before start */
    unsigned char last_out = (unsigned char)((1u << (7 - (end & 7))) - 1); /* bits after end */
    count -= __builtin_popcount(p[sb] & first_out);
    count -= __builtin_popcount(p[eb] & last_out);
    resp_write_int(c->w, count);
}

/* Position of the first bit equal to `bit` in bits [start, end] of p, or -1. Whole
 * bytes (8 at a time where possible) that cannot hold the bit are skipped. */
static long long find_bit(const unsigned char *p, long long start, long long end, int bit)
{
    const unsigned char skip = bit ? 0x00 : 0xFF; /* a byte without the wanted bit */
    const uint64_t skip64 = bit ? 0 : UINT64_MAX;
    long long i = start;
    while (i <= end) {
        if ((i & 7) == 0) {
            while (i + 63 <= end) {
                uint64_t w;
                memcpy(&w, p + (i >> 3), 8);
                if (w != skip64)
                    break;
                i += 64;
            }
            while (i + 7 <= end && p[i >> 3] == skip)
                i += 8;
            if (i > end)
                break;
        }
        if (((p[i >> 3] >> (7 - (i & 7))) & 1) == bit)
            return i;
        i++;
    }
    return -1;
}

/* BITPOS key bit [start [end [BYTE | BIT]]] */
void cmd_bitpos(exec_ctx *c)
{
    long long bit;
    if (!arg_ll(c, 2, &bit))
        return;
    if (bit != 0 && bit != 1) {
        resp_write_error(c->w, "ERR The bit argument must be 1 or 0.");
        return;
    }
    const kv *v = keyspace_lookup_read(c, c->argv[1].ptr, c->argv[1].len);
    if (!v) {
        /* A missing key is an infinite run of zero bits. */
        resp_write_int(c->w, bit ? -1 : 0);
        return;
    }
    if (kv_type(v) != OBJ_STRING) {
        reply_wrong_type(c);
        return;
    }
    char intbuf[INTBUF_SIZE];
    size_t slen;
    const unsigned char *p = string_bytes(v, intbuf, &slen);
    long long start, end;
    int end_given = 0;
    if (c->argc >= 4 && c->argc <= 6) {
        int isbit = 0;
        long long totlen = (long long)slen;
        if (!arg_ll(c, 3, &start))
            return;
        if (c->argc == 6 && !arg_unit(c, 5, &isbit))
            return;
        if (c->argc >= 5) {
            if (!arg_ll(c, 4, &end))
                return;
            end_given = 1;
        } else {
            end = isbit ? (totlen << 3) + 7 : totlen - 1;
        }
        if (isbit)
            totlen <<= 3;
        clamp_range(&start, &end, totlen);
        if (!isbit && start <= end) {
            start <<= 3;
            end = (end << 3) + 7;
        }
    } else if (c->argc == 3) {
        start = 0;
        end = ((long long)slen << 3) - 1;
    } else {
        reply_syntax_error(c);
        return;
    }
    /* An empty range holds neither a 0 nor a 1. */
    if (start > end) {
        resp_write_int(c->w, -1);
        return;
    }
    long long pos = find_bit(p, start, end, (int)bit);
    /* Looking for a clear bit without an explicit end: the string is seen as padded with
     * zeros on the right, so the answer is the first bit past the range. */
    if (pos < 0 && bit == 0 && !end_given)
        pos = end + 1;
    resp_write_int(c->w, pos);
}

/* ---- BITOP ---------------------------------------------------------------------------- */

enum bitop { BITOP_AND, BITOP_OR, BITOP_XOR, BITOP_NOT };

/* BITOP <AND | OR | XOR | NOT> destkey key [key ...]: the length of the result. */
void cmd_bitop(exec_ctx *c)
{
    enum bitop op;
    if (arg_is(c, 1, "and"))
        op = BITOP_AND;
    else if (arg_is(c, 1, "or"))
        op = BITOP_OR;
    else if (arg_is(c, 1, "xor"))
        op = BITOP_XOR;
    else if (arg_is(c, 1, "not"))
        op = BITOP_NOT;
    else {
        reply_syntax_error(c);
        return;
    }
    if (op == BITOP_NOT && c->argc != 4) {
        resp_write_error(c->w, "ERR BITOP NOT must be called with a single source key.");
        return;
    }

    int nsrc = c->argc - 3;
    /* The sources are read (and copied, since one may be the destination) before the
     * destination is written. */
    unsigned char **src = rd_calloc((size_t)nsrc, sizeof(*src));
    size_t *len = rd_calloc((size_t)nsrc, sizeof(*len));
    size_t maxlen = 0;
    int ok = 1;
    for (int j = 0; j < nsrc; j++) {
        const kv *v = keyspace_lookup_read(c, c->argv[j + 3].ptr, c->argv[j + 3].len);
        if (!v)
            continue; /* a missing key is an empty string */
        if (kv_type(v) != OBJ_STRING) {
            reply_wrong_type(c);
            ok = 0;
            break;
        }
        char intbuf[INTBUF_SIZE];
        const unsigned char *s = string_bytes(v, intbuf, &len[j]);
        if (len[j]) {
            src[j] = rd_malloc(len[j]);
            memcpy(src[j], s, len[j]);
        }
        if (len[j] > maxlen)
            maxlen = len[j];
    }

    if (ok) {
        const rd_arg *dst = &c->argv[2];
        if (maxlen) {
            unsigned char *res = rd_malloc(maxlen);
            for (size_t i = 0; i < maxlen; i++) {
                unsigned char out = i < len[0] ? src[0][i] : 0;
                if (op == BITOP_NOT)
                    out = (unsigned char)~out;
                for (int j = 1; j < nsrc; j++) {
                    unsigned char b = i < len[j] ? src[j][i] : 0;
                    if (op == BITOP_AND)
                        out &= b;
                    else if (op == BITOP_OR)
                        out |= b;
                    else
                        out ^= b;
                }
                res[i] = out;
            }
            /* Redis stores the result as a RAW string whatever it looks like (even a
             * number), without TTL. */
            kv *nv = kv_new_string(dst->ptr, dst->len, "", 0, -1);
            nv = kv_string_set(nv, (const char *)res, maxlen, 1);
            keyspace_set(c, nv, 0);
            keyspace_modified(c, dst->ptr, dst->len);
            rd_free(res);
        } else if (keyspace_delete(c, dst->ptr, dst->len)) {
            keyspace_modified(c, dst->ptr, dst->len);
        }
        resp_write_int(c->w, (long long)maxlen);
    }
    for (int j = 0; j < nsrc; j++)
        rd_free(src[j]);
    rd_free(src);
    rd_free(len);
}

/* ---- BITFIELD ------------------------------------------------------------------------- */

enum bf_opcode { BF_GET, BF_SET, BF_INCRBY };
enum bf_overflow { BF_WRAP, BF_SAT, BF_FAIL };

typedef struct bf_op {
    uint64_t offset;
    long long value; /* SET value / INCRBY increment */
    int opcode, owtype, bits, sign;
} bf_op;

/* The `bits`-wide unsigned field at bit `off` of p (MSB first). */
static uint64_t bf_get_unsigned(const unsigned char *p, uint64_t off, int bits)
{
    uint64_t value = 0;
    for (int j = 0; j < bits; j++, off++) {
        unsigned bitval = (p[off >> 3] >> (7 - (off & 7))) & 1;
        value = (value << 1) | bitval;
    }
    return value;
}

static int64_t bf_get_signed(const unsigned char *p, uint64_t off, int bits)
{
    uint64_t value = bf_get_unsigned(p, off, bits);
    /* Sign-extend: two's complement of the field width. */
    if (bits < 64 && (value & ((uint64_t)1 << (bits - 1))))
        value |= UINT64_MAX << bits;
    return (int64_t)value;
}

static void bf_set(unsigned char *p, uint64_t off, int bits, uint64_t value)
{
    for (int j = 0; j < bits; j++, off++) {
        unsigned bitval = (unsigned)(value >> (bits - 1 - j)) & 1;
        unsigned bit = 7 - (unsigned)(off & 7);
        p[off >> 3] = (unsigned char)((p[off >> 3] & ~(1u << bit)) | (bitval << bit));
    }
}

/* Redis's checkUnsignedBitfieldOverflow: 1 (overflow up), -1 (down) or 0; *limit is
 * the wrapped or saturated result for WRAP/SAT. */
static int bf_unsigned_overflow(uint64_t value, int64_t incr, int bits, int owtype, uint64_t *limit)
{
    uint64_t max = bits == 64 ? UINT64_MAX : (((uint64_t)1 << bits) - 1);
    int64_t maxincr = (int64_t)(max - value);
    int64_t minincr = (int64_t)(0 - value);
    int dir = 0;
    if (value > max || (incr > 0 && incr > maxincr))
        dir = 1;
    else if (incr < 0 && incr < minincr)
        dir = -1;
    if (!dir)
        return 0;
    if (owtype == BF_WRAP)
        *limit = (value + (uint64_t)incr) & ~(UINT64_MAX << bits);
    else if (owtype == BF_SAT)
        *limit = dir > 0 ? max : 0;
    return dir;
}

/* Redis's checkSignedBitfieldOverflow (same contract). All arithmetic that may wrap is
 * done in uint64_t, where it is defined. */
static int bf_signed_overflow(int64_t value, int64_t incr, int bits, int owtype, int64_t *limit)
{
    int64_t max = bits == 64 ? INT64_MAX : (int64_t)(((uint64_t)1 << (bits - 1)) - 1);
    int64_t min = -max - 1;
    int64_t maxincr = (int64_t)((uint64_t)max - (uint64_t)value);
    int64_t minincr = (int64_t)((uint64_t)min - (uint64_t)value);
    int dir = 0;
    if (value > max || (bits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr))
        dir = 1;
    else if (value < min || (bits != 64 && incr < minincr) ||
             (value < 0 && incr < 0 && incr < minincr))
        dir = -1;
    if (!dir)
        return 0;
    if (owtype == BF_WRAP) {
        uint64_t r = (uint64_t)value + (uint64_t)incr;
        if (bits < 64) {
            uint64_t mask = UINT64_MAX << bits;
            if (r & ((uint64_t)1 << (bits - 1)))
                r |= mask;
            else
                r &= ~mask;
        }
        *limit = (int64_t)r;
    } else if (owtype == BF_SAT) {
        *limit = dir > 0 ? max : min;
    }
    return dir;
}

/* Runs one SET/INCRBY on the 9-byte window w that starts at the field's first byte
 * (fields are at most 64 bits, so they fit). Replies the result (null on FAIL);
 * returns 1 if the field's value changed. */
static int bf_write_op(exec_ctx *c, const bf_op *op, unsigned char *w, uint64_t bitoff, int dirty)
{
    if (op->sign) {
        int64_t oldval = bf_get_signed(w, bitoff, op->bits), newval, wrapped = 0, retval;
        int overflow;
        if (op->opcode == BF_INCRBY) {
            overflow = bf_signed_overflow(oldval, op->value, op->bits, op->owtype, &wrapped);
            newval = overflow ? wrapped : (int64_t)((uint64_t)oldval + (uint64_t)op->value);
            retval = newval;
        } else {
            newval = op->value;
            overflow = bf_signed_overflow(newval, 0, op->bits, op->owtype, &wrapped);
            if (overflow)
                newval = wrapped;
            retval = oldval;
        }
        if (overflow && op->owtype == BF_FAIL) {
            resp_write_null(c->w);
            return 0;
        }
        resp_write_int(c->w, retval);
        bf_set(w, bitoff, op->bits, (uint64_t)newval);
        return dirty || oldval != newval;
    }
    uint64_t oldval = bf_get_unsigned(w, bitoff, op->bits), newval, wrapped = 0, retval;
    int overflow;
    if (op->opcode == BF_INCRBY) {
        newval = oldval + (uint64_t)op->value;
        overflow = bf_unsigned_overflow(oldval, op->value, op->bits, op->owtype, &wrapped);
        if (overflow)
            newval = wrapped;
        retval = newval;
    } else {
        newval = (uint64_t)op->value;
        overflow = bf_unsigned_overflow(newval, 0, op->bits, op->owtype, &wrapped);
        if (overflow)
            newval = wrapped;
        retval = oldval;
    }
    if (overflow && op->owtype == BF_FAIL) {
        resp_write_null(c->w);
        return 0;
    }
    resp_write_int(c->w, (long long)retval);
    bf_set(w, bitoff, op->bits, newval);
    return dirty || oldval != newval;
}

static void bitfield_generic(exec_ctx *c, int readonly_cmd)
{
    int nops = 0, owtype = BF_WRAP, readonly = 1;
    uint64_t highest_write = 0;
    /* At most one op per 3 arguments. */
    bf_op *ops = rd_malloc(sizeof(*ops) * (size_t)(c->argc / 3 + 1));

    for (int j = 2; j < c->argc; j++) {
        int remargs = c->argc - j - 1;
        bf_op op;
        memset(&op, 0, sizeof(op));
        if (arg_is(c, j, "get") && remargs >= 2) {
            op.opcode = BF_GET;
        } else if (arg_is(c, j, "set") && remargs >= 3) {
            op.opcode = BF_SET;
        } else if (arg_is(c, j, "incrby") && remargs >= 3) {
            op.opcode = BF_INCRBY;
        } else if (arg_is(c, j, "overflow") && remargs >= 1) {
            j++;
            if (arg_is(c, j, "wrap"))
                owtype = BF_WRAP;
            else if (arg_is(c, j, "sat"))
                owtype = BF_SAT;
            else if (arg_is(c, j, "fail"))
                owtype = BF_FAIL;
            else {
                resp_write_error(c->w, "ERR Invalid OVERFLOW type specified");
                goto done;
            }
            continue;
        } else {
            reply_syntax_error(c);
            goto done;
        }
        if (!arg_bitfield_type(c, j + 1, &op.sign, &op.bits) ||
            !arg_bit_offset(c, j + 2, 1, op.bits, &op.offset))
            goto done;
        if (op.opcode != BF_GET) {
            readonly = 0;
            if (highest_write < op.offset + (uint64_t)op.bits - 1)
                highest_write = op.offset + (uint64_t)op.bits - 1;
            if (!arg_ll(c, j + 3, &op.value))
                goto done;
        }
        op.owtype = owtype;
        ops[nops++] = op;
        j += op.opcode == BF_GET ? 2 : 3;
    }

    kv *v;
    int dirty = 0, changes = 0;
    if (readonly) {
        v = keyspace_lookup_read(c, c->argv[1].ptr, c->argv[1].len);
        if (v && kv_type(v) != OBJ_STRING) {
            reply_wrong_type(c);
            goto done;
        }
    } else {
        if (readonly_cmd) {
            resp_write_error(c->w, "ERR BITFIELD_RO only supports the GET subcommand");
            goto done;
        }
        if (!(v = bit_lookup_write(c, highest_write, &dirty)))
            goto done;
        if (dirty)
            changes++; /* created or grown: the key changed even if every op fails */
    }

    resp_write_array_len(c->w, nops);
    for (int j = 0; j < nops; j++) {
        const bf_op *op = &ops[j];
        uint64_t byte = op->offset >> 3, bitoff = op->offset & 7;
        unsigned char w[9];
        if (v)
            read_window(v, byte, w, sizeof(w));
        else
            memset(w, 0, sizeof(w));
        if (op->opcode == BF_GET) {
            if (op->sign)
                resp_write_int(c->w, bf_get_signed(w, bitoff, op->bits));
            else
                resp_write_int(c->w, (long long)bf_get_unsigned(w, bitoff, op->bits));
            continue;
        }
        if (bf_write_op(c, op, w, bitoff, dirty)) {
            changes++;
            v = write_window(c, v, byte, w, (size_t)((bitoff + (uint64_t)op->bits + 7) >> 3));
        }
    }
    if (changes)
        keyspace_modified(c, c->argv[1].ptr, c->argv[1].len);
done:
    rd_free(ops);
}

/* BITFIELD key [GET type offset | [OVERFLOW WRAP|SAT|FAIL] SET type offset value |
 *               [OVERFLOW WRAP|SAT|FAIL] INCRBY type offset increment ...] */
void cmd_bitfield(exec_ctx *c)
{
    bitfield_generic(c, 0);
}

/* BITFIELD_RO key [GET type offset ...] */
void cmd_bitfield_ro(exec_ctx *c)
{
    bitfield_generic(c, 1);
}
