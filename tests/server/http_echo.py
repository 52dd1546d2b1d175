#!/usr/bin/env python3
"""A loopback HTTPS server for duo.http's tests (tests/lua/test_http.lua).

    python3 tests/server/http_echo.py --certs tests/certs

Prints `PORT <port>` when listening on 127.0.0.1, and exits on POST /quit
or after --max-seconds. Routes:
    /echo             200, JSON: method, path, query, headers, body
    /status/NNN       that status, a text body
    /flaky/N          503 for the first N requests to this path, then 200
    /throttle         429 (Retry-After: 0) once, then 200
"""
import argparse
import json
import os
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

seen = {}
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, ctype="application/json", extra=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def count(self, key):
        with lock:
            seen[key] = seen.get(key, 0) + 1
            return seen[key]

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace") if n else ""
        url = urlsplit(self.path)
        if url.path == "/quit":
            self.reply(200, "{}")
            threading.Thread(target=self.server.shutdown).start()
        elif url.path == "/echo":
            self.reply(200, json.dumps({"method": self.command, "path": url.path, "query": url.query,
                                        "headers": {k.lower(): v for k, v in self.headers.items()},
                                        "body": body}),
                       extra=[("X-Echo", "a"), ("X-Echo", "b")])
        elif url.path.startswith("/status/"):
            self.reply(int(url.path[8:]), "status " + url.path[8:], "text/plain")
        elif url.path.startswith("/flaky/"):
            n = self.count(url.path)
            if n <= int(url.path[7:]):
                self.reply(503, '{"error": "try later"}')
            else:
                self.reply(200, json.dumps({"attempt": n}))
        elif url.path == "/throttle":
            if self.count(url.path) == 1:
                self.reply(429, '{"error": "slow down"}', extra=[("Retry-After", "0")])
            else:
                self.reply(200, '{"ok": true}')
        else:
            self.reply(404, '{"error": "no route"}')

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--certs", required=True)
    p.add_argument("--max-seconds", type=float, default=300)
    a = p.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(a.certs, "server.pem"), os.path.join(a.certs, "server.key"))
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Timer(a.max_seconds, srv.shutdown).start()
    print("PORT", srv.server_address[1], flush=True)
    srv.serve_forever()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
