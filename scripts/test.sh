#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# The test command: builds (incrementally) and runs every test: unit, BPF test-run, fuzz and
# network-namespace integration. BPF and namespace tests need root.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --build build -j"$(nproc)"
cd build
ctest --output-on-failure --timeout 600 "$@"
