# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Compares what the real servers accepted (differential.py's results) with every flow's verdict
from `protoport replay --flows` (integration.differential, issue 20).

  check_differential.py RESULTS.jsonl FLOWS.jsonl

A flow is (transport, client port, server port). A mutation is accepted when a server of its
protocol accepted it (one server's leniency is enough: protoport must be as lenient as the most
lenient real server), rejected when every server rejected it, declined otherwise (a server parsed
it as its protocol and refused only the version: neither required nor forbidden). Prints each
flow and, per protocol, the mutations tried, accepted and named; fails (exit 1) when a flow of an
accepted mutation is not named as its protocol, or a flow of a rejected one is.
"""
import collections
import json
import sys

APP = {"http": "http", "tls": "ssl", "dns": "dns", "smtp": "smtp", "ftp": "ftp", "ssh": "ssh"}


def main():
    results_path, flows_path = sys.argv[1], sys.argv[2]
    verdict = {}
    with open(flows_path) as f:
        for line in f:
            r = json.loads(line)
            if r.get("event") == "flow":
                verdict[(r["transport"], int(r["src_port"]), int(r["dest_port"]))] = r["app"]
    with open(results_path) as f:
        results = [json.loads(l) for l in f]
    mutations = collections.defaultdict(list)
    for r in results:
        r["named"] = verdict.get((r["transport"], r["sport"], r["dport"]), "(no flow)")
        mutations[(r["proto"], r["mutation"])].append(r)

    counts = collections.defaultdict(collections.Counter)
    problems = []
    for (proto, mutation), flows in sorted(mutations.items()):
        app = APP[proto]
        outcomes = {r["outcome"] for r in flows}
        if "accepted" in outcomes:
            overall = "accepted"
        elif outcomes == {"rejected"}:
            overall = "rejected"
        else:
            overall = "declined"
        named = [r["named"] == app for r in flows]
        c = counts[proto]
        c["tried"] += 1
        c[overall] += 1
        c["named"] += overall == "accepted" and all(named)
        c["rejected_named"] += overall == "rejected" and any(named)
        c["declined_named"] += overall == "declined" and any(named)
        for r in flows:
            print(f"  {proto:5} {mutation:28} {overall:8} {r['transport']}/{r['dport']:<5} "
                  f"server {r['outcome']:8} protoport {r['named']:9} reply {r['reply']}")
            if overall == "accepted" and r["named"] != app:
                problems.append(f"{proto} {mutation} (to {r['dport']}): a server accepted it, "
                                f"protoport named it {r['named']}, want {app}")
            if overall == "rejected" and r["named"] == app:
                problems.append(f"{proto} {mutation} (to {r['dport']}): every server rejected "
                                f"it, protoport named it {app}")
    print(f"{'proto':6} {'tried':>5} {'accepted':>8} {'named':>5} {'rejected':>8} "
          f"{'rej-named':>9} {'declined':>8} {'decl-named':>10}")
    for proto in sorted(counts):
        c = counts[proto]
        print(f"{proto:6} {c['tried']:5} {c['accepted']:8} {c['named']:5} {c['rejected']:8} "
              f"{c['rejected_named']:9} {c['declined']:8} {c['declined_named']:10}")
    for proto in sorted(set(APP) - set(counts)):
        problems.append(f"{proto}: no mutation ran")
    for proto in sorted(counts):
        if not counts[proto]["accepted"]:
            problems.append(f"{proto}: the server accepted no mutation (is it the protocol?)")
    for p in problems:
        print("FAIL: " + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
