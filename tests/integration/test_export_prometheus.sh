#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# integration.export_prometheus: `protoport watch --metrics-listen 127.0.0.1:9799` on the lab
# server's veth, and a real Prometheus (Debian's, private configuration, TSDB in the lab's temp
# dir, listening on the server namespace's 127.0.0.1) scraping it every second. Three DNS queries
# to 5300/udp; the test reads back through Prometheus' HTTP API:
#   protoport_mismatches_total{app="dns",dest_port="5300",transport="udp"} == 3
#   protoport_verdicts_total{app="dns"} == 3, protoport_kernel_packets_total > 0
# and `promtool check metrics` accepts the exposition as served.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/lab_test.sh"
for b in prometheus promtool; do
  command -v $b >/dev/null || { echo "integration: missing package prometheus (run scripts/setup.sh)" >&2; exit 1; }
done

lab_up
peer_dns 5300
peers_wait
METRICS=127.0.0.1:9799
PROM=127.0.0.1:9090
pp_watch_start pp "$LAB_NS_S" "$LAB_IF_S" --format json --interval 0 --metrics-listen "$METRICS"
lab_on_down "kill -INT ${PP_PID[pp]} 2>/dev/null || true"
wait_tcp_listen "$LAB_NS_S" 9799 5 127.0.0.1

mkdir -p "$LAB_DIR/prom"
cat >"$LAB_DIR/prom/prometheus.yml" <<CONF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: protoport
    static_configs:
      - targets: ["$METRICS"]
CONF
lab_spawn "$LAB_NS_S" prometheus prometheus --config.file="$LAB_DIR/prom/prometheus.yml" \
  --storage.tsdb.path="$LAB_DIR/prom/data" --web.listen-address="$PROM" --log.level=warn
wait_tcp_listen "$LAB_NS_S" 9090 15 127.0.0.1 || { tail "$LAB_DIR/logs/prometheus.log" >&2; exit 1; }

for _ in 1 2 3; do client_dig "$LAB_S4" 5300; done

# query EXPR: the value of the single series EXPR returns ("" when none yet).
query() {
  in_server curl -sS -g --max-time 2 "http://$PROM/api/v1/query" --data-urlencode "query=$1" \
    | /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if len(r)==1 else "")'
}
wait_for '[[ $(query "protoport_mismatches_total{app=\"dns\",dest_port=\"5300\",transport=\"udp\"}") == 3 ]]' 20 \
  || fail "Prometheus did not read protoport_mismatches_total 3: '$(query 'protoport_mismatches_total')'"
[[ $(query 'protoport_verdicts_total{app="dns"}') == 3 ]] || fail "verdicts_total{app=dns}: $(query 'protoport_verdicts_total{app="dns"}')"
[[ $(query 'protoport_kernel_packets_total > 0') =~ ^[0-9]+$ ]] || fail "kernel packets counter not scraped"
[[ $(query 'up{job="protoport"}') == 1 ]] || fail "target not up"
echo "prometheus: mismatches $(query 'protoport_mismatches_total{dest_port="5300"}'), kernel packets $(query protoport_kernel_packets_total), samples $(query protoport_samples_total)"

in_server curl -sS --max-time 2 "http://$METRICS/metrics" >"$LAB_DIR/exposition.txt"
promtool check metrics <"$LAB_DIR/exposition.txt" >"$LAB_DIR/promtool.log" 2>&1 \
  || fail "promtool check metrics: $(cat "$LAB_DIR/promtool.log")"
grep -q '^protoport_exporter_queue_events\|^# TYPE protoport_ringbuf_malformed_records_total counter' "$LAB_DIR/exposition.txt" \
  || fail "exposition lacks the ring-buffer family"

pp_watch_stop pp
[[ $PP_RC == 0 ]] || fail "watch exit $PP_RC: $(cat "$LAB_DIR/pp.err")"
if (( fails )); then echo "export_prometheus: $fails failure(s)" >&2; exit 1; fi
echo "export_prometheus: all checks passed"
