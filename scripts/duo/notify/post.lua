-- The HTTPS channels' one request (teams, slack, webhook, splunk_hec):
-- a JSON POST through duo.http with the channel's transport options; a
-- failure or a status outside 2xx raises the channel's duo.Error.
local http = require "duo.http"
local json = require "duo.json"
local errors = require "duo.error"

local M = {}

-- What a refusing server said: the message of a JSON answer (HEC's
-- {"text", "code"}, {"error"}, {"message"}) or the first bytes of the
-- body, quoted so nothing in it can drive the terminal.
function M.said(resp)
  if type(resp) == "table" then
    local text = resp.text or resp.message or resp.error
    if type(text) == "string" then
      return errors.quote_bytes(text, 200) .. (math.type(resp.code) and (" (code " .. resp.code .. ")") or "")
    end
    resp = json.encode(resp)
  end
  resp = tostring(resp or "")
  return resp == "" and "(no body)" or errors.quote_bytes(resp, 200)
end

-- Groups JSON texts into batches of at most max_count items and about
-- max_bytes (one text larger than that is a batch of its own), in order.
function M.batches(texts, max_count, max_bytes)
  local out, cur, size = {}, {}, 0
  for _, t in ipairs(texts) do
    if #cur > 0 and (#cur >= max_count or size + #t > max_bytes) then
      out[#out + 1] = cur
      cur, size = {}, 0
    end
    cur[#cur + 1] = t
    size = size + #t + 1
  end
  if #cur > 0 then out[#out + 1] = cur end
  return out
end

-- A request's bounds for log events: many per request, well under the
-- 1 MB bodies that HTTP receivers (Splunk HEC's default included) take.
M.EVENTS_PER_REQUEST = 500
M.BYTES_PER_REQUEST = 800 * 1024

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
    ctx.fail("http", M.said(resp), { status = status })
  end
  return status, resp
end

return M
