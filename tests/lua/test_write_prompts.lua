-- Every write asks (issue 24, item 5; SPEC section 6): each write workflow
-- run with no terminal and no --yes exits 2, says why, sends no write to
-- the loopback test server and changes no file.
local T = require "testing"
local json = require "duo.json"

local ts = require "testserver"
local W = require("workspace").new({ stdin_null = true })
local write, read, run = W.write, W.read, W.run

local CONFIG = W.server_config{ admin = true }
local SRV = "-c " .. CONFIG .. " "
local children = ts.client("accounts"):get_child_accounts()
local child = children[1]
local USERNAME = child.account_id:lower() .. "-user03"

local STORE = write("srv.mappings.json", json.encode{ organizations = json.array{
  { name = "Acme", duo_account_id = child.account_id, duo_admin_api_directory_key = "DDTESTDIRECTORYKEY01",
    confirmed = true },
} }, "600")
local STORE_TEXT = read(STORE)
local BASELINE = write("baseline.json", json.encode{ lockout_threshold = 7 })
local IMPORT = write("import.csv", "name,id,duo_account_id\nNewCo,N1," .. children[2].account_id .. "\n")
local COMPANIES = write("companies.csv", "id,name\nC1," .. children[3].name .. "\n")
local NEW_CONFIG = W.tmp .. "/new-config.lua"

local writes = ts.admin_writes

local CASES = {
  "-w offboard-user --username " .. USERNAME .. " --action disable",
  "-w offboard-user --username " .. USERNAME .. " --action delete",
  "-w offboard-user --username " .. USERNAME .. " --action sync",
  "-w standards --baseline " .. BASELINE .. " --apply",
  "-w sync-user --org Acme --username alice",
  "-w sync-user --all-orgs --username alice --username bob",
  "-w sync-user --org Acme --username alice --format json",
  "-w mappings set --org NewCo --account " .. children[2].account_id,
  "-w mappings remove --org Acme",
  "-w mappings import " .. IMPORT,
  "-w suggest-mappings --save --companies " .. COMPANIES,
  "-w onboard-org --org 'Brand New Co' --baseline " .. BASELINE .. " --edition PLATFORM",
}

T.test("every write workflow, no terminal and no --yes: exit 2, nothing sent, nothing written", function()
  for _, args in ipairs(CASES) do
    ts.clear_requests()
    local code, _, err = run(SRV .. args)
    T.eq(code, 2, args .. ": " .. err)
    T.truthy(err:find("not writing without --yes", 1, true), args .. ": " .. err)
    local w = writes()
    T.eq(#w, 0, args .. ": " .. (w[1] and (w[1].method .. " " .. w[1].path) or ""))
    T.eq(read(STORE), STORE_TEXT, args .. ": the mapping store is unchanged")
  end
end)

T.test("configure, no terminal and no --yes: checked, then nothing written", function()
  local args = string.format("-c %s -w configure --ca %s --accounts-host 127.0.0.1:%s --accounts-ikey %s "
                             .. "--accounts-skey %s", NEW_CONFIG, ts.ca, ts.port(), ts.keys.accounts.ikey,
                             ts.keys.accounts.skey)
  local code, _, err = run(args)
  T.eq(code, 2, err)
  T.truthy(err:find("not writing without --yes", 1, true), err)
  T.eq(read(NEW_CONFIG), nil, "no config file written")
end)

T.test("the same writes with --yes do reach the server (the cases can fail)", function()
  ts.clear_requests()
  local code, _, err = run(SRV .. "-w sync-user --yes --org Acme --username alice")
  T.eq(code, 0, err)
  local w = writes()
  T.eq(#w, 1, "one sync sent")
  T.eq(w[1].path, "/admin/v1/users/directorysync/DDTESTDIRECTORYKEY01/syncuser")
  ts.clear_requests()
  code, _, err = run(SRV .. "-w offboard-user --username " .. USERNAME .. " --action disable --yes")
  T.eq(code, 0, err)
  T.eq(#writes(), 1, "one disable sent")
end)

W.remove()
T.done()
