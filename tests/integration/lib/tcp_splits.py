# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Sends openings to real TCP servers cut into segments as an evader would (integration.evasion,
issue 15), with scapy: one connection per case, the handshake done by hand so that each segment
goes out as written (cut anywhere, reordered, duplicated, overlapping with other bytes). Records
whether the server answered as it does to the whole opening: the receiving stack reassembled
it, so protoport must name the flow as if it had arrived whole.

  tcp_splits.py IFACE SERVER RESULTS.jsonl proto=port ...   (protos: http, tls)

Run in the client's namespace, whose kernel must not answer the server's SYN+ACK with a reset
(the caller drops outgoing RSTs there). Writes one JSON line per case: proto, case, sport,
dport, accepted (the server's reply began as expected), reply (its first bytes).
"""
import json
import random
import sys
import time

from scapy.all import IP, IPv6, TCP, Raw, AsyncSniffer, conf, send, sr1  # noqa: E402

from differential import client_hello, records  # the ClientHello every TLS test sends

conf.verb = 0
PAUSE = 0.003  # between segments: keeps their order on the wire


def openings():
    return {
        "http": (b"GET / HTTP/1.1\r\nHost: lab.test\r\nConnection: close\r\n\r\n", b"HTTP/1.1 "),
        # A TLS server answers a ClientHello with a handshake record (ServerHello).
        "tls": (b"".join(records(client_hello(), [])), b"\x16\x03"),
    }


def cut(data, sizes):
    """Pieces of `data` as (offset, bytes), sizes repeated, the rest in the last piece."""
    pieces, off, i = [], 0, 0
    while off < len(data):
        n = sizes[i] if i < len(sizes) else len(data) - off
        pieces.append((off, data[off:off + n]))
        off += n
        i += 1
    return pieces


def plans(data, rng):
    """Each case: the segments to send, in order, as (offset, bytes)."""
    n = len(data)
    cuts = sorted(rng.sample(range(1, n), 4))
    random_pieces = [(a, data[a:b]) for a, b in zip([0] + cuts, cuts + [n])]
    garbage = bytes(rng.randrange(256) for _ in range(n))
    return {
        "whole": [(0, data)],
        "one-byte": [(i, data[i:i + 1]) for i in range(n)],
        "1+2+rest": cut(data, [1, 2]),
        "2+1+rest": cut(data, [2, 1]),
        "random": random_pieces,
        "reversed": list(reversed(random_pieces)),
        "duplicated": [p for p in random_pieces for _ in (0, 1)],
        "reversed-duplicated": [p for p in reversed(random_pieces) for _ in (0, 1)],
        # Overlaps with other bytes: the copy Linux keeps is the opening.
        # In order first, then a retransmission with other bytes: delivered bytes win.
        "overlap-after": [(0, data[:4]), (4, data[4:]), (4, garbage[4:])],
        # Out of order first, then other bytes inside it: a segment inside a queued one is dropped.
        "overlap-queued": [(4, data[4:]), (4, garbage[4:]), (0, data[:4])],
        # Other bytes queued first, then the opening's bytes from the same start and longer:
        # the longer segment replaces the queued one.
        "overlap-replaced": [(4, garbage[4:n - 1]), (4, data[4:]), (0, data[:4])],
    }


def run_case(iface, family, server, dport, sport, segments, expect):
    ip = IP(dst=server) if family == 4 else IPv6(dst=server)
    isn = random.randrange(1 << 32)
    synack = sr1(ip / TCP(sport=sport, dport=dport, flags="S", seq=isn, window=65535),
                 timeout=2, iface=iface)
    if synack is None or not synack.haslayer(TCP) or (synack[TCP].flags & 0x12) != 0x12:
        return False, b"(no SYN+ACK)"
    ack = synack[TCP].seq + 1
    base = isn + 1
    got = []
    sniffer = AsyncSniffer(iface=iface, filter=f"tcp and src port {dport} and dst port {sport}",
                           prn=lambda p: got.append(bytes(p[TCP].payload)) if p.haslayer(TCP) else None,
                           store=False)
    sniffer.start()
    time.sleep(0.05)
    for off, data in segments:
        send(ip / TCP(sport=sport, dport=dport, flags="PA", seq=(base + off) % (1 << 32), ack=ack,
                      window=65535) / Raw(data), iface=iface)
        time.sleep(PAUSE)
    deadline = time.time() + 3
    while time.time() < deadline and not any(got):
        time.sleep(0.02)
    time.sleep(0.05)
    sniffer.stop()
    end = base + max(off + len(d) for off, d in segments)
    send(ip / TCP(sport=sport, dport=dport, flags="R", seq=end % (1 << 32)), iface=iface)
    reply = b"".join(g for g in got if g)
    return reply.startswith(expect), reply[:24]


def main():
    iface, server, results_path = sys.argv[1], sys.argv[2], sys.argv[3]
    family = 6 if ":" in server else 4
    targets = [a.split("=") for a in sys.argv[4:]]
    rng = random.Random(15)
    sport = 42000
    with open(results_path, "w") as out:
        for proto, port in targets:
            data, expect = openings()[proto]
            for case, segments in plans(data, rng).items():
                sport += 1
                accepted, reply = run_case(iface, family, server, int(port), sport, segments, expect)
                out.write(json.dumps({"proto": proto, "case": case, "sport": sport,
                                      "dport": int(port), "accepted": accepted,
                                      "segments": len(segments),
                                      "reply": reply.decode("latin-1")}) + "\n")
                out.flush()


if __name__ == "__main__":
    main()
