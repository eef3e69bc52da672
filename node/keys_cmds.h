/* keys_cmds.h: what the generic keyspace commands (keys_cmds.c) need from value types.
 *
 * COPY must deep-copy a value; strings are copied by kv_dup_with_key itself, collection
 * types register their copy function here when their file initialises (the same way
 * they register their free function with kv_register_free). A type without a copy
 * function cannot be COPYed (Redis's "ERR unknown type object"). RENAME never copies:
 * it moves the value pointer to the new key. */
#ifndef REDRAFT_KEYS_CMDS_H
#define REDRAFT_KEYS_CMDS_H

/* copy_ptr returns a new, independently owned value equal to ptr. */
void keys_register_copy(int type, void *(*copy_ptr)(const void *ptr));

#endif
