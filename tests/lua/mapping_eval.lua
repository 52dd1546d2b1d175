-- The mapping evaluation set (tests/data/mapping_eval/*.tsv) against
-- suggest-mappings' engine: precision and recall of `matched`, overall and
-- by drift kind. Used by test_match_eval.lua (a floor in CI) and by the
-- mapping benchmark (tests/bench/mapping.sh, the figures).
--
-- A file is one tenant: each row "kind<TAB>company<TAB>account" is a true
-- pair when both names are given, a company without an account when the
-- account is empty, an account of no company when the company is empty.
-- For --use-domains, each company gets a domain made from its name and
-- each child account users in its company's domain, the MSP's own and
-- free mail; an account of no company has users of its own domain.
local M = {}

local function slug(name)
  return (name:lower():gsub("[^%w]", "")):sub(1, 24)
end

-- path -> { companies, accounts, truth = { [company_id] = account_id },
--           kind = { [company_id or account_id] = kind }, domains, pairs }
function M.load(path)
  local f = assert(io.open(path, "rb"))
  local data = { companies = {}, accounts = {}, truth = {}, kind = {}, domains = {}, pairs = 0 }
  local header = true
  for line in f:lines() do
    if header then
      header = false
    elseif line ~= "" then
      local kind, company, account = line:match("^([^\t]+)\t([^\t]*)\t([^\t]*)$")
      assert(kind, path .. ": a row needs kind<TAB>company<TAB>account: " .. line)
      local cid, aid
      if company ~= "" then
        cid = string.format("E%04d", #data.companies + 1)
        data.companies[#data.companies + 1] = { id = cid, name = company, domains = { slug(company) .. ".com" } }
        data.kind[cid] = kind
      end
      if account ~= "" then
        aid = string.format("DA%018d", #data.accounts + 1)
        data.accounts[#data.accounts + 1] = { account_id = aid, name = account }
        data.kind[aid] = kind
        local own = cid and slug(company) .. ".com" or slug(account) .. ".net"
        data.domains[aid] = { [own] = cid and 12 or 8, ["northgate-msp.com"] = 2, ["gmail.com"] = 1 }
      end
      if cid and aid then
        data.truth[cid] = aid
        data.pairs = data.pairs + 1
      end
    end
  end
  f:close()
  return data
end

-- Runs the engine; returns the metrics: { all = row, by_kind = { [kind] =
-- row } }, a row being { pairs, right, wrong, review, precision, recall }.
function M.evaluate(match, data, use_domains)
  local result = match.suggest(data.companies, data.accounts, { domains = use_domains and data.domains or nil })
  local all = { pairs = 0, right = 0, wrong = 0, review = 0 }
  local by_kind = {}
  local function row(kind)
    local r = by_kind[kind]
    if r == nil then r = { pairs = 0, right = 0, wrong = 0, review = 0 }; by_kind[kind] = r end
    return r
  end
  for _, c in ipairs(data.companies) do
    if data.truth[c.id] then row(data.kind[c.id]).pairs = row(data.kind[c.id]).pairs + 1 end
  end
  local wrong_list = {}
  for _, s in ipairs(result.suggestions) do
    local r = row(data.kind[s.company_id])
    if s.status == "matched" then
      if data.truth[s.company_id] == s.duo_account_id then
        r.right = r.right + 1
      else
        r.wrong = r.wrong + 1
        wrong_list[#wrong_list + 1] = s.company .. " -> " .. s.duo_account
      end
    elseif s.status == "review" then
      r.review = r.review + 1
    end
  end
  for _, r in pairs(by_kind) do
    for k in pairs(all) do all[k] = all[k] + r[k] end
  end
  local function rates(r)
    r.precision = (r.right + r.wrong) > 0 and r.right / (r.right + r.wrong) or 1
    r.recall = r.pairs > 0 and r.right / r.pairs or 1
  end
  rates(all)
  for _, r in pairs(by_kind) do rates(r) end
  return { all = all, by_kind = by_kind, wrong = wrong_list, result = result }
end

-- Lines for people: one per kind, then the total.
function M.report(metrics)
  local kinds = {}
  for k in pairs(metrics.by_kind) do kinds[#kinds + 1] = k end
  table.sort(kinds)
  local lines = { string.format("  %-11s %5s %5s %5s %6s %9s %6s", "kind", "pairs", "right", "wrong", "review",
                                "precision", "recall") }
  local function line(name, r)
    lines[#lines + 1] = string.format("  %-11s %5d %5d %5d %6d %9.3f %6.3f", name, r.pairs, r.right, r.wrong, r.review,
                                      r.precision, r.recall)
  end
  for _, k in ipairs(kinds) do line(k, metrics.by_kind[k]) end
  line("all", metrics.all)
  return lines
end

return M
