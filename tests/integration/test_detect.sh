#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# integration.detect (issue 4): `protoport watch` on the server's veth, the default policy.
# DNS to 5300/udp, HTTP to 8081/tcp, TLS to 4433/tcp and SMTP to 2526/tcp, and the same four
# on 53/udp, 80/tcp, 443/tcp and 25/tcp, over IPv4: exactly four aggregated rows, each with
# src_ip, dest_ip, app, dest_port, transport, action=allowed, rule and count 1, announced once as
# a new mismatch. The same traffic runs three times: --format json (with --output FILE, checked
# too), --format csv (parsed as CSV) and --format table.
# Mid-stream: an HTTP (IPv4) and an SMTP (IPv6) connection opened before the watch attaches, so
# the kernel never sees their SYNs ("initiator unknown"): the payload must still give the client
# as src_ip and the server's port as dest_port, with XDP on the server's veth (it sees the
# request and the EHLO) and on the client's (it sees only the response and the 250 reply).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/lab_test.sh"

t_start=$(date +%s%N)
phase() { echo "detect: $1 ($(( ($(date +%s%N) - t_start) / 1000000 )) ms)"; }

lab_up
peer_dns 53 5300
peer_http 80 8081
peer_tls 443 4433
peer_smtp 25 2526
peer_http 8082     # mid-stream
peer_smtp 2527     # mid-stream
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

# --- mid-stream ---------------------------------------------------------------------------------
cat >"$LAB_DIR/expect-mid" <<EOF
$LAB_C4 $LAB_S4 http 8082 tcp 1
$LAB_C6 $LAB_S6 smtp 2527 tcp 1
EOF
# The client connects (and reads the SMTP greeting), says so, and talks only once told to.
MID_CLIENT='set -e
  exec 3<>"/dev/tcp/$1/8082" 4<>"/dev/tcp/$2/2527"
  read -r -t 5 -u 4 line; [[ $line == 220* ]]
  touch "$3/opened"
  while [[ ! -e "$3/go" ]]; do sleep 0.05; done
  printf "GET / HTTP/1.1\r\nHost: mid\r\nConnection: close\r\n\r\n" >&3
  read -r -t 5 -u 3 line; [[ $line == "HTTP/1.1 200 OK"* ]]
  printf "EHLO mid.lab.test\r\n" >&4
  read -r -t 5 -u 4 line; [[ $line == 250* ]]
  printf "QUIT\r\n" >&4; read -r -t 5 -u 4 line'
for placement in server client; do
  if [[ $placement == server ]]; then ns=$LAB_NS_S ifc=$LAB_IF_S; else ns=$LAB_NS_C ifc=$LAB_IF_C; fi
  name=mid-$placement
  rm -f "$LAB_DIR/opened" "$LAB_DIR/go"
  in_client bash -c "$MID_CLIENT" mid "$LAB_S4" "$LAB_S6" "$LAB_DIR" >"$LAB_DIR/$name.client" 2>&1 &
  client=$!
  wait_for "[[ -e '$LAB_DIR/opened' ]]" 10 || fail "$name: the client could not connect"
  pp_watch_start "$name" "$ns" "$ifc" --format json --interval 0
  touch "$LAB_DIR/go"
  wait "$client" || { fail "$name: the mid-stream exchange failed:"; cat "$LAB_DIR/$name.client" >&2; }
  pp_watch_stop "$name" INT
  if ! /usr/bin/python3 "$HERE/lib/check_report.py" --expect "$LAB_DIR/expect-mid" \
       --json "$LAB_DIR/$name.out" --stderr "$LAB_DIR/$name.err"; then
    fail "$name output (above); it was:"
    cat "$LAB_DIR/$name.out" "$LAB_DIR/$name.err" >&2
  fi
  phase "$name checked"
done

if (( fails )); then echo "detect: $fails failure(s)" >&2; exit 1; fi
echo "detect: ok"
