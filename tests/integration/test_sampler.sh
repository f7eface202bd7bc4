#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# integration.sampler (issue 2): the kernel sampler on real traffic, seen through --dump.
#  1. samples: `watch --dump` on the server's veth and on the client's at once; curl (TCP) and
#     dig (UDP) on odd ports, IPv4 and IPv6, from fixed client ports: each side's samples have
#     the exact 5-tuples, directions, sequence numbers, lengths and payload starts, and the
#     kernel counters add up (sampled = lines printed, one flow per exchange, nothing lost);
#     `protoport stats` sees both running watches; SIGINT detaches (nothing left on either veth);
#  2. refusal: with a foreign XDP program on the interface (ip link ... xdpgeneric obj), and
#     with a running protoport, a new watch in each --xdp-mode exits 1 with one clear line and
#     leaves the attached program in place (the running watch keeps sampling); SIGTERM detaches;
#  3. interface deleted while attached (native on the server side, generic on the client side,
#     deleted from the peer): the watch says so and exits 1 within seconds, with its counters.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/lab_test.sh"
# The BPF object, for attaching a program protoport did not attach (ctest passes its path).
BPF_OBJ=${PROTOPORT_BPF_OBJ:-$(dirname "$PP_BIN")/../../bpf-gen/protoport_bpf.bpf.o}
[[ -f $BPF_OBJ ]] || { echo "integration: no BPF object at $BPF_OBJ (set PROTOPORT_BPF_OBJ)" >&2; exit 1; }

t_start=$(date +%s%N)
phase() { echo "sampler: $1 ($(( ($(date +%s%N) - t_start) / 1000000 )) ms)"; }

lab_up
peer_http 8081
peer_dns 5300
peers_wait
phase "lab and peers up"

# --- 1. samples on both sides ----------------------------------------------------------------
# The XDP sampler on its own (--no-egress): what each side's interface receives, exactly. The
# egress hook and both hooks together: integration.egress.
pp_watch_start srv "$LAB_NS_S" "$LAB_IF_S" --dump --no-egress
pp_watch_start cli "$LAB_NS_C" "$LAB_IF_C" --dump --no-egress
stats=$(in_server "$PP_BIN" stats --json) || fail "protoport stats failed: $stats"
# Other watches may run on this machine too (stats sees every instance in the kernel).
(( $(grep -c '"sampled"' <<<"$stats") >= 2 )) || fail "protoport stats shows fewer than our 2 watches: $stats"

# Fixed client ports make the 5-tuples known in advance.
exchanges=(
  http "$LAB_C4" 40001 "$LAB_S4" 8081
  dns  "$LAB_C4" 40002 "$LAB_S4" 5300
  http "$LAB_C6" 40003 "$LAB_S6" 8081
  dns  "$LAB_C6" 40004 "$LAB_S6" 5300
)
for ((i = 0; i < ${#exchanges[@]}; i += 5)); do
  kind=${exchanges[i]} cip=${exchanges[i+1]} cport=${exchanges[i+2]} sip=${exchanges[i+3]} sport=${exchanges[i+4]}
  if [[ $kind == http ]]; then
    out=$(in_client curl -sS -g --max-time 5 --http1.1 --local-port "$cport" \
      "http://$(_peers_url_host "$sip"):$sport/" 2>&1) || true
    [[ $out == "$PEERS_HTTP_BODY" ]] || fail "curl from port $cport to $sip:$sport: '$out'"
  else
    type=A; [[ $sip == *:* ]] && type=AAAA
    out=$(in_client dig -b "$cip#$cport" @"$sip" -p "$sport" +short +time=2 +tries=1 \
      "$PEERS_NAME" "$type" 2>&1) || true
    [[ $out == "$sip" ]] || fail "dig from port $cport to $sip:$sport: '$out'"
  fi
done

pp_watch_stop srv INT; rc_srv=$PP_RC
pp_watch_stop cli INT; rc_cli=$PP_RC
[[ $rc_srv == 0 && $rc_cli == 0 ]] || fail "watch --dump exit status after SIGINT: server $rc_srv, client $rc_cli (want 0)"
for side in "$LAB_NS_S $LAB_IF_S" "$LAB_NS_C $LAB_IF_C"; do
  # shellcheck disable=SC2086
  st=$(pp_xdp_state $side)
  [[ $st == none ]] || fail "XDP left on ${side#* } after SIGINT: $st"
done
ex_args=()
for ((i = 0; i < ${#exchanges[@]}; i += 5)); do ex_args+=(--exchange "${exchanges[@]:i:5}"); done
/usr/bin/python3 "$HERE/lib/check_dump.py" --side server --dump "$LAB_DIR/srv.out" \
  --stderr "$LAB_DIR/srv.err" "${ex_args[@]}" || fail "server-side samples (above)"
/usr/bin/python3 "$HERE/lib/check_dump.py" --side client --dump "$LAB_DIR/cli.out" \
  --stderr "$LAB_DIR/cli.err" --peer-dump "$LAB_DIR/srv.out" "${ex_args[@]}" || fail "client-side samples (above)"
if (( fails )); then
  for f in srv.out srv.err cli.out cli.err; do echo "--- $f"; cat "$LAB_DIR/$f"; done >&2
fi
phase "samples checked"

# --- 2. refusing to replace an attached program -----------------------------------------------
# refuse_all WHAT: a watch in each mode must exit 1, with one line naming the interface and the
# program in place, and must leave that program attached.
refuse_all() {
  local what=$1 before after mode rc err id
  before=$(pp_xdp_state "$LAB_NS_S" "$LAB_IF_S")
  read -r _ id _ <<<"$before"
  for mode in auto native generic; do
    rc=0
    err=$(in_server timeout 20 "$PP_BIN" watch -i "$LAB_IF_S" --xdp-mode "$mode" --duration 5 2>&1 >/dev/null) || rc=$?
    [[ $rc == 1 ]] || fail "$what, --xdp-mode $mode: exit status $rc, want 1"
    [[ $(wc -l <<<"$err") == 1 && $err == *"$LAB_IF_S"*"already has an XDP program attached (id $id)"* ]] \
      || fail "$what, --xdp-mode $mode: want one line naming $LAB_IF_S and the program, got: $err"
    after=$(pp_xdp_state "$LAB_NS_S" "$LAB_IF_S")
    [[ $after == "$before" ]] || fail "$what, --xdp-mode $mode: XDP on $LAB_IF_S was '$before', now '$after'"
  done
}

in_server ip link set dev "$LAB_IF_S" xdpgeneric obj "$BPF_OBJ" sec xdp.frags \
  || fail "could not attach a foreign XDP program with ip link"
foreign=$(pp_xdp_state "$LAB_NS_S" "$LAB_IF_S")
[[ $foreign == xdpgeneric* ]] || fail "foreign program not attached: $foreign"
refuse_all "foreign program attached by ip link"
in_server ip link set dev "$LAB_IF_S" xdpgeneric off
[[ $(pp_xdp_state "$LAB_NS_S" "$LAB_IF_S") == none ]] || fail "could not detach the foreign program"

pp_watch_start first "$LAB_NS_S" "$LAB_IF_S" --dump --xdp-mode native
[[ $(pp_xdp_state "$LAB_NS_S" "$LAB_IF_S") == "xdp "* ]] || fail "--xdp-mode native did not attach natively: $(pp_xdp_state "$LAB_NS_S" "$LAB_IF_S")"
refuse_all "a protoport watch running"
# The running watch was not disturbed: it still samples.
out=$(in_client curl -sS --max-time 5 --http1.1 --local-port 40005 "http://$LAB_S4:8081/" 2>&1) || true
[[ $out == "$PEERS_HTTP_BODY" ]] || fail "curl while the first watch runs: '$out'"
wait_for "grep -qF '$LAB_C4:40005 -> $LAB_S4:8081 dir=to-responder' '$LAB_DIR/first.out'" 5 \
  || fail "the first watch stopped sampling after the refused attempts"
pp_watch_stop first TERM
[[ $PP_RC == 0 ]] || fail "watch exit status after SIGTERM: $PP_RC, want 0"
[[ $(pp_xdp_state "$LAB_NS_S" "$LAB_IF_S") == none ]] || fail "XDP left on $LAB_IF_S after SIGTERM"
phase "refusals checked"

# --- 3. the interface disappears while attached -------------------------------------------------
# gone_case NAME NS IF MODE DEL_NS DEL_IF: attach to IF, delete DEL_IF (the veth or its peer:
# either removes both), expect a clean stop.
gone_case() {
  local name=$1 ns=$2 ifc=$3 mode=$4 del_ns=$5 del_if=$6
  pp_watch_start "$name" "$ns" "$ifc" --xdp-mode "$mode" || { fail "$name: no attach"; return; }
  ip -n "$del_ns" link del "$del_if"
  if ! wait_for "! _pp_alive ${PP_PID[$name]}" 5; then
    fail "$name: watch still running 5 s after $del_if was deleted"
  fi
  pp_watch_stop "$name" INT
  [[ $PP_RC == 1 ]] || fail "$name: exit status $PP_RC, want 1 (no interface left to watch)"
  grep -q "^protoport: $ifc: interface disappeared; no longer watching it\$" "$LAB_DIR/$name.err" \
    && grep -q "^protoport: no interface left to watch\$" "$LAB_DIR/$name.err" \
    && grep -q "^kernel counters" "$LAB_DIR/$name.err" \
    || { fail "$name: stderr lacks the disappearance message or the counters:"; cat "$LAB_DIR/$name.err" >&2; }
}
gone_case gone-native "$LAB_NS_S" "$LAB_IF_S" native "$LAB_NS_S" "$LAB_IF_S"
ip link add "$LAB_IF_C" netns "$LAB_NS_C" type veth peer name "$LAB_IF_S" netns "$LAB_NS_S"
ip -n "$LAB_NS_C" link set "$LAB_IF_C" up
ip -n "$LAB_NS_S" link set "$LAB_IF_S" up
gone_case gone-generic "$LAB_NS_C" "$LAB_IF_C" generic "$LAB_NS_S" "$LAB_IF_S"
phase "interface removal checked"

if (( fails )); then echo "sampler: $fails failure(s)" >&2; exit 1; fi
echo "sampler: ok"
