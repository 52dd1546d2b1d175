-- Run by test_dryrun.lua as `duo-lua --dry-run dryrun_script.lua`.
local S = require "testserver"
local admin = S.client("admin")
local accounts = S.client("accounts")
print("add_user", admin:add_user("alice", { email = "alice@example.com" }))
print("token", admin:add_hotp6_token("SN123", "3132333435363738393031323334353637383930"))
print("delete", admin:delete_user("DU0123456789ABCDEFGH"))
print("call", admin:call("POST", "/admin/v1/groups", { name = "g1" }))
print("users", #admin:get_users())
print("children", #accounts:get_child_accounts())
print("child write", accounts:child(accounts:children()[1].account_id):add_user("bob"))
