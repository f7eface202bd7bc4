# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
pp_unit_test(test_report_aggregate SOURCES test_report_aggregate.cpp LIBS pp_report)
pp_unit_test(test_report_format SOURCES test_report_format.cpp LIBS pp_report nlohmann_json::nlohmann_json)
pp_unit_test(test_report_output_file SOURCES test_report_output_file.cpp LIBS pp_report)
