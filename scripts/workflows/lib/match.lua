-- Which Duo child account belongs to which client company: name
-- normalisation, name similarity, the e-mail domain signal, and a
-- one-to-one assignment with a confidence status (suggest-mappings).
--
--   local match = require "workflows.lib.match"
--   match.normalize("The Baker & Sons Co.")   --> { tokens = { "baker", "son" }, extras = {}, ... }
--   match.score("Fairview Med. Ctr.", "Fairview Medical Center")   --> 1.0
--   local result = match.suggest(companies, accounts, { min_score = 0.85, domains = ... })
--
-- A name becomes tokens: diacritics folded, lower case, "&" read as
-- "and", apostrophes and dots of initials dropped ("O'Brien" = "OBrien",
-- "P.C." = "PC"), text in parentheses and after " - " kept aside as a
-- qualifier ("(West Region)", "- East"), legal suffixes (Inc, LLC, Ltd,
-- Corp, GmbH, Pty, Co, ...) and "the", "and", "of" dropped, common
-- abbreviations expanded ("Svcs", "Ctr", "Mfg", "Intl", ...) and plurals
-- reduced ("services" = "service").
--
-- Two names are compared by aligning their tokens one to one, best pairs
-- first: equal tokens score 1, an abbreviation by prefix ("Vet" for
-- "Veterinary") or by dropped letters ("Ctr" for "Center") less, a typo
-- (one edit or swap in a long word) by its edit distance, one token that
-- is the concatenation ("Northstar" = "North Star") or the initials
-- ("CCU" = "Community Credit Union", "IBM") of a run of the other's tokens
-- high. Tokens weigh by how telling they are: generic business words
-- ("group", "services") and words that recur across many names in this
-- run count less. The score blends the weighted Sørensen–Dice overlap of
-- the alignment (80%) with the Dice similarity of character bigrams of the
-- names without spaces (20%); a name contained whole in the other scores
-- at least 0.78 * its coverage (plausible, never confident by itself);
-- qualifiers that differ and words such as "former" or "test" cost a
-- little.
--
-- With e-mail domains (suggest-mappings --use-domains), the share of a
-- child's users whose address is in one of the company's domains (or a
-- subdomain) lifts the score towards 1 (60% of the users or more: the full
-- lift, 0.9 of the gap); a child none of whose users is in the company's
-- domains loses 15%, one whose users belong to another company's domains
-- 40%. Free-mail domains and domains seen in many
-- children (the MSP's own staff) are ignored.
--
-- Assignment: all pairs at or above the review floor, best first; a pair
-- is taken when neither its company nor its account is taken (greedy, so
-- no account goes to two companies). A taken pair is `matched` when its
-- score reaches min_score and beats both the company's next best account
-- and the account's next best company by the margin; else `review`.
-- Companies left without a pair are `unmatched`.
local M = {}

M.DEFAULTS = { min_score = 0.85, margin = 0.1, review_floor = 0.5 }

-- Folding to ASCII --------------------------------------------------------

local FOLD = {}
local function fold_chars(chars, ascii)
  for _, cp in utf8.codes(chars) do FOLD[cp] = ascii end
end
fold_chars("ÀÁÂÃÄÅĀĂĄàáâãäåāăąǍǎ", "a")
fold_chars("ÇĆĈĊČçćĉċč", "c")
fold_chars("ĎĐďđÐð", "d")
fold_chars("ÈÉÊËĒĔĖĘĚèéêëēĕėęě", "e")
fold_chars("ĜĞĠĢĝğġģ", "g")
fold_chars("ĤĦĥħ", "h")
fold_chars("ÌÍÎÏĨĪĬĮİìíîïĩīĭįı", "i")
fold_chars("Ĵĵ", "j")
fold_chars("Ķķ", "k")
fold_chars("ĹĻĽĿŁĺļľŀł", "l")
fold_chars("ÑŃŅŇñńņňŉ", "n")
fold_chars("ÒÓÔÕÖØŌŎŐòóôõöøōŏőǑǒ", "o")
fold_chars("ŔŖŘŕŗř", "r")
fold_chars("ŚŜŞŠśŝşšſȘș", "s")
fold_chars("ŢŤŦţťŧȚț", "t")
fold_chars("ÙÚÛÜŨŪŬŮŰŲùúûüũūŭůűųǓǔ", "u")
fold_chars("Ŵŵ", "w")
fold_chars("ÝŸŶýÿŷ", "y")
fold_chars("ŹŻŽźżž", "z")
fold_chars("ß", "ss")
fold_chars("Ææ", "ae")
fold_chars("Œœ", "oe")
fold_chars("Þþ", "th")
fold_chars("\u{2018}\u{2019}\u{201B}\u{02BC}\u{00B4}\u{2032}", "'")
fold_chars("\u{201C}\u{201D}\u{201E}", '"')
fold_chars("\u{2010}\u{2011}\u{2012}\u{2013}\u{2014}\u{2015}\u{2212}", "-")
fold_chars("\u{00A0}\u{2002}\u{2003}\u{2007}\u{2009}\u{200A}\u{202F}\u{3000}\u{00B7}", " ")
fold_chars("\u{200B}\u{200C}\u{200D}\u{FEFF}", "")

-- UTF-8 text with accents and typographic punctuation folded to ASCII;
-- other characters stay. Invalid UTF-8 comes back unchanged.
function M.fold(s)
  local ok, out = pcall(function()
    local parts = {}
    for _, cp in utf8.codes(s) do
      if cp < 128 then
        parts[#parts + 1] = string.char(cp)
      elseif FOLD[cp] then
        parts[#parts + 1] = FOLD[cp]
      elseif not (cp >= 0x300 and cp <= 0x36F) then   -- combining accents go
        parts[#parts + 1] = utf8.char(cp)
      end
    end
    return table.concat(parts)
  end)
  return ok and out or s
end

-- Words ---------------------------------------------------------------------

local function set(list)
  local t = {}
  for w in list:gmatch("%S+") do t[w] = true end
  return t
end

-- Legal forms, dropped from the end of a name.
local LEGAL = set[[inc incorporated llc llp lllp lp ltd limited corp corporation co company cos
  gmbh mbh ag kg kgaa ohg ug gbr pty plc pc pllc psc chtd sa sas sarl srl spa bv nv oy oyj aps
  kk pte sdn bhd lda ltda]]

local STOP = set[[the and of]]

-- Common abbreviations in company names (also applied after plurals are
-- reduced, so "svcs" -> "svc" -> "service").
local ABBREV = {
  svc = "service", svcs = "service", srvc = "service", srvcs = "service", serv = "service",
  ctr = "center", cntr = "center", ctrs = "center", centre = "center",
  med = "medical", mfg = "manufacturing", mfr = "manufacturing", mnfg = "manufacturing",
  intl = "international", natl = "national", assoc = "associate", assocs = "associate",
  assn = "association", mgmt = "management", mgt = "management", grp = "group",
  bros = "brother", dept = "department", hosp = "hospital", univ = "university",
  sys = "system", tech = "technology", techs = "technology", eng = "engineering",
  engr = "engineering", engg = "engineering", dev = "development", acct = "accounting",
  accts = "accounting", ins = "insurance", fin = "financial", govt = "government",
  admin = "administration", dist = "district", twp = "township",
  ft = "fort", bldg = "building", constr = "construction", elec = "electric",
  vet = "veterinary", ortho = "orthopedic", peds = "pediatric", hlth = "health",
  solns = "solution", soln = "solution", labs = "laboratory", lab = "laboratory",
  mktg = "marketing", prop = "property", props = "property", invest = "investment",
  comms = "communication", telecom = "telecommunication", distr = "distribution",
  transp = "transportation", chem = "chemical", pharm = "pharmacy", phcy = "pharmacy",
  ctrl = "control", nw = "northwest", ne = "northeast", sw = "southwest", se = "southeast",
}

-- Generic business words: they weigh half.
local GENERIC = set[[group service solution system holding partner associate consulting technology
  enterprise international global industry management resource network communication company agency
  center business firm office associates america american national united consultant]]

-- Words that mark a tenant as not a live client's.
local NEGATIVE = set[[former old inactive closed archive archived deprecated test testing demo trial
  sandbox unused cancelled canceled terminated legacy dnu]]

local function stem(t)
  if #t <= 3 or t:find("%d") then return t end
  if t:sub(-3) == "ies" and #t > 4 then return t:sub(1, -4) .. "y" end
  if t:sub(-1) == "s" and not t:find("[sui]s$") then return t:sub(1, -2) end
  if t:sub(-3) == "tre" then return t:sub(1, -4) .. "ter" end   -- centre, theatre
  return t
end

local function canonical(t)
  t = ABBREV[t] or t
  t = stem(t)
  return ABBREV[t] or t
end

-- Raw words of a piece of (folded, lower-case) text.
local function words(s)
  s = s:gsub("[&+]", " and "):gsub("['`]", "")
  local out = {}
  for w in s:gmatch("[^%s,;:/|\\]+") do
    if w:find("^%a%.") then   -- initials with dots: p.c., u.s.a.
      local rest = w:gsub("%a%.", "")
      if rest == "" or rest:match("^%a$") then w = w:gsub("%.", "") end
    end
    for piece in w:gmatch("[%w\128-\255]+") do out[#out + 1] = piece end
  end
  return out
end

-- Raw words -> canonical tokens: legal forms dropped from the end, "the",
-- "and", "of" dropped (a name never loses its last word), abbreviations
-- expanded, plurals reduced.
local function canon_tokens(ws)
  ws = { table.unpack(ws) }
  local function has_word(n)   -- a word other than "the", "and", "of" in ws[1..n]
    for i = 1, n do if not STOP[ws[i]] then return true end end
    return false
  end
  while #ws > 1 and (LEGAL[ws[#ws]] or STOP[ws[#ws]]) and has_word(#ws - 1) do ws[#ws] = nil end
  local kept = {}
  for _, w in ipairs(ws) do
    if not STOP[w] then kept[#kept + 1] = w end
  end
  if #kept == 0 then kept = ws end
  local out = {}
  for i, w in ipairs(kept) do out[i] = canonical(w) end
  return out, kept
end

-- Similarity ---------------------------------------------------------------

-- Optimal string alignment distance (Levenshtein plus adjacent swaps).
local function edit_distance(a, b)
  local la, lb = #a, #b
  local prev2, prev, cur = {}, {}, {}
  for j = 0, lb do prev[j] = j end
  for i = 1, la do
    cur = { [0] = i }
    local ai = a:byte(i)
    for j = 1, lb do
      local bj = b:byte(j)
      local cost = ai == bj and 0 or 1
      local v = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
      if i > 1 and j > 1 and ai == b:byte(j - 1) and a:byte(i - 1) == bj then
        v = math.min(v, prev2[j - 2] + 1)
      end
      cur[j] = v
    end
    prev2, prev = prev, cur
  end
  return prev[lb]
end
M.edit_distance = edit_distance

-- Abbreviations that stand for more than one word: similar, not expanded.
local AMBIGUOUS = {
  st = set"saint street", ste = set"sainte suite", mt = set"mount mountain",
  ave = set"avenue", rd = set"road", dr = set"drive doctor", hts = set"height", pt = set"point port",
  co = set"county company", cty = set"county city",
}

-- Spelling variants: German "ue" for "ü" ("Mueller", "Müller"), British
-- "ae" for "e" ("paediatric").
local function same_spelling(a, b)
  local function german(t) return (t:gsub("([aou])e", "%1")) end
  local function british(t) return (t:gsub("ae", "e")) end
  return german(a) == german(b) or british(a) == british(b)
end

local function is_subsequence(short, long)
  local p = 1
  for i = 1, #short do
    p = long:find(short:sub(i, i), p, true)
    if p == nil then return false end
    p = p + 1
  end
  return true
end

local sim_cache = {}   -- sim_cache[a][b], a < b

-- Similarity of two canonical tokens, 0..1.
function M.token_similarity(a, b)
  if a == b then return 1 end
  if a > b then a, b = b, a end
  local row = sim_cache[a]
  if row == nil then row = {}; sim_cache[a] = row end
  local cached = row[b]
  if cached then return cached end
  local s = 0
  local short, long = a, b
  if #a > #b then short, long = b, a end
  local ls, ll = #short, #long
  if a:find("%d") or b:find("%d") then
    s = 0                                               -- numbers must be equal
  elseif ls >= 3 and long:sub(1, ls) == short then
    s = 0.8                                             -- "vet" ~ "veterinary"
  elseif ls >= 3 and short:byte(1) == long:byte(1) and not short:find("[aeiou]", 2)
         and is_subsequence(short, long) then
    s = 0.7                                             -- "ctr" ~ "center"
  elseif AMBIGUOUS[a] and AMBIGUOUS[a][b] or AMBIGUOUS[b] and AMBIGUOUS[b][a] then
    s = 0.95                                            -- "st" ~ "saint", "street"
  elseif ls >= 4 and same_spelling(a, b) then
    s = 0.95                                            -- "mueller" ~ "muller"
  elseif ls >= 4 and a:byte(1) == b:byte(1) and (ll - ls) / ll <= 0.25 then
    local d = edit_distance(a, b)                       -- typos: "frieght" ~ "freight"
    local sim = 1 - d / ll
    if d == 1 or (d == 2 and ll >= 10) then s = sim end
  end
  row[b] = s
  return s
end

-- Character bigrams of a string: counts and their number.
local function bigrams(s)
  local t, n = {}, 0
  for i = 1, #s - 1 do
    local g = s:sub(i, i + 1)
    t[g] = (t[g] or 0) + 1
    n = n + 1
  end
  return { counts = t, n = n }
end

local function bigram_dice(ga, gb)
  if ga.n == 0 or gb.n == 0 then return 0 end
  local common = 0
  for g, c in pairs(ga.counts) do
    local d = gb.counts[g]
    if d then common = common + (c < d and c or d) end
  end
  return 2 * common / (ga.n + gb.n)
end

-- Dice similarity of the character bigrams of two strings.
function M.char_similarity(a, b)
  if a == b then return 1 end
  return bigram_dice(bigrams(a), bigrams(b))
end

-- Runs of 2..4 consecutive tokens: their concatenation (canonical and
-- as written) and initials, for one-token-to-many links.
local function runs_of(tokens, raw)
  local runs = {}
  for j = 1, #tokens - 1 do
    local cat, rawcat, initials = tokens[j], raw[j], tokens[j]:sub(1, 1)
    for k = j + 1, math.min(#tokens, j + 3) do
      cat = cat .. tokens[k]
      rawcat = rawcat .. raw[k]
      initials = initials .. tokens[k]:sub(1, 1)
      local idx = {}
      for r = j, k do idx[#idx + 1] = r end
      runs[#runs + 1] = { cat = cat, raw = rawcat, initials = initials, idx = idx }
    end
  end
  return runs
end

local near_cache = {}   -- near_cache[cat][x]: one edit apart

local function one_edit(cat, x)
  local row = near_cache[cat]
  if row == nil then row = {}; near_cache[cat] = row end
  local v = row[x]
  if v == nil then
    v = edit_distance(cat, x) == 1
    row[x] = v
  end
  return v
end

local function link_order(p, q)
  if p[1] ~= q[1] then return p[1] > q[1] end
  local np, nq = #p[2] + #p[3], #q[2] + #q[3]
  if np ~= nq then return np > nq end
  local dp, dq = math.abs(p[2][1] - p[3][1]), math.abs(q[2][1] - q[3][1])
  if dp ~= dq then return dp < dq end
  if p[2][1] ~= q[2][1] then return p[2][1] < q[2][1] end
  return p[3][1] < q[3][1]
end

-- Links between the tokens of two normalised names, best first: one to
-- one, or one token to a run of 2..4 tokens of the other (concatenation
-- or initials).
local function links_of(na, nb)
  local A, B = na.tokens, nb.tokens
  local links = {}
  for i = 1, #A do
    for j = 1, #B do
      local s = M.token_similarity(A[i], B[j])
      if s > 0 then links[#links + 1] = { s, { i }, { j } } end
    end
  end
  local function runs(X, rawX, Yruns, x_is_a)
    for i = 1, #X do
      local x = X[i]
      if #x >= 2 then
        for _, run in ipairs(Yruns) do
          local s, kind = 0, nil
          if run.cat == x or run.raw == rawX[i] then
            s = 1
          elseif run.initials == x then
            s, kind = 0.9, "initials"
          elseif #x >= 6 and math.abs(#run.cat - #x) <= 1 and one_edit(run.cat, x) then
            s = 0.9
          end
          if s > 0 then
            links[#links + 1] = x_is_a and { s, { i }, run.idx, kind } or { s, run.idx, { i }, kind }
          end
        end
      end
    end
  end
  runs(A, na.raw, nb.runs, true)
  runs(B, nb.raw, na.runs, false)
  if #links > 1 then table.sort(links, link_order) end
  return links
end

-- A name -> { name, tokens, extras (qualifier tokens), key, squashed }.
function M.normalize(name)
  local s = M.fold(tostring(name)):lower()
  local quals = {}
  s = s:gsub("%b()", function(q) quals[#quals + 1] = q:sub(2, -2); return " " end)
  s = s:gsub("%b[]", function(q) quals[#quals + 1] = q:sub(2, -2); return " " end)
  s = s:gsub("%(([^)]*)$", function(q) quals[#quals + 1] = q; return " " end)   -- "(unclosed"
  local head, tail = s:match("^(.-)%s+%-+%s+(.*)$")
  if head and #words(head) > 0 and #words(tail) <= 3 then
    s = head
    quals[#quals + 1] = tail
  end
  local tokens, raw = canon_tokens(words(s))
  local extras = {}
  for _, q in ipairs(quals) do
    for _, w in ipairs(words(q)) do
      if not STOP[w] then extras[#extras + 1] = canonical(w) end
    end
  end
  if #tokens == 0 then
    tokens, raw = canon_tokens(extras)
    extras = {}
  end
  local squashed = table.concat(tokens)
  return { name = name, tokens = tokens, raw = raw, extras = extras, key = table.concat(tokens, " "),
           squashed = squashed, runs = runs_of(tokens, raw), grams = bigrams(squashed) }
end

local function default_weight(t)
  return GENERIC[t] and 0.5 or 1
end

-- Weighted token overlap of two normalised names: Dice over the best
-- one-to-one alignment, how much of the lighter side is covered, and
-- whether a token stood for the initials of several.
function M.token_overlap(na, nb, weight)
  weight = weight or default_weight
  local A, B = na.tokens, nb.tokens
  local usedA, usedB = {}, {}
  local mA, mB = 0, 0
  local links = links_of(na, nb)
  if #links == 0 then return 0, 0, false end
  local acronym = false
  for _, l in ipairs(links) do
    local free = true
    for _, i in ipairs(l[2]) do if usedA[i] then free = false end end
    for _, j in ipairs(l[3]) do if usedB[j] then free = false end end
    if free then
      if l[4] == "initials" then acronym = true end
      for _, i in ipairs(l[2]) do usedA[i] = true; mA = mA + l[1] * weight(A[i]) end
      for _, j in ipairs(l[3]) do usedB[j] = true; mB = mB + l[1] * weight(B[j]) end
    end
  end
  local WA, WB = 0, 0
  for _, t in ipairs(A) do WA = WA + weight(t) end
  for _, t in ipairs(B) do WB = WB + weight(t) end
  if WA + WB == 0 then return 0, 0, false end
  local dice = (mA + mB) / (WA + WB)
  local cover = WA <= WB and (WA > 0 and mA / WA or 0) or (WB > 0 and mB / WB or 0)
  return dice, cover, acronym
end

local function has_negative(n)
  for _, t in ipairs(n.tokens) do if NEGATIVE[t] then return true end end
  for _, t in ipairs(n.extras) do if NEGATIVE[t] then return true end end
  return false
end

-- Similarity of two normalised names, 0..1 (weight: token -> weight).
function M.name_similarity(na, nb, weight)
  local s
  if na.key == nb.key then
    s = 1
  else
    local dice, cover, acronym = M.token_overlap(na, nb, weight)
    if dice == 0 then return 0 end   -- not one word in common: no candidate
    local chars = bigram_dice(na.grams, nb.grams)
    if acronym then chars = math.max(chars, dice) end   -- letters of initials do not compare
    s = 0.8 * dice + 0.2 * chars
    s = math.max(s, 0.78 * cover)
  end
  -- qualifiers: "(West Region)" on one side only costs a little; two
  -- different qualifiers ("- East" and "- West") cost more
  local ea, eb = #na.extras > 0, #nb.extras > 0
  if ea and eb then
    local d = M.token_overlap(M.normalize(table.concat(na.extras, " ")),
                              M.normalize(table.concat(nb.extras, " ")))
    if d < 0.8 then s = s - 0.1 end
  elseif ea or eb then
    s = s - 0.02
  end
  if has_negative(na) ~= has_negative(nb) then s = s - 0.1 end
  return math.max(0, math.min(1, s))
end

-- Two names as given -> their similarity (default weights).
function M.score(a, b)
  return M.name_similarity(M.normalize(a), M.normalize(b))
end

-- Domains -----------------------------------------------------------------

local FREE_MAIL = set[[gmail.com googlemail.com outlook.com hotmail.com hotmail.co.uk live.com msn.com
  yahoo.com yahoo.co.uk ymail.com aol.com icloud.com me.com mac.com proton.me protonmail.com
  gmx.com gmx.de gmx.net web.de mail.com zoho.com yandex.com yandex.ru qq.com 163.com 126.com
  comcast.net verizon.net att.net sbcglobal.net bellsouth.net btinternet.com orange.fr free.fr
  t-online.de bigpond.com optusnet.com.au shaw.ca rogers.com fastmail.com hey.com duck.com]]

-- The domain part of an e-mail address, lower case, or nil.
function M.email_domain(email)
  if type(email) ~= "string" then return nil end
  local d = email:match("@([^@%s]+)$")
  return d and d:lower():gsub("%.$", "") or nil
end

local function domain_in(d, list)
  for _, c in ipairs(list) do
    if d == c or (#d > #c and d:sub(-#c - 1) == "." .. c) then return true end
  end
  return false
end

-- Drops free-mail domains and domains that occur in many accounts (the
-- MSP's own staff); domains[account_id] = { [domain] = users }.
local function usable_domains(domains, n_accounts)
  local seen = {}
  for _, counts in pairs(domains) do
    for d in pairs(counts) do seen[d] = (seen[d] or 0) + 1 end
  end
  local shared_at = math.max(3, math.ceil(0.2 * n_accounts))
  local out = {}
  for id, counts in pairs(domains) do
    local kept, total = {}, 0
    for d, n in pairs(counts) do
      if not FREE_MAIL[d] and seen[d] < shared_at then
        kept[d] = n
        total = total + n
      end
    end
    out[id] = { counts = kept, total = total }
  end
  return out
end

-- Share of an account's users (with a usable address) in a company's domains.
local function domain_share(company_domains, usable)
  if usable == nil or usable.total == 0 or #company_domains == 0 then return nil end
  local n = 0
  for d, count in pairs(usable.counts) do
    if domain_in(d, company_domains) then n = n + count end
  end
  return n / usable.total
end

-- Assignment ----------------------------------------------------------------

local function round2(x)
  return math.floor(x * 100 + 0.5) / 100
end

-- Token weights for one run: generic words half, words found in many
-- names of one side less (1 / (1 + log2(count) / 2)).
local function weights_for(norm_companies, norm_accounts)
  local function counts(list)
    local c = {}
    for _, n in ipairs(list) do
      local seen = {}
      for _, t in ipairs(n.tokens) do
        if not seen[t] then seen[t] = true; c[t] = (c[t] or 0) + 1 end
      end
    end
    return c
  end
  local cc, ca = counts(norm_companies), counts(norm_accounts)
  local cache = {}
  return function(t)
    local w = cache[t]
    if w == nil then
      local df = math.max(cc[t] or 1, ca[t] or 1)
      w = default_weight(t) / (1 + math.log(df, 2) / 2)
      cache[t] = w
    end
    return w
  end
end

-- companies: { { id, name, domains }, ... }; accounts: { { account_id,
-- name }, ... }; opts: min_score, margin, review_floor, domains
-- ([account_id] = { [domain] = users }, for the domain signal).
-- Returns { suggestions = { ... }, unmatched_accounts = { ... } } in the
-- shape of suggest-mappings --format json (scores rounded), plus, per
-- suggestion, `name_score`, `domain_share` and `runner_up` for people.
function M.suggest(companies, accounts, opts)
  opts = opts or {}
  local min_score = opts.min_score or M.DEFAULTS.min_score
  local margin = opts.margin or M.DEFAULTS.margin
  local floor = math.min(opts.review_floor or M.DEFAULTS.review_floor, min_score)

  local nc, na = {}, {}
  for i, c in ipairs(companies) do nc[i] = M.normalize(c.name) end
  for j, a in ipairs(accounts) do na[j] = M.normalize(a.name) end
  local weight = weights_for(nc, na)

  local usable, shares
  if opts.domains then
    usable = usable_domains(opts.domains, #accounts)
    shares = {}
    for i, c in ipairs(companies) do
      shares[i] = {}
      for j, a in ipairs(accounts) do
        shares[i][j] = domain_share(c.domains or {}, usable[a.account_id])
      end
    end
  end

  -- score[i][j]: company i, account j
  local score, name_score = {}, {}
  for i = 1, #companies do
    score[i], name_score[i] = {}, {}
    for j = 1, #accounts do
      local s = M.name_similarity(nc[i], na[j], weight)
      name_score[i][j] = s
      if shares then
        local share = shares[i][j]
        if share and share > 0 then
          local strength = math.min(1, share / 0.6)
          s = 1 - (1 - s) * (1 - 0.9 * strength)
        else
          local factor = share == 0 and 0.85 or 1   -- the company's domains, not one of its users
          for k = 1, #companies do
            if k ~= i and (shares[k][j] or 0) >= 0.5 then factor = 0.6; break end   -- another's users
          end
          s = s * factor
        end
      end
      score[i][j] = s
    end
  end

  local pairs_ = {}
  for i = 1, #companies do
    for j = 1, #accounts do
      if score[i][j] >= floor then pairs_[#pairs_ + 1] = { i, j, score[i][j] } end
    end
  end
  table.sort(pairs_, function(p, q)
    if p[3] ~= q[3] then return p[3] > q[3] end
    if p[1] ~= q[1] then return p[1] < q[1] end
    return p[2] < q[2]
  end)
  local company_of, account_of = {}, {}
  for _, p in ipairs(pairs_) do
    local i, j = p[1], p[2]
    if account_of[i] == nil and company_of[j] == nil then
      account_of[i], company_of[j] = j, i
    end
  end

  local function candidate(j, s)
    return { duo_account_id = accounts[j].account_id, duo_account = accounts[j].name, score = round2(s) }
  end

  local suggestions = {}
  for i, c in ipairs(companies) do
    local order = {}
    for j = 1, #accounts do
      if score[i][j] > 0 then order[#order + 1] = j end
    end
    table.sort(order, function(p, q)
      if score[i][p] ~= score[i][q] then return score[i][p] > score[i][q] end
      return p < q
    end)
    local candidates = {}
    for k = 1, math.min(3, #order) do candidates[k] = candidate(order[k], score[i][order[k]]) end
    local sug = { company_id = c.id, company = c.name, candidates = candidates }
    local j = account_of[i]
    if j then
      local s = score[i][j]
      local runner, runner_name = 0, nil
      for k = 1, #accounts do
        if k ~= j and score[i][k] > runner then runner, runner_name = score[i][k], accounts[k].name end
      end
      for k = 1, #companies do
        if k ~= i and score[k][j] > runner then runner, runner_name = score[k][j], companies[k].name end
      end
      sug.duo_account_id = accounts[j].account_id
      sug.duo_account = accounts[j].name
      sug.score = round2(s)
      sug.status = (s >= min_score and s - runner >= margin) and "matched" or "review"
      sug.name_score = round2(name_score[i][j])
      sug.domain_share = shares and shares[i][j] and round2(shares[i][j]) or nil
      if runner_name then sug.runner_up = { name = runner_name, score = round2(runner) } end
    else
      sug.status = "unmatched"
    end
    suggestions[i] = sug
  end

  local unmatched = {}
  for j, a in ipairs(accounts) do
    if company_of[j] == nil then
      unmatched[#unmatched + 1] = { duo_account_id = a.account_id, duo_account = a.name }
    end
  end
  table.sort(unmatched, function(p, q)
    local x, y = p.duo_account:lower(), q.duo_account:lower()
    if x ~= y then return x < y end
    return p.duo_account_id < q.duo_account_id
  end)
  return { suggestions = suggestions, unmatched_accounts = unmatched }
end

return M
