"""Autotask REST, as tests/data/psa_facts.md describes it.

Credentials: UserName "api@duotest.example", Secret "atSecretTestValue0001",
ApiIntegrationcode "ATTESTINTEGRATION0001". Zone discovery answers at
/atservicesrest/v1.0/zoneInformation?user=; the zone itself is served under
/zone5/ATServicesRest/V1.0/ (paths case-insensitive), so a client that
skips discovery fails:
    GET   Companies/query?search={json}   (or POST with the JSON body); 500 a page
    GET   Companies/query/next?paging=…   nextPageUrl
    POST  Tickets                         {companyID, queueID, title, description, status, priority}
    PATCH Tickets                         {id, status}
    POST  Tickets/{id}/Notes              {ticketID, title, description, noteType, publish}
"""
import base64
import json
import re

from psa_common import Reply, State, Tickets

USERNAME = "api@duotest.example"
SECRET = "atSecretTestValue0001"
INTEGRATION_CODE = "ATTESTINTEGRATION0001"
ZONE = "/zone5/atservicesrest/v1.0/"
FIRST_ID = 296800
QUEUES = (29683481, 29683482)
PAGE = 500


def errors(status, *messages):
    return Reply(status, {"errors": list(messages)})


class Autotask:
    name = "autotask"

    def __init__(self, companies):
        self.state = State(companies)
        self.tickets = Tickets(7001)
        self.by_id = {FIRST_ID + c.index: c for c in companies}

    def record(self, c):
        web = None if c.index % 10 == 7 else "http://www." + c.website_host
        return {"id": FIRST_ID + c.index, "companyName": c.name, "isActive": c.active, "webAddress": web,
                "companyType": 1}

    def expected(self, c):
        return {"id": str(FIRST_ID + c.index), "name": c.name,
                "domains": [] if c.index % 10 == 7 else [c.website_host]}

    def throttled(self, req):
        r = errors(429, "Too many requests: the thread limit of this integration is reached")
        r.headers["Retry-After"] = str(self.state.retry_after)
        return r

    def handle(self, req):
        path = req.path.lower()
        if path == "/atservicesrest/v1.0/zoneinformation" and req.method == "GET":
            if req.query.get("user", "").lower() != USERNAME:
                return errors(404, "Zone information could not be determined for this user")
            return Reply(200, {"zoneName": "Test Zone 5", "url": req.base() + "/zone5/ATServicesRest/",
                               "webUrl": req.base() + "/zone5/", "ci": 5})
        if not path.startswith(ZONE):
            return errors(404, "No such resource (is this the zone's URL?)")
        if (req.headers.get("UserName", "").lower() != USERNAME or req.headers.get("Secret") != SECRET
                or req.headers.get("ApiIntegrationcode") != INTEGRATION_CODE):
            return Reply(401, "")
        route = req.path[len(ZONE):]
        lower = route.lower()
        if lower == "companies/query" and req.method in ("GET", "POST"):
            search = req.query.get("search") if req.method == "GET" else req.body.decode("utf-8")
            return self.companies(req, search, 0)
        if lower == "companies/query/next" and req.method == "GET":
            try:
                cursor = json.loads(base64.urlsafe_b64decode(req.query["paging"]).decode("utf-8"))
            except (KeyError, ValueError):
                return errors(400, "paging: not a cursor this server made")
            return self.companies(req, cursor["search"], cursor["offset"])
        if lower == "tickets" and req.method == "POST":
            return self.open_ticket(req)
        if lower == "tickets" and req.method == "PATCH":
            return self.patch_ticket(req)
        m = re.fullmatch(r"tickets/(\d+)/notes", lower)
        if m and req.method == "POST":
            return self.add_note(req, int(m.group(1)))
        m = re.fullmatch(r"tickets/(\d+)", lower)
        if m and req.method == "GET":
            t = self.tickets.get(int(m.group(1)))
            return Reply(200, {"item": t and self.ticket_record(t)})
        return errors(404, "No route for %s %s" % (req.method, req.path))

    # Companies/query ----------------------------------------------------------

    def companies(self, req, search, offset):
        try:
            doc = json.loads(search or "")
        except ValueError:
            return errors(500, "search: the filter is not JSON")
        flt = doc.get("filter") if isinstance(doc, dict) else None
        if not isinstance(flt, list) or not flt:
            return errors(500, "search: a query needs a filter array")
        records = [self.record(c) for c in self.state.companies]
        for cond in flt:
            op, field, value = cond.get("op"), cond.get("field"), cond.get("value")
            if field not in ("isActive", "id", "companyName"):
                return errors(500, "search: unknown field %r" % field)
            if op == "eq":
                records = [r for r in records if r[field] == value]
            elif op == "gt":
                records = [r for r in records if r[field] > value]
            elif op == "exist":
                records = [r for r in records if r[field] is not None]
            else:
                return errors(500, "search: operator %r is not supported here" % op)
        size = min(int(doc.get("MaxRecords") or PAGE), PAGE)
        chunk = records[offset:offset + size]
        self.state.count_page()
        nxt = None
        if offset + size < len(records):
            cursor = base64.urlsafe_b64encode(json.dumps({"search": search, "offset": offset + size}).encode())
            nxt = req.base() + "/zone5/ATServicesRest/V1.0/Companies/query/next?paging=" + cursor.decode()
        return Reply(200, {"items": chunk, "pageDetails": {"count": len(chunk), "requestCount": size,
                                                           "prevPageUrl": None, "nextPageUrl": nxt}})

    # Tickets ------------------------------------------------------------------

    def ticket_record(self, t):
        return {"id": t["id"], "companyID": t["company_id"], "title": t["summary"], "status": t["status"],
                "queueID": t["extra"].get("queueID")}

    def open_ticket(self, req):
        doc = req.json()
        if not isinstance(doc, dict):
            return errors(500, "a ticket is a JSON object")
        missing = [k for k in ("companyID", "title", "status", "priority") if doc.get(k) in (None, "")]
        if missing:
            return errors(500, "Missing required fields: " + ", ".join(missing))
        if doc["companyID"] not in self.by_id:
            return errors(500, "companyID: no company %r" % doc["companyID"])
        if doc.get("queueID") is not None and doc["queueID"] not in QUEUES:
            return errors(500, "queueID: %r is not a queue" % doc["queueID"])
        if len(doc["title"]) > 255:
            return errors(500, "title: at most 255 characters")
        t = self.tickets.open(doc["companyID"], doc["title"], {"queueID": doc.get("queueID")})
        t["status"] = doc["status"]
        return Reply(200, {"itemId": t["id"]})

    def patch_ticket(self, req):
        doc = req.json()
        if not isinstance(doc, dict) or not isinstance(doc.get("id"), int):
            return errors(500, "PATCH Tickets needs the ticket's id")
        if self.tickets.get(doc["id"]) is None:
            return errors(404, "no ticket %r" % doc["id"])
        if "status" in doc:
            self.tickets.set_status(doc["id"], doc["status"])
        return Reply(200, {"itemId": doc["id"]})

    def add_note(self, req, tid):
        doc = req.json()
        if self.tickets.get(tid) is None:
            return errors(404, "no ticket %r" % tid)
        if not isinstance(doc, dict) or not doc.get("description") or not doc.get("noteType") or \
                not doc.get("publish"):
            return errors(500, "a note needs description, noteType and publish")
        self.tickets.add_note(tid, doc["description"])
        return Reply(200, {"itemId": 900000 + len(self.tickets.get(tid)["notes"])})
