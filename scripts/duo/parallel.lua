-- duo.parallel: run a function over many items with bounded concurrency;
-- every item ends with a result or an error, and one failure never stops
-- the others. Draws a progress line on stderr when it is a terminal.
local loop = require "duo._loop"
local sys = require "duo._sys"
local termtext = require "duo.termtext"
local options = require "duo.options"
local scheduler = require "duo.scheduler"

local M = {}

-- Options of duo.parallel (and of accounts:each_child).
M.OPTIONS = {
  concurrency = { "integer", min = 1 },
  progress = { values = { "auto", true, false } },
  label = "string",
}

-- A progress line: done/total, failures, rate and time left.
local function progress_line(label)
  local start = loop.now_ms()
  local last = -1000
  local shown = false
  local P = {}
  function P.update(done, total, failed, final)
    local now = loop.now_ms()
    if not final and now - last < 100 then return end
    last = now
    local elapsed = math.max(now - start, 1) / 1000
    local rate = done / elapsed
    local left = rate > 0 and (total - done) / rate or 0
    local line = string.format("%s%d/%d done, %d failed, %.1f/s, %s left",
                               label and (label .. ": ") or "", done, total, failed, rate,
                               done < total and string.format("%.0fs", left) or "0s")
    io.stderr:write("\r\27[K", termtext.cell(line))
    shown = true
    if final then io.stderr:write("\n") end
  end
  function P.clear()
    if shown then io.stderr:write("\r\27[K") end
  end
  return P
end

-- results[i] = fn(items[i], i) or nil; failures = { {index, item, error} }
function M.parallel(items, fn, opts)
  if type(items) ~= "table" then
    options.arg_error("parallel", 1, "table expected, got " .. type(items))
  end
  if type(fn) ~= "function" then
    options.arg_error("parallel", 2, "function expected, got " .. type(fn))
  end
  opts = options.check(opts, M.OPTIONS, "parallel", 3)
  local concurrency = opts.concurrency or 8
  local progress = opts.progress == nil and "auto" or opts.progress
  local total = #items
  local results, failures = {}, {}
  local next_index, done = 1, 0
  local bar
  if progress == true or (progress == "auto" and sys.isatty(2)) then
    bar = progress_line(opts.label)
  end

  local function worker()
    while next_index <= total do
      local i = next_index
      next_index = i + 1
      local ok, r = pcall(fn, items[i], i)
      if ok then
        results[i] = r
      else
        if loop.interrupted() then error("interrupted", 0) end
        failures[#failures + 1] = { index = i, item = items[i], error = r }
      end
      done = done + 1
      if bar then bar.update(done, total, #failures) end
    end
  end

  -- The workers and anything fn spawns belong to this call's scope: an
  -- error or Ctrl-C here cancels them all with their transfers.
  local scope <close> = scheduler.scope()
  local tasks = {}
  for w = 1, math.min(concurrency, total) do
    tasks[w] = scheduler.spawn(worker)
  end
  local ok, err = pcall(function()
    for _, t in ipairs(tasks) do t:wait() end
    scope:finish()
  end)
  if not ok then
    if bar then bar.clear() end
    error(err, 0)
  end
  if bar then bar.update(done, total, #failures, true) end
  table.sort(failures, function(a, b) return a.index < b.index end)
  return results, failures
end

return M
