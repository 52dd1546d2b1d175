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
-- reduced ("services" = "service"). Numbers compare by value however
-- written ("Nine" = "9", "Third" = "3rd", "III" = "3", "007" = "7");
-- regional forms stand for their words ("SoCal", "NorCal", "NoCo"). A
-- trade name after "dba", "d/b/a", "t/a" or "aka" is the name, the legal
-- name before it kept beside it (either may match). A practitioner's
-- "Dr" goes, a credential reads as its trade ("DDS" dental, "DVM"
-- veterinary, "MD" medical) and the given names before the surname are
-- set aside (two practitioners with one surname and other given names
-- stay apart).
--
-- A location word ending a name ("Acme East") is a qualifier too.
--
-- Two names are compared by aligning their tokens one to one, equal
-- tokens first, then the best other pairs: an abbreviation by prefix
-- ("Vet" for "Veterinary") or by dropped letters ("Ctr" for "Center"), a
-- typo (one edit or swap; two in a long word), one token that is the
-- concatenation ("Northstar" = "North Star") or the initials ("CCU" =
-- "Community Credit Union") of a run of the other's tokens. Tokens weigh
-- by how telling they are: generic business words ("group", "services",
-- "course", "care", "studio", ...) a fifth, words that recur across many
-- names in this run less. The score blends the weighted Sørensen–Dice
-- overlap of the alignment (85%) with the Dice similarity of character
-- bigrams of the names without spaces (15%), so a name whose distinctive
-- words are all in the other, with only generic words besides, scores
-- high; a name contained whole in the other scores at least 0.78 * its
-- coverage; a name linked by initials alone at most 0.8 (only e-mail
-- domains can confirm "ZDS"); different qualifiers ("- East", "- West"),
-- a qualifier against another word of the other name ("- Arvada",
-- "Lakewood") and another number on each side ("Post 8", "Post 88") at
-- most 0.65; a qualifier the other name has as a word counts as that
-- word ("- Golden", "Golden"); a qualifier on one side only, and words
-- such as "former" or "test", cost a little. A word cut off before a
-- usual ending ("Geotech", "Electr") is an abbreviation of the whole.
--
-- With e-mail domains (suggest-mappings --use-domains), the share of a
-- child's users whose address is in one of the company's domains (or a
-- subdomain) lifts the score towards 1 (60% of the users or more: the full
-- lift, 0.9 of the gap); a child none of whose users is in the company's
-- domains loses 15%, one whose users belong to another company's domains
-- 40%. Free-mail domains and domains seen in many
-- children (the MSP's own staff) are ignored.
--
-- Candidates: each company is scored only against the few accounts an
-- inverted index over the accounts' names proposes (match_index.lua), and
-- with domains against the accounts whose users share its domains, so
-- time and memory grow with the number of names, not their product.
--
-- Assignment: all pairs scored at or above the review floor, best first; a pair
-- is taken when neither its company nor its account is taken (greedy, so
-- no account goes to two companies). A taken pair is `matched` when its
-- score reaches min_score and beats both the company's next best account
-- and the account's next best company by the margin, or (with the default
-- bar) when a score of at least 0.7 shares a whole word, leads every
-- runner-up on both sides by 0.3, and not each name keeps a distinctive
-- word the other lacks ("Mountain View Dental", "Mountain View Medical");
-- else `review`.
-- Companies left without a pair are `unmatched`.
local output = require "workflows.lib.output"
local options = require "duo.options"

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
  if not s:find("[\128-\255]") then return s end
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
  kk pte sdn bhd lda ltda ab pa]]

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
  admin = "administration", twp = "township",
  ft = "fort", bldg = "building", constr = "construction", elec = "electric",
  vet = "veterinary", peds = "pediatric", hlth = "health",
  solns = "solution", soln = "solution", labs = "laboratory", lab = "laboratory",
  mktg = "marketing", prop = "property", props = "property", invest = "investment",
  comms = "communication", telecom = "telecommunication", distr = "distribution",
  transp = "transportation", chem = "chemical", pharm = "pharmacy", phcy = "pharmacy",
  ctrl = "control", mtn = "mountain", mtns = "mountain", electrical = "electric", geotech = "geotechnical",
  chiro = "chiropractic", psych = "psychology", dentistry = "dental", dentist = "dental", medicine = "medical", nw = "northwest", ne = "northeast", sw = "southwest", se = "southeast",
}

-- Generic business words say what kind of organisation, not which one: an
-- added or dropped "Group", "Course" or "Care" hardly changes a name, so
-- they weigh a fifth of a distinctive word (legal forms inside a name too).
local GENERIC = set[[group service solution system holding partner associate consulting technology
  enterprise international global industry management resource network communication company agency
  center business firm office america american national united consultant course community
  facility care shop studio club clinic practice professional specialist society organization
  venture supply region regional operation store boutique house public]]
M.GENERIC_WEIGHT = 0.2

-- Words that, at the end of a name, tag a location ("Acme East"): set
-- aside as a qualifier like "(West Region)" or "- East".
local LOCATION = set[[east west north south northeast northwest southeast southwest central
  downtown uptown midtown eastside westside northside southside metro campus branch]]

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

-- Numbers compare by value however written: "Nine" is "9", "Third" is
-- "3rd", "III" is "3" (Roman numerals from ii: "i", "v" and "x" are as
-- often letters).
local NUMBER = {}
do
  local units = { "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                  "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
                  "twenty" }
  local ordinals = { "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
                     "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
                     "eighteenth", "nineteenth", "twentieth" }
  local roman = { "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv", "xv" }
  local function ordinal(n)
    local last, tens = n % 10, n % 100
    local suffix = (tens >= 11 and tens <= 13) and "th" or last == 1 and "st" or last == 2 and "nd"
                   or last == 3 and "rd" or "th"
    return n .. suffix
  end
  for n = 1, 20 do
    NUMBER[units[n]] = tostring(n)
    NUMBER[ordinals[n]] = ordinal(n)
  end
  for n = 2, #roman do
    if #roman[n] > 1 then NUMBER[roman[n]] = tostring(n) end
  end
  for n, w in ipairs{ "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety" } do
    NUMBER[w] = tostring((n + 2) * 10)
  end
end

-- Regional short forms that stand for two words.
local REGIONAL = {
  socal = { "southern", "california" }, norcal = { "northern", "california" }, noco = { "northern", "colorado" },
  soco = { "southern", "colorado" }, midatl = { "mid", "atlantic" }, nyc = { "new", "york", "city" },
}

-- A practitioner's credential says the trade: "Kathleen Morrow DVM" is a
-- veterinary practice (practitioner() below). "MD" is also Maryland: only
-- a name with "Dr" or a middle initial reads it as a credential.
local CREDENTIAL = {
  dds = "dental", dmd = "dental", dvm = "veterinary", vmd = "veterinary", md = "medical", od = "optometry",
  dpm = "podiatry", phd = "psychology", psyd = "psychology", cpa = "accounting",
  esq = "law", lcsw = "counseling", lpc = "counseling", lmft = "counseling", facs = "surgery",
}

local canonical_of = {}   -- word -> canonical token, as met

local function canonical(w)
  local c = canonical_of[w]
  if c == nil then
    -- numbers compare by value: "Client 1" is "Client 001"
    local v = w:find("^0+%d") and w:gsub("^0+(%d)", "%1") or w
    v = NUMBER[v] or v
    c = stem(ABBREV[v] or v)
    c = ABBREV[c] or c
    canonical_of[w] = c
  end
  return c
end

-- Raw words of a piece of (folded, lower-case) text.
local function words(s)
  if s:find("[&+'`]") then s = s:gsub("[&+]", " and "):gsub("['`]", "") end
  local out = {}
  local plain = not s:find("[^%w\128-\255%s,;:/|\\]")   -- no punctuation in any word
  for w in s:gmatch("[^%s,;:/|\\]+") do
    if plain or not w:find("[^%w\128-\255]") then
      out[#out + 1] = w
    else
      if w:find("^%a%.") then   -- initials with dots: p.c., u.s.a.
        local rest = w:gsub("%a%.", "")
        if rest == "" or rest:match("^%a$") then w = w:gsub("%.", "") end
      end
      for piece in w:gmatch("[%w\128-\255]+") do out[#out + 1] = piece end
    end
  end
  for i = #out, 1, -1 do
    local r = REGIONAL[out[i]]
    if r then
      table.remove(out, i)
      for k = #r, 1, -1 do table.insert(out, i, r[k]) end
    end
  end
  return out
end

-- Raw words -> canonical tokens: legal forms dropped from the end, "the",
-- "and", "of" dropped (a name never loses its last word), abbreviations
-- expanded, plurals reduced.
local function has_word(ws, n)   -- a word other than "the", "and", "of" in ws[1..n]
  for i = 1, n do if not STOP[ws[i]] then return true end end
  return false
end

local function canon_tokens(ws)   -- (trims ws in place: callers pass a list of their own)
  while #ws > 1 and (LEGAL[ws[#ws]] or STOP[ws[#ws]]) and has_word(ws, #ws - 1) do ws[#ws] = nil end
  local kept = {}
  for i = 1, #ws do
    if not STOP[ws[i]] then kept[#kept + 1] = ws[i] end
  end
  if #kept == 0 then kept = ws end
  local out = {}
  for i = 1, #kept do out[i] = canonical(kept[i]) end
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

-- Whether two different strings are one edit apart (a letter changed,
-- added, dropped, or two neighbours swapped): edit_distance(a, b) == 1
-- without its table.
local function one_edit(a, b)
  local la, lb = #a, #b
  if la > lb then a, b, la, lb = b, a, lb, la end
  if lb - la > 1 or a == b then return false end
  local i = 1
  while i <= la and a:byte(i) == b:byte(i) do i = i + 1 end
  if i > la then return true end
  if la < lb then return a:sub(i) == b:sub(i + 1) end
  if a:sub(i + 1) == b:sub(i + 1) then return true end
  return i < la and a:byte(i) == b:byte(i + 1) and a:byte(i + 1) == b:byte(i) and a:sub(i + 2) == b:sub(i + 2)
end
M.one_edit = one_edit

-- Abbreviations that stand for more than one word: similar, not expanded.
local AMBIGUOUS = {
  st = set"saint street state", ste = set"sainte suite", mt = set"mount mountain",
  ave = set"avenue", rd = set"road", dr = set"drive doctor", hts = set"height", pt = set"point port",
  co = set"county company", cty = set"county city", ortho = set"orthopedic orthodontic",
  dist = set"district distributor distribution",
}
M.AMBIGUOUS = AMBIGUOUS

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

-- Whether what follows a prefix is one of the usual endings a cut-off
-- abbreviation leaves out ("geotech|nical", "electr|ical", "dent|al").
local CUT_ENDINGS = { "al", "ic", "ics", "ology", "ogy", "ation", "ment", "ive", "ary", "ory", "ure", "ance",
                      "ence", "ing", "ion", "ity" }
local function cut_off(rest)
  if #rest > 6 then return false end
  for _, e in ipairs(CUT_ENDINGS) do
    if rest:sub(-#e) == e then return true end
  end
  return false
end

local sim_cache = {}   -- sim_cache[a][b] and sim_cache[b][a]

local function remember(a, b, s)
  local row = sim_cache[a]
  if row == nil then row = {}; sim_cache[a] = row end
  row[b] = s
end

-- Similarity of two canonical tokens, 0..1.
local function token_similarity(a, b)
  if a == b then return 1 end
  local row = sim_cache[a]
  local cached = row and row[b]
  if cached then return cached end
  if a > b then a, b = b, a end   -- computed one way, kept both ways
  local s = 0
  local short, long = a, b
  if #a > #b then short, long = b, a end
  local ls, ll = #short, #long
  if a:byte(1) ~= b:byte(1) then
    s = 0                                               -- another first letter: another word
  elseif a:find("%d") or b:find("%d") then
    s = 0                                               -- numbers must be equal
  elseif ls >= 3 and long:sub(1, ls) == short then
    -- "vet" ~ "veterinary", "geotech" ~ "geotechnical" (a word cut off
    -- before a usual ending); a whole word that begins another ("pine",
    -- "pinecrest"; "harbor", "harborview") is only a hint
    s = ((ls <= 4 and not short:find("[aeiouy]$")) or (ls >= 4 and cut_off(long:sub(ls + 1)))) and 0.8 or 0.5
  elseif ls >= 3 and not short:find("[aeiou]", 2)
         and is_subsequence(short, long) then
    s = 0.7                                             -- "ctr" ~ "center"
  elseif AMBIGUOUS[a] and AMBIGUOUS[a][b] or AMBIGUOUS[b] and AMBIGUOUS[b][a] then
    s = 0.95                                            -- "st" ~ "saint", "street"
  elseif ls >= 4 and ll - ls <= 2 and same_spelling(a, b) then
    s = 0.95                                            -- "mueller" ~ "muller"
  elseif ls >= 4 and (ll - ls) / ll <= 0.25 then
    if one_edit(a, b) then                              -- typos: "frieght" ~ "freight"
      s = 1 - 1 / ll
    elseif ll >= 10 and ll - ls <= 1 and (a:sub(1, 2) == b:sub(1, 2) or a:sub(-2) == b:sub(-2))
           and edit_distance(a, b) == 2 then   -- (two letters added make another word: "electronic")
      s = 1 - 2 / ll
    end
  end
  remember(a, b, s)
  remember(b, a, s)
  return s
end
M.token_similarity = token_similarity

-- Dice similarity of the character bigrams of two strings (in C: it is
-- one of the engine's two inner loops).
local bigram_dice = require("duo._match").bigram_dice

function M.char_similarity(a, b)
  if a == b then return 1 end
  return bigram_dice(a, b)
end

-- Runs of 2..4 consecutive tokens: their concatenation (canonical and
-- as written) and initials, for one-token-to-many links; by the first
-- letter of the concatenation and of the initials (a link needs the same
-- first letter).
local function runs_of(tokens, raw, initial)
  local runs = {}
  for j = 1, #tokens - 1 do
    local cat, rawcat, initials = tokens[j], raw[j], initial[j]
    for k = j + 1, math.min(#tokens, j + 3) do
      cat = cat .. tokens[k]
      rawcat = rawcat .. raw[k]
      initials = initials .. initial[k]
      local idx, mask = {}, 0
      for r = j, k do idx[#idx + 1] = r; mask = mask | (1 << (r - 1)) end
      local run = { cat = cat, raw = rawcat, initials = initials, idx = idx, mask = mask }
      for _, first in ipairs{ cat:byte(1), initials:byte(1) ~= cat:byte(1) and initials:byte(1) or nil } do
        local l = runs[first]
        if l == nil then l = {}; runs[first] = l end
        l[#l + 1] = run
      end
    end
  end
  return runs
end

-- The runs of a normalised name, made when first needed (most names are
-- compared with a handful of others only).
local function runs(n)
  local r = n.runs_
  if r == nil then r = runs_of(n.tokens, n.raw, n.initials); n.runs_ = r end
  return r
end

local NO_RUNS = {}

local function link_order(p, q)
  if p[1] ~= q[1] then return p[1] > q[1] end
  local np, nq = #p[2] + #p[3], #q[2] + #q[3]
  if np ~= nq then return np > nq end
  local dp, dq = math.abs(p[2][1] - p[3][1]), math.abs(q[2][1] - q[3][1])
  if dp ~= dq then return dp < dq end
  if p[2][1] ~= q[2][1] then return p[2][1] < q[2][1] end
  return p[3][1] < q[3][1]
end

-- ONE[i] = { i }, shared by every link of token i to one token (links are
-- only read).
local ONE = setmetatable({}, { __index = function(t, i) local l = { i }; t[i] = l; return l end })

-- Adds to links the links of a free token of X to a free run of Y's.
local function link_runs(links, X, rawX, usedX, Yruns, usedY, nY, x_is_a)
  local used = 0   -- the tokens of Y already linked, as bits
  for r = 1, math.min(nY, 62) do
    if usedY[r] then used = used | (1 << (r - 1)) end
  end
  for i = 1, #X do
    local x = X[i]
    local lx, first = #x, x:byte(1)
    if lx >= 2 and not usedX[i] then
      local candidates = Yruns[first] or NO_RUNS
      for r = 1, #candidates do
        local run = candidates[r]
        local s, kind = 0, "joined"
        local d = #run.cat - lx
        if run.mask & used ~= 0 then
          s = 0
        elseif run.cat == x or run.raw == rawX[i] then
          s = 1
        elseif run.initials == x then
          s, kind = 0.9, "initials"
        elseif lx >= 6 and d >= -1 and d <= 1 and one_edit(run.cat, x) then
          s = 0.9
        end
        if s > 0 then
          links[#links + 1] = x_is_a and { s, ONE[i], run.idx, kind } or { s, run.idx, ONE[i], kind }
        end
      end
    end
  end
end

-- Links between the tokens of two normalised names that are still free
-- (not in usedA, usedB), best first: one to one, or one token to a run of
-- 2..4 tokens of the other (concatenation, "initials", or a concatenation
-- one edit away).
local function links_of(na, nb, usedA, usedB)
  local A, B = na.tokens, nb.tokens
  local links = {}
  for i = 1, #A do
    if not usedA[i] then
      local a = A[i]
      for j = 1, #B do
        if not usedB[j] then
          local s = token_similarity(a, B[j])
          if s > 0 then links[#links + 1] = { s, ONE[i], ONE[j] } end
        end
      end
    end
  end
  local freeA, freeB = 0, 0   -- a run needs two free tokens
  for i = 1, #A do if not usedA[i] then freeA = freeA + 1 end end
  for j = 1, #B do if not usedB[j] then freeB = freeB + 1 end end
  if freeA > 1 then link_runs(links, B, nb.raw, usedB, runs(na), usedA, #A, false) end
  if freeB > 1 then link_runs(links, A, na.raw, usedA, runs(nb), usedB, #B, true) end
  if #links > 1 then table.sort(links, link_order) end
  return links
end

-- A practitioner's name ("Dr. Priya Raman DDS", "Gregory T. Halvorsen,
-- MD"): "Dr" dropped, the credential read as its trade, and the given
-- names before the surname taken out of ws and returned (as written).
-- Without "Dr" the credential must end a name of two or three words
-- before it (legal forms aside), so "Smith Plumbing MD" stays a plumber.
local function practitioner(ws)
  local doctor = (ws[1] == "dr" or ws[1] == "doctor") and #ws > 1
  if doctor then table.remove(ws, 1) end
  local last = #ws
  while last > 1 and LEGAL[ws[last]] do last = last - 1 end
  local k
  for i = last, 2, -1 do
    if CREDENTIAL[ws[i]] and (doctor or i == last) then k = i; break end
  end
  if k == nil then return nil end
  local initial = false
  for i = 1, k - 1 do
    if not ws[i]:find("^%a+$") or GENERIC[canonical(ws[i])] then return nil end
    if #ws[i] == 1 then initial = true end
  end
  if not doctor and (k < 3 or k > 4 or (ws[k] == "md" and not initial)) then return nil end
  local trade = CREDENTIAL[ws[k]]
  local has = false
  for i = 1, #ws do if canonical(ws[i]) == canonical(trade) then has = true end end
  if has then table.remove(ws, k) else ws[k] = trade end
  if k < 3 then return nil end
  local given = {}
  for i = 1, k - 2 do given[i] = ws[i] end
  for _ = 1, k - 2 do table.remove(ws, 1) end
  return given
end

-- Words that join a legal name and a trade name.
local TRADE_NAME = { " dba ", " d/b/a ", " d.b.a. ", " d.b.a ", " t/a ", " trading as ", " doing business as ",
                     " aka ", " a/k/a ", " a.k.a. " }

-- A name -> { name, tokens, raw, initials (each token's), extras (qualifier tokens), key, squashed,
-- given (a practitioner's given names), alias (the legal name beside a
-- trade name, normalised) }.
function M.normalize(name)
  local s = M.fold(tostring(name)):lower()
  for _, m in ipairs(TRADE_NAME) do
    local p = s:find(m, 1, true)
    if p then
      local legal, trade = s:sub(1, p - 1), s:sub(p + #m)
      if #words(legal) > 0 and #words(trade) > 0 then
        local n = M.normalize(trade)
        n.name, n.alias = name, M.normalize(legal)
        return n
      end
    end
  end
  local quals = {}
  if s:find("[%(%[]") then
    s = s:gsub("%b()", function(q) quals[#quals + 1] = q:sub(2, -2); return " " end)
    s = s:gsub("%b[]", function(q) quals[#quals + 1] = q:sub(2, -2); return " " end)
    s = s:gsub("%(([^)]*)$", function(q) quals[#quals + 1] = q; return " " end)   -- "(unclosed"
  end
  local head, tail
  if s:find(" -", 1, true) then head, tail = s:match("^(.-)%s+%-+%s+(.*)$") end
  if head and #words(head) > 0 and #words(tail) <= 3 then
    s = head
    quals[#quals + 1] = tail
  end
  local ws = words(s)
  local given = practitioner(ws)
  local tokens, raw = canon_tokens(ws)
  local extras = {}
  for _, q in ipairs(quals) do
    for _, w in ipairs(words(q)) do
      if not STOP[w] and w ~= "dr" and w ~= "doctor" then extras[#extras + 1] = canonical(w) end
    end
  end
  if #tokens == 0 then
    tokens, raw = canon_tokens(extras)
    extras = {}
  end
  -- a location word ending the name is a qualifier too ("Acme East")
  while #tokens > 1 and LOCATION[tokens[#tokens]] do
    table.insert(extras, 1, tokens[#tokens])
    tokens[#tokens], raw[#raw] = nil, nil
  end
  -- initials as written: "First National Bank" is "FNB", though "first" is "1st"
  local initials = {}
  for k = 1, #tokens do initials[k] = (tokens[k]:find("^%d") and raw[k] or tokens[k]):sub(1, 1) end
  return { name = name, tokens = tokens, raw = raw, extras = extras, key = table.concat(tokens, " "),
           squashed = table.concat(tokens), given = given, initials = initials }
end

local function default_weight(t)
  return (GENERIC[t] or LEGAL[t]) and M.GENERIC_WEIGHT or 1
end
M.generic = function(t) return GENERIC[t] or LEGAL[t] or false end

-- The summed weight of a name's tokens (kept for the weight function
-- last asked for).
local function total_weight(n, weight)
  if n.weight_fn_ ~= weight then
    local w = 0
    for _, t in ipairs(n.tokens) do w = w + weight(t) end
    n.weight_fn_, n.weight_ = weight, w
  end
  return n.weight_
end

-- The best one-to-one alignment of the tokens of two normalised names:
-- equal tokens first (usedA[i] = j), then the best of the other links.
-- Fills the empty tables usedA, usedB and kept (the other links taken);
-- returns the weight matched on each side, the total weights and the
-- number of equal tokens.
local function align(na, nb, weight, usedA, usedB, kept)
  local A, B = na.tokens, nb.tokens
  local mA, mB, equal = 0, 0, 0
  for i = 1, #A do
    local a = A[i]
    for j = 1, #B do
      if B[j] == a and not usedB[j] then
        usedA[i], usedB[j] = j, i
        local w = weight(a)
        mA, mB, equal = mA + w, mB + w, equal + 1
        break
      end
    end
  end
  if equal < #A and equal < #B then
    local links = links_of(na, nb, usedA, usedB)
    for k = 1, #links do   -- (numeric loops: ipairs costs a C call a step)
      local l = links[k]
      local is, js = l[2], l[3]
      local free = true
      for x = 1, #is do if usedA[is[x]] then free = false end end
      for x = 1, #js do if usedB[js[x]] then free = false end end
      if free then
        kept[#kept + 1] = l
        for x = 1, #is do local i = is[x]; usedA[i] = true; mA = mA + l[1] * weight(A[i]) end
        for x = 1, #js do local j = js[x]; usedB[j] = true; mB = mB + l[1] * weight(B[j]) end
      end
    end
  end
  return mA, mB, total_weight(na, weight), total_weight(nb, weight), equal
end

-- align's tables for token_overlap, emptied after each use: most names
-- are compared once, and these would be garbage at once.
local scratch_a, scratch_b, scratch_kept = {}, {}, {}

-- What a name keeps out of an alignment, as bits: a distinctive word
-- (not a generic one), a number.
local LEFT_WORD <const>, LEFT_NUMBER <const> = 1, 2

local function left_over(tokens, used)
  local left = 0
  for i = 1, #tokens do
    if not used[i] then
      local t = tokens[i]
      if t:find("%d") then left = left | LEFT_NUMBER end
      if default_weight(t) == 1 then left = left | LEFT_WORD end
    end
  end
  return left
end

-- Weighted token overlap of two normalised names: Dice over the best
-- one-to-one alignment, how much of the lighter side is covered, whether
-- some token stood for initials, whether only initials linked them, and
-- what each side keeps out of the alignment (LEFT_ bits).
function M.token_overlap(na, nb, weight)
  weight = weight or default_weight
  local kept = scratch_kept
  local mA, mB, WA, WB, equal = align(na, nb, weight, scratch_a, scratch_b, kept)
  local some, all = false, equal == 0
  for k = #kept, 1, -1 do
    if kept[k][4] == "initials" then some = true else all = false end
  end
  local linked = equal + #kept
  local leftA, leftB = left_over(na.tokens, scratch_a), left_over(nb.tokens, scratch_b)
  for i = 1, #na.tokens do scratch_a[i] = nil end
  for j = 1, #nb.tokens do scratch_b[j] = nil end
  for k = #kept, 1, -1 do kept[k] = nil end
  if linked == 0 or WA + WB == 0 then return 0, 0, false, false, leftA, leftB end
  local dice = (mA + mB) / (WA + WB)
  local cover = WA <= WB and (WA > 0 and mA / WA or 0) or (WB > 0 and mB / WB or 0)
  return dice, cover, some, all, leftA, leftB
end

-- The most a pair of names naming another place or number scores: below
-- every decision, still worth a look.
local OTHER_PLACE <const> = 0.65

local function has_negative(n)
  local v = n.negative_
  if v == nil then
    v = false
    for _, t in ipairs(n.tokens) do if NEGATIVE[t] then v = true end end
    for _, t in ipairs(n.extras) do if NEGATIVE[t] then v = true end end
    n.negative_ = v
  end
  return v
end

local function extras_key(n)
  local e = n.extras_norm
  if e == nil then
    e = #n.extras > 0 and M.normalize(table.concat(n.extras, " ")) or false
    n.extras_norm = e
  end
  return e
end

-- A name with its qualifier read as part of it ("Foothills Plumbing -
-- Golden" as "Foothills Plumbing Golden"), for a name written without one.
local function inline(n)
  local f = n.inline_
  if f == nil then
    f = M.normalize(table.concat(n.tokens, " ") .. " " .. table.concat(n.extras, " "))
    n.inline_ = f
  end
  return f
end

-- Names' similarity without their qualifiers, and whether each keeps a
-- distinctive word the other lacks (both: a conflict).
-- A name spelt out by initials only ("ZDS", "IBM") stays below a
-- confident score: only e-mail domains can confirm it.
local function base_similarity(na, nb, weight)
  if na.key == nb.key then return 1, 0, 0 end
  local dice, cover, initials, only_initials, leftA, leftB = M.token_overlap(na, nb, weight)
  if dice == 0 then return 0, leftA, leftB end   -- not one word in common: no candidate
  local chars = bigram_dice(na.squashed, nb.squashed)
  if initials then chars = math.max(chars, dice) end   -- letters of initials do not compare
  local s = 0.85 * dice + 0.15 * chars
  s = math.max(s, 0.78 * cover)
  if only_initials then s = math.min(s, 0.8) end
  -- another number on each side ("Post 8", "Post 88") is another place
  if leftA & LEFT_NUMBER ~= 0 and leftB & LEFT_NUMBER ~= 0 then s = math.min(s, OTHER_PLACE) end
  return s, leftA, leftB
end

-- Similarity of two normalised names, 0..1 (weight: token -> weight), and
-- whether they conflict: each keeps a distinctive word the other lacks
-- ("Mountain View Dental", "Mountain View Medical"), or they name other
-- places or practitioners. A modest score never settles a conflict.
local function similarity(na, nb, weight)
  local s, leftA, leftB = base_similarity(na, nb, weight)
  if s == 0 then return 0, false end
  -- qualifiers: "(West Region)" on one side only costs a little; two
  -- different ones ("- East" and "- West"), or one against a word of the
  -- other's name ("- Arvada", "Lakewood"), make it another branch
  local ea, eb = extras_key(na), extras_key(nb)
  local apart = false   -- another place, or another practitioner
  if ea and eb then
    if M.token_overlap(ea, eb) < 0.8 then s, apart = math.min(s - 0.1, OTHER_PLACE), true end
  elseif ea or eb then
    local other_left = ea and leftB or leftA
    if other_left & LEFT_WORD ~= 0 then
      local si, li, lj = base_similarity(ea and inline(na) or na, eb and inline(nb) or nb, weight)
      if si >= s then
        s, leftA, leftB = si, li, lj
      else
        s, apart = math.min(s - 0.1, OTHER_PLACE), true
      end
    else
      s = s - 0.02
    end
  end
  -- two practitioners of one surname ("Dr. Anna Kim DDS", "Dr. Paul Kim DDS")
  if na.given and nb.given and na.given[1]:sub(1, 1) ~= nb.given[1]:sub(1, 1) then
    s, apart = math.min(s, OTHER_PLACE), true
  end
  if has_negative(na) ~= has_negative(nb) then s = s - 0.1 end
  return math.max(0, math.min(1, s)), apart or (leftA & LEFT_WORD ~= 0 and leftB & LEFT_WORD ~= 0)
end

-- The best reading of a pair when a name has a trade name and a legal one
-- ("Okafor Ventures LLC dba Northgate Car Wash").
local function best_similarity(na, nb, weight)
  local s, conflict = similarity(na, nb, weight)
  if na.alias or nb.alias then
    for _, pair in ipairs{ { na.alias, nb }, { na, nb.alias } } do
      if pair[1] and pair[2] then
        local s2, c2 = similarity(pair[1], pair[2], weight)
        if s2 > s then s, conflict = s2, c2 end
      end
    end
  end
  return s, conflict
end

-- Similarity of two normalised names, 0..1 (weight: token -> weight).
function M.name_similarity(na, nb, weight)
  return (best_similarity(na, nb, weight))
end

-- Whether both names keep a distinctive word the other lacks.
function M.conflict(na, nb, weight)
  local _, conflict = best_similarity(na, nb, weight)
  return conflict
end

-- Two names as given -> their similarity (default weights).
function M.score(a, b)
  return M.name_similarity(M.normalize(a), M.normalize(b))
end

-- What linked two normalised names, for people: a list of short phrases.
function M.evidence(na, nb, weight)
  weight = weight or default_weight
  local usedA, usedB, kept = {}, {}, {}
  align(na, nb, weight, usedA, usedB, kept)
  local out = {}
  local function words_of(n, idx)
    local w = {}
    for k, i in ipairs(idx) do w[k] = n.tokens[i] end
    return table.concat(w, "+")
  end
  for i, t in ipairs(na.tokens) do
    if type(usedA[i]) == "number" then out[#out + 1] = t .. "=" .. t end
  end
  for _, l in ipairs(kept) do
    local a, b = words_of(na, l[2]), words_of(nb, l[3])
    local how
    if l[4] then how = l[4]
    elseif l[1] >= 1 then how = nil
    elseif M.token_similarity(na.tokens[l[2][1]], nb.tokens[l[3][1]]) > 0 then how = "near" end
    out[#out + 1] = string.format("%s%s%s%s", a, l[1] >= 1 and "=" or "~", b, how and " (" .. how .. ")" or "")
  end
  local function left(n, used, side)
    local rest = {}
    for i, t in ipairs(n.tokens) do
      if not used[i] then rest[#rest + 1] = t .. (default_weight(t) < 1 and " (generic)" or "") end
    end
    if #rest > 0 then out[#out + 1] = "only in " .. side .. ": " .. table.concat(rest, ", ") end
  end
  left(na, usedA, "company")
  left(nb, usedB, "account")
  if #na.extras + #nb.extras > 0 then
    out[#out + 1] = string.format("qualifiers: %s / %s", #na.extras > 0 and table.concat(na.extras, " ") or "-",
                                  #nb.extras > 0 and table.concat(nb.extras, " ") or "-")
  end
  return out
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

-- Share of each account's users (with a usable address) in each
-- company's domains, for the pairs where it is not zero:
-- shares[j][i], and by_company[i] = { j, ... }.
local function domain_shares(companies, accounts, usable)
  local owners = {}   -- domain -> { company index, ... }
  for i, c in ipairs(companies) do
    for _, d in ipairs(c.domains or {}) do
      local l = owners[d] or {}
      l[#l + 1] = i
      owners[d] = l
    end
  end
  local shares, by_company = {}, {}
  for j, a in ipairs(accounts) do
    local u = usable[a.account_id]
    if u and u.total > 0 then
      local hits = {}
      for d, count in pairs(u.counts) do
        local counted = {}
        local suffix = d
        while suffix do   -- the domain itself, then each parent domain
          for _, i in ipairs(owners[suffix] or {}) do
            if not counted[i] then counted[i] = true; hits[i] = (hits[i] or 0) + count end
          end
          suffix = suffix:match("^[^.]+%.(.+)$")
        end
      end
      for i, h in pairs(hits) do
        shares[j] = shares[j] or {}
        shares[j][i] = h / u.total
        by_company[i] = by_company[i] or {}
        table.insert(by_company[i], j)
      end
    end
  end
  for _, l in pairs(by_company) do table.sort(l) end
  return shares, by_company
end

-- Assignment ----------------------------------------------------------------

local round2 = output.round2

-- Token weights for one run: generic words a fifth, words found in many
-- names of one side less (1 / (1 + log2(count) / 2)).
local function weights_for(norm_companies, norm_accounts)
  local function counts(list)
    local c = {}
    for k = 1, #list do
      local seen, tokens = {}, list[k].tokens
      for x = 1, #tokens do
        local t = tokens[x]
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

local OPTIONS = { min_score = "number", margin = "number", review_floor = "number", domains = "table",
                  explain = "boolean" }

-- How the domain signal moves a name's score (suggest's score_pairs).
local OWNER_SHARE <const> = 0.5      -- an account whose users are this share a company's is that company's
local FULL_SHARE <const> = 0.6       -- a share this high counts in full
local DOMAIN_PULL <const> = 0.9      -- how far a full share pulls the score towards 1
local NO_SHARE <const> = 0.85        -- the company has domains, none of the account's users has one
local OTHERS_USERS <const> = 0.6     -- the account's users are another company's
local CANDIDATES_SHOWN <const> = 3
-- A pair below min_score is still matched when it is this good and leads
-- every runner-up of its company and of its account by this much.
local MUTUAL_FLOOR <const> = 0.7
local MUTUAL_MARGIN <const> = 0.3
-- Pairs sorted by one integer key (score to 1e-9, then company, then
-- account) while company x account pairs stay below what an integer holds.
local KEY_SCALE <const> = 1e9
local EXACT_KEY_LIMIT <const> = 9e9

-- A scored pair is a list, not a record (there may be millions): its
-- fields by name.
local COMPANY <const>, ACCOUNT <const>, SCORE <const>, NAME_SCORE <const>, SHARE <const> = 1, 2, 3, 4, 5

-- Phase 1: the names normalized, the token weights, the name index.
local function prepare(companies, accounts)
  local nc, na = {}, {}
  for i, c in ipairs(companies) do nc[i] = M.normalize(c.name) end
  for j, a in ipairs(accounts) do na[j] = M.normalize(a.name) end
  local weight = weights_for(nc, na)
  return nc, na, weight, require("workflows.lib.match_index").build(na, M)
end

-- Phase 2 (with domains): shares[j][i], the share of account j's users in
-- company i's domains; by_company[i], the accounts sharing i's domains;
-- owner_of[j][i], account j's users are mostly company i's.
local function domain_evidence(companies, accounts, domains)
  local usable = usable_domains(domains, #accounts)
  local shares, by_company = domain_shares(companies, accounts, usable)
  local owner_of = {}
  for j, row in pairs(shares) do
    for i, share in pairs(row) do
      if share >= OWNER_SHARE then owner_of[j] = owner_of[j] or {}; owner_of[j][i] = true end
    end
  end
  local function share_of(i, j)
    local u = usable[accounts[j].account_id]
    if u == nil or u.total == 0 or #(companies[i].domains or {}) == 0 then return nil end
    return shares[j] and shares[j][i] or 0
  end
  return { share_of = share_of, by_company = by_company, owner_of = owner_of }
end

-- A name score moved by the domain evidence of the pair.
local function with_domains(s, share, others)
  if share and share > 0 then
    return 1 - (1 - s) * (1 - DOMAIN_PULL * math.min(1, share / FULL_SHARE))
  end
  return s * (others and OTHERS_USERS or share == 0 and NO_SHARE or 1)
end

-- Phase 3: every candidate pair scored; the pairs per company (best
-- first) and per account.
-- Appends to cands the accounts of more it does not hold yet.
local function add_candidates(cands, more)
  local have = {}
  for _, j in ipairs(cands) do have[j] = true end
  for _, j in ipairs(more) do
    if not have[j] then cands[#cands + 1] = j; have[j] = true end
  end
end

local function score_pairs(companies, nc, na, weight, index, dom)
  local edges, of_company, of_account = {}, {}, {}
  for i = 1, #companies do
    local cands = index:candidates(nc[i])
    -- the legal name beside a trade name finds accounts too
    if nc[i].alias then add_candidates(cands, index:candidates(nc[i].alias)) end
    if dom and dom.by_company[i] then add_candidates(cands, dom.by_company[i]) end
    local list = {}
    for x = 1, #cands do
      local j = cands[x]
      local name_s = M.name_similarity(nc[i], na[j], weight)
      local s, share = name_s, nil
      if dom then
        share = dom.share_of(i, j)
        local others = false
        for k in pairs(dom.owner_of[j] or {}) do
          if k ~= i then others = true; break end
        end
        s = with_domains(s, share, others)
      end
      if s > 0 then
        local e = { i, j, s, name_s, share }
        edges[#edges + 1] = e
        list[#list + 1] = e
        local l = of_account[j]
        if l then l[#l + 1] = e else of_account[j] = { e } end
      end
    end
    of_company[i] = list
    nc[i].runs_ = nil   -- compared with all its candidates: its runs would only weigh on the collector
  end
  return edges, of_company, of_account
end

local function better(p, q)
  if p[SCORE] ~= q[SCORE] then return p[SCORE] > q[SCORE] end
  if p[COMPANY] ~= q[COMPANY] then return p[COMPANY] < q[COMPANY] end
  return p[ACCOUNT] < q[ACCOUNT]
end

-- Phase 4: the assignment, greedy over all pairs at or above floor, best
-- first: each company and each account taken once. Returns edge_of[i]
-- (company i's pair) and company_of[j].
local function assign(edges, floor, n_companies, n_accounts)
  local order, by_key = {}, {}
  local n_a = math.max(1, n_accounts)
  local exact = n_companies * n_a < EXACT_KEY_LIMIT
  for x = 1, #edges do
    local e = edges[x]
    if e[SCORE] >= floor then
      local key = e
      if exact then
        key = (math.floor((1 - e[SCORE]) * KEY_SCALE + 0.5) * n_companies + e[COMPANY] - 1) * n_a + e[ACCOUNT] - 1
        by_key[key] = e
      end
      order[#order + 1] = key
    end
  end
  if exact then table.sort(order) else table.sort(order, better) end
  local company_of, edge_of = {}, {}
  for x = 1, #order do
    local e = by_key[order[x]] or order[x]
    local i, j = e[COMPANY], e[ACCOUNT]
    if edge_of[i] == nil and company_of[j] == nil then
      edge_of[i], company_of[j] = e, i
    end
  end
  return edge_of, company_of
end

-- Whether the assignment decides a pair: a confident score with a margin,
-- or, with the whole assignment as evidence, a modest score that is the
-- best of its company and of its account by a wide margin over every
-- runner-up on both sides (no competition, so no one else it could be).
local function decided(s, runner, min_score, margin, mutual)
  if s >= min_score and s - runner >= margin then return true end
  return mutual and s >= MUTUAL_FLOOR and s - runner >= MUTUAL_MARGIN
end

-- Whether two normalized names share a whole word (initials alone are
-- weak evidence: "ZDS" for "Zenith Data Solutions" stays for review).
local function share_a_word(na, nb)
  local have = {}
  for _, t in ipairs(na.tokens) do if #t >= 3 then have[t] = true end end
  for _, t in ipairs(nb.tokens) do if have[t] then return true end end
  return false
end

-- The best score of another pair of company i or of account j, and its name.
local function runner_up(i, j, of_company, of_account, companies, accounts)
  local runner, name = 0, nil
  for _, o in ipairs(of_company[i]) do
    if o[ACCOUNT] ~= j and o[SCORE] > runner then runner, name = o[SCORE], accounts[o[ACCOUNT]].name end
  end
  for _, o in ipairs(of_account[j]) do
    if o[COMPANY] ~= i and o[SCORE] > runner then runner, name = o[SCORE], companies[o[COMPANY]].name end
  end
  return runner, name
end

-- companies: { { id, name, domains }, ... }; accounts: { { account_id,
-- name }, ... }; opts: min_score, margin, review_floor, domains
-- ([account_id] = { [domain] = users }, for the domain signal), explain
-- (add `evidence` to each suggestion).
-- Returns { suggestions = { ... }, unmatched_accounts = { ... } } in the
-- shape of suggest-mappings --format json (scores rounded), plus, per
-- suggestion, `name_score`, `domain_share`, `runner_up` and, for review,
-- `review_reason` for people ("competition": a runner-up close by;
-- "conflict": each name has a word the other lacks; "no_word": no whole
-- word in common, initials say it; "weak": a low score).
--
-- Each company is scored against the candidates of the name index (and,
-- with domains, the accounts whose users share its domains); the pairs
-- scored are the only ones kept, so time and memory grow with the number
-- of names, not with their product.
function M.suggest(companies, accounts, opts)
  opts = options.check(opts, OPTIONS, "suggest", 3)
  local min_score = opts.min_score or M.DEFAULTS.min_score
  local margin = opts.margin or M.DEFAULTS.margin
  local floor = math.min(opts.review_floor or M.DEFAULTS.review_floor, min_score)
  -- The engine makes millions of short-lived strings and tables while it
  -- keeps every name and scored pair: letting the heap grow to four times
  -- what survived the last collection (twice by default) saves a tenth of
  -- the time for a third more memory. The caller's setting comes back
  -- however this ends.
  local previous_pause = collectgarbage("setpause", 400)
  local _ <close> = setmetatable({}, { __close = function() collectgarbage("setpause", previous_pause) end })

  local nc, na, weight, index = prepare(companies, accounts)
  local dom = opts.domains and domain_evidence(companies, accounts, opts.domains)
  local edges, of_company, of_account = score_pairs(companies, nc, na, weight, index, dom)
  for _, l in pairs(of_company) do table.sort(l, better) end
  local edge_of, company_of = assign(edges, floor, #companies, #accounts)

  local function candidate(e)
    local a = accounts[e[ACCOUNT]]
    return { duo_account_id = a.account_id, duo_account = a.name, score = round2(e[SCORE]) }
  end
  local suggestions = {}
  for i, c in ipairs(companies) do
    local list = of_company[i]
    local candidates = {}
    for k = 1, math.min(CANDIDATES_SHOWN, #list) do candidates[k] = candidate(list[k]) end
    local sug = { company_id = c.id, company = c.name, candidates = candidates }
    local e = edge_of[i]
    if e then
      local j, s = e[ACCOUNT], e[SCORE]
      local runner, runner_name = runner_up(i, j, of_company, of_account, companies, accounts)
      sug.duo_account_id = accounts[j].account_id
      sug.duo_account = accounts[j].name
      sug.score = round2(s)
      -- the whole assignment decides only with the default bar: a --min-score
      -- the user sets is the bar
      local by_default = min_score == M.DEFAULTS.min_score
      local conflict = by_default and M.conflict(nc[i], na[j], weight)
      local word = share_a_word(nc[i], na[j])
      local mutual = by_default and word and not conflict
      sug.status = decided(s, runner, min_score, margin, mutual) and "matched" or "review"
      if sug.status == "review" then
        -- why, for people: another name close by, a word each name lacks,
        -- no whole word in common (initials), or a low score
        local lead = s >= min_score and margin or MUTUAL_MARGIN
        sug.review_reason = (runner_name and s - runner < lead) and "competition"
                            or conflict and "conflict" or not word and "no_word" or "weak"
      end
      sug.name_score = round2(e[NAME_SCORE])
      sug.domain_share = e[SHARE] and round2(e[SHARE]) or nil
      if runner_name then sug.runner_up = { name = runner_name, score = round2(runner) } end
      if opts.explain then sug.evidence = M.evidence(nc[i], na[j], weight) end
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
  table.sort(unmatched, output.by_name("duo_account", "duo_account_id"))
  return { suggestions = suggestions, unmatched_accounts = unmatched }
end

return M
