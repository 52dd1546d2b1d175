-- Output of the bundled workflows: aligned tables for people, CSV and
-- JSON for programs. Columns are { key = "field", title = "TITLE",
-- format = function(value, row) -> string } (format and title optional);
-- CSV headers are the field keys, so they stay stable.
local json = require "duo.json"
local jsontext = require "duo.jsontext"

local M = {}

local function is_none(v)
  return v == nil or v == json.null
end

local function cell(col, row, empty)
  local v = row[col.key]
  if col.format then v = col.format(v, row) end
  if is_none(v) then return empty end
  if v == true then return "yes" end
  if v == false then return "no" end
  return tostring(v)
end

local function width(s)
  return utf8.len(s) or #s
end

-- Writes rows as aligned columns with a title row (missing values as "-").
function M.table(rows, columns, out)
  out = out or io.stdout
  local cells, widths = {}, {}
  local titles = {}
  for c, col in ipairs(columns) do
    titles[c] = col.title or col.key:upper():gsub("_", " ")
    widths[c] = width(titles[c])
  end
  for r, row in ipairs(rows) do
    cells[r] = {}
    for c, col in ipairs(columns) do
      local s = cell(col, row, "-"):gsub("[\r\n\t]", " ")
      cells[r][c] = s
      widths[c] = math.max(widths[c], width(s))
    end
  end
  local function line(values)
    local parts = {}
    for c, v in ipairs(values) do
      if c < #values then
        parts[c] = v .. string.rep(" ", widths[c] - width(v))
      else
        parts[c] = v
      end
    end
    out:write((table.concat(parts, "  "):gsub("%s+$", "")), "\n")
  end
  line(titles)
  for _, values in ipairs(cells) do line(values) end
end

-- One CSV field, quoted when it must be (RFC 4180).
function M.csv_field(s)
  if s:find('[",\r\n]') or s:find("^%s") or s:find("%s$") then
    return '"' .. s:gsub('"', '""') .. '"'
  end
  return s
end

-- Writes a header row of the column keys, then one line per row.
function M.csv(rows, columns, out)
  out = out or io.stdout
  local header = {}
  for c, col in ipairs(columns) do header[c] = M.csv_field(col.key) end
  out:write(table.concat(header, ","), "\n")
  for _, row in ipairs(rows) do
    local fields = {}
    for c, col in ipairs(columns) do
      local v = row[col.key]
      if col.csv then v = col.csv(v, row) end
      if is_none(v) then v = "" end
      fields[c] = M.csv_field(tostring(v))
    end
    out:write(table.concat(fields, ","), "\n")
  end
end

-- JSON text, indented by two spaces, keys sorted, ending in a newline.
function M.json_text(value)
  return jsontext.encode(value)
end

function M.json(value, out)
  (out or io.stdout):write(M.json_text(value))
end

-- Rounds to two decimals (scores).
function M.round2(x)
  return math.floor(x * 100 + 0.5) / 100
end

-- A secret-ish value shown masked: the first two and the last four
-- characters ("DD…WXYZ"); short values are hidden entirely.
function M.mask(s)
  if is_none(s) or s == "" then return s end
  if #s <= 8 then return string.rep("\u{2022}", 4) end
  return s:sub(1, 2) .. "\u{2026}" .. s:sub(-4)
end

return M
