-- Reading the mapping store: one JSON file per profile saying which Duo
-- child account (and which directory key) belongs to each client
-- organization. duo.dirsync resolves organizations through it; the
-- workflows (scripts/workflows/lib/store.lua) change it.
--
--   {"organizations": [{"id": "C1001", "name": "Acme Corp", "duo_account_id": "DA…",
--                       "duo_admin_api_directory_key": "DD…", "confirmed": true,
--                       "confirmed_by": "alice", "confirmed_at": "2026-01-31T09:00:00Z"}]}
--
-- A store that is not valid is refused with a message naming the file.
-- Fields this version does not know are kept as they are.
--
--   local mappings = require "duo.mappings"
--   local s = mappings.load()                 -- the profile's store (empty when missing)
--   local org = mappings.find(s, "Acme Corp") -- by name (any case and spacing) or id
local errors = require "duo.error"
local json = require "duo.json"
local config = require "duo.config"
local file = require "duo._file"

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
  return config.mappings_path(profile)
end

local function invalid(label, path, fmt, ...)
  if label then
    errors.config("the %s %s is not valid: %s", label, path, string.format(fmt, ...))
  end
  errors.config("the mapping store %s is not valid: %s; fix the file or move it away (it was not changed)",
                path, string.format(fmt, ...))
end

local KNOWN = {}
for _, k in ipairs(M.FIELDS) do KNOWN[k] = true end
for _, k in ipairs(M.AUDIT_FIELDS) do KNOWN[k] = true end

-- Checks one organization entry; returns it with the known fields' JSON
-- nulls removed (other fields, nulls included, are kept as they are).
function M.check_entry(e, where, fail)
  if type(e) ~= "table" or json.is_array(e) then fail("%s is not an object", where) end
  local out = {}
  for k, v in pairs(e) do
    if not (KNOWN[k] and none(v)) then out[k] = v end
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
  if out.tags ~= nil and not none(out.tags) then
    local ok = type(out.tags) == "table"
    for _, t in ipairs(ok and out.tags or {}) do ok = ok and type(t) == "string" and t ~= "" end
    if not ok then fail("%s: \"tags\" must be a list of words", where) end
  end
  return out
end

-- What breaks the store's rules (SPEC section 8): an account with two
-- organizations, an id used twice. One line each, with the fix; never
-- fixed here: a person decides.
function M.problems(store)
  local out, by_account, by_id = {}, {}, {}
  for _, e in ipairs(store.organizations) do
    local a = e.duo_account_id
    if a then
      if by_account[a] then
        out[#out + 1] = string.format("account %s has two organizations, '%s' and '%s': keep one with "
                                      .. "duo-lua -w mappings set --org NAME --account %s --move", a,
                                      by_account[a].name, e.name, a)
      else
        by_account[a] = e
      end
    end
    if e.id then
      if by_id[e.id] then
        out[#out + 1] = string.format("id %s is used by '%s' and '%s': ids must be unique", e.id,
                                      by_id[e.id].name, e.name)
      else
        by_id[e.id] = e
      end
    end
  end
  return out
end

-- The organization an account belongs to, or nil.
function M.owner_of(store, account_id)
  for _, e in ipairs(store.organizations) do
    if e.duo_account_id == account_id then return e end
  end
  return nil
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
  if label == nil then
    local others, why = file.others_can_change(path)
    if others then
      config.warn_once(path, string.format("duo-lua: warning: the mapping store %s %s\n", path, why))
    end
  end
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
  if label == nil then
    for _, p in ipairs(M.problems(store)) do
      config.warn_once(path .. p, string.format("duo-lua: warning: the mapping store %s: %s\n", path, p))
    end
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

return M
