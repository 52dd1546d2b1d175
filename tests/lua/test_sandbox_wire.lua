-- A script written against the sandbox runs unchanged against a real
-- deployment: sandbox_wire_script.lua runs once with --sandbox=<seed> (the
-- test server's fixed data: tests/data/seeds/testserver.json, plus the
-- server's child accounts and their users) and once against the loopback
-- HTTPS test server through a config file; the requests on the wire
-- (method, path, parameters, account_id, integration key) and the
-- script's output must be the same.
local T = require "testing"
local S = require "testserver"
local json = require "duo.json"

local DUO_LUA = arg[-1]
local SCRIPT = "sandbox_wire_script.lua"

local tmp = os.tmpname()
os.remove(tmp)
assert(os.execute("mkdir -p " .. tmp))

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

local function write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  assert(os.execute("chmod 600 " .. path))
end

local function run(prefix, args)
  local cmd = string.format("env -u DUO_LUA_CONFIG -u XDG_CONFIG_HOME HOME=%s %s %s %s 2>&1", tmp, prefix or "",
                            DUO_LUA, args)
  local p = assert(io.popen(cmd))
  local out = p:read("a")
  local _, _, code = p:close()
  return code, out
end

-- The seed: the fixture, checked against the server's own users, plus the
-- server's children as the server reports them.
local function server_seed()
  local seed = json.decode(read("../data/seeds/testserver.json"))
  local fixture = {}
  for _, u in ipairs(seed.parent.users) do fixture[#fixture + 1] = u.user_id .. " " .. u.username .. " " .. u.email end
  local served = {}
  for _, u in ipairs(S.client("admin"):get_users()) do served[#served + 1] = u.user_id .. " " .. u.username .. " " .. u.email end
  T.eq(table.concat(fixture, "\n"), table.concat(served, "\n"), "testserver.json holds the server's users")
  local accounts = S.client("accounts")
  local ok, children = pcall(accounts.get_child_accounts, accounts)
  if not ok then
    io.stderr:write("note: the test server has no child accounts (", tostring(children), ")\n")
    return seed
  end
  for _, c in ipairs(children) do
    local users = json.array{}
    for _, u in ipairs(accounts:child(c.account_id):get_users()) do
      users[#users + 1] = { user_id = u.user_id, username = u.username, email = u.email, realname = u.realname,
                            status = u.status, is_enrolled = u.is_enrolled, created = u.created }
    end
    seed.accounts[#seed.accounts + 1] = { account_id = c.account_id, name = c.name, api_hostname = c.api_hostname,
                                          users = users }
  end
  return seed
end

-- One request as a comparable line: method, path, ikey, account_id, and
-- the parameters sorted (lists and objects as JSON).
local function normalize(method, path, ikey, params)
  local parts, account_id = {}, nil
  for k, v in pairs(params or {}) do
    if k == "account_id" then
      account_id = v
    else
      local s
      if type(v) == "table" then s = json.encode(v)
      elseif math.type(v) == "float" and v == math.floor(v) then s = string.format("%d", v)
      else s = tostring(v) end
      parts[#parts + 1] = k .. "=" .. s
    end
  end
  table.sort(parts)
  return string.format("%s %s ikey=%s account_id=%s %s", method, path, tostring(ikey), tostring(account_id),
                       table.concat(parts, "&"))
end

local function compare(sandbox_lines, server_lines)
  table.sort(sandbox_lines)
  table.sort(server_lines)
  local a, b = table.concat(sandbox_lines, "\n"), table.concat(server_lines, "\n")
  if a ~= b then
    local only_a, only_b, in_b = {}, {}, {}
    for _, l in ipairs(server_lines) do in_b[l] = (in_b[l] or 0) + 1 end
    for _, l in ipairs(sandbox_lines) do
      if (in_b[l] or 0) > 0 then in_b[l] = in_b[l] - 1 else only_a[#only_a + 1] = l end
    end
    for l, n in pairs(in_b) do for _ = 1, n do only_b[#only_b + 1] = l end end
    error("the requests differ\nonly on the sandbox:\n  " .. table.concat(only_a, "\n  ")
          .. "\nonly on the server:\n  " .. table.concat(only_b, "\n  "), 2)
  end
end

T.test("the same script sends the same requests to the sandbox and to the server", function()
  local seed = server_seed()
  local seed_path = tmp .. "/seed.json"
  write(seed_path, require("sandbox.service").to_json(seed))

  -- on the sandbox: the log written after the script
  local log_path = tmp .. "/sandbox_log.json"
  local dump_path = tmp .. "/dump.lua"
  write(dump_path, string.format("local f = assert(io.open(%q, 'w'))\n"
                                 .. "f:write(require('duo.json').encode(require('sandbox.service').current():log()))\n"
                                 .. "f:close()\n", log_path))
  local code, sandbox_out = run(nil, string.format("--sandbox=%s -e \"dofile('%s')\" -e \"dofile('%s')\"",
                                                   seed_path, SCRIPT, dump_path))
  T.eq(code, 0, sandbox_out)

  -- against the server, through a config file
  local host = "127.0.0.1:" .. S.port()
  local config = string.format([[
return { default = "server", profiles = { server = {
  admin = { host = %q, ikey = %q, skey = %q },
  accounts = { host = %q, ikey = %q, skey = %q },
  auth = { host = %q, ikey = %q, skey = %q },
  ca = %q,
} } }
]], host, S.keys.admin.ikey, S.keys.admin.skey, host, S.keys.accounts.ikey, S.keys.accounts.skey,
    host, S.keys.auth.ikey, S.keys.auth.skey, S.ca)
  local config_path = tmp .. "/config.lua"
  write(config_path, config)
  S.clear_requests()
  local server_out
  code, server_out = run("DUO_LUA_CONFIG=" .. config_path, SCRIPT)
  T.eq(code, 0, server_out)

  T.eq(sandbox_out, server_out, "the script printed the same")

  local sandbox_lines, server_lines = {}, {}
  for _, e in ipairs(json.decode(read(log_path))) do
    sandbox_lines[#sandbox_lines + 1] = normalize(e.method, e.path, e.ikey, e.params)
  end
  local body_logged = true
  for _, e in ipairs(S.requests()) do
    if not e.path:find("^/test/") then
      if e.params == nil then body_logged = false end
      server_lines[#server_lines + 1] = normalize(e.method, e.path, e.ikey, e.params or e.query)
    end
  end
  T.truthy(body_logged, "the server's request log carries the parameters")
  T.truthy(#sandbox_lines >= 8, "the script made its requests: " .. #sandbox_lines)
  if os.getenv("SHOW_WIRE") then print(table.concat(sandbox_lines, "\n")) end   -- to look at them
  compare(sandbox_lines, server_lines)
end)

os.execute("rm -rf " .. tmp)
T.done()
