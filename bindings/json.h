/* duo.json: a JSON codec for Lua 5.4 whose output matches Python's
 * json.dumps(v, sort_keys=True, separators=(",", ":")) byte for byte, since
 * Duo's v5 request signature covers the exact body bytes.
 *
 * luaopen_duo_json pushes the module table:
 *   decode(s)    strict RFC 8259 text -> value. Objects become plain
 *                tables, arrays tables with metatable array_mt, null becomes
 *                json.null; strings must be valid UTF-8.
 *                Numbers without fraction or exponent that fit in int64 are
 *                exact integers; other whole numbers in int64 range (1.0,
 *                1e3) are integers too; the rest are floats.
 *   encode(v)    value -> compact JSON, object keys sorted bytewise, non-ASCII
 *                written as \uXXXX. A table is an array when it has array_mt
 *                or its keys are exactly 1..n (n >= 1); otherwise every key
 *                must be a string. An empty plain table is {}.
 *   null         the light userdata NULL (the value lua-cjson uses as well)
 *   array_mt     the array metatable, also registry["duo.array"]
 *   array(t)     sets array_mt on t (a new table when t is nil), returns it
 *   is_array(t)  whether t has array_mt
 *
 * Errors are raised as "json: <what>", with " at byte <n>" (0-based offset
 * into the input) for decode errors. Nesting deeper than 1000 levels is an
 * error in both directions. */
#ifndef DUO_JSON_H
#define DUO_JSON_H

#include <lua.h>

int luaopen_duo_json(lua_State *L);

#endif
