/* dict: the insertion-ordered string -> string (or string -> nothing) hash table behind
 * the "hashtable" encoding of hashes and sets.
 *
 * Same idea as kvtable (kvtable.h): a dense array of entries in insertion order plus an
 * open-addressing index of positions. A removed entry leaves a hole carrying its
 * sequence number; trailing holes are dropped at once and the rest compacted in order
 * when they exceed half the array. The dense layout is therefore a pure function of the
 * sequence of adds and deletes, so random picks (HRANDFIELD, SRANDMEMBER, SPOP) made
 * with the entry's PRNG over it are the same on every replica, and a snapshot that
 * saves and reloads it hole for hole (dict_save / dict_load) keeps them the same.
 *
 * Each entry is one allocation: a 16-byte header (seq, key length, value length), the
 * key, then the value. `seq` numbers entries in insertion order within the dict (from 1)
 * and never changes, not even when the value is replaced; HSCAN/SSCAN cursors are seqs,
 * so they stay valid across growth and compaction (dict_scan).
 *
 * The struct's first byte is DICT_MAGIC: the type callbacks (free, copy, memory) get a
 * bare pointer and tell encodings apart by that byte. */
#ifndef REDRAFT_DICT_H
#define REDRAFT_DICT_H

#include <stddef.h>
#include <stdint.h>

#include "prng.h"

struct bytebuf;

#define DICT_MAGIC 0xB3

typedef struct dict_entry {
    uint64_t seq;
    uint32_t klen;
    uint32_t vlen;
    char data[]; /* key bytes, then value bytes */
} dict_entry;

typedef struct dict {
    uint8_t magic;      /* DICT_MAGIC */
    uint8_t has_values; /* 0: a set (every vlen is 0 and values are never saved) */
    uintptr_t *entries; /* dict_entry* (low bit 0) or a hole: (seq << 1) | 1 */
    size_t used;        /* positions in use, holes included */
    size_t cap;
    size_t count;       /* live entries */
    uint64_t *index;    /* 0 empty, DICT_TOMB removed, else (hash hi32 << 32) | (pos + 1) */
    size_t index_size;  /* power of two, or 0 */
    size_t index_tombs;
    uint64_t next_seq;  /* seq of the next added entry */
    size_t entry_bytes; /* allocation sizes of the live entries (O(1) MEMORY USAGE) */
} dict;

static inline const char *dict_key(const dict_entry *e) { return e->data; }
static inline const char *dict_val(const dict_entry *e) { return e->data + e->klen; }

dict *dict_new(int has_values);
void dict_free(dict *d);
/* Deep copy with the identical layout (holes, seqs, next_seq). */
dict *dict_dup(const dict *d);
static inline size_t dict_size(const dict *d) { return d->count; }

dict_entry *dict_find(const dict *d, const char *key, size_t klen, size_t *pos);
/* Appends a new entry (key must not be present); returns its position. */
size_t dict_add(dict *d, const char *key, size_t klen, const char *val, size_t vlen);
/* Adds or replaces (an existing key keeps its position and seq). Returns 1 if added.
 * val may point into the old entry's value. */
int dict_set(dict *d, const char *key, size_t klen, const char *val, size_t vlen);
/* Removes the key; returns 1 if it was there. May compact. */
int dict_delete(dict *d, const char *key, size_t klen);

/* The live entry at pos, NULL for a hole or out of range. */
dict_entry *dict_at(const dict *d, size_t pos);
/* A live entry chosen with r (deterministic for a given layout), NULL if empty. */
dict_entry *dict_random(const dict *d, prng *r, size_t *pos);

/* k distinct live positions (k <= count) chosen with r, in the order drawn. */
void dict_random_distinct(const dict *d, prng *r, size_t k, size_t *out);
/* k distinct values of [0, n) (k <= n) chosen with r, in the order drawn: the small
 * encodings' random picks (HRANDFIELD, SRANDMEMBER, SPOP with a count). */
void sample_distinct(prng *r, size_t n, size_t k, size_t *out);

/* Bytes of the dict: struct, arrays and entries (allocation sizes). O(1). */
size_t dict_memory(const dict *d);

/* Cursor iteration (HSCAN/SSCAN). Cursor 0 starts; the returned cursor is 0 when the
 * iteration is complete. Calls fn for up to `count` live entries, visiting at most
 * 10 * count positions (holes included), like Redis's bounded empty-bucket walk. An
 * iteration returns every entry present for its whole duration exactly once, and always
 * ends: its cursors carry a bound (the dict's next_seq when it started, rounded up a
 * little) so entries added meanwhile cannot keep it going. */
typedef void dict_scan_fn(void *ctx, const dict_entry *e);
unsigned long long dict_scan(const dict *d, unsigned long long cursor, unsigned long long count,
                             dict_scan_fn *fn, void *ctx);

/* Snapshot form: next_seq, used, then every position (a hole's seq, or an entry's seq,
 * key and -- with has_values -- value). */
void dict_save(const dict *d, struct bytebuf *out);
/* Rebuilds exactly the saved layout. NULL if malformed: truncated, seqs not strictly
 * increasing or not below next_seq, a trailing hole, a duplicate key, trailing bytes. */
dict *dict_load(const char *p, size_t len, int has_values);

#endif
