#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# unit.export_exit_codes: the exit code and message of `protoport replay --metrics-listen` on an
# address another process listens on. That can be temporary (the previous instance still
# stopping), so it is a runtime failure, exit 1, which systemd's Restart= retries; exit 2 (bad
# input) is in the unit's RestartPreventExitStatus. A malformed address stays exit 2. The
# exporters are set up before the BPF program is loaded, so this runs without root.
# Usage: test_export_exit_codes.sh PROTOPORT_BINARY
set -euo pipefail
PP=${1:?usage: $0 PROTOPORT_BINARY}
DIR=$(mktemp -d /tmp/pp-export-exit.XXXXXX)
HOLDER=
cleanup() {
  [[ -n $HOLDER ]] && kill "$HOLDER" 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# A listener on a free loopback port, held by a child process that prints the port once bound.
coproc HOLD { exec python3 -c '
import socket, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
print(s.getsockname()[1], flush=True)
while True:
    time.sleep(3600)
'; }
HOLDER=$HOLD_PID
PORT=
read -r -t 10 PORT <&"${HOLD[0]}" || true
[[ -n $PORT ]] || { echo "FAIL: no listener" >&2; exit 1; }
BUSY=127.0.0.1:$PORT

rc=0
"$PP" replay --metrics-listen "$BUSY" /dev/null >"$DIR/out" 2>"$DIR/err" || rc=$?
[[ $rc == 1 ]] || fail "address in use: exit $rc, want 1; stderr: $(head -c 300 "$DIR/err")"
grep -q -- "$BUSY.*in use" "$DIR/err" || fail "the message does not name $BUSY and say it is in use: $(cat "$DIR/err")"
[[ $(wc -l <"$DIR/err") == 1 ]] || fail "more than one line on stderr: $(cat "$DIR/err")"

# An address no interface has (yet: an interface that comes up later): temporary too.
rc=0
"$PP" replay --metrics-listen 192.0.2.7:9799 /dev/null >"$DIR/out" 2>"$DIR/err" || rc=$?
[[ $rc == 1 ]] || fail "address not on this host: exit $rc, want 1; stderr: $(head -c 300 "$DIR/err")"
grep -q -- "192.0.2.7:9799" "$DIR/err" || fail "the message does not name the address: $(cat "$DIR/err")"

rc=0
"$PP" replay --metrics-listen 127.0.0.1:0 /dev/null >"$DIR/out" 2>"$DIR/err" || rc=$?
[[ $rc == 2 ]] || fail "port 0: exit $rc, want 2; stderr: $(head -c 300 "$DIR/err")"

if ((fails)); then echo "export_exit_codes: $fails failure(s)" >&2; exit 1; fi
echo "export_exit_codes: all checks passed"
