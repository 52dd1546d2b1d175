-- Every method of the endpoint catalogue, called once (or more) against the
-- loopback test server, which checks each request against the wire facts of
-- the spec (tests/data/endpoint_facts.json, not our catalogue): verb, path,
-- percent-encoded path parameters, parameters in the query (GET/DELETE) or a
-- JSON body (POST/PUT), required and unknown parameters, value formats,
-- account_id and the child's hostname.
--
-- The loop is driven by the catalogue: arguments are made from each row's
-- args/named/encode, with a small table of overrides where a generic value
-- cannot work. Each call is checked through the server's request log: every
-- request it sent was answered 200 and fits this method's facts ("matched")
-- on the expected path template; through a child client, every request
-- carried the child's account_id and went to the child's host.
local T = require "testing"
local ts = require "testserver"
local duo = require "duo"
local json = require "duo.json"
local catalogue = require "duo.catalogue"

local admin = ts.client("admin")
local accounts = ts.client("accounts")
local auth = ts.client("auth")
local device = ts.client("device")
local control = ts.client("admin")   -- request log only

local CHILD_INFO = accounts:children()[1]
local child = accounts:child(CHILD_INFO.account_id)

local NOW_S = os.time()
local NOW_MS = NOW_S * 1000

-- Values ------------------------------------------------------------------

local function id(prefix, name)
  -- a Duo-looking ID: prefix + upper-case letters/digits, 20 characters
  local body = (name:upper():gsub("[^%u%d]", "") .. "0123456789ABCDEFGHIJ")
  return (prefix .. body):sub(1, 20)
end

local PNG = "\137PNG\r\n\26\n\0\0\0\rIHDR\0\0\0\1\0\0\0\1\8\6\0\0\0\31\21\196\137"

-- Scalar values by argument name.
local SCALARS = {
  user_id = id("DU", "user"), phone_id = id("DP", "phone"), token_id = id("DH", "token"),
  group_id = id("DG", "group"), admin_id = id("DE", "admin"), integration_key = id("DI", "integ"),
  bypass_code_id = id("DB", "bypass"), desktoptoken_id = id("DD", "desktop"),
  registered_device_id = id("CP", "compkey"), registration_id = id("D1", "u2f"),
  webauthnkey = id("WA", "webauthn"), epkey = id("EP", "endpoint"), policy_key = id("PO", "policy"),
  directory_key = id("DD", "directory"), account_id = id("DA", "account"),
  push_id = "8f6e3a1c-5b7d-4e2f-9a0b-1c2d3e4f5a6b", txid = "45f7c92b-f45f-4862-8545-e0f58e78075a",
  inquiry_id = "inq_4Hz2X1", activation_code = "duo://AbCdEfGh-QUJDREVGR0hJSktMTU5PUA",
  username = "alice", email = "alice@example.com", name = "Acme Helpdesk",
  firstname = "Alice", lastname = "Liddell", realname = "Alice Liddell", notes = "created by a test",
  alias1 = "al", alias2 = "ally", alias3 = "a.liddell", alias4 = "alice2",
  status = "active", number = "+442071838750", phone = "+15555550100", extension = "101",
  platform = "google android", type = "mobile", postdelay = "1", predelay = "2",
  serial = "123456", secret = "3132333435363738393031323334353637383930", counter = 5,
  totp_step = 30, private_id = "aabbccddeeff", aes_key = "00112233445566778899aabbccddeeff",
  code1 = "123456", code2 = "234567", code3 = "345678",
  count = 3, remaining_uses = 2, valid_secs = 3600, valid_days = 7, credits = 500,
  activation_msg = "Activate Duo Mobile", installation_msg = "Install Duo Mobile",
  role = "Help Desk", subaccount_role = "Read-only", admin_role = "Help Desk",
  password = "hunter2-never-sent",
  integration_type = "adminapi", enroll_policy = "enroll", greeting = "Welcome",
  ip_whitelist_enroll_policy = "enforce", trusted_device_days = 30, username_normalization_policy = "simple",
  visual_style = "default",
  caller_id = "+15555550199", fraud_email = "security@example.com", helpdesk_bypass = "allow",
  helpdesk_bypass_expiration = 60, helpdesk_message = "Call 555-0100", inactive_user_expiration = 90,
  keypress_confirm = "#", keypress_fraud = "0", lockout_expire_duration = 30, lockout_threshold = 10,
  log_retention_days = 180, minimum_password_length = 12, pending_deletion_days = 7, sms_batch = 5,
  sms_expiration = 60, sms_message = "Your code", telephony_warning_min = 100, timezone = "Europe/Berlin",
  unenrolled_user_lockout_threshold = 30, user_telephony_cost_max = 20,
  reactivation_url = "https://example.com/reactivate", reactivation_integration_key = id("DI", "react"),
  edition = "ENTERPRISE", enabled_status = "enabled-for-groups", event_type = "auth", sort = "ts:desc",
  filters = "sms", factor = "push", device = "auto", display_username = "Alice (IT)",
  ipaddr = "192.0.2.10", passcode = "123456", trusted_device_token = "dGVzdC10b2tlbg",
  bypass_codes = 2, desc = "a group",
  admin_unit_id = id("DL", "unit"), description = "Help desk of the Berlin office",
  admin_activation_id = id("DF", "activation"), dakey = id("DA", "desktopauth"),
  shared_device_key = id("DS", "shared"), client_id = id("DO", "oauthclient"),
  card_accent_color = "#1a2b3c", page_background_color = "#fff", sso_custom_username_label = "Staff ID",
  help_text = "Call the help desk on +44 20 7183 8750", locale = "en_US", policy_key = id("PO", "policy"),
  mkey = id("DM", "mgmtsystem"), cache_key = id("DC", "cache"),
  -- update_settings: deprecated switches, accepted and never sent
  mobile_otp_enabled = 1, push_enabled = 1, sms_enabled = 1, u2f_enabled = 1, voice_enabled = 1,
}

-- Values of other encodings, by argument name (else by encoding).
local ENCODED = {
  usernames = function() return { "user00001", "user00002" } end,
  user_ids = function() return { id("DU", "one"), id("DU", "two") } end,
  group_ids = function() return { id("DG", "one"), id("DG", "two") } end,
  codes = function() return { "12345678", "87654321" } end,
  ip_whitelist = function() return { "192.0.2.1", "198.51.100.0/24" } end,
  groups_allowed = function() return { id("DG", "one") } end,
  sections = function() return { authentication_methods = { blocked_auth_list = { "sms" } } } end,
  sections_to_delete = function() return json.array{ "duo_mobile_app" } end,
  edit_list = function() return { id("PO", "one"), id("PO", "two") } end,
  edit_all_policies = function() return false end,
  new_policy_names_list = function() return { "Copy A", "Copy B" } end,
  custom_supported_browsers = function() return { macos = { "chrome" }, windows = json.array{} } end,
  enabled_groups = function() return { id("DG", "one") } end,
  disabled_groups = function() return json.array{} end,
  sso = function() return { saml_config = { entity_id = "https://sp.example.com" } } end,
  user_access = function() return { allow_all = true } end,
  preserve_existing = function() return true end,
  password_change_required = function() return true end,
  verified_push_length = function() return 4 end,
  client_supports_verified_push = function() return true end,
  logo = function() return PNG end,
  custom_attribute_map = function() return { department = "eng", cost_center = "42" } end,
  aliases = function() return { alias1 = "al", alias2 = "a l" } end,
  pushinfo = function() return { from = "login portal", domain = "example.com" } end,
  background_img = function() return PNG end,
  restrict_by_groups = function() return true end,
  restrict_by_integrations = function() return false end,
  admins = function() return { id("DE", "one") } end,
  groups = function() return { id("DG", "one"), id("DG", "two") } end,
  integrations = function() return json.array{} end,
  powered_by_duo = function() return false end,
  active = function() return true end,
  group_id_list = function() return { id("DG", "one") } end,
  trusted_endpoint_integration_id_list = function() return { id("DI", "trusted") } end,
  registered_device_key_list = function() return { id("CP", "one"), id("CP", "two") } end,
  operations = function()
    return { { method = "POST", path = "/admin/v1/users", body = { username = "bulk1" } },
             { method = "DELETE", path = "/admin/v1/users/" .. id("DU", "gone") } }
  end,
  users = function() return { { username = "bulk1", email = "bulk1@example.com" }, { username = "bulk2" } } end,
  user_id_list = function() return { id("DU", "one"), id("DU", "two") } end,
  devices = function(row)
    if row.verb == "DELETE" then return { "device-1", "device-2" } end
    return { { device_id = "device-1", name = "LAPTOP-1" }, { device_id = "device-2", name = "LAPTOP-2" } }
  end,
}
local BY_ENCODING = {
  bool10 = function() return true end,
  truefalse = function() return true end,
  truefalse_text = function() return "True" end,
  flag = function() return true end,
  list = function(name) return { name .. "-1", name .. "-2" } end,
  csv = function() return { "a", "b" } end,
  json_string = function() return { "a", "b" } end,
  json = function() return { value = true } end,
}

-- Whole argument lists where a generic value cannot work: name -> function
-- returning the positional arguments (fresh for every call).
local OVERRIDES = {
  -- the server deletes only accounts that exist
  delete_account = function() return { accounts:create_account("Wire Test Co").account_id } end,
}

-- A value for argument `name` of `row`.
local function value_for(row, name)
  if name == row.body_arg then
    return { policy_name = "Test policy", sections = { authentication_methods = {} } }
  end
  if name == "mintime" or name == "maxtime" then
    local ms = row.paging == "logs-v2" or row.paging == "cursor" or row.resource == "trust_monitor"
    local t = name == "mintime" and NOW_S - 3600 or NOW_S
    return ms and t * 1000 or t
  end
  if ENCODED[name] then return ENCODED[name](row) end
  local enc = row.encode[name]
  if enc and BY_ENCODING[enc] then return BY_ENCODING[enc](name) end
  if row.name == "get_tokens_by_serial" and name == "type" then return "h6" end
  local v = SCALARS[name]
  if v == nil then error("no test value for argument '" .. name .. "' of " .. row.name) end
  return v
end

local SKIP_NAMED = { limit = true, offset = true, next_offset = true }

-- The call of one row: positional args, named args table (or nil).
local function arguments(row, full)
  local pos = {}
  if OVERRIDES[row.name] then
    pos = OVERRIDES[row.name]()
  else
    for i, a in ipairs(row.args) do pos[i] = value_for(row, a) end
  end
  local named = {}
  if full then
    local skip = {}
    for i, a in ipairs(row.exclusive) do if i > 1 then skip[a] = true end end
    for i, a in ipairs(row.one_of) do if i > 1 then skip[a] = true end end
    for _, a in ipairs(row.named) do
      if not SKIP_NAMED[a] and not skip[a] and a ~= row.variant_arg then
        named[a] = value_for(row, a)
      end
    end
  else
    -- the least a call can be: one of `one_of`, one argument for at_least_one
    if #row.one_of > 0 then named[row.one_of[1]] = value_for(row, row.one_of[1]) end
    if row.at_least_one then
      local ignored = {}
      for _, a in ipairs(row.ignored) do ignored[a] = true end
      for _, a in ipairs(row.named) do
        if not ignored[a] then named[a] = value_for(row, a); break end
      end
    end
  end
  return pos, named
end

-- Runs the method; returns a description of what came back.
local function invoke(client, row, pos, named)
  local fn = client[row.name]
  assert(type(fn) == "function", row.name .. " is not a method of " .. tostring(client))
  local args = {}
  for i, v in ipairs(pos) do args[i] = v end
  if next(named) then args[#args + 1] = named end
  local result, meta = fn(client, table.unpack(args, 1, #args))
  if type(result) == "function" then
    local n = 0
    for _ in result do n = n + 1 end
    return { iterated = n }
  end
  return { result = result, meta = meta }
end

local function requests_since_clear()
  local log = control:call("GET", "/test/requests")
  return log
end

local function clear()
  control:call("POST", "/test/requests/clear")
end

local function describe(entry)
  return string.format("%s %s -> %s %s [%s]", entry.method, entry.path, tostring(entry.status),
                       tostring(entry.detail or ""), table.concat(entry.matched or {}, ","))
end

-- Calls a row and checks the server's log of it.
-- expect: { host = , listener = , account_id = , path = template }
local function exercise(client, row, full, expect, extra_named)
  local pos, named = arguments(row, full)
  for k, v in pairs(extra_named or {}) do named[k] = v end
  clear()
  local ok, got = pcall(invoke, client, row, pos, named)
  if not ok then
    error(string.format("%s (%s): %s", row.name, full and "all optional arguments" or "required only",
                        tostring(got)), 0)
  end
  local log = requests_since_clear()
  if #log == 0 then error(row.name .. ": the server saw no request", 0) end
  for _, e in ipairs(log) do
    if e.status ~= 200 then error(row.name .. ": " .. describe(e), 0) end
    local fits = false
    for _, m in ipairs(e.matched or {}) do if m == row.name then fits = true end end
    if not fits then
      error(row.name .. ": the request does not fit this method's facts: " .. describe(e), 0)
    end
    if e.template ~= expect.path then
      error(string.format("%s: sent to %s, want %s", row.name, tostring(e.template), expect.path), 0)
    end
    if e.account_id ~= expect.account_id then
      error(string.format("%s: account_id %s, want %s", row.name, tostring(e.account_id),
                          tostring(expect.account_id)), 0)
    end
    if e.host ~= expect.host or e.listener ~= expect.listener then
      error(string.format("%s: went to %s (%s), want %s (%s)", row.name, tostring(e.host),
                          tostring(e.listener), expect.host, expect.listener), 0)
    end
  end
  if row.raw then
    T.truthy(type(got.result) == "string" and got.result:sub(1, 4) == "\137PNG", row.name .. " returns PNG bytes")
  end
  return got, log
end

local function where(client, row, variant_path)
  local e = { path = variant_path or row.path, host = client.host, account_id = client.account_id }
  if client == child then
    e.listener = "child0"
  else
    e.listener = "good"
  end
  return e
end

local function client_for(row)
  if row.accounts_only then return child end
  return ({ admin = admin, accounts = accounts, auth = auth, device = device })[row.api]
end

-- Tests -----------------------------------------------------------------------

T.test("the test server's first child is child0", function()
  T.eq(child.host, "127.0.0.1:" .. ts.port("child0"))
  T.eq(child.account_id, CHILD_INFO.account_id)
end)

T.test("every method exists on its client, and only there", function()
  local clients = { admin = admin, accounts = accounts, auth = auth, device = device }
  for _, row in ipairs(catalogue.methods) do
    T.eq(type(client_for(row)[row.name]), "function", row.api .. "." .. row.name)
    for api, c in pairs(clients) do
      if api ~= row.api and not catalogue.by_name[api][row.name] then
        T.eq(c[row.name], nil, api .. " client has " .. row.name)
      end
    end
  end
  -- the legacy Auth API v1 rows are not exposed
  for _, row in ipairs(catalogue.legacy) do
    T.truthy(catalogue.by_name.auth[row.name] == nil or catalogue.by_name.auth[row.name] ~= row,
             "legacy " .. row.name .. " is not a client method")
  end
end)

local exercised = { full = {}, minimal = {}, child = {}, variants = {} }
local optional_sent = 0

T.test("every method, with all its optional arguments, on the right client", function()
  local failures = {}
  for _, row in ipairs(catalogue.methods) do
    local c = client_for(row)
    local ok, err = pcall(exercise, c, row, true, where(c, row))
    if ok then
      exercised.full[row.name] = true
      local _, named = arguments(row, true)
      if next(named) then optional_sent = optional_sent + 1 end
    else
      failures[#failures + 1] = tostring(err)
    end
  end
  if #failures > 0 then error(#failures .. " methods failed:\n  " .. table.concat(failures, "\n  "), 0) end
end)

T.test("every method with its required arguments only (defaults fill the rest)", function()
  local failures = {}
  for _, row in ipairs(catalogue.methods) do
    local c = client_for(row)
    local ok, err = pcall(exercise, c, row, false, where(c, row))
    if ok then exercised.minimal[row.name] = true else failures[#failures + 1] = tostring(err) end
  end
  if #failures > 0 then error(#failures .. " methods failed:\n  " .. table.concat(failures, "\n  "), 0) end
end)

T.test("every variant (api_version) of the rows that have them", function()
  for _, row in ipairs(catalogue.methods) do
    if row.variants then
      for v in pairs(row.variants) do
        local vrow = catalogue.variant(row, v)
        local extra = { [row.variant_arg] = v }
        if vrow.paging == "logs-v1" then extra.mintime = NOW_S - 3600 end
        local c = client_for(row)
        exercise(c, row, false, where(c, row, vrow.path), extra)
        exercised.variants[row.name .. "@" .. v] = true
      end
    end
  end
end)

T.test("every Admin API method through a child account: account_id and the child's host", function()
  local failures = {}
  for _, row in ipairs(catalogue.methods) do
    if row.api == "admin" then
      local ok, err = pcall(exercise, child, row, true, where(child, row))
      if ok then exercised.child[row.name] = true else failures[#failures + 1] = tostring(err) end
    end
  end
  if #failures > 0 then error(#failures .. " methods failed:\n  " .. table.concat(failures, "\n  "), 0) end
end)

T.test("a Device API client made with an mkey fills it into every path", function()
  local mkey, other = SCALARS.mkey, id("DM", "other")
  local d = ts.client("device", { mkey = mkey })
  clear()
  d:get_device_caches("active")
  d:get_device_cache(SCALARS.cache_key)
  d:add_device_cache_devices(SCALARS.cache_key, { { device_id = "d1" } })
  d:get_device_caches{ status = "pending", mkey = other }   -- by name, it still wins
  local paths = {}
  for _, e in ipairs(requests_since_clear()) do
    T.eq(e.status, 200, describe(e))
    paths[#paths + 1] = e.path
  end
  local base = "/device/v1/management_systems/"
  T.eq(table.concat(paths, " "), table.concat({ base .. mkey .. "/device_cache",
    base .. mkey .. "/device_cache/" .. SCALARS.cache_key,
    base .. mkey .. "/device_cache/" .. SCALARS.cache_key .. "/devices",
    base .. other .. "/device_cache" }, " "))
  -- without an mkey in the client it is the first argument
  T.raises(function() device:get_device_caches("active") end, "'get_device_caches'")
  T.raises(function() ts.client("admin", { mkey = mkey }) end, "unknown option 'mkey'")
end)

T.test("as the Python client: sort \"desc\" is sent as ts:desc, v1 log rows carry eventtype and host",
       function()
  clear()
  admin:get_telephony_log{ sort = "desc", limit = 5 }
  admin:get_activity_logs{ sort = "asc", limit = 5 }
  admin:get_authentication_log{ sort = "ts:desc", limit = 5 }
  local sorts = {}
  for _, e in ipairs(requests_since_clear()) do
    T.eq(e.status, 200, describe(e))
    sorts[#sorts + 1] = e.params.sort
  end
  T.eq(table.concat(sorts, " "), "ts:desc ts:asc ts:desc")
  local rows = admin:get_administrator_log{ mintime = NOW_S - 600 }
  T.truthy(#rows > 0, "administrator log rows")
  for _, r in ipairs(rows) do
    T.eq(r.eventtype, "administrator")
    T.eq(r.host, admin.host)
  end
  local n = 0
  for r in admin:iterate("get_administrator_log", { mintime = NOW_S - 600 }) do
    T.eq(r.eventtype, "administrator")
    n = n + 1
  end
  T.eq(n, #rows)
end)

-- The differences the official clients' own tests found (issue 25), each
-- as the official client sends it or as README.md's comparison documents.
local function only_request()
  local log = requests_since_clear()
  T.eq(#log, 1, "one request")
  T.eq(log[1].status, 200, describe(log[1]))
  return log[1]
end

T.test("as the official clients: passport nulls, v1 telephony window, optional phone, token type, filters",
       function()
  clear()
  admin:update_passport_config("enabled-for-groups", { enabled_groups = { "DGPASS" } })
  local e = only_request()
  T.eq(e.params.disabled_groups, json.null, "disabled_groups not given: null, as Python sends")
  T.eq(e.params.enabled_groups[1], "DGPASS")

  clear()
  admin:get_telephony_log{ api_version = 1 }
  e = only_request()
  local mintime = tonumber(e.params.mintime)
  T.truthy(math.abs(mintime - (NOW_S - 180 * 86400)) < 120, "v1 default: the last 180 days, got " .. mintime)
  T.eq(e.params.limit, nil); T.eq(e.params.sort, nil)
  T.raises(function() admin:get_telephony_log{ api_version = 1, limit = 5 } end,
           "'limit' is not taken by api_version 1")
  T.raises(function() admin:get_telephony_log{ api_version = 1, sort = "desc" } end,
           "'sort' is not taken by api_version 1")

  clear()
  admin:add_admin("No Phone", "nophone@example.com")
  e = only_request()
  T.eq(e.params.phone, nil)
  T.eq(e.params.email, "nophone@example.com")
  clear()
  admin:add_admin("With Phone", "phone@example.com", "+15555550100", nil, { role = "Help Desk" })
  e = only_request()
  T.eq(e.params.phone, "+15555550100"); T.eq(e.params.role, "Help Desk")

  clear()
  admin:add_token("t6", "SER-1", { secret = "3132333435", totp_step = 60 })
  e = only_request()
  T.eq(e.params.type, "t6"); T.eq(e.params.serial, "SER-1"); T.eq(e.params.totp_step, "60")

  for _, given in ipairs{ "True", "False", "true", false } do
    clear()
    admin:update_admin_password_mgmt_status(SCALARS.admin_id, { has_external_password_mgmt = given })
    e = only_request()
    T.eq(e.params.has_external_password_mgmt, tostring(given):lower())
  end
  T.raises(function()
    admin:update_admin_password_mgmt_status(SCALARS.admin_id, { has_external_password_mgmt = "yes" })
  end, "must be true, false")

  clear()
  admin:get_administrative_units{ admin_id = SCALARS.admin_id, group_id = SCALARS.group_id,
                                  integration_key = SCALARS.integration_key, limit = 10 }
  e = only_request()
  T.eq(e.params.admin_id, SCALARS.admin_id); T.eq(e.params.group_id, SCALARS.group_id)
  T.eq(e.params.integration_key, SCALARS.integration_key)
end)

T.test("deliberate differences: an empty update is refused, offset without limit is sent", function()
  clear()
  T.raises(function() admin:update_settings() end, "update_settings: nothing to change")
  T.raises(function() admin:update_integration(SCALARS.integration_key) end,
           "update_integration: nothing to change")
  T.eq(#requests_since_clear(), 0, "nothing sent")
  clear()
  admin:get_users{ offset = 2 }
  local log = requests_since_clear()
  T.eq(log[1].params.offset, "2", "the caller's offset is kept (Python drops it)")
end)

T.test("billing methods need a child account", function()
  for _, row in ipairs(catalogue.methods) do
    if row.accounts_only then
      local pos = arguments(row, false)
      local e = T.raises(function() admin[row.name](admin, table.unpack(pos)) end,
                         "accounts:child")
      T.eq(duo.is_error(e) and e.kind, "config", row.name)
    end
  end
end)

T.test("a request the facts refuse fails with a readable 40002", function()
  local e = T.raises(function() admin:call("GET", "/admin/v1/users", { nickname = "x" }) end,
                     "unknown parameter nickname")
  T.eq(e.code, 40002)
  e = T.raises(function() admin:call("POST", "/admin/v1/groups", {}) end, "missing required parameter name")
  T.eq(e.code, 40002)
  e = T.raises(function() admin:call("GET", "/admin/v1/logs/administrator", { mintime = NOW_MS }) end,
               "mintime must be Unix seconds")
  e = T.raises(function() admin:call("PUT", "/admin/v1/users") end, "allowed: GET, POST")
  T.eq(e.code, 40501)
end)

T.test("every row was exercised", function()
  local names, missing = {}, {}
  for _, row in ipairs(catalogue.methods) do
    names[#names + 1] = row.name
    if not exercised.full[row.name] then missing[#missing + 1] = row.name .. " (all optional)" end
    if not exercised.minimal[row.name] then missing[#missing + 1] = row.name .. " (required only)" end
    if row.api == "admin" and not exercised.child[row.name] then missing[#missing + 1] = row.name .. " (child)" end
  end
  T.eq(#catalogue.methods, 228, "catalogue rows")
  local per_api = {}
  for _, row in ipairs(catalogue.methods) do per_api[row.api] = (per_api[row.api] or 0) + 1 end
  T.eq(per_api.device, 8, "Device API rows")
  T.eq(table.concat(missing, ", "), "", "rows not exercised")
  local nvariants = 0
  for _ in pairs(exercised.variants) do nvariants = nvariants + 1 end
  T.eq(nvariants, 6, "variants exercised")
  -- every row with an optional argument (other than paging's) got at least one
  local with_optional = 0
  for _, row in ipairs(catalogue.methods) do
    for _, a in ipairs(row.named) do
      if not SKIP_NAMED[a] and a ~= row.variant_arg then with_optional = with_optional + 1; break end
    end
  end
  T.truthy(with_optional > 40, "rows with optional arguments: " .. with_optional)
  T.eq(optional_sent, with_optional, "rows called with optional arguments")
end)

T.done()
