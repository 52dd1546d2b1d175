-- Times `-w user-counts` and `-w report` against the running test server
-- (run_with_server.sh) and counts the child-list calls each made.
package.path = arg[0]:gsub("[^/]*$", "") .. "../../lua/?.lua;" .. package.path
local W = require("workspace").new({ stdin_null = true })
local cfg = W.server_config()

local function clock()
  local p = assert(io.popen("date +%s.%N"))
  local t = tonumber(p:read("l"))
  p:close()
  return t
end

local function timed(args)
  os.remove(W.tmp .. "/requests.log")
  local t0 = clock()
  local code, _, err = W.run("-c " .. cfg .. " --log requests.log " .. args)
  local dt = clock() - t0
  assert(code == 0, err)
  local lists, total = 0, 0
  for line in io.lines(W.tmp .. "/requests.log") do
    total = total + 1
    if line:find('"/accounts/v1/account/list"', 1, true) then lists = lists + 1 end
  end
  return dt, lists, total
end

local t_counts, l_counts, n_counts = timed("-w user-counts --format json --output counts.json")
local t_report, l_report, n_report = timed("-w report --output report.html")
print(string.format("user-counts: %.2f s, %d requests, %d child-list calls", t_counts, n_counts, l_counts))
print(string.format("report:      %.2f s, %d requests, %d child-list calls", t_report, n_report, l_report))
local ratio = t_report / t_counts
if os.getenv("BENCH_GOAL") == "1" then
  print(string.format("report / user-counts: %.2f (goal: <= 1.2) %s", ratio, ratio <= 1.2 and "ok" or "OVER BUDGET"))
else
  print(string.format("report / user-counts: %.2f (calls: %.2f; the server's work per connection bounds both)", ratio,
                      n_report / n_counts))
end
W.remove()
