/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Cursor-based header parsing for XDP, in the style of xdp-tools' parsing_helpers.h. A cursor
 * walks the linear frame; cursor_take() hands out a header only when all of it lies before
 * data_end and then moves past it. Variable-length skips (IPv4 options, IPv6 extension headers,
 * TCP options) only move the cursor: the next cursor_take() checks the bounds again.
 */
#ifndef PROTOPORT_PARSE_H
#define PROTOPORT_PARSE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define PP_ETH_P_IP 0x0800
#define PP_ETH_P_IPV6 0x86DD
#define PP_ETH_P_8021Q 0x8100
#define PP_ETH_P_8021AD 0x88A8

/* IPv6 next-header values of the extension headers we walk (uapi in6.h, not in vmlinux.h). */
#define PP_NEXTHDR_HOP 0
#define PP_NEXTHDR_ROUTING 43
#define PP_NEXTHDR_FRAGMENT 44
#define PP_NEXTHDR_AUTH 51
#define PP_NEXTHDR_DEST 60

#define PP_VLAN_MAX 2    /* 802.1Q and 802.1ad (QinQ); a third tag is not parsed */
#define PP_IPV6_EXT_MAX 8 /* extension headers walked before giving up (real stacks use <= 3) */

#define PP_IP_OFFSET_MASK 0x1fff  /* IPv4 frag_off: fragment offset bits (host order) */
#define PP_IP6_OFFSET_MASK 0xfff8 /* IPv6 fragment header: offset bits (host order) */

#define PP_TCP_FIN 0x01
#define PP_TCP_SYN 0x02
#define PP_TCP_RST 0x04
#define PP_TCP_ACK 0x10
#define PP_TCP_FLAGS_OFFSET 13 /* byte of struct tcphdr holding FIN..CWR */

struct hdr_cursor {
	void *pos;
	void *end;
};

/* Returns the next `len` bytes as a header and moves past them, or NULL if the frame is shorter. */
static __always_inline void *cursor_take(struct hdr_cursor *c, __u32 len)
{
	void *hdr = c->pos;

	if (hdr + len > c->end)
		return NULL;
	c->pos = hdr + len;
	return hdr;
}

/*
 * Moves the cursor to `len` bytes past the start of `hdr` (a header-declared length); bounds are
 * checked by the next cursor_take(). Measured from the header's start, never as a difference
 * (len - sizeof(hdr)): a u32 difference the verifier cannot bound would make every later packet
 * access unprovable.
 */
static __always_inline void cursor_skip_from(struct hdr_cursor *c, void *hdr, __u32 len)
{
	c->pos = hdr + len;
}

/*
 * Ethernet plus up to PP_VLAN_MAX VLAN tags. Returns the inner ethertype (network order) or -1
 * if the frame is truncated.
 */
static __always_inline int parse_ethernet(struct hdr_cursor *c)
{
	struct ethhdr *eth = cursor_take(c, sizeof(*eth));
	__be16 proto;

	if (!eth)
		return -1;
	proto = eth->h_proto;
	/* Fixed trip count: a loop the verifier can bound without walking it. */
#pragma unroll
	for (int i = 0; i < PP_VLAN_MAX; i++) {
		struct vlan_hdr *vlan;

		if (proto != bpf_htons(PP_ETH_P_8021Q) && proto != bpf_htons(PP_ETH_P_8021AD))
			break;
		vlan = cursor_take(c, sizeof(*vlan));
		if (!vlan)
			return -1;
		proto = vlan->h_vlan_encapsulated_proto;
	}
	return proto;
}

#endif /* PROTOPORT_PARSE_H */
