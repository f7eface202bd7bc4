#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# integration.detect (issue 4): `protoport watch` on the server's veth, the default policy.
# DNS to 5300/udp, HTTP to 8081/tcp, TLS to 4433/tcp and SMTP to 2526/tcp, and the same four
# on 53/udp, 80/tcp, 443/tcp and 25/tcp, over IPv4: exactly four aggregated rows, each with
# src_ip, dest_ip, app, dest_port, transport, action=allowed, rule and count 1, announced once as
# a new mismatch. The same traffic runs three times: --format json (with --output FILE, checked
# too), --format csv (parsed as CSV) and --format table.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/lab.sh"
source "$HERE/lib/peers.sh"
source "$HERE/lib/require.sh"
source "$HERE/lib/protoport.sh"
require_root
require_peer_tools
pp_require

fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
t_start=$(date +%s%N)
phase() { echo "detect: $1 ($(( ($(date +%s%N) - t_start) / 1000000 )) ms)"; }

lab_up
peer_dns 53 5300
peer_http 80 8081
peer_tls 443 4433
peer_smtp 25 2526
peers_wait
phase "lab and peers up"

# The standard ports first, so that a wrong row cannot hide behind a right one's aggregate.
traffic() {
  client_dig "$LAB_S4" 53 udp && client_http "$LAB_S4" 80 && client_tls "$LAB_S4" 443 1.3 \
    && client_smtp "$LAB_S4" 25 \
    && client_dig "$LAB_S4" 5300 udp && client_http "$LAB_S4" 8081 \
    && client_tls "$LAB_S4" 4433 1.3 && client_smtp "$LAB_S4" 2526
}

cat >"$LAB_DIR/expect" <<EOF
$LAB_C4 $LAB_S4 dns  5300 udp 1
$LAB_C4 $LAB_S4 http 8081 tcp 1
$LAB_C4 $LAB_S4 ssl  4433 tcp 1
$LAB_C4 $LAB_S4 smtp 2526 tcp 1
EOF

for format in json csv table; do
  extra=()
  [[ $format == json ]] && extra=(--output "$LAB_DIR/rows.jsonl")
  since=$(date +%s)
  pp_watch_start "$format" "$LAB_NS_S" "$LAB_IF_S" --format "$format" --interval 0 "${extra[@]}"
  traffic || fail "$format run: a client exchange failed"
  pp_watch_stop "$format" INT
  until=$(date +%s)
  [[ $PP_RC == 0 ]] || fail "$format run: exit status $PP_RC after SIGINT, want 0"
  [[ $(pp_xdp_state "$LAB_NS_S" "$LAB_IF_S") == none ]] || fail "$format run: XDP left on $LAB_IF_S"
  check=(--expect "$LAB_DIR/expect" --stderr "$LAB_DIR/$format.err" --since "$since" --until "$until")
  case $format in
    json) check+=(--json "$LAB_DIR/json.out" --json-file "$LAB_DIR/rows.jsonl") ;;
    csv) check+=(--csv "$LAB_DIR/csv.out") ;;
    table) check+=(--table "$LAB_DIR/table.out") ;;
  esac
  if ! /usr/bin/python3 "$HERE/lib/check_report.py" "${check[@]}"; then
    fail "$format output (above); it was:"
    cat "$LAB_DIR/$format.out" "$LAB_DIR/$format.err" >&2
  fi
  phase "$format run checked"
done

if (( fails )); then echo "detect: $fails failure(s)" >&2; exit 1; fi
echo "detect: ok"
