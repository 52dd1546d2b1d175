-- The mapping store: one JSON file per profile saying which Duo child
-- account (and which directory key) belongs to each client organization.
--
--   {"organizations": [{"id": "C1001", "name": "Acme Corp", "duo_account_id": "DA…",
--                       "duo_admin_api_directory_key": "DD…", "confirmed": true}]}
--
-- A store that is not valid is refused with a message naming the file; it
-- is never replaced silently. Fields this version does not know are kept
-- as they are. A change is a read-modify-write under an advisory lock
-- (STORE.lock beside the real file), so people sharing a store on a drive
-- never lose each other's entries; the file is replaced atomically
-- (a temporary file created exclusively beside it, flushed, renamed),
-- keeping its mode and owner (a new store: 0600).
--
--   local store = require "workflows.lib.store"
--   local s = store.load()                 -- the profile's store (empty when missing)
--   local org = store.find(s, "Acme Corp") -- by name (any case) or id
--   store.update(function(s) ... return changed end)   -- locked load, change, save
local errors = require "duo.error"
local json = require "duo.json"
local file = require "duo._file"
local host = require "workflows.lib.host"

local M = {}

M.FIELDS = { "id", "name", "duo_account_id", "duo_admin_api_directory_key", "confirmed" }
-- Who confirmed an entry and when (ISO 8601, UTC): set with confirmed.
M.AUDIT_FIELDS = { "confirmed_by", "confirmed_at" }

local function none(v)
  return v == nil or v == json.null
end

-- The store file of a profile (default: the one in force: --profile,
-- else the configured default).
function M.path(profile)
  require "duo"   -- the sandbox, when asked for, supplies the configuration
  return require("duo.config").mappings_path(profile)
end

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

local function invalid(label, path, fmt, ...)
  if label then
    errors.config("the %s %s is not valid: %s", label, path, string.format(fmt, ...))
  end
  errors.config("the mapping store %s is not valid: %s; fix the file or move it away (it was not changed)",
                path, string.format(fmt, ...))
end

-- Checks one organization entry; returns it with JSON nulls removed.
function M.check_entry(e, where, fail)
  if type(e) ~= "table" or json.is_array(e) then fail("%s is not an object", where) end
  local out = {}
  for k, v in pairs(e) do
    if not none(v) then out[k] = v end
  end
  if type(out.name) ~= "string" or out.name:match("^%s*$") then
    fail("%s has no \"name\"", where)
  end
  if out.id ~= nil and type(out.id) ~= "string" then
    if math.type(out.id) == "integer" then out.id = tostring(out.id)
    else fail("%s: \"id\" must be a string", where) end
  end
  for _, k in ipairs{ "duo_account_id", "duo_admin_api_directory_key" } do
    if out[k] ~= nil and type(out[k]) ~= "string" then fail("%s: \"%s\" must be a string", where, k) end
    if out[k] == "" then out[k] = nil end
  end
  if out.confirmed ~= nil and type(out.confirmed) ~= "boolean" then
    fail("%s: \"confirmed\" must be true or false", where)
  end
  for _, k in ipairs(M.AUDIT_FIELDS) do
    if out[k] ~= nil and type(out[k]) ~= "string" then fail("%s: \"%s\" must be a string", where, k) end
  end
  return out
end

-- Reads the store at path (default: the profile's). A missing file is an
-- empty store. label names another kind of file in messages.
function M.load(path, label)
  path = path or M.path()
  local kind = file.kind(path)
  if kind == nil then   -- does not exist
    return { path = path, organizations = {}, extra = {}, exists = false }
  end
  if kind == "directory" then
    errors.config("the %s %s is a folder, not a file", label or "mapping store", path)
  end
  local f, err = io.open(path, "rb")
  if f == nil then errors.config("cannot read the %s: %s", label or "mapping store", err) end
  local text = f:read("a")
  f:close()
  return M.parse(text, path, label)
end

-- The store in a text (a store file's or an import file's).
function M.parse(text, path, label)
  local store = { path = path, organizations = {}, extra = {}, exists = true }
  text = text:gsub("^\239\187\191", "")   -- a byte order mark, as editors on Windows write
  if text:match("^%s*$") then invalid(label, path, "the file is empty") end
  local ok, doc = pcall(json.decode, text)
  if not ok then
    local byte = tonumber(tostring(doc):match("byte (%d+)"))
    local line = ""
    if byte then
      local _, breaks = text:sub(1, byte - 1):gsub("\n", "")
      line = " on line " .. (breaks + 1)
    end
    invalid(label, path, "%s%s", (tostring(doc):gsub("^json: ", ""):gsub(" at byte %d+", "")), line)
  end
  if type(doc) ~= "table" or json.is_array(doc) or type(doc.organizations) ~= "table" then
    invalid(label, path, "expected an object {\"organizations\": [...]}")
  end
  if next(doc.organizations) ~= nil and #doc.organizations == 0 then
    invalid(label, path, "\"organizations\" must be an array")
  end
  local function fail(...) invalid(label, path, ...) end
  for i, e in ipairs(doc.organizations) do
    store.organizations[i] = M.check_entry(e, "organization " .. i, fail)
  end
  for k, v in pairs(doc) do
    if k ~= "organizations" then store.extra[k] = v end
  end
  return store
end

local function lower(s)
  return (s:lower():gsub("%s+", " "):gsub("^ ", ""):gsub(" $", ""))
end
M.normal_name = lower

-- Indexes by normalised name and by id, built on first use and kept in
-- step by M.add: finding is constant time, so an import is linear.
local function index(store)
  if store._by_name == nil or store._indexed ~= #store.organizations then
    local by_name, by_id = {}, {}
    for i, e in ipairs(store.organizations) do
      local n = lower(e.name)
      if by_name[n] == nil then by_name[n] = i end
      if e.id ~= nil and by_id[e.id] == nil then by_id[e.id] = i end
    end
    store._by_name, store._by_id, store._indexed = by_name, by_id, #store.organizations
  end
  return store._by_name, store._by_id
end

-- Appends an entry, keeping the indexes.
function M.add(store, e)
  local by_name, by_id = index(store)
  local i = #store.organizations + 1
  store.organizations[i] = e
  local n = lower(e.name)
  if by_name[n] == nil then by_name[n] = i end
  if e.id ~= nil and by_id[e.id] == nil then by_id[e.id] = i end
  store._indexed = i
  return e
end

-- Removes the entry at index i.
function M.remove(store, i)
  table.remove(store.organizations, i)
  store._by_name = nil
end

-- The entry for an organization, by name (case and spacing ignored) or
-- id; second result its index.
function M.find(store, org)
  local by_name, by_id = index(store)
  local i = by_name[lower(org)] or by_id[org]
  if i then return store.organizations[i], i end
  return nil
end

-- The entry for an id (when given) or else a name.
function M.find_company(store, id, name)
  local by_name, by_id = index(store)
  if id ~= nil and by_id[id] then return store.organizations[by_id[id]], by_id[id] end
  local i = by_name[lower(name)]
  if i and (id == nil or store.organizations[i].id == nil) then return store.organizations[i], i end
  return nil
end

-- The file text: one organization per line, keys sorted.
function M.encode(store)
  local lines = {}
  for i, e in ipairs(store.organizations) do
    lines[i] = "    " .. json.encode(e)
  end
  local head = "{\n"
  local keys = {}
  for k in pairs(store.extra or {}) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do
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
