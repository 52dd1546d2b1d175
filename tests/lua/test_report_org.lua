-- report --org (SPEC section 8, issue 26 item 7): one client's page. The
-- page builder on plain tables (title, action items by name, change, brand,
-- hostile names), brand files and their one-line errors, then the workflow
-- on the sandbox: by name and by id, the users listed as the tenant has
-- them, the change since an earlier user-counts, the usage errors.
-- tests/report/test_report_browser.py renders the page in Chromium.
local T = require "testing"
local W = require("workspace").new({ stdin_null = true })
local json = require "duo.json"
local brand = require "workflows.lib.brand"
local report_html = require "workflows.lib.report_html"
local tmp, write, read, run, count = W.tmp, W.write, W.read, W.run, T.count

-- The page's text outside tags, entities left as they are.
local function text_of(page)
  return (page:gsub("<style>.-</style>", ""):gsub("<[^>]*>", " "))
end

-- usernames[list] from the page's action items
local function lists_of(page)
  local out = {}
  for key, body in page:gmatch('<div class="action" data%-list="([%w_]+)"[^>]*>(.-)</div>') do
    local names = {}
    for u in body:gmatch('<li data%-username="([^"]*)"') do names[#names + 1] = u end
    out[key] = names
  end
  return out
end

local PNG = "\137PNG\r\n\26\n" .. string.rep("\0", 24)

local function row(t)
  local r = { account_id = "DA1", name = "Acme Duo", error = json.null, total = 10, active = 7, enrolled = 6,
              bypass = 1, disabled = 1, locked_out = 1, pending_deletion = 0, admins = 2, edition = "PLATFORM",
              telephony_credits = 100, auth = { SUCCESS = 5, DENIED = 1 },
              users = { not_enrolled = { { username = "bob", email = "bob@acme.example" } },
                        bypass = { { username = "carol", email = "" } },
                        locked_out = { { username = "dave", email = "dave@acme.example" } } } }
  for k, v in pairs(t or {}) do r[k] = v end
  return r
end

-- The page builder ------------------------------------------------------------------------

T.test("render_client: the organization's name as the title, no fleet wording, no script", function()
  local page = report_html.render_client{ org = { name = "Acme Corp", id = "C1" }, row = row(),
                                          generated = "2026-12-01 00:00 UTC" }
  T.truthy(page:find("^<!DOCTYPE html>"), "a complete page")
  T.truthy(page:find("<title>Acme Corp</title>", 1, true), "the title")
  T.truthy(page:find("<h1>Acme Corp</h1>", 1, true), "the heading")
  local text = text_of(page):lower()
  for _, word in ipairs{ "fleet", "child account", "children", "acme duo" } do
    T.eq(text:find(word, 1, true), nil, "no '" .. word .. "' on a client's page")
  end
  T.eq(count(page, "<script"), 0, "no script")
  T.eq(count(page, "<link"), 0)
  T.truthy(page:find('data-key="total" data-value="10"', 1, true))
  T.truthy(page:find('data-key="enrollment_rate" data-value="60.0"', 1, true))
  T.truthy(page:find('data-account-id="DA1" data-org-id="C1"', 1, true))
  T.same(lists_of(page), { not_enrolled = { "bob" }, bypass = { "carol" }, locked_out = { "dave" } })
  T.truthy(page:find('data-list="bypass" data-count="1"><h3>In bypass (1)</h3>', 1, true))
  T.eq(count(page, "data-change"), 0, "no change without --since")
  T.raises(function() report_html.render_client{ org = { name = "x" }, row = row(), colour = 1 } end,
           "unknown option 'colour'")
  T.raises(function() report_html.render_client{ row = row() } end, "'org' is required")
end)

T.test("render_client: empty lists say none; a failed read says so", function()
  local page = report_html.render_client{ org = { name = "Quiet Co" },
                                          row = row({ users = { not_enrolled = {}, bypass = {}, locked_out = {} } }) }
  T.eq(count(page, '<p class="empty">None.</p>'), 3)
  T.same(lists_of(page), { not_enrolled = {}, bypass = {}, locked_out = {} })
  local failed = report_html.render_client{ org = { name = "Down Co" }, row = row({ error = "50001 <b>boom</b>",
    total = json.null, enrolled = json.null, users = json.null }) }
  T.truthy(failed:find("could not be read: 50001 &lt;b&gt;boom&lt;/b&gt;", 1, true), "the error, as text")
  T.truthy(failed:find('data-key="total" data-value="">n/a', 1, true))
  T.eq(count(failed, "Not known: the Duo account could not be read."), 3, "no 'None.' when nothing is known")
  T.eq(count(failed, "None."), 0)
end)

T.test("render_client: the change since an earlier count, n/a where unknown", function()
  local page = report_html.render_client{ org = { name = "Acme Corp" }, row = row(), since = "november.json",
                                          change = { total = 3, enrolled = -2, bypass = 0, locked_out = json.null } }
  T.truthy(page:find('<span class="change better" data-change-key="total" data-change="3">+3 since november.json</span>',
                     1, true), page)
  T.truthy(page:find('<span class="change worse" data-change-key="enrolled" data-change="-2">-2 since november.json',
                     1, true))
  T.truthy(page:find('data-change-key="bypass" data-change="0">no change since november.json', 1, true))
  T.truthy(page:find('data-change-key="locked_out" data-change="">n/a since november.json', 1, true))
end)

T.test("render_client: hostile names stay text (organization, users, e-mails, brand)", function()
  local evil = '<script>alert(1)</script>"\'&'
  local page = report_html.render_client{
    org = { name = evil, id = '"><img src=x>' },
    row = row({ users = { not_enrolled = { { username = '"><svg onload=alert(1)>', email = "<i>@x" } },
                          bypass = { { username = "</li></ul></div>", email = "" } }, locked_out = {} } }),
    brand = { name = "</span><script>x</script>", accent = "#abc", logo = "data:image/png;base64,iVBORw0KGgo=" },
  }
  T.eq(count(page, "<script"), 0, "no script got in")
  T.eq(count(page, "<svg onload"), 0)
  T.eq(count(page, "<img"), 1, "only the logo")
  T.truthy(page:find('<img class="logo" src="data:image/png;base64,iVBORw0KGgo="', 1, true))
  T.truthy(page:find("<title>&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;</title>", 1, true))
  T.truthy(page:find('data-username="&quot;&gt;&lt;svg onload=alert(1)&gt;"', 1, true))
  T.truthy(page:find("&lt;/li&gt;&lt;/ul&gt;&lt;/div&gt;", 1, true))
  T.truthy(page:find("--accent: #abc;", 1, true), "the accent colour")
end)

-- Brand files -----------------------------------------------------------------------------

T.test("brand.load: name, accent, a logo file next to the brand file or a data URI", function()
  assert(os.execute("mkdir -p " .. tmp .. "/brand"))
  write("brand/logo.png", PNG)
  write("brand/logo.svg", '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>')
  local b = brand.load(write("brand/b.json", json.encode{ name = "Blue MSP", accent = "#1F6FEB", logo = "logo.png" }))
  T.eq(b.name, "Blue MSP")
  T.eq(b.accent, "#1f6feb")
  T.truthy(b.logo:find("^data:image/png;base64,iVBORw0KGgo"), b.logo)
  b = brand.load(write("brand/s.json", json.encode{ logo = "logo.svg" }))
  T.truthy(b.logo:find("^data:image/svg%+xml;base64,"), b.logo)
  b = brand.load(write("brand/d.json", json.encode{ logo = "data:image/png;base64,iVBORw0KGgo=" }))
  T.eq(b.logo, "data:image/png;base64,iVBORw0KGgo=")
  T.same(brand.load(write("brand/e.json", "{}")), {})
end)

T.test("brand.load: each bad input a one-line error naming it", function()
  write("brand/not.png", "GIF? no, text")
  for text, want in pairs{
    ["[1]"] = "is not a JSON object",
    ['{"name": "x", "colour": "#fff"}'] = "unknown key 'colour' (known: name, logo, accent)",
    ['{"accent": "red"}'] = "\"accent\" must be a colour as #rgb or #rrggbb, got 'red'",
    ['{"accent": "#fff; } body { background: url(http://x)"}'] = "\"accent\" must be a colour",
    ['{"accent": 3}'] = "\"accent\" must be a colour as #rgb or #rrggbb, got 3",
    ['{"name": ""}'] = "\"name\" must be a non-empty text",
    ['{"logo": "nothere.png"}'] = "\"logo\" cannot be read",
    ['{"logo": "not.png"}'] = "\"logo\" not.png is not a PNG, JPEG, GIF, WebP or SVG image",
    ['{"logo": "data:text/html;base64,PGI+"}'] = "must be a data: URI of a PNG, JPEG, GIF, WebP or SVG image",
    ['{"logo": "data:image/png,<svg>"}'] = "must be a data: URI of a PNG",
    ['{"logo": "https://example.com/logo.png"}'] = "\"logo\" cannot be read",
  } do
    local path = write("brand/bad.json", text)
    local err = T.raises(function() brand.load(path) end, (want:gsub("%p", "%%%0")))
    T.eq(tostring(err):find("\n"), nil, "one line: " .. tostring(err))
  end
  T.raises(function() brand.load(tmp .. "/brand/none.json") end, "cannot read %-%-brand")
end)

-- The workflow on the sandbox ----------------------------------------------------------------

local STORE = tmp .. "/cfg/duo-lua/sandbox.mappings.json"

-- The demo tenant's users of one account, listed independently of the workflow.
local LISTS = write("lists.lua", [[
local duo = require "duo"
local json = require "duo.json"
local c = duo.accounts():child(arg[1])
local out = { not_enrolled = json.array{}, bypass = json.array{}, locked_out = json.array{} }
for _, u in ipairs(c:get_users()) do
  if not u.is_enrolled and u.status ~= "disabled" then table.insert(out.not_enrolled, u.username) end
  if u.status == "bypass" then table.insert(out.bypass, u.username) end
  if u.status == "locked out" then table.insert(out.locked_out, u.username) end
end
for _, l in pairs(out) do table.sort(l) end
print(json.encode(out))
]])

T.test("report --org on the demo tenant: by name or id, the users to act on as the tenant has them", function()
  local code, out, err = run("--sandbox -w user-counts --format json")
  T.eq(code, 0, err)
  local account
  for _, c in ipairs(json.decode(out)) do if c.name == "Fairview Med. Ctr." then account = c end end
  code, _, err = run("--sandbox -w mappings set --org 'Fairview Medical Center' --id PSA-42 --account "
                     .. account.account_id .. " --yes")
  T.eq(code, 0, err)
  code, out, err = run("--sandbox " .. LISTS .. " " .. account.account_id)
  T.eq(code, 0, err)
  local want = json.decode(out)
  T.truthy(#want.not_enrolled > 0 and #want.bypass > 0 and #want.locked_out > 0, "the demo has each kind: " .. out)
  for _, handle in ipairs{ "'Fairview Medical Center'", "'fairview medical center'", "PSA-42" } do
    code, _, err = run("--sandbox -w report --org " .. handle .. " --output org.html")
    T.eq(code, 0, err)
    T.truthy(err:find("wrote org.html (the page of 'Fairview Medical Center')", 1, true), err)
    local page = read(tmp .. "/org.html")
    T.truthy(page:find("<title>Fairview Medical Center</title>", 1, true), handle)
    T.eq(text_of(page):lower():find("fleet", 1, true), nil, "no fleet wording")
    T.eq(page:find("Fairview Med. Ctr.", 1, true), nil, "the organization's name, not Duo's")
    T.same(lists_of(page), want, handle)
    T.truthy(page:find('data-key="total" data-value="' .. account.total .. '"', 1, true), "the total")
    T.truthy(page:find('data-org-id="PSA-42"', 1, true))
  end
end)

T.test("report --org --since: the change since an earlier user-counts", function()
  local code, out, err = run("--sandbox -w user-counts --format json")
  T.eq(code, 0, err)
  local counts = json.decode(out)
  local id = json.decode(read(STORE)).organizations[1].duo_account_id
  local total
  for _, c in ipairs(counts) do
    if c.account_id == id then c.total, c.bypass, total = c.total - 3, c.bypass + 2, c.total end
  end
  write("earlier.json", json.encode(counts))
  code, _, err = run("--sandbox -w report --org PSA-42 --since earlier.json --output since.html")
  T.eq(code, 0, err)
  local page = read(tmp .. "/since.html")
  T.truthy(page:find('data-change-key="total" data-change="3">+3 since earlier.json', 1, true), "total: +3")
  T.truthy(page:find('data-change-key="bypass" data-change="-2">-2 since earlier.json', 1, true), "bypass: -2")
  T.truthy(page:find('data-change-key="enrolled" data-change="0">no change', 1, true))
  T.truthy(total > 3)
  -- an earlier file without that account: n/a, not an error
  write("other.json", "[]")
  code, _, err = run("--sandbox -w report --org PSA-42 --since other.json --output other.html")
  T.eq(code, 0, err)
  T.truthy(read(tmp .. "/other.html"):find('data-change-key="total" data-change="">n/a since other.json', 1, true))
end)

T.test("report --org --brand: the MSP's name, accent and embedded logo; still one file", function()
  write("brand/logo.png", PNG)
  write("brand/b.json", json.encode{ name = "Blue MSP", accent = "#1f6feb", logo = "logo.png" })
  local code, _, err = run("--sandbox -w report --org PSA-42 --brand brand/b.json --output brand.html")
  T.eq(code, 0, err)
  local page = read(tmp .. "/brand.html")
  T.truthy(page:find('<img class="logo" src="data:image/png;base64,', 1, true), "the logo embedded")
  T.truthy(page:find("--accent: #1f6feb;", 1, true))
  T.truthy(page:find("by Blue MSP", 1, true))
  for src in page:gmatch('src="([^"]*)"') do T.truthy(src:find("^data:"), "only data: sources: " .. src) end
  T.eq(page:find("href=", 1, true), nil)
  -- the fleet page takes the brand too
  code, _, err = run("--sandbox -w report --brand brand/b.json --output fleet.html")
  T.eq(code, 0, err)
  T.truthy(read(tmp .. "/fleet.html"):find('<span class="brand-name">Blue MSP</span>', 1, true))
end)

T.test("report --org: errors in one line, nothing written", function()
  write("badbrand.json", '{"accent": "blue"}')
  W.one_line_errors("--sandbox -w report --output err.html", {
    ["--org 'Nobody Inc'"] = "no organization 'Nobody Inc' in the mapping store",
    ["--org PSA-42 --brand badbrand.json"] = "\"accent\" must be a colour",
  }, 1, function(args) T.eq(read(tmp .. "/err.html"), nil, args .. ": nothing written") end)
  -- an input file that is not there is a usage error (SPEC section 1)
  W.one_line_errors("--sandbox -w report --output err.html", {
    ["--org PSA-42 --since nothere.json"] = "cannot read --since",
    ["--org PSA-42 --brand nothere.json"] = "cannot read --brand",
  }, 2, function(args) T.eq(read(tmp .. "/err.html"), nil, args .. ": nothing written") end)
  local code, _, err = run("--sandbox -w report --since earlier.json --output err.html")
  T.eq(code, 2, err)
  T.truthy(err:find("--since goes with one --org", 1, true), err)
  write("cfg/duo-lua/sandbox.mappings.json", json.encode{ organizations = { { name = "No Account Co" } } })
  code, _, err = run("--sandbox -w report --org 'No Account Co' --output err.html")
  T.eq(code, 1, err)
  T.truthy(err:find("the organization 'No Account Co' has no Duo account", 1, true), err)
end)

W.remove()
T.done()
