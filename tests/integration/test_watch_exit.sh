#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# integration.watch_exit: a watch that dies without running its destructors leaves nothing
# attached, so that the next start (e.g. systemd's Restart=on-failure) is not refused.
#  1. SIGKILL: no XDP program on the interface afterwards (ip link and bpftool agree); the next
#     watch attaches;
#  2. stdout closed by its reader (`protoport watch | head -1`): the watch is not killed by
#     SIGPIPE; it says so once on stderr and keeps writing rows to --output; after SIGINT
#     nothing is attached and the next watch attaches; the same with --dump (a line per sample).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/lab_test.sh"

# no_xdp WHEN: nothing attached to the server's interface, as ip link and bpftool see it.
no_xdp() {
  local st net
  wait_for "[[ \$(pp_xdp_state $LAB_NS_S $LAB_IF_S) == none ]]" 5 \
    || fail "$1: XDP left on $LAB_IF_S: $(pp_xdp_state "$LAB_NS_S" "$LAB_IF_S")"
  net=$(in_server bpftool -j net show dev "$LAB_IF_S")
  [[ $net == *'"xdp":[]'* ]] || fail "$1: bpftool net still shows XDP on $LAB_IF_S: $net"
  st=$(in_server ip -d link show dev "$LAB_IF_S")
  if [[ $st == *prog/xdp* ]]; then
    fail "$1: ip -d link show still shows XDP: $st"
    # Left attached through netlink (what protoport did before links): remove it so that the
    # next case runs on a clean interface.
    in_server ip link set dev "$LAB_IF_S" xdpdrv off 2>/dev/null || true
    in_server ip link set dev "$LAB_IF_S" xdpgeneric off 2>/dev/null || true
  fi
}

# next_start WHEN: a new watch attaches and stops cleanly.
next_start() {
  if pp_watch_start "next-$1" "$LAB_NS_S" "$LAB_IF_S" --interval 0; then
    pp_watch_stop "next-$1" INT
    [[ $PP_RC == 0 ]] || fail "$1: the next watch exited $PP_RC after SIGINT"
  else
    fail "$1: the next watch did not attach"
  fi
}

lab_up
peer_http 8081 8082
peers_wait

# --- 1. SIGKILL --------------------------------------------------------------------------------
pp_watch_start killed "$LAB_NS_S" "$LAB_IF_S" --interval 0
kill -KILL "${PP_PID[killed]}"
pp_watch_stop killed INT  # reaps it
no_xdp "after SIGKILL"
next_start sigkill

# --- 2. SIGPIPE: the reader of stdout goes away ----------------------------------------------------
# CSV prints its header at start: head -1 reads it and exits, so the first row hits a closed pipe.
mkfifo "$LAB_DIR/pipe"
head -n 1 <"$LAB_DIR/pipe" >"$LAB_DIR/head.out" &
head_pid=$!
ip netns exec "$LAB_NS_S" "$PP_BIN" watch -i "$LAB_IF_S" --format csv --interval 0 \
  --output "$LAB_DIR/rows.json" >"$LAB_DIR/pipe" 2>"$LAB_DIR/piped.err" </dev/null &
watch_pid=$!
wait_for "[[ \$(pp_xdp_state $LAB_NS_S $LAB_IF_S) == *' protoport_xdp' ]] || ! _pp_alive $watch_pid" 15 || true
wait_for "! _pp_alive $head_pid" 10 || fail "head -1 did not exit after the CSV header"
wait "$head_pid" || true
port=8081
for port in 8081 8082; do
  out=$(in_client curl -sS --max-time 5 --http1.1 "http://$LAB_S4:$port/" 2>&1) || true
  [[ $out == "$PEERS_HTTP_BODY" ]] || fail "curl to $port: '$out'"
  wait_for "grep -q '\"dest_port\":$port' '$LAB_DIR/rows.json' || ! _pp_alive $watch_pid" 5 || true
  _pp_alive "$watch_pid" || break
done
if _pp_alive "$watch_pid"; then
  grep -q '"dest_port":8082' "$LAB_DIR/rows.json" \
    || fail "rows stopped reaching --output after stdout broke: $(cat "$LAB_DIR/rows.json")"
  n=$(grep -c "standard output" "$LAB_DIR/piped.err" || true)
  [[ $n == 1 ]] || fail "want the stdout failure said once on stderr, said $n times: $(cat "$LAB_DIR/piped.err")"
  kill -INT "$watch_pid"
  wait_for "! _pp_alive $watch_pid" 10 || fail "watch did not exit on SIGINT"
fi
rc=0
wait "$watch_pid" || rc=$?
# 128+13: killed by SIGPIPE, what `watch | head -1` did before.
[[ $rc == 0 ]] || fail "watch with a closed stdout exited $rc (141 = killed by SIGPIPE), want 0: $(cat "$LAB_DIR/piped.err")"
no_xdp "after stdout was closed"
next_start sigpipe

# --- 3. the same with --dump: a line per sample; head -1 takes the first, the next hits EPIPE ------
rm -f "$LAB_DIR/pipe"
mkfifo "$LAB_DIR/pipe"
head -n 1 <"$LAB_DIR/pipe" >"$LAB_DIR/head-dump.out" &
head_pid=$!
ip netns exec "$LAB_NS_S" "$PP_BIN" watch -i "$LAB_IF_S" --dump >"$LAB_DIR/pipe" \
  2>"$LAB_DIR/dump.err" </dev/null &
watch_pid=$!
wait_for "[[ \$(pp_xdp_state $LAB_NS_S $LAB_IF_S) == *' protoport_xdp' ]] || ! _pp_alive $watch_pid" 15 || true
for port in 8081 8082; do
  in_client curl -sS --max-time 5 --http1.1 "http://$LAB_S4:$port/" >/dev/null 2>&1 || true
  wait_for "grep -q 'standard output' '$LAB_DIR/dump.err' || ! _pp_alive $watch_pid" 2 || true
done
wait "$head_pid" || true
[[ -s $LAB_DIR/head-dump.out ]] || fail "--dump: head -1 got no sample line"
if _pp_alive "$watch_pid"; then
  n=$(grep -c "standard output" "$LAB_DIR/dump.err" || true)
  [[ $n == 1 ]] || fail "--dump: want the stdout failure said once, said $n times: $(cat "$LAB_DIR/dump.err")"
  kill -INT "$watch_pid"
  wait_for "! _pp_alive $watch_pid" 10 || fail "--dump: watch did not exit on SIGINT"
fi
rc=0
wait "$watch_pid" || rc=$?
[[ $rc == 0 ]] || fail "watch --dump with a closed stdout exited $rc (141 = killed by SIGPIPE), want 0"
no_xdp "after --dump's stdout was closed"
next_start dump

if ((fails)); then
  echo "watch_exit: $fails failure(s)" >&2
  exit 1
fi
echo "watch_exit: ok"
