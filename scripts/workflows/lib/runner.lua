-- Finding and running workflows: duo-lua -w NAME [args...].
--
-- A workflow is a Lua file that receives its arguments as `...` and
-- returns its exit status (nothing: 0). Its first line is a comment
-- "-- NAME: one-line description", which `-w list` shows. Bundled
-- workflows are scripts/workflows/NAME.lua; a user's are found first in
-- each --workflows-dir folder, then in $XDG_CONFIG_HOME/duo-lua/workflows/.
local host = require "workflows.lib.host"
local file = host.file
local paths = require "duo.path"
local termtext = require "duo.termtext"

local M = {}


-- The folders searched for a user's workflows, in order.
function M.folders()
  local dirs = {}
  for _, d in ipairs(host.settings().workflow_dirs or {}) do dirs[#dirs + 1] = d end
  local base = paths.config_dir()
  if base then dirs[#dirs + 1] = paths.join(base, "workflows") end
  return dirs
end

local function valid_name(name)
  return type(name) == "string" and name:match("^[%w][%w_%-]*$") ~= nil
end

-- The description on a workflow's first line ("-- NAME: text" or "-- text").
function M.description(text, name)
  local first = text:match("^\239\187\191?%-%-%s*([^\r\n]*)") or text:match("^%-%-%s*([^\r\n]*)")
  if first == nil then return "" end
  local prefix = name .. ":"
  if first:sub(1, #prefix) == prefix then first = first:sub(#prefix + 1):gsub("^%s+", "") end
  return first
end

local function read(path)
  local f = io.open(path, "rb")
  if f == nil then return nil end
  local text = f:read("a")
  f:close()
  return text
end

-- { name, path = file or nil, embedded = path or nil, text } for a name.
function M.find(name)
  if not valid_name(name) then return nil end
  for _, dir in ipairs(M.folders()) do
    local path = paths.join(dir, name .. ".lua")
    local text = read(path)
    if text then return { name = name, path = path, text = text, folder = dir } end
  end
  local embedded = "workflows/" .. name .. ".lua"
  local text = host.read_embedded(embedded)
  if text then return { name = name, embedded = embedded, text = text } end
  return nil
end

-- Every workflow, sorted by name: a user's first where names collide.
function M.list()
  local seen, out = {}, {}
  local function add(w)
    if not seen[w.name] then
      seen[w.name] = true
      out[#out + 1] = w
    end
  end
  for _, dir in ipairs(M.folders()) do
    local names = file.list(dir) or {}
    table.sort(names)
    for _, entry in ipairs(names) do
      local name = entry:match("^(.+)%.lua$")
      if name and valid_name(name) then
        local path = paths.join(dir, entry)
        local text = read(path)
        if text then add({ name = name, path = path, text = text, folder = dir }) end
      end
    end
  end
  for _, path in ipairs(host.embedded("workflows/")) do
    local name = path:match("^workflows/([^/]+)%.lua$")
    if name then add({ name = name, embedded = path, text = host.read_embedded(path) }) end
  end
  table.sort(out, function(a, b) return a.name < b.name end)
  return out
end

local function print_list()
  local list = M.list()
  local width = 0
  for _, w in ipairs(list) do width = math.max(width, #w.name) end
  for _, w in ipairs(list) do
    local line = w.name .. string.rep(" ", width - #w.name + 2) .. M.description(w.text, w.name)
    if w.folder then line = line .. " (" .. w.path .. ")" end
    io.stdout:write((line:gsub("%s+$", "")), "\n")
  end
  return 0
end

-- Runs the workflow; returns its exit status.
function M.run(name, ...)
  if name == "list" then return print_list() end
  local w = M.find(name)
  if w == nil then
    io.stderr:write(termtext.format("duo-lua: unknown workflow '%s' (duo-lua -w list shows them)\n", name))
    return 2
  end
  local chunk, err = load(w.text, "@" .. (w.path or w.embedded), "t")
  if chunk == nil then error(err, 0) end
  local status = chunk(...)
  io.stdout:flush()
  if status == nil or status == true then return 0 end
  if status == false then return 1 end
  if math.type(status) ~= "integer" then
    error(string.format("workflow '%s' returned a %s; a workflow returns its exit status (an integer)",
                        name, type(status)), 0)
  end
  return status
end

return M
