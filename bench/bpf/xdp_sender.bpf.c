/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Traffic source for the live benchmark (bench_xdp_sender): run with BPF_PROG_TEST_RUN in
 * live-frames mode (BPF_F_TEST_XDP_LIVE_FRAMES), it returns XDP_TX for every frame, so the
 * kernel transmits the frame through the veth's ndo_xdp_xmit and the peer receives it as an
 * xdp_frame: no skb to copy into an XDP buffer on the receiving side, which is what makes an
 * XDP program's own cost visible there (an AF_PACKET sender's skbs are copied by veth's native
 * XDP path whatever the program does).
 * storm (rodata): the UDP source port, then the source address, changes on every frame, so
 * each frame is a new flow. The UDP checksum is 0 (none, allowed for IPv4).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u8 storm = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} pp_sender_seq SEC(".maps");

SEC("xdp")
int pp_xdp_sender(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);
	__u32 zero = 0;
	__u64 *seq;

	if (!storm)
		return XDP_TX;
	if ((void *)(udp + 1) > data_end) /* verifier: bounds before the writes */
		return XDP_ABORTED;
	seq = bpf_map_lookup_elem(&pp_sender_seq, &zero);
	if (!seq) /* verifier: lookups may fail */
		return XDP_ABORTED;
	*seq += 1;
	udp->source = bpf_htons(1024 + (*seq % 64512)); /* as bench_udp_flood --method packet */
	/* Another source address every 64,512 ports; the IPv4 header checksum recomputed. */
	ip->saddr = bpf_htonl(0x0a400000 + ((*seq / 64512) % 0x400000));
	ip->check = 0;
	{
		__u16 *word = (void *)ip;
		__u32 sum = 0;

#pragma unroll
		for (int i = 0; i < 10; i++) /* ihl is 5: built by bench_xdp_sender */
			sum += word[i];
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		ip->check = ~sum & 0xffff;
	}
	udp->check = 0;
	return XDP_TX;
}
