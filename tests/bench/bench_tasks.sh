#!/usr/bin/env bash
# 1,000 tasks in flight at once against the loopback test server (each
# answer delayed 200 ms), and the peak memory of duo-lua doing it.
#   tests/bench/bench_tasks.sh [DUO_LUA [TASKS]]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
duo_lua=${1:-$here/../../build/duo-lua}
tasks=${2:-1000}
echo "== tasks in flight: peak memory"
"$here/../run_with_server.sh" --server-args "--latency-ms 200" \
    "$duo_lua" "$here/lua/tasks_memory.lua" "$here" "$tasks"
