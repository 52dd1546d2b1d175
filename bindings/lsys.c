/* The few operating-system facts the Lua half needs that stock Lua lacks:
 * file permissions (to refuse a world-readable config holding a secret),
 * and whether a stream is a terminal. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>

#include "lduo.h"

/* _sys.isatty(fd) -> boolean (0 stdin, 1 stdout, 2 stderr). */
static int l_isatty(lua_State *L)
{
    lua_Integer fd = luaL_checkinteger(L, 1);
    lua_pushboolean(L, fd >= 0 && fd <= 2 && isatty((int)fd));
    return 1;
}

static const luaL_Reg sys_functions[] = {
    { "isatty", l_isatty },
    { NULL, NULL }
};

void duo_open_sys(lua_State *L)
{
    luaL_setfuncs(L, sys_functions, 0);
}
