-- Finding one person in child accounts by username (or alias) or e-mail
-- address, for the workflows that act on a user (offboard-user,
-- verify-identity).
local fanout = require "workflows.lib.fanout"

local M = {}

-- The users matching opts.username or opts.email in one Admin client.
function M.in_account(admin, opts)
  if opts.username then return admin:get_users_by_name(opts.username) end
  return admin:get_user_by_email(opts.email)
end

-- Searches the selected accounts concurrently. Returns the matches as
-- { account, user } in the parent's order of accounts, and the failures
-- as { account, error }.
function M.everywhere(accounts_client, selected, opts)
  local per_child = fanout.each(accounts_client, selected, function(child)
    return M.in_account(child, opts)
  end)
  local matches, failures = {}, {}
  for _, account in ipairs(selected) do
    local r = per_child[account.account_id]
    if r.error then
      failures[#failures + 1] = { account = account, error = r.error }
    else
      for _, user in ipairs(r.result or {}) do matches[#matches + 1] = { account = account, user = user } end
    end
  end
  return matches, failures
end

-- "username 'alice'" or "e-mail 'a@b'", for messages.
function M.describe(opts)
  if opts.username then return string.format("username '%s'", opts.username) end
  return string.format("e-mail '%s'", opts.email)
end

return M
