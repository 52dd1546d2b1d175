-- --dry-run: write calls print what they would send (never a secret) and
-- return nil; read calls still run. Checked on the wire with the server's
-- request log.
local T = require "testing"
local S = require "testserver"

local DUO_LUA = arg[-1]

T.test("writes are printed, not sent; reads run", function()
  S.clear_requests()
  local p = assert(io.popen(DUO_LUA .. " --dry-run dryrun_script.lua 2>&1"))
  local out = p:read("a")
  local ok = p:close()
  T.truthy(ok, out)
  for _, line in ipairs{ "add_user\tnil", "token\tnil", "delete\tnil", "call\tnil", "child write\tnil" } do
    T.truthy(out:find(line, 1, true), line .. " in:\n" .. out)
  end
  T.truthy(out:find("users\t25", 1, true), out)
  T.truthy(out:find("children\t%d+"), out)
  T.truthy(out:find('dry%-run: POST 127.0.0.1:%d+/admin/v1/users {"email":"alice@example.com","username":"alice"}'), out)
  T.truthy(out:find('dry%-run: DELETE 127.0.0.1:%d+/admin/v1/users/DU0123456789ABCDEFGH'), out)
  T.truthy(out:find('"secret":"***"', 1, true), "the token secret is masked:\n" .. out)
  T.truthy(not out:find("3132333435363738393031323334353637383930", 1, true), "no token secret")
  T.truthy(out:find('"account_id":"DA', 1, true), "a child's write shows its account_id:\n" .. out)
  for _, k in pairs(S.keys) do T.truthy(not out:find(k.skey, 1, true), "no secret key") end
  for _, r in ipairs(S.requests()) do
    T.truthy(r.method == "GET" or r.path == "/accounts/v1/account/list",
             "only reads reached the server, saw " .. r.method .. " " .. r.path)
  end
end)

T.done()
