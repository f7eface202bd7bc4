/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Benchmark baselines: the least a flow sampler can do per packet.
 *  pp_bench_minimal:  Ethernet/IPv4/TCP (no VLAN, no options), one hash lookup by 5-tuple.
 *  pp_bench_minimal6: Ethernet/IPv6/TCP after up to 8 extension headers (hop-by-hop, routing,
 *                     destination options, fragment: what must be walked to find TCP at all),
 *                     one hash lookup by 5-tuple. The baseline of IPv6 packets with extension
 *                     headers, which the IPv4 program cannot parse.
 *  pp_bench_minimal_tc: pp_bench_minimal as a TC program (the egress hook's baseline): the same
 *                     parse and lookup on an skb; TC_ACT_UNSPEC on a hit, TC_ACT_SHOT otherwise.
 * The bench inserts the key of its packets, so lookups hit like protoport's already-sampled path;
 * anything else returns XDP_DROP, which the bench refuses (it checks for XDP_PASS).
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

/* The minimal parse and lookup, for either hook: 1 when the packet's flow is in the table. */
static __always_inline int minimal_hit(void *data, void *data_end)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct tcphdr *tcp = (void *)(ip + 1);
	struct pp_min_key key = {};
	__u64 *seen;

	if ((void *)(tcp + 1) > data_end)
		return 0;
	if (eth->h_proto != bpf_htons(0x0800) || ip->protocol != IPPROTO_TCP)
		return 0;
	key.saddr = ip->saddr;
	key.daddr = ip->daddr;
	key.sport = tcp->source;
	key.dport = tcp->dest;
	key.proto = IPPROTO_TCP;
	seen = bpf_map_lookup_elem(&pp_min_flows, &key);
	return seen && *seen; /* read the value, as protoport reads its sample count */
}

SEC("xdp")
int pp_bench_minimal(struct xdp_md *ctx)
{
	return minimal_hit((void *)(long)ctx->data, (void *)(long)ctx->data_end) ? XDP_PASS
										  : XDP_DROP;
}

struct pp_min_key6 {
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct pp_min_key6);
	__type(value, __u64);
} pp_min_flows6 SEC(".maps");

#define MIN_MAX_EXT 8

SEC("xdp")
int pp_bench_minimal6(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6 = (void *)(eth + 1);
	struct pp_min_key6 key = {};
	struct tcphdr *tcp;
	void *cursor;
	__u8 next;
	__u64 *seen;

	if ((void *)(ip6 + 1) > data_end || eth->h_proto != bpf_htons(0x86DD))
		return XDP_DROP;
	next = ip6->nexthdr;
	cursor = ip6 + 1;
#pragma unroll
	for (int i = 0; i < MIN_MAX_EXT; i++) {
		struct ipv6_opt_hdr *ext = cursor;

		if (next != 0 && next != 43 && next != 60 && next != 44)
			break;
		if ((void *)(ext + 1) > data_end) /* verifier: bounds before the read */
			return XDP_DROP;
		cursor += next == 44 ? 8 : (ext->hdrlen + 1) * 8;
		next = ext->nexthdr;
	}
	tcp = cursor;
	if (next != IPPROTO_TCP || (void *)(tcp + 1) > data_end)
		return XDP_DROP;
	__builtin_memcpy(key.saddr, &ip6->saddr, 16);
	__builtin_memcpy(key.daddr, &ip6->daddr, 16);
	key.sport = tcp->source;
	key.dport = tcp->dest;
	key.proto = IPPROTO_TCP;
	seen = bpf_map_lookup_elem(&pp_min_flows6, &key);
	if (seen && *seen)
		return XDP_PASS;
	return XDP_DROP;
}

SEC("tc")
int pp_bench_minimal_tc(struct __sk_buff *skb)
{
	/* TC_ACT_UNSPEC on a hit, as protoport's egress program returns; TC_ACT_SHOT (2) else */
	return minimal_hit((void *)(long)skb->data, (void *)(long)skb->data_end) ? -1 : 2;
}
