/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* Benchmark floor: the cost of running any XDP program through BPF_PROG_TEST_RUN. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int pp_bench_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}
