/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * What the two parsers of a frame share: the XDP program's (bpf/parse.h, bpf/protoport.bpf.c)
 * and replay's skip filter (userspace/replay/skip_filter.cpp), which predicts the program's
 * outcome for a frame without running it and must therefore stop where the program stops.
 * A limit changed here changes both; `bpf.replay_fastpath_check` (ctest) runs the real program
 * on the corpus and fails on any frame whose outcome the filter mispredicts.
 *
 * Plain macros only, no types and no includes: usable from BPF C (after vmlinux.h) and from
 * C++. The header sizes and field offsets are those of the wire formats; the BPF program checks
 * them at compile time against the kernel's own structs (vmlinux.h), so a userspace offset
 * cannot silently differ from what the program reads.
 */
#pragma once

/* ---- How deep the parsers go ------------------------------------------------------------ */

/* VLAN tags parsed after the Ethernet header: 802.1Q and 802.1ad (QinQ). A frame still tagged
 * after them is not parsed further (its outcome: non_ip). */
#define PP_VLAN_MAX 2
/* IPv6 extension-header walk: steps taken before giving up (the frame is then malformed). Each
 * step consumes one extension header or finds the L4 header, so at most PP_IPV6_EXT_MAX - 1
 * extension headers precede TCP/UDP. Real stacks send <= 3, but Linux delivers a chain of any
 * length, so an evader may hide the L4 header behind 20 of them: the walk goes as far as
 * headers of the smallest size (8 bytes) fit in the most linear data an XDP program is given
 * (a page: 4096 - 256 headroom - 320 skb_shared_info, then Ethernet and IPv6). */
#define PP_IPV6_EXT_MAX ((4096 - 256 - 320 - 14 - 40) / 8 + 1)

/* ---- Ethernet ----------------------------------------------------------------------------- */

#define PP_ETH_HLEN 14	       /* destination, source, ethertype */
#define PP_ETH_PROTO_OFFSET 12 /* ethertype */
#define PP_VLAN_HLEN 4	       /* TCI, encapsulated ethertype */
#define PP_VLAN_PROTO_OFFSET 2 /* encapsulated ethertype, from the tag's start */

/* Ethertypes (host order). */
#define PP_ETH_P_IP 0x0800
#define PP_ETH_P_IPV6 0x86DD
#define PP_ETH_P_8021Q 0x8100
#define PP_ETH_P_8021AD 0x88A8

/* ---- IPv4 --------------------------------------------------------------------------------- */

#define PP_IPV4_HLEN_MIN 20 /* ihl 5: no options */
#define PP_IPV4_IHL_MIN 5   /* in 4-byte words */
#define PP_IPV4_TOT_LEN_OFFSET 2
#define PP_IPV4_ID_OFFSET 4       /* identification: keys a fragmented datagram */
#define PP_IPV4_FRAG_OFF_OFFSET 6 /* flags and fragment offset */
#define PP_IPV4_PROTO_OFFSET 9
#define PP_IPV4_SADDR_OFFSET 12
#define PP_IPV4_DADDR_OFFSET 16
#define PP_IP_OFFSET_MASK 0x1fff /* frag_off: fragment offset bits (host order) */
#define PP_IP_MF 0x2000		 /* frag_off: more fragments (host order) */

/* ---- IPv6 --------------------------------------------------------------------------------- */

#define PP_IPV6_HLEN 40
#define PP_IPV6_PAYLOAD_LEN_OFFSET 4
#define PP_IPV6_NEXTHDR_OFFSET 6
#define PP_IPV6_SADDR_OFFSET 8
#define PP_IPV6_DADDR_OFFSET 24

/* IPv6 next-header values of the extension headers walked (uapi in6.h, not in vmlinux.h). */
#define PP_NEXTHDR_HOP 0
#define PP_NEXTHDR_ROUTING 43
#define PP_NEXTHDR_FRAGMENT 44
#define PP_NEXTHDR_AUTH 51
#define PP_NEXTHDR_DEST 60

/* Every extension header starts with its next header; hop-by-hop, routing, destination options
 * and AH follow it with their length. */
#define PP_IPV6_OPT_HLEN 2
#define PP_IPV6_OPT_NEXTHDR_OFFSET 0
#define PP_IPV6_OPT_LEN_OFFSET 1
/* The length byte counts 8-byte units after the first 8 bytes; AH's, 4-byte units minus 2. */
#define PP_IPV6_OPT_BYTES(hdrlen) (((hdrlen) + 1) * 8)
#define PP_IPV6_AH_BYTES(hdrlen) (((hdrlen) + 2) * 4)
/* Fragment header: next header, reserved, offset and M flag, identification. */
#define PP_IPV6_FRAG_HLEN 8
#define PP_IPV6_FRAG_OFF_OFFSET 2
#define PP_IPV6_FRAG_ID_OFFSET 4
#define PP_IP6_OFFSET_MASK 0xfff8 /* fragment offset bits (host order) */
#define PP_IP6_MF 0x0001	  /* more fragments (host order) */

/* ---- TCP and UDP -------------------------------------------------------------------------- */

/* The protocol numbers, PP_IPPROTO_TCP and PP_IPPROTO_UDP, are in sample.h (keys and samples
 * carry them). */
#define PP_L4_SPORT_OFFSET 0 /* TCP and UDP: source port */
#define PP_L4_DPORT_OFFSET 2 /* TCP and UDP: destination port */

#define PP_TCP_HLEN_MIN 20
#define PP_TCP_SEQ_OFFSET 4    /* sequence number */
#define PP_TCP_DOFF_MIN 5      /* in 4-byte words */
#define PP_TCP_DOFF_OFFSET 12  /* data offset: the byte's high nibble */
#define PP_TCP_FLAGS_OFFSET 13 /* byte of the TCP header holding FIN..CWR */
#define PP_TCP_FIN 0x01
#define PP_TCP_SYN 0x02
#define PP_TCP_RST 0x04
#define PP_TCP_ACK 0x10

#define PP_UDP_HLEN 8
#define PP_UDP_LEN_OFFSET 4
