# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Userspace throughput on one core: samples/s through the real pipeline (pipeline::Pipeline)
# next to a memcpy + hash-map baseline in the same run. Run: build/bench/bench_pipeline
add_executable(bench_pipeline bench_pipeline.cpp)
target_link_libraries(bench_pipeline PRIVATE pp_pipeline)
# Live veth sender for scripts/bench.sh (sendmmsg UDP, fixed or new-flow-storm source ports).
# --method xdp sends with live-frames test runs of bench/bpf/xdp_sender.bpf.c (XDP_TX).
pp_bpf_skeleton(pp_bench_xdp_sender ${CMAKE_CURRENT_SOURCE_DIR}/bpf/xdp_sender.bpf.c)
add_executable(bench_udp_flood udp_flood.cpp)
target_link_libraries(bench_udp_flood PRIVATE pp_bench_xdp_sender_skel)
