-- The workflows' input files as PSA tools and spreadsheets write them:
-- encodings, delimiters, standard input, folders, duplicates, and reading
-- in linear time. Real files, and real duo-lua processes on the sandbox.
local T = require "testing"
local json = require "duo.json"

local W = require("workspace").new{ stdin_null = true }
local tmp, write, run, lines = W.tmp, W.write, W.run, W.lines

-- Companies files as PSA tools and spreadsheets write them -------------------------------

local companies = require "workflows.lib.companies"

local function names(list)
  local out = {}
  for i, c in ipairs(list) do out[i] = c.name end
  return table.concat(out, "|")
end

T.test("companies: comma, semicolon and tab found by sniffing; --delimiter forces one", function()
  T.eq(names(companies.load(write("semi.csv", "id;name;domains\nC1;Acme, Inc;a.com\nC2;Globex;\n"))), "Acme, Inc|Globex")
  T.eq(names(companies.load(write("tab.csv", "name\tid\n\"Acme; Co\"\tC1\nGlobex\tC2\n"))), "Acme; Co|Globex")
  T.eq(names(companies.load(write("comma.csv", "name,id\n\"A;B\",C1\n"))), "A;B")
  local forced = write("forced.csv", "name;id,x,y\nA;1,2,3\n")
  T.raises(function() companies.load(forced) end, "the header has no name column")
  T.eq(names(companies.load(forced, { delimiter = ";" })), "A")
end)

T.test("companies: UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252 with a warning", function()
  local function utf16(text, big)
    local out = {}
    for _, c in utf8.codes(text) do out[#out + 1] = string.pack(big and ">I2" or "<I2", c) end
    return table.concat(out)
  end
  local text = "name,id\nCafé Müller,C1\n東京 Trading,C2\n"
  T.eq(names(companies.load(write("u8.csv", text))), "Café Müller|東京 Trading")
  T.eq(names(companies.load(write("u8bom.csv", "\239\187\191" .. text))), "Café Müller|東京 Trading")
  T.eq(names(companies.load(write("u16le.csv", "\255\254" .. utf16(text)))), "Café Müller|東京 Trading")
  T.eq(names(companies.load(write("u16be.csv", "\254\255" .. utf16(text, true)))), "Café Müller|東京 Trading")
  local cp = write("cp1252.csv", "name,id\nCaf\233 M\252ller \150 \128uro,C1\n")
  local code, out, err = run("-e 'for _, c in ipairs(require(\"workflows.lib.companies\").load(\"" .. cp
                             .. "\")) do print(c.name) end'")
  T.eq(code, 0, err)
  T.eq(out, "Café Müller – €uro\n")
  T.eq(err, "duo-lua: warning: " .. cp .. " is not UTF-8; read as Windows-1252 (--encoding chooses)\n")
  T.eq(names(companies.load(cp, { encoding = "windows-1252" })), "Café Müller – €uro")
  T.raises(function() companies.load(cp, { encoding = "utf-8" }) end, "not valid UTF%-8")
  -- and the JSON of suggest-mappings from such a file is valid JSON
  code, out, err = run("--sandbox -w suggest-mappings --format json --companies " .. cp)
  T.eq(code, 0, err)
  T.eq(json.decode(out).suggestions[1].company, "Café Müller – €uro")
end)

T.test("companies: - reads standard input; a folder, duplicates and NULs are named", function()
  local file = write("stdin.csv", "name\nFrom Stdin\n")
  local code, out, err = run("-e 'print(require(\"workflows.lib.companies\").load(\"-\")[1].name)' < " .. file)
  T.eq(code, 0, err)
  T.eq(out, "From Stdin\n")
  T.raises(function() companies.load(tmp) end, "the companies file " .. tmp:gsub("%p", "%%%0") .. " is a folder")
  code, _, err = run("--sandbox -w suggest-mappings --companies " .. tmp)
  T.eq(code, 2, "a folder given as the companies file is a usage error")
  T.eq(#lines(err), 1, err)
  T.truthy(err:find("the companies file " .. tmp .. " is a folder, not a file", 1, true), err)
  code, _, err = run("--sandbox -w suggest-mappings --companies " .. tmp .. "/missing.csv")
  T.eq(code, 2, "a missing companies file is a usage error")
  T.truthy(err:find("cannot read the companies file: " .. tmp .. "/missing.csv", 1, true), err)
  local dup = write("dup.csv", "name,id\nAcme,C1\nacme,C2\n")
  code, out, err = run("-e 'print(#require(\"workflows.lib.companies\").load(\"" .. dup .. "\"))'")
  T.eq(out, "2\n")
  T.truthy(err:find(dup .. ":3: the company 'acme' appears twice (also line 2)", 1, true), err)
  T.raises(function() companies.load(write("dupid.csv", "name,id\nA,C1\nB,C1\n")) end, "the id 'C1' appears twice")
  T.raises(function() companies.load(write("nul.csv", "n\0a\0m\0e\0\n\0")) end, "UTF%-16 without a byte order mark")
end)

T.test("companies: reading is linear in the file's size (a field of 1 MB of white space)", function()
  local filler = string.rep(" \t ", 350000)
  local list = companies.load(write("ws.csv", "name,id\n\"Acme" .. filler .. "Corp" .. filler .. "\",C1\n"))
  T.eq(#list, 1)
  T.eq(list[1].name, "Acme" .. filler .. "Corp", "inner white space kept, the ends trimmed")
end)

W.remove()
T.done()
