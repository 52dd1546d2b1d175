-- The fault matrix (issue 14): each misbehaviour of a server ends in its
-- documented error, of the documented kind, within its time bound (the
-- call's own timeout: nothing here sleeps). The faults are the test
-- server's /test/reset, /test/stall, /test/notjson and /test/hostile/*
-- routes (tests/server/hostile.py).
local T = require "testing"
local ts = require "testserver"
local loop = require "duo._loop"
local paging = require "duo.paging"

-- One attempt per call: the retries of transient faults (SPEC section 5)
-- are tested in test_transport.lua and test_faults.lua; here each fault's
-- own error is.
local admin = ts.client("admin", { max_retries = 0 })

-- Runs fn, which must raise a duo.Error; checks its kind, that its message
-- matches pattern, and that it came within bound_s seconds (loop time).
local function fault(bound_s, kind, pattern, fn)
  local t0 = loop.now_ms()
  local ok, e = pcall(fn)
  local took = (loop.now_ms() - t0) / 1000
  T.truthy(not ok, "expected an error matching " .. pattern)
  T.eq(type(e), "table", "a duo.Error: " .. tostring(e))
  T.eq(e.kind, kind, tostring(e))
  T.truthy(tostring(e):find(pattern), string.format("%q does not match %q", tostring(e), pattern))
  T.truthy(took <= bound_s, string.format("took %.1f s, more than %d s", took, bound_s))
  T.truthy(not tostring(e):find("[%c\128-\255]"), "no raw control or non-ASCII bytes: " .. tostring(e))
  return e
end

T.test("reset mid-body: a network error", function()
  fault(10, "network", "network error", function() admin:call("GET", "/test/reset") end)
end)

T.test("truncated body (FIN before Content-Length): a network error", function()
  fault(10, "network", "network error", function() admin:call("GET", "/test/hostile/truncated") end)
end)

T.test("a body dripping one byte at a time: a timeout within the timeout", function()
  local c = ts.client("admin", { timeout = 2, max_retries = 0 })
  fault(6, "timeout", "timeout", function() c:call("GET", "/test/hostile/drip") end)
end)

T.test("a silent server: a timeout within the timeout", function()
  local c = ts.client("admin", { timeout = 1, max_retries = 0 })
  fault(5, "timeout", "timeout", function() c:call("GET", "/test/stall") end)
end)

T.test("HTTP/1.0 without Content-Length: read to the close", function()
  local r = admin:call("GET", "/test/hostile/http10")
  T.eq(r.http, "1.0")
  fault(10, "http", "response is not JSON %(unexpected end of input at byte %d+%)",
        function() admin:call("GET", "/test/hostile/http10", { mode = "cut" }) end)
end)

T.test("stat FAIL under HTTP 200: an api error with its code", function()
  local e = fault(10, "api", "40002 Invalid request parameters: limit",
                  function() admin:call("GET", "/test/hostile/statfail") end)
  T.eq(e.status, 200)
  T.eq(e.code, 40002)
end)

T.test("a FAIL message with terminal escapes is shown escaped", function()
  local e = fault(10, "api", "40002 Invalid\\x1b%[2J request\\x07: limit\\xc2\\x9b31m next",
                  function() admin:call("GET", "/test/hostile/statfail", { mode = "bytes" }) end)
  T.eq(e.message, "Invalid\27[2J request\7", "the field itself keeps the server's text")
end)

T.test("not JSON: the status and the start of the body, escaped", function()
  local e = fault(10, "http", "HTTP 502 .*response is not JSON %(unexpected character at byte 0%): \"<html>",
                  function() admin:call("GET", "/test/notjson") end)
  T.truthy(tostring(e):find("502 Bad Gateway", 1, true), tostring(e))
end)

-- issue 14, finding 7: the message copied the server's bytes to the terminal
T.test("control bytes from the server are escaped in the message", function()
  local e = fault(10, "http", "not JSON", function() admin:call("GET", "/test/hostile/controlbytes") end)
  local text = tostring(e)
  T.truthy(text:find([["\x1b[2J\x1b]0;owned\x07 gateway \x9b31m error\x00 end"]], 1, true), text)
end)

-- issue 14, finding 7: a 100k-deep answer said "not JSON"
T.test("a 100,000-deep answer says nesting too deep, not 'not JSON'", function()
  local e = fault(10, "http", "nested too deeply %(nesting too deep at byte %d+; the limit is 1000 levels%)",
                  function() admin:call("GET", "/test/hostile/deep", { depth = 100000 }) end)
  T.truthy(not tostring(e):find("not JSON", 1, true), tostring(e))
end)

-- issue 14, finding 1: a repeated next_offset made paging loop forever
T.test("a next_offset that does not advance stops paging, naming the path", function()
  local n = 0
  fault(10, "http", "paging stopped: the server's next_offset 5 does not advance past 5 %(GET /test/hostile/pages%)",
        function() for _ in admin:each("/test/hostile/pages", { mode = "repeat" }) do n = n + 1 end end)
  T.eq(n, 1, "the first page's record came through (the offset went 0 -> 5, then 5 -> 5)")
end)

T.test("a next_offset that creeps forever is stopped by the total_objects ceiling", function()
  local n = 0
  fault(20, "http", "paging stopped: 17 pages for 3 objects %(total_objects%) is more than the 16 allowed",
        function() for _ in admin:each("/test/hostile/pages", { mode = "creep" }) do n = n + 1 end end)
  T.eq(n, 16)
end)

T.test("paging stopped errors name the status, never 'HTTP nil'", function()
  local e = fault(10, "http", "^duo: HTTP 200: paging stopped",
                  function() for _ in admin:each("/test/hostile/pages", { mode = "repeat" }) do end end)
  T.eq(e.status, 200)
  T.truthy(not tostring(require("duo.error").new{ kind = "http", message = "x" }):find("nil", 1, true),
           "an http error built without a status")
end)

T.test("a cursor that repeats stops paging", function()
  local request = { verb = "GET", path = "/test/hostile/cursor", params = {} }
  fault(10, "http", 'paging stopped: the server sent the cursor %(metadata.next_offset%) %["1700000000000","same"%] twice',
        function() for _ in paging.cursor_stream(admin, request, "items", 10, "next_offset") do end end)
end)

T.test("a logs v1 page that does not move the time on stops paging", function()
  local request = { verb = "GET", path = "/test/hostile/logs_v1", params = { mintime = 100 } }
  fault(10, "http", "paging stopped: the server's mintime %(latest timestamp %+ 1%) 6 does not advance past 100",
        function() for _ in paging.logs_v1_stream(admin, request) do end end)
end)

-- issue 24, item 7: a 200 whose response is not a listing's answer, or
-- with no stat, is an http error naming the status in every kind of paging
-- (it was "duo/paging.lua:61: attempt to index a string value").
T.test("a listing answered with a string, a number, nothing or no stat: an http error", function()
  local streams = {
    offset = function(mode) for _ in admin:each("/test/hostile/shape", { mode = mode }) do end end,
    cursor = function(mode)
      local request = { verb = "GET", path = "/test/hostile/shape", params = { mode = mode } }
      for _ in paging.cursor_stream(admin, request, "items", 10, "next_offset") do end
    end,
    logs_v1 = function(mode)
      local request = { verb = "GET", path = "/test/hostile/shape", params = { mode = mode, mintime = 100 } }
      for _ in paging.logs_v1_stream(admin, request) do end
    end,
  }
  local want = {
    string = 'HTTP 200: paging stopped: the answer\'s response is a string %("oops"%), not a list of records',
    number = 'HTTP 200: paging stopped: the answer\'s response is a number %("42"%), not a list of records',
    noresponse = "HTTP 200: paging stopped: the answer's response is missing, not a list of records",
    nostat = 'HTTP 200 from [^:]+:%d+: the answer has no "stat"',
  }
  for name, run in pairs(streams) do
    for mode, pattern in pairs(want) do
      local e = fault(10, "http", pattern, function() run(mode) end)
      T.eq(e.status, 200, name .. " " .. mode)
      T.truthy(not tostring(e):find("attempt to", 1, true), tostring(e))
    end
  end
  for name, run in pairs{ offset = streams.offset, cursor = streams.cursor } do
    local e = fault(10, "http", 'HTTP 200: paging stopped: response.items is a string %("oops"%)',
                    function() run("items") end)
    T.eq(e.status, 200, name)
  end
  -- a single call with no stat is the same kind of error
  fault(10, "http", 'HTTP 200 .*no "stat"', function() admin:call("GET", "/test/hostile/shape", { mode = "nostat" }) end)
end)

-- issue 24, item 7: ca = "/dev/null" got the TLS-inspection hint
T.test("an unusable CA file is named as such, not as TLS inspection", function()
  for _, path in ipairs{ "/dev/null", ts.certs .. "/server.key" } do
    local ok, e = pcall(ts.client, "admin", { ca = path, max_retries = 0 })
    T.truthy(not ok, path .. " accepted")
    T.truthy(tostring(e):find("ca file '" .. path .. "' holds no PEM certificate", 1, true), tostring(e))
    T.truthy(not tostring(e):find("inspection", 1, true), tostring(e))
  end
  local bad = os.tmpname()
  local f = assert(io.open(bad, "w"))
  f:write("-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n")
  f:close()
  local c = ts.client("admin", { ca = bad, max_retries = 0 })
  local e = fault(10, "tls", "the 'ca' file holds no certificate curl can use",
                  function() c:call("GET", "/admin/v1/info/summary") end)
  T.truthy(not tostring(e):find("inspection", 1, true), tostring(e))
  os.remove(bad)
  -- a real CA that did not sign the server still gets the inspection hint
  c = ts.client("admin", { ca = ts.certs .. "/unknown-ca.pem", max_retries = 0 })
  fault(10, "tls", "behind TLS inspection%?", function() c:call("GET", "/admin/v1/info/summary") end)
end)

T.done()
