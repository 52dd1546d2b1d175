#!/usr/bin/env bash
# alerts over 500 child accounts on the sandbox with Duo's rate limits on
# virtual time: wall time, virtual (rate-limit-bound) time against the
# bound the limits set, requests and 429s, peak memory (VmHWM through
# /usr/bin/time), for a first run (every finding new, sent nowhere: no
# channel) and a second one (nothing new), at two concurrencies.
#   tests/bench/bench_alerts.sh [DUO_LUA [CHILDREN]]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
duo_lua=$(cd "$(dirname "${1:-$here/../../build/duo-lua}")" && pwd)/$(basename "${1:-duo-lua}")
children=${2:-500}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$duo_lua" "$here/lua/alerts_seed.lua" "$work/seed.json" "$children"

# Each child makes three requests of the "logs" class (administrator log,
# authentication log, Trust Monitor), which Duo limits to 2 a minute per
# account: a child takes at least 60 s, and CONCURRENCY children at a time
# take at least ceil(CHILDREN / CONCURRENCY) minutes.
one() {
    local label=$1 concurrency=$2 state=$3
    local t0 t1
    t0=$(date +%s%N)
    /usr/bin/time -f "%M" -o "$work/mem.txt" \
        "$duo_lua" --sandbox="$work/seed.json" "$here/lua/alerts_probe.lua" --state "$state" \
        --concurrency "$concurrency" --format json >"$work/out.json" 2>"$work/err.txt" || true
    t1=$(date +%s%N)
    local virtual requests refused findings
    read -r _ virtual _ requests _ refused < <(grep '^VIRTUAL_S' "$work/err.txt")
    findings=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$work/out.json")
    local bound=$(( (children + concurrency - 1) / concurrency * 60 ))
    printf '%-22s concurrency %3d: %s new findings (no channel: reported); wall %s s; virtual %s s (rate-limit bound %d s); %d requests, %d answered 429; peak RSS %d MB\n' \
        "$label" "$concurrency" "$findings" "$(awk "BEGIN { printf \"%.1f\", ($t1 - $t0) / 1e9 }")" "$virtual" \
        "$bound" "$requests" "$refused" "$(( $(tail -n 1 "$work/mem.txt") / 1024 ))"
}

echo "== alerts: $children child accounts x 20 users, Duo's rate limits, virtual time"
one "first run" 16 "$work/state16.json"
one "second run" 16 "$work/state16.json"
one "first run" 100 "$work/state100.json"
# What the simulated tenant itself takes: the same reads of users and logs
# (every child's logs generated) without the alerts workflow.
/usr/bin/time -f "%M" -o "$work/mem.txt" "$duo_lua" --sandbox="$work/seed.json" -e '
  local duo = require "duo"
  local t = os.time()
  duo.accounts():each_child(function(c)
    c:get_users()
    c:get_administrator_log{ mintime = t - 180 * 86400 }
    return #c:get_authentication_log{ mintime = (t - 86400) * 1000, maxtime = t * 1000 }
  end, { concurrency = 100 })' >/dev/null 2>&1 || true
printf '%-22s peak RSS %d MB (the sandbox'"'"'s tenant and generated logs, read without alerts)\n' "sandbox alone" \
    "$(( $(tail -n 1 "$work/mem.txt") / 1024 ))"
