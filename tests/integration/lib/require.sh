# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Preconditions for integration tests: one clear line and a non-zero exit when unmet (a test
# that cannot run must fail loudly, not pass).

require_root() {
  [[ $(id -u) -eq 0 ]] || { echo "integration: needs root (network namespaces, XDP)" >&2; exit 1; }
}

# Every binary the peers and clients use, with the Debian package that provides it.
require_peer_tools() {
  local missing=() pair
  for pair in ip:iproute2 ss:iproute2 dnsmasq:dnsmasq dig:dnsutils nginx:nginx-light curl:curl \
              openssl:openssl swaks:swaks /usr/sbin/sshd:openssh-server ssh-keyscan:openssh-client \
              ssh-keygen:openssh-client timeout:coreutils; do
    command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
  done
  /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || missing+=(python3-aiosmtpd)
  perl -MIO::Socket::INET6 -e 1 2>/dev/null || missing+=(libio-socket-inet6-perl)
  if (( ${#missing[@]} )); then
    echo "integration: missing packages: ${missing[*]} (run scripts/setup.sh)" >&2
    exit 1
  fi
}
