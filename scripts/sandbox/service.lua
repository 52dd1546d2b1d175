-- sandbox.service: an in-process simulation of Duo (SPEC section 7),
-- started by duo.sandbox(). Once started it has its own environment
-- (duo.env) and activates it: every request of the clients made from then
-- on waits in the event loop's outbox instead of going to the network,
-- and this module answers
-- it from a simulated tenant (sandbox.state), after checking it the way the
-- service does (sandbox.wire, sandbox.routes), optionally after a
-- simulated latency and under Duo's rate limits, on virtual time. Its
-- built-in profile "sandbox" is the configuration of its environment.
-- After sb:stop() those clients' calls raise `duo: sandbox stopped`.
--
--   local sb = duo.sandbox([seed [, opts]])
--     seed: nil (the demo tenant), a number (the demo tenant of that seed
--     number), a path to a JSON seed file, or a table of seed data.
--     opts: latency (seconds per request, default 0), rate_limits (true for
--     Duo's published limits, or a table of requests per minute per class:
--     modify, one, page, all, logs), page_cap (most records per page,
--     default 137; false for none), virtual_time (default: on when there
--     is latency or a rate limit).
--   sb:log(), sb:clear_log(), sb:credentials([account_id]), sb:directories(),
--   sb:export(), sb:stop(), sb.state
local loop = require "duo._loop"
local json = require "duo.json"
local errors = require "duo.error"
local config = require "duo.config"
local scheduler = require "duo.scheduler"
local envs = require "duo.env"
local methods = require "duo.methods"
local ids = require "sandbox.ids"
local seedlib = require "sandbox.seed"
local demo = require "sandbox.demo"
local wire = require "sandbox.wire"
local routes = require "sandbox.routes"
local reply = require "sandbox.reply"

local M = {}

M.DEFAULT_PAGE_CAP = 137
M.LOG_MAX = 50000   -- requests kept in the log (the newest)

-- Duo's rate limits once stated by its staff (requests per minute).
M.RATE_LIMITS = { modify = 300, one = 300, page = 200, all = 40, logs = 2 }

local OPTIONS = { latency = true, rate_limits = true, page_cap = true, virtual_time = true }

-- Checks options; `fail(name, message)` reports a bad one.
local function check_options(opts, fail)
  for k, v in pairs(opts) do
    if not OPTIONS[k] then
      local known = {}
      for name in pairs(OPTIONS) do known[#known + 1] = name end
      table.sort(known)
      fail(k, "unknown option (known: " .. table.concat(known, ", ") .. ")")
    end
    if k == "latency" and (type(v) ~= "number" or v < 0 or v ~= v) then
      fail(k, "must be a number of seconds >= 0")
    elseif k == "virtual_time" and type(v) ~= "boolean" then
      fail(k, "must be a boolean")
    elseif k == "page_cap" and v ~= false and (math.type(v) ~= "integer" or v < 0) then
      fail(k, "must be a whole number >= 1, or false for no cap")
    elseif k == "rate_limits" then
      if type(v) == "table" then
        for class, n in pairs(v) do
          if M.RATE_LIMITS[class] == nil then
            fail(k .. "." .. tostring(class), "unknown class (modify, one, page, all, logs)")
          end
          if n ~= false and (math.type(n) ~= "integer" or n < 1) then
            fail(k .. "." .. class, "must be requests per minute (a whole number >= 1) or false")
          end
        end
      elseif type(v) ~= "boolean" then
        fail(k, "must be true, false or a table of requests per minute per class")
      end
    end
  end
end

local Sandbox = {}
Sandbox.__index = Sandbox
Sandbox.__name = "duo.sandbox"

function Sandbox:__tostring()
  return string.format("duo.sandbox (%s: %d child accounts%s)", self.source, #self.state.children,
                       self.stopped and ", stopped" or "")
end

-- The requests seen, oldest first: method, host, path, params (secrets
-- masked), account_id (the parameter as sent), account (the account the
-- request acted on), ikey, status, code, method name, time.
function Sandbox:log()
  local out = json.array{}
  for i, e in ipairs(self.entries) do
    local copy = {}
    for k, v in pairs(e) do copy[k] = v end
    out[i] = copy
  end
  return out
end

function Sandbox:clear_log()
  self.entries = {}
end

-- The simulated integrations' credentials: the parent's admin, accounts,
-- auth and device key sets (the device set with its management system
-- key, mkey); with an account_id, that child's own integrations (when it
-- has any).
function Sandbox:credentials(account_id)
  local acct = account_id and self.state:account(account_id) or self.state.parent
  if acct == nil then
    error(string.format("bad argument #1 to 'credentials' (no account '%s' in the sandbox)",
                        tostring(account_id)), 2)
  end
  local out = {}
  for _, pair in ipairs{ { "admin", "adminapi" }, { "accounts", "accountsapi" }, { "auth", "authapi" },
                         { "device", "deviceapi" } } do
    for _, i in ipairs(acct.integrations.list) do
      if i.type == pair[2] and out[pair[1]] == nil then
        out[pair[1]] = { host = acct.api_hostname, ikey = i.integration_key, skey = i.secret_key }
      end
    end
  end
  if out.device then out.device.mkey = "DM" .. out.device.ikey:sub(3) end
  return out
end

-- The directories of every account (the API cannot list directory keys;
-- an administrator copies them from the Admin Panel): { account_id,
-- account, directory_key, name, type } sorted by account name.
function Sandbox:directories()
  local out = json.array{}
  for _, acct in self.state:each_account() do
    for _, d in ipairs(acct.directories.list) do
      out[#out + 1] = { account_id = acct.account_id, account = acct.name, directory_key = d.directory_key,
                        name = d.name, type = d.type }
    end
  end
  table.sort(out, function(a, b) return a.account < b.account end)
  return out
end

-- The tenant as it is now, as seed data.
function Sandbox:export()
  return seedlib.export(self.state)
end

-- Stops routing requests to this sandbox (requests already waiting are
-- still answered).
function Sandbox:stop()
  if self.stopped then return end
  local newest = M.current() == self
  self.stopped = true
  self._stop_env()
  envs.deactivate(self.env)
  if newest and self.virtual_time then loop.set_virtual_time(false) end
end

-- The rate-limit class of an endpoint (duo-api.md section 4).
local function rate_class(ctx)
  local row = routes.rows_of(ctx.ep)[1]
  if row.resource == "logs" or row.resource == "trust_monitor" then return "logs" end
  if row.writes then return "modify" end
  if row.paging ~= "none" or row.max_limit then
    return ctx.params.limit ~= nil and "page" or "all"
  end
  return "one"
end

-- Raises 42901 when the request's account went over its class's limit in
-- the last minute.
function Sandbox:check_rate(ctx)
  local limits = self.rate_limits
  if limits == nil then return end
  local class = rate_class(ctx)
  local per_minute = limits[class]
  if not per_minute then return end
  local key = (ctx.account and ctx.account.account_id or "-") .. " " .. class
  local now = loop.now_ms()
  local keep = {}   -- the times of this minute's requests
  for _, t in ipairs(self.windows[key] or {}) do
    if now - t < 60000 then keep[#keep + 1] = t end
  end
  self.windows[key] = keep
  if #keep >= per_minute then
    reply.fail(42901, string.format("more than %d '%s' requests a minute", per_minute, class))
  end
  keep[#keep + 1] = now
end

-- Answers one attempt as the client put it on the wire: the HTTP status
-- and the body; the attempt goes into the log.
function Sandbox:answer(method, url, headers, body)
  self.seq = self.seq + 1
  local req, failure = wire.parse(method, url, headers, body)
  local status, out, facts
  if req == nil then
    facts = { code = failure.code }
    status, out = reply.encode_failure(failure)
    req = { method = method, host = url:match("^https?://([^/]+)") or "", path = url, params = {} }
  else
    status, out, facts = routes.process(self, req)
  end
  local entry = {
    seq = self.seq, time = loop.unix_time(), method = req.method, host = req.host, path = req.path,
    params = methods.redacted(facts.row, req.params), account_id = type(req.params.account_id) == "string"
      and req.params.account_id or nil,
    account = facts.account_id, ikey = req.ikey, status = status, code = facts.code,
    name = facts.row and facts.row.name or nil,
  }
  local entries = self.entries
  entries[#entries + 1] = entry
  if #entries > 2 * M.LOG_MAX then   -- keep the newest LOG_MAX..2*LOG_MAX entries
    table.move(entries, #entries - M.LOG_MAX + 1, #entries, 1)
    for i = #entries, M.LOG_MAX + 1, -1 do entries[i] = nil end
  end
  return status, out
end

local function handler(sb)
  return function(op)
    local method, url, headers, body = op:wire()
    if method == nil then return end
    local status, out = sb:answer(method, url, headers, body)
    if sb.latency > 0 then
      local timer = loop.timer(sb.latency * 1000)
      scheduler.on_done(timer, function()
        if op:wire() then op:respond(status, out) end
      end)
    else
      op:respond(status, out)
    end
  end
end

local function dirname(path)
  return path and path:match("^(.*)/[^/]*$")
end

local function dir_exists(path)
  if path == nil then return false end
  local f = io.open(path .. "/.", "r")
  if f then f:close() return true end
  return false
end

-- The built-in configuration while the sandbox runs: one profile,
-- "sandbox", holding the simulated integrations' keys; any profile name a
-- script asks for resolves to it (a --profile given on the command line
-- must be "sandbox" or a profile of the config file: check_profile).
-- A config file given explicitly (--config, $DUO_LUA_CONFIG) that exists still lends
-- its notification channels (top level, and the profile's in force) and
-- that profile's psa block, so alerts can be tried on the simulated tenant
-- against real channels; its Duo keys and mapping store are never used.
local function lent_from_file(profile_name)
  local path, explicit = config.path()
  -- (a file still to be written, as `-w configure` does, lends nothing)
  if not (path and explicit) then return nil end
  local f = io.open(path, "rb")
  if f == nil then return nil end
  f:close()
  local cfg = config.load_file(path)
  local name = profile_name or cfg.default
  if name == nil then
    local only
    for k in pairs(cfg.profiles) do only = only == nil and k or false end
    name = only or nil
  end
  local p = name and cfg.profiles[name] or {}
  return { notify = cfg.notify, profile_notify = p.notify, psa = p.psa }
end

-- A --profile given with --sandbox names "sandbox" or a profile of the
-- config file in force (whose notify and psa blocks it lends); any other
-- name is refused, as it is without the sandbox.
local function check_profile(name)
  if name == nil or name == "sandbox" then return end
  local path = config.path()
  local known = { "sandbox" }
  local f = path and io.open(path, "rb")
  if f then
    f:close()
    local cfg = config.load_file(path)
    if cfg.profiles[name] then return end
    for k in pairs(cfg.profiles) do known[#known + 1] = k end
  end
  table.sort(known)
  errors.usage("unknown profile '%s' (known under --sandbox: %s)", name, table.concat(known, ", "))
end

local function sandbox_config(sb, profile_name)
  local creds = sb:credentials()
  local profile = { admin = creds.admin, accounts = creds.accounts, auth = creds.auth, device = creds.device,
                    mappings = "sandbox.mappings.json" }
  local lent = lent_from_file(profile_name) or {}
  profile.notify, profile.psa = lent.profile_notify, lent.psa
  local dir = dirname((config.path()))
  return {
    default = "sandbox",
    profiles = setmetatable({ sandbox = profile }, { __index = function() return profile end }),
    notify = lent.notify,
    path = nil,
    dir = dir_exists(dir) and dir or ".",
    sandbox = true,
  }
end

-- The seed data and a name for messages from the argument of start().
local function resolve_seed(seed, now)
  if seed == nil then return demo.seed(1, now), "the demo tenant", 1 end
  if math.type(seed) == "integer" then
    return demo.seed(seed, now), "the demo tenant #" .. seed, seed
  end
  if type(seed) == "table" then return seed, "seed", ids.hash(json.encode(seed)) end
  if type(seed) == "string" then
    local f = io.open(seed, "rb")
    if f == nil and seed:match("^%d+$") then
      local n = math.tointeger(tonumber(seed))
      return demo.seed(n, now), "the demo tenant #" .. n, n
    end
    if f then f:close() end
    local data, text = seedlib.read(seed)
    return data, seed, ids.hash(text)
  end
  error(string.format("bad argument #1 to 'sandbox' (nil, a seed number, a file name or a table expected, got %s)",
                      type(seed)), 4)
end

-- duo.sandbox(seed, opts): builds the tenant and routes every request to it.
function M.start(seed, opts)
  if opts ~= nil and type(opts) ~= "table" then
    error(string.format("bad argument #2 to 'sandbox' (table expected, got %s)", type(opts)), 3)
  end
  check_options(opts or {}, function(name, msg)
    error(string.format("bad argument #2 to 'sandbox' ('%s': %s)", name, msg), 5)
  end)
  local now = os.time()
  local data, source, number = resolve_seed(seed, now)
  local merged = {}
  if type(data.options) == "table" and not json.is_array(data.options) then
    check_options(data.options, function(name, msg)
      errors.config("%s: options.%s: %s", source, name, msg)
    end)
    for k, v in pairs(data.options) do merged[k] = v end
  end
  for k, v in pairs(opts or {}) do merged[k] = v end

  local state = seedlib.build(data, source, ids.new(number or 1),
                              function() return loop.unix_time() end)
  local sb = setmetatable({
    state = state,
    source = source,
    entries = {},
    seq = 0,
    windows = {},
    latency = merged.latency or 0,
    page_cap = merged.page_cap == nil and M.DEFAULT_PAGE_CAP or (merged.page_cap ~= 0 and merged.page_cap or nil),
  }, Sandbox)
  if merged.rate_limits == true then
    sb.rate_limits = M.RATE_LIMITS
  elseif type(merged.rate_limits) == "table" then
    sb.rate_limits = {}
    for k, v in pairs(M.RATE_LIMITS) do sb.rate_limits[k] = v end
    for k, v in pairs(merged.rate_limits) do sb.rate_limits[k] = v end
  end
  local virtual = merged.virtual_time
  if virtual == nil then virtual = sb.latency > 0 or sb.rate_limits ~= nil end
  sb.virtual_time = virtual

  local host = envs.host()
  check_profile(host.profile)
  local running = M.current()
  if running then running:stop() end
  if virtual then loop.set_virtual_time(true, now) end
  sb.backend = { answer = handler(sb), sandbox = sb }
  sb.env, sb._stop_env = envs.new{ backend = sb.backend, config = sandbox_config(sb, host.profile), dry_run = host.dry_run,
                                   profile = host.profile, config_path = host.config_path, name = "sandbox" }
  envs.activate(sb.env)
  return sb
end

-- The running sandbox (the one whose environment is in force), or nil.
function M.current()
  local b = envs.current().backend
  return b and b.sandbox
end

-- The demo tenant (of seed number n, default 1) as seed JSON text.
function M.export_demo(n)
  if n ~= nil and math.type(n) ~= "integer" then
    error(string.format("bad argument #1 to 'export_demo' (seed number expected, got %s)", type(n)), 2)
  end
  return seedlib.pretty(demo.seed(n or 1, os.time()))
end

-- Seed data (a table) as seed JSON text, laid out for people.
M.to_json = seedlib.pretty

return M
