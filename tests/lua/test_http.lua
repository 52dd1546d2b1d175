-- duo.http (SPEC section 9) against a real HTTPS server on loopback
-- (tests/server/http_echo.py): statuses returned, JSON decoded, headers
-- read, retries of reads, TLS always verified, misuse refused by name,
-- --dry-run and --trace that send no write and show no header or query.
local T = require "testing"
local duo = require "duo"

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local CERTS = here .. "/../certs"
local DUO_LUA = arg[-1]

local server = assert(io.popen(string.format("python3 %s/../server/http_echo.py --certs %s", here, CERTS)))
local port = server:read("l"):match("^PORT (%d+)$")
assert(port, "the echo server did not start")
local BASE = "https://localhost:" .. port
local CA = CERTS .. "/ca.pem"

local function get(path, extra)
  local req = { method = "GET", url = BASE .. path, ca = CA, max_backoff = 0 }
  for k, v in pairs(extra or {}) do req[k] = v end
  return duo.http.request(req)
end

T.test("a JSON answer is decoded; headers come back with lower-case names, repeats joined", function()
  local status, headers, body = duo.http.request{ method = "POST", url = BASE .. "/echo?page=2", ca = CA,
                                                  headers = { ["X-Api-Key"] = "k" }, json = { n = 5, list = {} } }
  T.eq(status, 200, "status")
  T.eq(headers["x-echo"], "a, b", "a repeated header")
  T.eq(body.method, "POST", "method")
  T.eq(body.query, "page=2", "query sent as given")
  T.eq(body.headers["x-api-key"], "k", "the caller's header")
  T.eq(body.headers["content-type"], "application/json", "json sets the Content-Type")
  T.same(duo.json.decode(body.body), { n = 5, list = {} }, "the JSON body")
end)

T.test("any HTTP status is returned, not raised; a text body stays text", function()
  local status, _, body = get("/status/404")
  T.eq(status, 404, "status")
  T.eq(body, "status 404", "body")
end)

T.test("a read is retried through 503s and a 429; a write is not", function()
  local status, _, body = get("/flaky/2")
  T.eq(status, 200, "after two 503s")
  T.eq(body.attempt, 3, "the third attempt answered")
  T.eq((get("/throttle")), 200, "after the 429")
  local s = duo.http.request{ method = "POST", url = BASE .. "/flaky/1", ca = CA, max_backoff = 0 }
  T.eq(s, 503, "a POST that reached the server is not sent again")
end)

T.test("reads inside tasks run at once on the loop", function()
  local results = duo.parallel({ 1, 2, 3, 4 }, function(i)
    local _, _, body = get("/echo?i=" .. i)
    return body.query
  end)
  T.same(results, { "i=1", "i=2", "i=3", "i=4" }, "each task's answer")
end)

T.test("TLS is verified: a server outside the trust store is a tls error", function()
  local e = T.raises(function() get("/echo", { ca = "system" }) end, "tls error")
  T.eq(e.kind, "tls", "kind")
  T.eq(e.host, "localhost:" .. port, "host")
  T.eq(e.path, "/echo", "path without the query")
end)

T.test("misuse is refused by name", function()
  T.raises(function() duo.http.request{ method = "GET", url = "http://localhost/" } end, "must be an https:// URL")
  T.raises(function() duo.http.request{ method = "FETCH", url = BASE } end, "'method' must be")
  T.raises(function() duo.http.request{ method = "GET", url = BASE, colour = 1 } end, "unknown option 'colour'")
  T.raises(function() duo.http.request{ method = "GET", url = BASE, headers = { ["X-A"] = "1\r\nX-B: 2" } } end,
           "one line")
  T.raises(function() duo.http.request{ method = "POST", url = BASE, body = "a", json = {} } end, "not both")
end)

-- Runs a chunk in a child duo-lua with options; returns stdout and stderr.
local function run(options, chunk)
  local script, errfile = os.tmpname(), os.tmpname()
  local f = assert(io.open(script, "w"))
  f:write(chunk)
  f:close()
  local p = assert(io.popen(string.format("%s %s %s 2>%s", DUO_LUA, options, script, errfile)))
  local out = p:read("a")
  p:close()
  local ef = assert(io.open(errfile))
  local err = ef:read("a")
  ef:close()
  os.remove(script); os.remove(errfile)
  return out, err
end

local CHUNK = string.format([[
local duo = require "duo"
local ca, base = %q, %q
print(duo.http.request{ method = "POST", url = base .. "/echo?token=query-secret", ca = ca,
                        headers = { Authorization = "Bearer header-secret" }, body = "x" })
local s = duo.http.request{ method = "GET", url = base .. "/echo?token=query-secret", ca = ca,
                            headers = { Authorization = "Bearer header-secret" } }
print(s)
]], CA, BASE)

T.test("--dry-run prints a write and sends nothing; reads still go", function()
  local out, err = run("--dry-run", CHUNK)
  T.eq(out, "nil\n200\n", "the write returned nil, the read 200")
  T.truthy(err:find("dry-run: POST https://localhost:" .. port .. "/echo (1 bytes of body)", 1, true), err)
  T.truthy(not err:find("secret", 1, true), "no header or query value: " .. err)
end)

T.test("--trace shows host and path, never a header or a query value", function()
  local _, err = run("--trace", CHUNK)
  T.truthy(err:find("POST localhost:" .. port .. " /echo", 1, true), err)
  T.truthy(err:find("GET localhost:" .. port .. " /echo", 1, true), err)
  T.truthy(not err:find("secret", 1, true), "no header or query value: " .. err)
end)

pcall(duo.http.request, { method = "POST", url = BASE .. "/quit", ca = CA })
server:close()
T.done()
