#!/usr/bin/env bash
# Start-up cost of duo-lua next to curl, measured in the same run.
#
# usage: tests/bench/startup.sh [DUO_LUA [RUNS]]
#   DUO_LUA  the duo-lua binary (default: build/duo-lua of this checkout)
#   RUNS     runs of each command (default 200)
#
# Runs `duo-lua -e ''` and `curl --version` alternately (after a few
# warm-up runs), timing each from spawn to exit. Peak RSS comes from a
# separate set of runs under GNU time (`/usr/bin/time -f %M`): the rusage
# a Python parent could read includes the parent's own memory (Linux
# carries the pre-exec high-water mark of a vfork/fork child across exec).
# Without GNU time, duo-lua reports its own VmHWM from /proc/self/status at
# the end of its chunk, and curl's figure is not measured. Prints the median
# wall times, their ratio and the peak memory of duo-lua against the
# project's budget: start-up <= 1.2 x curl --version, peak RSS <= 12 MiB.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
duo_lua=${1:-$here/../../build/duo-lua}
runs=${2:-200}

if [[ ! -x $duo_lua ]]; then
    echo "startup.sh: $duo_lua is not an executable (build first, or pass its path)" >&2
    exit 2
fi
if ! command -v curl >/dev/null; then
    echo "startup.sh: curl is not installed" >&2
    exit 2
fi

gnu_time=
if [[ -x /usr/bin/time ]] && /usr/bin/time -f %M -o /dev/null true 2>/dev/null; then
    gnu_time=/usr/bin/time
fi

exec python3 - "$duo_lua" "$runs" "$(command -v curl)" "$gnu_time" <<'EOF'
import os
import statistics
import subprocess
import sys
import tempfile
import time

duo_lua, runs, curl, gnu_time = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
RSS_RUNS = 20
commands = {
    "duo-lua -e ''": [duo_lua, "-e", ""],
    "curl --version": [curl, "--version"],
}
devnull = os.open(os.devnull, os.O_RDWR)
actions = [
    (os.POSIX_SPAWN_DUP2, devnull, 0),
    (os.POSIX_SPAWN_DUP2, devnull, 1),
    (os.POSIX_SPAWN_DUP2, devnull, 2),
]


def run_once(argv):
    """Wall seconds from spawn to exit."""
    t0 = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
    _, status = os.waitpid(pid, 0)
    t1 = time.perf_counter()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("startup.sh: %s exited with status %d" % (" ".join(argv), status))
    return t1 - t0


def peak_rss_kib(argv):
    """The largest peak RSS (KiB) over RSS_RUNS runs under GNU time."""
    peak = 0
    with tempfile.NamedTemporaryFile("r") as out:
        for _ in range(RSS_RUNS):
            subprocess.run([gnu_time, "-f", "%M", "-o", out.name] + argv, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            out.seek(0)
            peak = max(peak, int(out.read().split()[-1]))
    return peak


def duo_lua_hwm_kib():
    """duo-lua's own VmHWM, read by the process itself at the end."""
    chunk = ("for l in io.lines('/proc/self/status') do "
             "local k = l:match('^VmHWM:%s*(%d+)') if k then print(k) end end")
    peak = 0
    for _ in range(RSS_RUNS):
        out = subprocess.run([duo_lua, "-e", chunk], check=True, capture_output=True, text=True)
        peak = max(peak, int(out.stdout.split()[0]))
    return peak


times = {name: [] for name in commands}
for _ in range(10):                   # warm-up: page cache, dynamic loader
    for argv in commands.values():
        run_once(argv)
for i in range(runs):
    # alternate which goes first, so neither always follows the other
    order = list(commands.items())
    if i % 2:
        order.reverse()
    for name, argv in order:
        times[name].append(run_once(argv))

if gnu_time:
    rss = {name: peak_rss_kib(argv) for name, argv in commands.items()}
    how = "GNU time %%M, max of %d runs" % RSS_RUNS
else:
    rss = {"duo-lua -e ''": duo_lua_hwm_kib(), "curl --version": None}
    how = "VmHWM from /proc/self/status, max of %d runs; no GNU time for curl" % RSS_RUNS

print("start-up, %d runs each, interleaved: median wall time (p10..p90); peak RSS (%s)"
      % (runs, how))
for name in commands:
    ts = sorted(times[name])
    p10, p90 = ts[len(ts) // 10], ts[(len(ts) * 9) // 10]
    mem = "%5.2f MiB" % (rss[name] / 1024) if rss[name] is not None else "n/a"
    print("  %-15s %7.3f ms (%.3f..%.3f)   peak RSS %s" % (
        name + ":", statistics.median(ts) * 1e3, p10 * 1e3, p90 * 1e3, mem))
ratio = statistics.median(times["duo-lua -e ''"]) / statistics.median(times["curl --version"])
peak = rss["duo-lua -e ''"] / 1024
print("  ratio %.2f (acceptance: <= 1.2x) %s" % (ratio, "ok" if ratio <= 1.2 else "OVER BUDGET"))
print("  duo-lua peak memory %.2f MiB (acceptance: <= 12 MiB) %s" % (
    peak, "ok" if peak <= 12 else "OVER BUDGET"))
EOF
