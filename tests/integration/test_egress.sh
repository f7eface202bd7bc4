#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# integration.egress (issue 16, part 1): what the watched host sends. The watch runs on the
# client's own veth; the client sends
#   - a DNS query (dig) to 5300/udp where nothing listens: no reply ever comes back;
#   - an HTTP request (curl) to nginx on 8081/tcp: a two-way flow.
# Three watches, the same traffic each time:
#   both (default)  rows dns/5300 and http/8081; ingress + egress counters add up to the total
#   --no-ingress    the same two rows (egress alone names the unanswered query)
#   --no-egress     http/8081 only (XDP sees the reply; the query got none): the same verdict
#                   for the two-way flow as egress alone
# Then the attachment lifecycle: a tcx link is gone with a SIGKILLed watch; the cls_bpf filter
# of kernels without tcx (--egress-legacy) is removed at exit, and one a SIGKILLed watch left is
# replaced by the next watch and removed at its exit.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/lab_test.sh"

lab_up
peer_http 8081
peers_wait

traffic() {
  in_client dig +tries=1 +time=1 @"$LAB_S4" -p 5300 exfil.lab.test >/dev/null 2>&1 || true
  in_client curl -sf -o /dev/null "http://$LAB_S4:8081/" || fail "curl to 8081 failed"
}

# rows NAME: "app dest_port transport rule src_ip", sorted, from the watch's report rows.
rows() {
  grep '"event":"report_row"' "$LAB_DIR/$1.out" | /usr/bin/python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    print(r["app"], r["dest_port"], r["transport"], r["rule"], r["src_ip"])' | sort
}

run_watch() {
  local name=$1; shift
  pp_watch_start "$name" "$LAB_NS_C" "$LAB_IF_C" --format json --interval 0 "$@"
  traffic
  pp_watch_stop "$name"
  (( PP_RC == 0 )) || fail "$name: watch exited $PP_RC: $(tail -3 "$LAB_DIR/$name.err")"
}

DNS_ROW="dns 5300 udp dns-unexpected-port $LAB_C4"
HTTP_ROW="http 8081 tcp http-unexpected-port $LAB_C4"

run_watch both
expect=$(printf '%s\n' "$DNS_ROW" "$HTTP_ROW" | sort)
[[ $(rows both) == "$expect" ]] || fail "both hooks: rows $(rows both | tr '\n' ';'), want $(tr '\n' ';' <<<"$expect")"
counter() {  # counter NAME INSTANCE COUNTER
  grep "\"instance\":\"$2\"" "$LAB_DIR/$1.err" | grep -o "\"$3\":[0-9]*" | tail -1 | cut -d: -f2
}
for c in packets sampled flows_created no_payload already_sampled; do
  total=$(counter both "this watch" "$c")
  in=$(counter both "this watch: ingress (XDP)" "$c")
  out=$(counter both "this watch: egress (TC)" "$c")
  [[ -n $total && -n $in && -n $out ]] || { fail "both hooks: counter $c missing"; continue; }
  (( total == in + out )) || fail "both hooks: $c total $total != ingress $in + egress $out"
done
(( $(counter both "this watch: egress (TC)" sampled) >= 2 )) || fail "both hooks: egress sampled less than the two requests"
# One flow, one entry: each of the two flows was created once, by its first packet (egress).
(( $(counter both "this watch" flows_created) == 2 )) || fail "both hooks: flows_created $(counter both "this watch" flows_created), want 2"

run_watch egress --no-ingress
[[ $(rows egress) == "$expect" ]] || fail "egress only: rows $(rows egress | tr '\n' ';')"

run_watch ingress --no-egress
[[ $(rows ingress) == "$HTTP_ROW" ]] || fail "ingress only: rows $(rows ingress | tr '\n' ';'), want $HTTP_ROW"
grep -q '"event":"kernel_counters".*egress' "$LAB_DIR/ingress.err" && fail "ingress only: egress counters printed"

# Lifecycle. tcx: a SIGKILLed watch leaves no egress program behind (the link died with it).
pp_watch_start killed "$LAB_NS_C" "$LAB_IF_C"
pp_watch_stop killed KILL
wait_for "! bpftool prog show 2>/dev/null | grep -q 'name protoport_tc_eg'" 5 \
  || fail "tcx: an egress program outlived its SIGKILLed watch"

legacy_filter() { in_client tc filter show dev "$LAB_IF_C" egress 2>/dev/null | grep -c 'protoport_tc_eg' || true; }
run_watch legacy --egress-legacy --no-ingress
[[ $(rows legacy) == "$expect" ]] || fail "legacy filter: rows $(rows legacy | tr '\n' ';')"
[[ $(legacy_filter) == 0 ]] || fail "legacy filter: still there after the watch exited"
pp_watch_start legacy_killed "$LAB_NS_C" "$LAB_IF_C" --egress-legacy --no-ingress
pp_watch_stop legacy_killed KILL
[[ $(legacy_filter) == 1 ]] || fail "legacy filter: a SIGKILLed watch's filter should be left (got $(legacy_filter))"
run_watch legacy_again --egress-legacy --no-ingress
[[ $(rows legacy_again) == "$expect" ]] || fail "legacy filter over a stale one: rows $(rows legacy_again | tr '\n' ';')"
[[ $(legacy_filter) == 0 ]] || fail "legacy filter: the stale filter was not replaced and removed"

(( fails == 0 )) && echo "egress: ok"
exit $(( fails > 0 ))
