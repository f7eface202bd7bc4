// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "packet_builder.h"

#include <arpa/inet.h>

#include <stdexcept>

namespace pp_test {
namespace {

class Writer {
 public:
  std::vector<std::uint8_t>& bytes() { return bytes_; }
  std::size_t size() const { return bytes_.size(); }
  void u8(std::uint8_t v) { bytes_.push_back(v); }
  void u16(std::uint16_t v) {
    u8(static_cast<std::uint8_t>(v >> 8));
    u8(static_cast<std::uint8_t>(v));
  }
  void u32(std::uint32_t v) {
    u16(static_cast<std::uint16_t>(v >> 16));
    u16(static_cast<std::uint16_t>(v));
  }
  void raw(const std::uint8_t* p, std::size_t n) { bytes_.insert(bytes_.end(), p, p + n); }
  void fill(std::size_t n, std::uint8_t v) { bytes_.insert(bytes_.end(), n, v); }
  void put16(std::size_t off, std::uint16_t v) {
    bytes_.at(off) = static_cast<std::uint8_t>(v >> 8);
    bytes_.at(off + 1) = static_cast<std::uint8_t>(v);
  }

 private:
  std::vector<std::uint8_t> bytes_;
};

std::uint16_t checksum(const std::vector<std::uint8_t>& b, std::size_t off, std::size_t len) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < len; i += 2) sum += (b.at(off + i) << 8) | b.at(off + i + 1);
  if (len % 2) sum += b.at(off + len - 1) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

void require(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(std::string("packet builder: ") + what);
}

void write_ipv6_ext(Writer& w, const Ipv6Ext& ext, std::uint8_t next) {
  const std::size_t start = w.size();
  w.u8(next);
  switch (ext.type) {
    case kFragment:
      require(ext.len == 8, "fragment header is 8 bytes");
      w.u8(0);
      w.u16(ext.frag_field);
      w.u32(0x12345678);  // identification
      break;
    case kAuth:
      require(ext.len >= 12 && ext.len % 4 == 0 && ext.len / 4 - 2 <= 255, "AH length");
      w.u8(static_cast<std::uint8_t>(ext.len / 4 - 2));
      w.u16(0);
      w.u32(0x1000);               // SPI
      w.u32(1);                    // sequence
      w.fill(ext.len - 12, 0xa5);  // ICV
      break;
    case kRouting:
      require(ext.len >= 8 && ext.len % 8 == 0 && ext.len / 8 - 1 <= 255, "routing length");
      w.u8(static_cast<std::uint8_t>(ext.len / 8 - 1));
      w.u8(253);  // routing type: experimental
      w.u8(0);    // segments left
      w.fill(ext.len - 4, 0);
      break;
    default:  // hop-by-hop, destination options: one PadN option fills the header
      require(ext.len >= 8 && ext.len % 8 == 0 && ext.len / 8 - 1 <= 255, "options length");
      w.u8(static_cast<std::uint8_t>(ext.len / 8 - 1));
      w.u8(1);  // PadN
      w.u8(static_cast<std::uint8_t>(ext.len - 4));
      w.fill(ext.len - 4, 0);
  }
  require(w.size() - start == ext.len, "extension header size");
}

}  // namespace

std::array<std::uint8_t, 16> addr16(const std::string& text) {
  std::array<std::uint8_t, 16> out{};
  if (inet_pton(AF_INET6, text.c_str(), out.data()) == 1) return out;
  std::uint8_t v4[4];
  require(inet_pton(AF_INET, text.c_str(), v4) == 1, "bad address literal");
  out[10] = out[11] = 0xff;
  for (int i = 0; i < 4; ++i) out[12 + i] = v4[i];
  return out;
}

std::vector<std::uint8_t> pattern(std::size_t n, char first) {
  std::vector<std::uint8_t> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(first + i % 26);
  return out;
}

Frame build(const PacketSpec& s) {
  require(s.family == 4 || s.family == 6, "family");
  require(s.ipv4_options_len % 4 == 0 && s.ipv4_options_len <= 40, "IPv4 options length");
  require(s.tcp_options_len % 4 == 0 && s.tcp_options_len <= 40, "TCP options length");
  Writer w;
  Frame f;
  f.family = s.family;
  const std::uint8_t dmac[6] = {0x02, 0, 0, 0, 0, 0x02}, smac[6] = {0x02, 0, 0, 0, 0, 0x01};
  w.raw(dmac, 6);
  w.raw(smac, 6);
  const std::uint16_t ethertype = s.ethertype.value_or(s.family == 4 ? 0x0800 : 0x86dd);
  for (std::uint16_t tpid : s.vlan_tpids) {
    w.u16(tpid);
    w.u16(100);  // TCI: VLAN 100
  }
  w.u16(ethertype);

  const auto src = addr16(s.src), dst = addr16(s.dst);
  f.l3_off = w.size();
  std::size_t len_field_off;  // where the IP length goes
  if (s.family == 4) {
    const std::size_t hlen = 20 + s.ipv4_options_len;
    w.u8(static_cast<std::uint8_t>((s.ip_version.value_or(4) << 4) | s.ihl.value_or(hlen / 4)));
    w.u8(0);
    len_field_off = w.size();
    w.u16(0);  // tot_len, patched below
    w.u16(1);  // id
    w.u16(s.ipv4_frag_field);
    w.u8(64);
    w.u8(s.l4);
    w.u16(0);  // checksum, patched below
    w.raw(src.data() + 12, 4);
    w.raw(dst.data() + 12, 4);
    w.fill(s.ipv4_options_len, 0x01);  // NOP options
  } else {
    w.u32(static_cast<std::uint32_t>(s.ip_version.value_or(6)) << 28);
    len_field_off = w.size();
    w.u16(0);  // payload_len, patched below
    w.u8(s.ipv6_ext.empty() ? s.l4 : s.ipv6_ext.front().type);
    w.u8(64);
    w.raw(src.data(), 16);
    w.raw(dst.data(), 16);
    for (std::size_t i = 0; i < s.ipv6_ext.size(); ++i) {
      const std::uint8_t next = i + 1 < s.ipv6_ext.size() ? s.ipv6_ext[i + 1].type : s.l4;
      write_ipv6_ext(w, s.ipv6_ext[i], next);
    }
  }

  f.l4_off = w.size();
  if (s.l4 == kTcp) {
    w.u16(s.sport);
    w.u16(s.dport);
    w.u32(s.tcp_seq);
    w.u32((s.tcp_flags & kAck) ? 5000 : 0);
    const std::uint8_t doff =
        s.doff.value_or(static_cast<std::uint8_t>((20 + s.tcp_options_len) / 4));
    w.u8(static_cast<std::uint8_t>(doff << 4));
    w.u8(s.tcp_flags);
    w.u16(65535);
    w.u16(0);  // checksum: the program does not check it
    w.u16(0);
    w.fill(s.tcp_options_len, 0x01);  // NOP options
  } else if (s.l4 == kUdp) {
    w.u16(s.sport);
    w.u16(s.dport);
    w.u16(s.udp_len.value_or(static_cast<std::uint16_t>(8 + s.payload.size())));
    w.u16(0);
  }
  f.payload_off = w.size();
  w.raw(s.payload.data(), s.payload.size());
  const std::size_t ip_total = w.size() - f.l3_off;
  const std::size_t ip_field = s.family == 4 ? ip_total : ip_total - 40;
  w.put16(len_field_off, s.ip_len.value_or(static_cast<std::uint16_t>(ip_field)));
  if (s.family == 4) w.put16(f.l3_off + 10, checksum(w.bytes(), f.l3_off, 20 + s.ipv4_options_len));
  w.fill(s.trailer_len, 0xee);
  f.bytes = std::move(w.bytes());
  return f;
}

Frame Frame::truncated(std::size_t n, bool fix_ip_length) const {
  require(n <= bytes.size(), "truncation longer than the frame");
  Frame out = *this;
  out.bytes.resize(n);
  if (fix_ip_length && n >= l3_off + (family == 4 ? 4 : 6)) {
    const std::size_t ip_total = n - l3_off;
    const std::size_t field = family == 4 ? ip_total : (ip_total >= 40 ? ip_total - 40 : 0);
    const std::size_t off = l3_off + (family == 4 ? 2 : 4);
    out.bytes.at(off) = static_cast<std::uint8_t>(field >> 8);
    out.bytes.at(off + 1) = static_cast<std::uint8_t>(field);
  }
  return out;
}

std::vector<std::uint8_t> arp_frame() {
  Writer w;
  w.fill(6, 0xff);  // broadcast
  const std::uint8_t smac[6] = {0x02, 0, 0, 0, 0, 0x01};
  w.raw(smac, 6);
  w.u16(0x0806);  // ARP
  w.u16(1);       // Ethernet
  w.u16(0x0800);  // IPv4
  w.u8(6);
  w.u8(4);
  w.u16(1);  // request
  w.raw(smac, 6);
  w.u32(0xc0000201);  // 192.0.2.1
  w.fill(6, 0);
  w.u32(0xc0000202);  // 192.0.2.2
  return std::move(w.bytes());
}

}  // namespace pp_test
