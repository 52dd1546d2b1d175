-- A baseline of settings and global policy (SPEC section 6, standards)
-- and one child's drift from it; shared by the standards workflow and the
-- alerts rule standards_drift.
--
--   local baseline = require "workflows.lib.baseline"
--   local b = baseline.load("baseline.json")     -- checked; errors name the file
--   local r = baseline.compare(child, b)         -- { drift = [{setting, current, wanted}], policy_key, sections }
--   local sent = baseline.apply(child, b, r)     -- sets the drifted values (standards --apply, onboard-org)
local errors = require "duo.error"
local json = require "duo.json"
local catalogue = require "duo.catalogue"
local jsonfile = require "workflows.lib.jsonfile"

local M = {}

-- The settings update_settings can change (what a baseline may name).
M.SETTABLE = {}
for _, name in ipairs(catalogue.by_name.admin.update_settings.optional) do M.SETTABLE[name] = true end

-- Identity settings: each client's own (its caller ID, fraud-alert address,
-- help desk and SMS texts, time zone), not a standard to push to every
-- child. --capture leaves them out unless asked; --apply warns when a
-- baseline holds any.
M.IDENTITY = { "caller_id", "fraud_email", "helpdesk_message", "sms_message", "timezone" }
M.IS_IDENTITY = {}
for _, name in ipairs(M.IDENTITY) do M.IS_IDENTITY[name] = true end

-- The identity settings baseline b (from M.load) names, sorted.
function M.identity_names(b)
  local out = {}
  for _, name in ipairs(b.names) do if M.IS_IDENTITY[name] then out[#out + 1] = name end end
  return out
end

-- Reads and checks a baseline file: { values, policy, names, sections, path }.
function M.load(path)
  local doc, why = jsonfile.read(path, "the baseline")
  if not jsonfile.is_object(doc) then
    errors.config("the baseline %s is not a JSON object of setting names and values%s", path,
                  why and (": " .. why) or "")
  end
  local policy = doc.policy
  if policy ~= nil and (type(policy) ~= "table" or json.is_array(policy)) then
    errors.config("the baseline %s: \"policy\" must be an object of policy sections", path)
  end
  local names = {}
  for k in pairs(doc) do
    if k ~= "policy" then
      if not M.SETTABLE[k] then
        errors.config("the baseline %s: '%s' is not a setting update_settings can change", path, k)
      end
      names[#names + 1] = k
    end
  end
  table.sort(names)
  local sections = {}
  for k in pairs(policy or {}) do sections[#sections + 1] = k end
  table.sort(sections)
  return { values = doc, policy = policy, names = names, sections = sections, path = path }
end

-- Equal as settings are: numbers by value, booleans also as 1/0 and
-- "true"/"false", lists of plain values in any order, objects key by key.
function M.same(a, b)
  local same = M.same
  if a == b then return true end
  local ta, tb = type(a), type(b)
  if ta == "boolean" and (tb == "number" or tb == "string") then return same(b, a) end
  if (ta == "number" or ta == "string") and tb == "boolean" then
    return tostring(a) == (b and "1" or "0") or tostring(a) == tostring(b)
  end
  if ta == "number" and tb == "string" then return tonumber(b) == a end
  if ta == "string" and tb == "number" then return tonumber(a) == b end
  if ta ~= "table" or tb ~= "table" then return false end
  if json.is_array(a) or json.is_array(b) then
    if #a ~= #b then return false end
    local plain = true
    for _, v in ipairs(a) do if type(v) == "table" then plain = false end end
    if plain then
      local x, y = {}, {}
      for i, v in ipairs(a) do x[i] = tostring(v) end
      for i, v in ipairs(b) do y[i] = tostring(v) end
      table.sort(x)
      table.sort(y)
      return table.concat(x, "\0") == table.concat(y, "\0")
    end
    for i = 1, #a do if not same(a[i], b[i]) then return false end end
    return true
  end
  for k, v in pairs(a) do if not same(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

local function orn(v) if v == nil then return json.null end return v end

-- One child's drift from baseline b: { setting, current, wanted } for each
-- setting and global-policy key that differs ("policy.SECTION.KEY", or
-- "policy.SECTION" when the section is missing or not an object).
function M.compare(child, b)
  local drift = json.array{}
  local settings = child:get_settings()
  for _, k in ipairs(b.names) do
    if not M.same(settings[k], b.values[k]) then
      drift[#drift + 1] = { setting = k, current = orn(settings[k]), wanted = b.values[k] }
    end
  end
  local policy
  if #b.sections > 0 then
    policy = child:get_policy_v2("global")
    local have = type(policy) == "table" and type(policy.sections) == "table" and policy.sections or {}
    for _, s in ipairs(b.sections) do
      local cur, want = have[s], b.policy[s]
      if type(cur) == "table" and type(want) == "table" and not json.is_array(want) and not json.is_array(cur) then
        local keys = {}
        for k in pairs(want) do keys[#keys + 1] = k end
        table.sort(keys)
        for _, k in ipairs(keys) do
          if not M.same(cur[k], want[k]) then
            drift[#drift + 1] = { setting = "policy." .. s .. "." .. k, current = orn(cur[k]), wanted = want[k] }
          end
        end
      elseif not M.same(cur, want) then
        drift[#drift + 1] = { setting = "policy." .. s, current = orn(cur), wanted = want }
      end
    end
  end
  return { drift = drift, policy_key = policy and policy.policy_key,
           sections = policy and type(policy.sections) == "table" and policy.sections or {} }
end

-- Sets what r (compare's result for this child) found drifted: settings
-- with update_settings, policy sections with update_policy_v2, each
-- section sent as it is with the baseline's values over it. Returns
-- whether anything was sent (false under --dry-run, which only shows it).
function M.apply(child, b, r)
  local changes, policy_changes = {}, nil
  for _, d in ipairs(r.drift) do
    local section = d.setting:match("^policy%.([^.]+)")
    if section then
      policy_changes = policy_changes or {}
      local want, merged = b.policy[section], r.sections[section]
      if type(want) == "table" and not json.is_array(want) and type(merged) == "table" then
        local copy = {}
        for k, v in pairs(merged) do copy[k] = v end
        for k, v in pairs(want) do copy[k] = v end
        merged = copy
      else
        merged = want
      end
      policy_changes[section] = merged
    else
      changes[d.setting] = d.wanted
    end
  end
  local sent = false
  if next(changes) then sent = child:update_settings(changes) ~= nil end
  if policy_changes then
    sent = child:update_policy_v2(r.policy_key or "global", { sections = policy_changes }) ~= nil or sent
  end
  return sent
end

return M
