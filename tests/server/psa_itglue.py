"""IT Glue, as tests/data/psa_facts.md describes it (JSON:API, no tickets).

Credentials: x-api-key "ITG.itglueTestApiKey01".
    GET /organizations   page[size] (max 1000), page[number]; meta and links.next
    GET /domains         every organization's domains, paged the same way
"""
from psa_common import Reply, State, Tickets

API_KEY = "ITG.itglueTestApiKey01"
FIRST_ID = 2811000
MAX_PAGE = 1000
JSONAPI = "application/vnd.api+json"


def jsonapi(status, doc, headers=None):
    return Reply(status, doc, headers=headers, content_type=JSONAPI)


class ITGlue:
    name = "itglue"

    def __init__(self, companies):
        self.state = State(companies)
        self.tickets = Tickets(1)   # never used: IT Glue has no tickets

    def org(self, c):
        return {"id": str(FIRST_ID + c.index), "type": "organizations",
                "attributes": {"name": c.name, "short-name": c.name[:8].lower(),
                               "organization-status-name": "Active" if c.active else "Inactive",
                               "organization-type-name": "Customer"}}

    def domains(self, c):
        names = [c.website_host] + ([c.mail_host] if c.mail_host else [])
        return [{"id": str(500000 + c.index * 2 + i), "type": "domains",
                 "attributes": {"organization-id": FIRST_ID + c.index, "organization-name": c.name, "name": n}}
                for i, n in enumerate(names)]

    def expected(self, c):
        return {"id": str(FIRST_ID + c.index), "name": c.name,
                "domains": [c.website_host] + ([c.mail_host] if c.mail_host else [])}

    def throttled(self, req):
        return jsonapi(429, {"errors": [{"status": "429", "title": "Too Many Requests"}]},
                       {"Retry-After": str(self.state.retry_after)})

    def handle(self, req):
        if req.headers.get("x-api-key") != API_KEY:
            return jsonapi(401, {"errors": [{"status": "401", "title": "Unauthorized",
                                             "detail": "The API key is missing or not valid"}]})
        if req.method != "GET":
            return jsonapi(405, {"errors": [{"status": "405", "title": "Method Not Allowed"}]})
        if req.path == "/organizations":
            items = [self.org(c) for c in self.state.companies]
        elif req.path == "/domains":
            items = [d for c in self.state.companies for d in self.domains(c)]
        else:
            return jsonapi(404, {"errors": [{"status": "404", "title": "Not Found"}]})
        try:
            size = int(req.query.get("page[size]", "50"))
            number = int(req.query.get("page[number]", "1"))
        except ValueError:
            return jsonapi(400, {"errors": [{"status": "400", "title": "page[size] and page[number] are numbers"}]})
        if size > MAX_PAGE or size < 1 or number < 1:
            return jsonapi(400, {"errors": [{"status": "400", "title": "page[size] is 1 to 1000"}]})
        self.state.count_page()
        total_pages = max(1, (len(items) + size - 1) // size)
        chunk = items[(number - 1) * size:number * size]

        def url(n):
            return "%s%s?page%%5Bnumber%%5D=%d&page%%5Bsize%%5D=%d" % (req.base(), req.path, n, size)
        links = {"self": url(number), "first": url(1), "last": url(total_pages)}
        if number < total_pages:
            links["next"] = url(number + 1)
        meta = {"current-page": number, "next-page": number + 1 if number < total_pages else None,
                "prev-page": number - 1 if number > 1 else None, "total-pages": total_pages,
                "total-count": len(items), "filters": {}}
        return jsonapi(200, {"data": chunk, "meta": meta, "links": links})
