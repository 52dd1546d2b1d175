-- Changing the mapping store (its format and reading: duo/mappings.lua),
-- safely for a team sharing it on a drive: a change is a read-modify-write
-- under an advisory lock (STORE.lock beside the real file), so no one's
-- entries are lost; the file is replaced atomically (a temporary file
-- created exclusively beside it, flushed, renamed), keeping its mode and
-- owner (a new store: 0600). A store that is not valid is never replaced.
--
--   local store = require "workflows.lib.store"
--   local s = store.load()                 -- the profile's store (empty when missing)
--   local org = store.find(s, "Acme Corp") -- by name (any case) or id
--   store.update(function(s) ... return changed end)   -- locked load, change, save
local errors = require "duo.error"
local json = require "duo.json"
local mappings = require "duo.mappings"
local options = require "duo.options"
local host = require "workflows.lib.host"
local file = host.file

local M = {}

-- Reading is duo.mappings' (path, load, parse, find, find_company, ...).
for k, v in pairs(mappings) do M[k] = v end

-- The store that holds an organization: with --profile (or a profile
-- named), that profile's; else every profile's store is searched, and an
-- organization in two stores is an error naming both. Returns the path,
-- the profile name (nil: the profile in force) and the loaded store.
function M.locate(org, profile)
  require "duo"
  local config = require "duo.config"
  if profile or host.settings().profile then
    local path = M.path(profile)
    return path, profile, M.load(path)
  end
  local found = {}
  local names = config.list()
  if #names > 1 then
    for _, p in ipairs(names) do
      local path = M.path(p.name)
      local s = M.load(path)
      if M.find(s, org) then found[#found + 1] = { path = path, profile = p.name, store = s } end
    end
  end
  if #found > 1 then
    local where = {}
    for i, f in ipairs(found) do where[i] = string.format("profile '%s' (%s)", f.profile, f.path) end
    errors.config("organization '%s' is in the mapping stores of %s: name one with --profile", org,
                  table.concat(where, " and "))
  end
  if #found == 1 then return found[1].path, found[1].profile, found[1].store end
  local path = M.path()
  return path, nil, M.load(path)
end

-- The file text: one organization per line, keys sorted.
function M.encode(store)
  local lines = {}
  for i, e in ipairs(store.organizations) do
    lines[i] = "    " .. json.encode(e)
  end
  local head = "{\n"
  for _, k in ipairs(options.sorted_keys(store.extra or {})) do
    head = head .. "  " .. json.encode(k) .. ": " .. json.encode(store.extra[k]) .. ",\n"
  end
  if #lines == 0 then return head .. "  \"organizations\": []\n}\n" end
  return head .. "  \"organizations\": [\n" .. table.concat(lines, ",\n") .. "\n  ]\n}\n"
end

-- Writes the store (see the top of the file for how).
function M.save(store)
  local ok, err = file.replace(store.path, M.encode(store), 384)   -- 0600 for a new store
  if not ok then errors.config("%s", err) end
end

-- The lock file of a store: beside the real file, symbolic links followed.
function M.lock_path(path)
  return (file.resolve(path) or path) .. ".lock"
end

local function take_lock(path)
  local lock, err = file.lock(M.lock_path(path), 60)
  if lock == nil then errors.config("cannot change the mapping store %s: %s", path, err) end
  return lock
end

-- Runs change(store) on the profile's store (or path) under its lock and
-- saves it when change returns true (not on --dry-run). Returns the store
-- and what change returned.
function M.update(change, path)
  path = path or M.path()
  local lock <close> = (not M.dry_run()) and take_lock(path) or nil
  local store = M.load(path)
  local changed = change(store)
  if changed and not M.dry_run() then M.save(store) end
  return store, changed
end

function M.dry_run()
  return host.dry_run()
end

local user, now   -- who runs us, and when: the same for a whole run

-- Marks an entry confirmed by the person running us, now.
function M.confirm(e)
  user = user or file.user()
  now = now or os.date("!%Y-%m-%dT%H:%M:%SZ")
  e.confirmed = true
  e.confirmed_by = user
  e.confirmed_at = now
end

-- "field: old -> new" descriptions of what differs between two entries
-- (directory keys masked).
function M.changes(old, new, mask)
  local out = {}
  for _, k in ipairs(M.FIELDS) do
    local a, b = old and old[k], new[k]
    if a ~= b then
      if k == "duo_admin_api_directory_key" and mask then a, b = a and mask(a), b and mask(b) end
      out[#out + 1] = string.format("%s: %s -> %s", k, a == nil and "(none)" or tostring(a),
                                    b == nil and "(none)" or tostring(b))
    end
  end
  return out
end

return M
