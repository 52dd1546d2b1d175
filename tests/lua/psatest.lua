-- The loopback PSA servers started by run_with_psa.sh: each kind's psa
-- block (good keys; a bad one on request) and the servers' /test routes.
local duo = require "duo"

local M = {}

M.certs = assert(os.getenv("DUO_TEST_CERTS"), "run under tests/run_with_psa.sh")
M.ca = M.certs .. "/ca.pem"
M.KINDS = { "connectwise", "autotask", "halopsa", "itglue" }

function M.port(kind)
  return assert(os.getenv("PSA_TEST_PORT_" .. kind:upper()), "no PSA server for " .. kind)
end

function M.base(kind)
  return "https://127.0.0.1:" .. M.port(kind)
end

-- The secrets of the servers (tests/server/psa_*.py), and which key of
-- each kind's block a "wrong key" test spoils.
M.SECRETS = { connectwise = "cwPrivateKeyTestSecret01", autotask = "atSecretTestValue0001",
              halopsa = "haloTestClientSecret01", itglue = "ITG.itglueTestApiKey01" }
M.SPOILED = { connectwise = "private_key", autotask = "secret", halopsa = "client_secret", itglue = "api_key" }

function M.settings(kind)
  local s
  if kind == "connectwise" then
    s = { site = "127.0.0.1:" .. M.port(kind), company = "duotest", public_key = "cwPublicKeyTest01",
          private_key = M.SECRETS.connectwise, client_id = "c0ffee00-0000-4000-8000-00000000c001" }
  elseif kind == "autotask" then
    s = { username = "api@duotest.example", secret = M.SECRETS.autotask, integration_code = "ATTESTINTEGRATION0001",
          discovery_url = M.base(kind) .. "/atservicesrest" }
  elseif kind == "halopsa" then
    s = { url = M.base(kind), tenant = "duotest", client_id = "halo-test-client-01",
          client_secret = M.SECRETS.halopsa }
  else
    s = { url = M.base(kind), api_key = M.SECRETS.itglue }
  end
  s.kind = kind
  s.ca = M.ca
  return s
end

-- The psa block as Lua source, for a config file; spoil: give the block's
-- secret a wrong value.
function M.block(kind, spoil)
  local s = M.settings(kind)
  if spoil then s[M.SPOILED[kind]] = "WrongSecretValue9876" end
  local keys, parts = {}, {}
  for k in pairs(s) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do parts[#parts + 1] = string.format("%s = %q", k, s[k]) end
  return "{ " .. table.concat(parts, ", ") .. " }"
end

local function call(kind, method, path, body)
  local status, _, doc = duo.http.request{ method = method, url = M.base(kind) .. path, json = body, ca = M.ca }
  assert(status == 200, string.format("%s %s %s: %s", kind, method, path, tostring(status)))
  return doc
end

function M.expected(kind) return call(kind, "GET", "/test/expected") end
function M.tickets(kind) return call(kind, "GET", "/test/tickets") end
function M.stats(kind) return call(kind, "GET", "/test/stats") end
function M.reset(kind) return call(kind, "POST", "/test/reset", { now = true }) end
function M.throttle(kind, count, seconds)
  return call(kind, "POST", "/test/throttle", { count = count, retry_after = seconds })
end

return M
