#!/bin/sh
# Runs a duo-lua script under valgrind and fails on definite or indirect
# leaks and on memory errors. The script itself may fail (the leak
# scenarios end with an uncaught error on purpose).
#   valgrind_check.sh duo-lua script.lua
set -u
if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind_check.sh: valgrind is not installed" >&2
    exit 1
fi
log=$(mktemp)
valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect --error-exitcode=99 --log-file="$log" "$@" >/dev/null 2>&1
rc=$?
cat "$log"
rm -f "$log"
if [ $rc -eq 99 ]; then
    echo "0 passed, 1 failed (valgrind found leaks or memory errors)"
    exit 1
fi
echo "1 passed, 0 failed (valgrind: no leaks, no memory errors; script exit $rc)"
