-- The bundled workflows (SPEC section 6) as a user runs them: real duo-lua
-- processes on the sandbox's demo tenant, and, under run_with_server.sh,
-- on the loopback test server (child accounts, a failing child).
local T = require "testing"
local json = require "duo.json"
local sys = require "duo._sys"

local W = require("workspace").new()
local tmp, write, read, run, lines = W.tmp, W.write, W.read, W.run, W.lines
local STORE = tmp .. "/cfg/duo-lua/sandbox.mappings.json"   -- the sandbox profile's store

local function keys(t)
  local k = {}
  for name in pairs(t) do k[#k + 1] = name end
  table.sort(k)
  return table.concat(k, ",")
end

local COMPANIES = write("companies.csv", assert(sys.read_embedded("sandbox/companies.csv")))

-- The demo tenant's truth: company id -> the child account's name, and
-- the status of names alone when it is not `matched`.
local demo = require "sandbox.demo"
local TRUTH, NAMES_ONLY = {}, {}
for _, c in ipairs(demo.CHILDREN) do
  if c[1] then TRUTH[c[1]], NAMES_ONLY[c[1]] = c[2], c.names_only end
end

-- Usage ---------------------------------------------------------------------------

T.test("-w list names the workflows", function()
  local code, out = run("-w list")
  T.eq(code, 0)
  for _, name in ipairs{ "mappings", "suggest-mappings", "sync-user", "user-counts", "bypass-audit", "offboard-user",
                         "verify-identity", "export-logs", "standards" } do
    T.truthy(out:find(name, 1, true), name)
  end
end)

T.test("--help prints usage and exits 0 for every workflow", function()
  local _, list = run("-w list")
  local names = {}
  for _, l in ipairs(lines(list)) do names[#names + 1] = l:match("^%S+") end
  T.truthy(#names >= 6, list)
  for _, name in ipairs(names) do
    local code, out = run("-w " .. name .. " --help")
    T.eq(code, 0, name)
    T.truthy(out:find("^usage: duo%-lua %-w " .. name:gsub("%-", "%%-")), out)
    T.truthy(out:find("--profile", 1, true), name .. " documents --profile")
  end
end)

T.test("usage errors: one line naming the problem, exit status 2", function()
  local cases = {
    { "-w suggest-mappings", "--companies FILE is required" },
    { "-w suggest-mappings --companies x --bogus", "unknown option '--bogus'" },
    { "-w suggest-mappings --companies x --bogus=1", "unknown option '--bogus'" },
    { "-w suggest-mappings --companies x --min-score 1.5", "--min-score must be between 0 and 1" },
    { "-w suggest-mappings --companies x --min-score high", "--min-score needs a number" },
    { "-w suggest-mappings --companies x --format xml", "--format must be one of table, json, csv" },
    { "-w suggest-mappings --companies", "'--companies' needs a value" },
    { "-w suggest-mappings --companies x stray", "unexpected argument 'stray'" },
    { "-w user-counts -x", "unknown option '-x'" },
    { "-w mappings", "a command is needed" },
    { "-w mappings frob", "unknown command 'frob'" },
    { "-w mappings set --org A", "--account ID|NAME is required" },
    { "-w mappings export --format table", "--format must be one of json, csv" },
    { "-w mappings import", "import needs a FILE" },
    { "-w sync-user --org A", "--username U is required" },
    { "-w sync-user --username u", "give one of --org NAME or --all-orgs" },
    { "-w offboard-user --action disable", "give one of --username U or --email E" },
    { "-w offboard-user --username a --email b --action disable", "give one of --username U or --email E" },
    { "-w offboard-user --username a", "--action ACTION is required" },
    { "-w offboard-user --username a --action wipe", "--action must be one of disable, delete, sync" },
    { "-w verify-identity", "give one of --username U or --email E" },
    { "-w verify-identity --username a --timeout 0", "--timeout must be between 1 and 3600" },
    { "-w bypass-audit --format xml", "--format must be one of table, json, csv, jsonl" },
    { "-w export-logs", "--out DIR is required" },
    { "-w standards", "give one of --baseline FILE or --capture ACCOUNT" },
  }
  for _, case in ipairs(cases) do
    local code, out, err = run(case[1])
    T.eq(code, 2, case[1])
    T.eq(out, "", case[1] .. ": nothing on stdout")
    T.eq(#lines(err), 1, case[1] .. ": one line: " .. err)
    T.truthy(err:find(case[2], 1, true), case[1] .. " -> " .. err)
  end
end)

-- suggest-mappings on the demo tenant ----------------------------------------------

-- with_domains: every company with a child is matched; by names alone,
-- those the demo marks are for review (still naming the right child).
local function check_suggestions(doc, what, with_domains)
  T.eq(keys(doc), "suggestions,unmatched_accounts", what)
  T.eq(#doc.suggestions, 25, what)
  local counts = { matched = 0, review = 0, unmatched = 0 }
  local reviews = 0
  for _, s in ipairs(doc.suggestions) do
    T.eq(keys(s), "candidates,company,company_id,duo_account,duo_account_id,score,status", what)
    counts[s.status] = counts[s.status] + 1
    local want = TRUTH[s.company_id]
    if want then
      local status = not with_domains and NAMES_ONLY[s.company_id] or "matched"
      if status == "review" then reviews = reviews + 1 end
      T.eq(s.status, status, s.company)
      T.eq(s.duo_account, want, s.company)
      T.truthy(s.duo_account_id:match("^DA%w+$"), s.duo_account_id)
      T.eq(s.score, math.floor(s.score * 100 + 0.5) / 100, "two decimals")
    else
      T.eq(s.status, "unmatched", s.company)
      T.eq(s.duo_account_id, json.null, s.company)
    end
    T.truthy(json.is_array(s.candidates) and #s.candidates <= 3, "candidates")
    for _, c in ipairs(s.candidates) do T.eq(keys(c), "duo_account,duo_account_id,score", what) end
  end
  T.eq(counts.matched, 23 - reviews, what)
  T.eq(counts.review, reviews, what)
  T.truthy(with_domains or reviews > 0, "the demo shows a review by names alone")
  T.eq(counts.unmatched, 2, what)
  T.eq(#doc.unmatched_accounts, 2, what)
  for _, u in ipairs(doc.unmatched_accounts) do T.eq(keys(u), "duo_account,duo_account_id", what) end
end

T.test("suggest-mappings --format json on the demo tenant: every company right", function()
  local code, out, err = run("--sandbox -w suggest-mappings --companies " .. COMPANIES .. " --format json")
  T.eq(code, 0, err)
  check_suggestions(json.decode(out), "names", false)
end)

T.test("suggest-mappings --use-domains reads every child's users and agrees", function()
  local code, out, err = run("--sandbox -w suggest-mappings --companies " .. COMPANIES .. " --use-domains --format json")
  T.eq(code, 0, err)
  check_suggestions(json.decode(out), "domains", true)
end)

T.test("suggest-mappings: the table for people, the CSV for programs", function()
  local code, out = run("--sandbox -w suggest-mappings --companies " .. COMPANIES)
  T.eq(code, 0)
  T.truthy(out:find("^COMPANY ID%s+COMPANY%s+DUO ACCOUNT%s+ACCOUNT ID%s+SCORE%s+STATUS"), out)
  T.truthy(out:find("25 companies: 22 matched, 1 to review, 2 unmatched; 2 of 25 child accounts unclaimed", 1, true), out)
  T.truthy(out:find("Zenith Data Solutions%s+ZDS%s+DA%w+%s+0%.80%s+review%s+no whole word in common %(%-%-use%-domains can confirm%)\n"), out)
  T.truthy(out:find("Riverbend Holdings (former client)", 1, true), "unclaimed accounts are listed")
  code, out = run("--sandbox -w suggest-mappings --format csv --companies " .. COMPANIES)
  T.eq(code, 0)
  local l = lines(out)
  T.eq(l[1], "company_id,company,duo_account_id,duo_account,score,status")
  T.eq(#l, 26)
  T.truthy(out:find('\nC1003,Cascade Family Dental,DA%w+,"Cascade Family Dental, P.C.",1.00,matched\n'), out)
  T.truthy(out:find("\nC1024,Yellowstone Title & Escrow,,,,unmatched\n", 1, true), out)
  T.truthy(out:find("\nC1025,Zenith Data Solutions,DA%w+,ZDS,0.80,review\n"), out)
end)

T.test("suggest-mappings --explain: the evidence and the runner-up of each company", function()
  local code, out, err = run("--sandbox -w suggest-mappings --companies " .. COMPANIES .. " --explain")
  T.eq(code, 0, err)
  local why = out:match("\nEvidence:\n(.*)$")
  T.truthy(why, out)
  T.truthy(why:find("  Zenith Data Solutions -> ZDS: 0.80 review\n    zenith+data+solution~zds (initials)\n"
                    .. "    runner-up: none\n", 1, true), why)
  T.truthy(why:find("    engineering=engineering; northstar=north+star (joined)\n", 1, true), why)
  T.truthy(why:find("    riverside=riverside; orthopedic~orthopaedic (near)\n", 1, true), why)
  T.truthy(why:find("  Union Street Bakery: unmatched (", 1, true), why)
  code, out, err = run("--sandbox -w suggest-mappings --companies " .. COMPANIES .. " --explain --format json")
  T.eq(code, 0, err)
  T.eq(#json.decode(out).suggestions, 25, "stdout stays JSON")
  T.truthy(err:find("Evidence:\n", 1, true) and err:find("-> ZDS: 0.80 review", 1, true), err)
end)

T.test("suggest-mappings: --min-score 1 leaves imperfect matches for review", function()
  local code, out = run("--sandbox -w suggest-mappings --companies " .. COMPANIES .. " --format json --min-score 1")
  T.eq(code, 0)
  local doc = json.decode(out)
  for _, s in ipairs(doc.suggestions) do
    if s.status == "matched" then T.eq(s.score, 1.0, s.company) end
    if s.company_id == "C1004" then T.eq(s.status, "review", "Delta Frieght Systems") end
  end
end)

T.test("suggest-mappings: companies file mistakes name file:line, exit 1", function()
  local bad = write("bad.csv", "name,id\nAcme, Inc,C1\n")
  local code, out, err = run("--sandbox -w suggest-mappings --companies " .. bad)
  T.eq(code, 1)
  T.eq(out, "")
  T.truthy(err:find(bad .. ":2: 3 fields", 1, true), err)
  local companies_json = write("companies.json", json.encode(json.array{
    { id = "C1", name = "Lakeside Community Credit Union", domains = json.array{ "lakesideccu.org" } } }))
  code, out, err = run("--sandbox -w suggest-mappings --format json --companies " .. companies_json)
  T.eq(code, 0, err)
  local doc = json.decode(out)
  T.eq(doc.suggestions[1].duo_account, "Lakeside CCU")
  T.eq(doc.suggestions[1].status, "matched")
  T.eq(#doc.unmatched_accounts, 24)
end)

T.test("suggest-mappings --save keeps confirmed entries and directory keys; --dry-run writes nothing", function()
  os.remove(STORE)
  local code, _, err = run("--sandbox --dry-run -w suggest-mappings --companies " .. COMPANIES .. " --save")
  T.eq(code, 0, err)
  T.eq(read(STORE), nil, "dry-run: no store")
  T.truthy(err:find("would add 22", 1, true), err)
  -- a person's decision and a key, before the save
  write("cfg/duo-lua/sandbox.mappings.json", json.encode{ organizations = json.array{
    { name = "Acme Manufacturing Inc", id = "C1001", duo_account_id = "DAPERSONCHOSETHIS000",
      duo_admin_api_directory_key = "DDCONFIRMEDKEY000001", confirmed = true },
    { name = "Delta Freight Systems", duo_admin_api_directory_key = "DDUNCONFIRMEDKEY0002", confirmed = false },
  } }, "600")
  code, _, err = run("--sandbox -w suggest-mappings --companies " .. COMPANIES .. " --save --yes --format json")
  T.eq(code, 0, err)
  T.truthy(err:find("added 20, updated 1, kept 1, conflicts 0", 1, true), err)
  local doc = json.decode(read(STORE))
  T.eq(#doc.organizations, 22)
  T.truthy(not err:find("add '", 1, true), "additions are counted, not listed: " .. err)
  local by = {}
  for _, e in ipairs(doc.organizations) do by[e.name] = e end
  T.eq(by["Acme Manufacturing Inc"].duo_account_id, "DAPERSONCHOSETHIS000", "confirmed entry kept")
  T.eq(by["Acme Manufacturing Inc"].duo_admin_api_directory_key, "DDCONFIRMEDKEY000001")
  T.eq(by["Delta Freight Systems"].duo_admin_api_directory_key, "DDUNCONFIRMEDKEY0002", "key kept")
  T.truthy(by["Delta Freight Systems"].duo_account_id:match("^DA"), "unconfirmed entry updated")
  T.eq(by["Delta Freight Systems"].id, "C1004")
  T.eq(by["Fairview Medical Center"].confirmed, false, "suggestions are not confirmations")
  T.eq(by["Zenith Data Solutions"], nil, "companies for review are not saved")
  T.eq(by["Union Street Bakery"], nil, "unmatched companies are not saved")
  T.eq(select(2, require("duo._file").kind(STORE)), 384, "mode 0600")
  local before = read(STORE)
  code, _, err = run("--sandbox -w suggest-mappings --companies " .. COMPANIES .. " --save --yes")
  T.eq(code, 0, err)
  T.truthy(err:find("added 0, updated 0, kept 1, conflicts 0", 1, true), err)
  T.eq(read(STORE), before, "a second save changes nothing")
end)

-- mappings ---------------------------------------------------------------------

T.test("mappings set/list/export/remove on the sandbox profile", function()
  os.remove(STORE)
  local code, out, err = run("--sandbox -w mappings list")
  T.eq(code, 0, err)
  T.truthy(out:find("no organizations", 1, true), out)
  -- by exact name (resolved through the Accounts API), with a key
  code, out, err = run("--sandbox -w mappings set --yes --org 'Lakeside Community Credit Union' --account 'Lakeside CCU'"
                       .. " --directory-key DDLAKESIDEKEY0001234 --id C1012")
  T.eq(code, 0, err)
  T.truthy(out:find("added 'Lakeside Community Credit Union' -> DA", 1, true), out)
  T.truthy(not out:find("DDLAKESIDEKEY0001234", 1, true), "the key is masked: " .. out)
  -- by ID: no lookup
  code, out, err = run("--sandbox -w mappings set --yes --offline --org Globex --account DAGLOBEX000000000001")
  T.eq(code, 0, err)
  code, out = run("--sandbox -w mappings list")
  T.eq(code, 0)
  T.truthy(out:find("DD\u{2026}1234", 1, true), out)
  T.truthy(not out:find("DDLAKESIDEKEY0001234", 1, true), "list masks keys")
  T.truthy(out:find("Globex%s+%-%s+DAGLOBEX000000000001%s+%-%s+yes"), out)
  for _, args in ipairs{ "-w mappings export", "-w mappings list --format json" } do
    code, out = run("--sandbox " .. args)
    T.eq(code, 0)
    local doc = json.decode(out)
    T.eq(#doc.organizations, 2)
    T.eq(doc.organizations[1].duo_admin_api_directory_key, "DDLAKESIDEKEY0001234", "full key in " .. args)
    T.eq(doc.organizations[1].confirmed, true)
    T.eq(doc.organizations[1].id, "C1012")
    T.eq(doc.organizations[2].duo_admin_api_directory_key, json.null)
  end
  code, out = run("--sandbox -w mappings export --format csv")
  T.eq(code, 0)
  T.eq(lines(out)[1], "name,id,duo_account_id,duo_admin_api_directory_key,confirmed,confirmed_by,confirmed_at,tags")
  T.truthy(out:find("Lakeside Community Credit Union,C1012,DA%w+,DDLAKESIDEKEY0001234,true"), out)
  -- changing the account keeps the key
  code, out, err = run("--sandbox -w mappings set --yes --org 'lakeside community credit union' --account DALAKESIDE0000000002 --offline")
  T.eq(code, 0, err)
  T.truthy(out:find("updated 'Lakeside Community Credit Union'", 1, true), out)
  T.eq(json.decode(read(STORE)).organizations[1].duo_admin_api_directory_key, "DDLAKESIDEKEY0001234")
  -- unknown names are errors with close matches
  code, out, err = run("--sandbox -w mappings set --yes --org X --account Lakeside")
  T.eq(code, 1)
  T.truthy(err:find("no child account with the ID or exact name 'Lakeside'; close matches: 'Lakeside CCU'", 1, true), err)
  -- --dry-run writes nothing
  local before = read(STORE)
  code, out = run("--sandbox --dry-run -w mappings set --org New --account DANEW000000000000001 --offline")
  T.eq(code, 0)
  T.truthy(out:find("^dry%-run: added 'New'"), out)
  code, out = run("--sandbox -w mappings remove --org Globex --dry-run")
  T.eq(code, 0)
  T.eq(read(STORE), before, "dry-run leaves the store alone")
  code, out = run("--sandbox -w mappings remove --yes --org globex")
  T.eq(code, 0)
  T.truthy(out:find("removed 'Globex'", 1, true), out)
  code, out, err = run("--sandbox -w mappings remove --yes --org globex")
  T.eq(code, 1)
  T.truthy(err:find("no organization 'globex' in the mapping store " .. STORE, 1, true), err)
  T.eq(#json.decode(read(STORE)).organizations, 1)
end)

T.test("mappings import merges JSON and CSV files, never dropping a key", function()
  write("cfg/duo-lua/sandbox.mappings.json", json.encode{ organizations = json.array{
    { name = "Acme", duo_account_id = "DAACME00000000000001", duo_admin_api_directory_key = "DDACMEKEY00000000001",
      confirmed = false } } }, "600")
  local csv = write("import.csv", "name,duo_account_id,duo_admin_api_directory_key,confirmed\n"
    .. "ACME,DAACME00000000000002,,\n"
    .. "\"Globex, Inc.\",DAGLOBEX000000000001,DDGLOBEXKEY000000001,false\n")
  local code, out, err = run("--sandbox -w mappings import --yes --offline " .. csv)
  T.eq(code, 0, err)
  T.truthy(out:find("1 added, 1 updated, 0 unchanged", 1, true), out)
  local doc = json.decode(read(STORE))
  T.eq(#doc.organizations, 2)
  T.eq(doc.organizations[1].duo_account_id, "DAACME00000000000002")
  T.eq(doc.organizations[1].duo_admin_api_directory_key, "DDACMEKEY00000000001", "key kept")
  T.eq(doc.organizations[1].confirmed, true, "importing is a person's decision")
  T.eq(doc.organizations[2].name, "Globex, Inc.")
  T.eq(doc.organizations[2].confirmed, false)
  -- an export imports back unchanged
  local _, exported = run("--sandbox -w mappings export")
  local file = write("export.json", exported)
  code, out = run("--sandbox -w mappings import --yes --offline " .. file)
  T.eq(code, 0)
  T.truthy(out:find("0 added, 0 updated, 2 unchanged", 1, true), out)
  local bad = write("bad-import.json", '{"organizations": [{"id": "x"}]}')
  code, out, err = run("--sandbox -w mappings import --yes --offline " .. bad)
  T.eq(code, 1)
  T.truthy(err:find("the import file " .. bad .. " is not valid: organization 1 has no \"name\"", 1, true), err)
end)

T.test("a corrupt mapping store is refused, named, and never replaced", function()
  local text = '{"organizations": [\n  {"name": "Acme",\n]}'
  write("cfg/duo-lua/sandbox.mappings.json", text, "600")
  for _, args in ipairs{ "-w mappings list", "-w mappings set --yes --offline --org B --account DABBBBBBBBBBBBBBBBBB",
                         "-w sync-user --org Acme --username u",
                         "-w suggest-mappings --save --yes --companies " .. COMPANIES } do
    local code, out, err = run("--sandbox " .. args)
    T.eq(code, 1, args)
    T.truthy(err:find("the mapping store " .. STORE .. " is not valid", 1, true), args .. ": " .. err)
    T.truthy(err:find("it was not changed", 1, true), err)
    T.eq(#lines(err), 1, "one line: " .. err)
    T.eq(read(STORE), text, args .. ": the store is untouched")
    local _ = out
  end
end)

-- sync-user -------------------------------------------------------------------------

-- A directory of the demo tenant and one of its users (the demo is the
-- same for the same seed).
local function demo_directory()
  for _, a in ipairs(demo.seed(1, os.time()).accounts) do
    if a.directories then
      for _, u in ipairs(a.users) do
        if u.directory == a.directories[1].directory_key then
          return a, a.directories[1].directory_key, u.username
        end
      end
    end
  end
end

T.test("sync-user: missing mapping or key says how to add it", function()
  write("cfg/duo-lua/sandbox.mappings.json", json.encode{ organizations = json.array{
    { name = "No Key Org", duo_account_id = "DANOKEY0000000000001", confirmed = true } } }, "600")
  local code, out, err = run("--sandbox -w sync-user --org 'Missing Org' --username alice")
  T.eq(code, 1)
  T.eq(out, "")
  T.truthy(err:find("no organization 'Missing Org' in the mapping store " .. STORE, 1, true), err)
  T.truthy(err:find("duo-lua --sandbox -w mappings set --org 'Missing Org' --account ACCOUNT_ID_OR_NAME --directory-key KEY",
                    1, true), err)
  -- --profile under --sandbox names a profile of the config file (or "sandbox")
  code, out, err = run("--sandbox --profile ops -w sync-user --org 'no key org' --username alice")
  T.eq(code, 2, "no profile 'ops' to name")
  T.truthy(err:find("unknown profile 'ops' (known under --sandbox: sandbox)", 1, true), err)
  write("cfg/duo-lua/config.lua", "return { profiles = { ops = {} } }", "600")
  code, out, err = run("--sandbox --profile ops -w sync-user --org 'no key org' --username alice")
  os.remove(tmp .. "/cfg/duo-lua/config.lua")
  T.eq(code, 1)
  T.truthy(err:find("organization 'No Key Org' has no directory key", 1, true), err)
  T.truthy(err:find("duo-lua --sandbox --profile ops -w mappings set --org 'No Key Org' --account DANOKEY0000000000001 --directory-key KEY",
                    1, true), err)
end)

T.test("sync-user runs the directory sync in the organization's child", function()
  local account, key, username = demo_directory()
  T.truthy(account, "the demo tenant has a directory")
  os.remove(STORE)
  local code, out, err = run(string.format("--sandbox -w mappings set --yes --org Org --account '%s' --directory-key %s",
                                           account.name, key))
  T.eq(code, 0, err)
  code, out, err = run("--sandbox -w sync-user --yes --org org --username " .. username)
  T.eq(code, 0, err)
  T.truthy(out:find("^synced '" .. username:gsub("%p", "%%%0") .. "' in 'Org' %(DA%w+%): updated"), out)
  code, out, err = run("--sandbox -w sync-user --yes --org Org --format json --username " .. username)
  T.eq(code, 0, err)
  local doc = json.decode(out)
  T.eq(doc.organization, "Org")
  T.eq(doc.username, username)
  T.eq(doc.result.action, "updated")
  code, out, err = run("--sandbox --dry-run -w sync-user --org Org --username " .. username)
  T.eq(code, 0, err)
  T.truthy(out:find("dry-run: would sync", 1, true), out)
  T.truthy(err:find("dry%-run: POST .*/syncuser"), err)
  code, out, err = run("--sandbox -w sync-user --yes --org Org --username nobody.at.all")
  T.eq(code, 1)
  T.truthy(err:find("^duo%-lua: duo: 40401"), err)
  T.eq(#lines(err), 1, err)
end)

-- user-counts ----------------------------------------------------------------------

local COUNT_FIELDS = "account_id,active,bypass,disabled,enrolled,error,locked_out,name,org,org_id,pending_deletion,total"

T.test("user-counts on the demo tenant: one object per child, counts that add up", function()
  local code, out, err = run("--sandbox -w user-counts --format json")
  T.eq(code, 0, err)
  local doc = json.decode(out)
  T.truthy(json.is_array(doc))
  T.eq(#doc, 25)
  local by = {}
  for _, row in ipairs(doc) do
    T.eq(keys(row), COUNT_FIELDS)
    T.eq(row.error, json.null)
    T.eq(row.active + row.bypass + row.disabled + row.locked_out + row.pending_deletion, row.total, row.name)
    T.truthy(row.enrolled <= row.total)
    by[row.name] = row
  end
  local seed = demo.seed(1, os.time())
  for _, a in ipairs(seed.accounts) do
    T.eq(by[a.name].total, #a.users, a.name)
  end
  code, out = run("--sandbox -w user-counts")
  T.eq(code, 0)
  -- the organization's name beside the Duo name, once the store maps one (an earlier test did)
  T.truthy(out:find("^ACCOUNT%s+ORGANIZATION%s+ACCOUNT ID%s+TOTAL%s+ACTIVE%s+ENROLLED%s+BYPASS%s+DISABLED%s+LOCKED OUT"), out)
  T.truthy(out:find("\n%(all%)%s+%d+"), out)
  code, out = run("--sandbox -w user-counts --format csv")
  T.eq(code, 0)
  T.eq(lines(out)[1], "name,account_id,total,active,enrolled,bypass,disabled,locked_out,pending_deletion,error")
  T.eq(#lines(out), 26)
end)

-- On the loopback test server -----------------------------------------------------

if os.getenv("DUO_TEST_PORT_GOOD") then
  local ts = require "testserver"
  local config = W.server_config()
  local SRV = "-c " .. config .. " "
  local children = ts.client("accounts"):get_child_accounts()

  T.test("test server: suggest-mappings on near-duplicate child names", function()
    -- the server's children: Acme Corp, Acme Corporation, Globex
    T.eq(#children, 3)
    local file = write("srv-companies.csv", "id,name\nC1,Acme Corp\nC2,Globex Corporation\nC3,Initech\n")
    local code, out, err = run(SRV .. "-w suggest-mappings --format json --companies " .. file)
    T.eq(code, 0, err)
    local doc = json.decode(out)
    T.eq(doc.suggestions[1].status, "review", "Acme Corp and Acme Corporation are the same name")
    T.eq(doc.suggestions[2].status, "matched")
    T.eq(doc.suggestions[2].duo_account, "Globex")
    T.eq(doc.suggestions[3].status, "unmatched")
    T.eq(#doc.unmatched_accounts, 1)
    -- the users' e-mail domains settle it: user00@<account id>.example.com
    local acme
    for _, c in ipairs(children) do
      if c.name == "Acme Corporation" then acme = c end
    end
    file = write("srv-companies2.csv", string.format("id,name,domains\nC1,Acme Corp,%s.example.com\nC2,Globex Corporation,\n",
                                                     acme.account_id:lower()))
    code, out, err = run(SRV .. "-w suggest-mappings --use-domains --format json --companies " .. file)
    T.eq(code, 0, err)
    doc = json.decode(out)
    T.eq(doc.suggestions[1].status, "matched")
    T.eq(doc.suggestions[1].duo_account_id, acme.account_id)
  end)

  T.test("test server: sync-user sends the stored directory key to the child", function()
    local child = children[1]
    local code, out, err = run(SRV .. "-w mappings set --yes --org Acme --account " .. child.account_id
                               .. " --directory-key DDTESTDIRECTORYKEY01")
    T.eq(code, 0, err)
    T.eq(select(2, require("duo._file").kind(tmp .. "/srv.mappings.json")), 384)
    code, out, err = run(SRV .. "-w sync-user --yes --org Acme --username alice --format json")
    T.eq(code, 0, err)
    local seen
    for _, r in ipairs(ts.requests()) do
      if r.path and r.path:find("/directorysync/", 1, true) then seen = r end
    end
    T.truthy(seen, "the request reached the server")
    T.eq(seen.path, "/admin/v1/users/directorysync/DDTESTDIRECTORYKEY01/syncuser")
    T.eq(seen.account_id, child.account_id)
    T.eq(seen.method, "POST")
    local _ = out
  end)

  T.test("test server: user-counts goes on when a child fails", function()
    local code, out, err = run(SRV .. "-w user-counts --format json")
    T.eq(code, 0, err)
    local doc = json.decode(out)
    T.eq(#doc, 3)
    for _, row in ipairs(doc) do
      T.eq(keys(row), COUNT_FIELDS)
      T.eq(row.total, 5)
      T.eq(row.active, 5)
      T.eq(row.enrolled, 5)
    end
    local bad = children[2].account_id
    local admin = ts.client("admin")
    admin:call("POST", "/test/children/" .. bad .. "/fail", { code = 50001 })
    code, out, err = run(SRV .. "-w user-counts --format json")
    admin:call("POST", "/test/children/" .. bad .. "/fail", { code = 0 })
    T.eq(code, 1, "a failed child makes the status 1")
    T.truthy(err:find("1 of 3 child accounts could not be read", 1, true), err)
    doc = json.decode(out)
    T.eq(#doc, 3)
    for _, row in ipairs(doc) do
      if row.account_id == bad then
        T.truthy(tostring(row.error):find("50001", 1, true), tostring(row.error))
        T.eq(row.total, json.null)
      else
        T.eq(row.error, json.null)
        T.eq(row.total, 5)
      end
    end
  end)
end

T.done()
