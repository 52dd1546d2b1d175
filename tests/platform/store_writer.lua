-- Adds N organizations named TAG-1 .. TAG-N to the mapping store at PATH,
-- one locked update each (as the workflows change the store), so that two
-- of these running at once show whether the lock keeps every entry.
--   duo-lua store_writer.lua PATH TAG N
local store = require "workflows.lib.store"
local mappings = require "duo.mappings"

local path, tag, n = arg[1], arg[2], tonumber(arg[3])
assert(path and tag and n, "usage: store_writer.lua PATH TAG N")
for i = 1, n do
  store.update(function(s)
    mappings.add(s, { id = tag .. "-" .. i, name = tag .. " company " .. i })
    return true
  end, path)
end
