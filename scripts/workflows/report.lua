-- report: the fleet as one self-contained HTML page with charts, to open in a browser or print
-- (SPEC section 6). Reads the children with workflows/lib/fleet.lua and
-- renders with workflows/lib/report_html.lua.
local args = require "workflows.lib.args"
local fleet = require "workflows.lib.fleet"
local fanout = require "workflows.lib.fanout"
local output = require "workflows.lib.output"
local report_html = require "workflows.lib.report_html"
local termtext = require "duo.termtext"
local errors = require "duo.error"

local NAME = "report"
local HELP = [[
usage: duo-lua -w report --output FILE.html [--account NAME|ID]... [--brand FILE]
       duo-lua -w report --org NAME|ID --output FILE.html [--since FILE] [--brand FILE]

Writes one self-contained HTML page (no external scripts, styles, fonts or
images) about the child accounts: an overview of the fleet (children,
users, enrollment rate, bypass, disabled and locked-out users,
administrators, editions, telephony credits, authentication outcomes of
the last 30 days) and a table with one row per child, sortable by column,
with small bar charts. The user counts are those of user-counts. A figure
Duo does not give (billing endpoints not enabled, a permission the keys
lack) shows as n/a; a child that cannot be read shows its error and does
not stop the others (the exit status is then 1).

With one --org (an organization of the mapping store, by name or id), the
page is that client's, to send to the client: the organization's name as
its title, its figures, the users to act on by name (not enrolled, in
bypass, locked out) and, with --since, the change since an earlier count.

  --output FILE   the page to write (default: standard output)
  --org O         one organization: its client page; with more than one,
                  or with --tag, the fleet page of those organizations
  --since FILE    with one --org: an earlier user-counts --format json
                  output; the page shows the change since then
  --brand FILE    the MSP's look: a JSON object {"name": "…", "logo": "…",
                  "accent": "#1f6feb"}; logo is an image file (PNG, JPEG, GIF,
                  WebP or SVG; a path relative to the brand file) or a data:
                  URI, embedded in the page
  --account A     only this child account (name or ID; may repeat); one
                  account makes that child's page
  --exclude-account A  leave this child account out (may repeat)
  --org O, --tag T  only the accounts of these organizations (name or id)
                  or tags of the mapping store (may repeat; --exclude-org O,
                  --exclude-tag T leave them out); --account also takes an
                  organization's name
  --profile P     the profile (default: the configured default)
  -h, --help      this text
]]

local opts, rest = args.parse({
  name = NAME, help = HELP,
  options = args.with_fanout{ output = args.OUTPUT, since = { value = "FILE" }, brand = { value = "FILE" } },
}, { ... })
if opts == nil then return rest end

local client_page = #opts.org == 1 and #opts.account == 0 and #opts.tag == 0
if opts.since and not client_page then
  return args.usage_error(NAME, "--since goes with one --org (a client's page)")
end

local duo = require "duo"
local brand = opts.brand and require("workflows.lib.brand").load(opts.brand)
local earlier = opts.since and fleet.read_since(opts.since)
local generated = os.date("!%Y-%m-%d %H:%M UTC")

local rows, failed, page, client_name
if client_page then
  local store_mod = require "workflows.lib.store"
  local paths = require "duo.path"
  local json = require "duo.json"
  local _, profile, store = store_mod.locate(opts.org[1])
  local org = store_mod.find(store, opts.org[1])
  if org == nil then
    errors.config("no organization '%s' in the mapping store %s (duo-lua -w mappings list shows them)", opts.org[1],
                  store.path)
  end
  if org.duo_account_id == nil then
    errors.config("the organization '%s' has no Duo account (duo-lua -w mappings set --org '%s' --account ID)",
                  org.name, org.name)
  end
  rows, failed = fleet.read(duo.accounts(profile), { details = true, users = true, account = { org.duo_account_id } })
  client_name = org.name
  local change
  if earlier then
    change = fleet.change(rows[1], earlier[org.duo_account_id])
    if change == json.null then change = {} end   -- not in the earlier file: n/a
  end
  page = report_html.render_client{
    org = { name = org.name, id = org.id }, row = rows[1], change = change,
    since = opts.since and paths.basename(opts.since), auth_days = fleet.AUTH_DAYS, generated = generated,
    brand = brand,
  }
else
  local selection = fanout.selection(opts)
  selection.details = true
  rows, failed = fleet.read(duo.accounts(), selection)
  page = report_html.render{
    rows = rows, single = #opts.account == 1 and #opts.org == 0 and #opts.tag == 0, auth_days = fleet.AUTH_DAYS,
    generated = generated, brand = brand,
  }
end

local out, finish = output.open(opts.output)
out:write(page)
finish()
if opts.output and opts.output ~= "-" then
  io.stderr:write(termtext.format("duo-lua: report: wrote %s (%s)\n", opts.output, client_page
                                  and string.format("the page of '%s'", client_name)
                                  or string.format("%d child account%s", #rows, #rows == 1 and "" or "s")))
end

if failed > 0 then
  io.stderr:write(termtext.format("duo-lua: report: %d of %d child accounts could not be read\n", failed, #rows))
  return 1
end
return 0
