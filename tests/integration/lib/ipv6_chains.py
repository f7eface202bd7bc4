# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Sends a DNS query to a real server over IPv6 behind chains of 0..20 extension headers of the
kinds Linux accepts and delivers (integration.evasion, issue 15): destination options, a
hop-by-hop header first, routing headers with no segments left, an atomic fragment header.
Records whether the server answered (the receiving stack walked the chain and delivered the
query), so that protoport must name each answered flow dns.

  ipv6_chains.py IFACE SERVER PORT RESULTS.jsonl

One JSON line per case: case, headers, sport, dport, accepted.
"""
import json
import sys
import time

from scapy.all import (IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrRouting, UDP, DNS, DNSQR, AsyncSniffer, conf, send)

conf.verb = 0


def chain(kind, n):
    """n extension headers of `kind`, outermost first (scapy layers, or None for none)."""
    layers = []
    for i in range(n):
        if kind == "dest":
            layers.append(IPv6ExtHdrDestOpt())
        elif kind == "hop-then-dest":
            layers.append(IPv6ExtHdrHopByHop() if i == 0 else IPv6ExtHdrDestOpt())
        elif kind == "routing-and-dest":
            layers.append(IPv6ExtHdrRouting(type=0, segleft=0) if i % 2 else IPv6ExtHdrDestOpt())
        elif kind == "dest-then-fragment":
            layers.append(IPv6ExtHdrFragment(offset=0, m=0, id=4242 + n) if i == n - 1
                          else IPv6ExtHdrDestOpt())
    return layers


def main():
    iface, server, port, results_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    sport = 43000
    with open(results_path, "w") as out:
        for kind in ("dest", "hop-then-dest", "routing-and-dest", "dest-then-fragment"):
            for n in range(0, 21):
                if n == 0 and kind != "dest":
                    continue
                sport += 1
                got = []
                sniffer = AsyncSniffer(iface=iface, store=False,
                                       filter=f"ip6 and udp and src port {port} and dst port {sport}",
                                       prn=lambda p: got.append(p))
                sniffer.start()
                time.sleep(0.05)
                pkt = IPv6(dst=server)
                for layer in chain(kind, n):
                    pkt = pkt / layer
                pkt = pkt / UDP(sport=sport, dport=port) / DNS(id=sport, rd=1,
                                                                qd=DNSQR(qname="www.lab.test"))
                send(pkt, iface=iface)
                deadline = time.time() + 2
                while time.time() < deadline and not got:
                    time.sleep(0.02)
                sniffer.stop()
                out.write(json.dumps({"case": kind, "headers": n, "sport": sport, "dport": port,
                                      "accepted": bool(got)}) + "\n")
                out.flush()


if __name__ == "__main__":
    main()
