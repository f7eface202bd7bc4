// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Aggregation by (src_ip, dest_ip, app, dest_port, transport, action, rule), the row bound with
// eviction counting, and risk events per (src_ip, dest_ip).
#include <doctest/doctest.h>

#include "policy/policy.h"
#include "policy_test_util.h"
#include "report/aggregator.h"
#include "report/risk.h"
#include "report/time_format.h"

using namespace protoport::report;
using protoport::policy::App;
using protoport::policy::Mismatch;
using protoport::policy::Policy;
using protoport::policy::Transport;
using protoport::test::ip;
using protoport::test::verdict;

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kT0 = 1'714'564'800 * kSecond;  // 2024-05-01T12:00:00Z

Mismatch mismatch(App app, std::uint16_t port, const char* src = "192.0.2.10",
                  const char* dest = "198.51.100.53", std::int64_t t = kT0,
                  Transport transport = Transport::udp) {
  auto m = Policy().evaluate(verdict(app, port, transport, src, dest, t)).mismatch;
  REQUIRE(m);
  return *m;
}

}  // namespace

TEST_CASE("format_utc prints %Y-%m-%dT%H:%M:%S in UTC") {
  CHECK(format_utc(kT0) == "2024-05-01T12:00:00");
  CHECK(format_utc(kT0 + kSecond - 1) == "2024-05-01T12:00:00");
  CHECK(format_utc(0) == "1970-01-01T00:00:00");
  CHECK(format_utc(-1) == "1969-12-31T23:59:59");
  CHECK(format_utc(951'782'400 * kSecond) == "2000-02-29T00:00:00");
}

TEST_CASE("one row per key with count, firstTime and lastTime") {
  Aggregator agg;
  auto first = mismatch(App::dns, 5353, "192.0.2.10", "198.51.100.53", kT0 + 30 * kSecond);
  first.evidence = {{"dns_qname", "first.example", true}};
  auto second = mismatch(App::dns, 5353, "192.0.2.10", "198.51.100.53", kT0 + 10 * kSecond);
  second.evidence = {{"dns_qname", "second.example", true}};
  second.src_port = 1;  // src_port is not part of the key
  const auto third = mismatch(App::dns, 5353, "192.0.2.10", "198.51.100.53", kT0 + 20 * kSecond);
  CHECK(agg.add(first).is_new);
  CHECK_FALSE(agg.add(second).is_new);
  CHECK_FALSE(agg.add(third).is_new);
  const auto snap = agg.snapshot();
  REQUIRE(snap.rows.size() == 1);
  const Row& row = snap.rows[0];
  CHECK(row.count == 3);
  CHECK(row.first_ns == kT0 + 10 * kSecond);  // out-of-order verdicts: min and max
  CHECK(row.last_ns == kT0 + 30 * kSecond);
  CHECK(row.key.rule == "dns-unexpected-port");
  CHECK(row.expected == "53");
  REQUIRE(row.evidence.size() == 1);
  CHECK(row.evidence[0].value == "first.example");  // the first flow's evidence
  CHECK(snap.flows == 3);
  CHECK(snap.evicted_rows == 0);
}

TEST_CASE("every key field separates rows") {
  Aggregator agg;
  const Mismatch base = mismatch(App::dns, 5353);
  CHECK(agg.add(base).is_new);
  Mismatch m = base;
  m.src_ip = ip("192.0.2.11");
  CHECK(agg.add(m).is_new);
  m = base;
  m.dest_ip = ip("2001:db8::53");
  CHECK(agg.add(m).is_new);
  m = base;
  m.app = App::http;
  CHECK(agg.add(m).is_new);
  m = base;
  m.dest_port = 5354;
  CHECK(agg.add(m).is_new);
  m = base;
  m.transport = Transport::tcp;
  CHECK(agg.add(m).is_new);
  m = base;
  m.rule = "other-rule";
  CHECK(agg.add(m).is_new);
  CHECK(agg.size() == 7);
  CHECK_FALSE(agg.add(base).is_new);
  CHECK(agg.snapshot().flows == 8);
}

TEST_CASE("snapshot rows are ordered by key") {
  Aggregator agg;
  agg.add(mismatch(App::smtp, 2525, "192.0.2.20"));
  agg.add(mismatch(App::dns, 5353, "192.0.2.10", "198.51.100.9"));
  agg.add(mismatch(App::dns, 5353, "192.0.2.10", "198.51.100.1"));
  const auto rows = agg.snapshot().rows;
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].key.dest_ip == ip("198.51.100.1"));
  CHECK(rows[1].key.dest_ip == ip("198.51.100.9"));
  CHECK(rows[2].key.src_ip == ip("192.0.2.20"));
}

TEST_CASE("at the bound the least recently updated row is evicted and counted") {
  Aggregator agg(2);
  CHECK(agg.max_rows() == 2);
  const auto a = mismatch(App::dns, 1001);
  const auto b = mismatch(App::dns, 1002);
  const auto c = mismatch(App::dns, 1003);
  CHECK(agg.add(a).is_new);
  CHECK(agg.add(b).is_new);
  agg.add(b);
  agg.add(b);  // b holds 3 flows
  agg.add(a);  // a is now the most recently updated
  const auto added = agg.add(c);
  CHECK(added.is_new);
  CHECK(added.evicted);  // b went
  CHECK(agg.size() == 2);
  CHECK(agg.evicted_rows() == 1);
  CHECK(agg.evicted_flows() == 3);
  auto snap = agg.snapshot();
  REQUIRE(snap.rows.size() == 2);
  CHECK(snap.rows[0].key.dest_port == 1001);
  CHECK(snap.rows[0].count == 2);
  CHECK(snap.rows[1].key.dest_port == 1003);
  CHECK(snap.evicted_rows == 1);
  CHECK(snap.evicted_flows == 3);
  CHECK(snap.flows == 3);
  // b comes back: new again, and a (now least recently updated) makes room.
  const auto again = agg.add(b);
  CHECK(again.is_new);
  CHECK(again.evicted);
  CHECK(agg.evicted_rows() == 2);
  CHECK(agg.evicted_flows() == 5);
  CHECK_FALSE(agg.add(c).evicted);
}

TEST_CASE("the bound holds under many keys") {
  Aggregator agg(100);
  std::uint64_t evictions = 0;
  for (std::uint16_t port = 1; port <= 1000; ++port)
    if (agg.add(mismatch(App::http, static_cast<std::uint16_t>(port + 10000))).evicted) ++evictions;
  CHECK(agg.size() == 100);
  CHECK(evictions == 900);
  CHECK(agg.evicted_rows() == 900);
  CHECK(agg.evicted_flows() == 900);
  const auto snap = agg.snapshot();
  CHECK(snap.rows.front().key.dest_port == 10901);  // the newest 100 survive
  CHECK(snap.rows.back().key.dest_port == 11000);
}

TEST_CASE("max_rows 0 still keeps one row") {
  Aggregator agg(0);
  CHECK(agg.max_rows() == 1);
  agg.add(mismatch(App::dns, 1));
  CHECK(agg.add(mismatch(App::dns, 2)).evicted);
  CHECK(agg.size() == 1);
}

TEST_CASE("risk events: one per (src_ip, dest_ip) from a report") {
  Aggregator agg;
  agg.add(
      mismatch(App::smtp, 2525, "192.0.2.10", "198.51.100.25", kT0 + 5 * kSecond, Transport::tcp));
  agg.add(mismatch(App::dns, 5353, "192.0.2.10", "198.51.100.25", kT0));
  agg.add(mismatch(App::dns, 5353, "192.0.2.10", "198.51.100.25", kT0 + 9 * kSecond));
  agg.add(mismatch(App::http, 8081, "192.0.2.10", "198.51.100.80", kT0, Transport::tcp));
  agg.add(mismatch(App::http, 8081, "192.0.2.11", "198.51.100.80", kT0, Transport::tcp));
  const auto events = risk_events(agg.snapshot());
  REQUIRE(events.size() == 3);
  CHECK(events[0].src_ip == ip("192.0.2.10"));
  CHECK(events[0].dest_ip == ip("198.51.100.25"));
  CHECK(events[0].app == App::dns);  // the pair's earliest row
  CHECK(events[0].dest_port == 5353);
  CHECK(events[0].rule == "dns-unexpected-port");
  CHECK(events[0].count == 3);
  CHECK(events[0].first_ns == kT0);
  CHECK(events[1].dest_ip == ip("198.51.100.80"));
  CHECK(events[2].src_ip == ip("192.0.2.11"));
  CHECK(risk_events(ReportSnapshot{}).empty());
}

TEST_CASE("risk events live: each pair once, bounded and counted") {
  RiskTracker risk(2);
  const auto first = risk.observe(mismatch(App::dns, 5353, "192.0.2.10", "198.51.100.1"));
  REQUIRE(first);
  CHECK(first->src_ip == ip("192.0.2.10"));
  CHECK(first->dest_ip == ip("198.51.100.1"));
  CHECK(first->count == 1);
  CHECK_FALSE(risk.observe(mismatch(App::http, 8081, "192.0.2.10", "198.51.100.1")));
  CHECK(risk.observe(mismatch(App::dns, 5353, "198.51.100.1", "192.0.2.10")));  // reversed pair
  CHECK(risk.size() == 2);
  CHECK(risk.evicted() == 0);
  CHECK(risk.observe(mismatch(App::dns, 5353, "192.0.2.99", "198.51.100.1")));
  CHECK(risk.size() == 2);
  CHECK(risk.evicted() == 1);
  // The evicted pair was the least recently seen one: the first, seen twice before the reverse.
  CHECK(risk.observe(mismatch(App::dns, 5353, "192.0.2.10", "198.51.100.1")));
  CHECK(risk.evicted() == 2);
}

TEST_CASE("a key evicted and seen again is a new row, but seen_before: not news to announce") {
  Aggregator agg(2);
  const auto a = mismatch(App::dns, 5300), b = mismatch(App::dns, 5301),
             c = mismatch(App::dns, 5302);
  CHECK(agg.add(a).is_new);
  CHECK(agg.add(b).is_new);
  const auto third = agg.add(c);  // evicts a
  CHECK(third.is_new);
  CHECK(third.evicted);
  CHECK_FALSE(third.seen_before);
  const auto again = agg.add(a);  // a comes back: a row again, not a first sighting
  CHECK(again.is_new);
  CHECK(again.seen_before);
  CHECK(agg.seen_again() == 1);
  CHECK_FALSE(agg.add(mismatch(App::dns, 5303)).seen_before);  // never seen: a first sighting
}
