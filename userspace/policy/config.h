// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The YAML configuration file (`--config FILE`). Schema (see examples/protoport.yaml):
//
//   preset: default | escu-v10          # optional, default "default"
//   expected_ports:                     # optional; per app, replaces the preset's ports
//     dns: [53, "853/tcp"]              #   a list of ports, "port/tcp" or "port/udp"
//     smtp: 25                          #   or a single port
//     ssl: {tcp: [443, 8443], udp: [443]}  # or per transport
//   filters:                            # optional; each suppresses mismatches matching ALL its
//     - src: 10.0.0.0/8                 #   fields: src, dest (CIDR or address, IPv4 or IPv6),
//       dest: "2001:db8::/32"           #   app, dest_port, transport; comment is free text
//       app: dns
//       dest_port: 5353
//       transport: udp
//       comment: "lab resolvers"
//
// Any problem throws ConfigError ("file:line: message"), before anything is attached.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "policy/config_error.h"
#include "policy/config_yaml.h"
#include "policy/policy.h"

namespace protoport::policy {

// Top-level keys this module reads; `extra` sections (output, exporters, ...) may add more.
inline constexpr std::string_view kPolicyKeys[] = {"preset", "expected_ports", "filters"};

// Reads and validates `path` (at most 1 MiB). The returned policy's source() is `path`.
Policy load_policy_file(const std::string& path, std::span<const ConfigSection> extra = {});

// The same from text already in memory; `file` names it in error messages.
Policy parse_policy_text(std::string_view text, const std::string& file,
                         std::span<const ConfigSection> extra = {});

}  // namespace protoport::policy
