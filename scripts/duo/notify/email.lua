-- kind = "email": one mail per call through libcurl's SMTP (duo._notify):
-- smtps:// is TLS from the start, smtp:// must upgrade with STARTTLS (or
-- the send fails); the certificate is always verified. The message is RFC
-- 5322: Date, From, To, Subject (RFC 2047 encoded when not ASCII),
-- Message-ID, and a text/plain UTF-8 body: the run's title, one line per
-- finding, then each finding's rule, id and times. The send blocks
-- (transport.h says why) for at most the channel's timeout.
local notify_c = require "duo._notify"
local codec = require "duo._sign"

local M = {}

local DAYS = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" }
local MONTHS = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" }

-- RFC 5322 date-time in UTC, independent of the locale.
function M.date(t)
  local d = os.date("!*t", t)
  return string.format("%s, %02d %s %04d %02d:%02d:%02d +0000", DAYS[d.wday], d.day, MONTHS[d.month], d.year,
                       d.hour, d.min, d.sec)
end

local function ascii(s)
  return not s:find("[\128-\255]")
end

-- A header's text: as is when ASCII, else RFC 2047 encoded words (base64,
-- cut between UTF-8 characters so each word stays valid).
local function header_text(s)
  if ascii(s) then return s end
  local words, chunk = {}, ""
  for ch in s:gmatch("[\0-\127\194-\244][\128-\191]*") do
    if #chunk + #ch > 45 then
      words[#words + 1] = "=?UTF-8?B?" .. codec.base64_encode(chunk) .. "?="
      chunk = ""
    end
    chunk = chunk .. ch
  end
  if chunk ~= "" then words[#words + 1] = "=?UTF-8?B?" .. codec.base64_encode(chunk) .. "?=" end
  return table.concat(words, "\r\n ")
end

function M.body(findings)
  local d = require("duo.notify.digest").digest(findings)
  local lines = { d.title, "" }
  for _, e in ipairs(d.entries) do lines[#lines + 1] = e.line end
  lines[#lines + 1] = ""
  for _, e in ipairs(d.entries) do
    local f = e.finding
    lines[#lines + 1] = string.format("- %s, rule %s, finding %s%s%s", e.label, f.rule, f.finding_id,
                                      f.first_seen and (", first seen " .. f.first_seen) or "",
                                      f.last_seen and (", last seen " .. f.last_seen) or "")
  end
  lines[#lines + 1] = ""
  lines[#lines + 1] = "-- sent by duo-lua"
  return d.title, table.concat(lines, "\r\n") .. "\r\n"
end

-- The whole message; now and a unique token are given for tests.
function M.message(ch, findings, now, unique)
  local subject, text = M.body(findings)
  local to = type(ch.to) == "string" and { ch.to } or ch.to
  local domain = ch.from:match("@(.+)$")
  local encoding = "7bit"
  local longest = 0
  for line in text:gmatch("[^\r\n]*") do longest = math.max(longest, #line) end
  if not ascii(text) or longest > 900 then
    encoding = "base64"
    local b64 = codec.base64_encode(text)
    local wrapped = {}
    for i = 1, #b64, 76 do wrapped[#wrapped + 1] = b64:sub(i, i + 75) end
    text = table.concat(wrapped, "\r\n") .. "\r\n"
  end
  local headers = {
    "Date: " .. M.date(now),
    "From: " .. ch.from,
    "To: " .. table.concat(to, ", "),
    "Subject: " .. header_text(ch.subject and (ch.subject .. " " .. subject) or subject),
    "Message-ID: <" .. unique .. "@" .. domain .. ">",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=UTF-8",
    "Content-Transfer-Encoding: " .. encoding,
    "X-Mailer: duo-lua",
  }
  return table.concat(headers, "\r\n") .. "\r\n\r\n" .. text, to
end

local function unique_id(now)
  local hex = {}
  for i = 1, 8 do hex[i] = string.format("%02x", math.random(0, 255)) end
  return string.format("%d.%s.duo-lua", now, table.concat(hex))
end

function M.send(ch, findings, ctx)
  local now = os.time()
  local message, to = M.message(ch, findings, now, unique_id(now))
  local ok, kind, why, code, refused = notify_c.mail{
    url = ch.smtp, from = ch.from, to = to, username = ch.username, password = ch.password, message = message,
    ca = ch.ca, proxy = ch.proxy, timeout = ch.timeout, connect_timeout = ch.connect_timeout }
  if not ok then
    if refused then
      why = string.format("the SMTP server refused (%d): %s%s", code, why,
                          code == 535 and "; check 'username' and 'password'" or "")
    end
    ctx.fail(kind, why)
  end
end

return M
