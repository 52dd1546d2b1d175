-- Paths, built one way on every platform: the separator, absolute paths,
-- dirname, join, and the default folders (XDG on Linux; %APPDATA% and
-- %LOCALAPPDATA% on Windows, where / and \ both separate and a path may
-- start with a drive letter or \\server\share).
local sys = require "duo._sys"

-- The rules of one platform (windows: true or false); the module is those
-- of the platform we run on, and M.rules(other) gives the other's, for tests.
local function rules(windows)
  local M = {}

  M.windows = windows
  M.sep = M.windows and "\\" or "/"

  local SEPS = M.windows and "[/\\]" or "/"
  local NOT_SEPS = M.windows and "[^/\\]" or "[^/]"

  local function is_sep(c)
    return c == "/" or (M.windows and c == "\\")
  end

  -- Whether a path names the same file wherever the current folder is.
  function M.is_absolute(p)
    if M.windows then
      return p:match("^%a:[/\\]") ~= nil or p:match("^[/\\][/\\]") ~= nil
    end
    return p:sub(1, 1) == "/"
  end

  -- The length of the part of p that is its root ("/", "C:\", "\\srv\share\"), 0 for none.
  local function root_length(p)
    if not M.windows then return p:sub(1, 1) == "/" and 1 or 0 end
    local drive = p:match("^%a:[/\\]") or p:match("^%a:")
    if drive then return #drive end
    local unc = p:match("^[/\\][/\\][^/\\]+[/\\][^/\\]+[/\\]?")
    if unc then return #unc end
    return is_sep(p:sub(1, 1)) and 1 or 0
  end

  -- The folder part of a path ("." when it has none): dirname(1).
  function M.dirname(p)
    local root = root_length(p)
    local stripped = p:gsub(SEPS .. "+$", "")
    if #stripped < root then stripped = p:sub(1, root) end
    local dir = stripped:match("^(.*)" .. SEPS .. NOT_SEPS .. "*$")
    if dir == nil or #dir < root then
      if root > 0 then return p:sub(1, root) end
      return "."
    end
    dir = dir:gsub(SEPS .. "+$", "")
    if #dir < root then return p:sub(1, root) end
    return dir
  end

  -- The last part of a path.
  function M.basename(p)
    local stripped = p:gsub(SEPS .. "+$", "")
    return stripped:match(NOT_SEPS .. "*$")
  end

  -- The parts joined with the separator; an absolute part starts afresh.
  function M.join(first, ...)
    local out = first
    for i = 1, select("#", ...) do
      local part = select(i, ...)
      if M.is_absolute(part) or out == "" then
        out = part
      elseif is_sep(out:sub(-1)) then
        out = out .. part
      else
        out = out .. M.sep .. part
      end
    end
    return out
  end

  -- The path made absolute against the current folder (links not followed).
  function M.absolute(p)
    if M.is_absolute(p) then return p end
    local cwd = assert(sys.cwd())
    if p == "." or p == "" then return cwd end
    return M.join(cwd, (p:gsub("^%." .. SEPS .. "+", "")))
  end

  local function env(name)
    local v = sys.getenv(name)
    if v == nil or v == "" then return nil end
    return v
  end

  -- An XDG base folder: $VAR when absolute, else $HOME/fallback.
  local function xdg(var, fallback)
    local base = env(var)
    if base and M.is_absolute(base) then return base end
    local home = env("HOME")
    if home then return M.join(home, fallback) end
    return nil
  end

  -- duo-lua's folder for configuration (config.lua, workflows/):
  -- %APPDATA%\duo-lua on Windows, $XDG_CONFIG_HOME/duo-lua or
  -- ~/.config/duo-lua elsewhere; nil when the environment names none.
  function M.config_dir()
    local base
    if M.windows then base = env("APPDATA") else base = xdg("XDG_CONFIG_HOME", ".config") end
    return base and M.join(base, "duo-lua")
  end

  -- duo-lua's folder for state (the REPL's history): %LOCALAPPDATA%\duo-lua
  -- on Windows, $XDG_STATE_HOME/duo-lua or ~/.local/state/duo-lua elsewhere.
  function M.state_dir()
    local base
    if M.windows then base = env("LOCALAPPDATA") else base = xdg("XDG_STATE_HOME", ".local/state") end
    return base and M.join(base, "duo-lua")
  end

  -- mkdir -p (each new folder owner-only): true, or nil and a message.
  function M.mkdir_p(p)
    return require("duo._file").mkdir(p, 448, true)   -- 0700
  end

  M.rules = rules
  return M
end

return rules(sys.windows)
