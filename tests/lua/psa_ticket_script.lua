-- Run by test_psa_tickets.lua as a process with a config file: sends the
-- findings of arg[1] (a JSON array) to a psa_ticket channel (arg[2], JSON)
-- with the state in arg[3] (a JSON file, created when missing), as a run
-- of alerts does; prints the actions and failures as JSON.
local json = require "duo.json"
local ticket = require "workflows.lib.psa.ticket"

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local findings = json.decode(read(arg[1]))
local channel = json.decode(arg[2])
local state = json.decode(read(arg[3]) or "{}")
local desk = ticket.open(channel, nil, "channel 'desk'")
local done, failures = desk:send(findings, state)
local f = assert(io.open(arg[3], "wb"))
f:write(json.encode(state))
f:close()
for _, x in ipairs(failures) do x.error = tostring(x.error) end
print(json.encode{ done = json.array(done), failures = json.array(failures) })
