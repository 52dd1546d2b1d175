-- The alerts workflow's memory between runs: every open finding with its
-- first and last sight, and what each channel has been sent of it, so that
-- a finding is sent once when it appears and once when it is resolved,
-- then forgotten; a channel that failed is sent it again on the next run.
--
--   {"version": 1, "findings": {"ID": {"finding": {...}, "first_seen": "…", "last_seen": "…",
--                                       "open": true, "resolved_at": null,
--                                       "delivered": {"CHANNEL": "new"|"resolved"},
--                                       "tickets": {"CHANNEL": {"ticket": "…", "kind": "…", "company_id": "…"}}}}}
--
-- JSON, written atomically (a temporary file renamed over it) with mode
-- 0600, under a lock (FILE.lock) held for the whole run.
--
--   local st = state.open(path)      -- takes the lock; nil, message when another run holds it
--   st.findings[id] ...; st:save(); st:close()
local errors = require "duo.error"
local json = require "duo.json"
local host = require "workflows.lib.host"
local file = host.file

local M = {}

M.VERSION = 1

local State = {}
State.__index = State

local function invalid(path, why)
  errors.config("the alerts state file %s is not valid: %s; move it away to start afresh (every open finding "
                .. "is then sent again)", path, why)
end

-- Reads the state at path (missing: empty).
function M.load(path)
  local st = setmetatable({ path = path, findings = {} }, State)
  local kind = file.kind(path)
  if kind == nil then return st end
  if kind ~= "file" then errors.config("the alerts state file %s is not a file", path) end
  local f, err = io.open(path, "rb")
  if f == nil then errors.config("cannot read the alerts state file: %s", err) end
  local text = f:read("a")
  f:close()
  local ok, doc = pcall(json.decode, text)
  if not ok then invalid(path, (tostring(doc):gsub("^json: ", ""))) end
  if type(doc) ~= "table" or type(doc.findings) ~= "table" then invalid(path, "expected {\"findings\": {...}}") end
  if doc.version ~= M.VERSION then invalid(path, "unknown version " .. tostring(doc.version)) end
  for id, rec in pairs(doc.findings) do
    if type(id) ~= "string" or type(rec) ~= "table" or type(rec.finding) ~= "table"
       or type(rec.first_seen) ~= "string" then
      invalid(path, "finding " .. tostring(id) .. " is not a finding record")
    end
    if type(rec.delivered) ~= "table" or json.is_array(rec.delivered) then rec.delivered = {} end
    if type(rec.tickets) ~= "table" or json.is_array(rec.tickets) then rec.tickets = {} end
    st.findings[id] = rec
  end
  return st
end

-- Takes the lock (at once or not at all) and reads the state.
function M.open(path)
  local lock, err = file.lock((file.resolve(path) or path) .. ".lock", 0)
  if lock == nil then return nil, err end
  local st = M.load(path)
  st.lock = lock
  return st
end

-- The state as the file's text: one finding a line, ids sorted.
function State:encode()
  local ids = {}
  for id in pairs(self.findings) do ids[#ids + 1] = id end
  table.sort(ids)
  if #ids == 0 then return '{"version": 1, "findings": {}}\n' end
  local lines = {}
  for i, id in ipairs(ids) do
    lines[i] = "  " .. json.encode(id) .. ": " .. json.encode(self.findings[id])
  end
  return '{"version": 1, "findings": {\n' .. table.concat(lines, ",\n") .. "\n}}\n"
end

function State:save()
  local ok, err = file.replace(self.path, self:encode(), 384, true)   -- 0600, also for an existing file
  if not ok then errors.config("cannot write the alerts state file: %s", err) end
end

function State:close()
  if self.lock then
    self.lock:release()
    self.lock = nil
  end
end

return M
