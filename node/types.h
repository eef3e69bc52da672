/* types: start-up registration of the collection value types.
 *
 * Each type file (t_list.c, t_hash.c, t_set.c, t_zset.c ...) owns a
 * `<family>_register_type()` that hands its kv_type_ops to kv_register_type;
 * types_register_all() calls them all once, from main and from unit tests, before any
 * key is stored. */
#ifndef REDRAFT_TYPES_H
#define REDRAFT_TYPES_H

void types_register_all(void);

/* One per type file. */
void list_register_type(void);
void hash_register_type(void);
void set_register_type(void);
void zset_register_type(void);

#endif
