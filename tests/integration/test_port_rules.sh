#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# integration.port_rules (issue 14): the wrong protocol on a well-known port, with the real
# programs from Debian (lib/tunnel_peers.sh). Each service has its own server address, so that
# several hold the same port:
#   192.0.2.10  sslh on 443/tcp in front of sshd (22) and s_server (4433): ssh-keyscan -> ssh
#               under ssl-port-other-protocol; TLS 1.3 through sslh -> nothing
#   192.0.2.11  openvpn, static key, on 443/tcp and 53/udp: random bytes after the length
#               prefix -> unknown (ssl-/dns-port-other-protocol)
#   192.0.2.12  openvpn in TLS mode (certificates made at run time) on 443/tcp and 53/udp ->
#               openvpn
#   192.0.2.13  ss-server on 443/tcp; ss-local + curl --socks5-hostname in the client namespace
#               fetch the nginx body behind it -> unknown
#   192.0.2.14  WireGuard (kernel, else wireguard-go, else skipped) on 443/udp and 53/udp, ping
#               through the tunnel -> wireguard (quic-/dns-port-other-protocol)
#   192.0.2.15  SIP (sipsak OPTIONS) on 80/tcp and 53/udp -> sip (http-/dns-port-other-protocol)
#   192.0.2.16  RTSP (curl rtsp:// OPTIONS) on 80/tcp -> rtsp (http-port-other-protocol)
#   192.0.2.2 and 2001:db8::2: the negatives, nginx 80, s_server 443 (TLS 1.2 and 1.3),
#               dnsmasq 53 (UDP and TCP), aiosmtpd 25: no row.
#               (The WireGuard server is in a third namespace routed behind the server's:
#               its socket binds the wildcard address, which 53/udp here cannot share.)
# Every exchange must really happen (banner and host key, tunnel handshake and a ping through
# it, the HTTP body through shadowsocks, a 200 reply). Three watches, the same traffic each
# time (the OpenVPN clients and the WireGuard handshakes are renewed: new openings):
#   server  the server's veth (it sees what the clients send): exactly these rows, with rule
#           and expected app, every flow's verdict (tunnels, TLS through sslh, the negatives),
#           counters and statistics;
#   client  the client's veth (only the replies): the SSH row is required; any other row must
#           be one of the server side's (a reply-only TCP opening is undecided, never unknown);
#   server with --port-rules off: no row at all.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/lab_test.sh"
source "$HERE/lib/tunnel_peers.sh"

missing=()
for pair in sslh-select:sslh openvpn:openvpn ss-server:shadowsocks-libev ss-local:shadowsocks-libev \
            sipsak:sipsak wg:wireguard-tools ping:iputils-ping; do
  command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
done
if (( ${#missing[@]} )); then
  echo "integration: missing packages: ${missing[*]} (run scripts/setup.sh)" >&2
  exit 1
fi

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
t_start=$(now_ms)
phase() { echo "port_rules: $* ($(( $(now_ms) - t_start )) ms)"; }

A_SSLH=192.0.2.10 A_OVS=192.0.2.11 A_OVT=192.0.2.12 A_SS=192.0.2.13 A_WG=192.0.2.14
A_SIP=192.0.2.15 A_RTSP=192.0.2.16

lab_up
tp_server_addr "$A_SSLH" "$A_OVS" "$A_OVT" "$A_SS" "$A_SIP" "$A_RTSP"
peer_http 80 8081          # 8081: the page fetched through shadowsocks
peer_tls 443 4433          # 4433: sslh's TLS backend
peer_dns 53
peer_smtp 25
peer_ssh 22                # sslh's SSH backend
peers_wait
peer_sslh "$A_SSLH" 443 "$LAB_S4:22" "$LAB_S4:4433"
peer_openvpn static-tcp static tcp "$A_OVS" 443 1
peer_openvpn static-udp static udp "$A_OVS" 53 2
peer_openvpn tls-tcp tls tcp "$A_OVT" 443 3
peer_openvpn tls-udp tls udp "$A_OVT" 53 4
peer_shadowsocks "$A_SS" 443
peer_sip "$A_SIP" 80 tcp
peer_sip "$A_SIP" 53 udp
peer_rtsp "$A_RTSP" 80
WG=$(tp_wireguard_kind)
if [[ $WG == none ]]; then
  echo "port_rules: SKIP WireGuard: the kernel has no wireguard link type and wireguard-go is not installed (or TP_WG_KIND=none)"
else
  wireguard_pair "$A_WG" 443 1
  wireguard_pair "$A_WG" 53 2
fi
phase "lab and peers up (WireGuard: $WG)"

# ROWS: the rows the server-side watch must print ("dest app port transport rule"), one per
# flow; CLIENTS: the exchanges, in order (each must succeed). The OpenVPN clients start
# together (a TLS handshake takes a second or two) and are waited for together; a later run
# replaces them (new openings). The negatives (192.0.2.2, 2001:db8::2) must give no row.
ROWS=(
  "$A_SSLH ssh 443 tcp ssl-port-other-protocol"
  "$A_OVS unknown 443 tcp ssl-port-other-protocol"
  "$A_OVT openvpn 443 tcp ssl-port-other-protocol"
  "$A_OVT openvpn 53 udp dns-port-other-protocol"
  "$A_SS unknown 443 tcp ssl-port-other-protocol"
  "$A_SIP sip 80 tcp http-port-other-protocol"
  "$A_SIP sip 53 udp dns-port-other-protocol"
  "$A_RTSP rtsp 80 tcp http-port-other-protocol"
)
# OPTIONAL: rows that depend on random bytes. OpenVPN with a static key over UDP opens with an
# HMAC: a first byte of 0x40..0x7f has a QUIC short header's form, which only follows an
# opening, so the flow is then undecided (no row); otherwise unknown. The row is required
# unless the flow's verdict says "undecided".
OPTIONAL=("$A_OVS unknown 53 udp dns-port-other-protocol")
OVPN=("static-tcp static tcp $A_OVS 443 1" "static-udp static udp $A_OVS 53 2"
      "tls-tcp tls tcp $A_OVT 443 3" "tls-udp tls udp $A_OVT 53 4")
CLIENTS=("client_ssh $A_SSLH 443" "client_tls $A_SSLH 443 1.3")
for o in "${OVPN[@]}"; do CLIENTS+=("client_openvpn_start $o"); done
for o in "${OVPN[@]}"; do read -r name _ _ _ _ n <<<"$o"; CLIENTS+=("client_openvpn_wait $name $n"); done
CLIENTS+=("client_shadowsocks $A_SS 443 http://$LAB_S4:8081/"
          "client_sip $A_SIP 80 tcp" "client_sip $A_SIP 53 udp" "client_rtsp $A_RTSP 80")
if [[ $WG != none ]]; then
  ROWS+=("$A_WG wireguard 443 udp quic-port-other-protocol" "$A_WG wireguard 53 udp dns-port-other-protocol")
  CLIENTS+=("client_wireguard 1" "client_wireguard 2")
fi
for addr in "$LAB_S4" "$LAB_S6"; do
  CLIENTS+=("client_http $addr 80" "client_tls $addr 443 1.2" "client_tls $addr 443 1.3"
            "client_dig $addr 53 udp" "client_dig $addr 53 tcp" "client_smtp $addr 25")
done

: >"$LAB_DIR/expect-rows"
for r in "${ROWS[@]}"; do
  read -r dest app port tr rule <<<"$r"
  echo "$LAB_C4 $dest $app $port $tr 1 $rule" >>"$LAB_DIR/expect-rows"
done
: >"$LAB_DIR/optional-rows"
for r in "${OPTIONAL[@]}"; do
  read -r dest app port tr rule <<<"$r"
  echo "$LAB_C4 $dest $app $port $tr 1 $rule" >>"$LAB_DIR/optional-rows"
done
: >"$LAB_DIR/expect-none"
# Every flow's verdict on the server side: the rows' flows, TLS through sslh, the negatives.
{
  cut -d' ' -f1-6 "$LAB_DIR/expect-rows" "$LAB_DIR/optional-rows"
  echo "$LAB_C4 $A_SSLH ssl 443 tcp 1"
  for fam in 4 6; do
    if [[ $fam == 4 ]]; then c=$LAB_C4 s=$LAB_S4; else c=$LAB_C6 s=$LAB_S6; fi
    printf "$c $s %s\n" "http 80 tcp 1" "ssl 443 tcp 2" "dns 53 udp 1" "dns 53 tcp 1" "smtp 25 tcp 1"
  done
} >"$LAB_DIR/expect-flows"

# run NAME WATCH-ARGS...: one watch (on the server's veth; the client's for NAME client), every
# exchange, the rows and flows printed.
run() {
  local name=$1 cmd t0; shift
  t0=$(now_ms)
  local ns=$LAB_NS_S ifc=$LAB_IF_S
  [[ $name == client ]] && ns=$LAB_NS_C ifc=$LAB_IF_C
  pp_watch_start "$name" "$ns" "$ifc" --format json --interval 0 \
    --flows "$LAB_DIR/$name.flows" "$@" || { fail "$name: watch did not start"; return; }
  for cmd in "${CLIENTS[@]}"; do
    # shellcheck disable=SC2086
    $cmd || fail "$name: $cmd failed"
  done
  pp_watch_stop "$name" INT
  [[ $PP_RC == 0 ]] || fail "$name: exit status $PP_RC after SIGINT, want 0"
  echo "port_rules: $name: rows printed (app dest_port/transport rule expected, src -> dest):"
  /usr/bin/python3 - "$LAB_DIR/$name.out" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if '"report_row"' in l]
for r in rows:
    print(f"  {r['app']} {r['dest_port']}/{r['transport']} {r['rule']} expected={r.get('expected')}"
          f" {r['src_ip']} -> {r['dest_ip']} count={r['count']}")
print(f"  ({len(rows)} rows)")
EOF
  echo "port_rules: $name: flows (app dest:port/transport opening direction_by):"
  /usr/bin/python3 - "$LAB_DIR/$name.flows" <<'EOF'
import json, sys
for l in open(sys.argv[1]):
    f = json.loads(l)
    if f.get("event") == "flow":
        print(f"  {f['app']} {f['dest_ip']}:{f['dest_port']}/{f['transport']}"
              f" {f.get('opening', '-')} {f.get('direction_by')}")
EOF
  echo "port_rules: $name: $(( $(now_ms) - t0 )) ms"
}

check() {  # NAME EXPECT-FILE [check_report.py ARGS...]
  if ! /usr/bin/python3 "$HERE/lib/check_report.py" --expect "$2" --json "$LAB_DIR/$1.out" \
       --stderr "$LAB_DIR/$1.err" "${@:3}"; then
    fail "$1: report differs (above); flows:"
    cat "$LAB_DIR/$1.flows" >&2
  fi
}

# with_optional NAME: NAME.expect, the rows of expect-rows and each optional row that NAME
# printed; an optional row left out must belong to an undecided flow.
with_optional() {
  /usr/bin/python3 - "$LAB_DIR/$1.out" "$LAB_DIR/$1.flows" "$LAB_DIR/optional-rows" \
    "$LAB_DIR/expect-rows" "$LAB_DIR/$1.expect" <<'EOF' || fail "$1: an optional row (above)"
import json, sys
out, flows, optional, base, dest = sys.argv[1:]
recs = [json.loads(l) for l in open(out) if l.strip()]
rows = {(r["src_ip"], r["dest_ip"], r["app"], str(r["dest_port"]), r["transport"])
        for r in recs if r.get("event") == "report_row"}
verdicts = [json.loads(l) for l in open(flows) if l.strip()]
lines = open(base).read().splitlines()
ok = True
for line in open(optional).read().splitlines():
    key = tuple(line.split()[:5])
    if key in rows:
        print(f"port_rules: optional row present: {' '.join(key)}")
        lines.append(line)
        continue
    mine = [v for v in verdicts if v.get("event") == "flow" and
            (v["src_ip"], v["dest_ip"], v["app"], str(v["dest_port"]), v["transport"]) == key]
    if mine and all(v.get("opening") == "undecided" for v in mine):
        print(f"port_rules: optional row absent, its flow undecided: {' '.join(key)}")
    else:
        print(f"FAIL optional row {' '.join(key)} absent, flows: {mine}", file=sys.stderr)
        ok = False
open(dest, "w").write("".join(l + "\n" for l in lines))
sys.exit(0 if ok else 1)
EOF
}

run server
with_optional server
check server "$LAB_DIR/server.expect" --flows "$LAB_DIR/server.flows" --expect-flows "$LAB_DIR/expect-flows"
phase "server side checked"

# The client's veth: XDP sees only the replies. A reply-only TCP opening is undecided (never
# unknown), and a UDP flow's first packet there is the server's reply; so only what the
# replies name can give a row. Required: the SSH row (sshd's banner through sslh); allowed:
# rows of the server side's list (same destination, port, rule; the app may be "unknown" there
# and named here or the reverse is not allowed: the app must be the server side's); nothing for
# the negatives.
run client
cat "$LAB_DIR/expect-rows" "$LAB_DIR/optional-rows" >"$LAB_DIR/client-allowed"
/usr/bin/python3 - "$LAB_DIR/client.out" "$LAB_DIR/client-allowed" "$A_SSLH" <<'EOF' || fail "client side: rows (above)"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if '"report_row"' in l]
allowed = {tuple(l.split()[:5]) + (l.split()[6],) for l in open(sys.argv[2]) if l.strip()}
got = {(r["src_ip"], r["dest_ip"], r["app"], str(r["dest_port"]), r["transport"], r["rule"]) for r in rows}
bad = sorted(got - allowed)
need = {k for k in allowed if k[1] == sys.argv[3] and k[2] == "ssh"}
for k in bad:
    print(f"FAIL client side: row {k} is not one of the server side's", file=sys.stderr)
for k in sorted(need - got):
    print(f"FAIL client side: missing row {k}", file=sys.stderr)
sys.exit(1 if bad or need - got else 0)
EOF
phase "client side checked"
run server-off --port-rules off
check server-off "$LAB_DIR/expect-none"
phase "server side, --port-rules off, checked"

phase total
if (( fails )); then echo "port_rules: $fails failure(s)" >&2; exit 1; fi
echo "port_rules: ok"
