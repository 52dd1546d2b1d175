-- Writing a workflow's rows in the format asked for (--format
-- table|json|csv|jsonl) to --output or standard output, so each workflow
-- only says what its rows and columns are.
--
--   emit.rows(opts, rows, columns, { json = doc, after_table = fn(out) })
--     json: the value --format json prints (default: the rows as an array)
--     after_table: writes more lines after the table (a summary)
local json = require "duo.json"
local output = require "workflows.lib.output"
local options = require "duo.options"

local M = {}

local OPTIONS = { json = "table|string|number|boolean", after_table = "function" }

function M.rows(opts, rows, columns, extra)
  extra = options.check(extra, OPTIONS, "rows", 4)
  local out, finish = output.open(opts.output)
  local format = opts.format or "table"
  if format == "json" then
    output.json(extra.json or json.array(rows), out)
  elseif format == "jsonl" then
    output.jsonl(rows, out)
  elseif format == "csv" then
    local keys = {}
    for i, c in ipairs(columns) do keys[i] = { key = c.key, csv = c.csv } end
    output.csv(rows, keys, out)
  else
    output.table(rows, columns, out)
    if extra.after_table then extra.after_table(out) end
  end
  finish()
end

-- A JSON null for a missing value.
function M.orn(v)
  if v == nil then return json.null end
  return v
end

-- A Unix time as "YYYY-MM-DD HH:MM" (UTC), for tables; nil for nil or null.
function M.iso(ts)
  if type(ts) ~= "number" then return nil end
  return os.date("!%Y-%m-%d %H:%M", math.floor(ts))
end

return M
