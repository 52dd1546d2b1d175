local T = require "testing"
local json = require "duo.json"

local function fails(s, pattern)
  return T.raises(function() return json.decode(s) end, pattern)
end

local function encode_fails(v, pattern)
  return T.raises(function() return json.encode(v) end, pattern)
end

-- numbers

T.test("integers decode as integers, fractions as floats", function()
  T.eq(math.type(json.decode("42")), "integer")
  T.eq(math.type(json.decode("-7")), "integer")
  T.eq(math.type(json.decode("1.5")), "float")
  T.eq(json.decode("1.5"), 1.5)
  T.eq(json.decode("-2.5e-3"), -2.5e-3)
  T.eq(math.type(json.decode("0.1")), "float")
end)

T.test("int64 limits decode exactly", function()
  local max = json.decode("9223372036854775807")
  local min = json.decode("-9223372036854775808")
  T.eq(math.type(max), "integer")
  T.eq(max, math.maxinteger)
  T.eq(math.type(min), "integer")
  T.eq(min, math.mininteger)
  T.eq(json.decode("1234567890123456789"), 1234567890123456789)
  T.eq(json.encode(math.maxinteger), "9223372036854775807")
  T.eq(json.encode(math.mininteger), "-9223372036854775808")
end)

T.test("integers beyond int64 become floats", function()
  local v = json.decode("9223372036854775808")
  T.eq(math.type(v), "float")
  T.eq(v, 2.0^63)
  v = json.decode("-9223372036854775809")
  T.eq(math.type(v), "float")
  T.eq(v, -2.0^63)
  T.eq(math.type(json.decode("123456789012345678901234567890")), "float")
end)

T.test("a fraction or an exponent makes a float, even when whole", function()
  for _, s in ipairs{"1.0", "1e3", "1E+3", "2.50e1", "-0.0", "0e5", "1e19", "1e-3"} do
    T.eq(math.type(json.decode(s)), "float", s)
  end
  T.eq(json.decode("1.0"), 1.0)
  T.eq(json.decode("1e3"), 1000.0)
  T.eq(math.type(json.decode("-0")), "integer")
  T.eq(json.decode("-0"), 0)
end)

-- decode(encode(decode(s))) keeps every value and its type, and a whole
-- float is written back as a float (issue 14: 10000000000000000000e-1
-- decoded as a float but came back as an integer).
T.test("numbers round-trip with their type", function()
  local cases = {
    {"10000000000000000000e-1", "1e+18"}, {"1.0", "1.0"}, {"1e3", "1000.0"},
    {"-0.0", "-0.0"}, {"1e16", "1e+16"}, {"1e15", "1000000000000000.0"},
    {"9223372036854775808", "9.223372036854776e+18"}, {"42", "42"}, {"-0", "0"},
    {"2.5", "2.5"},
  }
  for _, c in ipairs(cases) do
    local v = json.decode(c[1])
    local text = json.encode(v)
    T.eq(text, c[2], c[1])
    local back = json.decode(text)
    T.eq(math.type(back), math.type(v), c[1] .. " type")
    T.eq(back, v, c[1] .. " value")
    T.eq(json.encode(back), text, c[1] .. " stable")
  end
end)

T.test("numbers a double cannot hold are refused where they stand", function()
  fails("1e400", "^json: number out of range at byte 0$")
  fails('{"x": [1, -1e400]}', "^json: number out of range at byte 10$")
  fails(string.rep("9", 400), "^json: number out of range at byte 0$")
  T.eq(json.decode("1e-400"), 0.0)   -- underflow is an ordinary zero
end)

T.test("long number literals", function()
  local s = "0." .. string.rep("0", 80) .. "1"
  T.eq(json.decode(s), 1e-81)
  T.eq(json.decode("1" .. string.rep("0", 100) .. ".5"), 1e100)
end)

T.test("floats encode like Python's repr", function()
  local cases = {
    {1.0, "1.0"}, {-1.0, "-1.0"}, {0.0, "0.0"}, {-0.0, "-0.0"},
    {0.1, "0.1"}, {1.5, "1.5"}, {2/3, "0.6666666666666666"},
    {1e20, "1e+20"}, {1e16, "1e+16"}, {1e15, "1000000000000000.0"},
    {1e-4, "0.0001"}, {1e-5, "1e-05"}, {1.5e300, "1.5e+300"},
    {123456789012345678.0, "1.2345678901234568e+17"},
    {5e-324, "5e-324"}, {1.7976931348623157e308, "1.7976931348623157e+308"},
  }
  for _, c in ipairs(cases) do
    T.eq(json.encode(c[1]), c[2], tostring(c[1]))
  end
end)

T.test("floats round-trip through encode and decode", function()
  for _, x in ipairs{0.1, 1/3, math.pi, -1e-300, 6.02214076e23, 2^-1074} do
    T.eq(json.decode(json.encode(x)), x, tostring(x))
  end
end)

-- structure

T.test("nested data round-trips", function()
  local v = {
    users = json.array{
      {user_id = "DU0001", username = "alice", is_enrolled = true,
       last_login = 1700000000, groups = json.array(), phones = json.array{
         {number = "+15555550100", capabilities = json.array{"push", "sms"}}}},
      {user_id = "DU0002", username = "bob", is_enrolled = false,
       last_login = json.null, groups = json.array{{name = "ops"}},
       phones = json.array()},
    },
    metadata = {total_objects = 2, ratio = 0.25, next_offset = json.null},
    stat = "OK",
  }
  local s = json.encode(v)
  local back = json.decode(s)
  T.same(back, v)
  T.eq(json.encode(back), s)
  T.truthy(json.is_array(back.users), "users is an array")
  T.truthy(json.is_array(back.users[1].groups), "empty groups is an array")
  T.truthy(not json.is_array(back.metadata), "metadata is not an array")
end)

T.test("empty array stays [] and empty object stays {}", function()
  T.eq(json.encode(json.decode("[]")), "[]")
  T.eq(json.encode(json.decode("{}")), "{}")
  T.eq(json.encode(json.decode('{"a":[],"b":{}}')), '{"a":[],"b":{}}')
  T.eq(json.encode({}), "{}")
  T.eq(json.encode(json.array()), "[]")
  T.eq(json.encode(json.array{}), "[]")
end)

T.test("sequences encode as arrays", function()
  T.eq(json.encode{1, 2, 3}, "[1,2,3]")
  T.eq(json.encode{"x"}, '["x"]')
  T.eq(json.encode{{}, {1}}, "[{},[1]]")
  T.eq(json.encode(json.array{json.null, false}), "[null,false]")
end)

T.test("object keys are sorted bytewise", function()
  T.eq(json.encode{b = 1, a = 2, c = 3}, '{"a":2,"b":1,"c":3}')
  T.eq(json.encode{ab = 1, a = 2, b = 3, [""] = 0}, '{"":0,"a":2,"ab":1,"b":3}')
  T.eq(json.encode{a = 1, B = 2, ["_"] = 3, ["é"] = 4, z = 5},
       '{"B":2,"_":3,"a":1,"z":5,"\\u00e9":4}')
  T.eq(json.encode{["a\0b"] = 1, a = 2}, '{"a":2,"a\\u0000b":1}')
end)

T.test("Duo signing vector body", function()
  local body = json.encode{data = "abc123", alpha = {"a", "b", "c", "d"},
                           info = {test = 1, another = 2}}
  T.eq(body, '{"alpha":["a","b","c","d"],"data":"abc123","info":{"another":2,"test":1}}')
end)

T.test("scalars at top level and surrounding whitespace", function()
  T.eq(json.decode(' \t\r\n "x" \n'), "x")
  T.eq(json.decode("true"), true)
  T.eq(json.decode("false"), false)
  T.eq(json.decode(" 12 "), 12)
  T.eq(json.encode(nil), "null")
  T.eq(json.encode(true), "true")
  T.eq(json.encode(false), "false")
  T.eq(json.encode(-17), "-17")
end)

T.test("duplicate keys keep the last value", function()
  T.eq(json.decode('{"a":1,"a":2}').a, 2)
  local parts = {'"a":0'}
  for i = 1, 70 do parts[#parts + 1] = string.format('"k%d":%d', i, i) end
  parts[#parts + 1] = '"a":1'
  T.eq(json.decode("{" .. table.concat(parts, ",") .. "}").a, 1)
end)

T.test("containers of many sizes", function()
  for _, n in ipairs{1, 31, 32, 33, 63, 64, 65, 100, 3000} do
    local arr, obj, parts = {}, {}, {}
    for i = 1, n do
      arr[i] = i * 2
      obj["k" .. i] = {i}
      parts[i] = string.format('"k%d":[%d]', i, i)
    end
    local a = json.decode(json.encode(arr))
    T.eq(#a, n, "array length")
    T.same(a, arr)
    T.eq(getmetatable(a), json.array_mt)
    T.same(json.decode("{" .. table.concat(parts, ",") .. "}"), obj)
    T.eq(json.encode(json.decode(json.encode(obj))), json.encode(obj))
  end
end)

-- strings

T.test("Python-compatible string escaping", function()
  T.eq(json.encode("é😀\n\1"), '"\\u00e9\\ud83d\\ude00\\n\\u0001"')
  T.eq(json.encode('"\\/\b\f\n\r\t'), '"\\"\\\\/\\b\\f\\n\\r\\t"')
  T.eq(json.encode("\0\31 ~"), '"\\u0000\\u001f ~"')
  T.eq(json.encode("\127"), '"\\u007f"')
  T.eq(json.encode("\u{ffff}\u{10000}\u{10ffff}"), '"\\uffff\\ud800\\udc00\\udbff\\udfff"')
  T.eq(json.encode("日本"), '"\\u65e5\\u672c"')
end)

T.test("string escapes decode", function()
  T.eq(json.decode([["a\"b\\c\/d\be\ff\ng\rh\ti"]]), 'a"b\\c/d\be\ff\ng\rh\ti')
  T.eq(json.decode([["\u0041\u00e9\u65E5"]]), "Aé日")
  T.eq(json.decode([["\u0000"]]), "\0")
  T.eq(json.decode('"raw é 日 😀"'), "raw é 日 😀")
  local long = string.rep("abc\\n", 10000)
  T.eq(json.decode('"' .. long .. '"'), string.rep("abc\n", 10000))
end)

T.test("surrogate pairs decode to one code point", function()
  T.eq(json.decode([["\ud83d\ude00"]]), "😀")
  T.eq(json.decode([["\uD83D\uDE00x"]]), "😀x")
  T.eq(json.decode([["\udbff\udfff"]]), "\u{10ffff}")
end)

T.test("unpaired surrogates become U+FFFD", function()
  T.eq(json.decode([["\ud83d"]]), "\u{fffd}")
  T.eq(json.decode([["\ud83dx"]]), "\u{fffd}x")
  T.eq(json.decode([["\ude00\ud83d"]]), "\u{fffd}\u{fffd}")
  T.eq(json.decode([["\ud83d\u0041"]]), "\u{fffd}A")
  T.eq(json.decode([["\ud83d\ud83d\ude00"]]), "\u{fffd}😀")
end)

T.test("strings round-trip", function()
  local s = "héllo \0 wörld \u{1f600} \1\31\127 \"q\" \\"
  T.eq(json.decode(json.encode(s)), s)
end)

-- null and arrays

T.test("null identity", function()
  T.eq(type(json.null), "userdata")
  T.eq(json.decode("null"), json.null)
  T.eq(json.decode("[null]")[1], json.null)
  T.eq(json.decode('{"a":null}').a, json.null)
  T.eq(json.encode(json.null), "null")
  T.eq(json.encode{a = json.null}, '{"a":null}')
end)

T.test("array helpers and array_mt", function()
  local t = {1, 2}
  T.eq(json.array(t), t)
  T.eq(getmetatable(t), json.array_mt)
  T.truthy(json.is_array(t), "is_array")
  T.truthy(not json.is_array({}), "plain table")
  T.truthy(not json.is_array("x"), "string")
  T.truthy(not json.is_array(nil), "nil")
  T.eq(getmetatable(json.array()), json.array_mt)
  T.eq(debug.getregistry()["duo.array"], json.array_mt)
  T.eq(json.array_mt.__name, "duo.array")
  T.eq(getmetatable(json.decode("[1]")), json.array_mt)
  T.eq(getmetatable(json.decode("{}")), nil)
  T.raises(function() json.array(5) end, "table expected")
end)

-- decode errors

T.test("truncated input", function()
  T.eq(fails("", "^json: unexpected end of input at byte 0$"),
       "json: unexpected end of input at byte 0")
  fails("   ", "^json: unexpected end of input at byte 3$")
  fails("[1,2", "^json: unexpected end of input at byte 4$")
  fails('{"a":', "^json: unexpected end of input at byte 5$")
  fails('{"a"', "^json: unexpected end of input at byte 4$")
  fails('"abc', "^json: unexpected end of input at byte 4$")
  fails('"ab\\', "^json: unexpected end of input at byte 4$")
  fails('"\\u12', "^json: unexpected end of input at byte 5$")
  fails("tru", "^json: unexpected end of input at byte 3$")
  fails("-", "^json: unexpected end of input at byte 1$")
  fails("1.", "^json: unexpected end of input at byte 2$")
  fails("1e+", "^json: unexpected end of input at byte 3$")
end)

T.test("trailing garbage", function()
  fails("1 2", "^json: trailing garbage at byte 2$")
  fails("{} x", "^json: trailing garbage at byte 3$")
  fails("[1]]", "^json: trailing garbage at byte 3$")
  fails("0x10", "^json: trailing garbage at byte 1$")
end)

T.test("invalid numbers", function()
  fails("[1,-x]", "^json: invalid number at byte 3$")
  fails("01", "^json: invalid number at byte 0$")
  fails("-01", "^json: invalid number at byte 0$")
  fails("1.e5", "^json: invalid number at byte 0$")
  fails("1e+x", "^json: invalid number at byte 0$")
  fails("+1", "^json: unexpected character at byte 0$")
  fails(".5", "^json: unexpected character at byte 0$")
  fails("NaN", "^json: unexpected character at byte 0$")
  fails("Infinity", "^json: unexpected character at byte 0$")
end)

T.test("bad escapes", function()
  fails([["\x"]], "^json: invalid escape at byte 1$")
  fails([["ab\u12G4"]], "^json: invalid escape at byte 3$")
  fails([["\U0041"]], "^json: invalid escape at byte 1$")
  fails([["\'"]], "^json: invalid escape at byte 1$")
end)

T.test("control characters in strings", function()
  fails('"a\nb"', "^json: control character in string at byte 2$")
  fails('"\0"', "^json: control character in string at byte 1$")
  fails('"x\\n\31"', "^json: control character in string at byte 4$")
end)

T.test("invalid UTF-8 in input strings", function()
  fails('"\xff"', "^json: invalid UTF%-8 at byte 1$")
  fails('"a\xc3"', "^json: invalid UTF%-8 at byte 2$")
  fails('"\xed\xa0\x80"', "^json: invalid UTF%-8 at byte 1$")  -- surrogate
  fails('"\xc0\xaf"', "^json: invalid UTF%-8 at byte 1$")      -- overlong
end)

T.test("structural errors", function()
  fails("[1,]", "^json: unexpected character at byte 3$")
  fails("[1 2]", "^json: expected ',' or ']' at byte 3$")
  fails('{"a":1 "b":2}', "^json: expected ',' or '}' at byte 7$")
  fails('{"a" 1}', "^json: expected ':' at byte 5$")
  fails("{a:1}", "^json: expected string key at byte 1$")
  fails('{"a":1,}', "^json: expected string key at byte 7$")
  fails("trux", "^json: invalid literal at byte 0$")
  fails("nul", "^json: unexpected end of input at byte 3$")
  fails("[True]", "^json: unexpected character at byte 1$")
end)

T.test("nesting depth limit", function()
  local ok = string.rep("[", 1000) .. string.rep("]", 1000)
  T.eq(json.encode(json.decode(ok)), ok)
  fails(string.rep("[", 1001) .. string.rep("]", 1001),
        "^json: nesting too deep at byte 1000$")
  fails(string.rep('{"a":', 1001) .. "1" .. string.rep("}", 1001),
        "^json: nesting too deep at byte 5000$")
end)

T.test("decode needs a string", function()
  T.raises(function() json.decode() end, "string expected")
  T.raises(function() json.decode({}) end, "string expected")
end)

-- encode errors

T.test("nesting and cycles", function()
  local t = {}
  for _ = 1, 1000 do t = {t} end  -- 1001 levels
  encode_fails(t, "^json: nesting too deep %(cycle%?%)$")
  T.eq(#json.encode(t[1]), 2000)
  local c = {}
  c.self = c
  encode_fails(c, "^json: nesting too deep %(cycle%?%)$")
  local a = json.array()
  a[1] = a
  encode_fails(a, "^json: nesting too deep %(cycle%?%)$")
end)

T.test("NaN and infinity", function()
  encode_fails(0/0, "^json: cannot encode NaN or infinity$")
  encode_fails(math.huge, "^json: cannot encode NaN or infinity$")
  encode_fails({x = -math.huge}, "^json: cannot encode NaN or infinity$")
end)

T.test("invalid UTF-8 in encoded strings", function()
  encode_fails("\xff", "^json: invalid UTF%-8 in string$")
  encode_fails("ab\xc3", "^json: invalid UTF%-8 in string$")
  encode_fails("\xed\xa0\x80", "^json: invalid UTF%-8 in string$")
  encode_fails("\xf4\x90\x80\x80", "^json: invalid UTF%-8 in string$")
  encode_fails({["k\xff"] = 1}, "^json: invalid UTF%-8 in string$")
end)

T.test("non-string keys", function()
  encode_fails({[1] = 1, [3] = 3}, "^json: cannot encode a table with non%-string key [13]$")
  encode_fails({1, 2, x = 3}, "^json: cannot encode a table with non%-string key [12]$")
  encode_fails({[true] = 1}, "^json: cannot encode a table with non%-string key true$")
  encode_fails({[1.5] = 1}, "^json: cannot encode a table with non%-string key 1%.5$")
  encode_fails({[0] = 1}, "^json: cannot encode a table with non%-string key 0$")
end)

-- issue 14: an array with a hole was cut at the hole ({1, nil, 3} -> [1])
T.test("an array with a hole or another key is an error, not cut short", function()
  encode_fails(json.array{1, nil, 3}, "^json: an array %(json.array%) has a hole at index 2 ")
  local t = json.array()
  t[1], t[3] = 1, 3
  encode_fails(t, "^json: an array %(json.array%) has a hole at index 2 %(2 elements up to index 3%)")
  encode_fails(json.array{1, 2, x = 3}, '^json: an array %(json.array%) has the string key "x"$')
  encode_fails(json.array{["a\n\27[2J"] = 3}, '^json: an array %(json.array%) has the string key "a\\x0a\\x1b%[2J"$')
  encode_fails(json.array{[0] = 1}, "^json: an array %(json.array%) has the non%-index key 0$")
  encode_fails({a = json.array{[2] = 1}}, "has a hole at index 1 ")
end)

T.test("values that have no JSON form", function()
  encode_fails(print, "^json: cannot encode a function$")
  encode_fails({f = function() end}, "^json: cannot encode a function$")
  encode_fails(coroutine.create(print), "^json: cannot encode a thread$")
  encode_fails(io.stdout, "^json: cannot encode a userdata$")
end)

T.done()
