-- export-logs' checkpoint identifies the administrator log events of its
-- last second by their fields: the same text on every platform, so a
-- checkpoint written on Windows is read the same on Linux (issue 22).
local T = require "testing"
local json = require "duo.json"
local logexport = require "workflows.lib.logexport"

local id = logexport.KINDS.administrator.id

T.test("a JSON null field has one fixed form, not a pointer's", function()
  local e = { timestamp = 1700000000, username = "alice", action = "user_update", object = json.null,
              description = json.null }
  local key = id(e)
  T.eq(key, "1700000000\31alice\31user_update\31\0null\31\0null")
  T.truthy(not key:find("userdata", 1, true), "no tostring of json.null in " .. key)
end)

T.test("null, a missing field and the text \"null\" are three keys", function()
  local base = { timestamp = 1, username = "u", action = "a", description = "d" }
  local function with(v)
    local e = {}
    for k, x in pairs(base) do e[k] = x end
    e.object = v
    return id(e)
  end
  T.truthy(with(json.null) ~= with(nil), "null vs missing")
  T.truthy(with(json.null) ~= with("null"), "null vs \"null\"")
end)

T.done()
