-- The Device API: device caches of a management system (mkey). A cache is
-- pending until activated; activating one makes the previous active cache
-- of the same management system pending again, so at most one is active.
local reply = require "sandbox.reply"
local S = require "sandbox.state"

local H = {}

local CACHE = "/device/v1/management_systems/{mkey}/device_cache"
local STATUSES = { pending = true, active = true }

-- The account's caches (every management system's, each knows its mkey).
local function caches(ctx)
  return ctx.account:generic_collection(CACHE, "cache_key")
end

local function render(c)
  return { cache_key = c.cache_key, status = c.status, device_count = #c.devices.list,
           created = S.iso(c.created) }
end

local function get_cache(ctx)
  local c = caches(ctx):get(ctx.pp.cache_key)
  if c == nil or c.mkey ~= ctx.pp.mkey then reply.not_found("cache_key " .. tostring(ctx.pp.cache_key)) end
  return c
end

local function activate(ctx, c)
  for _, other in ipairs(caches(ctx).list) do
    if other.mkey == c.mkey and other.status == "active" then other.status = "pending" end
  end
  c.status = "active"
end

-- A parameter holding a list of devices: objects in a body, IDs in a query.
local function devices_param(ctx)
  local v = ctx.params.devices
  if type(v) == "string" then v = { v } end
  if type(v) ~= "table" or #v == 0 then reply.bad_param("devices", "a non-empty list of devices") end
  return v
end

-- active, as the Device API takes it: "True"/"False" (Python's str(bool)),
-- or a JSON boolean.
local ACTIVE = { ["True"] = true, ["False"] = false, [true] = true, [false] = false }
local function active_param(ctx)
  local v = ctx.params.active
  if v == nil then return false end
  if ACTIVE[v] == nil then reply.bad_param("active", "True or False") end
  return ACTIVE[v]
end

H["POST " .. CACHE] = function(ctx)
  local c = { cache_key = ctx.state:new_id("cache"), mkey = ctx.pp.mkey, status = "pending",
              created = ctx:now(), devices = S.collection("device_id") }
  caches(ctx):add(c)
  if active_param(ctx) then activate(ctx, c) end
  return render(c)
end

H["GET " .. CACHE] = function(ctx)
  local status = ctx:need("status")
  if not STATUSES[status] then reply.bad_param("status", "pending or active") end
  local out = S.array()
  for _, c in ipairs(caches(ctx).list) do
    if c.mkey == ctx.pp.mkey and c.status == status then out[#out + 1] = render(c) end
  end
  return out
end

H["GET " .. CACHE .. "/{cache_key}"] = function(ctx)
  return render(get_cache(ctx))
end

H["DELETE " .. CACHE .. "/{cache_key}"] = function(ctx)
  local c = get_cache(ctx)
  caches(ctx):remove(c.cache_key)
  return ""
end

H["POST " .. CACHE .. "/{cache_key}/activate"] = function(ctx)
  local c = get_cache(ctx)
  activate(ctx, c)
  return render(c)
end

H["POST " .. CACHE .. "/{cache_key}/devices"] = function(ctx)
  local c = get_cache(ctx)
  local added = 0
  for i, d in ipairs(devices_param(ctx)) do
    if type(d) ~= "table" or type(d.device_id) ~= "string" or d.device_id == "" then
      reply.bad_param("devices", string.format("device %d needs a device_id", i))
    end
    local copy = {}
    for k, v in pairs(d) do copy[k] = v end
    if c.devices:get(d.device_id) then c.devices:remove(d.device_id) end
    c.devices:add(copy)
    added = added + 1
  end
  return { cache_key = c.cache_key, devices_added = added }
end

-- One page: the devices under devices_retrieved, the paging beside them.
H["GET " .. CACHE .. "/{cache_key}/devices"] = function(ctx)
  local c = get_cache(ctx)
  local wanted = ctx:list("device_ids")
  local records = c.devices.list
  if wanted then
    records = {}
    for _, id in ipairs(wanted) do records[#records + 1] = c.devices:get(id) end
  end
  local limit = ctx:int("limit", 100, 1, 1000)
  local offset = ctx:int("offset", 0, 0)
  local out = S.array()
  for i = offset + 1, math.min(offset + limit, #records) do out[#out + 1] = records[i] end
  local page = { devices_retrieved = out, total_devices = #records }
  if offset + limit < #records then page.next_offset = offset + limit end
  return page
end

H["DELETE " .. CACHE .. "/{cache_key}/devices"] = function(ctx)
  local c = get_cache(ctx)
  local removed = 0
  for _, id in ipairs(devices_param(ctx)) do
    if c.devices:remove(tostring(id)) then removed = removed + 1 end
  end
  return { cache_key = c.cache_key, devices_removed = removed }
end

return H
