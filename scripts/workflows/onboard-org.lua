-- onboard-org: a new client in one job: its child account, edition, credits, baseline, first admin and mapping
-- (SPEC section 8). Each step is recorded as it completes (workflows/lib/onboarding.lua),
-- so a run that was interrupted resumes from the first step not done.
local args = require "workflows.lib.args"
local confirm = require "workflows.lib.confirm"
local output = require "workflows.lib.output"
local host = require "workflows.lib.host"
local store_mod = require "workflows.lib.store"
local onboarding = require "workflows.lib.onboarding"
local baselines = require "workflows.lib.baseline"
local json = require "duo.json"
local errors = require "duo.error"
local termtext = require "duo.termtext"

local NAME = "onboard-org"
local HELP = [[
usage: duo-lua -w onboard-org --org NAME [--id ID] [--baseline FILE] [--edition E]
                              [--telephony-credits N] [--admin-email E --admin-name N]
                              [--tag T]... [--yes] [--dry-run] [--format table|json]

Onboards a new client organization in one job, step by step:

  create_account         a new Duo child account named NAME
  set_edition            its edition (--edition)
  set_telephony_credits  its telephony credit total, taken from the parent's
                         (--telephony-credits)
  apply_baseline         the baseline's settings and global policy, as
                         standards --apply sets them (--baseline)
  add_admin              its first administrator (--admin-email, --admin-name)
  record_mapping         the organization in the profile's mapping store,
                         confirmed (by you, now), with its tags

It prints the plan and asks "Proceed? [y/N]" first. Each step is recorded
as it completes in STORE.onboarding.json beside the mapping store, so a run
that was interrupted (even killed) and is run again with the same options
resumes from the first step not done: it never creates a second child
account. An organization already mapped to an account is refused, as is a
new one whose name a child account already has (map that one with
mappings set).

  --org NAME          the organization (the company's name in your PSA); also
                      the child account's name
  --id ID             the organization's id (the PSA's company id)
  --baseline FILE     a standards baseline (JSON) to apply
  --edition E         ENTERPRISE, PLATFORM, BEYOND, ESSENTIALS, ADVANTAGE or PREMIER
  --telephony-credits N  the child's telephony credits
  --admin-email E     the first administrator's e-mail (with --admin-name)
  --admin-name N      the first administrator's name
  --tag T             a tag of the organization in the store (may repeat)
  --yes               act without asking (needed when there is no terminal)
  --dry-run           print the plan, send and record nothing
  --format F          table (default) or json
  --output FILE       write the output to FILE instead of standard output
  --profile P         the profile (default: the configured default)
  -h, --help          this text

--format json prints {"org", "org_id", "duo_account_id", "steps": [{"step",
"result": "done|planned|error", "error"}]}; a step a previous run did is
"done". Exit status: 0 every step done (or planned under --dry-run), 1 a
step failed (run again to resume) or the prompt was declined, 2 usage
error, an organization already mapped, or no terminal to ask on without --yes.
]]

local EDITIONS = { "ENTERPRISE", "PLATFORM", "BEYOND", "ESSENTIALS", "ADVANTAGE", "PREMIER" }

local opts, rest = args.parse({
  name = NAME, help = HELP,
  options = {
    org = { value = "NAME", required = true }, id = { value = "ID" }, baseline = { value = "FILE" },
    edition = { value = "E", choices = EDITIONS },
    ["telephony-credits"] = { value = "N", number = true, min = 0, max = 1000000000 },
    ["admin-email"] = { value = "E" }, ["admin-name"] = { value = "N" },
    tag = { value = "T", many = true },
    yes = args.YES, format = args.format{ "table", "json" }, output = args.OUTPUT,
  },
}, { ... })
if opts == nil then return rest end

local function refuse(fmt, ...)
  io.stdout:flush()
  io.stderr:write(termtext.format("duo-lua: %s: " .. fmt .. "\n", NAME, ...))
  return 2
end

local org_name = opts.org:gsub("^%s+", ""):gsub("%s+$", "")
if org_name == "" then return args.usage_error(NAME, "--org needs a name") end
if opts.telephony_credits and math.type(opts.telephony_credits) ~= "integer" then
  return args.usage_error(NAME, "--telephony-credits needs a whole number, got %s", tostring(opts.telephony_credits))
end
if (opts.admin_email == nil) ~= (opts.admin_name == nil) then
  return args.usage_error(NAME, "--admin-email and --admin-name go together")
end
if opts.admin_email and not opts.admin_email:match("^[^%s@]+@[^%s@]+%.[^%s@]+$") then
  return args.usage_error(NAME, "--admin-email must be an e-mail address, got '%s'", opts.admin_email)
end
for _, t in ipairs(opts.tag) do
  if t:match("^%s*$") then return args.usage_error(NAME, "--tag needs a non-empty value") end
end
local baseline = opts.baseline and baselines.load(opts.baseline)   -- checked before anything is sent

-- The plan: what a resumed run must repeat.
local plan = { edition = opts.edition, telephony_credits = opts.telephony_credits, baseline = opts.baseline,
               admin_email = opts.admin_email, admin_name = opts.admin_name, id = opts.id }
local PLAN_FLAGS = { edition = "--edition", telephony_credits = "--telephony-credits", baseline = "--baseline",
                     admin_email = "--admin-email", admin_name = "--admin-name", id = "--id" }

-- The store: the profile's. An organization in another profile's store
-- belongs to that profile's parent account.
local located_path, located_profile = store_mod.locate(org_name)
if located_profile and located_profile ~= host.settings().profile then
  return refuse("organization '%s' is in the mapping store of profile '%s' (%s): run with --profile %s",
                org_name, located_profile, located_path, located_profile)
end
local store_path = store_mod.path()
local dry = host.dry_run()
local book = onboarding.open(store_path, not dry)
local rec = onboarding.get(book, org_name)
local store = store_mod.load(store_path)

if rec then
  for k, flag in pairs(PLAN_FLAGS) do
    if rec.plan[k] ~= plan[k] and not (rec.plan[k] == json.null and plan[k] == nil) then
      return refuse("an onboarding of '%s' was interrupted with %s %s (recorded in %s): run it again with the "
                    .. "same options to resume", org_name, flag, tostring(rec.plan[k] == json.null and "(none)"
                                                                           or rec.plan[k]), book.path)
    end
  end
end

-- The organization's entry, if the store has one: by id when given, else
-- by name; mapped already means nothing to do (unless this onboarding
-- mapped it and stopped before forgetting its record).
local entry = store_mod.find_company(store, opts.id, org_name)
local by_name = store_mod.find(store, org_name)
if opts.id and by_name and by_name ~= entry and by_name.id then
  return refuse("organization '%s' has the id '%s' in %s, not '%s'", by_name.name, by_name.id, store_path, opts.id)
end
entry = entry or by_name
if entry and entry.duo_account_id and not (rec and rec.duo_account_id == entry.duo_account_id) then
  return refuse("organization '%s' is already mapped to the account %s in %s: nothing to onboard", entry.name,
                entry.duo_account_id, store_path)
end
local org_id = opts.id or (entry and entry.id)

local duo = require "duo"
local accounts = duo.accounts()

-- The child account an interrupted run created must still be there; a
-- child account that already has the name (and is not this onboarding's)
-- is refused.
if rec and rec.duo_account_id then
  local listed = false
  for _, a in ipairs(accounts:children()) do listed = listed or a.account_id == rec.duo_account_id end
  if not listed then
    errors.config("the interrupted onboarding of '%s' recorded in %s created the child account %s, which the "
                  .. "parent no longer lists: move that file away to start over", org_name, book.path,
                  rec.duo_account_id)
  end
elseif not (rec and rec.steps.create_account) then
  for _, a in ipairs(accounts:children()) do
    if a.name == org_name then
      return refuse("a child account named '%s' exists already (%s): map it with duo-lua -w mappings set --org "
                    .. "NAME --account %s", org_name, a.account_id, a.account_id)
    end
  end
end

-- The steps --------------------------------------------------------------------------

local account_id = rec and rec.duo_account_id
local function child() return accounts:child(account_id) end

local function admin_exists(c)
  for _, a in ipairs(c:get_admins()) do
    if type(a.email) == "string" and a.email:lower() == opts.admin_email:lower() then return true end
  end
  return false
end

local STEPS = {
  { step = "create_account", what = string.format("create the child account '%s'", org_name),
    run = function(state)
      if state == "started" then
        -- interrupted while creating it: it may exist; adopt it rather than make a second one
        local found = {}
        for _, a in ipairs(accounts:children(true)) do
          if a.name == org_name then found[#found + 1] = a end
        end
        if #found > 1 then
          errors.config("%d child accounts are named '%s' after an interrupted onboarding: map the right one with "
                        .. "mappings set, delete the other", #found, org_name)
        end
        if #found == 1 then return { duo_account_id = found[1].account_id } end
      end
      local a = accounts:create_account(org_name)
      if type(a) ~= "table" or type(a.account_id) ~= "string" then
        errors.config("create_account answered no account_id for '%s'", org_name)
      end
      return { duo_account_id = a.account_id }
    end },
  { step = "set_edition", when = opts.edition, what = string.format("set its edition to %s", opts.edition),
    run = function() child():set_edition(opts.edition) end },
  { step = "set_telephony_credits", when = opts.telephony_credits,
    what = string.format("give it %s telephony credits (from the parent's)", tostring(opts.telephony_credits)),
    run = function() child():set_telephony_credits(opts.telephony_credits) end },
  { step = "apply_baseline", when = baseline,
    what = string.format("apply the baseline %s (%d settings, %d policy sections)", opts.baseline,
                         baseline and #baseline.names or 0, baseline and #baseline.sections or 0),
    run = function()
      local c = child()
      local r = baselines.compare(c, baseline)
      if #r.drift > 0 then baselines.apply(c, baseline, r) end
    end },
  { step = "add_admin", when = opts.admin_email,
    what = string.format("add the administrator %s <%s>", tostring(opts.admin_name), tostring(opts.admin_email)),
    run = function(state)
      local c = child()
      if state == "started" and admin_exists(c) then return end   -- it landed before the interruption
      c:add_admin(opts.admin_name, opts.admin_email)
    end },
  { step = "record_mapping",
    what = string.format("record '%s'%s in the mapping store %s, confirmed%s", org_name,
                         org_id and (" (id " .. org_id .. ")") or "", store_path,
                         #opts.tag > 0 and (", tags " .. table.concat(opts.tag, ", ")) or ""),
    run = function()
      store_mod.update(function(s)
        local e = store_mod.find_company(s, opts.id, org_name) or store_mod.find(s, org_name)
        for _, other in ipairs(s.organizations) do
          if other ~= e and other.duo_account_id == account_id then
            errors.config("the account %s is mapped to '%s' in %s meanwhile: not recording '%s'", account_id,
                          other.name, s.path, org_name)
          end
        end
        if e and e.duo_account_id and e.duo_account_id ~= account_id then
          errors.config("organization '%s' was mapped to %s in %s meanwhile: not changing it", e.name,
                        e.duo_account_id, s.path)
        end
        if e == nil then e = store_mod.add(s, { name = org_name }) end
        e.id = org_id or e.id
        e.duo_account_id = account_id
        local tags, seen = {}, {}
        for _, list in ipairs{ type(e.tags) == "table" and e.tags or {}, opts.tag } do
          for _, t in ipairs(list) do
            if type(t) == "string" and not seen[t:lower()] then
              seen[t:lower()] = true
              tags[#tags + 1] = t
            end
          end
        end
        if #tags > 0 then e.tags = tags end
        store_mod.confirm(e)
        return true
      end, store_path)
    end },
}

local todo, results = {}, json.array{}
for _, s in ipairs(STEPS) do
  if s.when ~= nil or s.step == "create_account" or s.step == "record_mapping" then
    local done = rec and rec.steps[s.step] == "done"
    todo[#todo + 1] = s
    results[#results + 1] = { step = s.step, result = done and "done" or "planned", error = json.null }
    s.result = results[#results]
  end
end

local function emit(status)
  local out, finish = output.open(opts.output)
  if opts.format == "json" then
    output.json({ org = org_name, org_id = org_id or json.null, duo_account_id = account_id or json.null,
                  steps = results }, out)
  else
    output.table(results, {
      { key = "step", title = "STEP" }, { key = "result", title = "RESULT" }, { key = "error", title = "ERROR" },
    }, out)
    if status == 0 and not dry then
      out:write(termtext.format("onboarded '%s' as the child account %s\n", org_name, tostring(account_id)))
    end
  end
  finish()
  return status
end

-- The plan, then the prompt --------------------------------------------------------
local pending = 0
io.stderr:write(termtext.format("%s: plan for '%s'%s:\n", NAME, org_name,
                                rec and string.format(" (resuming the onboarding recorded in %s)", book.path) or ""))
for _, s in ipairs(todo) do
  local done = s.result.result == "done"
  if not done then pending = pending + 1 end
  local what = s.what
  if s.step == "create_account" and account_id then what = what .. " (" .. account_id .. ")" end
  io.stderr:write(termtext.format("  %-22s %s%s\n", s.step, what, done and " -- done" or ""))
end
if dry then
  io.stderr:write(termtext.format("dry-run: %d steps would run; nothing sent or recorded\n", pending))
  return emit(0)
end
if pending > 0 then
  local ok, status = confirm.ask(NAME, opts.yes, string.format("onboard '%s': %d steps", org_name, pending))
  if not ok then return emit(status) end
end

-- The run ---------------------------------------------------------------------------
rec = rec or onboarding.start(book, org_name, plan)
for _, s in ipairs(todo) do
  if s.result.result ~= "done" then
    local before = rec.steps[s.step]
    onboarding.mark(book, rec, s.step, "started")
    local ok, r = pcall(s.run, before)
    if not ok then
      s.result.result, s.result.error = "error", tostring(r)
      if type(r) == "string" and r:find("interrupted$") or type(r) == "table" and r.kind == "cancelled" then
        io.stderr:write(termtext.format("duo-lua: %s: interrupted in step %s: run the same command again to resume\n",
                                        NAME, s.step))
        error(r, 0)
      end
      io.stderr:write(termtext.format("duo-lua: %s: step %s failed: %s (run the same command again to resume; "
                                      .. "the steps done are recorded in %s)\n", NAME, s.step, tostring(r),
                                      book.path))
      return emit(1)
    end
    if type(r) == "table" and r.duo_account_id then account_id = r.duo_account_id end
    onboarding.mark(book, rec, s.step, "done", type(r) == "table" and r or nil)
    s.result.result = "done"
  end
end
onboarding.finish(book, rec)
return emit(0)
