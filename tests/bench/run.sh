#!/usr/bin/env bash
# Runs every benchmark against a build and prints their figures. Builds
# nothing: run `cmake --build BUILD_DIR` first.
#
# usage: tests/bench/run.sh [BUILD_DIR]     (default: build of this checkout)
#
# What it finds, in name order:
#   BUILD_DIR/bench/bench_*     executables (CMake targets of tests/bench/),
#                               run without arguments
#   tests/bench/*.sh            scripts (not this one), run as
#                               `script BUILD_DIR/duo-lua`
#   tests/bench/*.lua           Lua benchmarks, run as `duo-lua script`
# Each benchmark prints its own figures and verdicts ("ok" / "OVER
# BUDGET"). A new benchmark only has to follow one of these shapes.
# Exit status: non-zero when a benchmark could not run (not for a budget).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$(cd "${1:-$here/../../build}" 2>/dev/null && pwd) || {
    echo "run.sh: no build directory ${1:-$here/../../build}" >&2
    exit 2
}
duo_lua=$build/duo-lua
status=0
count=0

banner() {
    printf '\n== %s\n' "$1"
}

run() {
    local name=$1
    shift
    banner "$name"
    count=$((count + 1))
    if ! "$@"; then
        echo "run.sh: $name failed" >&2
        status=1
    fi
}

echo "benchmarks of $build ($(uname -m), $(nproc) CPUs, $(date -u '+%Y-%m-%d %H:%M UTC'))"
shopt -s nullglob
for exe in "$build"/bench/bench_*; do
    [[ -x $exe && -f $exe ]] && run "$(basename "$exe")" "$exe"
done
for script in "$here"/*.sh; do
    [[ $(basename "$script") == run.sh ]] && continue
    run "$(basename "$script")" bash "$script" "$duo_lua"
done
for script in "$here"/*.lua; do
    run "$(basename "$script")" "$duo_lua" "$script"
done
if [[ $count -eq 0 ]]; then
    echo "run.sh: no benchmarks found (is $build a build directory?)" >&2
    exit 2
fi
exit $status
