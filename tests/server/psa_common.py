"""What the four loopback PSA servers share: the TLS listener, a request
handler that hands each request to its vendor, the company data set, the
injected 429s, the recorded tickets, and the /test control routes.

Each vendor module (psa_connectwise.py, psa_autotask.py, psa_halopsa.py,
psa_itglue.py) holds one class with `handle(req)`; the facts it follows are
in tests/data/psa_facts.md.

Control routes (no authentication), on every listener:

    GET  /test/expected    the active companies as [{id, name, domains}]
    GET  /test/tickets     the tickets made so far, with their notes and status
    GET  /test/stats       {"requests": N, "throttled": N, "pages": N}
    POST /test/throttle    {"count": N, "retry_after": S}: the next N API
                           requests get 429 with Retry-After: S
    POST /test/reset       forget tickets, counters and pending 429s
"""
import base64
import json
import os
import socket
import ssl
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# The first companies are named as the Duo test server's children are, so
# suggest-mappings finds them; the rest are "Client NNNN".
PLANTED = ("Acme Corp", "Acme Corporation", "Globex", "Initech", "Umbrella Health")


def slug(name):
    return "".join(c for c in name.lower() if c.isalnum())


class Company:
    """One company of the data set, in neutral form; vendors render it."""

    def __init__(self, index, active):
        self.index = index
        self.active = active
        if index < len(PLANTED):
            self.name = PLANTED[index]
        else:
            self.name = "Client %04d" % index
        s = slug(self.name)
        self.website_host = s + ".example"
        # a second, e-mail-only domain for every third company
        self.mail_host = ("mail-" + s + ".example") if index % 3 == 0 else None


def make_companies(active):
    """`active` active companies, with an inactive one after every 25."""
    out, k = [], 0
    while sum(1 for c in out if c.active) < active:
        out.append(Company(k, active=(k % 26 != 25)))
        k += 1
    return out


class Tickets:
    """Tickets a vendor server was asked to open, by its own id."""

    def __init__(self, first_id):
        self.lock = threading.Lock()
        self.next_id = first_id
        self.items = {}

    def open(self, company_id, summary, extra=None):
        with self.lock:
            tid = self.next_id
            self.next_id += 1
            self.items[tid] = {"id": tid, "company_id": company_id, "summary": summary,
                               "status": "open", "notes": [], "extra": extra or {}}
            return self.items[tid]

    def get(self, tid):
        with self.lock:
            return self.items.get(tid)

    def add_note(self, tid, text):
        with self.lock:
            t = self.items.get(tid)
            if t is not None:
                t["notes"].append(text)
            return t

    def set_status(self, tid, status):
        with self.lock:
            t = self.items.get(tid)
            if t is not None:
                t["status"] = status
            return t

    def all(self):
        with self.lock:
            return [dict(t, notes=list(t["notes"])) for t in self.items.values()]


class Request:
    def __init__(self, handler, body):
        self.handler = handler
        self.method = handler.command
        parts = urllib.parse.urlsplit(handler.path)
        self.path = parts.path
        self.query_string = parts.query
        self.query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        self.headers = handler.headers
        self.body = body
        self.port = handler.server.server_address[1]

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8")) if self.body else None
        except (ValueError, UnicodeDecodeError):
            raise Reply(400, {"message": "the body is not JSON"})

    def base(self):
        return "https://127.0.0.1:%d" % self.port


class Reply(Exception):
    """A response: raise or return it."""

    def __init__(self, status, body=None, headers=None, content_type="application/json"):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.content_type = content_type


def basic_credentials(req):
    """The user:password of a Basic Authorization header, or None."""
    value = req.headers.get("Authorization", "")
    if not value.startswith("Basic "):
        return None
    try:
        return base64.b64decode(value[6:], validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None


class State:
    """What a vendor's listener keeps for a run."""

    def __init__(self, companies):
        self.lock = threading.Lock()
        self.companies = companies
        self.throttle = 0
        self.retry_after = 1
        self.requests = 0
        self.throttled = 0
        self.pages = 0

    def take_throttle(self):
        with self.lock:
            self.requests += 1
            if self.throttle > 0:
                self.throttle -= 1
                self.throttled += 1
                return True
            return False

    def count_page(self):
        with self.lock:
            self.pages += 1


def control(req, vendor):
    """The /test routes, or None when the path is not one."""
    st = vendor.state
    if req.path == "/test/expected" and req.method == "GET":
        return Reply(200, [vendor.expected(c) for c in st.companies if c.active])
    if req.path == "/test/tickets" and req.method == "GET":
        return Reply(200, vendor.tickets.all())
    if req.path == "/test/stats" and req.method == "GET":
        with st.lock:
            return Reply(200, {"requests": st.requests, "throttled": st.throttled, "pages": st.pages})
    if req.path == "/test/throttle" and req.method == "POST":
        doc = req.json() or {}
        with st.lock:
            st.throttle = int(doc.get("count", 1))
            st.retry_after = int(doc.get("retry_after", 1))
        return Reply(200, {"ok": True})
    if req.path == "/test/reset" and req.method == "POST":
        with st.lock:
            st.throttle = st.requests = st.throttled = st.pages = 0
        with vendor.tickets.lock:
            vendor.tickets.items.clear()
        return Reply(200, {"ok": True})
    return None


class PSAHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "psa-test-server/1"
    sys_version = ""
    timeout = 60

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("[%s] %s\n" % (self.server.name, fmt % args))

    def do_GET(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        req = Request(self, body)
        vendor = self.server.vendor
        try:
            reply = control(req, vendor) if req.path.startswith("/test/") else None
            if reply is None:
                if vendor.state.take_throttle():
                    reply = vendor.throttled(req)
                else:
                    reply = vendor.handle(req)
        except Reply as r:
            reply = r
        self.send(reply)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def send(self, reply):
        body = reply.body
        if body is None:
            data = b""
        elif isinstance(body, (bytes, str)):
            data = body.encode("utf-8") if isinstance(body, str) else body
        else:
            data = json.dumps(body).encode("utf-8")
        self.send_response(reply.status)
        if data:
            self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in reply.headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)


class TLSServer(ThreadingHTTPServer):
    """One vendor's listener; the TLS handshake runs in the connection's thread."""
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, name, context, vendor, verbose):
        self.name = name
        self.context = context
        self.vendor = vendor
        self.verbose = verbose
        super().__init__(("127.0.0.1", 0), PSAHandler)

    def finish_request(self, request, client_address):
        request.settimeout(10)
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            request.close()
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (OSError, ssl.SSLError)):
            super().handle_error(request, client_address)


def tls_context(certs_dir):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(os.path.join(certs_dir, "server.pem"), os.path.join(certs_dir, "server.key"))
    return ctx
