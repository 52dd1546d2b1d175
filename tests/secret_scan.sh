#!/bin/sh
# Greps test output for every test secret: the secret keys in tests/data
# (seeds, signing vectors), the test servers' credentials (Duo's and the
# PSAs'), and every secret
# key of the sandbox's demo tenant. No secret key may reach any output, so
# one found is a failure, reported by file, line and where the secret comes
# from (the secret itself is not printed).
#   secret_scan.sh DUO_LUA FILE...      (.ci/test passes CTest's LastTest.log)
#   secret_scan.sh --list DUO_LUA       the secrets, one a line, with their source
#   secret_scan.sh --selftest DUO_LUA   the scan finds a planted secret, and
#                                       passes clean text (a CTest test)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ "${1:-}" = "--selftest" ]; then
    dir=$(mktemp -d)
    trap 'rm -rf "$dir"' EXIT
    sh "$0" --list "$2" >"$dir/list"
    DUO_SECRET_LIST="$dir/list"   # built once: the sandbox takes a while under ASan
    export DUO_SECRET_LIST
    echo "duo: HTTP 502 from api-x.duosecurity.com: response is not JSON" >"$dir/clean"
    sh "$0" "$2" "$dir/clean" >/dev/null
    while IFS="	" read -r source secret; do
        printf 'line one\nskey=%s in the middle\n' "$secret" >"$dir/dirty"
        if sh "$0" "$2" "$dir/clean" "$dir/dirty" 2>"$dir/err"; then
            echo "secret_scan: missed the planted secret from $source" >&2
            exit 1
        fi
        grep -q "dirty, line(s) 2" "$dir/err" || { cat "$dir/err" >&2; exit 1; }
        if grep -qF -e "$secret" "$dir/err"; then
            echo "secret_scan: the report shows the secret itself" >&2
            exit 1
        fi
    done <<EOT
$(sed -n '1p;$p' "$dir/list")
EOT
    echo "secret_scan: selftest passed ($(wc -l <"$dir/list") secrets)"
    exit 0
fi
list_only=0
if [ "${1:-}" = "--list" ]; then
    list_only=1
    shift
fi
duo_lua=$1
shift

list=$(mktemp)
trap 'rm -f "$list"' EXIT
# "source<TAB>secret"; secrets of 20 characters or more (shorter test values
# such as "test_skey" are words that may appear in any text). The
# notification receivers' secrets are listed in tests/lua/receivers.lua.
if [ -n "${DUO_SECRET_LIST:-}" ]; then
    cp "$DUO_SECRET_LIST" "$list"
else {
    grep -rhoE '"(skey|secret_key)": *"[^"]{20,}"' "$here/data" \
        | sed -E 's/^"[a-z_]+": *"([^"]*)"$/tests\/data\t\1/'
    sed -nE 's/^[A-Z_]*SKEY = "([^"]{20,})"$/tests\/server\/duo_test_server.py\t\1/p' "$here/server/duo_test_server.py"
    sed -nE 's/.*skey = "([^"]{20,})".*/tests\/lua\/testserver.lua\t\1/p' "$here/lua/testserver.lua"
    sed -nE 's/^  [a-z]+ = "([^"]{20,})",   -- notify secret$/tests\/lua\/receivers.lua\t\1/p' "$here/lua/receivers.lua"
    for f in "$here"/server/psa_*.py; do   # the PSA test servers' secrets
        sed -nE 's/^(PRIVATE_KEY|SECRET|INTEGRATION_CODE|CLIENT_SECRET|API_KEY) = "([^"]{20,})"$/tests\/server\/'"${f##*/}"'\t\2/p' "$f"
    done
    "$duo_lua" -e '
        local sb = require("duo").sandbox()
        local text = require("duo.json").encode(sb:export())
        for k in text:gmatch([["secret_key":"([^"]+)"]]) do print("the sandbox demo tenant\t" .. k) end
        sb:stop()'
} | sort -u -t "	" -k2,2 >"$list"
fi

count=$(wc -l <"$list")
if [ "$count" -lt 10 ]; then
    echo "secret_scan: only $count test secrets found; the sources moved?" >&2
    exit 2
fi
if [ $list_only = 1 ]; then
    cat "$list"
    exit 0
fi

found=0
while IFS="	" read -r source secret; do
    for f in "$@"; do
        if grep -nF -e "$secret" "$f" >/dev/null 2>&1; then
            lines=$(grep -nF -e "$secret" "$f" | cut -d: -f1 | head -5 | tr '\n' ' ')
            echo "secret_scan: a secret key from $source is in $f, line(s) $lines" >&2
            found=1
        fi
    done
done <"$list"
if [ $found = 0 ]; then
    echo "secret_scan: none of the $count test secrets is in $*"
fi
exit $found
