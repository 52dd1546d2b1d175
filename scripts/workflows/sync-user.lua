-- sync-user: the directory sync of one user in an organization's child account
-- (SPEC section 6), with the directory key from the mapping store.
local args = require "workflows.lib.args"
local output = require "workflows.lib.output"
local store_mod = require "workflows.lib.store"
local host = require "workflows.lib.host"
local errors = require "duo.error"
local json = require "duo.json"

local NAME = "sync-user"
local HELP = [[
usage: duo-lua -w sync-user --org NAME --username U [--format table|json]

Runs the directory sync of one user now (create, update or mark for deletion)
in the organization's child account, with the directory key of its entry in
the profile's mapping store (duo-lua -w mappings set ... --directory-key KEY).

  --org NAME       the organization, by name (any case) or id in the store
  --username U     the username as the directory sync knows it
  --format F       table (default) or json
  --output FILE    write the output to FILE instead of standard output
  --profile P      the profile; without it, the organization is looked up in
                   every profile's mapping store
  --dry-run        show the request, send nothing
  -h, --help       this text

Exit status: 0 done, 1 failure, 2 usage error.
]]

local opts, rest = args.parse({
  name = NAME, help = HELP,
  options = {
    org = { value = "NAME", required = true },
    username = { value = "U", required = true },
    format = args.format{ "table", "json" },
    output = args.OUTPUT,
  },
}, { ... })
if opts == nil then return rest end

-- The command that fixes a missing mapping or key, for the messages.
local function set_command(org, account)
  local prefix, quote = host.command_prefix()
  return string.format("%s -w mappings set --org %s --account %s --directory-key KEY", prefix, quote(org),
                       account and quote(account) or "ACCOUNT_ID_OR_NAME")
end

local _, profile, store = store_mod.locate(opts.org)
local org = store_mod.find(store, opts.org)
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

local duo = require "duo"
local result = duo.dirsync{ org = org.name, username = opts.username, profile = profile }

if result == nil and store_mod.dry_run() then
  io.stdout:write(string.format("dry-run: would sync '%s' in '%s' (%s)\n", opts.username, org.name,
                                org.duo_account_id))
  return 0
end

local out, finish = output.open(opts.output)
if opts.format == "json" then
  output.json({ organization = org.name, duo_account_id = org.duo_account_id, username = opts.username,
                result = result == nil and json.null or result }, out)
else
  local r = type(result) == "table" and result or {}
  local user = type(r.user) == "table" and r.user or r
  local parts = {}
  if r.action then parts[#parts + 1] = tostring(r.action) end
  if type(user.status) == "string" then parts[#parts + 1] = "status " .. user.status end
  if type(user.user_id) == "string" then parts[#parts + 1] = "user_id " .. user.user_id end
  local detail = #parts > 0 and table.concat(parts, ", ")
                 or (type(result) == "table" and json.encode(result) or tostring(result))
  out:write(string.format("synced '%s' in '%s' (%s): %s\n", opts.username, org.name,
                          org.duo_account_id, detail))
end
finish()
return 0
