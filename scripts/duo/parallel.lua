-- duo.parallel: run a function over many items with bounded concurrency;
-- every item ends with a result or an error, and one failure never stops
-- the others. Shows its progress through duo.progress: a line on stderr
-- when it is a terminal ("auto"), status lines without one ("status").
local loop = require "duo._loop"
local options = require "duo.options"
local progress_display = require "duo.progress"
local scheduler = require "duo.scheduler"

local M = {}

-- Options of duo.parallel (and of accounts:each_child).
M.OPTIONS = {
  concurrency = { "integer", min = 1 },
  progress = { values = progress_display.MODES },
  label = "string",
}

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
  local bar = progress_display.new{ label = opts.label, total = total, mode = progress }

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
      bar:update(done, #failures)
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
    bar:clear()
    error(err, 0)
  end
  bar:finish()
  table.sort(failures, function(a, b) return a.index < b.index end)
  return results, failures
end

return M
