/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The ABI of the socket-owner hooks (bpf/sockets.bpf.c): which process owns a socket, by the
 * socket's cookie (bpf_get_socket_cookie(): unique for the socket's life, never reused), taken
 * in the owner's own context. The TC egress program writes the cookie of the socket a packet
 * leaves from into its sample (pp_sample.sock_cookie), so userspace joins a flow to its process
 * by cookie: right for connecting clients, UDP senders and accepting servers (an accepted
 * socket gets the owner of the socket that listened), whatever the addresses.
 * Fixed-width types, explicit padding.
 */
#pragma once

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define PP_SOCK_COMM_LEN 16
#define PP_SOCK_LISTENERS_DEFAULT 4096 /* bound TCP ports whose owner an accepted socket gets */
#define PP_SOCK_RINGBUF_DEFAULT (256u << 10)

/* Who: taken with the bpf_get_current_*() helpers in a syscall of the process. */
struct pp_sock_owner {
	__u64 start_ns;	 /* the process's start (group leader's start_boottime, ns: /proc/PID/stat
			  * field 22 in clock ticks): with pid, who it is under pid reuse */
	__u64 cgroup_id; /* cgroup v2 directory's inode (bpf_get_current_cgroup_id()) */
	__u32 pid;	 /* thread group id (what users call the pid) */
	__u32 uid;
	__u32 gid;
	__u32 pad;
	char comm[PP_SOCK_COMM_LEN]; /* the thread group leader's name */
};

enum pp_sock_kind {
	PP_SOCK_CREATED = 1,  /* socket(): the creating process */
	PP_SOCK_ACCEPTED = 2, /* a TCP connection accepted on a port bound by `owner` */
	PP_SOCK_BOUND = 3,    /* bind() of a TCP or UDP socket: lport (a server's port) */
};

/* Ring-buffer record (pp_sock_events). */
struct pp_sock_event {
	__u64 cookie; /* the socket's cookie, as pp_sample.sock_cookie */
	struct pp_sock_owner owner;
	__u16 lport;  /* ACCEPTED, BOUND: the local port; 0 for CREATED (not bound yet) */
	__u8 proto;   /* PP_IPPROTO_TCP or PP_IPPROTO_UDP */
	__u8 kind;    /* enum pp_sock_kind */
	__u8 pad[4];
	__u8 laddr[16]; /* BOUND: the address bound, v4-mapped for IPv4; zero: any */
};

/* pp_sock_listeners key: a bound TCP port (bpf_sock.src_port, host order). */
struct pp_sock_port {
	__u32 port;
};
