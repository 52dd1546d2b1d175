-- The Lua tree depends one way (DESIGN.md): duo/ below sandbox/ below
-- workflows/, no require cycle, and the private C seam (duo._*) reached
-- from outside duo/ only through the files listed here. Reads the
-- embedded sources, as the binary ships them; prints the counts.
local T = require "testing"
local sys = require "duo._sys"

local RANK = { duo = 1, sandbox = 2, workflows = 3 }

-- Files outside duo/ that may require a private module, and which.
local SEAM = {
  ["workflows/lib/host.lua"] = { ["duo._sys"] = true, ["duo._loop"] = true, ["duo._sign"] = true,
                                 ["duo._file"] = true },
  ["workflows/lib/match.lua"] = { ["duo._match"] = true },         -- the matching engine's C half
  ["workflows/lib/match_index.lua"] = { ["duo._match"] = true },
  ["sandbox/service.lua"] = { ["duo._loop"] = true },               -- the simulation's clock and timers
  ["sandbox/wire.lua"] = { ["duo._loop"] = true, ["duo._sign"] = true },  -- checks signatures as Duo does
  ["sandbox/demo.lua"] = { ["duo._sys"] = true },                   -- the bundled companies file
}

local function module_path(name)
  local p = name:gsub("%.", "/") .. ".lua"
  if sys.read_embedded(p) then return p end
  p = name:gsub("%.", "/") .. "/init.lua"
  if sys.read_embedded(p) then return p end
  return nil
end

local function tree(path) return path:match("^([^/]+)/") end

-- Every require "name" / require("name") / require 'name' of a file, code
-- only (comments dropped).
local function requires(text)
  local out = {}
  for line in text:gmatch("[^\n]*") do
    local code = line:gsub("%-%-.*$", "")
    for name in code:gmatch("require%s*%(?%s*[\"']([%w_%.]+)[\"']") do out[#out + 1] = name end
  end
  return out
end

local files, edges = {}, {}
for _, path in ipairs(sys.embedded("")) do
  if path:match("%.lua$") and RANK[tree(path)] then files[#files + 1] = path end
end
table.sort(files)
for _, path in ipairs(files) do
  edges[path] = {}
  for _, name in ipairs(requires(sys.read_embedded(path))) do
    edges[path][#edges[path] + 1] = { name = name, to = module_path(name) }
  end
end

T.test("every file of the three trees is read", function()
  local per = {}
  for _, f in ipairs(files) do per[tree(f)] = (per[tree(f)] or 0) + 1 end
  T.truthy((per.duo or 0) > 20 and (per.sandbox or 0) > 10 and (per.workflows or 0) > 20,
           "files per tree: duo " .. tostring(per.duo) .. ", sandbox " .. tostring(per.sandbox)
           .. ", workflows " .. tostring(per.workflows))
end)

T.test("no file requires a tree above its own", function()
  local bad = {}
  for _, from in ipairs(files) do
    for _, e in ipairs(edges[from]) do
      if e.to and RANK[tree(e.to)] > RANK[tree(from)] then bad[#bad + 1] = from .. " -> " .. e.name end
    end
  end
  T.eq(table.concat(bad, ", "), "")
end)

T.test("no require cycle", function()
  local state, cycle = {}, nil
  local stack = {}
  local function visit(f)
    state[f] = "open"
    stack[#stack + 1] = f
    for _, e in ipairs(edges[f] or {}) do
      if cycle then return end
      if e.to and state[e.to] == "open" then
        local from
        for i, s in ipairs(stack) do if s == e.to then from = i end end
        cycle = table.concat(stack, " -> ", from) .. " -> " .. e.to
        return
      elseif e.to and state[e.to] == nil then
        visit(e.to)
      end
    end
    stack[#stack] = nil
    state[f] = "done"
  end
  for _, f in ipairs(files) do
    if state[f] == nil and not cycle then visit(f) end
  end
  T.eq(cycle, nil)
end)

T.test("the private C seam is reached from outside duo/ only through the listed files", function()
  local bad = {}
  for _, from in ipairs(files) do
    for _, e in ipairs(edges[from]) do
      if e.name:match("^duo%._") and tree(from) ~= "duo" and not (SEAM[from] and SEAM[from][e.name]) then
        bad[#bad + 1] = from .. " -> " .. e.name
      end
    end
  end
  T.eq(table.concat(bad, ", "), "")
  for path in pairs(SEAM) do T.truthy(edges[path], "listed file exists: " .. path) end
end)

-- The figures for the record.
local count = { files = {}, edges = {} }
for _, f in ipairs(files) do
  local t = tree(f)
  count.files[t] = (count.files[t] or 0) + 1
  for _, e in ipairs(edges[f]) do
    if e.to then
      local key = t .. " -> " .. tree(e.to)
      count.edges[key] = (count.edges[key] or 0) + 1
    end
  end
end
local keys = {}
for k in pairs(count.edges) do keys[#keys + 1] = k end
table.sort(keys)
io.write("files: duo ", count.files.duo or 0, ", sandbox ", count.files.sandbox or 0, ", workflows ",
         count.files.workflows or 0, "\nrequires:")
for _, k in ipairs(keys) do io.write(" ", k, " ", count.edges[k], ";") end
io.write("\n")

T.done()
