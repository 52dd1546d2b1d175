/* Turning a Lua table of request parameters into a duo_params list.
 *
 * Values may be strings, integers, floats, booleans, or arrays of those
 * (an array gives the key once per element). Numbers and booleans are
 * written as Duo signs them: decimal, "true"/"false". */
#ifndef DUO_LPARAMS_H
#define DUO_LPARAMS_H

#include <lua.h>

#include "buf.h"
#include "params.h"

/* Pairs and formatted numbers a request usually has fit here, so the
 * common case allocates nothing. */
#define DUO_LPARAMS_INLINE 16
#define DUO_LPARAMS_SCALAR_SIZE 32

typedef struct duo_lparams {
    duo_params list;
    duo_buf scalars;   /* formatted numbers; sized before filling, never moves */
    duo_param inline_pairs[DUO_LPARAMS_INLINE];
    char inline_scalars[DUO_LPARAMS_INLINE * DUO_LPARAMS_SCALAR_SIZE];
} duo_lparams;

/* Checks the table at idx (raising a bad-argument error for argument `arg`
 * of the calling function before anything is allocated), then fills p.
 * The pairs borrow strings from the table, which must stay unchanged and
 * alive while p is used. Returns 0, or -1 when out of memory (p is then
 * freed). */
int duo_lparams_collect(lua_State *L, int idx, int arg, duo_lparams *p);
void duo_lparams_free(duo_lparams *p);

#endif
