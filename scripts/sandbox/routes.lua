-- Routing of the simulation, driven by the endpoint catalogue: the route
-- (404/405), the credentials and account (sandbox.wire), the catalogue
-- row the parameters fit (40002 naming a missing parameter), the
-- permission, the limits of paged endpoints, then the endpoint's handler
-- (sandbox.routes.*) or, for endpoints without one, a generic handler
-- that still answers something well-formed.
local catalogue = require "duo.catalogue"
local json = require "duo.json"
local reply = require "sandbox.reply"
local wire = require "sandbox.wire"
local statelib = require "sandbox.state"

local M = {}

local null = json.null
local array = statelib.array

-- Handlers: "VERB /path/{template}" -> function(ctx) -> response, metadata
M.handlers = {}
for _, name in ipairs{ "users", "devices", "groups", "admins", "integrations", "settings", "logs",
                       "accounts", "auth", "device", "verification" } do
  for key, fn in pairs(require("sandbox.routes." .. name)) do
    assert(M.handlers[key] == nil, "two sandbox handlers for " .. key)
    M.handlers[key] = fn
  end
end

-- The rows of an endpoint with their variant applied (cached).
local rows_cache = setmetatable({}, { __mode = "k" })
local function rows_of(ep)
  local rows = rows_cache[ep]
  if rows == nil then
    rows = {}
    for i, row in ipairs(ep.rows) do
      local v = ep.variants[i]
      rows[i] = v ~= nil and catalogue.variant(row, v) or row
    end
    rows_cache[ep] = rows
  end
  return rows
end
M.rows_of = rows_of

local function present(v)
  return v ~= nil and v ~= null and v ~= ""
end

-- The row whose required parameters (and fixed values) the request
-- carries, the most specific one first; or raises 40002 naming what the
-- closest row misses.
local function select_row(ep, params)
  local best, best_score, closest, closest_missing, closest_name
  for _, row in ipairs(rows_of(ep)) do
    local missing, nmissing = nil, 0
    for _, w in ipairs(row.required) do
      if not present(params[w]) then
        nmissing = nmissing + 1
        missing = missing or w
      end
    end
    local fixed_ok = true
    for k, v in pairs(row.fixed) do
      if params[k] ~= v then fixed_ok = false end
    end
    if nmissing == 0 and fixed_ok then
      local score = #row.required
      if best == nil or score > best_score then best, best_score = row, score end
    elseif closest == nil or nmissing < closest_missing then
      closest, closest_missing, closest_name = row, nmissing, missing
    end
  end
  if best then return best end
  local missing = closest_name
  if missing == nil and closest then
    for k in pairs(closest.fixed) do missing = missing or k end
  end
  reply.bad_param(missing or "parameters")
end

-- The request context handed to handlers. ----------------------------------

local Ctx = {}
Ctx.__index = Ctx

-- A parameter as a string (numbers and booleans as Duo's clients send
-- them), or nil.
function Ctx:str(name)
  local v = self.params[name]
  if v == nil or v == null then return nil end
  if type(v) == "string" then return v end
  if math.type(v) == "integer" then return tostring(v) end
  if type(v) == "number" and v == math.floor(v) then return string.format("%d", v) end
  if type(v) == "boolean" then return v and "true" or "false" end
  reply.bad_param(name, "must be a single value")
end

function Ctx:need(name)
  local v = self:str(name)
  if v == nil or v == "" then reply.bad_param(name) end
  return v
end

-- An integer parameter in [lo, hi]; nil (or default) when absent.
function Ctx:int(name, default, lo, hi)
  local v = self.params[name]
  if v == nil or v == null or v == "" then return default end
  local n = math.tointeger(tonumber(v))
  if n == nil or (type(v) == "string" and not v:match("^%-?%d+$")) then
    reply.bad_param(name, "must be a whole number")
  end
  if (lo and n < lo) or (hi and n > hi) then
    reply.bad_param(name, string.format("must be between %s and %s", tostring(lo), tostring(hi or "any")))
  end
  return n
end

local TRUE = { ["1"] = true, ["true"] = true, [1] = true, [true] = true }
local FALSE = { ["0"] = true, ["false"] = true, [0] = true, [false] = true }

function Ctx:bool(name, default)
  local v = self.params[name]
  if v == nil or v == null or v == "" then return default end
  if TRUE[v] then return true end
  if FALSE[v] then return false end
  reply.bad_param(name, "must be true or false")
end

-- A list parameter: repeated keys, a JSON array in the body, or a single
-- value.
function Ctx:list(name)
  local v = self.params[name]
  if v == nil or v == null then return nil end
  if type(v) == "table" then
    local out = {}
    for i, x in ipairs(v) do out[i] = tostring(x) end
    return out
  end
  return { tostring(v) }
end

-- A JSON-encoded array of strings in one parameter (username_list, ...).
function Ctx:json_list(name, max)
  local v = self.params[name]
  if type(v) == "table" then return self:list(name) end
  local ok, list = pcall(json.decode, v or "")
  if not ok or type(list) ~= "table" or not json.is_array(list) then
    reply.bad_param(name, "must be a JSON array")
  end
  if max and #list > max then reply.bad_param(name, string.format("at most %d entries", max)) end
  for i, x in ipairs(list) do
    if type(x) ~= "string" then reply.bad_param(name, "must be an array of strings") end
    list[i] = x
  end
  return list
end

-- Parameters a create/update takes from the request: those of `names` that
-- are present, as strings.
function Ctx:fields(names)
  local out = {}
  for _, n in ipairs(names) do
    local v = self:str(n)
    if v ~= nil then out[n] = v end
  end
  return out
end

function Ctx:now()
  return self.state:now()
end

-- Records an administrator action in the account's administrator log.
function Ctx:log_action(action, object, description)
  self.account:log_action(self.integration and self.integration.name or "API", action, object, description)
end

-- Looks up an object by a path parameter's value; 40401 when missing.
function Ctx:lookup(coll, name)
  local id = self.pp[name]
  local obj = coll:get(id)
  if obj == nil then reply.not_found(name .. " " .. tostring(id)) end
  return obj
end

function Ctx:user()
  return self:lookup(self.account.users, "user_id")
end

-- Offset paging: `records` (an array of internal objects), rendered with
-- `render`. Pages hold at most min(limit, page cap) records.
function Ctx:page(records, render)
  local row = self.row
  local limit = self:int("limit", 100, 1, row.max_limit or 1000)
  local offset = self:int("offset", 0, 0)
  local count = limit
  if self.sb.page_cap and self.sb.page_cap < count then count = self.sb.page_cap end
  local out = array()
  local last = math.min(offset + count, #records)
  for i = offset + 1, last do out[#out + 1] = render and render(records[i]) or records[i] end
  local meta = { total_objects = #records }
  if last < #records then meta.next_offset = last end
  if offset > 0 then meta.prev_offset = math.max(0, offset - limit) end
  return out, meta
end

-- The generic handler -----------------------------------------------------

local KIND_OF_PARAM = {
  desktoptoken_id = "desktoptoken", registration_id = "u2ftoken", webauthnkey = "webauthn",
  epkey = "endpoint", registered_device_id = "registered_device",
}

-- Collections the generic handler knows by a path parameter's name.
local function known_collection(acct, name)
  local map = { user_id = acct.users, group_id = acct.groups, phone_id = acct.phones, token_id = acct.tokens,
                admin_id = acct.admins, integration_key = acct.integrations, policy_key = acct.policies,
                bypass_code_id = acct.bypass_codes, directory_key = acct.directories }
  return map[name]
end

local function has_item_route(verb, path)
  for _, ep in ipairs(catalogue.endpoints) do
    if ep.verb == verb and ep.path:match("^(.*)/{[^}]+}$") == path then
      return ep.path:match("/{([^}]+)}$")
    end
  end
end

local function copy_params(ctx)
  local out = {}
  for k, v in pairs(ctx.params) do
    if k ~= "account_id" and k ~= "limit" and k ~= "offset" then out[k] = v end
  end
  return out
end

-- Endpoints without a handler of their own: collections (listing, one
-- object, create, update, delete) kept per account and path, settings-like
-- singletons, and actions that check the objects their path names.
function M.generic(ctx)
  local ep, verb, acct = ctx.ep, ctx.ep.verb, ctx.account
  local tmpl = ep.path
  -- the objects the path names must exist (all but a trailing item ID)
  local item = tmpl:match("/{([^}]+)}$")
  for _, name in ipairs(ctx.row.path_params) do
    if name ~= item then
      local coll = known_collection(acct, name)
      if coll then ctx:lookup(coll, name) end
    end
  end
  if item then
    local coll = known_collection(acct, item)
              or acct:generic_collection(tmpl:gsub("/{[^}]+}$", ""), item)
    local obj = ctx:lookup(coll, item)
    if verb == "GET" then return obj end
    if verb == "DELETE" then
      coll:remove(ctx.pp[item])
      ctx:log_action("delete", ctx.pp[item])
      return ""
    end
    for k, v in pairs(copy_params(ctx)) do obj[k] = v end
    return obj
  end
  local row = ctx.row
  if row.paging ~= "none" or row.max_limit then
    local coll = acct:generic_collection(tmpl, has_item_route("GET", tmpl) or "id")
    return ctx:page(coll.list)
  end
  local idname = has_item_route("GET", tmpl) or has_item_route("DELETE", tmpl)
  if verb == "POST" and idname then
    local coll = acct:generic_collection(tmpl, idname)
    local obj = copy_params(ctx)
    obj[idname] = ctx.state:new_id(KIND_OF_PARAM[idname] or "DX")
    obj.created = ctx:now()
    coll:add(obj)
    ctx:log_action("create", obj[idname])
    return obj
  end
  if not tmpl:find("{", 1, true) then
    -- a settings-like object
    local obj = acct.singletons[tmpl]
    if obj == nil then
      obj = {}
      acct.singletons[tmpl] = obj
    end
    if verb ~= "GET" then
      for k, v in pairs(copy_params(ctx)) do obj[k] = v end
    end
    return obj
  end
  -- an action on an object: answer what was asked
  local out = copy_params(ctx)
  for k, v in pairs(ctx.pp) do out[k] = v end
  return out
end

-- Dispatch -------------------------------------------------------------------

local VERBS = { "GET", "POST", "PUT", "DELETE", "PATCH" }

-- Routes an authenticated request on `account` to its handler: the row
-- the parameters fit, the permission, the paging limits. Raises failures.
local function dispatch(sb, req, account, integration, facts)
  local ep, pp = catalogue.route(req.method, req.path)
  if ep == nil then
    for _, v in ipairs(VERBS) do
      if v ~= req.method and catalogue.route(v, req.path) then
        reply.fail(40501, req.method .. " is not allowed on " .. req.path)
      end
    end
    reply.fail(40401, "no route " .. req.path)
  end
  local ctx = setmetatable({ sb = sb, state = sb.state, req = req, ep = ep, pp = pp, params = req.params,
                             account = account, integration = integration }, Ctx)
  if account == nil then
    if not rows_of(ep)[1].unsigned then
      local owner
      ctx.integration, owner = wire.authenticate(sb.state, req)
      ctx.account = wire.resolve_account(sb.state, req, rows_of(ep)[1], ctx.integration, owner)
    else
      ctx.account = sb.state.parent
    end
  end
  facts.account = ctx.account
  facts.account_id = ctx.account and ctx.account.account_id
  sb:check_rate(ctx)
  ctx.row = select_row(ep, req.params)
  facts.row = ctx.row
  if ctx.integration then wire.check_permission(ctx.integration, ctx.row) end
  local p = ctx.row.paging
  if ctx.row.max_limit then ctx:int("limit", nil, 1, ctx.row.max_limit) end
  if p == "offset" or p == "page-or-all" then ctx:int("offset", nil, 0) end
  local handler = M.handlers[ep.verb .. " " .. ep.path] or M.generic
  return handler(ctx)
end

-- Answers one parsed request. Returns status, body bytes, and facts for
-- the log: { account_id, code, row }.
function M.process(sb, req)
  local facts = {}
  local ok, response, metadata = pcall(dispatch, sb, req, nil, nil, facts)
  if not ok then
    local f = response
    if not reply.is_failure(f) then
      f = reply.failure(50001, "sandbox: " .. tostring(f))
    end
    facts.code = f.code
    local status, body = reply.encode_failure(f)
    return status, body, facts
  end
  if type(response) == "table" and response.__raw then
    return 200, response.__raw, facts
  end
  return 200, reply.encode_ok(response, metadata), facts
end

-- Duo's bulk endpoint: at most BULK_MAX operations, run in order on the
-- request's account with its credentials, one result each.
M.BULK_MAX = 50
M.handlers["POST /admin/v1/bulk"] = function(ctx)
  local ops = ctx.params.operations
  if type(ops) == "string" then
    local ok, decoded = pcall(json.decode, ops)
    ops = ok and decoded or nil
  end
  if type(ops) ~= "table" or not json.is_array(ops) then reply.bad_param("operations", "must be a JSON array") end
  if #ops > M.BULK_MAX then
    reply.bad_param("operations", string.format("%d operations, at most %d per request", #ops, M.BULK_MAX))
  end
  local out = array()
  for i, op in ipairs(ops) do
    if type(op) ~= "table" or type(op.method) ~= "string" or type(op.path) ~= "string"
       or op.path:sub(1, 7) ~= "/admin/" or op.path == "/admin/v1/bulk" then
      reply.bad_param("operations", string.format("operation %d needs a method and an Admin API path", i))
    end
    local params = {}
    for k, v in pairs(type(op.body) == "table" and op.body or {}) do params[k] = v end
    local req = { method = op.method:upper(), host = ctx.req.host, path = op.path, params = params,
                  ikey = ctx.req.ikey }
    local ok, response = pcall(dispatch, ctx.sb, req, ctx.account, ctx.integration, {})
    if ok then
      out[i] = { index = i - 1, method = req.method, path = op.path, stat = "OK", response = response }
    else
      local f = reply.is_failure(response) and response or reply.failure(50001, "sandbox: " .. tostring(response))
      out[i] = { index = i - 1, method = req.method, path = op.path, stat = "FAIL", code = f.code,
                 message = f.message, message_detail = f.detail }
    end
  end
  return out
end

return M
