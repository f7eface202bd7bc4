# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Fingerprint throughput on one core: classifications per second per protocol, over the real
# first payloads of the fuzz seed corpus and random bytes. Run: build/bench/bench_fingerprint
add_executable(bench_fingerprint bench_fingerprint.cpp)
target_link_libraries(bench_fingerprint PRIVATE pp_fingerprint)
target_compile_definitions(bench_fingerprint PRIVATE
  PP_FUZZ_CORPUS_DIR="${PROJECT_SOURCE_DIR}/tests/fuzz/corpus")
