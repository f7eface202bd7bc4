// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Live-benchmark traffic generator (this kernel has no pktgen): IPv4/UDP frames built by hand,
// sent as fast as the sender's core allows, by one of two methods:
//   --method packet (default): sendmmsg on an AF_PACKET socket, in batches. The receiving veth
//                        gets skbs; in native XDP mode veth copies each into a page with XDP
//                        headroom before any program runs (the copy alone costs ~18% here).
//   --method xdp:        bpf_prog_test_run_opts in live-frames mode (BPF_F_TEST_XDP_LIVE_FRAMES)
//                        with a program that returns XDP_TX (bpf/xdp_sender.bpf.c): the veth
//                        hands xdp_frames to its peer, whose XDP program runs on them without a
//                        copy. The peer needs NAPI: an XDP program, or GRO on when it has none.
//                        (Debian 12's xdp-trafficgen does this too, but does not load on 6.18.)
//   one flow (default): every frame the same 5-tuple, so after its first samples each packet is
//                        an already-sampled flow's packet for protoport;
//   --storm:            source port, then source address, changed per frame: every packet
//                        is a new flow (the flow table and ring buffer under a new-flow flood).
// Prints one line: "sent N frames in S s (R frames/s)". Needs CAP_NET_RAW (packet) or
// CAP_BPF + CAP_NET_ADMIN (xdp); run it in the lab's client namespace.
//
//   bench_udp_flood --ifname IF --dst-mac MAC --src IP --dst IP [--dport P] [--seconds S]
//                   [--payload BYTES] [--batch N] [--storm] [--method packet|xdp]
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "pp_bench_xdp_sender.skel.h"

namespace {

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "bench_udp_flood: %s\n", message.c_str());
  std::exit(1);
}

// Closes the socket on every path.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::uint16_t ip_checksum(const std::uint8_t* p, std::size_t n) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < n; i += 2) sum += (p[i] << 8) | p[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

struct Options {
  std::string ifname, dst_mac, src, dst;
  std::uint16_t dport = 9000;
  double seconds = 3;
  std::size_t payload = 18;  // 60-byte frames: the minimum Ethernet frame without FCS
  std::size_t batch = 64;
  bool storm = false;
  bool xdp = false;  // --method xdp
};

unsigned long parse_ulong(const std::string& flag, const char* v, unsigned long max) {
  char* end = nullptr;
  errno = 0;
  const unsigned long x = std::strtoul(v, &end, 10);
  if (errno || end == v || *end || x == 0 || x > max)
    die(flag + " needs an integer from 1 to " + std::to_string(max) + ", not '" + v + "'");
  return x;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--ifname")
      o.ifname = value();
    else if (a == "--dst-mac")
      o.dst_mac = value();
    else if (a == "--src")
      o.src = value();
    else if (a == "--dst")
      o.dst = value();
    else if (a == "--dport")
      o.dport = static_cast<std::uint16_t>(parse_ulong(a, value(), 65535));
    else if (a == "--seconds") {
      const char* v = value();
      o.seconds = std::strtod(v, nullptr);
      if (!(o.seconds > 0 && o.seconds <= 3600))
        die("--seconds needs a number in (0, 3600], not '" + std::string(v) + "'");
    } else if (a == "--payload")
      o.payload = parse_ulong(a, value(), 1400);
    else if (a == "--batch")
      o.batch = parse_ulong(a, value(), 1024);
    else if (a == "--storm")
      o.storm = true;
    else if (a == "--method") {
      const std::string m = value();
      if (m != "packet" && m != "xdp") die("--method is packet or xdp, not '" + m + "'");
      o.xdp = m == "xdp";
    } else
      die("unknown argument '" + a + "'");
  }
  if (o.ifname.empty() || o.dst_mac.empty() || o.src.empty() || o.dst.empty())
    die("--ifname, --dst-mac, --src and --dst are required");
  // The kernel's bound on a live-frames batch (TEST_XDP_MAX_BATCH): more is E2BIG at the first
  // call.
  if (o.xdp && o.batch > 256) die("--batch is at most 256 with --method xdp");
  return o;
}

struct SenderDeleter {
  void operator()(pp_bench_xdp_sender* s) const { pp_bench_xdp_sender__destroy(s); }
};

// --method xdp: `frame` sent through the interface by XDP_TX from live-frames test runs, each
// call handing the kernel `repeat` frames; the program changes the source per frame in a storm.
std::uint64_t send_xdp(const Options& o, unsigned ifindex, const std::vector<std::uint8_t>& frame,
                       double& seconds) {
  std::unique_ptr<pp_bench_xdp_sender, SenderDeleter> skel(pp_bench_xdp_sender__open());
  if (!skel) die("cannot open the XDP sender program");
  skel->rodata->storm = o.storm ? 1 : 0;
  if (pp_bench_xdp_sender__load(skel.get()) != 0)
    die("cannot load the XDP sender program (root needed)");
  xdp_md ctx{};
  ctx.ingress_ifindex = ifindex;                            // XDP_TX goes out of this interface
  ctx.data_end = static_cast<std::uint32_t>(frame.size());  // the kernel wants the data's size here
  bpf_test_run_opts opts{};
  opts.sz = sizeof(opts);
  opts.data_in = frame.data();
  opts.data_size_in = static_cast<std::uint32_t>(frame.size());
  opts.ctx_in = &ctx;
  opts.ctx_size_in = sizeof(ctx);
  opts.flags = BPF_F_TEST_XDP_LIVE_FRAMES;
  // Frames per call: each call sets up a page pool and fills its pages first (~ms), so calls
  // must be long; 2^18 frames take ~0.5 s here, so a run overshoots --seconds by at most that.
  opts.repeat = 1 << 18;
  opts.batch_size = static_cast<std::uint32_t>(o.batch);
  const int fd = bpf_program__fd(skel->progs.pp_xdp_sender);
  std::uint64_t sent = 0;
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + std::chrono::duration<double>(o.seconds);
  std::chrono::steady_clock::time_point now;
  while ((now = std::chrono::steady_clock::now()) < end) {
    if (bpf_prog_test_run_opts(fd, &opts) != 0)
      die(std::string("live-frames test run: ") + std::strerror(errno));
    sent += opts.repeat;
  }
  seconds = std::chrono::duration<double>(now - start).count();
  return sent;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const unsigned ifindex = if_nametoindex(o.ifname.c_str());
  if (ifindex == 0) die("no interface '" + o.ifname + "'");
  std::uint8_t dmac[6];
  if (std::sscanf(o.dst_mac.c_str(), "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &dmac[0], &dmac[1], &dmac[2],
                  &dmac[3], &dmac[4], &dmac[5]) != 6)
    die("--dst-mac must look like 02:00:00:00:00:01, not '" + o.dst_mac + "'");
  in_addr src{}, dst{};
  if (inet_pton(AF_INET, o.src.c_str(), &src) != 1) die("--src is not an IPv4 address: " + o.src);
  if (inet_pton(AF_INET, o.dst.c_str(), &dst) != 1) die("--dst is not an IPv4 address: " + o.dst);

  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_ifindex = static_cast<int>(ifindex);
  to.sll_halen = 6;
  std::memcpy(to.sll_addr, dmac, 6);

  const std::size_t frame_len = 14 + 20 + 8 + o.payload;
  std::vector<std::uint8_t> frames(frame_len * o.batch);
  std::vector<iovec> iov(o.batch);
  std::vector<mmsghdr> msgs(o.batch);
  for (std::size_t i = 0; i < o.batch; ++i) {
    std::uint8_t* f = &frames[i * frame_len];
    std::memcpy(f, dmac, 6);
    const std::uint8_t smac[6] = {0x02, 0, 0, 0, 0, 0x01};
    std::memcpy(f + 6, smac, 6);
    f[12] = 0x08;  // IPv4
    std::uint8_t* ip = f + 14;
    ip[0] = 0x45;
    ip[2] = std::uint8_t((20 + 8 + o.payload) >> 8);
    ip[3] = std::uint8_t(20 + 8 + o.payload);
    ip[8] = 64;
    ip[9] = 17;  // UDP
    std::memcpy(ip + 12, &src, 4);
    std::memcpy(ip + 16, &dst, 4);
    std::uint8_t* udp = ip + 20;
    udp[0] = 0x9c;  // source port 40000
    udp[1] = 0x40;
    udp[2] = std::uint8_t(o.dport >> 8);
    udp[3] = std::uint8_t(o.dport);
    udp[4] = std::uint8_t((8 + o.payload) >> 8);
    udp[5] = std::uint8_t(8 + o.payload);
    for (std::size_t b = 0; b < o.payload; ++b)
      udp[8 + b] = std::uint8_t('a' + b % 26);  // checksum 0: none (IPv4)
    const std::uint16_t c = ip_checksum(ip, 20);
    ip[10] = std::uint8_t(c >> 8);
    ip[11] = std::uint8_t(c);
    iov[i] = {f, frame_len};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &to;
    msgs[i].msg_hdr.msg_namelen = sizeof to;
  }

  if (o.xdp) {
    std::vector<std::uint8_t> frame(frames.begin(),
                                    frames.begin() + static_cast<std::ptrdiff_t>(frame_len));
    double s = 0;
    const std::uint64_t sent = send_xdp(o, ifindex, frame, s);
    std::printf("sent %llu frames in %.3f s (%.0f frames/s), 0 busy retries\n",
                static_cast<unsigned long long>(sent), s, sent / s);
    return 0;
  }
  Fd sock(::socket(AF_PACKET, SOCK_RAW, 0));  // protocol 0: send only, never receives
  if (sock.get() < 0) die(std::string("socket(AF_PACKET): ") + std::strerror(errno));

  std::uint64_t next_flow = 0, sent = 0, send_errors = 0;
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + std::chrono::duration<double>(o.seconds);
  std::chrono::steady_clock::time_point now;
  while ((now = std::chrono::steady_clock::now()) < end) {
    if (o.storm) {
      for (std::size_t i = 0; i < o.batch; ++i, ++next_flow) {
        std::uint8_t* ip = &frames[i * frame_len + 14];
        // 64,512 source ports per source address, then the next address in 10.64.0.0/10.
        const std::uint16_t sport = std::uint16_t(1024 + next_flow % 64512);
        const std::uint32_t saddr = 0x0a400000u + std::uint32_t((next_flow / 64512) % 0x400000);
        const std::uint32_t n = htonl(saddr);
        std::memcpy(ip + 12, &n, 4);
        ip[10] = ip[11] = 0;
        const std::uint16_t c = ip_checksum(ip, 20);
        ip[10] = std::uint8_t(c >> 8);
        ip[11] = std::uint8_t(c);
        ip[20] = std::uint8_t(sport >> 8);
        ip[21] = std::uint8_t(sport);
      }
    }
    const int n = ::sendmmsg(sock.get(), msgs.data(), static_cast<unsigned>(o.batch), 0);
    if (n < 0) {
      if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR)
        die(std::string("sendmmsg: ") + std::strerror(errno));
      ++send_errors;
      continue;
    }
    sent += static_cast<std::uint64_t>(n);
  }
  const double s = std::chrono::duration<double>(now - start).count();
  std::printf("sent %llu frames in %.3f s (%.0f frames/s), %llu busy retries\n",
              static_cast<unsigned long long>(sent), s, sent / s,
              static_cast<unsigned long long>(send_errors));
  return 0;
}
