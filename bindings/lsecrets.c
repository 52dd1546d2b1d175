/* Core dumps off once a secret key is in memory: a dump of duo-lua would
 * otherwise hold every secret key of every profile of the config file,
 * used or not (issue 14). PR_SET_DUMPABLE 0 also stops other processes of
 * the same user from attaching with ptrace or reading /proc/<pid>/mem. */
#include <lauxlib.h>

#include "lduo.h"

#ifdef __linux__
#include <sys/prctl.h>
#endif

int duo_secret_loaded(void)
{
#ifdef __linux__
    if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0)
        return 1;
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0;
#else
    return 0;
#endif
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
#ifdef __linux__
    lua_pushboolean(L, prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0);
#else
    lua_pushboolean(L, 0);
#endif
    return 1;
}

void duo_open_secrets(lua_State *L)
{
    lua_pushcfunction(L, l_secret_loaded);
    lua_setfield(L, -2, "secret_loaded");
    lua_pushcfunction(L, l_core_dumps_off);
    lua_setfield(L, -2, "core_dumps_off");
}
