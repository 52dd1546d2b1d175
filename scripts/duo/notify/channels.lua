-- The notification channels' shapes (SPEC section 10): the keys of each
-- kind, which are required, which hold a secret. Used where the config is
-- read (duo.config) and by duo.notify for a channel given as a table, so
-- both refuse the same mistakes with the same words.
local options = require "duo.options"

local M = {}

-- Every channel takes these transport options (SPEC section 4).
M.TRANSPORT = { ca = "string", proxy = "string", timeout = "number", connect_timeout = "number" }

M.KINDS = {
  teams = { url = "string" },
  slack = { url = "string" },
  webhook = { url = "string", secret = "string" },
  email = { smtp = "string", from = "string", to = "table|string", username = "string", password = "string",
            subject = "string" },
  syslog = { url = "string", facility = "string|number", app_name = "string", hostname = "string" },
  splunk_hec = { url = "string", token = "string", index = "string", sourcetype = "string", source = "string",
                 host = "string" },
  -- opened by the alerts workflow in the profile's PSA (section 9); its
  -- shape is checked here so a config may already name it
  -- (the keys of the three PSAs that have tickets; which ones a kind
  -- takes and needs is checked against the profile's psa block when the
  -- channel is opened: workflows/lib/psa.lua)
  psa_ticket = { company_id = "string|number", board = "string", closed_status = "string",
                 queue_id = "number", priority = "number", status = "number", complete_status = "number",
                 note_type = "number", tickettype_id = "number", team = "string", closed_status_id = "number",
                 outcome = "string" },
}

local REQUIRED = {
  teams = { "url" }, slack = { "url" }, webhook = { "url" }, email = { "smtp", "from", "to" },
  syslog = { "url" }, splunk_hec = { "url", "token" }, psa_ticket = {},
}

-- The keys whose values are secrets: never printed. A chat webhook's URL
-- carries its token in the path (Slack) or the query (Teams Workflows).
M.SECRETS = { teams = { "url" }, slack = { "url" }, webhook = { "secret" }, email = { "password" },
              splunk_hec = { "token" } }

local HINT = {
  teams = "the Workflows webhook URL, https://...",
  slack = "the incoming webhook URL, https://hooks.slack.com/services/...",
  webhook = "an https:// URL",
  splunk_hec = "the HEC URL, https://HOST:8088",
  syslog = "udp://HOST[:PORT], tcp://HOST[:PORT] or tls://HOST[:PORT]",
  email = "smtps://HOST[:PORT] (TLS) or smtp://HOST[:PORT] (STARTTLS)",
}

local sorted_keys = options.sorted_keys

local FACILITIES = { kern = 0, user = 1, mail = 2, daemon = 3, auth = 4, syslog = 5, lpr = 6, news = 7,
                     uucp = 8, cron = 9, authpriv = 10, ftp = 11, ntp = 12, security = 13, console = 14,
                     local0 = 16, local1 = 17, local2 = 18, local3 = 19, local4 = 20, local5 = 21, local6 = 22,
                     local7 = 23 }

-- The syslog facility's number (default user, 1), or nil.
function M.facility(v)
  if v == nil then return 1 end
  if type(v) == "string" then return FACILITIES[v] end
  if math.type(v) == "integer" or (v == math.floor(v)) then
    v = math.tointeger(v)
    if v and v >= 0 and v <= 23 then return v end
  end
  return nil
end

-- An e-mail address fit for an envelope and a header: one line, no
-- brackets or commas, an @ inside.
local function address_ok(a)
  return type(a) == "string" and a:find("^[^%s<>,;\"]+@[^%s<>,;\"@]+$") ~= nil
end

-- host (or [v6]) and port of "scheme://host[:port][/]", or nil.
function M.host_port(url, scheme)
  local rest = url:match("^" .. scheme .. "://(.*)$")
  if rest == nil then return nil end
  rest = rest:gsub("/$", "")
  local host, port = rest:match("^(%[[%x:.]+%]):?(%d*)$")
  if host == nil then host, port = rest:match("^([%w.-]+):?(%d*)$") end
  if host == nil then return nil end
  local n = tonumber(port)
  if port ~= "" and (n == nil or n < 1 or n > 65535) then return nil end
  return host, n
end

local function kind_check(ch)
  local kind = ch.kind
  if kind == "teams" or kind == "slack" or kind == "webhook" or kind == "splunk_hec" then
    if not ch.url:find("^https://[%w.%-%[%]:]+[/?]?") then return "'url' must be " .. HINT[kind] end
  elseif kind == "syslog" then
    local ok = M.host_port(ch.url, "udp") or M.host_port(ch.url, "tcp") or M.host_port(ch.url, "tls")
    if not ok then return "'url' must be " .. HINT.syslog end
    if ch.proxy and ch.url:find("^udp:") then return "'proxy' cannot carry udp:// (use tcp:// or tls://)" end
    if M.facility(ch.facility) == nil then
      return "'facility' must be a name (user, auth, authpriv, daemon, local0 ... local7) or a number 0-23"
    end
  elseif kind == "email" then
    if not (M.host_port(ch.smtp, "smtps") or M.host_port(ch.smtp, "smtp")) then
      return "'smtp' must be " .. HINT.email
    end
    if not address_ok(ch.from) then return "'from' must be one e-mail address (name@example.com)" end
    local to = type(ch.to) == "string" and { ch.to } or ch.to
    if #to == 0 then return "'to' must list at least one address" end
    for k, a in pairs(to) do
      if math.type(k) ~= "integer" or not address_ok(a) then
        return "'to' must be a list of e-mail addresses (name@example.com)"
      end
    end
    if (ch.username == nil) ~= (ch.password == nil) then return "give both 'username' and 'password', or neither" end
  end
  for k, v in pairs(ch) do
    if type(v) == "string" and v:find("[%c]") then return string.format("'%s' must be one line", k) end
  end
  return nil
end

-- What is wrong with a channel table, as a message that says what to fix
-- (without the channel's name), or nil. Never quotes a value.
function M.problem(ch)
  if type(ch) ~= "table" then return "must be a table { kind = ..., ... }" end
  local kind = ch.kind
  if kind == nil then
    return "has no 'kind' (one of " .. table.concat(sorted_keys(M.KINDS), ", ") .. ")"
  end
  local keys = M.KINDS[kind]
  if keys == nil then
    return string.format("has the unknown kind '%s' (one of %s)", tostring(kind),
                         table.concat(sorted_keys(M.KINDS), ", "))
  end
  for _, k in ipairs(sorted_keys(ch)) do
    local v = ch[k]
    local want = k == "kind" and "string" or keys[k] or M.TRANSPORT[k]
    if want == nil then
      local known = sorted_keys(keys)
      for _, t in ipairs(sorted_keys(M.TRANSPORT)) do known[#known + 1] = t end
      return string.format("has the unknown key '%s' (a %s channel takes %s)", tostring(k), kind,
                           table.concat(known, ", "))
    end
    local ok = false
    for t in want:gmatch("[^|]+") do ok = ok or type(v) == t end
    if not ok then return string.format("'%s' must be a %s, got %s", k, (want:gsub("|", " or ")), type(v)) end
  end
  for _, k in ipairs(REQUIRED[kind]) do
    if ch[k] == nil or ch[k] == "" then
      local hint = (k == "url" or k == "smtp") and HINT[kind] and (" (" .. HINT[kind] .. ")") or ""
      local env_note = M.is_secret(kind, k) and "; if it reads env \"NAME\", is that variable set?" or ""
      return string.format("needs '%s'%s%s", k, hint, env_note)
    end
  end
  if ch.timeout ~= nil and not (ch.timeout > 0) then return "'timeout' must be a number of seconds above 0" end
  if ch.connect_timeout ~= nil and not (ch.connect_timeout > 0) then
    return "'connect_timeout' must be a number of seconds above 0"
  end
  return kind_check(ch)
end

function M.is_secret(kind, key)
  for _, k in ipairs(M.SECRETS[kind] or {}) do
    if k == key then return true end
  end
  return false
end

-- The secret values a channel holds, for scrubbing messages.
function M.secrets(ch)
  local out = {}
  for _, k in ipairs(M.SECRETS[ch.kind] or {}) do
    if type(ch[k]) == "string" and ch[k] ~= "" then out[#out + 1] = ch[k] end
  end
  return out
end

return M
