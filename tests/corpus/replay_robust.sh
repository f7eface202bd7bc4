#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# `protoport replay` on hostile or unusual input, one case per run (each its own ctest test, so a
# failure names the case):
#   unopenable  a capture that cannot be opened: exit 3, one line naming the file and strerror
#   damaged     a capture cut inside a record, then a good one: the damaged file is named (with
#               its frame number), the next file is still read (its mismatch reported), exit 3
#   pipes       the same report from a file, `cat f | replay -`, `replay <(cat f)` and a FIFO
#   sigint      SIGINT while reading a FIFO that is never closed: the report and the --output
#               rows of what was read, exit 130 (as Suricata and Zeek do with -r)
#   snaplen     headers claiming a 2 GiB snapshot length (pcap RAW/SLL/NULL, pcapng IDB) cost
#               no memory: peak RSS well under 100 MB; a record above 256 KiB is refused with
#               the file and frame number
# Needs root (loads BPF): exit 77 (ctest: skipped) otherwise.
#   replay_robust.sh PROTOPORT CORPUS_DIR CASE
set -uo pipefail

PP=${1:?usage: replay_robust.sh PROTOPORT CORPUS_DIR CASE}
CORPUS=${2:?usage: replay_robust.sh PROTOPORT CORPUS_DIR CASE}
CASE=${3:?usage: replay_robust.sh PROTOPORT CORPUS_DIR CASE}

if [[ $(id -u) -ne 0 ]]; then
  echo "replay_robust: needs root (protoport replay loads BPF): skipped"
  exit 77
fi

WORK=$(mktemp -d /tmp/pp-replay-robust.XXXXXX)
cleanup() {
  # Only the processes this script started, by their ids.
  [[ -n ${BG_PID:-} ]] && kill "$BG_PID" 2>/dev/null
  [[ -n ${WRITER_PID:-} ]] && kill "$WRITER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

fails=0
fail() { echo "FAIL [$CASE]: $*"; fails=$((fails + 1)); }

# A capture with a known mismatch (labels.csv: http on 2082/tcp, 10.0.0.2 -> 10.0.0.1).
GOOD=$CORPUS/arkime__http-basicauth.pcap
GOOD_ROW='"app":"http".*"dest_port":2082'
# A larger one (33 records), cut below inside a record.
OTHER=$CORPUS/arkime__CVE-2018-6794.pcap

# run NAME CMD...: runs CMD (60 s at most), stdout to $WORK/NAME.out, stderr to $WORK/NAME.err,
# exit code to $rc.
run() {
  local name=$1
  shift
  timeout 60 "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
  rc=$?
}

# report_rows FILE: the report rows of a --format json stdout, in order.
report_rows() { grep '"event":"report_row"' "$1"; }

case $CASE in
unopenable)
  run missing "$PP" replay "$WORK/missing.pcap"
  [[ $rc == 3 ]] || fail "missing file: exit $rc, want 3"
  grep -q "^protoport: $WORK/missing.pcap: cannot open: No such file or directory\$" "$WORK/missing.err" ||
    fail "missing file: want one line naming the file and strerror, got: $(cat "$WORK/missing.err")"
  [[ $(wc -l <"$WORK/missing.err") == 1 ]] || fail "missing file: want one line, got: $(cat "$WORK/missing.err")"
  run dir "$PP" replay "$WORK"
  [[ $rc == 3 ]] || fail "directory: exit $rc, want 3"
  grep -q "^protoport: $WORK: is a directory" "$WORK/dir.err" || fail "directory: got: $(cat "$WORK/dir.err")"
  # A good capture before a missing one: nothing is run, the missing file is named.
  run both "$PP" replay "$GOOD" "$WORK/missing.pcap"
  [[ $rc == 3 ]] || fail "good then missing: exit $rc, want 3"
  grep -q "missing.pcap: cannot open: No such file or directory" "$WORK/both.err" || fail "good then missing: got: $(cat "$WORK/both.err")"
  ;;

damaged)
  size=$(stat -c %s "$OTHER")
  head -c $((size / 2)) "$OTHER" >"$WORK/cut.pcap"
  run cut_good "$PP" replay --format json "$WORK/cut.pcap" "$GOOD"
  [[ $rc == 3 ]] || fail "cut then good: exit $rc, want 3"
  grep -Eq "^protoport: $WORK/cut.pcap: frame [0-9]+: truncated capture" "$WORK/cut_good.err" ||
    fail "cut then good: the damaged file and frame must be named, got: $(cat "$WORK/cut_good.err")"
  grep -Eq "$GOOD_ROW" "$WORK/cut_good.out" ||
    fail "cut then good: the good file after the damaged one was not read (its mismatch is missing)"
  grep -Eq "replay: 2 files .*1 damaged" "$WORK/cut_good.err" ||
    fail "cut then good: the statistics must count the damaged file: $(grep '^replay:' "$WORK/cut_good.err")"
  # The rows of the good file alone are all there.
  run good "$PP" replay --format json "$GOOD"
  [[ $rc == 0 ]] || fail "good alone: exit $rc"
  while IFS= read -r row; do
    grep -qF "$row" "$WORK/cut_good.out" || fail "cut then good: row missing: $row"
  done < <(report_rows "$WORK/good.out")
  # Damaged in the middle of three: the third is read too.
  run three "$PP" replay --format json "$GOOD" "$WORK/cut.pcap" "$OTHER"
  [[ $rc == 3 ]] || fail "good, cut, other: exit $rc, want 3"
  grep -q '"dest_port":8089' "$WORK/three.out" || fail "good, cut, other: the third file was not read"
  ;;

pipes)
  run file "$PP" replay --format json "$GOOD"
  [[ $rc == 0 ]] || fail "file: exit $rc: $(cat "$WORK/file.err")"
  grep -Eq "$GOOD_ROW" "$WORK/file.out" || fail "file: the known mismatch is missing"
  run stdin bash -c 'cat "$1" | "$2" replay --format json -' _ "$GOOD" "$PP"
  [[ $rc == 0 ]] || fail "cat f | replay -: exit $rc: $(cat "$WORK/stdin.err")"
  cmp -s "$WORK/file.out" "$WORK/stdin.out" || fail "cat f | replay -: a different report"
  run procsub bash -c '"$2" replay --format json <(cat "$1")' _ "$GOOD" "$PP"
  [[ $rc == 0 ]] || fail "replay <(cat f): exit $rc: $(cat "$WORK/procsub.err")"
  cmp -s "$WORK/file.out" "$WORK/procsub.out" || fail "replay <(cat f): a different report"
  run devstdin bash -c '"$2" replay --format json /dev/stdin <"$1"' _ "$GOOD" "$PP"
  [[ $rc == 0 ]] || fail "replay /dev/stdin <f: exit $rc: $(cat "$WORK/devstdin.err")"
  cmp -s "$WORK/file.out" "$WORK/devstdin.out" || fail "replay /dev/stdin <f: a different report"
  mkfifo "$WORK/fifo"
  (cat "$GOOD" >"$WORK/fifo") &
  WRITER_PID=$!
  run fifo "$PP" replay --format json "$WORK/fifo"
  [[ $rc == 0 ]] || fail "FIFO: exit $rc: $(cat "$WORK/fifo.err")"
  cmp -s "$WORK/file.out" "$WORK/fifo.out" || fail "FIFO: a different report"
  # Two captures from pipes in one run, and stdin between files.
  run two bash -c '"$2" replay --format json <(cat "$1") - <"$1"' _ "$GOOD" "$PP"
  [[ $rc == 0 ]] || fail "two pipes: exit $rc: $(cat "$WORK/two.err")"
  grep -q "replay: 2 files" "$WORK/two.err" || fail "two pipes: $(grep '^replay:' "$WORK/two.err")"
  run twice bash -c '"$2" replay - - <"$1"' _ "$GOOD" "$PP"
  [[ $rc == 2 ]] || fail "replay - -: exit $rc, want 2 (standard input can be read once)"
  ;;

sigint)
  mkfifo "$WORK/fifo"
  "$PP" replay --format json --output "$WORK/rows.json" "$WORK/fifo" >"$WORK/int.out" 2>"$WORK/int.err" &
  BG_PID=$!
  exec 3>"$WORK/fifo"  # blocks until replay has opened the FIFO; never closed before the signal
  cat "$GOOD" >&3
  # Wait until replay has taken every byte out of the FIFO (FIONREAD on the pipe is 0).
  for _ in $(seq 200); do
    left=$(python3 -c 'import fcntl, struct, termios; print(struct.unpack("i", fcntl.ioctl(3, termios.FIONREAD, b"\0\0\0\0"))[0])')
    [[ $left == 0 ]] && break
    sleep 0.1
  done
  sleep 1  # the bytes read, let replay parse them
  kill -INT "$BG_PID"
  for _ in $(seq 300); do
    kill -0 "$BG_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$BG_PID" 2>/dev/null; then
    fail "replay still runs 30 s after SIGINT (its reader blocked on the FIFO?)"
    kill -KILL "$BG_PID"
  fi
  wait "$BG_PID"
  rc=$?
  BG_PID=
  exec 3>&-
  [[ $rc == 130 ]] || fail "exit $rc after SIGINT, want 130"
  grep -Eq "$GOOD_ROW" "$WORK/int.out" ||
    fail "stdout: no report of what was read: $(head -c 600 "$WORK/int.out")"
  grep -q '"event":"report_summary"' "$WORK/int.out" || fail "stdout: no report summary"
  grep -q "^replay: 1 files" "$WORK/int.err" || fail "stderr: no replay statistics: $(cat "$WORK/int.err")"
  grep -q "interrupted" "$WORK/int.err" || fail "stderr: must say the replay was interrupted: $(cat "$WORK/int.err")"
  [[ -s $WORK/rows.json ]] && grep -Eq "$GOOD_ROW" "$WORK/rows.json" ||
    fail "--output: no rows of what was read"
  ;;

snaplen)
  # Crafted with Python's struct (no pcap parser here: the files are written, not read).
  python3 - "$WORK" <<'PY'
import struct, sys
work = sys.argv[1]
# IPv4/UDP DNS query 10.0.0.1:40000 -> 10.0.0.2:5300 (a mismatch: dns off port 53).
dns = bytes.fromhex("1234010000010000000000000377777704746573740000010001")
udp = struct.pack(">HHHH", 40000, 5300, 8 + len(dns), 0) + dns
ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                 bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) + udp
huge = 0x7FFFFFFF
def classic(name, linktype, record):
    with open(f"{work}/{name}", "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, huge, linktype))
        f.write(struct.pack("<IIII", 1700000000, 0, len(record), len(record)) + record)
classic("raw.pcap", 101, ip)                                        # LINKTYPE_RAW
classic("sll.pcap", 113, struct.pack(">HHH8sH", 0, 1, 6, b"\x02" * 6 + b"\0\0", 0x0800) + ip)
classic("null.pcap", 0, struct.pack("<I", 2) + ip)                 # LINKTYPE_NULL, AF_INET
classic("ether.pcap", 1, b"\0" * 12 + b"\x08\x00" + ip)
def pcapng(name, linktype, record, caplen=None):
    def block(btype, body):
        body += b"\0" * (-len(body) % 4)
        return struct.pack("<II", btype, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))
    shb = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb = block(1, struct.pack("<HHI", linktype, 0, huge))
    cap = len(record) if caplen is None else caplen
    epb = block(6, struct.pack("<IIIII", 0, 0, 0, cap, cap) + record)
    with open(f"{work}/{name}", "wb") as f:
        f.write(shb + idb + epb)
pcapng("raw.pcapng", 101, ip)
pcapng("ether.pcapng", 1, b"\0" * 12 + b"\x08\x00" + ip)
# A record of 300000 bytes (more than any link delivers): refused with file and frame.
big = b"\0" * 12 + b"\x08\x00" + ip + b"\0" * (300000 - 14 - len(ip))
classic("big.pcap", 1, big)
pcapng("big.pcapng", 1, big)
PY
  for f in raw.pcap sll.pcap null.pcap ether.pcap raw.pcapng ether.pcapng; do
    run "$f" /usr/bin/time -f '%M' -o "$WORK/$f.rss" "$PP" replay --format json "$WORK/$f"
    [[ $rc == 0 ]] || fail "$f: exit $rc: $(tail -c 400 "$WORK/$f.err")"
    rss_kb=$(tail -n 1 "$WORK/$f.rss")
    echo "replay_robust: $f: peak RSS ${rss_kb} kB"
    [[ $rss_kb =~ ^[0-9]+$ ]] && ((rss_kb < 100 * 1024)) || fail "$f: peak RSS ${rss_kb} kB, want < 100 MB"
    grep -q '"app":"dns".*"dest_port":5300' "$WORK/$f.out" || fail "$f: the one frame's mismatch is missing"
  done
  for f in big.pcap big.pcapng; do
    run "$f" "$PP" replay --format json "$WORK/$f"
    [[ $rc == 3 ]] || fail "$f: exit $rc, want 3"
    grep -q "^protoport: $WORK/$f: frame 1: " "$WORK/$f.err" || fail "$f: want the file and frame 1 named, got: $(cat "$WORK/$f.err")"
  done
  ;;

*)
  echo "replay_robust: unknown case $CASE"
  exit 2
  ;;
esac

if ((fails)); then
  echo "replay_robust [$CASE]: $fails failure(s)"
  exit 1
fi
echo "replay_robust [$CASE]: ok"
