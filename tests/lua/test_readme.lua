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

T.test("the README's first command installs what building and running need; .ci/test the rest", function()
  T.truthy(read(ROOT .. "/README.md"):find("```sh\nsh .ci/setup && ./build/duo%-lua %-%-sandbox"), "the first command")
  local setup = read(ROOT .. "/.ci/setup")
  local packages = " " .. setup:match('\npackages="(.-)"'):gsub("%s+", " ") .. " "
  for _, p in ipairs{ "build-essential", "cmake", "pkg-config", "liblua5.4-dev", "lua-cjson-dev",
                      "libmbedtls-dev", "libcurl4-openssl-dev", "libedit-dev" } do
    T.truthy(packages:find(" " .. p .. " ", 1, true), p .. " is needed to build: " .. packages)
  end
  local test = read(ROOT .. "/.ci/test")
  local extra = " " .. test:match('DUO_EXTRA_PACKAGES="(.-)"') .. " "
  for _, p in ipairs{ "chromium", "valgrind", "clang", "libclang-rt-14-dev", "python3", "openssl", "dpkg-dev",
                      "lua5.4" } do
    T.eq(packages:find(" " .. p .. " ", 1, true), nil, p .. " is only the tests' need: " .. packages)
    T.truthy(extra:find(" " .. p .. " ", 1, true), ".ci/test installs " .. p)
  end
  T.truthy(test:find("DUO_EXTRA_PACKAGES=.-sh %.ci/setup"), ".ci/test installs them through .ci/setup")
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
