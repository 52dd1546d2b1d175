-- kind = "webhook": each finding is POSTed on its own, as the JSON object
-- of SPEC section 10, so a receiver handles (and de-duplicates by
-- finding_id) one finding per request and a signature covers exactly one.
-- With a secret, X-Duo-Lua-Signature: sha256=HEX is the HMAC-SHA256 of the
-- exact body bytes. Findings go in order; the first refusal stops the
-- rest and raises.
local json = require "duo.json"
local signing = require "duo._sign"
local post = require "duo.notify.post"

local M = {}

function M.send(ch, findings, ctx)
  for _, f in ipairs(findings) do
    local body = json.encode(f)
    local headers = { ["User-Agent"] = "duo-lua" }
    if ch.secret then headers["X-Duo-Lua-Signature"] = "sha256=" .. signing.hmac_sha256(ch.secret, body) end
    post.post(ch, ctx, ch.url, body, headers)
  end
end

return M
