# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
pp_unit_test(test_replay_link SOURCES test_replay_link.cpp LIBS pp_replay)
pp_unit_test(test_replay_reader SOURCES test_replay_reader.cpp LIBS pp_replay)
target_compile_definitions(test_replay_reader PRIVATE PP_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data")
pp_unit_test(test_replay_progress SOURCES test_replay_progress.cpp LIBS pp_replay)
pp_unit_test(test_replay_skip_filter SOURCES test_replay_skip_filter.cpp LIBS pp_replay)
pp_unit_test(test_replay_frame_feed SOURCES test_replay_frame_feed.cpp LIBS pp_replay)
pp_unit_test(test_replay_robust SOURCES test_replay_robust.cpp LIBS pp_replay)
