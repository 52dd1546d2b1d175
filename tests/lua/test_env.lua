-- One explicit environment (SPEC section 7): a client keeps the
-- environment it was made in; a stopped sandbox's clients raise instead of
-- reaching the network; nothing a script does changes --dry-run; a
-- backend that never answers is a deadlock, not a 24-hour sleep.
local T = require "testing"
local W = require("workspace").new()
local duo = require "duo"
local envs = require "duo.env"

local function script(name, text)
  return W.write(name, text)
end

T.test("a client made under a sandbox raises after sb:stop(), and sends nothing anywhere", function()
  local path = script("stopped.lua", [[
    local duo = require "duo"
    local sb = duo.sandbox()
    local a = duo.admin()
    assert(#a:get_users() > 0)
    sb:stop()
    local ok, e = pcall(a.get_users, a)
    print(ok, tostring(e))
  ]])
  local code, out, err = W.run(path, "DUO_LUA_TRACE=1")
  T.eq(code, 0, err)
  T.eq(out, "false\tduo: sandbox stopped (GET /admin/v1/users)\n")
  -- one trace line: the call made while the sandbox ran
  local lines = W.lines(err)
  T.eq(#lines, 1, err)
  T.truthy(lines[1]:find(" 200 attempt 1", 1, true), err)
end)

T.test("a task spawned under a sandbox that stops before it sends raises too", function()
  local sb = duo.sandbox()
  local a = duo.admin()
  local started = false
  local t = duo.spawn(function()
    started = true
    return a:get_users()
  end)
  sb:stop()
  local ok, e = t:result()
  T.truthy(started, "the task ran")
  T.eq(ok, false)
  T.truthy(tostring(e):find("^duo: sandbox stopped"), tostring(e))
end)

T.test("clients keep their own sandbox when another one starts", function()
  local first = duo.sandbox()
  local a = duo.admin()
  local second = duo.sandbox()
  T.truthy(first.stopped, "a new sandbox stops the running one")
  T.raises(function() a:get_users() end, "sandbox stopped")
  T.truthy(#duo.admin():get_users() > 0, "a new client talks to the new sandbox")
  second:stop()
end)

T.test("a child of a sandbox client is bound to the same sandbox", function()
  local sb = duo.sandbox()
  local accounts = duo.accounts()
  local child = accounts:child(accounts:get_child_accounts()[1].account_id)
  sb:stop()
  T.raises(function() child:get_users() end, "sandbox stopped")
end)

T.test("the settings are copies: a script cannot turn --dry-run on or off", function()
  local path = script("settings.lua", [[
    local duo = require "duo"
    require("duo._sys").settings().dry_run = true
    local a = duo.admin()
    a:add_user("mallory")          -- sent: this run is not a dry run
    print(a:get_users_by_name("mallory")[1].username)
  ]])
  local code, out, err = W.run("--sandbox " .. path)
  T.eq(code, 0, err)
  T.eq(out, "mallory\n")
  T.eq(err, "", "no dry-run line")
  local flip = script("flip.lua", [[
    local duo = require "duo"
    require("duo._sys").settings().dry_run = false
    local ok = pcall(function() duo.env().dry_run = false end)
    print(ok, duo.env().dry_run)
    duo.admin():add_user("mallory")
  ]])
  code, out, err = W.run("--sandbox --dry-run " .. flip)
  T.eq(code, 0, err)
  T.eq(out, "false\ttrue\n")
  T.truthy(err:find("^dry%-run: POST "), err)
end)

T.test("an environment cannot be changed, even with rawset", function()
  local env = envs.new{ dry_run = false, name = "test" }
  T.raises(function() env.dry_run = true end, "an environment cannot be changed")
  rawset(env, "dry_run", true)
  T.eq(envs.fields(env).dry_run, false, "what clients read")
  T.raises(function() envs.new{ colour = "red" } end, "unknown field 'colour'")
end)

T.test("a backend that never answers is a deadlock, not a 24-hour sleep", function()
  local held = {}
  local env = envs.new{ backend = { answer = function(op) held[#held + 1] = op end },
                        config = { default = "p", profiles = { p = { admin = {
                          host = "api-silent.duosecurity.com", ikey = "DIXXXXXXXXXXXXXXXXXX",
                          skey = string.rep("s", 40) } } } },
                        name = "silent" }
  envs.activate(env)
  local a = duo.admin()
  envs.deactivate(env)
  local e = T.raises(function() a:get_users() end, "deadlock")
  T.eq(e.kind, "deadlock")
  T.eq(#held, 1, "the request reached the backend")
  -- inside a task too: the waiting main code is told
  local t = duo.spawn(function() return a:get_users() end)
  e = T.raises(function() t:wait() end, "deadlock")
  T.eq(#held, 2)
end)

T.test("require 'duo' starts no sandbox; --sandbox is the host's", function()
  local path = script("nosandbox.lua", [[
    local duo = require "duo"
    print(duo.env().backend == nil, tostring(duo.env()))
  ]])
  local code, out, err = W.run(path)
  T.eq(code, 0, err)
  T.eq(out, "true\tduo.env (network)\n")
  code, out, err = W.run("--sandbox " .. path)
  T.eq(code, 0, err)
  T.eq(out, "false\tduo.env (sandbox)\n")
end)


T.test("a fan-out whose children all answer 403 fetches the child list once, not once each", function()
  local json = require "duo.json"
  local children = json.array{}
  for i = 1, 30 do
    children[i] = { account_id = string.format("DA%018d", i), name = "Child " .. i,
                    api_hostname = "api-child" .. i .. ".duosecurity.com" }
  end
  local lists = 0
  local env = envs.new{ name = "forbidden", backend = { answer = function(op)
    local _, url = op:wire()
    if url:find("/accounts/v1/account/list", 1, true) then
      lists = lists + 1
      op:respond(200, json.encode{ stat = "OK", response = children })
    else
      op:respond(403, json.encode{ stat = "FAIL", code = 40301, message = "Access forbidden" })
    end
  end }, config = { default = "p", profiles = { p = { accounts = {
    host = "api-parent.duosecurity.com", ikey = "DIXXXXXXXXXXXXXXXXXX", skey = string.rep("s", 40) } } } } }
  envs.activate(env)
  local accounts = duo.accounts()
  envs.deactivate(env)
  local per_child = accounts:each_child(function(child) return child:get_users() end)
  local failed = 0
  for _, r in pairs(per_child) do
    if r.error then failed = failed + 1; T.eq(r.error.code, 40301) end
  end
  T.eq(failed, 30, "every child failed")
  T.eq(lists, 2, "the list: for the fan-out, and once more for the first 403 (the host had not changed)")
end)

W.remove()
T.done()
