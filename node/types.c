/* types: calls every collection type's registration (see types.h). */
#include "types.h"

void types_register_all(void)
{
    /* @types-register@ (each type file adds its call on its own line above this) */
}
