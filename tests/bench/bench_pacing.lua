-- Pacing (SPEC section 5, issue 9): a fan-out that asks more of each child
-- account than Duo's rate limits allow, on the sandbox with rate_limits =
-- true (virtual time). Each child answers 300 single-record reads a minute
-- ("one" class), and gets CALLS of them, 16 at a time; the sandbox's window
-- lets the first 300 through at once, so the bound is (CALLS / 300 - 1)
-- minutes. Reports the requests sent, the 429s and the elapsed (virtual)
-- time against that bound. Aim: 429s under 5% of requests, time within
-- 1.2x the bound.
--   duo-lua tests/bench/bench_pacing.lua [CHILDREN [CALLS]]
local duo = require "duo"
local ok, loop = pcall(require, "duo._loop")
if not ok then loop = require "duo.core" end

local CHILDREN = tonumber(arg and arg[1]) or 4
local CALLS = tonumber(arg and arg[2]) or 600
local PER_MINUTE = 300

local sb = duo.sandbox(nil, { rate_limits = true })
local accounts = duo.accounts()
local chosen, ids = {}, {}
for _, child in ipairs(accounts:children()) do
  if #chosen < CHILDREN then
    local users = accounts:child(child.account_id):get_users()
    if #users > 0 then
      chosen[child.account_id] = true
      ids[child.account_id] = users
      chosen[#chosen + 1] = child.account_id
    end
  end
end
sb:clear_log()

local t0 = loop.now_ms()
local per_child = accounts:each_child(function(child, account)
  if not chosen[account.account_id] then return 0 end
  local users = ids[account.account_id]
  local items = {}
  for i = 1, CALLS do items[i] = users[(i - 1) % #users + 1].user_id end
  local _, failures = duo.parallel(items, function(id) return child:get_user_by_id(id) end,
                                   { concurrency = 16, progress = false })
  return #failures
end, { concurrency = 16, progress = false })
local seconds = (loop.now_ms() - t0) / 1000

local failed = 0
for _, r in pairs(per_child) do
  if r.error or r.result > 0 then failed = failed + 1 end
end
local requests, throttled = 0, 0
for _, e in ipairs(sb:log()) do
  if e.path:find("^/admin/v1/users/") then
    requests = requests + 1
    if e.status == 429 then throttled = throttled + 1 end
  end
end
local bound = (math.ceil(CALLS / PER_MINUTE) - 1) * 60
local share, ratio = throttled / requests, seconds / bound
print(string.format("pacing: %d children x %d reads (limit %d/min each), 16 at a time: %d requests, %d 429s (%.1f%%), "
                    .. "%d children failed; %.1f s (virtual) against a bound of %d s: ratio %.2f",
                    #chosen, CALLS, PER_MINUTE, requests, throttled, 100 * share, failed, seconds, bound, ratio))
print(string.format("aim: 429s < 5%% of requests %s; time <= 1.2x the bound %s",
                    share < 0.05 and "ok" or "OVER BUDGET", ratio <= 1.2 and "ok" or "OVER BUDGET"))
