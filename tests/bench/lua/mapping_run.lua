-- Runs suggest-mappings' engine on a tenant written by mapping_gen.lua and
-- prints one line: seconds (reading included), companies, accounts,
-- matched, review, correct matched, true pairs, peak RSS in KiB (VmHWM).
--
-- usage: duo-lua mapping_run.lua DIR
local match = require "workflows.lib.match"
local loop = require "duo._loop"
local dir = assert(arg[1], "usage: mapping_run.lua DIR")

local function read_csv(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read("a")
  f:close()
  local rows = {}
  for line in text:gmatch("[^\n]+") do
    local fields, pos = {}, 1
    while pos <= #line + 1 do
      if line:sub(pos, pos) == '"' then
        local value, p = {}, pos + 1
        while true do
          local q = line:find('"', p, true)
          value[#value + 1] = line:sub(p, q - 1)
          if line:sub(q + 1, q + 1) == '"' then value[#value + 1] = '"'; p = q + 2 else pos = q + 2; break end
        end
        fields[#fields + 1] = table.concat(value)
      else
        local c = line:find(",", pos, true) or #line + 1
        fields[#fields + 1] = line:sub(pos, c - 1)
        pos = c + 1
      end
    end
    rows[#rows + 1] = fields
  end
  table.remove(rows, 1)
  return rows
end

local t0 = loop.now_ms()
local companies, accounts, truth = {}, {}, {}
for i, r in ipairs(read_csv(dir .. "/companies.csv")) do companies[i] = { id = r[1], name = r[2] } end
local pairs_ = 0
for j, r in ipairs(read_csv(dir .. "/accounts.csv")) do
  accounts[j] = { account_id = r[1], name = r[2] }
  if r[3] ~= "" then truth[r[3]] = r[1]; pairs_ = pairs_ + 1 end
end
local result = match.suggest(companies, accounts)
local seconds = (loop.now_ms() - t0) / 1000
local matched, review, right = 0, 0, 0
for _, s in ipairs(result.suggestions) do
  if s.status == "matched" then
    matched = matched + 1
    if truth[s.company_id] == s.duo_account_id then right = right + 1 end
  elseif s.status == "review" then
    review = review + 1
  end
end
local hwm = 0
local f = io.open("/proc/self/status")
if f then
  hwm = tonumber(f:read("a"):match("VmHWM:%s*(%d+)")) or 0
  f:close()
end
print(string.format("%.3f %d %d %d %d %d %d %d", seconds, #companies, #accounts, matched, review, right, pairs_, hwm))
