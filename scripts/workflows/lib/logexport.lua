-- The machinery of export-logs: the log types and how to page each one
-- oldest first, the checkpoint file (DIR/checkpoints.json), and the
-- output files (DIR/TYPE.jsonl) kept in step with it.
--
-- A checkpoint per child and type holds the time of the newest event
-- exported (`last_ms`) and the IDs of the events exported at exactly that
-- time (`seen`): the next request starts at last_ms and skips those. The
-- checkpoint file also holds each output file's length after the last
-- page written; a file found longer (a run stopped between writing a page
-- and saving its checkpoint) is cut back to that length before anything
-- is added, so a resumed run never writes an event twice.
local json = require "duo.json"
local jsontext = require "duo.jsontext"
local file = require("workflows.lib.host").file
local paths = require "duo.path"
local errors = require "duo.error"

local M = {}

M.TYPES = { "authentication", "administrator", "telephony", "activity" }
M.RETENTION_S = 180 * 86400
M.DELAY_MS = 120 * 1000   -- Duo's logs are complete up to two minutes ago
M.PAGE = 1000

local function days_from_civil(y, m, d)
  y = m <= 2 and y - 1 or y
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local doy = (153 * (m + (m > 2 and -3 or 9)) + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end

-- Unix milliseconds of an ISO 8601 time ("2024-05-01T10:00:00.123+00:00",
-- "...Z", or a date); nil when it is not one.
function M.iso_ms(s)
  if type(s) ~= "string" then return nil end
  local y, mo, d, rest = s:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)(.*)$")
  if y == nil then return nil end
  local h, mi, sec, frac, zone = 0, 0, 0, "", ""
  if rest ~= "" then
    h, mi, sec, frac, zone = rest:match("^[T ](%d%d):(%d%d):(%d%d)(%.?%d*)(.*)$")
    if h == nil then return nil end
  end
  local offset = 0
  if zone ~= "" and zone ~= "Z" then
    local sign, zh, zm = zone:match("^([+-])(%d%d):?(%d%d)$")
    if sign == nil then return nil end
    offset = (tonumber(zh) * 60 + tonumber(zm)) * 60 * (sign == "-" and -1 or 1)
  end
  local secs = days_from_civil(tonumber(y), tonumber(mo), tonumber(d)) * 86400 + tonumber(h) * 3600
               + tonumber(mi) * 60 + tonumber(sec) - offset
  local ms = frac ~= "" and #frac > 1 and math.floor(tonumber("0" .. frac) * 1000 + 0.5) or 0
  return secs * 1000 + ms
end

-- --since: "7d", "12h", "30m", an ISO date or time, or Unix seconds; the
-- Unix time (seconds) it names, or nil and why not.
function M.parse_since(s, now)
  local n, unit = s:match("^(%d+)([dhm])$")
  if n then return now - tonumber(n) * ({ d = 86400, h = 3600, m = 60 })[unit] end
  if s:match("^%d+$") then return tonumber(s) end
  local ms = M.iso_ms(s)
  if ms then return ms // 1000 end
  return nil, string.format("--since must be like 7d, 12h, 30m, 2024-05-01 or Unix seconds, got '%s'", s)
end

-- A field of an administrator log event in its identity: JSON null as a
-- fixed text, never tostring's (a pointer, printed differently by each C
-- library: a checkpoint moves between machines).
local function id_field(v)
  if v == json.null then return "\0null" end
  return tostring(v)
end

local function admin_id(e)
  return table.concat({ id_field(e.timestamp), id_field(e.username), id_field(e.action), id_field(e.object),
                        id_field(e.description) }, "\31")
end

-- Per type: the request of one page (params for client:call), its
-- records, the next cursor, and each record's time (ms) and identity.
M.KINDS = {
  authentication = {
    path = "/admin/v2/logs/authentication", v2 = true,
    records = function(r) return r.authlogs end,
    cursor = function(meta) return type(meta.next_offset) == "table" and table.concat(meta.next_offset, ",") or nil end,
    time_ms = function(e) return (math.tointeger(e.timestamp) or 0) * 1000 end,
    id = function(e) return e.txid end,
  },
  activity = {
    path = "/admin/v2/logs/activity", v2 = true,
    records = function(r) return r.items end,
    cursor = function(meta) return type(meta.next_offset) == "string" and meta.next_offset or nil end,
    time_ms = function(e) return M.iso_ms(e.ts) or 0 end,
    id = function(e) return e.activity_id end,
  },
  telephony = {
    path = "/admin/v2/logs/telephony", v2 = true,
    records = function(r) return r.items end,
    cursor = function(meta) return type(meta.next_offset) == "string" and meta.next_offset or nil end,
    time_ms = function(e) return M.iso_ms(e.ts) or (math.tointeger(e.timestamp) or 0) * 1000 end,
    id = function(e) return e.telephony_id or e.txid end,
  },
  administrator = {
    path = "/admin/v1/logs/administrator", v2 = false,
    time_ms = function(e) return (math.tointeger(e.timestamp) or 0) * 1000 end,
    id = admin_id,
  },
}

-- Checkpoints -----------------------------------------------------------------

function M.checkpoint_path(dir) return paths.join(dir, "checkpoints.json") end
function M.file_path(dir, kind) return paths.join(dir, kind .. ".jsonl") end

function M.load(dir)
  local path = M.checkpoint_path(dir)
  local f = io.open(path, "rb")
  if f == nil then return { version = 1, files = {}, accounts = {} } end
  local text = f:read("a")
  f:close()
  local ok, doc = pcall(json.decode, text)
  if not ok or type(doc) ~= "table" or type(doc.accounts) ~= "table" or type(doc.files) ~= "table" then
    errors.config("the checkpoint file %s is not valid (%s): fix it, or move it away to export everything again",
                  path, ok and "expected {\"files\": {...}, \"accounts\": {...}}" or tostring(doc))
  end
  return doc
end

function M.save(dir, cp)
  local ok, err = file.replace(M.checkpoint_path(dir), jsontext.encode(cp), 384)   -- 0600: it names accounts
  if not ok then errors.config("%s", err) end
end

-- The size of a file (0 when missing).
local function size_of(path)
  local f = io.open(path, "rb")
  if f == nil then return 0 end
  local n = f:seek("end")
  f:close()
  return n
end

-- Cuts path back to `keep` bytes, in place (no copy a planted link could
-- redirect), flushed to disk.
local function truncate(path, keep)
  local ok, e = file.truncate(path, keep)
  if not ok then errors.config("cannot repair %s: %s", path, e) end
end

-- Brings each output file back to the length its checkpoint knows.
-- Returns the bytes cut per type. A file shorter than its checkpoint (cut,
-- restored from an older copy, or lost in a power cut) has lost events
-- that the checkpoint says were exported: an error that names the file and
-- says how to recover. A missing or empty file is a rotated one: it starts
-- anew.
function M.repair(dir, cp, kinds)
  local cut = {}
  for _, kind in ipairs(kinds) do
    local path = M.file_path(dir, kind)
    local have = size_of(path)
    local known = cp.files[kind] and math.tointeger(cp.files[kind].bytes)
    if known and have > known then
      truncate(path, known)
      cut[kind] = have - known
    elseif known and have > 0 and have < known then
      errors.config("%s is shorter than its checkpoint (%d bytes, %d expected): events it held are gone. "
                    .. "To recover, move it aside and run again with --reset %s (exports this type again "
                    .. "from where its checkpoint started), or with --reset %s --since TIME", path, have, known,
                    kind, kind)
    elseif known == nil or have < known then
      cp.files[kind] = { bytes = have }   -- a new or rotated file: take it as it is
    end
  end
  return cut
end

-- --reset TYPE: forgets the checkpoints of one type (every child), so its
-- file is written anew; the file must be gone or empty (moved aside by
-- the user), never overwritten here. Returns, per child, where its
-- checkpoint had started (Unix ms), so the export starts there again.
function M.reset(dir, cp, kind)
  local path = M.file_path(dir, kind)
  if size_of(path) > 0 then
    errors.config("--reset %s: %s still holds events; move it aside first (it is not overwritten)", kind, path)
  end
  local starts = {}
  for id, acct in pairs(cp.accounts) do
    if acct[kind] then
      starts[id] = math.tointeger(acct[kind].start_ms)
      acct[kind] = nil
    end
  end
  cp.files[kind] = { bytes = 0 }
  return starts
end

-- One child's log of one kind -------------------------------------------------

-- Duo refuses a mintime older than its 180 days (40002); a request keeps
-- this much room inside that edge.
M.WINDOW_MARGIN_S = 300

-- Exports what is new in one child's log of one kind. `ctx`: dir, cp,
-- out[kind] (an open file, nil under --dry-run), since (Unix s; a child's
-- start in ctx.starts[account_id][kind] wins), now_ms (the newest time
-- asked for is two minutes before it), unix_s() (the server's clock now:
-- the window is recomputed for every page, so a long first export never
-- asks for more than Duo keeps), pace (a function called before each
-- request), send(kind, events) (nil, or the channels' delivery: raises
-- unless every channel took the page), max_pages (nil: all) counted in
-- pages.done (a table shared by every child), on_page(row) (nil or a
-- function called after each page). `row.events` and `row.pages` count as
-- pages are written, so a failure leaves them true.
--
-- Each page is sent to the channels first, then appended to the file and
-- flushed to the disk, and only then is the checkpoint that counts it
-- saved: a page the channels refused is neither written nor counted, and
-- the next run asks for it again.
function M.export(child, account, kind, ctx, row)
  local k = M.KINDS[kind]
  local acct = ctx.cp.accounts[account.account_id] or {}
  ctx.cp.accounts[account.account_id] = acct
  local state = acct[kind] or {}
  acct[kind] = state
  local seen = {}
  for _, id in ipairs(state.seen or {}) do seen[id] = true end
  local function floor_ms()
    return (ctx.unix_s() - M.RETENTION_S + M.WINDOW_MARGIN_S) * 1000
  end
  local start = ctx.starts and ctx.starts[account.account_id] and ctx.starts[account.account_id][kind]
  local mintime = math.max(math.tointeger(state.last_ms) or start or ctx.since * 1000, floor_ms())
  if state.start_ms == nil then state.start_ms = mintime end
  local maxtime = ctx.now_ms - M.DELAY_MS
  local cursor = nil
  row.events, row.pages = 0, 0
  while mintime < maxtime do
    if ctx.max_pages and ctx.pages.done >= ctx.max_pages then break end
    ctx.pace()
    -- the window moved on while this export paged: start the listing
    -- again from the checkpoint, inside the window
    local floor = floor_ms()
    if mintime < floor then
      mintime = math.max(math.tointeger(state.last_ms) or floor, floor)
      cursor = nil
      if mintime >= maxtime then break end
    end
    local records, next_cursor
    if k.v2 then
      local params = { mintime = tostring(mintime), maxtime = tostring(maxtime), limit = tostring(M.PAGE),
                       sort = "ts:asc", next_offset = cursor }
      local r = child:call("GET", k.path, params)
      records = type(r) == "table" and k.records(r) or {}
      next_cursor = type(r) == "table" and type(r.metadata) == "table" and k.cursor(r.metadata) or nil
    else
      records = child:call("GET", k.path, { mintime = tostring(mintime // 1000) })
      records = type(records) == "table" and records or {}
    end
    row.pages = row.pages + 1
    ctx.pages.done = ctx.pages.done + 1
    local lines, events, newest = {}, {}, math.tointeger(state.last_ms)
    local page_seen = {}
    for id in pairs(seen) do page_seen[id] = true end
    for _, e in ipairs(records) do
      local t, id = k.time_ms(e), k.id(e)
      if t <= maxtime and not (newest and t < newest) and not (t == newest and page_seen[id]) then
        if newest == nil or t > newest then
          newest = t
          page_seen = {}
        end
        page_seen[id] = true
        e.child_account_id = account.account_id
        e.child_account = account.name
        lines[#lines + 1] = json.encode(e)
        events[#events + 1] = { type = kind, time = t / 1000, record = e, json = lines[#lines] }
      end
    end
    if #lines > 0 then
      if ctx.send then ctx.send(kind, events) end
      if ctx.out[kind] then
        local f = ctx.out[kind]
        local ok, err = f:write(table.concat(lines, "\n"), "\n")
        if ok then ok, err = file.sync(f) end
        if not ok then errors.config("cannot write %s: %s", M.file_path(ctx.dir, kind), tostring(err)) end
        ctx.cp.files[kind] = { bytes = f:seek("end") }
      end
      seen = page_seen
      state.last_ms = newest
      local list = {}
      for id in pairs(seen) do list[#list + 1] = id end
      table.sort(list)
      state.seen = json.array(list)
      state.events = (math.tointeger(state.events) or 0) + #lines
      if ctx.out[kind] then M.save(ctx.dir, ctx.cp) end
      row.events = row.events + #lines
    end
    if ctx.on_page then ctx.on_page(row) end
    if k.v2 then
      if next_cursor == nil then break end
      cursor = next_cursor
    else
      -- v1: at most 1000 a call; go on from the newest time seen
      if #records < M.PAGE or newest == nil then break end
      local next_min = newest
      if next_min <= mintime then next_min = mintime + 1000 end   -- a full page in one second
      mintime = next_min
    end
  end
  return row.events, row.pages
end

return M
