-- How a simulated user answers a verification push (seed field
-- users[].verification_push): { answer = "approve" | "deny" | "fraud" |
-- "timeout", after = seconds }. Until `after` seconds have passed on the
-- tenant's clock (the loop's virtual time when it is on) the push is
-- "waiting"; then it is the answer. A push nobody answers within 60
-- seconds times out, as Duo's do. Without the field: approve after 5 s.
local M = {}

M.EXPIRY = 60
M.DEFAULT = { answer = "approve", after = 5 }
local ANSWERS = { approve = true, deny = true, fraud = true, timeout = true }

-- Checks a seed value; returns it (a fresh table) or fails through checker.
function M.check(v, at, checker)
  for k in pairs(v) do
    if k ~= "answer" and k ~= "after" then checker:fail(at .. "." .. tostring(k), "unknown field (answer, after)") end
  end
  local answer = v.answer or "approve"
  if not ANSWERS[answer] then checker:fail(at .. ".answer", "approve, deny, fraud or timeout, got %s", tostring(answer)) end
  local after = v.after or M.DEFAULT.after
  if math.type(after) ~= "integer" or after < 0 then
    checker:fail(at .. ".after", "must be whole seconds >= 0, got %s", tostring(after))
  end
  return { answer = answer, after = after }
end

-- The result of a push sent at `sent` by a user, at time `now`.
function M.result(user, sent, now)
  local how = user.verification_push or M.DEFAULT
  local elapsed = now - sent
  if how.answer == "timeout" or how.after >= M.EXPIRY then
    return elapsed >= M.EXPIRY and "timeout" or "waiting"
  end
  if elapsed < how.after then return "waiting" end
  return how.answer
end

return M
