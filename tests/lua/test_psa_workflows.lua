-- The PSA in the workflows, as a user runs them: suggest-mappings
-- --companies psa --save, mappings list showing each entry's source,
-- mappings import psa, and -w check checking the psa set (with a wrong
-- key: one line, no secret, exit 1).
local T = require "testing"
local P = require "psatest"
local ts = require "testserver"
local json = require "duo.json"

local function workspace(kind, spoil)
  local W = require("workspace").new({ stdin_null = true })
  local cfg = W.write("srv.lua", string.format([[
return {
  default = "srv",
  profiles = {
    srv = {
      accounts = { host = "127.0.0.1:%s", ikey = %q, skey = %q },
      ca = %q,
      max_backoff = 0,
      mappings = "srv.mappings.json",
      psa = %s,
    },
  },
}
]], ts.port(), ts.keys.accounts.ikey, ts.keys.accounts.skey, ts.ca, P.block(kind, spoil)), "600")
  return W, "-c " .. cfg
end

local function no_secret(kind, text, what)
  T.eq(text:find(P.SECRETS[kind], 1, true), nil, what .. " shows no secret")
  T.eq(text:find("WrongSecretValue9876", 1, true), nil, what .. " shows no wrong secret")
end

for _, kind in ipairs(P.KINDS) do
  T.test(kind .. ": suggest-mappings --companies psa --save, then mappings list shows the source", function()
    local W, c = workspace(kind)
    local code, out, err = W.run(c .. " -w suggest-mappings --companies psa --format json --save --yes")
    T.eq(code, 0, "suggest-mappings exit status; stderr: " .. err)
    local doc = json.decode(out)
    T.eq(#doc.suggestions, 2500, "a suggestion per active company")
    local matched, statuses = 0, {}
    for _, s in ipairs(doc.suggestions) do
      if s.status == "matched" then matched = matched + 1 end
      if s.duo_account_id ~= json.null then statuses[#statuses + 1] = s.company .. "=" .. s.status end
    end
    T.truthy(matched >= 1, "a company matched to a child account: " .. table.concat(statuses, ", "))
    no_secret(kind, out .. err, "suggest-mappings")
    code, out, err = W.run(c .. " -w mappings list --format json")
    T.eq(code, 0, "mappings list; stderr: " .. err)
    local store = json.decode(out)
    T.truthy(#store.organizations >= 1, "saved organizations")
    for _, e in ipairs(store.organizations) do T.eq(e.source, kind, "source of " .. e.name) end
    code, out = W.run(c .. " -w mappings list")
    T.truthy(out:find("SOURCE", 1, true) and out:find(kind, 1, true), "the table shows the source:\n" .. out)
    W.remove()
  end)

  T.test(kind .. ": mappings import psa adds every company with its source, twice changes nothing", function()
    local W, c = workspace(kind)
    local code, out, err = W.run(c .. " -w mappings import psa --yes --format json")
    T.eq(code, 0, "import; stderr: " .. err)
    code, out = W.run(c .. " -w mappings list --format json")
    local store = json.decode(out)
    T.eq(#store.organizations, 2500, "organizations after the import")
    T.eq(store.organizations[1].source, kind, "source")
    T.eq(store.organizations[1].confirmed, false, "a PSA company alone is not a confirmed mapping")
    code, out, err = W.run(c .. " -w mappings import psa --yes")
    T.eq(code, 0, "second import; stderr: " .. err)
    T.truthy(out:find("0 added, 0 updated, 2500 unchanged", 1, true), "second import:\n" .. out)
    W.remove()
  end)

  T.test(kind .. ": -w check checks the psa set; a wrong key is one line, exit 1, no secret", function()
    local W, c = workspace(kind)
    local code, out, err = W.run(c .. " -w check --format json")
    local doc = json.decode(out)
    local row
    for _, r in ipairs(doc.checks) do if r.api == "psa" then row = r end end
    T.truthy(row, "a psa row")
    T.eq(row.status, "ok", "psa check: " .. tostring(row.message))
    T.truthy(row.message:find("2500 active companies", 1, true), "message: " .. row.message)
    W.remove()
    W, c = workspace(kind, true)
    code, out, err = W.run(c .. " -w check --format json")
    T.eq(code, 1, "check with a wrong psa key")
    doc = json.decode(out)
    for _, r in ipairs(doc.checks) do if r.api == "psa" then row = r end end
    T.eq(row.status, "error", "psa row status")
    T.truthy(row.message:find("psa." .. P.SPOILED[kind], 1, true), "names the key: " .. row.message)
    no_secret(kind, out .. err, "check")
    code, out, err = W.run(c .. " -w suggest-mappings --companies psa")
    T.eq(code, 1, "suggest-mappings with a wrong key")
    local lines = W.lines(err)
    T.eq(#lines, 1, "one line on stderr: " .. err)
    T.truthy(err:find("psa." .. P.SPOILED[kind], 1, true), "names the key: " .. err)
    no_secret(kind, out .. err, "suggest-mappings")
    W.remove()
  end)
end

T.test("a psa secret written into a config readable by others is refused with the chmod that fixes it", function()
  local W = require("workspace").new({ stdin_null = true })
  local cfg = W.write("open.lua", string.format([[
return { profiles = { p = { psa = %s } } }
]], P.block("itglue")), "644")
  local code, _, err = W.run("-c " .. cfg .. " -w suggest-mappings --companies psa")
  T.eq(code, 1, "exit status")
  T.truthy(err:find("chmod 600", 1, true), err)
  W.remove()
end)

T.test("--companies psa on a profile without a psa block says what to add", function()
  local W = require("workspace").new({ stdin_null = true })
  local cfg = W.write("none.lua", string.format([[
return { profiles = { p = { accounts = { host = "127.0.0.1:%s", ikey = %q, skey = %q }, ca = %q } } }
]], ts.port(), ts.keys.accounts.ikey, ts.keys.accounts.skey, ts.ca), "600")
  local code, _, err = W.run("-c " .. cfg .. " -w suggest-mappings --companies psa")
  T.eq(code, 1, "exit status")
  T.truthy(err:find("profile 'p' has no psa: add psa = {", 1, true), err)
  W.remove()
end)

T.done()
