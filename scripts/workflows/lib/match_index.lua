-- Candidate accounts for a company name, from an inverted index over the
-- accounts' names, so that suggest-mappings compares each company with a
-- handful of accounts instead of all of them (workflows/lib/match.lua scores
-- the candidates).
--
--   local index = require("workflows.lib.match_index").build(normalised_accounts, match)
--   index:candidates(normalised_company)   --> { account index, ... } best first
--
-- The terms of a name: its tokens, the concatenations of 2 or 3
-- consecutive tokens as normalised and as written ("maple leaf" gives
-- "mapleleaf", so "MapleLeaf" finds it), the initials of runs of 2..4
-- tokens (matched against a short token of the other side: "CCU"), and
-- short tokens (matched against the other side's initials). A token of 5
-- letters or more also finds the indexed tokens one edit away (through
-- their one-deletion variants: a typo, a swap), and "st" finds "saint".
--
-- Terms weigh by their inverse document frequency over the accounts,
-- generic business words a fifth. The terms found in at most RARE
-- accounts are looked up first (or, when a name has none, its rarest);
-- unless an account then shares ENOUGH of the weight of the name's own
-- tokens, those found in at most POSTINGS accounts follow. The work per
-- company is so bounded however large the tenant. The best KEEP
-- accounts by summed weight are the candidates, less those under BEHIND
-- times the best one's and those sharing under OWN of the weight of the
-- company's own tokens (nothing in common worth scoring). The posting
-- lists and the summing live in C (duo._match's scorer); which terms, at
-- what weight, in which order, is decided here.
local M = {}

M.KEEP = 4
M.BEHIND = 0.4
M.OWN = 0.5
M.POSTINGS = 64
M.RARE = 12
M.ENOUGH = 0.6

local scorer = require("duo._match").scorer

local INITIALS, SHORT = "\1", "\2"   -- term namespaces: account initials, account short tokens

-- Calls add(term, factor[, first, last]) for each term of a normalised
-- name (first..last: the tokens whose initials the term is); as_account:
-- the index's side (initials and short tokens go to opposite namespaces).
local function terms_of(n, as_account, add)
  local tokens, raw = n.tokens, n.raw
  local nt = #tokens
  for i = 1, nt do
    local t = tokens[i]
    add(t, 1)
    if #t >= 2 and #t <= 5 then add((as_account and SHORT or INITIALS) .. t, 0.9) end
    local cat, rawcat, initials = t, raw[i], n.initials[i]
    for k = i + 1, math.min(nt, i + 3) do
      cat, rawcat = cat .. tokens[k], rawcat .. raw[k]
      initials = initials .. n.initials[k]
      if k <= i + 2 then
        add(cat, 1)
        if rawcat ~= cat then add(rawcat, 1) end
      end
      add((as_account and INITIALS or SHORT) .. initials, 0.9, i, k)
    end
  end
end

-- Deletion neighbours of a word: the word with one letter left out.
local function deletions(t, fn)
  for k = 1, #t do fn(t:sub(1, k - 1) .. t:sub(k + 1)) end
end

local Index = {}
Index.__index = Index

-- names: normalised accounts; match: the workflows.lib.match module (for
-- generic words, ambiguous abbreviations and token similarity).
function M.build(names, match)
  local postings, last = {}, {}
  local tokens = {}
  for j, n in ipairs(names) do
    local function add(term)
      if last[term] == j then return end   -- once per account
      last[term] = j
      local p = postings[term]
      if p then p[#p + 1] = j else postings[term] = { j } end
    end
    terms_of(n, true, add)
    for _, t in ipairs(n.tokens) do tokens[t] = true end
    if n.alias then   -- "X LLC dba Y": found by X too
      terms_of(n.alias, true, add)
      for _, t in ipairs(n.alias.tokens) do tokens[t] = true end
    end
  end
  local n = #names
  local weight = {}   -- term -> inverse document frequency, generic words a fifth
  local id, lists = {}, {}   -- term -> its list in the scorer
  for term, p in pairs(postings) do
    local w = math.log((n + 1) / (#p + 0.5))
    if match.generic(term) then w = w * match.GENERIC_WEIGHT end
    weight[term] = w
    lists[#lists + 1] = p
    id[term] = #lists
  end
  local near = {}   -- deletion variant (or the token itself) -> tokens of 5+ letters
  for t in pairs(tokens) do
    if #t >= 5 and not t:find("%d") then
      local function put(v)
        local l = near[v]
        if l then l[#l + 1] = t else near[v] = { t } end
      end
      put(t)
      deletions(t, put)
    end
  end
  local alias = {}   -- "st" -> { "saint", "street" }, "saint" -> { "st" }
  for short, longs in pairs(match.AMBIGUOUS) do
    for long in pairs(longs) do
      alias[short] = alias[short] or {}
      table.insert(alias[short], long)
      alias[long] = alias[long] or {}
      table.insert(alias[long], short)
    end
  end
  return setmetatable({ scorer = scorer(n, lists), id = id, weight = weight,
                        unseen = math.log((n + 1) / 1.5), near = near, alias = alias, typos = {}, match = match },
                      Index)
end

-- Tokens in the index one edit (a deletion, insertion, substitution or
-- swap) from t: { [token] = similarity } (kept for the next name with t).
function Index:typo_neighbours(t)
  local out = self.typos[t]
  if out then return out end
  out = {}
  self.typos[t] = out
  local near, sim = self.near, self.match.token_similarity
  local function look(v)
    local l = near[v]
    if l == nil then return end
    for _, w in ipairs(l) do
      if w ~= t and out[w] == nil then
        local s = sim(t, w)
        if s > 0 then out[w] = s end
      end
    end
  end
  look(t)
  deletions(t, look)
  return out
end

-- The accounts most likely to be this company's, best first.
function Index:candidates(n, keep)
  keep = keep or M.KEEP
  local weight, match = self.weight, self.match
  local own, own_w = 0, {}   -- the weight of the name's own tokens
  local tokens = n.tokens
  for i = 1, #tokens do
    local t = tokens[i]
    local w = weight[t]
    if w == nil then   -- not in the index: weighs what its typo neighbours weigh, or the most
      w = 0
      if #t >= 5 and not t:find("%d") then
        for u in pairs(self:typo_neighbours(t)) do w = math.max(w, weight[u]) end
      end
      if w == 0 then w = self.unseen end
      if match.generic(t) then w = w * match.GENERIC_WEIGHT end
    end
    own_w[i] = w
    own = own + w
  end
  local id, scorer = self.id, self.scorer
  local function add(term, f, first, last)
    local t = id[term]
    if t == nil then return end
    local w = weight[term]
    if first then   -- initials weigh what the words they stand for weigh
      w = 0
      for i = first, last do w = w + own_w[i] end
    end
    scorer:offer(t, w * f)
  end
  terms_of(n, false, add)
  for i = 1, #tokens do
    local t = tokens[i]
    local alias = self.alias[t]
    if alias then for _, a in ipairs(alias) do add(a, 0.95) end end
    if #t >= 5 and not t:find("%d") then
      for u, s in pairs(self:typo_neighbours(t)) do add(u, s) end
    end
  end
  -- the rare terms first; the common ones only when no account shares
  -- most of the name yet
  local first = math.max(M.RARE, scorer:rarest() or math.huge)
  scorer:collect(0, first)
  if scorer:top() < M.ENOUGH * own and first < M.POSTINGS then scorer:collect(first, M.POSTINGS) end
  -- the best `keep` by score (ties: the earlier account), less the weak
  return scorer:take(keep, math.max(M.BEHIND * scorer:top(), M.OWN * own))
end

return M
