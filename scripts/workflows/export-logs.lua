-- export-logs: every child's authentication, administrator, telephony and activity logs to DIR/TYPE.jsonl, incrementally
local args = require "workflows.lib.args"
local emit = require "workflows.lib.emit"
local fanout = require "workflows.lib.fanout"
local host = require "workflows.lib.host"
local logexport = require "workflows.lib.logexport"
local output = require "workflows.lib.output"
local file = host.file
local json = require "duo.json"
local notify = require "duo.notify"
local progress = require "duo.progress"
local termtext = require "duo.termtext"

local NAME = "export-logs"
local HELP = [[
usage: duo-lua -w export-logs --out DIR [--types authentication,administrator,telephony,activity]
                              [--since 7d] [--to CHANNEL]... [--progress] [--format table|json]

Appends each child account's log events to DIR/TYPE.jsonl (one JSON object a
line, each with "child_account_id" and "child_account" added), oldest first.
A checkpoint per child and type is kept in DIR/checkpoints.json and written
after each page, so a second run exports only what is new and an
interrupted run resumes without duplicates. Safe to run from cron: a lock
file (DIR/.export-logs.lock) makes a second run at the same time stop at
once. The children are read concurrently; each child's log requests are
paced to Duo's logs rate limit (--rate), and a 429 is waited out. Each
page is flushed to the disk before the checkpoint that counts it is saved.

With --to, each exported event is also sent to a notification channel of
the config (kind syslog: one RFC 5424 message per event; splunk_hec: up to
500 events a request; webhook: a JSON array of up to 500 events a request,
signed). The files are still written: --to adds a copy, it does not replace
them. A page goes to every channel first, then to the file, and only then
does the checkpoint move: a channel that refuses it fails that child's log
(exit 1) and the next run sends the page again.

  --out DIR       the folder of the files (created if missing)
  --types LIST    comma-separated: authentication, administrator,
                  telephony, activity (default: all four)
  --since S       where a first export starts: 7d, 12h, 30m, a date
                  (2024-05-01), an ISO time, or Unix seconds (default: the
                  last 180 days, all Duo keeps); a checkpoint wins over it
  --to CHANNEL    also send every event to this notify channel (syslog,
                  splunk_hec or webhook; may repeat)
  --reset LIST    forget the checkpoints of these types (comma-separated)
                  and export them again from where their checkpoints
                  started, or from --since: the way back after a file was
                  cut (move the file aside first; it is never overwritten)
  --progress      a status line on stderr every few seconds, also when it is
                  not a terminal (on a terminal a progress line is always drawn)
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
    to = { value = "CHANNEL", many = true }, reset = { value = "LIST" }, progress = args.PROGRESS,
    rate = { value = "N", number = true, min = 0.01, max = 100000 },
    ["max-pages"] = { value = "N", number = true, min = 1, max = 1e9 },
    format = args.format{ "table", "json" }, output = args.OUTPUT,
  },
}, { ... })
if opts == nil then return rest end

-- A comma-separated list of log types, or nil and the usage error's text.
local function type_list(flag, text)
  local list = {}
  for t in text:gmatch("[^,%s]+") do
    if logexport.KINDS[t] == nil then
      return nil, string.format("%s: unknown type '%s' (authentication, administrator, telephony, activity)", flag, t)
    end
    list[#list + 1] = t
  end
  if #list == 0 then return nil, flag .. " needs at least one type" end
  return list
end

local kinds = logexport.TYPES
if opts.types then
  local err
  kinds, err = type_list("--types", opts.types)
  if kinds == nil then return args.usage_error(NAME, "%s", err) end
end
local resets = {}
if opts.reset then
  local list, err = type_list("--reset", opts.reset)
  if list == nil then return args.usage_error(NAME, "%s", err) end
  local exported = {}
  for _, t in ipairs(kinds) do exported[t] = true end
  for _, t in ipairs(list) do
    if not exported[t] then return args.usage_error(NAME, "--reset %s: that type is not in --types", t) end
    resets[#resets + 1] = t
  end
end

-- --to: each a configured channel that takes log events.
local channels = {}
for _, name in ipairs(opts.to) do
  local ok, ch = pcall(notify.channel, name)
  if not ok then return args.usage_error(NAME, "--to %s: %s", name, (tostring(ch):gsub("^duo: ", ""))) end
  if not notify.EVENT_KINDS[ch.kind] then
    return args.usage_error(NAME, "--to %s: a %s channel cannot take log events (use a syslog, splunk_hec or "
                            .. "webhook channel)", name, ch.kind)
  end
  channels[#channels + 1] = { name = name, kind = ch.kind, sent = 0 }
end

local now_s = host.unix_time()
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
local outs, starts = {}, {}
for _, kind in ipairs(resets) do
  for id, start in pairs(logexport.reset(dir, cp, kind)) do
    starts[id] = starts[id] or {}
    starts[id][kind] = not opts.since and start or nil
  end
end
if not dry then
  local cut = logexport.repair(dir, cp, kinds)
  for kind, bytes in pairs(cut) do
    io.stderr:write(termtext.format("%s: %s: removed %d bytes written after the last checkpoint (an interrupted run)\n",
                                  NAME, logexport.file_path(dir, kind), bytes))
  end
  logexport.save(dir, cp)
  for _, kind in ipairs(kinds) do
    local f, err = file.open_append(logexport.file_path(dir, kind))   -- 0600: users' logins, never through a link
    if f == nil then io.stderr:write(termtext.format("duo-lua: %s: %s\n", NAME, err)) return 1 end
    outs[kind] = f
  end
end

local accounts = duo.accounts()
local selected = fanout.select(accounts, opts)
local ctx = { dir = dir, cp = cp, out = outs, since = since, now_ms = now_s * 1000, unix_s = host.unix_time,
              starts = starts, max_pages = opts.max_pages, pages = { done = 0 } }
if #channels > 0 then
  function ctx.send(_, events)
    for _, ch in ipairs(channels) do
      if not dry then notify.events(ch.name, events) end
      ch.sent = ch.sent + #events
    end
  end
end

-- Progress: logs (child and type) done, with the pages and events so far.
local bar = progress.new{ label = NAME, total = #selected * #kinds, mode = args.progress_mode(opts) }
local done, failed_logs, pages_read, events_seen = 0, 0, 0, 0
local function progress_note()
  return string.format("%d pages, %d events", pages_read, events_seen)
end
local counted = {}   -- per row: the pages and events already added up
local function row_progress(row)
  local before = counted[row] or { pages = 0, events = 0 }
  pages_read, events_seen = pages_read + row.pages - before.pages, events_seen + row.events - before.events
  counted[row] = { pages = row.pages, events = row.events }
  bar:update(done, failed_logs, progress_note())
end
ctx.on_page = row_progress

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
    local ok, err = pcall(logexport.export, child, account, kind, c, row)
    if not ok then
      row.error = tostring(err)
      failed_logs = failed_logs + 1
    end
    done = done + 1
    row_progress(row)
    bar:update(done, failed_logs, progress_note())
    mine[#mine + 1] = row
  end
  return mine
end, { progress = false })
for _, f in pairs(outs) do f:close() end
bar:finish(progress_note())

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
if dry then
  for _, ch in ipairs(channels) do
    io.stderr:write(termtext.format("dry-run: %s --to %s (%s): %d events, not sent\n", NAME, ch.name, ch.kind, ch.sent))
  end
end
if failed > 0 then
  io.stderr:write(termtext.format("duo-lua: %s: %d exports failed (the others were written)\n", NAME, failed))
  return 1
end
return 0
