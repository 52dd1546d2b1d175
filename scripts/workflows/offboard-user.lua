-- offboard-user: find a user in every child account at once, then disable, delete or directory-sync it
local args = require "workflows.lib.args"
local emit = require "workflows.lib.emit"
local fanout = require "workflows.lib.fanout"
local confirm = require "workflows.lib.confirm"
local finduser = require "workflows.lib.finduser"
local output = require "workflows.lib.output"
local host = require "workflows.lib.host"
local json = require "duo.json"
local termtext = require "duo.termtext"
local writes = require "workflows.lib.writes"

local NAME = "offboard-user"
local HELP = [[
usage: duo-lua -w offboard-user (--username U | --email E) --action disable|delete|sync
                                [--yes] [--all-matches] [--format table|json]

Finds the user in every child account at once (by username or alias, or by
e-mail address), prints the plan, asks "Proceed? [y/N]", then acts on every
match concurrently:

  disable   set the user's status to disabled (reversible)
  delete    delete the user (Duo keeps it in the trash for a while)
  sync      run the directory sync of that username with the directory key
            of the child's organization in the mapping store (a user gone
            from the directory is marked for deletion)

  --username U    the username or an alias
  --email E       the e-mail address
  --action A      disable, delete or sync
  --yes           act without asking (needed when there is no terminal)
  --all-matches   with --yes: act on the matches in every organization
                  (child account), not only when there is one
  --dry-run       show the plan and the requests, send no write
  --format F      table (default) or json
  --output FILE   write the output to FILE instead of standard output
  --account A     only this child account (name or ID; may repeat)
  --exclude-account A  leave this child account out (may repeat)
  --org O, --tag T  only the accounts of these organizations (name or id)
                  or tags of the mapping store (may repeat; --exclude-org O,
                  --exclude-tag T leave them out); --account also takes an
                  organization's name
  --profile P     the profile (default: the configured default)
  -h, --help      this text

--format json prints {"matches": [{"account_id", "account", "user_id",
"username", "email", "status"}], "actions": [{"account_id", "user_id",
"action", "result": "done|planned|already disabled|error", "error"}]}.
--dry-run and a declined prompt give "planned" and send no write; a user
already disabled is "already disabled" and gets no write.

The same username (or address) in several organizations (child accounts)
is usually several people. The plan says so, and with --yes (no prompt
to read) the run acts on more than one organization only when it is told
to: --all-matches, or --account to choose them; otherwise it refuses with
exit status 2 and sends nothing.

Interrupted (Ctrl-C, SIGTERM, SIGHUP), it lists the writes done, those in
flight (unknown: they may have landed) and those not sent; every run keeps
a journal of its writes (JSON lines: planned, sent, result) in the state
folder, named on stderr, so that even after a kill what was sent is known.
A rerun finds the users still to do: deleted ones are gone, disabled ones
say "already disabled".

Exit status: 0 every action done (or planned under --dry-run), 1 a failure,
no such user, or a declined prompt, 2 usage error (or no terminal to ask on
without --yes, or --yes alone for matches in several organizations).
]]

local opts, rest = args.parse({
  name = NAME, help = HELP,
  options = args.with_fanout{
    username = { value = "U" }, email = { value = "E" },
    action = { value = "ACTION", choices = { "disable", "delete", "sync" }, required = true },
    yes = args.YES, ["all-matches"] = { flag = true }, format = args.format{ "table", "json" },
    output = args.OUTPUT,
  },
}, { ... })
if opts == nil then return rest end
if (opts.username == nil) == (opts.email == nil) then
  return args.usage_error(NAME, "give one of --username U or --email E")
end

local duo = require "duo"

local accounts = duo.accounts()
local selected = fanout.select(accounts, opts)
local found, failures = finduser.everywhere(accounts, selected, opts)
for _, f in ipairs(failures) do
  io.stderr:write(termtext.format("duo-lua: %s: %s (%s): %s\n", NAME, f.account.name, f.account.account_id,
                                tostring(f.error)))
end

-- sync needs each child's directory key from the mapping store.
local keys = {}
if opts.action == "sync" and #found > 0 then
  local store = require("workflows.lib.store").load()
  for _, org in ipairs(store.organizations) do
    if org.duo_account_id and org.duo_admin_api_directory_key then
      keys[org.duo_account_id] = org.duo_admin_api_directory_key
    end
  end
end

local matches, actions = json.array{}, json.array{}
for i, m in ipairs(found) do
  local u = m.user
  matches[i] = { account_id = m.account.account_id, account = m.account.name, user_id = u.user_id,
                 username = u.username, email = u.email or "", status = u.status }
  actions[i] = { account_id = m.account.account_id, user_id = u.user_id, action = opts.action,
                 result = "planned", error = json.null }
  if opts.action == "disable" and u.status == "disabled" then
    actions[i].result = "already disabled"   -- a rerun after an interruption: nothing to send
  elseif opts.action == "sync" and keys[m.account.account_id] == nil then
    actions[i].result = "error"
    actions[i].error = string.format("no directory key for %s in the mapping store: add it with "
                                     .. "duo-lua -w mappings set --org NAME --account %s --directory-key KEY",
                                     m.account.name, m.account.account_id)
  end
end

local function act(i)
  local m, a = found[i], actions[i]
  local child = accounts:child(m.account.account_id)
  local r
  if opts.action == "disable" then
    r = child:update_user(m.user.user_id, { status = "disabled" })
  elseif opts.action == "delete" then
    r = child:delete_user(m.user.user_id)
  else
    r = child:sync_user(m.user.username, keys[m.account.account_id])
  end
  if r == nil and host.dry_run() then return end   -- --dry-run: shown, not sent
  a.result = "done"
end

local status = 0
local todo = {}
for i, a in ipairs(actions) do
  if a.result == "planned" then todo[#todo + 1] = i end
end

-- The organizations (child accounts) the planned actions are in, in order.
local orgs, seen_org = {}, {}
for _, i in ipairs(todo) do
  local m = matches[i]
  if not seen_org[m.account_id] then
    seen_org[m.account_id] = true
    orgs[#orgs + 1] = string.format("%s (%s)", m.account, m.account_id)
  end
end
local several = #orgs > 1
if several then
  io.stderr:write(termtext.format("%s: the %s matches in %d organizations (child accounts): %s; these are "
                                  .. "probably different people\n", NAME, finduser.describe(opts), #orgs,
                                  table.concat(orgs, ", ")))
  if opts.yes and not opts.all_matches and not (opts.account and #opts.account > 0) and not host.dry_run() then
    io.stderr:write(termtext.format("duo-lua: %s: not acting in %d organizations at once: add --all-matches "
                                    .. "to act on every match, or choose with --account NAME|ID\n", NAME, #orgs))
    todo, status = {}, args.EXIT_USAGE
  end
end
if #found == 0 then
  io.stderr:write(termtext.format("duo-lua: %s: no user with the %s in %d child accounts\n", NAME,
                                finduser.describe(opts), #selected))
  status = 1
elseif #todo > 0 then
  if opts.format == "table" and not host.dry_run() then
    io.stderr:write(termtext.format("%s: plan: %s %d users:\n", NAME, opts.action, #todo))
    for _, i in ipairs(todo) do
      io.stderr:write(termtext.format("  %s  %s (%s) in %s\n", opts.action, matches[i].username,
                                    matches[i].user_id, matches[i].account))
    end
  end
  local ok, why = confirm.ask(NAME, opts.yes, string.format("%s %d users%s", opts.action, #todo,
                                                              several and (" in " .. #orgs .. " organizations") or ""))
  if ok then
    local _, errs = writes.parallel(NAME, todo, function(i) act(i) end, function(i)
      return string.format("%s %s (%s) in %s", opts.action, matches[i].username, matches[i].user_id,
                           matches[i].account)
    end)
    for _, e in ipairs(errs) do
      actions[e.item].result = "error"
      actions[e.item].error = tostring(e.error)
    end
  else
    status = why
  end
end
for _, a in ipairs(actions) do
  if a.result == "error" and status == 0 then status = 1 end
end
if #failures > 0 and status == 0 then status = 1 end

if opts.format == "json" then
  local out, finish = output.open(opts.output)
  output.json({ matches = matches, actions = actions }, out)
  finish()
else
  local rows = {}
  for i, m in ipairs(matches) do
    rows[i] = { account = m.account, username = m.username, email = m.email, status = m.status,
                user_id = m.user_id, action = actions[i].action, result = actions[i].result,
                error = actions[i].error }
  end
  emit.rows(opts, rows, {
    { key = "account", title = "ACCOUNT" }, { key = "username", title = "USERNAME" },
    { key = "email", title = "EMAIL" }, { key = "status", title = "STATUS" },
    { key = "user_id", title = "USER ID" }, { key = "action", title = "ACTION" },
    { key = "result", title = "RESULT" }, { key = "error", title = "ERROR" },
  })
end
return status
