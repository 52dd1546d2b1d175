-- The records Duo's Admin API returns, field by field, as Duo's Admin API
-- documentation (duo.com/docs/adminapi) describes them: for script writers,
-- through duo.help (duo.help "user") and scripts/REFERENCE.md. Plain data:
-- no globals, no I/O.
--
-- M.list: { name, title, methods, note, fields = { { name, type, doc } } },
-- in the docs' order; M.by_name[name] the same entries.
local M = {}

M.list = {
  { name = "user", title = "A user",
    methods = "get_users, get_user_by_id, get_users_by_name, get_user_by_email, add_user, update_user",
    note = "A field Duo adds later appears too: read the fields you need, and expect others.",
    fields = {
      { "user_id", "string", "the user's ID (DU...)" },
      { "username", "string", "the username" },
      { "aliases", "table", "up to eight aliases by name: { alias1 = \"...\", ... } (alias1 ... alias4 also as "
        .. "fields of their own, deprecated by Duo)" },
      { "email", "string", "the e-mail address (\"\" when none)" },
      { "realname, firstname, lastname", "string", "the names (\"\" when none)" },
      { "status", "string", "\"active\" (must pass 2FA), \"bypass\" (skips 2FA), \"disabled\" (cannot log in), "
        .. "\"locked out\" (too many failed attempts or an expired enrolment; see lockout_reason), "
        .. "\"pending deletion\" (deleted, in the trash until purged); note the spaces" },
      { "lockout_reason", "string|null", "why a \"locked out\" user is locked out (e.g. \"Failed Attempts\")" },
      { "is_enrolled", "boolean", "true when the user has at least one authentication device (a phone, "
        .. "hardware token, U2F token or WebAuthn credential)" },
      { "created", "integer", "when the user was created (Unix seconds)" },
      { "last_login", "integer|null", "the last successful authentication (Unix seconds); null: never" },
      { "last_directory_sync", "integer|null", "the last directory sync that touched the user (Unix seconds)" },
      { "notes", "string", "free text" },
      { "external_id", "string|null", "the directory's ID of a synced user" },
      { "enable_auto_prompt", "boolean", "whether the Universal Prompt sends a push (or call) automatically" },
      { "custom_attributes", "table|nil", "attributes synced from a directory, by name" },
      { "groups", "array", "the user's groups: { group_id, name, desc, status, ... }" },
      { "phones", "array", "the user's phones (the phone record, without users)" },
      { "tokens", "array", "hardware tokens: { token_id, type, serial, totp_step, ... }" },
      { "u2ftokens, webauthncredentials, desktoptokens", "array", "the other authenticators" },
    } },
  { name = "phone", title = "A phone",
    methods = "get_phones, get_phone_by_id, get_user_phones (and the phones of a user record)",
    fields = {
      { "phone_id", "string", "the phone's ID (DP...)" },
      { "number", "string", "the number with country code, +15555550100 (\"\" for a tablet)" },
      { "extension", "string", "dialled after the call connects" },
      { "name", "string", "a free name" },
      { "type", "string", "\"Mobile\", \"Landline\" or \"Unknown\"" },
      { "platform", "string", "\"Apple iOS\", \"Google Android\", \"Generic Smartphone\", ... (new values appear)" },
      { "model", "string", "the device model, \"Unknown\" when not known" },
      { "activated", "boolean", "whether Duo Mobile is activated on it (Duo Push possible)" },
      { "capabilities", "array", "what it can do: \"auto\", \"push\", \"sms\", \"phone\", \"mobile_otp\"" },
      { "sms_passcodes_sent", "boolean", "whether SMS passcodes were sent to it" },
      { "predelay, postdelay", "string|null", "seconds to wait before and after dialling the extension" },
      { "encrypted, fingerprint, screenlock, tampered", "string", "Duo Mobile's device checks "
        .. "(\"Encrypted\", \"Configured\", \"Locked\", \"Not tampered\", or \"\" when not reported)" },
      { "last_seen", "string", "the last contact, an ISO 8601 time (\"\" when never)" },
      { "users", "array", "the users it belongs to (brief user records)" },
    } },
  { name = "admin", title = "An administrator",
    methods = "get_admins, get_admin, add_admin, update_admin",
    fields = {
      { "admin_id", "string", "the administrator's ID (DE...)" },
      { "name", "string", "the name" },
      { "email", "string", "the e-mail address (the login)" },
      { "phone", "string", "the phone number (\"\" when none: Duo documents it as optional)" },
      { "role", "string", "\"Owner\", \"Administrator\", \"Application Manager\", \"User Manager\", "
        .. "\"Help Desk\", \"Billing\", \"Phishing Manager\", \"Read-only\"" },
      { "status", "string", "\"Active\", \"Disabled\", \"Expired\" or \"Pending Activation\" (capitalised, "
        .. "unlike a user's status)" },
      { "created", "integer", "when the administrator was created (Unix seconds)" },
      { "last_login", "integer|null", "the last Admin Panel login (Unix seconds)" },
      { "password_change_required", "boolean", "whether the next login must change the password" },
      { "restricted_by_admin_units", "boolean", "whether administrative units limit what it manages" },
      { "admin_units", "array", "the administrative units it is assigned to" },
      { "last_directory_sync", "integer|null", "the last admin directory sync (Unix seconds)" },
      { "subaccount_role", "string|null", "its role in child accounts (MSP parents)" },
    } },
  { name = "bypass_code", title = "A bypass code",
    methods = "get_bypass_codes, get_bypass_code_by_id, get_user_bypass_codes; "
      .. "add_user_bypass_codes returns the codes themselves (strings), once",
    note = "The codes are never returned again after they are made.",
    fields = {
      { "bypass_code_id", "string", "the code's ID (DB...), not the code" },
      { "created", "integer", "when it was made (Unix seconds)" },
      { "expiration", "integer|null", "when it expires (Unix seconds); null: never" },
      { "reuse_count", "integer|null", "how many more times it may be used; null: without limit" },
      { "admin_email", "string", "the administrator who made it (\"\" when made through the API)" },
      { "user", "table", "the user it belongs to: { user_id, username, email, realname, status, created, "
        .. "last_login }" },
    } },
  { name = "authentication_log", title = "An authentication log event (v2)",
    methods = "get_authentication_log (API version 2, the default); records in response.authlogs",
    fields = {
      { "txid", "string", "the transaction's ID" },
      { "timestamp", "integer", "when (Unix seconds); isotimestamp the same as ISO 8601" },
      { "event_type", "string", "\"authentication\" or \"enrollment\"" },
      { "result", "string", "\"success\", \"denied\", \"failure\", \"error\" or \"fraud\"" },
      { "reason", "string", "why, e.g. \"user_approved\", \"user_marked_fraud\", \"deny_unenrolled_user\", "
        .. "\"locked_out\", \"bypass_user\", \"invalid_passcode\", \"no_response\"" },
      { "factor", "string", "e.g. \"duo_push\", \"phone_call\", \"sms_passcode\", \"passcode\", "
        .. "\"hardware_token\", \"bypass_code\", \"remembered_device\", \"webauthn_security_key\"" },
      { "user", "table", "{ key = user ID, name = username, groups = [...] }" },
      { "email, alias", "string", "the user's e-mail address, and the alias used to log in" },
      { "application", "table", "{ key = integration key, name }" },
      { "access_device", "table", "where the login came from: { ip, hostname, browser, browser_version, os, "
        .. "os_version, location = { city, state, country }, ... }" },
      { "auth_device", "table", "the device that approved: { name, ip, location }" },
      { "trusted_endpoint_status", "string", "\"trusted\", \"not trusted\", \"unknown\", ..." },
      { "ood_software", "string|null", "out-of-date software that was flagged" },
    } },
  { name = "administrator_log", title = "An administrator log event",
    methods = "get_administrator_log (v1: records in response, mintime in Unix seconds)",
    fields = {
      { "timestamp", "integer", "when (Unix seconds); isotimestamp the same as ISO 8601" },
      { "username", "string", "the administrator's name, or \"API\" for a call through the Admin API" },
      { "action", "string", "what was done, e.g. \"user_update\", \"admin_login\", \"integration_create\"" },
      { "object", "string", "what it was done to (a username, an integration's name)" },
      { "description", "string|table", "the change: a JSON text Duo sends as a string (decode it to read the "
        .. "fields)" },
      { "eventtype, host", "string", "added by duo-lua as the Python client does: \"administrator\" and the "
        .. "API host" },
    } },
  { name = "telephony_log", title = "A telephony log event",
    methods = "get_telephony_log (API version 2, the default: records in response.items; version 1: "
      .. "records in response, mintime in Unix seconds only)",
    fields = {
      { "telephony_id", "string", "the event's ID (v2)" },
      { "txid", "string", "the authentication transaction it belongs to (v2)" },
      { "ts", "string", "when, ISO 8601 (v2); v1 has timestamp, Unix seconds" },
      { "type", "string", "\"sms\" or \"phone\"" },
      { "phone", "string", "the number called or texted" },
      { "context", "string", "why, e.g. \"authentication\", \"enrollment\", \"administrator login\"" },
      { "credits", "integer", "telephony credits used" },
    } },
}

M.by_name = {}
for _, r in ipairs(M.list) do M.by_name[r.name] = r end

return M
