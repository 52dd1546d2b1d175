-- The sandbox's seed format: good seeds build the tenant they describe
-- (IDs, references, generated keys, options), and mistakes are refused
-- with a message that names the place (file, path inside it, what is
-- wrong), from Lua and from the command line.
local T = require "testing"
local duo = require "duo"
local json = require "duo.json"
local sandbox = require "sandbox.service"

local DUO_LUA = arg[-1]
local SEEDS = "../data/seeds/"

-- The message of the error duo.sandbox(seed) raises.
local function refused(seed, pattern)
  local ok, e = pcall(duo.sandbox, seed)
  T.truthy(not ok, "the seed was accepted")
  local msg = tostring(e)
  T.truthy(msg:find(pattern, 1, true), string.format("%q does not contain %q", msg, pattern))
  T.eq(sandbox.current(), nil, "no sandbox left running")
  return msg
end

T.test("bad JSON: the byte offset, line and column", function()
  refused(SEEDS .. "bad_json.json",
          "bad_json.json: not valid JSON: unexpected character at byte 97 (line 4, column 64)")
  refused(SEEDS .. "no_such_file.json", "cannot read the seed file")
  local tmp = os.tmpname()
  local f = assert(io.open(tmp, "w"))
  f:write("[1, 2]")
  f:close()
  refused(tmp, "the seed must be a JSON object")
  os.remove(tmp)
end)

T.test("duplicate IDs name both places", function()
  refused(SEEDS .. "duplicate_ids.json", "duplicate_ids.json: accounts[3].users[2].user_id: duplicate ID "
          .. "'DUAAAAAAAAAAAAAAAAA1' (first at accounts[0].users[0].user_id)")
  refused({ accounts = { { name = "A", account_id = "DAX" }, { name = "B", account_id = "DAX" } } },
          "seed: accounts[1].account_id: duplicate ID 'DAX' (first at accounts[0].account_id)")
  refused({ accounts = { { name = "A", groups = { { name = "G", group_id = "DG1" } },
                           users = { { username = "u", user_id = "DG1" } } } } },
          "accounts[0].users[0].user_id: duplicate ID 'DG1' (first at accounts[0].groups[0].group_id)")
end)

T.test("missing names", function()
  refused(SEEDS .. "missing_name.json",
          "missing_name.json: accounts[1].name: missing: every child account needs a name")
  refused(SEEDS .. "missing_username.json",
          "missing_username.json: accounts[0].users[1].username: missing: every user needs a username")
  refused({ accounts = { { name = "A", groups = { { desc = "x" } } } } },
          "seed: accounts[0].groups[0].name: missing: every group needs a name")
  refused({ accounts = { { name = "A", admins = { { name = "Ann" } } } } },
          "seed: accounts[0].admins[0].email: missing: every administrator needs an email")
  refused({ accounts = { { name = "" } } }, "seed: accounts[0].name: missing")
end)

T.test("wrong keys, types, values and references", function()
  refused(SEEDS .. "unknown_key.json", "unknown_key.json: accounts[0].usres: unknown key (did you mean 'users'?)")
  refused(SEEDS .. "bad_reference.json",
          "bad_reference.json: accounts[0].users[0].groups[1]: no group 'Marketing' in this account")
  refused(SEEDS .. "bad_status.json", "bad_status.json: accounts[0].users[0].status: must be one of active, "
          .. "bypass, disabled, locked out, pending deletion, got 'enabled'")
  refused({ accounts = { { name = "A", users = { { username = "u", created = "yesterday" } } } } },
          "seed: accounts[0].users[0].created: must be an integer, got a string")
  refused({ accounts = { { name = "A", users = { { username = "u" }, { username = "U" } } } } },
          "seed: accounts[0].users[1].username: duplicate username or alias 'U' in this account")
  refused({ accounts = { { name = "A", users = { { username = "u" }, { username = "v", aliases = { "u" } } } } } },
          "seed: accounts[0].users[1].aliases: 'u' is already a username or alias in this account")
  refused({ accounts = { { name = "A", users = { { username = "u", tokens = { "404" } } } } } },
          "seed: accounts[0].users[0].tokens[0]: no token '404' in this account")
  refused({ accounts = { { name = "A", users = { { username = "u", directory = "AD" } } } } },
          "seed: accounts[0].users[0].directory: no directory 'AD' in this account")
  refused({ parent = { integrations = { { name = "x", type = "adminapi", secret_key = "short" } } } },
          "seed: parent.integrations[0].secret_key: must be 40 characters, got 5")
  refused({ accounts = { { name = "A", billing_enabled = true } } },
          "seed: accounts[0].billing_enabled: only the parent account has this setting")
  refused({ accounts = { { name = "A", users = { { username = "u", bypass_codes = "3" } } } } },
          "seed: accounts[0].users[0].bypass_codes: must be a count (integer) or an array of objects")
  refused({ version = 2 }, "seed: version: this duo-lua reads seed version 1, got 2")
  refused({ accounts = { name = "A" } }, "seed: accounts: must be an array, got an object")
  refused({ options = { page_cap = "3" } }, "seed: options.page_cap: must be a whole number")
  refused({ options = { latncy = 1 } }, "seed: options.latncy: unknown option")
  refused({ accounts = { { name = "A", authlogs = { { user = "u" } } } } },
          "seed: accounts[0].authlogs[0].timestamp: missing")
end)

T.test("a good seed builds the tenant it describes", function()
  local sb = duo.sandbox(SEEDS .. "small.json")
  local acme = duo.accounts():child("Acme Corp")
  local bob = acme:get_users_by_name("robert")[1]
  T.eq(bob.username, "bob", "aliases")
  T.eq(bob.status, "disabled")
  T.eq(bob.tokens[1].serial, "123456", "tokens by serial")
  T.eq(#acme:get_user_bypass_codes(bob.user_id), 2, "bypass codes by count")
  local alice = acme:get_user_by_id("DUACME00000000000001")
  T.eq(alice.phones[1].number, "+15555550101")
  T.eq(alice.groups[1].name, "Finance", "groups by name")
  T.eq(alice.is_enrolled, true, "a phone means enrolled")
  T.eq(acme:get_user_by_id("DUACME00000000000003").is_enrolled, false)
  T.eq(acme:get_user_by_id("DUACME00000000000006").custom_attributes.department, "Sales")
  T.eq(acme:get_edition().edition, "PLATFORM")
  T.eq(sb.page_cap, 3, "options from the seed")
  T.eq(#acme:get_administrator_log{ mintime = 0 }, 1)
  local v1 = acme:get_authentication_log{ api_version = 1, mintime = 0 }
  T.eq(v1[1].username, "alice")
  sb:stop()
end)

T.test("IDs and keys a seed leaves out are generated, the same every time", function()
  local seed = { accounts = { { name = "Acme", users = { { username = "a" }, { username = "b" } },
                                groups = { { name = "G" } } } } }
  local one = duo.sandbox(seed):export()
  local two = duo.sandbox(seed):export()
  T.eq(json.encode(one), json.encode(two), "deterministic")
  local acct = one.accounts[1]
  T.truthy(acct.account_id:match("^DA[A-Z0-9]+$") and #acct.account_id == 20, acct.account_id)
  T.truthy(acct.api_hostname:match("^api%-%x%x%x%x%x%x%x%x%.duosecurity%.com$"), acct.api_hostname)
  T.truthy(acct.users[1].user_id:match("^DU"), acct.users[1].user_id)
  local types = {}
  for _, i in ipairs(one.parent.integrations) do
    types[i.type] = i
    T.eq(#i.secret_key, 40)
  end
  T.truthy(types.adminapi and types.accountsapi and types.authapi, "the parent's API integrations")
  T.eq(types.adminapi.adminapi_write_resource, 1, "full permissions by default")
  sandbox.current():stop()
end)

T.test("export and build again: the same tenant", function()
  local sb = duo.sandbox(SEEDS .. "small.json")
  local first = sb:export()
  local text = sandbox.to_json(first)
  local again = duo.sandbox(json.decode(text)):export()
  T.eq(json.encode(again), json.encode(first))
  -- changes made through the API are exported too
  duo.admin():add_user("added")
  local changed = sandbox.current():export()
  local names = {}
  for _, u in ipairs(changed.parent.users) do names[#names + 1] = u.username end
  T.eq(table.concat(names, ","), "tech1,added")
  sandbox.current():stop()
end)

T.test("the example of SEED_FORMAT.md builds", function()
  local f = assert(io.open("../../scripts/sandbox/SEED_FORMAT.md"))
  local doc = f:read("a")
  f:close()
  local example = doc:match("## Example%s+```json\n(.-)```")
  T.truthy(example, "the example block")
  local sb = duo.sandbox(json.decode(example))
  local acme = duo.accounts():child("Acme Corp")
  T.eq(#acme:get_users(), 2)
  T.eq(acme:get_users_by_name("alice")[1].groups[1].name, "Finance")
  T.eq(sb:directories()[1].directory_key, "DDACME00000000000001")
  T.eq(sb.page_cap, 50)
  sb:stop()
end)

T.test("the command line refuses a bad seed with the place, exit status 1", function()
  local p = assert(io.popen(DUO_LUA .. " --sandbox=" .. SEEDS .. "duplicate_ids.json -e 'require \"duo\"' 2>&1"))
  local out = p:read("a")
  local _, _, code = p:close()
  T.eq(code, 1, out)
  T.truthy(out:find("duplicate_ids.json: accounts[3].users[2].user_id: duplicate ID", 1, true), out)
end)

T.done()
