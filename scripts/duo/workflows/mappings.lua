-- mappings: the profile's mapping store (SPEC section 6): which child
-- account and directory key belong to each client organization.
local args = require "duo.wf.args"
local output = require "duo.wf.output"
local store_mod = require "duo.wf.mappings_store"
local companies_file = require "duo.wf.companies"
local errors = require "duo.error"
local json = require "duo.json"

local NAME = "mappings"
local HELP = [[
usage: duo-lua -w mappings COMMAND [options]

The profile's mapping store: which Duo child account (and which directory
key, for sync-user) belongs to each client organization.

  list [--format table|json|csv]       the organizations (keys masked in the table)
  set --org NAME --account ID|NAME [--directory-key KEY] [--id ID]
                                       add or change an organization; the account
                                       is a child account ID or its exact name;
                                       the entry is marked confirmed
  remove --org NAME                    forget an organization
  import FILE                          merge a store file (JSON as exported) or a
                                       CSV with the columns name, duo_account_id,
                                       duo_admin_api_directory_key, id, confirmed
  export [--format json|csv]           the whole store, directory keys in full

  --profile P     the profile whose store is used (default: the configured default)
  --dry-run       show what would change, write nothing
  -h, --help      this text

The store is one JSON file per profile (the profile's `mappings`, else
PROFILE.mappings.json beside the config file); it is written atomically with
mode 0600. Exit status: 0 done, 1 failure, 2 usage error.
]]

local COMMANDS = {
  list = { options = { format = { value = "FORMAT", choices = { "table", "json", "csv" }, default = "table" } } },
  set = { options = { org = { value = "NAME", required = true }, account = { value = "ID|NAME", required = true },
                      ["directory-key"] = { value = "KEY" }, id = { value = "ID" } } },
  remove = { options = { org = { value = "NAME", required = true } } },
  import = { options = {}, positionals = 1 },
  export = { options = { format = { value = "FORMAT", choices = { "json", "csv" }, default = "json" } } },
}

-- The command is the first argument that is not an option (host options
-- such as --profile P may come first).
local argv = { ... }
local command, at
do
  local i = 1
  while argv[i] do
    local a = argv[i]
    if a:sub(1, 1) ~= "-" or a == "-" then command, at = a, i; break end
    if a == "--" then break end
    if a == "-p" or a == "--profile" or a == "-c" or a == "--config" then i = i + 1 end
    i = i + 1
  end
end
if command == nil then
  args.parse({ name = NAME, help = HELP, options = {} }, argv)   -- --help, unknown options
  args.usage_error(NAME, "a command is needed: list, set, remove, import or export")
end
if COMMANDS[command] == nil then
  args.usage_error(NAME, "unknown command '%s' (list, set, remove, import, export)", command)
end
table.remove(argv, at)
local spec = COMMANDS[command]
local opts, rest = args.parse({ name = NAME, help = HELP, options = spec.options, positionals = spec.positionals },
                              argv)

local dry = store_mod.dry_run()
local function say(fmt, ...)
  io.stdout:write((dry and "dry-run: " or ""), string.format(fmt, ...), "\n")
end

local function entry_json(e)
  local out = {}
  for k, v in pairs(e) do out[k] = v end
  for _, k in ipairs(store_mod.FIELDS) do
    if out[k] == nil then out[k] = k == "confirmed" and false or json.null end
  end
  return out
end

local CSV_COLUMNS = {
  { key = "name" }, { key = "id" }, { key = "duo_account_id" }, { key = "duo_admin_api_directory_key" },
  { key = "confirmed", csv = function(v) return v and "true" or "false" end },
}

local function print_store(store, format)
  if format == "json" then
    local orgs = json.array{}
    for i, e in ipairs(store.organizations) do orgs[i] = entry_json(e) end
    local doc = { organizations = orgs }
    for k, v in pairs(store.extra) do doc[k] = v end
    output.json(doc)
  elseif format == "csv" then
    output.csv(store.organizations, CSV_COLUMNS)
  else
    if #store.organizations == 0 then
      io.stdout:write("no organizations in ", store.path,
                      " (add one: duo-lua -w mappings set --org NAME --account ID)\n")
      return
    end
    output.table(store.organizations, {
      { key = "name", title = "ORGANIZATION" },
      { key = "id", title = "ID" },
      { key = "duo_account_id", title = "ACCOUNT ID" },
      { key = "duo_admin_api_directory_key", title = "DIRECTORY KEY", format = output.mask },
      { key = "confirmed", title = "CONFIRMED", format = function(v) return v and "yes" or "no" end },
    })
  end
end

-- Saves unless --dry-run.
local function commit(store)
  if not dry then store_mod.save(store) end
end

local function describe(e)
  local key = e.duo_admin_api_directory_key
  return string.format("'%s' -> %s%s", e.name, tostring(e.duo_account_id or "(no account)"),
                       key and (", directory key " .. output.mask(key)) or "")
end

local function looks_like_account_id(s)
  return s:match("^DA[%u%d]+$") ~= nil and #s == 20
end

if command == "list" or command == "export" then
  print_store(store_mod.load(), opts.format)

elseif command == "set" then
  local account_id, account_name = opts.account, nil
  if not looks_like_account_id(account_id) then
    local duo = require "duo"
    local child = duo.accounts():child(opts.account)   -- exact name; raises with close matches
    account_id, account_name = child.account_id, child.name
  end
  local store = store_mod.load()
  local e = store_mod.find(store, opts.org)
  local new = {}
  if e then for k, v in pairs(e) do new[k] = v end end
  new.name = e and e.name or opts.org
  new.id = opts.id or (e and e.id)
  new.duo_account_id = account_id
  if opts.directory_key then new.duo_admin_api_directory_key = opts.directory_key end
  new.confirmed = true
  local via = account_name and string.format(" ('%s')", account_name) or ""
  if e == nil then
    store.organizations[#store.organizations + 1] = new
    commit(store)
    say("added %s%s in %s", describe(new), via, store.path)
  else
    local changes = store_mod.changes(e, new, output.mask)
    if #changes == 0 then
      say("unchanged %s in %s", describe(new), store.path)
    else
      for k in pairs(e) do e[k] = nil end
      for k, v in pairs(new) do e[k] = v end
      commit(store)
      say("updated '%s'%s in %s: %s", e.name, via, store.path, table.concat(changes, ", "))
    end
  end

elseif command == "remove" then
  local store = store_mod.load()
  local e, i = store_mod.find(store, opts.org)
  if e == nil then
    errors.config("no organization '%s' in the mapping store %s (duo-lua -w mappings list shows them)",
                  opts.org, store.path)
  end
  table.remove(store.organizations, i)
  commit(store)
  say("removed %s from %s", describe(e), store.path)

elseif command == "import" then
  local file = rest[1]
  if file == nil then args.usage_error(NAME, "import needs a FILE") end
  local incoming = {}
  local first = ""
  do
    local f, err = io.open(file, "rb")
    if not f then errors.config("cannot read %s", err) end
    first = f:read(64) or ""
    f:close()
  end
  if file:lower():find("%.json$") or first:match("^\239?\187?\191?%s*[%[{]") then
    local s = store_mod.load(file, "import file")   -- the same checks as the store itself
    if not s.exists then errors.config("cannot read %s", file) end
    incoming = s.organizations
  else
    local records = companies_file.parse_csv(assert(io.open(file, "rb")):read("a"), file)
    if #records == 0 then errors.config("%s: the file is empty", file) end
    local col = {}
    for i, h in ipairs(records[1]) do col[h:lower():gsub("^%s+", ""):gsub("%s+$", "")] = i end
    if col.name == nil then errors.config("%s:%d: the header has no 'name' column", file, records[1].line) end
    for r = 2, #records do
      local rec = records[r]
      local function field(k)
        local v = col[k] and rec[col[k]]
        v = v and v:gsub("^%s+", ""):gsub("%s+$", "")
        return v ~= "" and v or nil
      end
      local confirmed = field("confirmed")
      if confirmed ~= nil then
        local c = confirmed:lower()
        if c == "true" or c == "yes" or c == "1" then confirmed = true
        elseif c == "false" or c == "no" or c == "0" then confirmed = false
        else errors.config("%s:%d: confirmed must be true or false, got '%s'", file, rec.line, confirmed) end
      end
      local e = { name = field("name"), id = field("id"), duo_account_id = field("duo_account_id"),
                  duo_admin_api_directory_key = field("duo_admin_api_directory_key"), confirmed = confirmed }
      if e.name == nil then errors.config("%s:%d: the name is empty", file, rec.line) end
      incoming[#incoming + 1] = e
    end
  end
  local store = store_mod.load()
  local added, updated, unchanged = 0, 0, 0
  for _, inc in ipairs(incoming) do
    local e = store_mod.find_company(store, inc.id, inc.name)
    if inc.confirmed == nil then inc.confirmed = true end   -- importing is a person's decision
    if e == nil then
      store.organizations[#store.organizations + 1] = inc
      added = added + 1
      say("add %s", describe(inc))
    else
      local new = {}
      for k, v in pairs(e) do new[k] = v end
      for k, v in pairs(inc) do new[k] = v end   -- a key missing from the file is kept
      local changes = store_mod.changes(e, new, output.mask)
      if #changes == 0 then
        unchanged = unchanged + 1
      else
        for k, v in pairs(new) do e[k] = v end
        updated = updated + 1
        say("update '%s': %s", e.name, table.concat(changes, ", "))
      end
    end
  end
  if added + updated > 0 then commit(store) end
  say("imported %d organizations from %s into %s: %d added, %d updated, %d unchanged",
      #incoming, file, store.path, added, updated, unchanged)
end
