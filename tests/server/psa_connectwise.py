"""ConnectWise Manage, as tests/data/psa_facts.md describes it.

Credentials: company "duotest", public key "cwPublicKeyTest01", private key
"cwPrivateKeyTestSecret01", clientId "c0ffee00-0000-4000-8000-00000000c001".
Routes under /v4_6_release/apis/3.0:
    GET   company/companies            conditions, page, pageSize (max 1000), Link header
    POST  service/tickets              {summary, board {name}, company {id}, initialDescription}
    GET   service/tickets/{id}
    POST  service/tickets/{id}/notes   {text, internalAnalysisFlag}
    PATCH service/tickets/{id}         [{"op": "replace", "path": "status", "value": {"name": S}}]
"""
import re
import urllib.parse

from psa_common import Reply, State, Tickets, basic_credentials

COMPANY = "duotest"
PUBLIC_KEY = "cwPublicKeyTest01"
PRIVATE_KEY = "cwPrivateKeyTestSecret01"
CLIENT_ID = "c0ffee00-0000-4000-8000-00000000c001"
PREFIX = "/v4_6_release/apis/3.0/"
BOARDS = {"Help Desk": 1, "Alerts": 2}
STATUSES = ("New", "In Progress", "Resolved", "Closed")
FIRST_ID = 19000


def error(status, code, message):
    return Reply(status, {"code": code, "message": message})


class ConnectWise:
    name = "connectwise"

    def __init__(self, companies):
        self.state = State(companies)
        self.tickets = Tickets(5001)
        self.by_id = {FIRST_ID + c.index: c for c in companies}

    def record(self, c):
        website = "https://www." + c.website_host + "/" if c.index % 7 else "www." + c.website_host
        inactive_status = not c.active and c.index % 52 == 25
        return {"id": FIRST_ID + c.index, "identifier": re.sub(r"\W", "", c.name)[:25], "name": c.name,
                "status": {"id": 2 if inactive_status else 1, "name": "Inactive" if inactive_status else "Active"},
                "deletedFlag": not c.active and not inactive_status, "website": website}

    def expected(self, c):
        return {"id": str(FIRST_ID + c.index), "name": c.name, "domains": [c.website_host]}

    def throttled(self, req):
        r = error(429, "TooManyRequests", "Too many requests, slow down")
        r.headers["Retry-After"] = str(self.state.retry_after)
        return r

    def authenticate(self, req):
        creds = basic_credentials(req)
        if creds != "%s+%s:%s" % (COMPANY, PUBLIC_KEY, PRIVATE_KEY):
            raise error(401, "Unauthorized", "Authentication failed")
        if req.headers.get("clientId") != CLIENT_ID:
            raise error(400, "InvalidObject", "A valid clientId header is required (developer.connectwise.com)")

    def handle(self, req):
        if not req.path.startswith(PREFIX):
            return error(404, "NotFound", "no route for " + req.path)
        self.authenticate(req)
        route = req.path[len(PREFIX):]
        if route == "company/companies" and req.method == "GET":
            return self.companies(req)
        if route == "service/tickets" and req.method == "POST":
            return self.open_ticket(req)
        m = re.fullmatch(r"service/tickets/(\d+)(/notes)?", route)
        if m:
            ticket = self.tickets.get(int(m.group(1)))
            if ticket is None:
                return error(404, "NotFound", "Ticket not found")
            if m.group(2) and req.method == "POST":
                doc = req.json() or {}
                if not isinstance(doc.get("text"), str) or not doc["text"]:
                    return error(400, "InvalidObject", "text: a note needs text")
                self.tickets.add_note(ticket["id"], doc["text"])
                return Reply(201, {"id": len(ticket["notes"]), "ticketId": ticket["id"], "text": doc["text"]})
            if not m.group(2) and req.method == "PATCH":
                return self.patch_ticket(req, ticket)
            if not m.group(2) and req.method == "GET":
                return Reply(200, self.ticket_record(ticket))
        return error(404, "NotFound", "no route for %s %s" % (req.method, req.path))

    # company/companies ------------------------------------------------------

    def matches(self, record, conditions):
        for field, op, value in conditions:
            if field == "status/name":
                have = record["status"]["name"]
            elif field in ("deletedFlag", "id", "name"):
                have = record[field]
            else:
                raise error(400, "InvalidObject", "conditions: unknown field " + field)
            if isinstance(have, str) and isinstance(value, str):
                same = have.lower() == value.lower()
            else:
                same = have == value
            if same != (op == "="):
                return False
        return True

    def parse_conditions(self, text):
        out = []
        for clause in re.split(r"\s+and\s+", text.strip(), flags=re.I) if text.strip() else []:
            m = re.fullmatch(r"\s*([\w/]+)\s*(!=|=)\s*(\"[^\"]*\"|'[^']*'|true|false|\d+)\s*", clause, re.I)
            if not m:
                raise error(400, "InvalidObject", "conditions: cannot parse '%s'" % clause)
            raw = m.group(3)
            if raw[0] in "\"'":
                value = raw[1:-1]
            elif raw.lower() in ("true", "false"):
                value = raw.lower() == "true"
            else:
                value = int(raw)
            out.append((m.group(1), m.group(2), value))
        return out

    def companies(self, req):
        conditions = self.parse_conditions(req.query.get("conditions", ""))
        try:
            page = int(req.query.get("page", "1"))
            size = int(req.query.get("pageSize", "25"))
        except ValueError:
            return error(400, "InvalidObject", "page and pageSize are numbers")
        if page < 1 or size < 1:
            return error(400, "InvalidObject", "page and pageSize start at 1")
        size = min(size, 1000)
        records = [r for r in (self.record(c) for c in self.state.companies) if self.matches(r, conditions)]
        chunk = records[(page - 1) * size:page * size]
        self.state.count_page()
        last = max(1, (len(records) + size - 1) // size)
        links = []

        def link(p, rel):
            q = dict(req.query, page=str(p), pageSize=str(size))
            links.append('<%s%scompany/companies?%s>; rel="%s"' % (req.base(), PREFIX, urllib.parse.urlencode(q), rel))
        if page < last:
            link(page + 1, "next")
        link(last, "last")
        return Reply(200, chunk, headers={"Link": ", ".join(links)})

    # tickets -----------------------------------------------------------------

    def ticket_record(self, t):
        e = t["extra"]
        return {"id": t["id"], "summary": t["summary"], "board": {"id": BOARDS[e["board"]], "name": e["board"]},
                "company": {"id": t["company_id"]}, "status": {"name": t["status"]}}

    def open_ticket(self, req):
        doc = req.json()
        if not isinstance(doc, dict):
            return error(400, "InvalidObject", "a ticket is a JSON object")
        summary = doc.get("summary")
        if not isinstance(summary, str) or not summary or len(summary) > 100:
            return error(400, "InvalidObject", "summary: required, at most 100 characters")
        board = (doc.get("board") or {}).get("name")
        if board not in BOARDS:
            return error(400, "InvalidObject", "board: no board named %r" % board)
        cid = (doc.get("company") or {}).get("id")
        if cid not in self.by_id:
            return error(400, "InvalidObject", "company: no company with id %r" % cid)
        t = self.tickets.open(cid, summary, {"board": board, "description": doc.get("initialDescription")})
        t["status"] = "New"
        return Reply(201, self.ticket_record(t))

    def patch_ticket(self, req, ticket):
        ops = req.json()
        if not isinstance(ops, list):
            return error(400, "InvalidObject", "PATCH takes a JSON Patch array")
        for op in ops:
            if not isinstance(op, dict) or op.get("op") != "replace" or op.get("path") != "status":
                return error(400, "InvalidObject", "only status can be replaced here")
            name = (op.get("value") or {}).get("name")
            if name not in STATUSES:
                return error(400, "InvalidObject", "status: %r is not a status of this board" % name)
            self.tickets.set_status(ticket["id"], name)
        return Reply(200, self.ticket_record(ticket))
