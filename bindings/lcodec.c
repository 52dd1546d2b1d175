/* Byte encodings the Lua half needs: Duo's percent-encoding (core/percent.c)
 * for paths and form bodies, and standard base64 (RFC 4648, padded) for
 * logos sent to the Admin API and Authorization headers in the sandbox. */
#include <string.h>

#include <lauxlib.h>

#include "buf.h"
#include "lduo.h"
#include "percent.h"

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

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

/* _sign.base64_encode(bytes) -> text */
static int l_base64_encode(lua_State *L)
{
    size_t len, i;
    const unsigned char *s = (const unsigned char *)luaL_checklstring(L, 1, &len);
    luaL_Buffer b;

    luaL_buffinit(L, &b);
    for (i = 0; i + 2 < len; i += 3) {
        unsigned long n = (unsigned long)s[i] << 16 | (unsigned long)s[i + 1] << 8 | s[i + 2];
        luaL_addchar(&b, b64_alphabet[n >> 18 & 63]);
        luaL_addchar(&b, b64_alphabet[n >> 12 & 63]);
        luaL_addchar(&b, b64_alphabet[n >> 6 & 63]);
        luaL_addchar(&b, b64_alphabet[n & 63]);
    }
    if (i < len) {
        unsigned long n = (unsigned long)s[i] << 16 | (i + 1 < len ? (unsigned long)s[i + 1] << 8 : 0);
        luaL_addchar(&b, b64_alphabet[n >> 18 & 63]);
        luaL_addchar(&b, b64_alphabet[n >> 12 & 63]);
        luaL_addchar(&b, i + 1 < len ? b64_alphabet[n >> 6 & 63] : '=');
        luaL_addchar(&b, '=');
    }
    luaL_pushresult(&b);
    return 1;
}

static int b64_value(unsigned char c)
{
    const char *p = c != '\0' ? strchr(b64_alphabet, c) : NULL;
    return p != NULL ? (int)(p - b64_alphabet) : -1;
}

/* _sign.base64_decode(text) -> bytes, or nil when text is not base64.
 * Whitespace is ignored; padding is optional but only at the end. */
static int l_base64_decode(lua_State *L)
{
    size_t len, i;
    const unsigned char *s = (const unsigned char *)luaL_checklstring(L, 1, &len);
    unsigned long bits = 0;
    int nbits = 0, padding = 0;
    luaL_Buffer b;

    luaL_buffinit(L, &b);
    for (i = 0; i < len; i++) {
        int v;
        if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')
            continue;
        if (s[i] == '=') {
            padding++;
            continue;
        }
        v = b64_value(s[i]);
        if (v < 0 || padding > 0)
            return 0;
        bits = (bits << 6 | (unsigned long)v) & 0xFFFFFF;
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            luaL_addchar(&b, (char)(bits >> nbits & 0xFF));
        }
    }
    luaL_pushresult(&b);
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
