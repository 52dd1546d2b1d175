-- Clients for the loopback test server started by run_with_server.sh.
local duo = require "duo"

local M = {}

M.certs = assert(os.getenv("DUO_TEST_CERTS"), "run under tests/run_with_server.sh")
M.ca = M.certs .. "/ca.pem"

M.keys = {
  admin = { ikey = "DIADMINTESTIKEY00001", skey = "adminsecretkey0000000000000000000000000a" },
  accounts = { ikey = "DIACCOUNTSTESTIKEY01", skey = "accountssecretkey00000000000000000000000" },
  auth = { ikey = "DIAUTHTESTIKEY000001", skey = "authsecretkey00000000000000000000000000x" },
  device = { ikey = "DIDEVICETESTIKEY0001", skey = "devicesecretkey000000000000000000000000d" },
}

function M.port(listener)
  return assert(os.getenv("DUO_TEST_PORT_" .. (listener or "good"):upper()), "no port for " .. tostring(listener))
end

-- M.client("admin", { listener = "good", ...more options })
function M.client(api, opts)
  opts = opts or {}
  local o = { host = "127.0.0.1:" .. M.port(opts.listener), ca = M.ca,
              ikey = M.keys[api].ikey, skey = M.keys[api].skey }
  for k, v in pairs(opts) do
    if k ~= "listener" then o[k] = v end
  end
  if o.host == false then o.host = nil end
  return duo[api](o)
end

-- The server's log of the requests it saw (newest last).
function M.requests()
  local c = M.client("admin")
  local r = c:call("GET", "/test/requests")
  return r.requests or r
end

-- The writes (not GETs) to the Admin API among them (the Accounts API's
-- POST account/list is a read).
function M.admin_writes()
  local list = {}
  for _, r in ipairs(M.requests()) do
    if r.method ~= "GET" and r.path:find("^/admin/") then list[#list + 1] = r end
  end
  return list
end

function M.clear_requests()
  M.client("admin"):call("POST", "/test/requests/clear")
end

return M
