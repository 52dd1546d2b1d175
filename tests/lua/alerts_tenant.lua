-- The small tenant the alerts tests run on (a sandbox seed file), with
-- four planted findings, and a workspace that holds it, a config file and
-- a mapping store:
--   Acme Corp (organization "Acme Corporation", id C1): alice in bypass
--     for 20 days (bypass_user), bob locked out (locked_out_users)
--   Globex (no organization): 20 telephony credits (telephony_credits_low),
--     an administrator created yesterday (new_admin)
--
--   local A = require "alerts_tenant"
--   local W, run = A.workspace(config_lua_source, { org_id = "C1" })
--   local code, out, err = run("--format json")
--   A.write_seed(W, { bob_active = true })    -- bob unlocked: his finding resolves
local json = require "duo.json"

local M = {}

local DAY = 86400
M.NOW = os.time()

local function id(prefix)
  return (prefix .. string.rep("0", 20 - #prefix - 1) .. "1")
end

M.ACME = id("DAACMEALERTS")
M.GLOBEX = id("DAGLOBEXALERTS")
M.ALICE = id("DUALICE")
M.BOB = id("DUBOB")
M.NEW_ADMIN = id("DEGLOBEXNEWADMIN")

-- The finding ids the tenant gives, sorted.
M.FINDINGS = {
  "bypass_user:" .. M.ACME .. ":" .. M.ALICE,
  "locked_out_users:" .. M.ACME .. ":" .. M.BOB,
  "new_admin:" .. M.GLOBEX .. ":" .. M.NEW_ADMIN,
  "telephony_credits_low:" .. M.GLOBEX,
}
M.BOB_FINDING = M.FINDINGS[2]

function M.seed(changes)
  changes = changes or {}
  local now = M.NOW
  return {
    accounts = json.array{
      { account_id = M.ACME, name = "Acme Corp", telephony_credits = 500,
        users = json.array{
          { user_id = M.ALICE, username = "alice", email = "alice@acme.example", status = "bypass",
            created = now - 400 * DAY },
          { user_id = M.BOB, username = "bob", email = "bob@acme.example",
            status = changes.bob_active and "active" or "locked out" },
          { username = "carol", email = "carol@acme.example" },
        },
        admins = json.array{ { name = "Acme Owner", email = "owner@acme.example", role = "Owner",
                               created = now - 900 * DAY } },
        adminlogs = json.array{ { timestamp = now - 20 * DAY, username = "Acme Owner", action = "user_update",
                                  object = "alice", description = '{"status": "Bypass"}' } } },
      { account_id = M.GLOBEX, name = "Globex", telephony_credits = 20,
        users = json.array{ { username = "dave", email = "dave@globex.example" } },
        admins = json.array{
          { name = "Globex Owner", email = "owner@globex.example", role = "Owner", created = now - 900 * DAY },
          { admin_id = M.NEW_ADMIN, name = "New Person", email = "new@globex.example", role = "Administrator",
            created = now - DAY },
        } },
    },
  }
end

function M.write_seed(W, changes)
  return W.write("tenant.json", json.encode(M.seed(changes)))
end

-- A workspace with the tenant, config.lua (mode 600) holding `config`
-- (Lua source of the config's table), and the mapping store that maps
-- Acme Corp to opts.org_id (default C1). run(args) runs alerts on it.
function M.workspace(config, opts)
  opts = opts or {}
  local W = require("workspace").new({ stdin_null = true })
  M.write_seed(W)
  W.write("config.lua", "return " .. config, "600")
  W.write("sandbox.mappings.json", json.encode{ organizations = json.array{
    { id = opts.org_id or "C1", name = "Acme Corporation", duo_account_id = M.ACME, confirmed = true } } })
  W.state = W.tmp .. "/sandbox.mappings.json.alerts-state.json"
  local function run(args, env)
    return W.run("-c config.lua --sandbox=tenant.json -w alerts " .. (args or ""), env)
  end
  return W, run
end

return M
