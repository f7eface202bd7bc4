#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# integration.matrix (issue 6): real servers and clients, every protocol on its standard port(s)
# and on two non-standard ports, over IPv4 and IPv6, with `protoport watch` attached
#   - on the server's veth (XDP sees what the client sends), and
#   - on the client's veth (XDP sees only the replies: src_ip must still be the client and
#     dest_port the server's port),
# each in native and in generic XDP mode (the mode actually attached is checked). One lab, peers
# started once; one watch per placement and mode, all 50 exchanges in each. Per run:
#   - exactly the expected aggregated rows (src_ip, dest_ip, app, dest_port, transport, count,
#     action=allowed, rule) for the non-standard ports, none for the standard ones;
#   - every flow's verdict (--flows): the right app, endpoints and count for every exchange,
#     standard ports included; SSH (sshd on 22 and 2222, the hidden case) is none of
#     dns/http/ssl/smtp and gives no row;
#   - kernel counters: ringbuf_full 0, flow_update_fail 0; userspace dropped nothing.
# Counts follow what each client does: dig (UDP or +tcp), curl, s_client, swaks and ssh-keyscan
# each make one flow per run; s_client runs twice per port (TLS 1.2 and 1.3): count 2.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/lab_test.sh"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
t_start=$(now_ms)

# The default policy (Splunk's four rules), written out here rather than asked of protoport.
declare -A STANDARD=([dns]=" 53 " [http]=" 80 8080 8000 " [ssl]=" 443 8443 " [smtp]=" 25 ")
DNS_PORTS=(53 5300 5301)
HTTP_PORTS=(80 8080 8000 8081 8082)
HTTPS_PORTS=(443 9443 9444)      # nginx, HTTP/2 over TLS
TLS_PORTS=(8443 4433 4434)       # openssl s_server
SMTP_PORTS=(25 2526 2527)
SSH_PORTS=(22 2222)

lab_up
peer_dns "${DNS_PORTS[@]}"
peer_http "${HTTP_PORTS[@]}"
peer_https "${HTTPS_PORTS[@]}"
peer_tls "${TLS_PORTS[@]}"
peer_smtp "${SMTP_PORTS[@]}"
peer_ssh "${SSH_PORTS[@]}"
peers_wait
echo "matrix: lab and peers up in $(( $(now_ms) - t_start )) ms"

# EXCHANGES: "client command args|app|port|transport", per server address ("-" app: not a
# mismatch app). Expected flows and rows follow from it for both families.
EXCHANGES=()
for p in "${DNS_PORTS[@]}"; do
  EXCHANGES+=("client_dig @ $p udp|dns|$p|udp" "client_dig @ $p tcp|dns|$p|tcp")
done
for p in "${HTTP_PORTS[@]}"; do EXCHANGES+=("client_http @ $p|http|$p|tcp"); done
for p in "${HTTPS_PORTS[@]}"; do EXCHANGES+=("client_https_h2 @ $p|ssl|$p|tcp"); done
for p in "${TLS_PORTS[@]}"; do
  EXCHANGES+=("client_tls @ $p 1.2|ssl|$p|tcp" "client_tls @ $p 1.3|ssl|$p|tcp")
done
for p in "${SMTP_PORTS[@]}"; do EXCHANGES+=("client_smtp @ $p|smtp|$p|tcp"); done
for p in "${SSH_PORTS[@]}"; do EXCHANGES+=("client_ssh @ $p|-|$p|tcp"); done

: >"$LAB_DIR/expect-flows"
: >"$LAB_DIR/expect-rows"
for fam in 4 6; do
  if [[ $fam == 4 ]]; then c=$LAB_C4 s=$LAB_S4; else c=$LAB_C6 s=$LAB_S6; fi
  for e in "${EXCHANGES[@]}"; do
    IFS='|' read -r _ app port tr <<<"$e"
    echo "$c $s $app $port $tr 1" >>"$LAB_DIR/expect-flows"
    [[ $app == - || ${STANDARD[$app]} == *" $port "* ]] || echo "$c $s $app $port $tr 1" >>"$LAB_DIR/expect-rows"
  done
done
echo "matrix: ${#EXCHANGES[@]} exchanges per family, $(sort -u "$LAB_DIR/expect-rows" | wc -l) expected rows per run"

# run_case PLACEMENT MODE: one watch, every exchange over both families, then the checks.
run_case() {
  local placement=$1 mode=$2 ns ifc name want_mode st t0 e cmd addr
  t0=$(now_ms)
  name="$placement-$mode"
  if [[ $placement == server ]]; then ns=$LAB_NS_S ifc=$LAB_IF_S; else ns=$LAB_NS_C ifc=$LAB_IF_C; fi
  want_mode=xdp; [[ $mode == generic ]] && want_mode=xdpgeneric
  if ! pp_watch_start "$name" "$ns" "$ifc" --xdp-mode "$mode" --format json --interval 0 \
       --flows "$LAB_DIR/$name.flows"; then
    fail "$name: watch did not start"
    return
  fi
  st=$(pp_xdp_state "$ns" "$ifc")
  [[ $st == "$want_mode "* ]] || fail "$name: attached as '$st', want $want_mode"
  for addr in "$LAB_S4" "$LAB_S6"; do
    for e in "${EXCHANGES[@]}"; do
      cmd=${e%%|*}
      # shellcheck disable=SC2086
      ${cmd/@/$addr} || fail "$name: ${cmd/@/$addr} failed"
    done
  done
  pp_watch_stop "$name" INT
  [[ $PP_RC == 0 ]] || fail "$name: exit status $PP_RC after SIGINT, want 0"
  [[ $(pp_xdp_state "$ns" "$ifc") == none ]] || fail "$name: XDP left on $ifc after SIGINT"
  if ! /usr/bin/python3 "$HERE/lib/check_report.py" --expect "$LAB_DIR/expect-rows" \
       --json "$LAB_DIR/$name.out" --flows "$LAB_DIR/$name.flows" \
       --expect-flows "$LAB_DIR/expect-flows" --stderr "$LAB_DIR/$name.err"; then
    fail "$name: report differs (above); stderr:"
    cat "$LAB_DIR/$name.err" >&2
  fi
  echo "matrix: $name: $(grep -c '"report_row"' "$LAB_DIR/$name.out" || true) rows," \
       "$(grep -c '"event":"flow"' "$LAB_DIR/$name.flows" || true) flow verdicts, $(( $(now_ms) - t0 )) ms"
}

for placement in server client; do
  for mode in native generic; do
    run_case "$placement" "$mode"
  done
done

echo "matrix: total $(( $(now_ms) - t_start )) ms"
if (( fails )); then echo "matrix: $fails failure(s)" >&2; exit 1; fi
echo "matrix: ok"
