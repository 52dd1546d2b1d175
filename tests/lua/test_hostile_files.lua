-- Hostile and odd files (issue 14): a mapping store keeps the fields this
-- version does not know exactly as written (null stays null, 1.0 stays
-- 1.0), and a number no double can hold is refused when the store is read,
-- naming the file and the line, instead of failing at save time.
local T = require "testing"
local json = require "duo.json"
local store = require "workflows.lib.store"

local tmp = os.tmpname()
os.remove(tmp)
assert(os.execute("mkdir -p " .. tmp))

local function write(name, text)
  local path = tmp .. "/" .. name
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  return path
end

local function read(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read("a")
  f:close()
  return text
end

T.test("unknown store fields survive a load and save as they were", function()
  local path = write("m.json", '{"format": 1.0, "organizations": [\n'
                               .. '{"name": "Acme", "note": null, "weight": 1.0, "rank": 2, "duo_account_id": null}\n]}')
  local s = store.load(path)
  T.eq(s.organizations[1].note, json.null, "an unknown null is kept")
  T.eq(s.organizations[1].duo_account_id, nil, "a known null means absent")
  store.save(s)
  local text = read(path)
  T.truthy(text:find('"format": 1.0,', 1, true), text)
  T.truthy(text:find('{"name":"Acme","note":null,"rank":2,"weight":1.0}', 1, true), text)
  T.eq(store.encode(store.load(path)), text, "stable")
end)

T.test("a number out of range is refused at load, naming file and line", function()
  local path = write("huge.json", '{"organizations": [\n{"name": "Acme",\n "score": 1e400}\n]}')
  local err = T.raises(function() store.load(path) end, "not valid: number out of range on line 3")
  T.truthy(tostring(err):find(path, 1, true), tostring(err))
end)

os.execute("rm -rf " .. tmp)
T.done()
