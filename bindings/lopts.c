#include "lopts.h"

#include <string.h>

#include <lauxlib.h>

void duo_check_options(lua_State *L, int idx, int arg, const char *const allowed[])
{
    idx = lua_absindex(L, idx);
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        int known = 0;
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TSTRING) {
            size_t kn;
            const char *k = lua_tolstring(L, -1, &kn);
            for (int i = 0; allowed[i] != NULL && !known; i++)
                known = k[0] == allowed[i][0] && strlen(allowed[i]) == kn
                        && memcmp(k, allowed[i], kn) == 0;
            if (!known)
                luaL_argerror(L, arg, lua_pushfstring(L, "unknown option '%s'", k));
        } else {
            luaL_argerror(L, arg, lua_pushfstring(L, "option names must be strings, got %s",
                                                  luaL_typename(L, -1)));
        }
    }
}

static int field_error(lua_State *L, int arg, const char *field, const char *want)
{
    return luaL_argerror(L, arg, lua_pushfstring(L, "'%s' must be %s, got %s",
                                                 field, want, luaL_typename(L, -1)));
}

const char *duo_opt_string(lua_State *L, int idx, int arg, const char *field,
                           size_t *len)
{
    const char *s = NULL;

    if (lua_getfield(L, idx, field) == LUA_TNIL) {
        lua_pop(L, 1);
        return NULL;
    }
    if (lua_type(L, -1) != LUA_TSTRING)
        field_error(L, arg, field, "a string");
    s = lua_tolstring(L, -1, len);
    lua_pop(L, 1);   /* the table keeps the string alive */
    return s;
}

lua_Integer duo_opt_integer(lua_State *L, int idx, int arg, const char *field,
                            lua_Integer def)
{
    lua_Integer v = def;
    int isint = 0;

    if (lua_getfield(L, idx, field) != LUA_TNIL) {
        /* Whole floats (5.0) count, as in Lua's own library. */
        v = lua_tointegerx(L, -1, &isint);
        if (!isint && lua_type(L, -1) == LUA_TNUMBER)
            luaL_argerror(L, arg, lua_pushfstring(L, "'%s' must be a whole number, got %s",
                                                  field, lua_tostring(L, -1)));
        if (!isint)
            field_error(L, arg, field, "an integer");
    }
    lua_pop(L, 1);
    return v;
}

lua_Number duo_opt_number(lua_State *L, int idx, int arg, const char *field,
                          lua_Number def)
{
    lua_Number v = def;

    if (lua_getfield(L, idx, field) != LUA_TNIL) {
        if (lua_type(L, -1) != LUA_TNUMBER)
            field_error(L, arg, field, "a number");
        v = lua_tonumber(L, -1);
    }
    lua_pop(L, 1);
    return v;
}

size_t duo_opt_headers(lua_State *L, int idx, int arg, duo_header *h, size_t max)
{
    size_t n = 0;

    idx = lua_absindex(L, idx);
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
            luaL_argerror(L, arg, "'headers' must map header names to string values");
        luaL_argcheck(L, n < max, arg, "too many headers");
        h[n].name = lua_tolstring(L, -2, &h[n].name_len);
        h[n].value = lua_tolstring(L, -1, &h[n].value_len);
        n++;
        lua_pop(L, 1);
    }
    return n;
}
