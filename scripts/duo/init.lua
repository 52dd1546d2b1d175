-- The `duo` module: signing, clients of the three Duo APIs, errors.
-- The C core arrives as the chunk's argument (also package.loaded["duo.core"]).
local core = ...
local json = require "duo.json"
local errors = require "duo.error"
local client = require "duo.client"

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

local function constructor(api)
  local fname = api
  return function(opts)
    if type(opts) ~= "table" then
      error(string.format("bad argument #1 to '%s' (options table expected, got %s)",
                          fname, type(opts)), 2)
    end
    return client.new(api, opts, fname)
  end
end

M.admin = constructor("admin")
M.accounts = constructor("accounts")
M.auth = constructor("auth")

return M
