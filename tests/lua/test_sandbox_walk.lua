-- Every catalogue method, called through its client method on the demo
-- tenant of the sandbox: each answers Duo-shaped data, except the few
-- listed in EXCEPTIONS with the reason and the error Duo would give too.
local T = require "testing"
local duo = require "duo"
local json = require "duo.json"
local catalogue = require "duo.catalogue"

local sb = duo.sandbox()
local accounts = duo.accounts()
local child = accounts:child(accounts:get_child_accounts()[1].account_id)
local clients = { admin = child, accounts = accounts, auth = duo.auth(), device = duo.device() }

-- Methods that fail on the demo tenant the way they would fail on Duo,
-- with the reason: name -> { code, reason }.
local EXCEPTIONS = {
  sync_user = { 40401, "the walk does not know which usernames the directory holds; "
                       .. "test_sandbox.lua syncs real directory users" },
}

-- Objects of kinds no API method creates (Duo Desktop, WebAuthn, ...): one
-- each in the child, as a seed file could hold them.
local child_state = sb.state:account(child.account_id)
local function plant(path, idname, id)
  child_state:generic_collection(path, idname):add({ [idname] = id, name = "planted by the walk" })
  return id
end
local PLANTED = {
  registration_id = plant("/admin/v1/u2ftokens", "registration_id", "D1WALK00000000000000"),
  webauthnkey = plant("/admin/v1/webauthncredentials", "webauthnkey", "WAWALK00000000000000"),
  epkey = plant("/admin/v1/endpoints", "epkey", "EPWALK00000000000000"),
  registered_device_id = plant("/admin/v1/registered_devices", "registered_device_id", "CPWALK00000000000000"),
  dakey = plant("/admin/v1/desktop_authenticators", "dakey", "DAKWALK0000000000000"),
  client_id = plant("/admin/v2/integrations/oauth_cc/{integration_key}/client_secret", "client_id",
                    "DOWALK00000000000000"),
}
plant("/admin/v1/registered_devices/blocked", "registered_device_id", "CPWALK00000000000000")

-- IDs made by the walk's own calls (prepare), by argument name.
local made = {}

local SCALARS = {
  username = "walker", email = "walker@example.com", name = "Walk Test", description = "made by the walk",
  number = "+442079460011", platform = "windows", type = "h6", serial = "WALK-1", secret = "3132333435",
  private_id = "aabbccddeeff", aes_key = "00112233445566778899aabbccddeeff", code1 = "1", code2 = "2",
  code3 = "3", integration_type = "websdk", phone = "+61491570156", password = "never-sent",
  edition = "ENTERPRISE", credits = 100, enabled_status = "disabled", status = "active",
  factor = "auto", mintime = 0, maxtime = 0, restrict_by_groups = false, policy_key = "global",
}

local LISTS = {
  usernames = { "walker" }, user_ids = { "DUWALK00000000000000" }, group_ids = { "DGWALK00000000000000" },
  new_policy_names_list = { "Copy" }, sections = {}, sections_to_delete = json.array{}, edit_list = json.array{},
  operations = { { method = "GET", path = "/admin/v1/info/summary" } },
  users = { { username = "bulkwalker" } }, user_id_list = { "DUWALK00000000000000" },
  group_id_list = json.array{}, trusted_endpoint_integration_id_list = json.array{},
  registered_device_key_list = { "CPWALK00000000000000" }, devices = { "device-1" },
  json_request = { policy_name = "Walk policy" }, logo = "\137PNG\r\n\26\n",
}

-- The first object of a listing, fetched with the child's client.
local function first(method, field)
  local obj = child[method](child)[1]
  return obj and obj[field]
end

-- A user of the child with a phone, and that phone.
local function user_with_phone()
  for _, u in ipairs(child:get_users()) do
    if #u.phones > 0 then return u.user_id, u.phones[1].phone_id end
  end
end

-- Live objects, looked up again for every call (a delete may have removed
-- the previous one).
local LIVE = {
  user_id = function() return (user_with_phone()) end,
  phone_id = function() return select(2, user_with_phone()) end,
  group_id = function() return first("get_groups", "group_id") end,
  admin_id = function() return first("get_admins", "admin_id") end,
  token_id = function() return first("get_tokens", "token_id")
                              or child:add_hotp6_token("WALK-T", "3132333435").token_id end,
  integration_key = function() return child:create_integration("Walk app", "websdk").integration_key end,
  bypass_code_id = function() return first("get_bypass_codes", "bypass_code_id") end,
  desktoptoken_id = function() return child:add_desktoptoken("windows").desktoptoken_id end,
  admin_unit_id = function() return child:create_administrative_unit("Unit " .. os.clock(), "walk", false).admin_unit_id end,
  shared_device_key = function()
    return child:create_shared_desktop_authenticator(json.array{}, json.array{}).shared_device_key
  end,
  admin_activation_id = function() return child:activate_admin("pending@example.com").admin_activation_id end,
  cache_key = function() return clients.device:create_device_cache().cache_key end,
}

-- Calls that need the answer of another call first: name -> arguments.
local ARGS = {
  send_verification_push = function() return { user_with_phone() } end,
  get_verification_push_response = function()
    local user_id, phone_id = user_with_phone()
    return { user_id, child:send_verification_push(user_id, phone_id).push_id }
  end,
  cancel_idv = function()
    local user_id = user_with_phone()
    return { user_id, child:start_idv(user_id).inquiry_id }
  end,
  delete_user = function() return { child:add_user("doomed").user_id } end,
  delete_phone = function() return { child:add_phone{ number = "+61491570157" }.phone_id } end,
  update_integration = function() return { LIVE.integration_key(), { name = "Renamed" } } end,
  update_integration_v1 = function() return { LIVE.integration_key(), { name = "Renamed" } } end,
  update_integration_v2 = function() return { LIVE.integration_key(), { name = "Renamed" } } end,
  get_logo = function() child:update_logo(LISTS.logo) return {} end,
  delete_policy_v2 = function() return { child:create_policy_v2{ policy_name = "Doomed" }.policy_key } end,
  delete_account = function() return { accounts:create_account("Walk Co").account_id } end,
  update_settings = function() return { { timezone = "Europe/Berlin" } } end,
  preauth = function() return { { username = made.parent_user } } end,
  auth = function() return { "auto", { username = made.parent_user } } end,
  auth_status = function()
    return { clients.auth:auth("push", { username = made.parent_user, async_txn = true }).txid }
  end,
  enroll_status = function()
    local e = clients.auth:enroll()
    return { e.user_id, e.activation_code }
  end,
  sync_admin = function() return { "walker@example.com", made.directory_key } end,
  add_device_cache_devices = function() return { LIVE.cache_key(), { { device_id = "device-1" } } } end,
  add_token = function() return { "t6", "WALK-ANY", { secret = "3132333435" } } end,
}

-- The child's directory key, a parent user for the Auth API.
local function prepare()
  for _, d in ipairs(sb:directories()) do
    if d.account_id == child.account_id then made.directory_key = d.directory_key end
  end
  made.parent_user = duo.admin():get_users()[1].username
end

local function value(c, row, name)
  if name == "directory_key" then return made.directory_key end
  if PLANTED[name] then return PLANTED[name] end
  if LIVE[name] then return LIVE[name]() end
  if row.resource == "trust_monitor" and (name == "mintime" or name == "maxtime") then
    return (os.time() - (name == "mintime" and 3600 or 0)) * 1000
  end
  if LISTS[name] ~= nil then return LISTS[name] end
  local v = SCALARS[name]
  assert(v ~= nil, "no walk value for '" .. name .. "' of " .. row.name)
  return v
end

-- Duo-shaped: a decoded JSON value (a table, string, number or boolean), PNG
-- bytes for raw rows, or a stream for iterators.
local function shaped(row, r)
  if row.raw then return type(r) == "string" and r:sub(1, 4) == "\137PNG" end
  return r ~= nil
end

T.test("every catalogue method answers Duo-shaped data (or its listed exception)", function()
  prepare()
  local failures, succeeded, excepted = {}, 0, 0
  for _, row in ipairs(catalogue.methods) do
    local c = clients[row.api]
    local args = {}
    local ok, r = pcall(function()
      if ARGS[row.name] then
        args = ARGS[row.name]()
      else
        for _, a in ipairs(row.args) do
          if not (c.mkey and a == "mkey") then args[#args + 1] = value(c, row, a) end
        end
      end
      return c[row.name](c, table.unpack(args))
    end)
    if ok and type(r) == "function" then
      local stream = r
      ok, r = pcall(function() for _ in stream do end return true end)   -- iterators: every page
    end
    local exc = EXCEPTIONS[row.name]
    if exc then
      if ok or not duo.is_error(r) or r.code ~= exc[1] then
        failures[#failures + 1] = string.format("%s: listed as failing with %d (%s), got %s", row.name, exc[1],
                                                exc[2], ok and "success" or tostring(r))
      else
        excepted = excepted + 1
      end
    elseif not ok then
      failures[#failures + 1] = row.name .. ": " .. tostring(r)
    elseif not shaped(row, r) then
      failures[#failures + 1] = row.name .. ": answered " .. tostring(r)
    else
      succeeded = succeeded + 1
    end
  end
  if #failures > 0 then error(#failures .. " methods:\n  " .. table.concat(failures, "\n  "), 0) end
  local n = 0
  for _ in pairs(EXCEPTIONS) do n = n + 1 end
  T.eq(excepted, n, "every exception is a catalogue method")
  T.eq(succeeded + excepted, #catalogue.methods)
end)

T.done()
