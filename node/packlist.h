/* packlist: the small encoding of hashes and sets ("listpack" in OBJECT ENCODING).
 *
 * One allocation holding a sequence of byte strings, so a small collection costs one
 * malloc and a few bytes per element instead of a node, a key and a value allocation
 * per element (the memory target: 100k hashes of 10 small fields must not use more than
 * redis-server).
 *
 * Layout (all integers little-endian):
 *   byte 0      PACKLIST_MAGIC (lets a type's free/memory/copy tell a packlist from its
 *               other encodings: kv_type_ops callbacks do not get the encoding)
 *   bytes 1..3  zero
 *   bytes 4..7  total size in bytes, header included
 *   bytes 8..11 number of entries
 *   entries     each: LEB128 varint length, then that many bytes
 *
 * An entry is addressed by its byte offset; offset 0 (inside the header) means "none".
 * Every mutation may reallocate and returns the new pointer. The caller (t_hash.c,
 * t_set.c) decides what the entries mean (hashes: field, value, field, value ...). */
#ifndef REDRAFT_PACKLIST_H
#define REDRAFT_PACKLIST_H

#include <stddef.h>
#include <stdint.h>

#define PACKLIST_MAGIC 0xB1
#define PACKLIST_HDR 12
/* A packlist never grows past this (Redis's lpSafeToAdd bound): callers convert to
 * the large encoding before. */
#define PACKLIST_SAFE_MAX ((size_t)1 << 30)

typedef unsigned char packlist;

packlist *pl_new(void);
void pl_free(packlist *pl);
packlist *pl_dup(const packlist *pl);
size_t pl_bytes(const packlist *pl);
uint32_t pl_count(const packlist *pl);
/* Would adding `add` payload bytes keep the packlist under PACKLIST_SAFE_MAX? */
int pl_safe_to_add(const packlist *pl, size_t add);

/* Offset of the first entry, or 0 when empty. */
size_t pl_first(const packlist *pl);
/* Offset of the entry after off, or 0 at the end. */
size_t pl_next(const packlist *pl, size_t off);
/* The bytes of the entry at off. */
const char *pl_get(const packlist *pl, size_t off, size_t *len);
/* Offset of entry number idx (0-based, idx < count): a linear walk. */
size_t pl_seek(const packlist *pl, uint32_t idx);
/* First entry equal to s[0..len) among entries start, start+stride, ... (stride 1: every
 * entry; 2: hash fields). Returns its offset or 0. */
size_t pl_find(const packlist *pl, const char *s, size_t len, unsigned stride);

/* Appends an entry (s may not point into pl). */
packlist *pl_append(packlist *pl, const char *s, size_t len);
/* Replaces the entry at off (s may not point into pl). */
packlist *pl_replace(packlist *pl, size_t off, const char *s, size_t len);
/* Deletes n consecutive entries starting at off (they must exist). */
packlist *pl_delete(packlist *pl, size_t off, unsigned n);

/* Checks a serialized packlist (snapshot bytes) and returns a copy, or NULL if it is
 * malformed: wrong magic, sizes or entry count, an entry running past the end. Never
 * reads outside p[0..len). */
packlist *pl_load(const char *p, size_t len);

#endif
