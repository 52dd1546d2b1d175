/* duo._termtext: text bound for a terminal made inert (core/termtext.h),
 * and the masked form of directory keys (core/trace.h), for the Lua half
 * (scripts/duo/termtext.lua is the wrapper the rest uses).
 *
 *   _termtext.clean(s [, mode])   -> s with controls, C1, DEL, bidi marks and
 *                                    bytes that are not UTF-8 as escapes;
 *                                    mode "text" (default), "cell" (newline and
 *                                    tab become spaces) or "lua" (\u{202e})
 *   _termtext.mask(s)             -> "DD…WXYZ" ("••••" for 8 bytes or fewer)
 *   _termtext.mask_path(path)     -> path with the segment after
 *                                    "directorysync" masked */
#include <lauxlib.h>

#include "buf.h"
#include "lduo.h"
#include "termtext.h"
#include "trace.h"

/* Pushes the contents of b (or raises when it ran out of memory), freeing
 * b first either way. */
static int push_buf(lua_State *L, duo_buf *b, int rc)
{
    if (rc != 0) {
        duo_buf_free(b);
        return luaL_error(L, "not enough memory");
    }
    lua_pushlstring(L, b->data != NULL ? b->data : "", b->len);
    duo_buf_free(b);
    return 1;
}

static int t_clean(lua_State *L)
{
    static const char *const modes[] = { "text", "cell", "lua", NULL };
    static const unsigned flags_of[] = { 0, DUO_TERMTEXT_CELL, DUO_TERMTEXT_LUA };
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    unsigned flags = flags_of[luaL_checkoption(L, 2, "text", modes)];
    duo_buf b = DUO_BUF_INIT;

    if (duo_termtext_is_clean(s, len, flags)) {
        lua_settop(L, 1);
        return 1;
    }
    return push_buf(L, &b, duo_termtext_clean(&b, s, len, flags));
}

static int t_mask(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    duo_buf b = DUO_BUF_INIT;

    return push_buf(L, &b, duo_trace_mask(&b, s, len));
}

static int t_mask_path(lua_State *L)
{
    const char *s = luaL_checkstring(L, 1);
    duo_buf b = DUO_BUF_INIT;

    return push_buf(L, &b, duo_trace_path(&b, s));
}

static const luaL_Reg termtext_functions[] = {
    { "clean", t_clean },
    { "mask", t_mask },
    { "mask_path", t_mask_path },
    { NULL, NULL }
};

int luaopen_duo_termtext(lua_State *L)
{
    luaL_newlib(L, termtext_functions);
    return 1;
}
