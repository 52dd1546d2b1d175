-- The alerts workflow (SPEC section 10) as a user runs it: duo-lua
-- processes on a sandbox tenant with planted findings (alerts_tenant.lua),
-- sending to real receivers on loopback (receivers.lua): a webhook that
-- checks the HMAC signature over HTTPS and SMTP with STARTTLS. Run after
-- run: each finding sent once, nothing the second time, a resolved one
-- once; a failing channel keeps its findings; the lock; rules files;
-- --dry-run; --format jsonl.
local T = require "testing"
local json = require "duo.json"
local R = require "receivers"
local A = require "alerts_tenant"

local function config(hook_secret, extra)
  return string.format([[{
  default = "main",
  profiles = { main = {} },
  notify = {
    hook = { kind = "webhook", url = %q, secret = %q, ca = %q },
    mail = { kind = "email", smtp = %q, from = "duo-lua@msp.example", to = { "soc@msp.example" },
             username = "duo", password = %q, ca = %q, timeout = 20 },
  },%s
}]], R.BASE .. "/hook", hook_secret or R.SECRET.hook, R.CA, "smtp://localhost:" .. R.PORT.smtp, R.SECRET.smtp, R.CA,
       extra or "")
end

local SHAPE = { "source", "profile", "rule", "severity", "state", "finding_id", "org_id", "org", "account_id",
                "account", "summary", "details", "first_seen", "last_seen" }

local function no_secrets(text, what)
  for name, s in pairs(R.SECRET) do T.truthy(not text:find(s, 1, true), what .. ": no " .. name .. " secret") end
end

-- The webhook requests and mails that arrived within a short wait.
local function hooks(n)
  return R.take("webhook", n or 100, n and 10 or 0.7)
end
local function mails(n)
  return R.take("smtp", n or 100, n and 10 or 0.7)
end

local function ids_of(requests)
  local out = {}
  for i, r in ipairs(requests) do out[i] = json.decode(r.body).finding_id end
  table.sort(out)
  return out
end

-- A dry run's findings (--format jsonl, decoded) and its exit status.
local function dry_findings(run, args)
  local code, out, err = run("--dry-run --format jsonl " .. (args or ""))
  local list = {}
  for line in out:gmatch("[^\n]+") do list[#list + 1] = json.decode(line) end
  return list, code, err
end

local function state_of(W)
  return json.decode(assert(W.read(W.state), "the state file"))
end

T.test("first run: each planted finding once to the webhook (signed) and in one mail; then nothing; a resolved one once",
       function()
  local W, run = A.workspace(config())
  local code, out, err = run("--format json")
  T.eq(code, 3, "exit status of the first run; stderr: " .. err)
  no_secrets(out .. err, "first run")
  local got = hooks(#A.FINDINGS)
  T.eq(#got, #A.FINDINGS, "webhook requests")
  T.same(ids_of(got), A.FINDINGS, "one request per planted finding")
  for _, r in ipairs(got) do
    T.eq(r.signature_ok, true, "the receiver's own HMAC check")
    local f = json.decode(r.body)
    T.eq(f.state, "new", "state")
    T.eq(f.source, "duo-lua", "source")
    T.eq(f.profile, "sandbox", "profile")
    T.eq(type(f.first_seen), "string", "first_seen")
    if f.account_id == A.ACME then
      T.eq(f.org, "Acme Corporation", "org from the mapping store")
      T.eq(f.org_id, "C1", "org_id from the mapping store")
    else
      T.eq(f.org, json.null, "no organization: org null")
    end
  end
  T.eq(#hooks(), 0, "nothing more on the webhook")
  local m = mails(1)
  T.eq(#m, 1, "one mail for the run")
  for _, needle in ipairs{ "alice has been in bypass for 20 days", "bob is locked out", "20 telephony credits left",
                           "new administrator New Person" } do
    T.truthy(m[1].data:find(needle, 1, true), "the mail names: " .. needle)
  end
  T.eq(#mails(), 0, "no second mail")
  local doc = json.decode(out)
  T.eq(#doc.findings, #A.FINDINGS, "findings in the output")
  for _, f in ipairs(doc.findings) do T.same(f.channels, { "hook", "mail" }, "channels of " .. f.finding_id) end
  local state = state_of(W)
  for _, id in ipairs(A.FINDINGS) do
    T.same(state.findings[id].delivered, { hook = "new", mail = "new" }, "delivered " .. id)
  end
  local mode = io.popen("stat -c %a " .. W.state):read("l")
  T.eq(mode, "600", "the state file's mode")

  code, out, err = run()
  T.eq(code, 0, "exit status of the second run; stderr: " .. err)
  T.eq(#hooks(), 0, "second run: no webhook request")
  T.eq(#mails(), 0, "second run: no mail")
  T.truthy(out:find("0 new, 0 resolved", 1, true), out)

  A.write_seed(W, { bob_active = true })
  code, out, err = run("--format json")
  T.eq(code, 3, "exit status when a finding is resolved; stderr: " .. err)
  got = hooks(1)
  T.eq(#got, 1, "one webhook request")
  local f = json.decode(got[1].body)
  T.eq(f.finding_id, A.BOB_FINDING, "the resolved finding")
  T.eq(f.state, "resolved", "its state")
  T.eq(got[1].signature_ok, true, "signed")
  T.eq(#hooks(), 0, "exactly one")
  m = mails(1)
  T.truthy(m[1].data:find("bob is locked out", 1, true), "the mail names the resolved finding")
  T.eq(#mails(), 0, "one mail")
  state = state_of(W)
  T.eq(state.findings[A.BOB_FINDING], nil, "the resolved finding is forgotten")
  T.truthy(state.findings[A.FINDINGS[1]], "the others stay")

  code = run()
  T.eq(code, 0, "after the resolution: nothing")
  T.eq(#hooks(), 0, "no request")
  W.remove()
end)

T.test("a failing channel keeps its findings for the next run; the other channel gets its own at once", function()
  local W, run = A.workspace(config("a-wrong-hook-secret-0000"))
  local code, out, err = run()
  T.eq(code, 1, "exit status with a failing channel; stderr: " .. err)
  T.truthy(err:find("channel 'hook'", 1, true) and err:find("kept for the next run", 1, true), err)
  T.eq(select(2, err:gsub("\n", "")), 2, "the note about standards_drift and one line for the channel: " .. err)
  no_secrets(out .. err, "failing channel")
  T.truthy(not (out .. err):find("a-wrong-hook-secret-0000", 1, true), "not even the wrong secret")
  local refused = hooks(1)
  T.eq(refused[1].signature_ok, false, "the receiver refused the signature")
  T.eq(#hooks(), 0, "the first refusal stops the channel")
  T.eq(#mails(1), 1, "the mail went")
  W.write("config.lua", "return " .. config(), "600")
  code, _, err = run()
  T.eq(code, 3, "next run with the channel repaired; stderr: " .. err)
  T.same(ids_of(hooks(#A.FINDINGS)), A.FINDINGS, "every finding on the webhook now")
  T.eq(#mails(), 0, "no mail again")
  T.eq(run(), 0, "then nothing")
  T.eq(#hooks(), 0, "no request")
  W.remove()
end)

T.test("--channel sends to that channel only; the others get theirs on a later run", function()
  local W, run = A.workspace(config())
  local code, _, err = run("--channel mail")
  T.eq(code, 3, "exit status; stderr: " .. err)
  T.eq(#mails(1), 1, "mail")
  T.eq(#hooks(), 0, "no webhook")
  code = run()
  T.eq(code, 3, "a run of every channel")
  T.eq(#hooks(#A.FINDINGS), #A.FINDINGS, "the webhook gets them now")
  T.eq(#mails(), 0, "the mail had them")
  code, _, err = run("--channel nowhere")
  T.eq(code, 2, "an unknown channel")
  T.truthy(err:find("no notify channel 'nowhere'", 1, true) and err:find("configured: hook, mail", 1, true), err)
  W.remove()
end)

T.test("the lock: a run while another holds it is refused, exit 1", function()
  local W, run = A.workspace(config())
  local lock = assert(require("duo._file").lock(W.state .. ".lock", 0))
  local code, _, err = run()
  T.eq(code, 1, "exit status")
  T.truthy(err:find("another alerts run holds the lock", 1, true), err)
  T.eq(#hooks(), 0, "nothing sent")
  T.eq(W.read(W.state), nil, "no state written")
  lock:release()
  T.eq(run(), 3, "once released")
  hooks(#A.FINDINGS)
  mails(1)
  W.remove()
end)

T.test("--dry-run sends nothing, writes no state, and says what it would send", function()
  local W, run = A.workspace(config())
  local code, out, err = run("--dry-run --format json")
  T.eq(code, 3, "exit status: findings would be sent; stderr: " .. err)
  T.eq(#json.decode(out).findings, #A.FINDINGS, "the findings")
  T.truthy(err:find("dry-run: notify 'hook' (webhook): 4 findings, not sent", 1, true), err)
  T.eq(#hooks(), 0, "no webhook request")
  T.eq(#mails(), 0, "no mail")
  T.eq(W.read(W.state), nil, "no state file")
  T.eq(run(), 3, "a real run")
  hooks(#A.FINDINGS)
  mails(1)
  local before = W.read(W.state)
  A.write_seed(W, { bob_active = true })
  code, out = run("--dry-run --format jsonl")
  T.eq(code, 3, "a resolution would be sent")
  T.eq(#W.lines(out), 1, "one line")
  T.eq(json.decode(out).state, "resolved", "the resolved finding")
  T.eq(W.read(W.state), before, "the state is as it was")
  T.eq(#hooks(), 0, "nothing sent")
  W.remove()
end)

T.test("--format jsonl: one finding a line in the webhook's shape", function()
  local W, run = A.workspace(config())
  local list, code = dry_findings(run)
  T.eq(code, 3, "exit status")
  T.eq(#list, #A.FINDINGS, "lines")
  for _, f in ipairs(list) do
    local keys = {}
    for k in pairs(f) do keys[#keys + 1] = k end
    table.sort(keys)
    local want = { table.unpack(SHAPE) }
    table.sort(want)
    T.same(keys, want, "the keys of " .. f.finding_id)
    T.eq(type(f.details), "table", "details")
  end
  W.remove()
end)

T.test("rules files: defaults changed, a Lua file, routes to one channel; mistakes refused by name, exit 2", function()
  local W, run = A.workspace(config())
  W.write("rules.json", json.encode{ bypass_user = { days = 30 }, new_admin = { channels = json.array{ "mail" },
                                                                              severity = "info" },
                                     telephony_credits_low = { enabled = false } })
  local code, out, err = run("--rules rules.json --dry-run --format json")
  T.eq(code, 3, "exit status; stderr: " .. err)
  local by_rule = {}
  for _, f in ipairs(json.decode(out).findings) do by_rule[f.rule] = f end
  T.eq(by_rule.bypass_user, nil, "20 days in bypass is not over 30")
  T.eq(by_rule.telephony_credits_low, nil, "a rule turned off")
  T.eq(by_rule.new_admin.severity, "info", "severity changed")
  T.same(by_rule.new_admin.channels, { "mail" }, "routed to one channel")
  T.same(by_rule.locked_out_users.channels, { "hook", "mail" }, "a rule naming none goes to all")
  W.write("rules.lua", 'return { bypass_user = { days = 10, severity = "critical" } }')
  code, out = run("--rules rules.lua --dry-run --format jsonl")
  T.eq(code, 3, "a Lua rules file")
  T.truthy(out:find('"severity":"critical"', 1, true) and out:find("alice", 1, true), out)
  local bad = {
    { '{"bypass_usr": {}}', "unknown rule 'bypass_usr' (known: admin_role_changed," },
    { '{"bypass_user": {"dayz": 3}}', "rule 'bypass_user': unknown key 'dayz' (known: channels, days, enabled, severity)" },
    { '{"bypass_user": {"severity": "loud"}}', "severity must be info, warning or critical" },
    { '{"bypass_user": {"days": "many"}}', "days must be a number of days above 0" },
    { '{"auth_denied_spike": {"window": "soon"}}', "window must be a duration" },
    { '{"new_admin": {"channels": ["pager"]}}', "rule 'new_admin': no notify channel 'pager'" },
    { '{"bypass_user": ', "is not valid JSON" },
    { '[1, 2]', "must be a JSON object of rule names and settings" },
  }
  for _, case in ipairs(bad) do
    W.write("bad.json", case[1])
    code, out, err = run("--rules bad.json")
    T.eq(code, 2, "exit status for " .. case[1])
    T.truthy(err:find(case[2], 1, true), case[1] .. " -> " .. err)
    T.eq(select(2, err:gsub("\n", "")), 1, "one line: " .. err)
    T.eq(out, "", "nothing on stdout")
  end
  code, _, err = run("--rules missing.json")
  T.eq(code, 2, "a missing rules file")
  T.truthy(err:find("cannot read the rules file", 1, true), err)
  T.eq(#hooks(), 0, "nothing sent by any of these")
  W.remove()
end)

T.test("standards_drift with a baseline file: one finding per drifting account", function()
  local W, run = A.workspace(config())
  W.write("baseline.json", '{"lockout_threshold": 3}')
  W.write("rules.json", '{"standards_drift": {"baseline": "baseline.json"}}')
  local list, code, err = dry_findings(run, "--rules rules.json")
  T.eq(code, 3, "exit status; stderr: " .. err)
  local drift = 0
  for _, f in ipairs(list) do
    if f.rule == "standards_drift" then
      drift = drift + 1
      T.eq(f.details.drift[1].setting, "lockout_threshold", "the drifting setting")
    end
  end
  T.eq(drift, 2, "both accounts drift from a threshold of 3")
  W.remove()
end)

T.test("--org and --account select the children; an unknown organization is one clear line", function()
  local W, run = A.workspace(config())
  local list, code = dry_findings(run, "--org 'Acme Corporation'")
  T.eq(code, 3, "exit status")
  T.eq(#list, 2, "Acme Corp's two findings")
  for _, f in ipairs(list) do T.eq(f.account_id, A.ACME, "account") end
  T.eq(#dry_findings(run, "--account Globex"), 2, "Globex's two findings")
  local _, err
  code, _, err = run("--dry-run --org Initech")
  T.eq(code, 1, "an unknown organization")
  T.truthy(err:find("no organization 'Initech' in the mapping store", 1, true), err)
  T.eq(select(2, err:gsub("\n", "")), 2, "the standards note and one line: " .. err)
  W.remove()
end)

R.stop()
T.done()
