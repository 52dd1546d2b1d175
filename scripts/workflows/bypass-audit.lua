-- bypass-audit: every user in bypass status across the child accounts, with last login and bypass codes
local args = require "workflows.lib.args"
local emit = require "workflows.lib.emit"
local fanout = require "workflows.lib.fanout"
local json = require "duo.json"
local termtext = require "duo.termtext"

local NAME = "bypass-audit"
local HELP = [[
usage: duo-lua -w bypass-audit [--include-parent] [--format table|json|csv|jsonl]

Lists every user whose status is "bypass" (no second factor asked) in every
child account, read concurrently, with the last login and how many bypass
codes the user still holds. A child that cannot be read is named on stderr
and does not stop the others (the exit status is then 1).

  --include-parent  the parent account's own users too
  --format F        table (default), json, csv or jsonl (one user a line)
  --output FILE     write the output to FILE instead of standard output
  --account A       only this child account (name or ID; may repeat)
  --exclude-account A  leave this child account out (may repeat)
  --org O, --tag T  only the accounts of these organizations (name or id)
                  or tags of the mapping store (may repeat; --exclude-org O,
                  --exclude-tag T leave them out); --account also takes an
                  organization's name
  --profile P       the profile (default: the configured default)
  -h, --help        this text

--format json prints an array of {"account_id", "account", "user_id",
"username", "email", "status", "last_login", "bypass_codes"}: last_login in
Unix seconds or null (never logged in), bypass_codes the number of bypass
codes outstanding. The parent's rows have account_id null.
]]

local opts, rest = args.parse({
  name = NAME, help = HELP,
  options = args.with_fanout{ format = args.format{ "table", "json", "csv", "jsonl" }, output = args.OUTPUT,
                              ["include-parent"] = { flag = true } },
}, { ... })
if opts == nil then return rest end

local duo = require "duo"

-- The bypass users of one account, with their outstanding codes counted.
local function audit(admin, account_id, account_name)
  local found = {}
  for user in admin:get_users_iterator() do
    if type(user.status) == "string" and user.status:lower() == "bypass" then found[#found + 1] = user end
  end
  local codes = {}
  if #found > 0 then
    for code in admin:get_bypass_codes_generator() do
      local uid = type(code.user) == "table" and code.user.user_id
      if uid then codes[uid] = (codes[uid] or 0) + 1 end
    end
  end
  local rows = {}
  for i, u in ipairs(found) do
    rows[i] = { account_id = account_id, account = account_name, user_id = u.user_id, username = u.username,
                email = u.email or "", status = u.status, last_login = emit.orn(u.last_login),
                bypass_codes = codes[u.user_id] or 0 }
  end
  return rows
end

local accounts = duo.accounts()
local selected = fanout.select(accounts, opts)
local per_child = fanout.each(accounts, selected, function(child, account)
  return audit(child, account.account_id, account.name)
end)

local rows, failed = {}, 0
if opts.include_parent then
  local ok, parent_rows = pcall(audit, duo.admin(), json.null, "(parent)")
  if ok then
    for _, r in ipairs(parent_rows) do rows[#rows + 1] = r end
  else
    failed = failed + 1
    io.stderr:write(termtext.format("duo-lua: %s: the parent account: %s\n", NAME, tostring(parent_rows)))
  end
end
for _, account in ipairs(selected) do
  local r = per_child[account.account_id]
  if r.error then
    failed = failed + 1
    io.stderr:write(termtext.format("duo-lua: %s: %s (%s): %s\n", NAME, account.name, account.account_id,
                                  tostring(r.error)))
  else
    for _, row in ipairs(r.result) do rows[#rows + 1] = row end
  end
end
table.sort(rows, function(a, b)
  if a.account ~= b.account then return a.account:lower() < b.account:lower() end
  return a.username < b.username
end)

local columns = {
  { key = "account", title = "ACCOUNT" }, { key = "username", title = "USERNAME" },
  { key = "email", title = "EMAIL" }, { key = "status", title = "STATUS" },
  { key = "last_login", title = "LAST LOGIN", format = function(v) return emit.iso(v) or "never" end },
  { key = "bypass_codes", title = "CODES" }, { key = "user_id", title = "USER ID" },
  { key = "account_id", title = "ACCOUNT ID" },
}
emit.rows(opts, rows, columns, { after_table = function(out)
  out:write(termtext.format("%d users in bypass across %d accounts\n", #rows,
                          #selected + (opts.include_parent and 1 or 0)))
end })

if failed > 0 then
  io.stderr:write(termtext.format("duo-lua: %s: %d accounts could not be read\n", NAME, failed))
  return 1
end
return 0
