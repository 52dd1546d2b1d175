-- Hostile data never reaches the terminal raw (issue 24, item 1): names
-- from clients' directories and the PSA holding ESC ] 52 (the clipboard),
-- ESC [ 2J, CR, BEL, U+202E, C1 and DEL are shown as escapes in every
-- table, plan, prompt, message and the REPL's printer, while --format json
-- still carries the exact bytes. Real duo-lua processes on a sandbox seed.
local T = require "testing"
local json = require "duo.json"
local pretty = require "duo.pretty"
local termtext = require "duo.termtext"

local W = require("workspace").new({ stdin_null = true })
local write, run = W.write, W.run

-- Everything a terminal acts on: the clipboard write of the issue's
-- reproducer, a screen clear, CR, BEL, RLO, CSI as C1 (U+009B), DEL.
local H = "\27]52;c;cm0gLXJmIH4K\7\27[2J\r\7\u{202e}\u{9b}\127"

-- The first byte sequence of s a terminal would act on, or nil: C0 but
-- newline, DEL, C1 as UTF-8 or as a raw byte, the bidi controls.
local function hostile_at(s, allow_tab)
  for i = 1, #s do
    local b = s:byte(i)
    if (b < 32 and b ~= 10 and not (allow_tab and b == 9)) or b == 127 then
      return string.format("byte 0x%02x at %d", b, i)
    end
  end
  if not utf8.len(s) then return "invalid UTF-8 at " .. select(2, utf8.len(s)) end
  for p, c in utf8.codes(s) do
    if (c >= 0x80 and c <= 0x9f) or c == 0x200e or c == 0x200f or (c >= 0x202a and c <= 0x202e)
       or (c >= 0x2066 and c <= 0x2069) then
      return string.format("U+%04X at %d", c, p)
    end
  end
  return nil
end

local function inert(s, what, allow_tab)
  local bad = hostile_at(s, allow_tab)
  T.truthy(bad == nil, string.format("%s: %s in %q", what, tostring(bad), s))
end

-- The seed: tests/data/seeds/small.json with hostile account names, a
-- hostile real name and e-mail for alice and dave (in bypass).
local seed = json.decode(W.read("../data/seeds/small.json"))
local ACME, GLOBEX = "Acme Corp" .. H, "Globex" .. H
seed.accounts[1].name = ACME
seed.accounts[2].name = GLOBEX
for _, u in ipairs(seed.accounts[1].users) do
  if u.username == "alice" or u.username == "dave" then
    u.realname = "Name" .. H
    u.email = u.username .. H .. "@acme.example"
  end
end
local SEED = write("hostile.json", json.encode(seed))
local SB = "--sandbox=" .. SEED .. " "
local COMPANIES = write("co.csv", 'id,name\nC1,"Acme Corp' .. H:gsub('"', '""') .. '"\nC2,Globex\n')

T.test("the sanitiser: what is escaped and what stays", function()
  T.eq(termtext.text("a\27[2Jb"), "a\\x1b[2Jb")
  T.eq(termtext.text("\7\r\0\127"), "\\x07\\x0d\\x00\\x7f")
  T.eq(termtext.text("x\u{202e}y\u{2066}\u{200f}"), "x\\u202ey\\u2066\\u200f")
  T.eq(termtext.text("\u{9b}\u{80}\u{9f}\u{a0}"), "\\u009b\\u0080\\u009f\u{a0}")
  T.eq(termtext.text("\x9b\xff\xc0\xaf\xed\xa0\x80"), "\\x9b\\xff\\xc0\\xaf\\xed\\xa0\\x80")   -- not UTF-8
  T.eq(termtext.text("back\\slash caf\u{e9} \u{4e2d} \u{1f600}"), "back\\slash caf\u{e9} \u{4e2d} \u{1f600}")
  T.eq(termtext.text("two\nlines\tand tab"), "two\nlines\tand tab")
  T.eq(termtext.cell("two\nlines\tand tab"), "two lines and tab")
  T.eq(termtext.lua("\u{202e}"), "\\u{202e}")
  T.eq(termtext.format("%s: %d %s", "a\27", 3, "b\n"), "a\\x1b: 3 b ")
  T.raises(function() require("duo._termtext").clean("x", "html") end, "invalid option 'html'")
end)

-- Runs a workflow on the hostile seed; checks stdout and stderr hold no
-- control byte, returns the exit status and both.
local function clean_run(args, what)
  local code, out, err = run(SB .. args)
  inert(out, what .. ": stdout")
  inert(err, what .. ": stderr")
  return code, out, err
end

-- A workflow's table (inert, showing `shown`) and its --format json (the
-- bytes JSON-escaped); returns the JSON text.
local function table_and_json(args, shown)
  local code, out = clean_run(args, args)
  T.eq(code, 0, args)
  T.truthy(out:find(shown, 1, true), out)
  code, out = run(SB .. args .. " --format json")
  T.eq(code, 0, args)
  T.truthy(out:find("\\u001b]52;c;", 1, true), "JSON-escaped: " .. out)
  return out
end

T.test("user-counts: the table escapes the names, --format json keeps their bytes", function()
  local out = table_and_json("-w user-counts", "Acme Corp\\x1b]52;c;cm0gLXJmIH4K\\x07\\x1b[2J\\x0d\\x07\\u202e")
  local code
  local names = {}
  for _, row in ipairs(json.decode(out)) do names[row.name] = true end
  T.truthy(names[ACME] and names[GLOBEX], "the exact bytes: " .. out)
  -- CSV and JSONL carry the bytes as their formats say
  code, out = run(SB .. "-w user-counts --format jsonl")
  T.eq(code, 0)
  T.eq(json.decode(out:match("^[^\n]+")).name, ACME)
  code, out = run(SB .. "-w user-counts --format csv")
  T.eq(code, 0)
  T.truthy(out:find(ACME, 1, true), out)
end)

T.test("bypass-audit: the table of users", function()
  table_and_json("-w bypass-audit", "dave\\x1b]52")
end)

T.test("offboard-user: the plan, the refusal and the table", function()
  local code, out, err = clean_run("-w offboard-user --username alice --action disable", "offboard-user")
  T.eq(code, 2, err)
  T.truthy(err:find("plan: disable 1 users", 1, true), err)
  T.truthy(err:find("in Acme Corp\\x1b]52;c;", 1, true), err)
  code, out, err = clean_run("-w offboard-user --username alice --action disable --dry-run", "offboard-user --dry-run")
  T.eq(code, 0, err)
  T.truthy(out:find("alice\\x1b]52;c;", 1, true), out)
  code, out = run(SB .. "-w offboard-user --username alice --action disable --dry-run --format json")
  T.eq(code, 0)
  T.eq(json.decode(out).matches[1].account, ACME)
end)

T.test("suggest-mappings: company and account names, the table and --explain", function()
  local code, out, err = clean_run("-w suggest-mappings --companies " .. COMPANIES, "suggest-mappings")
  T.eq(code, 0, err)
  T.truthy(out:find("Acme Corp\\x1b]52", 1, true), out)
  code, out, err = clean_run("-w suggest-mappings --explain --companies " .. COMPANIES, "suggest-mappings --explain")
  T.eq(code, 0, err)
  code, out, err = clean_run("-w suggest-mappings --save --companies " .. COMPANIES, "suggest-mappings --save")
  T.eq(code, 2, err)
  code, out = run(SB .. "-w suggest-mappings --format json --companies " .. COMPANIES)
  T.eq(code, 0)
  T.eq(json.decode(out).suggestions[1].company, "Acme Corp" .. H)
end)

T.test("mappings and sync-user: names in the store, the plans and results", function()
  local org = "Org" .. H
  local quoted = "'" .. org .. "'"
  local code, out, err = clean_run("-w mappings set --org " .. quoted .. " --account DAACME00000000000001 "
                                   .. "--directory-key DDACME00000000000001", "mappings set")
  T.eq(code, 2, err)
  code, out, err = run(SB .. "-w mappings set --yes --org " .. quoted .. " --account DAACME00000000000001 "
                       .. "--directory-key DDACME00000000000001")
  T.eq(code, 0, err)
  inert(out, "mappings set --yes")
  code, out, err = clean_run("-w mappings list", "mappings list")
  T.eq(code, 0, err)
  T.truthy(out:find("Org\\x1b]52", 1, true), out)
  code, out = run(SB .. "-w mappings list --format json")
  T.eq(code, 0)
  T.truthy(out:find("Org\\u001b]52", 1, true), out)
  code, out, err = clean_run("-w sync-user --org " .. quoted .. " --username alice", "sync-user")
  T.eq(code, 2, err)
  T.truthy(err:find("plan: sync 1 users", 1, true), err)
  code, out, err = clean_run("-w sync-user --yes --org " .. quoted .. " --username alice", "sync-user --yes")
  T.eq(code, 0, err)
  code, out, err = clean_run("-w mappings remove --org " .. quoted, "mappings remove")
  T.eq(code, 2, err)
end)

T.test("standards: the drift table and the --apply prompt", function()
  local code, out, err = run(SB .. "-w standards --capture DAACME00000000000001")
  T.eq(code, 0, err)
  local baseline = json.decode(out)
  baseline.lockout_threshold = 3
  local file = write("baseline.json", json.encode(baseline))
  code, out, err = clean_run("-w standards --baseline " .. file, "standards")
  T.truthy(out:find("Acme Corp\\x1b]52", 1, true), out)
  code, out, err = clean_run("-w standards --apply --baseline " .. file, "standards --apply")
  T.eq(code, 2, err)
end)

T.test("an error line printed by the host is inert, its lines kept", function()
  local script = write("fail.lua", "error(" .. string.format("%q", "bad\27[2J\u{202e}name\nsecond line") .. ", 0)")
  local code, out, err = run(script)
  T.eq(code, 1)
  T.eq(out, "")
  inert(err, "error line", true)   -- the traceback's tabs stay
  T.truthy(err:find("^duo%-lua: bad\\x1b%[2J\\u202ename\nsecond line"), err)
  -- a Duo error whose message quotes the server
  script = write("duoerr.lua", "require('duo.error').config('%s', " .. string.format("%q", "x\27]52;c;y\7") .. ")")
  code, out, err = run(script)
  T.eq(code, 1)
  inert(err, "Duo error line")
  T.truthy(err:find("x\\x1b]52;c;y\\x07", 1, true), err)
end)

T.test("a failed task nobody waited for is reported inert", function()
  local script = write("task.lua", "require('duo').spawn(function() error(" .. string.format("%q", "t\27]52;c;x\7") .. ", 0) end)")
  local code, _, err = run(script)
  T.eq(code, 1)
  inert(err, "task failure")
  T.truthy(err:find("t\\x1b]52;c;x\\x07"), err)
end)

T.test("the progress line escapes its label", function()
  local script = write("progress.lua", "require('duo').parallel({ 1, 2 }, function() end, { progress = true, label = "
                       .. string.format("%q", "lbl\27[2J\u{202e}") .. " })")
  local code, _, err = run(script)
  T.eq(code, 0, err)
  -- the line's own "\r ESC [K" is the only control it sends
  local rest = err:gsub("\r\27%[K", "")
  inert(rest, "progress line")
  T.truthy(rest:find("lbl\\x1b[2J\\u202e: 2/2 done", 1, true), err)
end)

T.test("the REPL's printer: strings as Lua literals, nothing raw", function()
  local s = pretty.format({ name = ACME, raw = "\x9b\xff", bidi = "\u{2067}" })
  inert(s, "pretty.format")
  T.truthy(s:find('"Acme Corp\\027]52;c;cm0gLXJmIH4K\\a\\027[2J\\r\\a\\u{202e}\\u{009b}\\127"', 1, true), s)
  T.truthy(s:find('raw = "\\x9b\\xff"', 1, true), s)
  -- the literal reads back as the same bytes
  T.eq(load("return " .. pretty.format(ACME))(), ACME)
  T.eq(load("return " .. pretty.format("\x9b\xff\u{2067}x"))(), "\x9b\xff\u{2067}x")
end)

W.remove()
T.done()
