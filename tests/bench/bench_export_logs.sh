#!/usr/bin/env bash
# export-logs: the authentication logs of 25 child accounts x 5,000 events
# on the sandbox with Duo's rate limits (logs: 2 requests a minute per
# account) on virtual time: events per second (wall clock) and the 429s,
# paced (the default) and unpaced (--rate 100000, left to the client's
# retries). A second run must write no event twice.
#   tests/bench/bench_export_logs.sh [DUO_LUA [CHILDREN [EVENTS]]]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
duo_lua=${1:-$here/../../build/duo-lua}
children=${2:-25}
events=${3:-5000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$duo_lua" "$here/lua/export_logs_seed.lua" "$work/seed.json" "$children" "$events"
probe=$here/../lua/workflow_probe.lua

count_429() {
    python3 -c 'import json,sys; log=json.load(open(sys.argv[1])); print(sum(1 for e in log if e.get("status") == 429), sum(1 for e in log if "/logs/" in e.get("path","")))' "$1"
}

one() {
    local label=$1 dir=$2
    shift 2
    local t0 t1 lines secs before=0
    [[ -f $dir/authentication.jsonl ]] && before=$(wc -l <"$dir/authentication.jsonl")
    t0=$(date +%s%N)
    local TIMEFORMAT='%3U %3S'
    { time "$duo_lua" --sandbox="$work/seed.json" "$probe" "$work/log.json" export-logs --out "$dir" \
        --types authentication --format json "$@" >"$work/out.json" 2>"$work/err.txt"; } 2>"$work/time.txt"
    t1=$(date +%s%N)
    local cpu
    cpu=$(awk '{ printf "%.2f", $1 + $2 }' "$work/time.txt")
    lines=$(( $(wc -l <"$dir/authentication.jsonl") - before ))
    secs=$(awk "BEGIN { printf \"%.2f\", ($t1 - $t0) / 1e9 }")
    read -r r429 requests < <(count_429 "$work/log.json")
    printf '%-26s %d children: %d new events in %s s (%s s CPU) = %s events/s (%s per CPU second); %d log requests, %d answered 429\n' \
        "$label" "$children" "$lines" "$secs" "$cpu" "$(awk "BEGIN { printf \"%.0f\", $lines / ($t1 - $t0) * 1e9 }")" \
        "$(awk "BEGIN { printf \"%.0f\", $lines / ($cpu > 0 ? $cpu : 1) }")" "$requests" "$r429"
}

echo "== export-logs: $children child accounts x $events authentication events, Duo's rate limits, virtual time"
one "paced (the limit, 2/min)" "$work/paced"
one "unpaced (--rate 100000)" "$work/unpaced" --rate 100000
one "second run (paced)" "$work/paced"
python3 - "$work/paced/authentication.jsonl" <<'PY'
import json, sys
ids = [json.loads(line)["txid"] for line in open(sys.argv[1])]
dupes = len(ids) - len(set(ids))
print("%d events in the file, %d exported twice: %s" % (len(ids), dupes, "ok" if dupes == 0 else "FAILED"))
sys.exit(1 if dupes else 0)
PY
