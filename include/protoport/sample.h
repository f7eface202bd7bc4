/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The kernel <-> userspace ABI of protoport: every struct that crosses the boundary (ring-buffer
 * records, flow-table entries, counters). Fixed-width types only, no pointers, explicit padding,
 * so that the BPF object (clang -target bpf) and the C++ loader agree on every offset.
 */
#pragma once

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Largest sample the program can ever emit; the default (rodata snap_len) is smaller. */
#define PP_SNAP_MAX 1024
#define PP_SNAP_DEFAULT 256
#define PP_SAMPLES_PER_DIR_DEFAULT 2
#define PP_SAMPLES_PER_DIR_MAX 16
/* A TCP direction's opening: after samples_per_dir samples, a direction whose samples hold fewer
 * than opening_bytes payload bytes (an opening cut into small segments: `G` | `ET` | ...) keeps
 * being sampled, up to opening_packets samples in all (the budget; hitting it is counted). */
#define PP_OPENING_BYTES_DEFAULT 64
#define PP_OPENING_BYTES_MAX 1024
#define PP_OPENING_PACKETS_DEFAULT 32
#define PP_OPENING_PACKETS_MAX 64
#define PP_FLOWS_DEFAULT 65536
#define PP_RINGBUF_DEFAULT (4u << 20)
/* IP datagrams whose fragments are being followed (pp_frags), and the samples of later
 * fragments one datagram may emit (its first fragment's sample aside). */
#define PP_FRAGS_DEFAULT 4096
#define PP_FRAG_SAMPLES_MAX 32 /* 32 fragments of 8 bytes: a default snap length */

/* The transports sampled (IANA protocol numbers, as in keys and samples), named once for the
 * program and userspace alike. */
#define PP_IPPROTO_TCP 6
#define PP_IPPROTO_UDP 17

/* Address family as stored in keys and samples (not AF_* so that both sides agree). */
enum pp_family {
	PP_FAMILY_V4 = 4,
	PP_FAMILY_V6 = 6,
};

/* Which endpoint of a flow started it, relative to the canonical key's order. */
enum pp_initiator {
	PP_INIT_UNKNOWN = 0, /* TCP first seen mid-stream */
	PP_INIT_LO = 1,	     /* endpoint 0 (lower address/port) initiated */
	PP_INIT_HI = 2,	     /* endpoint 1 initiated */
};

/* Direction of one sampled packet relative to the initiator. */
enum pp_dir {
	PP_DIR_UNKNOWN = 0, /* initiator not known (TCP first seen mid-stream) */
	PP_DIR_TO_RESP = 1, /* initiator -> responder ("request" side) */
	PP_DIR_TO_INIT = 2, /* responder -> initiator ("reply" side) */
};

/*
 * Flow-table keys: the two endpoints in canonical order (lower (addr, port) first), so that both
 * directions of a flow hash to the same entry. Addresses and ports in network byte order.
 * Must be zeroed before they are filled: padding is hashed too.
 * IPv4 and IPv6 flows live in two tables (pp_flows4, pp_flows6), so that the per-packet lookup
 * of an IPv4 flow hashes and compares 16 bytes instead of 40.
 */
struct pp_flow_key4 {
	__u32 addr[2]; /* IPv4 addresses, network order */
	__u16 port[2];
	__u8 proto; /* PP_IPPROTO_TCP or PP_IPPROTO_UDP */
	__u8 pad[3];
};

/* IPv6 table key (family is always PP_FAMILY_V6). */
struct pp_flow_key {
	__u8 addr[2][16];
	__u16 port[2];
	__u8 proto;  /* PP_IPPROTO_TCP or PP_IPPROTO_UDP */
	__u8 family; /* enum pp_family */
	__u8 pad[2];
};

/*
 * The canonical order of a flow's two endpoints: endpoint 0 is the lower (address, port), the
 * addresses compared byte by byte in network order (IPv4 v4-mapped, so only its 4 bytes differ),
 * then the ports as numbers (host order). Returns which endpoint (0 or 1) the packet's source is:
 * 1 when (saddr, sport) > (daddr, dport), 0 otherwise (a tie keeps the packet's order).
 * The XDP program builds its keys by this rule (key4_build, key6_build: the same comparison on
 * 32-bit words, for speed); userspace calls this function, so that one flow has one key in the
 * kernel, in the replay skip filter and in the flow tracker.
 */
static inline int pp_source_endpoint(const __u8 *saddr, __u16 sport, const __u8 *daddr, __u16 dport)
{
	for (int i = 0; i < 16; i++)
		if (saddr[i] != daddr[i])
			return saddr[i] > daddr[i];
	return sport > dport;
}

/* Flow-table value (both tables). */
struct pp_flow_val {
	__u64 first_seen_ns;	  /* bpf_ktime_get_ns() when the entry was created: flow identity */
	__u32 sampled[2];	  /* samples taken from endpoint 0 / endpoint 1 (atomically bumped) */
	__u32 sampled_bytes[2];	  /* TCP: opening bytes sampled, per endpoint (pp_opening_advance) */
	__u32 tcp_start[2];	  /* TCP: sequence number of each endpoint's first payload byte */
	__u8 initiator;		  /* enum pp_initiator */
	__u8 tcp_start_known;	  /* bit per endpoint: tcp_start[] learnt from its SYN or SYN+ACK */
	__u8 pad[6];
};

/*
 * Whether an endpoint's direction still gets a sample, given what it already had: the first
 * samples_per_dir always; then, for TCP only, more while its samples hold fewer than
 * opening_bytes payload bytes, up to opening_packets samples. The XDP program decides by it, and
 * replay's skip filter and the flow tracker predict by it, so the three agree.
 */
static inline int pp_wants_sample(__u32 sampled, __u32 sampled_bytes, int is_tcp,
				  __u32 samples_per_dir, __u32 opening_bytes, __u32 opening_packets)
{
	if (sampled < samples_per_dir)
		return 1;
	return is_tcp && sampled < opening_packets && sampled_bytes < opening_bytes;
}

/*
 * How far a TCP direction's samples have covered its opening, after one more sample of `len`
 * payload bytes. With the stream's start known (its SYN seen), only bytes in order count: `off`
 * is the sample's offset from the start, and a segment past a gap (reordered ahead of the
 * opening's first bytes) does not end the opening's sampling before those bytes come. Without
 * it, every sampled byte counts.
 */
static inline __u32 pp_opening_advance(__u32 covered, int start_known, __u32 off, __u32 len)
{
	if (!start_known)
		return covered + len;
	if (off <= covered && off + len > covered)
		return off + len;
	return covered;
}

/* Sample flags (pp_sample.flags). */
#define PP_SAMPLE_F_TCP_START 0x01 /* tcp_start holds the direction's first sequence number */
#define PP_SAMPLE_F_FRAGMENT 0x02  /* from an IP fragment: ip_id and frag_off are set */
#define PP_SAMPLE_F_MORE_FRAGS 0x04 /* ... and more fragments follow it (MF / M flag) */
#define PP_SAMPLE_F_LATER_FRAGMENT 0x08 /* a fragment after the first: no L4 header, no ports;
					 * data is IP payload from frag_off on */
#define PP_SAMPLE_F_EGRESS 0x10 /* sent by the host (TC egress); else received (XDP) */

/* The hooks that sample, each with its own slot in the counters map (pp_counters key). */
enum pp_hook {
	PP_HOOK_INGRESS = 0, /* XDP: what an interface receives */
	PP_HOOK_EGRESS = 1,  /* TC clsact egress: what it sends */
	PP_HOOKS = 2,
};

/*
 * IP datagrams whose later fragments are sampled, so that userspace can put together a datagram
 * whose first fragment holds too few bytes to name (DNS in 8-byte fragments), or that arrives
 * after the others. Keyed as the IP layer keys reassembly: addresses in packet order, protocol,
 * identification. Must be zeroed before it is filled.
 */
struct pp_frag_key {
	__u8 saddr[16]; /* v4-mapped for IPv4 */
	__u8 daddr[16];
	__u32 id;  /* IPv4 identification or IPv6 fragment header identification (host order) */
	__u8 proto;
	__u8 family;
	__u8 pad[2];
};

enum pp_frag_state {
	PP_FRAG_SAMPLE = 1, /* later fragments are sampled (first fragment sampled, or not yet seen) */
	PP_FRAG_IGNORE = 2, /* the first fragment came and its flow direction wanted no sample */
};

struct pp_frag_val {
	__u32 sampled; /* later fragments sampled (atomically bumped) */
	__u8 state;    /* enum pp_frag_state */
	__u8 pad[3];
};

/* Ring-buffer record: this header, then cap_len payload bytes. */
struct pp_sample {
	__u64 ts_ns;	   /* bpf_ktime_get_ns() of this packet */
	__u64 flow_ns;	   /* first_seen_ns of the flow: (tuple, flow_ns) identifies a flow */
	__u64 sock_cookie; /* PP_SAMPLE_F_EGRESS: the cookie of the local socket that sent it (the
			    * key of include/protoport/sockets.h's owners); 0: none (forwarded,
			    * or received: XDP has no socket) */
	__u8 saddr[16];	   /* this packet's source, v4-mapped for IPv4, network order */
	__u8 daddr[16];	   /* this packet's destination */
	__u16 sport;	   /* host byte order */
	__u16 dport;	   /* host byte order */
	__u8 proto;	   /* PP_IPPROTO_TCP or PP_IPPROTO_UDP */
	__u8 family;	   /* enum pp_family */
	__u8 dir;	   /* enum pp_dir */
	__u8 tcp_flags;	   /* TCP flags byte (FIN=0x01 ... CWR=0x80); 0 for UDP */
	__u32 payload_len; /* L4 payload length from the IP/UDP headers, before truncation */
	__u16 cap_len;	   /* payload bytes that follow (<= snap_len) */
	__u8 seq;	   /* index of this sample within its direction, from 0 */
	__u8 flags;	   /* PP_SAMPLE_F_* */
	__u32 ifindex;	   /* interface received on (XDP; loopback's, 1, in BPF_PROG_TEST_RUN) or
			    * sent from (PP_SAMPLE_F_EGRESS) */
	__u32 tcp_seq;	   /* TCP: sequence number of this payload's first byte; 0 for UDP */
	__u32 tcp_start;   /* TCP with PP_SAMPLE_F_TCP_START: that of the direction's first byte
			    * (its SYN's + 1), so userspace places each segment in the stream */
	__u32 ip_id;	   /* with PP_SAMPLE_F_FRAGMENT: the datagram's identification */
	__u16 frag_off;	   /* ... and the IP-payload offset of data[0]: a first fragment's L4
			    * header length, a later fragment's offset */
	__u16 frag_len;	   /* ... and the bytes this fragment carried from there (a first
			    * fragment's payload_len is the whole datagram's, from the UDP length) */
	__u8 data[];	   /* cap_len bytes of payload */
};

/*
 * Per-CPU counters, one slot each, one set per hook (enum pp_hook). Every packet ends in
 * exactly one outcome (PP_OUT_*), so the outcome slots add up to PP_CNT_PACKETS.
 */
enum pp_counter {
	PP_CNT_PACKETS = 0,	 /* packets seen */
	PP_CNT_BYTES,		 /* frame bytes seen */
	PP_CNT_FLOWS_CREATED,	 /* flow-table entries created */
	PP_CNT_OPENING_BUDGET,	 /* TCP directions whose opening_packets budget ran out first */
	PP_OUT_NON_IP,		 /* not IPv4/IPv6 (ARP, LLDP, ...) */
	PP_OUT_MALFORMED,	 /* truncated or invalid header (ihl < 5, bad doff, ...) */
	PP_OUT_FRAGMENT,	 /* later IP fragment not sampled (its datagram is not followed) */
	PP_OUT_OTHER_L4,	 /* IP but neither TCP nor UDP (ICMP, ESP, ...) */
	PP_OUT_NO_PAYLOAD,	 /* TCP/UDP without payload (SYN, ACK, ...) */
	PP_OUT_ALREADY_SAMPLED,	 /* this direction already has its samples: lookup only */
	PP_OUT_SAMPLED,		 /* a sample went into the ring buffer */
	PP_OUT_RINGBUF_FULL,	 /* bpf_ringbuf_reserve failed: sample lost */
	PP_OUT_FLOW_UPDATE_FAIL, /* flow-table insert failed: packet not sampled */
	PP_OUT_FRAGMENT_SAMPLED, /* a later IP fragment went into the ring buffer for reassembly */
	PP_CNT_MAX,
};
