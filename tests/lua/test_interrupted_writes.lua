-- Writes that are interrupted say what they did: offboard-user on a
-- sandbox of 40 child accounts that each have the user alice, answering
-- after 0.3 s of real time, stopped by SIGTERM once some writes are done;
-- the journal of the run; a user already disabled gets no write.
local T = require "testing"
local json = require "duo.json"
local W = require("workspace").new({ stdin_null = true })

local N = 40

local function seed(path, latency, disabled)
  local accounts = json.array{}
  for i = 1, N do
    accounts[i] = { name = string.format("Client %02d", i), users = { {
      username = "alice", email = "alice@client" .. i .. ".example.com",
      status = disabled and disabled[i] and "disabled" or "active" } } }
  end
  W.write(path, json.encode{ options = { latency = latency, virtual_time = false }, accounts = accounts })
end

local function lines_of(path)
  local out = {}
  for line in (W.read(path) or ""):gmatch("[^\n]+") do out[#out + 1] = json.decode(line) end
  return out
end

T.test("SIGTERM during offboard-user: the done, unknown and not-sent lists, and the journal", function()
  seed("forty.json", 0.3)
  -- started in the background; its pid, then wait for the signal that
  -- writes are under way: the journal holds a result
  local p = assert(io.popen(string.format(
    "cd %s && env XDG_CONFIG_HOME=%s/cfg XDG_STATE_HOME=%s/state HOME=%s %s --sandbox=forty.json "
    .. "-w offboard-user --username alice --action disable --yes --all-matches </dev/null >out.txt 2>err.txt & echo $!",
    W.tmp, W.tmp, W.tmp, W.tmp, W.DUO_LUA)))
  local pid = p:read("l")
  p:close()
  local journal
  for _ = 1, 600 do   -- at most a minute
    local err = W.read(W.tmp .. "/err.txt") or ""
    journal = err:match("journal of the writes: (%S+)")
    if journal and (W.read(journal) or ""):find('"event":"result"', 1, true) then break end
    os.execute("sleep 0.1")
  end
  T.truthy(journal, "the journal is named: " .. (W.read(W.tmp .. "/err.txt") or ""))
  assert(os.execute("kill -TERM " .. pid))
  os.execute(string.format("while kill -0 %s 2>/dev/null; do sleep 0.05; done", pid))
  local err = W.read(W.tmp .. "/err.txt")
  local done, unknown, not_sent = err:match("stopped %(interrupted%): (%d+) done, (%d+) unknown %(in flight: "
                                            .. "they may have been applied%), (%d+) not sent")
  T.truthy(done, err)
  done, unknown, not_sent = tonumber(done), tonumber(unknown), tonumber(not_sent)
  T.eq(done + unknown + not_sent, N, "every write is in one list")
  T.truthy(done >= 1 and not_sent >= 1, err)
  local _, listed = err:gsub("\n  done +disable alice", "")
  T.eq(listed, done, "each done write is listed")
  -- the journal: every write planned; a result for each done one
  local planned, sent, results = 0, 0, 0
  for _, e in ipairs(lines_of(journal)) do
    if e.event == "planned" then planned = planned + 1 end
    if e.event == "sent" then sent = sent + 1 end
    if e.event == "result" then results = results + 1 end
  end
  T.eq(planned, N)
  T.eq(results, done)
  T.eq(sent, done + unknown)
  local mode = io.popen("stat -c %a " .. journal)
  T.eq(mode:read("l"), "600", "the journal names users: owner-only")
  mode:close()
end)

T.test("a user already disabled gets no write and says so", function()
  seed("some.json", 0, { [1] = true, [2] = true })
  local code, out, err = W.run("--sandbox=some.json --log req.log -w offboard-user --username alice "
                               .. "--action disable --yes --all-matches --format json", "XDG_STATE_HOME=" .. W.tmp .. "/state")
  T.eq(code, 0, err)
  local doc = json.decode(out)
  local already, done = 0, 0
  for _, a in ipairs(doc.actions) do
    if a.result == "already disabled" then already = already + 1 end
    if a.result == "done" then done = done + 1 end
  end
  T.eq(already, 2)
  T.eq(done, N - 2)
  local writes = 0
  for line in W.read(W.tmp .. "/req.log"):gmatch("[^\n]+") do
    local e = json.decode(line)
    if e.verb == "POST" and e.path:find("^/admin/v1/users/") then writes = writes + 1 end
  end
  T.eq(writes, N - 2, "no write for the users already disabled")
end)

W.remove()
T.done()
