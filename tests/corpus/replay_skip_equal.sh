#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# replay's fast paths change nothing but speed: every input below replayed with --exact (every
# frame test-run through protoport_xdp, one call each) and with the fast paths must give the
# same --flows lines, the same --format json report rows and the same kernel counters (the
# skipped frames' predicted counts added). Fast paths: the default (skip filter, frames run in
# batches of 64), --batch 1 (skip filter, one call per frame run) and --batch 7 (batches cut
# at other frames).
# Inputs:
#  - all captures of the corpus in one process (the flow table is emptied between files);
#  - the Ethernet captures concatenated twice into ONE file (mergecap -a), so every 5-tuple comes
#    back on a flow table that still holds it: the case where a SYN or SYN+ACK restarts a flow;
#  - at scale, the same concatenated 40 times (335,520 frames, IP fragments by the ten
#    thousand), with the default tables and with --max-flows 512, where the skip filter must
#    stop leaving flow frames out part-way (the flow table could evict);
#  - long flows recorded with real programs (scripts/record-long-flows.sh, 24 MB of HTTP,
#    HTTPS and SMTP transfers) with MTU-sized frames and with GSO aggregates (frames longer
#    than a test run's linear part), when nginx, curl, swaks and tcpdump are installed.
# Each fast run must also have left frames out, or the comparison proves nothing.
# Needs root (loads BPF): exit 77 (ctest: skipped) otherwise.
#   replay_skip_equal.sh PROTOPORT CORPUS_DIR
set -euo pipefail

PROTOPORT=${1:?usage: replay_skip_equal.sh PROTOPORT CORPUS_DIR}
CORPUS_DIR=${2:?usage: replay_skip_equal.sh PROTOPORT CORPUS_DIR}

if [[ $(id -u) -ne 0 ]]; then
  echo "replay_skip_equal: needs root (protoport replay loads BPF): skipped"
  exit 77
fi
for tool in mergecap capinfos; do
  command -v "$tool" >/dev/null || { echo "replay_skip_equal: $tool not found (scripts/setup.sh installs wireshark-common)"; exit 1; }
done

WORK=$(mktemp -d /tmp/pp-replay-skip-equal.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

mapfile -t FILES < <(find "$CORPUS_DIR" -maxdepth 1 -type f \( -name '*.pcap' -o -name '*.pcapng' \) | sort)
[[ ${#FILES[@]} -gt 0 ]] || { echo "replay_skip_equal: no captures in $CORPUS_DIR"; exit 1; }
mapfile -t ETHER < <(capinfos -T -r -E "${FILES[@]}" | awk -F'\t' '$2 == "ether" {print $1}')
[[ ${#ETHER[@]} -gt 0 ]] || { echo "replay_skip_equal: no Ethernet captures in $CORPUS_DIR"; exit 1; }
mergecap -a -F pcap -w "$WORK/twice.pcap" "${ETHER[@]}" "${ETHER[@]}"
inputs=()
for ((i = 0; i < 40; i++)); do inputs+=("${ETHER[@]}"); done
mergecap -a -F pcap -w "$WORK/x40.pcap" "${inputs[@]}"

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# compare NAME [OPTION...] -- FILE...: replays FILE... every way and compares what must be equal.
compare() {
  local name=$1; shift
  local opts=()
  while [[ $1 != -- ]]; do opts+=("$1"); shift; done
  shift
  local mode
  for mode in exact fast batch1 batch7; do
    local extra=()
    case $mode in
      exact) extra=(--exact) ;;
      batch1) extra=(--batch 1) ;;
      batch7) extra=(--batch 7) ;;
    esac
    local rc=0
    "$PROTOPORT" replay --no-progress "${opts[@]}" "${extra[@]}" --format json \
      --flows "$WORK/$name.$mode.flows" "$@" >"$WORK/$name.$mode.out" 2>"$WORK/$name.$mode.err" || rc=$?
    if [[ $rc -ne 0 ]]; then
      fail "$name: protoport replay ${extra[*]} exited $rc: $(tail -2 "$WORK/$name.$mode.err")"
      return
    fi
    grep '"event":"kernel_counters"' "$WORK/$name.$mode.err" >"$WORK/$name.$mode.counters" || true
    # "N frames run (M of them predicted, not test-run)": a fast run must have skipped.
    local skipped
    skipped=$(sed -n 's/.*(\([0-9]*\) of them predicted.*/\1/p' "$WORK/$name.$mode.err")
    if [[ $mode == exact ]]; then
      [[ $skipped == 0 ]] || fail "$name: --exact left frames out ('${skipped}')"
      continue
    fi
    [[ -n $skipped && $skipped -gt 0 ]] || fail "$name ($mode): the skip filter left no frame out ('${skipped}')"
    local what
    for what in out flows counters; do
      if [[ ! -s $WORK/$name.$mode.$what ]]; then
        fail "$name ($mode): the $what output is empty: nothing compared"
      elif ! cmp -s "$WORK/$name.$mode.$what" "$WORK/$name.exact.$what"; then
        fail "$name: $what differs with the fast path $mode (< $mode, > --exact):"
        diff "$WORK/$name.$mode.$what" "$WORK/$name.exact.$what" | head -20 || true  # 1: differ
      fi
    done
  done
  grep -q '"event":"report_summary"' "$WORK/$name.fast.out" || fail "$name: no report summary"
  printf '%-10s %4d files: %6d report lines, %6d flow lines, counters compared; %s of %s frames not test-run\n' \
    "$name" $# "$(wc -l <"$WORK/$name.fast.out")" "$(wc -l <"$WORK/$name.fast.flows")" \
    "$(sed -n 's/.*(\([0-9]*\) of them predicted.*/\1/p' "$WORK/$name.fast.err")" \
    "$(sed -n 's/.* \([0-9]*\) frames run.*/\1/p' "$WORK/$name.fast.err")"
}

compare corpus -- "${FILES[@]}"
compare twice -- "$WORK/twice.pcap"
compare x40 -- "$WORK/x40.pcap"
compare x40-small --max-flows 512 -- "$WORK/x40.pcap"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if command -v nginx >/dev/null && command -v curl >/dev/null && command -v swaks >/dev/null \
   && command -v tcpdump >/dev/null && command -v ethtool >/dev/null; then
  "$ROOT/scripts/record-long-flows.sh" "$WORK/long.pcap" 24 >"$WORK/long.log" 2>&1 \
    || fail "recording long flows: $(tail -3 "$WORK/long.log")"
  OFFLOADS=on "$ROOT/scripts/record-long-flows.sh" "$WORK/long-gso.pcap" 24 >"$WORK/long-gso.log" 2>&1 \
    || fail "recording long flows (GSO): $(tail -3 "$WORK/long-gso.log")"
  [[ -s $WORK/long.pcap ]] && compare long -- "$WORK/long.pcap"
  [[ -s $WORK/long-gso.pcap ]] && compare long-gso -- "$WORK/long-gso.pcap"
else
  fail "nginx, curl, swaks, tcpdump or ethtool missing (scripts/setup.sh installs them): long flows not compared"
fi

if [[ $failures -ne 0 ]]; then
  echo "replay_skip_equal: $failures failure(s)"
  exit 1
fi
echo "replay_skip_equal: the fast paths and --exact agree"
