/* duo.json decode, then round trips: whatever decode accepts, encode must
 * write as printable ASCII, decode must read back, and a second encode
 * must give the same text (bindings/json.h: values and types survive).
 * Whatever it refuses must be a one-line "json: ... at byte N" error with
 * N inside the input. */
#include <stdint.h>

#include "fuzz_lua.h"
#include "json.h"

static lua_State *L;

static int call(int nargs)
{
    return lua_pcall(L, nargs, 1, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t len1, len2;
    const char *text1, *text2, *msg;
    long at;

    if (L == NULL) {
        L = fuzz_new_state(0);
        luaL_requiref(L, "duo.json", luaopen_duo_json, 0);
        lua_setglobal(L, "json");
    }
    fuzz_budget_reset(1L << 40);
    lua_settop(L, 0);
    lua_getglobal(L, "json");                        /* 1 */
    lua_getfield(L, 1, "decode");
    lua_pushlstring(L, (const char *)data, size);
    if (call(1) != LUA_OK) {
        const char *byte;
        msg = lua_tostring(L, -1);
        if (msg != NULL && strcmp(msg, "not enough memory") == 0)
            return 0;
        if (msg == NULL || strncmp(msg, "json: ", 6) != 0 || strchr(msg, '\n') != NULL)
            fuzz_fail("decode error is not one json: line", msg);
        if ((byte = strstr(msg, " at byte ")) == NULL)
            fuzz_fail("decode error names no position", msg);
        at = strtol(byte + 9, NULL, 10);
        if (at < 0 || (size_t)at > size)
            fuzz_fail("decode error position outside the input", msg);
        return 0;
    }
    lua_getfield(L, 1, "encode");                    /* 3 */
    lua_pushvalue(L, 2);
    if (call(1) != LUA_OK)
        fuzz_fail("encode refused what decode accepted", lua_tostring(L, -1));
    text1 = lua_tolstring(L, -1, &len1);             /* 3 */
    for (size_t i = 0; i < len1; i++)
        if (text1[i] < 0x20 || text1[i] > 0x7e)
            fuzz_fail("encode wrote a byte that is not printable ASCII", text1);
    lua_getfield(L, 1, "decode");
    lua_pushvalue(L, 3);
    if (call(1) != LUA_OK)
        fuzz_fail("decode refused what encode wrote", lua_tostring(L, -1));
    lua_getfield(L, 1, "encode");                    /* 5 */
    lua_pushvalue(L, 4);
    if (call(1) != LUA_OK)
        fuzz_fail("second encode failed", lua_tostring(L, -1));
    text2 = lua_tolstring(L, -1, &len2);
    if (len1 != len2 || memcmp(text1, text2, len1) != 0)
        fuzz_fail("encode(decode(encode(v))) differs from encode(v)", text1);
    lua_settop(L, 0);
    return 0;
}
