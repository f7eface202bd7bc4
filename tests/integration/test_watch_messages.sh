#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# integration.watch_messages: messages name the real cause and the fix.
#  1. a second watch on an interface is told that a protoport watch, and which pid, holds it;
#  2. missing capabilities are named: CAP_PERFMON (the verifier would otherwise be blamed),
#     CAP_NET_ADMIN for loading XDP, CAP_SYS_ADMIN for `protoport stats` (CAP_BPF is not enough
#     to walk map ids); run as nobody with a chosen capability set (setpriv, ambient caps);
#  3. interface names with terminal escapes are printed escaped (\x1b), never raw.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/lab_test.sh"
BPF_OBJ=${PROTOPORT_BPF_OBJ:-$(dirname "$PP_BIN")/../../bpf-gen/protoport_bpf.bpf.o}
[[ -f $BPF_OBJ ]] || { echo "integration: no BPF object at $BPF_OBJ (set PROTOPORT_BPF_OBJ)" >&2; exit 1; }
ESC=$'\e'

# expect_line WHAT RC WANT_RC OUTPUT PATTERN...: exit status, one line, each fixed PATTERN in it.
expect_line() {
  local what=$1 rc=$2 want=$3 out=$4 p
  shift 4
  [[ $rc == "$want" ]] || fail "$what: exit $rc, want $want: $out"
  [[ $(wc -l <<<"$out") == 1 ]] || fail "$what: want one line, got: $out"
  for p in "$@"; do [[ $out == *"$p"* ]] || fail "$what: want '$p' in: $out"; done
  [[ $out != *"$ESC"* ]] || fail "$what: raw escape byte in: $(cat -v <<<"$out")"
}

# as_nobody CAPS CMD...: CMD in the server namespace as nobody, with only CAPS (setpriv syntax).
as_nobody() {
  local caps=$1
  shift
  in_server setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps="-all,$caps" \
    --ambient-caps="-all,$caps" "$@"
}

lab_up

# --- 1. a second watch on the same interface -----------------------------------------------------
pp_watch_start first "$LAB_NS_S" "$LAB_IF_S" --interval 0
rc=0
out=$(in_server timeout 20 "$PP_BIN" watch -i "$LAB_IF_S" --duration 1 2>&1 >/dev/null) || rc=$?
expect_line "second watch" "$rc" 1 "$out" "$LAB_IF_S already has an XDP program attached (id" \
  "a protoport watch (pid ${PP_PID[first]}) is watching $LAB_IF_S"
pp_watch_stop first INT

# --- 2. capabilities ---------------------------------------------------------------------------
rc=0
out=$(as_nobody +bpf,+net_admin "$PP_BIN" watch -i "$LAB_IF_S" --duration 1 2>&1 >/dev/null) || rc=$?
expect_line "watch without CAP_PERFMON" "$rc" 1 "$out" "lacks CAP_PERFMON" "needs root"
[[ $out != *verifier* ]] || fail "watch without CAP_PERFMON blames the verifier: $out"
rc=0
out=$(as_nobody +bpf,+perfmon "$PP_BIN" watch -i "$LAB_IF_S" --duration 1 2>&1 >/dev/null) || rc=$?
expect_line "watch without CAP_NET_ADMIN" "$rc" 1 "$out" "lacks CAP_NET_ADMIN"
rc=0
out=$(as_nobody +bpf,+perfmon,+net_admin "$PP_BIN" stats 2>&1 >/dev/null) || rc=$?
expect_line "stats with CAP_BPF only" "$rc" 1 "$out" "CAP_SYS_ADMIN"
[[ $out != *"root or CAP_BPF"* ]] || fail "stats names CAP_BPF as enough: $out"

# --- 3. interface names with terminal escapes ------------------------------------------------------
bad=$'pp\e[31mred'
rc=0
out=$(in_server "$PP_BIN" watch -i "$bad" --duration 1 2>&1 >/dev/null) || rc=$?
expect_line "no such interface" "$rc" 2 "$out" 'no such interface: pp\x1b[31mred'
odd=$'pp\e[1mx'
ip -n "$LAB_NS_S" link add "$odd" type veth peer name ppodd1
ip -n "$LAB_NS_S" link set "$odd" up
ip -n "$LAB_NS_S" link set ppodd1 up
rc=0
out=$(in_server "$PP_BIN" watch -v -i "$odd" --xdp-mode generic --duration 0.2 --interval 0 2>&1 >/dev/null) || rc=$?
[[ $rc == 0 ]] || fail "watch on an interface named with an escape: exit $rc: $(cat -v <<<"$out")"
[[ $out == *'attached to pp\x1b[1mx'* && $out != *"$ESC"* ]] \
  || fail "the attach message must show the name escaped: $(cat -v <<<"$out")"
in_server ip link set dev "$odd" xdpgeneric obj "$BPF_OBJ" sec xdp.frags
rc=0
out=$(in_server "$PP_BIN" watch -i "$odd" --duration 1 2>&1 >/dev/null) || rc=$?
expect_line "refusal on an escaped name" "$rc" 1 "$out" 'interface pp\x1b[1mx already has' \
  'ip link set dev pp\x1b[1mx xdpgeneric off'

if ((fails)); then
  echo "watch_messages: $fails failure(s)" >&2
  exit 1
fi
echo "watch_messages: ok"
