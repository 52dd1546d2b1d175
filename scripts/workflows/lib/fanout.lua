-- The child accounts a fan-out works on: all of them, or those named with
-- --account NAME|ID (repeatable), less those named with --exclude-account.
-- A name that matches no child is an error with close matches, as
-- accounts:child gives.
local duo = require "duo"
local options = require "duo.options"

local M = {}

local EACH_OPTIONS = { concurrency = { "integer", min = 1 }, progress = { values = require("duo.progress").MODES } }

local function matcher(accounts_client, list)
  local ids = {}
  for _, wanted in ipairs(list) do
    local c = accounts_client:child(wanted)   -- exact name or ID; raises otherwise
    ids[c.account_id] = true
  end
  return ids
end

-- The selected accounts (the Accounts API's objects), in the parent's order.
function M.select(accounts_client, opts)
  local all = accounts_client:children()
  local include = #(opts.account or {}) > 0 and matcher(accounts_client, opts.account) or nil
  local exclude = matcher(accounts_client, opts.exclude_account or {})
  local out = {}
  for _, a in ipairs(all) do
    if (include == nil or include[a.account_id]) and not exclude[a.account_id] then out[#out + 1] = a end
  end
  return out
end

-- Like accounts:each_child, on the selected accounts only:
-- per_child[account_id] = { account, result, error }. opts: concurrency
-- (16), progress (duo.progress's mode: "auto", or "status" for --progress).
function M.each(accounts_client, accounts, fn, opts)
  opts = options.check(opts, EACH_OPTIONS, "each", 4)
  local results, failures = duo.parallel(accounts, function(account)
    return fn(accounts_client:child(account.account_id), account)
  end, { concurrency = opts.concurrency or 16, label = "child accounts",
                                                  progress = opts.progress })
  local per_child = {}
  for i, account in ipairs(accounts) do
    per_child[account.account_id] = { account = account, result = results[i] }
  end
  for _, f in ipairs(failures) do per_child[f.item.account_id].error = f.error end
  return per_child
end

return M
