#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# integration.export_syslog: a real rsyslogd (Debian's, private configuration, own work dir and
# pid file) in a test network namespace receives protoport's RFC 5424 messages over UDP and TCP
# on the namespace's 127.0.0.1, and over a unix datagram socket in the test's temp dir. rsyslog's
# own RFC 5424 parser and mmpstrucdata (structured data -> JSON) must read back, for every
# message, the header (PRI, APP-NAME, MSGID, HOSTNAME, TIMESTAMP) and every CIM field equal to
# protoport's --output line, including a DNS name full of ", ], \ and an ESC byte.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/require.sh"
require_root
PROTOPORT=${PROTOPORT:?set PROTOPORT to the protoport binary}
command -v rsyslogd >/dev/null || { echo "integration: missing package rsyslog (run scripts/setup.sh)" >&2; exit 1; }

DIR=$(mktemp -d /tmp/pp-syslog.XXXXXX)
NS=pp-syslog-$$-$RANDOM
cleanup() {
  if [[ -f $DIR/rsyslog.pid ]]; then kill "$(<"$DIR/rsyslog.pid")" 2>/dev/null || true; fi
  ip netns pids "$NS" 2>/dev/null | xargs -r kill 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT
ip netns add "$NS"
ip -n "$NS" link set lo up
mkdir -p "$DIR/work"
PORT=5514
cat >"$DIR/rsyslog.conf" <<CONF
global(workDirectory="$DIR/work" maxMessageSize="64k")
module(load="imudp")
module(load="imtcp")
module(load="imuxsock" SysSock.Use="off")
module(load="mmpstrucdata")
input(type="imudp" address="127.0.0.1" port="$PORT" ruleset="pp")
input(type="imtcp" address="127.0.0.1" port="$PORT" ruleset="pp")
input(type="imuxsock" Socket="$DIR/log.sock" ruleset="pp" UseSpecialParser="off" ParseHostname="on" IgnoreTimestamp="off")
template(name="ppjson" type="list" option.jsonf="on") {
  property(outname="input" name="inputname" format="jsonf")
  property(outname="pri" name="pri" format="jsonf")
  property(outname="app" name="app-name" format="jsonf")
  property(outname="msgid" name="msgid" format="jsonf")
  property(outname="host" name="hostname" format="jsonf")
  property(outname="procid" name="procid" format="jsonf")
  property(outname="ts" name="timereported" dateFormat="rfc3339" format="jsonf")
  property(outname="msg" name="msg" format="jsonf")
  property(outname="sd" name="\$!rfc5424-sd" format="jsonf")
}
ruleset(name="pp") {
  action(type="mmpstrucdata" sd_name.lowercase="off")
  action(type="omfile" file="$DIR/received.jsonl" template="ppjson")
}
CONF
rsyslogd -N1 -f "$DIR/rsyslog.conf" >"$DIR/rsyslog-check.log" 2>&1 || { cat "$DIR/rsyslog-check.log" >&2; exit 1; }
ip netns exec "$NS" rsyslogd -n -f "$DIR/rsyslog.conf" -i "$DIR/rsyslog.pid" >"$DIR/rsyslog.log" 2>&1 &
for _ in $(seq 200); do
  ip netns exec "$NS" ss -Hnlt "sport = :$PORT" | grep -q . && ip netns exec "$NS" ss -Hnlu "sport = :$PORT" | grep -q . \
    && [[ -S $DIR/log.sock ]] && break
  sleep 0.05
done
[[ -S $DIR/log.sock ]] || { cat "$DIR/rsyslog.log" >&2; echo "rsyslogd did not start" >&2; exit 1; }

# Two DNS queries to 5300/udp: a plain name and a hostile one (bytes: q"uo]te\back ESC [31m . x] y="z).
HOSTILE_HEX=$(printf 'q"uo]te\\back\x1b[31m.x] y="z' | od -An -tx1 | tr -d ' \n')
/usr/bin/python3 "$HERE/lib/make_dns_pcap.py" "$DIR/dns.pcap" 5300 "$(printf plain.example | od -An -tx1 | tr -d ' \n')" "$HOSTILE_HEX"

run() {  # run NAME ADDRESS [ARGS...]: replay into syslog, inside the namespace
  local name=$1 address=$2; shift 2
  ip netns exec "$NS" "$PROTOPORT" replay --no-progress --format json --output "$DIR/$name.jsonl" \
    --syslog "$address" "$@" "$DIR/dns.pcap" >"$DIR/$name.out" 2>"$DIR/$name.err" \
    || { cat "$DIR/$name.err" >&2; echo "FAIL: replay $name" >&2; exit 1; }
}
run udp "udp://127.0.0.1:$PORT" --risk
run tcp "tcp://127.0.0.1:$PORT"
run unix "unix:$DIR/log.sock"
# 2 new mismatches + 2 risk events over UDP, 2 + 2 over TCP and unix.
for _ in $(seq 200); do
  [[ -f $DIR/received.jsonl && $(wc -l <"$DIR/received.jsonl") -ge 8 ]] && break
  sleep 0.05
done
grep -h '^exporter syslog' "$DIR"/{udp,tcp,unix}.err

/usr/bin/python3 - "$DIR" "$(hostname)" <<'PY'
import calendar, json, sys, time
d, host = sys.argv[1], sys.argv[2]
problems = []
got = [json.loads(l) for l in open(d + "/received.jsonl")]
by_input = {"imudp": "udp", "imtcp": "tcp", "imuxsock": "unix"}
for name in ("udp", "tcp", "unix"):
    sent = [json.loads(l) for l in open("%s/%s.jsonl" % (d, name))]
    sent = [e for e in sent if e["event"] in ("new_mismatch", "risk")]
    recv = [g for g in got if by_input.get(g["input"]) == name]
    if len(recv) != len(sent):
        problems.append("%s: rsyslog got %d messages, protoport sent %d" % (name, len(recv), len(sent)))
    for e, g in zip(sent, recv):
        sd = json.loads(g["sd"]).get("protoport@32473")
        if sd is None:
            problems.append("%s: no protoport@32473 structured data: %r" % (name, g))
            continue
        # Control characters travel as the text \xNN (protoport::for_syslog_param).
        ctl = lambda v: "".join("\\x%02x" % ord(c) if ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0 else c for c in v)
        want = {k: ctl(str(v)) for k, v in e.items() if k != "event"}
        if sd != want:
            problems.append("%s: structured data differs:\n  got  %r\n  want %r" % (name, sd, want))
        if g["msgid"] != e["event"] or g["app"] != "protoport" or g["host"] != host:
            problems.append("%s: header msgid/app/host %r" % (name, [g["msgid"], g["app"], g["host"]]))
        if g["pri"] != "132":  # local0 (16) * 8 + warning (4)
            problems.append("%s: PRI %r" % (name, g["pri"]))
        ts = calendar.timegm(time.strptime(g["ts"][:19], "%Y-%m-%dT%H:%M:%S"))
        own = calendar.timegm(time.strptime(e["firstTime"], "%Y-%m-%dT%H:%M:%S"))
        if ts != own:
            problems.append("%s: TIMESTAMP %s is not the event's %s" % (name, g["ts"], e["firstTime"]))
    hostile = [json.loads(g["sd"])["protoport@32473"].get("dns_qname") for g in recv]
    # ", ] and \ arrive as themselves; ESC arrives as the text \x1b (never as a raw byte).
    if 'q"uo]te\\back\\x1b[31m.x] y="z' not in hostile:
        problems.append("%s: hostile name not read back exactly: %r" % (name, hostile))
for p in problems:
    print("FAIL: " + p)
print("export_syslog: %d messages read back by rsyslog" % len(got))
sys.exit(1 if problems else 0)
PY
echo "export_syslog: all checks passed"
