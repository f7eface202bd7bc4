// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// ErrorLog: a delivery problem that repeats is printed once a minute, not once a retry, even
// though each retry names a different backoff delay ("next in X s").
#include <doctest/doctest.h>

#include <string>

#include "export/error_log.h"
#include "export_stderr_capture.h"

using namespace protoport;

namespace {

std::string retrying(const std::string& error, const char* delay) {
  return error + "; retrying (next in " + delay + " s, events wait in the queue)";
}

}  // namespace

TEST_CASE("repeated errors differing only in the retry delay are held back") {
  test::StderrCapture err;
  exporters::ErrorLog log("syslog");
  const std::string refused = "connect tcp://127.0.0.1:6514: Connection refused";
  log.report(retrying(refused, "0.5"));
  log.report(retrying(refused, "0.9"));
  log.report(retrying(refused, "1.7"));
  log.report(retrying(refused, "3.5"));
  std::string text = err.text();
  CHECK(test::count_lines_with(text, "Connection refused") == 1);
  CHECK(text.find("next in 0.5 s") != std::string::npos);  // the first one, as it was

  // Another error is printed at once, and says how many were held back before it.
  const std::string stalled = "send to tcp://127.0.0.1:6514: collector stalled";
  log.report(retrying(stalled, "7.1"));
  text = err.text();
  CHECK(test::count_lines_with(text, "collector stalled") == 1);
  CHECK(text.find("(3 similar messages held back)") != std::string::npos);

  // A recovery ends the streak: the same error afterwards is news again.
  log.recovered("delivering again to tcp://127.0.0.1:6514");
  log.report(retrying(stalled, "0.4"));
  text = err.text();
  CHECK(test::count_lines_with(text, "collector stalled") == 2);
  CHECK(test::count_lines_with(text, "delivering again") == 1);
}

TEST_CASE("errors that differ in more than the delay are all printed") {
  test::StderrCapture err;
  exporters::ErrorLog log("splunk_hec");
  log.report(retrying("POST https://h/: HTTP 503", "0.5"));
  log.report(retrying("POST https://h/: HTTP 500", "0.9"));
  log.report("POST https://h/: HTTP 400 bad request; 3 events dropped");
  log.report("POST https://h/: HTTP 403 forbidden; 3 events dropped");
  const std::string text = err.text();
  CHECK(test::count_lines_with(text, "protoport: splunk_hec: ") == 4);
}
