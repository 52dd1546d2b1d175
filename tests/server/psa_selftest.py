#!/usr/bin/env python3
"""Checks the loopback PSA servers on their own, with Python's client: each
refuses what its vendor refuses (wrong keys, a missing clientId, the
discovery host instead of the zone, no token), pages as documented, and
serves injected 429s with Retry-After. A bug in the servers would otherwise
hide behind a matching bug in the Lua sources."""
import base64
import json
import os
import ssl
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
CERTS = os.path.join(HERE, "..", "certs")
CTX = ssl.create_default_context(cafile=os.path.join(CERTS, "ca.pem"))
failures = []


def call(url, method="GET", headers=None, body=None):
    req = urllib.request.Request(url, method=method, headers=headers or {}, data=body)
    try:
        with urllib.request.urlopen(req, context=CTX, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def check(what, cond):
    if not cond:
        failures.append(what)
        print("FAIL " + what)


def main():
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "psa_test_server.py"), "--certs", CERTS,
                             "--companies", "120", "--max-seconds", "120"], stdout=subprocess.PIPE, text=True)
    ports = {}
    for line in proc.stdout:
        words = line.split()
        if words[0] == "PORT":
            ports[words[1]] = int(words[2])
        if words[0] == "READY":
            break
    try:
        run(ports)
    finally:
        proc.terminate()
        proc.wait()
    print("psa_selftest: %d failures" % len(failures))
    return 1 if failures else 0


def run(ports):
    cw = "https://127.0.0.1:%d/v4_6_release/apis/3.0/company/companies" % ports["connectwise"]
    good = "Basic " + base64.b64encode(b"duotest+cwPublicKeyTest01:cwPrivateKeyTestSecret01").decode()
    bad = "Basic " + base64.b64encode(b"duotest+cwPublicKeyTest01:wrong").decode()
    client = {"clientId": "c0ffee00-0000-4000-8000-00000000c001"}
    check("connectwise: wrong private key is 401", call(cw, headers=dict(client, Authorization=bad))[0] == 401)
    status, _, body = call(cw, headers={"Authorization": good})
    check("connectwise: no clientId is 400 naming clientId", status == 400 and b"clientId" in body)
    q = urllib.parse.urlencode({"conditions": 'deletedFlag=false and status/name="Active"', "pageSize": 50})
    status, headers, body = call(cw + "?" + q, headers=dict(client, Authorization=good))
    check("connectwise: a page of 50 with a next link",
          status == 200 and len(json.loads(body)) == 50 and 'rel="next"' in headers.get("Link", ""))
    status, _, body = call(cw + "?" + urllib.parse.urlencode({"conditions": "colour=1"}),
                           headers=dict(client, Authorization=good))
    check("connectwise: an unknown condition field is 400", status == 400)

    at = "https://127.0.0.1:%d" % ports["autotask"]
    status, _, body = call(at + "/atservicesrest/v1.0/zoneInformation?user=api@duotest.example")
    zone = json.loads(body)["url"] if status == 200 else ""
    check("autotask: zoneInformation names the zone", zone.endswith("/zone5/ATServicesRest/"))
    hdrs = {"UserName": "api@duotest.example", "Secret": "atSecretTestValue0001",
            "ApiIntegrationcode": "ATTESTINTEGRATION0001"}
    search = urllib.parse.quote(json.dumps({"filter": [{"op": "eq", "field": "isActive", "value": True}]}))
    check("autotask: the discovery host is not the zone",
          call(at + "/atservicesrest/v1.0/Companies/query?search=" + search, headers=hdrs)[0] == 404)
    check("autotask: a wrong secret is 401",
          call(zone + "V1.0/Companies/query?search=" + search, headers=dict(hdrs, Secret="x"))[0] == 401)
    status, _, body = call(zone + "V1.0/Companies/query?search=" + search, headers=hdrs)
    doc = json.loads(body) if status == 200 else {}
    check("autotask: 120 active companies, no next page",
          len(doc.get("items", [])) == 120 and doc["pageDetails"]["nextPageUrl"] is None)

    halo = "https://127.0.0.1:%d" % ports["halopsa"]
    form = b"grant_type=client_credentials&client_id=halo-test-client-01&client_secret=wrong&scope=all"
    status, _, body = call(halo + "/auth/token?tenant=duotest", "POST", body=form)
    check("halopsa: a wrong client secret is invalid_client", status == 401 and b"invalid_client" in body)
    check("halopsa: /api without a token is 401", call(halo + "/api/Client")[0] == 401)
    form = form.replace(b"secret=wrong", b"secret=haloTestClientSecret01")
    token = json.loads(call(halo + "/auth/token?tenant=duotest", "POST", body=form)[2])["access_token"]
    status, _, body = call(halo + "/api/Client?pageinate=true&page_size=50&page_no=3",
                           headers={"Authorization": "Bearer " + token})
    doc = json.loads(body)
    check("halopsa: page 3 of 50 holds the last 20 of 120", len(doc["clients"]) == 20 and doc["record_count"] == 120)

    itg = "https://127.0.0.1:%d" % ports["itglue"]
    check("itglue: a wrong key is 401", call(itg + "/organizations", headers={"x-api-key": "x"})[0] == 401)
    call(itg + "/test/throttle", "POST", body=json.dumps({"count": 1, "retry_after": 7}).encode())
    status, headers, _ = call(itg + "/organizations", headers={"x-api-key": "ITG.itglueTestApiKey01"})
    check("itglue: an injected 429 carries Retry-After", status == 429 and headers.get("Retry-After") == "7")
    status, _, body = call(itg + "/organizations?page%5Bsize%5D=100", headers={"x-api-key": "ITG.itglueTestApiKey01"})
    doc = json.loads(body)
    check("itglue: links.next on the first of two pages", doc["links"].get("next") and doc["meta"]["total-pages"] == 2)


if __name__ == "__main__":
    sys.exit(main())
