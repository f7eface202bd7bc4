# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# A real SMTP server for the lab: aiosmtpd's SMTP protocol class (Debian python3-aiosmtpd),
# one process listening on every given address and port, instead of one `python3 -m aiosmtpd`
# per address and port (which would cost a Python start-up each).
# Usage: /usr/bin/python3 smtp_peer.py ADDR[,ADDR...] PORT[,PORT...]
import asyncio
import sys

from aiosmtpd.handlers import Sink
from aiosmtpd.smtp import SMTP


async def serve(hosts, ports):
    loop = asyncio.get_running_loop()
    servers = []
    for port in ports:
        # hostname is set so the greeting needs no reverse lookup in the namespace.
        servers.append(await loop.create_server(
            lambda: SMTP(Sink(), hostname="mail.lab.test"), host=hosts, port=port))
    print(f"smtp_peer: listening on {hosts} ports {ports}", flush=True)
    await asyncio.Event().wait()


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: smtp_peer.py ADDR[,ADDR...] PORT[,PORT...]")
    hosts = sys.argv[1].split(",")
    try:
        ports = [int(p) for p in sys.argv[2].split(",")]
    except ValueError:
        sys.exit(f"smtp_peer: bad port list: {sys.argv[2]}")
    asyncio.run(serve(hosts, ports))


if __name__ == "__main__":
    main()
