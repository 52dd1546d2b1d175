#!/usr/bin/env bash
# suggest-mappings' engine (scripts/workflows/lib/match.lua): precision and recall
# on the evaluation set by drift kind, then speed and peak memory on
# synthetic tenants next to a plain baseline (tests/bench/mapping_baseline.py:
# blocking on the rarest word + difflib) measured in the same run.
#
# usage: tests/bench/mapping.sh [DUO_LUA]
#   DUO_LUA  the duo-lua binary (default: build/duo-lua of this checkout)
#
# Tenants come from tests/bench/lua/mapping_gen.lua (fixed seed): 5,000
# companies x 4,500 child accounts, 50,000 companies x 4,500 (a large PSA
# export against the same Duo tenant), and with MAPPING_LARGE=1 also
# 50,000 x 45,000 (minutes on a busy machine). Times are wall
# clock from start to exit (reading the files included), the median of
# three runs of the engine (one of the baseline), with the CPU time
# beside them; peak RSS from GNU time (%M). The baseline runs on the
# 5,000 tenant only (at 50,000 it takes minutes), unless
# MAPPING_BASELINE_ALL=1. Goals: 5,000 x 4,500 in <= 2 s and <= 256 MiB;
# 50,000 companies in <= 10 s; held-out names-only precision >= 0.99 and
# recall >= 0.90; with domains 1.00 and 1.00.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
duo_lua=${1:-$here/../../build/duo-lua}
if [[ ! -x $duo_lua ]]; then
    echo "mapping.sh: $duo_lua is not an executable (build first, or pass its path)" >&2
    exit 2
fi
if [[ ! -x /usr/bin/time ]] || ! /usr/bin/time -f %M -o /dev/null true 2>/dev/null; then
    echo "mapping.sh: needs GNU time (/usr/bin/time) for the peak memory" >&2
    exit 2
fi

echo "-- evaluation set"
"$duo_lua" "$here/lua/mapping_eval_report.lua" "$here/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# measure NAME RUNS COMMAND...: runs COMMAND RUNS times and prints the
# median run (by wall time): "name: seconds, cpu, MiB, matched/review,
# precision, recall", with every run's seconds when there are several;
# sets $seconds and $mib. (A virtual machine's speed varies by a tenth or
# more from one run to the next: one run says little.)
measure() {
    local name=$1 runs=$2 k all=""
    shift 2
    for ((k = 1; k <= runs; k++)); do
        /usr/bin/time -f "%e %U %S %M" -o "$work/time.$k" "$@" >"$work/out"
        all="$all $(cut -d' ' -f1 "$work/time.$k")"
        echo "$(cut -d' ' -f1 "$work/time.$k") $k" >>"$work/order"
    done
    k=$(sort -n "$work/order" | sed -n "$(((runs + 1) / 2))p" | cut -d' ' -f2)
    rm -f "$work/order"
    read -r _ n_c n_a matched review right pairs _ <"$work/out"
    read -r seconds user sys kib <"$work/time.$k"
    mib=$((kib / 1024))
    awk -v name="$name" -v s="$seconds" -v u="$user" -v y="$sys" -v mib="$mib" -v c="$n_c" -v a="$n_a" \
        -v m="$matched" -v r="$review" -v ok="$right" -v p="$pairs" -v all="$all" -v runs="$runs" 'BEGIN {
        printf "  %-9s %6d x %-6d %7.2f s (cpu %6.2f s) %5d MiB   matched %5d, review %5d, precision %.3f, recall %.3f%s\n",
               name, c, a, s, u + y, mib, m, r, (m > 0 ? ok / m : 1), (p > 0 ? ok / p : 1),
               (runs > 1 ? sprintf("   (median of%s s)", all) : "") }'
}

verdict() {   # verdict SECONDS LIMIT_S [MIB LIMIT_MIB]
    local ok
    ok=$(awk -v s="$1" -v l="$2" -v m="${3:-0}" -v lm="${4:-1}" 'BEGIN { print (s <= l && m <= lm) ? "ok" : "OVER BUDGET" }')
    echo "  budget <= $2 s${4:+ and <= $4 MiB}: $ok"
}

sizes=("5000 4500" "50000 4500")
[[ ${MAPPING_LARGE:-} == 1 ]] && sizes+=("50000 45000")
for size in "${sizes[@]}"; do
    read -r n_companies n_accounts <<<"$size"
    dir=$work/t$n_companies
    mkdir -p "$dir"
    "$duo_lua" "$here/lua/mapping_gen.lua" "$dir" "$n_companies" "$n_accounts"
    echo
    echo "-- $n_companies companies x $n_accounts child accounts"
    measure engine 3 "$duo_lua" "$here/lua/mapping_run.lua" "$dir"
    engine_s=$seconds
    engine_mib=$mib
    if [[ $n_companies -le 5000 || ${MAPPING_BASELINE_ALL:-} == 1 ]]; then
        measure baseline 1 python3 "$here/mapping_baseline.py" "$dir"
    fi
    if [[ $n_companies -le 5000 ]]; then
        verdict "$engine_s" 2 "$engine_mib" 256
    else
        verdict "$engine_s" 10
    fi
done
