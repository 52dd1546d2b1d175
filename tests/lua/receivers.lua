-- The loopback notification receivers (tests/server/notify_receivers.py)
-- for a test: started with the test's secrets, their ports, and what
-- they got.
--
--   local R = require("receivers").start{ hook_secret = "…", hec_token = "…", smtp_password = "…" }
--   R.PORT.https, R.PORT.syslog_tcp, …   R.BASE (the HTTPS receiver's URL), R.CA
--   R.take(channel, count)   waits for count records (default 1) of a channel
--   R.take_all(channel)      every record, once none has come for 0.7 s
--   R.stop()
local duo = require "duo"

local M = {}

-- tests/, absolute (the tests run duo-lua in other folders too).
local function tests_dir()
  local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
  if here:sub(1, 1) ~= "/" then
    local p = assert(io.popen("pwd"))
    here = p:read("l") .. "/" .. here
    p:close()
  end
  return here .. "/.."
end

function M.start(opts)
  local tests = tests_dir()
  local R = { CERTS = tests .. "/certs", CA = tests .. "/certs/ca.pem", PORT = {} }
  local server = assert(io.popen(string.format(
    "python3 %s/server/notify_receivers.py --certs %s --hook-secret %s --hec-token %s --smtp-user duo "
    .. "--smtp-password %s", tests, R.CERTS, opts.hook_secret, opts.hec_token, opts.smtp_password or "unused")))
  for line in server:lines() do
    local name, port = line:match("^PORT (%S+) (%d+)$")
    if name then R.PORT[name] = port elseif line == "READY" then break end
  end
  assert(R.PORT.https and R.PORT.syslog_tls, "the receivers did not start")
  R.BASE = "https://localhost:" .. R.PORT.https

  local function get(query)
    local status, _, body = duo.http.request{ method = "GET", ca = R.CA, url = R.BASE .. "/take?" .. query }
    assert(status == 200, "the receiver's /take answered " .. tostring(status))
    return body
  end
  function R.take(channel, count)
    return get(string.format("channel=%s&count=%d", channel, count or 1))
  end
  function R.take_all(channel)
    return get(string.format("channel=%s&settle=0.7", channel))
  end
  function R.stop()
    pcall(duo.http.request, { method = "POST", url = R.BASE .. "/quit", ca = R.CA })
    server:close()
  end
  return R
end

return M
