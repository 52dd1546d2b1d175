-- The `duo` module: signing, clients of the three Duo APIs, errors.
-- The C core arrives as the chunk's argument (also package.loaded["duo.core"]).
local core = ...
local json = require "duo.json"
local errors = require "duo.error"
local client = require "duo.client"
local config = require "duo.config"

local M = {}

M.version = core.version
M.null = json.null
M.json = json
M.canonicalize = core.canonicalize
M.sign = core.sign
M.Error = errors.Error
M.is_error = errors.is_error

function M.versions()
  return core.versions()
end

-- duo.admin() / duo.admin "profile" / duo.admin{ host, ikey, skey, ... }
local function constructor(api)
  local fname = api
  return function(opts)
    local profile
    if opts == nil or type(opts) == "string" then
      opts, profile = config.client_options(api, opts)
    elseif type(opts) ~= "table" then
      error(string.format("bad argument #1 to '%s' (profile name or options table expected, got %s)",
                          fname, type(opts)), 2)
    end
    local c = client.new(api, opts, fname)
    c.profile = profile
    return c
  end
end

M.admin = constructor("admin")
M.accounts = constructor("accounts")
M.auth = constructor("auth")

-- The configured profiles, never their secrets; second result: the file.
function M.profiles()
  return config.list()
end

return M
