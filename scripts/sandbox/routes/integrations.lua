-- Integrations (applications). A new Admin, Accounts or Auth API
-- integration's keys work against the sandbox at once.
local reply = require "sandbox.reply"
local S = require "sandbox.state"

local H = {}

local FIELDS = { "enroll_policy", "greeting", "ip_whitelist_enroll_policy", "notes", "trusted_device_days",
                 "username_normalization_policy", "visual_style" }

local function get_integration(ctx)
  return ctx:lookup(ctx.account.integrations, "integration_key")
end

local function apply(ctx, i)
  for _, f in ipairs(FIELDS) do
    local v = ctx:str(f)
    if v ~= nil then i[f] = v end
  end
  for _, f in ipairs(S.ADMINAPI_FLAGS) do
    local v = ctx:bool(f)
    if v ~= nil then
      if i.type ~= "adminapi" then reply.bad_param(f, "only Admin API integrations have permissions") end
      i[f] = v and 1 or 0
    end
  end
  local allowed = ctx:str("groups_allowed")
  if allowed ~= nil then
    local list = {}
    for id in allowed:gmatch("[^,]+") do
      if not ctx.account.groups:get(id) then reply.not_found("group_id " .. id) end
      list[#list + 1] = id
    end
    i.groups_allowed = list
  end
  local self_service = ctx:bool("self_service_allowed")
  if self_service ~= nil then i.self_service_allowed = self_service end
  for _, f in ipairs{ "sso", "user_access" } do
    local v = ctx.params[f]
    if v ~= nil then i[f] = v end
  end
end

H["GET /admin/v3/integrations"] = function(ctx)
  return ctx:page(ctx.account.integrations.list, function(i) return S.render_integration(i, false) end)
end

H["GET /admin/v3/integrations/{integration_key}"] = function(ctx)
  return S.render_integration(get_integration(ctx), false)
end

H["POST /admin/v3/integrations"] = function(ctx)
  local name, itype = ctx:need("name"), ctx:need("type")
  if not itype:match("^[%w%-_]+$") then reply.bad_param("type") end
  local i = { integration_key = ctx.state:new_id("integration"), secret_key = ctx.state.rng:skey(),
              name = name, type = itype }
  if itype == "adminapi" then
    for _, f in ipairs(S.ADMINAPI_FLAGS) do i[f] = 0 end
  end
  apply(ctx, i)
  ctx.state:add_integration(ctx.account, i)
  ctx:log_action("integration_create", name, { type = itype })
  return S.render_integration(i, true)
end

H["POST /admin/v3/integrations/{integration_key}"] = function(ctx)
  local i = get_integration(ctx)
  local name = ctx:str("name")
  if name then
    if name == "" then reply.bad_param("name") end
    i.name = name
  end
  apply(ctx, i)
  if ctx:bool("reset_secret_key", false) then
    i.secret_key = ctx.state.rng:skey()
  end
  ctx:log_action("integration_update", i.name)
  return S.render_integration(i, false)
end

H["DELETE /admin/v3/integrations/{integration_key}"] = function(ctx)
  local i = get_integration(ctx)
  if i == ctx.integration then
    reply.bad_param("integration_key", "an integration cannot delete itself")
  end
  ctx.state:remove_integration(ctx.account, i.integration_key)
  ctx:log_action("integration_delete", i.name)
  return ""
end

H["GET /admin/v1/integrations/{integration_key}/skey"] = function(ctx)
  return { secret_key = get_integration(ctx).secret_key }
end

return H
