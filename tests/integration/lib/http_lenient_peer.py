# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# A second, lenient HTTP/1.1 server for the lab: Python's http.server (Debian python3), which
# splits the request line on any whitespace (RFC 9112 3 lets a recipient do so). It answers
# every GET, HEAD and POST with 200 and the lab's body, as nginx does in peers.sh.
# Usage: /usr/bin/python3 http_lenient_peer.py ADDR PORT
import http.server
import socket
import sys

BODY = b"protoport lab http\n"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self, body=True):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        if body:
            self.wfile.write(BODY)

    def do_GET(self):
        self._answer()

    def do_POST(self):
        self._answer()

    def do_HEAD(self):
        self._answer(body=False)

    def log_message(self, fmt, *args):
        sys.stderr.write("http_lenient_peer: " + fmt % args + "\n")


class Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: http_lenient_peer.py ADDR PORT")
    server = Server((sys.argv[1], int(sys.argv[2])), Handler)
    print(f"http_lenient_peer: listening on {sys.argv[1]}:{sys.argv[2]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
