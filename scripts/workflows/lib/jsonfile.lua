-- Reading a JSON file an option names (a baseline, a brand, an earlier
-- output): a file that cannot be read is a usage error naming it; text
-- that is not JSON is left to the caller to describe.
--
--   local jsonfile = require "workflows.lib.jsonfile"
--   local doc, why = jsonfile.read(path, "the baseline")   -- nil and why when it is not JSON
--   if not jsonfile.is_object(doc) then ... end
local json = require "duo.json"

local M = {}

function M.read(path, label)
  local text = require("workflows.lib.input").read(path, label)   -- not there: a usage error
  local ok, doc = pcall(json.decode, text)
  if not ok then return nil, (tostring(doc):gsub("^json: ", "")) end
  return doc
end

-- Whether doc is a JSON object (not an array, not a plain value).
function M.is_object(doc)
  return type(doc) == "table" and not json.is_array(doc)
end

return M
