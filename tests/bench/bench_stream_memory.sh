#!/usr/bin/env bash
# Peak memory of streaming users through get_users_iterator: 1,000 users
# against 10,000, from the loopback test server returning 97 users a page
# (fewer than the limit of 300 that the client asks for).
#
# usage: tests/bench/bench_stream_memory.sh [DUO_LUA [RUNS]]
#   DUO_LUA  the duo-lua binary (default: build/duo-lua of this checkout)
#   RUNS     runs per size; the largest peak counts (default 3)
#
# Each size gets its own server (tests/run_with_server.sh --server-args
# "--users N --page-cap 97"). Peak RSS comes from GNU time (%M); without
# it, from duo-lua's own VmHWM at the end of its chunk. The Lua heap's peak
# (collectgarbage "count", sampled at every user) is printed too: it is the
# part that would grow if a stream kept its pages. Budget: the 10,000-user
# run peaks at most 10% (and at most 2 MiB) above the 1,000-user run.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
duo_lua=${1:-$here/../../build/duo-lua}
runs=${2:-3}
page_cap=97

if [[ ! -x $duo_lua ]]; then
    echo "bench_stream_memory.sh: $duo_lua is not an executable (build first, or pass its path)" >&2
    exit 2
fi
duo_lua=$(cd "$(dirname "$duo_lua")" && pwd)/$(basename "$duo_lua")

gnu_time=
if [[ -x /usr/bin/time ]] && /usr/bin/time -f %M -o /dev/null true 2>/dev/null; then
    gnu_time=/usr/bin/time
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The streaming client: counts users, checks their order, samples the Lua
# heap; prints "count pages lua_peak_kib vmhwm_kib".
cat >"$work/stream.lua" <<'EOF'
local duo = require "duo"
local admin = duo.admin{
  host = "127.0.0.1:" .. assert(os.getenv("DUO_TEST_PORT_GOOD")),
  ca = assert(os.getenv("DUO_TEST_CERTS")) .. "/ca.pem",
  ikey = "DIADMINTESTIKEY00001", skey = "adminsecretkey0000000000000000000000000a",
}
collectgarbage("collect")
local n, lua_peak = 0, collectgarbage("count")
for u in admin:get_users_iterator() do
  if u.username ~= string.format("user%05d", n) then error("out of order at " .. n .. ": " .. u.username) end
  n = n + 1
  local kib = collectgarbage("count")
  if kib > lua_peak then lua_peak = kib end
end
local hwm = 0
for l in io.lines("/proc/self/status") do
  local k = l:match("^VmHWM:%s*(%d+)")
  if k then hwm = tonumber(k) end
end
print(n, string.format("%.0f", lua_peak), hwm)
EOF

# measure N -> "count lua_peak_kib rss_kib" (the largest of $runs runs)
measure() {
    local users=$1 best_rss=0 best_lua=0 count=0 line rss lua hwm
    for _ in $(seq "$runs"); do
        if [[ -n $gnu_time ]]; then
            line=$("$here/../run_with_server.sh" --server-args "--users $users --page-cap $page_cap" \
                   "$gnu_time" -f %M -o "$work/rss" "$duo_lua" "$work/stream.lua")
            rss=$(tail -n 1 "$work/rss")
        else
            line=$("$here/../run_with_server.sh" --server-args "--users $users --page-cap $page_cap" \
                   "$duo_lua" "$work/stream.lua")
            rss=$(echo "$line" | awk '{print $3}')
        fi
        read -r count lua hwm <<<"$line"
        if [[ $count -ne $users ]]; then
            echo "bench_stream_memory.sh: streamed $count users, want $users" >&2
            exit 1
        fi
        (( rss > best_rss )) && best_rss=$rss
        (( lua > best_lua )) && best_lua=$lua
    done
    echo "$count $best_lua $best_rss"
}

read -r n1 lua1 rss1 <<<"$(measure 1000)"
read -r n2 lua2 rss2 <<<"$(measure 10000)"

how="GNU time %M"
[[ -z $gnu_time ]] && how="VmHWM"
echo "get_users_iterator, server pages of $page_cap (limit 300 asked), peak of $runs runs ($how):"
mib() { awk -v k="$1" 'BEGIN { printf "%.2f", k / 1024 }'; }
printf '  %6d users: peak RSS %6d KiB (%s MiB), Lua heap peak %5d KiB\n' "$n1" "$rss1" "$(mib "$rss1")" "$lua1"
printf '  %6d users: peak RSS %6d KiB (%s MiB), Lua heap peak %5d KiB\n' "$n2" "$rss2" "$(mib "$rss2")" "$lua2"
growth=$((rss2 - rss1))
pct=$(awk -v g="$growth" -v r="$rss1" 'BEGIN { printf "%.1f", 100 * g / r }')
verdict=ok
if (( growth * 10 > rss1 || growth > 2048 )); then verdict="OVER BUDGET"; fi
printf '  growth 1,000 -> 10,000: %+d KiB (%s%%), Lua heap %+d KiB (budget: <= 10%% and <= 2 MiB) %s\n' \
    "$growth" "$pct" "$((lua2 - lua1))" "$verdict"
