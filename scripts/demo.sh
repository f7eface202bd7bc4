#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# A short tour of protoport (about 10 s; needs root and the packages of scripts/setup.sh).
# Builds a two-namespace lab (a client and a server joined by a veth pair), starts real servers
# (dnsmasq, nginx, openssl s_server, aiosmtpd, sshd), attaches `protoport watch` to the server's
# interface, sends a few normal and a few mismatched exchanges with real clients (dig, curl,
# openssl s_client, swaks, ssh-keyscan), shows what protoport prints as it prints it, then stops
# it with SIGINT for the final report. Everything is removed on every exit path (lab traps).
# Usage: scripts/demo.sh        (PROTOPORT=path overrides build/userspace/cli/protoport)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LIB=$ROOT/tests/integration/lib
PROTOPORT=${PROTOPORT:-$ROOT/build/userspace/cli/protoport}
source "$LIB/lab.sh"
source "$LIB/peers.sh"
source "$LIB/require.sh"
source "$LIB/protoport.sh"
require_root
require_peer_tools
[[ -x $PROTOPORT ]] || { echo "demo: no protoport at $PROTOPORT (run scripts/setup.sh, or set PROTOPORT)" >&2; exit 1; }
PP_BIN=$PROTOPORT

if [[ -t 1 ]]; then B=$'\e[1m' N=$'\e[0m'; else B='' N=''; fi
say() { printf '%s\n' "${B}demo: $*${N}"; }
OUT_SHOWN=0
# show_output [NEW_LINES]: print what protoport wrote since the last call, after waiting (up to
# 3 s) until it has printed NEW_LINES more "NEW" lines than before.
NEW_SEEN=0
show_output() {
  local want=$(( NEW_SEEN + ${1:-0} )) out=$LAB_DIR/demo.out
  (( want > NEW_SEEN )) && { wait_for "(( \$(grep -c '^NEW' $out) >= $want ))" 3 || true; }
  NEW_SEEN=$(grep -c '^NEW' "$out" || true)
  tail -c +$(( OUT_SHOWN + 1 )) "$out"
  OUT_SHOWN=$(stat -c %s "$out")
}
# exchange NEW_LINES TEXT CLIENT_FUNCTION ARGS...: one real client exchange, then protoport's output.
exchange() {
  local new=$1 text=$2; shift 2
  say "$text"
  "$@" || say "(the client failed: $*)"
  show_output "$new"
}

t0=$(date +%s)
say "building the lab: client $LAB_C4/$LAB_C6 <-veth-> server $LAB_S4/$LAB_S6"
lab_up
peer_dns 53 5300
peer_http 80 8081
peer_https 443
peer_tls 4433
peer_smtp 25 2526
peer_ssh 2222
peers_wait
say "servers: dnsmasq on 53 and 5300, nginx on 80, 8081 and 443 (HTTPS), openssl s_server on 4433,"
say "         aiosmtpd on 25 and 2526, sshd on 2222"
say "starting: protoport watch -i $LAB_IF_S   (in the server's namespace, default policy:"
say "          dns on 53, http on 80/8080/8000, ssl on 443/8443, smtp on 25)"
pp_watch_start demo "$LAB_NS_S" "$LAB_IF_S" --format table --interval 0
echo

say "--- normal traffic: each protocol on its own port; protoport prints nothing ---"
exchange 0 "dig @$LAB_S4 -p 53 www.lab.test          (DNS on 53/udp)" client_dig "$LAB_S4" 53 udp
exchange 0 "curl http://$LAB_S4/                     (HTTP on 80/tcp)" client_http "$LAB_S4" 80
exchange 0 "curl --http2 https://$LAB_S4/            (TLS on 443/tcp)" client_https_h2 "$LAB_S4" 443
exchange 0 "swaks --server $LAB_S4 --port 25         (SMTP on 25/tcp)" client_smtp "$LAB_S4" 25
echo
say "--- mismatches: a protocol on a port that is not its own; each prints a NEW line at once ---"
exchange 1 "dig @$LAB_S4 -p 5300 www.lab.test        (DNS on 5300/udp)" client_dig "$LAB_S4" 5300 udp
exchange 1 "curl http://$LAB_S4:8081/                (HTTP on 8081/tcp)" client_http "$LAB_S4" 8081
exchange 1 "openssl s_client -connect [$LAB_S6]:4433 (TLS 1.3 over IPv6 on 4433/tcp)" client_tls "$LAB_S6" 4433 1.3
exchange 1 "swaks --server $LAB_S4 --port 2526       (SMTP on 2526/tcp)" client_smtp "$LAB_S4" 2526
echo
say "--- the same mismatch again: no new line, the report counts it (FLOWS 2) ---"
exchange 0 "dig @$LAB_S4 -p 5300 www.lab.test        (DNS on 5300/udp again)" client_dig "$LAB_S4" 5300 udp
say "--- the same port over TCP: another transport, so another row ---"
exchange 1 "dig @$LAB_S4 -p 5300 +tcp www.lab.test   (DNS on 5300/tcp)" client_dig "$LAB_S4" 5300 tcp
say "--- SSH on 2222: not one of the four protocols the policy covers, so not reported ---"
exchange 0 "ssh-keyscan -p 2222 $LAB_S4" client_ssh "$LAB_S4" 2222
echo

say "stopping protoport (SIGINT): it detaches and prints the aggregated report, one row per"
say "(src_ip, dest_ip, app, dest_port, transport), FLOWS = flows; then, on stderr, the kernel's"
say "counters (nothing lost: ringbuf_full and flow_update_fail 0) and userspace's verdicts"
pp_watch_stop demo INT
show_output 0
cat "$LAB_DIR/demo.err"
echo
say "XDP on $LAB_IF_S after the stop: $(pp_xdp_state "$LAB_NS_S" "$LAB_IF_S")"
say "done in $(( $(date +%s) - t0 )) s; removing the lab"
