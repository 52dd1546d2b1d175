-- Known-answer vectors (tests/data/signing_vectors.json, converted from the
-- test suites of Duo's official clients by tests/data/convert_vectors.py)
-- checked through the Lua API: duo.canonicalize, duo.sign and, for
-- canon_json, duo.json.encode.
--
-- How each kind is expressed in Lua:
--   canon_params  duo.canonicalize with version 2; the last line
--   canonicalize  duo.canonicalize, and duo.sign must agree on the string
--   sign          duo.sign; the Authorization value, and the HMAC hex inside
--                 it (base64-decoded here) where the vector gives one
--   hmac          the message is parsed back into v2 request fields and
--                 signed with duo.sign; used only when duo.sign rebuilds the
--                 exact message, otherwise the vector is reported as skipped
--   body_hash     duo.canonicalize with version 4 and the body; the last line
--   canon_json    duo.json.encode of the input value
local T = require "testing"
local json = require "duo.json"
local duo = require "duo"

local f = assert(io.open("../data/signing_vectors.json", "rb"))
local vectors = json.decode(f:read("a"))
f:close()

-- helpers ----------------------------------------------------------------

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local b64_index = {}
for i = 1, 64 do b64_index[B64:sub(i, i)] = i - 1 end

-- Standard base64 with padding; errors on anything else.
local function b64decode(s)
  assert(#s % 4 == 0, "base64 length")
  local out = {}
  for i = 1, #s, 4 do
    local chunk = s:sub(i, i + 3)
    local pad = #chunk:match("=*$")
    assert(pad <= 2 and (pad == 0 or i + 3 == #s), "base64 padding")
    local n = 0
    for j = 1, 4 - pad do
      local v = b64_index[chunk:sub(j, j)]
      assert(v, "base64 character")
      n = n * 64 + v
    end
    n = n << (6 * pad)
    local bytes = string.char((n >> 16) & 255, (n >> 8) & 255, n & 255)
    out[#out + 1] = bytes:sub(1, 3 - pad)
  end
  return table.concat(out)
end

-- "Basic base64(ikey:hex)" -> ikey, hex
local function split_authorization(auth)
  local b64 = assert(auth:match("^Basic (%S+)$"), "Authorization shape")
  local ikey, hex = b64decode(b64):match("^(.*):(%x+)$")
  return assert(ikey, "ikey:hex inside"), hex
end

local function last_line(s)
  return s:match("([^\n]*)$")
end

-- The vector's [key, value] pairs as a params table. form "lists": every
-- key maps to a list; "scalars": keys with one value map to it directly.
local function params_table(pairs_list, form)
  if pairs_list == nil then return nil end
  local lists, order = {}, {}
  for _, kv in ipairs(pairs_list) do
    local k, v = kv[1], kv[2]
    if lists[k] == nil then
      lists[k] = {}
      order[#order + 1] = k
    end
    table.insert(lists[k], v)
  end
  if form == "scalars" then
    for _, k in ipairs(order) do
      if #lists[k] == 1 then lists[k] = lists[k][1] end
    end
  end
  return lists
end

local function headers_table(list)
  if list == nil then return nil end
  local t = {}
  for _, kv in ipairs(list) do t[kv[1]] = kv[2] end
  return t
end

local function request(v, params)
  return {
    version = v.version, method = v.method, host = v.host, path = v.path,
    date = v.date,   -- nil for v1: defaults to now, which v1 ignores
    body = v.body, headers = headers_table(v.headers), params = params,
  }
end

-- The params forms to try: lists, scalars and, where the source passed
-- booleans or numbers, those native values.
local function param_forms(v)
  local forms = {
    { "lists", params_table(v.params, "lists") },
    { "scalars", params_table(v.params, "scalars") },
  }
  if v.params_native then
    forms[#forms + 1] = { "native values", params_table(v.params_native, "scalars") }
    forms[#forms + 1] = { "native lists", params_table(v.params_native, "lists") }
  end
  return forms
end

local function percent_decode(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

-- Parses a canonical params line back into a params table, or nil.
local function parse_params_line(line)
  local params = {}
  if line == "" then return params end
  for pair in (line .. "&"):gmatch("([^&]*)&") do
    local k, val = pair:match("^([^=]*)=(.*)$")
    if k == nil then return nil end
    k, val = percent_decode(k), percent_decode(val)
    params[k] = params[k] or {}
    table.insert(params[k], val)
  end
  return params
end

-- kinds ------------------------------------------------------------------

local checkers = {}
local skipped = {}

function checkers.canon_params(v)
  for _, form in ipairs(param_forms(v)) do
    local c = duo.canonicalize{ version = 2, method = "GET", host = "h", path = "/",
                                date = "d", params = form[2] }
    T.eq(last_line(c), v.expect_canon_params, form[1])
  end
end

function checkers.canonicalize(v)
  for _, form in ipairs(param_forms(v)) do
    T.eq(duo.canonicalize(request(v, form[2])), v.expect_canonical, form[1])
  end
  if v.expect_headers_hash then
    T.eq(last_line(v.expect_canonical), v.expect_headers_hash, "header hash line")
  end
  if v.json_input and v.body then
    T.eq(json.encode(v.json_input), v.body, "duo.json.encode of the body object")
  end
  -- duo.sign signs the same string
  local req = request(v, params_table(v.params, "lists"))
  req.ikey, req.skey = "ikey", "skey"
  local _, canonical = duo.sign(req)
  T.eq(canonical, v.expect_canonical, "duo.sign's canonical string")
end

function checkers.sign(v)
  for _, form in ipairs(param_forms(v)) do
    local req = request(v, form[2])
    req.ikey, req.skey, req.digest = v.ikey, v.skey, v.digest
    local auth, canonical = duo.sign(req)
    T.eq(auth, v.expect_authorization, "Authorization (" .. form[1] .. ")")
    if v.expect_canonical then T.eq(canonical, v.expect_canonical, "canonical") end
    local ikey, hex = split_authorization(auth)
    T.eq(ikey, v.ikey, "ikey inside the Authorization value")
    T.eq(#hex, v.digest == "sha1" and 40 or 128, "signature length")
    if v.expect_signature then T.eq(hex, v.expect_signature, "signature hex") end
  end
end

function checkers.hmac(v)
  local date, method, host, path, params_line =
    v.message:match("^([^\n]*)\n([^\n]*)\n([^\n]*)\n([^\n]*)\n([^\n]*)$")
  local params = params_line and parse_params_line(params_line)
  if params then
    local auth, canonical = duo.sign{ version = 2, date = date, method = method, host = host,
                                      path = path, params = params, ikey = "ikey",
                                      skey = v.skey, digest = v.digest }
    if canonical == v.message then
      local _, hex = split_authorization(auth)
      T.eq(hex, v.expect_signature, "HMAC of the message via duo.sign")
      return
    end
  end
  skipped[#skipped + 1] = v.id .. " (its message is not a canonical v2 string)"
end

function checkers.body_hash(v)
  local c = duo.canonicalize{ version = 4, method = "POST", host = "h", path = "/",
                              date = "d", body = v.body }
  T.eq(last_line(c), v.expect_sha512, "body hash line")
end

function checkers.canon_json(v)
  T.eq(json.encode(v.json_input), v.expect_body, "duo.json.encode")
end

-- run ----------------------------------------------------------------------

local count = {}
for _, v in ipairs(vectors) do
  local checker = checkers[v.kind]
  T.test(v.id, function()
    T.truthy(checker, "a checker for kind " .. tostring(v.kind))
    checker(v)
  end)
  count[v.kind] = (count[v.kind] or 0) + 1
end

T.test("the vectors cover every kind", function()
  for kind in pairs(checkers) do T.truthy(count[kind], "vectors of kind " .. kind) end
  T.truthy(#vectors >= 61, "at least the 61 vectors of the first conversion")
end)

for _, s in ipairs(skipped) do print("skipped: " .. s) end
T.done()
