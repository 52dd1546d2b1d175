-- Every duo-lua command in the README's shell examples that uses the
-- sandbox runs as written, with no credentials and no config file.
local T = require "testing"

local DUO_LUA = arg[-1]
if DUO_LUA:sub(1, 1) ~= "/" then DUO_LUA = os.getenv("PWD") .. "/" .. DUO_LUA end
local ROOT = "../.."

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- The commands of ```sh blocks that start with duo-lua --sandbox (a
-- quoted -e chunk may span lines).
local function sandbox_commands(text)
  local commands = {}
  for block in text:gmatch("```sh\n(.-)```") do
    local pending
    for line in block:gmatch("[^\n]*") do
      if pending then
        pending = pending .. "\n" .. line
      elseif line:match("^%s*%.?/?b?u?i?l?d?/?duo%-lua %-%-sandbox") then
        pending = line:gsub("^%s*%S*duo%-lua", "")
      end
      if pending then
        local _, quotes = pending:gsub("'", "")
        if quotes % 2 == 0 then
          commands[#commands + 1] = pending:gsub("%s+#[^'\n]*$", "")
          pending = nil
        end
      end
    end
  end
  return commands
end

local commands = sandbox_commands(read(ROOT .. "/README.md"))

T.test("the README has sandbox examples", function()
  T.truthy(#commands >= 5, "found " .. #commands)
end)

local home = os.tmpname()
os.remove(home)
assert(os.execute("mkdir -p " .. home))

for i, args in ipairs(commands) do
  T.test("README example " .. i .. ": duo-lua" .. args:sub(1, 60):gsub("\n.*", " ..."), function()
    local cmd = string.format("cd %s && env -u DUO_LUA_CONFIG -u DUO_ADMIN_SKEY -u DUO_ACCOUNTS_SKEY "
                              .. "-u DUO_AUTH_SKEY HOME=%s XDG_CONFIG_HOME=%s/.config %s%s </dev/null 2>&1",
                              ROOT, home, home, DUO_LUA, args)
    local p = assert(io.popen(cmd))
    local out = p:read("a")
    local ok, _, code = p:close()
    T.truthy(ok and code == 0, "exit " .. tostring(code) .. ":\n" .. out)
    -- it printed what it is for (the bare REPL command reads no input
    -- here), and no error or warning on the way
    if args:match("%S+%s+%S") then T.truthy(out:find("%S"), "printed nothing") end
    T.truthy(not out:find("stack traceback", 1, true), out)
    for line in out:gmatch("[^\n]+") do
      local msg = line:match("^duo%-lua: (.*)")
      T.truthy(not (msg and (msg:find("^duo: ") or msg:find("%.lua:%d+:") or msg:find("error"))),
               "an error line: " .. line)
    end
    T.truthy(not out:find("warning", 1, true), "a warning:\n" .. out)
  end)
end

os.execute("rm -rf " .. home)
T.done()
