-- Administrators, their activations, external password management and
-- the factors they may log in with.
local reply = require "sandbox.reply"
local S = require "sandbox.state"

local H = {}

local ROLES = { ["Owner"] = true, ["Administrator"] = true, ["Application Manager"] = true,
                ["User Manager"] = true, ["Security Analyst"] = true, ["Help Desk"] = true,
                ["Billing"] = true, ["Phishing Manager"] = true, ["Read-only"] = true }

local function role_param(ctx, name)
  local role = ctx:str(name)
  if role ~= nil and not ROLES[role] then reply.bad_param(name, "not a Duo administrator role") end
  return role
end

local function get_admin(ctx)
  return ctx:lookup(ctx.account.admins, "admin_id")
end

H["GET /admin/v1/admins"] = function(ctx)
  return ctx:page(ctx.account.admins.list, S.render_admin)
end

H["GET /admin/v1/admins/{admin_id}"] = function(ctx)
  return S.render_admin(get_admin(ctx))
end

H["POST /admin/v1/admins"] = function(ctx)
  local name, email, phone = ctx:need("name"), ctx:need("email"), ctx:str("phone") or ""
  if not email:find("@", 1, true) then reply.bad_param("email") end
  for _, a in ipairs(ctx.account.admins.list) do
    if a.email:lower() == email:lower() then reply.fail(40003, "an administrator with email " .. email) end
  end
  local a = { admin_id = ctx.state:new_id("admin"), name = name, email = email, phone = phone,
              role = role_param(ctx, "role") or "Owner", status = "Pending Activation", created = ctx:now() }
  ctx.account.admins:add(a)
  ctx:log_action("admin_create", email)
  return S.render_admin(a)
end

H["POST /admin/v1/admins/{admin_id}"] = function(ctx)
  local a = get_admin(ctx)
  for _, f in ipairs{ "name", "phone", "status", "subaccount_role" } do
    local v = ctx:str(f)
    if v ~= nil then a[f] = v end
  end
  a.role = role_param(ctx, "role") or a.role
  local pcr = ctx:bool("password_change_required")
  if pcr ~= nil then a.password_change_required = pcr end
  ctx:log_action("admin_update", a.email)
  return S.render_admin(a)
end

H["DELETE /admin/v1/admins/{admin_id}"] = function(ctx)
  local a = get_admin(ctx)
  ctx.account.admins:remove(a.admin_id)
  ctx:log_action("admin_delete", a.email)
  return ""
end

H["POST /admin/v1/admins/{admin_id}/reset"] = function(ctx)
  local a = get_admin(ctx)
  a.failed_attempts = 0
  return ""
end

H["POST /admin/v1/admins/activations"] = function(ctx)
  local email = ctx:need("email")
  local send = ctx:bool("send_email", false)
  local days = ctx:int("valid_days", 7, 1, 31)
  local code = ctx.state.rng:chars(20)
  local activation = {
    admin_activation_id = ctx.state:new_id("activation"),
    email = email, admin_role = role_param(ctx, "admin_role") or "Owner", valid_days = days,
    email_sent = send and 1 or 0, expires = ctx:now() + days * 86400,
    link = "https://admin-" .. ctx.account.api_hostname:gsub("^api%-", "") .. "/activate/" .. code,
    message = "Click the link to activate your Duo administrator account.", code = code,
    subject = "Duo administrator activation",
  }
  -- pending until used: get_pending_activations lists them
  ctx.account:generic_collection("/admin/v1/admins/activations", "admin_activation_id"):add(activation)
  return activation
end

local function password_mgmt(a)
  return { admin_id = a.admin_id, email = a.email, name = a.name,
           has_external_password_mgmt = a.external_password == true }
end

H["GET /admin/v1/admins/password_mgmt"] = function(ctx)
  return ctx:page(ctx.account.admins.list, password_mgmt)
end

H["GET /admin/v1/admins/{admin_id}/password_mgmt"] = function(ctx)
  return password_mgmt(get_admin(ctx))
end

H["POST /admin/v1/admins/{admin_id}/password_mgmt"] = function(ctx)
  local a = get_admin(ctx)
  local ext = ctx:bool("has_external_password_mgmt")
  if ext ~= nil then a.external_password = ext end
  return password_mgmt(a)
end

local AUTH_METHODS = { "hardware_token_enabled", "mobile_otp_enabled", "push_enabled", "sms_enabled",
                       "verified_push_enabled", "voice_enabled", "yubikey_enabled" }

local function auth_methods(acct)
  local m = acct.singletons["/admin/v1/admins/allowed_auth_methods"]
  if m == nil then
    m = { verified_push_length = 3 }
    for _, k in ipairs(AUTH_METHODS) do m[k] = true end
    m.sms_enabled, m.voice_enabled = false, false
    acct.singletons["/admin/v1/admins/allowed_auth_methods"] = m
  end
  return m
end

H["GET /admin/v1/admins/allowed_auth_methods"] = function(ctx)
  return auth_methods(ctx.account)
end

H["POST /admin/v1/admins/allowed_auth_methods"] = function(ctx)
  local m = auth_methods(ctx.account)
  for _, k in ipairs(AUTH_METHODS) do
    local v = ctx:bool(k)
    if v ~= nil then m[k] = v end
  end
  m.verified_push_length = ctx:int("verified_push_length", m.verified_push_length, 3, 6)
  return m
end

-- Administrative units: none unless created through the generic handler;
-- the filters must name existing objects.
H["GET /admin/v1/administrative_units"] = function(ctx)
  local acct = ctx.account
  local admin_id, group_id, ikey = ctx:str("admin_id"), ctx:str("group_id"), ctx:str("integration_key")
  if admin_id and not acct.admins:get(admin_id) then reply.not_found("admin_id " .. admin_id) end
  if group_id and not acct.groups:get(group_id) then reply.not_found("group_id " .. group_id) end
  if ikey and not acct.integrations:get(ikey) then reply.not_found("integration_key " .. ikey) end
  return ctx:page(acct:generic_collection("/admin/v1/administrative_units", "admin_unit_id").list)
end

return H
