/* kv: one stored key and its value in a single allocation (layout in kv.h).
 *
 * Owns the byte layout of a kv and every function that reads or rewrites it: creation
 * with the Redis-compatible encoding choice (int / embstr / raw), TTL add/remove (which
 * moves the key and value by 8 bytes and may reallocate), string value replacement,
 * copies under another key, and freeing collection values through the free functions
 * the type modules register. Multi-byte fields after the header are unaligned, so they
 * are always read and written with memcpy.
 *
 *   [meta u64][lru u32][keylen u32] [expire i64]? [key bytes] [value]
 *   value: ENC_INT string: i64 | EMBSTR/RAW string: u32 len + bytes | collection: void*
 */
#include "kv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "strutil.h"

_Static_assert(sizeof(kv) == 16, "the kv header must stay 16 bytes");

#define KV_TYPES 16 /* type is a 4-bit field */
#define KV_EXPIRE_BYTES sizeof(int64_t)
#define KV_STRLEN_BYTES sizeof(uint32_t)

static const kv_type_ops *type_ops[KV_TYPES];

static void kv_panic(const char *what)
{
    fprintf(stderr, "redraft: kv: %s\n", what);
    fflush(stderr);
    abort();
}

static inline uint64_t make_meta(int type, int encoding, int flags, uint64_t seq)
{
    return ((uint64_t)type & 0xF) | (((uint64_t)encoding & 0xF) << 4) |
           (((uint64_t)flags & 0xFF) << 8) | (seq << 16);
}

static inline void set_flags(kv *v, int flags)
{
    v->meta = (v->meta & ~(uint64_t)0xFF00) | (((uint64_t)flags & 0xFF) << 8);
}

static inline int is_string(const kv *v) { return kv_type(v) == OBJ_STRING; }

static inline size_t expire_bytes(const kv *v)
{
    return (kv_flags(v) & KV_HAS_EXPIRE) ? KV_EXPIRE_BYTES : 0;
}

/* Offset of the value inside data[]. */
static inline size_t value_off(const kv *v) { return expire_bytes(v) + v->keylen; }

static inline uint32_t str_len(const kv *v)
{
    uint32_t len;
    memcpy(&len, v->data + value_off(v), sizeof(len));
    return len;
}

static inline long long int_value(const kv *v)
{
    int64_t n;
    memcpy(&n, v->data + value_off(v), sizeof(n));
    return (long long)n;
}

/* Bytes of value storage for a value with this type/encoding (strings: of length vlen). */
static inline size_t value_bytes(int type, int encoding, size_t vlen)
{
    if (type != OBJ_STRING)
        return sizeof(void *);
    if (encoding == ENC_INT)
        return sizeof(int64_t);
    return KV_STRLEN_BYTES + vlen;
}

static inline size_t current_value_bytes(const kv *v)
{
    if (!is_string(v))
        return sizeof(void *);
    if (kv_encoding(v) == ENC_INT)
        return sizeof(int64_t);
    return KV_STRLEN_BYTES + str_len(v);
}

static inline size_t total_size(const kv *v)
{
    return sizeof(kv) + value_off(v) + current_value_bytes(v);
}

static void check_lengths(size_t klen, size_t vlen)
{
    if (klen > UINT32_MAX || vlen > UINT32_MAX)
        kv_panic("key or value longer than 4 GiB");
}

/* Allocates a kv with header, TTL and key filled in; the value is the caller's. */
static kv *alloc_kv(const char *key, size_t klen, int type, int encoding, size_t vbytes,
                    int64_t expire_ms)
{
    size_t exp = expire_ms >= 0 ? KV_EXPIRE_BYTES : 0;
    kv *v = rd_malloc(sizeof(kv) + exp + klen + vbytes);
    v->meta = make_meta(type, encoding, exp ? KV_HAS_EXPIRE : 0, 0);
    v->lru = 0; /* 0 = not initialised: the keyspace sets it when the key is stored */
    v->keylen = (uint32_t)klen;
    if (exp) {
        int64_t e = expire_ms;
        memcpy(v->data, &e, sizeof(e));
    }
    if (klen)
        memcpy(v->data + exp, key, klen);
    return v;
}

/* The encoding Redis gives a freshly set string value (and its integer, if ENC_INT). */
static int pick_string_encoding(const char *val, size_t vlen, long long *n)
{
    if (vlen <= 20 && rd_str2ll(val, vlen, n))
        return ENC_INT;
    return vlen <= KV_EMBSTR_MAX ? ENC_EMBSTR : ENC_RAW;
}

static inline void write_string_value(kv *v, int encoding, const char *val, size_t vlen,
                                      long long n)
{
    unsigned char *p = v->data + value_off(v);
    if (encoding == ENC_INT) {
        int64_t x = n;
        memcpy(p, &x, sizeof(x));
    } else {
        uint32_t len = (uint32_t)vlen;
        memcpy(p, &len, sizeof(len));
        if (vlen)
            memcpy(p + KV_STRLEN_BYTES, val, vlen);
    }
}

kv *kv_new_string(const char *key, size_t klen, const char *val, size_t vlen, int64_t expire_ms)
{
    check_lengths(klen, vlen);
    long long n = 0;
    int enc = pick_string_encoding(val, vlen, &n);
    kv *v = alloc_kv(key, klen, OBJ_STRING, enc, value_bytes(OBJ_STRING, enc, vlen), expire_ms);
    write_string_value(v, enc, val, vlen, n);
    return v;
}

kv *kv_new_string_ll(const char *key, size_t klen, long long n, int64_t expire_ms)
{
    check_lengths(klen, 0);
    kv *v = alloc_kv(key, klen, OBJ_STRING, ENC_INT, sizeof(int64_t), expire_ms);
    write_string_value(v, ENC_INT, NULL, 0, n);
    return v;
}

kv *kv_new_ptr(const char *key, size_t klen, int type, int encoding, void *ptr, int64_t expire_ms)
{
    check_lengths(klen, 0);
    if (type == OBJ_STRING || type < 0 || type >= KV_TYPES)
        kv_panic("kv_new_ptr: not a collection type");
    kv *v = alloc_kv(key, klen, type, encoding, sizeof(void *), expire_ms);
    memcpy(v->data + value_off(v), &ptr, sizeof(ptr));
    return v;
}

kv *kv_dup_with_key(const kv *v, const char *key, size_t klen, void *(*copy_ptr)(const void *))
{
    check_lengths(klen, 0);
    size_t vbytes = current_value_bytes(v);
    kv *nv = alloc_kv(key, klen, kv_type(v), kv_encoding(v), vbytes, kv_expire(v));
    nv->lru = v->lru;
    memcpy(nv->data + value_off(nv), v->data + value_off(v), vbytes);
    if (!is_string(v) && copy_ptr) {
        void *p = copy_ptr(kv_ptr(v));
        kv_set_ptr(nv, p);
    }
    return nv;
}

void kv_free(kv *v)
{
    if (!v)
        return;
    if (!is_string(v)) {
        void *p = kv_ptr(v);
        const kv_type_ops *ops = type_ops[kv_type(v)];
        if (p && ops && ops->free)
            ops->free(p);
    }
    rd_free(v);
}

void kv_register_type(int type, const kv_type_ops *ops)
{
    if (type > OBJ_STRING && type < KV_TYPES)
        type_ops[type] = ops;
}

const kv_type_ops *kv_type_get_ops(int type)
{
    return type > OBJ_STRING && type < KV_TYPES ? type_ops[type] : NULL;
}

void kv_set_encoding(kv *v, int encoding)
{
    v->meta = (v->meta & ~(uint64_t)0xF0) | (((uint64_t)encoding & 0xF) << 4);
}

void kv_set_seq(kv *v, uint64_t seq)
{
    v->meta = (v->meta & 0xFFFF) | (seq << 16);
}

const char *kv_key(const kv *v)
{
    return (const char *)v->data + expire_bytes(v);
}

int64_t kv_expire(const kv *v)
{
    if (!(kv_flags(v) & KV_HAS_EXPIRE))
        return -1;
    int64_t e;
    memcpy(&e, v->data, sizeof(e));
    return e;
}

kv *kv_set_expire(kv *v, int64_t expire_ms)
{
    int has = (kv_flags(v) & KV_HAS_EXPIRE) != 0;
    if (expire_ms >= 0 && has) {
        int64_t e = expire_ms;
        memcpy(v->data, &e, sizeof(e));
        return v;
    }
    if (expire_ms < 0 && !has)
        return v;

    size_t rest = v->keylen + current_value_bytes(v); /* key + value, moved as one block */
    if (expire_ms >= 0) {
        /* Grow first, then slide key+value right to make room for the deadline. */
        v = rd_realloc(v, sizeof(kv) + KV_EXPIRE_BYTES + rest);
        memmove(v->data + KV_EXPIRE_BYTES, v->data, rest);
        int64_t e = expire_ms;
        memcpy(v->data, &e, sizeof(e));
        set_flags(v, kv_flags(v) | KV_HAS_EXPIRE);
    } else {
        /* Slide key+value left over the deadline, then shrink. */
        memmove(v->data, v->data + KV_EXPIRE_BYTES, rest);
        set_flags(v, kv_flags(v) & ~KV_HAS_EXPIRE);
        v = rd_realloc(v, sizeof(kv) + rest);
    }
    return v;
}

size_t kv_string(const kv *v, char *intbuf, const char **out)
{
    if (kv_encoding(v) == ENC_INT) {
        size_t n = rd_ll2str(intbuf, int_value(v));
        *out = intbuf;
        return n;
    }
    *out = (const char *)v->data + value_off(v) + KV_STRLEN_BYTES;
    return str_len(v);
}

size_t kv_string_len(const kv *v)
{
    if (kv_encoding(v) == ENC_INT) {
        char buf[32];
        return rd_ll2str(buf, int_value(v));
    }
    return str_len(v);
}

int kv_string_ll(const kv *v, long long *out)
{
    if (!is_string(v))
        return 0;
    if (kv_encoding(v) == ENC_INT) {
        *out = int_value(v);
        return 1;
    }
    const char *p = (const char *)v->data + value_off(v) + KV_STRLEN_BYTES;
    return rd_str2ll(p, str_len(v), out);
}

/* Resizes v so that its value takes vbytes, keeping header, TTL and key. */
static kv *resize_value(kv *v, size_t vbytes)
{
    size_t need = sizeof(kv) + value_off(v) + vbytes;
    if (need == total_size(v))
        return v;
    return rd_realloc(v, need);
}

kv *kv_string_set(kv *v, const char *val, size_t vlen, int raw)
{
    check_lengths(0, vlen);
    /* The new value may be a slice of the old one (e.g. a command reusing the bytes it
     * read): copy it out first, since the realloc below may move or overwrite it. */
    char *tmp = NULL;
    uintptr_t lo = (uintptr_t)v, hi = lo + total_size(v), at = (uintptr_t)val;
    if (vlen && at >= lo && at < hi) {
        tmp = rd_malloc(vlen);
        memcpy(tmp, val, vlen);
        val = tmp;
    }
    long long n = 0;
    int enc = raw ? ENC_RAW : pick_string_encoding(val, vlen, &n);
    v = resize_value(v, value_bytes(OBJ_STRING, enc, vlen));
    kv_set_encoding(v, enc);
    write_string_value(v, enc, val, vlen, n);
    rd_free(tmp);
    return v;
}

kv *kv_string_set_ll(kv *v, long long n)
{
    v = resize_value(v, sizeof(int64_t));
    kv_set_encoding(v, ENC_INT);
    write_string_value(v, ENC_INT, NULL, 0, n);
    return v;
}

kv *kv_string_write_at(kv *v, size_t off, const char *p, size_t n)
{
    if (kv_encoding(v) == ENC_INT) { /* give it the text layout first */
        char intbuf[24];
        size_t ilen = rd_ll2str(intbuf, int_value(v));
        v = kv_string_set(v, intbuf, ilen, 1);
    }
    size_t old_len = str_len(v);
    size_t new_len = off + n > old_len ? off + n : old_len;
    check_lengths(0, new_len);
    size_t need = sizeof(kv) + value_off(v) + KV_STRLEN_BYTES + new_len;
    if (rd_alloc_size(v) < need) {
        size_t want = need < 1024 * 1024 ? need * 2 : need + 1024 * 1024;
        v = rd_realloc(v, want);
    }
    unsigned char *s = v->data + value_off(v) + KV_STRLEN_BYTES;
    if (off > old_len)
        memset(s + old_len, 0, off - old_len);
    if (n)
        memcpy(s + off, p, n);
    uint32_t len32 = (uint32_t)new_len;
    memcpy(v->data + value_off(v), &len32, sizeof(len32));
    kv_set_encoding(v, ENC_RAW);
    return v;
}

void *kv_ptr(const kv *v)
{
    void *p;
    memcpy(&p, v->data + value_off(v), sizeof(p));
    return p;
}

void kv_set_ptr(kv *v, void *ptr)
{
    memcpy(v->data + value_off(v), &ptr, sizeof(ptr));
}

size_t kv_memory_usage(const kv *v)
{
    size_t n = rd_alloc_size(v);
    if (!is_string(v)) {
        const kv_type_ops *ops = type_ops[kv_type(v)];
        void *p = kv_ptr(v);
        if (ops && ops->memory_usage && p)
            n += ops->memory_usage(p);
    }
    return n;
}

const char *kv_type_name(int type)
{
    switch (type) {
    case OBJ_STRING: return "string";
    case OBJ_LIST: return "list";
    case OBJ_SET: return "set";
    case OBJ_ZSET: return "zset";
    case OBJ_HASH: return "hash";
    case OBJ_STREAM: return "stream";
    default: return "unknown";
    }
}

const char *kv_encoding_name(int encoding)
{
    switch (encoding) {
    case ENC_RAW: return "raw";
    case ENC_INT: return "int";
    case ENC_HASHTABLE: return "hashtable";
    case ENC_INTSET: return "intset";
    case ENC_SKIPLIST: return "skiplist";
    case ENC_EMBSTR: return "embstr";
    case ENC_QUICKLIST: return "quicklist";
    case ENC_STREAM: return "stream";
    case ENC_LISTPACK: return "listpack";
    default: return "unknown";
    }
}
