-- Runs the alerts workflow inside the sandbox (duo-lua --sandbox=SEED
-- alerts_probe.lua ARGS...) and prints on stderr how long it took on the
-- loop's clock (virtual time under the sandbox's rate limits), the
-- requests the sandbox answered and how many of them it refused with 429.
require "duo"
local host = require "workflows.lib.host"
local runner = require "workflows.lib.runner"
local t0 = host.now_ms()
local status = runner.run("alerts", table.unpack(arg, 1))
local sb = assert(require("sandbox.service").current(), "run with --sandbox")
local requests, refused = 0, 0
for _, e in ipairs(sb:log()) do
  requests = requests + 1
  if e.status == 429 then refused = refused + 1 end
end
io.stderr:write(string.format("VIRTUAL_S %.1f REQUESTS %d REFUSED_429 %d\n", (host.now_ms() - t0) / 1000, requests,
                              refused))
os.exit(status)
