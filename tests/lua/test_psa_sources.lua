-- The four PSA sources against their loopback servers (SPEC section 9):
-- every active company with the right id, name and domains over several
-- pages; a wrong key is one clear line without a secret; a 429 is waited out.
local T = require "testing"
local P = require "psatest"
local psa = require "workflows.lib.psa"

local function source(kind, settings)
  return require("workflows.lib.psa." .. kind).connect(settings or P.settings(kind), "profile 'test'")
end

local function sorted(t)
  local c = {}
  for i, v in ipairs(t) do c[i] = v end
  table.sort(c)
  return c
end

for _, kind in ipairs(P.KINDS) do
  T.test(kind .. ": every active company, with ids, names and domains, over several pages", function()
    P.reset(kind)
    local got = source(kind):companies(psa.domains_of)
    local want = P.expected(kind)
    T.eq(#want, 2500, "active companies on the server")
    T.eq(#got, #want, "companies read")
    local by_id = {}
    for _, c in ipairs(got) do
      T.eq(by_id[c.id], nil, "company " .. c.id .. " read twice")
      by_id[c.id] = c
    end
    for _, w in ipairs(want) do
      local c = T.truthy(by_id[w.id], "company " .. w.id .. " (" .. w.name .. ")")
      T.eq(c.name, w.name, "name of " .. w.id)
      T.same(sorted(c.domains), sorted(w.domains), "domains of " .. w.name)
    end
    T.truthy(P.stats(kind).pages >= 3, "several pages were served")
  end)

  T.test(kind .. ": a wrong key is one line that names the key and shows no secret", function()
    local settings = P.settings(kind)
    settings[P.SPOILED[kind]] = "WrongSecretValue9876"
    local err = T.raises(function() source(kind, settings):companies(psa.domains_of) end)
    local msg = tostring(err)
    T.eq(msg:find("\n"), nil, "one line: " .. msg)
    T.truthy(msg:find("psa." .. P.SPOILED[kind], 1, true), "names psa." .. P.SPOILED[kind] .. ": " .. msg)
    T.truthy(msg:find("profile 'test'", 1, true), "names the profile: " .. msg)
    T.eq(msg:find("WrongSecretValue9876", 1, true), nil, "the wrong secret is not shown")
    T.eq(msg:find(P.SECRETS[kind], 1, true), nil, "no secret is shown")
  end)

  T.test(kind .. ": 429s with Retry-After are waited out", function()
    P.reset(kind)
    P.throttle(kind, 2, 1)
    local got = source(kind):companies(psa.domains_of)
    T.eq(#got, 2500, "companies read after the 429s")
    T.eq(P.stats(kind).throttled, 2, "429s served")
  end)
end

T.test("an unknown kind and an unknown key are refused by name", function()
  T.raises(function() psa.module("freshdesk", "profile 'x'") end, "'kind' must be one of connectwise, autotask")
  local http = require "workflows.lib.psa.http"
  local cw = require "workflows.lib.psa.connectwise"
  local s = P.settings("connectwise")
  s.pubic_key = "x"
  T.raises(function() http.check_keys(s, cw.KEYS, cw.REQUIRED, "connectwise", "profile 'x'") end,
           "unknown key 'pubic_key'")
  s.pubic_key, s.client_id = nil, nil
  T.raises(function() http.check_keys(s, cw.KEYS, cw.REQUIRED, "connectwise", "profile 'x'") end,
           "'client_id' is missing")
end)

T.test("autotask: the zone comes from zoneInformation, and an unknown user says which key", function()
  local s = P.settings("autotask")
  s.username = "nobody@duotest.example"
  T.raises(function() source("autotask", s):companies(psa.domains_of) end, "check psa.username")
end)

T.done()
