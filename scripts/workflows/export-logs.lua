-- export-logs: every child's authentication, administrator, telephony and activity logs to DIR/TYPE.jsonl, incrementally
local args = require "workflows.lib.args"
local emit = require "workflows.lib.emit"
local fanout = require "workflows.lib.fanout"
local host = require "workflows.lib.host"
local logexport = require "workflows.lib.logexport"
local output = require "workflows.lib.output"
local file = host.file
local json = require "duo.json"
local termtext = require "duo.termtext"

local NAME = "export-logs"
local HELP = [[
usage: duo-lua -w export-logs --out DIR [--types authentication,administrator,telephony,activity]
                              [--since 7d] [--format table|json]

Appends each child account's log events to DIR/TYPE.jsonl (one JSON object a
line, each with "child_account_id" and "child_account" added), oldest first.
A checkpoint per child and type is kept in DIR/checkpoints.json and written
after each page, so a second run exports only what is new and an
interrupted run resumes without duplicates. Safe to run from cron: a lock
file (DIR/.export-logs.lock) makes a second run at the same time stop at
once. The children are read concurrently; each child's log requests are
paced to Duo's logs rate limit (--rate), and a 429 is waited out.

  --out DIR       the folder of the files (created if missing)
  --types LIST    comma-separated: authentication, administrator,
                  telephony, activity (default: all four)
  --since S       where a first export starts: 7d, 12h, 30m, a date
                  (2024-05-01), an ISO time, or Unix seconds (default: the
                  last 180 days, all Duo keeps); a checkpoint wins over it
  --rate N        log requests a minute per child account (default 2, the
                  limit Duo's staff have stated; on the sandbox, its own
                  logs limit, or none when it has no rate limits)
  --max-pages N   stop after N pages in all (a partial run; the next run
                  goes on from there)
  --format F      the summary: table (default) or json
  --output FILE   write the summary to FILE instead of standard output
  --account A     only this child account (name or ID; may repeat)
  --exclude-account A  leave this child account out (may repeat)
  --org O, --tag T  only the accounts of these organizations (name or id)
                  or tags of the mapping store (may repeat; --exclude-org O,
                  --exclude-tag T leave them out); --account also takes an
                  organization's name
  --dry-run       read and count, write no file
  --profile P     the profile (default: the configured default)
  -h, --help      this text

--format json prints {"out", "results": [{"account_id", "account", "type",
"events", "pages", "total", "error"}]}: events written by this run, pages
read, total events exported for that child and type so far.
Exit status: 0 done, 1 a child or type failed (the others are exported),
or another run holds the lock, 2 usage error.
]]

local opts, rest = args.parse({
  name = NAME, help = HELP,
  options = args.with_fanout{
    out = { value = "DIR", required = true }, types = { value = "LIST" }, since = { value = "S" },
    rate = { value = "N", number = true, min = 0.01, max = 100000 },
    ["max-pages"] = { value = "N", number = true, min = 1, max = 1e9 },
    format = args.format{ "table", "json" }, output = args.OUTPUT,
  },
}, { ... })
if opts == nil then return rest end

local kinds = {}
if opts.types then
  for t in opts.types:gmatch("[^,%s]+") do
    if logexport.KINDS[t] == nil then
      return args.usage_error(NAME, "--types: unknown type '%s' (authentication, administrator, telephony, activity)", t)
    end
    kinds[#kinds + 1] = t
  end
  if #kinds == 0 then return args.usage_error(NAME, "--types needs at least one type") end
else
  kinds = logexport.TYPES
end
local now_s = os.time()
local since = now_s - logexport.RETENTION_S
if opts.since then
  local s, err = logexport.parse_since(opts.since, now_s)
  if s == nil then return args.usage_error(NAME, "%s", err) end
  since = s
end

local duo = require "duo"
local paths = require "duo.path"
local dry = host.dry_run()
local dir = opts.out

if file.kind(dir) == nil and not dry then
  local ok, err = paths.mkdir_p(dir)
  if not ok then io.stderr:write(termtext.format("duo-lua: %s: %s\n", NAME, err)) return 1 end
end
if not dry and file.kind(dir) ~= "directory" then
  io.stderr:write(termtext.format("duo-lua: %s: --out %s is not a folder\n", NAME, dir))
  return 1
end

local lock
if not dry then
  local err
  lock, err = file.lock(paths.join(dir, ".export-logs.lock"), 0)
  if lock == nil then
    io.stderr:write(termtext.format("duo-lua: %s: another export-logs is writing to %s (%s); try again later\n",
                                  NAME, dir, err))
    return 1
  end
end

local cp = logexport.load(dir)
local outs = {}
if not dry then
  local cut = logexport.repair(dir, cp, kinds)
  for kind, bytes in pairs(cut) do
    io.stderr:write(termtext.format("%s: %s: removed %d bytes written after the last checkpoint (an interrupted run)\n",
                                  NAME, logexport.file_path(dir, kind), bytes))
  end
  logexport.save(dir, cp)
  for _, kind in ipairs(kinds) do
    local f, err = io.open(logexport.file_path(dir, kind), "ab")
    if f == nil then io.stderr:write(termtext.format("duo-lua: %s: %s\n", NAME, err)) return 1 end
    outs[kind] = f
  end
end

local accounts = duo.accounts()
local selected = fanout.select(accounts, opts)
local ctx = { dir = dir, cp = cp, out = outs, since = since, now_ms = now_s * 1000,
              max_pages = opts.max_pages, pages = { done = 0 } }

local rate = opts.rate
if rate == nil then rate = require("workflows.lib.pace").logs_rate() end
local interval_ms = rate and 60000 / rate or 0
local results = {}
local per_child = fanout.each(accounts, selected, function(child, account)
  local next_at = 0
  local mine = {}
  local c = setmetatable({ pace = function()
    local wait = next_at - host.now_ms()
    if wait > 0 then duo.sleep(wait / 1000) end
    next_at = host.now_ms() + interval_ms
  end }, { __index = ctx })
  for _, kind in ipairs(kinds) do
    local row = { account_id = account.account_id, account = account.name, type = kind, events = 0, pages = 0,
                  error = json.null }
    local ok, err = pcall(function()
      row.events, row.pages = logexport.export(child, account, kind, c)
    end)
    if not ok then row.error = tostring(err) end
    mine[#mine + 1] = row
  end
  return mine
end)
for _, f in pairs(outs) do f:close() end

local failed = 0
for _, account in ipairs(selected) do
  local r = per_child[account.account_id]
  if r.error then
    failed = failed + 1
    results[#results + 1] = { account_id = account.account_id, account = account.name, type = json.null, events = 0,
                              pages = 0, error = tostring(r.error) }
  else
    for _, row in ipairs(r.result) do
      local st = cp.accounts[account.account_id] and cp.accounts[account.account_id][row.type]
      row.total = st and math.tointeger(st.events) or 0
      if row.error ~= json.null then failed = failed + 1 end
      results[#results + 1] = row
    end
  end
end
if lock then lock:release() end

local total = 0
for _, r in ipairs(results) do total = total + r.events end
if opts.format == "json" then
  local out, finish = output.open(opts.output)
  output.json({ out = dir, results = json.array(results) }, out)
  finish()
else
  emit.rows(opts, results, {
    { key = "account", title = "ACCOUNT" }, { key = "type", title = "TYPE" }, { key = "events", title = "NEW" },
    { key = "total", title = "TOTAL" }, { key = "pages", title = "PAGES" }, { key = "error", title = "ERROR" },
  }, { after_table = function(out)
    out:write(termtext.format("%d new events from %d accounts%s\n", total, #selected,
                            dry and " (dry run: nothing written)" or (" in " .. dir)))
  end })
end
if failed > 0 then
  io.stderr:write(termtext.format("duo-lua: %s: %d exports failed (the others were written)\n", NAME, failed))
  return 1
end
return 0
