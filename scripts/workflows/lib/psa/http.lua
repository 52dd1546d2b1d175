-- What the four PSA sources share on the wire: requests through duo.http
-- with the psa block's transport options (ca "system" unless given: a PSA's
-- certificate is from a public CA, not one of Duo's pinned roots), a 429 waited out for as long as
-- its Retry-After says (a bounded number of times, for any verb: a 429 was
-- refused, not done), JSON bodies decoded whatever their media type, and
-- one-line errors that name the psa key to fix and never a secret.
--
--   local http = require "workflows.lib.psa.http"
--   local conn = http.new(settings, "connectwise", "profile 'main'")
--   local status, headers, body = conn:request{ method = "GET", url = …, headers = { … } }
--   conn:fail("the keys were refused (%d): check psa.public_key", status)   -- raises
local errors = require "duo.error"
local json = require "duo.json"
local host = require "workflows.lib.host"

local M = {}

M.MAX_429 = 6          -- 429s in a row waited out before giving up
M.MAX_WAIT = 120       -- the longest Retry-After honoured, in seconds

-- The transport options (SPEC section 4) a psa block may carry.
M.TRANSPORT = { ca = "string", proxy = "string", timeout = "number" }

local Conn = {}
Conn.__index = Conn

function M.percent(s)
  return host.percent_encode(tostring(s))
end

function M.base64(s)
  return host.base64_encode(s)
end

-- A query string from a list of { name, value } pairs (order kept).
function M.query(pairs_list)
  local out = {}
  for i, p in ipairs(pairs_list) do out[i] = M.percent(p[1]) .. "=" .. M.percent(p[2]) end
  return table.concat(out, "&")
end

-- A response header by name, in any case.
function M.header(headers, name)
  if type(headers) ~= "table" then return nil end
  local want = name:lower()
  for k, v in pairs(headers) do
    if type(k) == "string" and k:lower() == want then
      return type(v) == "table" and v[1] or v
    end
  end
end

-- Seconds to wait for a Retry-After value (delta-seconds; an HTTP date
-- or nothing counts as the backoff of this attempt).
local function retry_after(value, attempt)
  local n = tonumber(value)
  if n and n >= 0 then return math.min(n, M.MAX_WAIT) end
  return math.min(2 ^ (attempt - 1), 32)
end

-- settings: the checked psa block; kind: its kind; where: "profile 'x'".
function M.new(settings, kind, where)
  return setmetatable({ settings = settings, kind = kind, where = where }, Conn)
end

-- Raises the one-line error of this source: "psa (KIND, WHERE): …".
function Conn:fail(fmt, ...)
  errors.config("psa (%s, %s): %s", self.kind, self.where, string.format(fmt, ...))
end

-- A request through duo.http: returns status, headers and the body,
-- decoded when it is JSON. 429s are waited out (M.MAX_429 times); the
-- last one is an error that says so.
function Conn:request(req)
  local duo = require "duo"
  local s = self.settings
  local r = { method = req.method, url = req.url, headers = req.headers, body = req.body, json = req.json,
              timeout = s.timeout, ca = s.ca or "system", proxy = s.proxy }
  for attempt = 1, M.MAX_429 + 1 do
    local ok, status, headers, body = pcall(duo.http.request, r)
    if not ok and errors.is_error(status) and status.kind == "http" and math.type(status.status) == "integer" then
      -- an HTTP status raised rather than returned: the same answer
      ok, status, headers, body = true, status.status, status.headers, status.body or status.detail
    end
    if not ok then
      local e = status
      -- no URL in the message: a query may hold a value worth hiding
      local what = errors.is_error(e) and (e.message or e.kind) or tostring(e)
      self:fail("%s %s failed: %s", req.method, req.what or "request", what)
    end
    if type(body) == "string" and body ~= "" and body:match("^%s*[%[{]") then
      local decoded_ok, doc = pcall(json.decode, body)
      if decoded_ok then body = doc end
    end
    if status ~= 429 then return status, headers, body end
    if attempt > M.MAX_429 then break end
    duo.sleep(retry_after(M.header(headers, "Retry-After"), attempt))
  end
  self:fail("%s %s: still rate limited (429) after %d waits; run again later", req.method, req.what or "request",
            M.MAX_429)
end

-- A short, secret-free description of an error body for messages.
function M.describe(body)
  if type(body) == "table" then
    local parts = {}
    local function add(v)
      if type(v) == "string" and v ~= "" then parts[#parts + 1] = v end
    end
    add(body.message); add(body.error); add(body.error_description)
    if type(body.errors) == "table" then
      for _, e in ipairs(body.errors) do
        if type(e) == "table" then add(e.title); add(e.detail) else add(e) end
      end
    end
    return table.concat(parts, "; "):sub(1, 200)
  end
  if type(body) == "string" then return (body:gsub("%s+", " ")):sub(1, 200) end
  return ""
end

-- Checks a psa block against the keys a kind allows (name -> Lua type);
-- required: names that must be there. Unknown keys are refused by name.
function M.check_keys(settings, allowed, required, kind, where)
  for k, v in pairs(settings) do
    local want = k == "kind" and "string" or allowed[k] or M.TRANSPORT[k]
    if want == nil then
      local names = {}
      for name in pairs(allowed) do names[#names + 1] = name end
      table.sort(names)
      errors.config("psa (%s, %s): unknown key '%s' (known: %s)", kind, where, tostring(k),
                    table.concat(names, ", "))
    end
    if type(v) ~= want then
      errors.config("psa (%s, %s): '%s' must be a %s, got %s", kind, where, k, want, type(v))
    end
  end
  for _, k in ipairs(required) do
    if settings[k] == nil or settings[k] == "" then
      errors.config("psa (%s, %s): '%s' is missing%s", kind, where, k,
                    allowed[k] == "string" and " (if it reads env \"NAME\", is that variable set?)" or "")
    end
  end
end

-- "https://host[:port][/path]" without a trailing slash, or an error.
function M.base_url(conn, key, value)
  if type(value) ~= "string" or not value:match("^https://[^/%s]+") then
    conn:fail("'%s' must be an https:// URL, got '%s'", key, tostring(value))
  end
  return (value:gsub("/+$", ""))
end

return M
