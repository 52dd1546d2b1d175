-- Progress on long work (SPEC section 10, issue 21): duo.progress's
-- status lines when stderr is not a terminal, asked for with --progress,
-- on the sandbox's virtual time (export-logs paced at Duo's 2 log
-- requests a minute moves it 30 s a page), ending with a summary; nothing
-- without --progress; the same helper under duo.parallel and the fan-out
-- workflows. The terminal's line is tested through a pty
-- (tests/repl/test_progress_pty.py).
local T = require "testing"
local W = require("workspace").new{ stdin_null = true }
local json = require "duo.json"

local run, lines = W.run, W.lines
local array = json.array

local SEED = W.write("progress.json", json.encode{
  options = { virtual_time = true, rate_limits = { logs = 2 } },
  accounts = array{
    { name = "One", account_id = "DAONE000000000000001", generated_logs = { authentication = 900, days = 20 },
      users = array{ { username = "a" } } },
    { name = "Two", account_id = "DATWO000000000000001", generated_logs = { authentication = 500, days = 20 },
      users = array{ { username = "b" } } },
  },
})
local SB = "--sandbox=" .. SEED .. " "

local STATUS = "^export%-logs: (%d+)/8 done, (%d+) failed, [%d.]+/%a+, %S+ left, (%d+) pages, (%d+) events$"

T.test("export-logs --progress without a terminal: a status line every few seconds, then a summary", function()
  local code, out, err = run(SB .. "-w export-logs --out p --progress --format json")
  T.eq(code, 0, err)
  local doc = json.decode(out)
  local pages, events = 0, 0
  for _, r in ipairs(doc.results) do pages, events = pages + r.pages, events + r.events end
  local status, last_events = 0, -1
  local l = lines(err)
  T.truthy(not err:find("\27", 1, true) and not err:find("\r", 1, true), "no terminal codes: " .. err)
  for i = 1, #l - 1 do
    local done, failed, p, e = l[i]:match(STATUS)
    T.truthy(done, "a status line: " .. l[i])
    T.eq(failed, "0")
    T.truthy(tonumber(e) >= last_events, "events only grow")
    last_events = tonumber(e)
    T.truthy(tonumber(p) <= pages, "pages")
    status = status + 1
  end
  T.truthy(status >= 3, "several status lines over the virtual minutes: " .. status)
  T.truthy(status < pages, "not one a page: at most one every 5 s (" .. status .. " for " .. pages .. " pages)")
  T.eq(l[#l], string.format("export-logs: finished: 8/8 done, 0 failed, in %s, %d pages, %d events",
                            l[#l]:match("in (%S+),"), pages, events), "the summary ends it")
end)

T.test("without --progress and without a terminal, no progress at all", function()
  local code, _, err = run(SB .. "-w export-logs --out q --format json")
  T.eq(code, 0, err)
  T.eq(err, "")
  code, _, err = run(SB .. "-w user-counts --format json")
  T.eq(code, 0, err)
  T.eq(err, "")
end)

T.test("user-counts and suggest-mappings --use-domains --progress end with the fan-out's summary", function()
  local code, _, err = run(SB .. "-w user-counts --format json --progress")
  T.eq(code, 0, err)
  T.truthy(lines(err)[#lines(err)]:find("^child accounts: finished: 2/2 done, 0 failed, in %d+s$"), err)
  local companies = W.write("co.csv", "name\nOne\nTwo\n")
  for args, want in pairs{ ["suggest-mappings --use-domains --progress --format json --companies " .. companies] =
                             { 0, "child accounts: finished: 2/2 done, 0 failed" },
                           ["user-counts --progress=yes"] = { 2, "--progress takes no value" } } do
    code, _, err = run(SB .. "-w " .. args)
    T.eq(code, want[1], err)
    T.truthy(err:find(want[2], 1, true), err)
  end
end)

T.test("duo.progress: modes checked by name, status lines on the loop's clock", function()
  local script = W.write("progress_api.lua", [[
    local progress = require "duo.progress"
    print(pcall(progress.new, { mode = "sometimes" }))
    print(pcall(progress.new, { lable = "x" }))
    local p = progress.new{ label = "job", total = 3, mode = "status", interval = 0 }
    p:update(1, 0, "a note")
    p:update(2, 1)
    p:finish()
    local q = progress.new{ label = "quiet", total = 1 }
    q:update(1, 0)
    q:finish()
    print(q:active())]])
  local code, out, err = run(script)
  T.eq(code, 0, err)
  local o = lines(out)
  T.truthy(o[1]:find("^false\t.*mode"), o[1])
  T.truthy(o[2]:find("^false\t.*unknown.*'lable'"), o[2])
  T.eq(o[3], "false")
  local e = lines(err)
  T.eq(#e, 3, err)
  T.truthy(e[1]:find("^job: 1/3 done, 0 failed, [%d.]+/%a+, %S+ left, a note$"), e[1])
  T.truthy(e[2]:find("^job: 2/3 done, 1 failed, [%d.]+/%a+, %S+ left, a note$"), e[2])
  T.truthy(e[3]:find("^job: finished: 2/3 done, 1 failed, in 0s, a note$"), e[3])
end)

W.remove()
T.done()
