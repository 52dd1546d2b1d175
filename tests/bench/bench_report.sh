#!/usr/bin/env bash
# report against user-counts on the same server: 500 child accounts (10
# users each), 20 ms per request, from the test server over real HTTPS.
# Goal (issue 24): report in no more than 1.2x user-counts' time, and one
# child list per run however many children answer 403/404.
#   tests/bench/bench_report.sh [DUO_LUA [CHILDREN [LATENCY_MS]]]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
duo_lua=${1:-$here/../../build/duo-lua}
children=${2:-500}
latency=${3:-20}
echo "== report vs user-counts: $children child accounts, $latency ms per request"
"$here/../run_with_server.sh" --server-args "--children $children --child-users 10 --latency-ms $latency" \
    "$duo_lua" "$here/lua/report_vs_counts.lua"
