-- Task lifetimes against the loopback server and as real processes
-- (SPEC section 5): a scope that ends cancels its tasks and no request of
-- theirs reaches the server afterwards; a script waits for its tasks;
-- errors nobody waited for; Ctrl-C, in a busy task too, and a second
-- Ctrl-C. Signals go to the real process once it said "started".
local T = require "testing"
local S = require "testserver"
local duo = require "duo"
local loop = require "duo._loop"

local DUO_LUA = arg[-1]
local admin = S.client("admin")

-- The server's log entries for requests carrying tag=<tag>.
local function tagged(tag)
  local n = 0
  for _, r in ipairs(S.requests()) do
    local q = type(r.query) == "table" and r.query.tag
    if q == tag or (type(q) == "table" and q[1] == tag) then n = n + 1 end
  end
  return n
end

T.test("a cancelled scope sends none of its requests afterwards", function()
  duo.configure{ per_host = 2 }
  local started = 0
  local outer = duo.spawn(function()
    duo.parallel({ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, function()
      started = started + 1
      admin:call("GET", "/test/slow", { ms = 200, tag = "scope-cancel" })
    end, { concurrency = 10 })
  end)
  admin:call("GET", "/test/echo")   -- the workers start meanwhile
  T.eq(started, 10, "every worker started its call")
  outer:cancel()
  T.eq(loop.pending(), 0, "the workers' transfers were cancelled")
  -- time for the queue to drain had it not been cancelled: 10 x 200 ms, 2 at a time
  admin:call("GET", "/test/slow", { ms = 1500 })
  duo.configure{ per_host = 16 }
  local seen = tagged("scope-cancel")
  T.truthy(seen <= 2, "requests of the cancelled scope that reached the server: " .. seen)
end)

T.test("429 backoff in one task does not hold up the others", function()
  local slow = duo.spawn(function()
    return admin:call("GET", "/test/ratelimit", { key = "tasks-backoff", times = 1, retry_after = 1 }).attempts
  end)
  local quick = duo.spawn(function() return admin:call("GET", "/test/echo").method end)
  T.eq(quick:wait(), "GET")
  T.eq(slow:done(), false, "the rate-limited task is still backing off")
  T.eq(slow:wait(), 2)
end)

-- Process tests ------------------------------------------------------------

local function write_script(body)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(string.format("package.path = %q .. ';' .. package.path\n", "./?.lua"), body)
  f:close()
  return path
end

-- Runs duo-lua on a script, stdout and stderr together. Each element of
-- `signals` is { after = text, signal = "INT" }: the signal is sent once
-- the output so far contains the text. Returns the output, how the
-- process ended ("exit" or "signal") and the code.
local function run(body, signals)
  local path = write_script(body)
  local p = assert(io.popen(string.format("exec sh -c 'echo $$; exec %s %s 2>&1'", DUO_LUA, path)))
  local pid = assert(tonumber(p:read("l")), "the child's pid")
  local out = {}
  for _, s in ipairs(signals or {}) do
    while not table.concat(out):find(s.after, 1, true) do
      local line = p:read("L")
      if line == nil then break end
      out[#out + 1] = line
    end
    os.execute(string.format("kill -%s %d", s.signal, pid))
  end
  out[#out + 1] = p:read("a")
  local _, how, code = p:close()
  os.remove(path)
  return table.concat(out), how, code
end

-- Each case: a script, the signals to send, its whole output (a string,
-- or a pattern when `match`), and how it ends.
local CASES = {
  { name = "a script ends when its main chunk returned and its tasks finished",
    script = [[
      local duo = require "duo"
      duo.spawn(function() duo.sleep(0.05); print("task finished") end)
      print("main chunk returned")
    ]],
    output = "main chunk returned\ntask finished\n", ending = "exit0" },

  { name = "an error in a task nobody waited for is printed and exits 1",
    script = [[
      local duo = require "duo"
      duo.spawn(function() duo.sleep(0.05); print("other writes happen") end)
      duo.spawn(function() error("lost write", 0) end)
    ]],
    output = "other writes happen\nduo-lua: task #2 failed and nobody waited for it: lost write\n",
    ending = "exit1" },

  { name = "deadlock at the end of a script names the tasks",
    script = [[
      local duo = require "duo"
      local a, b
      a = duo.spawn(function() return b:wait() end)
      b = duo.spawn(function() return a:wait() end)
    ]],
    output = "^duo%-lua: duo: deadlock error: task #1 waits for task #2, task #2 waits for task #1; "
             .. "nothing else can run\n$",
    match = true, ending = "exit1" },

  { name = "Ctrl-C during duo.parallel prints 'interrupted' and nothing else, exit 130",
    script = [[
      local S = require "testserver"
      local duo = require "duo"
      local admin = S.client("admin")
      local items = {}
      for i = 1, 20 do items[i] = i end
      local n = 0
      duo.parallel(items, function()
        n = n + 1
        if n == 20 then io.stdout:write("started\n"); io.stdout:flush() end
        return admin:call("GET", "/test/slow", { ms = 20000 })
      end, { concurrency = 20 })
      print("not reached")
    ]],
    signals = { { after = "started\n", signal = "INT" } },
    output = "started\ninterrupted\n", ending = "exit130" },

  { name = "Ctrl-C reaches a task in a busy loop",
    script = [[
      local duo = require "duo"
      duo.spawn(function()
        io.stdout:write("started\n"); io.stdout:flush()
        local n = 0
        while true do n = n + 1 end
      end)
      duo.sleep(3600)
    ]],
    signals = { { after = "started\n", signal = "INT" } },
    output = "started\ninterrupted\n", ending = "exit130" },

  { name = "a second Ctrl-C ends the process at once",
    script = [[
      local ok, e = pcall(function() io.stdout:write("started\n"); io.stdout:flush(); while true do end end)
      io.stdout:write("caught ", tostring(e), "\n"); io.stdout:flush()
      while true do end
    ]],
    signals = { { after = "started\n", signal = "INT" }, { after = "caught", signal = "INT" } },
    output = "^started\ncaught .*interrupted\n$", match = true, ending = "signal2" },
}

for _, c in ipairs(CASES) do
  T.test(c.name, function()
    local out, how, code = run(c.script, c.signals)
    if c.match then T.truthy(out:find(c.output), out) else T.eq(out, c.output) end
    T.eq(how .. code, c.ending, "how it ended")
  end)
end

T.done()
