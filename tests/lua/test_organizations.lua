-- The mapping store as the backbone (SPEC section 8) on the sandbox: one
-- organization per account, unique ids, tags; suggest-mappings reports what
-- a person confirmed as `confirmed` and never gives an account a second
-- organization.
local T = require "testing"
local json = require "duo.json"
local W = require("workspace").new({ stdin_null = true })

local STORE = W.tmp .. "/cfg/duo-lua/sandbox.mappings.json"
local COMPANIES = (function()
  local p = assert(io.popen("cd ../../scripts/sandbox && pwd"))
  local dir = p:read("l")
  p:close()
  return dir .. "/companies.csv"
end)()
local ZENITH, RIVERBEND = "DAKU72NAI7FRDXQIHNDG", "DAUKBSFUEJYC9YPGBGM6"   -- accounts of the demo tenant
local ACME = "DAF5QATLSHN3TPIY2BT8"

local function run(args)
  local code, out, err = W.run("--sandbox " .. args)
  return code, out, err
end

local function store()
  return json.decode(W.read(STORE)).organizations
end

local function by_company(doc, name)
  for _, s in ipairs(doc.suggestions) do
    if s.company == name then return s end
  end
end

T.test("mappings set finds an organization by id, refuses a second one for an account, --move moves it", function()
  os.remove(STORE)
  local code, _, err = run("-w mappings set --org 'Client 1 LLC' --id C100 --account " .. ACME .. " --yes")
  T.eq(code, 0, err)
  code, _, err = run("-w mappings set --org C100 --account " .. ACME .. " --directory-key DDKEY0000000000000001 --yes")
  T.eq(code, 0, err)
  T.eq(#store(), 1, "the id found the organization: no second one")
  code, _, err = run("-w mappings set --org 'Other Co' --account " .. ACME .. " --yes")
  T.eq(code, 1)
  T.truthy(err:find("already belongs to 'Client 1 LLC' (C100): give --move", 1, true), err)
  T.eq(#store(), 1, "nothing changed")
  code, _, err = run("-w mappings set --org 'Other Co' --id C100 --account " .. RIVERBEND .. " --yes")
  T.eq(code, 1)
  T.truthy(err:find("id C100 is already 'Client 1 LLC''s", 1, true), err)
  code, _, err = run("-w mappings set --org 'Other Co' --account " .. ACME .. " --move --yes")
  T.eq(code, 0, err)
  local orgs = store()
  T.eq(#orgs, 2)
  local owners = 0
  for _, e in ipairs(orgs) do if e.duo_account_id == ACME then owners = owners + 1 end end
  T.eq(owners, 1, "one organization for the account")
end)

T.test("mappings tag adds and removes tags; a store that breaks the rules is reported, not fixed", function()
  local code, out, err = run("-w mappings tag --org 'Other Co' --add managed --add healthcare --yes")
  T.eq(code, 0, err)
  T.truthy(out:find("healthcare, managed", 1, true), out)
  code, _, err = run("-w mappings tag --org 'Other Co' --remove healthcare --yes")
  T.eq(code, 0, err)
  for _, e in ipairs(store()) do
    if e.name == "Other Co" then T.eq(table.concat(e.tags, ","), "managed") end
  end
  code, _, err = run("-w mappings tag --org 'Other Co' --add 'two words' --yes")
  T.eq(code, 2, err)
  -- two organizations for one account, written by hand
  W.write(STORE:sub(#W.tmp + 2), json.encode{ organizations = {
    { name = "A", duo_account_id = ACME }, { name = "B", duo_account_id = ACME } } })
  code, out, err = run("-w mappings list")
  T.eq(code, 0, err)
  T.truthy(err:find("account " .. ACME .. " has two organizations, 'A' and 'B'", 1, true), err)
  T.eq(#store(), 2, "reported, not fixed")
end)

T.test("a re-run keeps what a person decided: confirmed, not scored again, its account no candidate", function()
  os.remove(STORE)
  -- a person decides two companies the engine could not
  local code, _, err = run("-w mappings set --org 'Zenith Data Solutions' --id C1025 --account " .. ZENITH .. " --yes")
  T.eq(code, 0, err)
  code, _, err = run("-w mappings set --org 'Union Street Bakery' --account " .. RIVERBEND .. " --yes")
  T.eq(code, 0, err)
  local out
  code, out, err = run("-w suggest-mappings --companies " .. COMPANIES .. " --format json")
  T.eq(code, 0, err)
  local doc = json.decode(out)
  T.eq(by_company(doc, "Zenith Data Solutions").status, "confirmed")
  T.eq(by_company(doc, "Zenith Data Solutions").duo_account_id, ZENITH)
  T.eq(by_company(doc, "Union Street Bakery").status, "confirmed")
  for _, a in ipairs(doc.unmatched_accounts) do
    T.truthy(a.duo_account_id ~= RIVERBEND, "a confirmed account is not unclaimed")
  end
  for _, s in ipairs(doc.suggestions) do
    if s.status ~= "confirmed" then
      T.truthy(s.duo_account_id ~= ZENITH and s.duo_account_id ~= RIVERBEND, "no candidate: " .. s.company)
    end
  end
  -- --save, a second run: nothing doubles, the decisions stay
  code, _, err = run("-w suggest-mappings --companies " .. COMPANIES .. " --save --yes --format json")
  T.eq(code, 0, err)
  T.truthy(err:find("kept 2, conflicts 0", 1, true), err)
  code, _, err = run("-w suggest-mappings --companies " .. COMPANIES .. " --save --yes --format json")
  T.eq(code, 0, err)
  T.truthy(err:find("added 0, updated 0", 1, true), err)
  local seen = {}
  for _, e in ipairs(store()) do
    if e.duo_account_id then
      T.eq(seen[e.duo_account_id], nil, "two organizations for " .. e.duo_account_id)
      seen[e.duo_account_id] = e.name
    end
  end
  T.eq(seen[ZENITH], "Zenith Data Solutions")
end)

T.test("--save never gives an account a second organization: a conflict, reported", function()
  W.write(STORE:sub(#W.tmp + 2), json.encode{ organizations = {
    { name = "Acme (old name)", duo_account_id = ACME, confirmed = false } } })
  local code, _, err = run("-w suggest-mappings --companies " .. COMPANIES .. " --save --yes --format json")
  T.eq(code, 0, err)
  T.truthy(err:find("conflict: 'Acme Manufacturing Inc' -> " .. ACME .. ", which belongs to 'Acme (old name)'",
                    1, true), err)
  T.truthy(err:find("conflicts 1", 1, true), err)
  local owners = 0
  for _, e in ipairs(store()) do if e.duo_account_id == ACME then owners = owners + 1 end end
  T.eq(owners, 1)
end)

W.remove()
T.done()
