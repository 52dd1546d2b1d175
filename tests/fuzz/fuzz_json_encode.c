/* duo.json encode on Lua values built from the input by a small stack
 * machine (numbers, strings of any bytes, booleans, null, nil, tables and
 * arrays with holes, string and number keys, shared tables and cycles).
 * encode either refuses with one "json: " line, or writes printable ASCII
 * that decode reads back and encode writes again byte for byte. */
#include <stdint.h>

#include "fuzz_lua.h"
#include "json.h"

static lua_State *L;
static unsigned long runs;

typedef struct reader {
    const uint8_t *p, *end;
} reader;

static unsigned next_byte(reader *r)
{
    return r->p < r->end ? *r->p++ : 0;
}

static void next_bytes(reader *r, void *out, size_t n)
{
    memset(out, 0, n);
    if ((size_t)(r->end - r->p) < n)
        n = (size_t)(r->end - r->p);
    memcpy(out, r->p, n);
    r->p += n;
}

#define SLOTS 48   /* values live in stack slots BASE .. BASE + SLOTS - 1 */

/* Runs the program in the input; leaves the value to encode at the top. */
static void build(reader *r, int base)
{
    int top = 0;      /* values in use */
    int tables = 0;   /* few, since encode walks shared tables once per use */
    while (r->p < r->end) {
        unsigned op = next_byte(r) % 14;
        int a = top > 0 ? base + (int)(next_byte(r) % (unsigned)top) : 0;
        int b = top > 0 ? base + (int)(next_byte(r) % (unsigned)top) : 0;
        /* ops 0..7 and 11 push a value: never past the slots checked */
        if (((op <= 7 || op == 11) && top == SLOTS) || ((op == 6 || op == 7) && ++tables > 8))
            op = 13;
        switch (op) {
        case 0: {
            lua_Integer i;
            next_bytes(r, &i, sizeof i);
            lua_pushinteger(L, i);
            break;
        }
        case 1: {
            double d;
            next_bytes(r, &d, sizeof d);
            lua_pushnumber(L, d);
            break;
        }
        case 2: {
            char s[64];
            size_t n = next_byte(r) % sizeof s;
            next_bytes(r, s, n);
            lua_pushlstring(L, s, n);
            break;
        }
        case 3: lua_pushboolean(L, (int)(next_byte(r) & 1)); break;
        case 4: lua_pushlightuserdata(L, NULL); break;
        case 5: lua_pushinteger(L, (lua_Integer)(next_byte(r) % 8)); break;
        case 6: lua_newtable(L); break;
        case 7:                                    /* json.array() */
            lua_getfield(L, 1, "array");
            lua_call(L, 0, 1);
            break;
        case 8: case 9:                            /* t[a-value] = b-value */
            if (top == 0 || !lua_istable(L, a))
                continue;
            if (op == 8) {
                unsigned k = next_byte(r);
                if (k == 0)
                    continue;
                lua_pushvalue(L, b);
                lua_rawseti(L, a, (lua_Integer)k % 12);
            } else {
                int kslot = base + (int)(next_byte(r) % (unsigned)top);
                if (lua_isnil(L, kslot) || (lua_isnumber(L, kslot) && lua_tonumber(L, kslot) != lua_tonumber(L, kslot)))
                    continue;
                lua_pushvalue(L, kslot);
                lua_pushvalue(L, b);
                lua_rawset(L, a);
            }
            continue;
        case 10:                                   /* append */
            if (top == 0 || !lua_istable(L, a))
                continue;
            lua_pushvalue(L, b);
            lua_rawseti(L, a, (lua_Integer)lua_rawlen(L, a) + 1);
            continue;
        case 11: lua_pushnil(L); break;
        case 12:                                   /* remove the last value */
            if (top > 1) {
                lua_pop(L, 1);
                top--;
            }
            continue;
        default:                                   /* the value to encode */
            if (top > 0) {
                lua_pushvalue(L, a);
                lua_replace(L, base);
            }
            continue;
        }
        top++;
    }
    if (top == 0) {
        lua_pushnil(L);
        top = 1;
    }
    lua_pushvalue(L, base);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reader r = { data, data + size };
    size_t len1, len2;
    const char *text1, *text2, *msg;

    /* A fresh state every 1000 executions, so that what one input leaves
     * behind (garbage, a grown stack) is not carried for ever. */
    if (runs++ % 1000 == 0) {
        if (L != NULL)
            lua_close(L);
        L = fuzz_new_state(0);
        luaL_checkstack(L, SLOTS + 16, NULL);
    }
    lua_settop(L, 0);
    luaL_requiref(L, "duo.json", luaopen_duo_json, 0);   /* 1 */
    build(&r, 2);
    lua_getfield(L, 1, "encode");
    lua_insert(L, -2);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        msg = lua_tostring(L, -1);
        if (msg == NULL || (strncmp(msg, "json: ", 6) != 0 && strcmp(msg, "not enough memory") != 0)
            || strchr(msg, '\n') != NULL)
            fuzz_fail("encode error is not one json: line", msg);
        lua_settop(L, 0);
        return 0;
    }
    text1 = lua_tolstring(L, -1, &len1);
    for (size_t i = 0; i < len1; i++)
        if (text1[i] < 0x20 || text1[i] > 0x7e)
            fuzz_fail("encode wrote a byte that is not printable ASCII", text1);
    lua_getfield(L, 1, "decode");
    lua_pushvalue(L, -2);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK)
        fuzz_fail("decode refused what encode wrote", lua_tostring(L, -1));
    lua_getfield(L, 1, "encode");
    lua_insert(L, -2);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK)
        fuzz_fail("encode of the decoded value failed", lua_tostring(L, -1));
    text2 = lua_tolstring(L, -1, &len2);
    if (len1 != len2 || memcmp(text1, text2, len1) != 0)
        fuzz_fail("encode(decode(encode(v))) differs from encode(v)", text1);
    lua_settop(L, 0);
    return 0;
}
