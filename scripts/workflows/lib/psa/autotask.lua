-- Autotask (Datto/Kaseya) REST: companies and tickets, as
-- tests/data/psa_facts.md records the documented API. The zone is found
-- from the API user unless zone_url names it.
--   psa = { kind = "autotask", username = "api@example.com", secret = env "AT_SECRET",
--           integration_code = env "AT_INTEGRATION_CODE" }
local http = require "workflows.lib.psa.http"
local json = require "duo.json"

local M = {}

M.KEYS = { username = "string", secret = "string", integration_code = "string", zone_url = "string",
           discovery_url = "string" }
M.REQUIRED = { "username", "secret", "integration_code" }
M.SECRETS = { "secret", "integration_code" }
M.DISCOVERY = "https://webservices.autotask.net/atservicesrest"
M.TICKET_KEYS = { queue_id = "number", priority = "number", status = "number", complete_status = "number",
                  note_type = "number" }
M.TICKET_REQUIRED = { "queue_id" }

local Source = {}
Source.__index = Source

function M.connect(settings, where)
  local self = setmetatable({ conn = http.new(settings, "autotask", where), settings = settings }, Source)
  self.headers = { ApiIntegrationcode = settings.integration_code, UserName = settings.username,
                   Secret = settings.secret, ["Content-Type"] = "application/json" }
  return self
end

-- The zone's REST root ("https://webservicesN.autotask.net/atservicesrest/v1.0/").
function Source:base()
  if self.root then return self.root end
  local zone = self.settings.zone_url
  if zone == nil then
    local discovery = http.base_url(self.conn, "discovery_url", self.settings.discovery_url or M.DISCOVERY)
    local status, _, doc = self.conn:request{ method = "GET", what = "zoneInformation",
      url = discovery .. "/v1.0/zoneInformation?" .. http.query{ { "user", self.settings.username } },
      headers = { Accept = "application/json" } }
    if status ~= 200 or type(doc) ~= "table" or type(doc.url) ~= "string" then
      self.conn:fail("zoneInformation: no zone for the API user (HTTP %s): check psa.username (the API user's "
                     .. "e-mail address, Admin > Resources (Users) > API user)", tostring(status))
    end
    zone = doc.url
  end
  self.root = http.base_url(self.conn, "zone_url", zone) .. "/v1.0/"
  return self.root
end

function Source:refused(status, body, what)
  local detail = http.describe(body)
  if status == 401 then
    self.conn:fail("%s: the API user was refused (401): check psa.username, psa.secret and psa.integration_code "
                   .. "(the API user's Security tab: its secret and the API tracking identifier)", what)
  elseif status == 403 then
    self.conn:fail("%s: the API user may not do this (403): its security level needs %s", what,
                   what:find("ticket", 1, true) and "Service Desk > Tickets (add, edit)" or "CRM > Organizations (view)")
  end
  self.conn:fail("%s: HTTP %s%s", what, tostring(status), detail ~= "" and (": " .. detail) or "")
end

-- A request to the zone: path relative to it, or an absolute URL (a nextPageUrl).
function Source:call(method, path, what, body)
  local url = path:find("^https://") and path or (self:base() .. path)
  local status, _, doc = self.conn:request{ method = method, url = url, headers = self.headers, json = body,
                                            what = what }
  if status < 200 or status > 299 then self:refused(status, doc, what) end
  if type(doc) ~= "table" then self.conn:fail("%s: the answer is not JSON", what) end
  return doc
end

function Source:companies(domains_of)
  local search = json.encode{ filter = { { op = "eq", field = "isActive", value = true } },
                              IncludeFields = { "id", "companyName", "webAddress", "isActive" } }
  local out = {}
  local url = "Companies/query?" .. http.query{ { "search", search } }
  local pages = 0
  while url do
    local doc = self:call("GET", url, "Companies/query")
    pages = pages + 1
    for _, c in ipairs(doc.items or {}) do
      if c.id ~= nil and type(c.companyName) == "string" and c.isActive ~= false then
        out[#out + 1] = { id = tostring(math.tointeger(c.id) or c.id), name = c.companyName,
                          domains = domains_of{ c.webAddress } }
      end
    end
    local details = doc.pageDetails
    url = type(details) == "table" and type(details.nextPageUrl) == "string" and details.nextPageUrl or nil
    if url and not url:find("^https://") then self.conn:fail("Companies/query: nextPageUrl is not https: %s", url) end
    if pages > 10000 then self.conn:fail("Companies/query: more than 10000 pages; is the server looping?") end
  end
  return out
end

-- Tickets ---------------------------------------------------------------------

local function number_id(conn, id)
  local n = math.tointeger(tonumber(id))
  if n == nil then conn:fail("'%s' is not an Autotask id (a whole number)", tostring(id)) end
  return n
end

function Source:open_ticket(channel, company_id, summary, details)
  if #summary > 255 then summary = summary:sub(1, 252) .. "..." end
  local doc = self:call("POST", "Tickets", "ticket", {
    companyID = number_id(self.conn, company_id), queueID = math.tointeger(channel.queue_id), title = summary,
    description = details, status = math.tointeger(channel.status or 1),
    priority = math.tointeger(channel.priority or 2),
  })
  if doc.itemId == nil then self.conn:fail("ticket: the answer has no itemId") end
  return tostring(math.tointeger(doc.itemId) or doc.itemId)
end

function Source:add_note(channel, ticket_id, text)
  local id = number_id(self.conn, ticket_id)
  self:call("POST", "Tickets/" .. id .. "/Notes", "ticket note", {
    ticketID = id, title = "duo-lua", description = text, noteType = math.tointeger(channel.note_type or 1),
    publish = 1,
  })
end

function Source:close_ticket(channel, ticket_id)
  self:call("PATCH", "Tickets", "ticket status", { id = number_id(self.conn, ticket_id),
                                                   status = math.tointeger(channel.complete_status or 5) })
end

return M
