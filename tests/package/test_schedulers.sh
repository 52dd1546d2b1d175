#!/bin/sh
# Unattended runs (issue 21, SPEC section 10): what this machine can check
# of the shipped systemd units and of the README's schedules.
#   - systemd-analyze verify on bindings/duo-lua-*.service and .timer (the
#     binary path pointed at the build, the man page found through MANPATH);
#     any warning fails too. Without a working systemd-analyze: skipped (77).
#   - the export-logs service's command line run on the sandbox, with
#     --progress lines and a summary on stderr (no terminal);
#   - the README's cron lines: five valid fields, and the export-logs line
#     run as cron would (sh -c, no terminal) on the sandbox;
#   - the README's Kubernetes CronJobs: valid YAML of batch/v1 CronJobs
#     that never overlap (PyYAML; without it the YAML is not parsed);
#   - the alerts lines run too once `duo-lua -w list` has alerts.
#   test_schedulers.sh DUO_LUA SOURCE_DIR
set -u
duo_lua=$1
src=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT INT TERM
fail() { echo "test_schedulers: $*" >&2; exit 1; }

if ! systemd-analyze --version >/dev/null 2>&1; then
    echo "test_schedulers: SKIP: systemd-analyze cannot run here (apt-get install systemd)" >&2
    exit 77
fi

# 1. systemd-analyze verify
units=$scratch/units
mkdir -p "$units" "$scratch/man/man1"
cp "$src/bindings/duo-lua.1" "$scratch/man/man1/"
n=0
for f in "$src"/bindings/duo-lua-*.service "$src"/bindings/duo-lua-*.timer; do
    [ -f "$f" ] || continue
    sed "s|/usr/bin/duo-lua|$duo_lua|g" "$f" >"$units/${f##*/}"
    n=$((n + 1))
done
[ "$n" -eq 4 ] || fail "expected 4 unit files in bindings/, found $n"
(cd "$units" && MANPATH="$scratch/man" systemd-analyze verify ./*.service ./*.timer) >"$scratch/verify.txt" 2>&1
rc=$?
if [ $rc -ne 0 ] || [ -s "$scratch/verify.txt" ]; then
    cat "$scratch/verify.txt" >&2
    fail "systemd-analyze verify: exit $rc"
fi
echo "systemd-analyze verify: $n units ok"
for t in alerts export-logs; do
    grep -q "^Unit=\|^OnCalendar=" "$units/duo-lua-$t.timer" || fail "duo-lua-$t.timer has no OnCalendar"
    grep -q "^ExecStart=$duo_lua .* -w $t " "$units/duo-lua-$t.service" || fail "duo-lua-$t.service does not run -w $t"
done
grep -q '^SuccessExitStatus=3$' "$units/duo-lua-alerts.service" || fail "alerts' exit 3 is not a success"

has_alerts=no
"$duo_lua" -w list 2>/dev/null | grep -q '^alerts ' && has_alerts=yes

# The service's command line, as systemd would run it, on the sandbox:
# the config credential becomes --sandbox, the state folder a scratch one.
# $1 the service, $2 the name of its args variable, $3 its value.
service_run() {
    line=$(sed -n 's/^ExecStart=//p' "$units/$1")
    line=$(echo "$line" | sed -e "s|--config %d/config.lua|--sandbox|" -e "s|/var/lib/duo-lua|$scratch/state|g" \
                               -e "s|\\\$$2|$3|")
    mkdir -p "$scratch/state"
    (cd "$scratch" && env -i PATH=/usr/bin:/bin HOME="$scratch/home" sh -c "$line" </dev/null \
        >"$scratch/svc.out" 2>"$scratch/svc.err")
}
service_run duo-lua-export-logs.service DUO_LUA_EXPORT_LOGS_ARGS "--max-pages 6 --types authentication"
rc=$?
[ $rc -eq 0 ] || { cat "$scratch/svc.err" >&2; fail "the export-logs service's command failed: $rc"; }
[ -s "$scratch/state/export-logs/authentication.jsonl" ] || fail "the service's run exported nothing"
tail -1 "$scratch/svc.err" | grep -q '^export-logs: finished: ' || { cat "$scratch/svc.err" >&2; fail "no summary line"; }
echo "duo-lua-export-logs.service's command: ok on the sandbox"
if [ $has_alerts = yes ]; then
    service_run duo-lua-alerts.service DUO_LUA_ALERTS_ARGS "--dry-run"
    rc=$?
    [ $rc -eq 0 ] || [ $rc -eq 3 ] || { cat "$scratch/svc.err" >&2; fail "the alerts service's command failed: $rc"; }
    echo "duo-lua-alerts.service's command: ok on the sandbox"
else
    echo "the alerts workflow is not in this build yet: its unit is checked by systemd-analyze only"
fi

# 2. the README's cron lines
readme=$src/README.md
sed -n '/^```crontab$/,/^```$/p' "$readme" | grep -v '^```' >"$scratch/cron.txt"
[ "$(wc -l <"$scratch/cron.txt")" -eq 2 ] || fail "the README's crontab block should hold two lines"
field='(\*|[0-9]+)(-[0-9]+)?(/[0-9]+)?(,[0-9]+)*'
grep -Evq "^$field +$field +$field +$field +$field +[^ ]" "$scratch/cron.txt" && fail "a cron line's fields: $(cat "$scratch/cron.txt")"
grep -q '%' "$scratch/cron.txt" && fail "a % in a cron line (cron reads it as a newline)"
home=$scratch/cronhome
mkdir -p "$home/.config/duo-lua" "$home/duo-lua"
: >"$home/.config/duo-lua/env"
while read -r m h dom mon dow cmd; do
    case "$cmd" in
        *"-w export-logs"*) ;;
        *"-w alerts"*) [ $has_alerts = yes ] || continue ;;
        *) fail "an unexpected cron line: $cmd" ;;
    esac
    cmd=$(echo "$cmd" | sed -e "s|duo-lua -w|$duo_lua --sandbox -w|" -e "s| --to hec||" \
                            -e "s|-w export-logs|-w export-logs --max-pages 2|" -e "s|-w alerts|-w alerts --dry-run|")
    (env -i PATH=/usr/bin:/bin HOME="$home" SHELL=/bin/sh sh -c "$cmd" </dev/null)
    rc=$?
    [ $rc -eq 0 ] || [ $rc -eq 3 ] || { cat "$home"/duo-lua/*.log >&2; fail "the cron line failed ($rc): $cmd"; }
done <"$scratch/cron.txt"
grep -q '^export-logs: finished: ' "$home/duo-lua/export-logs.log" || fail "the cron run's log has no summary"
[ -s "$home/duo-lua/export-logs/authentication.jsonl" ] || fail "the cron run exported nothing"
echo "README cron lines: ok"

# 3. the README's CronJobs
sed -n '/^```yaml$/,/^```$/p' "$readme" | grep -v '^```' >"$scratch/cronjob.yaml"
grep -q '^kind: CronJob$' "$scratch/cronjob.yaml" || fail "no CronJob in the README"
if python3 -c 'import yaml' 2>/dev/null; then
    python3 - "$scratch/cronjob.yaml" <<'PY' || fail "the README's CronJobs"
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
names = set()
for d in docs:
    assert d["apiVersion"] == "batch/v1" and d["kind"] == "CronJob", d
    s = d["spec"]
    assert len(s["schedule"].split()) == 5, s["schedule"]
    assert s["concurrencyPolicy"] == "Forbid", "runs must never overlap"
    pod = s["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    c = pod["containers"][0]
    assert c["command"] == ["duo-lua"] and "-w" in c["args"], c
    names.add(c["args"][c["args"].index("-w") + 1])
assert names == {"alerts", "export-logs"}, names
print("README CronJobs: %d valid" % len(docs))
PY
else
    echo "README CronJobs: PyYAML is not installed, YAML not parsed"
fi
grep -q '^schtasks /Create /TN "duo-lua\\alerts" ' "$readme" && grep -q '^schtasks /Create /TN "duo-lua\\export-logs" ' "$readme" \
    || fail "the README lacks the schtasks commands"
echo "test_schedulers: ok"
