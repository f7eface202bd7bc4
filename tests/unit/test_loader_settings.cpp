// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Loader pieces that need no kernel: settings validation messages, counter names, XDP modes.
#include <doctest/doctest.h>

#include <string>

#include "loader/loader.h"

using namespace protoport::loader;

namespace {

std::string rejection(const Settings& s) {
  try {
    validate(s);
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::bad_settings);
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("default settings are valid") { CHECK_NOTHROW(validate(Settings{})); }

TEST_CASE("out-of-range settings are refused with one line naming the value and range") {
  Settings s;
  s.snap_len = 0;
  CHECK(rejection(s) == "invalid snap length 0: must be 1..1024");
  s.snap_len = 1025;
  CHECK(rejection(s) == "invalid snap length 1025: must be 1..1024");
  s.snap_len = 1024;
  CHECK(rejection(s).empty());

  s = {};
  s.samples_per_dir = 0;
  CHECK(rejection(s) == "invalid samples per direction 0: must be 1..16");
  s.samples_per_dir = 17;
  CHECK(rejection(s) == "invalid samples per direction 17: must be 1..16");

  s = {};
  s.opening_bytes = 1025;
  CHECK(rejection(s) == "invalid opening bytes 1025: must be 0..1024");
  s.opening_bytes = 0;  // off: samples_per_dir only
  CHECK(rejection(s).empty());
  s.opening_packets = 65;
  CHECK(rejection(s) == "invalid opening packets 65: must be samples per direction (2)..64");
  s.samples_per_dir = 5;
  s.opening_packets = 4;  // fewer than the samples every direction gets anyway
  CHECK(rejection(s) == "invalid opening packets 4: must be samples per direction (5)..64");
  s.opening_packets = 5;
  CHECK(rejection(s).empty());

  s = {};
  s.max_flows = 0;
  CHECK(rejection(s) == "invalid flow table size 0: must be 1..16777216");
  s.max_flows = (1u << 24) + 1;
  CHECK_FALSE(rejection(s).empty());

  s = {};
  s.ringbuf_bytes = 3u << 20;  // not a power of two
  CHECK(rejection(s).find("must be a power of two") != std::string::npos);
  s.ringbuf_bytes = 1024;  // below a page
  CHECK_FALSE(rejection(s).empty());
  s.ringbuf_bytes = 8192;
  s.snap_len = 1024;  // 16 records of 8 + 72 + 1024 bytes do not fit in 8 KiB
  CHECK(rejection(s).find("must hold at least 16 samples") != std::string::npos);
  s.snap_len = 256;
  CHECK(rejection(s).empty());
}

TEST_CASE("counter names are stable and round-trip") {
  const char* expected[] = {"packets",         "bytes",        "flows_created",   "opening_budget",
                            "non_ip",          "malformed",    "fragment",        "other_l4",
                            "no_payload",      "already_sampled", "sampled",      "ringbuf_full",
                            "flow_update_fail", "fragment_sampled"};
  static_assert(sizeof(expected) / sizeof(expected[0]) == PP_CNT_MAX);
  for (int i = 0; i < PP_CNT_MAX; ++i) {
    const auto c = static_cast<pp_counter>(i);
    CHECK(counter_name(c) == expected[i]);
    REQUIRE(counter_from_name(expected[i]).has_value());
    CHECK(*counter_from_name(expected[i]) == c);
  }
  CHECK_FALSE(counter_from_name("nope").has_value());
}

TEST_CASE("outcomes_total sums the outcome slots only") {
  Counters c;
  c.values[PP_CNT_PACKETS] = 100;
  c.values[PP_CNT_BYTES] = 6400;
  c.values[PP_CNT_FLOWS_CREATED] = 7;
  c.values[PP_CNT_OPENING_BUDGET] = 3;
  c.values[PP_OUT_SAMPLED] = 60;
  c.values[PP_OUT_NON_IP] = 40;
  CHECK(c.outcomes_total() == 100);
}

TEST_CASE("XDP mode names") {
  CHECK(xdp_mode_from_name("native") == XdpMode::native);
  CHECK(xdp_mode_from_name("generic") == XdpMode::generic);
  CHECK(xdp_mode_from_name("auto") == XdpMode::automatic);
  CHECK_FALSE(xdp_mode_from_name("skb").has_value());
  CHECK(xdp_mode_name(XdpMode::automatic) == "auto");
}

TEST_CASE("interface names that cannot exist") {
  CHECK_THROWS_AS(interface_index(std::string(64, 'x')), Error);
  CHECK_THROWS_AS(interface_index("pp-no-such-if0"), Error);
}
