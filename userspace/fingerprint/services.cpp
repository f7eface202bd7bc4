// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Placeholder: the services group's parsers (see parsers.h).
#include "fingerprint/parsers.h"

namespace protoport::fingerprint::detail {

bool match_services(Bytes, Transport, Result&) { return false; }

}  // namespace protoport::fingerprint::detail
namespace protoport::fingerprint::detail {
bool continuation_services(Bytes, Transport) { return false; }
}  // namespace protoport::fingerprint::detail
