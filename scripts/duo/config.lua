-- Configuration and profiles (SPEC section 2). A profile is one Duo parent
-- deployment: up to three credential sets, transport options, a mapping
-- store, and Admin credentials for children the Accounts API cannot reach.
local sys = require "duo._sys"
local file = require "duo._file"
local errors = require "duo.error"
local envs = require "duo.env"
local paths = require "duo.path"
local channels = require "duo.notify.channels"
local options = require "duo.options"

local M = {}

local APIS = { "admin", "accounts", "auth", "device" }
local CREDENTIAL_KEYS = { host = "string", ikey = "string", skey = "string" }
-- the Device API's set also names its management system
local DEVICE_KEYS = { host = "string", ikey = "string", skey = "string", mkey = "string" }
-- Transport options (SPEC section 4), allowed in a profile and in a
-- credential set.
M.TRANSPORT_OPTIONS = {
  timeout = "number", connect_timeout = "number", ca = "string", proxy = "string",
  max_retries = "number", max_backoff = "number", sig_version = "number",
  concurrency = "number", user_agent = "string", deadline = "number", max_response_bytes = "number",
}
local PROFILE_KEYS = { admin = "table", accounts = "table", auth = "table", device = "table",
                       mappings = "string", children = "table", psa = "table", notify = "table" }
-- The secrets a profile's psa block may hold (SPEC section 9); the block's
-- other keys are checked by the PSA source of its kind.
local PSA_SECRETS = { "private_key", "secret", "integration_code", "client_secret", "api_key" }

local cache = {}   -- path -> loaded config

-- The config file named on the command line, by $DUO_LUA_CONFIG, or the
-- default place; second result: whether the user asked for it explicitly.
function M.path()
  local given = envs.current().config_path
  if given then return given, true end
  local env = os.getenv("DUO_LUA_CONFIG")
  if env and env ~= "" then return env, true end
  local dir = paths.config_dir()
  if dir == nil then return nil, false end
  return paths.join(dir, "config.lua"), false
end

-- "file", "directory", "other", or nil when nothing is there (an
-- unreadable file exists).
local function file_kind(path)
  return (require("duo._file").kind(path))
end

-- A transport option's value, checked where the config is read: returns
-- nil or what is wrong with it.
local function transport_problem(k, v)
  if k == "timeout" or k == "connect_timeout" or k == "deadline" then
    if v <= 0 then return "must be a number of seconds above 0" end
  elseif k == "max_backoff" then
    if v < 0 then return "must be a number of seconds, 0 or more" end
  elseif k == "max_response_bytes" then
    if v ~= math.floor(v) or v < 1024 then return "must be a whole number of bytes, at least 1024" end
  elseif k == "max_retries" or k == "concurrency" then
    if math.type(v) ~= "integer" and not (v == math.floor(v)) then return "must be a whole number" end
    if v < (k == "concurrency" and 1 or 0) then return "must be at least " .. (k == "concurrency" and 1 or 0) end
  elseif k == "sig_version" then
    if v ~= 5 and v ~= 2 then return "must be 5 or 2" end
  elseif k == "proxy" or k == "ca" or k == "user_agent" then
    if v == "" then return "must not be empty" end
    if k == "ca" and v ~= "pinned" and v ~= "system" and file_kind(v) ~= "file" then
      return string.format("is 'pinned', 'system' or a PEM file, and there is no file '%s'", v)
    end
  end
  return nil
end

-- A host's problem ("api-x.duosecurity.com" or "host:port"), or nil.
function M.host_problem(host)
  if host:find("^%a[%w+.-]*://") then return "is a URL; give only the host name (api-xxxxxxxx.duosecurity.com)" end
  local name, port = host:match("^(.*):(%d*)$")
  if name and not host:find("^%[") then
    local n = tonumber(port)
    if n == nil or n < 1 or n > 65535 or math.type(n) ~= "integer" then
      return string.format("has the port '%s'; a port is a number from 1 to 65535", port)
    end
    host = name
  end
  if host == "" or host:find("[%s/]") then return "is not a host name" end
  return nil
end

local function check_fields(t, allowed, where, file)
  for k, v in pairs(t) do
    local want = allowed[k] or M.TRANSPORT_OPTIONS[k]
    if want == nil then
      errors.config("%s: unknown key '%s' in %s", file, tostring(k), where)
    end
    if type(v) ~= want then
      errors.config("%s: '%s' in %s must be a %s, got %s", file, k, where, want, type(v))
    end
    local problem = M.TRANSPORT_OPTIONS[k] and transport_problem(k, v)
    if problem then errors.config("%s: '%s' in %s %s", file, k, where, problem) end
    if k == "host" then
      problem = M.host_problem(v)
      if problem then errors.config("%s: the host '%s' in %s %s", file, v, where, problem) end
    end
  end
end

-- Checks a loaded config table; returns whether any secret key in it was
-- written into the file rather than read with env().
local function validate(cfg, file, from_env)
  if type(cfg) ~= "table" then errors.config("%s: must return a table, got %s", file, type(cfg)) end
  for k in pairs(cfg) do
    if k ~= "default" and k ~= "profiles" and k ~= "notify" then
      errors.config("%s: unknown top-level key '%s' (expected 'default', 'profiles' and 'notify')", file,
                    tostring(k))
    end
  end
  if cfg.notify ~= nil and type(cfg.notify) ~= "table" then
    errors.config("%s: 'notify' must be a table of named channels", file)
  end
  if type(cfg.profiles) ~= "table" then
    errors.config("%s: 'profiles' must be a table of named profiles", file)
  end
  local has_secret = false
  -- The notification channels (SPEC section 10) of the top level or of a
  -- profile: each checked by its kind; a secret marks the file as one that
  -- must be private, as a secret key does.
  local function check_notify(set, where)
    for name, ch in pairs(set) do
      if type(name) ~= "string" then errors.config("%s: 'notify' in %s must map names to channels", file, where) end
      local problem = channels.problem(ch)
      if problem then
        errors.config("%s: notify channel '%s' in %s%s%s", file, name, where,
                      problem:find("^'") and ": " or " ", problem)
      end
      for k, v in pairs(ch) do
        problem = channels.TRANSPORT[k] and transport_problem(k, v)
        if problem then errors.config("%s: notify channel '%s' in %s: '%s' %s", file, name, where, k, problem) end
        if channels.is_secret(ch.kind, k) then
          sys.secret_loaded()
          if not from_env[v] then has_secret = true end
        end
      end
    end
  end
  if cfg.notify then check_notify(cfg.notify, "the top level") end
  local function check_set(set, where, keys)
    check_fields(set, keys or CREDENTIAL_KEYS, where, file)
    if set.skey or set.mkey then sys.secret_loaded() end   -- core dumps off, used or not
    if set.skey and not from_env[set.skey] then has_secret = true end
  end
  for name, p in pairs(cfg.profiles) do
    if type(name) ~= "string" or type(p) ~= "table" then
      errors.config("%s: profiles must map names to tables", file)
    end
    local where = "profile '" .. name .. "'"
    check_fields(p, PROFILE_KEYS, where, file)
    if p.notify then check_notify(p.notify, where) end
    for _, api in ipairs(APIS) do
      if p[api] then check_set(p[api], where .. " " .. api, api == "device" and DEVICE_KEYS or nil) end
    end
    for _, k in ipairs(PSA_SECRETS) do
      local v = p.psa and p.psa[k]
      if v ~= nil then
        sys.secret_loaded()
        if not from_env[v] then has_secret = true end
      end
    end
    for id, set in pairs(p.children or {}) do
      if type(id) ~= "string" or type(set) ~= "table" then
        errors.config("%s: 'children' in %s must map account IDs to { host, ikey, skey }", file, where)
      end
      check_set(set, where .. " children['" .. id .. "']")
    end
  end
  if cfg.default ~= nil and (type(cfg.default) ~= "string" or cfg.profiles[cfg.default] == nil) then
    errors.config("%s: default profile '%s' is not among the profiles", file, tostring(cfg.default))
  end
  return has_secret
end

local warned = {}

-- Writes text to stderr once per key (a file warned about once a run).
function M.warn_once(key, text)
  if warned[key] then return end
  warned[key] = true
  io.stderr:write(text)
end

-- Loads and checks a config file (cached per path).
function M.load_file(path)
  if cache[path] then return cache[path] end
  local from_env = {}
  local env = {
    env = function(name)
      if type(name) ~= "string" then options.raise("env() needs a variable name") end
      local v = os.getenv(name)
      if v ~= nil then from_env[v] = true end
      return v
    end,
  }
  local f, open_err = io.open(path, "rb")
  if f == nil then errors.usage("config file %s cannot be read: %s", path, (open_err:gsub("^.*: ", ""))) end
  local text = f:read("a")
  f:close()
  if text == nil then errors.config("config file %s cannot be read", path) end
  local chunk, err = load(text, "=config", "t", env)
  if not chunk then
    -- Lua quotes the text near a syntax error, and that text may be a
    -- secret key: keep the line and the reason, never the text.
    local line, reason = tostring(err):match("^config:(%d+): (.-) near .*$")
    if line == nil then line, reason = tostring(err):match("^config:(%d+): (.*)$") end
    errors.config("config file %s, line %s: %s (the text there is not shown: it may hold a secret)", path,
                  line or "?", reason or "syntax error")
  end
  local ok, cfg = pcall(chunk)
  if not ok then
    local line, reason = tostring(cfg):match("^config:(%d+): (.*)$")
    errors.config("config file %s%s: %s", path, line and (", line " .. line) or "", reason or tostring(cfg))
  end
  local has_secret = validate(cfg, path, from_env)
  if has_secret then
    -- the mode bits on Linux, the file's access list on Windows
    local private, why = file.owner_only(path)
    if private == false then errors.config("config file %s holds a secret key and %s", path, why) end
  end
  -- A config others may change decides where requests go and with which
  -- keys: refused when it holds a secret, a warning otherwise (as ssh).
  local others, why = file.others_can_change(path)
  if others then
    if has_secret then errors.config("config file %s holds a secret key and %s", path, why) end
    M.warn_once(path, string.format("duo-lua: warning: config file %s %s\n", path, why))
  end
  cfg.path = path
  cfg.dir = paths.dirname(path)
  cache[path] = cfg
  return cfg
end

local noted = {}

-- A host from an environment variable: a URL such as
-- https://api-xxxxxxxx.duosecurity.com/ is reduced to its host, with a
-- note on stderr (once); anything else that is not a host is refused.
function M.env_host(name)
  local v = os.getenv(name)
  if v == nil or v == "" then return v end
  local host = v:match("^[Hh][Tt][Tt][Pp][Ss]?://([^/?#]+)/?$")
  if host then
    if not noted[name] then
      noted[name] = true
      io.stderr:write(string.format("duo-lua: note: %s is a URL; using its host %s\n", name, host))
    end
    v = host
  end
  local problem = M.host_problem(v)
  if problem then
    errors.config("%s %s: set it to the API hostname alone, e.g. %s=api-xxxxxxxx.duosecurity.com", name,
                  problem:gsub("^is a URL; give only the host name %(api%-xxxxxxxx%.duosecurity%.com%)$",
                               "is a URL with a path"), name)
  end
  return v
end

-- The profile built from DUO_ADMIN_*, DUO_ACCOUNTS_*, DUO_AUTH_*.
local function env_config()
  local profile = {}
  for _, api in ipairs(APIS) do
    local prefix = "DUO_" .. api:upper() .. "_"
    local set = { host = M.env_host(prefix .. "HOST"), ikey = os.getenv(prefix .. "IKEY"),
                  skey = os.getenv(prefix .. "SKEY"), mkey = api == "device" and os.getenv(prefix .. "MKEY") or nil }
    if set.host or set.ikey or set.skey then profile[api] = set end
    if set.skey or set.mkey then sys.secret_loaded() end
  end
  return { default = "env", profiles = { env = profile }, path = nil, dir = "." }
end

-- The config in force in env (default: the current environment): its own
-- (the sandbox's simulated tenant), else the file if there is one, else
-- the environment variables.
local function from_file_or_env()
  local path, explicit = M.path()
  local kind = path and file_kind(path)
  if path and (explicit or kind) then
    if kind == nil then errors.usage("config file %s does not exist", path) end
    if kind == "directory" then errors.usage("config file %s is a folder, not a file", path) end
    return M.load_file(path)
  end
  return env_config()
end

function M.current(env)
  local own = envs.fields(env or envs.current()).config
  if own then return own end
  return from_file_or_env()
end

local sorted_names = options.sorted_keys

-- Returns the profile table and its name. name nil: --profile, then the
-- config's default, then the only profile.
function M.profile(name, env)
  env = env or envs.current()
  local cfg = M.current(env)
  name = name or envs.fields(env).profile or cfg.default
  if name == nil then
    local names = sorted_names(cfg.profiles)
    if #names == 1 then
      name = names[1]
    else
      errors.config("%s has %d profiles and no default: name one with --profile or set default",
                    cfg.path or "the config", #names)
    end
  end
  local p = cfg.profiles[name]
  if p == nil then
    local known = sorted_names(cfg.profiles)
    errors.usage("unknown profile '%s' (%s)", name,
                  #known > 0 and ("known: " .. table.concat(known, ", ")) or "no profiles are configured")
  end
  return p, name, cfg
end

-- Key shapes: an integration key is "DI" and 18 more letters or digits;
-- a secret key is 40 letters or digits. Anything of secret-key shape is
-- never printed.
function M.is_ikey_shape(s)
  return type(s) == "string" and #s == 20 and s:match("^DI[%w]+$") ~= nil
end

function M.is_skey_shape(s)
  return type(s) == "string" and #s == 40 and s:match("^[%w]+$") ~= nil
end

-- What is wrong with a credential set's keys by their shapes, or nil:
-- "swapped" (ikey and skey exchanged) or "ikey" (the ikey is a secret key);
-- second result: a message that names neither key.
function M.key_problem(set, where)
  if M.is_skey_shape(set.ikey) and M.is_ikey_shape(set.skey) then
    return "swapped", string.format("%s: the integration key and the secret key are swapped (ikey starts with DI "
                                    .. "and has 20 characters, skey has 40): exchange them", where)
  end
  if M.is_skey_shape(set.ikey) then
    return "ikey", string.format("%s: the ikey has the shape of a secret key (40 characters); the integration key "
                                 .. "starts with DI and has 20", where)
  end
  return nil
end

-- Options for a client of `api` from a profile: the credential set plus
-- the profile's transport options (the set's own options win).
function M.client_options(api, name)
  local p, pname, cfg = M.profile(name)
  local set = p[api]
  if set == nil then
    if cfg.path == nil then
      errors.config("no %s credentials: set DUO_%s_HOST, DUO_%s_IKEY and DUO_%s_SKEY, or write a config file (%s)",
                    api, api:upper(), api:upper(), api:upper(), (M.path()) or "see --config")
    end
    errors.config("profile '%s' in %s has no %s credentials: add %s = { host = ..., ikey = ..., skey = ... }",
                  pname, cfg.path, api, api)
  end
  for _, k in ipairs{ "host", "ikey", "skey" } do
    if (set[k] == nil or set[k] == "") and cfg.path == nil then
      errors.config("DUO_%s_%s is not set (or write a config file: %s)", api:upper(), k:upper(),
                    (M.path()) or "see --config")
    elseif set[k] == nil or set[k] == "" then
      errors.config("profile '%s'%s: %s has no %s%s", pname, cfg.path and (" in " .. cfg.path) or "", api, k,
                    k == "skey" and " (if it reads env \"NAME\", is that variable set?)" or "")
    end
  end
  local problem, message = M.key_problem(set, string.format("profile '%s' %s", pname, api))
  if problem then errors.config("%s", message) end
  local opts = {}
  for k in pairs(M.TRANSPORT_OPTIONS) do opts[k] = p[k] end
  for k, v in pairs(set) do opts[k] = v end
  return opts, pname, p
end

-- A configured notification channel by name, and the profile it was
-- looked up in: the profile's own `notify` entry wins over the top
-- level's. profile nil: the profile in force (--profile, the default, the
-- only one), if there is one.
--
-- Under an environment with its own config (the sandbox, which simulates
-- Duo only), a channel it does not name comes from the config file's top
-- level: notifications go to the real channels there too.
function M.channel(name, profile)
  local cfg = M.current()
  local pname = profile or sys.settings().profile or cfg.default
  if pname == nil then
    local names = sorted_names(cfg.profiles)
    if #names == 1 then pname = names[1] end
  end
  if profile ~= nil and cfg.profiles[profile] == nil then
    errors.usage("unknown profile '%s' (known: %s)", profile, table.concat(sorted_names(cfg.profiles), ", "))
  end
  local p = pname and cfg.profiles[pname]
  local ch = p and p.notify and p.notify[name] or cfg.notify and cfg.notify[name]
  local outer = envs.fields(envs.current()).config and from_file_or_env() or nil
  if ch == nil and outer and outer.notify then ch = outer.notify[name] end
  if ch == nil then
    local known = {}
    for k in pairs(cfg.notify or {}) do known[k] = true end
    for k in pairs(outer and outer.notify or {}) do known[k] = true end
    for k in pairs(p and p.notify or {}) do known[k] = true end
    local list = sorted_names(known)
    errors.config("no notify channel '%s' in %s (%s)", name, cfg.path or "the config",
                  #list > 0 and ("configured: " .. table.concat(list, ", "))
                  or "add notify = { " .. name .. " = { kind = ..., ... } } to it")
  end
  return ch, pname
end

-- The mapping store file of a profile (relative to the config's folder).
function M.mappings_path(name)
  local p, pname, cfg = M.profile(name)
  local file = p.mappings or (pname .. ".mappings.json")
  file = paths.join(cfg.dir, file)
  return file
end

-- A summary of every profile, without secrets: for duo.profiles().
function M.list()
  local cfg = M.current()
  local out = {}
  for _, name in ipairs(sorted_names(cfg.profiles)) do
    local p = cfg.profiles[name]
    local entry = { name = name, default = (name == cfg.default) or nil }
    for _, api in ipairs(APIS) do
      if p[api] then entry[api] = { host = p[api].host, ikey = p[api].ikey } end
    end
    out[#out + 1] = entry
  end
  return out, cfg.path
end

return M
