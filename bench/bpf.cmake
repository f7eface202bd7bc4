# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# bench_bpf: per-packet cost of the XDP sampler via bpf_prog_test_run_opts, next to two
# baselines (XDP_PASS only; Ethernet/IPv4/TCP parse + one hash lookup), all in one run.
# Needs root. Run: build/bench/bench_bpf [--repeat N] [--rounds R] [--flows N]
pp_bpf_skeleton(pp_bench_pass ${CMAKE_CURRENT_SOURCE_DIR}/bpf/pass.bpf.c)
pp_bpf_skeleton(pp_bench_minimal ${CMAKE_CURRENT_SOURCE_DIR}/bpf/minimal.bpf.c)
add_executable(bench_bpf ${CMAKE_CURRENT_SOURCE_DIR}/bpf/bench_bpf.cpp
                         ${PROJECT_SOURCE_DIR}/tests/bpf/packet_builder.cpp)
target_include_directories(bench_bpf PRIVATE ${PROJECT_SOURCE_DIR}/tests/bpf)
target_link_libraries(bench_bpf PRIVATE pp_loader pp_bench_pass_skel pp_bench_minimal_skel)
