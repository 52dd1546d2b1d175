-- kind = "slack": a Slack incoming webhook. One message per call: `text`
-- (the title, what notifications show) and `blocks`: a header, then
-- sections of findings, one line each (a section holds at most 3000
-- characters and a message 50 blocks; what does not fit is counted). The
-- URL holds the webhook's token, so it is a secret.
local json = require "duo.json"
local digest = require "duo.notify.digest"
local post = require "duo.notify.post"

local M = {}

local SECTION_CHARS, MAX_SECTIONS = 2900, 45
local EMOJI = { CRITICAL = ":red_circle:", WARNING = ":warning:", INFO = ":information_source:",
                RESOLVED = ":white_check_mark:" }

-- Slack's mrkdwn: &, < and > are the only characters to escape.
local function escape(s)
  return (s:gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;"))
end

function M.message(findings)
  local d = digest.digest(findings)
  local blocks = { { type = "header", text = { type = "plain_text", text = d.title:sub(1, 150) } } }
  local lines, size, shown = {}, 0, 0
  local function flush()
    if #lines > 0 then
      blocks[#blocks + 1] = { type = "section", text = { type = "mrkdwn", text = table.concat(lines, "\n") } }
      lines, size = {}, 0
    end
  end
  for _, e in ipairs(d.entries) do
    local line = string.format("%s *%s* %s: %s", EMOJI[e.label], e.label, escape(e.where), escape(e.summary))
    line = line:sub(1, SECTION_CHARS)
    if size + #line + 1 > SECTION_CHARS then flush() end
    if #blocks > MAX_SECTIONS then break end
    lines[#lines + 1] = line
    size = size + #line + 1
    shown = shown + 1
  end
  flush()
  if shown < #d.entries then
    blocks[#blocks + 1] = { type = "context",
                            elements = { { type = "mrkdwn", text = string.format("... and %d more", #d.entries - shown) } } }
  end
  return { text = d.title, blocks = blocks }
end

function M.send(ch, findings, ctx)
  post.post(ch, ctx, ch.url, json.encode(M.message(findings)), nil, true)
end

return M
