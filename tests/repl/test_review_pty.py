#!/usr/bin/env python3
"""suggest-mappings --review on a real terminal (a pseudo-terminal), on the
sandbox's demo tenant: each decision is saved at once as a confirmed entry,
a review stopped half way resumes with what is left, and the next
suggest-mappings reports the decisions as confirmed.

    python3 tests/repl/test_review_pty.py path/to/duo-lua

Python 3 standard library only. Prints "N passed, M failed" and exits
non-zero when anything failed.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_repl import Repl, Suite  # noqa: E402  (the REPL test's pty driver and runner)

# Companies the engine leaves for review on the demo tenant (initials only:
# weak evidence), one unmatched with a candidate, and two it decides.
COMPANIES_CSV = ("id,name\nR1,Zenith Data Solutions\nR2,Cascade Dental\nR3,Granite Insurance\n"
                 "R4,Harborview Partners\nR6,Keystone Builders\n")


def main():
    suite = Suite(sys.argv[1])
    binary, tmp, env = suite.binary, suite.tmp, suite.env()
    os.makedirs(os.path.join(tmp, "config", "duo-lua"), exist_ok=True)
    COMPANIES = os.path.join(tmp, "companies.csv")
    with open(COMPANIES, "w") as f:
        f.write(COMPANIES_CSV)
    store = os.path.join(tmp, "config", "duo-lua", "sandbox.mappings.json")
    args = ["--sandbox", "-w", "suggest-mappings", "--companies", COMPANIES, "--review"]

    def organizations():
        with open(store) as f:
            return {e["name"]: e for e in json.load(f)["organizations"]}

    def accept_then_quit_saves_at_once():
        t = Repl(binary, env, args)
        t.expect("companies to review")
        t.expect("> ")
        t.send("1\r")                       # accept the first candidate
        t.expect("confirmed")
        t.expect("> ")
        t.send("q\r")
        assert t.wait(60) == 0, t.raw
        t.close()
        orgs = organizations()
        assert len(orgs) == 1, orgs
        (name, e), = orgs.items()
        assert e["confirmed"] is True and e["duo_account_id"].startswith("DA"), e

    def a_second_review_starts_with_what_is_left():
        before = organizations()
        t = Repl(binary, env, args)
        t.expect("companies to review")
        for name in before:
            assert name.encode() not in t.raw.split(b"companies to review")[1], "decided already: " + name
        t.expect("> ")
        t.send("/zzzz-nothing\r")           # a search that finds nothing
        t.expect("no account's name holds")
        t.expect("> ")
        t.send("n\r")                       # no Duo account: the last one left
        t.expect("has no Duo account")
        t.expect("1 decided and saved, 0 skipped")
        assert t.wait(60) == 0, t.raw
        t.close()
        orgs = organizations()
        assert len(orgs) == 2, orgs
        none = [e for e in orgs.values() if e.get("no_duo_account")]
        assert len(none) == 1 and none[0]["confirmed"] is True, orgs

    def the_decisions_are_confirmed_next_time():
        out = os.path.join(tmp, "suggestions.json")   # a file: the terminal mixes in stderr
        t = Repl(binary, env, ["--sandbox", "-w", "suggest-mappings", "--companies", COMPANIES, "--format", "json",
                               "--output", out])
        assert t.wait(60) == 0, t.raw
        t.close()
        with open(out) as f:
            doc = json.load(f)
        confirmed = {s["company"] for s in doc["suggestions"] if s["status"] == "confirmed"}
        assert confirmed == set(organizations()), (confirmed, organizations())

    for fn in (accept_then_quit_saves_at_once, a_second_review_starts_with_what_is_left,
               the_decisions_are_confirmed_next_time):
        suite.run(fn.__name__, fn)
    print("%d passed, %d failed" % (suite.passed, suite.failed))
    return 1 if suite.failed else 0


if __name__ == "__main__":
    sys.exit(main())
