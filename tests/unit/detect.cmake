# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
pp_unit_test(test_detect SOURCES test_flow_tracker.cpp LIBS pp_detect)
pp_unit_test(test_tcp_stream SOURCES test_tcp_stream.cpp LIBS pp_detect)
pp_unit_test(test_ip_reassembly SOURCES test_ip_reassembly.cpp LIBS pp_detect)
pp_unit_test(test_process_table SOURCES test_process_table.cpp LIBS pp_detect)
