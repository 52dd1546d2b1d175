-- kind = "teams": a Teams Workflows webhook ("Send webhook alerts to a
-- channel"). One message per call: an Adaptive Card 1.4 with the run's
-- title and one line per finding (at most MAX_LINES, then a count of the
-- rest). The URL holds the webhook's signature, so it is a secret.
local json = require "duo.json"
local digest = require "duo.notify.digest"
local post = require "duo.notify.post"

local M = {}

local MAX_LINES = 40
-- TextBlock colours: the card's own palette
local COLOR = { CRITICAL = "Attention", WARNING = "Warning", INFO = "Default", RESOLVED = "Good" }

-- Text for a TextBlock: Teams reads a subset of Markdown in it, so the
-- characters that would start formatting are escaped.
local function plain(s)
  return (s:gsub("[\\*_`%[%]<>#]", "\\%0"))
end

function M.card(findings)
  local d = digest.digest(findings)
  local body = { { type = "TextBlock", text = plain(d.title), weight = "Bolder", size = "Medium", wrap = true } }
  for i, e in ipairs(d.entries) do
    if i > MAX_LINES then
      body[#body + 1] = { type = "TextBlock", text = string.format("... and %d more", #d.entries - MAX_LINES),
                          isSubtle = true, wrap = true }
      break
    end
    body[#body + 1] = { type = "TextBlock", wrap = true, spacing = "Small", color = COLOR[e.label],
                        text = string.format("**%s** %s: %s", e.label, plain(e.where), plain(e.summary)) }
  end
  return {
    type = "message",
    attachments = { {
      contentType = "application/vnd.microsoft.card.adaptive",
      content = { ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json", type = "AdaptiveCard",
                  version = "1.4", body = body, msteams = { width = "Full" } },
    } },
  }
end

function M.send(ch, findings, ctx)
  post.post(ch, ctx, ch.url, json.encode(M.card(findings)), nil, true)
end

return M
