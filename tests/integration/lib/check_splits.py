# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Checks protoport's verdicts on the cut openings of tcp_splits.py (integration.evasion).

  check_splits.py RESULTS.jsonl FLOWS.jsonl

Every case the server answered must be a flow named as its whole opening (http, ssl); the
overlap cases, whose sender offered other bytes for the same sequence numbers, must carry the
tcp_overlap_conflict evidence when those bytes came before the verdict, and no other case may. A case the server did not answer is a
broken test, not a protoport verdict: it fails too. Prints one line per case.
"""
import json
import sys

APP = {"http": "http", "tls": "ssl"}


def main():
    results = [json.loads(l) for l in open(sys.argv[1])]
    flows = {}
    for line in open(sys.argv[2]):
        r = json.loads(line)
        if r.get("event") == "flow" and r["transport"] == "tcp":
            flows[(int(r["src_port"]), int(r["dest_port"]))] = r
    problems = 0
    for c in results:
        flow = flows.get((c["sport"], c["dport"]))
        app = flow["app"] if flow else "(no flow)"
        conflict = flow.get("tcp_overlap_conflict") if flow else None
        # overlap-after's other bytes come after the in-order ones decided the flow: too late to
        # change it, and not looked at (either way is right).
        want_conflict = {"overlap-queued": True, "overlap-replaced": True,
                         "overlap-after": bool(conflict)}.get(c["case"], False)
        ok = c["accepted"] and app == APP[c["proto"]] and bool(conflict) == want_conflict
        print(f"  {c['proto']:4} {c['case']:20} {c['segments']:4} segments  server "
              f"{'answered' if c['accepted'] else 'silent  '}  protoport {app:9} "
              f"conflict {conflict or '-':4} {'ok' if ok else 'WRONG'}")
        problems += not ok
    if not results:
        print("  no cases ran")
        problems += 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
