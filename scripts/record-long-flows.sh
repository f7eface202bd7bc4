#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Records a capture of long flows made by real programs, for replay benchmarks and tests where
# the per-packet work of established flows dominates (bench-replay.sh: the "long" rows).
#
#   sudo scripts/record-long-flows.sh OUT.pcap [MB]
#
# In the integration lab's two network namespaces (tests/integration/lib/lab.sh; removed on
# every exit path), the client downloads and uploads about MB megabytes in all (default 300)
# from real servers, while tcpdump records the client's veth (both directions, whole frames):
#   nginx  HTTP   GET on 80, PUT (WebDAV) on 8081      curl
#   nginx  HTTPS  GET on 443, PUT on 9443              curl (TLS 1.3, HTTP/1.1)
#   aiosmtpd SMTP one mail with an attachment, on 25 and on 2525   swaks
# The odd ports make mismatches, the standard ones do not. Frames are MTU-sized (1,500 bytes,
# as a router or a mirror port sees them: the veths' segmentation offloads are turned off), so
# that most frames belong to established flows; OFFLOADS=on keeps the veths' defaults, and the
# capture then holds the GSO aggregates (up to 64 KB) a host's own tcpdump sees. Prints the
# frame count and size at the end; exits non-zero if a transfer failed or tcpdump dropped
# packets.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)

OUT=${1:?usage: record-long-flows.sh OUT.pcap [MB]}
MB=${2:-300}
[[ $MB =~ ^[1-9][0-9]*$ ]] || { echo "record-long-flows: MB must be a positive integer" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "record-long-flows: needs root (network namespaces)" >&2; exit 2; }
OFFLOADS=${OFFLOADS:-off}
[[ $OFFLOADS == on || $OFFLOADS == off ]] || { echo "record-long-flows: OFFLOADS must be on or off" >&2; exit 2; }
for tool in nginx curl swaks tcpdump openssl capinfos ethtool; do
  command -v "$tool" >/dev/null || { echo "record-long-flows: $tool not found (scripts/setup.sh installs it)" >&2; exit 2; }
done
OUT=$(realpath -m "$OUT")

# shellcheck source=../tests/integration/lib/lab.sh
source "$ROOT/tests/integration/lib/lab.sh"
# shellcheck source=../tests/integration/lib/peers.sh
source "$ROOT/tests/integration/lib/peers.sh"
lab_up
if [[ $OFFLOADS == off ]]; then
  in_client ethtool -K "$LAB_IF_C" tso off gso off gro off >/dev/null
  in_server ethtool -K "$LAB_IF_S" tso off gso off gro off >/dev/null
fi

# Shares of MB: HTTP GET 20%, HTTP PUT 15%, HTTPS GET 20%, HTTPS PUT 15%, two mails of 15%
# (base64 makes an attachment a third larger on the wire; aiosmtpd takes 32 MiB at most).
mb_of() { echo $(( MB * $1 / 100 > 0 ? MB * $1 / 100 : 1 )); }
D=$LAB_DIR/long
mkdir -p "$D/www" "$D/tmp"
head -c "$(( $(mb_of 20) * 1048576 ))" /dev/urandom >"$D/www/get.bin"
head -c "$(( $(mb_of 15) * 1048576 ))" /dev/urandom >"$D/put.bin"
MAIL_MB=$(mb_of 15)
(( MAIL_MB <= 22 )) || MAIL_MB=22
head -c "$(( MAIL_MB * 1048576 ))" /dev/urandom >"$D/attachment.bin"

peers_cert
P=$LAB_DIR/peers
# user root: the files live in the lab's private directory (mode 0700).
cat >"$D/nginx.conf" <<EOF
user root; worker_processes 1; pid $D/nginx.pid; error_log $D/nginx-error.log;
events { worker_connections 64; }
http {
  access_log $D/nginx-access.log;
  client_body_temp_path $D/tmp/body; proxy_temp_path $D/tmp/proxy;
  fastcgi_temp_path $D/tmp/fastcgi; uwsgi_temp_path $D/tmp/uwsgi; scgi_temp_path $D/tmp/scgi;
  client_max_body_size 0;
  server {
    listen $LAB_S4:80; listen $LAB_S4:8081;
    listen $LAB_S4:443 ssl; listen $LAB_S4:9443 ssl;
    ssl_certificate $P/cert.pem; ssl_certificate_key $P/key.pem; ssl_protocols TLSv1.3;
    root $D/www;
    location /up/ { dav_methods PUT; create_full_put_path on; }
  }
}
EOF
lab_spawn "$LAB_NS_S" nginx nginx -e "$D/nginx-error.log" -c "$D/nginx.conf" -g "daemon off;"
peer_smtp 25 2525
for port in 80 8081 443 9443 25 2525; do
  wait_tcp_listen "$LAB_NS_S" "$port" 10 "$LAB_S4" || lab_die "nothing listens on $port: $(tail -3 "$LAB_DIR"/logs/*.log)"
done

rm -f "$OUT"
lab_spawn "$LAB_NS_C" tcpdump tcpdump -i "$LAB_IF_C" -s 0 -B 65536 -U -w "$OUT"
TCPDUMP_PID=$LAB_LAST_PID
wait_for "grep -q 'listening on' '$LAB_DIR/logs/tcpdump.log'" 10 || lab_die "tcpdump did not start"

fail() { echo "record-long-flows: $*" >&2; exit 1; }
# At most 80 MB/s, which tcpdump keeps up with on two vCPUs (unlimited, it drops packets).
curl_to() { in_client curl -sS -g --max-time 300 --limit-rate 80M -o /dev/null -w '%{http_code}' "$@"; }
for url in "http://$LAB_S4:80/get.bin" "https://$LAB_S4:443/get.bin"; do
  code=$(curl_to -k --http1.1 "$url") || fail "curl GET $url failed"
  [[ $code == 200 ]] || fail "curl GET $url: HTTP $code"
done
for url in "http://$LAB_S4:8081/up/put.bin" "https://$LAB_S4:9443/up/put.bin"; do
  code=$(curl_to -k --http1.1 -T "$D/put.bin" "$url") || fail "curl PUT $url failed"
  [[ $code == 201 || $code == 204 ]] || fail "curl PUT $url: HTTP $code"
done
for port in 25 2525; do
  out=$(in_client swaks --to x@lab.test --from y@lab.test --helo client.lab.test \
    --server "$LAB_S4" --port "$port" --timeout 300 --attach "@$D/attachment.bin" \
    --suppress-data 2>&1) || fail "swaks to $port failed (a step was refused): $(tail -5 <<<"$out")"
done

kill -INT "$TCPDUMP_PID"
wait_for "! kill -0 $TCPDUMP_PID" 20 || fail "tcpdump did not stop"
dropped=$(awk '/packets dropped by kernel/ {print $1}' "$LAB_DIR/logs/tcpdump.log")
[[ ${dropped:-0} == 0 ]] || fail "tcpdump dropped ${dropped} packets: the capture is not whole"
echo "record-long-flows: $OUT: $(capinfos -c -M "$OUT" | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}') frames," \
  "$(( $(stat -c %s "$OUT") / 1048576 )) MiB"
