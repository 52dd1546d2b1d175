-- onboard-org (SPEC section 8, issue 26 item 6): a new client in one job.
-- On the sandbox: every step and the mapping, usage errors, the refusals
-- (already mapped, a child of that name, no terminal), --dry-run, a
-- resume from a recorded state. Under run_with_server.sh (a test server
-- with latency, so a run can be killed between steps): the steps as the
-- server keeps them, kill -9 after the account was created and while it
-- was being created (never a second child account), a failed step resumed.
local T = require "testing"
local json = require "duo.json"
local W = require("workspace").new({ stdin_null = true })
local write, read, run = W.write, W.read, W.run

local BASELINE = write("baseline.json", json.encode{ lockout_threshold = 6,
                                                      policy = { new_user = { new_user_behavior = "deny" } } })

local function requests(path)
  local out = {}
  for line in (read(path) or ""):gmatch("[^\n]+") do out[#out + 1] = json.decode(line) end
  return out
end

local function writes_in(log)
  local list = {}
  for _, r in ipairs(requests(log)) do
    if r.verb ~= "GET" and r.path ~= "/accounts/v1/account/list" then list[#list + 1] = r.verb .. " " .. r.path end
  end
  return list
end

local function steps_of(doc)
  local s = {}
  for i, st in ipairs(doc.steps) do s[i] = st.step .. "=" .. st.result end
  return table.concat(s, " ")
end

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

local SB_STORE = W.tmp .. "/cfg/duo-lua/sandbox.mappings.json"
local SB_STATE = SB_STORE .. ".onboarding.json"
local function reset_sandbox_files()
  os.remove(SB_STORE)
  os.remove(SB_STATE)
  os.remove(W.tmp .. "/req.log")
end

local FULL = "-w onboard-org --org 'New Client LLC' --id C900 --edition PLATFORM --telephony-credits 100 "
             .. "--baseline baseline.json --admin-email ann@newclient.example --admin-name 'Ann Admin' "
             .. "--tag managed --tag healthcare"

-- The sandbox ---------------------------------------------------------------------------

T.test("sandbox: every step sent in order, the mapping recorded confirmed with its tags, the state forgotten",
       function()
  reset_sandbox_files()
  local code, out, err = run("--sandbox --log req.log " .. FULL .. " --yes --format json")
  T.eq(code, 0, err)
  local doc = json.decode(out)
  T.eq(doc.org, "New Client LLC")
  T.eq(doc.org_id, "C900")
  T.truthy(type(doc.duo_account_id) == "string" and doc.duo_account_id:match("^DA"), out)
  T.eq(steps_of(doc), "create_account=done set_edition=done set_telephony_credits=done apply_baseline=done "
                      .. "add_admin=done record_mapping=done")
  for _, st in ipairs(doc.steps) do T.eq(st.error, json.null, st.step) end
  T.same(writes_in(W.tmp .. "/req.log"), {
    "POST /accounts/v1/account/create", "POST /admin/v1/billing/edition", "POST /admin/v1/billing/telephony_credits",
    "POST /admin/v1/settings", "PUT /admin/v2/policies/global", "POST /admin/v1/admins" }, "the writes")
  for _, r in ipairs(requests(W.tmp .. "/req.log")) do
    if r.path:find("^/admin/") then T.eq(r.account_id, doc.duo_account_id, r.path .. " goes to the new child") end
  end
  local store = json.decode(read(SB_STORE))
  T.eq(#store.organizations, 1)
  local e = store.organizations[1]
  T.eq(e.name, "New Client LLC")
  T.eq(e.id, "C900")
  T.eq(e.duo_account_id, doc.duo_account_id)
  T.eq(e.confirmed, true)
  T.truthy(e.confirmed_by and e.confirmed_at, "who and when")
  T.same(e.tags, { "managed", "healthcare" })
  T.truthy(err:find("plan for 'New Client LLC'", 1, true) and err:find("add_admin", 1, true), err)
  T.eq(exists(SB_STATE), false, "a finished onboarding leaves no state")
  T.eq(err:find("skey", 1, true), nil, "no secret")
end)

T.test("sandbox: an organization already mapped is refused with one line, exit 2, nothing sent", function()
  reset_sandbox_files()
  local code, _, err = run("--sandbox -w onboard-org --org 'Old Client' --yes")
  T.eq(code, 0, err)
  os.remove(W.tmp .. "/req.log")
  local before = read(SB_STORE)
  for _, args in ipairs{ "--org 'old client'", "--org 'Old Client' --edition BEYOND" } do
    code, _, err = run("--sandbox --log req.log -w onboard-org --yes " .. args)
    T.eq(code, 2, err)
    T.truthy(err:match("^duo%-lua: onboard%-org: organization 'Old Client' is already mapped to the account DA%w+ in "
                       .. "[^\n]+: nothing to onboard\n$"), err)
    T.same(writes_in(W.tmp .. "/req.log"), {}, "nothing sent")
    T.eq(read(SB_STORE), before, "the store is unchanged")
  end
  -- by id: an organization of another name but that id
  write("cfg/duo-lua/sandbox.mappings.json", json.encode{ organizations = { { name = "Acme Holdings", id = "C1",
                                                                  duo_account_id = "DAACMEHOLDINGS000001" } } })
  code, _, err = run("--sandbox -w onboard-org --org 'Acme Corp' --id C1 --yes")
  T.eq(code, 2, err)
  T.truthy(err:find("organization 'Acme Holdings' is already mapped to the account DAACMEHOLDINGS000001", 1, true),
           err)
end)

T.test("sandbox: an unmapped organization in the store gets the new account, keeping its id and tags", function()
  reset_sandbox_files()
  write("cfg/duo-lua/sandbox.mappings.json", json.encode{ organizations = { { name = "Globex Inc", id = "PSA-7",
                                                                  tags = { "managed" }, source = "connectwise" } } })
  local code, out, err = run("--sandbox -w onboard-org --org 'globex inc' --tag Managed --tag gold --yes "
                             .. "--format json")
  T.eq(code, 0, err)
  local doc = json.decode(out)
  T.eq(doc.org_id, "PSA-7", "the entry's id")
  local store = json.decode(read(SB_STORE))
  T.eq(#store.organizations, 1, "no second entry")
  local e = store.organizations[1]
  T.eq(e.name, "Globex Inc")
  T.eq(e.duo_account_id, doc.duo_account_id)
  T.eq(e.source, "connectwise")
  T.same(e.tags, { "managed", "gold" }, "tags merged, any case")
end)

T.test("sandbox: a child account of that name exists already: refused, exit 2, nothing sent", function()
  reset_sandbox_files()
  local code, _, err = run("--sandbox --log req.log -w onboard-org --org 'Evergreen Group' --yes")
  T.eq(code, 2, err)
  T.truthy(err:match("^duo%-lua: onboard%-org: a child account named 'Evergreen Group' exists already %(DA%w+%): map it "
                     .. "with duo%-lua %-w mappings set [^\n]+\n$"), err)
  T.same(writes_in(W.tmp .. "/req.log"), {})
end)

T.test("sandbox: no terminal and no --yes: exit 2, nothing sent, nothing recorded", function()
  reset_sandbox_files()
  local code, out, err = run("--sandbox --log req.log " .. FULL .. " --format json")
  T.eq(code, 2, err)
  T.truthy(err:find("not writing without --yes", 1, true), err)
  T.same(writes_in(W.tmp .. "/req.log"), {}, "nothing sent")
  T.eq(exists(SB_STORE), false, "no store")
  T.eq(exists(SB_STATE), false, "no state")
  T.eq(steps_of(json.decode(out)), "create_account=planned set_edition=planned set_telephony_credits=planned "
                                   .. "apply_baseline=planned add_admin=planned record_mapping=planned")
end)

T.test("sandbox: --dry-run prints the plan, sends and records nothing", function()
  reset_sandbox_files()
  local code, out, err = run("--sandbox --dry-run --log req.log " .. FULL .. " --format json")
  T.eq(code, 0, err)
  local doc = json.decode(out)
  T.eq(doc.duo_account_id, json.null)
  T.truthy(steps_of(doc):find("^create_account=planned"), out)
  T.truthy(err:find("dry-run: 6 steps would run", 1, true), err)
  T.truthy(err:find("apply the baseline baseline.json (1 settings, 1 policy sections)", 1, true), err)
  T.same(writes_in(W.tmp .. "/req.log"), {})
  T.eq(exists(SB_STORE), false)
  T.eq(exists(SB_STATE), false)
end)

T.test("sandbox: resumes from the recorded state: only the steps not done are sent", function()
  reset_sandbox_files()
  local id = "DARESUMED00000000001"
  write("resume-seed.json", json.encode{ parent = { name = "MSP", telephony_credits = 1000 },
                                         accounts = { { account_id = id, name = "Resumed Co" } } })
  write("cfg/duo-lua/sandbox.mappings.json.onboarding.json", json.encode{ onboardings = { ["resumed co"] = {
    org = "Resumed Co", plan = { edition = "PLATFORM", telephony_credits = 10 }, duo_account_id = id,
    steps = { create_account = "done", set_edition = "done", set_telephony_credits = "started" } } } })
  -- another plan than the one recorded is refused
  local code, _, err = run("--sandbox=resume-seed.json --log req.log -w onboard-org --org 'Resumed Co' "
                           .. "--edition BEYOND --telephony-credits 10 --yes")
  T.eq(code, 2, err)
  T.truthy(err:find("was interrupted with --edition PLATFORM", 1, true), err)
  T.same(writes_in(W.tmp .. "/req.log"), {})
  os.remove(W.tmp .. "/req.log")
  code, _, err = run("--sandbox=resume-seed.json --log req.log -w onboard-org --org 'Resumed Co' "
                     .. "--edition PLATFORM --telephony-credits 10 --yes")
  T.eq(code, 0, err)
  T.truthy(err:find("resuming the onboarding recorded in", 1, true), err)
  T.truthy(err:find("create_account         create the child account 'Resumed Co' (" .. id .. ") -- done", 1, true),
           err)
  T.same(writes_in(W.tmp .. "/req.log"), { "POST /admin/v1/billing/telephony_credits" }, "the rest only")
  T.eq(json.decode(read(SB_STORE)).organizations[1].duo_account_id, id)
  T.eq(exists(SB_STATE), false)
  -- killed while adding the administrator: found by e-mail, not added twice
  write("admin-seed.json", json.encode{ accounts = { { account_id = id, name = "Resumed Co", admins = {
    { name = "Ann Admin", email = "Ann@Resumed.example" } } } } })
  write("cfg/duo-lua/sandbox.mappings.json.onboarding.json", json.encode{ onboardings = { ["resumed co"] = {
    org = "Resumed Co", plan = { admin_email = "ann@resumed.example", admin_name = "Ann Admin" }, duo_account_id = id,
    steps = { create_account = "done", add_admin = "started" } } } })
  os.remove(SB_STORE)
  os.remove(W.tmp .. "/req.log")
  code, _, err = run("--sandbox=admin-seed.json --log req.log -w onboard-org --org 'Resumed Co' "
                     .. "--admin-email ann@resumed.example --admin-name 'Ann Admin' --yes")
  T.eq(code, 0, err)
  T.same(writes_in(W.tmp .. "/req.log"), {}, "the administrator is there: no second one")
  T.eq(json.decode(read(SB_STORE)).organizations[1].duo_account_id, id)
  -- a recorded account the parent no longer lists: a clear error, nothing created
  write("cfg/duo-lua/sandbox.mappings.json.onboarding.json", json.encode{ onboardings = { ["gone co"] = {
    org = "Gone Co", plan = {}, duo_account_id = "DAGONE00000000000001", steps = { create_account = "done" } } } })
  os.remove(W.tmp .. "/req.log")
  code, _, err = run("--sandbox --log req.log -w onboard-org --org 'Gone Co' --yes")
  T.eq(code, 1, err)
  T.truthy(err:find("created the child account DAGONE00000000000001, which the parent no longer lists", 1, true), err)
  T.same(writes_in(W.tmp .. "/req.log"), {})
  -- a state file that is not valid is never trusted
  write("cfg/duo-lua/sandbox.mappings.json.onboarding.json", '{"onboardings": {"x": {"org": "X", "plan": {}, "steps": '
                                                 .. '{"create_account": "maybe"}}}}')
  code, _, err = run("--sandbox -w onboard-org --org X --yes")
  T.eq(code, 1, err)
  T.truthy(err:find("is not valid: 'x': step create_account is 'maybe'", 1, true), err)
  os.remove(SB_STATE)
end)

T.test("usage errors: one line each, nothing sent", function()
  reset_sandbox_files()
  W.one_line_errors("--sandbox --log req.log -w onboard-org --yes", {
    [""] = "--org NAME is required",
    ["--org X --bogus 1"] = "unknown option '--bogus'",
    ["--org X --admin-email a@b.example"] = "--admin-email and --admin-name go together",
    ["--org X --admin-email nobody --admin-name N"] = "--admin-email must be an e-mail address, got 'nobody'",
    ["--org X --telephony-credits 1.5"] = "--telephony-credits needs a whole number, got 1.5",
    ["--org X --telephony-credits -3"] = "--telephony-credits must be between",
    ["--org X --edition GOLD"] = "--edition must be one of ENTERPRISE",
    ["--org '  '"] = "--org needs a name",
  }, 2)
  local code, _, err = run("--sandbox --log req.log -w onboard-org --org X --baseline nothere.json --yes")
  T.eq(code, 2, "an unusable input file is a usage error: " .. err)
  T.truthy(err:find("cannot read the baseline", 1, true), err)
  T.same(writes_in(W.tmp .. "/req.log"), {}, "nothing sent")
end)

-- The test server ------------------------------------------------------------------------

if os.getenv("DUO_TEST_PORT_GOOD") then
  local ts = require "testserver"
  local config = W.server_config()
  local SRV = "-c " .. config .. " "
  local STORE = W.tmp .. "/srv.mappings.json"
  local STATE = STORE .. ".onboarding.json"
  local accounts = ts.client("accounts")

  local function named(name)
    local found = {}
    for _, a in ipairs(accounts:children(true)) do
      if a.name == name then found[#found + 1] = a end
    end
    return found
  end

  local function onboard_args(name)
    return "-w onboard-org --org '" .. name .. "' --edition BEYOND --telephony-credits 25 --baseline baseline.json "
           .. "--admin-email first@client.example --admin-name 'First Admin' --tag new"
  end

  -- Starts an onboarding in the background; waits until the state file
  -- matches pattern (and delay seconds more), then kill -9.
  local function kill_when(name, pattern, delay)
    local p = assert(io.popen(string.format(
      "cd %s && env XDG_CONFIG_HOME=%s/cfg HOME=%s DUO_LUA_CONFIG= %s %s %s --yes </dev/null >bg.out 2>bg.err "
      .. "& echo $!", W.tmp, W.tmp, W.tmp, W.DUO_LUA, SRV, onboard_args(name))))
    local pid = p:read("l")
    p:close()
    local seen
    for _ = 1, 1500 do
      seen = read(STATE)
      if seen and seen:find(pattern) then break end
      os.execute("sleep 0.01")
    end
    if delay then os.execute("sleep " .. delay) end
    os.execute("kill -9 " .. pid)
    os.execute(string.format("while kill -0 %s 2>/dev/null; do sleep 0.02; done", pid))
    return seen
  end

  local function check_onboarded(name, doc)
    local list = named(name)
    T.eq(#list, 1, "exactly one child account named " .. name)
    T.eq(doc.duo_account_id, list[1].account_id)
    local c = accounts:child(list[1].account_id)
    T.eq(c:get_edition().edition, "BEYOND")
    T.eq(c:get_telephony_credits().credits, 25)
    T.eq(c:get_settings().lockout_threshold, 6)
    T.eq(c:get_policy_v2("global").sections.new_user.new_user_behavior, "deny")
    local admins = c:get_admins()
    T.eq(#admins, 1, "one administrator")
    T.eq(admins[1].email, "first@client.example")
    local store = json.decode(read(STORE))
    local e
    for _, o in ipairs(store.organizations) do if o.name == name then e = o end end
    T.truthy(e, "the organization is in the store")
    T.eq(e.duo_account_id, list[1].account_id)
    T.eq(e.confirmed, true)
    T.same(e.tags, { "new" })
    local left = read(STATE)
    T.truthy(left == nil or not left:find(json.encode(name:lower()), 1, true), "its state is forgotten when done")
  end

  T.test("test server: onboarded, every step as the server keeps it", function()
    local code, out, err = run(SRV .. onboard_args("Server Client One") .. " --yes --format json")
    T.eq(code, 0, err)
    local doc = json.decode(out)
    T.eq(steps_of(doc), "create_account=done set_edition=done set_telephony_credits=done apply_baseline=done "
                        .. "add_admin=done record_mapping=done")
    check_onboarded("Server Client One", doc)
    -- and again: mapped now, refused
    code, _, err = run(SRV .. onboard_args("Server Client One") .. " --yes")
    T.eq(code, 2, err)
    T.truthy(err:find("is already mapped to the account " .. doc.duo_account_id, 1, true), err)
    T.eq(#named("Server Client One"), 1)
  end)

  T.test("test server: no terminal and no --yes: nothing reaches the server", function()
    ts.clear_requests()
    local code, _, err = run(SRV .. onboard_args("Server Client Asked"))
    T.eq(code, 2, err)
    for _, r in ipairs(ts.requests()) do
      T.truthy(r.method == "GET" or r.path == "/accounts/v1/account/list", "sent " .. r.method .. " " .. r.path)
    end
    T.eq(#named("Server Client Asked"), 0)
    T.eq(exists(STATE), false)
  end)

  T.test("test server: kill -9 after the account was created; the rerun resumes, one child account", function()
    local name = "Server Client Killed"
    local seen = kill_when(name, '"create_account":"done"')
    T.truthy(seen and seen:find('"create_account":"done"', 1, true), "killed after the first step: " .. tostring(seen))
    T.eq(#named(name), 1, "created before the kill")
    local state = json.decode(read(STATE))
    local rec = state.onboardings["server client killed"]
    T.truthy(rec and rec.steps.record_mapping == nil, "killed before the end: " .. read(STATE))
    local code, out, err = run(SRV .. onboard_args(name) .. " --yes --format json")
    T.eq(code, 0, err)
    T.truthy(err:find("resuming the onboarding", 1, true), err)
    local doc = json.decode(out)
    T.eq(doc.duo_account_id, rec.duo_account_id, "the account the first run created")
    check_onboarded(name, doc)
  end)

  T.test("test server: kill -9 while the account was being created; the rerun adopts it, one child account",
         function()
    local name = "Server Client In Flight"
    -- the request has left (the server answers after 150 ms), no answer yet
    local seen = kill_when(name, '"create_account":"started"', 0.1)
    T.truthy(seen and seen:find('"create_account":"started"', 1, true), tostring(seen))
    os.execute("sleep 0.5")   -- the server goes on with the request the client left
    T.eq(#named(name), 1, "the server created it all the same")
    local code, out, err = run(SRV .. onboard_args(name) .. " --yes --format json")
    T.eq(code, 0, err)
    check_onboarded(name, json.decode(out))
  end)

  T.test("test server: a step that fails is an error, exit 1; the rerun resumes from it", function()
    local name = "Server Client Failing"
    -- the first run stops at set_edition: that child fails every request
    local p = assert(io.popen(string.format(
      "cd %s && (env XDG_CONFIG_HOME=%s/cfg HOME=%s DUO_LUA_CONFIG= %s %s %s --yes --format json </dev/null "
      .. ">fail.out 2>fail.err; echo $? >fail.rc) & echo $!", W.tmp, W.tmp, W.tmp, W.DUO_LUA, SRV,
      onboard_args(name))))
    local pid = p:read("l")
    p:close()
    local id
    for _ = 1, 1500 do
      local s = read(STATE)
      id = s and s:match('"duo_account_id":"(DA%w+)"')
      if id then break end
      os.execute("sleep 0.01")
    end
    T.truthy(id, "the account was recorded")
    ts.client("admin"):call("POST", "/test/children/" .. id .. "/fail", { code = 40301 })
    os.execute(string.format("while kill -0 %s 2>/dev/null; do sleep 0.02; done", pid))
    ts.client("admin"):call("POST", "/test/children/" .. id .. "/fail", { code = 0 })
    T.eq(read(W.tmp .. "/fail.rc"), "1\n", "a failed step: exit 1")
    local doc = json.decode(read(W.tmp .. "/fail.out"))
    local errs = 0
    for _, st in ipairs(doc.steps) do
      if st.result == "error" then
        errs = errs + 1
        T.truthy(st.error:find("40301", 1, true), st.error)
      end
    end
    T.eq(errs, 1, "one step failed: " .. steps_of(doc))
    T.truthy(read(W.tmp .. "/fail.err"):find("run the same command again to resume", 1, true), read(W.tmp .. "/fail.err"))
    local code, out, err = run(SRV .. onboard_args(name) .. " --yes --format json")
    T.eq(code, 0, err)
    check_onboarded(name, json.decode(out))
  end)
end

W.remove()
T.done()
