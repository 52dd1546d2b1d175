-- Reading a file a workflow was given as input (a companies file, a
-- baseline, an earlier output): a file that is missing, a folder or
-- unreadable is a usage error (exit status 2, SPEC section 1), named with
-- what it was given as.
--
--   local input = require "workflows.lib.input"
--   local text = input.read("baseline.json", "the baseline")
local errors = require "duo.error"
local file = require("workflows.lib.host").file

local M = {}

-- The whole text of the file at path; label says what it is ("the
-- baseline", "the --since file").
function M.read(path, label)
  local kind = file.kind(path)
  if kind == "directory" then errors.usage("%s %s is a folder, not a file", label, path) end
  local f, err = io.open(path, "rb")
  if f == nil then errors.usage("cannot read %s: %s", label, err) end
  local text = f:read("a")
  f:close()
  if text == nil then errors.usage("cannot read %s %s", label, path) end
  return text
end

return M
