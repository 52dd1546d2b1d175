-- Verification pushes (Admin API): sent to one of the user's activated
-- phones, answered later as the user's seed says (sandbox.verification).
local reply = require "sandbox.reply"
local S = require "sandbox.state"
local verification = require "sandbox.verification"

local H = {}

H["POST /admin/v1/users/{user_id}/send_verification_push"] = function(ctx)
  local u, acct = ctx:user(), ctx.account
  local phone_id = ctx:need("phone_id")
  if not S.contains(u.phones, phone_id) then reply.not_found("phone_id " .. phone_id .. " of this user") end
  local p = acct.phones:get(phone_id)
  if not (p and p.activated) then reply.bad_param("phone_id", "the phone is not activated for Duo Push") end
  local push_id = ctx.state.rng:txid()
  acct.pushes[push_id] = { user_id = u.user_id, phone_id = phone_id, sent = ctx:now() }
  ctx:log_action("verification_push", u.username, { phone_id = phone_id })
  return { push_id = push_id }
end

H["GET /admin/v1/users/{user_id}/verification_push_response"] = function(ctx)
  local u, acct = ctx:user(), ctx.account
  local push_id = ctx:need("push_id")
  local push = acct.pushes[push_id]
  if push == nil or push.user_id ~= u.user_id then reply.not_found("push_id " .. push_id) end
  return { push_id = push_id, result = verification.result(u, push.sent, ctx:now()) }
end

return H
