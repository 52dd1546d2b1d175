-- Checking credential sets against Duo, for the check and configure
-- workflows: by shape first (swapped keys are never sent), then with one
-- call per API; after a 40102, which application type the keys belong to.
local duo = require "duo"
local config = require "duo.config"
local json = require "duo.json"

local M = {}

-- The sets whose keys identify an application type (tried on each other
-- after a 40102); the sets check validates and configure writes.
M.APIS = { "admin", "accounts", "auth" }
M.CHECKED = { "admin", "accounts", "auth", "device" }
local TYPES = { admin = "Admin API", accounts = "Accounts API", auth = "Auth API", device = "Device API" }
-- The fields each set needs: the Device API's also its management system key.
local REQUIRED = { "host", "ikey", "skey" }
M.FIELDS = { admin = REQUIRED, accounts = REQUIRED, auth = REQUIRED, device = { "host", "ikey", "skey", "mkey" } }

-- The call that proves a set of keys works, per API. The Device API has no
-- ping or check: listing the active caches proves keys, signature and mkey.
local PROBE = {
  admin = function(c) return c:call("GET", "/admin/v1/info/summary") end,
  accounts = function(c) return c:call("POST", "/accounts/v1/account/list") end,
  auth = function(c) return c:call("GET", "/auth/v2/check") end,
  device = function(c) return c:get_device_caches("active") end,
}

local function client_for(api, set, profile)
  local o = {}
  for k in pairs(config.TRANSPORT_OPTIONS) do o[k] = profile[k] end
  for k, v in pairs(set) do o[k] = v end
  o.max_retries = 0
  return duo[api](o)
end

-- Which application type a set of keys belongs to, found by trying them
-- on the other APIs; nil when none accepts them.
local function owner_type(api, set, profile)
  for _, other in ipairs(M.APIS) do
    if other ~= api then
      local ok = pcall(function() PROBE[other](client_for(other, set, profile)) end)
      if ok then return other end
    end
  end
  return nil
end

-- { api, status = "ok"|"error", host, message, hint } for one set.
function M.check_set(api, set, profile, pname)
  local r = { api = api, host = set.host or json.null, message = json.null, hint = json.null }
  local problem, message = config.key_problem(set, string.format("profile '%s' %s", pname, api))
  if problem then
    r.status, r.message = "error", message
    r.hint = problem == "swapped" and string.format("in the config, exchange the ikey and skey of %s", api)
             or "copy the integration key from the application's page in the Admin Panel"
    return r
  end
  for _, k in ipairs(M.FIELDS[api]) do
    if set[k] == nil or set[k] == "" then
      r.status, r.message = "error", string.format("%s has no %s", api, k)
      return r
    end
  end
  local ok, err = pcall(function() PROBE[api](client_for(api, set, profile)) end)
  if ok then
    r.status, r.message = "ok", "ok"
    return r
  end
  r.status = "error"
  if duo.is_error(err) then
    -- the hint goes in its own field, not again at the end of the message
    local hint = err.hint
    err.hint = nil
    r.message, r.hint = tostring(err), hint or json.null
    err.hint = hint
  else
    r.message = (tostring(err):gsub("^[^:]*:%d+: ", ""))
  end
  if duo.is_error(err) and err.code == 40102 then
    local other = owner_type(api, set, profile)
    if other then
      r.hint = string.format("these keys belong to an %s application, not an %s one: put them under %s in the "
                             .. "profile", TYPES[other], TYPES[api], other)
    else
      r.hint = string.format("the integration key is unknown to %s, or not an %s application", set.host, TYPES[api])
    end
  end
  return r
end

-- Seconds Duo's clock is ahead of this machine's, from the unsigned ping
-- on the profile's first host (json.null when no host answers).
function M.clock_offset(profile)
  for _, api in ipairs(M.APIS) do
    local set = profile[api]
    if set and set.host and not config.key_problem(set, "") then
      local ok, res = pcall(function()
        local o = { host = set.host, ikey = "DIPINGPINGPINGPINGPI", skey = string.rep("0", 40), max_retries = 0 }
        for k in pairs(config.TRANSPORT_OPTIONS) do if profile[k] ~= nil then o[k] = profile[k] end end
        for k, v in pairs(set) do if config.TRANSPORT_OPTIONS[k] then o[k] = v end end
        local before = os.time()
        local r = duo.auth(o):ping()
        return r.time - (before + os.time()) / 2
      end)
      if ok and type(res) == "number" then return res end
    end
  end
  return json.null
end

return M
