-- The alerts workflow's rules (SPEC section 10): the built-in ones with
-- their defaults, and a rules file (JSON, or a Lua file returning the same
-- table) that changes them:
--   {"bypass_user": {"severity": "warning", "days": 14, "channels": ["ops"]},
--    "integration_created": {"enabled": false}}
-- Every rule takes severity (info, warning, critical), channels (names of
-- notify channels; none: all of them) and enabled; its parameters are its
-- own. An unknown rule or key, or a value of the wrong kind, is refused by
-- name in one line.
--
--   local rules = require "workflows.lib.alerts.rules"
--   local list = rules.load(path)     -- nil: the defaults; raises rules.Invalid
local options = require "duo.options"

local M = {}

M.SEVERITIES = { info = true, warning = true, critical = true }

-- name -> { severity, params = { name = default }, about = what it finds }
-- The order of M.ORDER is the order of findings in the output.
M.ORDER = { "bypass_user", "bypass_code_old", "locked_out_users", "new_admin", "admin_role_changed",
            "telephony_credits_low", "fraud_report", "trust_monitor_event", "integration_created",
            "global_policy_changed", "standards_drift", "auth_denied_spike" }

M.BUILTIN = {
  bypass_user = { severity = "warning", params = { days = 7 },
                  about = "a user in bypass status for longer than `days`" },
  bypass_code_old = { severity = "warning", params = { days = 30 },
                      about = "a user holding a bypass code created more than `days` ago" },
  locked_out_users = { severity = "warning", params = {}, about = "a user locked out" },
  new_admin = { severity = "critical", params = { days = 7 },
                about = "an administrator created in the last `days`" },
  admin_role_changed = { severity = "critical", params = { days = 7 },
                         about = "an administrator whose role was changed in the last `days`" },
  telephony_credits_low = { severity = "warning", params = { below = 100 },
                            about = "an account with fewer than `below` telephony credits" },
  fraud_report = { severity = "critical", params = { days = 1 },
                   about = "a user who reported a push as fraud in the last `days`" },
  trust_monitor_event = { severity = "critical", params = { days = 1 },
                          about = "a Trust Monitor event surfaced in the last `days`" },
  integration_created = { severity = "info", params = { days = 7 },
                          about = "an application (integration) created in the last `days`" },
  global_policy_changed = { severity = "warning", params = { days = 7 },
                            about = "an account whose global policy was changed in the last `days`" },
  standards_drift = { severity = "warning", params = { baseline = false },
                      about = "an account whose settings drift from the `baseline` file" },
  auth_denied_spike = { severity = "warning", params = { ratio = 0.5, window = "1h", min_attempts = 10 },
                        about = "an account where at least `ratio` of the last `window`'s attempts were denied" },
}

local COMMON = { severity = true, channels = true, enabled = true }

-- A duration: seconds, or "90s", "30m", "1h", "2d".
local UNITS = { s = 1, m = 60, h = 3600, d = 86400 }
function M.seconds(v)
  if math.type(v) == "integer" and v > 0 then return v end
  if type(v) == "number" and v > 0 then return math.floor(v) end
  if type(v) ~= "string" then return nil end
  local n, unit = v:match("^(%d+)%s*([smhd]?)$")
  if n == nil or tonumber(n) == 0 then return nil end
  return math.tointeger(tonumber(n) * UNITS[unit ~= "" and unit or "s"])
end

local CHECKS = {
  days = function(v) return type(v) == "number" and v > 0 and v <= 180, "a number of days above 0, at most 180" end,
  below = function(v) return type(v) == "number" and v >= 0, "a number of credits, 0 or more" end,
  ratio = function(v) return type(v) == "number" and v > 0 and v <= 1, "a number above 0, at most 1" end,
  window = function(v)
    local s = M.seconds(v)
    return s ~= nil and s <= 180 * 86400, "a duration (seconds, or \"30m\", \"1h\", \"1d\"), at most 180 days"
  end,
  min_attempts = function(v) return math.type(v) == "integer" and v >= 1, "a whole number above 0" end,
  baseline = function(v) return type(v) == "string" and v ~= "", "the path of a baseline file (as standards takes)" end,
}

local sorted = options.sorted_keys

-- Raised for a bad rules file: a table whose tostring is the one line.
local Invalid = { __tostring = function(e) return e.message end }
M.Invalid = Invalid

local function invalid(fmt, ...)
  error(setmetatable({ message = string.format(fmt, ...) }, Invalid), 0)
end

function M.is_invalid(e)
  return getmetatable(e) == Invalid
end

-- The rules file's table: JSON, or Lua (a chunk returning a table, run in
-- an empty environment).
local function read_table(path)
  local f, err = io.open(path, "rb")
  if f == nil then invalid("cannot read the rules file: %s", err) end
  local text = f:read("a")
  f:close()
  text = text:gsub("^\239\187\191", "")
  if path:match("%.lua$") then
    local chunk, lerr = load(text, "@" .. path, "t", {})
    if chunk == nil then invalid("the rules file %s: %s", path, (tostring(lerr):gsub("^[^:]*:(%d+):", "line %1:"))) end
    local ok, doc = pcall(chunk)
    if not ok then invalid("the rules file %s: %s", path, tostring(doc)) end
    if type(doc) ~= "table" then invalid("the rules file %s must return a table of rules, got %s", path, type(doc)) end
    return doc
  end
  local json = require "duo.json"
  local ok, doc = pcall(json.decode, text)
  if not ok then invalid("the rules file %s is not valid JSON: %s", path, (tostring(doc):gsub("^json: ", ""))) end
  if type(doc) ~= "table" or json.is_array(doc) then
    invalid("the rules file %s must be a JSON object of rule names and settings", path)
  end
  return doc
end

-- The rules in force: each { name, severity, params, channels (nil: all),
-- about }, in M.ORDER; rules with enabled = false left out. base: the
-- folder relative paths in the file (baseline) are taken from.
function M.load(path)
  local given = path and read_table(path) or {}
  local where = path and ("the rules file " .. path) or "the rules"
  for name, settings in pairs(given) do
    if type(name) ~= "string" or M.BUILTIN[name] == nil then
      invalid("%s: unknown rule '%s' (known: %s)", where, tostring(name), table.concat(sorted(M.BUILTIN), ", "))
    end
    if type(settings) ~= "table" then
      invalid("%s: rule '%s' must be an object of settings, got %s", where, name, type(settings))
    end
    local def = M.BUILTIN[name]
    for k, v in pairs(settings) do
      if type(k) ~= "string" or not (COMMON[k] or def.params[k] ~= nil) then
        local known = sorted(COMMON)
        for _, p in ipairs(sorted(def.params)) do known[#known + 1] = p end
        table.sort(known)
        invalid("%s: rule '%s': unknown key '%s' (known: %s)", where, name, tostring(k), table.concat(known, ", "))
      end
      if k == "severity" and not M.SEVERITIES[v] then
        invalid("%s: rule '%s': severity must be info, warning or critical", where, name)
      elseif k == "enabled" and type(v) ~= "boolean" then
        invalid("%s: rule '%s': enabled must be true or false", where, name)
      elseif k == "channels" then
        local ok = type(v) == "table"
        for i, c in pairs(ok and v or {}) do
          if math.type(i) ~= "integer" or type(c) ~= "string" then ok = false end
        end
        if not ok then invalid("%s: rule '%s': channels must be a list of channel names", where, name) end
      elseif CHECKS[k] then
        local ok, want = CHECKS[k](v)
        if not ok then invalid("%s: rule '%s': %s must be %s", where, name, k, want) end
      end
    end
  end
  local dir = path and path:match("^(.*)/[^/]*$")
  local list = {}
  for _, name in ipairs(M.ORDER) do
    local def, s = M.BUILTIN[name], given[name] or {}
    if s.enabled ~= false then
      local params = {}
      for k, v in pairs(def.params) do
        if s[k] ~= nil then params[k] = s[k] elseif v ~= false then params[k] = v end
      end
      if params.baseline and dir and not params.baseline:match("^/") then
        params.baseline = dir .. "/" .. params.baseline
      end
      if params.window then params.window_s = M.seconds(params.window) end
      local channels
      if s.channels and #s.channels > 0 then channels = s.channels end
      list[#list + 1] = { name = name, severity = s.severity or def.severity, params = params, channels = channels,
                          about = def.about }
    end
  end
  return list
end

return M
