# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Userspace throughput on one core: samples/s through FlowTracker -> Policy::check -> Aggregator
# next to a memcpy + hash-map baseline in the same run. Run: build/bench/bench_pipeline
add_executable(bench_pipeline bench_pipeline.cpp)
target_link_libraries(bench_pipeline PRIVATE pp_detect pp_policy pp_report)
# Live veth sender for scripts/bench.sh (sendmmsg UDP, fixed or new-flow-storm source ports).
add_executable(bench_udp_flood udp_flood.cpp)
