-- Users: listing and lookups, create/update/delete, enrollment, bypass
-- codes, the user's phones, tokens and groups, directory sync of one user,
-- verification pushes.
local reply = require "sandbox.reply"
local S = require "sandbox.state"

local H = {}
local array = S.array

local SETTABLE_STATUS = { active = true, bypass = true, disabled = true }
local USER_FIELDS = { "email", "firstname", "lastname", "notes", "realname" }

local function render(ctx)
  return function(u) return S.render_user(ctx.account, u) end
end

local function lower(s) return type(s) == "string" and s:lower() or s end

H["GET /admin/v1/users"] = function(ctx)
  local acct, name = ctx.account, ctx.row.name
  local list
  if name == "get_user_by_email" then
    local email = lower(ctx:need("email"))
    list = {}
    for _, u in ipairs(acct.users.list) do
      if lower(u.email) == email then list[#list + 1] = u end
    end
  elseif name == "get_users_by_name" then
    local u = acct:user_by_name(ctx:need("username"))
    list = { u }
  elseif name == "get_users_by_names" then
    list = {}
    for _, n in ipairs(ctx:json_list("username_list", 100)) do
      list[#list + 1] = acct:user_by_name(n)
    end
  elseif name == "get_users_by_ids" then
    list = {}
    for _, id in ipairs(ctx:json_list("user_id_list", 100)) do
      list[#list + 1] = acct.users:get(id)
    end
  else
    list = acct.users.list
  end
  return ctx:page(list, render(ctx))
end

H["GET /admin/v1/users/{user_id}"] = function(ctx)
  return S.render_user(ctx.account, ctx:user())
end

-- Aliases from alias1..alias4 and the form-encoded `aliases` parameter.
local function read_aliases(ctx, into)
  local changed = false
  local encoded = ctx:str("aliases")
  if encoded ~= nil then
    for k in pairs(into) do into[k] = nil end
    for pair in encoded:gmatch("[^&]+") do
      local k, v = pair:match("^([^=]+)=(.*)$")
      if not (k and k:match("^alias[1-8]$")) then reply.bad_param("aliases") end
      into[k] = v:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end)
    end
    changed = true
  end
  for i = 1, 4 do
    local v = ctx:str("alias" .. i)
    if v ~= nil then
      into["alias" .. i] = v ~= "" and v or nil
      changed = true
    end
  end
  return changed
end

local function check_names_free(ctx, user, names)
  for _, n in ipairs(names) do
    local other = ctx.account:user_by_name(n)
    if other and other ~= user then reply.fail(40003, "username or alias '" .. n .. "' is taken") end
  end
end

local function alias_list(aliases)
  local out = {}
  for _, v in pairs(aliases) do out[#out + 1] = v end
  return out
end

local function status_param(ctx)
  local status = ctx:str("status")
  if status ~= nil and not SETTABLE_STATUS[status] then
    reply.bad_param("status", "must be active, bypass or disabled")
  end
  return status
end

local function create_user(ctx, username, fields)
  local acct = ctx.account
  local u = {
    user_id = ctx.state:new_id("user"), username = username, status = fields.status or "active",
    created = ctx:now(), aliases = fields.aliases or {}, custom_attributes = fields.custom_attributes,
  }
  for _, f in ipairs(USER_FIELDS) do u[f] = fields[f] end
  acct:add_user(u)
  return u
end

H["POST /admin/v1/users"] = function(ctx)
  local username = ctx:need("username")
  local aliases = {}
  read_aliases(ctx, aliases)
  local names = alias_list(aliases)
  names[#names + 1] = username
  check_names_free(ctx, nil, names)
  local fields = ctx:fields(USER_FIELDS)
  fields.status = status_param(ctx)
  fields.aliases = aliases
  local custom = {}
  for k in pairs(ctx.params) do
    local attr = k:match("^custom_attributes%.(.+)$")
    if attr then custom[attr] = ctx:str(k) end
  end
  fields.custom_attributes = custom
  local u = create_user(ctx, username, fields)
  ctx:log_action("user_create", username, { email = u.email, realname = u.realname, status = u.status })
  return S.render_user(ctx.account, u)
end

H["POST /admin/v1/users/{user_id}"] = function(ctx)
  local u = ctx:user()
  local acct = ctx.account
  local username = ctx:str("username")
  local aliases = {}
  for k, v in pairs(u.aliases) do aliases[k] = v end
  local aliases_changed = read_aliases(ctx, aliases)
  local names = alias_list(aliases)
  if username then
    if username == "" then reply.bad_param("username") end
    names[#names + 1] = username
  end
  check_names_free(ctx, u, names)
  local status = status_param(ctx)
  local changed = ctx:fields(USER_FIELDS)
  acct:unindex_user(u)
  for k, v in pairs(changed) do u[k] = v end
  if username then u.username = username end
  if aliases_changed then u.aliases = aliases end
  if status then u.status = status end
  acct:index_user(u)
  ctx:log_action("user_update", u.username, changed)
  return S.render_user(acct, u)
end

H["DELETE /admin/v1/users/{user_id}"] = function(ctx)
  local u = ctx:user()
  ctx.account:remove_user(u)
  ctx:log_action("user_delete", u.username)
  return ""
end

H["POST /admin/v1/users/enroll"] = function(ctx)
  local username, email = ctx:need("username"), ctx:need("email")
  ctx:int("valid_secs", nil, 1)
  local acct = ctx.account
  local u = acct:user_by_name(username)
  if u == nil then
    u = create_user(ctx, username, { email = email })
    u.is_enrolled = false
  end
  acct.enrollments[u.user_id] = { email = email, sent = ctx:now() }
  ctx:log_action("user_enroll", username, { email = email })
  return ""
end

-- Bypass codes -------------------------------------------------------------

local function new_code(ctx)
  return string.format("%09d", ctx.state.rng:int(0, 999999999))
end

H["POST /admin/v1/users/{user_id}/bypass_codes"] = function(ctx)
  local u = ctx:user()
  local acct = ctx.account
  local codes
  local given = ctx:str("codes")
  if given ~= nil then
    codes = {}
    for c in given:gmatch("[^,]+") do
      if not c:match("^%d+$") then reply.bad_param("codes", "must be digits") end
      codes[#codes + 1] = c
    end
    if #codes == 0 or #codes > 10 then reply.bad_param("codes", "between 1 and 10 codes") end
  else
    local count = ctx:int("count", 10, 1, 10)
    codes = {}
    for i = 1, count do codes[i] = new_code(ctx) end
  end
  local reuse = ctx:int("reuse_count", 1, 0)
  local valid = ctx:int("valid_secs", 0, 0)
  local preserve = ctx:bool("preserve_existing", false)
  if not preserve then
    for i = #acct.bypass_codes.list, 1, -1 do
      local b = acct.bypass_codes.list[i]
      if b.user_id == u.user_id then acct.bypass_codes:remove(b.bypass_code_id) end
    end
  end
  local now = ctx:now()
  for _, code in ipairs(codes) do
    acct.bypass_codes:add{ bypass_code_id = ctx.state:new_id("bypass_code"), user_id = u.user_id,
                           code = code, created = now, expiration = valid > 0 and now + valid or nil,
                           reuse_count = reuse > 0 and reuse or nil, admin_email = "" }
  end
  ctx:log_action("bypass_create", u.username, { count = #codes })
  return array(codes)
end

local function user_codes(acct, u)
  local list = {}
  for _, b in ipairs(acct.bypass_codes.list) do
    if b.user_id == u.user_id then list[#list + 1] = b end
  end
  return list
end

H["GET /admin/v1/users/{user_id}/bypass_codes"] = function(ctx)
  local acct = ctx.account
  return ctx:page(user_codes(acct, ctx:user()), function(b) return S.render_bypass_code(acct, b) end)
end

-- The user's phones, tokens, groups ---------------------------------------

local function objects(coll, ids)
  local out = {}
  for _, id in ipairs(ids) do
    local o = coll:get(id)
    if o then out[#out + 1] = o end
  end
  return out
end

H["GET /admin/v1/users/{user_id}/phones"] = function(ctx)
  local acct = ctx.account
  return ctx:page(objects(acct.phones, ctx:user().phones), function(p) return S.render_phone(acct, p, false) end)
end

H["POST /admin/v1/users/{user_id}/phones"] = function(ctx)
  local u, acct = ctx:user(), ctx.account
  local p = acct.phones:get(ctx:need("phone_id")) or reply.not_found("phone_id " .. ctx:str("phone_id"))
  acct:link_phone(u, p)
  ctx:log_action("user_update", u.username, { phone_id = p.phone_id })
  return ""
end

H["DELETE /admin/v1/users/{user_id}/phones/{phone_id}"] = function(ctx)
  local u, acct = ctx:user(), ctx.account
  local p = ctx:lookup(acct.phones, "phone_id")
  acct:unlink_phone(u, p)
  return ""
end

H["GET /admin/v1/users/{user_id}/tokens"] = function(ctx)
  local acct = ctx.account
  return ctx:page(objects(acct.tokens, ctx:user().tokens), function(t) return S.render_token(acct, t, false) end)
end

H["POST /admin/v1/users/{user_id}/tokens"] = function(ctx)
  local u, acct = ctx:user(), ctx.account
  local t = acct.tokens:get(ctx:need("token_id")) or reply.not_found("token_id " .. ctx:str("token_id"))
  acct:link_token(u, t)
  return ""
end

H["DELETE /admin/v1/users/{user_id}/tokens/{token_id}"] = function(ctx)
  local u, acct = ctx:user(), ctx.account
  acct:unlink_token(u, ctx:lookup(acct.tokens, "token_id"))
  return ""
end

H["GET /admin/v1/users/{user_id}/u2ftokens"] = function(ctx)
  return ctx:page(ctx:user().u2ftokens)
end

H["GET /admin/v1/users/{user_id}/webauthncredentials"] = function(ctx)
  return ctx:page(ctx:user().webauthncredentials)
end

H["GET /admin/v1/users/{user_id}/groups"] = function(ctx)
  return ctx:page(objects(ctx.account.groups, ctx:user().groups), S.render_group)
end

H["POST /admin/v1/users/{user_id}/groups"] = function(ctx)
  local u, acct = ctx:user(), ctx.account
  local g = acct.groups:get(ctx:need("group_id")) or reply.not_found("group_id " .. ctx:str("group_id"))
  acct:link_group(u, g)
  ctx:log_action("user_update", u.username, { group_id = g.group_id })
  return ""
end

H["DELETE /admin/v1/users/{user_id}/groups/{group_id}"] = function(ctx)
  local u, acct = ctx:user(), ctx.account
  acct:unlink_group(u, ctx:lookup(acct.groups, "group_id"))
  return ""
end

-- Directory sync of one user ------------------------------------------------

H["POST /admin/v1/users/directorysync/{directory_key}/syncuser"] = function(ctx)
  local acct = ctx.account
  local dir = ctx:lookup(acct.directories, "directory_key")
  local username = ctx:need("username")
  local record = dir.members[username:lower()]
  local u = acct:user_by_name(username)
  local now = ctx:now()
  if record == nil then
    if u == nil or u.directory_key ~= dir.directory_key then
      reply.not_found("user '" .. username .. "' is not in directory " .. dir.name)
    end
    u.status = "pending deletion"
    u.last_directory_sync = now
    ctx:log_action("user_directory_sync", username, { directory = dir.name, result = "marked for deletion" })
    return { user = S.render_user(acct, u), action = "pending_deletion" }
  end
  local action = "updated"
  if u == nil then
    u = create_user(ctx, record.username, {})
    action = "created"
  end
  acct:unindex_user(u)
  for _, f in ipairs(USER_FIELDS) do
    if record[f] ~= nil then u[f] = record[f] end
  end
  u.username = record.username
  acct:index_user(u)
  if u.status == "pending deletion" then u.status = "active" end
  u.directory_key = dir.directory_key
  u.last_directory_sync = now
  ctx:log_action("user_directory_sync", username, { directory = dir.name, result = action })
  return { user = S.render_user(acct, u), action = action }
end

return H
