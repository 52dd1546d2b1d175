-- user-counts: users per child account by status and enrolment, read concurrently
-- (SPEC section 6).
local args = require "workflows.lib.args"
local output = require "workflows.lib.output"
local fanout = require "workflows.lib.fanout"
local json = require "duo.json"

local NAME = "user-counts"
local HELP = [[
usage: duo-lua -w user-counts [--format table|json|csv]

Counts the users of every child account: total, active, enrolled, bypass,
disabled, locked out (and pending deletion), reading the children
concurrently. A child that cannot be read shows its error and does not stop
the others (the exit status is then 1).

  --format F      table (default), json, csv or jsonl (one account a line)
  --output FILE   write the output to FILE instead of standard output
  --account A     only this child account (name or ID; may repeat)
  --exclude-account A  leave this child account out (may repeat)
  --profile P     the profile (default: the configured default)
  -h, --help      this text

--format json prints an array with one object per child account:
{"account_id", "name", "total", "active", "enrolled", "bypass", "disabled",
"locked_out", "pending_deletion", "error"} (counts null and error a message
when the child failed, error null otherwise).
]]

local opts, rest = args.parse({
  name = NAME, help = HELP,
  options = args.with_fanout{ format = args.format{ "table", "json", "csv", "jsonl" }, output = args.OUTPUT },
}, { ... })
if opts == nil then return rest end

local duo = require "duo"

local COUNTS = { "total", "active", "enrolled", "bypass", "disabled", "locked_out", "pending_deletion" }
local STATUS_FIELD = { active = "active", bypass = "bypass", disabled = "disabled",
                       ["locked out"] = "locked_out", locked_out = "locked_out",
                       ["pending deletion"] = "pending_deletion", pending_deletion = "pending_deletion" }

local accounts = duo.accounts()
local selected = fanout.select(accounts, opts)
local per_child = fanout.each(accounts, selected, function(child)
  local c = {}
  for _, k in ipairs(COUNTS) do c[k] = 0 end
  for user in child:get_users_iterator() do
    c.total = c.total + 1
    local field = STATUS_FIELD[type(user.status) == "string" and user.status:lower() or ""]
    if field then c[field] = c[field] + 1 end
    if user.is_enrolled == true then c.enrolled = c.enrolled + 1 end
  end
  return c
end)

local rows = {}
local failed = 0
for _, account in ipairs(selected) do
  local r = per_child[account.account_id]
  if r then
    local row = { account_id = account.account_id, name = account.name, error = json.null }
    for _, k in ipairs(COUNTS) do row[k] = r.result and r.result[k] or json.null end
    if r.error then
      row.error = tostring(r.error)
      failed = failed + 1
    end
    rows[#rows + 1] = row
  end
end
table.sort(rows, function(a, b)
  local x, y = a.name:lower(), b.name:lower()
  if x ~= y then return x < y end
  return a.account_id < b.account_id
end)

local columns = {
  { key = "name", title = "ACCOUNT" }, { key = "account_id", title = "ACCOUNT ID" },
  { key = "total", title = "TOTAL" }, { key = "active", title = "ACTIVE" },
  { key = "enrolled", title = "ENROLLED" }, { key = "bypass", title = "BYPASS" },
  { key = "disabled", title = "DISABLED" }, { key = "locked_out", title = "LOCKED OUT" },
  { key = "pending_deletion", title = "PENDING DEL" },
}

local out, finish = output.open(opts.output)
if opts.format == "json" then
  output.json(json.array(rows), out)
elseif opts.format == "jsonl" then
  output.jsonl(rows, out)
elseif opts.format == "csv" then
  local csv_columns = {}
  for i, c in ipairs(columns) do csv_columns[i] = { key = c.key } end
  csv_columns[#csv_columns + 1] = { key = "error" }
  output.csv(rows, csv_columns, out)
else
  if failed > 0 then columns[#columns + 1] = { key = "error", title = "ERROR" } end
  local total = { name = "(all)", account_id = "" }
  for _, k in ipairs(COUNTS) do total[k] = 0 end
  for _, row in ipairs(rows) do
    for _, k in ipairs(COUNTS) do
      if row[k] ~= json.null then total[k] = total[k] + row[k] end
    end
  end
  local shown = { table.unpack(rows) }
  shown[#shown + 1] = total
  output.table(shown, columns, out)
end
finish()

if failed > 0 then
  io.stderr:write(string.format("duo-lua: user-counts: %d of %d child accounts could not be read\n", failed, #rows))
  return 1
end
return 0
