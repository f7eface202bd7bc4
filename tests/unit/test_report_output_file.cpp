// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// --output FILE: appended JSON lines that survive the writer being killed.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "report/output_file.h"

using protoport::report::AppendFile;
using protoport::report::OutputError;

namespace {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pp-output-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("appends complete lines, keeping what the file held") {
  TempDir dir;
  const auto path = dir.path / "out.jsonl";
  std::ofstream(path) << "{\"old\":1}\n";
  {
    AppendFile out(path.string());
    out.write("{\"a\":1}\n");
    out.write("{\"b\":2}\n{\"c\":3}\n");
    out.write("");
    out.sync();
    CHECK(read_all(path) == "{\"old\":1}\n{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n");  // no buffering
  }
  AppendFile again(path.string());
  again.write("{\"d\":4}\n");
  CHECK(read_all(path) == "{\"old\":1}\n{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n{\"d\":4}\n");
}

TEST_CASE("opened with O_APPEND and O_CLOEXEC, created 0640 (less the umask)") {
  TempDir dir;
  const auto path = dir.path / "new.jsonl";
  const mode_t mask = umask(0);
  umask(mask);
  AppendFile out(path.string());
  CHECK((fcntl(out.fd(), F_GETFL) & O_APPEND) != 0);
  CHECK((fcntl(out.fd(), F_GETFD) & FD_CLOEXEC) != 0);
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == (0640 & ~mask));
}

TEST_CASE("rows written before the writer is killed are in the file") {
  TempDir dir;
  const auto path = dir.path / "killed.jsonl";
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    try {
      AppendFile out(path.string());
      out.write("{\"row\":1}\n");
      out.write("{\"row\":2}\n");
    } catch (...) {
      _exit(3);
    }
    raise(SIGKILL);  // no destructor, no flush, no exit handler runs
    _exit(4);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  CHECK(read_all(path) == "{\"row\":1}\n{\"row\":2}\n");
}

TEST_CASE("clear errors: cannot open, partial line") {
  TempDir dir;
  const std::string missing = (dir.path / "no-such-dir" / "out.jsonl").string();
  try {
    AppendFile out(missing);
    FAIL("opened a file in a missing directory");
  } catch (const OutputError& e) {
    CHECK(std::string(e.what()) ==
          missing + ": cannot open for appending: No such file or directory");
  }
  try {
    AppendFile out(dir.path.string());
    FAIL("opened a directory for writing");
  } catch (const OutputError& e) {
    CHECK(std::string(e.what()) ==
          dir.path.string() + ": cannot open for appending: Is a directory");
  }
  AppendFile out((dir.path / "x").string());
  CHECK_THROWS_AS(out.write("no newline"), std::invalid_argument);
  CHECK(read_all(dir.path / "x").empty());
}

TEST_CASE("a failing write is an error, not a silent loss") {
  AppendFile full("/dev/full");
  try {
    full.write("{\"row\":1}\n");
    FAIL("a write to /dev/full succeeded");
  } catch (const OutputError& e) {
    CHECK(std::string(e.what()) == "/dev/full: write failed: No space left on device");
  }
}

TEST_CASE("moved-from writers do not close the file twice") {
  TempDir dir;
  const auto path = dir.path / "moved.jsonl";
  AppendFile a(path.string());
  AppendFile b(std::move(a));
  CHECK(a.fd() == -1);
  b.write("{\"ok\":1}\n");
  AppendFile c((dir.path / "other").string());
  c = std::move(b);
  c.write("{\"ok\":2}\n");
  CHECK(read_all(path) == "{\"ok\":1}\n{\"ok\":2}\n");
}
