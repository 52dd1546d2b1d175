#!/bin/sh
# Builds the libFuzzer targets of tests/fuzz with clang (in build-fuzz/)
# and runs each for a bounded time, one after the other:
#   DUO_FUZZ_SECONDS   seconds per target (default 60; 0 skips fuzzing)
#   DUO_FUZZ_TARGETS   which targets (names without fuzz_; default: all)
# New inputs go to build-fuzz/corpus/<target>, findings (crash, leak,
# timeout, broken property) to build-fuzz/artifacts/; the committed seeds
# in tests/fuzz/corpus/<target> are only read. Exits non-zero on a finding,
# after printing the target's log; turn each finding into a regression test.
set -eu
cd "$(dirname "$0")/../.."
seconds=${DUO_FUZZ_SECONDS:-60}
targets=${DUO_FUZZ_TARGETS:-"json_decode json_encode percent_canon companies sandbox_seed config"}
if [ "$seconds" -le 0 ]; then
    echo "fuzz: skipped (DUO_FUZZ_SECONDS=$seconds)"
    exit 0
fi
if ! command -v clang >/dev/null; then
    echo "fuzz: clang is not installed (sh .ci/test installs clang and libclang-rt-14-dev)" >&2
    exit 1
fi

CC=clang cmake -S . -B build-fuzz -DDUO_FUZZ=ON -DDUO_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
build_targets=""
for t in $targets; do build_targets="$build_targets fuzz_$t"; done
# shellcheck disable=SC2086
cmake --build build-fuzz -j2 --target $build_targets >/dev/null

status=0
mkdir -p build-fuzz/artifacts
for t in $targets; do
    mkdir -p "build-fuzz/corpus/$t"
    log="build-fuzz/fuzz_$t.log"
    # Reader inputs stay small: a file is read whole for each execution.
    max_len=4096
    # The Lua targets keep one Lua state across executions, whose garbage
    # collector frees memory a run later: libFuzzer's leak check would run
    # (and cost 20 ms) at every execution. The C-only target keeps it.
    leaks=0
    if [ "$t" = percent_canon ]; then max_len=1024; leaks=1; fi
    if nice "build-fuzz/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -detect_leaks=$leaks \
        -max_len="$max_len" -dict="tests/fuzz/$t.dict" -artifact_prefix="build-fuzz/artifacts/$t-" \
        "build-fuzz/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1; then
        result="no finding"
    else
        result="FINDING"
        status=1
    fi
    runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 executions in \2 s/p' "$log")
    cov=$(grep -E '^#[0-9]+.*(DONE|cov:)' "$log" | tail -1 | sed -n 's/.*\(cov: [0-9]*\) \(ft: [0-9]*\) \(corp: [^ ]*\).*/\1 \2 \3/p')
    echo "fuzz: $t: $result, ${runs:-? executions}, $cov"
    if [ "$result" = FINDING ]; then
        tail -n 60 "$log"
    fi
done
exit $status
