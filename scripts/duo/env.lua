-- Environments (SPEC section 7): where a client's requests go and how they
-- are sent, fixed when the client is made.
--
-- An environment holds a backend (nil: the network; else a table whose
-- answer(op) answers attempts waiting in the loop's outbox), a config
-- (nil: the config file or the environment variables; else the config
-- table in force), dry_run, profile and config_path (the --profile and
-- --config of the command line). Nothing can change it once made: a
-- script reads its fields through the proxy new() returns, and only the
-- maker holds the function that stops it.
--
-- The host's environment is built once, from the command line, on first
-- use. A sandbox makes its own and activates it: clients made from then
-- on are bound to it, and keep it after it stops, when their calls raise
-- `duo: sandbox stopped` instead of falling through to the network.
local sys = require "duo._sys"
local options = require "duo.options"

local M = {}

local KEYS = { backend = true, config = true, dry_run = true, profile = true, config_path = true,
               name = true }

local state = setmetatable({}, { __mode = "k" })   -- proxy -> its private fields

local function read_only(_, key)
  options.raise(string.format("an environment cannot be changed (tried to set '%s')", tostring(key)))
end

-- new{ backend, config, dry_run, profile, config_path, name } -> env, stop
-- (stop() marks it stopped: its clients' calls raise from then on).
function M.new(fields)
  local f = {}
  for k, v in pairs(fields) do
    if not KEYS[k] then options.raise(string.format("bad argument #1 to 'new' (unknown field '%s')", tostring(k))) end
    f[k] = v
  end
  f.dry_run = f.dry_run and true or false
  local proxy = setmetatable({}, {
    __index = function(_, k) return f[k] end,
    __newindex = read_only,
    __tostring = function() return "duo.env (" .. (f.name or "network") .. (f.stopped and ", stopped" or "") .. ")" end,
    __metatable = "duo.env",
  })
  state[proxy] = f
  return proxy, function() f.stopped = true end
end

-- The private fields of env (the proxy a client holds): a rawset on the
-- proxy cannot reach them.
function M.fields(env)
  local f = state[env]
  if f == nil then options.raise("bad argument #1 to 'fields' (an environment expected)") end
  return f
end

local host_env   -- built on first use

-- The host's environment: what the command line said (an empty one when
-- duo.so is loaded into another interpreter).
function M.host()
  if host_env == nil then
    local s = sys.settings()
    host_env = M.new{ dry_run = s.dry_run, profile = s.profile, config_path = s.config }
  end
  return host_env
end

local active = {}   -- activated environments, the newest last

-- The environment new clients are bound to: the newest one activated and
-- not deactivated, else the host's.
function M.current()
  return active[#active] or M.host()
end

function M.activate(env)
  M.fields(env)
  active[#active + 1] = env
end

function M.deactivate(env)
  for i = #active, 1, -1 do
    if active[i] == env then table.remove(active, i) end
  end
end

return M
