-- The record of onboardings under way (onboard-org, SPEC section 8): a
-- small JSON file beside the mapping store, STORE.onboarding.json, holding
-- for each organization being onboarded its plan, its child account once
-- created and the state of each step. Every change replaces the file
-- atomically (owner-only for a new file), so a run killed at any moment
-- leaves either the state before a step or the state after it; the next
-- run resumes from the first step not done. Runs on one store take turns
-- (an advisory lock, STATE.lock, held for the whole run).
--
--   local onboarding = require "workflows.lib.onboarding"
--   local book = onboarding.open(store_path)       -- locks; loads (empty when missing)
--   local rec = onboarding.get(book, "Acme Corp")  -- nil when none is under way
--   rec = onboarding.start(book, "Acme Corp", plan)
--   onboarding.mark(book, rec, "create_account", "done", { duo_account_id = "DA…" })
--   onboarding.finish(book, rec)                   -- forgets it (the file goes when empty)
local host = require "workflows.lib.host"
local errors = require "duo.error"
local json = require "duo.json"
local normal_name = require("duo.mappings").normal_name
local file = host.file

local M = {}

M.STATES = { started = true, done = true }

function M.path(store_path)
  return store_path .. ".onboarding.json"
end

local function invalid(path, fmt, ...)
  errors.config("the onboarding state %s is not valid: %s; it records interrupted onboardings: fix it, or move "
                .. "it away to forget them (their child accounts stay in Duo)", path, string.format(fmt, ...))
end

local function check_record(path, key, rec)
  if type(rec) ~= "table" or json.is_array(rec) then invalid(path, "'%s' is not an object", key) end
  if type(rec.org) ~= "string" or rec.org == "" then invalid(path, "'%s' has no \"org\"", key) end
  if type(rec.plan) ~= "table" then invalid(path, "'%s' has no \"plan\"", key) end
  if type(rec.steps) ~= "table" or json.is_array(rec.steps) and next(rec.steps) ~= nil then
    invalid(path, "'%s': \"steps\" must be an object", key)
  end
  for step, state in pairs(rec.steps) do
    if not M.STATES[state] then invalid(path, "'%s': step %s is '%s'", key, tostring(step), tostring(state)) end
  end
  if rec.duo_account_id == json.null then rec.duo_account_id = nil end
  if rec.duo_account_id ~= nil and type(rec.duo_account_id) ~= "string" then
    invalid(path, "'%s': \"duo_account_id\" must be a string", key)
  end
  return rec
end

local function load(path)
  local f = io.open(path, "rb")
  if f == nil then return {} end
  local text = f:read("a")
  f:close()
  local ok, doc = pcall(json.decode, text)
  if not ok or type(doc) ~= "table" or type(doc.onboardings) ~= "table" or json.is_array(doc.onboardings)
     and next(doc.onboardings) ~= nil then
    invalid(path, "expected an object {\"onboardings\": {...}}")
  end
  for key, rec in pairs(doc.onboardings) do check_record(path, key, rec) end
  return doc.onboardings
end

-- The onboardings of the store at store_path; with lock, the lock is
-- taken first (and released when book.lock is closed or collected).
function M.open(store_path, lock)
  local path = M.path(store_path)
  local book = { path = path }
  if lock then
    local l, err = file.lock(path .. ".lock", 0)
    if l == nil then
      errors.config("another onboard-org is running on the mapping store %s (%s): let it finish", store_path, err)
    end
    book.lock = l
  end
  book.records = load(path)
  return book
end

local function save(book)
  local doc = { onboardings = book.records }
  if next(book.records) == nil then
    os.remove(book.path)
    return
  end
  local ok, err = file.replace(book.path, json.encode(doc) .. "\n", 384)   -- 0600 for a new file
  if not ok then errors.config("cannot record the onboarding's progress: %s", err) end
end

local function key(org)
  return normal_name(org)
end

function M.get(book, org)
  return book.records[key(org)]
end

-- A new record for org with its plan (saved at once).
function M.start(book, org, plan)
  local rec = { org = org, plan = plan, steps = {}, started_at = os.date("!%Y-%m-%dT%H:%M:%SZ") }
  book.records[key(org)] = rec
  save(book)
  return rec
end

-- Sets a step's state ("started" or "done") and the fields of extra, and
-- saves the record.
function M.mark(book, rec, step, state, extra)
  assert(M.STATES[state], "bad step state")
  rec.steps[step] = state
  for k, v in pairs(extra or {}) do rec[k] = v end
  save(book)
end

-- Forgets a finished onboarding.
function M.finish(book, rec)
  book.records[key(rec.org)] = nil
  save(book)
end

return M
