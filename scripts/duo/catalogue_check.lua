-- The endpoint catalogue's checker: validates rows (default: every row of
-- duo.catalogue), naming a malformed row and its problem. The test suite
-- runs it (tests/lua/test_docs.lua), not every start-up.
--
-- M.check(rows) -> true, or raises "catalogue: row api.name: problem".

local catalogue = require "duo.catalogue"

local M = {}

local LIST_FIELDS, VARIANT_FIELDS = catalogue.LIST_FIELDS, catalogue.VARIANT_FIELDS
local BODY_VERBS = catalogue.body_verbs

local KNOWN_FIELDS = {}
for f in ([[name api resource app verb path path_params args named wire required optional fixed
  defaults encode ignored redact exclusive one_of at_least_one paging items max_limit writes
  permission accounts_only body_arg nest raw unsigned sig form only_when variants variant_arg
  default_variant variant deprecated secret_response summary certainty source eventtype stream]]):gmatch("%S+") do
  KNOWN_FIELDS[f] = true
end
local FLAG_FIELDS = { at_least_one = true, accounts_only = true, raw = true, unsigned = true,
                      form = true, secret_response = true }
local PAGED = { offset = true, ["page-or-all"] = true, ["logs-v2"] = true, cursor = true }

local function set_of(t) local s = {} for _, v in ipairs(t) do s[v] = true end return s end

local function check_row(row, fail)
  local function need(cond, fmt, ...) if not cond then fail(string.format(fmt, ...)) end end
  for k in pairs(row) do need(KNOWN_FIELDS[k], "unknown field '%s'", tostring(k)) end
  need(type(row.name) == "string" and row.name:match("^[%a_][%w_]*$"), "name must be an identifier")
  need(catalogue.apis[row.api], "unknown api '%s'", tostring(row.api))
  need(catalogue.apps[row.app], "unknown app '%s'", tostring(row.app))
  need(type(row.resource) == "string", "resource missing")
  need(catalogue.verbs[row.verb], "bad verb '%s'", tostring(row.verb))
  need(type(row.path) == "string" and row.path:sub(1, 1) == "/", "path must start with '/'")
  need(row.path:sub(1, #catalogue.apis[row.api].prefix) == catalogue.apis[row.api].prefix or row.accounts_only,
       "path '%s' is outside the %s prefix", row.path, row.api)
  need(catalogue.pagings[row.paging], "bad paging '%s'", tostring(row.paging))
  need(type(row.writes) == "boolean", "writes must be a boolean")
  need(type(row.summary) == "string" and #row.summary > 0, "summary missing")
  need(row.permission == nil or catalogue.permissions[row.permission],
       "unknown permission '%s'", tostring(row.permission))
  need(row.app ~= "admin" or row.permission, "an Admin API row needs a permission")
  for f in pairs(FLAG_FIELDS) do need(row[f] == nil or row[f] == true, "%s must be true or absent", f) end
  need(row.sig == nil or row.sig == 2 or row.sig == 5, "sig must be 2 or 5")
  need(not row.accounts_only or (row.api == "admin" and row.app == "accounts"),
       "accounts_only rows are admin paths called with accounts keys")
  need(not row.unsigned or row.verb == "GET", "only a GET may be unsigned")
  need(not row.form or BODY_VERBS[row.verb], "form bodies need POST/PUT")
  need(row.deprecated == nil or type(row.deprecated) == "string", "deprecated must be text")
  need(row.certainty == nil or row.certainty == "high" or row.certainty == "medium",
       "certainty must be high or medium")
  need((row.certainty == nil) == (row.source == nil), "certainty and source go together")
  need(row.source == nil or (type(row.source) == "string" and #row.source > 0), "source must be text")
  need(row.eventtype == nil or (type(row.eventtype) == "string" and row.paging == "logs-v1"),
       "eventtype is text, on logs-v1 rows")

  -- lists: strings, no duplicates
  for _, f in ipairs(LIST_FIELDS) do
    local seen = {}
    for i, v in ipairs(row[f]) do
      need(type(v) == "string", "%s[%d] must be a string", f, i)
      need(not seen[v], "%s lists '%s' twice", f, v)
      seen[v] = true
    end
  end

  local pp = set_of(row.path_params)
  local args, named = set_of(row.args), set_of(row.named)
  local client = {}
  for a in pairs(args) do client[a] = true end
  for a in pairs(named) do
    need(not args[a], "'%s' is both required and optional", a)
    client[a] = true
  end
  for p in pairs(pp) do need(args[p], "path parameter '%s' is not a required argument", p) end

  local required, optional = set_of(row.required), set_of(row.optional)
  for w in pairs(required) do need(not optional[w], "wire '%s' both required and optional", w) end
  local wire_ok = {}
  for w in pairs(required) do wire_ok[w] = true end
  for w in pairs(optional) do wire_ok[w] = true end
  local implied = set_of(catalogue.pagings[row.paging].params)
  for w in pairs(implied) do wire_ok[w] = true end
  local nest_leaf = {}
  for top, leaves in pairs(row.nest) do
    need(required[top], "nest key '%s' is not a required wire parameter", top)
    need(type(leaves) == "table", "nest '%s' must list arguments", top)
    for _, l in ipairs(leaves) do nest_leaf[l] = top; need(client[l], "nest leaf '%s' is not an argument", l) end
  end
  need(next(row.nest) == nil or BODY_VERBS[row.verb], "nest needs a body (POST/PUT)")
  local ignored = set_of(row.ignored)
  for a in pairs(ignored) do need(client[a], "ignored '%s' is not an argument", a) end

  -- every argument goes somewhere
  local produced = {}    -- wire name -> produced by a required arg or a default
  for a in pairs(client) do
    local w = catalogue.wire_name(row, a)
    if pp[a] then
      need(row.wire[a] == nil, "path parameter '%s' cannot be renamed", a)
    elseif ignored[a] then
      need(row.wire[a] == nil, "ignored '%s' cannot be renamed", a)
    elseif a == row.body_arg then
      need(BODY_VERBS[row.verb] and args[a], "body_arg '%s' must be a required argument of a POST/PUT", a)
    elseif nest_leaf[a] then
      need(row.wire[a] == nil, "nested '%s' cannot be renamed", a)
    elseif a == row.variant_arg then
      need(named[a], "variant_arg '%s' must be optional", a)
    else
      local pattern = w:sub(-1) == "*"
      need(wire_ok[w], "argument '%s' maps to wire '%s', which is neither required, optional nor "
           .. "implied by paging", a, w)
      need(not pattern or row.encode[a] == "flatten", "prefix wire '%s' needs encoding flatten", w)
      if args[a] or row.defaults[a] ~= nil then produced[w] = true end
    end
  end
  for top in pairs(row.nest) do produced[top] = true end
  for w in pairs(row.fixed) do
    need(wire_ok[w], "fixed '%s' is not a wire parameter", w)
    produced[w] = true
  end
  for w in pairs(required) do
    need(produced[w], "required wire '%s' comes from no required argument, default or fixed value", w)
  end
  for w in pairs(optional) do
    local from = false
    for a in pairs(client) do if catalogue.wire_name(row, a) == w then from = true end end
    need(from, "optional wire '%s' comes from no argument", w)
  end
  for a, w in pairs(row.wire) do
    need(client[a], "wire maps '%s', which is not an argument", a)
    need(type(w) == "string", "wire name of '%s' must be a string", a)
  end
  for a in pairs(row.fixed) do
    for c in pairs(client) do need(catalogue.wire_name(row, c) ~= a, "fixed '%s' is also an argument", a) end
  end

  for a, e in pairs(row.encode) do
    need(client[a], "encode names '%s', which is not an argument", a)
    need(catalogue.encodings[e], "unknown encoding '%s' for '%s'", tostring(e), a)
    need(e ~= "json" or BODY_VERBS[row.verb], "encoding json for '%s' needs a body (POST/PUT)", a)
    need(not pp[a], "path parameter '%s' cannot have an encoding", a)
  end
  for a, d in pairs(row.defaults) do
    need(client[a] and not args[a], "default for '%s', which is not an optional argument", a)
    if type(d) == "table" then
      need(d.kind == "clock" or d.kind == "when" or d.kind == "json", "default for '%s' has a bad kind", a)
      if d.kind == "when" then need(client[d.arg], "default for '%s' depends on unknown '%s'", a, tostring(d.arg)) end
      if d.kind == "clock" then need((d.unit == "s" or d.unit == "ms") and math.type(d.offset) == "integer",
                                     "clock default for '%s' needs unit s|ms and an integer offset", a) end
    end
  end
  for _, f in ipairs{ "redact", "exclusive", "one_of" } do
    for _, a in ipairs(row[f]) do need(client[a], "%s names '%s', which is not an argument", f, a) end
  end
  for _, f in ipairs{ "exclusive", "one_of" } do
    for _, a in ipairs(row[f]) do need(named[a], "%s names '%s', which must be optional", f, a) end
    need(#row[f] == 0 or #row[f] >= 2, "%s needs at least two arguments", f)
  end
  need(not row.at_least_one or #row.named > 0, "at_least_one without optional arguments")
  for a, cond in pairs(row.only_when) do
    need(client[a], "only_when names '%s', which is not an argument", a)
    for other, values in pairs(cond) do
      need(client[other] and type(values) == "table" and #values > 0,
           "only_when '%s' needs an argument and a list of values", a)
    end
  end

  -- paging
  if row.paging ~= "none" then need(row.verb == "GET", "paging needs a GET") end
  if PAGED[row.paging] then
    need(math.type(row.max_limit) == "integer" and row.max_limit > 0, "paging '%s' needs max_limit", row.paging)
  end
  need(row.max_limit == nil or wire_ok.limit, "max_limit without a limit parameter")
  if row.paging == "logs-v2" or row.paging == "cursor" then
    need(type(row.items) == "string", "paging '%s' needs items (the records' key)", row.paging)
  else
    need(row.items == nil, "items only goes with logs-v2 or cursor paging")
  end
  need(row.stream == nil or (type(row.stream) == "string" and row.paging == "page-or-all"),
       "stream is the summary of a page-or-all row's twin")
  if row.paging == "page-or-all" then
    need(named.limit and named.offset, "page-or-all needs the optional arguments limit and offset")
  end
  if row.body_arg then need(#row.required == 0 and #row.optional == 0, "body_arg rows have no other params") end
end

-- Checks the rows (default: every row of catalogue.methods and catalogue.legacy); raises on
-- the first bad one, naming it. Rows given explicitly are normalized first
-- (in place), as the catalogue's own rows are at load.
function M.check(rows)
  local explicit = rows ~= nil
  local groups = explicit and { rows } or { catalogue.methods, catalogue.legacy }
  local names = {}
  for _, group in ipairs(groups) do
    for i, row in ipairs(group) do
      local label = string.format("%s.%s", tostring(row.api), tostring(row.name or ("#" .. i)))
      local function fail(msg) error("catalogue: row " .. label .. ": " .. msg, 0) end
      if explicit and row.path_params == nil then catalogue.normalize(row) end
      check_row(row, fail)
      if row.variants then
        if type(row.variants) ~= "table" or row.variant_arg == nil or row.default_variant == nil then
          fail("variants need variant_arg and default_variant")
        end
        if not row.variants[row.default_variant] then fail("default_variant has no variant") end
        for v, spec in pairs(row.variants) do
          if math.type(v) ~= "integer" then fail("variant keys must be integers") end
          for k in pairs(spec) do
            if not VARIANT_FIELDS[k] then fail(string.format("variant %d: field '%s' cannot vary", v, k)) end
          end
          if type(spec.path) ~= "string" then fail(string.format("variant %d needs a path", v)) end
          local ok, err = pcall(check_row, catalogue.variant(row, v), function(msg)
            error(string.format("variant %d: %s", v, msg), 0)
          end)
          if not ok then fail(err) end
          if not set_of(catalogue.variant(row, v).named)[row.variant_arg] then
            fail(string.format("variant %d must accept '%s'", v, row.variant_arg))
          end
        end
      elseif row.variant_arg ~= nil or row.default_variant ~= nil then
        fail("variant_arg/default_variant without variants")
      end
      local key = tostring(row.api) .. "." .. tostring(row.name)
      if names[key] then fail("duplicate name within api " .. tostring(row.api)) end
      names[key] = true
    end
  end
  return true
end

return M
