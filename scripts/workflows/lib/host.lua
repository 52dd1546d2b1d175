-- What the workflows need from the host: the command line's settings
-- (--profile, --config, --sandbox, --dry-run, --workflows-dir) and the
-- bundled files, and the loop's clock. The one place the workflows touch
-- duo._sys and duo._loop.
local core = require "duo._sys"
local loop = require "duo._loop"

local M = {}

function M.settings()
  return core.settings()
end

function M.dry_run()
  return core.settings().dry_run and true or false
end

-- The event loop's clock in milliseconds (virtual under the sandbox's
-- virtual time), for deadlines.
function M.now_ms()
  return loop.now_ms()
end

-- The running sandbox (duo.sandbox), or nil when talking to Duo.
function M.sandbox()
  local b = require("duo").env().backend
  return b and b.sandbox or nil
end

-- Embedded paths that start with prefix; the text of one.
function M.embedded(prefix)
  return core.embedded(prefix)
end

function M.read_embedded(path)
  return core.read_embedded(path)
end

-- The host options given, as words to repeat in a suggested command line.
function M.command_prefix()
  local s = core.settings()
  local function quote(v)
    if v:match("^[%w@%._%-/:=]+$") then return v end
    return "'" .. v:gsub("'", "'\\''") .. "'"
  end
  local words = { "duo-lua" }
  if s.sandbox then words[#words + 1] = s.sandbox == "" and "--sandbox" or ("--sandbox=" .. quote(s.sandbox)) end
  if s.config then words[#words + 1] = "--config " .. quote(s.config) end
  if s.profile then words[#words + 1] = "--profile " .. quote(s.profile) end
  return table.concat(words, " "), quote
end

return M
