-- Configuration files and profiles, with real files and real duo-lua
-- processes for the command-line options.
local T = require "testing"

local DUO_LUA = arg[-1]   -- the interpreter running this test
local tmp = os.tmpname()
os.remove(tmp)
assert(os.execute("mkdir -p " .. tmp))

local function write(name, text, mode)
  local path = tmp .. "/" .. name
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
  assert(os.execute(string.format("chmod %s %s", mode or "600", path)))
  return path
end

-- Runs duo-lua with a shell prefix (env vars) and options; returns exit
-- code, stdout+stderr.
local function run(prefix, args)
  local cmd = string.format("%s %s %s 2>&1", prefix or "", DUO_LUA, args)
  local p = assert(io.popen(cmd))
  local out = p:read("a")
  local _, _, code = p:close()
  return code, out
end

local CONFIG = [[
return {
  default = "main",
  profiles = {
    main = {
      admin = { host = "api-main.example.com", ikey = "DIMAINADMIN", skey = env "T_MAIN_SKEY" },
      accounts = { host = "api-main.example.com", ikey = "DIMAINACCOUNTS", skey = env "T_MAIN_SKEY" },
      mappings = "main.mappings.json",
      timeout = 7,
    },
    second = {
      admin = { host = "api-second.example.com", ikey = "DISECOND", skey = env "T_SECOND_SKEY", timeout = 3 },
    },
  },
}
]]

local env_path = write("env.lua", CONFIG, "644")   -- secrets come from env(): 644 is fine
local ENV = "T_MAIN_SKEY=mainsecret T_SECOND_SKEY=secondsecret"

T.test("the default profile, --profile, and named profiles side by side", function()
  local code, out = run(ENV, "-c " .. env_path .. [[ -e 'local duo = require "duo"
    print(duo.admin()); print(duo.admin "second"); print(duo.accounts())']])
  T.eq(code, 0, out)
  T.truthy(out:find("duo.admin (DIMAINADMIN at api-main.example.com)", 1, true), out)
  T.truthy(out:find("duo.admin (DISECOND at api-second.example.com)", 1, true), out)
  T.truthy(out:find("duo.accounts (DIMAINACCOUNTS", 1, true), out)
  code, out = run(ENV, "--profile second -c " .. env_path .. [[ -e 'print(require("duo").admin())']])
  T.eq(code, 0, out)
  T.truthy(out:find("DISECOND", 1, true), out)
end)

T.test("$DUO_LUA_CONFIG names the file", function()
  local code, out = run(ENV .. " DUO_LUA_CONFIG=" .. env_path, [[-e 'print(require("duo").admin())']])
  T.eq(code, 0, out)
  T.truthy(out:find("DIMAINADMIN", 1, true), out)
end)

T.test("an unknown profile is one clear line, and a usage error (exit 2)", function()
  local code, out = run(ENV, "-p nope -c " .. env_path .. [[ -e 'require("duo").admin()']])
  T.eq(code, 2)
  T.eq(out, "duo-lua: duo: unknown profile 'nope' (known: main, second)\n")
end)

T.test("a missing credential set names the profile and the fix", function()
  local code, out = run(ENV, "-p second -c " .. env_path .. [[ -e 'require("duo").accounts()']])
  T.eq(code, 1)
  T.truthy(out:find("profile 'second' in " .. env_path .. " has no accounts credentials", 1, true), out)
end)

T.test("an env() that is not set is named as the likely cause", function()
  local code, out = run("", "-c " .. env_path .. [[ -e 'require("duo").admin()']])
  T.eq(code, 1)
  T.truthy(out:find("admin has no skey", 1, true), out)
end)

T.test("a secret in a file readable by others is refused with the chmod that fixes it", function()
  local path = write("loose.lua", [[return { profiles = { p = { admin = { host = "h", ikey = "DI", skey = "literalsecret" } } } }]], "640")
  local code, out = run("", "-c " .. path .. [[ -e 'require("duo").admin()']])
  T.eq(code, 1)
  T.eq(out, "duo-lua: duo: config file " .. path .. " holds a secret key and is readable by group or others: run chmod 600 "
             .. path .. "\n")
  T.truthy(not out:find("literalsecret", 1, true), "no secret in the message")
  assert(os.execute("chmod 600 " .. path))
  code, out = run("", "-c " .. path .. [[ -e 'print(require("duo").admin())']])
  T.eq(code, 0, out)
end)

T.test("mistakes in the file are named", function()
  local cases = {
    { "return {", "expected" },
    { "return 42", "must return a table" },
    { "return { profiles = { p = { admin = {}, colour = 'red' } } }", "unknown key 'colour' in profile 'p'" },
    { "return { profiles = { p = { admin = { host = 1 } } } }", "'host' in profile 'p' admin must be a string" },
    { "return { default = 'x', profiles = {} }", "default profile 'x'" },
    { "return { profiles = {}, extra = 1 }", "unknown top%-level key 'extra'" },
    { "os.exit(3)", "attempt to index a nil value" },
  }
  for i, case in ipairs(cases) do
    local path = write("bad" .. i .. ".lua", case[1])
    local code, out = run("", "-c " .. path .. [[ -e 'require("duo").admin()']])
    T.eq(code, 1, case[1])
    T.truthy(out:find(case[2]), case[1] .. " -> " .. out)
    T.truthy(select(2, out:gsub("\n", "")) == 1, "one line: " .. out)
  end
end)

T.test("a config file named but missing is a usage error (exit 2)", function()
  local code, out = run("", "-c " .. tmp .. [[/none.lua -e 'require("duo").admin()']])
  T.eq(code, 2)
  T.truthy(out:find("does not exist", 1, true), out)
end)

T.test("without a config file the environment serves", function()
  local code, out = run("HOME=" .. tmp .. " XDG_CONFIG_HOME=" .. tmp .. "/none DUO_ADMIN_HOST=api-env.example.com DUO_ADMIN_IKEY=DIENV DUO_ADMIN_SKEY=envsecret",
                        [[-e 'print(require("duo").admin())']])
  T.eq(code, 0, out)
  T.truthy(out:find("duo.admin (DIENV at api-env.example.com)", 1, true), out)
  code, out = run("HOME=" .. tmp .. " XDG_CONFIG_HOME=" .. tmp .. "/none", [[-e 'require("duo").auth()']])
  T.eq(code, 1)
  T.truthy(out:find("no auth credentials: set DUO_AUTH_HOST, DUO_AUTH_IKEY and DUO_AUTH_SKEY", 1, true), out)
end)

T.test("duo.profiles() lists profiles without secrets", function()
  local code, out = run(ENV, "-c " .. env_path .. [[ -e 'local duo = require "duo"
    local list, path = duo.profiles()
    for _, p in ipairs(list) do print(p.name, p.default, p.admin and p.admin.ikey, p.admin and p.admin.skey) end
    print(path)']])
  T.eq(code, 0, out)
  T.truthy(out:find("main\ttrue\tDIMAINADMIN\tnil", 1, true), out)
  T.truthy(out:find("second\tnil\tDISECOND\tnil", 1, true), out)
  T.truthy(not out:find("secret", 1, true) or out:find(env_path, 1, true), out)
  T.truthy(not out:find("mainsecret", 1, true), "no secret")
end)

T.test("the mapping store path is relative to the config file", function()
  local code, out = run(ENV, "-c " .. env_path .. [[ -e 'print(require("duo.config").mappings_path())']])
  T.eq(code, 0, out)
  T.eq(out, tmp .. "/main.mappings.json\n")
end)

T.test("profile transport options reach the client; the set's own win", function()
  local code, out = run(ENV, "-c " .. env_path .. [[ -e 'local c = require "duo.config"
    local o = c.client_options("admin"); print(o.timeout)
    o = c.client_options("admin", "second"); print(o.timeout)']])
  T.eq(code, 0, out)
  T.eq(out, "7\n3\n")
end)

T.test("a syntax error names the file and line and never echoes the text (it may be a secret)", function()
  local secret = "s3cr3tk3y0000000000000000000000000000000"
  local path = write("unterminated.lua", "return {\n  profiles = {\n    p = { admin = { host = 'h', ikey = 'DI',\n"
                                         .. "      skey = \"" .. secret .. " },\n} } }\n")
  local code, out = run("", "-c " .. path .. [[ -e 'require("duo").admin()']])
  T.eq(code, 1)
  T.truthy(not out:find(secret:sub(1, 12), 1, true), "the secret is not shown: " .. out)
  T.truthy(out:find("config file " .. path .. ", line 4: unfinished string", 1, true), out)
  path = write("runtime.lua", "local x = nil\nreturn x.y\n")
  code, out = run("", "-c " .. path .. [[ -e 'require("duo").admin()']])
  T.eq(code, 1)
  T.truthy(out:find("config file " .. path .. ", line 2: attempt to index", 1, true), out)
end)

T.test("an unreadable config is not called missing; a folder is named as one", function()
  local path = write("unreadable.lua", "return { profiles = {} }", "000")
  local p = io.open(path, "r")
  if p then p:close() else   -- root reads anything
    local code, out = run("", "-c " .. path .. [[ -e 'require("duo").admin()']])
    T.eq(code, 2, "an unreadable config file is a usage error")
    T.truthy(out:find("config file " .. path .. " cannot be read: Permission denied", 1, true), out)
  end
  local code, out = run("", "-c " .. tmp .. [[ -e 'require("duo").admin()']])
  T.eq(code, 2, "a folder given as the config file is a usage error")
  T.truthy(out:find("config file " .. tmp .. " is a folder", 1, true), out)
  code, out = run("", "-c " .. tmp .. [[/missing.lua -w check]])
  T.eq(code, 2, "a missing config file is a usage error")
  T.truthy(out:find("config file " .. tmp .. "/missing.lua does not exist", 1, true), out)
  code, out = run("", [[-p nosuch -w check]])
  T.eq(code, 2, "an unknown profile is a usage error")
  T.truthy(out:find("unknown profile 'nosuch'", 1, true), out)
end)

T.test("ports, hosts and transport options are checked when the config is read, naming file and profile", function()
  local cases = {
    { "return { profiles = { p = { admin = { host = 'api-x.duosecurity.com:99999', ikey = 'DI', skey = env 'S' } } } }",
      "the host 'api-x.duosecurity.com:99999' in profile 'p' admin has the port '99999'" },
    { "return { profiles = { p = { admin = { host = 'https://api-x.duosecurity.com/', ikey = 'DI', skey = env 'S' } } } }",
      "in profile 'p' admin is a URL" },
    { "return { profiles = { p = { timeout = -1 } } }", "'timeout' in profile 'p' must be a number of seconds above 0" },
    { "return { profiles = { p = { admin = { host = 'h', sig_version = 3 } } } }",
      "'sig_version' in profile 'p' admin must be 5 or 2" },
    { "return { profiles = { p = { ca = '/no/such/ca.pem' } } }",
      "'ca' in profile 'p' is 'pinned', 'system' or a PEM file, and there is no file '/no/such/ca.pem'" },
  }
  for i, case in ipairs(cases) do
    local path = write("transport" .. i .. ".lua", case[1])
    local code, out = run("S=x", "-c " .. path .. [[ -e 'require("duo").admin()']])
    T.eq(code, 1, case[1])
    T.truthy(out:find(path, 1, true) and out:find(case[2], 1, true), case[1] .. " -> " .. out)
  end
end)

T.test("DUO_ADMIN_HOST given as a URL is reduced to its host with a note; a path is refused naming the fix", function()
  local env = "HOME=" .. tmp .. " XDG_CONFIG_HOME=" .. tmp .. "/none DUO_ADMIN_IKEY=DIENV DUO_ADMIN_SKEY=envsecret "
  local code, out = run(env .. "DUO_ADMIN_HOST=https://api-env.duosecurity.com/", [[-e 'print(require("duo").admin())']])
  T.eq(code, 0, out)
  T.truthy(out:find("note: DUO_ADMIN_HOST is a URL; using its host api-env.duosecurity.com", 1, true), out)
  T.truthy(out:find("duo.admin (DIENV at api-env.duosecurity.com)", 1, true), out)
  code, out = run(env .. "DUO_ADMIN_HOST=https://api-env.duosecurity.com/admin/v1", [[-e 'require("duo").admin()']])
  T.eq(code, 1)
  T.truthy(out:find("DUO_ADMIN_HOST=api-xxxxxxxx.duosecurity.com", 1, true), out)
end)

T.test("a Duo error raised by a script names its file and line; DUO_LUA_TRACEBACK=1 adds the traceback", function()
  local script = write("fails.lua", "local duo = require 'duo'\nlocal admin = duo.admin()\n\nadmin:get_user_by_id('DUNOPE')\n")
  local code, out = run("", "--sandbox " .. script)
  T.eq(code, 1)
  T.truthy(out:find("^duo%-lua: " .. script:gsub("%p", "%%%0") .. ":4: duo: 40401"), out)
  T.eq(select(2, out:gsub("\n", "")), 1, "one line")
  code, out = run("DUO_LUA_TRACEBACK=1", "--sandbox " .. script)
  T.eq(code, 1)
  T.truthy(out:find(":4: duo: 40401", 1, true), out)
  T.truthy(out:find("stack traceback:", 1, true), out)
  T.truthy(out:find(script .. ":4: in main chunk", 1, true), out)
end)

T.test("the device profile key: the Device API's keys and its mkey; mkey nowhere else", function()
  local path = write("device.lua", [[
return { profiles = { p = {
  device = { host = "api-dev.example.com", ikey = "DIDEVICE", skey = env "T_MAIN_SKEY", mkey = "DMSYSTEM" },
} } }
]], "644")
  local code, out = run(ENV, "-c " .. path .. [[ -e 'local d = require("duo").device(); print(d, d.mkey)']])
  T.eq(code, 0, out)
  T.eq(out, "duo.device (DIDEVICE at api-dev.example.com)\tDMSYSTEM\n")
  path = write("mkey_admin.lua", [[
return { profiles = { p = { admin = { host = "h", ikey = "DIX", skey = env "T_MAIN_SKEY", mkey = "DM" } } } }
]], "644")
  code, out = run(ENV, "-c " .. path .. [[ -e 'require("duo").admin()']])
  T.eq(code, 1, out)
  T.truthy(out:find("unknown key 'mkey' in profile 'p' admin", 1, true), out)
  -- no config file: the environment, DUO_DEVICE_MKEY included
  code, out = run("env -u DUO_LUA_CONFIG XDG_CONFIG_HOME=" .. tmp .. "/noconfig DUO_DEVICE_HOST=api-env.example.com"
                  .. " DUO_DEVICE_IKEY=DIENV DUO_DEVICE_SKEY=s DUO_DEVICE_MKEY=DMENV",
                  [[-e 'print(require("duo").device().mkey)']])
  T.eq(code, 0, out)
  T.eq(out, "DMENV\n")
end)

os.execute("rm -rf " .. tmp)
T.done()
