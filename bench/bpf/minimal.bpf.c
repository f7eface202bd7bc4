/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Benchmark baseline: the least a flow sampler can do per packet. Parses Ethernet/IPv4/TCP
 * (no VLAN, no options, no IPv6) and does one hash lookup keyed by the 5-tuple. The bench
 * inserts the key of its packet, so the lookup hits like protoport's already-sampled path.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct pp_min_key {
	__u32 saddr;
	__u32 daddr;
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct pp_min_key);
	__type(value, __u64);
} pp_min_flows SEC(".maps");

SEC("xdp")
int pp_bench_minimal(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct tcphdr *tcp = (void *)(ip + 1);
	struct pp_min_key key = {};
	__u64 *seen;

	if ((void *)(tcp + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(0x0800) || ip->protocol != IPPROTO_TCP)
		return XDP_PASS;
	key.saddr = ip->saddr;
	key.daddr = ip->daddr;
	key.sport = tcp->source;
	key.dport = tcp->dest;
	key.proto = IPPROTO_TCP;
	seen = bpf_map_lookup_elem(&pp_min_flows, &key);
	if (seen && *seen) /* read the value, as protoport reads its sample count */
		return XDP_PASS;
	return XDP_PASS;
}
