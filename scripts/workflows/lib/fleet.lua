-- Reading the fleet: users per child account by status and enrolment
-- (user-counts), and for the report also each child's administrators,
-- edition, telephony credits and authentication outcomes. Children are
-- read concurrently; a child that fails keeps its error and does not
-- stop the others.
--
--   local fleet = require "workflows.lib.fleet"
--   local rows, failed = fleet.read(duo.accounts())
--   local rows, failed = fleet.read(accounts, { details = true, account = { "Acme Corp" } })
--
-- A row: { account_id, name, total, active, enrolled, bypass, disabled,
-- locked_out, pending_deletion, error } (counts json.null and error a
-- message when the child failed, error json.null otherwise), sorted by
-- name. With details also admins, edition, telephony_credits and auth
-- (result -> count over the last AUTH_DAYS days), each fleet.NA when Duo
-- refused the call it comes from (billing endpoints not enabled, a
-- permission the keys lack), with the reason in row.unavailable[field].
local duo = require "duo"
local errors = require "duo.error"
local json = require "duo.json"
local fanout = require "workflows.lib.fanout"
local options = require "duo.options"
local output = require "workflows.lib.output"

local M = {}

M.COUNTS = { "total", "active", "enrolled", "bypass", "disabled", "locked_out", "pending_deletion" }
M.DETAILS = { "admins", "edition", "telephony_credits", "auth" }
M.AUTH_DAYS = 30
M.NA = setmetatable({}, { __name = "fleet.NA", __tostring = function() return "n/a" end })

local STATUS_FIELD = { active = "active", bypass = "bypass", disabled = "disabled",
                       ["locked out"] = "locked_out", locked_out = "locked_out",
                       ["pending deletion"] = "pending_deletion", pending_deletion = "pending_deletion" }

local OPTIONS = { details = "boolean", users = "boolean", account = "table", exclude_account = "table",
                  org = "table", exclude_org = "table", tag = "table", exclude_tag = "table", concurrency = "integer",
                  progress = "string|boolean" }

-- The lists of users a client acts on (report --org): not enrolled (of
-- those not disabled), in bypass, locked out.
M.USER_LISTS = { "not_enrolled", "bypass", "locked_out" }

local function listed(user)
  return { username = type(user.username) == "string" and user.username or "",
           email = type(user.email) == "string" and user.email or "" }
end

-- The user counts of one child (an Admin client); with lists, also
-- counts.users = { not_enrolled, bypass, locked_out } ({ username, email }
-- each, sorted by username).
function M.count_users(child, lists)
  local c = {}
  for _, k in ipairs(M.COUNTS) do c[k] = 0 end
  local users = lists and { not_enrolled = {}, bypass = {}, locked_out = {} }
  for user in child:get_users_iterator() do
    c.total = c.total + 1
    local field = STATUS_FIELD[type(user.status) == "string" and user.status:lower() or ""]
    if field then c[field] = c[field] + 1 end
    if user.is_enrolled == true then c.enrolled = c.enrolled + 1 end
    if users then
      if user.is_enrolled ~= true and field ~= "disabled" then users.not_enrolled[#users.not_enrolled + 1] = listed(user) end
      if users[field] then users[field][#users[field] + 1] = listed(user) end
    end
  end
  if users then
    for _, list in pairs(users) do table.sort(list, function(a, b) return a.username < b.username end) end
    c.users = users
  end
  return c
end

-- fn(child) -> value, or NA and the reason when Duo refused the call.
-- Other failures (a Lua error, a cancellation) are raised.
local function optional(fn, child)
  local ok, v = pcall(fn, child)
  if ok then return v end
  if errors.is_error(v) and v.kind == "api" then return M.NA, tostring(v) end
  error(v, 0)
end

-- Counts per result ("SUCCESS", "FAILURE", ...) since `since` (Unix seconds).
local function auth_outcomes(child, since)
  local r = child:get_authentication_attempts{ mintime = since }
  if type(r) == "table" and type(r.authentication_attempts) == "table" then r = r.authentication_attempts end
  local out = {}
  for result, n in pairs(type(r) == "table" and r or {}) do
    if type(result) == "string" and math.type(n) == "integer" and result ~= "maxtime" and result ~= "mintime" then
      out[result:upper()] = (out[result:upper()] or 0) + n
    end
  end
  return out
end

-- A child's details come from three calls, all at once (tasks of this
-- child's task) beside the users, so a report takes about as long as the
-- counts alone: the account summary (administrators, telephony credits),
-- the edition and the authentication attempts. The edition and the
-- credits are both billing figures: where Duo refuses the edition (billing
-- endpoints not enabled) the credits are n/a for the same reason, though
-- the summary has a number for them.
local function read_details(child)
  local since = os.time() - M.AUTH_DAYS * 86400
  local summary = duo.spawn(optional, function(c) return c:get_info_summary() end, child)
  local edition = duo.spawn(optional, function(c)
    local r = c:get_edition()
    return type(r) == "table" and type(r.edition) == "string" and r.edition or M.NA
  end, child)
  local auth = duo.spawn(optional, function(c) return auth_outcomes(c, since) end, child)
  local details, unavailable = {}, {}
  local s, s_why = summary:wait()
  details.edition, unavailable.edition = edition:wait()
  details.auth, unavailable.auth = auth:wait()
  local function from_summary(field)
    if s == M.NA then return M.NA, s_why end
    return math.type(s[field]) == "integer" and s[field] or M.NA
  end
  details.admins, unavailable.admins = from_summary("admin_count")
  details.telephony_credits, unavailable.telephony_credits = from_summary("telephony_credits_remaining")
  if unavailable.edition then
    details.telephony_credits, unavailable.telephony_credits = M.NA, unavailable.edition
  end
  return details, unavailable
end

local function read_child(child, opts)
  local r = {}
  local details = opts.details and duo.spawn(read_details, child)
  r.counts = M.count_users(child, opts.users)
  if details then r.details, r.unavailable = details:wait() end
  return r
end

local function row_of(account, result, err)
  local row = { account_id = account.account_id, name = account.name, error = json.null }
  for _, k in ipairs(M.COUNTS) do row[k] = result and result.counts[k] or json.null end
  if result and result.counts.users then row.users = result.counts.users end
  if result and result.details then
    for _, k in ipairs(M.DETAILS) do row[k] = result.details[k] end
    row.unavailable = result.unavailable
  end
  if err then row.error = tostring(err) end
  return row
end

-- Reads the children (those that opts.account, org, tag and their
-- exclude_ forms select, as fanout.select does); with opts.users each row
-- also has users (count_users' lists). Returns the rows, each with its
-- organization (org_id, org), sorted by name, and how many children failed.
function M.read(accounts, opts)
  opts = options.check(opts, OPTIONS, "fleet.read", 2)
  local selected = fanout.select(accounts, opts)
  local per_child = fanout.each(accounts, selected, function(child) return read_child(child, opts) end,
                                { concurrency = opts.concurrency, progress = opts.progress })
  local rows, failed = {}, 0
  local orgs = fanout.organizations()
  for _, account in ipairs(selected) do
    local r = per_child[account.account_id]
    if r then
      rows[#rows + 1] = fanout.org_fields(row_of(account, r.result, r.error), orgs)
      if r.error then failed = failed + 1 end
    end
  end
  table.sort(rows, output.by_name("name", "account_id"))
  return rows, failed
end

-- An earlier user-counts --format json output (user-counts --since,
-- report --since): its rows by account_id, each count checked.
function M.read_since(path)
  local doc = require("workflows.lib.jsonfile").read(path, "--since")
  if type(doc) ~= "table" or not json.is_array(doc) then
    errors.config("--since %s is not an earlier 'user-counts --format json' output (a JSON array)", path)
  end
  output.protect(path, "the --since file")
  local earlier = {}
  for _, row in ipairs(doc) do
    if type(row) == "table" and type(row.account_id) == "string" then
      -- counts are whole numbers from 0 to 2^53: a change can then never overflow
      for _, k in ipairs(M.COUNTS) do
        local v = row[k]
        if v ~= nil and v ~= json.null and not (math.type(v) == "integer" and v >= 0 and v <= 1 << 53) then
          errors.config("--since %s: account %s has %s = %s, not a count of users", path, row.account_id, k,
                        tostring(v))
        end
      end
      earlier[row.account_id] = row
    end
  end
  return earlier
end

-- A row's change since the earlier row (count minus the earlier count,
-- json.null where either is missing), or json.null without one.
function M.change(row, before)
  if before == nil or row.error ~= json.null then return json.null end
  local change = {}
  for _, k in ipairs(M.COUNTS) do
    local a, b = row[k], before[k]
    change[k] = (math.type(a) == "integer" and math.type(b) == "integer") and a - b or json.null
  end
  return change
end

-- The sum of each count over the rows that have it.
function M.totals(rows)
  local total = {}
  for _, k in ipairs(M.COUNTS) do total[k] = 0 end
  for _, row in ipairs(rows) do
    for _, k in ipairs(M.COUNTS) do
      if row[k] ~= json.null then total[k] = total[k] + row[k] end
    end
  end
  return total
end

return M
