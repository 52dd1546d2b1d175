"""Server-side verification of Duo request signatures (v2 and v5).

This is the test server's own, deliberately independent reading of the Duo
signing rules (shared/spec/duo-api.md section 2). It must not share code with
the C client in core/: the point of the test server is that a bug in the
client's canonicalisation cannot hide itself by being on both sides.

The canonical string is built from what actually arrived on the wire:

    line 1  the Date header, byte for byte
    line 2  the method, upper-cased
    line 3  the Host header, lower-cased, without ":port"
    line 4  the request path as sent (still percent-encoded), without the query
    line 5  the parameters, re-canonicalised (see canonical_params)
    v5 only:
    line 6  hex SHA-512 of the body bytes (of b"" when there is no body)
    line 7  hex SHA-512 of the X-Duo header string (see x_duo_header_string)

and signed with HMAC-SHA-512 keyed with the skey's bytes; the signature is
sent as lower-case hex in `Authorization: Basic base64(ikey ":" hex)`.

Which parameters make line 5:

    v5  the query string, whatever the method. A JSON POST/PUT/PATCH normally
        has no query, so the line is empty and the body is covered by line 6.
    v2  the query string; for a POST/PUT/PATCH with an
        application/x-www-form-urlencoded body, the form fields as well.
        v2 cannot sign a JSON body, so a JSON request is never accepted as v2.

Header values and the request line reach us decoded as ISO-8859-1 by
http.server; encoding them back with latin-1 recovers the exact bytes sent,
which is what the client hashed.
"""

import base64
import binascii
import email.utils
import hashlib
import hmac
import urllib.parse
from dataclasses import dataclass, field

# Bytes that percent-encoding leaves alone (RFC 3986 "unreserved").
_UNRESERVED = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def percent_encode(text):
    """Percent-encode the UTF-8 bytes of text, keeping only unreserved bytes.

    Undecodable bytes that parse_qsl kept as surrogates (surrogateescape) are
    turned back into the original bytes, so nothing is lost or replaced.
    """
    out = []
    for byte in text.encode("utf-8", "surrogateescape"):
        out.append(chr(byte) if byte in _UNRESERVED else "%%%02X" % byte)
    return "".join(out)


def parse_params(encoded):
    """Decode an application/x-www-form-urlencoded string into (key, value) pairs.

    Blank values are kept ("a=" is the pair ("a", "")); '+' means space, as in
    any form decoder.
    """
    return urllib.parse.parse_qsl(encoded, keep_blank_values=True,
                                  encoding="utf-8", errors="surrogateescape")


def canonical_params(pairs):
    """The params line: encoded pairs sorted by encoded key, then value, joined by '&'."""
    encoded = sorted((percent_encode(k), percent_encode(v)) for k, v in pairs)
    return "&".join("%s=%s" % kv for kv in encoded)


def x_duo_header_string(headers):
    """name\\0value\\0name\\0value... over the X-Duo-* headers, names lower-cased and sorted.

    headers: (name, value) pairs as received, possibly including other headers.
    Returns bytes. The sort is stable, so repeated headers keep arrival order.
    """
    picked = [(name.lower(), value) for name, value in headers
              if name.lower().startswith("x-duo-")]
    picked.sort(key=lambda nv: nv[0])
    parts = []
    for name, value in picked:
        parts.append(name.encode("latin-1"))
        parts.append(value.encode("latin-1"))
    return b"\0".join(parts)


def sha512_hex(data):
    return hashlib.sha512(data).hexdigest()


def canonical_host(host_header):
    """Lower-case the Host header and drop a trailing :port (IPv6 literals keep their brackets)."""
    host = host_header.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        return host[:end + 1] if end >= 0 else host
    name, sep, port = host.rpartition(":")
    if sep and port.isdigit():
        return name
    return host


def hmac_sha512_hex(skey, canonical):
    """Lower-case hex HMAC-SHA-512 of canonical (bytes), keyed with the skey's bytes."""
    return hmac.new(skey.encode("utf-8"), canonical, hashlib.sha512).hexdigest()


def parse_authorization(header):
    """Split 'Basic base64(ikey:sig)' into (ikey, sig); None when malformed."""
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("latin-1")
    except (binascii.Error, ValueError):
        return None
    ikey, sep, sig = decoded.partition(":")
    if not sep or not ikey:
        return None
    return ikey, sig


def parse_date(value):
    """Unix seconds of an RFC 2822 date, or None. A date without a zone counts as UTC."""
    try:
        parsed = email.utils.parsedate_tz(value)
    except (TypeError, ValueError):
        return None
    if parsed is None:
        return None
    try:
        return email.utils.mktime_tz(parsed)
    except (OverflowError, ValueError):
        return None


@dataclass
class WireRequest:
    """What arrived, as http.server hands it over (str values are latin-1 decoded bytes)."""
    method: str
    target: str                  # request-target from the request line
    host: str                    # Host header
    date: str                    # Date header
    content_type: str            # Content-Type header or ""
    body: bytes
    headers: list = field(default_factory=list)   # all (name, value) pairs

    @property
    def path(self):
        return self.target.split("?", 1)[0]

    @property
    def query(self):
        return self.target.split("?", 1)[1] if "?" in self.target else ""


def media_type(content_type):
    """'application/json; charset=utf-8' -> 'application/json'."""
    return content_type.split(";", 1)[0].strip().lower()


def candidate_canonicals(req):
    """[(version, canonical bytes)] the request could have been signed with, v5 first.

    Each entry is a complete canonical string; the caller HMACs each with the
    skey and accepts the first match.
    """
    method = req.method.upper()
    head = [req.date, method, canonical_host(req.host), req.path]
    query_pairs = parse_params(req.query)
    mtype = media_type(req.content_type)

    v5_lines = head + [
        canonical_params(query_pairs),
        sha512_hex(req.body),
        sha512_hex(x_duo_header_string(req.headers)),
    ]
    found = [(5, "\n".join(v5_lines).encode("latin-1"))]

    if method in BODY_METHODS and mtype == "application/json":
        return found  # v2 has no way to sign a JSON body
    v2_pairs = list(query_pairs)
    if method in BODY_METHODS and mtype == "application/x-www-form-urlencoded":
        v2_pairs += parse_params(req.body.decode("latin-1"))
    v2_lines = head + [canonical_params(v2_pairs)]
    found.append((2, "\n".join(v2_lines).encode("latin-1")))
    return found


def verify(req, skey, sig):
    """Check sig against req for skey.

    Returns (version, tried): version is 5 or 2 when a canonical string matched,
    None otherwise; tried lists the canonical strings (as text) that were
    checked, which is what a developer wants to see when a signature fails.
    """
    tried = []
    for version, canonical in candidate_canonicals(req):
        expected = hmac_sha512_hex(skey, canonical)
        if hmac.compare_digest(expected.encode(), sig.encode("latin-1")):
            return version, tried
        tried.append({"version": version,
                      "canonical": canonical.decode("latin-1")})
    return None, tried
