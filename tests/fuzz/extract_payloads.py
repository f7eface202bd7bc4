#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Pulls the first payloads of each labelled flow out of the public captures, with tshark.

  extract_payloads.py CORPUS_DIR --flows FLOWS.tsv    one line per labels.csv flow
  extract_payloads.py CORPUS_DIR --seeds tests/fuzz/corpus   fuzz seeds per parser

CORPUS_DIR holds labels.csv and the captures (../shared/corpus/public). A flow's initiator is
labels.csv's src (the labeller's SYN or payload-role direction). Payloads are cut at 1024 bytes,
the sampler's largest snap length. Needs tshark (scripts/setup.sh installs it) and Python's
standard library only. Run once by hand; the seeds it writes are committed.
"""
import argparse
import collections
import csv
import hashlib
import os
import subprocess
import sys

SNAP_MAX = 1024
PER_PARSER = 40       # seeds per parser: a few dozen, spread over captures
PAYLOADS_PER_DIR = 2  # the sampler's default samples per direction

FIELDS = ["ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "tcp.srcport", "tcp.dstport",
          "udp.srcport", "udp.dstport", "tcp.payload", "udp.payload"]


def read_packets(path):
    """Yields (src, dst, sport, dport, transport, payload bytes) for packets with payload.
    The last occurrence of each field is the innermost header of a tunnelled packet."""
    cmd = ["tshark", "-n", "-r", path, "-Y", "not icmp and not icmpv6", "-T", "fields",
           "-E", "occurrence=l", "-E", "separator=\t"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        src = v["ipv6.src"] or v["ip.src"]
        dst = v["ipv6.dst"] or v["ip.dst"]
        if v["tcp.payload"] and v["tcp.srcport"]:
            yield src, dst, v["tcp.srcport"], v["tcp.dstport"], "TCP", bytes.fromhex(v["tcp.payload"].replace(":", ""))
        elif v["udp.payload"] and v["udp.srcport"]:
            yield src, dst, v["udp.srcport"], v["udp.dstport"], "UDP", bytes.fromhex(v["udp.payload"].replace(":", ""))


def load_flows(corpus):
    """{file: [labels row]} and, per (file, 5-tuple), the first payloads of each direction."""
    rows = list(csv.DictReader(open(os.path.join(corpus, "labels.csv"))))
    by_file = collections.defaultdict(list)
    for r in rows:
        by_file[r["file"]].append(r)
    payloads = {}
    for fname, frows in by_file.items():
        keys = {}
        for r in frows:
            k = (r["src_ip"], r["dst_ip"], r["src_port"], r["dst_port"], r["transport"])
            keys[k] = "init"
            keys[(k[1], k[0], k[3], k[2], k[4])] = "resp"
            payloads[(fname,) + k] = {"init": [], "resp": []}
        path = os.path.join(corpus, os.path.basename(fname))
        for src, dst, sp, dp, tr, data in read_packets(path):
            k = (src, dst, sp, dp, tr)
            d = keys.get(k)
            if d is None:
                continue
            fk = (fname,) + (k if d == "init" else (dst, src, dp, sp, tr))
            lst = payloads[fk][d]
            if len(lst) < PAYLOADS_PER_DIR:
                lst.append(data[:SNAP_MAX])
    return rows, payloads


def flow_key(r):
    return (r["file"], r["src_ip"], r["dst_ip"], r["src_port"], r["dst_port"], r["transport"])


def write_flows(rows, payloads, out):
    with open(out, "w") as f:
        for r in rows:
            p = payloads[flow_key(r)]
            first = [x[0].hex() if x else "" for x in (p["init"], p["resp"])]
            both = [b"".join(x).hex() for x in (p["init"], p["resp"])]
            f.write("\t".join([r["file"], r["transport"], r["dst_port"], r["truth_app"]] + first + both) + "\n")


PARSER_APPS = {
    "dns": {"DNS", "MDNS", "LLMNR"},
    "http": {"HTTP", "HTTPU"},
    "tls": {"TLS", "TLS-midstream", "DTLS", "QUIC"},
    "smtp": {"SMTP", "FTP", "POP3", "BANNER220", "SSH"},
}


def spread(items, limit):
    """Round-robin over captures so that no single file fills a parser's seeds."""
    per_file = collections.defaultdict(list)
    for fname, data in items:
        per_file[fname].append(data)
    picked, seen = [], set()
    while len(picked) < limit and any(per_file.values()):
        # Files in a fixed but mixed order, so a capped parser is not filled from A to M.
        for fname in sorted(per_file, key=lambda f: hashlib.sha1(f.encode()).hexdigest()):
            if per_file[fname] and len(picked) < limit:
                data = per_file[fname].pop(0)
                h = hashlib.sha1(data).hexdigest()
                if h not in seen:
                    seen.add(h)
                    picked.append((fname, data))
    return picked


def flow_seed(transport, port, init, resp):
    # Layout read by tests/fuzz/fuzz_flow.cpp: transport (bit 0: udp), responder port (2 bytes,
    # big-endian), initiator length (2 bytes), initiator bytes, responder bytes.
    return (bytes([1 if transport == "UDP" else 0]) + int(port).to_bytes(2, "big") +
            len(init).to_bytes(2, "big") + init + resp)


def write_seeds(rows, payloads, outdir):
    cands = collections.defaultdict(list)
    sources = collections.defaultdict(set)
    for r in rows:
        p = payloads[flow_key(r)]
        for parser, apps in PARSER_APPS.items():
            if r["truth_app"] in apps:
                for d in ("init", "resp"):
                    for data in p[d]:
                        cands[parser].append((r["file"], data))
        init = p["init"][0] if p["init"] else b""
        resp = p["resp"][0] if p["resp"] else b""
        if init or resp:
            cands["flow"].append((r["file"], flow_seed(r["transport"], r["dst_port"], init, resp)))
    for parser, items in sorted(cands.items()):
        d = os.path.join(outdir, parser)
        os.makedirs(d, exist_ok=True)
        for fname, data in spread(items, PER_PARSER if parser != "flow" else 2 * PER_PARSER):
            base = os.path.basename(fname).split(".pcap")[0]
            name = f"{base}-{hashlib.sha1(data).hexdigest()[:10]}"
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
            sources[parser].add(fname)
    for parser in sorted(sources):
        print(parser, len(os.listdir(os.path.join(outdir, parser))), "seeds from",
              ", ".join(sorted(os.path.basename(s) for s in sources[parser])))
    return sources


LICENCE_FILES = {"arkime": ["arkime-LICENSE", "arkime-NOTICE"], "ndpi": ["nDPI-COPYING"],
                 "suricata-verify": ["suricata-verify-LICENSE.txt"], "tcpdump": ["tcpdump-LICENSE"],
                 "zeek": ["zeek-COPYING"]}


def write_manifest(corpus, sources, outdir):
    """MANIFEST.md: each seed's capture, its upstream path and licence (from the corpus's own
    MANIFEST.md), and the licence texts copied next to the seeds."""
    manifest = os.path.join(os.path.dirname(os.path.abspath(corpus)), "MANIFEST.md")
    origin = {}
    for line in open(manifest):
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 4 and cells[1].startswith("`") and cells[1].endswith("`"):
            origin[cells[1].strip("`")] = (cells[2], cells[3])
    licdir = os.path.join(outdir, "licenses")
    os.makedirs(licdir, exist_ok=True)
    for files in LICENCE_FILES.values():
        for f in files:
            with open(os.path.join(os.path.dirname(manifest), "licenses", f), "rb") as src:
                data = src.read()
            with open(os.path.join(licdir, f), "wb") as dst:
                dst.write(data)
    captures = sorted({os.path.basename(f) for fs in sources.values() for f in fs})
    with open(os.path.join(outdir, "MANIFEST.md"), "w") as m:
        m.write("# Fuzz seed corpus\n\n"
                "Each file under `<parser>/` is the first payload (at most 1024 bytes, the sampler's\n"
                "largest snap length) of one direction of one flow in a public test capture, cut out\n"
                "byte for byte by `tests/fuzz/extract_payloads.py` (tshark) from `../shared/corpus/public`;\n"
                "`flow/` seeds wrap both directions in the layout `fuzz_flow.cpp` reads. A seed is named\n"
                "`<capture>-<sha1 prefix>`; it keeps the licence of the capture it comes from, whose text is\n"
                "in `licenses/` (arkime: Apache-2.0; nDPI: LGPL-3.0-only; suricata-verify: MIT;\n"
                "tcpdump: BSD-3-Clause-style; zeek: BSD-3-Clause). Regenerate with\n"
                "`/usr/bin/python3 tests/fuzz/extract_payloads.py ../shared/corpus/public --seeds tests/fuzz/corpus`.\n\n"
                "| capture | upstream (repo: path, blob) | licence | seeds in |\n|---|---|---|---|\n")
        for c in captures:
            up, lic = origin.get(c, ("?", "?"))
            used = ", ".join(p for p in sorted(sources) if any(os.path.basename(f) == c for f in sources[p]))
            m.write(f"| `{c}` | {up} | {lic} | {used} |\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus")
    ap.add_argument("--flows")
    ap.add_argument("--seeds")
    a = ap.parse_args()
    if not a.flows and not a.seeds:
        sys.exit("extract_payloads: give --flows and/or --seeds")
    rows, payloads = load_flows(a.corpus)
    if a.flows:
        write_flows(rows, payloads, a.flows)
    if a.seeds:
        sources = write_seeds(rows, payloads, a.seeds)
        write_manifest(a.corpus, sources, a.seeds)


if __name__ == "__main__":
    main()
