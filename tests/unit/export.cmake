# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Exporters: wire formats (RFC 5424, HEC envelope), configuration, queue/backoff, the syslog
# transports against sockets the test makes, and the Prometheus server on loopback.
pp_unit_test(test_export_syslog_format SOURCES test_export_syslog_format.cpp LIBS pp_export)
pp_unit_test(test_export_hec_format SOURCES test_export_hec_format.cpp LIBS pp_export nlohmann_json::nlohmann_json)
pp_unit_test(test_export_config SOURCES test_export_config.cpp LIBS pp_export_config pp_policy_config)
pp_unit_test(test_export_queue SOURCES test_export_queue.cpp LIBS pp_export)
pp_unit_test(test_export_syslog SOURCES test_export_syslog.cpp LIBS pp_export)
pp_unit_test(test_export_metrics SOURCES test_export_metrics.cpp LIBS pp_export_net)
pp_unit_test(test_export_net_module SOURCES test_export_net_module.cpp LIBS pp_export)
target_compile_definitions(test_export_net_module PRIVATE PP_NET_MODULE_PATH="$<TARGET_FILE:protoport-net>")
add_dependencies(test_export_net_module protoport-net)
# The module must not pull in what only the binary needs (libbpf for the kernel, yaml-cpp for the
# configuration file): the point of the module is a lean process where neither is configured.
add_test(NAME unit.export_net_module_needed
         COMMAND ${CMAKE_COMMAND} -DMODULE=$<TARGET_FILE:protoport-net>
                 -DFORBIDDEN=libbpf,libyaml-cpp -P ${CMAKE_CURRENT_SOURCE_DIR}/check_needed.cmake)
set_tests_properties(unit.export_net_module_needed PROPERTIES LABELS unit TIMEOUT 60)
pp_unit_test(test_export_error_log SOURCES test_export_error_log.cpp LIBS pp_export)
# The protoport binary's exit code for a metrics address in use (1: temporary, retried by systemd).
add_test(NAME unit.export_exit_codes
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_export_exit_codes.sh $<TARGET_FILE:protoport>)
set_tests_properties(unit.export_exit_codes PROPERTIES LABELS unit TIMEOUT 60)
