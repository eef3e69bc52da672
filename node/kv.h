/* kv: one stored key with its value, in a single allocation.
 *
 * Layout: a 16-byte header, then [int64 expire_ms if KV_HAS_EXPIRE], the key bytes,
 * then the value: int64 for ENC_INT strings, uint32 length + bytes for EMBSTR/RAW
 * strings, a pointer for collection types. Keeping key, TTL and small values together
 * is what keeps 1M small string keys under redis-server's memory.
 *
 * `seq` is the key's insertion sequence number inside its database: the dense entry
 * array is ordered by it and SCAN cursors are sequence numbers, so a cursor stays valid
 * across growth and compaction and means the same thing on every replica.
 *
 * Any function that may reallocate returns the new pointer; the previous one is dead.
 * Only the keyspace (keyspace.c) stores kv pointers. */
#ifndef REDRAFT_KV_H
#define REDRAFT_KV_H

#include <stddef.h>
#include <stdint.h>

struct bytebuf;

/* Type and encoding numbers are Redis's (OBJECT ENCODING names come from these). */
enum obj_type { OBJ_STRING = 0, OBJ_LIST = 1, OBJ_SET = 2, OBJ_ZSET = 3, OBJ_HASH = 4, OBJ_STREAM = 6 };
enum obj_encoding {
    ENC_RAW = 0, ENC_INT = 1, ENC_HASHTABLE = 2, ENC_INTSET = 6, ENC_SKIPLIST = 7,
    ENC_EMBSTR = 8, ENC_QUICKLIST = 9, ENC_STREAM = 10, ENC_LISTPACK = 11,
};
#define KV_HAS_EXPIRE 0x01
#define KV_EMBSTR_MAX 44 /* Redis: strings up to 44 bytes are "embstr", longer "raw" */
#define KV_SEQ_BITS 48

typedef struct kv {
    uint64_t meta;   /* type:4 | encoding:4 | flags:8 | seq:48 */
    uint32_t lru;    /* Redis's 24-bit LRU clock, or LFU (16-bit minutes | 8-bit counter) */
    uint32_t keylen;
    unsigned char data[];
} kv;

/* A string value; stored as ENC_INT when it is a canonical integer of <= 20 chars,
 * else EMBSTR (<= 44 bytes) or RAW. expire_ms < 0: no TTL. */
kv *kv_new_string(const char *key, size_t klen, const char *val, size_t vlen, int64_t expire_ms);
kv *kv_new_string_ll(const char *key, size_t klen, long long v, int64_t expire_ms);
/* A collection value owned through a pointer (later types). */
kv *kv_new_ptr(const char *key, size_t klen, int type, int encoding, void *ptr, int64_t expire_ms);
/* Same value under another key (RENAME/COPY of strings: deep copy; collections need the
 * type's copy function, given as copy_ptr; NULL moves the pointer). */
kv *kv_dup_with_key(const kv *v, const char *key, size_t klen, void *(*copy_ptr)(const void *));
/* Frees the kv and, for collection types, its value via the registered free function. */
void kv_free(kv *v);
/* What the keyspace needs from a collection type (lists, hashes, sets, zsets ...).
 * Each type file fills one of these and registers it at start-up (types.c calls every
 * family's register function). Strings are handled by kv.c itself.
 *
 * save/load are the snapshot format of a value: load(save(x)) must give a value that
 * behaves identically from then on -- same iteration order, same internal layout
 * (holes, sequence counters, encoding), so every layout-dependent choice (SPOP,
 * HRANDFIELD, SSCAN cursors ...) is the same on a replica that reloaded a snapshot as
 * on one that never did (shared/DESIGN.md, "The log entry and determinism"). */
typedef struct kv_type_ops {
    void (*free)(void *ptr);
    size_t (*memory_usage)(const void *ptr);   /* bytes beyond the kv itself */
    void *(*copy)(const void *ptr);            /* deep copy (COPY); NULL: not copyable */
    /* Appends the value (and its encoding's internal state) to out. */
    void (*save)(const void *ptr, int encoding, struct bytebuf *out);
    /* Rebuilds a value from save's bytes; returns NULL on malformed input (never
     * crashes, never reads outside p[0..len)). */
    void *(*load)(const char *p, size_t len, int encoding);
} kv_type_ops;
void kv_register_type(int type, const kv_type_ops *ops);
/* The ops of a type, or NULL (strings, unknown types). */
const kv_type_ops *kv_type_get_ops(int type);

static inline int kv_type(const kv *v) { return (int)(v->meta & 0xF); }
static inline int kv_encoding(const kv *v) { return (int)((v->meta >> 4) & 0xF); }
static inline int kv_flags(const kv *v) { return (int)((v->meta >> 8) & 0xFF); }
static inline uint64_t kv_seq(const kv *v) { return v->meta >> 16; }
void kv_set_encoding(kv *v, int encoding);
void kv_set_seq(kv *v, uint64_t seq);

const char *kv_key(const kv *v);
static inline size_t kv_keylen(const kv *v) { return v->keylen; }
int64_t kv_expire(const kv *v); /* -1 when the key has no TTL */
/* Sets (expire_ms >= 0) or removes (expire_ms < 0) the TTL; may reallocate. */
kv *kv_set_expire(kv *v, int64_t expire_ms);

/* String value. For ENC_INT it is rendered into intbuf (>= 21 bytes). */
size_t kv_string(const kv *v, char *intbuf, const char **out);
size_t kv_string_len(const kv *v);
/* 1 and *out if the string value is an integer (ENC_INT, or text that parses). */
int kv_string_ll(const kv *v, long long *out);
/* Replaces the string value (same key, TTL and seq); may reallocate. raw != 0 forces
 * the RAW encoding name (APPEND/SETRANGE, as Redis). */
kv *kv_string_set(kv *v, const char *val, size_t vlen, int raw);
kv *kv_string_set_ll(kv *v, long long n);
/* Writes n bytes at offset off of the string value (zero-filling any gap past the end),
 * leaving it RAW (APPEND, SETRANGE). The allocation grows with slack (double below
 * 1 MiB, then +1 MiB) so repeated appends are amortised O(n) as with Redis's sds. p
 * must not point into v. May reallocate. */
kv *kv_string_write_at(kv *v, size_t off, const char *p, size_t n);

void *kv_ptr(const kv *v);
void kv_set_ptr(kv *v, void *ptr);

/* Bytes this kv uses, including the allocation overhead (MEMORY USAGE). */
size_t kv_memory_usage(const kv *v);
const char *kv_type_name(int type);         /* "string", "list", ... */
const char *kv_encoding_name(int encoding); /* "int", "embstr", "raw", "listpack", ... */

#endif
