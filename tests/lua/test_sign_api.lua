-- The Lua contract of duo.sign and duo.canonicalize: argument checking and
-- its messages, parameter value conversion, X-Duo headers, the default
-- date, and that the secret key never shows up in an error.
local T = require "testing"
local duo = require "duo"

local SKEY = "Zh5eGmUq9zpfQnyUIu5OL9iWoMMv5ZNmk3zLJ4Ep"
local DATE = "Tue, 21 Aug 2012 17:29:18 -0000"

-- A valid request with fields replaced (false removes a field).
local function req(changes, for_canonicalize)
  local r = { method = "GET", host = "api-x.duosecurity.com", path = "/admin/v1/users",
              date = DATE }
  if not for_canonicalize then r.ikey, r.skey = "DIWJ8X6AEYOR5OMC6TQ1", SKEY end
  for k, v in pairs(changes or {}) do
    if v == false then r[k] = nil else r[k] = v end
  end
  return r
end

-- Every error raised by duo.sign in this file, checked for the skey at the end.
local messages = {}

-- Calls duo.sign (through a closure, so Lua names the function 'sign') and
-- checks the error against a plain-text expectation.
local function sign_fails(r, expected)
  local err = T.raises(function() return duo.sign(r) end)
  local msg = tostring(err)
  messages[#messages + 1] = msg
  if not msg:find(expected, 1, true) then
    error(string.format("error %q does not contain %q", msg, expected), 2)
  end
  return msg
end

local function canon_fails(r, expected)
  local msg = tostring(T.raises(function() return duo.canonicalize(r) end))
  if not msg:find(expected, 1, true) then
    error(string.format("error %q does not contain %q", msg, expected), 2)
  end
  return msg
end

local function params_line(params)
  local c = duo.canonicalize(req({ version = 2, params = params }, true))
  return c:match("([^\n]*)$")
end

-- the happy path -----------------------------------------------------------

T.test("sign returns the Authorization value and the canonical string", function()
  local auth, canonical = duo.sign(req())
  T.truthy(auth:match("^Basic [%w+/]+=*$"), "Authorization shape")
  T.eq(canonical, duo.canonicalize(req({ ikey = false, skey = false })), "canonical string")
  T.eq(select("#", duo.sign(req())), 2, "number of results")
  T.eq(duo.sign(req()), auth, "deterministic for a fixed date")
end)

T.test("version defaults to 5", function()
  T.eq(duo.canonicalize(req({}, true)), duo.canonicalize(req({ version = 5 }, true)))
  local lines = 0
  for _ in (duo.canonicalize(req({}, true)) .. "\n"):gmatch("[^\n]*\n") do lines = lines + 1 end
  T.eq(lines, 7, "v5 lines")
end)

T.test("digest defaults to sha512; sha1 gives a 40-digit signature", function()
  local function hex_len(auth)
    local b64 = auth:sub(7)
    -- base64 of "ikey:" + hex; the decoded length tells the hex length
    local pad = #b64:match("=*$")
    return #b64 // 4 * 3 - pad - #"DIWJ8X6AEYOR5OMC6TQ1:"
  end
  T.eq(hex_len(duo.sign(req())), 128, "default")
  T.eq(hex_len(duo.sign(req({ digest = "sha512" }))), 128, "sha512")
  T.eq(hex_len(duo.sign(req({ digest = "sha1" }))), 40, "sha1")
  T.eq(duo.sign(req()), duo.sign(req({ digest = "sha512" })), "default is sha512")
end)

-- argument types ---------------------------------------------------------------

T.test("the argument must be a table", function()
  sign_fails("GET", "bad argument #1 to 'sign' (table expected, got string)")
  sign_fails(nil, "bad argument #1 to 'sign' (table expected, got nil)")
  T.raises(function() return duo.canonicalize(42) end,
           "bad argument #1 to 'canonicalize' %(table expected, got number%)")
end)

T.test("string fields of the wrong type are named", function()
  for _, field in ipairs{ "method", "host", "path", "date", "body", "ikey", "skey", "digest" } do
    sign_fails(req({ [field] = 42 }),
               "bad argument #1 to 'sign' ('" .. field .. "' must be a string, got number)")
  end
  for _, field in ipairs{ "method", "host", "path", "date", "body" } do
    canon_fails(req({ [field] = true }, true),
                "bad argument #1 to 'canonicalize' ('" .. field .. "' must be a string, got boolean)")
  end
end)

T.test("table fields of the wrong type are named", function()
  sign_fails(req({ params = "a=1" }), "bad argument #1 to 'sign' ('params' must be a table, got string)")
  sign_fails(req({ headers = "x-duo-a: 1" }),
             "bad argument #1 to 'sign' ('headers' must be a table, got string)")
end)

T.test("version must be a whole number; 5.0 counts", function()
  sign_fails(req({ version = 2.5 }), "bad argument #1 to 'sign' ('version' must be a whole number, got 2.5)")
  T.eq(duo.canonicalize(req({ version = 5.0 }, true)), duo.canonicalize(req({ version = 5 }, true)))
  sign_fails(req({ version = {} }), "bad argument #1 to 'sign' ('version' must be an integer, got table)")
end)

-- options ------------------------------------------------------------------------

T.test("unknown options are rejected by name", function()
  sign_fails(req({ sig_version = 5 }), "bad argument #1 to 'sign' (unknown option 'sig_version')")
  sign_fails(req({ Method = "GET" }), "bad argument #1 to 'sign' (unknown option 'Method')")
  sign_fails(req({ [1] = "x" }), "bad argument #1 to 'sign' (option names must be strings, got number)")
  canon_fails(req({ ikey = "I" }, true), "bad argument #1 to 'canonicalize' (unknown option 'ikey')")
  canon_fails(req({ skey = SKEY }, true), "bad argument #1 to 'canonicalize' (unknown option 'skey')")
  canon_fails(req({ digest = "sha1" }, true), "bad argument #1 to 'canonicalize' (unknown option 'digest')")
end)

T.test("required fields are named when missing", function()
  for _, field in ipairs{ "method", "host", "path", "ikey", "skey" } do
    sign_fails(req({ [field] = false }), "bad argument #1 to 'sign' ('" .. field .. "' is required)")
  end
  for _, field in ipairs{ "method", "host", "path" } do
    canon_fails(req({ [field] = false }, true),
                "bad argument #1 to 'canonicalize' ('" .. field .. "' is required)")
  end
end)

T.test("version must be 1, 2, 4 or 5", function()
  for _, v in ipairs{ 1, 2, 4, 5 } do
    T.truthy(duo.sign(req({ version = v })), "version " .. v)
  end
  for _, v in ipairs{ 0, 3, 6, -1, 50 } do
    sign_fails(req({ version = v }), "bad argument #1 to 'sign' ('version' must be 1, 2, 4 or 5)")
    canon_fails(req({ version = v }, true), "('version' must be 1, 2, 4 or 5)")
  end
end)

T.test("digest must be sha512 or sha1", function()
  for _, d in ipairs{ "md5", "SHA512", "sha256", "", "sha-1" } do
    sign_fails(req({ digest = d }), "bad argument #1 to 'sign' ('digest' must be \"sha512\" or \"sha1\")")
  end
end)

-- parameters -----------------------------------------------------------------------

T.test("integers are signed in decimal", function()
  T.eq(params_line{ n = 42, neg = -7, zero = 0 }, "n=42&neg=-7&zero=0")
  T.eq(params_line{ max = math.maxinteger, min = math.mininteger },
       "max=9223372036854775807&min=-9223372036854775808")
end)

T.test("floats are signed as numbers", function()
  T.eq(params_line{ f = 1.5 }, "f=1.5")
  T.eq(params_line{ f = -2.25 }, "f=-2.25")
  T.eq(params_line{ f = 0.5 }, "f=0.5")
  T.eq(params_line{ f = 3.0 }, "f=3", "a whole float is written like the integer")
end)

T.test("booleans are signed as true and false", function()
  T.eq(params_line{ a = true, b = false }, "a=true&b=false")
end)

T.test("strings are signed as their bytes", function()
  T.eq(params_line{ s = "a b+c" }, "s=a%20b%2Bc")
  T.eq(params_line{ s = "\0\255" }, "s=%00%FF")
  T.eq(params_line{ ["k\0"] = "" }, "k%00=")
end)

T.test("a list gives one pair per element, values sorted", function()
  T.eq(params_line{ a = { "z", "b", "m" } }, "a=b&a=m&a=z")
  T.eq(params_line{ a = { 10, true, "x", 2, 1.5 } }, "a=1.5&a=10&a=2&a=true&a=x")
  T.eq(params_line{ a = { "same", "same" } }, "a=same&a=same")
  T.eq(params_line{ b = { "1" }, a = "2" }, "a=2&b=1")
end)

T.test("a table inside a list is rejected", function()
  sign_fails(req({ params = { a = { "x", {} } } }),
             "bad argument #1 to 'sign' (parameter 'a' item 2 must be a string, number or boolean, got table)")
  sign_fails(req({ params = { a = { { "x" } } } }), "parameter 'a' item 1 must be")
end)

T.test("other parameter values are rejected", function()
  sign_fails(req({ params = { a = print } }),
             "bad argument #1 to 'sign' (parameter 'a' must be a string, number, boolean or list, got function)")
  sign_fails(req({ params = { a = io.stdout } }), "parameter 'a' must be a string, number, boolean or list")
  sign_fails(req({ params = { a = { print } } }), "parameter 'a' item 1 must be")
end)

T.test("parameter names must be strings", function()
  sign_fails(req({ params = { "positional" } }),
             "bad argument #1 to 'sign' (parameter names must be strings, got number)")
  sign_fails(req({ params = { [true] = "x" } }), "parameter names must be strings, got boolean")
end)

-- headers -------------------------------------------------------------------------------

T.test("X-Duo headers are signed, lower-cased and sorted", function()
  local a = duo.canonicalize(req({ headers = { ["X-Duo-B"] = "2", ["x-duo-a"] = "1" } }, true))
  local b = duo.canonicalize(req({ headers = { ["x-duo-b"] = "2", ["X-DUO-A"] = "1" } }, true))
  local none = duo.canonicalize(req({}, true))
  T.eq(a, b, "case of the names")
  T.truthy(a ~= none, "headers change the header line")
  T.eq(a:gsub("[^\n]*$", ""), none:gsub("[^\n]*$", ""), "only the last line")
end)

T.test("headers must be x-duo-*", function()
  for _, name in ipairs{ "Content-Type", "x-duo", "x-duoa", "x_duo_a", "", "Authorization" } do
    local msg = sign_fails(req({ headers = { [name] = "v" } }), "x-duo-")
    T.truthy(msg:find("sign", 1, true), "names the function: " .. msg)
  end
  canon_fails(req({ headers = { ["Date"] = "v" } }, true), "x-duo-")
end)

T.test("header names and values must be strings", function()
  sign_fails(req({ headers = { ["x-duo-a"] = 1 } }),
             "bad argument #1 to 'sign' ('headers' must map header names to string values)")
  sign_fails(req({ headers = { "x-duo-a" } }), "'headers' must map header names to string values")
end)

T.test("header names that differ only in case are duplicates", function()
  sign_fails(req({ headers = { ["X-Duo-A"] = "1", ["x-duo-a"] = "2" } }), "duplicate")
end)

T.test("NUL bytes in headers are rejected", function()
  sign_fails(req({ headers = { ["x-duo-a"] = "a\0b" } }), "NUL")
  sign_fails(req({ headers = { ["x-duo-a\0b"] = "v" } }), "NUL")
end)

-- the date ----------------------------------------------------------------------------

local DATE_SHAPE = "^%u%l%l, %d%d %u%l%l %d%d%d%d %d%d:%d%d:%d%d %-0000$"

T.test("the date defaults to now, in RFC 2822 form", function()
  local before = os.time()
  local _, canonical = duo.sign(req({ date = false }))
  local after = os.time()
  local line = canonical:match("^[^\n]*")
  T.truthy(line:match(DATE_SHAPE), "shape of " .. line)
  local ok = false
  for t = before, after do
    if os.date("!%a, %d %b %Y %H:%M:%S -0000", t) == line then ok = true end
  end
  T.truthy(ok, "date " .. line .. " is now")
  T.truthy(duo.canonicalize(req({ date = false }, true)):match("^[^\n]*"):match(DATE_SHAPE),
           "canonicalize too")
end)

T.test("a given date is used as is", function()
  local _, canonical = duo.sign(req({ date = "any string at all" }))
  T.eq(canonical:match("^[^\n]*"), "any string at all")
end)

T.test("v1 has no date line", function()
  T.eq(duo.canonicalize(req({ version = 1, date = false }, true)),
       "GET\napi-x.duosecurity.com\n/admin/v1/users\n")
  T.eq(duo.canonicalize(req({ version = 1 }, true)),
       "GET\napi-x.duosecurity.com\n/admin/v1/users\n")
end)

-- the secret key -------------------------------------------------------------------------

T.test("the skey never appears in an error message", function()
  -- every error collected above came from a call that carried the skey
  T.truthy(#messages > 40, "errors collected: " .. #messages)
  -- and a few where the skey is easy to leak: as the value of another
  -- field (a parameter or header *name* equal to the skey is the caller's
  -- own text and may be quoted)
  local tricky = {
    req({ digest = SKEY }),
    req({ version = SKEY }),
    req({ params = { a = { SKEY, {} } } }),
    req({ headers = { [SKEY] = "v" } }),
    req({ headers = { ["x-duo-a"] = SKEY .. "\0" } }),
    req({ skey = { SKEY } }),
    req({ method = false }),
  }
  for _, r in ipairs(tricky) do
    local ok, err = pcall(duo.sign, r)
    T.eq(ok, false, "the call fails")
    messages[#messages + 1] = tostring(err)
  end
  for _, msg in ipairs(messages) do
    T.truthy(not msg:find(SKEY, 1, true), "skey in error: " .. msg:gsub(SKEY, "<SKEY>"))
  end
end)

T.done()
