# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""corpus.splunk_ta (issue 18): the Splunk add-on's files are well-formed stanzas, and what it
declares matches what protoport really emits, checked on a real replay of the public corpus:
  - the sample data in integrations/splunk/sample is what the current build produces
    (make_sample_data.sh run again, compared line by line);
  - every event's time is found by props.conf's TIME_PREFIX and parsed by its TIME_FORMAT;
  - every mismatch event (eventtype protoport_mismatch) carries each field the Network_Traffic
    search groups by, with CIM values (action, transport, ports, addresses), and the fields
    props.conf aliases;
  - the saved search reads the data model with the search's by-clause, and the tags put the
    mismatch event type under Network_Traffic's constraint (network, communicate).

  splunk_ta_check.py PROTOPORT
"""
import datetime
import ipaddress
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SPLUNK = os.path.join(HERE, "..", "..", "integrations", "splunk")
TA = os.path.join(SPLUNK, "TA-protoport")
BY_FIELDS = ["src_ip", "dest_ip", "app", "dest_port", "transport", "action", "rule"]
problems = []


def conf(path):
    """{stanza: {key: value}}; a line that is neither a stanza, a key = value, a comment nor
    blank is a problem."""
    out, stanza = {}, None
    for n, line in enumerate(open(path), start=1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if s.startswith("[") and s.endswith("]"):
            stanza = s[1:-1]
            if stanza in out:
                problems.append(f"{path}:{n}: stanza [{stanza}] twice")
            out[stanza] = {}
        elif "=" in s and stanza is not None and re.match(r"^[A-Za-z_][\w.:\-()]*\s*=", s):
            key, value = (x.strip() for x in s.split("=", 1))
            out[stanza][key] = value
        else:
            problems.append(f"{path}:{n}: not a stanza or key = value: {s}")
    return out


def main():
    pp = sys.argv[1]
    if os.geteuid() != 0:
        print("corpus.splunk_ta: needs root (replay loads BPF); skipped", file=sys.stderr)
        return 77
    files = {name: conf(os.path.join(TA, "default", name))
             for name in ("app.conf", "props.conf", "eventtypes.conf", "tags.conf",
                          "macros.conf", "savedsearches.conf")}
    conf(os.path.join(TA, "metadata", "default.meta"))
    props = files["props.conf"].get("protoport", {})
    for key in ("KV_MODE", "TIME_PREFIX", "TIME_FORMAT", "LINE_BREAKER"):
        if key not in props:
            problems.append(f"props.conf [protoport] lacks {key}")
    tags = files["tags.conf"].get("eventtype=protoport_mismatch", {})
    for tag in ("network", "communicate"):
        if tags.get(tag) != "enabled":
            problems.append(f"tags.conf: protoport_mismatch not tagged {tag}")
    searches = files["savedsearches.conf"]
    escu = [s for s in searches.values() if "datamodel=Network_Traffic" in s.get("search", "")]
    if not escu:
        problems.append("savedsearches.conf: no search of the Network_Traffic data model")
    else:
        for field in BY_FIELDS:
            if f"All_Traffic.{field}" not in escu[0]["search"]:
                problems.append(f"savedsearches.conf: the search does not group by {field}")
    for macro in re.findall(r"`(\w+)", escu[0]["search"] if escu else ""):
        if not any(m.split("(")[0] == macro for m in files["macros.conf"]):
            problems.append(f"macros.conf: no macro {macro}")

    # The sample data is the current build's.
    with tempfile.TemporaryDirectory(prefix="pp-splunk.") as tmp:
        subprocess.run(["bash", os.path.join(SPLUNK, "make_sample_data.sh"), pp, tmp], check=True,
                       stdout=subprocess.DEVNULL)
        for name in ("protoport_events.json", "expected_search_rows.json"):
            fresh = open(os.path.join(tmp, name)).read().splitlines()
            kept = open(os.path.join(SPLUNK, "sample", name)).read().splitlines()
            if fresh != kept:
                problems.append(f"sample/{name} is not what this build produces "
                                f"({len(kept)} lines kept, {len(fresh)} now): run "
                                f"integrations/splunk/make_sample_data.sh")
        events = [json.loads(l) for l in fresh_events(tmp)]

    time_prefix = re.compile(props["TIME_PREFIX"]) if "TIME_PREFIX" in props else None
    mismatches = 0
    for e in events:
        line = json.dumps(e, separators=(",", ":"))
        m = time_prefix.search(line) if time_prefix else None
        if not m:
            problems.append(f"TIME_PREFIX finds no time in {line[:80]}")
        else:
            try:
                datetime.datetime.strptime(line[m.end():m.end() + 19], props["TIME_FORMAT"])
            except ValueError:
                problems.append(f"TIME_FORMAT does not parse {line[m.end():m.end() + 19]!r}")
        if e.get("event") not in ("new_mismatch", "report_row"):
            continue
        mismatches += 1
        for field in BY_FIELDS:
            if field not in e:
                problems.append(f"a mismatch event lacks {field}: {line[:100]}")
        if e.get("action") not in ("allowed", "blocked", "teardown"):
            problems.append(f"action {e.get('action')!r} is not a CIM value")
        if e.get("transport") not in ("tcp", "udp"):
            problems.append(f"transport {e.get('transport')!r} is not a CIM value")
        if not isinstance(e.get("dest_port"), int) or not 0 < e["dest_port"] < 65536:
            problems.append(f"dest_port {e.get('dest_port')!r}")
        for field in ("src_ip", "dest_ip"):
            try:
                ipaddress.ip_address(e.get(field, ""))
            except ValueError:
                problems.append(f"{field} {e.get(field)!r} is not an address")
    print(f"corpus.splunk_ta: {len(events)} events, {mismatches} mismatch events checked")
    for p in problems:
        print(f"  {p}")
    return 1 if problems else 0


def fresh_events(tmp):
    return open(os.path.join(tmp, "protoport_events.json")).read().splitlines()


if __name__ == "__main__":
    sys.exit(main())
