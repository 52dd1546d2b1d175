-- The Lua half of the REPL (scripts/duo/repl.lua): Tab completion, the
-- history filter, help texts. The terminal side is tests/repl/test_repl.py.
local T = require "testing"
local repl = require "duo.repl"
local duo = require "duo"

-- What a Tab press on `line` turns it into, and the listing it shows.
local function tab(line, width)
  local delete, insert, listing = repl.complete(line, width or 80)
  return line:sub(1, #line - delete) .. insert, listing
end

_G.duo = duo
_G.sample = { alpha = 1, alpine = 2, beta = { gamma = 3 }, ["with space"] = 4, _hidden = 5 }
_G.admin = duo.admin{ host = "api-x.example.com", ikey = "DIXXXXXXXXXXXXXXXXXX", skey = ("s"):rep(40) }


T.test("globals and keywords", function()
  T.eq(tab("string.fo"), "string.format")
  T.eq(tab("x = pri"), "x = print")
  T.eq(tab("loc"), "local")
  local line, listing = tab("s")
  T.eq(line, "s")
  T.truthy(listing:find("string", 1, true) and listing:find("select", 1, true), "listing")
end)

T.test("fields of modules and tables", function()
  T.eq(tab("duo.adm"), "duo.admin")
  T.eq(tab("sample.al"), "sample.alp")
  local line, listing = tab("sample.alp")
  T.eq(line, "sample.alp")
  T.eq(listing, "alpha  alpine")
  T.eq(tab("sample.beta.g"), "sample.beta.gamma")
  local _, all = tab("sample.")
  T.truthy(not all:find("_hidden", 1, true), "private names stay hidden")
  T.eq(tab("sample._h"), "sample._hidden")
  T.eq(tab('sample["with'), 'sample["with space"]')
  T.eq(tab("nosuchthing.x"), "nosuchthing.x")
  T.eq(tab("(x).y"), "(x).y")
end)

T.test("methods after a colon", function()
  T.eq(tab("s = ('x'):up"), "s = ('x'):up")   -- not a name: nothing
  T.eq(tab("io.stdout:wr"), "io.stdout:write")
  local _, listing = tab("sample:")
  T.eq(listing, nil)   -- no functions in sample
end)

T.test("client methods", function()
  local _, listing = tab("admin:cal")
  T.truthy(listing == nil or listing:find("call", 1, true), "call listed")
  T.eq(tab("admin:get_user_by_i"), "admin:get_user_by_id")
  local line, listing = tab("admin:get_user_by_")
  T.eq(line, "admin:get_user_by_")
  T.truthy(listing:find("get_user_by_id(user_id)", 1, true), "arguments shown: " .. tostring(listing))
  local _, hint = tab("admin:get_user_by_id")
  T.truthy(hint:find("GET /admin/v1/users/{user_id}", 1, true), "complete name: its doc")
  local _, call = tab("u = admin:get_user_by_id(")
  T.truthy(call:find("admin:get_user_by_id(user_id)", 1, true), "hint inside the call")
  local _, many = tab("admin:", 100)
  T.truthy(many:find("get_users", 1, true) and many:find("methods;", 1, true), "all methods in columns")
end)

T.test("indentation on an empty line", function()
  T.eq(tab(""), "  ")
  T.eq(tab("   "), "     ")
end)

T.test("history filter", function()
  T.eq(repl.keep_in_history("admin:get_users()"), true)
  T.eq(repl.keep_in_history("admin:get_tokens()"), true)
  T.eq(repl.keep_in_history("   "), false)
  T.eq(repl.keep_in_history('c = duo.admin{ skey = "x" }'), false)
  T.eq(repl.keep_in_history('SECRET = 1'), false)
  T.eq(repl.keep_in_history('k = "' .. ("Ab1"):rep(14) .. '"'), false)
  T.eq(repl.keep_in_history('password = "hunter2"'), false)
end)

-- issue 14: a key typed as two string pieces went into the history
T.test("history filter: keys built from pieces", function()
  local a, b = ("Ab1"):rep(7), ("Cd2"):rep(7) -- 21 + 21 characters
  T.eq(repl.keep_in_history(string.format('k = "%s" .. "%s"', a, b)), false, "two literals")
  T.eq(repl.keep_in_history(string.format("k = '%s'..'%s'", a, b)), false, "single quotes, no spaces")
  T.eq(repl.keep_in_history(string.format('k = [[%s]] .. [[%s]]', a, b)), false, "long strings")
  T.eq(repl.keep_in_history(string.format('k = first .. "%s"', b)), false, "a long piece joined to a variable")
  T.eq(repl.keep_in_history(string.format('k = "%s" .. rest', a)), false, "a variable joined to a long piece")
  T.eq(repl.keep_in_history('c = duo.admin{ ["s" .. "key"] = k }'), false, "the name in pieces still says key")
  T.eq(repl.keep_in_history('opts.mkey = k'), false, "mkey")
  T.eq(repl.keep_in_history('print("user" .. n .. "@example.com")'), true, "ordinary concatenation is kept")
  T.eq(repl.keep_in_history('print("a", "b")'), true)
end)

T.test("help texts", function()
  T.truthy(repl.doc():find("help(admin)", 1, true), "general help")
  T.truthy(repl.doc(nil):find("no value", 1, true), "nil")
  T.truthy(repl.doc(admin):find("Admin API client", 1, true), "client")
  T.truthy(not repl.doc(admin):find("sss", 1, true), "no secret in help")
  T.truthy(repl.doc(string.format):find("string.format", 1, true), "library function")
  T.truthy(repl.doc({ a = 1 }):find("1 string keys", 1, true), "table")
  local doc = repl.doc("admin.get_users")
  T.truthy(doc:find("GET /admin/v1/users", 1, true), doc)
  T.truthy(doc:find("optional:   limit, offset", 1, true), doc)
  T.truthy(doc:find("paging:     page-or-all", 1, true), doc)
  T.truthy(doc:find("keys:       Admin API", 1, true), doc)
  T.truthy(doc:find("permission: Grant read resource", 1, true), doc)
  T.eq(repl.doc("get_users"), doc)
  T.truthy(repl.doc("get_userz"):find("no method 'get_userz'", 1, true))
  T.truthy(repl.doc("user_by"):find("get_user_by_id", 1, true), "similar names")
  local m = admin.get_user_by_id
  T.eq(type(m), "function", "a method value")
  T.truthy(repl.doc(m):find("required:   user_id", 1, true), "method value")
end)

T.test("results", function()
  local out = {}
  local real = print
  _G.print = function(s) out[#out + 1] = s end
  local ok, err = pcall(repl.show, 1, nil, { a = duo.null })
  _G.print = real
  assert(ok, err)
  T.eq(out[1], "1\tnil\t{ a = null }")
end)

T.done()
