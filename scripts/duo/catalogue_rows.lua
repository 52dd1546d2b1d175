-- The endpoint catalogue's data: the vocabularies and one row per method of
-- the Duo Admin, Accounts, Auth and Device APIs, as written (duo.catalogue
-- normalizes and indexes them; duo.catalogue_check validates them). Plain
-- data: loadable from stock lua5.4, no globals, no I/O.
--
--
-- A row (fields that are not given take the value in brackets):
--   name        method name, as in the most complete official client
--   api         "admin" | "accounts" | "auth" | "device" | "auth_v1"  [from its section]
--   resource    grouping for docs and ordering, e.g. "users"   [from its section]
--   app         application type whose keys sign the call:
--               "admin" | "accounts" | "auth" | "device"        [from its section]
--   verb, path  HTTP verb and path template; {x} is a path parameter, taken
--               from the argument x and percent-encoded before signing
--   args        required arguments, positional, in this order            [{}]
--   named       optional arguments, by name (client-side names)          [{}]
--   wire        client name -> wire name where they differ; a wire name
--               ending in "*" is a prefix (see encoding "flatten")       [{}]
--   required    wire parameters the request always carries               [{}]
--   optional    wire parameters it may carry                             [{}]
--               (limit/offset/next_offset implied by `paging` are not listed)
--   fixed       wire parameters with a constant value                    [{}]
--   defaults    client argument -> value used when the caller gives none:
--               a string/number/boolean, or one of clock(), when(), json()
--   encode      client argument -> encoding (M.encodings); others "scalar"
--   ignored     arguments accepted for compatibility but never sent
--   redact      arguments whose values --dry-run and traces must mask
--   exclusive   at most one of these arguments may be given
--   one_of      exactly one of these arguments must be given
--   at_least_one  true: the call needs at least one optional argument
--   paging      "none" | "offset" | "page-or-all" | "logs-v1" | "logs-v2"
--               | "cursor" (M.pagings)                              ["none"]
--   items       key of the record array inside `response` (logs-v2, cursor)
--   max_limit   largest page size the endpoint accepts
--   writes      changes state: --dry-run prints it instead of sending
--               [verb ~= "GET"]
--   permission  Admin API permission the call needs (M.permissions), or
--               nil [section's read or write permission, by `writes`]
--   accounts_only  true: only through Accounts API credentials on a child
--   body_arg    the argument whose value (a table) is the whole JSON body
--   nest        body object -> list of arguments nested inside it
--   raw         true: the answer is bytes (a PNG), not a JSON envelope
--   unsigned    true: sent without Date/Authorization
--   sig, form   legacy rows: signature version 2, form-encoded body
--   only_when   argument -> { other_argument = { values... } }: sent only
--               when the other argument has one of those values
--   variants    version -> fields overriding the row (path, paging, ...);
--               variant_arg names the argument that picks one,
--               default_variant the one used when it is absent
--   deprecated  text: why a row, variant or argument should not be used
--   secret_response  true: the answer holds another integration's secret
--   eventtype   logs-v1 rows: each record comes back tagged with this
--               eventtype and the client's host, as the Python client does
--   summary     one line for the docs
--   certainty, source  rows not in the official Python client: how sure
--               the facts are ("high" | "medium") and where they come from
--   path_params (derived) the {x} names of path, in order
--   stream      on a page-or-all row: the summary of its streaming twin
--               <name>_iterator, derived here (same endpoint and arguments
--               less limit/offset, paging "offset"), listed just before it
--
-- The module: the vocabularies M.verbs, M.apis, M.apps, M.permissions,
-- M.pagings, M.encodings; the default makers M.clock, M.when, M.json; and
-- the rows as written, M.methods (admin, accounts, auth, device, grouped by
-- api then resource) and M.legacy (auth_v1).

local M = {}

local DAY = 86400

-- Defaults that are not plain values.
-- now in `unit` ("s" or "ms") plus `offset` seconds, at call time
local function clock(unit, offset) return { kind = "clock", unit = unit, offset = offset or 0 } end
-- `value` when the argument `arg` is truthy, else nothing
local function when(arg, value) return { kind = "when", arg = arg, value = value } end
-- a JSON value (text), decoded by the caller's JSON codec so arrays stay arrays
local function json(text) return { kind = "json", text = text } end
M.clock, M.when, M.json = clock, when, json

-- Vocabularies -----------------------------------------------------------

M.verbs = { GET = true, POST = true, PUT = true, DELETE = true }
M.body_verbs = { POST = true, PUT = true }

M.apis = {
  admin = {
    title = "Admin API", prefix = "/admin/", app = "admin",
    credentials = "the integration key, secret key and API hostname of an \"Admin API\" "
      .. "application (Admin Panel: Applications > Protect an Application > Admin API), "
      .. "with the permissions the call needs",
  },
  accounts = {
    title = "Accounts API", prefix = "/accounts/", app = "accounts",
    credentials = "the integration key, secret key and API hostname of the parent "
      .. "account's \"Accounts API\" application",
  },
  auth = {
    title = "Auth API", prefix = "/auth/v2/", app = "auth",
    credentials = "the integration key, secret key and API hostname of an \"Auth API\" "
      .. "application",
  },
  device = {
    title = "Device API", prefix = "/device/", app = "device",
    credentials = "the integration key, secret key and API hostname of a \"Device API\" application, "
      .. "and the management system key (mkey) of the device management system it manages",
  },
  auth_v1 = {
    title = "Auth API v1 (legacy)", prefix = "/rest/v1/", app = "auth",
    credentials = "the keys of an \"Auth API\" application; signature version 2 only",
  },
}

-- Application types: which keys a call needs (hints for error 40102).
M.apps = {
  admin = { application = "Admin API", profile = "admin", env = "DUO_ADMIN_*",
    hint = "this call needs Admin API keys (profile field 'admin'); 40102 almost always "
      .. "means keys of another application type, such as Auth API or Accounts API keys" },
  accounts = { application = "Accounts API", profile = "accounts", env = "DUO_ACCOUNTS_*",
    hint = "this call needs the parent's Accounts API keys (profile field 'accounts')" },
  auth = { application = "Auth API", profile = "auth", env = "DUO_AUTH_*",
    hint = "this call needs Auth API keys (profile field 'auth'), not Admin API keys" },
  device = { application = "Device API", profile = "device", env = "DUO_DEVICE_*",
    hint = "this call needs Device API keys (profile field 'device', with its mkey)" },
}

-- Admin API permissions (hints for error 40301). `panel` is the label newer
-- versions of the Admin Panel and of Duo's docs use for the same grant.
M.permissions = {
  ["Grant read resource"] = { panel = "Grant resource - Read",
    covers = "read users, groups, phones, tokens, bypass codes, U2F/WebAuthn, endpoints, "
      .. "registered devices, policies, Passport, identity verification" },
  ["Grant write resource"] = { panel = "Grant resource - Write",
    covers = "change the same objects; directory sync of one user" },
  ["Grant read log"] = { panel = "Grant read log",
    covers = "authentication, administrator, telephony, offline enrollment and activity "
      .. "logs; Trust Monitor events" },
  ["Grant settings"] = { panel = "Grant settings", covers = "account settings and logo" },
  ["Grant administrators"] = { panel = "Grant administrators - Read/Write",
    covers = "administrators, activations, administrative units, admin auth methods" },
  ["Grant applications"] = { panel = "Grant applications - Read/Write",
    covers = "integrations (applications) and their secret keys" },
  ["Grant read information"] = { panel = "Grant read information",
    covers = "account summary, telephony credits used, authentication attempt reports" },
}

-- Paging modes: the wire parameters each implies, and what it means.
M.pagings = {
  ["none"] = { params = {}, doc = "one request, one answer" },
  ["offset"] = { params = { "limit", "offset" },
    doc = "a stream: send limit and offset (from 0), then offset = metadata.next_offset "
      .. "until it is absent or null; records are `response` itself" },
  ["page-or-all"] = { params = { "limit", "offset" },
    doc = "with a limit: that one page (limit, offset); without: every page, as one array" },
  ["logs-v1"] = { params = {},
    doc = "mintime in Unix seconds; up to 1000 records per call, no metadata: page by "
      .. "asking again from the largest timestamp seen" },
  ["logs-v2"] = { params = { "limit", "next_offset" },
    doc = "mintime/maxtime in Unix milliseconds; records in response[items], "
      .. "response.metadata.next_offset sent back (comma-joined) as next_offset" },
  ["cursor"] = { params = { "limit", "offset" },
    doc = "first call without offset, then offset = response.metadata.next_offset (opaque) "
      .. "until absent; records in response[items]" },
}

-- Encodings of a client argument into wire parameters. `types` are the Lua
-- types argument checking accepts.
M.encodings = {
  scalar = { types = { "string", "number" },
    doc = "a string as is; an integral number as a decimal string" },
  bool10 = { types = { "boolean", "number" }, doc = "true/false (or 1/0) as \"1\"/\"0\"" },
  truefalse = { types = { "boolean" }, doc = "true/false as the strings \"true\"/\"false\"" },
  pybool = { types = { "boolean" }, doc = "true/false as the strings \"True\"/\"False\" (the Device API)" },
  flag = { types = { "boolean" }, doc = "true as \"1\"; false: the parameter is left out" },
  json = { types = { "string", "number", "boolean", "table" },
    doc = "sent as the JSON value given (booleans stay booleans, tables become "
      .. "objects/arrays); body requests only" },
  json_string = { types = { "table" }, doc = "an array, JSON-encoded into one string" },
  csv = { types = { "table", "string", "number" },
    doc = "an array joined with \",\" (elements as scalars); a string as is" },
  list = { types = { "table", "string", "number" },
    doc = "an array as a repeated parameter (one key=value pair per element)" },
  base64 = { types = { "string" }, doc = "bytes, base64-encoded" },
  flatten = { types = { "table" },
    doc = "a table {k = v} as one parameter per key: <wire prefix>k = v" },
  sort = { types = { "string" },
    doc = "\"asc\"/\"desc\" become \"ts:asc\"/\"ts:desc\" (the Python client's telephony form); "
      .. "other text as is" },
  urlencoded = { types = { "table", "string" },
    doc = "a table {k = v} as one form-encoded string \"k=v&k2=v2\" (sorted); a string as is" },
}

-- Rows ---------------------------------------------------------------------

local RR, WR = "Grant read resource", "Grant write resource"
local ADMINS, APPS = "Grant administrators", "Grant applications"
local SETTINGS, INFO, LOG = "Grant settings", "Grant read information", "Grant read log"

-- Rows from Duo's Ruby client and the PowerShell module (issue 13) say how
-- sure their facts are (certainty) and where they come from (source), as
-- ../shared/spec/duo-endpoints-extra.json records them.
local RUBY = "Ruby admin.rb "

local list = {}        -- M.methods, in order
local legacy = {}      -- M.legacy: auth_v1 rows

-- The streaming twin of a page-or-all row with `stream`: the same endpoint
-- and arguments less limit/offset, every page in turn (paging "offset").
local function stream_twin(row)
  local twin = {}
  for k, v in pairs(row) do twin[k] = v end
  twin.name, twin.summary, twin.stream = row.name .. "_iterator", row.stream, nil
  twin.paging = "offset"
  local named = {}
  for _, a in ipairs(row.named or {}) do
    if a ~= "limit" and a ~= "offset" then named[#named + 1] = a end
  end
  twin.named = named
  return twin
end

-- Adds rows with the section's common fields; `read`/`write` are the
-- permissions of reading and writing rows. A row with `stream` comes after
-- its derived twin.
local function section(common, rows, into)
  for _, row in ipairs(rows) do
    for k, v in pairs(common) do
      if k ~= "read" and k ~= "write" and row[k] == nil then row[k] = v end
    end
    if row.permission == nil and (common.read or common.write) then
      local writes = row.writes
      if writes == nil then writes = row.verb ~= "GET" end
      row.permission = writes and common.write or common.read
    end
    if type(row.stream) == "string" then table.insert(into or list, stream_twin(row)) end
    table.insert(into or list, row)
  end
end

-- a new list: a's elements, then b's
local function concat(a, b)
  local t = {}
  for _, v in ipairs(a) do t[#t + 1] = v end
  for _, v in ipairs(b) do t[#t + 1] = v end
  return t
end
-- a new map: a's pairs, then b's
local function merge(a, b)
  local t = {}
  for k, v in pairs(a) do t[k] = v end
  for k, v in pairs(b) do t[k] = v end
  return t
end

local function admin(resource, read, write)
  return { api = "admin", app = "admin", resource = resource, read = read, write = write }
end

section(admin("users", RR, WR), {
  { name = "get_users", verb = "GET", path = "/admin/v1/users", named = { "limit", "offset" },
    paging = "page-or-all", max_limit = 300,
    stream = "Every user, streamed page by page.",
    summary = "Users: one page with a limit, else all of them." },
  { name = "get_user_by_id", verb = "GET", path = "/admin/v1/users/{user_id}", args = { "user_id" },
    summary = "One user by user ID." },
  { name = "get_user_by_email", verb = "GET", path = "/admin/v1/users", args = { "email" },
    required = { "email" }, summary = "The users (0 or 1) with this email address." },
  { name = "get_users_by_name", verb = "GET", path = "/admin/v1/users", args = { "username" },
    required = { "username" }, summary = "The users (0 or 1) with this username or alias." },
  { name = "get_users_by_names", verb = "GET", path = "/admin/v1/users", args = { "usernames" },
    wire = { usernames = "username_list" }, required = { "username_list" },
    encode = { usernames = "json_string" }, paging = "offset", max_limit = 300,
    summary = "Users by a list of usernames or aliases (up to 100), streamed." },
  { name = "get_users_by_ids", verb = "GET", path = "/admin/v1/users", args = { "user_ids" },
    wire = { user_ids = "user_id_list" }, required = { "user_id_list" },
    encode = { user_ids = "json_string" }, paging = "offset", max_limit = 300,
    summary = "Users by a list of user IDs (up to 100), streamed." },
  { name = "add_user", verb = "POST", path = "/admin/v1/users", args = { "username" },
    named = { "alias1", "alias2", "alias3", "alias4", "aliases", "custom_attribute_map", "email",
              "firstname", "lastname", "notes", "realname", "status" },
    wire = { custom_attribute_map = "custom_attributes.*" }, required = { "username" },
    optional = { "alias1", "alias2", "alias3", "alias4", "aliases", "custom_attributes.*", "email",
                 "firstname", "lastname", "notes", "realname", "status" },
    encode = { custom_attribute_map = "flatten", aliases = "urlencoded" },
    summary = "Create a user." },
  { name = "update_user", verb = "POST", path = "/admin/v1/users/{user_id}", args = { "user_id" },
    named = { "alias1", "alias2", "alias3", "alias4", "aliases", "email", "firstname", "lastname",
              "notes", "realname", "status", "username" },
    optional = { "alias1", "alias2", "alias3", "alias4", "aliases", "email", "firstname", "lastname",
                 "notes", "realname", "status", "username" },
    encode = { aliases = "urlencoded" }, summary = "Change a user's attributes." },
  { name = "delete_user", verb = "DELETE", path = "/admin/v1/users/{user_id}", args = { "user_id" },
    summary = "Delete a user at once (not via the trash)." },
  { name = "enroll_user", verb = "POST", path = "/admin/v1/users/enroll", args = { "username", "email" },
    named = { "valid_secs" }, required = { "email", "username" }, optional = { "valid_secs" },
    summary = "Create the user if needed and email an enrollment link." },
  { name = "add_user_bypass_codes", verb = "POST", path = "/admin/v1/users/{user_id}/bypass_codes",
    args = { "user_id" },
    named = { "codes", "count", "endpoint_verification", "preserve_existing", "remaining_uses", "valid_secs" },
    wire = { remaining_uses = "reuse_count" },
    optional = { "codes", "count", "endpoint_verification", "preserve_existing", "reuse_count", "valid_secs" },
    encode = { codes = "csv", preserve_existing = "json", endpoint_verification = "truefalse" },
    exclusive = { "count", "codes" }, redact = { "codes" },
    summary = "Generate (or set) bypass codes; replaces existing ones unless preserve_existing." },
  { name = "get_user_bypass_codes", verb = "GET", path = "/admin/v1/users/{user_id}/bypass_codes",
    args = { "user_id" }, named = { "limit", "offset" }, paging = "page-or-all", max_limit = 500,
    stream = "A user's bypass codes (metadata, not the codes), streamed.",
    summary = "A user's bypass codes (metadata): one page or all." },
  { name = "get_user_phones", verb = "GET", path = "/admin/v1/users/{user_id}/phones",
    args = { "user_id" }, named = { "limit", "offset" }, paging = "page-or-all", max_limit = 500,
    stream = "A user's phones, streamed.",
    summary = "A user's phones: one page or all." },
  { name = "add_user_phone", verb = "POST", path = "/admin/v1/users/{user_id}/phones",
    args = { "user_id", "phone_id" }, required = { "phone_id" }, summary = "Associate a phone with a user." },
  { name = "delete_user_phone", verb = "DELETE", path = "/admin/v1/users/{user_id}/phones/{phone_id}",
    args = { "user_id", "phone_id" }, summary = "Disassociate a phone from a user (the phone remains)." },
  { name = "get_user_tokens", verb = "GET", path = "/admin/v1/users/{user_id}/tokens",
    args = { "user_id" }, named = { "limit", "offset" }, paging = "page-or-all", max_limit = 500,
    stream = "A user's hardware tokens, streamed.",
    summary = "A user's hardware tokens: one page or all." },
  { name = "add_user_token", verb = "POST", path = "/admin/v1/users/{user_id}/tokens",
    args = { "user_id", "token_id" }, required = { "token_id" },
    summary = "Associate a hardware token with a user." },
  { name = "delete_user_token", verb = "DELETE", path = "/admin/v1/users/{user_id}/tokens/{token_id}",
    args = { "user_id", "token_id" }, summary = "Disassociate a hardware token from a user." },
  { name = "get_user_u2ftokens", verb = "GET", path = "/admin/v1/users/{user_id}/u2ftokens",
    args = { "user_id" }, named = { "limit", "offset" }, paging = "page-or-all", max_limit = 500,
    stream = "A user's U2F tokens, streamed.",
    summary = "A user's U2F tokens: one page or all." },
  { name = "get_user_webauthncredentials", verb = "GET",
    path = "/admin/v1/users/{user_id}/webauthncredentials", args = { "user_id" },
    named = { "limit", "offset" }, paging = "page-or-all", max_limit = 500,
    stream = "A user's WebAuthn credentials, streamed.",
    summary = "A user's WebAuthn credentials: one page or all." },
  { name = "get_user_groups", verb = "GET", path = "/admin/v1/users/{user_id}/groups",
    args = { "user_id" }, named = { "limit", "offset" }, paging = "page-or-all", max_limit = 500,
    stream = "A user's groups, streamed.",
    summary = "A user's groups: one page or all." },
  { name = "add_user_group", verb = "POST", path = "/admin/v1/users/{user_id}/groups",
    args = { "user_id", "group_id" }, required = { "group_id" }, summary = "Add a user to a group." },
  { name = "delete_user_group", verb = "DELETE", path = "/admin/v1/users/{user_id}/groups/{group_id}",
    args = { "user_id", "group_id" }, summary = "Remove a user from a group." },
  { name = "sync_user", verb = "POST", path = "/admin/v1/users/directorysync/{directory_key}/syncuser",
    args = { "username", "directory_key" }, required = { "username" },
    summary = "Directory sync of one user now: create, update or mark for deletion." },
  { name = "send_verification_push", verb = "POST", path = "/admin/v1/users/{user_id}/send_verification_push",
    args = { "user_id", "phone_id" }, required = { "phone_id" },
    summary = "Send a verification push to one of a user's phones; answers a push_id." },
  { name = "get_verification_push_response", verb = "GET",
    path = "/admin/v1/users/{user_id}/verification_push_response", args = { "user_id", "push_id" },
    required = { "push_id" }, summary = "The user's answer to a verification push." },
})

section(admin("bulk", RR, WR), {
  { name = "bulk_operations", verb = "POST", path = "/admin/v1/bulk", args = { "operations" },
    required = { "operations" }, encode = { operations = "json_string" }, certainty = "medium",
    source = RUBY .. "bulk_operations; Python PR #256",
    summary = "Run {method, path, body} operations in one call (at most 50; admin:bulk chunks longer lists)." },
  { name = "bulk_create_users", verb = "POST", path = "/admin/v1/users/bulk_create", args = { "users" },
    required = { "users" }, encode = { users = "json_string" }, certainty = "medium",
    source = RUBY .. "bulk_create_users; Python PR #256 (path /admin/v1/bulk_create)",
    summary = "Create users ({username, realname, email, ...} each), all or nothing." },
  { name = "bulk_restore_users", verb = "POST", path = "/admin/v1/users/bulk_restore", args = { "user_id_list" },
    required = { "user_id_list" }, encode = { user_id_list = "json_string" }, certainty = "medium",
    source = RUBY .. "bulk_restore_users", summary = "Bring users back out of the trash." },
  { name = "bulk_trash_users", verb = "POST", path = "/admin/v1/users/bulk_send_to_trash", args = { "user_id_list" },
    required = { "user_id_list" }, encode = { user_id_list = "json_string" }, certainty = "medium",
    source = RUBY .. "bulk_trash_users; Python PR #299", summary = "Move users to the trash." },
})

section(admin("bypass_codes", RR, WR), {
  { name = "get_bypass_codes_generator", verb = "GET", path = "/admin/v1/bypass_codes",
    paging = "offset", max_limit = 500, summary = "Every bypass code (metadata), streamed." },
  { name = "get_bypass_codes", verb = "GET", path = "/admin/v1/bypass_codes", named = { "limit", "offset" },
    paging = "page-or-all", max_limit = 500, summary = "Bypass codes (metadata): one page or all." },
  { name = "delete_bypass_code_by_id", verb = "DELETE", path = "/admin/v1/bypass_codes/{bypass_code_id}",
    args = { "bypass_code_id" }, summary = "Delete one bypass code." },
})

section(admin("bypass_codes", RR, WR), {
  { name = "get_bypass_code_by_id", verb = "GET", path = "/admin/v1/bypass_codes/{bypass_code_id}",
    args = { "bypass_code_id" }, certainty = "high",
    source = "PowerShell Get-DuoBypassCodes.ps1; " .. RUBY .. "get_bypass_code",
    summary = "One bypass code's metadata (never the code itself)." },
})

local PHONE_FIELDS = { "extension", "name", "number", "platform", "postdelay", "predelay", "type" }
section(admin("phones", RR, WR), {
  { name = "get_phones_generator", verb = "GET", path = "/admin/v1/phones",
    paging = "offset", max_limit = 500, summary = "Every phone, streamed." },
  { name = "get_phones", verb = "GET", path = "/admin/v1/phones", named = { "limit", "offset" },
    paging = "page-or-all", max_limit = 500, summary = "Phones: one page or all." },
  { name = "get_phone_by_id", verb = "GET", path = "/admin/v1/phones/{phone_id}", args = { "phone_id" },
    summary = "One phone by phone ID." },
  { name = "get_phones_by_number", verb = "GET", path = "/admin/v1/phones", args = { "number" },
    named = { "extension" }, required = { "number" }, optional = { "extension" },
    summary = "The phones (0 or 1) with this number (E.164) and extension." },
  { name = "add_phone", verb = "POST", path = "/admin/v1/phones", named = PHONE_FIELDS,
    optional = PHONE_FIELDS, summary = "Create a phone." },
  { name = "update_phone", verb = "POST", path = "/admin/v1/phones/{phone_id}", args = { "phone_id" },
    named = PHONE_FIELDS, optional = PHONE_FIELDS, summary = "Change a phone." },
  { name = "delete_phone", verb = "DELETE", path = "/admin/v1/phones/{phone_id}", args = { "phone_id" },
    summary = "Delete a phone." },
  { name = "send_sms_activation_to_phone", verb = "POST", path = "/admin/v1/phones/{phone_id}/send_sms_activation",
    args = { "phone_id" }, named = { "activation_msg", "install", "installation_msg", "valid_secs" },
    optional = { "activation_msg", "install", "installation_msg", "valid_secs" }, encode = { install = "bool10" },
    summary = "Text a Duo Mobile activation link (and optionally an install link) to the phone." },
  { name = "create_activation_url", verb = "POST", path = "/admin/v1/phones/{phone_id}/activation_url",
    args = { "phone_id" }, named = { "install", "valid_secs" }, optional = { "install", "valid_secs" },
    encode = { install = "bool10" }, summary = "A new Duo Mobile activation URL for the phone." },
  { name = "send_sms_installation", verb = "POST", path = "/admin/v1/phones/{phone_id}/send_sms_installation",
    args = { "phone_id" }, named = { "installation_msg" }, optional = { "installation_msg" },
    summary = "Text a Duo Mobile installation link to the phone." },
})

section(admin("phones", RR, WR), {
  { name = "send_sms_passcodes_to_phone", verb = "POST", path = "/admin/v1/phones/{phone_id}/send_sms_passcodes",
    args = { "phone_id" }, certainty = "high",
    source = "PowerShell Send-DuoPhoneSmsPasscode.ps1; " .. RUBY .. "send_sms_passcodes",
    summary = "Text a fresh batch of SMS passcodes to the phone." },
})

section(admin("tokens", RR, WR), {
  { name = "get_tokens_generator", verb = "GET", path = "/admin/v1/tokens",
    paging = "offset", max_limit = 500, summary = "Every hardware token, streamed." },
  { name = "get_tokens", verb = "GET", path = "/admin/v1/tokens", named = { "limit", "offset" },
    paging = "page-or-all", max_limit = 500, summary = "Hardware tokens: one page or all." },
  { name = "get_token_by_id", verb = "GET", path = "/admin/v1/tokens/{token_id}", args = { "token_id" },
    summary = "One hardware token by token ID." },
  { name = "get_tokens_by_serial", verb = "GET", path = "/admin/v1/tokens", args = { "type", "serial" },
    required = { "serial", "type" },
    summary = "The tokens (0 or 1) of this type (h6, h8, t6, t8, yk, d1) and serial." },
  { name = "delete_token", verb = "DELETE", path = "/admin/v1/tokens/{token_id}", args = { "token_id" },
    summary = "Delete a hardware token." },
  { name = "add_hotp6_token", verb = "POST", path = "/admin/v1/tokens", args = { "serial", "secret" },
    named = { "counter" }, fixed = { type = "h6" }, required = { "secret", "serial", "type" },
    optional = { "counter" }, redact = { "secret" }, summary = "Import a 6-digit HOTP token." },
  { name = "add_hotp8_token", verb = "POST", path = "/admin/v1/tokens", args = { "serial", "secret" },
    named = { "counter" }, fixed = { type = "h8" }, required = { "secret", "serial", "type" },
    optional = { "counter" }, redact = { "secret" }, summary = "Import an 8-digit HOTP token." },
  { name = "add_totp6_token", verb = "POST", path = "/admin/v1/tokens", args = { "serial", "secret" },
    named = { "totp_step" }, fixed = { type = "t6" }, required = { "secret", "serial", "type" },
    optional = { "totp_step" }, redact = { "secret" }, summary = "Import a 6-digit TOTP token." },
  { name = "add_totp8_token", verb = "POST", path = "/admin/v1/tokens", args = { "serial", "secret" },
    named = { "totp_step" }, fixed = { type = "t8" }, required = { "secret", "serial", "type" },
    optional = { "totp_step" }, redact = { "secret" }, summary = "Import an 8-digit TOTP token." },
  { name = "add_yubikey_token", verb = "POST", path = "/admin/v1/tokens",
    args = { "serial", "private_id", "aes_key" },
    fixed = { type = "yk" }, required = { "aes_key", "private_id", "serial", "type" },
    redact = { "private_id", "aes_key" }, summary = "Import a YubiKey (Yubico OTP) token." },
  { name = "update_token", verb = "POST", path = "/admin/v1/tokens/{token_id}", args = { "token_id" },
    named = { "totp_step" }, optional = { "totp_step" }, summary = "Change a TOTP token's time step." },
  { name = "resync_hotp_token", verb = "POST", path = "/admin/v1/tokens/{token_id}/resync",
    args = { "token_id", "code1", "code2", "code3" }, required = { "code1", "code2", "code3" },
    summary = "Resynchronize an HOTP token from three consecutive codes." },
})

section(admin("u2ftokens", RR, WR), {
  { name = "get_u2ftokens", verb = "GET", path = "/admin/v1/u2ftokens", named = { "limit", "offset" },
    stream = "Every U2F token, streamed.",
    paging = "page-or-all", max_limit = 500, summary = "U2F tokens: one page or all." },
  { name = "get_u2ftoken_by_id", verb = "GET", path = "/admin/v1/u2ftokens/{registration_id}",
    args = { "registration_id" }, summary = "One U2F token by registration ID." },
  { name = "delete_u2ftoken", verb = "DELETE", path = "/admin/v1/u2ftokens/{registration_id}",
    args = { "registration_id" }, summary = "Delete a U2F token." },
})

section(admin("webauthncredentials", RR, WR), {
  { name = "get_webauthncredentials", verb = "GET", path = "/admin/v1/webauthncredentials",
    named = { "limit", "offset" }, paging = "page-or-all", max_limit = 500,
    stream = "Every WebAuthn credential, streamed.",
    summary = "WebAuthn credentials: one page or all." },
  { name = "get_webauthncredential_by_id", verb = "GET", path = "/admin/v1/webauthncredentials/{webauthnkey}",
    args = { "webauthnkey" }, summary = "One WebAuthn credential by key." },
  { name = "delete_webauthncredential", verb = "DELETE", path = "/admin/v1/webauthncredentials/{webauthnkey}",
    args = { "webauthnkey" }, summary = "Delete a WebAuthn credential." },
})

section(admin("desktoptokens", RR, WR), {
  { name = "get_desktoptokens_generator", verb = "GET", path = "/admin/v1/desktoptokens",
    paging = "offset", max_limit = 500, summary = "Every desktop token, streamed." },
  { name = "get_desktoptokens", verb = "GET", path = "/admin/v1/desktoptokens", named = { "limit", "offset" },
    paging = "page-or-all", max_limit = 500, summary = "Desktop tokens: one page or all." },
  { name = "get_desktoptoken_by_id", verb = "GET", path = "/admin/v1/desktoptokens/{desktoptoken_id}",
    args = { "desktoptoken_id" }, summary = "One desktop token by ID." },
  { name = "add_desktoptoken", verb = "POST", path = "/admin/v1/desktoptokens", args = { "platform" },
    named = { "name" }, required = { "platform" }, optional = { "name" }, summary = "Create a desktop token." },
  { name = "delete_desktoptoken", verb = "DELETE", path = "/admin/v1/desktoptokens/{desktoptoken_id}",
    args = { "desktoptoken_id" }, summary = "Delete a desktop token." },
  { name = "update_desktoptoken", verb = "POST", path = "/admin/v1/desktoptokens/{desktoptoken_id}",
    args = { "desktoptoken_id" }, named = { "name", "platform" }, optional = { "name", "platform" },
    summary = "Change a desktop token's name or platform." },
  { name = "activate_desktoptoken", verb = "POST", path = "/admin/v1/desktoptokens/{desktoptoken_id}/activate",
    args = { "desktoptoken_id" }, named = { "valid_secs" }, optional = { "valid_secs" },
    summary = "A new activation URL for a desktop token." },
})

section(admin("endpoints", RR, WR), {
  { name = "get_endpoint", verb = "GET", path = "/admin/v1/endpoints/{epkey}", args = { "epkey" },
    summary = "One endpoint by endpoint key." },
  { name = "get_endpoints", verb = "GET", path = "/admin/v1/endpoints", named = { "limit", "offset" },
    stream = "Every endpoint, streamed.",
    paging = "page-or-all", max_limit = 500, summary = "Endpoints: one page or all." },
})

section(admin("registered_devices", RR, WR), {
  { name = "get_registered_devices_generator", verb = "GET", path = "/admin/v1/registered_devices",
    paging = "offset", max_limit = 500, summary = "Every Duo Desktop registered device, streamed." },
  { name = "get_registered_devices", verb = "GET", path = "/admin/v1/registered_devices",
    named = { "limit", "offset" }, paging = "page-or-all", max_limit = 500,
    summary = "Duo Desktop registered devices: one page or all." },
  { name = "get_registered_device_by_id", verb = "GET",
    path = "/admin/v1/registered_devices/{registered_device_id}", args = { "registered_device_id" },
    summary = "One registered device by ID (compkey)." },
  { name = "delete_registered_device", verb = "DELETE",
    path = "/admin/v1/registered_devices/{registered_device_id}", args = { "registered_device_id" },
    summary = "Delete a registered device." },
})

local PR293 = "; Python PR #293"
section(admin("registered_devices", RR, WR), {
  { name = "get_blocked_devices", verb = "GET", path = "/admin/v1/registered_devices/blocked",
    named = { "limit", "offset" }, paging = "page-or-all", max_limit = 500, certainty = "medium",
    source = RUBY .. "get_blocked_registered_devices" .. PR293, summary = "Blocked registered devices: one page or all." },
  { name = "get_blocked_device_by_id", verb = "GET", path = "/admin/v1/registered_devices/blocked/{registered_device_id}",
    args = { "registered_device_id" }, certainty = "medium", source = RUBY .. "get_blocked_registered_device" .. PR293,
    summary = "One blocked registered device." },
  { name = "block_registered_devices", verb = "POST", path = "/admin/v1/registered_devices/blocked",
    args = { "registered_device_key_list" }, required = { "registered_device_key_list" },
    encode = { registered_device_key_list = "json" }, certainty = "medium",
    source = RUBY .. "block_registered_devices" .. PR293, summary = "Block registered devices (a list of compkeys)." },
  { name = "block_registered_device_by_id", verb = "POST",
    path = "/admin/v1/registered_devices/blocked/{registered_device_id}", args = { "registered_device_id" },
    certainty = "medium", source = RUBY .. "block_registered_device" .. PR293, summary = "Block one registered device." },
  { name = "unblock_registered_devices", verb = "DELETE", path = "/admin/v1/registered_devices/blocked",
    args = { "registered_device_key_list" }, required = { "registered_device_key_list" },
    encode = { registered_device_key_list = "list" }, certainty = "medium",
    source = RUBY .. "unblock_registered_devices" .. PR293, summary = "Unblock registered devices (a list of compkeys)." },
  { name = "unblock_registered_device_by_id", verb = "DELETE",
    path = "/admin/v1/registered_devices/blocked/{registered_device_id}", args = { "registered_device_id" },
    certainty = "medium", source = RUBY .. "unblock_registered_device" .. PR293, summary = "Unblock one registered device." },
})

section(admin("desktop_authenticators", RR, WR), {
  { name = "get_user_desktop_authenticators", verb = "GET", path = "/admin/v1/users/{user_id}/desktopauthenticators",
    args = { "user_id" }, named = { "limit", "offset" }, paging = "page-or-all", max_limit = 500,
    certainty = "medium", source = RUBY .. "get_user_desktop_authenticators",
    summary = "A user's Duo Desktop authenticators: one page or all." },
  { name = "get_desktop_authenticators", verb = "GET", path = "/admin/v1/desktop_authenticators",
    named = { "limit", "offset" }, paging = "page-or-all", max_limit = 500, certainty = "medium",
    source = RUBY .. "get_desktop_authenticators; Python PR #275",
    summary = "Duo Desktop authenticators: one page or all." },
  { name = "get_desktop_authenticator_by_key", verb = "GET", path = "/admin/v1/desktop_authenticators/{dakey}",
    args = { "dakey" }, certainty = "medium", source = RUBY .. "get_desktop_authenticator; Python PR #275",
    summary = "One Duo Desktop authenticator by key." },
  { name = "delete_desktop_authenticator", verb = "DELETE", path = "/admin/v1/desktop_authenticators/{dakey}",
    args = { "dakey" }, certainty = "medium", source = RUBY .. "delete_desktop_authenticator; Python PR #275",
    summary = "Delete a Duo Desktop authenticator." },
  { name = "get_shared_desktop_authenticators", verb = "GET",
    path = "/admin/v1/desktop_authenticators/shared_device_auth", named = { "limit", "offset" },
    paging = "page-or-all", max_limit = 500, certainty = "medium", source = RUBY .. "get_shared_desktop_authenticators",
    summary = "Shared device authenticators: one page or all." },
  { name = "get_shared_desktop_authenticator", verb = "GET",
    path = "/admin/v1/desktop_authenticators/shared_device_auth/{shared_device_key}", args = { "shared_device_key" },
    certainty = "medium", source = RUBY .. "get_shared_desktop_authenticator",
    summary = "One shared device authenticator." },
  { name = "create_shared_desktop_authenticator", verb = "POST",
    path = "/admin/v1/desktop_authenticators/shared_device_auth",
    args = { "group_id_list", "trusted_endpoint_integration_id_list" }, named = { "active", "name" },
    required = { "group_id_list", "trusted_endpoint_integration_id_list" }, optional = { "active", "name" },
    encode = { group_id_list = "json", trusted_endpoint_integration_id_list = "json", active = "json" },
    certainty = "medium", source = RUBY .. "create_shared_desktop_authenticator",
    summary = "Create a shared device authenticator for groups on trusted endpoints." },
  { name = "update_shared_desktop_authenticator", verb = "PUT",
    path = "/admin/v1/desktop_authenticators/shared_device_auth/{shared_device_key}", args = { "shared_device_key" },
    named = { "active", "name", "group_id_list", "trusted_endpoint_integration_id_list" },
    optional = { "active", "group_id_list", "name", "trusted_endpoint_integration_id_list" },
    encode = { group_id_list = "json", trusted_endpoint_integration_id_list = "json", active = "json" },
    certainty = "medium", source = RUBY .. "update_shared_desktop_authenticator",
    summary = "Change a shared device authenticator." },
  { name = "delete_shared_desktop_authenticator", verb = "DELETE",
    path = "/admin/v1/desktop_authenticators/shared_device_auth/{shared_device_key}", args = { "shared_device_key" },
    certainty = "medium", source = RUBY .. "delete_shared_desktop_authenticator",
    summary = "Delete a shared device authenticator." },
})

local GROUP_BOOLS = { mobile_otp_enabled = "bool10", push_enabled = "bool10", sms_enabled = "bool10",
                      u2f_enabled = "bool10", voice_enabled = "bool10" }
local GROUP_FIELDS = { "desc", "mobile_otp_enabled", "push_enabled", "sms_enabled", "status",
                       "u2f_enabled", "voice_enabled" }
section(admin("groups", RR, WR), {
  { name = "get_groups_generator", verb = "GET", path = "/admin/v1/groups",
    paging = "offset", max_limit = 100, summary = "Every group, streamed." },
  { name = "get_groups", verb = "GET", path = "/admin/v1/groups", named = { "limit", "offset" },
    paging = "page-or-all", max_limit = 100, summary = "Groups: one page or all." },
  { name = "get_groups_by_group_ids", verb = "GET", path = "/admin/v1/groups", args = { "group_ids" },
    wire = { group_ids = "group_id_list" }, required = { "group_id_list" },
    encode = { group_ids = "json_string" }, summary = "Groups by a list of group IDs (up to 100), one call." },
  { name = "get_group", verb = "GET", args = { "group_id" }, named = { "api_version" },
    variant_arg = "api_version", default_variant = 2,
    variants = {
      [1] = { path = "/admin/v1/groups/{group_id}",
              deprecated = "the v1 group handler is deprecated by Duo; use api_version 2" },
      [2] = { path = "/admin/v2/groups/{group_id}" },
    },
    summary = "One group by group ID (v2 by default; api_version = 1 for the legacy form)." },
  { name = "get_group_users", verb = "GET", path = "/admin/v2/groups/{group_id}/users", args = { "group_id" },
    named = { "limit", "offset" }, paging = "page-or-all", max_limit = 500,
    stream = "A group's members, streamed.",
    summary = "A group's members ({user_id, username}): one page or all." },
  { name = "create_group", verb = "POST", path = "/admin/v1/groups", args = { "name" }, named = GROUP_FIELDS,
    required = { "name" }, optional = GROUP_FIELDS, encode = GROUP_BOOLS, summary = "Create a group." },
  { name = "delete_group", verb = "DELETE", path = "/admin/v1/groups/{group_id}", args = { "group_id" },
    summary = "Delete a group." },
  { name = "modify_group", verb = "POST", path = "/admin/v1/groups/{group_id}", args = { "group_id" },
    named = concat(GROUP_FIELDS, { "name" }), optional = concat(GROUP_FIELDS, { "name" }),
    encode = GROUP_BOOLS, summary = "Change a group." },
})

local ADMIN_AUTH_METHODS = { "hardware_token_enabled", "mobile_otp_enabled", "push_enabled", "sms_enabled",
                             "verified_push_enabled", "verified_push_length", "voice_enabled", "yubikey_enabled" }
section(admin("admins", ADMINS, ADMINS), {
  { name = "get_admins", verb = "GET", path = "/admin/v1/admins", named = { "limit", "offset" },
    stream = "Every administrator, streamed.",
    paging = "page-or-all", max_limit = 500, summary = "Administrators: one page or all." },
  { name = "get_admin", verb = "GET", path = "/admin/v1/admins/{admin_id}", args = { "admin_id" },
    summary = "One administrator by admin ID." },
  { name = "add_admin", verb = "POST", path = "/admin/v1/admins", args = { "name", "email", "phone", "password" },
    named = { "role", "subaccount_role" }, required = { "email", "name", "phone" },
    optional = { "role", "subaccount_role" }, ignored = { "password" }, redact = { "password" },
    deprecated = "password: deprecated by Duo and never sent (pass nil); kept for positional compatibility",
    summary = "Create an administrator." },
  { name = "update_admin", verb = "POST", path = "/admin/v1/admins/{admin_id}", args = { "admin_id" },
    named = { "name", "password", "password_change_required", "phone", "role", "status", "subaccount_role" },
    optional = { "name", "password_change_required", "phone", "role", "status", "subaccount_role" },
    encode = { password_change_required = "json" }, ignored = { "password" }, redact = { "password" },
    deprecated = "password: deprecated by Duo and never sent",
    summary = "Change an administrator." },
  { name = "delete_admin", verb = "DELETE", path = "/admin/v1/admins/{admin_id}", args = { "admin_id" },
    summary = "Delete an administrator." },
  { name = "reset_admin", verb = "POST", path = "/admin/v1/admins/{admin_id}/reset", args = { "admin_id" },
    summary = "Clear an administrator's failed authentication attempts (lockout)." },
  { name = "activate_admin", verb = "POST", path = "/admin/v1/admins/activations", args = { "email" },
    named = { "admin_role", "send_email", "valid_days" }, required = { "email", "send_email" },
    optional = { "admin_role", "valid_days" }, defaults = { send_email = false },
    encode = { send_email = "bool10" },
    summary = "An activation link for a new administrator, optionally emailed." },
  { name = "get_external_password_mgmt_statuses", verb = "GET", path = "/admin/v1/admins/password_mgmt",
    named = { "limit", "offset" }, paging = "page-or-all", max_limit = 500,
    summary = "Which administrators use external password management: one page or all." },
  { name = "get_external_password_mgmt_status_for_admin", verb = "GET",
    path = "/admin/v1/admins/{admin_id}/password_mgmt", args = { "admin_id" },
    summary = "One administrator's external password management status." },
  { name = "update_admin_password_mgmt_status", verb = "POST", path = "/admin/v1/admins/{admin_id}/password_mgmt",
    args = { "admin_id" }, named = { "has_external_password_mgmt", "password" },
    optional = { "has_external_password_mgmt", "password" }, encode = { has_external_password_mgmt = "truefalse" },
    redact = { "password" }, summary = "Turn external password management on or off; optionally set the password." },
  { name = "set_allowed_admin_auth_methods", verb = "POST", path = "/admin/v1/admins/allowed_auth_methods",
    named = ADMIN_AUTH_METHODS, optional = ADMIN_AUTH_METHODS,
    defaults = { verified_push_length = when("verified_push_enabled", 3) },
    encode = { hardware_token_enabled = "bool10", mobile_otp_enabled = "bool10", push_enabled = "bool10",
               sms_enabled = "bool10", verified_push_enabled = "bool10", voice_enabled = "bool10",
               yubikey_enabled = "bool10", verified_push_length = "json" },
    summary = "Set the factors administrators may use to log in to the Admin Panel." },
  { name = "get_allowed_admin_auth_methods", verb = "GET", path = "/admin/v1/admins/allowed_auth_methods",
    summary = "The factors administrators may use to log in to the Admin Panel." },
})

section(admin("admins", ADMINS, ADMINS), {
  { name = "sync_admin", verb = "POST", path = "/admin/v1/admins/directorysync/{directory_key}/syncadmin",
    args = { "email", "directory_key" }, required = { "email" }, certainty = "high",
    source = "PowerShell Sync-DuoAdminFromDirectory.ps1; " .. RUBY .. "sync_admin",
    summary = "Admin directory sync of one administrator by email (key: Administrators > Admin Directory Sync)." },
  { name = "clear_admin_inactivity", verb = "POST", path = "/admin/v1/admins/{admin_id}/clear_inactivity",
    args = { "admin_id" }, certainty = "high",
    source = "PowerShell Clear-DuoAdminInactivity.ps1; " .. RUBY .. "clear_admin_inactivity",
    summary = "Clear an administrator's inactivity expiration." },
  { name = "create_admin_activation_link", verb = "POST", path = "/admin/v1/admins/{admin_id}/activation_link",
    args = { "admin_id" }, certainty = "high",
    source = "PowerShell New-DuoAdminActivationLink.ps1; " .. RUBY .. "create_existing_admin_activation_link",
    summary = "A new activation link for an administrator pending activation." },
  { name = "delete_admin_activation_link", verb = "DELETE", path = "/admin/v1/admins/{admin_id}/activation_link",
    args = { "admin_id" }, certainty = "high",
    source = "PowerShell Remove-DuoAdminActivationLink.ps1; " .. RUBY .. "delete_existing_admin_activation_link",
    summary = "Delete the activation link of an administrator pending activation." },
  { name = "email_admin_activation_link", verb = "POST", path = "/admin/v1/admins/{admin_id}/activation_link/email",
    args = { "admin_id" }, certainty = "high",
    source = "PowerShell Send-DuoAdminActivationEmail.ps1; " .. RUBY .. "email_existing_admin_activation_link",
    summary = "Email the activation link to an administrator pending activation." },
  { name = "get_pending_activations", verb = "GET", path = "/admin/v1/admins/activations",
    named = { "limit", "offset" }, paging = "page-or-all", max_limit = 500, certainty = "high",
    source = "PowerShell Get-DuoAdminActivations.ps1; " .. RUBY .. "get_new_admin_pending_activations; "
      .. "Python PR #88",
    summary = "Pending administrator activations: one page or all." },
  { name = "delete_pending_activation", verb = "DELETE", path = "/admin/v1/admins/activations/{admin_activation_id}",
    args = { "admin_activation_id" }, certainty = "high",
    source = "PowerShell Remove-DuoAdminActivation.ps1; " .. RUBY .. "delete_new_admin_pending_activations; "
      .. "Python PR #88",
    summary = "Delete a pending administrator activation." },
})

section(admin("administrative_units", ADMINS, ADMINS), {
  { name = "get_administrative_units", verb = "GET", path = "/admin/v1/administrative_units",
    named = { "admin_id", "group_id", "integration_key", "limit", "offset" },
    optional = { "admin_id", "group_id", "integration_key" },
    exclusive = { "admin_id", "group_id", "integration_key" }, paging = "page-or-all", max_limit = 500,
    stream = "Administrative units, streamed.",
    summary = "Administrative units, optionally those of one admin, group or integration: one page or all." },
})


section(admin("administrative_units", ADMINS, ADMINS), {
  { name = "get_administrative_unit_by_id", verb = "GET", path = "/admin/v1/administrative_units/{admin_unit_id}",
    args = { "admin_unit_id" }, certainty = "high",
    source = "PowerShell Get-DuoAdminUnits.ps1; " .. RUBY .. "get_administrative_unit",
    summary = "One administrative unit: name, description, restrictions, admins, groups, integrations." },
  { name = "create_administrative_unit", verb = "POST", path = "/admin/v1/administrative_units",
    args = { "name", "description", "restrict_by_groups" },
    named = { "restrict_by_integrations", "admins", "groups", "integrations" },
    required = { "description", "name", "restrict_by_groups" },
    optional = { "admins", "groups", "integrations", "restrict_by_integrations" },
    encode = { restrict_by_groups = "json", restrict_by_integrations = "json", admins = "json", groups = "json",
               integrations = "json" },
    certainty = "medium", source = RUBY .. "create_administrative_unit; PowerShell New-DuoAdminUnit.ps1 (wrong path)",
    summary = "Create an administrative unit (admins, groups, integrations: lists of IDs/keys)." },
  { name = "update_administrative_unit", verb = "POST", path = "/admin/v1/administrative_units/{admin_unit_id}",
    args = { "admin_unit_id" },
    named = { "name", "description", "restrict_by_groups", "restrict_by_integrations", "admins", "groups",
              "integrations" },
    optional = { "admins", "description", "groups", "integrations", "name", "restrict_by_groups",
                 "restrict_by_integrations" },
    encode = { restrict_by_groups = "json", restrict_by_integrations = "json", admins = "json", groups = "json",
               integrations = "json" },
    certainty = "medium", source = RUBY .. "update_administrative_unit; PowerShell Update-DuoAdminUnit.ps1 (wrong path)",
    summary = "Change an administrative unit." },
  { name = "delete_administrative_unit", verb = "DELETE", path = "/admin/v1/administrative_units/{admin_unit_id}",
    args = { "admin_unit_id" }, certainty = "high",
    source = "PowerShell Remove-DuoAdminUnit; " .. RUBY .. "delete_administrative_unit",
    summary = "Delete an administrative unit." },
  { name = "add_administrative_unit_admin", verb = "POST",
    path = "/admin/v1/administrative_units/{admin_unit_id}/admin/{admin_id}", args = { "admin_unit_id", "admin_id" },
    certainty = "high", source = "PowerShell Add-DuoAdminToAdminUnit.ps1; " .. RUBY .. "add_administrative_unit_admin",
    summary = "Assign an administrator (restricted_by_admin_units) to the unit." },
  { name = "delete_administrative_unit_admin", verb = "DELETE",
    path = "/admin/v1/administrative_units/{admin_unit_id}/admin/{admin_id}", args = { "admin_unit_id", "admin_id" },
    certainty = "high",
    source = "PowerShell Remove-DuoAdminFromAdminUnit.ps1; " .. RUBY .. "remove_administrative_unit_admin",
    summary = "Unassign an administrator from the unit." },
  { name = "add_administrative_unit_group", verb = "POST",
    path = "/admin/v1/administrative_units/{admin_unit_id}/group/{group_id}", args = { "admin_unit_id", "group_id" },
    certainty = "high", source = "PowerShell Add-DuoGroupToAdminUnit.ps1; " .. RUBY .. "add_administrative_unit_group",
    summary = "Add a group to the unit." },
  { name = "delete_administrative_unit_group", verb = "DELETE",
    path = "/admin/v1/administrative_units/{admin_unit_id}/group/{group_id}", args = { "admin_unit_id", "group_id" },
    certainty = "high",
    source = "PowerShell Remove-DuoGroupFromAdminUnit.ps1; " .. RUBY .. "remove_administrative_unit_group",
    summary = "Remove a group from the unit." },
  { name = "add_administrative_unit_integration", verb = "POST",
    path = "/admin/v1/administrative_units/{admin_unit_id}/integration/{integration_key}",
    args = { "admin_unit_id", "integration_key" }, certainty = "high",
    source = "PowerShell Add-DuoIntegrationToAdminUnit.ps1; " .. RUBY .. "add_administrative_unit_integration",
    summary = "Add an integration to the unit." },
  { name = "delete_administrative_unit_integration", verb = "DELETE",
    path = "/admin/v1/administrative_units/{admin_unit_id}/integration/{integration_key}",
    args = { "admin_unit_id", "integration_key" }, certainty = "high",
    source = "PowerShell Remove-DuoIntegrationFromAdminUnit.ps1; " .. RUBY .. "remove_administrative_unit_integration",
    summary = "Remove an integration from the unit." },
})

local INTEGRATION_FIELDS = { "adminapi_admins", "adminapi_info", "adminapi_integrations", "adminapi_read_log",
  "adminapi_read_resource", "adminapi_settings", "adminapi_write_resource", "enroll_policy", "greeting",
  "groups_allowed", "ip_whitelist", "ip_whitelist_enroll_policy", "notes", "self_service_allowed", "sso",
  "trusted_device_days", "user_access", "username_normalization_policy", "visual_style" }
local INTEGRATION_ENCODE = { adminapi_admins = "bool10", adminapi_info = "bool10",
  adminapi_integrations = "bool10", adminapi_read_log = "bool10", adminapi_read_resource = "bool10",
  adminapi_settings = "bool10", adminapi_write_resource = "bool10", self_service_allowed = "bool10",
  ip_whitelist = "csv", groups_allowed = "csv", sso = "json", user_access = "json" }
section(admin("integrations", APPS, APPS), {
  { name = "get_integrations_generator", verb = "GET", path = "/admin/v3/integrations",
    paging = "offset", max_limit = 300, summary = "Every integration (application), streamed." },
  { name = "get_integrations", verb = "GET", path = "/admin/v3/integrations", named = { "limit", "offset" },
    paging = "page-or-all", max_limit = 300, summary = "Integrations: one page or all." },
  { name = "get_integration", verb = "GET", path = "/admin/v3/integrations/{integration_key}",
    args = { "integration_key" }, summary = "One integration by integration key." },
  { name = "create_integration", verb = "POST", path = "/admin/v3/integrations",
    args = { "name", "integration_type" },
    named = INTEGRATION_FIELDS, wire = { integration_type = "type" }, required = { "name", "type" },
    optional = INTEGRATION_FIELDS, encode = INTEGRATION_ENCODE,
    summary = "Create an integration; the answer holds its new keys." },
  { name = "delete_integration", verb = "DELETE", path = "/admin/v3/integrations/{integration_key}",
    args = { "integration_key" }, summary = "Delete an integration (not the one signing the call)." },
  { name = "update_integration", verb = "POST", path = "/admin/v3/integrations/{integration_key}",
    args = { "integration_key" }, named = concat(INTEGRATION_FIELDS, { "name", "reset_secret_key" }),
    optional = concat(INTEGRATION_FIELDS, { "name", "reset_secret_key" }),
    encode = merge(INTEGRATION_ENCODE, { reset_secret_key = "flag" }), at_least_one = true,
    summary = "Change an integration, or reset its secret key." },
  { name = "get_secret_key", verb = "GET", path = "/admin/v1/integrations/{integration_key}/skey",
    args = { "integration_key" }, secret_response = true, summary = "An integration's secret key." },
})

-- Earlier handlers of the integrations endpoints, for scripts written
-- against older official clients.
local INTEGRATION_V1_FIELDS = { "adminapi_admins", "adminapi_info", "adminapi_integrations", "adminapi_read_log",
  "adminapi_read_resource", "adminapi_settings", "adminapi_write_resource", "enroll_policy", "greeting",
  "groups_allowed", "ip_whitelist", "ip_whitelist_enroll_policy", "networks_for_api_access", "notes",
  "self_service_allowed", "trusted_device_days", "username_normalization_policy", "visual_style" }
local INTEGRATION_V1_UPDATE = concat(INTEGRATION_V1_FIELDS, { "name", "policy_key", "prompt_v4_enabled",
                                                              "reset_secret_key" })
local INTEGRATION_V2_FIELDS = { "adminapi_admins", "adminapi_info", "adminapi_integrations", "adminapi_read_log",
  "adminapi_read_resource", "adminapi_settings", "adminapi_write_resource", "enroll_policy", "greeting",
  "groups_allowed", "ip_whitelist", "ip_whitelist_enroll_policy", "notes", "self_service_allowed", "sso",
  "trusted_device_days", "username_normalization_policy", "visual_style" }
local INTEGRATION_OLD_ENCODE = merge(INTEGRATION_ENCODE, { networks_for_api_access = "csv",
  prompt_v4_enabled = "bool10", reset_secret_key = "flag" })
local PY461 = "Python <= 4.6.1 "
local PY47 = "Python 4.7.0-5.3.0 "
local SUPERSEDED = "superseded by the v3 handler (the rows without a suffix)"
local function only(encode, fields)
  local t = {}
  for _, f in ipairs(fields) do t[f] = encode[f] end
  return t
end
section(admin("integrations", APPS, APPS), {
  { name = "get_integrations_v1", verb = "GET", path = "/admin/v1/integrations", named = { "limit", "offset" },
    paging = "page-or-all", max_limit = 300, deprecated = SUPERSEDED, certainty = "medium",
    source = PY461 .. "get_integrations", summary = "Integrations (v1 handler): one page or all." },
  { name = "get_integration_v1", verb = "GET", path = "/admin/v1/integrations/{integration_key}",
    args = { "integration_key" }, deprecated = SUPERSEDED, certainty = "medium", source = PY461 .. "get_integration",
    summary = "One integration (v1 handler)." },
  { name = "create_integration_v1", verb = "POST", path = "/admin/v1/integrations", args = { "name", "integration_type" },
    named = INTEGRATION_V1_FIELDS, wire = { integration_type = "type" }, required = { "name", "type" },
    optional = INTEGRATION_V1_FIELDS, encode = only(INTEGRATION_OLD_ENCODE, INTEGRATION_V1_FIELDS),
    deprecated = SUPERSEDED, certainty = "high",
    source = "PowerShell New-DuoIntegration.ps1; " .. PY461 .. "create_integration",
    summary = "Create an integration (v1 handler); the answer holds its new keys." },
  { name = "update_integration_v1", verb = "POST", path = "/admin/v1/integrations/{integration_key}",
    args = { "integration_key" }, named = INTEGRATION_V1_UPDATE, optional = INTEGRATION_V1_UPDATE,
    encode = only(INTEGRATION_OLD_ENCODE, INTEGRATION_V1_UPDATE), at_least_one = true, deprecated = SUPERSEDED,
    certainty = "high", source = "PowerShell Update-DuoIntegration.ps1; " .. PY461 .. "update_integration",
    summary = "Change an integration (v1 handler); policy_key attaches a policy." },
  { name = "delete_integration_v1", verb = "DELETE", path = "/admin/v1/integrations/{integration_key}",
    args = { "integration_key" }, deprecated = SUPERSEDED, certainty = "high",
    source = "PowerShell Remove-DuoIntegration.ps1; " .. PY461 .. "delete_integration",
    summary = "Delete an integration (v1 handler)." },
  { name = "get_integrations_v2", verb = "GET", path = "/admin/v2/integrations", named = { "limit", "offset" },
    paging = "page-or-all", max_limit = 300, deprecated = SUPERSEDED, certainty = "high",
    source = "PowerShell Get-DuoIntegrations.ps1; " .. PY47 .. "get_integrations",
    summary = "Integrations (v2 handler): one page or all." },
  { name = "get_integration_v2", verb = "GET", path = "/admin/v2/integrations/{integration_key}",
    args = { "integration_key" }, deprecated = SUPERSEDED, certainty = "high",
    source = "PowerShell Get-DuoIntegrations.ps1; " .. PY47 .. "get_integration",
    summary = "One integration (v2 handler)." },
  { name = "create_integration_v2", verb = "POST", path = "/admin/v2/integrations", args = { "name", "integration_type" },
    named = INTEGRATION_V2_FIELDS, wire = { integration_type = "type" }, required = { "name", "type" },
    optional = INTEGRATION_V2_FIELDS, encode = only(INTEGRATION_OLD_ENCODE, INTEGRATION_V2_FIELDS),
    deprecated = SUPERSEDED, certainty = "medium", source = PY47 .. "create_integration",
    summary = "Create an integration (v2 handler; sso is an object)." },
  { name = "update_integration_v2", verb = "POST", path = "/admin/v2/integrations/{integration_key}",
    args = { "integration_key" }, named = concat(INTEGRATION_V2_FIELDS, { "name", "reset_secret_key" }),
    optional = concat(INTEGRATION_V2_FIELDS, { "name", "reset_secret_key" }),
    encode = only(INTEGRATION_OLD_ENCODE, concat(INTEGRATION_V2_FIELDS, { "reset_secret_key" })),
    at_least_one = true, deprecated = SUPERSEDED, certainty = "medium", source = PY47 .. "update_integration",
    summary = "Change an integration (v2 handler)." },
  { name = "delete_integration_v2", verb = "DELETE", path = "/admin/v2/integrations/{integration_key}",
    args = { "integration_key" }, deprecated = SUPERSEDED, certainty = "medium", source = PY47 .. "delete_integration",
    summary = "Delete an integration (v2 handler)." },
  { name = "get_oauth_integration_client_secret", verb = "GET",
    path = "/admin/v2/integrations/oauth_cc/{integration_key}/client_secret/{client_id}",
    args = { "integration_key", "client_id" }, secret_response = true, certainty = "medium",
    source = RUBY .. "get_oauth_integration_client_secret",
    summary = "The client secret of one client of an OAuth client-credentials integration." },
  { name = "reset_oauth_integration_client_secret", verb = "POST",
    path = "/admin/v2/integrations/oauth_cc/{integration_key}/client_secret/{client_id}",
    args = { "integration_key", "client_id" }, secret_response = true, certainty = "medium",
    source = RUBY .. "reset_oauth_integration_client_secret",
    summary = "A new client secret for one client of an OAuth client-credentials integration." },
  { name = "get_oidc_integration_client_secret", verb = "GET",
    path = "/admin/v2/integrations/oidc/{integration_key}/client_secret", args = { "integration_key" },
    secret_response = true, certainty = "medium", source = RUBY .. "get_oidc_integration_client_secret",
    summary = "The client secret of an OIDC integration." },
  { name = "reset_oidc_integration_client_secret", verb = "POST",
    path = "/admin/v2/integrations/oidc/{integration_key}/client_secret", args = { "integration_key" },
    secret_response = true, certainty = "medium", source = RUBY .. "reset_oidc_integration_client_secret",
    summary = "A new client secret for an OIDC integration." },
})

local SETTINGS_FIELDS = { "caller_id", "email_activity_notification_enabled", "enrollment_universal_prompt_enabled",
  "fraud_email", "fraud_email_enabled", "helpdesk_bypass", "helpdesk_bypass_expiration",
  "helpdesk_can_send_enroll_email", "helpdesk_message", "inactive_user_expiration", "keypress_confirm",
  "keypress_fraud", "lockout_expire_duration", "lockout_threshold", "log_retention_days",
  "minimum_password_length", "password_requires_lower_alpha", "password_requires_numeric",
  "password_requires_special", "password_requires_upper_alpha", "pending_deletion_days",
  "push_activity_notification_enabled", "security_checkup_enabled", "sms_batch", "sms_expiration",
  "sms_message", "sms_refresh",
  "telephony_warning_min", "timezone", "unenrolled_user_lockout_threshold",
  "user_managers_can_put_users_in_bypass", "user_telephony_cost_max" }
local SETTINGS_IGNORED = { "mobile_otp_enabled", "push_enabled", "reactivation_integration_key",
  "reactivation_url", "sms_enabled", "u2f_enabled", "voice_enabled" }
section(admin("settings", SETTINGS, SETTINGS), {
  { name = "get_settings", verb = "GET", path = "/admin/v1/settings", summary = "The account's global settings." },
  { name = "update_settings", verb = "POST", path = "/admin/v1/settings",
    named = concat(SETTINGS_FIELDS, SETTINGS_IGNORED), optional = SETTINGS_FIELDS,
    encode = { email_activity_notification_enabled = "bool10", enrollment_universal_prompt_enabled = "bool10",
      fraud_email_enabled = "bool10", helpdesk_can_send_enroll_email = "bool10",
      password_requires_lower_alpha = "bool10", password_requires_numeric = "bool10",
      password_requires_special = "bool10", password_requires_upper_alpha = "bool10",
      push_activity_notification_enabled = "bool10", security_checkup_enabled = "bool10",
      sms_refresh = "bool10", user_managers_can_put_users_in_bypass = "bool10" },
    ignored = SETTINGS_IGNORED, at_least_one = true,
    deprecated = "mobile_otp_enabled, push_enabled, sms_enabled, u2f_enabled, voice_enabled: deprecated "
      .. "by Duo and never sent (use set_allowed_admin_auth_methods or policies); reactivation_url, "
      .. "reactivation_integration_key: accepted but not sent by the official client either",
    summary = "Change global settings (at least one)." },
})

section(admin("logo", SETTINGS, SETTINGS), {
  { name = "get_logo", verb = "GET", path = "/admin/v1/logo", raw = true,
    summary = "The logo shown in Duo Mobile, as PNG bytes." },
  { name = "update_logo", verb = "POST", path = "/admin/v1/logo", args = { "logo" }, required = { "logo" },
    encode = { logo = "base64" }, summary = "Set the logo (PNG bytes)." },
  { name = "delete_logo", verb = "DELETE", path = "/admin/v1/logo", summary = "Remove the logo." },
})

local BRANDING_FIELDS = { "background_img", "card_accent_color", "logo", "page_background_color", "powered_by_duo",
                          "sso_custom_username_label" }
local BRANDING_ENCODE = { background_img = "base64", logo = "base64", powered_by_duo = "json" }
section(admin("branding", SETTINGS, SETTINGS), {
  { name = "get_custom_branding", verb = "GET", path = "/admin/v1/branding", certainty = "high",
    source = "PowerShell Get-DuoCustomBranding.ps1; " .. RUBY .. "get_custom_branding; Python PR #269",
    summary = "The live custom branding of Duo SSO and the Universal Prompt." },
  { name = "update_custom_branding", verb = "POST", path = "/admin/v1/branding", named = BRANDING_FIELDS,
    optional = BRANDING_FIELDS, encode = BRANDING_ENCODE, certainty = "high",
    source = "PowerShell Set-DuoCustomBranding.ps1; " .. RUBY .. "update_custom_branding",
    summary = "Change the live branding (logo, background_img: PNG bytes; colours #rgb or #rrggbb)." },
  { name = "get_draft_custom_branding", verb = "GET", path = "/admin/v1/branding/draft", certainty = "high",
    source = "PowerShell Get-DuoCustomBranding.ps1; " .. RUBY .. "get_custom_branding_draft; Python PR #269",
    summary = "The draft custom branding." },
  { name = "update_draft_custom_branding", verb = "POST", path = "/admin/v1/branding/draft",
    named = concat(BRANDING_FIELDS, { "user_ids" }), optional = concat(BRANDING_FIELDS, { "user_ids" }),
    encode = merge(BRANDING_ENCODE, { user_ids = "csv" }), certainty = "high",
    source = "PowerShell Set-DuoCustomBranding.ps1 -Draft; " .. RUBY .. "update_custom_branding_draft",
    summary = "Change the draft branding; user_ids: the users who see the draft." },
  { name = "publish_draft_custom_branding", verb = "POST", path = "/admin/v1/branding/draft/publish",
    certainty = "high", source = "PowerShell Publish-DuoCustomBranding.ps1; " .. RUBY .. "publish_custom_branding_draft",
    summary = "Make the draft branding the live one." },
  { name = "add_draft_custom_branding_user", verb = "POST", path = "/admin/v1/branding/draft/users/{user_id}",
    args = { "user_id" }, certainty = "high",
    source = "PowerShell Add-DuoCustomBrandingDraftUser.ps1; " .. RUBY .. "add_custom_branding_draft_user",
    summary = "Let one more user see the draft branding." },
  { name = "delete_draft_custom_branding_user", verb = "DELETE", path = "/admin/v1/branding/draft/users/{user_id}",
    args = { "user_id" }, certainty = "high",
    source = "PowerShell Remove-DuoCustomBrandingDraftUser.ps1; " .. RUBY .. "remove_custom_branding_draft_user",
    summary = "Stop showing the draft branding to a user." },
  { name = "get_custom_messaging", verb = "GET", path = "/admin/v1/branding/custom_messaging", certainty = "high",
    source = "PowerShell Get-DuoCustomMessaging.ps1; " .. RUBY .. "get_custom_branding_messaging; Python PR #269",
    summary = "The custom help text and links of the Universal Prompt." },
  { name = "update_custom_messaging", verb = "POST", path = "/admin/v1/branding/custom_messaging",
    named = { "help_links", "help_text", "locale" }, optional = { "help_links", "help_text", "locale" },
    encode = { help_links = "csv" }, certainty = "high",
    source = "PowerShell Set-DuoCustomMessaging.ps1; " .. RUBY .. "update_custom_branding_messaging",
    summary = "Set the help text (<= 200 characters) and up to two help links for a locale." },
})

section(admin("info", INFO, INFO), {
  { name = "get_info_summary", verb = "GET", path = "/admin/v1/info/summary",
    summary = "Counts of users, admins, integrations, telephony credits." },
  { name = "get_info_telephony_credits_used", verb = "GET", path = "/admin/v1/info/telephony_credits_used",
    named = { "maxtime", "mintime" }, optional = { "maxtime", "mintime" },
    summary = "Telephony credits used in a period (Unix seconds; default the last 30 days)." },
  { name = "get_authentication_attempts", verb = "GET", path = "/admin/v1/info/authentication_attempts",
    named = { "maxtime", "mintime" }, optional = { "maxtime", "mintime" },
    summary = "Authentication attempts per result in a period (Unix seconds)." },
  { name = "get_user_authentication_attempts", verb = "GET", path = "/admin/v1/info/user_authentication_attempts",
    named = { "maxtime", "mintime" }, optional = { "maxtime", "mintime" },
    summary = "Users with at least one attempt per result in a period (Unix seconds)." },
})

local AUTHLOG_FILTERS = { "applications", "assessment", "detections", "event_types", "factors", "groups",
                          "reasons", "results", "users" }
local AUTHLOG_V2 = concat(AUTHLOG_FILTERS, { "api_version", "limit", "maxtime", "mintime", "next_offset", "sort" })
local AUTHLOG_ENCODE = { next_offset = "csv", sort = "sort" }
for _, f in ipairs(AUTHLOG_FILTERS) do AUTHLOG_ENCODE[f] = "list" end
section(admin("logs", LOG, LOG), {
  { name = "get_administrator_log", verb = "GET", path = "/admin/v1/logs/administrator", named = { "mintime" },
    required = { "mintime" }, defaults = { mintime = 0 }, paging = "logs-v1", eventtype = "administrator",
    summary = "Administrator actions since mintime (Unix seconds), up to 1000 per call." },
  { name = "get_offline_log", verb = "GET", path = "/admin/v1/logs/offline_enrollment", named = { "mintime" },
    required = { "mintime" }, defaults = { mintime = 0 }, paging = "logs-v1",
    summary = "Offline enrollment events since mintime (Unix seconds), up to 1000 per call." },
  { name = "get_authentication_log", verb = "GET", variant_arg = "api_version", default_variant = 2,
    variants = {
      [1] = { path = "/admin/v1/logs/authentication", paging = "logs-v1", named = { "api_version", "mintime" },
              required = { "mintime" }, defaults = { mintime = 0 }, eventtype = "authentication",
              deprecated = "the v1 authentication log is deprecated by Duo; use api_version 2" },
      [2] = { path = "/admin/v2/logs/authentication", paging = "logs-v2", items = "authlogs", max_limit = 1000,
              named = AUTHLOG_V2, required = { "maxtime", "mintime" },
              optional = concat(AUTHLOG_FILTERS, { "next_offset", "sort" }),
              defaults = { mintime = clock("ms", -DAY), maxtime = clock("ms") }, encode = AUTHLOG_ENCODE },
    },
    summary = "Authentication events in [mintime, maxtime] (v2, Unix ms; default the last day)." },
  { name = "get_activity_logs", verb = "GET", path = "/admin/v2/logs/activity",
    named = { "limit", "maxtime", "mintime", "next_offset", "sort" },
    required = { "maxtime", "mintime" }, optional = { "next_offset", "sort" },
    defaults = { mintime = clock("ms", -180 * DAY), maxtime = clock("ms") },
    encode = { next_offset = "csv", sort = "sort" }, paging = "logs-v2", items = "items", max_limit = 1000,
    summary = "Activity events in [mintime, maxtime] (Unix ms; default the last 180 days)." },
  { name = "get_telephony_log", verb = "GET", variant_arg = "api_version", default_variant = 2,
    variants = {
      [1] = { path = "/admin/v1/logs/telephony", paging = "logs-v1", named = { "api_version", "mintime" },
              required = { "mintime" }, defaults = { mintime = 0 }, eventtype = "telephony",
              deprecated = "the v1 telephony log is deprecated by Duo; use api_version 2" },
      [2] = { path = "/admin/v2/logs/telephony", paging = "logs-v2", items = "items", max_limit = 1000,
              named = { "api_version", "filters", "limit", "maxtime", "mintime", "next_offset", "sort" },
              required = { "maxtime", "mintime" }, optional = { "filters", "next_offset", "sort" },
              defaults = { mintime = clock("ms", -180 * DAY), maxtime = clock("ms") },
              encode = { next_offset = "csv", sort = "sort" } },
    },
    summary = "Telephony events in [mintime, maxtime] (v2, Unix ms; default the last 180 days)." },
})

section(admin("trust_monitor", LOG, LOG), {
  { name = "get_trust_monitor_events_iterator", verb = "GET", path = "/admin/v1/trust_monitor/events",
    args = { "mintime", "maxtime" }, named = { "event_type" }, wire = { event_type = "type" },
    required = { "maxtime", "mintime" }, optional = { "type" }, paging = "cursor", items = "events",
    max_limit = 200, summary = "Trust Monitor events in [mintime, maxtime] (Unix ms), streamed." },
  { name = "get_trust_monitor_events_by_offset", verb = "GET", path = "/admin/v1/trust_monitor/events",
    args = { "mintime", "maxtime" }, named = { "event_type", "limit", "offset" }, wire = { event_type = "type" },
    required = { "maxtime", "mintime" }, optional = { "limit", "offset", "type" }, max_limit = 200,
    summary = "One page of Trust Monitor events ({events, metadata}); offset is the previous next_offset." },
})

section(admin("policies", RR, WR), {
  { name = "get_policies_v2", verb = "GET", path = "/admin/v2/policies", named = { "limit", "offset" },
    stream = "Every policy with its sections, streamed.",
    paging = "page-or-all", max_limit = 100, summary = "Policies: one page or all." },
  { name = "delete_policy_v2", verb = "DELETE", path = "/admin/v2/policies/{policy_key}", args = { "policy_key" },
    summary = "Delete a custom policy." },
  { name = "update_policy_v2", verb = "PUT", path = "/admin/v2/policies/{policy_key}",
    args = { "policy_key", "json_request" }, body_arg = "json_request",
    summary = "Update one policy; json_request is the JSON body (policy_name, sections, ...)." },
  { name = "update_policies_v2", verb = "PUT", path = "/admin/v2/policies/update",
    args = { "sections", "sections_to_delete", "edit_list" }, named = { "edit_all_policies" },
    required = { "policies_to_update", "policy_changes" },
    nest = { policies_to_update = { "edit_all_policies", "edit_list" },
             policy_changes = { "sections", "sections_to_delete" } },
    defaults = { edit_all_policies = false },
    encode = { sections = "json", sections_to_delete = "json", edit_list = "json", edit_all_policies = "json" },
    summary = "Apply section changes to many policies (edit_list, or all with edit_all_policies)." },
  { name = "create_policy_v2", verb = "POST", path = "/admin/v2/policies", args = { "json_request" },
    body_arg = "json_request", summary = "Create a policy; json_request is the JSON body." },
  { name = "copy_policy_v2", verb = "POST", path = "/admin/v2/policies/copy",
    args = { "policy_key", "new_policy_names_list" }, required = { "new_policy_names_list", "policy_key" },
    encode = { new_policy_names_list = "json" }, summary = "Copy a policy once per new name." },
  { name = "get_policy_v2", verb = "GET", path = "/admin/v2/policies/{policy_key}", args = { "policy_key" },
    summary = "One policy by policy key (\"global\" for the global policy)." },
  { name = "get_policy_summary_v2", verb = "GET", path = "/admin/v2/policies/summary",
    summary = "Policies with the applications and groups they apply to." },
  { name = "calculate_policy", verb = "GET", path = "/admin/v2/policies/calculate",
    args = { "integration_key", "user_id" }, required = { "integration_key", "user_id" },
    summary = "The effective policy for a user on an application." },
})

section(admin("policies", RR, WR), {
  { name = "get_global_policy_v2", verb = "GET", path = "/admin/v2/policies/global", certainty = "medium",
    source = RUBY .. "get_global_policy", summary = "The global policy." },
})

section(admin("passport", RR, WR), {
  { name = "get_passport_config", verb = "GET", path = "/admin/v2/passport/config",
    summary = "The Duo Passport configuration." },
  { name = "update_passport_config", verb = "POST", path = "/admin/v2/passport/config", args = { "enabled_status" },
    named = { "custom_supported_browsers", "disabled_groups", "enabled_groups" },
    required = { "custom_supported_browsers", "disabled_groups", "enabled_groups", "enabled_status" },
    defaults = { custom_supported_browsers = json('{"macos":[],"windows":[]}'), disabled_groups = json("[]"),
                 enabled_groups = json("[]") },
    encode = { custom_supported_browsers = "json", disabled_groups = "json", enabled_groups = "json" },
    summary = "Set the Duo Passport configuration (enabled_status: disabled, enabled, "
      .. "enabled-for-groups, enabled-with-exceptions)." },
})

section(admin("identity_verification", RR, WR), {
  { name = "start_idv", verb = "POST", path = "/admin/v2/identity_verification/{user_id}/start",
    args = { "user_id" }, summary = "Start an identity verification for a user." },
  { name = "cancel_idv", verb = "POST", path = "/admin/v2/identity_verification/{user_id}/cancel",
    args = { "user_id", "inquiry_id" }, required = { "inquiry_id" }, summary = "Cancel an identity verification." },
  { name = "get_idv_status", verb = "GET", path = "/admin/v2/identity_verification/{user_id}/status",
    args = { "user_id" }, summary = "The status of a user's identity verification." },
})

-- Admin API paths, but only with the parent's Accounts API keys on a child
-- account (child hostname + account_id); enabled by Duo support on request.
section({ api = "admin", app = "accounts", resource = "billing", accounts_only = true, permission = false }, {
  { name = "get_edition", verb = "GET", path = "/admin/v1/billing/edition", summary = "A child account's edition." },
  { name = "set_edition", verb = "POST", path = "/admin/v1/billing/edition", args = { "edition" },
    required = { "edition" }, summary = "Set a child account's edition (e.g. ENTERPRISE, PLATFORM, BEYOND)." },
  { name = "get_telephony_credits", verb = "GET", path = "/admin/v1/billing/telephony_credits",
    summary = "A child account's telephony credits." },
  { name = "set_telephony_credits", verb = "POST", path = "/admin/v1/billing/telephony_credits", args = { "credits" },
    required = { "credits" }, summary = "Set a child's credit total; the difference comes from the parent." },
})

section({ api = "accounts", app = "accounts", resource = "accounts", permission = false }, {
  { name = "get_child_accounts", verb = "POST", path = "/accounts/v1/account/list", writes = false,
    summary = "The child accounts: account_id, name, api_hostname." },
  { name = "create_account", verb = "POST", path = "/accounts/v1/account/create", args = { "name" },
    required = { "name" }, summary = "Create a child account." },
  { name = "delete_account", verb = "POST", path = "/accounts/v1/account/delete", args = { "account_id" },
    required = { "account_id" }, summary = "Delete a child account." },
})

section({ api = "auth", app = "auth", resource = "auth", permission = false }, {
  { name = "ping", verb = "GET", path = "/auth/v2/ping", unsigned = true,
    summary = "Liveness and the service's clock ({time}); unsigned." },
  { name = "check", verb = "GET", path = "/auth/v2/check", summary = "Check the keys and signature ({time})." },
  { name = "logo", verb = "GET", path = "/auth/v2/logo", raw = true, summary = "The account's logo, as PNG bytes." },
  { name = "enroll", verb = "POST", path = "/auth/v2/enroll", named = { "bypass_codes", "username", "valid_secs" },
    optional = { "bypass_codes", "username", "valid_secs" },
    summary = "Create a user and an activation code for Duo Mobile." },
  { name = "enroll_status", verb = "POST", path = "/auth/v2/enroll_status", args = { "user_id", "activation_code" },
    required = { "activation_code", "user_id" }, writes = false,
    summary = "Whether an activation code was used: success, waiting or invalid." },
  { name = "preauth", verb = "POST", path = "/auth/v2/preauth",
    named = { "client_supports_verified_push", "ipaddr", "trusted_device_token", "user_id", "username" },
    optional = { "client_supports_verified_push", "ipaddr", "trusted_device_token", "user_id", "username" },
    encode = { client_supports_verified_push = "json" }, one_of = { "username", "user_id" }, writes = false,
    summary = "Whether and with which devices a user may authenticate." },
  { name = "auth", verb = "POST", path = "/auth/v2/auth", args = { "factor" },
    named = { "async_txn", "device", "display_username", "ipaddr", "passcode", "pushinfo", "txid", "type",
              "user_id", "username" },
    wire = { async_txn = "async" }, required = { "async", "factor" },
    optional = { "device", "display_username", "ipaddr", "passcode", "pushinfo", "txid", "type", "user_id",
                 "username" },
    defaults = { async_txn = false }, encode = { async_txn = "bool10", pushinfo = "urlencoded" },
    redact = { "passcode" },
    summary = "Authenticate a user (factor: auto, push, passcode, sms, phone); with async_txn, a txid." },
  { name = "auth_status", verb = "GET", path = "/auth/v2/auth_status", args = { "txid" }, required = { "txid" },
    summary = "Long-poll an asynchronous authentication: waiting, allow or deny." },
})

-- The Device API (Trusted Endpoints device caches): its own application
-- type, and a management system key (mkey) in every path. A client made
-- with duo.device{ ..., mkey = ... } fills mkey in.
local DEVICE = "Ruby device.rb; docs duo.com/docs/deviceapi"
local CACHE = "/device/v1/management_systems/{mkey}/device_cache"
section({ api = "device", app = "device", resource = "device_cache", permission = false, certainty = "medium",
          source = DEVICE }, {
  { name = "create_device_cache", verb = "POST", path = CACHE, args = { "mkey" }, named = { "active" },
    optional = { "active" }, encode = { active = "pybool" },
    summary = "Create a device cache (pending unless active); answers its cache_key." },
  { name = "add_device_cache_devices", verb = "POST", path = CACHE .. "/{cache_key}/devices",
    args = { "mkey", "cache_key", "devices" }, required = { "devices" }, encode = { devices = "json" },
    summary = "Add devices ({device_id, name, ...} each) to a cache." },
  { name = "get_device_cache_devices", verb = "GET", path = CACHE .. "/{cache_key}/devices",
    args = { "mkey", "cache_key" }, named = { "device_ids", "limit", "offset" },
    optional = { "device_ids", "limit", "offset" }, encode = { device_ids = "list" },
    summary = "One page of a cache's devices (response.devices_retrieved); offset from the previous page." },
  { name = "delete_device_cache_devices", verb = "DELETE", path = CACHE .. "/{cache_key}/devices",
    args = { "mkey", "cache_key", "devices" }, required = { "devices" }, encode = { devices = "list" },
    summary = "Remove devices (a list of device IDs) from a cache." },
  { name = "activate_device_cache", verb = "POST", path = CACHE .. "/{cache_key}/activate",
    args = { "mkey", "cache_key" }, summary = "Make a pending cache the active one." },
  { name = "delete_device_cache", verb = "DELETE", path = CACHE .. "/{cache_key}", args = { "mkey", "cache_key" },
    summary = "Delete a device cache." },
  { name = "get_device_caches", verb = "GET", path = CACHE, args = { "mkey", "status" }, required = { "status" },
    summary = "The caches with a status (pending or active)." },
  { name = "get_device_cache", verb = "GET", path = CACHE .. "/{cache_key}", args = { "mkey", "cache_key" },
    summary = "One device cache." },
})

-- Legacy Auth API v1 (/rest/v1): kept apart in M.legacy; not in M.methods.
section({ api = "auth_v1", app = "auth", resource = "auth_v1", permission = false, sig = 2 }, {
  { name = "ping", verb = "GET", path = "/rest/v1/ping", summary = "Liveness: answers \"pong\"." },
  { name = "check", verb = "GET", path = "/rest/v1/check", summary = "Check the keys: answers \"valid\"." },
  { name = "logo", verb = "GET", path = "/rest/v1/logo", raw = true, summary = "The logo, as PNG bytes." },
  { name = "preauth", verb = "POST", path = "/rest/v1/preauth", args = { "username" }, named = { "ipaddr" },
    wire = { username = "user" }, required = { "user" }, optional = { "ipaddr" }, form = true, writes = false,
    summary = "Whether and how a user may authenticate (v1)." },
  { name = "auth", verb = "POST", path = "/rest/v1/auth", args = { "username" },
    named = { "async_txn", "auto", "factor", "ipaddr", "passcode", "phone", "pushinfo" },
    wire = { username = "user", async_txn = "async", passcode = "code" },
    required = { "factor", "phone", "user" }, optional = { "async", "auto", "code", "ipaddr", "pushinfo" },
    defaults = { factor = "phone", phone = "phone1" }, encode = { async_txn = "flag", pushinfo = "urlencoded" },
    only_when = { auto = { factor = { "auto" } }, passcode = { factor = { "passcode" } },
                  phone = { factor = { "phone", "sms", "push" } } },
    redact = { "passcode" }, form = true,
    summary = "Authenticate a user (v1); factor phone by default, on device phone1." },
  { name = "status", verb = "GET", path = "/rest/v1/status", args = { "txid" }, required = { "txid" },
    summary = "The state of an asynchronous v1 authentication." },
}, legacy)

M.methods = list
M.legacy = legacy

return M
