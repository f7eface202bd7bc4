#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Sample data for the Splunk search, in the shape of a Splunk "attack data" set: protoport's JSON
# events from replaying the public captures of tests/data/corpus (their licences:
# tests/data/corpus/MANIFEST.md), and the rows the ESCU search returns on them.
#   make_sample_data.sh PROTOPORT OUT_DIR      (root: replay loads the BPF program)
# Writes OUT_DIR/protoport_events.json (sourcetype protoport, one event a line, every capture in
# name order) and OUT_DIR/expected_search_rows.json (the report rows of the four app rules: what
# `| tstats ... from datamodel=Network_Traffic` groups, with the summed count).
set -euo pipefail
pp=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
corpus=$here/../../tests/data/corpus
mkdir -p "$out"
: >"$out/protoport_events.json"
for f in "$corpus"/*.pcap "$corpus"/*.pcapng; do
  [[ -e $f ]] || continue
  "$pp" replay --no-progress --format json --risk "$f" 2>/dev/null \
    | grep -v '"event":"report_summary"' >>"$out/protoport_events.json" || true
done
/usr/bin/python3 - "$out/protoport_events.json" "$out/expected_search_rows.json" <<'PY'
import json, sys
RULES = {"dns": {53}, "http": {80, 8080, 8000}, "ssl": {443, 8443}, "smtp": {25}}
rows = {}
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("event") != "report_row" or e["app"] not in RULES or e["dest_port"] in RULES[e["app"]]:
        continue
    k = (e["src_ip"], e["dest_ip"], e["app"], e["dest_port"], e["transport"], e["action"], e["rule"])
    r = rows.setdefault(k, {"count": 0, "firstTime": e["firstTime"], "lastTime": e["lastTime"]})
    r["count"] += e["count"]
    r["firstTime"] = min(r["firstTime"], e["firstTime"])
    r["lastTime"] = max(r["lastTime"], e["lastTime"])
with open(sys.argv[2], "w") as f:
    for k, r in sorted(rows.items()):
        f.write(json.dumps(dict(zip(["src_ip", "dest_ip", "app", "dest_port", "transport",
                                     "action", "rule"], k)) | r) + "\n")
PY
echo "$(wc -l <"$out/protoport_events.json") events, $(wc -l <"$out/expected_search_rows.json") search rows in $out"
