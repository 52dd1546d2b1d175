-- Clients of the Admin, Accounts, Auth and Device APIs: a session (credentials and
-- transport options, held in C) plus the generic signed call, and one
-- method per row of the endpoint catalogue.
local loop = require "duo._loop"
local sessions = require "duo._session"
local termtext = require "duo.termtext"
local json = require "duo.json"
local errors = require "duo.error"
local options = require "duo.options"
local scheduler = require "duo.scheduler"
local catalogue = require "duo.catalogue"
local methods = require "duo.methods"
local paging = require "duo.paging"
local envs = require "duo.env"

local M = {}

-- Options a client accepts; the first group goes to the C session.
local SESSION_OPTIONS = {
  host = "string", ikey = "string", skey = "string", sig_version = "number",
  timeout = "number", connect_timeout = "number", ca = "string", proxy = "string",
  max_retries = "number", max_backoff = "number", user_agent = "string",
  deadline = "number", max_response_bytes = "number",
}
local CLIENT_OPTIONS = { concurrency = { "integer", min = 1 }, account_id = "string" }
-- the Device API's management system key, filled into every path
local DEVICE_OPTIONS = { mkey = "string" }
-- Every option a client accepts, per API.
local OPTIONS, DEVICE_CLIENT_OPTIONS = {}, {}
for _, set in ipairs{ SESSION_OPTIONS, CLIENT_OPTIONS } do
  for k, v in pairs(set) do OPTIONS[k], DEVICE_CLIENT_OPTIONS[k] = v, v end
end
for k, v in pairs(DEVICE_OPTIONS) do DEVICE_CLIENT_OPTIONS[k] = v end
local CALL_OPTIONS = { raw = "boolean", headers = "table", unsigned = "boolean" }

local BODY_METHODS = { POST = true, PUT = true, PATCH = true }
local METHODS = { GET = true, POST = true, PUT = true, PATCH = true, DELETE = true }

local Client = {}

-- Creates a client of `api` ("admin", "accounts", "auth", "device") from a
-- complete options table, bound to env (default: the one in force).
function M.new(api, opts, fname, env)
  opts = options.check(opts, api == "device" and DEVICE_CLIENT_OPTIONS or OPTIONS, fname, 1)
  local problem, message = require("duo.config").key_problem(opts, fname)
  if problem then errors.config("%s", message) end   -- a secret must not become the client's printed ikey
  for _, k in ipairs{ "host", "ikey", "skey" } do
    if opts[k] == nil or opts[k] == "" then
      errors.config("%s: '%s' is missing: give it in the options, a profile of the config file, "
                    .. "or DUO_%s_%s", fname, k, api:upper(), k:upper())
    end
  end
  local session_opts = {}
  for k in pairs(SESSION_OPTIONS) do session_opts[k] = opts[k] end
  local ok, session = pcall(sessions.session, session_opts)
  if not ok then
    -- sessions.session's argument errors name itself; say which constructor
    local msg = tostring(session):gsub("^bad argument #1 to '[^']*'", "bad argument #1 to '" .. fname .. "'")
    options.raise(msg)
  end
  local c = M.wrap(api, session, opts.host, opts.ikey, opts.account_id, opts.concurrency,
                   env or envs.current())
  c.mkey = opts.mkey
  return c
end

-- The constructor duo.<api> (duo.admin() / duo.admin "profile" /
-- duo.admin{ host, ikey, skey, ... }).
function M.constructor(api)
  return function(opts)
    local profile
    if opts == nil or type(opts) == "string" then
      opts, profile = require("duo.config").client_options(api, opts)
    elseif type(opts) ~= "table" then
      options.raise(string.format("bad argument #1 to '%s' (profile name or options table expected, got %s)",
                          api, type(opts)))
    end
    local c = M.new(api, opts, api)
    c.profile = profile
    return c
  end
end

-- A client over an existing session, bound to environment env (SPEC
-- section 7). The secret key lives only in the session (C memory), never
-- in the client table.
function M.wrap(api, session, host, ikey, account_id, concurrency, env)
  envs.fields(env)
  return setmetatable({
    api = api,
    host = host,
    ikey = ikey,
    account_id = account_id,
    concurrency = concurrency,
    _session = session,
    _sig_version = session:info().sig_version,   -- 5: bodies are JSON
    _env = env,
  }, Client)
end

function Client:__tostring()
  local s = string.format("duo.%s (%s at %s", self.api, self.ikey, self.host)
  if self.account_id then s = s .. ", account " .. self.account_id end
  if rawget(self, "name") then s = s .. string.format(" %q", self.name) end
  return s .. ")"
end

-- What to do about a TLS failure, from curl's message. A CA file curl
-- cannot load is not TLS inspection: nothing was verified against it.
local function tls_advice(message)
  local m = message:lower()
  -- (OpenSSL's words, Mbed TLS's "ca cert file", Schannel's "CA file")
  if m:find("certificate file", 1, true) or m:find("ca cert", 1, true) or m:find("verify locations", 1, true)
     or m:find("ca file", 1, true) then
    return "the 'ca' file holds no certificate curl can use: give \"pinned\", \"system\" or the path of a PEM "
           .. "file of CA certificates"
  elseif m:find("expired", 1, true) or m:find("not_time_valid", 1, true) then
    return "the server's certificate has expired, or this machine's clock is wrong"
  elseif m:find("subject name", 1, true) or m:find("does not match", 1, true)
         or m:find("match connection hostname", 1, true) or m:find("cn_mismatch", 1, true) then
    return "the certificate is for another host name: check 'host'"
  end
  return "the certificate is not signed by a trusted root; behind TLS inspection? use ca = \"system\" "
         .. "or the path of your proxy's CA file"
end

-- Turns a finished request into (response, metadata, HTTP status) or
-- raises duo.Error.
local function decode(result, ctx)
  local function fail(fields)
    for k, v in pairs(ctx) do if fields[k] == nil then fields[k] = v end end
    fields.attempts = result.attempts
    error(errors.new(fields), 0)
  end
  local note = result.note and " (" .. result.note .. ")" or ""
  if result.error then
    local message = result.message
    if result.error == "timeout" then
      message = message .. " (raise the 'timeout' option if the server is just slow)"
    elseif result.error == "tls" then
      message = message .. " (" .. tls_advice(message) .. ")"
    end
    fail{ kind = result.error, status = result.error == "http" and result.status or nil,
          message = message .. note }
  end
  local body = result.body
  if result.status >= 300 and result.status < 400 then
    fail{ kind = "http", status = result.status,
          message = string.format("redirect to %s: duo-lua never follows redirects (check 'host')",
                                  result.message or "?") }
  end
  if ctx.raw and result.status >= 200 and result.status < 300 then
    return body
  end
  local ok, envelope = pcall(json.decode, body)
  if not ok then
    fail{ kind = "http", status = result.status, message = errors.json_failure(body, envelope) .. note }
  elseif type(envelope) ~= "table" then
    fail{ kind = "http", status = result.status,
          message = "response is JSON but not an object: " .. errors.quote_bytes(body, 120) .. note }
  end
  if envelope.stat == "OK" and result.status >= 200 and result.status < 300 then
    local response = envelope.response
    local metadata = envelope.metadata
    if metadata == nil and type(response) == "table" and type(response.metadata) == "table"
       and not json.is_array(response) then
      metadata = response.metadata   -- some v2 listings nest it
    end
    return response, metadata, result.status
  end
  local code = tonumber(envelope.code)
  if envelope.stat == "FAIL" or code then
    local detail = envelope.message_detail
    if detail == json.null then detail = nil end
    local hint
    if ctx.row and code then hint = catalogue.hint(ctx.row, code) end
    fail{ kind = "api", status = result.status, code = code and math.tointeger(code) or code,
          message = (envelope.message ~= json.null and tostring(envelope.message) or "request failed") .. note,
          detail = detail, hint = hint }
  end
  fail{ kind = "http", status = result.status,
        message = (envelope.stat == nil and "the answer has no \"stat\" (not a Duo API envelope)"
                   or "unexpected response envelope (stat " .. errors.quote_bytes(tostring(envelope.stat), 40) .. ")")
                  .. note }
end

-- Starts a request: { verb, path, params | body, headers, unsigned, raw,
-- row }. Returns a handle for _receive.
function Client:_send(request)
  local verb = request.verb
  local env = envs.fields(self._env)
  if env.stopped then
    error(errors.new{ kind = "config", message = "sandbox stopped", method = verb, path = request.path,
                      host = self.host, account_id = self.account_id }, 0)
  end
  -- a catalogue read sent as POST (account/list) is as safe to repeat as a GET
  local req = { method = verb, path = request.path, headers = request.headers,
                unsigned = request.unsigned, outbox = env.backend ~= nil or nil,
                idempotent = request.row ~= nil and not request.row.writes or nil }
  local params = request.params or {}
  if self.account_id and request.body == nil and params.account_id == nil then
    local copy = {}
    for k, v in pairs(params) do copy[k] = v end
    copy.account_id = self.account_id
    params = copy
  end
  if request.body ~= nil then
    local body = request.body
    if self.account_id and body.account_id == nil then
      local copy = {}
      for k, v in pairs(body) do copy[k] = v end
      copy.account_id = self.account_id
      body = copy
    end
    req.body = json.encode(body)
  elseif BODY_METHODS[verb] and self._sig_version == 5 then
    req.body = json.encode(params)
  else
    req.params = params
  end
  local op = self._session:request(req)
  if env.backend then scheduler.route(op, env.backend) end
  return { op = op, request = request, client = self }
end

-- Waits for a request started by _send and decodes it: response,
-- metadata.
function Client:_receive(handle)
  local response, metadata = self:_receive_status(handle)
  return response, metadata
end

-- The same, and the HTTP status of the answer (paging names it when a
-- page is not what a listing answers).
function Client:_receive_status(handle)
  local result = scheduler.await(handle.op)
  local request = handle.request
  local ok, response, metadata, status = pcall(decode, result, {
    method = request.verb, path = request.path, host = self.host, account_id = self.account_id,
    raw = request.raw, row = request.row })
  if ok then return response, metadata, status end
  local e = response
  -- This machine's clock is too far from Duo's: measure the difference with
  -- the unsigned ping, date requests by Duo's clock from now on, retry once.
  if errors.is_error(e) and e.code == 40105 and not handle.skewed and self:_correct_clock() then
    local again = self:_send(request)
    again.skewed = true
    return self:_receive_status(again)
  end
  -- A child account moved or was re-created: refresh the parent's list
  -- once and retry on its current host.
  if errors.is_error(e) and (e.status == 403 or e.status == 404) and self._parent and not handle.retried
     and self._parent:_refresh_child(self, e, request) then
    local again = self:_send(request)
    again.retried = true
    return self:_receive_status(again)
  end
  error(e, 0)
end

-- Sets the clock offset used to date requests from GET /auth/v2/ping on
-- this client's host; returns whether the offset changed.
function Client:_correct_clock()
  local ok, r = pcall(function()
    return self:_receive(self:_send{ verb = "GET", path = "/auth/v2/ping", unsigned = true })
  end)
  local server = ok and type(r) == "table" and math.tointeger(r.time)
  if not server then return false end
  local delta = server - loop.unix_time()
  if math.abs(delta) < 2 then return false end
  loop.set_clock_offset(loop.clock_offset() + delta)
  return true
end

-- The catalogue row of a generic request, when it is one.
local function row_for(verb, path)
  local ep = catalogue.route(verb, path)
  return ep and ep.rows[1]
end

-- Prints what a write would send (never a secret: directory keys in the
-- path masked as tables mask them) and reports whether
-- the call is skipped.
function Client:_dry_run(request)
  local row = request.row
  if not envs.fields(self._env).dry_run or (row and not row.writes) or (not row and request.verb == "GET") then
    return false
  end
  local shown = {}
  for k, v in pairs(request.body or (row and methods.redacted(row, request.params)) or request.params or {}) do
    shown[k] = v
  end
  if self.account_id then shown.account_id = self.account_id end
  io.stderr:write(termtext.format("dry-run: %s %s%s %s\n", request.verb, self.host, termtext.mask_path(request.path),
                                  json.encode(shown)))
  return true
end

-- One request, waited for: response, metadata (nil, nil under --dry-run
-- for writes).
function Client:_do(request)
  if self:_dry_run(request) then return nil end
  return self:_receive(self:_send(request))
end

-- client:call(method, path [, params [, opts]]) -> response, metadata
-- opts: raw = true returns the body bytes of a successful answer (logos);
-- headers = extra X-Duo headers; unsigned = true for GET /auth/v2/ping.
function Client:call(method, path, params, opts)
  if type(method) ~= "string" then
    options.raise(string.format("bad argument #1 to 'call' (string expected, got %s)", type(method)))
  end
  method = method:upper()
  if not METHODS[method] then
    options.raise("bad argument #1 to 'call' (method must be GET, POST, PUT, PATCH or DELETE)")
  end
  if type(path) ~= "string" or path:sub(1, 1) ~= "/" then
    options.raise(string.format("bad argument #2 to 'call' (a path starting with '/' expected, got %s)",
                        type(path) == "string" and string.format("%q", path) or type(path)))
  end
  if params ~= nil and type(params) ~= "table" then
    options.raise(string.format("bad argument #3 to 'call' (table expected, got %s)", type(params)))
  end
  opts = options.check(opts, CALL_OPTIONS, "call", 4)
  return self:_do{ verb = method, path = path, params = params, raw = opts.raw,
                   headers = opts.headers, unsigned = opts.unsigned, row = row_for(method, path) }
end

-- for obj in client:each(path [, params]) do ... end: any offset-paged
-- listing, streamed page by page.
function Client:each(path, params)
  if type(path) ~= "string" or path:sub(1, 1) ~= "/" then
    options.raise("bad argument #1 to 'each' (a path starting with '/' expected)")
  end
  if params ~= nil and type(params) ~= "table" then
    options.raise(string.format("bad argument #2 to 'each' (table expected, got %s)", type(params)))
  end
  local row = row_for("GET", path)
  return paging.offset_stream(self, { verb = "GET", path = path, params = params or {}, row = row },
                              row and row.max_limit or 100)
end

-- A Device API row as a client that holds an mkey sees it: mkey is no
-- longer positional (it may still be given by name).
local with_mkey = setmetatable({}, { __mode = "k" })
local function mkey_row(row)
  local r = with_mkey[row]
  if r == nil then
    r = {}
    for k, v in pairs(row) do r[k] = v end
    r.args, r.named = {}, { "mkey" }
    for _, a in ipairs(row.args) do if a ~= "mkey" then r.args[#r.args + 1] = a end end
    for _, a in ipairs(row.named) do r.named[#r.named + 1] = a end
    with_mkey[row] = r
  end
  return r
end

-- The records of `stream` with eventtype and host added, as the Python
-- client tags its v1 log rows.
local function tagged(stream, eventtype, host)
  return function()
    local r = stream()
    if type(r) == "table" then r.eventtype, r.host = eventtype, host end
    return r
  end
end

-- Runs one catalogue method; the generated client methods call this.
local function invoke(self, row, fname, iterate, ...)
  if row.accounts_only and not self._parent then
    errors.config("%s needs the parent's Accounts API keys on a child account: use accounts:child(...):%s()",
                  fname, fname)
  end
  local mkey = rawget(self, "mkey")
  if mkey and row.path_params[1] == "mkey" then row = mkey_row(row) end
  local args = methods.parse_args(row, fname, ...)
  if mkey and args.mkey == nil then args.mkey = mkey end
  local request = methods.build(row, fname, args)
  row = request.row
  local p = row.paging
  if p == "logs-v2" or p == "cursor" then
    local mintime, maxtime = request.params.mintime, request.params.maxtime
    if mintime ~= nil and maxtime ~= nil then paging.check_window_ms(fname, mintime, maxtime) end
  elseif p == "logs-v1" then
    paging.check_mintime_s(fname, request.params.mintime)
  end
  local single = p == "none" or (p == "page-or-all" and args.limit ~= nil)
                 or (p == "logs-v2" and not iterate and (args.limit ~= nil or args.next_offset ~= nil))
  if single and not iterate then
    return self:_do(request)
  end
  local stream
  if p == "offset" or p == "page-or-all" then
    stream = paging.offset_stream(self, request, row.max_limit or 100)
  elseif p == "logs-v2" then
    stream = paging.cursor_stream(self, request, row.items, row.max_limit, "next_offset")
  elseif p == "cursor" then
    stream = paging.cursor_stream(self, request, row.items, row.max_limit, "offset")
  elseif p == "logs-v1" then
    stream = paging.logs_v1_stream(self, request)
    if row.eventtype then stream = tagged(stream, row.eventtype, self.host) end
  else
    options.raise(string.format("bad argument #1 to 'iterate' ('%s' is not a paged method)", fname))
  end
  if iterate or p == "offset" or p == "cursor" then return stream end
  return paging.collect(stream)
end

-- for r in client:iterate(name [, args...]) do ... end: streams any paged
-- catalogue method (logs included) page by page.
function Client:iterate(name, ...)
  local row = type(name) == "string" and catalogue.by_name[self.api] and catalogue.by_name[self.api][name]
  if not row then
    options.raise(string.format("bad argument #1 to 'iterate' (no method '%s' on a %s client)", tostring(name),
                        self.api))
  end
  return invoke(self, row, name, true, ...)
end

-- Generated methods, built once per api on first use.
local generated = {}
function M.method(api, name)
  local t = generated[api]
  if t == nil then
    t = {}
    generated[api] = t
  end
  local fn = t[name]
  if fn == nil then
    local row = catalogue.by_name[api] and catalogue.by_name[api][name]
    if row == nil then return nil end
    fn = function(self, ...)
      if getmetatable(self) ~= Client then
        options.raise(string.format("calling '%s' on bad self (use client:%s(...))", name, name))
      end
      return invoke(self, row, name, false, ...)
    end
    t[name] = fn
  end
  return fn
end

-- Per-api extensions (accounts:child, ...), installed by other modules.
M.extensions = { admin = {}, accounts = {}, auth = {}, device = {} }

function Client.__index(self, key)
  local v = Client[key]
  if v ~= nil then return v end
  local api = rawget(self, "api")
  v = M.extensions[api] and M.extensions[api][key]
  if v ~= nil then return v end
  if type(key) == "string" and key:sub(1, 1) ~= "_" then
    return M.method(api, key)
  end
end

-- Method names of a client's API, for completion and docs.
function M.method_names(api)
  local names = {}
  for name in pairs(catalogue.by_name[api] or {}) do names[#names + 1] = name end
  for name in pairs(M.extensions[api] or {}) do names[#names + 1] = name end
  for _, name in ipairs{ "call", "each", "iterate" } do names[#names + 1] = name end
  table.sort(names)
  return names
end

return M
