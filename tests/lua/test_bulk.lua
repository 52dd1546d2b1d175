-- admin:bulk against the loopback test server: operations go to Duo's bulk
-- endpoint in chunks of at most 50, one after another, and the results come
-- back one per operation, in order.
local T = require "testing"
local ts = require "testserver"
local json = require "duo.json"

local admin = ts.client("admin")

local function operations(n)
  local ops = {}
  for i = 1, n do
    ops[i] = { method = i % 2 == 0 and "delete" or "POST",
               path = i % 2 == 0 and string.format("/admin/v1/users/DU%018d", i) or "/admin/v1/users",
               body = i % 2 == 1 and { username = "bulk" .. i } or nil }
  end
  return ops
end

local function bulk_requests()
  local out = {}
  for _, e in ipairs(ts.requests()) do
    if e.path == "/admin/v1/bulk" then out[#out + 1] = e end
  end
  return out
end

T.test("120 operations: 3 requests of 50, 50 and 20; 120 results in order", function()
  ts.clear_requests()
  local results = admin:bulk(operations(120))
  local sent = bulk_requests()
  T.eq(#sent, 3, "bulk requests")
  for i, e in ipairs(sent) do T.eq(e.status, 200, "request " .. i) end
  T.eq(#results, 120)
  -- each request's results are numbered from 0: the chunk sizes
  local sizes = {}
  for _, r in ipairs(results) do
    if r.index == 0 then sizes[#sizes + 1] = 0 end
    sizes[#sizes] = sizes[#sizes] + 1
  end
  T.eq(table.concat(sizes, ","), "50,50,20")
  T.truthy(json.is_array(results), "results are an array")
  for i, r in ipairs(results) do
    -- each chunk numbers its operations from 0: the i-th result is the
    -- ((i - 1) % 50)-th of its chunk, for the i-th operation
    T.eq(r.index, (i - 1) % 50, "result " .. i)
    T.eq(r.method, i % 2 == 0 and "DELETE" or "POST", "result " .. i)
  end
  T.eq(results[120].path, string.format("/admin/v1/users/DU%018d", 120))
end)

T.test("50 operations are one request; none are none", function()
  ts.clear_requests()
  T.eq(#admin:bulk(operations(50)), 50)
  T.eq(#bulk_requests(), 1)
  ts.clear_requests()
  local none = admin:bulk{}
  T.eq(#none, 0)
  T.truthy(json.is_array(none))
  T.eq(#bulk_requests(), 0)
end)

T.test("a bad operation is refused before anything is sent", function()
  ts.clear_requests()
  local ops = operations(60)
  ops[55] = { method = "POST", path = "/accounts/v1/account/list" }
  T.raises(function() admin:bulk(ops) end,
           "operation 55: path must be an Admin API path")
  T.raises(function() admin:bulk{ { method = "PATCH", path = "/admin/v1/users" } } end,
           "operation 1: method must be GET, POST, PUT or DELETE")
  T.raises(function() admin:bulk{ { method = "POST", path = "/admin/v1/users", data = {} } } end,
           "operation 1: unknown field 'data'")
  T.raises(function() admin:bulk("x") end, "table of operations expected, got string")
  T.eq(#bulk_requests(), 0)
end)

T.done()
