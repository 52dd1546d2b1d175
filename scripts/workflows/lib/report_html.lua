-- The fleet report as one self-contained HTML page: an overview of the
-- fleet, then a table with one row per child account, sortable by column
-- (a few lines of inline script), with small inline SVG bars, readable
-- when printed. Nothing is loaded from anywhere. A pure function of the
-- rows that workflows/lib/fleet.lua reads (with details); single makes
-- one child account's page, titled with its name. render_client makes the
-- page of one client organization (report --org): its name as the title,
-- its figures, the users to act on by name and the change since an
-- earlier count, in the MSP's brand (workflows/lib/brand.lua) if given;
-- no script at all.
--
--   local report_html = require "workflows.lib.report_html"
--   local text = report_html.render{ rows = rows, generated = "2026-11-29 18:00 UTC",
--                                     auth_days = 30, single = false, brand = b }
--   local text = report_html.render_client{ org = { name = "Acme Corp", id = "C1" }, row = row,
--                                            change = { total = 3, ... } or nil, since = "march.json",
--                                            generated = "…", auth_days = 30, brand = b }
--
-- Every number the page shows sits in an element with data-key (the field
-- name, as in user-counts --format json) and data-value (the number, empty
-- for n/a): per child in <tr data-account-id>, for the fleet in the
-- overview, so programs can read the page back.
local json = require "duo.json"
local options = require "duo.options"
local svg = require "workflows.lib.svgchart"

local M = {}

local esc = svg.escape
local num = svg.number

local COLORS = {
  enrolled = "#2e8b57", not_enrolled = "#d9d9d9",
  active = "#2e8b57", bypass = "#e39b2d", disabled = "#8c8c8c", locked_out = "#c0392b",
  pending_deletion = "#8e6bb8", other = "#b8c4d6",
  SUCCESS = "#2e8b57", DENIED = "#c0392b", FAILURE = "#c0392b", FRAUD = "#7b1fa2", ERROR = "#e39b2d",
  edition = "#3b6fb6",
}
local AUTH_ORDER = { "SUCCESS", "DENIED", "FAILURE", "FRAUD", "ERROR" }
local STATUS_PARTS = { { "active", "active" }, { "bypass", "bypass" }, { "disabled", "disabled" },
                       { "locked_out", "locked out" }, { "pending_deletion", "pending deletion" } }

local FIELDS = { rows = "table", generated = "string", auth_days = "integer", single = "boolean", brand = "table" }
local CLIENT_FIELDS = { org = "table", row = "table", change = "table", since = "string", generated = "string",
                        auth_days = "integer", brand = "table" }

local function is_number(v)
  return math.type(v) ~= nil
end

local function percent(part, whole)
  if not is_number(part) or not is_number(whole) or whole == 0 then return nil end
  return part * 100 / whole
end

local function percent_text(p)
  if p == nil then return "n/a" end
  return string.format("%.1f\u{a0}%%", p)
end

-- The results of an auth table in display order (known ones first).
local function auth_results(auth)
  local order, seen = {}, {}
  for _, r in ipairs(AUTH_ORDER) do
    if auth[r] then order[#order + 1] = r; seen[r] = true end
  end
  local rest = {}
  for r in pairs(auth) do
    if not seen[r] then rest[#rest + 1] = r end
  end
  table.sort(rest)
  for _, r in ipairs(rest) do order[#order + 1] = r end
  return order
end

local function auth_total(auth)
  local n = 0
  for _, v in pairs(auth) do n = n + v end
  return n
end

-- Fleet-wide figures: sums of what is known, and how many children each
-- figure is missing for.
local function summarise(rows)
  local s = { children = #rows, failed = 0, users = 0, enrolled = 0, active = 0, bypass = 0, disabled = 0,
              locked_out = 0, pending_deletion = 0, admins = 0, telephony_credits = 0, auth = {},
              editions = {}, missing = { admins = 0, telephony_credits = 0, auth = 0, edition = 0 } }
  for _, row in ipairs(rows) do
    if row.error ~= json.null and row.error ~= nil then s.failed = s.failed + 1 end
    if is_number(row.total) then
      s.users = s.users + row.total
      for _, k in ipairs{ "enrolled", "active", "bypass", "disabled", "locked_out", "pending_deletion" } do
        s[k] = s[k] + row[k]
      end
    end
    for _, k in ipairs{ "admins", "telephony_credits" } do
      if is_number(row[k]) then s[k] = s[k] + row[k] else s.missing[k] = s.missing[k] + 1 end
    end
    if type(row.auth) == "table" and getmetatable(row.auth) == nil then
      for r, n in pairs(row.auth) do s.auth[r] = (s.auth[r] or 0) + n end
    else
      s.missing.auth = s.missing.auth + 1
    end
    local edition = type(row.edition) == "string" and row.edition or "n/a"
    if edition == "n/a" then s.missing.edition = s.missing.edition + 1 end
    s.editions[edition] = (s.editions[edition] or 0) + 1
  end
  return s
end

-- One figure; note (text) and extra (markup) go below it.
local function figure(key, label, value, shown, note, extra)
  local v = is_number(value) and num(value) or ""
  return string.format('<div class="figure"><div class="num" data-key="%s" data-value="%s">%s</div>'
                       .. '<div class="what">%s</div>%s%s</div>', key, v, esc(shown or (v ~= "" and v or "n/a")),
                       esc(label), note and ('<div class="note">' .. esc(note) .. "</div>") or "", extra or "")
end

local function missing_note(n, total)
  if n == 0 then return nil end
  if n == total then return "not available" end
  return string.format("n/a for %d of %d", n, total)
end

-- The users-by-status chart of counts (a row, or the fleet's sums).
local function status_chart(counts)
  local status = {}
  for _, p in ipairs(STATUS_PARTS) do
    status[#status + 1] = { label = p[2], value = counts[p[1]], color = COLORS[p[1]] }
  end
  return '<figure><figcaption>Users by status</figcaption>' .. svg.hbars(status, { title = "users by status" })
         .. "</figure>"
end

-- The bars of authentication outcomes (result -> count).
local function auth_bars(auth)
  local outcomes = {}
  for _, r in ipairs(auth_results(auth)) do
    outcomes[#outcomes + 1] = { label = r:lower(), value = auth[r], color = COLORS[r] or COLORS.other }
  end
  return outcomes
end

local function overview(s, auth_days)
  local out = {}
  local rate = percent(s.enrolled, s.users)
  out[#out + 1] = '<section class="overview"><h2>Fleet overview</h2><div class="figures">'
  out[#out + 1] = figure("children", "child accounts", s.children, nil,
                         s.failed > 0 and string.format("%d could not be read", s.failed) or nil)
  out[#out + 1] = figure("total", "users", s.users)
  out[#out + 1] = figure("enrolled", "enrolled", s.enrolled)
  out[#out + 1] = string.format('<div class="figure"><div class="num" data-key="enrollment_rate" data-value="%s">'
                                .. '%s</div><div class="what">enrollment rate</div></div>',
                                rate and string.format("%.1f", rate) or "", esc(percent_text(rate)))
  out[#out + 1] = figure("bypass", "in bypass", s.bypass)
  out[#out + 1] = figure("disabled", "disabled", s.disabled)
  out[#out + 1] = figure("locked_out", "locked out", s.locked_out)
  local all = s.children
  out[#out + 1] = figure("admins", "administrators", s.missing.admins < all and s.admins or nil, nil,
                         missing_note(s.missing.admins, all))
  out[#out + 1] = figure("telephony_credits", "telephony credits",
                         s.missing.telephony_credits < all and s.telephony_credits or nil, nil,
                         missing_note(s.missing.telephony_credits, all))
  out[#out + 1] = "</div>"

  -- charts: user status, editions, authentication outcomes
  out[#out + 1] = '<div class="charts">'
  out[#out + 1] = status_chart(s)
  local editions, names = {}, {}
  for e in pairs(s.editions) do names[#names + 1] = e end
  table.sort(names, function(a, b)
    if s.editions[a] ~= s.editions[b] then return s.editions[a] > s.editions[b] end
    return a < b
  end)
  for _, e in ipairs(names) do
    editions[#editions + 1] = { label = e, value = s.editions[e], color = e == "n/a" and COLORS.other or COLORS.edition }
  end
  out[#out + 1] = '<figure><figcaption>Editions (child accounts)</figcaption>'
                  .. svg.hbars(editions, { title = "editions" }) .. "</figure>"
  local outcomes = auth_bars(s.auth)
  local caption = string.format("Authentications, last %d days", auth_days)
  if #outcomes == 0 then
    local why = s.missing.auth == all and "not available" or "none"
    out[#out + 1] = string.format('<figure><figcaption>%s</figcaption><p class="empty" data-key="auth" '
                                  .. 'data-value="">%s</p></figure>', esc(caption), why)
  else
    local note = missing_note(s.missing.auth, all)
    out[#out + 1] = string.format('<figure><figcaption>%s</figcaption>%s%s</figure>', esc(caption),
                                  svg.hbars(outcomes, { title = "authentication outcomes" }),
                                  note and ('<p class="note">' .. esc(note) .. "</p>") or "")
  end
  out[#out + 1] = "</div></section>"
  return table.concat(out)
end

local COLUMNS = {
  { key = "name", title = "Account", text = true },
  { key = "total", title = "Users" },
  { key = "enrolled", title = "Enrolled" },
  { key = "active", title = "Active" },
  { key = "bypass", title = "Bypass" },
  { key = "disabled", title = "Disabled" },
  { key = "locked_out", title = "Locked out" },
  { key = "pending_deletion", title = "Pending deletion" },
  { key = "admins", title = "Admins" },
  { key = "edition", title = "Edition", text = true },
  { key = "telephony_credits", title = "Telephony credits" },
  { key = "auth", title = "Auth (%d d)" },
}

local function cell(key, value, content, title)
  local v = ""
  if is_number(value) then v = num(value) elseif type(value) == "string" then v = esc(value) end
  return string.format('<td data-key="%s" data-value="%s"%s>%s</td>', key, v,
                       title and (' title="' .. esc(title) .. '"') or "", content or (v ~= "" and v or "n/a"))
end

local function reason(row, key)
  return type(row.unavailable) == "table" and row.unavailable[key] or nil
end

local function child_row(row)
  local out = {}
  local failed = row.error ~= json.null and row.error ~= nil
  out[#out + 1] = string.format('<tr data-account-id="%s"%s>', esc(row.account_id), failed and ' class="failed"' or "")
  out[#out + 1] = string.format('<td data-key="name" data-value="%s"><span class="name">%s</span>'
                                .. '<span class="id">%s</span>%s</td>', esc(row.name:lower()), esc(row.name),
                                esc(row.account_id),
                                failed and ('<span class="error">could not be read: ' .. esc(row.error) .. "</span>")
                                or "")
  local status_bar
  if is_number(row.total) then
    local parts, counted = {}, 0
    for _, p in ipairs(STATUS_PARTS) do
      parts[#parts + 1] = { label = p[2], value = row[p[1]], color = COLORS[p[1]] }
      counted = counted + row[p[1]]
    end
    parts[#parts + 1] = { label = "other", value = math.max(0, row.total - counted), color = COLORS.other }
    status_bar = string.format('<span class="n">%s</span>%s', num(row.total),
                               svg.stacked(parts, { width = 60, height = 8 }))
  end
  out[#out + 1] = cell("total", row.total, status_bar)
  local rate = percent(row.enrolled, row.total)
  local bar = ""
  if is_number(row.enrolled) then
    bar = svg.stacked({ { label = "enrolled", value = row.enrolled, color = COLORS.enrolled },
                        { label = "not enrolled", value = row.total - row.enrolled, color = COLORS.not_enrolled } },
                      { width = 80, height = 8 })
  end
  out[#out + 1] = cell("enrolled", row.enrolled,
                       is_number(row.enrolled) and string.format('<span class="n">%s</span> <span class="pct">%s</span>%s',
                                                                 num(row.enrolled), esc(percent_text(rate)), bar) or nil)
  for _, k in ipairs{ "active", "bypass", "disabled", "locked_out", "pending_deletion" } do
    out[#out + 1] = cell(k, row[k], nil)
  end
  out[#out + 1] = cell("admins", row.admins, nil, reason(row, "admins"))
  out[#out + 1] = cell("edition", type(row.edition) == "string" and row.edition or nil, nil, reason(row, "edition"))
  out[#out + 1] = cell("telephony_credits", row.telephony_credits, nil, reason(row, "telephony_credits"))
  if type(row.auth) == "table" and getmetatable(row.auth) == nil then
    local parts = auth_bars(row.auth)
    local total = auth_total(row.auth)
    out[#out + 1] = cell("auth", total, string.format('<span class="n">%s</span>%s', num(total),
                                                      svg.stacked(parts, { width = 80, height = 8 })))
  else
    out[#out + 1] = cell("auth", nil, nil, reason(row, "auth"))
  end
  out[#out + 1] = "</tr>"
  return table.concat(out)
end

local STYLE = [[
:root { color-scheme: light; }
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: #1d2330; margin: 24px; background: #fff; }
h1 { font-size: 22px; margin: 0 0 2px; border-left: 4px solid var(--accent); padding-left: 8px; }
:root { --accent: #3b6fb6; }
.brand { display: flex; align-items: center; gap: 10px; margin-bottom: 8px; }
.brand .logo { max-height: 40px; max-width: 200px; }
.brand-name { font-weight: 600; color: #5b6475; }
.change { display: block; font-size: 11px; color: #5b6475; }
.change.better { color: #2e6b3f; }
.change.worse { color: #a33a2d; }
.actions { display: flex; flex-wrap: wrap; gap: 16px; }
.action { flex: 1 1 240px; border: 1px solid #dde2ea; border-top: 3px solid var(--accent); border-radius: 6px;
          padding: 6px 10px; }
.action h3 { font-size: 14px; margin: 0 0 4px; }
.action ul { margin: 0; padding-left: 18px; columns: 2; }
.action li .email { color: #8590a3; font-size: 12px; }
p.error { color: #c0392b; }
h2 { font-size: 16px; margin: 24px 0 8px; }
.meta { color: #5b6475; margin: 0 0 8px; }
.figures { display: flex; flex-wrap: wrap; gap: 8px; }
.figure { flex: 1 0 auto; border: 1px solid #dde2ea; border-radius: 6px; padding: 6px 10px; }
.figure .num { font-size: 20px; font-weight: 600; white-space: nowrap; }
.figure .what { color: #5b6475; font-size: 12px; }
.note, .figure .note { color: #8a6d1f; font-size: 11px; }
.charts { display: flex; flex-wrap: wrap; gap: 24px; margin-top: 12px; }
figure { margin: 0; }
figcaption { font-weight: 600; margin-bottom: 6px; }
svg text { font-size: 12px; fill: #1d2330; }
svg text.label { text-anchor: end; }
.empty { color: #5b6475; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 8px; border-bottom: 1px solid #e6e9ef; text-align: right; white-space: nowrap; }
th { white-space: normal; vertical-align: bottom; }
th[data-type="text"], td:first-child, td[data-key="edition"] { text-align: left; }
th { background: #f3f5f8; position: sticky; top: 0; cursor: pointer; user-select: none; font-size: 12px; }
th[aria-sort="ascending"]::after { content: " \25B2"; }
th[aria-sort="descending"]::after { content: " \25BC"; }
td .name { display: block; font-weight: 600; white-space: normal; min-width: 12em; }
td .id { display: block; color: #8590a3; font-size: 11px; }
td .error { display: block; color: #c0392b; font-size: 12px; white-space: normal; }
td .pct { color: #5b6475; font-size: 12px; }
td svg.bar { display: block; margin: 2px 0 0 auto; }
tfoot td { font-weight: 600; border-top: 2px solid #c9cfd9; }
tr.failed td { background: #fdf1f0; }
.hint { color: #8590a3; font-size: 12px; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { margin: 0; font-size: 11px; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .hint { display: none; }
  th { position: static; cursor: auto; }
  thead { display: table-header-group; }
  tr, figure, .figure { break-inside: avoid; }
  th, td { padding: 2px 5px; }
}
]]

-- Click a column title to sort by it; again to reverse. Empty values
-- (n/a) sort below every number.
local SCRIPT = [[
document.querySelectorAll("table.children th").forEach(function (th, col) {
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0], text = th.dataset.type === "text";
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    th.parentNode.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
    var key = function (tr) { var v = tr.cells[col].dataset.value; return text ? v : (v === "" ? -Infinity : +v); };
    Array.prototype.slice.call(body.rows).sort(function (a, b) {
      var x = key(a), y = key(b);
      return dir * (text ? x.localeCompare(y) : x - y);
    }).forEach(function (tr) { body.appendChild(tr); });
  });
});
// report.html#sort=total (or #sort=-total, descending) opens sorted
var m = /^#sort=(-?)(\w+)$/.exec(location.hash);
var th = m && document.querySelector('table.children th[data-key="' + m[2] + '"]');
if (th) { th.click(); if (m[1]) th.click(); }
]]

-- The page up to its header's title: the document head (styles, the
-- brand's accent colour) and the brand's logo and name.
local function head(title, brand)
  brand = brand or {}
  local out = {}
  out[#out + 1] = '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
  out[#out + 1] = '<meta name="viewport" content="width=device-width, initial-scale=1">'
  out[#out + 1] = "<title>" .. esc(title) .. "</title><style>" .. STYLE
  if brand.accent then   -- checked by brand.load: #rgb or #rrggbb only
    out[#out + 1] = string.format(":root { --accent: %s; }\n", brand.accent)
  end
  out[#out + 1] = "</style></head><body><header>"
  if brand.logo or brand.name then
    out[#out + 1] = '<div class="brand">'
    if brand.logo then
      out[#out + 1] = string.format('<img class="logo" src="%s" alt="%s">', esc(brand.logo), esc(brand.name or "logo"))
    end
    if brand.name then out[#out + 1] = '<span class="brand-name">' .. esc(brand.name) .. "</span>" end
    out[#out + 1] = "</div>"
  end
  out[#out + 1] = "<h1>" .. esc(title) .. "</h1>"
  return table.concat(out)
end

function M.render(data)
  data = options.check(data, FIELDS, "report_html.render", 1)
  if data.rows == nil then options.arg_error("report_html.render", 1, "'rows' is required") end
  local rows, auth_days = data.rows, data.auth_days or 30
  local s = summarise(rows)
  local title = data.single and #rows == 1 and ("Duo report: " .. rows[1].name) or "Duo fleet report"
  local out = { head(title, data.brand) }
  out[#out + 1] = string.format('<p class="meta">%d child account%s, generated %s by duo-lua. Authentications '
                                .. 'cover the last %d days; n/a marks a figure Duo did not give.</p></header>',
                                #rows, #rows == 1 and "" or "s", esc(data.generated or ""), auth_days)
  out[#out + 1] = overview(s, auth_days)
  out[#out + 1] = '<section><h2>Child accounts</h2><p class="hint">Click a column title to sort.</p>'
  out[#out + 1] = '<table class="children"><thead><tr>'
  for _, c in ipairs(COLUMNS) do
    out[#out + 1] = string.format('<th data-key="%s"%s>%s</th>', c.key, c.text and ' data-type="text"' or "",
                                  esc(string.format(c.title, auth_days)))
  end
  out[#out + 1] = "</tr></thead><tbody>"
  for _, row in ipairs(rows) do out[#out + 1] = child_row(row) end
  out[#out + 1] = "</tbody>"
  if #rows > 1 then
    local rate = percent(s.enrolled, s.users)
    out[#out + 1] = string.format('<tfoot><tr><td>All (%d)</td><td>%s</td><td>%s <span class="pct">%s</span></td>',
                                  #rows, num(s.users), num(s.enrolled), esc(percent_text(rate)))
    for _, k in ipairs{ "active", "bypass", "disabled", "locked_out", "pending_deletion" } do
      out[#out + 1] = "<td>" .. num(s[k]) .. "</td>"
    end
    out[#out + 1] = string.format("<td>%s</td><td></td><td>%s</td><td>%s</td></tr></tfoot>",
                                  s.missing.admins < #rows and num(s.admins) or "n/a",
                                  s.missing.telephony_credits < #rows and num(s.telephony_credits) or "n/a",
                                  s.missing.auth < #rows and num(auth_total(s.auth)) or "n/a")
  end
  out[#out + 1] = "</table></section>"
  out[#out + 1] = "<script>" .. SCRIPT .. "</script></body></html>\n"
  return table.concat(out)
end

-- One client organization's page -----------------------------------------------------

local ACTIONS = {
  { key = "not_enrolled", title = "Not enrolled", hint = "These users have not enrolled a device yet: ask them to "
                                                         .. "enroll, or remove the accounts no one uses." },
  { key = "bypass", title = "In bypass", hint = "These users log in without a second factor: end bypass where it is "
                                                .. "no longer needed." },
  { key = "locked_out", title = "Locked out", hint = "These users cannot log in until they are unlocked." },
}

-- Which way a count is better going: more users enrolled, fewer in bypass.
local BETTER_UP = { total = true, enrolled = true }

local function change_note(key, change, since)
  if change == nil then return "" end
  local d = change[key]
  if math.type(d) ~= "integer" then
    return string.format('<span class="change" data-change-key="%s" data-change="">n/a since %s</span>', key,
                         esc(since or "then"))
  end
  return string.format('<span class="change%s" data-change-key="%s" data-change="%d">%s since %s</span>',
                       d == 0 and "" or ((d > 0) == (BETTER_UP[key] == true) and " better" or " worse"), key, d, d == 0 and "no change" or
                       string.format("%+d", d), esc(since or "then"))
end

local function client_figure(key, label, value, shown, change, since)
  return figure(key, label, value, shown, nil, change_note(key, change, since))
end

function M.render_client(data)
  data = options.check(data, CLIENT_FIELDS, "report_html.render_client", 1)
  for _, k in ipairs{ "org", "row" } do
    if data[k] == nil then options.arg_error("report_html.render_client", 1, "'" .. k .. "' is required") end
  end
  local org, row, auth_days = data.org, data.row, data.auth_days or 30
  local change, since = data.change, data.since
  local failed = row.error ~= json.null and row.error ~= nil
  local out = { head(org.name, data.brand) }
  out[#out + 1] = string.format('<p class="meta">Duo security report%s, generated %s%s. Authentications cover the '
                                .. 'last %d days; n/a marks a figure Duo did not give.</p></header>',
                                org.id and (" for " .. esc(org.id)) or "", esc(data.generated or ""),
                                data.brand and data.brand.name and (" by " .. esc(data.brand.name)) or "",
                                auth_days)
  out[#out + 1] = string.format('<main data-account-id="%s" data-org-id="%s">', esc(row.account_id),
                                esc(org.id or ""))
  if failed then
    out[#out + 1] = '<p class="error">The Duo account could not be read: ' .. esc(row.error) .. "</p>"
  end

  -- the figures
  local rate = percent(row.enrolled, row.total)
  out[#out + 1] = '<section class="overview"><h2>At a glance</h2><div class="figures">'
  out[#out + 1] = client_figure("total", "users", row.total, nil, change, since)
  out[#out + 1] = client_figure("enrolled", "enrolled", row.enrolled, nil, change, since)
  out[#out + 1] = string.format('<div class="figure"><div class="num" data-key="enrollment_rate" data-value="%s">'
                                .. '%s</div><div class="what">enrollment rate</div></div>',
                                rate and string.format("%.1f", rate) or "", esc(percent_text(rate)))
  for _, k in ipairs{ { "bypass", "in bypass" }, { "locked_out", "locked out" }, { "disabled", "disabled" } } do
    out[#out + 1] = client_figure(k[1], k[2], row[k[1]], nil, change, since)
  end
  out[#out + 1] = client_figure("admins", "administrators", is_number(row.admins) and row.admins or nil)
  out[#out + 1] = client_figure("edition", "edition", nil, type(row.edition) == "string" and row.edition or "n/a")
  out[#out + 1] = client_figure("telephony_credits", "telephony credits",
                                is_number(row.telephony_credits) and row.telephony_credits or nil)
  out[#out + 1] = "</div></section>"

  -- the action items, by name
  out[#out + 1] = '<section class="todo"><h2>To act on</h2><div class="actions">'
  local users = type(row.users) == "table" and row.users or {}
  for _, a in ipairs(ACTIONS) do
    local list = users[a.key] or {}
    out[#out + 1] = string.format('<div class="action" data-list="%s" data-count="%d"><h3>%s (%d)</h3>', a.key,
                                  #list, esc(a.title), #list)
    if failed then
      out[#out + 1] = '<p class="empty">Not known: the Duo account could not be read.</p>'
    elseif #list == 0 then
      out[#out + 1] = '<p class="empty">None.</p>'
    else
      out[#out + 1] = '<p class="hint">' .. esc(a.hint) .. "</p><ul>"
      for _, u in ipairs(list) do
        out[#out + 1] = string.format('<li data-username="%s"><span class="username">%s</span>%s</li>',
                                      esc(u.username), esc(u.username),
                                      u.email ~= "" and (' <span class="email">' .. esc(u.email) .. "</span>") or "")
      end
      out[#out + 1] = "</ul>"
    end
    out[#out + 1] = "</div>"
  end
  out[#out + 1] = "</div></section>"

  -- the charts: users by status, authentication outcomes
  out[#out + 1] = '<section><h2>Users and logins</h2><div class="charts">'
  if is_number(row.total) then out[#out + 1] = status_chart(row) end
  local caption = string.format("Authentications, last %d days", auth_days)
  if type(row.auth) == "table" and getmetatable(row.auth) == nil and next(row.auth) then
    out[#out + 1] = string.format('<figure><figcaption>%s</figcaption>%s</figure>', esc(caption),
                                  svg.hbars(auth_bars(row.auth), { title = "authentication outcomes" }))
  else
    out[#out + 1] = string.format('<figure><figcaption>%s</figcaption><p class="empty" data-key="auth" '
                                  .. 'data-value="">%s</p></figure>', esc(caption),
                                  type(row.auth) == "table" and getmetatable(row.auth) == nil and "none"
                                  or "not available")
  end
  out[#out + 1] = "</div></section></main></body></html>\n"
  return table.concat(out)
end

return M
