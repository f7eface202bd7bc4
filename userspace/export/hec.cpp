// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "export/hec.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "common/escape.h"
#include "common/text.h"

namespace protoport::exporters {

namespace {

constexpr std::size_t kMaxTokenBytes = 4096;
constexpr std::size_t kMaxResponseBytes = 2048;  // kept for the error message only

std::string checked_token(std::string token, const std::string& origin) {
  token = std::string(trim(token));
  if (token.empty()) throw SetupError("HEC token " + origin + " is empty");
  for (const char c : token)
    if (c < 0x21 || c > 0x7e)  // a line break would let the token forge HTTP headers
      throw SetupError(
          "HEC token " + origin +
          " holds a space or control character; a token is one word of printable ASCII");
  return token;
}

std::string read_token_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) throw SetupError("HEC token file " + path + ": " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
    throw SetupError("HEC token file " + path + ": not a regular file");
  if (st.st_mode & S_IROTH)
    std::fprintf(stderr,
                 "protoport: warning: HEC token file %s is readable by every user (chmod 600)\n",
                 path.c_str());
  std::string text(kMaxTokenBytes + 1, '\0');
  std::size_t got = 0;
  for (;;) {
    const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw SetupError("HEC token file " + path + ": " + std::strerror(errno));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
    if (got > kMaxTokenBytes) throw SetupError("HEC token file " + path + " is larger than 4 KiB");
  }
  text.resize(got);
  return checked_token(std::move(text), "file " + path);
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
      throw SetupError("libcurl could not initialise");
  });
}

bool loopback_host(const std::string& host) {
  return host == "localhost" || host.starts_with("127.") || host == "[::1]" || host == "::1";
}

}  // namespace

std::string load_hec_token(const HecConfig& c) {
  if (!c.token_file.empty()) return read_token_file(c.token_file);
  if (!c.token_env.empty()) {
    const char* value = std::getenv(c.token_env.c_str());
    if (!value) throw SetupError("HEC token variable " + c.token_env + " is not set");
    return checked_token(value, "variable " + c.token_env);
  }
  throw SetupError("the HEC collector needs a token (token_file or token_env)");
}

std::string hec_endpoint(const std::string& url) {
  global_init();
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), curl_url_cleanup);
  const std::string shown = "'" + protoport::for_terminal(url, 120) + "'";
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK)
    throw SetupError("HEC URL " + shown + " is not a URL (e.g. https://splunk.example.com:8088)");
  char* part = nullptr;
  std::string scheme, path, host;
  if (curl_url_get(u.get(), CURLUPART_SCHEME, &part, 0) == CURLUE_OK) scheme = part;
  curl_free(part);
  part = nullptr;
  if (scheme != "http" && scheme != "https")
    throw SetupError("HEC URL " + shown + ": only http:// and https:// are supported");
  if (curl_url_get(u.get(), CURLUPART_HOST, &part, 0) == CURLUE_OK) host = part;
  curl_free(part);
  part = nullptr;
  if (curl_url_get(u.get(), CURLUPART_PATH, &part, 0) == CURLUE_OK) path = part;
  curl_free(part);
  part = nullptr;
  if (path.empty() || path == "/")
    curl_url_set(u.get(), CURLUPART_PATH, "/services/collector/event", 0);
  if (scheme == "http" && !loopback_host(host))
    std::fprintf(stderr,
                 "protoport: warning: HEC URL %s is plain http: the token and the events "
                 "cross the network unencrypted (use https)\n",
                 shown.c_str());
  std::string out;
  if (curl_url_get(u.get(), CURLUPART_URL, &part, 0) == CURLUE_OK) out = part;
  curl_free(part);
  return out;
}

struct HecExporter::Curl {
  CURL* handle = nullptr;
  curl_slist* headers = nullptr;
  std::string response;
  ~Curl() {
    if (handle) curl_easy_cleanup(handle);
    if (headers) curl_slist_free_all(headers);
  }
};

HecExporter::HecExporter(const HecConfig& c, const std::string& default_host)
    : QueuedExporter(DeliverySettings{
          .name = "splunk_hec",
          .destination = hec_endpoint(c.url),
          .events = c.events,
          .queue_events = c.queue_events,
          .batch_events = c.batch_events,
          .batch_bytes = c.batch_bytes,
          .linger = std::chrono::milliseconds(static_cast<long>(c.flush_interval_s * 1000)),
          .retry_initial = std::chrono::milliseconds(static_cast<long>(c.retry_initial_s * 1000)),
          .retry_max = std::chrono::milliseconds(static_cast<long>(c.retry_max_s * 1000))}),
      config_(c),
      envelope_{c.host.empty() ? default_host : c.host, c.source, c.sourcetype, c.index},
      endpoint_(settings().destination),
      auth_header_("Authorization: Splunk " + load_hec_token(c)),
      curl_(std::make_unique<Curl>()) {
  if (!c.ca_file.empty() && ::access(c.ca_file.c_str(), R_OK) != 0)
    throw SetupError("HEC ca_file " + c.ca_file + ": " + std::strerror(errno));
  if (!c.verify_tls)
    std::fprintf(stderr,
                 "protoport: warning: splunk_hec: verify_tls is false: the collector's "
                 "certificate is not checked\n");
  global_init();
  curl_->handle = curl_easy_init();
  if (!curl_->handle) throw SetupError("libcurl could not create a handle");
  curl_->headers = curl_slist_append(curl_->headers, auth_header_.c_str());
  curl_->headers = curl_slist_append(curl_->headers, "Content-Type: application/json");
  curl_->headers = curl_slist_append(curl_->headers, "Expect:");  // no 100-continue round trip
  CURL* h = curl_->handle;
  curl_easy_setopt(h, CURLOPT_URL, endpoint_.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect would carry the token elsewhere
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, curl_->headers);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "protoport/0.1");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(c.timeout_s * 1000));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(c.timeout_s * 1000));
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, c.verify_tls ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, c.verify_tls ? 2L : 0L);
  if (!c.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, c.ca_file.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEDATA, curl_.get());
  curl_easy_setopt(
      h, CURLOPT_WRITEFUNCTION,
      +[](char* data, std::size_t size, std::size_t n, void* self) -> std::size_t {
        auto* curl = static_cast<Curl*>(self);
        const std::size_t bytes = size * n;
        if (curl->response.size() < kMaxResponseBytes)
          curl->response.append(data, std::min(bytes, kMaxResponseBytes - curl->response.size()));
        return bytes;
      });
  // Lets close() abandon a transfer once the exit grace has run out.
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, this);
  curl_easy_setopt(
      h, CURLOPT_XFERINFOFUNCTION,
      +[](void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t) -> int {
        return static_cast<HecExporter*>(self)->aborting() ? 1 : 0;
      });
  start();
}

HecExporter::~HecExporter() { close(std::chrono::milliseconds(0)); }

std::string HecExporter::format(const Event& event) { return hec_event_json(event, envelope_); }

QueuedExporter::Attempt HecExporter::attempt(const std::vector<std::string>& batch,
                                             std::size_t from) {
  std::string body;
  for (std::size_t i = from; i < batch.size(); ++i) {
    body += batch[i];
    body += '\n';
  }
  CURL* h = curl_->handle;
  curl_->response.clear();
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
  const CURLcode rc = curl_easy_perform(h);
  Attempt a;
  if (rc != CURLE_OK) {
    a.result = Attempt::Result::retry;
    a.error = "POST " + endpoint_ + ": " + curl_easy_strerror(rc);
    return a;
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 200 && status < 300) {
    a.delivered = batch.size() - from;
    return a;
  }
  a.error = "POST " + endpoint_ + ": HTTP " + std::to_string(status) + " " +
            protoport::for_terminal(curl_->response, 200);
  a.result = (status == 408 || status == 429 || status >= 500) ? Attempt::Result::retry
                                                               : Attempt::Result::reject;
  return a;
}

}  // namespace protoport::exporters
