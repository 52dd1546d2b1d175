#!/usr/bin/env python3
"""One-time helper: print a first draft of scripts/duo/catalogue.lua's rows
from the shared duo-endpoints.json.

It was run once to start the catalogue; the draft was then edited by hand
(encodings, defaults, variants, permissions, judgement calls listed in
tests/data/catalogue_notes.md). scripts/duo/catalogue.lua is now the source
of truth: do not regenerate it, edit its rows. The script stays as a record
of where the first draft came from and as a quick way to diff the catalogue
against a newer duo-endpoints.json (e.g. to spot added methods).

usage: gen_catalogue.py [path/to/duo-endpoints.json] > draft.lua
"""

import json
import re
import sys

DEFAULT_SOURCE = "/work/shared/spec/duo-endpoints.json"

API_NAMES = {
    "admin": "admin",
    "accounts": "accounts",
    "auth": "auth",
    "auth_v1": "auth_v1",
    "admin (via Accounts API credentials on a child account)": "admin",
}

# client-side name -> wire name, where they differ (from the methods' notes)
RENAMES = {
    "remaining_uses": "reuse_count",
    "integration_type": "type",
    "event_type": "type",
    "usernames": "username_list",
    "user_ids": "user_id_list",
    "group_ids": "group_id_list",
    "async_txn": "async",
    "custom_attribute_map": "custom_attributes.*",
}

FIXED_TOKEN_TYPE = {
    "add_hotp6_token": "h6", "add_hotp8_token": "h8",
    "add_totp6_token": "t6", "add_totp8_token": "t8",
    "add_yubikey_token": "yk",
}

# resource (third path segment) -> (read permission, write permission)
PERMISSIONS = {
    "admins": ("Grant administrators", "Grant administrators"),
    "administrative_units": ("Grant administrators", "Grant administrators"),
    "integrations": ("Grant applications", "Grant applications"),
    "settings": ("Grant settings", "Grant settings"),
    "logo": ("Grant settings", "Grant settings"),
    "info": ("Grant read information", "Grant read information"),
    "logs": ("Grant read log", "Grant read log"),
    "trust_monitor": ("Grant read log", "Grant read log"),
}
RESOURCE_PERMISSIONS = ("Grant read resource", "Grant write resource")
NO_PERMISSION = {"billing", "account", "auth", "rest"}

RESOURCE_ORDER = [
    "users", "bypass_codes", "phones", "tokens", "u2ftokens", "webauthncredentials",
    "desktoptokens", "endpoints", "registered_devices", "groups", "admins",
    "administrative_units", "integrations", "settings", "logo", "info", "logs",
    "trust_monitor", "policies", "passport", "identity_verification", "billing",
]

READ_POSTS = {"get_child_accounts", "enroll_status", "preauth"}


def resource_of(path):
    parts = [p for p in path.split("/") if p]
    # /admin/v1/users/... -> users ; /rest/v1/ping -> rest
    if parts[0] in ("auth", "rest"):
        return parts[0]
    return parts[2] if len(parts) > 2 else parts[-1]


def lua_list(items):
    return "{ " + ", ".join('"%s"' % i for i in items) + " }" if items else "{}"


def draft_row(m):
    api = API_NAMES[m["api"]]
    paths = m["path"] if isinstance(m["path"], list) else [m["path"]]
    resource = resource_of(paths[0])
    writes = m["verb"] != "GET" and m["name"] not in READ_POSTS
    if resource in NO_PERMISSION:
        perm = None
    else:
        pair = PERMISSIONS.get(resource, RESOURCE_PERMISSIONS)
        perm = pair[1] if writes else pair[0]
    path_params = set(m["path_params"])
    client = [a for a in m["args"] + m["named"]
              if a not in path_params and a not in ("limit", "offset")]
    wire = {a: RENAMES[a] for a in client if a in RENAMES}
    fields = [
        'name = "%s"' % m["name"],
        'verb = "%s"' % m["verb"],
        'path = "%s"' % paths[-1],
    ]
    if len(paths) > 1:
        fields.append("-- TODO variants: %s" % ", ".join(paths))
    fields.append("args = %s" % lua_list(m["args"]))
    if m["named"]:
        fields.append("named = %s" % lua_list(m["named"]))
    if wire:
        fields.append("wire = { %s }" % ", ".join(
            '%s = "%s"' % (k, v) for k, v in sorted(wire.items())))
    if m["name"] in FIXED_TOKEN_TYPE:
        fields.append('fixed = { type = "%s" }' % FIXED_TOKEN_TYPE[m["name"]])
    if m["params_required"]:
        fields.append("required = %s" % lua_list(m["params_required"]))
    if m["params_optional"]:
        fields.append("optional = %s" % lua_list(m["params_optional"]))
    if m["paging"] != "none":
        fields.append('paging = "%s"' % m["paging"])
    fields.append("writes = %s" % ("true" if writes else "false"))
    if perm:
        fields.append('permission = "%s"' % perm)
    line = "  { " + ", ".join(fields) + ",\n    summary = \"TODO\" },"
    if m["notes"]:
        line = "  -- notes: %s\n%s" % (re.sub(r"\s+", " ", m["notes"]), line)
    return api, resource, line


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_SOURCE
    with open(source, encoding="utf-8") as f:
        methods = json.load(f)["methods"]
    groups = {}
    order = []
    for m in methods:
        api, resource, line = draft_row(m)
        key = (api, resource)
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(line)
    order.sort(key=lambda k: (["admin", "accounts", "auth", "auth_v1"].index(k[0]),
                              RESOURCE_ORDER.index(k[1]) if k[1] in RESOURCE_ORDER else 99))
    for api, resource in order:
        print('  -- %s / %s' % (api, resource))
        for line in groups[(api, resource)]:
            print(line)
    print("-- %d methods" % len(methods), file=sys.stderr)


if __name__ == "__main__":
    main()
