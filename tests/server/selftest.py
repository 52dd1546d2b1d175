#!/usr/bin/env python3
"""Self-test of the Duo test server: starts it, talks to it, checks the answers.

    python3 tests/server/selftest.py

Prints one line per failure and "N passed, M failed"; exits non-zero on
failure. The signer below is a second, minimal implementation written from
duo-api.md (it does not import duo_signature), so the two check each other.
"""

import base64
import email.utils
import hashlib
import hmac
import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
CERTS = os.path.join(HERE, "..", "certs")
SERVER = os.path.join(HERE, "duo_test_server.py")

ADMIN = ("DIADMINTESTIKEY00001", "adminsecretkey0000000000000000000000000a")
ACCOUNTS = ("DIACCOUNTSTESTIKEY01", "accountssecretkey00000000000000000000000")
AUTH = ("DIAUTHTESTIKEY000001", "authsecretkey00000000000000000000000000x")

TLS = ssl.create_default_context(cafile=os.path.join(CERTS, "ca.pem"))

# ---------------------------------------------------------------- signing


def _enc(s):
    return urllib.parse.quote(str(s), safe="~")


def encode_params(params):
    """params: list of (key, value); the canonical (and sent) form."""
    return "&".join("%s=%s" % kv for kv in sorted((_enc(k), _enc(v)) for k, v in params))


def sign(creds, method, host, path, params=(), body=b"", x_duo=None, version=5,
         date=None):
    """Date, Authorization and X-Duo headers for a request. params is what the
    caller sends as the query (v5, or v2 GET) or as a form body (v2 POST)."""
    ikey, skey = creds
    date = date or email.utils.formatdate(usegmt=False).replace("-0000", "+0000")
    lines = [date, method.upper(), host.lower(), path, encode_params(params)]
    if version == 5:
        duo = sorted((k.lower(), v) for k, v in (x_duo or {}).items())
        lines.append(hashlib.sha512(body).hexdigest())
        lines.append(hashlib.sha512("\0".join(x for kv in duo for x in kv).encode()).hexdigest())
    sig = hmac.new(skey.encode(), "\n".join(lines).encode(), hashlib.sha512).hexdigest()
    auth = base64.b64encode(("%s:%s" % (ikey, sig)).encode()).decode()
    headers = {"Date": date, "Authorization": "Basic " + auth}
    headers.update(x_duo or {})
    return headers

# ---------------------------------------------------------------- plumbing


class Server:
    def __init__(self, *args):
        self.proc = subprocess.Popen(
            [sys.executable, SERVER, "--certs", CERTS, "--max-seconds", "120"] + list(args),
            stdout=subprocess.PIPE, text=True)
        self.ports = {}
        for line in self.proc.stdout:
            words = line.split()
            if words == ["READY"]:
                break
            assert words[0] == "PORT", line
            self.ports[words[1]] = int(words[2])
        else:
            raise RuntimeError("server exited before READY")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()


def call(port, method, path, creds=ADMIN, params=(), json_body=None, host="127.0.0.1",
         version=5, x_duo=None, date=None, signed=True, timeout=10, headers=None,
         form=False):
    """One request; returns (status, headers, body bytes). Never raises on HTTP errors."""
    query = encode_params(params) if params and not form else ""
    body = b""
    extra = {}
    if json_body is not None:
        body = json.dumps(json_body, sort_keys=True, separators=(",", ":")).encode()
        extra["Content-Type"] = "application/json"
    elif form:
        body = encode_params(params).encode()
        extra["Content-Type"] = "application/x-www-form-urlencoded"
    if signed:
        extra.update(sign(creds, method, host, path, params, body, x_duo, version, date))
    extra.update(headers or {})
    url = "https://%s:%d%s%s" % (host, port, path, "?" + query if query else "")
    send_body = method in ("POST", "PUT", "PATCH") or bool(body)
    req = urllib.request.Request(url, data=body if send_body else None,
                                 method=method, headers=extra)
    try:
        with urllib.request.urlopen(req, context=TLS, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def call_json(*args, **kwargs):
    status, headers, body = call(*args, **kwargs)
    return status, headers, json.loads(body)

# ---------------------------------------------------------------- tests


passed = 0
failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL %s %s" % (name, detail))


def run(name, fn, *args):
    try:
        fn(*args)
    except Exception as exc:  # a crash in one test must not hide the others
        check(name, False, "raised %r" % exc)


def t_ping(p):
    st, _, js = call_json(p, "GET", "/auth/v2/ping", signed=False)
    check("ping", st == 200 and js["stat"] == "OK" and abs(js["response"]["time"] - time.time()) < 5, js)
    st, _, js = call_json(p, "GET", "/auth/v2/check", creds=AUTH)
    check("check", st == 200 and "time" in js["response"], js)


def t_echo_get(p):
    params = [("b", "x y"), ("a", "2"), ("a", "1"), ("caf\u00e9", "\u2713"), ("empty", "")]
    st, _, js = call_json(p, "GET", "/test/echo", params=params, x_duo={"X-Duo-Trace": "t1"})
    r = js.get("response", {})
    check("echo GET v5", st == 200 and r.get("sig_version") == 5 and r.get("ikey") == ADMIN[0], js)
    check("echo GET query", r.get("query") == {"a": ["1", "2"], "b": ["x y"],
                                               "caf\u00e9": ["\u2713"], "empty": [""]}, r.get("query"))
    check("echo GET x-duo", r.get("x_duo") == {"x-duo-trace": "t1"}, r.get("x_duo"))
    check("echo GET fields", r.get("method") == "GET" and r.get("path") == "/test/echo"
          and r.get("host") == "127.0.0.1:%d" % p and r.get("body") is None, r)
    # localhost as the Host: canonical host is "localhost".
    st, _, js = call_json(p, "GET", "/test/echo", host="localhost", params=[("q", "1")])
    check("echo GET localhost", st == 200 and js["response"]["host"] == "localhost:%d" % p, js)


def t_echo_post(p):
    body = {"username": "root", "realname": "First Last", "nested": {"b": [1, 2], "a": True}}
    st, _, js = call_json(p, "POST", "/test/echo", json_body=body)
    r = js.get("response", {})
    check("echo POST v5", st == 200 and r.get("sig_version") == 5 and r.get("body") == body
          and r.get("content_type") == "application/json" and r.get("query") == {}, js)
    for verb in ("PUT", "PATCH", "DELETE"):
        jb = {"k": verb} if verb != "DELETE" else None
        st, _, js = call_json(p, verb, "/test/echo", json_body=jb,
                              params=[("k", verb)] if verb == "DELETE" else ())
        check("echo %s" % verb, st == 200 and js["response"]["method"] == verb, js)
    st, _, js = call_json(p, "POST", "/test/echo", json_body={})
    check("echo POST {}", st == 200 and js["response"]["body"] == {}, js)


def t_v2(p):
    st, _, js = call_json(p, "GET", "/test/echo", params=[("u", "a b")], version=2)
    check("v2 GET", st == 200 and js["response"]["sig_version"] == 2, js)
    st, _, js = call_json(p, "POST", "/test/echo", params=[("u", "a b"), ("x", "1")],
                          version=2, form=True)
    check("v2 POST form", st == 200 and js["response"]["sig_version"] == 2
          and js["response"]["form"] == {"u": ["a b"], "x": ["1"]}, js)
    st, _, js = call_json(p, "POST", "/test/echo", json_body={"u": "a"}, version=2)
    check("v2 cannot sign JSON", st == 401 and js["code"] == 40103, js)


def t_auth_errors(p):
    # Wrong signature: sign with a different skey.
    st, _, js = call_json(p, "GET", "/test/echo", creds=(ADMIN[0], "x" * 40), params=[("a", "1")])
    check("bad sig", st == 401 and js.get("code") == 40103 and js.get("stat") == "FAIL", js)
    st, _, log = call_json(p, "GET", "/test/requests", signed=False)
    last = log["response"][-1]
    check("bad sig logged", last["code"] == 40103 and last["ikey"] == ADMIN[0]
          and last["canonical_tried"][0]["version"] == 5, last)
    check("log has no skey", not any(s in json.dumps(log) for _, s in (ADMIN, ACCOUNTS, AUTH)))
    # Body changed after signing.
    st, _, js = call_json(p, "GET", "/test/echo", params=[("a", "1")],
                          headers={"X-Duo-Extra": "unsigned"})
    check("unsigned x-duo header", st == 401 and js["code"] == 40103, js)
    st, _, js = call_json(p, "GET", "/test/echo", signed=False)
    check("no auth", st == 401 and js["code"] == 40101, js)
    st, _, js = call_json(p, "GET", "/test/echo", creds=("DINOSUCHKEY000000000", ADMIN[1]))
    check("unknown ikey", st == 401 and js["code"] == 40102, js)
    st, _, js = call_json(p, "GET", "/admin/v1/echo", creds=AUTH)
    check("auth key on admin", st == 401 and js["code"] == 40102, js)
    st, _, js = call_json(p, "GET", "/auth/v2/echo", creds=ADMIN)
    check("admin key on auth", st == 401 and js["code"] == 40102, js)
    st, _, js = call_json(p, "GET", "/accounts/v1/echo", creds=ADMIN)
    check("admin key on accounts", st == 401 and js["code"] == 40102, js)
    st, _, js = call_json(p, "GET", "/accounts/v1/echo", creds=ACCOUNTS)
    check("accounts key on accounts", st == 200, js)
    st, _, js = call_json(p, "GET", "/admin/v1/echo", creds=ACCOUNTS)
    check("accounts key on admin, no account_id", st == 401 and js["code"] == 40102, js)
    st, _, js = call_json(p, "GET", "/admin/v1/echo", creds=ACCOUNTS, params=[("account_id", "DA1")])
    check("accounts key on admin, account_id", st == 200, js)
    st, _, js = call_json(p, "POST", "/admin/v1/echo", creds=ACCOUNTS, json_body={"account_id": "DA1"})
    check("accounts key on admin, account_id in JSON", st == 200, js)
    old = email.utils.formatdate(time.time() - 400)
    st, _, js = call_json(p, "GET", "/test/echo", date=old)
    check("stale date", st == 401 and js["code"] == 40105, js)
    near = email.utils.formatdate(time.time() - 200)
    st, _, js = call_json(p, "GET", "/test/echo", date=near)
    check("date within 300 s", st == 200, js)


def t_ratelimit(p):
    params = [("key", "selftest"), ("times", "2"), ("retry_after", "3")]
    seq = [call(p, "GET", "/test/ratelimit", params=params) for _ in range(3)]
    check("429 #1", seq[0][0] == 429 and seq[0][1].get("Retry-After") == "3"
          and json.loads(seq[0][2])["code"] == 42901, seq[0])
    check("429 #2", seq[1][0] == 429, seq[1])
    check("then OK", seq[2][0] == 200 and json.loads(seq[2][2])["response"] == {"attempts": 3}, seq[2])


def t_paging(p):
    seen, offset, pages = [], 0, 0
    while offset is not None and pages < 20:
        st, _, js = call_json(p, "GET", "/admin/v1/users", params=[("limit", "10"), ("offset", str(offset))])
        if st != 200:
            check("paging page", False, js)
            return
        pages += 1
        seen += js["response"]
        check("page size", len(js["response"]) <= 7, len(js["response"]))
        check("total_objects", js["metadata"]["total_objects"] == 25, js["metadata"])
        offset = js["metadata"].get("next_offset")
    names = [u["username"] for u in seen]
    check("all users collected", names == ["user%05d" % i for i in range(25)], names)
    check("pages", pages == 4, pages)
    ids = {u["user_id"] for u in seen}
    check("user ids", len(ids) == 25 and all(i.startswith("DU") and len(i) == 20 for i in ids), ids)
    for bad in ("0", "301", "abc", "-1"):
        st, _, js = call_json(p, "GET", "/admin/v1/users", params=[("limit", bad)])
        check("bad limit %s" % bad, st == 400 and js["code"] == 40002 and js["message_detail"] == "limit", js)


def t_faults(p):
    st, _, js = call_json(p, "GET", "/test/status/50001")
    check("status 50001", st == 500 and js == {"stat": "FAIL", "code": 50001, "message": "Simulated error",
                                              "message_detail": "detail for 50001"}, js)
    st, _, js = call_json(p, "GET", "/test/status/40301", params=[("code_as_string", "1")])
    check("status as string", st == 403 and js["code"] == "40301", js)
    st, hd, body = call(p, "GET", "/test/notjson")
    check("notjson", st == 502 and body.startswith(b"<html>") and hd["Content-Type"] == "text/html", body)
    st, _, body = call(p, "GET", "/test/badjson")
    check("badjson", st == 200 and body == b'{"stat":"OK","response":', body)
    st, _, js = call_json(p, "GET", "/nope")
    check("404", st == 404 and js["code"] == 40401, js)
    st, _, js = call_json(p, "DELETE", "/admin/v1/users")
    check("405", st == 405 and js["code"] == 40501, js)
    t0 = time.time()
    st, _, js = call_json(p, "GET", "/test/slow", params=[("ms", "300")])
    check("slow", st == 200 and js["response"] == {"slept_ms": 300} and time.time() - t0 >= 0.3, js)


def t_reset(p):
    try:
        st, _, body = call(p, "GET", "/test/reset")
        check("reset", False, "got a complete response %r" % st)
    except (http.client.IncompleteRead, ConnectionError, ssl.SSLError, OSError) as exc:
        check("reset", True, exc)


def t_stall(p):
    t0 = time.time()
    try:
        call(p, "GET", "/test/stall", timeout=1)
        check("stall", False, "got a response")
    except (socket.timeout, TimeoutError, urllib.error.URLError) as exc:
        check("stall times out", 0.9 <= time.time() - t0 < 5, exc)
    # The server notices the client left and ends the stall (logged when done).
    for _ in range(20):
        time.sleep(0.1)
        _, _, log = call_json(p, "GET", "/test/requests", signed=False)
        if log["response"] and log["response"][-1]["path"] == "/test/stall":
            break
    check("stall ends when client leaves", log["response"][-1]["path"] == "/test/stall",
          log["response"][-1])


def t_keepalive(p):
    """Several requests on one connection (HTTP/1.1 keep-alive, Content-Length)."""
    conn = http.client.HTTPSConnection("127.0.0.1", p, context=TLS, timeout=10)
    try:
        for i in range(3):
            headers = sign(ADMIN, "GET", "127.0.0.1", "/test/echo", [("i", str(i))])
            conn.request("GET", "/test/echo?i=%d" % i, headers=headers)
            resp = conn.getresponse()
            js = json.loads(resp.read())
            check("keep-alive #%d" % i, resp.status == 200 and js["response"]["query"] == {"i": [str(i)]}, js)
        check("same socket", conn.sock is not None)
    finally:
        conn.close()


def t_tls(ports):
    for name in ("wrongname", "untrusted", "expired"):
        try:
            call(ports[name], "GET", "/auth/v2/ping", signed=False, host="localhost")
            check("tls %s rejected" % name, False, "connected")
        except urllib.error.URLError as exc:
            check("tls %s rejected" % name, isinstance(exc.reason, ssl.SSLCertVerificationError), exc)
    old = ssl.create_default_context(cafile=os.path.join(CERTS, "ca.pem"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # that is the point
        old.minimum_version = ssl.TLSVersion.TLSv1_1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
    try:
        with socket.create_connection(("127.0.0.1", ports["good"]), timeout=5) as raw:
            old.wrap_socket(raw, server_hostname="localhost")
        check("tls 1.1 rejected", False, "handshake succeeded")
    except (ssl.SSLError, OSError):
        check("tls 1.1 rejected", True)
    try:
        with socket.create_connection(("127.0.0.1", ports["raw"]), timeout=5) as raw:
            TLS.wrap_socket(raw, server_hostname="localhost")
        check("raw port is not TLS", False, "handshake succeeded")
    except (ssl.SSLError, OSError):
        check("raw port is not TLS", True)


def t_latency():
    """With --latency-ms 400, 8 parallel requests must overlap, not queue."""
    srv = Server("--latency-ms", "400")
    try:
        p = srv.ports["good"]
        results = []

        def one():
            results.append(call(p, "GET", "/test/echo")[0])

        t0 = time.time()
        threads = [threading.Thread(target=one) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        took = time.time() - t0
        check("latency applied", took >= 0.4, took)
        check("latency overlaps", took < 2.0 and results == [200] * 8, (took, results))
        t0 = time.time()
        call(p, "GET", "/auth/v2/ping", signed=False)
        check("ping not delayed", time.time() - t0 < 0.35)
    finally:
        srv.stop()


def t_clock_offset():
    srv = Server("--clock-offset", "3600")
    try:
        p = srv.ports["good"]
        st, _, js = call_json(p, "GET", "/auth/v2/ping", signed=False)
        check("clock offset ping", abs(js["response"]["time"] - time.time() - 3600) < 5, js)
        st, _, js = call_json(p, "GET", "/test/echo")
        check("clock offset rejects local date", js.get("code") == 40105, js)
        st, _, js = call_json(p, "GET", "/test/echo", date=email.utils.formatdate(time.time() + 3600))
        check("clock offset accepts corrected date", st == 200, js)
    finally:
        srv.stop()


def t_sigterm():
    srv = Server()
    # A stalled request must not keep the server alive.
    def stall():
        try:
            call(srv.ports["good"], "GET", "/test/stall", timeout=20)
        except Exception:
            pass  # the server going away is the point

    stalled = threading.Thread(target=stall, daemon=True)
    stalled.start()
    for line in srv.proc.stdout:   # wait until the server holds the request
        if line.split() == ["STALLED"]:
            break
    t0 = time.time()
    srv.proc.send_signal(signal.SIGTERM)
    try:
        rc = srv.proc.wait(5)
        check("SIGTERM exits promptly", time.time() - t0 < 2 and rc == 0, (time.time() - t0, rc))
    except subprocess.TimeoutExpired:
        check("SIGTERM exits promptly", False, "still running after 5 s")
    srv.stop()


def _fail_detail(js):
    return js.get("message_detail", "") if isinstance(js, dict) else ""


def t_facts(p):
    """Requests the wire facts refuse, each with a 40002 that says why."""
    cases = [
        # (name, call kwargs, expected status, code, substring of the detail)
        ("GET with a body", dict(method="GET", path="/admin/v1/users/DU1", json_body={"a": "1"}),
         400, 40002, "travel in the query string"),
        ("POST with a query", dict(method="POST", path="/admin/v1/groups", params=[("name", "x")],
                                   version=2, form=True),
         400, 40002, "travel in a JSON body"),
        ("POST JSON body plus query", dict(method="POST", path="/admin/v1/groups", json_body={"name": "x"},
                                           query="name=x"),
         400, 40002, "query string is 'name=x'"),
        ("missing required", dict(method="POST", path="/admin/v1/groups", json_body={}),
         400, 40002, "as create_group: missing required parameter name"),
        ("unknown parameter", dict(method="GET", path="/admin/v1/phones", params=[("colour", "red")]),
         400, 40002, "unknown parameter colour"),
        ("repeated scalar", dict(method="GET", path="/admin/v1/users", params=[("email", "a"), ("email", "b")]),
         400, 40002, "email is repeated"),
        ("bad bool10", dict(method="POST", path="/admin/v1/settings", json_body={"sms_refresh": True}),
         400, 40002, "sms_refresh must be a string"),
        ("seconds for ms", dict(method="GET", path="/admin/v2/logs/activity",
                                params=[("mintime", "1700000000"), ("maxtime", "1700003600")]),
         400, 40002, "mintime must be Unix milliseconds"),
        ("lower-case hex in a path parameter", dict(method="GET", path="/admin/v1/users/a%2fb"),
         400, 40002, "is not percent-encoded"),
        ("raw comma in a path parameter", dict(method="GET", path="/admin/v1/users/a,b"),
         400, 40002, "is not percent-encoded"),
        ("wrong verb", dict(method="PUT", path="/admin/v1/users/DU1"), 405, 40501, "allowed: DELETE, GET, POST"),
        ("billing with Admin keys", dict(method="GET", path="/admin/v1/billing/edition"),
         401, 40102, "Accounts API credentials"),
        ("accounts key without account_id", dict(method="GET", path="/admin/v1/users", creds=ACCOUNTS),
         401, 40102, "account_id"),
        ("account_id with Admin keys", dict(method="GET", path="/admin/v1/info/summary",
                                            params=[("account_id", "DA1")]),
         400, 40002, "account_id is only sent with Accounts API credentials"),
    ]
    for name, kw, status, code, detail in cases:
        kw = dict(kw)
        method, path = kw.pop("method"), kw.pop("path")
        query = kw.pop("query", None)
        if query is not None:
            st, _, js = _call_with_query(p, method, path, query, kw.pop("json_body"))
        else:
            st, _, js = call_json(p, method, path, **kw)
        check("facts: " + name, st == status and js.get("code") == code and detail in _fail_detail(js),
              (st, js))
    # good requests: the echo says what the server saw
    st, _, js = call_json(p, "GET", "/admin/v1/users/DU%C3%A9X")
    r = js.get("response", {})
    check("facts: echo", st == 200 and r.get("path_params") == {"user_id": "DU\u00e9X"}
          and r.get("matched") == ["get_user_by_id"] and r.get("template") == "/admin/v1/users/{user_id}", js)
    st, _, js = call_json(p, "POST", "/admin/v1/groups", json_body={"name": "g", "push_enabled": "1"})
    r = js.get("response", {})
    check("facts: POST echo", st == 200 and r.get("params") == {"name": "g", "push_enabled": "1"}
          and r.get("location") == "json" and r.get("matched") == ["create_group"], js)
    st, hd, body = call(p, "GET", "/admin/v1/logo")
    check("facts: logo is PNG", st == 200 and hd["Content-Type"] == "image/png"
          and body.startswith(b"\x89PNG\r\n\x1a\n"), (st, body[:16]))
    st, _, js = call_json(p, "GET", "/admin/v1/groups", params=[("limit", "5")])
    check("facts: generic list, 2 per page", st == 200 and len(js["response"]) == 2
          and js["metadata"]["next_offset"] == 2, js)
    _, _, log = call_json(p, "GET", "/test/requests", signed=False)
    last = log["response"][-1]
    check("facts: log entry", sorted(last["matched"]) == ["get_groups", "get_groups_generator"]
          and last["params"] == {"limit": "5"} and last["template"] == "/admin/v1/groups"
          and last["host"] == "127.0.0.1:%d" % p, last)
    bad = [e for e in log["response"] if e.get("code") == 40002]
    check("facts: log keeps the detail", bad and all(e.get("detail") for e in bad), bad[-1:])


def _call_with_query(port, method, path, query, json_body):
    """A signed JSON request that also carries a query string."""
    body = json.dumps(json_body, sort_keys=True, separators=(",", ":")).encode()
    params = urllib.parse.parse_qsl(query)
    headers = sign(ADMIN, method, "127.0.0.1", path, params, body)
    headers["Content-Type"] = "application/json"
    req = urllib.request.Request("https://127.0.0.1:%d%s?%s" % (port, path, query), data=body,
                                 method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, context=TLS, timeout=10) as resp:
            return resp.status, resp.headers, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, err.headers, json.loads(err.read())


def t_children(ports):
    p = ports["good"]
    st, _, js = call_json(p, "POST", "/accounts/v1/account/list", creds=ACCOUNTS, json_body={})
    children = js.get("response") or []
    check("children listed", st == 200 and [c["name"] for c in children] == ["Acme Corp", "Acme Corporation", "Globex"]
          and all(len(c["account_id"]) == 20 and c["account_id"].startswith("DA") for c in children), js)
    child, cport = children[0], ports["child0"]
    check("child host", child["api_hostname"] == "127.0.0.1:%d" % cport, child)
    aid = [("account_id", child["account_id"])]
    st, _, js = call_json(cport, "GET", "/admin/v1/info/summary", creds=ACCOUNTS, params=aid)
    r = js.get("response", {})
    check("child call", st == 200 and r.get("account_id") == child["account_id"] and r.get("listener") == "child0", js)
    st, _, js = call_json(cport, "POST", "/admin/v1/groups", creds=ACCOUNTS,
                          json_body={"name": "g", "account_id": child["account_id"]})
    check("child POST", st == 200 and js["response"]["account_id"] == child["account_id"], js)
    st, _, js = call_json(p, "GET", "/admin/v1/info/summary", creds=ACCOUNTS, params=aid)
    check("child on the parent's host", st == 403 and js["code"] == 40301
          and "account_id does not belong to this host" in js["message_detail"], js)
    st, _, js = call_json(ports["child1"], "GET", "/admin/v1/info/summary", creds=ACCOUNTS, params=aid)
    check("child on another child's host", st == 403 and js["code"] == 40301, js)
    st, _, js = call_json(cport, "GET", "/admin/v1/users", creds=ACCOUNTS, params=aid)
    check("child users", st == 200 and len(js["response"]) == 5, js)
    st, _, js = call_json(cport, "GET", "/admin/v1/users")
    check("admin keys on a child host", st == 200 and len(js["response"]) == 5, js)
    st, _, js = call_json(p, "POST", "/accounts/v1/account/create", creds=ACCOUNTS, json_body={"name": "New Co"})
    new = js.get("response", {})
    port = int(new.get("api_hostname", ":0").rsplit(":", 1)[1])
    st2, _, js2 = call_json(port, "GET", "/admin/v1/billing/edition", creds=ACCOUNTS,
                            params=[("account_id", new.get("account_id", ""))])
    check("created child serves", st == 200 and st2 == 200 and js2["response"] == {"edition": "ENTERPRISE"},
          (js, js2))
    naid = [("account_id", new.get("account_id", ""))]
    nid = new.get("account_id", "")
    call_json(port, "POST", "/admin/v1/billing/edition", creds=ACCOUNTS,
              json_body={"account_id": nid, "edition": "PLATFORM"})
    call_json(port, "POST", "/admin/v1/billing/telephony_credits", creds=ACCOUNTS,
              json_body={"account_id": nid, "credits": "250"})
    _, _, e = call_json(port, "GET", "/admin/v1/billing/edition", creds=ACCOUNTS, params=naid)
    _, _, c = call_json(port, "GET", "/admin/v1/billing/telephony_credits", creds=ACCOUNTS, params=naid)
    check("billing kept", e["response"]["edition"] == "PLATFORM" and c["response"]["credits"] == 250, (e, c))
    st, _, a = call_json(port, "POST", "/admin/v1/admins", creds=ACCOUNTS,
                         json_body={"account_id": nid, "name": "Ann", "email": "ann@new.example"})
    st2, _, a2 = call_json(port, "POST", "/admin/v1/admins", creds=ACCOUNTS,
                           json_body={"account_id": nid, "name": "Ann", "email": "ANN@new.example"})
    _, _, listed = call_json(port, "GET", "/admin/v1/admins", creds=ACCOUNTS, params=naid)
    check("admins added and kept",
          st == 200 and st2 == 200 and a["response"]["admin_id"] != a2["response"]["admin_id"]
          and [x["email"] for x in listed["response"]] == ["ann@new.example", "ANN@new.example"], (a, a2, listed))
    st, _, js = call_json(p, "POST", "/accounts/v1/account/delete", creds=ACCOUNTS,
                          json_body={"account_id": new.get("account_id")})
    st2, _, js2 = call_json(port, "GET", "/admin/v1/billing/edition", creds=ACCOUNTS,
                            params=[("account_id", new.get("account_id", ""))])
    check("deleted child refused", st == 200 and st2 == 403 and js2["code"] == 40301, (js, js2))
    st, _, js = call_json(p, "POST", "/test/children/%s/move" % child["account_id"], signed=False)
    moved = js.get("response", {})
    st2, _, js2 = call_json(cport, "GET", "/admin/v1/info/summary", creds=ACCOUNTS, params=aid)
    st3, _, js3 = call_json(moved.get("port", 0), "GET", "/admin/v1/info/summary", creds=ACCOUNTS, params=aid)
    check("moved child", moved.get("port") != cport and st2 == 403 and st3 == 200, (moved, js2, js3))
    call(p, "POST", "/test/children/%s/fail?code=50001" % child["account_id"], signed=False)
    st, _, js = call_json(moved.get("port", 0), "GET", "/admin/v1/info/summary", creds=ACCOUNTS, params=aid)
    call(p, "POST", "/test/children/%s/fail?code=0" % child["account_id"], signed=False)
    st2, _, _ = call_json(moved.get("port", 0), "GET", "/admin/v1/info/summary", creds=ACCOUNTS, params=aid)
    check("failing child", st == 500 and js["code"] == 50001 and st2 == 200, js)


def main():
    srv = Server("--page-cap", "7")
    try:
        p = srv.ports["good"]
        for fn in (t_ping, t_echo_get, t_echo_post, t_v2, t_auth_errors, t_ratelimit,
                   t_paging, t_faults, t_reset, t_stall, t_keepalive, t_facts):
            run(fn.__name__, fn, p)
        run("t_tls", t_tls, srv.ports)
        run("t_children", t_children, srv.ports)
    finally:
        srv.stop()
    run("t_latency", t_latency)
    run("t_clock_offset", t_clock_offset)
    run("t_sigterm", t_sigterm)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
