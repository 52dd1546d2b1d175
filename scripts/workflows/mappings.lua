-- mappings: the mapping store: which child account and directory key belong to each organization
local args = require "workflows.lib.args"
local output = require "workflows.lib.output"
local store_mod = require "workflows.lib.store"
local companies_file = require "workflows.lib.companies"
local confirm = require "workflows.lib.confirm"
local errors = require "duo.error"
local json = require "duo.json"
local termtext = require "duo.termtext"
local mappings_mod = require "duo.mappings"

local NAME = "mappings"
local HELP = [[
usage: duo-lua -w mappings COMMAND [options]

The profile's mapping store: which Duo child account (and which directory
key, for sync-user) belongs to each client organization.

  list [--format table|json|csv|jsonl]   the organizations (keys masked in the table)
  set --org NAME --account ID|NAME [--directory-key KEY] [--id ID]
                                       add or change an organization; the account
                                       is a child account ID or its exact name;
                                       the entry is marked confirmed (by you, now)
                                       finds the organization by id or name first;
                                       an account of another organization is
                                       refused unless --move (which takes it
                                       from that one)
  tag --org NAME --add T | --remove T  add or remove tags (may repeat), for
                                       --tag in the fan-out workflows
  remove --org NAME                    forget an organization
  import FILE                          merge a store file (JSON as exported) or a
                                       CSV with the columns name, id, duo_account_id,
                                       duo_admin_api_directory_key, confirmed
                                       (FILE - reads standard input); import psa
                                       reads every active company of the
                                       profile's PSA (source = its kind)
  export [--format json|csv|jsonl]     the whole store, directory keys in full

  --offline       set, import: do not check account IDs against the deployment
  --yes           write without asking (needed when there is no terminal)
  --format F      set, remove, import: table (default) or json
  --output FILE   write the output to FILE instead of standard output
  --profile P     the profile whose store is used; without it, --org looks
                  the organization up in every profile's store
  --dry-run       show what would change, write nothing
  -h, --help      this text

The store is one JSON file per profile (the profile's `mappings`, else
PROFILE.mappings.json beside the config file). Every change is made under a
lock (STORE.lock) and written atomically, keeping the file's mode (0600 for
a new store) and owner. Exit status: 0 done, 1 failure, 2 usage error.
]]

local WRITE_FORMAT = args.format{ "table", "json" }
local COMMANDS = {
  list = { format = args.format{ "table", "json", "csv", "jsonl" } },
  set = { org = { value = "NAME", required = true }, account = { value = "ID|NAME", required = true },
          ["directory-key"] = { value = "KEY" }, id = { value = "ID" }, offline = { flag = true },
          move = { flag = true } },
  tag = { org = { value = "NAME", required = true }, add = { value = "TAG", many = true },
          remove = { value = "TAG", many = true } },
  remove = { org = { value = "NAME", required = true } },
  import = { offline = { flag = true } },
  export = { format = args.format{ "json", "csv", "jsonl" } },
}
for name, options in pairs(COMMANDS) do
  options.output = args.OUTPUT
  if name ~= "list" and name ~= "export" then
    options.yes = args.YES
    options.format = WRITE_FORMAT
  end
end

local argv = { ... }
local command, at
for i, a in ipairs(argv) do
  if a == "--" then break end
  if a:sub(1, 1) ~= "-" then command, at = a, i; break end
end
if command == nil then
  local opts, status = args.parse({ name = NAME, help = HELP, options = {} }, argv)   -- --help, unknown options
  if opts == nil then return status end
  return args.usage_error(NAME, "a command is needed: list, set, tag, remove, import or export")
end
if COMMANDS[command] == nil then
  return args.usage_error(NAME, "unknown command '%s' (list, set, tag, remove, import, export)", command)
end
table.remove(argv, at)
local opts, rest = args.parse({ name = NAME, help = HELP, options = COMMANDS[command],
                                positionals = command == "import" and 1 or 0 }, argv)
if opts == nil then return rest end
if command == "import" and rest[1] == nil then return args.usage_error(NAME, "import needs a FILE") end

local dry = store_mod.dry_run()
local out, finish = output.open(opts.output, { private = true })   -- directory keys
local changes = json.array{}   -- what a write did, for --format json
local function say(fmt, ...)
  if opts.format ~= "json" then out:write((dry and "dry-run: " or ""), termtext.format(fmt, ...), "\n") end
end
local function record(action, e)
  if opts.format == "json" then changes[#changes + 1] = { action = action, organization = e } end
end

local function entry_json(e)
  local o = {}
  for k, v in pairs(e) do o[k] = v end
  for _, k in ipairs(store_mod.FIELDS) do
    if o[k] == nil then o[k] = k == "confirmed" and false or json.null end
  end
  return o
end

local CSV_COLUMNS = {
  { key = "name" }, { key = "id" }, { key = "duo_account_id" }, { key = "duo_admin_api_directory_key" },
  { key = "confirmed", csv = function(v) return v and "true" or "false" end },
  { key = "confirmed_by" }, { key = "confirmed_at" },
  { key = "tags", csv = function(v) return type(v) == "table" and table.concat(v, ";") or nil end },
}

local function print_store(store, format)
  if format == "json" then
    local orgs = json.array{}
    for i, e in ipairs(store.organizations) do orgs[i] = entry_json(e) end
    local doc = { organizations = orgs }
    for k, v in pairs(store.extra) do doc[k] = v end
    output.json(doc, out)
  elseif format == "jsonl" then
    local rows = {}
    for i, e in ipairs(store.organizations) do rows[i] = entry_json(e) end
    output.jsonl(rows, out)
  elseif format == "csv" then
    output.csv(store.organizations, CSV_COLUMNS, out)
  elseif #store.organizations == 0 then
    out:write("no organizations in ", termtext.cell(store.path), " (add one: duo-lua -w mappings set --org NAME --account ID)\n")
  else
    output.table(store.organizations, {
      { key = "name", title = "ORGANIZATION" },
      { key = "id", title = "ID" },
      { key = "duo_account_id", title = "ACCOUNT ID" },
      { key = "duo_admin_api_directory_key", title = "DIRECTORY KEY", format = output.mask },
      { key = "confirmed", title = "CONFIRMED", format = function(v) return v and "yes" or "no" end },
      { key = "confirmed_by", title = "BY" },
      { key = "source", title = "SOURCE" },
      { key = "tags", title = "TAGS", format = function(v) return type(v) == "table" and table.concat(v, ", ") or nil end },
    }, out)
  end
end

local function describe(e)
  local key = e.duo_admin_api_directory_key
  return string.format("'%s' -> %s%s", e.name, tostring(e.duo_account_id or "(no account)"),
                       key and (", directory key " .. output.mask(key)) or "")
end

local function looks_like_account_id(s)
  return s:match("^DA[%u%d]+$") ~= nil and #s == 20
end

-- The deployment's child accounts by ID (for checking IDs), fetched once.
local children_by_id
local function known_accounts()
  if children_by_id == nil then
    children_by_id = {}
    for _, a in ipairs(require("duo").accounts():children()) do children_by_id[a.account_id] = a end
  end
  return children_by_id
end

local function finish_json(store_path)
  if opts.format == "json" then
    output.json({ command = command, store = store_path, dry_run = dry, changes = changes }, out)
  end
  finish()
  return 0
end

if command == "list" or command == "export" then
  print_store(store_mod.load(), opts.format)
  finish()
  return 0

elseif command == "set" then
  local account_id, account_name = opts.account, nil
  if opts.offline then
    if not looks_like_account_id(account_id) then
      return args.usage_error(NAME, "with --offline, --account must be a child account ID (DA and 18 letters "
                                    .. "or digits), got '%s'", account_id)
    end
  else
    local child = require("duo").accounts():child(opts.account)   -- ID or exact name; raises with close matches
    account_id, account_name = child.account_id, child.name
  end
  local path = store_mod.locate(opts.org)
  local ok, status = confirm.ask(NAME, opts.yes, string.format("set '%s' -> %s in %s", opts.org, account_id, path))
  if not ok then return status end
  local refused
  store_mod.update(function(store)
    local e = store_mod.find(store, opts.org)
    -- the store's rules (SPEC section 8): one organization per account,
    -- unique ids
    local owner = mappings_mod.owner_of(store, account_id)
    if owner and owner ~= e and not opts.move then
      refused = string.format("%s already belongs to '%s'%s: give --move to move it to '%s'", account_id,
                              owner.name, owner.id and (" (" .. owner.id .. ")") or "", e and e.name or opts.org)
      return false
    end
    for _, other in ipairs(store.organizations) do
      if opts.id and other ~= e and other.id == opts.id then
        refused = string.format("id %s is already '%s''s: ids are unique", opts.id, other.name)
        return false
      end
    end
    if owner and owner ~= e then   -- --move: the other organization keeps its entry, not the account
      owner.duo_account_id, owner.duo_admin_api_directory_key = nil, nil
      record("moved", owner)
      say("moved %s from '%s'", account_id, owner.name)
    end
    local new = {}
    if e then for k, v in pairs(e) do new[k] = v end end
    new.name = e and e.name or opts.org
    new.id = opts.id or (e and e.id)
    new.duo_account_id = account_id
    if opts.directory_key then new.duo_admin_api_directory_key = opts.directory_key end
    local via = account_name and string.format(" ('%s')", account_name) or ""
    if e == nil then
      store_mod.confirm(new)
      store_mod.add(store, new)
      record("added", new)
      say("added %s%s in %s", describe(new), via, store.path)
      return true
    end
    new.confirmed = true
    local diff = store_mod.changes(e, new, output.mask)
    if #diff == 0 then
      record("unchanged", e)
      say("unchanged %s in %s", describe(new), store.path)
      return false
    end
    store_mod.confirm(new)
    for k in pairs(e) do e[k] = nil end
    for k, v in pairs(new) do e[k] = v end
    record("updated", e)
    say("updated '%s'%s in %s: %s", e.name, via, store.path, table.concat(diff, ", "))
    return true
  end, path)
  if refused then
    io.stderr:write(termtext.format("duo-lua: %s: %s (nothing changed)\n", NAME, refused))
    return 1
  end
  return finish_json(path)

elseif command == "tag" then
  if #opts.add == 0 and #opts.remove == 0 then
    return args.usage_error(NAME, "tag needs --add TAG or --remove TAG")
  end
  for _, t in ipairs(opts.add) do
    if not t:match("^[%w][%w%-_.]*$") then
      return args.usage_error(NAME, "a tag is one word (letters, digits, - _ .), got '%s'", t)
    end
  end
  local path = store_mod.locate(opts.org)
  local ok, status = confirm.ask(NAME, opts.yes, string.format("change the tags of '%s' in %s", opts.org, path))
  if not ok then return status end
  local missing
  store_mod.update(function(store)
    local e = store_mod.find(store, opts.org)
    if e == nil then missing = true; return false end
    local set, list = {}, {}
    for _, t in ipairs(type(e.tags) == "table" and e.tags or {}) do set[t] = true end
    for _, t in ipairs(opts.add) do set[t] = true end
    for _, t in ipairs(opts.remove) do set[t] = nil end
    for t in pairs(set) do list[#list + 1] = t end
    table.sort(list)
    local before = table.concat(type(e.tags) == "table" and e.tags or {}, ",")
    e.tags = #list > 0 and json.array(list) or nil
    if before == table.concat(list, ",") then
      record("unchanged", e)
      say("unchanged tags of '%s': %s", e.name, #list > 0 and table.concat(list, ", ") or "(none)")
      return false
    end
    record("updated", e)
    say("tags of '%s': %s", e.name, #list > 0 and table.concat(list, ", ") or "(none)")
    return true
  end, path)
  if missing then
    io.stderr:write(termtext.format("duo-lua: %s: no organization '%s' in %s\n", NAME, opts.org, path))
    return 1
  end
  return finish_json(path)

elseif command == "remove" then
  local path, _, current = store_mod.locate(opts.org)
  if store_mod.find(current, opts.org) == nil then
    errors.config("no organization '%s' in the mapping store %s (duo-lua -w mappings list shows them)",
                  opts.org, path)
  end
  local ok, status = confirm.ask(NAME, opts.yes, string.format("remove '%s' from %s", opts.org, path))
  if not ok then return status end
  store_mod.update(function(store)
    local e, i = store_mod.find(store, opts.org)
    if e == nil then
      errors.config("no organization '%s' in the mapping store %s (duo-lua -w mappings list shows them)",
                    opts.org, store.path)
    end
    store_mod.remove(store, i)
    record("removed", e)
    say("removed %s from %s", describe(e), store.path)
    return true
  end, path)
  return finish_json(path)
end

-- import ----------------------------------------------------------------------------

local IMPORT_COLUMNS = { name = true, id = true, duo_account_id = true, duo_admin_api_directory_key = true,
                         confirmed = true, confirmed_by = true, confirmed_at = true, tags = true }

local file = rest[1]
local text, label = "", "the PSA"
if file ~= "psa" then text, label = companies_file.read_text(file, "import file") end
local incoming = {}
local from_psa = file == "psa"   -- ./psa reads a file of that name
if from_psa then
  for _, c in ipairs(require("workflows.lib.psa").companies()) do
    incoming[#incoming + 1] = { name = c.name, id = c.id, source = c.source }
  end
elseif file:lower():find("%.json$") or text:match("^%s*[%[{]") then
  local s = store_mod.parse(text, file, "import file")   -- the same checks as the store itself
  incoming = s.organizations
else
  local records = companies_file.parse_csv(text, label)
  if #records == 0 then errors.config("%s: the file is empty", label) end
  local col, unknown = {}, {}
  for i, h in ipairs(records[1]) do
    h = h:lower():gsub("^%s+", ""):gsub("%s+$", "")
    if IMPORT_COLUMNS[h] then col[h] = i elseif h ~= "" then unknown[#unknown + 1] = "'" .. h .. "'" end
  end
  if #unknown > 0 then
    errors.config("%s:%d: unknown column%s %s (known: name, id, duo_account_id, duo_admin_api_directory_key, "
                  .. "confirmed, confirmed_by, confirmed_at, tags)", label, records[1].line, #unknown > 1 and "s" or "",
                  table.concat(unknown, ", "))
  end
  if col.name == nil then errors.config("%s:%d: the header has no 'name' column", label, records[1].line) end
  local trim = companies_file.trim
  local rec
  local function field(k)
    local v = col[k] and rec[col[k]]
    if v == nil then return nil end
    v = trim(v)
    if v:find("^'[=+%-@]") then v = v:sub(2) end   -- undo the export's formula guard
    return v ~= "" and v or nil
  end
  for r = 2, #records do
    rec = records[r]
    local confirmed = field("confirmed")
    if confirmed ~= nil then
      local c = confirmed:lower()
      if c == "true" or c == "yes" or c == "1" then confirmed = true
      elseif c == "false" or c == "no" or c == "0" then confirmed = false
      else errors.config("%s:%d: confirmed must be true or false, got '%s'", label, rec.line, confirmed) end
    end
    local e = { name = field("name"), id = field("id"), duo_account_id = field("duo_account_id"),
                duo_admin_api_directory_key = field("duo_admin_api_directory_key"), confirmed = confirmed,
                confirmed_by = field("confirmed_by"), confirmed_at = field("confirmed_at"), line = rec.line }
    local tags = field("tags")
    if tags then
      e.tags = json.array{}
      for t in tags:gmatch("[^;%s]+") do e.tags[#e.tags + 1] = t end
    end
    if e.name == nil then errors.config("%s:%d: the name is empty", label, rec.line) end
    incoming[#incoming + 1] = e
  end
end

-- Account IDs must be the deployment's (a typo would send sync-user to
-- nowhere); --offline skips the check.
if not opts.offline then
  local known = nil
  for i, inc in ipairs(incoming) do
    if inc.duo_account_id then
      known = known or known_accounts()
      if not known[inc.duo_account_id] then
        errors.config("%s%s: '%s' is not a child account of this deployment (organization '%s'); fix the file, "
                      .. "or import with --offline to skip the check", label,
                      inc.line and (":" .. inc.line) or (" organization " .. i), inc.duo_account_id, inc.name)
      end
    end
  end
end

local ok, status = confirm.ask(NAME, opts.yes, string.format("import %d organizations from %s",
                                                             #incoming, label))
if not ok then return status end
local counts
local store = store_mod.update(function(s)
  counts = { added = 0, updated = 0, unchanged = 0, conflicts = 0 }
  for _, inc in ipairs(incoming) do
    inc.line = nil
    -- importing is a person's decision, but only for an entry with an account
    local e = store_mod.find_company(s, inc.id, inc.name)
    local owner = inc.duo_account_id and mappings_mod.owner_of(s, inc.duo_account_id)
    if owner and owner ~= e then
      -- one organization per account (SPEC section 8): a person moves it
      counts.conflicts = counts.conflicts + 1
      record("conflict", inc)
      io.stderr:write(termtext.format("duo-lua: %s: skip '%s': %s belongs to '%s' (move it with "
                                      .. "mappings set --org NAME --account ID --move)\n", NAME, inc.name,
                                      inc.duo_account_id, owner.name))
      goto next
    end
    -- a PSA company is an organization, not a decision: it never changes
    -- an entry's account or confirmation
    if not (from_psa and e) then
      if inc.confirmed == nil then inc.confirmed = inc.duo_account_id ~= nil end
      if inc.duo_account_id == nil then inc.confirmed = false end
    end
    if e == nil then
      if inc.confirmed and inc.confirmed_by == nil then store_mod.confirm(inc) end
      store_mod.add(s, inc)
      counts.added = counts.added + 1
      record("added", inc)
      say("add %s", describe(inc))
    else
      local new = {}
      for k, v in pairs(e) do new[k] = v end
      for k, v in pairs(inc) do new[k] = v end   -- a key missing from the file is kept
      if new.duo_account_id == nil then new.confirmed = false end
      local diff = store_mod.changes(e, new, output.mask)
      if new.source ~= e.source then
        diff[#diff + 1] = string.format("source: %s -> %s", tostring(e.source or "(none)"), tostring(new.source))
      end
      local function tags_text(t) return type(t) == "table" and table.concat(t, ";") or "" end
      if tags_text(new.tags) ~= tags_text(e.tags) then
        diff[#diff + 1] = string.format("tags: %s -> %s", tags_text(e.tags), tags_text(new.tags))
      end
      if #diff == 0 then
        counts.unchanged = counts.unchanged + 1
      else
        if new.confirmed and inc.confirmed_by == nil then store_mod.confirm(new) end
        for k, v in pairs(new) do e[k] = v end
        counts.updated = counts.updated + 1
        record("updated", e)
        say("update '%s': %s", e.name, table.concat(diff, ", "))
      end
    end
    ::next::
  end
  return counts.added + counts.updated > 0
end)
say("imported %d organizations from %s into %s: %d added, %d updated, %d unchanged, %d conflicts",
    #incoming, label, store.path, counts.added, counts.updated, counts.unchanged, counts.conflicts)
return finish_json(store.path)
