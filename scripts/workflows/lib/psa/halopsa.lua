-- HaloPSA: clients and tickets, as tests/data/psa_facts.md records the
-- documented API: an OAuth2 client-credentials token, then /api.
--   psa = { kind = "halopsa", url = "https://acme.halopsa.com", tenant = "acme",
--           client_id = "…", client_secret = env "HALO_CLIENT_SECRET" }
local http = require "workflows.lib.psa.http"

local M = {}

M.KEYS = { url = "string", auth_url = "string", tenant = "string", client_id = "string",
           client_secret = "string", scope = "string" }
M.REQUIRED = { "url", "client_id", "client_secret" }
M.SECRETS = { "client_secret" }
M.PAGE_SIZE = 100
M.TICKET_KEYS = { tickettype_id = "number", team = "string", closed_status_id = "number", outcome = "string" }
M.TICKET_REQUIRED = {}

local Source = {}
Source.__index = Source

function M.connect(settings, where)
  local self = setmetatable({ conn = http.new(settings, "halopsa", where), settings = settings }, Source)
  self.url = http.base_url(self.conn, "url", settings.url)
  self.auth_url = http.base_url(self.conn, "auth_url", settings.auth_url or (self.url .. "/auth"))
  return self
end

function Source:token()
  if self.bearer then return self.bearer end
  local s = self.settings
  local target = self.auth_url .. "/token"
  if s.tenant then target = target .. "?" .. http.query{ { "tenant", s.tenant } } end
  local status, _, doc = self.conn:request{ method = "POST", url = target, what = "auth/token",
    headers = { ["Content-Type"] = "application/x-www-form-urlencoded", Accept = "application/json" },
    body = http.query{ { "grant_type", "client_credentials" }, { "client_id", s.client_id },
                       { "client_secret", s.client_secret }, { "scope", s.scope or "all" } } }
  if status ~= 200 or type(doc) ~= "table" or type(doc.access_token) ~= "string" then
    local err = type(doc) == "table" and doc.error or nil
    if err == "invalid_client" or status == 401 then
      self.conn:fail("auth/token: the application was refused (%s): check psa.client_id and psa.client_secret "
                     .. "(Configuration > Integrations > Halo API > View Applications, authentication method "
                     .. "Client ID and Secret)", tostring(status))
    elseif err == "invalid_scope" then
      self.conn:fail("auth/token: the scope was refused: give the application the 'all' permission, or set psa.scope")
    end
    self.conn:fail("auth/token: no token (HTTP %s%s): check psa.url%s", tostring(status),
                   err and (", " .. tostring(err)) or "", s.tenant and " and psa.tenant" or
                   " (a hosted Halo also needs psa.tenant)")
  end
  self.bearer = "Bearer " .. doc.access_token
  return self.bearer
end

function Source:call(method, path, what, body, renewed)
  local status, _, doc = self.conn:request{ method = method, url = self.url .. "/api/" .. path, what = what,
    headers = { Authorization = self:token(), Accept = "application/json" }, json = body }
  if status == 401 and not renewed then   -- the token may have expired during a long run: once more
    self.bearer = nil
    return self:call(method, path, what, body, true)
  elseif status == 401 then
    self.conn:fail("%s: the token was refused (401): check that psa.url is the resource server of psa.auth_url", what)
  elseif status == 403 then
    self.conn:fail("%s: the application may not do this (403): give it the 'all' permission (or %s)", what,
                   what:find("ticket", 1, true) and "edit:tickets" or "read:customers")
  elseif status < 200 or status > 299 then
    local detail = http.describe(doc)
    self.conn:fail("%s: HTTP %s%s", what, tostring(status), detail ~= "" and (": " .. detail) or "")
  end
  if type(doc) ~= "table" then self.conn:fail("%s: the answer is not JSON", what) end
  return doc
end

function Source:companies(domains_of)
  local out, page, total = {}, 1, nil
  repeat
    local doc = self:call("GET", "Client?" .. http.query{ { "pageinate", "true" }, { "page_size", tostring(M.PAGE_SIZE) },
                                                          { "page_no", tostring(page) }, { "includeinactive", "false" } },
                          "Client")
    local list = doc.clients or {}
    total = math.tointeger(doc.record_count) or total
    for _, c in ipairs(list) do
      if c.id ~= nil and type(c.name) == "string" and c.inactive ~= true then
        out[#out + 1] = { id = tostring(math.tointeger(c.id) or c.id), name = c.name,
                          domains = domains_of{ c.website, c.emailaddress } }
      end
    end
    page = page + 1
    local more = #list > 0 and (total == nil and #list >= M.PAGE_SIZE or total ~= nil and (page - 1) * M.PAGE_SIZE < total)
  until not more
  return out
end

-- Tickets ---------------------------------------------------------------------

local function number_id(conn, id)
  local n = math.tointeger(tonumber(id))
  if n == nil then conn:fail("'%s' is not a Halo id (a whole number)", tostring(id)) end
  return n
end

-- Halo takes an array and answers with the ticket (or an array of them).
local function first(doc)
  if doc[1] ~= nil then return doc[1] end
  return doc
end

function Source:open_ticket(channel, company_id, summary, details)
  local doc = first(self:call("POST", "Tickets", "ticket", { {
    summary = summary, details = details, client_id = number_id(self.conn, company_id),
    tickettype_id = math.tointeger(channel.tickettype_id), team = channel.team,
  } }))
  if doc.id == nil then self.conn:fail("ticket: the answer has no ticket id") end
  return tostring(math.tointeger(doc.id) or doc.id)
end

function Source:add_note(channel, ticket_id, text)
  self:call("POST", "Actions", "ticket note", { {
    ticket_id = number_id(self.conn, ticket_id), note = text, outcome = channel.outcome or "Private Note",
    hiddenfromuser = true,
  } })
end

function Source:close_ticket(channel, ticket_id)
  self:call("POST", "Tickets", "ticket status", { {
    id = number_id(self.conn, ticket_id), status_id = math.tointeger(channel.closed_status_id or 9),
  } })
end

return M
