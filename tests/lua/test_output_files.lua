-- The one way duo-lua writes an --output file, a --log and the store: it
-- refuses this run's store, config or input (by identity, not by name),
-- never writes through a link at the path, makes files holding directory
-- keys or log data owner-only, and cleans the temporary files a killed
-- run left.
local T = require "testing"
local W = require("workspace").new({ stdin_null = true })

local STORE = W.tmp .. "/cfg/duo-lua/sandbox.mappings.json"

local function mode_of(path)
  local p = assert(io.popen("stat -c %a " .. path))
  local m = p:read("l")
  p:close()
  return m
end

local function sh(cmd)
  assert(os.execute(cmd), cmd)
end

-- Two organizations in the sandbox's store, with directory keys.
local function fill_store()
  os.remove(STORE)
  local code, out, err = W.run("--sandbox -w mappings set --org 'Acme Corp' --account DAACMEACCOUNT0000001 "
                               .. "--directory-key DDACMEDIRECTORYKEY01 --offline --yes")
  T.eq(code, 0, out .. err)
  code, out, err = W.run("--sandbox -w mappings set --org Globex --account DAGLOBEXACCOUNT00002 "
                         .. "--directory-key DDGLOBEXDIRECTORY002 --offline --yes")
  T.eq(code, 0, out .. err)
  return W.read(STORE)
end

T.test("mappings export --output THE STORE is refused and the store kept", function()
  local before = fill_store()
  T.truthy(before:find("DDACMEDIRECTORYKEY01", 1, true), "the store has its keys")
  local code, _, err = W.run("--sandbox -w mappings export --output " .. STORE)
  T.truthy(code ~= 0, "refused")
  T.truthy(err:find("is the mapping store", 1, true), err)
  T.eq(W.read(STORE), before, "the store is unchanged")
  -- another spelling of the same file: through a link, and with ./..
  sh("ln -sf " .. STORE .. " " .. W.tmp .. "/alias.json")
  code, _, err = W.run("--sandbox -w mappings export --output alias.json")
  T.truthy(code ~= 0 and err:find("is the mapping store", 1, true), err)
  code, _, err = W.run("--sandbox -w mappings export --output ./cfg/../cfg/duo-lua/sandbox.mappings.json")
  T.truthy(code ~= 0 and err:find("is the mapping store", 1, true), err)
  T.eq(W.read(STORE), before, "the store is still unchanged")
end)

T.test("mappings list --output THE CONFIG is refused and the config kept", function()
  local config = W.write("cfg.lua", "return { default = 'p', profiles = { p = {} } }\n", "600")
  local before = W.read(config)
  local code, _, err = W.run("--sandbox -c " .. config .. " -w mappings list --output " .. config)
  T.truthy(code ~= 0, "refused")
  T.truthy(err:find("is the config file", 1, true), err)
  T.eq(W.read(config), before)
end)

T.test("--output never writes over an input of the run", function()
  local companies = W.write("co.csv", "name\nAcme Corp\n")
  local code, _, err = W.run("--sandbox -w suggest-mappings --companies co.csv --output co.csv")
  T.truthy(code ~= 0, "refused")
  T.truthy(err:find("is the companies file", 1, true), err)
  T.eq(W.read(companies), "name\nAcme Corp\n")
end)

T.test("--output replaces a link at the path, never its target", function()
  local target = W.write("precious.txt", "keep me\n")
  sh("ln -sf " .. target .. " " .. W.tmp .. "/out.txt")
  local code, out, err = W.run("--sandbox -w user-counts --output out.txt")
  T.eq(code, 0, out .. err)
  T.eq(W.read(target), "keep me\n", "the link's target is untouched")
  local p = assert(io.popen("test -L " .. W.tmp .. "/out.txt && echo link || echo file"))
  T.eq(p:read("l"), "file", "the link itself was replaced")
  p:close()
  T.truthy(W.read(W.tmp .. "/out.txt"):find("ACCOUNT", 1, true), "the table is in the file")
end)

T.test("files holding directory keys and log lines are owner-only", function()
  fill_store()
  local code, out, err = W.run("--sandbox -w mappings export --output keys.json")
  T.eq(code, 0, out .. err)
  T.truthy(W.read(W.tmp .. "/keys.json"):find("DDACMEDIRECTORYKEY01", 1, true), "the keys in full")
  T.eq(mode_of(W.tmp .. "/keys.json"), "600")
  -- also when the file was there, readable by everyone
  W.write("keys2.json", "old\n", "644")
  code, out, err = W.run("--sandbox -w mappings export --output keys2.json")
  T.eq(code, 0, out .. err)
  T.eq(mode_of(W.tmp .. "/keys2.json"), "600")
  code, out, err = W.run("--sandbox --log run.log -w user-counts")
  T.eq(code, 0, out .. err)
  T.eq(mode_of(W.tmp .. "/run.log"), "600")
end)

T.test("--log through a link is refused and its target untouched", function()
  local target = W.write("elsewhere.txt", "untouched\n")
  sh("ln -sf " .. target .. " " .. W.tmp .. "/link.log")
  local code, _, err = W.run("--sandbox --log link.log -w user-counts")
  T.truthy(code ~= 0, "refused")
  T.truthy(err:find("link.log", 1, true), err)
  T.eq(W.read(target), "untouched\n")
end)

T.test("a killed run's temporary copies of the store are removed by the next save", function()
  fill_store()
  -- a process that has ended, and one that runs (this test)
  local p = assert(io.popen("sh -c 'echo $$'"))
  local dead = p:read("l")
  p:close()
  local live = W.read("/proc/self/stat"):match("^(%d+)")
  local stale = STORE .. ".tmp-" .. dead .. "-AbC123"
  local busy = STORE .. ".tmp-" .. live .. "-XyZ789"
  W.write(stale:sub(#W.tmp + 2), "a whole copy of the store with DDACMEDIRECTORYKEY01\n")
  W.write(busy:sub(#W.tmp + 2), "another run's save in progress\n")
  local code, out, err = W.run("--sandbox -w mappings remove --org Globex --yes")
  T.eq(code, 0, out .. err)
  T.eq(W.read(stale), nil, "the dead run's copy is gone")
  T.truthy(W.read(busy), "a running process's file is left alone")
  local left = assert(io.popen("ls " .. W.tmp .. "/cfg/duo-lua/"))
  local names = left:read("a")
  left:close()
  T.truthy(not names:find("tmp%-" .. dead), names)
end)


T.test("a config or store others may change: refused with a secret in it, a warning without", function()
  local skey = string.rep("s", 40)
  local plain = W.write("plain.lua", 'return { default = "p", profiles = { p = { admin = { host = '
                        .. '"api-x.duosecurity.com", ikey = "DIXXXXXXXXXXXXXXXXXX", skey = env "SK" } } } }\n', "664")
  local code, out, err = W.run("-c " .. plain .. " -e 'print(#require(\"duo\").profiles())'", "SK=" .. skey)
  T.eq(code, 0, err)
  T.eq(out, "1\n")
  T.truthy(err:find("warning: config file .* may be changed by group or others %(mode 664%)"), err)
  T.truthy(err:find("chmod go-w", 1, true), err)
  local secret = W.write("secret.lua", 'return { default = "p", profiles = { p = { admin = { host = '
                         .. '"api-x.duosecurity.com", ikey = "DIXXXXXXXXXXXXXXXXXX", skey = "' .. skey .. '" } } } }\n')
  sh("chmod 600 " .. secret)
  code, _, err = W.run("-c " .. secret .. " -e 'require(\"duo\").profiles()'")
  T.eq(code, 0, err)
  T.eq(err, "", "an owner-only config says nothing")
  sh("mkdir -p " .. W.tmp .. "/open && chmod 777 " .. W.tmp .. "/open && mv " .. secret .. " " .. W.tmp .. "/open/")
  code, _, err = W.run("-c open/secret.lua -e 'require(\"duo\").profiles()'")
  T.truthy(code ~= 0, "refused in a folder anyone may write to")
  T.truthy(err:find("holds a secret key and is in .*open, a folder anyone may write to"), err)
  T.truthy(not err:find(skey, 1, true), "no secret in the message")
  -- a store others may change: a warning, once
  fill_store()
  sh("chmod 666 " .. STORE)
  code, out, err = W.run("--sandbox -w mappings list")
  T.eq(code, 0, err)
  local _, n = err:gsub("warning: the mapping store", "")
  T.eq(n, 1, "warned once: " .. err)
  sh("chmod 600 " .. STORE)
end)

T.test("user-counts --since refuses counts that are not counts, never wraps around", function()
  local since = W.write("since.json", '[{"account_id": "DAXXXXXXXXXXXXXXXXX1", "total": -9223372036854775626}]')
  local code, _, err = W.run("--sandbox -w user-counts --since " .. since)
  T.eq(code ~= 0, true, "refused")
  T.truthy(err:find("has total = %-9223372036854775626, not a count of users"), err)
end)


T.test("export-logs: events and checkpoint owner-only; a repair cuts in place, never through a planted link", function()
  local code, out, err = W.run("--sandbox -w export-logs --out logs --types authentication")
  T.eq(code, 0, out .. err)
  T.eq(mode_of(W.tmp .. "/logs/authentication.jsonl"), "600", "users' logins")
  T.eq(mode_of(W.tmp .. "/logs/checkpoints.json"), "600")
  local events = W.read(W.tmp .. "/logs/authentication.jsonl")
  -- a run killed after writing events but before the checkpoint: more bytes
  -- than the checkpoint counts; and a link planted where a copy used to go
  local target = W.write("victim.txt", "untouched\n")
  sh("ln -sf " .. target .. " " .. W.tmp .. "/logs/authentication.jsonl.cut")
  local f = assert(io.open(W.tmp .. "/logs/authentication.jsonl", "ab"))
  f:write('{"half": "a line'):close()
  code, out, err = W.run("--sandbox -w export-logs --out logs --types authentication")
  T.eq(code, 0, out .. err)
  T.eq(W.read(target), "untouched\n", "the link's target is untouched")
  T.truthy(not W.read(W.tmp .. "/logs/authentication.jsonl"):find('{"half"', 1, true), "the half line is gone")
  T.eq(W.read(W.tmp .. "/logs/authentication.jsonl"):sub(1, #events), events, "what was counted is kept")
  -- the events file itself a link: refused, its target untouched
  sh("mv " .. W.tmp .. "/logs/authentication.jsonl " .. W.tmp .. "/real.jsonl && ln -s " .. W.tmp
     .. "/victim.txt " .. W.tmp .. "/logs/authentication.jsonl")
  code, _, err = W.run("--sandbox -w export-logs --out logs --types authentication")
  T.truthy(code ~= 0, "refused")
  T.eq(W.read(target), "untouched\n")
end)

W.remove()
T.done()
