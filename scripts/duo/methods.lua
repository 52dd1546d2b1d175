-- Client methods generated from the endpoint catalogue: argument parsing
-- and checking, encoding into wire parameters, and the request each call
-- sends. Paging lives in duo.paging; this module only builds requests.
local catalogue = require "duo.catalogue"
local loop = require "duo._loop"
local json = require "duo.json"
local signing = require "duo._sign"
local options = require "duo.options"

local M = {}

local percent = signing.percent_encode

local function arg_error(fname, n, msg)
  options.raise(string.format("bad argument #%d to '%s' (%s)", n, fname, msg))
end

-- A number as Duo expects it in a string: integers without ".0".
local function scalar_string(v)
  if math.type(v) == "float" and v == math.floor(v) and math.abs(v) < 2^63 then
    return string.format("%d", v)
  end
  return tostring(v)
end

local function types_of(row, name)
  local enc = row.encode[name] or "scalar"
  if name == row.body_arg then return { table = true }, "table" end
  local spec = catalogue.encodings[enc]
  local set = {}
  for _, t in ipairs(spec.types) do set[t] = true end
  return set, table.concat(spec.types, " or ")
end

-- Every argument name the row accepts.
local function accepted(row)
  local set = {}
  for _, a in ipairs(row.args) do set[a] = true end
  for _, a in ipairs(row.named) do set[a] = true end
  if row.variant_arg then set[row.variant_arg] = true end
  return set
end

-- Parses (required positional args..., [named table]) or (one table with
-- all of them) into one table of arguments. Raises Lua argument errors in
-- the style of the standard library.
function M.parse_args(row, fname, ...)
  local n = select("#", ...)
  local given = { ... }
  local args = {}
  local nreq = #row.args
  local first = given[1]
  local all_named = false
  if nreq == 0 then
    all_named = true
  elseif n == 1 and type(first) == "table" then
    -- one table: all arguments by name, unless the first argument is itself
    -- a table (a policy body, a list) and the table is not keyed by names
    local want = types_of(row, row.args[1])
    all_named = not want.table or first[row.args[1]] ~= nil
  end
  local named_index
  if all_named then
    if n > 1 then arg_error(fname, 2, "no more arguments expected after the table of arguments") end
    if first ~= nil and type(first) ~= "table" then
      arg_error(fname, 1, "table of arguments expected, got " .. type(first))
    end
    named_index = 1
    for k, v in pairs(first or {}) do args[k] = v end
  else
    for i, name in ipairs(row.args) do args[name] = given[i] end
    named_index = nreq + 1
    -- optional positional arguments, until the table of named ones
    for _, name in ipairs(row.positional) do
      local v = given[named_index]
      if type(v) == "table" and not types_of(row, name).table then break end
      if named_index > n then break end
      args[name] = v
      named_index = named_index + 1
    end
    local extra = given[named_index]
    if extra ~= nil and type(extra) ~= "table" then
      arg_error(fname, named_index, "table of named arguments expected, got " .. type(extra))
    end
    if n > named_index then arg_error(fname, named_index + 1, "no more arguments expected") end
    for k, v in pairs(extra or {}) do
      if args[k] ~= nil then arg_error(fname, named_index, "'" .. tostring(k) .. "' given twice") end
      args[k] = v
    end
  end
  local ok = accepted(row)
  for k in pairs(args) do
    if not ok[k] then
      arg_error(fname, named_index, "unknown argument '" .. tostring(k) .. "'")
    end
  end
  for i, name in ipairs(row.args) do
    if args[name] == nil then
      local _, want = types_of(row, name)
      arg_error(fname, all_named and 1 or i,
                (all_named and ("'" .. name .. "' is required, ") or "") .. want .. " expected, got nil")
    end
  end
  for name, v in pairs(args) do
    if name ~= row.variant_arg and v ~= json.null then
      local set, want = types_of(row, name)
      if name == "limit" or name == "offset" then set, want = { number = true, string = true }, "number" end
      local bad
      if not set[type(v)] then
        bad = string.format("'%s' must be a %s, got %s", name, want, type(v))
      elseif row.encode[name] == "truefalse_text" and type(v) == "string"
             and v:lower() ~= "true" and v:lower() ~= "false" then
        bad = string.format("'%s' must be true, false, \"true\" or \"false\", got \"%s\"", name, v)
      end
      if bad then
        local pos = all_named and 1 or nil
        if not pos then
          for i, a in ipairs(row.args) do if a == name then pos = i end end
          for i, a in ipairs(row.positional) do if a == name then pos = nreq + i end end
        end
        arg_error(fname, pos or named_index, bad)
      end
    end
  end
  return args
end

-- Argument rules across several arguments.
local function check_rules(row, fname, args)
  local count = 0
  for _, a in ipairs(row.exclusive) do if args[a] ~= nil then count = count + 1 end end
  if count > 1 then
    options.raise(string.format("%s: give at most one of %s", fname, table.concat(row.exclusive, ", ")))
  end
  if #row.one_of > 0 then
    count = 0
    for _, a in ipairs(row.one_of) do if args[a] ~= nil then count = count + 1 end end
    if count ~= 1 then
      options.raise(string.format("%s: give exactly one of %s", fname, table.concat(row.one_of, ", ")))
    end
  end
  if row.at_least_one then
    local any = false
    for _, a in ipairs(row.named) do if args[a] ~= nil then any = true end end
    if not any then
      options.raise(string.format("%s: nothing to change: give at least one of %s (duo-lua refuses an empty "
                          .. "update, which would change nothing)", fname, table.concat(row.named, ", ")))
    end
  end
end

local ENCODERS = {}
-- numbers become decimal strings here, not only in the query: a JSON body
-- must carry "3600", as the official client sends, not 3600
function ENCODERS.scalar(v)
  if type(v) == "number" then return scalar_string(v) end
  return v
end
function ENCODERS.bool10(v) return (v == true or v == 1) and "1" or "0" end
function ENCODERS.truefalse(v) return v and "true" or "false" end
function ENCODERS.pybool(v) return v and "True" or "False" end
function ENCODERS.truefalse_text(v)
  if type(v) == "string" then return v:lower() end
  return v and "true" or "false"
end
function ENCODERS.sort(v)
  if v == "asc" or v == "desc" then return "ts:" .. v end
  return v
end
function ENCODERS.flag(v) if v then return "1" end return nil end
function ENCODERS.json(v) return v end
function ENCODERS.json_string(v) return json.encode(json.array(v)) end
function ENCODERS.csv(v)
  if type(v) ~= "table" then return scalar_string(v) end
  local parts = {}
  for i, x in ipairs(v) do parts[i] = scalar_string(x) end
  return table.concat(parts, ",")
end
function ENCODERS.list(v)
  if type(v) ~= "table" then return v end
  local out = json.array{}
  for i, x in ipairs(v) do out[i] = scalar_string(x) end
  return out
end
ENCODERS.base64 = signing.base64_encode
function ENCODERS.urlencoded(v)
  if type(v) ~= "table" then return v end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = tostring(k) end
  table.sort(keys)
  for i, k in ipairs(keys) do keys[i] = percent(k) .. "=" .. percent(scalar_string(v[k])) end
  return table.concat(keys, "&")
end

local function sent(row, args, name)
  local rule = row.only_when[name]
  if not rule then return true end
  for other, values in pairs(rule) do
    for _, v in ipairs(values) do
      if args[other] == v then return true end
    end
  end
  return false
end

-- The request of one call: { verb, path, params | body, raw, unsigned,
-- row }. `args` as parse_args returned them (defaults are filled in here).
function M.build(row, fname, args)
  if row.variants then
    local version = args[row.variant_arg]
    local v = catalogue.variant(row, version)
    if v == nil then
      local known = {}
      for k in pairs(row.variants) do known[#known + 1] = tostring(k) end
      table.sort(known)
      options.raise(string.format("bad argument #1 to '%s' ('%s' must be one of %s)", fname, row.variant_arg,
                          table.concat(known, ", ")))
    end
    row = v
    local ok = accepted(row)
    for k in pairs(args) do
      if not ok[k] then
        options.raise(string.format("bad argument #1 to '%s' ('%s' is not taken by %s %s; it takes %s)", fname,
                            tostring(k), row.variant_arg, tostring(version or row.default_variant),
                            table.concat(row.named, ", ")))
      end
    end
  end
  check_rules(row, fname, args)
  local now = loop.unix_time()
  for name, spec in pairs(row.defaults) do
    if args[name] == nil then
      local value = catalogue.default_value(spec, args, now)
      if type(value) == "table" and value.json then value = json.decode(value.json) end
      args[name] = value
    end
  end

  local in_path = {}
  local path = row.path:gsub("{([^}]*)}", function(p)
    in_path[p] = true
    return percent(scalar_string(args[p]))
  end)

  local ignored = {}
  for _, a in ipairs(row.ignored) do ignored[a] = true end
  local params = {}
  for name, value in pairs(args) do
    if not in_path[name] and not ignored[name] and name ~= row.variant_arg and name ~= row.body_arg
       and value ~= nil and sent(row, args, name) then
      local enc = row.encode[name] or "scalar"
      local wire = row.wire[name] or name
      if enc == "flatten" then
        local prefix = wire:gsub("%*$", "")
        for k, v in pairs(value) do params[prefix .. tostring(k)] = scalar_string(v) end
      else
        local encoded = ENCODERS[enc](value)
        if encoded ~= nil then params[wire] = encoded end
      end
    end
  end
  for k, v in pairs(row.fixed) do params[k] = v end

  local request = { verb = row.verb, path = path, raw = row.raw, unsigned = row.unsigned, row = row }
  if row.body_arg then
    local body = {}
    for k, v in pairs(args[row.body_arg]) do body[k] = v end
    for k, v in pairs(params) do body[k] = v end
    request.body = body
  elseif next(row.nest) then
    local body = {}
    for top, leaves in pairs(row.nest) do
      local inner = {}
      for _, leaf in ipairs(leaves) do
        inner[leaf] = params[leaf]
        params[leaf] = nil
      end
      body[top] = inner
    end
    for k, v in pairs(params) do body[k] = v end
    request.body = body
  else
    request.params = params
  end
  return request
end

-- A copy of params with the row's redacted arguments masked (for
-- --dry-run and the sandbox's log); row nil: a plain copy.
function M.redacted(row, params)
  local out = {}
  for k, v in pairs(params or {}) do out[k] = v end
  if row == nil then return out end
  for _, a in ipairs(row.redact) do
    local w = row.wire[a] or a
    if out[w] ~= nil then out[w] = "***" end
  end
  return out
end

return M
