-- The loopback notification receivers (tests/server/notify_receivers.py),
-- started by the test that requires this: a webhook that checks the HMAC
-- signature, Splunk HEC, Teams, Slack, SMTP (STARTTLS, smtps, plain) and
-- syslog (UDP, TCP, TLS); and what each of them got.
--
--   local R = require "receivers"
--   R.PORT.https, R.BASE, R.CA, R.SECRET.hook
--   local got = R.take("webhook", 2)          -- waits (up to 10 s) for 2 records
--   local none = R.take("webhook", 100, 0.5)  -- whatever came within half a second
--   R.stop()
local duo = require "duo"

local M = {}

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
if here:sub(1, 1) ~= "/" then   -- absolute, for config files of processes run elsewhere
  local p = assert(io.popen("cd " .. here .. " && pwd"))
  here = p:read("l")
  p:close()
end
M.CERTS = here .. "/../certs"
M.CA = M.CERTS .. "/ca.pem"
-- The receivers' secrets (tests/secret_scan.sh reads these lines and
-- looks for them in every test's output).
M.SECRET = {
  hook = "hook-secret-7f3a9c41d2e8",   -- notify secret
  hec = "hec-token-51d0e2aa9c03b7",   -- notify secret
  smtp = "smtp-pass-c4b8d913ee5a0f",   -- notify secret
  slack = "slack-path-token-9e21d4c7",   -- notify secret
  teams = "teams-sig-0b7d55a1f38e92",   -- notify secret
}

local server = assert(io.popen(string.format(
  "python3 %s/../server/notify_receivers.py --certs %s --hook-secret %s --hec-token %s --smtp-user duo "
  .. "--smtp-password %s", here, M.CERTS, M.SECRET.hook, M.SECRET.hec, M.SECRET.smtp)))
M.PORT = {}
for line in server:lines() do
  local name, port = line:match("^PORT (%S+) (%d+)$")
  if name then M.PORT[name] = port elseif line == "READY" then break end
end
assert(M.PORT.https and M.PORT.syslog_tls, "the receivers did not start")
M.BASE = "https://localhost:" .. M.PORT.https

-- What the receivers got on a channel: waits (up to `wait` seconds,
-- default 10) for count records.
function M.take(channel, count, wait)
  local status, _, body = duo.http.request{ method = "GET", ca = M.CA,
    url = string.format("%s/take?channel=%s&count=%d&wait=%s", M.BASE, channel, count or 1, tostring(wait or 10)) }
  assert(status == 200, "the receiver's /take answered " .. tostring(status))
  return body
end

-- Every record a receiver got on a channel, once none has come for 0.7 s.
function M.take_all(channel)
  local status, _, body = duo.http.request{ method = "GET", ca = M.CA,
    url = string.format("%s/take?channel=%s&settle=0.7", M.BASE, channel) }
  assert(status == 200, "the receiver's /take answered " .. tostring(status))
  return body
end

function M.stop()
  pcall(duo.http.request, { method = "POST", url = M.BASE .. "/quit", ca = M.CA })
  server:close()
end

return M
