-- Phones, hardware tokens and the account's bypass codes; the device
-- endpoints that keep no state of their own (U2F, WebAuthn, desktop
-- tokens, endpoints, registered devices) go through the generic handler.
local reply = require "sandbox.reply"
local S = require "sandbox.state"

local H = {}

local PHONE_FIELDS = { "number", "extension", "name", "platform", "postdelay", "predelay", "type" }
local PHONE_TYPES = { mobile = "Mobile", landline = "Landline", tablet = "Tablet", unknown = "Unknown" }

local function render_phone(ctx)
  return function(p) return S.render_phone(ctx.account, p, true) end
end

-- Phones -------------------------------------------------------------------

H["GET /admin/v1/phones"] = function(ctx)
  local list = ctx.account.phones.list
  if ctx.row.name == "get_phones_by_number" then
    local number, ext = ctx:need("number"), ctx:str("extension") or ""
    local found = {}
    for _, p in ipairs(list) do
      if p.number == number and (p.extension or "") == ext then found[#found + 1] = p end
    end
    list = found
  end
  return ctx:page(list, render_phone(ctx))
end

H["GET /admin/v1/phones/{phone_id}"] = function(ctx)
  return S.render_phone(ctx.account, ctx:lookup(ctx.account.phones, "phone_id"), true)
end

local function phone_fields(ctx, p)
  local f = ctx:fields(PHONE_FIELDS)
  if f.number and f.number ~= "" and not f.number:match("^%+?[%d%s%-%(%)]+$") then
    reply.bad_param("number", "must be a phone number (E.164, e.g. +15555550100)")
  end
  if f.number and f.number:match("^%d") then f.number = "+" .. f.number end
  if f.type then
    f.type = PHONE_TYPES[f.type:lower()] or reply.bad_param("type", "mobile or landline")
  end
  for _, k in ipairs{ "predelay", "postdelay" } do
    if f[k] then ctx:int(k, nil, 0) end
  end
  for k, v in pairs(f) do p[k] = v end
  return f
end

H["POST /admin/v1/phones"] = function(ctx)
  local p = { phone_id = ctx.state:new_id("phone"), activated = false }
  phone_fields(ctx, p)
  ctx.account:add_phone(p)
  ctx:log_action("phone_create", p.number or p.phone_id)
  return S.render_phone(ctx.account, p, true)
end

H["POST /admin/v1/phones/{phone_id}"] = function(ctx)
  local p = ctx:lookup(ctx.account.phones, "phone_id")
  local changed = phone_fields(ctx, p)
  ctx:log_action("phone_update", p.number or p.phone_id, changed)
  return S.render_phone(ctx.account, p, true)
end

H["DELETE /admin/v1/phones/{phone_id}"] = function(ctx)
  local p = ctx:lookup(ctx.account.phones, "phone_id")
  ctx.account:remove_phone(p)
  ctx:log_action("phone_delete", p.number or p.phone_id)
  return ""
end

local function activation(ctx, p)
  local code = ctx.state.rng:chars(20)
  local host = ctx.account.api_hostname
  return {
    activation_url = "https://m-" .. host:gsub("^api%-", "") .. "/iphone/" .. code,
    activation_barcode = "https://" .. host .. "/frame/qr?value=" .. code,
    installation_url = "https://m-" .. host:gsub("^api%-", "") .. "/install",
    valid_secs = ctx:int("valid_secs", 86400, 1, 60 * 60 * 24 * 365),
    phone_id = p.phone_id,
  }
end

local function mobile(ctx)
  local p = ctx:lookup(ctx.account.phones, "phone_id")
  if p.type ~= nil and p.type ~= "Mobile" then
    reply.bad_param("phone_id", "only mobile phones can run Duo Mobile")
  end
  return p
end

H["POST /admin/v1/phones/{phone_id}/send_sms_activation"] = function(ctx)
  local p = mobile(ctx)
  ctx:bool("install", false)
  local a = activation(ctx, p)
  return { activation_barcode = a.activation_barcode, activation_msg = ctx:str("activation_msg") or
           ("To activate the app, tap and open this link: " .. a.activation_url),
           installation_msg = ctx:str("installation_msg") or "", phone_id = p.phone_id, valid_secs = a.valid_secs }
end

H["POST /admin/v1/phones/{phone_id}/activation_url"] = function(ctx)
  local p = mobile(ctx)
  local install = ctx:bool("install", false)
  local a = activation(ctx, p)
  if not install then a.installation_url = nil end
  a.phone_id = nil
  return a
end

H["POST /admin/v1/phones/{phone_id}/send_sms_installation"] = function(ctx)
  local p = mobile(ctx)
  return { installation_msg = ctx:str("installation_msg")
           or "Welcome to Duo! Tap to install the app: https://m-duosecurity.com/install", phone_id = p.phone_id }
end

-- Tokens -------------------------------------------------------------------

local function render_token(ctx)
  return function(t) return S.render_token(ctx.account, t, true) end
end

H["GET /admin/v1/tokens"] = function(ctx)
  local list = ctx.account.tokens.list
  if ctx.row.name == "get_tokens_by_serial" then
    local ttype, serial = ctx:need("type"), ctx:need("serial")
    local found = {}
    for _, t in ipairs(list) do
      if t.type == ttype and t.serial == serial then found[#found + 1] = t end
    end
    list = found
  end
  return ctx:page(list, render_token(ctx))
end

H["GET /admin/v1/tokens/{token_id}"] = function(ctx)
  return S.render_token(ctx.account, ctx:lookup(ctx.account.tokens, "token_id"), true)
end

H["DELETE /admin/v1/tokens/{token_id}"] = function(ctx)
  local t = ctx:lookup(ctx.account.tokens, "token_id")
  ctx.account:remove_token(t)
  ctx:log_action("token_delete", t.serial)
  return ""
end

local TOKEN_TYPES = { h6 = true, h8 = true, t6 = true, t8 = true, yk = true }

H["POST /admin/v1/tokens"] = function(ctx)
  local ttype, serial = ctx:need("type"), ctx:need("serial")
  if not TOKEN_TYPES[ttype] then reply.bad_param("type") end
  for _, t in ipairs(ctx.account.tokens.list) do
    if t.type == ttype and t.serial == serial then reply.fail(40003, "a " .. ttype .. " token with serial " .. serial) end
  end
  if ttype == "yk" then
    local aes = ctx:need("aes_key")
    if not aes:match("^%x+$") or #aes ~= 32 then reply.bad_param("aes_key", "32 hex digits") end
    ctx:need("private_id")
  else
    ctx:need("secret")
  end
  local t = { token_id = ctx.state:new_id("token"), type = ttype, serial = serial,
              totp_step = ttype:sub(1, 1) == "t" and ctx:int("totp_step", 30, 1, 300) or nil }
  ctx:int("counter", nil, 0)
  ctx.account:add_token(t)
  ctx:log_action("token_create", serial, { type = ttype })
  return S.render_token(ctx.account, t, true)
end

H["POST /admin/v1/tokens/{token_id}"] = function(ctx)
  local t = ctx:lookup(ctx.account.tokens, "token_id")
  local step = ctx:int("totp_step", nil, 1, 300)
  if step then
    if t.type:sub(1, 1) ~= "t" then reply.bad_param("totp_step", "only TOTP tokens have a time step") end
    t.totp_step = step
  end
  return S.render_token(ctx.account, t, true)
end

H["POST /admin/v1/tokens/{token_id}/resync"] = function(ctx)
  local t = ctx:lookup(ctx.account.tokens, "token_id")
  if t.type:sub(1, 1) ~= "h" then reply.bad_param("token_id", "only HOTP tokens can be resynchronized") end
  for _, k in ipairs{ "code1", "code2", "code3" } do
    if not ctx:need(k):match("^%d+$") then reply.bad_param(k) end
  end
  return ""
end

-- Bypass codes of the whole account ------------------------------------------

H["GET /admin/v1/bypass_codes"] = function(ctx)
  local acct = ctx.account
  return ctx:page(acct.bypass_codes.list, function(b) return S.render_bypass_code(acct, b) end)
end

H["DELETE /admin/v1/bypass_codes/{bypass_code_id}"] = function(ctx)
  local b = ctx:lookup(ctx.account.bypass_codes, "bypass_code_id")
  ctx.account.bypass_codes:remove(b.bypass_code_id)
  return ""
end

-- Desktop tokens: the generic collection, plus activation.
H["POST /admin/v1/desktoptokens/{desktoptoken_id}/activate"] = function(ctx)
  local coll = ctx.account:generic_collection("/admin/v1/desktoptokens", "desktoptoken_id")
  local t = ctx:lookup(coll, "desktoptoken_id")
  local code = ctx.state.rng:chars(20)
  return { activation_url = "https://" .. ctx.account.api_hostname .. "/desktop/activate/" .. code,
           valid_secs = ctx:int("valid_secs", 86400, 1), desktoptoken_id = t.desktoptoken_id }
end

return H
