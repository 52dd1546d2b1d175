#!/usr/bin/env python3
"""The workflows' questions on a real terminal (a pseudo-terminal):
"Proceed? [y/N]" before a write, and configure reading a secret key
without echo.

    python3 tests/repl/test_workflow_prompts.py path/to/duo-lua

Python 3 standard library only; runs on the sandbox. Prints "N passed,
M failed" and exits non-zero when anything failed.
"""
import json
import os
import stat
import subprocess
import sys
import tempfile
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_repl import Repl  # noqa: E402  (the REPL test's pty driver)


def Term(binary, args, env):
    return Repl(binary, env, args)


def finish(t):
    """The exit status, then the terminal closed."""
    status = t.wait()
    t.close()
    return status


def main():
    binary = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tmp, "XDG_CONFIG_HOME": tmp + "/cfg",
           "TERM": "xterm"}
    store = tmp + "/cfg/duo-lua/sandbox.mappings.json"
    os.makedirs(tmp + "/cfg/duo-lua")
    results = {"passed": 0, "failed": 0}

    def case(fn):
        try:
            fn()
            results["passed"] += 1
        except Exception:   # noqa: BLE001 - report every failure and go on
            results["failed"] += 1
            print("FAIL", fn.__name__)
            traceback.print_exc()

    set_args = ["--sandbox", "-w", "mappings", "set", "--offline", "--org", "Asked", "--account",
                "DAASKED0000000000001"]

    def proceed_yes_writes():
        t = Term(binary, set_args, env)
        t.expect("Proceed? [y/N] ")
        t.send("y\n")
        assert finish(t) == 0, t.raw
        with open(store) as f:
            assert json.load(f)["organizations"][0]["name"] == "Asked"

    def proceed_no_writes_nothing():
        before = open(store).read()
        t = Term(binary, set_args[:-3] + ["Other", "--account", "DAOTHER0000000000001"], env)
        t.expect("Proceed? [y/N] ")
        t.send("\n")
        assert finish(t) == 1, t.raw
        assert b"nothing written" in t.raw, t.raw
        assert open(store).read() == before

    def configure_reads_the_secret_without_echo():
        keys = subprocess.run([binary, "--sandbox", "-e", 'local a = require("duo.config").current()'
                               '.profiles.sandbox.auth print(a.host, a.ikey, a.skey)'],
                              capture_output=True, text=True, env=env, check=True).stdout.split()
        host, ikey, skey = keys
        config = tmp + "/written.lua"
        t = Term(binary, ["--sandbox", "-c", config, "-w", "configure"], env)
        t.expect("admin API host (Enter: skip): ")
        t.send("\n")
        t.expect("accounts API host (Enter: skip): ")
        t.send("\n")
        t.expect("auth API host (Enter: skip): ")
        t.send(host + "\n")
        t.expect("auth integration key: ")
        t.send(ikey + "\n")
        t.expect("auth secret key (not shown): ")
        t.send(skey + "\n")
        t.expect("device API host (Enter: skip): ")
        t.send("\n")
        t.expect("Proceed? [y/N] ")
        t.send("y\n")
        assert finish(t) == 0, t.raw
        assert skey.encode() not in t.raw, "the secret key was echoed"
        assert stat.S_IMODE(os.stat(config).st_mode) == 0o600
        assert skey in open(config).read()

    case(proceed_yes_writes)
    case(proceed_no_writes_nothing)
    case(configure_reads_the_secret_without_echo)
    print("%d passed, %d failed" % (results["passed"], results["failed"]))
    subprocess.run(["rm", "-rf", tmp], check=False)
    sys.exit(1 if results["failed"] else 0)


if __name__ == "__main__":
    main()
