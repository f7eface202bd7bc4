// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "report/output_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace protoport::report {

AppendFile::AppendFile(std::string path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
  if (fd_ < 0) throw OutputError(path_ + ": cannot open for appending: " + std::strerror(errno));
}

AppendFile::~AppendFile() {
  if (fd_ >= 0) ::close(fd_);
}

AppendFile::AppendFile(AppendFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {}

AppendFile& AppendFile::operator=(AppendFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

void AppendFile::write(std::string_view text) {
  if (text.empty()) return;
  if (text.back() != '\n') throw std::invalid_argument("AppendFile::write: text must end a line");
  if (fd_ < 0) throw OutputError(path_ + ": write after move");
  while (!text.empty()) {
    const ssize_t n = ::write(fd_, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw OutputError(path_ + ": write failed: " + std::strerror(errno));
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

void AppendFile::sync() {
  if (fd_ >= 0 && ::fsync(fd_) != 0)
    throw OutputError(path_ + ": fsync failed: " + std::strerror(errno));
}

}  // namespace protoport::report
