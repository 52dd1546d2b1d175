-- What every workflow shares (SPEC section 6, "Common to every workflow"):
-- finding workflows (bundled and a user's), their exit status, host
-- options after the name, --output, --account, the write confirmation,
-- CSV and table output; and the mapping store's safety: the lock (two
-- processes writing at once), atomic replacement keeping links, mode and
-- owner, import checks. Real duo-lua processes on the sandbox.
local T = require "testing"
local json = require "duo.json"
local core = require "duo._sys"
local output = require "workflows.lib.output"

local W = require("workspace").new{ stdin_null = true }
local tmp, write, read, run, lines = W.tmp, W.write, W.read, W.run, W.lines
local DUO_LUA = W.DUO_LUA
assert(os.execute("mkdir -p " .. tmp .. "/cfg/duo-lua/workflows " .. tmp .. "/mine"))
local STORE = tmp .. "/cfg/duo-lua/sandbox.mappings.json"
-- A profile with no credentials but the same store: for --offline writes,
-- without the sandbox's start-up.
local CFG = write("offline.lua", string.format("return { profiles = { sandbox = { mappings = %q } } }\n", STORE))
local OFFLINE = "-c " .. CFG .. " "

local function sh(cmd)
  local p = assert(io.popen(cmd))
  local out = p:read("a")
  p:close()
  return out
end

-- Finding and running workflows ------------------------------------------------------

T.test("-w list: one line each with its description, a user's workflows beside the bundled", function()
  write("cfg/duo-lua/workflows/hello.lua", "-- hello: says hello and exits 3\nprint('hello', ...)\nreturn 3\n")
  write("mine/extra.lua", "-- extra: from --workflows-dir\nreturn 0\n")
  local code, out, err = run("--workflows-dir " .. tmp .. "/mine -w list")
  T.eq(code, 0, err)
  out = "\n" .. out
  T.truthy(out:find("\nmappings +the mapping store"), out)
  T.truthy(out:find("\nuser%-counts +users per child account"), out)
  T.truthy(out:find("\nhello +says hello and exits 3 %(" .. tmp:gsub("%p", "%%%0")), out)
  T.truthy(out:find("\nextra +from %-%-workflows%-dir"), out)
  for _, l in ipairs(lines(out)) do T.truthy(l:find("^[%w_-]+  +%S"), "name and description: " .. l) end
end)

T.test("a workflow returns its exit status; host options after its name are the host's", function()
  local code, out = run("-w hello a --profile nobody b")
  T.eq(code, 3)
  T.eq(out, "hello\ta\tb\n", "--profile P is taken out of the workflow's arguments")
  code, out = run("-w hello -- --dry-run")
  T.eq(code, 3)
  T.eq(out, "hello\t--\t--dry-run\n", "after --, everything is the workflow's")
  code, out = run("--workflows-dir " .. tmp .. "/mine -w extra")
  T.eq(code, 0)
  local _, _, err = run("-w 'no/such'")
  T.truthy(err:find("unknown workflow 'no/such' (duo-lua -w list shows them)", 1, true), err)
  code, out, err = run("-w user-counts --profile")
  T.eq(code, 2)
  T.truthy(err:find("'--profile' needs a profile name", 1, true), err)
end)

T.test("no library code ends the process (os.exit)", function()
  for _, path in ipairs(core.embedded("workflows/")) do
    T.truthy(not core.read_embedded(path):find("os%.exit"), path)
  end
end)

T.test("the README's example of a user's workflow runs as written", function()
  local f = assert(io.open("../../README.md"))
  local readme = f:read("a")
  f:close()
  local section = readme:match("### Writing a workflow(.-)\n## ")
  local code_text = section and section:match("```lua\n(.-)```")
  T.truthy(code_text, "README has the example")
  write("mine/stale-bypass.lua", code_text)
  local code, out, err = run("--sandbox --workflows-dir " .. tmp .. "/mine -w stale-bypass --format json "
                             .. "--account 'Lakeside CCU'")
  T.eq(code, 0, err)
  local doc = json.decode(out)
  T.eq(#doc, 1)
  T.eq(doc[1].account, "Lakeside CCU")
  T.eq(math.type(doc[1].bypass), "integer")
  local _, list = run("--workflows-dir " .. tmp .. "/mine -w list")
  T.truthy(list:find("\nstale%-bypass +users in bypass status per child account"), list)
end)

-- Output ---------------------------------------------------------------------------

T.test("output: CSV cells that a spreadsheet would run are neutralised", function()
  local sink, got = { write = function(self, ...) for _, s in ipairs{ ... } do self[#self + 1] = s end end }, nil
  output.csv({ { a = "=HYPERLINK(\"x\")", b = "+1", c = "-2", d = "@SUM(A1)", e = 5, f = "ok" } },
             { { key = "a" }, { key = "b" }, { key = "c" }, { key = "d" }, { key = "e" }, { key = "f" } }, sink)
  got = table.concat(sink)
  T.eq(got, "a,b,c,d,e,f\n\"'=HYPERLINK(\"\"x\"\")\",'+1,'-2,'@SUM(A1),5,ok\n")
end)

T.test("output: tables align by display width (CJK, emoji, combining marks)", function()
  T.eq(output.width("abc"), 3)
  T.eq(output.width("東京"), 4)
  T.eq(output.width("🚀x"), 3)
  T.eq(output.width("e\u{301}"), 1)
  local sink = { write = function(self, ...) for _, s in ipairs{ ... } do self[#self + 1] = s end end }
  output.table({ { a = "東京", b = 1 }, { a = "🚀", b = 2 }, { a = "Zoë", b = 3 } }, { { key = "a" }, { key = "b" } }, sink)
  local ls = lines(table.concat(sink))
  for i = 2, #ls do T.eq(output.width(ls[i]:match("^(.-)%d$")), 6, ls[i]) end
end)

T.test("output: long cells end in … at MAX_CELL columns; a 100,000-character name renders at once", function()
  local sink = { write = function(self, ...) for _, s in ipairs{ ... } do self[#self + 1] = s end end }
  local long = string.rep("Acme ", 20000)                 -- 100,000 characters
  local wide = string.rep("東", 100)                        -- 200 columns
  output.table({ { name = long, n = 1 }, { name = "short", n = 2 }, { name = wide, n = 3 } },
               { { key = "name" }, { key = "n" } }, sink)
  local ls = lines(table.concat(sink))
  T.eq(#ls, 4)
  for i = 2, 4 do
    T.eq(output.width(ls[i]:match("^(.-)%d$")), output.MAX_CELL + 2, ls[i])
  end
  T.truthy(ls[2]:find("…", 1, true), ls[2])
  T.truthy(ls[4]:find("…", 1, true), ls[4])
  T.truthy(not ls[3]:find("…", 1, true), ls[3])
  T.eq(#table.concat(sink) < 1000, true, "the rows are not as wide as the name")
  T.eq(output.fit("abcdef", 4), "abc…")
  T.eq(output.fit("東京都", 4), "東…")
  T.eq(output.fit("abc", 3), "abc")
  -- a column's own max_width
  sink = { write = sink.write }
  output.table({ { id = "DA0123456789ABCDEFGH" } }, { { key = "id", max_width = 8 } }, sink)
  T.eq(lines(table.concat(sink))[2], "DA01234…")
end)

T.test("--output FILE and --account/--exclude-account on a fan-out", function()
  local code, out, err = run("--sandbox -w user-counts --format json --account 'Lakeside CCU' --account "
                             .. "'Cascade Family Dental, P.C.' --output counts.json")
  T.eq(code, 0, err)
  T.eq(out, "")
  local doc = json.decode(read(tmp .. "/counts.json"))
  T.eq(#doc, 2)
  code, out, err = run("--sandbox -w user-counts --format jsonl --exclude-account 'Lakeside CCU'")
  T.eq(code, 0, err)
  T.eq(#lines(out), 24)
  for _, l in ipairs(lines(out)) do T.truthy(json.decode(l).name ~= "Lakeside CCU", l) end
  code, out, err = run("--sandbox -w user-counts --account 'Lakeside'")
  T.eq(code, 1)
  T.truthy(err:find("close matches: 'Lakeside CCU'", 1, true), err)
  code, _, err = run("--sandbox -w user-counts --output " .. tmp)
  T.eq(code, 1)
  T.truthy(err:find("cannot write --output " .. tmp, 1, true), err)
end)

-- Writes ask first ---------------------------------------------------------------------

T.test("a write with no terminal and no --yes is refused; --dry-run needs no --yes", function()
  os.remove(STORE)
  local code, out, err = run(OFFLINE .. "-w mappings set --org Acme --account DAACME00000000000001 --offline")
  T.eq(code, 2)
  T.eq(out, "")
  T.truthy(err:find("not writing without --yes", 1, true), err)
  T.eq(#lines(err), 1, err)
  T.eq(read(STORE), nil, "nothing written")
  code, _, err = run("--sandbox -w suggest-mappings --save --companies " .. tmp .. "/none.csv")
  T.eq(code, 2, "the companies file is read first (missing: a usage error): " .. err)
  T.truthy(err:find("cannot read the companies file", 1, true), err)
  code, out, err = run(OFFLINE .. "--dry-run -w mappings set --org Acme --account DAACME00000000000001 --offline")
  T.eq(code, 0, err)
  T.eq(read(STORE), nil)
end)

-- The mapping store -------------------------------------------------------------------

T.test("mappings set --format json, who confirmed and when", function()
  os.remove(STORE)
  local code, out, err = run(OFFLINE .. "-w mappings set --yes --offline --format json --org Acme "
                             .. "--account DAACME00000000000001")
  T.eq(code, 0, err)
  local doc = json.decode(out)
  T.eq(doc.command, "set")
  T.eq(doc.changes[1].action, "added")
  T.eq(doc.changes[1].organization.name, "Acme")
  local e = json.decode(read(STORE)).organizations[1]
  T.eq(e.confirmed, true)
  T.eq(e.confirmed_by, sh("id -un"):match("%S+"))
  T.truthy(e.confirmed_at:match("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ$"), e.confirmed_at)
end)

T.test("mappings set checks the account against the deployment unless --offline", function()
  local code, _, err = run("--sandbox -w mappings set --yes --org X --account DAXXXXXXXXXXXXXXXXXX")
  T.eq(code, 1)
  T.truthy(err:find("no child account with the ID or exact name 'DAXXXXXXXXXXXXXXXXXX'", 1, true), err)
  code, _, err = run("--sandbox -w mappings set --yes --offline --org X --account 'Lakeside CCU'")
  T.eq(code, 2)
  T.truthy(err:find("with --offline, --account must be a child account ID", 1, true), err)
end)

T.test("mappings import: unknown columns refused, no account never confirmed, IDs checked, BOM", function()
  os.remove(STORE)
  local bad = write("cols.csv", "name,duo_acount_id,notes\nAcme,DA1,x\n")
  local code, _, err = run("--sandbox -w mappings import --yes " .. bad)
  T.eq(code, 1)
  T.truthy(err:find(":1: unknown columns 'duo_acount_id', 'notes'", 1, true), err)
  local noacct = write("noacct.csv", "\239\187\191name,id,confirmed\nNo Account Org,C9,true\n")
  code, _, err = run("--sandbox -w mappings import --yes " .. noacct)
  T.eq(code, 0, err)
  local e = json.decode(read(STORE)).organizations[1]
  T.eq(e.name, "No Account Org", "a BOM before the header is not part of 'name'")
  T.eq(e.confirmed, false, "an entry without an account is never confirmed")
  code, _, err = run(OFFLINE .. "-w mappings import --yes --offline - < " .. write("stdin.csv", "name\nFrom Stdin\n"))
  T.eq(code, 0, err)
  T.eq(json.decode(read(STORE)).organizations[2].name, "From Stdin", "- reads standard input")
  local unknown = write("unknown.csv", "name,duo_account_id\nGhost,DAGHOST0000000000001\n")
  code, _, err = run("--sandbox -w mappings import --yes " .. unknown)
  T.eq(code, 1)
  T.truthy(err:find("unknown.csv:2: 'DAGHOST0000000000001' is not a child account of this deployment", 1, true), err)
  code, _, err = run(OFFLINE .. "-w mappings import --yes --offline " .. unknown)
  T.eq(code, 0, err)
  -- a store with a BOM (saved by a Windows editor) is read
  write("cfg/duo-lua/sandbox.mappings.json", "\239\187\191" .. read(STORE), "600")
  code, _, err = run(OFFLINE .. "-w mappings list --format json")
  T.eq(code, 0, err)
end)

T.test("the store: a symbolic link stays a link, mode and group kept, unwritable refused", function()
  os.remove(STORE)
  assert(os.execute("mkdir -p " .. tmp .. "/shared"))
  local real = write("shared/team.json", '{"organizations": []}\n', "660")
  assert(os.execute(string.format("ln -s %s %s", real, STORE)))
  local code, _, err = run(OFFLINE .. "-w mappings set --yes --offline --org A --account DAAAAAAAAAAAAAAAAAAA")
  T.eq(code, 0, err)
  T.eq(sh("test -L " .. STORE .. " && echo link"), "link\n", "still a link")
  T.eq(#json.decode(read(real)).organizations, 1, "the real file was written")
  T.eq(select(2, require("duo._file").kind(real)), 432, "mode 0660 kept")
  T.eq(sh("ls -A " .. tmp .. "/shared"), "team.json\nteam.json.lock\n", "no temporary file left")
  assert(os.execute("chmod 440 " .. real))
  local before = read(real)
  code, _, err = run(OFFLINE .. "-w mappings set --yes --offline --org B --account DABBBBBBBBBBBBBBBBBB")
  if sh("id -u") ~= "0\n" then   -- root may write anything
    T.eq(code, 1)
    T.truthy(err:find("cannot write " .. STORE .. ": Permission denied (mode 440", 1, true), err)
    T.eq(read(real), before, "unchanged")
  end
  T.eq(select(2, require("duo._file").kind(real)), 288, "mode 0440 kept")
  assert(os.execute("chmod 660 " .. real))
  os.remove(STORE)
  -- a link to a store not written yet: the store is created where it points
  assert(os.execute(string.format("ln -s %s/shared/later.json %s", tmp, STORE)))
  code, _, err = run(OFFLINE .. "-w mappings set --yes --offline --org C --account DACCCCCCCCCCCCCCCCCC")
  T.eq(code, 0, err)
  T.eq(sh("test -L " .. STORE .. " && echo link"), "link\n", "still a link")
  T.eq(json.decode(read(tmp .. "/shared/later.json")).organizations[1].name, "C")
  T.eq(select(2, require("duo._file").kind(tmp .. "/shared/later.json")), 384, "a new store is 0600")
  os.remove(STORE)
end)

T.test("a store that cannot be written is one clear line, exit 1", function()
  local cfg = write("nowhere.lua", string.format("return { profiles = { p = { mappings = %q } } }\n",
                                                 tmp .. "/no/such/folder/store.json"))
  local code, out, err = run("-c " .. cfg .. " -w mappings set --yes --offline --org A --account DAAAAAAAAAAAAAAAAAAA")
  T.eq(code, 1)
  T.eq(out, "")
  T.eq(#lines(err), 1, err)
  T.truthy(err:find("cannot change the mapping store " .. tmp .. "/no/such/folder/store.json: ", 1, true), err)
  cfg = write("folder.lua", string.format("return { profiles = { p = { mappings = %q } } }\n", tmp .. "/shared"))
  code, _, err = run("-c " .. cfg .. " -w mappings set --yes --offline --org A --account DAAAAAAAAAAAAAAAAAAA")
  T.eq(code, 1)
  T.truthy(err:find("the mapping store " .. tmp .. "/shared is a folder, not a file", 1, true), err)
end)

T.test("two processes each running 30 mappings set at once keep all 60 entries", function()
  os.remove(STORE)
  local script = write("many.sh", string.format([[
for i in $(seq 1 30); do
  %s -c %s -w mappings set --yes --offline \
    --org "$1 org $i" --account DA$1$(printf '%%017d' $i) >/dev/null 2>>%s/many.err || echo fail >>%s/many.err
done
]], DUO_LUA, CFG, tmp, tmp))
  os.remove(tmp .. "/many.err")
  assert(os.execute(string.format("cd %s && (sh %s A & sh %s B & wait)", tmp, script, script)))
  T.eq(read(tmp .. "/many.err") or "", "", "every set succeeded")
  local doc = json.decode(read(STORE))
  T.eq(#doc.organizations, 60, "all 60 entries kept")
  local seen = {}
  for _, e in ipairs(doc.organizations) do seen[e.name] = true end
  for i = 1, 30 do
    T.truthy(seen["A org " .. i] and seen["B org " .. i], "org " .. i)
  end
end)

T.test("--org without --profile searches every profile's store; in two is an error naming both", function()
  local cfg = write("two.lua", [[
return { default = "one", profiles = {
  one = { mappings = "one.json", admin = { host = "api-one.duosecurity.com", ikey = "DIONE", skey = env "NONE" } },
  two = { mappings = "two.json", admin = { host = "api-two.duosecurity.com", ikey = "DITWO", skey = env "NONE" } },
} }
]], "600")
  write("one.json", json.encode{ organizations = json.array{ { name = "Shared", duo_account_id = "DA1" },
                                                            { name = "OnlyOne", duo_account_id = "DA1" } } })
  write("two.json", json.encode{ organizations = json.array{ { name = "shared", duo_account_id = "DA2" },
                                                            { name = "OnlyTwo", duo_account_id = "DA2" } } })
  local code, _, err = run("-c " .. cfg .. " -w sync-user --org Shared --username u")
  T.eq(code, 1)
  T.truthy(err:find("organization 'Shared' is in the mapping stores of profile 'one' (" .. tmp .. "/one.json) and "
                    .. "profile 'two' (" .. tmp .. "/two.json): name one with --profile", 1, true), err)
  code, _, err = run("-c " .. cfg .. " -w mappings remove --yes --org OnlyTwo")
  T.eq(code, 0, err)
  T.eq(#json.decode(read(tmp .. "/two.json")).organizations, 1, "removed from the store that held it")
  T.eq(#json.decode(read(tmp .. "/one.json")).organizations, 2)
end)

-- duo.dirsync ---------------------------------------------------------------------------

T.test("duo.dirsync resolves the organization through the profile's mapping store", function()
  local script = write("dirsync.lua", [[
local duo = require "duo"
local d, username   -- a directory of the demo tenant and one of its users
for _, a in ipairs(require("sandbox.demo").seed(1, os.time()).accounts) do
  for _, u in ipairs(a.directories and a.users or {}) do
    if d == nil and u.directory == a.directories[1].directory_key then
      d, username = { account = a.name, directory_key = u.directory }, u.username
    end
  end
end
local f = assert(io.open(arg[1], "w"))
f:write(duo.json.encode{ organizations = { { name = "Synced Org", duo_account_id = duo.accounts():child(d.account).account_id,
                                            duo_admin_api_directory_key = d.directory_key } } })
f:close()
print(duo.dirsync{ org = "synced org", username = username }.action)
print(duo.dirsync{ account = d.account, directory_key = d.directory_key, username = username }.action)
print(select(2, pcall(duo.dirsync, { org = "Nobody", username = username })))
print(select(2, pcall(duo.dirsync, { org = "Synced Org", account = "x", username = username })))
print(select(2, pcall(duo.dirsync, { username = username, colour = "red" })))
]])
  local code, out, err = run("--sandbox " .. script .. " " .. STORE)
  T.eq(code, 0, err)
  local l = lines(out)
  T.eq(l[1], "updated")
  T.eq(l[2], "updated")
  T.truthy(l[3]:find("no organization 'Nobody' in the mapping store " .. STORE, 1, true), l[3])
  T.truthy(l[4]:find("give 'org', or 'account' and 'directory_key', not both", 1, true), l[4])
  T.truthy(l[5]:find("bad argument #1 to 'dirsync' (unknown option 'colour')", 1, true), l[5])
  os.remove(STORE)
end)

W.remove()
T.done()
