-- Core dumps are turned off (PR_SET_DUMPABLE 0) as soon as a secret key
-- is in memory, whether it came from the config file (every profile, used
-- or not), the environment or a constructor's options; not before
-- (issue 14: a core dump held every profile's secret).
local T = require "testing"

local DUO_LUA = arg[-1]   -- the interpreter running this test
local tmp = os.tmpname()
os.remove(tmp)
assert(os.execute("mkdir -p " .. tmp .. "/xdg"))

local CLEAN = "env -u DUO_ADMIN_SKEY -u DUO_ACCOUNTS_SKEY -u DUO_AUTH_SKEY -u DUO_LUA_CONFIG XDG_CONFIG_HOME="
              .. tmp .. "/xdg "

-- Runs a chunk in a fresh duo-lua; returns what it printed.
local function run(prefix, chunk)
  local p = assert(io.popen(string.format("%s%s %s -e %q 2>&1", CLEAN, prefix, DUO_LUA, chunk)))
  local out = p:read("a")
  p:close()
  return out
end

local SHOW = "print(require('duo._sys').core_dumps_off())"

T.test("no secret: core dumps stay as they were", function()
  T.eq(run("", "require 'duo'; " .. SHOW), "false\n")
end)

T.test("a secret key from the environment turns them off", function()
  T.eq(run("DUO_ADMIN_HOST=h DUO_ADMIN_IKEY=DIX DUO_ADMIN_SKEY=" .. ("k"):rep(40) .. " ",
           "require('duo.config').current(); " .. SHOW), "true\n")
end)

T.test("a config file with secrets turns them off, even for a profile not used", function()
  local path = tmp .. "/config.lua"
  local f = assert(io.open(path, "w"))
  f:write('return { default = "a", profiles = { a = { admin = { host = "h", ikey = "DIA" } },\n'
          .. '  b = { auth = { host = "h", ikey = "DIB", skey = "' .. ("s"):rep(40) .. '" } } } }\n')
  f:close()
  assert(os.execute("chmod 600 " .. path))
  T.eq(run("DUO_LUA_CONFIG=" .. path .. " ", "require('duo.config').profile(); " .. SHOW), "true\n")
end)

T.test("a client built with a secret key turns them off", function()
  T.eq(run("", "require('duo').admin{ host = 'h', ikey = 'DIX', skey = ('k'):rep(40) }; " .. SHOW), "true\n")
end)

os.execute("rm -rf " .. tmp)
T.done()
