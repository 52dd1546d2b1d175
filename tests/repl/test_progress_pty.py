#!/usr/bin/env python3
"""The progress line on a real terminal (a pseudo-terminal): export-logs
and user-counts redraw one line on stderr in place (carriage return and
erase-line) and end it with a newline, with or without --progress; the
line never carries a control byte from the data.

    python3 tests/repl/test_progress_pty.py path/to/duo-lua

Python 3 standard library only; runs on the sandbox. Prints "N passed,
M failed" and exits non-zero when anything failed.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_repl import Repl, Suite, clean  # noqa: E402  (the REPL test's pty driver and runner)

SEED = {"options": {"virtual_time": True, "rate_limits": {"logs": 2}},
        "accounts": [{"name": "Pty \u001b[2KCo", "account_id": "DAPTY000000000000001",
                      "generated_logs": {"authentication": 700, "days": 10}, "users": [{"username": "a"}]}]}


def run(binary, args, env):
    t = Repl(binary, env, args)
    status = t.wait(120)
    t.close()
    return status, t.raw


def main():
    suite = Suite(sys.argv[1])
    binary, tmp, env = suite.binary, suite.tmp, suite.env()
    seed = os.path.join(tmp, "seed.json")
    with open(seed, "w") as f:
        json.dump(SEED, f)

    def export_logs_redraws_one_line():
        status, raw = run(binary, ["--sandbox=" + seed, "-w", "export-logs", "--out", tmp + "/out",
                                   "--format", "json", "--output", tmp + "/summary.json"], env)
        assert status == 0, raw
        draws = re.findall(rb"\r\x1b\[K(export-logs: [^\r\n]*)", raw)
        assert len(draws) >= 2, raw
        assert all(re.match(rb"export-logs: \d+/4 done, \d+ failed, ", d) for d in draws), draws
        assert draws[-1].startswith(b"export-logs: 4/4 done, 0 failed"), draws[-1]
        assert re.search(rb"\r\x1b\[Kexport-logs: 4/4 done[^\r\n]*\r?\n", raw), "the line ends: %r" % raw[-300:]
        with open(tmp + "/summary.json") as f:
            events = sum(r["events"] for r in json.load(f)["results"])
        assert draws[-1].endswith(b", %d events" % events), draws[-1]

    def user_counts_line_and_clean_text():
        status, raw = run(binary, ["--sandbox=" + seed, "-w", "user-counts", "--progress"], env)
        assert status == 0, raw
        assert re.search(rb"\r\x1b\[Kchild accounts: 1/1 done, 0 failed[^\r\n]*\r?\n", raw), raw
        # the table shows the hostile name as an escape, never the byte
        assert b"Pty \\x1b[2KCo" in raw and b"Pty \x1b[2KCo" not in raw, raw
        assert "ACCOUNT" in clean(raw) or "NAME" in clean(raw), clean(raw)

    for fn in (export_logs_redraws_one_line, user_counts_line_and_clean_text):
        suite.run(fn.__name__, fn)
    print("%d passed, %d failed" % (suite.passed, suite.failed))
    return 1 if suite.failed else 0


if __name__ == "__main__":
    sys.exit(main())
