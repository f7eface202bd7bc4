#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# integration.differential (issue 20): what real servers accept as their protocol, protoport
# names; what they reject, protoport does not name as that protocol. lib/differential.py sends
# mutated openings (case, whitespace, framing, record and segment splits) to nginx and Python's
# http.server (HTTP: the strict and the lenient reading of a request line), openssl s_server
# (TLS), dnsmasq (DNS over UDP and TCP), aiosmtpd (SMTP), vsftpd (FTP) and sshd (SSH), one
# connection or datagram each, and records from each server's reply whether it accepted the
# opening as its protocol (accepted by one server of the protocol is enough). tcpdump on the server's veth captures what a watch there sees (the
# client's packets, -Q in); `protoport replay --flows` of that capture gives every flow's verdict,
# compared per flow (client port) by lib/check_differential.py, which prints per protocol the
# mutations tried, accepted by the server and named by protoport.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/lab_test.sh"
[[ -x /usr/sbin/vsftpd ]] || { echo "integration: missing packages: vsftpd (run scripts/setup.sh)" >&2; exit 1; }

t0=${EPOCHREALTIME/./}
phase() { local us=$(( ${EPOCHREALTIME/./} - t0 )); printf 'differential: %-16s %d.%02d s\n' "$1" $((us / 1000000)) $((us / 10000 % 100)); }

lab_up
peer_http 8081
peer_http_lenient 8082
peer_tls 4433
peer_dns 5300
peer_smtp 2526
peer_ftp 2121
peer_ssh 2222
peers_wait
phase "peers ready"

pcap=$LAB_DIR/server.pcap
lab_spawn "$LAB_NS_S" tcpdump tcpdump -i "$LAB_IF_S" -Q in -U -n -w "$pcap" tcp or udp
tcpdump_pid=$LAB_LAST_PID
wait_for "grep -q 'listening on' '$LAB_DIR/logs/tcpdump.log'" 5 || fail "tcpdump did not start"

in_client /usr/bin/python3 "$HERE/lib/differential.py" "$LAB_S4" "$LAB_DIR/results.jsonl" \
  http=8081,8082 tls=4433 dns=5300 smtp=2526 ftp=2121 ssh=2222 || fail "a server could not be reached"
phase "mutations sent"

kill -INT "$tcpdump_pid"
wait_for "! kill -0 $tcpdump_pid 2>/dev/null" 5 || fail "tcpdump did not stop"
"$PP_BIN" replay --no-progress --format json --flows "$LAB_DIR/flows.jsonl" "$pcap" \
  >"$LAB_DIR/replay.out" 2>"$LAB_DIR/replay.err" || { fail "replay exited $?"; cat "$LAB_DIR/replay.err" >&2; }
phase "replayed"

/usr/bin/python3 "$HERE/lib/check_differential.py" "$LAB_DIR/results.jsonl" "$LAB_DIR/flows.jsonl" \
  || fail "protoport and the servers disagree (above)"

if (( fails )); then echo "differential: $fails failure(s)" >&2; exit 1; fi
echo "differential: ok"
