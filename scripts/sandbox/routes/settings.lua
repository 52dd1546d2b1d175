-- Account-wide things: settings, the logo, information reports, policies,
-- Duo Passport and identity verification.
local wire = require "sandbox.wire"
local json = require "duo.json"
local reply = require "sandbox.reply"
local S = require "sandbox.state"

local H = {}
local null = json.null

-- Settings ---------------------------------------------------------------

local BOOL_SETTINGS = {
  email_activity_notification_enabled = true, enrollment_universal_prompt_enabled = true,
  fraud_email_enabled = true, helpdesk_can_send_enroll_email = true, password_requires_lower_alpha = true,
  password_requires_numeric = true, password_requires_special = true, password_requires_upper_alpha = true,
  push_activity_notification_enabled = true, security_checkup_enabled = true, sms_refresh = true,
  user_managers_can_put_users_in_bypass = true,
}
local INT_SETTINGS = {
  helpdesk_bypass_expiration = true, inactive_user_expiration = true, lockout_expire_duration = true,
  lockout_threshold = true, log_retention_days = true, minimum_password_length = true,
  pending_deletion_days = true, sms_batch = true, sms_expiration = true, telephony_warning_min = true,
  unenrolled_user_lockout_threshold = true, user_telephony_cost_max = true,
}

H["GET /admin/v1/settings"] = function(ctx)
  return ctx.account.settings
end

H["POST /admin/v1/settings"] = function(ctx)
  local s = ctx.account.settings
  local changed = {}
  for _, name in ipairs(ctx.row.optional) do
    if ctx.params[name] ~= nil then
      local v
      if BOOL_SETTINGS[name] then v = ctx:bool(name)
      elseif INT_SETTINGS[name] then v = ctx:int(name, nil, 0)
      else v = ctx:str(name) end
      s[name] = v
      changed[name] = v
    end
  end
  if next(changed) == nil then reply.bad_param("settings", "give at least one setting") end
  ctx:log_action("update_settings", null, changed)
  return s
end

-- Logo -------------------------------------------------------------------

H["GET /admin/v1/logo"] = function(ctx)
  local logo = ctx.account.logo
  if logo == nil then reply.not_found("no logo is set") end
  return reply.raw(logo)
end

H["POST /admin/v1/logo"] = function(ctx)
  local bytes = wire.base64_decode(ctx:need("logo"))
  if bytes == nil or bytes:sub(1, 8) ~= "\137PNG\r\n\26\n" then reply.bad_param("logo", "must be a base64 PNG") end
  ctx.account.logo = bytes
  return ""
end

H["DELETE /admin/v1/logo"] = function(ctx)
  ctx.account.logo = nil
  return ""
end

-- Information --------------------------------------------------------------

H["GET /admin/v1/info/summary"] = function(ctx)
  local acct = ctx.account
  local pending = 0
  for _, u in ipairs(acct.users.list) do
    if u.status == "pending deletion" then pending = pending + 1 end
  end
  return { admin_count = acct.admins:count(), integration_count = acct.integrations:count(),
           telephony_credits_remaining = acct.telephony_credits, user_count = acct.users:count(),
           user_pending_deletion_count = pending }
end

local function window(ctx, days)
  local now = ctx:now()
  local maxtime = ctx:int("maxtime", now, 0)
  local mintime = ctx:int("mintime", maxtime - days * 86400, 0)
  if mintime > maxtime then reply.bad_param("mintime", "must not be after maxtime") end
  return mintime, maxtime
end

H["GET /admin/v1/info/telephony_credits_used"] = function(ctx)
  local mintime, maxtime = window(ctx, 30)
  return { telephony_credits_used = 0, mintime = mintime, maxtime = maxtime }
end

-- Counts of the authentication log in a window (Unix seconds), per result.
local function attempts(ctx, distinct_users)
  local mintime, maxtime = window(ctx, 30)
  -- Duo names every result, with 0 for those that did not happen
  local counts, seen = { ERROR = 0, FAILURE = 0, FRAUD = 0, SUCCESS = 0 }, {}
  for _, rec in ipairs(ctx.account.authlogs) do
    local ts = rec.ts_ms // 1000
    if ts >= mintime and ts <= maxtime then
      local result = (rec.result or "success"):upper()
      local key = result .. "\0" .. tostring(rec.username)
      if not distinct_users or not seen[key] then
        seen[key] = true
        counts[result] = (counts[result] or 0) + 1
      end
    end
  end
  return counts, mintime, maxtime
end

H["GET /admin/v1/info/authentication_attempts"] = function(ctx)
  local counts, mintime, maxtime = attempts(ctx, false)
  return { authentication_attempts = counts, mintime = mintime, maxtime = maxtime }
end

H["GET /admin/v1/info/user_authentication_attempts"] = function(ctx)
  local counts, mintime, maxtime = attempts(ctx, true)
  return { user_authentication_attempts = counts, mintime = mintime, maxtime = maxtime }
end

-- Policies (v2) ----------------------------------------------------------------

local function find_policy(ctx, key)
  local acct = ctx.account
  local p = acct.policies:get(key)
  if p == nil and key == "global" then
    for _, x in ipairs(acct.policies.list) do if x.is_global_policy then p = x end end
  end
  if p == nil then reply.not_found("policy_key " .. tostring(key)) end
  return p
end

H["GET /admin/v2/policies"] = function(ctx)
  return ctx:page(ctx.account.policies.list, S.render_policy)
end

H["GET /admin/v2/policies/{policy_key}"] = function(ctx)
  return S.render_policy(find_policy(ctx, ctx.pp.policy_key))
end

H["GET /admin/v2/policies/global"] = function(ctx)
  return S.render_policy(find_policy(ctx, "global"))
end

H["GET /admin/v2/policies/summary"] = function(ctx)
  local out = S.array()
  for _, p in ipairs(ctx.account.policies.list) do
    out[#out + 1] = { policy_key = p.policy_key, policy_name = p.policy_name,
                      is_global_policy = p.is_global_policy == true, apps = S.array(), groups = S.array() }
  end
  return { policies = out, global_policy_key = find_policy(ctx, "global").policy_key }
end

H["GET /admin/v2/policies/calculate"] = function(ctx)
  local acct = ctx.account
  local uid, ikey = ctx:need("user_id"), ctx:need("integration_key")
  if not acct.users:get(uid) then reply.not_found("user_id " .. uid) end
  if not acct.integrations:get(ikey) then reply.not_found("integration_key " .. ikey) end
  return { policy_elements = S.array{ S.render_policy(find_policy(ctx, "global")) } }
end

local function sections_param(ctx)
  local s = ctx.params.sections
  if s ~= nil and type(s) ~= "table" then reply.bad_param("sections", "must be an object") end
  return s
end

H["POST /admin/v2/policies"] = function(ctx)
  local name = ctx:need("policy_name")
  local p = { policy_key = ctx.state:new_id("policy"), policy_name = name, is_global_policy = false,
              sections = sections_param(ctx) or {} }
  ctx.account.policies:add(p)
  ctx:log_action("policy_create", name)
  return S.render_policy(p)
end

H["PUT /admin/v2/policies/{policy_key}"] = function(ctx)
  local p = find_policy(ctx, ctx.pp.policy_key)
  local name = ctx:str("policy_name")
  if name then p.policy_name = name end
  local sections = sections_param(ctx)
  if sections then
    p.sections = p.sections or {}
    for k, v in pairs(sections) do p.sections[k] = v end
  end
  ctx:log_action("policy_update", p.policy_name)
  return S.render_policy(p)
end

H["PUT /admin/v2/policies/update"] = function(ctx)
  local targets, changes = ctx.params.policies_to_update, ctx.params.policy_changes
  if type(targets) ~= "table" then reply.bad_param("policies_to_update") end
  if type(changes) ~= "table" then reply.bad_param("policy_changes") end
  local list = {}
  if targets.edit_all_policies == true then
    for _, p in ipairs(ctx.account.policies.list) do
      if not p.is_global_policy then list[#list + 1] = p end
    end
  else
    if type(targets.edit_list) ~= "table" then reply.bad_param("policies_to_update.edit_list") end
    for _, key in ipairs(targets.edit_list) do list[#list + 1] = find_policy(ctx, key) end
  end
  for _, p in ipairs(list) do
    p.sections = p.sections or {}
    for k, v in pairs(type(changes.sections) == "table" and changes.sections or {}) do p.sections[k] = v end
    for _, k in ipairs(type(changes.sections_to_delete) == "table" and changes.sections_to_delete or {}) do
      p.sections[k] = nil
    end
  end
  local keys = S.array()
  for i, p in ipairs(list) do keys[i] = p.policy_key end
  return { policies_updated = keys }
end

H["POST /admin/v2/policies/copy"] = function(ctx)
  local source = find_policy(ctx, ctx:need("policy_key"))
  local names = ctx.params.new_policy_names_list
  if type(names) ~= "table" or #names == 0 then reply.bad_param("new_policy_names_list") end
  local out = S.array()
  for _, name in ipairs(names) do
    if type(name) ~= "string" or name == "" then reply.bad_param("new_policy_names_list") end
    local sections = {}
    for k, v in pairs(source.sections or {}) do sections[k] = v end
    local p = { policy_key = ctx.state:new_id("policy"), policy_name = name, is_global_policy = false,
                sections = sections }
    ctx.account.policies:add(p)
    out[#out + 1] = S.render_policy(p)
  end
  return out
end

H["DELETE /admin/v2/policies/{policy_key}"] = function(ctx)
  local p = find_policy(ctx, ctx.pp.policy_key)
  if p.is_global_policy then reply.bad_param("policy_key", "the global policy cannot be deleted") end
  ctx.account.policies:remove(p.policy_key)
  ctx:log_action("policy_delete", p.policy_name)
  return ""
end

-- Duo Passport --------------------------------------------------------------

local function passport(acct)
  local c = acct.singletons["/admin/v2/passport/config"]
  if c == nil then
    c = { enabled_status = "disabled", enabled_groups = S.array(), disabled_groups = S.array(),
          custom_supported_browsers = { macos = S.array(), windows = S.array() } }
    acct.singletons["/admin/v2/passport/config"] = c
  end
  return c
end

H["GET /admin/v2/passport/config"] = function(ctx)
  return passport(ctx.account)
end

local PASSPORT_STATUS = { disabled = true, enabled = true, ["enabled-for-groups"] = true,
                          ["enabled-with-exceptions"] = true }

H["POST /admin/v2/passport/config"] = function(ctx)
  local c = passport(ctx.account)
  local status = ctx:need("enabled_status")
  if not PASSPORT_STATUS[status] then reply.bad_param("enabled_status") end
  c.enabled_status = status
  -- null (what the official clients send for a list not given) leaves it as it was
  for _, k in ipairs{ "enabled_groups", "disabled_groups", "custom_supported_browsers" } do
    if ctx.params[k] ~= nil and ctx.params[k] ~= null then c[k] = ctx.params[k] end
  end
  return c
end

-- Identity verification ------------------------------------------------------

H["POST /admin/v2/identity_verification/{user_id}/start"] = function(ctx)
  local u = ctx:user()
  local inquiry = { inquiry_id = ctx.state.rng:txid(), user_id = u.user_id, status = "pending",
                    created = ctx:now() }
  ctx.account.idv[u.user_id] = inquiry
  return inquiry
end

H["POST /admin/v2/identity_verification/{user_id}/cancel"] = function(ctx)
  local u = ctx:user()
  local inquiry = ctx.account.idv[u.user_id]
  if inquiry == nil or inquiry.inquiry_id ~= ctx:need("inquiry_id") then
    reply.not_found("inquiry_id " .. ctx:str("inquiry_id"))
  end
  inquiry.status = "canceled"
  return inquiry
end

H["GET /admin/v2/identity_verification/{user_id}/status"] = function(ctx)
  local u = ctx:user()
  local inquiry = ctx.account.idv[u.user_id]
  if inquiry == nil then reply.not_found("no identity verification for this user") end
  return inquiry
end

return H
