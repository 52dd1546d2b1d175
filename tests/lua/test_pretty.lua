-- The pretty printer the REPL shows results with (scripts/duo/pretty.lua).
local T = require "testing"
local pretty = require "duo.pretty"
local json = require "duo.json"

local fmt = pretty.format

T.test("scalars", function()
  T.eq(fmt(1), "1")
  T.eq(fmt(1.5), "1.5")
  T.eq(fmt(2.0), "2.0")
  T.eq(fmt(true), "true")
  T.eq(fmt(nil), "nil")
  T.eq(fmt(math.huge), "math.huge")
  T.eq(fmt(-math.huge), "-math.huge")
  T.eq(fmt(json.null), "null")
end)

T.test("strings are quoted and escaped", function()
  T.eq(fmt("abc"), '"abc"')
  T.eq(fmt('say "hi"\n'), '"say \\"hi\\"\\n"')
  T.eq(fmt("a\\b\tc\0"), '"a\\\\b\\tc\\000"')
  T.eq(fmt("caf\u{e9}"), '"caf\u{e9}"')   -- UTF-8 stays readable
  T.eq(fmt(("x"):rep(10), { max_string = 4 }), '"xxxx"\u{2026}(6 more bytes)')
end)

T.test("arrays as lists, maps with sorted keys", function()
  T.eq(fmt({}), "{}")
  T.eq(fmt({ 1, 2, 3 }), "{ 1, 2, 3 }")
  T.eq(fmt({ b = 1, a = 2 }), "{ a = 2, b = 1 }")
  T.eq(fmt({ "x", "y", name = "n" }), '{ "x", "y", name = "n" }')
  -- numbers before strings, numbers ascending, odd keys bracketed
  T.eq(fmt({ [10] = "a", [2.5] = "b", z = 1, ["two words"] = 2, ["end"] = 3 }),
       '{ [2.5] = "b", [10] = "a", ["end"] = 3, ["two words"] = 2, z = 1 }')
  -- a hole ends the list part
  T.eq(fmt({ 1, nil, 3 }), "{ 1, [3] = 3 }")
  T.eq(fmt({ [true] = 1 }), "{ [true] = 1 }")
end)

T.test("JSON values", function()
  local v = json.decode('{"users":[{"name":"alice","email":null}],"empty":[]}')
  T.eq(fmt(v), '{ empty = {}, users = { { email = null, name = "alice" } } }')
end)

T.test("nesting breaks lines with indentation when too wide", function()
  local t = { users = { { name = "alice", email = "alice@example.com", groups = { "a", "b" } },
                        { name = "bob", email = "bob@example.com" } }, count = 2 }
  T.eq(fmt(t), table.concat({
    "{",
    "  count = 2,",
    "  users = {",
    '    { email = "alice@example.com", groups = { "a", "b" }, name = "alice" },',
    '    { email = "bob@example.com", name = "bob" }',
    "  }",
    "}" }, "\n"))
  T.eq(fmt(t, { width = 40, indent = 4 }), table.concat({
    "{",
    "    count = 2,",
    "    users = {",
    "        {",
    '            email = "alice@example.com",',
    '            groups = { "a", "b" },',
    '            name = "alice"',
    "        },",
    "        {",
    '            email = "bob@example.com",',
    '            name = "bob"',
    "        }",
    "    }",
    "}" }, "\n"))
end)

T.test("cycles are marked", function()
  local t = { name = "root" }
  t.self = t
  T.eq(fmt(t), '{ name = "root", self = <cycle> }')
  local a, b = {}, {}
  a.b, b.a = b, a
  T.eq(fmt(a), "{ b = { a = <cycle> } }")
  -- the same table twice, without a cycle, is shown twice
  local shared = { 1 }
  T.eq(fmt({ shared, shared }), "{ { 1 }, { 1 } }")
end)

T.test("long tables are cut with a count", function()
  local t = {}
  for i = 1, 500 do t[i] = 1000 + i end
  T.eq(fmt(t), table.concat({
    "{",
    "  1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1013,",
    "  1014, 1015, 1016, 1017, 1018, 1019, 1020, \u{2026} 480 more",
    "}" }, "\n"))
  T.eq(fmt({ 1, 2, 3, a = 1, b = 2 }, { max_items = 4 }), "{ 1, 2, 3, a = 1, \u{2026} 1 more }")
end)

T.test("depth is limited", function()
  local t = { a = { b = { c = { d = {} } } } }
  T.eq(fmt(t, { depth = 2 }), "{ a = { b = { \u{2026} } } }")
  T.eq(fmt(t, { depth = 0 }), "{ \u{2026} }")
  T.eq(fmt(t), "{ a = { b = { c = { d = {} } } } }")
end)

T.test("values with __tostring are shown with it", function()
  local obj = setmetatable({ secret = "hidden" }, { __tostring = function() return "obj<1>" end })
  T.eq(fmt(obj), "obj<1>")
  T.eq(fmt({ obj }), "{ obj<1> }")
  local e = require("duo.error").new{ kind = "api", code = 40002, message = "Invalid request parameters",
                                      detail = "username", method = "POST", path = "/admin/v1/users" }
  T.eq(fmt(e), "duo: 40002 Invalid request parameters: username (POST /admin/v1/users)")
  local c = require("duo").admin{ host = "api-x.example.com", ikey = "DIXXXXXXXXXXXXXXXXXX",
                                  skey = ("s"):rep(40) }
  T.eq(fmt(c), "duo.admin (DIXXXXXXXXXXXXXXXXXX at api-x.example.com)")
  T.truthy(not fmt({ c }):find("sss", 1, true), "no secret")
  local broken = setmetatable({}, { __tostring = function() error("boom") end })
  T.eq(fmt(broken), "<table: __tostring failed>")
end)

T.test("functions and userdata", function()
  T.truthy(fmt(print):find("^builtin: ") or fmt(print):find("^function: "), "function")
  T.truthy(fmt(io.stdout):find("^file %("), "file")
end)

T.test("options are checked", function()
  T.raises(function() fmt(1, { colour = true }) end, "unknown option 'colour'")
  T.raises(function() fmt(1, { depth = "2" }) end, "'depth' must be an integer, got string")
  T.raises(function() fmt(1, { depth = 1.5 }) end, "'depth' must be an integer, got 1.5")
  T.raises(function() fmt(1, { depth = -1 }) end, "'depth' must be an integer >= 0, got %-1")
  T.raises(function() fmt(1, { max_string = true }) end, "'max_string' must be an integer or false, got boolean")
  T.raises(function() fmt(1, 5) end, "table expected")
  T.eq(fmt("abcdef", { max_string = 3.0 }), fmt("abcdef", { max_string = 3 }))
  T.eq(fmt("abc", { max_string = false }), '"abc"')
end)

T.test("several values, the REPL way", function()
  T.eq(pretty.format_values(nil, 3, 1, nil, "x"), '1\tnil\t"x"')
  T.eq(pretty.format_values({ width = 10 }, 2, { 1, 2, 3, 4, 5 }, 2), "{\n  1, 2, 3,\n  4, 5\n}\n2")
  T.eq(pretty.format_values(nil, 0), "")
end)

-- issue 14: the REPL showed secret keys in clear (config.current())
T.test("secret keys are never shown", function()
  local skey = "adminsecretkey0000000000000000000000000a"
  T.eq(fmt(skey), "<secret hidden>", "a 40-character key anywhere")
  local cfg = { profiles = { main = { admin = { host = "api-x.duosecurity.com", ikey = "DIADMINTESTIKEY00001",
                                                skey = "short-but-named" } } },
                other = { client_secret = "s3cr3t", mkey = "m", list = { skey, "plain" } } }
  local text = fmt(cfg)
  for _, secret in ipairs{ skey, "short-but-named", "s3cr3t" } do
    T.truthy(not text:find(secret, 1, true), "hidden: " .. secret .. " in " .. text)
  end
  T.truthy(text:find('ikey = "DIADMINTESTIKEY00001"', 1, true), "the ikey stays visible: " .. text)
  T.truthy(text:find('skey = <secret hidden>', 1, true), text)
  T.truthy(text:find('{ <secret hidden>, "plain" }', 1, true), text)
  T.eq(fmt({ skey = "" }), '{ skey = "" }', "an empty value hides nothing")
  T.eq(fmt(("a"):rep(41)), '"' .. ("a"):rep(41) .. '"', "other lengths are shown")
end)

T.test("the REPL's view of config.current() holds no secret", function()
  local config, envs = require "duo.config", require "duo.env"
  local skey = "accountssecretkey00000000000000000000000"
  local env = envs.new{ backend = { answer = function() end },
                        config = { default = "p", profiles = { p = { accounts = { host = "h", ikey = "DIX", skey = skey } } } } }
  envs.activate(env)
  local text = pretty.format_values(nil, 1, config.current())
  envs.deactivate(env)
  T.truthy(not text:find(skey, 1, true), text)
  T.truthy(not text:find("secretkey", 1, true), text)
end)

T.done()
