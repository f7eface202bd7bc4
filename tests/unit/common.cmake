# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
pp_unit_test(test_common SOURCES test_ip_addr.cpp LIBS pp_common)
pp_unit_test(test_common_escape SOURCES test_common_escape.cpp LIBS pp_common)
pp_unit_test(test_common_recent_set SOURCES test_common_recent_set.cpp LIBS pp_common)
