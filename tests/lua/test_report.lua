-- The fleet report (duo-lua -w report): the SVG chart helper and the page
-- builder on plain tables, then the workflow as a process on the sandbox
-- (the demo tenant; a tenant without billing endpoints; markup in names)
-- and, under run_with_server.sh, on the test server with a failing child.
-- tests/report/test_report_browser.py renders the page in Chromium.
local T = require "testing"
local json = require "duo.json"
local fleet = require "workflows.lib.fleet"
local report_html = require "workflows.lib.report_html"
local svg = require "workflows.lib.svgchart"

local W = require("workspace").new()
local tmp, write, read, run = W.tmp, W.write, W.read, W.run

local count = T.count

-- The page's numbers: cells[account_id][key] = data-value, and the overview.
local function numbers(page)
  local cells, overview = {}, {}
  for id, row in page:gmatch('<tr data%-account%-id="([^"]*)"[^>]*>(.-)</tr>') do
    cells[id] = {}
    for key, value in row:gmatch('<td data%-key="([%w_]+)" data%-value="([^"]*)"') do cells[id][key] = value end
  end
  for key, value in page:gmatch('<div class="num" data%-key="([%w_]+)" data%-value="([^"]*)"') do
    overview[key] = value
  end
  return cells, overview
end

local function row(name, id, t)
  local r = { account_id = id, name = name, error = json.null, total = 10, active = 8, enrolled = 7, bypass = 1,
              disabled = 1, locked_out = 0, pending_deletion = 0, admins = 2, edition = "PLATFORM",
              telephony_credits = 100, auth = { SUCCESS = 5, DENIED = 1 } }
  for k, v in pairs(t or {}) do r[k] = v end
  return r
end

-- The chart helper ---------------------------------------------------------------

T.test("svgchart.escape: the five characters markup gives meaning to", function()
  T.eq(svg.escape([[<a href="x">Tom & Jerry's</a>]]), "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;")
  T.eq(svg.escape(42), "42")
end)

T.test("svgchart.hbars: one bar per item, the largest full width, labels escaped", function()
  local s = svg.hbars({ { label = "a<b", value = 10, color = "#111" }, { label = "c", value = 5 },
                        { label = "zero", value = 0 } }, { width = 300, label_width = 100 })
  T.truthy(s:find("^<svg "), s)
  T.truthy(s:find("</svg>$"), s)
  T.eq(count(s, "<rect "), 3)
  T.truthy(s:find('width="144"', 1, true), "300 - 100 - 56 for the largest: " .. s)
  T.truthy(s:find('width="72"', 1, true), "half for half the value: " .. s)
  T.truthy(s:find('width="0"', 1, true), "nothing for zero")
  T.truthy(s:find("a&lt;b", 1, true) and not s:find("a<b", 1, true), "label escaped")
  T.raises(function() svg.hbars({}, { widht = 3 }) end, "unknown option 'widht'")
end)

T.test("svgchart.stacked: parts in proportion, an empty bar when all are zero", function()
  local s = svg.stacked({ { label = "yes", value = 3, color = "#0a0" }, { label = "no", value = 1, color = "#ccc" } },
                        { width = 100, height = 8 })
  T.truthy(s:find('<rect x="0" width="75" height="8" fill="#0a0"/>', 1, true), s)
  T.truthy(s:find('<rect x="75" width="25" height="8" fill="#ccc"/>', 1, true), s)
  T.truthy(s:find("<title>yes: 3, no: 1</title>", 1, true), s)
  local empty = svg.stacked({ { label = "yes", value = 0, color = "#0a0" } })
  T.eq(count(empty, "<rect "), 1, "only the background")
end)

-- The page builder ------------------------------------------------------------------

T.test("report_html: numbers in data-key/data-value, totals in the overview", function()
  local page = report_html.render{ rows = { row("Acme", "DA1"), row("Globex", "DA2", { total = 30, enrolled = 15 }) },
                                   generated = "2026-01-01 00:00 UTC" }
  T.truthy(page:find("^<!DOCTYPE html>"), "a complete page")
  local cells, overview = numbers(page)
  T.eq(cells.DA1.total, "10")
  T.eq(cells.DA2.enrolled, "15")
  T.eq(cells.DA1.auth, "6")
  T.eq(cells.DA1.edition, "PLATFORM")
  T.eq(overview.total, "40")
  T.eq(overview.enrolled, "22")
  T.eq(overview.enrollment_rate, "55.0")
  T.eq(overview.admins, "4")
  T.eq(overview.telephony_credits, "200")
  T.eq(overview.children, "2")
  T.eq(count(page, "<script"), 1)
  for _, external in ipairs{ "<link", "<img", " src=", " href=", "@import", "url(" } do
    T.truthy(not page:find(external, 1, true), "nothing external: " .. external)
  end
  T.raises(function() report_html.render{ rows = {}, colour = "red" } end, "unknown option 'colour'")
end)

T.test("report_html: markup in account names and errors stays text", function()
  local evil = { '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "</td></tr></table>&amp;" }
  local rows = {}
  for i, name in ipairs(evil) do rows[i] = row(name, "DA" .. i) end
  rows[1].error = "<b>500</b> & co"
  local page = report_html.render{ rows = rows }
  T.eq(count(page, "<script"), 1, "only the page's own script")
  T.eq(count(page, "<img"), 0)
  T.eq(count(page, "</table>"), 1)
  T.truthy(page:find("&lt;script&gt;alert(1)&lt;/script&gt;", 1, true), "name 1 shown as text")
  T.truthy(page:find("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;", 1, true), "name 2 shown as text")
  T.truthy(page:find("&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&amp;amp;", 1, true), "name 3 shown as text")
  T.truthy(page:find("could not be read: &lt;b&gt;500&lt;/b&gt; &amp; co", 1, true), "error shown as text")
  local single = report_html.render{ rows = { rows[2] }, single = true }
  T.truthy(single:find("<title>Duo report: &quot;&gt;&lt;img", 1, true), "the title of one account's page")
end)

T.test("report_html: n/a for what Duo did not give, a failed child's counts empty", function()
  local rows = { row("Acme", "DA1", { admins = fleet.NA, edition = fleet.NA, telephony_credits = fleet.NA,
                                      auth = fleet.NA, unavailable = { edition = "40301 Access forbidden" } }),
                 row("Globex", "DA2", { error = "50001 boom", total = json.null, active = json.null,
                                        enrolled = json.null, bypass = json.null, disabled = json.null,
                                        locked_out = json.null, pending_deletion = json.null }) }
  local page = report_html.render{ rows = rows }
  local cells, overview = numbers(page)
  for _, k in ipairs{ "admins", "edition", "telephony_credits", "auth" } do T.eq(cells.DA1[k], "", k) end
  T.truthy(page:find('<td data-key="edition" data-value="" title="40301 Access forbidden">n/a</td>', 1, true),
           "the reason as a tooltip")
  T.eq(cells.DA2.total, "")
  T.eq(cells.DA2.edition, "PLATFORM")
  T.eq(overview.total, "10", "the failed child adds nothing")
  T.eq(overview.admins, "2", "admins known for one child")
  T.truthy(page:find("n/a for 1 of 2", 1, true), "says what is missing")
  T.truthy(page:find("1 could not be read", 1, true))
end)

T.test("fleet.read rejects unknown options by name", function()
  T.raises(function() fleet.read({}, { detail = true }) end, "unknown option 'detail'")
end)

-- The workflow on the sandbox -------------------------------------------------------

T.test("report on the demo tenant: the numbers of user-counts, every figure present", function()
  local code, out, err = run("--sandbox -w report --output demo.html")
  T.eq(code, 0, err)
  T.eq(out, "")
  T.truthy(err:find("wrote demo.html (25 child accounts)", 1, true), err)
  local page = assert(read(tmp .. "/demo.html"))
  local counts
  code, out, err = run("--sandbox -w user-counts --format json")
  T.eq(code, 0, err)
  counts = json.decode(out)
  local cells, overview = numbers(page)
  local sum = 0
  for _, c in ipairs(counts) do
    local got = T.truthy(cells[c.account_id], "a row for " .. c.name)
    for _, k in ipairs(fleet.COUNTS) do T.eq(got[k], tostring(c[k]), c.name .. " " .. k) end
    for _, k in ipairs{ "admins", "telephony_credits", "auth" } do
      T.truthy(got[k]:match("^%d+$"), c.name .. " " .. k .. " = " .. got[k])
    end
    T.truthy(got.edition:match("^%u+$"), c.name .. " edition")
    sum = sum + c.total
  end
  T.eq(overview.total, tostring(sum))
  T.eq(overview.children, "25")
end)

T.test("report --account: one child's page (on standard output without --output), or a few; an unknown account is a clear error", function()
  local code, page, err = run("--sandbox -w report --account 'Lakeside CCU'")
  T.eq(code, 0, err)
  T.truthy(page:find("^<!DOCTYPE html>"), page:sub(1, 80))
  local cells = numbers(page)
  local n = 0
  for _ in pairs(cells) do n = n + 1 end
  T.eq(n, 1)
  T.truthy(page:find("<title>Duo report: Lakeside CCU</title>", 1, true))
  code, page, err = run("--sandbox -w report --account 'Lakeside CCU' --account 'Evergreen Group'")
  T.eq(code, 0, err)
  cells = numbers(page)
  n = 0
  for _ in pairs(cells) do n = n + 1 end
  T.eq(n, 2, "two accounts")
  T.truthy(page:find("<title>Duo fleet report</title>", 1, true))
  code, _, err = run("--sandbox -w report --account 'Nobody Inc' --output none.html")
  T.eq(code, 1, err)
  T.truthy(err:find("no child account with the ID or exact name 'Nobody Inc'", 1, true), err)
  T.eq(read(tmp .. "/none.html"), nil, "nothing written")
end)

T.test("report usage errors", function()
  local code, _, err = run("-w report --format json")
  T.eq(code, 2)
  T.truthy(err:find("unknown option '--format'", 1, true), err)
  code, _, err = run("-w report --output")
  T.eq(code, 2)
  T.truthy(err:find("'--output' needs a value", 1, true), err)
  code, _, err = run("--sandbox -w report --output " .. tmp .. "/no/such/dir/r.html")
  T.eq(code, 1)
  T.truthy(err:find("cannot write", 1, true), err)
end)

T.test("report reads each child with four calls at once: users, summary, edition, authentication attempts", function()
  os.remove(tmp .. "/calls.log")
  local code, _, err = run("--sandbox --log calls.log -w report --output calls.html")
  T.eq(code, 0, err)
  local per_child, lists = {}, 0
  for line in io.lines(tmp .. "/calls.log") do
    local e = json.decode(line)
    if e.path == "/accounts/v1/account/list" then lists = lists + 1 end
    if e.account_id ~= json.null then
      local calls = per_child[e.account_id] or {}
      per_child[e.account_id] = calls
      calls[#calls + 1] = e.path
    end
  end
  T.eq(lists, 1, "the child list once")
  local children = 0
  for id, calls in pairs(per_child) do
    children = children + 1
    local n = {}
    for _, path in ipairs(calls) do n[path] = (n[path] or 0) + 1 end
    T.truthy(n["/admin/v1/users"] >= 1, id .. ": its users (a page or more)")
    n["/admin/v1/users"] = nil
    T.same(n, { ["/admin/v1/billing/edition"] = 1, ["/admin/v1/info/authentication_attempts"] = 1,
                ["/admin/v1/info/summary"] = 1 }, id)
  end
  T.truthy(children > 1, "children read")
end)

T.test("report on a tenant without billing endpoints: n/a, not an abort", function()
  local seed = write("nobilling.json", json.encode{
    version = 1,
    parent = { name = "MSP", billing_enabled = false },
    accounts = { { name = "Acme", users = { { username = "a" }, { username = "b", status = "bypass" } } },
                 { name = "Globex", users = { { username = "c" } } } },
  })
  local code, _, err = run("--sandbox=" .. seed .. " -w report --output nobilling.html")
  T.eq(code, 0, err)
  local page = read(tmp .. "/nobilling.html")
  local cells, overview = numbers(page)
  local n = 0
  for _, c in pairs(cells) do
    n = n + 1
    T.eq(c.edition, "")
    T.eq(c.telephony_credits, "")
    T.truthy(c.admins:match("^%d+$"), "admins still read")
  end
  T.eq(n, 2)
  T.eq(overview.telephony_credits, "")
  T.eq(overview.bypass, "1")
  T.truthy(page:find("billing endpoints are not enabled", 1, true), "the reason is in the page")
end)

-- On the loopback test server ---------------------------------------------------------

if os.getenv("DUO_TEST_PORT_GOOD") then
  local ts = require "testserver"
  local config = W.server_config()
  local children = ts.client("accounts"):get_child_accounts()

  T.test("test server: report goes on when a child fails, and says so", function()
    local bad = children[2].account_id
    local admin = ts.client("admin")
    admin:call("POST", "/test/children/" .. bad .. "/fail", { code = 50001 })
    local code, _, err = run("-c " .. config .. " -w report --output srv.html")
    admin:call("POST", "/test/children/" .. bad .. "/fail", { code = 0 })
    T.eq(code, 1, "a failed child makes the status 1")
    T.truthy(err:find("1 of 3 child accounts could not be read", 1, true), err)
    local page = T.truthy(read(tmp .. "/srv.html"), "the page is written all the same")
    local cells = numbers(page)
    T.eq(cells[bad].total, "")
    T.truthy(page:find("could not be read: duo: 50001 Simulated failure", 1, true), "the error is in the page")
    for _, c in ipairs(children) do
      if c.account_id ~= bad then T.eq(cells[c.account_id].total, "5") end
    end
  end)

  T.test("test server: report --org, the client's page; its account failing is exit 1 and said on the page",
         function()
    write("srv.mappings.json", json.encode{ organizations = {
      { name = "Client & Co", id = "CW-1", duo_account_id = children[1].account_id },
      { name = "Down Client", id = "CW-2", duo_account_id = children[2].account_id } } })
    local code, _, err = run("-c " .. config .. " -w report --org CW-1 --output org1.html")
    T.eq(code, 0, err)
    local page = read(tmp .. "/org1.html")
    T.truthy(page:find("<title>Client &amp; Co</title>", 1, true), "titled with the organization")
    T.truthy(page:find('data-key="total" data-value="5"', 1, true), "its users")
    local bad = children[2].account_id
    local admin = ts.client("admin")
    admin:call("POST", "/test/children/" .. bad .. "/fail", { code = 50001 })
    code, _, err = run("-c " .. config .. " -w report --org 'down client' --output org2.html")
    admin:call("POST", "/test/children/" .. bad .. "/fail", { code = 0 })
    T.eq(code, 1, err)
    page = T.truthy(read(tmp .. "/org2.html"), "the page is written all the same")
    T.truthy(page:find("could not be read: duo: 50001 Simulated failure", 1, true), "the error is on the page")
    T.eq(page:find("None.", 1, true), nil, "no list claims to be empty")
  end)
end

W.remove()
T.done()
