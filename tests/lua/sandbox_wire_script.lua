-- A script written against the sandbox. test_sandbox_wire.lua runs it
-- unchanged with --sandbox=<seed> and against the loopback test server,
-- and compares what each saw on the wire and what the script printed.
local duo = require "duo"

local accounts = duo.accounts()
local admin = duo.admin()

-- the child accounts, then the users of the first two
local children = accounts:get_child_accounts()
table.sort(children, function(a, b) return a.account_id < b.account_id end)
print("children", #children)
for i = 1, math.min(2, #children) do
  local child = accounts:child(children[i].account_id)
  local users = child:get_users()
  print(children[i].name, #users, users[1] and users[1].username)
end

-- paging: the parent's users ten at a time, and one page by hand
local n = 0
for _ in admin:each("/admin/v1/users", { limit = 10 }) do n = n + 1 end
print("users", n)
local page, meta = admin:get_users{ limit = 7, offset = 14 }
print("page", #page, page[1].username, meta.next_offset)

-- a lookup and a new user
local found = admin:get_user_by_email("user00003@example.com")
print("found", found[1] and found[1].user_id)
admin:add_user{ username = "wire.test", email = "wire.test@example.com", realname = "Wire Test" }
print("added")
