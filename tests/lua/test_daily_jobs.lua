-- The MSP's daily jobs (SPEC section 6): bypass-audit, offboard-user,
-- verify-identity, export-logs, standards, user-counts --since and
-- sync-user --all-orgs, run as real duo-lua processes on a sandbox seed
-- (virtual time) and, under run_with_server.sh, on the loopback test
-- server. JSON is checked field by field.
local T = require "testing"
local W = require("workspace").new()
local json = require "duo.json"

local run, write, lines = W.run, W.write, W.lines
local array = json.array

-- A file of the workspace (a name in it, or an absolute path).
local function read(path)
  if path:sub(1, 1) ~= "/" then path = W.tmp .. "/" .. path end
  return W.read(path)
end

-- The sorted keys of a table, comma-separated.
local function keys(t)
  local k = {}
  for name in pairs(t) do k[#k + 1] = name end
  table.sort(k)
  return table.concat(k, ",")
end

local function shell_quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

local TESTS = (function()   -- tests/lua, where the test runs
  local p = assert(io.popen("pwd"))
  local dir = p:read("l")
  p:close()
  return dir
end)()

local function phone(n, activated)
  return { number = string.format("+1555555%04d", n), type = "Mobile", platform = "Apple iOS",
           activated = activated ~= false }
end

local SEED = write("daily.json", json.encode{
  options = { virtual_time = true, rate_limits = { logs = 2 } },
  accounts = array{
    { name = "Alpha Dental", account_id = "DAALPHA0000000000001",
      settings = { lockout_threshold = 25, helpdesk_bypass = "limit" },
      policies = array{ { policy_name = "Global Policy", is_global_policy = true,
                          sections = { authentication_methods = { blocked_auth_list = array{ "sms" } } } } },
      generated_logs = { authentication = 900, days = 20 },
      users = array{
        { username = "alice", user_id = "DUALICE0000000000001", email = "alice@alpha.example",
          phones = array{ phone(1) }, verification_push = { answer = "approve", after = 7 } },
        { username = "bob", user_id = "DUBOB000000000000001", email = "bob@alpha.example",
          phones = array{ phone(2, false), phone(3) }, verification_push = { answer = "deny", after = 4 } },
        { username = "carol", email = "carol@alpha.example", phones = array{ phone(4) },
          verification_push = { answer = "timeout" } },
        { username = "dave", user_id = "DUDAVE00000000000001", email = "dave@alpha.example", status = "bypass",
          bypass_codes = 3, last_login = 1700000000 },
        { username = "erin", email = "erin@alpha.example", phones = array{ phone(5, false) } },
      } },
    { name = "Beta Legal", account_id = "DABETA00000000000001",
      generated_logs = { authentication = 500, days = 20 },
      users = array{
        { username = "alice", user_id = "DUALICE0000000000002", email = "alice@beta.example" },
        { username = "frank", user_id = "DUFRANK0000000000001", email = "frank@beta.example", status = "bypass" },
      } },
  },
})
local SB = "--sandbox=" .. SEED .. " "

-- Runs a workflow in the sandbox through workflow_probe.lua: status,
-- stdout, stderr, and the requests the sandbox answered.
local function probe(host_args, name_and_args)
  local logfile = W.tmp .. "/probe-log.json"
  os.remove(logfile)
  local code, out, err = run(SB .. host_args .. " " .. TESTS .. "/workflow_probe.lua " .. logfile .. " "
                             .. name_and_args)
  local log = read(logfile)
  return code, out, err, log and json.decode(log) or {}
end

local function writes(log)
  local list = {}
  for _, e in ipairs(log) do
    if e.method ~= "GET" and not e.path:find("^/accounts/v1/account/list") then list[#list + 1] = e end
  end
  return list
end

T.test("the daily jobs are listed and document the common options", function()
  local code, out = run("-w list")
  T.eq(code, 0)
  for _, name in ipairs{ "bypass-audit", "offboard-user", "verify-identity", "export-logs", "standards" } do
    T.truthy(("\n" .. out):find("\n" .. name:gsub("%-", "%%-") .. "%s+%S"), name .. " has a description: " .. out)
    local _, help = run("-w " .. name .. " --help")
    for _, opt in ipairs{ "--format", "--output", "--account" } do
      T.truthy(help:find(opt, 1, true), name .. " documents " .. opt)
    end
  end
end)

T.test("the sandbox makes log volume only when a log is read, and exports the recipe, not the events", function()
  local code, out, err = run("-e " .. shell_quote([[
    local sb = require("duo").sandbox(]] .. string.format("%q", SEED) .. [[)
    local seed = sb:export()
    local a = sb.state.children[1]
    print(seed.accounts[1].generated_logs.authentication, seed.accounts[1].authlogs, a._logs.generated)
    print(#a.authlogs > 500, a._logs.generated, sb:export().accounts[1].authlogs)]]))
  T.eq(code, 0, err)
  T.eq(out, "900\tnil\tnil\ntrue\ttrue\tnil\n")
end)

-- bypass-audit -----------------------------------------------------------------

local BYPASS_FIELDS = "account,account_id,bypass_codes,email,last_login,status,user_id,username"

T.test("bypass-audit: every bypass user of every child, field by field", function()
  local code, out, err = run(SB .. "-w bypass-audit --format json")
  T.eq(code, 0, err)
  local doc = json.decode(out)
  T.truthy(json.is_array(doc))
  T.eq(#doc, 2)
  for _, row in ipairs(doc) do T.eq(keys(row), BYPASS_FIELDS) end
  T.same(doc[1], { account = "Alpha Dental", account_id = "DAALPHA0000000000001", user_id = "DUDAVE00000000000001",
                   username = "dave", email = "dave@alpha.example", status = "bypass", last_login = 1700000000,
                   bypass_codes = 3 })
  T.same(doc[2], { account = "Beta Legal", account_id = "DABETA00000000000001", user_id = "DUFRANK0000000000001",
                   username = "frank", email = "frank@beta.example", status = "bypass", last_login = json.null,
                   bypass_codes = 0 })
  code, out = run(SB .. "-w bypass-audit --format json --exclude-account 'Alpha Dental'")
  T.eq(code, 0)
  doc = json.decode(out)
  T.eq(#doc, 1)
  T.eq(doc[1].username, "frank")
  code, out = run(SB .. "-w bypass-audit --format csv --account DAALPHA0000000000001")
  T.eq(code, 0)
  T.eq(lines(out)[1], "account,username,email,status,last_login,bypass_codes,user_id,account_id")
  T.eq(lines(out)[2], "Alpha Dental,dave,dave@alpha.example,bypass,1700000000,3,DUDAVE00000000000001,DAALPHA0000000000001")
  code, out = run(SB .. "-w bypass-audit --format jsonl")
  T.eq(#lines(out), 2)
  T.eq(json.decode(lines(out)[2]).username, "frank")
  code, out = run(SB .. "-w bypass-audit")
  T.truthy(out:find("^ACCOUNT%s+USERNAME%s+EMAIL%s+STATUS%s+LAST LOGIN%s+CODES"), out)
  T.truthy(out:find("frank%s+frank@beta.example%s+bypass%s+never%s+0"), out)
  T.truthy(out:find("2 users in bypass across 2 accounts", 1, true), out)
  code, out = run(SB .. "-w bypass-audit --include-parent --format json --output audit.json")
  T.eq(code, 0)
  T.eq(out, "")
  T.eq(#json.decode(read("audit.json")), 2, "the parent has no bypass users")
end)

T.test("bypass-audit on the demo tenant: bypass users, some holding codes", function()
  local code, out, err = run("--sandbox -w bypass-audit --format json --account 'Fairview Med. Ctr.' --account 'Quarry Hill Schools'")
  T.eq(code, 0, err)
  local doc = json.decode(out)
  T.truthy(#doc > 5, "demo bypass users: " .. #doc)
  local with_codes = 0
  for _, row in ipairs(doc) do
    T.eq(row.status, "bypass")
    if row.bypass_codes > 0 then with_codes = with_codes + 1 end
  end
  T.truthy(with_codes > 0 and with_codes < #doc, "some hold codes: " .. with_codes)
end)

-- offboard-user ----------------------------------------------------------------

local MATCH_FIELDS = "account,account_id,email,status,user_id,username"
local ACTION_FIELDS = "account_id,action,error,result,user_id"

T.test("offboard-user: a username in several organizations is said so; --yes alone acts in one only", function()
  local code, out, err, log = probe("", "offboard-user --username alice --action disable --yes --format json")
  T.eq(code, 2, err)
  T.truthy(err:find("the username 'alice' matches in 2 organizations (child accounts): Alpha Dental "
                    .. "(DAALPHA0000000000001), Beta Legal (DABETA00000000000001); these are probably different "
                    .. "people", 1, true), err)
  T.truthy(err:find("not acting in 2 organizations at once: add --all-matches", 1, true), err)
  local doc = json.decode(out)
  T.eq(#doc.matches, 2)
  for _, a in ipairs(doc.actions) do T.eq(a.result, "planned") end
  T.eq(#writes(log), 0, "nothing sent")
  -- --account chooses: one organization, no refusal
  code, out, err, log = probe("", "offboard-user --username alice --action disable --yes --account 'Beta Legal' "
                                  .. "--format json")
  T.eq(code, 0, err)
  T.eq(#writes(log), 1)
  T.eq(err:find("organizations", 1, true), nil, err)
  -- a table run names the organizations in the plan, too
  code, out, err = probe("--dry-run", "offboard-user --username alice --action disable")
  T.eq(code, 0, err)
  T.truthy(err:find("matches in 2 organizations", 1, true), err)
end)

T.test("offboard-user finds the user in every child and disables it everywhere", function()
  local code, out, err, log = probe("", "offboard-user --username alice --action disable --yes --all-matches "
                                        .. "--format json")
  T.eq(code, 0, err)
  local doc = json.decode(out)
  T.eq(keys(doc), "actions,matches")
  T.eq(#doc.matches, 2)
  for _, m in ipairs(doc.matches) do T.eq(keys(m), MATCH_FIELDS) end
  T.same(doc.matches[1], { account_id = "DAALPHA0000000000001", account = "Alpha Dental",
                           user_id = "DUALICE0000000000001", username = "alice", email = "alice@alpha.example",
                           status = "active" })
  T.eq(doc.matches[2].user_id, "DUALICE0000000000002")
  for i, a in ipairs(doc.actions) do
    T.eq(keys(a), ACTION_FIELDS)
    T.same(a, { account_id = doc.matches[i].account_id, user_id = doc.matches[i].user_id, action = "disable",
                result = "done", error = json.null })
  end
  local w = writes(log)
  T.eq(#w, 2, "two writes")
  local paths = { w[1].path, w[2].path }
  table.sort(paths)
  T.eq(paths[1], "/admin/v1/users/DUALICE0000000000001")
  T.eq(paths[2], "/admin/v1/users/DUALICE0000000000002")
  T.eq(w[1].params.status, "disabled")
  T.eq(w[1].method, "POST")
end)

T.test("offboard-user --dry-run and a declined prompt send no write", function()
  local code, out, err, log = probe("--dry-run", "offboard-user --email alice@beta.example --action delete --format json")
  T.eq(code, 0, err)
  local doc = json.decode(out)
  T.eq(#doc.matches, 1)
  T.eq(doc.matches[1].account, "Beta Legal")
  T.same(doc.actions[1], { account_id = "DABETA00000000000001", user_id = "DUALICE0000000000002",
                           action = "delete", result = "planned", error = json.null })
  T.eq(#writes(log), 0, "dry run: no write reached the sandbox")
  T.truthy(err:find("dry-run: DELETE", 1, true), err)
  T.truthy(#log > 0, "the reads were answered")
  -- no terminal and no --yes: refused, planned, nothing sent
  code, out, err, log = probe("", "offboard-user --username alice --action delete --format json")
  T.eq(code, 2)
  T.truthy(err:find("not writing without --yes", 1, true), err)
  T.eq(json.decode(out).actions[1].result, "planned")
  T.eq(#writes(log), 0)
  -- a person answering "n" on a terminal
  local logfile = W.tmp .. "/probe-log.json"
  os.remove(logfile)
  local cmd = string.format("%s %s/workflow_probe.lua %s offboard-user --username alice --action disable --format json",
                            SB, TESTS, logfile)
  local p = assert(io.popen(string.format("cd %s && printf 'n\\n' | script -qec %s /dev/null", W.tmp,
                                          shell_quote("env XDG_CONFIG_HOME=" .. W.tmp .. "/cfg HOME=" .. W.tmp
                                                      .. " DUO_LUA_CONFIG= " .. W.DUO_LUA .. " " .. cmd))))
  out = p:read("a")
  p:close()
  T.truthy(out:find("Proceed? [y/N]", 1, true), out)
  T.truthy(out:find('"result": "planned"', 1, true), out)
  T.eq(#writes(json.decode(read(logfile))), 0, "declined: no write")
end)

T.test("offboard-user: no such user is exit 1; sync needs a directory key", function()
  local code, out, err = run(SB .. "-w offboard-user --username nobody --action disable --yes --format json")
  T.eq(code, 1)
  T.truthy(err:find("no user with the username 'nobody' in 2 child accounts", 1, true), err)
  T.same(json.decode(out), { matches = {}, actions = {} })
  code, out, err = run(SB .. "-w offboard-user --username frank --action sync --yes --format json")
  T.eq(code, 1)
  local a = json.decode(out).actions[1]
  T.eq(a.result, "error")
  T.truthy(a.error:find("no directory key for Beta Legal in the mapping store", 1, true), a.error)
end)

-- verify-identity ---------------------------------------------------------------

local VERIFY_FIELDS = "account_id,push_id,result,user_id"

T.test("verify-identity: approve exits 0, deny 3, no answer 4 (on virtual time)", function()
  local code, out, err, log = probe("", "verify-identity --username alice --account 'Alpha Dental' --format json")
  T.eq(code, 0, err)
  local doc = json.decode(out)
  T.eq(keys(doc), VERIFY_FIELDS)
  T.eq(doc.result, "approved")
  T.eq(doc.account_id, "DAALPHA0000000000001")
  T.eq(doc.user_id, "DUALICE0000000000001")
  T.truthy(doc.push_id:match("^%x+%-"), doc.push_id)
  local polls = 0
  for _, e in ipairs(log) do
    if e.path:find("verification_push_response", 1, true) then polls = polls + 1 end
  end
  T.truthy(polls >= 3, "waited for the answer: " .. polls .. " checks")
  code, out = run(SB .. "-w verify-identity --email bob@alpha.example --format json")
  T.eq(code, 3, "denied")
  doc = json.decode(out)
  T.eq(doc.result, "denied")
  T.eq(doc.user_id, "DUBOB000000000000001")
  code, out = run(SB .. "-w verify-identity --username carol --account DAALPHA0000000000001 --timeout 30 --format json")
  T.eq(code, 4, "timeout")
  T.eq(json.decode(out).result, "timeout")
  code, out = run(SB .. "-w verify-identity --username carol --account DAALPHA0000000000001")
  T.eq(code, 4, "the push expires at Duo after 60 s")
  T.truthy(out:find("result:   timeout", 1, true), out)
end)

T.test("verify-identity picks the activated push phone, or --phone; errors exit 1", function()
  local code, out, err, log = probe("", "verify-identity --username bob --format json")
  T.eq(code, 3, err)
  local sent
  for _, e in ipairs(log) do
    if e.path:find("send_verification_push", 1, true) then sent = e end
  end
  T.eq(sent.params.phone_id ~= nil, true)
  local users = nil
  local _
  _, users = run(SB .. "-e 'local c = require(\"duo\").accounts():child(\"Alpha Dental\"); "
                 .. "for _, p in ipairs(c:get_users_by_name(\"bob\")[1].phones) do print(p.phone_id, p.activated) end'")
  local inactive, active = users:match("^(%S+)%s+false\n(%S+)%s+true\n$")
  T.truthy(active, users)
  T.eq(sent.params.phone_id, active, "the activated phone")
  code, out, err = run(SB .. "-w verify-identity --username bob --phone " .. inactive .. " --format json")
  T.eq(code, 1, "an inactive phone cannot take the push")
  T.truthy(err:find("not activated", 1, true), err)
  code, out, err = run(SB .. "-w verify-identity --username bob --phone +15555550002 --format json")
  T.eq(code, 1)
  code, out, err = run(SB .. "-w verify-identity --username erin --format json")
  T.eq(code, 1)
  T.truthy(err:find("erin in Alpha Dental: the user has no activated phone that takes Duo Push (1 phones)", 1, true), err)
  T.eq(json.decode(out).result, "error")
  code, out, err = run(SB .. "-w verify-identity --username alice")
  T.eq(code, 1)
  T.truthy(err:find("is in 2 accounts: 'Alpha Dental' (DAALPHA0000000000001), 'Beta Legal' (DABETA00000000000001); name one with --account", 1, true), err)
  code, out, err, log = probe("--dry-run", "verify-identity --username alice --account 'Alpha Dental' --format json")
  T.eq(code, 0, err)
  T.same(json.decode(out), { result = "planned", account_id = "DAALPHA0000000000001",
                             user_id = "DUALICE0000000000001", push_id = json.null })
  T.eq(#writes(log), 0, "dry run: no push sent")
end)

-- export-logs -------------------------------------------------------------------

local TYPES = { "authentication", "administrator", "telephony", "activity" }
local ID = { authentication = "txid", activity = "activity_id", telephony = "telephony_id" }

-- The lines of DIR/TYPE.jsonl, decoded.
local function exported(dir, kind)
  local out = {}
  for _, l in ipairs(lines(read(dir .. "/" .. kind .. ".jsonl") or "")) do out[#out + 1] = json.decode(l) end
  return out
end

local function event_key(kind, e)
  if ID[kind] then return e[ID[kind]] end
  return table.concat({ e.timestamp, e.username, e.action, tostring(e.object), e.description }, "|")
end

-- Checks the files of an export: tags, oldest first per child, no event
-- twice. Returns the events per type.
local function check_export(dir, names)
  local all = {}
  for _, kind in ipairs(TYPES) do
    local events = exported(dir, kind)
    local seen, last = {}, {}
    for i, e in ipairs(events) do
      T.truthy(names[e.child_account_id], kind .. " line " .. i .. " names its child")
      T.eq(e.child_account, names[e.child_account_id], kind .. " line " .. i)
      local key = e.child_account_id .. " " .. event_key(kind, e)
      T.eq(seen[key], nil, kind .. ": event exported twice: " .. tostring(key))
      seen[key] = true
      local t = e.timestamp or e.ts
      if last[e.child_account_id] then
        T.truthy(last[e.child_account_id] <= t, kind .. ": oldest first")
      end
      last[e.child_account_id] = t
    end
    all[kind] = events
  end
  return all
end

local NAMES = { DAALPHA0000000000001 = "Alpha Dental", DABETA00000000000001 = "Beta Legal" }
local RESULT_FIELDS = "account,account_id,error,events,pages,total,type"

T.test("export-logs: every child's four logs, tagged, oldest first, under the logs rate limit", function()
  local code, out, err, log = probe("", "export-logs --out full --format json")
  T.eq(code, 0, err)
  local doc = json.decode(out)
  T.eq(keys(doc), "out,results")
  T.eq(doc.out, "full")
  T.eq(#doc.results, 8)
  local events = check_export(W.tmp .. "/full", NAMES)
  local per = {}
  for i, r in ipairs(doc.results) do
    T.eq(keys(r), RESULT_FIELDS)
    T.eq(r.account_id, i <= 4 and "DAALPHA0000000000001" or "DABETA00000000000001")
    T.eq(r.type, TYPES[(i - 1) % 4 + 1])
    T.eq(r.error, json.null)
    T.eq(r.events, r.total)
    per[r.type] = (per[r.type] or 0) + r.events
  end
  for _, kind in ipairs(TYPES) do T.eq(#events[kind], per[kind], kind .. " lines") end
  T.truthy(#events.authentication > 1000, "log volume: " .. #events.authentication)
  T.truthy(#events.administrator > 10 and #events.telephony > 10, "other logs")
  T.eq(#events.activity, #events.administrator, "activity mirrors the administrator actions")
  local results = {}
  for _, e in ipairs(events.authentication) do results[e.result] = (results[e.result] or 0) + 1 end
  T.truthy(results.success > results.denied and results.denied > 0, "a realistic mix")
  local rate_limited, log_requests = 0, 0
  for _, e in ipairs(log) do
    if e.path:find("/logs/", 1, true) then log_requests = log_requests + 1 end
    if e.status == 429 then rate_limited = rate_limited + 1 end
  end
  T.eq(rate_limited, 0, "paced under the logs rate limit")
  T.truthy(log_requests > 8, "pages: " .. log_requests)
  local cp = json.decode(read("full/checkpoints.json"))
  T.eq(cp.files.authentication.bytes, #read("full/authentication.jsonl"))
  T.eq(cp.accounts.DAALPHA0000000000001.authentication.events, doc.results[1].events)
  -- a second run adds no line
  local before = {}
  for _, kind in ipairs(TYPES) do before[kind] = read("full/" .. kind .. ".jsonl") end
  code, out, err = run(SB .. "-w export-logs --out full --format json")
  T.eq(code, 0, err)
  for _, r in ipairs(json.decode(out).results) do T.eq(r.events, 0, r.account .. " " .. r.type) end
  for _, kind in ipairs(TYPES) do T.eq(read("full/" .. kind .. ".jsonl"), before[kind], kind .. " unchanged") end

  -- an --out folder several levels deep that does not exist yet is made
  -- without a shell (mkdir -p once made a folder named "-p" on Windows)
  code, out, err = run(SB .. "-w export-logs --out \"deep/er/run's\" --max-pages 1 --format json")
  T.eq(code, 0, err)
  T.eq(require("duo._file").kind(W.tmp .. "/deep/er/run's"), "directory")
  T.eq(require("duo._file").kind(W.tmp .. "/-p"), nil)

  -- an interrupted run resumes without duplicates: stop after 3 pages, then
  -- a page written but not checkpointed (the process died in between)
  code, out, err = run(SB .. "-w export-logs --out part --max-pages 3 --format json")
  T.eq(code, 0, err)
  local partial = #exported(W.tmp .. "/part", "authentication")
  T.truthy(partial > 0 and partial < #events.authentication, "partial: " .. partial)
  local f = assert(io.open(W.tmp .. "/part/authentication.jsonl", "ab"))
  f:write(lines(before.authentication)[partial + 1], "\n", '{"txid": "half a li')
  f:close()
  code, out, err = run(SB .. "-w export-logs --out part --format json")
  T.eq(code, 0, err)
  T.truthy(err:find("removed %d+ bytes written after the last checkpoint"), err)
  local resumed = check_export(W.tmp .. "/part", NAMES)
  for _, kind in ipairs(TYPES) do
    local a, b = {}, {}
    for i, e in ipairs(resumed[kind]) do a[i] = event_key(kind, e) end
    for i, e in ipairs(events[kind]) do b[i] = event_key(kind, e) end
    table.sort(a)
    table.sort(b)
    T.eq(table.concat(a, "\n"), table.concat(b, "\n"), kind .. ": the resumed export has every event once")
  end
  -- killed at some moment (SIGKILL, wherever it was), then run again
  run(SB .. "-w export-logs --out killed", "timeout -s KILL 0.4")
  code, out, err = run(SB .. "-w export-logs --out killed --format json")
  T.eq(code, 0, err)
  local again = check_export(W.tmp .. "/killed", NAMES)
  for _, kind in ipairs(TYPES) do
    T.eq(#again[kind], #events[kind], kind .. ": killed and resumed, every event once")
  end
end)

T.test("export-logs: --types, --since, the lock, and --dry-run writes nothing", function()
  local code, out, err = run(SB .. "-w export-logs --out some --types authentication --since 2d --account 'Beta Legal'")
  T.eq(code, 0, err)
  T.truthy(out:find("^ACCOUNT%s+TYPE%s+NEW%s+TOTAL%s+PAGES"), out)
  local events = exported(W.tmp .. "/some", "authentication")
  T.eq(read("some/administrator.jsonl"), nil, "only the types asked for")
  local oldest = os.time() - 2 * 86400 - 60
  for _, e in ipairs(events) do
    T.eq(e.child_account, "Beta Legal")
    T.truthy(e.timestamp >= oldest, "within --since")
  end
  local lock = require("duo._file").lock(W.tmp .. "/some/.export-logs.lock", 0)
  code, out, err = run(SB .. "-w export-logs --out some --types authentication")
  lock:release()
  T.eq(code, 1)
  T.truthy(err:find("another export-logs is writing to some", 1, true), err)
  code, out, err = run(SB .. "--dry-run -w export-logs --out dry --format json")
  T.eq(code, 0, err)
  T.eq(read("dry/checkpoints.json"), nil, "dry run: no files")
  T.truthy(json.decode(out).results[1].events > 0)
  code, out, err = run(SB .. "-w export-logs --out x --types authentication,bogus")
  T.eq(code, 2)
  T.truthy(err:find("--types: unknown type 'bogus'", 1, true), err)
  code, out, err = run(SB .. "-w export-logs --out x --since yesterday")
  T.eq(code, 2)
  T.truthy(err:find("--since must be like 7d", 1, true), err)
end)

-- A first export long enough (19 pages of 137 at Duo's 2 log requests a
-- minute: more than 9 minutes of the sandbox's virtual time) that a
-- mintime computed once at the start leaves the 180-day window, which the
-- sandbox enforces as Duo does (40002 "logs are kept for 180 days").
local LONG_SEED = write("long.json", json.encode{
  options = { virtual_time = true, rate_limits = { logs = 2 } },
  accounts = array{ { name = "Long Co", account_id = "DALONG00000000000001",
                      generated_logs = { authentication = 2500, days = 170 }, users = array{ { username = "a" } } } },
})

T.test("export-logs: a long first export keeps mintime inside Duo's 180 days on every page", function()
  local code, out, err = run("--sandbox=" .. LONG_SEED .. " -w export-logs --out long --types authentication --format json")
  T.eq(code, 0, err)
  local r = json.decode(out).results[1]
  T.eq(r.error, json.null, "no 40002 on a late page")
  T.truthy(r.pages >= 15, "paged past five minutes of server time: " .. r.pages .. " pages")
  local _, total = run("-e " .. shell_quote("local sb = require('duo').sandbox(" .. string.format("%q", LONG_SEED)
                                         .. ") print(#sb.state.children[1].authlogs)"))
  T.eq(r.events, tonumber(total), "every event the sandbox holds")
  T.eq(#exported(W.tmp .. "/long", "authentication"), r.events, "lines")
end)

T.test("export-logs: an events file shorter than its checkpoint is an error that says how to recover", function()
  local code, out, err = run(SB .. "-w export-logs --out cut --format json")
  T.eq(code, 0, err)
  local full = exported(W.tmp .. "/cut", "authentication")
  local admin_before = read("cut/administrator.jsonl")
  local size = #read("cut/authentication.jsonl")
  -- the issue's reproducer: the file cut in the middle of a line
  local keep = size // 2 + 7
  T.truthy(os.execute(string.format("truncate -s %d %s/cut/authentication.jsonl", keep, W.tmp)))
  code, out, err = run(SB .. "-w export-logs --out cut --format json")
  T.eq(code, 1, "an error, not a silent loss: " .. err)
  T.eq(#lines(err), 1, "one line: " .. err)
  T.truthy(err:find("cut/authentication.jsonl is shorter than its checkpoint (" .. keep .. " bytes, " .. size
                    .. " expected)", 1, true), err)
  T.truthy(err:find("--reset authentication", 1, true) and err:find("--since", 1, true), "says how: " .. err)
  T.eq(#read("cut/authentication.jsonl"), keep, "nothing glued onto the half line")
  -- --reset refuses to write over the file, then re-exports the type from
  -- where its checkpoint started once the file is moved aside
  code, out, err = run(SB .. "-w export-logs --out cut --reset authentication")
  T.eq(code, 1, err)
  T.truthy(err:find("still holds events; move it aside first", 1, true), err)
  T.truthy(os.rename(W.tmp .. "/cut/authentication.jsonl", W.tmp .. "/cut/authentication.jsonl.damaged"))
  code, out, err = run(SB .. "-w export-logs --out cut --reset authentication --format json")
  T.eq(code, 0, err)
  local again = exported(W.tmp .. "/cut", "authentication")
  local a, b = {}, {}
  for i, e in ipairs(full) do a[i] = e.child_account_id .. " " .. e.txid end
  for i, e in ipairs(again) do b[i] = e.child_account_id .. " " .. e.txid end
  table.sort(a)
  table.sort(b)
  T.eq(table.concat(b, "\n"), table.concat(a, "\n"), "every event again, once")
  T.eq(read("cut/administrator.jsonl"), admin_before, "the other types untouched")
  for args, words in pairs{ ["--reset bogus"] = "--reset: unknown type 'bogus'",
                            ["--types authentication --reset telephony"] = "--reset telephony: that type is not in --types" } do
    code, out, err = run(SB .. "-w export-logs --out cut " .. args)
    T.eq(code, 2, args)
    T.truthy(err:find(words, 1, true), err)
  end
end)

-- The order of the system calls, seen by strace: every write to an events
-- file is flushed to the disk (fsync) before a checkpoint is renamed into
-- place, so a power cut cannot leave a checkpoint that counts lost bytes.
T.test("export-logs: events are fsynced before the checkpoint that counts them", function()
  if not os.execute("strace -o /dev/null true >/dev/null 2>&1") then
    io.stderr:write("SKIP: strace cannot trace in this container\n")
    return
  end
  local trace = W.tmp .. "/strace.txt"
  local code, _, err = run(SB .. "-w export-logs --out synced --types authentication,telephony",
                           -- (LeakSanitizer cannot run under ptrace: the ASan build traced without it)
                           "ASAN_OPTIONS=detect_leaks=0 strace -f -qq -e "
                           .. "trace=open,openat,write,fsync,fdatasync,rename,renameat,renameat2,close -o " .. trace)
  T.eq(code, 0, err)
  local events_fd, dirty, renames, syncs = {}, {}, 0, 0
  for l in io.lines(trace) do
    -- openat(dirfd, "path", ...) with glibc, open("path", ...) with musl
    local path, fd = l:match('openat%(%S+, "([^"]+)".-= (%d+)$')
    if path == nil then path, fd = l:match('^%d*%s*open%("([^"]+)".-= (%d+)$') end
    if path and path:find("%.jsonl$") then events_fd[fd] = true end
    local wfd = l:match("write%((%d+),")
    if wfd and events_fd[wfd] then dirty[wfd] = true end
    local sfd = l:match("f%a*sync%((%d+)%)")
    if sfd and events_fd[sfd] then
      dirty[sfd] = nil
      syncs = syncs + 1
    end
    local cfd = l:match("close%((%d+)%)")
    if cfd then events_fd[cfd] = nil end
    if l:find("rename%a*%(.-checkpoints%.json") then
      renames = renames + 1
      T.eq(next(dirty), nil, "an events file was not flushed before checkpoint " .. renames)
    end
  end
  T.truthy(syncs >= 2 and renames >= 2, "pages written: " .. syncs .. " syncs, " .. renames .. " checkpoints")
end)

-- standards -------------------------------------------------------------------------

local BASELINE = write("baseline.json", json.encode{
  lockout_threshold = 10, helpdesk_bypass = "limit",
  policy = { authentication_methods = { blocked_auth_list = array{ "sms" } } },
})
local REPORT_FIELDS = "account,account_id,applied,drift,error"

T.test("standards: drift of settings and global policy, field by field; exit 3", function()
  local code, out, err = run(SB .. "-w standards --baseline " .. BASELINE .. " --format json")
  T.eq(code, 3, err)
  local doc = json.decode(out)
  T.eq(keys(doc), "accounts")
  T.eq(#doc.accounts, 2)
  for _, a in ipairs(doc.accounts) do T.eq(keys(a), REPORT_FIELDS) end
  T.same(doc.accounts[1], { account_id = "DAALPHA0000000000001", account = "Alpha Dental", applied = false,
                            error = json.null,
                            drift = { { setting = "lockout_threshold", current = 25, wanted = 10 } } })
  T.same(doc.accounts[2], { account_id = "DABETA00000000000001", account = "Beta Legal", applied = false,
                            error = json.null, drift = {
    { setting = "helpdesk_bypass", current = "allow", wanted = "limit" },
    { setting = "policy.authentication_methods", current = json.null,
      wanted = { blocked_auth_list = { "sms" } } } } })
  code, out = run(SB .. "-w standards --baseline " .. BASELINE .. " --account 'Alpha Dental'")
  T.eq(code, 3)
  T.truthy(out:find("Alpha Dental%s+lockout_threshold%s+25%s+10%s+no"), out)
  T.truthy(out:find("1 of 1 accounts drift from", 1, true), out)
  code, out = run(SB .. "-w standards --baseline " .. BASELINE .. " --format csv")
  T.eq(lines(out)[1], "account,setting,current,wanted,applied,error,account_id")
  T.eq(#lines(out), 4)
end)

T.test("standards --apply sends the drifted values after the prompt; --dry-run sends none", function()
  local code, out, err, log = probe("--dry-run", "standards --baseline " .. BASELINE .. " --apply --yes --format json")
  T.eq(#writes(log), 0, "dry run: nothing sent")
  T.eq(json.decode(out).accounts[1].applied, false)
  T.truthy(err:find("dry-run: POST", 1, true), err)
  code, out, err, log = probe("", "standards --baseline " .. BASELINE .. " --apply --format json")
  T.eq(code, 2, "no terminal, no --yes")
  T.eq(#writes(log), 0)
  code, out, err, log = probe("", "standards --baseline " .. BASELINE .. " --apply --yes --format json")
  T.eq(code, 0, err)
  local doc = json.decode(out)
  T.eq(doc.accounts[1].applied, true)
  T.eq(doc.accounts[2].applied, true)
  local w = writes(log)
  table.sort(w, function(a, b) return a.path .. (a.account or "") < b.path .. (b.account or "") end)
  T.eq(#w, 3)
  T.eq(w[1].method, "POST")
  T.eq(w[1].path, "/admin/v1/settings")
  T.eq(w[1].account, "DAALPHA0000000000001")
  T.eq(tostring(w[1].params.lockout_threshold), "10")
  T.eq(w[1].params.helpdesk_bypass, nil, "only what drifts")
  T.eq(w[2].account, "DABETA00000000000001")
  T.eq(w[2].params.helpdesk_bypass, "limit")
  T.eq(w[3].method, "PUT")
  T.truthy(w[3].path:find("^/admin/v2/policies/"), w[3].path)
  T.same(w[3].params.sections, { authentication_methods = { blocked_auth_list = { "sms" } } })
end)

T.test("standards --capture writes a baseline from a model child that it then matches", function()
  local code, out, err = run(SB .. "-w standards --capture 'Alpha Dental' --output alpha.json")
  T.eq(code, 0, err)
  local doc = json.decode(read("alpha.json"))
  T.eq(doc.lockout_threshold, 25)
  T.eq(doc.name, nil, "not a setting a baseline sets")
  T.same(doc.policy, { authentication_methods = { blocked_auth_list = { "sms" } } })
  code, out, err = run(SB .. "-w standards --baseline alpha.json --account 'Alpha Dental' --format json")
  T.eq(code, 0, err)
  T.eq(#json.decode(out).accounts[1].drift, 0)
  write("bad-baseline.json", '{"lockout_thresold": 3}')
  code, out, err = run(SB .. "-w standards --baseline bad-baseline.json")
  T.eq(code, 1)
  T.truthy(err:find("'lockout_thresold' is not a setting update_settings can change", 1, true), err)
  code, out, err = run(SB .. "-w standards")
  T.eq(code, 2)
  T.truthy(err:find("give one of --baseline FILE or --capture ACCOUNT", 1, true), err)
end)

T.test("standards --capture leaves out identity settings unless --include-identity; --apply warns of them",
       function()
  local identity = { "caller_id", "fraud_email", "helpdesk_message", "sms_message", "timezone" }
  local code, out, err = run(SB .. "-w standards --capture 'Alpha Dental'")
  T.eq(code, 0, err)
  local doc = json.decode(out)
  for _, k in ipairs(identity) do T.eq(doc[k], nil, k .. " is each client's own") end
  T.eq(doc.lockout_threshold, 25, "the other settings stay")
  T.truthy(err:find("left out the identity settings caller_id, fraud_email, helpdesk_message, sms_message, "
                    .. "timezone", 1, true), err)
  code, out, err = run(SB .. "-w standards --capture 'Alpha Dental' --include-identity")
  T.eq(code, 0, err)
  doc = json.decode(out)
  T.eq(doc.timezone, "UTC")
  T.eq(doc.caller_id, "")
  T.eq(err, "")
  code, out, err = run(SB .. "-w standards --baseline alpha.json --include-identity")
  T.eq(code, 2)
  T.truthy(err:find("--include-identity goes with --capture", 1, true), err)
  write("identity-baseline.json", '{"lockout_threshold": 25, "fraud_email": "soc@example.com", "timezone": "UTC"}')
  code, out, err = run(SB .. "--dry-run -w standards --baseline identity-baseline.json --apply --format json")
  T.truthy(err:find("warning: identity-baseline.json sets identity settings (fraud_email, timezone): --apply gives "
                    .. "every selected child the same value", 1, true), err)
  code, out, err = run(SB .. "-w standards --baseline identity-baseline.json --format json")
  T.eq(err:find("identity settings", 1, true), nil, "only --apply warns: " .. err)
end)

-- user-counts --since, sync-user --all-orgs ------------------------------------------

T.test("user-counts --since adds the change per account", function()
  local code, out, err = run(SB .. "-w user-counts --format json")
  T.eq(code, 0, err)
  local doc = json.decode(out)
  T.eq(#doc, 2)
  T.eq(doc[1].change, nil, "no change without --since")
  doc[1].total, doc[1].active, doc[1].bypass = doc[1].total - 3, doc[1].active + 2, json.null
  table.remove(doc, 2)
  write("counts-before.json", json.encode(doc))
  code, out, err = run(SB .. "-w user-counts --format json --since counts-before.json")
  T.eq(code, 0, err)
  doc = json.decode(out)
  T.same(doc[1].change, { total = 3, active = -2, enrolled = 0, bypass = json.null, disabled = 0, locked_out = 0,
                          pending_deletion = 0 })
  T.eq(doc[2].change, json.null, "not in the earlier file")
  code, out = run(SB .. "-w user-counts --since counts-before.json")
  T.truthy(out:find("Alpha Dental%s.-%+3\n"), out)
  T.truthy(out:find("Beta Legal%s.-new\n"), out)
  -- each status's change, in the table and in CSV
  local alpha = out:match("Alpha Dental[^\n]*")
  T.truthy(alpha:find(doc[1].total .. " (+3)", 1, true), alpha)
  T.truthy(alpha:find(doc[1].active .. " (-2)", 1, true), alpha)
  local all = out:match("%(all%)[^\n]*")
  T.truthy(all:find("(+3)", 1, true) and all:find("(-2)", 1, true), all)
  code, out = run(SB .. "-w user-counts --format csv --since counts-before.json")
  T.eq(code, 0)
  local header = lines(out)[1]
  T.truthy(header:find(",change_total,change_active,change_enrolled,change_bypass,change_disabled,change_locked_out,"
                       .. "change_pending_deletion$"), header)
  T.truthy(lines(out)[2]:find(",3,%-2,0,,0,0,0$"), lines(out)[2])
  T.truthy(lines(out)[3]:find(",,,,,,,$"), lines(out)[3])
  write("not-counts.json", '{"a": 1}')
  code, out, err = run(SB .. "-w user-counts --since not-counts.json")
  T.eq(code, 1)
  T.truthy(err:find("is not an earlier 'user-counts --format json' output", 1, true), err)
end)

-- On the loopback test server -----------------------------------------------------

if os.getenv("DUO_TEST_PORT_GOOD") then
  local ts = require "testserver"
  local SRV = "-c " .. W.server_config{ admin = true } .. " "
  local children = ts.client("accounts"):get_child_accounts()

  local srv_writes = ts.admin_writes

  T.test("test server: bypass-audit reads every child (two bypass users each)", function()
    local code, out, err = run(SRV .. "-w bypass-audit --format json")
    T.eq(code, 0, err)
    local doc = json.decode(out)
    T.eq(#doc, 6)
    for _, row in ipairs(doc) do
      T.eq(keys(row), BYPASS_FIELDS)
      T.eq(row.status, "bypass")
      T.truthy(row.username:match("%-user0[01]$"), row.username)
      T.eq(row.email, row.username:match("%-(user%d+)$") .. "@" .. row.account_id:lower() .. ".example.com")
      T.eq(row.last_login, row.username:match("user00$") and 1700003600 or json.null)
    end
    T.eq(doc[1].account, "Acme Corp")
  end)

  T.test("test server: offboard-user disables in the child; --dry-run sends nothing", function()
    local child = children[1]
    local username = child.account_id:lower() .. "-user03"
    ts.clear_requests()
    local code, out, err = run(SRV .. "--dry-run -w offboard-user --username " .. username .. " --action disable --format json")
    T.eq(code, 0, err)
    T.eq(json.decode(out).actions[1].result, "planned")
    T.eq(#srv_writes(), 0, "dry run: nothing written")
    code, out, err = run(SRV .. "-w offboard-user --username " .. username .. " --action disable --yes --format json")
    T.eq(code, 0, err)
    local doc = json.decode(out)
    T.eq(#doc.matches, 1)
    T.eq(doc.matches[1].account_id, child.account_id)
    T.eq(doc.actions[1].result, "done")
    local w = srv_writes()
    T.eq(#w, 1)
    T.eq(w[1].method, "POST")
    T.eq(w[1].path, "/admin/v1/users/" .. doc.matches[1].user_id)
    T.eq(w[1].account_id, child.account_id)
    T.eq(w[1].params.status, "disabled")
    T.eq(w[1].status, 200)
    ts.clear_requests()
    code, out, err = run(SRV .. "-w offboard-user --email user03@" .. child.account_id:lower() .. ".example.com --action delete --yes")
    T.eq(code, 0, err)
    w = srv_writes()
    T.eq(#w, 1)
    T.eq(w[1].method, "DELETE")
  end)

  T.test("test server: export-logs pages every log of every child; a second run adds nothing", function()
    local code, out, err = run(SRV .. "-w export-logs --out srvlogs --rate 100000 --format json")
    T.eq(code, 0, err)
    local names = {}
    for _, c in ipairs(children) do names[c.account_id] = c.name end
    local first = check_export(W.tmp .. "/srvlogs", names)
    local doc = json.decode(out)
    T.eq(#doc.results, 4 * #children)
    for _, r in ipairs(doc.results) do T.eq(r.error, json.null, r.type) end
    -- the server's logs: 7 events a minute apart (v2), 1300 a second apart (v1)
    T.truthy(#first.authentication >= 5 * #children, "authentication: " .. #first.authentication)
    T.eq(#first.activity, #first.authentication)
    T.eq(#first.telephony, #first.authentication)
    T.truthy(#first.administrator > 1000 * #children, "v1 pages of 1000 followed: " .. #first.administrator)
    -- the server's clock moves on: a second run may add what became older
    -- than Duo's two-minute delay meanwhile, and nothing else
    local before = {}
    for _, kind in ipairs(TYPES) do before[kind] = read("srvlogs/" .. kind .. ".jsonl") end
    code, out, err = run(SRV .. "-w export-logs --out srvlogs --rate 100000 --format json")
    T.eq(code, 0, err)
    local second = check_export(W.tmp .. "/srvlogs", names)
    for _, kind in ipairs(TYPES) do
      local now = read("srvlogs/" .. kind .. ".jsonl")
      T.eq(now:sub(1, #before[kind]), before[kind], kind .. ": the first run's lines stay")
      T.truthy(#second[kind] - #first[kind] <= 60 * #children, kind .. ": only the last minute's events are new")
    end
  end)

  T.test("test server: standards finds the drifted child, applies, and then finds none", function()
    local file = write("srv-baseline.json", json.encode{ lockout_threshold = 10,
      policy = { authentication_methods = { require_verified_push = true } } })
    local code, out, err = run(SRV .. "-w standards --baseline " .. file .. " --format json")
    T.eq(code, 3, err)
    local doc = json.decode(out)
    T.eq(#doc.accounts, #children)
    for i, a in ipairs(doc.accounts) do
      T.eq(keys(a), REPORT_FIELDS)
      T.eq(a.account_id, children[i].account_id)
      T.eq(#a.drift, i == 2 and 1 or 0, a.account)
    end
    T.same(doc.accounts[2].drift, { { setting = "lockout_threshold", current = 25, wanted = 10 } })
    ts.clear_requests()
    code, out, err = run(SRV .. "-w standards --baseline " .. file .. " --apply --yes --format json")
    T.eq(code, 0, err)
    T.eq(json.decode(out).accounts[2].applied, true)
    local w = srv_writes()
    T.eq(#w, 1)
    T.eq(w[1].path, "/admin/v1/settings")
    T.eq(w[1].account_id, children[2].account_id)
    T.eq(tostring(w[1].params.lockout_threshold), "10")
    code, out, err = run(SRV .. "-w standards --baseline " .. file .. " --format json")
    T.eq(code, 0, err)
    code, out, err = run(SRV .. "-w standards --capture '" .. children[1].name .. "'")
    T.eq(code, 0, err)
    doc = json.decode(out)
    T.eq(doc.lockout_threshold, 10)
    T.eq(doc.policy.authentication_methods.require_verified_push, true)
  end)

  T.test("test server: sync-user --all-orgs syncs every user in every organization with a key", function()
    local store = json.encode{ organizations = array{
      { name = "Acme", duo_account_id = children[1].account_id, duo_admin_api_directory_key = "DDACMEDIRECTORYKEY01" },
      { name = "Globex", duo_account_id = children[3].account_id, duo_admin_api_directory_key = "DDGLOBEXDIRECTORY001" },
      { name = "No Key", duo_account_id = children[2].account_id },
    } }
    write("srv.mappings.json", store, "600")
    ts.clear_requests()
    local code, out, err = run(SRV .. "-w sync-user --yes --all-orgs --username alice --username bob --format json")
    T.eq(code, 0, err)
    local doc = json.decode(out)
    T.eq(#doc, 4)
    for i, r in ipairs(doc) do
      T.eq(keys(r), "duo_account_id,error,organization,result,username")
      T.eq(r.organization, i <= 2 and "Acme" or "Globex")
      T.eq(r.username, (i % 2 == 1) and "alice" or "bob")
      T.eq(r.error, json.null)
    end
    local seen = {}
    for _, w in ipairs(srv_writes()) do
      T.truthy(w.path:find("/directorysync/", 1, true), w.path)
      seen[w.account_id .. " " .. w.path .. " " .. w.params.username] = true
    end
    T.truthy(seen[children[1].account_id .. " /admin/v1/users/directorysync/DDACMEDIRECTORYKEY01/syncuser alice"])
    T.truthy(seen[children[3].account_id .. " /admin/v1/users/directorysync/DDGLOBEXDIRECTORY001/syncuser bob"])
    local n = 0
    for _ in pairs(seen) do n = n + 1 end
    T.eq(n, 4, "one request per organization and user, none for the organization without a key")
    ts.clear_requests()
    code, out, err = run(SRV .. "--dry-run -w sync-user --all-orgs --username alice")
    T.eq(code, 0, err)
    T.eq(#srv_writes(), 0)
    T.truthy(out:find("synced 'alice' in 'Acme' %(DA%w+%): dry%-run: not sent"), out)
    -- a failing child does not stop the others
    local admin = ts.client("admin")
    admin:call("POST", "/test/children/" .. children[3].account_id .. "/fail", { code = 50001 })
    code, out, err = run(SRV .. "-w sync-user --yes --all-orgs --username alice --format json")
    admin:call("POST", "/test/children/" .. children[3].account_id .. "/fail", { code = 0 })
    T.eq(code, 1)
    doc = json.decode(out)
    T.eq(doc[1].error, json.null)
    T.truthy(doc[2].error:find("50001", 1, true), doc[2].error)
    T.truthy(err:find("1 of 2 syncs failed", 1, true), err)
    code, out, err = run(SRV .. "-w sync-user --username alice")
    T.eq(code, 2)
    T.truthy(err:find("give one of --org NAME or --all-orgs", 1, true), err)
  end)

  T.test("test server: verify-identity exits 0 approved, 3 denied, 4 timeout", function()
    local child = children[2]
    for i, want in ipairs{ { "approved", 0 }, { "denied", 3 }, { "timeout", 4 } } do
      local username = string.format("%s-user%02d", child.account_id:lower(), i + 2)   -- users 3, 4, 5 -> 0, 1, 2 mod 3
      local code, out, err = run(SRV .. "-w verify-identity --username " .. username
                                 .. " --timeout 1 --interval 0.2 --format json")
      T.eq(code, want[2], username .. ": " .. err)
      local doc = json.decode(out)
      T.eq(keys(doc), VERIFY_FIELDS)
      T.eq(doc.result, want[1])
      T.eq(doc.account_id, child.account_id)
      T.truthy(doc.push_id:match("^push%-%d+$"), doc.push_id)
    end
  end)
end

W.remove()
T.done()
