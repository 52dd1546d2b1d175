-- kind = "syslog": one RFC 5424 message per finding,
--   <PRI>1 TIMESTAMP HOSTNAME duo-lua - RULE - {finding as JSON}
-- PRI = facility * 8 + severity (critical 2, warning 4, info 6, and
-- resolved findings 5, notice); no structured data, the MSG is the
-- finding's JSON (the webhook's shape) without a BOM. udp://: one datagram
-- per message (RFC 5426, port 514 by default); tcp://: one connection,
-- each message framed by its octet count, "LEN SP MSG" (RFC 6587, port
-- 514); tls://: the same framing over verified TLS (RFC 5425, port 6514).
-- TCP and TLS sends block for at most the channel's timeout.
--
-- Log events (send_events, export-logs --to): one message per event,
--   <PRI>1 EVENT-TIME HOSTNAME duo-lua - TYPE - {the event as exported}
-- at severity info (6), the TIMESTAMP the event's own time (UTC, ms), the
-- MSGID its log type; a call's messages go over one connection (tcp,
-- tls) or one datagram each (udp).
local json = require "duo.json"
local notify_c = require "duo._notify"
local channels = require "duo.notify.channels"

local M = {}

local LEVEL = { critical = 2, warning = 4, info = 6 }
local NOTICE = 5
local PORTS = { udp = 514, tcp = 514, tls = 6514 }

-- printable US-ASCII without spaces, at most n characters; "-" for none
local function field(s, n)
  s = (s or ""):gsub("[^\33-\126]", "_"):sub(1, n)
  return s ~= "" and s or "-"
end

function M.message(ch, f, now, hostname)
  local pri = channels.facility(ch.facility) * 8 + (f.state == "resolved" and NOTICE or LEVEL[f.severity])
  return string.format("<%d>1 %s %s %s - %s - %s", pri, os.date("!%Y-%m-%dT%H:%M:%SZ", now),
                       field(ch.hostname or hostname, 255), field(ch.app_name or "duo-lua", 48), field(f.rule, 32),
                       json.encode(f))
end

-- The octet-counting frame of RFC 6587 section 3.4.1.
function M.frame(msg)
  return #msg .. " " .. msg
end

local INFO = 6

function M.event_message(ch, ev, hostname)
  local ms = math.floor(ev.time * 1000 + 0.5)
  local stamp = os.date("!%Y-%m-%dT%H:%M:%S", ms // 1000) .. string.format(".%03dZ", ms % 1000)
  return string.format("<%d>1 %s %s %s - %s - %s", channels.facility(ch.facility) * 8 + INFO, stamp,
                       field(ch.hostname or hostname, 255), field(ch.app_name or "duo-lua", 48), field(ev.type, 32),
                       ev.json)
end

-- Sends the messages: a datagram each, or one connection for them all.
local function deliver(ch, messages, ctx)
  local scheme = ch.url:match("^(%a+)://")
  local host, port = channels.host_port(ch.url, scheme)
  port = port or PORTS[scheme]
  if scheme == "udp" then
    for _, msg in ipairs(messages) do
      local ok, kind, why = notify_c.datagram((host:gsub("^%[(.*)%]$", "%1")), tostring(port), msg)
      if not ok then ctx.fail(kind, why) end
    end
    return
  end
  local frames = {}
  for i, msg in ipairs(messages) do frames[i] = M.frame(msg) end
  local ok, kind, why = notify_c.stream{ url = scheme .. "://" .. host .. ":" .. port, data = table.concat(frames),
                                         ca = ch.ca, proxy = ch.proxy, timeout = ch.timeout,
                                         connect_timeout = ch.connect_timeout }
  if not ok then ctx.fail(kind, why) end
end

function M.send(ch, findings, ctx)
  local now, hostname = os.time(), notify_c.hostname()
  local messages = {}
  for i, f in ipairs(findings) do messages[i] = M.message(ch, f, now, hostname) end
  deliver(ch, messages, ctx)
end

function M.send_events(ch, events, ctx)
  local hostname = notify_c.hostname()
  local messages = {}
  for i, ev in ipairs(events) do messages[i] = M.event_message(ch, ev, hostname) end
  deliver(ch, messages, ctx)
end

return M
