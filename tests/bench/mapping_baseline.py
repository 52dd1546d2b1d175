#!/usr/bin/env python3
"""A plain matcher to measure suggest-mappings' engine against: blocking by
the rarest word (at most 40 accounts), difflib's ratio on the normalised names, best first one to
one. Reads the files of tests/bench/lua/mapping_gen.lua and prints one line
like mapping_run.lua: seconds companies accounts matched review right pairs.

usage: mapping_baseline.py DIR
"""
import csv
import difflib
import re
import sys
import time

LEGAL = {"inc", "llc", "ltd", "corp", "co", "llp", "pc", "pllc", "corporation", "company", "the"}


def norm(name):
    words = re.findall(r"[a-z0-9]+", name.lower().replace("&", " and "))
    words = [w for w in words if w not in LEGAL]
    return " ".join(words)


def main(path):
    t0 = time.monotonic()
    with open(path + "/companies.csv", newline="") as f:
        companies = [(r["id"], r["name"]) for r in csv.DictReader(f)]
    with open(path + "/accounts.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    accounts = [(r["account_id"], r["name"]) for r in rows]
    truth = {r["company_id"]: r["account_id"] for r in rows if r["company_id"]}

    acc_norm = [norm(n) for _, n in accounts]
    blocks = {}
    for j, n in enumerate(acc_norm):
        for w in set(n.split()):
            blocks.setdefault(w, []).append(j)
    cap = 40

    edges, per_company = [], []
    for i, (_, name) in enumerate(companies):
        n = norm(name)
        words = sorted(set(n.split()), key=lambda w: len(blocks.get(w, ())))
        cands = set()
        for w in words:   # the rarest word found, its first `cap` accounts
            b = blocks.get(w, ())
            if b:
                cands.update(b[:cap])
                break
        scored = []
        sm = difflib.SequenceMatcher(None, "", n)
        for j in cands:
            sm.set_seq1(acc_norm[j])
            if sm.real_quick_ratio() < 0.6 or sm.quick_ratio() < 0.6:
                continue
            scored.append((sm.ratio(), j))
        scored.sort(reverse=True)
        per_company.append(scored)
        edges.extend((s, i, j) for s, j in scored)

    edges.sort(key=lambda e: (-e[0], e[1], e[2]))
    taken_c, taken_a = {}, set()
    for s, i, j in edges:
        if s < 0.6:
            break
        if i not in taken_c and j not in taken_a:
            taken_c[i] = (j, s)
            taken_a.add(j)
    matched = review = right = 0
    for i, (cid, _) in enumerate(companies):
        if i not in taken_c:
            continue
        j, s = taken_c[i]
        runner = max((x for x, k in per_company[i] if k != j), default=0)
        if s >= 0.85 and s - runner >= 0.05:
            matched += 1
            right += truth.get(cid) == accounts[j][0]
        else:
            review += 1
    seconds = time.monotonic() - t0
    print(f"{seconds:.3f} {len(companies)} {len(accounts)} {matched} {review} {right} {len(truth)} 0")


if __name__ == "__main__":
    main(sys.argv[1])
