-- Precision and recall of suggest-mappings' engine on the evaluation set
-- (tests/data/mapping_eval), by drift kind, names only and with e-mail
-- domains. Run by mapping.sh.
--
-- usage: duo-lua mapping_eval_report.lua TESTS_DIR
local tests = assert(arg[1], "usage: mapping_eval_report.lua TESTS_DIR")
package.path = tests .. "/lua/?.lua;" .. package.path
local eval = require "mapping_eval"
local match = require "workflows.lib.match"

-- The parts: the first set, and the second, written apart from the engine
-- (tests/data/mapping_eval/README.md).
for _, part in ipairs{ "dev", "heldout", "dev2", "heldout2" } do
  local data = eval.load(tests .. "/data/mapping_eval/" .. part .. ".tsv")
  for _, domains in ipairs{ false, true } do
    local m = eval.evaluate(match, data, domains)
    print(string.format("%s (%d companies, %d accounts, %d true pairs), %s:", part, #data.companies,
                        #data.accounts, data.pairs, domains and "with --use-domains" or "names only"))
    for _, line in ipairs(eval.report(m)) do print(line) end
    for _, w in ipairs(m.wrong) do print("  wrong: " .. w) end
    local goal_p, goal_r = domains and 1 or 0.99, domains and 1 or 0.90
    print(string.format("  precision %.3f (goal >= %.2f), recall %.3f (goal >= %.2f): %s", m.all.precision, goal_p,
                        m.all.recall, goal_r,
                        (m.all.precision >= goal_p and m.all.recall >= goal_r) and "ok" or "UNDER GOAL"))
  end
end
