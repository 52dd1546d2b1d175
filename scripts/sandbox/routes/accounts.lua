-- The Accounts API (child accounts of the parent) and the billing
-- endpoints of a child (Admin API paths, Accounts API keys).
local reply = require "sandbox.reply"
local S = require "sandbox.state"

local H = {}

H["POST /accounts/v1/account/list"] = function(ctx)
  local out = S.array()
  for _, c in ipairs(ctx.state.children) do out[#out + 1] = S.render_account(c) end
  return out
end

H["POST /accounts/v1/account/create"] = function(ctx)
  local name = ctx:need("name")
  local state = ctx.state
  local acct = S.new_account(state, { account_id = state:new_id("account"), name = name,
                                      api_hostname = state:new_hostname() })
  acct.policies:add{ policy_key = "global", policy_name = "Global Policy", is_global_policy = true, sections = {} }
  state:add_child(acct)
  ctx:log_action("account_create", name)
  return S.render_account(acct)
end

H["POST /accounts/v1/account/delete"] = function(ctx)
  local id = ctx:need("account_id")
  local acct = ctx.state:remove_child(id) or reply.not_found("account_id " .. id)
  ctx:log_action("account_delete", acct.name)
  return ""
end

local EDITIONS = { ENTERPRISE = true, PLATFORM = true, BEYOND = true, ESSENTIALS = true, ADVANTAGE = true,
                   PREMIER = true }

H["GET /admin/v1/billing/edition"] = function(ctx)
  return { edition = ctx.account.edition }
end

H["POST /admin/v1/billing/edition"] = function(ctx)
  local edition = ctx:need("edition")
  if not EDITIONS[edition] then reply.bad_param("edition", "ENTERPRISE, PLATFORM or BEYOND") end
  ctx.account.edition = edition
  return ""
end

H["GET /admin/v1/billing/telephony_credits"] = function(ctx)
  return { credits = ctx.account.telephony_credits }
end

-- The child's new total; the difference comes from (or goes back to) the
-- parent's credits.
H["POST /admin/v1/billing/telephony_credits"] = function(ctx)
  local credits = ctx:int("credits", nil, 0)
  local child, parent = ctx.account, ctx.state.parent
  local diff = credits - child.telephony_credits
  if diff > parent.telephony_credits then
    reply.bad_param("credits", string.format("the parent has only %d credits to give", parent.telephony_credits))
  end
  parent.telephony_credits = parent.telephony_credits - diff
  child.telephony_credits = credits
  return { credits = credits }
end

return H
