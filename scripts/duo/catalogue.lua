-- The endpoint catalogue, indexed: the rows of duo.catalogue_rows normalized
-- (every list and map field present, paging and writes filled in, variant
-- rows showing their default variant), and the lookups the client, the docs,
-- --dry-run and the sandbox's routing use. Client methods are generated from
-- these rows; adding an endpoint is adding a row to duo.catalogue_rows.
-- duo.catalogue_check validates the rows (the test suite runs it, not every
-- start-up: the rows are compiled into the binary and cannot change after a
-- build). No globals, no I/O.
--
-- The module: M.methods (admin, accounts, auth, device rows, grouped by api then
-- resource), M.legacy (auth_v1 rows), M.by_name[api][name], M.endpoints and
-- M.route(verb, path) (distinct endpoints, for the sandbox), M.variant(row,
-- version), M.wire_name(row, arg), M.default_value(spec, args, now),
-- M.hint(row, code), M.normalize(row), M.path_params(path), and the
-- vocabularies of duo.catalogue_rows (M.apis, M.apps, M.permissions,
-- M.pagings, M.encodings, M.verbs, M.body_verbs; M.clock, M.when, M.json).

local rows = require "duo.catalogue_rows"

local M = {}

for _, k in ipairs{ "verbs", "body_verbs", "apis", "apps", "permissions", "pagings", "encodings",
                    "clock", "when", "json" } do
  M[k] = rows[k]
end
local list, legacy = rows.methods, rows.legacy

-- Normalization ------------------------------------------------------------

M.LIST_FIELDS = { "args", "named", "required", "optional", "ignored", "redact", "exclusive", "one_of" }
M.MAP_FIELDS = { "wire", "fixed", "defaults", "encode", "only_when", "nest" }
M.VARIANT_FIELDS = { path = true, paging = true, items = true, max_limit = true, named = true,
  required = true, optional = true, defaults = true, encode = true, wire = true, deprecated = true,
  eventtype = true }
local LIST_FIELDS, MAP_FIELDS, VARIANT_FIELDS = M.LIST_FIELDS, M.MAP_FIELDS, M.VARIANT_FIELDS

-- The {x} parameters of a path template, in order.
function M.path_params(path)
  local out = {}
  for p in path:gmatch("{([^}]*)}") do out[#out + 1] = p end
  return out
end

local function copy_list(t)
  if type(t) ~= "table" then return t end
  local c = {} for i, v in ipairs(t) do c[i] = v end return c
end
local function copy_map(t)
  if type(t) ~= "table" then return t end
  local c = {} for k, v in pairs(t) do c[k] = v end return c
end

-- A variant row's own fields, before its default variant is merged in.
local base_of = setmetatable({}, { __mode = "k" })

-- Overlays variant `v` on the fields `base`, into `r`.
local function apply_variant(r, base, v)
  for f in pairs(VARIANT_FIELDS) do r[f] = base[f] end
  for f, val in pairs(v) do r[f] = val end
  for _, f in ipairs(LIST_FIELDS) do if VARIANT_FIELDS[f] then r[f] = copy_list(r[f] or {}) end end
  for _, f in ipairs(MAP_FIELDS) do if VARIANT_FIELDS[f] then r[f] = copy_map(r[f] or {}) end end
  r.paging = r.paging or "none"
  r.path_params = type(r.path) == "string" and M.path_params(r.path) or {}
end

-- Fills in a row as written (in place) and returns it.
function M.normalize(row)
  for _, f in ipairs(LIST_FIELDS) do row[f] = copy_list(row[f] or {}) end
  for _, f in ipairs(MAP_FIELDS) do row[f] = copy_map(row[f] or {}) end
  if row.permission == false then row.permission = nil end
  if row.writes == nil then row.writes = row.verb ~= "GET" end
  if type(row.variants) == "table" and type(row.variants[row.default_variant]) == "table" then
    -- the row's own fields are those of its default variant; M.variant()
    -- gives the others
    local base = {}
    for f in pairs(VARIANT_FIELDS) do base[f] = row[f] end
    base_of[row] = base
    local deprecated = row.deprecated
    apply_variant(row, base, row.variants[row.default_variant])
    row.deprecated = deprecated
  else
    if row.paging == nil then row.paging = "none" end
    row.path_params = type(row.path) == "string" and M.path_params(row.path) or {}
  end
  return row
end

for _, row in ipairs(list) do M.normalize(row) end
for _, row in ipairs(legacy) do M.normalize(row) end

M.methods = list
M.legacy = legacy

-- The row as it is for one variant (version, default: the row's default):
-- the variant's fields overlay the row's own. A row without variants comes
-- back unchanged; an unknown version gives nil.
function M.variant(row, version)
  if not row.variants then return row end
  if version == nil then version = row.default_variant end
  local v = row.variants[version]
  if type(v) ~= "table" then return nil end
  local r = {}
  for k, val in pairs(row) do r[k] = val end
  apply_variant(r, base_of[row] or {}, v)
  r.variant = version
  return r
end

-- The wire name of a client argument.
function M.wire_name(row, arg)
  return row.wire[arg] or arg
end

-- A default's value for one call: `args` the caller's arguments, `now` the
-- current time in (fractional) Unix seconds. nil: no default applies.
-- kind "json" comes back as { json = text } for the caller's codec.
function M.default_value(spec, args, now)
  if type(spec) ~= "table" then return spec end
  if spec.kind == "clock" then
    local t = (now or os.time()) + spec.offset
    if spec.unit == "ms" then return math.floor(t * 1000) end
    return math.floor(t)
  elseif spec.kind == "when" then
    if args and args[spec.arg] then return spec.value end
    return nil
  elseif spec.kind == "json" then
    return { json = spec.text }
  end
end

-- Indexes ------------------------------------------------------------------

M.by_name = {}
for _, row in ipairs(list) do
  M.by_name[row.api] = M.by_name[row.api] or {}
  M.by_name[row.api][row.name] = row
end
for _, row in ipairs(legacy) do
  M.by_name[row.api] = M.by_name[row.api] or {}
  M.by_name[row.api][row.name] = row
end

-- Endpoints: distinct (verb, path template) pairs, each with the rows that
-- use it (several methods share one endpoint: get_users, get_users_iterator,
-- get_user_by_email, ...). Variant paths count as endpoints of their row.
local function build_endpoints(rows)
  local eps, seen = {}, {}
  local function add(verb, path, row, variant)
    local key = verb .. " " .. path
    local ep = seen[key]
    if not ep then
      local segs = {}
      for s in path:gmatch("[^/]+") do segs[#segs + 1] = s end
      ep = { verb = verb, path = path, segments = segs, rows = {}, variants = {} }
      seen[key] = ep
      eps[#eps + 1] = ep
    end
    ep.rows[#ep.rows + 1] = row
    ep.variants[#ep.rows] = variant
  end
  for _, row in ipairs(rows) do
    if row.variants then
      local versions = {}
      for v in pairs(row.variants) do versions[#versions + 1] = v end
      table.sort(versions)
      for _, v in ipairs(versions) do add(row.verb, row.variants[v].path, row, v) end
    else
      add(row.verb, row.path, row)
    end
  end
  return eps
end

local all_rows = {}
for _, row in ipairs(list) do all_rows[#all_rows + 1] = row end
for _, row in ipairs(legacy) do all_rows[#all_rows + 1] = row end
M.endpoints = build_endpoints(all_rows)

local function unescape(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

-- Routes a request (the sandbox's view): the endpoint whose template matches
-- `path` (without query), literal segments winning over parameters, and the
-- decoded path parameters. nil when nothing matches.
function M.route(verb, path)
  local segs = {}
  for s in path:gsub("%?.*$", ""):gmatch("[^/]+") do segs[#segs + 1] = s end
  local best, best_params, best_score
  for _, ep in ipairs(M.endpoints) do
    if ep.verb == verb and #ep.segments == #segs then
      local params, score, ok = {}, "", true
      for i, tmpl in ipairs(ep.segments) do
        local p = tmpl:match("^{(.*)}$")
        if p then
          params[p] = unescape(segs[i]); score = score .. "0"
        elseif tmpl == segs[i] then
          score = score .. "1"
        else
          ok = false; break
        end
      end
      if ok and (not best_score or score > best_score) then
        best, best_params, best_score = ep, params, score
      end
    end
  end
  return best, best_params
end

-- Hints for error codes 40102 (wrong application type) and 40301 (missing
-- permission), or nil.
function M.hint(row, code)
  code = tonumber(code)
  if code == 40102 then
    local app = M.apps[row.app]
    local h = app.hint
    if row.accounts_only then
      h = "this call needs the parent's Accounts API keys on a child account "
        .. "(accounts:child(...)), and Duo support must enable billing endpoints"
    end
    return h
  elseif code == 40301 then
    if row.accounts_only then
      return "billing endpoints must be enabled for the parent account by Duo support"
    end
    local p = row.permission and M.permissions[row.permission]
    if p then
      return string.format("the %s application needs the '%s' permission (Admin Panel: '%s')",
                           M.apps[row.app].application, row.permission, p.panel)
    end
    return "the endpoint may not be enabled for this account or edition"
  end
end

return M
