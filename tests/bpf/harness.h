// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Test harness: a freshly loaded protoport program, a ring-buffer reader that copies every
// record, and checks that the counters match exactly what a test expects.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

#include "loader/loader.h"
#include "packet_builder.h"

namespace pp_test {

struct Record {
  std::vector<std::uint8_t> payload;
  pp_sample header{};  // last: pp_sample ends in a flexible array member
};

class Harness {
 public:
  explicit Harness(const protoport::loader::Settings& settings = {});

  // Runs one frame through the program (asserting XDP_PASS) and drains the ring buffer.
  void run(const std::vector<std::uint8_t>& frame);
  void run(const Frame& frame) { run(frame.bytes); }
  // Runs without draining (to fill the ring buffer).
  void run_keep(const std::vector<std::uint8_t>& frame);
  int drain();

  protoport::loader::Program& program() { return program_; }
  std::vector<Record>& records() { return records_; }
  std::uint64_t frames_run() const { return frames_; }
  std::uint64_t bytes_run() const { return bytes_; }
  std::size_t flow_entries() const;

  // Checks every counter: packets and bytes against what run() saw, the listed counters
  // against their values, every other counter against zero, and outcomes summing to packets.
  void expect_counters(std::initializer_list<std::pair<pp_counter, std::uint64_t>> expected) const;

 private:
  protoport::loader::Program program_;
  std::vector<Record> records_;
  protoport::loader::RingReader reader_;
  std::uint64_t frames_ = 0;
  std::uint64_t bytes_ = 0;
};

// Checks the fields every sample must have for `spec` (addresses, ports, protocol, family,
// payload bytes and lengths for a given snap length).
void expect_sample(const Record& r, const PacketSpec& spec, std::uint8_t dir, std::uint8_t seq,
                   std::uint32_t snap_len = PP_SNAP_DEFAULT);

}  // namespace pp_test
