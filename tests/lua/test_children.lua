-- Child accounts against the loopback test server (3 children at start:
-- "Acme Corp", "Acme Corporation", "Globex", each on its own listener):
-- accounts:child by ID and by exact name, ambiguous and unknown names,
-- each_child with a failing child, the cached account list refreshed when a
-- child answers 403/404, and per-child Admin credentials from a profile.
local T = require "testing"
local ts = require "testserver"
local duo = require "duo"
local json = require "duo.json"

local DUO_LUA = arg[-1]
-- max_backoff = 0: the failing child's retries take no time
local accounts = ts.client("accounts", { max_backoff = 0 })
local control = ts.client("admin")

local function clear() control:call("POST", "/test/requests/clear") end
local function requests() return control:call("GET", "/test/requests") end
local function server_children()
  local by_name, list = {}, control:call("GET", "/test/children")
  for _, c in ipairs(list) do by_name[c.name] = c end
  return list, by_name
end

local LIST, BY_NAME = server_children()

T.test("the server's children", function()
  T.eq(#LIST, 3)
  for i, c in ipairs(LIST) do
    T.eq(#c.account_id, 20)
    T.truthy(c.account_id:find("^DA"), c.account_id)
    T.eq(c.api_hostname, "127.0.0.1:" .. ts.port("child" .. (i - 1)))
  end
  local listed = accounts:get_child_accounts()
  T.eq(#listed, 3)
  T.eq(listed[1].account_id, LIST[1].account_id)
end)

T.test("accounts:child by account_id: the child's host and account_id on every request", function()
  local c = accounts:child(BY_NAME["Globex"].account_id)
  T.eq(c.host, BY_NAME["Globex"].api_hostname)
  T.eq(c.account_id, BY_NAME["Globex"].account_id)
  clear()
  local users = c:get_users()
  T.eq(#users, 5, "the child's users")
  local echo = c:get_user_by_id(users[1].user_id)
  T.eq(echo.account_id, c.account_id)
  T.eq(echo.listener, BY_NAME["Globex"].listener)
  T.eq(echo.params.account_id, c.account_id, "account_id in the query of a GET")
  local body = c:update_user(users[1].user_id, { realname = "Renamed" })
  T.eq(body.location, "json")
  T.eq(body.params.account_id, c.account_id, "account_id in the JSON body of a POST")
  for _, e in ipairs(requests()) do
    T.eq(e.account_id, c.account_id, e.path)
    T.eq(e.host, c.host, e.path)
  end
end)

T.test("accounts:child by exact name; tostring names the account", function()
  local c = accounts:child("Acme Corp")
  T.eq(c.account_id, BY_NAME["Acme Corp"].account_id)
  local c2 = accounts:child("Acme Corporation")
  T.eq(c2.account_id, BY_NAME["Acme Corporation"].account_id)
  local s = tostring(c)
  T.truthy(s:find(c.account_id, 1, true), s)
  T.truthy(s:find('"Acme Corp"', 1, true), s)
  T.truthy(not s:find("secret"), "no secret in " .. s)
end)

T.test("an unknown name raises one line with the close matches", function()
  clear()
  local e = T.raises(function() accounts:child("ACME corp.") end, "no child account")
  local msg = tostring(e)
  T.eq(msg:find("\n"), nil, "one line: " .. msg)
  T.truthy(msg:find("'Acme Corp' (" .. BY_NAME["Acme Corp"].account_id .. ")", 1, true), msg)
  T.truthy(msg:find("'Acme Corporation' (" .. BY_NAME["Acme Corporation"].account_id .. ")", 1, true), msg)
  T.eq(msg:find("Globex"), nil, "Globex is not close: " .. msg)
  T.eq(duo.is_error(e) and e.kind, "config")
  -- the list was fetched again before giving up; no Admin API call was made
  local log = requests()
  T.eq(#log, 1)
  T.eq(log[1].path, "/accounts/v1/account/list")
  T.raises(function() accounts:child("Nobody Inc") end, "^duo: no child account with the ID or exact name 'Nobody Inc'$")
end)

T.test("an ambiguous name raises one line listing the IDs", function()
  local dup = accounts:create_account("Globex")
  T.eq(dup.name, "Globex")
  T.truthy(dup.api_hostname:find("^127%.0%.0%.1:%d+$"), dup.api_hostname)
  clear()
  local e = T.raises(function() accounts:child("Globex") end, "2 child accounts are named 'Globex'")
  local msg = tostring(e)
  T.eq(msg:find("\n"), nil, "one line: " .. msg)
  T.truthy(msg:find(BY_NAME["Globex"].account_id, 1, true), msg)
  T.truthy(msg:find(dup.account_id, 1, true), msg)
  T.truthy(msg:find("use the account_id", 1, true), msg)
  local log = requests()
  T.eq(#log, 1, "creating an account forgot the cached list; only the list was fetched again")
  T.eq(log[1].path, "/accounts/v1/account/list")
  -- by ID both are reachable
  T.eq(#accounts:child(dup.account_id):get_users(), 5)
  accounts:delete_account(dup.account_id)
  T.eq(#accounts:children(), 3, "deleting forgot the cached list too")
  T.eq(accounts:child("Globex").account_id, BY_NAME["Globex"].account_id)
end)

T.test("each_child: every child's result, and an error entry for a failing one", function()
  local failing = BY_NAME["Acme Corporation"].account_id
  control:call("POST", "/test/children/" .. failing .. "/fail", { code = 50001 })
  local calls = 0
  local per_child = accounts:each_child(function(c, account)
    calls = calls + 1
    T.eq(c.account_id, account.account_id)
    return #c:get_users()
  end)
  control:call("POST", "/test/children/" .. failing .. "/fail", { code = 0 })
  T.eq(calls, 3)
  local n = 0
  for id, entry in pairs(per_child) do
    n = n + 1
    T.eq(entry.account.account_id, id)
    if id == failing then
      T.eq(entry.result, nil)
      T.truthy(duo.is_error(entry.error), "a duo.Error")
      T.eq(entry.error.code, 50001)
      T.eq(entry.error.account_id, failing)
      T.eq(entry.error.attempts, 7, "a GET answered 500 is retried max_retries (6) times")
    else
      T.eq(entry.error, nil, "no error for " .. entry.account.name)
      T.eq(entry.result, 5, entry.account.name)
    end
  end
  T.eq(n, 3)
end)

T.test("a child that moved: 403, the list is refreshed and the call retried on the new host", function()
  local id = BY_NAME["Acme Corp"].account_id
  local c = accounts:child(id)
  local old_host = c.host
  local moved = control:call("POST", "/test/children/" .. id .. "/move")
  T.truthy(moved.api_hostname ~= old_host, "a new port")
  clear()
  local users = c:get_users()
  T.eq(#users, 5)
  T.eq(c.host, moved.api_hostname, "the client follows")
  local log = requests()
  T.eq(#log, 3, "refused, list, retried")
  T.eq(log[1].status, 403)
  T.eq(log[1].code, 40301)
  T.truthy(log[1].detail:find("account_id does not belong to this host", 1, true), log[1].detail)
  T.eq(log[2].path, "/accounts/v1/account/list")
  T.eq(log[3].status, 200)
  T.eq(log[3].host, moved.api_hostname)
  -- later calls go straight to the new host
  clear()
  c:get_users{ limit = 1 }
  T.eq(#requests(), 1)
end)

T.test("a 404 from a child refreshes the list; an unchanged host is not retried", function()
  local c = accounts:child(BY_NAME["Globex"].account_id)
  clear()
  local e = T.raises(function() c:call("GET", "/admin/v1/no_such_thing") end, "40401")
  T.eq(e.status, 404)
  local log = requests()
  T.eq(#log, 2)
  T.eq(log[2].path, "/accounts/v1/account/list")
end)

T.test("a deleted child: 403 after the refresh finds it gone", function()
  local acct = accounts:create_account("Short Lived LLC")
  local c = accounts:child(acct.account_id)
  T.eq(#c:get_users(), 5)
  accounts:delete_account(acct.account_id)
  local e = T.raises(function() c:get_users() end, "40301")
  T.eq(e.code, 40301)
  T.eq(e.account_id, acct.account_id)
  T.truthy(tostring(e.detail):find("no child account", 1, true), tostring(e.detail))
end)

T.test("billing on a child; Admin API keys are refused there", function()
  local c = accounts:child(BY_NAME["Globex"].account_id)
  c:set_edition("PLATFORM")
  T.eq(c:get_edition().edition, "PLATFORM", "kept for that child")
  T.eq(c:set_telephony_credits(40).credits, 40)
  T.eq(c:get_telephony_credits().credits, 40)
  T.eq(accounts:child(BY_NAME["Acme Corporation"].account_id):get_edition().edition, "ENTERPRISE",
       "another child's edition is its own")
  local e = T.raises(function() c:set_edition("GOLD") end, "edition must be one of ENTERPRISE, PLATFORM, BEYOND")
  T.eq(e.code, 40002)
end)

-- Per-child credentials from a profile (the config is read once per
-- process: run a child duo-lua process) ---------------------------------------

T.test("per-child Admin credentials from the profile are used transparently", function()
  local tmp = os.tmpname()
  os.remove(tmp)
  assert(os.execute("mkdir -p " .. tmp))
  local sub_id = "DASUBACCOUNT00000001"         -- not in the parent's list
  local sub = BY_NAME["Globex"]                  -- its listener stands in for a sub-account's deployment
  local named = BY_NAME["Acme Corporation"]      -- found by name, then its own keys
  local config = string.format([[
return {
  default = "main",
  profiles = {
    main = {
      accounts = { host = %q, ikey = %q, skey = %q },
      ca = %q,
      timeout = 10,
      children = {
        [%q] = { host = %q, ikey = %q, skey = %q },
        [%q] = { host = %q, ikey = %q, skey = %q },
      },
    },
  },
}
]], "127.0.0.1:" .. ts.port("good"), ts.keys.accounts.ikey, ts.keys.accounts.skey, ts.ca,
    sub_id, sub.api_hostname, ts.keys.admin.ikey, ts.keys.admin.skey,
    named.account_id, named.api_hostname, ts.keys.admin.ikey, ts.keys.admin.skey)
  local path = tmp .. "/config.lua"
  local f = assert(io.open(path, "w"))
  f:write(config)
  f:close()
  assert(os.execute("chmod 600 " .. path))
  local script = tmp .. "/script.lua"
  f = assert(io.open(script, "w"))
  f:write([[
local duo = require "duo"
local json = require "duo.json"
local accounts = duo.accounts()
for _, wanted in ipairs{ ...  } do
  local c = accounts:child(wanted)
  local users = c:get_users()
  local echo = c:get_user_by_id(users[1].user_id)
  print(json.encode{ tostring = tostring(c), users = #users, first = users[1].username,
                     listener = echo.listener, app_type = echo.app_type, ikey = echo.ikey,
                     account_id = echo.account_id, params = echo.params })
end
]])
  f:close()
  local p = assert(io.popen(string.format("DUO_LUA_CONFIG=%s %s %s %s %q 2>&1", path, DUO_LUA, script,
                                          sub_id, named.name)))
  local out = p:read("a")
  local ok = p:close()
  os.execute("rm -rf " .. tmp)
  T.truthy(ok, out)
  local lines = {}
  for line in out:gmatch("[^\n]+") do lines[#lines + 1] = json.decode(line) end
  T.eq(#lines, 2, out)
  for i, expect in ipairs{ sub, named } do
    local r = lines[i]
    T.eq(r.listener, expect.listener, "reached the child's own host")
    T.eq(r.app_type, "admin", "with Admin API keys")
    T.eq(r.ikey, ts.keys.admin.ikey)
    T.eq(r.account_id, json.null, "no account_id")
    T.eq(r.params.account_id, nil)
    T.eq(r.users, 5)
    T.truthy(r.tostring:find("DIADMINTESTIKEY00001 at " .. expect.api_hostname, 1, true), r.tostring)
    T.truthy(not out:find(ts.keys.admin.skey, 1, true), "no secret in the output")
  end
end)

T.done()
