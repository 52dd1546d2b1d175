-- Table rendering (issue 25): one very long company name among ordinary
-- rows. Before, every row was padded to the long name's width and the
-- trailing-blank trim rescanned the padding (10 KB: 2.4 s, 80 KB: > 60 s).
-- Now cells end in "…" at output.MAX_CELL columns and rendering is linear.
-- Aim: every size under 0.1 s, and the time per KB roughly flat.
--   duo-lua tests/bench/bench_table.lua
local output = require "workflows.lib.output"

local sink = { n = 0, write = function(self, ...)
  for _, s in ipairs{ ... } do self.n = self.n + #s end
end }

local columns = { { key = "name" }, { key = "account_id" }, { key = "users" } }
local worst = 0
for _, kb in ipairs{ 10, 20, 80, 100 } do
  local rows = { { name = string.rep("Ünïcode Co ", kb * 1024 // 13), account_id = "DA0000000000000000001", users = 1 } }
  for i = 2, 200 do rows[i] = { name = "Company " .. i, account_id = "DA" .. i, users = i } end
  sink.n = 0
  local t0 = os.clock()
  output.table(rows, columns, sink)
  local dt = os.clock() - t0
  worst = math.max(worst, dt)
  print(string.format("name %3d KB, 200 rows: %.4f s, %d bytes written", kb, dt, sink.n))
end
print(worst < 0.1 and "ok" or "OVER BUDGET")
