-- Writes the seed of the export-logs benchmark to arg[1]: CHILDREN child
-- accounts (arg[2]) of 30 users, each with EVENTS authentication events
-- (arg[3]) generated over 180 days; Duo's rate limits and virtual time on,
-- pages as large as Duo's (1000).
local json = require "duo.json"
local path, children, events = arg[1], tonumber(arg[2]) or 25, tonumber(arg[3]) or 5000
local accounts = json.array{}
for c = 1, children do
  local users = json.array{}
  for u = 1, 30 do
    users[u] = { username = string.format("user%02d", u), email = string.format("user%02d@child%02d.example", u, c) }
  end
  accounts[c] = { name = string.format("Bench Child %02d", c),
                  generated_logs = { authentication = events, administrator = 0, telephony = 0 }, users = users }
end
local f = assert(io.open(path, "wb"))
f:write(json.encode{ options = { rate_limits = true, page_cap = false, virtual_time = true }, accounts = accounts })
f:close()
