#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Regenerates vmlinux.h from the running kernel's BTF. The header is committed so that a build
# needs no kernel headers; CO-RE relocations adapt the program to other kernels at load time.
set -euo pipefail
btf=${1:-/sys/kernel/btf/vmlinux}
out=${2:-"$(dirname "$0")/../vmlinux.h"}
if [ ! -r "$btf" ]; then
  echo "gen-vmlinux: $btf is not readable: this kernel was built without CONFIG_DEBUG_INFO_BTF" >&2
  exit 1
fi
bpftool btf dump file "$btf" format c > "$out.tmp"
mv "$out.tmp" "$out"
echo "gen-vmlinux: wrote $out ($(wc -l < "$out") lines) from $btf"
