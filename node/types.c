/* types: calls every collection type's registration (see types.h). */
#include "types.h"

void types_register_all(void)
{
    list_register_type();
    hash_register_type();
    set_register_type();
    zset_register_type();
    /* @types-register@ (each type file adds its call on its own line above this) */
}
