#!/usr/bin/env bash
# Fan-out across child accounts: the users of 40 children with 250 users
# each, every request answered after 50 ms, at concurrency 16.
#   tests/bench/bench_fanout.sh [DUO_LUA [CHILDREN [USERS [LATENCY_MS [CONCURRENCY]]]]]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
duo_lua=${1:-$here/../../build/duo-lua}
children=${2:-40}
users=${3:-250}
latency=${4:-50}
concurrency=${5:-16}
echo "== fan-out: users of $children child accounts x $users users, $latency ms per request, concurrency $concurrency"
"$here/../run_with_server.sh" \
    --server-args "--children $children --child-users $users --latency-ms $latency" \
    "$duo_lua" "$here/lua/fanout.lua" "$here" "$concurrency" "$latency" 100
