-- 1,000 tasks in flight at once: every task starts its request before any
-- answer arrives (the server answers after a delay), and the peak memory
-- of the whole process is read from /proc/self/status at the end.
-- Run by bench_tasks.sh, which starts the loopback test server.
package.path = arg[1] .. "/../lua/?.lua;" .. package.path
local S = require "testserver"
local duo = require "duo"
local loop = require "duo._loop"

local TASKS = tonumber(arg[2]) or 1000
local admin = S.client("admin")

local in_flight, peak_in_flight = 0, 0
local t0 = loop.now_ms()
local tasks = {}
for i = 1, TASKS do
  tasks[i] = duo.spawn(function()
    in_flight = in_flight + 1
    if in_flight > peak_in_flight then peak_in_flight = in_flight end
    local r = admin:call("GET", "/test/echo", { task = i })
    in_flight = in_flight - 1
    return r.query.task[1]
  end)
end
local ok = 0
for i, t in ipairs(tasks) do
  if t:wait() == tostring(i) then ok = ok + 1 end
end
local seconds = (loop.now_ms() - t0) / 1000

local function vm_hwm_kib()
  for line in io.lines("/proc/self/status") do
    local kb = line:match("^VmHWM:%s+(%d+)")
    if kb then return tonumber(kb) end
  end
end
local peak = vm_hwm_kib() / 1024
print(string.format("%d tasks, %d in flight at once, %d answered correctly in %.2f s", TASKS,
                    peak_in_flight, ok, seconds))
print(string.format("peak RSS %.1f MiB (acceptance: <= 64 MiB) %s", peak,
                    peak <= 64 and "ok" or "OVER BUDGET"))
