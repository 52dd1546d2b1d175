#!/bin/sh
# Runs a duo-lua script under valgrind and fails on definite or indirect
# leaks, on memory errors, and unless the script ended as planned: with
# status 0, or with --expect-error TEXT, status 1 and TEXT in its output
# (the leak scenarios end with an uncaught error on purpose).
#   valgrind_check.sh [--expect-error TEXT] duo-lua script.lua
set -u
expect=""
if [ "${1:-}" = "--expect-error" ]; then
    expect=$2
    shift 2
fi
if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind_check.sh: valgrind is not installed" >&2
    exit 1
fi
log=$(mktemp)
out=$(mktemp)
valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect --error-exitcode=99 --log-file="$log" "$@" >"$out" 2>&1
rc=$?
cat "$log"
if [ $rc -eq 99 ]; then
    echo "0 passed, 1 failed (valgrind found leaks or memory errors)"
    rm -f "$log" "$out"
    exit 1
fi
if [ -n "$expect" ]; then
    if [ $rc -ne 1 ] || ! grep -qF -- "$expect" "$out"; then
        echo "the script did not end with its planned error (exit $rc); its output:"
        cat "$out"
        echo "0 passed, 1 failed"
        rm -f "$log" "$out"
        exit 1
    fi
elif [ $rc -ne 0 ]; then
    echo "the script failed (exit $rc); its output:"
    cat "$out"
    echo "0 passed, 1 failed"
    rm -f "$log" "$out"
    exit 1
fi
rm -f "$log" "$out"
echo "1 passed, 0 failed (valgrind: no leaks, no memory errors; the script ended as planned)"
