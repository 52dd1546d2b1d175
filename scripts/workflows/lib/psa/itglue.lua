-- IT Glue: organizations and their domains (JSON:API), as
-- tests/data/psa_facts.md records the documented API. IT Glue keeps
-- documentation, not tickets: it has no ticket API, so psa_ticket refuses it.
--   psa = { kind = "itglue", api_key = env "ITGLUE_API_KEY", url = "https://api.itglue.com" }
local http = require "workflows.lib.psa.http"

local M = {}

M.KEYS = { api_key = "string", url = "string" }
M.REQUIRED = { "api_key" }
M.SECRETS = { "api_key" }
M.DEFAULT_URL = "https://api.itglue.com"
M.PAGE_SIZE = 1000   -- the documented maximum
M.NO_TICKETS = "IT Glue keeps documentation and has no ticket API: give psa_ticket a profile whose psa is "
               .. "ConnectWise, Autotask or HaloPSA"

local Source = {}
Source.__index = Source

function M.connect(settings, where)
  local self = setmetatable({ conn = http.new(settings, "itglue", where) }, Source)
  self.url = http.base_url(self.conn, "url", settings.url or M.DEFAULT_URL)
  self.headers = { ["x-api-key"] = settings.api_key, Accept = "application/vnd.api+json",
                   ["Content-Type"] = "application/vnd.api+json" }
  return self
end

-- Every item of a JSON:API listing, following links.next.
function Source:each(path, what, fn)
  local url = self.url .. path .. "?" .. http.query{ { "page[size]", tostring(M.PAGE_SIZE) }, { "page[number]", "1" } }
  while url do
    local status, _, doc = self.conn:request{ method = "GET", url = url, headers = self.headers, what = what }
    if status == 401 then
      self.conn:fail("%s: the API key was refused (401): check psa.api_key (Account > Settings > API Keys; "
                     .. "keys unused for 90 days expire) and psa.url (EU: https://api.eu.itglue.com)", what)
    elseif status == 403 then
      self.conn:fail("%s: the API key may not read this (403): create it as an Administrator", what)
    elseif status ~= 200 or type(doc) ~= "table" then
      local detail = http.describe(doc)
      self.conn:fail("%s: HTTP %s%s", what, tostring(status), detail ~= "" and (": " .. detail) or "")
    end
    for _, item in ipairs(doc.data or {}) do fn(item, item.attributes or {}) end
    local links = doc.links
    url = type(links) == "table" and type(links.next) == "string" and links.next or nil
    if url and not url:find("^https://") then self.conn:fail("%s: links.next is not https", what) end
  end
end

function Source:companies(domains_of)
  local out, by_id = {}, {}
  self:each("/organizations", "organizations", function(item, a)
    local status = type(a["organization-status-name"]) == "string" and a["organization-status-name"]:lower() or ""
    if item.id ~= nil and type(a.name) == "string" and status ~= "inactive" then
      local c = { id = tostring(item.id), name = a.name, hosts = {} }
      out[#out + 1] = c
      by_id[c.id] = c
    end
  end)
  self:each("/domains", "domains", function(_, a)
    local org = a["organization-id"] and by_id[tostring(math.tointeger(a["organization-id"]) or a["organization-id"])]
    if org and type(a.name) == "string" then org.hosts[#org.hosts + 1] = a.name end
  end)
  for _, c in ipairs(out) do
    c.domains = domains_of(c.hosts)
    c.hosts = nil
  end
  return out
end

return M
