/* Allocation wrappers: see mem.h. The counter is atomic because a snapshot thread
 * (Raft issue) may allocate too. */
#include "mem.h"

#include <malloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_size_t used_memory;

static void oom(size_t size)
{
    fprintf(stderr, "redraft: out of memory allocating %zu bytes\n", size);
    fflush(stderr);
    abort();
}

void *rd_malloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        oom(size);
    atomic_fetch_add_explicit(&used_memory, malloc_usable_size(p), memory_order_relaxed);
    return p;
}

void *rd_try_malloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (p)
        atomic_fetch_add_explicit(&used_memory, malloc_usable_size(p), memory_order_relaxed);
    return p;
}

void *rd_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    atomic_fetch_add_explicit(&used_memory, malloc_usable_size(p), memory_order_relaxed);
    return p;
}

void *rd_realloc(void *ptr, size_t size)
{
    if (!ptr)
        return rd_malloc(size);
    size_t old = malloc_usable_size(ptr);
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        oom(size);
    atomic_fetch_sub_explicit(&used_memory, old, memory_order_relaxed);
    atomic_fetch_add_explicit(&used_memory, malloc_usable_size(p), memory_order_relaxed);
    return p;
}

void rd_free(void *ptr)
{
    if (!ptr)
        return;
    atomic_fetch_sub_explicit(&used_memory, malloc_usable_size(ptr), memory_order_relaxed);
    free(ptr);
}

char *rd_strndup(const char *s, size_t len)
{
    char *p = rd_malloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

size_t rd_used_memory(void)
{
    return atomic_load_explicit(&used_memory, memory_order_relaxed);
}

size_t rd_alloc_size(const void *ptr)
{
    return ptr ? malloc_usable_size((void *)ptr) : 0;
}
