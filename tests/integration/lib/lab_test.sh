# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Prelude of the integration tests that run protoport against real peers in the lab: the
# libraries, their preconditions (root, peer packages, the protoport binary), and the failure
# counter every test reports through. Sourced after `set -euo pipefail` with HERE set.
source "$HERE/lib/lab.sh"
source "$HERE/lib/peers.sh"
source "$HERE/lib/require.sh"
source "$HERE/lib/protoport.sh"
require_root
require_peer_tools
pp_require

fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
