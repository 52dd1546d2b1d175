-- Waiting for operations of the event loop (requests, timers). Outside a
-- task a wait simply runs the loop until the operation finishes; tasks
-- (duo.spawn and friends) yield to the scheduler instead.
local core = require "duo.core"

local M = {}

-- Answers requests waiting in the outbox (sandbox); set by duo.sandbox.
M.outbox_handler = nil

local function service_outbox()
  local handler = M.outbox_handler
  if handler == nil then return end
  while true do
    local op = core.next_outgoing()
    if op == nil then return end
    handler(op)
  end
end
M.service_outbox = service_outbox

-- Runs the loop once: transfers, timers, the outbox.
function M.step(max_wait_ms)
  core.run_once(max_wait_ms or -1)
  service_outbox()
end

-- Waits for op to finish, blocking the whole program.
function M.block(op)
  service_outbox()
  while not op:done() do
    M.step(-1)
  end
end

-- The waiting strategy used by await; the task scheduler replaces it.
M.wait = M.block

function M.await(op)
  M.wait(op)
  return op:result()
end

return M
