-- duo.progress: the one progress display of long work (SPEC section 10),
-- used by duo.parallel, the fan-out workflows and export-logs, and open to
-- users' scripts and workflows (alerts).
--
--   local progress = require "duo.progress"
--   local p = progress.new{ label = "export-logs", total = 8, mode = "status" }
--   p:update(done, failed, "45 pages, 41200 events")   -- as work completes
--   p:finish("45 pages, 41200 events")                 -- the last word
--
-- mode: "auto" (the default) draws a line on stderr, redrawn in place,
-- when stderr is a terminal, and nothing otherwise; "status" (what a
-- workflow's --progress asks for) draws the same line on a terminal and
-- otherwise writes a one-line status every `interval` seconds (5) as work
-- completes, and a summary line at the end; true draws the line even
-- without a terminal; false shows nothing. Times are the event loop's
-- (virtual under the sandbox's virtual time). Every line is terminal-safe
-- (duo.termtext).
local loop = require "duo._loop"
local sys = require "duo._sys"
local termtext = require "duo.termtext"
local options = require "duo.options"

local M = {}

M.MODES = { "auto", "status", true, false }

M.OPTIONS = {
  label = "string",
  total = { "integer", min = 0 },
  mode = { values = M.MODES },
  interval = { "number", min = 0 },
}

local function duration(ms)
  local s = ms // 1000
  if s < 60 then return string.format("%ds", s) end
  if s < 3600 then return string.format("%dm%02ds", s // 60, s % 60) end
  return string.format("%dh%02dm", s // 3600, s % 3600 // 60)
end

-- "LABEL: done/total done, F failed, R/s (or R/min), T left[, note]"
local function line(p, now, final)
  local elapsed = math.max(now - p.start, 1)
  local rate = p.done / (elapsed / 1000)
  local parts = { string.format("%d/%s done", p.done, p.total and tostring(p.total) or "?"),
                  string.format("%d failed", p.failed) }
  if final then
    parts[#parts + 1] = "in " .. duration(now - p.start)
  else
    parts[#parts + 1] = rate >= 1 and string.format("%.1f/s", rate) or string.format("%.1f/min", rate * 60)
    if p.total then
      local left = "0s"
      if p.done < p.total then left = rate > 0 and duration(math.floor((p.total - p.done) / rate * 1000)) or "?" end
      parts[#parts + 1] = left .. " left"
    end
  end
  if p.note and p.note ~= "" then parts[#parts + 1] = p.note end
  local head = p.label and (p.label .. ": ") or ""
  return head .. (final and "finished: " or "") .. table.concat(parts, ", ")
end

local P = {}
P.__index = P

-- Records how far the work is (done and failed so far, an optional note
-- such as "45 pages") and redraws when it is time to.
function P:update(done, failed, note)
  self.done, self.failed = done or self.done, failed or self.failed
  if note ~= nil then self.note = note end
  local now = loop.now_ms()
  if self.style == "line" then
    if now - self.last < 100 then return end
    self.last = now
    io.stderr:write("\r\27[K", termtext.cell(line(self, now, false)))
    self.shown = true
  elseif self.style == "status" then
    if now - self.last < self.interval_ms then return end
    self.last = now
    io.stderr:write(termtext.cell(line(self, now, false)), "\n")
  end
end

function P:set_total(n)
  self.total = n
end

-- The last line: on a terminal the line drawn once more and ended; as
-- status lines, a summary.
function P:finish(note)
  if note ~= nil then self.note = note end
  local now = loop.now_ms()
  if self.style == "line" then
    io.stderr:write("\r\27[K", termtext.cell(line(self, now, false)), "\n")
  elseif self.style == "status" then
    io.stderr:write(termtext.cell(line(self, now, true)), "\n")
  end
  self.style = nil
end

-- Takes the line off the terminal (before an error is printed).
function P:clear()
  if self.style == "line" and self.shown then io.stderr:write("\r\27[K") end
  self.style = nil
end

-- Whether p shows anything.
function P:active()
  return self.style ~= nil
end

function M.new(opts)
  opts = options.check(opts, M.OPTIONS, "progress.new", 2)
  local mode = opts.mode == nil and "auto" or opts.mode
  local style
  if mode == true then
    style = "line"
  elseif mode == "auto" or mode == "status" then
    if sys.isatty(2) then style = "line" elseif mode == "status" then style = "status" end
  end
  local now = loop.now_ms()
  local interval_ms = math.floor((opts.interval or 5) * 1000)
  return setmetatable({ label = opts.label, total = opts.total, done = 0, failed = 0, note = nil, style = style,
                        start = now, last = style == "status" and now or -1000, interval_ms = interval_ms,
                        shown = false }, P)
end

return M
