#!/usr/bin/env python3
"""The fleet report (duo-lua -w report) in a real browser: headless Chromium
renders the demo sandbox's page; the screenshot must not be blank, the DOM
Chromium built must hold the numbers user-counts --format json gives (also
after the inline script sorted the table), and account names full of markup
must stay text; printed to PDF it makes A4 landscape pages. One client's
page (report --org, with --since and --brand) must have the organization's
name as its title, list the users to act on by name as text, show the
change, draw the brand's embedded logo and load nothing. The pages, their
screenshots and the PDF are kept in ARTEFACT_DIR.

    test_report_browser.py DUO_LUA CHROMIUM ARTEFACT_DIR
"""
import collections
import html.parser
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

COUNTS = ["total", "active", "enrolled", "bypass", "disabled", "locked_out", "pending_deletion"]
FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL: " + what, file=sys.stderr)


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)
    if p.returncode != 0:
        sys.exit("failed (%d): %s\n%s" % (p.returncode, " ".join(cmd), p.stderr[-2000:]))
    return p.stdout


# --- PNG: the pixels of an 8-bit RGB or RGBA image, standard library only ---

def png_pixels(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("%s is not a PNG file" % path)
    pos, idat = 8, []
    width = height = channels = None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or color not in (2, 6) or interlace != 0:
                raise ValueError("unsupported PNG (depth %d, colour type %d, interlace %d)"
                                 % (depth, color, interlace))
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    rows, prior = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 255
        elif kind == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prior))
        elif kind == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + prior[i]) >> 1)) & 255
        elif kind == 4:
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b = prior[i]
                c = prior[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        elif kind != 0:
            raise ValueError("bad PNG filter %d on row %d" % (kind, y))
        rows.append(bytes(line))
        prior = line
    return width, height, channels, rows


def colour_stats(path):
    """(distinct colours, share of pixels that are not the most common colour)."""
    width, height, channels, rows = png_pixels(path)
    counts = collections.Counter()
    for line in rows:
        counts.update(zip(line[0::channels], line[1::channels], line[2::channels]))
    background = max(counts.values())
    return len(counts), 1 - background / (width * height)


# --- the DOM Chromium built ---

class ReportDom(html.parser.HTMLParser):
    """Rows (tr data-account-id) with their cells' data-key, data-value and
    text (outside charts); the overview's figures; every element and
    attribute seen."""

    def __init__(self):
        super().__init__()
        self.rows, self.figures, self.tags, self.attributes = [], {}, {}, set()
        self.title, self._in_title = "", False
        self.lists, self.changes, self.images, self.text = {}, {}, [], []
        self._list = self._li = None
        self._cell = self._figure = None
        self._svg = 0   # inside a chart: its <title> tooltips are not cell text
        self._in_email = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        self.attributes.update(name for name, _ in attrs)
        if tag == "title" and not self.title:
            self._in_title = True
        if tag == "svg":
            self._svg += 1
        if tag == "img":
            self.images.append(a.get("src", ""))
        if tag == "div" and "data-list" in a:
            self._list = self.lists.setdefault(a["data-list"], [])
        if tag == "li" and self._list is not None:
            self._li = []
        if tag == "span" and "data-change-key" in a:
            self.changes[a["data-change-key"]] = a.get("data-change")
        if tag == "tr" and "data-account-id" in a:
            self.rows.append({"account_id": a["data-account-id"], "cells": {}})
        elif tag == "td" and "data-key" in a and self.rows:
            self._cell = {"key": a["data-key"], "value": a.get("data-value"), "text": []}
        elif tag == "div" and "data-key" in a:
            self._figure = {"key": a["data-key"], "value": a.get("data-value"), "text": []}
        elif tag == "span" and a.get("class") == "email":
            self._in_email = True
        elif tag == "span" and a.get("class") == "name" and self._cell is not None:
            self._cell["name_start"] = len(self._cell["text"])

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        if tag == "li" and self._li is not None:
            self._list.append("".join(self._li).strip())
            self._li = None
        if tag == "div" and self._list is not None and self._li is None and self._figure is None:
            self._list = None
        if tag == "svg":
            self._svg -= 1
        if tag == "td" and self._cell is not None:
            c = self._cell
            c["text"] = "".join(c["text"]).strip()
            self.rows[-1]["cells"][c["key"]] = c
            self._cell = None
        elif tag == "div" and self._figure is not None:
            f = self._figure
            f["text"] = "".join(f["text"]).strip()
            self.figures[f["key"]] = f
            self._figure = None
        elif tag == "span" and self._in_email:
            self._in_email = False
        elif tag == "span" and self._cell is not None and "name_start" in self._cell:
            self._cell["name"] = "".join(self._cell["text"][self._cell.pop("name_start"):])

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        elif self._svg == 0:
            self.text.append(data)
        if self._li is not None and not self._in_email:
            self._li.append(data)
        for target in (self._cell, self._figure):
            if target is not None and self._svg == 0:
                target["text"].append(data)


def chromium(browser, profile, *args):
    return run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--user-data-dir=" + profile, "--no-first-run", *args])


def dom_of(browser, profile, url):
    parser = ReportDom()
    parser.feed(chromium(browser, profile, "--dump-dom", url))
    return parser


def solid_png(width, height, rgb):
    """A PNG of one colour, standard library only."""
    raw = b"".join(b"\0" + bytes(rgb) * width for _ in range(height))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xffffffff)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def client_page(duo_lua, browser, profile, artefacts, scratch, env):
    account_id = "DACLIENTPAGE00000001"
    org = 'Hostile & <b>Partners</b> "LLC" <script>document.title="pwned"</script>'
    bypass = ['<img src=x onerror="document.title=\'pwned\'">', "o'brien & co"]
    locked = ["locked.user"]
    not_enrolled = ["</li></ul><script>document.title='pwned'</script>", "new.hire"]
    users = ([{"username": u, "status": "bypass"} for u in bypass]
             + [{"username": u, "status": "locked out"} for u in locked]
             + [{"username": u, "is_enrolled": False} for u in not_enrolled]
             + [{"username": "fine%d" % i, "is_enrolled": True} for i in range(6)])
    for u in users:
        u.setdefault("is_enrolled", True)
    seed = {"version": 1, "accounts": [{"account_id": account_id, "name": "Duo Name Not Shown", "users": users},
                                       {"name": "Another Client", "users": [{"username": "x"}]}]}
    seed_path = os.path.join(scratch, "client.json")
    with open(seed_path, "w") as f:
        json.dump(seed, f)
    sb = [duo_lua, "--sandbox=" + seed_path]
    run(sb + ["-w", "mappings", "set", "--org", org, "--id", "PSA-9", "--account", account_id, "--yes"],
        env=env, cwd=scratch)
    counts = json.loads(run(sb + ["-w", "user-counts", "--format", "json"], env=env, cwd=scratch))
    for c in counts:
        if c["account_id"] == account_id:
            c["total"] -= 4
            c["bypass"] += 1
    earlier = os.path.join(scratch, "last-month.json")
    with open(earlier, "w") as f:
        json.dump(counts, f)
    with open(os.path.join(scratch, "logo.png"), "wb") as f:
        f.write(solid_png(120, 40, (255, 0, 170)))
    brand = os.path.join(scratch, "brand.json")
    with open(brand, "w") as f:
        json.dump({"name": "Magenta MSP <i>", "logo": "logo.png", "accent": "#ff00aa"}, f)
    page = os.path.join(artefacts, "report-client.html")
    run(sb + ["-w", "report", "--org", "PSA-9", "--since", earlier, "--brand", brand, "--output", page],
        env=env, cwd=scratch)
    shot = os.path.join(artefacts, "report-client.png")
    if os.path.exists(shot):
        os.remove(shot)
    dom = ReportDom()
    dom.feed(chromium(browser, profile, "--window-size=1000,900", "--screenshot=" + shot, "--dump-dom",
                      "file://" + page))
    check(dom.title == org, "client page title %r" % dom.title)
    check("script" not in dom.tags, "a script on the client page: %s" % dom.tags)
    for external in ("link", "iframe", "object", "embed"):
        check(external not in dom.tags, "the client page has a <%s>" % external)
    check(dom.tags.get("img") == 1 and dom.images[0].startswith("data:image/png;base64,"),
          "one image, the embedded logo: %r" % dom.images[:1])
    check("onerror" not in dom.attributes and "href" not in dom.attributes, "markup became attributes")
    check(dom.lists.get("bypass") == sorted(bypass), "bypass list %r" % dom.lists.get("bypass"))
    check(dom.lists.get("locked_out") == locked, "locked-out list %r" % dom.lists.get("locked_out"))
    check(dom.lists.get("not_enrolled") == sorted(not_enrolled), "not enrolled %r" % dom.lists.get("not_enrolled"))
    check(dom.changes.get("total") == "4" and dom.changes.get("bypass") == "-1", "changes %r" % dom.changes)
    text = " ".join(dom.text).lower()
    check("fleet" not in text and "child account" not in text and "duo name not shown" not in text,
          "fleet wording or Duo's name on a client's page")
    check("magenta msp <i>" in text, "the brand's name as text")
    colours, ink = colour_stats(shot)
    print("client screenshot %s: %d distinct colours, %.1f %% ink" % (shot, colours, ink * 100))
    check(colours >= 16 and ink >= 0.03, "the client page looks blank")
    width, height, channels, rows = png_pixels(shot)
    magenta = sum(1 for line in rows for i in range(0, len(line), channels)
                  if line[i] > 240 and line[i + 1] < 20 and 150 < line[i + 2] < 190)
    check(magenta >= 1000, "the logo is drawn: %d magenta pixels" % magenta)


def main():
    duo_lua, browser, artefacts = sys.argv[1:4]
    browser = shutil.which(browser) or browser
    if not os.path.exists(browser):
        sys.exit("chromium is not installed (sh .ci/test installs Debian's chromium package)")
    os.makedirs(artefacts, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="duo-report-")
    profile = os.path.join(scratch, "chromium")
    env = dict(os.environ, HOME=scratch, XDG_CONFIG_HOME=os.path.join(scratch, "cfg"), DUO_LUA_CONFIG="")
    try:
        page = os.path.join(artefacts, "report-demo.html")
        run([duo_lua, "--sandbox", "-w", "report", "--output", page], env=env, cwd=scratch)
        counts = json.loads(run([duo_lua, "--sandbox", "-w", "user-counts", "--format", "json"],
                                env=env, cwd=scratch))
        url = "file://" + page

        # One browser run: the screenshot, the PDF, and the DOM after the inline script
        # sorted the table by users, descending (#sort=-total).
        shot = os.path.join(artefacts, "report-demo.png")
        pdf = os.path.join(artefacts, "report-demo.pdf")
        for old in (shot, pdf):
            if os.path.exists(old):
                os.remove(old)
        dom = ReportDom()
        dom.feed(chromium(browser, profile, "--window-size=1200,900", "--screenshot=" + shot,
                          "--print-to-pdf=" + pdf, "--no-pdf-header-footer", "--dump-dom", url + "#sort=-total"))

        # 0. printed: A4 landscape pages (the page's @page rule), a few of them
        with open(pdf, "rb") as f:
            boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", f.read())
        print("printed: %d pages" % len(boxes))
        check(1 <= len(boxes) <= 6, "%d pages printed for 25 children" % len(boxes))
        check(all(abs(float(w) - 841.9) < 2 and abs(float(h) - 595.3) < 2 for w, h in boxes),
              "A4 landscape pages: %s" % boxes[:2])

        # 1. pixels: the page is drawn, with text, bars and colours
        colours, ink = colour_stats(shot)
        print("screenshot %s: %d distinct colours, %.1f %% of pixels not background" % (shot, colours, ink * 100))
        check(colours >= 16, "the screenshot has only %d colours: blank?" % colours)
        check(ink >= 0.03, "the screenshot is %.2f %% ink: blank?" % (ink * 100))

        # 2. numbers: every child's counts and the fleet totals as user-counts says
        by_id = {r["account_id"]: r for r in dom.rows}
        check(len(dom.rows) == len(counts) == 25, "%d rows in the page, %d from user-counts"
              % (len(dom.rows), len(counts)))
        check(dom.tags.get("script") == 1, "one inline script, found %s" % dom.tags.get("script"))
        for external in ("link", "img", "iframe", "object", "embed"):
            check(external not in dom.tags, "the page has a <%s>" % external)
        check("src" not in dom.attributes and "href" not in dom.attributes, "the page refers to another file")
        for child in counts:
            row = by_id.get(child["account_id"])
            if row is None:
                check(False, "no row for " + child["account_id"])
                continue
            check(row["cells"]["name"].get("name") == child["name"],
                  "name %r shown as %r" % (child["name"], row["cells"]["name"].get("name")))
            for k in COUNTS:
                cell = row["cells"].get(k)
                check(cell is not None and cell["value"] == str(child[k]),
                      "%s %s: page %r, user-counts %r" % (child["name"], k, cell and cell["value"], child[k]))
                if cell is not None:
                    shown = cell["text"].split()[0] if cell["text"] else ""
                    check(shown == str(child[k]), "%s %s shows %r" % (child["name"], k, cell["text"]))
            for k in ("admins", "telephony_credits", "auth"):
                v = row["cells"].get(k, {}).get("value", "")
                check(v.isdigit(), "%s %s is %r on the demo tenant" % (child["name"], k, v))
            check(row["cells"]["edition"]["value"] in ("ENTERPRISE", "PLATFORM", "BEYOND"),
                  "%s edition %r" % (child["name"], row["cells"]["edition"]["value"]))
        for k in ("total", "enrolled", "bypass", "disabled", "locked_out"):
            want = sum(c[k] for c in counts)
            fig = dom.figures.get(k)
            check(fig is not None and fig["value"] == str(want) and fig["text"] == str(want),
                  "overview %s: %r, user-counts %d" % (k, fig, want))
        check(dom.figures["children"]["value"] == str(len(counts)), "overview children")
        rate = 100 * sum(c["enrolled"] for c in counts) / sum(c["total"] for c in counts)
        check(dom.figures["enrollment_rate"]["value"] == "%.1f" % rate,
              "enrollment rate %r, expected %.1f" % (dom.figures["enrollment_rate"]["value"], rate))

        # 3. the inline script sorted: user-counts lists by name, the page by users
        totals = [int(r["cells"]["total"]["value"]) for r in dom.rows]
        check(totals == sorted(totals, reverse=True) and totals != [c["total"] for c in counts],
              "sorted by users, descending: %s" % totals)

        # 4. names full of markup stay text (a tenant seeded with them)
        evil = ['<script>document.title="pwned"</script>', '<img src=x onerror="document.title=\'pwned\'">',
                '"><svg onload="document.title=\'pwned\'">', "Tom & Jerry's </td></tr></table> Ltd"]
        seed = {"version": 1, "accounts": [{"name": n, "users": [{"username": "u%d" % i}]}
                                           for i, n in enumerate(evil)]}
        seed_path = os.path.join(scratch, "evil.json")
        with open(seed_path, "w") as f:
            json.dump(seed, f)
        evil_page = os.path.join(artefacts, "report-markup-names.html")
        run([duo_lua, "--sandbox=" + seed_path, "-w", "report", "--output", evil_page], env=env, cwd=scratch)
        dom = dom_of(browser, profile, "file://" + evil_page)
        check(dom.title == "Duo fleet report", "title %r" % dom.title)
        check(dom.tags.get("script") == 1 and "img" not in dom.tags and "onerror" not in dom.attributes
              and "onload" not in dom.attributes, "markup in names became elements: %s" % dom.tags)
        shown = sorted(r["cells"]["name"].get("name") for r in dom.rows)
        check(shown == sorted(evil), "names shown as %r" % shown)

        # 5. one client's page: report --org with --since and --brand
        client_page(duo_lua, browser, profile, artefacts, scratch, env)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if FAILURES:
        sys.exit("%d checks failed" % len(FAILURES))
    print("ok")


if __name__ == "__main__":
    main()
