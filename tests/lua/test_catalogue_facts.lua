-- The catalogue against the wire facts made from the shared spec
-- (tests/data/endpoint_facts.json): every method of the spec, the 70 rows of
-- duo-endpoints-extra.json included, is a catalogue row of the same name on
-- the right client, with the spec's verb and path, and the extra rows say
-- as sure as the spec is (certainty).
local T = require "testing"
local json = require "duo.json"
local catalogue = require "duo.catalogue"

local f = assert(io.open("../data/endpoint_facts.json", "rb"))
local facts = json.decode(f:read("a")).facts
f:close()

-- The paths a row can send to: its own, or each variant's.
local function paths_of(row)
  local out = { [row.path] = true }
  for _, v in pairs(row.variants or {}) do out[v.path] = true end
  return out
end

T.test("every method of the spec is a catalogue row of its name, api, verb and path", function()
  local missing = {}
  for _, fact in ipairs(facts) do
    local row = catalogue.by_name[fact.api] and catalogue.by_name[fact.api][fact.name]
    if row == nil then
      missing[#missing + 1] = fact.api .. "." .. fact.name
    else
      T.eq(row.verb, fact.verb, fact.name)
      T.truthy(paths_of(row)[fact.path], fact.name .. ": " .. fact.path)
      T.eq(row.app, fact.app, fact.name .. " is signed with " .. fact.app .. " keys")
    end
  end
  T.eq(table.concat(missing, ", "), "", "spec methods without a row")
end)

T.test("the extra rows carry the spec's certainty; the others carry none", function()
  local certainty, n = {}, 0
  for _, fact in ipairs(facts) do
    if fact.certainty then certainty[fact.api .. "." .. fact.name] = fact.certainty end
  end
  for _, row in ipairs(catalogue.methods) do
    local want = certainty[row.api .. "." .. row.name]
    T.eq(row.certainty, want, row.name)
    if want then n = n + 1 end
  end
  T.eq(n, 71)
end)

T.done()
