#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Installs everything protoport needs on a fresh Debian 12 machine (apt only) and builds into
# build/. Run as root (or with sudo). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# Build: compilers, BPF toolchain (libbpf-dev and bpftool from the same release), libraries.
build_pkgs=(cmake make pkg-config clang llvm g++ libbpf-dev bpftool libelf-dev zlib1g-dev
  libcli11-dev doctest-dev libpcap-dev libyaml-cpp-dev nlohmann-json3-dev
  libcurl4-openssl-dev prometheus-cpp-dev  # exporters: Splunk HEC (libcurl), Prometheus
  dpkg-dev file  # cpack -G DEB (dpkg-shlibdeps, file)
  help2man  # protoport(8) from the --help texts
  libclang-rt-14-dev)  # libFuzzer and sanitizer runtimes for clang 14 (tests/fuzz)
# Tests: namespaces and real peers and clients.
test_pkgs=(iproute2 iputils-ping procps psmisc dnsmasq dnsutils nginx-light curl openssl swaks
  python3-aiosmtpd openssh-server openssh-client vsftpd tcpdump tshark wireshark-common libndpi-bin
  valgrind time ethtool  # benchmarks: callgrind, /usr/bin/time -v (peak RSS), veth GRO (NAPI)
  libio-socket-inet6-perl  # swaks over IPv6 (a Recommends, skipped by --no-install-recommends)
  rsyslog prometheus systemd  # exporter tests: real syslog and Prometheus servers; systemd-analyze
  sslh openvpn shadowsocks-libev wireguard-tools wireguard-go sipsak  # port rules: tunnels, SIP
  python3-scapy nftables)  # evasion: crafted TCP segments; the client kernel kept from resetting

if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
missing=()
for p in "${build_pkgs[@]}" "${test_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  # wireshark-common asks whether non-root users may capture; answer it up front.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
  # sslh asks whether it runs from inetd or standalone; standalone adds nothing to inetd.conf.
  echo "sslh sslh/inetd_or_standalone select standalone" | $SUDO debconf-set-selections
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Installed servers must not run outside the tests' namespaces.
# Without systemd (a container), package scripts may still have started them through init.d.
for svc in nginx dnsmasq ssh vsftpd rsyslog prometheus sslh openvpn shadowsocks-libev; do
  $SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || $SUDO service "$svc" stop >/dev/null 2>&1 || true
done
# Whatever the init system, no tunnel daemon may be left in the root network namespace (the
# tests run theirs in their own namespaces: those are not counted).
for daemon in sslh sslh-select openvpn ss-server ss-local; do
  for pid in $(pgrep -x "$daemon" || true); do
    if [ "$($SUDO readlink "/proc/$pid/ns/net")" = "$(readlink /proc/self/ns/net)" ]; then
      echo "setup: warning: $daemon (pid $pid) runs in the root namespace; stop it" >&2
    fi
  done
done

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
cmake --build build -j"$(nproc)"
echo "setup: built build/protoport"
