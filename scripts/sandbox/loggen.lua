-- Generated log volume for a simulated account (seed field
-- accounts[].generated_logs): authentication, administrator and telephony
-- events over the retention window, made only when a log is first read,
-- so that starting the sandbox stays fast.
--
--   generated_logs = { authentication = 3000, administrator = 150,
--                      telephony = 120, days = 180 }
--
-- Events are laid on a fixed grid of clock hours: the events of an hour
-- come from a generator seeded with the account and the hour alone, so two
-- runs (two processes, started at different times) agree on every event
-- they both cover, and a later run only adds the hours that passed. Only
-- hours that have ended are filled. Counts follow a working week: busy
-- mornings, quiet nights and weekends.
local ids = require "sandbox.ids"
local json = require "duo.json"

local M = {}

local HOUR = 3600
local FIELDS = { authentication = true, administrator = true, telephony = true, days = true }

local Gen = {}
Gen.__index = Gen

-- Checks a seed value; returns the generator (spec = the value as given).
function M.check(v, at, checker)
  for k, x in pairs(v) do
    if not FIELDS[k] then
      checker:fail(at .. "." .. tostring(k), "unknown field (authentication, administrator, telephony, days)")
    end
    if math.type(x) ~= "integer" or x < 0 then checker:fail(at .. "." .. k, "must be a whole number >= 0") end
  end
  local days = v.days or 180
  if days < 1 or days > 180 then checker:fail(at .. ".days", "between 1 and 180 (Duo keeps logs 180 days)") end
  local auth = v.authentication or 3000
  return setmetatable({ spec = v, days = days, authentication = auth,
                        administrator = v.administrator or auth // 20,
                        telephony = v.telephony or auth // 25 }, Gen)
end

-- Relative activity of an hour of the week (UTC, Monday 0h = index 0).
local function weight(hour_index)
  local dow = ((hour_index // 24) + 3) % 7   -- 1970-01-01 was a Thursday
  local hod = hour_index % 24
  local w
  if hod >= 13 and hod < 17 then w = 3.0       -- mornings in the Americas
  elseif hod >= 17 and hod < 23 then w = 2.2
  elseif hod >= 8 and hod < 13 then w = 1.0
  else w = 0.25 end
  if dow >= 5 then w = w * 0.2 end
  return w
end
local MEAN_WEIGHT = (function()
  local sum = 0
  for h = 0, 7 * 24 - 1 do sum = sum + weight(h) end
  return sum / (7 * 24)
end)()

-- How many events of a kind fall in an hour, for `total` over the window.
local function count(rng, total, hours, h)
  local mean = total / hours * weight(h) / MEAN_WEIGHT
  local n = math.floor(mean)
  if rng:float() < mean - n then n = n + 1 end
  return n
end

-- Weighted choice: list of { value, weight }.
local function choose(rng, list)
  local sum = 0
  for _, e in ipairs(list) do sum = sum + e[2] end
  local x = rng:float() * sum
  for _, e in ipairs(list) do
    x = x - e[2]
    if x < 0 then return e[1] end
  end
  return list[#list][1]
end

local FACTOR = { { "duo_push", 58 }, { "remembered_device", 12 }, { "passcode", 8 }, { "phone_call", 4 },
                 { "sms_passcode", 5 }, { "hardware_token", 3 }, { "webauthn_credential", 4 },
                 { "verified_duo_push", 4 }, { "bypass_code", 2 } }
local SUCCESS_REASON = { duo_push = "user_approved", verified_duo_push = "user_approved",
                         phone_call = "user_approved", remembered_device = "remembered_device",
                         bypass_code = "bypass_user", passcode = "valid_passcode",
                         sms_passcode = "valid_passcode", hardware_token = "valid_passcode",
                         webauthn_credential = "user_approved" }
local DENY_REASON = { { "user_mistake", 30 }, { "no_response", 25 }, { "invalid_passcode", 15 },
                      { "deny_unenrolled_user", 8 }, { "locked_out", 6 }, { "user_disabled", 5 },
                      { "location_restricted", 5 }, { "anomalous_push", 3 }, { "invalid_device", 3 } }
local RESULT = { { "success", 88 }, { "denied", 9 }, { "failure", 2 }, { "fraud", 1 } }
local HOME = { { "New York", "New York", "United States" }, { "Chicago", "Illinois", "United States" },
               { "Denver", "Colorado", "United States" }, { "Portland", "Oregon", "United States" },
               { "Boston", "Massachusetts", "United States" }, { "Raleigh", "North Carolina", "United States" } }
local AWAY = { { "Toronto", "Ontario", "Canada" }, { "London", "England", "United Kingdom" },
               { "Mexico City", "CDMX", "Mexico" }, { "Frankfurt", "Hesse", "Germany" },
               { "Manila", "Metro Manila", "Philippines" }, { "Lagos", "Lagos", "Nigeria" },
               { "Moscow", "Moscow", "Russia" }, { "Sydney", "New South Wales", "Australia" } }
local APPS = { "Microsoft 365", "Cisco ASA SSL VPN", "Microsoft RDP", "Windows Logon", "Duo Admin Panel" }
local BROWSERS = { { "Chrome", "Windows" }, { "Edge", "Windows" }, { "Safari", "Mac OS X" },
                   { "Chrome", "Mac OS X" }, { "Firefox", "Linux" }, { "Safari", "iOS" } }
local ADMIN_ACTIONS = { { "admin_login", 40 }, { "user_update", 20 }, { "user_create", 8 }, { "phone_create", 6 },
                        { "bypass_create", 5 }, { "group_update", 5 }, { "user_delete", 3 },
                        { "integration_update", 3 }, { "admin_login_error", 5 }, { "update_settings", 2 },
                        { "activation_send_link", 3 } }

-- A UUID-shaped ID from two draws (rng:txid draws once per character).
local function uuid(rng)
  local a, b = rng:next(), rng:next()
  return string.format("%08x-%04x-4%03x-%x%03x-%012x", (a >> 32) & 0xffffffff, (a >> 16) & 0xffff, a & 0xfff,
                       8 + ((b >> 62) & 3), (b >> 48) & 0xfff, b & 0xffffffffffff)
end

local function ip(rng, away)
  if away then return string.format("192.0.2.%d", rng:int(1, 254)) end
  return rng:chance(0.5) and string.format("203.0.113.%d", rng:int(1, 254))
                          or string.format("198.51.100.%d", rng:int(1, 254))
end

-- The account's people and application names, taken when logs are made.
local function cast(acct)
  local users, groups_of = {}, {}
  for _, u in ipairs(acct.users.list) do
    if u.status ~= "pending deletion" then users[#users + 1] = u end
    local names = json.array{}
    for _, gid in ipairs(u.groups) do
      local g = acct.groups:get(gid)
      if g then names[#names + 1] = g.name end
    end
    groups_of[u.user_id] = names
  end
  local apps = {}
  for _, i in ipairs(acct.integrations.list) do
    for _, name in ipairs(APPS) do if i.name == name then apps[#apps + 1] = { i.name, i.integration_key } end end
  end
  if #apps == 0 then apps = { { APPS[1], "DIGENERATEDAPP000001" }, { APPS[2], "DIGENERATEDAPP000002" } } end
  local admins = {}
  for _, a in ipairs(acct.admins.list) do admins[#admins + 1] = a.name end
  if #admins == 0 then admins = { "Administrator" } end
  return { users = users, groups_of = groups_of, apps = apps, admins = admins }
end

local function authlog(rng, c, ts_ms)
  local u = rng:pick(c.users)
  local factor = choose(rng, FACTOR)
  local result = u.status == "bypass" and "success" or choose(rng, RESULT)
  local reason
  if u.status == "bypass" then factor, reason = "not_available", "bypass_user"
  elseif u.status == "disabled" then result, reason = "denied", "user_disabled"
  elseif u.status == "locked out" then result, reason = "denied", "locked_out"
  elseif result == "success" then reason = SUCCESS_REASON[factor]
  elseif result == "fraud" then reason, factor = "user_marked_fraud", "duo_push"
  elseif result == "failure" then reason = "error"
  else reason = choose(rng, DENY_REASON) end
  local away = rng:chance(result == "success" and 0.04 or 0.3)
  local place = rng:pick(away and AWAY or HOME)
  local app = rng:pick(c.apps)
  local browser = rng:pick(BROWSERS)
  return {
    generated = true, txid = uuid(rng), ts_ms = ts_ms, user_id = u.user_id, username = u.username,
    email = u.email, groups = c.groups_of[u.user_id], result = result, reason = reason, factor = factor,
    event_type = "authentication", application = app[1], application_key = app[2], ip = ip(rng, away),
    location = { city = place[1], state = place[2], country = place[3] }, browser = browser[1], os = browser[2],
    device = (factor == "duo_push" or factor == "phone_call") and "Mobile phone" or "",
  }
end

local function adminlog(rng, c, ts)
  local action = choose(rng, ADMIN_ACTIONS)
  local u = #c.users > 0 and rng:pick(c.users) or nil
  local object = (action:match("^admin_") or action == "update_settings" or u == nil) and json.null or u.username
  local description = action == "admin_login" and '{"factor": "duo_push", "device": "phone"}'
                      or (u and json.encode{ email = u.email } or "{}")
  return { generated = true, id = uuid(rng), timestamp = ts, username = rng:pick(c.admins), action = action,
           object = object,
           description = description }
end

local function telephony(rng, ts)
  local kind = rng:chance(0.7) and "sms" or "phone"
  return { generated = true, telephony_id = uuid(rng), txid = uuid(rng), timestamp = ts,
           ts = os.date("!%Y-%m-%dT%H:%M:%S+00:00", ts), context = rng:pick{ "authentication", "authentication",
           "enrollment", "administrator login" }, type = kind, phone = string.format("+1%d55501%02d",
           rng:pick{ 212, 312, 415, 617 }, rng:int(0, 99)), credits = kind == "sms" and 1 or rng:int(1, 3) }
end

-- Time order, ties broken by ID (seeded records have none) so that every
-- run lays the same records out the same way.
local function by_time(a, b)
  if a.timestamp ~= b.timestamp then return a.timestamp < b.timestamp end
  return (a.id or a.telephony_id or "") < (b.id or b.telephony_id or "")
end

-- Fills the account's logs (the arrays in `logs`) with the generated
-- events of every ended hour of the window, merged with those already there.
function Gen:fill(acct, logs)
  local now = acct.state:now()
  local last = now // HOUR - 1
  local first = last - self.days * 24 + 1
  local hours = self.days * 24
  local c = cast(acct)
  local auth, admin, tel = {}, {}, {}
  for h = first, last do
    local rng = ids.new(ids.hash(acct.account_id) ~ (h * 0x9E3779B1))
    if #c.users > 0 then
      local events = {}
      for _ = 1, count(rng, self.authentication, hours, h) do
        events[#events + 1] = authlog(rng, c, h * HOUR * 1000 + rng:int(0, HOUR * 1000 - 1))
      end
      table.sort(events, function(a, b) return a.ts_ms < b.ts_ms or (a.ts_ms == b.ts_ms and a.txid < b.txid) end)
      table.move(events, 1, #events, #auth + 1, auth)
    end
    local events = {}
    for i = 1, count(rng, self.administrator, hours, h) do
      events[i] = adminlog(rng, c, h * HOUR + rng:int(0, HOUR - 1))
    end
    table.sort(events, by_time)
    table.move(events, 1, #events, #admin + 1, admin)
    events = {}
    for i = 1, count(rng, self.telephony, hours, h) do
      events[i] = telephony(rng, h * HOUR + rng:int(0, HOUR - 1))
    end
    table.sort(events, by_time)
    table.move(events, 1, #events, #tel + 1, tel)
  end
  local function merge(mine, theirs, before)
    if #theirs == 0 then return mine end
    table.move(theirs, 1, #theirs, #mine + 1, mine)
    table.sort(mine, before)
    return mine
  end
  logs.authlogs = merge(auth, logs.authlogs, function(a, b)
    if a.ts_ms ~= b.ts_ms then return a.ts_ms < b.ts_ms end
    return a.txid < b.txid
  end)
  logs.adminlogs = merge(admin, logs.adminlogs, by_time)
  logs.telephony = merge(tel, logs.telephony, by_time)
end

return M
