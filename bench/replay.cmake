# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Replay speed: the cost of one bpf_prog_test_run_opts call (floor of one-call-per-frame replay),
# and the reader / test-run / skip / two-thread variants on real captures. Root needed for both.
add_executable(replay_test_run_cost replay_test_run_cost.cpp)
target_link_libraries(replay_test_run_cost PRIVATE PkgConfig::LIBBPF)
add_executable(replay_fastpath replay_fastpath.cpp)
target_link_libraries(replay_fastpath PRIVATE pp_replay pp_loader)
find_package(Threads REQUIRED)
target_link_libraries(replay_fastpath PRIVATE Threads::Threads)
