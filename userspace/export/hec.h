// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Splunk HTTP Event Collector exporter: batches of envelopes (hec_format.h) POSTed with libcurl
// to <url>/services/collector/event with `Authorization: Splunk <token>`. HTTPS verifies the
// collector's certificate and host name unless the configuration says verify_tls: false.
// 2xx: delivered. 408, 429, 5xx, timeouts and connection or TLS failures: retried with backoff.
// Other 4xx (bad token, bad request): the batch is dropped and counted as rejected.
#pragma once

#include <memory>
#include <string>

#include "export/hec_format.h"
#include "export/queued_exporter.h"
#include "export/settings.h"

namespace protoport::exporters {

// The token from the file or environment variable the configuration names; throws SetupError
// (missing, empty, unreadable, or holding characters that cannot go in an HTTP header).
std::string load_hec_token(const HecConfig& config);

// The collector URL: http(s) only; a URL without a path gets /services/collector/event.
std::string hec_endpoint(const std::string& url);

class HecExporter final : public QueuedExporter {
 public:
  // default_host names this host in the envelope when the configuration does not.
  HecExporter(const HecConfig& config, const std::string& default_host);
  ~HecExporter() override;

 private:
  std::string format(const Event& event) override;
  Attempt attempt(const std::vector<std::string>& batch, std::size_t from) override;

  struct Curl;
  HecConfig config_;
  HecEnvelope envelope_;
  std::string endpoint_;
  std::string auth_header_;
  std::unique_ptr<Curl> curl_;  // used by the delivery thread only
};

}  // namespace protoport::exporters
