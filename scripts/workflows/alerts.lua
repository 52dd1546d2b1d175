-- alerts: checks the child accounts against rules and sends new and resolved findings to the notify channels
local args = require "workflows.lib.args"

local NAME = "alerts"
local HELP = [[
usage: duo-lua -w alerts [--rules FILE] [--state FILE] [--channel NAME]... [--dry-run]
                         [--format table|json|jsonl] [--org O] [--tag T] [--account A]

Checks every child account (or those selected) against the rules,
concurrently, and sends each finding that is new since the last run, and
each one that has been resolved, to the notify channels of the config that
its rule routes to (all of them when the rule names none). A state file
remembers what was sent, so a second run sends nothing new; a channel that
fails keeps its findings for the next run, the others still get theirs.
Two runs never overlap (a lock beside the state file).

  --rules FILE     rules (JSON, or a Lua file returning the same table):
                   {"bypass_user": {"severity": "warning", "days": 14, "channels": ["ops"]}}
                   each rule takes severity, channels, enabled and its own
                   parameters; without a file, the built-in defaults
  --state FILE     the state file (default: beside the mapping store,
                   STORE.alerts-state.json)
  --channel NAME   send only to this channel (may repeat); others keep
                   their findings for a later run
  --dry-run        print what would be sent; send nothing, change nothing
  --format F       table (default), json or jsonl (one finding a line, as
                   the webhook sends it)
  --output FILE    write the output to FILE instead of standard output
  --org O          only this organization's account (name or id; may repeat)
  --tag T          only organizations with this tag (may repeat)
  --account A      only this child account (name or ID; may repeat)
  --exclude-account A, --exclude-org O, --exclude-tag T   leave those out
  --concurrency N  children read at once (default 16)
  --progress       a status line on stderr every few seconds, also when it is
                   not a terminal (on a terminal a progress line is drawn)
  --profile P      the profile (default: the configured default)
  -h, --help       this text

Rules (parameters and their defaults):
  bypass_user (days 7)          a user in bypass for longer than days
  bypass_code_old (days 30)     a user holding bypass codes older than days
  locked_out_users              a user locked out
  new_admin (days 7)            an administrator created in the last days
  admin_role_changed (days 7)   an administrator's role changed (admin log)
  telephony_credits_low (below 100)  fewer telephony credits than below
  fraud_report (days 1)         a user who reported a push as fraud
  trust_monitor_event (days 1)  a Trust Monitor event
  integration_created (days 7)  an application created (admin log)
  global_policy_changed (days 7) the global policy changed (admin log)
  standards_drift (baseline)    settings drift from a baseline file
  auth_denied_spike (ratio 0.5, window 1h, min_attempts 10)
                                too many denied authentications

Each finding: {"source", "profile", "rule", "severity", "state": "new|resolved",
"finding_id", "org_id", "org", "account_id", "account", "summary",
"details", "first_seen", "last_seen"}.
Exit status: 0 nothing new or resolved was sent, 3 new or resolved findings
were sent, 1 an error (a channel failed, a child could not be read, another
run holds the lock), 2 usage error (a bad rules file, an unknown channel).
]]

local opts, rest = args.parse({
  name = NAME, help = HELP,
  options = args.with_fanout{
    rules = { value = "FILE" }, state = { value = "FILE" }, channel = { value = "NAME", many = true },
    format = args.format{ "table", "json", "jsonl" }, output = args.OUTPUT,
    concurrency = { value = "N", number = true, min = 1, max = 256 }, progress = args.PROGRESS,
  },
}, { ... })
if opts == nil then return rest end

local duo = require "duo"
local json = require "duo.json"
local config = require "duo.config"
local mappings = require "duo.mappings"
local host = require "workflows.lib.host"
local emit = require "workflows.lib.emit"
local fanout = require "workflows.lib.fanout"
local rules_lib = require "workflows.lib.alerts.rules"
local check = require "workflows.lib.alerts.check"
local state_lib = require "workflows.lib.alerts.state"

local function say(fmt, ...)
  io.stdout:flush()
  io.stderr:write("duo-lua: ", NAME, ": ", string.format(fmt, ...), "\n")
end

-- The rules, and the channels they route to --------------------------------------
local ok, rules = pcall(rules_lib.load, opts.rules)
if not ok then
  if rules_lib.is_invalid(rules) then
    say("%s", tostring(rules))
    return args.EXIT_USAGE
  end
  error(rules, 0)
end

local cfg = config.current()
local profile, pname = config.profile()
local configured, channel_names = {}, {}
for _, set in ipairs{ cfg.notify or {}, profile.notify or {} } do
  for name in pairs(set) do
    if not configured[name] then channel_names[#channel_names + 1] = name end
    configured[name] = true
  end
end
table.sort(channel_names)
local function unknown_channel(name, where)
  say("%sno notify channel '%s' in %s (%s)", where, name, cfg.path or "the config",
      #channel_names > 0 and ("configured: " .. table.concat(channel_names, ", ")) or "none is configured")
  return args.EXIT_USAGE
end
for _, r in ipairs(rules) do
  for _, c in ipairs(r.channels or {}) do
    if not configured[c] then return unknown_channel(c, string.format("rule '%s': ", r.name)) end
  end
end
local run_channels = {}   -- the channels this run sends to
if #opts.channel > 0 then
  for _, c in ipairs(opts.channel) do
    if not configured[c] then return unknown_channel(c, "--channel: ") end
    run_channels[c] = true
  end
else
  for _, c in ipairs(channel_names) do run_channels[c] = true end
end
local by_rule = {}
for _, r in ipairs(rules) do by_rule[r.name] = r end
-- The channels a finding of a rule goes to this run.
local function targets(rule_name)
  local r = by_rule[rule_name]
  local out = {}
  for _, c in ipairs(r.channels or channel_names) do
    if run_channels[c] then out[c] = true end
  end
  return out
end

local now = os.time()
local now_iso = os.date("!%Y-%m-%dT%H:%M:%SZ", now)
local ctx = check.context(rules, now)
for _, n in ipairs(ctx.notes) do say("%s", n) end

-- The state, locked for the run (a dry run only reads it) -----------------------
local dry = host.dry_run()
local state_path = opts.state or (mappings.path() .. ".alerts-state.json")
local st
if dry then
  st = state_lib.load(state_path)
else
  local err
  st, err = state_lib.open(state_path)
  if st == nil then
    say("another alerts run holds the lock of %s (%s); try again later", state_path, err)
    return 1
  end
end

-- The children, read concurrently --------------------------------------------------
local accounts = duo.accounts()
local selected = fanout.select(accounts, opts)
local filtered = #opts.account + #opts.org + #opts.tag + #opts.exclude_account + #opts.exclude_org
                 + #opts.exclude_tag > 0
local per_child = fanout.each(accounts, selected, function(child) return check.child(ctx, child) end,
                              { concurrency = opts.concurrency and math.tointeger(opts.concurrency) or nil,
                                progress = args.progress_mode(opts) })

local store = mappings.load()
local org_of = {}
for _, e in ipairs(store.organizations) do
  if e.duo_account_id then org_of[e.duo_account_id] = e end
end

local failed = 0
local read = {}      -- account_id -> { skipped = { rule = why } } for the children read
local current = {}   -- finding_id -> finding
for _, account in ipairs(selected) do
  local r = per_child[account.account_id]
  if r.error then
    failed = failed + 1
    say("%s (%s) could not be read: %s", account.name, account.account_id, tostring(r.error))
  else
    read[account.account_id] = r.result
    for rule, why in pairs(r.result.skipped) do
      say("%s (%s): %s skipped: %s", account.name, account.account_id, rule, why)
    end
    local org = org_of[account.account_id]
    for _, f in ipairs(r.result.findings) do
      local id = f.rule .. ":" .. account.account_id .. (f.subject and (":" .. f.subject) or "")
      current[id] = {
        source = "duo-lua", profile = pname, rule = f.rule, severity = f.severity, state = "new", finding_id = id,
        org_id = org and org.id or json.null, org = org and org.name or json.null,
        account_id = account.account_id, account = account.name, summary = f.summary, details = f.details,
      }
    end
  end
end
if not filtered then
  -- an account that is no longer a child: its findings are resolved
  local children = {}
  for _, a in ipairs(selected) do children[a.account_id] = true end
  for _, rec in pairs(st.findings) do
    local a = rec.finding.account_id
    if not children[a] then read[a] = read[a] or { skipped = {} } end
  end
end

-- What changed since the last run ---------------------------------------------------
local new_ids, resolved_ids = {}, {}
for id, f in pairs(current) do
  local rec = st.findings[id]
  if rec == nil then
    rec = { first_seen = now_iso, delivered = {}, tickets = {} }
    st.findings[id] = rec
    new_ids[id] = true
  elseif not rec.open then
    new_ids[id] = true   -- back before its resolution reached every channel
  end
  f.first_seen, f.last_seen = rec.first_seen, now_iso
  rec.finding, rec.last_seen, rec.open, rec.resolved_at = f, now_iso, true, nil
end
for id, rec in pairs(st.findings) do
  if current[id] == nil then
    local rule, seen = rec.finding.rule, read[rec.finding.account_id]
    if by_rule[rule] == nil then
      st.findings[id] = nil   -- the rule is off: forgotten, not resolved
    elseif seen and not seen.skipped[rule] and rec.open ~= false then
      rec.open, rec.resolved_at = false, now_iso
      resolved_ids[id] = true
    end
  end
end

-- Sending ------------------------------------------------------------------------------
local function as_sent(rec)
  local f = {}
  for k, v in pairs(rec.finding) do f[k] = v end
  f.state = rec.open and "new" or "resolved"
  return f
end

local ids = {}
for id in pairs(st.findings) do ids[#ids + 1] = id end
table.sort(ids)

local batches = {}   -- channel -> { ids }
for _, id in ipairs(ids) do
  local rec = st.findings[id]
  for c in pairs(rec.delivered) do
    if not configured[c] then rec.delivered[c], rec.tickets[c] = nil, nil end   -- a channel taken out of the config
  end
  local want = rec.open and targets(rec.finding.rule) or {}
  for _, c in ipairs(channel_names) do
    local send
    if rec.open then send = want[c] and rec.delivered[c] ~= "new"
    else send = run_channels[c] and rec.delivered[c] == "new" end
    if send then
      batches[c] = batches[c] or {}
      table.insert(batches[c], id)
    end
  end
end

local sent_to = {}     -- finding_id -> { channel names }
local channel_errors = {}
local function mark(id, c)
  sent_to[id] = sent_to[id] or {}
  table.insert(sent_to[id], c)
end

local function send_psa(c, ch, list)
  local ticket = require "workflows.lib.psa.ticket"
  local okd, desk = pcall(ticket.open, ch, nil, string.format("notify channel '%s'", c))
  if not okd then return tostring(desk) end
  local tstate, findings = {}, {}
  for i, id in ipairs(list) do
    tstate[id] = st.findings[id].tickets[c]
    findings[i] = as_sent(st.findings[id])
  end
  local done, failures = desk:send(findings, tstate)
  for _, d in ipairs(done) do
    local rec = st.findings[d.finding_id]
    rec.tickets[c] = tstate[d.finding_id]
    rec.delivered[c] = d.action == "opened" and "new" or "resolved"
    mark(d.finding_id, c)
  end
  if #failures > 0 then
    return string.format("%d of %d findings not sent: %s", #failures, #list, tostring(failures[1].error))
  end
end

local function send_notify(c, ch, list)
  local function deliver(part)
    local findings = {}
    for i, id in ipairs(part) do findings[i] = as_sent(st.findings[id]) end
    local okn, err = pcall(duo.notify, c, findings)
    if not okn then return tostring(err) end
    for _, id in ipairs(part) do
      st.findings[id].delivered[c] = st.findings[id].open and "new" or "resolved"
      mark(id, c)
    end
  end
  if ch.kind == "webhook" then   -- one request per finding: each one kept as sent or pending on its own
    for i, id in ipairs(list) do
      local err = deliver{ id }
      if err then return string.format("%d of %d findings not sent: %s", #list - i + 1, #list, err) end
    end
    return nil
  end
  return deliver(list)
end

for _, c in ipairs(channel_names) do
  local list = batches[c]
  if list then
    local ch = config.channel(c)
    if dry then
      io.stderr:write(string.format("dry-run: notify '%s' (%s): %d finding%s, not sent\n", c, ch.kind, #list,
                                    #list == 1 and "" or "s"))
      for _, id in ipairs(list) do mark(id, c) end
    else
      local err = (ch.kind == "psa_ticket" and send_psa or send_notify)(c, ch, list)
      if err then
        channel_errors[#channel_errors + 1] = { channel = c, error = err }
        say("channel '%s': %s; its findings are kept for the next run", c, err)
      end
    end
  end
end

-- Forget what is resolved everywhere; save --------------------------------------------
local open_count = 0
local shown = {}   -- the findings of this run's output
for _, id in ipairs(ids) do
  local rec = st.findings[id]
  if sent_to[id] or ((new_ids[id] or resolved_ids[id]) and #channel_names == 0) then
    local f = as_sent(rec)
    shown[#shown + 1] = { finding = f, channels = sent_to[id] or {} }
  end
  if rec.open then
    open_count = open_count + 1
  else
    local pending = false
    for _, what in pairs(rec.delivered) do if what == "new" then pending = true end end
    if not pending and not dry then st.findings[id] = nil end
  end
end
if not dry then
  st:save()
  st:close()
end

-- Output ---------------------------------------------------------------------------------
local ORDER = {}
for i, n in ipairs(rules_lib.ORDER) do ORDER[n] = i end
table.sort(shown, function(a, b)
  local x, y = a.finding, b.finding
  if x.state ~= y.state then return x.state == "new" end
  if x.rule ~= y.rule then return ORDER[x.rule] < ORDER[y.rule] end
  if x.account ~= y.account then return x.account:lower() < y.account:lower() end
  return x.finding_id < y.finding_id
end)

local rows = {}
local new_n, resolved_n = 0, 0
for i, s in ipairs(shown) do
  local row = {}
  for k, v in pairs(s.finding) do row[k] = v end
  if opts.format ~= "jsonl" then
    table.sort(s.channels)
    row.channels = json.array(s.channels)
  end
  rows[i] = row
  if row.state == "new" then new_n = new_n + 1 else resolved_n = resolved_n + 1 end
end

local columns = {
  { key = "severity", title = "SEVERITY" }, { key = "state", title = "STATE" }, { key = "rule", title = "RULE" },
  { key = "account", title = "ACCOUNT", format = function(v, row)
    if type(row.org) == "string" and row.org ~= v then return row.org .. " (" .. v .. ")" end
    return v
  end },
  { key = "summary", title = "SUMMARY" },
  { key = "channels", title = "CHANNELS", format = function(v) return table.concat(v, ", ") end },
}
local errors_out = json.array{}
for _, e in ipairs(channel_errors) do errors_out[#errors_out + 1] = e end
emit.rows(opts, rows, columns, {
  json = { profile = pname, dry_run = dry, findings = json.array(rows), open = open_count,
           children = #selected, failed_children = failed, errors = errors_out },
  after_table = function(out)
    out:write(string.format("%d new, %d resolved%s; %d open findings in %d child accounts%s\n", new_n, resolved_n,
                            dry and " (dry run: nothing sent)" or "", open_count, #selected,
                            #channel_names == 0 and "; no notify channel is configured" or ""))
  end,
})

if failed > 0 or #channel_errors > 0 then return 1 end
if #shown > 0 then return 3 end
return 0
