-- The `duo` module: signing, clients of the four Duo APIs, errors.
local loop = require "duo._loop"
local signing = require "duo._sign"
local sys = require "duo._sys"
local json = require "duo.json"
local options = require "duo.options"
local errors = require "duo.error"
local client = require "duo.client"
local config = require "duo.config"
local envs = require "duo.env"
local scheduler = require "duo.scheduler"
local parallel = require "duo.parallel"
require "duo.accounts"   -- installs accounts:child and accounts:each_child
require "duo.bulk"       -- installs admin:bulk

local M = {}

M.version = sys.version
M.null = json.null
M.json = json
M.canonicalize = signing.canonicalize
M.sign = signing.sign
M.Error = errors.Error
M.is_error = errors.is_error

function M.versions()
  return sys.versions()
end

-- duo.admin() / duo.admin "profile" / duo.admin{ host, ikey, skey, ... }
M.admin = client.constructor("admin")
M.accounts = client.constructor("accounts")
M.auth = client.constructor("auth")
M.device = client.constructor("device")

M.spawn = scheduler.spawn
M.sleep = scheduler.sleep
M.parallel = parallel.parallel
M.http = require "duo.http"
M.notify = require("duo.notify").notify

-- Transfers in flight at once: overall, and per host (politeness towards
-- one Duo deployment; Duo's rate limits are per account).
local limits = { max_transfers = 64, per_host = 16 }
local LIMIT_OPTIONS = { max_transfers = { "integer", min = 1 }, per_host = { "integer", min = 1 } }
loop.set_limits(limits.max_transfers, limits.per_host)

function M.configure(opts)
  if type(opts) ~= "table" then options.arg_error("configure", 1, "table expected, got " .. type(opts)) end
  for k, v in pairs(options.check(opts, LIMIT_OPTIONS, "configure", 1)) do limits[k] = v end
  loop.set_limits(limits.max_transfers, limits.per_host)
end

-- duo.help(name) -> the documentation of a catalogue method, generated
-- from the catalogue ("get_users", "admin.get_users"); nil, message if none.
function M.help(name)
  return require("duo.docs").help(name)
end

-- The configured profiles, never their secrets; second result: the file.
function M.profiles()
  return config.list()
end

-- duo.dirsync{ org = NAME, username = U } (or account = ..., directory_key
-- = ...): the single-user directory sync in the organization's child.
function M.dirsync(opts)
  return require("duo.dirsync").run(opts)
end

-- duo.sandbox([seed [, opts]]): every request of the clients made from
-- now on goes to the built-in simulation of Duo instead of the network
-- (SPEC section 7). The sandbox is its own tree (scripts/sandbox/), above
-- this one: whoever opens the module (luaopen_duo) passes its starter in.
local services = ... or {}
function M.sandbox(seed, opts)
  if services.sandbox_service == nil then errors.config("this build of duo has no sandbox") end
  return services.sandbox_service().start(seed, opts)
end

-- The environment new clients are bound to (read-only: SPEC section 7).
function M.env()
  return envs.current()
end

return M
