/* Checking options tables: unknown keys are rejected by name, so a typo
 * never passes silently. */
#ifndef DUO_LOPTS_H
#define DUO_LOPTS_H

#include <lua.h>

#include "canon.h"

/* Raises "bad argument #arg to 'fname' (unknown option 'key')" when the
 * table at idx has a key not in `allowed` (NULL-terminated). */
void duo_check_options(lua_State *L, int idx, int arg, const char *const allowed[]);

/* Reads an optional string field; NULL when absent. Raises a bad-argument
 * error naming the field on a wrong type. The string stays valid while the
 * table does. */
const char *duo_opt_string(lua_State *L, int idx, int arg, const char *field,
                           size_t *len);

/* Reads an optional integer field (def when absent). */
lua_Integer duo_opt_integer(lua_State *L, int idx, int arg, const char *field,
                            lua_Integer def);

/* Reads an optional number field (def when absent). */
lua_Number duo_opt_number(lua_State *L, int idx, int arg, const char *field,
                          lua_Number def);

/* Reads the headers table at idx (names to string values) into h[max];
 * returns how many. Raises a bad-argument error for argument arg on a
 * name or value that is not a string, or more than max. The strings stay
 * valid while the table does. */
size_t duo_opt_headers(lua_State *L, int idx, int arg, duo_header *h, size_t max);

#endif
