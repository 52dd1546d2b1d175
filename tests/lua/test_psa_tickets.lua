-- The ticket functions of the three PSAs that have tickets (ConnectWise,
-- Autotask, HaloPSA) against their loopback servers: open on a company,
-- add a note, close; IT Glue has no tickets and says so.
local T = require "testing"
local P = require "psatest"

local CHANNELS = {
  connectwise = { board = "Help Desk" },
  autotask = { queue_id = 29683481 },
  halopsa = { tickettype_id = 1 },
}
local CLOSED = { connectwise = "Closed", autotask = 5, halopsa = 9 }

for _, kind in ipairs{ "connectwise", "autotask", "halopsa" } do
  T.test(kind .. ": open a ticket on a company, add a note, close it", function()
    P.reset(kind)
    local source = require("workflows.lib.psa." .. kind).connect(P.settings(kind), "profile 'test'")
    local company = P.expected(kind)[3]
    local channel = CHANNELS[kind]
    local id = source:open_ticket(channel, company.id, "Users in bypass at " .. company.name, "alice, bob")
    T.eq(type(id), "string", "ticket id")
    local tickets = P.tickets(kind)
    T.eq(#tickets, 1, "tickets on the server")
    T.eq(tostring(tickets[1].id), id, "the id the server gave")
    T.eq(tostring(tickets[1].company_id), company.id, "the ticket's company")
    source:add_note(channel, id, "resolved: nobody is in bypass any more")
    source:close_ticket(channel, id)
    tickets = P.tickets(kind)
    T.eq(#tickets[1].notes, 1, "notes")
    T.eq(tickets[1].status, CLOSED[kind], "status after closing")
  end)
end

T.test("connectwise: a summary over 100 characters is shortened, an unknown board is a clear error", function()
  P.reset("connectwise")
  local source = require("workflows.lib.psa.connectwise").connect(P.settings("connectwise"), "profile 'test'")
  local company = P.expected("connectwise")[1]
  source:open_ticket({ board = "Help Desk" }, company.id, string.rep("x", 150), "")
  T.eq(#P.tickets("connectwise")[1].summary, 100, "summary length")
  T.raises(function() source:open_ticket({ board = "Nowhere" }, company.id, "s", "") end, "no board named")
end)

T.test("itglue: no tickets, and the reason names the kinds that have them", function()
  local itglue = require "workflows.lib.psa.itglue"
  T.truthy(itglue.NO_TICKETS:find("no ticket API", 1, true), "says IT Glue has no ticket API")
  T.eq(itglue.open_ticket, nil, "no ticket function")
end)

T.done()
