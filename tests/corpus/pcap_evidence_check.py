# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""corpus.pcap_evidence (issue 18): `--pcap-out` writes a pcapng file that tshark reads back, with
the 5-tuples of the mismatching flows reported in the same run and one comment per packet naming
the rule and the flow; `--pcap-max-bytes` bounds it and counts what it left out.

  pcap_evidence_check.py PROTOPORT CORPUS_DIR      (every capture of the corpus, replayed)
"""
import json
import os
import re
import subprocess
import sys
import tempfile


def main():
    pp, corpus = sys.argv[1], sys.argv[2]
    if os.geteuid() != 0:
        print("corpus.pcap_evidence: needs root (replay loads BPF); skipped", file=sys.stderr)
        return 77
    problems = []
    with tempfile.TemporaryDirectory(prefix="pp-pcap.") as tmp:
        out = os.path.join(tmp, "evidence.pcapng")
        flows_path = os.path.join(tmp, "flows.jsonl")
        files = sorted(os.path.join(corpus, c) for c in os.listdir(corpus) if ".pcap" in c)
        run = subprocess.run([pp, "replay", "--no-progress", "--format", "json", "--pcap-out", out,
                              "--flows", flows_path] + files, capture_output=True, text=True,
                             timeout=240)
        if run.returncode != 0:
            print(run.stderr)
            return 1
        # The mismatching flows: every flow (--flows) of a reported row's key.
        rows = set()
        for line in run.stdout.splitlines():
            e = json.loads(line)
            if e.get("event") == "report_row":
                rows.add((e["src_ip"], e["dest_ip"], e["app"], e["dest_port"], e["transport"]))
        flows = set()
        for line in open(flows_path):
            f = json.loads(line)
            if (f["src_ip"], f["dest_ip"], f["app"], f["dest_port"], f["transport"]) in rows:
                flows.add(frozenset([(f["src_ip"], f["src_port"]), (f["dest_ip"], f["dest_port"])]))
        shark = subprocess.run(["tshark", "-r", out, "-T", "fields", "-E", "separator=|",
                                "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport", "-e", "udp.srcport",
                                "-e", "ip.dst", "-e", "ipv6.dst", "-e", "tcp.dstport", "-e", "udp.dstport",
                                "-e", "frame.comment"], capture_output=True, text=True, timeout=60)
        if shark.returncode != 0:
            problems.append(f"tshark cannot read it: {shark.stderr.strip()}")
        packets = [l.split("|") for l in shark.stdout.splitlines() if l]
        seen = set()
        for f in packets:
            src, sport = f[0] or f[1], int(f[2] or f[3])
            dst, dport = f[4] or f[5], int(f[6] or f[7])
            key = frozenset([(src, sport), (dst, dport)])
            seen.add(key)
            if key not in flows:
                problems.append(f"packet {src}:{sport} -> {dst}:{dport} is of no reported flow")
            if not re.match(r"protoport \S+-(unexpected-port|port-other-protocol) app=\S+ ", f[8]):
                problems.append(f"packet comment {f[8]!r}")
        for key in flows - seen:
            problems.append(f"reported flow {sorted(key)} has no packet in the file")
        m = re.search(r"pcap evidence: (\d+) packets written", run.stderr)
        if not m or int(m.group(1)) != len(packets):
            problems.append(f"stderr says {m.group(0) if m else 'nothing'}, tshark read {len(packets)}")
        # The bound: a file of 4 KiB takes the headers and a few packets, and counts the rest.
        small = os.path.join(tmp, "small.pcapng")
        run2 = subprocess.run([pp, "replay", "--no-progress", "--format", "json", "--pcap-out", small,
                               "--pcap-max-bytes", "4K"] + files, capture_output=True, text=True, timeout=240)
        m2 = re.search(r"pcap evidence: (\d+) packets written to \S+, (\d+) not", run2.stderr)
        if not m2 or int(m2.group(2)) == 0 or os.path.getsize(small) > 4096:
            problems.append(f"--pcap-max-bytes 4K: {m2.group(0) if m2 else run2.stderr[-200:]}, "
                            f"{os.path.getsize(small)} bytes")
        print(f"corpus.pcap_evidence: {len(packets)} packets of {len(flows)} mismatching flows read "
              f"back by tshark; 4K bound: {m2.group(0) if m2 else '?'}")
    for p in problems:
        print(f"  {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
