#!/usr/bin/env python3
"""A loopback HTTPS server that imitates the Duo APIs, for duo-lua's tests.

Python 3 standard library only. Usage:

    python3 tests/server/duo_test_server.py --certs tests/certs \\
        [--latency-ms N] [--users N] [--page-cap N] [--max-seconds S] \\
        [--clock-offset S] [--verbose]

It listens on 127.0.0.1, ephemeral ports, one listener per kind:

    good       TLS with certs/server.pem (localhost, 127.0.0.1; signed by ca.pem)
    wrongname  TLS with certs/wrongname.pem (other.example only)
    untrusted  TLS with certs/untrusted.pem (signed by unknown-ca.pem)
    expired    TLS with certs/expired.pem (signed by ca.pem, expired in 2001)
    raw        plain TCP: reads what the client sends (a TLS ClientHello,
               say) and answers with a plain-text HTTP 400, then closes

All TLS listeners serve the same routes and share one state. When every
listener is up it prints `PORT <name> <port>` for each, then `READY`. It exits
on SIGTERM/SIGINT, or by itself after --max-seconds (default 600).

Credentials (hard-coded; skeys are 40 characters):

    type      ikey                  skey
    admin     DIADMINTESTIKEY00001  adminsecretkey0000000000000000000000000a
    accounts  DIACCOUNTSTESTIKEY01  accountssecretkey00000000000000000000000
    auth      DIAUTHTESTIKEY000001  authsecretkey00000000000000000000000000x

Authentication (everything except GET /auth/v2/ping and /test/requests*),
checked in this order:

    40101  no Authorization header, or not Basic base64(ikey:sig)
    40102  unknown ikey, or the application type does not fit the path:
           /admin needs admin (or accounts with an account_id parameter),
           /accounts needs accounts, /auth needs auth, /test takes any
    40104  no Date header
    40103  the signature matches neither v5 nor v2 (see duo_signature.py); the
           canonical strings the server tried are kept in GET /test/requests
    40105  the Date is more than 300 s from the server clock (+ --clock-offset)

Routes (see ROUTES below; every response is a Duo envelope unless noted):

    GET  /auth/v2/ping                 unsigned; {"time": unix seconds}
    GET  /auth/v2/check                {"time": unix seconds}
    GET  /admin/v1/users               --users deterministic users, offset
                                       paging (limit <= 300, default 100;
                                       at most --page-cap per page)
    *    /test/echo                    what the server saw (method, path, host,
    *    /admin/v1/echo                query, parsed JSON body, content type,
    *    /accounts/v1/echo             user agent, signature version, ikey,
    *    /auth/v2/echo                 x-duo headers, the client's port)
    GET  /test/status/<code>           FAIL with that 5-digit code (HTTP status
                                       = first 3 digits); ?code_as_string=1
                                       sends the code as a JSON string
    GET  /test/ratelimit?key=K&times=N&retry_after=S
                                       429/42901 for the first N calls per key
                                       (Retry-After: S if given), then
                                       {"attempts": count}
    GET  /test/notjson                 502 with an HTML body
    GET  /test/badjson                 200 with truncated JSON
    GET  /test/reset                   headers promising 100000 bytes, ~1000
                                       bytes, then a TCP reset
    GET  /test/stall                   sends nothing; closes after 30 s, or
                                       sooner when the client goes away
    GET  /test/slow?ms=N               {"slept_ms": N} after N ms
    GET  /test/requests                unsigned; the last 200 requests seen
    POST /test/requests/clear          unsigned; forgets them

Unknown paths answer 404/40401, known paths with another verb 405/40501.
--latency-ms delays every response except ping and /test/requests*.
--clock-offset shifts the server's clock (ping, check and the 300 s window)
so that a client's clock-skew correction can be tested on one machine.

To add a Duo route: write a handler `def handle_x(req) -> Response` and add it
to ROUTES. `req` is a Request (see below); return ok(...) or fail(...), or
raise DuoError.
"""

import argparse
import base64
import collections
import hashlib
import json
import os
import re
import select
import signal
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
import traceback
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# duo_signature is a sibling file, not an installed module; importing it must
# not leave a __pycache__ in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import duo_signature  # noqa: E402

# --------------------------------------------------------------------------
# Credentials

ADMIN_IKEY = "DIADMINTESTIKEY00001"
ADMIN_SKEY = "adminsecretkey0000000000000000000000000a"
ACCOUNTS_IKEY = "DIACCOUNTSTESTIKEY01"
ACCOUNTS_SKEY = "accountssecretkey00000000000000000000000"
AUTH_IKEY = "DIAUTHTESTIKEY000001"
AUTH_SKEY = "authsecretkey00000000000000000000000000x"

# ikey -> (skey, application type)
CREDENTIALS = {
    ADMIN_IKEY: (ADMIN_SKEY, "admin"),
    ACCOUNTS_IKEY: (ACCOUNTS_SKEY, "accounts"),
    AUTH_IKEY: (AUTH_SKEY, "auth"),
}
assert all(len(skey) == 40 for skey, _ in CREDENTIALS.values())

MAX_SKEW_SECONDS = 300
REQUEST_LOG_SIZE = 200
USERS_MAX_LIMIT = 300
USERS_DEFAULT_LIMIT = 100
LISTENERS = ("good", "wrongname", "untrusted", "expired")  # plus "raw"
CERT_FILES = {"good": "server", "wrongname": "wrongname",
              "untrusted": "untrusted", "expired": "expired"}


# --------------------------------------------------------------------------
# Responses

class Response:
    """A complete HTTP response: status, body bytes, extra headers."""

    def __init__(self, status, body, content_type="application/json", headers=None):
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = dict(headers or {})
        self.duo_code = None  # filled for FAIL envelopes, for the request log


class RawDone:
    """Returned by handlers that wrote to (or closed) the connection themselves."""

    def __init__(self, status=None):
        self.status = status


def _json_bytes(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def ok(response, metadata=None, headers=None):
    envelope = {"stat": "OK", "response": response}
    if metadata is not None:
        envelope["metadata"] = metadata
    return Response(200, _json_bytes(envelope), headers=headers)


def fail(code, message, detail=None, headers=None, code_as_string=False):
    """A Duo FAIL envelope; the HTTP status is the first three digits of code."""
    envelope = {"stat": "FAIL", "code": str(code) if code_as_string else code,
                "message": message}
    if detail is not None:
        envelope["message_detail"] = detail
    resp = Response(int(str(code)[:3]), _json_bytes(envelope), headers=headers)
    resp.duo_code = code
    return resp


class DuoError(Exception):
    """Raise from a handler to answer with a FAIL envelope."""

    def __init__(self, code, message, detail=None, headers=None):
        super().__init__(message)
        self.response = fail(code, message, detail, headers)


def bad_param(name):
    return DuoError(40002, "Invalid request parameters", name)


# --------------------------------------------------------------------------
# Shared state

class State:
    def __init__(self, options):
        self.options = options
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.request_log = collections.deque(maxlen=REQUEST_LOG_SIZE)
        self.rate_counts = collections.Counter()

    def now(self):
        return time.time() + self.options.clock_offset

    def sleep(self, seconds):
        """Sleep, but return early (True) when the server is shutting down."""
        return self.stopping.wait(seconds)

    def log_request(self, entry):
        with self.lock:
            self.request_log.append(entry)


# --------------------------------------------------------------------------
# Requests

@dataclass
class Request:
    method: str
    target: str
    headers: object               # http.client.HTTPMessage
    body: bytes
    state: State
    handler: object               # the DuoHandler, for routes that write raw
    path_args: dict = field(default_factory=dict)
    ikey: str = None
    app_type: str = None
    sig_version: int = None

    @property
    def path(self):
        return self.target.split("?", 1)[0]

    @property
    def query_string(self):
        return self.target.split("?", 1)[1] if "?" in self.target else ""

    @property
    def query(self):
        """{key: [values]} of the query string, for handlers and echo."""
        out = {}
        for k, v in urllib.parse.parse_qsl(self.query_string, keep_blank_values=True,
                                           errors="replace"):
            out.setdefault(k, []).append(v)
        return out

    @property
    def media_type(self):
        return duo_signature.media_type(self.headers.get("Content-Type", ""))

    def json_body(self):
        """The parsed JSON body (None if not JSON); DuoError 40002 if it does not parse."""
        if self.media_type != "application/json" or not self.body:
            return None
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise bad_param("body is not valid JSON")

    def form_body(self):
        if self.media_type != "application/x-www-form-urlencoded":
            return None
        out = {}
        for k, v in urllib.parse.parse_qsl(self.body.decode("latin-1"),
                                           keep_blank_values=True, errors="replace"):
            out.setdefault(k, []).append(v)
        return out

    def param_names(self):
        """Every parameter name the request carries, wherever it travels."""
        names = set(self.query)
        names.update(self.form_body() or {})
        try:
            body = self.json_body()
        except DuoError:
            body = None
        if isinstance(body, dict):
            names.update(body)
        return names

    def one_param(self, name, default=None):
        """A single query parameter; repeating it is a 40002."""
        values = self.query.get(name)
        if not values:
            return default
        if len(values) > 1:
            raise bad_param(name)
        return values[0]

    def int_param(self, name, default, lo, hi):
        raw = self.one_param(name)
        if raw is None:
            return default
        if not re.fullmatch(r"[0-9]+", raw):
            raise bad_param(name)
        value = int(raw)
        if not lo <= value <= hi:
            raise bad_param(name)
        return value


# --------------------------------------------------------------------------
# Authentication

def required_app_types(path):
    """Application types allowed on path: a set, or None for any."""
    if path.startswith("/admin/"):
        return {"admin", "accounts"}
    if path.startswith("/accounts/"):
        return {"accounts"}
    if path.startswith("/auth/"):
        return {"auth"}
    return None


def authenticate(req):
    """Check credentials and signature; raise DuoError or fill req.ikey etc."""
    parsed = duo_signature.parse_authorization(req.headers.get("Authorization"))
    if parsed is None:
        raise DuoError(40101, "Missing request credentials",
                       "an Authorization: Basic header with ikey:signature is required")
    ikey, sig = parsed
    req.ikey = ikey
    if ikey not in CREDENTIALS:
        raise DuoError(40102, "Invalid integration key", "unknown integration key")
    skey, app_type = CREDENTIALS[ikey]

    allowed = required_app_types(req.path)
    if allowed is not None and app_type not in allowed:
        raise DuoError(40102, "Invalid integration key",
                       "a %s application's key cannot call %s" % (app_type, req.path))
    # Accounts API keys may act on a child account's Admin API only.
    if (app_type == "accounts" and req.path.startswith("/admin/")
            and "account_id" not in req.param_names()):
        raise DuoError(40102, "Invalid integration key",
                       "Accounts API keys need an account_id parameter on the Admin API")

    date = req.headers.get("Date")
    if date is None:
        raise DuoError(40104, "Missing request timestamp", "no Date header")

    wire = duo_signature.WireRequest(
        method=req.method, target=req.target, host=req.headers.get("Host", ""),
        date=date, content_type=req.headers.get("Content-Type", ""),
        body=req.body, headers=list(req.headers.items()))
    version, tried = duo_signature.verify(wire, skey, sig)
    if version is None:
        err = DuoError(40103, "Invalid signature in request credentials")
        err.tried = tried
        raise err

    when = duo_signature.parse_date(date)
    if when is None:
        raise DuoError(40105, "Invalid request timestamp", "unparseable Date header")
    if abs(when - req.state.now()) > MAX_SKEW_SECONDS:
        raise DuoError(40105, "Request has expired",
                       "Date is more than %d seconds from server time" % MAX_SKEW_SECONDS)
    req.app_type = app_type
    req.sig_version = version


# --------------------------------------------------------------------------
# Route handlers

def handle_time(req):
    return ok({"time": int(req.state.now())})


def user_record(i):
    """The i-th user (0-based) of the deterministic dataset."""
    digest = hashlib.sha256(b"duo-lua test user %d" % i).digest()
    suffix = base64.b32encode(digest).decode("ascii")[:18]
    return {
        "user_id": "DU" + suffix,
        "username": "user%05d" % i,
        "email": "user%05d@example.com" % i,
        "realname": "Test User %05d" % i,
        "status": "active",
        "is_enrolled": True,
        "phones": [],
        "created": 1700000000 + i,
    }


def handle_users(req):
    total = req.state.options.users
    limit = req.int_param("limit", USERS_DEFAULT_LIMIT, 1, USERS_MAX_LIMIT)
    offset = req.int_param("offset", 0, 0, 10 ** 9)
    count = limit
    if req.state.options.page_cap:
        count = min(count, req.state.options.page_cap)
    end = min(offset + count, total)
    users = [user_record(i) for i in range(offset, end)]
    metadata = {"total_objects": total}
    if end < total:
        metadata["next_offset"] = end
    if offset > 0:
        metadata["prev_offset"] = max(0, offset - limit)
    return ok(users, metadata)


def handle_echo(req):
    body = req.json_body()
    return ok({
        "method": req.method,
        "path": req.path,
        "host": req.headers.get("Host"),
        "query": req.query,
        "body": body,
        "form": req.form_body(),
        "raw_body": req.body.decode("utf-8", "replace"),
        "content_type": req.headers.get("Content-Type"),
        "user_agent": req.headers.get("User-Agent"),
        "sig_version": req.sig_version,
        "ikey": req.ikey,
        # the client's port tells tests whether a connection was reused
        "peer_port": req.handler.client_address[1],
        "x_duo": {name.lower(): value for name, value in req.headers.items()
                  if name.lower().startswith("x-duo-")},
    })


def handle_status(req):
    code = req.path_args["code"]
    if not re.fullmatch(r"[1-5][0-9]{4}", code):
        raise bad_param("code")
    return fail(int(code), "Simulated error", "detail for %s" % code,
                code_as_string=req.one_param("code_as_string") == "1")


def handle_ratelimit(req):
    key = req.one_param("key", "")
    times = req.int_param("times", 1, 0, 10 ** 6)
    retry_after = req.int_param("retry_after", None, 0, 10 ** 6)
    with req.state.lock:
        req.state.rate_counts[key] += 1
        attempts = req.state.rate_counts[key]
    if attempts <= times:
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        return fail(42901, "Too Many Requests", headers=headers)
    return ok({"attempts": attempts})


def handle_notjson(req):
    html = (b"<html><body><h1>502 Bad Gateway</h1>\n"
            b"<p>The upstream server returned an invalid response.</p>\n"
            b"</body></html>\n")
    return Response(502, html, content_type="text/html")


def handle_badjson(req):
    return Response(200, b'{"stat":"OK","response":')


def handle_reset(req):
    """Promise 100000 bytes, send about 1000, then reset the TCP connection."""
    h = req.handler
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", "100000")
    h.end_headers()
    h.wfile.write(b'{"stat":"OK","response":"' + b"x" * 974)
    h.wfile.flush()
    # Let the partial body reach the client before the reset: a RST that
    # arrives first can make the peer drop the unread bytes.
    req.state.sleep(0.1)
    h.reset_connection()
    return RawDone(200)


def handle_stall(req):
    """Send nothing; close after 30 s, when the client disconnects, or on shutdown."""
    conn = req.handler.connection
    deadline = time.monotonic() + 30
    while not req.state.stopping.is_set():
        left = deadline - time.monotonic()
        if left <= 0:
            break
        readable, _, _ = select.select([conn], [], [], min(0.2, left))
        if not readable:
            continue
        # Something arrived: EOF (client gone), a TLS close_notify (recv
        # returns b""), or stray bytes we ignore. A partial TLS record makes
        # recv time out, which just means "not closed yet".
        try:
            conn.settimeout(0.2)
            if not conn.recv(4096):
                break
        except socket.timeout:
            continue
        except (OSError, ssl.SSLError):
            break
    req.handler.close_connection = True
    return RawDone(None)


def handle_slow(req):
    ms = req.int_param("ms", 0, 0, 600000)
    req.state.sleep(ms / 1000.0)
    return ok({"slept_ms": ms})


def handle_requests(req):
    with req.state.lock:
        return ok(list(req.state.request_log))


def handle_requests_clear(req):
    with req.state.lock:
        req.state.request_log.clear()
    return ok(None)


@dataclass(frozen=True)
class Route:
    handler: object
    signed: bool = True    # needs Duo credentials and a valid signature
    delayed: bool = True   # subject to --latency-ms
    logged: bool = True    # recorded in /test/requests


# (verb, path pattern) -> Route. "<name>" in a pattern matches one path
# segment and is passed to the handler as req.path_args["name"].
ROUTES = {
    ("GET", "/auth/v2/ping"): Route(handle_time, signed=False, delayed=False),
    ("GET", "/auth/v2/check"): Route(handle_time),
    ("GET", "/admin/v1/users"): Route(handle_users),
    ("GET", "/test/status/<code>"): Route(handle_status),
    ("GET", "/test/ratelimit"): Route(handle_ratelimit),
    ("GET", "/test/notjson"): Route(handle_notjson),
    ("GET", "/test/badjson"): Route(handle_badjson),
    ("GET", "/test/reset"): Route(handle_reset),
    ("GET", "/test/stall"): Route(handle_stall),
    ("GET", "/test/slow"): Route(handle_slow),
    ("GET", "/test/requests"): Route(handle_requests, signed=False,
                                     delayed=False, logged=False),
    ("POST", "/test/requests/clear"): Route(handle_requests_clear, signed=False,
                                            delayed=False, logged=False),
}
for _verb in ("GET", "POST", "PUT", "DELETE", "PATCH"):
    for _path in ("/test/echo", "/admin/v1/echo", "/accounts/v1/echo", "/auth/v2/echo"):
        ROUTES[(_verb, _path)] = Route(handle_echo)


def _compile_pattern(pattern):
    # re.split with a group alternates literal text and placeholder names.
    parts = re.split(r"<(\w+)>", pattern)
    regex = "".join(re.escape(part) if i % 2 == 0 else "(?P<%s>[^/]+)" % part
                    for i, part in enumerate(parts))
    return re.compile(regex + r"\Z")


def _compile_routes(routes):
    return [(_compile_pattern(pattern), verb, route)
            for (verb, pattern), route in routes.items()]


_COMPILED_ROUTES = _compile_routes(ROUTES)


def find_route(method, path):
    """(route, path_args) for method+path; (None, None) if unknown; (None, {}) if wrong verb."""
    path_known = False
    for regex, verb, route in _COMPILED_ROUTES:
        m = regex.match(path)
        if m:
            if verb == method:
                return route, m.groupdict()
            path_known = True
    return None, ({} if path_known else None)


# --------------------------------------------------------------------------
# HTTP plumbing

class DuoHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "duo-test-server/1"
    sys_version = ""
    timeout = 120  # idle keep-alive connections are dropped after this

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def dispatch(self):
        state = self.server.state
        target = self.path
        if not target.startswith("/"):  # absolute-form request-target
            parts = urllib.parse.urlsplit(target)
            target = parts.path + ("?" + parts.query if parts.query else "")
        body = self.read_body()
        req = Request(method=self.command, target=target, headers=self.headers,
                      body=body, state=state, handler=self)
        route, path_args = find_route(self.command, req.path)
        tried = None

        if route is None or route.delayed:
            latency = state.options.latency_ms
            if latency:
                state.sleep(latency / 1000.0)

        try:
            if route is None:
                if path_args is None:
                    raise DuoError(40401, "Resource not found", req.path)
                raise DuoError(40501, "Method not allowed",
                               "%s is not allowed on %s" % (self.command, req.path))
            req.path_args = path_args
            if route.signed:
                authenticate(req)
            result = route.handler(req)
        except DuoError as err:
            result = err.response
            tried = getattr(err, "tried", None)
        except Exception as exc:  # a bug in this server: say so loudly
            traceback.print_exc()
            result = fail(50001, "Internal server error", repr(exc))

        if route is None or route.logged:
            status = result.status
            entry = {
                "time": round(time.time(), 3),
                "listener": self.server.name,
                "method": self.command,
                "path": req.path,
                "query": req.query,
                "date": self.headers.get("Date"),
                "ikey": req.ikey,
                "status": status,
                "code": getattr(result, "duo_code", None),
            }
            if req.sig_version:
                entry["sig_version"] = req.sig_version
            if tried:
                entry["canonical_tried"] = tried
            state.log_request(entry)

        if isinstance(result, RawDone):
            return
        self.write_response(result)

    def write_response(self, resp):
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        for name, value in resp.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(resp.body)

    def reset_connection(self):
        """Close with SO_LINGER 0 so the kernel sends a RST, not a FIN."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            # The fd is only really closed once the rfile made by makefile()
            # lets go of it.
            self.rfile.close()
            self.connection.close()
        except OSError:
            pass

    def send_error(self, code, message=None, explain=None):
        """http.server's own errors (bad request line, ...) as Duo envelopes."""
        duo_code = code * 100 + 1
        resp = fail(duo_code, message or self.responses.get(code, ("Error",))[0], explain)
        self.close_connection = True
        self.send_response(code, message)
        self.send_header("Connection", "close")
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        self.end_headers()
        if self.command != "HEAD" and code >= 200 and code not in (204, 304):
            self.wfile.write(resp.body)

    def log_message(self, fmt, *args):
        if self.server.state.options.verbose:
            sys.stderr.write("[%s] %s\n" % (self.server.name, fmt % args))


def _quiet_error(server, request, client_address):
    """Connection-level errors (client went away, TLS alert) are normal here."""
    exc = sys.exc_info()[1]
    if isinstance(exc, (OSError, ssl.SSLError)):
        if server.state.options.verbose:
            sys.stderr.write("[%s] %s: %r\n" % (server.name, client_address, exc))
        return
    traceback.print_exc()


class TLSServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that does the TLS handshake in the connection's thread.

    Wrapping the listening socket instead would run handshakes in the accept
    loop, so one client that never finishes its handshake would block all others.
    """
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 drops SYNs when many clients
    # connect at once, which shows up as one-second stalls (SYN retries).
    request_queue_size = 1024

    def __init__(self, name, context, state):
        self.name = name
        self.context = context
        self.state = state
        super().__init__(("127.0.0.1", 0), DuoHandler)

    def finish_request(self, request, client_address):
        request.settimeout(10)  # bounds the handshake
        # Headers and body go out in separate writes; without NODELAY, Nagle
        # plus the client's delayed ACK adds 40 ms to every reused connection.
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError) as exc:
            # Expected whenever a client rejects our certificate.
            if self.state.options.verbose:
                sys.stderr.write("[%s] handshake failed: %r\n" % (self.name, exc))
            request.close()
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    handle_error = _quiet_error


class RawHandler(socketserver.BaseRequestHandler):
    """A plain TCP peer: whatever a TLS client sends, it gets plain HTTP back."""

    def handle(self):
        self.request.settimeout(2)
        try:
            self.request.recv(65536)
        except OSError:
            pass
        body = b"This port speaks plain TCP, not TLS.\n"
        self.request.sendall(
            b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))


class RawServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, state):
        self.name = "raw"
        self.state = state
        super().__init__(("127.0.0.1", 0), RawHandler)

    handle_error = _quiet_error


def tls_context(certs_dir, stem):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_alpn_protocols(["http/1.1"])
    ctx.load_cert_chain(os.path.join(certs_dir, stem + ".pem"),
                        os.path.join(certs_dir, stem + ".key"))
    return ctx


def parse_args(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description="Loopback HTTPS server imitating Duo.")
    p.add_argument("--certs", default=os.path.join(here, "..", "certs"),
                   help="directory of the certificates made by make_certs.sh")
    p.add_argument("--latency-ms", type=int, default=0,
                   help="delay every response (except ping) by this much")
    p.add_argument("--users", type=int, default=25,
                   help="size of the /admin/v1/users dataset")
    p.add_argument("--page-cap", type=int, default=0,
                   help="return at most this many items per page (0: no cap)")
    p.add_argument("--max-seconds", type=float, default=600,
                   help="exit by itself after this long")
    p.add_argument("--clock-offset", type=float, default=0,
                   help="seconds added to the server clock")
    p.add_argument("--verbose", action="store_true",
                   help="log requests and connection errors to stderr")
    return p.parse_args(argv)


def main(argv=None):
    options = parse_args(argv)
    state = State(options)

    def stop(signum, frame):
        state.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    servers = [TLSServer(name, tls_context(options.certs, CERT_FILES[name]), state)
               for name in LISTENERS]
    servers.append(RawServer(state))
    for srv in servers:
        threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1},
                         name="serve-" + srv.name, daemon=True).start()
    for srv in servers:
        print("PORT %s %d" % (srv.name, srv.server_address[1]))
    print("READY", flush=True)

    deadline = time.monotonic() + options.max_seconds
    # Short waits so the signal handler gets to run promptly.
    while not state.stopping.wait(0.2):
        if time.monotonic() >= deadline:
            break
    state.stopping.set()
    for srv in servers:
        srv.shutdown()
        srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
