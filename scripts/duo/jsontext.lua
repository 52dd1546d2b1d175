-- Indented JSON text, for people to read (the C codec writes compact
-- JSON): the workflows' --format json and the sandbox's seed files.
local json = require "duo.json"

local M = {}

local function is_array(t)
  if json.is_array(t) then return true end
  local n = #t
  if n == 0 then return false end
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n
end

local function write(v, indent, out, width, rank)
  if type(v) ~= "table" or next(v) == nil then
    out[#out + 1] = json.encode(v)
    return
  end
  if width > 0 then
    local flat = json.encode(v)
    if #flat + #indent <= width then
      out[#out + 1] = flat
      return
    end
  end
  local inner = indent .. "  "
  if is_array(v) then
    out[#out + 1] = "[\n"
    for i = 1, #v do
      out[#out + 1] = inner
      write(v[i], inner, out, width, rank)
      out[#out + 1] = i < #v and ",\n" or "\n"
    end
    out[#out + 1] = indent .. "]"
    return
  end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = tostring(k) end
  table.sort(keys, function(a, b)
    local ra, rb = rank[a] or math.huge, rank[b] or math.huge
    if ra ~= rb then return ra < rb end
    return a < b
  end)
  out[#out + 1] = "{\n"
  for i, k in ipairs(keys) do
    local value = v[k]
    if value == nil then value = v[tonumber(k)] end
    out[#out + 1] = inner .. json.encode(k) .. ": "
    write(value, inner, out, width, rank)
    out[#out + 1] = i < #keys and ",\n" or "\n"
  end
  out[#out + 1] = indent .. "}"
end

-- JSON text indented by two spaces, ending in a newline. opts.width: a
-- value whose compact form fits in that many columns stays on one line
-- (default 0: only scalars and empty containers do); opts.first: keys
-- listed first, in this order, before the rest sorted.
function M.encode(v, opts)
  opts = opts or {}
  local rank = {}
  for i, k in ipairs(opts.first or {}) do rank[k] = i end
  local out = {}
  write(v, "", out, opts.width or 0, rank)
  out[#out + 1] = "\n"
  return table.concat(out)
end

return M
