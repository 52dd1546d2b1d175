-- Groups and their members.
local reply = require "sandbox.reply"
local S = require "sandbox.state"

local H = {}

local STATUS = { active = "Active", bypass = "Bypass", disabled = "Disabled" }
local BOOLS = { "mobile_otp_enabled", "push_enabled", "sms_enabled", "u2f_enabled", "voice_enabled" }

H["GET /admin/v1/groups"] = function(ctx)
  local list = ctx.account.groups.list
  if ctx.row.name == "get_groups_by_group_ids" then
    list = {}
    for _, id in ipairs(ctx:json_list("group_id_list", 100)) do
      list[#list + 1] = ctx.account.groups:get(id)
    end
    return ctx:page(list, S.render_group)
  end
  return ctx:page(list, S.render_group)
end

local function get_group(ctx)
  return ctx:lookup(ctx.account.groups, "group_id")
end

H["GET /admin/v1/groups/{group_id}"] = function(ctx)
  return S.render_group(get_group(ctx))
end

H["GET /admin/v2/groups/{group_id}"] = function(ctx)
  local g = get_group(ctx)
  local out = S.render_group(g)
  out.user_count = #g.users
  return out
end

H["GET /admin/v2/groups/{group_id}/users"] = function(ctx)
  local g, acct = get_group(ctx), ctx.account
  local members = {}
  for _, uid in ipairs(g.users) do members[#members + 1] = acct.users:get(uid) end
  return ctx:page(members, function(u) return { user_id = u.user_id, username = u.username } end)
end

local function apply(ctx, g)
  local desc = ctx:str("desc")
  if desc then g.desc = desc end
  local status = ctx:str("status")
  if status then
    g.status = STATUS[status:lower()] or reply.bad_param("status", "active, bypass or disabled")
  end
  for _, b in ipairs(BOOLS) do
    local v = ctx:bool(b)
    if v ~= nil then g[b] = v end
  end
end

local function name_taken(ctx, name, except)
  local other = ctx.account:group_by_name(name)
  if other and other ~= except then reply.fail(40003, "a group named '" .. name .. "' exists") end
end

H["POST /admin/v1/groups"] = function(ctx)
  local name = ctx:need("name")
  name_taken(ctx, name)
  local g = { group_id = ctx.state:new_id("group"), name = name, status = "Active" }
  apply(ctx, g)
  ctx.account:add_group(g)
  ctx:log_action("group_create", name)
  return S.render_group(g)
end

H["POST /admin/v1/groups/{group_id}"] = function(ctx)
  local g = get_group(ctx)
  local name = ctx:str("name")
  if name then
    if name == "" then reply.bad_param("name") end
    name_taken(ctx, name, g)
    g.name = name
  end
  apply(ctx, g)
  ctx:log_action("group_update", g.name)
  return S.render_group(g)
end

H["DELETE /admin/v1/groups/{group_id}"] = function(ctx)
  local g = get_group(ctx)
  ctx.account:remove_group(g)
  ctx:log_action("group_delete", g.name)
  return ""
end

return H
