/* luaopen_duo: registers the private C modules (duo._loop, duo._session,
 * duo._sign, duo._sys, duo._file, duo._match, duo._termtext) and runs the
 * Lua half of the module (scripts/duo/init.lua), which returns the public
 * `duo` table. */
#include <lauxlib.h>
#include <lualib.h>

#include "crypto.h"
#include "json.h"
#include "lduo.h"
#include "transport.h"
#include "version.h"

static int l_versions(lua_State *L)
{
    int roots = 0;

    duo_pinned_roots(NULL, &roots);
    lua_createtable(L, 0, 5);
    lua_pushstring(L, DUO_LUA_VERSION);
    lua_setfield(L, -2, "duo_lua");
    lua_pushstring(L, LUA_RELEASE);
    lua_setfield(L, -2, "lua");
    lua_pushstring(L, duo_transport_version());
    lua_setfield(L, -2, "curl");
    lua_pushstring(L, duo_crypto_version());
    lua_setfield(L, -2, "mbedtls");
    lua_pushinteger(L, roots);
    lua_setfield(L, -2, "pinned_roots");
    return 1;
}

static int l_embedded(lua_State *L)
{
    duo_push_embedded_list(L, luaL_optstring(L, 1, ""));
    return 1;
}

/* _sys.read_embedded(path) -> the bytes of an embedded file, or nil. */
static int l_read_embedded(lua_State *L)
{
    size_t len;
    const char *data = duo_embedded_data(luaL_checkstring(L, 1), &len);

    if (data == NULL)
        return 0;
    lua_pushlstring(L, data, len);
    return 1;
}

static int l_load_embedded(lua_State *L)
{
    if (duo_load_embedded(L, luaL_checkstring(L, 1)) != LUA_OK)
        return lua_error(L);
    return 1;
}

/* What the command line said (--profile, --config, --sandbox, --dry-run);
 * an empty table when loaded into another interpreter. */
static int l_settings(lua_State *L)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, "duo.settings") != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
    }
    return 1;
}

static const luaL_Reg sys_functions[] = {
    { "versions", l_versions },
    { "embedded", l_embedded },
    { "read_embedded", l_read_embedded },
    { "load_embedded", l_load_embedded },
    { "settings", l_settings },
    { NULL, NULL }
};

/* The private modules: the pieces of C the Lua half of `duo` uses. Each is
 * a plain table of functions; none is part of the public API. */
static int open_loop(lua_State *L)
{
    lua_newtable(L);
    duo_open_loop(L);
    return 1;
}

static int open_session(lua_State *L)
{
    lua_newtable(L);
    duo_open_client(L);
    return 1;
}

static int open_sign(lua_State *L)
{
    lua_newtable(L);
    duo_open_sign(L);
    duo_open_codec(L);
    return 1;
}

static int open_sys(lua_State *L)
{
    lua_newtable(L);
    duo_open_sys(L);
    duo_open_secrets(L);
    luaL_setfuncs(L, sys_functions, 0);
    lua_pushstring(L, DUO_LUA_VERSION);
    lua_setfield(L, -2, "version");
    return 1;
}

static const luaL_Reg private_modules[] = {
    { "duo._loop", open_loop },
    { "duo._session", open_session },
    { "duo._sign", open_sign },
    { "duo._sys", open_sys },
    { "duo._file", luaopen_duo_file },
    { "duo._match", luaopen_duo_match },
    { "duo._termtext", luaopen_duo_termtext },
    { NULL, NULL }
};

void duo_open_private(lua_State *L)
{
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    for (const luaL_Reg *m = private_modules; m->name != NULL; m++) {
        lua_pushcfunction(L, m->func);
        lua_setfield(L, -2, m->name);
    }
    lua_pop(L, 1);
}

int luaopen_duo(lua_State *L)
{
    duo_open_embedded(L);
    luaL_requiref(L, "duo.json", luaopen_duo_json, 0);
    lua_pop(L, 1);
    if (duo_load_embedded(L, "duo/init.lua") != LUA_OK)
        return lua_error(L);
    lua_call(L, 0, 1);
    return 1;
}
