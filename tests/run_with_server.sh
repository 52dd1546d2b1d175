#!/bin/sh
# Runs a command with the loopback Duo test server up: starts the server,
# exports DUO_TEST_PORT_<LISTENER> and DUO_TEST_CERTS, runs the command,
# stops the server, and exits with the command's status.
#   run_with_server.sh [--server-args "..."] command args...
set -u
here=$(cd "$(dirname "$0")" && pwd)
server_args=""
if [ "${1:-}" = "--server-args" ]; then
    server_args=$2
    shift 2
fi
out=$(mktemp)
# shellcheck disable=SC2086
python3 "$here/server/duo_test_server.py" --certs "$here/certs" --max-seconds 900 $server_args >"$out" 2>"$out.err" &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -f "$out" "$out.err"' EXIT INT TERM
i=0
while ! grep -q '^READY' "$out" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 200 ] || ! kill -0 "$pid" 2>/dev/null; then
        echo "run_with_server.sh: the test server did not start:" >&2
        cat "$out.err" >&2
        exit 1
    fi
    sleep 0.05
done
while read -r word name port; do
    if [ "$word" = "PORT" ]; then
        upper=$(echo "$name" | tr '[:lower:]' '[:upper:]')
        export "DUO_TEST_PORT_$upper=$port"
    fi
done <"$out"
export DUO_TEST_CERTS="$here/certs"
"$@"
status=$?
exit $status
