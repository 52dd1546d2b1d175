/* luaopen_duo: registers the private C modules (duo._loop, duo._session,
 * duo._sign, duo._sys, duo._file, duo._match,
 * duo._notify, duo._termtext) and runs the Lua half of the
 * module (scripts/duo/init.lua), which returns the public `duo` table.
 * This file owns the opening: of duo.so in any interpreter, and of the
 * duo-lua host's state (duo_open_host). */
#include <lauxlib.h>
#include <lualib.h>

#include "crypto.h"
#include "embedded.h"
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

#define SETTINGS_KEY "duo.host_settings"

const duo_settings *duo_host_settings(lua_State *L)
{
    const duo_settings *s;

    lua_getfield(L, LUA_REGISTRYINDEX, SETTINGS_KEY);
    s = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return s;
}

static void set_string(lua_State *L, const char *key, const char *value)
{
    if (value != NULL) {
        lua_pushstring(L, value);
        lua_setfield(L, -2, key);
    }
}

/* _sys.settings() -> a new table of what the command line said (an empty
 * one in another interpreter): a copy, so changing it changes nothing. */
static int l_settings(lua_State *L)
{
    const duo_settings *s = duo_host_settings(L);

    lua_createtable(L, 0, 8);
    if (s == NULL)
        return 1;
    set_string(L, "profile", s->profile);
    set_string(L, "config", s->config);
    set_string(L, "sandbox", s->sandbox);
    set_string(L, "log", s->log);
    lua_pushboolean(L, s->dry_run);
    lua_setfield(L, -2, "dry_run");
    lua_pushboolean(L, s->trace);
    lua_setfield(L, -2, "trace");
    lua_createtable(L, s->n_workflow_dirs, 0);
    for (int i = 0; i < s->n_workflow_dirs; i++) {
        lua_pushstring(L, s->workflow_dirs[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "workflow_dirs");
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
    duo_open_session(L);
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
    { "duo._notify", luaopen_duo_notify },
    { NULL, NULL }
};

static void open_private(lua_State *L)
{
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    for (const luaL_Reg *m = private_modules; m->name != NULL; m++) {
        lua_pushcfunction(L, m->func);
        lua_setfield(L, -2, m->name);
    }
    lua_pop(L, 1);
}

void duo_open_host(lua_State *L, const duo_settings *settings)
{
    lua_pushlightuserdata(L, (void *)settings);
    lua_setfield(L, LUA_REGISTRYINDEX, SETTINGS_KEY);
    open_private(L);
    duo_open_embedded(L, DUO_EMBEDDED_ALL);
}

/* The sandbox tree's entry module, handed to the Lua half for
 * duo.sandbox: the tree is above duo's, so duo never requires it. The
 * host's searcher serves the tree (one copy for everyone who requires
 * it); in another interpreter it is loaded privately, shadowing none of
 * the user's modules. */
static int sandbox_service(lua_State *L)
{
    if (duo_embedded_serves_all(L)) {
        lua_getglobal(L, "require");
        lua_pushliteral(L, "sandbox.service");
        lua_call(L, 1, 1);
    } else {
        duo_require_private(L, "sandbox", "sandbox.service");
    }
    return 1;
}

int luaopen_duo(lua_State *L)
{
    if (duo_host_settings(L) == NULL) {
        open_private(L);
        duo_open_embedded(L, DUO_EMBEDDED_DUO);
    }
    luaL_requiref(L, "duo.json", luaopen_duo_json, 0);
    lua_pop(L, 1);
    if (duo_load_embedded(L, "duo/init.lua") != LUA_OK)
        return lua_error(L);
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, sandbox_service);
    lua_setfield(L, -2, "sandbox_service");
    lua_call(L, 1, 1);
    return 1;
}
