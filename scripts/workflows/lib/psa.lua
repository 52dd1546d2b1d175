-- The PSA of a profile (SPEC section 9): the `psa` block names its kind
-- and credentials; this picks the kind's module, checks the block, and
-- reads every active company as the rows a companies file gives
-- ({ id, name, domains }), each marked with `source` = the kind.
--
--   local psa = require "workflows.lib.psa"
--   local list, kind = psa.companies()          -- the profile in force
--   local ok, message = psa.check("main")       -- for -w check
--   local desk = psa.tickets(nil, channel)      -- open_ticket / add_note / close_ticket
local errors = require "duo.error"
local companies_file = require "workflows.lib.companies"
local http = require "workflows.lib.psa.http"

local M = {}

M.KINDS = { "connectwise", "autotask", "halopsa", "itglue" }
local MODULES = {}
for _, k in ipairs(M.KINDS) do MODULES[k] = "workflows.lib.psa." .. k end

-- The kind's module, or an error naming the kinds there are.
function M.module(kind, where)
  if MODULES[kind] == nil then
    errors.config("psa (%s): 'kind' must be one of %s, got %s", where, table.concat(M.KINDS, ", "),
                  kind == nil and "nothing" or ("'" .. tostring(kind) .. "'"))
  end
  return require(MODULES[kind])
end

-- The checked psa block of a profile, its kind's module and "profile 'x'".
function M.settings(profile)
  local config = require "duo.config"
  local p, pname = config.profile(profile)
  local where = string.format("profile '%s'", pname)
  local s = p.psa
  if s == nil then
    errors.config("%s has no psa: add psa = { kind = \"connectwise\" | \"autotask\" | \"halopsa\" | \"itglue\", … } "
                  .. "(README: \"Companies from the PSA\")", where)
  end
  local mod = M.module(s.kind, where)
  http.check_keys(s, mod.KEYS, mod.REQUIRED, s.kind, where)
  return s, mod, where
end

-- The domains a company's records hold: URLs count as their hosts, e-mail
-- addresses as their domains; what is not a domain is left out.
function M.domains_of(values)
  local out, seen = {}, {}
  for _, v in pairs(values) do
    if type(v) == "string" then
      for word in v:gmatch("[^;,%s]+") do
        local d = companies_file.clean_domain(word)
        if d and d ~= "" and not seen[d] then
          seen[d] = true
          out[#out + 1] = d
        end
      end
    end
  end
  return out
end

-- A connected source of the profile's PSA, and its kind.
function M.open(profile)
  local s, mod, where = M.settings(profile)
  return mod.connect(s, where), s.kind
end

-- Every active company of the profile's PSA: { id, name, domains, source }.
function M.companies(profile)
  local source, kind = M.open(profile)
  local list = source:companies(M.domains_of)
  if #list == 0 then
    errors.config("psa (%s): the PSA answered with no active companies; check the API user's permissions", kind)
  end
  for _, c in ipairs(list) do c.source = kind end
  return list, kind
end

-- For -w check: reads the companies; returns the check row's fields.
function M.check(profile)
  local ok, list, kind = pcall(M.companies, profile)
  if ok then return "ok", string.format("%s: %d active companies", kind, #list) end
  return "error", tostring(list):gsub("^duo: ", "")
end

-- The ticket functions of the profile's PSA for a psa_ticket channel,
-- after checking the channel's keys (the kind's TICKET_KEYS plus
-- company_id and the channel's own `extra` names).
function M.tickets(profile, channel, where, extra)
  local s, mod, pwhere = M.settings(profile)
  if mod.NO_TICKETS then errors.config("%s: %s", where or "psa_ticket", mod.NO_TICKETS) end
  local allowed = { company_id = true, kind = true }
  for k in pairs(mod.TICKET_KEYS) do allowed[k] = true end
  for k in pairs(extra or {}) do allowed[k] = true end
  for k, v in pairs(channel) do
    if not allowed[k] and not http.TRANSPORT[k] then
      local names = {}
      for n in pairs(mod.TICKET_KEYS) do names[#names + 1] = n end
      table.sort(names)
      errors.config("%s: unknown key '%s' for a %s ticket (known: company_id, %s)", where or "psa_ticket",
                    tostring(k), s.kind, table.concat(names, ", "))
    end
    local want = mod.TICKET_KEYS[k]
    if want and type(v) ~= want then
      errors.config("%s: '%s' must be a %s, got %s", where or "psa_ticket", k, want, type(v))
    end
  end
  for _, k in ipairs(mod.TICKET_REQUIRED) do
    if channel[k] == nil then
      errors.config("%s: a %s ticket needs '%s'", where or "psa_ticket", s.kind, k)
    end
  end
  return mod.connect(s, pwhere), s.kind
end

return M
