-- Findings as PSA tickets (SPEC section 10, the psa_ticket channel): one
-- ticket per new finding on its organization's PSA company (the
-- organization's id; the channel's company_id when the account has no
-- organization), its id kept in the state; a note and the close when the
-- finding is resolved. The channel's state is a plain table the caller
-- persists: state[finding_id] = { ticket = ID, kind = KIND, company_id = ID }.
--
--   local ticket = require "workflows.lib.psa.ticket"
--   local desk = ticket.open(channel, profile, "channel 'desk'")
--   local sent, failures = desk:send(findings, state)
local psa = require "workflows.lib.psa"

local M = {}

local Desk = {}
Desk.__index = Desk

-- channel: the notify entry ({ kind = "psa_ticket", board = …, company_id = … });
-- where: how messages name it. extra: channel keys the caller handles itself.
function M.open(channel, profile, where, extra)
  local source, kind = psa.tickets(profile, channel, where, extra)
  return setmetatable({ channel = channel, source = source, kind = kind, where = where or "psa_ticket" }, Desk)
end

local function text_of(f)
  local lines = { f.summary or f.rule or "finding" }
  if f.account or f.account_id then
    lines[#lines + 1] = string.format("Duo account: %s (%s)", tostring(f.account or "?"), tostring(f.account_id or "?"))
  end
  if f.rule then lines[#lines + 1] = string.format("Rule: %s, severity %s", f.rule, tostring(f.severity or "?")) end
  if f.first_seen then lines[#lines + 1] = "First seen: " .. tostring(f.first_seen) end
  lines[#lines + 1] = "Finding: " .. tostring(f.finding_id)
  if type(f.details) == "table" then
    local ok, text = pcall(require("duo.json").encode, f.details)
    if ok then lines[#lines + 1] = "Details: " .. text end
  end
  lines[#lines + 1] = "Sent by duo-lua; the ticket is closed when the finding is resolved."
  return table.concat(lines, "\n")
end

-- The PSA company a finding belongs to, or nil and why not.
function Desk:company(f)
  if f.org_id ~= nil and f.org_id ~= require("duo.json").null then return tostring(f.org_id) end
  if self.channel.company_id ~= nil then return tostring(self.channel.company_id) end
  return nil, string.format("%s: the account %s has no organization and the channel has no company_id "
                            .. "(the MSP's own company in the PSA)", self.where, tostring(f.account_id))
end

-- Sends findings ({ finding_id, state = "new"|"resolved", org_id, … }):
-- a new one opens a ticket unless the state has one; a resolved one with a
-- ticket gets a note and is closed, and leaves the state. One that fails
-- stays as it was, for the next run. Returns the actions done
-- ({ finding_id, action = "opened"|"closed", ticket }) and the failures
-- ({ finding_id, error }).
function Desk:send(findings, state)
  local done, failures = {}, {}
  for _, f in ipairs(findings) do
    local id = f.finding_id
    local have = state[id]
    local ok, err = pcall(function()
      if f.state == "resolved" then
        if have then
          self.source:add_note(self.channel, have.ticket, "Resolved: " .. (f.summary or id) .. " (duo-lua)")
          self.source:close_ticket(self.channel, have.ticket)
          state[id] = nil
          done[#done + 1] = { finding_id = id, action = "closed", ticket = have.ticket }
        end
      elseif not have then
        local company, why = self:company(f)
        if company == nil then error(why, 0) end
        local ticket = self.source:open_ticket(self.channel, company, f.summary or id, text_of(f))
        state[id] = { ticket = ticket, kind = self.kind, company_id = company }
        done[#done + 1] = { finding_id = id, action = "opened", ticket = ticket }
      end
    end)
    if not ok then failures[#failures + 1] = { finding_id = id, error = err } end
  end
  return done, failures
end

return M
