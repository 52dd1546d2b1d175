-- Tasks on the event loop against the loopback server: concurrency,
-- failure isolation, nested coroutines, sleep, limits, Ctrl-C.
local T = require "testing"
local S = require "testserver"
local duo = require "duo"
local loop = require "duo._loop"

local admin = S.client("admin")

local function elapsed_ms(fn)
  local t0 = loop.now_ms()
  fn()
  return loop.now_ms() - t0
end

T.test("calls inside tasks run at once", function()
  local ms = elapsed_ms(function()
    local tasks = {}
    for i = 1, 8 do
      tasks[i] = duo.spawn(function() return admin:call("GET", "/test/slow", { ms = 300 }).slept_ms end)
    end
    for _, t in ipairs(tasks) do T.eq(t:wait(), 300) end
  end)
  T.truthy(ms < 300 * 3, "8 x 300 ms ran concurrently, took " .. ms .. " ms")
end)

T.test("a call outside tasks blocks but lets tasks progress", function()
  local t = duo.spawn(function() return admin:call("GET", "/test/slow", { ms = 200 }).slept_ms end)
  local ms = elapsed_ms(function()
    admin:call("GET", "/test/slow", { ms = 200 })
    T.eq(t:wait(), 200)
  end)
  T.truthy(ms < 380, "the task's request ran while the main code waited: " .. ms .. " ms")
end)

T.test("parallel: results in order, failures isolated, every item accounted for", function()
  local items = {}
  for i = 1, 20 do items[i] = i end
  local results, failures = duo.parallel(items, function(i)
    if i % 5 == 0 then admin:call("GET", "/test/status/40401") end
    return admin:call("GET", "/test/echo", { i = i }).query.i[1]
  end, { concurrency = 6 })
  T.eq(#failures, 4)
  for _, f in ipairs(failures) do
    T.eq(f.index % 5, 0)
    T.eq(f.item, f.index)
    T.truthy(duo.is_error(f.error) and f.error.code == 40401, tostring(f.error))
  end
  for i = 1, 20 do
    if i % 5 ~= 0 then T.eq(results[i], tostring(i)) else T.eq(results[i], nil) end
  end
end)

T.test("parallel honours its concurrency", function()
  local active, peak = 0, 0
  local items = {}
  for i = 1, 12 do items[i] = i end
  duo.parallel(items, function()
    active = active + 1
    if active > peak then peak = active end
    admin:call("GET", "/test/slow", { ms = 50 })
    active = active - 1
  end, { concurrency = 3 })
  T.eq(peak, 3)
end)

T.test("parallel checks its options", function()
  T.raises(function() duo.parallel({}, print, { concurency = 2 }) end, "unknown option 'concurency'")
  T.raises(function() duo.parallel({}, print, { concurrency = 0 }) end, "whole number")
  T.raises(function() duo.parallel(nil, print) end, "bad argument #1 to 'parallel'")
  T.raises(function() duo.parallel({}, 42) end, "bad argument #2 to 'parallel'")
  local r, f = duo.parallel({}, print)
  T.eq(#r, 0)
  T.eq(#f, 0)
end)

T.test("user coroutines inside a task keep working", function()
  local t = duo.spawn(function()
    local gen = coroutine.wrap(function()
      for i = 1, 3 do coroutine.yield(admin:call("GET", "/test/echo", { i = i }).query.i[1]) end
    end)
    local co = coroutine.create(function(x)
      local y = coroutine.yield(x + 1)
      return admin:call("GET", "/test/echo", { y = y }).query.y[1]
    end)
    local _, a = coroutine.resume(co, 1)
    local _, b = coroutine.resume(co, 10)
    return gen() .. gen() .. gen(), a, b
  end)
  local s, a, b = t:wait()
  T.eq(s, "123")
  T.eq(a, 2)
  T.eq(b, "10")
end)

T.test("a user coroutine outside tasks blocks as usual", function()
  local co = coroutine.wrap(function() return admin:call("GET", "/test/echo", { z = "1" }).query.z[1] end)
  T.eq(co(), "1")
end)

T.test("task errors come back from wait and result", function()
  local t = duo.spawn(function() error({ code = 7 }) end)
  local ok, e = t:result()
  T.eq(ok, false)
  T.eq(e.code, 7)
  T.raises(function() duo.spawn(function() error("boom", 0) end):wait() end, "^boom$")
  T.raises(function() duo.spawn(42) end, "bad argument #1 to 'spawn'")
end)

T.test("tasks wait for tasks", function()
  local a = duo.spawn(function() duo.sleep(0.05); return "a" end)
  local b = duo.spawn(function() return a:wait() .. "b" end)
  T.eq(b:wait(), "ab")
end)

T.test("sleep yields to other tasks and is a loop timer", function()
  local order = {}
  local t1 = duo.spawn(function() duo.sleep(0.2); order[#order + 1] = "slow" end)
  local t2 = duo.spawn(function() duo.sleep(0.05); order[#order + 1] = "fast" end)
  local ms = elapsed_ms(function() t1:wait(); t2:wait() end)
  T.eq(table.concat(order, ","), "fast,slow")
  T.truthy(ms >= 190 and ms < 400, "slept " .. ms .. " ms")
  T.raises(function() duo.sleep(-1) end, "bad argument #1 to 'sleep'")
end)

T.test("429 backoff in one task does not hold up the others", function()
  local slow = duo.spawn(function()
    return admin:call("GET", "/test/ratelimit", { key = "tasks-backoff", times = 1, retry_after = 1 }).attempts
  end)
  local quick = duo.spawn(function() return admin:call("GET", "/test/echo").method end)
  T.eq(quick:wait(), "GET")
  T.truthy(not slow:done(), "the rate-limited task is still backing off")
  T.eq(slow:wait(), 2)
end)

T.test("per-host limit", function()
  duo.configure{ per_host = 2 }
  local ms = elapsed_ms(function()
    local items = { 1, 2, 3, 4 }
    duo.parallel(items, function() admin:call("GET", "/test/slow", { ms = 150 }) end, { concurrency = 4 })
  end)
  duo.configure{ per_host = 16 }
  T.truthy(ms >= 290, "4 requests, 2 at a time: " .. ms .. " ms")
  T.raises(function() duo.configure{ per_hots = 1 } end, "unknown option 'per_hots'")
end)

T.test("cancelling a task cancels its transfer; nothing is left in the loop", function()
  local t = duo.spawn(function() admin:call("GET", "/test/slow", { ms = 5000 }) end)
  local waiter = duo.spawn(function() return t:wait() end)
  duo.sleep(0.05)   -- the transfer is on the wire now
  T.truthy(loop.pending() >= 1, "a transfer is pending")
  local ms = elapsed_ms(function() T.eq(t:cancel(), true) end)
  T.truthy(ms < 100, "cancel is immediate")
  T.eq(loop.pending(), 0, "operations left in the loop")
  local e = T.raises(function() t:wait() end, "task cancelled")
  T.eq(e.kind, "cancelled")
  local ok, werr = waiter:result()
  T.eq(ok, false)
  T.eq(werr.kind, "cancelled", "a task waiting on it sees the cancellation")
  T.eq(t:cancel(), false, "cancelling twice")
end)

T.test("tasks that raise leave nothing in the loop", function()
  local items = {}
  for i = 1, 10 do items[i] = i end
  local _, failures = duo.parallel(items, function(i)
    if i % 2 == 0 then error("item " .. i) end
    return admin:call("GET", "/test/echo").method
  end)
  T.eq(#failures, 5)
  T.eq(loop.pending(), 0)
end)

T.test("Ctrl-C cancels pending transfers and exits 130", function()
  local script = os.tmpname()
  local f = assert(io.open(script, "w"))
  f:write(string.format([[
    package.path = %q .. ";" .. package.path
    local S = require "testserver"
    local duo = require "duo"
    local admin = S.client("admin")
    local items = {}
    for i = 1, 20 do items[i] = i end
    io.stdout:write("started\n"); io.stdout:flush()
    duo.parallel(items, function() return admin:call("GET", "/test/slow", { ms = 20000 }) end, { concurrency = 20 })
    print("not reached")
  ]], "./?.lua"))
  f:close()
  local out = os.tmpname()
  local cmd = string.format("%s %s > %s 2>&1 & pid=$!; sleep 1; kill -INT $pid; "
                            .. "t0=$(date +%%s%%N); wait $pid; rc=$?; t1=$(date +%%s%%N); "
                            .. "echo \"rc=$rc ms=$(( (t1 - t0) / 1000000 ))\" >> %s",
                            arg[-1], script, out, out)
  os.execute(cmd)
  local text = assert(io.open(out)):read("a")
  os.remove(script)
  os.remove(out)
  T.truthy(text:find("rc=130", 1, true), text)
  T.truthy(text:find("interrupted", 1, true), text)
  T.truthy(not text:find("not reached", 1, true), text)
  local ms = tonumber(text:match("ms=(%d+)"))
  T.truthy(ms and ms < 2000, "exited promptly: " .. tostring(ms) .. " ms")
end)

T.done()
