// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The YAML configuration file (`--config FILE`). Schema (see examples/protoport.yaml):
//
//   preset: default | escu-v10 | extended  # optional, default "default"
//   expected_ports:                     # optional; per app, replaces the preset's ports
//     dns: [53, "853/tcp"]              #   a list of ports, "port/tcp" or "port/udp"
//     smtp: 25                          #   or a single port
//     ssl: {tcp: [443, 8443], udp: [443]}  # or per transport
//   port_rules: true | false            # optional, default true: the port rules below are used
//   expected_apps:                      # optional; per port, replaces the preset's port rule
//     443/tcp: ssl                      #   PORT/tcp, PORT/udp, or PORT for both transports
//     "8443": [ssl, http]               #   an app or a list of apps
//     25/tcp: []                        #   an empty list: no port rule there
//   filters:                            # optional; each suppresses mismatches matching ALL its
//     - src: 10.0.0.0/8                 #   fields: src, dest (CIDR or address, IPv4 or IPv6),
//       dest: "2001:db8::/32"           #   app, dest_port, transport, rule; comment is free text
//       app: dns
//       dest_port: 5353
//       transport: udp
//       comment: "lab resolvers"
//     - process_path: /usr/sbin/postfix  #   process_name, process_path, user: the local process
//       app: smtp                        #   (watch's process attribution), compared whole;
//       dest_port: 587                   #   never matching a flow without a known process
//
// These are the policy's sections of the configuration file (config/config_file.h); any problem
// throws config::ConfigError ("file:line: message"), before anything is attached.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_file.h"
#include "policy/policy.h"

namespace protoport::policy {

// The sections preset, expected_ports, port_rules, expected_apps and filters, filling `out`
// (whose source() is kept).
std::vector<config::Section> config_sections(Policy& out);

// A policy read from `path` (at most 1 MiB) with only the policy's sections, or with `extra`
// sections of other owners too. The returned policy's source() is `path`.
Policy load_policy_file(const std::string& path, std::span<const config::Section> extra = {});

// The same from text already in memory; `file` names it in error messages.
Policy parse_policy_text(std::string_view text, const std::string& file,
                         std::span<const config::Section> extra = {});

}  // namespace protoport::policy
