/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Socket owners: which process owns a socket, by cookie. cgroup socket hooks on the cgroup v2
 * root (every process below it), in the process's own context:
 *  - sock_create: socket() of a TCP or UDP socket; the creator owns it (clients, UDP senders
 *    and receivers, listeners);
 *  - post_bind4/6: a socket bound to a port (a server's): its owner is sent with the port, for
 *    flows that reach the port before its socket sends anything, and remembered, so that
 *  - sockops PASSIVE_ESTABLISHED, where the kernel creates an accepted connection's socket (in
 *    softirq, no process to ask), gives that socket the owner of the port it came in on.
 * Only sockets of the watched network namespace (netns_cookie) are recorded. Every event goes
 * to userspace once (pp_sock_events), where the process is resolved further (/proc) at once.
 * A lost event (ring buffer full) is counted; the flow is then reported without a process.
 * ABI: include/protoport/sockets.h.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "protoport/sample.h"
#include "protoport/sockets.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* The network namespace recorded (SO_NETNS_COOKIE of a socket of the watch's); 0: all. */
const volatile __u64 netns_cookie = 0;

#define PP_BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB 5 /* enum in uapi/linux/bpf.h */
#define PP_AF_INET 2
#define PP_AF_INET6 10

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, PP_SOCK_RINGBUF_DEFAULT);
} pp_sock_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PP_SOCK_LISTENERS_DEFAULT);
	__type(key, struct pp_sock_port);
	__type(value, struct pp_sock_owner);
} pp_sock_listeners SEC(".maps");

/* Per-CPU counters: [0] events sent, [1] events lost (ring buffer full). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} pp_sock_counters SEC(".maps");

static __always_inline void count(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&pp_sock_counters, &slot);

	if (v) /* verifier: lookups may fail */
		(*v)++;
}

static __always_inline void current_owner(struct pp_sock_owner *o)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 uid_gid = bpf_get_current_uid_gid();

	o->pid = bpf_get_current_pid_tgid() >> 32;
	o->uid = (__u32)uid_gid;
	o->gid = uid_gid >> 32;
	o->cgroup_id = bpf_get_current_cgroup_id();
	o->start_ns = BPF_CORE_READ(task, group_leader, start_boottime); /* as /proc/PID/stat's */
	bpf_probe_read_kernel_str(o->comm, sizeof(o->comm), BPF_CORE_READ(task, group_leader, comm));
}

static __always_inline void send_event(__u64 cookie, const struct pp_sock_owner *owner,
				       __u16 lport, __u8 proto, __u8 kind, const __u32 *laddr)
{
	struct pp_sock_event *e = bpf_ringbuf_reserve(&pp_sock_events, sizeof(*e), 0);

	if (!e) {
		count(1);
		return;
	}
	e->cookie = cookie;
	__builtin_memcpy(&e->owner, owner, sizeof(*owner));
	e->lport = lport;
	e->proto = proto;
	e->kind = kind;
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	if (laddr)
		__builtin_memcpy(e->laddr, laddr, sizeof(e->laddr));
	else
		__builtin_memset(e->laddr, 0, sizeof(e->laddr));
	bpf_ringbuf_submit(e, 0);
	count(0);
}

/* A TCP or UDP socket of the watched namespace. */
static __always_inline int watched(struct bpf_sock *sk, __u8 proto)
{
	if (proto != PP_IPPROTO_TCP && proto != PP_IPPROTO_UDP)
		return 0;
	return !netns_cookie || bpf_get_netns_cookie(sk) == netns_cookie;
}

SEC("cgroup/sock_create")
int pp_sock_create(struct bpf_sock *sk)
{
	struct pp_sock_owner owner = {};
	__u8 proto = sk->protocol;

	if (!watched(sk, proto))
		return 1;
	current_owner(&owner);
	send_event(bpf_get_socket_cookie(sk), &owner, 0, proto, PP_SOCK_CREATED, 0);
	return 1; /* 1: allowed; the hook only watches */
}

/* bind(): the port's owner, for flows that reach it before its socket sends anything. */
static __always_inline int bound(struct bpf_sock *sk, const int v6)
{
	struct pp_sock_port port = { .port = sk->src_port };
	struct pp_sock_owner owner = {};
	__u8 proto = sk->protocol;

	if (!watched(sk, proto))
		return 1;
	/* Each context field read on its own: the verifier refuses loads through a ctx pointer
	 * clang has moved (dereference of modified ctx ptr). */
	__u32 laddr[4] = {};

	/* Per hook: post_bind4 may only read src_ip4, post_bind6 only src_ip6. */
	if (!v6) {
		__u32 a4 = sk->src_ip4;

		if (a4) {
			laddr[2] = bpf_htonl(0x0000ffff); /* ::ffff:a.b.c.d */
			laddr[3] = a4;
		}
	} else {
		laddr[0] = sk->src_ip6[0];
		laddr[1] = sk->src_ip6[1];
		laddr[2] = sk->src_ip6[2];
		laddr[3] = sk->src_ip6[3];
	}
	current_owner(&owner);
	if (proto == PP_IPPROTO_TCP) /* for the sockets accepted on it (pp_sockops) */
		bpf_map_update_elem(&pp_sock_listeners, &port, &owner, BPF_ANY); /* failure: no owner */
	send_event(bpf_get_socket_cookie(sk), &owner, port.port, proto, PP_SOCK_BOUND, laddr);
	return 1;
}

SEC("cgroup/post_bind4")
int pp_post_bind4(struct bpf_sock *sk)
{
	return bound(sk, 0);
}

SEC("cgroup/post_bind6")
int pp_post_bind6(struct bpf_sock *sk)
{
	return bound(sk, 1);
}

SEC("sockops")
int pp_sockops(struct bpf_sock_ops *ops)
{
	struct pp_sock_port port = {};
	struct pp_sock_owner *owner;

	if (ops->op != PP_BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB)
		return 1;
	if (netns_cookie && bpf_get_netns_cookie(ops) != netns_cookie)
		return 1;
	port.port = ops->local_port; /* host order */
	owner = bpf_map_lookup_elem(&pp_sock_listeners, &port);
	if (owner)
		send_event(bpf_get_socket_cookie(ops), owner, ops->local_port, PP_IPPROTO_TCP,
			   PP_SOCK_ACCEPTED, 0);
	return 1;
}
