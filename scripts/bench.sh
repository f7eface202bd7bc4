#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# protoport's benchmark suite (issue 7): builds what it needs, measures, and prints ONE table.
# The machine is shared and noisy, so every figure sits next to a baseline measured in the same
# run, with the ratio between them:
#   kernel    bench_bpf: per-packet ns through bpf_prog_test_run_opts (1,000,000 repeats) vs an
#             XDP_PASS program and minimal parse + one hash lookup programs (eth/IPv4/TCP, and
#             eth/IPv6 + extension headers/TCP for the IPv6 packet);
#   live      a veth pair in two namespaces (tests/integration/lib/lab.sh); bench_udp_flood
#             (sendmmsg on AF_PACKET) in the client namespace at full speed; packets/s from the
#             receiving veth's rx_packets with no program, with an XDP_PASS program, with
#             `protoport watch` (native), and with watch under a new-flow storm; the same with
#             bench_udp_flood --method xdp (live-frames XDP_TX: xdp_frames, no skb copy on the
#             receiving veth, so the program's own cost shows); repetitions
#             interleaved, medians; exit counters, peak RSS, recovery after the storm;
#   userspace bench_pipeline: samples/s through the real pipeline (tracker, policy, aggregator, JSON rows) on one core
#             vs memcpy + hash-map insert; instructions per sample from callgrind;
#   replay    scripts/bench-replay.sh: protoport replay vs ndpiReader, corpus, the merged corpus
#             at 1x, 10x and 30x, and long flows recorded with real programs;
#   memory    peak RSS of watch (idle, storm) and replay, and the kernel maps' memlock.
# Needs root. Takes about 3 minutes here.
#   sudo scripts/bench.sh                       # build dir: build/
#   BUILD_DIR=build-bench sudo -E scripts/bench.sh
# Environment: BUILD_DIR (build), LIVE_REPS (5), LIVE_SECONDS (2), LIVE_XDP_REPS (11),
# LIVE_XDP_SECONDS (1), REPLAY_RUNS (3),
# PIPE_FLOWS (50000), CALLGRIND_FLOWS (5000), TABLE_OUT (also write the table to this file),
# LIVE_RAW (also write every live repetition's rates to this file),
# SKIP (space-separated sections to skip: kernel live userspace replay).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

BUILD=${BUILD_DIR:-build}
LIVE_REPS=${LIVE_REPS:-5}
LIVE_SECONDS=${LIVE_SECONDS:-2}
LIVE_XDP_REPS=${LIVE_XDP_REPS:-11}
LIVE_XDP_SECONDS=${LIVE_XDP_SECONDS:-1}
REPLAY_RUNS=${REPLAY_RUNS:-3}
PIPE_FLOWS=${PIPE_FLOWS:-50000}
CALLGRIND_FLOWS=${CALLGRIND_FLOWS:-5000}
TABLE_OUT=${TABLE_OUT:-}
LIVE_RAW=${LIVE_RAW:-}
SKIP=${SKIP:-}
ODD_DNS_PORT=5300

die() { echo "bench: $*" >&2; exit 1; }
log() { echo "bench: $*" >&2; }
[[ $(id -u) -eq 0 ]] || die "needs root (BPF, network namespaces)"
for n in LIVE_REPS LIVE_SECONDS LIVE_XDP_REPS LIVE_XDP_SECONDS REPLAY_RUNS PIPE_FLOWS CALLGRIND_FLOWS; do
  [[ ${!n} =~ ^[1-9][0-9]*$ ]] || die "$n must be a positive integer, not '${!n}'"
done
for tool in cmake valgrind bpftool ip; do
  command -v "$tool" >/dev/null || die "$tool not found (scripts/setup.sh installs it)"
done
skipped() { [[ " $SKIP " == *" $1 "* ]]; }

WORK=$(mktemp -d /tmp/pp-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
START_NS=$(date +%s%N)

# --- build -------------------------------------------------------------------------------------
if [[ ! -f $BUILD/CMakeCache.txt ]]; then
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >"$WORK/cmake.log" 2>&1 \
    || { tail -20 "$WORK/cmake.log" >&2; die "cmake configure failed"; }
fi
log "building protoport bench_bpf bench_pipeline bench_udp_flood in $BUILD"
cmake --build "$BUILD" -j2 --target protoport bench_bpf bench_pipeline bench_udp_flood >"$WORK/build.log" 2>&1 \
  || { tail -30 "$WORK/build.log" >&2; die "build failed"; }
BUILD_ABS=$(cd "$BUILD" && pwd)
PP=$BUILD_ABS/userspace/cli/protoport
BENCH_DIR=$BUILD_ABS/bench
BPF_GEN=$BUILD_ABS/bpf-gen

# --- table -------------------------------------------------------------------------------------
declare -a ROWS=()
# row NAME VALUE UNIT BASELINE RATIO BUDGET HOLDS
row() { ROWS+=("$(printf '| %s | %s | %s | %s | %s | %s | %s |' "$@")"); }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }   # calc FORMAT EXPR
yes_no() { awk "BEGIN { exit !($1) }" && echo yes || echo "**no**"; }
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

# --- 1. kernel per packet ----------------------------------------------------------------------
if ! skipped kernel; then
  log "kernel: bench_bpf (bpf_prog_test_run_opts, repeat 1000000)"
  "$BENCH_DIR/bench_bpf" --repeat 1000000 --rounds 5 >"$WORK/bpf.out" 2>"$WORK/bpf.err" \
    || { cat "$WORK/bpf.out" "$WORK/bpf.err" >&2; die "bench_bpf failed"; }
  ns_of() {  # the fastest round of a bench_bpf case, by the start of its name
    awk -v n="$1" 'index($0, n) == 1 { split(substr($0, 47), f, " "); print f[1]; found = 1 }
                   END { if (!found) exit 1 }' "$WORK/bpf.out" || die "bench_bpf printed no row '$1'"
  }
  pass=$(ns_of "pass: return XDP_PASS")
  minimal=$(ns_of "minimal: eth/ipv4/tcp")
  minimal6=$(ns_of "minimal6: eth/ipv6+2 ext/tcp")
  pass1=$(ns_of "pass, repeat=1 per call")
  # Each packet against the minimal program that parses the same headers (the IPv4-only one
  # cannot reach TCP behind IPv6 extension headers); the IPv6 row shows the IPv4 ratio too.
  # The two parts of the budget on rows of their own: the ratio, and the absolute 30 ns (next to
  # what an empty program costs in the same harness).
  v4=$(ns_of "protoport: IPv4 TCP, already sampled")
  r=$(calc %.2f "$v4 / $minimal")
  row "kernel: IPv4 TCP, already sampled" "$v4" "ns/pkt" "minimal eth/ipv4/tcp + lookup $minimal ns" "${r}x" \
    "<= 1.3x" "$(yes_no "$r <= 1.3")"
  v6=$(ns_of "protoport: IPv6+2 ext TCP, already sampled")
  r=$(calc %.2f "$v6 / $minimal6")
  row "kernel: IPv6+2 ext TCP, already sampled" "$v6" "ns/pkt" \
    "minimal eth/ipv6+2 ext/tcp + lookup $minimal6 ns (IPv4 one: $(calc %.2fx "$v6 / $minimal"))" "${r}x" \
    "<= 1.3x" "$(yes_no "$r <= 1.3")"
  for c in "IPv4 TCP:$v4" "IPv6+2 ext TCP:$v6"; do
    v=${c##*:}
    row "kernel: ${c%%:*}, already sampled, absolute" "$v" "ns/pkt" \
      "XDP_PASS $pass ns, minimal parse+lookup $minimal ns" "$(calc %.2fx "$v / $pass")" "<= 30 ns" \
      "$(yes_no "$v <= 30")"
  done
  v=$(ns_of "protoport: non-IP")
  row "kernel: non-IP frame (ARP)" "$v" "ns/pkt" "XDP_PASS $pass ns" "$(calc %.2fx "$v / $pass")" "-" "-"
  v=$(ns_of "protoport: new UDP flow + sample")
  row "kernel: new flow + sample (1 pkt/call)" "$v" "ns/pkt" "XDP_PASS, 1 pkt/call $pass1 ns" \
    "$(calc %.2fx "$v / $pass1")" "-" "-"
  # The egress hook (TC, skb test runs): the same packet of a sampled flow against the minimal
  # parse + lookup as a TC program; the same 1.3x budget as the XDP side.
  min_tc=$(ns_of "minimal tc: eth/ipv4/tcp")
  v=$(ns_of "protoport egress: IPv4 TCP, already sampled")
  r=$(calc %.2f "$v / $min_tc")
  row "kernel: egress (TC) IPv4 TCP, already sampled" "$v" "ns/pkt" \
    "minimal TC eth/ipv4/tcp + lookup $min_tc ns" "${r}x" "<= 1.3x" "$(yes_no "$r <= 1.3")"
fi

# --- 2. live on a veth pair (+ watch memory) ---------------------------------------------------
# Runs in a subshell: lab_up's EXIT/INT/TERM traps then tear the lab down when the subshell ends,
# on every path, and leave this script's own trap alone. Results go to files in $WORK.
live() {
  source "$ROOT/tests/integration/lib/lab.sh"
  PROTOPORT=$PP
  source "$ROOT/tests/integration/lib/protoport.sh"
  pp_require
  lab_up 2>>"$WORK/lab.log"
  local flood=$BENCH_DIR/bench_udp_flood
  rx() { ip netns exec "$LAB_NS_S" cat "/sys/class/net/$LAB_IF_S/statistics/rx_packets"; }
  # flood MODE: runs the sender, appends "MODE rx_pps tx_pps" to $WORK/live.txt.
  # flood MODE [xdp]: with xdp, frames are sent by live-frames XDP_TX (--method xdp) and arrive
  # as xdp_frames; MODE storm / xstorm: every frame a new flow.
  flood() {
    local mode=$1 before after secs sent args=()
    [[ $mode == storm || $mode == xstorm ]] && args+=(--storm)
    [[ ${2:-} == xdp ]] && args+=(--method xdp)
    before=$(rx)
    in_client "$flood" --ifname "$LAB_IF_C" --dst-mac "$LAB_MAC_S" --src "$LAB_C4" --dst "$LAB_S4" \
      --dport 9000 --seconds "${FLOOD_SECONDS:-$LIVE_SECONDS}" "${args[@]}" >"$WORK/flood.out"
    after=$(rx)
    read -r _ sent _ _ secs _ <"$WORK/flood.out"
    echo "$mode $(calc %.0f "($after - $before) / $secs") $(calc %.0f "$sent / $secs") ${CUR_REP:-0}" >>"$WORK/live.txt"
  }
  hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/${PP_PID[$1]}/status"; }
  # Waits until the watch's CPU time stops growing for 300 ms: the ring buffer is drained.
  drained() {
    local pid=${PP_PID[$1]} a b deadline=$(( $(date +%s) + 15 ))
    b=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    while (( $(date +%s) < deadline )); do
      sleep 0.3
      a=$b
      b=$(awk '{print $14 + $15}' "/proc/$pid/stat")
      [[ $a == "$b" ]] && return 0
    done
    return 1
  }
  local name prog_id t0 t1
  mode_none() { flood none; }
  mode_xdp_pass() {
    ip -n "$LAB_NS_S" link set dev "$LAB_IF_S" xdpdrv obj "$BPF_GEN/pp_bench_pass.bpf.o" sec xdp
    flood xdp_pass
    ip -n "$LAB_NS_S" link set dev "$LAB_IF_S" xdpdrv off
  }
  mode_watch() {
    name=w$1
    pp_watch_start "$name" "$LAB_NS_S" "$LAB_IF_S" --xdp-mode native --format json --interval 0
    sleep 1  # idle: the watch as it sits after attaching
    hwm_kb "$name" >>"$WORK/rss_idle.txt"
    if [[ ! -s $WORK/maps.json ]]; then  # the maps of this program (other instances may run)
      prog_id=$(pp_xdp_state "$LAB_NS_S" "$LAB_IF_S" | awk '{print $2}')
      for id in $(bpftool -j prog show id "$prog_id" | grep -o '"map_ids":\[[0-9,]*\]' | grep -o '[0-9]\+'); do
        bpftool -j map show id "$id"
        echo
      done >"$WORK/maps.json"
    fi
    flood watch
    pp_watch_stop "$name"
  }
  # Generic (skb) mode: veth stays in its no-XDP receive path, only the program's cost is added.
  mode_watch_generic() {
    name=g$1
    pp_watch_start "$name" "$LAB_NS_S" "$LAB_IF_S" --xdp-mode generic --format json --interval 0
    flood watch_generic
    pp_watch_stop "$name"
  }
  mode_storm() {
    name=s$1
    pp_watch_start "$name" "$LAB_NS_S" "$LAB_IF_S" --xdp-mode native --format json --interval 0
    flood storm
    t0=$(date +%s%N)
    drained "$name" || log "live: the watch was still busy 15 s after the storm"
    t1=$(date +%s%N)
    # Recovery: after the storm, a DNS query to an odd port must still give its mismatch row.
    in_client /usr/bin/python3 -c '
import socket, sys
q = bytes.fromhex("abcd01000001000000000000") + b"\x07example\x03com\x00" + bytes.fromhex("00010001")
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(q, (sys.argv[1], int(sys.argv[2])))' "$LAB_S4" "$ODD_DNS_PORT"
    sleep 0.5
    hwm_kb "$name" >>"$WORK/rss_storm.txt"
    pp_watch_stop "$name"
    local out=$LAB_DIR/$name.out err=$LAB_DIR/$name.err ok=no
    grep -q "\"app\":\"dns\".*\"dest_port\":$ODD_DNS_PORT\b\|\"dest_port\":$ODD_DNS_PORT\b.*\"app\":\"dns\"" "$out" && ok=yes
    echo "$ok $(( (t1 - t0) / 1000000 )) $(pp_counter "$err" ringbuf_full) $(pp_counter "$err" flow_update_fail)" \
      "$(pp_counter "$err" sampled) $(pp_counter "$err" packets)" >>"$WORK/storm.txt"
  }
  # The same with the XDP sender: frames arrive as xdp_frames, so native XDP on the veth needs no
  # skb copy and an XDP program's own cost is what shows. Without a program the veth has no NAPI
  # to take xdp_frames unless GRO is on: GRO is on for all four modes (and off again after).
  gro() { ip netns exec "$LAB_NS_S" ethtool -K "$LAB_IF_S" gro "$1"; }
  mode_xnone() { gro on; flood xnone xdp; gro off; }
  mode_xpass() {
    gro on
    ip -n "$LAB_NS_S" link set dev "$LAB_IF_S" xdpdrv obj "$BPF_GEN/pp_bench_pass.bpf.o" sec xdp
    flood xpass xdp
    ip -n "$LAB_NS_S" link set dev "$LAB_IF_S" xdpdrv off
    gro off
  }
  mode_xwatch() {
    name=x$1
    gro on
    pp_watch_start "$name" "$LAB_NS_S" "$LAB_IF_S" --xdp-mode native --format json --interval 0
    flood xwatch xdp
    flood xstorm xdp
    pp_watch_stop "$name"
    gro off
    local err=$LAB_DIR/$name.err
    echo "$(pp_counter "$err" ringbuf_full) $(pp_counter "$err" flow_update_fail) $(pp_counter "$err" sampled)" \
      "$(pp_counter "$err" packets)" >>"$WORK/xstorm.txt"
  }
  # Interleaved, and the order rotates from one repetition to the next: drift in the machine's
  # load does not always fall on the same mode.
  local modes=(none xdp_pass watch watch_generic storm) rep i
  for ((rep = 1; rep <= LIVE_REPS; rep++)); do
    log "live: repetition $rep/$LIVE_REPS (no program, XDP_PASS, watch native/generic, new-flow storm)"
    for ((i = 0; i < ${#modes[@]}; i++)); do
      "mode_${modes[(i + rep - 1) % ${#modes[@]}]}" "$rep"
    done
  done
  # The XDP sender's series: the effect to see is a few percent and the machine's drift between
  # repetitions is larger (rates move 10-15% from one repetition to the next, together), so its
  # three modes run back to back with short floods, many times, and each repetition gives paired
  # ratios (mode / no program of the same repetition) whose median is reported.
  local xmodes=(xnone xpass xwatch)
  for ((rep = 1; rep <= LIVE_XDP_REPS; rep++)); do
    log "live: XDP sender repetition $rep/$LIVE_XDP_REPS (no program, XDP_PASS, watch + storm)"
    for ((i = 0; i < ${#xmodes[@]}; i++)); do
      CUR_REP=$rep FLOOD_SECONDS=$LIVE_XDP_SECONDS "mode_${xmodes[(i + rep - 1) % ${#xmodes[@]}]}" "$rep"
    done
  done
}

if ! skipped live; then
  ( live ) || die "live section failed (lab log: see above)"
  # Every repetition's rates ("MODE rx_pps tx_pps", in run order), for a look at the spread.
  [[ -n $LIVE_RAW ]] && cp "$WORK/live.txt" "$LIVE_RAW"
fi

# --- 3. userspace ------------------------------------------------------------------------------
if ! skipped userspace; then
  log "userspace: bench_pipeline ($PIPE_FLOWS flows, 4 samples each) and callgrind ($CALLGRIND_FLOWS flows)"
  "$BENCH_DIR/bench_pipeline" --flows "$PIPE_FLOWS" >"$WORK/pipe.out" || die "bench_pipeline failed"
  pipe=$(awk '/pipeline \(/ {print $(NF - 3)}' "$WORK/pipe.out")
  base=$(awk '/baseline \(/ {print $(NF - 1)}' "$WORK/pipe.out")
  row "userspace: samples through tracker+policy+aggregator, 1 core" "$pipe" "samples/s" \
    "memcpy record + hash insert $base/s" "$(calc %.2fx "$pipe / $base")" ">= 2,000,000/s" "$(yes_no "$pipe >= 2000000")"
  # Valgrind cannot read clang 14's DWARF 5 here: a copy without debug info (symbols stay) works.
  objcopy --strip-debug "$BENCH_DIR/bench_pipeline" "$WORK/bench_pipeline"
  ir_per_sample() {  # ir_per_sample FUNCTION MODE
    valgrind --tool=callgrind --toggle-collect="$1" --callgrind-out-file="$WORK/cg.$1" \
      "$WORK/bench_pipeline" "$2" --flows "$CALLGRIND_FLOWS" >"$WORK/cg.out" 2>"$WORK/cg.err" \
      || { tail -5 "$WORK/cg.err" >&2; die "callgrind failed"; }
    local ir
    ir=$(awk '/Collected :/ {print $NF}' "$WORK/cg.err")
    calc %.0f "$ir / ($CALLGRIND_FLOWS * 4)"
  }
  ipp=$(ir_per_sample pp_bench_pipeline_pass --once)
  ipb=$(ir_per_sample pp_bench_baseline_pass --once-baseline)
  row "userspace: instructions per sample (callgrind)" "$ipp" "instr" "memcpy + hash insert $ipb instr" \
    "$(calc %.2fx "$ipp / $ipb")" "-" "-"
  callgrind_annotate --inclusive=yes "$WORK/cg.pp_bench_pipeline_pass" 2>/dev/null \
    | awk '/\?\?\?:/ && !/main|below main|pp_bench_pipeline_pass|\?\?\?:0x/' | head -12 >"$WORK/hot.txt" || true
fi

# --- 4. replay ---------------------------------------------------------------------------------
if ! skipped replay; then
  log "replay: scripts/bench-replay.sh (protoport vs ndpiReader, RUNS=$REPLAY_RUNS)"
  PROTOPORT=$PP RUNS=$REPLAY_RUNS BENCH_JSON=$WORK/replay.json scripts/bench-replay.sh >"$WORK/replay.out" \
    || die "bench-replay.sh failed"
  jget() {  # jget INPUT TOOL FIELD
    awk -v i="\"input\":\"$1\"" -v t="\"tool\":\"$2\"" -v f="\"$3\":" 'index($0, i) && index($0, t) {
      s = substr($0, index($0, f) + length(f)); sub(/[,}].*/, "", s); print s }' "$WORK/replay.json"
  }
  # Each capture's ratio: the median of back-to-back protoport/ndpiReader pairs.
  for input in $(awk -F'"input":"' '/"tool":"paired"/ {split($2, a, "\""); print a[1]}' "$WORK/replay.json"); do
    p=$(jget "$input" protoport frames_per_s) n=$(jget "$input" ndpiReader frames_per_s)
    r=$(jget "$input" paired ratio)
    what="merged corpus, $input"
    [[ $input == long ]] && what="long flows (real HTTP, HTTPS, SMTP transfers)"
    row "replay: $what, whole process ($(jget "$input" protoport frames) frames)" "$p" "frames/s" \
      "ndpiReader $n/s (median of $(jget "$input" paired runs) pairs; pairs $(calc %.2f "$(jget "$input" paired ratio_min)")-$(calc %.2f "$(jget "$input" paired ratio_max)")x)" \
      "$(calc %.2fx "$r")" ">= 1.5x" "$(yes_no "$r >= 1.5")"
  done
  p=$(jget corpus protoport frames_per_s) n=$(jget corpus ndpiReader frames_per_s)
  row "replay: corpus, one process vs ndpiReader file by file ($(jget corpus protoport frames) frames)" "$p" \
    "frames/s" "ndpiReader $n/s" "$(calc %.2fx "$p / $n")" "-" "-"
  p=$(jget corpus-1by1 protoport frames_per_s)
  n=$(jget corpus ndpiReader frames_per_s)
  row "replay: corpus, both file by file (startup paid per file)" "$p" "frames/s" "ndpiReader $n/s" \
    "$(calc %.2fx "$p / $n")" "-" "-"
fi

# --- 5. memory ---------------------------------------------------------------------------------
mib() { calc %.1f "$1 / 1024"; }
# Baseline for the watch's RSS: the same binary doing no BPF and no capture (`protoport policy`).
/usr/bin/time -f %M -o "$WORK/policy.rss" "$PP" policy >/dev/null 2>&1 || die "protoport policy failed"
floor=$(cat "$WORK/policy.rss")
if ! skipped live; then
  for kind in idle storm; do
    v=$(median <"$WORK/rss_$kind.txt")
    label="memory: watch peak RSS, default settings, idle"
    [[ $kind == storm ]] && label="memory: watch peak RSS, new-flow storm"
    row "$label" "$(mib "$v")" "MiB" "protoport policy $(mib "$floor") MiB" "$(calc %.2fx "$v / $floor")" \
      "<= 32 MiB" "$(yes_no "$v <= 32768")"
  done
  # Kernel maps: bytes_memlock of the maps of the attached program, next to the raw size of what
  # they hold (entries x (key + value); the ring buffer's data area; per-CPU values x CPUs).
  read -r memlock raw < <(/usr/bin/python3 -c '
import json, os, sys
memlock = raw = 0
for line in open(sys.argv[1]):
    if not line.strip(): continue
    m = json.loads(line)
    if not m.get("name", "").startswith("pp_"): continue
    memlock += int(m.get("bytes_memlock", 0))
    if m["type"] == "ringbuf": raw += m["max_entries"]
    elif m["type"].startswith("percpu"): raw += m["max_entries"] * m["bytes_value"] * os.cpu_count()
    else: raw += m["max_entries"] * (m["bytes_key"] + m["bytes_value"])
print(memlock, raw)' "$WORK/maps.json")
  row "memory: kernel maps (pp_*, bpftool bytes_memlock)" "$(calc %.1f "$memlock / 1048576")" "MiB" \
    "raw entries x (key+value) $(calc %.1f "$raw / 1048576") MiB" "$(calc %.2fx "$memlock / $raw")" "-" "-"
fi
if ! skipped replay; then
  first="" last=""
  for input in $(awk -F'"input":"' '/"tool":"paired"/ {split($2, a, "\""); print a[1]}' "$WORK/replay.json"); do
    p=$(jget "$input" protoport peak_rss_kb)
    n=$(jget "$input" ndpiReader peak_rss_kb)
    row "memory: replay peak RSS, $input" "$(mib "$p")" "MiB" "ndpiReader $(mib "$n") MiB" \
      "$(calc %.2fx "$p / $n")" "<= 1.0x" "$(yes_no "$p <= $n")"
    if [[ $input == x* ]]; then first=$last last=$input; fi
  done
  # Flat: the largest merged capture needs no more than 5% over the one before it. (From 1x to
  # 10x the bounded tables fill: the decided flows' fingerprints reach their 65,536.)
  if [[ -n $first && $last != "$first" ]]; then
    a=$(jget "$first" protoport peak_rss_kb) b=$(jget "$last" protoport peak_rss_kb)
    row "memory: replay peak RSS, $last vs $first (flat)" "$(mib "$b")" "MiB" "$first $(mib "$a") MiB" \
      "$(calc %.2fx "$b / $a")" "<= 1.05x" "$(yes_no "$b <= 1.05 * $a")"
  fi
fi

# --- live rows ---------------------------------------------------------------------------------
if ! skipped live; then
  rate() { awk -v m="$1" -v c="${2:-2}" '$1 == m {print $c}' "$WORK/live.txt" | median; }
  none=$(rate none)
  row "live: veth rx, no program" "$none" "pkts/s" "sender $(rate none 3) pkts/s" \
    "$(calc %.2fx "$none / $(rate none 3)")" "-" "-"
  v=$(rate xdp_pass)
  row "live: veth rx, XDP_PASS program (native)" "$v" "pkts/s" "no program $none" "$(calc %.2fx "$v / $none")" "-" "-"
  v=$(rate watch)
  row "live: veth rx, protoport watch (native)" "$v" "pkts/s" "no program $none" "$(calc %.2fx "$v / $none")" \
    ">= 0.95x" "$(yes_no "$v / $none >= 0.95")"
  w=$(rate watch) p=$(rate xdp_pass)
  row "live: protoport watch (native) vs XDP_PASS (native)" "$w" "pkts/s" "XDP_PASS $p" "$(calc %.2fx "$w / $p")" "-" "-"
  v=$(rate watch_generic)
  row "live: veth rx, protoport watch (generic XDP)" "$v" "pkts/s" "no program $none" "$(calc %.2fx "$v / $none")" \
    ">= 0.95x" "$(yes_no "$v / $none >= 0.95")"
  v=$(rate storm)
  row "live: veth rx, watch + new-flow storm" "$v" "pkts/s" "no program $none" "$(calc %.2fx "$v / $none")" "-" "-"
  # paired MODE: "median min max" of MODE's rate / xnone's rate in the same repetition.
  paired() {
    awk -v m="$1" '$1 == "xnone" {base[$4] = $2} $1 == m {rate[$4] = $2}
      END {for (r in rate) if (base[r] > 0) print rate[r] / base[r]}' "$WORK/live.txt" | sort -n |
      awk '{v[NR] = $1} END {printf "%.3f %.2f %.2f\n", v[int((NR + 1) / 2)], v[1], v[NR]}'
  }
  xnone=$(rate xnone)
  row "live, XDP sender: veth rx, no program (GRO on)" "$xnone" "pkts/s" "sender $(rate xnone 3) pkts/s" \
    "$(calc %.2fx "$xnone / $(rate xnone 3)")" "-" "-"
  for c in "xpass:XDP_PASS program (native)" "xwatch:protoport watch (native)" "xstorm:watch + new-flow storm"; do
    read -r med lo hi < <(paired "${c%%:*}")
    budget=- holds=-
    [[ ${c%%:*} == xwatch ]] && budget=">= 0.95x" holds=$(yes_no "$med >= 0.95")
    row "live, XDP sender: veth rx, ${c#*:}" "$(rate "${c%%:*}")" "pkts/s" \
      "no program, same repetition (paired ratios $lo-$hi over $LIVE_XDP_REPS)" "${med}x" "$budget" "$holds"
  done
  read -r full fail sampled packets < <(sort -n -k4 "$WORK/xstorm.txt" | awk '{v[NR] = $0} END {print v[int((NR + 1) / 2)]}')
  row "live, XDP sender: storm, ringbuf_full / flow_update_fail (exit counters)" "$full / $fail" "pkts" \
    "sampled $sampled of $packets packets" "-" "counted" "$([[ $full =~ ^[0-9]+$ && $fail =~ ^[0-9]+$ ]] && echo yes || echo "**no**")"
  ok=$(awk '$1 == "yes"' "$WORK/storm.txt" | wc -l)
  row "live: storm, recovered (dns to :$ODD_DNS_PORT reported after)" "$ok/$LIVE_REPS" "runs" \
    "drain $(awk '{print $2}' "$WORK/storm.txt" | median) ms" "-" "all" "$(yes_no "$ok == $LIVE_REPS")"
  for c in "3 ringbuf_full" "4 flow_update_fail"; do
    set -- $c
    v=$(awk -v c="$1" '{print $c}' "$WORK/storm.txt" | median)
    row "live: storm, $2 (exit counters)" "$v" "pkts" "storm packets $(awk '{print $6}' "$WORK/storm.txt" | median)" \
      "$(calc %.3f "${v:-0} / $(awk '{print $6}' "$WORK/storm.txt" | median)")" "counted" \
      "$([[ $v =~ ^[0-9]+$ ]] && echo yes || echo "**no** (not in the exit counters)")"
  done
fi

# --- print -------------------------------------------------------------------------------------
{
  echo "protoport bench, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -r), $(nproc) CPUs," \
    "load $(cut -d' ' -f1-3 /proc/loadavg), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')," \
    "$(( ($(date +%s%N) - START_NS) / 1000000000 )) s"
  echo
  echo "| name | value | unit | baseline (same run) | ratio | budget | holds? |"
  echo "|---|---:|---|---|---:|---|---|"
  printf '%s\n' "${ROWS[@]}"
  if [[ -s $WORK/hot.txt ]]; then
    echo
    echo "Userspace hot spots (callgrind, inclusive instructions of the measured pass):"
    sed -E 's/\?\?\?://; s/\(std::span<[^)]*\)|\(pp_sample[^)]*\)|\(protoport::[^)]*\)/(...)/g; s/ \[.*\]$//' "$WORK/hot.txt" \
      | cut -c1-150 | sed 's/^/    /'
  fi
} | tee ${TABLE_OUT:+"$TABLE_OUT"}
