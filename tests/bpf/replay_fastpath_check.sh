#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Replay's skip filter predicts, for the frames it leaves out, what the XDP program would have
# done; its parser mirrors the program's (limits and offsets shared through
# include/protoport/parse_limits.h). `replay_fastpath check` runs EVERY frame through the real
# program and, for each frame the filter would have left out, checks that the kernel counters
# moved exactly as predicted (one packet, its bytes, the predicted outcome, no flow created).
# This test fails on any mispredicted frame, on three inputs:
#  - the corpus, all captures in one process (the flow table is emptied between files);
#  - its Ethernet captures concatenated twice into one file (every 5-tuple comes back on a
#    table that still holds it: SYN/SYN+ACK restarts);
#  - frames around the running kernel's test_run linear limit (measured, `replay_fastpath
#    limit`), which the corpus lacks: a frame of exactly that many bytes (seen whole: predicted)
#    and frames whose TCP header starts before the limit and ends after it (the program calls
#    them malformed: the filter must run them, not predict them).
# It also fails if nothing was predicted (a check of nothing proves nothing), if the limit was
# not measured, or if the check could not run (no BPF as root is a failure, not a skip).
# Needs root (loads BPF): exit 77 (ctest: skipped) otherwise, and only then.
#   replay_fastpath_check.sh REPLAY_FASTPATH CORPUS_DIR
set -euo pipefail

CHECK=${1:?usage: replay_fastpath_check.sh REPLAY_FASTPATH CORPUS_DIR}
CORPUS_DIR=${2:?usage: replay_fastpath_check.sh REPLAY_FASTPATH CORPUS_DIR}

if [[ $(id -u) -ne 0 ]]; then
  echo "replay_fastpath_check: needs root (test runs of the XDP program): skipped"
  exit 77
fi
for tool in mergecap capinfos; do
  command -v "$tool" >/dev/null || { echo "replay_fastpath_check: $tool not found (scripts/setup.sh installs wireshark-common)"; exit 1; }
done

WORK=$(mktemp -d /tmp/pp-replay-fastpath-check.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

mapfile -t FILES < <(find "$CORPUS_DIR" -maxdepth 1 -type f \( -name '*.pcap' -o -name '*.pcapng' \) | sort)
[[ ${#FILES[@]} -gt 0 ]] || { echo "replay_fastpath_check: no captures in $CORPUS_DIR"; exit 1; }
mapfile -t ETHER < <(capinfos -T -r -E "${FILES[@]}" | awk -F'\t' '$2 == "ether" {print $1}')
[[ ${#ETHER[@]} -gt 0 ]] || { echo "replay_fastpath_check: no Ethernet captures in $CORPUS_DIR"; exit 1; }
mergecap -a -F pcap -w "$WORK/twice.pcap" "${ETHER[@]}" "${ETHER[@]}"

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

LIMIT_OUT=$("$CHECK" limit "${FILES[0]}" 2>&1) || { echo "$LIMIT_OUT"; echo "replay_fastpath_check: replay_fastpath limit failed"; exit 1; }
echo "$LIMIT_OUT" | grep -E 'linear|CPUs|probe' | sed 's/^ */  /'
LINEAR=$(sed -n 's/.*test_run linear data: \([0-9]*\) bytes (measured).*/\1/p' <<<"$LIMIT_OUT")
[[ -n $LINEAR && $LINEAR -gt 100 ]] || { echo "replay_fastpath_check: test_run's linear limit was not measured"; exit 1; }

# linear.pcap: Ethernet frames around the limit (python3: Debian's, standard library only).
python3 - "$LINEAR" "$WORK/linear.pcap" <<'PY'
import struct, sys
linear, path = int(sys.argv[1]), sys.argv[2]
MAC = bytes(12)

def ipv6_tcp(ext_len, flags, sport, vlan=False):
    """IPv6 with ext_len bytes of destination options (multiple of 8), then a 20-byte TCP header."""
    exts, left = [], ext_len
    while left:
        n = min(left, 2048)              # one header: (hdrlen + 1) * 8 bytes, hdrlen <= 255
        exts.append(n)
        left -= n
    chain = b""
    for i, n in enumerate(exts):
        nxt = 60 if i + 1 < len(exts) else 6
        chain += bytes([nxt, n // 8 - 1]) + bytes(n - 2)  # options: Pad1 (0) bytes
    tcp = struct.pack("!HHIIBBHHH", sport, 80, 1, 1, 5 << 4, flags, 512, 0, 0)
    ip = struct.pack("!IHBB", 6 << 28, len(chain) + len(tcp), 60 if exts else 6, 64)
    ip += bytes(15) + b"\x01" + bytes(15) + b"\x02"
    eth = MAC + (b"\x81\x00\x00\x07" if vlan else b"") + b"\x86\xdd"
    return eth + ip + chain + tcp

frames = []
# The TCP header starts at most 8 bytes before the limit: it ends past it (malformed).
for vlan in (False, True):
    start = 14 + (4 if vlan else 0) + 40
    ext = (linear - start) // 8 * 8
    for flags, sport in ((0x10, 40000), (0x02, 40001), (0x12, 40002)):  # ACK, SYN, SYN+ACK
        frames.append(ipv6_tcp(ext, flags, sport + (10 if vlan else 0), vlan))
# Exactly the limit, and one byte more: an IPv4 ACK padded (the program counts no_payload).
ack = MAC + b"\x08\x00" + struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 0, 0, 64, 6, 0,
                                        b"\x0a\0\0\x01", b"\x0a\0\0\x02")
ack += struct.pack("!HHIIBBHHH", 40100, 80, 1, 1, 5 << 4, 0x10, 512, 0, 0)
frames += [ack + bytes(linear - len(ack)), ack + bytes(linear + 1 - len(ack))]
with open(path, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i, fr in enumerate(frames):
        f.write(struct.pack("<IIII", 1700000000 + i, 0, len(fr), len(fr)) + fr)
PY

# check NAME FILE...: `replay_fastpath check` over FILE... (one process, flows emptied between
# files as `protoport replay` does).
check() {
  local name=$1; shift
  local rc=0
  "$CHECK" check "$@" >"$WORK/$name.out" 2>&1 || rc=$?
  sed 's/^/  /' "$WORK/$name.out"
  # 3: the check ran and found mispredicted frames (listed above); anything else: it did not run.
  if [[ $rc -eq 3 ]]; then
    fail "$name: the skip filter mispredicted frames"
  elif [[ $rc -ne 0 ]]; then
    fail "$name: replay_fastpath check exited $rc"
    return
  fi
  local frames predicted wrong
  frames=$(sed -n 's/^mode check *frames *\([0-9]*\) .*/\1/p' "$WORK/$name.out")
  predicted=$(sed -n 's/.*check: \([0-9]*\) frames predicted skippable, \([0-9]*\) mispredicted.*/\1/p' "$WORK/$name.out")
  wrong=$(sed -n 's/.*check: \([0-9]*\) frames predicted skippable, \([0-9]*\) mispredicted.*/\2/p' "$WORK/$name.out")
  [[ -n $frames && $frames -gt 0 ]] || fail "$name: no frame was checked ('${frames}')"
  [[ -n $predicted && $predicted -gt 0 ]] || fail "$name: no frame was predicted skippable ('${predicted}'): nothing checked"
  [[ $wrong == 0 ]] || fail "$name: ${wrong:-?} mispredicted frames"
  printf '%-8s %4d files: %6s frames run, %6s predicted skippable, %s mispredicted\n' \
    "$name" $# "${frames:-?}" "${predicted:-?}" "${wrong:-?}"
}

check corpus "${FILES[@]}"
check twice "$WORK/twice.pcap"
check linear "$WORK/linear.pcap"

if [[ $failures -ne 0 ]]; then
  echo "replay_fastpath_check: $failures failure(s)"
  exit 1
fi
echo "replay_fastpath_check: every frame the skip filter leaves out did what it predicted"
