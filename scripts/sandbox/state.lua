-- The simulated tenant: a parent account and its child accounts, each with
-- users, groups, phones, tokens, bypass codes, administrators,
-- integrations, directories, policies, settings and logs. Objects are kept
-- in their internal shape and rendered into Duo's JSON shapes on the way
-- out (M.render_*). Everything here is plain data plus bookkeeping: the
-- routes decide what a request does.
local json = require "duo.json"
local ids = require "sandbox.ids"

local M = {}

local null = json.null
local function array(t) return json.array(t or {}) end
M.array = array

-- Collection: objects in insertion order, indexed by their ID field. ------

local Collection = {}
Collection.__index = Collection

function M.collection(idfield)
  return setmetatable({ idfield = idfield, list = {}, by_id = {} }, Collection)
end

function Collection:add(obj)
  local id = obj[self.idfield]
  assert(id ~= nil and self.by_id[id] == nil, "duplicate or missing ID")
  self.list[#self.list + 1] = obj
  self.by_id[id] = obj
  return obj
end

function Collection:get(id)
  if id == nil then return nil end
  return self.by_id[id]
end

function Collection:remove(id)
  local obj = self.by_id[id]
  if obj == nil then return nil end
  self.by_id[id] = nil
  for i, o in ipairs(self.list) do
    if o == obj then table.remove(self.list, i) break end
  end
  return obj
end

function Collection:count()
  return #self.list
end

-- Removes one value from an array (first occurrence); whether it was there.
local function remove_value(list, value)
  for i, v in ipairs(list) do
    if v == value then table.remove(list, i) return true end
  end
  return false
end
M.remove_value = remove_value

local function contains(list, value)
  for _, v in ipairs(list) do if v == value then return true end end
  return false
end
M.contains = contains

-- Account ---------------------------------------------------------------

local Account = {}
M.Account = Account

-- The logs live in a._logs; an account with generated log volume
-- (a.loggen, sandbox.loggen) fills them the first time one is read.
local LOGS = { authlogs = true, adminlogs = true, telephony = true }
function Account.__index(self, k)
  local method = Account[k]
  if method ~= nil or not LOGS[k] then return method end
  local logs = rawget(self, "_logs")
  local gen = rawget(self, "loggen")
  if gen and not logs.generated then
    logs.generated = true
    gen:fill(self, logs)
  end
  return logs[k]
end

M.DEFAULT_SETTINGS = {
  caller_id = "", email_activity_notification_enabled = false, enrollment_universal_prompt_enabled = true,
  fraud_email = "", fraud_email_enabled = false, helpdesk_bypass = "allow", helpdesk_bypass_expiration = 0,
  helpdesk_can_send_enroll_email = false, helpdesk_message = "", inactive_user_expiration = 0,
  keypress_confirm = "#", keypress_fraud = "0", lockout_expire_duration = null, lockout_threshold = 10,
  log_retention_days = null, minimum_password_length = 12, name = "", password_requires_lower_alpha = false,
  password_requires_numeric = false, password_requires_special = false, password_requires_upper_alpha = false,
  pending_deletion_days = 7, push_activity_notification_enabled = false, security_checkup_enabled = true,
  sms_batch = 1, sms_expiration = 60, sms_message = "", sms_refresh = false, telephony_warning_min = 0,
  timezone = "UTC", unenrolled_user_lockout_threshold = 0, user_managers_can_put_users_in_bypass = true,
  user_telephony_cost_max = 20,
}

function M.new_account(state, fields)
  local a = setmetatable({
    state = state,
    account_id = fields.account_id,
    name = fields.name,
    api_hostname = fields.api_hostname,
    edition = fields.edition or "ENTERPRISE",
    telephony_credits = fields.telephony_credits or 0,
    billing_enabled = fields.billing_enabled,
    users = M.collection("user_id"),
    user_names = {},          -- lower-case username or alias -> user
    groups = M.collection("group_id"),
    phones = M.collection("phone_id"),
    tokens = M.collection("token_id"),
    bypass_codes = M.collection("bypass_code_id"),
    admins = M.collection("admin_id"),
    integrations = M.collection("integration_key"),
    directories = M.collection("directory_key"),
    policies = M.collection("policy_key"),
    _logs = {
      authlogs = {},          -- sorted by ts_ms, then txid
      adminlogs = {},         -- sorted by timestamp
      telephony = {},         -- telephony log records
    },
    activity = {},            -- activity log records
    trust_events = {},        -- Trust Monitor events, sorted by ts_ms
    settings = {},
    generic = {},             -- collection path -> Collection (endpoints without their own model)
    singletons = {},          -- path -> object (settings-like endpoints without their own model)
    pushes = {},              -- push_id -> verification push
    transactions = {},        -- txid -> Auth API transaction
    enrollments = {},         -- user_id -> { activation_code, status }
    idv = {},                 -- user_id -> identity verification inquiry
  }, Account)
  for k, v in pairs(M.DEFAULT_SETTINGS) do a.settings[k] = v end
  a.settings.name = fields.name or ""
  for k, v in pairs(fields.settings or {}) do a.settings[k] = v end
  return a
end

function Account:is_parent()
  return self.state.parent == self
end

-- Users: the username index covers aliases too.
local function name_key(s)
  return type(s) == "string" and s:lower() or nil
end

function Account:index_user(u)
  self.user_names[name_key(u.username)] = u
  for _, alias in pairs(u.aliases) do
    if alias ~= null and alias ~= "" then self.user_names[name_key(alias)] = u end
  end
end

function Account:unindex_user(u)
  for k, v in pairs(self.user_names) do
    if v == u then self.user_names[k] = nil end
  end
end

function Account:add_user(u)
  u.aliases = u.aliases or {}
  u.phones = u.phones or {}
  u.groups = u.groups or {}
  u.tokens = u.tokens or {}
  u.u2ftokens = u.u2ftokens or {}
  u.webauthncredentials = u.webauthncredentials or {}
  u.custom_attributes = u.custom_attributes or {}
  self.users:add(u)
  self:index_user(u)
  return u
end

function Account:user_by_name(name)
  return self.user_names[name_key(name)]
end

-- Phones, groups and tokens are linked to users both ways: the user lists
-- their IDs under the same name as the account's collection, and each
-- object lists its users' IDs.
local LINKED = {
  phone = { list = "phones", id = "phone_id" },
  group = { list = "groups", id = "group_id" },
  token = { list = "tokens", id = "token_id" },
}

function Account:remove_user(u)
  self.users:remove(u.user_id)
  self:unindex_user(u)
  for _, k in pairs(LINKED) do
    for _, oid in ipairs(u[k.list]) do
      local o = self[k.list]:get(oid)
      if o then remove_value(o.users, u.user_id) end
    end
  end
  for i = #self.bypass_codes.list, 1, -1 do
    local b = self.bypass_codes.list[i]
    if b.user_id == u.user_id then self.bypass_codes:remove(b.bypass_code_id) end
  end
end

-- Account:link_phone(u, p), unlink_phone, add_phone(p), remove_phone(p),
-- and the same for groups and tokens.
for kind, k in pairs(LINKED) do
  Account["link_" .. kind] = function(_, u, o)
    if not contains(u[k.list], o[k.id]) then u[k.list][#u[k.list] + 1] = o[k.id] end
    if not contains(o.users, u.user_id) then o.users[#o.users + 1] = u.user_id end
  end
  Account["unlink_" .. kind] = function(_, u, o)
    remove_value(u[k.list], o[k.id])
    remove_value(o.users, u.user_id)
  end
  Account["add_" .. kind] = function(self, o)
    o.users = o.users or {}
    return self[k.list]:add(o)
  end
  Account["remove_" .. kind] = function(self, o)
    for _, uid in ipairs(o.users) do
      local u = self.users:get(uid)
      if u then remove_value(u[k.list], o[k.id]) end
    end
    self[k.list]:remove(o[k.id])
  end
end

function Account:group_by_name(name)
  for _, g in ipairs(self.groups.list) do
    if g.name == name then return g end
  end
end

-- Keeps the log arrays sorted (logs arrive out of order from seeds).
local function authlog_before(a, b)
  if a.ts_ms ~= b.ts_ms then return a.ts_ms < b.ts_ms end
  return a.txid < b.txid
end

function Account:add_authlog(rec)
  local logs = self.authlogs
  local i = #logs
  while i > 0 and authlog_before(rec, logs[i]) do i = i - 1 end
  table.insert(logs, i + 1, rec)
  return rec
end

function Account:add_adminlog(rec)
  local logs = self.adminlogs
  local i = #logs
  while i > 0 and rec.timestamp < logs[i].timestamp do i = i - 1 end
  table.insert(logs, i + 1, rec)
  return rec
end

-- Records an administrator action (as the Admin Panel's log does).
function Account:log_action(who, action, object, description)
  self:add_adminlog{ timestamp = self.state:now(), username = who or "API", action = action,
                     object = object or null,
                     description = type(description) == "table" and json.encode(description)
                                   or description or "" }
end

-- A collection of an endpoint without its own model, created on demand.
function Account:generic_collection(path, idfield)
  local c = self.generic[path]
  if c == nil then
    c = M.collection(idfield)
    self.generic[path] = c
  end
  return c
end

-- Rendering ---------------------------------------------------------------

local function iso(ts)
  return os.date("!%Y-%m-%dT%H:%M:%S+00:00", ts)
end
M.iso = iso

local function orn(v) if v == nil then return null end return v end
M.orn = orn

-- A user as embedded in phones, tokens and groups.
function M.render_user_brief(u)
  return { user_id = u.user_id, username = u.username, realname = u.realname or "",
           email = u.email or "", status = u.status }
end

-- The brief form of the users with these IDs (a phone's or token's users).
local function render_users(acct, ids)
  local users = array()
  for _, uid in ipairs(ids) do
    local u = acct.users:get(uid)
    if u then users[#users + 1] = M.render_user_brief(u) end
  end
  return users
end

function M.render_phone(acct, p, with_users)
  local out = {
    phone_id = p.phone_id, number = p.number or "", extension = p.extension or "", name = p.name or "",
    type = p.type or "Mobile", platform = p.platform or "Generic Smartphone", model = p.model or "Unknown",
    activated = p.activated == true, sms_passcodes_sent = p.sms_passcodes_sent == true,
    predelay = orn(p.predelay), postdelay = orn(p.postdelay),
    capabilities = array(p.capabilities or (p.activated and { "auto", "push", "sms", "phone", "mobile_otp" }
                                            or { "auto", "sms", "phone" })),
    encrypted = p.activated and "Encrypted" or "", fingerprint = p.activated and "Configured" or "",
    screenlock = p.activated and "Locked" or "", tampered = p.activated and "Not tampered" or "",
    last_seen = p.last_seen and iso(p.last_seen) or "",
  }
  if with_users then out.users = render_users(acct, p.users) end
  return out
end

function M.render_group(g)
  return {
    group_id = g.group_id, name = g.name, desc = g.desc or "", status = g.status or "Active",
    push_enabled = g.push_enabled ~= false, sms_enabled = g.sms_enabled ~= false,
    voice_enabled = g.voice_enabled ~= false, mobile_otp_enabled = g.mobile_otp_enabled ~= false,
    u2f_enabled = g.u2f_enabled ~= false,
  }
end

function M.render_token(acct, t, with_users)
  local out = { token_id = t.token_id, type = t.type, serial = t.serial, totp_step = orn(t.totp_step),
                admins = array() }
  if with_users then out.users = render_users(acct, t.users) end
  return out
end

function Account:user_enrolled(u)
  if u.is_enrolled ~= nil then return u.is_enrolled end
  return #u.phones > 0 or #u.tokens > 0 or #u.webauthncredentials > 0
end

function M.render_user(acct, u)
  local phones, groups, tokens = array(), array(), array()
  for _, pid in ipairs(u.phones) do
    local p = acct.phones:get(pid)
    if p then phones[#phones + 1] = M.render_phone(acct, p, false) end
  end
  for _, gid in ipairs(u.groups) do
    local g = acct.groups:get(gid)
    if g then groups[#groups + 1] = M.render_group(g) end
  end
  for _, tid in ipairs(u.tokens) do
    local t = acct.tokens:get(tid)
    if t then tokens[#tokens + 1] = M.render_token(acct, t, false) end
  end
  local aliases = {}
  for k, v in pairs(u.aliases) do aliases[k] = v end
  local out = {
    user_id = u.user_id, username = u.username, email = u.email or "", realname = u.realname or "",
    firstname = u.firstname or "", lastname = u.lastname or "", notes = u.notes or "",
    status = u.status or "active", is_enrolled = acct:user_enrolled(u),
    created = u.created or 0, last_login = orn(u.last_login),
    last_directory_sync = orn(u.last_directory_sync),
    aliases = aliases, phones = phones, groups = groups, tokens = tokens,
    u2ftokens = array(u.u2ftokens), webauthncredentials = array(u.webauthncredentials),
    desktoptokens = array(), custom_attributes = u.custom_attributes,
    enable_auto_prompt = u.enable_auto_prompt ~= false, external_id = orn(u.external_id),
    lockout_reason = u.status == "locked out" and (u.lockout_reason or "Failed Attempts") or null,
  }
  for i = 1, 4 do out["alias" .. i] = orn(u.aliases["alias" .. i]) end
  return out
end

function M.render_bypass_code(acct, b)
  local u = acct.users:get(b.user_id)
  return { bypass_code_id = b.bypass_code_id, created = b.created, expiration = orn(b.expiration),
           reuse_count = orn(b.reuse_count), admin_email = b.admin_email or "",
           user = u and M.render_user_brief(u) or null }
end

function M.render_admin(a)
  return {
    admin_id = a.admin_id, name = a.name, email = a.email, phone = a.phone or "", role = a.role or "Owner",
    status = a.status or "Active", created = a.created or 0, last_login = orn(a.last_login),
    password_change_required = a.password_change_required == true, restricted_by_admin_units = false,
    admin_units = array(), hardtoken = null, last_directory_sync = orn(a.last_directory_sync),
    subaccount_role = orn(a.subaccount_role),
  }
end

M.ADMINAPI_FLAGS = { "adminapi_admins", "adminapi_info", "adminapi_integrations", "adminapi_read_log",
                     "adminapi_read_resource", "adminapi_settings", "adminapi_write_resource" }

function M.render_integration(i, with_secret)
  local out = {}
  for k, v in pairs(i) do
    if k ~= "secret_key" then out[k] = v end
  end
  out.groups_allowed = array(i.groups_allowed)
  out.notes = i.notes or ""
  out.greeting = i.greeting or ""
  for _, f in ipairs(M.ADMINAPI_FLAGS) do out[f] = i[f] or 0 end
  if with_secret then out.secret_key = i.secret_key end
  return out
end

function M.render_policy(p)
  return { policy_key = p.policy_key, policy_name = p.policy_name, is_global_policy = p.is_global_policy == true,
           sections = p.sections or {} }
end

function M.render_account(a)
  return { account_id = a.account_id, name = a.name, api_hostname = a.api_hostname }
end

-- An authentication log record in the v2 shape.
function M.render_authlog_v2(rec)
  return {
    txid = rec.txid, timestamp = rec.ts_ms // 1000, isotimestamp = iso(rec.ts_ms // 1000),
    event_type = rec.event_type or "authentication", result = rec.result or "success",
    reason = rec.reason or "user_approved", factor = rec.factor or "duo_push",
    user = { key = orn(rec.user_id), name = rec.username or "", groups = array(rec.groups) },
    email = rec.email or "", alias = "",
    application = { key = rec.application_key or "", name = rec.application or "" },
    access_device = { ip = rec.ip or "", hostname = null, browser = rec.browser or "Chrome",
                      os = rec.os or "Windows", location = rec.location or {} },
    auth_device = { name = rec.device or "", ip = orn(rec.device_ip), location = {} },
    trusted_endpoint_status = "unknown", ood_software = null,
  }
end

-- The same record in the deprecated v1 shape.
function M.render_authlog_v1(rec)
  return {
    timestamp = rec.ts_ms // 1000, username = rec.username or "", factor = rec.factor or "duo_push",
    result = rec.result or "success", reason = rec.reason or "user_approved", ip = rec.ip or "",
    integration = rec.application or "", eventtype = rec.event_type or "authentication",
    device = rec.device or "", location = rec.location or {}, new_enrollment = false,
  }
end

function M.render_adminlog(rec)
  return { timestamp = rec.timestamp, isotimestamp = iso(rec.timestamp), username = rec.username,
           action = rec.action, object = rec.object, description = rec.description }
end

-- State ---------------------------------------------------------------------

local State = {}
State.__index = State

-- A new, empty tenant. `rng` makes new IDs; `clock` gives Unix seconds.
function M.new(rng, clock)
  return setmetatable({
    rng = rng,
    clock = clock or os.time,
    parent = nil,
    children = {},            -- in the order of the account list
    by_account = {},          -- account_id -> child account
    ikeys = {},               -- integration_key -> { integration, account }
    used = {},                -- every ID handed out or seeded
  }, State)
end

function State:now()
  return self.clock()
end

-- Marks an ID as used; false when it already was.
function State:claim(id)
  if self.used[id] then return false end
  self.used[id] = true
  return true
end

-- A new unused ID of a kind (ids.PREFIX) or with a literal prefix.
function State:new_id(kind)
  local prefix = ids.PREFIX[kind] or kind
  while true do
    local id = self.rng:id(prefix)
    if self:claim(id) then return id end
  end
end

function State:new_hostname()
  while true do
    local h = self.rng:hostname()
    if self:claim(h) then return h end
  end
end

function State:set_parent(acct)
  self.parent = acct
end

function State:add_child(acct)
  self.children[#self.children + 1] = acct
  self.by_account[acct.account_id] = acct
  return acct
end

function State:remove_child(id)
  local acct = self.by_account[id]
  if acct == nil then return nil end
  self.by_account[id] = nil
  remove_value(self.children, acct)
  for _, i in ipairs(acct.integrations.list) do self.ikeys[i.integration_key] = nil end
  return acct
end

function State:child(id)
  return self.by_account[id]
end

-- The parent or a child by account_id.
function State:account(id)
  if self.parent and self.parent.account_id == id then return self.parent end
  return self.by_account[id]
end

function State:add_integration(acct, integ)
  acct.integrations:add(integ)
  self.ikeys[integ.integration_key] = { integration = integ, account = acct }
  return integ
end

function State:remove_integration(acct, ikey)
  acct.integrations:remove(ikey)
  self.ikeys[ikey] = nil
end

function State:integration(ikey)
  return self.ikeys[ikey]
end

-- The parent's first integration of a type (adminapi, accountsapi, authapi).
function State:parent_integration(itype)
  for _, i in ipairs(self.parent.integrations.list) do
    if i.type == itype then return i end
  end
end

function State:each_account()
  local list = { self.parent }
  for _, c in ipairs(self.children) do list[#list + 1] = c end
  return ipairs(list)
end

return M
