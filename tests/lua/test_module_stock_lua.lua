-- duo.so in Debian's stock lua5.4: require, signing, JSON, and a call
-- against the loopback test server.
--   run_with_server.sh lua5.4 test_module_stock_lua.lua <folder of duo.so>
-- (run from tests/lua, so that require "testing" finds the runner).
local folder = assert(arg[1], "usage: lua5.4 test_module_stock_lua.lua <folder of duo.so>")
package.cpath = folder .. "/?.so;" .. package.cpath

local T = require "testing"

T.test("the interpreter is the stock one", function()
  T.eq(_VERSION, "Lua 5.4")
  T.eq(package.loaded.duo, nil, "duo before require")
  T.eq(package.preload.duo, nil, "no built-in duo")
end)

local duo = require "duo"

T.test("require finds duo.so", function()
  T.eq(type(duo), "table")
  T.truthy(tostring(duo.version):match("^%d+%.%d+%.%d+"), "version " .. tostring(duo.version))
  T.eq(require "duo", duo, "cached")
  local path = package.searchpath("duo", package.cpath)
  T.truthy(path and path:find(folder, 1, true), "found in the build folder: " .. tostring(path))
  local v = duo.versions()
  T.truthy(v.lua:find("^Lua 5%.4"), "Lua version " .. tostring(v.lua))
  T.truthy(v.curl:find("curl", 1, true), "curl version")
end)

T.test("duo.sign: a known vector (v2)", function()
  local auth, canon = duo.sign{
    ikey = "test_ikey", skey = "test_skey", version = 2,
    method = "POST", host = "test.duosecurity.com", path = "/test/v1",
    date = "Tue, 21 Aug 2012 17:29:18 -0000",
    params = { realname = "First Last", username = "root" },
  }
  T.eq(auth, "Basic dGVzdF9pa2V5OjA0MmEzMGM2ODJiZDgzNmZjNWJhNDY3ODkxYTk1NmVhYTEwMDkxY2EwZjcz"
             .. "YTdmYjM5NmFlZmQ1NmEzNTI5ZTU2OTMyZGVhNDI3YTY3MjEzYWY2NjRiYTY4NDE2ODlmZjIzMzZiN2Ez"
             .. "NzM3NjZlYTVhYjdhYjlmZTI2MzgyMjZi")
  T.eq(canon, "Tue, 21 Aug 2012 17:29:18 -0000\nPOST\ntest.duosecurity.com\n/test/v1\n"
              .. "realname=First%20Last&username=root")
  T.eq(duo.canonicalize{ version = 2, method = "post", host = "Test.DuoSecurity.com", path = "/test/v1",
                         date = "Tue, 21 Aug 2012 17:29:18 -0000", params = { username = "root" } },
       "Tue, 21 Aug 2012 17:29:18 -0000\nPOST\ntest.duosecurity.com\n/test/v1\nusername=root")
end)

T.test("duo.json", function()
  local json = require "duo.json"
  T.eq(duo.json, json)
  T.eq(json.encode({ b = 1, a = { 1, 2 }, c = json.null }), '{"a":[1,2],"b":1,"c":null}')
  local v = json.decode('{"id":"DU123","n":3,"empty":[],"nothing":null}')
  T.eq(v.id, "DU123")
  T.eq(math.type(v.n), "integer")
  T.eq(v.nothing, duo.null)
  T.eq(json.encode(v.empty), "[]")
end)

T.test("the Lua half ships inside duo.so", function()
  local pretty = require "duo.pretty"
  T.eq(pretty.format({ 1, a = duo.null }), "{ 1, a = null }")
  T.truthy(require("duo.error").is_error, "duo.error")
end)

T.test("misuse raises ordinary errors", function()
  T.raises(function() duo.admin(42) end, "bad argument #1 to 'admin'")
  T.raises(function() duo.admin{ host = "h", ikey = "i", skey = "s", colour = "red" } end, "unknown option 'colour'")
end)

do
  local server = require "testserver"   -- fails without run_with_server.sh

  T.test("a call against the test server", function()
    local admin = server.client("admin")
    T.eq(getmetatable(admin) ~= nil, true)
    local echo = admin:call("GET", "/admin/v1/echo", { username = "alice" })
    T.eq(echo.method, "GET")
    T.eq(echo.path, "/admin/v1/echo")
    T.truthy(not tostring(admin):find(server.keys.admin.skey, 1, true), "no secret in tostring")
    local users = admin:get_users{ limit = 3 }
    T.eq(#users, 3)
  end)

  T.test("a Duo error from the test server", function()
    local admin = server.client("admin")
    local e = T.raises(function() admin:call("GET", "/test/status/40002") end)
    T.truthy(duo.is_error(e), "duo.Error")
    T.eq(e.kind, "api")
    T.eq(e.code, 40002)
    T.truthy(tostring(e):find("^duo: 40002"), tostring(e))
  end)

  T.test("tasks run on the event loop", function()
    local admin = server.client("admin")
    local results, failures = duo.parallel({ 1, 2, 3 }, function(i)
      return admin:call("GET", "/admin/v1/echo", { n = tostring(i) }).method
    end)
    T.eq(#failures, 0)
    T.same(results, { "GET", "GET", "GET" })
  end)
end


T.test("duo.so serves only duo.*: a user's own modules are not shadowed", function()
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. dir .. "/workflows/lib " .. dir .. "/sandbox"))
  for _, name in ipairs{ "workflows/lib/args", "sandbox/service" } do
    local f = assert(io.open(dir .. "/" .. name .. ".lua", "w"))
    f:write(string.format("return { mine = %q }\n", name))
    f:close()
  end
  local saved = package.path
  package.path = dir .. "/?.lua;" .. package.path
  local ok, err = pcall(function()
    T.eq(require("workflows.lib.args").mine, "workflows/lib/args")
    T.eq(require("sandbox.service").mine, "sandbox/service")
    T.eq(select(2, pcall(require, "workflows.lib.output")):find("duo.so serves only duo.*", 1, true) ~= nil, true,
         "no embedded workflow served")
    -- duo.sandbox still works: the sandbox tree loads privately
    local sb = duo.sandbox()
    local admin = duo.admin()
    T.truthy(#admin:get_users() > 0, "the sandbox answers")
    T.eq(require("sandbox.service").mine, "sandbox/service", "still the user's module")
    sb:stop()
    T.raises(function() admin:get_users() end, "^duo: sandbox stopped")
  end)
  package.path = saved
  os.execute("rm -rf " .. dir)
  assert(ok, err)
end)

T.done()
