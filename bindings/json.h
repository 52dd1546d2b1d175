/* duo.json: duo-lua's own JSON codec for Lua 5.4. Our own because Duo's
 * data needs what Debian's lua-cjson 2.1 cannot give: exact integers (it
 * decodes every number as a float), [] kept apart from {}, and invalid
 * UTF-8 refused. Its output matches Python's json.dumps(v, sort_keys=True,
 * separators=(",", ":")) byte for byte, so a request body is the same
 * text the official Python client would sign and send, and one value is
 * always one text.
 *
 * luaopen_duo_json pushes the module table:
 *   decode(s)    strict RFC 8259 text -> value. Objects become plain
 *                tables, arrays tables with metatable array_mt, null becomes
 *                json.null; strings must be valid UTF-8.
 *                Numbers without fraction or exponent that fit in int64 are
 *                exact integers; those beyond int64 become the nearest
 *                float. A number with a fraction or an exponent is a float
 *                even when whole (1.0, 1e3), so that encode writes it back
 *                as a float: decode(encode(decode(s))) has the same values
 *                and types as decode(s). A number too large for a double
 *                (1e400) is an error, since encode could not write it.
 *   encode(v)    value -> compact JSON, object keys sorted bytewise, non-ASCII
 *                written as \uXXXX. A table is an array when it has array_mt
 *                or its keys are exactly 1..n (n >= 1); otherwise every key
 *                must be a string. An empty plain table is {}. A table with
 *                array_mt whose keys are not exactly 1..n (a hole, a string
 *                key) is an error, never truncated. Whole floats are written
 *                with ".0" or an exponent (1.0, 1e+16), integers without.
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
