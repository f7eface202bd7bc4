/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Cursor-based header parsing for XDP, in the style of xdp-tools' parsing_helpers.h. A cursor
 * walks the linear frame; cursor_take() hands out a header only when all of it lies before
 * data_end and then moves past it. Variable-length skips (IPv4 options, IPv6 extension headers,
 * TCP options) only move the cursor: the next cursor_take() checks the bounds again.
 */
#pragma once

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "protoport/parse_limits.h" /* limits and offsets shared with replay's skip filter */

/* The Ethernet and VLAN layouts parse_limits.h spells out for userspace are these structs. */
_Static_assert(sizeof(struct ethhdr) == PP_ETH_HLEN, "ethhdr != parse_limits.h");
_Static_assert(__builtin_offsetof(struct ethhdr, h_proto) == PP_ETH_PROTO_OFFSET,
	       "ethhdr != parse_limits.h");
_Static_assert(sizeof(struct vlan_hdr) == PP_VLAN_HLEN, "vlan_hdr != parse_limits.h");
_Static_assert(__builtin_offsetof(struct vlan_hdr, h_vlan_encapsulated_proto) ==
		       PP_VLAN_PROTO_OFFSET,
	       "vlan_hdr != parse_limits.h");

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
