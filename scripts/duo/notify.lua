-- duo.notify(channel, findings [, opts]): sends findings (SPEC section 10)
-- to one notification channel, a name from the config in force or a
-- channel table { kind = ..., ... }. Returns true once the channel took
-- them all; raises a duo.Error naming the channel otherwise. Under
-- --dry-run it prints what it would send (channel, kind, host, count) and
-- returns nil. No secret (a token, a password, a webhook URL) ever appears
-- in an error, a trace or the dry-run line.
--
-- notify.events(channel, events [, opts]) sends log events (export-logs
-- --to) to a syslog, splunk_hec or webhook channel, batched as the kind
-- wants; each event is { type = "authentication", time = Unix seconds,
-- record = the event's table, json = its JSON text }.
--
-- The kinds live in scripts/duo/notify/<kind>.lua; each has
--   send(ch, findings, ctx)   ctx: name, host, fail(kind, message, fields)
-- and those in EVENT_KINDS also send_events(ch, events, ctx).
local envs = require "duo.env"
local errors = require "duo.error"
local options = require "duo.options"
local config = require "duo.config"
local channels = require "duo.notify.channels"
local json = require "duo.json"

local M = {}

local SEVERITIES = { info = true, warning = true, critical = true }
local STATES = { new = true, resolved = true }

-- The fields of a finding and their types; the required ones, in the
-- order they are asked for.
local FINDING = {
  source = "string", profile = "string", rule = "string", severity = "string", state = "string",
  finding_id = "string", org_id = "string", org = "string", account_id = "string", account = "string",
  summary = "string", details = "table", first_seen = "string", last_seen = "string",
}
local REQUIRED = { "rule", "severity", "state", "finding_id", "summary" }
-- An account without an organization has org and org_id null (SPEC section 8).
local NULLABLE = { org_id = true, org = true }

local OPTIONS = { profile = "string" }

-- The kinds that take log events.
M.EVENT_KINDS = { syslog = true, splunk_hec = true, webhook = true }

local function check_finding(f, i)
  local where = "finding " .. i
  if type(f) ~= "table" then options.arg_error("notify", 2, where .. " must be a table, got " .. type(f)) end
  for k, v in pairs(f) do
    local want = FINDING[k]
    if want == nil then options.arg_error("notify", 2, string.format("%s: unknown field '%s'", where, tostring(k))) end
    if type(v) ~= want and not (NULLABLE[k] and v == json.null) then
      options.arg_error("notify", 2, string.format("%s: '%s' must be a %s, got %s", where, k, want, type(v)))
    end
  end
  for _, k in ipairs(REQUIRED) do
    if f[k] == nil then options.arg_error("notify", 2, string.format("%s: '%s' is required", where, k)) end
  end
  if not SEVERITIES[f.severity] then
    options.arg_error("notify", 2, where .. ": 'severity' must be info, warning or critical")
  end
  if not STATES[f.state] then options.arg_error("notify", 2, where .. ": 'state' must be new or resolved") end
  local out = {}
  for k, v in pairs(f) do out[k] = v end
  out.source = out.source or "duo-lua"
  return out
end

-- One finding or a list of them -> a checked list (copies).
local function check_findings(findings)
  if type(findings) ~= "table" then
    options.arg_error("notify", 2, "a finding or a list of findings expected, got " .. type(findings))
  end
  local list = findings.rule ~= nil and { findings } or findings
  local out = {}
  for i, f in ipairs(list) do out[i] = check_finding(f, i) end
  if next(list) ~= nil and #out == 0 then options.arg_error("notify", 2, "a finding or a list of findings expected") end
  return out
end

-- The host a channel talks to, for messages (never a path or a query).
local function channel_host(ch)
  local url = ch.url or ch.smtp or ""
  return (url:match("^%a[%w+.-]*://([^/?#]+)") or ""):gsub("^.*@", "")
end

local function scrub(text, secrets)
  for _, s in ipairs(secrets) do
    local from = 1
    while true do
      local a, b = text:find(s, from, true)
      if a == nil then break end
      text = text:sub(1, a - 1) .. "(secret)" .. text:sub(b + 1)
      from = a + 8
    end
  end
  return text
end

-- ctx.fail(kind, message, fields): raises the channel's duo.Error;
-- ctx.scrub(text): the text with the channel's secrets blotted out.
local function context(name, ch)
  local ctx = { name = name, host = channel_host(ch) }
  local secrets = channels.secrets(ch)
  function ctx.scrub(text)
    return scrub(text, secrets)
  end
  function ctx.fail(kind, message, fields)
    local e = { kind = kind, host = ctx.host ~= "" and ctx.host or nil,
                message = scrub(string.format("notify channel '%s' (%s): %s", name, ch.kind, message), secrets) }
    for k, v in pairs(fields or {}) do e[k] = v end
    error(errors.new(e), 0)
  end
  return ctx
end

-- A channel name (looked up in the config) or table -> the channel and
-- the name its messages use; raises on an unknown name or a bad table.
function M.channel(channel, profile, fname)
  fname = fname or "notify"
  if type(channel) == "string" then
    return config.channel(channel, profile), channel
  elseif type(channel) == "table" then
    local problem = channels.problem(channel)
    if problem then options.arg_error(fname, 1, "the channel " .. problem) end
    return channel, channel.kind
  end
  options.arg_error(fname, 1, "channel name or table expected, got " .. type(channel))
end

-- Under --dry-run prints what would be sent (channel, kind, host, count)
-- and returns nil; otherwise sends the list with the kind's `method` and
-- returns true.
local function dispatch(ch, name, ctx, list, noun, method)
  if envs.current().dry_run then
    io.stderr:write(string.format("dry-run: notify '%s' (%s to %s): %d %s%s, not sent\n", name, ch.kind,
                                  ctx.host, #list, noun, #list == 1 and "" or "s"))
    return nil
  end
  require("duo.notify." .. ch.kind)[method](ch, list, ctx)
  return true
end

local EVENT = { type = "string", time = "number", record = "table", json = "string" }

function M.events(channel, events, opts)
  local o = options.check(opts, OPTIONS, "notify.events", 3)
  local ch, name = M.channel(channel, o.profile, "notify.events")
  if type(events) ~= "table" then options.arg_error("notify.events", 2, "a list of events expected, got " .. type(events)) end
  for i, ev in ipairs(events) do
    options.check(ev, EVENT, "notify.events", 3)
    for _, k in ipairs{ "type", "time", "record", "json" } do
      if ev[k] == nil then options.arg_error("notify.events", 2, string.format("event %d: '%s' is required", i, k)) end
    end
  end
  local ctx = context(name, ch)
  if not M.EVENT_KINDS[ch.kind] then
    ctx.fail("config", "log events go to a syslog, splunk_hec or webhook channel, not " .. ch.kind)
  end
  if #events == 0 then return true end
  return dispatch(ch, name, ctx, events, "event", "send_events")
end

function M.notify(channel, findings, opts)
  local o = options.check(opts, OPTIONS, "notify", 3)
  local ch, name = M.channel(channel, o.profile)
  local list = check_findings(findings)
  if #list == 0 then return true end
  local ctx = context(name, ch)
  if ch.kind == "psa_ticket" then
    ctx.fail("config", "psa_ticket channels are sent by the alerts workflow, not by duo.notify")
  end
  return dispatch(ch, name, ctx, list, "finding", "send")
end

return M
