-- suggest-mappings: which Duo child account belongs to which client company
-- (SPEC section 6). The matching itself is in workflows/lib/match.lua.
local args = require "workflows.lib.args"
local output = require "workflows.lib.output"
local companies_file = require "workflows.lib.companies"
local match = require "workflows.lib.match"
local store_mod = require "workflows.lib.store"
local confirm = require "workflows.lib.confirm"
local fanout = require "workflows.lib.fanout"
local host = require "workflows.lib.host"
local json = require "duo.json"
local termtext = require "duo.termtext"

local NAME = "suggest-mappings"
local HELP = [[
usage: duo-lua -w suggest-mappings --companies FILE [options]

Suggests which Duo child account belongs to which client company, from the
names (and with --use-domains, the e-mail domains of each child's users).

  --companies FILE   CSV with a header row holding `name` and optionally `id`
                     and `domains` (";"-separated), or a JSON array of objects
                     with those keys; - reads standard input. UTF-8 (with or
                     without BOM), UTF-16 with BOM, else Windows-1252.
                     psa: every active company of the profile's PSA (its
                     `psa` block: ConnectWise, Autotask, HaloPSA, IT Glue);
                     ./psa reads a file named psa
  --encoding E       utf-8, utf-16le, utf-16be or windows-1252
  --delimiter D      the CSV's separator: , ; or tab (default: found from the header)
  --name-column C, --id-column C, --domains-column C
                     the CSV's columns by header name; by default the name
                     is `name`, `company`, `company name`, `account name`,
                     `client name`, `organization` or `organization name`,
                     the id `id`, `company id`, `company_id`, `account id`,
                     `client id` or `identifier`, the domains `domains`,
                     `domain`, `website` or `email domain` (a URL counts as
                     its host), as PSAs export them
  --format F         table (default), json, csv or jsonl (one suggestion a line)
  --output FILE      write the output to FILE instead of standard output
  --account A        only this child account (name or ID; may repeat)
  --exclude-account A  leave this child account out (may repeat)
  --org O, --tag T  only the accounts of these organizations (name or id)
                  or tags of the mapping store (may repeat; --exclude-org O,
                  --exclude-tag T leave them out); --account also takes an
                  organization's name
  --min-score X      score (0..1) a confident match needs (default 0.85)
  --use-domains      also compare the e-mail domains of each child's users
                     with the companies' domains (reads every child's users)
  --progress         with --use-domains: a status line on stderr every few
                     seconds, also when it is not a terminal (on a terminal
                     a progress line is always drawn)
  --save             write the matched pairs into the profile's mapping store;
                     entries a person confirmed and directory keys are kept
  --yes              with --save: write without asking
  --review           on a terminal, walk each company to review (and each
                     unmatched one with a candidate): accept, pick another
                     candidate, search the accounts, no Duo account, skip,
                     quit; each decision is saved at once as confirmed
  --explain          after the answer, each company's evidence (the words
                     that link it to its account) and runner-up; on stderr
                     with --format json, csv or jsonl
  --profile P        the profile (default: the configured default)
  --dry-run          with --save: show what would change, write nothing
  -h, --help         this text

Each company gets a status: confirmed (a person confirmed its account in
the mapping store: not scored again), matched (confident: score >=
--min-score and a clear margin over the runner-up), review (a plausible but
uncertain best candidate) or unmatched. No account is given to two
companies, and an account confirmed for one organization is no candidate
for another. --save never gives an account a second organization: it
reports added, updated, kept and conflicts. Exit status: 0 done, 1 failure,
2 usage error.
]]

local opts, rest = args.parse({
  name = NAME, help = HELP,
  options = args.with_fanout{
    companies = { value = "FILE", required = true },
    format = args.format({ "table", "json", "csv", "jsonl" }),
    ["min-score"] = { value = "X", number = true, min = 0, max = 1, default = match.DEFAULTS.min_score },
    ["use-domains"] = { flag = true },
    save = { flag = true }, review = { flag = true },
    yes = args.YES,
    output = args.OUTPUT,
    encoding = { value = "E", choices = companies_file.ENCODINGS },
    delimiter = { value = "D", choices = { ",", ";", "tab", "\t" } },
    ["name-column"] = { value = "COLUMN" }, ["id-column"] = { value = "COLUMN" },
    ["domains-column"] = { value = "COLUMN" },
    explain = { flag = true },
    progress = args.PROGRESS,
  },
}, { ... })
if opts == nil then return rest end
local delimiter = opts.delimiter
if delimiter == "tab" then delimiter = "\t" end

local duo = require "duo"

-- The store decides first (SPEC section 8): a bad store stops us before
-- any request; without --save a store that cannot be found is none.
if opts.review and not (host.isatty(0) and host.isatty(2)) then
  return args.usage_error(NAME, "--review asks on a terminal: run it in one (or use --save)")
end
local store
if opts.save or opts.review then
  store = store_mod.load()
else
  local ok, s = pcall(store_mod.load)
  store = ok and s or nil
end
local companies
if opts.companies == "psa" then
  companies = require("workflows.lib.psa").companies()
else
  companies = companies_file.load(opts.companies, { encoding = opts.encoding, delimiter = delimiter,
                                                   name_column = opts.name_column, id_column = opts.id_column,
                                                   domains_column = opts.domains_column })
end
-- Where each company came from, for the store's `source` (SPEC section 8).
local source_of = {}
for _, c in ipairs(companies) do source_of[c.id or c.name] = c.source or "csv" end
local accounts_client = duo.accounts()
local accounts = fanout.select(accounts_client, opts)
local out, finish = output.open(opts.output)

-- E-mail domains of each child's users: domains[account_id] = { [domain] = users }.
local domains
if opts.use_domains then
  domains = {}
  local per_child = fanout.each(accounts_client, accounts, function(child)
    local counts = {}
    for user in child:get_users_iterator() do
      local d = match.email_domain(user.email)
      if d == nil and type(user.username) == "string" then d = match.email_domain(user.username) end
      if d then counts[d] = (counts[d] or 0) + 1 end
    end
    return counts
  end, { progress = args.progress_mode(opts) })
  local failed = {}
  for id, r in pairs(per_child) do
    if r.error then
      failed[#failed + 1] = string.format("%s (%s): %s", r.account.name, id, tostring(r.error))
    else
      domains[id] = r.result
    end
  end
  table.sort(failed)
  for _, line in ipairs(failed) do
    io.stderr:write("duo-lua: suggest-mappings: warning: no e-mail domains for ", termtext.cell(line), "\n")
  end
end

-- Companies a person confirmed keep their account and are not scored
-- again; an account confirmed for one organization is no candidate for
-- another.
local confirmed_of, taken = {}, {}
if store then
  for _, e in ipairs(store.organizations) do
    if e.confirmed and e.duo_account_id then taken[e.duo_account_id] = e end
  end
  for i, c in ipairs(companies) do
    local e = store_mod.find_company(store, c.id, c.name)
    if e and e.confirmed and (e.duo_account_id or e.no_duo_account) then confirmed_of[i] = e end
  end
end
local to_score, free_accounts, account_name = {}, {}, {}
for i, c in ipairs(companies) do
  if not confirmed_of[i] then to_score[#to_score + 1] = c end
end
for _, a in ipairs(accounts) do
  account_name[a.account_id] = a.name
  if not taken[a.account_id] then free_accounts[#free_accounts + 1] = a end
end
local result = match.suggest(to_score, free_accounts, { min_score = opts.min_score, domains = domains,
                                                        explain = opts.explain })
do
  local scored, merged = result.suggestions, {}
  local k = 0
  for i, c in ipairs(companies) do
    local e = confirmed_of[i]
    if e then
      merged[i] = { company_id = c.id, company = c.name, duo_account_id = e.duo_account_id,
                    duo_account = e.duo_account_id and (account_name[e.duo_account_id] or e.duo_account_id),
                    status = "confirmed", candidates = {},
                    evidence = { e.duo_account_id and "confirmed in the mapping store"
                                 or "confirmed in the mapping store: no Duo account" } }
    else
      k = k + 1
      merged[i] = scored[k]
    end
  end
  result.suggestions = merged
end

-- --save: matched pairs into the mapping store --------------------------------

local function save_into(store, suggestions)
  local added, updated, kept, conflicts = 0, 0, 0, 0
  local notes = {}
  local owner = {}   -- duo_account_id -> the entry that has it
  for _, e in ipairs(store.organizations) do
    if e.duo_account_id and owner[e.duo_account_id] == nil then owner[e.duo_account_id] = e end
  end
  for _, s in ipairs(suggestions) do
    if s.status == "matched" then
      local e = store_mod.find_company(store, s.company_id, s.company)
      local other = owner[s.duo_account_id]
      if e and e.confirmed then
        kept = kept + 1
        if e.duo_account_id ~= s.duo_account_id then
          notes[#notes + 1] = string.format("keep confirmed '%s' -> %s (suggested %s)", e.name,
                                            tostring(e.duo_account_id), s.duo_account_id)
        end
      elseif other and other ~= e then
        -- never a second organization for one account (SPEC section 8)
        conflicts = conflicts + 1
        notes[#notes + 1] = string.format("conflict: '%s' -> %s, which belongs to '%s'%s", s.company,
                                          s.duo_account_id, other.name,
                                          other.confirmed and " (confirmed)" or "; move it with mappings set --move")
      elseif e then
        if e.duo_account_id ~= s.duo_account_id or (s.company_id and e.id ~= s.company_id) then
          notes[#notes + 1] = string.format("update '%s': %s", e.name, table.concat(
            store_mod.changes(e, { id = s.company_id or e.id, name = e.name, duo_account_id = s.duo_account_id,
                                   duo_admin_api_directory_key = e.duo_admin_api_directory_key,
                                   confirmed = e.confirmed }), ", "))
          if e.duo_account_id and owner[e.duo_account_id] == e then owner[e.duo_account_id] = nil end
          e.duo_account_id = s.duo_account_id
          owner[s.duo_account_id] = e
          e.id = s.company_id or e.id
          e.source = source_of[s.company_id or s.company] or e.source
          updated = updated + 1
        end
      else
        owner[s.duo_account_id] = store_mod.add(store, {
          id = s.company_id, name = s.company, duo_account_id = s.duo_account_id, confirmed = false,
          source = source_of[s.company_id or s.company],
        })
        if store_mod.dry_run() then   -- only a dry run lists additions
          notes[#notes + 1] = string.format("add '%s' -> %s", s.company, s.duo_account_id)
        end
        added = added + 1
      end
    end
  end
  return added, updated, kept, conflicts, notes
end

-- How many suggestions have a status.
local function count_status(suggestions, status)
  local n = 0
  for _, s in ipairs(suggestions) do
    if s.status == status then n = n + 1 end
  end
  return n
end

local function save(suggestions)
  local matched = count_status(suggestions, "matched")
  local ok, status = confirm.ask(NAME, opts.yes, string.format("save %d matched pairs into %s", matched, store.path))
  if not ok then return status end
  local added, updated, kept, conflicts, notes
  store = store_mod.update(function(s)
    added, updated, kept, conflicts, notes = save_into(s, suggestions)
    return added + updated > 0
  end, store.path)
  local dry = store_mod.dry_run()
  local tag = "duo-lua: suggest-mappings: " .. (dry and "dry-run: " or "")
  for _, n in ipairs(notes) do io.stderr:write(tag, termtext.cell(n), "\n") end
  io.stderr:write(termtext.format("%s%s %d, %s %d, kept %d, conflicts %d: %s\n", tag,
                                dry and "would add" or "added", added, dry and "update" or "updated", updated,
                                kept + count_status(suggestions, "confirmed"), conflicts, store.path))
  return 0
end

-- Output ----------------------------------------------------------------------

local function json_result()
  local suggestions = json.array{}
  for i, s in ipairs(result.suggestions) do
    local candidates = json.array{}
    for k, c in ipairs(s.candidates) do
      candidates[k] = { duo_account_id = c.duo_account_id, duo_account = c.duo_account, score = c.score }
    end
    suggestions[i] = {
      company_id = s.company_id or json.null, company = s.company,
      duo_account_id = s.duo_account_id or json.null, duo_account = s.duo_account or json.null,
      score = s.score or json.null, status = s.status, candidates = candidates,
    }
  end
  local unmatched = json.array{}
  for i, u in ipairs(result.unmatched_accounts) do
    unmatched[i] = { duo_account_id = u.duo_account_id, duo_account = u.duo_account }
  end
  return { suggestions = suggestions, unmatched_accounts = unmatched }
end

local function score_text(v)
  if v == nil then return nil end
  return string.format("%.2f", v)
end

-- Why a row is not simply matched, for people.
local function note(s)
  if s.status == "unmatched" then
    local c = s.candidates[1]
    return c and string.format("best: %s (%.2f)", c.duo_account, c.score) or ""
  end
  local parts = {}
  if s.domain_share then parts[#parts + 1] = string.format("domains %d%%", math.floor(s.domain_share * 100 + 0.5)) end
  if s.status == "review" then
    if s.review_reason == "competition" then
      parts[#parts + 1] = string.format("close to %s (%.2f)", s.runner_up.name, s.runner_up.score)
    elseif s.review_reason == "conflict" then
      parts[#parts + 1] = "each name has a word the other lacks"
    elseif s.review_reason == "no_word" then
      parts[#parts + 1] = "no whole word in common (--use-domains can confirm)"
    elseif s.score < opts.min_score then
      parts[#parts + 1] = string.format("weak: below %.2f", opts.min_score)
    end
  end
  return table.concat(parts, "; ")
end

local COLUMNS = {
  { key = "company_id", title = "COMPANY ID" },
  { key = "company", title = "COMPANY" },
  { key = "duo_account", title = "DUO ACCOUNT" },
  { key = "duo_account_id", title = "ACCOUNT ID" },
  { key = "score", title = "SCORE", format = score_text },
  { key = "status", title = "STATUS" },
  { key = "note", title = "NOTE" },
}

local CSV_COLUMNS = {
  { key = "company_id" }, { key = "company" }, { key = "duo_account_id" }, { key = "duo_account" },
  { key = "score", csv = score_text }, { key = "status" },
}

if opts.format == "json" then
  output.json(json_result(), out)
elseif opts.format == "jsonl" then
  output.jsonl(json_result().suggestions, out)
elseif opts.format == "csv" then
  output.csv(result.suggestions, CSV_COLUMNS, out)
else
  local rows, counts = {}, { confirmed = 0, matched = 0, review = 0, unmatched = 0 }
  for i, s in ipairs(result.suggestions) do
    local row = {}
    for k, v in pairs(s) do row[k] = v end
    row.note = note(s)
    rows[i] = row
    counts[s.status] = counts[s.status] + 1
  end
  output.table(rows, COLUMNS, out)
  out:write(termtext.format("\n%d companies: %s%d matched, %d to review, %d unmatched; %d of %d child accounts "
                          .. "unclaimed\n", #rows,
                          counts.confirmed > 0 and string.format("%d confirmed, ", counts.confirmed) or "",
                          counts.matched, counts.review, counts.unmatched,
                          #result.unmatched_accounts, #accounts))
  if #result.unmatched_accounts > 0 then
    out:write("\nChild accounts without a company:\n")
    output.table(result.unmatched_accounts, {
      { key = "duo_account_id", title = "ACCOUNT ID" }, { key = "duo_account", title = "DUO ACCOUNT" },
    }, out)
  end
end
-- --explain: per company, what linked it to its account and what came next.
if opts.explain then
  local to = opts.format == "table" and out or io.stderr
  to:write("\nEvidence:\n")
  for _, s in ipairs(result.suggestions) do
    if s.status == "confirmed" then
      to:write(termtext.format("  %s -> %s: confirmed in the mapping store\n", s.company, s.duo_account))
    elseif s.status == "unmatched" then
      local c = s.candidates[1]
      to:write(termtext.format("  %s: unmatched%s\n", s.company,
                              c and string.format(" (best %s, %.2f, under the review floor)", c.duo_account, c.score) or
                              " (no account shares enough of its name)"))
    else
      to:write(termtext.format("  %s -> %s: %.2f %s%s\n", s.company, s.duo_account, s.score, s.status,
                              s.domain_share and string.format(", domains %d%%", math.floor(s.domain_share * 100 + 0.5))
                              or ""))
      to:write("    ", termtext.cell(table.concat(s.evidence, "; ")), "\n")
      to:write("    runner-up: ", s.runner_up and termtext.format("%s (%.2f)", s.runner_up.name, s.runner_up.score)
                or "none", "\n")
    end
  end
end
finish()

if opts.save then return save(result.suggestions) end
if opts.review then
  local counts, quit = require("workflows.lib.review").run(result.suggestions, free_accounts, store.path, source_of)
  io.stderr:write(termtext.format("suggest-mappings: review: %d decided and saved, %d skipped%s\n", counts.decided,
                                  counts.skipped, quit and "; stopped (run --review again for the rest)" or ""))
end
return 0
