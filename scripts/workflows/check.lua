-- check: validates each credential set of a profile against Duo and reports the clock offset
local args = require "workflows.lib.args"
local output = require "workflows.lib.output"
local json = require "duo.json"

local NAME = "check"
local HELP = [[
usage: duo-lua -w check [--profile P | --all-profiles] [--format table|json]

Checks each credential set of the profile against the service before any
real work: Admin (the account summary), Accounts (the child list), Auth
(/auth/v2/check), and reports this machine's clock offset from Duo's
(the unsigned /auth/v2/ping). Keys are checked by shape first: swapped
integration and secret keys are named as such and never sent.

  --all-profiles  every profile of the config file
  --format F      table (default) or json
  --output FILE   write the output to FILE instead of standard output
  --profile P     the profile (default: the configured default)
  -h, --help      this text

--format json prints {"profile", "clock_offset_s", "checks": [{"api",
"status": "ok|error|absent", "host", "message", "hint"}]} (an array of
them with --all-profiles). Exit status: 0 when every present set is ok,
1 otherwise, 2 usage error.
]]

local opts, rest = args.parse({
  name = NAME, help = HELP,
  options = { ["all-profiles"] = { flag = true }, format = args.format{ "table", "json" }, output = args.OUTPUT },
}, { ... })
if opts == nil then return rest end

local duo = require "duo"
local config = require "duo.config"

local APIS = { "admin", "accounts", "auth" }
local TYPES = { admin = "Admin API", accounts = "Accounts API", auth = "Auth API" }

-- The call that proves a set of keys works, per API.
local PROBE = {
  admin = function(c) return c:call("GET", "/admin/v1/info/summary") end,
  accounts = function(c) return c:call("POST", "/accounts/v1/account/list") end,
  auth = function(c) return c:call("GET", "/auth/v2/check") end,
}

local function client_for(api, set, profile)
  local o = {}
  for k in pairs(config.TRANSPORT_OPTIONS) do o[k] = profile[k] end
  for k, v in pairs(set) do o[k] = v end
  o.max_retries = 0
  return duo[api](o)
end

-- Which application type a set of keys belongs to, found by trying them
-- on the other APIs (after a 40102); nil when none accepts them.
local function owner_type(api, set, profile)
  for _, other in ipairs(APIS) do
    if other ~= api then
      local ok = pcall(function() PROBE[other](client_for(other, set, profile)) end)
      if ok then return other end
    end
  end
  return nil
end

local function check_set(api, set, profile, pname)
  local r = { api = api, host = set.host or json.null, message = json.null, hint = json.null }
  local problem, message = config.key_problem(set, string.format("profile '%s' %s", pname, api))
  if problem then
    r.status, r.message = "error", message
    r.hint = problem == "swapped" and string.format("in the config, exchange the ikey and skey of %s", api)
             or "copy the integration key from the application's page in the Admin Panel"
    return r
  end
  for _, k in ipairs{ "host", "ikey", "skey" } do
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
  r.message = duo.is_error(err) and tostring(err) or tostring(err):gsub("^[^:]*:%d+: ", "")
  if duo.is_error(err) and err.hint then r.hint = err.hint end
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

-- Seconds this machine's clock is behind Duo's (positive: Duo is ahead).
local function clock_offset(profile)
  for _, api in ipairs(APIS) do
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

local function check_profile(pname)
  local profile = config.profile(pname)
  local doc = { profile = pname, checks = json.array{} }
  for _, api in ipairs(APIS) do
    local set = profile[api]
    doc.checks[#doc.checks + 1] = set and check_set(api, set, profile, pname)
      or { api = api, status = "absent", host = json.null, message = "no credentials", hint = json.null }
  end
  doc.clock_offset_s = clock_offset(profile)
  return doc
end

local names = {}
if opts.all_profiles then
  for _, p in ipairs(config.list()) do names[#names + 1] = p.name end
else
  local _, pname = config.profile()
  names[1] = pname
end

local docs, failed = {}, false
for i, n in ipairs(names) do
  docs[i] = check_profile(n)
  for _, c in ipairs(docs[i].checks) do
    if c.status == "error" then failed = true end
  end
end

local out, finish = output.open(opts.output)
if opts.format == "json" then
  output.json(opts.all_profiles and json.array(docs) or docs[1], out)
else
  for i, doc in ipairs(docs) do
    if i > 1 then out:write("\n") end
    local offset = doc.clock_offset_s
    out:write(string.format("profile %s: clock offset %s\n", doc.profile,
                            offset == json.null and "unknown" or string.format("%+.1f s", offset)))
    output.table(doc.checks, {
      { key = "api", title = "API" }, { key = "status", title = "STATUS" }, { key = "host", title = "HOST" },
      { key = "message", title = "MESSAGE" }, { key = "hint", title = "HINT" },
    }, out)
  end
end
finish()
return failed and 1 or 0
