// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "common/process_info.h"

#include <cctype>

namespace protoport {

std::string container_id_of(std::string_view path) {
  std::string found;
  std::size_t i = 0;
  while (i < path.size()) {
    if (!std::isxdigit(static_cast<unsigned char>(path[i]))) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < path.size() && std::isxdigit(static_cast<unsigned char>(path[j]))) ++j;
    if (j - i == 64) found = std::string(path.substr(i, 64));  // the last one wins
    i = j;
  }
  return found;
}

}  // namespace protoport
