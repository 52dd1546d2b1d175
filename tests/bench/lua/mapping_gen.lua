-- Synthetic tenants for the mapping benchmark: N companies and M child
-- accounts whose names drift from the companies' the way PSA and Duo
-- names do (legal suffixes, generic words, typos, joined words, "&",
-- abbreviations, case, location tags), plus accounts of no company.
--
-- usage: duo-lua mapping_gen.lua DIR COMPANIES ACCOUNTS [SEED]
-- Writes DIR/companies.csv (id,name) and DIR/accounts.csv
-- (account_id,name,company_id: the truth, empty for no company).
local dir, n_companies, n_accounts, seed = arg[1], tonumber(arg[2]), tonumber(arg[3]), tonumber(arg[4] or 7)
assert(dir and n_companies and n_accounts, "usage: mapping_gen.lua DIR COMPANIES ACCOUNTS [SEED]")

local state = seed * 2654435761 + 1
local function rand(n)   -- 1..n
  state = (state * 6364136223846793005 + 1442695040888963407)
  return ((state >> 33) % n) + 1
end
local function pick(t) return t[rand(#t)] end
local function chance(p) return rand(1000000) <= p * 1000000 end

local function words(s)
  local t = {}
  for w in s:gmatch("%S+") do t[#t + 1] = w end
  return t
end

local FIRST = words[[Maple Cedar Oak Birch Willow Aspen Juniper Summit Ridge Harbor Bay River Lake
  Meadow Prairie Canyon Mesa Granite Iron Copper Silver Golden Blue Red Green Crimson Amber Falcon
  Eagle Hawk Raven Fox Bear Wolf Quail Heron Pelican Osprey Sterling Keystone Liberty Pioneer
  Frontier Heritage Legacy Horizon Beacon Anchor Compass Evergreen Pinecrest Rosewood Ashford
  Bramble Thistle Clover Ivy Hazel Linden Sycamore Magnolia Cypress Redwood Sequoia Alder Hawthorn
  Elm Spruce Larch Poplar Chestnut Walnut Hickory Orchard Harvest Sunrise Sunset Starlight
  Moonstone Bluebird Cardinal Sparrow Kingfisher Wren Lark Finch Robin Swan Crane Stag Elk Moose
  Bison Mustang Bronco Otter Beaver Badger Lynx Cougar Panther Jaguar Phoenix Griffin Titan Atlas
  Apex Vertex Zenith Pinnacle Crest Alpine Glacier Tundra Coral Lagoon Driftwood Seabrook
  Brightwater Clearwater Stillwater Blackstone Whitestone Greystone Fairhaven Brookhaven
  Westfield Eastwood Northgate Southport Kingsley Ashton Bradford Carlisle Dalton Everett
  Fletcher Garrison Hollister Irving Jasper Kendall Lowell Marlow Newbury Oakley Preston Quincy
  Remington Sheffield Thornton Upton Vaughn Whitman Yardley Abbott Barrett Calloway Donovan
  Ellison Forsyth Galloway Hargrove Ingram Jensen Kessler Langford Merritt Norwood Pemberton]]
local SECOND = words[[Creek Ridge Valley Point Park Hill Brook Field Wood Stone Bridge Gate Haven
  Springs Falls Grove Crossing Landing Hollow Shore Bend Trail Glen Dale Heights Meadow Mill Ford
  Port View Rock Water Wind Light Star Leaf Horse Side Land Cove Peak Lake Pines Oaks Acres Farm
  Harbor Bluff Canyon Summit Mesa Prairie Forest Island Coast]]
local INDUSTRY_LIST = [[Dental|Pediatrics|Orthopedics|Veterinary_Clinic|Golf_Course|Assisted_Living|
  Senior_Living|Credit_Union|Realty|Plumbing|Electric|Roofing|Landscaping|Construction|Engineering|
  Architects|Law_Group|Legal|Accounting|Insurance_Agency|Capital|Wealth_Management|Logistics|Freight|
  Marine|Manufacturing|Machine_Works|Printing|Bakery|Brewing|Coffee_Roasters|Fitness|Yoga_Studio|
  Auto_Repair|Animal_Hospital|Family_Medicine|Eye_Care|Physical_Therapy|Chiropractic|Home_Health|
  Community_Church|Academy|Schools|Title_&_Escrow|Mortgage|Storage|Hardware|Outdoor_Supply|Florist|
  Catering|Hotel|Marina|Country_Club|Dance_Studio|Pet_Care|Medical_Center|Surgical_Associates|
  Dermatology|Radiology|Pharmacy|Heating_&_Cooling|Pest_Control|Cleaning_Services|Staffing|
  Consulting_Group|Software|Data_Systems|Networks|Media|Design_Studio|Photography|Travel|Events]]
local INDUSTRY = {}
for v in INDUSTRY_LIST:gmatch("[^|%s]+") do INDUSTRY[#INDUSTRY + 1] = v:gsub("_", " ") end
local GENERIC = { "Group", "Services", "Solutions", "Partners", "Associates", "Holdings", "Company" }
local LEGAL = { "Inc", "Inc.", "LLC", "L.L.C.", "Ltd", "Corp", "Co.", "LLP", "PC", "PLLC", "Corporation" }
local LOCATION = { " - East", " - West", " (North)", " (Main Office)", " - Downtown", " (HQ)" }
local ABBREV = { Services = "Svcs", Center = "Ctr", Medical = "Med", Company = "Co", Associates = "Assoc",
                 Manufacturing = "Mfg", International = "Intl", Management = "Mgmt", Saint = "St." }

-- A company name: distinctive words, an industry, sometimes a generic
-- word and a legal form; no two alike.
local used = {}
local function company_name()
  while true do
    local parts = { pick(FIRST) }
    if chance(0.6) then parts[#parts + 1] = pick(SECOND) end
    parts[#parts + 1] = pick(INDUSTRY)
    if chance(0.15) then parts[#parts + 1] = pick(GENERIC) end
    local base = table.concat(parts, " ")
    local key = base:lower():gsub("%W", "")
    if not used[key] then
      used[key] = true
      if chance(0.35) then base = base .. (chance(0.5) and ", " or " ") .. pick(LEGAL) end
      return base
    end
  end
end

local function typo(w)
  if #w < 5 then return w end
  local k = rand(#w - 2) + 1
  local kind = rand(3)
  if kind == 1 then return w:sub(1, k - 1) .. w:sub(k + 1, k + 1) .. w:sub(k, k) .. w:sub(k + 2) end   -- swap
  if kind == 2 then return w:sub(1, k - 1) .. w:sub(k + 1) end                                         -- drop
  return w:sub(1, k) .. w:sub(k, k) .. w:sub(k + 1)                                                     -- double
end

local LEGAL_PATTERN = { " Inc%.?$", ",? LLC$", " L%.L%.C%.$", " Ltd$", " Corp$", " Co%.$", " LLP$", " PC$",
                        " PLLC$", " Corporation$", "," .. "$" }

-- The account's name for a company: one or two drifts.
local function drift(name)
  local n = name
  for _ = 1, rand(2) do
    local kind = rand(10)
    if kind == 1 then                                   -- legal form changed or dropped
      for _, p in ipairs(LEGAL_PATTERN) do n = n:gsub(p, "") end
      if chance(0.5) then n = n .. " " .. pick(LEGAL) end
    elseif kind == 2 then                               -- a generic word added or dropped
      local dropped = false
      for _, g in ipairs(GENERIC) do
        local m, c = n:gsub(" " .. g .. "%f[%A]", "")
        if c > 0 then n, dropped = m, true; break end
      end
      if not dropped then n = n .. " " .. pick(GENERIC) end
    elseif kind == 3 then                               -- a typo in the longest word
      local longest = ""
      for w in n:gmatch("%a+") do if #w > #longest then longest = w end end
      n = n:gsub(longest, typo(longest), 1)
    elseif kind == 4 then                               -- two words joined
      n = n:gsub("^(%u%l+) (%u)(%l+)", function(a, b, c) return a .. b .. c end, 1)
    elseif kind == 5 then                               -- "&" <-> "and"
      local m, c = n:gsub(" & ", " and ")
      n = c > 0 and m or n:gsub(" and ", " & ")
    elseif kind == 6 then                               -- abbreviations
      for long, short in pairs(ABBREV) do n = n:gsub(long, short) end
    elseif kind == 7 then                               -- case
      n = chance(0.5) and n:upper() or n:lower()
    elseif kind == 8 then                               -- a location tag
      n = n .. pick(LOCATION)
    elseif kind == 9 then                               -- punctuation
      n = n:gsub(" ", chance(0.5) and "-" or ". ", 1)
    else                                                -- "The"
      n = n:find("^The ") and n:sub(5) or "The " .. n
    end
  end
  return n
end

local function csv(s)
  if s:find('[",\n]') then return '"' .. s:gsub('"', '""') .. '"' end
  return s
end

local companies = {}
local cf = assert(io.open(dir .. "/companies.csv", "w"))
cf:write("id,name\n")
for i = 1, n_companies do
  companies[i] = { id = string.format("C%06d", i), name = company_name() }
  cf:write(companies[i].id, ",", csv(companies[i].name), "\n")
end
cf:close()

-- 93% of the accounts belong to a company (each company at most one),
-- the rest to none; in a shuffled order.
local order = {}
for i = 1, n_companies do order[i] = i end
for i = n_companies, 2, -1 do
  local k = rand(i)
  order[i], order[k] = order[k], order[i]
end
local af = assert(io.open(dir .. "/accounts.csv", "w"))
af:write("account_id,name,company_id\n")
local owned = math.min(n_companies, math.floor(n_accounts * 0.93))
for j = 1, n_accounts do
  local name, truth = nil, ""
  if j <= owned then
    local c = companies[order[j]]
    name, truth = drift(c.name), c.id
  else
    name = company_name()
  end
  af:write(string.format("DA%018d", j), ",", csv(name), ",", truth, "\n")
end
af:close()
