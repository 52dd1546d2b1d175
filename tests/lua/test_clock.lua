-- A local clock far from the server's (the server runs an hour ahead):
-- the first 40105 makes the client measure the difference with the
-- unsigned ping and date its requests by the server's clock.
local T = require "testing"
local S = require "testserver"
local loop = require "duo._loop"

T.test("40105 corrects the clock once and the call succeeds", function()
  S.clear_requests()
  T.eq(loop.clock_offset(), 0)
  local admin = S.client("admin")
  T.eq(admin:call("GET", "/test/echo", { a = "1" }).query.a[1], "1")
  local offset = loop.clock_offset()
  T.truthy(math.abs(offset - 3600) <= 2, "offset " .. offset)
  local codes, pings = {}, 0
  for _, r in ipairs(S.requests()) do
    if r.path == "/auth/v2/ping" then pings = pings + 1 end
    if r.path == "/test/echo" then codes[#codes + 1] = r.code or r.status end
  end
  T.eq(pings, 1)
  T.eq(#codes, 2, "the refused request and its retry")
  T.eq(codes[1], 40105)
  -- later requests are dated right away
  S.clear_requests()
  admin:call("GET", "/test/echo")
  T.eq(#S.requests(), 1)
end)

T.done()
