# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Sends a DNS query to a real server as IP fragments of 8, 16 and 64 bytes, in order and
reversed, over IPv4 and IPv6 (integration.evasion, issue 15), with scapy. Records whether the
server answered (the receiving stack reassembled the query), so that protoport, which must put
the datagram together as that stack does, has to name each answered flow dns.

  ip_fragments.py IFACE SERVER4 SERVER6 PORT RESULTS.jsonl

One JSON line per case: case, family, size, order, sport, dport, accepted.
"""
import json
import sys
import time

from scapy.all import (IP, IPv6, IPv6ExtHdrFragment, UDP, DNS, DNSQR, AsyncSniffer, conf,
                       fragment, fragment6, send)

conf.verb = 0
# A query of 80 bytes (UDP header included): 10 fragments of 8 bytes, 2 of 64.
QNAME = "fragmented-query-" + "q" * 23 + ".www.lab.test"


def main():
    iface, server4, server6, port, results_path = (sys.argv[1], sys.argv[2], sys.argv[3],
                                                   int(sys.argv[4]), sys.argv[5])
    sport = 44000
    with open(results_path, "w") as out:
        for family, server in ((4, server4), (6, server6)):
            for size in (8, 16, 64):
                for order in ("in-order", "reversed"):
                    sport += 1
                    query = UDP(sport=sport, dport=port) / DNS(id=sport, rd=1,
                                                              qd=DNSQR(qname=QNAME))
                    if family == 4:
                        frags = fragment(IP(dst=server, id=sport) / query, fragsize=size)
                    else:
                        # fragment6 cuts at fragSize bytes of the whole packet: the IPv6 header
                        # (40) and the fragment header (8) come first.
                        pkt = IPv6(dst=server) / IPv6ExtHdrFragment(id=sport) / query
                        frags = fragment6(pkt, 48 + size)
                    if order == "reversed":
                        frags = list(reversed(frags))
                    got = []
                    sniffer = AsyncSniffer(iface=iface, store=False, prn=lambda p: got.append(p),
                                           filter=f"udp and src port {port} and dst port {sport}")
                    sniffer.start()
                    time.sleep(0.05)
                    for f in frags:
                        send(f, iface=iface)
                    deadline = time.time() + 2
                    while time.time() < deadline and not got:
                        time.sleep(0.02)
                    sniffer.stop()
                    out.write(json.dumps({"case": f"ipv{family} {size}-byte {order}",
                                          "fragments": len(frags), "sport": sport, "dport": port,
                                          "accepted": bool(got)}) + "\n")
                    out.flush()


if __name__ == "__main__":
    main()
