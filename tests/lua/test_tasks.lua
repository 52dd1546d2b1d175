-- Tasks and scopes on the loop's virtual time (SPEC section 5): order of
-- events and virtual milliseconds, never the wall clock. Requests go to the
-- sandbox with a simulated latency; timers are duo.sleep.
local stock_resume, stock_wrap = coroutine.resume, coroutine.wrap
local T = require "testing"
local duo = require "duo"
local loop = require "duo._loop"

local SMALL = "../data/seeds/small.json"

-- The loop's milliseconds fn took (virtual ones when virtual time is on).
local function virtual_ms(fn)
  local t0 = loop.now_ms()
  fn()
  return loop.now_ms() - t0
end

-- Runs fn(admin) with timers on virtual time, and with a sandbox
-- answering requests after `latency` simulated seconds when given.
local function virtually(fn, latency)
  local sb
  if latency then
    sb = duo.sandbox(SMALL, { latency = latency })
  else
    loop.set_virtual_time(true, 1700000000)
  end
  local ok, err = pcall(fn, sb and duo.admin())
  if sb then sb:stop() else loop.set_virtual_time(false) end
  if not ok then error(err, 0) end
end

T.test("sleep: tasks wake in the order of their timers, on the loop's clock", function()
  local order = {}
  local ms
  virtually(function() ms = virtual_ms(function()
    local slow = duo.spawn(function() duo.sleep(0.2); order[#order + 1] = "slow" end)
    local fast = duo.spawn(function() duo.sleep(0.05); order[#order + 1] = "fast" end)
    local zero = duo.spawn(function() duo.sleep(0); order[#order + 1] = "zero" end)
    slow:wait(); fast:wait(); zero:wait()
  end) end)
  T.eq(table.concat(order, ","), "zero,fast,slow")
  T.eq(ms, 200, "the tasks slept at the same time")
end)

T.test("sleep refuses NaN and negative durations and clamps huge ones", function()
  T.raises(function() duo.sleep(-1) end, "bad argument #1 to 'sleep'")
  T.raises(function() duo.sleep(0 / 0) end, "bad argument #1 to 'sleep'")
  T.raises(function() duo.sleep("1") end, "bad argument #1 to 'sleep'")
  local order = {}
  virtually(function()
    local forever = duo.spawn(function() duo.sleep(1e300); order[#order + 1] = "1e300" end)
    local inf = duo.spawn(function() duo.sleep(math.huge); order[#order + 1] = "inf" end)
    local second = duo.spawn(function() duo.sleep(1); order[#order + 1] = "1" end)
    second:wait()
    T.eq(forever:done(), false, "sleep(1e300) is still sleeping after sleep(1)")
    T.eq(inf:done(), false, "sleep(math.huge) is still sleeping after sleep(1)")
    forever:cancel()
    inf:cancel()
  end)
  T.eq(table.concat(order, ","), "1")
end)

T.test("calls inside tasks overlap; a call outside tasks lets tasks progress", function()
  virtually(function(admin)
    local ms = virtual_ms(function()
      local tasks = {}
      for i = 1, 8 do tasks[i] = duo.spawn(function() return admin:get_users{ limit = 1 } end) end
      for _, t in ipairs(tasks) do T.eq(#t:wait(), 1) end
    end)
    T.eq(ms, 1000, "8 calls of 1 s each, at once")
    ms = virtual_ms(function()
      local t = duo.spawn(function() return admin:get_users{ limit = 1 } end)
      admin:get_users{ limit = 1 }
      t:wait()
    end)
    T.eq(ms, 1000, "the task's call ran while the main code waited for its own")
  end, 1)
end)

T.test("parallel: results in order, failures isolated, concurrency honoured", function()
  virtually(function(admin)
    local items = {}
    for i = 1, 12 do items[i] = i end
    local active, peak = 0, 0
    local results, failures
    local ms = virtual_ms(function()
      results, failures = duo.parallel(items, function(i)
        active = active + 1
        if active > peak then peak = active end
        admin:get_users{ limit = 1 }
        active = active - 1
        if i % 5 == 0 then error("item " .. i, 0) end
        return i * 10
      end, { concurrency = 3 })
    end)
    T.eq(peak, 3)
    T.eq(ms, 4000, "12 items, 3 at a time, 1 s each")
    T.eq(#failures, 2)
    T.eq(failures[1].index, 5)
    T.eq(failures[1].error, "item 5")
    T.eq(failures[2].index, 10)
    for i = 1, 12 do T.eq(results[i], i % 5 ~= 0 and i * 10 or nil) end
  end, 1)
end)

T.test("the per-host limit queues transfers", function()
  virtually(function(admin)
    duo.configure{ per_host = 2 }
    local ok, ms = pcall(virtual_ms, function()
      duo.parallel({ 1, 2, 3, 4, 5 }, function() admin:get_users{ limit = 1 } end, { concurrency = 5 })
    end)
    duo.configure{ per_host = 16 }
    T.truthy(ok, tostring(ms))
    T.eq(ms, 3000, "5 requests, 2 at a time")
  end, 1)
  T.raises(function() duo.configure{ per_hots = 1 } end, "unknown option 'per_hots'")
end)

T.test("parallel checks its options", function()
  T.raises(function() duo.parallel({}, print, { concurency = 2 }) end, "unknown option 'concurency'")
  T.raises(function() duo.parallel({}, print, { concurrency = 0 }) end, "concurrency")
  T.raises(function() duo.parallel(nil, print) end, "bad argument #1 to 'parallel'")
  T.raises(function() duo.parallel({}, 42) end, "bad argument #2 to 'parallel'")
  local r, f = duo.parallel({}, print)
  T.eq(#r, 0)
  T.eq(#f, 0)
end)

T.test("tasks wait for tasks; errors come back from wait and result", function()
  local a = duo.spawn(function() duo.sleep(0.05); return "a" end)
  local b = duo.spawn(function() return a:wait() .. "b" end)
  T.eq(b:wait(), "ab")
  local t = duo.spawn(function() error({ code = 7 }) end)
  local ok, e = t:result()
  T.eq(ok, false)
  T.eq(e.code, 7)
  T.raises(function() duo.spawn(function() error("boom", 0) end):wait() end, "^boom$")
  T.raises(function() duo.spawn(42) end, "bad argument #1 to 'spawn'")
end)

T.test("finished tasks whose outcome was seen are not kept", function()
  local alive = setmetatable({}, { __mode = "k" })
  for i = 1, 500 do
    local t = duo.spawn(function() return i end)
    T.eq(t:wait(), i)
    alive[t] = true
  end
  collectgarbage()
  collectgarbage()
  local n = 0
  for _ in pairs(alive) do n = n + 1 end
  T.truthy(n < 200, n .. " of 500 finished tasks are still referenced")
end)

T.test("tasks waiting on each other raise deadlock naming them", function()
  local a, b
  a = duo.spawn(function() return b:wait() end)
  b = duo.spawn(function() return a:wait() end)
  local e = T.raises(function() a:wait() end, "deadlock")
  T.eq(e.kind, "deadlock")
  local text = tostring(e)
  T.truthy(text:find("task #" .. a.id .. " waits for task #" .. b.id, 1, true), text)
  T.truthy(text:find("task #" .. b.id .. " waits for task #" .. a.id, 1, true), text)
  T.eq(a:cancel(), true)
  T.raises(function() b:wait() end, "task cancelled")
end)

T.test("cancelling a task cancels its timer and closes its variables", function()
  local closed = false
  local t = duo.spawn(function()
    local _ <close> = setmetatable({}, { __close = function() closed = true end })
    duo.sleep(3600)
  end)
  duo.sleep(0)
  T.eq(loop.pending(), 1, "the task's timer")
  T.eq(t:cancel(), true)
  T.eq(closed, true)
  T.eq(loop.pending(), 0, "operations left in the loop")
  local e = T.raises(function() t:wait() end, "task cancelled")
  T.eq(e.kind, "cancelled")
  T.eq(t:cancel(), false, "cancelling twice")
end)

T.test("a task cancelled inside duo.parallel cancels the call's workers", function()
  virtually(function(admin)
    local started, finished = 0, 0
    local outer = duo.spawn(function()
      duo.parallel({ 1, 2, 3, 4, 5, 6 }, function()
        started = started + 1
        admin:get_users{ limit = 1 }
        finished = finished + 1
      end, { concurrency = 2 })
    end)
    local ms = virtual_ms(function()
      duo.sleep(0.5)          -- the first two requests are on their way
      T.eq(started, 2)
      outer:cancel()
      duo.sleep(10)           -- time enough for the other four
    end)
    T.eq(ms, 10500)
    T.eq(started, 2, "no worker started after the cancellation")
    T.eq(finished, 0)
  end, 1)
end)

T.test("coroutine functions: stock outside tasks, pass-through inside", function()
  T.truthy(coroutine.resume == stock_resume and coroutine.wrap == stock_wrap,
           "the coroutine library is Lua's own outside tasks")
  virtually(function(admin)
    local t = duo.spawn(function()
      local inside = coroutine.resume ~= stock_resume and coroutine.wrap ~= stock_wrap
      local gen = coroutine.wrap(function()
        for i = 1, 3 do coroutine.yield(i * #admin:get_users{ limit = 1 }) end
      end)
      local co = coroutine.create(function(x)
        local y = coroutine.yield(x + 1)
        return y .. #admin:get_users{ limit = 1 }
      end)
      local _, a = coroutine.resume(co, 1)
      local _, b = coroutine.resume(co, "n")
      return inside, gen() + gen() * 10 + gen() * 100, a, b
    end)
    local inside, s, a, b = t:wait()
    T.eq(inside, true, "the task saw the pass-through versions")
    T.eq(s, 321)
    T.eq(a, 2)
    T.eq(b, "n1")
  end, 1)
  T.truthy(coroutine.resume == stock_resume, "restored after the task")
end)

T.test("coroutine.wrap closes to-be-closed variables on error, in and out of tasks", function()
  local function run()
    local closed = false
    local gen = coroutine.wrap(function()
      local _ <close> = setmetatable({}, { __close = function() closed = true end })
      coroutine.yield(1)
      error("inner", 0)
    end)
    gen()
    local ok, err = pcall(gen)
    return closed, ok, err
  end
  local closed, ok, err = run()
  T.eq(closed, true, "outside a task")
  T.eq(ok, false)
  T.eq(err, "inner")
  closed, ok, err = duo.spawn(run):wait()
  T.eq(closed, true, "inside a task")
  T.eq(ok, false)
  T.eq(err, "inner")
  local pos = duo.spawn(function()
    return select(2, pcall(coroutine.wrap(function() error("where") end)))
  end):wait()
  T.truthy(pos:find("test_tasks.lua:%d+: where"), pos)
end)

T.done()
