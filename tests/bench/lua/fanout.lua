-- Fan-out: the users of every child account, listed concurrently, against
-- the loopback test server answering each request after a fixed delay.
-- Run by tests/bench/bench_fanout.sh, which starts the server with the children.
package.path = arg[1] .. "/../lua/?.lua;" .. package.path
local S = require "testserver"
local duo = require "duo"
local loop = require "duo._loop"

local CONCURRENCY = tonumber(arg[2]) or 16
local LATENCY_MS = tonumber(arg[3]) or 50
local PAGE = tonumber(arg[4]) or 100
local accounts = S.client("accounts")

local function run(label, page_size)
  local t0 = loop.now_ms()
  local children = accounts:children(true)
  local per_child = accounts:each_child(function(child)
    local n = 0
    if page_size then
      for _ in child:each("/admin/v1/users", { limit = page_size }) do n = n + 1 end
    else
      n = #child:get_users()
    end
    return n
  end, { concurrency = CONCURRENCY, progress = false })
  local seconds = (loop.now_ms() - t0) / 1000
  local users, failed = 0, 0
  for _, r in pairs(per_child) do
    if r.error then failed = failed + 1 else users = users + r.result end
  end
  local per = users // #children
  local pages = page_size and math.ceil(per / page_size) or math.ceil(per / 300)
  -- the latency bound: pages one after another per child, children spread
  -- over the slots, plus the one call that lists the children
  local rounds = math.ceil(#children / CONCURRENCY)
  local bound = (rounds * pages + 1) * LATENCY_MS / 1000
  print(string.format("%-28s %d children, %d users, %d failed: %.3f s; bound %.3f s (%d x %d pages x %d ms + list); "
                      .. "ratio %.2f (acceptance: <= 1.5) %s",
                      label, #children, users, failed, seconds, bound, rounds, pages, LATENCY_MS, seconds / bound,
                      seconds / bound <= 1.5 and "ok" or "OVER BUDGET"))
end

run(string.format("pages of %d:", PAGE), PAGE)
run("get_users() (pages of 300):", nil)
