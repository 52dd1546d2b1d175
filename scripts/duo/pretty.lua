-- Pretty printing of Lua values, as the REPL shows results: tables nested
-- with indentation in Lua constructor syntax, arrays as lists, keys sorted
-- (numbers before strings), cycles marked, long tables cut with a count.
--
--   local pretty = require "duo.pretty"
--   print(pretty.format({ 1, 2, name = "x" }))          --> { 1, 2, name = "x" }
--   print(pretty.format(t, { depth = 2, max_items = 5 }))
--
-- Options (all optional; an unknown name is an error):
--   indent     string or number of spaces per level        default 2 spaces
--   depth      levels of nesting shown; deeper tables are { … }   default 8
--   max_items  entries shown per table before "… N more"   default 20
--   max_string characters of a string shown, or false for all    default false
--   width      a table fits on one line up to this width   default 80
local options = require "duo.options"
local termtext = require "duo.termtext"

local M = {}

local DEFAULTS = { indent = "  ", depth = 8, max_items = 20, max_string = false, width = 80 }
local OPTIONS = {
  indent = { "string|integer", min = 0 },
  depth = { "integer", min = 0 },
  max_items = { "integer", min = 0 },
  max_string = { "integer|false", min = 0 },
  width = { "integer", min = 0 },
}

-- Lua's reserved words, in order (the REPL completes them too).
M.KEYWORDS = {}
local KEYWORDS = {}
for w in ([[and break do else elseif end false for function goto if in local nil
            not or repeat return then true until while]]):gmatch("%a+") do
  M.KEYWORDS[#M.KEYWORDS + 1] = w
  KEYWORDS[w] = true
end

local ELLIPSIS = "\u{2026}"

-- Returns the complete options table, raising on unknown or mistyped
-- names; fname names the calling function in the message.
local function check_options(opts, fname)
  local o = {}
  for k, v in pairs(DEFAULTS) do o[k] = v end
  for k, v in pairs(options.check(opts, OPTIONS, fname, 2)) do o[k] = v end
  if type(o.indent) == "number" then o.indent = string.rep(" ", o.indent) end
  return o
end

-- duo.null, when the JSON module is around (it is in duo-lua and once
-- duo.so is loaded).
local function json_null()
  local json = package.loaded["duo.json"]
  return type(json) == "table" and json.null or nil
end

local ESCAPES = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t",
                  ["\a"] = "\\a", ["\b"] = "\\b", ["\f"] = "\\f", ["\v"] = "\\v" }

-- A string as a Lua literal: printable bytes (UTF-8 included) as they
-- are, the usual escapes, other control bytes as \ddd; then C1 controls,
-- bidi marks and bytes that are not UTF-8 as \u{202e} and \xff
-- (duo.termtext), so a printed string never acts on the terminal.
local function quote(s, max)
  local cut = ""
  if max and #s > max then
    cut = string.format("%s(%d more bytes)", ELLIPSIS, #s - max)
    s = s:sub(1, max)
  end
  local body = s:gsub('[%c"\\]', function(c)
    return ESCAPES[c] or string.format("\\%03d", c:byte())
  end)
  return '"' .. termtext.lua(body) .. '"' .. cut
end
M.quote = quote

local function is_identifier(k)
  return type(k) == "string" and k:match("^[%a_][%w_]*$") ~= nil and not KEYWORDS[k]
end

-- Key order: numbers (ascending), then strings, then anything else by
-- type name and text.
local TYPE_RANK = { number = 1, string = 2 }
local function key_less(a, b)
  local ta, tb = type(a), type(b)
  local ra, rb = TYPE_RANK[ta] or 3, TYPE_RANK[tb] or 3
  if ra ~= rb then return ra < rb end
  if ta == "number" and tb == "number" then
    if a ~= a then return false end   -- NaN cannot be a key, but be safe
    return a < b
  end
  if ta == "string" and tb == "string" then return a < b end
  if ta ~= tb then return ta < tb end
  return tostring(a) < tostring(b)
end

-- Whether v has a __tostring metamethod (clients, errors, operations).
local function has_tostring(v)
  local mt = getmetatable(v)
  return type(mt) == "table" and rawget(mt, "__tostring") ~= nil
end

-- Secret keys are never shown (issue 14: config.current() printed every
-- profile's skey): a string of secret-key shape (40 letters and digits)
-- anywhere, and any string under a key whose name says secret.
local REDACTED = "<secret hidden>"
local SECRET_SHAPE = "^" .. string.rep("[%w+/=]", 40) .. "$"
local function secret_shaped(s)
  return #s == 40 and s:find(SECRET_SHAPE) ~= nil
end
local function secret_name(k)
  if type(k) ~= "string" then return false end
  local l = k:lower()
  return l:find("skey", 1, true) or l:find("secret", 1, true) or l:find("mkey", 1, true)
         or l:find("akey", 1, true) or l:find("passw", 1, true) or l == "authorization"
end
M.secret_shaped = secret_shaped

local function scalar(v, o)
  local t = type(v)
  if t == "string" and secret_shaped(v) then return REDACTED end
  if t == "string" then return quote(v, o.max_string or nil) end
  if t == "userdata" and v == json_null() then return "null" end
  if t == "number" and math.type(v) == "float" then
    if v ~= v then return "nan" end
    if v == math.huge then return "math.huge" end
    if v == -math.huge then return "-math.huge" end
  end
  local ok, s = pcall(tostring, v)
  if not ok then return "<" .. t .. ": __tostring failed>" end
  return s
end

local function format_key(k, o)
  if is_identifier(k) then return k end
  return "[" .. scalar(k, o) .. "]"
end

local render

-- Stands for a hidden value: rendered by its __tostring.
local HIDDEN = { __tostring = function() return REDACTED end }

-- The entries of table t as { key_text or nil, value } in display order;
-- second result: how many entries were left out.
local function entries(t, o)
  local n = 0
  while rawget(t, n + 1) ~= nil do n = n + 1 end
  local keys = {}
  for k in next, t do
    if not (math.type(k) == "integer" and k >= 1 and k <= n) then keys[#keys + 1] = k end
  end
  table.sort(keys, key_less)
  local total = n + #keys
  local shown = math.min(total, o.max_items)
  local list = {}
  for i = 1, math.min(n, shown) do list[#list + 1] = { nil, rawget(t, i) } end
  for i = 1, shown - #list do
    local k = keys[i]
    local v = rawget(t, k)
    if type(v) == "string" and v ~= "" and secret_name(k) then v = setmetatable({}, HIDDEN) end
    list[#list + 1] = { format_key(k, o), v }
  end
  return list, total - shown
end

-- Renders a table at nesting level `level` (0 = top); `col` is the column
-- where its text starts, `path` the tables being rendered (for cycles).
local function render_table(t, o, level, col, path)
  if path[t] then return "<cycle>" end
  if next(t) == nil then return "{}" end
  if level >= o.depth then return "{ " .. ELLIPSIS .. " }" end
  path[t] = true
  local list, more = entries(t, o)
  local inner = #o.indent * (level + 1)
  local parts, multiline = {}, false
  local packable = true   -- only list items that are not tables
  for i, e in ipairs(list) do
    local prefix = e[1] and (e[1] .. " = ") or ""
    if e[1] or (type(e[2]) == "table" and not has_tostring(e[2])) then packable = false end
    local text = render(e[2], o, level + 1, inner + #prefix, path)
    if text:find("\n", 1, true) then multiline = true end
    parts[i] = prefix .. text
  end
  if more > 0 then parts[#parts + 1] = string.format("%s %d more", ELLIPSIS, more) end
  path[t] = nil
  if not multiline then
    local line = "{ " .. table.concat(parts, ", ") .. " }"
    if col + #line <= o.width then return line end
  end
  local pad = string.rep(o.indent, level + 1)
  local close = "\n" .. string.rep(o.indent, level) .. "}"
  if packable then
    -- a list of plain values: as many per line as fit
    local lines, line = {}, nil
    for i, p in ipairs(parts) do
      local piece = p .. (i < #parts and "," or "")
      if line and #pad + #line + 1 + #piece <= o.width then
        line = line .. " " .. piece
      else
        if line then lines[#lines + 1] = pad .. line end
        line = piece
      end
    end
    lines[#lines + 1] = pad .. line
    return "{\n" .. table.concat(lines, "\n") .. close
  end
  return "{\n" .. pad .. table.concat(parts, ",\n" .. pad) .. close
end

function render(v, o, level, col, path)
  if type(v) == "table" and not has_tostring(v) then
    return render_table(v, o, level, col, path)
  end
  return scalar(v, o)
end

-- pretty.format(value [, options]) -> text (may span lines).
function M.format(v, opts)
  local o = check_options(opts, "format")
  return render(v, o, 0, 0, {})
end

-- pretty.format_values(n, ...) -> the first n values formatted for the
-- REPL: one line separated by tabs when each fits on a line, else one per
-- line. nil values count (so `return nil, "x"` shows both).
function M.format_values(opts, n, ...)
  local o = check_options(opts, "format_values")
  local texts, multiline = {}, false
  for i = 1, n do
    texts[i] = render((select(i, ...)), o, 0, 0, {})
    if texts[i]:find("\n", 1, true) then multiline = true end
  end
  return table.concat(texts, multiline and "\n" or "\t")
end

-- pretty.print(...) prints each value formatted, the way the REPL does.
function M.print(...)
  print(M.format_values(nil, select("#", ...), ...))
end

return M
