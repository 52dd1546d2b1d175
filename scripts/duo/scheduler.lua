-- Tasks on one event loop, with structured lifetimes (SPEC section 5).
--
-- A task is a coroutine; an API call inside a task yields a sentinel with
-- its operation and the scheduler resumes the task when the operation
-- finishes. Outside a task a call runs the scheduler until its own
-- operation finishes (other tasks progress meanwhile), so scripts need no
-- ceremony.
--
-- Every task belongs to a scope: the root scope (the script, or one REPL
-- statement, ended by the host through M.end_root), or a scope opened by
-- duo.parallel or accounts:each_child. A scope ends by finishing (waiting
-- for its tasks), or by an error or Ctrl-C, which cancel its unfinished
-- tasks with their transfers. Scopes are to-be-closed values, so a task
-- cancelled from outside cancels the scopes it opened.
--
-- Inside tasks only, coroutine.resume and coroutine.wrap pass the
-- scheduler's yields through user coroutines (as Nmap's NSE does); outside
-- tasks they are Lua's own functions.
local loop = require "duo._loop"
local errors = require "duo.error"
local termtext = require "duo.termtext"
local options = require "duo.options"

local M = {}

local SENTINEL = setmetatable({}, { __name = "duo.wait", __tostring = function() return "duo.wait" end })

local raw_resume, raw_create = coroutine.resume, coroutine.create
local status, yield, isyieldable, close = coroutine.status, coroutine.yield, coroutine.isyieldable,
                                          coroutine.close

local ready = {}          -- queue of tasks to resume: ready[ready_head..ready_tail]
local ready_head, ready_tail = 1, 0
local waiting = {}        -- op -> task blocked on it
local callbacks = {}      -- op -> function run when it finishes
local current = nil       -- the task being resumed, if any
local next_id = 1


local Task = {}
Task.__index = Task
Task.__name = "duo.task"

function Task:__tostring()
  return string.format("duo.task #%d (%s)", self.id, self.status)
end

local Scope = {}
Scope.__index = Scope
Scope.__name = "duo.scope"

-- The scopes opened by the main code (outside tasks), innermost last; the
-- first is the root scope.
local function new_scope(stack)
  local scope = setmetatable({ tasks = {}, stack = stack, compact_at = 64 }, Scope)
  stack[#stack + 1] = scope
  return scope
end

local main_scopes = {}
new_scope(main_scopes)

local unwaited_failures = 0   -- tasks whose error nobody saw, since the last end_root

local function push_ready(task)
  ready_tail = ready_tail + 1
  ready[ready_tail] = task
end

local function has_ready()
  return ready_head <= ready_tail
end

local function check_interrupt()
  if loop.interrupted() then
    error("interrupted", 0)
  end
end

-- The backend of each request sent to the outbox, from its client's
-- environment (M.route): every attempt of the request (a retry is the same
-- op) goes there.
local routes = setmetatable({}, { __mode = "k" })

-- Sends op, a request just put in the outbox, to backend b.
function M.route(op, b)
  routes[op] = b
end

-- Hands the requests waiting in the outbox to their backends.
local function service_outbox()
  while true do
    local op = loop.next_outgoing()
    if op == nil then return end
    local b = routes[op]
    if b then b.answer(op) end
  end
end

local function finish(task, ok, ...)
  task.status = "done"
  task.blocked_on = nil
  if ok then
    task.results = table.pack(...)
  else
    task.error = (...)
  end
  for _, w in ipairs(task.waiters) do push_ready(w) end
  task.waiters = {}
end

-- The coroutine functions tasks see: a user coroutine that makes an API
-- call yields the sentinel to its resumer; pass it on up to the scheduler
-- and resume the inner coroutine afterwards.
local function pass_through(co, ...)
  local outer = loop.running(co)
  local r = table.pack(raw_resume(co, ...))
  while r[1] and r[2] == SENTINEL and status(co) == "suspended" and isyieldable() do
    loop.running(outer)
    yield(SENTINEL, r[3])
    loop.running(co)
    r = table.pack(raw_resume(co))
  end
  loop.running(outer)
  return table.unpack(r, 1, r.n)
end

local function task_resume(co, ...)
  return pass_through(co, ...)
end

-- Lua 5.4's coroutine.wrap, with the pass-through: an error closes the
-- coroutine's to-be-closed variables and is raised with the caller's
-- position when it is a string.
local function task_wrap(fn)
  local co = raw_create(fn)
  return function(...)
    local r = table.pack(pass_through(co, ...))
    if r[1] then return table.unpack(r, 2, r.n) end
    local err = r[2]
    if status(co) == "dead" then
      local _, closed = close(co)
      if closed ~= nil then err = closed end
    end
    if type(err) == "string" then error(err, 2) end
    error(err, 0)
  end
end

-- Resumes a task until it yields a wait or ends, with the task versions of
-- coroutine.resume and coroutine.wrap in place meanwhile. While the task
-- is recorded as running (loop.running), a Ctrl-C interrupts the task, not
-- this code: the main thread's interrupt waits until the step is over, so
-- the scheduler's state stays consistent.
local function step(task, ...)
  local outer = loop.running(task.co)
  local previous = current
  local saved_resume, saved_wrap = coroutine.resume, coroutine.wrap
  current = task
  coroutine.resume, coroutine.wrap = task_resume, task_wrap
  local r = table.pack(raw_resume(task.co, ...))
  coroutine.resume, coroutine.wrap = saved_resume, saved_wrap
  current = previous
  if not r[1] then
    finish(task, false, r[2])
  elseif status(task.co) == "dead" then
    finish(task, true, table.unpack(r, 2, r.n))
  elseif r[2] == SENTINEL then
    local op = r[3]
    if op == nil then
      push_ready(task)   -- a plain yield to the scheduler
    elseif getmetatable(op) == Task then
      task.blocked_on = op
      if op.status == "done" then push_ready(task) else op.waiters[#op.waiters + 1] = task end
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
  loop.running(outer)
end

-- Resumes what is ready.
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
      task.blocked_on = nil
      task.status = "running"
      step(task)
      if task.status == "running" then task.status = "waiting" end
    end
  end
end

-- Collects what the loop finished.
local function collect()
  while true do
    local op = loop.next_done()
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

-- Every task not yet finished, in spawn order, for the deadlock message.
local function unfinished_tasks()
  local list = {}
  local function walk(scope)
    for _, t in ipairs(scope.tasks) do
      if t.status ~= "done" then list[#list + 1] = t end
      if t.scopes then for _, s in ipairs(t.scopes) do walk(s) end end
    end
  end
  for _, s in ipairs(main_scopes) do walk(s) end
  table.sort(list, function(a, b) return a.id < b.id end)
  return list
end

local function deadlock(what)
  local parts = {}
  for _, t in ipairs(unfinished_tasks()) do
    local on = t.blocked_on
    parts[#parts + 1] = string.format("task #%d waits for %s", t.id, on and ("task #" .. on.id) or "nothing")
  end
  if getmetatable(what) == Task then
    table.insert(parts, 1, "the main code waits for task #" .. what.id)
  elseif what then
    table.insert(parts, 1, "the main code waits for " .. what)
  end
  error(errors.new{ kind = "deadlock",
                    message = table.concat(parts, ", ") .. "; nothing else can run" }, 0)
end

-- Runs fn(op) from the scheduler once op finishes (the sandbox answers
-- requests after a simulated latency this way). Keeps op alive until then.
function M.on_done(op, fn)
  callbacks[op] = fn
end

-- Runs the scheduler until done() is true; `what` (a task or words) says
-- what the main code waits for in a deadlock error.
local function run_until(done, what)
  while not done() do
    check_interrupt()
    dispatch()
    if done() then break end
    if not has_ready() and loop.pending() == 0 then
      collect()
      if not has_ready() then deadlock(what) end
    end
    local _, stalled = loop.run_once(has_ready() and 0 or -1)
    service_outbox()
    collect()
    -- requests a backend took and never answers: nothing will finish them
    if stalled and not has_ready() and not done() then
      deadlock(what)
    end
  end
  check_interrupt()
end

-- Whether code running now may yield to the scheduler.
function M.in_task()
  return current ~= nil and isyieldable()
end

-- Waits for a loop operation (request or timer) to finish. Outside a task,
-- an error or Ctrl-C while waiting cancels the operation.
function M.wait(op)
  if op:done() then return end
  if M.in_task() then
    yield(SENTINEL, op)
    check_interrupt()
  else
    service_outbox()
    local ok, err = pcall(run_until, function() return op:done() end, "a request")
    if not ok then
      op:cancel()
      error(err, 0)
    end
  end
end

function M.await(op)
  M.wait(op)
  return op:result()
end

-- The scope new tasks of the running code belong to.
local function innermost_scope()
  if current then
    local s = current.scopes
    return s and s[#s] or current.scope
  end
  return main_scopes[#main_scopes]
end

-- Forgets the scope's tasks that are done and whose outcome was seen, so
-- a long script that spawns many tasks does not keep them all.
local function compact(scope)
  local kept = {}
  for _, t in ipairs(scope.tasks) do
    if t.status ~= "done" or not t.observed then kept[#kept + 1] = t end
  end
  scope.tasks = kept
  scope.compact_at = 2 * #kept + 64
end

-- duo.spawn(fn, ...) -> task
function M.spawn(fn, ...)
  if type(fn) ~= "function" then
    options.raise(string.format("bad argument #1 to 'spawn' (function expected, got %s)", type(fn)))
  end
  local args = table.pack(...)
  local scope = innermost_scope()
  local task = setmetatable({ id = next_id, status = "ready", waiters = {}, scope = scope }, Task)
  next_id = next_id + 1
  task.co = raw_create(function() return fn(table.unpack(args, 1, args.n)) end)
  if #scope.tasks >= scope.compact_at then compact(scope) end
  scope.tasks[#scope.tasks + 1] = task
  push_ready(task)
  return task
end

-- Waits until the task finished, without looking at its outcome. by_scope:
-- the end of a scope waits (not a line of the main code).
local function wait_done(task, by_scope)
  if task.status == "done" then return end
  if M.in_task() then
    if current == task then options.raise("a task cannot wait for itself") end
    while task.status ~= "done" do yield(SENTINEL, task) end
  else
    run_until(function() return task.status == "done" end, not by_scope and task)
  end
end

-- task:wait() -> what the task's function returned; raises its error.
function Task:wait()
  wait_done(self)
  self.observed = true
  if self.error ~= nil then error(self.error, 0) end
  return table.unpack(self.results, 1, self.results.n)
end

-- task:result() -> ok, values... or false, error (never raises but for
-- Ctrl-C and deadlock, which concern the waiter).
function Task:result()
  wait_done(self)
  self.observed = true
  if self.error ~= nil then return false, self.error end
  return true, table.unpack(self.results, 1, self.results.n)
end

function Task:done()
  return self.status == "done"
end

-- task:cancel(): stops a task that has not finished: its pending request
-- or timer is cancelled, its coroutine closed (to-be-closed variables run,
-- so scopes it opened cancel their tasks), and wait() then raises a
-- "cancelled" error. Returns whether it was still running.
function Task:cancel()
  if self.status == "done" then return false end
  if self == current then options.raise("a task cannot cancel itself") end
  if self.op then
    waiting[self.op] = nil
    self.op:cancel()
    self.op = nil
  end
  self.observed = true
  finish(self, false, errors.new{ kind = "cancelled", message = "task cancelled" })
  if status(self.co) == "suspended" then close(self.co) end
  return true
end

-- Prints the errors of the scope's tasks that nobody waited for.
local function report_unwaited(scope)
  for _, t in ipairs(scope.tasks) do
    if t.status == "done" and t.error ~= nil and not t.observed then
      t.observed = true
      unwaited_failures = unwaited_failures + 1
      io.stderr:write(string.format("duo-lua: task #%d failed and nobody waited for it: %s\n",
                                    t.id, termtext.text(tostring(t.error))))
    end
  end
  io.stderr:flush()
end

local function first_unfinished(scope)
  for _, t in ipairs(scope.tasks) do
    if t.status ~= "done" then return t end
  end
end

local function cancel_all(scope)
  local t = first_unfinished(scope)
  while t do
    t:cancel()
    t = first_unfinished(scope)
  end
end

-- scheduler.scope() -> scope, to be held in a <close> variable: tasks spawned
-- meanwhile by the code that opened it belong to it.
function M.scope()
  local stack
  if current then
    current.scopes = current.scopes or {}
    stack = current.scopes
  else
    stack = main_scopes
  end
  return new_scope(stack)
end

-- scope:finish(): the normal end: waits for the scope's tasks, reports the
-- errors nobody waited for.
function Scope:finish()
  local t = first_unfinished(self)
  while t do
    wait_done(t, true)
    t = first_unfinished(self)
  end
  self.finished = true
  report_unwaited(self)
end

-- Closing a scope that did not finish (an error, Ctrl-C, its task
-- cancelled) cancels its unfinished tasks.
function Scope:__close()
  if not self.finished then cancel_all(self) end
  local stack = self.stack
  for i = #stack, 1, -1 do
    if stack[i] == self then table.remove(stack, i) break end
  end
end

-- The host ends the root scope after the script's main chunk, or after a
-- REPL statement: ok (it returned) waits for the tasks; otherwise they are
-- cancelled, and with them any operation still pending (one a task
-- created just before Ctrl-C stopped it has no owner left). Returns how many task errors nobody waited for (printed), and
-- starts a new root scope. Raises on Ctrl-C or deadlock while waiting.
function M.end_root(ok)
  local root = main_scopes[1]
  while #main_scopes > 1 do main_scopes[#main_scopes]:__close() end
  local fine, err = true, nil
  if ok then fine, err = pcall(Scope.finish, root) end
  root.finished = false
  root:__close()
  if not (ok and fine) then loop.cancel_pending() end
  new_scope(main_scopes)
  local failures = unwaited_failures
  unwaited_failures = 0
  if not fine then error(err, 0) end
  return failures
end

-- duo.sleep(seconds): a timer in the loop; inside a task other tasks run.
function M.sleep(seconds)
  if type(seconds) ~= "number" or seconds < 0 or seconds ~= seconds then
    options.raise(string.format("bad argument #1 to 'sleep' (non-negative number expected, got %s)",
                        type(seconds) == "number" and tostring(seconds) or type(seconds)))
  end
  M.wait(loop.timer(seconds * 1000))
end

return M
