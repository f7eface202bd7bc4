# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Differential driver of integration.differential (issue 20): sends mutated openings (case,
whitespace, framing, record and segment splits) to the real server of each protocol and records,
per flow (the client's port), whether the server accepted the opening as its protocol.

  differential.py HOST OUT.jsonl proto=port[,port...] ...   (http tls dns smtp ftp ssh)

Runs in the client namespace with Debian's python3 (ssl module). One thread per protocol; each
mutation is its own connection (or datagram) from its own port, to each port given for its
protocol (several servers of one protocol: each gets every mutation). Each line of OUT:
  {"proto", "mutation", "transport", "sport", "dport", "outcome", "reply": repr}
The outcome is read from the server's reply only: "accepted" as its protocol,
  http  a status line 2xx, 3xx or 4xx other than 400 (or, for an HTTP/0.9 request, the body)
  tls   a ServerHello (handshake record, message type 2)
  dns   an answer with the query's id, QR set, RCODE NOERROR or NXDOMAIN (the question answered)
  smtp  250 to the EHLO/HELO line (after the 220 greeting)
  ftp   331 or 230 to the USER line (after the 220 greeting)
  ssh   the server's banner, then its KEXINIT (binary packet, message 20) after ours
"declined" when the reply shows the server parsed the opening as its protocol and refused only
its version (sshd: "Protocol major versions differ"), "rejected" otherwise.
A segment list sends each element in its own TCP segment (TCP_NODELAY and a pause).
Exit 0 when every exchange ran (accepted or not), 1 if a server could not be reached.
"""
import json
import os
import socket
import ssl
import struct
import sys
import threading
import time

TIMEOUT = 1.5   # per read: a server that rejects by silence costs at most this
PAUSE = 0.05    # between segments


def connect(host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.settimeout(TIMEOUT)
    s.connect((host, port))
    return s


def send_segments(s, segments):
    for i, seg in enumerate(segments):
        if i:
            time.sleep(PAUSE)
        s.sendall(seg)


def read_until(s, done, limit=65536):
    """Reads until done(data) or the peer closes or a read times out."""
    data = b""
    deadline = time.time() + 3 * TIMEOUT
    while not done(data) and len(data) < limit and time.time() < deadline:
        try:
            chunk = s.recv(4096)
        except (socket.timeout, ConnectionError):
            break
        if not chunk:
            break
        data += chunk
    return data


def line_reply_done(data):
    """A complete SMTP/FTP reply: its last line is 'NNN ' (or a bare line that is not 'NNN-')."""
    lines = data.split(b"\n")
    return any(len(l) >= 4 and l[3:4] != b"-" for l in lines[:-1])


def first_reply_code(data):
    for l in data.split(b"\n"):
        if len(l) >= 4 and l[3:4] in (b" ", b"\r"):
            return l[:3]
        if len(l) >= 3 and l[3:4] == b"" and l[:3].isdigit():
            return l[:3]
    return None


# --- HTTP ---------------------------------------------------------------------------------

def http_req(line, eol=b"\r\n", host=b"forms.lab.test"):
    return line + eol + b"Host: " + host + eol + b"Connection: close" + eol + eol


HTTP_BODY = b"protoport lab http"

HTTP = [
    ("canonical", [http_req(b"GET / HTTP/1.1")]),
    ("http-1.0", [http_req(b"GET / HTTP/1.0")]),
    ("head", [http_req(b"HEAD / HTTP/1.1")]),
    ("post-body", [b"POST / HTTP/1.1\r\nHost: f\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi"]),
    ("absolute-form", [http_req(b"GET http://forms.lab.test/ HTTP/1.1")]),
    ("leading-crlf", [b"\r\n" + http_req(b"GET / HTTP/1.1")]),
    ("leading-lf", [b"\n" + http_req(b"GET / HTTP/1.1")]),
    ("leading-2crlf", [b"\r\n\r\n" + http_req(b"GET / HTTP/1.1")]),
    ("double-spaces", [http_req(b"GET  /  HTTP/1.1")]),
    ("tab-separators", [http_req(b"GET\t/\tHTTP/1.1")]),
    ("trailing-space", [http_req(b"GET / HTTP/1.1 ")]),
    ("lf-line-ends", [http_req(b"GET / HTTP/1.1", eol=b"\n")]),
    ("split-in-method", [b"GE", b"T / HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n"]),
    ("split-after-method", [b"GET ", b"/ HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n"]),
    ("split-after-line", [b"GET / HTTP/1.1\r\n", b"Host: f\r\nConnection: close\r\n\r\n"]),
    ("http-0.9", [b"GET /\r\n"]),
    # Forms nginx rejects (400): never http.
    ("lowercase-method", [http_req(b"get / HTTP/1.1")]),
    ("lowercase-version", [http_req(b"GET / http/1.1")]),
    ("leading-space", [http_req(b" GET / HTTP/1.1")]),
    ("no-space-before-target", [http_req(b"GET/ HTTP/1.1")]),
    ("binary", [bytes(range(1, 64))]),
]


def http_accepts(opening, reply):
    if reply.startswith(b"HTTP/1."):
        code = reply[9:12]
        return code.isdigit() and code[:1] in b"234" and code != b"400"
    # HTTP/0.9: the answer is the body alone.
    first = opening.lstrip(b"\r\n").split(b"\n")[0].rstrip(b"\r")
    return len(first.split()) == 2 and reply.startswith(HTTP_BODY)


def run_http(host, port, form):
    name, segments = form
    s = connect(host, port)
    with s:
        sport = s.getsockname()[1]
        send_segments(s, segments)
        reply = read_until(s, lambda d: b"\n" in d and len(d) >= 16)
    return sport, verdict(http_accepts(b"".join(segments), reply)), reply


# --- TLS ----------------------------------------------------------------------------------

def client_hello(minimum=None, maximum=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if minimum:
        ctx.minimum_version = minimum
    if maximum:
        ctx.maximum_version = maximum
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname="forms.lab.test")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    data = outgoing.read()
    assert data[0] == 0x16 and data[5] == 1, "not a ClientHello record"
    return data[5:]


def records(message, cuts, version=b"\x03\x01"):
    out, start = [], 0
    for end in list(cuts) + [len(message)]:
        body = message[start:end]
        out.append(b"\x16" + version + len(body).to_bytes(2, "big") + body)
        start = end
    return out


def tls_forms():
    hello = client_hello()
    tls12 = client_hello(maximum=ssl.TLSVersion.TLSv1_2)
    tls13 = client_hello(minimum=ssl.TLSVersion.TLSv1_3)
    one = records(hello, [])[0]
    bad_len = bytearray(hello)
    bad_len[3] -= 1  # handshake length one short of the body: the hello's fields overrun it
    return [
        ("one-record", [one]),
        ("record-version-3.3", records(hello, [], b"\x03\x03")),
        ("record-version-3.0", records(hello, [], b"\x03\x00")),
        ("record-version-3.4", records(hello, [], b"\x03\x04")),
        ("tls1.2-hello", records(tls12, [])),
        ("tls1.3-only-hello", records(tls13, [])),
        ("records-split-1", [b"".join(records(hello, [1]))]),
        ("records-split-4", [b"".join(records(hello, [4]))]),
        ("records-every-64", [b"".join(records(hello, range(64, len(hello), 64)))]),
        ("records-split-4-two-segments", records(hello, [4])),
        ("header-alone-segment", [one[:5], one[5:]]),
        ("split-mid-hello-segment", [one[:50], one[50:]]),
        # Rejected (alert or silence): never ssl.
        ("handshake-length-short", records(bytes(bad_len), [])),
        ("record-type-21-hello", [b"\x15" + one[1:]]),
        ("record-version-2.0", records(hello, [], b"\x02\x00")),
        ("binary", [bytes(range(1, 64))]),
    ]


def run_tls(host, port, form):
    name, segments = form
    s = connect(host, port)
    with s:
        sport = s.getsockname()[1]
        send_segments(s, segments)
        reply = read_until(s, lambda d: len(d) >= 6)
    return sport, verdict(len(reply) >= 6 and reply[0] == 0x16 and reply[5] == 2), reply


# --- DNS ----------------------------------------------------------------------------------

def dns_query(qid, name=b"www.lab.test", flags=0x0100, qdcount=1, edns=False):
    q = b"".join(bytes([len(l)]) + l for l in name.split(b".")) + b"\x00"
    msg = struct.pack(">HHHHHH", qid, flags, qdcount, 0, 0, 1 if edns else 0)
    if qdcount:
        msg += q + struct.pack(">HH", 1, 1)
    if edns:
        msg += b"\x00" + struct.pack(">HHIH", 41, 1232, 0, 0)
    return msg


def dns_forms():
    forms = []
    for i, (name, kw) in enumerate([
        ("plain", {}),
        ("0x20-case", {"name": b"wWw.LaB.tEsT"}),
        ("edns", {"edns": True}),
        ("no-rd", {"flags": 0}),
        ("ad-bit", {"flags": 0x0120}),
    ]):
        forms.append(("udp-" + name, "udp", [dns_query(0x4100 + i, **kw)]))
        m = dns_query(0x4200 + i, **kw)
        framed = len(m).to_bytes(2, "big") + m
        forms.append(("tcp-" + name, "tcp", [framed]))
    m = dns_query(0x4300)
    framed = len(m).to_bytes(2, "big") + m
    forms += [
        ("tcp-prefix-alone", "tcp", [framed[:2], framed[2:]]),
        ("tcp-split-in-header", "tcp", [framed[:7], framed[7:]]),
        ("tcp-split-in-name", "tcp", [framed[:17], framed[17:]]),
        ("tcp-prefix-byte-alone", "tcp", [framed[:1], framed[1:]]),
        ("tcp-two-queries", "tcp", [framed + framed]),
        # Rejected (FORMERR, NOTIMP or silence): never dns.
        ("udp-no-question", "udp", [dns_query(0x4400, qdcount=0)]),
        ("udp-opcode-3", "udp", [dns_query(0x4401, flags=0x1900)]),
        ("tcp-opcode-3", "tcp", [(lambda q: len(q).to_bytes(2, "big") + q)(dns_query(0x4402, flags=0x1900))]),
        ("udp-binary", "udp", [bytes(range(1, 64))]),
        ("tcp-binary", "tcp", [bytes(range(1, 64))]),
    ]
    return forms


def dns_accepts(query, reply):
    if len(query) < 2 or len(reply) < 4:
        return False
    rcode = reply[3] & 0x0F
    return reply[:2] == query[:2] and bool(reply[2] & 0x80) and rcode in (0, 3)


def run_dns(host, port, form):
    name, transport, segments = form
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    if transport == "udp":
        with socket.socket(family, socket.SOCK_DGRAM) as s:
            s.settimeout(TIMEOUT)
            s.connect((host, port))
            sport = s.getsockname()[1]
            s.send(segments[0])
            try:
                reply = s.recv(4096)
            except (socket.timeout, ConnectionError):
                reply = b""
        return sport, verdict(dns_accepts(segments[0], reply)), reply
    s = connect(host, port)
    with s:
        sport = s.getsockname()[1]
        send_segments(s, segments)
        reply = read_until(s, lambda d: len(d) >= 2 and len(d) >= 2 + int.from_bytes(d[:2], "big"))
    query = b"".join(segments)[2:]
    return sport, verdict(dns_accepts(query, reply[2:])), reply


# --- SMTP and FTP: the server greets, then the client's first line --------------------------

SMTP = [
    ("EHLO", [b"EHLO client.lab.test\r\n"]),
    ("ehlo", [b"ehlo client.lab.test\r\n"]),
    ("Ehlo", [b"Ehlo client.lab.test\r\n"]),
    ("HELO", [b"HELO client.lab.test\r\n"]),
    ("helo", [b"helo client.lab.test\r\n"]),
    ("hElO", [b"hElO client.lab.test\r\n"]),
    ("address-literal", [b"EHLO [192.0.2.1]\r\n"]),
    ("double-space", [b"EHLO  client.lab.test\r\n"]),
    ("trailing-blanks", [b"EHLO client.lab.test \t \r\n"]),
    ("lf-line-end", [b"EHLO client.lab.test\n"]),
    ("split-in-verb", [b"EH", b"LO client.lab.test\r\n"]),
    ("split-after-verb", [b"ehlo ", b"client.lab.test\r\n"]),
    ("split-after-1", [b"E", b"HLO client.lab.test\r\n"]),
    # Rejected (500/501): never smtp.
    ("leading-space", [b" EHLO client.lab.test\r\n"]),
    ("no-domain", [b"EHLO\r\n"]),
    ("misspelt-verb", [b"EHL0 client.lab.test\r\n"]),
    ("tab-separator", [b"EHLO\tclient.lab.test\r\n"]),
    ("leading-empty-line", [b"\r\nEHLO client.lab.test\r\n"]),
    ("binary", [bytes(range(1, 64))]),
]

FTP = [
    ("USER", [b"USER anonymous\r\n"]),
    ("user", [b"user anonymous\r\n"]),
    ("User", [b"User ftp\r\n"]),
    ("uSeR", [b"uSeR someone\r\n"]),
    ("double-space", [b"USER  anonymous\r\n"]),
    ("trailing-blanks", [b"USER anonymous  \r\n"]),
    ("lf-line-end", [b"USER anonymous\n"]),
    ("split-in-verb", [b"US", b"ER anonymous\r\n"]),
    ("split-after-verb", [b"USER ", b"anonymous\r\n"]),
    ("split-after-1", [b"u", b"ser anonymous\r\n"]),
    # Rejected (500 or 530): never ftp.
    ("misspelt-verb", [b"USRE anonymous\r\n"]),
    ("leading-space", [b" USER anonymous\r\n"]),
    ("tab-separator", [b"USER\tanonymous\r\n"]),
    ("leading-empty-line", [b"\r\nUSER anonymous\r\n"]),
    ("binary", [bytes(range(1, 64))]),
]


def run_greeted(host, port, form, accept_codes):
    name, segments = form
    s = connect(host, port)
    with s:
        sport = s.getsockname()[1]
        greeting = read_until(s, line_reply_done)
        if not greeting.startswith(b"220"):
            raise RuntimeError("no 220 greeting: %r" % greeting[:60])
        send_segments(s, segments)
        reply = read_until(s, line_reply_done)
    return sport, verdict(first_reply_code(reply) in accept_codes), reply


# --- SSH ----------------------------------------------------------------------------------

SSH = [
    ("canonical", [b"SSH-2.0-diff\r\n"]),
    ("comment", [b"SSH-2.0-diff a comment\r\n"]),
    ("openssh-style", [b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"]),
    ("lf-line-end", [b"SSH-2.0-diff\n"]),
    ("version-1.99", [b"SSH-1.99-diff\r\n"]),
    ("split-in-prefix", [b"SS", b"H-2.0-diff\r\n"]),
    ("split-after-version", [b"SSH-2.0-", b"diff comment\r\n"]),
    # Rejected ("Invalid SSH identification string", "Protocol major versions differ"): never ssh.
    ("lowercase", [b"ssh-2.0-diff\r\n"]),
    ("version-1.5", [b"SSH-1.5-diff\r\n"]),
    ("no-software", [b"SSH-2.0\r\n"]),
    ("line-before-banner", [b"hello\r\nSSH-2.0-diff\r\n"]),
    ("binary", [bytes(range(1, 64))]),
]


def kexinit_seen(data):
    return len(data) >= 6 and data[5] == 20


def run_ssh(host, port, form):
    name, segments = form
    s = connect(host, port)
    with s:
        sport = s.getsockname()[1]
        banner = read_until(s, lambda d: b"\n" in d)
        if not banner.startswith(b"SSH-"):
            raise RuntimeError("no SSH banner: %r" % banner[:60])
        rest = banner[banner.index(b"\n") + 1:]
        send_segments(s, segments)
        reply = rest + read_until(s, lambda d: kexinit_seen(rest + d))
    if kexinit_seen(reply):
        return sport, "accepted", reply
    if reply.startswith(b"Protocol major versions differ"):
        return sport, "declined", reply
    return sport, "rejected", reply


# --- driver -------------------------------------------------------------------------------

def verdict(accepted):
    return "accepted" if accepted else "rejected"


def plan(proto):
    if proto == "http":
        return [(n, "tcp", f) for n, f in HTTP], lambda h, p, f: run_http(h, p, (f[0], f[2]))
    if proto == "tls":
        return [(n, "tcp", f) for n, f in tls_forms()], lambda h, p, f: run_tls(h, p, (f[0], f[2]))
    if proto == "dns":
        return dns_forms(), run_dns
    if proto == "smtp":
        return [(n, "tcp", f) for n, f in SMTP], \
            lambda h, p, f: run_greeted(h, p, (f[0], f[2]), (b"250",))
    if proto == "ftp":
        return [(n, "tcp", f) for n, f in FTP], \
            lambda h, p, f: run_greeted(h, p, (f[0], f[2]), (b"331", b"230"))
    if proto == "ssh":
        return [(n, "tcp", f) for n, f in SSH], lambda h, p, f: run_ssh(h, p, (f[0], f[2]))
    raise SystemExit("unknown protocol " + proto)


def main():
    host, out_path = sys.argv[1], sys.argv[2]
    results, errors, lock = [], [], threading.Lock()

    def worker(proto, ports):
        forms, run = plan(proto)
        for form in forms:
            for port in ports:
                try:
                    sport, outcome, reply = run(host, port, form)
                except Exception as e:  # a server that could not be reached
                    with lock:
                        errors.append("%s %s to %d: %s" % (proto, form[0], port, e))
                    continue
                with lock:
                    results.append({"proto": proto, "mutation": form[0], "transport": form[1],
                                    "sport": sport, "dport": port, "outcome": outcome,
                                    "reply": repr(reply[:48])})

    threads = []
    for arg in sys.argv[3:]:
        proto, ports = arg.split("=")
        t = threading.Thread(target=worker, args=(proto, [int(p) for p in ports.split(",")]))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    with open(out_path, "w") as f:
        for r in results:
            f.write(json.dumps(r) + "\n")
    for e in errors:
        print("differential: " + e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
