#!/usr/bin/env python3
"""Drives the real duo-lua REPL through a pseudo-terminal.

    run_with_server.sh python3 tests/repl/test_repl.py path/to/duo-lua

Python 3 standard library only. Each case starts duo-lua on a new pty (its
own session, so Ctrl-C reaches only it), types as a person would, and reads
the terminal until the expected text appears. The Ctrl-C cases call the
loopback test server (DUO_TEST_PORT_GOOD, DUO_TEST_CERTS from
run_with_server.sh); without them they fail. Prints "N passed, M failed"
and exits non-zero when anything failed.
"""
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import termios
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
TIMEOUT = float(os.environ.get("DUO_REPL_TIMEOUT", "20"))   # per expectation; ASan is slow
CTRL_C, CTRL_D, TAB, UP = b"\x03", b"\x04", b"\t", b"\x1b[A"

PROMPT = re.compile(r"^> ", re.M)
CSI = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]")


def clean(data):
    """Terminal output without escape sequences, carriage returns and bells."""
    return CSI.sub(b"", data).replace(b"\r", b"").replace(b"\x07", b"").decode("utf-8", "replace")


class Repl:
    def __init__(self, binary, env, args=()):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                os.execve(binary, [binary, *args], env)
            finally:
                os._exit(127)
        # 100 columns, so that the pretty printer's width is known
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        self.raw = b""      # everything read so far
        self.seen = 0       # how much of the cleaned text has been matched
        self.status = None

    def _read(self, timeout):
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:   # EIO: the child has gone
            data = b""
        if not data:
            raise EOFError("duo-lua closed the terminal")
        self.raw += data
        return True

    def expect(self, text, timeout=TIMEOUT):
        """Waits until `text` (a string, or a compiled pattern) appears after
        what was matched before; returns the output in between (cleaned).
        A trailing newline is left for the next match (a prompt starts a
        line)."""
        deadline = time.monotonic() + timeout
        while True:
            out = clean(self.raw)
            if isinstance(text, str):
                at = out.find(text, self.seen)
                end = at + len(text)
            else:
                m = text.search(out, self.seen)
                at, end = (m.start(), m.end()) if m else (-1, -1)
            if at >= 0:
                between = out[self.seen:at]
                self.seen = end - 1 if out[end - 1:end] == "\n" else end
                return between
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("timed out waiting for %r; the screen ends with:\n%s"
                                     % (text, out[-1500:]))
            try:
                self._read(min(left, 0.2))
            except EOFError:
                if clean(self.raw) != out:
                    continue
                raise AssertionError("duo-lua ended while waiting for %r; output:\n%s"
                                     % (text, out[-1500:]))

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        os.write(self.fd, data)

    def line(self, text):
        self.send(text + "\r")

    def prompt(self, timeout=TIMEOUT):
        return self.expect(PROMPT, timeout)

    def wait(self, timeout=TIMEOUT):
        """Waits for the process to end; returns its exit status."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.status = os.waitstatus_to_exitcode(status)
                # what it wrote just before it ended is still in the pty:
                # read it all, or a last line can be missed
                try:
                    while self._read(0.05):
                        pass
                except EOFError:
                    pass
                return self.status
            try:
                self._read(0.1)
            except EOFError:
                time.sleep(0.05)
        raise AssertionError("duo-lua did not exit; output:\n" + clean(self.raw)[-1500:])

    def close(self):
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except OSError:
                pass
        os.close(self.fd)


class Suite:
    def __init__(self, binary):
        self.binary = os.path.abspath(binary)
        self.tmp = tempfile.mkdtemp(prefix="duo-repl-test-")
        self.passed = 0
        self.failed = 0

    def env(self, **extra):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("DUO_") or k.startswith("DUO_TEST_")}
        env.update(TERM="xterm", HOME=self.tmp, XDG_STATE_HOME=os.path.join(self.tmp, "state"),
                   XDG_CONFIG_HOME=os.path.join(self.tmp, "config"), LANG="C.UTF-8")
        env.pop("EDITRC", None)
        # Under AddressSanitizer: libedit's one known leak is suppressed; the
        # slow unwinder lets the suppression see libedit's frames.
        env["LSAN_OPTIONS"] = "suppressions=%s:print_suppressions=0" % os.path.join(HERE, "lsan.supp")
        env["ASAN_OPTIONS"] = ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"), "fast_unwind_on_malloc=0"]))
        env.update(extra)
        return env

    def start(self, *args, **env):
        r = Repl(self.binary, self.env(**env), args)
        r.expect("help() for help")
        r.prompt()
        return r

    def run(self, name, fn):
        r = None
        try:
            r = fn()
            self.passed += 1
            print("ok   " + name, flush=True)
        except Exception:
            self.failed += 1
            print("FAIL " + name, flush=True)
            traceback.print_exc()
        finally:
            if isinstance(r, Repl):
                r.close()

    # -- the cases --------------------------------------------------------

    def expression(self):
        r = self.start()
        r.line("1 + 1")
        r.expect("\n2\n")
        r.prompt()
        r.line('"a", nil, 3')
        r.expect('\n"a"\tnil\t3\n')
        r.prompt()
        r.line("x = 42")     # a statement shows nothing
        r.prompt()
        r.line("x")
        r.expect("\n42\n")
        r.prompt()
        r.line("error('boom')")
        r.expect("boom")
        r.prompt()
        r.line("y = 1 +")    # incomplete: continues
        r.expect(">> ")
        r.line("")
        r.expect(">> ")
        r.line("1")
        r.prompt()
        r.line("y")
        r.expect("\n2\n")
        r.prompt()
        r.line("1 +")        # a syntax error is reported, the REPL goes on
        r.expect("unexpected symbol")
        r.prompt()
        return r

    def completion(self):
        r = self.start()
        r.send("string.fo" + "\t")
        r.expect("string.format")
        r.line('("%05d", 42)')
        r.expect("00042")
        r.prompt()
        r.send("string.s\t")          # ambiguous: the candidates are listed
        r.expect("sub")
        r.send("\x15")                # Ctrl-U: clear the line
        r.line("")
        r.prompt()
        r.send("duo.adm\t")
        r.expect("duo.admin")
        r.send("\x15")
        r.line("")
        r.prompt()
        return r

    def multiline(self):
        r = self.start()
        r.line("function twice(x)")
        r.expect(">> ")
        r.line("  local y = x * 2")
        r.expect(">> ")
        r.line("  return y")
        r.expect(">> ")
        r.line("end")
        r.prompt()
        r.line("twice(21)")
        r.expect("\n42\n")
        r.prompt()
        r.line("for i = 1, 3 do")
        r.expect(">> ")
        r.line("print('line', i) end")
        r.expect("line\t3")
        r.prompt()
        return r

    def pretty(self):
        r = self.start()
        r.line('t = { users = { { name = "alice", email = "alice@example.com", groups = { "admins", "staff" } },'
               ' { name = "bob", email = "bob@example.com", phone = duo.null } }, count = 2 }')
        r.prompt()
        r.line("t")
        r.expect("{\n  count = 2,\n  users = {\n"
                 '    { email = "alice@example.com", groups = { "admins", "staff" }, name = "alice" },\n'
                 '    { email = "bob@example.com", name = "bob", phone = null }\n'
                 "  }\n}\n")
        r.prompt()
        r.line("t.self = t")
        r.prompt()
        r.line("t.self.self.count")
        r.expect("\n2\n")
        r.prompt()
        r.line("{ t.self.self == t, t }")
        r.expect("self = <cycle>")
        r.prompt()
        r.line("list = {}; for i = 1, 500 do list[i] = i end")
        r.prompt()
        r.line("list")
        r.expect("\u2026 480 more")
        r.prompt()
        return r

    def server_client(self, r):
        """Defines `c`, a client of the loopback test server."""
        port, certs = os.environ.get("DUO_TEST_PORT_GOOD"), os.environ.get("DUO_TEST_CERTS")
        assert port and certs, "run under tests/run_with_server.sh"
        r.line('c = duo.admin{ host = "127.0.0.1:%s", ca = "%s/ca.pem", ikey = "DIADMINTESTIKEY00001",'
               ' skey = "adminsecretkey0000000000000000000000000a" }' % (port, certs))
        r.prompt()

    def interrupt(self):
        r = self.start()
        self.server_client(r)
        r.line('c:call("GET", "/test/echo").method')
        r.expect('"GET"')
        r.prompt()
        # the prompt comes back long before the 20 s call would end
        r.line('print("calling"); c:call("GET", "/test/slow", { ms = 20000 })')
        self.interrupt_after(r, "calling\n")
        # the request was cancelled, and calls work again
        r.line('require("duo._loop").pending()')
        r.expect("\n0\n")
        r.prompt()
        r.line('c:call("GET", "/test/echo").path')
        r.expect('"/test/echo"')
        r.prompt()
        # a busy Lua loop is interrupted too
        r.line('n = 0; print("loop " .. "started"); while true do n = n + 1 end')
        self.interrupt_after(r, "loop started")
        r.line("n >= 0")
        r.expect("true")
        r.prompt()
        # a busy task too; an operation it made but never waited for is
        # cancelled with the statement, though a global still holds it
        r.line('duo.spawn(function() held = require("duo._loop").timer(3600e3);'
               ' print("busy " .. "task"); while true do end end)')
        self.interrupt_after(r, "busy task")
        r.line('require("duo._loop").pending(), held:done()')
        r.expect("\n0\ttrue\n")
        r.prompt()
        return r

    @staticmethod
    def interrupt_after(r, marker):
        """Presses Ctrl-C once the statement printed marker; the REPL says
        'interrupted' and prompts again."""
        r.expect(marker)
        r.send(CTRL_C)
        r.expect("interrupted", timeout=5)
        r.prompt(timeout=5)

    def interrupt_parallel(self):
        """Ctrl-C during duo.parallel cancels the statement's tasks: none of
        their requests reaches the server after the prompt is back."""
        r = self.start()
        self.server_client(r)
        r.line('c:call("POST", "/test/requests/clear")')
        r.prompt()
        r.line("duo.configure{ per_host = 2 }")
        r.prompt()
        r.line('n = 0; duo.parallel({1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20}, function(i)'
               ' n = n + 1; if n == 20 then print("all " .. "started") end'
               ' c:call("GET", "/test/slow", { ms = 150, tag = "repl-parallel" }) end, { concurrency = 20 })')
        self.interrupt_after(r, "all started")
        r.line('require("duo._loop").pending()')
        r.expect("\n0\n")
        r.prompt()
        # 20 x 150 ms, 2 at a time: the rest of the queue would run now
        r.line('c:call("GET", "/test/slow", { ms = 2000 }).slept_ms')
        r.expect("\n2000\n")
        r.prompt()
        r.line('seen = 0; for _, q in ipairs(c:call("GET", "/test/requests")) do'
               ' if q.query and q.query.tag then seen = seen + 1 end end')
        r.prompt()
        r.line('"seen " .. seen')
        r.expect(re.compile(r'"seen (\d+)"'))
        seen = int(re.search(r'"seen (\d+)"', clean(r.raw)).group(1))
        assert seen <= 2, "%d requests of the interrupted statement reached the server" % seen
        return r

    def ctrl_c_at_prompt(self):
        r = self.start()
        r.send("half typed")
        r.send(CTRL_C)
        r.prompt()
        r.line("function unfinished()")
        r.expect(">> ")
        r.send(CTRL_C)               # abandons the statement
        r.prompt()
        r.line("unfinished")
        r.expect("\nnil\n")
        r.prompt()
        r.line("3 * 3")
        r.expect("\n9\n")
        r.prompt()
        r.send(CTRL_D)
        status = r.wait()
        assert status == 0, "exit status %r" % status
        return r

    def history(self):
        state = os.path.join(self.tmp, "history-state")
        r = self.start(XDG_STATE_HOME=state)
        r.line('secret_holder = { skey = "abcdefghijabcdefghijabcdefghijabcdefghij" }')
        r.prompt()
        r.line('"token", "ABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJ"')
        r.prompt()
        r.line("6 * 7000 + 1")
        r.expect("\n42001\n")
        r.prompt()
        r.send(CTRL_D)
        status = r.wait()
        assert status == 0, "exit status %r" % status
        r.close()

        folder = os.path.join(state, "duo-lua")
        path = os.path.join(folder, "history")
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700, oct(os.stat(folder).st_mode)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, oct(os.stat(path).st_mode)
        with open(path, "rb") as f:
            saved = f.read()
        assert b"7000" in saved, saved
        assert b"skey" not in saved and b"abcdefghij" not in saved, saved
        assert b"ABCDEFGHIJ" not in saved, saved

        # the second run recalls the line with the Up arrow
        r = self.start(XDG_STATE_HOME=state)
        r.send(UP)
        r.expect("6 * 7000 + 1")
        r.send("\r")
        r.expect("\n42001\n")
        r.prompt()
        r.send(CTRL_D)
        assert r.wait() == 0
        return r

    def help(self):
        r = self.start()
        r.line("help()")
        r.expect("Tab completes")
        r.prompt()
        r.line('help(duo.admin{ host = "api-x.example.com", ikey = "DIXXXXXXXXXXXXXXXXXX", skey = ("q"):rep(40) })')
        out = r.expect("Admin API client")
        r.prompt()
        assert "qqqq" not in out
        r.line("help(string.format)")
        r.expect("string.format: a C function")
        r.prompt()
        return r

    def ctrl_d(self):
        r = self.start()
        r.send(CTRL_D)
        status = r.wait()
        assert status == 0, "exit status %r" % status
        return r

    def not_a_terminal(self):
        """With standard input a pipe, -i reads plain lines (no editor)."""
        out = subprocess.run([self.binary, "-i"], input=b"1 + 2\nfunction f()\nreturn 5 end\nf()\n",
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env(),
                             timeout=TIMEOUT)
        assert out.returncode == 0, out
        assert out.stdout == b"3\n5\n", out.stdout
        return None

    def main(self):
        cases = [("an expression shows its value", self.expression),
                 ("Tab completes string.fo to string.format", self.completion),
                 ("a multi-line function", self.multiline),
                 ("a pretty-printed nested table", self.pretty),
                 ("Ctrl-C interrupts a slow call and a loop", self.interrupt),
                 ("Ctrl-C during duo.parallel cancels its requests", self.interrupt_parallel),
                 ("Ctrl-C at the prompt; Ctrl-D exits 0", self.ctrl_c_at_prompt),
                 ("history across two runs, without secrets", self.history),
                 ("help()", self.help),
                 ("Ctrl-D exits with status 0", self.ctrl_d),
                 ("plain reading when stdin is not a terminal", self.not_a_terminal)]
        only = os.environ.get("DUO_REPL_ONLY")
        for name, fn in cases:
            if only and only not in fn.__name__:
                continue
            self.run(name, fn)
        shutil.rmtree(self.tmp, ignore_errors=True)
        print("%d passed, %d failed" % (self.passed, self.failed))
        return 0 if self.failed == 0 else 1


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: test_repl.py path/to/duo-lua")
    sys.exit(Suite(sys.argv[1]).main())
