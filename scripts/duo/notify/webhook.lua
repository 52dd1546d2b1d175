-- kind = "webhook": each finding is POSTed on its own, as the JSON object
-- of SPEC section 10, so a receiver handles (and de-duplicates by
-- finding_id) one finding per request and a signature covers exactly one.
-- With a secret, X-Duo-Lua-Signature: sha256=HEX is the HMAC-SHA256 of the
-- exact body bytes. Findings go in order; the first refusal stops the
-- rest and raises.
--
-- Log events (send_events, export-logs --to): a JSON array of up to 500
-- events (and about 800 KB) a request, each event as exported, with
-- X-Duo-Lua-Log: TYPE and the same signature over the array's bytes.
local json = require "duo.json"
local signing = require "duo._sign"
local post = require "duo.notify.post"

local M = {}

local function signed_post(ch, ctx, body, extra)
  local headers = { ["User-Agent"] = "duo-lua" }
  for k, v in pairs(extra or {}) do headers[k] = v end
  if ch.secret then headers["X-Duo-Lua-Signature"] = "sha256=" .. signing.hmac_sha256(ch.secret, body) end
  post.post(ch, ctx, ch.url, body, headers)
end

function M.send(ch, findings, ctx)
  for _, f in ipairs(findings) do signed_post(ch, ctx, json.encode(f)) end
end

function M.send_events(ch, events, ctx)
  local texts = {}
  for i, ev in ipairs(events) do texts[i] = ev.json end
  for _, batch in ipairs(post.batches(texts, post.EVENTS_PER_REQUEST, post.BYTES_PER_REQUEST)) do
    signed_post(ch, ctx, "[" .. table.concat(batch, ",") .. "]", { ["X-Duo-Lua-Log"] = events[1].type })
  end
end

return M
