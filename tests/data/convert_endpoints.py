#!/usr/bin/env python3
"""Turn the shared duo-endpoints.json and duo-endpoints-extra.json into
tests/data/endpoint_facts.json.

The loopback test server (tests/server/duo_test_server.py) checks every
request against these facts: verb, path template, path parameters, where the
parameters travel, which wire parameters are required or allowed, and a few
value formats. The facts come from the spec files (duo-endpoints.json and
duo-api.md), never from scripts/duo/catalogue.lua, so a catalogue mistake
shows up as a failing test instead of being copied into the server.

Where duo-lua deliberately departs from duo-endpoints.json (the judgement
calls of tests/data/catalogue_notes.md), the departure is written here by
hand, in ACCEPTED, with the reason; each one lands in the output twice: in the
top-level "accepted_differences" list, and as a "comment" on the affected
fact. Anything not listed there is checked exactly as the spec says.

usage: convert_endpoints.py [duo-endpoints.json [duo-endpoints-extra.json]] [endpoint_facts.json]
       convert_endpoints.py --check   (exit 1 when the committed facts are stale,
                                       77 when a spec file is not there)

duo-endpoints-extra.json (rows from Duo's Ruby client and the PowerShell
module, the Device API among them) has the same row format; a row without
params_location sends its parameters the usual way for its verb, and a
paging that is not one of PAGING_PARAMS (the Device API's "cursor-like"
listing) is "none" with its limit and offset as ordinary parameters.

Output (one "facts" entry per method and path; a method with two paths, such
as get_authentication_log, gives two):

    name, api ("admin" | "accounts" | "auth" | "auth_v1" | "device"),
    app         the credentials that sign it: "admin" | "accounts" | "auth" | "device"
    child_only  true: only with Accounts API keys and an account_id
    verb, path  path template, "{x}" for a path parameter
    path_params the {x} names, in order
    location    "query" | "json" | "form": where parameters travel
    body        "params": the body holds the parameters below;
                "object": any JSON object (the caller's whole request)
    required, optional   wire parameter names
    prefixes    wire-name prefixes allowed with any suffix ("custom_attributes.")
    paging, paging_params, max_limit
    values      wire parameter -> {format, [values], [comment]} (see FORMATS)
    response    "json" | "png"
    unsigned    true for GET /auth/v2/ping
    comment     why this fact differs from duo-endpoints.json (accepted
                differences), or where a detail comes from
    certainty   rows of duo-endpoints-extra.json: "high" | "medium", from
                their notes
"""

import hashlib
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SOURCE = "/work/shared/spec/duo-endpoints.json"
DEFAULT_EXTRA = "/work/shared/spec/duo-endpoints-extra.json"
DEFAULT_OUTPUT = os.path.join(HERE, "endpoint_facts.json")
SKIPPED = 77  # ctest's SKIP_RETURN_CODE

API_NAMES = {
    "admin": "admin",
    "accounts": "accounts",
    "auth": "auth",
    "auth_v1": "auth_v1",
    "device": "device",
    "admin (via Accounts API credentials on a child account)": "admin",
}
APP_OF_API = {"admin": "admin", "accounts": "accounts", "auth": "auth", "auth_v1": "auth",
              "device": "device"}
VERB_LOCATION = {"GET": "query", "DELETE": "query", "POST": "json", "PUT": "json"}

LOCATIONS = {
    "query string": "query",
    "JSON body (Content-type: application/json)": "json",
    "form body (application/x-www-form-urlencoded)": "form",
    "form body (application/x-www-form-urlencoded) in both sources (signature v2); "
    "a v5 JSON body is presumably also accepted": "form",
}

# Parameters each paging style adds to the wire (duo-endpoints.json "about"
# and duo-api.md section 5).
PAGING_PARAMS = {
    "none": [],
    "offset": ["limit", "offset"],
    "page-or-all": ["limit", "offset"],
    "logs-v1": [],
    "logs-v2": ["limit", "next_offset"],
    "cursor": ["limit", "offset"],
}

# Value formats the server understands (tests/server/duo_test_server.py).
FORMATS = {
    "bool10": 'the string "1" or "0"',
    "pybool": 'the string "True" or "False" (Python\'s str(bool))',
    "truefalse": 'the string "true" or "false"',
    "int_string": "a string of decimal digits",
    "json_array_string": "one string holding a JSON array",
    "json_bool": "a JSON boolean",
    "json_number": "a JSON number",
    "json_array": "a JSON array",
    "json_array_or_null": "a JSON array, or null (not given)",
    "json_object": "a JSON object",
    "csv": "a string, comma-separated values",
    "base64": "a base64 string",
    "unix_ms": "Unix milliseconds (decimal digits, >= 1e11)",
    "unix_s": "Unix seconds (decimal digits, < 1e11)",
    "enum": "one of the listed values",
    "list": "a scalar, or a repeated parameter (one key=value pair per element)",
}

S1 = "duo-endpoints.json notes"
X1 = "duo-endpoints-extra.json notes"
API5 = "duo-api.md section 5"
API6 = "duo-api.md section 6"
API7 = "duo-api.md section 7"

SETTINGS_BOOLS = [
    "email_activity_notification_enabled", "enrollment_universal_prompt_enabled",
    "fraud_email_enabled", "helpdesk_can_send_enroll_email",
    "password_requires_lower_alpha", "password_requires_numeric",
    "password_requires_special", "password_requires_upper_alpha",
    "push_activity_notification_enabled", "security_checkup_enabled", "sms_refresh",
    "user_managers_can_put_users_in_bypass",
]
ADMIN_AUTH_BOOLS = [
    "hardware_token_enabled", "mobile_otp_enabled", "push_enabled", "sms_enabled",
    "verified_push_enabled", "voice_enabled", "yubikey_enabled",
]
INTEGRATION_BOOLS = [
    "adminapi_admins", "adminapi_info", "adminapi_integrations", "adminapi_read_log",
    "adminapi_read_resource", "adminapi_settings", "adminapi_write_resource",
    "self_service_allowed",
]
LOG_V2_FILTERS = ["users", "groups", "applications", "results", "reasons", "factors",
                  "event_types"]


def fmt(format_, source, values=None, comment=None):
    out = {"format": format_, "source": source}
    if values is not None:
        out["values"] = values
    if comment:
        out["comment"] = comment
    return out


# Value facts of duo-endpoints-extra.json rows that several rows share.
ADMIN_UNIT_VALUES = dict(
    {k: fmt("json_bool", X1 + ": booleans") for k in ("restrict_by_groups", "restrict_by_integrations")},
    **{k: fmt("json_array", X1 + ": the Ruby client puts arrays into a JSON body (v5)")
       for k in ("admins", "groups", "integrations")})
BRANDING_VALUES = {
    "background_img": fmt("base64", X1 + ": PNG as base64"),
    "logo": fmt("base64", X1 + ": PNG as base64"),
    "powered_by_duo": fmt("json_bool", X1 + ": powered_by_duo: boolean")}
INTEGRATION_OLD_BOOLS = {k: fmt("bool10", X1 + ": adminapi_*, self_service_allowed: 1/0") for k in INTEGRATION_BOOLS}
INTEGRATION_V1_VALUES = dict(
    INTEGRATION_OLD_BOOLS,
    **{k: fmt("csv", X1 + ": comma-separated") for k in ("groups_allowed", "networks_for_api_access")})
INTEGRATION_V2_VALUES = dict(
    INTEGRATION_OLD_BOOLS, groups_allowed=fmt("csv", X1 + ": comma-separated"),
    sso=fmt("json_object", X1 + ": sso is an object inside the JSON body"))
RESET_SECRET_KEY = fmt("enum", X1 + ": reset_secret_key = 1 issues a new secret", values=["1"])
SHARED_DEVICE_VALUES = {
    "group_id_list": fmt("json_array", X1 + ": arrays end up as JSON arrays in the v5 body"),
    "trusted_endpoint_integration_id_list": fmt("json_array", X1 + ": as group_id_list"),
    "active": fmt("json_bool", X1 + ": presumably a boolean")}

# Value facts stated by the spec: (method name, path or None for every path)
# -> {wire parameter: format}. Only what a spec file says is here.
VALUES = {
    ("get_users_by_names", None): {
        "username_list": fmt("json_array_string", S1 + ": a JSON-encoded array string sent as ONE query param")},
    ("get_users_by_ids", None): {
        "user_id_list": fmt("json_array_string", S1 + ": a JSON-encoded array string sent as ONE query param")},
    ("get_groups_by_group_ids", None): {
        "group_id_list": fmt("json_array_string", S1 + ": a JSON-encoded array string")},
    ("add_user_bypass_codes", None): {
        "codes": fmt("csv", S1 + ": codes list -> comma-joined"),
        "preserve_existing": fmt("json_bool", S1 + ": passed as given (bool -> JSON true/false under v5)")},
    ("update_settings", None): {
        k: fmt("bool10", S1 + ': booleans sent as "1"/"0"',
               comment="which settings are booleans is read off their names")
        for k in SETTINGS_BOOLS},
    ("set_allowed_admin_auth_methods", None): dict(
        {k: fmt("bool10", S1 + ': booleans "1"/"0"') for k in ADMIN_AUTH_BOOLS},
        verified_push_length=fmt("json_number", S1 + ": verified_push_length (int, JSON number)")),
    ("create_integration", None): dict(
        {k: fmt("bool10", S1 + ': booleans "1"/"0"') for k in INTEGRATION_BOOLS},
        sso=fmt("json_object", S1 + ": sso/user_access dicts go into the JSON body as objects"),
        user_access=fmt("json_object", S1 + ": sso/user_access dicts go into the JSON body as objects")),
    ("update_integration", None): dict(
        {k: fmt("bool10", S1 + ': booleans sent as "1"/"0"') for k in INTEGRATION_BOOLS},
        reset_secret_key=fmt("enum", S1 + ': reset_secret_key sends "1"', values=["1"]),
        ip_whitelist=fmt("csv", S1 + ": ip_whitelist list -> comma-joined"),
        sso=fmt("json_object", "as create_integration"),
        user_access=fmt("json_object", "as create_integration")),
    ("activate_admin", None): {
        # accepted difference: see ACCEPTED
        "send_email": fmt("pybool", S1 + ': send_email is str(bool) -> "True"/"False"'),
        "valid_days": fmt("int_string", S1 + ": valid_days str")},
    ("update_admin", None): {
        "password_change_required": fmt("json_bool", S1 + ": passed as given (bool -> JSON bool)")},
    ("update_admin_password_mgmt_status", None): {
        # accepted difference: see ACCEPTED
        "has_external_password_mgmt": fmt("pybool", S1 + ': str(bool) -> "True"/"False"')},
    ("update_logo", None): {"logo": fmt("base64", S1 + ": logo bytes base64-encoded")},
    ("update_policies_v2", None): {
        "policies_to_update": fmt("json_object", S1 + ": nested JSON body"),
        "policy_changes": fmt("json_object", S1 + ": nested JSON body")},
    ("copy_policy_v2", None): {
        "new_policy_names_list": fmt("json_array", S1 + ': {"policy_key":..,"new_policy_names_list":[...]}')},
    ("update_passport_config", None): {
        "custom_supported_browsers": fmt("json_object", S1 + ': defaults to {"macos":[],"windows":[]}'),
        "enabled_groups": fmt("json_array_or_null", S1 + ": JSON body with lists/dicts; the Python "
                              "client's test_passport: null when not given"),
        "disabled_groups": fmt("json_array_or_null", S1 + ": JSON body with lists/dicts; the Python "
                               "client's test_passport: null when not given")},
    ("set_telephony_credits", None): {"credits": fmt("int_string", S1 + ": credits stringified")},
    ("set_edition", None): {
        "edition": fmt("enum", API6 + ": edition = ENTERPRISE, PLATFORM or BEYOND",
                       values=["ENTERPRISE", "PLATFORM", "BEYOND"])},
    ("enroll", None): {
        "valid_secs": fmt("int_string", S1 + ": valid_secs/bypass_codes stringified ints"),
        "bypass_codes": fmt("int_string", S1 + ": valid_secs/bypass_codes stringified ints")},
    ("auth", "/auth/v2/auth"): {
        "async": fmt("bool10", S1 + ': async_txn -> wire "async" = "1"/"0" (always sent)'),
        "factor": fmt("enum", API7 + ": factor (auto, push, passcode, sms, phone)",
                      values=["auto", "push", "passcode", "sms", "phone"])},
    ("get_administrator_log", None): {"mintime": fmt("unix_s", API5 + ": logs v1 mintime in Unix seconds")},
    ("get_offline_log", None): {"mintime": fmt("unix_s", API5 + ": logs v1 mintime in Unix seconds")},
    ("get_authentication_log", "/admin/v1/logs/authentication"): {
        "mintime": fmt("unix_s", API5 + ": logs v1 mintime in Unix seconds")},
    ("get_telephony_log", "/admin/v1/logs/telephony"): {
        "mintime": fmt("unix_s", API5 + ": logs v1 mintime in Unix seconds")},
    ("get_authentication_log", "/admin/v2/logs/authentication"): dict(
        {k: fmt("list", API5 + ": filters (users, groups, ...) are lists") for k in LOG_V2_FILTERS},
        assessment=fmt("list", "by analogy with the other filters",
                       comment="accepted: duo-api.md lists seven filters; assessment and detections are "
                               "filters of the official client too, sent the same way"),
        detections=fmt("list", "by analogy with the other filters",
                       comment="accepted: as assessment"),
        mintime=fmt("unix_ms", API5 + ": Unix milliseconds"),
        maxtime=fmt("unix_ms", API5 + ": Unix milliseconds"),
        sort=fmt("enum", API5 + ": sort=ts:asc|ts:desc", values=["ts:asc", "ts:desc"])),
    ("get_activity_logs", None): {
        "mintime": fmt("unix_ms", API5 + ": Unix milliseconds"),
        "maxtime": fmt("unix_ms", API5 + ": Unix milliseconds"),
        "sort": fmt("enum", API5 + ": sort=ts:asc|ts:desc", values=["ts:asc", "ts:desc"])},
    ("get_telephony_log", "/admin/v2/logs/telephony"): {
        "mintime": fmt("unix_ms", API5 + ": Unix milliseconds"),
        "maxtime": fmt("unix_ms", API5 + ": Unix milliseconds"),
        "sort": fmt("enum", S1 + ': sort "ts:desc"|"ts:asc"', values=["ts:asc", "ts:desc"])},
    # duo-endpoints-extra.json
    ("create_administrative_unit", None): ADMIN_UNIT_VALUES,
    ("update_administrative_unit", None): ADMIN_UNIT_VALUES,
    ("update_custom_branding", None): BRANDING_VALUES,
    ("update_draft_custom_branding", None): dict(
        BRANDING_VALUES, user_ids=fmt("csv", X1 + ": user_ids: comma-separated user IDs")),
    ("update_custom_messaging", None): {
        "help_links": fmt("csv", X1 + ": help_links: comma-separated")},
    ("create_integration_v1", None): INTEGRATION_V1_VALUES,
    ("update_integration_v1", None): dict(
        INTEGRATION_V1_VALUES, reset_secret_key=RESET_SECRET_KEY,
        prompt_v4_enabled=fmt("bool10", X1 + ": prompt_v4_enabled (1 = Universal Prompt, 0 = traditional)")),
    ("create_integration_v2", None): INTEGRATION_V2_VALUES,
    ("update_integration_v2", None): dict(INTEGRATION_V2_VALUES, reset_secret_key=RESET_SECRET_KEY),
    ("bulk_operations", None): {
        "operations": fmt("json_array_string", X1 + ": a JSON-encoded array (sent as one string parameter)")},
    ("bulk_create_users", None): {"users": fmt("json_array_string", X1 + ": a JSON-encoded array")},
    ("bulk_restore_users", None): {"user_id_list": fmt("json_array_string", X1 + ": JSON-encoded array")},
    ("bulk_trash_users", None): {"user_id_list": fmt("json_array_string", X1 + ": JSON-encoded array")},
    ("create_shared_desktop_authenticator", None): SHARED_DEVICE_VALUES,
    ("update_shared_desktop_authenticator", None): SHARED_DEVICE_VALUES,
    ("block_registered_devices", None): {
        "registered_device_key_list": fmt(
            "json_array", X1 + ": the Ruby client sends a JSON array",
            comment="the notes call the encoding uncertain (the Python PR sends a JSON-encoded "
                    "string); we follow Duo's released Ruby client")},
    ("unblock_registered_devices", None): {
        "registered_device_key_list": fmt(
            "list", X1 + ": the Ruby client repeats the key once per compkey",
            comment="the notes call the encoding uncertain; we follow Duo's released Ruby client")},
    ("create_device_cache", None): {
        "active": fmt("pybool", X1 + ": active is sent as a Python-style boolean string")},
    ("add_device_cache_devices", None): {
        "devices": fmt("json_array", X1 + ": a list of device objects sent in a JSON body")},
    ("delete_device_cache_devices", None): {
        "devices": fmt("list", X1 + ": device identifiers to remove",
                       comment="a DELETE carries them in the query, one devices=... pair each")},
    ("get_device_cache_devices", None): {
        "device_ids": fmt("list", X1 + ": device_ids, a list in the query")},
}

# Per-path facts for the methods whose spec entry has two paths: the entry
# lumps the parameters of both; duo-api.md section 5 tells them apart.
PER_PATH = {
    ("get_authentication_log", "/admin/v1/logs/authentication"): {
        "paging": "logs-v1", "required": ["mintime"], "optional": [],
        "comment": "the spec entry lumps v1 and v2; v1 takes mintime only (" + API5 + ")"},
    ("get_authentication_log", "/admin/v2/logs/authentication"): {
        "paging": "logs-v2", "required": ["mintime", "maxtime"],
        "optional": ["applications", "assessment", "detections", "event_types", "factors",
                     "groups", "next_offset", "reasons", "results", "sort", "users"],
        "comment": "v2: mintime and maxtime both required (" + API5 + ")"},
    ("get_telephony_log", "/admin/v1/logs/telephony"): {
        "paging": "logs-v1", "required": ["mintime"], "optional": [],
        "comment": "the spec entry lumps v1 and v2; v1 takes mintime only (" + API5 + ")"},
    ("get_telephony_log", "/admin/v2/logs/telephony"): {
        "paging": "logs-v2", "required": ["mintime"],
        "optional": ["filters", "maxtime", "next_offset", "sort"],
        "comment": "v2 parameters of the spec entry"},
}

# Where duo-lua's catalogue deliberately differs from duo-endpoints.json
# (tests/data/catalogue_notes.md). Each entry: the method, the paths it
# concerns (None: all), what the spec says, what duo-lua does, why, and a
# change to the facts (a function of the fact) when the wire differs.


def _drop_optional(name):
    def change(fact):
        fact["optional"] = [p for p in fact["optional"] if p != name]
    return change


def _set_format(param, new):
    def change(fact):
        fact["values"][param] = dict(fact["values"].get(param, {}), **new)
    return change


def _make_optional(name):
    def change(fact):
        fact["required"] = [p for p in fact["required"] if p != name]
        fact["optional"] = sorted(set(fact["optional"]) | {name})
    return change


def _set_location(location):
    def change(fact):
        fact["location"] = location
    return change


ACCEPTED = [
    {"method": "get_authentication_log", "paths": None,
     "spec": "api_version is listed among the wire parameters; default api_version 1",
     "ours": "api_version only picks the path and is never sent; the default is v2",
     "why": "catalogue_notes.md 1 and 3: Duo deprecates the v1 handlers; the official client "
            "does not send api_version either",
     "change": _drop_optional("api_version")},
    {"method": "get_telephony_log", "paths": None,
     "spec": "default api_version 1; v2 maxtime default now-120 ms",
     "ours": "default v2; maxtime defaults to now",
     "why": "catalogue_notes.md 1 and 2: v1 is deprecated; -120 ms looks like a seconds/ms slip",
     "change": None},
    {"method": "get_group", "paths": None,
     "spec": "default api_version 1 (/admin/v1/groups/{group_id})",
     "ours": "default v2 (/admin/v2/groups/{group_id})",
     "why": "catalogue_notes.md 1: the v1 group handler is deprecated",
     "change": None},
    {"method": "activate_admin", "paths": None,
     "spec": 'send_email is str(bool): "True"/"False"',
     "ours": 'send_email "1"/"0", always sent (default false)',
     "why": "catalogue_notes.md 6: Duo's docs describe 1/0; Python's repr is an accident",
     "change": _set_format("send_email", {"format": "bool10",
                                           "comment": 'accepted difference: "1"/"0", not "True"/"False"'})},
    {"method": "update_admin_password_mgmt_status", "paths": None,
     "spec": 'has_external_password_mgmt is str(bool): "True"/"False"',
     "ours": '"true"/"false"',
     "why": "catalogue_notes.md 6: lower-case booleans, as the official client sends elsewhere",
     "change": _set_format("has_external_password_mgmt", {
         "format": "truefalse", "comment": 'accepted difference: "true"/"false", not "True"/"False"'})},
    {"method": "get_trust_monitor_events_by_offset", "paths": None,
     "spec": "paging page-or-all",
     "ours": "one call returning {events, metadata}; limit and offset (the previous next_offset) "
             "are ordinary wire parameters",
     "why": "catalogue_notes.md 4: the official client makes one call; the wire (limit, offset) "
            "is the same",
     "change": None},
    {"method": "get_authentication_log", "paths": ["/admin/v2/logs/authentication"],
     "spec": "filters: seven lists (duo-api.md); assessment and detections unspecified",
     "ours": "assessment and detections are lists (repeated keys) too",
     "why": "catalogue_notes.md 3: filters are `list`",
     "change": None},
    {"method": "add_admin", "paths": None,
     "spec": "phone is a required wire parameter",
     "ours": "phone is optional (and may be left out of the positional arguments)",
     "why": "Duo's Admin API docs (Create Administrator) list phone as optional",
     "change": _make_optional("phone")},
    {"method": "create_integration_v1", "paths": None,
     "spec": "form body (the Python client up to 4.6.1 signed these with signature v2)",
     "ours": "a JSON body, signed with signature v5 like every other write",
     "why": "duo-api.md section 2: v2 and v5 are both accepted on /admin, and under v5 the "
            "parameters of a POST travel as a JSON body; the row's own notes presume a v5 JSON "
            "body is accepted",
     "change": _set_location("json")},
    {"method": "update_integration_v1", "paths": None,
     "spec": "form body (the Python client up to 4.6.1 signed these with signature v2)",
     "ours": "a JSON body, signed with signature v5 like every other write",
     "why": "as create_integration_v1",
     "change": _set_location("json")},
]


# Endpoints of Duo's Admin API docs that neither spec file has a method for;
# written here by hand in the spec's row format, with where they come from.
DOCUMENTED = [
    {"name": "add_token", "api": "admin", "verb": "POST", "path": "/admin/v1/tokens", "path_params": [],
     "args": ["type", "serial"], "named": ["aes_key", "counter", "private_id", "secret", "totp_step"],
     "params_required": ["serial", "type"],
     "params_optional": ["aes_key", "counter", "private_id", "secret", "totp_step"],
     "params_location": "JSON body (Content-type: application/json)", "paging": "none",
     "response": "token object",
     "notes": "certainty: high; Duo Admin API docs, Create Hardware Token: type h6|h8|t6|t8|yk and "
              "serial required, the others by type"},
]


def path_params_of(path):
    return re.findall(r"{([^}]*)}", path)


def build(source, extra):
    facts = []
    extra_names = {m["name"] for m in extra + DOCUMENTED}
    for m in source["methods"] + extra + DOCUMENTED:
        api = API_NAMES[m["api"]]
        child_only = m["api"].startswith("admin (via Accounts")
        app = "accounts" if child_only else APP_OF_API[api]
        paths = m["path"] if isinstance(m["path"], list) else [m["path"]]
        for path in paths:
            fact = {
                "name": m["name"], "api": api, "app": app, "child_only": child_only,
                "verb": m["verb"], "path": path, "path_params": path_params_of(path),
                "location": (LOCATIONS[m["params_location"]] if "params_location" in m
                             else VERB_LOCATION[m["verb"]]),
                "body": "params",
                "required": sorted(m["params_required"]),
                "optional": sorted(m["params_optional"]),
                "prefixes": [],
                "paging": (m["paging"] if m["paging"] in PAGING_PARAMS or "|" in (m["paging"] or "")
                           else "none"),
                "values": {},
                "response": "png" if "PNG bytes" in m["response"] else "json",
                "unsigned": m["name"] == "ping",
            }
            if m["name"] in extra_names:
                # how sure the extra rows' facts are, for the catalogue to say the same
                fact["certainty"] = re.match(r"certainty: (\w+)", m["notes"]).group(1)
            assert sorted(fact["path_params"]) == sorted(m["path_params"]), (m["name"], path)
            per = PER_PATH.get((m["name"], path))
            if per:
                fact.update({k: v for k, v in per.items() if k != "comment"})
                fact["required"] = sorted(fact["required"])
                fact["optional"] = sorted(fact["optional"])
                fact["comment"] = per["comment"]
            assert "|" not in fact["paging"], (m["name"], path, "needs a PER_PATH entry")
            # "(whole caller-supplied json_request object)": any JSON object body
            if any(p.startswith("(") for p in fact["required"]):
                fact["required"] = []
                fact["body"] = "object"
            # custom_attributes.{attribute_name}: a prefix
            for p in list(fact["optional"]):
                if p.endswith(".{attribute_name}"):
                    fact["optional"].remove(p)
                    fact["prefixes"].append(p[: -len("{attribute_name}")])
            fact["paging_params"] = PAGING_PARAMS[fact["paging"]]
            if fact["paging_params"] and "limit" in fact["paging_params"]:
                # duo-api.md section 5: users 300, logs v2 1000, most others 500
                if path == "/admin/v1/users":
                    fact["max_limit"] = 300
                elif fact["paging"] == "logs-v2":
                    fact["max_limit"] = 1000
                else:
                    fact["max_limit"] = 500
            for (name, vpath), values in VALUES.items():
                if name == m["name"] and vpath in (None, path) and api != "auth_v1":
                    for k, v in values.items():
                        fact["values"][k] = dict(v)
            facts.append(fact)

    accepted = []
    for a in ACCEPTED:
        hits = [f for f in facts if f["name"] == a["method"] and f["api"] == "admin"
                and (a["paths"] is None or f["path"] in a["paths"])]
        assert hits, a["method"]
        for f in hits:
            if a["change"]:
                a["change"](f)
            note = "accepted difference: %s (spec: %s; why: %s)" % (a["ours"], a["spec"], a["why"])
            f["comment"] = (f["comment"] + "; " if f.get("comment") else "") + note
        accepted.append({k: a[k] for k in ("method", "spec", "ours", "why")})

    # every value fact names a wire parameter of its fact
    for f in facts:
        known = set(f["required"]) | set(f["optional"]) | set(f["paging_params"])
        for k, v in f["values"].items():
            assert k in known, (f["name"], f["path"], k)
            assert v["format"] in FORMATS, v

    return {
        "about": "Wire facts for the loopback Duo test server, generated by "
                 "tests/data/convert_endpoints.py from duo-endpoints.json and duo-endpoints-extra.json "
                 "(and duo-api.md for "
                 "paging limits, log time units and enumerations). Do not edit by hand.",
        "source": os.path.basename(DEFAULT_SOURCE),
        "source_sha256": hashlib.sha256(json.dumps(source, sort_keys=True).encode()).hexdigest(),
        "extra": os.path.basename(DEFAULT_EXTRA),
        "extra_sha256": hashlib.sha256(json.dumps(extra, sort_keys=True).encode()).hexdigest(),
        "formats": FORMATS,
        "accepted_differences": accepted,
        "facts": facts,
    }


def render(out):
    return json.dumps(out, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv):
    check = "--check" in argv
    argv = [a for a in argv if a != "--check"]
    source_path = argv[0] if argv else DEFAULT_SOURCE
    extra_path = argv[1] if len(argv) > 2 else DEFAULT_EXTRA
    out_path = argv[-1] if len(argv) in (2, 3) else DEFAULT_OUTPUT
    for spec in (source_path, extra_path):
        if check and not os.path.exists(spec):
            sys.stderr.write("%s is not here: cannot check %s (skipped)\n" % (spec, out_path))
            return SKIPPED
    with open(source_path, encoding="utf-8") as f:
        source = json.load(f)
    with open(extra_path, encoding="utf-8") as f:
        extra = json.load(f)
    text = render(build(source, extra))
    if check:
        with open(out_path, encoding="utf-8") as f:
            if f.read() != text:
                sys.stderr.write("%s is stale: run %s\n" % (out_path, sys.argv[0]))
                return 1
        return 0
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
