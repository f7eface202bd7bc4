# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# shellcheck shell=bash
# Tunnels and other protocols on well-known ports (issue 14, port rules): real programs from
# Debian in the lab. Source after lab.sh and peers.sh, call lab_up first. Every process runs in
# a lab namespace (lab_down stops it); keys, certificates, configs and logs live in
# $LAB_DIR/tunnels. Each peer gets its own extra server address (tp_server_addr), so that
# several of them can hold the same well-known port. IPv4 only.
#
#   tp_server_addr ADDR...        add ADDR/24 to the server's veth, static neighbour on the client
#   peer_sslh ADDR PORT SSH TLS   sslh-select on ADDR:PORT: SSH to SSH (host:port), TLS to TLS
#   peer_openvpn NAME static|tls tcp|udp ADDR PORT N
#                                 openvpn point-to-point server on ADDR:PORT, tun device in the
#                                 server namespace, tunnel 10.8.N.1 <-> 10.8.N.2; static key
#                                 (--secret) or TLS (CA, server and client certificates made
#                                 at run time with openssl)
#   client_openvpn NAME static|tls tcp|udp ADDR PORT N
#                                 the matching client in the client namespace; succeeds when
#                                 the client logged "Initialization Sequence Completed", the
#                                 server "Peer Connection Initiated" once more, and a ping
#                                 through the tunnel (10.8.N.1) was answered. A second call for
#                                 NAME replaces the client (a new opening). In two steps, to
#                                 start several at once: client_openvpn_start (same arguments),
#                                 client_openvpn_wait NAME N
#   peer_shadowsocks ADDR PORT    ss-server (chacha20-ietf-poly1305, password made at run time)
#   client_shadowsocks ADDR PORT URL
#                                 ss-local on 127.0.0.1 in the client namespace, then
#                                 `curl --socks5-hostname` through it: the body must be
#                                 PEERS_HTTP_BODY (an nginx of peers.sh behind the tunnel)
#   tp_wireguard_kind             "kernel" (ip link type wireguard works in a namespace), "go"
#                                 (wireguard-go from Debian, on a tun device), or "none"
#   wireguard_pair ADDR PORT N    a WireGuard interface in the client namespace and one in a
#                                 third namespace behind the server's (tp_wireguard_ns), the
#                                 latter listening on ADDR:PORT/udp; tunnel 10.9.N.1 (client)
#                                 <-> 10.9.N.2 (server)
#   client_wireguard N            a new handshake (the client's peer set again), ping 10.9.N.2
#                                 through the tunnel; succeeds when answered and the client's
#                                 peer shows a completed handshake
#   peer_sip ADDR PORT tcp|udp    lib/text_reply_peer.py: SIP/2.0 200 OK to any request
#   client_sip ADDR PORT tcp|udp  sipsak OPTIONS; succeeds on the 200 reply
#   peer_rtsp ADDR PORT           lib/text_reply_peer.py: RTSP/1.0 200 OK (TCP)
#   client_rtsp ADDR PORT         curl rtsp://ADDR:PORT/ OPTIONS; succeeds on the 200 reply

_tp_dir() {
  [[ -n ${LAB_DIR:-} && -d $LAB_DIR ]] || lab_die "tunnel peers: call lab_up first"
  mkdir -p "$LAB_DIR/tunnels"
  echo "$LAB_DIR/tunnels"
}

tp_server_addr() {
  local a
  for a in "$@"; do
    ip -n "$LAB_NS_S" addr add "$a/24" dev "$LAB_IF_S"
    ip -n "$LAB_NS_C" neigh replace "$a" lladdr "$LAB_MAC_S" dev "$LAB_IF_C" nud permanent
  done
}

# --- sslh ---

peer_sslh() {
  local addr=$1 port=$2 ssh=$3 tls=$4 d; d=$(_tp_dir)
  # sslh-select: one process, no fork per connection; -f foreground, -n numeric logs.
  lab_spawn "$LAB_NS_S" "sslh-$addr-$port" sslh-select -f -n -p "$addr:$port" \
    --ssh "$ssh" --tls "$tls" -P "$d/sslh-$port.pid"
  wait_tcp_listen "$LAB_NS_S" "$port" 10 "$addr" || { cat "$LAB_DIR/logs/sslh-$addr-$port.log" >&2; return 1; }
}

# --- openvpn ---

_tp_openvpn_pki() {  # DIR: a CA, and a server and a client certificate signed by it
  local d=$1 who
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=protoport lab CA" -keyout "$d/ca.key" -out "$d/ca.crt" || return 1
  for who in server client; do
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -subj "/CN=ovpn-$who" -keyout "$d/$who.key" -out "$d/$who.csr" || return 1
    printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyAgreement\nextendedKeyUsage=%s\n' \
      "$([[ $who == server ]] && echo serverAuth || echo clientAuth)" >"$d/$who.ext"
    openssl x509 -req -in "$d/$who.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
      -days 2 -extfile "$d/$who.ext" -out "$d/$who.crt" || return 1
  done
}

_tp_openvpn_keys() {
  local d; d=$(_tp_dir)
  [[ -f $d/ovpn-static.key ]] && return 0
  _tp_openvpn_pki "$d" >"$d/ovpn-pki.log" 2>&1 \
    || lab_die "tunnel peers: cannot make the OpenVPN certificates: $(cat "$d/ovpn-pki.log")"
  openvpn --genkey secret "$d/ovpn-static.key" >"$d/ovpn-genkey.log" 2>&1 \
    || lab_die "tunnel peers: openvpn --genkey failed: $(cat "$d/ovpn-genkey.log")"
}

# _tp_openvpn_args ROLE MODE PROTO ADDR PORT N: the command line of one end.
_tp_openvpn_args() {
  local role=$1 mode=$2 proto=$3 addr=$4 port=$5 n=$6 d; d=$(_tp_dir)
  local me=2 peer=1
  [[ $role == server ]] && me=1 peer=2
  local a=(openvpn --verb 3 --dev "tpv$n" --dev-type tun --ifconfig "10.8.$n.$me" "10.8.$n.$peer"
           --ping 1 --connect-retry 1 --data-ciphers AES-256-GCM:AES-128-GCM)
  if [[ $role == server ]]; then
    a+=(--local "$addr" --lport "$port" --float)   # --float: a later client from a new port
    if [[ $proto == tcp ]]; then a+=(--proto tcp-server); else a+=(--proto udp); fi
  else
    a+=(--remote "$addr" "$port" --nobind)
    if [[ $proto == tcp ]]; then a+=(--proto tcp-client); else a+=(--proto udp); fi
  fi
  if [[ $mode == static ]]; then
    # Static-key mode: deprecated in 2.6 (a warning), AES-256-CBC since OpenSSL 3 lacks BF-CBC.
    a+=(--secret "$d/ovpn-static.key" "$([[ $role == server ]] && echo 0 || echo 1)"
        --cipher AES-256-CBC --auth SHA256)
  else
    a+=(--ca "$d/ca.crt" --cert "$d/$role.crt" --key "$d/$role.key" --dh none)
    if [[ $role == server ]]; then a+=(--tls-server); else a+=(--tls-client --remote-cert-tls server); fi
  fi
  printf '%s\n' "${a[@]}"
}

peer_openvpn() {
  local name=$1 mode=$2 proto=$3 addr=$4 port=$5 n=$6 args
  _tp_openvpn_keys
  mapfile -t args < <(_tp_openvpn_args server "$mode" "$proto" "$addr" "$port" "$n")
  lab_spawn "$LAB_NS_S" "openvpn-$name-server" "${args[@]}"
  if [[ $proto == tcp ]]; then wait_tcp_listen "$LAB_NS_S" "$port" 10 "$addr"
  else wait_udp_listen "$LAB_NS_S" "$port" 10 "$addr"; fi \
    || { tail -n 20 "$LAB_DIR/logs/openvpn-$name-server.log" >&2; return 1; }
}

_tp_count() { grep -c "$1" "$2" 2>/dev/null || true; }
declare -gA _TP_OVPN_BEFORE=()
_TP_OVPN_SERVER_DONE='Peer Connection Initiated'   # once per client (static key: no handshake)

# client_openvpn_start NAME MODE PROTO ADDR PORT N: start the client (a second call for NAME
# stops the first client: a new opening); client_openvpn_wait NAME N: both ends done and a
# ping through the tunnel answered. client_openvpn: both.
client_openvpn_start() {
  local name=$1 mode=$2 proto=$3 addr=$4 port=$5 n=$6 args pidf="$LAB_DIR/pids/openvpn-$1-client"
  if [[ -f $pidf ]]; then
    kill -TERM "$(<"$pidf")" 2>/dev/null || true
    wait_for "! kill -0 $(<"$pidf")" 5 || { _peers_fail "openvpn $name: old client did not exit"; return 1; }
    # A point-to-point UDP server keeps its peer's session (a new client's TLS handshake is
    # then "unroutable"): a new server for a new client. The TCP server restarts by itself.
    if [[ $proto == udp ]]; then
      local spid; spid=$(<"$LAB_DIR/pids/openvpn-$name-server")
      kill -TERM "$spid" 2>/dev/null || true
      wait_for "! kill -0 $spid" 5 || { _peers_fail "openvpn $name: old server did not exit"; return 1; }
      peer_openvpn "$name" "$mode" "$proto" "$addr" "$port" "$n" || return 1
    fi
  fi
  _TP_OVPN_BEFORE[$name]=$(_tp_count "$_TP_OVPN_SERVER_DONE" "$LAB_DIR/logs/openvpn-$name-server.log")
  mapfile -t args < <(_tp_openvpn_args client "$mode" "$proto" "$addr" "$port" "$n")
  lab_spawn "$LAB_NS_C" "openvpn-$name-client" "${args[@]}"
}

client_openvpn_wait() {
  local name=$1 n=$2
  local slog="$LAB_DIR/logs/openvpn-$name-server.log" clog="$LAB_DIR/logs/openvpn-$name-client.log"
  wait_for "grep -q 'Initialization Sequence Completed' '$clog'" 10 \
    || { _peers_fail "openvpn $name: the client did not complete: $(tail -n 15 "$clog")"; return 1; }
  wait_for "(( \$(_tp_count '$_TP_OVPN_SERVER_DONE' '$slog') > ${_TP_OVPN_BEFORE[$name]} ))" 10 \
    || { _peers_fail "openvpn $name: the server saw no new peer: $(tail -n 15 "$slog")"; return 1; }
  # Both ends say "done" a moment before the server's tun route carries a reply (a TCP server
  # restarting for a new client): ask until one answer comes, 10 s at most.
  wait_for "in_client ping -c 1 -W 1 10.8.$n.1" 10 \
    || _peers_fail "openvpn $name: no answer through the tunnel to 10.8.$n.1;" \
         "client log: $(tail -n 8 "$clog")" "server log: $(tail -n 8 "$slog")"
}

client_openvpn() { client_openvpn_start "$@" && client_openvpn_wait "$1" "$6"; }

# --- shadowsocks-libev ---

TP_SS_METHOD=chacha20-ietf-poly1305
peer_shadowsocks() {
  local addr=$1 port=$2 d; d=$(_tp_dir)
  [[ -f $d/ss.pass ]] || head -c 18 /dev/urandom | base64 >"$d/ss.pass"
  lab_spawn "$LAB_NS_S" "ss-server-$port" ss-server -s "$addr" -p "$port" -k "$(<"$d/ss.pass")" \
    -m "$TP_SS_METHOD" -t 10
  wait_tcp_listen "$LAB_NS_S" "$port" 10 "$addr" || { cat "$LAB_DIR/logs/ss-server-$port.log" >&2; return 1; }
}

client_shadowsocks() {
  local addr=$1 port=$2 url=$3 d out local_port=1080; d=$(_tp_dir)
  if ! _lab_listening "$LAB_NS_C" t "$local_port" 127.0.0.1; then
    lab_spawn "$LAB_NS_C" "ss-local-$port" ss-local -s "$addr" -p "$port" -b 127.0.0.1 \
      -l "$local_port" -k "$(<"$d/ss.pass")" -m "$TP_SS_METHOD" -t 10
    wait_tcp_listen "$LAB_NS_C" "$local_port" 10 127.0.0.1 \
      || { _peers_fail "ss-local did not listen: $(cat "$LAB_DIR/logs/ss-local-$port.log")"; return 1; }
  fi
  out=$(in_client curl -sS -g --max-time "$PEERS_TIMEOUT" --socks5-hostname "127.0.0.1:$local_port" \
    "$url" 2>&1) || { _peers_fail "curl through shadowsocks to $url: $out"; return 1; }
  [[ $out == "$PEERS_HTTP_BODY" ]] || _peers_fail "curl through shadowsocks to $url: body '$out'"
}

# --- WireGuard ---

TP_WG_KIND=${TP_WG_KIND:-}   # the environment may force "none" (to try the skip path)
tp_wireguard_kind() {
  if [[ -z $TP_WG_KIND ]]; then
    TP_WG_KIND=none
    if command -v wg >/dev/null; then
      local probe="tpwgprobe$$"
      if ip -n "$LAB_NS_C" link add "$probe" type wireguard 2>/dev/null; then
        ip -n "$LAB_NS_C" link del "$probe"
        TP_WG_KIND=kernel
      elif command -v wireguard-go >/dev/null && [[ -c /dev/net/tun ]]; then
        TP_WG_KIND=go
      fi
    fi
  fi
  echo "$TP_WG_KIND"
}

# _tp_wg_link NS IFNAME: a WireGuard interface in NS (kernel, or wireguard-go on a tun device:
# its control socket is /var/run/wireguard/IFNAME.sock, hence names unique per run).
_tp_wg_link() {
  local ns=$1 ifn=$2
  if [[ $(tp_wireguard_kind) == kernel ]]; then
    ip -n "$ns" link add "$ifn" type wireguard
  else
    WG_PROCESS_FOREGROUND=1 lab_spawn "$ns" "wireguard-go-$ifn" wireguard-go -f "$ifn"
    wait_for "[[ -S /var/run/wireguard/$ifn.sock ]] && ip -n $ns link show $ifn" 5 \
      || { cat "$LAB_DIR/logs/wireguard-go-$ifn.log" >&2; return 1; }
  fi
}

# The WireGuard server lives in a third namespace, behind the server's: a WireGuard socket binds
# the wildcard address, so it cannot share 53/udp with dnsmasq and the others in the server
# namespace. The server namespace routes ADDR to it, so the packets still arrive on the
# server's veth, where XDP sees them. The namespace's name is LAB_NS_S-w: lab_down (a hook)
# and lab_reap_stale remove it.
TP_NS_W=
tp_wireguard_ns() {
  local addr=$1
  [[ -n $TP_NS_W ]] && return 0
  TP_NS_W=$LAB_NS_S-w
  ip netns add "$TP_NS_W"
  lab_on_down "_lab_del_ns $TP_NS_W"
  ip link add tpw0 netns "$LAB_NS_S" type veth peer name tpw1 netns "$TP_NS_W"
  ip -n "$LAB_NS_S" addr add 198.51.100.1/30 dev tpw0
  ip -n "$TP_NS_W" addr add 198.51.100.2/30 dev tpw1
  ip -n "$TP_NS_W" addr add "$addr/32" dev lo
  ip -n "$TP_NS_W" link set lo up
  ip -n "$LAB_NS_S" link set tpw0 up
  ip -n "$TP_NS_W" link set tpw1 up
  ip -n "$TP_NS_W" route add default via 198.51.100.1
  ip -n "$LAB_NS_S" route add "$addr/32" via 198.51.100.2
  ip netns exec "$LAB_NS_S" sysctl -qw net.ipv4.ip_forward=1
  ip -n "$LAB_NS_C" neigh replace "$addr" lladdr "$LAB_MAC_S" dev "$LAB_IF_C" nud permanent
}

wireguard_pair() {
  local addr=$1 port=$2 n=$3 d; d=$(_tp_dir)
  local ifs="tpw$$s$n" ifc="tpw$$c$n" who
  tp_wireguard_ns "$addr"
  for who in s c; do
    (umask 077; wg genkey >"$d/wg$n$who.key")
    wg pubkey <"$d/wg$n$who.key" >"$d/wg$n$who.pub"
  done
  echo "$addr:$port" >"$d/wg$n.endpoint"
  _tp_wg_link "$TP_NS_W" "$ifs" || return 1
  _tp_wg_link "$LAB_NS_C" "$ifc" || return 1
  ip netns exec "$TP_NS_W" wg set "$ifs" private-key "$d/wg${n}s.key" listen-port "$port" \
    peer "$(<"$d/wg${n}c.pub")" allowed-ips "10.9.$n.1/32"
  in_client wg set "$ifc" private-key "$d/wg${n}c.key" \
    peer "$(<"$d/wg${n}s.pub")" allowed-ips "10.9.$n.2/32" endpoint "$addr:$port"
  ip -n "$TP_NS_W" addr add "10.9.$n.2/24" dev "$ifs"
  ip -n "$LAB_NS_C" addr add "10.9.$n.1/24" dev "$ifc"
  ip -n "$TP_NS_W" link set "$ifs" up
  ip -n "$LAB_NS_C" link set "$ifc" up
  wait_udp_listen "$TP_NS_W" "$port" 5
}

# client_wireguard N: the client's peer is removed and set again first, so that every call
# starts with a new handshake (a new opening for a watch started since the last one).
client_wireguard() {
  local n=$1 ifc="tpw$$c$1" d hs; d=$(_tp_dir)
  local spub; spub=$(<"$d/wg${n}s.pub")
  in_client wg set "$ifc" peer "$spub" remove
  in_client wg set "$ifc" peer "$spub" allowed-ips "10.9.$n.2/32" endpoint "$(<"$d/wg$n.endpoint")"
  in_client ping -c 1 -W 3 "10.9.$n.2" >/dev/null \
    || { _peers_fail "wireguard $n: no answer through the tunnel to 10.9.$n.2"; return 1; }
  hs=$(in_client wg show "$ifc" latest-handshakes | awk '{print $2}')
  [[ ${hs:-0} != 0 ]] || _peers_fail "wireguard $n: no completed handshake ($hs)"
}

# --- SIP and RTSP (a Python responder; the clients are the real programs) ---

peer_sip() {
  local addr=$1 port=$2 tr=$3
  lab_spawn "$LAB_NS_S" "sip-$addr-$port-$tr" /usr/bin/python3 "$LAB_LIB_DIR/text_reply_peer.py" \
    sip "$addr" "$port" "$tr"
  if [[ $tr == tcp ]]; then wait_tcp_listen "$LAB_NS_S" "$port" 10 "$addr"
  else wait_udp_listen "$LAB_NS_S" "$port" 10 "$addr"; fi
}

client_sip() {
  local addr=$1 port=$2 tr=$3 out
  # -s: one OPTIONS; -v: print the reply; -E: transport. Exit 0 only on a 2xx reply.
  out=$(in_client timeout "$PEERS_TIMEOUT" sipsak -v -E "$tr" -s "sip:probe@$addr:$port" 2>&1) \
    || { _peers_fail "sipsak $addr:$port/$tr: $out"; return 1; }
  grep -q 'SIP/2.0 200 OK' <<<"$out" || _peers_fail "sipsak $addr:$port/$tr: no 200 OK: $out"
}

peer_rtsp() {
  local addr=$1 port=$2
  lab_spawn "$LAB_NS_S" "rtsp-$addr-$port" /usr/bin/python3 "$LAB_LIB_DIR/text_reply_peer.py" \
    rtsp "$addr" "$port" tcp
  wait_tcp_listen "$LAB_NS_S" "$port" 10 "$addr"
}

client_rtsp() {
  local addr=$1 port=$2 out
  out=$(in_client curl -sS -i --max-time "$PEERS_TIMEOUT" -X OPTIONS "rtsp://$addr:$port/" 2>&1) \
    || { _peers_fail "curl rtsp $addr:$port: $out"; return 1; }
  grep -q '^RTSP/1.0 200 OK' <<<"$out" || _peers_fail "curl rtsp $addr:$port: no 200 OK: $out"
}
