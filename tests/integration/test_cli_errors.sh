#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# What a user sees when the input is wrong: one line on stderr naming the problem, and the exit
# code `protoport --help` documents (1 runtime, 2 bad input, 3 bad capture). Needs root for the
# commands that load BPF; the not-root case runs as nobody.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/require.sh"
require_root
PP=${PROTOPORT:?set PROTOPORT to the protoport binary}
CAPTURE="$HERE/../data/corpus/ndpi__http.pcapng"
DIR=$(mktemp -d /tmp/pp-cli.XXXXXX)
trap 'rm -rf "$DIR"' EXIT

fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# expect CODE PATTERN CMD...: exit code CODE and stderr matching PATTERN (an extended regex).
expect() {
  local code=$1 pattern=$2 rc=0
  shift 2
  "$@" >"$DIR/out" 2>"$DIR/err" || rc=$?
  if [[ $rc != "$code" ]]; then
    fail "'$*': exit $rc, want $code; stderr: $(head -c 300 "$DIR/err")"
  elif ! grep -Eq -- "$pattern" "$DIR/err"; then
    fail "'$*': stderr does not match /$pattern/: $(head -c 300 "$DIR/err")"
  fi
}

expect 2 "Run 'protoport --help'" "$PP" watch
expect 2 "--format" "$PP" watch -i lo --format xml
expect 2 "no such interface: pp-none0" "$PP" watch -i pp-none0
expect 2 "snap length 5000" "$PP" watch -i lo --snap-len 5000
expect 2 "--xdp-mode" "$PP" watch -i lo --xdp-mode fast
printf 'preset: default\nexpected_ports:\n  dns: [53, 70000]\n' >"$DIR/bad.yaml"
expect 2 "^$DIR/bad.yaml:3: " "$PP" policy --config "$DIR/bad.yaml"
expect 2 "^$DIR/bad.yaml:3: " "$PP" replay --config "$DIR/bad.yaml" "$CAPTURE"
# A capture that cannot be opened is a capture problem (README: exit 3), with the reason.
expect 3 "missing.pcap: cannot open: No such file or directory" "$PP" replay "$DIR/missing.pcap"
printf 'not a capture\n' >"$DIR/text.pcap"
expect 3 "text.pcap: not a pcap or pcapng capture" "$PP" replay "$DIR/text.pcap"
head -c 1500 "$CAPTURE" >"$DIR/cut.pcapng"
expect 3 "cut.pcapng: frame [0-9]+: truncated capture" "$PP" replay "$DIR/cut.pcapng"
grep -q "protoport report" "$DIR/out" || fail "a truncated capture must still print the report of what was read"
expect 1 "needs root" setpriv --reuid=65534 --regid=65534 --clear-groups "$PP" replay "$CAPTURE"

# Each error is one line (no libbpf chatter, no stack of messages).
expect 2 "no such interface" "$PP" watch -i pp-none0
[[ $(wc -l <"$DIR/err") == 1 ]] || fail "an error must be one line, got: $(cat "$DIR/err")"

if ((fails)); then
  echo "cli_errors: $fails failure(s)" >&2
  exit 1
fi
echo "cli_errors: all cases passed"
