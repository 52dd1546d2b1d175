"""Hostile answers for the fault matrix (issue 14), as routes of the test server.

duo_test_server.py calls install(module) once its ROUTES exist; every route
here is signed like the other /test routes:

    GET /test/hostile/pages?mode=M     offset listing of one record a page;
                                       metadata.total_objects is 3. M=repeat:
                                       next_offset is always 5; M=creep:
                                       next_offset is offset + 1, forever
    GET /test/hostile/cursor           cursor listing whose next_offset is
                                       always ["1700000000000", "same"]
    GET /test/hostile/logs_v1          logs v1: 1000 records (a full page),
                                       every timestamp 5, whatever mintime says
    GET /test/hostile/deep?depth=N     200 OK whose response is N nested arrays
    GET /test/hostile/controlbytes     200, text/plain, with escape sequences,
                                       a bell, a C1 CSI and a NUL
    GET /test/hostile/statfail         HTTP 200 carrying stat FAIL (40002);
                                       mode=bytes: HTTP 400 whose message holds
                                       terminal escapes and a C1 control
    GET /test/hostile/truncated        Content-Length 1000, 200 bytes, then a
                                       clean close (FIN)
    GET /test/hostile/drip             a valid answer, one byte every 0.5 s
    GET /test/hostile/http10?mode=M    an HTTP/1.0 answer without
                                       Content-Length, ended by closing;
                                       M=ok: a valid envelope, M=cut: half
    GET /test/hostile/shape?mode=M     HTTP 200 with an envelope a listing
                                       cannot use: M=string: response "oops",
                                       number: response 42, noresponse: no
                                       response, nostat: no stat, items: the
                                       response's items (and metadata) a string
"""
import json


def install(server):
    """Adds the routes to server.ROUTES (server: the duo_test_server module)."""
    Response, RawDone, ok, fail = server.Response, server.RawDone, server.ok, server.fail

    def pages(req):
        mode = req.one_param("mode", "repeat")
        offset = req.int_param("offset", 0, 0, 10 ** 9)
        next_offset = 5 if mode == "repeat" else offset + 1
        return ok([{"offset": offset}], {"next_offset": next_offset, "total_objects": 3})

    def cursor(req):
        return ok({"items": [{"n": 1}],
                   "metadata": {"next_offset": ["1700000000000", "same"],
                                "total_objects": {"value": 3, "relation": "eq"}}})

    def logs_v1(req):
        return ok([{"timestamp": 5, "n": i} for i in range(1000)])

    def deep(req):
        depth = req.int_param("depth", 100000, 1, 10 ** 6)
        body = b'{"stat":"OK","response":' + b"[" * depth + b"]" * depth + b"}"
        return Response(200, body)

    def controlbytes(req):
        body = b"\x1b[2J\x1b]0;owned\x07 gateway \x9b31m error\x00\r\nend"
        return Response(200, body, content_type="text/plain")

    def statfail(req):
        if req.one_param("mode", "") == "bytes":   # a message that drives a terminal
            resp = fail(40002, "Invalid\x1b[2J request\x07", "limit\u009b31m\r\nnext")
            return Response(400, resp.body)
        resp = fail(40002, "Invalid request parameters", "limit")
        return Response(200, resp.body)

    def _raw(req, data):
        h = req.handler
        h.wfile.write(data)
        h.wfile.flush()
        h.close_connection = True

    def truncated(req):
        head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: 1000\r\n\r\n")
        _raw(req, head + b'{"stat":"OK","response":"' + b"y" * 175)
        return RawDone(200)

    def drip(req):
        body = json.dumps({"stat": "OK", "response": {"dripped": True}}).encode()
        h = req.handler
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.flush()
        try:
            for i in range(len(body)):
                if req.state.stopping.wait(0.5):
                    break
                h.wfile.write(body[i:i + 1])
                h.wfile.flush()
        except OSError:
            pass  # the client gave up, as it should
        h.close_connection = True
        return RawDone(200)

    def http10(req):
        body = json.dumps({"stat": "OK", "response": {"http": "1.0"}}).encode()
        if req.one_param("mode", "ok") == "cut":
            body = body[:len(body) // 2]
        _raw(req, b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + body)
        return RawDone(200)

    shapes = {
        "string": {"stat": "OK", "response": "oops"},
        "number": {"stat": "OK", "response": 42},
        "noresponse": {"stat": "OK"},
        "nostat": {"response": [{"n": 1}]},
        "items": {"stat": "OK", "response": {"items": "oops", "metadata": "oops"}},
    }

    def shape(req):
        body = shapes.get(req.one_param("mode", "string"))
        if body is None:
            return fail(40002, "Invalid request parameters", "mode")
        return Response(200, json.dumps(body).encode())

    for path, handler in (("shape", shape), ("pages", pages), ("cursor", cursor), ("logs_v1", logs_v1), ("deep", deep),
                          ("controlbytes", controlbytes), ("statfail", statfail),
                          ("truncated", truncated), ("drip", drip), ("http10", http10)):
        server.ROUTES[("GET", "/test/hostile/" + path)] = server.Route(handler)
