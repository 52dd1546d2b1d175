-- The child accounts a fan-out works on: all of them, or those named with
-- --account NAME|ID (repeatable), less those named with --exclude-account.
-- A name that matches no child is an error with close matches, as
-- accounts:child gives.
local duo = require "duo"
local options = require "duo.options"

local M = {}

local EACH_OPTIONS = { concurrency = { "integer", min = 1 }, progress = { values = require("duo.progress").MODES } }

-- The profile's mapping store, read once a run (nil when there is none to
-- read); its organizations by Duo account ID.
local store_cache
local function store()
  if store_cache == nil then
    local ok, s = pcall(require("duo.mappings").load)
    store_cache = ok and s or false
  end
  return store_cache or nil
end

-- The organization of each Duo account: by_account[account_id] = entry.
function M.organizations()
  local by_account = {}
  local s = store()
  for _, e in ipairs(s and s.organizations or {}) do
    if e.duo_account_id and by_account[e.duo_account_id] == nil then by_account[e.duo_account_id] = e end
  end
  return by_account
end

-- A row's org_id and org (SPEC section 8): JSON null without an organization.
function M.org_fields(row, by_account)
  local e = by_account[row.account_id]
  row.org_id = e and e.id or require("duo.json").null
  row.org = e and e.name or require("duo.json").null
  return row
end

-- --account NAME|ID: a child's exact name or ID, or else an organization's
-- name or id in the mapping store (the name the MSP knows it by).
local function matcher(accounts_client, list)
  local ids = {}
  for _, wanted in ipairs(list) do
    local ok, c = pcall(accounts_client.child, accounts_client, wanted)
    if ok then
      ids[c.account_id] = true
    else
      local s = store()
      local e = s and require("duo.mappings").find(s, wanted)
      if not (e and e.duo_account_id) then error(c, 0) end
      ids[e.duo_account_id] = true
    end
  end
  return ids
end

-- The accounts of organizations named (by name or id) and of those with a
-- tag, from the profile's mapping store (SPEC section 8), into ids.
local function by_orgs(ids, orgs, tags)
  if #orgs == 0 and #tags == 0 then return end
  local mappings = require "duo.mappings"
  local errors = require "duo.error"
  local store = mappings.load()
  for _, name in ipairs(orgs) do
    local e = mappings.find(store, name)
    if e == nil then errors.config("no organization '%s' in the mapping store %s (duo-lua -w mappings list)", name,
                                   store.path) end
    if e.duo_account_id == nil then
      errors.config("the organization '%s' has no Duo account (duo-lua -w mappings set --org '%s' --account ID)",
                    e.name, e.name)
    end
    ids[e.duo_account_id] = true
  end
  for _, tag in ipairs(tags) do
    local found = false
    for _, e in ipairs(store.organizations) do
      for _, t in ipairs(type(e.tags) == "table" and e.tags or {}) do
        if type(t) == "string" and t:lower() == tag:lower() and e.duo_account_id then
          ids[e.duo_account_id] = true
          found = true
        end
      end
    end
    if not found then
      errors.config("no organization with a Duo account has the tag '%s' in the mapping store %s", tag, store.path)
    end
  end
end

-- The selection options of a workflow's parsed options (--account, --org,
-- --tag and their --exclude- forms), for select.
function M.selection(opts)
  return { account = opts.account, exclude_account = opts.exclude_account, org = opts.org, tag = opts.tag,
           exclude_org = opts.exclude_org, exclude_tag = opts.exclude_tag }
end

-- The selected accounts (the Accounts API's objects), in the parent's order:
-- opts.account, opts.org, opts.tag (arrays; none: every child) less
-- opts.exclude_account, opts.exclude_org, opts.exclude_tag.
function M.select(accounts_client, opts)
  local all = accounts_client:children()
  local include
  if #(opts.account or {}) + #(opts.org or {}) + #(opts.tag or {}) > 0 then
    include = matcher(accounts_client, opts.account or {})
    by_orgs(include, opts.org or {}, opts.tag or {})
  end
  local exclude = matcher(accounts_client, opts.exclude_account or {})
  by_orgs(exclude, opts.exclude_org or {}, opts.exclude_tag or {})
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
