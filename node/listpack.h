/* listpack: a compact, contiguous sequence of string/integer entries -- Redis's listpack
 * format, byte for byte.
 *
 * A generic building block for small collections (lists now; hashes, sets and sorted
 * sets may use it too): one allocation holds every entry, so a collection of small
 * elements costs a few bytes per element instead of a malloc each. The byte layout is
 * Redis's (a 6-byte header: total bytes and entry count, little endian; entries; a 0xFF
 * terminator; every entry = encoding + data + "backlen", so it can be walked both ways),
 * which makes lp_bytes() equal to Redis's lpBytes() for the same content. The encoding
 * thresholds (list-max-listpack-size, hash-max-listpack-entries ...) are defined on
 * those sizes, so the same content converts to the big encoding at the same point.
 *
 * Strings that are canonical 64-bit integers (rd_str2ll) are stored as integers, as
 * Redis does; reading one back renders it in decimal, which is the same text.
 *
 * Ownership: a listpack is one rd_malloc block. Every function that may grow or shrink
 * it takes the old pointer and returns the new one (the old one is dead); entry pointers
 * (`p`) into a listpack are invalidated by any such call unless returned by it.
 * The entry count field saturates at 65535 (then lp_length walks), as in Redis. */
#ifndef REDRAFT_LISTPACK_H
#define REDRAFT_LISTPACK_H

#include <stddef.h>
#include <stdint.h>

#define LP_HDR_SIZE 6
#define LP_EMPTY_BYTES 7    /* header + terminator */
#define LP_INTBUF_SIZE 21   /* room for any int64 in decimal */

enum lp_where { LP_BEFORE = 0, LP_AFTER = 1 };

unsigned char *lp_new(void);
void lp_free(unsigned char *lp);
unsigned char *lp_dup(const unsigned char *lp);

size_t lp_bytes(const unsigned char *lp);
unsigned long lp_length(const unsigned char *lp);

/* Navigation. NULL past either end. */
unsigned char *lp_first(unsigned char *lp);
unsigned char *lp_last(unsigned char *lp);
unsigned char *lp_next(unsigned char *lp, unsigned char *p);
unsigned char *lp_prev(unsigned char *lp, unsigned char *p);
/* Entry at index (negative: from the end, -1 = last), or NULL when out of range. Walks
 * from whichever end is nearer. */
unsigned char *lp_seek(unsigned char *lp, long index);

/* The entry's value: a pointer to its string bytes (length in *slen), or NULL for an
 * integer entry (value in *lval). */
const unsigned char *lp_get_value(const unsigned char *p, uint32_t *slen, long long *lval);
/* The entry as text: string entries point into the listpack, integers are rendered into
 * intbuf (>= LP_INTBUF_SIZE bytes). Returns the length. */
size_t lp_get_string(const unsigned char *p, char *intbuf, const char **out);
/* Does the entry hold exactly s[0..len)? (Integer entries compare as their decimal text.) */
int lp_compare(const unsigned char *p, const char *s, size_t len);
/* Bytes the entry occupies (encoding + data + backlen). */
size_t lp_entry_bytes(const unsigned char *p);
/* Bytes s[0..len) would occupy as an entry. */
size_t lp_encoded_bytes(const char *s, size_t len);

/* Insertion: before/after entry p (p may be the terminator for LP_BEFORE = append).
 * *newp (if not NULL) is set to the inserted entry. */
unsigned char *lp_insert(unsigned char *lp, const char *s, size_t len, unsigned char *p,
                         enum lp_where where, unsigned char **newp);
unsigned char *lp_append(unsigned char *lp, const char *s, size_t len);
unsigned char *lp_prepend(unsigned char *lp, const char *s, size_t len);
/* Replaces entry *p by s; *p is updated to the new entry. */
unsigned char *lp_replace(unsigned char *lp, unsigned char **p, const char *s, size_t len);
/* Deletes entry p; *newp (if not NULL) is the entry that followed it, NULL if none. */
unsigned char *lp_delete(unsigned char *lp, unsigned char *p, unsigned char **newp);
/* Deletes num entries from index (negative from the end); clipped to the listpack. */
unsigned char *lp_delete_range(unsigned char *lp, long index, unsigned long num);
/* Appends every entry of b to a, frees b; returns the merged listpack. */
unsigned char *lp_concat(unsigned char *a, unsigned char *b);

/* Deep validation of untrusted bytes: header size and count, every entry's encoding,
 * length and backlen within bounds, terminator. Returns 1 if p[0..size) is a valid
 * listpack, else 0 (never reads outside the range). */
int lp_validate(const unsigned char *p, size_t size);

#endif
