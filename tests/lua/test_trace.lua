-- Seeing what happens (SPEC section 5): --trace and DUO_LUA_TRACE=1 print
-- one line per request attempt on stderr, --log FILE appends one JSON line
-- per attempt; neither shows a secret, a signature or a query value.
local T = require "testing"
local S = require "testserver"
local json = require "duo.json"

local DUO_LUA = arg[-1]
local tmp = os.tmpname()

-- Runs a chunk under duo-lua with extra options; returns stderr.
local function run(options, chunk, env)
  local script = tmp .. ".lua"
  local f = assert(io.open(script, "w"))
  f:write(chunk)
  f:close()
  local cmd = string.format("%s %s %s %s 2>&1 >/dev/null", env or "", DUO_LUA, options, script)
  local p = assert(io.popen(cmd))
  local out = p:read("a")
  p:close()
  os.remove(script)
  return out
end

local CHUNK = [[
local S = require "testserver"
local a = S.client("admin", { max_backoff = 0 })
a:call("GET", "/test/ratelimit", { key = "trace-%s", times = 1 })
a:call("POST", "/test/echo", { password = "hunter2-is-secret" })
a:call("GET", "/test/echo", { token = "query-secret-value" })
pcall(a.call, a, "GET", "/test/status/40002")
]]

local function no_secret(text)
  for _, k in pairs(S.keys) do
    T.truthy(not text:find(k.skey, 1, true), "a secret key leaked: " .. text)
  end
  for _, bad in ipairs{ "hunter2", "query-secret-value", "Authorization", "Basic ", "token=" } do
    T.truthy(not text:find(bad, 1, true), bad .. " leaked: " .. text)
  end
end

T.test("--trace: one line per attempt, never a secret", function()
  local out = run("--trace", CHUNK:format("flag"))
  local lines = {}
  for line in out:gmatch("[^\n]+") do lines[#lines + 1] = line end
  T.eq(#lines, 5, out)
  local host = "127.0.0.1:" .. S.port()
  T.truthy(lines[1]:find("^duo%-lua: GET " .. host:gsub("%p", "%%%0") .. " /test/ratelimit 429 %(42901%) attempt 1 %d+ ms$"),
           lines[1])
  T.truthy(lines[2]:find("/test/ratelimit 200 attempt 2 ", 1, true), lines[2])
  T.truthy(lines[3]:find("POST " .. host .. " /test/echo 200 attempt 1 ", 1, true), lines[3])
  T.truthy(lines[5]:find("/test/status/40002 400 (40002) attempt 1", 1, true), lines[5])
  no_secret(out)
end)

T.test("DUO_LUA_TRACE=1 does the same", function()
  local out = run("", CHUNK:format("env"), "DUO_LUA_TRACE=1")
  local n = select(2, out:gsub("duo%-lua: [A-Z]+ ", ""))
  T.eq(n, 5, out)
  T.eq(run("", CHUNK:format("off")), "", "silent without it")
end)

T.test("--log FILE: JSON lines, appended", function()
  local log = tmp .. ".jsonl"
  run("--log " .. log, CHUNK:format("log1"))
  run("--log=" .. log, CHUNK:format("log2"))
  local f = assert(io.open(log))
  local text = f:read("a")
  f:close()
  os.remove(log)
  no_secret(text)
  local entries = {}
  for line in text:gmatch("[^\n]+") do entries[#entries + 1] = json.decode(line) end
  T.eq(#entries, 10, "two runs appended")
  local e = entries[1]
  T.eq(e.verb, "GET")
  T.eq(e.host, "127.0.0.1:" .. S.port())
  T.eq(e.path, "/test/ratelimit")
  T.eq(e.status, 429)
  T.eq(e.code, 42901)
  T.eq(e.attempt, 1)
  T.eq(math.type(e.ms), "integer")
  T.truthy(e.time:find("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ$"), e.time)
  T.eq(entries[2].attempt, 2)
  T.eq(entries[2].code, json.null)
  T.truthy(run("--log /no/such/dir/x.log", CHUNK:format("bad")):find("cannot open the log file", 1, true))
end)

T.test("the account_id parameter is logged", function()
  local log = tmp .. ".jsonl"
  run("--log " .. log, [[
local S = require "testserver"
pcall(function() S.client("accounts", { max_retries = 0 }):call("GET", "/admin/v1/users", { account_id = "DAXXXXXXXXXXXXXXXXXX" }) end)
]])
  local f = assert(io.open(log))
  local e = json.decode(f:read("l"))
  f:close()
  os.remove(log)
  T.eq(e.account_id, "DAXXXXXXXXXXXXXXXXXX")
end)

-- Directory keys sit in the path of the directory sync endpoints: --trace,
-- --log, --dry-run and error lines show them masked as tables do
-- (DD…EY01), never whole (issue 24, item 6).
T.test("directory keys are masked in --trace, --log, --dry-run and errors", function()
  local KEY, MASKED = "DDTESTDIRECTORYKEY01", "DD\u{2026}EY01"
  local chunk = [[
local S = require "testserver"
local a = S.client("admin", { max_backoff = 0, max_retries = 0 })
a:sync_user("alice", "DDTESTDIRECTORYKEY01")
a:sync_admin("admin1", "DDTESTDIRECTORYKEY01")
local ok, err = pcall(a.call, a, "POST", "/admin/v1/users/directorysync/DDTESTDIRECTORYKEY01/nosuchthing")
-- where the error line says the call went (the server's own message may quote the path)
io.stderr:write("error: ", tostring(err):match("%(POST [^)]*%)$"), "\n")
]]
  local log = tmp .. ".keys.jsonl"
  local out = run("--trace --log " .. log, chunk)
  local f = assert(io.open(log))
  local text = f:read("a")
  f:close()
  os.remove(log)
  for what, s in pairs{ trace = out, log = text } do
    T.truthy(not s:find(KEY, 1, true), what .. " shows the key: " .. s)
    T.truthy(s:find("/directorysync/" .. MASKED .. "/syncuser", 1, true), what .. ": " .. s)
    T.truthy(s:find("/admin/v1/admins/directorysync/" .. MASKED .. "/syncadmin", 1, true), what .. ": " .. s)
  end
  T.eq(json.decode(text:match("^[^\n]+")).path, "/admin/v1/users/directorysync/" .. MASKED .. "/syncuser")
  T.truthy(out:find("error: .*/directorysync/" .. MASKED .. "/nosuchthing"), out)
  out = run("--dry-run", chunk)
  T.truthy(not out:find(KEY, 1, true), "--dry-run shows the key: " .. out)
  T.truthy(out:find("dry-run: POST 127.0.0.1:" .. S.port() .. "/admin/v1/users/directorysync/" .. MASKED .. "/syncuser",
                    1, true), out)
end)

os.remove(tmp)
T.done()
