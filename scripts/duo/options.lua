-- The one checker of options tables: every name known (an unknown one is
-- refused by name), every value of its kind, and the error raised at the
-- line of the code that called into the module, whatever the depth inside
-- it. Whole floats (5.0, what a JSON decoder gives) count as integers, as
-- in Lua's own library, and come back as integers.
--
--   local checked = options.check(opts, SPEC, "parallel", 3)
--
-- A SPEC maps each name to a kind, or to { kind, min = n, values = {...} }:
--   "string" "boolean" "table" "function"   that type
--   "number"    any number but NaN
--   "integer"   a whole number
--   "false"     the value false (for "or false for none")
--   kinds joined with "|" ("string|integer") accept either;
--   min: the smallest number allowed; values: the only values allowed.
local M = {}

local ARTICLE = { integer = "an integer", number = "a number", string = "a string", boolean = "a boolean",
                  table = "a table", ["function"] = "a function", ["false"] = "false" }

-- The error level, counted from the function that calls error(), of the
-- first function outside the duo module (embedded as "@duo/...").
local function blame_level()
  local level = 1
  while true do
    local info = debug.getinfo(level + 1, "S")
    if info == nil or info.source:sub(1, 5) ~= "@duo/" then return level end
    level = level + 1
  end
end

-- Raises message at the line of the code that called into the module.
function M.raise(message)
  error(message, blame_level())
end

-- Raises "bad argument #arg to 'fname' (message)" at the user's line.
function M.arg_error(fname, arg, message)
  error(string.format("bad argument #%d to '%s' (%s)", arg, fname, message), blame_level())
end

-- The value converted to the kind (integers from whole floats), or nil.
local function as_kind(v, kind)
  if kind == "integer" then
    return type(v) == "number" and math.tointeger(v) or nil
  elseif kind == "false" then
    if v == false then return false end
    return nil
  elseif kind == "number" then
    if type(v) == "number" and v == v then return v end
    return nil
  elseif type(v) == kind then
    return v
  end
  if ARTICLE[kind] == nil then error("options: unknown kind '" .. tostring(kind) .. "'", 3) end
  return nil
end

local function describe(v)
  if type(v) == "number" or type(v) == "boolean" then return tostring(v) end
  if type(v) == "string" then return string.format("%q", v) end
  return type(v)
end

-- The checked value of one option, or nil and what is wrong.
local function check_value(v, want)
  local rule = type(want) == "table" and want or { want }
  if rule.values then
    for _, allowed in ipairs(rule.values) do
      if v == allowed then return v end
    end
    local names = {}
    for i, allowed in ipairs(rule.values) do names[i] = describe(allowed) end
    return nil, "must be " .. table.concat(names, ", ", 1, #names - 1)
                .. (#names > 1 and " or " or "") .. names[#names] .. ", got " .. describe(v)
  end
  local wanted = {}
  for kind in rule[1]:gmatch("[^|]+") do
    local ok = as_kind(v, kind)
    if ok ~= nil then
      if rule.min and type(ok) == "number" and ok < rule.min then
        return nil, string.format("must be %s >= %s, got %s", ARTICLE[kind], tostring(rule.min), describe(v))
      end
      return ok
    end
    wanted[#wanted + 1] = ARTICLE[kind]
  end
  local got = type(v)
  if got == "number" then got = describe(v) end
  return nil, "must be " .. table.concat(wanted, " or ") .. ", got " .. got
end

-- options.check(opts, spec, fname, arg) -> a copy of opts with checked
-- values (an empty table for nil). Raises a bad-argument error naming the
-- option otherwise.
function M.check(opts, spec, fname, arg)
  local out = {}
  if opts == nil then return out end
  if type(opts) ~= "table" then
    M.arg_error(fname, arg, "table expected, got " .. type(opts))
  end
  for k, v in pairs(opts) do
    local want = spec[k]
    if want == nil then
      M.arg_error(fname, arg, string.format("unknown option '%s'", tostring(k)))
    end
    local checked, problem = check_value(v, want)
    if problem then
      M.arg_error(fname, arg, string.format("'%s' %s", k, problem))
    end
    out[k] = checked
  end
  return out
end

-- The keys of t in a stable order (for "known: ..." lists, and so that
-- the first problem reported is always the same one).
function M.sorted_keys(t)
  local names = {}
  for k in pairs(t) do names[#names + 1] = k end
  table.sort(names, function(a, b) return tostring(a) < tostring(b) end)
  return names
end

return M
