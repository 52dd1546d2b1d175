-- admin:bulk(operations): many Admin API writes through Duo's bulk
-- endpoint (the catalogue's bulk_operations), at most CHUNK operations a
-- request, one result per operation, in order.
--
--   local results = admin:bulk{
--     { method = "POST", path = "/admin/v1/users", body = { username = "alice" } },
--     { method = "DELETE", path = "/admin/v1/users/DU0123456789ABCDEFGH" },
--   }
--
-- The chunks go one after another: an operation may depend on an earlier
-- one (create a user, then add it to a group). Under --dry-run each chunk
-- is printed and bulk returns nil.
local client = require "duo.client"
local json = require "duo.json"
local errors = require "duo.error"
local options = require "duo.options"

local M = {}

M.CHUNK = 50   -- Duo's limit per bulk request

local VERBS = { GET = true, POST = true, PUT = true, DELETE = true }
local FIELDS = { method = true, path = true, body = true }

local function bad(i, msg)
  options.raise(string.format("bad argument #1 to 'bulk' (operation %d: %s)", i, msg))
end

-- Checks one operation; returns the copy that is sent (verb upper-cased).
local function checked(op, i)
  if type(op) ~= "table" then bad(i, "table expected, got " .. type(op)) end
  for k in pairs(op) do
    if not FIELDS[k] then bad(i, "unknown field '" .. tostring(k) .. "' (method, path, body)") end
  end
  local verb = type(op.method) == "string" and op.method:upper()
  if not VERBS[verb] then bad(i, "method must be GET, POST, PUT or DELETE") end
  if type(op.path) ~= "string" or op.path:sub(1, 7) ~= "/admin/" then
    bad(i, "path must be an Admin API path such as \"/admin/v1/users\"")
  end
  if op.body ~= nil and type(op.body) ~= "table" then bad(i, "body must be a table") end
  return { method = verb, path = op.path, body = op.body }
end

function M.bulk(self, operations)
  if type(operations) ~= "table" then
    options.raise(string.format("bad argument #1 to 'bulk' (table of operations expected, got %s)", type(operations)))
  end
  local ops = {}
  for i = 1, #operations do ops[i] = checked(operations[i], i) end
  local results = json.array{}
  for first = 1, #ops, M.CHUNK do
    local chunk = json.array(table.move(ops, first, math.min(first + M.CHUNK - 1, #ops), 1, {}))
    local answer = self:bulk_operations(chunk)
    if answer == nil then
      results = nil   -- --dry-run: printed, not sent
    elseif type(answer) ~= "table" or not json.is_array(answer) or #answer ~= #chunk then
      local got = type(answer) ~= "table" and ("a " .. type(answer))
                  or json.is_array(answer) and (#answer .. " results") or "an object"
      error(errors.new{ kind = "api", method = "POST", path = "/admin/v1/bulk", host = self.host,
                        account_id = self.account_id,
                        message = string.format("the bulk endpoint answered %s for %d operations", got, #chunk) }, 0)
    elseif results then
      table.move(answer, 1, #answer, #results + 1, results)
    end
  end
  return results
end

client.extensions.admin.bulk = M.bulk

return M
