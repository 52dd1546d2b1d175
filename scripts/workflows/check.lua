-- check: validates each credential set of a profile against Duo and reports the clock offset
local args = require "workflows.lib.args"
local output = require "workflows.lib.output"
local json = require "duo.json"
local termtext = require "duo.termtext"

local NAME = "check"
local HELP = [[
usage: duo-lua -w check [--profile P | --all-profiles] [--format table|json]

Checks each credential set of the profile against the service before any
real work: Admin (the account summary), Accounts (the child list), Auth
(/auth/v2/check), Device (the active device caches, with the profile's
mkey), and reports this machine's clock offset from Duo's
(the unsigned /auth/v2/ping), and the profile's PSA when it has a `psa`
block (its active companies are read). Keys are checked by shape first: swapped
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

local config = require "duo.config"
local credentials = require "workflows.lib.credentials"

local APIS = credentials.CHECKED

local function check_profile(pname)
  local profile = config.profile(pname)
  local doc = { profile = pname, checks = json.array{} }
  for _, api in ipairs(APIS) do
    local set = profile[api]
    doc.checks[#doc.checks + 1] = set and credentials.check_set(api, set, profile, pname)
      or { api = api, status = "absent", host = json.null, message = "no credentials", hint = json.null }
  end
  if profile.psa then   -- the PSA of section 9: its companies can be read
    local s = profile.psa
    local status, message = require("workflows.lib.psa").check(pname)
    doc.checks[#doc.checks + 1] = { api = "psa", status = status, message = message, hint = json.null,
                                    host = s.site or s.url or s.zone_url or s.kind or json.null }
  end
  doc.clock_offset_s = credentials.clock_offset(profile)
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
    out:write(termtext.format("profile %s: clock offset %s\n", doc.profile,
                            offset == json.null and "unknown" or string.format("%+.1f s", offset)))
    output.table(doc.checks, {
      { key = "api", title = "API" }, { key = "status", title = "STATUS" }, { key = "host", title = "HOST" },
      -- what is wrong and how to fix it is the point of this table: wider cells
      { key = "message", title = "MESSAGE", max_width = 160 }, { key = "hint", title = "HINT", max_width = 160 },
    }, out)
  end
end
finish()
return failed and 1 or 0
