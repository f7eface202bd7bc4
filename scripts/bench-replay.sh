#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Replay speed, whole process, next to ndpiReader (Debian libndpi-bin) on the same files in the
# same run:
#   corpus: every capture of tests/data/corpus; protoport in one process on all files,
#           `ndpiReader -i FILE -v 2 -q` file by file, times summed (RSS: the largest), and
#           protoport file by file too (corpus-1by1: both then pay one startup per file);
#   x1:     the Ethernet captures concatenated COPIES times (mergecap -a -F pcap), one process
#           each; x10, x30 (SCALES): x1 concatenated 10 and 30 times (1.2 GB, 3.5 GB), where
#           start-up no longer hides the per-frame cost;
#   long:   long flows recorded with real programs in the lab's namespaces
#           (scripts/record-long-flows.sh, LONG_MB megabytes of HTTP, HTTPS and SMTP downloads
#           and uploads, MTU-sized frames): most frames belong to established flows.
# The captures x1..long run as pairs, protoport then ndpiReader back to back (BIG_RUNS pairs;
# BIG_RUNS_LARGE for x30), so that both see the same machine.
# Frames per second = frames in the input / wall-clock seconds of the process (BPF load, file
# reading, output included). Peak RSS from /usr/bin/time -v. Each figure is the median of its
# runs, the ratio the median of the per-pair ratios. Needs root (protoport loads BPF; the lab).
# Called by scripts/bench.sh; runs alone too:
#   sudo scripts/bench-replay.sh                  # build/userspace/cli/protoport
#   PROTOPORT=build-x/userspace/cli/protoport RUNS=5 scripts/bench-replay.sh
# Environment: PROTOPORT, CORPUS_DIR (tests/data/corpus), COPIES (40), SCALES ("1 10 30"),
# LONG_MB (1000; 0: no long-flow capture), RUNS (3; the corpus), BIG_RUNS (11), BIG_RUNS_LARGE
# (5; captures over 2 GB), BENCH_JSON (also append one JSON line per measurement to this file),
# WORK_DIR (where the large captures are written: /var/tmp, about 5 GB).
set -euo pipefail
cd "$(dirname "$0")/.."

PROTOPORT=${PROTOPORT:-build/userspace/cli/protoport}
CORPUS_DIR=${CORPUS_DIR:-tests/data/corpus}
COPIES=${COPIES:-40}
SCALES=${SCALES:-1 10 30}
LONG_MB=${LONG_MB:-1000}
RUNS=${RUNS:-3}
BIG_RUNS=${BIG_RUNS:-11}
BIG_RUNS_LARGE=${BIG_RUNS_LARGE:-5}
BENCH_JSON=${BENCH_JSON:-}
WORK_DIR=${WORK_DIR:-/var/tmp}

die() { echo "bench-replay: $*" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || die "needs root (protoport replay loads BPF)"
[[ -x $PROTOPORT ]] || die "$PROTOPORT: not an executable (build it, or set PROTOPORT)"
for tool in ndpiReader mergecap capinfos /usr/bin/time; do
  command -v "$tool" >/dev/null || die "$tool not found (scripts/setup.sh installs it)"
done
for n in RUNS COPIES BIG_RUNS BIG_RUNS_LARGE; do
  [[ ${!n} =~ ^[1-9][0-9]*$ ]] || die "$n must be a positive integer, not '${!n}'"
done
[[ $LONG_MB =~ ^[0-9]+$ ]] || die "LONG_MB must be a number of megabytes (0: none)"
for k in $SCALES; do [[ $k =~ ^[1-9][0-9]*$ ]] || die "SCALES: '$k' is not a positive integer"; done

WORK=$(mktemp -d "$WORK_DIR/pp-bench-replay.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

mapfile -t FILES < <(find "$CORPUS_DIR" -maxdepth 1 -type f \( -name '*.pcap' -o -name '*.pcapng' \) | sort)
[[ ${#FILES[@]} -gt 0 ]] || die "no captures in $CORPUS_DIR"

# frames FILE...: total packet count.
frames() { capinfos -T -r -c "$@" | awk -F'\t' '{n += $2} END {print n + 0}'; }

# timed OUT_PREFIX CMD...: runs CMD with stdout/stderr to files, records wall ns and peak RSS (kB).
timed() {
  local prefix=$1; shift
  local t0 t1
  t0=$(date +%s%N)
  if ! /usr/bin/time -v -o "$prefix.time" "$@" >"$prefix.out" 2>"$prefix.err"; then
    die "failed: $* (see below)$(echo; tail -3 "$prefix.err")"
  fi
  t1=$(date +%s%N)
  echo $((t1 - t0)) >"$prefix.ns"
  awk -F': ' '/Maximum resident set size/ {print $2}' "$prefix.time" >"$prefix.rss"
}

median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

# measure NAME TOOL FRAMES CMD...: RUNS runs of one command; prints and records the median.
declare -a ROWS=()
record() {  # record NAME TOOL FRAMES NS RSS
  local name=$1 tool=$2 n=$3 ns=$4 rss=$5
  local fps
  fps=$(awk -v n="$n" -v ns="$ns" 'BEGIN {printf "%.0f", n / (ns / 1e9)}')
  ROWS+=("$(printf '%-11s %-11s %9s %9.3f %12s %10s' "$name" "$tool" "$n" \
    "$(awk -v ns="$ns" 'BEGIN {print ns / 1e9}')" "$fps" "$rss")")
  if [[ -n $BENCH_JSON ]]; then
    printf '{"bench":"replay","input":"%s","tool":"%s","frames":%s,"wall_s":%s,"frames_per_s":%s,"peak_rss_kb":%s,"runs":%s}\n' \
      "$name" "$tool" "$n" "$(awk -v ns="$ns" 'BEGIN {printf "%.4f", ns / 1e9}')" "$fps" "$rss" "$RUNS" >>"$BENCH_JSON"
  fi
}

# protoport: one process on all the files given.
run_protoport() {  # run_protoport NAME FRAMES FILE...
  local name=$1 n=$2; shift 2
  local ns=() rss=()
  for ((r = 1; r <= RUNS; r++)); do
    timed "$WORK/pp" "$PROTOPORT" replay --no-progress --format json "$@"
    ns+=("$(cat "$WORK/pp.ns")"); rss+=("$(cat "$WORK/pp.rss")")
  done
  grep -q '"event":"report_summary"' "$WORK/pp.out" || die "protoport printed no report"
  record "$name" protoport "$n" "$(printf '%s\n' "${ns[@]}" | median)" "$(printf '%s\n' "${rss[@]}" | median)"
}

# One process per file, wall times summed, the largest peak RSS.
run_each() {  # run_each NAME TOOL FRAMES FILE...
  local name=$1 tool=$2 n=$3; shift 3
  local ns=() rss=()
  for ((r = 1; r <= RUNS; r++)); do
    local sum=0 max=0 f
    for f in "$@"; do
      if [[ $tool == ndpiReader ]]; then
        timed "$WORK/each" ndpiReader -i "$f" -v 2 -q
      else
        timed "$WORK/each" "$PROTOPORT" replay --no-progress --format json "$f"
      fi
      sum=$((sum + $(cat "$WORK/each.ns")))
      max=$(( $(cat "$WORK/each.rss") > max ? $(cat "$WORK/each.rss") : max ))
    done
    ns+=("$sum"); rss+=("$max")
  done
  record "$name" "$tool" "$n" "$(printf '%s\n' "${ns[@]}" | median)" "$(printf '%s\n' "${rss[@]}" | median)"
}

# run_paired NAME FRAMES FILE: pairs, protoport then ndpiReader back to back, so that both see
# the same machine (its load drifts between runs by more than the difference measured); each
# tool's median, and the median of the per-pair ratios (protoport frames/s over ndpiReader's).
PAIRED=()
run_paired() {
  local name=$1 n=$2 file=$3 r runs=$BIG_RUNS pns=() prss=() nns=() nrss=() ratios=()
  (( $(stat -c %s "$file") > 2 * 1024 * 1024 * 1024 )) && runs=$BIG_RUNS_LARGE
  for ((r = 1; r <= runs; r++)); do
    timed "$WORK/pp" "$PROTOPORT" replay --no-progress --format json "$file"
    grep -q '"event":"report_summary"' "$WORK/pp.out" || die "protoport printed no report"
    timed "$WORK/nd" ndpiReader -i "$file" -v 2 -q
    pns+=("$(cat "$WORK/pp.ns")"); prss+=("$(cat "$WORK/pp.rss")")
    nns+=("$(cat "$WORK/nd.ns")"); nrss+=("$(cat "$WORK/nd.rss")")
    ratios+=("$(awk -v p="$(cat "$WORK/pp.ns")" -v q="$(cat "$WORK/nd.ns")" 'BEGIN {printf "%.4f", q / p}')")
  done
  RUNS=$runs record "$name" protoport "$n" "$(printf '%s\n' "${pns[@]}" | median)" "$(printf '%s\n' "${prss[@]}" | median)"
  RUNS=$runs record "$name" ndpiReader "$n" "$(printf '%s\n' "${nns[@]}" | median)" "$(printf '%s\n' "${nrss[@]}" | median)"
  local med min max
  read -r med min max < <(printf '%s\n' "${ratios[@]}" | sort -n |
    awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)], v[1], v[NR]}')
  PAIRED+=("$(printf '%-6s paired: protoport / ndpiReader frames/s, median of %s back-to-back pairs: %sx (pairs from %sx to %sx)' \
    "$name" "$runs" "$med" "$min" "$max")")
  if [[ -n $BENCH_JSON ]]; then
    printf '{"bench":"replay","input":"%s","tool":"paired","ratio":%s,"ratio_min":%s,"ratio_max":%s,"runs":%s}\n' \
      "$name" "$med" "$min" "$max" "$runs" >>"$BENCH_JSON"
  fi
}

corpus_frames=$(frames "${FILES[@]}")
mapfile -t ETHER < <(capinfos -T -r -E "${FILES[@]}" | awk -F'\t' '$2 == "ether" {print $1}')
X1=$WORK/corpus-ether-x1.pcap
big_inputs=()
for ((i = 0; i < COPIES; i++)); do big_inputs+=("${ETHER[@]}"); done
mergecap -a -F pcap -w "$X1" "${big_inputs[@]}"

echo "bench-replay: $PROTOPORT vs $(command -v ndpiReader) ($(dpkg-query -W -f='${Version}' libndpi-bin 2>/dev/null || echo '?'))," \
  "$(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  corpus: ${#FILES[@]} files, $corpus_frames frames (median of $RUNS runs);" \
  "x1: ${#ETHER[@]} Ethernet files x $COPIES (mergecap -a -F pcap), $(frames "$X1") frames, $(($(stat -c %s "$X1") / 1048576)) MiB"
run_protoport corpus "$corpus_frames" "${FILES[@]}"
run_each corpus ndpiReader "$corpus_frames" "${FILES[@]}"
run_each corpus-1by1 protoport "$corpus_frames" "${FILES[@]}"  # startup cost, like ndpiReader's
for k in $SCALES; do
  file=$X1
  if (( k > 1 )); then
    file=$WORK/corpus-ether-x$k.pcap
    inputs=(); for ((i = 0; i < k; i++)); do inputs+=("$X1"); done
    mergecap -a -F pcap -w "$file" "${inputs[@]}"
  fi
  n=$(frames "$file")
  echo "  x$k: $n frames, $(($(stat -c %s "$file") / 1048576)) MiB"
  run_paired "x$k" "$n" "$file"
  (( k > 1 )) && rm -f "$file"
done
if (( LONG_MB > 0 )); then
  scripts/record-long-flows.sh "$WORK/long.pcap" "$LONG_MB" >"$WORK/long.log" 2>&1 \
    || die "recording the long flows failed: $(tail -3 "$WORK/long.log")"
  n=$(frames "$WORK/long.pcap")
  echo "  long: $(tail -1 "$WORK/long.log" | sed 's/^record-long-flows: [^:]*: //')"
  run_paired long "$n" "$WORK/long.pcap"
fi

printf '%-11s %-11s %9s %9s %12s %10s\n' input tool frames wall_s frames/s peak_rss_kB
printf '%s\n' "${ROWS[@]}"
printf '%s\n' "${PAIRED[@]}"
