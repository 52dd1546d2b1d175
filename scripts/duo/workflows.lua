-- Running bundled workflows: duo-lua -w NAME [args...].
local sys = require "duo._sys"
local errors = require "duo.error"

local M = {}

-- Names of the bundled workflows, sorted.
function M.list()
  local names = {}
  for _, path in ipairs(sys.embedded("duo/workflows/")) do
    names[#names + 1] = path:match("^duo/workflows/(.+)%.lua$")
  end
  table.sort(names)
  return names
end

function M.run(name, ...)
  if name == "list" then
    for _, n in ipairs(M.list()) do print(n) end
    return
  end
  if not name:match("^[%w_-]+$") then
    errors.config("unknown workflow '%s' (duo-lua -w list shows them)", name)
  end
  local ok, chunk = pcall(sys.load_embedded, "duo/workflows/" .. name .. ".lua")
  if not ok then
    errors.config("unknown workflow '%s' (duo-lua -w list shows them)", name)
  end
  return chunk(...)
end

return M
