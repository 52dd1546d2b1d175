-- The Lua half of the duo-lua REPL (bindings/repl.c is the C half): how
-- results are shown, what Tab completes, which lines stay out of the
-- history, and help(x).
local pretty = require "duo.pretty"

local M = {}

-- Terminal width; the C half updates it before each use.
M.width = 80

local KEYWORDS = {}
for w in ([[and break do else elseif end false for function goto if in local nil
            not or repeat return then true until while]]):gmatch("%a+") do
  KEYWORDS[#KEYWORDS + 1] = w
end

---------------------------------------------------------------------------
-- The catalogue (scripts/duo/catalogue.lua), when there is one.

local catalogue_rows   -- false when there is no catalogue
local vocab = {}       -- the catalogue's apis, apps, pagings, permissions tables

local function field_names(list)
  local out = {}
  if type(list) ~= "table" then return out end
  for _, a in ipairs(list) do
    if type(a) == "table" then a = a.name or a[1] end
    if a ~= nil then out[#out + 1] = tostring(a) end
  end
  return out
end

-- The API a row belongs to, as the client's `api` field says it:
-- "admin (via Accounts API ...)" counts as "admin".
local function row_api(row)
  return type(row.api) == "string" and row.api:match("^[%w_]+") or "?"
end

-- Appends the rows found in t (a list of rows, or a map name -> row).
local function collect_rows(t, out)
  if type(t) ~= "table" then return end
  if #t > 0 then
    for _, row in ipairs(t) do
      if type(row) == "table" and type(row.name) == "string" then out[#out + 1] = row end
    end
    return
  end
  local names = {}
  for name, row in pairs(t) do
    if type(name) == "string" and type(row) == "table" then names[#names + 1] = name end
  end
  table.sort(names)
  for _, name in ipairs(names) do
    local row = t[name]
    if row.name == nil then
      local copy = { name = name }
      for k, v in pairs(row) do copy[k] = v end
      row = copy
    end
    out[#out + 1] = row
  end
end

-- Every catalogue row, or an empty list without a catalogue. Takes the
-- rows from `methods` (and `legacy`) when the module has them, else from
-- the module itself (a list of rows or a map from name to row).
local function rows()
  if catalogue_rows == nil then
    catalogue_rows = false
    local ok, cat = pcall(require, "duo.catalogue")
    if ok and type(cat) == "table" then
      local out = {}
      if type(cat.methods) == "table" then
        collect_rows(cat.methods, out)
        collect_rows(cat.legacy, out)
      else
        collect_rows(cat, out)
      end
      for _, k in ipairs{ "apis", "apps", "pagings", "permissions" } do
        if type(cat[k]) == "table" then vocab[k] = cat[k] end
      end
      catalogue_rows = out
    end
  end
  return catalogue_rows or {}
end

-- The catalogue row of method `name` on a client of `api` (any API when
-- api is nil; rows of that exact API win).
local function find_row(name, api)
  local fallback
  for _, row in ipairs(rows()) do
    if row.name == name then
      if api == nil or row_api(row) == api then return row end
      fallback = fallback or row
    end
  end
  if api == nil then return fallback end
  return nil
end

-- "get_user_by_id(user_id [, { named... }])"
local function signature(row)
  local args = field_names(row.args)
  local named = field_names(row.named)
  local inside = table.concat(args, ", ")
  if #named > 0 then
    inside = inside .. (#args > 0 and " " or "") .. "[" .. (#args > 0 and ", " or "")
             .. "{ " .. table.concat(named, ", ") .. " }]"
  end
  return row.name .. "(" .. inside .. ")"
end
M.signature = signature

---------------------------------------------------------------------------
-- Values: clients, method tables.

local function is_client(v)
  return type(v) == "table" and type(rawget(v, "api")) == "string" and rawget(v, "_session") ~= nil
end

-- The tables a value's fields come from: itself (if a table) and the
-- __index tables of its metatables, at most a few levels. __index
-- functions are never called.
local function field_sources(v)
  local out = {}
  if type(v) == "table" then out[1] = v end
  local cur = v
  for _ = 1, 8 do
    local mt = getmetatable(cur)
    if type(mt) ~= "table" then break end
    local idx = rawget(mt, "__index")
    if type(idx) ~= "table" then break end
    out[#out + 1] = idx
    cur = idx
  end
  return out
end

-- The names of the methods of client c: functions reachable through its
-- metatable, plus catalogue rows of its API when the metatable hides them.
local function client_methods(c)
  local names, seen = {}, {}
  for _, src in ipairs(field_sources(c)) do
    for k, f in next, src do
      if type(k) == "string" and type(f) == "function" and not k:find("^_") and not seen[k] then
        seen[k] = true
        names[#names + 1] = k
      end
    end
  end
  for _, row in ipairs(rows()) do
    if row_api(row) == c.api and not seen[row.name] then
      seen[row.name] = true
      names[#names + 1] = row.name
    end
  end
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
      local text = row and signature(row) or n
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
  return row and M.describe_row(row, v.api, true)
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
    if row then return 0, "", M.describe_row(row, v.api, true) end
    return 0, "", nil
  end
  if #names == 0 then return 0, "", nil end
  local cp = common_prefix(names)
  if #cp > #partial then return #partial, cp, nil end
  return 0, "", listing(names, v, width)
end

---------------------------------------------------------------------------
-- help(x)

local APP_NAMES = { admin = "Admin API", accounts = "Accounts API", auth = "Auth API",
                    auth_v1 = "Auth API v1 (legacy)" }

-- "Admin API", from the catalogue's vocabulary when it has one.
local function api_title(api)
  local entry = vocab.apis and vocab.apis[api]
  return type(entry) == "table" and entry.title or APP_NAMES[api] or tostring(api)
end

local function app_title(app)
  local entry = vocab.apps and vocab.apps[app]
  return type(entry) == "table" and entry.application or APP_NAMES[app] or tostring(app)
end

-- The documentation of one catalogue row; short: the compact form used
-- under the prompt.
function M.describe_row(row, api, short)
  api = api or row_api(row)
  local lines = { api .. ":" .. signature(row) }
  if row.summary and row.summary ~= "" then lines[#lines + 1] = "  " .. tostring(row.summary) end
  lines[#lines + 1] = "  " .. tostring(row.verb or "?") .. " " .. tostring(row.path or "?")
  if short then return table.concat(lines, "\n") end
  local args, named = field_names(row.args), field_names(row.named)
  lines[#lines + 1] = "  required:    " .. (#args > 0 and table.concat(args, ", ") or "(none)")
  lines[#lines + 1] = "  named:       " .. (#named > 0 and table.concat(named, ", ") or "(none)")
  if row.paging and row.paging ~= "none" then
    local p = vocab.pagings and vocab.pagings[row.paging]
    local doc = type(p) == "table" and p.doc
    lines[#lines + 1] = "  paging:      " .. tostring(row.paging) .. (doc and (": " .. doc) or "")
  end
  lines[#lines + 1] = "  application: " .. app_title(row.app or row_api(row))
  if row.permission and row.permission ~= "" then
    lines[#lines + 1] = "  permission:  " .. tostring(row.permission)
  end
  if row.deprecated then lines[#lines + 1] = "  deprecated:  " .. tostring(row.deprecated) end
  return table.concat(lines, "\n")
end

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
      if name then return find_row(name) or name end
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

-- Rows whose name (or api.name) is s; "admin:x" and "admin.x" pick an API.
local function rows_named(s)
  local api, name = s:match("^([%w_]+)[%.:]([%w_]+)$")
  name = name or s
  local out = {}
  for _, row in ipairs(rows()) do
    if row.name == name and (api == nil or row_api(row) == api) then out[#out + 1] = row end
  end
  return out, name
end

-- repl.doc([x]) -> the help text for x; without x, how to start.
function M.doc(...)
  if select("#", ...) == 0 then return GENERAL end
  local x = ...
  if x == nil then return "nil: no value here (a misspelt name, or a method that does not exist?)" end
  if type(x) == "string" then
    local found, name = rows_named(x)
    if #found > 0 then
      local parts = {}
      for i, row in ipairs(found) do parts[i] = M.describe_row(row) end
      return table.concat(parts, "\n\n")
    end
    if #rows() == 0 then
      return string.format("no documentation for '%s': the API catalogue is not available", x)
    end
    local close = {}
    for _, row in ipairs(rows()) do
      if row.name:find(name, 1, true) and #close < 12 then
        close[#close + 1] = row_api(row) .. ":" .. row.name
      end
    end
    local text = string.format("no method named '%s'", x)
    if #close > 0 then text = text .. "; similar: " .. table.concat(close, ", ") end
    return text
  end
  if is_client(x) then
    local n = #client_methods(x)
    local lines = { tostring(x),
      string.format("  %s client with %d methods: Tab after \"client:\" lists them; help \"%s.NAME\" shows one",
                    api_title(x.api), n, x.api) }
    if x.profile then lines[#lines + 1] = "  profile: " .. tostring(x.profile) end
    return table.concat(lines, "\n")
  end
  if type(x) == "function" then
    local row = row_of_function(x)
    if type(row) == "table" then return M.describe_row(row) end
    if type(row) == "string" then return "client method '" .. row .. "' (not in the catalogue)" end
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

-- Whether a line may go into the history file: never one that looks like
-- it holds a secret key.
function M.keep_in_history(line)
  if line:match("^%s*$") then return false end
  local lower = line:lower()
  for _, word in ipairs{ "skey", "secret", "passw", "authorization" } do
    if lower:find(word, 1, true) then return false end
  end
  return not line:find(TOKEN)
end

-- Forgets a Ctrl-C (the scheduler's flag too); collect: also collect
-- garbage, which cancels the requests of an interrupted call.
function M.reset_interrupt(collect)
  local core = package.loaded["duo.core"]
  if type(core) == "table" and type(core.interrupted) == "function" then core.interrupted(true) end
  if collect then collectgarbage() end
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
