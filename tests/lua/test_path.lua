-- duo.path: one way to build paths on Linux and on Windows (whose rules
-- are checked here too, through path.rules(true)), and mkdir -p without a
-- shell.
local T = require "testing"
local path = require "duo.path"
local file = require "duo._file"

local posix, win = path.rules(false), path.rules(true)

T.test("dirname and basename, POSIX", function()
  T.eq(posix.dirname("/etc/duo-lua/config.lua"), "/etc/duo-lua")
  T.eq(posix.dirname("config.lua"), ".")
  T.eq(posix.dirname("/config.lua"), "/")
  T.eq(posix.dirname("a/b/"), "a")
  T.eq(posix.dirname("/"), "/")
  T.eq(posix.dirname("a\\b\\c.lua"), ".")   -- a backslash is part of a name here
  T.eq(posix.basename("/x/y.csv"), "y.csv")
end)

T.test("dirname and basename, Windows: \\ and / both separate", function()
  T.eq(win.dirname("C:\\Users\\me\\AppData\\Roaming\\duo-lua\\config.lua"),
       "C:\\Users\\me\\AppData\\Roaming\\duo-lua")
  T.eq(win.dirname("C:/Users/me/config.lua"), "C:/Users/me")
  T.eq(win.dirname("C:\\config.lua"), "C:\\")
  T.eq(win.dirname("C:\\"), "C:\\")
  T.eq(win.dirname("\\\\server\\share\\duo\\config.lua"), "\\\\server\\share\\duo")
  T.eq(win.dirname("\\\\server\\share\\config.lua"), "\\\\server\\share\\")
  T.eq(win.dirname("sub\\config.lua"), "sub")
  T.eq(win.dirname("config.lua"), ".")
  T.eq(win.basename("C:\\x\\Łódź ✓.csv"), "Łódź ✓.csv")
end)

T.test("absolute paths and join", function()
  T.truthy(posix.is_absolute("/a"))
  T.truthy(not posix.is_absolute("a/b"))
  T.truthy(not posix.is_absolute("C:\\a"))
  T.truthy(win.is_absolute("C:\\a") and win.is_absolute("c:/a") and win.is_absolute("\\\\srv\\share"))
  T.truthy(not win.is_absolute("a\\b") and not win.is_absolute("C:a"))
  T.eq(posix.join("/etc", "duo-lua", "config.lua"), "/etc/duo-lua/config.lua")
  T.eq(posix.join("/etc/", "x"), "/etc/x")
  T.eq(posix.join("/etc", "/abs"), "/abs")
  T.eq(win.join("C:\\Users\\me", "duo-lua", "config.lua"), "C:\\Users\\me\\duo-lua\\config.lua")
  T.eq(win.join("C:\\dir\\", "x"), "C:\\dir\\x")
  T.eq(win.join("C:\\dir", "D:\\other"), "D:\\other")
  T.eq(path.absolute("/x"), "/x")
  T.truthy(path.is_absolute(path.absolute("rel")))
  T.eq(path.dirname(path.absolute("rel")), path.absolute("."))
end)

T.test("the default folders follow XDG (HOME and XDG_* are what the test runs with)", function()
  local home, xdg = os.getenv("HOME"), os.getenv("XDG_CONFIG_HOME")
  if xdg and xdg:sub(1, 1) == "/" then
    T.eq(path.config_dir(), xdg .. "/duo-lua")
  elseif home and home ~= "" then
    T.eq(path.config_dir(), home .. "/.config/duo-lua")
  end
  local state = os.getenv("XDG_STATE_HOME")
  if state and state:sub(1, 1) == "/" then
    T.eq(path.state_dir(), state .. "/duo-lua")
  elseif home and home ~= "" then
    T.eq(path.state_dir(), home .. "/.local/state/duo-lua")
  end
end)

T.test("mkdir_p makes every missing folder, refuses a file in the way", function()
  local base = os.tmpname()
  os.remove(base)
  local deep = path.join(base, "a b", "c'd", "e")
  T.truthy(path.mkdir_p(deep))
  T.eq(file.kind(deep), "directory")
  T.truthy(path.mkdir_p(deep), "again: an existing folder is fine")
  local f = assert(io.open(path.join(base, "plain"), "w"))
  f:close()
  local ok, err = path.mkdir_p(path.join(base, "plain", "sub"))
  T.eq(ok, nil)
  T.truthy(err:find("cannot create the folder", 1, true), err)
  assert(os.execute("rm -rf '" .. base .. "'"))
end)

T.done()
