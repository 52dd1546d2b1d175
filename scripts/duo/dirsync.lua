-- duo.dirsync: the single-user directory sync (Admin API sync_user) in the
-- child account an organization belongs to, with the directory key the
-- profile's mapping store holds for it (duo/mappings.lua).
--
--   duo.dirsync{ org = "Acme Corp", username = "alice" }
--   duo.dirsync{ account = "DA…" or "Acme Corp", directory_key = "DD…", username = "alice" }
--   -- profile = "P" picks the profile (its store and its Accounts API keys)
local errors = require "duo.error"
local mappings = require "duo.mappings"
local client = require "duo.client"
local options = require "duo.options"
require "duo.accounts"   -- installs accounts:child

local M = {}

local OPTIONS = { org = "string", username = "string", account = "string", directory_key = "string",
                  profile = "string" }

local function bad(fmt, ...)
  options.raise(string.format("bad argument #1 to 'dirsync' (" .. fmt .. ")", ...))
end

-- The organization's entry with an account and a key, or a config error
-- saying how to add what is missing.
function M.resolve(org, profile)
  local store = mappings.load(mappings.path(profile))
  local e = mappings.find(store, org)
  if e == nil then
    errors.config("no organization '%s' in the mapping store %s (duo-lua -w mappings set --org NAME "
                  .. "--account ID --directory-key KEY adds it)", org, store.path)
  end
  if e.duo_account_id == nil then
    errors.config("organization '%s' has no Duo child account in %s (duo-lua -w mappings set sets it)", e.name,
                  store.path)
  end
  if e.duo_admin_api_directory_key == nil then
    errors.config("organization '%s' has no directory key in %s (duo-lua -w mappings set --directory-key KEY "
                  .. "adds it; the key is on the directory's page in the Admin Panel)", e.name, store.path)
  end
  return e, store
end

-- Returns the sync's result (nil on --dry-run), and the organization's
-- store entry when org was given.
function M.run(opts)
  if type(opts) ~= "table" then bad("table expected, got %s", type(opts)) end
  for k, v in pairs(opts) do
    if OPTIONS[k] == nil then bad("unknown option '%s'", tostring(k)) end
    if type(v) ~= OPTIONS[k] or v == "" then bad("'%s' must be a non-empty %s", k, OPTIONS[k]) end
  end
  if opts.username == nil then bad("'username' is required") end
  local account, key, entry = opts.account, opts.directory_key, nil
  if opts.org then
    if account or key then bad("give 'org', or 'account' and 'directory_key', not both") end
    entry = M.resolve(opts.org, opts.profile)
    account, key = entry.duo_account_id, entry.duo_admin_api_directory_key
  elseif account == nil or key == nil then
    bad("'org', or 'account' and 'directory_key', are required")
  end
  local child = client.constructor("accounts")(opts.profile):child(account)
  return child:sync_user(opts.username, key), entry
end

return M
