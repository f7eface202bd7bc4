# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Real servers (Debian packages) in the lab's server namespace and real clients in the client
# namespace. Source after lab.sh and call lab_up first. Every server listens on LAB_S4 and
# LAB_S6; configs, certificates, logs and pid files live in $LAB_DIR/peers (removed by
# lab_down), and every process runs inside a lab namespace, so lab_down stops it.
#
# Servers: start any number, then call peers_wait once (they start in parallel):
#   peer_dns   PORT...   dnsmasq (one per port: --port takes one), zone lab.test, UDP and TCP
#   peer_http  PORT...   nginx, plain HTTP/1.1
#   peer_https PORT...   nginx, HTTPS with HTTP/2 (ALPN h2) and HTTP/1.1
#   peer_tls   PORT...   openssl s_server (TLS 1.2 and 1.3), one per port and family
#   peer_smtp  PORT...   aiosmtpd (smtp_peer.py), one process for every port
#   peer_ssh   PORT...   openssh sshd with a private config and a host key made at run time
#   peer_ftp   PORT...   vsftpd (USER answered 331 for any name), one per port, IPv4 only
#   peer_http_lenient PORT...  Python's http.server (splits request lines on any whitespace),
#                        one per port, IPv4 only
# nginx gets one process for all peer_http/peer_https ports: call both before peers_wait.
# Clients (run in the client namespace, ADDR is LAB_S4 or LAB_S6, short timeouts, exit 0 only
# when the exchange really happened):
#   client_dig ADDR PORT [udp|tcp]   client_http ADDR PORT   client_https_h2 ADDR PORT
#   client_tls ADDR PORT 1.2|1.3     client_smtp ADDR PORT   client_ssh ADDR PORT

PEERS_ZONE=lab.test
PEERS_NAME=www.lab.test
PEERS_HTTP_BODY="protoport lab http"
PEERS_TIMEOUT=${PEERS_TIMEOUT:-5}
_PEERS_NGINX_HTTP=()
_PEERS_NGINX_HTTPS=()
_PEERS_WAIT=()      # "t|u|t4 PORT" entries peers_wait polls for, on both server addresses

_peers_dir() {
  [[ -n ${LAB_DIR:-} && -d $LAB_DIR ]] || lab_die "peers: call lab_up first"
  mkdir -p "$LAB_DIR/peers"
  echo "$LAB_DIR/peers"
}

# One self-signed ECDSA certificate per run, for nginx and s_server.
peers_cert() {
  local d; d=$(_peers_dir)
  [[ -f $d/cert.pem ]] && return 0
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=$PEERS_ZONE" \
    -addext "subjectAltName=DNS:$PEERS_ZONE,DNS:$PEERS_NAME,IP:$LAB_S4,IP:$LAB_S6" \
    -keyout "$d/key.pem" -out "$d/cert.pem" >"$d/openssl-req.log" 2>&1 \
    || lab_die "peers: cannot make a certificate: $(cat "$d/openssl-req.log")"
}

peer_dns() {
  local d port; d=$(_peers_dir)
  for port in "$@"; do
    lab_spawn "$LAB_NS_S" "dnsmasq-$port" dnsmasq -k --conf-file=/dev/null --no-resolv \
      --no-hosts --bind-interfaces --listen-address="$LAB_S4" --listen-address="$LAB_S6" \
      --port="$port" --pid-file="$d/dnsmasq-$port.pid" --log-facility=- --log-queries \
      --user=root --local="/$PEERS_ZONE/" \
      --host-record="$PEERS_NAME,$LAB_S4,$LAB_S6" --host-record="mail.$PEERS_ZONE,$LAB_S4,$LAB_S6"
    _PEERS_WAIT+=("u $port" "t $port")
  done
}

peer_http()  { _PEERS_NGINX_HTTP+=("$@");  local p; for p in "$@"; do _PEERS_WAIT+=("t $p"); done; }
peer_https() { _PEERS_NGINX_HTTPS+=("$@"); local p; for p in "$@"; do _PEERS_WAIT+=("t $p"); done; }

_peers_start_nginx() {
  (( ${#_PEERS_NGINX_HTTP[@]} + ${#_PEERS_NGINX_HTTPS[@]} )) || return 0
  local d p listen_http="" listen_https=""; d=$(_peers_dir)
  peers_cert
  mkdir -p "$d/nginx-tmp"
  for p in "${_PEERS_NGINX_HTTP[@]}"; do
    listen_http+="    listen $LAB_S4:$p; listen [$LAB_S6]:$p;"$'\n'
  done
  for p in "${_PEERS_NGINX_HTTPS[@]}"; do
    listen_https+="    listen $LAB_S4:$p ssl http2; listen [$LAB_S6]:$p ssl http2;"$'\n'
  done
  {
    echo "worker_processes 1; pid $d/nginx.pid; error_log $d/nginx-error.log;"
    echo "events { worker_connections 256; }"
    echo "http {"
    echo "  access_log $d/nginx-access.log;"
    local t; for t in client_body proxy fastcgi uwsgi scgi; do echo "  ${t}_temp_path $d/nginx-tmp/$t;"; done
    echo "  default_type text/plain;"
    [[ -n $listen_http ]] && printf '  server {\n%s    location / { return 200 "%s\\n"; }\n  }\n' \
      "$listen_http" "$PEERS_HTTP_BODY"
    [[ -n $listen_https ]] && printf '  server {\n%s    ssl_certificate %s; ssl_certificate_key %s;\n    ssl_protocols TLSv1.2 TLSv1.3;\n    location / { return 200 "%s\\n"; }\n  }\n' \
      "$listen_https" "$d/cert.pem" "$d/key.pem" "$PEERS_HTTP_BODY"
    echo "}"
  } >"$d/nginx.conf"
  lab_spawn "$LAB_NS_S" nginx nginx -e "$d/nginx-error.log" -c "$d/nginx.conf" -g "daemon off;"
}

peer_tls() {
  local d port fam addr; d=$(_peers_dir)
  peers_cert
  for port in "$@"; do
    for fam in 4 6; do
      if [[ $fam == 4 ]]; then addr=$LAB_S4; else addr="[$LAB_S6]"; fi
      # -www: answers a GET with a status page and never reads stdin (which is /dev/null).
      lab_spawn "$LAB_NS_S" "s_server-$port-v$fam" openssl s_server -accept "$addr:$port" \
        -cert "$d/cert.pem" -key "$d/key.pem" -www -quiet
    done
    _PEERS_WAIT+=("t $port")
  done
}

peer_smtp() {
  (( $# )) || return 0
  local ports; ports=$(IFS=,; echo "$*")
  lab_spawn "$LAB_NS_S" "smtp-${ports//,/-}" /usr/bin/python3 "$LAB_LIB_DIR/smtp_peer.py" \
    "$LAB_S4,$LAB_S6" "$ports"
  local p; for p in "$@"; do _PEERS_WAIT+=("t $p"); done
}

peer_ssh() {
  (( $# )) || return 0
  local d p name; d=$(_peers_dir)
  name="sshd-$(IFS=-; echo "$*")"
  [[ -f $d/ssh_host_ed25519_key ]] || ssh-keygen -q -t ed25519 -N "" -f "$d/ssh_host_ed25519_key" \
    || lab_die "peers: ssh-keygen failed"
  mkdir -p /run/sshd   # sshd's compiled-in privilege-separation directory
  {
    for p in "$@"; do echo "Port $p"; done
    echo "ListenAddress $LAB_S4"
    echo "ListenAddress $LAB_S6"
    echo "HostKey $d/ssh_host_ed25519_key"
    echo "PidFile $d/$name.pid"
    echo "UsePAM no"
    echo "PermitRootLogin no"
    echo "PasswordAuthentication no"
    echo "KbdInteractiveAuthentication no"
    echo "AuthorizedKeysFile none"
  } >"$d/$name.conf"
  /usr/sbin/sshd -t -f "$d/$name.conf" || lab_die "peers: sshd rejects $d/$name.conf"
  lab_spawn "$LAB_NS_S" "$name" /usr/sbin/sshd -D -e -f "$d/$name.conf"
  for p in "$@"; do _PEERS_WAIT+=("t $p"); done
}

peer_ftp() {
  local d port; d=$(_peers_dir)
  mkdir -p "$d/ftp-empty"
  chmod 755 "$d/ftp-empty"
  for port in "$@"; do
    # listen=YES serves one address family: vsftpd here is IPv4 only.
    {
      echo "listen=YES"; echo "listen_ipv6=NO"; echo "listen_address=$LAB_S4"
      # Local users only: vsftpd then asks any USER for a password (331), whatever the name,
      # so that its answer depends on the command's form alone (the tests never send PASS).
      echo "listen_port=$port"; echo "background=NO"; echo "anonymous_enable=NO"
      echo "local_enable=YES"; echo "write_enable=NO"; echo "userlist_enable=NO"
      echo "secure_chroot_dir=$d/ftp-empty"; echo "seccomp_sandbox=NO"
      echo "xferlog_enable=NO"; echo "connect_from_port_20=NO"
    } >"$d/vsftpd-$port.conf"
    lab_spawn "$LAB_NS_S" "vsftpd-$port" /usr/sbin/vsftpd "$d/vsftpd-$port.conf"
    _PEERS_WAIT+=("t4 $port")
  done
}

peer_http_lenient() {
  local port
  for port in "$@"; do
    lab_spawn "$LAB_NS_S" "http-lenient-$port" /usr/bin/python3 "$LAB_LIB_DIR/http_lenient_peer.py" \
      "$LAB_S4" "$port"
    _PEERS_WAIT+=("t4 $port")
  done
}

# peers_wait [TIMEOUT_S]: starts nginx if asked for, then polls until every requested port is
# bound on both server addresses. On failure prints the peers' logs.
peers_wait() {
  local timeout=${1:-10} w
  _peers_start_nginx
  _PEERS_NGINX_HTTP=() _PEERS_NGINX_HTTPS=()
  for w in "${_PEERS_WAIT[@]}"; do
    local proto=${w% *} addrs="$LAB_S4 $LAB_S6"
    [[ $proto == t4 ]] && proto=t addrs=$LAB_S4   # an IPv4-only peer (vsftpd)
    # shellcheck disable=SC2086
    if ! wait_for "_lab_listening $LAB_NS_S $proto ${w#* } $addrs" "$timeout"; then
      echo "peers: port ${w#* }/${w% *}cp not ready; logs:" >&2
      tail -n 20 "$LAB_DIR"/logs/*.log >&2 || true
      return 1
    fi
  done
  _PEERS_WAIT=()
}

# --- clients (run in the client namespace) ---

_peers_url_host() { if [[ $1 == *:* ]]; then echo "[$1]"; else echo "$1"; fi; }
_peers_fail() { echo "client: $*" >&2; return 1; }

# client_dig ADDR PORT [udp|tcp]: resolves www.lab.test (A or AAAA by ADDR's family).
client_dig() {
  local addr=$1 port=$2 tr=${3:-udp} type=A want=$LAB_S4 out
  [[ $addr == *:* ]] && type=AAAA want=$LAB_S6
  local opts=(+short +time=2 +tries=1); [[ $tr == tcp ]] && opts+=(+tcp)
  out=$(in_client dig @"$addr" -p "$port" "${opts[@]}" "$PEERS_NAME" "$type" 2>&1) \
    || _peers_fail "dig @$addr -p $port ($tr): $out" || return 1
  [[ $out == "$want" ]] || _peers_fail "dig @$addr -p $port ($tr): got '$out', want '$want'"
}

client_http() {
  local addr=$1 port=$2 out
  out=$(in_client curl -sS -g --max-time "$PEERS_TIMEOUT" --http1.1 \
    "http://$(_peers_url_host "$addr"):$port/" 2>&1) || _peers_fail "curl http $addr:$port: $out" || return 1
  [[ $out == "$PEERS_HTTP_BODY" ]] || _peers_fail "curl http $addr:$port: unexpected body '$out'"
}

# client_https_h2 ADDR PORT: HTTPS, and HTTP/2 must have been negotiated.
client_https_h2() {
  local addr=$1 port=$2 out
  out=$(in_client curl -sS -g -k --max-time "$PEERS_TIMEOUT" --http2 -w '|%{http_version}' \
    "https://$(_peers_url_host "$addr"):$port/" 2>&1) || _peers_fail "curl https $addr:$port: $out" || return 1
  [[ $out == "$PEERS_HTTP_BODY"$'\n|2' ]] || _peers_fail "curl https $addr:$port: want HTTP/2 body, got '$out'"
}

# client_tls ADDR PORT 1.2|1.3: a full handshake with exactly that version.
client_tls() {
  local addr=$1 port=$2 ver=$3 out
  out=$(in_client timeout "$PEERS_TIMEOUT" openssl s_client -connect "$(_peers_url_host "$addr"):$port" \
    -servername "$PEERS_ZONE" "-tls${ver/./_}" -brief </dev/null 2>&1) \
    || _peers_fail "s_client $addr:$port tls$ver: $out" || return 1
  grep -q "^Protocol version: TLSv$ver\$" <<<"$out" || _peers_fail "s_client $addr:$port: not TLSv$ver: $out"
}

client_smtp() {
  local addr=$1 port=$2 out
  out=$(in_client swaks --to "x@$PEERS_ZONE" --from "y@$PEERS_ZONE" --helo client.lab.test \
    --server "$addr" --port "$port" --timeout "$PEERS_TIMEOUT" 2>&1) \
    || _peers_fail "swaks $addr:$port: $out" || return 1
  grep -q '^<-  250 ' <<<"$out" || _peers_fail "swaks $addr:$port: no 250 reply: $out"
}

# client_ssh ADDR PORT: SSH version exchange and key exchange (ssh-keyscan), host key returned.
client_ssh() {
  local addr=$1 port=$2 out
  out=$(in_client ssh-keyscan -T "$PEERS_TIMEOUT" -t ed25519 -p "$port" "$addr" 2>&1) \
    || _peers_fail "ssh-keyscan $addr:$port: $out" || return 1
  grep -q 'ssh-ed25519 ' <<<"$out" || _peers_fail "ssh-keyscan $addr:$port: no host key: $out"
}
