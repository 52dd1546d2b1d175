-- standards: compare each child's settings and global policy with a baseline, report drift, apply it on request
local args = require "workflows.lib.args"
local fanout = require "workflows.lib.fanout"
local confirm = require "workflows.lib.confirm"
local output = require "workflows.lib.output"
local host = require "workflows.lib.host"
local json = require "duo.json"
local termtext = require "duo.termtext"
local writes = require "workflows.lib.writes"

local NAME = "standards"
local HELP = [[
usage: duo-lua -w standards --baseline FILE [--apply] [--yes] [--format table|json|csv|jsonl]
       duo-lua -w standards --capture ACCOUNT [--include-identity] [--output FILE]

Compares each child account's global settings (get_settings) and global
policy (get_policy_v2 "global") with a baseline, reads the children
concurrently and reports every drift. With --apply, asks "Proceed? [y/N]"
and then sets the drifted settings (update_settings) and policy sections
(update_policy_v2) to the baseline's values.

The baseline is a JSON object of setting names and wanted values; an
optional "policy" object holds global-policy sections (section name ->
wanted content). Only what the baseline names is compared.
  {"lockout_threshold": 10, "helpdesk_bypass": "limit",
   "policy": {"new_user": {"new_user_behavior": "enroll"}}}

  --baseline FILE  the baseline to compare with
  --capture A      print a baseline made from child account A (name or ID):
                   its settable settings and its global policy's sections,
                   less its identity settings (caller_id, fraud_email,
                   helpdesk_message, sms_message, timezone: each client's own)
  --include-identity  with --capture: keep the identity settings too
  --apply          set the drifted values, after the prompt
  --yes            apply without asking (needed when there is no terminal)
  --dry-run        show the changes --apply would send, send nothing
  --format F       table (default), json, csv or jsonl (one drift a line)
  --output FILE    write the output to FILE instead of standard output
  --account A      only this child account (name or ID; may repeat)
  --exclude-account A  leave this child account out (may repeat)
  --org O, --tag T  only the accounts of these organizations (name or id)
                  or tags of the mapping store (may repeat; --exclude-org O,
                  --exclude-tag T leave them out); --account also takes an
                  organization's name
  --profile P      the profile (default: the configured default)
  -h, --help       this text

--format json prints {"accounts": [{"account_id", "account", "drift":
[{"setting", "current", "wanted"}], "applied": false, "error": null}]};
a policy section's drift appears as "policy.SECTION.KEY" (or
"policy.SECTION" when the section is missing or not an object); --apply
sends the section as it is with the baseline's values over it.
A baseline that names identity settings gives every child the same value
on --apply: standards warns on standard error before asking.
Exit status: 0 no drift (or all of it applied), 3 drift found and not
applied, 1 a child failed or a change was refused, 2 usage error.
]]

local opts, rest = args.parse({
  name = NAME, help = HELP,
  options = args.with_fanout{
    baseline = { value = "FILE" }, capture = { value = "ACCOUNT" }, apply = { flag = true }, yes = args.YES,
    ["include-identity"] = { flag = true },
    format = args.format{ "table", "json", "csv", "jsonl" }, output = args.OUTPUT,
  },
}, { ... })
if opts == nil then return rest end
if (opts.baseline == nil) == (opts.capture == nil) then
  return args.usage_error(NAME, "give one of --baseline FILE or --capture ACCOUNT")
end
if opts.capture and opts.apply then return args.usage_error(NAME, "--apply goes with --baseline, not --capture") end
if opts.include_identity and not opts.capture then
  return args.usage_error(NAME, "--include-identity goes with --capture")
end

local duo = require "duo"
local baselines = require "workflows.lib.baseline"

local SETTABLE = baselines.SETTABLE

local accounts = duo.accounts()

-- --capture ------------------------------------------------------------------
if opts.capture then
  local account = accounts:child(opts.capture)
  local settings = account:get_settings()
  local baseline, left_out = {}, {}
  for k, v in pairs(settings) do
    if SETTABLE[k] and v ~= json.null then
      if baselines.IS_IDENTITY[k] and not opts.include_identity then
        left_out[#left_out + 1] = k
      else
        baseline[k] = v
      end
    end
  end
  if #left_out > 0 then
    table.sort(left_out)
    io.stderr:write(termtext.format("%s: left out the identity settings %s (each client's own; "
                                    .. "--include-identity keeps them)\n", NAME, table.concat(left_out, ", ")))
  end
  local policy = account:get_policy_v2("global")
  if type(policy) == "table" and type(policy.sections) == "table" and next(policy.sections) then
    baseline.policy = policy.sections
  end
  local out, finish = output.open(opts.output)
  output.json(baseline, out)
  finish()
  return 0
end

-- The baseline ------------------------------------------------------------------
local baseline = baselines.load(opts.baseline)
local identity = baselines.identity_names(baseline)
if opts.apply and #identity > 0 then
  io.stderr:write(termtext.format("duo-lua: %s: warning: %s sets identity settings (%s): --apply gives every "
                                  .. "selected child the same value\n", NAME, opts.baseline,
                                  table.concat(identity, ", ")))
end

local function compare(child)
  return baselines.compare(child, baseline)
end

local selected = fanout.select(accounts, opts)
local per_child = fanout.each(accounts, selected, compare)

local reports, found = json.array{}, {}
local failed, drifted = 0, 0
for _, account in ipairs(selected) do
  local r = per_child[account.account_id]
  local rep = { account_id = account.account_id, account = account.name, drift = json.array{}, applied = false,
                error = json.null }
  if r.error then
    rep.error = tostring(r.error)
    failed = failed + 1
  else
    rep.drift = r.result.drift
    if #rep.drift > 0 then
      drifted = drifted + 1
      found[#found + 1] = { report = rep, comparison = r.result }
    end
  end
  reports[#reports + 1] = rep
end

-- --apply ------------------------------------------------------------------------
local refused
if opts.apply and #found > 0 then
  local n = 0
  for _, x in ipairs(found) do n = n + #x.report.drift end
  local go, status = confirm.ask(NAME, opts.yes, string.format("change %d settings in %d accounts", n, #found))
  if not go then
    refused = status
  else
    local _, errs = writes.parallel(NAME, found, function(x)
      local sent = baselines.apply(accounts:child(x.report.account_id), baseline, x.comparison)
      x.report.applied = sent or not host.dry_run()
    end, function(x)
      return string.format("change %d settings in %s (%s)", #x.report.drift, x.report.account, x.report.account_id)
    end)
    for _, e in ipairs(errs) do
      e.item.report.error = tostring(e.error)
      failed = failed + 1
    end
  end
end

-- Output ---------------------------------------------------------------------------
local function show(v)
  if type(v) == "table" then return json.encode(v) end
  return v
end
local out, finish = output.open(opts.output)
if opts.format == "json" then
  output.json({ accounts = reports }, out)
else
  local rows = {}
  for _, rep in ipairs(reports) do
    if #rep.drift == 0 then
      rows[#rows + 1] = { account = rep.account, account_id = rep.account_id, setting = json.null,
                          current = json.null, wanted = json.null, applied = rep.applied, error = rep.error }
    end
    for _, d in ipairs(rep.drift) do
      rows[#rows + 1] = { account = rep.account, account_id = rep.account_id, setting = d.setting,
                          current = show(d.current), wanted = show(d.wanted), applied = rep.applied,
                          error = rep.error }
    end
  end
  if opts.format == "jsonl" then
    output.jsonl(rows, out)
  else
    local columns = {
      { key = "account", title = "ACCOUNT" }, { key = "setting", title = "SETTING",
        format = function(v, row) if v == json.null and row.error == json.null then return "(no drift)" end return v end },
      { key = "current", title = "CURRENT" }, { key = "wanted", title = "WANTED" },
      { key = "applied", title = "APPLIED" }, { key = "error", title = "ERROR" },
      { key = "account_id", title = "ACCOUNT ID" },
    }
    if opts.format == "csv" then output.csv(rows, columns, out) else
      output.table(rows, columns, out)
      out:write(termtext.format("%d of %d accounts drift from %s\n", drifted, #reports, opts.baseline))
    end
  end
end
finish()

if refused then return refused end
if failed > 0 then return 1 end
if drifted > 0 and not (opts.apply and not host.dry_run()) then return 3 end
return 0
