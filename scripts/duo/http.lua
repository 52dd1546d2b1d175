-- duo.http: plain HTTPS for the services around Duo (a PSA, a webhook, a
-- SIEM), on the same event loop and libcurl transport as Duo's calls: it
-- yields inside a task and blocks outside one.
--
--   local status, headers, body = duo.http.request{
--     method = "GET", url = "https://psa.example.com/api/companies?page=1",
--     headers = { Authorization = "Basic …" }, timeout = 30 }
--
-- Any HTTP status is returned, not raised: the caller knows what a 404 of
-- its service means. Failures with no answer (network, timeout, TLS) raise
-- a duo.Error. TLS is always verified (the system store unless `ca` names
-- a PEM file or "pinned"). GET, and any request marked idempotent, is
-- retried on 429, 5xx, resets and timeouts as Duo's reads are; other
-- requests only when they certainly never left. Traces and logs show the
-- host and the path, never a header or a query value. Under --dry-run a
-- request that is not idempotent is printed (host, path, body size) and
-- not sent, and request returns nil. `secret_path = true` says that the
-- URL's path is itself a secret (a chat webhook's token): then traces,
-- errors and --dry-run show the host and "/..." only. The sandbox simulates Duo only:
-- duo.http goes to the network there too.
local sessions = require "duo._session"
local envs = require "duo.env"
local json = require "duo.json"
local errors = require "duo.error"
local options = require "duo.options"
local scheduler = require "duo.scheduler"
local termtext = require "duo.termtext"

local M = {}

local SPEC = {
  method = { "string", values = { "GET", "POST", "PUT", "PATCH", "DELETE" } },
  url = "string", headers = "table", body = "string", json = "table|boolean|number|string",
  idempotent = "boolean", timeout = "number", connect_timeout = "number", ca = "string",
  proxy = "string", max_retries = "integer", max_backoff = "number", user_agent = "string",
  deadline = "number", max_response_bytes = "integer", secret_path = "boolean",
}

local function has_header(headers, name)
  for k in pairs(headers) do
    if type(k) == "string" and k:lower() == name then return true end
  end
  return false
end

-- Whether a Content-Type names JSON (application/json, …+json).
local function is_json(content_type)
  if type(content_type) ~= "string" then return false end
  local media = content_type:match("^%s*([^;%s]+)")
  return media ~= nil and (media:lower() == "application/json" or media:lower():find("%+json$") ~= nil)
end

local function host_path(url, secret_path)
  local host, path = url:match("^https://([^/?#]*)([^?#]*)")
  if secret_path then path = "/..." end
  return (host or ""):gsub("^.*@", ""), (path ~= "" and path or "/")
end

local function dry_run(req, body)
  local host, path = host_path(req.url, req.secret_path)
  io.stderr:write(termtext.format("dry-run: %s https://%s%s (%d bytes of body)\n", req.method, host, path,
                                  body and #body or 0))
end

-- duo.http.request{ method, url, headers, body | json, idempotent, and
-- the transport options of SPEC section 4 } -> status, headers, body.
function M.request(opts)
  if type(opts) ~= "table" then options.arg_error("request", 1, "table expected, got " .. type(opts)) end
  local req = options.check(opts, SPEC, "request", 1)
  if req.method == nil then options.arg_error("request", 1, "'method' is required") end
  if req.url == nil then options.arg_error("request", 1, "'url' is required") end
  if not req.url:find("^https://[^/?#%s]") then
    options.arg_error("request", 1, "'url' must be an https:// URL, got " .. string.format("%q", req.url))
  end
  if req.body ~= nil and req.json ~= nil then options.arg_error("request", 1, "give 'body' or 'json', not both") end
  local headers = {}
  for k, v in pairs(req.headers or {}) do
    if type(k) ~= "string" or type(v) ~= "string" then
      options.arg_error("request", 1, "'headers' must map names to string values")
    end
    if not k:find("^[!#$%%&'*+.^_`|~%w-]+$") or v:find("[\r\n%z]") then
      options.arg_error("request", 1, string.format("header %q: a name is a token and a value one line", k))
    end
    headers[k] = v
  end
  local body = req.body
  if req.json ~= nil then
    body = json.encode(req.json)
    if not has_header(headers, "content-type") then headers["Content-Type"] = "application/json" end
  end
  if not has_header(headers, "accept") then headers.Accept = "application/json, */*;q=0.5" end
  local idempotent = req.idempotent or req.method == "GET"
  if envs.current().dry_run and not idempotent then
    dry_run(req, body)
    return nil
  end
  local wire = { method = req.method, url = req.url, headers = headers, body = body, idempotent = idempotent }
  for k in pairs(SPEC) do
    if wire[k] == nil and k ~= "json" then wire[k] = req[k] end
  end
  local result = scheduler.await(sessions.http(wire))
  local host, path = host_path(req.url, req.secret_path)
  if result.error then
    error(errors.new{ kind = result.error, message = (result.message or "request failed")
                        .. (result.note and ("; " .. result.note) or ""),
                      method = req.method, path = path, host = host, attempts = result.attempts }, 0)
  end
  local decoded = result.body
  if decoded ~= "" and is_json(result.headers["content-type"]) then
    local parsed, value = pcall(json.decode, decoded)
    if parsed then decoded = value end
  end
  return result.status, result.headers, decoded
end

return M
