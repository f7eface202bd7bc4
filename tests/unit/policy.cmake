# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
pp_unit_test(test_policy SOURCES test_policy.cpp LIBS pp_policy)
pp_unit_test(test_policy_config SOURCES test_policy_config.cpp LIBS pp_policy_config)
pp_unit_test(test_policy_describe SOURCES test_policy_describe.cpp LIBS pp_policy_config)
target_compile_definitions(test_policy_config PRIVATE PP_SOURCE_DIR="${CMAKE_CURRENT_LIST_DIR}/../..")
