-- Findings rendered for people (teams, slack, email), grouped per run: a
-- title with the counts per severity, then one entry per finding (new
-- ones by severity, then the resolved ones, marked), each with its
-- organization or account and its summary.
local M = {}

local ORDER = { critical = 1, warning = 2, info = 3 }
local SEVERITIES = { "critical", "warning", "info" }

local function text(v)
  return type(v) == "string" and v or nil
end

local function where(f)
  local name = text(f.org) or f.account or f.account_id or "the parent account"
  if f.account_id and name ~= f.account_id then name = name .. " (" .. f.account_id .. ")" end
  return name
end

-- digest(findings) -> { title =, entries = { { finding, label, where, summary, line } },
--                       counts = { critical =, warning =, info =, resolved = } }
function M.digest(findings)
  local counts = { critical = 0, warning = 0, info = 0, resolved = 0 }
  local new, resolved = {}, {}
  local profile = findings[1].profile
  for i, f in ipairs(findings) do
    if f.state == "resolved" then
      counts.resolved = counts.resolved + 1
      resolved[#resolved + 1] = { f = f, i = i }
    else
      counts[f.severity] = counts[f.severity] + 1
      new[#new + 1] = { f = f, i = i }
    end
    if f.profile ~= profile then profile = nil end
  end
  table.sort(new, function(a, b)
    if a.f.severity ~= b.f.severity then return ORDER[a.f.severity] < ORDER[b.f.severity] end
    return a.i < b.i
  end)
  local parts = {}
  for _, s in ipairs(SEVERITIES) do
    if counts[s] > 0 then parts[#parts + 1] = counts[s] .. " " .. s end
  end
  local head = "duo-lua" .. (profile and (" (" .. profile .. ")") or "") .. ": "
  local title
  if #new > 0 then
    title = string.format("%s%d new finding%s (%s)", head, #new, #new == 1 and "" or "s", table.concat(parts, ", "))
    if #resolved > 0 then title = title .. string.format(", %d resolved", #resolved) end
  else
    title = string.format("%s%d finding%s resolved", head, #resolved, #resolved == 1 and "" or "s")
  end
  local entries = {}
  for _, group in ipairs{ new, resolved } do
    for _, e in ipairs(group) do
      local f = e.f
      local label = f.state == "resolved" and "RESOLVED" or f.severity:upper()
      entries[#entries + 1] = { finding = f, label = label, where = where(f), summary = f.summary,
                                line = string.format("[%s] %s: %s", label, where(f), f.summary) }
    end
  end
  return { title = title, entries = entries, counts = counts }
end

return M
