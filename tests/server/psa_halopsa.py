"""HaloPSA, as tests/data/psa_facts.md describes it (a hosted instance).

Credentials: client_id "halo-test-client-01", client_secret
"haloTestClientSecret01", tenant "duotest", scope "all".
    POST /auth/token?tenant=T   form: grant_type=client_credentials, client_id, client_secret, scope
    GET  /api/Client            pageinate, page_size (max 100 here), page_no, includeinactive
    POST /api/Tickets           [{summary, details, client_id, tickettype_id}] or [{id, status_id}]
    POST /api/Actions           [{ticket_id, note, outcome, hiddenfromuser}]
"""
import secrets
import threading
import urllib.parse

from psa_common import Reply, State, Tickets

CLIENT_ID = "halo-test-client-01"
CLIENT_SECRET = "haloTestClientSecret01"
TENANT = "duotest"
FIRST_ID = 100
PAGE_CAP = 100
STATUS_CLOSED = 9


class HaloPSA:
    name = "halopsa"

    def __init__(self, companies):
        self.state = State(companies)
        self.tickets = Tickets(3001)
        self.tokens = set()
        self.lock = threading.Lock()
        self.by_id = {FIRST_ID + c.index: c for c in companies}

    def record(self, c):
        return {"id": FIRST_ID + c.index, "name": c.name, "inactive": not c.active, "toplevel_id": 1,
                "website": ("https://" + c.website_host) if c.index % 4 else "",
                "emailaddress": ("helpdesk@" + c.mail_host) if c.mail_host else ""}

    def expected(self, c):
        domains = [c.website_host] if c.index % 4 else []
        if c.mail_host:
            domains.append(c.mail_host)
        return {"id": str(FIRST_ID + c.index), "name": c.name, "domains": domains}

    def throttled(self, req):
        return Reply(429, {"message": "Rate limit exceeded"}, headers={"Retry-After": str(self.state.retry_after)})

    def handle(self, req):
        if req.path == "/auth/token" and req.method == "POST":
            return self.token(req)
        if not req.path.startswith("/api/"):
            return Reply(404, {"message": "not found"})
        auth = req.headers.get("Authorization", "")
        with self.lock:
            known = auth.startswith("Bearer ") and auth[7:] in self.tokens
        if not known:
            return Reply(401, {"message": "Unauthorized"})
        route = req.path[5:].lower()
        if route == "client" and req.method == "GET":
            return self.clients(req)
        if route == "tickets" and req.method == "POST":
            return self.tickets_post(req)
        if route == "actions" and req.method == "POST":
            return self.actions_post(req)
        return Reply(404, {"message": "no route for %s %s" % (req.method, req.path)})

    def token(self, req):
        form = dict(urllib.parse.parse_qsl(req.body.decode("utf-8", "replace")))
        if req.query.get("tenant") != TENANT:
            return Reply(400, {"error": "invalid_request", "error_description": "unknown tenant"})
        if form.get("grant_type") != "client_credentials":
            return Reply(400, {"error": "unsupported_grant_type"})
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return Reply(401, {"error": "invalid_client"})
        if "all" not in form.get("scope", "").split():
            return Reply(400, {"error": "invalid_scope"})
        token = secrets.token_hex(16)
        with self.lock:
            self.tokens.add(token)
        return Reply(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600, "scope": "all"})

    def clients(self, req):
        q = req.query
        records = [self.record(c) for c in self.state.companies]
        if q.get("includeinactive", "false").lower() != "true":
            records = [r for r in records if not r["inactive"]]
        self.state.count_page()
        if q.get("pageinate", "false").lower() != "true":
            return Reply(200, {"record_count": len(records), "clients": records})
        try:
            size = min(int(q.get("page_size", "50")), PAGE_CAP)
            page = int(q.get("page_no", "1"))
        except ValueError:
            return Reply(400, {"message": "page_size and page_no are numbers"})
        chunk = records[(page - 1) * size:page * size]
        return Reply(200, {"page_no": page, "page_size": size, "record_count": len(records), "clients": chunk})

    def ticket_record(self, t):
        return {"id": t["id"], "summary": t["summary"], "client_id": t["company_id"], "status_id": t["status"],
                "tickettype_id": t["extra"].get("tickettype_id")}

    def tickets_post(self, req):
        items = req.json()
        if not isinstance(items, list) or len(items) != 1 or not isinstance(items[0], dict):
            return Reply(400, {"message": "POST /api/Tickets takes an array of tickets"})
        doc = items[0]
        if doc.get("id"):
            t = self.tickets.get(doc["id"])
            if t is None:
                return Reply(404, {"message": "no ticket %r" % doc["id"]})
            if "status_id" in doc:
                self.tickets.set_status(t["id"], doc["status_id"])
            return Reply(201, self.ticket_record(t))
        if not doc.get("summary") or doc.get("client_id") not in self.by_id:
            return Reply(400, {"message": "a ticket needs a summary and a known client_id"})
        t = self.tickets.open(doc["client_id"], doc["summary"], {"tickettype_id": doc.get("tickettype_id")})
        t["status"] = doc.get("status_id", 1)
        return Reply(201, self.ticket_record(t))

    def actions_post(self, req):
        items = req.json()
        if not isinstance(items, list) or len(items) != 1 or not isinstance(items[0], dict):
            return Reply(400, {"message": "POST /api/Actions takes an array of actions"})
        doc = items[0]
        if self.tickets.get(doc.get("ticket_id")) is None or not doc.get("note"):
            return Reply(400, {"message": "an action needs a known ticket_id and a note"})
        self.tickets.add_note(doc["ticket_id"], doc["note"])
        return Reply(201, {"id": 40000 + len(self.tickets.get(doc["ticket_id"])["notes"]),
                           "ticket_id": doc["ticket_id"], "note": doc["note"]})
