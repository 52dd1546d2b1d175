-- Writes the seed of the alerts benchmark to arg[1]: CHILDREN child
-- accounts (arg[2]) of 20 users each, one in bypass (put there 30 days
-- ago, says the administrator log) and one locked out in every child,
-- two administrators, a week of generated authentication and
-- administrator logs; Duo's rate limits and virtual time on.
local json = require "duo.json"
local path, children = arg[1], tonumber(arg[2]) or 500
local now = os.time()
local accounts = json.array{}
for c = 1, children do
  local users = json.array{}
  for u = 1, 20 do
    users[u] = { username = string.format("user%02d", u), email = string.format("user%02d@child%03d.example", u, c),
                 status = u == 1 and "bypass" or u == 2 and "locked out" or "active", created = now - 400 * 86400 }
  end
  accounts[c] = {
    name = string.format("Bench Child %03d", c), telephony_credits = (c % 10) * 50, users = users,
    admins = json.array{
      { name = "Owner", email = string.format("owner@child%03d.example", c), role = "Owner", created = now - 900 * 86400 },
      { name = "Helpdesk", email = "helpdesk@msp.example", role = "Help Desk", created = now - 900 * 86400 },
    },
    adminlogs = json.array{ { timestamp = now - 30 * 86400, username = "Owner", action = "user_update",
                              object = "user01", description = '{"status": "Bypass"}' } },
    generated_logs = { authentication = 300, administrator = 30, telephony = 0, days = 7 },
  }
end
local f = assert(io.open(path, "wb"))
f:write(json.encode{ options = { rate_limits = true, virtual_time = true }, accounts = accounts })
f:close()
