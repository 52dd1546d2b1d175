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
import pty
import select
import stat
import subprocess
import sys
import tempfile
import time
import traceback

TIMEOUT = float(os.environ.get("DUO_REPL_TIMEOUT", "30"))


class Term:
    """duo-lua on a new pty; expect() reads until a text appears."""

    def __init__(self, binary, args, env):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                os.execve(binary, [binary, *args], env)
            finally:
                os._exit(127)
        self.out = b""

    def expect(self, text):
        deadline = time.monotonic() + TIMEOUT
        while text.encode() not in self.out:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no %r in %r" % (text, self.out.decode("utf-8", "replace")))
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    data = os.read(self.fd, 65536)
                except OSError:
                    data = b""
                if not data:
                    raise AssertionError("closed before %r: %r" % (text, self.out.decode("utf-8", "replace")))
                self.out += data

    def send(self, text):
        os.write(self.fd, text.encode())

    def wait(self):
        """The exit status, after reading the rest of the output."""
        while True:
            try:
                ready, _, _ = select.select([self.fd], [], [], TIMEOUT)
                data = os.read(self.fd, 65536) if ready else b""
            except OSError:
                data = b""
            if not data:
                break
            self.out += data
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)


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
        assert t.wait() == 0, t.out
        with open(store) as f:
            assert json.load(f)["organizations"][0]["name"] == "Asked"

    def proceed_no_writes_nothing():
        before = open(store).read()
        t = Term(binary, set_args[:-3] + ["Other", "--account", "DAOTHER0000000000001"], env)
        t.expect("Proceed? [y/N] ")
        t.send("\n")
        assert t.wait() == 1, t.out
        assert b"nothing written" in t.out, t.out
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
        t.expect("Proceed? [y/N] ")
        t.send("y\n")
        assert t.wait() == 0, t.out
        assert skey.encode() not in t.out, "the secret key was echoed"
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
