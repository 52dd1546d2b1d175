-- configure: asks for a profile's credential sets, checks them, and writes the config file (mode 600)
local args = require "workflows.lib.args"
local credentials = require "workflows.lib.credentials"
local host = require "workflows.lib.host"
local output = require "workflows.lib.output"
local file = host.file
local errors = require "duo.error"
local json = require "duo.json"
local termtext = require "duo.termtext"

local NAME = "configure"
local HELP = [[
usage: duo-lua -w configure [--profile P] [--admin-host H --admin-ikey I --admin-skey S] ...

Writes one profile into the config file (-c F, $DUO_LUA_CONFIG, else
$XDG_CONFIG_HOME/duo-lua/config.lua), keeping every other profile. Each
credential set (admin, accounts, auth, device) comes from the flags, or is
asked for on the terminal (the secret key without echo; Enter skips a set). Every set
is checked against Duo as -w check does before anything is saved; the file
is written with mode 600.

  --admin-host H, --admin-ikey I, --admin-skey S          the Admin API set
  --accounts-host H, --accounts-ikey I, --accounts-skey S the Accounts API set
  --auth-host H, --auth-ikey I, --auth-skey S             the Auth API set
  --device-host H, --device-ikey I, --device-skey S, --device-mkey M
                          the Device API set, with its management system key
  --skey-env              write each secret key given as env "DUO_<P>_<API>_SKEY"
                          instead of the key itself (you set those variables)
  --ca CA                 the profile's trust: pinned (default), system or a PEM file
  --default               make the profile the default
  --yes                   write without asking
  --format F              table (default) or json: the checks made
  --profile P             the profile to write (default: the configured
                          default, else "main")
  -h, --help              this text

A secret key given as a flag is visible to other users of this machine in
the process list: prefer the prompt. Exit status: 0 saved, 1 a check failed
or nothing was written, 2 usage error.
]]

local options = { default = { flag = true }, yes = args.YES, format = args.format{ "table", "json" },
                  ["skey-env"] = { flag = true }, ca = { value = "CA" } }
local SETS, FIELDS = credentials.CHECKED, credentials.FIELDS
for _, api in ipairs(SETS) do
  for _, k in ipairs(FIELDS[api]) do options[api .. "-" .. k] = { value = k:upper() } end
end
local opts, rest = args.parse({ name = NAME, help = HELP, options = options }, { ... })
if opts == nil then return rest end

local config = require "duo.config"
local paths = require "duo.path"
local path = config.path()
if path == nil then
  errors.config("no config file: give one with -c FILE (%s is not set)", paths.windows and "APPDATA" or "HOME")
end

-- The file as it is (every profile kept; each env "NAME" kept as such,
-- set or not), or an empty one.
local ENV = {}   -- metatable marking { name = VAR }: written as env "VAR"
local cfg = { profiles = {} }
if file.kind(path) then
  config.load_file(path)   -- checked as duo-lua reads it
  local f = assert(io.open(path, "rb"))
  local text = f:read("a")
  f:close()
  local chunk = assert(load(text, "=config", "t", {
    env = function(name) return setmetatable({ name = name }, ENV) end }))
  local ok, loaded = pcall(chunk)
  if not ok or type(loaded) ~= "table" or type(loaded.profiles) ~= "table" then
    errors.config("configure cannot rewrite %s: it computes values from env() rather than naming them; "
                  .. "add the profile by hand", path)
  end
  cfg = { default = loaded.default, profiles = loaded.profiles }
end
local pname = host.settings().profile or cfg.default or "main"
local profile = cfg.profiles[pname] or {}

local terminal = host.isatty(0) and host.isatty(2)
local function ask(prompt, secret)
  if secret then return file.read_secret(prompt) end
  io.stderr:write(prompt)
  io.stderr:flush()
  return io.stdin:read("l")
end

if opts.ca then profile.ca = opts.ca end
local changed = {}
for _, api in ipairs(SETS) do
  local given = {}
  for _, k in ipairs(FIELDS[api]) do given[k] = opts[api .. "_" .. k] end
  if next(given) == nil and terminal then
    local current = profile[api]
    local h = ask(string.format("%s API host%s (Enter: %s): ", api,
                                current and (" [" .. tostring(current.host) .. "]") or "",
                                current and "keep" or "skip"))
    if h and h ~= "" then
      given.host = h
      given.ikey = ask(string.format("%s integration key: ", api))
      given.skey = ask(string.format("%s secret key (not shown): ", api), true)
      if api == "device" then given.mkey = ask("device management system key (mkey, not shown): ", true) end
    end
  end
  if next(given) ~= nil then
    local set = {}
    for k, v in pairs(profile[api] or {}) do set[k] = v end
    for k, v in pairs(given) do set[k] = v end
    for _, k in ipairs(FIELDS[api]) do
      if set[k] == nil or set[k] == "" then
        return args.usage_error(NAME, "the %s set needs --%s-%s too", api, api, k)
      end
    end
    local problem = config.host_problem(set.host)
    if problem then return args.usage_error(NAME, "the %s host %s", api, problem) end
    profile[api] = set
    changed[#changed + 1] = api
  end
end
if #changed == 0 then
  io.stderr:write("duo-lua: configure: no credential set given: nothing written (see duo-lua -w configure --help)\n")
  return 1
end

-- Check every set of the profile that was given now.
local checks, failed = json.array{}, false
for _, api in ipairs(changed) do
  local r = credentials.check_set(api, profile[api], profile, pname)
  checks[#checks + 1] = r
  if r.status ~= "ok" then failed = true end
end
if opts.format == "json" then
  output.json({ profile = pname, config = path, checks = checks, saved = not failed and not host.dry_run() })
else
  output.table(checks, { { key = "api", title = "API" }, { key = "status", title = "STATUS" },
                         { key = "host", title = "HOST" }, { key = "message", title = "MESSAGE", max_width = 160 },
                         { key = "hint", title = "HINT", max_width = 160 } })
end
io.stdout:flush()
if failed then
  io.stderr:write("duo-lua: configure: a check failed: nothing written to ", termtext.cell(path), "\n")
  return 1
end

-- The config file's text: a Lua chunk; values read with env() stay env().
local function lua_value(v, indent)
  if type(v) == "string" then
    return string.format("%q", v)
  elseif type(v) == "number" or type(v) == "boolean" then
    return tostring(v)
  elseif getmetatable(v) == ENV then
    return string.format("env %q", v.name)
  elseif type(v) == "table" then
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys, function(x, y) return tostring(x) < tostring(y) end)
    local lines = {}
    for _, k in ipairs(keys) do
      local name = type(k) == "string" and k:match("^[%a_][%w_]*$") and k or string.format("[%q]", k)
      lines[#lines + 1] = string.format("%s  %s = %s,", indent, name, lua_value(v[k], indent .. "  "))
    end
    return "{\n" .. table.concat(lines, "\n") .. "\n" .. indent .. "}"
  end
  error("a config value cannot be a " .. type(v))
end

if opts.skey_env then
  for _, api in ipairs(changed) do
    local var = string.format("DUO_%s_%s_SKEY", (pname:upper():gsub("[^%w]", "_")), api:upper())
    profile[api].skey = setmetatable({ name = var }, ENV)
  end
end
cfg.profiles[pname] = profile
if opts.default or cfg.default == nil then cfg.default = pname end
local text = "-- duo-lua configuration, written by duo-lua -w configure (run it again to change a profile).\n"
             .. "-- Each profile holds the credential sets admin, accounts, auth and device (host, ikey, skey;\n"
             .. "-- device also mkey); a skey may be env \"NAME\" to read it from the environment.\n"
             .. "-- Check the keys with: duo-lua -w check --all-profiles. Keep this file private (mode 600).\n"
             .. "return {\n  default = " .. string.format("%q", cfg.default) .. ",\n  profiles = "
             .. lua_value(cfg.profiles, "  ") .. ",\n}\n"

if host.dry_run() then
  io.stderr:write(termtext.format("duo-lua: configure: dry-run: would write profile '%s' into %s\n", pname, path))
  return 0
end
local confirm = require "workflows.lib.confirm"
local ok, status = confirm.ask(NAME, opts.yes, string.format("write profile '%s' into %s", pname, path))
if not ok then return status end
local dir = paths.dirname(path)
if not file.kind(dir) then
  local made, err = paths.mkdir_p(dir)
  if not made then errors.config("%s", err) end
end
local written, err = file.replace(path, text, 384, true)   -- 0600: it may hold secrets
if not written then errors.config("%s", err) end
io.stderr:write(termtext.format("duo-lua: configure: wrote profile '%s' (%s) into %s\n", pname,
                              table.concat(changed, ", "), path))
return 0
