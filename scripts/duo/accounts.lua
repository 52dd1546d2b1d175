-- Child accounts: accounts:child(id or exact name) gives an Admin client
-- for the child (its api_hostname, account_id on every request), and
-- accounts:each_child runs a function for every child concurrently.
local client = require "duo.client"
local config = require "duo.config"
local errors = require "duo.error"
local options = require "duo.options"
local parallel = require "duo.parallel"
local scheduler = require "duo.scheduler"

local M = {}
local ext = client.extensions.accounts

-- The parent's child-account list, cached on the Accounts client.
local function child_list(self, refresh)
  if refresh or rawget(self, "_children") == nil then
    local list = self:get_child_accounts()
    local by_id = {}
    for _, a in ipairs(list) do by_id[a.account_id] = a end
    rawset(self, "_children", { list = list, by_id = by_id })
  end
  return rawget(self, "_children")
end

-- Lower-case letters and digits only, for "did you mean" matching.
local function squash(s)
  return (tostring(s):lower():gsub("[^%w]", ""))
end

local function close_matches(list, wanted)
  local w = squash(wanted)
  local found = {}
  for _, a in ipairs(list) do
    local n = squash(a.name)
    if #w > 0 and (n:find(w, 1, true) or w:find(n, 1, true)) then
      found[#found + 1] = string.format("'%s' (%s)", a.name, a.account_id)
    end
  end
  table.sort(found)
  return found
end

-- Finds one account by account_id or exact name; raises on none or many.
local function find(self, wanted)
  for attempt = 1, 2 do
    local c = child_list(self, attempt == 2)
    if c.by_id[wanted] then return c.by_id[wanted] end
    local named = {}
    for _, a in ipairs(c.list) do
      if a.name == wanted then named[#named + 1] = a end
    end
    if #named == 1 then return named[1] end
    if #named > 1 then
      local ids = {}
      for i, a in ipairs(named) do ids[i] = a.account_id end
      errors.config("%d child accounts are named '%s' (%s): use the account_id", #named, wanted,
                    table.concat(ids, ", "))
    end
  end
  local close = close_matches(child_list(self).list, wanted)
  errors.config("no child account with the ID or exact name '%s'%s", wanted,
                #close > 0 and ("; close matches: " .. table.concat(close, ", ")) or "")
end

-- Per-child Admin credentials from the profile, for sub-accounts the
-- Accounts API cannot reach.
local function profile_child(self, account_id)
  if rawget(self, "profile") == nil then return nil end
  local p = config.profile(self.profile, self._env)
  local set = p.children and p.children[account_id]
  if set == nil then return nil end
  local opts = {}
  for k in pairs(config.TRANSPORT_OPTIONS) do opts[k] = p[k] end
  for k, v in pairs(set) do opts[k] = v end
  return client.new("admin", opts, "child", self._env)
end

-- accounts:child(account_id | exact name) -> Admin client for that child.
function ext.child(self, wanted)
  if type(wanted) ~= "string" or wanted == "" then
    options.raise(string.format("bad argument #1 to 'child' (account ID or name expected, got %s)",
                        type(wanted) == "string" and "an empty string" or type(wanted)))
  end
  local direct = profile_child(self, wanted)
  if direct then return direct end
  local account = find(self, wanted)
  direct = profile_child(self, account.account_id)
  if direct then return direct end
  local c = client.wrap("admin", self._session:with_host(account.api_hostname), account.api_hostname,
                        self.ikey, account.account_id, self.concurrency, self._env)
  c._parent = self
  c.name = account.name
  return c
end

-- Called when a child answered 403/404 (e, for its request): refreshes
-- the list and returns true when the child's host changed, so the request
-- is worth retrying. A refresh that found the host unchanged marks that
-- answer (status, code, method) as not a move: the next children that get
-- it do not fetch the list again, so a fan-out whose children all lack one
-- permission fetches it once, not once per child. Tasks that need it while
-- another fetches it wait for that fetch.
local function answer_key(e, request)
  return string.format("%s %s %s", tostring(e.status), tostring(e.code),
                       request.row and request.row.name or request.path)
end

function ext._refresh_child(self, child, e, request)
  local not_moves = rawget(self, "_not_moves") or {}
  rawset(self, "_not_moves", not_moves)
  local key = answer_key(e, request)
  if not_moves[key] then return false end
  while rawget(self, "_refreshing") do scheduler.sleep(0.05) end   -- another task is fetching it
  if not_moves[key] then return false end
  rawset(self, "_refreshing", true)
  local ok, c = pcall(child_list, self, true)
  rawset(self, "_refreshing", nil)
  if not ok then error(c, 0) end
  local account = c.by_id[child.account_id]
  if account == nil or account.api_hostname == child.host then
    not_moves[key] = true
    return false
  end
  child._session = self._session:with_host(account.api_hostname)
  child.host = account.api_hostname
  return true
end

-- each_child's options: duo.parallel's, and ordered.
local EACH_CHILD_OPTIONS = { ordered = "boolean" }
for k, v in pairs(parallel.OPTIONS) do EACH_CHILD_OPTIONS[k] = v end

-- accounts:each_child(fn, opts) -> per_child[account_id] = { account,
-- result, error }; fn(child_client, account) runs concurrently, in the
-- scope of duo.parallel: an error or Ctrl-C cancels every child's task.
-- opts.ordered = true: an array of the same entries instead, in the order
-- of the child list (accounts:children()), for output that is the same
-- from run to run.
function ext.each_child(self, fn, opts)
  if type(fn) ~= "function" then
    options.arg_error("each_child", 1, "function expected, got " .. type(fn))
  end
  local popts = { concurrency = self.concurrency or 8, label = "child accounts" }
  local ordered = false
  for k, v in pairs(options.check(opts, EACH_CHILD_OPTIONS, "each_child", 2)) do
    if k == "ordered" then ordered = v else popts[k] = v end
  end
  local list = child_list(self, rawget(self, "_children") == nil).list
  local results, failures = parallel.parallel(list, function(account)
    return fn(ext.child(self, account.account_id), account)
  end, popts)
  local entries, per_child = {}, {}
  for i, account in ipairs(list) do
    entries[i] = { account = account, result = results[i] }
    per_child[account.account_id] = entries[i]
  end
  for _, f in ipairs(failures) do
    per_child[f.item.account_id].error = f.error
  end
  return ordered and entries or per_child
end

-- Creating or deleting a child changes the list: forget the cached one.
for _, name in ipairs{ "create_account", "delete_account" } do
  ext[name] = function(self, ...)
    local r = table.pack(client.method("accounts", name)(self, ...))
    rawset(self, "_children", nil)
    return table.unpack(r, 1, r.n)
  end
end

-- The cached child accounts (fetched on first use).
function ext.children(self, refresh)
  return child_list(self, refresh).list
end

return M
