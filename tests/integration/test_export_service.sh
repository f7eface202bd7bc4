#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# integration.export_service: protoport as a service.
#  1. `cmake --install` (DESTDIR) puts the binary, the systemd unit and the example configuration
#     where the unit expects them; the installed binary accepts the installed configuration;
#     `systemd-analyze verify` accepts the unit.
#  2. The unit's CapabilityBoundingSet is enough: as user nobody with exactly those capabilities,
#     `protoport watch` loads, attaches (to lo in a test namespace) and exits 0; without any one
#     of them it fails: none is superfluous.
#  3. `cpack -G DEB` builds a package with those files, the conffiles and library dependencies.
# PP_BUILD_DIR is the build directory (ctest sets it); it must be built (cpack installs from it).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/require.sh"
require_root
BUILD=${PP_BUILD_DIR:?set PP_BUILD_DIR to the build directory}
for b in systemd-analyze setpriv cpack dpkg-deb; do
  command -v $b >/dev/null || { echo "integration: missing $b (run scripts/setup.sh)" >&2; exit 1; }
done
DIR=$(mktemp -d /tmp/pp-service.XXXXXX)
NS=pp-svc-$$-$RANDOM
# A run killed by ctest's timeout (SIGKILL: no trap) leaves its namespace: remove those whose
# owner is gone, as lib/lab.sh does for the lab's.
for stale in $(ip netns list 2>/dev/null | awk '$1 ~ /^pp-svc-[0-9]+-/ {print $1}'); do
  owner=${stale#pp-svc-}; owner=${owner%%-*}
  kill -0 "$owner" 2>/dev/null || ip netns del "$stale" 2>/dev/null || true
done
cleanup() {
  ip netns pids "$NS" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# --- 1. install tree -------------------------------------------------------------------------
PREFIX=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$BUILD/CMakeCache.txt")
[[ $PREFIX == /usr ]] && ETC=/etc || ETC=$PREFIX/etc
ROOT=$DIR/root
DESTDIR=$ROOT cmake --install "$BUILD" >"$DIR/install.log"
BIN=$ROOT$PREFIX/sbin/protoport
UNIT=$ROOT$PREFIX/lib/systemd/system/protoport.service
for f in "$BIN" "$UNIT" "$ROOT$ETC/protoport/protoport.yaml" "$ROOT$ETC/protoport/protoport.env" \
         "$ROOT$PREFIX/share/doc/protoport/README.md"; do
  [[ -f $f ]] || fail "not installed: ${f#$ROOT}"
done
[[ -x $BIN ]] || fail "binary not executable"
grep -qx "ExecStart=$PREFIX/sbin/protoport watch --config $ETC/protoport/protoport.yaml \$PROTOPORT_ARGS" "$UNIT" \
  || fail "unit ExecStart: $(grep ExecStart "$UNIT")"
grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$UNIT" || fail "unit has no SIGHUP reload"
grep -qx 'Restart=on-failure' "$UNIT" || fail "unit does not restart on failure"
"$BIN" policy --config "$ROOT$ETC/protoport/protoport.yaml" >"$DIR/policy.out" 2>&1 \
  || fail "the installed binary refuses the installed configuration: $(cat "$DIR/policy.out")"
# systemd-analyze checks that ExecStart is executable: point a copy at the staged binary. Any
# message (an unknown key is only a warning) fails the check.
mkdir -p "$DIR/verify"
sed "s#^ExecStart=$PREFIX/sbin/protoport #ExecStart=$BIN #" "$UNIT" >"$DIR/verify/protoport.service"
if ! systemd-analyze verify "$DIR/verify/protoport.service" >"$DIR/verify.log" 2>&1 || [[ -s $DIR/verify.log ]]; then
  fail "systemd-analyze verify: $(cat "$DIR/verify.log")"
fi

# --- 2. capabilities ------------------------------------------------------------------------------
read -r -a CAPS <<<"$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")"
[[ ${#CAPS[@]} -gt 0 ]] || fail "unit has no CapabilityBoundingSet"
ip netns add "$NS"
ip -n "$NS" link set lo up
install -m 755 "$BIN" "$DIR/protoport"  # reachable by nobody
chmod 755 "$DIR"
as_nobody() {  # as_nobody CAP...: watch lo for 0.3 s as nobody with exactly these capabilities
  local set="-all" c
  for c in "$@"; do c=${c#CAP_}; set+=",+${c,,}"; done
  ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs \
    --inh-caps="$set" --ambient-caps="$set" --bounding-set="$set" \
    "$DIR/protoport" watch -i lo --duration 0.3 --format json >"$DIR/caps.out" 2>"$DIR/caps.err"
}
as_nobody "${CAPS[@]}" || fail "watch fails with the unit's capabilities (${CAPS[*]}): $(cat "$DIR/caps.err")"
for drop in "${CAPS[@]}"; do
  rest=()
  for c in "${CAPS[@]}"; do [[ $c == "$drop" ]] || rest+=("$c"); done
  if as_nobody "${rest[@]}"; then fail "watch works without $drop: the unit grants more than it needs"; fi
done
echo "service: capabilities ${CAPS[*]}: all needed, and enough"

# --- 2b. the network exporters' module ----------------------------------------------------------
# HEC and Prometheus live in lib/protoport/protoport-net.so, loaded only when configured: the
# installed binary finds it there, does not map libcurl otherwise, and names what it tried when
# the module is missing.
MODULE=$ROOT$PREFIX/lib/protoport/protoport-net.so
CAPTURE=$HERE/../data/corpus/$(ls "$HERE/../data/corpus" | grep -m1 '\.pcap$')
[[ -f $MODULE ]] || fail "not installed: ${MODULE#$ROOT}"
if ldd "$BIN" | grep -q libcurl; then fail "the binary links libcurl itself: $(ldd "$BIN" | grep libcurl)"; fi
ip netns exec "$NS" "$BIN" replay --no-progress --metrics-listen 127.0.0.1:9464 "$CAPTURE" \
  >"$DIR/module.out" 2>"$DIR/module.err" || fail "replay with metrics (module) failed: $(tail -n 3 "$DIR/module.err")"
mv "$MODULE" "$MODULE.away"
rc=0
ip netns exec "$NS" "$BIN" replay --no-progress --metrics-listen 127.0.0.1:9464 "$CAPTURE" \
  >"$DIR/module.out" 2>"$DIR/module.err" || rc=$?
mv "$MODULE.away" "$MODULE"
[[ $rc -eq 2 ]] || fail "a missing module: exit $rc, not 2"
grep -q "lib/protoport/protoport-net.so (not found)" "$DIR/module.err" \
  || fail "a missing module is not named: $(cat "$DIR/module.err")"
echo "service: protoport-net.so loaded from ${MODULE#$ROOT} when configured; its absence said: $(head -n 1 "$DIR/module.err")"

# --- 3. Debian package -------------------------------------------------------------------------------
(cd "$DIR" && cpack -G DEB -B "$DIR/pkg" --config "$BUILD/CPackConfig.cmake" >"$DIR/cpack.log" 2>&1) \
  || fail "cpack -G DEB: $(tail -n 20 "$DIR/cpack.log")"
DEB=$(ls "$DIR"/pkg/protoport_*.deb 2>/dev/null | head -n 1)
if [[ -n $DEB ]]; then
  dpkg-deb -c "$DEB" | awk '{print $6}' >"$DIR/contents"
  for f in "$PREFIX/sbin/protoport" "$PREFIX/lib/protoport/protoport-net.so" \
           "$PREFIX/lib/systemd/system/protoport.service" "$ETC/protoport/protoport.yaml" "$ETC/protoport/protoport.env" \
           "$PREFIX/share/man/man8/protoport.8" "$PREFIX/share/bash-completion/completions/protoport"; do
    grep -qx ".$f" "$DIR/contents" || fail "package lacks $f"
  done
  [[ $(dpkg-deb -f "$DEB" Package) == protoport ]] || fail "package name"
  depends=$(dpkg-deb -f "$DEB" Depends)
  for lib in libbpf1 libcurl4 libyaml-cpp0.7 libprometheus-cpp-pull1.0; do
    [[ $depends == *"$lib"* ]] || fail "Depends lacks $lib: $depends"
  done
  dpkg-deb --ctrl-tarfile "$DEB" | tar -xO ./conffiles >"$DIR/conffiles"
  grep -qx "$ETC/protoport/protoport.yaml" "$DIR/conffiles" || fail "protoport.yaml is not a conffile"
  echo "service: $(basename "$DEB"), $(wc -l <"$DIR/contents") entries, Depends: $depends"
else
  fail "no .deb built"
fi

if (( fails )); then echo "export_service: $fails failure(s)" >&2; exit 1; fi
echo "export_service: all checks passed"
