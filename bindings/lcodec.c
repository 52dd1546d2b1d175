/* Byte encodings the Lua half needs: Duo's percent-encoding (core/percent.c)
 * for paths and form bodies, and standard base64 (RFC 4648, padded) for
 * logos sent to the Admin API and Authorization headers in the sandbox. */
#include <string.h>

#include <lauxlib.h>

#include "buf.h"
#include "crypto.h"
#include "lduo.h"
#include "percent.h"

/* _sign.percent_encode(s) -> s with every byte but A-Z a-z 0-9 - . _ ~
 * as %XX. Numbers are taken as their string form. */
static int l_percent_encode(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    char storage[256];
    duo_buf out;

    duo_buf_use(&out, storage, sizeof(storage));
    duo_percent_encode(&out, s, len);
    if (!duo_buf_ok(&out)) {
        duo_buf_free(&out);
        return luaL_error(L, "out of memory");
    }
    lua_pushlstring(L, duo_buf_str(&out), out.len);
    duo_buf_free(&out);
    return 1;
}

/* _sign.base64_encode(bytes) -> text. The output is Lua's memory
 * (luaL_Buffer), so nothing leaks whatever raises. */
static int l_base64_encode(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    luaL_Buffer b;
    char *out;

    luaL_argcheck(L, len < ((size_t)-1 / 4) * 3 - 3, 1, "too long");
    out = luaL_buffinitsize(L, &b, DUO_BASE64_SIZE(len));
    luaL_pushresultsize(&b, duo_base64_encode(out, s, len));
    return 1;
}

/* _sign.base64_decode(text) -> bytes, or nil when text is not base64.
 * Whitespace is ignored; padding is optional but only at the end. */
static int l_base64_decode(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    luaL_Buffer b;
    char *out = luaL_buffinitsize(L, &b, len / 4 * 3 + 3);
    long n = duo_base64_decode(out, s, len);

    if (n < 0)
        return 0;
    luaL_pushresultsize(&b, (size_t)n);
    return 1;
}

static const luaL_Reg codec_functions[] = {
    { "percent_encode", l_percent_encode },
    { "base64_encode", l_base64_encode },
    { "base64_decode", l_base64_decode },
    { NULL, NULL }
};

void duo_open_codec(lua_State *L)
{
    luaL_setfuncs(L, codec_functions, 0);
}
