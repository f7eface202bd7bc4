# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Checks protoport's verdicts on the DNS queries of ipv6_chains.py (behind header chains) and
ip_fragments.py (cut into IP fragments), integration.evasion: every query the server answered
must be a UDP flow named dns. A case the server did not answer fails too (the test would prove
nothing). Prints one line per case kind.

  check_chains.py RESULTS.jsonl FLOWS.jsonl
"""
import collections
import json
import sys


def main():
    flows = {}
    for line in open(sys.argv[2]):
        r = json.loads(line)
        if r.get("event") == "flow" and r["transport"] == "udp":
            flows[(int(r["src_port"]), int(r["dest_port"]))] = r["app"]
    per_kind = collections.defaultdict(list)
    problems = 0
    for c in (json.loads(l) for l in open(sys.argv[1])):
        app = flows.get((c["sport"], c["dport"]), "(no flow)")
        ok = c["accepted"] and app == "dns"
        label = c["headers"] if "headers" in c else f"{c['fragments']} fragments"
        per_kind[c["case"]].append(f"{label}:{'ok' if ok else app + ('' if c['accepted'] else '/silent')}")
        problems += not ok
    for kind, cases in per_kind.items():
        print(f"  {kind:20} {' '.join(cases)}")
    if not per_kind:
        print("  no cases ran")
        problems += 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
