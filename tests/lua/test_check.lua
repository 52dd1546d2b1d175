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
  T.eq(#doc.checks, 3)
  for i, api in ipairs{ "admin", "accounts", "auth" } do
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

T.done()
