-- Paging against the loopback test server: offset listings whose pages are
-- shorter than the limit, one page with a limit, iterators and client:each,
-- logs v2 cursors (authentication "ms,txid"; activity and telephony
-- "ms,offset"), logs v1 by timestamp, the Trust Monitor cursor, and the
-- time-window checks that fail before anything is sent.
-- Server: --users 250 --page-cap 7 (and its defaults: --log-page 3,
-- --event-log 7, --admin-log 2500).
local T = require "testing"
local ts = require "testserver"
local duo = require "duo"
local json = require "duo.json"

local admin = ts.client("admin")
local control = ts.client("admin")

local USERS, CAP = 250, 7
local EVENTS, LOG_PAGE = 7, 3
local ADMIN_LOG = 2500

local NOW_S = os.time()
local NOW_MS = NOW_S * 1000
local HOUR_MS = 3600 * 1000

local function clear() control:call("POST", "/test/requests/clear") end
local function requests()
  local log = control:call("GET", "/test/requests")
  for _, e in ipairs(log) do
    if e.status ~= 200 then error("the server answered " .. e.status .. ": " .. tostring(e.detail), 2) end
  end
  return log
end
-- a query parameter of a logged request (one value)
local function q(entry, name)
  local v = entry.query[name]
  return v and v[1]
end

local function check_users(list, n)
  T.eq(#list, n, "users")
  local seen = {}
  for i, u in ipairs(list) do
    T.eq(u.username, string.format("user%05d", i - 1), "user " .. i)
    T.truthy(not seen[u.user_id], "user_id unique")
    seen[u.user_id] = true
    T.eq(math.type(u.created), "integer", "whole numbers stay integers")
  end
end

T.test("get_users() follows next_offset through pages shorter than the limit", function()
  clear()
  local all = admin:get_users()
  check_users(all, USERS)
  T.truthy(json.is_array(all), "an array")
  local log = requests()
  T.eq(#log, math.ceil(USERS / CAP), "requests")
  for i, e in ipairs(log) do
    T.eq(q(e, "limit"), "300", "the users' max_limit as page size")
    T.eq(q(e, "offset"), tostring((i - 1) * CAP), "offset of page " .. i)
  end
end)

T.test("get_users{limit = 10} is one page, with its metadata", function()
  clear()
  local page, meta = admin:get_users{ limit = 10 }
  T.eq(#page, CAP, "the server's page (capped)")
  T.eq(meta.next_offset, CAP)
  T.eq(meta.total_objects, USERS)
  local log = requests()
  T.eq(#log, 1)
  T.eq(q(log[1], "limit"), "10")
  T.truthy(q(log[1], "offset") == nil or q(log[1], "offset") == "0", "from the start")
  page = admin:get_users{ limit = 10, offset = 245 }
  T.eq(#page, 5)
  T.eq(page[1].username, "user00245")
end)

T.test("get_users_iterator streams every user", function()
  clear()
  local got = {}
  for u in admin:get_users_iterator() do got[#got + 1] = u end
  check_users(got, USERS)
  T.eq(#requests(), math.ceil(USERS / CAP))
end)

T.test("the stream can be left early", function()
  clear()
  local n = 0
  for _ in admin:get_users_iterator() do
    n = n + 1
    if n == 10 then break end
  end
  T.eq(n, 10)
  -- the first page, the second, and at most one prefetched page
  T.truthy(#requests() <= 3, "no more pages than needed")
end)

T.test("client:each streams any offset listing with the caller's parameters", function()
  clear()
  local got = {}
  for u in admin:each("/admin/v1/users", { limit = 50 }) do got[#got + 1] = u end
  check_users(got, USERS)
  for _, e in ipairs(requests()) do T.eq(q(e, "limit"), "50") end
  -- a listing with no handler of its own: the server's generic 3 items, 2 per page
  clear()
  local n = 0
  for item in admin:each("/admin/v1/groups") do
    n = n + 1
    T.eq(item.item, n - 1)
    T.eq(item.template, "/admin/v1/groups")
  end
  T.eq(n, 3)
  T.eq(#requests(), 2)
end)

T.test("a child's users through the child client", function()
  local accounts = ts.client("accounts")
  local child = accounts:child(accounts:children()[1].account_id)
  local got = {}
  for u in child:get_users_iterator() do got[#got + 1] = u end
  T.eq(#got, 5)
  T.truthy(got[1].username:find("-user00$"), got[1].username)
end)

-- Logs v2 -------------------------------------------------------------------

local WINDOW = { mintime = NOW_MS - 2 * HOUR_MS, maxtime = NOW_MS }

T.test("logs v2 authentication: client:iterate follows the [ms, txid] cursor", function()
  clear()
  local got = {}
  for r in admin:iterate("get_authentication_log", WINDOW) do got[#got + 1] = r end
  T.eq(#got, EVENTS, "records")
  for i = 2, #got do
    T.truthy(got[i - 1].timestamp >= got[i].timestamp, "newest first (ts:desc)")
  end
  local log = requests()
  T.eq(#log, math.ceil(EVENTS / LOG_PAGE), "pages")
  T.eq(log[1].query.next_offset, nil, "the first page has no cursor")
  T.eq(log[1].template, "/admin/v2/logs/authentication")
  for i = 2, #log do
    local last = got[(i - 1) * LOG_PAGE]
    local ms, txid = q(log[i], "next_offset"):match("^(%d+),(.+)$")
    T.eq(txid, last.txid, "cursor of page " .. i)
    T.eq(tonumber(ms) // 1000, last.timestamp, "cursor time of page " .. i)
    T.eq(q(log[i], "limit"), "1000", "page size")
    T.eq(q(log[i], "mintime"), tostring(WINDOW.mintime))
    T.eq(q(log[i], "maxtime"), tostring(WINDOW.maxtime))
  end
end)

T.test("logs v2: without a limit every page as one array; with one, one page", function()
  local all = admin:get_authentication_log(WINDOW)
  T.eq(#all, EVENTS)
  local page = admin:get_authentication_log{ mintime = WINDOW.mintime, maxtime = WINDOW.maxtime, limit = 2 }
  T.eq(#page.authlogs, 2)
  T.eq(#page.metadata.next_offset, 2, "the [ms, txid] pair")
  -- the pair passed back as it came (csv encoding)
  local next_page = admin:get_authentication_log{ mintime = WINDOW.mintime, maxtime = WINDOW.maxtime,
                                                  limit = 2, next_offset = page.metadata.next_offset }
  T.eq(next_page.authlogs[1].txid, all[3].txid)
  -- ascending order is the caller's choice
  local asc = admin:get_authentication_log{ mintime = WINDOW.mintime, maxtime = WINDOW.maxtime, sort = "ts:asc" }
  T.eq(asc[1].txid, all[#all].txid)
  -- a narrower window: up to the whole second of the third newest record,
  -- which happened some milliseconds after it
  local some = admin:get_authentication_log{ mintime = NOW_MS - 3 * HOUR_MS, maxtime = all[3].timestamp * 1000 }
  T.eq(#some, EVENTS - 3)
end)

T.test("activity and telephony logs: the \"ms,offset\" cursors", function()
  for _, name in ipairs{ "get_activity_logs", "get_telephony_log" } do
    clear()
    local got = {}
    for r in admin:iterate(name, WINDOW) do got[#got + 1] = r end
    T.eq(#got, EVENTS, name)
    local log = requests()
    T.eq(#log, math.ceil(EVENTS / LOG_PAGE), name .. " pages")
    for i = 2, #log do
      local cursor = q(log[i], "next_offset")
      local ms, offset = cursor:match("^(%d+),(%d+)$")
      T.truthy(ms, name .. " cursor " .. tostring(cursor))
      T.eq(tonumber(offset), (i - 1) * LOG_PAGE, name .. " offset")
    end
    -- all at once (the activity log ends with a null next_offset)
    T.eq(#admin[name](admin, WINDOW), EVENTS, name .. " collected")
  end
end)

T.test("logs v1: pages of 1000 by timestamp", function()
  clear()
  local all = admin:get_administrator_log()
  T.eq(#all, ADMIN_LOG, "records")
  for i = 2, #all do
    if all[i].timestamp ~= all[i - 1].timestamp + 1 then
      error("record " .. i .. " is not the next second", 0)
    end
  end
  local log = requests()
  T.eq(#log, 3, "calls")
  T.eq(q(log[1], "mintime"), "0", "the default mintime")
  T.eq(q(log[2], "mintime"), tostring(all[1000].timestamp + 1))
  T.eq(q(log[3], "mintime"), tostring(all[2000].timestamp + 1))
  -- from a mintime on, and client:iterate on a logs v1 method
  local n = 0
  for r in admin:iterate("get_administrator_log", { mintime = all[2400].timestamp }) do
    n = n + 1
    T.truthy(r.timestamp >= all[2400].timestamp)
  end
  T.eq(n, ADMIN_LOG - 2399)
end)

-- Trust Monitor ------------------------------------------------------------------

T.test("Trust Monitor: the iterator follows the opaque cursor", function()
  clear()
  local got = {}
  for e in admin:get_trust_monitor_events_iterator(WINDOW.mintime, WINDOW.maxtime) do got[#got + 1] = e end
  T.eq(#got, EVENTS)
  local log = requests()
  T.eq(#log, math.ceil(EVENTS / LOG_PAGE))
  T.eq(log[1].query.offset, nil, "first call without offset")
  T.truthy(q(log[2], "offset") ~= nil, "then the cursor as offset")
  -- filtered by type
  local n = 0
  for e in admin:get_trust_monitor_events_iterator(WINDOW.mintime, WINDOW.maxtime, { event_type = "auth" }) do
    T.eq(e.type, "auth")
    n = n + 1
  end
  T.eq(n, 3)
end)

T.test("Trust Monitor by offset: one page and its next_offset", function()
  local page = admin:get_trust_monitor_events_by_offset(WINDOW.mintime, WINDOW.maxtime)
  T.eq(#page.events, LOG_PAGE)
  local cursor = page.metadata.next_offset
  T.eq(type(cursor), "string")
  local second = admin:get_trust_monitor_events_by_offset(WINDOW.mintime, WINDOW.maxtime, { offset = cursor })
  T.eq(second.events[1].txid ~= page.events[1].txid, true, "the next page")
end)

-- Windows checked before sending -----------------------------------------------------

local function refused(fn, pattern)
  clear()
  local e = T.raises(fn, pattern)
  T.eq(#requests(), 0, "nothing sent for: " .. tostring(e))
  return e
end

T.test("time windows are checked before anything is sent", function()
  refused(function() admin:get_authentication_log{ mintime = NOW_S - 3600, maxtime = NOW_S } end,
          "looks like seconds")
  refused(function() admin:iterate("get_activity_logs", { mintime = NOW_MS, maxtime = NOW_MS - 1 }) end,
          "must be before maxtime")
  refused(function() admin:get_telephony_log{ mintime = NOW_MS, maxtime = NOW_MS } end,
          "must be before maxtime")
  refused(function()
    admin:get_authentication_log{ mintime = NOW_MS - 200 * 86400 * 1000, maxtime = NOW_MS }
  end, "180 days")
  refused(function() admin:get_trust_monitor_events_iterator(NOW_S - 60, NOW_S) end, "looks like seconds")
  refused(function() admin:get_administrator_log{ mintime = NOW_MS } end, "looks like milliseconds")
  refused(function() admin:get_authentication_log{ api_version = 1, mintime = NOW_MS } end,
          "looks like milliseconds")
  refused(function() admin:get_activity_logs{ mintime = "yesterday", maxtime = NOW_MS } end,
          "must be")
end)

T.test("the errors are one line naming the method", function()
  local e = refused(function() admin:get_activity_logs{ mintime = NOW_S - 60, maxtime = NOW_S } end)
  T.truthy(tostring(e):find("^[^\n]*get_activity_logs"), tostring(e))
  T.eq(tostring(e):find("\n"), nil, "one line")
end)

T.done()
