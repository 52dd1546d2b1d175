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

return M
