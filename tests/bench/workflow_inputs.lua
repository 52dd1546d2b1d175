-- The workflows' inputs at size: the companies reader on a field full of
-- white space (issue 14: 80 KB took 35 s, quadratic), and `mappings
-- import` of 20,000 rows (issue 12: 2 min 14 s, quadratic; budget 1 s).
-- Run by tests/bench/run.sh as `duo-lua workflow_inputs.lua`.
local companies = require "workflows.lib.companies"

package.path = (arg[0]:match("^(.*)/") or ".") .. "/../lua/?.lua;" .. package.path
local W = require("workspace").new()
local DUO_LUA, tmp, write = W.DUO_LUA, W.tmp, W.write

local function verdict(seconds, budget)
  return seconds <= budget and "ok" or "OVER BUDGET"
end

-- A companies file whose one name holds `size` bytes of blanks and tabs
-- between words, quoted so the spaces are part of the field.
for _, size in ipairs{ 80 * 1024, 800 * 1024 } do
  local filler = string.rep(" \t ", size // 3)
  local path = write("ws" .. size .. ".csv", "name,id\n\"Acme" .. filler .. "Corp" .. filler .. "\",C1\nGlobex,C2\n")
  local t0 = os.clock()
  local list = companies.load(path)
  local s = os.clock() - t0
  assert(#list == 2)
  local budget = size / (80 * 1024) * 0.1   -- linear: 0.1 s per 80 KB
  print(string.format("companies reader, %4d KB of white space in a field: %.3f s CPU  %s (budget %.1f s)",
                      size // 1024, s, verdict(s, budget), budget))
end

-- mappings import: 20,000 new organizations, then the same file again
-- (all unchanged: every row found in the store).
local rows = { "name,id,duo_account_id" }
for i = 1, 20000 do
  rows[#rows + 1] = string.format("Organization %05d,C%05d,DA%018d", i, i, i)
end
local csv = write("import.csv", table.concat(rows, "\n") .. "\n")
local cfg = write("config.lua", string.format("return { profiles = { p = { mappings = %q } } }\n",
                                              tmp .. "/store.json"))
-- Wall time on a busy machine says little: CPU time (user + system) is
-- the figure held against the budget, wall time printed beside it.
for _, label in ipairs{ "into an empty store", "again (all unchanged)" } do
  local p = assert(io.popen(string.format("bash -c \"TIMEFORMAT='%%R %%U %%S'; time %s -c %s -w mappings import "
                                          .. "--yes --offline %s >/dev/null\" 2>&1", DUO_LUA, cfg, csv)))
  local out = p:read("a")
  assert(p:close(), "the import failed: " .. out)
  local wall, user, sys = out:match("([%d.]+) ([%d.]+) ([%d.]+)%s*$")
  local cpu = tonumber(user) + tonumber(sys)
  print(string.format("mappings import of 20,000 rows %-22s %.3f s CPU (%.3f s wall)  %s (budget 1 s)",
                      label .. ":", cpu, tonumber(wall), verdict(cpu, 1)))
end
W.remove()
