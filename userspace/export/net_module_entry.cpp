// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The entry point of protoport-net.so (see net_module.h): factories of the exporters that need
// libcurl and prometheus-cpp (net_factories.cpp).
#include "export/net_module.h"

// The only symbol the module exports (everything else is hidden: -fvisibility=hidden and
// --exclude-libs keep its copies of protoport's code from meeting the binary's).
extern "C" __attribute__((visibility("default"))) const protoport::exporters::NetModuleApi*
protoport_net_module() {
  return protoport::exporters::linked_net_module();
}
