-- kind = "splunk_hec": Splunk's HTTP Event Collector. All findings of a
-- call go in one request to /services/collector/event (added to a URL
-- given without a path), one event object per finding, one after the
-- other, with Authorization: Splunk TOKEN. HEC answers a refusal with
-- {"text": ..., "code": N}, which the error repeats.
--
-- Log events (send_events, export-logs --to): up to 500 events (and about
-- 800 KB) a request, each {"time": the event's time, "sourcetype":
-- "duo:TYPE" (or the channel's), "event": the event as exported}; a
-- request that is refused stops the rest and raises.
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

function M.event_texts(ch, events)
  local texts, host = {}, ch.host or notify_c.hostname()
  for i, ev in ipairs(events) do
    texts[i] = json.encode{ time = ev.time, host = host, source = ch.source or "duo-lua",
                            sourcetype = ch.sourcetype or ("duo:" .. ev.type), index = ch.index, event = ev.record }
  end
  return texts
end

function M.send_events(ch, events, ctx)
  for _, batch in ipairs(post.batches(M.event_texts(ch, events), post.EVENTS_PER_REQUEST, post.BYTES_PER_REQUEST)) do
    post.post(ch, ctx, M.url(ch.url), table.concat(batch, "\n"), { Authorization = "Splunk " .. ch.token })
  end
end

function M.send(ch, findings, ctx)
  post.post(ch, ctx, M.url(ch.url), M.body(ch, findings, os.time()), { Authorization = "Splunk " .. ch.token })
end

return M
