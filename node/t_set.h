/* t_set: the set value type (encodings "intset", "listpack", "hashtable") and its
 * commands.
 *
 * The value pointer held by a set kv is an intset (ENC_INTSET), a packlist of members
 * (ENC_LISTPACK) or a dict without values (ENC_HASHTABLE). Other modules (SORT, tests)
 * read sets through these functions only. */
#ifndef REDRAFT_T_SET_H
#define REDRAFT_T_SET_H

#include <stddef.h>

#include "kv.h"

size_t set_size(const kv *v);
int set_is_member(const kv *v, const char *m, size_t len);

/* Iteration in the set's order (ascending for intsets, insertion order otherwise).
 * Integer members are rendered into buf, so a returned pointer is valid only until the
 * next call. The set must not change while iterating. */
typedef struct set_iter {
    const void *ptr;
    int enc;
    size_t at; /* intset index, packlist offset or dict position */
    char buf[32];
} set_iter;
void set_iter_init(set_iter *it, const kv *v);
int set_iter_next(set_iter *it, const char **m, size_t *len);

#endif
