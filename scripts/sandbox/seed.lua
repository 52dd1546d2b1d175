-- The seed format: a JSON description of a tenant (scripts/sandbox/
-- SEED_FORMAT.md documents it). M.read parses a file, M.build checks seed
-- data and builds the tenant, refusing mistakes with a message that names
-- the place ("seed.json: accounts[3].users[2].user_id: duplicate ID ..."),
-- and M.export turns a tenant back into seed data.
local json = require "duo.json"
local jsontext = require "duo.jsontext"
local errors = require "duo.error"
local options = require "duo.options"
local statelib = require "sandbox.state"
local loggen = require "sandbox.loggen"
local verification = require "sandbox.verification"

local M = {}

M.VERSION = 1

local null = json.null

-- Reading ----------------------------------------------------------------

-- Line and column (1-based) of a 0-based byte offset.
local function line_col(text, offset)
  local line, col = 1, 1
  for i = 1, math.min(offset, #text) do
    if text:byte(i) == 10 then line, col = line + 1, 1 else col = col + 1 end
  end
  return line, col
end

-- Decodes seed JSON text; `name` is how messages call the source.
function M.decode(text, name)
  local ok, data = pcall(json.decode, text)
  if not ok then
    local msg = tostring(data):gsub("^json: ", "")
    local offset = tonumber(msg:match("at byte (%d+)"))
    if offset then
      local line, col = line_col(text, offset)
      msg = string.format("%s (line %d, column %d)", msg, line, col)
    end
    errors.config("%s: not valid JSON: %s", name, msg)
  end
  if type(data) ~= "table" or json.is_array(data) then
    errors.config("%s: the seed must be a JSON object (see SEED_FORMAT.md), got %s", name,
                  json.is_array(data) and "an array" or type(data))
  end
  return data
end

function M.read(path)
  local f, err = io.open(path, "rb")
  if not f then errors.config("cannot read the seed file %s", err or path) end
  local text = f:read("a")
  f:close()
  return M.decode(text, path), text
end

-- Checking -----------------------------------------------------------------

-- Field specs: type names "string", "integer", "boolean", "object",
-- "array", "number", "any"; a trailing "?" allows null; a table is an enum
-- of strings.
local USER_STATUS = { "active", "bypass", "disabled", "locked out", "pending deletion" }
local SPECS = {
  top = { version = "integer", options = "object", parent = "object", accounts = "array" },
  account = {
    account_id = "string", name = "string", api_hostname = "string",
    edition = { "ENTERPRISE", "PLATFORM", "BEYOND", "ESSENTIALS", "ADVANTAGE", "PREMIER", "MFA", "ACCESS" },
    telephony_credits = "integer", billing_enabled = "boolean", settings = "object",
    integrations = "array", users = "array", groups = "array", phones = "array", tokens = "array",
    admins = "array", directories = "array", policies = "array", authlogs = "array", adminlogs = "array",
    generated_logs = "object", trust_monitor_events = "array",
  },
  user = {
    user_id = "string", username = "string", email = "string", realname = "string", firstname = "string",
    lastname = "string", notes = "string", status = USER_STATUS, is_enrolled = "boolean",
    created = "integer", last_login = "integer?", aliases = "any", phones = "array", groups = "array",
    tokens = "array", bypass_codes = "any", directory = "string", custom_attributes = "object",
    verification_push = "object",
  },
  phone = {
    phone_id = "string", number = "string", extension = "string", name = "string",
    type = { "Mobile", "Landline", "Tablet", "Unknown" }, platform = "string", model = "string",
    activated = "boolean", last_seen = "integer?", capabilities = "array",
  },
  group = {
    group_id = "string", name = "string", desc = "string", status = { "Active", "Bypass", "Disabled" },
    push_enabled = "boolean", sms_enabled = "boolean", voice_enabled = "boolean",
    mobile_otp_enabled = "boolean", u2f_enabled = "boolean",
  },
  token = { token_id = "string", type = { "h6", "h8", "t6", "t8", "yk", "d1" }, serial = "string",
            totp_step = "integer?" },
  bypass_code = { bypass_code_id = "string", created = "integer", expiration = "integer?",
                  reuse_count = "integer?", admin_email = "string" },
  admin = { admin_id = "string", name = "string", email = "string", phone = "string", role = "string",
            status = { "Active", "Disabled", "Expired", "Pending Activation" }, created = "integer",
            last_login = "integer?" },
  integration = {
    integration_key = "string", secret_key = "string", name = "string", type = "string", notes = "string",
    greeting = "string", groups_allowed = "array",
    adminapi_admins = "any", adminapi_info = "any", adminapi_integrations = "any", adminapi_read_log = "any",
    adminapi_read_resource = "any", adminapi_settings = "any", adminapi_write_resource = "any",
  },
  directory = { directory_key = "string", name = "string", type = { "ad", "azure", "openldap" },
                users = "array" },
  directory_user = { username = "string", email = "string", realname = "string", firstname = "string",
                     lastname = "string" },
  policy = { policy_key = "string", policy_name = "string", is_global_policy = "boolean", sections = "object" },
  authlog = {
    txid = "string", timestamp = "integer", user = "string", result = { "success", "denied", "failure",
    "error", "fraud" }, reason = "string", factor = "string", event_type = { "authentication", "enrollment" },
    application = "string", ip = "string", location = "object", device = "string",
  },
  adminlog = { timestamp = "integer", username = "string", action = "string", object = "string?",
               description = "string" },
  trust_monitor_event = { sekey = "string", timestamp = "integer", type = { "auth", "bypass_status_enabled",
                          "device_registration" }, state = { "new", "processed" }, user = "string",
                          explanation = "string" },
}

-- Seed data read from JSON marks its arrays; seed data written in Lua has
-- plain sequences. Both are arrays here; an empty table is either.
local function is_sequence(t)
  local n = 0
  for k in pairs(t) do
    if math.type(k) ~= "integer" or k < 1 then return false end
    n = n + 1
  end
  return n == #t
end
local function is_array(v)
  return type(v) == "table" and (json.is_array(v) or is_sequence(v))
end
local function is_object(v)
  return type(v) == "table" and not json.is_array(v) and (next(v) == nil or not is_sequence(v))
end

local function type_name(v)
  if v == null then return "null" end
  if type(v) == "table" then
    return (json.is_array(v) or (next(v) ~= nil and is_sequence(v))) and "an array" or "an object"
  end
  if math.type(v) == "integer" then return "an integer" end
  if type(v) == "number" then return "a number" end
  if type(v) == "string" then return "a string" end
  return type(v)
end

-- Edit distance, for "did you mean" on unknown keys.
local function distance(a, b)
  local prev = {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    local cur = { [0] = i }
    for j = 1, #b do
      local cost = a:byte(i) == b:byte(j) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    end
    prev = cur
  end
  return prev[#b]
end

local Checker = {}
Checker.__index = Checker

local function new_checker(name)
  return setmetatable({ name = name, seen = {} }, Checker)
end

function Checker:fail(path, fmt, ...)
  errors.config("%s: %s: %s", self.name, path, string.format(fmt, ...))
end


-- Checks an object's fields against a spec (unknown keys refused).
function Checker:object(v, path, spec_name)
  if not is_object(v) then self:fail(path, "expected an object, got %s", type_name(v)) end
  local spec = SPECS[spec_name]
  for _, k in ipairs(options.sorted_keys(v)) do
    local want = spec[k]
    local at = path == "" and k or (path .. "." .. k)
    if want == nil then
      local known, best, best_d = options.sorted_keys(spec), nil, 3
      for _, name in ipairs(known) do
        local d = distance(tostring(k), name)
        if d < best_d then best, best_d = name, d end
      end
      if best then self:fail(at, "unknown key (did you mean '%s'?)", best) end
      self:fail(at, "unknown key (known: %s)", table.concat(known, ", "))
    end
    local val = v[k]
    if type(want) == "table" then
      local ok = false
      for _, e in ipairs(want) do if val == e then ok = true end end
      if not ok then
        self:fail(at, "must be one of %s, got %s", table.concat(want, ", "),
                  type(val) == "string" and ("'" .. val .. "'") or type_name(val))
      end
    elseif want ~= "any" then
      local base, nullable = want:match("^(%a+)(%??)$")
      local ok
      if val == null then ok = nullable == "?"
      elseif base == "string" then ok = type(val) == "string"
      elseif base == "integer" then ok = math.type(val) == "integer"
      elseif base == "number" then ok = type(val) == "number"
      elseif base == "boolean" then ok = type(val) == "boolean"
      elseif base == "object" then ok = is_object(val)
      elseif base == "array" then ok = is_array(val)
      end
      if not ok then
        self:fail(at, "must be %s%s, got %s", (base == "integer" or base == "array" or base == "object")
                  and ("an " .. base) or ("a " .. base), nullable == "?" and " or null" or "", type_name(val))
      end
    end
  end
  return v
end

-- A required, non-empty string field.
function Checker:required(v, key, path, why)
  local val = v[key]
  if val == nil or val == null or val == "" then
    self:fail(path .. "." .. key, "missing%s", why and (": " .. why) or "")
  end
  return val
end

-- Registers an ID (unique across the tenant); refuses duplicates, naming
-- where the first one is.
function Checker:id(id, path)
  if id:find("[%s/?#%%]") or id == "" then
    self:fail(path, "'%s' is not a valid ID (no spaces, '/', '?', '#' or '%%')", id)
  end
  local first = self.seen[id]
  if first then self:fail(path, "duplicate ID '%s' (first at %s)", id, first) end
  self.seen[id] = path
  return id
end

local function each(list, path, fn)
  for i, v in ipairs(list or {}) do fn(v, string.format("%s[%d]", path, i - 1)) end
end

-- Pass 1: shapes, required fields and IDs, before anything is built, so
-- that generated IDs never collide with ones named later in the file.
local ID_FIELDS = {   -- list, object spec, ID field; in the order they are checked
  { "integrations", "integration", "integration_key" }, { "groups", "group", "group_id" },
  { "phones", "phone", "phone_id" }, { "tokens", "token", "token_id" }, { "admins", "admin", "admin_id" },
  { "directories", "directory", "directory_key" }, { "policies", "policy", "policy_key" },
  { "users", "user", "user_id" }, { "authlogs", "authlog", "txid" }, { "adminlogs", "adminlog" },
  { "trust_monitor_events", "trust_monitor_event", "sekey" },
}
local REQUIRED_NAMES = {
  users = { "username", "every user needs a username" }, groups = { "name", "every group needs a name" },
  admins = { "name", "every administrator needs a name" },
  integrations = { "name", "every integration needs a name" },
  directories = { "name", "every directory needs a name" },
  policies = { "policy_name", "every policy needs a policy_name" },
  tokens = { "serial", "every token needs a serial" },
}

function Checker:check_phone(p, path)
  self:object(p, path, "phone")
  if p.phone_id then self:id(p.phone_id, path .. ".phone_id") end
  return p
end

function Checker:check_account(a, path, is_parent)
  self:object(a, path, "account")
  if a.account_id then self:id(a.account_id, path .. ".account_id") end
  if not is_parent then
    self:required(a, "name", path, "every child account needs a name")
  end
  if is_parent == false and a.billing_enabled ~= nil then
    self:fail(path .. ".billing_enabled", "only the parent account has this setting")
  end
  for _, spec in ipairs(ID_FIELDS) do
    local list, kind, idfield = spec[1], spec[2], spec[3]
    each(a[list], path .. "." .. list, function(obj, at)
      self:object(obj, at, kind)
      local req = REQUIRED_NAMES[list]
      if req then self:required(obj, req[1], at, req[2]) end
      if idfield and obj[idfield] ~= nil then self:id(obj[idfield], at .. "." .. idfield) end
    end)
  end
  each(a.admins, path .. ".admins", function(obj, at)
    self:required(obj, "email", at, "every administrator needs an email")
  end)
  each(a.integrations, path .. ".integrations", function(obj, at)
    self:required(obj, "type", at, "adminapi, accountsapi, authapi or another integration type")
    if obj.secret_key ~= nil and #obj.secret_key ~= 40 then
      self:fail(at .. ".secret_key", "must be 40 characters, got %d", #obj.secret_key)
    end
  end)
  each(a.adminlogs, path .. ".adminlogs", function(obj, at)
    if obj.timestamp == nil then self:fail(at .. ".timestamp", "missing") end
    self:required(obj, "action", at)
  end)
  each(a.authlogs, path .. ".authlogs", function(obj, at)
    if obj.timestamp == nil then self:fail(at .. ".timestamp", "missing") end
  end)
  each(a.trust_monitor_events, path .. ".trust_monitor_events", function(obj, at)
    if obj.timestamp == nil then self:fail(at .. ".timestamp", "missing") end
  end)
  each(a.directories, path .. ".directories", function(obj, at)
    each(obj.users, at .. ".users", function(du, dat)
      self:object(du, dat, "directory_user")
      self:required(du, "username", dat)
    end)
  end)
  each(a.users, path .. ".users", function(u, at)
    each(u.phones, at .. ".phones", function(p, pat)
      if type(p) ~= "string" then
        self:check_phone(p, pat)
      end
    end)
    local bc = u.bypass_codes
    if bc ~= nil and math.type(bc) ~= "integer" then
      if not is_array(bc) then
        self:fail(at .. ".bypass_codes", "must be a count (integer) or an array of objects, got %s", type_name(bc))
      end
      each(bc, at .. ".bypass_codes", function(b, bat)
        self:object(b, bat, "bypass_code")
        if b.bypass_code_id then self:id(b.bypass_code_id, bat .. ".bypass_code_id") end
      end)
    end
    local al = u.aliases
    if al ~= nil and not is_array(al) and not is_object(al) then
      self:fail(at .. ".aliases", "must be an array of strings or an object alias1..alias8, got %s", type_name(al))
    end
  end)
end

function Checker:check(data)
  self:object(data, "", "top")
  if data.version ~= nil and data.version ~= M.VERSION then
    self:fail("version", "this duo-lua reads seed version %d, got %s", M.VERSION, tostring(data.version))
  end
  if data.parent ~= nil then self:check_account(data.parent, "parent", true) end
  each(data.accounts, "accounts", function(a, at) self:check_account(a, at, false) end)
end

-- Building -------------------------------------------------------------------

local Builder = {}
Builder.__index = Builder

local ADMINAPI_FLAGS = statelib.ADMINAPI_FLAGS

function Builder:integration(acct, i, at)
  local integ = {
    integration_key = i.integration_key or self.state:new_id("integration"),
    secret_key = i.secret_key or self.state.rng:skey(),
    name = i.name, type = i.type, notes = i.notes, greeting = i.greeting,
    groups_allowed = i.groups_allowed,
  }
  if i.type == "adminapi" then
    local any = false
    for _, f in ipairs(ADMINAPI_FLAGS) do if i[f] ~= nil then any = true end end
    for _, f in ipairs(ADMINAPI_FLAGS) do
      local v = i[f]
      if v == true then v = 1 elseif v == false then v = 0 end
      if v ~= nil and v ~= 0 and v ~= 1 then
        self.checker:fail(at .. "." .. f, "must be 0 or 1 (or a boolean)")
      end
      integ[f] = v or (any and 0 or 1)
    end
  end
  return self.state:add_integration(acct, integ)
end

function Builder:phone(acct, p)
  return acct:add_phone{
    phone_id = p.phone_id or self.state:new_id("phone"), number = p.number, extension = p.extension,
    name = p.name, type = p.type, platform = p.platform, model = p.model,
    activated = p.activated, last_seen = p.last_seen ~= null and p.last_seen or nil,
    capabilities = p.capabilities,
  }
end

function Builder:account(a, at, is_parent)
  local state = self.state
  local acct = statelib.new_account(state, {
    account_id = a.account_id or state:new_id("account"),
    name = a.name or "Sandbox MSP",
    api_hostname = a.api_hostname or state:new_hostname(),
    edition = a.edition, telephony_credits = a.telephony_credits,
    billing_enabled = is_parent and (a.billing_enabled ~= false) or nil,
    settings = a.settings,
  })
  state:claim(acct.api_hostname)
  if is_parent then state:set_parent(acct) else state:add_child(acct) end

  each(a.integrations, at .. ".integrations", function(i, iat) self:integration(acct, i, iat) end)
  each(a.groups, at .. ".groups", function(g)
    acct:add_group{ group_id = g.group_id or state:new_id("group"), name = g.name, desc = g.desc,
                    status = g.status, push_enabled = g.push_enabled, sms_enabled = g.sms_enabled,
                    voice_enabled = g.voice_enabled, mobile_otp_enabled = g.mobile_otp_enabled,
                    u2f_enabled = g.u2f_enabled }
  end)
  each(a.phones, at .. ".phones", function(p) self:phone(acct, p) end)
  each(a.tokens, at .. ".tokens", function(t)
    acct:add_token{ token_id = t.token_id or state:new_id("token"), type = t.type or "h6", serial = t.serial,
                    totp_step = t.totp_step ~= null and t.totp_step or nil }
  end)
  each(a.admins, at .. ".admins", function(ad)
    acct.admins:add{ admin_id = ad.admin_id or state:new_id("admin"), name = ad.name, email = ad.email,
                     phone = ad.phone, role = ad.role, status = ad.status, created = ad.created,
                     last_login = ad.last_login ~= null and ad.last_login or nil }
  end)
  each(a.directories, at .. ".directories", function(d)
    local members = {}
    for _, du in ipairs(d.users or {}) do members[du.username:lower()] = du end
    acct.directories:add{ directory_key = d.directory_key or state:new_id("directory"), name = d.name,
                          type = d.type or "ad", members = members, explicit = d.users ~= nil }
  end)
  each(a.policies, at .. ".policies", function(p)
    acct.policies:add{ policy_key = p.policy_key or state:new_id("policy"), policy_name = p.policy_name,
                       is_global_policy = p.is_global_policy, sections = p.sections }
  end)
  if acct.policies:get("global") == nil then
    local has_global = false
    for _, p in ipairs(acct.policies.list) do if p.is_global_policy then has_global = true end end
    if not has_global then
      acct.policies:add{ policy_key = "global", policy_name = "Global Policy", is_global_policy = true,
                         sections = {} }
    end
  end

  each(a.users, at .. ".users", function(u, uat) self:user(acct, u, uat) end)

  each(a.authlogs, at .. ".authlogs", function(l)
    local u = l.user and acct:user_by_name(l.user)
    local groups = {}
    if u then
      for _, gid in ipairs(u.groups) do groups[#groups + 1] = acct.groups:get(gid).name end
    end
    acct:add_authlog{
      txid = l.txid or state.rng:txid(), ts_ms = l.timestamp * 1000, user_id = u and u.user_id,
      username = l.user, email = u and u.email, groups = groups, result = l.result, reason = l.reason,
      factor = l.factor, event_type = l.event_type, application = l.application, ip = l.ip,
      location = l.location, device = l.device,
    }
  end)
  each(a.adminlogs, at .. ".adminlogs", function(l)
    acct:add_adminlog{ timestamp = l.timestamp, username = l.username or "", action = l.action,
                       object = l.object ~= nil and l.object or null, description = l.description or "" }
  end)
  if a.generated_logs then
    acct.loggen = loggen.check(a.generated_logs, at .. ".generated_logs", self.checker)
  end
  each(a.trust_monitor_events, at .. ".trust_monitor_events", function(e)
    local u = e.user and acct:user_by_name(e.user)
    acct.trust_events[#acct.trust_events + 1] = {
      sekey = e.sekey or ("SEK" .. state.rng:txid():gsub("%-", ""):sub(1, 17):upper()), ts_ms = e.timestamp * 1000,
      type = e.type or "auth", state = e.state or "new", username = e.user, user_id = u and u.user_id,
      explanation = e.explanation or "" }
  end)
  table.sort(acct.trust_events, function(x, y) return x.ts_ms < y.ts_ms end)
  return acct
end

function Builder:user(acct, u, at)
  local state = self.state
  if acct:user_by_name(u.username) then
    self.checker:fail(at .. ".username", "duplicate username or alias '%s' in this account", u.username)
  end
  local aliases = {}
  if is_array(u.aliases) then
    if #u.aliases > 8 then self.checker:fail(at .. ".aliases", "at most 8 aliases, got %d", #u.aliases) end
    for i, v in ipairs(u.aliases) do aliases["alias" .. i] = v end
  elseif u.aliases then
    for k, v in pairs(u.aliases) do
      if not k:match("^alias[1-8]$") then self.checker:fail(at .. ".aliases." .. k, "alias keys are alias1..alias8") end
      aliases[k] = v
    end
  end
  for k, v in pairs(aliases) do
    if type(v) ~= "string" then self.checker:fail(at .. ".aliases", "%s must be a string", k) end
    if acct:user_by_name(v) then
      self.checker:fail(at .. ".aliases", "'%s' is already a username or alias in this account", v)
    end
  end
  local user = acct:add_user{
    user_id = u.user_id or state:new_id("user"), username = u.username, email = u.email,
    realname = u.realname, firstname = u.firstname, lastname = u.lastname, notes = u.notes,
    status = u.status or "active", is_enrolled = u.is_enrolled, created = u.created,
    last_login = u.last_login ~= null and u.last_login or nil, aliases = aliases,
    custom_attributes = u.custom_attributes,
    verification_push = u.verification_push and verification.check(u.verification_push, at .. ".verification_push",
                                                                   self.checker),
  }
  each(u.phones, at .. ".phones", function(p, pat)
    local phone
    if type(p) == "string" then
      phone = acct.phones:get(p)
      if phone == nil then self.checker:fail(pat, "no phone '%s' in this account's phones", p) end
    else
      phone = self:phone(acct, p)
    end
    acct:link_phone(user, phone)
  end)
  each(u.groups, at .. ".groups", function(ref, gat)
    if type(ref) ~= "string" then self.checker:fail(gat, "must be a group name or group_id") end
    local g = acct.groups:get(ref) or acct:group_by_name(ref)
    if g == nil then self.checker:fail(gat, "no group '%s' in this account", ref) end
    acct:link_group(user, g)
  end)
  each(u.tokens, at .. ".tokens", function(ref, tat)
    if type(ref) ~= "string" then self.checker:fail(tat, "must be a token_id or serial") end
    local t = acct.tokens:get(ref)
    if t == nil then
      for _, x in ipairs(acct.tokens.list) do if x.serial == ref then t = x end end
    end
    if t == nil then self.checker:fail(tat, "no token '%s' in this account", ref) end
    acct:link_token(user, t)
  end)
  if u.directory then
    local d = acct.directories:get(u.directory)
    if d == nil then
      for _, x in ipairs(acct.directories.list) do if x.name == u.directory then d = x end end
    end
    if d == nil then self.checker:fail(at .. ".directory", "no directory '%s' in this account", u.directory) end
    user.directory_key = d.directory_key
    if not d.explicit then
      d.members[user.username:lower()] = { username = user.username, email = user.email,
                                           realname = user.realname, firstname = user.firstname,
                                           lastname = user.lastname }
    end
  end
  local bc = u.bypass_codes
  if math.type(bc) == "integer" then
    local list = {}
    for _ = 1, bc do list[#list + 1] = {} end
    bc = list
  end
  each(bc, at .. ".bypass_codes", function(b)
    acct.bypass_codes:add{ bypass_code_id = b.bypass_code_id or state:new_id("bypass_code"),
                           user_id = user.user_id, created = b.created or user.created or 0,
                           expiration = b.expiration ~= null and b.expiration or nil,
                           reuse_count = b.reuse_count ~= null and b.reuse_count or nil,
                           admin_email = b.admin_email }
  end)
  return user
end

-- Ensures the parent has one integration of each API type: the sandbox's
-- credentials.
local function ensure_integrations(state)
  local names = { adminapi = "Admin API", accountsapi = "Accounts API", authapi = "Auth API",
                  deviceapi = "Device API" }
  for _, t in ipairs{ "adminapi", "accountsapi", "authapi", "deviceapi" } do
    if state:parent_integration(t) == nil then
      local integ = { integration_key = state:new_id("integration"), secret_key = state.rng:skey(),
                      name = names[t], type = t }
      if t == "adminapi" then
        for _, f in ipairs(ADMINAPI_FLAGS) do integ[f] = 1 end
      end
      state:add_integration(state.parent, integ)
    end
  end
end

-- Checks seed data and builds the tenant. `name` names the source in
-- messages; `rng` makes the IDs the seed leaves out (and later new ones);
-- `clock` gives the tenant's Unix time.
function M.build(data, name, rng, clock)
  local checker = new_checker(name)
  checker:check(data)
  local state = statelib.new(rng, clock)
  for id in pairs(checker.seen) do state:claim(id) end
  local b = setmetatable({ state = state, checker = checker }, Builder)
  b:account(data.parent or {}, "parent", true)
  each(data.accounts, "accounts", function(a, at) b:account(a, at, false) end)
  ensure_integrations(state)
  return state
end

-- Exporting ------------------------------------------------------------------

local function nonempty(t) if t and next(t) ~= nil then return t end end
local function arr(t) return json.array(t) end

local function export_account(acct, is_parent)
  local a = { account_id = acct.account_id, name = acct.name, api_hostname = acct.api_hostname }
  if not is_parent then
    a.edition = acct.edition
    a.telephony_credits = acct.telephony_credits
  else
    a.billing_enabled = acct.billing_enabled
  end
  local settings = {}
  for k, v in pairs(acct.settings) do
    if statelib.DEFAULT_SETTINGS[k] ~= v and k ~= "name" then settings[k] = v end
  end
  a.settings = nonempty(settings)
  a.generated_logs = acct.loggen and acct.loggen.spec
  local function list(coll, fn)
    local out = arr{}
    for _, o in ipairs(coll.list or coll) do
      local e = fn(o)
      if e then out[#out + 1] = e end
    end
    if #out > 0 then return out end
  end
  a.integrations = list(acct.integrations, function(i)
    local e = { integration_key = i.integration_key, secret_key = i.secret_key, name = i.name, type = i.type,
                notes = i.notes, greeting = i.greeting, groups_allowed = nonempty(i.groups_allowed) }
    if i.type == "adminapi" then
      for _, f in ipairs(ADMINAPI_FLAGS) do e[f] = i[f] end
    end
    return e
  end)
  a.groups = list(acct.groups, function(g)
    return { group_id = g.group_id, name = g.name, desc = g.desc, status = g.status,
             push_enabled = g.push_enabled, sms_enabled = g.sms_enabled, voice_enabled = g.voice_enabled,
             mobile_otp_enabled = g.mobile_otp_enabled, u2f_enabled = g.u2f_enabled }
  end)
  -- phones of exactly one user travel inside that user; others stay here
  local inline = {}
  for _, p in ipairs(acct.phones.list) do
    if #p.users == 1 then inline[p.phone_id] = true end
  end
  local function phone(p)
    return { phone_id = p.phone_id, number = p.number, extension = p.extension, name = p.name, type = p.type,
             platform = p.platform, model = p.model, activated = p.activated, last_seen = p.last_seen,
             capabilities = p.capabilities }
  end
  a.phones = list(acct.phones, function(p) if not inline[p.phone_id] then return phone(p) end end)
  a.tokens = list(acct.tokens, function(t)
    return { token_id = t.token_id, type = t.type, serial = t.serial, totp_step = t.totp_step }
  end)
  a.admins = list(acct.admins, function(ad)
    return { admin_id = ad.admin_id, name = ad.name, email = ad.email, phone = ad.phone, role = ad.role,
             status = ad.status, created = ad.created, last_login = ad.last_login }
  end)
  a.directories = list(acct.directories, function(d)
    local e = { directory_key = d.directory_key, name = d.name, type = d.type }
    if d.explicit then
      local users = arr{}
      local names = {}
      for k in pairs(d.members) do names[#names + 1] = k end
      table.sort(names)
      for _, k in ipairs(names) do
        local m = d.members[k]
        users[#users + 1] = { username = m.username, email = m.email, realname = m.realname,
                              firstname = m.firstname, lastname = m.lastname }
      end
      e.users = users
    end
    return e
  end)
  a.policies = list(acct.policies, function(p)
    if p.policy_key == "global" and p.policy_name == "Global Policy" and next(p.sections or {}) == nil then
      return nil
    end
    return { policy_key = p.policy_key, policy_name = p.policy_name, is_global_policy = p.is_global_policy,
             sections = p.sections }
  end)
  local codes_of = {}
  for _, b in ipairs(acct.bypass_codes.list) do
    codes_of[b.user_id] = codes_of[b.user_id] or arr{}
    local list_ = codes_of[b.user_id]
    list_[#list_ + 1] = { bypass_code_id = b.bypass_code_id, created = b.created, expiration = b.expiration,
                          reuse_count = b.reuse_count, admin_email = b.admin_email }
  end
  a.users = list(acct.users, function(u)
    local e = { user_id = u.user_id, username = u.username, email = u.email, realname = u.realname,
                firstname = u.firstname, lastname = u.lastname, notes = u.notes, status = u.status,
                is_enrolled = u.is_enrolled, created = u.created, last_login = u.last_login,
                custom_attributes = nonempty(u.custom_attributes), verification_push = u.verification_push }
    if next(u.aliases) then
      local al = {}
      for k, v in pairs(u.aliases) do al[k] = v end
      e.aliases = al
    end
    local phones, groups, tokens = arr{}, arr{}, arr{}
    for _, pid in ipairs(u.phones) do
      local p = acct.phones:get(pid)
      phones[#phones + 1] = inline[pid] and phone(p) or pid
    end
    for _, gid in ipairs(u.groups) do groups[#groups + 1] = gid end
    for _, tid in ipairs(u.tokens) do tokens[#tokens + 1] = tid end
    e.phones = #phones > 0 and phones or nil
    e.groups = #groups > 0 and groups or nil
    e.tokens = #tokens > 0 and tokens or nil
    e.bypass_codes = codes_of[u.user_id]
    e.directory = u.directory_key
    return e
  end)
  a.authlogs = list(acct._logs.authlogs, function(l)   -- as seeded or made: no generating here
    if l.generated then return nil end
    return { txid = l.txid, timestamp = l.ts_ms // 1000, user = l.username, result = l.result,
             reason = l.reason, factor = l.factor, event_type = l.event_type, application = l.application,
             ip = l.ip, location = l.location, device = l.device }
  end)
  a.adminlogs = list(acct._logs.adminlogs, function(l)
    if l.generated then return nil end
    return { timestamp = l.timestamp, username = l.username, action = l.action,
             object = l.object ~= null and l.object or nil, description = l.description }
  end)
  a.trust_monitor_events = list(acct.trust_events, function(e)
    return { sekey = e.sekey, timestamp = e.ts_ms // 1000, type = e.type, state = e.state, user = e.username,
             explanation = e.explanation ~= "" and e.explanation or nil }
  end)
  return a
end

-- The tenant as seed data (IDs and keys included, so building it again
-- gives the same tenant).
function M.export(state)
  local accounts = arr{}
  for _, c in ipairs(state.children) do accounts[#accounts + 1] = export_account(c, false) end
  return { version = M.VERSION, parent = export_account(state.parent, true), accounts = accounts }
end

-- JSON text laid out for people: short values on one line, others
-- indented; keys sorted, IDs and names first.
local FIRST_KEYS = { "version", "options", "parent", "accounts",
  "account_id", "user_id", "group_id", "phone_id", "token_id", "admin_id", "integration_key", "directory_key",
  "policy_key", "bypass_code_id", "txid", "timestamp", "name", "username", "policy_name", "email", "realname",
  "status", "api_hostname", "edition", "telephony_credits", "billing_enabled", "settings", "integrations",
  "admins", "groups", "tokens", "phones", "directories", "policies", "users", "authlogs", "adminlogs",
  "trust_monitor_events" }

function M.pretty(v)
  return jsontext.encode(v, { width = 110, first = FIRST_KEYS })
end

return M
