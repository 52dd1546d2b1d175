-- Answers of the simulated service: Duo's JSON envelopes, and the failure
-- value route handlers raise (M.fail) so that any depth of handler code can
-- stop with a Duo error.
local json = require "duo.json"

local M = {}

-- Duo's messages for its error codes.
M.MESSAGES = {
  [40002] = "Invalid request parameters",
  [40003] = "Duplicate resource",
  [40101] = "Missing request credentials",
  [40102] = "Invalid integration key in request credentials",
  [40103] = "Invalid signature in request credentials",
  [40104] = "Missing request timestamp",
  [40105] = "Request has expired",
  [40301] = "Access forbidden",
  [40401] = "Resource not found",
  [40501] = "Method not allowed",
  [42901] = "Too Many Requests",
  [50001] = "Internal server error",
}

local Failure = {}
Failure.__index = Failure
Failure.__name = "duo.sandbox.failure"
function Failure:__tostring()
  return string.format("%d %s%s", self.code, self.message, self.detail and (": " .. self.detail) or "")
end

-- A failure value: code, message (Duo's for the code unless given), detail.
function M.failure(code, detail, message)
  return setmetatable({ code = code, message = message or M.MESSAGES[code] or "Error", detail = detail },
                      Failure)
end

function M.is_failure(v)
  return getmetatable(v) == Failure
end

-- Raises a failure from a handler.
function M.fail(code, detail, message)
  error(M.failure(code, detail, message), 0)
end

-- 40002 naming the parameter.
function M.bad_param(name, why)
  M.fail(40002, why and (name .. ": " .. why) or name)
end

function M.not_found(what)
  M.fail(40401, what)
end

-- The HTTP status and body of a failure.
function M.encode_failure(f)
  local envelope = { stat = "FAIL", code = f.code, message = f.message }
  if f.detail ~= nil then envelope.message_detail = f.detail end
  return f.code // 100, json.encode(envelope)
end

-- A raw (non-JSON) answer, for logos: handlers return it as the response.
function M.raw(bytes)
  return { __raw = bytes }
end

-- A 1x1 transparent PNG: the logo the Auth API serves until one is set.
M.PNG = "\137PNG\13\10\26\10\0\0\0\13IHDR\0\0\0\1\0\0\0\1\8\6\0\0\0\31\21\196\137\0\0\0\11IDATx\156c`"
        .. "\0\2\0\0\5\0\1z^\171?\0\0\0\0IEND\174B`\130"

-- The body of a success.
function M.encode_ok(response, metadata)
  if response == nil then response = "" end
  return json.encode{ stat = "OK", response = response, metadata = metadata }
end

return M
