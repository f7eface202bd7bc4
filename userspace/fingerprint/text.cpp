// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Placeholder: the text group's parsers (see parsers.h).
#include "fingerprint/parsers.h"

namespace protoport::fingerprint::detail {

bool match_text(Bytes, Transport, Result&) { return false; }

}  // namespace protoport::fingerprint::detail
