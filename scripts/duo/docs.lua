-- Documentation generated from the endpoint catalogue: one method's text
-- for duo.help and the REPL's help(), and the whole reference in Markdown
-- (scripts/REFERENCE.md is this output; a test keeps it current).
local catalogue = require "duo.catalogue"
local records = require "duo.records"

local M = {}

local MEDIUM = "the wire facts come from unofficial or unmerged sources or disagree between "
  .. "them; check Duo's API documentation before relying on this method"

-- The APIs whose clients have catalogue methods, in the docs' order.
local APIS = { "admin", "accounts", "auth", "device" }

local function list(t)
  return #t > 0 and table.concat(t, ", ") or "-"
end

-- The signature as a call: name(a, b [, { x, y }]).
function M.signature(row)
  local parts = {}
  for _, a in ipairs(row.args) do parts[#parts + 1] = a end
  local by_position = {}
  for _, a in ipairs(row.positional) do parts[#parts + 1] = "[" .. a .. "]"; by_position[a] = true end
  local named = {}
  for _, a in ipairs(row.named) do if not by_position[a] then named[#named + 1] = a end end
  if row.variant_arg then
    local seen = false
    for _, a in ipairs(named) do seen = seen or a == row.variant_arg end
    if not seen then named[#named + 1] = row.variant_arg end
  end
  local s = row.name .. "(" .. table.concat(parts, ", ")
  if #named > 0 then
    s = s .. (#parts > 0 and " [, { " or "[{ ") .. table.concat(named, ", ") .. " }]"
  end
  return s .. ")"
end

local function paths(row)
  if row.variants then
    local out, versions = {}, {}
    for v in pairs(row.variants) do versions[#versions + 1] = v end
    table.sort(versions)
    for _, v in ipairs(versions) do
      out[#out + 1] = string.format("%s %s (%s %s%s)", row.verb, row.variants[v].path, row.variant_arg, v,
                                    v == row.default_variant and ", default" or "")
    end
    return out
  end
  return { row.verb .. " " .. row.path }
end

-- Plain text for one row.
function M.method_text(row)
  local app = catalogue.apps[row.app]
  local lines = {
    string.format("%s:%s", row.api, M.signature(row)),
    "  " .. (row.summary or ""),
  }
  for _, p in ipairs(paths(row)) do lines[#lines + 1] = "  endpoint:   " .. p end
  lines[#lines + 1] = "  required:   " .. list(row.args)
  lines[#lines + 1] = "  optional:   " .. list(row.named)
  lines[#lines + 1] = "  paging:     " .. row.paging .. " - " .. catalogue.pagings[row.paging].doc
  lines[#lines + 1] = "  keys:       " .. (app and app.application or row.app)
                      .. (row.accounts_only and " (the parent's, on a child account: accounts:child(...))" or "")
  if row.permission then
    lines[#lines + 1] = "  permission: " .. row.permission
  end
  lines[#lines + 1] = "  writes:     " .. (row.writes and "yes (--dry-run prints it instead)" or "no")
  if row.path_params[1] == "mkey" then
    lines[#lines + 1] = "  mkey:       taken from the client (duo.device{ mkey = ... } or the profile's device.mkey) "
                        .. "when it has one; then leave it out"
  end
  if row.at_least_one then
    lines[#lines + 1] = "  empty:      a call with none of the optional arguments is refused (nothing to "
                        .. "change); other clients send it as an empty update"
  end
  if row.deprecated then lines[#lines + 1] = "  deprecated: " .. row.deprecated end
  if row.source then
    lines[#lines + 1] = "  source:     " .. row.source
    lines[#lines + 1] = "  certainty:  " .. row.certainty
                        .. (row.certainty == "medium" and (" - " .. MEDIUM) or "")
  end
  return table.concat(lines, "\n")
end

-- The rows named `name` ("get_users", "admin.get_users", "admin:get_users"),
-- optionally only those of one api.
function M.find(name, api)
  local want_api, want = name:match("^([%w_]+)[.:]([%w_]+)$")
  if want_api then api, name = want_api, want end
  local found = {}
  for _, a in ipairs(APIS) do
    local row = catalogue.by_name[a] and catalogue.by_name[a][name]
    if row and (api == nil or api == a) then found[#found + 1] = row end
  end
  return found
end

-- duo.help(name) -> the text for a method (or nil and a message).
-- Topics that are not methods.
local TOPICS = {
  cjson = [[
cjson (and cjson.safe): Debian's lua-cjson 2.1, built in for scripts that
already use it: require "cjson". duo-lua's own JSON is duo.json, which
differs where it matters for Duo's data:
  numbers     cjson decodes every number as a float (3 -> 3.0, and
              9007199254740993 loses its last digit); duo.json keeps
              integers exact (math.type "integer")
  empty []    cjson encodes an empty table as {} (so a decoded [] comes
              back as {}); duo.json keeps [] (json.array) and {} apart
  UTF-8       cjson passes invalid UTF-8 through when encoding; duo.json
              refuses it (decode and encode) with the byte's position
  keys        cjson's key order is the table's; duo.json sorts keys, so
              the same value is always the same text
  null        both use the same null value (duo.null == cjson.null)
Use duo.json for anything sent to Duo or compared across runs.]],
}
TOPICS.json = TOPICS.cjson

TOPICS.each_child = [[
accounts:each_child(fn [, opts]): fn(child, account) for every child account
concurrently (child: an Admin client for it; account: its entry of
accounts:children(), { account_id, name, api_hostname }).
  returns     per_child[account_id] = { account, result = what fn returned,
              error = the error it raised (a duo.Error or a message) }
  opts        concurrency (default the client's, 8), progress ("auto"), and
              ordered = true: an array of the same entries instead, in the
              order of accounts:children(), so output is the same each run:
                for _, e in ipairs(accounts:each_child(fn, { ordered = true })) do
                  print(e.account.name, e.result or e.error)
                end
One child's error never stops the others; an unknown option is refused by
name.]]

TOPICS.output = [[
workflows.lib.output: the tables, CSV and JSON of the bundled workflows, a
public helper for scripts: require the module workflows.lib.output.
Columns are { key = "field", title = "TITLE", format = function(v, row), max_width = n }
(title, format and max_width optional).
  output.table(rows, columns [, out])  aligned columns for people: display
              width counted (wide and combining characters), a cell cut to
              output.MAX_CELL (60) columns or max_width and ended with "…",
              nil/duo.null shown as "-", true/false as yes/no; linear time
  output.csv(rows, columns [, out])    RFC 4180, a header of the keys; full
              values, a cell a spreadsheet would run as a formula made inert
  output.json(value [, out]), output.json_text(value)  pretty, sorted keys
  output.jsonl(rows [, out])           one JSON object a line
  output.open(path [, { private = true }])  out and finish(): standard output
              for nil or "-", else the file, replaced at finish() (0600 when
              private); refuses the run's config, store and inputs
  output.width(s)                      the display width of a text
out is a file (default io.stdout). --format json/csv keep full values:
only the table truncates.]]

TOPICS.records = nil   -- filled below

-- The records' topics: duo.help "user", "phone", "admin", ...

local function record_text(r)
  local lines = { r.title .. " (" .. r.name .. "), as Duo's Admin API documentation describes it.",
                  "  from: " .. r.methods }
  for _, f in ipairs(r.fields) do
    lines[#lines + 1] = string.format("  %-30s %-13s %s", f[1], f[2], f[3])
  end
  if r.note then lines[#lines + 1] = r.note end
  return table.concat(lines, "\n")
end

local names = {}
for _, r in ipairs(records.list) do
  TOPICS[r.name] = record_text(r)
  names[#names + 1] = r.name
end
TOPICS.records = "The records Duo returns, one topic each: duo.help \"" .. table.concat(names, "\", \"")
  .. "\". Scripts' helpers: duo.help \"output\" (tables, CSV, JSON), duo.help \"each_child\"."

function M.help(name, api)
  if type(name) ~= "string" then
    return nil, "help: give a method name such as \"get_users\" or \"admin.get_users\""
  end
  if api == nil and TOPICS[name] then return TOPICS[name] end
  local rows = M.find(name, api)
  if #rows == 0 then
    local close = {}
    for _, row in ipairs(catalogue.methods) do
      if row.name:find(name, 1, true) then close[#close + 1] = row.api .. "." .. row.name end
    end
    table.sort(close)
    return nil, string.format("no method '%s'%s", name,
                              #close > 0 and ("; did you mean " .. table.concat(close, ", ", 1, math.min(#close, 8)) .. "?") or "")
  end
  local texts = {}
  for i, row in ipairs(rows) do texts[i] = M.method_text(row) end
  return table.concat(texts, "\n\n")
end

-- The whole reference in Markdown.
function M.markdown()
  local out = {
    "# duo-lua method reference",
    "",
    "Generated from scripts/duo/catalogue_rows.lua by `duo-lua -e 'print(require(\"duo.docs\").markdown())'`;",
    "do not edit by hand. Required arguments are positional, in this order;",
    "optional ones go in a table after them (or everything in one table).",
    "",
    "Most rows are the methods of Duo's official Python client. The others say where",
    "their facts come from (Duo's Ruby client, the PowerShell module, unmerged pull",
    "requests of the Python client); **medium** marks the rows whose facts are less",
    "sure: " .. MEDIUM .. ".",
  }
  for _, api in ipairs(APIS) do
    local info = catalogue.apis[api]
    out[#out + 1] = ""
    out[#out + 1] = "## " .. info.title .. " (`duo." .. api .. "()`)"
    out[#out + 1] = ""
    out[#out + 1] = "Keys: " .. info.credentials .. "."
    local resource
    for _, row in ipairs(catalogue.methods) do
      if row.api == api then
        if row.resource ~= resource then
          resource = row.resource
          out[#out + 1] = ""
          out[#out + 1] = "### " .. resource
          out[#out + 1] = ""
          out[#out + 1] = "| method | endpoint | paging | permission | | source |"
          out[#out + 1] = "|---|---|---|---|---|---|"
        end
        local source = "Python client"
        if row.source then
          source = (row.certainty == "medium" and "**medium**: " or "") .. row.source
        end
        out[#out + 1] = string.format("| `%s` | %s | %s | %s | %s%s | %s |", M.signature(row):gsub("|", "\\|"),
                                      table.concat(paths(row), "<br>"), row.paging,
                                      row.accounts_only and "Accounts API keys on a child" or (row.permission or "-"),
                                      row.summary or "", row.writes and " (writes)" or "", source)
      end
    end
  end
  out[#out + 1] = ""
  out[#out + 1] = "## Records"
  out[#out + 1] = ""
  out[#out + 1] = "The fields of the records Duo returns, as Duo's Admin API documentation describes them "
    .. "(`duo.help \"user\"` and so on in Lua). Duo may add fields: read those you need."
  for _, r in ipairs(records.list) do
    out[#out + 1] = ""
    out[#out + 1] = "### " .. r.name .. ": " .. r.title:lower()
    out[#out + 1] = ""
    out[#out + 1] = "From " .. r.methods .. "." .. (r.note and (" " .. r.note) or "")
    out[#out + 1] = ""
    out[#out + 1] = "| field | type | |"
    out[#out + 1] = "|---|---|---|"
    for _, f in ipairs(r.fields) do
      out[#out + 1] = string.format("| `%s` | %s | %s |", f[1], (f[2]:gsub("|", "\\|")), (f[3]:gsub("|", "\\|")))
    end
  end
  out[#out + 1] = ""
  out[#out + 1] = "## Helpers for scripts"
  for _, topic in ipairs{ "each_child", "output" } do
    out[#out + 1] = ""
    out[#out + 1] = "### " .. topic
    out[#out + 1] = ""
    out[#out + 1] = "```"
    out[#out + 1] = TOPICS[topic]
    out[#out + 1] = "```"
  end
  out[#out + 1] = ""
  return table.concat(out, "\n")
end

return M
