-- Keeping to Duo's rate limit of log requests (the "logs" class: 2 a
-- minute per account, Trust Monitor included) instead of running into its
-- 429s: the rate in force, and a pacer per child account.
--
--   local pace = require "workflows.lib.pace"
--   local rate = pace.logs_rate()            -- per minute; nil: no limit (a sandbox without rate limits)
--   local wait = pace.window(rate)           -- per child: wait() before each log request
local duo = require "duo"
local host = require "workflows.lib.host"

local M = {}

M.DUO_LOGS_RATE = 2

-- The log requests a minute per account to keep to: Duo's, or the
-- running sandbox's own limit (none when it has no rate limits).
function M.logs_rate()
  local sb = host.sandbox()
  if sb then return sb.rate_limits and sb.rate_limits.logs or nil end
  return M.DUO_LOGS_RATE
end

-- A pacer that lets at most `rate` calls start in any minute (on the
-- loop's clock, virtual under the sandbox): the calls Duo allows at once
-- go at once, the next one when the first leaves the minute.
function M.window(rate)
  local starts = {}
  return function()
    if rate == nil then return end
    local n = math.max(1, math.floor(rate))
    if #starts >= n then
      local wait = starts[#starts - n + 1] + 60000 - host.now_ms()
      if wait > 0 then duo.sleep(wait / 1000 + 0.05) end
    end
    starts[#starts + 1] = host.now_ms()
  end
end

return M
