-- Reading a companies file for suggest-mappings: CSV (RFC 4180, a header
-- row holding `name` and optionally `id` and `domains`, domains separated
-- by ";") or JSON (an array of objects with those keys, or an object whose
-- "companies" is that array). Every mistake names file:line.
--
--   local companies = require "duo.wf.companies"
--   local list = companies.load(path)   --> { { id, name, domains = {...}, line }, ... }
local errors = require "duo.error"
local json = require "duo.json"

local M = {}

local function fail(path, line, fmt, ...)
  local where = line and (path .. ":" .. line) or path
  errors.config("%s: %s", where, string.format(fmt, ...))
end

-- CSV text -> records, each { fields..., line = first line }. Quoted
-- fields may hold commas, doubled quotes and line breaks.
function M.parse_csv(text, path)
  path = path or "(csv)"
  local records = {}
  local pos, n, line = 1, #text, 1
  if text:sub(1, 3) == "\239\187\191" then pos = 4 end   -- UTF-8 byte order mark
  while pos <= n do
    local record = { line = line }
    while true do
      local field
      if text:sub(pos, pos) == '"' then
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
          if text:sub(q + 1, q + 1) == '"' then
            parts[#parts + 1] = '"'
            pos = q + 2
          else
            pos = q + 1
            break
          end
        end
        field = table.concat(parts)
        local c = text:sub(pos, pos)
        if c ~= "" and c ~= "," and c ~= "\r" and c ~= "\n" then
          fail(path, line, "unexpected text after a closing quote (a quote inside a field is written \"\")")
        end
      else
        local stop = text:find("[,\r\n]", pos) or n + 1
        field = text:sub(pos, stop - 1)
        pos = stop
      end
      record[#record + 1] = field
      local c = text:sub(pos, pos)
      if c == "," then
        pos = pos + 1
      else
        if c == "\r" then pos = pos + 1; c = text:sub(pos, pos) end
        if c == "\n" then pos = pos + 1 end
        line = line + 1
        break
      end
    end
    local blank = #record == 1 and record[1]:match("^%s*$")
    if not blank then records[#records + 1] = record end
  end
  return records
end

-- A domain as written by people -> "example.com", or nil when it is not one.
function M.clean_domain(d)
  d = d:lower():gsub("^%s+", ""):gsub("%s+$", "")
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

local function trim(s)
  return (s:gsub("^%s+", ""):gsub("%s+$", ""))
end

local function from_csv(text, path)
  local records = M.parse_csv(text, path)
  if #records == 0 then fail(path, nil, "the file is empty (expected a header row with 'name')") end
  local header = records[1]
  local col = {}
  for i, h in ipairs(header) do
    h = trim(h):lower()
    if h ~= "" and col[h] then fail(path, header.line, "the column '%s' appears twice in the header", h) end
    col[h] = i
  end
  if col.name == nil then
    local hint = ""
    if #header == 1 and header[1]:find(";") then
      hint = " (the file looks separated by ';': duo-lua reads comma-separated files)"
    end
    fail(path, header.line, "the header has no 'name' column (found: %s)%s", table.concat(header, ", "), hint)
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

-- Reads and checks a companies file.
function M.load(path)
  local f, err = io.open(path, "rb")
  if not f then errors.config("cannot read the companies file: %s", err) end
  local text = f:read("a")
  f:close()
  local list
  local first = text:match("^\239\187\191%s*(.)") or text:match("^%s*(.)")
  if path:lower():find("%.json$") or first == "[" or first == "{" then
    list = from_json(text, path)
  else
    list = from_csv(text, path)
  end
  if #list == 0 then fail(path, nil, "no companies in the file") end
  local seen = {}
  for _, c in ipairs(list) do
    if c.id then
      if seen[c.id] then
        fail(path, c.line, "the id '%s' appears twice (also line %s)", c.id, tostring(seen[c.id].line))
      end
      seen[c.id] = c
    end
  end
  return list
end

return M
