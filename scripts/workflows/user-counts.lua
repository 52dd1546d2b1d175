-- user-counts: users per child account by status and enrolment, read concurrently
-- (SPEC section 6).
local args = require "workflows.lib.args"
local output = require "workflows.lib.output"
local fleet = require "workflows.lib.fleet"
local fanout = require "workflows.lib.fanout"
local json = require "duo.json"
local termtext = require "duo.termtext"

local NAME = "user-counts"
local HELP = [[
usage: duo-lua -w user-counts [--format table|json|csv] [--since FILE]

Counts the users of every child account: total, active, enrolled, bypass,
disabled, locked out (and pending deletion), reading the children
concurrently. A child that cannot be read shows its error and does not stop
the others (the exit status is then 1).

  --format F      table (default), json, csv or jsonl (one account a line)
  --since FILE    an earlier --format json output: each account also gets
                  the change since then (table: each count with its change,
                  "150 (-2)", and CHANGE the total's; csv: the columns
                  change_total, change_active, ... change_pending_deletion)
  --output FILE   write the output to FILE instead of standard output
  --account A     only this child account (name or ID; may repeat)
  --exclude-account A  leave this child account out (may repeat)
  --org O, --tag T  only the accounts of these organizations (name or id)
                  or tags of the mapping store (may repeat; --exclude-org O,
                  --exclude-tag T leave them out); --account also takes an
                  organization's name
  --progress      a status line on stderr every few seconds, also when it is
                  not a terminal (on a terminal a progress line is always drawn)
  --profile P     the profile (default: the configured default)
  -h, --help      this text

--format json prints an array with one object per child account:
{"account_id", "name", "total", "active", "enrolled", "bypass", "disabled",
"locked_out", "pending_deletion", "error"} (counts null and error a message
when the child failed, error null otherwise). With --since, also "change":
{"total": 3, "active": -1, ...}, this count minus the earlier one per field
(null for an account the earlier file does not have, or whose counts are
missing in either).
]]

local opts, rest = args.parse({
  name = NAME, help = HELP,
  options = args.with_fanout{ format = args.format{ "table", "json", "csv", "jsonl" }, output = args.OUTPUT,
                              since = { value = "FILE" }, progress = args.PROGRESS },
}, { ... })
if opts == nil then return rest end

local duo = require "duo"

-- --since: the earlier counts by account_id.
local earlier = opts.since and fleet.read_since(opts.since)

local selection = fanout.selection(opts)
selection.progress = args.progress_mode(opts)
local rows, failed = fleet.read(duo.accounts(), selection)

if earlier then
  for _, row in ipairs(rows) do row.change = fleet.change(row, earlier[row.account_id]) end
end

-- A count's change since --since: an integer, or nil (none known).
local function change_of(row, k)
  local c = type(row.change) == "table" and row.change[k]
  return math.type(c) == "integer" and c or nil
end

-- With --since, a table cell shows the count and its change: "150 (-2)".
local function count_cell(k)
  if not earlier then return nil end
  return function(v, row)
    local c = change_of(row, k)
    if v == json.null or c == nil or c == 0 then return v end
    return string.format("%s (%+d)", tostring(v), c)
  end
end

local columns = {
  { key = "name", title = "ACCOUNT" }, { key = "account_id", title = "ACCOUNT ID" },
  { key = "total", title = "TOTAL", format = count_cell("total") },
  { key = "active", title = "ACTIVE", format = count_cell("active") },
  { key = "enrolled", title = "ENROLLED", format = count_cell("enrolled") },
  { key = "bypass", title = "BYPASS", format = count_cell("bypass") },
  { key = "disabled", title = "DISABLED", format = count_cell("disabled") },
  { key = "locked_out", title = "LOCKED OUT", format = count_cell("locked_out") },
  { key = "pending_deletion", title = "PENDING DEL", format = count_cell("pending_deletion") },
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
  if earlier then
    -- one column per count: change_total, change_active, ... (empty: not known)
    for _, k in ipairs(fleet.COUNTS) do
      csv_columns[#csv_columns + 1] = { key = "change_" .. k, csv = function(_, row) return change_of(row, k) end }
    end
  end
  output.csv(rows, csv_columns, out)
else
  for _, r in ipairs(rows) do
    if r.org ~= json.null then   -- the organization's name beside the Duo name (SPEC section 8)
      table.insert(columns, 2, { key = "org", title = "ORGANIZATION" })
      break
    end
  end
  if failed > 0 then columns[#columns + 1] = { key = "error", title = "ERROR" } end
  if earlier then
    columns[#columns + 1] = { key = "change", title = "CHANGE", format = function(v)
      if type(v) ~= "table" or math.type(v.total) ~= "integer" then return v == nil and "" or "new" end
      return string.format("%+d", v.total)
    end }
  end
  local total = fleet.totals(rows)
  total.name, total.account_id, total.org = "(all)", "", ""
  if earlier then
    -- the fleet's change: the sum of the changes known
    total.change = {}
    for _, k in ipairs(fleet.COUNTS) do
      local sum
      for _, row in ipairs(rows) do
        local c = change_of(row, k)
        if c then sum = (sum or 0) + c end
      end
      total.change[k] = sum or json.null
    end
  end
  local shown = { table.unpack(rows) }
  shown[#shown + 1] = total
  output.table(shown, columns, out)
end
finish()

if failed > 0 then
  io.stderr:write(termtext.format("duo-lua: user-counts: %d of %d child accounts could not be read\n", failed, #rows))
  return 1
end
return 0
