// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The YAML configuration: every valid shape, and every kind of bad file with its exact
// `file:line: message`.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "policy/config.h"
#include "policy_test_util.h"

using protoport::config::ConfigError;
// Every app the fingerprints name, in enum order, as the messages list them.
#define PP_APPS                                                                                  \
  "dns, http, ssl, smtp, mdns, llmnr, nbns, ssh, ftp, pop3, imap, quic, dtls, openvpn, "         \
  "wireguard, "                                                                                  \
  "stun, socks, sip, rtsp, ssdp, irc, mqtt, rdp, smb, dcerpc, ldap, vnc, telnet, redis, mysql, " \
  "postgresql"
using protoport::policy::App;
using ConfigSection = protoport::config::Section;
using protoport::policy::load_policy_file;
using protoport::policy::parse_policy_text;
using protoport::policy::Policy;
using protoport::policy::Preset;
using protoport::policy::Transport;
using protoport::test::ip;
using protoport::test::verdict;

namespace {

Policy parse(const std::string& text) { return parse_policy_text(text, "cfg.yaml"); }

// The error message a text produces, or "accepted".
std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "accepted";
}

bool mismatches(const Policy& p, App app, std::uint16_t port, Transport t = Transport::tcp) {
  return p.evaluate(verdict(app, port, t)).mismatch.has_value();
}

// A scratch directory removed at scope exit.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pp-policy-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string write(const std::string& name, const std::string& text) const {
    const auto file = path / name;
    std::ofstream(file, std::ios::binary) << text;
    return file.string();
  }
};

}  // namespace

TEST_CASE("an empty file, or only comments, is the default policy") {
  for (const char* text : {"", "# nothing here\n", "\n\n", "---\n"}) {
    CAPTURE(text);
    const Policy p = parse(text);
    CHECK(p.preset() == Preset::standard);
    CHECK(p.rules().size() == 4);
    CHECK(p.filters().empty());
    CHECK(p.source() == "cfg.yaml");
  }
}

TEST_CASE("preset selects the built-in rules") {
  const Policy def = parse("preset: default\n");
  CHECK(def.preset() == Preset::standard);
  CHECK(mismatches(def, App::ssl, 465));
  const Policy v10 = parse("preset: escu-v10\n");
  CHECK(v10.preset() == Preset::escu_v10);
  CHECK_FALSE(mismatches(v10, App::ssl, 465));
  CHECK_FALSE(mismatches(v10, App::smtp, 2525));
}

TEST_CASE("expected_ports: list, single value and per-transport shapes") {
  const Policy p = parse(R"(
expected_ports:
  dns: [53, "853/tcp"]
  smtp: 2525
  http: "8888"
  ssl:
    tcp: [443, 8443]
    udp: 443
  ftp:
    - 21
    - "2121/tcp"
)");
  CHECK(p.rule_for(App::dns)->expected_text() == "53,853/tcp");
  CHECK(p.rule_for(App::smtp)->expected_text() == "2525");
  CHECK(p.rule_for(App::http)->expected_text() == "8888");
  CHECK(p.rule_for(App::ssl)->expected_text() == "443/tcp,8443/tcp,443/udp");
  CHECK(p.rule_for(App::ftp)->expected_text() == "21,2121/tcp");
  CHECK(p.rule_for(App::ftp)->id() == "ftp-unexpected-port");
  CHECK_FALSE(mismatches(p, App::dns, 853, Transport::tcp));
  CHECK(mismatches(p, App::dns, 853, Transport::udp));
  CHECK(mismatches(p, App::smtp, 25));  // replaced, not extended
  CHECK_FALSE(mismatches(p, App::ssl, 443, Transport::udp));
  CHECK(mismatches(p, App::ssl, 8443, Transport::udp));
  CHECK(mismatches(p, App::ftp, 2121, Transport::udp));
  CHECK_FALSE(mismatches(p, App::ftp, 21, Transport::udp));
}

TEST_CASE("expected_ports refines the preset wherever preset is written") {
  const Policy p = parse("expected_ports:\n  smtp: [25]\npreset: escu-v10\n");
  CHECK(p.preset() == Preset::escu_v10);
  CHECK(mismatches(p, App::smtp, 587));       // replaced by the file
  CHECK_FALSE(mismatches(p, App::ssl, 993));  // the preset's, untouched
}

TEST_CASE("filters: every field, IPv4 and IPv6, line numbers and comments") {
  const Policy p = parse(R"(# lab exceptions
filters:
  - src: 10.0.0.0/8
    dest: "2001:db8::/32"
    app: dns
    dest_port: 5353
    transport: udp
    comment: "mixed family: never matches, but valid"
  - dest: 192.0.2.25
    app: smtp
    comment: relay
  - {src: "2001:db8:1::/48", transport: tcp}
  - dest_port: "8081"
)");
  REQUIRE(p.filters().size() == 4);
  const auto& f0 = p.filters()[0];
  CHECK(f0.line == 3);
  CHECK(f0.src->to_string() == "10.0.0.0/8");
  CHECK(f0.dest->to_string() == "2001:db8::/32");
  CHECK(*f0.app == App::dns);
  CHECK(*f0.dest_port == 5353);
  CHECK(*f0.transport == Transport::udp);
  CHECK(f0.comment == "mixed family: never matches, but valid");
  CHECK(p.filters()[1].line == 9);
  CHECK(p.filters()[1].dest->to_string() == "192.0.2.25/32");
  CHECK(p.filters()[1].comment == "relay");
  CHECK(p.filters()[2].line == 12);
  CHECK(p.filters()[3].line == 13);
  CHECK(*p.filters()[3].dest_port == 8081);

  Policy q = p;
  CHECK_FALSE(q.check(verdict(App::smtp, 2525, Transport::tcp, "203.0.113.1", "192.0.2.25")));
  CHECK(q.check(verdict(App::smtp, 2525, Transport::tcp, "203.0.113.1", "192.0.2.26")));
  CHECK_FALSE(q.check(verdict(App::ssl, 9443, Transport::tcp, "2001:db8:1::5", "2001:db8:2::5")));
  CHECK(q.check(verdict(App::ssl, 9443, Transport::udp, "2001:db8:1::5", "2001:db8:2::5")));
  CHECK_FALSE(q.check(verdict(App::http, 8081)));
  CHECK(q.filter_hits()[0] == 0);
  CHECK(q.filter_hits()[1] == 1);
  CHECK(q.filter_hits()[2] == 1);
  CHECK(q.filter_hits()[3] == 1);
}

TEST_CASE("empty sections are allowed") {
  const Policy p = parse("preset: default\nexpected_ports:\nfilters:\n");
  CHECK(p.rules().size() == 4);
  CHECK(p.filters().empty());
  CHECK(parse("filters: []\n").filters().empty());
}

TEST_CASE("YAML syntax errors carry yaml-cpp's line") {
  CHECK(error_of("expected_ports:\n  dns: [53, 54\nfilters: []\n") ==
        "cfg.yaml:3: YAML syntax error: end of sequence flow not found");
  CHECK(error_of("preset: default\n  extra: 1\n") ==
        "cfg.yaml:2: YAML syntax error: illegal map value");
  CHECK(error_of("filters:\n  - app: dns\n - app: http\n") ==
        "cfg.yaml:3: YAML syntax error: end of map not found");
  CHECK(error_of("a: &x 1\nb: *y\n") ==
        "cfg.yaml:2: YAML syntax error: the referenced anchor is not defined");
  CHECK(error_of("preset: default\n---\npreset: escu-v10\n") ==
        "cfg.yaml:3: the file holds 2 YAML documents (separated by ---); protoport reads exactly "
        "one");
}

TEST_CASE("top level: wrong type, unknown keys, duplicate keys") {
  CHECK(error_of("- preset\n- filters\n") ==
        "cfg.yaml:1: top level must be a mapping of keys (preset, expected_ports, port_rules, "
        "expected_apps, filters), not a sequence");
  CHECK(error_of("just a word\n") ==
        "cfg.yaml:1: top level must be a mapping of keys (preset, expected_ports, port_rules, "
        "expected_apps, filters), not a single value");
  CHECK(error_of("preset: default\npresets: escu-v10\n") ==
        "cfg.yaml:2: unknown key 'presets' in top level (did you mean 'preset'?); known keys: "
        "preset, expected_ports, port_rules, expected_apps, filters");
  CHECK(error_of("\noutput:\n  format: json\n") ==
        "cfg.yaml:2: unknown key 'output' in top level; known keys: preset, expected_ports, "
        "port_rules, expected_apps, filters");
  CHECK(error_of("preset: default\nfilters: []\npreset: escu-v10\n") ==
        "cfg.yaml:3: duplicate key 'preset' in top level (first at line 1)");
  CHECK(error_of("[a]: 1\n") ==
        "cfg.yaml:1: top level: a key must be a plain word, not a sequence");
}

TEST_CASE("preset: wrong type and unknown name") {
  CHECK(error_of("preset: [default]\n") ==
        "cfg.yaml:1: preset must be a single value, not a sequence");
  CHECK(error_of("preset:\n") == "cfg.yaml:1: preset must be a single value, not an empty value");
  CHECK(error_of("preset: escu-v11\n") ==
        "cfg.yaml:1: preset: unknown preset 'escu-v11'; known presets: default, escu-v10, "
        "extended");
}

TEST_CASE("expected_ports: bad apps") {
  CHECK(error_of("expected_ports: [53]\n") ==
        "cfg.yaml:1: expected_ports must be a mapping of keys (" PP_APPS "), not a sequence");
  CHECK(error_of("expected_ports:\n  dns: 53\n  dnss: 5353\n") ==
        "cfg.yaml:3: unknown app 'dnss' in expected_ports (did you mean 'dns'?); known "
        "apps: " PP_APPS);
  CHECK(error_of("expected_ports:\n  gopher: 70\n") ==
        "cfg.yaml:2: unknown app 'gopher' in expected_ports; known apps: " PP_APPS);
  CHECK(error_of("expected_ports:\n  unknown: [1]\n") ==
        "cfg.yaml:2: expected_ports.unknown: flows no fingerprint recognised never mismatch, so "
        "they cannot have expected ports");
  CHECK(error_of("expected_ports:\n  dns: 53\n  dns: 5353\n") ==
        "cfg.yaml:3: duplicate app 'dns' in expected_ports (first at line 2)");
}

TEST_CASE("expected_ports: bad ports, each at its own line") {
  CHECK(error_of("expected_ports:\n  dns: [0]\n") ==
        "cfg.yaml:2: expected_ports.dns: port 0 is out of range 1..65535");
  CHECK(error_of("expected_ports:\n  dns:\n    - 53\n    - 65536\n") ==
        "cfg.yaml:4: expected_ports.dns: port 65536 is out of range 1..65535");
  CHECK(error_of("expected_ports:\n  dns: 99999999999999999999999\n") ==
        "cfg.yaml:2: expected_ports.dns: port 99999999999999999999999 is out of range 1..65535");
  CHECK(error_of("expected_ports:\n  dns: [-1]\n") ==
        "cfg.yaml:2: expected_ports.dns: '-1' is not a port number (1..65535)");
  CHECK(error_of("expected_ports:\n  dns: [5.3]\n") ==
        "cfg.yaml:2: expected_ports.dns: '5.3' is not a port number (1..65535)");
  CHECK(error_of("expected_ports:\n  dns: [0x35]\n") ==
        "cfg.yaml:2: expected_ports.dns: '0x35' is not a port number (1..65535)");
  CHECK(error_of("expected_ports:\n  dns: domain\n") ==
        "cfg.yaml:2: expected_ports.dns: 'domain' is not a port number (1..65535)");
  CHECK(error_of("expected_ports:\n  dns: \"53/sctp\"\n") ==
        "cfg.yaml:2: expected_ports.dns: unknown transport 'sctp' in '53/sctp' (write PORT, "
        "PORT/tcp or PORT/udp)");
  CHECK(error_of("expected_ports:\n  dns: [[53]]\n") ==
        "cfg.yaml:2: expected_ports.dns must be a single value, not a sequence");
  CHECK(error_of("expected_ports:\n  dns: {port: 53}\n") ==
        "cfg.yaml:2: unknown transport 'port' in expected_ports.dns; known transports: tcp, udp");
}

TEST_CASE("expected_ports: empty, repeated and overlapping ports") {
  CHECK(error_of("expected_ports:\n  dns:\n  http: [80]\n") ==
        "cfg.yaml:2: expected_ports.dns must be a port or a list of ports, not an empty value");
  CHECK(error_of("expected_ports:\n  dns: []\n") ==
        "cfg.yaml:2: expected_ports.dns: empty port list; list at least one port (to silence dns "
        "mismatches, add a filter with app: dns)");
  CHECK(error_of("expected_ports:\n  http: [80, 8080, 80]\n") ==
        "cfg.yaml:2: expected_ports.http: port 80 is listed twice");
  CHECK(error_of("expected_ports:\n  dns: [53, \"53/udp\"]\n") ==
        "cfg.yaml:2: expected_ports.dns: 53/udp overlaps 53 (a port without /tcp or /udp covers "
        "both transports)");
  CHECK(error_of("expected_ports:\n  dns:\n    tcp: [53]\n    udp: \"53/udp\"\n") ==
        "cfg.yaml:4: expected_ports.dns.udp: '53/udp' is not a port number (1..65535)");
  CHECK(error_of("expected_ports:\n  dns:\n    tcp: [53]\n    tcp: [853]\n") ==
        "cfg.yaml:4: duplicate transport 'tcp' in expected_ports.dns (first at line 3)");
  CHECK(error_of("expected_ports:\n  dns: {}\n") ==
        "cfg.yaml:2: expected_ports.dns: empty port list; list at least one port (to silence dns "
        "mismatches, add a filter with app: dns)");
}

TEST_CASE("filters: wrong shapes and unknown keys") {
  CHECK(error_of("filters:\n  src: 10.0.0.0/8\n") ==
        "cfg.yaml:2: filters must be a list of filters (lines starting with '- '), not a mapping");
  CHECK(error_of("filters:\n  - app: dns\n  - dns\n") ==
        "cfg.yaml:3: filters[1] must be a mapping of keys (src, dest, app, dest_port, transport, "
        "rule, process_name, process_path, user, comment), not a single value");
  CHECK(error_of("filters:\n  - app: dns\n    dst: 10.0.0.1\n") ==
        "cfg.yaml:3: unknown key 'dst' in filters[0] (did you mean 'dest'?); known keys: src, "
        "dest, app, dest_port, transport, rule, process_name, process_path, user, comment");
  CHECK(error_of("filters:\n  - app: dns\n    app: http\n") ==
        "cfg.yaml:3: duplicate key 'app' in filters[0] (first at line 2)");
  CHECK(error_of("filters:\n  - dest_port: [53, 54]\n") ==
        "cfg.yaml:2: filters[0].dest_port must be a single value, not a sequence");
}

TEST_CASE("filters: bad values") {
  CHECK(error_of("filters:\n  - src: 10.0.0.0/33\n") ==
        "cfg.yaml:2: filters[0].src: '10.0.0.0/33' is not an address or CIDR (e.g. 10.0.0.0/8, "
        "192.0.2.1, \"2001:db8::/32\")");
  CHECK(error_of("filters:\n  - app: dns\n  - dest: \"2001:db8::/129\"\n") ==
        "cfg.yaml:3: filters[1].dest: '2001:db8::/129' is not an address or CIDR (e.g. "
        "10.0.0.0/8, 192.0.2.1, \"2001:db8::/32\")");
  CHECK(error_of("filters:\n  - dest: example.com\n") ==
        "cfg.yaml:2: filters[0].dest: 'example.com' is not an address or CIDR (e.g. 10.0.0.0/8, "
        "192.0.2.1, \"2001:db8::/32\")");
  CHECK(error_of("filters:\n  - src: 10.0.0.0/\n") ==
        "cfg.yaml:2: filters[0].src: '10.0.0.0/' is not an address or CIDR (e.g. 10.0.0.0/8, "
        "192.0.2.1, \"2001:db8::/32\")");
  CHECK(error_of("filters:\n  - app: htp\n") ==
        "cfg.yaml:2: filters[0].app: unknown app 'htp' (did you mean 'http'?); known apps: "
        "unknown, " PP_APPS);
  CHECK(error_of("filters:\n  - transport: sctp\n") ==
        "cfg.yaml:2: filters[0].transport: unknown transport 'sctp' (tcp or udp)");
  CHECK(error_of("filters:\n  - dest_port: 70000\n") ==
        "cfg.yaml:2: filters[0].dest_port: port 70000 is out of range 1..65535");
  CHECK(error_of("filters:\n  - dest_port:\n") ==
        "cfg.yaml:2: filters[0].dest_port must be a single value, not an empty value");
}

TEST_CASE("filters that would suppress everything, or nothing, are refused") {
  CHECK(error_of("filters:\n  - {}\n") ==
        "cfg.yaml:2: filters[0]: an empty filter would suppress every mismatch; set at least one "
        "of src, dest, app, dest_port, transport, rule, process_name, process_path, user");
  CHECK(error_of("filters:\n  - app: dns\n  - comment: \"allow all\"\n") ==
        "cfg.yaml:3: filters[1]: an empty filter would suppress every mismatch; set at least one "
        "of src, dest, app, dest_port, transport, rule, process_name, process_path, user");
  CHECK(error_of("filters:\n  -\n") ==
        "cfg.yaml:2: filters[0] must be a mapping of keys (src, dest, app, dest_port, transport, "
        "rule, process_name, process_path, user, comment), not an empty value");
  // With the port rules off, an app without an app rule is never reported.
  CHECK(error_of("port_rules: false\nfilters:\n  - app: mdns\n") ==
        "cfg.yaml:3: filters[0]: no rule of this policy can report app mdns (no app rule, and no "
        "port rule that does not expect it), so this filter could never match");
  CHECK(error_of("port_rules: false\nfilters:\n  - app: unknown\n") ==
        "cfg.yaml:3: filters[0]: no rule of this policy can report app unknown (no app rule, and "
        "no port rule that does not expect it), so this filter could never match");
  // With them on (the default), unknown and ssh can be reported on 443, never on 8443.
  CHECK(error_of("filters:\n  - app: unknown\n") == "accepted");
  CHECK(error_of("filters:\n  - app: ssh\n    dest_port: 443\n") == "accepted");
  CHECK(error_of("filters:\n  - app: ssh\n    dest_port: 8443\n") ==
        "cfg.yaml:2: filters[0]: ssh on port 8443 is never a mismatch in this policy, so this "
        "filter could never match");
  CHECK(error_of("filters:\n  - app: dns\n    dest_port: 53\n") ==
        "cfg.yaml:2: filters[0]: dns on port 53 is never a mismatch in this policy, so this "
        "filter could never match");
  // Port 853 is expected for dns on tcp only: a filter for udp/853 (or either transport) is fine.
  CHECK(error_of("expected_ports:\n  dns: [53, \"853/tcp\"]\nfilters:\n  - app: dns\n    "
                 "dest_port: 853\n") == "accepted");
  CHECK(error_of("expected_ports:\n  dns: [53, \"853/tcp\"]\nfilters:\n  - app: dns\n    "
                 "dest_port: 853\n    transport: tcp\n") ==
        "cfg.yaml:4: filters[0]: dns on port 853 is never a mismatch in this policy, so this "
        "filter could never match");
  // A rule the file adds can be filtered.
  CHECK(error_of("expected_ports:\n  ssh: 22\nfilters:\n  - app: ssh\n") == "accepted");
}

TEST_CASE("text from the file is escaped in messages") {
  CHECK(error_of("\"pre\\e[31mset\": default\n") ==
        "cfg.yaml:1: unknown key 'pre\\x1b[31mset' in top level; known keys: preset, "
        "expected_ports, port_rules, expected_apps, filters");
  CHECK(error_of("preset: \"a\\r\\nb\"\n") ==
        "cfg.yaml:1: preset: unknown preset 'a\\x0d\\x0ab'; known presets: default, escu-v10, "
        "extended");
  const std::string message = error_of("preset: " + std::string(5000, 'x') + "\n");
  CHECK(message.size() < 200);
  CHECK(message.find("...'") != std::string::npos);
}

TEST_CASE("ConfigError exposes file, line and message") {
  try {
    parse("preset: x\n");
    FAIL("accepted a bad preset");
  } catch (const ConfigError& e) {
    CHECK(e.file() == "cfg.yaml");
    CHECK(e.line() == 1);
    CHECK(e.message() ==
          "preset: unknown preset 'x'; known presets: default, escu-v10, "
          "extended");
  }
}

TEST_CASE("files: valid, missing, a directory, too large") {
  TempDir dir;
  const std::string good = dir.write("good.yaml", "preset: escu-v10\nfilters:\n  - app: dns\n");
  const Policy p = load_policy_file(good);
  CHECK(p.source() == good);
  CHECK(p.preset() == Preset::escu_v10);
  CHECK(p.filters().size() == 1);

  const auto error_loading = [](const std::string& path) -> std::string {
    try {
      load_policy_file(path);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "accepted";
  };
  const std::string missing = (dir.path / "missing.yaml").string();
  CHECK(error_loading(missing) ==
        missing + ":0: cannot open the configuration file: No such file or directory");
  CHECK(error_loading(dir.path.string()) ==
        dir.path.string() + ":0: cannot read the configuration file: Is a directory");
  const std::string big = dir.write("big.yaml", "# " + std::string(2 << 20, 'x') + "\n");
  CHECK(error_loading(big) ==
        big + ":0: the configuration file is larger than 1 MiB; is this the right file?");
  const std::string bad = dir.write("bad.yaml", "preset: default\n\n\nfilters:\n  - {}\n");
  CHECK(error_loading(bad) ==
        bad +
            ":5: filters[0]: an empty filter would suppress every mismatch; set at least one of "
            "src, dest, app, dest_port, transport, rule, process_name, process_path, user");
}

TEST_CASE("extra sections are parsed by their owner and allowed as top-level keys") {
  std::string seen;
  int line = 0;
  const ConfigSection output{"output", [&](const protoport::config::Entry& entry,
                                           const protoport::config::ConfigContext& ctx) {
                               const auto keys = protoport::config::read_map(
                                   entry.value, entry.key_mark, "output", {"format"}, ctx);
                               seen = protoport::config::read_scalar(
                                   keys.at(0).value, keys.at(0).key_mark, "output.format", ctx);
                               line = entry.key_mark.line + 1;
                             }};
  const ConfigSection sections[] = {output};
  const Policy p =
      parse_policy_text("preset: default\noutput:\n  format: json\n", "c.yaml", sections);
  CHECK(seen == "json");
  CHECK(line == 2);
  try {
    parse_policy_text("output:\n  fromat: json\n", "c.yaml", sections);
    FAIL("accepted a misspelt key");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()) ==
          "c.yaml:2: unknown key 'fromat' in output (did you mean 'format'?); known keys: format");
  }
  CHECK(error_of("output:\n  format: json\n").rfind("cfg.yaml:1: unknown key 'output'", 0) == 0);
}

TEST_CASE("the example configuration in examples/ is valid") {
  const Policy p = load_policy_file(PP_SOURCE_DIR "/examples/protoport.yaml");
  CHECK_FALSE(p.rules().empty());
  CHECK_FALSE(p.filters().empty());
  CHECK(p.port_rules_enabled());
  CHECK(p.port_rule_for(853, Transport::tcp) != nullptr);
}

TEST_CASE("YAML nested past the parser's limit says so, at its line") {
  const std::string flow = "filters: " + std::string(3000, '[') + std::string(3000, ']') + "\n";
  const std::string message = error_of(flow);
  CHECK(message.find("cfg.yaml:1: ") == 0);
  CHECK(message.find("nests deeper than") != std::string::npos);
  CHECK(message.find("bad file") == std::string::npos);
  std::string block = "filters:\n";
  for (int i = 1; i < 800; ++i)
    block += std::string(2 * static_cast<std::size_t>(i), ' ') + "- a:\n";
  CHECK(error_of(block).find("nests deeper than") != std::string::npos);
}

// ---- port_rules and expected_apps (issue 14) ----

TEST_CASE("port_rules and expected_apps: switch, replace, widen, remove, per transport") {
  const Policy off = parse("port_rules: false\n");
  CHECK_FALSE(off.port_rules_enabled());
  CHECK_FALSE(mismatches(off, App::ssh, 443));
  CHECK(parse("port_rules: true\n").port_rules_enabled());

  const Policy p = parse(
      "expected_apps:\n"
      "  443/tcp: [ssl, ssh]\n"
      "  \"2222\": ssh\n"
      "  25/tcp: []\n"
      "  53/udp: dns\n");
  CHECK_FALSE(mismatches(p, App::ssh, 443));
  CHECK(mismatches(p, App::openvpn, 443));
  CHECK(mismatches(p, App::openvpn, 2222, Transport::tcp));
  CHECK(mismatches(p, App::openvpn, 2222, Transport::udp));
  CHECK(p.port_rule_for(25, Transport::tcp) == nullptr);
  CHECK_FALSE(mismatches(p, App::ftp, 25));
  // Untouched defaults stay.
  CHECK(mismatches(p, App::ssh, 80));
  // The preset first, wherever it is written: expected_apps refines it.
  const Policy ext = parse("expected_apps:\n  22/tcp: [ssh, dcerpc]\npreset: extended\n");
  CHECK_FALSE(mismatches(ext, App::dcerpc, 22));
  CHECK(mismatches(ext, App::telnet, 22));  // telnet has an app rule (23): it judges the flow
  CHECK(ext.port_rule_for(3389, Transport::tcp) != nullptr);
}

TEST_CASE("expected_apps and port_rules: bad values, each at its line") {
  CHECK(error_of("port_rules: maybe\n") ==
        "cfg.yaml:1: port_rules: 'maybe' is not true or false (false: the search's direction "
        "alone)");
  CHECK(error_of("expected_apps: [443]\n") ==
        "cfg.yaml:1: expected_apps must map ports to apps (443/tcp: ssl), not a sequence");
  CHECK(error_of("expected_apps:\n  443/tcp: tls\n") ==
        "cfg.yaml:2: expected_apps.443/tcp: unknown app 'tls' (TLS is named ssl, as in the CIM); "
        "known apps: " PP_APPS);
  CHECK(error_of("expected_apps:\n  443/tcp: unknown\n") ==
        "cfg.yaml:2: expected_apps.443/tcp: a port cannot expect unknown (flows no fingerprint "
        "recognised); known apps: " PP_APPS);
  CHECK(error_of("expected_apps:\n  443/tcp: [ssl, ssl]\n") ==
        "cfg.yaml:2: expected_apps.443/tcp: app ssl listed twice");
  CHECK(error_of("expected_apps:\n  443/sctp: ssl\n") ==
        "cfg.yaml:2: expected_apps: unknown transport 'sctp' in '443/sctp' (write PORT, PORT/tcp "
        "or PORT/udp)");
  CHECK(error_of("expected_apps:\n  70000: ssl\n") ==
        "cfg.yaml:2: expected_apps: port 70000 is out of range 1..65535");
  CHECK(error_of("expected_apps:\n  \"53\": dns\n  53/udp: dns\n") ==
        "cfg.yaml:3: expected_apps.53/udp: port 53/udp is given twice (a port without /tcp or "
        "/udp covers both transports)");
  CHECK(error_of("filters:\n  - rule: ssl-port-other-protocl\n") ==
        "cfg.yaml:2: filters[0].rule: no rule 'ssl-port-other-protocl' in this policy (see "
        "`protoport policy`: <app>-unexpected-port, <app>-port-other-protocol)");
  CHECK(error_of("filters:\n  - rule: ssl-port-other-protocol\n    dest: 192.0.2.1\n") ==
        "accepted");
}
