-- The Auth API (v2, and the legacy v1): ping/check/logo, enrollment,
-- preauth and auth against the account's users. The simulated user
-- approves every push; each authentication is written to the account's
-- authentication log.
local reply = require "sandbox.reply"
local S = require "sandbox.state"

local H = {}

local function time(ctx)
  return { time = ctx:now() }
end

H["GET /auth/v2/ping"] = time
H["GET /auth/v2/check"] = time

local function logo(ctx)
  return reply.raw(ctx.account.logo or reply.PNG)
end
H["GET /auth/v2/logo"] = logo
H["GET /rest/v1/logo"] = logo

H["GET /rest/v1/ping"] = function() return "pong" end
H["GET /rest/v1/check"] = function() return "valid" end

-- The user a request names (username or user_id), or nil.
local function find_user(ctx, username_param)
  local acct = ctx.account
  local id = ctx:str("user_id")
  if id then return acct.users:get(id) end
  local name = ctx:str(username_param or "username")
  return name and acct:user_by_name(name)
end

local function masked(number)
  if type(number) ~= "string" or #number < 4 then return "" end
  return "XXX-XXX-" .. number:sub(-4)
end

local function devices(acct, u)
  local out = S.array()
  for _, pid in ipairs(u.phones) do
    local p = acct.phones:get(pid)
    if p then
      local caps = S.render_phone(acct, p, false).capabilities
      out[#out + 1] = { device = p.phone_id, type = "phone", number = masked(p.number), name = p.name or "",
                        display_name = (p.activated and "iOS" or "Phone") .. " (" .. masked(p.number) .. ")",
                        capabilities = caps }
    end
  end
  for _, tid in ipairs(u.tokens) do
    out[#out + 1] = { device = tid, type = "token", name = "", display_name = "Hardware token",
                      capabilities = S.array() }
  end
  return out
end

-- What the service decides before any factor: auth, allow, deny or enroll.
local function decide(acct, u)
  if u == nil then return "enroll", "Enroll an authentication device to proceed" end
  if u.status == "disabled" then return "deny", "Your account is disabled." end
  if u.status == "locked out" then return "deny", "Your account is locked out." end
  if u.status == "pending deletion" then return "deny", "Your account is pending deletion." end
  if u.status == "bypass" then return "allow", "Allowing unknown user" end
  if not acct:user_enrolled(u) then return "enroll", "Enroll an authentication device to proceed" end
  return "auth", "Account is active"
end

H["POST /auth/v2/preauth"] = function(ctx)
  local acct = ctx.account
  local u = find_user(ctx)
  local result, msg = decide(acct, u)
  local out = { result = result, status_msg = msg }
  if result == "auth" then out.devices = devices(acct, u) end
  if result == "enroll" then out.enroll_portal_url = "https://" .. acct.api_hostname .. "/portal?code=" ..
                                                     ctx.state.rng:hex(16) end
  return out
end

-- Checks a passcode: one of the user's bypass codes (used up by its
-- reuse count), or any six digits when the user has Duo Mobile.
local function passcode_ok(acct, u, code)
  if type(code) ~= "string" or not code:match("^%d+$") then return false end
  for _, b in ipairs(acct.bypass_codes.list) do
    if b.user_id == u.user_id and b.code == code then
      if b.reuse_count then
        b.reuse_count = b.reuse_count - 1
        if b.reuse_count <= 0 then acct.bypass_codes:remove(b.bypass_code_id) end
      end
      return true
    end
  end
  if #code ~= 6 then return false end
  for _, pid in ipairs(u.phones) do
    local p = acct.phones:get(pid)
    if p and p.activated then return true end
  end
  return false
end

local FACTOR_LOG = { push = "duo_push", auto = "duo_push", phone = "phone_call", passcode = "passcode",
                     sms = "sms_passcode" }

-- Runs one authentication; returns result, status, status_msg.
local function authenticate(ctx, u, factor, passcode)
  local acct = ctx.account
  local result, msg = decide(acct, u)
  local status, reason
  if result == "allow" then
    status, reason = "bypass", "bypass_user"
  elseif result ~= "auth" then
    result, status, reason = "deny", result == "enroll" and "enroll" or "deny",
                             result == "enroll" and "user_not_enrolled" or "user_disabled"
  elseif factor == "sms" then
    result, status, msg, reason = "deny", "sent", "New SMS passcodes sent.", "user_cancelled"
  elseif factor == "passcode" then
    if passcode_ok(acct, u, passcode) then
      result, status, msg, reason = "allow", "allow", "Success. Logging you in...", "valid_passcode"
    else
      result, status, msg, reason = "deny", "deny", "Incorrect passcode. Please try again.", "invalid_passcode"
    end
  else
    result, status, msg, reason = "allow", "allow", "Success. Logging you in...", "user_approved"
  end
  local integ = ctx.integration
  acct:add_authlog{
    txid = ctx.state.rng:txid(), ts_ms = ctx:now() * 1000, user_id = u and u.user_id,
    username = u and u.username or ctx:str("username") or ctx:str("user") or "",
    email = u and u.email, result = result == "allow" and "success" or "denied", reason = reason,
    factor = FACTOR_LOG[factor] or factor, event_type = "authentication",
    application = integ and integ.name, application_key = integ and integ.integration_key,
    ip = ctx:str("ipaddr") or "",
  }
  if u and result == "allow" then u.last_login = ctx:now() end
  return result, status, msg
end

local FACTORS = { auto = true, push = true, passcode = true, sms = true, phone = true }

H["POST /auth/v2/auth"] = function(ctx)
  local factor = ctx:need("factor")
  if not FACTORS[factor] then reply.bad_param("factor", "auto, push, passcode, sms or phone") end
  if not ctx:str("username") and not ctx:str("user_id") then reply.bad_param("username") end
  if factor == "passcode" then ctx:need("passcode") end
  local async = ctx:bool("async", false)
  local u = find_user(ctx)
  local result, status, msg = authenticate(ctx, u, factor, ctx:str("passcode"))
  if async then
    local txid = ctx.state.rng:txid()
    ctx.account.transactions[txid] = { result = result, status = status, status_msg = msg }
    return { txid = txid }
  end
  return { result = result, status = status, status_msg = msg }
end

H["GET /auth/v2/auth_status"] = function(ctx)
  local txid = ctx:need("txid")
  local t = ctx.account.transactions[txid] or reply.bad_param("txid", "unknown transaction")
  return { result = t.result, status = t.status, status_msg = t.status_msg }
end

H["POST /auth/v2/enroll"] = function(ctx)
  local acct, state = ctx.account, ctx.state
  local username = ctx:str("username")
  if username == nil or username == "" then
    repeat username = "user" .. state.rng:int(100000, 999999) until not acct:user_by_name(username)
  elseif acct:user_by_name(username) then
    reply.bad_param("username", "already exists")
  end
  local valid = ctx:int("valid_secs", 86400, 1)
  local u = acct:add_user{ user_id = state:new_id("user"), username = username, status = "active",
                           created = ctx:now(), is_enrolled = false }
  local code = state.rng:chars(20)
  acct.enrollments[u.user_id] = { activation_code = code, checks = 0 }
  return {
    activation_barcode = "https://" .. acct.api_hostname .. "/frame/qr?value=duo%3A%2F%2F" .. code,
    activation_code = "duo://" .. code, expiration = ctx:now() + valid, user_id = u.user_id,
    username = username,
  }
end

-- "waiting" the first time it is asked, then "success": the simulated
-- user scans the code while the caller polls.
H["POST /auth/v2/enroll_status"] = function(ctx)
  local acct = ctx.account
  local uid, code = ctx:need("user_id"), ctx:need("activation_code")
  local e = acct.enrollments[uid]
  local u = acct.users:get(uid)
  if e == nil or u == nil or ("duo://" .. tostring(e.activation_code) ~= code and e.activation_code ~= code) then
    return "invalid"
  end
  e.checks = e.checks + 1
  if e.checks < 2 then return "waiting" end
  if #u.phones == 0 then
    local p = acct:add_phone{ phone_id = ctx.state:new_id("phone"), type = "Mobile", platform = "Apple iOS",
                              activated = true, number = "" }
    acct:link_phone(u, p)
  end
  u.is_enrolled = true
  return "success"
end

-- Auth API v1 (form-encoded, signature v2) ----------------------------------------

H["POST /rest/v1/preauth"] = function(ctx)
  local acct = ctx.account
  local u = find_user(ctx, "user")
  local result, msg = decide(acct, u)
  if result ~= "auth" then
    return { result = result, status = msg }
  end
  local factors = {}
  local n = 0
  for _, d in ipairs(devices(acct, u)) do
    if d.type == "phone" then
      n = n + 1
      factors[tostring(n)] = "push" .. n
    end
  end
  factors.default = factors["1"] or "passcode"
  return { result = "auth", factors = factors, prompt = "Duo two-factor login" }
end

H["POST /rest/v1/auth"] = function(ctx)
  local factor = ctx:need("factor")
  local u = find_user(ctx, "user")
  local f = factor == "auto" and "push" or factor
  local result, status, msg = authenticate(ctx, u, f, ctx:str("code"))
  if ctx:str("async") == "1" then
    local txid = ctx.state.rng:txid()
    ctx.account.transactions[txid] = { result = result, status = msg }
    return { txid = txid }
  end
  return { result = result, status = msg or status }
end

H["GET /rest/v1/status"] = function(ctx)
  local t = ctx.account.transactions[ctx:need("txid")] or reply.bad_param("txid", "unknown transaction")
  return { result = t.result, status = t.status }
end

return H
