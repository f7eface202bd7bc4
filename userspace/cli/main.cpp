// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// protoport: find traffic that speaks a protocol on a port it does not belong to.
// Subcommands are defined in cmd_*.cpp; this file parses the command line and maps every failure
// to one line on stderr and an exit code (see kExitHelp).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <string>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "common/version.h"
#include "config/config_error.h"
#include "loader/loader.h"
#include "replay/capture_reader.h"

namespace {

constexpr const char* kExitHelp =
    "Exit codes: 0 success; 1 runtime failure (not root, no BTF, interface refuses XDP, ...);\n"
    "2 bad command line, option value, interface name or configuration file;\n"
    "3 capture file unreadable or corrupt (replay still reads the other files and prints the\n"
    "report of what was read); 130 (128+signal) replay stopped by SIGINT (SIGTERM: 143), after\n"
    "printing the report of what was read.";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "protoport: kernel-assisted detection of protocol/port mismatch.\n"
      "An XDP program samples the first payload bytes of every flow; protoport names the\n"
      "protocol (dns, http, ssl, smtp, quic, ssh, openvpn, wireguard, sip, rdp, ...) from the\n"
      "bytes, not the port, and reports it in both directions of Splunk's \"Protocol or Port\n"
      "Mismatch\" (ATT&CK T1048.003): a protocol on a port it does not belong to, and another\n"
      "protocol on a well-known port (SSH on 443, a tunnel on 53).",
      "protoport"};
  app.require_subcommand(1);
  app.footer(
      std::string(
          "\nExamples:\n"
          "  protoport watch -i eth0                 live, table on the terminal\n"
          "  protoport watch -i eth0 --format json --output /var/log/pp.json\n"
          "  protoport replay capture.pcapng         the same detection on a capture\n"
          "  protoport policy --preset escu-v10      show the effective port policy\n"
          "  protoport stats                         kernel counters of a running watch\n\n") +
      kExitHelp);
  app.set_version_flag("--version", "protoport " PP_VERSION);

  protoport::cli::Commands commands;
  protoport::cli::register_watch(app, commands);
  protoport::cli::register_replay(app, commands);
  protoport::cli::register_policy(app, commands);
  protoport::cli::register_stats(app, commands);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ValidationError& e) {
    // A bad option value: "--option: invalid what VALUE: must be RANGE", one line.
    std::fprintf(stderr, "protoport: %s\n", e.what());
    return protoport::cli::kExitUsage;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "protoport: %s\nRun 'protoport --help' (or 'protoport COMMAND --help').\n",
                 e.what());
    return protoport::cli::kExitUsage;
  }
  try {
    return commands.run();
  } catch (const protoport::config::ConfigError& e) {
    std::fprintf(stderr, "%s\n", e.what());  // already "file:line: message"
    return protoport::cli::kExitUsage;
  } catch (const protoport::loader::Error& e) {
    std::fprintf(stderr, "protoport: %s\n", e.what());
    using protoport::loader::ErrorKind;
    const bool users_input =
        e.kind() == ErrorKind::bad_settings || e.kind() == ErrorKind::no_interface;
    return users_input ? protoport::cli::kExitUsage : protoport::cli::kExitFailure;
  } catch (const protoport::replay::CaptureError& e) {
    std::fprintf(stderr, "protoport: %s\n", e.what());  // names the file (and frame)
    return protoport::cli::kExitCapture;
  } catch (const protoport::UsageError& e) {
    std::fprintf(stderr, "protoport: %s\n", e.what());
    return protoport::cli::kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "protoport: %s\n", e.what());
    return protoport::cli::kExitFailure;
  }
}
