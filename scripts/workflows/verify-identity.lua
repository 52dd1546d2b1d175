-- verify-identity: the help desk's check that a caller is the user: a Duo verification push, and its answer
local args = require "workflows.lib.args"
local fanout = require "workflows.lib.fanout"
local finduser = require "workflows.lib.finduser"
local output = require "workflows.lib.output"
local host = require "workflows.lib.host"
local json = require "duo.json"
local termtext = require "duo.termtext"

local NAME = "verify-identity"
local HELP = [[
usage: duo-lua -w verify-identity (--username U | --email E) [--account NAME|ID]
                                  [--phone ID|NUMBER] [--text "..."] [--timeout 120]
                                  [--format table|json]

Sends a Duo verification push to the user (the Admin API's
send_verification_push: no Auth API application is needed in the child)
and waits for the answer, asking again every few seconds until the user
approves or denies, the push expires, or --timeout seconds have passed.
The user is looked up in every child account (or those named with
--account); a user found in several accounts needs --account.

  --username U    the username or an alias
  --email E       the e-mail address
  --account A     the child account (name or ID; may repeat to search several)
  --exclude-account A  leave this child account out (may repeat)
  --org O, --tag T  only the accounts of these organizations (name or id)
                  or tags of the mapping store (may repeat; --exclude-org O,
                  --exclude-tag T leave them out); --account also takes an
                  organization's name
  --phone P       the phone to push to (phone_id or number); default: the
                  user's first activated phone that can receive Duo Push
  --text T        a note for the record (shown in the output; Duo's push
                  shows its own text)
  --timeout S     seconds to wait for the answer (default 120)
  --interval S    seconds between two checks of the answer (default 3)
  --format F      table (default) or json
  --output FILE   write the output to FILE instead of standard output
  --dry-run       find the user and the phone, send nothing
  --profile P     the profile (default: the configured default)
  -h, --help      this text

--format json prints {"result": "approved|denied|timeout|error", "account_id",
"user_id", "push_id"} (under --dry-run "planned", push_id null).

Exit status: 0 approved, 3 denied (or reported as fraud), 4 no answer in
time, 1 error (no such user, no phone that takes Duo Push, a failed call),
2 usage error.
]]

local opts, rest = args.parse({
  name = NAME, help = HELP,
  options = args.with_fanout{
    username = { value = "U" }, email = { value = "E" }, phone = { value = "ID|NUMBER" },
    text = { value = "TEXT", empty_ok = true },
    timeout = { value = "SECONDS", number = true, min = 1, max = 3600, default = 120 },
    interval = { value = "SECONDS", number = true, min = 0.1, max = 60, default = 3 },
    format = args.format{ "table", "json" }, output = args.OUTPUT,
  },
}, { ... })
if opts == nil then return rest end
if (opts.username == nil) == (opts.email == nil) then
  return args.usage_error(NAME, "give one of --username U or --email E")
end

local duo = require "duo"

local EXIT = { approved = 0, denied = 3, timeout = 4, error = 1, planned = 0 }
-- Duo's answers, as this workflow reports them; anything else is still waiting.
local ANSWER = { approve = "approved", approved = "approved", allow = "approved",
                 deny = "denied", denied = "denied", fraud = "denied",
                 timeout = "timeout", expired = "timeout" }

local report = { result = "error", account_id = json.null, user_id = json.null, push_id = json.null }
local detail = {}

local function finish()
  local out, done = output.open(opts.output)
  if opts.format == "json" then
    output.json(report, out)
  else
    local lines = { string.format("result:   %s", report.result) }
    if detail.username then lines[#lines + 1] = string.format("user:     %s (%s)", detail.username, report.user_id) end
    if detail.account then lines[#lines + 1] = string.format("account:  %s (%s)", detail.account, report.account_id) end
    if detail.phone then lines[#lines + 1] = string.format("phone:    %s", detail.phone) end
    if report.push_id ~= json.null then lines[#lines + 1] = string.format("push_id:  %s", report.push_id) end
    if opts.text then lines[#lines + 1] = string.format("note:     %s", opts.text) end
    if detail.waited then lines[#lines + 1] = string.format("waited:   %.0f s", detail.waited) end
    for i, l in ipairs(lines) do lines[i] = termtext.cell(l) end
    out:write(table.concat(lines, "\n"), "\n")
  end
  done()
  return EXIT[report.result]
end

local function fail(fmt, ...)
  io.stderr:write(termtext.format("duo-lua: %s: " .. fmt .. "\n", NAME, ...))
  report.result = "error"
  return finish()
end

-- Which phone: --phone (ID or number, digits compared), else the first
-- activated phone able to take a push.
local function digits(s) return (tostring(s or ""):gsub("%D", "")) end
local function pick_phone(user)
  local phones = type(user.phones) == "table" and user.phones or {}
  if opts.phone then
    for _, p in ipairs(phones) do
      if p.phone_id == opts.phone or (digits(opts.phone) ~= "" and digits(p.number) == digits(opts.phone)) then
        return p
      end
    end
    return nil, string.format("the user has no phone '%s'", opts.phone)
  end
  for _, p in ipairs(phones) do
    local push = false
    for _, c in ipairs(type(p.capabilities) == "table" and p.capabilities or {}) do
      if c == "push" then push = true end
    end
    if p.activated == true and push then return p end
  end
  return nil, string.format("the user has no activated phone that takes Duo Push (%d phones)", #phones)
end

local accounts = duo.accounts()
local selected = fanout.select(accounts, opts)
local found, failures = finduser.everywhere(accounts, selected, opts)
for _, f in ipairs(failures) do
  io.stderr:write(termtext.format("duo-lua: %s: %s (%s): %s\n", NAME, f.account.name, f.account.account_id,
                                tostring(f.error)))
end
if #found == 0 then
  return fail("no user with the %s in %d child accounts", finduser.describe(opts), #selected)
end
if #found > 1 then
  local where = {}
  for i, m in ipairs(found) do where[i] = string.format("'%s' (%s)", m.account.name, m.account.account_id) end
  return fail("the %s is in %d accounts: %s; name one with --account", finduser.describe(opts), #found,
              table.concat(where, ", "))
end

local match = found[1]
local user = match.user
report.account_id, report.user_id = match.account.account_id, user.user_id
detail.account, detail.username = match.account.name, user.username
local phone, why = pick_phone(user)
if phone == nil then return fail("%s in %s: %s", user.username, match.account.name, why) end
detail.phone = string.format("%s %s (%s)", phone.number or "", phone.platform or "", phone.phone_id)

local child = accounts:child(match.account.account_id)
local sent = child:send_verification_push(user.user_id, phone.phone_id)
if sent == nil and host.dry_run() then
  report.result = "planned"
  return finish()
end
if type(sent) ~= "table" or type(sent.push_id) ~= "string" then
  return fail("the verification push gave no push_id: %s", json.encode(sent))
end
report.push_id = sent.push_id

local start = host.now_ms()
local deadline = start + opts.timeout * 1000
while true do
  local answer = child:get_verification_push_response(user.user_id, sent.push_id)
  local result = type(answer) == "table" and ANSWER[tostring(answer.result):lower()]
  if result then
    report.result = result
    break
  end
  local left = deadline - host.now_ms()
  if left <= 0 then
    report.result = "timeout"
    break
  end
  duo.sleep(math.min(opts.interval, left / 1000))
end
detail.waited = (host.now_ms() - start) / 1000
return finish()
