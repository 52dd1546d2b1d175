-- The wire side of the simulation: parses a request exactly as the client
-- put it on the wire (method, URL, header lines, body), and checks what the
-- service checks before any route runs: credentials, signature and date
-- (the signature is recomputed with the C core and the integration's
-- secret key), the application type, and the child account of an Accounts
-- API call on the Admin API.
local loop = require "duo._loop"
local signing = require "duo._sign"
local json = require "duo.json"
local reply = require "sandbox.reply"

local M = {}

-- For the routes that take a file upload (the logo): base64 as the C core
-- decodes it, so the sandbox's other files need no C seam of their own.
M.base64_decode = signing.base64_decode

M.MAX_SKEW = 300   -- seconds between the request's Date and the service's clock

local function unescape(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

-- "a=1&b=x%20y&a=2" -> { a = { "1", "2" }, b = "x y" }
function M.parse_query(q)
  local out = {}
  if q == nil or q == "" then return out end
  for pair in q:gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=(.*)$")
    if k == nil then k, v = pair, "" end
    k, v = unescape(k:gsub("%+", " ")), unescape(v:gsub("%+", " "))
    local old = out[k]
    if old == nil then
      out[k] = v
    elseif type(old) == "table" then
      old[#old + 1] = v
    else
      out[k] = json.array{ old, v }
    end
  end
  return out
end

-- Parses one attempt as handed out by op:wire(). Returns the request, or
-- nil and a failure (a body that is not JSON).
function M.parse(method, url, header_lines, body)
  local host, target = url:match("^https?://([^/]+)(/.*)$")
  if host == nil then host, target = "", url end
  local path, query = target:match("^([^?]*)%??(.*)$")
  local req = {
    method = method, url = url, host = host, path = path, query_string = query,
    headers = {}, x_duo = {}, body = body,
  }
  for _, line in ipairs(header_lines) do
    local name, value = line:match("^([^:]+):%s*(.-)%s*$")
    if name then
      local lname = name:lower()
      req.headers[lname] = value
      if lname:sub(1, 6) == "x-duo-" then req.x_duo[lname] = value end
    end
  end
  req.query = M.parse_query(query)
  local ctype = (req.headers["content-type"] or ""):match("^([^;%s]+)")
  ctype = ctype and ctype:lower()
  local params = {}
  for k, v in pairs(req.query) do params[k] = v end
  if body ~= nil and ctype == "application/json" then
    req.json_body = true
    local ok, obj = pcall(json.decode, body)
    if not ok or type(obj) ~= "table" or json.is_array(obj) then
      return nil, reply.failure(40002, "the body is not a JSON object")
    end
    for k, v in pairs(obj) do params[k] = v end
  elseif body ~= nil and ctype == "application/x-www-form-urlencoded" then
    req.form = M.parse_query(body)
    for k, v in pairs(req.form) do params[k] = v end
  end
  req.params = params
  return req
end

-- "Basic base64(ikey:signature)" -> ikey, signature
function M.parse_authorization(value)
  if type(value) ~= "string" then return nil end
  local b64 = value:match("^[Bb]asic%s+(%S+)$")
  local decoded = b64 and signing.base64_decode(b64)
  if decoded == nil then return nil end
  local ikey, sig = decoded:match("^([^:]+):(.+)$")
  return ikey, sig
end

local MONTHS = { Jan = 1, Feb = 2, Mar = 3, Apr = 4, May = 5, Jun = 6, Jul = 7, Aug = 8, Sep = 9,
                 Oct = 10, Nov = 11, Dec = 12 }

-- Days since 1970-01-01 of a civil date (proleptic Gregorian).
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = (153 * mp + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end
M.days_from_civil = days_from_civil

-- An RFC 2822 date ("Tue, 21 Aug 2012 17:29:18 -0000") -> Unix seconds.
function M.parse_date(s)
  if type(s) ~= "string" then return nil end
  local d, mon, y, hh, mm, ss, zone =
    s:match("^%s*%a*,?%s*(%d%d?)%s+(%a%a%a)%s+(%d%d%d%d)%s+(%d%d):(%d%d):(%d%d)%s*(%S*)%s*$")
  if d == nil or MONTHS[mon] == nil then return nil end
  local offset = 0
  local sign, zh, zm = zone:match("^([+-])(%d%d)(%d%d)$")
  if sign then
    offset = (tonumber(zh) * 3600 + tonumber(zm) * 60) * (sign == "-" and -1 or 1)
  elseif zone ~= "" and zone ~= "GMT" and zone ~= "UTC" and zone ~= "UT" and zone ~= "Z" then
    return nil
  end
  local days = days_from_civil(tonumber(y), MONTHS[mon], tonumber(d))
  return days * 86400 + tonumber(hh) * 3600 + tonumber(mm) * 60 + tonumber(ss) - offset
end

-- The Authorization value the service expects for this request under
-- signature version `version`, signed with `skey`.
local function expected(req, version, ikey, skey)
  local spec = { version = version, method = req.method, host = req.host, path = req.path,
                 date = req.headers.date, ikey = ikey, skey = skey }
  if req.form then
    spec.params = req.form
  else
    spec.params = req.query
  end
  if version == 5 then
    if req.json_body then spec.body = req.body end
    if next(req.x_duo) then spec.headers = req.x_duo end
  elseif req.json_body then
    return nil   -- v2 signs no body: a JSON body cannot be v2-signed
  end
  local ok, auth = pcall(signing.sign, spec)
  return ok and auth or nil
end

-- Checks the credentials, signature and date of a signed request against
-- the tenant's integrations. Returns the integration and the account that
-- owns it, or raises a failure.
function M.authenticate(state, req)
  local value = req.headers.authorization
  if value == nil then
    reply.fail(40101, "no Authorization header")
  end
  local ikey = M.parse_authorization(value)
  if ikey == nil then
    reply.fail(40101, "the Authorization header must be Basic base64(ikey:signature)")
  end
  req.ikey = ikey
  local found = state:integration(ikey)
  if found == nil then
    reply.fail(40102, "integration key " .. ikey .. " is not an integration of the sandbox tenant")
  end
  if req.headers.date == nil then
    reply.fail(40104, "no Date header")
  end
  local integration = found.integration
  local good = false
  for _, version in ipairs{ 5, 2 } do
    local want = expected(req, version, ikey, integration.secret_key)
    if want ~= nil and want == value then
      req.sig_version = version
      good = true
      break
    end
  end
  if not good then reply.fail(40103) end
  local when = M.parse_date(req.headers.date)
  if when == nil then
    reply.fail(40105, "the Date header is not an RFC 2822 date")
  end
  if math.abs(when - loop.unix_time()) > M.MAX_SKEW then
    reply.fail(40105, string.format("the Date is more than %d seconds from the service's clock", M.MAX_SKEW))
  end
  return integration, found.account
end

-- The application type an integration's type acts as.
local APP_OF_TYPE = { adminapi = "admin", accountsapi = "accounts", authapi = "auth", deviceapi = "device" }
M.APP_OF_TYPE = APP_OF_TYPE

-- Which account a request acts on, after the application type check:
-- Admin API keys act on their own account; the parent's Accounts API keys
-- on /admin act on the child named by account_id, which must be served on
-- the host the request went to; Auth API keys on their own account.
-- `row` is the catalogue row of the endpoint (its app and accounts_only).
function M.resolve_account(state, req, row, integration, owner)
  local app = APP_OF_TYPE[integration.type]
  local prefix = req.path:match("^/([^/]+)/")
  local detail_app = function(needed)
    return string.format("%s keys (%s) cannot call %s %s: it needs %s keys", integration.type,
                         integration.integration_key, req.method, req.path, needed)
  end
  if prefix == "accounts" then
    if app ~= "accounts" then reply.fail(40102, detail_app("Accounts API")) end
    if owner ~= state.parent then reply.fail(40102, "only the parent's Accounts API keys manage child accounts") end
    return owner
  elseif prefix == "auth" or prefix == "rest" then
    if app ~= "auth" then reply.fail(40102, detail_app("Auth API")) end
    return owner
  elseif prefix == "device" then
    if app ~= "device" then reply.fail(40102, detail_app("Device API")) end
    return owner
  end
  -- /admin
  if app == "accounts" then
    local id = req.params.account_id
    if id == nil then
      reply.fail(40102, "Accounts API keys need an account_id parameter on the Admin API")
    end
    if type(id) ~= "string" then reply.bad_param("account_id") end
    local child = state:child(id)
    if child == nil then
      reply.fail(40401, "no child account " .. id .. " under this parent")
    end
    if child.api_hostname:lower() ~= req.host:lower() then
      reply.fail(40301, string.format("account %s is served by %s, not %s", id, child.api_hostname, req.host))
    end
    if row and row.accounts_only and not state.parent.billing_enabled then
      reply.fail(40301, "billing endpoints are not enabled for this parent account (Duo support enables them)")
    end
    return child
  elseif app == "admin" then
    if row and row.accounts_only then
      reply.fail(40102, "billing endpoints need the parent's Accounts API keys with a child account_id")
    end
    if owner.api_hostname:lower() ~= req.host:lower() then
      reply.fail(40102, string.format("integration %s belongs to %s, not %s", integration.integration_key,
                                      owner.api_hostname, req.host))
    end
    return owner
  end
  reply.fail(40102, detail_app("Admin API"))
end

-- Admin API permission names and the integration flags that grant them.
M.PERMISSION_FLAGS = {
  ["Grant read resource"] = "adminapi_read_resource",
  ["Grant write resource"] = "adminapi_write_resource",
  ["Grant read log"] = "adminapi_read_log",
  ["Grant settings"] = "adminapi_settings",
  ["Grant administrators"] = "adminapi_admins",
  ["Grant applications"] = "adminapi_integrations",
  ["Grant read information"] = "adminapi_info",
}

-- 40301 when an Admin API integration lacks the row's permission.
function M.check_permission(integration, row)
  if integration.type ~= "adminapi" or row.permission == nil then return end
  local flag = M.PERMISSION_FLAGS[row.permission]
  if flag and integration[flag] ~= 1 and integration[flag] ~= true then
    reply.fail(40301, string.format("the integration lacks the '%s' permission", row.permission))
  end
end

return M
