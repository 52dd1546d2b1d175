-- A tiny test runner for the Lua tests: each test file registers cases with
-- T.test and ends with T.done(), which prints "N passed, M failed" and exits
-- non-zero when anything failed or nothing ran.
local M = {}

local passed, failed = 0, 0

local function describe(v)
  if type(v) == "string" then return string.format("%q", v) end
  return tostring(v)
end

function M.test(name, fn)
  if os.getenv("TEST_VERBOSE") then io.stderr:write("-- ", name, "\n") end
  local ok, err = xpcall(fn, debug.traceback)
  if ok then
    passed = passed + 1
  else
    failed = failed + 1
    io.stderr:write("FAIL ", name, "\n", tostring(err), "\n")
  end
end

function M.eq(got, want, what)
  if got ~= want then
    error(string.format("%s: got %s, want %s", what or "value", describe(got), describe(want)), 2)
  end
end

function M.truthy(v, what)
  if not v then error((what or "condition") .. " is false", 2) end
  return v
end

-- Calls fn and returns the error it raised; fails when it did not raise or
-- when the message (tostring of the error) does not match pattern.
function M.raises(fn, pattern)
  local ok, err = pcall(fn)
  if ok then error("expected an error matching " .. describe(pattern), 2) end
  local msg = tostring(err)
  if pattern and not msg:find(pattern) then
    error(string.format("error %s does not match %s", describe(msg), describe(pattern)), 2)
  end
  return err
end

-- How many times plain text occurs in s.
function M.count(s, plain)
  local n, pos = 0, 1
  while true do
    local i = s:find(plain, pos, true)
    if not i then return n end
    n, pos = n + 1, i + 1
  end
end

-- Deep equality for plain data (tables compared key by key).
function M.same(got, want, what)
  local function walk(a, b, path)
    if type(a) ~= "table" or type(b) ~= "table" then
      if a ~= b then
        error(string.format("%s%s: got %s, want %s", what or "value", path, describe(a), describe(b)), 0)
      end
      return
    end
    for k, v in pairs(b) do walk(a[k], v, path .. "." .. tostring(k)) end
    for k in pairs(a) do
      if b[k] == nil then error(string.format("%s%s.%s: unexpected key", what or "value", path, tostring(k)), 0) end
    end
  end
  local ok, err = pcall(walk, got, want, "")
  if not ok then error(err, 2) end
end

-- A file that ran no case fails: a runner that passes on nothing would
-- hide a test file that lost its cases.
function M.done()
  print(string.format("%d passed, %d failed", passed, failed))
  if passed + failed == 0 then io.stderr:write("FAIL no test case ran\n") end
  os.exit((failed == 0 and passed > 0) and 0 or 1)
end

return M
