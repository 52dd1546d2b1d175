-- The mapping engine's floor on the evaluation set (tests/data/mapping_eval):
-- names alone, precision >= 0.99 and recall >= 0.90 on every part; with the
-- e-mail domains, nothing matched wrongly and (nearly) every true pair. The
-- figures by drift kind are printed by the benchmark (tests/bench/mapping.sh).
local T = require "testing"
local match = require "workflows.lib.match"
local eval = require "mapping_eval"

local DIR = "../data/mapping_eval/"

-- The first set (written with the engine) and the second (written apart
-- from it; heldout2 never read while tuning): see the folder's README.
local PARTS = {
  { name = "dev", min_pairs = 150, domains_recall = 1 },
  { name = "heldout", min_pairs = 150, domains_recall = 1 },
  { name = "dev2", min_pairs = 120, domains_recall = 0.98 },
  { name = "heldout2", min_pairs = 120, domains_recall = 0.98 },
}

for _, part in ipairs(PARTS) do
  local data = eval.load(DIR .. part.name .. ".tsv")

  T.test(part.name .. ": enough true pairs, companies without accounts, accounts without companies", function()
    T.truthy(data.pairs >= part.min_pairs, tostring(data.pairs))
    T.truthy(#data.companies > data.pairs and #data.accounts > data.pairs)
  end)

  T.test(part.name .. ": names only, precision >= 0.99 and recall >= 0.90", function()
    local m = eval.evaluate(match, data, false)
    T.truthy(m.all.precision >= 0.99, string.format("precision %.3f: %s", m.all.precision, table.concat(m.wrong, "; ")))
    T.truthy(m.all.recall >= 0.90, string.format("recall %.3f", m.all.recall))
    for _, kind in ipairs{ "compete", "nearmiss", "othertown", "othernumber", "sibling" } do
      T.eq(m.by_kind[kind] and m.by_kind[kind].wrong or 0, 0, kind .. ": look-alikes are never matched")
    end
  end)

  T.test(part.name .. ": with e-mail domains, nothing wrong and the true pairs matched", function()
    local m = eval.evaluate(match, data, true)
    T.eq(m.all.wrong, 0, table.concat(m.wrong, "; "))
    T.truthy(m.all.right >= part.domains_recall * data.pairs, string.format("%d of %d", m.all.right, data.pairs))
  end)
end

T.done()
