-- export-logs --to CHANNEL (SPEC section 10, issue 21): every exported
-- event also goes to a syslog, Splunk HEC or webhook channel, against the
-- loopback receivers of tests/server/notify_receivers.py, which count what
-- they got. The checkpoint moves only after the channel took a page: a run
-- killed with SIGKILL mid-export and then resumed delivers every event
-- exactly once, counted at the receiver (syslog over TCP, and HEC); a
-- channel that refuses a page fails that log, which then counts only what
-- was delivered and written, and the next run sends the rest. Kinds that
-- cannot take events are refused in one line, exit 2.
local T = require "testing"
local W = require("workspace").new{ stdin_null = true }
local duo = require "duo"
local json = duo.json

local run, lines, write = W.run, W.lines, W.write
local array = json.array

local receivers = require "receivers"   -- started for this test; its secrets are receivers.SECRET
local SECRET = receivers.SECRET
local PORT, CA = receivers.PORT, receivers.CA
-- Every record a receiver got on a channel, once it has been quiet a while.
local take_all = receivers.take_all

write("cfg/duo-lua/config.lua", string.format([[
return {
  profiles = {},
  notify = {
    siem = { kind = "syslog", url = "tcp://127.0.0.1:%s", app_name = "duo-lua" },
    hec = { kind = "splunk_hec", url = "https://localhost:%s", token = env "HEC_TOKEN", ca = %q, index = "duo" },
    hook = { kind = "webhook", url = "https://localhost:%s/hook", secret = env "HOOK_SECRET", ca = %q },
    flaky = { kind = "webhook", url = "https://localhost:%s/hook-flaky/one?ok=2", ca = %q },
    ops = { kind = "teams", url = "https://localhost:%s/teams/x", ca = %q },
  },
}
]], PORT.syslog_tcp, PORT.https, CA, PORT.https, CA, PORT.https, CA, PORT.https, CA), "600")
local ENV = string.format("HEC_TOKEN=%s HOOK_SECRET=%s", SECRET.hec, SECRET.hook)

-- One child, real time (no rate limits: the export is paced with --rate),
-- pages of 137: about a dozen pages of authentication, one of each other.
local SEED = write("to.json", json.encode{
  accounts = array{ { name = "Sent Co", account_id = "DASENT00000000000001",
                      generated_logs = { authentication = 1400, days = 20 }, users = array{ { username = "a" } } } },
})
local SB = "--sandbox=" .. SEED .. " "
local TYPES = { "authentication", "administrator", "telephony", "activity" }
local ID = { authentication = "txid", activity = "activity_id", telephony = "telephony_id" }

local function key(kind, e)
  if ID[kind] then return kind .. " " .. e[ID[kind]] end
  return table.concat({ kind, e.timestamp, e.username, e.action, tostring(e.object), e.description }, "|")
end

-- The keys of the events in DIR's files, each once (asserted).
local function file_keys(dir)
  local keys, n = {}, 0
  for _, kind in ipairs(TYPES) do
    for _, l in ipairs(lines(W.read(W.tmp .. "/" .. dir .. "/" .. kind .. ".jsonl") or "")) do
      local k = key(kind, json.decode(l))
      T.eq(keys[k], nil, "once in the file: " .. k)
      keys[k] = true
      n = n + 1
    end
  end
  return keys, n
end

-- Counts at the receiver: how often each event came.
local function count_delivery(got, keys, n, what)
  local times, total = {}, 0
  for _, e in ipairs(got) do
    local k = key(e.type, e.record)
    times[k] = (times[k] or 0) + 1
    total = total + 1
  end
  for k in pairs(keys) do T.eq(times[k], 1, what .. ": delivered once: " .. k) end
  T.eq(total, n, what .. ": as many deliveries as events")
end

-- Syslog messages of the TCP receiver's records -> { type, record }.
local function syslog_events(records)
  local out = {}
  for _, r in ipairs(records) do
    for _, msg in ipairs(r.messages) do
      T.eq(type(msg), "string", "a whole frame")
      local pri, stamp, app, msgid, body = msg:match("^<(%d+)>1 (%S+) %S+ (%S+) %- (%S+) %- (.*)$")
      T.truthy(pri, "RFC 5424: " .. msg:sub(1, 120))
      T.eq(pri, "14", "facility user, severity info")
      T.truthy(stamp:find("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d%.%d%d%dZ$"), stamp)
      T.eq(app, "duo-lua")
      out[#out + 1] = { type = msgid, record = json.decode(body) }
    end
  end
  return out
end

local function hec_events(records)
  local out = {}
  for _, r in ipairs(records) do
    T.eq(r.token_ok, true, "HEC token")
    T.truthy(#r.events > 1, "many events a request: " .. #r.events)
    for _, ev in ipairs(r.events) do
      T.eq(ev.index, "duo")
      out[#out + 1] = { type = ev.sourcetype:match("^duo:(.*)$"), record = ev.event }
      T.eq(math.type(ev.time) ~= nil, true, "a time")
    end
  end
  return out
end

-- Runs an export in the background, kills it with SIGKILL right after its
-- `after`-th checkpoint (the paced run sleeps between pages, so the kill
-- comes while the run is mid-export), and returns how it ended.
local function run_and_kill(dir, channel, after)
  local script = write("kill-" .. dir .. ".sh", string.format([[
cd %s || exit 9
env XDG_CONFIG_HOME=%s/cfg HOME=%s DUO_LUA_CONFIG= %s %s %s-w export-logs --out %s --to %s --rate 300 \
  >/dev/null 2>%s/kill-%s.err &
pid=$!
n=0 last=
while kill -0 $pid 2>/dev/null; do
  cur=$(cksum 2>/dev/null < %s/checkpoints.json)
  if [ -n "$cur" ] && [ "$cur" != "$last" ]; then n=$((n + 1)); last=$cur; fi
  if [ $n -ge %d ]; then kill -9 $pid; break; fi
  sleep 0.01
done
wait $pid
echo "status $? after $n checkpoints"
]], W.tmp, W.tmp, W.tmp, ENV, W.DUO_LUA, SB, dir, channel, W.tmp, dir, dir, after))
  local p = assert(io.popen("sh " .. script))
  local out = p:read("a")
  p:close()
  return out
end

local function interrupted_then_resumed(dir, channel, events_of)
  local how = run_and_kill(dir, channel, 4)
  T.truthy(how:find("^status 137 after 4 checkpoints"), "killed mid-export: " .. how)
  local _, partial = file_keys(dir)
  local first = events_of(take_all(channel == "siem" and "syslog_tcp" or "hec"))
  T.truthy(partial > 0 and #first >= partial, string.format("the first run sent %d, wrote %d", #first, partial))
  local code, out, err = run(SB .. "-w export-logs --out " .. dir .. " --to " .. channel .. " --format json", ENV)
  T.eq(code, 0, err)
  local keys, n = file_keys(dir)
  T.truthy(n > partial, "the resume exported the rest")
  local second = events_of(take_all(channel == "siem" and "syslog_tcp" or "hec"))
  for _, e in ipairs(second) do first[#first + 1] = e end
  count_delivery(first, keys, n, channel)
  local sum = 0
  for _, r in ipairs(json.decode(out).results) do sum = sum + r.total end
  T.eq(sum, n, "the checkpoint counts every event")
  return out, err
end

T.test("--to a syslog channel (TCP): killed mid-export and resumed, every event once at the receiver", function()
  local _, err = interrupted_then_resumed("siem", "siem", syslog_events)
  T.truthy(not err:find(SECRET.hec, 1, true) and not err:find(SECRET.hook, 1, true), "no secret")
end)

T.test("--to a Splunk HEC channel: killed mid-export and resumed, every event once at the receiver", function()
  local out, err = interrupted_then_resumed("hec", "hec", hec_events)
  for _, s in pairs(SECRET) do T.truthy(not (out .. err):find(s, 1, true), "no secret in the output") end
end)

T.test("--to a webhook: a signed JSON array per batch, beside the files; a second run sends nothing", function()
  local code, out, err = run(SB .. "-w export-logs --out hook --to hook --to siem --rate 100000", ENV)
  T.eq(code, 0, err)
  local keys, n = file_keys("hook")
  local got, sent = take_all("webhook"), {}
  for _, r in ipairs(got) do
    T.eq(r.signature_ok, true, "signed")
    local batch = json.decode(r.body)
    T.truthy(json.is_array(batch) and #batch >= 1 and #batch <= 500, "a JSON array of at most 500")
    for _, e in ipairs(batch) do
      T.eq(e.child_account, "Sent Co", "the event as exported")
      sent[#sent + 1] = { type = r.headers["x-duo-lua-log"], record = e }
    end
  end
  count_delivery(sent, keys, n, "webhook")
  count_delivery(syslog_events(take_all("syslog_tcp")), keys, n, "and syslog beside it")
  code, out, err = run(SB .. "-w export-logs --out hook --to hook --format json", ENV)
  T.eq(code, 0, err)
  T.eq(#take_all("webhook"), 0, "nothing new, nothing sent")
end)

T.test("--to a channel that refuses: the log fails, counting only what was delivered; the next run sends the rest",
       function()
  local code, out, err = run(SB .. "-w export-logs --out flaky --types authentication --to flaky --rate 100000 "
                             .. "--format json", ENV)
  T.eq(code, 1, err)
  local row = json.decode(out).results[1]
  T.truthy(tostring(row.error):find("notify channel 'flaky' (webhook)", 1, true), tostring(row.error))
  T.truthy(tostring(row.error):find("refusing this batch", 1, true), tostring(row.error))
  local delivered = 0
  for _, r in ipairs(take_all("webhook")) do delivered = delivered + #json.decode(r.body) end
  local _, n = file_keys("flaky")
  T.truthy(delivered > 0, "two batches went")
  T.eq(row.events, delivered, "the failed row counts what was delivered and written")
  T.eq(n, delivered, "the file holds only what the channel took")
  T.eq(row.total, delivered, "the checkpoint too")
  T.truthy(row.pages >= 3, "the refused page was read: " .. row.pages)
  code, out, err = run(SB .. "-w export-logs --out flaky --types authentication --to siem --format json", ENV)
  T.eq(code, 0, err)
  local rest = #syslog_events(take_all("syslog_tcp"))
  local keys, all = file_keys("flaky")
  T.eq(delivered + rest, all, "the rest, once")
  T.truthy(next(keys) ~= nil)
end)

T.test("--to refuses a channel that cannot take events, or none configured, in one line (exit 2)", function()
  for _, case in ipairs{
    { "--to ops", "--to ops: a teams channel cannot take log events (use a syslog, splunk_hec or webhook channel)" },
    { "--to nowhere", "--to nowhere: " },
  } do
    local code, out, err = run(SB .. "-w export-logs --out refused " .. case[1], ENV)
    T.eq(code, 2, err)
    T.eq(#lines(err), 1, "one line: " .. err)
    T.truthy(err:find(case[2], 1, true), err)
    T.eq(out, "")
  end
  T.eq(W.read(W.tmp .. "/refused/checkpoints.json"), nil, "nothing written")
  local code, _, err = run(SB .. "--dry-run -w export-logs --out dry --types telephony --to siem", ENV)
  T.eq(code, 0, err)
  T.truthy(err:find("dry%-run: export%-logs %-%-to siem %(syslog%): %d+ events, not sent"), err)
  T.eq(#take_all("syslog_tcp"), 0, "the dry run sent nothing")
end)

receivers.stop()
W.remove()
T.done()
