/* Core dumps off once a secret key is in memory: a dump of duo-lua would
 * otherwise hold every secret key of every profile of the config file,
 * used or not (issue 14). PR_SET_DUMPABLE 0 also stops other processes of
 * the same user from attaching with ptrace or reading /proc/<pid>/mem. */
#include <lauxlib.h>

#include "lduo.h"
#include "platform.h"

int duo_secret_loaded(void)
{
    return platform_core_dumps_off();
}

/* core.secret_loaded() -> whether core dumps are now off. */
static int l_secret_loaded(lua_State *L)
{
    lua_pushboolean(L, duo_secret_loaded());
    return 1;
}

/* core.core_dumps_off() -> whether they are off, changing nothing. */
static int l_core_dumps_off(lua_State *L)
{
    lua_pushboolean(L, platform_core_dumps_are_off());
    return 1;
}

void duo_open_secrets(lua_State *L)
{
    lua_pushcfunction(L, l_secret_loaded);
    lua_setfield(L, -2, "secret_loaded");
    lua_pushcfunction(L, l_core_dumps_off);
    lua_setfield(L, -2, "core_dumps_off");
}
