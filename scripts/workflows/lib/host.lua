-- What the workflows need from the host and the C seam: the command
-- line's settings (--profile, --config, --sandbox, --dry-run,
-- --workflows-dir), the bundled files, the loop's clock, terminals, files
-- (duo._file: kinds, listings, locks, atomic replacement, flushing a file
-- to the disk with file.sync(f), secrets read from the terminal) and percent-encoding and base64. The one place the
-- workflows touch the private duo._* modules, but for the matching
-- engine's own C half (lib/match.lua, lib/match_index.lua: duo._match).
local core = require "duo._sys"
local loop = require "duo._loop"
local sign = require "duo._sign"

local M = {}

M.file = require "duo._file"

-- Whether file descriptor fd (0, 1, 2) is a terminal.
function M.isatty(fd)
  return core.isatty(fd)
end

M.percent_encode = sign.percent_encode
M.base64_encode = sign.base64_encode

function M.settings()
  return core.settings()
end

-- Whether this run sends no writes (the environment new clients get).
function M.dry_run()
  return require("duo").env().dry_run
end

-- The event loop's clock in milliseconds (virtual under the sandbox's
-- virtual time), for deadlines.
function M.now_ms()
  return loop.now_ms()
end

-- The Unix time (seconds) by the loop's clock: virtual under the
-- sandbox's virtual time, and corrected by the offset learnt from the
-- server's clock, as requests are signed.
function M.unix_time()
  return loop.unix_time()
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
