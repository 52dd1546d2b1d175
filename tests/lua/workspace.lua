-- A temporary folder for tests that run duo-lua as a user does: files
-- written there, duo-lua run there as a process with no configuration but
-- what the test gives (HOME and XDG_CONFIG_HOME point inside the folder).
--
--   local W = require("workspace").new()
--   local path = W.write("a.csv", "name\nAcme\n", "600")
--   local code, out, err = W.run("--sandbox -w user-counts")
--   local config = W.server_config()   -- under run_with_server.sh
--   local config = W.server_config{ admin = true }   -- with the Admin API keys too
--   W.remove()
local M = {}

-- The duo-lua running the test, as an absolute path (commands run elsewhere).
local function interpreter()
  local exe = arg[-1]
  if exe:sub(1, 1) ~= "/" and exe:find("/", 1, true) then
    local p = assert(io.popen("pwd"))
    exe = p:read("l") .. "/" .. exe
    p:close()
  end
  return exe
end

function M.read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

function M.lines(s)
  local t = {}
  for l in s:gmatch("[^\n]+") do t[#t + 1] = l end
  return t
end

-- opts.stdin_null: standard input from /dev/null unless the args
-- redirect it (so no workflow finds a terminal).
function M.new(opts)
  opts = opts or {}
  local W = { DUO_LUA = interpreter(), read = M.read, lines = M.lines }
  W.tmp = os.tmpname()
  os.remove(W.tmp)
  assert(os.execute("mkdir -p " .. W.tmp .. "/cfg/duo-lua"))

  -- Writes name (relative to the folder) and returns its path.
  function W.write(name, text, mode)
    local path = W.tmp .. "/" .. name
    local f = assert(io.open(path, "wb"))
    f:write(text)
    f:close()
    if mode then assert(os.execute(string.format("chmod %s %s", mode, path))) end
    return path
  end

  -- Runs duo-lua with args (shell words) in the folder, env (shell words)
  -- before it; returns the exit status, stdout and stderr.
  function W.run(args, env)
    local errfile = W.tmp .. "/stderr.txt"
    local cmd = string.format("cd %s && env XDG_CONFIG_HOME=%s/cfg HOME=%s DUO_LUA_CONFIG= %s %s %s 2>%s",
                              W.tmp, W.tmp, W.tmp, env or "", W.DUO_LUA, args, errfile)
    if opts.stdin_null and not args:find("<", 1, true) then cmd = cmd .. " </dev/null" end
    local p = assert(io.popen(cmd))
    local out = p:read("a")
    local _, _, code = p:close()
    return code, out, M.read(errfile) or ""
  end

  -- Runs duo-lua with prefix and then each key of cases (shell words):
  -- each must exit with code and print one line on stderr that holds the
  -- case's value (plain text); then after(args), when given.
  function W.one_line_errors(prefix, cases, code, after)
    local T = require "testing"
    for args, want in pairs(cases) do
      local got, _, err = W.run(prefix .. " " .. args)
      T.eq(got, code, args .. ": " .. err)
      T.truthy(err:find(want, 1, true), args .. ": " .. err)
      T.eq(#M.lines(err), 1, args .. ": one line: " .. err)
      if after then after(args) end
    end
  end

  -- Under run_with_server.sh: a config file (mode 600) whose default
  -- profile "srv" has the test server's Accounts API keys (and its Admin
  -- API keys with copts.admin) and keeps its mapping store in the folder's
  -- srv.mappings.json; returns its path.
  function W.server_config(copts)
    local ts = require "testserver"
    local admin = ""
    if copts and copts.admin then
      admin = string.format("admin = { host = \"127.0.0.1:%s\", ikey = %q, skey = %q },", ts.port(),
                            ts.keys.admin.ikey, ts.keys.admin.skey)
    end
    return W.write("srv.lua", string.format([[
return {
  default = "srv",
  profiles = {
    srv = {
      accounts = { host = "127.0.0.1:%s", ikey = %q, skey = %q },
      %s
      ca = %q,
      max_backoff = 0,   -- a failing child's retries take no time
      mappings = "srv.mappings.json",
    },
  },
}
]], ts.port(), ts.keys.accounts.ikey, ts.keys.accounts.skey, admin, ts.ca), "600")
  end

  function W.remove()
    os.execute("rm -rf " .. W.tmp)
  end
  return W
end

return M
