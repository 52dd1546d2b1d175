#!/bin/sh
# Runs a command with the loopback PSA test servers up (server/psa_test_server.py):
# exports PSA_TEST_PORT_<VENDOR> and DUO_TEST_CERTS, runs the command, stops the
# servers, and exits with the command's status. May wrap run_with_server.sh.
#   run_with_psa.sh [--psa-args "..."] command args...
set -u
here=$(cd "$(dirname "$0")" && pwd)
psa_args=""
if [ "${1:-}" = "--psa-args" ]; then
    psa_args=$2
    shift 2
fi
out=$(mktemp)
# shellcheck disable=SC2086
python3 "$here/server/psa_test_server.py" --certs "$here/certs" --max-seconds 900 $psa_args >"$out" 2>"$out.err" &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -f "$out" "$out.err"' EXIT INT TERM
i=0
while ! grep -q '^READY' "$out" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 200 ] || ! kill -0 "$pid" 2>/dev/null; then
        echo "run_with_psa.sh: the PSA test servers did not start:" >&2
        cat "$out.err" >&2
        exit 1
    fi
    sleep 0.05
done
while read -r word name port; do
    if [ "$word" = "PORT" ]; then
        upper=$(echo "$name" | tr '[:lower:]' '[:upper:]')
        export "PSA_TEST_PORT_$upper=$port"
    fi
done <"$out"
export DUO_TEST_CERTS="$here/certs"
"$@"
exit $?
