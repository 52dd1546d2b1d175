-- Logs: authentication (v2 cursors, and the deprecated v1), administrator,
-- activity, telephony, offline enrollment and Trust Monitor events.
local reply = require "sandbox.reply"
local S = require "sandbox.state"

local H = {}
local array = S.array

local DAY_MS = 86400 * 1000
local RETENTION_MS = 180 * DAY_MS
local V1_MAX = 1000

-- The [mintime, maxtime] window of a v2 log, in Unix milliseconds.
local function window_ms(ctx)
  local mintime, maxtime = ctx:int("mintime", nil, 0), ctx:int("maxtime", nil, 0)
  if mintime < 1e11 then reply.bad_param("mintime", "must be Unix milliseconds") end
  if maxtime < 1e11 then reply.bad_param("maxtime", "must be Unix milliseconds") end
  if mintime >= maxtime then reply.bad_param("mintime", "must be before maxtime") end
  if mintime < ctx:now() * 1000 - RETENTION_MS - 60000 then
    reply.bad_param("mintime", "logs are kept for 180 days")
  end
  return mintime, maxtime
end

local function sort_order(ctx)
  local sort = ctx:str("sort") or "ts:desc"
  if sort ~= "ts:desc" and sort ~= "ts:asc" then reply.bad_param("sort", "ts:asc or ts:desc") end
  return sort == "ts:asc"
end

local function page_size(ctx)
  local limit = ctx:int("limit", 100, 1, ctx.row.max_limit or 1000)
  if ctx.sb.page_cap and ctx.sb.page_cap < limit then return ctx.sb.page_cap end
  return limit
end

-- A set of the values of a list filter, or nil when not given.
local function filter_set(ctx, name)
  local list = ctx:list(name)
  if list == nil then return nil end
  local set = {}
  for _, v in ipairs(list) do set[v] = true end
  return set
end

H["GET /admin/v2/logs/authentication"] = function(ctx)
  local acct = ctx.account
  local mintime, maxtime = window_ms(ctx)
  local asc = sort_order(ctx)
  local size = page_size(ctx)
  local filters = {}
  for _, f in ipairs{ "users", "groups", "applications", "results", "reasons", "factors", "event_types",
                      "assessment", "detections" } do
    filters[f] = filter_set(ctx, f)
  end
  local group_names = {}
  if filters.groups then
    for id in pairs(filters.groups) do
      local g = acct.groups:get(id)
      if g then group_names[g.name] = true end
    end
  end
  local function keep(rec)
    if rec.ts_ms < mintime or rec.ts_ms > maxtime then return false end
    if filters.users and not filters.users[rec.user_id or ""] then return false end
    if filters.applications and not filters.applications[rec.application_key or ""] then return false end
    if filters.results and not filters.results[rec.result or "success"] then return false end
    if filters.reasons and not filters.reasons[rec.reason or "user_approved"] then return false end
    if filters.factors and not filters.factors[rec.factor or "duo_push"] then return false end
    if filters.event_types and not filters.event_types[rec.event_type or "authentication"] then return false end
    if filters.groups then
      local hit = false
      for _, name in ipairs(rec.groups or {}) do if group_names[name] then hit = true end end
      if not hit then return false end
    end
    return true
  end
  local matching = {}
  for _, rec in ipairs(acct.authlogs) do
    if keep(rec) then matching[#matching + 1] = rec end
  end
  if not asc then
    local n = #matching
    for i = 1, n // 2 do matching[i], matching[n + 1 - i] = matching[n + 1 - i], matching[i] end
  end
  local start = 1
  local cursor = ctx:str("next_offset")
  if cursor ~= nil then
    local ms, txid = cursor:match("^(%d+),(.+)$")
    if ms == nil then reply.bad_param("next_offset", "must be the pair metadata.next_offset gave") end
    ms = math.tointeger(tonumber(ms))
    start = #matching + 1
    for i, rec in ipairs(matching) do
      local after
      if rec.ts_ms == ms then after = (asc and rec.txid > txid) or (not asc and rec.txid < txid)
      else after = (asc and rec.ts_ms > ms) or (not asc and rec.ts_ms < ms) end
      if after then start = i break end
    end
  end
  local out = array()
  local last = math.min(start + size - 1, #matching)
  for i = start, last do out[#out + 1] = S.render_authlog_v2(matching[i]) end
  local meta = { total_objects = #matching }
  if last < #matching and last >= start then
    local rec = matching[last]
    meta.next_offset = array{ tostring(rec.ts_ms), rec.txid }
  end
  return { authlogs = out, metadata = meta }
end

-- v2 logs whose records are `items` and whose cursor is "ms,offset".
local function items_log(ctx, records, relation)
  local mintime, maxtime = window_ms(ctx)
  local asc = sort_order(ctx)
  local size = page_size(ctx)
  local matching = {}
  for _, rec in ipairs(records) do
    if rec.ts_ms >= mintime and rec.ts_ms <= maxtime then matching[#matching + 1] = rec end
  end
  if not asc then   -- records come oldest first; reversing keeps ties in one order
    local n = #matching
    for i = 1, n // 2 do matching[i], matching[n + 1 - i] = matching[n + 1 - i], matching[i] end
  end
  local offset = 0
  local cursor = ctx:str("next_offset")
  if cursor ~= nil then
    local n = cursor:match("^%d+,(%d+)$")
    if n == nil then reply.bad_param("next_offset", "must be the value metadata.next_offset gave") end
    offset = tonumber(n)
  end
  local out = array()
  local last = math.min(offset + size, #matching)
  for i = offset + 1, last do out[#out + 1] = matching[i].item end
  -- the activity log counts like a search engine: {relation, value}
  local meta = { total_objects = relation and { relation = relation, value = #matching } or #matching }
  if last < #matching and last > offset then
    meta.next_offset = string.format("%d,%d", matching[last].ts_ms, last)
  end
  return { items = out, metadata = meta }
end

-- Activity: the administrator actions, as activity events.
H["GET /admin/v2/logs/activity"] = function(ctx)
  local records = {}
  for i, l in ipairs(ctx.account.adminlogs) do
    records[i] = { ts_ms = l.timestamp * 1000, item = {
      activity_id = l.id or string.format("%s-%06d", ctx.account.account_id, i),
      ts = S.iso(l.timestamp), akey = ctx.account.account_id,
      action = { name = l.action, details = l.description },
      actor = { name = l.username, type = "admin" },
      target = { name = l.object, type = "object" },
    } }
  end
  return items_log(ctx, records, "eq")
end

-- A telephony record as the API shows it (without our bookkeeping).
local function telephony_item(t)
  if not t.generated then return t end
  local out = {}
  for k, v in pairs(t) do
    if k ~= "generated" then out[k] = v end
  end
  return out
end

H["GET /admin/v2/logs/telephony"] = function(ctx)
  local records = {}
  for i, t in ipairs(ctx.account.telephony) do records[i] = { ts_ms = t.timestamp * 1000, item = telephony_item(t) } end
  return items_log(ctx, records)
end

-- Logs v1: records from mintime (Unix seconds) on, oldest first, at most 1000.
local function v1(ctx, records, ts_of, render)
  local mintime = ctx:int("mintime", nil, 0)
  if mintime > 1e11 then reply.bad_param("mintime", "must be Unix seconds") end
  local out = array()
  for _, rec in ipairs(records) do
    if ts_of(rec) >= mintime then
      out[#out + 1] = render(rec)
      if #out == V1_MAX then break end
    end
  end
  return out
end

H["GET /admin/v1/logs/administrator"] = function(ctx)
  return v1(ctx, ctx.account.adminlogs, function(l) return l.timestamp end, S.render_adminlog)
end

H["GET /admin/v1/logs/authentication"] = function(ctx)
  return v1(ctx, ctx.account.authlogs, function(l) return l.ts_ms // 1000 end, S.render_authlog_v1)
end

H["GET /admin/v1/logs/telephony"] = function(ctx)
  return v1(ctx, ctx.account.telephony, function(t) return t.timestamp end, telephony_item)
end

H["GET /admin/v1/logs/offline_enrollment"] = function(ctx)
  return v1(ctx, {}, function() return 0 end, function(x) return x end)
end

H["GET /admin/v1/trust_monitor/events"] = function(ctx)
  local mintime, maxtime = ctx:int("mintime", nil, 0), ctx:int("maxtime", nil, 0)
  if mintime >= maxtime then reply.bad_param("mintime", "must be before maxtime") end
  local limit = ctx:int("limit", 50, 1, ctx.row.max_limit)
  if ctx.sb.page_cap and ctx.sb.page_cap < limit then limit = ctx.sb.page_cap end
  local offset = tonumber(ctx:str("offset") or "0") or reply.bad_param("offset", "must be a number")
  local kind = ctx:str("type")
  local matching = {}
  for _, e in ipairs(ctx.account.trust_events) do
    if e.ts_ms >= mintime and e.ts_ms <= maxtime and (kind == nil or e.type == kind) then
      matching[#matching + 1] = e
    end
  end
  local events = array()
  for i = offset + 1, math.min(#matching, offset + limit) do
    local e = matching[i]
    events[#events + 1] = {
      sekey = e.sekey, surfaced_timestamp = e.ts_ms, type = e.type, state = e.state,
      triaged_as_interesting = false, priority_event = true, priority_reasons = array(),
      explanations = array{ { summary = e.explanation, type = "NEW_COUNTRY" } },
      surfaced_auth = e.type == "auth" and { user = { name = e.username, key = e.user_id }, txid = e.sekey } or nil,
      bypass_status_enabled = e.type == "bypass_status_enabled" and { user = { name = e.username, key = e.user_id } }
                              or nil,
    }
  end
  local meta = {}
  if offset + limit < #matching then meta.next_offset = tostring(offset + limit) end
  return { events = events, metadata = meta }
end

return H
