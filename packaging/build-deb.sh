#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Builds the Debian package: a release build installed under /usr (binary in /usr/sbin, unit in
# /usr/lib/systemd/system, configuration in /etc/protoport), packed by `cpack -G DEB`.
#   packaging/build-deb.sh [BUILD_DIR]     (default build-deb/; the .deb is left there)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-deb}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DPROTOPORT_BUILD_TESTS=OFF -DPROTOPORT_BUILD_FUZZERS=OFF
cmake --build "$build" -j"${JOBS:-2}" --target protoport
(cd "$build" && cpack -G DEB)
ls "$build"/protoport_*.deb
