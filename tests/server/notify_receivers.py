#!/usr/bin/env python3
"""Loopback receivers for duo.notify's tests (tests/lua/test_notify.lua):
every notification channel's far end, written with the standard library
only and checking what it gets on its own (HMAC, tokens, SMTP, framing),
so a bug in duo-lua cannot hide itself.

    python3 tests/server/notify_receivers.py --certs tests/certs \
        --hook-secret S --hec-token T --smtp-user U --smtp-password P

Prints `PORT <name> <port>` for each listener on 127.0.0.1, then `READY`.
Listeners:
    https        POST /hook      a webhook: X-Duo-Lua-Signature must be the
                                 HMAC-SHA256 of the body with --hook-secret
                                 (401 otherwise); /hook-open takes anything
                 POST /services/collector/event   Splunk HEC: Authorization
                                 must be "Splunk <--hec-token>" (403 otherwise)
                 POST /hook-flaky/TAG?ok=N  a webhook (no signature
                                 check) that takes N requests per TAG, then
                                 answers 400
                 POST /teams/... (202), /slack/... (200 "ok")
                 GET /take?channel=C&count=N[&wait=S]   waits (up to S
                                 seconds, default 10) for N records of
                                 channel C, returns and forgets them
                 GET /take?channel=C&settle=S  every record of channel C once
                                 none has come for S seconds
                 POST /quit
    smtp         SMTP that offers STARTTLS and takes mail only after it and AUTH
    smtps        SMTP in TLS from the first byte (implicit TLS), AUTH required
    smtp_plain   SMTP that offers no STARTTLS (a client must refuse to send)
    syslog_udp   RFC 5426 datagrams
    syslog_tcp   RFC 6587 octet-counted frames
    syslog_tls   the same framing in TLS (RFC 5425)
Each record is a JSON object with `channel`; see the handlers.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import socketserver
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ARGS = None
TLS = None
records = {}
cond = threading.Condition()


def record(channel, **fields):
    fields["channel"] = channel
    with cond:
        records.setdefault(channel, []).append(fields)
        cond.notify_all()


def take_settled(channel, settle):
    """Every record of a channel, once none has come for `settle` seconds."""
    with cond:
        while True:
            n = len(records.get(channel, []))
            cond.wait(settle)
            if len(records.get(channel, [])) == n:
                got = records.get(channel, [])
                records[channel] = []
                return got


flaky = {}


def take(channel, count, wait=10.0):
    end = time.monotonic() + wait
    with cond:
        while len(records.get(channel, [])) < count and time.monotonic() < end:
            cond.wait(end - time.monotonic())
        got = records.get(channel, [])[:count]
        records[channel] = records.get(channel, [])[count:]
        return got


def parse_events(body):
    """HEC's body: JSON objects one after the other (whitespace between)."""
    dec, i, out = json.JSONDecoder(), 0, []
    while i < len(body):
        while i < len(body) and body[i] in " \t\r\n":
            i += 1
        if i >= len(body):
            break
        obj, i = dec.raw_decode(body, i)
        out.append(obj)
    return out


class HTTPHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, ctype="application/json"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path == "/take":
            q = parse_qs(url.query)
            if "settle" in q:
                got = take_settled(q["channel"][0], float(q["settle"][0]))
            else:
                got = take(q["channel"][0], int(q.get("count", ["1"])[0]), float(q.get("wait", ["10"])[0]))
            self.reply(200, json.dumps(got))
        else:
            self.reply(404, '{"error": "no route"}')

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        body = raw.decode("utf-8", "replace")
        path = urlsplit(self.path).path
        headers = {k.lower(): v for k, v in self.headers.items()}
        if path == "/quit":
            self.reply(200, "{}")
            threading.Thread(target=self.server.shutdown).start()
        elif path in ("/hook", "/hook-open"):
            want = "sha256=" + hmac.new(ARGS.hook_secret.encode(), raw, hashlib.sha256).hexdigest()
            got = headers.get("x-duo-lua-signature")
            ok = got is not None and hmac.compare_digest(got, want)
            record("webhook", path=path, headers=headers, body=body, signature_ok=ok)
            if path == "/hook" and not ok:
                self.reply(401, '{"error": "bad signature"}')
            else:
                self.reply(200, '{"ok": true}')
        elif path.startswith("/hook-flaky/"):
            with cond:
                flaky[path] = flaky.get(path, 0) + 1
                n = flaky[path]
            ok = n <= int(parse_qs(urlsplit(self.path).query).get("ok", ["0"])[0])
            if ok:
                record("webhook", path=path, headers=headers, body=body, signature_ok=None)
                self.reply(200, '{"ok": true}')
            else:
                self.reply(400, '{"error": "refusing this batch"}')
        elif path == "/services/collector/event":
            ok = headers.get("authorization") == "Splunk " + ARGS.hec_token
            record("hec", headers=headers, body=body, token_ok=ok, events=parse_events(body) if ok else [])
            if ok:
                self.reply(200, '{"text": "Success", "code": 0}')
            else:
                self.reply(403, '{"text": "Invalid token", "code": 4}')
        elif path.startswith("/teams/"):
            record("teams", path=path, headers=headers, body=json.loads(body))
            self.reply(202, "", "text/plain")
        elif path.startswith("/slack/"):
            record("slack", path=path, headers=headers, body=json.loads(body))
            self.reply(200, "ok", "text/plain")
        else:
            self.reply(404, '{"error": "no route"}')


class SMTPHandler(socketserver.StreamRequestHandler):
    """One SMTP session (RFC 5321), modes: starttls, smtps, plain."""
    mode = "starttls"
    name = "smtp"

    def setup(self):
        self.tls = self.mode == "smtps"
        if self.tls:
            self.request = TLS.wrap_socket(self.request, server_side=True)
        super().setup()

    def send(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def line(self):
        raw = self.rfile.readline(65536)
        return raw.decode("utf-8", "replace").rstrip("\r\n") if raw else None

    def start_tls(self):
        self.send("220 2.0.0 Ready to start TLS")
        self.request = TLS.wrap_socket(self.request, server_side=True)
        self.connection = self.request
        self.rfile = self.request.makefile("rb")
        self.wfile = self.request.makefile("wb")
        self.tls = True

    def auth(self, arg):
        parts = arg.split(" ", 1)
        mech = parts[0].upper()
        if mech == "PLAIN":
            blob = parts[1] if len(parts) > 1 else (self.send("334 ") or self.line() or "")
            try:
                _, user, password = base64.b64decode(blob).decode().split("\0")
            except Exception:
                return None, False
        elif mech == "LOGIN":
            self.send("334 VXNlcm5hbWU6")
            user = base64.b64decode(self.line() or "").decode()
            self.send("334 UGFzc3dvcmQ6")
            password = base64.b64decode(self.line() or "").decode()
        else:
            self.send("504 5.5.4 Unrecognized authentication type")
            return None, None
        return user, user == ARGS.smtp_user and password == ARGS.smtp_password

    def handle(self):
        self.send("220 localhost ESMTP notify_receivers")
        user, mail_from, rcpt = None, None, []
        while True:
            cmd = self.line()
            if cmd is None:
                return
            verb, _, arg = cmd.partition(" ")
            verb = verb.upper()
            if verb in ("EHLO", "HELO"):
                ext = ["localhost", "8BITMIME", "SIZE 10000000"]
                if self.mode == "starttls" and not self.tls:
                    ext.append("STARTTLS")
                if self.tls:
                    ext.append("AUTH PLAIN LOGIN")
                for i, e in enumerate(ext):
                    self.send(("250 " if i == len(ext) - 1 else "250-") + e)
            elif verb == "STARTTLS" and self.mode == "starttls" and not self.tls:
                self.start_tls()
                user, mail_from, rcpt = None, None, []
            elif verb == "AUTH" and self.tls:
                who, ok = self.auth(arg)
                if ok is None:
                    continue
                if ok:
                    user = who
                    self.send("235 2.7.0 Authentication successful")
                else:
                    record(self.name, auth_failed=True, user=who)
                    self.send("535 5.7.8 Authentication credentials invalid")
            elif verb == "MAIL":
                if not self.tls:
                    self.send("530 5.7.0 Must issue a STARTTLS command first")
                elif user is None:
                    self.send("530 5.7.0 Authentication required")
                else:
                    m = re.match(r"(?i)FROM:<([^>]*)>", arg)
                    mail_from, rcpt = (m.group(1) if m else None), []
                    self.send("250 2.1.0 Ok" if m else "501 5.5.4 Syntax: MAIL FROM:<address>")
            elif verb == "RCPT":
                m = re.match(r"(?i)TO:<([^>]*)>", arg)
                if mail_from is None or not m:
                    self.send("503 5.5.1 Error: need MAIL command")
                else:
                    rcpt.append(m.group(1))
                    self.send("250 2.1.5 Ok")
            elif verb == "DATA":
                if not rcpt:
                    self.send("503 5.5.1 Error: need RCPT command")
                    continue
                self.send("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    raw = self.rfile.readline(1 << 20)
                    if not raw or raw == b".\r\n":
                        break
                    if raw.startswith(b"."):
                        raw = raw[1:]
                    lines.append(raw)
                data = b"".join(lines).decode("utf-8", "replace")
                record(self.name, mail_from=mail_from, rcpt=rcpt, data=data, user=user, tls=self.tls)
                self.send("250 2.0.0 Ok: queued")
                mail_from, rcpt = None, []
            elif verb == "RSET":
                mail_from, rcpt = None, []
                self.send("250 2.0.0 Ok")
            elif verb == "NOOP":
                self.send("250 2.0.0 Ok")
            elif verb == "QUIT":
                self.send("221 2.0.0 Bye")
                return
            else:
                self.send("502 5.5.2 Error: command not recognized")


def frames(data):
    """RFC 6587 octet counting: 'LEN SP MSG' after one another."""
    out, i = [], 0
    while i < len(data):
        m = re.compile(rb"([1-9][0-9]*) ").match(data, i)
        if not m:
            out.append({"bad_frame_at": i})
            break
        n = int(m.group(1))
        out.append(data[m.end():m.end() + n].decode("utf-8", "replace"))
        i = m.end() + n
    return out


class SyslogStream(socketserver.StreamRequestHandler):
    tls = False

    def setup(self):
        if self.tls:
            self.request = TLS.wrap_socket(self.request, server_side=True)
        super().setup()

    def handle(self):
        data = self.rfile.read()
        name = "syslog_tls" if self.tls else "syslog_tcp"
        record(name, raw=data.decode("utf-8", "replace"), messages=frames(data))


class SyslogDatagram(socketserver.BaseRequestHandler):
    def handle(self):
        record("syslog_udp", raw=self.request[0].decode("utf-8", "replace"))


class Threaded(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass   # a client that refuses our certificate ends its handshake: expected


def main():
    global ARGS, TLS
    p = argparse.ArgumentParser()
    p.add_argument("--certs", required=True)
    p.add_argument("--hook-secret", required=True)
    p.add_argument("--hec-token", required=True)
    p.add_argument("--smtp-user", required=True)
    p.add_argument("--smtp-password", required=True)
    p.add_argument("--max-seconds", type=float, default=300)
    ARGS = p.parse_args()
    TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    TLS.load_cert_chain(os.path.join(ARGS.certs, "server.pem"), os.path.join(ARGS.certs, "server.key"))

    https = ThreadingHTTPServer(("127.0.0.1", 0), HTTPHandler)
    https.daemon_threads = True
    https.socket = TLS.wrap_socket(https.socket, server_side=True)
    servers = [("https", https)]
    for name, mode in (("smtp", "starttls"), ("smtps", "smtps"), ("smtp_plain", "plain")):
        handler = type("SMTP_" + name, (SMTPHandler,), {"mode": mode, "name": name})
        servers.append((name, Threaded(("127.0.0.1", 0), handler)))
    servers.append(("syslog_udp", socketserver.ThreadingUDPServer(("127.0.0.1", 0), SyslogDatagram)))
    servers.append(("syslog_tcp", Threaded(("127.0.0.1", 0), SyslogStream)))
    servers.append(("syslog_tls", Threaded(("127.0.0.1", 0), type("SyslogTLS", (SyslogStream,), {"tls": True}))))
    for name, srv in servers[1:]:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    threading.Timer(ARGS.max_seconds, https.shutdown).start()
    for name, srv in servers:
        print("PORT", name, srv.server_address[1], flush=True)
    print("READY", flush=True)
    https.serve_forever()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
