-- The HTTPS channels' one request (teams, slack, webhook, splunk_hec):
-- a JSON POST through duo.http with the channel's transport options; a
-- failure or a status outside 2xx raises the channel's duo.Error.
local http = require "duo.http"
local json = require "duo.json"
local errors = require "duo.error"

local M = {}

-- post(ch, ctx, url, body, headers, secret_path) -> status, decoded body.
-- secret_path: the URL itself is a secret (a chat webhook's).
function M.post(ch, ctx, url, body, headers, secret_path)
  local h = { ["Content-Type"] = "application/json" }
  for k, v in pairs(headers or {}) do h[k] = v end
  local ok, status, _, resp = pcall(http.request, {
    method = "POST", url = url, body = body, headers = h, ca = ch.ca, proxy = ch.proxy, timeout = ch.timeout,
    connect_timeout = ch.connect_timeout, secret_path = secret_path or nil })
  if not ok then
    if errors.is_error(status) then ctx.fail(status.kind, tostring(status.message), { attempts = status.attempts }) end
    error(ctx.scrub(tostring(status)), 0)
  end
  if status < 200 or status > 299 then
    local text = type(resp) == "table" and json.encode(resp) or tostring(resp or "")
    ctx.fail("http", text == "" and "(no body)" or errors.quote_bytes(text, 200), { status = status })
  end
  return status, resp
end

return M
