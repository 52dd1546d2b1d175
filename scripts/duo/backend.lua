-- The backend hook: what answers requests instead of the network. Empty
-- (requests go to Duo) unless a simulated service plugs itself in, as the
-- sandbox (scripts/sandbox/) does. A backend is a table:
--   answer(op)  answers one attempt waiting in the loop's outbox (op:wire(),
--               op:respond(status, body)); the scheduler calls it
--   config      the configuration in force while it is plugged in (the
--               shape duo.config builds from a file), or nil
-- Clients send to the outbox while a backend is plugged in.
local M = {}

local plugged = nil

-- Plugs `backend` in, replacing any other.
function M.plug(backend)
  if type(backend) ~= "table" or type(backend.answer) ~= "function" then
    error("bad argument #1 to 'plug' (a table with an answer function expected)", 2)
  end
  plugged = backend
end

-- Unplugs `backend` if it is the one plugged in.
function M.unplug(backend)
  if plugged == backend then plugged = nil end
end

-- The backend plugged in, or nil.
function M.current()
  return plugged
end

return M
