// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The bounded queue (never blocks the producer; drops when full), batching, close/drain, and the
// backoff schedule.
#include <doctest/doctest.h>

#include <thread>

#include "export/queue.h"

using namespace protoport::exporters;
using namespace std::chrono_literals;

TEST_CASE("a full queue refuses without waiting; nothing is lost silently") {
  BoundedQueue q(3);
  CHECK(q.try_push("a"));
  CHECK(q.try_push("b"));
  CHECK(q.try_push("c"));
  CHECK_FALSE(q.try_push("d"));  // the caller counts it as dropped
  CHECK(q.size() == 3);
  const auto batch = q.pop_batch(10, 1 << 20, 0ms);
  CHECK(batch == std::vector<std::string>{"a", "b", "c"});
  CHECK(q.try_push("e"));
}

TEST_CASE("batches respect the item and byte limits, and always take one item") {
  BoundedQueue q(100);
  for (int i = 0; i < 5; ++i) CHECK(q.try_push(std::string(10, static_cast<char>('a' + i))));
  CHECK(q.pop_batch(2, 1 << 20, 0ms).size() == 2);
  CHECK(q.pop_batch(10, 25, 0ms).size() == 2);  // 10 + 10 fit, a third would not
  CHECK(q.pop_batch(10, 1, 0ms).size() == 1);   // larger than the byte limit: still sent alone
  CHECK(q.size() == 0);
}

TEST_CASE("pop_batch lingers for company, up to the batch size") {
  BoundedQueue q(100);
  q.try_push("first");
  std::thread producer([&] {
    std::this_thread::sleep_for(20ms);
    q.try_push("second");
  });
  const auto batch = q.pop_batch(2, 1 << 20, 5s);  // returns as soon as two are there
  producer.join();
  CHECK(batch.size() == 2);
}

TEST_CASE("close wakes the consumer, refuses pushes, and leaves the rest for drain") {
  BoundedQueue q(10);
  std::thread consumer([&] { CHECK(q.pop_batch(10, 1 << 20, 0ms).empty()); });
  q.close();
  consumer.join();
  CHECK_FALSE(q.try_push("late"));
  BoundedQueue r(10);
  r.try_push("x");
  r.try_push("y");
  r.close();
  CHECK(r.drain() == 2);
  CHECK(r.pop_batch(10, 1 << 20, 10s).empty());  // closed and empty: no wait
}

TEST_CASE("backoff doubles from the initial delay up to the cap, with 0.8..1.0 jitter") {
  Backoff b(100ms, 1000ms);
  const long expect[] = {100, 200, 400, 800, 1000, 1000, 1000};
  for (const long e : expect) {
    const auto d = b.next().count();
    CHECK(d >= e * 8 / 10);
    CHECK(d <= e);
  }
  b.reset();
  CHECK(b.next().count() <= 100);
  Backoff huge(1000ms, 3600000ms);
  for (int i = 0; i < 100; ++i) CHECK(huge.next().count() <= 3600000);  // no overflow
}
