#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# integration.evasion (issue 15): DNS queries cut into IP fragments of 8, 16 and 64 bytes, in order
# and reversed, IPv4 and IPv6 (lib/ip_fragments.py), and DNS queries behind IPv6
# extension-header chains of 0..20 headers
# (lib/ipv6_chains.py, to dnsmasq) must be named dns wherever the server answers. And an opening
# cut into TCP segments as an evader cuts it (1 byte a
# segment, 1+2+rest, 2+1+rest, random cuts, reversed, duplicated, overlapping with other bytes)
# reaches real servers (nginx on 8081, openssl s_server on 4433) that reassemble and answer it;
# protoport, watching the server's veth, must name each flow the server answered as it names the
# whole opening (http, ssl), and say `tcp_overlap_conflict` where the sender offered two versions
# of the same bytes. The same packets, captured by tcpdump on that veth, through `replay`: the
# same verdicts. lib/tcp_splits.py crafts the segments with scapy from the client's namespace,
# whose kernel is kept from resetting the connections it did not open (nftables drops its RSTs).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/lab_test.sh"
missing=()
/usr/bin/python3 -c 'import scapy' 2>/dev/null || missing+=(python3-scapy)
command -v nft >/dev/null || missing+=(nftables)
if (( ${#missing[@]} )); then
  echo "integration: missing packages: ${missing[*]} (run scripts/setup.sh)" >&2
  exit 1
fi

t0=${EPOCHREALTIME/./}
phase() { local us=$(( ${EPOCHREALTIME/./} - t0 )); printf 'evasion: %-18s %d.%02d s\n' "$1" $((us / 1000000)) $((us / 10000 % 100)); }

lab_up
peer_http 8081
peer_tls 4433
peer_dns 5300
peers_wait
# The client's kernel sees the server's SYN+ACK for a connection it never opened: keep it from
# answering with a reset (scapy owns these connections).
in_client nft -f - <<'NFT' || lab_die "nft: cannot install the RST filter in the client namespace"
table inet pp_evasion {
  chain out { type filter hook output priority 0; policy accept; tcp flags & rst == rst drop; }
}
NFT
phase "peers ready"

pcap=$LAB_DIR/server.pcap
# --immediate-mode: every packet written as it comes, none left in a buffer when it stops.
lab_spawn "$LAB_NS_S" tcpdump tcpdump -i "$LAB_IF_S" -Q in -U --immediate-mode -n -w "$pcap" ip or ip6
tcpdump_pid=$LAB_LAST_PID
wait_for "grep -q 'listening on' '$LAB_DIR/logs/tcpdump.log'" 5 || fail "tcpdump did not start"
pp_watch_start watch "$LAB_NS_S" "$LAB_IF_S" --format json --interval 0 \
  --flows "$LAB_DIR/watch.flows" || fail "watch did not start"

in_client env PYTHONPATH="$HERE/lib" /usr/bin/python3 "$HERE/lib/tcp_splits.py" "$LAB_IF_C" \
  "$LAB_S4" "$LAB_DIR/results.jsonl" http=8081 tls=4433 || fail "tcp_splits.py failed"
phase "splits sent"
in_client env PYTHONPATH="$HERE/lib" /usr/bin/python3 "$HERE/lib/ipv6_chains.py" "$LAB_IF_C" \
  "$LAB_S6" 5300 "$LAB_DIR/chains.jsonl" || fail "ipv6_chains.py failed"
phase "chains sent"
in_client env PYTHONPATH="$HERE/lib" /usr/bin/python3 "$HERE/lib/ip_fragments.py" "$LAB_IF_C" \
  "$LAB_S4" "$LAB_S6" 5300 "$LAB_DIR/fragments.jsonl" || fail "ip_fragments.py failed"
phase "fragments sent"

pp_watch_stop watch INT
(( PP_RC == 0 )) || fail "watch exited $PP_RC"
kill -INT "$tcpdump_pid"
wait_for "! kill -0 $tcpdump_pid 2>/dev/null" 5 || fail "tcpdump did not stop"
"$PP_BIN" replay --no-progress --format json --flows "$LAB_DIR/replay.flows" "$pcap" \
  >"$LAB_DIR/replay.out" 2>"$LAB_DIR/replay.err" || { fail "replay exited $?"; cat "$LAB_DIR/replay.err" >&2; }
phase "replayed"

for source in watch replay; do
  echo "evasion: $source:"
  /usr/bin/python3 "$HERE/lib/check_splits.py" "$LAB_DIR/results.jsonl" "$LAB_DIR/$source.flows" \
    || fail "$source: a flow the server answered was not named as its whole opening (above)"
  echo "evasion: $source: IPv6 extension-header chains (headers:verdict):"
  /usr/bin/python3 "$HERE/lib/check_chains.py" "$LAB_DIR/chains.jsonl" "$LAB_DIR/$source.flows" \
    || fail "$source: a query the server answered behind a header chain was not named dns (above)"
  echo "evasion: $source: DNS queries in IP fragments (case: fragments:verdict):"
  /usr/bin/python3 "$HERE/lib/check_chains.py" "$LAB_DIR/fragments.jsonl" "$LAB_DIR/$source.flows" \
    || fail "$source: a query the server reassembled from fragments was not named dns (above)"
done
grep -h "tcp openings" "$LAB_DIR/watch.err" "$LAB_DIR/replay.err" || true

if (( fails )); then echo "evasion: $fails failure(s)" >&2; exit 1; fi
echo "evasion: ok"
