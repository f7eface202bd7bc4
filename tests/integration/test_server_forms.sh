#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# integration.server_forms (issue 20): what real servers accept, protoport names. openssl
# s_server answers a ClientHello in one record, fragmented over two records (1 byte first, one
# segment), and over two records in two segments (4 bytes first); nginx answers a request line
# after an empty line and one with doubled spaces. `protoport watch` on the server's veth sees
# only the client's bytes and must name each ssl or http: one mismatch row per port, every flow.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/lab_test.sh"

lab_up
peer_tls 4433
peer_http 8081
peers_wait

send() { in_client /usr/bin/python3 "$HERE/lib/send_forms.py" "$@" || fail "$*: the server did not answer as its protocol"; }

printf '%s\n' "$LAB_C4 $LAB_S4 ssl 4433 tcp 3" "$LAB_C4 $LAB_S4 http 8081 tcp 2" >"$LAB_DIR/expect"
pp_watch_start forms "$LAB_NS_S" "$LAB_IF_S" --format json --interval 0
for form in tls-one-record tls-split-1 tls-split-4-two-segments; do send "$form" "$LAB_S4" 4433; done
for form in http-leading-crlf http-double-spaces; do send "$form" "$LAB_S4" 8081; done
pp_watch_stop forms INT
if ! /usr/bin/python3 "$HERE/lib/check_report.py" --expect "$LAB_DIR/expect" \
     --json "$LAB_DIR/forms.out" --stderr "$LAB_DIR/forms.err"; then
  fail "output (above); it was:"
  cat "$LAB_DIR/forms.out" "$LAB_DIR/forms.err" >&2
fi

if (( fails )); then echo "server_forms: $fails failure(s)" >&2; exit 1; fi
echo "server_forms: ok"
