-- The private seam's shared pieces: the options checker (names, kinds,
-- whole floats, the error at the caller's line), and percent-encoding and
-- base64 from C.
local T = require "testing"
local duo = require "duo"
local options = require "duo.options"
local signing = require "duo._sign"

local HERE = "test_options.lua:"

T.test("unknown options are refused by name, at the caller's line", function()
  local line = debug.getinfo(1, "l").currentline + 1
  local e = T.raises(function() duo.parallel({}, print, { concurency = 2 }) end)
  T.eq(e, HERE .. line .. ": bad argument #3 to 'parallel' (unknown option 'concurency')")
  line = debug.getinfo(1, "l").currentline + 1
  e = T.raises(function() duo.admin{ host = "h", ikey = "i", skey = "s", colour = 1 } end)
  T.eq(e, HERE .. line .. ": bad argument #1 to 'admin' (unknown option 'colour')")
  line = debug.getinfo(1, "l").currentline + 1
  e = T.raises(function() duo.configure{ per_host = 0 } end)
  T.eq(e, HERE .. line .. ": bad argument #1 to 'configure' ('per_host' must be an integer >= 1, got 0)")
end)

T.test("whole floats count as integers; others are refused clearly", function()
  local r = duo.parallel({ 1, 2, 3 }, function(i) return i * 2 end, { concurrency = 2.0, progress = false })
  T.eq(r[3], 6)
  duo.configure{ per_host = 16.0 }
  local checked = options.check({ n = 3.0 }, { n = "integer" }, "f", 1)
  T.eq(math.type(checked.n), "integer")
  T.raises(function() duo.parallel({}, print, { concurrency = 2.5 }) end,
           "'concurrency' must be an integer, got 2.5")
  T.raises(function() duo.parallel({}, print, { progress = "yes" }) end,
           "'progress' must be \"auto\", \"status\", true or false, got \"yes\"")
  T.raises(function() options.check({ n = 0 / 0 }, { n = "number" }, "f", 1) end, "'n' must be a number")
  T.raises(function() options.check({ s = 1 }, { s = "string|table" }, "f", 1) end,
           "'s' must be a string or a table, got 1")
  T.raises(function() options.check("x", { s = "string" }, "f", 2) end, "bad argument #2 to 'f' %(table expected")
  local client = duo.admin{ host = "h", ikey = "i", skey = "s", max_retries = 2.0, sig_version = 5.0,
                            timeout = 10.0, concurrency = 4.0 }
  T.eq(math.type(client.concurrency), "integer")
  T.raises(function() duo.admin{ host = "h", ikey = "i", skey = "s", max_retries = 2.5 } end,
           "bad argument #1 to 'admin' %('max_retries' must be a whole number, got 2.5%)")
  local c = duo.canonicalize{ version = 5.0, method = "GET", host = "api-x.duosecurity.com", path = "/p",
                              date = "Tue, 21 Aug 2012 17:29:18 -0000" }
  T.truthy(c:find("^Tue"), c)
  T.raises(function()
    duo.canonicalize{ version = 5.5, method = "GET", host = "h", path = "/p", date = "d" }
  end, "'version' must be a whole number, got 5.5")
end)

T.test("percent-encoding: Duo's unreserved set, upper-case hex, bytes", function()
  T.eq(signing.percent_encode("aZ09-._~"), "aZ09-._~")
  T.eq(signing.percent_encode("a b+c/é"), "a%20b%2Bc%2F%C3%A9")
  T.eq(signing.percent_encode("\0\255"), "%00%FF")
  T.eq(signing.percent_encode(12), "12")
end)

T.test("base64: RFC 4648 vectors both ways; junk is refused", function()
  local vectors = { [""] = "", f = "Zg==", fo = "Zm8=", foo = "Zm9v", foob = "Zm9vYg==",
                    fooba = "Zm9vYmE=", foobar = "Zm9vYmFy", ["\0\255\128"] = "AP+A" }
  for plain, encoded in pairs(vectors) do
    T.eq(signing.base64_encode(plain), encoded, plain)
    T.eq(signing.base64_decode(encoded), plain, encoded)
  end
  T.eq(signing.base64_decode("Zm9v\nYmFy"), "foobar", "whitespace ignored")
  T.eq(signing.base64_decode("Zm9vYmE"), "fooba", "padding optional")
  T.eq(signing.base64_decode("Zm9v!"), nil)
  T.eq(signing.base64_decode("Zg==Zg=="), nil, "data after padding")
  local all = {}
  for i = 0, 255 do all[#all + 1] = string.char(i) end
  all = table.concat(all)
  T.eq(signing.base64_decode(signing.base64_encode(all)), all)
end)

T.done()
