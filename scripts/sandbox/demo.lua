-- The built-in demo tenant, as seed data: an MSP parent with 25 child
-- accounts whose names drift from scripts/sandbox/companies.csv the way
-- PSA exports drift from Duo (suffixes, "&" and "and", abbreviations,
-- punctuation, case, a typo, "The", a region suffix; two children without
-- a company and two companies without a child). Users have e-mail
-- addresses in their company's domains, statuses, enrolment and phones;
-- larger children have a directory with its key; there are a few logs.
-- Everything comes from the seed number: the same number gives the same
-- tenant (timestamps of logins and logs are relative to `now`).
local sys = require "duo._sys"
local json = require "duo.json"
local ids = require "sandbox.ids"
local extras = require "sandbox.demo_extras"

local M = {}

local array = json.array

-- Parses CSV text (quoted fields allowed) into rows of fields.
function M.parse_csv(text)
  local rows, row, field, i, n = {}, {}, {}, 1, #text
  local quoted = false
  while i <= n do
    local c = text:sub(i, i)
    if quoted then
      if c == '"' and text:sub(i + 1, i + 1) == '"' then field[#field + 1] = '"'; i = i + 1
      elseif c == '"' then quoted = false
      else field[#field + 1] = c end
    elseif c == '"' then quoted = true
    elseif c == "," then row[#row + 1] = table.concat(field); field = {}
    elseif c == "\n" or c == "\r" then
      if c == "\r" and text:sub(i + 1, i + 1) == "\n" then i = i + 1 end
      row[#row + 1] = table.concat(field); field = {}
      if #row > 1 or row[1] ~= "" then rows[#rows + 1] = row end
      row = {}
    else field[#field + 1] = c end
    i = i + 1
  end
  if #field > 0 or #row > 0 then
    row[#row + 1] = table.concat(field)
    rows[#rows + 1] = row
  end
  return rows
end

-- The shipped companies file: { id, name, domains = { ... } } by id, and in order.
function M.companies()
  local text = assert(sys.read_embedded("sandbox/companies.csv"), "sandbox/companies.csv is not embedded")
  local rows = M.parse_csv(text)
  local header = {}
  for i, h in ipairs(rows[1]) do header[h] = i end
  local list, by_id = {}, {}
  for r = 2, #rows do
    local row = rows[r]
    local c = { id = row[header.id], name = row[header.name], domains = {} }
    for d in (row[header.domains] or ""):gmatch("[^;]+") do c.domains[#c.domains + 1] = d end
    list[#list + 1] = c
    by_id[c.id] = c
  end
  return list, by_id
end

-- The child accounts: company, name as the child is called in Duo, size,
-- phone region; children without a company name their own domain.
-- `names_only`: the status suggest-mappings gives without --use-domains
-- when it is not `matched` (an acronym only the e-mail domains confirm).
local CHILDREN = {
  { "C1001", "ACME Manufacturing", "l" },
  { "C1002", "Baker and Sons Plumbing LLC", "s" },
  { "C1003", "Cascade Family Dental, P.C.", "s" },
  { "C1004", "Delta Frieght Systems", "l" },
  { "C1005", "Evergreen Group", "m" },
  { "C1006", "Fairview Med. Ctr.", "xl" },
  { "C1007", "Granite State Insurance Agency - East", "m" },
  { "C1008", "Harborview Capital Partners LP", "s" },
  { "C1009", "Ironwood Legal", "m" },
  { "C1010", "Juniper Ridge Vet Hospital", "s" },
  { "C1011", "KEYSTONE CONSTRUCTION COMPANY", "m" },
  { "C1012", "Lakeside CCU", "m" },
  { "C1013", "Maple and Oak Realty Inc.", "s" },
  { "C1014", "North Star Engineering", "m" },
  { "C1015", "OBrien Accounting Svcs", "s" },
  { "C1016", "Pinecrest Senior Living (West Region)", "l" },
  { "C1017", "Quarry Hill Schools", "xl" },
  { "C1018", "Riverside Orthopaedics", "m" },
  { "C1019", "Summit Outdoor Supply Co", "m" },
  { "C1020", "Tidewater Marine Svcs., Inc.", "s" },
  { "C1022", "Valley View Pediatrics, LLC", "m" },
  { "C1023", "Westbrook Architects Ltd.", "m", region = "uk" },
  { "C1025", "ZDS", "m", region = "au", names_only = "review" },
  { nil, "Riverbend Holdings (former client)", "s", domain = "riverbendholdings.com" },
  { nil, "Northgate Test Tenant", "s", domain = "lab.northgate-msp.com" },
}
M.CHILDREN = CHILDREN

local SIZES = { s = { 4, 15 }, m = { 20, 70 }, l = { 110, 190 }, xl = { 250, 330 } }

local MSP = { name = "Northgate Managed Services", domain = "northgate-msp.com" }

local FIRST = { "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
  "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles",
  "Karen", "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Betty", "Mark", "Sandra", "Steven", "Ashley",
  "Paul", "Kimberly", "Andrew", "Emily", "Joshua", "Donna", "Kevin", "Michelle", "Brian", "Carol", "George",
  "Amanda", "Priya", "Wei", "Fatima", "Aisha", "Hiroshi", "Olga", "Mateo", "Sofia", "Liam", "Chloe", "Noah",
  "Zoë", "José", "Siobhan", "Nguyen", "Kwame", "Ingrid", "Rafael", "Mei", "Omar", "Leila", "Dmitri" }
local LAST = { "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
  "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson",
  "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
  "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green",
  "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Patel", "Kim",
  "Chen", "Okafor", "Müller", "O'Neill", "Kowalski", "Novak", "Haddad", "Sato", "Fernández", "Larsen",
  "Byrne", "Dubois", "Rossi", "Ivanova", "Mensah", "Costa" }

local ASCII = { ["ë"] = "e", ["é"] = "e", ["ü"] = "u", ["á"] = "a", ["í"] = "i", ["ó"] = "o", ["ñ"] = "n" }

local function ascii_lower(s)
  s = s:gsub("[\xC3][\x80-\xBF]", function(c) return ASCII[c:lower()] or ASCII[c] or "" end)
  return (s:lower():gsub("[^%w]", ""))
end

local GROUPS = { "Finance", "IT Admins", "Remote Workers", "Executives", "Contractors", "Front Desk" }
local INTEGRATIONS = {
  { "Microsoft RDP", "rdp" }, { "Cisco ASA SSL VPN", "ciscoasa" }, { "Microsoft 365", "microsoft-365" },
  { "Duo Admin API", "adminapi" }, { "Web SDK", "websdk" }, { "Windows Logon", "winlogon" },
}
local APPS_FOR_LOGS = { "Microsoft RDP", "Cisco ASA SSL VPN", "Microsoft 365", "Windows Logon" }

-- A phone number in E.164 from fictional ranges: North American 555-01xx,
-- UK Ofcom drama numbers, Australian ACMA fictional mobiles.
local AREA = { "212", "312", "415", "503", "617", "720", "802", "919" }
local function phone_number(rng, region)
  if region == "uk" then return string.format("+4420794600%02d", rng:int(0, 99)) end
  if region == "au" then return string.format("+61491570%03d", rng:int(100, 999)) end
  return string.format("+1%s55501%02d", rng:pick(AREA), rng:int(0, 99))
end

local PLATFORMS = { { "Apple iOS", "Apple iPhone 14" }, { "Apple iOS", "Apple iPhone 15 Pro" },
                    { "Google Android", "Google Pixel 8" }, { "Google Android", "Samsung Galaxy S23" } }

local STATUS = { { "active", 0.86 }, { "disabled", 0.05 }, { "locked out", 0.04 }, { "bypass", 0.03 },
                 { "pending deletion", 0.02 } }
local ENROLLED = { active = 0.9, disabled = 0.6, ["locked out"] = 0.8, bypass = 0.3, ["pending deletion"] = 0.5 }

local function pick_status(rng)
  local x, acc = rng:float(), 0
  for _, s in ipairs(STATUS) do
    acc = acc + s[2]
    if x < acc then return s[1] end
  end
  return "active"
end

local CREATED_FROM, CREATED_TO = 1609459200, 1717200000   -- 2021-01-01 .. 2024-06-01

-- Users of one account.
local function make_users(rng, count, domains, region, groups)
  local users, taken = array{}, {}
  for _ = 1, count do
    local first, last = rng:pick(FIRST), rng:pick(LAST)
    local base
    if rng:chance(0.15) then
      base = ascii_lower(first):sub(1, 1) .. ascii_lower(last)
    else
      base = ascii_lower(first) .. "." .. ascii_lower(last)
    end
    local username, k = base, 1
    while taken[username] do k = k + 1; username = base .. k end
    taken[username] = true
    local domain = domains[1]
    if #domains > 1 and rng:chance(0.2) then domain = domains[2] end
    local email = username .. "@" .. domain
    if rng:chance(0.02) then email = username .. "@gmail.com" end
    local status = pick_status(rng)
    local u = {
      user_id = rng:id("DU"), username = username, email = email, realname = first .. " " .. last,
      firstname = first, lastname = last, status = status, created = rng:int(CREATED_FROM, CREATED_TO),
    }
    local enrolled = rng:chance(ENROLLED[status])
    if enrolled then
      if rng:chance(0.04) then
        u.hardware_token = true
      else
        local plat = rng:pick(PLATFORMS)
        u.phones = array{ { phone_id = rng:id("DP"), number = phone_number(rng, region), type = "Mobile",
                            platform = plat[1], model = plat[2], activated = true } }
        if rng:chance(0.05) then
          u.phones[2] = { phone_id = rng:id("DP"), number = phone_number(rng, region), type = "Landline",
                          platform = "Generic Landline", model = "Unknown", activated = false }
        end
      end
    else
      u.is_enrolled = false
      if rng:chance(0.3) then
        u.phones = array{ { phone_id = rng:id("DP"), number = phone_number(rng, region), type = "Mobile",
                            platform = "Generic Smartphone", model = "Unknown", activated = false } }
      end
    end
    if rng:chance(0.05) then u.aliases = { alias1 = "corp\\" .. username } end
    local g = array{}
    if #groups > 0 then
      g[1] = groups[1]
      for i = 2, #groups do
        if rng:chance(0.2) then g[#g + 1] = groups[i] end
      end
    end
    u.groups = #g > 0 and g or nil
    if rng:chance(0.015) then u.bypass_codes = rng:int(1, 3) end
    users[#users + 1] = u
  end
  return users
end

local function ip(rng)
  return rng:chance(0.5) and string.format("203.0.113.%d", rng:int(1, 254))
                          or string.format("198.51.100.%d", rng:int(1, 254))
end

local FACTORS = { "duo_push", "duo_push", "duo_push", "passcode", "phone_call", "sms_passcode" }

local function make_logs(rng, acct, now, apps)
  local logs = array{}
  local candidates = {}
  for _, u in ipairs(acct.users) do
    if u.status == "active" and u.is_enrolled ~= false then candidates[#candidates + 1] = u end
  end
  if #candidates > 0 and #apps > 0 then
    for _ = 1, rng:int(1, 8) do
      local u = rng:pick(candidates)
      local denied = rng:chance(0.12)
      logs[#logs + 1] = {
        txid = rng:txid(), timestamp = now - rng:int(60, 3 * 86400), user = u.username,
        result = denied and "denied" or "success",
        reason = denied and rng:pick{ "user_mistake", "deny_unenrolled_user", "invalid_passcode" }
                 or "user_approved",
        factor = rng:pick(FACTORS), event_type = "authentication", application = rng:pick(apps), ip = ip(rng),
        location = { city = "Springfield", state = "", country = "United States" },
      }
    end
  end
  return #logs > 0 and logs or nil
end

local function make_adminlogs(rng, acct, now, admin_name)
  local logs = array{}
  for _ = 1, rng:int(0, 4) do
    local u = #acct.users > 0 and rng:pick(acct.users)
    if u then
      local action = rng:pick{ "user_create", "user_update", "phone_create", "user_update" }
      logs[#logs + 1] = { timestamp = now - rng:int(3600, 30 * 86400), username = admin_name, action = action,
                          object = u.username, description = json.encode{ email = u.email } }
    end
  end
  return #logs > 0 and logs or nil
end

-- One account's content from its users (tokens for hardware-token users).
local function finish_account(rng, acct, domain, now, group_names)
  local tokens = array{}
  for _, u in ipairs(acct.users) do
    if u.hardware_token then
      u.hardware_token = nil
      local t = { token_id = rng:id("DH"), type = rng:pick{ "h6", "t6", "d1" }, serial = tostring(rng:int(100000, 999999)) }
      tokens[#tokens + 1] = t
      u.tokens = array{ t.token_id }
    end
  end
  acct.tokens = #tokens > 0 and tokens or nil
  if #group_names > 0 then
    local groups = array{ { group_id = rng:id("DG"), name = "All Staff", desc = "Everyone" } }
    for i = 2, #group_names do groups[i] = { group_id = rng:id("DG"), name = group_names[i], desc = "" } end
    acct.groups = groups
  end
  local owner = rng:pick(FIRST) .. " " .. rng:pick(LAST)
  acct.admins = array{
    { admin_id = rng:id("DE"), name = owner, email = ascii_lower(owner:match("^%S+")) .. "@" .. domain,
      phone = "", role = "Owner", status = "Active", created = rng:int(CREATED_FROM, CREATED_TO) },
    { admin_id = rng:id("DE"), name = "Northgate Helpdesk", email = "helpdesk@" .. MSP.domain, phone = "",
      role = "Help Desk", status = "Active", created = rng:int(CREATED_FROM, CREATED_TO) },
  }
  local apps = {}
  local integ = acct.integrations or array{}
  local count = rng:int(1, 3)
  local used = {}
  for _ = 1, count do
    local i = rng:pick(INTEGRATIONS)
    if not used[i[1]] then
      used[i[1]] = true
      integ[#integ + 1] = { integration_key = rng:id("DI"), secret_key = rng:skey(), name = i[1], type = i[2] }
      for _, name in ipairs(APPS_FOR_LOGS) do if name == i[1] then apps[#apps + 1] = name end end
    end
  end
  acct.integrations = integ
  acct.authlogs = make_logs(rng, acct, now, apps)
  acct.adminlogs = make_adminlogs(rng, acct, now, owner)
  -- a login time for users who have logged in
  for _, u in ipairs(acct.users) do
    if u.is_enrolled ~= false and u.status ~= "pending deletion" and rng:chance(0.85) then
      u.last_login = now - rng:int(3600, 45 * 86400)
    end
  end
end

-- The demo tenant of seed number n as seed data.
function M.seed(n, now)
  n = n or 1
  now = now or os.time()
  local root = ids.new(0x44454D4F + n)   -- "DEMO" + n
  local _, companies = M.companies()

  local prng = root:fork("parent")
  local parent = {
    account_id = prng:id("DA"), name = MSP.name, api_hostname = prng:hostname(), billing_enabled = true,
    telephony_credits = 10000,
    integrations = array{
      { integration_key = prng:id("DI"), secret_key = prng:skey(), name = "Sandbox Admin API", type = "adminapi" },
      { integration_key = prng:id("DI"), secret_key = prng:skey(), name = "Sandbox Accounts API",
        type = "accountsapi" },
      { integration_key = prng:id("DI"), secret_key = prng:skey(), name = "Sandbox Auth API", type = "authapi" },
    },
  }
  parent.users = make_users(prng, 6, { MSP.domain }, "us", {})
  finish_account(prng, parent, MSP.domain, now, {})
  parent.admins[1].email = "owner@" .. MSP.domain

  local accounts = array{}
  for _, spec in ipairs(CHILDREN) do
    local company = spec[1] and companies[spec[1]]
    local rng = root:fork(spec[2])
    local domains = company and company.domains or { spec.domain }
    local size = SIZES[spec[3]]
    local group_names = { "All Staff" }
    for _, g in ipairs(GROUPS) do
      if rng:chance(0.35) then group_names[#group_names + 1] = g end
    end
    local acct = {
      account_id = rng:id("DA"), name = spec[2], api_hostname = rng:hostname(),
      edition = rng:pick{ "ENTERPRISE", "ENTERPRISE", "PLATFORM", "BEYOND" },
      telephony_credits = rng:int(0, 50) * 10,
    }
    acct.users = make_users(rng, rng:int(size[1], size[2]), domains, spec.region or "us", group_names)
    finish_account(rng, acct, domains[1], now, group_names)
    if #acct.users >= 20 then
      local azure = rng:chance(0.4)
      local key = rng:id("DD")
      acct.directories = array{ { directory_key = key, name = azure and "Azure AD" or "Active Directory - HQ",
                                  type = azure and "azure" or "ad" } }
      for _, u in ipairs(acct.users) do
        if rng:chance(0.9) then u.directory = key end
      end
    end
    extras.apply(rng:fork("daily jobs"), acct)
    extras.plant_alerts(acct, now)
    accounts[#accounts + 1] = acct
  end
  return { version = 1, parent = parent, accounts = accounts }
end

return M
