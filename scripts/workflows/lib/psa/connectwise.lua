-- ConnectWise Manage (PSA): companies and service tickets, as
-- tests/data/psa_facts.md records the documented API.
--   psa = { kind = "connectwise", site = "na.myconnectwise.net", company = "acme",
--           public_key = "…", private_key = env "CW_PRIVATE_KEY", client_id = "GUID",
--           codebase = "v4_6_release", conditions = '…' }
local http = require "workflows.lib.psa.http"

local M = {}

M.KEYS = { site = "string", company = "string", public_key = "string", private_key = "string",
           client_id = "string", codebase = "string", conditions = "string" }
M.REQUIRED = { "site", "company", "public_key", "private_key", "client_id" }
M.SECRETS = { "private_key" }
M.DEFAULT_CONDITIONS = 'deletedFlag=false and status/name="Active"'
M.PAGE_SIZE = 1000   -- the documented maximum
-- Keys of a psa_ticket channel for this kind.
M.TICKET_KEYS = { board = "string", closed_status = "string" }
M.TICKET_REQUIRED = { "board" }

local Source = {}
Source.__index = Source

function M.connect(settings, where)
  local conn = http.new(settings, "connectwise", where)
  local site = settings.site:gsub("^https://", ""):gsub("/+$", "")
  local self = setmetatable({ conn = conn }, Source)
  self.base = string.format("https://%s/%s/apis/3.0/", site, settings.codebase or "v4_6_release")
  self.headers = {
    Authorization = "Basic " .. http.base64(settings.company .. "+" .. settings.public_key .. ":"
                                            .. settings.private_key),
    clientId = settings.client_id,
    Accept = "application/json",
  }
  self.conditions = settings.conditions or M.DEFAULT_CONDITIONS
  return self
end

-- What a refusal means, in terms of the psa keys.
function Source:refused(status, body, what)
  local detail = http.describe(body)
  if status == 401 then
    self.conn:fail("%s: the keys were refused (401%s): check psa.company (the company ID you log in with), "
                   .. "psa.public_key and psa.private_key (an API member's key pair: System > Members > API Members)",
                   what, detail ~= "" and (" " .. detail) or "")
  elseif status == 400 and detail:lower():find("clientid", 1, true) then
    self.conn:fail("%s: the clientId was refused (400): set psa.client_id to your integration's GUID from "
                   .. "developer.connectwise.com (My Clients)", what)
  elseif status == 403 then
    self.conn:fail("%s: the API member may not do this (403): give its security role %s", what,
                   what:find("ticket", 1, true) and "Service Desk > Service Tickets (Add, Edit)"
                   or "Companies > Company Maintenance (Inquire)")
  end
  self.conn:fail("%s: HTTP %s%s", what, tostring(status), detail ~= "" and (": " .. detail) or "")
end

function Source:call(method, path, what, body)
  local status, headers, doc = self.conn:request{ method = method, url = self.base .. path, headers = self.headers,
                                                  json = body, what = what }
  if status < 200 or status > 299 then self:refused(status, doc, what) end
  return doc, headers
end

-- The URL of rel="next" in a Link header, or nil.
local function next_link(value)
  if type(value) ~= "string" then return nil end
  for target, params in value:gmatch("<([^>]*)>([^,]*)") do
    if params:find('rel="?next"?') then return target end
  end
end

-- Every company the conditions select: { id, name, domains = { website host } }.
function Source:companies(domains_of)
  local out = {}
  local path = "company/companies?" .. http.query{ { "conditions", self.conditions }, { "fields", "id,name,website" },
                                                  { "page", "1" }, { "pageSize", tostring(M.PAGE_SIZE) } }
  local page = 1
  while path do
    local doc, headers = self:call("GET", path, "company/companies")
    if type(doc) ~= "table" then self.conn:fail("company/companies: the answer is not a JSON array") end
    for _, c in ipairs(doc) do
      if c.id ~= nil and type(c.name) == "string" then
        out[#out + 1] = { id = tostring(math.tointeger(c.id) or c.id), name = c.name, domains = domains_of{ c.website } }
      end
    end
    local nxt = next_link(http.header(headers, "Link"))
    if nxt then
      path = nxt:sub(1, #self.base) == self.base and nxt:sub(#self.base + 1) or nil
      if path == nil then self.conn:fail("company/companies: the next page is on another site: %s", nxt) end
    elseif #doc >= M.PAGE_SIZE and http.header(headers, "Link") == nil then
      page = page + 1   -- a server without Link headers: page on until a short page
      path = "company/companies?" .. http.query{ { "conditions", self.conditions }, { "fields", "id,name,website" },
                                                { "page", tostring(page) }, { "pageSize", tostring(M.PAGE_SIZE) } }
    else
      path = nil
    end
  end
  return out
end

-- Tickets (the psa_ticket channel) ------------------------------------------

local function number_id(conn, id)
  local n = math.tointeger(tonumber(id))
  if n == nil then conn:fail("'%s' is not a ConnectWise id (a whole number)", tostring(id)) end
  return n
end

-- Opens a ticket on the board of the channel; returns its id (a string).
function Source:open_ticket(channel, company_id, summary, details)
  if #summary > 100 then summary = summary:sub(1, 97) .. "..." end   -- the documented limit
  local doc = self:call("POST", "service/tickets", "ticket", {
    summary = summary, board = { name = channel.board }, company = { id = number_id(self.conn, company_id) },
    initialDescription = details,
  })
  if type(doc) ~= "table" or doc.id == nil then self.conn:fail("ticket: the answer has no ticket id") end
  return tostring(math.tointeger(doc.id) or doc.id)
end

function Source:add_note(channel, ticket_id, text)
  self:call("POST", "service/tickets/" .. number_id(self.conn, ticket_id) .. "/notes", "ticket note",
            { text = text, internalAnalysisFlag = true })
end

function Source:close_ticket(channel, ticket_id)
  self:call("PATCH", "service/tickets/" .. number_id(self.conn, ticket_id), "ticket status", {
    { op = "replace", path = "status", value = { name = channel.closed_status or "Closed" } },
  })
end

return M
