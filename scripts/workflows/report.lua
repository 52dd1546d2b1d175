-- report: the fleet as one self-contained HTML page with charts, to open in a browser or print
-- (SPEC section 6). Reads the children with workflows/lib/fleet.lua and
-- renders with workflows/lib/report_html.lua.
local args = require "workflows.lib.args"
local fleet = require "workflows.lib.fleet"
local fanout = require "workflows.lib.fanout"
local output = require "workflows.lib.output"
local report_html = require "workflows.lib.report_html"
local termtext = require "duo.termtext"

local NAME = "report"
local HELP = [[
usage: duo-lua -w report --output FILE.html [--account NAME|ID]...

Writes one self-contained HTML page (no external scripts, styles, fonts or
images) about the child accounts: an overview of the fleet (children,
users, enrollment rate, bypass, disabled and locked-out users,
administrators, editions, telephony credits, authentication outcomes of
the last 30 days) and a table with one row per child, sortable by column,
with small bar charts. The user counts are those of user-counts. A figure
Duo does not give (billing endpoints not enabled, a permission the keys
lack) shows as n/a; a child that cannot be read shows its error and does
not stop the others (the exit status is then 1).

  --output FILE   the page to write (default: standard output)
  --account A     only this child account (name or ID; may repeat); one
                  account makes that client's page
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
  options = args.with_fanout{ output = args.OUTPUT },
}, { ... })
if opts == nil then return rest end

local duo = require "duo"

local selection = fanout.selection(opts)
selection.details = true
local rows, failed = fleet.read(duo.accounts(), selection)
local page = report_html.render{
  rows = rows, single = #(opts.account or {}) == 1, auth_days = fleet.AUTH_DAYS,
  generated = os.date("!%Y-%m-%d %H:%M UTC"),
}

local out, finish = output.open(opts.output)
out:write(page)
finish()
if opts.output and opts.output ~= "-" then
  io.stderr:write(termtext.format("duo-lua: report: wrote %s (%d child account%s)\n", opts.output, #rows,
                                #rows == 1 and "" or "s"))
end

if failed > 0 then
  io.stderr:write(termtext.format("duo-lua: report: %d of %d child accounts could not be read\n", failed, #rows))
  return 1
end
return 0
