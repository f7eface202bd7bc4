#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# integration.export_hec: the Splunk HEC exporter against a HEC stand-in on 127.0.0.1
# (lib/hec_receiver.py), fed by `protoport replay` of a real capture (DNS on 443/udp: one
# mismatch row, 39 flows):
#  1. delivery: path, `Authorization: Splunk <token>` (token from a file), envelope, every CIM
#     field, each event exactly once and identical to --output;
#  2. 503 twice: retried with growing backoff, then delivered once; token from the environment;
#  3. a stalled collector: the request times out and is retried;
#  4. a collector that always stalls: the bounded queue drops and counts, the exit grace ends the
#     run in bounded time, every event accounted for; replay still prints its report;
#  5. a wrong token: 401, dropped and counted as rejected, not retried;
#  6. HTTPS: a self-signed collector is refused by default (certificate verification), accepted
#     with ca_file.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/require.sh"
require_root
PROTOPORT=${PROTOPORT:?set PROTOPORT to the protoport binary}
CAPTURE="$HERE/../data/corpus/ndpi__avast_securedns.pcapng"
[[ -f $CAPTURE ]] || { echo "missing $CAPTURE" >&2; exit 1; }

DIR=$(mktemp -d /tmp/pp-hec.XXXXXX)
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$DIR"
}
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
TOKEN=0b5c1f6e-7a2d-4c8e-9f10-3e4d5c6b7a80
printf '%s\n' "$TOKEN" >"$DIR/token"
chmod 600 "$DIR/token"
HOSTNAME_NOW=$(hostname)

# start_receiver NAME SCRIPT [ARGS...]: sets PORT; log in $DIR/NAME.log
start_receiver() {
  local name=$1 script=$2; shift 2
  /usr/bin/python3 "$HERE/lib/hec_receiver.py" --port-file "$DIR/$name.port" --log "$DIR/$name.log" \
    --token "$TOKEN" --script "$script" "$@" 2>"$DIR/$name.receiver.err" &
  PIDS+=($!)
  local i
  for i in $(seq 100); do [[ -f $DIR/$name.port ]] && break; sleep 0.05; done
  [[ -f $DIR/$name.port ]] || { cat "$DIR/$name.receiver.err" >&2; echo "receiver did not start" >&2; exit 1; }
  PORT=$(<"$DIR/$name.port")
  touch "$DIR/$name.log"
}

# config NAME URL [YAML lines under splunk_hec...]
config() {
  local name=$1 url=$2; shift 2
  {
    echo "exporters:"
    echo "  exit_grace: ${GRACE:-5}"
    echo "  splunk_hec:"
    echo "    url: $url"
    echo "    index: netsec"
    echo "    events: [new_mismatch, report_row, risk]"
    echo "    flush_interval: ${FLUSH:-0.05}"
    local l; for l in "$@"; do echo "    $l"; done
  } >"$DIR/$name.yaml"
}

# replay NAME [ARGS...]: stdout/stderr in $DIR/NAME.out / .err, exit code in RC
replay() {
  local name=$1; shift
  RC=0
  "$PROTOPORT" replay --no-progress --risk --format json --config "$DIR/$name.yaml" \
    --output "$DIR/$name.jsonl" "$@" "$CAPTURE" >"$DIR/$name.out" 2>"$DIR/$name.err" || RC=$?
}

stat_line() { grep '^exporter splunk_hec' "$DIR/$1.err" || true; }

# --- 1. delivery ---------------------------------------------------------------------------
start_receiver ok ok
config ok "http://127.0.0.1:$PORT" "token_file: $DIR/token"
replay ok
[[ $RC == 0 ]] || fail "delivery: replay exit $RC: $(cat "$DIR/ok.err")"
/usr/bin/python3 "$HERE/lib/hec_check.py" "$DIR/ok.log" "$DIR/ok.jsonl" "$HOSTNAME_NOW" netsec \
  || fail "delivery: the received events do not match"
grep -q 'rule":"dns-unexpected-port"' "$DIR/ok.jsonl" || fail "delivery: no mismatch in --output"
grep -q '^exporter splunk_hec http://127.0.0.1:[0-9]*/services/collector/event: 3 events sent' "$DIR/ok.err" \
  || fail "delivery: stats line: $(stat_line ok)"
grep -qF "$TOKEN" "$DIR/ok.err" "$DIR/ok.out" && fail "delivery: the token appears in protoport's output"

# --- 2. 503, 503, then ok: retry with backoff; token from the environment --------------------
start_receiver busy 503,503,ok
FLUSH=0.5 config busy "http://127.0.0.1:$PORT" "token_env: PP_TEST_HEC_TOKEN" "retry_initial: 0.2" \
  "retry_max: 2" "batch_events: 10"
PP_TEST_HEC_TOKEN=$TOKEN replay busy
[[ $RC == 0 ]] || fail "503: replay exit $RC"
/usr/bin/python3 - "$DIR/busy.log" <<'PY' || fail "503: retry schedule"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
statuses = [r["status"] for r in reqs]
assert statuses[:3] == [503, 503, 200], statuses
# The same batch each time; backoff 0.2 s then 0.4 s, each with jitter 0.8..1.0 (lower bounds only).
gap1, gap2 = reqs[1]["t"] - reqs[0]["t"], reqs[2]["t"] - reqs[1]["t"]
assert gap1 >= 0.15, gap1
assert gap2 >= 0.31, gap2
assert reqs[0]["received"] == reqs[1]["received"] == reqs[2]["received"] >= 1, reqs
print("503: gaps %.2f s, %.2f s" % (gap1, gap2))
PY
/usr/bin/python3 "$HERE/lib/hec_check.py" "$DIR/busy.log" "$DIR/busy.jsonl" "$HOSTNAME_NOW" netsec \
  || fail "503: events lost or duplicated after retries"
grep -q 'HTTP 503' "$DIR/busy.err" || fail "503: no error shown on stderr"
grep -q 'delivering again' "$DIR/busy.err" || fail "503: recovery not shown"
grep -q ' 2 errors, 2 retries, dropped 0 ' "$DIR/busy.err" || fail "503: stats: $(stat_line busy)"

# --- 3. a stalled request times out and is retried --------------------------------------------
start_receiver stall stall,ok --stall 5
FLUSH=0.5 config stall "http://127.0.0.1:$PORT" "token_file: $DIR/token" "timeout: 0.5" \
  "retry_initial: 0.1" "batch_events: 10"
replay stall
[[ $RC == 0 ]] || fail "stall: replay exit $RC"
grep -qi 'timeout was reached\|timed out' "$DIR/stall.err" || fail "stall: no timeout reported: $(cat "$DIR/stall.err")"
/usr/bin/python3 "$HERE/lib/hec_check.py" "$DIR/stall.log" "$DIR/stall.jsonl" "$HOSTNAME_NOW" netsec \
  || fail "stall: events not delivered after the timeout"

# --- 4. always stalled: bounded queue, counted drops, bounded exit -----------------------------
start_receiver dead stall --stall 60
GRACE=1 FLUSH=0 config dead "http://127.0.0.1:$PORT" "token_file: $DIR/token" "timeout: 0.3" \
  "retry_initial: 0.1" "queue_events: 1" "batch_events: 1"
start=$(date +%s%N)
replay dead
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[[ $RC == 0 ]] || fail "dead: replay exit $RC"
grep -q '"event":"report_summary"' "$DIR/dead.out" || fail "dead: replay did not print its report"
line=$(stat_line dead)
[[ $line =~ :\ 0\ events\ sent.*dropped\ 3\ \(queue\ full\ ([0-9]+),\ rejected\ 0,\ at\ exit\ ([0-9]+)\) ]] \
  || fail "dead: stats line: $line"
(( ${BASH_REMATCH[1]:-0} >= 1 )) || fail "dead: the bounded queue (1) dropped nothing: $line"
# Exit grace 1 s: the run ends well before the collector's 60 s stall (generous bound for load).
(( elapsed_ms < 15000 )) || fail "dead: replay took ${elapsed_ms} ms: blocked by the collector"
echo "dead collector: $line (replay ${elapsed_ms} ms)"

# --- 5. wrong token: rejected, counted, not retried ---------------------------------------------
start_receiver badtoken ok
printf 'not-the-token\n' >"$DIR/wrong"
chmod 600 "$DIR/wrong"
FLUSH=0.5 config badtoken "http://127.0.0.1:$PORT" "token_file: $DIR/wrong" "batch_events: 10"
replay badtoken
[[ $RC == 0 ]] || fail "badtoken: replay exit $RC"
grep -q 'HTTP 401' "$DIR/badtoken.err" || fail "badtoken: 401 not shown"
grep -q ': 0 events sent .* 0 retries, dropped 3 (queue full 0, rejected 3, at exit 0)' "$DIR/badtoken.err" \
  || fail "badtoken: stats: $(stat_line badtoken)"

# --- 6. HTTPS: verification on by default ---------------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1" -keyout "$DIR/key.pem" -out "$DIR/cert.pem" >/dev/null 2>&1
start_receiver tls ok --tls-cert "$DIR/cert.pem" --tls-key "$DIR/key.pem"
GRACE=1 FLUSH=0 config tls-noca "https://127.0.0.1:$PORT" "token_file: $DIR/token" "retry_initial: 0.1"
replay tls-noca
grep -qi 'certificate' "$DIR/tls-noca.err" || fail "tls: an unknown CA was not refused: $(stat_line tls-noca)"
grep -q ': 0 events sent' "$DIR/tls-noca.err" || fail "tls: sent despite an unverified certificate"
[[ $(grep -c . "$DIR/tls.log") == 0 ]] || fail "tls: the stand-in got a request without verification"
config tls-ca "https://127.0.0.1:$PORT" "token_file: $DIR/token" "ca_file: $DIR/cert.pem"
replay tls-ca
/usr/bin/python3 "$HERE/lib/hec_check.py" "$DIR/tls.log" "$DIR/tls-ca.jsonl" "$HOSTNAME_NOW" netsec \
  || fail "tls: not delivered with ca_file"

if (( fails )); then
  echo "export_hec: $fails failure(s)" >&2
  exit 1
fi
echo "export_hec: all checks passed"
