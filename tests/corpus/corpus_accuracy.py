#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""corpus.accuracy: replays every capture of tests/data/corpus through `protoport replay`
(the real XDP program and pipeline) and scores its flow verdicts and mismatch rows against
labels.csv, corrected by label-overrides.csv. Prints one table per protocol and fails below the
THRESHOLDS written here. Standard library only (/usr/bin/python3); needs root (loads BPF).

Scoring (see tests/data/corpus/MANIFEST.md for the label semantics):
  - a label row and a protoport flow are the same flow when their 5-tuples match in either
    orientation with the same transport (labels key flows on the innermost 5-tuple);
  - "app agrees": protoport's app is the label's truth_app in CIM naming (TLS -> ssl); for the
    "other" bucket (no recognised opening, QUIC, DTLS, SSDP, ...) it agrees when protoport
    names none of the four policed apps (dns, http, ssl, smtp);
  - "dir ok": protoport's responder port is the label's dst_port;
  - "mm expected" / "mm reported": expected_mismatch=yes rows, and those for which protoport
    printed a mismatch row with the same (src_ip, dest_ip, app, dest_port, transport);
    "mm files": the same per capture (DNS off port 53 comes from 3 files, 39 flows from one);
  - "mm unexpected": protoport mismatch rows matching no expected_mismatch=yes label row,
    counted in the bucket of the app protoport reported;
  - "not seen": labelled flows protoport never gave a verdict for (no payload, bogus headers,
    inner flows of tunnels the XDP parser does not open).
Port rules (the description's direction: the wrong protocol on a well-known port) are scored
apart, in a third table: a label row expects a port-rule row ("pr expected") when its responder
port has a default port rule (tcp/80 http, tcp/443 ssl, udp/443 quic, 53 dns, tcp/25 smtp) and
its truth is a named protocol that is none of the port's and none of the four policed apps (those
break their own app rule); for truth "other" (bytes nothing names) only when
label-overrides.csv says expected_port_mismatch=yes, after reading the capture. "pr unexpected":
port-rule rows no label row expects. Port-rule rows are not counted in the first table.
A second table shows the labels' edge cases (STARTTLS, CONNECT, TLS-wrapped services, no SYN, ...):
app agrees, and "mismatch right" = reported iff expected_mismatch=yes. The product implements the
opening-payload rule (expected_mismatch), not mismatch_any_pkt, which is not scored.
One `protoport replay` runs per capture, so every flow maps back to its file.
"""
import argparse
import csv
import ipaddress
import json
import os
import subprocess
import sys
import tempfile
import time

# truth_app -> (bucket shown in the table, app protoport should name).
TRUTH = {
    "DNS": ("DNS", "dns"), "HTTP": ("HTTP", "http"), "TLS": ("TLS", "ssl"),
    "SMTP": ("SMTP", "smtp"), "MDNS": ("MDNS/LLMNR", "mdns"), "LLMNR": ("MDNS/LLMNR", "llmnr"),
    "NBNS": ("MDNS/LLMNR", "nbns"), "SSH": ("SSH/FTP/POP3", "ssh"), "FTP": ("SSH/FTP/POP3", "ftp"),
    "POP3": ("SSH/FTP/POP3", "pop3"), "IMAP": ("SSH/FTP/POP3", "imap"),
}
POLICED = {"dns", "http", "ssl", "smtp"}
# The default policy's port rules: (port, transport) -> the app expected there.
PORT_RULES = {(80, "tcp"): "http", (443, "tcp"): "ssl", (443, "udp"): "quic", (53, "tcp"): "dns",
              (53, "udp"): "dns", (25, "tcp"): "smtp"}
# nDPI's names of protocols protoport names beyond TRUTH (labels' truth_app is "other" for them).
NAMED_BY_NDPI = {"SSH": "ssh", "SIP": "sip", "RDP": "rdp", "WireGuard": "wireguard", "MQTT": "mqtt",
                 "SOCKS": "socks", "STUN": "stun", "SSDP": "ssdp", "QUIC": "quic"}
# Flows whose labels name the protocol wrongly or not at all, checked by hand (issue 14): nDPI
# calls LDAP's StartTLS "MQTT" and MySQL on 5432 "PostgreSQL" (by port).
NAMED_BY_HAND = {("zeek__ldap__ldap-starttls.pcap", 389): "ldap",
                 ("zeek__postgresql__mysql-on-port-5432.pcap", 5432): "mysql"}
BUCKETS = ["DNS", "HTTP", "TLS", "SMTP", "MDNS/LLMNR", "SSH/FTP/POP3", "other"]
BUCKET_OF_APP = {app: bucket for bucket, app in TRUTH.values()}

# Minimums (ratios: agree, dir_ok, mm_reported) and maximums (counts: mm_unexpected, not_seen)
# per bucket; a bucket without a key has no threshold for it. For DNS, HTTP, TLS and SMTP the
# floor is what an honest detector must do: every flow whose opening payload is in the capture
# named right, in the right direction, every expected mismatch reported, none invented. The
# product meets all of it (see tests/data/corpus/MANIFEST.md), so there is no slack there. The
# look-alike buckets keep a little (one flow each): their names are informative, not policed.
# "other" (no recognised opening) must never be named dns/http/ssl/smtp; an unexpected mismatch
# is counted in the bucket of the app protoport reported.
THRESHOLDS = {
    "DNS": {"agree": 1.0, "dir_ok": 1.0, "mm_reported": 1.0, "mm_unexpected": 0, "not_seen": 0},
    "HTTP": {"agree": 1.0, "dir_ok": 1.0, "mm_reported": 1.0, "mm_unexpected": 0, "not_seen": 0},
    "TLS": {"agree": 1.0, "dir_ok": 1.0, "mm_reported": 1.0, "mm_unexpected": 0, "not_seen": 0},
    "SMTP": {"agree": 1.0, "dir_ok": 1.0, "mm_reported": 1.0, "mm_unexpected": 0, "not_seen": 0},
    "MDNS/LLMNR": {"agree": 0.8, "not_seen": 0},
    "SSH/FTP/POP3": {"agree": 0.9, "not_seen": 0},
    "other": {"agree": 1.0},
}


def norm_ip(text):
    return str(ipaddress.ip_address(text))


def tuple_key(transport, a_ip, a_port, b_ip, b_port):
    return (transport.lower(), frozenset([(norm_ip(a_ip), int(a_port)), (norm_ip(b_ip), int(b_port))]))


def load_labels(data_dir):
    """labels.csv rows, keyed by (capture file name, 5-tuple key), overrides applied."""
    labels = {}
    with open(os.path.join(data_dir, "labels.csv"), newline="") as f:
        for row in csv.DictReader(f):
            name = os.path.basename(row["file"])
            key = tuple_key(row["transport"], row["src_ip"], row["src_port"], row["dst_ip"], row["dst_port"])
            row["override"] = ""
            labels[(name, key)] = row
    path = os.path.join(data_dir, "label-overrides.csv")
    if os.path.exists(path):
        with open(path, newline="") as f:
            for n, o in enumerate(csv.DictReader(f), start=2):
                key = tuple_key(o["transport"], o["src_ip"], o["src_port"], o["dst_ip"], o["dst_port"])
                row = labels.get((o["file"], key))
                if row is None:
                    sys.exit(f"label-overrides.csv:{n}: no label row for {o['file']} {o['src_ip']}:"
                             f"{o['src_port']} {o['dst_ip']}:{o['dst_port']} {o['transport']}")
                apply_override(row, o["field"], o["value"], n)
                row["override"] += f"{o['field']}={o['value']} "
    return labels


def apply_override(row, field, value, line):
    if field == "server":  # which endpoint is the responder, as ip:port (direction fix)
        if value == f"{row['src_ip']}:{row['src_port']}":
            row["src_ip"], row["dst_ip"] = row["dst_ip"], row["src_ip"]
            row["src_port"], row["dst_port"] = row["dst_port"], row["src_port"]
        elif value != f"{row['dst_ip']}:{row['dst_port']}":
            sys.exit(f"label-overrides.csv:{line}: server {value} is neither endpoint")
    elif field in ("truth_app", "expected_mismatch", "expected_port_mismatch"):
        row[field] = value
    else:
        sys.exit(f"label-overrides.csv:{line}: cannot override field {field!r}")


def replay(protoport, capture, workdir, extra_args):
    """Runs one capture; returns (flows, mismatch rows, exit code, stderr tail)."""
    flows_path = os.path.join(workdir, os.path.basename(capture) + ".flows.jsonl")
    proc = subprocess.run([protoport, "replay", capture, "--format", "json", "--no-progress",
                           "--flows", flows_path] + extra_args, capture_output=True, text=True, timeout=120)
    flows, mismatches = [], []
    for line in proc.stdout.splitlines():
        event = json.loads(line)
        if event.get("event") == "new_mismatch":
            mismatches.append(event)
    if os.path.exists(flows_path):
        with open(flows_path) as f:
            flows = [json.loads(line) for line in f if line.strip()]
    return flows, mismatches, proc.returncode, proc.stderr.strip().splitlines()[-3:]


def mm_key(src_ip, dest_ip, app, dest_port, transport):
    return (norm_ip(src_ip), norm_ip(dest_ip), app, int(dest_port), transport.lower())


def port_rule_expected(row, want):
    """(expected app name, yes/no): whether the default port rules should report this flow."""
    port_app = PORT_RULES.get((int(row["dst_port"]), row["transport"].lower()))
    if port_app is None:
        return None, False
    if row.get("expected_port_mismatch"):
        return port_app, row["expected_port_mismatch"] == "yes"
    return port_app, want is not None and want != port_app and want not in POLICED


class PortTally:
    def __init__(self):
        self.candidates = self.expected = self.reported = self.unexpected = 0


class Tally:
    def __init__(self):
        self.n = self.agree = self.dir_ok = self.dir_n = 0
        self.mm_expected = self.mm_reported = self.mm_unexpected = self.not_seen = 0
        self.mm_files, self.mm_files_missed = set(), set()  # files with expected mismatches


def score(labels, results):
    tallies = {b: Tally() for b in BUCKETS}
    ports = PortTally()
    problems = []  # (bucket, text) for every disagreement, printed below the table
    edges = {}  # edge_case -> [rows, app agrees, mismatch decision right]
    extra_flows = 0
    by_file = {}
    for (name, key), row in labels.items():
        by_file.setdefault(name, {})[key] = row
    for name, rows in sorted(by_file.items()):
        flows, mismatches, _, _ = results[name]
        verdicts = {}
        for fl in flows:
            k = tuple_key(fl["transport"], fl["src_ip"], fl["src_port"], fl["dest_ip"], fl["dest_port"])
            verdicts.setdefault(k, []).append(fl)
        for k, fls in verdicts.items():
            if k not in rows:
                extra_flows += 1
                fl = fls[0]
                problems.append(("", f"flow without a label row: {name} {fl['src_ip']}:{fl['src_port']} -> "
                                     f"{fl['dest_ip']}:{fl['dest_port']}/{fl['transport']} {fl['app']}"))
        expected = []  # (mismatch key, tally, where) per expected_mismatch=yes row
        port_expected = []  # (endpoints, dest_port, transport, where) per expected port-rule row
        edge_rows = []  # (edge case, row, app agrees)
        for key, row in rows.items():
            bucket, want = TRUTH.get(row["truth_app"], ("other", None))
            t = tallies[bucket]
            t.n += 1
            where = f"{name} {row['src_ip']}:{row['src_port']} -> {row['dst_ip']}:{row['dst_port']}/{row['transport']}"
            note = f" [override {row['override'].strip()}]" if row["override"] else ""
            got = verdicts.get(key)
            edge = row["edge_case"].replace("no SYN (direction from payload); ", "")
            if edge:
                # A flow of no policed protocol (no payload, garbage) agrees by having no verdict.
                app_ok = ((got[0]["app"] not in POLICED) if want is None else got[0]["app"] == want) \
                    if got else want is None
                edge_rows.append((edge, row, app_ok))
            port_app, port_yes = port_rule_expected(row, want)
            if port_app is not None and row["truth_app"] not in ("none",) and want != port_app:
                ports.candidates += 1
            if port_yes:
                ports.expected += 1
                port_expected.append(({norm_ip(row["src_ip"]), norm_ip(row["dst_ip"])}, int(row["dst_port"]),
                                      row["transport"].lower(), where))
            if row["expected_mismatch"] == "yes":
                t.mm_expected += 1
                expected.append((mm_key(row["src_ip"], row["dst_ip"], want, row["dst_port"], row["transport"]), t, where))
            if not got:
                t.not_seen += 1
                if want is not None or row["truth_app"] not in ("none", "other"):
                    problems.append((bucket, f"not seen: {where} truth {row['truth_app']}{note}"))
                continue
            v = got[0]  # a tuple reused within a capture: the labels score its first flow
            ok = (v["app"] not in POLICED) if want is None else (v["app"] == want)
            t.agree += ok
            if not ok:
                problems.append((bucket, f"app {v['app']} != {row['truth_app']}: {where}{note}"))
            if want is not None:
                t.dir_n += 1
                if int(v["dest_port"]) == int(row["dst_port"]):
                    t.dir_ok += 1
                else:
                    problems.append((bucket, f"direction: protoport says {v['src_ip']}:{v['src_port']} -> "
                                             f"{v['dest_ip']}:{v['dest_port']}, label {where}{note}"))
        # Mismatch rows aggregate flows: one row may stand for many expected label rows.
        reported = set()
        port_rows = [m for m in mismatches if m["rule"].endswith("-port-other-protocol")]
        mismatches = [m for m in mismatches if not m["rule"].endswith("-port-other-protocol")]
        for m in port_rows:
            ends = {norm_ip(m["src_ip"]), norm_ip(m["dest_ip"])}
            match = [e for e in port_expected if e[0] == ends and e[1] == int(m["dest_port"]) and
                     e[2] == m["transport"]]
            if match:
                ports.reported += 1
                port_expected.remove(match[0])
            else:
                ports.unexpected += 1
                problems.append(("port rules", f"unexpected port-rule row: {name} {m['src_ip']}:"
                                               f"{m.get('src_port', '?')} -> {m['dest_ip']}:{m['dest_port']}/"
                                               f"{m['transport']} {m['app']} ({m['rule']})"))
        for _, _, _, where in port_expected:
            problems.append(("port rules", f"expected port-rule row not reported: {where}"))
        for m in mismatches:
            k = mm_key(m["src_ip"], m["dest_ip"], m["app"], m["dest_port"], m["transport"])
            reported.add(k)
            if not any(k == e[0] for e in expected):
                bucket = BUCKET_OF_APP.get(m["app"], "other")
                tallies[bucket].mm_unexpected += 1
                problems.append((bucket, f"unexpected mismatch: {name} {m['src_ip']}:{m.get('src_port', '?')} -> "
                                         f"{m['dest_ip']}:{m['dest_port']}/{m['transport']} {m['app']} ({m['rule']})"))
        for k, t, where in expected:
            t.mm_files.add(name)
            if k in reported:
                t.mm_reported += 1
            else:
                t.mm_files_missed.add(name)
                problems.append((BUCKET_OF_APP[k[2]], f"expected mismatch not reported: {where}"))
        for edge, row, app_ok in edge_rows:
            ends = {norm_ip(row["src_ip"]), norm_ip(row["dst_ip"])}
            flagged = any({k[0], k[1]} == ends and k[3] in (int(row["src_port"]), int(row["dst_port"]))
                          and k[4] == row["transport"].lower() for k in reported)
            e = edges.setdefault(edge, [0, 0, 0])
            e[0] += 1
            e[1] += app_ok
            e[2] += flagged == (row["expected_mismatch"] == "yes")
    return tallies, ports, problems, extra_flows, edges


def beyond_the_four(labels, results):
    """Flows of the protocols named beyond the four: nDPI's DPI verdict (not a guess by port or
    IP) mapped by NAMED_BY_NDPI, and NAMED_BY_HAND. Returns {app: [flows, named so]} and the
    problems: a flow named as another protocol (unknown is a miss, not a problem, except for
    NAMED_BY_HAND, which must be named)."""
    verdict = {}
    for name, (flows, _, _, _) in results.items():
        for fl in flows:
            k = tuple_key(fl["transport"], fl["src_ip"], fl["src_port"], fl["dest_ip"], fl["dest_port"])
            verdict[(name, k)] = fl["app"]
    counts, problems = {}, []
    for (name, key), row in sorted(labels.items()):
        want = NAMED_BY_HAND.get((name, int(row["dst_port"])))
        if want is None:
            if row["ndpi_confidence"] != "DPI" or row["truth_app"] not in ("other", "HTTPU"):
                continue
            want = NAMED_BY_NDPI.get(row["ndpi_app"].split(".")[0])
            if want is None:
                continue
        got = verdict.get((name, key), "(no flow)")
        c = counts.setdefault(want, [0, 0])
        c[0] += 1
        c[1] += got == want
        by_hand = (name, int(row["dst_port"])) in NAMED_BY_HAND
        if got != want and (by_hand or got not in ("unknown", "(no flow)")):
            problems.append(f"{name} {row['src_ip']}:{row['src_port']} -> {row['dst_ip']}:"
                            f"{row['dst_port']}/{row['transport']}: named {got}, want {want}")
    return counts, problems


def ratio(num, den):
    return 1.0 if den == 0 else num / den


def check(tallies, ports):
    failures = []
    # Port rules: every expected row reported, none invented.
    if ports.reported < ports.expected:
        failures.append(f"port rules: reported {ports.reported}/{ports.expected}")
    if ports.unexpected > 0:
        failures.append(f"port rules: {ports.unexpected} unexpected rows")
    for bucket, limits in THRESHOLDS.items():
        t = tallies[bucket]
        for name, den in (("agree", t.n - t.not_seen), ("dir_ok", t.dir_n), ("mm_reported", t.mm_expected)):
            if name in limits and ratio(getattr(t, name), den) < limits[name]:
                failures.append(f"{bucket}: {name} {getattr(t, name)}/{den} below {limits[name]:.0%}")
        for name in ("mm_unexpected", "not_seen"):
            if name in limits and getattr(t, name) > limits[name]:
                failures.append(f"{bucket}: {name} {getattr(t, name)} above {limits[name]}")
    return failures


def print_table(tallies):
    head = f"{'protocol':<13}{'labelled':>9}{'agree':>12}{'dir ok':>12}{'mm expected':>12}" \
           f"{'mm reported':>12}{'mm files':>9}{'mm unexpected':>14}{'not seen':>9}"
    print(head)
    print("-" * len(head))
    for b in BUCKETS:
        t = tallies[b]
        seen = t.n - t.not_seen
        print(f"{b:<13}{t.n:>9}{f'{t.agree}/{seen}':>12}{f'{t.dir_ok}/{t.dir_n}':>12}{t.mm_expected:>12}"
              f"{t.mm_reported:>12}{f'{len(t.mm_files) - len(t.mm_files_missed)}/{len(t.mm_files)}':>9}"
              f"{t.mm_unexpected:>14}{t.not_seen:>9}")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--protoport", required=True, help="the protoport binary under test")
    ap.add_argument("--data", default=os.path.join(here, "..", "data", "corpus"))
    ap.add_argument("--only", help="score only captures whose name contains this")
    ap.add_argument("--protoport-arg", action="append", default=[], metavar="ARG",
                    help="extra argument for every `protoport replay` (exploration, e.g. "
                         "--protoport-arg=--samples-per-dir=1); the ctest passes none")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("corpus.accuracy: needs root (protoport replay loads BPF); skipped", file=sys.stderr)
        return 77
    if not os.access(args.protoport, os.X_OK):
        print(f"corpus.accuracy: {args.protoport}: not an executable", file=sys.stderr)
        return 2
    labels = load_labels(args.data)
    if args.only:
        labels = {k: v for k, v in labels.items() if args.only in k[0]}
    files = sorted({name for name, _ in labels})
    results, errors = {}, []
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="pp-corpus.") as work:
        for name in files:
            path = os.path.join(args.data, name)
            if not os.path.exists(path):
                errors.append(f"{name}: capture missing from {args.data}")
                results[name] = ([], [], -1, [])
                continue
            results[name] = replay(args.protoport, path, work, args.protoport_arg)
            if results[name][2] != 0:
                errors.append(f"{name}: protoport exit {results[name][2]}: {' | '.join(results[name][3])}")
    elapsed = time.monotonic() - start
    tallies, ports, problems, extra, edges = score(labels, results)
    print(f"corpus.accuracy: {len(files)} captures, {len(labels)} labelled flows, replayed in {elapsed:.1f} s")
    print_table(tallies)
    print(f"protoport flows matching no label row: {extra}")
    print(f"\nport rules (default): {ports.candidates} labelled flows to a port-rule port with "
          f"another truth; {ports.expected} expected rows, {ports.reported} reported, "
          f"{ports.unexpected} unexpected")
    print(f"\n{'edge case (labels.csv edge_case)':<48}{'flows':>6}{'app agrees':>12}{'mismatch right':>16}")
    for edge, (n, app_ok, mm_ok) in sorted(edges.items()):
        print(f"{edge:<48}{n:>6}{app_ok:>12}{mm_ok:>16}")
    if problems:
        print("\ndisagreements and unlabelled flows:")
        for bucket, text in sorted(problems):
            print(f"  {bucket + ': ' if bucket else ''}{text}")
    named, wrong = beyond_the_four(labels, results)
    print("\nnamed beyond the four (nDPI's DPI verdict, or by hand): " +
          ", ".join(f"{app} {ok}/{n}" for app, (n, ok) in sorted(named.items())))
    for w in wrong:
        print(f"  wrong: {w}")
    failures = check(tallies, ports) + errors + [f"named as another protocol: {w}" for w in wrong]
    if failures:
        print("\nFAILED:")
        for f in failures:
            print(f"  {f}")
        return 1
    print("\ncorpus.accuracy: all thresholds met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
