-- The alerts workflow's psa_ticket channel (SPEC section 10) against the
-- ticketing test servers of ConnectWise Manage, Autotask and HaloPSA
-- (tests/server/psa_*.py): a ticket per new finding on its organization's
-- company (the channel's company_id for an account without one), none on
-- the second run, and the resolved finding's ticket noted and closed.
local T = require "testing"
local P = require "psatest"
local A = require "alerts_tenant"
local json = require "duo.json"

-- Where each PSA's tickets go, and the status a closed one has.
local CHANNELS = {
  connectwise = 'board = "Help Desk"',
  autotask = "queue_id = 29683481",
  halopsa = "tickettype_id = 1",
}
local CLOSED = { connectwise = "Closed", autotask = 5, halopsa = 9 }

for _, kind in ipairs{ "connectwise", "autotask", "halopsa" } do
T.test(kind .. ": one ticket per new finding on the right company, none again, a resolved one closed", function()
  P.reset(kind)
  local companies = P.expected(kind)
  local org, own = companies[4], companies[1]
  local W, run = A.workspace(string.format([[{
  default = "main",
  profiles = { main = { psa = %s,
                        notify = { desk = { kind = "psa_ticket", %s, company_id = %q } } } },
}]], P.block(kind), CHANNELS[kind], own.id), { org_id = org.id })
  local code, out, err = run("--format json")
  T.eq(code, 3, "first run; stderr: " .. err)
  T.eq(out:find(P.SECRETS[kind], 1, true), nil, "no secret in the output")
  local tickets = P.tickets(kind)
  T.eq(#tickets, #A.FINDINGS, "a ticket per planted finding")
  local on = {}
  for _, t in ipairs(tickets) do on[tostring(t.company_id)] = (on[tostring(t.company_id)] or 0) + 1 end
  T.eq(on[org.id], 2, "Acme Corp's two findings on its organization's company")
  T.eq(on[own.id], 2, "Globex (no organization) on the channel's company_id")
  local state = json.decode(W.read(W.state))
  local bob_ticket = state.findings[A.BOB_FINDING].tickets.desk.ticket
  T.truthy(bob_ticket, "the ticket id is kept in the state")

  code, _, err = run()
  T.eq(code, 0, "second run; stderr: " .. err)
  T.eq(#P.tickets(kind), #A.FINDINGS, "no ticket opened on the second run")

  A.write_seed(W, { bob_active = true })
  code, _, err = run()
  T.eq(code, 3, "a resolved finding; stderr: " .. err)
  tickets = P.tickets(kind)
  T.eq(#tickets, #A.FINDINGS, "no new ticket")
  local closed = 0
  for _, t in ipairs(tickets) do
    if tostring(t.id) == bob_ticket then
      T.eq(t.status, CLOSED[kind], "the resolved finding's ticket is closed")
      T.eq(#t.notes, 1, "with a note")
    end
    if t.status == CLOSED[kind] then closed = closed + 1 end
  end
  T.eq(closed, 1, "only that one closed")
  T.eq(json.decode(W.read(W.state)).findings[A.BOB_FINDING], nil, "and forgotten")
  W.remove()
end)
end

T.done()
