-- Runs a bundled workflow inside a sandbox and writes the sandbox's log of
-- the requests it answered to LOGFILE (JSON), so that a test can see
-- exactly what was sent (a dry run or a declined prompt sends no write).
--   duo-lua --sandbox=SEED [--dry-run] workflow_probe.lua LOGFILE NAME [args...]
local json = require "duo.json"
require "duo"
local runner = require "workflows.lib.runner"
local status = runner.run(table.unpack(arg, 2))
local sb = assert(require("sandbox.service").current(), "run with --sandbox")
local f = assert(io.open(arg[1], "wb"))
f:write(json.encode(sb:log()))
f:close()
os.exit(status)
