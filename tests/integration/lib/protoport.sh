# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# shellcheck shell=bash
# protoport under test in the lab. Source after lab.sh; PROTOPORT names the binary (ctest sets
# it from the build). `protoport watch` runs inside a lab namespace (XDP attaches to an
# interface of the namespace it runs in), so lab_down stops it on every failure path; it
# detaches on SIGTERM like on SIGINT.
#
#   pp_require                          PROTOPORT is set and executable (else one line, exit 1)
#   pp_watch_start NAME NS IF ARGS...   start `protoport watch -i IF ARGS...` in NS, stdout to
#                                       $LAB_DIR/NAME.out, stderr to $LAB_DIR/NAME.err; returns
#                                       once its XDP program is on IF (fails if it exits first)
#   pp_watch_stop NAME [SIGNAL]         send SIGNAL (INT), wait for the exit; status in PP_RC
#   pp_xdp_state NS IF                  "none", or "MODE ID NAME" (MODE as ip-link names it:
#                                       xdp = native/driver, xdpgeneric, xdpoffload, xdpmulti)
#   pp_counter FILE NAME                a kernel counter from a watch's stderr (table or JSON)

PP_BIN=${PROTOPORT:-}
declare -gA PP_PID=()
PP_RC=

pp_require() {
  [[ -n $PP_BIN ]] || { echo "integration: PROTOPORT is not set (ctest sets it; by hand: PROTOPORT=build/userspace/cli/protoport)" >&2; exit 1; }
  [[ -x $PP_BIN ]] || { echo "integration: PROTOPORT=$PP_BIN is not an executable file" >&2; exit 1; }
}

pp_xdp_state() {
  local out mode
  out=$(ip -n "$1" link show dev "$2" 2>/dev/null) || { echo "gone"; return 0; }
  if [[ $out =~ prog/xdp\ id\ ([0-9]+)\ name\ ([^ ]+) ]]; then
    mode=unknown
    [[ $out =~ \ (xdp|xdpgeneric|xdpoffload|xdpmulti)\  ]] && mode=${BASH_REMATCH[1]}
    [[ $out =~ prog/xdp\ id\ ([0-9]+)\ name\ ([^ ]+) ]]
    echo "$mode ${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
  else
    echo none
  fi
}

_pp_alive() { [[ -e /proc/$1 && $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]; }

# pp_egress_attached NS IF PID: the watch PID has its TC egress program on IF: a tcx link among
# its fds (/proc/PID/fdinfo: link_type tcx), or a cls_bpf filter on IF running a program whose
# fd PID holds (not one a killed watch left).
pp_egress_attached() {
  grep -qs $'^link_type:\ttcx' /proc/"$3"/fdinfo/* && return 0
  local id
  id=$(ip netns exec "$1" tc filter show dev "$2" egress 2>/dev/null \
       | sed -n 's/.*protoport_tc_eg.* id \([0-9]*\).*/\1/p' | head -1)
  [[ -n $id ]] && grep -qs "^prog_id:[[:space:]]*$id\$" /proc/"$3"/fdinfo/*
}

pp_watch_start() {
  local name=$1 ns=$2 ifc=$3; shift 3
  [[ $(pp_xdp_state "$ns" "$ifc") == none ]] || lab_die "pp_watch_start: $ifc already has XDP: $(pp_xdp_state "$ns" "$ifc")"
  ip netns exec "$ns" "$PP_BIN" watch -i "$ifc" "$@" >"$LAB_DIR/$name.out" 2>"$LAB_DIR/$name.err" </dev/null &
  PP_PID[$name]=$!
  # Attached means sampling: the ring buffer exists from load on, so nothing sent from now on is
  # missed even if the reader starts a moment later. The watch attaches egress before XDP: the
  # XDP program on IF says both are on; with --no-ingress, the egress attachment itself.
  local cond="[[ \$(pp_xdp_state $ns $ifc) == *' protoport_xdp' ]]"
  [[ " $* " == *" --no-ingress "* ]] && cond="pp_egress_attached $ns $ifc ${PP_PID[$name]}"
  if ! wait_for "$cond || ! _pp_alive ${PP_PID[$name]}" 15 \
     || ! _pp_alive "${PP_PID[$name]}"; then
    echo "protoport ($name) did not attach to $ifc; its stderr:" >&2
    cat "$LAB_DIR/$name.err" >&2
    return 1
  fi
}

pp_watch_stop() {
  local name=$1 sig=${2:-INT} pid=${PP_PID[$1]}
  kill -"$sig" "$pid" 2>/dev/null || true
  if ! wait_for "! _pp_alive $pid" 10; then
    echo "protoport ($name) did not exit within 10 s of SIG$sig" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  PP_RC=0
  wait "$pid" 2>/dev/null || PP_RC=$?
  unset "PP_PID[$name]"
}

pp_counter() {
  local file=$1 name=$2 line
  line=$(grep -o "\"$name\":[0-9]*" "$file" | tail -n 1) && { echo "${line#*:}"; return 0; }
  awk -v n="$name" '$1 == n && $2 ~ /^[0-9]+$/ {v = $2} END {if (v == "") exit 1; print v}' "$file"
}
