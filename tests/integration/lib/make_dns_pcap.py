#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Writes a pcap (Ethernet, IPv4, UDP) of DNS queries, one flow each, for replay tests.

  make_dns_pcap.py OUT.pcap DEST_PORT QNAME_HEX...
Each QNAME_HEX is the query name's bytes in hex (labels split on '.', i.e. 0x2e): any byte may be
in a label, which is how a hostile name reaches the evidence fields. Flow i goes from
10.9.0.<i+1>:<40000+i> to 10.9.1.1:DEST_PORT, one second apart.
"""
import struct
import sys

out, port, names = sys.argv[1], int(sys.argv[2]), [bytes.fromhex(h) for h in sys.argv[3:]]


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def query(name, ident):
    qname = b"".join(bytes([len(l)]) + l for l in name.split(b".") if l) + b"\0"
    return struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0) + qname + struct.pack("!HH", 16, 1)


with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for i, name in enumerate(names):
        payload = query(name, 0x1000 + i)
        src, dst = bytes([10, 9, 0, i + 1]), bytes([10, 9, 1, 1])
        udp = struct.pack("!HHHH", 40000 + i, port, 8 + len(payload), 0) + payload
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i, 0, 64, 17, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        frame = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00" + ip + udp
        f.write(struct.pack("<IIII", 1700000000 + i, 0, len(frame), len(frame)))
        f.write(frame)
