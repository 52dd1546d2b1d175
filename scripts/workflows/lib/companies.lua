-- Reading a companies file for suggest-mappings: CSV (RFC 4180, a header
-- row holding `name` and optionally `id` and `domains`, domains separated
-- by ";") or JSON (an array of objects with those keys, or an object whose
-- "companies" is that array). Every mistake names file:line.
--
--   local companies = require "workflows.lib.companies"
--   local list = companies.load(path)   --> { { id, name, domains = {...}, line }, ... }
local errors = require "duo.error"
local json = require "duo.json"
local termtext = require "duo.termtext"
local options = require "duo.options"

local M = {}

local LOAD_OPTIONS = { encoding = "string", delimiter = "string", name_column = "string", id_column = "string",
                       domains_column = "string" }

local function fail(path, line, fmt, ...)
  local where = line and (path .. ":" .. line) or path
  errors.config("%s: %s", where, string.format(fmt, ...))
end

-- s without leading and trailing white space, in time linear in #s
-- (a pattern such as "%s+$" retries at every space: quadratic).
function M.trim(s)
  local i = s:find("%S")
  if i == nil then return "" end
  local j = #s
  while s:find("^%s", j) do j = j - 1 end
  return s:sub(i, j)
end
local trim = M.trim

-- The delimiter of a CSV text: the most frequent of comma, semicolon and
-- tab on its first line outside quotes (comma when none is there).
function M.sniff_delimiter(text)
  local line = text:match("^[^\r\n]*") or ""
  line = line:gsub('"[^"]*"', "")
  local best, count = ",", 0
  for _, d in ipairs{ ",", ";", "\t" } do
    local _, n = line:gsub(d, "")
    if n > count then best, count = d, n end
  end
  return best
end

-- CSV text -> records, each { fields..., line = first line }. Quoted
-- fields may hold delimiters, doubled quotes and line breaks. delimiter:
-- "," ";" or "\t" (default: sniffed from the first line). Linear in #text.
function M.parse_csv(text, path, delimiter)
  path = path or "(csv)"
  if text:sub(1, 3) == "\239\187\191" then text = text:sub(4) end   -- UTF-8 byte order mark
  local d = delimiter or M.sniff_delimiter(text)
  local plain = "[" .. (d == "\t" and "\t" or d) .. "\r\n]"
  local records = {}
  local pos, n, line = 1, #text, 1
  while pos <= n do
    local record = { line = line }
    while true do
      local field
      if text:byte(pos) == 34 then   -- '"'
        local start_line = line
        local parts = {}
        pos = pos + 1
        while true do
          local q = text:find('"', pos, true)
          if q == nil then fail(path, start_line, "a quoted field is not closed") end
          local chunk = text:sub(pos, q - 1)
          local _, breaks = chunk:gsub("\n", "")
          line = line + breaks
          parts[#parts + 1] = chunk
          if text:byte(q + 1) == 34 then
            parts[#parts + 1] = '"'
            pos = q + 2
          else
            pos = q + 1
            break
          end
        end
        field = table.concat(parts)
        local c = text:sub(pos, pos)
        if c ~= "" and c ~= d and c ~= "\r" and c ~= "\n" then
          fail(path, line, "unexpected text after a closing quote (a quote inside a field is written \"\")")
        end
      else
        local stop = text:find(plain, pos) or n + 1
        field = text:sub(pos, stop - 1)
        pos = stop
      end
      record[#record + 1] = field
      local c = text:sub(pos, pos)
      if c == d then
        pos = pos + 1
      else
        if c == "\r" then pos = pos + 1; c = text:sub(pos, pos) end
        if c == "\n" then pos = pos + 1 end
        line = line + 1
        break
      end
    end
    local blank = #record == 1 and not record[1]:find("%S")
    if not blank then records[#records + 1] = record end
  end
  return records
end

-- Windows-1252's 0x80..0x9F as code points (the rest of the upper half is
-- Latin-1, the same number).
local CP1252 = {
  [0x80] = 0x20AC, [0x82] = 0x201A, [0x83] = 0x0192, [0x84] = 0x201E, [0x85] = 0x2026, [0x86] = 0x2020,
  [0x87] = 0x2021, [0x88] = 0x02C6, [0x89] = 0x2030, [0x8A] = 0x0160, [0x8B] = 0x2039, [0x8C] = 0x0152,
  [0x8E] = 0x017D, [0x91] = 0x2018, [0x92] = 0x2019, [0x93] = 0x201C, [0x94] = 0x201D, [0x95] = 0x2022,
  [0x96] = 0x2013, [0x97] = 0x2014, [0x98] = 0x02DC, [0x99] = 0x2122, [0x9A] = 0x0161, [0x9B] = 0x203A,
  [0x9C] = 0x0153, [0x9E] = 0x017E, [0x9F] = 0x0178,
}

local function from_cp1252(text)
  return (text:gsub("[\128-\255]", function(c)
    local b = c:byte()
    return utf8.char(CP1252[b] or b)
  end))
end

local function from_utf16(text, big_endian, label)
  if #text % 2 ~= 0 then fail(label, nil, "UTF-16 text with an odd number of bytes (is the file cut short?)") end
  local out, fmt = {}, big_endian and ">I2" or "<I2"
  local i, n = 1, #text
  while i <= n do
    local u = string.unpack(fmt, text, i)
    i = i + 2
    if u >= 0xD800 and u <= 0xDBFF and i <= n then
      local lo = string.unpack(fmt, text, i)
      if lo >= 0xDC00 and lo <= 0xDFFF then
        u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00)
        i = i + 2
      end
    end
    out[#out + 1] = utf8.char(u)
  end
  return table.concat(out)
end

M.ENCODINGS = { "utf-8", "utf-16le", "utf-16be", "windows-1252" }

-- Reads a text file (path "-": standard input) as UTF-8: UTF-8 with or
-- without a byte order mark, UTF-16 with one, else Windows-1252 with a
-- one-line warning; encoding (one of M.ENCODINGS) forces one. Returns the
-- text and the name to use in messages.
function M.read_text(path, label, encoding)
  local name = path == "-" and "(standard input)" or path
  require("workflows.lib.output").protect(path, "the " .. label)
  local text
  if path == "-" then
    text = io.stdin:read("a") or ""
  else
    text = require("workflows.lib.input").read(path, "the " .. label)
  end
  local bom2 = text:sub(1, 2)
  if encoding == "utf-16le" or (encoding == nil and bom2 == "\255\254") then
    return from_utf16(bom2 == "\255\254" and text:sub(3) or text, false, name), name
  elseif encoding == "utf-16be" or (encoding == nil and bom2 == "\254\255") then
    return from_utf16(bom2 == "\254\255" and text:sub(3) or text, true, name), name
  elseif encoding == "windows-1252" then
    return from_cp1252(text), name
  end
  text = text:gsub("^\239\187\191", "")
  if text:find("\0", 1, true) then
    fail(name, nil, "the file holds NUL bytes: UTF-16 without a byte order mark? (give --encoding utf-16le "
                    .. "or utf-16be)")
  end
  if utf8.len(text) then return text, name end
  if encoding == "utf-8" then
    local _, bad = utf8.len(text)
    fail(name, nil, "not valid UTF-8 at byte %d (try --encoding windows-1252)", bad)
  end
  io.stderr:write(termtext.format("duo-lua: warning: %s is not UTF-8; read as Windows-1252 (--encoding chooses)\n",
                                name))
  return from_cp1252(text), name
end

-- A domain as written by people -> "example.com", or nil when it is not one.
function M.clean_domain(d)
  d = trim(d:lower())
  d = d:gsub("^%a+://", ""):gsub("^[^@]*@", ""):gsub("[/?#].*$", ""):gsub("^%*%.", "")
  d = d:gsub("^www%.", ""):gsub("%.$", "")
  if d == "" then return "" end
  if not d:find("^[%w\128-\255][%w%-%.\128-\255]*%.[%w\128-\255%-]+$") then return nil end
  return d
end

local function domains_of(value, path, line)
  local out = {}
  local list = value
  if type(value) == "string" then
    list = {}
    for d in value:gmatch("[^;,%s]+") do list[#list + 1] = d end
  end
  for _, d in ipairs(list) do
    if type(d) ~= "string" then fail(path, line, "domains must be strings") end
    local clean = M.clean_domain(d)
    if clean == nil then fail(path, line, "'%s' is not a domain", d) end
    if clean ~= "" then out[#out + 1] = clean end
  end
  return out
end

-- The header names PSAs and spreadsheets use for each column (SPEC
-- section 8), in order of preference, compared without case.
M.HEADERS = {
  name = { "name", "company", "company name", "account name", "client name", "organization",
           "organization name" },
  id = { "id", "company id", "company_id", "account id", "client id", "identifier" },
  domains = { "domains", "domain", "website", "email domain" },
}

-- columns: name, id, domains -> the header names given with --name-column
-- and the like (nil: found from M.HEADERS).
local function from_csv(text, path, delimiter, columns)
  local records = M.parse_csv(text, path, delimiter)
  if #records == 0 then fail(path, nil, "the file is empty (expected a header row with 'name')") end
  local header = records[1]
  local at = {}
  for i, h in ipairs(header) do
    h = trim(h):lower()
    if h ~= "" and at[h] then fail(path, header.line, "the column '%s' appears twice in the header", h) end
    at[h] = i
  end
  local col = {}
  for field, names in pairs(M.HEADERS) do
    local given = columns[field]
    if given then
      col[field] = at[trim(given):lower()]
      if col[field] == nil then
        fail(path, header.line, "the header has no column '%s' (--%s-column; found: %s)", given, field,
             table.concat(header, ", "))
      end
    else
      for _, n in ipairs(names) do
        if at[n] then col[field] = at[n]; break end
      end
    end
  end
  if col.name == nil then
    local hint = ""
    if #header == 1 and header[1]:find(";") then
      hint = " (the file looks separated by ';': duo-lua reads comma-separated files)"
    end
    fail(path, header.line, "the header has no name column (found: %s; name it with --name-column)%s",
         table.concat(header, ", "), hint)
  end
  local list = {}
  for r = 2, #records do
    local rec = records[r]
    if #rec > #header then
      fail(path, rec.line, "%d fields, but the header has %d (a value holding a comma must be in double quotes)",
           #rec, #header)
    end
    local name = trim(rec[col.name] or "")
    if name == "" then fail(path, rec.line, "the name is empty") end
    local id = col.id and trim(rec[col.id] or "") or ""
    list[#list + 1] = {
      id = id ~= "" and id or nil,
      name = name,
      domains = col.domains and domains_of(rec[col.domains] or "", path, rec.line) or {},
      line = rec.line,
    }
  end
  return list
end

-- The line of each element of the array at `depth` (1: the top level),
-- found by scanning the JSON text: decoded values carry no positions.
local function element_lines(text, depth)
  local lines, level, line = {}, 0, 1
  local i, n = 1, #text
  local expect_value = false
  while i <= n do
    local c = text:sub(i, i)
    if c == "\n" then
      line = line + 1
    elseif c == '"' then
      if expect_value and level == depth then lines[#lines + 1] = line end
      expect_value = false
      i = i + 1
      while i <= n do
        local d = text:sub(i, i)
        if d == "\\" then i = i + 1
        elseif d == '"' then break
        elseif d == "\n" then line = line + 1 end
        i = i + 1
      end
    elseif c == "[" or c == "{" then
      if expect_value and level == depth then lines[#lines + 1] = line end
      level = level + 1
      expect_value = c == "["
    elseif c == "]" or c == "}" then
      level = level - 1
      expect_value = false
    elseif c == "," then
      expect_value = true
    elseif c == ":" then
      expect_value = false
    elseif not c:find("%s") then
      if expect_value and level == depth then lines[#lines + 1] = line end
      expect_value = false
    end
    i = i + 1
  end
  return lines
end

-- "json: unexpected character at byte 9" -> the line holding byte 9.
local function json_error_line(text, msg)
  local byte = tonumber(tostring(msg):match("byte (%d+)"))
  if byte == nil then return nil end
  local _, breaks = text:sub(1, byte - 1):gsub("\n", "")
  return breaks + 1
end

local function from_json(text, path)
  text = text:gsub("^\239\187\191", "")
  local ok, doc = pcall(json.decode, text)
  if not ok then
    local reason = tostring(doc):gsub("^json: ", ""):gsub(" at byte %d+", "")
    fail(path, json_error_line(text, doc), "invalid JSON: %s", reason)
  end
  local items, depth = doc, 1
  if type(doc) == "table" and not json.is_array(doc) and doc.companies ~= nil then
    items, depth = doc.companies, 2
  end
  if type(items) ~= "table" or (next(items) ~= nil and #items == 0) then
    fail(path, nil, "expected a JSON array of companies (objects with \"name\", \"id\", \"domains\")")
  end
  local lines = element_lines(text, depth)
  local list = {}
  for i, item in ipairs(items) do
    local line = lines[i]
    if type(item) ~= "table" or json.is_array(item) then
      fail(path, line, "company %d is not an object", i)
    end
    local name = item.name
    if type(name) ~= "string" or trim(name) == "" then
      fail(path, line, "company %d: \"name\" must be a non-empty string", i)
    end
    local id = item.id
    if id == json.null then id = nil end
    if id ~= nil and type(id) ~= "string" and math.type(id) ~= "integer" then
      fail(path, line, "company %d: \"id\" must be a string or a whole number", i)
    end
    local domains = item.domains
    if domains == json.null then domains = nil end
    if domains ~= nil and type(domains) ~= "string" and type(domains) ~= "table" then
      fail(path, line, "company %d: \"domains\" must be an array of strings", i)
    end
    list[#list + 1] = {
      id = id ~= nil and tostring(id) or nil,
      name = trim(name),
      domains = domains and domains_of(domains, path, line) or {},
      line = line,
    }
  end
  return list
end

-- Reads and checks a companies file (path "-": standard input). opts:
-- encoding (M.ENCODINGS), delimiter ("," ";" "\t"; default sniffed).
function M.load(path, opts)
  opts = options.check(opts, LOAD_OPTIONS, "load", 2)
  local text, name = M.read_text(path, "companies file", opts.encoding)
  local list
  local first = text:match("^%s*(.)")
  if path:lower():find("%.json$") or first == "[" or first == "{" then
    list = from_json(text, name)
  else
    list = from_csv(text, name, opts.delimiter, { name = opts.name_column, id = opts.id_column,
                                                  domains = opts.domains_column })
  end
  if #list == 0 then fail(name, nil, "no companies in the file") end
  local seen, names = {}, {}
  for _, c in ipairs(list) do
    if c.id then
      if seen[c.id] then
        fail(name, c.line, "the id '%s' appears twice (also line %s)", c.id, tostring(seen[c.id].line))
      end
      seen[c.id] = c
    end
    local key = c.name:lower():gsub("%s+", " ")
    if names[key] then
      io.stderr:write(termtext.format("duo-lua: warning: %s:%s: the company '%s' appears twice (also line %s)\n",
                                    name, tostring(c.line), c.name, tostring(names[key].line)))
    else
      names[key] = c
    end
  end
  return list
end

return M
