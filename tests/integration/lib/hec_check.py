#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Checks what the HEC stand-in received against protoport's own --output file.

  hec_check.py LOG OUTPUT_JSONL HOST INDEX
Every request: right path, right token header, JSON content type. Every accepted envelope:
time (a number equal to the event's own time), host, source, sourcetype, index, and an event
object identical to the matching --output line, with every CIM field of its kind. Each event of
the output file that exporters send (new_mismatch, risk, report_row) arrives exactly once.
Prints one line per problem and exits 1 if there is any.
"""
import calendar
import json
import sys
import time

log_path, output_path, host, index = sys.argv[1:5]
problems = []
requests = [json.loads(l) for l in open(log_path)]
expected = [json.loads(l) for l in open(output_path)]
expected = [e for e in expected if e.get("event") in ("new_mismatch", "risk", "report_row")]

CIM = {
    "new_mismatch": ["src_ip", "src_port", "dest_ip", "app", "dest_port", "transport", "action",
                     "rule", "count", "firstTime", "lastTime", "expected"],
    "report_row": ["src_ip", "dest_ip", "app", "dest_port", "transport", "action", "rule",
                   "count", "firstTime", "lastTime", "expected"],
    "risk": ["risk_object", "risk_object_type", "risk_score", "threat_object",
             "threat_object_type", "message", "src_ip", "dest_ip", "app", "dest_port",
             "transport", "rule", "count", "firstTime"],
}
TIME_FIELD = {"new_mismatch": "firstTime", "report_row": "lastTime", "risk": "firstTime"}

accepted = []
for r in requests:
    if r["path"] != "/services/collector/event":
        problems.append("request %d: path %r" % (r["n"], r["path"]))
    if r["content_type"] != "application/json":
        problems.append("request %d: content type %r" % (r["n"], r["content_type"]))
    if "error" in r:
        problems.append("request %d: %s" % (r["n"], r["error"]))
    accepted.extend(r["accepted"])

for env in accepted:
    keys = set(env)
    want = {"time", "host", "source", "sourcetype", "index", "event"}
    if keys != want:
        problems.append("envelope keys %s, want %s" % (sorted(keys), sorted(want)))
        continue
    ev = env["event"]
    kind = ev.get("event")
    if kind not in CIM:
        problems.append("unexpected event kind %r" % kind)
        continue
    missing = [f for f in CIM[kind] if f not in ev]
    if missing:
        problems.append("%s event lacks CIM fields %s" % (kind, missing))
    if env["host"] != host or env["index"] != index or env["source"] != "protoport" \
            or env["sourcetype"] != "protoport":
        problems.append("envelope host/index/source/sourcetype: %r" % (
            [env["host"], env["index"], env["source"], env["sourcetype"]],))
    if not isinstance(env["time"], (int, float)):
        problems.append("time is not a number: %r" % env["time"])
    else:
        own = calendar.timegm(time.strptime(ev[TIME_FIELD[kind]], "%Y-%m-%dT%H:%M:%S"))
        if int(env["time"]) != own:
            problems.append("%s: time %r is not its %s %s" % (kind, env["time"], TIME_FIELD[kind],
                                                               ev[TIME_FIELD[kind]]))

got = sorted(json.dumps(e["event"], sort_keys=True) for e in accepted)
want = sorted(json.dumps(e, sort_keys=True) for e in expected)
if got != want:
    problems.append("events received differ from --output:\n  got  %s\n  want %s" % (got, want))

for p in problems:
    print("hec_check: " + p)
print("hec_check: %d requests, %d events accepted, %d expected" % (len(requests), len(accepted), len(expected)))
sys.exit(1 if problems else 0)
