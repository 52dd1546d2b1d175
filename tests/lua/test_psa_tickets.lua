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

-- Findings as tickets, run after run, through a process with a config file
-- (psa_ticket_script.lua does what a run of alerts does with the channel).
local json = require "duo.json"
local ts = require "testserver"

local function desk_workspace(kind)
  local W = require("workspace").new({ stdin_null = true })
  local cfg = W.write("srv.lua", string.format([[
return { default = "srv", profiles = { srv = {
  accounts = { host = "127.0.0.1:%s", ikey = %q, skey = %q }, ca = %q, psa = %s } } }
]], ts.port(), ts.keys.accounts.ikey, ts.keys.accounts.skey, ts.ca, P.block(kind)), "600")
  local script = assert(io.open("psa_ticket_script.lua")):read("a")
  W.write("send.lua", script)
  return W, "-c " .. cfg .. " send.lua findings.json"
end

local function send(W, cmd, channel, findings)
  W.write("findings.json", json.encode(findings))
  local code, out, err = W.run(cmd .. " '" .. json.encode(channel) .. "' state.json")
  T.eq(code, 0, "send; stderr: " .. err .. " stdout: " .. out)
  return json.decode(out)
end

for _, kind in ipairs{ "connectwise", "autotask", "halopsa" } do
  T.test(kind .. ": a ticket per new finding on its company, none the second time, resolved closes", function()
    P.reset(kind)
    local companies = P.expected(kind)
    local W, cmd = desk_workspace(kind)
    local channel = { kind = "psa_ticket", company_id = companies[1].id }
    for k, v in pairs(CHANNELS[kind]) do channel[k] = v end
    local findings = {
      { finding_id = "bypass_user:DA1:DU1", state = "new", rule = "bypass_user", severity = "warning",
        org_id = companies[4].id, account_id = "DA1", account = "Initech", summary = "alice is in bypass" },
      { finding_id = "bypass_user:DA2:DU2", state = "new", rule = "bypass_user", severity = "warning",
        org_id = companies[5].id, account_id = "DA2", account = "Umbrella Health", summary = "bob is in bypass" },
      { finding_id = "locked_out_users:DA9", state = "new", rule = "locked_out_users", severity = "info",
        account_id = "DA9", account = "No Org Yet", summary = "2 users locked out" },
    }
    local r = send(W, cmd, channel, findings)
    T.eq(#r.done, 3, "tickets opened on the first run")
    T.eq(#r.failures, 0, "failures")
    local tickets = P.tickets(kind)
    T.eq(#tickets, 3, "tickets on the server")
    local on = {}
    for _, t in ipairs(tickets) do on[tostring(t.company_id)] = (on[tostring(t.company_id)] or 0) + 1 end
    T.eq(on[companies[4].id], 1, "one ticket on the first finding's company")
    T.eq(on[companies[5].id], 1, "one ticket on the second finding's company")
    T.eq(on[companies[1].id], 1, "the finding without an organization goes to the channel's company_id")
    r = send(W, cmd, channel, findings)
    T.eq(#r.done, 0, "tickets opened on the second run")
    T.eq(#P.tickets(kind), 3, "tickets on the server after the second run")
    findings[1].state = "resolved"
    r = send(W, cmd, channel, { findings[1] })
    T.eq(#r.done, 1, "actions for the resolved finding")
    T.eq(r.done[1].action, "closed", "action")
    tickets = P.tickets(kind)
    local closed = 0
    for _, t in ipairs(tickets) do
      if tostring(t.id) == r.done[1].ticket then
        T.eq(t.status, CLOSED[kind], "the resolved finding's ticket is closed")
        T.eq(#t.notes, 1, "with a note")
        closed = closed + 1
      else
        T.truthy(t.status ~= CLOSED[kind], "the other tickets stay open")
      end
    end
    T.eq(closed, 1, "tickets closed")
    local state = json.decode(W.read(W.tmp .. "/state.json"))
    T.eq(state["bypass_user:DA1:DU1"], nil, "the closed ticket left the state")
    T.truthy(state["bypass_user:DA2:DU2"].ticket, "the open one is kept with its id")
    W.remove()
  end)
end

T.test("itglue: a psa_ticket channel on IT Glue is refused, saying IT Glue has no tickets", function()
  local W, cmd = desk_workspace("itglue")
  W.write("findings.json", "[]")
  local code, _, err = W.run(cmd .. " '{\"kind\":\"psa_ticket\"}' state.json")
  T.eq(code, 1, "exit status")
  T.truthy(err:find("no ticket API", 1, true), "says why: " .. err)
  W.remove()
end)

T.test("a channel key the PSA does not know is refused by name", function()
  local W, cmd = desk_workspace("connectwise")
  W.write("findings.json", "[]")
  local code, _, err = W.run(cmd .. " '{\"kind\":\"psa_ticket\",\"board\":\"Help Desk\",\"queue\":1}' state.json")
  T.eq(code, 1, "exit status")
  T.truthy(err:find("unknown key 'queue'", 1, true), err)
  W.remove()
end)

T.done()
