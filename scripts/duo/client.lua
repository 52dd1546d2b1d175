-- Clients of the Admin, Accounts and Auth APIs: a session (credentials and
-- transport options, held in C) plus the generic signed call.
local core = require "duo.core"
local json = require "duo.json"
local errors = require "duo.error"
local scheduler = require "duo.scheduler"

local M = {}

-- Options a client accepts; the first group goes to the C session.
local SESSION_OPTIONS = {
  host = "string", ikey = "string", skey = "string", sig_version = "number",
  timeout = "number", connect_timeout = "number", ca = "string", proxy = "string",
  max_retries = "number", max_backoff = "number", user_agent = "string",
}
local CLIENT_OPTIONS = { concurrency = "number", account_id = "string" }

local BODY_METHODS = { POST = true, PUT = true, PATCH = true }
local METHODS = { GET = true, POST = true, PUT = true, PATCH = true, DELETE = true }

local Client = {}
Client.__index = Client
M.Client = Client

-- Checks an options table: every key known, every value of its type.
function M.check_options(opts, fname, allowed_sets)
  for k, v in pairs(opts) do
    local want
    for _, set in ipairs(allowed_sets) do want = want or set[k] end
    if want == nil then
      error(string.format("bad argument #1 to '%s' (unknown option '%s')", fname, tostring(k)), 3)
    end
    if type(v) ~= want then
      error(string.format("bad argument #1 to '%s' ('%s' must be a %s, got %s)",
                          fname, k, want, type(v)), 3)
    end
  end
end

-- Creates a client of the given API ("admin", "accounts", "auth") from a
-- complete options table.
function M.new(api, opts, fname)
  M.check_options(opts, fname, { SESSION_OPTIONS, CLIENT_OPTIONS })
  for _, k in ipairs{ "host", "ikey", "skey" } do
    if opts[k] == nil or opts[k] == "" then
      errors.config("%s: '%s' is missing: give it in the options, a profile of the config file, "
                    .. "or DUO_%s_%s", fname, k, api:upper(), k:upper())
    end
  end
  local session_opts = {}
  for k in pairs(SESSION_OPTIONS) do session_opts[k] = opts[k] end
  local ok, session = pcall(core.session, session_opts)
  if not ok then
    -- core.session's argument errors name itself; say which constructor
    local msg = tostring(session):gsub("^bad argument #1 to '[^']*'", "bad argument #1 to '" .. fname .. "'")
    error(msg, 3)
  end
  return M.wrap(api, session, opts.host, opts.ikey, opts.account_id, opts.concurrency)
end

-- A client over an existing session. The secret key lives only in the
-- session (C memory), never in the client table.
function M.wrap(api, session, host, ikey, account_id, concurrency)
  return setmetatable({
    api = api,
    host = host,
    ikey = ikey,
    account_id = account_id,
    concurrency = concurrency,
    _session = session,
  }, Client)
end

function Client:__tostring()
  local s = string.format("duo.%s (%s at %s", self.api, self.ikey, self.host)
  if self.account_id then s = s .. ", account " .. self.account_id end
  return s .. ")"
end

-- Turns a finished request into (response, metadata) or raises duo.Error.
local function decode(result, ctx)
  local function fail(fields)
    for k, v in pairs(ctx) do if fields[k] == nil then fields[k] = v end end
    fields.attempts = result.attempts
    error(errors.new(fields), 0)
  end
  if result.error then
    local message = result.message
    if result.error == "timeout" then
      message = message .. " (raise the 'timeout' option if the server is just slow)"
    elseif result.error == "tls" then
      message = message .. " (behind TLS inspection? use ca = \"system\" or a PEM file)"
    end
    fail{ kind = result.error, message = message }
  end
  local body = result.body
  if ctx.raw and result.status >= 200 and result.status < 300 then
    return body
  end
  local ok, envelope = pcall(json.decode, body)
  if not ok or type(envelope) ~= "table" then
    local start = body:sub(1, 120):gsub("%s+", " ")
    fail{ kind = "http", status = result.status,
          message = (#body == 0 and "empty response" or "response is not JSON: " .. string.format("%q", start)) }
  end
  if envelope.stat == "OK" and result.status >= 200 and result.status < 300 then
    local response = envelope.response
    local metadata = envelope.metadata
    if metadata == nil and type(response) == "table" and type(response.metadata) == "table"
       and not json.is_array(response) then
      metadata = response.metadata   -- some v2 listings nest it
    end
    return response, metadata
  end
  local code = tonumber(envelope.code)
  if envelope.stat == "FAIL" or code then
    local detail = envelope.message_detail
    if detail == json.null then detail = nil end
    fail{ kind = "api", status = result.status, code = code and math.tointeger(code) or code,
          message = envelope.message ~= json.null and envelope.message or "request failed",
          detail = detail }
  end
  fail{ kind = "http", status = result.status, message = "unexpected response envelope" }
end

-- Starts a request and returns its operation (for fan-out helpers).
function Client:_start(method, path, params, extra)
  local req = { method = method, path = path }
  params = params or {}
  if self.account_id and params.account_id == nil then
    local copy = {}
    for k, v in pairs(params) do copy[k] = v end
    copy.account_id = self.account_id
    params = copy
  end
  if BODY_METHODS[method] and self._session:info().sig_version == 5 then
    req.body = json.encode(params)
  else
    req.params = params
  end
  if extra then
    req.headers = extra.headers
    req.unsigned = extra.unsigned
  end
  req.outbox = M.outbox
  return self._session:request(req)
end

-- client:call(method, path [, params [, opts]]) -> response, metadata
-- opts: raw = true returns the body bytes of a successful answer (logos);
-- headers = extra X-Duo headers; unsigned = true for GET /auth/v2/ping.
function Client:call(method, path, params, opts)
  if type(method) ~= "string" then
    error(string.format("bad argument #1 to 'call' (string expected, got %s)", type(method)), 2)
  end
  method = method:upper()
  if not METHODS[method] then
    error("bad argument #1 to 'call' (method must be GET, POST, PUT, PATCH or DELETE)", 2)
  end
  if type(path) ~= "string" or path:sub(1, 1) ~= "/" then
    error(string.format("bad argument #2 to 'call' (a path starting with '/' expected, got %s)",
                        type(path) == "string" and string.format("%q", path) or type(path)), 2)
  end
  if params ~= nil and type(params) ~= "table" then
    error(string.format("bad argument #3 to 'call' (table expected, got %s)", type(params)), 2)
  end
  opts = opts or {}
  local op = self:_start(method, path, params, opts)
  local result = scheduler.await(op)
  return decode(result, { method = method, path = path, host = self.host,
                          account_id = self.account_id, raw = opts.raw })
end

M.decode = decode
return M
