#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# integration.dns_cousins (issue 19): a DNS tunnel on the ports of mDNS, LLMNR and NBNS is DNS.
# dnsmasq, an ordinary unicast DNS server, listens on 5353, 5355 and 137; dig asks it for a
# base64 label under exfil.test (a tunnel's shape), over IPv4 and IPv6. `protoport watch` on the
# server's veth (it sees the queries) and on the client's (only the answers) must report each as
# `dns` on its port (dns-unexpected-port), and so must `protoport replay` of the server side's
# capture. A multicast mDNS query (224.0.0.251, ff02::fb) in the same runs stays silent.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/lab_test.sh"

lab_up
peer_dns 5353 5355 137
peers_wait
# Multicast out of the client's veth, as a host on a LAN sends mDNS.
in_client ip route add 224.0.0.0/4 dev "$LAB_IF_C"
QNAME=aGVsbG8gd29ybGQ.exfil.test

# One query: the exchange must really happen (dnsmasq answers, refused or not: it answers).
tunnel_query() {
  local out
  out=$(in_client dig @"$1" -p "$2" +time=2 +tries=1 "$QNAME" TXT 2>&1) || true
  [[ $out == *"status:"* ]] || { fail "dig @$1 -p $2: no answer: $out"; return 1; }
}
traffic() {
  local addr port
  for addr in "$LAB_S4" "$LAB_S6"; do
    for port in 5353 5355 137; do tunnel_query "$addr" "$port" || return 1; done
  done
  # Real mDNS shape: a query to the group. Nobody answers it; it must not be reported.
  in_client dig @224.0.0.251 -p 5353 +time=1 +tries=1 printer.local A >/dev/null 2>&1 || true
  in_client dig @ff02::fb%"$LAB_IF_C" -p 5353 +time=1 +tries=1 printer.local A >/dev/null 2>&1 || true
}

printf '%s\n' "$LAB_C4 $LAB_S4 dns 5353 udp 1" "$LAB_C4 $LAB_S4 dns 5355 udp 1" \
  "$LAB_C4 $LAB_S4 dns 137 udp 1" "$LAB_C6 $LAB_S6 dns 5353 udp 1" \
  "$LAB_C6 $LAB_S6 dns 5355 udp 1" "$LAB_C6 $LAB_S6 dns 137 udp 1" >"$LAB_DIR/expect"

check() {  # NAME OUT ERR
  if ! /usr/bin/python3 "$HERE/lib/check_report.py" --expect "$LAB_DIR/expect" --json "$2" \
       --stderr "$3"; then
    fail "$1 output (above); it was:"
    cat "$2" "$3" >&2
  fi
}

lab_spawn "$LAB_NS_S" tcpdump tcpdump -i "$LAB_IF_S" -U -w "$LAB_DIR/server.pcap" udp
wait_for "[[ -s '$LAB_DIR/server.pcap' ]]" 5 || fail "tcpdump did not start"
for placement in server client; do
  if [[ $placement == server ]]; then ns=$LAB_NS_S ifc=$LAB_IF_S; else ns=$LAB_NS_C ifc=$LAB_IF_C; fi
  pp_watch_start "$placement" "$ns" "$ifc" --format json --interval 0
  traffic || fail "$placement: a query got no answer"
  pp_watch_stop "$placement" INT
  [[ $PP_RC == 0 ]] || fail "$placement: exit status $PP_RC after SIGINT"
  check "$placement" "$LAB_DIR/$placement.out" "$LAB_DIR/$placement.err"
  if grep -q '"app":"mdns"' "$LAB_DIR/$placement.out"; then fail "$placement: an mdns row"; fi
  # The capture holds the first run only: the replay's rows are those of one run.
  [[ $placement == server ]] && ip netns exec "$LAB_NS_S" pkill -INT -x tcpdump
done

wait_for "! ip netns exec '$LAB_NS_S' pgrep -x tcpdump >/dev/null" 5 || fail "tcpdump did not stop"
"$PP_BIN" replay --no-progress --format json "$LAB_DIR/server.pcap" >"$LAB_DIR/replay.out" \
  2>"$LAB_DIR/replay.err" || fail "replay exited $?"
check replay "$LAB_DIR/replay.out" "$LAB_DIR/replay.err"

if (( fails )); then echo "dns_cousins: $fails failure(s)" >&2; exit 1; fi
echo "dns_cousins: ok"
