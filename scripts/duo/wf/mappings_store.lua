-- The mapping store: one JSON file per profile saying which Duo child
-- account (and which directory key) belongs to each client organization.
--
--   {"organizations": [{"id": "C1001", "name": "Acme Corp", "duo_account_id": "DA…",
--                       "duo_admin_api_directory_key": "DD…", "confirmed": true}]}
--
-- A store that is not valid is refused with a message naming the file; it
-- is never replaced silently. Fields this version does not know are kept
-- as they are. Writes are atomic (temporary file, fsync, rename), mode 0600.
--
--   local store = require "duo.wf.mappings_store"
--   local s = store.load()                 -- the profile's store (empty when missing)
--   local org = store.find(s, "Acme Corp") -- by name (any case) or id
--   store.save(s)
local sys = require "duo._sys"
local errors = require "duo.error"
local json = require "duo.json"

local M = {}

M.FIELDS = { "id", "name", "duo_account_id", "duo_admin_api_directory_key", "confirmed" }

local function none(v)
  return v == nil or v == json.null
end

-- The store file of the profile in force (--profile, else the default).
function M.path()
  require "duo"   -- the sandbox, when asked for, supplies the configuration
  return require("duo.config").mappings_path()
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
  return out
end

-- Reads the store at path (default: the profile's). A missing file is an
-- empty store. label names another kind of file in messages.
function M.load(path, label)
  path = path or M.path()
  local store = { path = path, organizations = {}, extra = {}, exists = false }
  local f, err = io.open(path, "rb")
  if f == nil then
    if sys.file_mode(path) == nil then return store end   -- does not exist
    errors.config("cannot read the mapping store: %s", err)
  end
  local text = f:read("a")
  f:close()
  store.exists = true
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

-- The entry for an organization, by name (case and spacing ignored) or
-- id; second result its index.
function M.find(store, org)
  local want = lower(org)
  for i, e in ipairs(store.organizations) do
    if lower(e.name) == want then return e, i end
  end
  for i, e in ipairs(store.organizations) do
    if e.id ~= nil and e.id == org then return e, i end
  end
  return nil
end

-- The entry for an id (when given) or else a name.
function M.find_company(store, id, name)
  if id ~= nil then
    for i, e in ipairs(store.organizations) do
      if e.id == id then return e, i end
    end
  end
  local want = lower(name)
  for i, e in ipairs(store.organizations) do
    if lower(e.name) == want and (id == nil or e.id == nil) then return e, i end
  end
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

-- Writes the store atomically (mode 0600: directory keys are sensitive).
function M.save(store)
  local ok, err = sys.write_file_atomic(store.path, M.encode(store), 384)   -- 0600
  if not ok then errors.config("%s", err) end
end

function M.dry_run()
  return sys.settings().dry_run and true or false
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
