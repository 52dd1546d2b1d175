-- The method reference and duo.help come from the catalogue; the committed
-- scripts/REFERENCE.md must be what the catalogue generates today.
local T = require "testing"
local duo = require "duo"
local docs = require "duo.docs"
local catalogue = require "duo.catalogue"
local catalogue_check = require "duo.catalogue_check"

T.test("every catalogue row is well-formed; a malformed one is named", function()
  T.eq(catalogue_check.check(), true)
  local bad = { name = "get_thing", api = "admin", app = "admin", resource = "things", verb = "GET",
                path = "/admin/v1/things/{thing_id}", permission = "Grant read resource", summary = "x" }
  T.raises(function() catalogue_check.check{ bad } end,
           "catalogue: row admin.get_thing: path parameter 'thing_id' is not a required argument")
end)

T.test("the _iterator twins are derived from their page-or-all rows, just before them", function()
  local n = 0
  for i, row in ipairs(catalogue.methods) do
    if row.stream then
      local twin = catalogue.methods[i - 1]
      T.eq(twin.name, row.name .. "_iterator")
      T.eq(catalogue.by_name[row.api][twin.name], twin)
      T.eq(twin.paging, "offset")
      T.eq(twin.summary, row.stream)
      T.eq(twin.path, row.path)
      T.eq(twin.max_limit, row.max_limit)
      T.eq(table.concat(twin.args, ","), table.concat(row.args, ","))
      local named = {}
      for _, a in ipairs(row.named) do if a ~= "limit" and a ~= "offset" then named[#named + 1] = a end end
      T.eq(table.concat(twin.named, ","), table.concat(named, ","))
      n = n + 1
    end
  end
  T.eq(n >= 14, true)
  local bad = { name = "get_things", api = "admin", app = "admin", resource = "things", verb = "GET",
                path = "/admin/v1/things", permission = "Grant read resource", summary = "x",
                stream = "y" }
  T.raises(function() catalogue_check.check{ bad } end,
           "catalogue: row admin.get_things: stream is the summary of a page%-or%-all row's twin")
end)

T.test("scripts/REFERENCE.md is current", function()
  local f = assert(io.open("../../scripts/REFERENCE.md", "rb"))
  local committed = f:read("a")
  f:close()
  T.truthy(committed == docs.markdown(),
           "regenerate it: duo-lua -e 'io.write(require(\"duo.docs\").markdown())' > scripts/REFERENCE.md")
end)

T.test("the records' fields: duo.help topics and the reference; every method they name exists", function()
  local records = require "duo.records"
  local text = docs.markdown()
  for _, name in ipairs{ "user", "phone", "admin", "bypass_code", "authentication_log", "administrator_log",
                         "telephony_log" } do
    local r = records.by_name[name]
    T.truthy(r, name)
    local help = duo.help(name)
    T.truthy(help and help:find(r.title, 1, true), name .. ": " .. tostring(help))
    T.truthy(text:find("### " .. name .. ": ", 1, true), name .. " in REFERENCE.md")
    for w in r.methods:gmatch("[%a_]+") do
      if w:find("_") then T.truthy(catalogue.by_name.admin[w], name .. " names the method " .. w) end
    end
    for _, f in ipairs(r.fields) do
      T.truthy(text:find("| `" .. f[1] .. "` |", 1, true), name .. "." .. f[1] .. " in REFERENCE.md")
    end
  end
  local user = duo.help("user")
  for _, s in ipairs{ "is_enrolled", '"locked out"', '"pending deletion"', "last_login", "lockout_reason" } do
    T.truthy(user:find(s, 1, true), s)
  end
  T.truthy(duo.help("records"):find('"telephony_log"', 1, true))
  T.truthy(duo.help("output"):find("require the module workflows.lib.output", 1, true))
  T.truthy(duo.help("output"):find("MAX_CELL", 1, true))
  T.truthy(duo.help("each_child"):find("ordered = true", 1, true))
  T.truthy(text:find("## Helpers for scripts", 1, true))
end)

T.test("every method is in the reference", function()
  local text = docs.markdown()
  for _, row in ipairs(catalogue.methods) do
    T.truthy(text:find("`" .. row.name .. "(", 1, true), row.name)
  end
end)

T.test("duo.help shows arguments, paging, keys and permission", function()
  local text = duo.help("get_users")
  T.truthy(text:find("admin:get_users%(%[{ limit, offset }%]%)"), text)
  T.truthy(text:find("page-or-all", 1, true), text)
  T.truthy(text:find("Grant read resource", 1, true), text)
  text = duo.help("admin.sync_user")
  T.truthy(text:find("sync_user(username, directory_key)", 1, true), text)
  T.truthy(text:find("POST /admin/v1/users/directorysync/{directory_key}/syncuser", 1, true), text)
  text = duo.help("get_edition")
  T.truthy(text:find("accounts:child", 1, true), text)
  local none, msg = duo.help("get_userz")
  T.eq(none, nil)
  T.truthy(msg:find("no method 'get_userz'", 1, true), msg)
  T.eq((duo.help(42)), nil)
end)

T.test("the rows of duo-endpoints-extra.json: on their clients, in duo.help with source and certainty", function()
  local per_api, medium = {}, 0
  local text = docs.markdown()
  for _, row in ipairs(catalogue.methods) do
    if row.source then
      per_api[row.api] = (per_api[row.api] or 0) + 1
      local help = assert(duo.help(row.api .. "." .. row.name))
      T.truthy(help:find("source:     " .. row.source, 1, true), help)
      T.truthy(help:find("certainty:  " .. row.certainty, 1, true), help)
      local line = text:match("\n(| `" .. row.name:gsub("%p", "%%%0") .. "%(.-)\n")
      T.truthy(line, row.name .. " in the reference")
      if row.certainty == "medium" then
        medium = medium + 1
        T.truthy(line:find("| **medium**: ", 1, true), line)
        T.truthy(help:find("check Duo's API documentation", 1, true), help)
      else
        T.truthy(not line:find("**medium**", 1, true), line)
      end
    end
  end
  T.eq(per_api.admin, 63, "Admin API rows")
  T.eq(per_api.device, 8, "Device API rows")
  T.eq(medium, 39, "medium-certainty rows")
  T.truthy(duo.help("device.get_device_caches"):find("device:get_device_caches(mkey, status)", 1, true))
  T.truthy(duo.help("get_bypass_code_by_id"):find("GET /admin/v1/bypass_codes/{bypass_code_id}", 1, true))
end)

T.test("duo.help 'cjson' says how it differs from duo.json, and the differences are real", function()
  local text = duo.help("cjson")
  T.truthy(text and text:find("float", 1, true), tostring(text))
  local cjson, json = require "cjson", require "duo.json"
  T.eq(math.type(cjson.decode("[3]")[1]), "float", "cjson: numbers are floats")
  T.eq(math.type(json.decode("[3]")[1]), "integer", "duo.json: integers stay")
  T.eq(cjson.encode(cjson.decode("[]")), "{}", "cjson: [] comes back as {}")
  T.eq(json.encode(json.decode("[]")), "[]")
  T.eq(cjson.encode("\255"), '"\255"', "cjson passes invalid UTF-8 through")
  T.raises(function() json.encode("\255") end, "invalid UTF%-8")
  T.eq(duo.null, cjson.null, "one null")
end)

T.done()
