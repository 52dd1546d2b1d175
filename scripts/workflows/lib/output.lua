-- Output of the bundled workflows: aligned tables for people, CSV and
-- JSON for programs. Columns are { key = "field", title = "TITLE",
-- format = function(value, row) -> string } (format and title optional);
-- CSV headers are the field keys, so they stay stable. A public helper:
-- scripts may require "workflows.lib.output" too (duo.help "output"
-- documents table, csv, json, jsonl, open and width).
local json = require "duo.json"
local jsontext = require "duo.jsontext"
local errors = require "duo.error"
local termtext = require "duo.termtext"
local file = require("workflows.lib.host").file

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

-- Code points that take two columns on a terminal (East Asian wide and
-- full-width forms, emoji) and those that take none (combining marks,
-- zero-width joiners, variation selectors), as ranges.
local WIDE = {
  { 0x1100, 0x115F }, { 0x231A, 0x231B }, { 0x2329, 0x232A }, { 0x23E9, 0x23EC }, { 0x23F0, 0x23F0 },
  { 0x23F3, 0x23F3 }, { 0x25FD, 0x25FE }, { 0x2614, 0x2615 }, { 0x2648, 0x2653 }, { 0x267F, 0x267F },
  { 0x2693, 0x2693 }, { 0x26A1, 0x26A1 }, { 0x26AA, 0x26AB }, { 0x26BD, 0x26BE }, { 0x26C4, 0x26C5 },
  { 0x26CE, 0x26CE }, { 0x26D4, 0x26D4 }, { 0x26EA, 0x26EA }, { 0x26F2, 0x26F3 }, { 0x26F5, 0x26F5 },
  { 0x26FA, 0x26FA }, { 0x26FD, 0x26FD }, { 0x2705, 0x2705 }, { 0x270A, 0x270B }, { 0x2728, 0x2728 },
  { 0x274C, 0x274C }, { 0x274E, 0x274E }, { 0x2753, 0x2755 }, { 0x2757, 0x2757 }, { 0x2795, 0x2797 },
  { 0x27B0, 0x27B0 }, { 0x27BF, 0x27BF }, { 0x2B1B, 0x2B1C }, { 0x2B50, 0x2B50 }, { 0x2B55, 0x2B55 },
  { 0x2E80, 0x303E }, { 0x3041, 0x33FF }, { 0x3400, 0x4DBF }, { 0x4E00, 0x9FFF }, { 0xA000, 0xA4CF },
  { 0xA960, 0xA97F }, { 0xAC00, 0xD7A3 }, { 0xF900, 0xFAFF }, { 0xFE10, 0xFE19 }, { 0xFE30, 0xFE6F },
  { 0xFF00, 0xFF60 }, { 0xFFE0, 0xFFE6 }, { 0x16FE0, 0x18CFF }, { 0x1B000, 0x1B2FF }, { 0x1F004, 0x1F004 },
  { 0x1F0CF, 0x1F0CF }, { 0x1F18E, 0x1F18E }, { 0x1F191, 0x1F19A }, { 0x1F200, 0x1F2FF },
  { 0x1F300, 0x1F64F }, { 0x1F680, 0x1F6FF }, { 0x1F7E0, 0x1F7EB }, { 0x1F90C, 0x1F9FF },
  { 0x1FA70, 0x1FAFF }, { 0x20000, 0x3FFFD },
}
local ZERO = {
  { 0x0300, 0x036F }, { 0x0483, 0x0489 }, { 0x0591, 0x05BD }, { 0x0610, 0x061A }, { 0x064B, 0x065F },
  { 0x0E31, 0x0E31 }, { 0x0E34, 0x0E3A }, { 0x0E47, 0x0E4E }, { 0x1AB0, 0x1AFF }, { 0x1DC0, 0x1DFF },
  { 0x200B, 0x200F }, { 0x2028, 0x202E }, { 0x2060, 0x2064 }, { 0x20D0, 0x20FF }, { 0xFE00, 0xFE0F },
  { 0xFE20, 0xFE2F }, { 0xFEFF, 0xFEFF }, { 0x1F3FB, 0x1F3FF }, { 0xE0000, 0xE0FFF },
}

local function in_ranges(ranges, c)
  local lo, hi = 1, #ranges
  while lo <= hi do
    local mid = (lo + hi) // 2
    local r = ranges[mid]
    if c < r[1] then hi = mid - 1
    elseif c > r[2] then lo = mid + 1
    else return true end
  end
  return false
end

-- The columns a string takes on a terminal.
function M.width(s)
  if not s:find("[\128-\255]") then return #s end
  if utf8.len(s) == nil then return #s end
  local w = 0
  for _, c in utf8.codes(s) do
    if in_ranges(ZERO, c) then
      -- nothing
    elseif in_ranges(WIDE, c) then
      w = w + 2
    else
      w = w + 1
    end
  end
  return w
end
local width = M.width

-- The widest a table cell is shown, in terminal columns; longer values end
-- in "…" (--format json/csv carry them whole). A column may set its own
-- `max_width`.
M.MAX_CELL = 60

-- s cut to at most `max` columns, ending in "…" when it was cut; and its width.
local function fit(s, max)
  local w = width(s)
  if w <= max then return s, w end
  if utf8.len(s) == nil then return s:sub(1, max - 1) .. "…", max end
  local used, stop = 0, 0
  for p, c in utf8.codes(s) do
    local cw = in_ranges(ZERO, c) and 0 or in_ranges(WIDE, c) and 2 or 1
    if used + cw > max - 1 then break end
    used = used + cw
    stop = p + #utf8.char(c) - 1
  end
  return s:sub(1, stop) .. "…", used + 1
end
M.fit = fit

-- s without trailing blanks, in one pass from the end (a pattern such as
-- "%s+$" rescans every run of padding: quadratic on wide rows).
local function rstrip(s)
  local i = #s
  while i > 0 do
    local b = s:byte(i)
    if b ~= 32 and b ~= 9 then break end
    i = i - 1
  end
  return s:sub(1, i)
end

-- Writes rows as aligned columns with a title row (missing values as "-").
-- Every title and cell is made inert first (duo.termtext: a control byte,
-- C1, DEL or bidi mark is shown as an escape, a newline or tab as a space).
-- Time and memory are linear in the size of the cells.
function M.table(rows, columns, out)
  out = out or io.stdout
  local cells, cell_widths, widths = {}, {}, {}
  local titles, title_widths = {}, {}
  for c, col in ipairs(columns) do
    titles[c] = termtext.cell((col.title or col.key:upper():gsub("_", " ")))
    title_widths[c] = width(titles[c])
    widths[c] = title_widths[c]
  end
  for r, row in ipairs(rows) do
    cells[r], cell_widths[r] = {}, {}
    for c, col in ipairs(columns) do
      local s, w = fit(termtext.cell(cell(col, row, "-")), col.max_width or M.MAX_CELL)
      cells[r][c], cell_widths[r][c] = s, w
      if w > widths[c] then widths[c] = w end
    end
  end
  local function line(values, value_widths)
    local parts = {}
    for c, v in ipairs(values) do
      if c < #values then
        parts[c] = v .. string.rep(" ", widths[c] - value_widths[c])
      else
        parts[c] = v
      end
    end
    out:write(rstrip(table.concat(parts, "  ")), "\n")
  end
  line(titles, title_widths)
  for r, values in ipairs(cells) do line(values, cell_widths[r]) end
end

-- One CSV field, quoted when it must be (RFC 4180).
function M.csv_field(s)
  if s:find('[",\r\n]') or s:find("^%s") or s:find("%s$") then
    return '"' .. s:gsub('"', '""') .. '"'
  end
  return s
end

-- A text cell a spreadsheet would run as a formula (=, +, -, @, or a tab
-- or carriage return before one) gets a leading apostrophe. Numbers are
-- left alone: they are written by us, not taken from the data.
function M.csv_safe(v)
  if type(v) == "string" and v:find("^[=+%-@\t\r]") then return "'" .. v end
  return v
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
      v = M.csv_safe(v)
      if is_none(v) then v = "" end
      fields[c] = M.csv_field(tostring(v))
    end
    out:write(table.concat(fields, ","), "\n")
  end
end

-- One JSON value a line (--format jsonl).
function M.jsonl(rows, out)
  out = out or io.stdout
  for _, row in ipairs(rows) do out:write(json.encode(row), "\n") end
end

-- Where the output goes: --output FILE or standard output. Returns the
-- stream and a function that finishes it (closing a file; raising on a
-- write error).
-- Files this run reads, which no --output may write over: inputs
-- registered with M.protect, and always the config and the mapping store
-- in force. Compared by file identity (device and inode), not by name, so
-- a link or another spelling of the path is caught too.
local protected = {}

function M.protect(path, label)
  if path ~= nil and path ~= "-" then protected[#protected + 1] = { path = path, label = label } end
end

local function refuse_protected(path)
  local id = file.identity(path)
  if id == nil then return end
  local list = { table.unpack(protected) }
  local ok, config_path = pcall(function() return require("duo.config").path() end)
  if ok and config_path then list[#list + 1] = { path = config_path, label = "the config file" } end
  local found, store_path = pcall(function() return require("duo.mappings").path() end)
  if found and store_path then list[#list + 1] = { path = store_path, label = "the mapping store" } end
  for _, p in ipairs(list) do
    if file.identity(p.path) == id then
      errors.config("--output %s is %s (%s) that this run reads: write the output to another file",
                    path, p.label, p.path)
    end
  end
end

local FLAGS = { force_mode = 1, no_follow = 2 }

-- The one way to write an --output file (tables, reports, exports):
-- standard output for nil or "-"; else the text is gathered and, at
-- finish(), replaces the file atomically (never half written, never
-- through a link at the path: a link there is replaced itself). A path
-- that is this run's config, store or an input is refused. opts.private:
-- the file holds directory keys or users' data and is made owner-only
-- (0600), also when it exists. Returns out (with :write) and finish().
function M.open(path, opts)
  opts = opts or {}
  if path == nil or path == "-" then
    return io.stdout, function() io.stdout:flush() end
  end
  refuse_protected(path)
  if file.kind(path) == "directory" then errors.config("cannot write --output %s: it is a folder", path) end
  local dir = require("duo.path").dirname(path)
  if file.kind(dir) ~= "directory" then
    errors.config("cannot write --output %s: the folder %s does not exist", path, dir)
  end
  local parts = {}
  local out = {}
  function out:write(...)
    for i = 1, select("#", ...) do parts[#parts + 1] = tostring((select(i, ...))) end
    return self
  end
  return out, function()
    local flags = FLAGS.no_follow + (opts.private and FLAGS.force_mode or 0)
    local ok, err = file.replace(path, table.concat(parts), opts.private and 384 or 420, flags)   -- 0600 / 0644
    if not ok then errors.config("%s (--output)", err) end
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

-- A comparator for table.sort: rows by their name_key field regardless of
-- case, then by their id_key field (child accounts as people look for them).
function M.by_name(name_key, id_key)
  return function(a, b)
    local x, y = a[name_key]:lower(), b[name_key]:lower()
    if x ~= y then return x < y end
    return a[id_key] < b[id_key]
  end
end

-- A secret-ish value shown masked: the first two and the last four
-- characters ("DD…WXYZ"); short values are hidden entirely. The same form
-- as --trace, --log and --dry-run show directory keys in (duo.termtext).
function M.mask(s)
  if is_none(s) or s == "" then return s end
  return termtext.mask(s)
end

return M
