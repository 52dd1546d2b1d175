-- sync-user: the directory sync of one user in an organization's child account
-- (SPEC section 6), with the directory key from the mapping store.
local args = require "workflows.lib.args"
local output = require "workflows.lib.output"
local store_mod = require "workflows.lib.store"
local host = require "workflows.lib.host"
local confirm = require "workflows.lib.confirm"
local errors = require "duo.error"
local json = require "duo.json"
local termtext = require "duo.termtext"
local writes = require "workflows.lib.writes"

local NAME = "sync-user"
local HELP = [[
usage: duo-lua -w sync-user (--org NAME | --all-orgs) --username U [--username U2 ...]
                            [--yes] [--format table|json]

Runs the directory sync of users now (create, update or mark for deletion)
in the organization's child account, with the directory key of its entry in
the profile's mapping store (duo-lua -w mappings set ... --directory-key KEY).
With --all-orgs, in every mapped organization that has a directory key, all
at once; several --username sync several users. It prints the plan and
asks "Proceed? [y/N]" first (a sync can mark a user for deletion). One
result per organization and user; one failing does not stop the others.

  --org NAME       the organization, by name (any case) or id in the store
  --all-orgs       every organization of the store with a child account and
                   a directory key
  --username U     the username as the directory sync knows it (may repeat)
  --format F       table (default) or json
  --yes            sync without asking (needed when there is no terminal)
  --output FILE    write the output to FILE instead of standard output
  --profile P      the profile; without it, the organization is looked up in
                   every profile's mapping store
  --dry-run        show the requests, send nothing
  -h, --help       this text

--format json prints, for one --org and one --username, {"organization",
"duo_account_id", "username", "result"}; otherwise an array of
{"organization", "duo_account_id", "username", "result", "error"} (result
null and error a message for a sync that failed).
Exit status: 0 done, 1 failure or a declined prompt, 2 usage error (or no
terminal without --yes).
]]

local opts, rest = args.parse({
  name = NAME, help = HELP,
  options = {
    org = { value = "NAME" },
    ["all-orgs"] = { flag = true },
    username = { value = "U", many = true },
    yes = args.YES,
    format = args.format{ "table", "json" },
    output = args.OUTPUT,
  },
}, { ... })
if opts == nil then return rest end
if (opts.org == nil) == (not opts.all_orgs) then
  return args.usage_error(NAME, "give one of --org NAME or --all-orgs")
end
if #opts.username == 0 then return args.usage_error(NAME, "--username U is required") end

-- The command that fixes a missing mapping or key, for the messages.
local function set_command(org, account)
  local prefix, quote = host.command_prefix()
  return string.format("%s -w mappings set --org %s --account %s --directory-key KEY", prefix, quote(org),
                       account and quote(account) or "ACCOUNT_ID_OR_NAME")
end

local orgs, profile, store = {}, nil, nil
if opts.org then
  local org
  _, profile, store = store_mod.locate(opts.org)
  org = store_mod.find(store, opts.org)
  if org == nil then
    errors.config("no organization '%s' in the mapping store %s: add it with %s", opts.org, store.path,
                  set_command(opts.org))
  end
  if org.duo_account_id == nil then
    errors.config("organization '%s' has no Duo child account in %s: set it with %s", org.name, store.path,
                  set_command(org.name))
  end
  if org.duo_admin_api_directory_key == nil then
    errors.config("organization '%s' has no directory key in %s: add it with %s "
                  .. "(the key is on the directory's page in the Admin Panel: Users > Directory Sync)",
                  org.name, store.path, set_command(org.name, org.duo_account_id))
  end
  orgs[1] = org
else
  store = store_mod.load()
  for _, org in ipairs(store.organizations) do
    if org.duo_account_id and org.duo_admin_api_directory_key then orgs[#orgs + 1] = org end
  end
  if #orgs == 0 then
    errors.config("no organization in the mapping store %s has a child account and a directory key: add them with %s",
                  store.path, set_command("NAME"))
  end
end

local duo = require "duo"
local jobs = {}
for _, org in ipairs(orgs) do
  for _, username in ipairs(opts.username) do jobs[#jobs + 1] = { org = org, username = username } end
end

-- Every write asks (SPEC section 6): the plan, then the prompt.
if opts.format == "table" and not opts.yes and not host.dry_run() then
  io.stderr:write(termtext.format("%s: plan: sync %d users:\n", NAME, #jobs))
  for _, job in ipairs(jobs) do
    io.stderr:write(termtext.format("  sync  %s in %s (%s)\n", job.username, job.org.name, job.org.duo_account_id))
  end
end
do
  local ok, why = confirm.ask(NAME, opts.yes, string.format("sync %d users in %d organizations", #jobs, #orgs))
  if not ok then return why end
end

local function sync(job)
  local result = duo.dirsync{ account = job.org.duo_account_id, directory_key = job.org.duo_admin_api_directory_key,
                              username = job.username, profile = profile }
  return result
end

-- One organization and one user: the result, or the error raised as it is.
if #jobs == 1 and opts.org then
  local org, username = orgs[1], opts.username[1]
  local result = sync(jobs[1])
  if result == nil and store_mod.dry_run() then
    io.stdout:write(termtext.format("dry-run: would sync '%s' in '%s' (%s)\n", username, org.name, org.duo_account_id))
    return 0
  end
  jobs[1].result = result
end

local failed = 0
if not (#jobs == 1 and opts.org) then
  local results, failures = writes.parallel(NAME, jobs, sync, function(job)
    return string.format("sync %s in %s (%s)", job.username, job.org.name, job.org.duo_account_id)
  end)
  for i, job in ipairs(jobs) do job.result = results[i] end
  for _, f in ipairs(failures) do
    jobs[f.index].error = tostring(f.error)
    failed = failed + 1
  end
end

local function detail(job)
  if job.error then return "error: " .. job.error end
  local result = job.result
  if result == nil then return "dry-run: not sent" end
  local r = type(result) == "table" and result or {}
  local user = type(r.user) == "table" and r.user or r
  local parts = {}
  if r.action then parts[#parts + 1] = tostring(r.action) end
  if type(user.status) == "string" then parts[#parts + 1] = "status " .. user.status end
  if type(user.user_id) == "string" then parts[#parts + 1] = "user_id " .. user.user_id end
  return #parts > 0 and table.concat(parts, ", ") or (type(result) == "table" and json.encode(result) or tostring(result))
end

local out, finish = output.open(opts.output)
if opts.format == "json" then
  if #jobs == 1 and opts.org then
    local job = jobs[1]
    output.json({ organization = job.org.name, duo_account_id = job.org.duo_account_id, username = job.username,
                  result = job.result == nil and json.null or job.result }, out)
  else
    local list = json.array{}
    for i, job in ipairs(jobs) do
      list[i] = { organization = job.org.name, duo_account_id = job.org.duo_account_id, username = job.username,
                  result = job.result == nil and json.null or job.result, error = job.error or json.null }
    end
    output.json(list, out)
  end
else
  for _, job in ipairs(jobs) do
    out:write(termtext.format("%s '%s' in '%s' (%s): %s\n", job.error and "failed to sync" or "synced", job.username,
                            job.org.name, job.org.duo_account_id, detail(job)))
  end
end
finish()
if failed > 0 then
  io.stderr:write(termtext.format("duo-lua: %s: %d of %d syncs failed\n", NAME, failed, #jobs))
  return 1
end
return 0
