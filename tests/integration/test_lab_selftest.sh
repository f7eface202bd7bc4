#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# integration.lab_selftest: the lab and the real peers work, without protoport.
#  1. every peer on its standard port and one odd port, each client exchange over IPv4 and IPv6;
#  2. lab_down leaves nothing behind: after a normal end, a failure under set -e, SIGTERM, and
#     (via the next lab_up's reaper) SIGKILL: no namespace, no temp dir, no process.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/lab.sh"
source "$HERE/lib/require.sh"
require_root
require_peer_tools

STATE=$(mktemp -d /tmp/pp-selftest.XXXXXX)
trap 'rm -rf "$STATE"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# A child bash that sources the libraries; its lab_up owns the lab. It records what to check
# afterwards in $STATE/<case>: namespace names, temp dir, and the pids it started.
child() {
  local case=$1 body=$2
  bash -c "set -euo pipefail; source '$HERE/lib/lab.sh'; source '$HERE/lib/peers.sh'
    record() { { echo \"\$LAB_NS_C \$LAB_NS_S \$LAB_DIR \$\$\"; cat \"\$LAB_DIR\"/pids/* 2>/dev/null | tr '\n' ' '; echo; } >'$STATE/$case.tmp'
               mv '$STATE/$case.tmp' '$STATE/$case'; }
    $body"
}

# The pid of the bash that called lab_up (not the background subshell around it).
owner_of() { awk 'NR == 1 {print $4}' "$STATE/$1"; }

# Nothing of the lab recorded in $STATE/<case> may remain.
check_gone() {
  local case=$1 ns_c ns_s dir owner pids p
  [[ -f $STATE/$case ]] || { fail "$case: child recorded no state"; return; }
  { read -r ns_c ns_s dir owner; read -r pids || true; } <"$STATE/$case"
  ip netns list | awk '{print $1}' | grep -qxF "$ns_c" && fail "$case: namespace $ns_c left"
  ip netns list | awk '{print $1}' | grep -qxF "$ns_s" && fail "$case: namespace $ns_s left"
  [[ -e $dir ]] && fail "$case: temp dir $dir left"
  [[ -n $pids ]] || fail "$case: no peer pids were recorded"
  for p in $pids; do
    # A zombie (state Z) holds nothing: it waits for pid 1 to reap it after an orphaning SIGKILL.
    if kill -0 "$p" 2>/dev/null && [[ $(awk '{print $3}' "/proc/$p/stat" 2>/dev/null) != Z ]]; then
      fail "$case: process $p ($(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)) left"
    fi
  done
  return 0
}

# --- 1. peers and clients -------------------------------------------------------------------
t0=$(date +%s%N)
if ! child exchange '
  lab_up
  t=$(date +%s%N)
  peer_dns 53 5300; peer_http 80 8081; peer_https 443 9443; peer_tls 8443 4433
  peer_smtp 25 2526; peer_ssh 22 2222
  peers_wait
  echo "selftest: peers ready in $(( ($(date +%s%N) - t) / 1000000 )) ms"
  record
  ok=0 n=0
  try() { n=$((n + 1)); if "$@"; then ok=$((ok + 1)); else echo "FAIL: $*" >&2; fi; }
  for a in "$LAB_S4" "$LAB_S6"; do
    for p in 53 5300; do try client_dig "$a" "$p" udp; try client_dig "$a" "$p" tcp; done
    for p in 80 8081; do try client_http "$a" "$p"; done
    for p in 443 9443; do try client_https_h2 "$a" "$p"; done
    for p in 8443 4433; do try client_tls "$a" "$p" 1.2; try client_tls "$a" "$p" 1.3; done
    for p in 25 2526; do try client_smtp "$a" "$p"; done
    for p in 22 2222; do try client_ssh "$a" "$p"; done
  done
  echo "selftest: $ok/$n client exchanges succeeded"
  (( ok == n && n == 32 ))
'; then
  fail "exchange: not every client exchange succeeded"
fi
check_gone exchange
echo "selftest: case exchange took $(ms_since "$t0") ms"

# Negative control: a client against a port nobody serves must fail, or the checks prove nothing.
if ! child negative '
  lab_up; peer_http 8081; peers_wait; record
  PEERS_TIMEOUT=2
  if client_http "$LAB_S4" 8082 2>/dev/null; then echo "client_http to a closed port succeeded" >&2; exit 1; fi
  if client_dig "$LAB_S4" 5301 2>/dev/null; then echo "client_dig to a closed port succeeded" >&2; exit 1; fi
  if client_tls "$LAB_S4" 8081 1.3 2>/dev/null; then echo "client_tls to an HTTP port succeeded" >&2; exit 1; fi
'; then
  fail "negative: a client reported success without a server"
fi
check_gone negative

# --- 2. cleanup on every path -----------------------------------------------------------------
t0=$(date +%s%N)
if child failure 'lab_up; peer_http 8081; peer_smtp 2526; peers_wait; record; false; echo unreachable' 2>/dev/null; then
  fail "failure: the child should have exited non-zero"
fi
check_gone failure

child sigterm 'lab_up; peer_http 8081; peer_ssh 2222; peers_wait; record; wait_for false 30' 2>/dev/null &
pid=$!
wait_for "[[ -f $STATE/sigterm ]]" 10 || fail "sigterm: child never got its lab up"
kill -TERM "$(owner_of sigterm)"
rc=0; wait "$pid" || rc=$?
[[ $rc == 143 ]] || fail "sigterm: child exit status $rc, want 143"
check_gone sigterm

# SIGKILL runs no trap: the next lab_up (here: lab_reap_stale) must remove the orphaned lab.
child sigkill 'lab_up; peer_dns 5300; peer_tls 4433; peers_wait; record; wait_for false 30' 2>/dev/null &
pid=$!
wait_for "[[ -f $STATE/sigkill ]]" 10 || fail "sigkill: child never got its lab up"
kill -KILL "$(owner_of sigkill)"; wait "$pid" 2>/dev/null || true
lab_reap_stale 2>/dev/null
check_gone sigkill
echo "selftest: cleanup cases took $(ms_since "$t0") ms"

if (( fails )); then echo "selftest: $fails failure(s)" >&2; exit 1; fi
echo "selftest: ok"
