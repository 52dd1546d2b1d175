-- Asking before a write (SPEC section 6): "Proceed? [y/N]" on a terminal
-- unless --yes; with no terminal to ask on, no write without --yes.
--
--   local ok, status = confirm.ask(NAME, opts.yes, "write 3 entries into x.json")
--   if not ok then return status end
local host = require "workflows.lib.host"
local termtext = require "duo.termtext"

local M = {}

-- Returns true to go on; else false and the exit status (1 declined,
-- 2 no terminal and no --yes). --dry-run goes on without asking: it
-- writes nothing.
function M.ask(name, yes, what)
  if yes or host.dry_run() then return true end
  io.stdout:flush()
  if not (host.isatty(0) and host.isatty(2)) then
    io.stderr:write(termtext.format("duo-lua: %s: not writing without --yes: %s needs a confirmation and there is "
                                  .. "no terminal to ask on (add --yes, or --dry-run to see the change)\n",
                                  name, what))
    return false, 2
  end
  io.stderr:write(termtext.format("%s: %s. Proceed? [y/N] ", name, what))
  io.stderr:flush()
  local answer = io.stdin:read("l")
  if answer and (answer:lower() == "y" or answer:lower() == "yes") then return true end
  io.stderr:write(termtext.format("duo-lua: %s: nothing written\n", name))
  return false, 1
end

return M
