#!/usr/bin/env python3
"""A loopback HTTPS server that imitates the Duo APIs, for duo-lua's tests.

Python 3 standard library only. Usage:

    python3 tests/server/duo_test_server.py --certs tests/certs \\
        [--latency-ms N] [--users N] [--page-cap N] [--max-seconds S] \\
        [--clock-offset S] [--facts FILE] [--children N] [--child-users N] \\
        [--log-page N] [--admin-log N] [--event-log N] [--child-bypass N] [--verbose]
        [--faults KIND=SHARE,... [--retry-after S] [--fault-seed N]]

It listens on 127.0.0.1, ephemeral ports, one listener per kind:

    good       TLS with certs/server.pem (localhost, 127.0.0.1; signed by ca.pem)
    wrongname  TLS with certs/wrongname.pem (other.example only)
    untrusted  TLS with certs/untrusted.pem (signed by unknown-ca.pem)
    expired    TLS with certs/expired.pem (signed by ca.pem, expired in 2001)
    raw        plain TCP: reads what the client sends (a TLS ClientHello,
               say) and answers with a plain-text HTTP 400, then closes
    hangup     plain TCP: reads what the client sends, then closes (a TLS
               handshake cut short)

    child<i>   one TLS listener per child account (certs/server.pem, like
               good); see "Child accounts" below

All TLS listeners serve the same routes and share one state. When every
listener is up it prints `PORT <name> <port>` for each, then `READY`. It exits
on SIGTERM/SIGINT, or by itself after --max-seconds (default 600).

Credentials (hard-coded; skeys are 40 characters):

    type      ikey                  skey
    admin     DIADMINTESTIKEY00001  adminsecretkey0000000000000000000000000a
    accounts  DIACCOUNTSTESTIKEY01  accountssecretkey00000000000000000000000
    auth      DIAUTHTESTIKEY000001  authsecretkey00000000000000000000000000x
    device    DIDEVICETESTIKEY0001  devicesecretkey000000000000000000000000d

Authentication (everything except GET /auth/v2/ping and /test/requests*),
checked in this order:

    40101  no Authorization header, or not Basic base64(ikey:sig)
    40102  unknown ikey, or the application type does not fit the path:
           /admin needs admin (or accounts with an account_id parameter),
           /accounts needs accounts, /auth needs auth, /device needs
           device, /test takes any
    40104  no Date header
    40103  the signature matches neither v5 nor v2 (see duo_signature.py); the
           canonical strings the server tried are kept in GET /test/requests
    40105  the Date is more than 300 s from the server clock (+ --clock-offset)

Duo API endpoints: every (verb, path) of the wire facts answers
(tests/data/endpoint_facts.json, made from the shared spec by
tests/data/convert_endpoints.py; --facts picks another file). Each request is
first checked against the facts (duo_facts.py): verb, percent-encoded path
parameters, parameters in the query for GET/DELETE and in a JSON body (and
an empty query) for POST/PUT, required parameters present, nothing unknown,
value formats. A mismatch is 400/40002 whose message_detail says exactly what
is wrong, e.g. "GET /admin/v1/users as get_user_by_email: missing required
parameter email". Then FACT_HANDLERS answers, or the generic handler:

    a list endpoint (offset paging)    3 items, 2 per page, each an echo
    logs v1                            []
    logs v2                            {"authlogs"|"items": [], "metadata": {}}
    Trust Monitor                      {"events": [], "metadata": {}}
    a logo (GET)                       a 1x1 PNG, Content-Type image/png
    anything else                      an echo: {"method" (the verb), "path",
                                       "template", "path_params" (decoded),
                                       "params" (as received), "host",
                                       "account_id", "listener", "matched"
                                       (the methods of the facts the request
                                       fits), "ikey", "app_type", "sig_version"}

FACT_HANDLERS (deterministic data; times relative to the server's start):

    GET  /auth/v2/ping                 unsigned; {"time": unix seconds}
    GET  /auth/v2/check                {"time": unix seconds}
    GET  /admin/v1/users               --users users (on a child's listener
                                       with its account_id: --child-users of
                                       that child), offset paging (limit <=
                                       300, default 100; at most --page-cap
                                       per page); filters username, email,
                                       username_list, user_id_list
    GET  /admin/v1/logs/administrator  --admin-log records, one per second,
                                       ascending, timestamp >= mintime, 1000
                                       per call at most
    GET  /admin/v2/logs/authentication --event-log records (one a minute
                                       before the start), in [mintime,
                                       maxtime], sort ts:desc|ts:asc, at most
                                       --log-page per page; next_offset
                                       ["<ms>", "<txid>"], sent back "ms,txid"
    GET  /admin/v2/logs/activity       the same times as items; next_offset
    GET  /admin/v2/logs/telephony      "<ms>,<offset>" (activity answers a
                                       null next_offset on its last page,
                                       telephony none)
    GET  /admin/v1/trust_monitor/events --event-log events, at most
                                       --log-page per page, opaque next_offset
    POST /accounts/v1/account/list     the child accounts
    POST /admin/v1/users/{user_id}/send_verification_push
                                       a child's user (with its phone_id):
                                       {"push_id"}
    GET  /admin/v1/users/{user_id}/verification_push_response
                                       "waiting" at the first check, then
                                       the i-th user approves (i % 3 == 0),
                                       denies (1) or never answers (2)
    GET|POST /admin/v1/settings        per account, kept while running (the
                                       second child's lockout_threshold
                                       drifts: 25)
    GET|PUT /admin/v2/policies/{policy_key}, GET /admin/v2/policies/global
                                       the account's global policy ("global"
                                       or its key); PUT merges "sections"
    POST /accounts/v1/account/create   name -> a new child with its listener
    POST /accounts/v1/account/delete   account_id
    GET|POST /admin/v1/billing/edition, /admin/v1/billing/telephony_credits
                                       per child, kept while running
                                       (ENTERPRISE and 0 at first); POST sets
                                       the edition (one of EDITIONS) or the
                                       credit total
    GET /admin/v1/info/summary         the account's admin_count and
                                       telephony_credits_remaining (of the
                                       two above), user_count, and what the
                                       server saw (as any endpoint answers)
    GET|POST /admin/v1/admins          per account, kept while running (none
                                       at first), offset paging; POST adds one
                                       (name, email), even with an email
                                       already there (tests count them)
    POST /admin/v1/bulk                at most BULK_MAX operations ({method,
                                       path, body}), each answered in order:
                                       {"index", "method", "path", "stat"}

Child accounts: --children N (default 3) children at start, account_id "DA"
+ 18 characters, names from CHILD_NAMES (near-duplicates on purpose),
api_hostname "127.0.0.1:<its listener's port>". Each child's users have one
activated phone that takes Duo Push, the even ones a last_login, and the
first --child-bypass of them are in bypass status. A request to /admin with
Accounts API credentials needs account_id (else 40102), and must arrive on
that child's listener: the Host header's port must be the child's port, else
403/40301 "account_id does not belong to this host" (an unknown account_id
too). Admin API credentials may be used on a child's listener directly
(sub-accounts with their own keys); account_id is then an unknown parameter.
The billing endpoints (child_only in the facts) take only Accounts API
credentials with an account_id (Admin API keys: 40102).

Test routes (see ROUTES below; every response is a Duo envelope unless noted):
    *    /test/echo                    what the server saw (method, path, host,
    *    /admin/v1/echo                query, parsed JSON body, content type,
    *    /accounts/v1/echo             user agent, signature version, ikey,
    *    /auth/v2/echo                 x-duo headers, the client's port)
    GET|POST /test/status/<code>       FAIL with that 5-digit code (HTTP status
                                       = first 3 digits); ?code_as_string=1
                                       sends the code as a JSON string
    GET  /test/ratelimit?key=K&times=N&retry_after=S
                                       429/42901 for the first N calls per key
                                       (Retry-After: S if given), then
                                       {"attempts": count}
    GET  /test/notjson                 502 with an HTML body
    GET  /test/badjson                 200 with truncated JSON
    GET  /test/reset[?key=K&times=N]   headers promising 100000 bytes, ~1000
                                       bytes, then a TCP reset (with key: only
                                       the first N calls per key, then
                                       {"attempts": count})
    GET  /test/redirect                302 to /test/echo on another listener
    GET  /test/gzipbomb?mb=N           N MiB (default 100) of zeros sent with
                                       Content-Encoding: gzip (~100 KB each)
    GET  /test/stall                   sends nothing; closes after 30 s, or
                                       sooner when the client goes away
    GET  /test/slow?ms=N               {"slept_ms": N} after N ms
    GET  /test/requests                unsigned; the last 200 requests seen:
                                       time, listener, method, path, query,
                                       host, account_id, params (as received,
                                       long values cut), matched, status,
                                       code, detail (message_detail), ...
    POST /test/requests/clear          unsigned; forgets them
    GET  /test/children                unsigned; the children with their ports
    POST /test/children/<id>/move      unsigned; the child gets a new listener
                                       (its old port no longer serves it)
    POST /test/children/<id>/fail      unsigned; code=N (query or JSON body,
                                       default 50001): every request for that
                                       child fails with Duo code N (0: stop)

Unknown paths answer 404/40401, known paths with another verb 405/40501.
--latency-ms delays every response except ping and /test/requests*.
--faults 429=0.30,500=0.05,503=0.05,cut=0.05 answers that share of the
requests to Duo endpoints (not /test routes) with the fault instead: 429
(with --retry-after S: Retry-After: S), 500/502/503/504 (Duo code N01), or
cut (GETs only: headers, part of the body, then a TCP reset). The choice
depends on --fault-seed, the request and how often that same request was
seen, so a run is reproducible; the log of /test/requests has "fault".
--clock-offset shifts the server's clock (ping, check and the 300 s window)
so that a client's clock-skew correction can be tested on one machine.

To answer a Duo endpoint specially: write `def handle_x(req) -> Response` and
add it to FACT_HANDLERS under the endpoint's (verb, path template); the request
has been checked against the facts by then (req.params, req.path_params,
req.matched, req.child). Other routes go in ROUTES. Return ok(...) or
fail(...), or raise DuoError.
"""

import argparse
import base64
import collections
import hashlib
import json
import os
import random
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
import uuid
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# duo_signature is a sibling file, not an installed module; importing it must
# not leave a __pycache__ in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import duo_facts  # noqa: E402
import duo_signature  # noqa: E402

# --------------------------------------------------------------------------
# Credentials

ADMIN_IKEY = "DIADMINTESTIKEY00001"
ADMIN_SKEY = "adminsecretkey0000000000000000000000000a"
ACCOUNTS_IKEY = "DIACCOUNTSTESTIKEY01"
ACCOUNTS_SKEY = "accountssecretkey00000000000000000000000"
AUTH_IKEY = "DIAUTHTESTIKEY000001"
AUTH_SKEY = "authsecretkey00000000000000000000000000x"
DEVICE_IKEY = "DIDEVICETESTIKEY0001"
DEVICE_SKEY = "devicesecretkey000000000000000000000000d"

# ikey -> (skey, application type)
CREDENTIALS = {
    ADMIN_IKEY: (ADMIN_SKEY, "admin"),
    ACCOUNTS_IKEY: (ACCOUNTS_SKEY, "accounts"),
    AUTH_IKEY: (AUTH_SKEY, "auth"),
    DEVICE_IKEY: (DEVICE_SKEY, "device"),
}
assert all(len(skey) == 40 for skey, _ in CREDENTIALS.values())

MAX_SKEW_SECONDS = 300
REQUEST_LOG_SIZE = 200
USERS_MAX_LIMIT = 300
USERS_DEFAULT_LIMIT = 100
DEFAULT_FACTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data",
                             "endpoint_facts.json")
GENERIC_TOTAL = 3       # items of a generic list endpoint
GENERIC_PAGE = 2        # at most this many per page
LOG_V1_MAX = 1000       # logs v1: records per call
LOGS_V2_MAX_LIMIT = 1000
LOG_DEFAULT_LIMIT = 100
TRUST_MONITOR_DEFAULT_LIMIT = 50
# Child account names: near-duplicates on purpose (name drift between
# systems is what makes "by exact name" lookups fail in real life).
CHILD_NAMES = ("Acme Corp", "Acme Corporation", "Globex", "Globex Corp.", "Initech",
               "Initech, Inc.", "Umbrella Health", "Umbrella")
LOG_VALUE_MAX = 120     # request log: longer values are cut
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
    resp.detail = detail
    return resp


class InjectedFault(Exception):
    """Raised to answer a request with a fault of --faults."""

    def __init__(self, fault):
        super().__init__(fault)
        self.fault = fault


class DuoError(Exception):
    """Raise from a handler to answer with a FAIL envelope."""

    def __init__(self, code, message, detail=None, headers=None):
        super().__init__(message)
        self.response = fail(code, message, detail, headers)


def bad_param(name):
    return DuoError(40002, "Invalid request parameters", name)


# --------------------------------------------------------------------------
# Shared state

class Child:
    """A child account: its id, name, and the listener that serves it."""

    def __init__(self, account_id, name, server, users):
        self.account_id = account_id
        self.name = name
        self.server = server
        self.users = users
        self.fail_code = None
        self.status = {}   # user_id -> status set by POST /admin/v1/users/{user_id}

    @property
    def port(self):
        return self.server.server_address[1]

    @property
    def api_hostname(self):
        return "127.0.0.1:%d" % self.port

    def record(self):
        return {"account_id": self.account_id, "name": self.name,
                "api_hostname": self.api_hostname}


class State:
    def __init__(self, options):
        self.options = options
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.request_log = collections.deque(maxlen=REQUEST_LOG_SIZE)
        self.rate_counts = collections.Counter()
        self.facts = duo_facts.Facts(options.facts)
        self.start = time.time()
        self.servers = []                        # every listener, for shutdown
        self.children = collections.OrderedDict()  # account_id -> Child
        self.child_serial = 0
        self.child_context = None                # TLS context of child listeners
        self.pushes = {}                         # push_id -> verification push
        self.push_serial = 0
        self.settings = {}                       # account_id ("" parent) -> settings
        self.policies = {}                       # account_id ("" parent) -> global policy
        self.billing = {}                        # account_id -> {"edition", "credits"}
        self.admins = {}                         # account_id ("" parent) -> [admin]
        self.admin_serial = 0
        self.faults = parse_faults(options.faults)
        self.fault_seen = collections.Counter()  # request key -> times seen
        self.fault_counts = collections.Counter()  # fault -> times injected

    def pick_fault(self, req):
        """The fault injected into this request, or None.

        Decided by --fault-seed, the request (verb, path, query, body) and how
        many times that same request came before, so a run is reproducible
        whatever order concurrent requests arrive in."""
        if not self.faults:
            return None
        key = "%s %s?%s %s" % (req.method, req.path, req.query_string,
                               req.body.decode("utf-8", "replace"))
        with self.lock:
            self.fault_seen[key] += 1
            nth = self.fault_seen[key]
        draw = random.Random("%s|%s|%d" % (self.options.fault_seed, key, nth)).random()
        for fault, share in self.faults:
            if draw < share:
                if fault == "cut" and req.method != "GET":
                    return None
                with self.lock:
                    self.fault_counts[fault] += 1
                return fault
            draw -= share
        return None

    def add_server(self, srv):
        """Start serving on srv (in its own thread) and remember it."""
        with self.lock:
            self.servers.append(srv)
        threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1},
                         name="serve-" + srv.name, daemon=True).start()

    def port_of(self, name):
        """The port of the listener called name."""
        with self.lock:
            return next(srv.server_address[1] for srv in self.servers if srv.name == name)

    def new_child_listener(self):
        with self.lock:
            index = len([s for s in self.servers if s.name.startswith("child")])
        srv = TLSServer("child%d" % index, self.child_context, self)
        self.add_server(srv)
        return srv

    def create_child(self, name):
        """A new child account with its own listener."""
        with self.lock:
            serial = self.child_serial
            self.child_serial += 1
        digest = hashlib.sha256(b"duo-lua test child %d" % serial).digest()
        account_id = "DA" + base64.b32encode(digest).decode("ascii")[:18]
        child = Child(account_id, name, self.new_child_listener(), self.options.child_users)
        child.server.account_id = account_id
        with self.lock:
            self.children[account_id] = child
        return child

    def move_child(self, child):
        """Serve child from a new listener; the old one no longer serves it."""
        old = child.server
        child.server = self.new_child_listener()
        child.server.account_id = child.account_id
        old.account_id = None
        return child

    def child_of_listener(self, srv):
        account_id = getattr(srv, "account_id", None)
        return self.children.get(account_id) if account_id else None

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
    # filled by check_endpoint for Duo endpoints of the facts
    endpoint: object = None       # duo_facts.Endpoint
    params: dict = None           # as received (query or JSON body)
    location: str = None          # "query" | "json" | "form"
    path_params: dict = None      # decoded
    matched: list = None          # names of the facts the request fits
    child: object = None          # the Child an account_id names

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
    if path.startswith("/device/"):
        return {"device"}
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
# Duo endpoints: the facts, child accounts

def check_endpoint(req, ep):
    """Check a request to a Duo endpoint against the facts and the child
    accounts; fills req.params, req.location, req.path_params, req.matched
    and req.child, or raises DuoError."""
    state = req.state
    req.endpoint = ep
    try:
        req.path_params = duo_facts.Facts.decode_path_args(req.path_args)
        req.location, req.params = duo_facts.Facts.received(
            ep, req.method, req.query_string, req.body, req.media_type)
    except duo_facts.Problem as problem:
        raise DuoError(40002, "Invalid request parameters", str(problem))
    if all(f.child_only for f in ep.facts) and req.app_type != "accounts":
        raise DuoError(40102, "Invalid integration key",
                       "%s %s needs the parent's Accounts API credentials on a child account "
                       "(with account_id)" % (ep.verb, ep.path))
    if req.app_type == "accounts" and ep.path.startswith("/admin/"):
        account_id = req.params.get("account_id")
        if not isinstance(account_id, str):
            raise DuoError(40002, "Invalid request parameters",
                           "account_id must be one string, got %r" % (account_id,))
        child = state.children.get(account_id)
        host = req.headers.get("Host", "")
        if child is None:
            raise DuoError(40301, "Access forbidden",
                           "account_id does not belong to this host: there is no child account %s"
                           % account_id)
        if host.rpartition(":")[2] != str(child.port):
            raise DuoError(40301, "Access forbidden",
                           "account_id does not belong to this host: %s is served at %s, not at %s"
                           % (account_id, child.api_hostname, host))
        req.child = child
    try:
        req.matched = state.facts.check(ep, req.params, req.app_type, req.location)
    except duo_facts.Problem as problem:
        raise DuoError(40002, "Invalid request parameters", str(problem))
    if req.child is not None and req.child.fail_code:
        raise DuoError(req.child.fail_code, "Simulated failure",
                       "child account %s is set to fail (/test/children/<id>/fail)"
                       % req.child.account_id)


def _loggable(params):
    """params for the request log: long strings cut."""
    def cut(v):
        if isinstance(v, str) and len(v) > LOG_VALUE_MAX:
            return v[:LOG_VALUE_MAX] + "...(%d chars)" % len(v)
        if isinstance(v, list):
            return [cut(x) for x in v]
        if isinstance(v, dict):
            return {k: cut(x) for k, x in v.items()}
        return v
    return {k: cut(v) for k, v in params.items()}


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


def _user_record_seeded(seed, i, bypass=0):
    """The i-th user of a child: one activated phone that takes Duo Push;
    the first `bypass` users (--child-bypass) in bypass status."""
    digest = hashlib.sha256(b"duo-lua test user %s %d" % (seed.encode(), i)).digest()
    suffix = base64.b32encode(digest).decode("ascii")[:18]
    return {
        "user_id": "DU" + suffix,
        "username": "%s-user%02d" % (seed.lower(), i),
        "email": "user%02d@%s.example.com" % (i, seed.lower()),
        "realname": "Child User %02d" % i,
        "status": "bypass" if i < bypass else "active",
        "is_enrolled": True,
        "phones": [{"phone_id": "DP" + suffix, "number": "+1555010%04d" % i, "type": "Mobile",
                    "platform": "Apple iOS", "activated": True,
                    "capabilities": ["auto", "push", "sms", "phone", "mobile_otp"]}],
        "created": 1700000000 + i,
        "last_login": 1700003600 + i if i % 2 == 0 else None,
    }


def _json_list_param(req, name):
    raw = req.one_param(name)
    if raw is None:
        return None
    try:
        values = json.loads(raw)
    except ValueError:
        raise bad_param(name)
    if not isinstance(values, list):
        raise bad_param(name)
    return set(values)


def handle_users(req):
    child = req.child or req.state.child_of_listener(req.handler.server)
    if child is not None:
        total = child.users
        record = lambda i: _with_status(child, _user_record_seeded(child.account_id, i,  # noqa: E731
                                                                  req.state.options.child_bypass))
    else:
        total = req.state.options.users
        record = user_record
    limit = req.int_param("limit", USERS_DEFAULT_LIMIT, 1, USERS_MAX_LIMIT)
    offset = req.int_param("offset", 0, 0, 10 ** 9)
    username = req.one_param("username")
    email = req.one_param("email")
    names = _json_list_param(req, "username_list")
    ids = _json_list_param(req, "user_id_list")
    if username is not None or email is not None or names is not None or ids is not None:
        # a filtered listing: scan the dataset
        def keep(u):
            return ((username is None or u["username"] == username)
                    and (email is None or u["email"] == email)
                    and (names is None or u["username"] in names)
                    and (ids is None or u["user_id"] in ids))
        selected = [u for u in (record(i) for i in range(total)) if keep(u)]
        total = len(selected)
        record = selected.__getitem__
    count = limit
    if req.state.options.page_cap:
        count = min(count, req.state.options.page_cap)
    end = min(offset + count, total)
    users = [record(i) for i in range(offset, end)]
    metadata = {"total_objects": total}
    if end < total:
        metadata["next_offset"] = end
    if offset > 0:
        metadata["prev_offset"] = max(0, offset - limit)
    return ok(users, metadata)


def echo(req):
    """What the server saw of a Duo endpoint request (after check_endpoint)."""
    params = req.params if isinstance(req.params, dict) else {}
    return {
        "method": req.method,
        "path": req.path,
        "template": req.endpoint.path if req.endpoint else None,
        "path_params": req.path_params or {},
        "params": req.params,
        "location": req.location,
        "host": req.headers.get("Host"),
        "account_id": (params.get("account_id") if req.app_type == "accounts"
                       and req.path.startswith("/admin/") else None),
        "listener": req.handler.server.name,
        "matched": req.matched,
        "ikey": req.ikey,
        "app_type": req.app_type,
        "sig_version": req.sig_version,
    }


def _png_1x1():
    """The smallest valid PNG: one transparent pixel."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x00\x00\x00\x00"))
            + chunk(b"IEND", b""))


PNG_1X1 = _png_1x1()


def _paging_int(req, name, default, lo, hi):
    """An integer paging parameter (query), with a readable 40002."""
    raw = req.params.get(name) if isinstance(req.params, dict) else None
    if raw is None:
        return default
    if not isinstance(raw, str) or not re.fullmatch(r"[0-9]+", raw) or not lo <= int(raw) <= hi:
        raise DuoError(40002, "Invalid request parameters",
                       "%s: %r is not an integer in %d..%d" % (name, raw, lo, hi))
    return int(raw)


def handle_generic(req):
    """Any endpoint of the facts without a handler of its own."""
    fact = next(f for f in req.endpoint.facts if f.name in req.matched)
    if fact.response == "png" and req.method == "GET":
        return Response(200, PNG_1X1, content_type="image/png")
    if fact.paging in ("offset", "page-or-all"):
        limit = _paging_int(req, "limit", 100, 1, getattr(fact, "max_limit", 500))
        offset = _paging_int(req, "offset", 0, 0, 10 ** 9)
        end = min(offset + min(limit, GENERIC_PAGE), GENERIC_TOTAL)
        items = [dict(echo(req), item=i) for i in range(offset, end)]
        metadata = {"total_objects": GENERIC_TOTAL}
        if end < GENERIC_TOTAL:
            metadata["next_offset"] = end
        return ok(items, metadata)
    if fact.paging == "logs-v1":
        return ok([])
    if fact.paging == "logs-v2":
        key = "authlogs" if fact.path.endswith("/authentication") else "items"
        return ok({key: [], "metadata": {}})
    if fact.paging == "cursor":
        return ok({"events": [], "metadata": {}})
    return ok(echo(req))


# Deterministic event data: record i happened (i + 1) minutes before the
# server started, 437 ms into its second; the newest first.

def _event_times(req):
    start_ms = int(req.state.start) * 1000 + 437
    return [start_ms - (i + 1) * 60000 for i in range(req.state.options.event_log)]


def _iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03d+00:00" % (ms % 1000)


def _window(req):
    """mintime, maxtime (ms) of a v2 log request; the facts checked the format."""
    mintime = int(req.params["mintime"])
    maxtime = req.params.get("maxtime")
    maxtime = int(maxtime) if maxtime is not None else int(req.state.now() * 1000)
    if mintime >= maxtime:
        raise DuoError(40002, "Invalid request parameters",
                       "mintime: %d is not before maxtime %d" % (mintime, maxtime))
    if mintime < (req.state.now() - 180 * 86400) * 1000 - 60000:
        raise DuoError(40002, "Invalid request parameters",
                       "mintime: more than 180 days ago (logs are kept 180 days)")
    return mintime, maxtime


def _sorted_events(req, records, key):
    sort = req.params.get("sort", "ts:desc")
    return sorted(records, key=key, reverse=(sort == "ts:desc"))


def _page_size(req, default):
    limit = _paging_int(req, "limit", default, 1, LOGS_V2_MAX_LIMIT)
    return min(limit, req.state.options.log_page or limit)


def handle_authlog_v2(req):
    mintime, maxtime = _window(req)
    records = []
    for i, ts in enumerate(_event_times(req)):
        if mintime <= ts <= maxtime:
            records.append({
                "txid": str(uuid.uuid5(uuid.NAMESPACE_URL, "duo-lua authlog %d" % i)),
                "timestamp": ts // 1000,
                "isotimestamp": _iso(ts),
                "event_type": "authentication",
                "result": "success",
                "reason": "user_approved",
                "factor": "duo_push",
                "user": {"key": user_record(i)["user_id"], "name": "user%05d" % i},
                "application": {"key": "DIAPPLICATION0000001", "name": "VPN"},
                "_ts": ts,
            })
    records = _sorted_events(req, records, key=lambda r: (r["_ts"], r["txid"]))
    start = 0
    cursor = req.params.get("next_offset")
    if cursor is not None:
        parts = cursor.split(",")
        pos = [k for k, r in enumerate(records)
               if len(parts) == 2 and parts[0] == str(r["_ts"]) and parts[1] == r["txid"]]
        if not pos:
            raise DuoError(40002, "Invalid request parameters",
                           "next_offset: %r is not the <ms>,<txid> of a record" % cursor)
        start = pos[0] + 1
    size = _page_size(req, LOG_DEFAULT_LIMIT)
    page = records[start:start + size]
    metadata = {"total_objects": len(records)}
    if start + size < len(records):
        last = page[-1]
        metadata["next_offset"] = [str(last["_ts"]), last["txid"]]
    for r in page:
        del r["_ts"]
    return ok({"authlogs": page, "metadata": metadata})


def _handle_items_log(req, kind):
    mintime, maxtime = _window(req)
    records = []
    for i, ts in enumerate(_event_times(req)):
        if mintime <= ts <= maxtime:
            if kind == "activity":
                r = {"activity_id": str(uuid.uuid5(uuid.NAMESPACE_URL, "duo-lua activity %d" % i)),
                     "ts": _iso(ts), "action": "admin_login",
                     "actor": {"key": "DEADMIN0000000000001", "name": "Admin One", "type": "admin"}}
            else:
                r = {"telephony_id": str(uuid.uuid5(uuid.NAMESPACE_URL, "duo-lua telephony %d" % i)),
                     "ts": _iso(ts), "txid": str(uuid.uuid5(uuid.NAMESPACE_URL, "duo-lua tx %d" % i)),
                     "type": "sms", "context": "authentication", "credits": 1,
                     "phone": "+4915112345%03d" % i}
            records.append((ts, r))
    records = _sorted_events(req, records, key=lambda tr: tr[0])
    start = 0
    cursor = req.params.get("next_offset")
    if cursor is not None:
        m = re.fullmatch(r"([0-9]+),([0-9]+)", cursor)
        if not m or int(m.group(2)) > len(records) or (
                int(m.group(2)) > 0 and str(records[int(m.group(2)) - 1][0]) != m.group(1)):
            raise DuoError(40002, "Invalid request parameters",
                           "next_offset: %r is not a <ms>,<offset> cursor of this listing" % cursor)
        start = int(m.group(2))
    size = _page_size(req, LOG_DEFAULT_LIMIT)
    page = records[start:start + size]
    end = start + len(page)
    metadata = {"total_objects": {"relation": "eq", "value": len(records)}}
    if end < len(records):
        metadata["next_offset"] = "%d,%d" % (page[-1][0], end)
    elif kind == "activity":
        metadata["next_offset"] = None
    return ok({"items": [r for _, r in page], "metadata": metadata})


def handle_activity_log(req):
    return _handle_items_log(req, "activity")


def handle_telephony_log_v2(req):
    return _handle_items_log(req, "telephony")


def handle_admin_log(req):
    """Logs v1: records one second apart, ending 10 s before the start."""
    mintime = _int_value(req, "mintime")
    n = req.state.options.admin_log
    base = int(req.state.start) - n - 10
    first = max(0, mintime - base)
    records = [{"timestamp": base + i, "username": "admin%d" % (i % 3),
                "action": "user_update", "object": "user%05d" % i,
                "description": json.dumps({"status": "active"})}
               for i in range(first, min(n, first + LOG_V1_MAX))]
    return ok(records)


def _int_value(req, name):
    raw = req.params.get(name)
    if not isinstance(raw, str) or not re.fullmatch(r"[0-9]+", raw):
        raise DuoError(40002, "Invalid request parameters", "%s: %r is not an integer" % (name, raw))
    return int(raw)


def handle_trust_monitor(req):
    mintime = _int_value(req, "mintime")
    maxtime = _int_value(req, "maxtime")
    wanted = req.params.get("type")
    events = []
    for i, ts in enumerate(_event_times(req)):
        kind = ("auth", "bypass_status", "device_registration")[i % 3]
        if mintime <= ts <= maxtime and (wanted is None or wanted == kind):
            events.append({"txid": str(uuid.uuid5(uuid.NAMESPACE_URL, "duo-lua tm %d" % i)),
                           "type": kind, "surfaced_timestamp": ts, "state": "new",
                           "priority_score": 90 - i})
    start = 0
    cursor = req.params.get("offset")
    if cursor is not None:
        try:
            start = int(json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())["after"])
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise DuoError(40002, "Invalid request parameters",
                           "offset: %r is not a next_offset this server gave" % cursor)
    limit = _paging_int(req, "limit", TRUST_MONITOR_DEFAULT_LIMIT, 1, 500)
    size = min(limit, req.state.options.log_page or limit)
    page = events[start:start + size]
    metadata = {}
    if start + size < len(events):
        metadata["next_offset"] = base64.urlsafe_b64encode(
            json.dumps({"after": start + size}).encode()).decode()
    return ok({"events": page, "metadata": metadata})


# Verification pushes: the i-th user of a child approves (i % 3 == 0),
# denies (1) or never answers (2); the first check of a push is "waiting".

# Requests for other users, pushes or policies get the generic answer
# (an echo), as every endpoint does.

def _child_user_index(req, user_id):
    child = req.child or req.state.child_of_listener(req.handler.server)
    if child is None:
        return None, None
    for i in range(child.users):
        if _user_record_seeded(child.account_id, i)["user_id"] == user_id:
            return child, i
    return None, None


def _with_status(child, user):
    """A child's user with the status a POST gave it, if any."""
    status = child.status.get(user["user_id"])
    if status is not None:
        user["status"] = status
    return user


def handle_user_update(req):
    """POST /admin/v1/users/{user_id} on a child: the status it sets is kept
    (the user's other fields are generated), so a later listing shows it."""
    user_id = req.path_params["user_id"]
    child, i = _child_user_index(req, user_id)
    status = req.params.get("status")
    if child is None or status is None:
        return handle_generic(req)   # the echo other tests read
    if status not in ("active", "bypass", "disabled"):
        raise DuoError(40002, "Invalid request parameters", "status: active, bypass or disabled")
    with req.state.lock:
        child.status[user_id] = status
    return ok(_with_status(child, _user_record_seeded(child.account_id, i, req.state.options.child_bypass)))


def handle_send_verification_push(req):
    user_id = req.path_params["user_id"]
    child, i = _child_user_index(req, user_id)
    if child is None:
        return handle_generic(req)
    phone = _user_record_seeded(child.account_id, i)["phones"][0]["phone_id"]
    if req.params.get("phone_id") != phone:
        raise DuoError(40002, "Invalid request parameters", "phone_id: not a phone of this user")
    with req.state.lock:
        req.state.push_serial += 1
        push_id = "push-%06d" % req.state.push_serial
        req.state.pushes[push_id] = {"user_id": user_id, "index": i, "checks": 0}
    return ok({"push_id": push_id})


def handle_verification_push_response(req):
    push_id = req.params.get("push_id")
    checks = 0
    with req.state.lock:
        push = req.state.pushes.get(push_id)
        if push is not None and push["user_id"] == req.path_params["user_id"]:
            push["checks"] += 1
            checks = push["checks"]
    if checks == 0:
        return handle_generic(req)
    result = "waiting"
    if checks > 1:
        result = ("approve", "deny", "waiting")[push["index"] % 3]
    return ok({"push_id": push_id, "result": result})


# Settings and the global policy of each account (the parent: ""), kept
# while the server runs; POST/PUT change them.

DEFAULT_SETTINGS = {"lockout_threshold": 10, "minimum_password_length": 12, "helpdesk_bypass": "allow",
                    "sms_batch": 1, "fraud_email_enabled": False, "inactive_user_expiration": 0,
                    "name": ""}


def _account_key(req):
    child = req.child or req.state.child_of_listener(req.handler.server)
    return child.account_id if child is not None else ""


def _settings_of(req):
    key = _account_key(req)
    with req.state.lock:
        if key not in req.state.settings:
            s = dict(DEFAULT_SETTINGS)
            # the second child drifts: a looser lockout
            ids = list(req.state.children)
            if len(ids) > 1 and key == ids[1]:
                s["lockout_threshold"] = 25
            req.state.settings[key] = s
        return req.state.settings[key]


def _coerce(old, value):
    if isinstance(old, bool):
        return value in (True, 1, "1", "true", "True")
    if isinstance(old, int) and not isinstance(value, bool):
        try:
            return int(value)
        except (TypeError, ValueError):
            raise DuoError(40002, "Invalid request parameters", "%r is not a whole number" % (value,))
    return value


def handle_settings(req):
    s = _settings_of(req)
    if req.method == "POST":
        with req.state.lock:
            for k, v in (req.params or {}).items():
                if k != "account_id":
                    s[k] = _coerce(s.get(k), v)
    return ok(s)


def _policy_of(req):
    key = _account_key(req)
    with req.state.lock:
        if key not in req.state.policies:
            req.state.policies[key] = {
                "policy_key": "POGLOBAL" + (key[2:12] if key else "PARENT0000"),
                "policy_name": "Global Policy", "is_global_policy": True,
                "sections": {"authentication_methods": {"blocked_auth_list": ["sms"],
                                                        "require_verified_push": True}}}
        return req.state.policies[key]


def handle_policy(req):
    p = _policy_of(req)
    key = (req.path_params or {}).get("policy_key", "global")
    if key not in ("global", p["policy_key"]):
        return handle_generic(req)
    if req.method == "PUT":
        body = req.params if isinstance(req.params, dict) else {}
        with req.state.lock:
            for name, section in (body.get("sections") or {}).items():
                p["sections"][name] = section
            if "policy_name" in body:
                p["policy_name"] = body["policy_name"]
    return ok(p)


# Billing of a child and administrators of each account, kept while the
# server runs; POST changes them.

EDITIONS = ("ENTERPRISE", "PLATFORM", "BEYOND", "ESSENTIALS", "ADVANTAGE", "PREMIER")


def _billing_of(req):
    key = _account_key(req)
    with req.state.lock:
        return req.state.billing.setdefault(key, {"edition": "ENTERPRISE", "credits": 0})


def handle_edition(req):
    b = _billing_of(req)
    if req.method == "POST":
        edition = req.params.get("edition")
        if edition not in EDITIONS:
            raise bad_param("edition")
        with req.state.lock:
            b["edition"] = edition
        return ok("")
    return ok({"edition": b["edition"]})


def handle_telephony_credits(req):
    b = _billing_of(req)
    if req.method == "POST":
        raw = str(req.params.get("credits"))
        if not re.fullmatch(r"[0-9]{1,9}", raw):
            raise bad_param("credits")
        with req.state.lock:
            b["credits"] = int(raw)
    return ok({"credits": b["credits"]})


def handle_info_summary(req):
    key = _account_key(req)
    child = req.child or req.state.child_of_listener(req.handler.server)
    credits = _billing_of(req)["credits"]
    with req.state.lock:
        admins = len(req.state.admins.get(key, []))
        pending = sum(1 for v in child.status.values() if v == "pending deletion") if child is not None else 0
    users = child.users if child is not None else req.state.options.users
    return ok(dict(echo(req), admin_count=admins, integration_count=0, telephony_credits_remaining=credits,
                   user_count=users, user_pending_deletion_count=pending))


def handle_admins(req):
    key = _account_key(req)
    with req.state.lock:
        admins = req.state.admins.setdefault(key, [])
        if req.method == "POST":
            name, email = req.params.get("name"), req.params.get("email")
            if not isinstance(name, str) or not name.strip():
                raise bad_param("name")
            if not isinstance(email, str) or "@" not in email:
                raise bad_param("email")
            req.state.admin_serial += 1
            admin = {"admin_id": "DE%018d" % req.state.admin_serial, "name": name, "email": email,
                     "role": req.params.get("role") or "Owner", "status": "Pending Activation",
                     "last_login": None}
            admins.append(admin)
            return ok(admin)
        listed = list(admins)
    limit = _paging_int(req, "limit", 100, 1, 500)
    offset = _paging_int(req, "offset", 0, 0, 10 ** 9)
    page = listed[offset:offset + limit]
    metadata = {"total_objects": len(listed)}
    if offset + limit < len(listed):
        metadata["next_offset"] = offset + limit
    return ok(page, metadata)


def handle_account_list(req):
    with req.state.lock:
        children = list(req.state.children.values())
    return ok([c.record() for c in children])


def handle_account_create(req):
    name = req.params["name"]
    if not isinstance(name, str) or not name.strip():
        raise bad_param("name")
    return ok(req.state.create_child(name).record())


def handle_account_delete(req):
    account_id = req.params["account_id"]
    with req.state.lock:
        child = req.state.children.pop(account_id, None)
    if child is None:
        raise DuoError(40401, "Resource not found", "no child account %s" % account_id)
    child.server.account_id = None
    return ok("")


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
    """Promise 100000 bytes, send about 1000, then reset the TCP connection.

    With key=K and times=N only the first N calls of key K are cut; later
    ones answer {"attempts": count}."""
    key = req.one_param("key")
    if key is not None:
        times = req.int_param("times", 1, 0, 10 ** 6)
        with req.state.lock:
            req.state.rate_counts["reset " + key] += 1
            attempts = req.state.rate_counts["reset " + key]
        if attempts > times:
            return ok({"attempts": attempts})
    cut_connection(req)
    return RawDone(200)


FAULT_KINDS = ("429", "500", "502", "503", "504", "cut")


def parse_faults(text):
    """ "429=0.30,500=0.05,cut=0.05" -> [("429", 0.3), ("500", 0.05), ("cut", 0.05)]"""
    faults = []
    for part in filter(None, (text or "").split(",")):
        name, _, share = part.partition("=")
        if name not in FAULT_KINDS:
            raise SystemExit("--faults: unknown fault %r (known: %s)" % (name, ", ".join(FAULT_KINDS)))
        try:
            value = float(share)
        except ValueError:
            raise SystemExit("--faults: %s needs a share between 0 and 1, like %s=0.05" % (name, name))
        if not 0 <= value <= 1:
            raise SystemExit("--faults: the share of %s must be between 0 and 1" % name)
        faults.append((name, value))
    if sum(v for _, v in faults) > 1:
        raise SystemExit("--faults: the shares add up to more than 1")
    return faults


def fault_response(req, fault):
    """The answer of an injected fault."""
    if fault == "cut":
        cut_connection(req)
        return RawDone(200)
    if fault == "429":
        retry_after = req.state.options.retry_after
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        return fail(42901, "Too Many Requests", "injected fault", headers=headers)
    return fail(int(fault) * 100 + 1, "Injected fault", "injected HTTP %s" % fault)


def cut_connection(req):
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


def handle_redirect(req):
    """302 to /test/echo on the wrongname listener (any other place will do)."""
    port = req.state.port_of("wrongname")
    return Response(302, b"", content_type="text/plain",
                    headers={"Location": "https://127.0.0.1:%d/test/echo" % port})


_BOMBS = {}


def handle_gzipbomb(req):
    """mb MiB of zeros, gzip-compressed (a few hundred KB on the wire)."""
    mb = req.int_param("mb", 100, 1, 1024)
    with req.state.lock:
        data = _BOMBS.get(mb)
        if data is None:
            packer = zlib.compressobj(9, zlib.DEFLATED, 31)
            chunk = bytes(1 << 20)
            data = b"".join(packer.compress(chunk) for _ in range(mb)) + packer.flush()
            _BOMBS[mb] = data
    return Response(200, data, headers={"Content-Encoding": "gzip"})


def handle_stall(req):
    """Send nothing; close after 30 s, when the client disconnects, or on shutdown."""
    conn = req.handler.connection
    deadline = time.monotonic() + 30
    print("STALLED", flush=True)   # the signal tests wait for instead of sleeping
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


def _child_of_path(req):
    child = req.state.children.get(req.path_args["account_id"])
    if child is None:
        raise DuoError(40401, "Resource not found", "no child account %s" % req.path_args["account_id"])
    return child


def _child_info(child):
    return dict(child.record(), port=child.port, listener=child.server.name,
                fail_code=child.fail_code)


def handle_children(req):
    with req.state.lock:
        children = list(req.state.children.values())
    return ok([_child_info(c) for c in children])


def handle_child_move(req):
    return ok(_child_info(req.state.move_child(_child_of_path(req))))


def handle_child_fail(req):
    child = _child_of_path(req)
    body = req.json_body()
    if isinstance(body, dict) and "code" in body:
        code = body["code"]
        if not isinstance(code, int) or not 0 <= code <= 59999:
            raise bad_param("code")
    else:
        code = req.int_param("code", 50001, 0, 59999)
    child.fail_code = code or None
    return ok(_child_info(child))


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
    ("GET", "/test/status/<code>"): Route(handle_status),
    ("POST", "/test/status/<code>"): Route(handle_status),
    ("GET", "/test/ratelimit"): Route(handle_ratelimit),
    ("GET", "/test/notjson"): Route(handle_notjson),
    ("GET", "/test/badjson"): Route(handle_badjson),
    ("GET", "/test/reset"): Route(handle_reset),
    ("GET", "/test/stall"): Route(handle_stall),
    ("GET", "/test/redirect"): Route(handle_redirect),
    ("GET", "/test/gzipbomb"): Route(handle_gzipbomb),
    ("GET", "/test/slow"): Route(handle_slow),
    ("GET", "/test/requests"): Route(handle_requests, signed=False,
                                     delayed=False, logged=False),
    ("POST", "/test/requests/clear"): Route(handle_requests_clear, signed=False,
                                            delayed=False, logged=False),
    ("GET", "/test/children"): Route(handle_children, signed=False, delayed=False, logged=False),
    ("POST", "/test/children/<account_id>/move"): Route(handle_child_move, signed=False,
                                                        delayed=False, logged=False),
    ("POST", "/test/children/<account_id>/fail"): Route(handle_child_fail, signed=False,
                                                        delayed=False, logged=False),
}

BULK_MAX = 50   # operations per bulk request


def handle_bulk(req):
    """POST /admin/v1/bulk: one result per operation, in order."""
    ops = json.loads(req.params["operations"])
    if len(ops) > BULK_MAX:
        raise DuoError(40002, "Invalid request parameters",
                       "operations: %d operations, at most %d per request" % (len(ops), BULK_MAX))
    out = []
    for i, op in enumerate(ops):
        if (not isinstance(op, dict) or set(op) - {"method", "path", "body"}
                or op.get("method") not in ("GET", "POST", "PUT", "DELETE")
                or not str(op.get("path", "")).startswith("/admin/")):
            raise DuoError(40002, "Invalid request parameters", "operations[%d]: %r" % (i, op))
        out.append({"index": i, "method": op["method"], "path": op["path"], "stat": "OK"})
    return ok(out)


# Duo endpoints (verb, path template of the facts) with answers of their own;
# every other endpoint of the facts gets handle_generic.
FACT_HANDLERS = {
    ("GET", "/auth/v2/ping"): handle_time,
    ("GET", "/auth/v2/check"): handle_time,
    ("GET", "/admin/v1/users"): handle_users,
    ("GET", "/admin/v1/logs/administrator"): handle_admin_log,
    ("GET", "/admin/v2/logs/authentication"): handle_authlog_v2,
    ("GET", "/admin/v2/logs/activity"): handle_activity_log,
    ("GET", "/admin/v2/logs/telephony"): handle_telephony_log_v2,
    ("GET", "/admin/v1/trust_monitor/events"): handle_trust_monitor,
    ("POST", "/accounts/v1/account/list"): handle_account_list,
    ("POST", "/admin/v1/users/{user_id}/send_verification_push"): handle_send_verification_push,
    ("POST", "/admin/v1/users/{user_id}"): handle_user_update,
    ("GET", "/admin/v1/users/{user_id}/verification_push_response"): handle_verification_push_response,
    ("GET", "/admin/v1/settings"): handle_settings,
    ("POST", "/admin/v1/settings"): handle_settings,
    ("GET", "/admin/v2/policies/{policy_key}"): handle_policy,
    ("GET", "/admin/v2/policies/global"): handle_policy,
    ("PUT", "/admin/v2/policies/{policy_key}"): handle_policy,
    ("POST", "/accounts/v1/account/create"): handle_account_create,
    ("POST", "/accounts/v1/account/delete"): handle_account_delete,
    ("POST", "/admin/v1/bulk"): handle_bulk,
    ("GET", "/admin/v1/billing/edition"): handle_edition,
    ("POST", "/admin/v1/billing/edition"): handle_edition,
    ("GET", "/admin/v1/billing/telephony_credits"): handle_telephony_credits,
    ("POST", "/admin/v1/billing/telephony_credits"): handle_telephony_credits,
    ("GET", "/admin/v1/info/summary"): handle_info_summary,
    ("GET", "/admin/v1/admins"): handle_admins,
    ("POST", "/admin/v1/admins"): handle_admins,
}
for _verb in ("GET", "POST", "PUT", "DELETE", "PATCH"):
    for _path in ("/test/echo", "/admin/v1/echo", "/accounts/v1/echo", "/auth/v2/echo"):
        ROUTES[(_verb, _path)] = Route(handle_echo)

import hostile  # noqa: E402  (the fault matrix's /test/hostile/* routes)
hostile.install(sys.modules[__name__])


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
        endpoint, other_verbs = None, None
        if route is None and path_args is None:
            # not a test route: a Duo endpoint of the facts?
            endpoint, ep_args = state.facts.route(self.command, req.path)
            if endpoint is not None:
                handler = FACT_HANDLERS.get((endpoint.verb, endpoint.path), handle_generic)
                route = Route(handler, signed=not endpoint.first("unsigned"),
                              delayed=not endpoint.first("unsigned"))
                path_args = ep_args
            elif ep_args is not None:
                other_verbs, path_args = ep_args, {}
        tried = None
        fault = state.pick_fault(req) if endpoint is not None else None

        if route is None or route.delayed:
            latency = state.options.latency_ms
            if latency:
                state.sleep(latency / 1000.0)

        try:
            if fault is not None:
                raise InjectedFault(fault)
            if route is None:
                if path_args is None:
                    raise DuoError(40401, "Resource not found", req.path)
                raise DuoError(40501, "Method not allowed",
                               "%s is not allowed on %s%s" % (
                                   self.command, req.path,
                                   " (allowed: %s)" % ", ".join(other_verbs) if other_verbs else ""))
            req.path_args = path_args
            if route.signed:
                authenticate(req)
            if endpoint is not None:
                check_endpoint(req, endpoint)
            result = route.handler(req)
        except InjectedFault as injected:
            result = fault_response(req, injected.fault)
        except DuoError as err:
            result = err.response
            tried = getattr(err, "tried", None)
        except Exception as exc:  # a bug in this server: say so loudly
            traceback.print_exc()
            result = fail(50001, "Internal server error", repr(exc))

        if route is None or route.logged:
            status = result.status
            params = req.params if req.params is not None else req.query
            entry = {
                "time": round(time.time(), 3),
                "listener": self.server.name,
                "method": self.command,
                "path": req.path,
                "query": req.query,
                "host": self.headers.get("Host"),
                "date": self.headers.get("Date"),
                "ikey": req.ikey,
                "status": status,
                "code": getattr(result, "duo_code", None),
            }
            if isinstance(params, dict):
                entry["params"] = _loggable(params)
                if (req.app_type == "accounts" and "account_id" in params
                        and req.path.startswith("/admin/")):
                    entry["account_id"] = params["account_id"]
            if endpoint is not None:
                entry["template"] = endpoint.path
                entry["location"] = req.location
            if req.matched:
                entry["matched"] = req.matched
            if getattr(result, "detail", None) is not None:
                entry["detail"] = result.detail
            if req.sig_version:
                entry["sig_version"] = req.sig_version
            if tried:
                entry["canonical_tried"] = tried
            if fault is not None:
                entry["fault"] = fault
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


def _read_hello(sock):
    """Reads what a client sends first (a TLS ClientHello, say)."""
    sock.settimeout(2)
    try:
        sock.recv(65536)
    except OSError:
        pass


class RawHandler(socketserver.BaseRequestHandler):
    """A plain TCP peer: whatever a TLS client sends, it gets plain HTTP back."""

    def handle(self):
        _read_hello(self.request)
        body = b"This port speaks plain TCP, not TLS.\n"
        self.request.sendall(
            b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))


class HangupHandler(socketserver.BaseRequestHandler):
    """Reads the client's first bytes (a TLS ClientHello) and closes: a
    handshake cut short by the network, not a certificate problem."""

    def handle(self):
        _read_hello(self.request)
        self.request.close()


class RawServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, state, name="raw", handler=RawHandler):
        self.name = name
        self.state = state
        super().__init__(("127.0.0.1", 0), handler)

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
    p.add_argument("--facts", default=DEFAULT_FACTS,
                   help="the wire facts (made by tests/data/convert_endpoints.py)")
    p.add_argument("--children", type=int, default=3,
                   help="child accounts at start, each with its own listener")
    p.add_argument("--child-users", type=int, default=5,
                   help="users of each child account")
    p.add_argument("--child-bypass", type=int, default=0,
                   help="the first N users of each child are in bypass status")
    p.add_argument("--log-page", type=int, default=3,
                   help="logs v2 and Trust Monitor: at most this many records per page (0: limit)")
    p.add_argument("--admin-log", type=int, default=2500,
                   help="records of the administrator log (v1)")
    p.add_argument("--event-log", type=int, default=7,
                   help="records of the authentication/activity/telephony logs v2 and Trust Monitor")
    p.add_argument("--faults", default="",
                   help="inject faults into Duo endpoints: kind=share,... with kinds "
                        "429, 500, 502, 503, 504 and cut (GETs only: the connection is "
                        "reset mid-body), e.g. 429=0.30,500=0.05,503=0.05,cut=0.05")
    p.add_argument("--retry-after", type=int, default=None,
                   help="the Retry-After (seconds) of injected 429s (default: none)")
    p.add_argument("--fault-seed", default="1",
                   help="makes the injected faults reproducible")
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
    servers.append(RawServer(state, "hangup", HangupHandler))
    for srv in servers:
        state.add_server(srv)
    state.child_context = tls_context(options.certs, CERT_FILES["good"])
    for i in range(options.children):
        servers.append(state.create_child(CHILD_NAMES[i % len(CHILD_NAMES)]).server)
    for srv in servers:
        print("PORT %s %d" % (srv.name, srv.server_address[1]))
    print("READY", flush=True)

    deadline = time.monotonic() + options.max_seconds
    # Short waits so the signal handler gets to run promptly.
    while not state.stopping.wait(0.2):
        if time.monotonic() >= deadline:
            break
    state.stopping.set()
    # A listener whose loop never ran, or a handler stuck on a dead
    # client, must not keep the process (and the test that waits for it)
    # alive: whatever the shutdown has not finished in 3 s is cut short.
    watchdog = threading.Timer(3.0, lambda: os._exit(0))
    watchdog.daemon = True
    watchdog.start()
    with state.lock:
        everything = list(state.servers)
    for srv in everything:
        srv.shutdown()
        srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
