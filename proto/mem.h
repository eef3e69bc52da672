/* Allocation wrappers used by every redraft process.
 *
 * All heap memory of the data path goes through these so that `used_memory` (INFO,
 * maxmemory) is a cheap counter instead of a jemalloc statistics refresh per command.
 * Allocation failure aborts with a message, as Redis does: a half-applied command after
 * a failed malloc would be worse than a restart from the Raft log. */
#ifndef REDRAFT_MEM_H
#define REDRAFT_MEM_H

#include <stddef.h>

void *rd_malloc(size_t size);
void *rd_calloc(size_t n, size_t size);
void *rd_realloc(void *ptr, size_t size);
/* Like rd_malloc but returns NULL instead of aborting: for large transient buffers a
 * command can refuse with an error (Redis's ztrymalloc, e.g. LCS's table). */
void *rd_try_malloc(size_t size);
void rd_free(void *ptr);
char *rd_strndup(const char *s, size_t len);
/* Bytes currently allocated through rd_* (usable sizes, as jemalloc reports them). */
size_t rd_used_memory(void);
/* Usable size of a block returned by rd_malloc (0 for NULL). */
size_t rd_alloc_size(const void *ptr);

#endif
