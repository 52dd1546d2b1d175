-- duo.Error: every failure of a Duo call, as one value with named fields
-- and a one-line tostring. Misuse of the API (a wrong argument type) raises
-- an ordinary Lua error instead.
local termtext = require "duo.termtext"

local M = {}

local Error = {}
Error.__name = "duo.Error"
Error.__index = Error

local KINDS = { api = true, http = true, network = true, timeout = true, tls = true,
                config = true, cancelled = true, deadlock = true }

local FIELDS = { "kind", "status", "code", "message", "detail", "method", "path",
                 "host", "account_id", "attempts", "hint", "usage" }

-- Application type each API prefix needs, for the 40102 hint.
local function application_for(path)
  if type(path) ~= "string" then return nil end
  if path:find("^/admin/") then
    return "an Admin API application (or Accounts API keys with a child account_id)"
  elseif path:find("^/accounts/") then
    return "an Accounts API application of the parent account"
  elseif path:find("^/auth/") or path:find("^/rest/") then
    return "an Auth API application"
  end
end

local CODE_HINTS = {
  [40101] = "the request carried no credentials: give ikey and skey",
  [40103] = "the signature was refused: check the secret key (skey) and that host belongs to this integration",
  [40104] = "the request had no Date header",
  [40105] = "this machine's clock is too far from Duo's: check the system time (NTP)",
  [40301] = "the application lacks a permission (such as \"Grant read log\" or \"Grant write resource\") "
            .. "or the endpoint is not enabled for the account: edit the application in the Admin Panel",
  [42901] = "rate limited: raise max_retries or max_backoff, or lower concurrency",
}

-- Builds an error value. `fields` holds the named fields; kind and
-- message are required.
function M.new(fields)
  assert(KINDS[fields.kind], "unknown error kind")
  local e = {}
  for _, k in ipairs(FIELDS) do e[k] = fields[k] end
  if e.hint == nil and e.code then
    if e.code == 40102 then
      local app = application_for(e.path)
      e.hint = app and ("this call needs " .. app .. "; 40102 almost always means keys of another application type")
    else
      e.hint = CODE_HINTS[e.code]
    end
  end
  return setmetatable(e, Error)
end

function M.is_error(v)
  return getmetatable(v) == Error
end

local function where(e)
  local parts = {}
  -- a directory key in the path is masked, as in --trace (e.path keeps it)
  if e.method and e.path then parts[#parts + 1] = e.method .. " " .. termtext.mask_path(e.path) end
  if e.account_id then parts[#parts + 1] = "account " .. e.account_id end
  if #parts == 0 then return "" end
  return " (" .. table.concat(parts, ", ") .. ")"
end

function Error:__tostring()
  local text
  if self.kind == "api" then
    text = tostring(self.code or self.status) .. " " .. tostring(self.message or "")
    if self.detail and self.detail ~= "" then text = text .. ": " .. tostring(self.detail) end
  elseif self.kind == "http" then
    -- an http error always has a status but when it is built by hand
    text = "HTTP " .. (self.status ~= nil and tostring(self.status) or "error")
           .. (self.host and (" from " .. self.host) or "")
           .. ": " .. tostring(self.message)
  elseif self.kind == "config" then
    text = tostring(self.message)
  else
    text = self.kind .. " error" .. (self.host and (" talking to " .. self.host) or "")
           .. ": " .. tostring(self.message)
  end
  text = "duo: " .. text .. where(self)
  if self.hint then text = text .. " - " .. self.hint end
  -- One line, and nothing in it (a server's message, a name read from a
  -- file) can drive the terminal: other control characters, and C1
  -- controls in UTF-8, become \xNN; other text, UTF-8 included, stays.
  text = text:gsub("[\r\n]+", " "):gsub("[%c\127]", function(c) return string.format("\\x%02x", c:byte()) end)
  return (text:gsub("\194([\128-\159])", function(c) return string.format("\\xc2\\x%02x", c:byte()) end))
end

-- Up to max bytes of s (text from a server or a file) quoted for a message:
-- runs of whitespace become one space, and every byte that is not printable
-- ASCII (control bytes, escape sequences, anything non-ASCII) is written as
-- \xNN, so nothing a server sends can drive the terminal.
function M.quote_bytes(s, max)
  local cut = #s > max and "..." or ""
  s = s:sub(1, max):gsub("%s+", " "):gsub(".", function(c)
    local b = c:byte()
    if b < 32 or b > 126 or c == '"' or c == "\\" then return string.format("\\x%02x", b) end
  end)
  return '"' .. s .. '"' .. cut
end

-- Why a body is not a usable JSON envelope, from json.decode's error.
function M.json_failure(body, decode_error)
  if #body == 0 then return "empty response" end
  local why = tostring(decode_error):gsub("^json: ", "")
  if why:find("^nesting too deep") then
    return "response JSON is nested too deeply (" .. why .. "; the limit is 1000 levels)"
  end
  return "response is not JSON (" .. why .. "): " .. M.quote_bytes(body, 120)
end

-- Raises a config error (a one-line message, no traceback).
function M.config(message, ...)
  error(M.new{ kind = "config", message = string.format(message, ...) }, 0)
end

-- Raises a config error that is a usage error (SPEC section 1: exit status
-- 2 when nothing catches it): an unknown profile, a config or input file
-- that is missing, a folder or unreadable. Its field `usage` is true.
function M.usage(message, ...)
  error(M.new{ kind = "config", message = string.format(message, ...), usage = true }, 0)
end

M.Error = Error
return M
