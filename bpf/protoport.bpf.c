/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * protoport XDP sampler: for every TCP/UDP flow, the first samples_per_dir payload-carrying
 * packets of each endpoint go into a ring buffer (header + up to snap_len payload bytes).
 * Userspace fingerprints them. Every packet passes (XDP_PASS) and ends in exactly one PP_OUT_*
 * counter. ABI: include/protoport/sample.h.
 *
 * Multi-buffer frames (SEC("xdp.frags")): a frame larger than one buffer (jumbo MTU, GRO/TSO
 * aggregates in generic mode, test runs over ~3,500 bytes) has a linear part [data, data_end)
 * and fragments. Headers (Ethernet to the fixed TCP/UDP header) are read in the linear part
 * only: a frame whose headers run into the fragments is malformed. Payload is read with
 * bpf_xdp_load_bytes(), which crosses fragments. The frame length is the whole buffer
 * (bpf_xdp_get_buff_len()), asked for only when the IP datagram runs past the linear part (a
 * helper call costs ~6 ns) and for non-IP frames: `bytes` misses fragment bytes that lie after
 * a datagram ending in the linear part (padding), and those of frames cut before the IP header.
 *
 * Length rules (all lengths are attacker-controlled):
 * - The IP datagram ends where the IP header says (tot_len / payload_len), not at the frame's
 *   end: Ethernet pads short frames and padding is not payload. A datagram that claims more bytes
 *   than the frame holds is malformed (the kernel's IP stack drops those too). That includes
 *   length 0 (BIG TCP / jumbograms, only seen after GRO in generic mode with BIG TCP enabled).
 * - UDP: the payload ends where udp->len says (must fit the IP length), except in a first
 *   fragment, where udp->len describes the whole datagram: payload_len reports it, and only
 *   the bytes of this fragment are captured.
 * - Non-first fragments carry no L4 header: skipped and counted PP_OUT_FRAGMENT.
 * - Not parsed, counted: a third VLAN tag (non_ip), an IPv6 extension chain that runs past the
 *   linear part (malformed; PP_IPV6_EXT_MAX steps cover every chain a page holds, as long as
 *   the chains Linux delivers), IP protocols other than TCP/UDP (other_l4).
 *
 * Flow rules: an entry is created by a TCP SYN without ACK (initiator: its sender), a SYN+ACK
 * (initiator: its receiver), any UDP packet (initiator: the first packet's sender), or TCP
 * payload of an unknown flow (initiator unknown: seen mid-stream). A pure ACK/FIN/RST of an
 * unknown flow creates nothing and costs no lookup. A SYN, or a SYN+ACK, on a flow that already
 * carried data, or whose initiator differs from the one it names, restarts the entry (the tuple
 * was reused by a new connection; on a client's interface the SYN+ACK is the first packet of
 * the new connection that XDP sees). Insertion uses BPF_NOEXIST; on -EEXIST another CPU won and its entry is used.
 * Samples: the first samples_per_dir payload packets of each endpoint, counted with an atomic
 * fetch-add, so two CPUs never emit more than the limit. A TCP direction whose samples hold
 * fewer than opening_bytes payload bytes goes on being sampled, up to opening_packets samples
 * (pp_wants_sample(), include/protoport/sample.h): an opening cut into 1-byte segments reaches
 * userspace whole, and a flow pays for it only during its opening. Each TCP sample carries the
 * segment's sequence number and, when the direction's SYN or SYN+ACK was seen, the number of
 * its first byte, so that userspace puts the segments in stream order (reordered,
 * retransmitted, overlapping). A failed ring-buffer reserve loses that sample (ringbuf_full)
 * and is not retried with a later packet; its bytes do not count towards opening_bytes.
 *
 * Parser limits (VLAN tags, extension headers) and header offsets: include/protoport/
 * parse_limits.h, shared with replay's skip filter (userspace/replay/skip_filter.cpp), which
 * predicts this program's outcome for a frame and must stop parsing where it stops.
 *
 * Per-packet cost (bench/bpf): Ethernet + IPv4 without options + TCP/UDP takes a fixed-offset
 * fast path; everything else the general cursor parser. A packet of a flow whose direction
 * already has its samples costs the parse, one counters lookup (inlined per-CPU array) and
 * one flow lookup: no ring-buffer work, no atomics.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "protoport/sample.h"
#include "protoport/replay_batch.h"
#include "parse.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Settings, written by the loader before load. Frozen rodata: the verifier sees constants. */
const volatile __u32 snap_len = PP_SNAP_DEFAULT;
const volatile __u32 samples_per_dir = PP_SAMPLES_PER_DIR_DEFAULT;
/* TCP openings cut into small segments: see pp_wants_sample() in protoport/sample.h. */
const volatile __u32 opening_bytes = PP_OPENING_BYTES_DEFAULT;
const volatile __u32 opening_packets = PP_OPENING_PACKETS_DEFAULT;
/* 1: submit samples without waking the consumer (it drains on its own, e.g. replay after every
 * test run; a wakeup costs ~6 us of CPU per sample there). 0: the kernel's adaptive wakeup. */
const volatile __u32 rb_no_wakeup = 0;

#define PP_EEXIST 17 /* errno.h is not available to BPF programs */

_Static_assert(sizeof(struct pp_flow_key4) == 16, "pp_flow_key4 layout changed");
_Static_assert(sizeof(struct pp_flow_key) == 40, "pp_flow_key layout changed");
_Static_assert(sizeof(struct pp_flow_val) == 40, "pp_flow_val layout changed");
_Static_assert(__builtin_offsetof(struct pp_sample, data) == 92, "pp_sample layout changed");
_Static_assert(sizeof(struct pp_frag_key) == 40, "pp_frag_key layout changed");

/*
 * The header layouts and protocol numbers of include/protoport/parse_limits.h, which replay's
 * skip filter reads at raw offsets, are those of the structs this program reads.
 */
#define PP_LAYOUT(cond) _Static_assert(cond, #cond ": parse_limits.h differs from vmlinux.h")
PP_LAYOUT(sizeof(struct iphdr) == PP_IPV4_HLEN_MIN);
PP_LAYOUT(__builtin_offsetof(struct iphdr, tot_len) == PP_IPV4_TOT_LEN_OFFSET);
PP_LAYOUT(__builtin_offsetof(struct iphdr, id) == PP_IPV4_ID_OFFSET);
PP_LAYOUT(__builtin_offsetof(struct iphdr, frag_off) == PP_IPV4_FRAG_OFF_OFFSET);
PP_LAYOUT(__builtin_offsetof(struct iphdr, protocol) == PP_IPV4_PROTO_OFFSET);
PP_LAYOUT(__builtin_offsetof(struct iphdr, saddr) == PP_IPV4_SADDR_OFFSET);
PP_LAYOUT(__builtin_offsetof(struct iphdr, daddr) == PP_IPV4_DADDR_OFFSET);
PP_LAYOUT(sizeof(struct ipv6hdr) == PP_IPV6_HLEN);
PP_LAYOUT(__builtin_offsetof(struct ipv6hdr, payload_len) == PP_IPV6_PAYLOAD_LEN_OFFSET);
PP_LAYOUT(__builtin_offsetof(struct ipv6hdr, nexthdr) == PP_IPV6_NEXTHDR_OFFSET);
PP_LAYOUT(__builtin_offsetof(struct ipv6hdr, saddr) == PP_IPV6_SADDR_OFFSET);
PP_LAYOUT(__builtin_offsetof(struct ipv6hdr, daddr) == PP_IPV6_DADDR_OFFSET);
PP_LAYOUT(sizeof(struct ipv6_opt_hdr) == PP_IPV6_OPT_HLEN);
PP_LAYOUT(__builtin_offsetof(struct ipv6_opt_hdr, nexthdr) == PP_IPV6_OPT_NEXTHDR_OFFSET);
PP_LAYOUT(__builtin_offsetof(struct ipv6_opt_hdr, hdrlen) == PP_IPV6_OPT_LEN_OFFSET);
PP_LAYOUT(sizeof(struct frag_hdr) == PP_IPV6_FRAG_HLEN);
PP_LAYOUT(__builtin_offsetof(struct frag_hdr, nexthdr) == PP_IPV6_OPT_NEXTHDR_OFFSET);
PP_LAYOUT(__builtin_offsetof(struct frag_hdr, frag_off) == PP_IPV6_FRAG_OFF_OFFSET);
PP_LAYOUT(__builtin_offsetof(struct frag_hdr, identification) == PP_IPV6_FRAG_ID_OFFSET);
PP_LAYOUT(sizeof(struct tcphdr) == PP_TCP_HLEN_MIN);
PP_LAYOUT(__builtin_offsetof(struct tcphdr, source) == PP_L4_SPORT_OFFSET);
PP_LAYOUT(__builtin_offsetof(struct tcphdr, dest) == PP_L4_DPORT_OFFSET);
PP_LAYOUT(__builtin_offsetof(struct tcphdr, window) == PP_TCP_FLAGS_OFFSET + 1);
PP_LAYOUT(sizeof(struct udphdr) == PP_UDP_HLEN);
PP_LAYOUT(__builtin_offsetof(struct udphdr, source) == PP_L4_SPORT_OFFSET);
PP_LAYOUT(__builtin_offsetof(struct udphdr, dest) == PP_L4_DPORT_OFFSET);
PP_LAYOUT(__builtin_offsetof(struct udphdr, len) == PP_UDP_LEN_OFFSET);
PP_LAYOUT(__builtin_offsetof(struct tcphdr, seq) == PP_TCP_SEQ_OFFSET);
PP_LAYOUT(PP_IPPROTO_TCP == IPPROTO_TCP);
PP_LAYOUT(PP_IPPROTO_UDP == IPPROTO_UDP);
#undef PP_LAYOUT

/* All counters in one per-CPU slot: one lookup per packet, plain increments (no atomics). */
struct pp_counter_slots {
	__u64 v[PP_CNT_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PP_HOOKS); /* a slot per hook: PP_HOOK_INGRESS, PP_HOOK_EGRESS */
	__type(key, __u32);
	__type(value, struct pp_counter_slots);
} pp_counters SEC(".maps"); /* found by name by `protoport stats` in another process */

/* One table per family: an IPv4 lookup hashes and compares 16 bytes instead of 40. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PP_FLOWS_DEFAULT); /* loader: bpf_map__set_max_entries */
	__type(key, struct pp_flow_key4);
	__type(value, struct pp_flow_val);
} pp_flows4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PP_FLOWS_DEFAULT); /* loader: bpf_map__set_max_entries */
	__type(key, struct pp_flow_key);
	__type(value, struct pp_flow_val);
} pp_flows6 SEC(".maps");

/* Fragmented datagrams being followed: see pp_frag_key in protoport/sample.h. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PP_FRAGS_DEFAULT);
	__type(key, struct pp_frag_key);
	__type(value, struct pp_frag_val);
} pp_frags SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, PP_RINGBUF_DEFAULT); /* loader: bpf_map__set_max_entries */
} pp_samples SEC(".maps");

/* What the parser learned about one TCP/UDP packet. Offsets are from ctx->data. */
struct pp_pkt {
	union { /* canonical: lower (addr, port) endpoint first; built by key4/key6_build() */
		struct pp_flow_key4 k4; /* family PP_FAMILY_V4 */
		struct pp_flow_key k6;	/* family PP_FAMILY_V6 */
		__u64 kw[5];		/* the same bytes as whole words */
	};
	__be32 saddr4; /* IPv4 addresses, in packet order */
	__be32 daddr4;
	__be16 sport; /* ports, in packet order */
	__be16 dport;
	__u32 payload_off;
	__u32 payload_len;   /* original L4 payload length (from the IP/UDP headers) */
	__u32 payload_avail; /* payload bytes present in this frame, <= payload_len */
	__u32 tcp_seq;	     /* TCP: the header's sequence number (host order) */
	__u32 ip_id;	     /* fragments: the datagram's identification */
	__u32 l4_off;	     /* first fragments: where the L4 header starts */
	__u16 frag_off;	     /* later fragments: offset of the payload in the datagram, bytes */
	__u8 more_frags;     /* later fragments: more follow */
	__u8 sender;	     /* key endpoint (0 or 1) that sent this packet */
	__u8 tcp_flags;
	__u8 first_fragment; /* more fragments follow: UDP length covers more than this packet */
	__u8 family;	     /* enum pp_family */
	__u8 proto;	     /* IPPROTO_TCP or IPPROTO_UDP */
};

/* Internal return value: parsing reached a TCP/UDP header, go on with the flow table. */
#define PP_PARSED PP_CNT_MAX
/* Internal return value: a later fragment of a TCP/UDP datagram, its fields in pp_pkt. */
#define PP_FRAG_PARSED (PP_CNT_MAX + 2)

static __always_inline void store_v4_mapped(__u8 *dst, __be32 addr)
{
	__u32 *w = (__u32 *)dst;

	w[0] = 0;
	w[1] = 0;
	w[2] = bpf_htonl(0x0000ffff); /* ::ffff:a.b.c.d */
	w[3] = addr;
}

/*
 * One parser, two hooks: the XDP program (what an interface receives) and the TC egress program
 * (what it sends). `hook` is a constant at every call (PP_HOOK_INGRESS or PP_HOOK_EGRESS) and
 * every function taking it is inlined, so clang folds the other hook's branch away: each
 * program is verified with its own context type only. Both hand the parser the same view: the
 * frame from its Ethernet header, a linear part [data, data_end), the rest readable through
 * the load-bytes helper.
 */
static __always_inline void *frame_data(void *ctx, const int hook)
{
	if (hook == PP_HOOK_EGRESS)
		return (void *)(long)((struct __sk_buff *)ctx)->data;
	return (void *)(long)((struct xdp_md *)ctx)->data;
}

static __always_inline void *frame_data_end(void *ctx, const int hook)
{
	if (hook == PP_HOOK_EGRESS)
		return (void *)(long)((struct __sk_buff *)ctx)->data_end;
	return (void *)(long)((struct xdp_md *)ctx)->data_end;
}

/* Copies len (> 0) bytes from offset off of the whole frame, fragments included. */
static __always_inline long frame_load(void *ctx, const int hook, __u32 off, void *dst, __u32 len)
{
	if (hook == PP_HOOK_EGRESS)
		return bpf_skb_load_bytes(ctx, off, dst, len);
	return bpf_xdp_load_bytes(ctx, off, dst, len);
}

/* The interface the packet came in on (XDP) or goes out of (TC egress). */
static __always_inline __u32 frame_ifindex(void *ctx, const int hook)
{
	if (hook == PP_HOOK_EGRESS)
		return ((struct __sk_buff *)ctx)->ifindex;
	return ((struct xdp_md *)ctx)->ingress_ifindex;
}

/* The sending socket's cookie (egress: 0 when no local socket sent it); XDP has no socket. */
static __always_inline __u64 sock_cookie(void *ctx, const int hook)
{
	if (hook == PP_HOOK_EGRESS)
		return bpf_get_socket_cookie(ctx);
	return 0;
}

/*
 * The whole frame's length, fragments included; adds the fragment bytes to the bytes counter
 * (which counted the linear part). Call at most once per packet.
 */
static __always_inline __u32 frame_len_all(void *ctx, const int hook, __u64 linear,
					   struct pp_counter_slots *cnt)
{
	/* skb->len: the whole frame from the Ethernet header (where TC's data starts) */
	__u64 len = hook == PP_HOOK_EGRESS ? ((struct __sk_buff *)ctx)->len
					   : bpf_xdp_get_buff_len(ctx);

	cnt->v[PP_CNT_BYTES] += len - linear;
	return len;
}

/* Whether the IP datagram ending at ip_end fits the frame; the helper call only past linear. */
static __always_inline int ip_fits(void *ctx, const int hook, __u32 ip_end, __u64 linear,
				   struct pp_counter_slots *cnt)
{
	return ip_end <= linear || ip_end <= frame_len_all(ctx, hook, linear, cnt);
}

/* IPv4 header: addresses into the key, end of the datagram, L4 protocol. */
static __always_inline int parse_ipv4(void *ctx, const int hook, struct pp_counter_slots *cnt,
				      struct hdr_cursor *c, void *data, struct pp_pkt *pkt,
				      __u8 *l4proto, __u32 *ip_end)
{
	struct iphdr *ip = cursor_take(c, sizeof(*ip));
	__u32 hlen, tot_len, l3_off;

	if (!ip)
		return PP_OUT_MALFORMED;
	if (ip->version != 4 || ip->ihl < PP_IPV4_IHL_MIN)
		return PP_OUT_MALFORMED;
	hlen = ip->ihl * 4; /* <= 60 by construction (4-bit field) */
	tot_len = bpf_ntohs(ip->tot_len);
	l3_off = (void *)ip - data;
	if (tot_len < hlen || !ip_fits(ctx, hook, l3_off + tot_len, c->end - data, cnt))
		return PP_OUT_MALFORMED;
	*ip_end = l3_off + tot_len;
	pkt->family = PP_FAMILY_V4;
	pkt->saddr4 = ip->saddr;
	pkt->daddr4 = ip->daddr;
	pkt->ip_id = bpf_ntohs(ip->id);
	if (ip->frag_off & bpf_htons(PP_IP_OFFSET_MASK)) {
		/* A later fragment: no L4 header; its bytes may complete a datagram userspace
		 * follows (handle_fragment). */
		pkt->proto = ip->protocol;
		pkt->frag_off = (bpf_ntohs(ip->frag_off) & PP_IP_OFFSET_MASK) * 8;
		pkt->more_frags = (ip->frag_off & bpf_htons(PP_IP_MF)) != 0;
		pkt->payload_off = l3_off + hlen;
		pkt->payload_len = tot_len - hlen;
		pkt->payload_avail = pkt->payload_len;
		return PP_FRAG_PARSED;
	}
	pkt->first_fragment = (ip->frag_off & bpf_htons(PP_IP_MF)) != 0;
	*l4proto = ip->protocol;
	cursor_skip_from(c, ip, hlen); /* past the options */
	return PP_PARSED;
}

/* Where the IPv6 extension-header walk ended: the L4 header, or an outcome. */
struct pp_ipv6_ext {
	__u32 l4_off; /* from ctx->data */
	__u8 l4proto;
	__u8 first_fragment; /* a fragment header with the M flag was seen */
	__u8 more_frags;     /* later fragment: its M flag */
	__u16 frag_off;	     /* later fragment: its offset, bytes */
	__u32 frag_id;	     /* a fragment header's identification (host order) */
};

/* Largest header offset the walk accepts: every packet access must stay below the verifier's
 * MAX_PACKET_OFF (0xffff). A linear part this long does not exist (it lies within one page). */
#define PP_EXT_OFF_MAX 0xff00
/* Extension headers parsed inline before handing the chain to pp_ipv6_ext_walk (see parse_ipv6). */
#define PP_IPV6_EXT_INLINE 2
/* The inline path must accept no chain the walk refuses: the walk (and replay's skip filter,
 * which mirrors it) takes at most PP_IPV6_EXT_MAX - 1 extension headers before TCP/UDP. */
_Static_assert(PP_IPV6_EXT_INLINE < PP_IPV6_EXT_MAX, "inline IPv6 path longer than the walk");

/*
 * The bounded chain of IPv6 extension headers from byte `off` (first next-header value
 * `nexthdr`). A global function: the verifier checks it once, on its own, instead of once per
 * state of every caller, and its PP_IPV6_EXT_MAX steps no longer multiply the states of
 * everything after the parse (measured, kernel 6.18: verified instructions 34,429 -> 5,958,
 * object load ~55 -> ~24 ms). It works on offsets and re-derives the header pointer each
 * step (clang then refuses #pragma unroll: a plain bounded loop). Cost: a real call and a
 * loop, ~8 ns per packet (bench_bpf, IPv6+2 ext: 67 -> 75 ns), paid only by the chains the
 * inline fast path in parse_ipv6 does not finish; the IPv4 path never comes here.
 * Returns PP_PARSED with *out filled, or the packet's PP_OUT_* outcome.
 */
static __always_inline int ipv6_ext_walk(void *data, void *data_end, __u32 off, __u32 nexthdr,
					 struct pp_ipv6_ext *out)
{
	__u8 first_fragment = 0;

	if (!out) /* verifier: a global function's pointer argument may be NULL */
		return PP_OUT_MALFORMED;
	/* Bounded loop (kernel 5.3+): the verifier walks its PP_IPV6_EXT_MAX trips, here once. */
	for (int i = 0; i < PP_IPV6_EXT_MAX; i++) {
		struct ipv6_opt_hdr *opt;
		struct frag_hdr *frag;

		if (off > PP_EXT_OFF_MAX) /* verifier: bound the offset before data + off */
			return PP_OUT_MALFORMED;
		switch (nexthdr) {
		case PP_NEXTHDR_HOP:
		case PP_NEXTHDR_ROUTING:
		case PP_NEXTHDR_DEST:
			opt = data + off;
			if ((void *)(opt + 1) > data_end)
				return PP_OUT_MALFORMED;
			nexthdr = opt->nexthdr;
			off += PP_IPV6_OPT_BYTES(opt->hdrlen);
			break;
		case PP_NEXTHDR_AUTH:
			opt = data + off;
			if ((void *)(opt + 1) > data_end)
				return PP_OUT_MALFORMED;
			nexthdr = opt->nexthdr;
			off += PP_IPV6_AH_BYTES(opt->hdrlen); /* AH counts 4-byte words */
			break;
		case PP_NEXTHDR_FRAGMENT:
			frag = data + off;
			if ((void *)(frag + 1) > data_end)
				return PP_OUT_MALFORMED;
			out->frag_id = bpf_ntohl(frag->identification);
			if (frag->frag_off & bpf_htons(PP_IP6_OFFSET_MASK)) {
				/* A later fragment: its payload follows this header. */
				out->l4_off = off + sizeof(*frag);
				out->l4proto = frag->nexthdr;
				out->frag_off = bpf_ntohs(frag->frag_off) & PP_IP6_OFFSET_MASK;
				out->more_frags = (frag->frag_off & bpf_htons(PP_IP6_MF)) != 0;
				return PP_OUT_FRAGMENT;
			}
			first_fragment = (frag->frag_off & bpf_htons(PP_IP6_MF)) != 0;
			nexthdr = frag->nexthdr;
			off += sizeof(*frag);
			break;
		default:
			out->l4_off = off;
			out->l4proto = nexthdr;
			out->first_fragment = first_fragment;
			return PP_PARSED;
		}
	}
	/* Still inside the chain after PP_IPV6_EXT_MAX headers: we cannot reach L4. */
	return PP_OUT_MALFORMED;
}

/* One global function per hook: a global function's context argument must be its program's. */
__noinline int pp_ipv6_ext_walk(struct xdp_md *ctx, __u32 off, __u32 nexthdr,
				struct pp_ipv6_ext *out)
{
	return ipv6_ext_walk((void *)(long)ctx->data, (void *)(long)ctx->data_end, off, nexthdr,
			     out);
}

__noinline int pp_ipv6_ext_walk_egress(struct __sk_buff *ctx, __u32 off, __u32 nexthdr,
				       struct pp_ipv6_ext *out)
{
	return ipv6_ext_walk((void *)(long)ctx->data, (void *)(long)ctx->data_end, off, nexthdr,
			     out);
}

/* IPv6 header, then the extension headers (pp_ipv6_ext_walk). */
static __always_inline int parse_ipv6(void *ctx, const int hook, struct pp_counter_slots *cnt,
				      struct hdr_cursor *c, void *data, struct pp_pkt *pkt,
				      __u8 *l4proto, __u32 *ip_end)
{
	struct ipv6hdr *ip6 = cursor_take(c, sizeof(*ip6));
	struct pp_ipv6_ext ext;
	__u32 l3_off;
	int ret;

	if (!ip6)
		return PP_OUT_MALFORMED;
	if (ip6->version != 6)
		return PP_OUT_MALFORMED;
	l3_off = (void *)ip6 - data;
	*ip_end = l3_off + sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
	if (!ip_fits(ctx, hook, *ip_end, c->end - data, cnt))
		return PP_OUT_MALFORMED;
	pkt->family = PP_FAMILY_V6;
	__builtin_memcpy(pkt->k6.addr[0], &ip6->saddr, 16);
	__builtin_memcpy(pkt->k6.addr[1], &ip6->daddr, 16);

	/*
	 * Inline fast path: no extension header, or up to PP_IPV6_EXT_INLINE hop-by-hop / routing /
	 * destination-options headers, then TCP or UDP: what IPv6 traffic carries. It saves the
	 * global call (bench_bpf, IPv6+2 ext: 75 -> 66 ns) for ~3,800 more verified instructions
	 * (5,958 -> 9,782; load +3 ms). Anything else (fragment, AH, longer chains, other L4)
	 * starts over in pp_ipv6_ext_walk from the IPv6 header, which decides it.
	 */
	{
		__u8 next = ip6->nexthdr;

#pragma unroll
		for (int i = 0; i < PP_IPV6_EXT_INLINE; i++) {
			struct ipv6_opt_hdr *opt;

			if (next != PP_NEXTHDR_HOP && next != PP_NEXTHDR_ROUTING &&
			    next != PP_NEXTHDR_DEST)
				break;
			opt = cursor_take(c, sizeof(*opt));
			if (!opt)
				return PP_OUT_MALFORMED;
			next = opt->nexthdr;
			cursor_skip_from(c, opt, PP_IPV6_OPT_BYTES(opt->hdrlen));
		}
		if (next == PP_IPPROTO_TCP || next == PP_IPPROTO_UDP) {
			pkt->first_fragment = 0;
			*l4proto = next;
			return PP_PARSED;
		}
	}
	ext.frag_id = 0;
	if (hook == PP_HOOK_EGRESS)
		ret = pp_ipv6_ext_walk_egress(ctx, l3_off + sizeof(*ip6), ip6->nexthdr, &ext);
	else
		ret = pp_ipv6_ext_walk(ctx, l3_off + sizeof(*ip6), ip6->nexthdr, &ext);
	/* verifier: a global function returns an unknown scalar; its three values as constants */
	if (ret == PP_OUT_FRAGMENT) {
		if (ext.l4_off > *ip_end) /* the fragment header runs past the datagram */
			return PP_OUT_MALFORMED;
		pkt->proto = ext.l4proto;
		pkt->ip_id = ext.frag_id;
		pkt->frag_off = ext.frag_off;
		pkt->more_frags = ext.more_frags;
		pkt->payload_off = ext.l4_off;
		pkt->payload_len = *ip_end - ext.l4_off;
		pkt->payload_avail = pkt->payload_len;
		return PP_FRAG_PARSED;
	}
	if (ret != PP_PARSED)
		return PP_OUT_MALFORMED;
	if (ext.l4_off > PP_EXT_OFF_MAX) /* verifier: bound the offset before data + l4_off */
		return PP_OUT_MALFORMED;
	pkt->first_fragment = ext.first_fragment;
	pkt->ip_id = ext.frag_id;
	*l4proto = ext.l4proto;
	c->pos = data + ext.l4_off; /* cursor_take() checks it against data_end */
	return PP_PARSED;
}

static __always_inline int parse_tcp(struct hdr_cursor *c, __u32 l4_off, __u32 ip_end,
				     struct pp_pkt *pkt)
{
	struct tcphdr *tcp = cursor_take(c, sizeof(*tcp));
	__u32 payload_off;

	if (!tcp)
		return PP_OUT_MALFORMED;
	if (tcp->doff < PP_TCP_DOFF_MIN)
		return PP_OUT_MALFORMED;
	payload_off = l4_off + tcp->doff * 4;
	if (payload_off > ip_end)
		return PP_OUT_MALFORMED;
	pkt->payload_off = payload_off;
	pkt->payload_len = ip_end - payload_off;
	pkt->payload_avail = pkt->payload_len;
	pkt->tcp_flags = ((__u8 *)tcp)[PP_TCP_FLAGS_OFFSET];
	pkt->tcp_seq = bpf_ntohl(tcp->seq);
	pkt->sport = tcp->source;
	pkt->dport = tcp->dest;
	return PP_PARSED;
}

static __always_inline int parse_udp(struct hdr_cursor *c, __u32 l4_off, __u32 ip_end,
				     struct pp_pkt *pkt)
{
	struct udphdr *udp = cursor_take(c, sizeof(*udp));
	__u32 udp_len, l4_len = ip_end - l4_off;

	if (!udp)
		return PP_OUT_MALFORMED;
	udp_len = bpf_ntohs(udp->len);
	if (udp_len < sizeof(*udp) || l4_len < sizeof(*udp))
		return PP_OUT_MALFORMED;
	if (pkt->first_fragment) {
		/* udp->len covers the whole datagram; this fragment holds part of it. */
		if (udp_len < l4_len)
			return PP_OUT_MALFORMED;
		pkt->payload_avail = l4_len - sizeof(*udp);
	} else {
		if (udp_len > l4_len)
			return PP_OUT_MALFORMED;
		pkt->payload_avail = udp_len - sizeof(*udp);
	}
	pkt->payload_off = l4_off + sizeof(*udp);
	pkt->payload_len = udp_len - sizeof(*udp);
	pkt->tcp_flags = 0;
	pkt->tcp_seq = 0;
	pkt->sport = udp->source;
	pkt->dport = udp->dest;
	return PP_PARSED;
}

/*
 * The flow keys: lower (addr, port) endpoint first, and which endpoint sent the packet, by the
 * rule of pp_source_endpoint() in include/protoport/sample.h (compared here as 32-bit words,
 * which gives the same order as its byte loop: test_bpf_flows checks the two agree). Keys are
 * written in whole 64-bit words, padding included: the lookup hashes them as 32-bit words, and
 * a load spanning several narrower stores cannot be forwarded from the store buffer (measured:
 * ~2 ns per packet). Word layout is little-endian (bpfel, as on x86 and arm64 hosts).
 */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "key words assume little-endian");

static __always_inline void key4_build(struct pp_pkt *pkt)
{
	__u64 a = pkt->saddr4, b = pkt->daddr4, pa = pkt->sport, pb = pkt->dport, t;
	__u32 ha = bpf_ntohl(pkt->saddr4), hb = bpf_ntohl(pkt->daddr4);
	int swap = ha > hb || (ha == hb && bpf_ntohs(pkt->sport) > bpf_ntohs(pkt->dport));

	pkt->sender = swap;
	if (swap) {
		t = a, a = b, b = t;
		t = pa, pa = pb, pb = t;
	}
	pkt->kw[0] = a | b << 32;			      /* addr[0], addr[1] */
	pkt->kw[1] = pa | pb << 16 | (__u64)pkt->proto << 32; /* ports, proto, pad = 0 */
}

/* The addresses are already in k6.addr (packet order); ports, proto and family form word 4. */
static __always_inline void key6_build(struct pp_pkt *pkt)
{
	__u32 *a = (__u32 *)pkt->k6.addr[0];
	__u32 *b = (__u32 *)pkt->k6.addr[1];
	__u64 pa = pkt->sport, pb = pkt->dport, t;
	int swap = 0, decided = 0;

#pragma unroll
	for (int i = 0; i < 4; i++) {
		if (!decided && a[i] != b[i]) {
			swap = bpf_ntohl(a[i]) > bpf_ntohl(b[i]);
			decided = 1;
		}
	}
	if (!decided)
		swap = bpf_ntohs(pkt->sport) > bpf_ntohs(pkt->dport);
	pkt->sender = swap;
	if (swap) {
#pragma unroll
		for (int i = 0; i < 4; i++) {
			__u32 w = a[i];

			a[i] = b[i];
			b[i] = w;
		}
		t = pa, pa = pb, pb = t;
	}
	/* port[0], port[1], proto, family, pad = 0 */
	pkt->kw[4] = pa | pb << 16 | (__u64)pkt->proto << 32 | (__u64)PP_FAMILY_V6 << 40;
}

/* Internal return value: not the common frame layout, use parse_packet(). */
#define PP_SLOW_PATH (PP_CNT_MAX + 1)

/*
 * Fast path for the common frame: Ethernet without VLAN tags, IPv4 without options, TCP or UDP,
 * not a fragment. Fixed offsets let clang use constant-offset loads after one bounds check
 * (measured: ~5 ns less per packet than the general parser). The checks are the general
 * parser's; everything else goes there (PP_SLOW_PATH).
 */
static __always_inline int parse_fast_ipv4(void *ctx, const int hook, struct pp_pkt *pkt,
					   struct pp_counter_slots *cnt)
{
	void *data = frame_data(ctx, hook);
	void *data_end = frame_data_end(ctx, hook);
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct hdr_cursor c = { .pos = ip + 1, .end = data_end };
	const __u32 l4_off = sizeof(*eth) + sizeof(*ip);
	__u64 linear = data_end - data; /* 64-bit: the verifier refuses 32-bit pointer arithmetic */
	__u32 tot_len, ip_end;

	if (c.pos + sizeof(struct tcphdr) > data_end) /* short frames: the general parser */
		return PP_SLOW_PATH;
	if (eth->h_proto != bpf_htons(PP_ETH_P_IP) || *(__u8 *)ip != 0x45) /* version 4, ihl 5 */
		return PP_SLOW_PATH;
	if (ip->frag_off & bpf_htons(PP_IP_OFFSET_MASK | PP_IP_MF)) /* any fragment */
		return PP_SLOW_PATH;
	if (ip->protocol != PP_IPPROTO_TCP && ip->protocol != PP_IPPROTO_UDP)
		return PP_SLOW_PATH;
	tot_len = bpf_ntohs(ip->tot_len);
	if (tot_len < sizeof(*ip))
		return PP_OUT_MALFORMED;
	ip_end = sizeof(*eth) + tot_len;
	/* Past the linear part: the datagram may go on in fragments (one helper call, only then). */
	if (!ip_fits(ctx, hook, ip_end, linear, cnt))
		return PP_OUT_MALFORMED;
	pkt->first_fragment = 0;
	pkt->family = PP_FAMILY_V4;
	pkt->proto = ip->protocol;
	pkt->saddr4 = ip->saddr;
	pkt->daddr4 = ip->daddr;
	if (ip->protocol == PP_IPPROTO_TCP)
		return parse_tcp(&c, l4_off, ip_end, pkt);
	return parse_udp(&c, l4_off, ip_end, pkt);
}

/* Ethernet to L4. Returns PP_PARSED with *pkt filled, or the packet's PP_OUT_* outcome. */
static __always_inline int parse_packet(void *ctx, const int hook, struct pp_pkt *pkt,
					struct pp_counter_slots *cnt)
{
	void *data = frame_data(ctx, hook);
	void *data_end = frame_data_end(ctx, hook);
	struct hdr_cursor c = { .pos = data, .end = data_end }; /* headers: linear part only */
	__u32 ip_end = 0, l4_off;
	__u8 l4proto = 0;
	int proto, ret;

	proto = parse_ethernet(&c);
	if (proto < 0)
		return PP_OUT_MALFORMED;
	pkt->first_fragment = 0;
	if (proto == bpf_htons(PP_ETH_P_IP))
		ret = parse_ipv4(ctx, hook, cnt, &c, data, pkt, &l4proto, &ip_end);
	else if (proto == bpf_htons(PP_ETH_P_IPV6))
		ret = parse_ipv6(ctx, hook, cnt, &c, data, pkt, &l4proto, &ip_end);
	else {
		frame_len_all(ctx, hook, data_end - data,
			      cnt); /* count the bytes of jumbo non-IP frames */
		return PP_OUT_NON_IP;
	}
	if (ret != PP_PARSED)
		return ret;

	l4_off = c.pos - data;
	pkt->l4_off = l4_off;
	if (l4_off > ip_end) /* options/extension headers run past the IP length */
		return PP_OUT_MALFORMED;
	pkt->proto = l4proto;
	if (l4proto == PP_IPPROTO_TCP)
		ret = parse_tcp(&c, l4_off, ip_end, pkt);
	else if (l4proto == PP_IPPROTO_UDP)
		ret = parse_udp(&c, l4_off, ip_end, pkt);
	else
		return PP_OUT_OTHER_L4;
	if (ret != PP_PARSED)
		return ret;
	if (pkt->family == PP_FAMILY_V4)
		key4_build(pkt);
	else
		key6_build(pkt);
	return PP_PARSED;
}

/*
 * One lookup call per family that clang may not merge: merged, the call would pick its map at
 * run time, and the verifier only inlines a lookup whose call site always sees the same map
 * (else: a real helper call, ~10 ns more per packet). The asm after each call (one register
 * move) keeps clang from sinking the two calls into one; an empty asm comment would not do:
 * with no instruction of its own it can leave two line-info records on one instruction, which
 * the verifier refuses.
 */
static __always_inline struct pp_flow_val *flow_lookup(struct pp_pkt *pkt)
{
	struct pp_flow_val *val;

	if (pkt->family == PP_FAMILY_V4) {
		val = bpf_map_lookup_elem(&pp_flows4, &pkt->k4);
		asm volatile("%0 = %0" : "+r"(val)); /* verifier: keep the lookup inlinable */
	} else {
		val = bpf_map_lookup_elem(&pp_flows6, &pkt->k6);
		asm volatile("%0 = %0" : "+r"(val)); /* verifier: keep the lookup inlinable */
	}
	return val;
}

/* A SYN or SYN+ACK names the sequence number of its sender's first payload byte: its own + 1. */
static __always_inline void note_tcp_start(struct pp_flow_val *val, struct pp_pkt *pkt)
{
	/* Constant indexes: on the stack copy of flow_create(), clang turns a variable index into
	 * an OR on the frame pointer, which the verifier refuses. */
	if (pkt->sender & 1) {
		val->tcp_start[1] = pkt->tcp_seq + 1;
		val->tcp_start_known |= 2;
	} else {
		val->tcp_start[0] = pkt->tcp_seq + 1;
		val->tcp_start_known |= 1;
	}
}

/* Inserts a fresh entry (flags: BPF_NOEXIST, or BPF_ANY to restart a flow) and returns it. */
static __always_inline struct pp_flow_val *flow_create(struct pp_pkt *pkt, __u8 initiator,
						       __u64 flags, struct pp_counter_slots *cnt)
{
	struct pp_flow_val val;
	long err;

	__builtin_memset(&val, 0, sizeof(val));
	val.first_seen_ns = bpf_ktime_get_ns();
	val.initiator = initiator;
	if (pkt->tcp_flags & PP_TCP_SYN)
		note_tcp_start(&val, pkt);
	if (pkt->family == PP_FAMILY_V4)
		err = bpf_map_update_elem(&pp_flows4, &pkt->k4, &val, flags);
	else
		err = bpf_map_update_elem(&pp_flows6, &pkt->k6, &val, flags);
	if (err == 0)
		cnt->v[PP_CNT_FLOWS_CREATED]++;
	else if (err != -PP_EEXIST)
		return NULL;
	/* Ours, or the entry another CPU inserted first (-EEXIST). NULL if evicted meanwhile. */
	return flow_lookup(pkt);
}

/* Copies up to snap payload bytes into the reserved record and submits it; -1 (the record
 * discarded) if the copy fails, which cannot happen: the parser proved payload_off + cap fits. */
static __always_inline int submit_payload(void *ctx, const int hook, struct pp_pkt *pkt,
					  struct pp_sample *s, __u32 snap)
{
	/* cap <= snap (a constant to the verifier) also proves the copy stays in the record */
	__u32 cap = pkt->payload_avail;

	if (cap > snap)
		cap = snap;
	/* the helper refuses a zero length */
	if (cap > 0 && frame_load(ctx, hook, pkt->payload_off, s->data, cap) != 0) {
		bpf_ringbuf_discard(s, 0);
		return -1;
	}
	s->cap_len = cap;
	bpf_ringbuf_submit(s, rb_no_wakeup ? BPF_RB_NO_WAKEUP : 0);
	return 0;
}

static __always_inline int emit_sample(void *ctx, const int hook, struct pp_pkt *pkt,
				       struct pp_flow_val *val, struct pp_counter_slots *cnt)
{
	__u32 sender = pkt->sender & 1; /* verifier: bounded index into sampled[] */
	int is_tcp = pkt->proto == PP_IPPROTO_TCP;
	__u32 per_dir = samples_per_dir;
	__u32 limit = per_dir;
	__u32 snap = snap_len;
	struct pp_sample *s;
	__u32 seq, payload_seq = 0, start = 0;
	__u8 flags = 0;

	/* Two plain reads decide an already-sampled direction: no atomics on the common path. */
	if (!pp_wants_sample(val->sampled[sender], val->sampled_bytes[sender], is_tcp, per_dir,
			     opening_bytes, opening_packets))
		return PP_OUT_ALREADY_SAMPLED;
	if (is_tcp && opening_packets > limit)
		limit = opening_packets;
	/* Atomic: two CPUs may race for the last sample slot; the loser emits nothing. */
	seq = __sync_fetch_and_add(&val->sampled[sender], 1);
	if (seq >= limit)
		return PP_OUT_ALREADY_SAMPLED;
	if (is_tcp) {
		/* The payload of a SYN (TCP Fast Open) starts one after the SYN's number. */
		payload_seq = pkt->tcp_seq + ((pkt->tcp_flags & PP_TCP_SYN) ? 1 : 0);
		if (val->tcp_start_known & (1 << sender)) {
			flags = PP_SAMPLE_F_TCP_START;
			start = val->tcp_start[sender];
		}
	}

	s = bpf_ringbuf_reserve(&pp_samples, sizeof(*s) + snap, 0);
	if (!s)
		return PP_OUT_RINGBUF_FULL;
	s->ts_ns = bpf_ktime_get_ns();
	s->flow_ns = val->first_seen_ns;
	s->sock_cookie = sock_cookie(ctx, hook);
	if (pkt->family == PP_FAMILY_V4) {
		store_v4_mapped(s->saddr, pkt->saddr4);
		store_v4_mapped(s->daddr, pkt->daddr4);
	} else if (sender == 0) { /* IPv6 addresses: canonical order in the key */
		__builtin_memcpy(s->saddr, pkt->k6.addr[0], 16);
		__builtin_memcpy(s->daddr, pkt->k6.addr[1], 16);
	} else {
		__builtin_memcpy(s->saddr, pkt->k6.addr[1], 16);
		__builtin_memcpy(s->daddr, pkt->k6.addr[0], 16);
	}
	s->sport = bpf_ntohs(pkt->sport);
	s->dport = bpf_ntohs(pkt->dport);
	s->proto = pkt->proto;
	s->family = pkt->family;
	if (val->initiator == PP_INIT_UNKNOWN)
		s->dir = PP_DIR_UNKNOWN;
	else
		s->dir = val->initiator == sender + 1 ? PP_DIR_TO_RESP : PP_DIR_TO_INIT;
	s->tcp_flags = pkt->tcp_flags;
	s->payload_len = pkt->payload_len;
	s->seq = seq;
	s->flags = flags | (hook == PP_HOOK_EGRESS ? PP_SAMPLE_F_EGRESS : 0);
	s->ifindex = frame_ifindex(ctx, hook);
	s->tcp_seq = payload_seq;
	s->tcp_start = start;
	s->ip_id = 0;
	s->frag_off = 0;
	s->frag_len = 0;
	if (pkt->first_fragment) {
		/* The datagram's first fragment: userspace joins the later ones to it. */
		s->flags |= PP_SAMPLE_F_FRAGMENT | PP_SAMPLE_F_MORE_FRAGS;
		s->ip_id = pkt->ip_id;
		s->frag_off = pkt->payload_off - pkt->l4_off; /* its L4 header's length */
		s->frag_len = pkt->payload_avail;	       /* the L4 payload it carries */
	}

	if (submit_payload(ctx, hook, pkt, s, snap) != 0)
		return PP_OUT_MALFORMED;
	if (is_tcp && opening_bytes > 0) {
		/* Not atomic: two CPUs sampling one direction at once may lose an update, which only
		 * costs a sample more (bounded by opening_packets). */
		__u32 covered = pp_opening_advance(val->sampled_bytes[sender], flags,
						   payload_seq - start, pkt->payload_len);

		val->sampled_bytes[sender] = covered;
		/* The budget's last sample, and still short of opening_bytes: counted. */
		if (seq + 1 == limit && limit > per_dir && covered < opening_bytes)
			cnt->v[PP_CNT_OPENING_BUDGET]++;
	}
	return PP_OUT_SAMPLED;
}

/* The datagram key of a fragment: packet-order addresses, protocol, identification. IPv6
 * addresses are in k6.addr: in packet order for a later fragment (no flow key built), in the
 * flow key's order for a first fragment (`keyed`), where the sender says which is which. */
static __always_inline void frag_key_build(struct pp_pkt *pkt, struct pp_frag_key *key, int keyed)
{
	int swap = keyed && pkt->sender;

	__builtin_memset(key, 0, sizeof(*key));
	if (pkt->family == PP_FAMILY_V4) {
		store_v4_mapped(key->saddr, pkt->saddr4);
		store_v4_mapped(key->daddr, pkt->daddr4);
	} else if (swap) {
		__builtin_memcpy(key->saddr, pkt->k6.addr[1], 16);
		__builtin_memcpy(key->daddr, pkt->k6.addr[0], 16);
	} else {
		__builtin_memcpy(key->saddr, pkt->k6.addr[0], 16);
		__builtin_memcpy(key->daddr, pkt->k6.addr[1], 16);
	}
	key->id = pkt->ip_id;
	key->proto = pkt->proto;
	key->family = pkt->family;
}

/*
 * A first fragment's flow outcome decides whether the datagram's later fragments are sampled:
 * yes when the first one was (userspace needs the rest to name it), no otherwise. BPF_ANY: it
 * overrides the entry later fragments that came first may have created.
 */
static __always_inline void note_first_fragment(struct pp_pkt *pkt, int outcome)
{
	struct pp_frag_key key;
	struct pp_frag_val val;

	__builtin_memset(&val, 0, sizeof(val));
	val.state = outcome == PP_OUT_SAMPLED ? PP_FRAG_SAMPLE : PP_FRAG_IGNORE;
	frag_key_build(pkt, &key, 1);
	bpf_map_update_elem(&pp_frags, &key, &val, BPF_ANY); /* a failure only loses fragments */
}

/*
 * A later fragment of a TCP/UDP datagram: sampled when its datagram is followed (its first
 * fragment was sampled) or not known yet (the first fragment may come last), up to
 * PP_FRAG_SAMPLES_MAX per datagram; the table is an LRU of PP_FRAGS_DEFAULT datagrams.
 */
static __always_inline int handle_fragment(void *ctx, const int hook, struct pp_pkt *pkt,
					   struct pp_counter_slots *cnt)
{
	struct pp_frag_key key;
	struct pp_frag_val *val, fresh;
	struct pp_sample *s;
	__u32 snap = snap_len;
	__u32 idx;

	if (pkt->proto != PP_IPPROTO_TCP && pkt->proto != PP_IPPROTO_UDP)
		return PP_OUT_FRAGMENT;
	frag_key_build(pkt, &key, 0);
	val = bpf_map_lookup_elem(&pp_frags, &key);
	if (!val) {
		__builtin_memset(&fresh, 0, sizeof(fresh));
		fresh.state = PP_FRAG_SAMPLE;
		bpf_map_update_elem(&pp_frags, &key, &fresh, BPF_NOEXIST);
		val = bpf_map_lookup_elem(&pp_frags, &key);
		if (!val)
			return PP_OUT_FRAGMENT;
	}
	if (val->state != PP_FRAG_SAMPLE || val->sampled >= PP_FRAG_SAMPLES_MAX)
		return PP_OUT_FRAGMENT;
	idx = __sync_fetch_and_add(&val->sampled, 1);
	if (idx >= PP_FRAG_SAMPLES_MAX)
		return PP_OUT_FRAGMENT;

	s = bpf_ringbuf_reserve(&pp_samples, sizeof(*s) + snap, 0);
	if (!s)
		return PP_OUT_RINGBUF_FULL;
	__builtin_memset(s, 0, sizeof(*s));
	__builtin_memcpy(s->saddr, key.saddr, 16);
	__builtin_memcpy(s->daddr, key.daddr, 16);
	s->ts_ns = bpf_ktime_get_ns();
	s->sock_cookie = sock_cookie(ctx, hook);
	s->proto = pkt->proto;
	s->family = pkt->family;
	s->dir = PP_DIR_UNKNOWN;
	s->payload_len = pkt->payload_len;
	s->seq = idx;
	s->flags = PP_SAMPLE_F_FRAGMENT | PP_SAMPLE_F_LATER_FRAGMENT |
		   (pkt->more_frags ? PP_SAMPLE_F_MORE_FRAGS : 0) |
		   (hook == PP_HOOK_EGRESS ? PP_SAMPLE_F_EGRESS : 0);
	s->ifindex = frame_ifindex(ctx, hook);
	s->ip_id = pkt->ip_id;
	s->frag_off = pkt->frag_off;
	s->frag_len = pkt->payload_len;
	if (submit_payload(ctx, hook, pkt, s, snap) != 0)
		return PP_OUT_MALFORMED;
	return PP_OUT_FRAGMENT_SAMPLED;
}

/* Flow-table work for a parsed TCP/UDP packet; returns its PP_OUT_* outcome. */
static __always_inline int handle_flow(void *ctx, const int hook, struct pp_pkt *pkt,
				       struct pp_counter_slots *cnt)
{
	int is_tcp = pkt->proto == PP_IPPROTO_TCP;
	int syn = is_tcp && (pkt->tcp_flags & PP_TCP_SYN);
	int syn_only = syn && !(pkt->tcp_flags & PP_TCP_ACK);
	__u8 sender_init = pkt->sender + 1; /* PP_INIT_LO or PP_INIT_HI */
	/* The initiator a SYN names: its sender; a SYN+ACK: its receiver. */
	__u8 syn_init = syn_only ? sender_init : PP_INIT_LO + PP_INIT_HI - sender_init;
	struct pp_flow_val *val;

	/* Pure ACK/FIN/RST: nothing to sample or learn, not even a lookup. */
	if (is_tcp && !syn && pkt->payload_len == 0)
		return PP_OUT_NO_PAYLOAD;

	val = flow_lookup(pkt);
	if (val && syn &&
	    (val->initiator != syn_init || val->sampled[0] != 0 || val->sampled[1] != 0)) {
		/* A SYN or SYN+ACK on a flow that already carried data, was seen mid-stream, or
		 * has the other initiator: a new connection reuses the tuple. Start it over so that
		 * it gets its own samples. (A SYN+ACK counts too: XDP on a client's interface never
		 * sees the client's SYN. A retransmitted SYN or SYN+ACK before any payload, with the
		 * same initiator, keeps the entry.) */
		val = flow_create(pkt, syn_init, BPF_ANY, cnt);
		if (!val)
			return PP_OUT_FLOW_UPDATE_FAIL;
	} else if (val && syn) {
		/* The SYN+ACK after its SYN (or a retransmission): where its sender's bytes start. */
		note_tcp_start(val, pkt);
	} else if (!val) {
		__u8 initiator = PP_INIT_UNKNOWN; /* TCP data first seen mid-stream */

		if (!is_tcp)
			initiator = sender_init; /* UDP: the first packet's sender */
		else if (syn)
			initiator = syn_init;
		val = flow_create(pkt, initiator, BPF_NOEXIST, cnt);
		if (!val)
			return PP_OUT_FLOW_UPDATE_FAIL;
	}
	if (pkt->payload_len == 0)
		return PP_OUT_NO_PAYLOAD;
	if (pkt->first_fragment) {
		int out = emit_sample(ctx, hook, pkt, val, cnt);

		note_first_fragment(pkt, out);
		return out;
	}
	return emit_sample(ctx, hook, pkt, val, cnt);
}

/* Counts, parses and samples one frame, in the hook's own counter slot; returns the PP_OUT_*
 * counter it bumped (-1: none). */
static __always_inline int sample_frame(void *ctx, const int hook)
{
	struct pp_counter_slots *cnt;
	struct pp_pkt pkt;
	__u32 key = hook;
	int out;

	cnt = bpf_map_lookup_elem(&pp_counters, &key);
	if (!cnt) /* verifier: lookups may fail; the slots of a PP_HOOKS-slot array never do */
		return -1;
	cnt->v[PP_CNT_PACKETS]++;
	/* linear part; fragments: frame_len_all */
	cnt->v[PP_CNT_BYTES] += frame_data_end(ctx, hook) - frame_data(ctx, hook);

	out = parse_fast_ipv4(ctx, hook, &pkt, cnt);
	if (out == PP_PARSED)
		key4_build(&pkt);
	else if (out == PP_SLOW_PATH)
		out = parse_packet(ctx, hook, &pkt, cnt);
	if (out == PP_PARSED)
		out = handle_flow(ctx, hook, &pkt, cnt);
	else if (out == PP_FRAG_PARSED)
		out = handle_fragment(ctx, hook, &pkt, cnt);
	if (out < PP_OUT_NON_IP || out >= PP_CNT_MAX) /* verifier: bound the counter index */
		out = PP_OUT_MALFORMED;
	cnt->v[out]++;
	return out;
}

SEC("xdp.frags") /* multi-buffer aware: see "Multi-buffer frames" at the top */
int protoport_xdp(struct xdp_md *ctx)
{
	sample_frame(ctx, PP_HOOK_INGRESS);
	return XDP_PASS;
}

/*
 * Replay batches (include/protoport/replay_batch.h): one test run (repeat 1) takes every frame
 * userspace put in the slots, in order: it makes the packet that frame and runs on it what
 * protoport_xdp runs. (A test run with repeat > 1 would re-patch the kernel's XDP dispatcher,
 * with an IPI to every CPU, twice per call: dearer than the calls it saves.) Every slot fits the
 * linear part; a longer frame is run alone, as the test run's packet (pp_batch_count 0), so that
 * replay needs no other program. Loaded by replay only (autoload off otherwise).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE); /* userspace writes the frames in place */
	__uint(max_entries, 1);		   /* loader: bpf_map__set_max_entries */
	__type(key, __u32);
	__type(value, struct pp_batch_slot);
} pp_batch SEC(".maps");

__u32 pp_batch_count; /* frames in the slots, set by userspace before each run */

/* One frame of a batch: a global function, so that the verifier checks sample_frame() once
 * rather than once per iteration of the loop below. */
__noinline int pp_batch_frame(struct xdp_md *ctx)
{
	return sample_frame(ctx, PP_HOOK_INGRESS);
}

SEC("xdp.frags") /* a frame too long for a slot is given as the test run's own packet */
int protoport_replay_batch(struct xdp_md *ctx)
{
	__u32 n = pp_batch_count;
	__u32 i;

	if (n == 0) { /* no slots: the packet is the frame (multi-buffer if long), as is */
		pp_batch_frame(ctx);
		return XDP_PASS;
	}

	for (i = 0; i < PP_BATCH_SLOTS_MAX && i < n; i++) {
		struct pp_batch_slot *slot;
		__u32 key = i, len;
		long cur;

		slot = bpf_map_lookup_elem(&pp_batch, &key);
		if (!slot) /* verifier: lookups may fail; userspace never counts past the slots */
			break;
		len = slot->len;
		/* verifier: bounds the copy below to the slot; userspace never writes another length */
		if (len < PP_ETH_HLEN || len > PP_BATCH_FRAME_MAX)
			continue; /* its outcome stays PP_BATCH_NOT_RUN */
		cur = frame_data_end(ctx, PP_HOOK_INGRESS) - frame_data(ctx, PP_HOOK_INGRESS);
		/* verifier: clang would fold `len - cur` into 32-bit arithmetic on the packet
		 * pointers, which the verifier refuses; the barrier keeps the difference a scalar */
		barrier_var(cur);
		if (bpf_xdp_adjust_tail(ctx, (int)len - (int)cur) != 0 ||
		    bpf_xdp_store_bytes(ctx, 0, slot->data, len) != 0)
			continue;
		slot->outcome = pp_batch_frame(ctx);
	}
	return XDP_PASS;
}

/*
 * What the host sends, on the clsact egress hook (a tcx link; a cls_bpf filter on kernels
 * before 6.6). The stack builds headers in the linear part, and payload often outside it (TSO,
 * sendfile): read through bpf_skb_load_bytes, as XDP reads fragments. Only a frame too short in
 * its linear part to hold Ethernet + IPv4 + TCP is pulled (never a common one: pulling a cloned
 * TCP skb copies its head).
 * Returns TC_ACT_UNSPEC (TCX_NEXT): the packet goes on to whatever else is attached, untouched.
 */
#define PP_EGRESS_LINEAR_MIN 54 /* Ethernet + IPv4 + TCP, without options */
#define PP_EGRESS_PULL 128

SEC("tc")
int protoport_tc_egress(struct __sk_buff *skb)
{
	__u32 linear = skb->data_end - skb->data;
	__u32 want = skb->len < PP_EGRESS_PULL ? skb->len : PP_EGRESS_PULL;

	if (linear < PP_EGRESS_LINEAR_MIN && linear < want)
		bpf_skb_pull_data(skb, want); /* on failure the frame stays as it was: parsed as is */
	sample_frame(skb, PP_HOOK_EGRESS);
	return -1; /* TC_ACT_UNSPEC, TCX_NEXT: not ours to decide */
}
