// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// libFuzzer target: the public entry points, classify_payload and classify_flow, with all
// parsers behind the dispatch. Input layout (what extract_payloads.py writes for seeds):
// byte 0 bit 0 = udp, bytes 1-2 responder port, bytes 3-4 initiator length, then the
// initiator's bytes and the responder's (a short input leaves the rest empty).
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace protoport::fingerprint;
  std::span<const std::uint8_t> in(data, size);
  detail::ByteReader r(in);
  auto flags = r.u8();
  auto port = r.u16();
  auto init_len = r.u16();
  Transport t = flags && (*flags & 1) ? Transport::udp : Transport::tcp;
  bool complete = false;
  auto init = r.take_up_to(init_len ? *init_len : 0, complete);
  auto resp = r.rest();

  for (auto bytes : {in, init, resp}) {
    Result p = classify_payload(bytes, t);
    fuzz::check_named(p.app != App::unknown, p);
  }
  for (FirstSpeaker first :
       {FirstSpeaker::unknown, FirstSpeaker::initiator, FirstSpeaker::responder}) {
    Result f = classify_flow(init, resp, t, port ? *port : 0, first);
    fuzz::check_evidence(f);
    // The flow's app is one of the directions' apps, renamed by port only if it is DNS.
    App a = classify_payload(init, t).app, b = classify_payload(resp, t).app;
    bool dns_renamed = f.app == App::mdns || f.app == App::llmnr || f.app == App::nbns;
    fuzz::require(f.app == App::unknown || f.app == a || f.app == b ||
                  (dns_renamed && (a == App::dns || b == App::dns)));
  }
  return 0;
}
