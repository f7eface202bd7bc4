# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Network-namespace lab for integration tests; source it from bash, then call lab_up.
#
#   client ns  LAB_NS_C  [LAB_IF_C] 192.0.2.1/24 2001:db8::1/64
#                             | veth
#   server ns  LAB_NS_S  [LAB_IF_S] 192.0.2.2/24 2001:db8::2/64
#
# Names carry the shell's pid and a random number, so two runs never collide, and a lab whose
# owner died (SIGKILL, e.g. a ctest timeout) is reaped by the next lab_up. lab_up installs
# traps so that lab_down runs on every exit path: normal end, failure under `set -e`, SIGINT,
# SIGTERM. Processes must be started in the namespaces (in_client/in_server/lab_spawn) so that
# lab_down can find and stop them by namespace membership.
#
# XDP on these veths (kernel 6.18, checked with a counting XDP program, see
# tests/integration/README.md): XDP only sees a device's ingress, so a program on LAB_IF_S sees
# what the client sends, one on LAB_IF_C sees only replies. Native (driver) mode works for plain
# receive on veth: packets sent by the peer go through the veth's NAPI path and reach the
# program. Attaching a native program that does not declare frags support makes the veth
# refuse MTUs above about 3.5 kB and turn off GSO on the peer, so TCP arrives MTU-sized; the
# default MTU 1500 is fine. The "peer needs an XDP program or GRO" rule only applies to frames
# XDP_REDIRECTed into a veth (ndo_xdp_xmit), which protoport never does. Generic mode works too.

LAB_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_NS_PREFIX_C=pp-c-
LAB_NS_PREFIX_S=pp-s-
LAB_C4=192.0.2.1
LAB_S4=192.0.2.2
LAB_C6=2001:db8::1
LAB_S6=2001:db8::2
LAB_IF_C=ppc0
LAB_IF_S=pps0
export LAB_C4 LAB_S4 LAB_C6 LAB_S6 LAB_IF_C LAB_IF_S
_LAB_ACTIVE=0

lab_log() { echo "lab: $*" >&2; }
lab_die() { echo "lab: error: $*" >&2; exit 1; }

# wait_for CONDITION TIMEOUT_S: evaluates CONDITION (a shell command string) until it succeeds;
# fails after TIMEOUT_S seconds (fractions allowed). Polls every 50 ms.
wait_for() {
  local cond=$1 timeout=${2:-10}
  local deadline=$(( $(date +%s%N) + ${timeout%.*} * 1000000000 ))
  if [[ $timeout == *.* ]]; then
    local frac=${timeout#*.}000000000
    deadline=$(( deadline + 10#${frac:0:9} ))
  fi
  while ! eval "$cond" >/dev/null 2>&1; do
    if (( $(date +%s%N) >= deadline )); then
      echo "lab: timed out after ${timeout}s waiting for: $cond" >&2
      return 1
    fi
    sleep 0.05
  done
}

in_client() { ip netns exec "$LAB_NS_C" "$@"; }
in_server() { ip netns exec "$LAB_NS_S" "$@"; }

# _lab_listening NS PROTO(t|u) PORT [ADDR...]: true when a socket in NS listens on PORT for every
# ADDR given (or on any address when none is given).
_lab_listening() {
  local ns=$1 proto=$2 port=$3; shift 3
  local out
  out=$(ip netns exec "$ns" ss -Hn"$proto"l "sport = :$port" 2>/dev/null) || return 1
  [[ -n $out ]] || return 1
  local a
  for a in "$@"; do
    if [[ $a == *:* ]]; then grep -qF "[$a]:$port " <<<"$out" || return 1
    else grep -qF "$a:$port " <<<"$out" || return 1
    fi
  done
}

# wait_tcp_listen NS PORT [TIMEOUT_S [ADDR...]] / wait_udp_listen: poll until bound.
wait_tcp_listen() {
  local ns=$1 port=$2 timeout=${3:-10}; shift $(( $# < 3 ? $# : 3 ))
  wait_for "_lab_listening $ns t $port $*" "$timeout"
}
wait_udp_listen() {
  local ns=$1 port=$2 timeout=${3:-10}; shift $(( $# < 3 ? $# : 3 ))
  wait_for "_lab_listening $ns u $port $*" "$timeout"
}

# lab_spawn NS NAME CMD...: start CMD in the background inside NS, stdout+stderr to
# $LAB_DIR/logs/NAME.log, pid in $LAB_DIR/pids/NAME. Prints nothing; the pid is in LAB_LAST_PID.
lab_spawn() {
  local ns=$1 name=$2; shift 2
  ip netns exec "$ns" "$@" >"$LAB_DIR/logs/$name.log" 2>&1 </dev/null &
  LAB_LAST_PID=$!
  disown "$LAB_LAST_PID"   # lab_down reaps it; keeps bash from printing "Terminated" lines
  echo "$LAB_LAST_PID" >"$LAB_DIR/pids/$name"
}

# _lab_stop_ns NS: TERM every process in NS, wait up to 3 s, then KILL what is left.
_lab_stop_ns() {
  local ns=$1 pids
  pids=$(ip netns pids "$ns" 2>/dev/null) || return 0
  [[ -n $pids ]] || return 0
  kill -TERM $pids 2>/dev/null || true
  wait_for "[[ -z \$(ip netns pids $ns 2>/dev/null) ]]" 3 2>/dev/null && return 0
  pids=$(ip netns pids "$ns" 2>/dev/null) || return 0
  [[ -z $pids ]] || kill -KILL $pids 2>/dev/null || true
  wait_for "[[ -z \$(ip netns pids $ns 2>/dev/null) ]]" 2 || true
}

_lab_del_ns() {
  local ns=$1
  _lab_stop_ns "$ns"
  ip netns del "$ns" 2>/dev/null || true
}

# Removes labs left behind by a shell that no longer exists (killed with SIGKILL).
lab_reap_stale() {
  local ns owner
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
    [[ $ns == "$LAB_NS_PREFIX_C"* || $ns == "$LAB_NS_PREFIX_S"* ]] || continue
    owner=${ns#pp-?-}; owner=${owner%%-*}
    [[ $owner =~ ^[0-9]+$ ]] || continue
    if ! kill -0 "$owner" 2>/dev/null; then
      lab_log "removing stale namespace $ns (owner $owner is gone)"
      _lab_del_ns "$ns"
    fi
  done
  local d
  for d in /tmp/pp-lab.*; do
    [[ -d $d && -f $d/owner ]] || continue
    owner=$(<"$d/owner")
    [[ $owner =~ ^[0-9]+$ ]] && ! kill -0 "$owner" 2>/dev/null && rm -rf "$d"
  done
  return 0
}

lab_down() {
  (( _LAB_ACTIVE )) || return 0
  _LAB_ACTIVE=0
  [[ -n ${LAB_DIR:-} && -d $LAB_DIR/pre-down.d ]] && for f in "$LAB_DIR"/pre-down.d/*; do
    [[ -f $f ]] && source "$f"
  done
  _lab_del_ns "$LAB_NS_C"
  _lab_del_ns "$LAB_NS_S"
  [[ -n ${LAB_DIR:-} && -d $LAB_DIR && $LAB_DIR == /tmp/pp-lab.* ]] && rm -rf "$LAB_DIR"
  return 0
}

_lab_on_signal() { lab_down; trap - EXIT; exit "$1"; }

lab_up() {
  [[ $(id -u) -eq 0 ]] || lab_die "the lab needs root (network namespaces)"
  command -v ip >/dev/null || lab_die "ip (iproute2) not found"
  (( _LAB_ACTIVE )) && lab_die "lab_up called twice"
  lab_reap_stale
  local id="$$-$RANDOM"
  LAB_NS_C=$LAB_NS_PREFIX_C$id
  LAB_NS_S=$LAB_NS_PREFIX_S$id
  LAB_DIR=$(mktemp -d /tmp/pp-lab.XXXXXX)
  echo $$ >"$LAB_DIR/owner"
  mkdir -p "$LAB_DIR/logs" "$LAB_DIR/pids" "$LAB_DIR/pre-down.d"
  export LAB_NS_C LAB_NS_S LAB_DIR
  _LAB_ACTIVE=1
  trap 'lab_down' EXIT
  trap '_lab_on_signal 130' INT
  trap '_lab_on_signal 143' TERM
  trap '_lab_on_signal 129' HUP

  ip netns add "$LAB_NS_C" || lab_die "cannot create namespace $LAB_NS_C"
  ip netns add "$LAB_NS_S" || lab_die "cannot create namespace $LAB_NS_S"
  # Created directly inside the namespaces: no interface ever appears in the root namespace.
  ip link add "$LAB_IF_C" netns "$LAB_NS_C" type veth peer name "$LAB_IF_S" netns "$LAB_NS_S" \
    || lab_die "cannot create veth pair"
  local ns ifc a4 a6
  for ns in "$LAB_NS_C" "$LAB_NS_S"; do
    if [[ $ns == "$LAB_NS_C" ]]; then ifc=$LAB_IF_C a4=$LAB_C4 a6=$LAB_C6
    else ifc=$LAB_IF_S a4=$LAB_S4 a6=$LAB_S6; fi
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "$a4/24" dev "$ifc"
    ip -n "$ns" addr add "$a6/64" dev "$ifc" nodad
    ip -n "$ns" link set "$ifc" up
  done
  LAB_MAC_C=$(ip -n "$LAB_NS_C" -br link show "$LAB_IF_C" | awk '{print $3}')
  LAB_MAC_S=$(ip -n "$LAB_NS_S" -br link show "$LAB_IF_S" | awk '{print $3}')
  export LAB_MAC_C LAB_MAC_S
  # Both ends up and carrier on: otherwise the first packets of a test vanish.
  wait_for "ip -n $LAB_NS_C -br link show $LAB_IF_C | grep -q ' UP '" 5 || lab_die "client veth not up"
  wait_for "ip -n $LAB_NS_S -br link show $LAB_IF_S | grep -q ' UP '" 5 || lab_die "server veth not up"
  # Static neighbours: no ARP/NDP exchange for the tests' first packets to wait on or for XDP
  # to see. The addresses stay reachable in both families at once.
  ip -n "$LAB_NS_C" neigh replace "$LAB_S4" lladdr "$LAB_MAC_S" dev "$LAB_IF_C" nud permanent
  ip -n "$LAB_NS_C" neigh replace "$LAB_S6" lladdr "$LAB_MAC_S" dev "$LAB_IF_C" nud permanent
  ip -n "$LAB_NS_S" neigh replace "$LAB_C4" lladdr "$LAB_MAC_C" dev "$LAB_IF_S" nud permanent
  ip -n "$LAB_NS_S" neigh replace "$LAB_C6" lladdr "$LAB_MAC_C" dev "$LAB_IF_S" nud permanent
  lab_log "up: $LAB_NS_C/$LAB_IF_C ($LAB_C4, $LAB_C6) <-> $LAB_NS_S/$LAB_IF_S ($LAB_S4, $LAB_S6), dir $LAB_DIR"
}

# lab_on_down 'shell code': run the code at the start of lab_down (before namespaces go away),
# e.g. to stop protoport with SIGINT so that it detaches cleanly and prints its report.
lab_on_down() {
  local n
  n=$(ls "$LAB_DIR/pre-down.d" | wc -l)
  printf '%s\n' "$1" >"$LAB_DIR/pre-down.d/$(printf '%03d' "$n")"
}
