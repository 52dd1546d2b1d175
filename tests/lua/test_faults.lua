-- Acceptance of the transport's resilience (SPEC section 5) against the
-- loopback server answering 30% of Duo requests 429 (Retry-After: 1), 5%
-- 500, 5% 503, and cutting 5% of GETs mid-body (tests/CMakeLists.txt
-- starts it with --faults): a fan-out over 40 children completes with
-- max_backoff = 2, every fault having been met and retried.
local T = require "testing"
local ts = require "testserver"
local duo = require "duo"

local control = ts.client("admin")

T.test("a fan-out over 40 children completes through injected faults", function()
  control:call("POST", "/test/requests/clear")
  local accounts = ts.client("accounts", { max_backoff = 2 })
  local per_child = accounts:each_child(function(child)
    return #child:get_users()
  end, { concurrency = 16 })
  local n = 0
  for id, entry in pairs(per_child) do
    n = n + 1
    T.eq(entry.error, nil, id .. ": " .. tostring(entry.error))
    T.eq(entry.result, 5, id)
  end
  T.eq(n, 40)
  local faults = {}
  for _, e in ipairs(control:call("GET", "/test/requests")) do
    if e.fault then faults[e.fault] = (faults[e.fault] or 0) + 1 end
  end
  for _, kind in ipairs{ "429", "500", "503", "cut" } do
    T.truthy((faults[kind] or 0) > 0, "the server injected " .. kind .. " faults")
  end
end)

T.done()
