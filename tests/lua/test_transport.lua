-- The real libcurl transport against the loopback HTTPS test server:
-- signing on the wire, parameter placement, retries, and every way a
-- request can fail.
local T = require "testing"
local S = require "testserver"
local duo = require "duo"

local SKEYS = {}
for _, k in pairs(S.keys) do SKEYS[#SKEYS + 1] = k.skey end

-- Fails when any secret key appears in s.
local function no_secret(s, what)
  for _, skey in ipairs(SKEYS) do
    T.truthy(not tostring(s):find(skey, 1, true), (what or "output") .. " leaks a secret key")
  end
end

local function api_error(fn)
  local ok, e = pcall(fn)
  T.truthy(not ok, "call should fail")
  T.truthy(duo.is_error(e), "error should be a duo.Error, got " .. tostring(e))
  no_secret(tostring(e), "error message")
  T.truthy(not tostring(e):find("\n"), "error should be one line")
  return e
end

T.test("signed GET puts parameters in the query", function()
  local admin = S.client("admin")
  local r, meta = admin:call("GET", "/test/echo", { b = "x y", a = { "2", "1" }, t = true, n = 42 })
  T.eq(r.method, "GET")
  T.eq(r.sig_version, 5)
  T.eq(r.body, duo.null)
  T.same(r.query, { a = { "1", "2" }, b = { "x y" }, t = { "true" }, n = { "42" } })
  T.eq(meta, nil)
  T.truthy(r.user_agent:find("^duo%-lua/"), "user agent " .. tostring(r.user_agent))
end)

T.test("signed POST sends a sorted JSON body", function()
  local admin = S.client("admin")
  local r = admin:call("POST", "/test/echo", { username = "alice", n = 5, on = false, list = { "a", "b" } })
  T.eq(r.content_type, "application/json")
  T.eq(r.raw_body, '{"list":["a","b"],"n":5,"on":false,"username":"alice"}')
  T.same(r.query, {})
end)

T.test("POST without parameters sends {}", function()
  local r = S.client("admin"):call("POST", "/test/echo")
  T.eq(r.raw_body, "{}")
end)

T.test("PUT, PATCH and DELETE", function()
  local admin = S.client("admin")
  T.eq(admin:call("PUT", "/test/echo", { a = 1 }).raw_body, '{"a":1}')
  T.eq(admin:call("patch", "/test/echo", { a = 1 }).method, "PATCH")
  local d = admin:call("DELETE", "/test/echo", { a = "1" })
  T.same(d.query, { a = { "1" } })
end)

T.test("signature v2: query for GET, form body for POST", function()
  local admin = S.client("admin", { sig_version = 2 })
  local r = admin:call("GET", "/test/echo", { a = "1 2" })
  T.eq(r.sig_version, 2)
  r = admin:call("POST", "/test/echo", { username = "bob", tag = { "x", "y" } })
  T.eq(r.sig_version, 2)
  T.eq(r.content_type, "application/x-www-form-urlencoded")
  T.same(r.form, { tag = { "x", "y" }, username = { "bob" } })
end)

T.test("X-Duo headers are sent and signed", function()
  local r = S.client("admin"):call("GET", "/test/echo", nil, { headers = { ["X-Duo-Trace"] = "t1" } })
  T.same(r.x_duo, { ["x-duo-trace"] = "t1" })
end)

T.test("account_id is added to every request of a child client", function()
  local child = S.client("accounts", { account_id = "DA0123456789ABCDEFGH" })
  local r = child:call("GET", "/admin/v1/echo", { x = "1" })
  T.same(r.query, { account_id = { "DA0123456789ABCDEFGH" }, x = { "1" } })
  r = child:call("POST", "/admin/v1/echo", { x = "1" })
  T.eq(r.raw_body, '{"account_id":"DA0123456789ABCDEFGH","x":"1"}')
  T.truthy(tostring(child):find("DA0123456789ABCDEFGH", 1, true), "tostring names the account")
end)

T.test("paging metadata comes back as the second result", function()
  local users, meta = S.client("admin"):call("GET", "/admin/v1/users", { limit = 10 })
  T.eq(#users, 10)
  T.eq(meta.next_offset, 10)
  T.eq(math.type(meta.total_objects), "integer")
end)

T.test("unsigned ping", function()
  local r = S.client("auth"):call("GET", "/auth/v2/ping", nil, { unsigned = true })
  T.eq(math.type(r.time), "integer")
end)

T.test("connections are reused", function()
  local admin = S.client("admin")
  local a = admin:call("GET", "/test/echo").peer_port
  local b = admin:call("GET", "/test/echo").peer_port
  T.eq(a, b, "client port of the second request")
end)

T.test("429 with Retry-After, then success; every attempt re-signed", function()
  S.clear_requests()
  local r = S.client("admin"):call("GET", "/test/ratelimit", { key = "retry-after", times = 2, retry_after = 1 })
  T.eq(r.attempts, 3)
  local seen = 0
  for _, entry in ipairs(S.requests()) do
    if entry.path == "/test/ratelimit" then
      seen = seen + 1
      T.eq(entry.sig_version, 5, "attempt passed the signature check")
    end
  end
  T.eq(seen, 3)
end)

T.test("429 beyond max_retries is a 42901 error with the attempt count", function()
  local e = api_error(function()
    S.client("admin", { max_retries = 1, max_backoff = 0 }):call("GET", "/test/ratelimit", { key = "give-up", times = 5 })
  end)
  T.eq(e.kind, "api")
  T.eq(e.code, 42901)
  T.eq(e.status, 429)
  T.eq(e.attempts, 2)
  T.truthy(e.hint:find("max_retries"), "hint " .. tostring(e.hint))
end)

T.test("Duo errors: code, message, detail, one-line form", function()
  local e = api_error(function() S.client("admin"):call("GET", "/test/status/40002") end)
  T.eq(e.kind, "api")
  T.eq(e.status, 400)
  T.eq(e.code, 40002)
  T.eq(e.detail, "detail for 40002")
  T.eq(tostring(e), "duo: 40002 Simulated error: detail for 40002 (GET /test/status/40002)")
  e = api_error(function() S.client("admin"):call("GET", "/test/status/40002", { code_as_string = "1" }) end)
  T.eq(e.code, 40002, "a code sent as a string")
end)

T.test("5xx", function()
  local e = api_error(function() S.client("admin", { max_retries = 0 }):call("GET", "/test/status/50001") end)
  T.eq(e.status, 500)
  T.eq(e.code, 50001)
end)

-- Transport resilience (SPEC section 5) -------------------------------------

local function seen(path)
  local n = 0
  for _, entry in ipairs(S.requests()) do
    if entry.path == path then n = n + 1 end
  end
  return n
end

T.test("a GET answered 500, 502, 503 or 504 is retried", function()
  for _, code in ipairs{ 50001, 50201, 50301, 50401 } do
    S.clear_requests()
    local path = "/test/status/" .. code
    local e = api_error(function()
      S.client("admin", { max_retries = 2, max_backoff = 0 }):call("GET", path)
    end)
    T.eq(e.code, code)
    T.eq(e.attempts, 3)
    T.eq(seen(path), 3, "the server saw every attempt")
    T.truthy(tostring(e):find("gave up after 3 attempts", 1, true), tostring(e))
  end
  local e = api_error(function() S.client("admin", { max_backoff = 0 }):call("GET", "/test/status/50101") end)
  T.eq(e.attempts, 1, "501 is not transient")
end)

T.test("a POST answered 500 is not retried, and its error says why", function()
  S.clear_requests()
  local e = api_error(function() S.client("admin", { max_backoff = 0 }):call("POST", "/test/status/50001") end)
  T.eq(e.code, 50001)
  T.eq(e.attempts, 1)
  T.eq(seen("/test/status/50001"), 1)
  T.truthy(tostring(e):find("not retried: the request may have reached Duo", 1, true), tostring(e))
end)

T.test("a GET cut mid-body is retried", function()
  local r = S.client("admin", { max_backoff = 0 }):call("GET", "/test/reset", { key = "cut-twice", times = 2 })
  T.eq(r.attempts, 3)
end)

T.test("a POST that never reached the server is retried", function()
  -- port 1 on loopback: nothing listens, the connection is refused
  local e = api_error(function()
    S.client("admin", { host = "127.0.0.1:1", max_retries = 2, max_backoff = 0 }):call("POST", "/test/echo")
  end)
  T.eq(e.kind, "network")
  T.eq(e.attempts, 3)
end)

T.test("Retry-After is capped by max_backoff", function()
  -- uncapped, the hour would pass the deadline and the call would give up
  local r = S.client("admin", { max_backoff = 1, deadline = 20 }):call("GET", "/test/ratelimit",
    { key = "an-hour", times = 1, retry_after = 3600 })
  T.eq(r.attempts, 2)
end)

T.test("a deadline bounds a call with all its retries", function()
  local e = api_error(function()
    S.client("admin", { timeout = 1, deadline = 2.5, max_backoff = 0 }):call("GET", "/test/stall")
  end)
  T.eq(e.kind, "timeout")
  T.truthy(e.attempts >= 2, "retried within the deadline: " .. e.attempts)
  T.truthy(tostring(e):find("deadline", 1, true), tostring(e))
  T.raises(function() S.client("admin", { deadline = 0 }) end, "'deadline' must be between")
end)

T.test("40102 and 40103 carry hints", function()
  -- Auth API keys on an Admin API path: the classic newcomer mistake
  local e = api_error(function() S.client("auth"):call("GET", "/admin/v1/echo") end)
  T.eq(e.code, 40102)
  T.truthy(e.hint:find("Admin API"), "hint names the application type: " .. tostring(e.hint))
  local wrong = S.client("admin", { skey = "wrongsecret0000000000000000000000000000x" })
  e = api_error(function() wrong:call("GET", "/test/echo") end)
  T.eq(e.code, 40103)
  T.truthy(e.hint:find("secret key"), "hint " .. tostring(e.hint))
  no_secret(tostring(e))
  T.truthy(not tostring(e):find("wrongsecret", 1, true), "the wrong key is not shown either")
end)

T.test("a non-JSON body shows the status and the start of the body", function()
  local e = api_error(function() S.client("admin", { max_retries = 0 }):call("GET", "/test/notjson") end)
  T.eq(e.kind, "http")
  T.eq(e.status, 502)
  T.truthy(tostring(e):find("502 Bad Gateway", 1, true), tostring(e))
end)

T.test("truncated JSON", function()
  local e = api_error(function() S.client("admin"):call("GET", "/test/badjson") end)
  T.eq(e.kind, "http")
  T.eq(e.status, 200)
  T.truthy(tostring(e):find("not JSON"), tostring(e))
end)

T.test("connection reset mid-body", function()
  local e = api_error(function() S.client("admin", { max_retries = 0 }):call("GET", "/test/reset") end)
  T.eq(e.kind, "network")
end)

T.test("a stalled server times out", function()
  local t0 = os.time()
  local e = api_error(function() S.client("admin", { timeout = 1, max_retries = 0 }):call("GET", "/test/stall") end)
  T.eq(e.kind, "timeout")
  T.truthy(tostring(e):find("timeout"), tostring(e))
  T.truthy(os.time() - t0 <= 5, "gave up in time")
end)

T.test("a certificate for another name is refused", function()
  local e = api_error(function() S.client("admin", { listener = "wrongname" }):call("GET", "/test/echo") end)
  T.eq(e.kind, "tls")
end)

T.test("an unknown CA is refused", function()
  local e = api_error(function() S.client("admin", { listener = "untrusted" }):call("GET", "/test/echo") end)
  T.eq(e.kind, "tls")
  T.truthy(tostring(e):find("system"), "suggests ca = system: " .. tostring(e))
end)

T.test("an expired certificate is refused", function()
  local e = api_error(function() S.client("admin", { listener = "expired" }):call("GET", "/test/echo") end)
  T.eq(e.kind, "tls")
end)

T.test("the pinned roots (the default) do not trust the test CA", function()
  local e = api_error(function() S.client("admin", { ca = "pinned" }):call("GET", "/test/echo") end)
  T.eq(e.kind, "tls")
  e = api_error(function() S.client("admin", { ca = "system" }):call("GET", "/test/echo") end)
  T.eq(e.kind, "tls")
end)

T.test("a plain-TCP peer is a TLS failure, not a hang", function()
  local e = api_error(function() S.client("admin", { listener = "raw", timeout = 5 }):call("GET", "/test/echo") end)
  T.truthy(e.kind == "tls" or e.kind == "network", "kind " .. tostring(e.kind))
end)

T.test("a TLS handshake the peer cuts short is a network error, with no CA advice", function()
  local e = api_error(function()
    S.client("admin", { listener = "hangup", max_retries = 0 }):call("GET", "/test/echo")
  end)
  T.eq(e.kind, "network")
  T.truthy(not tostring(e):find("system", 1, true), "no advice to change the trust store: " .. tostring(e))
  -- it never reached the server: even a POST is retried
  e = api_error(function()
    S.client("admin", { listener = "hangup", max_retries = 1, max_backoff = 0 }):call("POST", "/test/echo")
  end)
  T.eq(e.attempts, 2)
end)

T.test("a redirect is reported, never followed", function()
  S.clear_requests()
  local e = api_error(function() S.client("admin", { max_retries = 0 }):call("GET", "/test/redirect") end)
  T.eq(e.kind, "http")
  T.eq(e.status, 302)
  local where = "https://127.0.0.1:" .. S.port("wrongname") .. "/test/echo"
  T.truthy(tostring(e):find("redirect to " .. where, 1, true), tostring(e))
  T.truthy(tostring(e):find("never follows redirects", 1, true), tostring(e))
  T.eq(seen("/test/echo"), 0, "the Authorization header went nowhere else")
end)

T.test("a compressed answer is capped by its inflated size, early", function()
  -- 100 MiB of zeros in about 100 KB of gzip: over the 64 MiB default
  local e = api_error(function() S.client("admin", { max_retries = 0 }):call("GET", "/test/gzipbomb") end)
  T.eq(e.kind, "http")
  T.truthy(tostring(e):find("max_response_bytes", 1, true), tostring(e))
  e = api_error(function()
    S.client("admin", { max_response_bytes = 1048576 }):call("GET", "/test/gzipbomb", { mb = 2 })
  end)
  T.truthy(tostring(e):find("larger than 1048576 bytes", 1, true), tostring(e))
  T.eq(e.attempts, 1, "not retried: the same answer would come back")
  T.raises(function() S.client("admin", { max_response_bytes = 10 }) end, "'max_response_bytes' must be between")
end)

T.test("an unreachable host is a network error", function()
  -- port 1 on loopback: nothing listens there
  local e = api_error(function() S.client("admin", { host = "127.0.0.1:1", max_retries = 0 }):call("GET", "/test/echo") end)
  T.eq(e.kind, "network")
  T.eq(e.host, "127.0.0.1:1")
end)

T.test("an unknown host name is a network error", function()
  local e = api_error(function()
    S.client("admin", { host = "no-such-host.invalid", connect_timeout = 2 }):call("GET", "/test/echo")
  end)
  T.eq(e.kind, "network")
  T.eq(e.attempts, 1, "a name that does not resolve is not retried")
end)

T.test("bad constructor input gives one clear line", function()
  T.raises(function() duo.admin(42) end, "profile name or options table expected, got number")
  T.raises(function() duo.admin{ host = "h", ikey = "i", skey = "s", colour = "red" } end, "unknown option 'colour'")
  T.raises(function() duo.admin{ host = "h", ikey = "i", skey = "s", timeout = "soon" } end, "'timeout' must be a number")
  T.raises(function() duo.admin{ host = "h", ikey = "i", skey = "s", timeout = -1 } end, "'timeout' must be between")
  T.raises(function() duo.admin{ host = "h", ikey = "i", skey = "s", sig_version = 3 } end, "'sig_version' must be 5 or 2")
  T.raises(function() duo.admin{ host = "https://h/", ikey = "i", skey = "s" } end, "host name")
  T.raises(function() duo.admin{ host = "h", ikey = "i", skey = "s", ca = "/no/such.pem" } end, "cannot be read")
  local e = T.raises(function() duo.admin{ host = "h", ikey = "i" } end, "'skey' is missing")
  T.truthy(duo.is_error(e) and e.kind == "config", "a config error")
end)

T.test("bad call arguments are ordinary Lua errors", function()
  local admin = S.client("admin")
  T.raises(function() admin:call(nil, "/x") end, "bad argument #1 to 'call' %(string expected, got nil%)")
  T.raises(function() admin:call("FETCH", "/x") end, "bad argument #1 to 'call'")
  T.raises(function() admin:call("GET", "x") end, "bad argument #2 to 'call'")
  T.raises(function() admin:call("GET", "/x", "a=1") end, "bad argument #3 to 'call' %(table expected, got string%)")
  T.raises(function() admin:call("GET", "/x", { a = { {} } }) end, "parameter 'a' item 1")
  T.raises(function() admin:call("GET", "/x", { a = print }) end, "parameter 'a' must be")
end)

T.test("no secret in tostring(client) or its fields", function()
  local admin = S.client("admin")
  no_secret(tostring(admin), "tostring(client)")
  for k, v in pairs(admin) do
    no_secret(tostring(k) .. "=" .. tostring(v), "client field")
  end
  no_secret(tostring(admin._session), "tostring(session)")
  T.truthy(type(getmetatable(admin._session)) == "string", "session metatable is hidden")
end)

T.done()
