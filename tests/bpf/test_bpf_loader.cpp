// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The loader library against the real kernel: XDP attach/detach rules, counters of other
// instances, and the one-line errors. Attach tests run in a private network namespace that
// this process enters first (unshare), so that no interface outside it is touched and the
// namespace disappears with the process on every path.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <doctest/doctest.h>
#include <linux/if_link.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "harness.h"

using namespace protoport::loader;
using pp_test::Harness;

namespace {

// Enters a fresh network namespace once per process: interfaces created here vanish with it.
void enter_private_netns() {
  static const bool entered = [] {
    REQUIRE(unshare(CLONE_NEWNET) == 0);
    REQUIRE(std::system("ip link set lo up") == 0);
    return true;
  }();
  (void)entered;
}

void sh(const std::string& command) {
  INFO(command);
  REQUIRE(std::system((command + " >/dev/null 2>&1").c_str()) == 0);
}

std::uint32_t generic_prog_id(int ifindex) {
  bpf_xdp_query_opts q{};
  q.sz = sizeof(q);
  REQUIRE(bpf_xdp_query(ifindex, 0, &q) == 0);
  return q.skb_prog_id;
}

bool one_line(const std::string& message) {
  return !message.empty() && message.find('\n') == std::string::npos;
}

}  // namespace

TEST_CASE("generic attach, refusal to replace, detach only what is ours") {
  enter_private_netns();
  sh("ip link del ppt0 2>/dev/null; ip link add ppt0 type veth peer name ppt1");
  const int ifindex = interface_index("ppt0");
  Program ours, theirs;
  {
    XdpAttachment a(ours, ifindex, XdpMode::generic);
    CHECK(a.mode() == XdpMode::generic);
    CHECK_FALSE(a.fell_back());
    CHECK(a.ifname() == "ppt0");
    CHECK(a.state() == AttachState::attached);
    CHECK(generic_prog_id(ifindex) == ours.prog_id());

    // Another program (or another protoport) must not replace ours, in any mode.
    for (auto mode : {XdpMode::generic, XdpMode::native, XdpMode::automatic}) {
      try {
        XdpAttachment b(theirs, ifindex, mode);
        FAIL("attached over an existing program");
      } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::xdp_busy);
        CHECK(one_line(e.what()));
        CHECK(std::string(e.what()).find("ppt0") != std::string::npos);
        CHECK(std::string(e.what()).find("id " + std::to_string(ours.prog_id())) !=
              std::string::npos);
      }
    }
    CHECK(generic_prog_id(ifindex) == ours.prog_id());
  }
  CHECK(generic_prog_id(ifindex) == 0);  // the destructor detached ours

  SUBCASE("replaced behind our back: the destructor leaves the new program alone") {
    auto a = std::make_unique<XdpAttachment>(ours, ifindex, XdpMode::generic);
    // Behind our back: a program held by a link is removed through the link (what `bpftool link
    // detach` does); netlink cannot remove it (see "held by a link" below).
    const int link_fd = bpf_link_get_fd_by_id(a->link_id());
    REQUIRE(link_fd >= 0);
    REQUIRE(bpf_link_detach(link_fd) == 0);
    close(link_fd);
    REQUIRE(bpf_xdp_attach(ifindex, theirs.prog_fd(), XDP_FLAGS_SKB_MODE, nullptr) == 0);
    CHECK(a->state() == AttachState::replaced);
    a.reset();
    CHECK(generic_prog_id(ifindex) == theirs.prog_id());
    REQUIRE(bpf_xdp_detach(ifindex, XDP_FLAGS_SKB_MODE, nullptr) == 0);
  }
  SUBCASE("explicit detach is idempotent") {
    XdpAttachment a(ours, ifindex, XdpMode::generic);
    a.detach();
    a.detach();
    CHECK(generic_prog_id(ifindex) == 0);
    CHECK(a.state() == AttachState::replaced);
  }
  SUBCASE("the attachment keeps the program loaded after Program is gone") {
    auto program = std::make_unique<Program>();
    const auto id = program->prog_id();
    XdpAttachment a(*program, ifindex, XdpMode::generic);
    program.reset();
    CHECK(a.state() == AttachState::attached);
    CHECK(generic_prog_id(ifindex) == id);
  }
  sh("ip link del ppt0");
}

// Forks a child that attaches and holds the attachment, runs while_attached(child pid) in the
// parent, then kills the child with SIGKILL (no destructor runs) and reaps it.
template <typename WhileAttached>
void with_child_attached(int ifindex, XdpMode mode, WhileAttached while_attached) {
  int ready[2];
  REQUIRE(pipe(ready) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(ready[0]);
    try {
      Program program;
      XdpAttachment a(program, ifindex, mode);
      const char ok = 1;
      if (write(ready[1], &ok, 1) != 1) _exit(2);
      for (;;) pause();  // until SIGKILL
    } catch (...) {
      _exit(3);
    }
  }
  // The child is killed and reaped on every path, a failed REQUIRE in while_attached included:
  // left paused, it would hold the test's stdout open forever.
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      kill(pid, SIGKILL);
      int status = 0;
      waitpid(pid, &status, 0);
    }
  };
  {
    Reaper reaper{pid};
    close(ready[1]);
    char ok = 0;
    const bool attached = read(ready[0], &ok, 1) == 1 && ok == 1;
    close(ready[0]);
    REQUIRE(attached);
    while_attached(pid);
  }
}

TEST_CASE("held by a link: a killed holder leaves nothing attached; others are told who holds it") {
  enter_private_netns();
  sh("ip link del ppk0 2>/dev/null; ip link add ppk0 type veth peer name ppk1");
  const int ifindex = interface_index("ppk0");
  for (auto mode : {XdpMode::generic, XdpMode::native}) {
    CAPTURE(xdp_mode_name(mode));
    with_child_attached(ifindex, mode, [&](pid_t child) {
      bpf_xdp_query_opts q{};
      q.sz = sizeof(q);
      REQUIRE(bpf_xdp_query(ifindex, 0, &q) == 0);
      CHECK(q.attach_mode != XDP_ATTACHED_NONE);
      // netlink (ip link ... off) cannot remove a program held by a link.
      CHECK(bpf_xdp_detach(ifindex,
                           mode == XdpMode::generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE,
                           nullptr) != 0);
      Program second;
      try {
        XdpAttachment b(second, ifindex, XdpMode::automatic);
        FAIL("attached over a running watch");
      } catch (const Error& e) {
        const std::string message = e.what();
        CHECK(e.kind() == ErrorKind::xdp_busy);
        CHECK(one_line(message));
        CHECK(message.find("a protoport watch (pid " + std::to_string(child) +
                           ") is watching ppk0") != std::string::npos);
        MESSAGE(message);
      }
    });
    // SIGKILL ran no destructor: the kernel released the link with the process's last fd.
    bpf_xdp_query_opts q{};
    q.sz = sizeof(q);
    REQUIRE(bpf_xdp_query(ifindex, 0, &q) == 0);
    CHECK(q.attach_mode == XDP_ATTACHED_NONE);
    Program next;
    CHECK_NOTHROW(XdpAttachment(next, ifindex, mode));  // the next start is not refused
  }
  sh("ip link del ppk0");
}

TEST_CASE("native attach on veth; auto falls back to generic where native is missing") {
  enter_private_netns();
  sh("ip link del ppn0 2>/dev/null; ip link add ppn0 type veth peer name ppn1");
  Program program;
  {
    XdpAttachment a(program, interface_index("ppn0"), XdpMode::automatic);
    CHECK(a.mode() == XdpMode::native);  // veth has a native XDP driver
    CHECK_FALSE(a.fell_back());
    CHECK(a.state() == AttachState::attached);
  }
  {
    // Loopback has no native XDP: auto says so and attaches in generic mode.
    XdpAttachment a(program, interface_index("lo"), XdpMode::automatic);
    CHECK(a.mode() == XdpMode::generic);
    CHECK(a.fell_back());
    CHECK(one_line(a.fallback_reason()));
    CHECK(a.fallback_reason().find("lo") != std::string::npos);
    CHECK(a.state() == AttachState::attached);
  }
  try {
    XdpAttachment a(program, interface_index("lo"), XdpMode::native);
    FAIL("native XDP attached to lo");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::xdp_unsupported);
    CHECK(one_line(e.what()));
    MESSAGE(std::string(e.what()));
  }
  sh("ip link del ppn0");
}

TEST_CASE("the refusal names the iproute2 command for the mode the other program uses") {
  enter_private_netns();
  sh("ip link del ppm0 2>/dev/null; ip link add ppm0 type veth peer name ppm1");
  const int ifindex = interface_index("ppm0");
  Program ours, theirs;
  struct Case {
    std::uint32_t flag;
    const char* command;
  };
  for (const Case& c : {Case{XDP_FLAGS_SKB_MODE, "ip link set dev ppm0 xdpgeneric off"},
                        Case{XDP_FLAGS_DRV_MODE, "ip link set dev ppm0 xdpdrv off"}}) {
    CAPTURE(c.command);
    REQUIRE(bpf_xdp_attach(ifindex, theirs.prog_fd(), c.flag, nullptr) == 0);
    if (c.flag == XDP_FLAGS_SKB_MODE) {
      // Why the mode must be named: without it, veth takes the command as native.
      sh("ip link set dev ppm0 xdp off");
      CHECK(generic_prog_id(ifindex) == theirs.prog_id());
    }
    try {
      XdpAttachment a(ours, ifindex, XdpMode::automatic);
      FAIL("attached over an existing program");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::xdp_busy);
      CHECK(one_line(e.what()));
      CHECK(std::string(e.what()).find(std::string("(") + c.command + ")") != std::string::npos);
    }
    sh(c.command);  // the command we name does remove it
    bpf_xdp_query_opts q{};
    q.sz = sizeof(q);
    REQUIRE(bpf_xdp_query(ifindex, 0, &q) == 0);
    CHECK(q.attach_mode == XDP_ATTACHED_NONE);
  }
  sh("ip link del ppm0");
}

TEST_CASE("an interface that disappears while attached") {
  enter_private_netns();
  sh("ip link del ppg0 2>/dev/null; ip link add ppg0 type veth peer name ppg1");
  Program program;
  XdpAttachment a(program, interface_index("ppg0"), XdpMode::generic);
  CHECK(a.state() == AttachState::attached);
  sh("ip link del ppg0");
  CHECK(a.state() == AttachState::interface_gone);
  CHECK_NOTHROW(a.detach());
}

TEST_CASE("no such interface") {
  enter_private_netns();
  Program program;
  CHECK_THROWS_AS(interface_index("pp-no-such-if"), Error);
  try {
    interface_index("pp-no-such-if");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::no_interface);
    CHECK(std::string(e.what()) == "no such interface: pp-no-such-if");
  }
  try {
    XdpAttachment a(program, 999999, XdpMode::generic);
    FAIL("attached to a missing ifindex");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::no_interface);
  }
}

TEST_CASE("counters of running instances are found by map name") {
  Harness h;
  auto spec = pp_test::PacketSpec{};
  spec.payload = pp_test::pattern(10);
  h.run(pp_test::build(spec));
  h.run(pp_test::arp_frame());
  const auto instances = find_running_instances();
  const auto our_map = h.program().counters_map_id();
  bool found = false;
  for (const auto& instance : instances) {
    if (instance.map_id != our_map) continue;
    found = true;
    CHECK(instance.prog_id == h.program().prog_id());
    CHECK(instance.counters[PP_CNT_PACKETS] == 2);
    CHECK(instance.counters[PP_OUT_SAMPLED] == 1);
    CHECK(instance.counters[PP_OUT_NON_IP] == 1);
  }
  CHECK(found);
  h.expect_counters({{PP_CNT_FLOWS_CREATED, 1}, {PP_OUT_SAMPLED, 1}, {PP_OUT_NON_IP, 1}});
}

TEST_CASE("a callback exception stops consume() and is rethrown") {
  Program program;
  int calls = 0;
  RingReader reader(program, [&](const pp_sample&, std::span<const std::uint8_t>) {
    ++calls;
    throw std::runtime_error("stop");
  });
  for (std::uint16_t port = 1; port <= 3; ++port) {
    auto spec = pp_test::PacketSpec{};
    spec.sport = port;
    spec.payload = pp_test::pattern(5);
    program.test_run(pp_test::build(spec).bytes);
  }
  CHECK_THROWS_WITH(reader.consume(), "stop");
  CHECK(calls == 1);
  CHECK_THROWS_WITH(reader.consume(), "stop");  // the next record
  CHECK(calls == 2);
}

TEST_CASE("ring_wakeup off: samples are submitted without waking a poller") {
  for (const bool wakeup : {true, false}) {
    CAPTURE(wakeup);
    Settings settings;
    settings.ring_wakeup = wakeup;
    Program program(settings);
    int calls = 0;
    RingReader reader(program, [&](const pp_sample&, std::span<const std::uint8_t>) { ++calls; });
    auto spec = pp_test::PacketSpec{};
    spec.payload = pp_test::pattern(5);
    program.test_run(pp_test::build(spec).bytes);
    // Woken: poll() returns as soon as the kernel's wakeup lands. Not woken: nothing can end
    // the wait early, so a short one shows it (and consume() finds the sample anyway).
    CHECK(reader.poll(wakeup ? 5000 : 200) == (wakeup ? 1 : 0));
    CHECK(reader.consume() == (wakeup ? 0 : 1));
    CHECK(calls == 1);
  }
}

TEST_CASE("without privileges: one clear line") {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Child: become nobody (drops every capability), then try to load.
    if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0) _exit(10);
    try {
      Program program;
      _exit(11);
    } catch (const Error& e) {
      const std::string message = e.what();
      if (e.kind() != ErrorKind::permission) _exit(12);
      if (!one_line(message) || message.find("root") == std::string::npos) _exit(13);
    } catch (...) {
      _exit(14);
    }
    try {
      find_running_instances();  // `protoport stats` without root
      _exit(15);
    } catch (const Error& e) {
      _exit(e.kind() == ErrorKind::permission && one_line(e.what()) ? 0 : 16);
    } catch (...) {
      _exit(17);
    }
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("a kernel without BTF: one clear line") {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Child: a private mount namespace where /sys/kernel/btf is an empty tmpfs.
    if (unshare(CLONE_NEWNS) != 0) _exit(10);
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) _exit(11);
    if (mount("tmpfs", "/sys/kernel/btf", "tmpfs", 0, nullptr) != 0) _exit(12);
    try {
      Program program;
      _exit(13);
    } catch (const Error& e) {
      const std::string message = e.what();
      _exit(e.kind() == ErrorKind::no_btf && one_line(message) &&
                    message.find("/sys/kernel/btf/vmlinux") != std::string::npos
                ? 0
                : 14);
    } catch (...) {
      _exit(15);
    }
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("bad settings are refused before anything is loaded") {
  Settings s;
  s.snap_len = 2048;
  try {
    Program program(s);
    FAIL("loaded with snap_len 2048");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::bad_settings);
    CHECK(std::string(e.what()) == "invalid snap length 2048: must be 1..1024");
  }
}
