#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# integration.export_reload: SIGHUP under traffic. `protoport watch --config FILE` on the lab
# server's veth (DNS peer on 5300/udp, HTTP peer on 8080/tcp):
#   policy 1 (default): 3 DNS queries to 5300 mismatch; HTTP on 8080 does not;
#   SIGHUP with policy 2 (dns also on 5300, http only on 80): 3 more DNS queries do not mismatch,
#     HTTP on 8080 now does;
#   SIGHUP with a broken file: "reload failed", policy 2 stays (HTTP on 8080 mismatches again);
# throughout, the same XDP program stays attached. The final report keeps the rows of before the
# reloads: dns/5300 count 3 and http/8080 count 2, and every flow got its verdict (8).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/lab_test.sh"

lab_up
peer_dns 5300
peer_http 8080
peers_wait
CFG=$LAB_DIR/protoport.yaml
echo "preset: default" >"$CFG"
pp_watch_start pp "$LAB_NS_S" "$LAB_IF_S" --config "$CFG" --format json --interval 0 --flows "$LAB_DIR/flows.jsonl"
lab_on_down "kill -INT ${PP_PID[pp]} 2>/dev/null || true"
prog=$(pp_xdp_state "$LAB_NS_S" "$LAB_IF_S")
verdicts() { [[ -f $LAB_DIR/flows.jsonl ]] && grep -c . "$LAB_DIR/flows.jsonl" || echo 0; }
new_rows() { grep -c "\"event\":\"new_mismatch\".*\"dest_port\":$1," "$LAB_DIR/pp.out" || true; }

# Policy 1.
for _ in 1 2 3; do client_dig "$LAB_S4" 5300; done
client_http "$LAB_S4" 8080
wait_for '(( $(verdicts) >= 4 ))' 10 || fail "policy 1: $(verdicts) verdicts"
[[ $(new_rows 5300) == 1 ]] || fail "policy 1: dns on 5300 not reported"
[[ $(new_rows 8080) == 0 ]] || fail "policy 1: http on 8080 reported"

# Policy 2, by SIGHUP.
cat >"$CFG" <<'YAML'
preset: default
expected_ports:
  dns: [53, 5300]
  http: 80
YAML
kill -HUP "${PP_PID[pp]}"
wait_for 'grep -q "reloaded .*protoport.yaml" "$LAB_DIR/pp.err"' 5 || fail "no reload message: $(cat "$LAB_DIR/pp.err")"
for _ in 1 2 3; do client_dig "$LAB_S4" 5300; done
client_http "$LAB_S4" 8080
wait_for '(( $(verdicts) >= 8 ))' 10 || fail "policy 2: $(verdicts) verdicts"
wait_for '[[ $(new_rows 8080) == 1 ]]' 5 || fail "policy 2: http on 8080 not reported"

# A broken file: refused, policy 2 kept.
printf 'expected_ports:\n  dns: [53, "x"]\n' >"$CFG"
kill -HUP "${PP_PID[pp]}"
wait_for 'grep -q "reload failed, policy unchanged: .*protoport.yaml:2: " "$LAB_DIR/pp.err"' 5 \
  || fail "a bad file was not refused: $(cat "$LAB_DIR/pp.err")"
client_http "$LAB_S4" 8080
wait_for '(( $(verdicts) >= 9 ))' 10 || fail "after the bad reload: $(verdicts) verdicts"

[[ $(pp_xdp_state "$LAB_NS_S" "$LAB_IF_S") == "$prog" ]] || fail "XDP program changed: $prog -> $(pp_xdp_state "$LAB_NS_S" "$LAB_IF_S")"
pp_watch_stop pp
[[ $PP_RC == 0 ]] || fail "watch exit $PP_RC"

/usr/bin/python3 - "$LAB_DIR/pp.out" <<'PY' || fail "final report"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if '"report_row"' in l]
got = sorted((r["app"], r["dest_port"], r["transport"], r["count"]) for r in rows)
want = [("dns", 5300, "udp", 3), ("http", 8080, "tcp", 2)]
print("reload: final rows", got)
sys.exit(0 if got == want else 1)
PY
grep -q '^configuration reloads: 1 ok, 1 failed$' "$LAB_DIR/pp.err" || fail "reload stats: $(grep reloads "$LAB_DIR/pp.err")"
if (( fails )); then cat "$LAB_DIR/pp.err" >&2; echo "export_reload: $fails failure(s)" >&2; exit 1; fi
echo "export_reload: all checks passed"
