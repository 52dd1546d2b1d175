-- kind = "splunk_hec": Splunk's HTTP Event Collector. All findings of a
-- call go in one request to /services/collector/event (added to a URL
-- given without a path), one event object per finding, one after the
-- other, with Authorization: Splunk TOKEN. HEC answers a refusal with
-- {"text": ..., "code": N}, which the error repeats.
local json = require "duo.json"
local notify_c = require "duo._notify"
local post = require "duo.notify.post"

local M = {}

function M.url(base)
  if base:find("^https://[^/?#]+/?$") then return (base:gsub("/$", "")) .. "/services/collector/event" end
  return base
end

function M.body(ch, findings, now)
  local events = {}
  for i, f in ipairs(findings) do
    events[i] = json.encode{ time = now, host = ch.host or notify_c.hostname(), source = ch.source or "duo-lua",
                             sourcetype = ch.sourcetype or "duo-lua:finding", index = ch.index, event = f }
  end
  return table.concat(events, "\n")
end

function M.send(ch, findings, ctx)
  post.post(ch, ctx, M.url(ch.url), M.body(ch, findings, os.time()), { Authorization = "Splunk " .. ch.token })
end

return M
