"""Wire facts of the Duo APIs, for the test server: routing and checking.

The facts are tests/data/endpoint_facts.json, generated from the shared spec
by tests/data/convert_endpoints.py (never from duo-lua's own catalogue). The
server checks every request to a Duo endpoint against them:

    - the verb (another verb on a known path: 405/40501)
    - path parameters: percent-encoded (only unreserved bytes and %XX with
      upper-case hex), non-empty, decoding to UTF-8
    - placement: GET/DELETE parameters in the query and no body; POST/PUT
      parameters in a JSON object body (Content-Type: application/json) and an
      empty query (a form body for the legacy form endpoints)
    - names: every required wire parameter present, nothing unknown (optional
      ones, those implied by the paging style and account_id with Accounts
      API credentials allowed); a repeated query key only for list parameters
    - values, where the facts give a format (bool10, unix_ms, ...)

Several methods share one endpoint (get_users, get_user_by_email, ... are all
GET /admin/v1/users): a request is good when it fits at least one of them, and
check() says which ones it fits. When it fits none, the message names the
closest method and everything that is wrong with the request for it.
"""

import base64
import binascii
import json
import re
import urllib.parse

SEGMENT_RE = re.compile(r"\A(?:[A-Za-z0-9\-._~]|%[0-9A-F]{2})+\Z")
DIGITS_RE = re.compile(r"\A[0-9]+\Z")
BASE64_RE = re.compile(r"\A[A-Za-z0-9+/]*={0,2}\Z")


class Fact:
    """One method on one path (a dict from the facts file, as attributes)."""

    def __init__(self, d):
        self.__dict__.update(d)
        self.segments = [s for s in self.path.split("/") if s]
        self.allowed = set(self.required) | set(self.optional) | set(self.paging_params)


class Endpoint:
    """The facts sharing one (verb, path template)."""

    def __init__(self, verb, path):
        self.verb = verb
        self.path = path
        self.segments = [s for s in path.split("/") if s]
        self.facts = []

    @property
    def names(self):
        return [f.name for f in self.facts]

    def first(self, attr):
        return getattr(self.facts[0], attr)


class Problem(Exception):
    """A request that fits no fact: the 40002 detail."""


class Facts:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        self.data = data
        self.facts = [Fact(d) for d in data["facts"]]
        self.endpoints = {}
        for fact in self.facts:
            key = (fact.verb, fact.path)
            ep = self.endpoints.get(key)
            if ep is None:
                ep = self.endpoints[key] = Endpoint(fact.verb, fact.path)
            ep.facts.append(fact)

    # ------------------------------------------------------------ routing

    @staticmethod
    def _score(ep, segs):
        """A string of 1 (literal) / 0 (parameter) per segment, or None."""
        if len(ep.segments) != len(segs):
            return None
        score = ""
        for tmpl, seg in zip(ep.segments, segs):
            if tmpl.startswith("{") and tmpl.endswith("}"):
                score += "0"
            elif tmpl == seg:
                score += "1"
            else:
                return None
        return score

    def route(self, verb, path):
        """(endpoint, raw path args) for verb + path, literal segments winning
        over parameters; (None, [verbs]) when only other verbs know the path;
        (None, None) when nothing does."""
        segs = [s for s in path.split("/") if s]
        best, best_score, other_verbs = None, None, set()
        for ep in self.endpoints.values():
            score = self._score(ep, segs)
            if score is None:
                continue
            if ep.verb != verb:
                other_verbs.add(ep.verb)
                continue
            if best_score is None or score > best_score:
                best, best_score = ep, score
        if best is None:
            return None, (sorted(other_verbs) if other_verbs else None)
        args = {}
        for tmpl, seg in zip(best.segments, segs):
            if tmpl.startswith("{"):
                args[tmpl[1:-1]] = seg
        return best, args

    # ------------------------------------------------------------ checking

    @staticmethod
    def decode_path_args(raw):
        """Decoded path parameters; Problem when one is not properly encoded."""
        out = {}
        for name, seg in raw.items():
            if not SEGMENT_RE.match(seg):
                raise Problem("path parameter %s: %r is not percent-encoded (only A-Z a-z 0-9 - . _ ~ "
                              "and %%XX with upper-case hex may appear)" % (name, seg))
            try:
                out[name] = urllib.parse.unquote_to_bytes(seg).decode("utf-8")
            except UnicodeDecodeError:
                raise Problem("path parameter %s: %r does not decode to UTF-8" % (name, seg))
        return out

    @staticmethod
    def received(ep, method, query_string, body, content_type):
        """The parameters as they arrived: (location, {name: value}), values
        being a string or, for a repeated query key, a list of strings; or a
        parsed JSON object. Problem when they travelled the wrong way."""
        location = ep.first("location")
        if location == "query":
            if body:
                raise Problem("%s parameters travel in the query string, but a %d-byte body came "
                              "(Content-Type %r)" % (method, len(body), content_type or ""))
            pairs = urllib.parse.parse_qsl(query_string, keep_blank_values=True, errors="strict")
            params = {}
            for k, v in pairs:
                if k in params:
                    if not isinstance(params[k], list):
                        params[k] = [params[k]]
                    params[k].append(v)
                else:
                    params[k] = v
            return location, params
        if query_string:
            raise Problem("%s parameters travel in the %s body, but the query string is %r"
                          % (method, "JSON" if location == "json" else "form", query_string))
        if location == "json":
            if content_type != "application/json":
                raise Problem("%s parameters travel in a JSON body, but Content-Type is %r"
                              % (method, content_type or ""))
            try:
                params = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                raise Problem("the body is not valid JSON: %r" % body[:80])
            if not isinstance(params, dict):
                raise Problem("the JSON body must be an object, got %s" % type(params).__name__)
            return location, params
        # form
        if content_type != "application/x-www-form-urlencoded":
            raise Problem("%s parameters travel in a form body, but Content-Type is %r"
                          % (method, content_type or ""))
        params = {}
        for k, v in urllib.parse.parse_qsl(body.decode("latin-1"), keep_blank_values=True):
            params.setdefault(k, v)
        return location, params

    @staticmethod
    def value_problem(name, value, spec, location):
        """What is wrong with one value (a string), or None."""
        f = spec["format"]
        if location == "query" and isinstance(value, list) and f != "list":
            return "%s is repeated (%d values); only list parameters may repeat" % (name, len(value))
        if f == "list":
            values = value if isinstance(value, list) else [value]
            if not all(isinstance(v, str) for v in values):
                return "%s must be strings, got %r" % (name, value)
            return None
        if f == "json_bool":
            return None if isinstance(value, bool) else "%s must be a JSON boolean, got %r" % (name, value)
        if f == "json_number":
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            return None if ok else "%s must be a JSON number, got %r" % (name, value)
        if f == "json_array_or_null":
            ok = value is None or isinstance(value, list)
            return None if ok else "%s must be a JSON array or null, got %r" % (name, value)
        if f == "json_array":
            return None if isinstance(value, list) else "%s must be a JSON array, got %r" % (name, value)
        if f == "json_object":
            return None if isinstance(value, dict) else "%s must be a JSON object, got %r" % (name, value)
        if not isinstance(value, str):
            return "%s must be a string (%s), got %s %r" % (name, f, type(value).__name__, value)
        if f == "bool10":
            return None if value in ("1", "0") else '%s must be "1" or "0", got %r' % (name, value)
        if f == "truefalse":
            return None if value in ("true", "false") else '%s must be "true" or "false", got %r' % (name, value)
        if f == "pybool":
            return None if value in ("True", "False") else '%s must be "True" or "False", got %r' % (name, value)
        if f == "int_string":
            return None if DIGITS_RE.match(value) else "%s must be decimal digits, got %r" % (name, value)
        if f == "unix_ms":
            if not DIGITS_RE.match(value) or int(value) < 10 ** 11:
                return "%s must be Unix milliseconds, got %r" % (name, value)
            return None
        if f == "unix_s":
            if not DIGITS_RE.match(value) or int(value) >= 10 ** 11:
                return "%s must be Unix seconds, got %r" % (name, value)
            return None
        if f == "enum":
            ok = value in spec["values"]
            return None if ok else "%s must be one of %s, got %r" % (name, ", ".join(spec["values"]), value)
        if f == "json_array_string":
            try:
                ok = isinstance(json.loads(value), list)
            except ValueError:
                ok = False
            return None if ok else "%s must be one string holding a JSON array, got %r" % (name, value)
        if f == "csv":
            return None if value else "%s must be comma-separated values, got an empty string" % name
        if f == "base64":
            try:
                ok = bool(BASE64_RE.match(value)) and len(value) % 4 == 0
                base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                ok = False
            return None if ok else "%s must be base64, got %r" % (name, value[:40])
        return "%s: unknown format %r in the facts" % (name, f)

    def fact_problems(self, fact, params, app_type, location):
        """Everything wrong with params for this fact (a list of strings)."""
        problems = []
        accounts_on_admin = app_type == "accounts" and fact.api == "admin"
        if fact.body == "object":
            return problems
        for name in fact.required:
            if name not in params:
                problems.append("missing required parameter %s" % name)
        for name in sorted(params):
            if name in fact.allowed:
                continue
            if name == "account_id":
                if accounts_on_admin:
                    continue
                problems.append("account_id is only sent with Accounts API credentials on a child "
                                "account's Admin API")
                continue
            if any(name.startswith(p) and len(name) > len(p) for p in fact.prefixes):
                continue
            problems.append("unknown parameter %s" % name)
        for name, spec in fact.values.items():
            if name in params:
                p = self.value_problem(name, params[name], spec, location)
                if p:
                    problems.append(p)
        if location == "json":
            for name, value in params.items():
                nested = isinstance(value, (dict, list))
                if nested and name != "account_id" and name not in fact.values:
                    problems.append("%s must be a scalar, got a JSON %s" % (
                        name, "object" if isinstance(value, dict) else "array"))
        if location == "query":
            for name, value in params.items():
                if isinstance(value, list) and name not in fact.values:
                    problems.append("%s is repeated (%d values); only list parameters may repeat"
                                    % (name, len(value)))
        return problems

    def check(self, ep, params, app_type, location):
        """Names of the facts params fit; Problem naming the closest fit when none."""
        results = [(f, self.fact_problems(f, params, app_type, location)) for f in ep.facts]
        good = [f.name for f, probs in results if not probs]
        if good:
            return good
        fact, probs = min(results, key=lambda r: len(r[1]))
        others = [f.name for f in ep.facts if f is not fact]
        detail = "%s %s as %s: %s" % (ep.verb, ep.path, fact.name, "; ".join(probs))
        if others:
            detail += " (fits none of %s either)" % ", ".join(sorted(set(others)))
        raise Problem(detail)
