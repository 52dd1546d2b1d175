-- Paging: offset listings, logs v1 (by timestamp), logs v2 and Trust
-- Monitor cursors. Streams hold one page at a time and ask for the next
-- page while the caller works on the current one.
local loop = require "duo._loop"
local errors = require "duo.error"
local json = require "duo.json"
local options = require "duo.options"

local M = {}

local DAY_MS = 86400 * 1000
local RETENTION_DAYS = 180

local function is_null(v) return v == nil or v == json.null end

-- Checks a v2 log or Trust Monitor time window (Unix milliseconds) before
-- anything is sent: Duo answers 40002 for these, one request later.
function M.check_window_ms(fname, mintime, maxtime)
  local now_ms = loop.unix_time() * 1000
  for name, v in pairs{ mintime = mintime, maxtime = maxtime } do
    if math.type(v) == nil and tonumber(v) == nil then
      options.raise(string.format("%s: '%s' must be Unix milliseconds, got %s", fname, name, type(v)))
    end
    if tonumber(v) < 1e11 then
      options.raise(string.format("%s: '%s' = %s looks like seconds; this log takes Unix milliseconds (multiply by 1000)",
                          fname, name, tostring(v)))
    end
  end
  mintime, maxtime = tonumber(mintime), tonumber(maxtime)
  if mintime >= maxtime then
    options.raise(string.format("%s: mintime (%d) must be before maxtime (%d)", fname, mintime, maxtime))
  end
  if mintime < now_ms - RETENTION_DAYS * DAY_MS - 60000 then
    options.raise(string.format("%s: mintime is more than %d days ago; Duo keeps logs for %d days",
                        fname, RETENTION_DAYS, RETENTION_DAYS))
  end
end

-- Checks a v1 log mintime (Unix seconds).
function M.check_mintime_s(fname, mintime)
  local v = tonumber(mintime)
  if v == nil then
    options.raise(string.format("%s: 'mintime' must be Unix seconds, got %s", fname, type(mintime)))
  end
  if v > 1e11 then
    options.raise(string.format("%s: 'mintime' = %s looks like milliseconds; this log takes Unix seconds", fname,
                        tostring(mintime)))
  end
end

-- A stream of pages. `fetch(state)` starts the request for the page after
-- `state` (nil: the first) and returns an operation handle; `open(handle)`
-- waits for it and returns items, next_state (nil at the end).
local function page_stream(fetch, open)
  local pending = fetch(nil)
  local items, index, done = nil, 0, false
  return function()
    while true do
      if items and index < #items then
        index = index + 1
        local item = items[index]
        items[index] = nil   -- the caller holds it now; keep memory to one page
        return item
      end
      if done or pending == nil then return nil end
      local next_state
      items, next_state = open(pending)
      index = 0
      if next_state == nil then
        done, pending = true, nil
      else
        pending = fetch(next_state)
        loop.run_once(0)    -- get the next request on the wire now
      end
    end
  end
end

-- A server that keeps answering must not keep a listing going forever
-- (issue 14: a repeated next_offset made get_users() loop, holding every
-- page). A guard per stream: `advance(before, after)` checks that the next
-- offset, cursor or time moves on, and `page(count, total)` that the pages
-- stay within twice what total_objects (when the server gives it) needs,
-- plus 10.
--
-- A page that is not a listing's answer (issue 24: a 200 whose `response`
-- is a string crashed with "attempt to index a string value") is an http
-- error naming the status too: `g.records(status, value, what)` returns
-- value when it is a table, else raises.
local function guard(request, what)
  local pages, largest, seen, status = 0, 0, {}, nil
  local g = {}
  local function fail(fmt, ...)
    error(errors.new{ kind = "http", status = status, method = request.verb, path = request.path,
                      message = "paging stopped: " .. string.format(fmt, ...) }, 0)
  end
  function g.records(answer_status, value, where)
    status = answer_status
    if type(value) == "table" then return value end
    local shown = value == nil and "missing" or value == json.null and "null"
                  or string.format("a %s (%s)", type(value), errors.quote_bytes(tostring(value), 40))
    fail("%s is %s, not a list of records", where, shown)
  end
  -- Cursors may repeat any earlier one; numbers must grow.
  function g.advance(before, after)
    if type(after) == "number" and type(before) == "number" then
      if after <= before then
        fail("the server's %s %s does not advance past %s", what, tostring(after), tostring(before))
      end
      return
    end
    local key = type(after) == "table" and json.encode(after) or tostring(after)
    if seen[key] then fail("the server sent the %s %s twice", what, key) end
    seen[key] = true
  end
  function g.page(count, total)
    pages = pages + 1
    if count > largest then largest = count end
    if type(total) == "table" then total = total.value end
    total = math.tointeger(tonumber(total))
    if total and total >= 0 and largest > 0 then
      local ceiling = 2 * ((total + largest - 1) // largest) + 10
      if pages > ceiling then
        fail("%d pages for %d objects (total_objects) is more than the %d allowed", pages, total, ceiling)
      end
    end
  end
  return g
end

local function with(params, k, v)
  local t = {}
  for key, val in pairs(params) do t[key] = val end
  t[k] = v
  return t
end

-- Offset paging: records are `response`; metadata.next_offset (top level
-- or inside response.metadata) gives the next offset.
function M.offset_stream(client, request, page_size)
  local base = with(request.params, "limit", request.params.limit or page_size)
  base.offset = base.offset or 0
  local g, current = guard(request, "next_offset"), nil
  return page_stream(function(offset)
    current = offset or base.offset
    local req = { verb = request.verb, path = request.path, row = request.row,
                  params = offset and with(base, "offset", offset) or base }
    return client:_send(req)
  end, function(handle)
    local response, metadata, status = client:_receive_status(handle)
    local records = g.records(status, response, "the answer's response")
    if not json.is_array(records) and records.items ~= nil then
      records = g.records(status, records.items, "response.items")
    end
    local next_offset = type(metadata) == "table" and metadata.next_offset or nil
    if is_null(next_offset) or #records == 0 then next_offset = nil end
    if next_offset ~= nil then
      g.advance(tonumber(current) or current, tonumber(next_offset) or next_offset)
      g.page(#records, type(metadata) == "table" and metadata.total_objects)
    end
    return records, next_offset
  end)
end

-- Cursor paging (logs v2, Trust Monitor): records in response[items_key],
-- response.metadata.next_offset sent back as `cursor_param`.
function M.cursor_stream(client, request, items_key, page_size, cursor_param)
  local base = with(request.params, "limit", request.params.limit or page_size)
  local g = guard(request, "cursor (metadata.next_offset)")
  return page_stream(function(cursor)
    local params = base
    if cursor ~= nil then
      if type(cursor) == "table" then
        local parts = {}
        for i, v in ipairs(cursor) do parts[i] = tostring(v) end
        cursor = table.concat(parts, ",")
      end
      params = with(base, cursor_param, cursor)
    end
    return client:_send{ verb = request.verb, path = request.path, row = request.row, params = params }
  end, function(handle)
    local response, _, status = client:_receive_status(handle)
    local records = g.records(status, g.records(status, response, "the answer's response")[items_key],
                              "response." .. items_key)
    local meta = response.metadata
    local cursor = type(meta) == "table" and meta.next_offset or nil
    if is_null(cursor) or (type(cursor) == "table" and #cursor == 0) or #records == 0 then cursor = nil end
    if cursor ~= nil then
      g.advance(nil, cursor)
      g.page(#records, meta.total_objects)
    end
    return records, cursor
  end)
end

-- Logs v1: up to 1000 records a call; ask again from the largest
-- timestamp seen + 1 while full pages come back.
function M.logs_v1_stream(client, request)
  local FULL = 1000
  local g, current = guard(request, "mintime (latest timestamp + 1)"), nil
  return page_stream(function(mintime)
    current = mintime
    local params = mintime and with(request.params, "mintime", mintime) or request.params
    return client:_send{ verb = request.verb, path = request.path, row = request.row, params = params }
  end, function(handle)
    local response, _, status = client:_receive_status(handle)
    local records = g.records(status, response, "the answer's response")
    local latest
    for _, r in ipairs(records) do
      local ts = type(r) == "table" and tonumber(r.timestamp)
      if ts and (latest == nil or ts > latest) then latest = ts end
    end
    if #records < FULL or latest == nil then return records, nil end
    local next_mintime = math.tointeger(latest + 1) or latest + 1
    g.advance(tonumber(current or request.params.mintime) or -math.huge, next_mintime)
    return records, next_mintime
  end)
end

-- Drains a stream into one array.
function M.collect(stream)
  local all = json.array{}
  for item in stream do all[#all + 1] = item end
  return all
end

return M
