-- The check workflow (SPEC section 6) on the sandbox and the loopback test
-- server: every set ok; swapped keys named as swapped and never sent or
-- printed; a 40102 says which application type the keys belong to.
local T = require "testing"
local json = require "duo.json"
local S = require "testserver"

local DUO_LUA = arg[-1]
local tmp = os.tmpname()
os.remove(tmp)
assert(os.execute("mkdir -p " .. tmp))

local function run(args)
  local errfile = tmp .. "/stderr.txt"
  local p = assert(io.popen(string.format("env HOME=%s XDG_CONFIG_HOME=%s DUO_LUA_CONFIG= %s %s 2>%s </dev/null",
                                          tmp, tmp, DUO_LUA, args, errfile)))
  local out = p:read("a")
  local _, _, code = p:close()
  local f = io.open(errfile)
  local err = f and f:read("a") or ""
  if f then f:close() end
  return code, out, err
end

local function config(sets)
  local path = tmp .. "/config.lua"
  local f = assert(io.open(path, "w"))
  local parts = {}
  for api, set in pairs(sets) do
    parts[#parts + 1] = string.format("%s = { host = %q, ikey = %q, skey = %q }", api, set.host, set.ikey, set.skey)
  end
  f:write(string.format("return { profiles = { srv = { ca = %q, %s } } }\n", S.ca, table.concat(parts, ", ")))
  f:close()
  assert(os.execute("chmod 600 " .. path))
  return path
end

local function no_secret(text)
  for _, k in pairs(S.keys) do T.truthy(not text:find(k.skey, 1, true), "a secret key in: " .. text) end
end

local HOST = "127.0.0.1:" .. S.port()

T.test("check on the sandbox: every set ok, exit 0, the JSON of SPEC section 6", function()
  local code, out, err = run("--sandbox -w check --format json")
  T.eq(code, 0, err)
  local doc = json.decode(out)
  T.eq(doc.profile, "sandbox")
  T.eq(type(doc.clock_offset_s), "number")
  T.eq(#doc.checks, 4)
  for i, api in ipairs{ "admin", "accounts", "auth", "device" } do
    T.eq(doc.checks[i].api, api)
    T.eq(doc.checks[i].status, "ok")
  end
end)

T.test("check: swapped admin keys are named swapped, exit 1, no secret anywhere", function()
  local cfg = config{ admin = { host = HOST, ikey = S.keys.admin.skey, skey = S.keys.admin.ikey },
                      auth = { host = HOST, ikey = S.keys.auth.ikey, skey = S.keys.auth.skey } }
  S.clear_requests()
  for _, format in ipairs{ "table", "json" } do
    local code, out, err = run("-c " .. cfg .. " -w check --format " .. format)
    T.eq(code, 1, err)
    T.truthy(out:find("swapped", 1, true), out)
    no_secret(out .. err)
    if format == "json" then
      local doc = json.decode(out)
      T.eq(doc.checks[1].status, "error")
      T.eq(doc.checks[2].status, "absent")
      T.eq(doc.checks[3].status, "ok")
      T.eq(type(doc.clock_offset_s), "number", "from the unsigned ping")
    end
  end
  for _, r in ipairs(S.requests()) do
    T.truthy(r.path ~= "/admin/v1/info/summary", "swapped keys are never sent")
  end
  -- and a script that builds a client from them is refused before printing anything
  local code, out, err = run("-c " .. cfg .. " -e 'print(require(\"duo\").admin())'")
  T.eq(code, 1)
  T.truthy(err:find("swapped", 1, true), err)
  no_secret(out .. err)
end)

T.test("check: a 40102 says which application type the keys belong to", function()
  local cfg = config{ admin = { host = HOST, ikey = S.keys.auth.ikey, skey = S.keys.auth.skey } }
  local code, out, err = run("-c " .. cfg .. " -w check --format json")
  T.eq(code, 1, err)
  local doc = json.decode(out)
  T.eq(doc.checks[1].status, "error")
  T.truthy(doc.checks[1].message:find("40102", 1, true), doc.checks[1].message)
  T.truthy(doc.checks[1].hint:find("belong to an Auth API application", 1, true), doc.checks[1].hint)
  no_secret(out .. err)
end)

T.test("check: a known code's hint is printed once, in HINT, not again in MESSAGE", function()
  local cfg = config{ admin = { host = HOST, ikey = S.keys.admin.ikey, skey = string.rep("x", 40) } }
  local code, out, err = run("-c " .. cfg .. " -w check --format json")
  T.eq(code, 1, err)
  local doc = json.decode(out)
  T.truthy(doc.checks[1].message:find("40103", 1, true), doc.checks[1].message)
  T.truthy(doc.checks[1].hint:find("check the secret key", 1, true), tostring(doc.checks[1].hint))
  T.eq(doc.checks[1].message:find("check the secret key", 1, true), nil, doc.checks[1].message)
  code, out, err = run("-c " .. cfg .. " -w check")
  T.eq(code, 1, err)
  local _, n = out:gsub("check the secret key", "")
  T.eq(n, 1, "the hint once: " .. out)
  no_secret(out .. err)
end)

T.test("check --all-profiles: one object per profile, absent sets absent", function()
  local path = tmp .. "/all.lua"
  local f = assert(io.open(path, "w"))
  f:write(string.format([[return { default = "good", profiles = {
  good = { ca = %q, auth = { host = %q, ikey = %q, skey = %q } },
  empty = {},
} }
]], S.ca, HOST, S.keys.auth.ikey, S.keys.auth.skey))
  f:close()
  assert(os.execute("chmod 600 " .. path))
  local code, out, err = run("-c " .. path .. " -w check --all-profiles --format json")
  T.eq(code, 0, err)
  local doc = json.decode(out)
  T.eq(#doc, 2)
  T.eq(doc[1].profile, "empty")
  T.eq(doc[1].clock_offset_s, json.null)
  for _, c in ipairs(doc[1].checks) do T.eq(c.status, "absent") end
  T.eq(doc[2].profile, "good")
  T.eq(doc[2].checks[3].status, "ok")
  no_secret(out .. err)
end)

T.test("check: the Device API set is proved with its mkey; a set without one is an error", function()
  local d = S.keys.device
  local function device_config(mkey)
    local path = tmp .. "/device.lua"
    local f = assert(io.open(path, "w"))
    f:write(string.format("return { profiles = { d = { ca = %q, device = { host = %q, ikey = %q, skey = %q%s } } } }\n",
                          S.ca, HOST, d.ikey, d.skey, mkey and string.format(", mkey = %q", mkey) or ""))
    f:close()
    assert(os.execute("chmod 600 " .. path))
    return path
  end
  S.clear_requests()
  local code, out, err = run("-c " .. device_config("DM" .. d.ikey:sub(3)) .. " -w check --format json")
  T.eq(code, 0, err)
  local doc = json.decode(out)
  T.eq(doc.checks[4].api, "device")
  T.eq(doc.checks[4].status, "ok", doc.checks[4].message)
  local saw = false
  for _, r in ipairs(S.requests()) do
    if r.path:find("^/device/") then saw = true end
  end
  T.truthy(saw, "the check called the Device API")
  code, out, err = run("-c " .. device_config(nil) .. " -w check --format json")
  T.eq(code, 1, err)
  doc = json.decode(out)
  T.eq(doc.checks[4].status, "error")
  T.truthy(doc.checks[4].message:find("mkey", 1, true), doc.checks[4].message)
  no_secret(out .. err)
end)

-- configure --------------------------------------------------------------------------

T.test("configure checks the sets, writes the profile with mode 600 and keeps the others", function()
  local path = tmp .. "/conf/duo-lua/config.lua"
  assert(os.execute("mkdir -p " .. tmp .. "/conf/duo-lua"))
  local f = assert(io.open(path, "w"))
  f:write('return { default = "old", profiles = { old = { admin = { host = "api-old.duosecurity.com", '
          .. 'ikey = "DIOLDOLDOLDOLDOLDOLD", skey = env "OLD_SKEY" }, timeout = 9 } } }\n')
  f:close()
  local code, out, err = run(string.format("-c %s -p new -w configure --yes --ca %s --auth-host %s --auth-ikey %s "
                                           .. "--auth-skey %s --accounts-host %s --accounts-ikey %s --accounts-skey %s",
                                           path, S.ca, HOST, S.keys.auth.ikey, S.keys.auth.skey, HOST,
                                           S.keys.accounts.ikey, S.keys.accounts.skey))
  T.eq(code, 0, err)
  T.truthy(out:find("auth +ok", 1) and out:find("accounts +ok"), out)
  no_secret(out .. err)
  T.eq(select(2, require("duo._file").kind(path)), 384, "mode 0600")
  f = assert(io.open(path))
  local text = f:read("a")
  f:close()
  T.truthy(text:find('env "OLD_SKEY"', 1, true), "the other profile keeps its env(): " .. text)
  T.truthy(text:find("timeout = 9", 1, true), text)
  -- the new profile works
  code, out, err = run("-c " .. path .. " -p new -w check --format json")
  local doc = json.decode(out)
  T.eq(doc.checks[2].status, "ok", err)
  T.eq(doc.checks[3].status, "ok", err)
end)

T.test("configure --device-*: the Device API set with its mkey, checked, then written; the file's comments "
       .. "are for its reader", function()
  local d = S.keys.device
  local path = tmp .. "/device-conf.lua"
  os.remove(path)
  local mkey = "DM" .. d.ikey:sub(3)
  local code, out, err = run(string.format("-c %s -p dev -w configure --yes --ca %s --device-host %s "
                                           .. "--device-ikey %s --device-skey %s --device-mkey %s",
                                           path, S.ca, HOST, d.ikey, d.skey, mkey))
  T.eq(code, 0, err)
  T.truthy(out:find("device +ok"), out)
  no_secret(out .. err)
  local f = assert(io.open(path))
  local text = f:read("a")
  f:close()
  T.truthy(text:find("mkey = \"" .. mkey .. "\"", 1, true), text)
  local first = text:match("^[^\n]*")
  T.truthy(first:find("written by duo-lua -w configure", 1, true), first)
  T.eq(text:find("SPEC", 1, true), nil, "no internal document named: " .. text)
  T.truthy(text:find("duo-lua -w check", 1, true), text)
  code, out, err = run("-c " .. path .. " -p dev -w check --format json")
  T.eq(code, 0, err)
  T.eq(json.decode(out).checks[4].status, "ok")
  -- a Device set without its mkey is a usage error
  code, _, err = run(string.format("-c %s -p dev2 -w configure --yes --device-host %s --device-ikey %s "
                                   .. "--device-skey %s", path, HOST, d.ikey, d.skey))
  T.eq(code, 2, err)
  T.truthy(err:find("the device set needs --device-mkey too", 1, true), err)
end)

T.test("configure refuses to rewrite a config that computes values from env()", function()
  local path = tmp .. "/computed.lua"
  local f = assert(io.open(path, "w"))
  f:write('return { profiles = { p = { admin = { host = "api-" .. (env "REGION" or "x") .. ".duosecurity.com" } } } }\n')
  f:close()
  local before = io.open(path):read("a")
  local code, _, err = run(string.format("-c %s -w configure --yes --auth-host %s --auth-ikey %s --auth-skey %s",
                                         path, HOST, S.keys.auth.ikey, S.keys.auth.skey))
  T.eq(code, 1)
  T.truthy(err:find("configure cannot rewrite " .. path, 1, true), err)
  T.eq(io.open(path):read("a"), before, "unchanged")
end)

T.test("configure with swapped keys: named, nothing written, no secret shown", function()
  local path = tmp .. "/swapped.lua"
  local code, out, err = run(string.format("-c %s -w configure --yes --ca %s --auth-host %s --auth-ikey %s "
                                           .. "--auth-skey %s", path, S.ca, HOST, S.keys.auth.skey, S.keys.auth.ikey))
  T.eq(code, 1)
  T.truthy(out:find("swapped", 1, true), out)
  no_secret(out .. err)
  T.eq(io.open(path), nil, "nothing written")
  code, _, err = run(string.format("-c %s -w configure --ca %s --auth-host %s --auth-ikey %s --auth-skey %s",
                                   path, S.ca, HOST, S.keys.auth.ikey, S.keys.auth.skey))
  T.eq(code, 2, "no terminal and no --yes")
  T.truthy(err:find("not writing without --yes", 1, true), err)
end)

os.execute("rm -rf " .. tmp)
T.done()
