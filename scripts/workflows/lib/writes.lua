-- Writes that can be interrupted say what they did (offboard-user,
-- standards --apply, sync-user). Each run keeps a journal, JSON lines of
-- what was planned, sent and answered, so that after a kill -9 the user
-- can still see what went out; on Ctrl-C, SIGTERM or SIGHUP it prints the
-- writes done, those in flight (unknown: they may have landed) and those
-- never sent, then ends as interrupted.
--
--   local results, failures = writes.parallel(NAME, items, fn, label)
--     label(item) -> "disable alice (DU…) in Acme Corp", one line
--   like duo.parallel(items, fn, { concurrency = 16 })
local duo = require "duo"
local json = require "duo.json"
local paths = require "duo.path"
local termtext = require "duo.termtext"
local host = require "workflows.lib.host"

local M = {}

-- Whether an error is Ctrl-C/SIGTERM/SIGHUP or the cancellation it causes.
local function is_stop(e)
  if type(e) == "string" then return e:find("interrupted$") ~= nil end
  return type(e) == "table" and e.kind == "cancelled"
end

M.CONCURRENCY = 16

-- A new journal file (owner-only: it names users) in the state folder, or
-- nil when there is none to write to.
local function open_journal(name)
  local dir = paths.state_dir()
  if dir == nil then return nil end
  dir = paths.join(dir, "journal")
  if not paths.mkdir_p(dir) then return nil end
  local path = paths.join(dir, string.format("%s-%s-%d.jsonl", name, os.date("!%Y%m%dT%H%M%SZ"),
                                             host.file.pid()))
  local f = host.file.open_append(path)   -- 0600, never through a link
  if f == nil then return nil end
  return f, path
end

function M.parallel(name, items, fn, label)
  if host.dry_run() then return duo.parallel(items, fn, { concurrency = M.CONCURRENCY }) end
  local journal, journal_path = open_journal(name)
  local function note(event, i, extra)
    if journal == nil then return end
    local line = { event = event, time = os.date("!%Y-%m-%dT%H:%M:%SZ"), item = i }
    for k, v in pairs(extra or {}) do line[k] = v end
    journal:write(json.encode(line), "\n")
    journal:flush()
  end
  for i, item in ipairs(items) do note("planned", i, { write = label(item) }) end
  if journal_path then
    io.stderr:write(termtext.format("duo-lua: %s: journal of the writes: %s\n", name, journal_path))
  end
  local state = {}   -- nil: not sent; "sent": in flight; "done" or "error"
  local ok, results, failures = pcall(duo.parallel, items, function(item, i)
    state[i] = "sent"
    note("sent", i)
    local ok_i, r = pcall(fn, item, i)
    if not ok_i and is_stop(r) then
      error(r, 0)   -- stopped while in flight: it stays "sent", unknown
    end
    state[i] = ok_i and "done" or "error"
    note("result", i, { result = state[i], error = not ok_i and tostring(r) or nil })
    if not ok_i then error(r, 0) end
    return r
  end, { concurrency = M.CONCURRENCY })
  if ok then
    if journal then journal:close() end
    return results, failures
  end
  local lists = { done = {}, unknown = {}, not_sent = {} }
  for i, item in ipairs(items) do
    local s = state[i]
    local list = (s == "done" or s == "error") and lists.done or s == "sent" and lists.unknown or lists.not_sent
    list[#list + 1] = label(item) .. (s == "error" and " (failed)" or "")
  end
  local reason = is_stop(results) and "interrupted" or tostring(results)
  note("stopped", nil, { reason = reason })
  if journal then journal:close() end
  io.stderr:write(termtext.format("duo-lua: %s: stopped (%s): %d done, %d unknown (in flight: they may have "
                                  .. "been applied), %d not sent\n", name, reason, #lists.done,
                                  #lists.unknown, #lists.not_sent))
  for _, k in ipairs{ "done", "unknown", "not_sent" } do
    for _, line in ipairs(lists[k]) do
      io.stderr:write(termtext.format("  %-8s %s\n", k == "not_sent" and "not sent" or k, line))
    end
  end
  error(results, 0)
end

return M
