-- Scenarios for the valgrind leak check (tests/valgrind_check.sh): tasks
-- that raise, cancelled tasks with transfers in flight, abandoned
-- requests, scopes and deadlocks, and finally an uncaught error with work
-- still pending.
local S = require "testserver"
local duo = require "duo"

local admin = S.client("admin")

-- tasks that raise, some after a request
local items = {}
for i = 1, 20 do items[i] = i end
duo.parallel(items, function(i)
  if i % 3 == 0 then error("raised " .. i) end
  return admin:call("GET", "/test/echo", { i = i })
end, { concurrency = 5 })

-- cancelled tasks with transfers and timers in flight
local tasks = {}
for i = 1, 5 do
  tasks[i] = duo.spawn(function() return admin:call("GET", "/test/slow", { ms = 3000 }) end)
end
tasks[6] = duo.spawn(function() duo.sleep(10) end)
duo.sleep(0.1)
for _, t in ipairs(tasks) do t:cancel() end

-- a scope cancelled with its workers' transfers in flight
local outer = duo.spawn(function()
  duo.parallel(items, function() return admin:call("GET", "/test/slow", { ms = 3000 }) end, { concurrency = 5 })
end)
duo.sleep(0.1)
outer:cancel()

-- a deadlock, caught, then cancelled
local a, b
a = duo.spawn(function() return b:wait() end)
b = duo.spawn(function() return a:wait() end)
assert(not pcall(a.wait, a))
a:cancel()

-- API errors, retries
local quick = S.client("admin", { max_backoff = 0 })
pcall(quick.call, quick, "GET", "/test/status/50001")
pcall(quick.call, quick, "GET", "/test/reset")
admin:call("GET", "/test/ratelimit", { key = "leaks", times = 1, retry_after = 1 })

-- the script dies with transfers pending: its scope cancels them, and
-- lua_close frees them
for i = 1, 5 do
  duo.spawn(function() return admin:call("GET", "/test/slow", { ms = 3000 }) end)
end
duo.spawn(function() duo.sleep(0.05) end):wait()
error("the scenario ends with an uncaught error, as planned")
