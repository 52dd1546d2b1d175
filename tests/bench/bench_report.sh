#!/usr/bin/env bash
# report against user-counts on the same server: 500 child accounts (10
# users each) from the test server over real HTTPS, at a Duo-like 300 ms
# per request, then at 20 ms.
# Goal (issue 24): one child list per run however many children answer
# 403/404, and, at Duo-like latency, report in no more than 1.2x
# user-counts' time. report makes 4 calls a child (users, the account
# summary, the edition, the authentication attempts; all at once) where
# user-counts makes 1: at 20 ms the loopback server's own work per
# connection (a Python thread and a TLS handshake each) bounds both, and
# the ratio there is about the ratio of calls (printed, not a goal).
#   tests/bench/bench_report.sh [DUO_LUA [CHILDREN [LATENCY_MS...]]]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
duo_lua=${1:-$here/../../build/duo-lua}
children=${2:-500}
shift $(($# < 2 ? $# : 2))
latencies=${*:-300 20}
for latency in $latencies; do
    echo "== report vs user-counts: $children child accounts, $latency ms per request"
    BENCH_GOAL=$((latency >= 100)) "$here/../run_with_server.sh" \
        --server-args "--children $children --child-users 10 --latency-ms $latency" \
        "$duo_lua" "$here/lua/report_vs_counts.lua"
done
