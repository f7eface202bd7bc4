// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The protoport-net module (net_module.h): where it is looked for, what a missing one says, and
// that the built module loads, matches this build's ABI, and makes exporters whose errors
// (SetupError thrown inside the module) are caught here as the same type.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <string>

#include "export/address.h"
#include "export/net_module.h"

using namespace protoport::exporters;

namespace {
bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}
}  // namespace

TEST_CASE(
    "candidates: $PROTOPORT_NET_MODULE first, then beside the binary, then ../lib/protoport") {
  ::setenv("PROTOPORT_NET_MODULE", "/nonexistent/protoport-net.so", 1);
  const auto c = net_module_candidates();
  REQUIRE(c.size() == 3);
  CHECK(c[0] == "/nonexistent/protoport-net.so");
  CHECK(contains(c[1], "/tests/unit/protoport-net.so"));  // this test binary's directory
  CHECK(contains(c[2], "/tests/unit/../lib/protoport/protoport-net.so"));
  ::unsetenv("PROTOPORT_NET_MODULE");
  CHECK(net_module_candidates().size() == 2);
}

TEST_CASE("no module anywhere: one line naming every path tried, and a later call can still load") {
  ::setenv("PROTOPORT_NET_MODULE", "/nonexistent/protoport-net.so", 1);
  std::string message;
  try {
    net_module();
  } catch (const SetupError& e) {
    message = e.what();
  }
  CHECK(contains(message, "need protoport-net.so"));
  CHECK(contains(message, "/nonexistent/protoport-net.so (not found), "));
  CHECK(contains(message, "/lib/protoport/protoport-net.so (not found)"));
  CHECK(message.find('\n') == std::string::npos);

  ::setenv("PROTOPORT_NET_MODULE", PP_NET_MODULE_PATH, 1);  // the module this build made
  const NetModuleApi& api = net_module();
  CHECK(api.abi == kNetModuleAbi);
  CHECK(api.event_size == sizeof(Event));
  CHECK(api.snapshot_size == sizeof(MetricsSnapshot));
  CHECK(&net_module() == &api);  // loaded once

  HecConfig hec;
  hec.url = "https://127.0.0.1:8088";
  hec.token_file = "/nonexistent/hec.token";
  CHECK_THROWS_AS(api.make_hec(hec, "host"), SetupError);  // thrown in the module, caught here
  hec.token_file.clear();
  hec.token_env = "PP_TEST_NET_MODULE_TOKEN";
  ::setenv("PP_TEST_NET_MODULE_TOKEN", "11111111-2222-3333-4444-555555555555", 1);
  auto exporter = api.make_hec(hec, "host");
  REQUIRE(exporter != nullptr);
  CHECK(exporter->stats().name == "splunk_hec");
  exporter->close(std::chrono::milliseconds(0));
  ::unsetenv("PROTOPORT_NET_MODULE");
}
