#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""A Splunk HTTP Event Collector stand-in for the exporter tests (stdlib only).

Listens on 127.0.0.1 (port chosen by the kernel, written to --port-file), optionally with TLS.
Each request is judged like HEC would: path /services/collector/event, header
`Authorization: Splunk <token>`, body = JSON envelopes one after another. What it answers is
scripted by --script, one behaviour per request in order (the last one repeats):
  ok      200 {"text":"Success","code":0}
  503     503 {"text":"Server is busy","code":9}   (events not taken)
  stall   waits --stall seconds before answering 503 (events not taken)
A request with a wrong path or token gets 404 / 401 whatever the script says. Every request is
logged as one JSON line to --log: time, path, auth, the answer, and the envelopes (only those
taken are listed under "accepted").
"""
import argparse
import json
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("--port-file", required=True)
parser.add_argument("--log", required=True)
parser.add_argument("--token", required=True)
parser.add_argument("--script", default="ok")
parser.add_argument("--stall", type=float, default=30.0)
parser.add_argument("--tls-cert")
parser.add_argument("--tls-key")
args = parser.parse_args()

script = args.script.split(",")
lock = threading.Lock()
counter = [0]


def envelopes(body):
    """The concatenated JSON objects of a HEC batch; raises ValueError on anything else."""
    text = body.decode("utf-8")  # HEC takes UTF-8; our sender's JSON is ASCII
    decoder = json.JSONDecoder()
    out, i = [], 0
    while True:
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        if i == len(text):
            return out
        obj, i = decoder.raw_decode(text, i)
        if not isinstance(obj, dict):
            raise ValueError("envelope is not an object")
        out.append(obj)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def answer(self, status, payload):
        body = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up (timeout): nothing was taken

    def do_POST(self):
        received = time.time()
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        with lock:
            n = counter[0]
            counter[0] += 1
        behaviour = script[min(n, len(script) - 1)]
        entry = {"n": n, "t": received, "path": self.path,
                 "auth": self.headers.get("Authorization"),
                 "content_type": self.headers.get("Content-Type"),
                 "behaviour": behaviour, "accepted": [], "received": 0}
        try:
            got = envelopes(body)
            entry["received"] = len(got)
        except ValueError as e:
            got, entry["error"] = [], "bad body: %s" % e
        if self.path != "/services/collector/event":
            status, payload = 404, {"text": "Not found", "code": 404}
        elif self.headers.get("Authorization") != "Splunk " + args.token:
            status, payload = 401, {"text": "Invalid authorization", "code": 3}
        elif "error" in entry:
            status, payload = 400, {"text": "Invalid data format", "code": 6}
        elif behaviour == "ok":
            status, payload = 200, {"text": "Success", "code": 0}
            entry["accepted"] = got
        elif behaviour == "stall":
            time.sleep(args.stall)
            status, payload = 503, {"text": "Server is busy", "code": 9}
        else:
            status, payload = 503, {"text": "Server is busy", "code": 9}
        entry["status"] = status
        with lock:
            with open(args.log, "a") as f:
                f.write(json.dumps(entry) + "\n")
        self.answer(status, payload)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
if args.tls_cert:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.tls_cert, args.tls_key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(args.port_file + ".tmp", args.port_file)
server.serve_forever()
