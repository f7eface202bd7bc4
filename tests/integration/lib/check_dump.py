# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Checks `protoport watch --dump` output of integration.sampler against the exchanges made.

Each --exchange is "KIND CLIENT_IP CLIENT_PORT SERVER_IP SERVER_PORT" with KIND http (curl GET,
HTTP/1.1) or dns (dig, one query for www.lab.test, A over IPv4, AAAA over IPv6). --side says
where XDP was: server (it sees only what the client sends) or client (only the replies).
--peer-dump is the server side's dump, for the client side's DNS check: a reply carries the ID
of the query the server side sampled. All differences are listed; exit 1 if there is one.

  check_dump.py --side server|client --dump OUT --stderr ERR [--peer-dump OUT] --exchange ...
"""
import argparse
import re
import sys

LINE_RE = re.compile(r'^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d) (tcp|udp) (\S+) -> (\S+) dir=(\S+) '
                     r'seq=(\d+)(?: flags=(\S+))? len=(\d+) cap=(\d+) "(.*)"(\.\.\.)?$')
QNAME = b"\x03www\x03lab\x04test\x00"
problems = []


def problem(text):
    problems.append(text)


def unescape(text):
    """Inverse of protoport::for_terminal: printable ASCII as is, "\\\\" and "\\xNN"."""
    out = bytearray()
    i = 0
    while i < len(text):
        if text.startswith("\\\\", i):
            out.append(0x5C)
            i += 2
        elif text.startswith("\\x", i) and re.fullmatch(r"[0-9a-f]{2}", text[i + 2:i + 4]):
            out.append(int(text[i + 2:i + 4], 16))
            i += 4
        else:
            out.append(ord(text[i]))
            i += 1
    return bytes(out)


def endpoint(text):
    m = re.fullmatch(r"\[(.+)\]:(\d+)|([^:]+):(\d+)", text)
    if not m:
        return None
    return (m[1], int(m[2])) if m[1] else (m[3], int(m[4]))


def parse(path):
    samples = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            m = LINE_RE.match(line)
            if not m:
                problem(f"{path}:{n}: not a dump line: {line!r}")
                continue
            samples.append({
                "proto": m[2], "src": endpoint(m[3]), "dst": endpoint(m[4]), "dir": m[5],
                "seq": int(m[6]), "flags": m[7] or "", "len": int(m[8]), "cap": int(m[9]),
                "payload": unescape(m[10]), "cut": m[11] is not None, "line": line,
            })
    return samples


def dns_question(payload):
    """(id, flags, qdcount, ancount, question bytes) of a DNS message, or None."""
    if len(payload) < 12 + len(QNAME) + 4:
        return None
    return (payload[0:2], payload[2:4], int.from_bytes(payload[4:6], "big"),
            int.from_bytes(payload[6:8], "big"), payload[12:12 + len(QNAME) + 4])


def want_question(server_ip):
    qtype = b"\x00\x1c" if ":" in server_ip else b"\x00\x01"  # AAAA over IPv6, A over IPv4
    return QNAME + qtype + b"\x00\x01"


def of_flow(samples, proto, src, dst):
    return [s for s in samples if s["proto"] == proto and s["src"] == src and s["dst"] == dst]


def check_common(what, s, proto):
    if s["cap"] != s["len"]:
        problem(f"{what}: len={s['len']} cap={s['cap']}: a small payload must be sampled whole")
    if proto == "tcp" and "A" not in s["flags"]:
        problem(f"{what}: TCP flags {s['flags']!r} lack ACK")


def report_strays(side, samples, exchanges):
    """Samples of no exchange made (in either direction): nothing else runs in the lab."""
    known = set()
    for kind, cip, cport, sip, sport in exchanges:
        proto = "tcp" if kind == "http" else "udp"
        known |= {(proto, (cip, cport), (sip, sport)), (proto, (sip, sport), (cip, cport))}
    for s in samples:
        if (s["proto"], s["src"], s["dst"]) not in known:
            problem(f"{side}: a sample of a flow nobody made: {s['line'][:160]}")


def check_server(samples, exchanges):
    for kind, cip, cport, sip, sport in exchanges:
        proto = "tcp" if kind == "http" else "udp"
        client, server = (cip, cport), (sip, sport)
        what = f"server side, {kind} {proto} {cip}:{cport} -> {sip}:{sport}"
        mine = of_flow(samples, proto, client, server)
        if len(mine) != 1:
            problem(f"{what}: {len(mine)} samples, want 1 (the client sends one payload packet)")
        if not mine:
            continue
        s = mine[0]
        if s["dir"] != "to-responder" or s["seq"] != 0:
            problem(f"{what}: dir={s['dir']} seq={s['seq']}, want dir=to-responder seq=0")
        check_common(what, s, proto)
        if kind == "http":
            host = f"[{sip}]:{sport}" if ":" in sip else f"{sip}:{sport}"
            want = f"GET / HTTP/1.1\r\nHost: {host}\r\n".encode()
            if not s["payload"].startswith(want):
                problem(f"{what}: payload starts {s['payload'][:40]!r}, want {want!r}")
        else:
            q = dns_question(s["payload"])
            if not q or q[1][0] & 0x80 or q[2] != 1 or q[4] != want_question(sip):
                problem(f"{what}: not a DNS query for www.lab.test: {s['payload'][:48]!r}")
    report_strays("server side", samples, exchanges)


def check_client(samples, exchanges, peer):
    for kind, cip, cport, sip, sport in exchanges:
        proto = "tcp" if kind == "http" else "udp"
        client, server = (cip, cport), (sip, sport)
        what = f"client side, {kind} {proto} reply {sip}:{sport} -> {cip}:{cport}"
        if of_flow(samples, proto, client, server):
            problem(f"{what}: XDP on the client's interface sampled a packet the client sent")
        mine = of_flow(samples, proto, server, client)
        if kind == "http":
            # nginx may write the header and the body as one segment or two.
            if not 1 <= len(mine) <= 2:
                problem(f"{what}: {len(mine)} samples, want 1 or 2")
            for i, s in enumerate(mine):
                # The SYN-ACK told the kernel that the receiver (the client) initiated.
                if s["dir"] != "to-initiator" or s["seq"] != i:
                    problem(f"{what}: sample {i}: dir={s['dir']} seq={s['seq']}, want to-initiator seq={i}")
                check_common(what, s, proto)
            if mine and not mine[0]["payload"].startswith(b"HTTP/1.1 200 OK\r\n"):
                problem(f"{what}: payload starts {mine[0]['payload'][:40]!r}, want HTTP/1.1 200 OK")
            continue
        if len(mine) != 1:
            problem(f"{what}: {len(mine)} samples, want 1 (one reply datagram)")
        if not mine:
            continue
        s = mine[0]
        # The first UDP packet's sender is taken as the initiator: here that is the server, as the
        # query never passed this hook. Userspace settles the roles from the payload.
        if s["dir"] != "to-responder" or s["seq"] != 0:
            problem(f"{what}: dir={s['dir']} seq={s['seq']}, want to-responder seq=0 (first packet seen)")
        check_common(what, s, proto)
        q = dns_question(s["payload"])
        if not q or not q[1][0] & 0x80 or q[2] != 1 or q[3] < 1 or q[4] != want_question(sip):
            problem(f"{what}: not a DNS answer for www.lab.test: {s['payload'][:48]!r}")
            continue
        query = of_flow(peer, proto, client, server)
        if query and query[0]["payload"][:2] != q[0]:
            problem(f"{what}: reply ID {q[0].hex()} differs from the query's {query[0]['payload'][:2].hex()}")
    report_strays("client side", samples, exchanges)


def check_counters(path, samples, flows):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    counters = {k: int(v) for k, v in re.findall(r"^  (\S+) +(\d+)$", text, re.M)}
    if "sampled" not in counters:
        problem(f"{path}: no kernel counters at exit")
        return
    if counters["sampled"] != len(samples):
        problem(f"{path}: kernel sampled={counters['sampled']}, dump printed {len(samples)}")
    if counters.get("flows_created") != flows:
        problem(f"{path}: flows_created={counters.get('flows_created')}, want {flows}")
    for name in ("ringbuf_full", "flow_update_fail", "malformed"):
        if counters.get(name) != 0:
            problem(f"{path}: {name}={counters.get(name)}, want 0")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--side", choices=("server", "client"), required=True)
    p.add_argument("--dump", required=True)
    p.add_argument("--stderr", required=True)
    p.add_argument("--peer-dump")
    p.add_argument("--exchange", nargs=5, action="append", required=True,
                   metavar=("KIND", "CLIENT_IP", "CLIENT_PORT", "SERVER_IP", "SERVER_PORT"))
    args = p.parse_args()
    exchanges = [(k, cip, int(cp), sip, int(sp)) for k, cip, cp, sip, sp in args.exchange]
    samples = parse(args.dump)
    if args.side == "server":
        check_server(samples, exchanges)
    else:
        check_client(samples, exchanges, parse(args.peer_dump) if args.peer_dump else [])
    check_counters(args.stderr, samples, len(exchanges))
    for line in problems:
        print(f"FAIL {line}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
