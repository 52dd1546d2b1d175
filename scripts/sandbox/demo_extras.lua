-- What the demo tenant's child accounts have for the MSP's daily jobs
-- (bypass audits, log export, identity checks, standards): log volume
-- generated over 180 days instead of a handful of recent events, bypass
-- codes for users in bypass, how users answer verification pushes, and
-- settings and a global policy that mostly follow the MSP's standard with
-- some drift. Drawn from a generator forked off the child's own, so the
-- rest of the demo tenant stays as it was.
local json = require "duo.json"

local M = {}

-- The MSP's standard for its clients (what most children have).
M.STANDARD_SETTINGS = {
  lockout_threshold = 10, minimum_password_length = 12, helpdesk_bypass = "limit",
  helpdesk_bypass_expiration = 60, inactive_user_expiration = 90, sms_batch = 1, user_telephony_cost_max = 20,
  fraud_email_enabled = true, email_activity_notification_enabled = true,
}

function M.standard_policy()
  return {
    authentication_methods = {
      allowed_auth_list = json.array{ "duo-push", "duo-passcode", "hardware-token", "webauthn-platform",
                                      "webauthn-roaming" },
      blocked_auth_list = json.array{ "sms", "phonecall" },
      require_verified_push = true, verified_push_digits = 3,
    },
    new_user = { new_user_behavior = "enroll" },
    remembered_devices = { browser_apps = { enabled = true, max_time_units = "days", max_time_value = 7 } },
  }
end

-- Drift a child may have: a setting and the value it has instead.
local SETTING_DRIFT = {
  { "lockout_threshold", 25 }, { "minimum_password_length", 8 }, { "helpdesk_bypass", "allow" },
  { "inactive_user_expiration", 0 }, { "sms_batch", 5 }, { "fraud_email_enabled", false },
}

local function log_volume(n_users)
  local n = n_users * 40
  if n < 2000 then n = 2000 end
  if n > 8000 then n = 8000 end
  return n
end

-- Adds the extras to one child's seed data (acct), with rng.
function M.apply(rng, acct)
  acct.authlogs, acct.adminlogs = nil, nil   -- relative to "now": generated logs replace them
  acct.generated_logs = { authentication = log_volume(#acct.users) }
  for _, u in ipairs(acct.users) do
    if u.status == "bypass" and u.bypass_codes == nil and rng:chance(0.6) then u.bypass_codes = rng:int(1, 10) end
    if u.phones then
      local x = rng:float()
      if x < 0.12 then u.verification_push = { answer = "deny", after = rng:int(3, 20) }
      elseif x < 0.2 then u.verification_push = { answer = "timeout" }
      elseif x < 0.22 then u.verification_push = { answer = "fraud", after = rng:int(3, 10) }
      else u.verification_push = { answer = "approve", after = rng:int(2, 12) } end
    end
  end
  local settings = {}
  for k, v in pairs(M.STANDARD_SETTINGS) do settings[k] = v end
  if rng:chance(0.4) then
    local d = rng:pick(SETTING_DRIFT)
    settings[d[1]] = d[2]
    if rng:chance(0.3) then
      d = rng:pick(SETTING_DRIFT)
      settings[d[1]] = d[2]
    end
  end
  acct.settings = settings
  local sections = M.standard_policy()
  if rng:chance(0.25) then
    sections.authentication_methods.blocked_auth_list = json.array{}
    sections.authentication_methods.require_verified_push = false
  end
  acct.policies = json.array{ { policy_name = "Global Policy", is_global_policy = true,
                                sections = sections } }
end

-- Something for each alerts rule to find (SPEC section 10), planted in
-- named children of the demo tenant at times relative to `now`, without
-- changing any count the other workflows report (users per status,
-- integrations): a user put in bypass 30 days ago and one 3 days ago (not
-- yet over the default 7), an administrator created yesterday, a role
-- changed, an application and the global policy changed, a Trust Monitor
-- event and an hour of denied authentications. Fraud reports, old bypass
-- codes, locked-out users and low telephony credits the tenant has anyway.
local DAY = 86400

local function first(list, pred)
  for _, x in ipairs(list or {}) do
    if pred(x) then return x end
  end
end

local function log(acct, entry)
  acct.adminlogs = acct.adminlogs or json.array{}
  acct.adminlogs[#acct.adminlogs + 1] = entry
end

-- The administrator log says the account's first user in bypass was put
-- there `days` ago.
local function in_bypass_since(days)
  return function(acct, now)
    local u = first(acct.users, function(x) return x.status == "bypass" end)
    if u then
      log(acct, { timestamp = now - days * DAY, username = acct.admins[2].name, action = "user_update",
                  object = u.username, description = '{"status": "Bypass"}' })
    end
  end
end

local PLANTS = {
  ["ACME Manufacturing"] = in_bypass_since(30),
  ["Delta Frieght Systems"] = in_bypass_since(3),
  ["Ironwood Legal"] = function(acct, now)
    acct.admins[#acct.admins + 1] = { name = "Temp Contractor", email = "it-temp@ironwood-contracting.example",
                                      phone = "", role = "Administrator", status = "Active", created = now - DAY }
    log(acct, { timestamp = now - DAY, username = acct.admins[1].name, action = "admin_create",
                object = "Temp Contractor", description = '{"role": "Administrator"}' })
  end,
  ["KEYSTONE CONSTRUCTION COMPANY"] = function(acct, now)
    local helpdesk = acct.admins[2]
    helpdesk.role = "Owner"
    log(acct, { timestamp = now - 2 * DAY, username = acct.admins[1].name, action = "admin_update",
                object = helpdesk.name, description = '{"role": "Owner"}' })
  end,
  ["Maple and Oak Realty Inc."] = function(acct, now)
    local i = acct.integrations[#acct.integrations]
    log(acct, { timestamp = now - 2 * DAY, username = acct.admins[1].name, action = "integration_create",
                object = i.name, description = json.encode{ name = i.name, type = i.type } })
  end,
  ["North Star Engineering"] = function(acct, now)
    log(acct, { timestamp = now - 4 * DAY, username = acct.admins[1].name, action = "policy_update",
                object = "Global Policy", description = '{"sections": ["authentication_methods"]}' })
  end,
  ["Fairview Med. Ctr."] = function(acct, now)
    local u = first(acct.users, function(x) return x.status == "active" end)
    acct.trust_monitor_events = json.array{ { timestamp = now - 3 * 3600, type = "auth", state = "new",
                                              user = u.username,
                                              explanation = "authentication from a new country (Brazil)" } }
  end,
  ["Lakeside CCU"] = function(acct, now)
    local users = {}
    for _, x in ipairs(acct.users) do
      if x.status == "active" and #users < 4 then users[#users + 1] = x.username end
    end
    local logs = json.array{}
    for i = 1, 18 do
      local denied = i % 6 ~= 0
      logs[i] = { timestamp = now - 50 * 60 + i * 120, user = users[(i % #users) + 1],
                  result = denied and "denied" or "success", reason = denied and "no_response" or "user_approved",
                  factor = "duo_push", event_type = "authentication", application = "Microsoft 365",
                  ip = "192.0.2.77", location = { city = "Lagos", state = "", country = "Nigeria" } }
    end
    acct.authlogs = logs
  end,
}

function M.plant_alerts(acct, now)
  local plant = PLANTS[acct.name]
  if plant then plant(acct, now) end
end

return M
