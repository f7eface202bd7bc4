#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# integration.watch_options: every numeric option of watch and replay refuses nan, inf, negative,
# zero (where 0 is not allowed), 1e19 and huge values with exit 2 and one line naming the option
# and a range a person can read (not a 309-digit number, not a silent overflow, not a watch that
# runs forever). Each command runs in a private network namespace (unshare -n), so that a value
# wrongly accepted attaches to that namespace's lo, never to the host's; timeout ends it.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/require.sh"
require_root
PP=${PROTOPORT:?set PROTOPORT to the protoport binary}
CAPTURE="$HERE/../data/corpus/ndpi__http.pcapng"
DIR=$(mktemp -d /tmp/pp-opts.XXXXXX)
trap 'rm -rf "$DIR"' EXIT

fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

SECONDS_RANGE='0\.001 to 31536000 seconds'
# option, the range its message must show, the bad values.
cases=(
  "--duration|$SECONDS_RANGE|nan inf -inf -1 1e19 1e-9 0x10 abc"
  "--interval|$SECONDS_RANGE|nan inf -1 1e19 1e-9"
  "--snap-len|1\.\.1024|nan inf -1 0 1e19 1025 99999999999999999999999 4k"
  "--samples-per-dir|1\.\.16|nan -1 0 17 1e19"
  "--max-flows|1\.\.16777216|nan -1 0 1e19 16777217 99999999999999999999999"
  "--ringbuf-size|power of two from 4K to 1G|nan -1 0 3000 1e19 2G 99999999999999999999G 5M"
  "--max-tracked-flows|1\.\.16777216|nan inf -1 0 1e19 16777217"
  "--max-report-rows|1\.\.16777216|nan inf -1 0 1e19 16777217"
)

# check CMD OPTION VALUE RANGE ARGS...: exit 2 and one line naming OPTION and RANGE.
check() {
  local cmd=$1 opt=$2 value=$3 range=$4 rc=0
  shift 4
  unshare -n timeout 5 "$PP" "$cmd" "$@" "$opt" "$value" >/dev/null 2>"$DIR/err" || rc=$?
  local err
  err=$(cat "$DIR/err")
  if [[ $rc != 2 ]]; then
    fail "$cmd $opt $value: exit $rc (124: still running after 5 s), want 2: $(head -c 200 <<<"$err")"
  elif [[ $(wc -l <"$DIR/err") != 1 ]]; then
    fail "$cmd $opt $value: want one line, got: $(head -c 400 <<<"$err")"
  elif ! grep -Eq -- "$opt.*$range" "$DIR/err"; then
    fail "$cmd $opt $value: the line must name $opt and the range /$range/: $err"
  fi
}

for c in "${cases[@]}"; do
  IFS='|' read -r opt range values <<<"$c"
  for v in $values; do
    check watch "$opt" "$v" "$range" -i lo
    [[ $opt == --duration || $opt == --interval ]] || check replay "$opt" "$v" "$range" "$CAPTURE"
  done
done

if ((fails)); then
  echo "watch_options: $fails failure(s)" >&2
  exit 1
fi
echo "watch_options: all cases passed"
