-- The Lua half of the duo-lua REPL (bindings/repl.c is the C half): how
-- results are shown, what Tab completes, which lines stay out of the
-- history, and help(x).
local catalogue = require "duo.catalogue"
local client = require "duo.client"
local docs = require "duo.docs"
local pretty = require "duo.pretty"
local paths = require "duo.path"

local M = {}

-- Terminal width; the C half updates it before each use.
M.width = 80

-- The history file (its folder created): $XDG_STATE_HOME/duo-lua/history,
-- ~/.local/state/duo-lua/history, or %LOCALAPPDATA%\duo-lua\history; nil
-- when there is none.
function M.history_file()
  local dir = paths.state_dir()
  if dir == nil or not paths.mkdir_p(dir) then return nil end
  return paths.join(dir, "history")
end

local KEYWORDS = pretty.KEYWORDS

-- The catalogue row of method `name` on a client of `api`.
local function find_row(name, api)
  return catalogue.by_name[api] and catalogue.by_name[api][name]
end

-- A row's documentation; short: its first lines (signature, summary,
-- endpoint), shown under the prompt while typing.
local function describe_row(row, short)
  local text = docs.method_text(row)
  if short then
    local lines = {}
    for line in text:gmatch("[^\n]+") do
      lines[#lines + 1] = line
      if #lines == 3 then break end
    end
    return table.concat(lines, "\n")
  end
  return text
end

---------------------------------------------------------------------------
-- Values: clients, method tables.

local function is_client(v)
  return type(v) == "table" and type(rawget(v, "api")) == "string" and rawget(v, "_session") ~= nil
end

-- The tables a value's fields come from: itself (if a table) and the
-- __index tables of its metatables, at most a few levels. __index
-- functions are never called; when a metatable has one, the metatable's
-- own fields stand in (the usual class layout).
local function field_sources(v)
  local out = {}
  if type(v) == "table" then out[1] = v end
  local cur = v
  for _ = 1, 8 do
    local mt = getmetatable(cur)
    if type(mt) ~= "table" then break end
    local idx = rawget(mt, "__index")
    if type(idx) ~= "table" then
      if type(idx) == "function" then out[#out + 1] = mt end
      break
    end
    out[#out + 1] = idx
    cur = idx
  end
  return out
end

-- The names of the methods of client c: functions reachable through its
-- metatable and the methods made on demand from the catalogue.
local function client_methods(c)
  local names, seen = {}, {}
  local function add(name)
    if not seen[name] then
      seen[name] = true
      names[#names + 1] = name
    end
  end
  for _, src in ipairs(field_sources(c)) do
    for k, f in next, src do
      if type(k) == "string" and type(f) == "function" and not k:find("^_") then add(k) end
    end
  end
  for _, name in ipairs(client.method_names(c.api)) do add(name) end
  table.sort(names)
  return names
end

-- Looks a dotted path ("duo.admin", "string") up from the globals without
-- running any __index function. Returns the value or nil.
local function lookup(path)
  local v = _G
  for name in path:gmatch("[^%.]+") do
    local found
    for _, src in ipairs(field_sources(v)) do
      found = rawget(src, name)
      if found ~= nil then break end
    end
    if found == nil and type(v) == "string" then found = string[name] end
    if found == nil then return nil end
    v = found
  end
  return v
end

---------------------------------------------------------------------------
-- Tab completion.

local function common_prefix(list)
  local p = list[1] or ""
  for i = 2, #list do
    local s = list[i]
    local n = 0
    while n < #p and n < #s and p:byte(n + 1) == s:byte(n + 1) do n = n + 1 end
    p = p:sub(1, n)
  end
  return p
end

-- Lays names out in columns, down then across, each column as wide as
-- its longest name: as many columns as fit the width.
local function columns(names, width)
  local n = #names
  local best
  for ncols = math.min(n, math.max(1, width // 3)), 1, -1 do
    local nrows = (n + ncols - 1) // ncols
    local widths, total = {}, 0
    for c = 1, ncols do
      local w = 0
      for r = 1, nrows do
        local name = names[(c - 1) * nrows + r]
        if name then w = math.max(w, #name) end
      end
      widths[c] = w
      total = total + w + (c < ncols and 2 or 0)
    end
    if total < width or ncols == 1 then
      best = { nrows = nrows, ncols = ncols, widths = widths }
      break
    end
  end
  local lines = {}
  for r = 1, best.nrows do
    local parts = {}
    for c = 1, best.ncols do
      local name = names[(c - 1) * best.nrows + r]
      if name then parts[#parts + 1] = name .. string.rep(" ", best.widths[c] - #name) end
    end
    lines[r] = (table.concat(parts, "  "):gsub("%s+$", ""))
  end
  return table.concat(lines, "\n")
end

local function clip(s, width)
  if #s <= width then return s end
  return s:sub(1, math.max(1, width - 3)) .. "..."
end

-- The catalogue rows behind the candidates, when v is a client.
local function method_rows(v, names)
  if not is_client(v) then return nil end
  local out, any = {}, false
  for i, n in ipairs(names) do
    out[i] = find_row(n, v.api)
    any = any or out[i] ~= nil
  end
  return any and out or nil
end

-- The listing shown for ambiguous candidates: signatures one per line for
-- a few client methods, else names in columns.
local function listing(names, v, width)
  local rs = method_rows(v, names)
  if rs and #names <= 24 then
    local lines = {}
    for i, n in ipairs(names) do
      local row = rs[i]
      local text = row and docs.signature(row) or n
      if row and row.summary and row.summary ~= "" then
        text = text .. "  -- " .. tostring(row.summary)
      end
      lines[i] = clip(text, width - 1)
    end
    return table.concat(lines, "\n")
  end
  local text = columns(names, width)
  if rs then
    text = text .. string.format("\n(%d methods; type more letters to see their arguments, or help \"name\")", #names)
  end
  return text
end

-- Field names of v that can follow `sep` ("." any field, ":" methods).
local function field_candidates(v, sep, partial)
  local out, seen = {}, {}
  local function add(k, f)
    if type(k) == "string" and k:match("^[%a_][%w_]*$") and not seen[k]
       and k:sub(1, #partial) == partial
       and (partial:sub(1, 1) == "_" or k:sub(1, 1) ~= "_")
       and (sep ~= ":" or type(f) == "function") then
      seen[k] = true
      out[#out + 1] = k
    end
  end
  if type(v) == "string" then v = string end
  for _, src in ipairs(field_sources(v)) do
    for k, f in next, src do add(k, f) end
  end
  if is_client(v) then
    for _, name in ipairs(client_methods(v)) do add(name, function() end) end
  end
  table.sort(out)
  return out
end

local function global_candidates(partial)
  local out, seen = {}, {}
  for _, src in ipairs(field_sources(_G)) do
    for k in next, src do
      if type(k) == "string" and k:match("^[%a_][%w_]*$") and not seen[k] and k:sub(1, #partial) == partial then
        seen[k] = true
        out[#out + 1] = k
      end
    end
  end
  for _, w in ipairs(KEYWORDS) do
    if not seen[w] and w:sub(1, #partial) == partial then out[#out + 1] = w end
  end
  table.sort(out)
  return out
end

-- String keys of table v for `t["partial`.
local function key_candidates(v, partial)
  local out = {}
  if type(v) ~= "table" then return out end
  for k in next, v do
    if type(k) == "string" and k:sub(1, #partial) == partial then out[#out + 1] = k end
  end
  table.sort(out)
  return out
end

-- The hint for a client call being typed: `admin:get_user_by_id(` + Tab.
local function call_hint(line)
  local path, name = line:match("([%a_][%w_%.]*)[:.]([%a_][%w_]*)%s*%([^()]*$")
  if not path then return nil end
  local v = lookup(path)
  if not is_client(v) then return nil end
  local row = find_row(name, v.api)
  return row and describe_row(row, true)
end

-- repl.complete(text_before_cursor [, width]) -> delete, insert, listing:
-- delete that many characters before the cursor, insert `insert`, and
-- show `listing` (or nil) below the line.
function M.complete(line, width)
  width = width or M.width
  if line:match("^%s*$") then return 0, "  ", nil end

  -- t["partial  -> keys of t
  local tpath, quote, kpartial = line:match("([%a_][%w_%.]*)%[%s*([\"'])([^\"']*)$")
  if tpath then
    local names = key_candidates(lookup(tpath), kpartial)
    if #names == 1 then return #kpartial, names[1] .. quote .. "]", nil end
    local cp = common_prefix(names)
    if #cp > #kpartial then return #kpartial, cp, nil end
    if #names > 1 then return 0, "", columns(names, width) end
    return 0, "", nil
  end

  local word = line:match("[%w_%.:]*$")
  local before = line:sub(1, #line - #word):sub(-1)
  if word ~= "" and not word:match("^[%a_]") then return 0, "", nil end
  if before:match("[%]%)\"'.]") then return 0, "", nil end
  local base, sep, partial = word:match("^(.-)([%.:])([%w_]*)$")
  local names, v
  if base == nil then
    partial = word
    if partial == "" then
      local hint = call_hint(line)
      return 0, "", hint
    end
    names = global_candidates(partial)
  else
    if base == "" or base:find(":", 1, true) or not base:match("^[%a_][%w_%.]*$") or base:find("%.%.")
       or base:find("%.$") then
      return 0, "", nil
    end
    v = lookup(base)
    if v == nil then return 0, "", nil end
    names = field_candidates(v, sep, partial)
  end

  if #names == 1 then
    if names[1] ~= partial then return #partial, names[1], nil end
    -- already complete: show what it is, for a client method
    local row = is_client(v) and find_row(partial, v.api)
    if row then return 0, "", describe_row(row, true) end
    return 0, "", nil
  end
  if #names == 0 then return 0, "", nil end
  local cp = common_prefix(names)
  if #cp > #partial then return #partial, cp, nil end
  return 0, "", listing(names, v, width)
end

---------------------------------------------------------------------------
-- help(x)

local GENERAL = [[
duo-lua: Lua 5.4 with the duo module. At this prompt:
  an expression shows its value; a statement runs; an unfinished one continues on the next line
  Tab completes names, fields and client methods (admin:<Tab>); Ctrl-C interrupts a call; Ctrl-D leaves
Start with:
  admin = duo.admin()          -- the default profile (duo.admin "name" for another)
  duo.profiles()               -- the configured profiles, never their secrets
  admin:get_users{ limit = 5 }
  help(admin)  help "get_users"  help(admin.get_users)]]

-- The catalogue row behind a client method: the generated methods keep
-- their row as an upvalue; else the method tables of duo.client and
-- duo.methods are searched for the function.
local function row_of_function(f)
  for i = 1, 255 do
    local name, v = debug.getupvalue(f, i)
    if name == nil then break end
    if type(v) == "table" and type(rawget(v, "name")) == "string" and rawget(v, "verb")
       and rawget(v, "path") then
      return v
    end
  end
  local function scan(t, depth, seen)
    if seen[t] then return nil end
    seen[t] = true
    for k, v in next, t do
      if v == f and type(k) == "string" then return k end
      if depth > 0 and type(v) == "table" then
        local found = scan(v, depth - 1, seen)
        if found then return found end
      end
    end
  end
  for _, modname in ipairs{ "duo.client", "duo.methods" } do
    local mod = package.loaded[modname]
    if type(mod) == "table" then
      local name = scan(mod, 2, {})
      if name then return name end
    end
  end
  return nil
end

-- Where a function comes from: "string.format" for library functions.
local function library_name_of(f)
  for modname, mod in pairs(package.loaded) do
    if type(mod) == "table" then
      for k, v in next, mod do
        if v == f and type(k) == "string" then
          return (modname == "_G" and "" or modname .. ".") .. k
        end
      end
    end
  end
end

-- repl.doc([x]) -> the help text for x; without x, how to start.
function M.doc(...)
  if select("#", ...) == 0 then return GENERAL end
  local x = ...
  if x == nil then return "nil: no value here (a misspelt name, or a method that does not exist?)" end
  if type(x) == "string" then
    local text, why = docs.help(x)
    return text or why
  end
  if is_client(x) then
    local n = #client_methods(x)
    local lines = { tostring(x),
      string.format("  %s client with %d methods: Tab after \"client:\" lists them; help \"%s.NAME\" shows one",
                    catalogue.apis[x.api].title, n, x.api) }
    if x.profile then lines[#lines + 1] = "  profile: " .. tostring(x.profile) end
    return table.concat(lines, "\n")
  end
  if type(x) == "function" then
    local row = row_of_function(x)
    if type(row) == "table" then return describe_row(row) end
    if type(row) == "string" then
      local info = debug.getinfo(x, "S")
      return string.format("client method '%s', defined at %s:%d (not an API endpoint of the catalogue)",
                           row, info.short_src, info.linedefined)
    end
    local lib = library_name_of(x)
    local info = debug.getinfo(x, "S")
    if info.what == "C" then
      return (lib or "a function") .. ": a C function" .. (lib and " (see the Lua 5.4 manual)" or "")
    end
    return string.format("%s: a Lua function defined at %s:%d", lib or "a function",
                         info.short_src, info.linedefined)
  end
  if type(x) == "table" and getmetatable(x) and getmetatable(x).__name == "duo.Error" then
    return tostring(x) .. "\n  fields: kind, status, code, message, detail, method, path, host, account_id, attempts, hint"
  end
  if type(x) == "table" then
    local names = {}
    for k in next, x do
      if type(k) == "string" then names[#names + 1] = k end
    end
    table.sort(names)
    local text = string.format("a table with %d string keys", #names)
    if #names > 0 then text = text .. ":\n" .. columns(names, M.width) end
    return text
  end
  return string.format("a %s: %s", type(x), pretty.format(x))
end

-- help([x]): prints repl.doc(x).
function M.help(...)
  print(M.doc(...))
end

---------------------------------------------------------------------------
-- Results and history.

-- Shows the results of a statement, nils included.
function M.show(...)
  local n = select("#", ...)
  if n == 0 then return end
  print(pretty.format_values({ width = M.width }, n, ...))
end

local TOKEN = string.rep("[%w+/=]", 40)
local HALF = string.rep("[%w+/=]", 16)

-- Whether a line may go into the history file: never one that looks like
-- it holds a secret key, whole or in pieces: a secret's name, 40 key
-- characters in a row once adjacent string literals are joined
-- ("abc" .. "def"), or a long run of them being concatenated.
function M.keep_in_history(line)
  if line:match("^%s*$") then return false end
  local joined = line:gsub("[\"'%]]=*%]?%s*%.%.%s*%[?=*[\"'%[]", "")
  local lower = joined:lower()
  for _, word in ipairs{ "skey", "secret", "mkey", "akey", "passw", "authorization" } do
    if lower:find(word, 1, true) then return false end
  end
  if joined:find(TOKEN) then return false end
  return not (line:find(HALF .. "[\"'%]]=*%]?%s*%.%.") or line:find("%.%.%s*%[?=*[\"'%[]" .. HALF))
end

-- Forgets a Ctrl-C (the scheduler's flag too).
function M.reset_interrupt()
  local loop = package.loaded["duo._loop"]
  if loop then loop.interrupted(true) end
end

-- Called once when the REPL starts: the globals help and duo.
function M.setup()
  if rawget(_G, "help") == nil then _G.help = M.help end
  if rawget(_G, "duo") == nil then
    local ok, duo = pcall(require, "duo")
    if ok then _G.duo = duo end
  end
end

function M.banner()
  local ok, duo = pcall(require, "duo")
  local version = ok and type(duo) == "table" and duo.version or "?"
  return string.format("duo-lua %s (%s)  help() for help, Ctrl-D to leave", version, _VERSION)
end

return M
