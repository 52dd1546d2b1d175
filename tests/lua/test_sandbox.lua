-- The sandbox (SPEC section 7): the demo tenant, what the simulation
-- checks (signature, date, keys and application type, child accounts,
-- parameters, limits), paging and log cursors, latency and rate limits on
-- virtual time, every catalogue endpoint, and the command line.
local T = require "testing"
local duo = require "duo"
local loop = require "duo._loop"
local json = require "duo.json"
local catalogue = require "duo.catalogue"
local sandbox = require "sandbox.service"

local DUO_LUA = arg[-1]
local SEEDS = "../data/seeds/"
local SMALL = SEEDS .. "small.json"

local function api_error(fn, code)
  local ok, e = pcall(fn)
  T.truthy(not ok, "expected a Duo error " .. tostring(code))
  T.truthy(duo.is_error(e), "a duo.Error, got " .. tostring(e))
  T.eq(e.code, code, tostring(e))
  return e
end

local function run(prefix, args)
  local p = assert(io.popen(string.format("%s %s %s 2>&1", prefix or "", DUO_LUA, args)))
  local out = p:read("a")
  local _, _, code = p:close()
  return code, out
end

local function shell_quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

-- The demo tenant -----------------------------------------------------------

T.test("the demo tenant: 25 drifting children, users in their companies' domains", function()
  local sb = duo.sandbox()
  local accounts = duo.accounts()
  local children = accounts:get_child_accounts()
  T.eq(#children, 25, "child accounts")
  local names = {}
  for _, c in ipairs(children) do
    names[c.name] = true
    T.truthy(c.account_id:match("^DA[A-Z0-9]+$") and #c.account_id == 20, c.account_id)
    T.truthy(c.api_hostname:match("^api%-%x+%.duosecurity%.com$"), c.api_hostname)
  end
  -- drift kinds: & vs and + suffix, a typo, "The" dropped, a region suffix, case, abbreviations
  for _, n in ipairs{ "Baker and Sons Plumbing LLC", "Delta Frieght Systems", "Evergreen Group",
                      "Granite State Insurance Agency - East", "KEYSTONE CONSTRUCTION COMPANY",
                      "Fairview Med. Ctr.", "Riverbend Holdings (former client)" } do
    T.truthy(names[n], "child " .. n)
  end
  local companies = require("sandbox.demo").companies()
  T.eq(#companies, 25, "companies in scripts/sandbox/companies.csv")

  local per_child = accounts:each_child(function(child)
    local users = child:get_users()
    local domains, statuses = {}, {}
    for _, u in ipairs(users) do
      domains[u.email:match("@(.+)$")] = true
      statuses[u.status] = (statuses[u.status] or 0) + 1
    end
    return { count = #users, domains = domains, statuses = statuses }
  end)
  local total, statuses, max = 0, {}, 0
  for _, r in pairs(per_child) do
    T.eq(r.error, nil, tostring(r.error))
    total = total + r.result.count
    if r.result.count > max then max = r.result.count end
    for s, n in pairs(r.result.statuses) do statuses[s] = (statuses[s] or 0) + n end
  end
  T.truthy(total > 800 and total < 4000, "a few thousand users at most: " .. total)
  T.truthy(max > sb.page_cap, "some children page (largest has " .. max .. ")")
  for _, s in ipairs{ "active", "disabled", "locked out", "bypass" } do
    T.truthy((statuses[s] or 0) > 0, "users with status " .. s)
  end
  -- users of ACME carry ACME's domains
  local acme = per_child[accounts:child("ACME Manufacturing").account_id].result
  T.truthy(acme.domains["acmemfg.com"], "acmemfg.com users")
  sb:stop()
end)

T.test("each_child { ordered = true }: an array in the child list's order; unknown options refused", function()
  local sb = duo.sandbox()
  local accounts = duo.accounts()
  local list = accounts:children()
  local failing = list[3].account_id
  local ordered = accounts:each_child(function(child, account)
    if account.account_id == failing then error("no luck") end
    duo.sleep(0.001 * (#list - #account.name % 5))   -- finishing out of order
    return child.account_id
  end, { ordered = true, concurrency = 4 })
  T.eq(#ordered, #list)
  for i, entry in ipairs(ordered) do
    T.eq(entry.account.account_id, list[i].account_id, "entry " .. i)
    if i == 3 then
      T.truthy(tostring(entry.error):find("no luck", 1, true), tostring(entry.error))
      T.eq(entry.result, nil)
    else
      T.eq(entry.result, list[i].account_id)
      T.eq(entry.error, nil)
    end
  end
  local keyed = accounts:each_child(function(child) return child.account_id end, { ordered = false })
  T.eq(#keyed, 0, "without ordered: keyed by account ID")
  T.eq(keyed[list[1].account_id].result, list[1].account_id)
  T.raises(function() accounts:each_child(function() end, { orderd = true }) end, "orderd")
  T.raises(function() accounts:each_child(function() end, { ordered = 1 }) end, "ordered")
  sb:stop()
end)

T.test("the demo tenant is deterministic per seed number and expressible as a seed", function()
  local a = duo.sandbox(1):export()
  local b = duo.sandbox():export()
  local c = duo.sandbox(2):export()
  local function ids(seed)
    local out = {}
    for _, acct in ipairs(seed.accounts) do
      out[#out + 1] = acct.account_id .. " " .. acct.name
      for _, u in ipairs(acct.users or {}) do out[#out + 1] = u.user_id .. " " .. u.username .. " " .. u.status end
    end
    return table.concat(out, "\n")
  end
  T.eq(ids(a), ids(b), "seed 1 twice")
  T.truthy(ids(a) ~= ids(c), "seed 2 differs")
  -- the exported JSON builds the same tenant again
  local text = sandbox.export_demo(1)
  local again = duo.sandbox(json.decode(text)):export()
  T.eq(ids(again), ids(a), "export_demo round trip")
  local dirs = 0
  for _, acct in ipairs(a.accounts) do
    for _, d in ipairs(acct.directories or {}) do
      dirs = dirs + 1
      T.truthy(d.directory_key:match("^DD[A-Z0-9]+$") and #d.directory_key == 20, d.directory_key)
    end
  end
  T.truthy(dirs >= 10, "directories with keys: " .. dirs)
  sandbox.current():stop()
end)

-- Credentials, signatures, application types --------------------------------

T.test("credentials: the sandbox profile, any profile name, no skey in the log", function()
  local sb = duo.sandbox(SMALL)
  local creds = sb:credentials()
  T.eq(creds.admin.ikey, "DIADMIN0000000000001")
  T.eq(creds.accounts.host, "api-parent01.duosecurity.com")
  T.eq(tostring(duo.admin()), "duo.admin (DIADMIN0000000000001 at api-parent01.duosecurity.com)")
  T.eq(duo.admin("production").ikey, "DIADMIN0000000000001", "any profile name is the sandbox")
  local profiles = duo.profiles()
  T.eq(#profiles, 1)
  T.eq(profiles[1].name, "sandbox")
  duo.admin{ host = creds.admin.host, ikey = creds.admin.ikey, skey = creds.admin.skey }:get_users()
  duo.admin():add_hotp6_token("999999", "3132333435363738393031323334353637383930")
  local text = json.encode(sb:log())
  for _, set in pairs(creds) do T.truthy(not text:find(set.skey, 1, true), "no skey in the log") end
  T.truthy(not text:find("3132333435363738393031323334353637383930", 1, true), "token secret masked")
  sb:stop()
end)

T.test("signature, keys and application type are checked as Duo does", function()
  local sb = duo.sandbox(SMALL)
  local c = sb:credentials()
  local host = c.admin.host
  api_error(function() duo.admin{ host = host, ikey = c.admin.ikey, skey = ("x"):rep(40) }:get_users() end, 40103)
  api_error(function() duo.admin{ host = host, ikey = "DINOTKNOWN0000000000", skey = c.admin.skey }:get_users() end,
            40102)
  local e = api_error(function() duo.admin{ host = host, ikey = c.auth.ikey, skey = c.auth.skey }:get_users() end,
                      40102)
  T.truthy(e.hint and e.hint:find("Admin API"), "hint names the application type: " .. tostring(e.hint))
  api_error(function()
    duo.accounts{ host = host, ikey = c.admin.ikey, skey = c.admin.skey }:get_child_accounts()
  end, 40102)
  api_error(function() duo.admin{ host = host, ikey = c.accounts.ikey, skey = c.accounts.skey }:get_users() end,
            40102)
  api_error(function() duo.auth{ host = host, ikey = c.admin.ikey, skey = c.admin.skey }:check() end, 40102)
  api_error(function() duo.admin():call("GET", "/admin/v1/users", {}, { unsigned = true }) end, 40101)
  -- v2 signatures are accepted too
  T.eq(#duo.admin{ host = host, ikey = c.admin.ikey, skey = c.admin.skey, sig_version = 2 }:get_users(), 1)
  -- a read-only Admin API integration lacks "Grant write resource"
  local ro = duo.admin{ host = host, ikey = "DIREADONLY0000000001", skey = "readonlyreadonlyreadonlyreadonlyreadonly" }
  T.eq(#ro:get_users(), 1)
  e = api_error(function() ro:add_user("zed") end, 40301)
  T.truthy(e.hint:find("Grant write resource", 1, true), e.hint)
  sb:stop()
end)

-- Signs a request by hand (for what the client never sends: no Date, an
-- old Date) and hands it to the sandbox directly.
local function hand_made(sb, date, with_date_header)
  local c = sb:credentials().admin
  local auth = duo.sign{ method = "GET", host = c.host, path = "/admin/v1/users", params = {}, date = date,
                         ikey = c.ikey, skey = c.skey }
  local headers = { "Authorization: " .. auth }
  if with_date_header then headers[#headers + 1] = "Date: " .. date end
  local status, body = sb:answer("GET", "https://" .. c.host .. "/admin/v1/users", headers, nil)
  return status, json.decode(body)
end

T.test("the Date header: missing (40104), too far from the clock (40105)", function()
  local sb = duo.sandbox(SMALL)
  local now = os.date("!%a, %d %b %Y %H:%M:%S -0000", loop.unix_time())
  local old = os.date("!%a, %d %b %Y %H:%M:%S -0000", loop.unix_time() - 600)
  local status, body = hand_made(sb, now, true)
  T.eq(status, 200, json.encode(body))
  status, body = hand_made(sb, now, false)
  T.eq(body.code, 40104)
  status, body = hand_made(sb, old, true)
  T.eq(status, 401)
  T.eq(body.code, 40105)
  sb:stop()
end)

T.test("Accounts API on a child: account_id and the child's own host", function()
  local sb = duo.sandbox(SMALL)
  local accounts = duo.accounts()
  local acme = accounts:child("Acme Corp")
  T.eq(acme.host, "api-acme0001.duosecurity.com")
  T.eq(#acme:get_users(), 7)
  local log = sb:log()
  T.eq(log[#log].account_id, "DAACME00000000000001")
  T.eq(log[#log].host, "api-acme0001.duosecurity.com")
  -- the right account_id on the parent's host: 40301
  local c = sb:credentials().accounts
  local wrong_host = duo.admin{ host = c.host, ikey = c.ikey, skey = c.skey, account_id = "DAACME00000000000001" }
  api_error(function() wrong_host:get_users() end, 40301)
  local unknown = duo.admin{ host = c.host, ikey = c.ikey, skey = c.skey, account_id = "DANOSUCHACCOUNT00000" }
  api_error(function() unknown:get_users() end, 40401)
  -- billing: Accounts keys on a child only
  T.eq(acme:get_edition().edition, "PLATFORM")
  acme:set_telephony_credits(300)
  T.eq(acme:get_telephony_credits().credits, 300)
  T.eq(sb.state.parent.telephony_credits, 300, "200 credits came from the parent")
  api_error(function() duo.admin():call("GET", "/admin/v1/billing/edition") end, 40102)
  -- create and delete a child
  local new = accounts:create_account("Initrode")
  T.truthy(new.api_hostname:find("duosecurity.com", 1, true))
  local child = accounts:child(new.account_id)
  T.eq(#child:get_users(), 0)
  child:add_user("first")
  T.eq(#child:get_users(), 1)
  accounts:delete_account(new.account_id)
  T.eq(#accounts:get_child_accounts(), 2)
  api_error(function() child:get_users() end, 40401)
  sb:stop()
end)

-- Parameters, objects, routes ------------------------------------------------

T.test("40002 names the missing parameter; 404 and 405", function()
  local sb = duo.sandbox(SMALL)
  local admin = duo.admin()
  local e = api_error(function() admin:call("POST", "/admin/v1/users", {}) end, 40002)
  T.eq(e.detail, "username")
  e = api_error(function() admin:call("GET", "/admin/v2/logs/authentication", { mintime = 1 }) end, 40002)
  T.eq(e.detail, "maxtime")
  e = api_error(function() admin:call("POST", "/admin/v1/tokens", { type = "h6", serial = "1" }) end, 40002)
  T.eq(e.detail, "secret")
  e = api_error(function() admin:call("POST", "/admin/v1/tokens", { type = "zz", serial = "1", secret = "a" }) end,
                40002)
  T.eq(e.detail, "type")
  e = api_error(function() admin:get_user_by_id("DUNOSUCHUSER00000000") end, 40401)
  T.truthy(e.detail:find("DUNOSUCHUSER00000000", 1, true))
  api_error(function() admin:call("GET", "/admin/v1/no/such/thing") end, 40401)
  api_error(function() admin:call("PUT", "/admin/v1/users") end, 40501)
  api_error(function() admin:add_user("tech1") end, 40003)
  api_error(function() admin:add_user{ username = "zed", status = "locked out" } end, 40002)
  sb:stop()
end)

T.test("limits per endpoint come from the catalogue's max_limit", function()
  local sb = duo.sandbox(SMALL)
  local acme = duo.accounts():child("Acme Corp")
  local e = api_error(function() acme:call("GET", "/admin/v1/users", { limit = 301 }) end, 40002)
  T.truthy(e.detail:find("^limit"), e.detail)
  acme:call("GET", "/admin/v1/users", { limit = 300 })
  api_error(function() acme:call("GET", "/admin/v1/groups", { limit = 101 }) end, 40002)
  api_error(function() acme:call("GET", "/admin/v1/phones", { limit = 501 }) end, 40002)
  api_error(function() acme:call("GET", "/admin/v1/users", { offset = -1 }) end, 40002)
  sb:stop()
end)

T.test("users: create, update, lookups, phones, groups, bypass codes, delete", function()
  local sb = duo.sandbox(SMALL)
  local acme = duo.accounts():child("Acme Corp")
  local u = acme:add_user{ username = "zoe", email = "zoe@acme.example", realname = "Zoë Z", aliases = { alias1 = "zz" } }
  T.eq(u.status, "active")
  T.eq(u.alias1, "zz")
  T.eq(acme:get_users_by_name("zz")[1].user_id, u.user_id, "found by alias")
  T.eq(acme:get_user_by_email("ZOE@acme.example")[1].username, "zoe")
  local found = {}
  for x in acme:get_users_by_names({ "alice", "bob", "nobody" }) do found[#found + 1] = x.username end
  T.eq(table.concat(found, ","), "alice,bob")
  acme:update_user(u.user_id, { status = "disabled", notes = "left" })
  T.eq(acme:get_user_by_id(u.user_id).status, "disabled")
  local phone = acme:add_phone{ number = "+61491570123", type = "mobile", platform = "Google Android" }
  T.eq(phone.number, "+61491570123", "international numbers stay as given")
  acme:add_user_phone(u.user_id, phone.phone_id)
  T.eq(acme:get_user_phones(u.user_id)[1].phone_id, phone.phone_id)
  acme:add_user_group(u.user_id, "DGACME00000000000001")
  T.eq(acme:get_group_users("DGACME00000000000001")[2].username, "zoe")
  local codes = acme:add_user_bypass_codes(u.user_id, { count = 3 })
  T.eq(#codes, 3)
  T.truthy(codes[1]:match("^%d%d%d%d%d%d%d%d%d$"), codes[1])
  T.eq(#acme:get_user_bypass_codes(u.user_id), 3)
  acme:delete_user_phone(u.user_id, phone.phone_id)
  T.eq(#acme:get_user_phones(u.user_id), 0)
  acme:delete_user(u.user_id)
  api_error(function() acme:get_user_by_id(u.user_id) end, 40401)
  T.eq(acme:get_phone_by_id(phone.phone_id).phone_id, phone.phone_id, "the phone remains")
  -- the administrator log saw it
  local actions = {}
  for _, l in ipairs(acme:get_administrator_log{ mintime = 0 }) do actions[l.action] = true end
  T.truthy(actions.user_create and actions.user_delete, "admin log records API actions")
  sb:stop()
end)

T.test("directory sync of one user: update, create from the directory, mark for deletion", function()
  local sb = duo.sandbox(SMALL)
  local acme = duo.accounts():child("Acme Corp")
  local r = acme:sync_user("alice", "DDACME00000000000001")
  T.eq(r.action, "updated")
  T.eq(r.user.realname, "Alice Adams", "fields come from the directory")
  r = acme:sync_user("newhire", "DDACME00000000000001")
  T.eq(r.action, "created")
  T.eq(acme:get_users_by_name("newhire")[1].email, "newhire@acme.example")
  local e = api_error(function() acme:sync_user("alice", "DDNOSUCHDIRECTORY000") end, 40401)
  T.truthy(e.detail:find("directory_key"), e.detail)
  api_error(function() acme:sync_user("nobody", "DDACME00000000000001") end, 40401)
  sb:stop()
end)

-- Paging ---------------------------------------------------------------------------

T.test("offset paging: pages shorter than limit, next_offset followed", function()
  local sb = duo.sandbox(SMALL)   -- page_cap 3 from the seed's options
  local acme = duo.accounts():child("Acme Corp")
  local page, meta = acme:get_users{ limit = 5 }
  T.eq(#page, 3, "capped page")
  T.eq(meta.next_offset, 3)
  T.eq(meta.total_objects, 7)
  sb:clear_log()
  T.eq(#acme:get_users(), 7, "all of them")
  local offsets = {}
  for _, e in ipairs(sb:log()) do offsets[#offsets + 1] = e.params.offset end
  T.eq(table.concat(offsets, ","), "0,3,6")
  sb:stop()

  sb = duo.sandbox(SMALL, { page_cap = false })
  page = duo.accounts():child("Acme Corp"):get_users{ limit = 5 }
  T.eq(#page, 5, "no cap")
  sb:stop()
end)

-- A seed with many authentication logs for cursor tests.
local function log_seed(n, now)
  local users, logs = {}, {}
  for i = 1, 3 do users[i] = { username = "u" .. i, email = "u" .. i .. "@x.example" } end
  for i = 1, n do
    logs[i] = { txid = string.format("00000000-0000-4000-8000-%012d", i), timestamp = now - 3600 + (i // 2) * 60,
                user = "u" .. (i % 3 + 1), result = i % 4 == 0 and "denied" or "success" }
  end
  return { accounts = { { name = "Logs Inc", users = users, authlogs = logs } } }
end

T.test("authentication logs v2: windows, sort, cursors ms,txid, filters", function()
  local now = os.time()
  local sb = duo.sandbox(log_seed(25, now), { page_cap = 7 })
  local child = duo.accounts():child("Logs Inc")
  local all = child:get_authentication_log()
  T.eq(#all, 25, "every record, page by page")
  for i = 2, #all do T.truthy(all[i - 1].timestamp >= all[i].timestamp, "ts:desc by default") end
  local cursors = 0
  for _, e in ipairs(sb:log()) do
    if e.params.next_offset then
      cursors = cursors + 1
      T.truthy(e.params.next_offset:match("^%d+,%x+%-"), e.params.next_offset)
    end
  end
  T.eq(cursors, 3, "pages of 7: three cursors")
  local asc = child:get_authentication_log{ sort = "ts:asc" }
  T.eq(#asc, 25)
  T.eq(asc[1].txid, all[25].txid, "ascending is the reverse")
  local seen = {}
  for _, r in ipairs(asc) do
    T.truthy(not seen[r.txid], "no record twice")
    seen[r.txid] = true
  end
  local one, meta = child:get_authentication_log{ limit = 5 }
  T.eq(#one.authlogs, 5)
  T.eq(#meta.next_offset, 2, "next_offset is [ms, txid]")
  local denied = child:get_authentication_log{ results = { "denied" } }
  T.eq(#denied, 6)
  local old = child:get_authentication_log{ mintime = (now - 86400 * 2) * 1000, maxtime = (now - 86400) * 1000 }
  T.eq(#old, 0, "outside the window")
  local e = api_error(function()
    child:call("GET", "/admin/v2/logs/authentication", { mintime = now * 1000, maxtime = now * 1000 - 1 })
  end, 40002)
  T.truthy(e.detail:find("mintime"), e.detail)
  sb:stop()
end)

-- Latency, concurrency, rate limits on virtual time ------------------------------

T.test("latency on virtual time: fast in real time, concurrent in tasks", function()
  local sb = duo.sandbox(SMALL, { latency = 2 })
  local admin = duo.admin()
  local real0, virt0 = os.clock(), loop.now_ms()
  for _ = 1, 5 do admin:get_info_summary() end
  T.eq(loop.now_ms() - virt0, 10000, "5 sequential calls x 2 s of simulated latency")
  virt0 = loop.now_ms()
  local items = {}
  for i = 1, 8 do items[i] = i end
  local results, failures = duo.parallel(items, function() return admin:get_info_summary().user_count end,
                                         { concurrency = 8 })
  T.eq(#failures, 0)
  T.eq(results[8], 1)
  T.eq(loop.now_ms() - virt0, 2000, "8 calls in tasks overlap")
  T.truthy(os.clock() - real0 < 2, "no real waiting")
  sb:stop()
end)

T.test("latency on the real clock when virtual_time is off", function()
  local sb = duo.sandbox(SMALL, { latency = 0.05, virtual_time = false })
  local t0 = loop.now_ms()
  for _ = 1, 4 do duo.admin():get_info_summary() end
  local ms = loop.now_ms() - t0
  T.truthy(ms >= 190 and ms < 2000, "4 x 50 ms: " .. ms .. " ms")
  sb:stop()
end)

T.test("rate limits: 429 with backoff and re-signing, on virtual time", function()
  local sb = duo.sandbox(SMALL, { rate_limits = { one = 3 } })
  local admin = duo.admin()
  local v0 = loop.now_ms()
  for _ = 1, 5 do admin:get_user_by_id("DUPARENT000000000001") end
  local limited = 0
  for _, e in ipairs(sb:log()) do
    if e.status == 429 then limited = limited + 1 end
  end
  T.truthy(limited >= 1, "some requests were limited: " .. limited)
  T.truthy(loop.now_ms() - v0 >= 1000, "backoff waited on the virtual clock")
  -- without retries the error surfaces
  local strict = duo.admin{ host = sb:credentials().admin.host, ikey = sb:credentials().admin.ikey,
                            skey = sb:credentials().admin.skey, max_retries = 0 }
  local failed = false
  for _ = 1, 5 do
    local ok, e = pcall(strict.get_user_by_id, strict, "DUPARENT000000000001")
    if not ok then
      T.eq(e.code, 42901, tostring(e))
      failed = true
    end
  end
  T.truthy(failed, "42901 without retries")
  sb:stop()
  -- Duo's published limits: logs 2 a minute
  sb = duo.sandbox(SMALL, { rate_limits = true })
  local acme = duo.accounts():child("Acme Corp")
  v0 = loop.now_ms()
  for _ = 1, 4 do acme:get_authentication_log{ mintime = (os.time() - 3600) * 1000 } end
  T.truthy(loop.now_ms() - v0 >= 30000, "the third and fourth log pulls waited: " .. (loop.now_ms() - v0))
  sb:stop()
end)

-- Auth API ---------------------------------------------------------------------------

T.test("Auth API: preauth, auth (sync and async), enroll", function()
  local sb = duo.sandbox(SMALL)
  local auth = duo.auth()
  T.truthy(auth:ping().time > 1e9)
  T.truthy(auth:check().time > 1e9)
  T.eq(auth:logo():sub(2, 4), "PNG")
  T.eq(auth:preauth{ username = "tech1" }.result, "enroll", "not enrolled")
  local e = auth:enroll{ username = "newbie" }
  T.truthy(e.activation_code:find("^duo://"))
  T.eq(auth:enroll_status(e.user_id, e.activation_code), "waiting")
  T.eq(auth:enroll_status(e.user_id, e.activation_code), "success")
  T.eq(auth:enroll_status(e.user_id, "duo://wrong"), "invalid")
  local pre = auth:preauth{ username = "newbie" }
  T.eq(pre.result, "auth")
  T.eq(#pre.devices, 1)
  T.eq(auth:auth("push", { username = "newbie" }).result, "allow")
  local tx = auth:auth("auto", { username = "newbie", async_txn = true })
  T.eq(auth:auth_status(tx.txid).result, "allow")
  T.eq(auth:auth("passcode", { username = "newbie", passcode = "12" }).result, "deny")
  local parent_logs = duo.admin():get_authentication_log()
  T.eq(#parent_logs, 3, "each authentication is logged")
  -- legacy v1, signature v2 with a form body
  local c = sb:credentials().auth
  local v1 = duo.auth{ host = c.host, ikey = c.ikey, skey = c.skey, sig_version = 2 }
  T.eq(v1:call("GET", "/rest/v1/ping"), "pong")
  T.eq(v1:call("POST", "/rest/v1/preauth", { user = "newbie" }).result, "auth")
  sb:stop()
end)

-- Every endpoint answers ---------------------------------------------------------------

-- A plausible value for a required wire parameter.
local function value_for(name, row, now)
  if name == "mintime" then
    return (row.paging == "logs-v1") and 0 or (now - 3600) * 1000
  elseif name == "maxtime" then
    return now * 1000
  end
  return "1"
end

T.test("every catalogue endpoint answers a well-formed response", function()
  local sb = duo.sandbox(SMALL)
  local accounts = duo.accounts()
  local acme = accounts:child("Acme Corp")
  local c = sb:credentials()
  local clients = {
    admin = acme, accounts = accounts, auth = duo.auth(), device = duo.device(),
    auth_v1 = duo.auth{ host = c.auth.host, ikey = c.auth.ikey, skey = c.auth.skey, sig_version = 2 },
  }
  local known = { user_id = "DUACME00000000000002", phone_id = "DPACME00000000000001", group_id = "DGACME00000000000001",
                  token_id = "DHACME00000000000001", directory_key = "DDACME00000000000001", policy_key = "global" }
  local now = os.time()
  local answered, codes = 0, {}
  for _, ep in ipairs(catalogue.endpoints) do
    local row = ep.rows[1]
    local v = ep.variants[1]
    if v then row = catalogue.variant(row, v) end
    local client = clients[row.api]
    if row.api == "admin" and row.app == "accounts" then client = acme end
    local path = ep.path:gsub("{([^}]+)}", function(p) return known[p] or ("X" .. p) end)
    local params = {}
    for _, w in ipairs(row.required) do params[w] = value_for(w, row, now) end
    for k, val in pairs(row.fixed) do params[k] = val end
    if row.body_arg then params.policy_name = "P" end
    local ok, r = pcall(client.call, client, ep.verb, path, params, { raw = row.raw, unsigned = row.unsigned })
    if not ok then
      T.truthy(duo.is_error(r) and r.kind == "api", ep.verb .. " " .. ep.path .. ": " .. tostring(r))
      T.truthy(r.code ~= 50001, ep.verb .. " " .. ep.path .. ": " .. tostring(r))
      T.truthy(r.code ~= 40101 and r.code ~= 40102 and r.code ~= 40103,
               ep.verb .. " " .. ep.path .. " authenticates: " .. tostring(r))
      codes[r.code] = (codes[r.code] or 0) + 1
    end
    answered = answered + 1
  end
  T.eq(answered, #catalogue.endpoints)
  sb:stop()
end)

T.test("realism: the fields Duo returns, international numbers, zero counts, activity totals", function()
  local sb = duo.sandbox()
  local admin = duo.admin()
  local u = admin:get_users{ limit = 1 }[1]
  for _, f in ipairs{ "enable_auto_prompt", "external_id", "lockout_reason", "is_enrolled", "last_directory_sync",
                      "alias1", "custom_attributes", "desktoptokens" } do
    T.truthy(u[f] ~= nil, "user field " .. f)
  end
  local a = admin:get_admins{ limit = 1 }[1]
  for _, f in ipairs{ "admin_units", "restricted_by_admin_units", "last_directory_sync", "subaccount_role",
                      "hardtoken", "password_change_required" } do
    T.truthy(a[f] ~= nil, "admin field " .. f)
  end
  local regions = {}
  for _, acct in sb.state:each_account() do
    for _, p in ipairs(acct.phones.list) do regions[p.number:sub(1, 3)] = true end
  end
  T.truthy(regions["+44"] and regions["+61"], "UK and Australian numbers among the phones")
  local attempts = admin:get_authentication_attempts().authentication_attempts
  for _, result in ipairs{ "ERROR", "FAILURE", "FRAUD", "SUCCESS" } do
    T.eq(math.type(attempts[result]), "integer", "authentication_attempts." .. result)
  end
  local zero = admin:get_authentication_attempts{ mintime = 1, maxtime = 2 }.authentication_attempts
  T.eq(zero.SUCCESS + zero.FAILURE + zero.FRAUD + zero.ERROR, 0, "an empty window counts zero of each")
  local _, meta = admin:get_activity_logs{ limit = 1 }
  T.eq(type(meta.total_objects), "table")
  T.eq(meta.total_objects.relation, "eq")
  T.eq(math.type(meta.total_objects.value), "integer")
  local _, tmeta = admin:get_telephony_log{ limit = 1 }
  T.eq(math.type(tmeta.total_objects), "integer", "telephony counts plainly")
  sb:stop()
end)

T.test("bulk: 120 operations, 3 requests, one result each in order, run on the tenant", function()
  local sb = duo.sandbox(SMALL)
  local admin = duo.admin()
  local before = #admin:get_users()
  local ops = {}
  for i = 1, 120 do
    ops[i] = { method = "POST", path = "/admin/v1/users", body = { username = string.format("bulk%03d", i) } }
  end
  ops[7] = { method = "DELETE", path = "/admin/v1/users/DUNOSUCHUSER00000000" }
  sb:clear_log()
  local results = admin:bulk(ops)
  local sent = 0
  for _, e in ipairs(sb:log()) do
    if e.name == "bulk_operations" then sent = sent + 1; T.eq(e.status, 200) end
  end
  T.eq(sent, 3, "bulk requests")
  T.eq(#results, 120)
  T.eq(results[1].response.username, "bulk001")
  T.eq(results[120].response.username, "bulk120")
  T.eq(results[7].stat, "FAIL")
  T.eq(results[7].code, 40401)
  T.eq(#admin:get_users(), before + 119)
  T.raises(function() admin:bulk_operations(ops) end, "at most 50")
  -- an answer that is not one result per operation is an error, not a silent loss
  local routes = require "sandbox.routes"
  local real = routes.handlers["POST /admin/v1/bulk"]
  routes.handlers["POST /admin/v1/bulk"] = function() return { done = true } end
  local ok, e = pcall(admin.bulk, admin, { ops[1], ops[2] })
  routes.handlers["POST /admin/v1/bulk"] = real
  T.truthy(not ok and duo.is_error(e), tostring(e))
  T.truthy(tostring(e):find("the bulk endpoint answered an object for 2 operations", 1, true), tostring(e))
  routes.handlers["POST /admin/v1/bulk"] = function() return json.array{ { stat = "OK" } } end
  ok, e = pcall(admin.bulk, admin, { ops[1], ops[2] })
  routes.handlers["POST /admin/v1/bulk"] = real
  T.truthy(not ok and tostring(e):find("answered 1 results for 2 operations", 1, true), tostring(e))
  sb:stop()
end)

T.test("the Device API: the sandbox profile's device keys and mkey, device caches", function()
  local sb = duo.sandbox(SMALL)
  local device = duo.device()
  T.truthy(device.mkey, "the profile gives an mkey")
  local cache = device:create_device_cache{ active = false }
  T.truthy(cache.cache_key, "a cache key")
  T.eq(cache.status, "pending")
  T.eq(device:get_device_cache(cache.cache_key).cache_key, cache.cache_key)
  T.eq(device:add_device_cache_devices(cache.cache_key, { { device_id = "laptop-1", name = "LAPTOP-1" },
                                                          { device_id = "laptop-2" }, { device_id = "laptop-3" } })
         .devices_added, 3)
  local page = device:get_device_cache_devices(cache.cache_key, { limit = 2 })
  T.eq(#page.devices_retrieved, 2)
  T.eq(page.devices_retrieved[1].name, "LAPTOP-1")
  T.eq(page.next_offset, 2)
  page = device:get_device_cache_devices(cache.cache_key, { offset = page.next_offset })
  T.eq(#page.devices_retrieved, 1)
  T.eq(page.next_offset, nil)
  T.eq(device:delete_device_cache_devices(cache.cache_key, { "laptop-2" }).devices_removed, 1)
  T.eq(device:get_device_cache(cache.cache_key).device_count, 2)
  -- one active cache per management system
  local second = device:create_device_cache{ active = true }
  T.eq(second.status, "active")
  T.eq(device:activate_device_cache(cache.cache_key).status, "active")
  local active = device:get_device_caches("active")
  T.eq(#active, 1)
  T.eq(active[1].cache_key, cache.cache_key)
  T.eq(device:get_device_caches("pending")[1].cache_key, second.cache_key)
  api_error(function() device:get_device_caches("stale") end, 40002)
  -- another management system does not see these caches
  api_error(function() device:get_device_cache{ mkey = "DMOTHER0000000000000", cache_key = cache.cache_key } end,
            40401)
  device:delete_device_cache(cache.cache_key)
  api_error(function() device:get_device_cache(cache.cache_key) end, 40401)
  -- Admin API keys cannot call it
  local c = sb:credentials()
  api_error(function()
    duo.device{ host = c.admin.host, ikey = c.admin.ikey, skey = c.admin.skey, mkey = device.mkey }
      :get_device_caches("active")
  end, 40102)
  sb:stop()
end)

-- Options ---------------------------------------------------------------------------------

T.test("options are checked by name", function()
  T.raises(function() duo.sandbox(nil, { latncy = 1 }) end, "unknown option")
  T.raises(function() duo.sandbox(nil, { latency = -1 }) end, "'latency'")
  T.raises(function() duo.sandbox(nil, { rate_limits = { pages = 3 } }) end, "rate_limits.pages")
  T.raises(function() duo.sandbox(nil, { page_cap = 1.5 }) end, "page_cap")
  T.raises(function() duo.sandbox(true) end, "bad argument #1 to 'sandbox'")
  T.eq(sandbox.current(), nil, "nothing started")
end)

T.test("stop: new clients go to the network again", function()
  local sb = duo.sandbox(SMALL)
  T.eq(duo.env().backend.sandbox, sb, "the sandbox's environment is in force")
  T.eq(require("duo.config").current().default, "sandbox")
  local other = duo.sandbox(SMALL)
  T.truthy(sb.stopped, "a new sandbox stops the running one")
  sb:stop()
  T.eq(sandbox.current(), other, "stopping a stopped sandbox leaves the running one")
  other:stop()
  T.eq(duo.env().backend, nil)
  T.eq(sandbox.current(), nil)
  -- the network again: nothing answers on this port
  local e = T.raises(function() duo.admin{ host = "127.0.0.1:9", ikey = "DIXXXXXXXXXXXXXXXXXX",
                                            skey = string.rep("s", 40), max_retries = 0 }:get_users() end)
  T.truthy(duo.is_error(e) and e.kind == "network", tostring(e))
end)

T.test("sandbox.service finds the sandbox that --sandbox started (its environment is in force)", function()
  local code, out = run(nil, "--sandbox -e " .. shell_quote(
    "local s = require('sandbox.service'); print(s.current() ~= nil, #require('duo').accounts():get_child_accounts())"))
  T.eq(code, 0, out)
  T.eq(out, "true\t25\n")
end)

-- The command line ------------------------------------------------------------------------

T.test("duo-lua --sandbox walks the demo tenant with no credentials configured", function()
  local home = os.tmpname()
  os.remove(home)
  assert(os.execute("mkdir -p " .. home))
  local script = [[
    local duo = require "duo"
    local accounts = duo.accounts()
    local n = 0
    for _, a in ipairs(accounts:get_child_accounts()) do n = n + 1 end
    local per_child = accounts:each_child(function(child) return #child:get_users() end)
    local total = 0
    for _, r in pairs(per_child) do total = total + r.result end
    print(n, total)
  ]]
  local env = "env -u DUO_ADMIN_HOST -u DUO_ADMIN_IKEY -u DUO_ADMIN_SKEY -u DUO_ACCOUNTS_HOST -u DUO_ACCOUNTS_IKEY "
              .. "-u DUO_ACCOUNTS_SKEY -u DUO_LUA_CONFIG -u XDG_CONFIG_HOME HOME=" .. home
  local code, out = run(env, "--sandbox -e " .. shell_quote(script))
  T.eq(code, 0, out)
  local n, total = out:match("^(%d+)%s+(%d+)")
  T.eq(n, "25", out)
  T.truthy(tonumber(total) > 800, out)
  -- without --sandbox the same script needs credentials
  code, out = run(env, "-e " .. shell_quote(script))
  T.eq(code, 1, out)
  T.truthy(out:find("DUO_ACCOUNTS", 1, true), out)
  -- a seed number, a seed file, export_demo
  code, out = run(env, "--sandbox=7 -e " .. shell_quote("print(require('duo').accounts():get_child_accounts()[1].account_id)"))
  T.eq(code, 0, out)
  local code2, out2 = run(env, "--sandbox -e " .. shell_quote("print(require('duo').accounts():get_child_accounts()[1].account_id)"))
  T.eq(code2, 0, out2)
  T.truthy(out ~= out2, "seed 7 is another tenant")
  code, out = run(env, "--sandbox=" .. SMALL .. " -e " .. shell_quote("print(#require('duo').admin():get_users())"))
  T.eq(code, 0, out)
  T.eq(out, "1\n")
  code, out = run(env, "--sandbox -e " .. shell_quote("io.write(require('sandbox.service').export_demo())"))
  T.eq(code, 0)
  T.eq(#json.decode(out).accounts, 25)
  os.execute("rm -rf " .. home)
end)

T.done()
