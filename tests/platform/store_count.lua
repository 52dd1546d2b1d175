-- Prints how many organizations the mapping store at PATH holds, and how
-- many distinct ids.
local mappings = require "duo.mappings"

local s = mappings.load(assert(arg[1], "usage: store_count.lua PATH"))
local ids = {}
local distinct = 0
for _, e in ipairs(s.organizations) do
  if not ids[e.id] then distinct = distinct + 1 end
  ids[e.id] = true
end
print(#s.organizations .. " " .. distinct)
