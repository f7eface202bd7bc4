# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Sends one opening in a form a real server accepts, and checks that the server answered as
its protocol (issue 20). Run in the client namespace with Debian's python3 (ssl module).

  send_forms.py tls-one-record|tls-split-1|tls-split-4-two-segments HOST PORT
  send_forms.py http-leading-crlf|http-double-spaces HOST PORT

TLS: a real ClientHello made by Python's ssl module (OpenSSL), fragmented over records as asked
(RFC 8446 5.1); the answer must be a ServerHello. HTTP: the request form as written; the answer
must be a 200 status line. Exit 0 when the server answered as its protocol.
"""
import os
import socket
import sys
import time


# The ClientHello and the record fragmentation of the differential test (one definition).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from differential import client_hello, records  # noqa: E402


def exchange(host, port, segments, want):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.settimeout(5)
        s.connect((host, port))
        for i, seg in enumerate(segments):
            if i:
                time.sleep(0.05)  # its own segment: NODELAY and a pause
            s.sendall(seg)
        answer = b""
        deadline = time.time() + 5
        while len(answer) < 16 and time.time() < deadline:
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
    if not want(answer):
        print("server answered %r" % answer[:40], file=sys.stderr)
        return 1
    return 0


def main():
    form, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    server_hello = lambda a: len(a) > 5 and a[0] == 0x16 and a[5] == 2
    ok_200 = lambda a: a.startswith(b"HTTP/1.1 200")
    if form.startswith("tls-"):
        message = client_hello()
        if form == "tls-one-record":
            segments = records(message, [])
        elif form == "tls-split-1":
            segments = [b"".join(records(message, [1]))]
        elif form == "tls-split-4-two-segments":
            segments = records(message, [4])
        else:
            raise SystemExit("unknown form " + form)
        return exchange(host, port, segments, server_hello)
    request = {
        "http-leading-crlf": b"\r\nGET / HTTP/1.1\r\nHost: forms\r\nConnection: close\r\n\r\n",
        "http-double-spaces": b"GET  /  HTTP/1.1\r\nHost: forms\r\nConnection: close\r\n\r\n",
    }[form]
    return exchange(host, port, [request], ok_200)


if __name__ == "__main__":
    sys.exit(main())
