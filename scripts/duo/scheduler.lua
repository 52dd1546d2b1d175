-- Tasks on one event loop. A task is a coroutine; an API call inside a task
-- yields a sentinel with its operation, and the scheduler resumes the task
-- when the operation finishes. Outside a task a call runs the scheduler
-- until its own operation finishes (other tasks progress meanwhile), so
-- scripts need no ceremony. User coroutines inside tasks keep working: the
-- patched coroutine.resume passes the scheduler's yields through them.
local core = require "duo.core"
local errors = require "duo.error"

local M = {}

local SENTINEL = setmetatable({}, { __name = "duo.wait", __tostring = function() return "duo.wait" end })

local raw_resume, raw_wrap, raw_create = coroutine.resume, coroutine.wrap, coroutine.create
local running, status, yield, isyieldable = coroutine.running, coroutine.status, coroutine.yield,
                                             coroutine.isyieldable

local ready = {}          -- queue of tasks to resume: ready[head..tail]
local ready_head, ready_tail = 1, 0
local waiting = {}        -- op -> task blocked on it
local current = nil       -- the task being resumed, if any

-- Answers requests waiting in the outbox (the sandbox sets the handler).
M.outbox_handler = nil

local function service_outbox()
  local handler = M.outbox_handler
  if handler == nil then return end
  while true do
    local op = core.next_outgoing()
    if op == nil then return end
    handler(op)
  end
end

local Task = {}
Task.__index = Task
Task.__name = "duo.task"

function Task:__tostring()
  return "duo.task (" .. self.status .. ")"
end

local function push_ready(task)
  ready_tail = ready_tail + 1
  ready[ready_tail] = task
end

local function has_ready()
  return ready_head <= ready_tail
end

local function check_interrupt()
  if core.interrupted() then
    error("interrupted", 0)
  end
end

local function finish(task, ok, ...)
  task.status = "done"
  if ok then
    task.results = table.pack(...)
  else
    task.error = (...)
  end
  for _, w in ipairs(task.waiters) do push_ready(w) end
  task.waiters = {}
end

-- Resumes a task until it yields a wait or ends.
local function step(task, ...)
  local previous = current
  current = task
  local r = table.pack(raw_resume(task.co, ...))
  current = previous
  if not r[1] then
    finish(task, false, r[2])
  elseif status(task.co) == "dead" then
    finish(task, true, table.unpack(r, 2, r.n))
  elseif r[2] == SENTINEL then
    local op = r[3]
    if op == nil then
      push_ready(task)   -- a plain yield to the scheduler
    elseif op.__task then
      local other = op.__task
      if other.status == "done" then push_ready(task) else other.waiters[#other.waiters + 1] = task end
    elseif op:done() then
      push_ready(task)
    else
      waiting[op] = task
      task.op = op
    end
  else
    -- a bare coroutine.yield at the task's top level: run it again later
    push_ready(task)
  end
end

-- Resumes what is ready, then collects what the loop finished.
local function dispatch()
  local last = ready_tail   -- tasks made ready meanwhile wait for the next round
  while ready_head <= last do
    local task = ready[ready_head]
    ready[ready_head] = nil
    ready_head = ready_head + 1
    -- a task that is not suspended is running further up the stack (a
    -- blocking wait inside it) and goes on when that returns
    if task.status ~= "done" and status(task.co) == "suspended" then
      task.op = nil
      step(task)
    end
  end
end

local callbacks = {}      -- op -> function run when it finishes

local function collect()
  while true do
    local op = core.next_done()
    if op == nil then return end
    local task = waiting[op]
    if task then
      waiting[op] = nil
      push_ready(task)
    end
    local fn = callbacks[op]
    if fn then
      callbacks[op] = nil
      fn(op)
    end
  end
end

-- Runs fn(op) from the scheduler once op finishes (the sandbox answers
-- requests after a simulated latency this way). Keeps op alive until then.
function M.on_done(op, fn)
  callbacks[op] = fn
end

-- Runs the scheduler until done() is true.
function M.run_until(done)
  while not done() do
    check_interrupt()
    dispatch()
    if done() then break end
    core.run_once(has_ready() and 0 or -1)
    service_outbox()
    collect()
  end
  check_interrupt()
end

-- Whether code running now may yield to the scheduler.
function M.in_task()
  return current ~= nil and isyieldable()
end

-- Waits for a loop operation (request or timer) to finish.
function M.wait(op)
  if op:done() then return end
  if M.in_task() then
    yield(SENTINEL, op)
    check_interrupt()
  else
    service_outbox()
    M.run_until(function() return op:done() end)
  end
end

function M.await(op)
  M.wait(op)
  return op:result()
end

-- duo.spawn(fn, ...) -> task
function M.spawn(fn, ...)
  if type(fn) ~= "function" then
    error(string.format("bad argument #1 to 'spawn' (function expected, got %s)", type(fn)), 2)
  end
  local args = table.pack(...)
  local task = setmetatable({ status = "ready", waiters = {} }, Task)
  task.co = raw_create(function() return fn(table.unpack(args, 1, args.n)) end)
  task.__task = task
  push_ready(task)
  return task
end

-- task:wait() -> what the task's function returned; raises its error.
function Task:wait()
  if self.status ~= "done" then
    if M.in_task() then
      if current == self then error("a task cannot wait for itself", 2) end
      while self.status ~= "done" do yield(SENTINEL, self) end
    else
      M.run_until(function() return self.status == "done" end)
    end
  end
  if self.error ~= nil then error(self.error, 0) end
  return table.unpack(self.results, 1, self.results.n)
end

-- task:result() -> ok, values... or false, error (never raises).
function Task:result()
  local ok, r = pcall(function() return table.pack(self:wait()) end)
  if not ok then return false, r end
  return true, table.unpack(r, 1, r.n)
end

function Task:done()
  return self.status == "done"
end

-- task:cancel(): stops a task that has not finished: its pending request
-- or timer is cancelled, its coroutine closed (to-be-closed variables
-- run), and wait() then raises a "cancelled" error. Returns whether it
-- was still running.
function Task:cancel()
  if self.status == "done" then return false end
  if self == current then error("a task cannot cancel itself", 2) end
  if self.op then
    waiting[self.op] = nil
    self.op:cancel()
    self.op = nil
  end
  if status(self.co) == "suspended" then coroutine.close(self.co) end
  finish(self, false, errors.new{ kind = "cancelled", message = "task cancelled" })
  return true
end

-- duo.sleep(seconds): a timer in the loop; inside a task other tasks run.
function M.sleep(seconds)
  if type(seconds) ~= "number" or seconds < 0 then
    error(string.format("bad argument #1 to 'sleep' (non-negative number expected, got %s)",
                        type(seconds) == "number" and tostring(seconds) or type(seconds)), 2)
  end
  local op = core.timer(seconds * 1000)
  M.wait(op)
end

-- The patched coroutine functions: a coroutine created by the user inside
-- a task that makes an API call yields the sentinel to its resumer; pass
-- it on up to the scheduler and resume the inner coroutine afterwards.
local function pass_through(co, ...)
  local r = table.pack(raw_resume(co, ...))
  while r[1] and r[2] == SENTINEL and status(co) == "suspended" and isyieldable() do
    yield(SENTINEL, r[3])
    r = table.pack(raw_resume(co))
  end
  return table.unpack(r, 1, r.n)
end

function M.resume(co, ...)
  return pass_through(co, ...)
end

function M.wrap(fn)
  local co = raw_create(fn)
  return function(...)
    local r = table.pack(pass_through(co, ...))
    if not r[1] then
      local err = r[2]
      if type(err) == "string" then error(err, 0) end
      error(err, 0)
    end
    return table.unpack(r, 2, r.n)
  end
end

coroutine.resume = M.resume
coroutine.wrap = M.wrap

return M
