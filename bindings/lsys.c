/* The few operating-system facts the Lua half needs that stock Lua lacks:
 * whether a stream is a terminal, the platform, the current folder and
 * the environment as UTF-8 (scripts/duo/path.lua builds paths with them). */
#include <errno.h>
#include <string.h>

#include <lauxlib.h>

#include "lduo.h"
#include "platform.h"

/* _sys.isatty(fd) -> boolean (0 stdin, 1 stdout, 2 stderr). */
static int l_isatty(lua_State *L)
{
    lua_Integer fd = luaL_checkinteger(L, 1);
    lua_pushboolean(L, platform_isatty((int)fd));
    return 1;
}

/* _sys.cwd() -> the current folder, or nil and a message. */
static int l_cwd(lua_State *L)
{
    char buf[4096];

    if (platform_cwd(buf, sizeof(buf)) != 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "cannot tell the current folder: %s", strerror(errno));
        return 2;
    }
    lua_pushstring(L, buf);
    return 1;
}

/* _sys.getenv(name) -> the variable's value (UTF-8), or nil. */
static int l_getenv(lua_State *L)
{
    lua_pushstring(L, platform_getenv(luaL_checkstring(L, 1)));
    return 1;
}

static const luaL_Reg sys_functions[] = {
    { "isatty", l_isatty },
    { "cwd", l_cwd },
    { "getenv", l_getenv },
    { NULL, NULL }
};

void duo_open_sys(lua_State *L)
{
    luaL_setfuncs(L, sys_functions, 0);
    lua_pushstring(L, platform_name());
    lua_setfield(L, -2, "platform");
    lua_pushboolean(L, platform_is_windows());
    lua_setfield(L, -2, "windows");
}
