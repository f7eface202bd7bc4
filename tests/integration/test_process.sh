#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# integration.process (issue 16, part 2): the process behind a mismatch, with real programs.
#   client side  the watch on the client's own veth; from the client namespace:
#                - dig to 5300/udp where nothing listens (no reply ever comes): named dig, with
#                  its pid;
#                - curl to nginx on 8081, run in a child cgroup: named curl, its pid, uid 0,
#                  user root, /usr/bin/curl, and that cgroup's path;
#   exited       dig run and exited while the watch was stopped (SIGSTOP): named after SIGCONT,
#                with its pid, without a path;
#   server side  the watch on the server's veth; openssl s_server started after it (a server's
#                port is named by the bind() the hooks see) on 4443: the incoming TLS mismatch
#                is named openssl;
#   forwarded    the server namespace routes the client's TLS to a third namespace: the row is
#                there, without process fields (a router-local s_server on the same port is
#                not taken for it);
#   filter       an allowlist entry by process_name (dig may query 5300): dig's row suppressed
#                and counted, curl's kept;
#   --no-process no process fields at all.
# JSON rows, CSV and --flows all carry the fields. A server already listening when the watch
# starts is not named (its bind came before the hooks): see the README.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/lab_test.sh"
source "$HERE/lib/tunnel_peers.sh"  # tp_wireguard_ns: a third namespace routed behind the server's

CG_ROOT=$(findmnt -n -t cgroup2 -o TARGET | head -1)
[[ -n $CG_ROOT ]] || { echo "integration: no cgroup v2 mount" >&2; exit 1; }
CG_CHILD="$CG_ROOT/pp-test-$$-$RANDOM"
cleanup_cgroup() { [[ -d $CG_CHILD ]] && rmdir "$CG_CHILD" 2>/dev/null || true; }
trap cleanup_cgroup EXIT
mkdir "$CG_CHILD"

lab_up
peer_http 8081
peers_wait

field() {  # field FILE EVENT APP PORT NAME: the value of NAME in the first such JSON event
  /usr/bin/python3 - "$@" <<'PY'
import json, sys
path, event, app, port, name = sys.argv[1:]
for line in open(path):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    if r.get("event") == event and r.get("app") == app and str(r.get("dest_port")) == port:
        v = r.get(name)
        print("" if v is None else v)
        break
PY
}

# --- client side ---
pp_watch_start cli "$LAB_NS_C" "$LAB_IF_C" --format json --interval 0 --flows "$LAB_DIR/cli.flows"
# Not through in_client (a shell function: `&` would fork a subshell): `ip netns exec` execs
# dig, so $! is dig's pid.
ip netns exec "$LAB_NS_C" dig +tries=1 +time=1 @"$LAB_S4" -p 5300 exfil.lab.test >/dev/null 2>&1 &
dig_pid=$!
wait "$dig_pid" || true
# Into the child cgroup first (from this mount namespace: `ip netns exec` hides /sys/fs/cgroup),
# then into the client's network namespace: curl keeps the pid of this shell and its cgroup.
sh -c 'echo $$ > "$1/cgroup.procs" && exec ip netns exec "$2" curl -sf -o /dev/null "http://$3:8081/"' \
  sh "$CG_CHILD" "$LAB_NS_C" "$LAB_S4" &
curl_pid=$!
wait "$curl_pid" || fail "curl failed"
wait_for "grep -q '\"dest_port\":8081' '$LAB_DIR/cli.out'" 5 || true
pp_watch_stop cli
out="$LAB_DIR/cli.out"
[[ $(field "$out" new_mismatch dns 5300 process_name) == dig ]] || fail "dns/5300: process_name '$(field "$out" new_mismatch dns 5300 process_name)', want dig"
[[ $(field "$out" new_mismatch dns 5300 process_id) == "$dig_pid" ]] || fail "dns/5300: process_id '$(field "$out" new_mismatch dns 5300 process_id)', want $dig_pid"
[[ $(field "$out" new_mismatch http 8081 process_name) == curl ]] || fail "http/8081: process_name '$(field "$out" new_mismatch http 8081 process_name)', want curl"
[[ $(field "$out" new_mismatch http 8081 process_id) == "$curl_pid" ]] || fail "http/8081: process_id, want $curl_pid"
[[ $(field "$out" new_mismatch http 8081 user_id) == 0 ]] || fail "http/8081: user_id"
[[ $(field "$out" new_mismatch http 8081 user) == root ]] || fail "http/8081: user"
[[ $(field "$out" new_mismatch http 8081 process_path) == "$(readlink -f "$(command -v curl)")" ]] || fail "http/8081: process_path '$(field "$out" new_mismatch http 8081 process_path)'"
[[ $(field "$out" new_mismatch http 8081 cgroup) == "/${CG_CHILD##*/}" ]] || fail "http/8081: cgroup '$(field "$out" new_mismatch http 8081 cgroup)', want /${CG_CHILD##*/}"
[[ $(field "$out" report_row http 8081 process_count) == 1 ]] || fail "http/8081 row: process_count"
[[ $(field "$out" report_row http 8081 process_name) == curl ]] || fail "http/8081 row: process_name"
[[ $(field "$LAB_DIR/cli.flows" flow http 8081 process_name) == curl ]] || fail "--flows: process_name"

# --- a process that exited before the verdict: the watch is stopped (SIGSTOP) while dig runs
# and exits; the samples and socket events wait in the kernel's ring buffers, and the verdict
# comes after SIGCONT, when /proc/PID is gone: still named (from the kernel's event), the path
# left out rather than guessed ---
pp_watch_start late "$LAB_NS_C" "$LAB_IF_C" --format json --interval 0
kill -STOP "${PP_PID[late]}"
ip netns exec "$LAB_NS_C" dig +tries=1 +time=1 @"$LAB_S4" -p 5301 late.lab.test >/dev/null 2>&1 &
late_pid=$!
wait "$late_pid" || true
[[ -e /proc/$late_pid ]] && fail "exited process: dig ($late_pid) still running"
kill -CONT "${PP_PID[late]}"
wait_for "grep -q '\"dest_port\":5301' '$LAB_DIR/late.out'" 5 || fail "exited process: no dns/5301 row"
pp_watch_stop late
[[ $(field "$LAB_DIR/late.out" new_mismatch dns 5301 process_name) == dig ]] || fail "exited process: process_name '$(field "$LAB_DIR/late.out" new_mismatch dns 5301 process_name)', want dig"
[[ $(field "$LAB_DIR/late.out" new_mismatch dns 5301 process_id) == "$late_pid" ]] || fail "exited process: process_id, want $late_pid"
[[ -z $(field "$LAB_DIR/late.out" new_mismatch dns 5301 process_path) ]] || fail "exited process: a path for a process /proc no longer has"

# --- server side: a server that binds after the watch started (its port's owner) ---
pp_watch_start srv "$LAB_NS_S" "$LAB_IF_S" --format csv --interval 0
peer_tls 4443
peers_wait
in_client curl -sk -o /dev/null "https://$LAB_S4:4443/" || fail "curl to s_server failed"
pp_watch_stop srv
/usr/bin/python3 - "$LAB_DIR/srv.out" <<'PY' || fail "server side: the ssl/4443 row should name openssl (above)"
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r.get("event") == "new_mismatch"]
hit = [r for r in rows if r["app"] == "ssl" and r["dest_port"] == "4443"]
if not hit or hit[0].get("process_name") != "openssl" or not hit[0].get("process_id"):
    print("server side rows:", rows, file=sys.stderr)
    sys.exit(1)
PY

# --- forwarded: the server namespace routes to a third one; no local socket, no process ---
# An s_server on the same port in the router namespace itself (every address) must not be
# taken for the forwarded flow's process: the flow's responder is not one of the router's.
A_FWD=192.0.2.80  # on the client's link (its neighbour entry: the server's MAC), routed on by the server
tp_wireguard_ns "$A_FWD"
pp_watch_start fwd "$LAB_NS_S" "$LAB_IF_S" --format json --interval 0
d=$(_peers_dir)
lab_spawn "$TP_NS_W" s_server-fwd openssl s_server -accept "$A_FWD:4444" -cert "$d/cert.pem" \
  -key "$d/key.pem" -www -quiet
lab_spawn "$LAB_NS_S" s_server-router openssl s_server -accept 4444 -cert "$d/cert.pem" \
  -key "$d/key.pem" -www -quiet
wait_for "ip netns exec $TP_NS_W ss -ltn | grep -q ':4444 '" 5 || fail "forwarded: s_server did not listen"
wait_for "ip netns exec $LAB_NS_S ss -ltn | grep -q ':4444 '" 5 || fail "router: s_server did not listen"
in_client curl -sk -o /dev/null "https://$A_FWD:4444/" || fail "curl through the router failed"
pp_watch_stop fwd
[[ $(field "$LAB_DIR/fwd.out" new_mismatch ssl 4444 dest_ip) == "$A_FWD" ]] || fail "forwarded: no ssl/4444 row to $A_FWD"
grep '"dest_port":4444' "$LAB_DIR/fwd.out" | grep -q 'process_' && fail "forwarded: process fields on a forwarded flow"

# --- an allowlist by process: dig may query 5300, curl is not excused ---
cat >"$LAB_DIR/allow.yaml" <<'YAML'
filters:
  - process_name: dig
    app: dns
    dest_port: 5300
YAML
pp_watch_start allow "$LAB_NS_C" "$LAB_IF_C" --format json --interval 0 --config "$LAB_DIR/allow.yaml"
in_client dig +tries=1 +time=1 @"$LAB_S4" -p 5300 exfil.lab.test >/dev/null 2>&1 || true
in_client curl -sf -o /dev/null "http://$LAB_S4:8081/" || fail "curl failed"
pp_watch_stop allow
grep -q '"app":"dns"' "$LAB_DIR/allow.out" && fail "filter: the dig query was not suppressed"
[[ $(field "$LAB_DIR/allow.out" new_mismatch http 8081 process_name) == curl ]] || fail "filter: curl's row missing"
grep -q '"filtered":1' "$LAB_DIR/allow.out" || fail "filter: report_summary should count 1 filtered flow"

# --- --no-process: no process fields ---
pp_watch_start off "$LAB_NS_C" "$LAB_IF_C" --format json --interval 0 --no-process
in_client curl -sf -o /dev/null "http://$LAB_S4:8081/" || fail "curl failed"
pp_watch_stop off
grep -q '"dest_port":8081' "$LAB_DIR/off.out" || fail "--no-process: no http/8081 row"
grep -q 'process_' "$LAB_DIR/off.out" && fail "--no-process: process fields printed"

(( fails == 0 )) && echo "process: ok"
exit $(( fails > 0 ))
