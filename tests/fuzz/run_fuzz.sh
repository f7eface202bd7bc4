#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Runs one libFuzzer target for a bounded number of inputs over its committed seed corpus, as a
# ctest test: exit 0 only if no input crashed, timed out or raised a sanitizer report.
#   run_fuzz.sh FUZZER SEED_DIR RUNS WORK_DIR [extra libFuzzer flags...]
# New inputs go to WORK_DIR/corpus (wiped each run), never into the committed seeds; a crashing
# input is kept as WORK_DIR/crash-* for reproduction: FUZZER WORK_DIR/crash-...
set -euo pipefail
if [ $# -lt 4 ]; then
  echo "usage: run_fuzz.sh FUZZER SEED_DIR RUNS WORK_DIR [libFuzzer flags...]" >&2
  exit 2
fi
fuzzer=$1 seeds=$2 runs=$3 work=$4
shift 4
[ -x "$fuzzer" ] || { echo "run_fuzz: no fuzzer binary at $fuzzer" >&2; exit 2; }
[ -d "$seeds" ] || { echo "run_fuzz: no seed corpus at $seeds" >&2; exit 2; }
rm -rf "$work/corpus"
mkdir -p "$work/corpus"
trap 'rm -rf "$work/corpus"' EXIT
# Any sanitizer report is fatal; UBSan would otherwise print and carry on.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
"$fuzzer" -runs="$runs" -seed=1 -error_exitcode=77 -timeout_exitcode=78 -timeout=10 \
  -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/" "$@" "$work/corpus" "$seeds"
