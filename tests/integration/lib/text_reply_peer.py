# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""A minimal SIP or RTSP server for the lab: answers every request with 200 OK.

  text_reply_peer.py sip|rtsp ADDR PORT tcp|udp

SIP (RFC 3261): the reply copies Via, From, To, Call-ID and CSeq, as sipsak checks them.
RTSP (RFC 2326): the reply carries the request's CSeq (curl checks it) and a Public line.
One request per datagram (UDP) or per connection (TCP, several requests allowed). Standard
library only; prints one line per request answered.
"""
import socket
import socketserver
import sys

KIND, ADDR, PORT, TRANSPORT = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
COPIED = ("via", "v", "from", "f", "to", "t", "call-id", "i", "cseq")


def reply(request: bytes) -> bytes:
    head = request.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    lines = head.split("\r\n")
    if KIND == "sip":
        out = ["SIP/2.0 200 OK"]
        out += [l for l in lines[1:] if l.split(":", 1)[0].strip().lower() in COPIED]
        out += ["Server: protoport-lab", "Content-Length: 0"]
    else:
        out = ["RTSP/1.0 200 OK"]
        out += [l for l in lines[1:] if l.split(":", 1)[0].strip().lower() == "cseq"]
        out += ["Public: OPTIONS, DESCRIBE", "Server: protoport-lab", "Content-Length: 0"]
    print(f"{KIND}/{TRANSPORT}: {lines[0]!r} answered", flush=True)
    return ("\r\n".join(out) + "\r\n\r\n").encode("latin-1")


class Udp(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        if data.strip():
            sock.sendto(reply(data), self.client_address)


class Tcp(socketserver.StreamRequestHandler):
    def handle(self):
        while True:
            buf = b""
            while b"\r\n\r\n" not in buf:
                chunk = self.request.recv(4096)
                if not chunk:
                    return
                buf += chunk
            self.wfile.write(reply(buf))


class UdpServer(socketserver.ThreadingUDPServer):
    allow_reuse_address = True


class TcpServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


for cls in (UdpServer, TcpServer):
    cls.address_family = socket.AF_INET6 if ":" in ADDR else socket.AF_INET

server = UdpServer((ADDR, PORT), Udp) if TRANSPORT == "udp" else TcpServer((ADDR, PORT), Tcp)
print(f"{KIND} on {ADDR}:{PORT}/{TRANSPORT}", flush=True)
server.serve_forever()
