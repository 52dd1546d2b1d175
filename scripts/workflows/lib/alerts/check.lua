-- One child account against the alerts rules: reads only what the rules
-- in force need (each read once), and returns the findings, one per user
-- for rules about users, one per account for rules about the account.
--
--   local check = require "workflows.lib.alerts.check"
--   local ctx = check.context(rules, now)        -- once per run (baseline read here)
--   local r = check.child(ctx, child, account)   -- { findings = {...}, skipped = { rule = why } }
--
-- A finding here: { rule, severity, subject, summary, details }; the
-- workflow adds the account, the organization, the id and the times.
-- A rule whose call Duo refuses (an "api" error: a permission the keys
-- lack, billing not enabled) is skipped for that child, with the reason;
-- any other failure (network, paging) fails the whole child.
local errors = require "duo.error"
local json = require "duo.json"
local baselines = require "workflows.lib.baseline"
local pace = require "workflows.lib.pace"

local M = {}

local DAY = 86400
local LOG_DAYS = 180   -- how far Duo's logs reach back

local function str(v)
  return type(v) == "string" and v or nil
end

local function lower(v)
  return type(v) == "string" and v:lower() or ""
end

-- 64-bit FNV-1a of a text, as 16 hex digits: a stable id for subjects
-- that have no Duo id (an application known by its name in the log).
function M.hash(text)
  local h = 0xcbf29ce484222325
  for i = 1, #text do
    h = h ~ text:byte(i)
    h = h * 0x100000001b3
  end
  return string.format("%016x", h)
end

local function days_ago(now, t)
  return math.floor((now - t) / DAY)
end

local function iso(t)
  return os.date("!%Y-%m-%dT%H:%M:%SZ", math.floor(t))
end

local function description(event)
  local d = str(event.description)
  if d == nil then return {} end
  local ok, doc = pcall(json.decode, d)
  return ok and type(doc) == "table" and doc or {}
end

-- The run's context: the rules by name, the widest windows the reads
-- need, and each standards baseline read once.
function M.context(rules, now)
  local ctx = { now = now, rules = rules, by_name = {}, notes = {}, logs_rate = pace.logs_rate() }
  for _, r in ipairs(rules) do ctx.by_name[r.name] = r end
  local function days(name)
    local r = ctx.by_name[name]
    return r and r.params.days or 0
  end
  local sd = ctx.by_name.standards_drift
  if sd then
    if sd.params.baseline then
      ctx.baseline = baselines.load(sd.params.baseline)
    else
      ctx.notes[#ctx.notes + 1] = "standards_drift skipped: no baseline (set \"baseline\" for it in the rules file)"
    end
  end
  ctx.adminlog_days = math.max(days("admin_role_changed"), days("integration_created"),
                               days("global_policy_changed"))
  local spike = ctx.by_name.auth_denied_spike
  ctx.authlog_s = math.max(days("fraud_report") * DAY, spike and spike.params.window_s or 0)
  return ctx
end

-- The reads, each made at most once per child; LOGS are paced to Duo's
-- limit of log requests (Trust Monitor counts as one).
local LOGS = { adminlog = true, authlog = true, trust = true }
local READERS = {
  users = function(child) return child:get_users() end,
  bypass_codes = function(child) return child:get_bypass_codes() end,
  admins = function(child) return child:get_admins() end,
  credits = function(child) return child:get_telephony_credits() end,
  adminlog = function(child, ctx, since) return child:get_administrator_log{ mintime = since } end,
  authlog = function(child, ctx)
    local now_ms = ctx.now * 1000
    return child:get_authentication_log{ mintime = now_ms - ctx.authlog_s * 1000, maxtime = now_ms }
  end,
  trust = function(child, ctx)
    local now_ms = ctx.now * 1000
    local out = {}
    for e in child:get_trust_monitor_events_iterator(now_ms - ctx.by_name.trust_monitor_event.params.days * DAY * 1000,
                                                      now_ms) do
      out[#out + 1] = e
    end
    return out
  end,
}

-- The users in bypass, and since when each has been (see bypass_since).
local function bypass_users(data)
  local out = {}
  for _, u in ipairs(data("users")) do
    if lower(u.status) == "bypass" then out[#out + 1] = u end
  end
  return out
end

-- Since when a user has been in bypass, from what Duo shows: the latest
-- administrator-log event that gave the user the bypass status (a
-- user_update or user_create whose description sets "status" to bypass).
-- Without one in the log (it reaches back 180 days), the user has been in
-- bypass at least since the log's start, or since being created when that
-- is later. Returns the time and where it came from.
local function bypass_since(ctx, log, user)
  local latest
  for _, e in ipairs(log) do
    local a = str(e.action)
    if (a == "user_update" or a == "user_create") and lower(e.object) == lower(user.username)
       and lower(description(e).status) == "bypass" and math.type(e.timestamp) == "integer" then
      if latest == nil or e.timestamp > latest then latest = e.timestamp end
    end
  end
  if latest then return latest, "administrator log" end
  local start = ctx.now - LOG_DAYS * DAY
  if math.type(user.created) == "integer" and user.created > start then return user.created, "user created" end
  return start, "before the administrator log's 180 days"
end

local EVAL = {}

function EVAL.bypass_user(ctx, rule, data, add)
  local users = bypass_users(data)
  if #users == 0 then return end
  local log = data("adminlog", ctx.now - LOG_DAYS * DAY)
  for _, u in ipairs(users) do
    local since, source = bypass_since(ctx, log, u)
    local days = days_ago(ctx.now, since)
    if ctx.now - since > rule.params.days * DAY then
      add(u.user_id, string.format("%s has been in bypass for %s%d days", u.username,
                                   source:match("^before") and "more than " or "", days),
          { user_id = u.user_id, username = u.username, email = str(u.email) or json.null, days = days,
            since = iso(since), since_source = source })
    end
  end
end

function EVAL.bypass_code_old(ctx, rule, data, add)
  local per_user = {}
  local limit = ctx.now - rule.params.days * DAY
  for _, c in ipairs(data("bypass_codes")) do
    local u = type(c.user) == "table" and c.user or nil
    if u and str(u.user_id) and math.type(c.created) == "integer" and c.created < limit then
      local p = per_user[u.user_id]
      if p == nil then
        p = { user = u, count = 0, oldest = c.created }
        per_user[u.user_id] = p
        per_user[#per_user + 1] = p
      end
      p.count = p.count + 1
      if c.created < p.oldest then p.oldest = c.created end
    end
  end
  for _, p in ipairs(per_user) do
    local u = p.user
    add(u.user_id, string.format("%s holds %d bypass code%s older than %d days (oldest %d days)",
                                 tostring(u.username), p.count, p.count == 1 and "" or "s", rule.params.days,
                                 days_ago(ctx.now, p.oldest)),
        { user_id = u.user_id, username = str(u.username) or json.null, codes = p.count,
          oldest_created = iso(p.oldest) })
  end
end

function EVAL.locked_out_users(ctx, rule, data, add)
  for _, u in ipairs(data("users")) do
    local s = lower(u.status)
    if s == "locked out" or s == "locked_out" then
      add(u.user_id, string.format("%s is locked out", u.username),
          { user_id = u.user_id, username = u.username, email = str(u.email) or json.null,
            lockout_reason = str(u.lockout_reason) or json.null })
    end
  end
end

function EVAL.new_admin(ctx, rule, data, add)
  for _, a in ipairs(data("admins")) do
    if math.type(a.created) == "integer" and ctx.now - a.created <= rule.params.days * DAY then
      add(a.admin_id, string.format("new administrator %s <%s> (%s), created %s", tostring(a.name),
                                    tostring(a.email), tostring(a.role), iso(a.created)),
          { admin_id = a.admin_id, name = str(a.name) or json.null, email = str(a.email) or json.null,
            role = str(a.role) or json.null, created = iso(a.created) })
    end
  end
end

-- Administrator-log events of the last `days` with one of the actions.
local function recent(ctx, data, days, actions)
  local since = ctx.now - days * DAY
  local out = {}
  for _, e in ipairs(data("adminlog", ctx.now - ctx.adminlog_days * DAY)) do
    if actions[str(e.action) or ""] and math.type(e.timestamp) == "integer" and e.timestamp >= since then
      out[#out + 1] = e
    end
  end
  table.sort(out, function(a, b) return a.timestamp > b.timestamp end)   -- the latest first
  return out
end

function EVAL.admin_role_changed(ctx, rule, data, add)
  local by_name = {}
  for _, a in ipairs(data("admins")) do
    if str(a.name) then by_name[a.name:lower()] = a end
    if str(a.email) then by_name[a.email:lower()] = a end
  end
  local seen = {}
  for _, e in ipairs(recent(ctx, data, rule.params.days, { admin_update = true })) do
    local d = description(e)
    local role = str(d.role)
    if role then
      local a = by_name[lower(e.object)]
      local subject = a and a.admin_id or M.hash(lower(e.object))
      if not seen[subject] then
        seen[subject] = true
        add(subject, string.format("the role of administrator %s was changed to %s by %s on %s", tostring(e.object),
                                   role, tostring(e.username), iso(e.timestamp)),
            { admin_id = a and a.admin_id or json.null, admin = str(e.object) or json.null, role = role,
              changed_by = str(e.username) or json.null, changed_at = iso(e.timestamp) })
      end
    end
  end
end

function EVAL.telephony_credits_low(ctx, rule, data, add)
  local r = data("credits")
  local credits = type(r) == "table" and r.credits
  if math.type(credits) == "integer" and credits < rule.params.below then
    add(nil, string.format("%d telephony credits left (below %s)", credits, tostring(rule.params.below)),
        { credits = credits, below = rule.params.below })
  end
end

function EVAL.fraud_report(ctx, rule, data, add)
  local since_ms = (ctx.now - rule.params.days * DAY) * 1000
  local per_user = {}
  for _, e in ipairs(data("authlog")) do
    local ts = math.type(e.timestamp) == "integer" and e.timestamp * 1000 or nil
    if lower(e.result) == "fraud" and (ts == nil or ts >= since_ms) then
      local u = type(e.user) == "table" and e.user or {}
      local key = str(u.key) or str(u.name)
      if key then
        local p = per_user[key]
        if p == nil then
          p = { id = key, name = str(u.name) or key, count = 0, last = 0 }
          per_user[key] = p
          per_user[#per_user + 1] = p
        end
        p.count = p.count + 1
        if (e.timestamp or 0) > p.last then p.last = e.timestamp end
      end
    end
  end
  for _, p in ipairs(per_user) do
    add(p.id, string.format("%s reported %d authentication%s as fraud in the last %s day%s", p.name, p.count,
                            p.count == 1 and "" or "s", tostring(rule.params.days), rule.params.days == 1 and "" or "s"),
        { user_id = p.id, username = p.name, reports = p.count, last = p.last > 0 and iso(p.last) or json.null })
  end
end

function EVAL.trust_monitor_event(ctx, rule, data, add)
  for _, e in ipairs(data("trust")) do
    local sekey = str(e.sekey)
    if sekey then
      local who = (type(e.surfaced_auth) == "table" and type(e.surfaced_auth.user) == "table" and e.surfaced_auth.user)
                  or (type(e.bypass_status_enabled) == "table" and type(e.bypass_status_enabled.user) == "table"
                      and e.bypass_status_enabled.user) or {}
      local why = type(e.explanations) == "table" and type(e.explanations[1]) == "table"
                  and str(e.explanations[1].summary) or nil
      local ts = math.type(e.surfaced_timestamp) == "integer" and e.surfaced_timestamp // 1000 or nil
      add(sekey, string.format("Trust Monitor: %s event%s%s", tostring(e.type),
                               who.name and (" for " .. who.name) or "", why and why ~= "" and (": " .. why) or ""),
          { sekey = sekey, type = str(e.type) or json.null, username = str(who.name) or json.null,
            user_id = str(who.key) or json.null, explanation = why or json.null,
            surfaced = ts and iso(ts) or json.null, state = str(e.state) or json.null })
    end
  end
end

function EVAL.integration_created(ctx, rule, data, add)
  local seen = {}
  for _, e in ipairs(recent(ctx, data, rule.params.days, { integration_create = true })) do
    local name = str(e.object) or "?"
    local subject = M.hash(name)
    if not seen[subject] then
      seen[subject] = true
      add(subject, string.format("application '%s' created by %s on %s", name, tostring(e.username), iso(e.timestamp)),
          { integration = name, created_by = str(e.username) or json.null, created = iso(e.timestamp) })
    end
  end
end

function EVAL.global_policy_changed(ctx, rule, data, add)
  local changes = {}
  for _, e in ipairs(recent(ctx, data, rule.params.days, { policy_update = true, global_policy_update = true })) do
    local object = lower(e.object)
    if e.action == "global_policy_update" or object == "global policy" or object == "global" then
      changes[#changes + 1] = e
    end
  end
  if #changes > 0 then
    local last = changes[1]
    add(nil, string.format("the global policy was changed %d time%s in the last %s days, last by %s on %s", #changes,
                           #changes == 1 and "" or "s", tostring(rule.params.days), tostring(last.username),
                           iso(last.timestamp)),
        { changes = #changes, last_changed_by = str(last.username) or json.null, last_changed = iso(last.timestamp) })
  end
end

function EVAL.standards_drift(ctx, rule, data, add, child)
  if ctx.baseline == nil then return end
  local r = baselines.compare(child, ctx.baseline)
  if #r.drift > 0 then
    local names = {}
    for i, d in ipairs(r.drift) do names[i] = d.setting end
    add(nil, string.format("%d setting%s drift from the baseline: %s", #r.drift, #r.drift == 1 and "" or "s",
                           table.concat(names, ", ")),
        { baseline = ctx.baseline.path, drift = r.drift })
  end
end

function EVAL.auth_denied_spike(ctx, rule, data, add)
  local since_ms = (ctx.now - rule.params.window_s) * 1000
  local total, denied = 0, 0
  for _, e in ipairs(data("authlog")) do
    local ts = math.type(e.timestamp) == "integer" and e.timestamp * 1000 or nil
    if ts == nil or ts >= since_ms then
      total = total + 1
      local r = lower(e.result)
      if r == "denied" or r == "fraud" then denied = denied + 1 end
    end
  end
  if total >= rule.params.min_attempts and denied / total >= rule.params.ratio then
    add(nil, string.format("%d of %d authentications denied in the last %s (%.0f%%)", denied, total,
                           tostring(rule.params.window), denied / total * 100),
        { denied = denied, attempts = total, ratio = math.floor(denied / total * 1000 + 0.5) / 1000,
          window = rule.params.window })
  end
end

M.EVAL = EVAL

-- Runs the rules on one child (an Admin client); see the top.
function M.child(ctx, child)
  local cache = {}
  local wait = pace.window(ctx.logs_rate)
  local function data(what, arg)
    local c = cache[what]
    if c and (arg == nil or c.arg <= arg) then return c.value end
    if LOGS[what] then wait() end
    local value = READERS[what](child, ctx, arg)
    if type(value) ~= "table" then value = {} end
    cache[what] = { value = value, arg = arg or 0 }
    return value
  end
  local out = { findings = {}, skipped = {} }
  for _, rule in ipairs(ctx.rules) do
    local function add(subject, summary, details)
      out.findings[#out.findings + 1] = { rule = rule.name, severity = rule.severity, subject = subject,
                                          summary = summary, details = details }
    end
    local before = #out.findings
    local ok, err = pcall(EVAL[rule.name], ctx, rule, data, add, child)
    if not ok then
      if errors.is_error(err) and err.kind == "api" then
        for i = #out.findings, before + 1, -1 do out.findings[i] = nil end
        out.skipped[rule.name] = tostring(err)
      else
        error(err, 0)
      end
    end
  end
  return out
end

return M
