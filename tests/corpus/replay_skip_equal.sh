#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# replay's skip filter changes nothing but speed: every capture of the corpus replayed with the
# filter (default) and with --exact (every frame test-run) must give the same --flows lines,
# the same --format json report rows and the same kernel counters (the skipped frames' predicted
# counts added). Two inputs:
#  - all captures in one process (the flow table is emptied between files);
#  - the Ethernet captures concatenated twice into ONE file (mergecap -a), so every 5-tuple comes
#    back on a flow table that still holds it: the case where a SYN or SYN+ACK restarts a flow.
# The skip run must also have left frames out, or the comparison proves nothing.
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

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# compare NAME FILE...: replays FILE... both ways and compares what must be equal.
compare() {
  local name=$1; shift
  local mode
  for mode in skip exact; do
    local extra=()
    [[ $mode == exact ]] && extra=(--exact)
    local rc=0
    "$PROTOPORT" replay --no-progress "${extra[@]}" --format json --flows "$WORK/$name.$mode.flows" \
      "$@" >"$WORK/$name.$mode.out" 2>"$WORK/$name.$mode.err" || rc=$?
    if [[ $rc -ne 0 ]]; then
      fail "$name: protoport replay ${extra[*]} exited $rc: $(tail -2 "$WORK/$name.$mode.err")"
      return
    fi
    grep '"event":"kernel_counters"' "$WORK/$name.$mode.err" >"$WORK/$name.$mode.counters" || true
  done
  local what
  for what in out flows counters; do
    if [[ ! -s $WORK/$name.skip.$what ]]; then
      fail "$name: the $what output is empty: nothing compared"
    elif ! cmp -s "$WORK/$name.skip.$what" "$WORK/$name.exact.$what"; then
      fail "$name: $what differs with the skip filter (< skip, > --exact):"
      diff "$WORK/$name.skip.$what" "$WORK/$name.exact.$what" | head -20 || true  # diff: 1 when different
    fi
  done
  grep -q '"event":"report_summary"' "$WORK/$name.skip.out" || fail "$name: no report summary"
  # "N frames run (M of them predicted, not test-run)": the skip run must have skipped.
  local skipped exact_skipped
  skipped=$(sed -n 's/.*(\([0-9]*\) of them predicted.*/\1/p' "$WORK/$name.skip.err")
  exact_skipped=$(sed -n 's/.*(\([0-9]*\) of them predicted.*/\1/p' "$WORK/$name.exact.err")
  [[ -n $skipped && $skipped -gt 0 ]] || fail "$name: the skip filter left no frame out ('${skipped}')"
  [[ $exact_skipped == 0 ]] || fail "$name: --exact left frames out ('${exact_skipped}')"
  printf '%-8s %4d files: %6d report lines, %6d flow lines, counters line compared; %s frames not test-run\n' \
    "$name" $# "$(wc -l <"$WORK/$name.skip.out")" "$(wc -l <"$WORK/$name.skip.flows")" "${skipped:-?}"
}

compare corpus "${FILES[@]}"
compare twice "$WORK/twice.pcap"

if [[ $failures -ne 0 ]]; then
  echo "replay_skip_equal: $failures failure(s)"
  exit 1
fi
echo "replay_skip_equal: skip filter and --exact agree"
