#include "lparams.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

/* Longest formatted number, with its NUL. */
#define SCALAR_SIZE DUO_LPARAMS_SCALAR_SIZE

static int is_scalar(int t)
{
    return t == LUA_TSTRING || t == LUA_TNUMBER || t == LUA_TBOOLEAN;
}

/* A non-finite number has no form Duo would accept. */
static void check_finite(lua_State *L, int arg, const char *key)
{
    if (lua_type(L, -1) == LUA_TNUMBER && !lua_isinteger(L, -1)) {
        lua_Number x = lua_tonumber(L, -1);
        if (x != x || x == HUGE_VAL || x == -HUGE_VAL)
            luaL_argerror(L, arg, lua_pushfstring(L, "parameter '%s' must be a finite number", key));
    }
}

/* Entries of the table on top of the stack. */
static lua_Integer count_entries(lua_State *L)
{
    lua_Integer n = 0;

    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        n++;
        lua_pop(L, 1);
    }
    return n;
}

/* Formats the scalar on top of the stack; returns its bytes. Strings are
 * borrowed from Lua, numbers written into p->scalars. */
static const char *scalar_value(lua_State *L, duo_lparams *p, size_t *len)
{
    char *w;
    int n;

    switch (lua_type(L, -1)) {
    case LUA_TBOOLEAN:
        *len = lua_toboolean(L, -1) ? 4 : 5;
        return lua_toboolean(L, -1) ? "true" : "false";
    case LUA_TNUMBER:
        w = p->scalars.data + p->scalars.len;
        if (lua_isinteger(L, -1)) {
            lua_Integer v = lua_tointeger(L, -1);
            unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
            char tmp[24], *e = tmp + sizeof(tmp);
            do { *--e = (char)('0' + u % 10); u /= 10; } while (u != 0);
            if (v < 0) *--e = '-';
            n = (int)(tmp + sizeof(tmp) - e);
            memcpy(w, e, (size_t)n);
            w[n] = '\0';
        } else {
            lua_Number x = lua_tonumber(L, -1);
            if (x == floor(x) && fabs(x) < 9.2e18) {
                n = snprintf(w, SCALAR_SIZE, "%lld", (long long)x);
            } else {
                /* the shortest form that reads back as the same number,
                 * as the JSON encoder writes it */
                for (int digits = 15; digits <= 17; digits++) {
                    n = snprintf(w, SCALAR_SIZE, "%.*g", digits, (double)x);
                    if (strtod(w, NULL) == (double)x)
                        break;
                }
            }
        }
        if (n < 0 || n >= SCALAR_SIZE)
            n = 0;
        p->scalars.len += SCALAR_SIZE;
        *len = (size_t)n;
        return w;
    default:
        return lua_tolstring(L, -1, len);
    }
}

/* Checks one value (on top of the stack) of parameter `key`: raises on a
 * wrong type. Returns how many pairs and formatted numbers it makes. */
static void check_value(lua_State *L, int arg, const char *key, size_t *pairs, size_t *numbers)
{
    int t = lua_type(L, -1);

    if (is_scalar(t)) {
        check_finite(L, arg, key);
        (*pairs)++;
        *numbers += t == LUA_TNUMBER;
    } else if (t == LUA_TTABLE) {
        lua_Integer n = (lua_Integer)lua_rawlen(L, -1), i;
        if (count_entries(L) != n)
            luaL_argerror(L, arg, lua_pushfstring(L,
                "parameter '%s' must be a list of values (keys 1..n)", key));
        for (i = 1; i <= n; i++) {
            int et = lua_rawgeti(L, -1, i);
            if (!is_scalar(et))
                luaL_argerror(L, arg, lua_pushfstring(L,
                    "parameter '%s' item %d must be a string, number or boolean, got %s",
                    key, (int)i, luaL_typename(L, -1)));
            check_finite(L, arg, key);
            *numbers += et == LUA_TNUMBER;
            lua_pop(L, 1);
        }
        *pairs += (size_t)n;
    } else {
        luaL_argerror(L, arg, lua_pushfstring(L,
            "parameter '%s' must be a string, number, boolean or list, got %s",
            key, luaL_typename(L, -1)));
    }
}

/* Types only; counts the pairs and the numbers to format. */
static void check_params(lua_State *L, int idx, int arg, size_t *pairs, size_t *numbers)
{
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        if (lua_type(L, -2) != LUA_TSTRING)
            luaL_argerror(L, arg, lua_pushfstring(L, "parameter names must be strings, got %s",
                                                  luaL_typename(L, -2)));
        check_value(L, arg, lua_tostring(L, -2), pairs, numbers);
        lua_pop(L, 1);
    }
}

/* Adds the pairs of the value on top of the stack. */
static int add_value(lua_State *L, duo_lparams *p, const char *k, size_t klen)
{
    size_t vlen;
    const char *v;

    if (lua_type(L, -1) != LUA_TTABLE) {
        v = scalar_value(L, p, &vlen);
        return duo_params_add(&p->list, k, klen, v, vlen);
    }
    for (lua_Integer i = 1, n = (lua_Integer)lua_rawlen(L, -1); i <= n; i++) {
        lua_rawgeti(L, -1, i);
        v = scalar_value(L, p, &vlen);
        lua_pop(L, 1);   /* strings stay alive in the list table */
        if (duo_params_add(&p->list, k, klen, v, vlen) != 0)
            return -1;
    }
    return 0;
}

/* One pass that checks and fills at once, while everything fits the
 * inline storage: an error raised midway then leaks nothing. Returns 0
 * when done, 1 when the parameters do not fit. */
static int collect_inline(lua_State *L, int idx, int arg, duo_lparams *p)
{
    size_t pairs = 0, numbers = 0;

    duo_params_use(&p->list, p->inline_pairs, DUO_LPARAMS_INLINE);
    duo_buf_use(&p->scalars, p->inline_scalars, sizeof(p->inline_scalars));
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        size_t klen;
        const char *k;
        if (lua_type(L, -2) != LUA_TSTRING)
            luaL_argerror(L, arg, lua_pushfstring(L, "parameter names must be strings, got %s",
                                                  luaL_typename(L, -2)));
        k = lua_tolstring(L, -2, &klen);
        check_value(L, arg, k, &pairs, &numbers);
        if (pairs > DUO_LPARAMS_INLINE || numbers > DUO_LPARAMS_INLINE) {
            lua_pop(L, 2);
            return 1;
        }
        if (add_value(L, p, k, klen) != 0) {   /* not expected: it fits */
            lua_pop(L, 2);
            return 1;
        }
        lua_pop(L, 1);
    }
    return 0;
}

int duo_lparams_collect(lua_State *L, int idx, int arg, duo_lparams *p)
{
    size_t pairs = 0, numbers = 0;

    idx = lua_absindex(L, idx);
    if (collect_inline(L, idx, arg, p) == 0)
        return 0;
    /* Many parameters: check everything first, then allocate and fill. */
    duo_params_init(&p->list);
    duo_buf_init(&p->scalars);
    check_params(L, idx, arg, &pairs, &numbers);
    if (duo_buf_reserve(&p->scalars, numbers * SCALAR_SIZE) != 0)
        goto fail;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        size_t klen;
        const char *k = lua_tolstring(L, -2, &klen);
        if (add_value(L, p, k, klen) != 0) {
            lua_pop(L, 2);
            goto fail;
        }
        lua_pop(L, 1);
    }
    return 0;
fail:
    duo_lparams_free(p);
    return -1;
}

void duo_lparams_free(duo_lparams *p)
{
    duo_params_free(&p->list);
    duo_buf_free(&p->scalars);
}
