-- The mapping engine's floor on the evaluation set (tests/data/mapping_eval):
-- names alone, precision >= 0.99 and recall >= 0.90 on both parts; with the
-- e-mail domains, every true pair matched and nothing else. The figures by
-- drift kind are printed by the benchmark (tests/bench/mapping.sh).
local T = require "testing"
local match = require "workflows.lib.match"
local eval = require "mapping_eval"

local DIR = "../data/mapping_eval/"

for _, part in ipairs{ "dev", "heldout" } do
  local data = eval.load(DIR .. part .. ".tsv")

  T.test(part .. ": at least 150 true pairs, companies without accounts, accounts without companies", function()
    T.truthy(data.pairs >= 150, tostring(data.pairs))
    T.truthy(#data.companies > data.pairs and #data.accounts > data.pairs)
  end)

  T.test(part .. ": names only, precision >= 0.99 and recall >= 0.90", function()
    local m = eval.evaluate(match, data, false)
    T.truthy(m.all.precision >= 0.99, string.format("precision %.3f: %s", m.all.precision, table.concat(m.wrong, "; ")))
    T.truthy(m.all.recall >= 0.90, string.format("recall %.3f", m.all.recall))
    T.eq(m.by_kind.compete.wrong, 0, "names that compete are never matched wrongly")
  end)

  T.test(part .. ": with e-mail domains, precision and recall 1.00", function()
    local m = eval.evaluate(match, data, true)
    T.eq(m.all.wrong, 0, table.concat(m.wrong, "; "))
    T.eq(m.all.right, data.pairs)
  end)
end

T.done()
