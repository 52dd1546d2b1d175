-- duo.notify (SPEC section 10) against real receivers on loopback
-- (tests/server/notify_receivers.py): a webhook that checks the HMAC
-- signature, a Splunk HEC that checks its token, Teams and Slack webhooks,
-- SMTP with STARTTLS and with implicit TLS (AUTH required), and syslog
-- over UDP, TCP and TLS. What each receiver got is compared byte for byte
-- where it matters; wrong secrets and refused certificates are one clear
-- line without the secret; the config's channels are checked where it is
-- read; no secret reaches any output.
local T = require "testing"
local duo = require "duo"
local json = duo.json

local R = require "receivers"
local CA, SECRET, PORT, BASE, take = R.CA, R.SECRET, R.PORT, R.BASE, R.take
local DUO_LUA = arg[-1]

local F1 = { profile = "main", rule = "bypass_user", severity = "warning", state = "new",
             finding_id = "bypass_user:DA1:DU1", org_id = "1001", org = "Acme Corp", account_id = "DA1",
             account = "Acme", summary = "alice has been in bypass for 20 days", details = { username = "alice", days = 20 },
             first_seen = "2026-12-01T00:00:00Z", last_seen = "2026-12-07T00:00:00Z" }
local F2 = { profile = "main", rule = "new_admin", severity = "critical", state = "new", finding_id = "new_admin:DA2:DE9",
             org = "Zürich AG", account_id = "DA2", summary = "new admin <mallory> & co", details = {} }
local F3 = { profile = "main", rule = "locked_out_users", severity = "info", state = "resolved",
             finding_id = "locked_out_users:DA1", org = "Acme Corp", account_id = "DA1", summary = "no user locked out" }

-- A finding as sent: the same fields, with source.
local function as_sent(f)
  local out = { source = "duo-lua" }
  for k, v in pairs(f) do out[k] = v end
  return out
end

local function one_line_without_secrets(e, what)
  local text = tostring(e)
  T.truthy(not text:find("\n"), what .. ": one line: " .. text)
  for name, s in pairs(SECRET) do T.truthy(not text:find(s, 1, true), what .. ": no " .. name .. " secret: " .. text) end
  return text
end

-- webhook ---------------------------------------------------------------

T.test("webhook: one signed POST per finding, the body exactly the finding's JSON", function()
  T.eq(duo.notify({ kind = "webhook", url = BASE .. "/hook", secret = SECRET.hook, ca = CA }, { F1, F2 }), true, "sent")
  local got = take("webhook", 2)
  T.eq(#got, 2, "two requests")
  for i, f in ipairs{ F1, F2 } do
    T.eq(got[i].signature_ok, true, "the receiver's own HMAC check of request " .. i)
    T.truthy(got[i].headers["x-duo-lua-signature"]:find("^sha256=%x+$") and #got[i].headers["x-duo-lua-signature"] == 71,
             "sha256= and 64 hex digits")
    T.eq(got[i].body, json.encode(as_sent(f)), "body bytes of request " .. i)
    T.same(json.decode(got[i].body), as_sent(f), "the finding's fields")
  end
end)

T.test("webhook: no secret, no signature header", function()
  duo.notify({ kind = "webhook", url = BASE .. "/hook-open", ca = CA }, F3)
  local got = take("webhook", 1)[1]
  T.eq(got.headers["x-duo-lua-signature"], nil, "no signature")
  T.same(json.decode(got.body), as_sent(F3), "the finding")
end)

-- A channel with a wrong secret: an http error of that status, one line
-- naming the channel and repeating the server's words, without the secret
-- (the wrong one included).
local function refused(ch, wrong, status, words)
  local e = T.raises(function() duo.notify(ch, F1) end, tostring(status))
  T.eq(e.kind, "http", "kind")
  T.eq(e.status, status, "status")
  local text = one_line_without_secrets(e, "wrong secret")
  T.truthy(text:find("notify channel '" .. ch.kind .. "' (" .. ch.kind .. ")", 1, true), text)
  T.truthy(text:find(words, 1, true), text)
  T.truthy(not text:find(wrong, 1, true), "not even the wrong secret: " .. text)
end

T.test("webhook: a wrong secret is an http error naming the channel, without the secret", function()
  local wrong = "wrong-" .. SECRET.hook
  refused({ kind = "webhook", url = BASE .. "/hook", secret = wrong, ca = CA }, wrong, 401, "bad signature")
  T.eq(take("webhook", 1)[1].signature_ok, false, "the receiver saw a bad signature")
end)

-- Splunk HEC ----------------------------------------------------------------

T.test("splunk_hec: all findings in one body, one event each, Authorization: Splunk TOKEN", function()
  duo.notify({ kind = "splunk_hec", url = BASE, token = SECRET.hec, ca = CA, index = "duo" }, { F1, F2, F3 })
  local got = take("hec", 1)[1]
  T.eq(got.token_ok, true, "the receiver accepted the token")
  T.eq(got.headers.authorization, "Splunk " .. SECRET.hec, "header")
  T.eq(#got.events, 3, "three events")
  for i, f in ipairs{ F1, F2, F3 } do
    local ev = got.events[i]
    T.same(ev.event, as_sent(f), "event " .. i)
    T.eq(ev.sourcetype, "duo-lua:finding", "sourcetype")
    T.eq(ev.source, "duo-lua", "source")
    T.eq(ev.index, "duo", "index")
    T.eq(math.type(ev.time), "integer", "time")
  end
  T.eq(select(2, got.body:gsub("\n", "")), 2, "events one per line")
end)

T.test("splunk_hec: a wrong token is one line with HEC's words, not the token", function()
  local wrong = "x" .. SECRET.hec
  refused({ kind = "splunk_hec", url = BASE .. "/services/collector/event", token = wrong, ca = CA }, wrong, 403,
          '"Invalid token" (code 4)')
  T.eq(take("hec", 1)[1].token_ok, false, "refused")
end)

-- Teams and Slack -------------------------------------------------------------

T.test("teams: one Adaptive Card 1.4 message, title with counts, critical first, resolved marked", function()
  duo.notify({ kind = "teams", url = BASE .. "/teams/workflows/1/invoke?sig=" .. SECRET.teams, ca = CA }, { F1, F3, F2 })
  local msg = take("teams", 1)[1].body
  T.eq(msg.type, "message", "type")
  T.eq(#msg.attachments, 1, "one attachment")
  local a = msg.attachments[1]
  T.eq(a.contentType, "application/vnd.microsoft.card.adaptive", "contentType")
  T.eq(a.content.type, "AdaptiveCard", "card type")
  T.eq(a.content.version, "1.4", "version")
  local body = a.content.body
  T.eq(body[1].text, "duo-lua (main): 2 new findings (1 critical, 1 warning), 1 resolved", "title")
  T.eq(body[2].text, "**CRITICAL** Zürich AG (DA2): new admin \\<mallory\\> & co", "critical first, Markdown escaped")
  T.eq(body[2].color, "Attention", "colour")
  T.eq(body[3].text, "**WARNING** Acme Corp (DA1): alice has been in bypass for 20 days", "then the warning")
  T.eq(body[4].text, "**RESOLVED** Acme Corp (DA1): no user locked out", "the resolved one, marked")
  T.eq(#body, 4, "one block per finding")
end)

T.test("slack: text and blocks, mrkdwn escaped", function()
  duo.notify({ kind = "slack", url = BASE .. "/slack/services/T0/B0/" .. SECRET.slack, ca = CA }, { F1, F2 })
  local msg = take("slack", 1)[1].body
  T.eq(msg.text, "duo-lua (main): 2 new findings (1 critical, 1 warning)", "text")
  T.eq(msg.blocks[1].type, "header", "a header")
  T.eq(msg.blocks[1].text.text, msg.text, "header text")
  T.eq(msg.blocks[2].text.type, "mrkdwn", "section")
  T.eq(msg.blocks[2].text.text, ":red_circle: *CRITICAL* Zürich AG (DA2): new admin &lt;mallory&gt; &amp; co\n"
       .. ":warning: *WARNING* Acme Corp (DA1): alice has been in bypass for 20 days", "lines")
end)

T.test("teams and slack: a refused webhook names the channel, never its URL", function()
  local e = T.raises(function()
    duo.notify({ kind = "slack", url = BASE .. "/nowhere/" .. SECRET.slack, ca = CA }, F1)
  end, "404")
  local text = one_line_without_secrets(e, "slack 404")
  T.truthy(not text:find("/nowhere", 1, true), "no path: " .. text)
  T.eq(e.path, nil, "no path field")
end)

-- e-mail ----------------------------------------------------------------------

local function mail_channel(url, extra)
  local ch = { kind = "email", smtp = url, from = "duo-lua@msp.example", to = { "ops@msp.example", "soc@msp.example" },
               username = "duo", password = SECRET.smtp, ca = CA, timeout = 20 }
  for k, v in pairs(extra or {}) do ch[k] = v end
  return ch
end

local function header(data, name)
  name = name:gsub("%-", "%%-")
  return data:match("\r\n" .. name .. ": ([^\r\n]*)\r\n") or data:match("^" .. name .. ": ([^\r\n]*)\r\n")
end

local function check_mail(got, what)
  T.eq(got.tls, true, what .. ": in TLS")
  T.eq(got.user, "duo", what .. ": logged in")
  T.eq(got.mail_from, "duo-lua@msp.example", what .. ": envelope sender")
  T.same(got.rcpt, { "ops@msp.example", "soc@msp.example" }, what .. ": envelope recipients")
  local data = got.data
  local head, body = data:match("^(.-)\r\n\r\n(.*)$")
  T.truthy(head, what .. ": headers, a blank line, a body")
  T.truthy(header(data, "Date"):find("^%a%a%a, %d%d %a%a%a %d%d%d%d %d%d:%d%d:%d%d %+0000$"), what .. ": Date")
  T.eq(header(data, "From"), "duo-lua@msp.example", what .. ": From")
  T.eq(header(data, "To"), "ops@msp.example, soc@msp.example", what .. ": To")
  T.eq(header(data, "Subject"), "[duo] duo-lua (main): 2 new findings (1 critical, 1 warning), 1 resolved",
       what .. ": Subject")
  T.truthy(header(data, "Message-ID"):find("^<[%w.-]+@msp%.example>$"), what .. ": Message-ID")
  T.eq(header(data, "Content-Type"), "text/plain; charset=UTF-8", what .. ": Content-Type")
  T.eq(header(data, "Content-Transfer-Encoding"), "base64", what .. ": non-ASCII text goes in base64")
  T.truthy(not data:find("[^\r]\n"), what .. ": CRLF line ends only")
  local text = require("duo._sign").base64_decode((body:gsub("\r\n", "")))
  T.truthy(text:find("[CRITICAL] Zürich AG (DA2): new admin <mallory> & co\r\n[WARNING] Acme Corp (DA1): alice", 1, true),
           what .. ": one line per finding, critical first: " .. text)
  T.truthy(text:find("[RESOLVED] Acme Corp (DA1): no user locked out", 1, true), what .. ": resolved marked")
  T.truthy(text:find("rule bypass_user, finding bypass_user:DA1:DU1, first seen 2026-12-01T00:00:00Z", 1, true),
           what .. ": details")
end

T.test("email over smtp:// upgrades with STARTTLS, logs in, sends an RFC 5322 message", function()
  T.eq(duo.notify(mail_channel("smtp://localhost:" .. PORT.smtp, { subject = "[duo]" }), { F1, F2, F3 }), true, "sent")
  check_mail(take("smtp", 1)[1], "STARTTLS")
end)

T.test("email over smtps:// is TLS from the first byte", function()
  duo.notify(mail_channel("smtps://localhost:" .. PORT.smtps, { subject = "[duo]" }), { F1, F2, F3 })
  check_mail(take("smtps", 1)[1], "smtps")
end)

T.test("email: a wrong password is one line that says what to check, without the password", function()
  local e = T.raises(function()
    duo.notify(mail_channel("smtp://localhost:" .. PORT.smtp, { password = "not-" .. SECRET.smtp }), F1)
  end, "535")
  local text = one_line_without_secrets(e, "wrong password")
  T.truthy(text:find("notify channel 'email' (email)", 1, true) and text:find("check 'username' and 'password'", 1, true),
           text)
  T.truthy(not text:find("not-", 1, true), text)
  T.eq(take("smtp", 1)[1].auth_failed, true, "the server refused the login")
end)

T.test("email: a server without STARTTLS gets nothing in the clear", function()
  local e = T.raises(function() duo.notify(mail_channel("smtp://localhost:" .. PORT.smtp_plain), F1) end, "STARTTLS")
  T.eq(e.kind, "tls", "kind: " .. tostring(e))
  one_line_without_secrets(e, "no STARTTLS")
end)

-- syslog ------------------------------------------------------------------------

local function parse_5424(msg)
  local pri, ts, host, app, msgid, rest =
    msg:match("^<(%d+)>1 (%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ) (%S+) (%S+) %- (%S+) %- (.*)$")
  T.truthy(pri, "an RFC 5424 header: " .. msg)
  return { pri = tonumber(pri), ts = ts, host = host, app = app, msgid = msgid, finding = json.decode(rest), msg = rest }
end

T.test("syslog over UDP: one RFC 5424 datagram per finding, PRI from facility and severity", function()
  duo.notify({ kind = "syslog", url = "udp://127.0.0.1:" .. PORT.syslog_udp, facility = "local0" }, { F1, F3 })
  local got = take("syslog_udp", 2)
  T.eq(#got, 2, "two datagrams")
  local by_rule = {}
  for _, r in ipairs(got) do
    local m = parse_5424(r.raw)
    by_rule[m.msgid] = m
  end
  T.eq(by_rule.bypass_user.pri, 16 * 8 + 4, "local0.warning")
  T.eq(by_rule.locked_out_users.pri, 16 * 8 + 5, "a resolved finding is a notice")
  T.eq(by_rule.bypass_user.app, "duo-lua", "APP-NAME")
  T.eq(by_rule.bypass_user.host, require("duo._notify").hostname(), "HOSTNAME")
  T.eq(by_rule.bypass_user.msg, json.encode(as_sent(F1)), "MSG: the finding's JSON")
  T.same(by_rule.locked_out_users.finding, as_sent(F3), "the resolved finding")
end)

local function check_stream(got, what)
  T.eq(#got.messages, 2, what .. ": two frames")
  local m1, m2 = got.messages[1], got.messages[2]
  T.eq(got.raw, #m1 .. " " .. m1 .. #m2 .. " " .. m2, what .. ": octet counting, nothing else on the wire")
  local a, b = parse_5424(m1), parse_5424(m2)
  T.eq(a.pri, 1 * 8 + 2, what .. ": user.crit by default")
  T.eq(a.msg, json.encode(as_sent(F2)), what .. ": first finding")
  T.eq(b.msgid, "bypass_user", what .. ": second finding's MSGID")
end

T.test("syslog over TCP: octet-counted frames (RFC 6587) on one connection", function()
  duo.notify({ kind = "syslog", url = "tcp://localhost:" .. PORT.syslog_tcp }, { F2, F1 })
  check_stream(take("syslog_tcp", 1)[1], "tcp")
end)

T.test("syslog over TLS (RFC 5425), the certificate verified", function()
  duo.notify({ kind = "syslog", url = "tls://localhost:" .. PORT.syslog_tls, ca = CA }, { F2, F1 })
  check_stream(take("syslog_tls", 1)[1], "tls")
end)

-- refused certificates -------------------------------------------------------------

T.test("a certificate outside the trust store is a tls error on every TLS channel", function()
  local channels = {
    { kind = "syslog", url = "tls://localhost:" .. PORT.syslog_tls, ca = "system" },
    mail_channel("smtps://localhost:" .. PORT.smtps, { ca = "system" }),
    mail_channel("smtp://localhost:" .. PORT.smtp, { ca = "system" }),
    { kind = "webhook", url = BASE .. "/hook", secret = SECRET.hook, ca = "system" },
    { kind = "splunk_hec", url = BASE, token = SECRET.hec },
  }
  for _, ch in ipairs(channels) do
    local e = T.raises(function() duo.notify(ch, F1) end)
    T.eq(e.kind, "tls", ch.kind .. " " .. (ch.url or ch.smtp) .. ": " .. tostring(e))
    one_line_without_secrets(e, ch.kind)
  end
end)

-- misuse ----------------------------------------------------------------------------

T.test("channels and findings are checked, unknown names refused by name", function()
  local hook = { kind = "webhook", url = BASE .. "/hook-open", ca = CA }
  T.raises(function() duo.notify({ kind = "pager" }, F1) end, "unknown kind 'pager' %(one of email, ")
  T.raises(function() duo.notify({ kind = "webhook", url = BASE, sekret = "x" }, F1) end, "unknown key 'sekret'")
  T.raises(function() duo.notify({ kind = "syslog", url = "udp:/x" }, F1) end, "udp://HOST")
  T.raises(function() duo.notify({ kind = "syslog", url = "udp://h", proxy = "http://p:3128" }, F1) end,
           "'proxy' cannot carry udp://")
  T.raises(function() duo.notify({ kind = "email", smtp = "smtp://h", from = "a@b", to = { "c d@e" } }, F1) end,
           "'to' must be a list of e%-mail addresses")
  T.raises(function() duo.notify(hook, { rule = "r" }) end, "finding 1: 'severity' is required")
  T.raises(function() duo.notify(hook, { F1, { rule = "r", severity = "bad", state = "new", finding_id = "x",
                                               summary = "s" } }) end, "finding 2: 'severity' must be info")
  T.raises(function() duo.notify(hook, { rule = "r", colour = 1 }) end, "unknown field 'colour'")
  T.raises(function() duo.notify(hook, F1, { profil = "x" }) end, "unknown option 'profil'")
  T.raises(function() duo.notify(42, F1) end, "channel name or table expected")
  T.eq(duo.notify(hook, {}), true, "no findings: nothing to send")
end)

-- the config --------------------------------------------------------------------------

local function write(path, text, mode)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
  os.execute(string.format("chmod %s %s", mode or "600", path))
end

-- Runs a chunk in a child duo-lua; returns its status, stdout and stderr.
local function run(options, chunk, env)
  local script, outfile, errfile = os.tmpname(), os.tmpname(), os.tmpname()
  write(script, chunk)
  local ok, _, code = os.execute(string.format("%s %s %s %s >%s 2>%s", env or "", DUO_LUA, options, script,
                                               outfile, errfile))
  local function slurp(p)
    local f = assert(io.open(p))
    local s = f:read("a")
    f:close()
    os.remove(p)
    return s
  end
  os.remove(script)
  return ok and 0 or code, slurp(outfile), slurp(errfile)
end

local CONFIG = string.format([[
return {
  notify = {
    ops  = { kind = "teams", url = env "TEST_TEAMS_URL", ca = %q },
    hook = { kind = "webhook", url = %q, secret = env "TEST_HOOK_SECRET", ca = %q },
  },
  profiles = {
    main = {
      admin = { host = "localhost", ikey = "DIXXXXXXXXXXXXXXXXXX", skey = env "TEST_SKEY" },
      notify = { ops = { kind = "slack", url = env "TEST_SLACK_URL", ca = %q } },
    },
    other = { admin = { host = "localhost", ikey = "DIXXXXXXXXXXXXXXXXXX", skey = env "TEST_SKEY" } },
  },
}
]], CA, BASE .. "/hook", CA, CA)

local ENV = string.format("TEST_TEAMS_URL=%s TEST_SLACK_URL=%s TEST_HOOK_SECRET=%s TEST_SKEY=%s",
                          BASE .. "/teams/x?sig=" .. SECRET.teams, BASE .. "/slack/services/" .. SECRET.slack,
                          SECRET.hook, string.rep("s", 40))

local SEND = string.format([[
local duo = require "duo"
local F = %s
print(duo.notify("hook", F))
print(duo.notify("ops", F))                       -- the profile's slack channel wins
print(duo.notify("ops", F, { profile = "other" })) -- the top level's teams channel
]], "duo.json.decode(" .. string.format("%q", json.encode(F1)) .. ")")

-- Runs SEND in a child with CONFIG and the options; status 0 expected.
local function send_configured(options)
  local path = os.tmpname()
  write(path, CONFIG)
  local status, out, err = run(options .. " --config " .. path .. " --profile main", SEND, ENV)
  os.remove(path)
  T.eq(status, 0, "exit status: " .. err)
  return out, err
end

T.test("configured channels by name; a profile's entry overrides the top level's", function()
  local out = send_configured("")
  T.eq(out, "true\ntrue\ntrue\n", "three sends")
  T.eq(take("webhook", 1)[1].signature_ok, true, "signed with the secret read by env")
  T.eq(take("slack", 1)[1].body.text, "duo-lua (main): 1 new finding (1 warning)", "the profile's ops: slack")
  T.eq(take("teams", 1)[1].body.type, "message", "the top level's ops: teams")
end)

T.test("--dry-run and --trace show the channel and its host, never a secret or a webhook's path", function()
  local out, err = send_configured("--dry-run")
  T.eq(out, "nil\nnil\nnil\n", "nothing sent, nil returned")
  T.truthy(err:find("dry-run: notify 'hook' (webhook to localhost:" .. PORT.https .. "): 1 finding, not sent", 1, true),
           err)
  T.truthy(err:find("dry-run: notify 'ops' (slack to localhost:" .. PORT.https .. ")", 1, true), err)
  local tout, terr = send_configured("--trace")
  T.truthy(terr:find("POST localhost:" .. PORT.https .. " /...", 1, true), "a webhook's path hidden: " .. terr)
  for _, text in ipairs{ out, err, tout, terr } do
    for name, s in pairs(SECRET) do T.truthy(not text:find(s, 1, true), "no " .. name .. " secret in " .. text) end
  end
  take("webhook", 1); take("slack", 1); take("teams", 1)
end)

T.test("the config's channels are checked where it is read, one line that says what to fix", function()
  local config = require "duo.config"
  local cases = {
    { 'notify = { x = { kind = "pager" } }', "notify channel 'x' in the top level has the unknown kind 'pager'" },
    { 'notify = { x = { kind = "slack", url = "https://h/x", tokn = "t" } }', "unknown key 'tokn' %(a slack channel takes" },
    { 'notify = { x = { kind = "splunk_hec", url = "https://h" } }', "needs 'token'; if it reads env \"NAME\"" },
    { 'notify = { x = { kind = "syslog", url = "tcp://h:514", timeout = 0 } }', "'timeout' must be a number of seconds" },
    { 'notify = { x = { kind = "webhook", url = "https://h", ca = "/nonexistent.pem" } }', "no file '/nonexistent.pem'" },
    { 'profiles = { p = { notify = { y = { kind = "email", smtp = "imap://h", from = "a@b", to = "c@d" } } } }',
      "notify channel 'y' in profile 'p': 'smtp' must be smtps://HOST" },
  }
  for i, c in ipairs(cases) do
    local path = os.tmpname()
    local text = c[1]:find("^profiles") and ("return { " .. c[1] .. " }") or ("return { profiles = {}, " .. c[1] .. " }")
    write(path, text)
    local e = T.raises(function() config.load_file(path) end, c[2])
    T.eq(e.kind, "config", "case " .. i .. " kind")
    T.truthy(not tostring(e):find("\n"), "one line")
    os.remove(path)
  end
end)

T.test("a secret written into a config readable by others is refused, and never quoted", function()
  local path = os.tmpname()
  write(path, 'return { profiles = {}, notify = { h = { kind = "splunk_hec", url = "https://h", token = "'
        .. SECRET.hec .. '" } } }', "644")
  local e = T.raises(function() require("duo.config").load_file(path) end, "chmod 600")
  one_line_without_secrets(e, "open config")
  os.remove(path)
end)

R.stop()
T.done()
