-- The alerts workflow against the loopback Duo test server over real
-- HTTPS (run_with_server.sh, three children with two users in bypass
-- each): the first run sends each bypass finding once to the webhook
-- (signature valid) and by e-mail, exit 3; a second run sends nothing,
-- exit 0; taking one user out of bypass sends exactly one `resolved`.
local T = require "testing"
local json = require "duo.json"
local S = require "testserver"
local R = require "receivers"
local W = require("workspace").new({ stdin_null = true })

local CHILDREN, BYPASS = 3, 2

-- Only the user rules: the test server answers the account-wide ones
-- with generic records.
W.write("rules.json", json.encode{
  bypass_user = { days = 7 }, locked_out_users = { enabled = true },
  bypass_code_old = { enabled = false }, new_admin = { enabled = false }, admin_role_changed = { enabled = false },
  telephony_credits_low = { enabled = false }, fraud_report = { enabled = false },
  trust_monitor_event = { enabled = false }, integration_created = { enabled = false },
  global_policy_changed = { enabled = false }, standards_drift = { enabled = false },
  auth_denied_spike = { enabled = false },
})
W.write("cfg.lua", string.format([[
return {
  default = "srv",
  profiles = { srv = {
    accounts = { host = "127.0.0.1:%s", ikey = %q, skey = %q },
    ca = %q, max_backoff = 0, mappings = "srv.mappings.json",
  } },
  notify = {
    hook = { kind = "webhook", url = %q, secret = %q, ca = %q },
    mail = { kind = "email", smtp = %q, from = "duo-lua@msp.example", to = { "soc@msp.example" },
             username = "duo", password = %q, ca = %q, timeout = 20 },
  },
}
]], S.port(), S.keys.accounts.ikey, S.keys.accounts.skey, S.ca, R.BASE .. "/hook", R.SECRET.hook, R.CA,
   "smtp://localhost:" .. R.PORT.smtp, R.SECRET.smtp, R.CA), "600")

local function run()
  return W.run("-c cfg.lua -w alerts --rules rules.json --format json")
end

local function bodies(records)
  local out = {}
  for _, r in ipairs(records) do
    T.eq(r.signature_ok, true, "the receiver's own HMAC check")
    out[#out + 1] = json.decode(r.body)
  end
  return out
end

T.test("on the test server: each finding once, signed and mailed; then nothing; a resolved one once", function()
  local code, out, err = run()
  T.eq(code, 3, "first run; stderr: " .. err)
  local sent = bodies(R.take("webhook", CHILDREN * BYPASS))
  T.eq(#sent, CHILDREN * BYPASS, "one webhook request per user in bypass")
  local ids = {}
  for _, f in ipairs(sent) do
    T.eq(f.rule, "bypass_user")
    T.eq(f.state, "new")
    T.eq(ids[f.finding_id], nil, "each finding once")
    ids[f.finding_id] = f
  end
  local mails = R.take("smtp", 1)
  T.eq(#mails, 1, "one mail for the run")
  for _, f in ipairs(sent) do
    T.truthy(mails[1].data:find(f.details.username, 1, true), "the mail names " .. f.details.username)
  end
  for _, s in pairs(R.SECRET) do T.truthy(not (out .. err):find(s, 1, true), "no secret in the output") end

  code, _, err = run()
  T.eq(code, 0, "second run; stderr: " .. err)
  T.eq(#R.take("webhook", 100, 0.7), 0, "nothing sent the second time")

  -- take one user out of bypass, as an administrator would
  local f = sent[1]
  local accounts = S.client("accounts")
  local child = accounts:child(f.account_id)
  child:update_user(f.details.user_id, { status = "active" })
  code, _, err = run()
  T.eq(code, 3, "a resolved finding; stderr: " .. err)
  local after = bodies(R.take("webhook", 1))
  T.eq(#after, 1)
  T.eq(after[1].finding_id, f.finding_id)
  T.eq(after[1].state, "resolved")
  T.eq(#R.take("webhook", 100, 0.7), 0, "exactly one")
end)

R.stop()
W.remove()
T.done()
